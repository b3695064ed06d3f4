/* watch.c: the watch screen: benchd's events as one line each, or on a terminal as one progress line redrawn in place. */
#include "watch.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"
#include "fmt.h"
#include "log.h"
#include "xmalloc.h"

/* The progress bar's width, and the most of a stage's text the progress line shows. */
#define WATCH_BAR		10
#define WATCH_STAGE_COLS	32

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
static volatile sig_atomic_t watch_drawn;

/* Replace *slot with a clean copy of s (or NULL). */
static void
watch_keep(char **slot, const char *s)
{
	free(*slot);
	*slot = s != NULL ? cli_clean(s, CLI_CLEAN_TABS) : NULL;
}

/*
 * Cut a UTF-8 string to at most cols characters (one column each; close
 * enough for a status line). Returns 1 if it was cut.
 */
static int
watch_fit(char *s, size_t cols)
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

/* On SIGINT or SIGTERM: end the progress line, then die of the signal as usual. */
static void
watch_signal(int sig)
{
	if (watch_drawn)
		(void)!write(STDOUT_FILENO, "\n", 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Catch the signals that end a watch, so a half-drawn line gets its newline. */
static void
watch_catch_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa, old;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = watch_signal;
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
watch_columns(void)
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
	if (watch_drawn) {
		fputs("\r\033[K", stdout);
		watch_drawn = 0;
	}
}

/* Leave the progress line on the terminal, ended, before benchctl finishes. */
void
watch_end(void)
{
	if (watch_drawn) {
		fputc('\n', stdout);
		watch_drawn = 0;
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
		done = (size_t)(w->runs_ended * WATCH_BAR / w->runs_total);
		if (done > WATCH_BAR)
			done = WATCH_BAR;
		fprintf(f, " [%.*s%.*s] %lld%%", (int)done, "##########",
		    (int)(WATCH_BAR - done), "----------",
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
	cols = watch_columns() - 1;
	used = cli_width(line) + cli_width(last) + strlen("  stage: ");
	room = cols > used ? cols - used : 0;
	if (room > WATCH_STAGE_COLS)
		room = WATCH_STAGE_COLS;
	stage = w->stage != NULL && room >= 8 ? xstrdup(w->stage) : NULL;
	if (stage != NULL && watch_fit(stage, room)) {
		watch_fit(stage, room - 3);
		strcat(stage, "...");	/* the cut freed at least three bytes */
	}
	if (cli_width(line) > cols)
		watch_fit(line, cols);
	else if (cli_width(line) + cli_width(last) > cols)
		watch_fit(last, cols - cli_width(line));
	printf("\r%s%s%s%s\033[K", line, stage != NULL ? "  stage: " : "",
	    stage != NULL ? stage : "", last);
	fflush(stdout);
	watch_drawn = 1;
	free(stage);
	free(line);
}

/*
 * Take what an event says of its run: condition, kind, id and seq (0 when it
 * has none), and the plan's counts of runs when it gives them.
 */
static void
watch_take_run(struct watch *w, json_t *ev)
{
	watch_keep(&w->condition, cli_jget_str(ev, "condition"));
	watch_keep(&w->kind, cli_jget_str(ev, "kind"));
	cli_jget_int(ev, "run_id", &w->run_id);
	if (!cli_jget_int(ev, "seq", &w->seq))
		w->seq = 0;
	cli_jget_int(ev, "runs_total", &w->runs_total);
	cli_jget_int(ev, "runs_ended", &w->runs_ended);
}

/* A run started: show which. */
static void
watch_run_started(struct watch *w, json_t *ev)
{
	char run[64], what[256];

	watch_take_run(w, ev);
	watch_keep(&w->stage, NULL);
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
	const char *text = cli_jget_str(ev, "text");
	long long run_id;
	double t_s;
	char run[64], *clean;

	if (text == NULL)
		return;
	/* A run this watch never saw start: take what the event says of it. */
	if (cli_jget_int(ev, "run_id", &run_id) && run_id != w->run_id)
		watch_take_run(w, ev);
	watch_keep(&w->stage, text);
	if (!w->tty) {
		watch_run_label(w, run, sizeof run);
		clean = cli_clean(text, CLI_CLEAN_TABS);
		if (cli_jget_real(ev, "t_s", &t_s))
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
	const char *state = cli_jget_str(ev, "state"), *error;
	char run[64], what[256], extra[64] = "", *clean = NULL;
	long long exit_code;
	double total_s = 0;
	int timed;

	watch_take_run(w, ev);
	watch_keep(&w->stage, NULL);
	watch_keep(&w->last_state, state != NULL ? state : "ended");
	if ((timed = cli_jget_real(ev, "total_s", &total_s))) {
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
	if (cli_jget_int(ev, "exit_code", &exit_code) && exit_code != 0)
		snprintf(extra, sizeof extra, " (exit %lld)", exit_code);
	if ((error = cli_jget_str(ev, "error")) != NULL && *error != '\0')
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
	const char *state = cli_jget_str(ev, "state"), *error;
	char *st, *clean = NULL, counts[96] = "";
	long long total = 0, ok = 0;
	int have_total, have_ok, good;

	st = cli_clean(state != NULL ? state : "finished", CLI_CLEAN_TABS);
	have_total = cli_jget_int(ev, "runs_total", &total);
	have_ok = cli_jget_int(ev, "runs_ok", &ok);
	if (have_total && have_ok)
		snprintf(counts, sizeof counts, ": %lld/%lld runs ok", ok, total);
	if ((error = cli_jget_str(ev, "error")) != NULL && *error != '\0')
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
int
watch_event(struct watch *w, json_t *ev)
{
	const char *event = cli_jget_str(ev, "event");
	long long plan_id = 0;
	int rc;

	cli_jget_int(ev, "plan_id", &plan_id);
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

/* Start a watch of one plan, or of every plan when plan_id is 0. */
struct watch *
watch_create(long long plan_id, int tty)
{
	struct watch *w = xcalloc(1, sizeof *w);

	w->plan_id = plan_id;
	w->tty = tty;
	watch_catch_signals();
	if (w->tty)
		watch_draw(w);
	return w;
}

/* End the progress line and free the watch. */
void
watch_free(struct watch *w)
{
	watch_end();
	watch_reset(w, 0);
	free(w);
}
