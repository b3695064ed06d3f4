/* runner.c: one run at a time: spawn the child, read its output, time it out, record it whole. */
#include "runner.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include "benchd.h"
#include "cache.h"
#include "clock.h"
#include "log.h"
#include "plan.h"
#include "server.h"
#include "stagelog.h"
#include "store.h"
#include "xmalloc.h"

#define RUNNER_KILL_GRACE_MS	5000	/* SIGTERM, then SIGKILL this much later */
#define RUNNER_DRAIN_GRACE_MS	2000	/* after exit, how long the pipes may stay open */
#define RUNNER_OUTPUT_MAX	(1024 * 1024)	/* kept of each stream */
#define RUNNER_READ_SIZE	(256 * 1024)
#define RUNNER_EVENTS_PER_S	50	/* stage events sent to watchers, per run */
#define RUNNER_ANNOUNCE_MS	100	/* at the latest, record a run's start this long after the spawn */

extern char **environ;

/* What the run's timer is counting down to. */
enum run_timer { TIMER_TIMEOUT, TIMER_KILL, TIMER_DRAIN };

/* One of the child's output pipes and what was kept of it. */
struct run_stream {
	uv_pipe_t	 pipe;
	struct run	*run;
	char		 buf[RUNNER_READ_SIZE];
	char		*kept;
	size_t		 len;
	uint64_t	 total;
	int		 eof;
};

/*
 * A run in flight. It is over only when the child has exited and both pipes
 * have reached EOF (output that arrives after the exit is still parsed); it
 * is freed only when every one of its handles has closed.
 */
struct run {
	struct runner		*runner;
	struct store_run	 q;
	struct plan		*plan;
	const struct plan_condition *cond;
	char			*plan_name;
	int64_t			 runs_total;
	int64_t			 runs_ended;

	uv_process_t		 proc;
	struct run_stream	 out;
	struct run_stream	 err;
	uv_timer_t		 timer;
	enum run_timer		 timer_phase;
	int			 open_handles;
	int			 proc_init;	/* uv_spawn() was called: proc must be closed */
	int			 announced;	/* its start is recorded and told */
	uv_timer_t		 announce;	/* records the start if the child stays silent */
	int			 spawned;
	int			 exited;
	int			 recorded;
	int64_t			 exit_status;
	int			 term_signal;
	enum store_run_state	 forced;	/* RUN_PENDING unless stopped on purpose */
	char			*error;

	struct stagelog		*log;
	size_t			 events_sent;
	double			 tokens;	/* stage events that may be sent now */
	uint64_t		 tokens_at;	/* uv_now() when tokens was last topped up */
	char			*command;
	double			 spawned_at;	/* CLOCK_REALTIME */
	uint64_t		 spawned_ns;	/* uv_hrtime() */
	double			 total_s;
	struct rusage		 ru_before;
	struct rusage		 ru_after;
	struct cache_state	 cache;
	uv_work_t		 work;		/* the cache work, on libuv's thread pool */
};

struct runner {
	struct benchd		*d;
	uv_timer_t		 kick;
	struct run		*run;
	int			 stopping;
	void			(*stop_done)(struct benchd *);
};

static void	runner_kick_cb(uv_timer_t *);
static void	run_complete(struct run *);
static void	run_announce(struct run *);

/* Create the runner; it starts nothing until runner_kick(). */
struct runner *
runner_create(struct benchd *d)
{
	struct runner *r = xcalloc(1, sizeof *r);

	r->d = d;
	uv_timer_init(d->loop, &r->kick);
	r->kick.data = r;
	return r;
}

/* Close callback of the kick timer: the last thing the runner owns. */
static void
runner_closed_cb(uv_handle_t *h)
{
	struct runner *r = h->data;

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

/* Seconds as a double from a timeval. */
static double
runner_tv(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* Quote one word for a shell, only when it needs it. */
static void
runner_quote(char **line, const char *w)
{
	const char *safe = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%";
	char *old = *line, *q;
	size_t n = 0;

	if (*w != '\0' && strspn(w, safe) == strlen(w)) {
		xasprintf(line, "%s%s%s", old, *old != '\0' ? " " : "", w);
		free(old);
		return;
	}
	q = xmalloc(strlen(w) * 4 + 3);
	q[n++] = '\'';
	for (; *w != '\0'; w++) {
		if (*w == '\'') {
			memcpy(q + n, "'\\''", 4);
			n += 4;
		} else
			q[n++] = *w;
	}
	q[n++] = '\'';
	q[n] = '\0';
	xasprintf(line, "%s%s%s", old, *old != '\0' ? " " : "", q);
	free(q);
	free(old);
}

/*
 * The child's argv: taskset -c CPUS PYTHON [WRAPPER] SCRIPT ARGS..., or
 * without taskset when the condition is not pinned. A probe runs the script
 * through the footprint wrapper.
 */
static char **
run_argv(const struct plan_condition *c, const char *wrapper)
{
	char **argv = xcalloc(c->nargs + 8, sizeof *argv);
	size_t n = 0;

	if (c->cpus != NULL) {
		argv[n++] = xstrdup("taskset");
		argv[n++] = xstrdup("-c");
		argv[n++] = xstrdup(c->cpus);
	}
	argv[n++] = xstrdup(c->python);
	if (wrapper != NULL)
		argv[n++] = xstrdup(wrapper);
	argv[n++] = xstrdup(c->script);
	for (size_t i = 0; i < c->nargs; i++)
		argv[n++] = xstrdup(c->args[i]);
	return argv;
}

/* The child's environment: the daemon's, then the plan's env, then extra ("K=V"). */
static char **
run_env(const struct plan_condition *c, const char *extra)
{
	size_t n = 0, count = 0;
	char **env;

	while (environ[count] != NULL)
		count++;
	env = xcalloc(count + c->nenv + 2, sizeof *env);
	for (size_t i = 0; i < count; i++) {
		const char *eq = strchr(environ[i], '=');
		size_t klen = eq != NULL ? (size_t)(eq - environ[i]) : strlen(environ[i]);
		int overridden = 0;

		for (size_t j = 0; j < c->nenv && !overridden; j++)
			overridden = strlen(c->env[j].key) == klen &&
			    strncmp(c->env[j].key, environ[i], klen) == 0;
		if (extra != NULL && strncmp(extra, environ[i], klen + 1) == 0)
			overridden = 1;
		if (!overridden)
			env[n++] = xstrdup(environ[i]);
	}
	for (size_t j = 0; j < c->nenv; j++)
		xasprintf(&env[n++], "%s=%s", c->env[j].key, c->env[j].value);
	if (extra != NULL)
		env[n++] = xstrdup(extra);
	return env;
}

/* Free a NULL-terminated array of strings. */
static void
runner_strv_free(char **v)
{
	if (v == NULL)
		return;
	for (char **p = v; *p != NULL; p++)
		free(*p);
	free(v);
}

/* One of a run's handles has closed; the last one frees the run and moves the queue on. */
static void
run_unref(struct run *run)
{
	struct runner *r = run->runner;

	if (--run->open_handles > 0)
		return;
	cache_state_clear(&run->cache);
	stagelog_free(run->log);
	plan_free(run->plan);
	free(run->plan_name);
	free(run->out.kept);
	free(run->err.kept);
	free(run->command);
	free(run->error);
	free(run);
	r->run = NULL;
	if (r->stopping) {
		if (r->stop_done != NULL)
			r->stop_done(r->d);
		r->stop_done = NULL;
	} else
		runner_kick(r);
}

/* Close callback of the run's process and timer handles. */
static void
run_handle_closed(uv_handle_t *h)
{
	run_unref(h->data);
}

/* Close callback of the run's pipes, whose data is their stream. */
static void
run_stream_closed(uv_handle_t *h)
{
	struct run_stream *s = h->data;

	run_unref(s->run);
}

/* Close every handle of a finished run. */
static void
run_close(struct run *run)
{
	uv_close((uv_handle_t *)&run->timer, run_handle_closed);
	uv_close((uv_handle_t *)&run->announce, run_handle_closed);
	uv_close((uv_handle_t *)&run->out.pipe, run_stream_closed);
	uv_close((uv_handle_t *)&run->err.pipe, run_stream_closed);
	if (run->proc_init)
		uv_close((uv_handle_t *)&run->proc, run_handle_closed);
}

/* Signal the run's whole process group; the group may already be gone. */
static void
run_signal(struct run *run, int sig)
{
	int rc;

	if (!run->spawned)
		return;
	rc = uv_kill(-run->proc.pid, sig);
	if (rc != 0 && rc != UV_ESRCH)
		log_warnx("run %lld: kill(-%d, %d): %s", (long long)run->q.id, run->proc.pid, sig,
		    uv_strerror(rc));
}

/* The run's timer: the timeout, then the SIGKILL grace, or the drain grace after exit. */
static void
run_timer_cb(uv_timer_t *t)
{
	struct run *run = t->data;

	switch (run->timer_phase) {
	case TIMER_TIMEOUT:
		log_info("run %lld: timed out after %g s; sending SIGTERM to its process group",
		    (long long)run->q.id, run->cond->timeout);
		if (run->forced == RUN_PENDING)
			run->forced = RUN_TIMEOUT;
		run_signal(run, SIGTERM);
		run->timer_phase = TIMER_KILL;
		uv_timer_start(&run->timer, run_timer_cb, RUNNER_KILL_GRACE_MS, 0);
		break;
	case TIMER_KILL:
		log_info("run %lld: still alive %d s after SIGTERM; sending SIGKILL",
		    (long long)run->q.id, RUNNER_KILL_GRACE_MS / 1000);
		run_signal(run, SIGKILL);
		break;
	case TIMER_DRAIN:
		/* The child exited but something (a grandchild) holds its pipes open. */
		log_info("run %lld: output still open %d s after exit; killing the process group",
		    (long long)run->q.id, RUNNER_DRAIN_GRACE_MS / 1000);
		run_signal(run, SIGKILL);
		for (int i = 0; i < 2; i++) {
			struct run_stream *s = i == 0 ? &run->out : &run->err;

			if (!s->eof) {
				uv_read_stop((uv_stream_t *)&s->pipe);
				s->eof = 1;
			}
		}
		run_complete(run);
		break;
	}
}

/* Stop a run on purpose (timeout, cancel, daemon stopping): SIGTERM now, SIGKILL later. */
static void
run_stop(struct run *run, enum store_run_state why)
{
	if (run->forced == RUN_PENDING)
		run->forced = why;
	if (!run->spawned || run->exited)
		return;
	run_signal(run, SIGTERM);
	run->timer_phase = TIMER_KILL;
	uv_timer_start(&run->timer, run_timer_cb, RUNNER_KILL_GRACE_MS, 0);
}

/* Give libuv the stream's own buffer: one read is outstanding per stream at a time. */
static void
run_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct run_stream *s = h->data;

	(void)suggested;
	*buf = uv_buf_init(s->buf, sizeof s->buf);
}

/*
 * Send watchers the lines the child printed since the last time, at most
 * RUNNER_EVENTS_PER_S a second (after a burst of as many): beyond that only
 * the latest line is sent, so a child printing thousands of lines a second
 * cannot flood a watcher. Every line is in the database all the same. With
 * flush (the run is over) the latest line goes out whatever the rate.
 */
static void
run_send_events(struct run *run, int flush)
{
	const struct stagelog_result *res = stagelog_result(run->log);
	struct benchd *d = run->runner->d;
	uint64_t now = uv_now(d->loop);

	run->tokens += (double)(now - run->tokens_at) * RUNNER_EVENTS_PER_S / 1000.0;
	if (run->tokens > RUNNER_EVENTS_PER_S)
		run->tokens = RUNNER_EVENTS_PER_S;
	run->tokens_at = now;
	while (run->events_sent < res->nevents) {
		const struct stagelog_event *e;

		if (run->tokens < 1) {
			/* Over the rate: skip to the latest line, sent when there is room. */
			run->events_sent = res->nevents - 1;
			if (!flush)
				break;
		}
		e = &res->events[run->events_sent++];
		run->tokens -= 1;
		server_broadcast(d->server, run->q.plan_id, json_pack(
		    "{si s:s sI sI ss ss si sI sf ss}", "v", 1, "event", "stage",
		    "plan_id", (json_int_t)run->q.plan_id, "run_id", (json_int_t)run->q.id,
		    "condition", run->q.condition, "kind", run->q.kind, "seq", run->q.seq,
		    "runs_total", (json_int_t)run->runs_total, "t_s", e->t_s, "text", e->text));
	}
}

/* Keep up to RUNNER_OUTPUT_MAX of a stream, count all of it, parse stdout as it comes. */
static void
run_read_cb(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
	struct run_stream *s = stream->data;
	struct run *run = s->run;

	if (nread > 0) {
		size_t n = (size_t)nread, room = RUNNER_OUTPUT_MAX - s->len;

		run_announce(run);
		s->total += n;
		if (room > 0) {
			size_t take = n < room ? n : room;

			s->kept = xrealloc(s->kept, s->len + take);
			memcpy(s->kept + s->len, buf->base, take);
			s->len += take;
		}
		if (s == &run->out) {
			stagelog_feed(run->log, buf->base, n);
			run_send_events(run, 0);
		}
		return;
	}
	if (nread == 0)
		return;
	if (nread != UV_EOF)
		log_warnx("run %lld: reading output: %s", (long long)run->q.id,
		    uv_strerror((int)nread));
	uv_read_stop(stream);
	s->eof = 1;
	run_complete(run);
}

/* The child has been reaped; its output may still be draining. */
static void
run_exit_cb(uv_process_t *proc, int64_t exit_status, int term_signal)
{
	struct run *run = proc->data;

	run_announce(run);
	run->exited = 1;
	run->exit_status = exit_status;
	run->term_signal = term_signal;
	run->total_s = (double)(uv_hrtime() - run->spawned_ns) / 1e9;
	getrusage(RUSAGE_CHILDREN, &run->ru_after);
	uv_timer_stop(&run->timer);
	if (!run->out.eof || !run->err.eof) {
		run->timer_phase = TIMER_DRAIN;
		uv_timer_start(&run->timer, run_timer_cb, RUNNER_DRAIN_GRACE_MS, 0);
	}
	run_complete(run);
}

/* The last line of stderr that has any text, or NULL. */
static char *
run_stderr_tail(const struct run *run)
{
	const char *p = run->err.kept, *end = p + run->err.len, *line = NULL, *lend = NULL;

	while (p != NULL && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl != NULL ? nl : end;

		if (e > p)
			line = p, lend = e;
		p = nl != NULL ? nl + 1 : end;
	}
	if (line == NULL)
		return NULL;
	if (lend - line > 300)
		lend = line + 300;
	return xstrndup(line, (size_t)(lend - line));
}

/* Why a run failed, in words a person can act on. */
static char *
run_failure(const struct run *run, enum store_run_state state)
{
	char *tail, *why = NULL;

	switch (state) {
	case RUN_TIMEOUT:
		xasprintf(&why, "timed out after %g s (timeout: in the plan)", run->cond->timeout);
		return why;
	case RUN_CANCELLED:
		return xstrdup("cancelled");
	case RUN_INTERRUPTED:
		return xstrdup("benchd stopped during the run; it is queued again");
	case RUN_FAILED:
		break;
	default:
		return NULL;
	}
	if (run->err.kept != NULL && memmem(run->err.kept, run->err.len,
	    "No module named 'torch'", 23) != NULL) {
		xasprintf(&why, "%s cannot import torch: this interpreter does not see a torch "
		    "installation; set `python: /usr/bin/python3` in the plan (Debian's "
		    "python3-torch) or install torch for %s", run->cond->python, run->cond->python);
		return why;
	}
	tail = run_stderr_tail(run);
	if (run->term_signal != 0)
		xasprintf(&why, "killed by signal %d (%s)%s%s", run->term_signal,
		    strsignal(run->term_signal), tail != NULL ? ": " : "", tail != NULL ? tail : "");
	else
		xasprintf(&why, "exited with status %lld%s%s", (long long)run->exit_status,
		    tail != NULL ? ": " : "", tail != NULL ? tail : "");
	free(tail);
	return why;
}

/* The event watchers get when a plan has finished. */
json_t *
runner_plan_event(struct store *st, int64_t plan_id)
{
	struct store_plan p;
	json_t *ev;

	if (store_plan_get(st, plan_id, &p) != 1)
		return NULL;
	ev = json_pack("{si s:s sI ss sI sI sI so}", "v", 1, "event", "plan_finished",
	    "plan_id", (json_int_t)plan_id, "state", p.state, "runs_total", (json_int_t)p.runs_total,
	    "runs_ended", (json_int_t)p.runs_ended, "runs_ok", (json_int_t)p.runs_ok,
	    "error", p.error != NULL ? json_string(p.error) : json_null());
	store_plan_clear(&p);
	return ev;
}

/* After a run is recorded: finish its plan if nothing of it is left. */
static void
run_finish_plan(struct run *run)
{
	struct benchd *d = run->runner->d;
	int finished = 0;
	json_t *ev;

	if (store_plan_finish_if_done(d->store, run->q.plan_id, &finished) != 0)
		log_warnx("plan %lld: cannot update its state: %s", (long long)run->q.plan_id,
		    store_errmsg(d->store));
	if (!finished)
		return;
	if ((ev = runner_plan_event(d->store, run->q.plan_id)) != NULL) {
		log_info("plan %lld \"%s\" done: %lld of %lld runs ok", (long long)run->q.plan_id,
		    run->plan_name, (long long)json_integer_value(json_object_get(ev, "runs_ok")),
		    (long long)json_integer_value(json_object_get(ev, "runs_total")));
		server_broadcast(d->server, run->q.plan_id, ev);
	}
}

/*
 * The stages benchd measures itself, on the child's time axis: launch runs
 * from the spawn to the child's t=0 ("start time:"), total from the spawn to
 * the exit. Without a start time only total is known (from t=spawn).
 */
static size_t
run_own_stages(const struct run *run, const struct stagelog_result *log,
    struct stagelog_stage extra[2])
{
	double launch = log->has_start_time ? log->start_time - run->spawned_at : 0;
	size_t n = 0;

	if (!run->exited)
		return 0;
	if (log->has_start_time)
		extra[n++] = (struct stagelog_stage){ "launch", -launch, 0, launch };
	extra[n++] = (struct stagelog_stage){ "total", -launch, run->total_s - launch,
	    run->total_s };
	return n;
}

/*
 * How the run ended: stopped on purpose, or by its exit. An ok probe must
 * also leave a footprint behind. Sets run->error when it did not end ok.
 */
static enum store_run_state
run_final_state(struct run *run)
{
	struct benchd *d = run->runner->d;
	enum store_run_state state;

	if (run->forced != RUN_PENDING)
		state = run->forced;
	else if (run->term_signal != 0 || run->exit_status != 0)
		state = RUN_FAILED;
	else
		state = RUN_OK;
	if (state == RUN_OK && strcmp(run->q.kind, "probe") == 0 &&
	    cache_probe_done(&run->cache, d->store, run->q.plan_id) != 0) {
		state = RUN_FAILED;
		run->error = xstrdup(run->cache.error);
	}
	if (run->error == NULL)
		run->error = run_failure(run, state);
	return state;
}

/* The run's own resource use: the children's rusage after it less before it (runs are serial). */
static struct store_usage
run_usage(const struct run *run)
{
	const struct rusage *a = &run->ru_after, *b = &run->ru_before;

	return (struct store_usage){
		.user_cpu_s = runner_tv(a->ru_utime) - runner_tv(b->ru_utime),
		.sys_cpu_s = runner_tv(a->ru_stime) - runner_tv(b->ru_stime),
		.major_faults = a->ru_majflt - b->ru_majflt,
		.minor_faults = a->ru_minflt - b->ru_minflt,
		.inblock = a->ru_inblock - b->ru_inblock,
		.oublock = a->ru_oublock - b->ru_oublock,
		.nvcsw = a->ru_nvcsw - b->ru_nvcsw,
		.nivcsw = a->ru_nivcsw - b->ru_nivcsw,
		.max_rss_kb = a->ru_maxrss,	/* the largest child's so far, not a difference */
	};
}

/* Write the finished run to the database in one transaction, and tell the watchers. */
static void
run_record(struct run *run)
{
	struct benchd *d = run->runner->d;
	const struct stagelog_result *log;
	struct stagelog_stage extra[2];
	struct store_usage usage;
	struct store_result res;
	enum store_run_state state;

	stagelog_finish(run->log);
	run_send_events(run, 1);
	log = stagelog_result(run->log);
	state = run_final_state(run);
	usage = run_usage(run);
	res = (struct store_result){
		.run_id = run->q.id, .state = state, .has_exit = run->exited,
		.exit_code = run->term_signal != 0 ? 128 + run->term_signal : (int)run->exit_status,
		.term_signal = run->term_signal, .ended_at = clock_unix_now(), .error = run->error,
		.log = log, .extra = extra, .nextra = run_own_stages(run, log, extra),
		.out = { { run->out.kept, run->out.len, run->out.total },
		    { run->err.kept, run->err.len, run->err.total } },
		.usage = run->exited ? &usage : NULL,
	};
	if (store_run_finish(d->store, &res) != 0) {
		char *why;

		xasprintf(&why, "the run ended %s but could not be recorded: %s",
		    store_run_state_name(state), store_errmsg(d->store));
		log_warnx("run %lld: %s", (long long)run->q.id, why);
		if (store_run_fail(d->store, run->q.id, why) != 0)
			log_warnx("run %lld: cannot even mark it failed: %s", (long long)run->q.id,
			    store_errmsg(d->store));
		free(why);
		state = RUN_FAILED;
	}
	if (state == RUN_INTERRUPTED && store_run_requeue(d->store, run->q.id, state) != 0)
		log_warnx("run %lld: cannot queue it again: %s", (long long)run->q.id,
		    store_errmsg(d->store));
	run->runs_ended++;

	log_info("run %lld (plan %lld, %s %s, %d/%lld) %s in %.3f s%s%s", (long long)run->q.id,
	    (long long)run->q.plan_id, run->q.condition, run->q.kind, run->q.seq,
	    (long long)run->runs_total, store_run_state_name(state), run->total_s,
	    run->error != NULL ? ": " : "", run->error != NULL ? run->error : "");
	server_broadcast(d->server, run->q.plan_id, json_pack(
	    "{si s:s sI sI ss ss si ss so so sI sI so}", "v", 1, "event", "run_finished",
	    "plan_id", (json_int_t)run->q.plan_id, "run_id", (json_int_t)run->q.id,
	    "condition", run->q.condition, "kind", run->q.kind, "seq", run->q.seq,
	    "state", store_run_state_name(state),
	    "total_s", run->exited ? json_real(run->total_s) : json_null(),
	    "exit_code", run->exited ? json_integer(res.exit_code) : json_null(),
	    "runs_total", (json_int_t)run->runs_total, "runs_ended", (json_int_t)run->runs_ended,
	    "error", run->error != NULL ? json_string(run->error) : json_null()));

	/* A failed probe means the plan cannot measure what it asked for. */
	if (strcmp(run->q.kind, "probe") == 0 && state != RUN_OK && state != RUN_INTERRUPTED &&
	    state != RUN_CANCELLED) {
		char *why;

		xasprintf(&why, "the probe run failed: %s", run->error != NULL ? run->error : "?");
		if (store_plan_fail(d->store, run->q.plan_id, why) != 0)
			log_warnx("plan %lld: cannot mark it failed", (long long)run->q.plan_id);
		log_warnx("plan %lld failed: %s", (long long)run->q.plan_id, why);
		free(why);
		server_broadcast(d->server, run->q.plan_id,
		    runner_plan_event(d->store, run->q.plan_id));
		return;
	}
	run_finish_plan(run);
}

/* Once the child has exited and both pipes are at EOF, record the run and close it. */
static void
run_complete(struct run *run)
{
	if (run->recorded || !run->exited || !run->out.eof || !run->err.eof)
		return;
	run->recorded = 1;
	uv_timer_stop(&run->timer);
	run_record(run);
	run_close(run);
}

/* Record a run that could not even be started, and close what was opened for it. */
static void
run_fail_early(struct run *run, const char *why)
{
	run->error = xstrdup(why);
	run->out.eof = run->err.eof = 1;
	run->recorded = 1;
	run->forced = RUN_FAILED;
	run_record(run);
	run_close(run);
}

/* Set up the handles, the plan and the condition of the next run. */
static struct run *
run_create(struct runner *r, const struct store_run *q)
{
	struct benchd *d = r->d;
	struct run *run = xcalloc(1, sizeof *run);

	run->runner = r;
	run->q = *q;
	run->forced = RUN_PENDING;
	run->log = stagelog_create();
	run->tokens = RUNNER_EVENTS_PER_S;
	run->tokens_at = uv_now(d->loop);
	run->out.run = run->err.run = run;
	uv_pipe_init(d->loop, &run->out.pipe, 0);
	uv_pipe_init(d->loop, &run->err.pipe, 0);
	uv_timer_init(d->loop, &run->timer);
	uv_timer_init(d->loop, &run->announce);
	run->announce.data = run;
	run->out.pipe.data = &run->out;
	run->err.pipe.data = &run->err;
	run->timer.data = run;
	run->open_handles = 4;
	return run;
}

/* Load the plan a run belongs to, as it was submitted. */
static int
run_load_plan(struct run *run, char **cause)
{
	struct store_plan p;
	int rc;

	if ((rc = store_plan_get(run->runner->d->store, run->q.plan_id, &p)) != 1) {
		xasprintf(cause, "plan %lld cannot be read from the database",
		    (long long)run->q.plan_id);
		return -1;
	}
	run->plan_name = xstrdup(p.name);
	run->runs_total = p.runs_total;
	run->runs_ended = p.runs_ended;
	run->plan = plan_parse(p.yaml, strlen(p.yaml), p.source_path, NULL, cause);
	store_plan_clear(&p);
	if (run->plan == NULL)
		return -1;
	for (size_t i = 0; i < run->plan->nconds; i++) {
		if (strcmp(run->plan->conds[i].name, run->q.condition) == 0)
			run->cond = &run->plan->conds[i];
	}
	if (run->cond == NULL) {
		xasprintf(cause, "condition %s is not in plan %lld", run->q.condition,
		    (long long)run->q.plan_id);
		return -1;
	}
	return 0;
}

/* Spawn the child of a run, in its own process group, stdout and stderr on pipes. */
static int
run_spawn(struct run *run, char **cause)
{
	struct benchd *d = run->runner->d;
	uv_process_options_t opts;
	uv_stdio_container_t stdio[3];
	char **argv, **env;
	const char *extra = cache_extra_env(&run->cache);
	int rc;

	argv = run_argv(run->cond, cache_wrapper(&run->cache));
	env = run_env(run->cond, extra);
	run->command = xstrdup("");
	for (char **a = argv; *a != NULL; a++)
		runner_quote(&run->command, *a);

	memset(&opts, 0, sizeof opts);
	stdio[0].flags = UV_IGNORE;
	stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[1].data.stream = (uv_stream_t *)&run->out.pipe;
	stdio[2].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[2].data.stream = (uv_stream_t *)&run->err.pipe;
	opts.exit_cb = run_exit_cb;
	opts.file = argv[0];
	opts.args = argv;
	opts.env = env;
	opts.cwd = run->cond->workdir;
	opts.flags = UV_PROCESS_DETACHED;
	opts.stdio_count = 3;
	opts.stdio = stdio;

	/* Running from now on, so a daemon that dies as the child launches leaves a trace. */
	if (store_run_start(d->store, &(struct store_start){ .run_id = run->q.id,
	    .spawned_at = clock_unix_now(), .pid = -1, .command = run->command,
	    .workdir = run->cond->workdir, .resident_before_pct = NAN, .footprint_files = -1,
	    .footprint_bytes = -1, .evict_ms = NAN, .evict_failed = -1, .loadavg_1m = NAN,
	    .mem_free_kb = -1, .mem_cached_kb = -1 }) != 0)
		log_warnx("run %lld: cannot record that it is starting: %s", (long long)run->q.id,
		    store_errmsg(d->store));
	getrusage(RUSAGE_CHILDREN, &run->ru_before);
	run->spawned_at = clock_unix_now();
	run->spawned_ns = uv_hrtime();
	rc = uv_spawn(d->loop, &run->proc, &opts);
	run->proc_init = 1;
	run->proc.data = run;
	run->open_handles++;
	runner_strv_free(argv);
	runner_strv_free(env);
	if (rc != 0) {
		xasprintf(cause, "cannot start %s in %s: %s", run->command, run->cond->workdir,
		    uv_strerror(rc));
		return -1;
	}
	run->spawned = 1;
	uv_read_start((uv_stream_t *)&run->out.pipe, run_alloc_cb, run_read_cb);
	uv_read_start((uv_stream_t *)&run->err.pipe, run_alloc_cb, run_read_cb);
	run->timer_phase = TIMER_TIMEOUT;
	/*
	 * Count the timeout from the spawn, not from when this loop iteration
	 * began; the loop's clock is in whole ms, so one more makes it never short.
	 */
	uv_update_time(d->loop);
	uv_timer_start(&run->timer, run_timer_cb, (uint64_t)(run->cond->timeout * 1000.0) + 1, 0);
	return 0;
}

/* Record a run that could not be started, with why, and move on. */
static void
run_start_failed(struct run *run, char *cause)
{
	struct benchd *d = run->runner->d;

	log_warnx("run %lld: %s", (long long)run->q.id, cause);
	store_run_start(d->store, &(struct store_start){ .run_id = run->q.id,
	    .spawned_at = clock_unix_now(), .pid = -1, .command = run->command,
	    .resident_before_pct = NAN, .footprint_files = -1, .footprint_bytes = -1,
	    .evict_ms = NAN, .evict_failed = -1, .loadavg_1m = NAN, .mem_free_kb = -1,
	    .mem_cached_kb = -1 });
	run_fail_early(run, cause);
	free(cause);
}

/*
 * Record that the run started (its pid, the cache and machine state), log it
 * and tell the watchers. Not right after the spawn: while the child is
 * launching, this work would take a CPU from it (0.2 ms of its launch, by
 * ftrace). It runs on the child's first output, at its exit, or after
 * RUNNER_ANNOUNCE_MS, whichever comes first.
 */
static void
run_announce(struct run *run)
{
	struct benchd *d = run->runner->d;
	struct store_start b;

	if (run->announced || !run->spawned)
		return;
	run->announced = 1;
	uv_timer_stop(&run->announce);
	b = (struct store_start){
		.run_id = run->q.id, .spawned_at = run->spawned_at, .pid = run->proc.pid,
		.command = run->command, .workdir = run->cond->workdir,
	};
	cache_fill_start(&run->cache, &b);
	if (store_run_start(d->store, &b) != 0)
		log_warnx("run %lld: cannot record its start: %s", (long long)run->q.id,
		    store_errmsg(d->store));
	log_info("run %lld (plan %lld, %s %s, %d/%lld) started: pid %d, %s", (long long)run->q.id,
	    (long long)run->q.plan_id, run->q.condition, run->q.kind, run->q.seq,
	    (long long)run->runs_total, run->proc.pid, run->command);
	server_broadcast(d->server, run->q.plan_id, json_pack(
	    "{si s:s sI sI ss ss si sI sI so}", "v", 1, "event", "run_started",
	    "plan_id", (json_int_t)run->q.plan_id, "run_id", (json_int_t)run->q.id,
	    "condition", run->q.condition, "kind", run->q.kind, "seq", run->q.seq,
	    "runs_total", (json_int_t)run->runs_total, "runs_ended", (json_int_t)run->runs_ended,
	    "resident_before_pct", isnan(b.resident_before_pct) ? json_null() :
	    json_real(b.resident_before_pct)));
}

/* The child stayed silent for RUNNER_ANNOUNCE_MS: record its start now. */
static void
run_announce_cb(uv_timer_t *t)
{
	run_announce(t->data);
}

/* On the thread pool: evict, prime and measure the cache. */
static void
run_work_cb(uv_work_t *w)
{
	struct run *run = w->data;

	cache_work(&run->cache);
}

/* Back on the loop: the cache is ready, so spawn the child at once and say so. */
static void
run_after_work_cb(uv_work_t *w, int status)
{
	struct run *run = w->data;
	char *cause = NULL;

	if (status != 0 || run->forced != RUN_PENDING) {
		/* Stopped or cancelled before the spawn: the run stays as the queue has it. */
		run->recorded = 1;
		run_close(run);
		return;
	}
	if (run->cache.error != NULL) {
		run_start_failed(run, xstrdup(run->cache.error));
		return;
	}
	if (run_spawn(run, &cause) != 0) {
		run_start_failed(run, cause);
		return;
	}
	/* Wait for the child's first output (or RUNNER_ANNOUNCE_MS) before the bookkeeping. */
	uv_timer_start(&run->announce, run_announce_cb, RUNNER_ANNOUNCE_MS, 0);
}

/* Start one queued run: load its plan, then put the cache in shape off the loop. */
static void
run_start(struct runner *r, const struct store_run *q)
{
	struct benchd *d = r->d;
	struct run *run = run_create(r, q);
	char *cause = NULL;

	r->run = run;
	if (run_load_plan(run, &cause) != 0 ||
	    cache_prepare(&run->cache, d->store, run->q.plan_id, run->plan, run->cond,
	    run->q.kind, &cause) != 0) {
		run_start_failed(run, cause);
		return;
	}
	run->work.data = run;
	uv_queue_work(d->loop, &run->work, run_work_cb, run_after_work_cb);
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
	rc = store_next_run(r->d->store, &q);
	if (rc < 0) {
		log_warnx("reading the queue: %s; retrying in 5 s", store_errmsg(r->d->store));
		uv_timer_start(&r->kick, runner_kick_cb, 5000, 0);
		return;
	}
	if (rc == 1)
		run_start(r, &q);
}

/* Stop the run in flight when it belongs to a plan being cancelled. */
void
runner_cancel_plan(struct runner *r, int64_t plan_id)
{
	if (r->run != NULL && r->run->q.plan_id == plan_id)
		run_stop(r->run, RUN_CANCELLED);
}

/* A child's start time in unix seconds, from /proc (NAN when it is gone). */
static double
runner_proc_started(int pid, int *pgrp, unsigned *uid)
{
	char path[64], buf[1024], *p;
	static double btime = -1;
	unsigned long long start = 0;
	struct stat sb;
	FILE *fp;
	int n;

	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	if ((fp = fopen(path, "re")) == NULL)
		return NAN;
	n = (int)fread(buf, 1, sizeof buf - 1, fp);
	fclose(fp);
	buf[n > 0 ? n : 0] = '\0';
	if ((p = strrchr(buf, ')')) == NULL || sscanf(p + 2, "%*c %*d %d %*d %*d %*d %*u %*u %*u "
	    "%*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu", pgrp, &start) != 2)
		return NAN;
	snprintf(path, sizeof path, "/proc/%d", pid);
	if (stat(path, &sb) != 0)
		return NAN;
	*uid = sb.st_uid;
	if (btime < 0 && (fp = fopen("/proc/stat", "re")) != NULL) {
		while (fgets(buf, sizeof buf, fp) != NULL) {
			if (strncmp(buf, "btime ", 6) == 0)
				btime = strtod(buf + 6, NULL);
		}
		fclose(fp);
	}
	return btime + (double)start / (double)sysconf(_SC_CLK_TCK);
}

/* A process's argv from /proc, quoted as runner_quote() quotes a run's command; NULL if gone. */
static char *
runner_proc_command(int pid)
{
	char path[64], *buf, *line;
	size_t n = 0, cap = 4096;
	ssize_t got;
	int fd;

	snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	buf = xmalloc(cap);
	while ((got = read(fd, buf + n, cap - n)) > 0) {
		n += (size_t)got;
		if (n == cap)
			buf = xrealloc(buf, cap *= 2);
	}
	close(fd);
	buf[n] = '\0';		/* n < cap: the buffer grows whenever it fills */
	line = xstrdup("");
	for (size_t i = 0; i < n; i += strlen(buf + i) + 1)
		runner_quote(&line, buf + i);
	free(buf);
	return line;
}

/*
 * Whether pid is the child of a run spawned at spawned_at as command: ours,
 * leading its own process group, started then, and running that command
 * (taskset has exec'd into the interpreter, so without its "taskset -c CPUS").
 */
static int
runner_is_run_child(int pid, double spawned_at, const char *command)
{
	double started;
	const char *want = command;
	char *have;
	unsigned uid;
	int pgrp, same;

	started = runner_proc_started(pid, &pgrp, &uid);
	if (isnan(started) || pgrp != pid || uid != getuid() || fabs(started - spawned_at) > 2.0)
		return 0;
	if (strncmp(want, "taskset -c ", 11) == 0 && (want = strchr(want + 11, ' ')) != NULL)
		want++;
	if (want == NULL || (have = runner_proc_command(pid)) == NULL)
		return 0;
	same = strcmp(have, want) == 0;
	free(have);
	return same;
}

/*
 * At start-up, for a run a dead daemon left running: if its child is still
 * there, and really is that child (see runner_is_run_child: never a process
 * that merely reused the pid), kill its whole process group. A run whose pid
 * was not recorded yet (the daemon died as the child launched) is looked for
 * among all processes.
 */
void
runner_kill_orphan(int pid, double spawned_at, const char *command)
{
	struct dirent *de;
	DIR *proc;

	if (pid > 1) {
		if (runner_is_run_child(pid, spawned_at, command)) {
			log_warnx("killing process group %d, left running by a daemon that died", pid);
			kill(-pid, SIGKILL);
		} else
			log_info("pid %d of an interrupted run is gone or now another process's; "
			    "left alone", pid);
		return;
	}
	if ((proc = opendir("/proc")) == NULL)
		return;
	while ((de = readdir(proc)) != NULL) {
		int p = atoi(de->d_name);

		if (p > 1 && p != getpid() && runner_is_run_child(p, spawned_at, command)) {
			log_warnx("killing process group %d, left running by a daemon that died "
			    "before recording its pid", p);
			kill(-p, SIGKILL);
		}
	}
	closedir(proc);
}

/* Interrupt the run in flight, and call done once nothing is running. */
void
runner_stop(struct runner *r, void (*done)(struct benchd *))
{
	r->stopping = 1;
	uv_timer_stop(&r->kick);
	if (r->run == NULL) {
		done(r->d);
		return;
	}
	r->stop_done = done;
	run_stop(r->run, RUN_INTERRUPTED);
}

/* The run in flight, as status shows it. */
json_t *
runner_current_json(struct runner *r)
{
	struct run *run = r->run;
	const char *stage;
	json_t *o;

	if (run == NULL || !run->spawned)
		return json_null();
	stage = stagelog_current(run->log);
	o = json_pack("{sI ss ss ss sI si sI sI so sf si ss}",
	    "plan_id", (json_int_t)run->q.plan_id, "plan", run->plan_name,
	    "condition", run->q.condition, "kind", run->q.kind, "run_id", (json_int_t)run->q.id,
	    "seq", run->q.seq, "runs_total", (json_int_t)run->runs_total,
	    "runs_ended", (json_int_t)run->runs_ended,
	    "stage", stage != NULL ? json_string(stage) : json_null(),
	    "elapsed_s", (double)(uv_hrtime() - run->spawned_ns) / 1e9, "pid", run->proc.pid,
	    "command", run->command);
	cache_status_json(&run->cache, o);
	return o;
}
