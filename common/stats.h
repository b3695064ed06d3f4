/*
 * stats.h: descriptive statistics, distribution-free confidence intervals and
 * the Mann-Whitney test over arrays of doubles, for comparing cold and warm runs.
 *
 * Pure: no I/O, no globals; inputs are never modified (functions that need
 * sorted data sort a private copy). A value that does not exist for the given
 * sizes (the sd of one point, the median of nothing, ...) is NaN, never the
 * result of a division by zero. Inputs are meant to be finite; a NaN in the
 * input sorts after every number and makes the results meaningless.
 */
#ifndef BENCHD_STATS_H
#define BENCHD_STATS_H

#include <stddef.h>

/* Confidence level of every interval below. */
#define STATS_CONF_LEVEL	0.95

/*
 * One sample. quantiles are R's type 7 (numpy's default): linear interpolation
 * between order statistics. sd is the sample sd (divisor n - 1).
 *
 * The median's interval is [x_(k), x_(n-k+1)] (1-based order statistics) for
 * the largest k whose coverage P(k <= B <= n-k), B ~ binomial(n, 1/2), that is
 * 1 - 2 P(B <= k-1), is >= 0.95. It holds for any continuous distribution.
 * No k qualifies below n = 6 (n = 5, k = 1 covers 1 - 2/32 = 0.9375): there
 * has_ci is 0 and ci_* are NaN.
 *
 * n = 0: everything NaN. n = 1: sd NaN, the rest equal to the point.
 */
struct stats_summary {
	size_t	n;
	double	mean;
	double	sd;
	double	min;
	double	median;
	double	p90;
	double	max;
	int	has_ci;
	size_t	ci_rank;	/* k above, 0 when !has_ci */
	double	ci_coverage;	/* exact coverage of [ci_lo, ci_hi], NaN when !has_ci */
	double	ci_lo;
	double	ci_hi;
};

/*
 * Sample a against sample b (a = cold, b = warm in benchctl).
 *
 * diff = median_a - median_b; rel = diff / median_b (NaN when median_b is 0).
 * hl is the Hodges-Lehmann shift: the median of all na*nb differences
 * a_i - b_j. [ci_lo, ci_hi] is Moses' distribution-free interval for the shift,
 * [d_(k), d_(na*nb-k+1)] among the ordered differences, with
 *  - exact (ci_exact = 1) when na < 50, nb < 50 and no value occurs twice in the
 *    pooled sample: k is R's qwilcox(0.025, na, nb), or 1 if that is 0, which
 *    is what R's wilcox.test(a, b, conf.int = TRUE) reports; ci_coverage is then
 *    exactly 1 - 2 P(U <= k-1) under the Mann-Whitney null distribution;
 *  - otherwise from the normal approximation with continuity correction,
 *    k = floor(na*nb/2 + 1/2 - 1.959964 * sqrt(na*nb*(na+nb+1)/12)) (the variance
 *    without tie correction), and ci_coverage is that approximation's.
 * has_ci is 0 (ci_* NaN) when no k >= 1 reaches coverage 0.95 by the method in
 * use; for the exact one that is when C(na+nb, na) < 40 (e.g. 3 vs 3, 2 vs 5).
 *
 * u is the Mann-Whitney statistic of a, the number of pairs with a_i > b_j
 * plus half the pairs with a_i == b_j (R's W). p is its two-sided p-value:
 *  - exact (p_exact = 1) under the same condition as the exact interval, from
 *    the null distribution counted by dynamic programming, as R's exact test;
 *  - otherwise the normal approximation with tie correction and continuity
 *    correction, as R's wilcox.test(exact = FALSE, correct = TRUE). When every
 *    pooled value is equal its variance is 0 and p is NaN, as in R.
 * hl and the interval need na*nb doubles of memory.
 *
 * na or nb = 0: the medians that exist are set, everything else is NaN.
 */
struct stats_compare {
	size_t	na;
	size_t	nb;
	double	median_a;
	double	median_b;
	double	diff;
	double	rel;
	double	hl;
	int	has_ci;
	int	ci_exact;
	double	ci_coverage;
	double	ci_lo;
	double	ci_hi;
	double	u;
	double	p;
	int	p_exact;
};

/* Fill out with the summary of x[0..n-1]. */
void	stats_summarize(const double *x, size_t n, struct stats_summary *out);

/* Median of x[0..n-1] (unsorted); NaN when n is 0. */
double	stats_median(const double *x, size_t n);

/* Type-7 quantile p in [0, 1] of sorted[0..n-1]; NaN when n is 0 or p is outside [0, 1]. */
double	stats_quantile(const double *sorted, size_t n, double p);

/*
 * Rank k of the median's 95% interval for n points as described above, or 0
 * when n < 6; the exact coverage goes to *coverage (NaN for 0) unless NULL.
 */
size_t	stats_median_ci_rank(size_t n, double *coverage);

/* Fill out with the comparison of a[0..na-1] against b[0..nb-1]. */
void	stats_compare(const double *a, size_t na, const double *b, size_t nb,
	    struct stats_compare *out);

/*
 * The pieces of stats_compare's interval, at any confidence, for the
 * sequential intervals of sequential.h. stats_shift_ci_rank is the rank k of
 * Moses' interval at confidence conf (0 < conf < 1) for samples of na and nb:
 * exact (R's qwilcox((1 - conf) / 2, na, nb), or 1 if that is 0) when exact is
 * set, which stats_compare does when na < 50, nb < 50 and !stats_ties(); else
 * from the normal approximation as described above; 0 when no k >= 1 reaches
 * conf. Its coverage goes to *coverage (NaN for 0) unless NULL. At conf 0.95
 * it is stats_compare's k. stats_shift_ci sets *hl to the Hodges-Lehmann
 * shift and [*lo, *hi] to [d_(k), d_(na*nb-k+1)] (NaN when k is 0).
 */
size_t	stats_shift_ci_rank(size_t na, size_t nb, int exact, double conf, double *coverage);
void	stats_shift_ci(const double *a, size_t na, const double *b, size_t nb, size_t k,
	    double *hl, double *lo, double *hi);
/* Whether a value occurs twice in a[0..na-1] and b[0..nb-1] pooled. */
int	stats_ties(const double *a, size_t na, const double *b, size_t nb);
/* The standard normal quantile of the upper tail q, 0 < q <= 0.5: P(Z > z) = q; NaN outside. */
double	stats_qnorm_upper(double q);

/*
 * Flag the points farther than k * MAD from the median, MAD being the median
 * absolute deviation scaled by 1.4826 (consistent with the sd for normal
 * data): flags[i] is set to 1 for those and 0 for the rest (flags may be NULL
 * to count only). Returns the count. When the MAD is 0 (more than half the
 * points equal) or n is 0 nothing is flagged.
 */
size_t	stats_outliers(const double *x, size_t n, double k, int *flags);

#endif
