/*
 * sequential.h: intervals that stay honest when they are looked at after
 * every run and measuring stops as soon as one is narrow enough.
 *
 * Why: a 95% interval has its 95% for one sample size fixed in advance. Look
 * at it after every run and stop when it is narrow, and the interval you stop
 * on covers less often: narrow intervals are, more often than wide ones, the
 * ones that missed (with a skewed distribution a sample that fell into the
 * dense side gives both a narrow interval and one beside the truth), and every
 * extra look is one more chance to have missed.
 *
 * The rule, a Pocock-type group-sequential design (every look at the same
 * level) made exact for the median: every look at n values, nmin <= n <= nmax,
 * uses stats.c's own distribution-free median interval
 * [x_(k), x_(n-k+1)], but at the level 1 - alpha instead of 95%, with the one
 * alpha, the largest, for which the intervals of all those looks cover the
 * true median together with probability >= 95%. That joint probability does
 * not depend on the distribution: interval n covers the median m exactly when
 * k_n <= B_n <= n - k_n, B_n the number of the first n values below m, and
 * B_1, B_2, ... is a fair coin's walk whatever the (continuous) distribution,
 * so it is computed exactly by stepping the walk's distribution through n.
 * Since every look covers at once with probability >= 95%, so does the look
 * measuring stops on, whatever decided to stop there.
 *
 * The shift between two conditions (Hodges-Lehmann, Moses' interval, also
 * stats.c's) gets its own design. Under a shift its intervals' joint law is
 * again distribution-free, but it cannot be stepped through exactly (it
 * depends on every rank), and the median's alpha would be too generous for
 * it: the coin's integer ranks make each median look cover more than its
 * level, Moses' finer ranks do not. Its alpha comes from the Gaussian limit
 * (Armitage, McPherson and Rowe's recursion, on a fine lattice): the
 * Mann-Whitney statistic after n rounds, less n^2/2, over 2n+1, has
 * independent increments with variance n^2 / (12 (2n+1)) (the covariance of
 * U_s and U_t, s <= t, is s^2 (2t+1) / 12), so its looks are those of a
 * Brownian motion at "information" n^2 / (2n+1), bounded at +-z standard
 * deviations. That limit is solved for a joint 95.5%, the half point a margin
 * for small samples; the simulation in tests/unit/test_sequential.c checks
 * that every look covers together at least 95% of the time.
 *
 * Pure: no I/O, no globals; inputs are never modified.
 */
#ifndef BENCHD_SEQUENTIAL_H
#define BENCHD_SEQUENTIAL_H

#include <stddef.h>

/* The joint coverage every design keeps: that of summary's intervals. */
#define SEQ_CONF	0.95
/* What the shift's Gaussian design aims above SEQ_CONF, for small samples. */
#define SEQ_SHIFT_MARGIN	0.005

/* What a design's looks are at: one condition's median, or the shift between two. */
enum seq_kind { SEQ_MEDIAN, SEQ_SHIFT };

struct seq_design;

/* One look at a target: the interval a decision rests on. */
struct seq_look {
	size_t	 n;		/* values (of a: the shift's first condition) */
	size_t	 nb;		/* values of b (shift), else 0 */
	int	 has_ci;	/* 0 while too few values give an interval */
	double	 estimate;	/* the median, or the Hodges-Lehmann shift a - b */
	double	 lo;
	double	 hi;
	double	 width;		/* median: the farther end's distance from it; shift: hi - lo */
	double	 level;		/* this interval's own coverage (exact, or the normal approximation's) */
};

/*
 * A design for looks at n = nmin..nmax (1 <= nmin <= nmax; for a shift, n
 * rounds of each condition): the largest per-look alpha whose looks all cover
 * together with probability >= conf (the median's exactly, the shift's in
 * the Gaussian limit with SEQ_SHIFT_MARGIN more), found by bisection. NULL
 * when the sizes make no sense. seq_design_at builds the design of a given
 * alpha (one stored by an earlier seq_design_create) without searching.
 */
struct seq_design	*seq_design_create(enum seq_kind, size_t nmin, size_t nmax, double conf);
struct seq_design	*seq_design_at(enum seq_kind, size_t nmin, size_t nmax, double alpha);
void			 seq_design_free(struct seq_design *);
/* The per-look alpha: each look's interval is at level 1 - alpha. */
double			 seq_design_alpha(const struct seq_design *);
/*
 * The probability that every look from nmin to nmax covers together: for the
 * median exact, for the shift its Gaussian limit.
 */
double			 seq_design_joint(const struct seq_design *);
/* The rank k of the median interval [x_(k), x_(n-k+1)] at n values, 0 when there is none (n <= nmax). */
size_t			 seq_design_rank(const struct seq_design *, size_t n);

/*
 * Ranks k[0..nmax] of the median's interval at level 1 - alpha, each the
 * largest k with 1 - 2 P(B <= k-1) >= 1 - alpha, B ~ binomial(n, 1/2), or 0.
 * At alpha 0.05 they are stats_median_ci_rank's; here they are found for all
 * n at once, in O(nmax), by carrying the binomial tail from n to n + 1.
 */
void		 seq_median_ranks(size_t nmax, double alpha, size_t *k);
/*
 * The exact probability that k_n <= B_n <= n - k_n for every n from nmin to
 * nmax (k_n = 0: no constraint), B_n a fair coin's walk: the joint coverage
 * of median intervals of ranks k[].
 */
double		 seq_joint_coverage(const size_t *k, size_t nmin, size_t nmax);
/*
 * The Gaussian limit of the probability that the shift's looks from nmin to
 * nmax rounds all stay within z standard deviations (see above).
 */
double		 seq_shift_joint(double z, size_t nmin, size_t nmax);

/* The median look at x[0..n-1] (unsorted, in any order), n <= the design's nmax. */
void		 seq_median_look(const struct seq_design *, const double *x, size_t n,
		    struct seq_look *);
/*
 * The shift look, a - b. Exact ranks are remembered in the design, which is
 * why it is not const here.
 */
void		 seq_shift_look(struct seq_design *, const double *a, size_t na,
		    const double *b, size_t nb, struct seq_look *);

/*
 * Runs still needed for a look of this width to come down to goal, by the
 * 1/sqrt(n) law of both intervals: ceil(n (width / goal)^2) - n, at least 1
 * when width > goal, 0 when it is met; -1 when it cannot be told (no width).
 */
long		 seq_runs_left(size_t n, double width, double goal);

#endif
