/* watch.c: the watch screen: benchd's events as one line per run, or on a terminal as one progress line redrawn in place. */
#include "watch.h"

#include <math.h>
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
#include "stagelog.h"
#include "targets.h"
#include "xmalloc.h"

/*
 * The progress bar's width; the most of a stage's text the progress line
 * shows, the room kept for it before the bar and the ETA, and the least it
 * is cut to before it is left out.
 */
#define WATCH_BAR		10
#define WATCH_STAGE_COLS	48
#define WATCH_STAGE_ROOM	32
#define WATCH_STAGE_MIN		16

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

	enum watch_level level;
	struct stagelog	*log;		/* the current run's stage lines, parsed */
	long long	 log_run;	/* the run they are of */
	double		 resident;	/* its footprint's share cached before it, NaN */
};

/* Set while a progress line without its newline is on the terminal. */
static volatile sig_atomic_t watch_drawn;

/* What a signal that ends the watch leaves on stderr: the watched plan goes on. */
static char watch_farewell[640];
static size_t watch_farewell_len;

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

/*
 * On SIGINT or SIGTERM: end the progress line, say the plan goes on in benchd
 * and how to stop it, then die of the signal as usual.
 */
static void
watch_signal(int sig)
{
	if (watch_drawn)
		(void)!write(STDOUT_FILENO, "\n", 1);
	if (watch_farewell_len > 0)
		(void)!write(STDERR_FILENO, watch_farewell, watch_farewell_len);
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
	stagelog_free(w->log);
	w->log = NULL;
	w->log_run = 0;
	w->resident = NAN;
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

/*
 * Redraw the progress line in place, cut to the terminal's width. When it is
 * too long, the last run goes first, then the ETA, then the bar (its
 * percentage stays), and only then is the stage's text cut: at 80 columns
 * the stage stays readable.
 */
static void
watch_draw(struct watch *w)
{
	FILE *f;
	char *head = NULL, *stage = NULL, run[64], bar[32] = "", pct[32] = "", eta[80] = "";
	char last[96] = "";
	size_t size = 0, done, cols, room, rest;
	long long left;
	int keep_last = 1, keep_eta = 1, keep_bar = 1;

	if ((f = open_memstream(&head, &size)) == NULL)
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
	if (fclose(f) != 0)
		fatal("open_memstream");
	if (w->runs_total > 0) {
		done = (size_t)(w->runs_ended * WATCH_BAR / w->runs_total);
		if (done > WATCH_BAR)
			done = WATCH_BAR;
		snprintf(bar, sizeof bar, " [%.*s%.*s]", (int)done, "##########",
		    (int)(WATCH_BAR - done), "----------");
		snprintf(pct, sizeof pct, " %lld%%",
		    (w->runs_ended * 100 + w->runs_total / 2) / w->runs_total);
		left = w->runs_total - w->runs_ended;
		if (w->nsum > 0 && left > 0) {
			fmt_span(w->sum_s / (double)w->nsum * (double)left, run, sizeof run);
			snprintf(eta, sizeof eta, "  ETA %s", run);
		}
	}
	if (w->last_state != NULL && w->last_timed)
		snprintf(last, sizeof last, "  last: %s %.2f s", w->last_state, w->last_s);
	else if (w->last_state != NULL)
		snprintf(last, sizeof last, "  last: %s", w->last_state);

	/*
	 * Stay one column short of the width so the terminal never wraps the
	 * line. What is kept is decided with WATCH_STAGE_ROOM columns set aside
	 * for the stage, whatever its text now, so that the bar and the ETA do
	 * not come and go with each stage.
	 */
	cols = watch_columns() - 1;
	for (;;) {
		size_t need = cli_width(head) + cli_width(pct) +
		    (keep_bar ? cli_width(bar) : 0) + (keep_eta ? cli_width(eta) : 0) +
		    (keep_last ? cli_width(last) : 0) + strlen("  stage: ") + WATCH_STAGE_ROOM;

		if (need <= cols)
			break;
		if (keep_last && *last != '\0')
			keep_last = 0;
		else if (keep_eta && *eta != '\0')
			keep_eta = 0;
		else if (keep_bar && *bar != '\0')
			keep_bar = 0;
		else
			break;
	}
	rest = cli_width(head) + cli_width(pct) + (keep_bar ? cli_width(bar) : 0) +
	    (keep_eta ? cli_width(eta) : 0) + (keep_last ? cli_width(last) : 0) +
	    strlen("  stage: ");
	room = cols > rest ? cols - rest : 0;
	if (room > WATCH_STAGE_COLS)
		room = WATCH_STAGE_COLS;
	if (w->stage != NULL && room >= WATCH_STAGE_MIN) {
		stage = xstrdup(w->stage);
		if (watch_fit(stage, room)) {
			watch_fit(stage, room - 3);
			strcat(stage, "...");	/* the cut freed at least three bytes */
		}
	}
	if (stage == NULL && cli_width(head) + cli_width(pct) > cols)
		watch_fit(head, cols > cli_width(pct) ? cols - cli_width(pct) : 0);
	printf("\r%s%s%s%s%s%s%s\033[K", head, keep_bar ? bar : "", pct, keep_eta ? eta : "",
	    stage != NULL ? "  stage: " : "", stage != NULL ? stage : "",
	    keep_last ? last : "");
	fflush(stdout);
	watch_drawn = 1;
	free(stage);
	free(head);
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

/* Start parsing the stage lines of run run_id afresh. */
static void
watch_log_start(struct watch *w, long long run_id)
{
	stagelog_free(w->log);
	w->log = stagelog_create();
	w->log_run = run_id;
}

/* A run started: note the cache before it; with WATCH_VERBOSE, say which started. */
static void
watch_run_started(struct watch *w, json_t *ev)
{
	char run[64], what[256];

	watch_take_run(w, ev);
	watch_keep(&w->stage, NULL);
	watch_log_start(w, w->run_id);
	if (!cli_jget_real(ev, "resident_before_pct", &w->resident))
		w->resident = NAN;
	if (w->level == WATCH_VERBOSE) {
		watch_run_label(w, run, sizeof run);
		watch_what(w, what, sizeof what);
		if (!isnan(w->resident))
			watch_line(w, 1, "%s%s started, %.1f%% cached before", run, what, w->resident);
		else
			watch_line(w, 1, "%s%s started", run, what);
	}
}

/* A run printed a stage line: keep it for the run's own line; with WATCH_VERBOSE, show it. */
static void
watch_stage(struct watch *w, json_t *ev)
{
	const char *text = cli_jget_str(ev, "text");
	long long run_id;
	double t_s;
	char run[64], *clean, *line;
	int timed;

	if (text == NULL)
		return;
	/* A run this watch never saw start: take what the event says of it. */
	if (cli_jget_int(ev, "run_id", &run_id) && run_id != w->run_id)
		watch_take_run(w, ev);
	if (w->log == NULL || w->log_run != w->run_id)
		watch_log_start(w, w->run_id);
	watch_keep(&w->stage, text);
	/* The line as the child printed it, for the parser: "[5.295s] Import Torch Done, ...". */
	if ((timed = cli_jget_real(ev, "t_s", &t_s))) {
		xasprintf(&line, "[%.*gs] %s\n", fmt_digits(t_s), t_s, text);
		stagelog_feed(w->log, line, strlen(line));
		free(line);
	}
	if (w->level == WATCH_VERBOSE) {
		watch_run_label(w, run, sizeof run);
		clean = cli_clean(text, CLI_CLEAN_TABS);
		if (timed)
			watch_line(w, 1, "%s stage at %.2f s: %s", run, t_s, clean);
		else
			watch_line(w, 1, "%s stage: %s", run, clean);
		free(clean);
	}
}

/*
 * The run's main stage, as its line shows it: import_torch when it printed
 * one (what benchd is for), else the first stage it printed; NULL for none.
 */
static const struct stagelog_stage *
watch_main_stage(struct watch *w)
{
	const struct stagelog_result *r;

	if (w->log == NULL || w->log_run != w->run_id)
		return NULL;
	stagelog_finish(w->log);
	r = stagelog_result(w->log);
	for (size_t i = 0; i < r->nstages; i++) {
		if (strcmp(r->stages[i].name, "import_torch") == 0)
			return &r->stages[i];
	}
	return r->nstages > 0 ? &r->stages[0] : NULL;
}

/* A plan with precision targets: where they stand after this run (targets.c), a line each. */
static void
watch_targets(struct watch *w, json_t *ev)
{
	char *lines = targets_lines(json_object_get(ev, "targets"), "  ", cli_jget_str(ev,
	    "condition")), *line, *next;

	for (line = lines; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		*next++ = '\0';
		watch_line(w, 1, "%s", line);
	}
	free(lines);
}

/*
 * A run finished: count it towards the ETA and give it its line: "run 3/14
 * cold measured ok: import_torch 5.30 s, total 5.42 s, 0.0% cached before";
 * on a terminal only a run that went wrong gets one (every run with
 * WATCH_VERBOSE).
 */
static void
watch_run_finished(struct watch *w, json_t *ev)
{
	const char *state = cli_jget_str(ev, "state"), *error;
	const struct stagelog_stage *main_stage;
	char run[64], what[256], extra[64] = "", *clean = NULL, *name;
	long long exit_code;
	double total_s = 0;
	int timed, ok = state != NULL && strcmp(state, "ok") == 0;
	FILE *f;
	size_t size = 0;
	char *body = NULL;

	watch_take_run(w, ev);
	watch_keep(&w->stage, NULL);
	watch_keep(&w->last_state, state != NULL ? state : "ended");
	if ((timed = cli_jget_real(ev, "total_s", &total_s))) {
		w->sum_s += total_s;
		w->nsum++;
	}
	w->last_s = total_s;
	w->last_timed = timed;

	if (w->level == WATCH_QUIET || (w->tty && ok && w->level != WATCH_VERBOSE)) {
		if (w->level != WATCH_QUIET)
			watch_targets(w, ev);
		return;
	}
	watch_run_label(w, run, sizeof run);
	watch_what(w, what, sizeof what);
	if (cli_jget_int(ev, "exit_code", &exit_code) && exit_code != 0)
		snprintf(extra, sizeof extra, " (exit %lld)", exit_code);
	if ((error = cli_jget_str(ev, "error")) != NULL && *error != '\0')
		clean = cli_clean(error, CLI_CLEAN_TABS);
	if ((f = open_memstream(&body, &size)) == NULL)
		fatal("open_memstream");
	if ((main_stage = watch_main_stage(w)) != NULL) {
		name = cli_clean(main_stage->name, CLI_CLEAN_TABS);
		fprintf(f, "%s %.2f s", name, main_stage->duration_s);
		free(name);
	}
	if (timed)
		fprintf(f, "%stotal %.2f s", ftell(f) > 0 ? ", " : "", total_s);
	if (!isnan(w->resident))
		fprintf(f, "%s%.1f%% cached before", ftell(f) > 0 ? ", " : "", w->resident);
	if (fclose(f) != 0)
		fatal("open_memstream");
	watch_line(w, 1, "%s%s %s%s%s%s%s%s", run, what, w->last_state, extra,
	    *body != '\0' ? ": " : "", body, clean != NULL ? ": " : "", clean != NULL ? clean : "");
	free(body);
	free(clean);
	watch_targets(w, ev);
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
	if (w->tty && w->level != WATCH_QUIET)
		watch_draw(w);
	return -1;
}

/*
 * Say on leaving the watch of plan_id that it goes on, and how to stop it:
 * on a device (host not NULL), with --host.
 */
static void
watch_farewell_set(long long plan_id, const char *host)
{
	int n = 0;

	if (plan_id != 0 && host == NULL)
		n = snprintf(watch_farewell, sizeof watch_farewell, "benchctl: plan %lld continues; "
		    "`benchctl cancel %lld` stops it\n", plan_id, plan_id);
	else if (plan_id != 0)
		n = snprintf(watch_farewell, sizeof watch_farewell, "benchctl: plan %lld continues on "
		    "%s; `benchctl --host %s cancel %lld` stops it\n", plan_id, host, host, plan_id);
	watch_farewell_len = n > 0 && (size_t)n < sizeof watch_farewell ? (size_t)n : 0;
}

/* The watched plan runs on a device: the farewell says so, and how to stop it there. */
void
watch_set_host(struct watch *w, const char *host)
{
	watch_farewell_set(w->plan_id, host);
}

/* Start a watch of one plan, or of every plan when plan_id is 0. */
struct watch *
watch_create(long long plan_id, int tty, enum watch_level level)
{
	struct watch *w = xcalloc(1, sizeof *w);

	w->plan_id = plan_id;
	w->tty = tty;
	w->level = level;
	w->resident = NAN;
	/* Leaving the watch stops nothing in benchd: say so, and how to stop the plan. */
	watch_farewell_set(plan_id, NULL);
	watch_catch_signals();
	if (w->tty && w->level != WATCH_QUIET)
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
