/*
 * test_versus.c: unit tests of client/versus.c on plans built in memory: the
 * verdict rule (the interval of the shift decides), the threshold of
 * --fail-if-slower, which conditions and stages are paired, what differed
 * between the plans' runs, and the errors that name the fix.
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
#include "db.h"
#include "stats.h"
#include "testplan.h"
#include "versus.h"
#include "xmalloc.h"

#define NELEM(a)	(sizeof (a) / sizeof (a)[0])

/* A reference's cold import times; the new ones 10% slower, and some that overlap the reference. */
static const double BASE[] = { 5.01, 5.02, 5.03, 5.04, 5.05, 5.06 };
static const double SLOWER[] = { 5.51, 5.52, 5.53, 5.54, 5.55, 5.56 };
static const double FASTER[] = { 4.01, 4.02, 4.03, 4.04, 4.05, 4.06 };
static const double MIXED[] = { 5.015, 5.025, 5.035, 5.045, 5.055, 5.005 };

/* A plan of id id with a cold and a warm condition of six runs each. */
static struct db_plan *
two_conds(long long id, const double *cold, const double *warm)
{
	struct db_plan *p = plan_new("done");

	plan_set_id(p, id);
	plan_condition(p, "cold");
	plan_condition(p, "warm");
	plan_runs(p, "cold", "cold", 0.0, cold, 6);
	plan_runs(p, "warm", "warm", 100.0, warm, 6);
	return p;
}

/* The verdict comes from the interval alone: above 0 slower, below faster, across it or none the same. */
static void
test_verdict_rule(void **state)
{
	struct stats_compare c;

	(void)state;
	memset(&c, 0, sizeof c);
	c.na = c.nb = 6;
	c.diff = 0.5;
	c.has_ci = 1;
	c.ci_lo = 0.47;
	c.ci_hi = 0.53;
	assert_int_equal(versus_verdict(&c), VERSUS_SLOWER);
	c.ci_lo = -0.53;
	c.ci_hi = -0.47;
	assert_int_equal(versus_verdict(&c), VERSUS_FASTER);
	c.ci_lo = -0.01;
	c.ci_hi = 0.9;
	assert_int_equal(versus_verdict(&c), VERSUS_SAME);
	c.ci_lo = 0;	/* touching 0 is not a difference */
	assert_int_equal(versus_verdict(&c), VERSUS_SAME);
	c.has_ci = 0;	/* too few runs for an interval: nothing can be told */
	assert_int_equal(versus_verdict(&c), VERSUS_SAME);
	c.nb = 0;
	c.diff = NAN;
	assert_int_equal(versus_verdict(&c), VERSUS_NONE);
	assert_string_equal(versus_verdict_name(VERSUS_SLOWER), "slower");
	assert_string_equal(versus_verdict_name(VERSUS_FASTER), "faster");
	assert_string_equal(versus_verdict_name(VERSUS_SAME), "no difference at this precision");
	assert_string_equal(versus_verdict_name(VERSUS_NONE), "not compared");
	assert_string_equal(versus_verdict_key(VERSUS_SLOWER), "slower");
	assert_string_equal(versus_verdict_key(VERSUS_SAME), "same");
	assert_string_equal(versus_verdict_key(VERSUS_NONE), "none");
}

/* Conditions pair by name; b's shift from a is b's median minus a's, with its verdict each. */
static void
test_pairs_by_name(void **state)
{
	struct db_plan *pa = two_conds(2, BASE, BASE), *pb = two_conds(5, SLOWER, MIXED);
	struct analysis *a = analysis_create(pa), *b = analysis_create(pb);
	struct versus *v;
	const struct versus_metric *m;
	char *cause = NULL;

	(void)state;
	v = versus_create(a, NULL, b, NULL, NULL, NAN, &cause);
	assert_non_null(v);
	assert_int_equal(v->npairs, 2);
	assert_int_equal(v->pairs[0].ca, 0);
	assert_int_equal(v->pairs[0].cb, 0);
	assert_int_equal(v->pairs[1].ca, 1);
	assert_int_equal(v->pairs[1].nmetrics, 1);
	m = &v->pairs[0].metrics[0];
	assert_string_equal(m->name, "import_torch");
	assert_true(fabs(m->cmp.diff - 0.5) < 1e-9);
	assert_true(fabs(m->cmp.rel - 0.5 / 5.035) < 1e-9);
	assert_true(m->cmp.median_a == (5.53 + 5.54) / 2);	/* b's */
	assert_int_equal(m->verdict, VERSUS_SLOWER);
	assert_int_equal(m->over, 0);				/* no threshold */
	assert_int_equal(v->pairs[1].metrics[0].verdict, VERSUS_SAME);
	assert_int_equal(v->nslower, 1);
	assert_int_equal(v->nsame, 1);
	assert_int_equal(v->nfaster, 0);
	assert_int_equal(v->nover, 0);
	assert_int_equal(v->ndiffs, 0);
	versus_free(v);

	/* Swapped, the same runs are faster. */
	v = versus_create(b, NULL, a, NULL, NULL, NAN, &cause);
	assert_int_equal(v->pairs[0].metrics[0].verdict, VERSUS_FASTER);
	assert_int_equal(v->nfaster, 1);
	versus_free(v);
	analysis_free(a);
	analysis_free(b);
	db_plan_free(pa);
	db_plan_free(pb);
}

/* --fail-if-slower PCT: a slower stage counts when b's median is more than PCT% above a's. */
static void
test_threshold(void **state)
{
	struct db_plan *pa = two_conds(2, BASE, BASE), *pb = two_conds(5, SLOWER, FASTER);
	struct analysis *a = analysis_create(pa), *b = analysis_create(pb);
	struct versus *v;
	char *cause = NULL;

	(void)state;
	/* +9.93%: over 5%, not over 10%; the faster warm condition never counts. */
	v = versus_create(a, NULL, b, NULL, NULL, 5, &cause);
	assert_int_equal(v->nover, 1);
	assert_int_equal(v->pairs[0].metrics[0].over, 1);
	assert_int_equal(v->pairs[1].metrics[0].verdict, VERSUS_FASTER);
	assert_int_equal(v->pairs[1].metrics[0].over, 0);
	versus_free(v);
	v = versus_create(a, NULL, b, NULL, NULL, 10, &cause);
	assert_int_equal(v->nover, 0);
	assert_int_equal(v->nslower, 1);
	versus_free(v);
	v = versus_create(a, NULL, b, NULL, NULL, 0, &cause);
	assert_int_equal(v->nover, 1);
	versus_free(v);

	/* Only the conditions named: a's warm against b's cold. */
	v = versus_create(a, "warm", b, "cold", NULL, 5, &cause);
	assert_int_equal(v->npairs, 1);
	assert_int_equal(v->pairs[0].ca, 1);
	assert_int_equal(v->pairs[0].cb, 0);
	assert_int_equal(v->nover, 1);
	versus_free(v);
	/* One named: the same name on the other side. */
	v = versus_create(a, NULL, b, "warm", NULL, 5, &cause);
	assert_int_equal(v->npairs, 1);
	assert_int_equal(v->pairs[0].ca, 1);
	assert_int_equal(v->pairs[0].cb, 1);
	assert_int_equal(v->nover, 0);
	versus_free(v);
	analysis_free(a);
	analysis_free(b);
	db_plan_free(pa);
	db_plan_free(pb);
}

/* A slower stage the runs cannot tell apart (too few for an interval) never fails a script. */
static void
test_few_runs_never_fail(void **state)
{
	struct db_plan *pa = plan_new("done"), *pb = plan_new("done");
	struct analysis *a, *b;
	struct versus *v;
	char *cause = NULL;

	(void)state;
	plan_set_id(pb, 2);
	plan_condition(pa, "cold");
	plan_condition(pb, "cold");
	plan_runs(pa, "cold", "cold", 0, BASE, 2);
	plan_runs(pb, "cold", "cold", 0, SLOWER, 2);
	a = analysis_create(pa);
	b = analysis_create(pb);
	v = versus_create(a, NULL, b, NULL, NULL, 1, &cause);
	assert_int_equal(v->pairs[0].metrics[0].cmp.has_ci, 0);
	assert_int_equal(v->pairs[0].metrics[0].verdict, VERSUS_SAME);
	assert_int_equal(v->nover, 0);
	versus_free(v);
	analysis_free(a);
	analysis_free(b);
	db_plan_free(pa);
	db_plan_free(pb);
}

/* What differed is listed: the machine (by machine-id), the runtime info, the CPUs and governor. */
static void
test_differences(void **state)
{
	struct db_plan *pa = two_conds(2, BASE, BASE), *pb = two_conds(5, BASE, BASE);
	struct analysis *a, *b;
	struct versus *v;
	char *cause = NULL;

	(void)state;
	pa->hosts = xcalloc(1, sizeof *pa->hosts);
	pa->hosts[0].host = xstrdup("alpha");
	pa->hosts[0].machine_id = xstrdup("0123456789abcdef");
	pa->nhosts = 1;
	pb->hosts = xcalloc(1, sizeof *pb->hosts);
	pb->hosts[0].host = xstrdup("alpha");		/* the same name, another machine */
	pb->hosts[0].machine_id = xstrdup("fedcba9876543210");
	pb->nhosts = 1;
	run_info(&pa->runs[0], "python", "3.11.2");
	run_info(&pa->runs[0], "torch", "2.5.1+cpu");
	run_info(&pb->runs[0], "python", "3.11.2");
	run_info(&pb->runs[0], "torch", "2.6.0+cpu");
	pa->runs[0].spawned_at = pb->runs[0].spawned_at = 1738332309;
	pa->runs[0].cpus = xstrdup("0,1");
	pa->runs[0].cpu_governor = xstrdup("0:performance 1:performance");
	pb->runs[0].cpu_governor = xstrdup("0:performance 1:performance");
	a = analysis_create(pa);
	b = analysis_create(pb);
	v = versus_create(a, NULL, b, NULL, NULL, NAN, &cause);
	assert_int_equal(v->ndiffs, 3);
	assert_string_equal(v->diffs[0].what, "machine");
	assert_string_equal(v->diffs[0].a, "alpha (machine-id 01234567...)");
	assert_string_equal(v->diffs[0].b, "alpha (machine-id fedcba98...)");
	assert_string_equal(v->diffs[1].what, "torch");
	assert_string_equal(v->diffs[1].a, "2.5.1+cpu");
	assert_string_equal(v->diffs[1].b, "2.6.0+cpu");
	assert_string_equal(v->diffs[2].what, "cpus");
	assert_string_equal(v->diffs[2].a, "0,1");
	assert_string_equal(v->diffs[2].b, "not pinned");
	versus_free(v);

	/* The same machine-id is the same machine, whatever its name now. */
	free(pb->hosts[0].machine_id);
	pb->hosts[0].machine_id = xstrdup("0123456789abcdef");
	free(pb->hosts[0].host);
	pb->hosts[0].host = xstrdup("renamed");
	v = versus_create(a, NULL, b, NULL, NULL, NAN, &cause);
	assert_int_equal(v->ndiffs, 2);
	assert_string_equal(v->diffs[0].what, "torch");
	versus_free(v);
	analysis_free(a);
	analysis_free(b);
	db_plan_free(pa);
	db_plan_free(pb);
}

/* A condition or stage that is not there, or no shared condition, is refused with the fix. */
static void
test_errors(void **state)
{
	struct db_plan *pa = two_conds(2, BASE, BASE), *pb = plan_new("done");
	struct analysis *a, *b;
	char *cause = NULL;

	(void)state;
	plan_set_id(pb, 5);
	plan_condition(pb, "chilled");
	plan_runs(pb, "chilled", "cold", 0, SLOWER, 6);
	a = analysis_create(pa);
	b = analysis_create(pb);
	assert_null(versus_create(a, NULL, b, NULL, NULL, NAN, &cause));
	assert_string_equal(cause, "plans 2 (cold, warm) and 5 (chilled) share no condition "
	    "name; name the two to compare: benchctl compare 2:cold 5:chilled");
	free(cause);
	assert_null(versus_create(a, "cold", b, NULL, NULL, NAN, &cause));
	assert_string_equal(cause, "plan 5 has no condition \"cold\" (it has chilled)");
	free(cause);
	assert_null(versus_create(a, "cold", b, "chilled", "warmup", NAN, &cause));
	assert_string_equal(cause, "plan 2 has no stage \"warmup\" to compare (\"benchctl "
	    "summary 2\" lists its stages)");
	free(cause);
	analysis_free(a);
	analysis_free(b);
	db_plan_free(pa);
	db_plan_free(pb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdict_rule),
		cmocka_unit_test(test_pairs_by_name),
		cmocka_unit_test(test_threshold),
		cmocka_unit_test(test_few_runs_never_fail),
		cmocka_unit_test(test_differences),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
