/*
 * test_stats.c: unit tests of common/stats.c against values computed elsewhere.
 *
 * Where the numbers come from: by hand (small order statistics, binomial and
 * Mann-Whitney counts written as fractions), from numpy 1.24 and scipy 1.10
 * (numpy.quantile's default is R's type 7; scipy.stats.binom for coverages;
 * scipy.stats.mannwhitneyu(method="exact" / "asymptotic", use_continuity=True)
 * for U and p, which follow R's wilcox.test), and by brute force in this file
 * (enumerating every arrangement of the ranks and every pairwise difference).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stats.h"

#define NELEM(a)	(sizeof (a) / sizeof (a)[0])

#define assert_close(got, want, tol) \
	check_close((got), (want), (tol), #got, __FILE__, __LINE__)

/* Fail unless got is within tol of want (relative above 1 in magnitude); NaN matches only NaN. */
static void
check_close(double got, double want, double tol, const char *expr,
    const char *file, int line)
{
	double	scale = fabs(want) > 1 ? fabs(want) : 1;

	if (isnan(want) && isnan(got))
		return;
	if (!isnan(want) && !isnan(got) && fabs(got - want) <= tol * scale)
		return;
	print_error("%s is %.17g, expected %.17g (tolerance %g)\n", expr, got,
	    want, tol);
	_fail(file, line);
}

/* Count, for every U, the arrangements of ranks 1..m+n giving the first sample U (brute force). */
static void
brute_u_counts(size_t m, size_t n, size_t next, size_t taken, size_t ranksum,
    double *counts)
{
	if (taken == m) {
		counts[ranksum - m * (m + 1) / 2] += 1;
		return;
	}
	if (next > m + n)
		return;
	brute_u_counts(m, n, next + 1, taken + 1, ranksum + next, counts);
	brute_u_counts(m, n, next + 1, taken, ranksum, counts);
}

/* Sort a few doubles by insertion, independently of the module's qsort. */
static void
insertion_sort(double *x, size_t n)
{
	size_t	i, j;
	double	v;

	for (i = 1; i < n; i++) {
		v = x[i];
		for (j = i; j > 0 && x[j - 1] > v; j--)
			x[j] = x[j - 1];
		x[j] = v;
	}
}

/* Check stats_compare on tie-free a, b against enumeration of ranks and differences. */
static void
check_compare_brute(const double *a, size_t m, const double *b, size_t n)
{
	struct stats_compare	 c;
	double			 counts[1024] = { 0 }, d[256], total = 0, u = 0;
	double			 tail = 0, cdf = 0, p;
	size_t			 i, j, q, mn = m * n;

	assert_true(mn < NELEM(d));
	brute_u_counts(m, n, 1, 0, 0, counts);
	for (i = 0; i <= mn; i++)
		total += counts[i];
	for (i = 0; i < m; i++) {
		for (j = 0; j < n; j++) {
			d[i * n + j] = a[i] - b[j];
			if (a[i] > b[j])
				u++;
		}
	}
	insertion_sort(d, mn);

	/* R: P(U >= u) above the centre, P(U <= u) below, doubled. */
	for (i = 0; i <= mn; i++) {
		if ((u > mn / 2.0 && i >= u) || (u <= mn / 2.0 && i <= u))
			tail += counts[i];
	}
	p = 2 * tail / total < 1 ? 2 * tail / total : 1;
	/* R: qu = qwilcox(0.025, m, n), 1 if 0; interval [d_(qu), d_(mn-qu+1)]. */
	for (q = 0; (cdf + counts[q]) / total < 0.025; q++)
		cdf += counts[q];
	if (q == 0) {
		q = 1;
		cdf = counts[0];
	}

	stats_compare(a, m, b, n, &c);
	assert_int_equal(c.p_exact, 1);
	assert_int_equal(c.ci_exact, 1);
	assert_close(c.u, u, 0);
	assert_close(c.p, p, 1e-12);
	assert_close(c.hl, mn % 2 ? d[mn / 2] : (d[mn / 2 - 1] + d[mn / 2]) / 2,
	    1e-12);
	assert_int_equal(c.has_ci, 1 - 2 * cdf / total >= 0.95);
	if (c.has_ci) {
		assert_close(c.ci_coverage, 1 - 2 * cdf / total, 1e-12);
		assert_close(c.ci_lo, d[q - 1], 0);
		assert_close(c.ci_hi, d[mn - q], 0);
	}
}

/* The seed's four import_torch times (numpy: mean, std(ddof=1), median, quantile(0.9)). */
static void
test_summary_seed(void **state)
{
	const double		x[] = { 5.295, 4.970, 3.550, 3.563 };
	struct stats_summary	s;

	(void)state;
	stats_summarize(x, NELEM(x), &s);
	assert_int_equal(s.n, 4);
	assert_close(s.mean, 4.3445, 1e-12);
	assert_close(s.sd, 0.91954209619063476, 1e-12);
	assert_close(s.min, 3.550, 0);
	assert_close(s.median, 4.2665, 1e-12);	/* (3.563 + 4.970) / 2 */
	assert_close(s.p90, 5.1975, 1e-12);	/* h = 2.7: 4.970 + 0.7 * 0.325 */
	assert_close(s.max, 5.295, 0);
	assert_int_equal(s.has_ci, 0);		/* n < 6 */
	assert_int_equal(s.ci_rank, 0);
	assert_true(isnan(s.ci_lo) && isnan(s.ci_hi) && isnan(s.ci_coverage));
}

/* n = 0, 1, 2: what does not exist is NaN. */
static void
test_summary_small(void **state)
{
	const double		one[] = { 3.5 }, two[] = { 5, 2 };
	struct stats_summary	s;

	(void)state;
	stats_summarize(NULL, 0, &s);
	assert_int_equal(s.n, 0);
	assert_true(isnan(s.mean) && isnan(s.sd) && isnan(s.min));
	assert_true(isnan(s.median) && isnan(s.p90) && isnan(s.max));
	assert_int_equal(s.has_ci, 0);

	stats_summarize(one, 1, &s);
	assert_close(s.mean, 3.5, 0);
	assert_true(isnan(s.sd));
	assert_close(s.min, 3.5, 0);
	assert_close(s.median, 3.5, 0);
	assert_close(s.p90, 3.5, 0);
	assert_close(s.max, 3.5, 0);
	assert_int_equal(s.has_ci, 0);

	stats_summarize(two, 2, &s);
	assert_close(s.mean, 3.5, 0);
	assert_close(s.sd, 2.1213203435596424, 1e-12);	/* 3 / sqrt(2) */
	assert_close(s.median, 3.5, 0);
	assert_close(s.p90, 4.7, 1e-12);		/* 2 + 0.9 * 3 */
	assert_int_equal(s.has_ci, 0);
}

/* Ties and an unsorted input; n = 6 is the first n with a median interval. */
static void
test_summary_ties(void **state)
{
	const double		x[] = { 2, 7, 2, 1, 3, 2 };
	double			copy[NELEM(x)];
	struct stats_summary	s;

	(void)state;
	memcpy(copy, x, sizeof x);
	stats_summarize(x, NELEM(x), &s);
	assert_memory_equal(copy, x, sizeof x);		/* input untouched */
	assert_close(s.mean, 17.0 / 6, 1e-12);
	assert_close(s.sd, 2.1369760566432805, 1e-12);	/* numpy */
	assert_close(s.median, 2, 0);
	assert_close(s.p90, 5, 1e-12);			/* h = 4.5 between 3 and 7 */
	assert_int_equal(s.has_ci, 1);
	assert_int_equal(s.ci_rank, 1);
	assert_close(s.ci_lo, 1, 0);
	assert_close(s.ci_hi, 7, 0);
	assert_close(s.ci_coverage, 62.0 / 64, 1e-15);	/* 1 - 2 / 2^6 */
}

/* Type-7 quantiles by hand, and stats_median on unsorted data. */
static void
test_quantile(void **state)
{
	const double	s[] = { 1, 2, 3, 4 }, u[] = { 9, 1, 5 }, e[] = { 4, 1, 3, 2 };

	(void)state;
	assert_close(stats_quantile(s, 4, 0), 1, 0);
	assert_close(stats_quantile(s, 4, 1), 4, 0);
	assert_close(stats_quantile(s, 4, 0.5), 2.5, 1e-15);
	assert_close(stats_quantile(s, 4, 0.25), 1.75, 1e-15);	/* h = 0.75 */
	assert_close(stats_quantile(s, 4, 0.9), 3.7, 1e-15);	/* h = 2.7 */
	assert_close(stats_quantile(s, 1, 0.9), 1, 0);
	assert_true(isnan(stats_quantile(s, 0, 0.5)));
	assert_true(isnan(stats_quantile(s, 4, -0.1)));
	assert_true(isnan(stats_quantile(s, 4, 1.1)));
	assert_true(isnan(stats_quantile(s, 4, NAN)));
	assert_close(stats_median(u, 3), 5, 0);
	assert_close(stats_median(e, 4), 2.5, 0);
	assert_true(isnan(stats_median(NULL, 0)));
}

/*
 * The median interval's rank k for n = 5..20 and a few large n, with its
 * coverage 1 - 2 P(B <= k-1), B ~ binomial(n, 1/2) (scipy.stats.binom.cdf; the
 * next k's coverage, in the comment, is below 0.95). On the points 1..n,
 * shuffled, the interval must be [k, n-k+1].
 */
static void
test_median_ci_rule(void **state)
{
	static const struct {
		size_t	n, k;
		double	coverage;
	} t[] = {
		{ 5, 0, NAN },			/* k = 1 would cover 0.9375 */
		{ 6, 1, 0.968750000000 },	/* next 0.781250 */
		{ 7, 1, 0.984375000000 },	/* next 0.875000 */
		{ 8, 1, 0.992187500000 },	/* next 0.929688 */
		{ 9, 2, 0.960937500000 },	/* next 0.820312; 1 - 2 * 10 / 512 */
		{ 10, 2, 0.978515625000 },	/* next 0.890625 */
		{ 11, 2, 0.988281250000 },	/* next 0.934570 */
		{ 12, 3, 0.961425781250 },	/* next 0.854004 */
		{ 13, 3, 0.977539062500 },	/* next 0.907715 */
		{ 14, 3, 0.987060546875 },	/* next 0.942627 */
		{ 15, 4, 0.964843750000 },	/* next 0.881531 */
		{ 16, 4, 0.978729248047 },	/* next 0.923187 */
		{ 17, 5, 0.950958251953 },	/* next 0.856537; 1 - 2 * 3214 / 2^17 */
		{ 18, 5, 0.969116210938 },	/* next 0.903748 */
		{ 19, 5, 0.980789184570 },	/* next 0.936432 */
		{ 20, 6, 0.958610534668 },	/* next 0.884682 */
		{ 100, 40, 0.964799799782 },
		{ 1000, 469, 0.953708802640 },
		{ 5000, 2431, 0.950684141896 },
	};
	struct stats_summary	s;
	double			x[20], cov;
	size_t			i, j, k;

	(void)state;
	for (i = 0; i < NELEM(t); i++) {
		k = stats_median_ci_rank(t[i].n, &cov);
		assert_int_equal(k, t[i].k);
		assert_close(cov, t[i].coverage, 1e-11);
		if (t[i].n > NELEM(x))
			continue;
		/* 1..n in a scrambled order: 23 is prime to every n up to 20. */
		for (j = 0; j < t[i].n; j++)
			x[j] = 1 + (j * 23) % t[i].n;
		stats_summarize(x, t[i].n, &s);
		assert_int_equal(s.has_ci, t[i].k != 0);
		assert_int_equal(s.ci_rank, t[i].k);
		if (t[i].k != 0) {
			assert_close(s.ci_lo, (double)t[i].k, 0);
			assert_close(s.ci_hi, (double)(t[i].n - t[i].k + 1), 0);
			assert_close(s.ci_coverage, t[i].coverage, 1e-11);
		}
	}
	assert_int_equal(stats_median_ci_rank(0, NULL), 0);
	assert_int_equal(stats_median_ci_rank(1, NULL), 0);
	assert_close(stats_median_ci_rank(17, &cov), 5, 0);
	assert_close(cov, 1 - 2 * 3214.0 / 131072, 1e-15);
}

/* Fully separated 5 vs 5: the textbook exact p = 2 / C(10, 5) = 2/252. */
static void
test_compare_separated(void **state)
{
	const double		a[] = { 6, 7, 8, 9, 10 }, b[] = { 1, 2, 3, 4, 5 };
	struct stats_compare	c;

	(void)state;
	stats_compare(a, 5, b, 5, &c);
	assert_close(c.median_a, 8, 0);
	assert_close(c.median_b, 3, 0);
	assert_close(c.diff, 5, 0);
	assert_close(c.rel, 5.0 / 3, 1e-15);
	assert_close(c.u, 25, 0);
	assert_int_equal(c.p_exact, 1);
	assert_close(c.p, 2.0 / 252, 1e-15);		/* scipy: 0.0079365079365079361 */
	assert_close(c.hl, 5, 0);
	/*
	 * P(U <= 2) = 4/252 < 0.025 <= P(U <= 3) = 7/252, so k = 3: the 3rd
	 * smallest and 3rd largest of the differences (1 once, 2 twice, ...,
	 * 5 five times, ..., 9 once), i.e. 2 and 8, covering 1 - 8/252.
	 */
	assert_int_equal(c.has_ci, 1);
	assert_int_equal(c.ci_exact, 1);
	assert_close(c.ci_lo, 2, 0);
	assert_close(c.ci_hi, 8, 0);
	assert_close(c.ci_coverage, 1 - 8.0 / 252, 1e-15);

	stats_compare(b, 5, a, 5, &c);
	assert_close(c.u, 0, 0);
	assert_close(c.p, 2.0 / 252, 1e-15);
	assert_close(c.diff, -5, 0);
	assert_close(c.hl, -5, 0);
	assert_close(c.ci_lo, -8, 0);
	assert_close(c.ci_hi, -2, 0);
}

/* Too small for a 95% interval; the smallest p there is, 2/20. */
static void
test_compare_too_small(void **state)
{
	const double		a[] = { 4, 5, 6 }, b[] = { 1, 2, 3 };
	const double		one_a[] = { 2 }, one_b[] = { 1 };
	struct stats_compare	c;

	(void)state;
	stats_compare(a, 3, b, 3, &c);
	assert_close(c.u, 9, 0);
	assert_close(c.p, 0.1, 1e-15);		/* 2 / C(6, 3) */
	assert_close(c.hl, 3, 0);
	assert_int_equal(c.has_ci, 0);		/* [d_(1), d_(9)] covers 1 - 2/20 */
	assert_true(isnan(c.ci_lo) && isnan(c.ci_hi) && isnan(c.ci_coverage));

	stats_compare(one_a, 1, one_b, 1, &c);
	assert_close(c.u, 1, 0);
	assert_close(c.p, 1, 0);
	assert_close(c.hl, 1, 0);
	assert_int_equal(c.has_ci, 0);
}

/* Empty samples, a zero median_b, and all values equal. */
static void
test_compare_degenerate(void **state)
{
	const double		a[] = { 1, 2 }, b[] = { -1, 0, 1 };
	const double		e1[] = { 1, 1, 1 }, e2[] = { 1, 1 };
	struct stats_compare	c;

	(void)state;
	stats_compare(NULL, 0, b, 3, &c);
	assert_true(isnan(c.median_a));
	assert_close(c.median_b, 0, 0);
	assert_true(isnan(c.diff) && isnan(c.rel) && isnan(c.hl));
	assert_true(isnan(c.u) && isnan(c.p));
	assert_int_equal(c.has_ci, 0);
	stats_compare(a, 2, NULL, 0, &c);
	assert_close(c.median_a, 1.5, 0);
	assert_true(isnan(c.median_b) && isnan(c.diff) && isnan(c.p));
	stats_compare(NULL, 0, NULL, 0, &c);
	assert_true(isnan(c.median_a) && isnan(c.median_b));

	stats_compare(a, 2, b, 3, &c);
	assert_close(c.diff, 1.5, 0);
	assert_true(isnan(c.rel));		/* median_b is 0 */

	/* Zero variance: R's wilcox.test gives p = NaN here too. */
	stats_compare(e1, 3, e2, 2, &c);
	assert_int_equal(c.p_exact, 0);
	assert_close(c.u, 3, 0);		/* 6 pairs, all ties */
	assert_true(isnan(c.p));
	assert_close(c.hl, 0, 0);
	assert_int_equal(c.has_ci, 0);
}

/* Exact p, HL and Moses interval against brute force, with scipy's values too. */
static void
test_compare_brute_force(void **state)
{
	const double		a[] = { 5.3, 4.9, 5.6, 6.1, 4.7, 5.8 };
	const double		b[] = { 3.6, 3.9, 4.8, 3.5, 4.2, 5.0, 3.7 };
	const double		c1[] = { 1.1, 2.5, 3.2, 4.8, 5.9 };
	const double		c2[] = { 1.7, 2.2, 2.9, 3.6, 4.1 };
	const double		s1[] = { 0.3 }, s2[] = { 0.1, 0.2, 0.4, 0.5, 0.6,
				    0.7, 0.8, 0.9 };
	struct stats_compare	c;

	(void)state;
	check_compare_brute(a, 6, b, 7);
	check_compare_brute(b, 7, a, 6);
	check_compare_brute(c1, 5, c2, 5);
	check_compare_brute(s1, 1, s2, 8);
	check_compare_brute(s2, 8, s1, 1);

	/* scipy mannwhitneyu(method="exact") and a Python brute force, independently. */
	stats_compare(a, 6, b, 7, &c);
	assert_close(c.u, 39, 0);
	assert_close(c.p, 14.0 / 1716, 1e-15);	/* 0.0081585081585081581 */
	assert_close(c.median_a, 5.45, 1e-12);
	assert_close(c.median_b, 3.9, 1e-12);
	assert_close(c.hl, 1.3, 1e-12);
	assert_close(c.ci_lo, 0.5, 1e-12);	/* k = 7 */
	assert_close(c.ci_hi, 2.1, 1e-12);
	assert_close(c.ci_coverage, 0.965034965034965, 1e-12);
	stats_compare(c1, 5, c2, 5, &c);
	assert_close(c.u, 15, 0);
	assert_close(c.p, 174.0 / 252, 1e-12);	/* 0.69047619047619047 */
	assert_close(c.hl, 0.7, 1e-12);
	assert_close(c.ci_lo, -1.8, 1e-12);
	assert_close(c.ci_hi, 3.1, 1e-12);
}

/*
 * The interval's rank k for several sizes. With a_i = i nb and
 * b_j = -j - 1/2 the differences are 0.5, 1.5, ..., mn - 0.5, each once, so
 * the interval [d_(k), d_(mn-k+1)] is [k - 1/2, mn - k + 1/2]. Expected k is
 * R's qwilcox(0.025, m, n) from exact integer counts in Python (Gaussian
 * binomial coefficients), e.g. the textbook 23 = largest U rejected at 5% for
 * 10 vs 10, so k = 24. Sizes of 50 and more use the normal rule.
 */
static void
test_compare_ci_rank(void **state)
{
	static const struct {
		size_t	m, n, k;
		int	exact;
		double	coverage;
	} t[] = {
		{ 3, 3, 0, 1, 0 },		/* 1 - 2/20 */
		{ 2, 5, 0, 1, 0 },		/* 1 - 2/21 */
		{ 4, 4, 1, 1, 0.97142857142857142 },	/* 1 - 2/70 */
		{ 2, 8, 1, 1, 0.9555555555555556 },	/* 1 - 2/45 */
		{ 1, 39, 1, 1, 0.95 },		/* 1 - 2/40: exactly 95% */
		{ 6, 7, 7, 1, 0.965034965034965 },
		{ 10, 10, 24, 1, 0.95674294745502175 },
		{ 20, 30, 201, 1, 0.95187053668229515 },
		{ 49, 49, 925, 1, 0.9504286694703119 },
		{ 60, 55, 1300, 0, 0.95028677201246503 },	/* scipy.stats.norm */
	};
	struct stats_compare	c;
	double			*a, *b;
	size_t			i, j, mn;

	(void)state;
	for (i = 0; i < NELEM(t); i++) {
		a = calloc(t[i].m, sizeof *a);
		b = calloc(t[i].n, sizeof *b);
		assert_non_null(a);
		assert_non_null(b);
		for (j = 0; j < t[i].m; j++)
			a[j] = (double)(j * t[i].n);
		for (j = 0; j < t[i].n; j++)
			b[j] = -(double)j - 0.5;
		mn = t[i].m * t[i].n;
		stats_compare(a, t[i].m, b, t[i].n, &c);
		assert_int_equal(c.ci_exact, t[i].exact);
		assert_int_equal(c.has_ci, t[i].k != 0);
		assert_close(c.hl, mn / 2.0, 1e-12);
		assert_close(c.u, (double)mn, 0);
		if (t[i].k != 0) {
			assert_close(c.ci_lo, t[i].k - 0.5, 0);
			assert_close(c.ci_hi, mn - t[i].k + 0.5, 0);
			assert_close(c.ci_coverage, t[i].coverage, 1e-12);
		}
		free(a);
		free(b);
	}
	/* 49 vs 49 fully separated: p = 2 / C(98, 49), with C(98, 49) = 25477612258980856902730428600. */
	a = calloc(49, sizeof *a);
	b = calloc(49, sizeof *b);
	assert_non_null(a);
	assert_non_null(b);
	for (j = 0; j < 49; j++) {
		a[j] = 100 + (double)j;
		b[j] = (double)j;
	}
	stats_compare(a, 49, b, 49, &c);
	assert_int_equal(c.p_exact, 1);
	assert_close(c.p / 7.850029192963324e-29, 1, 1e-12);
	free(a);
	free(b);
}

/*
 * Normal approximation with ties (scipy mannwhitneyu(method="asymptotic",
 * use_continuity=True), R's formula). By hand: pooled ranks of a sum to 30.5,
 * U = 30.5 - 21 = 9.5; ties 2 x3, 3 x3, 5 x2, 6 x2 give sum(t^3 - t) = 60.
 */
static void
test_compare_normal_ties(void **state)
{
	const double		a[] = { 1, 2, 2, 3, 4, 5 };
	const double		b[] = { 2, 3, 3, 5, 6, 6, 7 };
	struct stats_compare	c;
	double			sigma, z;

	(void)state;
	stats_compare(a, 6, b, 7, &c);
	assert_int_equal(c.p_exact, 0);
	assert_int_equal(c.ci_exact, 0);
	assert_close(c.u, 9.5, 0);
	sigma = sqrt(42.0 / 12 * (14 - 60.0 / (13 * 12)));
	z = (9.5 - 21 + 0.5) / sigma;
	assert_close(c.p, erfc(-z / sqrt(2)), 1e-12);
	assert_close(c.p, 0.11105494577590766, 1e-12);
	assert_close(c.median_a, 2.5, 0);
	assert_close(c.median_b, 5, 0);
	assert_close(c.hl, -2, 0);
	/* k = floor(21 + 0.5 - 1.959964 * sqrt(42 * 14 / 12)) = floor(7.78) = 7. */
	assert_int_equal(c.has_ci, 1);
	assert_close(c.ci_lo, -4, 0);
	assert_close(c.ci_hi, 1, 0);
	assert_close(c.ci_coverage, 0.96168123685058648, 1e-12);
}

/* Larger samples without ties: exact below 50 each, normal from 50 (values from scipy and numpy). */
static void
test_compare_large(void **state)
{
	static const struct {
		size_t	na, nb;
		int	exact;
		double	u, p, hl, lo, hi, ma, mb;
	} t[] = {
		{ 49, 49, 1, 1384, 0.19442212933093014, 0.15216494845360851,
		  -0.082886597938144124, 0.41752577319587614, 3.98,
		  3.8484536082474223 },
		{ 49, 12, 1, 358, 0.252877795526324, 0.24247422680412378,
		  -0.19505154639175259, 0.67773195876288694, 3.98,
		  3.7350515463917526 },
		{ 60, 55, 0, 1853, 0.25688586279016301, 0.13010309278350518,
		  -0.091958762886597434, 0.35360824742268004, 3.99,
		  3.8690721649484536 },
	};
	struct stats_compare	c;
	double			a[60], b[60];
	size_t			i, j;

	(void)state;
	for (i = 0; i < NELEM(t); i++) {
		/* The same expressions, in IEEE doubles, as the Python that made the values. */
		for (j = 0; j < t[i].na; j++)
			a[j] = 3.0 + (double)((j * 37) % 101) / 50.0;
		for (j = 0; j < t[i].nb; j++)
			b[j] = 2.9 + (double)((j * 53) % 97) / 48.5;
		stats_compare(a, t[i].na, b, t[i].nb, &c);
		assert_int_equal(c.p_exact, t[i].exact);
		assert_int_equal(c.ci_exact, t[i].exact);
		assert_close(c.u, t[i].u, 0);
		assert_close(c.p, t[i].p, 1e-10);
		assert_close(c.hl, t[i].hl, 1e-12);
		assert_int_equal(c.has_ci, 1);
		assert_close(c.ci_lo, t[i].lo, 1e-12);
		assert_close(c.ci_hi, t[i].hi, 1e-12);
		assert_close(c.median_a, t[i].ma, 1e-12);
		assert_close(c.median_b, t[i].mb, 1e-12);
	}
}

/* MAD outliers, worked by hand. */
static void
test_outliers(void **state)
{
	const double	x[] = { 10, 10.1, 9.9, 10.2, 9.8, 15 };
	const double	flat[] = { 5, 5, 5, 5, 9 };
	int		flags[6], want3[] = { 0, 0, 0, 0, 0, 1 };
	int		want1[] = { 0, 0, 0, 0, 1, 1 }, none[6] = { 0 };

	(void)state;
	/*
	 * median 10.05; |deviations| 0.05 0.05 0.15 0.15 0.25 4.95, their median
	 * 0.15, so MAD = 1.4826 * 0.15 = 0.22239: 3 MADs = 0.667 leaves only 15,
	 * 1 MAD = 0.222 also takes 9.8 (0.25).
	 */
	assert_int_equal(stats_outliers(x, 6, 3, flags), 1);
	assert_memory_equal(flags, want3, sizeof want3);
	assert_int_equal(stats_outliers(x, 6, 1, flags), 2);
	assert_memory_equal(flags, want1, sizeof want1);
	assert_int_equal(stats_outliers(x, 6, 3, NULL), 1);

	/* Over half the points equal: MAD 0, nothing flagged, not even 9. */
	memset(flags, 0xff, sizeof flags);
	assert_int_equal(stats_outliers(flat, 5, 3, flags), 0);
	assert_memory_equal(flags, none, 5 * sizeof *flags);

	assert_int_equal(stats_outliers(NULL, 0, 3, NULL), 0);
	assert_int_equal(stats_outliers(x, 1, 3, flags), 0);
	assert_int_equal(flags[0], 0);
}

/* The pairwise differences, sorted: what selection must agree with. */
static int
cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return (a > b) - (a < b);
}

/*
 * HL and the interval come from order statistics found by selection, not
 * by sorting; random samples with many ties (values on a coarse grid) must
 * give exactly what the sorted differences give.
 */
static void
test_compare_selection_matches_sort(void **state)
{
	unsigned long	 seed = 12345;
	struct stats_compare c;
	double		 a[80], b[90], *d, h;
	size_t		 round, m, n, i, j, k, lo;

	(void)state;
	for (round = 0; round < 200; round++) {
		m = 1 + round % 80;
		n = 1 + (round * 7) % 90;
		for (i = 0; i < m; i++) {
			seed = seed * 6364136223846793005UL + 1442695040888963407UL;
			a[i] = (double)((seed >> 33) % 17) / 4;
		}
		for (j = 0; j < n; j++) {
			seed = seed * 6364136223846793005UL + 1442695040888963407UL;
			b[j] = (double)((seed >> 33) % 13) / 4;
		}
		stats_compare(a, m, b, n, &c);
		d = calloc(m * n, sizeof *d);
		assert_non_null(d);
		for (i = 0; i < m; i++)
			for (j = 0; j < n; j++)
				d[i * n + j] = a[i] - b[j];
		qsort(d, m * n, sizeof *d, cmp_double);
		h = (m * n - 1) * 0.5;
		lo = (size_t)h;
		assert_close(c.hl, lo + 1 < m * n ? d[lo] + (h - lo) * (d[lo + 1] - d[lo]) : d[lo],
		    1e-12);
		if (c.has_ci) {
			/* Some rank k gives both ends (ties make several ks give the same values). */
			for (k = 1; k <= (m * n + 1) / 2; k++) {
				if (d[k - 1] == c.ci_lo && d[m * n - k] == c.ci_hi)
					break;
			}
			assert_true(k <= (m * n + 1) / 2);
		}
		free(d);
	}
}

/* The normal quantile against R's qnorm(q, lower.tail = FALSE). */
static void
test_qnorm_upper(void **state)
{
	(void)state;
	assert_close(stats_qnorm_upper(0.025), 1.959963984540054, 1e-14);
	assert_close(stats_qnorm_upper(0.05), 1.6448536269514722, 1e-14);
	assert_close(stats_qnorm_upper(0.005), 2.5758293035489004, 1e-14);
	assert_close(stats_qnorm_upper(0.0005), 3.2905267314918945, 1e-13);
	assert_close(stats_qnorm_upper(1e-10), 6.3613409024040557, 1e-12);
	assert_close(stats_qnorm_upper(0.3), 0.52440051270804067, 1e-14);
	assert_close(stats_qnorm_upper(0.5), 0, 0);
	assert_true(isnan(stats_qnorm_upper(0)));
	assert_true(isnan(stats_qnorm_upper(0.7)));
}

/*
 * Moses' rank at levels other than 95%, exact: the smallest q with
 * P(U <= q) >= (1 - conf) / 2 (1 if 0), counted by brute force; and at 95%
 * the rank stats_compare uses.
 */
static void
test_shift_rank_levels(void **state)
{
	const double	 confs[] = { 0.9, 0.95, 0.99, 0.999 };
	double		 counts[1024], total, cdf, cov, hl, lo, hi;
	size_t		 m, n, q, k;

	(void)state;
	for (m = 2; m <= 7; m++) {
		for (n = 2; n <= 7; n++) {
			memset(counts, 0, sizeof counts);
			brute_u_counts(m, n, 1, 0, 0, counts);
			total = 0;
			for (q = 0; q <= m * n; q++)
				total += counts[q];
			for (size_t c = 0; c < NELEM(confs); c++) {
				cdf = 0;
				for (q = 0; (cdf + counts[q]) / total < (1 - confs[c]) / 2; q++)
					cdf += counts[q];
				if (q == 0) {
					q = 1;
					cdf = counts[0];
				}
				k = stats_shift_ci_rank(m, n, 1, confs[c], &cov);
				if (1 - 2 * cdf / total < confs[c]) {
					assert_int_equal(k, 0);
					assert_true(isnan(cov));
				} else {
					assert_int_equal(k, q);
					assert_close(cov, 1 - 2 * cdf / total, 1e-12);
				}
			}
		}
	}
	/* Normal approximation at 99%: floor(mn/2 + 1/2 - 2.5758 sd). */
	k = stats_shift_ci_rank(60, 70, 0, 0.99, &cov);
	assert_int_equal(k, (size_t)floor(2100 + 0.5 - 2.5758293035489004 *
	    sqrt(4200.0 * 131 / 12)));
	assert_true(cov > 0.99 && cov < 0.991);
	assert_int_equal(stats_shift_ci_rank(0, 5, 1, 0.95, &cov), 0);
	assert_int_equal(stats_shift_ci_rank(5, 5, 1, 1.5, NULL), 0);

	/* The interval at rank k: 1..3 against 0: differences 1, 2, 3. */
	stats_shift_ci((const double[]){ 1, 2, 3 }, 3, (const double[]){ 0 }, 1, 1, &hl, &lo, &hi);
	assert_close(hl, 2, 0);
	assert_close(lo, 1, 0);
	assert_close(hi, 3, 0);
	stats_shift_ci((const double[]){ 1, 2, 3 }, 3, (const double[]){ 0 }, 1, 0, &hl, &lo, &hi);
	assert_true(isnan(lo) && isnan(hi));
	assert_int_equal(stats_ties((const double[]){ 1, 2 }, 2, (const double[]){ 3, 2 }, 2), 1);
	assert_int_equal(stats_ties((const double[]){ 1, 2 }, 2, (const double[]){ 3, 4 }, 2), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_summary_seed),
		cmocka_unit_test(test_summary_small),
		cmocka_unit_test(test_summary_ties),
		cmocka_unit_test(test_quantile),
		cmocka_unit_test(test_median_ci_rule),
		cmocka_unit_test(test_compare_separated),
		cmocka_unit_test(test_compare_too_small),
		cmocka_unit_test(test_compare_degenerate),
		cmocka_unit_test(test_compare_brute_force),
		cmocka_unit_test(test_compare_ci_rank),
		cmocka_unit_test(test_compare_normal_ties),
		cmocka_unit_test(test_compare_large),
		cmocka_unit_test(test_outliers),
		cmocka_unit_test(test_qnorm_upper),
		cmocka_unit_test(test_shift_rank_levels),
		cmocka_unit_test(test_compare_selection_matches_sort),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
