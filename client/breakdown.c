/*
 * breakdown.c: where a cold start's time goes, as benchctl summary says it: the
 * warming curve of a plan's sequences, what its cold runs read from disk file by
 * file, and the modules whose import costs most more cold than warm; text and JSON.
 */
#include "breakdown.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fmt.h"
#include "modules.h"
#include "warming.h"
#include "xmalloc.h"

#define BREAKDOWN_FILES_MAX	8	/* files named for what a cold run read */
#define BREAKDOWN_FILES_SHARE	0.9	/* ... or fewer, once they make up this much of it */
#define BREAKDOWN_MODULES_MAX	10	/* modules named */
#define BREAKDOWN_COL		20	/* a position's column */
#define PLAN_POSITIONS_MAX	21	/* then: 20 at most, and the cold run */

/* Bytes for people: "312 MiB", "2.1 MiB", "512 KiB", "0 B". */
static void
breakdown_bytes(double b, char *buf, size_t len)
{
	if (isnan(b))
		snprintf(buf, len, "-");
	else if (b >= 100 * 1048576.0)
		snprintf(buf, len, "%.0f MiB", b / 1048576.0);
	else if (b >= 1048576.0)
		snprintf(buf, len, "%.1f MiB", b / 1048576.0);
	else if (b >= 1024)
		snprintf(buf, len, "%.0f KiB", b / 1024.0);
	else
		snprintf(buf, len, "%.0f B", b);
}

/* The file name of a path (its last part). */
static const char *
breakdown_base(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

/* A median "5.30 [5.10, 5.41]" in one unit, or its value alone when there is no interval. */
static void
breakdown_median(const struct stats_summary *s, double factor, int decimals, char *buf, size_t len)
{
	char m[24], lo[24], hi[24];

	fmt_scaled(s->median, factor, decimals, 0, m, sizeof m);
	if (!s->has_ci) {
		snprintf(buf, len, "%.23s", s->n > 0 ? m : "-");
		return;
	}
	fmt_scaled(s->ci_lo, factor, decimals, 0, lo, sizeof lo);
	fmt_scaled(s->ci_hi, factor, decimals, 0, hi, sizeof hi);
	snprintf(buf, len, "%.23s [%.23s, %.23s]", m, lo, hi);
}

/* Add one cell to a row of positions: padded to the column, but for the last. */
static void
breakdown_cell(char *row, size_t len, const char *text, int last)
{
	size_t at = strlen(row);

	if (last)
		snprintf(row + at, len - at, "  %s", text);
	else
		snprintf(row + at, len - at, "  %-*s", BREAKDOWN_COL - 2, text);
}

/* Print the warming curves of one condition: a row per stage, a column per position. */
static void
breakdown_curve_text(const struct warming *w, size_t first, size_t last)
{
	const struct analysis *a = w->a;
	const struct warming_curve *c0 = &w->curves[first];
	size_t wm = 13;
	char buf[96], row[BREAKDOWN_COL * (PLAN_POSITIONS_MAX + 1) + 64];

	for (size_t k = first; k < last; k++)
		wm = strlen(a->metrics[w->curves[k].metric]) > wm ?
		    strlen(a->metrics[w->curves[k].metric]) : wm;
	printf("\nwarming curve of ");
	cli_puts(a->conds[c0->cond].name);
	printf(" (then: %zu), median and 95%% CI at each position", c0->npoints - 1);
	if (w->warm >= 0) {
		fputs(", against ", stdout);
		cli_puts(a->conds[w->warm].name);
	}
	printf(":\n  ");
	cli_pad("position", wm);
	*row = '\0';
	for (size_t p = 0; p < c0->npoints; p++) {
		snprintf(buf, sizeof buf, p == 0 ? "%zu (cold)" : "%zu", p);
		breakdown_cell(row, sizeof row, buf, p + 1 == c0->npoints);
	}
	printf("%s\n  ", row);
	cli_pad("cached before", wm);
	*row = '\0';
	for (size_t p = 0; p < c0->npoints; p++) {
		snprintf(buf, sizeof buf, "%.1f%%", c0->points[p].resident_before);
		breakdown_cell(row, sizeof row, isnan(c0->points[p].resident_before) ? "-" : buf,
		    p + 1 == c0->npoints);
	}
	printf("%s\n  ", row);
	cli_pad("read in", wm);
	*row = '\0';
	for (size_t p = 0; p < c0->npoints; p++) {
		breakdown_bytes(c0->points[p].read_in_bytes, buf, sizeof buf);
		breakdown_cell(row, sizeof row, buf, p + 1 == c0->npoints);
	}
	printf("%s\n", row);
	for (size_t k = first; k < last; k++) {
		const struct warming_curve *c = &w->curves[k];
		const char *shown;
		double factor;
		int decimals;

		fmt_scale(isnan(c->points[0].s.median) ? 0 : c->points[0].s.median,
		    a->units[c->metric], &factor, &shown, &decimals);
		fputs("  ", stdout);
		cli_pad(a->metrics[c->metric], wm);
		*row = '\0';
		for (size_t p = 0; p < c->npoints; p++) {
			breakdown_median(&c->points[p].s, factor, decimals, buf, sizeof buf);
			breakdown_cell(row, sizeof row, buf, 0);
		}
		printf("%s  %s\n", row, shown);
	}
	for (size_t k = first; k < last && w->warm >= 0; k++) {
		const struct warming_curve *c = &w->curves[k];
		char shift[64], ci[64];

		int short_ci = 0;

		fputs("  ", stdout);
		cli_puts(a->metrics[c->metric]);
		for (size_t p = 0; p < c->npoints; p++)
			short_ci |= !c->points[p].shift.has_ci;
		if (c->warm_from < 0 && short_ci) {
			printf(": too few runs at some positions for an interval against warm\n");
			continue;
		}
		if (c->warm_from < 0) {
			printf(" is not as warm at any position (up to %zu)\n", c->npoints - 1);
			continue;
		}
		fmt_shift(&c->points[c->warm_from].shift, a->units[c->metric], shift, ci,
		    sizeof shift);
		printf(" is as warm from position %d on (its shift against warm there: %s, 95%% CI "
		    "%s)\n", c->warm_from, shift, ci);
	}
}

/* The median of some runs' field; NaN for none. */
static double
breakdown_runs_median(const struct db_plan *p, const char *cond, int position, size_t field)
{
	double *v = xcalloc(p->nruns + 1, sizeof *v);
	struct stats_summary s;
	size_t n = 0;

	for (size_t i = 0; i < p->nruns; i++) {
		const struct db_run *r = &p->runs[i];
		double x;

		if (strcmp(r->condition, cond) != 0 || strcmp(r->kind, "measured") != 0 ||
		    strcmp(r->state, "ok") != 0 || !analysis_latest(p, i) ||
		    (position >= 0 ? !(r->position == position) : !isnan(r->position)))
			continue;
		x = field == 0 ? r->read_in_bytes : field == 1 ? r->footprint_bytes :
		    field == 2 ? r->major_faults : r->inblock;
		if (!isnan(x))
			v[n++] = x;
	}
	stats_summarize(v, n, &s);
	free(v);
	return s.median;
}

/* The cold conditions' read-in tallies: the condition and position (0 in a sequence, else -1). */
static int
breakdown_cold_position(const struct analysis *a, size_t c)
{
	const struct db_plan *p = a->plan;

	for (size_t i = 0; i < p->nruns; i++) {
		if (strcmp(p->runs[i].condition, a->conds[c].name) == 0 && p->runs[i].position >= 0)
			return 0;
	}
	return -1;
}

/* Print what a cold condition's runs read from disk, file by file. */
static void
breakdown_read_text(const struct analysis *a, size_t c)
{
	const struct db_plan *p = a->plan;
	int pos = breakdown_cold_position(a, c);
	double read = breakdown_runs_median(p, a->conds[c].name, pos, 0);
	double fp = breakdown_runs_median(p, a->conds[c].name, pos, 1);
	double faults = breakdown_runs_median(p, a->conds[c].name, pos, 2);
	double blocks = breakdown_runs_median(p, a->conds[c].name, pos, 3);
	double named = 0;
	char b1[32], b2[32];
	size_t shown = 0;

	if (isnan(read))
		return;
	breakdown_bytes(read, b1, sizeof b1);
	breakdown_bytes(fp, b2, sizeof b2);
	printf("\nread from disk: a ");
	cli_puts(a->conds[c].name);
	printf(" run read %s of the %s footprint (median; %.0f major faults, %.0f MiB of blocks "
	    "read)", b1, b2, faults, blocks * 512 / 1048576.0);
	for (size_t i = 0; i < p->nreads && shown < BREAKDOWN_FILES_MAX; i++) {
		const struct db_read_in *x = &p->reads[i];
		double per = x->bytes / (x->runs > 0 ? (double)x->runs : 1);

		if (strcmp(x->condition, a->conds[c].name) != 0 || x->position != pos)
			continue;
		if (read > 0 && named >= BREAKDOWN_FILES_SHARE * read)
			break;
		breakdown_bytes(per, b1, sizeof b1);
		printf("%s", shown++ == 0 ? ":\n  " : ", ");
		cli_puts(breakdown_base(x->path));
		printf(" %s", b1);
		named += per;
	}
	putchar('\n');
}

/* Print the modules whose import costs most more cold than warm. */
static void
breakdown_modules_text(const struct modules *m)
{
	size_t wm = 6;

	for (size_t i = 0; i < m->nrows && i < BREAKDOWN_MODULES_MAX; i++)
		wm = strlen(m->rows[i].module) > wm ? strlen(m->rows[i].module) : wm;
	printf("\nimport time by module, ");
	cli_puts(m->cold);
	printf(" (%zu importtime run%s) against ", m->cold_runs, fmt_plural(m->cold_runs));
	cli_puts(m->warm);
	printf(" (%zu), medians: the modules that cost most more cold\n", m->warm_runs);
	for (size_t i = 0; i < m->nrows && i < BREAKDOWN_MODULES_MAX; i++) {
		const struct modules_row *r = &m->rows[i];
		char v1[32], v2[32], v3[32], v4[32], v5[32];

		if (r->diff_us <= 0)
			break;
		fputs("  ", stdout);
		cli_pad(r->module, wm);
		fmt_value(r->cold_self_us / 1e6, "s", 0, v1, sizeof v1);
		fmt_value(r->warm_self_us / 1e6, "s", 0, v2, sizeof v2);
		fmt_value(r->diff_us / 1e6, "s", 1, v3, sizeof v3);
		fmt_value(r->cold_cumulative_us / 1e6, "s", 0, v4, sizeof v4);
		fmt_value(r->warm_cumulative_us / 1e6, "s", 0, v5, sizeof v5);
		printf("  cold %s vs warm %s, %s (with what it imports: %s vs %s)\n", v1, v2, v3, v4,
		    v5);
	}
}

/* Print the breakdown after the summary's tables. */
void
breakdown_text(const struct analysis *a)
{
	struct warming *w = warming_create(a);
	struct modules *m = modules_create(a->plan);

	for (size_t k = 0; w != NULL && k < w->ncurves;) {
		size_t last = k;

		while (last < w->ncurves && w->curves[last].cond == w->curves[k].cond)
			last++;
		breakdown_curve_text(w, k, last);
		k = last;
	}
	for (size_t c = 0; c < a->nconds; c++) {
		if (strcmp(a->conds[c].cache, "cold") == 0)
			breakdown_read_text(a, c);
	}
	if (m != NULL)
		breakdown_modules_text(m);
	modules_free(m);
	warming_free(w);
}

/* The JSON of one stats summary's median and interval. */
static json_t *
breakdown_json_median(const struct stats_summary *s)
{
	json_t *o = cli_jcheck(json_object());

	cli_jset(o, "n", json_integer((json_int_t)s->n));
	cli_jset(o, "median", cli_jreal(s->median));
	cli_jset(o, "ci_lo", cli_jreal(s->has_ci ? s->ci_lo : NAN));
	cli_jset(o, "ci_hi", cli_jreal(s->has_ci ? s->ci_hi : NAN));
	return o;
}

/* Add the breakdown to summary --json: "warming", "read_in", "modules". */
void
breakdown_json(const struct analysis *a, json_t *top)
{
	struct warming *w = warming_create(a);
	struct modules *m = modules_create(a->plan);
	json_t *curves = cli_jcheck(json_array()), *reads = cli_jcheck(json_array()), *mods;
	const struct db_plan *p = a->plan;

	for (size_t k = 0; w != NULL && k < w->ncurves; k++) {
		const struct warming_curve *c = &w->curves[k];
		json_t *o = cli_jcheck(json_object()), *points = cli_jcheck(json_array());

		cli_jset(o, "condition", json_string(a->conds[c->cond].name));
		cli_jset(o, "metric", json_string(a->metrics[c->metric]));
		cli_jset(o, "unit", json_string(a->units[c->metric]));
		cli_jset(o, "against", w->warm >= 0 ? json_string(a->conds[w->warm].name) :
		    json_null());
		cli_jset(o, "warm_from", c->warm_from >= 0 ? json_integer(c->warm_from) :
		    json_null());
		for (size_t i = 0; i < c->npoints; i++) {
			const struct warming_point *pt = &c->points[i];
			json_t *q = breakdown_json_median(&pt->s), *sh;

			cli_jset(q, "position", json_integer(pt->position));
			cli_jset(q, "resident_before_pct", cli_jreal(pt->resident_before));
			cli_jset(q, "read_in_bytes", cli_jint(pt->read_in_bytes));
			if (pt->has_shift) {
				sh = cli_jcheck(json_object());
				cli_jset(sh, "hl", cli_jreal(pt->shift.hl));
				cli_jset(sh, "lo", cli_jreal(pt->shift.has_ci ? pt->shift.ci_lo : NAN));
				cli_jset(sh, "hi", cli_jreal(pt->shift.has_ci ? pt->shift.ci_hi : NAN));
				cli_jset(q, "shift", sh);
			} else
				cli_jset(q, "shift", json_null());
			cli_jappend(points, q);
		}
		cli_jset(o, "points", points);
		cli_jappend(curves, o);
	}
	cli_jset(top, "warming", curves);

	for (size_t c = 0; c < a->nconds; c++) {
		int pos = breakdown_cold_position(a, c);
		json_t *o, *files;

		if (strcmp(a->conds[c].cache, "cold") != 0 ||
		    isnan(breakdown_runs_median(p, a->conds[c].name, pos, 0)))
			continue;
		o = cli_jcheck(json_object());
		files = cli_jcheck(json_array());
		cli_jset(o, "condition", json_string(a->conds[c].name));
		cli_jset(o, "position", pos >= 0 ? json_integer(pos) : json_null());
		cli_jset(o, "median_bytes", cli_jint(breakdown_runs_median(p, a->conds[c].name,
		    pos, 0)));
		cli_jset(o, "footprint_bytes", cli_jint(breakdown_runs_median(p, a->conds[c].name,
		    pos, 1)));
		cli_jset(o, "major_faults", cli_jreal(breakdown_runs_median(p, a->conds[c].name,
		    pos, 2)));
		cli_jset(o, "inblock", cli_jreal(breakdown_runs_median(p, a->conds[c].name, pos, 3)));
		for (size_t i = 0; i < p->nreads; i++) {
			const struct db_read_in *x = &p->reads[i];
			json_t *f;

			if (strcmp(x->condition, a->conds[c].name) != 0 || x->position != pos)
				continue;
			f = cli_jcheck(json_object());
			cli_jset(f, "path", json_string(x->path));
			cli_jset(f, "runs", json_integer(x->runs));
			cli_jset(f, "bytes_per_run", cli_jreal(x->bytes / (x->runs > 0 ? x->runs : 1)));
			cli_jappend(files, f);
		}
		cli_jset(o, "files", files);
		cli_jappend(reads, o);
	}
	cli_jset(top, "read_in", reads);

	if (m == NULL)
		mods = json_null();
	else {
		json_t *rows = cli_jcheck(json_array());

		mods = cli_jcheck(json_object());
		cli_jset(mods, "cold", json_string(m->cold));
		cli_jset(mods, "warm", json_string(m->warm));
		cli_jset(mods, "cold_runs", json_integer((json_int_t)m->cold_runs));
		cli_jset(mods, "warm_runs", json_integer((json_int_t)m->warm_runs));
		for (size_t i = 0; i < m->nrows; i++) {
			json_t *r = cli_jcheck(json_object());

			cli_jset(r, "module", json_string(m->rows[i].module));
			cli_jset(r, "cold_self_us", cli_jreal(m->rows[i].cold_self_us));
			cli_jset(r, "warm_self_us", cli_jreal(m->rows[i].warm_self_us));
			cli_jset(r, "cold_cumulative_us", cli_jreal(m->rows[i].cold_cumulative_us));
			cli_jset(r, "warm_cumulative_us", cli_jreal(m->rows[i].warm_cumulative_us));
			cli_jappend(rows, r);
		}
		cli_jset(mods, "rows", rows);
	}
	cli_jset(top, "modules", mods);
	modules_free(m);
	warming_free(w);
}
