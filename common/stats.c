/* stats.c: summaries, distribution-free intervals and the Mann-Whitney test over arrays of doubles. */
#include "stats.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xmalloc.h"

/* Two-sided 95% standard normal quantile, qnorm(0.975). */
#define STATS_Z975	1.959963984540054

/* Below this size of both samples, and without ties, the tests are exact (R's rule). */
#define STATS_EXACT_MAX	50

/* MAD scale factor, 1 / qnorm(0.75), so that the MAD estimates the sd of normal data. */
#define STATS_MAD_SCALE	1.4826

/* One pooled value and the sample it came from, for ranking. */
struct stats_pooled {
	double	value;
	int	from_a;
};

/* Order doubles ascending, NaN after everything, so qsort always sees a total order. */
static int
stats_cmp_double(const void *pa, const void *pb)
{
	double	a = *(const double *)pa, b = *(const double *)pb;

	if (isnan(a) || isnan(b))
		return (isnan(a) != 0) - (isnan(b) != 0);
	return (a > b) - (a < b);
}

/* Order pooled values by value only. */
static int
stats_cmp_pooled(const void *pa, const void *pb)
{
	const struct stats_pooled	*a = pa, *b = pb;

	return stats_cmp_double(&a->value, &b->value);
}

/* a < b in the order of stats_cmp_double. */
static int
stats_less(double a, double b)
{
	return stats_cmp_double(&a, &b) < 0;
}

/*
 * The k-th smallest of x[0..n-1] (from 0), by quickselect: x is reordered so
 * that x[k] holds it, everything before it is no larger and everything after
 * no smaller. Linear on average, where sorting the na*nb pairwise differences
 * of a 500-run comparison took most of `benchctl summary`'s time.
 */
static double
stats_select(double *x, size_t n, size_t k)
{
	long	 lo = 0, hi = (long)n - 1, i, j, mid;
	double	 pivot, t;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		/* Median of three as the pivot, so sorted input stays linear. */
		if (stats_less(x[mid], x[lo]))
			t = x[mid], x[mid] = x[lo], x[lo] = t;
		if (stats_less(x[hi], x[lo]))
			t = x[hi], x[hi] = x[lo], x[lo] = t;
		if (stats_less(x[hi], x[mid]))
			t = x[hi], x[hi] = x[mid], x[mid] = t;
		pivot = x[mid];
		i = lo;
		j = hi;
		while (i <= j) {
			while (stats_less(x[i], pivot))
				i++;
			while (stats_less(pivot, x[j]))
				j--;
			if (i <= j) {
				t = x[i], x[i] = x[j], x[j] = t;
				i++;
				j--;
			}
		}
		if ((long)k <= j)
			hi = j;
		else if ((long)k >= i)
			lo = i;
		else
			break;
	}
	return x[k];
}

/* Type-7 quantile of unsorted data, reordering it (stats_quantile's rule, by selection). */
static double
stats_quantile_select(double *x, size_t n, double p)
{
	double	h, frac, lo_v, hi_v;
	size_t	lo;

	h = (n - 1) * p;
	lo = (size_t)floor(h);
	lo_v = stats_select(x, n, lo);
	frac = h - lo;
	if (lo >= n - 1 || frac == 0)
		return lo_v;
	/* The next order statistic is the smallest of what selection put after x[lo]. */
	hi_v = x[lo + 1];
	for (size_t i = lo + 2; i < n; i++) {
		if (stats_less(x[i], hi_v))
			hi_v = x[i];
	}
	return lo_v + frac * (hi_v - lo_v);
}

/* Return a sorted copy of x[0..n-1], which the caller frees. */
static double *
stats_sorted_copy(const double *x, size_t n)
{
	double	*s;

	s = xcalloc(n, sizeof *s);
	if (n != 0)
		memcpy(s, x, n * sizeof *s);
	qsort(s, n, sizeof *s, stats_cmp_double);
	return s;
}

/* Two-sided standard normal tail 2 P(Z > |z|), R's 2 * min(pnorm(z), pnorm(z, lower = FALSE)). */
static double
stats_normal_tail2(double z)
{
	return erfc(fabs(z) / sqrt(2.0));
}

/*
 * Return the null distribution of the Mann-Whitney U for samples of m and n
 * without ties, as counts c[u] for u = 0..m*n of the C(m+n, m) equally likely
 * arrangements, and their total in *total. The caller frees the array.
 *
 * c(i, j, u) = c(i-1, j, u-j) + c(i, j-1, u): the largest of the i+j values is
 * either from the first sample (beating all j of the second) or not. Only
 * additions of positive numbers, so the doubles stay accurate to a few ulps
 * even past 2^53.
 */
static double *
stats_mw_counts(size_t m, size_t n, double *total)
{
	size_t	 stride = m * n + 1, i, j, u;
	double	*prev, *cur, *swap, *out;

	prev = xcalloc((m + 1) * stride, sizeof *prev);
	cur = xcalloc((m + 1) * stride, sizeof *cur);
	for (i = 0; i <= m; i++)
		prev[i * stride] = 1;		/* j = 0: U is 0 */
	for (j = 1; j <= n; j++) {
		cur[0] = 1;			/* i = 0: U is 0 */
		for (i = 1; i <= m; i++) {
			for (u = 0; u <= i * j; u++) {
				cur[i * stride + u] = prev[i * stride + u];
				if (u >= j)
					cur[i * stride + u] +=
					    cur[(i - 1) * stride + u - j];
			}
		}
		swap = prev;
		prev = cur;
		cur = swap;
	}
	out = xcalloc(stride, sizeof *out);
	memcpy(out, prev + m * stride, stride * sizeof *out);
	*total = 0;
	for (u = 0; u < stride; u++)
		*total += out[u];
	free(prev);
	free(cur);
	return out;
}

/* Exact two-sided p-value of an integer U for samples of m and n, as R computes it. */
static double
stats_mw_exact_p(size_t m, size_t n, double ustat)
{
	double	*c, total, tail = 0, p;
	size_t	 u, mn = m * n, uobs = (size_t)ustat;

	c = stats_mw_counts(m, n, &total);
	if (ustat > mn / 2.0) {
		for (u = uobs; u <= mn; u++)
			tail += c[u];
	} else {
		for (u = 0; u <= uobs; u++)
			tail += c[u];
	}
	free(c);
	p = 2 * tail / total;
	return p < 1 ? p : 1;
}

/*
 * Rank k of the exact Moses interval at confidence conf for samples of m and
 * n: R's qwilcox(alpha/2, m, n), alpha = 1 - conf, the smallest q with
 * P(U <= q) >= alpha/2 (with R's
 * fuzz of 10 DBL_EPSILON), or 1 when that is 0. Its coverage
 * 1 - 2 P(U <= k-1) goes to *coverage.
 */
static size_t
stats_mw_exact_rank(size_t m, size_t n, double conf, double *coverage)
{
	double	*c, total, cdf = 0, target;
	size_t	 q;

	target = (1 - conf) / 2 - 10 * DBL_EPSILON;
	c = stats_mw_counts(m, n, &total);
	for (q = 0; q < m * n; q++) {
		if ((cdf + c[q]) / total >= target)
			break;
		cdf += c[q];
	}
	if (q == 0) {
		q = 1;
		cdf = c[0];
	}
	/* Here cdf is the sum of c[0..q-1], that is total * P(U <= q-1). */
	*coverage = 1 - 2 * cdf / total;
	free(c);
	return q;
}

/*
 * Return the Mann-Whitney U of a against b from the midranks of the pooled
 * sample; the tie term sum(t^3 - t) over groups of t equal values goes to
 * *tiesum and whether any value repeats to *ties.
 */
static double
stats_mw_u(const double *a, size_t na, const double *b, size_t nb,
    double *tiesum, int *ties)
{
	struct stats_pooled	*pool;
	size_t			 n = na + nb, i, j, k;
	double			 ranksum = 0, t, midrank;

	pool = xcalloc(n, sizeof *pool);
	for (i = 0; i < na; i++) {
		pool[i].value = a[i];
		pool[i].from_a = 1;
	}
	for (i = 0; i < nb; i++)
		pool[na + i].value = b[i];
	qsort(pool, n, sizeof *pool, stats_cmp_pooled);

	*tiesum = 0;
	*ties = 0;
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && pool[j].value == pool[i].value; j++)
			;
		/* Positions i..j-1 share the ranks i+1..j, so each gets their mean. */
		t = (double)(j - i);
		midrank = (i + 1 + j) / 2.0;
		for (k = i; k < j; k++) {
			if (pool[k].from_a)
				ranksum += midrank;
		}
		if (j - i > 1) {
			*ties = 1;
			*tiesum += t * t * t - t;
		}
	}
	free(pool);
	return ranksum - na * (na + 1) / 2.0;
}

/* Type-7 quantile of sorted data: linear interpolation between order statistics. */
double
stats_quantile(const double *sorted, size_t n, double p)
{
	double	h, frac;
	size_t	lo;

	if (n == 0 || !(p >= 0 && p <= 1))
		return NAN;
	h = (n - 1) * p;
	lo = (size_t)floor(h);
	if (lo >= n - 1)
		return sorted[n - 1];
	frac = h - lo;
	if (frac == 0)
		return sorted[lo];
	return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

/* Median of unsorted data. */
double
stats_median(const double *x, size_t n)
{
	double	*s, m;

	if (n == 0)
		return NAN;
	s = stats_sorted_copy(x, n);
	m = stats_quantile(s, n, 0.5);
	free(s);
	return m;
}

/*
 * Largest k with 1 - 2 P(B <= k-1) >= 0.95, B ~ binomial(n, 1/2), or 0. The
 * binomial terms are stepped in logs so that 2^-n does not underflow for
 * large n. 2^n * 0.05 is never an integer, so no boundary case is exact.
 */
size_t
stats_median_ci_rank(size_t n, double *coverage)
{
	double	logp, cdf = 0, cov = NAN;
	size_t	j, k = 0;

	logp = -(double)n * log(2.0);
	for (j = 0; j < n; j++) {
		if (j > 0)
			logp += log((double)(n - j + 1) / (double)j);
		cdf += exp(logp);		/* P(B <= j) */
		if (2 * cdf > 1 - STATS_CONF_LEVEL)
			break;
		k = j + 1;
		cov = 1 - 2 * cdf;
	}
	if (coverage != NULL)
		*coverage = cov;
	return k;
}

/* Summarize one sample: moments, order statistics and the median's interval. */
void
stats_summarize(const double *x, size_t n, struct stats_summary *out)
{
	double	*s, sum = 0, ss = 0;
	size_t	 i, k;

	memset(out, 0, sizeof *out);
	out->n = n;
	out->mean = out->sd = out->min = out->median = NAN;
	out->p90 = out->max = NAN;
	out->ci_coverage = out->ci_lo = out->ci_hi = NAN;
	if (n == 0)
		return;

	s = stats_sorted_copy(x, n);
	for (i = 0; i < n; i++)
		sum += s[i];
	out->mean = sum / n;
	if (n > 1) {
		/* Two passes: deviations from the mean lose less than sums of squares. */
		for (i = 0; i < n; i++)
			ss += (s[i] - out->mean) * (s[i] - out->mean);
		out->sd = sqrt(ss / (n - 1));
	}
	out->min = s[0];
	out->max = s[n - 1];
	out->median = stats_quantile(s, n, 0.5);
	out->p90 = stats_quantile(s, n, 0.9);

	k = stats_median_ci_rank(n, &out->ci_coverage);
	if (k != 0) {
		out->has_ci = 1;
		out->ci_rank = k;
		out->ci_lo = s[k - 1];
		out->ci_hi = s[n - k];
	}
	free(s);
}

/*
 * The z with P(Z > z) = q for a standard normal Z, 0 < q <= 0.5: Newton's
 * method on log P(Z > z), which stays accurate far into the tail, from the
 * first terms of the tail's asymptotic series.
 */
double
stats_qnorm_upper(double q)
{
	double	z, t, tail, f;

	if (!(q > 0 && q <= 0.5))
		return NAN;
	if (q == 0.5)
		return 0;
	t = sqrt(-2 * log(q));
	z = t - (2.515517 + 0.802853 * t + 0.010328 * t * t) /
	    (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t);
	for (int i = 0; i < 50; i++) {
		tail = 0.5 * erfc(z / sqrt(2.0));
		f = log(tail) - log(q);
		/* d/dz log P(Z > z) = -phi(z) / P(Z > z) */
		t = f / (exp(-z * z / 2) / sqrt(2 * M_PI) / tail);
		z += t;
		if (fabs(t) < 1e-15 * (z > 1 ? z : 1))
			break;
	}
	return z;
}

/* Whether a value occurs twice in a and b pooled (then Moses' interval is not exact). */
int
stats_ties(const double *a, size_t na, const double *b, size_t nb)
{
	double	*s = xcalloc(na + nb + 1, sizeof *s);
	int	 ties = 0;

	if (na != 0)
		memcpy(s, a, na * sizeof *s);
	if (nb != 0)
		memcpy(s + na, b, nb * sizeof *s);
	qsort(s, na + nb, sizeof *s, stats_cmp_double);
	for (size_t i = 1; i < na + nb && !ties; i++)
		ties = s[i] == s[i - 1];
	free(s);
	return ties;
}

/* Rank of Moses' interval at any confidence; see stats.h. */
size_t
stats_shift_ci_rank(size_t na, size_t nb, int exact, double conf, double *coverage)
{
	double	 mn = (double)na * (double)nb, sigma, x, z, cov = NAN;
	size_t	 k = 0;

	if (na == 0 || nb == 0 || !(conf > 0 && conf < 1)) {
		if (coverage != NULL)
			*coverage = NAN;
		return 0;
	}
	if (exact) {
		k = stats_mw_exact_rank(na, nb, conf, &cov);
		/* Only when C(na+nb, na) is small does k = 1 fall short. */
		if (cov < conf - 1e-12)
			k = 0;
	} else {
		/* At 95% the constant, so that summary's intervals stay bit for bit R's. */
		z = conf == STATS_CONF_LEVEL ? STATS_Z975 : stats_qnorm_upper((1 - conf) / 2);
		sigma = sqrt(mn * (na + nb + 1) / 12);
		x = floor(mn / 2 + 0.5 - z * sigma);
		if (x >= 1) {
			k = (size_t)x;
			cov = 1 - stats_normal_tail2((k - 0.5 - mn / 2) / sigma);
		}
	}
	if (k == 0)
		cov = NAN;
	if (coverage != NULL)
		*coverage = cov;
	return k;
}

/* Hodges-Lehmann shift and Moses' interval at rank k; see stats.h. */
void
stats_shift_ci(const double *a, size_t na, const double *b, size_t nb, size_t k,
    double *hl, double *lo, double *hi)
{
	double	*d;
	size_t	 nd;

	*hl = *lo = *hi = NAN;
	if (na == 0 || nb == 0)
		return;
	if (nb > SIZE_MAX / sizeof *d / na)
		fatalx("stats_shift_ci: %zu x %zu differences do not fit in memory",
		    na, nb);
	nd = na * nb;
	d = xcalloc(nd, sizeof *d);
	for (size_t i = 0; i < na; i++) {
		for (size_t j = 0; j < nb; j++)
			d[i * nb + j] = a[i] - b[j];
	}
	*hl = stats_quantile_select(d, nd, 0.5);
	if (k != 0 && 2 * k <= nd + 1) {
		*lo = stats_select(d, nd, k - 1);
		*hi = stats_select(d, nd, nd - k);
	}
	free(d);
}

/* Compare sample a against sample b: medians, HL shift, Moses interval, Mann-Whitney test. */
void
stats_compare(const double *a, size_t na, const double *b, size_t nb,
    struct stats_compare *out)
{
	double	 tiesum, z, sigma, mn;
	size_t	 k;
	int	 ties, exact;

	memset(out, 0, sizeof *out);
	out->na = na;
	out->nb = nb;
	out->median_a = stats_median(a, na);
	out->median_b = stats_median(b, nb);
	out->diff = out->rel = out->hl = NAN;
	out->ci_coverage = out->ci_lo = out->ci_hi = NAN;
	out->u = out->p = NAN;
	if (na == 0 || nb == 0)
		return;

	out->diff = out->median_a - out->median_b;
	if (out->median_b != 0)
		out->rel = out->diff / out->median_b;

	out->u = stats_mw_u(a, na, b, nb, &tiesum, &ties);
	exact = na < STATS_EXACT_MAX && nb < STATS_EXACT_MAX && !ties;
	mn = (double)na * (double)nb;
	if (exact) {
		out->p_exact = 1;
		out->p = stats_mw_exact_p(na, nb, out->u);
	} else {
		/* R's wilcox.test(exact = FALSE, correct = TRUE), two-sided. */
		z = out->u - mn / 2;
		sigma = sqrt(mn / 12 * ((na + nb + 1) -
		    tiesum / ((double)(na + nb) * (na + nb - 1))));
		z -= (z > 0) ? 0.5 : (z < 0) ? -0.5 : 0;
		if (sigma > 0)
			out->p = stats_normal_tail2(z / sigma);
	}

	out->ci_exact = exact;
	k = stats_shift_ci_rank(na, nb, exact, STATS_CONF_LEVEL, &out->ci_coverage);
	out->has_ci = k != 0;
	stats_shift_ci(a, na, b, nb, k, &out->hl, &out->ci_lo, &out->ci_hi);
}

/* Flag points more than k scaled MADs from the median; return how many. */
size_t
stats_outliers(const double *x, size_t n, double k, int *flags)
{
	double	*dev, med, mad;
	size_t	 i, count = 0;

	if (flags != NULL) {
		for (i = 0; i < n; i++)
			flags[i] = 0;
	}
	if (n == 0)
		return 0;
	med = stats_median(x, n);
	dev = xcalloc(n, sizeof *dev);
	for (i = 0; i < n; i++)
		dev[i] = fabs(x[i] - med);
	mad = STATS_MAD_SCALE * stats_median(dev, n);
	free(dev);
	if (!(mad > 0))
		return 0;
	for (i = 0; i < n; i++) {
		if (fabs(x[i] - med) > k * mad) {
			if (flags != NULL)
				flags[i] = 1;
			count++;
		}
	}
	return count;
}
