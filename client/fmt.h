/*
 * fmt.h: how benchctl writes numbers for people: values with their unit and
 * three significant digits, differences and their intervals, p-values,
 * durations, local times and plurals. Pure: every function fills the
 * caller's buffer and prints nothing.
 */
#ifndef BENCHD_FMT_H
#define BENCHD_FMT_H

#include <stddef.h>

#include "stats.h"

/*
 * Format v (in unit "s" or "ms") for people: "5.29 s", "197 ms", "36.6 ms";
 * three significant digits, "n/a" for NaN. sign adds a '+' to positive numbers.
 */
void		 fmt_value(double v, const char *unit, int sign, char *buf, size_t len);
/* Format a comparison's two medians in one unit into a and b ("5.29 s", "3.56 s"). */
void		 fmt_medians(const struct stats_compare *, const char *unit, char *a,
		    char *b, size_t len);
/*
 * Format a difference and its interval in the medians' unit: "+1.73 s
 * (+49%), 95% CI for the shift [+1.41, +2.02] s" into buf; terse says
 * "95% CI" only.
 */
void		 fmt_diff(const struct stats_compare *, const char *unit, int terse,
		    char *buf, size_t len);
/*
 * Format a difference of medians and its relative size into shift ("+1.73 s
 * (+49%)") and the 95% interval for the shift into ci ("[+1.41, +2.02] s",
 * "" when there is none), in the medians' unit. Returns 0, or -1 with both ""
 * when there is no difference (a side has no values).
 */
int		 fmt_shift(const struct stats_compare *, const char *unit, char *shift,
		    char *ci, size_t len);
/*
 * The unit and decimals that show numbers about as large as ref (in unit "s"
 * or "ms") with three significant digits: seconds below one are shown as
 * milliseconds, milliseconds from a thousand up as seconds; multiply by
 * *factor to get the number in unit *shown.
 */
void		 fmt_scale(double ref, const char *unit, double *factor,
		    const char **shown, int *decimals);
/* Format v (in the stored unit) times factor with the decimals given, "-" for NaN. */
void		 fmt_scaled(double v, double factor, int decimals, int sign, char *buf,
		    size_t len);
/* Format a p-value: "p=0.0022", "p<0.0001", "p=n/a". */
void		 fmt_p(double p, char *buf, size_t len);
/*
 * Format a span of seconds, rounded, in its two largest units: "48 s",
 * "2 min 12 s", "3 h 05 min", "4 d 07 h"; every duration benchctl prints
 * (a plan's time, benchd's uptime, a watch's ETA) reads this way.
 */
void		 fmt_span(double secs, char *buf, size_t len);
/* Format unix time t as local "2025-01-31 14:05:09", "-" when unknown. */
void		 fmt_time(double t, char *buf, size_t len);
/* The shortest decimal that reads back as exactly v (what Python's repr prints). */
void		 fmt_exact(double v, char *buf, size_t len);
/* The fewest significant digits (15, 16 or 17) with which "%.*g" reads back as exactly v. */
int		 fmt_digits(double v);
/* "s" when n is not one, for "1 run" and "2 runs". */
const char	*fmt_plural(long long n);

#endif
