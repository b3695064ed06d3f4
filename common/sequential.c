/* sequential.c: the group-sequential design of a precision target and the intervals its looks rest on. */
#include "sequential.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "xmalloc.h"

/* Samples below this size (both), without ties, get Moses' exact rank, as in stats_compare. */
#define SEQ_EXACT_MAX		50
/* Bisection steps on log(alpha): the bracket is at most a factor of 10^4 wide. */
#define SEQ_BISECT_STEPS	40

/* Lattice steps per unit of the shift's information (finer changes nothing that matters). */
#define SEQ_SHIFT_STEPS		2

struct seq_design {
	enum seq_kind	 kind;
	size_t	 nmin;
	size_t	 nmax;
	double	 alpha;
	double	 joint;
	size_t	*k;		/* median ranks for n = 0..nmax */
	double	*cov;		/* and their exact coverages (NaN where k is 0) */
	size_t	*moses;		/* exact Moses ranks + 1 by [na][nb], 0 until worked out */
	double	*moses_cov;
};

/* P(B = j) for B ~ binomial(n, 1/2), through logs so that 2^-n does not underflow. */
static double
seq_pmf(size_t n, size_t j)
{
	return exp(lgamma((double)n + 1) - lgamma((double)j + 1) - lgamma((double)(n - j) + 1) -
	    (double)n * M_LN2);
}

/*
 * Ranks of the median's interval at level 1 - alpha for every n up to nmax.
 * c holds P_n(B <= k-1) for the current rank k; from n-1 to n it loses half of
 * P_{n-1}(B = k-1) (B_n <= j when B_{n-1} <= j-1, or B_{n-1} = j and the
 * n-th value is above), and the rank grows while the next term still fits.
 */
static void
seq_ranks(size_t nmax, double alpha, size_t *k, double *cov)
{
	double	c = 0, next;
	size_t	kk = 0;

	k[0] = 0;
	if (cov != NULL)
		cov[0] = NAN;
	for (size_t n = 1; n <= nmax; n++) {
		if (kk >= 1)
			c -= 0.5 * seq_pmf(n - 1, kk - 1);
		if (c < 0)
			c = 0;
		while (2 * kk + 1 <= n) {
			next = c + seq_pmf(n, kk);	/* P_n(B <= kk) */
			if (2 * next > alpha)
				break;
			c = next;
			kk++;
		}
		k[n] = kk;
		if (cov != NULL)
			cov[n] = kk > 0 ? 1 - 2 * c : NAN;
	}
}

/* Median ranks for every n up to nmax; see sequential.h. */
void
seq_median_ranks(size_t nmax, double alpha, size_t *k)
{
	seq_ranks(nmax, alpha, k, NULL);
}

/*
 * Joint coverage by stepping the walk's distribution p[j] = P(B_n = j, every
 * look so far covered) through n, over the window [lo, hi] where it is not 0:
 * before nmin the whole of 0..n, after it what the looks leave.
 */
double
seq_joint_coverage(const size_t *k, size_t nmin, size_t nmax)
{
	double	*p = xcalloc(nmax + 2, sizeof *p), sum = 0;
	size_t	 lo = 0, hi = 0, j;

	p[0] = 1;
	for (size_t n = 1; n <= nmax; n++) {
		p[hi + 1] = 0;
		for (j = hi + 1; j > lo; j--)
			p[j] = 0.5 * (p[j] + p[j - 1]);
		p[lo] *= 0.5;
		hi++;
		if (n < nmin || k[n] == 0)
			continue;
		/* The look at n covers when k <= B_n <= n - k: the rest of the mass is lost. */
		for (j = lo; j < k[n] && j <= hi; j++)
			p[j] = 0;
		for (j = n - k[n] + 1; j <= hi; j++)
			p[j] = 0;
		if (k[n] > lo)
			lo = k[n];
		if (n - k[n] < hi)
			hi = n - k[n];
		if (lo > hi) {
			free(p);
			return 0;
		}
	}
	for (j = lo; j <= hi; j++)
		sum += p[j];
	free(p);
	return sum;
}

/* A design of the given alpha: its ranks and their joint coverage. */
static struct seq_design *
seq_design_build(enum seq_kind kind, size_t nmin, size_t nmax, double alpha)
{
	struct seq_design *d = xcalloc(1, sizeof *d);

	d->kind = kind;
	d->nmin = nmin;
	d->nmax = nmax;
	d->alpha = alpha;
	d->k = xcalloc(nmax + 1, sizeof *d->k);
	d->cov = xcalloc(nmax + 1, sizeof *d->cov);
	seq_ranks(nmax, alpha, d->k, d->cov);
	if (kind == SEQ_MEDIAN)
		d->joint = seq_joint_coverage(d->k, nmin, nmax);
	else
		d->joint = seq_shift_joint(stats_qnorm_upper(alpha / 2), nmin, nmax);
	d->moses = xcalloc(SEQ_EXACT_MAX * SEQ_EXACT_MAX, sizeof *d->moses);
	d->moses_cov = xcalloc(SEQ_EXACT_MAX * SEQ_EXACT_MAX, sizeof *d->moses_cov);
	return d;
}

/* The joint coverage of the design of alpha, without keeping it. */
static double
seq_joint_at(size_t nmin, size_t nmax, double alpha, size_t *k)
{
	seq_ranks(nmax, alpha, k, NULL);
	return seq_joint_coverage(k, nmin, nmax);
}

/*
 * The shift's joint coverage in the Gaussian limit, on a lattice: a fair
 * coin's walk B_s of SEQ_SHIFT_STEPS steps per unit of information, looked at
 * after n rounds at the step s nearest SEQ_SHIFT_STEPS n^2 / (2n+1), and
 * bounded there at |B_s - s/2| <= z sqrt(s)/2 (z standard deviations). Each
 * lattice state stands for a unit interval around it: the share of it beyond
 * the bound is lost (the continuity correction of a lattice for a
 * continuous law), which leaves no integer steps in the coverage.
 */
double
seq_shift_joint(double z, size_t nmin, size_t nmax)
{
	size_t	 steps = (size_t)ceil(SEQ_SHIFT_STEPS * 2.0 * (double)nmax * (double)nmax /
		    (2.0 * (double)nmax + 1)) + 2, lo = 0, hi = 0, s = 0, to, j;
	double	*p = xcalloc(steps + 2, sizeof *p), sum = 0, mid, half, below, above;

	p[0] = 1;
	for (size_t n = nmin; n <= nmax; n++) {
		to = (size_t)llround(SEQ_SHIFT_STEPS * (double)n * (double)n / (2.0 * (double)n + 1));
		for (; s < to; s++) {
			p[hi + 1] = 0;
			for (j = hi + 1; j > lo; j--)
				p[j] = 0.5 * (p[j] + p[j - 1]);
			p[lo] *= 0.5;
			hi++;
		}
		mid = s / 2.0;
		half = z * sqrt((double)s) / 2;
		for (j = lo; j <= hi; j++) {
			below = fmin(fmax(mid - half - ((double)j - 0.5), 0), 1);
			above = fmin(fmax((double)j + 0.5 - (mid + half), 0), 1);
			p[j] *= fmax(1 - below - above, 0);
		}
		while (lo < hi && p[lo] == 0)
			lo++;
		while (hi > lo && p[hi] == 0)
			hi--;
	}
	for (j = lo; j <= hi; j++)
		sum += p[j];
	free(p);
	return sum;
}

/*
 * Search the largest alpha whose looks all cover with probability >= conf.
 * The joint coverage only falls as alpha grows (every rank can only grow, the
 * bound only narrow), so bisection works; it starts between Bonferroni's
 * alpha, (1 - conf) / looks, which is always safe, and 1 - conf, the alpha
 * of a single look.
 */
struct seq_design *
seq_design_create(enum seq_kind kind, size_t nmin, size_t nmax, double conf)
{
	double	 lo, hi, mid, want = conf;
	size_t	*k;

	if (nmin < 1 || nmin > nmax || !(conf > 0 && conf < 1))
		return NULL;
	if (kind == SEQ_SHIFT)
		want = fmin(conf + SEQ_SHIFT_MARGIN, 1 - (1 - conf) / 2);
	k = xcalloc(nmax + 1, sizeof *k);
	lo = (1 - want) / (double)(nmax - nmin + 1);
	hi = 1 - conf;
	for (int i = 0; i <= SEQ_BISECT_STEPS; i++) {
		mid = i == 0 ? hi : sqrt(lo * hi);
		if ((kind == SEQ_MEDIAN ? seq_joint_at(nmin, nmax, mid, k) :
		    seq_shift_joint(stats_qnorm_upper(mid / 2), nmin, nmax)) >= want) {
			lo = mid;
			if (i == 0)
				break;
		} else
			hi = mid;
	}
	free(k);
	return seq_design_build(kind, nmin, nmax, lo);
}

/* The design of a known alpha. */
struct seq_design *
seq_design_at(enum seq_kind kind, size_t nmin, size_t nmax, double alpha)
{
	if (nmin < 1 || nmin > nmax || !(alpha > 0 && alpha < 1))
		return NULL;
	return seq_design_build(kind, nmin, nmax, alpha);
}

/* Free a design. */
void
seq_design_free(struct seq_design *d)
{
	if (d == NULL)
		return;
	free(d->k);
	free(d->cov);
	free(d->moses);
	free(d->moses_cov);
	free(d);
}

/* The design's per-look alpha. */
double
seq_design_alpha(const struct seq_design *d)
{
	return d->alpha;
}

/* The design's exact joint coverage of the median. */
double
seq_design_joint(const struct seq_design *d)
{
	return d->joint;
}

/* The median rank at n values (beyond nmax: worked out on the spot). */
size_t
seq_design_rank(const struct seq_design *d, size_t n)
{
	size_t	*k, r;

	if (n <= d->nmax)
		return d->k[n];
	k = xcalloc(n + 1, sizeof *k);
	seq_ranks(n, d->alpha, k, NULL);
	r = k[n];
	free(k);
	return r;
}

/* Order doubles ascending. */
static int
seq_cmp(const void *pa, const void *pb)
{
	double	a = *(const double *)pa, b = *(const double *)pb;

	return (a > b) - (a < b);
}

/* An empty look: no interval. */
static void
seq_look_clear(struct seq_look *out, size_t n, size_t nb)
{
	memset(out, 0, sizeof *out);
	out->n = n;
	out->nb = nb;
	out->estimate = out->lo = out->hi = out->width = out->level = NAN;
}

/* Look at the median of x: stats.c's interval at the design's per-look level. */
void
seq_median_look(const struct seq_design *d, const double *x, size_t n, struct seq_look *out)
{
	double	*s;
	size_t	 k;

	seq_look_clear(out, n, 0);
	if (n == 0)
		return;
	s = xcalloc(n, sizeof *s);
	memcpy(s, x, n * sizeof *s);
	qsort(s, n, sizeof *s, seq_cmp);
	out->estimate = stats_quantile(s, n, 0.5);
	k = seq_design_rank(d, n);
	if (k != 0) {
		out->has_ci = 1;
		out->lo = s[k - 1];
		out->hi = s[n - k];
		out->width = fmax(out->estimate - out->lo, out->hi - out->estimate);
		if (n <= d->nmax)
			out->level = d->cov[n];
		else
			out->level = 1 - d->alpha;
	}
	free(s);
}

/* Look at the shift a - b: Moses' interval at the design's per-look level. */
void
seq_shift_look(struct seq_design *d, const double *a, size_t na, const double *b, size_t nb,
    struct seq_look *out)
{
	double	 cov, hl, lo, hi;
	size_t	 k, slot;
	int	 exact;

	seq_look_clear(out, na, nb);
	if (na == 0 || nb == 0)
		return;
	exact = na < SEQ_EXACT_MAX && nb < SEQ_EXACT_MAX && !stats_ties(a, na, b, nb);
	if (exact) {
		/* The exact rank counts C(na+nb, na) arrangements: worked out once per size. */
		slot = na * SEQ_EXACT_MAX + nb;
		if (d->moses[slot] == 0) {
			d->moses[slot] = stats_shift_ci_rank(na, nb, 1, 1 - d->alpha, &cov) + 1;
			d->moses_cov[slot] = cov;
		}
		k = d->moses[slot] - 1;
		cov = d->moses_cov[slot];
	} else
		k = stats_shift_ci_rank(na, nb, 0, 1 - d->alpha, &cov);
	stats_shift_ci(a, na, b, nb, k, &hl, &lo, &hi);
	out->estimate = hl;
	if (k != 0 && !isnan(lo)) {
		out->has_ci = 1;
		out->lo = lo;
		out->hi = hi;
		out->width = hi - lo;
		out->level = cov;
	}
}

/* Runs still needed to bring width down to goal; see sequential.h. */
long
seq_runs_left(size_t n, double width, double goal)
{
	double	need;

	if (n == 0 || isnan(width) || !(goal > 0))
		return -1;
	if (width <= goal)
		return 0;
	need = ceil((double)n * (width / goal) * (width / goal)) - (double)n;
	if (need > 1e9)
		need = 1e9;
	return need < 1 ? 1 : (long)need;
}
