/* warming.c: the warming curve of a plan's sequences, position by position, against warm (pure). */
#include "warming.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

/* The median of the values a run field takes over some runs (NaN for none). */
static double
warming_median(const double *v, size_t n)
{
	struct stats_summary s;

	stats_summarize(v, n, &s);
	return s.median;
}

/* The highest position among a condition's measured runs, or -1 when it has no sequences. */
static int
warming_positions(const struct db_plan *p, const char *cond)
{
	int top = -1;

	for (size_t i = 0; i < p->nruns; i++) {
		const struct db_run *r = &p->runs[i];

		if (strcmp(r->condition, cond) == 0 && strcmp(r->kind, "measured") == 0 &&
		    r->position >= 0 && (int)r->position > top)
			top = (int)r->position;
	}
	return top;
}

/* Fill one position of a curve from the plan's runs. */
static void
warming_point(const struct warming *w, struct warming_curve *c, struct warming_point *pt)
{
	const struct analysis *a = w->a;
	const struct db_plan *p = a->plan;
	const char *cond = a->conds[c->cond].name;
	double *res = xcalloc(p->nruns + 1, sizeof *res), *rd = xcalloc(p->nruns + 1, sizeof *rd);
	size_t nres = 0, nrd = 0;

	pt->values = xcalloc(p->nruns + 1, sizeof *pt->values);
	for (size_t i = 0; i < p->nruns; i++) {
		const struct db_run *r = &p->runs[i];
		double v;

		if (strcmp(r->condition, cond) != 0 || strcmp(r->kind, "measured") != 0 ||
		    !analysis_latest(p, i) || strcmp(r->state, "ok") != 0 ||
		    !(r->position == pt->position))
			continue;
		if (!isnan(r->resident_before_pct))
			res[nres++] = r->resident_before_pct;
		if (!isnan(r->read_in_bytes))
			rd[nrd++] = r->read_in_bytes;
		v = strcmp(a->units[c->metric], "ms") == 0 ?
		    db_run_metric(r, a->metrics[c->metric]) : db_run_stage(r, a->metrics[c->metric]);
		if (!isnan(v))
			pt->values[pt->n++] = v;
	}
	stats_summarize(pt->values, pt->n, &pt->s);
	pt->resident_before = warming_median(res, nres);
	pt->read_in_bytes = warming_median(rd, nrd);
	if (w->warm >= 0) {
		const struct analysis_cell *warm = &a->conds[w->warm].cells[c->metric];

		stats_compare(pt->values, pt->n, warm->values, warm->n, &pt->shift);
		pt->has_shift = 1;
	}
	free(res);
	free(rd);
}

/* The curves of every condition with sequences, metric by metric. */
struct warming *
warming_create(const struct analysis *a)
{
	struct warming *w = xcalloc(1, sizeof *w);

	w->a = a;
	w->warm = -1;
	for (size_t c = 0; c < a->nconds && w->warm < 0; c++) {
		if (strcmp(a->conds[c].cache, "warm") == 0)
			w->warm = (int)c;
	}
	for (size_t c = 0; c < a->nconds; c++) {
		int top = warming_positions(a->plan, a->conds[c].name);

		if (top < 0)
			continue;
		for (size_t m = 0; m < a->nmetrics; m++) {
			struct warming_curve *cv;

			w->curves = xreallocarray(w->curves, w->ncurves + 1, sizeof *w->curves);
			cv = &w->curves[w->ncurves++];
			memset(cv, 0, sizeof *cv);
			cv->cond = c;
			cv->metric = m;
			cv->warm_from = -1;
			cv->npoints = (size_t)top + 1;
			cv->points = xcalloc(cv->npoints, sizeof *cv->points);
			for (size_t k = 0; k < cv->npoints; k++) {
				struct warming_point *pt = &cv->points[k];

				pt->position = (int)k;
				warming_point(w, cv, pt);
				/* Indistinguishable from warm: the shift's interval holds 0. */
				if (cv->warm_from < 0 && pt->has_shift && pt->shift.has_ci &&
				    pt->shift.ci_lo <= 0 && pt->shift.ci_hi >= 0)
					cv->warm_from = (int)k;
			}
		}
	}
	if (w->ncurves == 0) {
		free(w);
		return NULL;
	}
	return w;
}

/* Free the curves (not the analysis). */
void
warming_free(struct warming *w)
{
	if (w == NULL)
		return;
	for (size_t i = 0; i < w->ncurves; i++) {
		for (size_t k = 0; k < w->curves[i].npoints; k++)
			free(w->curves[i].points[k].values);
		free(w->curves[i].points);
	}
	free(w->curves);
	free(w);
}
