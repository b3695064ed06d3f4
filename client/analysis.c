/* analysis.c: benchctl plans, runs and summary: the plans, their runs, and what the runs show. */
#include "analysis.h"

#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "fmt.h"
#include "log.h"
#include "xmalloc.h"

static const char analysis_plans_usage[] = "usage: benchctl plans [--json]\n";
static const char analysis_runs_usage[] = "usage: benchctl runs PLAN_ID [--json | --csv]\n";
static const char analysis_summary_usage[] = "usage: benchctl summary PLAN_ID [--json]\n";

/* The runtime info lines the machine header names. */
static const char *analysis_info_keys[] = { "python", "torch", "platform" };

/* Print a string cleaned for the terminal. */
static void
analysis_puts(const char *s)
{
	char *clean = cli_clean(s, 0);

	fputs(clean, stdout);
	free(clean);
}

/* Print s left-aligned in a column of width characters. */
static void
analysis_pad(const char *s, size_t width)
{
	size_t w = cli_width(s);

	analysis_puts(s);
	for (; w < width; w++)
		putchar(' ');
}

/* A number as JSON: null when it does not exist (NaN). */
static json_t *
analysis_jreal(double v)
{
	if (isnan(v) || isinf(v))
		return json_null();
	return json_real(v);
}

/* A whole number stored as a double as JSON: an integer, null when NaN. */
static json_t *
analysis_jint(double v)
{
	if (isnan(v) || isinf(v))
		return json_null();
	return json_integer((json_int_t)v);
}

/* A string as JSON, null for NULL. */
static json_t *
analysis_jstr(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* Print a JSON value and a newline to stdout. */
static void
analysis_jprint(json_t *v)
{
	if (json_dumpf(v, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII) != 0)
		fatalx("cannot encode JSON");
	putchar('\n');
	json_decref(v);
}

/* Open env's database read-only and load plan id: 0, or 1 after printing why not. */
int
analysis_load(const struct benchctl_env *env, long long id, struct db **dbp,
    struct db_plan **planp)
{
	struct db *db;
	char *cause = NULL;
	int rc;

	if ((db = db_open(env->db, &cause)) == NULL) {
		cli_error("%s", cause);
		free(cause);
		return 1;
	}
	if ((rc = db_plan_load(db, id, planp, &cause)) != 1) {
		if (rc == 0)
			cli_error("no plan %lld in %s (\"benchctl plans\" lists them)",
			    id, env->db);
		else
			cli_error("%s", cause);
		free(cause);
		db_close(db);
		return 1;
	}
	*dbp = db;
	return 0;
}

/* The warnings for one condition and metric, one at a time; *iter starts at 0. */
const struct analysis_warning *
analysis_next_warning(const struct analysis *a, int cond, int metric, size_t *iter)
{
	while (*iter < a->nwarnings) {
		const struct analysis_warning *w = &a->warnings[(*iter)++];

		if (w->cond == cond && w->metric == metric)
			return w;
	}
	return NULL;
}

/* Add a warning; text is taken over. */
static struct analysis_warning *
analysis_warn(struct analysis *a, const char *kind, int cond, int metric, char *text)
{
	struct analysis_warning *w;

	a->warnings = xreallocarray(a->warnings, a->nwarnings + 1, sizeof *a->warnings);
	w = &a->warnings[a->nwarnings++];
	memset(w, 0, sizeof *w);
	w->kind = kind;
	w->cond = cond;
	w->metric = metric;
	w->text = text;
	return w;
}

/* Add a run id to a warning. */
static void
analysis_warn_run(struct analysis_warning *w, long long id)
{
	w->run_ids = xreallocarray(w->run_ids, w->nrun_ids + 1, sizeof *w->run_ids);
	w->run_ids[w->nrun_ids++] = id;
}

/* Append printf output to a growing string. */
static void __attribute__((format(printf, 2, 3)))
analysis_cat(char **s, const char *fmt, ...)
{
	va_list ap;
	char *more, *both;

	va_start(ap, fmt);
	xvasprintf(&more, fmt, ap);
	va_end(ap);
	xasprintf(&both, "%s%s", *s != NULL ? *s : "", more);
	free(*s);
	free(more);
	*s = both;
}

/* Whether run i is the latest attempt of its seq (earlier ones were interrupted). */
static int
analysis_latest(const struct db_plan *p, size_t i)
{
	return i + 1 == p->nruns || p->runs[i + 1].seq != p->runs[i].seq;
}

/* Index of a condition by name, or -1. */
static int
analysis_cond_index(const struct analysis *a, const char *name)
{
	for (size_t i = 0; i < a->nconds; i++) {
		if (strcmp(a->conds[i].name, name) == 0)
			return (int)i;
	}
	return -1;
}

/* A run's value of metric m: a stage's duration or avg_latency_ms. */
static double
analysis_value(const struct analysis *a, const struct db_run *r, size_t m)
{
	if (strcmp(a->units[m], "ms") == 0)
		return db_run_metric(r, a->metrics[m]);
	return db_run_stage(r, a->metrics[m]);
}

/* Count each condition's measured runs by state and collect the ok runs' values. */
static void
analysis_collect(struct analysis *a)
{
	const struct db_plan *p = a->plan;

	for (size_t i = 0; i < p->nruns; i++) {
		const struct db_run *r = &p->runs[i];
		struct analysis_cond *c;
		int ci;

		if (strcmp(r->kind, "measured") != 0 || !analysis_latest(p, i))
			continue;
		if ((ci = analysis_cond_index(a, r->condition)) == -1)
			continue;
		c = &a->conds[ci];
		c->measured++;
		a->measured_total++;
		if (strcmp(r->state, "failed") == 0)
			c->failed++;
		else if (strcmp(r->state, "timeout") == 0)
			c->timeout++;
		else if (strcmp(r->state, "ok") != 0)
			c->other++;
		if (strcmp(r->state, "ok") != 0)
			continue;
		c->ok++;
		a->measured_ok++;
		for (size_t m = 0; m < a->nmetrics; m++) {
			struct analysis_cell *cell = &c->cells[m];
			double v = analysis_value(a, r, m);

			if (isnan(v))
				continue;
			cell->values = xreallocarray(cell->values, cell->n + 1, sizeof *cell->values);
			cell->run_ids = xreallocarray(cell->run_ids, cell->n + 1,
			    sizeof *cell->run_ids);
			cell->values[cell->n] = v;
			cell->run_ids[cell->n++] = r->id;
		}
	}
}

/* Summarize every cell and flag its outliers. */
static void
analysis_summarize(struct analysis *a)
{
	for (size_t c = 0; c < a->nconds; c++) {
		for (size_t m = 0; m < a->nmetrics; m++) {
			struct analysis_cell *cell = &a->conds[c].cells[m];

			stats_summarize(cell->values, cell->n, &cell->s);
			cell->outlier = xcalloc(cell->n + 1, sizeof *cell->outlier);
			cell->noutliers = stats_outliers(cell->values, cell->n,
			    ANALYSIS_OUTLIER_MADS, cell->outlier);
		}
	}
}

/* Whether conditions i and j are already a pair. */
static int
analysis_paired(const struct analysis *a, size_t i, size_t j)
{
	for (size_t k = 0; k < a->npairs; k++) {
		if ((a->pairs[k].a == i && a->pairs[k].b == j) ||
		    (a->pairs[k].a == j && a->pairs[k].b == i))
			return 1;
	}
	return 0;
}

/* Compare conditions i and j on every metric. */
static void
analysis_pair_add(struct analysis *a, size_t i, size_t j)
{
	struct analysis_pair *pair;

	a->pairs = xreallocarray(a->pairs, a->npairs + 1, sizeof *a->pairs);
	pair = &a->pairs[a->npairs++];
	pair->a = i;
	pair->b = j;
	pair->cmp = xcalloc(a->nmetrics + 1, sizeof *pair->cmp);
	for (size_t m = 0; m < a->nmetrics; m++) {
		const struct analysis_cell *x = &a->conds[i].cells[m];
		const struct analysis_cell *y = &a->conds[j].cells[m];

		stats_compare(x->values, x->n, y->values, y->n, &pair->cmp[m]);
	}
}

/* Every cold condition against every warm one first, then the other pairs in plan order. */
static void
analysis_pairs(struct analysis *a)
{
	for (size_t i = 0; i < a->nconds; i++) {
		if (strcmp(a->conds[i].cache, "cold") != 0)
			continue;
		for (size_t j = 0; j < a->nconds; j++) {
			if (strcmp(a->conds[j].cache, "warm") == 0)
				analysis_pair_add(a, i, j);
		}
	}
	for (size_t i = 0; i < a->nconds; i++) {
		for (size_t j = i + 1; j < a->nconds; j++) {
			if (!analysis_paired(a, i, j))
				analysis_pair_add(a, i, j);
		}
	}
}

/* Warn about a plan that has not finished, or did not finish well. */
static void
analysis_warn_plan(struct analysis *a)
{
	const struct db_plan *p = a->plan;
	size_t done = 0, total = 0;
	char *text;

	for (size_t i = 0; i < p->nruns; i++) {
		if (!analysis_latest(p, i))
			continue;
		total++;
		if (strcmp(p->runs[i].state, "ok") == 0 ||
		    strcmp(p->runs[i].state, "failed") == 0 ||
		    strcmp(p->runs[i].state, "timeout") == 0)
			done++;
	}
	/*
	 * Files another program mapped when the probe ran are left out of the
	 * residency, and their mapped pages stay cached: when they are much of the
	 * footprint (someone else ran torch, say), cold runs may be partly warm
	 * while their residency reads near 0%.
	 */
	if (p->footprint_bytes > 0 && p->footprint_shared_bytes > 0.1 * p->footprint_bytes) {
		xasprintf(&text, "%.0f MiB of the footprint's %.0f MiB (%.0f%%) was mapped by other "
		    "programs when the probe ran: those pages cannot be evicted and are not counted in "
		    "the residency before each run, so cold runs may be partly warm; stop those "
		    "programs and submit the plan again", p->footprint_shared_bytes / 1048576.0,
		    p->footprint_bytes / 1048576.0,
		    100.0 * p->footprint_shared_bytes / p->footprint_bytes);
		analysis_warn(a, "shared_footprint", -1, -1, text);
	}
	if (strcmp(p->state, "queued") == 0 || strcmp(p->state, "running") == 0) {
		xasprintf(&text, "the plan is still %s: %zu of %zu runs done, these numbers "
		    "will change", p->state, done, total);
		analysis_warn(a, "unfinished", -1, -1, text);
	} else if (strcmp(p->state, "done") != 0) {
		xasprintf(&text, "the plan was %s after %zu of %zu runs%s%s", p->state, done,
		    total, p->error != NULL ? ": " : "", p->error != NULL ? p->error : "");
		analysis_warn(a, "unfinished", -1, -1, text);
	}
}

/* Warn when runs printed a different runtime (another python or torch) than the first. */
static void
analysis_warn_info(struct analysis *a)
{
	const struct db_plan *p = a->plan;
	struct analysis_warning *w = NULL;
	const char *first, *other;
	char *text = NULL;

	if (a->info_run == NULL)
		return;
	for (size_t i = 0; i < p->nruns; i++) {
		const struct db_run *r = &p->runs[i];

		if (r->ninfo == 0)
			continue;
		for (size_t k = 0; k < sizeof analysis_info_keys / sizeof analysis_info_keys[0];
		    k++) {
			first = db_run_info(a->info_run, analysis_info_keys[k]);
			other = db_run_info(r, analysis_info_keys[k]);
			if (first == NULL || other == NULL || strcmp(first, other) == 0)
				continue;
			if (w == NULL) {
				analysis_cat(&text, "runs differ in their runtime: run %lld has %s %s "
				    "(run %lld had %s)", r->id, analysis_info_keys[k], other,
				    a->info_run->id, first);
				w = analysis_warn(a, "info_differs", -1, -1, text);
			}
			analysis_warn_run(w, r->id);
			break;
		}
	}
}

/* Warn about a condition's left-out runs, few runs, and cold or warm runs that were not. */
static void
analysis_warn_cond(struct analysis *a, size_t ci)
{
	const struct analysis_cond *c = &a->conds[ci];
	const struct db_plan *p = a->plan;
	struct analysis_warning *w = NULL;
	char *text = NULL;
	int cold = strcmp(c->cache, "cold") == 0, warm = strcmp(c->cache, "warm") == 0;

	if (c->failed + c->timeout > 0) {
		xasprintf(&text, "%zu run%s left out:", c->failed + c->timeout,
		    fmt_plural(c->failed + c->timeout));
		w = analysis_warn(a, "left_out", (int)ci, -1, NULL);
		for (size_t i = 0; i < p->nruns; i++) {
			const struct db_run *r = &p->runs[i];

			if (strcmp(r->condition, c->name) != 0 || strcmp(r->kind, "measured") != 0 ||
			    !analysis_latest(p, i) || (strcmp(r->state, "failed") != 0 &&
			    strcmp(r->state, "timeout") != 0))
				continue;
			analysis_cat(&text, "%s run %lld %s", w->nrun_ids == 0 ? "" : ",", r->id,
			    strcmp(r->state, "failed") == 0 ? "failed" : "timed out");
			analysis_warn_run(w, r->id);
		}
		w->text = text;
		text = NULL;
	}
	if (c->ok < ANALYSIS_FEW_RUNS) {
		if (c->ok == 0)
			text = xstrdup("no ok runs (yet)");
		else {
			xasprintf(&text, "only %zu ok run%s (fewer than %d): too few to trust",
			    c->ok, fmt_plural(c->ok), ANALYSIS_FEW_RUNS);
		}
		analysis_warn(a, "few_runs", (int)ci, -1, text);
		text = NULL;
	}
	if (!cold && !warm)
		return;
	w = NULL;
	for (size_t i = 0; i < p->nruns; i++) {
		const struct db_run *r = &p->runs[i];
		double pct = r->resident_before_pct;

		if (strcmp(r->condition, c->name) != 0 || strcmp(r->kind, "measured") != 0 ||
		    strcmp(r->state, "ok") != 0 || isnan(pct))
			continue;
		if ((cold && pct <= ANALYSIS_COLD_MAX_PCT) ||
		    (warm && pct >= ANALYSIS_WARM_MIN_PCT))
			continue;
		if (w == NULL)
			w = analysis_warn(a, "resident", (int)ci, -1, NULL);
		analysis_cat(&text, "%s run %lld: %.1f%%", w->nrun_ids == 0 ? "" : ",", r->id,
		    pct);
		analysis_warn_run(w, r->id);
	}
	if (w != NULL) {
		xasprintf(&w->text, "%zu %s run%s started with %s%.0f%% of the footprint "
		    "cached: not really %s (%s)", w->nrun_ids, c->cache,
		    fmt_plural(w->nrun_ids), cold ? "more than " : "less than ",
		    cold ? ANALYSIS_COLD_MAX_PCT : ANALYSIS_WARM_MIN_PCT, c->cache, text + 1);
		free(text);
	}
}

/* Warn about each cell's outliers, naming the runs and their values. */
static void
analysis_warn_outliers(struct analysis *a, size_t ci)
{
	for (size_t m = 0; m < a->nmetrics; m++) {
		const struct analysis_cell *cell = &a->conds[ci].cells[m];
		struct analysis_warning *w;
		char *text = NULL, v[32];

		if (cell->noutliers == 0)
			continue;
		xasprintf(&text, "outlier%s (over %.0f MADs from the median):",
		    fmt_plural(cell->noutliers), ANALYSIS_OUTLIER_MADS);
		w = analysis_warn(a, "outliers", (int)ci, (int)m, NULL);
		for (size_t i = 0; i < cell->n; i++) {
			if (!cell->outlier[i])
				continue;
			fmt_value(cell->values[i], a->units[m], 0, v, sizeof v);
			analysis_cat(&text, "%s run %lld (%s)", w->nrun_ids == 0 ? "" : ",",
			    cell->run_ids[i], v);
			analysis_warn_run(w, cell->run_ids[i]);
		}
		w->text = text;
	}
}

/* Analyse a plan: cells, pairs and warnings. */
struct analysis *
analysis_create(const struct db_plan *p)
{
	struct analysis *a = xcalloc(1, sizeof *a);
	int latency = 0;

	a->plan = p;
	for (size_t i = 0; i < p->nruns && !latency; i++)
		latency = !isnan(db_run_metric(&p->runs[i], "avg_latency_ms"));
	a->nmetrics = p->nstages + (latency ? 1 : 0);
	a->metrics = xcalloc(a->nmetrics + 1, sizeof *a->metrics);
	a->units = xcalloc(a->nmetrics + 1, sizeof *a->units);
	for (size_t m = 0; m < p->nstages; m++) {
		a->metrics[m] = p->stages[m];
		a->units[m] = "s";
	}
	if (latency) {
		a->metrics[p->nstages] = "avg_latency_ms";
		a->units[p->nstages] = "ms";
	}

	a->nconds = p->nconditions;
	a->conds = xcalloc(a->nconds + 1, sizeof *a->conds);
	for (size_t c = 0; c < a->nconds; c++) {
		a->conds[c].name = p->conditions[c];
		a->conds[c].cache = "none";
		a->conds[c].cells = xcalloc(a->nmetrics + 1, sizeof *a->conds[c].cells);
		for (size_t i = 0; i < p->nruns; i++) {
			if (strcmp(p->runs[i].condition, p->conditions[c]) == 0) {
				a->conds[c].cache = p->runs[i].cache_policy;
				break;
			}
		}
	}
	for (size_t i = 0; i < p->nruns && a->info_run == NULL; i++) {
		if (p->runs[i].ninfo > 0)
			a->info_run = &p->runs[i];
	}

	analysis_collect(a);
	analysis_summarize(a);
	analysis_pairs(a);
	analysis_warn_plan(a);
	analysis_warn_info(a);
	for (size_t c = 0; c < a->nconds; c++) {
		analysis_warn_cond(a, c);
		analysis_warn_outliers(a, c);
	}
	return a;
}

/* Free an analysis (not its plan). */
void
analysis_free(struct analysis *a)
{
	if (a == NULL)
		return;
	for (size_t c = 0; c < a->nconds; c++) {
		for (size_t m = 0; m < a->nmetrics; m++) {
			free(a->conds[c].cells[m].values);
			free(a->conds[c].cells[m].run_ids);
			free(a->conds[c].cells[m].outlier);
		}
		free(a->conds[c].cells);
	}
	free(a->conds);
	for (size_t k = 0; k < a->npairs; k++)
		free(a->pairs[k].cmp);
	free(a->pairs);
	for (size_t w = 0; w < a->nwarnings; w++) {
		free(a->warnings[w].run_ids);
		free(a->warnings[w].text);
	}
	free(a->warnings);
	free(a->metrics);
	free(a->units);
	free(a);
}

/* "benchctl plans": every plan with its state and runs. */
int
analysis_plans(const struct benchctl_env *env, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct db_plan_row *rows;
	struct db *db;
	size_t nrows, wname = 4;
	char *cause = NULL, when[32], runs[48];
	int ch, json = 0;

	cli_getopt_start(argv, "benchctl plans");
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			json = 1;
			break;
		case 'h':
			return cli_usage(analysis_plans_usage,
			    "List every plan in the database (--db): its id, name, state, when it"
			    " was\nsubmitted (local time) and its runs ended (ok, failed or timed"
			    " out) of all.\n");
		default:
			return cli_usage(analysis_plans_usage, NULL);
		}
	}
	if (optind != argc)
		return cli_usage(analysis_plans_usage, NULL);

	if ((db = db_open(env->db, &cause)) == NULL ||
	    db_plans(db, &rows, &nrows, &cause) != 0) {
		cli_error("%s", cause);
		free(cause);
		db_close(db);
		return 1;
	}
	db_close(db);

	if (json) {
		json_t *a = cli_jcheck(json_array());

		for (size_t i = 0; i < nrows; i++) {
			json_t *o = cli_jcheck(json_object());

			fmt_time(rows[i].submitted_at, when, sizeof when);
			cli_jset(o, "id", json_integer(rows[i].id));
			cli_jset(o, "name", json_string(rows[i].name));
			cli_jset(o, "state", json_string(rows[i].state));
			cli_jset(o, "submitted_at", analysis_jreal(rows[i].submitted_at));
			cli_jset(o, "submitted", json_string(when));
			cli_jset(o, "runs_done", json_integer(rows[i].runs_done));
			cli_jset(o, "runs_ok", json_integer(rows[i].runs_ok));
			cli_jset(o, "runs_total", json_integer(rows[i].runs_total));
			cli_jappend(a, o);
		}
		analysis_jprint(a);
		db_plan_rows_free(rows, nrows);
		return 0;
	}
	if (nrows == 0) {
		printf("no plans in %s yet (\"benchctl submit PLAN.yaml\" queues one)\n",
		    env->db);
		db_plan_rows_free(rows, nrows);
		return 0;
	}
	for (size_t i = 0; i < nrows; i++)
		wname = cli_width(rows[i].name) > wname ? cli_width(rows[i].name) : wname;
	printf("%4s  ", "ID");
	analysis_pad("NAME", wname);
	printf("  %-9s  %-19s  %s\n", "STATE", "SUBMITTED", "RUNS DONE");
	for (size_t i = 0; i < nrows; i++) {
		fmt_time(rows[i].submitted_at, when, sizeof when);
		snprintf(runs, sizeof runs, "%lld/%lld", rows[i].runs_done, rows[i].runs_total);
		printf("%4lld  ", rows[i].id);
		analysis_pad(rows[i].name, wname);
		printf("  %-9s  %-19s  %s", rows[i].state, when, runs);
		if (rows[i].runs_done > rows[i].runs_ok) {
			printf(" (%lld not ok)", rows[i].runs_done - rows[i].runs_ok);
		}
		putchar('\n');
	}
	db_plan_rows_free(rows, nrows);
	return 0;
}

/* The runs table's output formats. */
enum analysis_format { ANALYSIS_TEXT, ANALYSIS_JSON, ANALYSIS_CSV };

/* Kinds of column of the runs table. */
enum analysis_col_type { ANALYSIS_COL_INT, ANALYSIS_COL_STR, ANALYSIS_COL_PCT,
    ANALYSIS_COL_SECONDS, ANALYSIS_COL_MS };

/* One column of the runs table. */
struct analysis_col {
	char			*name;
	enum analysis_col_type	 type;
};

/* The columns of "benchctl runs" for a plan; the caller frees them. */
static struct analysis_col *
analysis_run_cols(const struct db_plan *p, size_t *ncols)
{
	static const struct { const char *name; enum analysis_col_type type; } fixed[] = {
		{ "run_id", ANALYSIS_COL_INT }, { "seq", ANALYSIS_COL_INT },
		{ "attempt", ANALYSIS_COL_INT }, { "condition", ANALYSIS_COL_STR },
		{ "kind", ANALYSIS_COL_STR }, { "state", ANALYSIS_COL_STR },
		{ "resident_before_pct", ANALYSIS_COL_PCT },
	};
	size_t nfixed = sizeof fixed / sizeof fixed[0], n = 0;
	struct analysis_col *cols;

	cols = xcalloc(nfixed + p->nstages + 3, sizeof *cols);
	for (size_t i = 0; i < nfixed; i++) {
		cols[n].name = xstrdup(fixed[i].name);
		cols[n++].type = fixed[i].type;
	}
	for (size_t i = 0; i < p->nstages; i++) {
		xasprintf(&cols[n].name, "%s_s", p->stages[i]);
		cols[n++].type = ANALYSIS_COL_SECONDS;
	}
	cols[n].name = xstrdup("avg_latency_ms");
	cols[n++].type = ANALYSIS_COL_MS;
	cols[n].name = xstrdup("major_faults");
	cols[n++].type = ANALYSIS_COL_INT;
	cols[n].name = xstrdup("inblock");
	cols[n++].type = ANALYSIS_COL_INT;
	*ncols = n;
	return cols;
}

/* Column k of run r: its string (NULL for a number) or its number (NaN when missing). */
static const char *
analysis_run_cell(const struct db_plan *p, const struct db_run *r, size_t k, double *num)
{
	size_t nstages = p->nstages;

	*num = NAN;
	switch (k) {
	case 0:
		*num = (double)r->id;
		return NULL;
	case 1:
		*num = (double)r->seq;
		return NULL;
	case 2:
		*num = (double)r->attempt;
		return NULL;
	case 3:
		return r->condition;
	case 4:
		return r->kind;
	case 5:
		return r->state;
	case 6:
		*num = r->resident_before_pct;
		return NULL;
	}
	k -= 7;
	if (k < nstages)
		*num = db_run_stage(r, p->stages[k]);
	else if (k == nstages)
		*num = db_run_metric(r, "avg_latency_ms");
	else if (k == nstages + 1)
		*num = r->major_faults;
	else
		*num = r->inblock;
	return NULL;
}

/* Print a CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180). */
static void
analysis_csv_field(const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

/* Format a numeric cell of the runs table for people. */
static void
analysis_fmt_cell(double v, enum analysis_col_type type, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else if (type == ANALYSIS_COL_INT)
		snprintf(buf, len, "%.0f", v);
	else if (type == ANALYSIS_COL_PCT)
		snprintf(buf, len, "%.1f", v);
	else if (type == ANALYSIS_COL_MS)
		snprintf(buf, len, "%.2f", v);
	else
		snprintf(buf, len, "%.3f", v);
}

/* Print the runs table as CSV, exact numbers, empty cells for missing values. */
static void
analysis_runs_csv(const struct db_plan *p, const struct analysis_col *cols, size_t ncols)
{
	char buf[64];
	const char *s;
	double v;

	for (size_t k = 0; k < ncols; k++) {
		if (k > 0)
			putchar(',');
		analysis_csv_field(cols[k].name);
	}
	fputs("\r\n", stdout);
	for (size_t i = 0; i < p->nruns; i++) {
		for (size_t k = 0; k < ncols; k++) {
			if (k > 0)
				putchar(',');
			if ((s = analysis_run_cell(p, &p->runs[i], k, &v)) != NULL)
				analysis_csv_field(s);
			else if (!isnan(v)) {
				fmt_exact(v, buf, sizeof buf);
				fputs(buf, stdout);
			}
		}
		fputs("\r\n", stdout);
	}
}

/* Print the runs table as a JSON array of objects, one key per column. */
static void
analysis_runs_json(const struct db_plan *p, const struct analysis_col *cols, size_t ncols)
{
	json_t *a = cli_jcheck(json_array());
	const char *s;
	double v;

	for (size_t i = 0; i < p->nruns; i++) {
		json_t *o = cli_jcheck(json_object());

		for (size_t k = 0; k < ncols; k++) {
			if ((s = analysis_run_cell(p, &p->runs[i], k, &v)) != NULL)
				cli_jset(o, cols[k].name, json_string(s));
			else if (cols[k].type == ANALYSIS_COL_INT)
				cli_jset(o, cols[k].name, analysis_jint(v));
			else
				cli_jset(o, cols[k].name, analysis_jreal(v));
		}
		if (p->runs[i].error != NULL)
			cli_jset(o, "error", json_string(p->runs[i].error));
		cli_jappend(a, o);
	}
	analysis_jprint(a);
}

/* Print the runs table aligned for a terminal; text left, numbers right. */
static void
analysis_runs_text(const struct db_plan *p, const struct analysis_col *cols, size_t ncols)
{
	size_t *width = xcalloc(ncols, sizeof *width);
	const char *s;
	char buf[64];
	double v;

	for (size_t k = 0; k < ncols; k++)
		width[k] = strlen(cols[k].name);
	for (size_t i = 0; i < p->nruns; i++) {
		for (size_t k = 0; k < ncols; k++) {
			size_t w;

			if ((s = analysis_run_cell(p, &p->runs[i], k, &v)) != NULL)
				w = cli_width(s);
			else {
				analysis_fmt_cell(v, cols[k].type, buf, sizeof buf);
				w = strlen(buf);
			}
			width[k] = w > width[k] ? w : width[k];
		}
	}
	for (size_t k = 0; k < ncols; k++) {
		if (k > 0)
			fputs("  ", stdout);
		if (cols[k].type == ANALYSIS_COL_STR)
			analysis_pad(cols[k].name, width[k]);
		else
			printf("%*s", (int)width[k], cols[k].name);
	}
	putchar('\n');
	for (size_t i = 0; i < p->nruns; i++) {
		for (size_t k = 0; k < ncols; k++) {
			if (k > 0)
				fputs("  ", stdout);
			if ((s = analysis_run_cell(p, &p->runs[i], k, &v)) != NULL)
				analysis_pad(s, width[k]);
			else {
				analysis_fmt_cell(v, cols[k].type, buf, sizeof buf);
				printf("%*s", (int)width[k], buf);
			}
		}
		putchar('\n');
	}
	free(width);
}

/* "benchctl runs PLAN_ID": one row per run of the plan. */
int
analysis_runs(const struct benchctl_env *env, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "csv", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	enum analysis_format format = ANALYSIS_TEXT;
	struct analysis_col *cols;
	struct db_plan *plan;
	struct db *db;
	size_t ncols;
	long long id;
	int ch, nformats = 0;

	cli_getopt_start(argv, "benchctl runs");
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			format = ANALYSIS_JSON;
			nformats++;
			break;
		case 'c':
			format = ANALYSIS_CSV;
			nformats++;
			break;
		case 'h':
			return cli_usage(analysis_runs_usage,
			    "One row per run of the plan, probe and warm-ups included, in the"
			    " order they ran:\nits state, how much of the footprint was cached"
			    " before it (resident_before_pct),\neach stage's duration in seconds"
			    " (launch first, total last), avg_latency_ms,\nmajor page faults and"
			    " 512-byte blocks read. --csv is RFC 4180 with exact\nnumbers and"
			    " empty cells for missing values (pandas.read_csv reads it as is).\n");
		default:
			return cli_usage(analysis_runs_usage, NULL);
		}
	}
	if (nformats > 1) {
		cli_error("runs: --json and --csv are exclusive");
		return cli_usage(analysis_runs_usage, NULL);
	}
	if (argc - optind != 1)
		return cli_usage(analysis_runs_usage, NULL);
	if ((id = cli_plan_id(argv[optind])) == 0) {
		cli_error("runs: not a plan id: \"%s\"", argv[optind]);
		return cli_usage(analysis_runs_usage, NULL);
	}
	if (analysis_load(env, id, &db, &plan) != 0)
		return 1;
	cols = analysis_run_cols(plan, &ncols);
	if (format == ANALYSIS_CSV)
		analysis_runs_csv(plan, cols, ncols);
	else if (format == ANALYSIS_JSON)
		analysis_runs_json(plan, cols, ncols);
	else
		analysis_runs_text(plan, cols, ncols);
	for (size_t k = 0; k < ncols; k++)
		free(cols[k].name);
	free(cols);
	db_plan_free(plan);
	db_close(db);
	return 0;
}

/* One warning as JSON. */
static json_t *
analysis_json_warning(const struct analysis *a, const struct analysis_warning *w)
{
	json_t *o = cli_jcheck(json_object()), *ids = cli_jcheck(json_array());

	cli_jset(o, "kind", json_string(w->kind));
	cli_jset(o, "condition", w->cond >= 0 ?
	    json_string(a->conds[w->cond].name) : json_null());
	cli_jset(o, "metric", w->metric >= 0 ?
	    json_string(a->metrics[w->metric]) : json_null());
	for (size_t i = 0; i < w->nrun_ids; i++)
		cli_jappend(ids, json_integer(w->run_ids[i]));
	cli_jset(o, "run_ids", ids);
	cli_jset(o, "text", json_string(w->text));
	return o;
}

/* One cell's statistics as JSON. */
static json_t *
analysis_json_cell(const struct analysis *a, size_t m, const struct analysis_cell *cell)
{
	json_t *o = cli_jcheck(json_object()), *ci, *values, *outliers;

	cli_jset(o, "name", json_string(a->metrics[m]));
	cli_jset(o, "unit", json_string(a->units[m]));
	cli_jset(o, "n", json_integer((json_int_t)cell->s.n));
	cli_jset(o, "mean", analysis_jreal(cell->s.mean));
	cli_jset(o, "sd", analysis_jreal(cell->s.sd));
	cli_jset(o, "min", analysis_jreal(cell->s.min));
	cli_jset(o, "median", analysis_jreal(cell->s.median));
	cli_jset(o, "p90", analysis_jreal(cell->s.p90));
	cli_jset(o, "max", analysis_jreal(cell->s.max));
	if (cell->s.has_ci) {
		ci = cli_jcheck(json_object());
		cli_jset(ci, "lo", analysis_jreal(cell->s.ci_lo));
		cli_jset(ci, "hi", analysis_jreal(cell->s.ci_hi));
		cli_jset(ci, "coverage", analysis_jreal(cell->s.ci_coverage));
		cli_jset(ci, "rank", json_integer((json_int_t)cell->s.ci_rank));
		cli_jset(o, "median_ci", ci);
	} else
		cli_jset(o, "median_ci", json_null());
	values = cli_jcheck(json_array());
	outliers = cli_jcheck(json_array());
	for (size_t i = 0; i < cell->n; i++) {
		json_t *v = cli_jcheck(json_object());

		cli_jset(v, "run_id", json_integer(cell->run_ids[i]));
		cli_jset(v, "value", analysis_jreal(cell->values[i]));
		cli_jappend(values, v);
		if (cell->outlier[i])
			cli_jappend(outliers, json_integer(cell->run_ids[i]));
	}
	cli_jset(o, "values", values);
	cli_jset(o, "outliers", outliers);
	return o;
}

/* One comparison of one metric as JSON. */
static json_t *
analysis_json_compare(const struct analysis *a, size_t m, const struct stats_compare *c)
{
	json_t *o = cli_jcheck(json_object()), *ci;

	cli_jset(o, "name", json_string(a->metrics[m]));
	cli_jset(o, "unit", json_string(a->units[m]));
	cli_jset(o, "na", json_integer((json_int_t)c->na));
	cli_jset(o, "nb", json_integer((json_int_t)c->nb));
	cli_jset(o, "median_a", analysis_jreal(c->median_a));
	cli_jset(o, "median_b", analysis_jreal(c->median_b));
	cli_jset(o, "diff", analysis_jreal(c->diff));
	cli_jset(o, "rel", analysis_jreal(c->rel));
	cli_jset(o, "hl", analysis_jreal(c->hl));
	if (c->has_ci) {
		ci = cli_jcheck(json_object());
		cli_jset(ci, "lo", analysis_jreal(c->ci_lo));
		cli_jset(ci, "hi", analysis_jreal(c->ci_hi));
		cli_jset(ci, "coverage", analysis_jreal(c->ci_coverage));
		cli_jset(ci, "exact", json_boolean(c->ci_exact));
		cli_jset(o, "shift_ci", ci);
	} else
		cli_jset(o, "shift_ci", json_null());
	cli_jset(o, "u", analysis_jreal(c->u));
	cli_jset(o, "p", analysis_jreal(c->p));
	cli_jset(o, "p_exact", json_boolean(c->p_exact));
	return o;
}

/* The plan, machine and footprint parts of summary --json. */
static void
analysis_json_head(const struct analysis *a, json_t *top)
{
	const struct db_plan *p = a->plan;
	const struct db_run *first = p->nruns > 0 ? &p->runs[0] : NULL;
	json_t *plan = cli_jcheck(json_object()), *machine, *info, *fp;
	const char *governor = NULL;
	size_t total = 0;

	for (size_t i = 0; i < p->nruns; i++) {
		total += analysis_latest(p, i);
		if (governor == NULL)
			governor = p->runs[i].cpu_governor;
	}
	cli_jset(plan, "id", json_integer(p->id));
	cli_jset(plan, "name", json_string(p->name));
	cli_jset(plan, "state", json_string(p->state));
	cli_jset(plan, "submitted_at", analysis_jreal(p->submitted_at));
	cli_jset(plan, "finished_at", analysis_jreal(p->finished_at));
	cli_jset(plan, "error", analysis_jstr(p->error));
	cli_jset(plan, "source_path", json_string(p->source_path));
	cli_jset(plan, "runs_total", json_integer((json_int_t)total));
	cli_jset(plan, "measured_total", json_integer((json_int_t)a->measured_total));
	cli_jset(plan, "measured_ok", json_integer((json_int_t)a->measured_ok));
	cli_jset(top, "plan", plan);

	machine = cli_jcheck(json_object());
	info = cli_jcheck(json_object());
	for (size_t k = 0; k < sizeof analysis_info_keys / sizeof analysis_info_keys[0]; k++) {
		cli_jset(machine, analysis_info_keys[k], analysis_jstr(a->info_run != NULL ?
		    db_run_info(a->info_run, analysis_info_keys[k]) : NULL));
	}
	cli_jset(machine, "cpus", analysis_jstr(first != NULL ? first->cpus : NULL));
	cli_jset(machine, "governor", analysis_jstr(governor));
	for (size_t i = 0; a->info_run != NULL && i < a->info_run->ninfo; i++) {
		cli_jset(info, a->info_run->info[i].key,
		    json_string(a->info_run->info[i].value));
	}
	cli_jset(machine, "info", info);
	cli_jset(top, "machine", machine);

	fp = cli_jcheck(json_object());
	cli_jset(fp, "files", json_integer(p->footprint_files));
	cli_jset(fp, "shared", json_integer(p->footprint_shared));
	cli_jset(fp, "shared_bytes", analysis_jint(p->footprint_shared_bytes));
	cli_jset(fp, "bytes", analysis_jint(p->footprint_bytes));
	cli_jset(top, "footprint", fp);
}

/* Print summary --json. */
static void
analysis_summary_json(const struct analysis *a)
{
	json_t *top = cli_jcheck(json_object()), *conds, *pairs, *warnings;

	analysis_json_head(a, top);
	conds = cli_jcheck(json_array());
	for (size_t c = 0; c < a->nconds; c++) {
		const struct analysis_cond *cond = &a->conds[c];
		json_t *o = cli_jcheck(json_object()), *lo, *metrics;

		cli_jset(o, "name", json_string(cond->name));
		cli_jset(o, "cache", json_string(cond->cache));
		cli_jset(o, "measured", json_integer((json_int_t)cond->measured));
		cli_jset(o, "ok", json_integer((json_int_t)cond->ok));
		lo = cli_jcheck(json_object());
		cli_jset(lo, "failed", json_integer((json_int_t)cond->failed));
		cli_jset(lo, "timeout", json_integer((json_int_t)cond->timeout));
		cli_jset(lo, "other", json_integer((json_int_t)cond->other));
		cli_jset(o, "left_out", lo);
		metrics = cli_jcheck(json_array());
		for (size_t m = 0; m < a->nmetrics; m++)
			cli_jappend(metrics, analysis_json_cell(a, m, &cond->cells[m]));
		cli_jset(o, "metrics", metrics);
		cli_jappend(conds, o);
	}
	cli_jset(top, "conditions", conds);

	pairs = cli_jcheck(json_array());
	for (size_t k = 0; k < a->npairs; k++) {
		json_t *o = cli_jcheck(json_object()), *metrics;

		cli_jset(o, "a", json_string(a->conds[a->pairs[k].a].name));
		cli_jset(o, "b", json_string(a->conds[a->pairs[k].b].name));
		metrics = cli_jcheck(json_array());
		for (size_t m = 0; m < a->nmetrics; m++)
			cli_jappend(metrics, analysis_json_compare(a, m, &a->pairs[k].cmp[m]));
		cli_jset(o, "metrics", metrics);
		cli_jappend(pairs, o);
	}
	cli_jset(top, "comparisons", pairs);

	warnings = cli_jcheck(json_array());
	for (size_t w = 0; w < a->nwarnings; w++)
		cli_jappend(warnings, analysis_json_warning(a, &a->warnings[w]));
	cli_jset(top, "warnings", warnings);
	analysis_jprint(top);
}

/* Print the warnings of a condition and metric, each on its own line after indent. */
static void
analysis_print_warnings(const struct analysis *a, int cond, int metric, const char *indent,
    int named)
{
	const struct analysis_warning *w;
	size_t iter = 0;

	while ((w = analysis_next_warning(a, cond, metric, &iter)) != NULL) {
		printf("%s! ", indent);
		if (named && cond >= 0) {
			analysis_puts(a->conds[cond].name);
			fputs(": ", stdout);
		}
		analysis_puts(w->text);
		putchar('\n');
	}
}

/* The width of the metric names' column. */
static size_t
analysis_metric_width(const struct analysis *a)
{
	size_t w = 6;

	for (size_t m = 0; m < a->nmetrics; m++)
		w = cli_width(a->metrics[m]) > w ? cli_width(a->metrics[m]) : w;
	return w;
}

/* Print the summary's header: plan, runs, machine, footprint. */
static void
analysis_summary_head(const struct analysis *a)
{
	const struct db_plan *p = a->plan;
	const char *governor = NULL, *cpus = NULL, *v;
	size_t total = 0, probes = 0, warmups = 0;
	char when[32], buf[32];

	for (size_t i = 0; i < p->nruns; i++) {
		if (!analysis_latest(p, i))
			continue;
		total++;
		probes += strcmp(p->runs[i].kind, "probe") == 0;
		warmups += strcmp(p->runs[i].kind, "warmup") == 0;
		if (governor == NULL)
			governor = p->runs[i].cpu_governor;
		if (cpus == NULL)
			cpus = p->runs[i].cpus;
	}
	printf("plan %lld \"", p->id);
	analysis_puts(p->name);
	printf("\": %s; %zu of %zu measured runs ok (%zu run%s in all, with %zu probe%s and "
	    "%zu warm-up%s)\n", p->state, a->measured_ok, a->measured_total, total,
	    fmt_plural(total), probes, fmt_plural(probes), warmups,
	    fmt_plural(warmups));
	fmt_time(p->submitted_at, when, sizeof when);
	printf("submitted %s", when);
	if (!isnan(p->finished_at)) {
		fmt_span(p->finished_at - p->submitted_at, buf, sizeof buf);
		printf(", finished after %s", buf);
	}
	printf("; %s\n", p->source_path);
	fputs("machine: ", stdout);
	if (a->info_run == NULL)
		fputs("no runtime info printed", stdout);
	for (size_t k = 0, n = 0; a->info_run != NULL &&
	    k < sizeof analysis_info_keys / sizeof analysis_info_keys[0]; k++) {
		if ((v = db_run_info(a->info_run, analysis_info_keys[k])) == NULL)
			continue;
		printf("%s%s ", n++ > 0 ? ", " : "", analysis_info_keys[k]);
		analysis_puts(v);
	}
	printf("; cpus %s; governor %s\n", cpus != NULL ? cpus : "not pinned",
	    governor != NULL ? governor : "unknown");
	if (p->footprint_files > 0) {
		printf("footprint: %lld files, %.1f MiB (%lld files, %.1f MiB, mapped by other "
		    "programs: not counted in the residency)\n", p->footprint_files,
		    p->footprint_bytes / 1048576.0, p->footprint_shared,
		    p->footprint_shared_bytes / 1048576.0);
	}
	analysis_print_warnings(a, -1, -1, "", 0);
}

/* Print the comparisons: one line per metric of each pair, warnings after. */
static void
analysis_summary_pairs(const struct analysis *a)
{
	size_t wm = analysis_metric_width(a);
	char ma[32], mb[32], diff[160], p[32];

	for (size_t k = 0; k < a->npairs; k++) {
		const struct analysis_pair *pair = &a->pairs[k];
		const char *na = a->conds[pair->a].name, *nb = a->conds[pair->b].name;

		putchar('\n');
		analysis_puts(na);
		fputs(" vs ", stdout);
		analysis_puts(nb);
		puts(": medians, their difference, the 95% CI for the shift (Hodges-Lehmann/"
		    "Moses), Mann-Whitney p");
		for (size_t m = 0; m < a->nmetrics; m++) {
			const struct stats_compare *c = &pair->cmp[m];

			fmt_medians(c, a->units[m], ma, mb, sizeof ma);
			fmt_diff(c, a->units[m], 0, diff, sizeof diff);
			fmt_p(c->p, p, sizeof p);
			fputs("  ", stdout);
			analysis_pad(a->metrics[m], wm);
			fputs("  ", stdout);
			analysis_puts(na);
			printf(" %s vs ", ma);
			analysis_puts(nb);
			printf(" %s, %s, %s\n", mb, diff, p);
			analysis_print_warnings(a, (int)pair->a, (int)m, "    ", 1);
			analysis_print_warnings(a, (int)pair->b, (int)m, "    ", 1);
		}
		analysis_print_warnings(a, (int)pair->a, -1, "  ", 1);
		analysis_print_warnings(a, (int)pair->b, -1, "  ", 1);
	}
}

/* Print one condition's table: a row per metric, warnings beside the numbers. */
static void
analysis_summary_cond(const struct analysis *a, size_t ci)
{
	static const char *heads[] = { "mean", "sd", "min", "median", "p90", "max" };
	const struct analysis_cond *c = &a->conds[ci];
	size_t wm = analysis_metric_width(a);
	char buf[64], lo[32], hi[32];

	putchar('\n');
	analysis_puts(c->name);
	printf(" (cache %s): %zu of %zu measured run%s ok\n", c->cache, c->ok, c->measured,
	    fmt_plural(c->measured));
	fputs("  ", stdout);
	analysis_pad("metric", wm);
	printf("  %-4s  %3s", "unit", "n");
	for (size_t h = 0; h < sizeof heads / sizeof heads[0]; h++)
		printf("  %8s", heads[h]);
	printf("  %s\n", "95% CI of the median");
	for (size_t m = 0; m < a->nmetrics; m++) {
		const struct stats_summary *s = &c->cells[m].s;
		const double v[] = { s->mean, s->sd, s->min, s->median, s->p90, s->max };
		const char *shown;
		double factor;
		int decimals;

		fmt_scale(isnan(s->median) ? 0 : s->median, a->units[m], &factor, &shown,
		    &decimals);
		fputs("  ", stdout);
		analysis_pad(a->metrics[m], wm);
		printf("  %-4s  %3zu", shown, s->n);
		for (size_t h = 0; h < sizeof v / sizeof v[0]; h++) {
			fmt_scaled(v[h], factor, decimals, 0, buf, sizeof buf);
			printf("  %8s", buf);
		}
		if (s->n == 0)
			printf("  %s\n", "(no ok runs)");
		else if (!s->has_ci)
			printf("  %s\n", "n too small for a CI");
		else {
			fmt_scaled(s->ci_lo, factor, decimals, 0, lo, sizeof lo);
			fmt_scaled(s->ci_hi, factor, decimals, 0, hi, sizeof hi);
			printf("  [%s, %s]\n", lo, hi);
		}
		analysis_print_warnings(a, (int)ci, (int)m, "    ", 0);
	}
	analysis_print_warnings(a, (int)ci, -1, "  ", 0);
}

/* Print the summary for people: header, comparisons, then each condition. */
static void
analysis_summary_text(const struct analysis *a)
{
	analysis_summary_head(a);
	analysis_summary_pairs(a);
	for (size_t c = 0; c < a->nconds; c++)
		analysis_summary_cond(a, c);
}

/* "benchctl summary PLAN_ID": statistics of every stage, comparisons and warnings. */
int
analysis_summary(const struct benchctl_env *env, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct analysis *a;
	struct db_plan *plan;
	struct db *db;
	long long id;
	int ch, json = 0;

	cli_getopt_start(argv, "benchctl summary");
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			json = 1;
			break;
		case 'h':
			return cli_usage(analysis_summary_usage,
			    "For each condition and stage, over the measured runs that ended ok:"
			    " n, mean, sd,\nmin, median, p90, max and the 95% CI of the median."
			    " Then each pair of\nconditions (cold against warm first): the medians,"
			    " their difference, the 95%\nCI for the shift (Hodges-Lehmann/Moses)"
			    " and the Mann-Whitney p-value, with\nwarnings beside the numbers they"
			    " concern: cold runs that were not cold, warm\nruns that were not warm,"
			    " outliers, runs left out, too few runs.\n");
		default:
			return cli_usage(analysis_summary_usage, NULL);
		}
	}
	if (argc - optind != 1)
		return cli_usage(analysis_summary_usage, NULL);
	if ((id = cli_plan_id(argv[optind])) == 0) {
		cli_error("summary: not a plan id: \"%s\"", argv[optind]);
		return cli_usage(analysis_summary_usage, NULL);
	}
	if (analysis_load(env, id, &db, &plan) != 0)
		return 1;
	a = analysis_create(plan);
	if (json)
		analysis_summary_json(a);
	else
		analysis_summary_text(a);
	analysis_free(a);
	db_plan_free(plan);
	db_close(db);
	return 0;
}
