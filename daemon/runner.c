/* runner.c: the queue: one run at a time, the next as soon as the last is done, until told to stop. */
#include "runner.h"

#include <stdlib.h>

#include "log.h"
#include "run.h"
#include "store.h"
#include "xmalloc.h"

#define RUNNER_RETRY_MS	5000	/* after the queue could not be read */

struct runner {
	struct run_env		 env;
	uv_timer_t		 kick;
	struct run		*run;
	int			 stopping;
	void			(*stop_done)(void *);
	void			*stop_arg;
};

static void	runner_kick_cb(uv_timer_t *);

/* Create the runner; it starts nothing until runner_kick(). */
struct runner *
runner_create(uv_loop_t *loop, struct store *st, const struct runner_hooks *hooks)
{
	struct runner *r = xcalloc(1, sizeof *r);

	r->env = (struct run_env){ loop, st, hooks->emit, hooks->arg };
	uv_timer_init(loop, &r->kick);
	r->kick.data = r;
	return r;
}

/* Close callback of the kick timer: the last thing the runner owns. */
static void
runner_closed_cb(uv_handle_t *h)
{
	free(h->data);
}

/* Close the runner's timer; the runner is freed in the close callback. */
void
runner_free(struct runner *r)
{
	if (r != NULL)
		uv_close((uv_handle_t *)&r->kick, runner_closed_cb);
}

/* Look at the queue on the next loop iteration (never from inside a callback chain). */
void
runner_kick(struct runner *r)
{
	if (!r->stopping)
		uv_timer_start(&r->kick, runner_kick_cb, 0, 0);
}

/* The run in flight is recorded and closed: free it, then go on or report that we are idle. */
static void
runner_run_done(struct run *run, void *arg)
{
	struct runner *r = arg;

	run_free(run);
	r->run = NULL;
	if (!r->stopping) {
		runner_kick(r);
		return;
	}
	if (r->stop_done != NULL)
		r->stop_done(r->stop_arg);
	r->stop_done = NULL;
}

/* The queue check: start the next pending run unless one is in flight. */
static void
runner_kick_cb(uv_timer_t *t)
{
	struct runner *r = t->data;
	struct store_run q;
	int rc;

	if (r->run != NULL || r->stopping)
		return;
	rc = store_next_run(r->env.store, &q);
	if (rc < 0) {
		log_warnx("reading the queue: %s; retrying in %d s", store_errmsg(r->env.store),
		    RUNNER_RETRY_MS / 1000);
		uv_timer_start(&r->kick, runner_kick_cb, RUNNER_RETRY_MS, 0);
		return;
	}
	if (rc == 1)
		r->run = run_start(&r->env, &q, runner_run_done, r);
}

/* Stop the run in flight when it belongs to a plan being cancelled; watchers hear the plan's end. */
void
runner_cancel_plan(struct runner *r, int64_t plan_id)
{
	json_t *ev;

	if (r->run != NULL && run_plan_id(r->run) == plan_id)
		run_stop(r->run, RUN_CANCELLED);
	if ((ev = run_plan_event(r->env.store, plan_id)) != NULL)
		r->env.emit(r->env.arg, plan_id, ev);
}

/* Interrupt the run in flight, and call done once nothing is running. */
void
runner_stop(struct runner *r, void (*done)(void *), void *arg)
{
	r->stopping = 1;
	uv_timer_stop(&r->kick);
	if (r->run == NULL) {
		done(arg);
		return;
	}
	r->stop_done = done;
	r->stop_arg = arg;
	run_stop(r->run, RUN_INTERRUPTED);
}

/* The run in flight, as status shows it. */
json_t *
runner_current_json(struct runner *r)
{
	return r->run != NULL ? run_status_json(r->run) : json_null();
}
