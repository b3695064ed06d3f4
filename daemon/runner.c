/*
 * runner.c: the queue: one run at a time, the next as soon as the last is
 * done, until told to stop. When the database refuses a write (or the
 * machine runs out of descriptors), the queue pauses: the run whose record
 * was refused is kept in memory, nothing new starts, and the write is tried
 * again with a growing delay until it is taken.
 */
#include "runner.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "rounds.h"
#include "run.h"
#include "store.h"
#include "xmalloc.h"

#define RUNNER_RETRY_MIN_MS	500	/* the first retry after a refusal */
#define RUNNER_RETRY_MAX_MS	30000	/* the delay doubles up to this */
#define RUNNER_DECIDE_MAX	100	/* plans decided in one look at the queue */

struct runner {
	struct run_env		 env;
	struct run_hooks	 hooks;
	void			(*emit)(void *, int64_t, json_t *);	/* the server's, behind runner_emit */
	void			*emit_arg;
	uv_timer_t		 kick;
	struct run		*run;
	int			 stopping;
	void			(*stop_done)(void *);
	void			*stop_arg;

	/* Paused: why (NULL when not), since when, and the next delay. */
	char			*paused;
	double			 paused_at;
	uint64_t		 retry_ms;
	double			 retry_at_mono_ms;
};

static void	runner_kick_cb(uv_timer_t *);
static void	runner_run_spawned(struct run *, void *);
static void	runner_run_done(struct run *, void *);
static void	runner_emit(void *, int64_t, json_t *);

/* Create the runner; it starts nothing until runner_kick(). */
struct runner *
runner_create(uv_loop_t *loop, struct store *st, const struct runner_hooks *hooks)
{
	struct runner *r = xcalloc(1, sizeof *r);

	r->env.loop = loop;
	r->env.store = st;
	r->env.emit = runner_emit;
	r->env.arg = r;
	r->emit = hooks->emit;
	r->emit_arg = hooks->arg;
	for (size_t i = 0; i < RUN_OWN_MAX && hooks->own[i] != NULL; i++)
		r->env.own[r->env.nown++] = hooks->own[i];
	r->hooks = (struct run_hooks){ runner_run_spawned, runner_run_done, r };
	uv_timer_init(loop, &r->kick);
	r->kick.data = r;
	return r;
}

/* Close callback of the kick timer: the last thing the runner owns. */
static void
runner_closed_cb(uv_handle_t *h)
{
	struct runner *r = h->data;

	free(r->paused);
	free(r);
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

/* Pause the queue for why (taken), or keep it paused with a new why; the next try waits longer. */
static void
runner_pause(struct runner *r, char *why)
{
	if (r->paused == NULL) {
		r->paused_at = clock_unix_now();
		r->retry_ms = RUNNER_RETRY_MIN_MS;
		store_patience(r->env.store, STORE_PAUSED_BUSY_MS);
		log_warnx("paused: %s; retrying, from %.1f s on", why, RUNNER_RETRY_MIN_MS / 1e3);
	} else {
		r->retry_ms = r->retry_ms * 2 > RUNNER_RETRY_MAX_MS ? RUNNER_RETRY_MAX_MS :
		    r->retry_ms * 2;
		if (strcmp(r->paused, why) != 0)
			log_warnx("still paused: %s", why);
	}
	free(r->paused);
	r->paused = why;
	r->retry_at_mono_ms = clock_mono_ms() + (double)r->retry_ms;
	uv_timer_start(&r->kick, runner_kick_cb, r->retry_ms, 0);
}

/* The write went through: the queue goes on. */
static void
runner_resume(struct runner *r)
{
	if (r->paused == NULL)
		return;
	store_patience(r->env.store, STORE_BUSY_MS);
	log_warnx("resumed after %.1f s: the database takes writes again",
	    clock_unix_now() - r->paused_at);
	free(r->paused);
	r->paused = NULL;
}

/* Free the run in flight and let the queue move on (or report that we are idle). */
static void
runner_run_free(struct runner *r)
{
	run_free(r->run);
	r->run = NULL;
	if (!r->stopping) {
		if (r->paused == NULL)
			runner_kick(r);
		return;
	}
	if (r->stop_done != NULL)
		r->stop_done(r->stop_arg);
	r->stop_done = NULL;
}

/* The run in flight has spawned its child: the database took its write, so a pause is over. */
static void
runner_run_spawned(struct run *run, void *arg)
{
	(void)run;
	runner_resume(arg);
}

/*
 * The run in flight has closed. Recorded: free it and go on. Its record
 * refused: keep it and pause (the kick timer retries the record). Not started
 * for a reason that may pass: pause, and the kick timer tries the queue again.
 */
static void
runner_run_done(struct run *run, void *arg)
{
	struct runner *r = arg;
	const char *why = run_blocked(run);

	if (why == NULL) {
		runner_resume(r);
		runner_run_free(r);
		return;
	}
	runner_pause(r, xstrdup(why));
	if (run_unrecorded(run) && !r->stopping)
		return;		/* kept until the database takes it */
	if (run_unrecorded(run) && run_record_again(run) != 0)
		log_warnx("stopping with a finished run the database would not take: it stays "
		    "running there, and the next start queues it again");
	runner_run_free(r);
}

/*
 * Every event goes out through here: a run_finished of a plan with precision
 * targets carries where they stand (rounds.c), then the hook has it.
 */
static void
runner_emit(void *arg, int64_t plan_id, json_t *ev)
{
	struct runner *r = arg;
	const char *name = json_string_value(json_object_get(ev, "event"));
	json_t *targets;

	if (name != NULL && strcmp(name, "run_finished") == 0 &&
	    (targets = rounds_json(r->env.store, plan_id)) != NULL)
		json_object_set_new(ev, "targets", targets);
	r->emit(r->emit_arg, plan_id, ev);
}

/*
 * Decide every plan whose precision targets wait for their next round, before
 * any run starts: another round is queued, or the plan ends (and its watchers
 * hear it). Done here, where the queue is looked at, so that a plan left
 * undecided by a crash is decided after the restart like any other. Returns
 * -1 when the database refused (the queue pauses and this is tried again).
 */
static int
runner_decide(struct runner *r)
{
	int64_t plan_id;
	json_t *ev;
	char *why = NULL;
	int rc, finished;

	for (int i = 0; i < RUNNER_DECIDE_MAX; i++) {
		if ((rc = rounds_decide(r->env.store, &plan_id, &finished, &why)) < 0) {
			runner_pause(r, why);
			return -1;
		}
		if (rc == 0)
			break;
		runner_resume(r);	/* the database took the decision's write */
		if (finished && (ev = run_plan_event(r->env.store, plan_id)) != NULL) {
			log_info("plan %lld %s: %lld of %lld runs ok", (long long)plan_id,
			    json_string_value(json_object_get(ev, "state")),
			    (long long)json_integer_value(json_object_get(ev, "runs_ok")),
			    (long long)json_integer_value(json_object_get(ev, "runs_total")));
			r->env.emit(r->env.arg, plan_id, ev);
		}
	}
	return 0;
}

/* The queue check: retry a refused record, decide waiting plans, or start the next pending run unless one is in flight. */
static void
runner_kick_cb(uv_timer_t *t)
{
	struct runner *r = t->data;
	struct store_run q;
	int rc;

	if (r->stopping)
		return;
	if (r->run != NULL) {
		if (!run_unrecorded(r->run))
			return;
		if (run_record_again(r->run) != 0) {
			runner_pause(r, xstrdup(run_blocked(r->run)));
			return;
		}
		runner_resume(r);
		runner_run_free(r);
		return;
	}
	if (runner_decide(r) != 0)
		return;
	rc = store_next_run(r->env.store, &q);
	if (rc < 0) {
		char *why;

		xasprintf(&why, "cannot read the queue: %s", store_errmsg(r->env.store));
		runner_pause(r, why);
		return;
	}
	if (rc == 1)
		r->run = run_start(&r->env, &q, &r->hooks);
	else
		runner_resume(r);
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
	if (r->run != NULL && run_unrecorded(r->run)) {
		/* Done already, but for its record: one last try. */
		if (run_record_again(r->run) != 0)
			log_warnx("stopping with a finished run the database would not take (%s): it "
			    "stays running there, and the next start queues it again",
			    run_blocked(r->run));
		run_free(r->run);
		r->run = NULL;
	}
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
	return r->run != NULL && !run_unrecorded(r->run) ? run_status_json(r->run) : json_null();
}

/* Why the queue is paused, since when and when it tries again, or JSON null. */
json_t *
runner_paused_json(struct runner *r)
{
	double left;

	if (r->paused == NULL)
		return json_null();
	left = (r->retry_at_mono_ms - clock_mono_ms()) / 1e3;
	return json_pack("{ss sf sf}", "reason", r->paused, "since", r->paused_at,
	    "retry_in_s", left > 0 ? left : 0.0);
}
