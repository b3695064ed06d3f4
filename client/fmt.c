/* fmt.c: numbers, durations and times as benchctl's commands print them, three significant digits at most. */
#include "fmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * |x| rounded to three significant digits, so that 0.9999996 counts as 1
 * (it is shown as "1.00 s", not "1000 ms").
 */
static double
fmt_round3(double x)
{
	double a = fabs(x), mag;

	if (!(a > 0) || isinf(a))
		return a;
	mag = pow(10, floor(log10(a)) - 2);
	return round(a / mag) * mag;
}

/* Decimals that show numbers about as large as ref with three significant digits. */
static int
fmt_decimals(double ref)
{
	double a = fmt_round3(ref);

	if (isnan(a) || a >= 100)
		return 0;
	if (a >= 10)
		return 1;
	if (a >= 1 || a == 0)
		return 2;
	return 3;
}

/* The unit and decimals that show numbers about as large as ref. */
void
fmt_scale(double ref, const char *unit, double *factor, const char **shown,
    int *decimals)
{
	double a = fmt_round3(ref);

	*factor = 1;
	*shown = unit;
	if (strcmp(unit, "s") == 0 && a < 1 && a > 0) {
		*factor = 1000;
		*shown = "ms";
	} else if (strcmp(unit, "ms") == 0 && a >= 1000) {
		*factor = 0.001;
		*shown = "s";
	}
	*decimals = fmt_decimals(a * *factor);
}

/* Format one number with the given scale, "-" when it does not exist. */
void
fmt_scaled(double v, double factor, int decimals, int sign, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, sign ? "%+.*f" : "%.*f", decimals, v * factor);
}

/* Format v for people, with its unit. */
void
fmt_value(double v, const char *unit, int sign, char *buf, size_t len)
{
	const char *shown;
	double factor;
	int decimals;

	if (isnan(v)) {
		snprintf(buf, len, "n/a");
		return;
	}
	fmt_scale(v, unit, &factor, &shown, &decimals);
	snprintf(buf, len, sign ? "%+.*f %s" : "%.*f %s", decimals, v * factor, shown);
}

/*
 * Format the medians of a comparison in one unit, the larger one's: "5.29 s"
 * and "3.56 s", or "1.954 s" and "0.995 s" (digits for the smaller one).
 */
void
fmt_medians(const struct stats_compare *c, const char *unit, char *a, char *b,
    size_t len)
{
	double ref = fmax(fabs(c->median_a), fabs(c->median_b)), factor;
	double small = fmin(fabs(c->median_a), fabs(c->median_b));
	const char *shown;
	int decimals;

	if (isnan(c->median_a) || isnan(c->median_b)) {
		fmt_value(c->median_a, unit, 0, a, len);
		fmt_value(c->median_b, unit, 0, b, len);
		return;
	}
	fmt_scale(ref, unit, &factor, &shown, &decimals);
	decimals = fmt_decimals(small * factor);
	snprintf(a, len, "%.*f %s", decimals, c->median_a * factor, shown);
	snprintf(b, len, "%.*f %s", decimals, c->median_b * factor, shown);
}

/*
 * Format a difference of medians with its relative size ("+1.73 s (+49%)")
 * into shift and the interval for the shift ("[+1.41, +2.02] s", "" when
 * there is none) into ci, in the medians' unit with three significant digits
 * of the largest. Returns 0, or -1 (both "") when there is no difference.
 */
int
fmt_shift(const struct stats_compare *c, const char *unit, char *shift, char *ci, size_t len)
{
	const char *shown;
	double ref = fabs(c->diff), factor;
	char d[32], lo[32], hi[32], rel[32] = "";
	int decimals;

	*shift = *ci = '\0';
	if (isnan(c->diff))
		return -1;
	fmt_scale(fmax(fabs(c->median_a), fabs(c->median_b)), unit, &factor, &shown,
	    &decimals);
	if (c->has_ci)
		ref = fmax(ref, fmax(fabs(c->ci_lo), fabs(c->ci_hi)));
	decimals = fmt_decimals(ref * factor);
	fmt_scaled(c->diff, factor, decimals, 1, d, sizeof d);
	if (!isnan(c->rel)) {
		snprintf(rel, sizeof rel, fabs(c->rel) >= 0.1 ? " (%+.0f%%)" : " (%+.1f%%)",
		    c->rel * 100);
	}
	snprintf(shift, len, "%s %s%s", d, shown, rel);
	if (c->has_ci) {
		fmt_scaled(c->ci_lo, factor, decimals, 1, lo, sizeof lo);
		fmt_scaled(c->ci_hi, factor, decimals, 1, hi, sizeof hi);
		snprintf(ci, len, "[%s, %s] %s", lo, hi, shown);
	}
	return 0;
}

/* Format a difference of medians, relative, and the interval for the shift. */
void
fmt_diff(const struct stats_compare *c, const char *unit, int terse, char *buf,
    size_t len)
{
	char shift[96], ci[96];

	if (fmt_shift(c, unit, shift, ci, sizeof shift) != 0)
		snprintf(buf, len, "no difference to show (a condition has no ok runs)");
	else if (*ci == '\0')
		snprintf(buf, len, "%s, %s", shift, terse ? "no CI (too few runs)" :
		    "too few runs for a 95% CI of the shift");
	else
		snprintf(buf, len, "%s, %s %s", shift, terse ? "95% CI" : "95% CI for the shift",
		    ci);
}

/* Format a p-value. */
void
fmt_p(double p, char *buf, size_t len)
{
	if (isnan(p))
		snprintf(buf, len, "p=n/a");
	else if (p < 0.0001)
		snprintf(buf, len, "p<0.0001");
	else if (p < 0.01)
		snprintf(buf, len, "p=%.2g", p);
	else
		snprintf(buf, len, "p=%.2f", p);
}

/*
 * Format a span of seconds, rounded, in its two largest units: "48 s",
 * "2 min 12 s", "3 h 05 min" or "4 d 07 h"; NaN and negative spans are "0 s".
 */
void
fmt_span(double secs, char *buf, size_t len)
{
	long long s = isnan(secs) || secs < 0 ? 0 : (long long)(secs + 0.5);

	if (s < 60)
		snprintf(buf, len, "%lld s", s);
	else if (s < 3600)
		snprintf(buf, len, "%lld min %02lld s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%lld h %02lld min", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%lld d %02lld h", s / 86400, s % 86400 / 3600);
}

/* Format unix time t as local "2025-01-31 14:05:09", "-" when unknown. */
void
fmt_time(double t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (isnan(t) || localtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, len, "-");
}

/* The fewest significant digits, 15 to 17, that print v so that it reads back exactly. */
int
fmt_digits(double v)
{
	char buf[64];
	int prec;

	for (prec = 15; prec < 17; prec++) {
		snprintf(buf, sizeof buf, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return prec;
}

/* The shortest decimal that reads back as exactly v (what Python's repr prints). */
void
fmt_exact(double v, char *buf, size_t len)
{
	snprintf(buf, len, "%.*g", fmt_digits(v), v);
}

/* "s" when n is not one. */
const char *
fmt_plural(long long n)
{
	return n == 1 ? "" : "s";
}
