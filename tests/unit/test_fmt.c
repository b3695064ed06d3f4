/*
 * test_fmt.c: unit tests of client/fmt.c, the way benchctl writes numbers:
 * units chosen by size, three significant digits, signs, p-values, intervals,
 * durations, times and plurals, each checked against the exact string.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "fmt.h"
#include "stats.h"

#define NELEM(a)	(sizeof (a) / sizeof (a)[0])

/* A value, its unit and sign, and what fmt_value must write for it. */
struct value_case {
	double		 v;
	const char	*unit;
	int		 sign;
	const char	*want;
};

/* fmt_value: seconds below one become milliseconds, thousands of ms become seconds, three digits. */
static void
test_value(void **state)
{
	static const struct value_case cases[] = {
		{ 5.2949, "s", 0, "5.29 s" },
		{ 0.197, "s", 0, "197 ms" },
		{ 0.0366, "s", 0, "36.6 ms" },
		{ 0.0001234, "s", 0, "0.123 ms" },
		{ 123.4, "s", 0, "123 s" },
		{ 12.34, "s", 0, "12.3 s" },
		{ 0.9999996, "s", 0, "1.00 s" },	/* rounds to 1 s, not 1000 ms */
		{ 0, "s", 0, "0.00 s" },
		{ 36.6, "ms", 0, "36.6 ms" },
		{ 999.4, "ms", 0, "999 ms" },
		{ 1234.5, "ms", 0, "1.23 s" },
		{ 0.5, "s", 1, "+500 ms" },
		{ -1.73, "s", 1, "-1.73 s" },
		{ 1.73, "s", 1, "+1.73 s" },
		{ NAN, "s", 0, "n/a" },
		{ NAN, "ms", 1, "n/a" },
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		fmt_value(cases[i].v, cases[i].unit, cases[i].sign, buf, sizeof buf);
		assert_string_equal(buf, cases[i].want);
	}
}

/* fmt_scale picks the unit and decimals; fmt_scaled applies them, "-" for NaN. */
static void
test_scale(void **state)
{
	const char *shown;
	double factor;
	int decimals;
	char buf[64];

	(void)state;
	fmt_scale(0.0127, "s", &factor, &shown, &decimals);
	assert_true(factor == 1000);
	assert_string_equal(shown, "ms");
	assert_int_equal(decimals, 1);
	fmt_scale(5.29, "s", &factor, &shown, &decimals);
	assert_true(factor == 1);
	assert_string_equal(shown, "s");
	assert_int_equal(decimals, 2);
	fmt_scale(2500, "ms", &factor, &shown, &decimals);
	assert_true(factor == 0.001);
	assert_string_equal(shown, "s");
	assert_int_equal(decimals, 2);
	fmt_scale(150, "ms", &factor, &shown, &decimals);
	assert_true(factor == 1);
	assert_string_equal(shown, "ms");
	assert_int_equal(decimals, 0);

	fmt_scaled(1.23456, 1000, 1, 0, buf, sizeof buf);
	assert_string_equal(buf, "1234.6");
	fmt_scaled(1.23456, 1000, 1, 1, buf, sizeof buf);
	assert_string_equal(buf, "+1234.6");
	fmt_scaled(-0.5, 1, 2, 1, buf, sizeof buf);
	assert_string_equal(buf, "-0.50");
	fmt_scaled(NAN, 1, 2, 1, buf, sizeof buf);
	assert_string_equal(buf, "-");
}

/* fmt_p: two digits, two significant ones below 0.01, a floor at 0.0001. */
static void
test_p(void **state)
{
	static const struct { double p; const char *want; } cases[] = {
		{ 0.73, "p=0.73" },
		{ 0.01, "p=0.01" },
		{ 0.0099, "p=0.0099" },
		{ 2.0 / 924, "p=0.0022" },
		{ 0.00015, "p=0.00015" },
		{ 0.0001, "p=0.0001" },
		{ 0.00009, "p<0.0001" },
		{ 1, "p=1.00" },
		{ NAN, "p=n/a" },
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		fmt_p(cases[i].p, buf, sizeof buf);
		assert_string_equal(buf, cases[i].want);
	}
}

/* A comparison with only the fields the formatting reads. */
static struct stats_compare
compare(double ma, double mb, double diff, double rel, int has_ci, double lo, double hi)
{
	struct stats_compare c;

	memset(&c, 0, sizeof c);
	c.median_a = ma;
	c.median_b = mb;
	c.diff = diff;
	c.rel = rel;
	c.has_ci = has_ci;
	c.ci_lo = lo;
	c.ci_hi = hi;
	c.hl = c.u = c.p = c.ci_coverage = NAN;
	return c;
}

/* fmt_medians: both in the larger one's unit, with the digits of the smaller. */
static void
test_medians(void **state)
{
	struct stats_compare c;
	char a[32], b[32];

	(void)state;
	c = compare(1.954, 0.995, 0.959, 0.964, 0, NAN, NAN);
	fmt_medians(&c, "s", a, b, sizeof a);
	assert_string_equal(a, "1.954 s");
	assert_string_equal(b, "0.995 s");
	c = compare(0.0127, 0.0121, 0.0006, 0.05, 0, NAN, NAN);
	fmt_medians(&c, "s", a, b, sizeof a);
	assert_string_equal(a, "12.7 ms");
	assert_string_equal(b, "12.1 ms");
	c = compare(5.2, NAN, NAN, NAN, 0, NAN, NAN);
	fmt_medians(&c, "s", a, b, sizeof a);
	assert_string_equal(a, "5.20 s");
	assert_string_equal(b, "n/a");
}

/* fmt_diff: signed difference, relative change, the interval in the medians' unit. */
static void
test_diff(void **state)
{
	struct stats_compare c;
	char buf[160];

	(void)state;
	c = compare(5.29, 3.56, 1.73, 0.49, 1, 1.41, 2.02);
	fmt_diff(&c, "s", 0, buf, sizeof buf);
	assert_string_equal(buf, "+1.73 s (+49%), 95% CI for the shift [+1.41, +2.02] s");
	fmt_diff(&c, "s", 1, buf, sizeof buf);
	assert_string_equal(buf, "+1.73 s (+49%), 95% CI [+1.41, +2.02] s");

	/* Digits from the widest of the difference and the interval's ends. */
	c = compare(0.0127, 0.0121, 0.00067, 0.00067 / 0.0121, 1, -0.00943, 0.00148);
	fmt_diff(&c, "s", 0, buf, sizeof buf);
	assert_string_equal(buf, "+0.67 ms (+5.5%), 95% CI for the shift [-9.43, +1.48] ms");

	c = compare(2.05, 1.05, 1.0, 1.0 / 1.05, 0, NAN, NAN);
	fmt_diff(&c, "s", 0, buf, sizeof buf);
	assert_string_equal(buf, "+1.00 s (+95%), too few runs for a 95% CI of the shift");
	fmt_diff(&c, "s", 1, buf, sizeof buf);
	assert_string_equal(buf, "+1.00 s (+95%), no CI (too few runs)");

	c = compare(1.0, 0.0, 1.0, NAN, 0, NAN, NAN);
	fmt_diff(&c, "s", 0, buf, sizeof buf);
	assert_string_equal(buf, "+1.00 s, too few runs for a 95% CI of the shift");

	c = compare(3.0, 4.0, -1.0, -0.25, 0, NAN, NAN);
	fmt_diff(&c, "s", 0, buf, sizeof buf);
	assert_string_equal(buf, "-1.00 s (-25%), too few runs for a 95% CI of the shift");
	c = compare(0.3, 0.4, -0.1, -0.25, 0, NAN, NAN);
	fmt_diff(&c, "s", 0, buf, sizeof buf);
	assert_string_equal(buf, "-100 ms (-25%), too few runs for a 95% CI of the shift");

	c = compare(NAN, 1.0, NAN, NAN, 0, NAN, NAN);
	fmt_diff(&c, "s", 0, buf, sizeof buf);
	assert_string_equal(buf, "no difference to show (a condition has no ok runs)");
}

/* fmt_span: every duration benchctl prints, in its two largest units, rounded. */
static void
test_span(void **state)
{
	static const struct { double secs; const char *want; } cases[] = {
		{ 0, "0 s" },
		{ 0.4, "0 s" },
		{ 47.6, "48 s" },
		{ 59.4, "59 s" },
		{ 59.5, "1 min 00 s" },
		{ 132, "2 min 12 s" },
		{ 3599.4, "59 min 59 s" },
		{ 3600, "1 h 00 min" },
		{ 3 * 3600 + 5 * 60 + 59, "3 h 05 min" },
		{ 86399, "23 h 59 min" },
		{ 86400, "1 d 00 h" },
		{ 4 * 86400 + 7 * 3600 + 59 * 60, "4 d 07 h" },
		{ -5, "0 s" },
		{ NAN, "0 s" },
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		fmt_span(cases[i].secs, buf, sizeof buf);
		assert_string_equal(buf, cases[i].want);
	}
}

/* fmt_time: local time (here UTC), "-" when unknown. */
static void
test_time(void **state)
{
	char buf[32];

	(void)state;
	fmt_time(1738332309, buf, sizeof buf);
	assert_string_equal(buf, "2025-01-31 14:05:09");
	fmt_time(1738332309.9, buf, sizeof buf);
	assert_string_equal(buf, "2025-01-31 14:05:09");
	fmt_time(0, buf, sizeof buf);
	assert_string_equal(buf, "1970-01-01 00:00:00");
	fmt_time(NAN, buf, sizeof buf);
	assert_string_equal(buf, "-");
}

/* fmt_exact and fmt_digits: the shortest decimal that reads back exactly, as Python's repr. */
static void
test_exact(void **state)
{
	static const struct { double v; const char *want; } cases[] = {
		{ 0.1, "0.1" },
		{ 5.295, "5.295" },
		{ 2, "2" },
		{ 1.0 / 3, "0.3333333333333333" },
		{ 0.1 + 0.2, "0.30000000000000004" },
		{ 1e-7, "1e-07" },
		{ -12.5, "-12.5" },
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		fmt_exact(cases[i].v, buf, sizeof buf);
		assert_string_equal(buf, cases[i].want);
		assert_true(strtod(buf, NULL) == cases[i].v);
	}
	assert_int_equal(fmt_digits(0.1), 15);
	assert_int_equal(fmt_digits(1.0 / 3), 16);
	assert_int_equal(fmt_digits(0.1 + 0.2), 17);
}

/* fmt_plural: "1 run", "0 runs", "2 runs". */
static void
test_plural(void **state)
{
	(void)state;
	assert_string_equal(fmt_plural(1), "");
	assert_string_equal(fmt_plural(0), "s");
	assert_string_equal(fmt_plural(2), "s");
	assert_string_equal(fmt_plural(-1), "s");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_value),
		cmocka_unit_test(test_scale),
		cmocka_unit_test(test_p),
		cmocka_unit_test(test_medians),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_span),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_plural),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
