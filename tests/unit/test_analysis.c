/*
 * test_analysis.c: unit tests of client/analysis.c on plans built in memory
 * (no database): which runs count, each condition's statistics (those of
 * common/stats.c over the right values), the pairs compared, and every
 * warning with its exact words.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analysis.h"
#include "modules.h"
#include "warming.h"
#include "db.h"
#include "stats.h"
#include "testplan.h"
#include "xmalloc.h"

#define NELEM(a)	(sizeof (a) / sizeof (a)[0])

/* The seed's cold and warm import times, and the cold ones with one far off. */
static const double COLD[] = { 5.295, 4.970, 5.120, 5.410, 5.030, 5.250 };
static const double WARM[] = { 3.550, 3.563, 3.541, 3.602, 3.580, 3.571 };
static const double SLOW[] = { 5.295, 4.970, 5.120, 5.410, 5.030, 5.250, 9.900 };

/* The plan's warnings of one kind and condition (-2: any), how many in *n; the first or NULL. */
static const struct analysis_warning *
find_warning(const struct analysis *a, const char *kind, int cond, size_t *n)
{
	const struct analysis_warning *first = NULL;

	*n = 0;
	for (size_t i = 0; i < a->nwarnings; i++) {
		const struct analysis_warning *w = &a->warnings[i];

		if (strcmp(w->kind, kind) != 0 || (cond != -2 && w->cond != cond))
			continue;
		if ((*n)++ == 0)
			first = w;
	}
	return first;
}

/* Fail unless the two summaries are the same, field by field (NaN equal to NaN). */
static void
assert_same_summary(const struct stats_summary *got, const struct stats_summary *want)
{
	const double g[] = { got->mean, got->sd, got->min, got->median, got->p90, got->max,
	    got->ci_coverage, got->ci_lo, got->ci_hi };
	const double w[] = { want->mean, want->sd, want->min, want->median, want->p90,
	    want->max, want->ci_coverage, want->ci_lo, want->ci_hi };

	assert_int_equal(got->n, want->n);
	assert_int_equal(got->has_ci, want->has_ci);
	assert_int_equal(got->ci_rank, want->ci_rank);
	for (size_t i = 0; i < NELEM(g); i++)
		assert_true((isnan(g[i]) && isnan(w[i])) || g[i] == w[i]);
}

/* Cold against warm, six ok runs each: the cells hold their values, the stats core's numbers, no warnings. */
static void
test_cold_warm(void **state)
{
	struct db_plan *p = plan_new("done");
	struct stats_summary want;
	struct stats_compare cmp;
	struct analysis *a;
	const struct analysis_cell *cold, *warm;

	(void)state;
	plan_condition(p, "cold");
	plan_condition(p, "warm");
	plan_run(p, "cold", "cold", "probe", "ok", NAN, 5.5);
	plan_run(p, "warm", "warm", "warmup", "ok", 100, 3.6);
	for (size_t i = 0; i < NELEM(COLD); i++) {
		plan_run(p, "cold", "cold", "measured", "ok", 0.5, COLD[i]);
		plan_run(p, "warm", "warm", "measured", "ok", 100, WARM[i]);
	}
	a = analysis_create(p);

	assert_int_equal(a->nmetrics, 1);
	assert_string_equal(a->metrics[0], "import_torch");
	assert_string_equal(a->units[0], "s");
	assert_int_equal(a->nconds, 2);
	assert_string_equal(a->conds[0].name, "cold");
	assert_string_equal(a->conds[0].cache, "cold");
	assert_string_equal(a->conds[1].cache, "warm");
	assert_int_equal(a->measured_total, 12);
	assert_int_equal(a->measured_ok, 12);
	assert_int_equal(a->conds[0].measured, 6);
	assert_int_equal(a->conds[0].ok, 6);

	/* The probe and the warm-up are not counted; the measured runs are, in run order. */
	cold = &a->conds[0].cells[0];
	warm = &a->conds[1].cells[0];
	assert_int_equal(cold->n, 6);
	for (size_t i = 0; i < NELEM(COLD); i++) {
		assert_true(cold->values[i] == COLD[i]);
		assert_int_equal(cold->run_ids[i], 3 + 2 * (long long)i);
		assert_true(warm->values[i] == WARM[i]);
	}
	assert_true(cold->s.median == (5.120 + 5.250) / 2);
	assert_true(warm->s.median == (3.563 + 3.571) / 2);
	assert_int_equal(cold->s.has_ci, 1);	/* six points: [min, max], rank 1 */
	assert_true(cold->s.ci_lo == 4.970);
	assert_true(cold->s.ci_hi == 5.410);
	stats_summarize(COLD, NELEM(COLD), &want);
	assert_same_summary(&cold->s, &want);
	stats_summarize(WARM, NELEM(WARM), &want);
	assert_same_summary(&warm->s, &want);
	assert_int_equal(cold->noutliers, 0);

	/* One pair, cold against warm: every cold value above every warm one. */
	assert_int_equal(a->npairs, 1);
	assert_int_equal(a->pairs[0].a, 0);
	assert_int_equal(a->pairs[0].b, 1);
	stats_compare(COLD, NELEM(COLD), WARM, NELEM(WARM), &cmp);
	assert_true(a->pairs[0].cmp[0].median_a == cmp.median_a);
	assert_true(a->pairs[0].cmp[0].diff == (5.120 + 5.250) / 2 - (3.563 + 3.571) / 2);
	assert_true(a->pairs[0].cmp[0].u == 36);
	assert_true(a->pairs[0].cmp[0].p == cmp.p);
	assert_true(fabs(a->pairs[0].cmp[0].p - 2.0 / 924) < 1e-15);
	assert_true(a->pairs[0].cmp[0].ci_lo == cmp.ci_lo);
	assert_true(a->pairs[0].cmp[0].ci_hi == cmp.ci_hi);

	assert_int_equal(a->nwarnings, 0);
	analysis_free(a);
	db_plan_free(p);
}

/* Cold against warm first, whatever the plan's order; then every other pair in plan order. */
static void
test_pairs_order(void **state)
{
	struct db_plan *p = plan_new("done");
	struct analysis *a;

	(void)state;
	plan_condition(p, "hot");
	plan_condition(p, "chilled");
	plan_condition(p, "plain");
	plan_runs(p, "hot", "warm", 100, WARM, NELEM(WARM));
	plan_runs(p, "chilled", "cold", 0, COLD, NELEM(COLD));
	plan_runs(p, "plain", "none", NAN, WARM, NELEM(WARM));
	a = analysis_create(p);

	assert_int_equal(a->npairs, 3);
	assert_int_equal(a->pairs[0].a, 1);	/* chilled - hot */
	assert_int_equal(a->pairs[0].b, 0);
	assert_int_equal(a->pairs[1].a, 0);	/* hot - plain */
	assert_int_equal(a->pairs[1].b, 2);
	assert_int_equal(a->pairs[2].a, 1);	/* chilled - plain */
	assert_int_equal(a->pairs[2].b, 2);
	assert_true(a->pairs[0].cmp[0].diff > 0);
	assert_string_equal(a->conds[2].cache, "none");
	analysis_free(a);
	db_plan_free(p);
}

/* A cold run over 5% resident and a warm one under 90% are named; 5% and 90% exactly are fine. */
static void
test_warn_resident(void **state)
{
	struct db_plan *p = plan_new("done");
	const struct analysis_warning *w;
	struct analysis *a;
	size_t n;
	char buf[96];

	(void)state;
	plan_condition(p, "cold");
	plan_condition(p, "warm");
	plan_run(p, "cold", "cold", "measured", "ok", 5.0, 5.0);	/* 1 */
	plan_run(p, "cold", "cold", "measured", "ok", 5.1, 5.1);	/* 2 */
	plan_run(p, "cold", "cold", "measured", "ok", 37.3, 5.2);	/* 3 */
	plan_run(p, "cold", "cold", "measured", "failed", 80, NAN);	/* 4: failed, not judged */
	plan_run(p, "cold", "cold", "warmup", "ok", 80, 5.3);		/* 5: not measured */
	plan_run(p, "cold", "cold", "measured", "ok", NAN, 5.4);	/* 6: not measured */
	plan_run(p, "cold", "cold", "measured", "ok", 0, 5.5);		/* 7 */
	plan_run(p, "warm", "warm", "measured", "ok", 90.0, 3.0);	/* 8 */
	plan_run(p, "warm", "warm", "measured", "ok", 89.9, 3.1);	/* 9 */
	for (int i = 0; i < 3; i++)
		plan_run(p, "warm", "warm", "measured", "ok", 100, 3.2 + i / 10.0);
	a = analysis_create(p);

	w = find_warning(a, "resident", 0, &n);
	assert_int_equal(n, 1);
	assert_int_equal(w->metric, -1);
	assert_string_equal(w->text, "2 cold runs started with more than 5% of the footprint "
	    "cached: not really cold (run 2: 5.1%, run 3: 37.3%)");
	assert_int_equal(w->nrun_ids, 2);
	assert_int_equal(w->run_ids[0], 2);
	assert_int_equal(w->run_ids[1], 3);

	w = find_warning(a, "resident", 1, &n);
	assert_int_equal(n, 1);
	assert_string_equal(w->text, "1 warm run started with less than 90% of the footprint "
	    "cached: not really warm (run 9: 89.9%)");
	assert_int_equal(w->nrun_ids, 1);
	assert_int_equal(w->run_ids[0], 9);

	/* The failed run is left out and said so; five ok runs each are enough. */
	w = find_warning(a, "left_out", 0, &n);
	assert_int_equal(n, 1);
	assert_string_equal(w->text, "1 run left out: run 4 failed");
	find_warning(a, "few_runs", -2, &n);
	assert_int_equal(n, 0);
	assert_int_equal(a->nwarnings, 3);

	/* The proof per condition: over the measured ok runs whose cache was measured. */
	assert_int_equal(a->conds[0].resident_n, 4);		/* runs 1, 2, 3, 7 */
	assert_int_equal(a->conds[0].resident_met, 2);		/* 5.0 and 0 */
	assert_true(a->conds[0].resident_median == (5.0 + 5.1) / 2);
	assert_true(a->conds[0].resident_worst == 37.3);	/* cold: the highest */
	assert_int_equal(a->conds[1].resident_n, 5);
	assert_int_equal(a->conds[1].resident_met, 4);
	assert_true(a->conds[1].resident_median == 100);
	assert_true(a->conds[1].resident_worst == 89.9);	/* warm: the lowest */
	analysis_cond_met_words(&a->conds[0], buf, sizeof buf);
	assert_string_equal(buf, "2 of 4 at most 5% cached");
	analysis_cond_met_words(&a->conds[1], buf, sizeof buf);
	assert_string_equal(buf, "4 of 5 at least 90% cached");
	analysis_cond_resident_words(&a->conds[1], buf, sizeof buf);
	assert_string_equal(buf, "median 100.0%, worst 89.9%");
	analysis_free(a);
	db_plan_free(p);
}

/* A run's cache state judged and said: cold at most 5%, warm at least 90%, nothing asked of none. */
static void
test_cache_words(void **state)
{
	static const struct { const char *cache; double pct; int met; const char *want; } cases[] = {
		{ "cold", 0, 1, "0.0% cached before (cold: ok)" },
		{ "cold", 5.0, 1, "5.0% cached before (cold: ok)" },
		{ "cold", 5.01, 0, "5.0% cached before (cold: over 5%)" },
		{ "warm", 90, 1, "90.0% cached before (warm: ok)" },
		{ "warm", 42.5, 0, "42.5% cached before (warm: under 90%)" },
		{ "none", 12, -1, "12.0% cached before" },
		{ "cold", NAN, -1, "" },
	};
	struct db_plan *p = plan_new("done");
	struct analysis *a;
	char buf[96];

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		assert_int_equal(analysis_cache_met(cases[i].cache, cases[i].pct), cases[i].met);
		analysis_cache_words(cases[i].cache, cases[i].pct, buf, sizeof buf);
		assert_string_equal(buf, cases[i].want);
	}

	/* A condition that asks for no state has its figures but no count of those that met it. */
	plan_condition(p, "plain");
	plan_condition(p, "unmeasured");
	plan_runs(p, "plain", "none", 12, WARM, 6);
	plan_runs(p, "unmeasured", "cold", NAN, COLD, 6);
	a = analysis_create(p);
	analysis_cond_met_words(&a->conds[0], buf, sizeof buf);
	assert_string_equal(buf, "");
	analysis_cond_resident_words(&a->conds[0], buf, sizeof buf);
	assert_string_equal(buf, "median 12.0%, highest 12.0%");
	assert_int_equal(a->conds[1].resident_n, 0);
	assert_true(isnan(a->conds[1].resident_median));
	analysis_cond_met_words(&a->conds[1], buf, sizeof buf);
	assert_string_equal(buf, "");
	analysis_cond_resident_words(&a->conds[1], buf, sizeof buf);
	assert_string_equal(buf, "");
	analysis_free(a);
	db_plan_free(p);
}

/* A condition without ok runs says why by the plan's state: not yet, failed, cancelled, or none. */
static void
test_no_ok_runs_why(void **state)
{
	static const struct { const char *state; const char *want; } cases[] = {
		{ "queued", "no ok runs (yet)" },
		{ "running", "no ok runs (yet)" },
		{ "failed", "no ok runs: the plan failed" },
		{ "cancelled", "no ok runs: the plan was cancelled" },
		{ "done", "no ok runs" },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		struct db_plan *p = plan_new(cases[i].state);
		const struct analysis_warning *w;
		struct analysis *a;
		size_t n;

		plan_condition(p, "a");
		plan_run(p, "a", "cold", "probe", "failed", NAN, NAN);
		plan_run(p, "a", "cold", "measured", "cancelled", NAN, NAN);
		a = analysis_create(p);
		w = find_warning(a, "few_runs", 0, &n);
		assert_int_equal(n, 1);
		assert_string_equal(w->text, cases[i].want);
		analysis_free(a);
		db_plan_free(p);
	}
}

/* A point over 3 MADs from the median is an outlier of its cell, named with its value. */
static void
test_warn_outliers(void **state)
{
	struct db_plan *p = plan_new("done");
	const struct analysis_warning *w;
	const struct analysis_cell *cell;
	struct analysis *a;
	size_t n;

	(void)state;
	plan_condition(p, "slow");
	plan_condition(p, "edge");
	plan_condition(p, "inside");
	plan_runs(p, "slow", "none", NAN, SLOW, NELEM(SLOW));
	/* COLD's median is 5.250 and its MAD 0.16 * 1.4826: 6.1 is 3.58 MADs off, 5.9 2.74. */
	plan_runs(p, "edge", "none", NAN, COLD, NELEM(COLD));
	plan_run(p, "edge", "none", "measured", "ok", NAN, 6.1);
	plan_runs(p, "inside", "none", NAN, COLD, NELEM(COLD));
	plan_run(p, "inside", "none", "measured", "ok", NAN, 5.9);
	a = analysis_create(p);

	w = find_warning(a, "outliers", 1, &n);
	assert_int_equal(n, 1);
	assert_string_equal(w->text, "outlier (over 3 MADs from the median): run 14 (6.10 s)");
	find_warning(a, "outliers", 2, &n);
	assert_int_equal(n, 0);
	assert_int_equal(a->conds[2].cells[0].noutliers, 0);

	cell = &a->conds[0].cells[0];
	assert_int_equal(cell->noutliers, 1);
	for (size_t i = 0; i < NELEM(SLOW); i++)
		assert_int_equal(cell->outlier[i], i == 6);
	w = find_warning(a, "outliers", 0, &n);
	assert_int_equal(n, 1);
	assert_int_equal(w->metric, 0);
	assert_string_equal(w->text, "outlier (over 3 MADs from the median): run 7 (9.90 s)");
	assert_int_equal(w->nrun_ids, 1);
	assert_int_equal(w->run_ids[0], 7);
	/* The outlier stays in the statistics. */
	assert_int_equal(cell->s.n, 7);
	assert_true(cell->s.max == 9.900);
	assert_int_equal(a->nwarnings, 2);
	analysis_free(a);
	db_plan_free(p);
}

/* Failed and timed-out runs are left out and named; fewer than 5 ok runs, or none, are warned of. */
static void
test_warn_left_out_few(void **state)
{
	struct db_plan *p = plan_new("done");
	const struct analysis_warning *w;
	struct analysis *a;
	size_t n;

	(void)state;
	plan_condition(p, "broken");
	plan_condition(p, "empty");
	plan_condition(p, "five");
	plan_run(p, "broken", "none", "measured", "ok", NAN, 3.0);		/* 1 */
	plan_run(p, "broken", "none", "measured", "failed", NAN, NAN);		/* 2 */
	plan_run(p, "broken", "none", "measured", "timeout", NAN, 1.0);	/* 3 */
	plan_run(p, "broken", "none", "measured", "ok", NAN, 3.1);		/* 4 */
	plan_run(p, "broken", "none", "measured", "cancelled", NAN, NAN);	/* 5 */
	plan_run(p, "empty", "none", "measured", "failed", NAN, NAN);		/* 6 */
	plan_runs(p, "five", "none", NAN, WARM, 5);
	a = analysis_create(p);

	assert_int_equal(a->conds[0].measured, 5);
	assert_int_equal(a->conds[0].ok, 2);
	assert_int_equal(a->conds[0].failed, 1);
	assert_int_equal(a->conds[0].timeout, 1);
	assert_int_equal(a->conds[0].other, 1);
	assert_int_equal(a->conds[0].cells[0].n, 2);	/* the timed-out run's stage is not counted */
	assert_true(a->conds[0].cells[0].values[1] == 3.1);
	assert_int_equal(a->measured_total, 11);
	assert_int_equal(a->measured_ok, 7);

	w = find_warning(a, "left_out", 0, &n);
	assert_int_equal(n, 1);
	assert_string_equal(w->text, "2 runs left out: run 2 failed, run 3 timed out");
	assert_int_equal(w->nrun_ids, 2);
	assert_int_equal(w->run_ids[0], 2);
	assert_int_equal(w->run_ids[1], 3);
	w = find_warning(a, "few_runs", 0, &n);
	assert_int_equal(n, 1);
	assert_string_equal(w->text, "only 2 ok runs (fewer than 5): too few to trust");
	w = find_warning(a, "few_runs", 1, &n);
	assert_int_equal(n, 1);
	assert_string_equal(w->text, "no ok runs");
	find_warning(a, "few_runs", 2, &n);
	assert_int_equal(n, 0);

	/* Against a condition with no ok runs there is no difference to give. */
	assert_int_equal(a->npairs, 3);
	assert_int_equal(a->pairs[0].a, 0);
	assert_int_equal(a->pairs[0].b, 1);
	assert_int_equal(a->pairs[0].cmp[0].nb, 0);
	assert_true(isnan(a->pairs[0].cmp[0].diff));
	assert_true(a->pairs[0].cmp[0].median_a == (3.0 + 3.1) / 2);
	analysis_free(a);
	db_plan_free(p);
}

/* Only the latest attempt of a seq counts: an interrupted run queued again is not counted twice. */
static void
test_latest_attempt(void **state)
{
	struct db_plan *p = plan_new("done");
	struct db_run *r;
	struct analysis *a;

	(void)state;
	plan_condition(p, "a");
	r = plan_run(p, "a", "none", "measured", "interrupted", NAN, 9.0);
	r = plan_run(p, "a", "none", "measured", "ok", NAN, 3.5);
	r->seq = 1;
	r->attempt = 2;
	plan_runs(p, "a", "none", NAN, WARM, 4);
	p->runs[2].seq = 2;	/* seqs 1, 1, 2, 3, 4, 5 */
	p->runs[3].seq = 3;
	p->runs[4].seq = 4;
	p->runs[5].seq = 5;

	assert_int_equal(analysis_latest(p, 0), 0);
	assert_int_equal(analysis_latest(p, 1), 1);
	assert_int_equal(analysis_latest(p, 5), 1);
	a = analysis_create(p);
	assert_int_equal(a->conds[0].measured, 5);
	assert_int_equal(a->conds[0].ok, 5);
	assert_int_equal(a->conds[0].other, 0);
	assert_int_equal(a->conds[0].cells[0].n, 5);
	assert_true(a->conds[0].cells[0].values[0] == 3.5);
	assert_int_equal(a->conds[0].cells[0].run_ids[0], 2);
	assert_int_equal(a->nwarnings, 0);
	analysis_free(a);
	db_plan_free(p);
}

/* A plan still running, or one that ended badly, says so for the whole plan. */
static void
test_warn_unfinished(void **state)
{
	static const struct { const char *state; const char *error; const char *want; } cases[] = {
		{ "running", NULL, "the plan is still running: 2 of 3 runs done, these numbers "
		    "will change" },
		{ "queued", NULL, "the plan is still queued: 2 of 3 runs done, these numbers "
		    "will change" },
		{ "cancelled", NULL, "the plan was cancelled after 2 of 3 runs" },
		{ "failed", "the probe failed", "the plan failed after 2 of 3 runs: the probe "
		    "failed" },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		struct db_plan *p = plan_new(cases[i].state);
		const struct analysis_warning *w;
		struct analysis *a;
		size_t n;

		p->error = cases[i].error != NULL ? xstrdup(cases[i].error) : NULL;
		plan_condition(p, "a");
		plan_run(p, "a", "none", "probe", "ok", NAN, 1.0);
		plan_run(p, "a", "none", "measured", "failed", NAN, NAN);
		plan_run(p, "a", "none", "measured", "pending", NAN, NAN);
		a = analysis_create(p);
		w = find_warning(a, "unfinished", -1, &n);
		assert_int_equal(n, 1);
		assert_int_equal(w->metric, -1);
		assert_string_equal(w->text, cases[i].want);
		analysis_free(a);
		db_plan_free(p);
	}
}

/* Files other programs mapped at the probe: a warning over a tenth of the footprint, not at it. */
static void
test_warn_shared_footprint(void **state)
{
	const struct analysis_warning *w;
	struct db_plan *p;
	struct analysis *a;
	size_t n;

	(void)state;
	p = plan_new("done");
	plan_condition(p, "a");
	plan_runs(p, "a", "none", NAN, WARM, NELEM(WARM));
	p->footprint_files = 40;
	p->footprint_shared = 2;
	p->footprint_bytes = 100 * 1048576.0;
	p->footprint_shared_bytes = 10 * 1048576.0;
	a = analysis_create(p);
	find_warning(a, "shared_footprint", -2, &n);
	assert_int_equal(n, 0);
	analysis_free(a);

	p->footprint_shared_bytes = 25 * 1048576.0;
	a = analysis_create(p);
	w = find_warning(a, "shared_footprint", -1, &n);
	assert_int_equal(n, 1);
	assert_string_equal(w->text, "25 MiB of the footprint's 100 MiB (25%) was mapped by other "
	    "programs when the probe ran: those pages cannot be evicted and are not counted in "
	    "the residency before each run, so cold runs may be partly warm; stop those "
	    "programs and submit the plan again");
	analysis_free(a);
	db_plan_free(p);
}

/* Cold runs part of whose footprint others mapped, a late loop, an uncertain end: each named, run by run. */
static void
test_warn_runs(void **state)
{
	const struct analysis_warning *w;
	struct db_plan *p;
	struct analysis *a;
	size_t n;

	(void)state;
	p = plan_new("done");
	plan_condition(p, "cold");
	plan_runs(p, "cold", "cold", 0.0, COLD, NELEM(COLD));
	for (size_t i = 0; i < p->nruns; i++) {
		p->runs[i].footprint_bytes = 500 * 1048576.0;
		p->runs[i].mapped_others_bytes = (i == 0 ? 50 : 100) * 1048576.0; /* a tenth more: fine */
		p->runs[i].spawn_late_ms = 0.2;
		p->runs[i].exit_late_ms = 1.0;				/* exactly 1 ms: fine */
		p->runs[i].exit_window_ms = 0;
	}
	a = analysis_create(p);
	find_warning(a, "mapped_by_others", -2, &n);
	assert_int_equal(n, 0);
	find_warning(a, "loop_late", -2, &n);
	assert_int_equal(n, 0);
	find_warning(a, "end_uncertain", -2, &n);
	assert_int_equal(n, 0);
	find_warning(a, "shared_footprint", -2, &n);
	assert_int_equal(n, 0);
	analysis_free(a);

	p->runs[1].mapped_others_bytes = 300 * 1048576.0;
	p->runs[2].spawn_late_ms = 3.25;
	p->runs[4].exit_late_ms = 12.0;
	p->runs[3].exit_window_ms = 5019;
	a = analysis_create(p);
	w = find_warning(a, "mapped_by_others", 0, &n);
	assert_int_equal(n, 1);
	assert_string_equal(w->text, "1 cold run started with more of the footprint mapped by other "
	    "programs than the condition's other runs (by up to 50% of it): those pages cannot be "
	    "evicted, so it may have been partly warm (run 2: +250 MiB)");
	w = find_warning(a, "loop_late", 0, &n);
	assert_int_equal(n, 1);
	assert_int_equal(w->nrun_ids, 2);
	assert_string_equal(w->text, "benchd's loop was over 1 ms late at the spawn or exit of 2 "
	    "runs (up to 12.0 ms; run 3: 3.2 ms at its spawn, run 5: 12.0 ms at its exit)");
	w = find_warning(a, "end_uncertain", 0, &n);
	assert_int_equal(n, 1);
	assert_string_equal(w->text, "benchd could not watch 1 run end (it was stopped or starved), "
	    "so its total may be too long by up to that much (run 4: 5019 ms)");
	analysis_free(a);

	/* Most of the footprint mapped by others for every run: one word for all of them. */
	for (size_t i = 0; i < p->nruns; i++)
		p->runs[i].mapped_others_bytes = 400 * 1048576.0;
	a = analysis_create(p);
	w = find_warning(a, "mapped_by_others", 0, &n);
	assert_int_equal(n, 1);
	assert_int_equal(w->nrun_ids, 0);
	assert_string_equal(w->text, "every cold run started with at least 80% of the footprint "
	    "mapped by other programs (another program using the same libraries: someone else's "
	    "torch?): those pages cannot be evicted, so all may have been partly warm");
	analysis_free(a);
	db_plan_free(p);
}

/* With a targeted and a system cold condition, the gap between them is said beside the targeted one. */
static void
test_note_metadata(void **state)
{
	static const double tgt[] = { 2.00, 2.02, 1.98, 2.01, 1.99, 2.03, 2.00, 1.97 };
	static const double sys[] = { 2.10, 2.12, 2.08, 2.11, 2.09, 2.13, 2.10, 2.07 };
	const struct analysis_warning *w;
	struct db_plan *p;
	struct analysis *a;
	size_t n;

	(void)state;
	p = plan_new("done");
	plan_condition(p, "targeted");
	plan_condition(p, "system");
	plan_run(p, "targeted", "cold", "probe", "ok", NAN, NAN);	/* a probe has no cold method */
	plan_runs(p, "targeted", "cold", 0.0, tgt, NELEM(tgt));
	plan_runs(p, "system", "cold", 0.0, sys, NELEM(sys));
	for (size_t i = 1; i < p->nruns; i++)
		p->runs[i].cold_method = xstrdup(i <= NELEM(tgt) ? "targeted" : "system");
	a = analysis_create(p);
	w = find_warning(a, "metadata_gap", -2, &n);
	assert_int_equal(n, 1);
	assert_int_equal(w->cond, 0);
	assert_int_equal(w->metric, 0);
	assert_non_null(strstr(w->text, "targeted cold leaves file metadata cached: worth +5.0% "
	    "here (system against targeted, 95% CI [+"));
	analysis_free(a);

	/* The same figures: no gap to speak of. */
	for (size_t i = 0; i < NELEM(sys); i++)
		p->runs[1 + NELEM(tgt) + i].stages[0].duration_s = tgt[i];
	a = analysis_create(p);
	w = find_warning(a, "metadata_gap", 0, &n);
	assert_int_equal(n, 1);
	assert_non_null(strstr(w->text, "targeted cold is as cold as system here"));
	analysis_free(a);
	db_plan_free(p);
}

/*
 * A cold condition with then: 2 beside a warm one: the cold figure is the
 * position-0 runs only; the curve goes cold, between, warm, and is warm from
 * position 2 (its shift interval against warm holds 0).
 */
static void
test_warming_curve(void **state)
{
	static const double mid[] = { 4.50, 4.62, 4.41, 4.55, 4.48, 4.59 };
	const struct warming_curve *cv;
	struct warming *w;
	struct db_plan *p;
	struct analysis *a;

	(void)state;
	p = plan_new("done");
	plan_condition(p, "cold");
	plan_condition(p, "warm");
	for (size_t k = 0; k < NELEM(COLD); k++) {
		struct db_run *r;

		r = plan_run(p, "cold", "cold", "measured", "ok", 0.0, COLD[k]);
		r->position = 0;
		r->sequence = (double)k + 1;
		r->read_in_bytes = 300e6;
		r = plan_run(p, "cold", "none", "measured", "ok", 60.0, mid[k]);
		r->position = 1;
		r->sequence = (double)k + 1;
		r->read_in_bytes = 100e6;
		r = plan_run(p, "cold", "none", "measured", "ok", 99.0, WARM[k] + 0.001);
		r->position = 2;
		r->sequence = (double)k + 1;
		r->read_in_bytes = 1e6;
		plan_run(p, "warm", "warm", "measured", "ok", 100.0, WARM[k]);
	}
	a = analysis_create(p);
	/* The condition's own figure is its cold runs, and no residency warning for the others. */
	assert_int_equal(a->conds[0].cells[0].n, NELEM(COLD));
	assert_true(a->conds[0].cells[0].s.median > 5.0);
	w = warming_create(a);
	assert_non_null(w);
	assert_int_equal(w->warm, 1);
	assert_int_equal(w->ncurves, 1);
	cv = &w->curves[0];
	assert_int_equal(cv->npoints, 3);
	assert_int_equal(cv->points[0].n, NELEM(COLD));
	assert_true(fabs(cv->points[1].s.median - 4.525) < 1e-9);
	assert_true(cv->points[0].resident_before == 0.0 && cv->points[1].resident_before == 60.0);
	assert_true(cv->points[1].read_in_bytes == 100e6);
	assert_true(cv->points[0].shift.ci_lo > 0);
	assert_int_equal(cv->warm_from, 2);
	warming_free(w);
	analysis_free(a);

	/* Without sequences there is no curve. */
	for (size_t i = 0; i < p->nruns; i++)
		p->runs[i].position = NAN;
	a = analysis_create(p);
	assert_null(warming_create(a));
	analysis_free(a);
	db_plan_free(p);
}

/* Add an import line to an importtime run. */
static void
plan_import(struct db_run *r, const char *module, double self, double cum)
{
	r->imports = xreallocarray(r->imports, r->nimports + 1, sizeof *r->imports);
	r->imports[r->nimports++] = (struct db_import){ xstrdup(module), 1, self, cum };
}

/* importtime runs: modules cold against warm, most costlier cold first, repeats summed. */
static void
test_modules(void **state)
{
	const struct modules_row *row;
	struct modules *m;
	struct db_plan *p;
	struct db_run *r;

	(void)state;
	p = plan_new("done");
	plan_condition(p, "cold");
	plan_condition(p, "warm");
	for (int k = 0; k < 3; k++) {
		r = plan_run(p, "cold", "cold", "warmup", "ok", 0.0, NAN);
		r->profile = xstrdup("importtime");
		plan_import(r, "torch._C", 1000000 + 1000 * k, 1000100 + 1000 * k);
		plan_import(r, "json", 500, 700);
		plan_import(r, "torch._C._nvfuser", 10, 10);
		plan_import(r, "torch._C._nvfuser", 20, 20);
		r = plan_run(p, "warm", "warm", "warmup", "ok", 100.0, NAN);
		r->profile = xstrdup("importtime");
		plan_import(r, "torch._C", 450000 + 1000 * k, 450100 + 1000 * k);
		plan_import(r, "json", 400, 600);
		plan_import(r, "torch._C._nvfuser", 10, 10);
	}
	/* A measured run brings no imports. */
	plan_run(p, "cold", "cold", "measured", "ok", 0.0, 5.0);
	m = modules_create(p);
	assert_non_null(m);
	assert_string_equal(m->cold, "cold");
	assert_string_equal(m->warm, "warm");
	assert_int_equal(m->cold_runs, 3);
	assert_int_equal(m->warm_runs, 3);
	assert_int_equal(m->nrows, 3);
	row = &m->rows[0];
	assert_string_equal(row->module, "torch._C");
	assert_true(row->cold_self_us == 1001000 && row->warm_self_us == 451000);
	assert_true(row->diff_us == 550000);
	assert_true(row->cold_cumulative_us == 1001100);
	assert_string_equal(m->rows[1].module, "json");
	assert_string_equal(m->rows[2].module, "torch._C._nvfuser");
	assert_true(m->rows[2].cold_self_us == 30 && m->rows[2].diff_us == 20);
	modules_free(m);
	db_plan_free(p);
}

/* Runs that printed another python than the first are named in one warning; the first run with info is kept. */
static void
test_warn_info_differs(void **state)
{
	struct db_plan *p = plan_new("done");
	const struct analysis_warning *w;
	struct analysis *a;
	size_t n;

	(void)state;
	plan_condition(p, "a");
	plan_runs(p, "a", "none", NAN, WARM, NELEM(WARM));
	run_info(&p->runs[1], "python", "3.9.5");
	run_info(&p->runs[1], "torch", "2.5.1+cpu");
	run_info(&p->runs[2], "python", "3.9.5");
	run_info(&p->runs[3], "python", "3.11.2");
	run_info(&p->runs[3], "torch", "2.6.0");
	run_info(&p->runs[4], "torch", "2.6.0");
	run_info(&p->runs[5], "platform", "Linux");
	a = analysis_create(p);

	assert_ptr_equal(a->info_run, &p->runs[1]);
	w = find_warning(a, "info_differs", -1, &n);
	assert_int_equal(n, 1);
	assert_string_equal(w->text, "runs differ in their runtime: run 4 has python 3.11.2 "
	    "(run 2 had 3.9.5)");
	assert_int_equal(w->nrun_ids, 2);
	assert_int_equal(w->run_ids[0], 4);
	assert_int_equal(w->run_ids[1], 5);
	assert_int_equal(a->nwarnings, 1);
	analysis_free(a);
	db_plan_free(p);
}

/* A run's avg_latency_ms makes a metric of its own, in ms, after the stages. */
static void
test_latency_metric(void **state)
{
	struct db_plan *p = plan_new("done");
	struct analysis *a;

	(void)state;
	plan_condition(p, "a");
	plan_runs(p, "a", "none", NAN, WARM, NELEM(WARM));
	for (size_t i = 0; i < p->nruns; i++) {
		if (i != 2)
			run_metric(&p->runs[i], "avg_latency_ms", 10.0 * WARM[i], "ms");
	}
	a = analysis_create(p);
	assert_int_equal(a->nmetrics, 2);
	assert_string_equal(a->metrics[1], "avg_latency_ms");
	assert_string_equal(a->units[1], "ms");
	assert_int_equal(a->conds[0].cells[0].n, 6);
	assert_int_equal(a->conds[0].cells[1].n, 5);	/* run 3 reported none */
	assert_true(a->conds[0].cells[1].values[2] == 10.0 * WARM[3]);
	assert_int_equal(a->conds[0].cells[1].run_ids[2], 4);
	analysis_free(a);
	db_plan_free(p);
}

/* analysis_next_warning hands out the warnings of one condition and metric, in order. */
static void
test_next_warning(void **state)
{
	struct db_plan *p = plan_new("running");
	const struct analysis_warning *w;
	struct analysis *a;
	size_t iter = 0;

	(void)state;
	plan_condition(p, "slow");
	plan_condition(p, "few");
	plan_runs(p, "slow", "none", NAN, SLOW, NELEM(SLOW));
	plan_run(p, "few", "none", "measured", "failed", NAN, NAN);
	plan_run(p, "few", "none", "measured", "ok", NAN, 1.0);
	a = analysis_create(p);

	w = analysis_next_warning(a, -1, -1, &iter);
	assert_non_null(w);
	assert_string_equal(w->kind, "unfinished");
	assert_null(analysis_next_warning(a, -1, -1, &iter));
	iter = 0;
	w = analysis_next_warning(a, 0, 0, &iter);
	assert_string_equal(w->kind, "outliers");
	assert_null(analysis_next_warning(a, 0, 0, &iter));
	iter = 0;
	assert_null(analysis_next_warning(a, 0, -1, &iter));
	iter = 0;
	w = analysis_next_warning(a, 1, -1, &iter);
	assert_string_equal(w->kind, "left_out");
	w = analysis_next_warning(a, 1, -1, &iter);
	assert_string_equal(w->kind, "few_runs");
	assert_null(analysis_next_warning(a, 1, -1, &iter));
	analysis_free(a);
	db_plan_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cold_warm),
		cmocka_unit_test(test_pairs_order),
		cmocka_unit_test(test_warn_resident),
		cmocka_unit_test(test_cache_words),
		cmocka_unit_test(test_no_ok_runs_why),
		cmocka_unit_test(test_warn_outliers),
		cmocka_unit_test(test_warn_left_out_few),
		cmocka_unit_test(test_latest_attempt),
		cmocka_unit_test(test_warn_unfinished),
		cmocka_unit_test(test_warn_shared_footprint),
		cmocka_unit_test(test_warn_runs),
		cmocka_unit_test(test_note_metadata),
		cmocka_unit_test(test_warming_curve),
		cmocka_unit_test(test_modules),
		cmocka_unit_test(test_warn_info_differs),
		cmocka_unit_test(test_latency_metric),
		cmocka_unit_test(test_next_warning),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
