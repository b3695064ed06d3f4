/* control.c: benchctl's control commands (submit, status, cancel, watch), each one request to benchd and its printed reply. */
#include "control.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "fmt.h"
#include "conn.h"
#include "log.h"
#include "paths.h"
#include "proto.h"
#include "xmalloc.h"

/* How long a request waits for its reply; a watch's events may take for ever. */
#define CONTROL_REPLY_MS	30000
/* The progress bar's width, and the most of a stage's text the progress line shows. */
#define CONTROL_BAR		10
#define CONTROL_STAGE_COLS	32

static const char control_submit_usage[] = "usage: benchctl submit PLAN.yaml [--wait]\n";
static const char control_status_usage[] = "usage: benchctl status [--json]\n";
static const char control_cancel_usage[] = "usage: benchctl cancel PLAN_ID\n";
static const char control_watch_usage[] = "usage: benchctl watch [PLAN_ID]\n";

/* What a watch knows about the plan it is showing. */
struct watch {
	long long	 plan_id;	/* the watched plan; 0 for every plan */
	int		 tty;		/* redraw one progress line in place */

	long long	 cur_plan;	/* the plan the fields below describe */
	char		*condition;
	char		*kind;
	long long	 run_id;
	long long	 seq;		/* 0 when unknown */
	long long	 runs_total;	/* 0 when unknown */
	long long	 runs_ended;
	char		*stage;		/* the current run's latest stage */
	char		*last_state;	/* the latest finished run's */
	double		 last_s;
	int		 last_timed;	/* last_s is known */
	double		 sum_s;		/* of the runs finished during this watch */
	long long	 nsum;
};

/* Set while a progress line without its newline is on the terminal. */
static volatile sig_atomic_t control_drawn;

/* A new request {"v":1,"cmd":cmd}. */
static json_t *
control_request(const char *cmd)
{
	json_t *req = cli_jcheck(json_object());

	cli_jset(req, "v", json_integer(PROTO_VERSION));
	cli_jset(req, "cmd", json_string(cmd));
	return req;
}

/* A member of o as an integer (a whole real will do): 1 if present, else 0. */
static int
control_int(json_t *o, const char *key, long long *value)
{
	json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		*value = json_integer_value(v);
	else if (json_is_real(v))
		*value = (long long)json_real_value(v);
	else
		return 0;
	return 1;
}

/* A member of o as a number: 1 if present, else 0. */
static int
control_real(json_t *o, const char *key, double *value)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_number(v))
		return 0;
	*value = json_number_value(v);
	return 1;
}

/* A member of o as a string, or NULL when absent, null or not a string. */
static const char *
control_str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Replace *slot with a clean copy of s (or NULL). */
static void
control_keep(char **slot, const char *s)
{
	free(*slot);
	*slot = s != NULL ? cli_clean(s, CLI_CLEAN_TABS) : NULL;
}

/*
 * Cut a UTF-8 string to at most cols characters (one column each; close
 * enough for a status line). Returns 1 if it was cut.
 */
static int
control_fit(char *s, size_t cols)
{
	size_t n = 0;

	for (char *p = s; *p != '\0'; p++) {
		if (((unsigned char)*p & 0xc0) == 0x80)
			continue;
		if (n++ == cols) {
			*p = '\0';
			return 1;
		}
	}
	return 0;
}

/*
 * Check a reply's "ok"; print its "error" and return -1 when it is not true.
 * A submit's error is one or more "PLAN.yaml:LINE:COL: ..." lines, printed as
 * they are; other errors get benchctl's prefix.
 */
static int
control_ok(json_t *reply, int raw)
{
	const char *error;
	char *clean;
	size_t len;

	if (json_is_true(json_object_get(reply, "ok")))
		return 0;
	if ((error = control_str(reply, "error")) == NULL || *error == '\0') {
		cli_error("benchd refused the request without saying why");
		return -1;
	}
	clean = cli_clean(error, CLI_CLEAN_TABS | CLI_CLEAN_NEWLINES);
	if (raw) {
		fflush(stdout);
		len = strlen(clean);
		fprintf(stderr, "%s%s", clean, clean[len - 1] == '\n' ? "" : "\n");
	} else
		cli_error("%s", clean);
	free(clean);
	return -1;
}

/*
 * Connect, send req (which this consumes) and read one reply with "ok" true.
 * Returns the reply, or NULL after printing why. With keep, the connection is
 * handed back for the events that follow; otherwise it is closed.
 */
static json_t *
control_call(const struct benchctl_env *env, json_t *req, int raw, struct conn **keep)
{
	struct conn *c;
	json_t *reply = NULL;
	char *cause = NULL;

	if ((c = conn_open(env->socket, &cause)) == NULL)
		goto fail;
	conn_set_timeout(c, CONTROL_REPLY_MS);
	if (conn_send(c, req, &cause) != 0 || conn_recv(c, &reply, &cause) != 0)
		goto fail;
	json_decref(req);
	if (control_ok(reply, raw) != 0) {
		json_decref(reply);
		conn_free(c);
		return NULL;
	}
	if (keep != NULL)
		*keep = c;
	else
		conn_free(c);
	return reply;
fail:
	cli_error("%s", cause);
	free(cause);
	json_decref(req);
	conn_free(c);
	return NULL;
}

/* On SIGINT or SIGTERM: end the progress line, then die of the signal as usual. */
static void
control_signal(int sig)
{
	if (control_drawn)
		(void)!write(STDOUT_FILENO, "\n", 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Catch the signals that end a watch, so a half-drawn line gets its newline. */
static void
control_catch_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa, old;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = control_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		/* A signal ignored when benchctl started (nohup, "&") stays ignored. */
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
	}
}

/* The terminal's width in columns, or 80. */
static size_t
control_columns(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

/* Forget everything about the plan being shown, ready for another. */
static void
watch_reset(struct watch *w, long long plan_id)
{
	free(w->condition);
	free(w->kind);
	free(w->stage);
	free(w->last_state);
	w->condition = w->kind = w->stage = w->last_state = NULL;
	w->cur_plan = plan_id;
	w->run_id = w->seq = w->runs_total = w->runs_ended = 0;
	w->last_s = w->sum_s = 0;
	w->last_timed = 0;
	w->nsum = 0;
}

/* Take the progress line off the terminal, so a plain line can take its place. */
static void
watch_erase(void)
{
	if (control_drawn) {
		fputs("\r\033[K", stdout);
		control_drawn = 0;
	}
}

/* Leave the progress line on the terminal, ended, before benchctl finishes. */
static void
watch_end(void)
{
	if (control_drawn) {
		fputc('\n', stdout);
		control_drawn = 0;
	}
	fflush(stdout);
}

/*
 * Print one plain line; on a terminal it goes above the progress line. When
 * watching every plan, a run's line starts with its plan.
 */
static void __attribute__((format(printf, 3, 4)))
watch_line(struct watch *w, int run, const char *fmt, ...)
{
	va_list ap;

	watch_erase();
	if (run && w->plan_id == 0 && w->cur_plan != 0)
		printf("plan %lld ", w->cur_plan);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

/* "run 5/24", "run 5" or "run ?" into buf. */
static void
watch_run_label(struct watch *w, char *buf, size_t len)
{
	if (w->seq > 0 && w->runs_total > 0)
		snprintf(buf, len, "run %lld/%lld", w->seq, w->runs_total);
	else if (w->seq > 0)
		snprintf(buf, len, "run %lld", w->seq);
	else
		snprintf(buf, len, "run ?");
}

/* " cold measured", " cold" or "" into buf. */
static void
watch_what(struct watch *w, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s", w->condition != NULL ? " " : "",
	    w->condition != NULL ? w->condition : "", w->kind != NULL ? " " : "",
	    w->kind != NULL ? w->kind : "");
}

/* Redraw the progress line in place, cut to the terminal's width. */
static void
watch_draw(struct watch *w)
{
	FILE *f;
	char *line = NULL, *stage, run[64], eta[32], last[96] = "";
	size_t size = 0, done, cols, used, room;
	long long left;

	if ((f = open_memstream(&line, &size)) == NULL)
		fatal("open_memstream");
	if (w->cur_plan == 0 && w->plan_id == 0)
		fprintf(f, "every plan: waiting for events");
	else {
		fprintf(f, "plan %lld", w->cur_plan != 0 ? w->cur_plan : w->plan_id);
		if (w->seq == 0 && w->runs_total == 0 && w->last_state == NULL &&
		    w->stage == NULL)
			fprintf(f, ": waiting for its first run");
	}
	if (w->condition != NULL)
		fprintf(f, " %s", w->condition);
	if (w->seq > 0) {
		watch_run_label(w, run, sizeof run);
		fprintf(f, " %s", run);
	}
	if (w->runs_total > 0) {
		done = (size_t)(w->runs_ended * CONTROL_BAR / w->runs_total);
		if (done > CONTROL_BAR)
			done = CONTROL_BAR;
		fprintf(f, " [%.*s%.*s] %lld%%", (int)done, "##########",
		    (int)(CONTROL_BAR - done), "----------",
		    (w->runs_ended * 100 + w->runs_total / 2) / w->runs_total);
		left = w->runs_total - w->runs_ended;
		if (w->nsum > 0 && left > 0) {
			fmt_span(w->sum_s / (double)w->nsum * (double)left,
			    eta, sizeof eta);
			fprintf(f, "  ETA %s", eta);
		}
	}
	if (fclose(f) != 0)
		fatal("open_memstream");
	if (w->last_state != NULL && w->last_timed)
		snprintf(last, sizeof last, "  last: %s %.2f s", w->last_state, w->last_s);
	else if (w->last_state != NULL)
		snprintf(last, sizeof last, "  last: %s", w->last_state);

	/*
	 * Stay one column short of the width so the terminal never wraps the
	 * line; the stage's text gets the room the rest leaves, up to a limit.
	 */
	cols = control_columns() - 1;
	used = cli_width(line) + cli_width(last) + strlen("  stage: ");
	room = cols > used ? cols - used : 0;
	if (room > CONTROL_STAGE_COLS)
		room = CONTROL_STAGE_COLS;
	stage = w->stage != NULL && room >= 8 ? xstrdup(w->stage) : NULL;
	if (stage != NULL && control_fit(stage, room)) {
		control_fit(stage, room - 3);
		strcat(stage, "...");	/* the cut freed at least three bytes */
	}
	if (cli_width(line) > cols)
		control_fit(line, cols);
	else if (cli_width(line) + cli_width(last) > cols)
		control_fit(last, cols - cli_width(line));
	printf("\r%s%s%s%s\033[K", line, stage != NULL ? "  stage: " : "",
	    stage != NULL ? stage : "", last);
	fflush(stdout);
	control_drawn = 1;
	free(stage);
	free(line);
}

/* A run started: show which. */
static void
watch_run_started(struct watch *w, json_t *ev)
{
	char run[64], what[256];

	control_keep(&w->condition, control_str(ev, "condition"));
	control_keep(&w->kind, control_str(ev, "kind"));
	control_keep(&w->stage, NULL);
	control_int(ev, "run_id", &w->run_id);
	if (!control_int(ev, "seq", &w->seq))
		w->seq = 0;
	control_int(ev, "runs_total", &w->runs_total);
	control_int(ev, "runs_ended", &w->runs_ended);
	if (!w->tty) {
		watch_run_label(w, run, sizeof run);
		watch_what(w, what, sizeof what);
		watch_line(w, 1, "%s%s started", run, what);
	}
}

/* A run printed a stage line: show its text. */
static void
watch_stage(struct watch *w, json_t *ev)
{
	const char *text = control_str(ev, "text");
	long long run_id;
	double t_s;
	char run[64], *clean;

	if (text == NULL)
		return;
	if (control_int(ev, "run_id", &run_id) && run_id != w->run_id) {
		/* A run this watch never saw start: take what the event says of it. */
		w->run_id = run_id;
		if (!control_int(ev, "seq", &w->seq))
			w->seq = 0;
		control_int(ev, "runs_total", &w->runs_total);
		control_keep(&w->condition, control_str(ev, "condition"));
		control_keep(&w->kind, control_str(ev, "kind"));
	}
	control_keep(&w->stage, text);
	if (!w->tty) {
		watch_run_label(w, run, sizeof run);
		clean = cli_clean(text, CLI_CLEAN_TABS);
		if (control_real(ev, "t_s", &t_s))
			watch_line(w, 1, "%s stage at %.2f s: %s", run, t_s, clean);
		else
			watch_line(w, 1, "%s stage: %s", run, clean);
		free(clean);
	}
}

/* A run finished: count it towards the ETA and show how it ended. */
static void
watch_run_finished(struct watch *w, json_t *ev)
{
	const char *state = control_str(ev, "state"), *error;
	char run[64], what[256], extra[64] = "", *clean = NULL;
	long long exit_code;
	double total_s = 0;
	int timed;

	control_keep(&w->condition, control_str(ev, "condition"));
	control_keep(&w->kind, control_str(ev, "kind"));
	control_keep(&w->stage, NULL);
	control_int(ev, "run_id", &w->run_id);
	if (!control_int(ev, "seq", &w->seq))
		w->seq = 0;
	control_int(ev, "runs_total", &w->runs_total);
	control_int(ev, "runs_ended", &w->runs_ended);
	control_keep(&w->last_state, state != NULL ? state : "ended");
	if ((timed = control_real(ev, "total_s", &total_s))) {
		w->sum_s += total_s;
		w->nsum++;
	}
	w->last_s = total_s;
	w->last_timed = timed;

	/* On a terminal only the runs that went wrong get a line of their own. */
	if (w->tty && state != NULL && strcmp(state, "ok") == 0)
		return;
	watch_run_label(w, run, sizeof run);
	watch_what(w, what, sizeof what);
	if (control_int(ev, "exit_code", &exit_code) && exit_code != 0)
		snprintf(extra, sizeof extra, " (exit %lld)", exit_code);
	if ((error = control_str(ev, "error")) != NULL && *error != '\0')
		clean = cli_clean(error, CLI_CLEAN_TABS);
	if (timed)
		watch_line(w, 1, "%s%s %s %.2f s%s%s%s", run, what, w->last_state, total_s,
		    extra, clean != NULL ? ": " : "", clean != NULL ? clean : "");
	else
		watch_line(w, 1, "%s%s %s%s%s%s", run, what, w->last_state, extra,
		    clean != NULL ? ": " : "", clean != NULL ? clean : "");
	free(clean);
}

/*
 * A plan finished: print its outcome. Returns the exit status when it is the
 * watched plan (0 only if it is done with every run ok), else -1.
 */
static int
watch_plan_finished(struct watch *w, json_t *ev, long long plan_id)
{
	const char *state = control_str(ev, "state"), *error;
	char *st, *clean = NULL, counts[96] = "";
	long long total = 0, ok = 0;
	int have_total, have_ok, good;

	st = cli_clean(state != NULL ? state : "finished", CLI_CLEAN_TABS);
	have_total = control_int(ev, "runs_total", &total);
	have_ok = control_int(ev, "runs_ok", &ok);
	if (have_total && have_ok)
		snprintf(counts, sizeof counts, ": %lld/%lld runs ok", ok, total);
	if ((error = control_str(ev, "error")) != NULL && *error != '\0')
		clean = cli_clean(error, CLI_CLEAN_TABS);
	watch_line(w, 0, "plan %lld %s%s%s%s", plan_id, st, counts,
	    clean != NULL ? "; " : "", clean != NULL ? clean : "");
	watch_reset(w, 0);
	if (w->plan_id == 0) {
		free(st);
		free(clean);
		return -1;
	}

	good = state != NULL && strcmp(state, "done") == 0 && have_total && have_ok &&
	    ok == total;
	if (!good) {
		if ((state == NULL || strcmp(state, "done") != 0) && have_total && have_ok)
			cli_error("plan %lld did not finish: it ended %s with %lld of "
			    "%lld runs ok%s%s", plan_id, st, ok, total,
			    clean != NULL ? ": " : "", clean != NULL ? clean : "");
		else if (state == NULL || strcmp(state, "done") != 0)
			cli_error("plan %lld did not finish: it ended %s%s%s", plan_id,
			    st, clean != NULL ? ": " : "", clean != NULL ? clean : "");
		else if (have_total && have_ok)
			cli_error("plan %lld is done but only %lld of %lld runs "
			    "were ok", plan_id, ok, total);
		else
			cli_error("plan %lld is done but benchd did not say how "
			    "many runs were ok", plan_id);
	}
	free(st);
	free(clean);
	return good ? 0 : 1;
}

/* Handle one event of the stream: the exit status once the watch is over, else -1. */
static int
watch_event(struct watch *w, json_t *ev)
{
	const char *event = control_str(ev, "event");
	long long plan_id = 0;
	int rc;

	control_int(ev, "plan_id", &plan_id);
	if (w->plan_id != 0 && plan_id != 0 && plan_id != w->plan_id)
		return -1;	/* another plan's; benchd should not have sent it */
	if (plan_id != 0 && plan_id != w->cur_plan)
		watch_reset(w, plan_id);

	if (strcmp(event, "run_started") == 0)
		watch_run_started(w, ev);
	else if (strcmp(event, "stage") == 0)
		watch_stage(w, ev);
	else if (strcmp(event, "run_finished") == 0)
		watch_run_finished(w, ev);
	else if (strcmp(event, "plan_finished") == 0) {
		if ((rc = watch_plan_finished(w, ev, plan_id)) != -1)
			return rc;
	}
	/* Events this benchctl does not know are for newer clients: skip them. */
	if (w->tty)
		watch_draw(w);
	return -1;
}

/*
 * Ask for the event stream of one plan, or of every plan when plan_id is 0.
 * Returns the connection the events will arrive on, or NULL after printing why.
 */
static struct conn *
control_watch_open(const struct benchctl_env *env, long long plan_id)
{
	struct conn *c = NULL;
	json_t *req, *ack;

	req = control_request("watch");
	if (plan_id != 0)
		cli_jset(req, "plan_id", json_integer(plan_id));
	if ((ack = control_call(env, req, 0, &c)) == NULL)
		return NULL;
	json_decref(ack);
	conn_set_timeout(c, -1);
	return c;
}

/*
 * Show the events arriving on c until plan plan_id finishes (for ever when it
 * is 0), then close c. Returns the exit status.
 */
static int
control_follow(struct conn *c, long long plan_id)
{
	struct watch w;
	json_t *msg;
	char *cause = NULL;
	int rc = -1;

	memset(&w, 0, sizeof w);
	w.plan_id = plan_id;
	w.tty = isatty(STDOUT_FILENO);

	control_catch_signals();
	if (w.tty)
		watch_draw(&w);
	while (rc == -1) {
		if (conn_recv(c, &msg, &cause) != 0) {
			watch_end();
			cli_error("%s", cause);
			free(cause);
			rc = 1;
			break;
		}
		if (control_str(msg, "event") != NULL)
			rc = watch_event(&w, msg);
		else if (!json_is_true(json_object_get(msg, "ok"))) {
			watch_end();
			control_ok(msg, 0);
			rc = 1;
		}
		json_decref(msg);
	}
	watch_end();
	watch_reset(&w, 0);
	conn_free(c);
	return rc;
}

/*
 * Read a whole plan file, refusing one too big for a protocol line. Returns
 * the text (NUL-terminated, length in *len) or NULL after printing why.
 */
static char *
control_read_file(const char *path, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t size = 0, used = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 || fstat(fd, &st) != 0)
		goto fail;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto fail;
	}
	for (;;) {
		if (used > PROTO_LINE_MAX) {
			cli_error("%s: too large for benchd (over %d bytes)", path,
			    PROTO_LINE_MAX);
			free(buf);
			close(fd);
			return NULL;
		}
		if (used == size) {
			size = size == 0 ? 65536 : size * 2;
			buf = xrealloc(buf, size + 1);
		}
		n = read(fd, buf + used, size - used);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail;
		if (n == 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	buf[used] = '\0';
	*len = used;
	return buf;
fail:
	cli_error("cannot read %s: %s", path, strerror(errno));
	free(buf);
	if (fd != -1)
		close(fd);
	return NULL;
}

/* Queue a plan; with --wait, follow it to the end. */
int
control_submit(const struct benchctl_env *env, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "wait", no_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct conn *events = NULL;
	json_t *req, *reply, *yaml;
	const char *path, *name;
	char *text, *abs;
	size_t len;
	long long plan_id, conditions, runs;
	int ch, wait = 0;

	cli_getopt_start(argv, "benchctl submit");
	while ((ch = getopt_long(argc, argv, "wh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'w':
			wait = 1;
			break;
		case 'h':
			return cli_usage(control_submit_usage,
			    "Queue the experiment plan PLAN.yaml on benchd. With --wait,"
			    " follow it to the end\nlike \"benchctl watch\" and exit 0 only"
			    " if every run was ok.\n");
		default:
			return cli_usage(control_submit_usage, NULL);
		}
	}
	if (argc - optind != 1)
		return cli_usage(control_submit_usage, NULL);
	path = argv[optind];

	if ((text = control_read_file(path, &len)) == NULL)
		return 1;
	if ((yaml = json_stringn(text, len)) == NULL) {
		cli_error("%s: not UTF-8 text", path);
		free(text);
		return 1;
	}
	free(text);
	req = control_request("submit");
	cli_jset(req, "yaml", yaml);
	abs = paths_absolute(path);
	cli_jset(req, "path", json_string(abs));
	free(abs);

	if ((len = json_dumpb(req, NULL, 0, JSON_COMPACT)) > PROTO_LINE_MAX) {
		cli_error("%s: too large for benchd once encoded as JSON (%zu bytes, "
		    "at most %d)", path, len, PROTO_LINE_MAX);
		json_decref(req);
		return 1;
	}

	/*
	 * With --wait, watch every plan before submitting: then no event of the
	 * new plan can slip by between the submit's reply and the watch, and the
	 * events of other plans are filtered out once the plan's id is known.
	 */
	if (wait && (events = control_watch_open(env, 0)) == NULL) {
		json_decref(req);
		return 1;
	}
	if ((reply = control_call(env, req, 1, NULL)) == NULL) {
		conn_free(events);
		return 1;
	}
	if (!control_int(reply, "plan_id", &plan_id) || plan_id <= 0) {
		cli_error("benchd's reply to submit has no plan_id");
		json_decref(reply);
		conn_free(events);
		return 1;
	}
	name = control_str(reply, "name");
	text = cli_clean(name != NULL ? name : "(unnamed)", CLI_CLEAN_TABS);
	printf("plan %lld queued: %s", plan_id, text);
	free(text);
	if (control_int(reply, "conditions", &conditions) &&
	    control_int(reply, "runs", &runs)) {
		printf(" (%lld condition%s, %lld run%s)", conditions,
		    fmt_plural(conditions), runs, fmt_plural(runs));
	}
	putchar('\n');
	fflush(stdout);
	json_decref(reply);

	if (!wait)
		return 0;
	return control_follow(events, plan_id);
}

/* Print the status reply's "daemon" part: version, pid, uptime, socket, db. */
static void
control_status_daemon(json_t *d)
{
	const char *s;
	long long pid;
	double up;
	char buf[32];

	fputs("benchd", stdout);
	if ((s = control_str(d, "version")) != NULL)
		printf(" %s", s);
	if (control_int(d, "pid", &pid))
		printf(", pid %lld", pid);
	if (control_real(d, "uptime_s", &up)) {
		fmt_span(up, buf, sizeof buf);
		printf(", up %s", buf);
	}
	if ((s = control_str(d, "socket")) != NULL)
		printf("; socket %s", s);
	if ((s = control_str(d, "db")) != NULL)
		printf("; db %s", s);
	putchar('\n');
}

/* Print "running: ..." from the status reply's "current" part. */
static void
control_status_current(json_t *cur)
{
	const char *s, *sep = "";
	long long n, total;
	double elapsed;
	char *clean;

	fputs("running: ", stdout);
	if (!json_is_object(cur)) {
		puts("nothing");
		return;
	}
	if (control_int(cur, "plan_id", &n)) {
		printf("plan %lld", n);
		sep = " ";
	}
	if ((s = control_str(cur, "plan")) != NULL) {
		clean = cli_clean(s, CLI_CLEAN_TABS);
		printf("%s\"%s\"", *sep == '\0' ? "plan " : " ", clean);
		free(clean);
		sep = ", ";
	}
	if (*sep != '\0')
		sep = ", ";
	if ((s = control_str(cur, "condition")) != NULL) {
		printf("%scondition %s", sep, s);
		sep = ", ";
		if ((s = control_str(cur, "kind")) != NULL)
			printf(" (%s)", s);
	}
	if (control_int(cur, "seq", &n)) {
		if (control_int(cur, "runs_total", &total))
			printf("%srun %lld of %lld", sep, n, total);
		else
			printf("%srun %lld", sep, n);
		sep = ", ";
	}
	if ((s = control_str(cur, "stage")) != NULL) {
		clean = cli_clean(s, CLI_CLEAN_TABS);
		printf("%sstage \"%s\"", sep, clean);
		free(clean);
		sep = ", ";
	}
	if (control_real(cur, "elapsed_s", &elapsed)) {
		printf("%s%.1f s elapsed", sep, elapsed);
		sep = ", ";
	}
	if (*sep == '\0')
		fputs("a run", stdout);
	putchar('\n');
}

/* Print "queue: ..." from the status reply's "queue" part. */
static void
control_status_queue(json_t *q)
{
	long long plans, runs;
	int have_plans = control_int(q, "plans_waiting", &plans);
	int have_runs = control_int(q, "runs_left", &runs);

	fputs("queue:   ", stdout);
	if (have_plans)
		printf("%lld plan%s waiting", plans, fmt_plural(plans));
	if (have_runs)
		printf("%s%lld run%s left", have_plans ? ", " : "", runs, fmt_plural(runs));
	if (!have_plans && !have_runs)
		fputs("unknown", stdout);
	putchar('\n');
}

/* Print "last: ..." from the status reply's "last" part. */
static void
control_status_last(json_t *last)
{
	const char *cond, *state;
	long long run_id, plan_id;
	int have_run, have_plan;
	double total_s;

	fputs("last:    ", stdout);
	if (!json_is_object(last)) {
		puts("none");
		return;
	}
	have_run = control_int(last, "run_id", &run_id);
	have_plan = control_int(last, "plan_id", &plan_id);
	cond = control_str(last, "condition");
	fputs("run", stdout);
	if (have_run)
		printf(" %lld", run_id);
	if (have_plan && cond != NULL)
		printf(" (plan %lld, %s)", plan_id, cond);
	else if (have_plan)
		printf(" (plan %lld)", plan_id);
	else if (cond != NULL)
		printf(" (%s)", cond);
	if ((state = control_str(last, "state")) != NULL)
		printf(" %s", state);
	if (control_real(last, "total_s", &total_s))
		printf(" in %.2f s", total_s);
	putchar('\n');
}

/* Show what the daemon is doing, readable or as its JSON reply. */
int
control_status(const struct benchctl_env *env, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	json_t *reply;
	int ch, json = 0;

	cli_getopt_start(argv, "benchctl status");
	while ((ch = getopt_long(argc, argv, "jh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			json = 1;
			break;
		case 'h':
			return cli_usage(control_status_usage,
			    "Show benchd's version and uptime, the run in progress, the"
			    " queue and the last\nfinished run; --json prints benchd's reply"
			    " as it is.\n");
		default:
			return cli_usage(control_status_usage, NULL);
		}
	}
	if (optind != argc)
		return cli_usage(control_status_usage, NULL);

	if ((reply = control_call(env, control_request("status"), 0, NULL)) == NULL)
		return 1;
	if (json) {
		json_dumpf(reply, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
		putchar('\n');
	} else {
		control_status_daemon(json_object_get(reply, "daemon"));
		control_status_current(json_object_get(reply, "current"));
		control_status_queue(json_object_get(reply, "queue"));
		control_status_last(json_object_get(reply, "last"));
	}
	json_decref(reply);
	return 0;
}

/* Cancel a plan's pending runs. */
int
control_cancel(const struct benchctl_env *env, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	json_t *req, *reply;
	long long plan_id, n;
	int ch;

	cli_getopt_start(argv, "benchctl cancel");
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			return cli_usage(control_cancel_usage,
			    "Cancel the plan PLAN_ID: its pending runs will not run.\n");
		default:
			return cli_usage(control_cancel_usage, NULL);
		}
	}
	if (argc - optind != 1)
		return cli_usage(control_cancel_usage, NULL);
	if ((plan_id = cli_plan_id(argv[optind])) == 0) {
		fprintf(stderr, "benchctl cancel: not a plan id: %s\n", argv[optind]);
		return cli_usage(control_cancel_usage, NULL);
	}

	req = control_request("cancel");
	cli_jset(req, "plan_id", json_integer(plan_id));
	if ((reply = control_call(env, req, 0, NULL)) == NULL)
		return 1;
	if (control_int(reply, "cancelled_runs", &n))
		printf("plan %lld cancelled (%lld pending run%s cancelled)\n", plan_id, n,
		    fmt_plural(n));
	else
		printf("plan %lld cancelled\n", plan_id);
	json_decref(reply);
	return 0;
}

/* Follow the runs of one plan, or of every plan, as they happen. */
int
control_watch(const struct benchctl_env *env, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct conn *c;
	long long plan_id = 0;
	int ch;

	cli_getopt_start(argv, "benchctl watch");
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			return cli_usage(control_watch_usage,
			    "Follow runs as they start and finish: on a terminal one"
			    " progress line, else one\nline per event. With PLAN_ID, stop"
			    " when that plan finishes (exit 0 only if\nit is done with every"
			    " run ok); without, follow every plan until interrupted.\n");
		default:
			return cli_usage(control_watch_usage, NULL);
		}
	}
	if (argc - optind > 1)
		return cli_usage(control_watch_usage, NULL);
	if (argc - optind == 1 && (plan_id = cli_plan_id(argv[optind])) == 0) {
		fprintf(stderr, "benchctl watch: not a plan id: %s\n", argv[optind]);
		return cli_usage(control_watch_usage, NULL);
	}
	if ((c = control_watch_open(env, plan_id)) == NULL)
		return 1;
	return control_follow(c, plan_id);
}
