/* run.c: one run's life: the cache, the child, its output, its timeout, and its record. */
#include "run.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cache.h"
#include "clock.h"
#include "importtime.h"
#include "log.h"
#include "plan.h"
#include "procs.h"
#include "proto.h"
#include "rungroup.h"
#include "stagelog.h"
#include "utf8.h"
#include "xmalloc.h"

#define RUN_KILL_GRACE_MS	5000	/* SIGTERM, then SIGKILL this much later */
#define RUN_DRAIN_GRACE_MS	2000	/* after exit, how long the pipes may stay open */
#define RUN_OUTPUT_MAX		(1024 * 1024)	/* kept of each stream */
#define RUN_READ_SIZE		(256 * 1024)
#define RUN_EVENTS_PER_S	50	/* stage events sent to watchers, per run */
#define RUN_ERROR_TAIL_MAX	300	/* bytes of stderr's last line kept in a run's error */
#define RUN_ANNOUNCE_MS		100	/* at the latest, record a run's start this long after the spawn */
#define RUN_WAIT_BEAT_MS	20	/* the exit waiter looks at the clock at least this often */
#define RUN_WAIT_SLACK_MS	30	/* a look later than the beat by more: benchd was not running */

extern char **environ;

/* What the run's timer is counting down to. */
enum run_timer { TIMER_TIMEOUT, TIMER_KILL, TIMER_DRAIN };

/* One of the child's output pipes and what was kept of it. */
struct run_stream {
	uv_pipe_t	 pipe;
	struct run	*run;
	char		*buf;		/* RUN_READ_SIZE, never zeroed: a run's struct stays small */
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
	struct run_env		*env;
	const struct run_hooks	*hooks;
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
	char			*token;		/* PROCS_TOKEN_VAR of its processes */

	/*
	 * The child's exit as a thread blocked on its pidfd saw it: not when the
	 * loop got to it, which a busy or stopped loop makes late.
	 */
	int			 pidfd;		/* -1 when there is none */
	uv_thread_t		 waiter;
	uv_sem_t		 waiter_go;	/* posted once pidfd is set (or stays -1) */
	int			 waiting;	/* the waiter thread runs and must be joined */
	double			 spawn_mono_ms;
	double			 exit_mono_ms;	/* set by the waiter; NAN when it saw none */
	double			 exit_window_ms;	/* set by the waiter */
	double			 exit_late_ms;
	double			 spawn_late_ms;

	/* The record, worked out once and kept until the database takes it. */
	int			 concluded;
	struct store_read_in	*read_in;
	size_t			 nread_in;
	struct importtime_entry	*imports;	/* an importtime run's, from its stderr */
	size_t			 nimports;
	enum store_run_state	 state;
	struct store_usage	 usage;
	struct stagelog_stage	 extra[2];
	size_t			 nextra;
	double			 ended_at;
	struct store_file	*footprint;	/* an ok probe's finding */
	size_t			 nfootprint;
	char			*plan_error;	/* the plan fails with this (a failed probe) */
	int			 descendants_killed;
	int			 unrecorded;	/* the database refused the record: retry */
	int			 not_started;	/* stopped before the spawn for a reason that may pass */
	char			*blocked;	/* why, for either */

	struct stagelog		*log;
	size_t			 events_sent;
	double			 tokens;	/* stage events that may be sent now */
	uint64_t		 tokens_at;	/* uv_now() when tokens was last topped up */
	char			*command;
	double			 spawned_at;	/* CLOCK_REALTIME */
	double			 total_s;
	struct rusage		 ru_before;
	struct rusage		 ru_after;
	struct cache_state	 cache;
	uv_work_t		 work;		/* the cache work, on libuv's thread pool */
	struct rungroup		*group;		/* its cgroup and device profile (rungroup.h), or NULL */
};

static void	run_complete(struct run *);
static void	run_measure_cb(uv_work_t *);
static void	run_measured_cb(uv_work_t *, int);
static int	run_footprint(struct run *);
static void	run_fill_start(const struct run *, struct store_start *);
static void	run_announce(struct run *);
static void	run_waiter_join(struct run *);

/* Seconds as a double from a timeval. */
static double
run_tv(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/*
 * The child's argv: taskset -c CPUS PYTHON [-X importtime] [WRAPPER] SCRIPT
 * ARGS..., or without taskset when the condition is not pinned. A probe runs
 * the script through the footprint wrapper; an importtime run has python
 * report every import's time on stderr.
 */
static char **
run_argv(const struct plan_condition *c, const char *wrapper, int importtime)
{
	char **argv = xcalloc(c->nargs + 10, sizeof *argv);
	size_t n = 0;

	if (c->cpus != NULL) {
		argv[n++] = xstrdup("taskset");
		argv[n++] = xstrdup("-c");
		argv[n++] = xstrdup(c->cpus);
	}
	argv[n++] = xstrdup(c->python);
	if (importtime) {
		argv[n++] = xstrdup("-X");
		argv[n++] = xstrdup("importtime");
	}
	if (wrapper != NULL)
		argv[n++] = xstrdup(wrapper);
	argv[n++] = xstrdup(c->script);
	for (size_t i = 0; i < c->nargs; i++)
		argv[n++] = xstrdup(c->args[i]);
	return argv;
}

/*
 * The child's environment: the daemon's, then the plan's env, then extra
 * (NULL-terminated "K=V" strings benchd sets: the run's token, a probe's list).
 */
static char **
run_envp(const struct plan_condition *c, const char *const *extra)
{
	size_t n = 0, count = 0, nextra = 0;
	char **env;

	while (environ[count] != NULL)
		count++;
	while (extra[nextra] != NULL)
		nextra++;
	env = xcalloc(count + c->nenv + nextra + 1, sizeof *env);
	for (size_t i = 0; i < count; i++) {
		const char *eq = strchr(environ[i], '=');
		size_t klen = eq != NULL ? (size_t)(eq - environ[i]) : strlen(environ[i]);
		int overridden = 0;

		for (size_t j = 0; j < c->nenv && !overridden; j++)
			overridden = strlen(c->env[j].key) == klen &&
			    strncmp(c->env[j].key, environ[i], klen) == 0;
		for (size_t j = 0; j < nextra && !overridden; j++)
			overridden = strncmp(extra[j], environ[i], klen + 1) == 0;
		if (!overridden)
			env[n++] = xstrdup(environ[i]);
	}
	for (size_t j = 0; j < c->nenv; j++)
		xasprintf(&env[n++], "%s=%s", c->env[j].key, c->env[j].value);
	for (size_t j = 0; j < nextra; j++)
		env[n++] = xstrdup(extra[j]);
	return env;
}

/* Free a NULL-terminated array of strings. */
static void
run_strv_free(char **v)
{
	if (v == NULL)
		return;
	for (char **p = v; *p != NULL; p++)
		free(*p);
	free(v);
}

/* One of a run's handles has closed; after the last one the run is done. */
static void
run_unref(struct run *run)
{
	if (--run->open_handles > 0)
		return;
	run->hooks->done(run, run->hooks->arg);
}

/* Free a run once it is done. */
void
run_free(struct run *run)
{
	if (run == NULL)
		return;
	cache_state_clear(&run->cache);
	rungroup_free(run->group);	/* removes the run's group if it is still there */
	stagelog_free(run->log);
	plan_free(run->plan);
	free(run->plan_name);
	free(run->out.kept);
	free(run->err.kept);
	free(run->out.buf);
	free(run->err.buf);
	free(run->command);
	free(run->error);
	free(run->token);
	free(run->plan_error);
	free(run->blocked);
	free(run->read_in);
	importtime_free(run->imports, run->nimports);
	if (run->footprint != NULL)
		store_files_free(run->footprint, run->nfootprint);
	if (run->pidfd >= 0)
		close(run->pidfd);
	free(run);
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

/*
 * Signal the run's whole process group, and every process it started that
 * left the group (another session, a double fork): all are our descendants,
 * since benchd is their reaper. The group may already be gone.
 */
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
	procs_signal_descendants(sig, 0);
}

/*
 * Whether the child has exited, looked at without reaping it (libuv does):
 * its pidfd is readable, or waitid() with WNOWAIT says so.
 */
static int
run_child_exited(const struct run *run)
{
	struct pollfd pfd = { run->pidfd, POLLIN, 0 };
	siginfo_t si;

	if (run->exited)
		return 1;
	if (run->pidfd >= 0)
		return poll(&pfd, 1, 0) > 0;
	memset(&si, 0, sizeof si);
	return waitid(P_PID, (id_t)run->proc.pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
	    si.si_pid == run->proc.pid;
}

/* The run's timer: the timeout, then the SIGKILL grace, or the drain grace after exit. */
static void
run_timer_cb(uv_timer_t *t)
{
	struct run *run = t->data;

	switch (run->timer_phase) {
	case TIMER_TIMEOUT:
		/*
		 * A loop that was stopped or busy can get here after the child
		 * exited in time: its exit, not this timer, decides.
		 */
		if (run_child_exited(run)) {
			log_info("run %lld: its timeout fired late, after it had exited; not a "
			    "timeout", (long long)run->q.id);
			break;
		}
		log_info("run %lld: timed out after %g s; sending SIGTERM to its process group",
		    (long long)run->q.id, run->cond->timeout);
		if (run->forced == RUN_PENDING)
			run->forced = RUN_TIMEOUT;
		run_signal(run, SIGTERM);
		run->timer_phase = TIMER_KILL;
		uv_timer_start(&run->timer, run_timer_cb, RUN_KILL_GRACE_MS, 0);
		break;
	case TIMER_KILL:
		log_info("run %lld: still alive %d s after SIGTERM; sending SIGKILL",
		    (long long)run->q.id, RUN_KILL_GRACE_MS / 1000);
		run_signal(run, SIGKILL);
		break;
	case TIMER_DRAIN:
		/* The child exited but something (a grandchild) holds its pipes open. */
		log_info("run %lld: output still open %d s after exit; killing what the run left",
		    (long long)run->q.id, RUN_DRAIN_GRACE_MS / 1000);
		run->descendants_killed += procs_kill_descendants(0);
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
void
run_stop(struct run *run, enum store_run_state why)
{
	if (run->forced == RUN_PENDING)
		run->forced = why;
	if (!run->spawned || run->exited)
		return;
	run_signal(run, SIGTERM);
	run->timer_phase = TIMER_KILL;
	uv_timer_start(&run->timer, run_timer_cb, RUN_KILL_GRACE_MS, 0);
}

/* Give libuv the stream's own buffer: one read is outstanding per stream at a time. */
static void
run_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct run_stream *s = h->data;

	(void)suggested;
	*buf = uv_buf_init(s->buf, RUN_READ_SIZE);
}

/* Tell the run's watchers an event (none when ev is NULL). */
static void
run_emit(const struct run *run, json_t *ev)
{
	if (ev != NULL)
		run->env->emit(run->env->arg, run->q.plan_id, ev);
}

/* The run as its events name it. */
static struct proto_run
run_ref(const struct run *run)
{
	return (struct proto_run){ run->q.plan_id, run->q.id, run->q.condition, run->q.kind,
	    run->q.seq, run->runs_total };
}

/*
 * Send watchers the lines the child printed since the last time, at most
 * RUN_EVENTS_PER_S a second (after a burst of as many): beyond that only
 * the latest line is sent, so a child printing thousands of lines a second
 * cannot flood a watcher. Every line is in the database all the same. With
 * flush (the run is over) the latest line goes out whatever the rate.
 */
static void
run_send_events(struct run *run, int flush)
{
	const struct stagelog_result *res = stagelog_result(run->log);
	const struct run_env *env = run->env;
	struct proto_run ref = run_ref(run);
	uint64_t now = uv_now(env->loop);

	run->tokens += (double)(now - run->tokens_at) * RUN_EVENTS_PER_S / 1000.0;
	if (run->tokens > RUN_EVENTS_PER_S)
		run->tokens = RUN_EVENTS_PER_S;
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
		run_emit(run, proto_event_stage(&ref, e->t_s, e->text));
	}
}

/* Keep up to RUN_OUTPUT_MAX of a stream, count all of it, parse stdout as it comes. */
static void
run_read_cb(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
	struct run_stream *s = stream->data;
	struct run *run = s->run;

	if (nread > 0) {
		size_t n = (size_t)nread, room = RUN_OUTPUT_MAX - s->len;

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

/*
 * The exit waiter, on a thread of its own: block on the child's pidfd and
 * note the moment it becomes readable (the child exited), independent of how
 * busy the loop is. It wakes every RUN_WAIT_BEAT_MS to look at the clock: a
 * look much later than that means benchd itself was stopped or starved, and
 * the exit may lie anywhere in the gap, whose width is kept as the window.
 * The thread is made before the spawn and told the pidfd right after it, so
 * it watches from the spawn on without its creation taking a CPU from the
 * child's launch.
 */
static void
run_waiter_main(void *arg)
{
	struct run *run = arg;
	struct pollfd pfd = { -1, POLLIN, 0 };
	double before, now;
	sigset_t all;
	int rc;

	/* Signals are the loop's: one taken here would cut a poll short (EINTR). */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	uv_sem_wait(&run->waiter_go);
	if ((pfd.fd = run->pidfd) < 0)
		return;
	before = clock_mono_ms();
	for (;;) {
		rc = poll(&pfd, 1, RUN_WAIT_BEAT_MS);
		now = clock_mono_ms();
		if (rc > 0) {
			run->exit_mono_ms = now;
			run->exit_window_ms = now - before > RUN_WAIT_BEAT_MS + RUN_WAIT_SLACK_MS ?
			    now - before : 0;
			return;
		}
		if (rc < 0 && errno != EINTR)
			return;
		/* Only a look that ran its course says benchd was watching until now. */
		if (rc == 0)
			before = now;
	}
}

/* Make the exit waiter, which waits for run_waiter_go(); without one, the loop's own time is used. */
static void
run_waiter_make(struct run *run)
{
	if (uv_sem_init(&run->waiter_go, 0) != 0)
		return;
	if (uv_thread_create(&run->waiter, run_waiter_main, run) == 0)
		run->waiting = 1;
	else
		uv_sem_destroy(&run->waiter_go);
}

/* Hand the waiter the child's pidfd (none when spawned is false: it ends at once). */
static void
run_waiter_go(struct run *run, int spawned)
{
	if (spawned) {
		run->pidfd = (int)syscall(SYS_pidfd_open, run->proc.pid, 0);
		if (run->pidfd < 0)
			log_warnx("run %lld: pidfd_open: %s; its end is timed by the loop",
			    (long long)run->q.id, strerror(errno));
	}
	if (!run->waiting)
		return;
	uv_sem_post(&run->waiter_go);
	if (!spawned)
		run_waiter_join(run);
}

/* Wait for the waiter to end (the child exited, or it had nothing to watch). */
static void
run_waiter_join(struct run *run)
{
	if (!run->waiting)
		return;
	uv_thread_join(&run->waiter);
	uv_sem_destroy(&run->waiter_go);
	run->waiting = 0;
}

/* The child has been reaped; its output may still be draining. */
static void
run_exit_cb(uv_process_t *proc, int64_t exit_status, int term_signal)
{
	struct run *run = proc->data;
	double now = clock_mono_ms();

	run_waiter_join(run);
	/* Whichever saw the exit first saw it closest (the loop may beat a waiter not yet woken). */
	if (isnan(run->exit_mono_ms) || now < run->exit_mono_ms)
		run->exit_mono_ms = now;
	run->exit_late_ms = now - run->exit_mono_ms;
	run->exited = 1;
	run_announce(run);
	run->exit_status = exit_status;
	run->term_signal = term_signal;
	run->total_s = (run->exit_mono_ms - run->spawn_mono_ms) / 1e3;
	uv_timer_stop(&run->timer);
	if (!run->out.eof || !run->err.eof) {
		run->timer_phase = TIMER_DRAIN;
		uv_timer_start(&run->timer, run_timer_cb, RUN_DRAIN_GRACE_MS, 0);
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
	return utf8_clean(line, (size_t)(lend - line), RUN_ERROR_TAIL_MAX);
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
	if ((why = rungroup_failure(run->group)) != NULL)	/* killed for the profile's memory */
		return why;
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
run_plan_event(struct store *st, int64_t plan_id)
{
	struct store_plan p;
	json_t *ev;

	if (store_plan_get(st, plan_id, &p) != 1)
		return NULL;
	ev = proto_event_plan_finished(plan_id, p.state, p.runs_total, p.runs_ended, p.runs_ok,
	    p.error);
	store_plan_clear(&p);
	return ev;
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
	enum store_run_state state;

	if (run->forced != RUN_PENDING)
		state = run->forced;
	else if (run->term_signal != 0 || run->exit_status != 0)
		state = RUN_FAILED;
	else
		state = RUN_OK;
	if (state == RUN_OK && strcmp(run->q.kind, "probe") == 0 && run_footprint(run) != 0)
		state = RUN_FAILED;
	if (run->error == NULL)
		run->error = run_failure(run, state);
	/* A failed probe means the plan cannot measure what it asked for. */
	if (strcmp(run->q.kind, "probe") == 0 && state != RUN_OK && state != RUN_INTERRUPTED &&
	    state != RUN_CANCELLED && run->plan_error == NULL)
		xasprintf(&run->plan_error, "the probe run failed: %s",
		    run->error != NULL ? run->error : "?");
	return state;
}

/*
 * After an ok probe: the footprint it found, which every later run of the
 * plan evicts, primes and measures, is recorded with the run. Sets
 * run->error when there is none.
 */
static int
run_footprint(struct run *run)
{
	struct cache_file *files;
	int64_t bytes = 0;
	size_t n, shared = 0;

	if (cache_probe_read(&run->cache, &files, &n) != 0) {
		run->error = xstrdup(run->cache.error);
		return -1;
	}
	run->footprint = xcalloc(n + 1, sizeof *run->footprint);
	for (size_t i = 0; i < n; i++) {
		run->footprint[i] = (struct store_file){ files[i].path, files[i].bytes,
		    files[i].shared };
		files[i].path = NULL;	/* now the footprint's */
		if (files[i].shared)
			shared++;
		else
			bytes += files[i].bytes;
	}
	run->nfootprint = n;
	log_info("plan %lld: footprint of %zu files, %.1f MB (and %zu that other processes map "
	    "now: evicted too, but left out of a run's residency while they are mapped)",
	    (long long)run->q.plan_id, n - shared, (double)bytes / 1e6, shared);
	cache_files_free(files, n);
	return 0;
}

/* The run's own resource use: the children's rusage after it less before it (runs are serial). */
static struct store_usage
run_usage(const struct run *run)
{
	const struct rusage *a = &run->ru_after, *b = &run->ru_before;

	return (struct store_usage){
		.user_cpu_s = run_tv(a->ru_utime) - run_tv(b->ru_utime),
		.sys_cpu_s = run_tv(a->ru_stime) - run_tv(b->ru_stime),
		.major_faults = a->ru_majflt - b->ru_majflt,
		.minor_faults = a->ru_minflt - b->ru_minflt,
		.inblock = a->ru_inblock - b->ru_inblock,
		.oublock = a->ru_oublock - b->ru_oublock,
		.nvcsw = a->ru_nvcsw - b->ru_nvcsw,
		.nivcsw = a->ru_nivcsw - b->ru_nivcsw,
		.max_rss_kb = a->ru_maxrss,	/* the largest child's so far, not a difference */
	};
}

/* Work out how the run ended, once: its state, error, stages, resource use and footprint. */
static void
run_conclude(struct run *run)
{
	if (run->concluded)
		return;
	run->concluded = 1;
	stagelog_finish(run->log);
	run_send_events(run, 1);
	run->state = run_final_state(run);
	run->usage = run_usage(run);
	run->nextra = run_own_stages(run, stagelog_result(run->log), run->extra);
	run->ended_at = clock_unix_now();
	run->read_in = xcalloc(run->cache.nread_in + 1, sizeof *run->read_in);
	for (size_t i = 0; i < run->cache.nread_in; i++)
		run->read_in[run->nread_in++] = (struct store_read_in){ run->cache.read_in[i].path,
		    run->cache.read_in[i].bytes };
	if (run->q.importtime && run->err.kept != NULL)
		run->imports = importtime_parse(run->err.kept, run->err.len, &run->nimports);
}

/* Write the concluded run to the database, in one transaction; 0, or -1 when it refused. */
static int
run_record_try(struct run *run, int *plan_finished)
{
	struct store_start b;
	struct store_result res = {
		.run_id = run->q.id, .state = run->state, .has_exit = run->exited,
		.exit_code = run->term_signal != 0 ? 128 + run->term_signal : (int)run->exit_status,
		.term_signal = run->term_signal, .ended_at = run->ended_at, .error = run->error,
		.log = stagelog_result(run->log), .extra = run->extra, .nextra = run->nextra,
		.out = { { run->out.kept, run->out.len, run->out.total },
		    { run->err.kept, run->err.len, run->err.total } },
		.usage = run->exited ? &run->usage : NULL,
		.exit_late_ms = run->exited ? run->exit_late_ms : NAN,
		.exit_window_ms = run->exited ? run->exit_window_ms : NAN,
		.descendants_killed = run->spawned ? run->descendants_killed : -1,
		.footprint = run->footprint, .nfootprint = run->nfootprint,
		.plan_error = run->plan_error, .start = NULL,
		.condition = run->q.condition, .position = run->q.position,
		.resident_after_pct = run->cache.resident_after_pct,
		.read_in_bytes = run->cache.read_in_bytes, .read_in = run->read_in,
		.nread_in = run->nread_in, .imports = run->imports, .nimports = run->nimports,
		.limits = rungroup_row(run->group),	/* the run's group: limits and counters */
	};

	/* What the start recorded goes again with the end, in case that write was refused. */
	if (run->spawned) {
		run_fill_start(run, &b);
		res.start = &b;
	}
	return store_run_finish(run->env->store, &res, plan_finished);
}

/* The run is in the database: say so in the log and to the watchers, with its plan's end. */
static void
run_told(struct run *run, int plan_finished)
{
	struct proto_run ref = run_ref(run);
	json_t *ev;

	run->runs_ended++;
	log_info("run %lld (plan %lld, %s %s, %d/%lld) %s in %.3f s%s%s", (long long)run->q.id,
	    (long long)run->q.plan_id, run->q.condition, run->q.kind, run->q.seq,
	    (long long)run->runs_total, store_run_state_name(run->state), run->total_s,
	    run->error != NULL ? ": " : "", run->error != NULL ? run->error : "");
	run_emit(run, proto_event_run_finished(&ref, store_run_state_name(run->state),
	    run->exited ? run->total_s : NAN, run->exited,
	    run->term_signal != 0 ? 128 + run->term_signal : (int)run->exit_status,
	    run->runs_ended, run->error));
	if (run->plan_error != NULL)
		log_warnx("plan %lld failed: %s", (long long)run->q.plan_id, run->plan_error);
	if (!plan_finished || (ev = run_plan_event(run->env->store, run->q.plan_id)) == NULL)
		return;
	log_info("plan %lld \"%s\" %s: %lld of %lld runs ok", (long long)run->q.plan_id,
	    run->plan_name, json_string_value(json_object_get(ev, "state")),
	    (long long)json_integer_value(json_object_get(ev, "runs_ok")),
	    (long long)json_integer_value(json_object_get(ev, "runs_total")));
	run_emit(run, ev);
}

/*
 * Record the finished run whole and tell the watchers. When the database
 * refuses (a full disk, a lock held too long, a read-only file), the record
 * stays in memory and the run is marked unrecorded: the runner pauses the
 * queue and retries (run_record_again) until it is taken. Nothing is told
 * before it is recorded, and nothing is run again.
 */
static void
run_record(struct run *run)
{
	int finished = 0;

	run_conclude(run);
	if (run_record_try(run, &finished) == 0) {
		run_told(run, finished);
		return;
	}
	run->unrecorded = 1;
	free(run->blocked);
	xasprintf(&run->blocked, "cannot write the database: %s", store_errmsg(run->env->store));
	log_warnx("run %lld ended %s but %s; kept in memory until it can be recorded",
	    (long long)run->q.id, store_run_state_name(run->state), run->blocked);
}

/* Try again to record a run the database refused; 0 once it is recorded and told. */
int
run_record_again(struct run *run)
{
	int finished = 0;

	if (!run->unrecorded)
		return 0;
	if (run_record_try(run, &finished) != 0) {
		free(run->blocked);
		xasprintf(&run->blocked, "cannot write the database: %s",
		    store_errmsg(run->env->store));
		return -1;
	}
	run->unrecorded = 0;
	log_info("run %lld: recorded after all", (long long)run->q.id);
	run_told(run, finished);
	return 0;
}

/* Why the run could not be recorded or started, or NULL when it is done with. */
const char *
run_blocked(const struct run *run)
{
	return run->unrecorded || run->not_started ? run->blocked : NULL;
}

/* Whether the database still has to take the run's record. */
int
run_unrecorded(const struct run *run)
{
	return run->unrecorded;
}

/* Once the child has exited and both pipes are at EOF, record the run and close it. */
static void
run_complete(struct run *run)
{
	if (run->recorded || !run->exited || !run->out.eof || !run->err.eof)
		return;
	run->recorded = 1;
	uv_timer_stop(&run->timer);
	/* Nothing the run started outlives it, whatever group or session it moved to. */
	run->descendants_killed += procs_kill_descendants(0);
	if (run->descendants_killed > 0)
		log_info("run %lld: killed %d process%s it left running", (long long)run->q.id,
		    run->descendants_killed, run->descendants_killed == 1 ? "" : "es");
	/* Its cgroup, where there is one: the counters, then the kernel kills what is still in it. */
	rungroup_finish(run->group);
	/* After the kill, so what the run's leftovers used is counted too. */
	getrusage(RUSAGE_CHILDREN, &run->ru_after);
	if (run->spawned && !run->cache.probe && run->cache.npaths > 0) {
		/* What the run read in: the footprint measured again, off the loop. */
		uv_queue_work(run->env->loop, &run->work, run_measure_cb, run_measured_cb);
		return;
	}
	run_record(run);
	run_close(run);
}

/* On the thread pool: the footprint's residency after the run. */
static void
run_measure_cb(uv_work_t *w)
{
	struct run *run = w->data;

	cache_after_work(&run->cache);
}

/* Back on the loop with what the run read in: record it and close. */
static void
run_measured_cb(uv_work_t *w, int status)
{
	struct run *run = w->data;

	(void)status;
	run_record(run);
	run_close(run);
}

/*
 * Close a run that was not started for a reason that may pass (the database
 * refused a write, descriptors or memory ran out): it stays in the queue as
 * it is, and the runner tries it again later. Nothing is recorded.
 */
static void
run_not_started(struct run *run, char *why)
{
	log_warnx("run %lld: not started: %s; the queue waits and tries again",
	    (long long)run->q.id, why);
	free(run->blocked);
	run->blocked = why;
	run->not_started = 1;
	run->recorded = 1;
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
run_create(struct run_env *env, const struct store_run *q)
{
	struct run *run = xcalloc(1, sizeof *run);

	run->env = env;
	run->q = *q;
	run->forced = RUN_PENDING;
	run->pidfd = -1;
	run->exit_mono_ms = NAN;
	run->exit_window_ms = NAN;
	run->log = stagelog_create();
	run->tokens = RUN_EVENTS_PER_S;
	run->tokens_at = uv_now(env->loop);
	run->out.run = run->err.run = run;
	run->out.buf = xmalloc(RUN_READ_SIZE);
	run->err.buf = xmalloc(RUN_READ_SIZE);
	uv_pipe_init(env->loop, &run->out.pipe, 0);
	uv_pipe_init(env->loop, &run->err.pipe, 0);
	uv_timer_init(env->loop, &run->timer);
	uv_timer_init(env->loop, &run->announce);
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

	if ((rc = store_plan_get(run->env->store, run->q.plan_id, &p)) != 1) {
		if (rc < 0) {
			xasprintf(cause, "cannot read the database: %s",
			    store_errmsg(run->env->store));
			return -2;
		}
		xasprintf(cause, "plan %lld is not in the database", (long long)run->q.plan_id);
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
	const struct run_env *env = run->env;
	uv_process_options_t opts;
	uv_stdio_container_t stdio[4];
	char **argv, **envp, *token_var;
	const char *extra[3] = { NULL, NULL, NULL };
	int rc;

	run->token = procs_token(run->q.id, run->q.attempt);
	xasprintf(&token_var, "%s=%s", PROCS_TOKEN_VAR, run->token);
	extra[0] = token_var;
	extra[1] = cache_extra_env(&run->cache);
	argv = run_argv(run->cond, cache_wrapper(&run->cache), run->q.importtime);
	envp = run_envp(run->cond, extra);
	free(token_var);
	run->command = xstrdup("");
	for (char **a = argv; *a != NULL; a++)
		procs_quote(&run->command, *a);

	memset(&opts, 0, sizeof opts);
	stdio[0].flags = UV_IGNORE;
	stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[1].data.stream = (uv_stream_t *)&run->out.pipe;
	stdio[2].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[2].data.stream = (uv_stream_t *)&run->err.pipe;
	opts.exit_cb = run_exit_cb;
	opts.file = argv[0];
	opts.args = argv;
	opts.env = envp;
	opts.cwd = run->cond->workdir;
	opts.flags = UV_PROCESS_DETACHED;
	opts.stdio_count = 3;
	opts.stdio = stdio;
	if (run->cache.list_open) {
		/* A probe's wrapper writes its list to this descriptor. */
		stdio[CACHE_FOOTPRINT_FD].flags = UV_INHERIT_FD;
		stdio[CACHE_FOOTPRINT_FD].data.fd = run->cache.list_fd;
		opts.stdio_count = CACHE_FOOTPRINT_FD + 1;
	}

	/*
	 * Running from now on, with its token, so a daemon that dies as the child
	 * launches leaves a trace. If the database will not take even that, the
	 * child is not started: the run waits in the queue. The spawn time written
	 * here is a bound for recovery (the child starts after it); the launch is
	 * timed from the one taken after this write, which the run's record keeps.
	 */
	if (store_run_start(env->store, &(struct store_start){ .run_id = run->q.id,
	    .spawned_at = clock_unix_now(), .pid = -1, .command = run->command,
	    .workdir = run->cond->workdir, .resident_before_pct = NAN, .footprint_files = -1,
	    .footprint_bytes = -1, .evict_ms = NAN, .evict_failed = -1, .loadavg_1m = NAN,
	    .mem_free_kb = -1, .mem_cached_kb = -1, .token = run->token,
	    .spawn_late_ms = NAN, .mapped_others_files = -1, .mapped_others_bytes = -1 }) != 0) {
		xasprintf(cause, "cannot write the database: %s", store_errmsg(env->store));
		run_strv_free(argv);
		run_strv_free(envp);
		return -2;
	}
	run_waiter_make(run);
	getrusage(RUSAGE_CHILDREN, &run->ru_before);
	run->spawn_mono_ms = clock_mono_ms();
	run->spawn_late_ms = run->spawn_mono_ms - run->cache.done_mono_ms;
	run->spawned_at = clock_unix_now();
	rc = uv_spawn(env->loop, &run->proc, &opts);
	run_waiter_go(run, rc == 0);
	/* The child was born in the run's group, which benchd entered for it: step out. */
	rungroup_leave(run->group);
	run->proc_init = 1;
	run->proc.data = run;
	run->open_handles++;
	run_strv_free(argv);
	run_strv_free(envp);
	if (rc != 0) {
		xasprintf(cause, "cannot start %s in %s: %s", run->command, run->cond->workdir,
		    uv_strerror(rc));
		/* Out of descriptors, processes or memory now is no reason to fail the run for good. */
		if (rc != UV_EMFILE && rc != UV_ENFILE && rc != UV_EAGAIN && rc != UV_ENOMEM)
			return -1;
		if (store_run_unstart(env->store, run->q.id) != 0)
			log_warnx("run %lld: cannot put it back in the queue (%s); the next start of "
			    "benchd will", (long long)run->q.id, store_errmsg(env->store));
		return -2;
	}
	run->spawned = 1;
	run->hooks->spawned(run, run->hooks->arg);
	uv_read_start((uv_stream_t *)&run->out.pipe, run_alloc_cb, run_read_cb);
	uv_read_start((uv_stream_t *)&run->err.pipe, run_alloc_cb, run_read_cb);
	run->timer_phase = TIMER_TIMEOUT;
	/*
	 * Count the timeout from the spawn, not from when this loop iteration
	 * began; the loop's clock is in whole ms, so one more makes it never short.
	 */
	uv_update_time(env->loop);
	uv_timer_start(&run->timer, run_timer_cb, (uint64_t)(run->cond->timeout * 1000.0) + 1, 0);
	return 0;
}

/* Record a run that could not be started, with why, and move on. */
static void
run_start_failed(struct run *run, char *cause)
{
	log_warnx("run %lld: %s", (long long)run->q.id, cause);
	store_run_start(run->env->store, &(struct store_start){ .run_id = run->q.id,
	    .spawned_at = clock_unix_now(), .pid = -1, .command = run->command,
	    .resident_before_pct = NAN, .footprint_files = -1, .footprint_bytes = -1,
	    .evict_ms = NAN, .evict_failed = -1, .loadavg_1m = NAN, .mem_free_kb = -1,
	    .mem_cached_kb = -1 });
	run_fail_early(run, cause);
	free(cause);
}

/* The run's start record: its spawn, and what the cache work measured. */
static void
run_fill_start(const struct run *run, struct store_start *b)
{
	const struct cache_state *cs = &run->cache;

	*b = (struct store_start){
		.run_id = run->q.id, .spawned_at = run->spawned_at, .pid = run->proc.pid,
		.command = run->command, .workdir = run->cond->workdir, .token = run->token,
		.spawn_late_ms = run->spawn_late_ms,
	};
	b->resident_before_pct = cs->resident_before_pct;
	b->mapped_others_files = cs->probe ? -1 : cs->mapped_files;
	b->mapped_others_bytes = cs->probe ? -1 : cs->mapped_bytes;
	b->footprint_files = cs->probe ? -1 : (int64_t)cs->npaths;
	b->footprint_bytes = cs->footprint_bytes;
	b->evict_ms = cs->evict_ms;
	b->evict_failed = cs->failed;
	b->loadavg_1m = cs->loadavg_1m;
	b->mem_free_kb = cs->mem_free_kb;
	b->mem_cached_kb = cs->mem_cached_kb;
	b->cpu_governor = cs->governor;
}

/*
 * Record that the run started (its pid, the cache and machine state), log it
 * and tell the watchers. Not right after the spawn: while the child is
 * launching, this work would take a CPU from it (0.2 ms of its launch, by
 * ftrace). It runs on the child's first output, at its exit, or after
 * RUN_ANNOUNCE_MS, whichever comes first.
 */
static void
run_announce(struct run *run)
{
	const struct run_env *env = run->env;
	struct proto_run ref = run_ref(run);
	struct store_start b;

	if (run->announced || !run->spawned)
		return;
	run->announced = 1;
	uv_timer_stop(&run->announce);
	run_fill_start(run, &b);
	if (store_run_start(env->store, &b) != 0)
		log_warnx("run %lld: cannot record its start: %s", (long long)run->q.id,
		    store_errmsg(env->store));
	log_info("run %lld (plan %lld, %s %s, %d/%lld) started: pid %d, %s", (long long)run->q.id,
	    (long long)run->q.plan_id, run->q.condition, run->q.kind, run->q.seq,
	    (long long)run->runs_total, run->proc.pid, run->command);
	run_emit(run, proto_event_run_started(&ref, run->runs_ended,
	    b.resident_before_pct));
}

/* The child stayed silent for RUN_ANNOUNCE_MS: record its start now. */
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

	/* The run's group and profile around the cache work: a warm run's cache fills inside it. */
	if (rungroup_setup(run->group, &run->cache) != 0)
		return;
	cache_work(&run->cache);
	rungroup_ready(run->group);
}

/* Say once per plan that the cache work left benchd's own files alone. */
static void
run_own_files_told(struct run *run)
{
	const struct cache_guard *g = &run->cache.guard;

	if (g->skipped == 0 || run->env->own_told_plan == run->q.plan_id)
		return;
	run->env->own_told_plan = run->q.plan_id;
	log_warnx("plan %lld: the footprint holds %lld of benchd's own files (its database, the "
	    "database's -wal or -shm, its socket), %s%s; they are left out of every eviction and "
	    "measure, since closing them would drop SQLite's locks", (long long)run->q.plan_id,
	    (long long)g->skipped, g->skipped_path, g->skipped > 1 ? " and more" : "");
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
	run_own_files_told(run);
	if (run->cache.guard.transient != 0) {
		xasprintf(&cause, "the cache work could not open the footprint: %s",
		    strerror(run->cache.guard.transient));
		run_not_started(run, cause);
		return;
	}
	if (run->cache.error != NULL || rungroup_error(run->group) != NULL) {
		run_start_failed(run, xstrdup(run->cache.error != NULL ? run->cache.error :
		    rungroup_error(run->group)));
		return;
	}
	switch (run_spawn(run, &cause)) {
	case 0:
		break;
	case -2:
		run_not_started(run, cause);
		return;
	default:
		run_start_failed(run, cause);
		return;
	}
	/* Wait for the child's first output (or RUN_ANNOUNCE_MS) before the bookkeeping. */
	uv_timer_start(&run->announce, run_announce_cb, RUN_ANNOUNCE_MS, 0);
}

/* Give the cache work the plan's footprint, which the probe stored. */
static int
run_load_footprint(struct run *run, char **cause)
{
	struct store_file *files;
	size_t n;

	if (store_footprint_get(run->env->store, run->q.plan_id, &files, &n) != 0) {
		xasprintf(cause, "cannot read the plan's footprint: %s",
		    store_errmsg(run->env->store));
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		cache_add_file(&run->cache, files[i].path);
	store_files_free(files, n);
	return 0;
}

/* Start one queued run: load its plan, then put the cache in shape off the loop. */
struct run *
run_start(struct run_env *env, const struct store_run *q, const struct run_hooks *hooks)
{
	struct run *run = run_create(env, q);
	int probe = strcmp(q->kind, "probe") == 0, rc;
	char *cause = NULL;

	run->hooks = hooks;
	/* benchd runs its own user's plans only, whoever could write to its database. */
	if (q->submitted_uid != (int64_t)getuid()) {
		xasprintf(&run->plan_error, "the plan was submitted by uid %lld, not by benchd's "
		    "own (uid %u): benchd runs only its own user's plans; submit it as that user",
		    (long long)q->submitted_uid, (unsigned)getuid());
		run_start_failed(run, xstrdup(run->plan_error));
		return run;
	}
	if ((rc = run_load_plan(run, &cause)) != 0) {
		if (rc == -2)
			run_not_started(run, cause);
		else
			run_start_failed(run, cause);
		return run;
	}
	if (cache_prepare(&run->cache, run->plan, run->cond, probe, &cause) != 0) {
		if (run->cache.guard.transient != 0)
			run_not_started(run, cause);
		else
			run_start_failed(run, cause);
		return run;
	}
	if (!probe && run_load_footprint(run, &cause) != 0) {
		run_not_started(run, cause);
		return run;
	}
	/* Past the cold one, a sequence's run leaves the cache as the last one left it. */
	if (q->position > 0)
		run->cache.policy = PLAN_CACHE_NONE;
	for (size_t i = 0; i < env->nown; i++)
		cache_guard_own(&run->cache.guard, env->own[i]);
	run->group = rungroup_create(run->plan, run->cond, probe, q->id);
	run->work.data = run;
	uv_queue_work(env->loop, &run->work, run_work_cb, run_after_work_cb);
	return run;
}

/* Which plan the run belongs to. */
int64_t
run_plan_id(const struct run *run)
{
	return run->q.plan_id;
}

/* A number, or null when it is NaN (not measured). */
static json_t *
run_jreal(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

/* The run in flight, as status shows it, with the cache's figures. */
json_t *
run_status_json(const struct run *run)
{
	const struct cache_state *cs = &run->cache;
	const char *stage;
	json_t *o;

	if (!run->spawned)
		return json_null();
	stage = stagelog_current(run->log);
	o = json_pack("{sI ss ss ss sI si sI sI so sf si ss}",
	    "plan_id", (json_int_t)run->q.plan_id, "plan", run->plan_name,
	    "condition", run->q.condition, "kind", run->q.kind, "run_id", (json_int_t)run->q.id,
	    "seq", run->q.seq, "runs_total", (json_int_t)run->runs_total,
	    "runs_ended", (json_int_t)run->runs_ended,
	    "stage", stage != NULL ? json_string(stage) : json_null(),
	    "elapsed_s", (clock_mono_ms() - run->spawn_mono_ms) / 1e3, "pid", run->proc.pid,
	    "command", run->command);
	json_object_set_new(o, "cache", json_string(plan_cache_name(cs->policy)));
	json_object_set_new(o, "resident_before_pct", run_jreal(cs->resident_before_pct));
	json_object_set_new(o, "footprint_files", json_integer((json_int_t)cs->npaths));
	json_object_set_new(o, "footprint_bytes", json_integer(cs->footprint_bytes));
	json_object_set_new(o, "evict_ms", run_jreal(cs->evict_ms));
	json_object_set_new(o, "loadavg_1m", run_jreal(cs->loadavg_1m));
	json_object_set_new(o, "mem_free_kb", json_integer(cs->mem_free_kb));
	json_object_set_new(o, "mem_cached_kb", json_integer(cs->mem_cached_kb));
	json_object_set_new(o, "cpu_governor", cs->governor != NULL ?
	    json_string(cs->governor) : json_null());
	return o;
}
