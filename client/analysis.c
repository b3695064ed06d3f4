/* analysis.c: what a plan's runs show: each condition's numbers, the comparisons, and the warnings beside them. */
#include "analysis.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "xmalloc.h"

/* The runtime info lines that name the machine. */
const char *const analysis_info_keys[ANALYSIS_NINFO_KEYS] = { "python", "torch", "platform" };

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

/* Whether a run met its cache state: 1, 0, or -1 when nothing is expected of it. */
int
analysis_cache_met(const char *cache, double pct)
{
	if (isnan(pct))
		return -1;
	if (strcmp(cache, "cold") == 0)
		return pct <= ANALYSIS_COLD_MAX_PCT;
	if (strcmp(cache, "warm") == 0)
		return pct >= ANALYSIS_WARM_MIN_PCT;
	return -1;
}

/* A run's cache state before it, in words. */
void
analysis_cache_words(const char *cache, double pct, char *buf, size_t len)
{
	int cold = strcmp(cache, "cold") == 0;

	switch (analysis_cache_met(cache, pct)) {
	case 1:
		snprintf(buf, len, "%.1f%% cached before (%s: ok)", pct, cache);
		break;
	case 0:
		snprintf(buf, len, "%.1f%% cached before (%s: %s %.0f%%)", pct, cache,
		    cold ? "over" : "under", cold ? ANALYSIS_COLD_MAX_PCT : ANALYSIS_WARM_MIN_PCT);
		break;
	default:
		if (isnan(pct))
			snprintf(buf, len, "%s", "");
		else
			snprintf(buf, len, "%.1f%% cached before", pct);
	}
}

/* How many of a condition's runs met its cache state, in words; "" when nothing is asked or known. */
void
analysis_cond_met_words(const struct analysis_cond *c, char *buf, size_t len)
{
	int cold = strcmp(c->cache, "cold") == 0;

	if (c->resident_n == 0 || (!cold && strcmp(c->cache, "warm") != 0))
		snprintf(buf, len, "%s", "");
	else
		snprintf(buf, len, "%zu of %zu at %s %.0f%% cached", c->resident_met, c->resident_n,
		    cold ? "most" : "least", cold ? ANALYSIS_COLD_MAX_PCT : ANALYSIS_WARM_MIN_PCT);
}

/* The median and worst share cached before a condition's runs, in words; "" when not measured. */
void
analysis_cond_resident_words(const struct analysis_cond *c, char *buf, size_t len)
{
	int expects = strcmp(c->cache, "cold") == 0 || strcmp(c->cache, "warm") == 0;

	if (c->resident_n == 0)
		snprintf(buf, len, "%s", "");
	else
		snprintf(buf, len, "median %.1f%%, %s %.1f%%", c->resident_median,
		    expects ? "worst" : "highest", c->resident_worst);
}

/* Whether run i is the latest attempt of its seq (earlier ones were interrupted). */
int
analysis_latest(const struct db_plan *p, size_t i)
{
	return i + 1 == p->nruns || p->runs[i + 1].seq != p->runs[i].seq;
}

/* Index of a condition by name, or -1. */
int
analysis_cond_index(const struct analysis *a, const char *name)
{
	for (size_t i = 0; i < a->nconds; i++) {
		if (strcmp(a->conds[i].name, name) == 0)
			return (int)i;
	}
	return -1;
}

/* Index of a metric by name, or -1. */
int
analysis_metric_index(const struct analysis *a, const char *name)
{
	for (size_t m = 0; m < a->nmetrics; m++) {
		if (strcmp(a->metrics[m], name) == 0)
			return (int)m;
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

		/* A warming sequence's later runs are its curve (warming.c), not its condition's figure. */
		if (strcmp(r->kind, "measured") != 0 || !analysis_latest(p, i) || r->position > 0)
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

/* Whether run r is one of condition c's measured runs that ended ok (a sequence's cold one). */
static int
analysis_counted(const struct analysis_cond *c, const struct db_run *r)
{
	return strcmp(r->condition, c->name) == 0 && strcmp(r->kind, "measured") == 0 &&
	    strcmp(r->state, "ok") == 0 && !(r->position > 0);
}

/* The cache state before each condition's measured ok runs: counts, median and worst. */
static void
analysis_resident(struct analysis *a)
{
	const struct db_plan *p = a->plan;
	double *pct = xcalloc(p->nruns + 1, sizeof *pct);

	for (size_t c = 0; c < a->nconds; c++) {
		struct analysis_cond *cond = &a->conds[c];
		int warm = strcmp(cond->cache, "warm") == 0;
		size_t n = 0;

		cond->resident_worst = NAN;
		for (size_t i = 0; i < p->nruns; i++) {
			const struct db_run *r = &p->runs[i];
			double v = r->resident_before_pct;

			if (!analysis_counted(cond, r) || isnan(v))
				continue;
			pct[n++] = v;
			cond->resident_met += analysis_cache_met(cond->cache, v) == 1;
			if (isnan(cond->resident_worst) || (warm ? v < cond->resident_worst :
			    v > cond->resident_worst))
				cond->resident_worst = v;
		}
		cond->resident_n = n;
		cond->resident_median = stats_median(pct, n);
	}
	free(pct);
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

/* Whether the runs say, each, how much of the footprint others mapped (schema 3 on). */
static int
analysis_mapped_known(const struct db_plan *p)
{
	for (size_t i = 0; i < p->nruns; i++) {
		if (!isnan(p->runs[i].mapped_others_bytes))
			return 1;
	}
	return 0;
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
	if (p->footprint_bytes > 0 && p->footprint_shared_bytes > 0.1 * p->footprint_bytes &&
	    !analysis_mapped_known(p)) {
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
		xasprintf(&text, "the plan %s%s after %zu of %zu runs%s%s",
		    strcmp(p->state, "failed") == 0 ? "" : "was ", p->state, done, total,
		    p->error != NULL ? ": " : "", p->error != NULL ? p->error : "");
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
		for (size_t k = 0; k < ANALYSIS_NINFO_KEYS;
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
			    !analysis_latest(p, i) || r->position > 0 ||
			    (strcmp(r->state, "failed") != 0 &&
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
		if (c->ok == 0 && (strcmp(p->state, "queued") == 0 ||
		    strcmp(p->state, "running") == 0))
			text = xstrdup("no ok runs (yet)");
		else if (c->ok == 0 && strcmp(p->state, "done") != 0)
			xasprintf(&text, "no ok runs: the plan %s%s", strcmp(p->state, "failed") == 0 ?
			    "" : "was ", p->state);
		else if (c->ok == 0)
			text = xstrdup("no ok runs");
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

		if (!analysis_counted(c, r) || isnan(pct))
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

/*
 * Warn, run by run, about what made a condition's runs less than they seem:
 * a cold run more of whose footprint other programs mapped right before it
 * than for the condition's other runs (those pages cannot be evicted: it may
 * have been partly warm; what every run has mapped by others, the
 * interpreter and libc, is no difference between them, nor from the user's
 * own drop_caches, which cannot drop a mapped page either; unless it is most
 * of the footprint, which then deserves a word of its own); benchd's loop
 * late at a run's spawn (the cache state was older than it looks) or at its
 * exit; and an end benchd could not watch (it was stopped or starved), whose
 * total is then only an upper bound.
 */
static void
analysis_warn_runs(struct analysis *a, size_t ci)
{
	const struct analysis_cond *c = &a->conds[ci];
	const struct db_plan *p = a->plan;
	/* Warnings by index: adding one may move the others. */
	long mapped = -1, late = -1, window = -1;
	char *tmapped = NULL, *tlate = NULL, *twindow = NULL;
	double worst_mapped = 0, worst_late = 0, base = INFINITY;
	struct analysis_warning *w;
	int cold = strcmp(c->cache, "cold") == 0;

	for (size_t i = 0; i < p->nruns && cold; i++) {
		const struct db_run *r = &p->runs[i];

		if (analysis_counted(c, r) && r->footprint_bytes > 0 && !isnan(r->mapped_others_bytes))
			base = fmin(base, r->mapped_others_bytes / r->footprint_bytes);
	}
	if (cold && base > ANALYSIS_MAPPED_MOST && base < INFINITY) {
		xasprintf(&tmapped, "every cold run started with at least %.0f%% of the footprint "
		    "mapped by other programs (another program using the same libraries: someone "
		    "else's torch?): those pages cannot be evicted, so all may have been partly warm",
		    100 * base);
		analysis_warn(a, "mapped_by_others", (int)ci, -1, tmapped);
		tmapped = NULL;
	}
	for (size_t i = 0; i < p->nruns; i++) {
		const struct db_run *r = &p->runs[i];
		double lt = fmax(isnan(r->spawn_late_ms) ? 0 : r->spawn_late_ms,
		    isnan(r->exit_late_ms) ? 0 : r->exit_late_ms);

		if (!analysis_counted(c, r))
			continue;
		if (cold && r->footprint_bytes > 0 &&
		    r->mapped_others_bytes / r->footprint_bytes - base > ANALYSIS_MAPPED_MAX) {
			if (mapped < 0) {
				analysis_warn(a, "mapped_by_others", (int)ci, -1, NULL);
				mapped = (long)a->nwarnings - 1;
			}
			w = &a->warnings[mapped];
			analysis_cat(&tmapped, "%s run %lld: +%.0f MiB", w->nrun_ids == 0 ? "" : ",",
			    r->id, (r->mapped_others_bytes - base * r->footprint_bytes) / 1048576.0);
			analysis_warn_run(w, r->id);
			worst_mapped = fmax(worst_mapped, r->mapped_others_bytes / r->footprint_bytes -
			    base);
		}
		if (lt > ANALYSIS_LATE_MS) {
			if (late < 0) {
				analysis_warn(a, "loop_late", (int)ci, -1, NULL);
				late = (long)a->nwarnings - 1;
			}
			w = &a->warnings[late];
			analysis_cat(&tlate, "%s run %lld: %.1f ms at its %s", w->nrun_ids == 0 ? "" :
			    ",", r->id, lt, !(r->exit_late_ms > r->spawn_late_ms) ? "spawn" : "exit");
			analysis_warn_run(w, r->id);
			worst_late = fmax(worst_late, lt);
		}
		if (r->exit_window_ms > 0) {
			if (window < 0) {
				analysis_warn(a, "end_uncertain", (int)ci, -1, NULL);
				window = (long)a->nwarnings - 1;
			}
			w = &a->warnings[window];
			analysis_cat(&twindow, "%s run %lld: %.0f ms", w->nrun_ids == 0 ? "" : ",",
			    r->id, r->exit_window_ms);
			analysis_warn_run(w, r->id);
		}
	}
	if (mapped >= 0) {
		w = &a->warnings[mapped];
		xasprintf(&w->text, "%zu cold run%s started with more of the footprint mapped by "
		    "other programs than the condition's other runs (by up to %.0f%% of it): those "
		    "pages cannot be evicted, so %s partly warm (%s)", w->nrun_ids,
		    fmt_plural(w->nrun_ids), 100 * worst_mapped,
		    w->nrun_ids == 1 ? "it may have been" : "they may have been", tmapped + 1);
		free(tmapped);
	}
	if (late >= 0) {
		w = &a->warnings[late];
		xasprintf(&w->text, "benchd's loop was over %.0f ms late at the spawn or exit of %zu "
		    "run%s (up to %.1f ms; %s)", ANALYSIS_LATE_MS, w->nrun_ids,
		    fmt_plural(w->nrun_ids), worst_late, tlate + 1);
		free(tlate);
	}
	if (window >= 0) {
		w = &a->warnings[window];
		xasprintf(&w->text, "benchd could not watch %zu run%s end (it was stopped or "
		    "starved), so %s may be too long by up to that much (%s)", w->nrun_ids,
		    fmt_plural(w->nrun_ids), w->nrun_ids == 1 ? "its total" : "their totals",
		    twindow + 1);
		free(twindow);
	}
}

/*
 * Where a plan has both a targeted and a system cold condition: what the
 * targeted one leaves cached (file metadata: dentries, inodes, the
 * filesystem's metadata blocks, which no process may drop without root) is
 * worth the shift from targeted to system, stage by stage; said next to the
 * targeted condition's figure.
 */
static void
analysis_note_metadata(struct analysis *a)
{
	for (size_t k = 0; k < a->npairs; k++) {
		const struct analysis_pair *pair = &a->pairs[k];
		const struct analysis_cond *x = &a->conds[pair->a], *y = &a->conds[pair->b];
		size_t sys, tgt;
		int flip;

		if (strcmp(x->cache, "cold") != 0 || strcmp(y->cache, "cold") != 0 ||
		    x->cold_method == NULL || y->cold_method == NULL ||
		    strcmp(x->cold_method, y->cold_method) == 0)
			continue;
		flip = strcmp(x->cold_method, "system") != 0;
		sys = flip ? pair->b : pair->a;
		tgt = flip ? pair->a : pair->b;
		for (size_t m = 0; m < a->nmetrics; m++) {
			const struct stats_compare *cmp = &pair->cmp[m];
			double base = flip ? cmp->median_a : cmp->median_b;
			double hl = flip ? -cmp->hl : cmp->hl;
			double lo = flip ? -cmp->ci_hi : cmp->ci_lo, hi = flip ? -cmp->ci_lo : cmp->ci_hi;
			char *text;

			if (!cmp->has_ci || !(base > 0))
				continue;
			if (lo > 0)
				xasprintf(&text, "targeted cold leaves file metadata cached: worth %+.1f%% "
				    "here (%s against %s, 95%% CI [%+.1f%%, %+.1f%%]); only root's "
				    "drop_caches can drop it", 100 * hl / base, a->conds[sys].name,
				    a->conds[tgt].name, 100 * lo / base, 100 * hi / base);
			else
				xasprintf(&text, "targeted cold is as cold as %s here (the shift is within "
				    "[%+.1f%%, %+.1f%%], 95%% CI)", a->conds[sys].name, 100 * lo / base,
				    100 * hi / base);
			analysis_warn(a, "metadata_gap", (int)tgt, (int)m, text);
		}
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
		/* As its measured runs say: a probe run has no cold method. */
		for (size_t i = 0; i < p->nruns; i++) {
			const struct db_run *r = &p->runs[i];

			if (strcmp(r->condition, p->conditions[c]) != 0)
				continue;
			a->conds[c].cache = r->cache_policy;
			a->conds[c].cold_method = r->cold_method;
			if (strcmp(r->kind, "measured") == 0)
				break;
		}
	}
	for (size_t i = 0; i < p->nruns && a->info_run == NULL; i++) {
		if (p->runs[i].ninfo > 0)
			a->info_run = &p->runs[i];
	}

	analysis_collect(a);
	analysis_resident(a);
	analysis_summarize(a);
	analysis_pairs(a);
	analysis_warn_plan(a);
	analysis_warn_info(a);
	for (size_t c = 0; c < a->nconds; c++) {
		analysis_warn_cond(a, c);
		analysis_warn_runs(a, c);
		analysis_warn_outliers(a, c);
	}
	analysis_note_metadata(a);
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
