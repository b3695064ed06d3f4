/*
 * test_target.c: unit tests of daemon/target.c, the decision on a plan's
 * precision targets: plans parsed from text, runs given as numbers, and the
 * looks, states and next round checked.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plan.h"
#include "target.h"

#define NELEM(a)	(sizeof (a) / sizeof (a)[0])

/* Parse a plan that must be good. */
static struct plan *
parse(const char *text)
{
	char		*cause = NULL;
	struct plan	*pl = plan_parse(text, strlen(text), "t.yaml", NULL, &cause);

	if (pl == NULL)
		fail_msg("%s", cause);
	return pl;
}

/* n values around v: v, v + step, v - step, v + 2 step, ... */
static void
around(double *x, size_t n, double v, double step)
{
	for (size_t i = 0; i < n; i++)
		x[i] = v + (i % 2 ? 1 : -1) * step * (double)((i + 1) / 2);
}

/*
 * One condition's median: too few runs for an interval, then met once the
 * interval is within the goal (never before min_runs), else the bound at
 * max_runs; a recorded stop stays; the round takes open conditions only.
 */
static void
test_median(void **state)
{
	struct plan		*pl = parse("name: t\nscript: b.py\nconditions:\n"
	    "  - {name: a, cache: none, until: {stage: total, within: 1%, min_runs: 12, max_runs: 40}}\n"
	    "  - {name: b, cache: none, runs: 3}\n");
	struct target_look	 look;
	struct target_cond	 conds[2] = { { 0 } };
	double			 x[40], alpha = target_alpha(pl, 0);
	int			 round[2];

	(void)state;
	assert_int_equal(pl->ntargets, 1);
	assert_true(alpha > 0.005 && alpha < 0.05);

	/* Five runs: no interval at the looks' level yet; another round, for a only. */
	around(x, 40, 1.0, 0.0001);
	conds[0] = (struct target_cond){ x, 5, 5, TARGET_OPEN };
	assert_int_equal(target_decide(pl, &alpha, conds, &look, round), 1);
	assert_int_equal(look.state, TARGET_OPEN);
	assert_int_equal(look.look.has_ci, 0);
	assert_int_equal(look.runs_left, -1);
	assert_true(fabs(look.goal - 0.01) < 1e-9);
	assert_int_equal(round[0], 1);
	assert_int_equal(round[1], 0);

	/* Ten tight values: the interval is narrow, but min_runs is 12. */
	conds[0] = (struct target_cond){ x, 10, 10, TARGET_OPEN };
	target_decide(pl, &alpha, conds, &look, round);
	assert_int_equal(look.state, TARGET_OPEN);
	assert_true(look.look.has_ci && look.look.width <= look.goal);
	assert_int_equal(look.runs_left, 1);

	/* Twelve: met. Nothing more to run. */
	conds[0] = (struct target_cond){ x, 12, 12, TARGET_OPEN };
	assert_int_equal(target_decide(pl, &alpha, conds, &look, round), 0);
	assert_int_equal(look.state, TARGET_MET);
	assert_string_equal(target_rule(look.state), "target");
	assert_int_equal(look.runs_left, 0);

	/* Wide values: open, with an estimate by the 1/sqrt(n) law, cut at max_runs. */
	around(x, 40, 1.0, 0.01);
	conds[0] = (struct target_cond){ x, 20, 20, TARGET_OPEN };
	target_decide(pl, &alpha, conds, &look, round);
	assert_int_equal(look.state, TARGET_OPEN);
	assert_true(look.look.width > look.goal);
	assert_int_equal(look.runs_left, 20);
	/* 40 runs, 35 of them ok (5 failed): the bound. */
	conds[0] = (struct target_cond){ x, 35, 40, TARGET_OPEN };
	assert_int_equal(target_decide(pl, &alpha, conds, &look, round), 0);
	assert_int_equal(look.state, TARGET_BOUND);
	assert_string_equal(target_rule(look.state), "max_runs");
	assert_null(target_rule(TARGET_OPEN));

	/* A stop on record stays, whatever the values say now. */
	conds[0] = (struct target_cond){ x, 20, 20, TARGET_MET };
	assert_int_equal(target_decide(pl, &alpha, conds, &look, round), 0);
	assert_int_equal(look.state, TARGET_MET);
	plan_free(pl);
}

/* A shift: both conditions run until its interval is narrow enough, a percentage of b's median. */
static void
test_shift(void **state)
{
	struct plan		*pl = parse("name: t\nscript: b.py\n"
	    "until: {compare: [cold, warm], stage: total, narrower_than: 2%, max_runs: 30}\n"
	    "conditions:\n  - {name: cold, cache: none}\n  - {name: warm, cache: none}\n");
	struct target_look	 look;
	struct target_cond	 conds[2];
	double			 a[30], b[30], alpha = target_alpha(pl, 0);
	int			 round[2];

	(void)state;
	assert_int_equal(pl->targets[0].kind, PLAN_TARGET_SHIFT);
	around(a, 30, 2.0, 0.001);
	around(b, 30, 1.0, 0.001);
	conds[0] = (struct target_cond){ a, 5, 5, TARGET_OPEN };
	conds[1] = (struct target_cond){ b, 5, 5, TARGET_OPEN };
	assert_int_equal(target_decide(pl, &alpha, conds, &look, round), 2);
	assert_true(round[0] && round[1]);
	assert_true(fabs(look.goal - 0.02) < 1e-9);	/* 2% of warm's median, 1.0 */
	conds[0].nvalues = conds[0].runs = conds[1].nvalues = conds[1].runs = 12;
	assert_int_equal(target_decide(pl, &alpha, conds, &look, round), 0);
	assert_int_equal(look.state, TARGET_MET);
	assert_true(look.look.lo <= 1.0 && 1.0 <= look.look.hi);
	assert_true(fabs(look.look.estimate - 1.0) < 1e-9);
	plan_free(pl);
}

/* Blocked plans run one condition at a time after their first runs; interleaved ones all. */
static void
test_blocked(void **state)
{
	const char		*text = "name: t\nscript: b.py\n%s"
	    "until: {stage: total, within: 0.1%, max_runs: 20}\n"
	    "conditions:\n  - {name: a, cache: none}\n  - {name: b, cache: none}\n"
	    "  - {name: c, cache: none}\n";
	struct target_look	 looks[3];
	struct target_cond	 conds[3];
	double			 x[20], alpha[3];
	int			 round[3];
	char			 buf[512];

	(void)state;
	around(x, 20, 1.0, 0.01);
	for (int blocked = 0; blocked < 2; blocked++) {
		struct plan *pl;

		snprintf(buf, sizeof buf, text, blocked ? "order: blocked\n" : "");
		pl = parse(buf);
		assert_int_equal(pl->ntargets, 3);
		for (size_t i = 0; i < 3; i++) {
			alpha[i] = target_alpha(pl, i);
			conds[i] = (struct target_cond){ x, 8, 8, TARGET_OPEN };
		}
		conds[0].stopped = TARGET_BOUND;
		assert_int_equal(target_decide(pl, alpha, conds, looks, round), blocked ? 1 : 2);
		assert_int_equal(round[0], 0);
		assert_int_equal(round[1], 1);
		assert_int_equal(round[2], !blocked);
		plan_free(pl);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_median),
		cmocka_unit_test(test_shift),
		cmocka_unit_test(test_blocked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
