/* runs.c: "benchctl runs": one row per run of a plan, as a table, JSON or CSV. */
#include "runs.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "db.h"
#include "fmt.h"
#include "planref.h"
#include "xmalloc.h"

/* Kinds of column of the runs table. */
enum runs_col_type { RUNS_COL_INT, RUNS_COL_STR, RUNS_COL_PCT,
    RUNS_COL_SECONDS, RUNS_COL_MS, RUNS_COL_TIME };

/* One column of the runs table. */
struct runs_col {
	char			*name;
	enum runs_col_type	 type;
};

/*
 * The columns of "benchctl runs" for a plan; with whole, the plan's id and
 * name and the run's start follow (for CSV and JSON: rows that keep their
 * meaning once plans are put together). The caller frees them.
 */
static struct runs_col *
runs_cols(const struct db_plan *p, int whole, size_t *ncols)
{
	static const struct { const char *name; enum runs_col_type type; } fixed[] = {
		{ "run_id", RUNS_COL_INT }, { "seq", RUNS_COL_INT },
		{ "attempt", RUNS_COL_INT }, { "condition", RUNS_COL_STR },
		{ "kind", RUNS_COL_STR }, { "state", RUNS_COL_STR },
		{ "resident_before_pct", RUNS_COL_PCT },
	};
	size_t nfixed = sizeof fixed / sizeof fixed[0], n = 0;
	struct runs_col *cols;

	cols = xcalloc(nfixed + p->nstages + 6, sizeof *cols);
	for (size_t i = 0; i < nfixed; i++) {
		cols[n].name = xstrdup(fixed[i].name);
		cols[n++].type = fixed[i].type;
	}
	for (size_t i = 0; i < p->nstages; i++) {
		xasprintf(&cols[n].name, "%s_s", p->stages[i]);
		cols[n++].type = RUNS_COL_SECONDS;
	}
	cols[n].name = xstrdup("avg_latency_ms");
	cols[n++].type = RUNS_COL_MS;
	cols[n].name = xstrdup("major_faults");
	cols[n++].type = RUNS_COL_INT;
	cols[n].name = xstrdup("inblock");
	cols[n++].type = RUNS_COL_INT;
	if (whole) {
		cols[n].name = xstrdup("plan_id");
		cols[n++].type = RUNS_COL_INT;
		cols[n].name = xstrdup("plan_name");
		cols[n++].type = RUNS_COL_STR;
		cols[n].name = xstrdup("started_at");
		cols[n++].type = RUNS_COL_TIME;
	}
	*ncols = n;
	return cols;
}

/* Column k of run r: its string (NULL for a number) or its number (NaN when missing). */
static const char *
runs_cell(const struct db_plan *p, const struct db_run *r, size_t k, double *num)
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
	else if (k == nstages + 2)
		*num = r->inblock;
	else if (k == nstages + 3)
		*num = (double)p->id;
	else if (k == nstages + 4)
		return p->name;
	else
		*num = r->spawned_at;
	return NULL;
}

/* Print a CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180). */
static void
runs_csv_field(const char *s)
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
runs_fmt_cell(double v, enum runs_col_type type, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else if (type == RUNS_COL_INT)
		snprintf(buf, len, "%.0f", v);
	else if (type == RUNS_COL_PCT)
		snprintf(buf, len, "%.1f", v);
	else if (type == RUNS_COL_MS)
		snprintf(buf, len, "%.2f", v);
	else
		snprintf(buf, len, "%.3f", v);
}

/* Print the runs table as CSV, exact numbers, empty cells for missing values. */
static void
runs_csv(const struct db_plan *p, const struct runs_col *cols, size_t ncols)
{
	char buf[64];
	const char *s;
	double v;

	for (size_t k = 0; k < ncols; k++) {
		if (k > 0)
			putchar(',');
		runs_csv_field(cols[k].name);
	}
	fputs("\r\n", stdout);
	for (size_t i = 0; i < p->nruns; i++) {
		for (size_t k = 0; k < ncols; k++) {
			if (k > 0)
				putchar(',');
			if ((s = runs_cell(p, &p->runs[i], k, &v)) != NULL)
				runs_csv_field(s);
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
runs_json(const struct db_plan *p, const struct runs_col *cols, size_t ncols)
{
	json_t *a = cli_jcheck(json_array());
	const char *s;
	double v;

	for (size_t i = 0; i < p->nruns; i++) {
		json_t *o = cli_jcheck(json_object());

		for (size_t k = 0; k < ncols; k++) {
			if ((s = runs_cell(p, &p->runs[i], k, &v)) != NULL)
				cli_jset(o, cols[k].name, json_string(s));
			else if (cols[k].type == RUNS_COL_INT)
				cli_jset(o, cols[k].name, cli_jint(v));
			else
				cli_jset(o, cols[k].name, cli_jreal(v));
		}
		if (p->runs[i].error != NULL)
			cli_jset(o, "error", json_string(p->runs[i].error));
		cli_jappend(a, o);
	}
	cli_jprint(a);
}

/* Print the runs table aligned for a terminal; text left, numbers right. */
static void
runs_text(const struct db_plan *p, const struct runs_col *cols, size_t ncols)
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

			if ((s = runs_cell(p, &p->runs[i], k, &v)) != NULL)
				w = cli_width(s);
			else {
				runs_fmt_cell(v, cols[k].type, buf, sizeof buf);
				w = strlen(buf);
			}
			width[k] = w > width[k] ? w : width[k];
		}
	}
	for (size_t k = 0; k < ncols; k++) {
		if (k > 0)
			fputs("  ", stdout);
		if (cols[k].type == RUNS_COL_STR)
			cli_pad(cols[k].name, width[k]);
		else
			printf("%*s", (int)width[k], cols[k].name);
	}
	putchar('\n');
	for (size_t i = 0; i < p->nruns; i++) {
		for (size_t k = 0; k < ncols; k++) {
			if (k > 0)
				fputs("  ", stdout);
			if ((s = runs_cell(p, &p->runs[i], k, &v)) != NULL)
				cli_pad(s, width[k]);
			else {
				runs_fmt_cell(v, cols[k].type, buf, sizeof buf);
				printf("%*s", (int)width[k], buf);
			}
		}
		putchar('\n');
	}
	free(width);
}

/* "benchctl runs PLAN_ID": one row per run of the plan. */
static int
runs_exec(const struct benchctl_env *env, struct cmd_args *args)
{
	struct runs_col *cols;
	struct db_plan *plan;
	size_t ncols;
	int rc;

	if ((plan = planref_load_arg(env, args, 0, &rc)) == NULL)
		return rc;
	cols = runs_cols(plan, cmd_args_has(args, 'c') || cmd_args_has(args, 'j'), &ncols);
	if (cmd_args_has(args, 'c'))
		runs_csv(plan, cols, ncols);
	else if (cmd_args_has(args, 'j'))
		runs_json(plan, cols, ncols);
	else
		runs_text(plan, cols, ncols);
	for (size_t k = 0; k < ncols; k++)
		free(cols[k].name);
	free(cols);
	db_plan_free(plan);
	return 0;
}

/* "benchctl runs" in the command table. */
const struct cmd_entry runs_entry = {
	.name = "runs",
	.args = "[PLAN_ID] [--json|--csv]",
	.usage = "[PLAN_ID] [--json | --csv]",
	.about = "every run of a plan, one row each",
	.help = "One row per run of the plan, probe and warm-ups included, in the order they ran:\n"
	    "its state, how much of the footprint was cached before it (resident_before_pct),\n"
	    "each stage's duration in seconds (launch first, total last), avg_latency_ms,\n"
	    "major page faults and 512-byte blocks read; --csv and --json add plan_id,\n"
	    "plan_name and started_at (unix seconds), so the rows of several plans can be\n"
	    "put together. --csv is RFC 4180 with exact numbers and empty cells for\n"
	    "missing values (pandas.read_csv reads it as is).\n"
	    "Without PLAN_ID, the newest plan.\n",
	.longopts = (const struct option[]){
		{ "json", no_argument, NULL, 'j' },
		{ "csv", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 }
	},
	.max_args = 1,
	.exclusive = "jc",
	.flags = CMD_READS_DB,
	.exec = runs_exec,
};
