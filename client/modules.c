/* modules.c: the importtime runs' modules, cold against warm (pure). */
#include "modules.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "xmalloc.h"

/* One module's times in one run. */
struct modules_seen {
	const char	*module;
	long long	 run_id;
	double		 self_us;
	double		 cumulative_us;
};

/* Order by module, then run. */
static int
modules_seen_cmp(const void *x, const void *y)
{
	const struct modules_seen *a = x, *b = y;
	int c = strcmp(a->module, b->module);

	if (c != 0)
		return c;
	return (a->run_id > b->run_id) - (a->run_id < b->run_id);
}

/* Order rows by cold's extra cost, most first, then by name. */
static int
modules_row_cmp(const void *x, const void *y)
{
	const struct modules_row *a = x, *b = y;

	if (a->diff_us != b->diff_us)
		return a->diff_us > b->diff_us ? -1 : 1;
	return strcmp(a->module, b->module);
}

/* The first condition of cache policy cache with an importtime run ok, or NULL. */
static const char *
modules_condition(const struct db_plan *p, const char *cache)
{
	for (size_t i = 0; i < p->nruns; i++) {
		const struct db_run *r = &p->runs[i];

		if (r->profile != NULL && strcmp(r->profile, "importtime") == 0 &&
		    strcmp(r->cache_policy, cache) == 0 && strcmp(r->state, "ok") == 0)
			return r->condition;
	}
	return NULL;
}

/* The ids of a condition's ok importtime runs; their count in *n. */
static long long *
modules_runs(const struct db_plan *p, const char *cond, size_t *n)
{
	long long *ids = xcalloc(p->nruns + 1, sizeof *ids);

	*n = 0;
	for (size_t i = 0; i < p->nruns; i++) {
		const struct db_run *r = &p->runs[i];

		if (r->profile != NULL && strcmp(r->condition, cond) == 0 &&
		    strcmp(r->state, "ok") == 0)
			ids[(*n)++] = r->id;
	}
	return ids;
}

/*
 * The median over runs (a run that did not import the module counts 0) of
 * the times of one module, seen[lo..hi) sorted by run, for the runs in ids.
 */
static void
modules_median(const struct modules_seen *seen, size_t lo, size_t hi, const long long *ids,
    size_t nids, double *self, double *cumulative)
{
	double *s = xcalloc(nids + 1, sizeof *s), *c = xcalloc(nids + 1, sizeof *c);
	struct stats_summary sum;

	for (size_t k = 0; k < nids; k++) {
		for (size_t i = lo; i < hi; i++) {
			if (seen[i].run_id == ids[k]) {
				s[k] += seen[i].self_us;
				c[k] = fmax(c[k], seen[i].cumulative_us);
			}
		}
	}
	stats_summarize(s, nids, &sum);
	*self = sum.median;
	stats_summarize(c, nids, &sum);
	*cumulative = sum.median;
	free(s);
	free(c);
}

struct modules *
modules_create(const struct db_plan *p)
{
	const char *cold = modules_condition(p, "cold"), *warm = modules_condition(p, "warm");
	struct modules_seen *seen;
	struct modules *m;
	long long *cids, *wids;
	size_t n = 0, nc, nw;

	size_t nseen = 0;

	for (size_t i = 0; i < p->nruns; i++)
		nseen += p->runs[i].nimports;
	if (cold == NULL || warm == NULL || nseen == 0)
		return NULL;
	m = xcalloc(1, sizeof *m);
	m->cold = cold;
	m->warm = warm;
	cids = modules_runs(p, cold, &nc);
	wids = modules_runs(p, warm, &nw);
	m->cold_runs = nc;
	m->warm_runs = nw;
	seen = xcalloc(nseen + 1, sizeof *seen);
	for (size_t i = 0; i < p->nruns; i++) {
		const struct db_run *r = &p->runs[i];

		if (strcmp(r->condition, cold) != 0 && strcmp(r->condition, warm) != 0)
			continue;
		for (size_t k = 0; k < r->nimports; k++)
			seen[n++] = (struct modules_seen){ r->imports[k].module, r->id,
			    r->imports[k].self_us, r->imports[k].cumulative_us };
	}
	qsort(seen, n, sizeof *seen, modules_seen_cmp);
	for (size_t lo = 0, hi; lo < n; lo = hi) {
		struct modules_row *row;

		for (hi = lo + 1; hi < n && strcmp(seen[hi].module, seen[lo].module) == 0; hi++)
			;
		m->rows = xreallocarray(m->rows, m->nrows + 1, sizeof *m->rows);
		row = &m->rows[m->nrows++];
		row->module = seen[lo].module;
		modules_median(seen, lo, hi, cids, nc, &row->cold_self_us, &row->cold_cumulative_us);
		modules_median(seen, lo, hi, wids, nw, &row->warm_self_us, &row->warm_cumulative_us);
		row->diff_us = row->cold_self_us - row->warm_self_us;
	}
	if (m->nrows > 0)
		qsort(m->rows, m->nrows, sizeof *m->rows, modules_row_cmp);
	free(seen);
	free(cids);
	free(wids);
	return m;
}

/* Free the table (its module names are the plan's). */
void
modules_free(struct modules *m)
{
	if (m == NULL)
		return;
	free(m->rows);
	free(m);
}
