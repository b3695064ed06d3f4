/*
 * test_sequential.c: unit tests of common/sequential.c: the ranks against
 * stats.c's, the joint coverage against brute force, and the stopping rule by
 * simulation: values drawn one run at a time from recorded and skewed
 * distributions, a look after every run, a stop as soon as the target is met
 * or at max_runs, and the interval stopped on must cover the true median (or
 * shift) at least 95% of the time, less the simulation's own error.
 *
 * The simulations are seeded: every run of the test draws the same numbers.
 * BENCHD_SIM_REPS=N replaces the number of replications (for a longer check);
 * each scenario prints its figures on stderr.
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

#include "sequential.h"
#include "stats.h"

#define NELEM(a)	(sizeof (a) / sizeof (a)[0])

/* The simulation's generator: splitmix64, small and good enough for this. */
struct rng {
	uint64_t	s;
};

/* The next 64 random bits. */
static uint64_t
rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform on (0, 1). */
static double
rng_unif(struct rng *r)
{
	return ((double)(rng_next(r) >> 11) + 0.5) / 9007199254740992.0;
}

/* Standard normal, by Box-Muller (one of the pair). */
static double
rng_norm(struct rng *r)
{
	return sqrt(-2 * log(rng_unif(r))) * cos(2 * M_PI * rng_unif(r));
}

/* P(Z <= z), Z standard normal. */
static double
pnorm(double z)
{
	return 0.5 * erfc(-z / sqrt(2.0));
}

/*
 * The distributions runs are drawn from. The seed logs' import_torch times
 * are 5.295 and 4.970 s cold, 3.550 and 3.563 s warm: "seed cold" picks one of
 * the cold two and multiplies it by a 3% log-normal jitter (a smoothed
 * bootstrap: the pair's spread is the 6% between them); "seed four" does the
 * same with all four, whose median falls in the gap between cold and warm
 * (no target can be met there: the bound must stop it). "Log-normal" is
 * skewed like a start-up time, 3.5 s plus a log-normal tail; "interference"
 * is a tight cold time with, one run in seven, a slow exponential tail (the
 * machine busy elsewhere).
 */
enum dist { D_SEED_COLD, D_SEED_FOUR, D_LOGNORMAL, D_INTERFERENCE };

static const double seed_cold[] = { 5.295, 4.970 };
static const double seed_four[] = { 5.295, 4.970, 3.550, 3.563 };

/* One draw. */
static double
dist_draw(enum dist d, struct rng *r)
{
	switch (d) {
	case D_SEED_COLD:
		return seed_cold[rng_next(r) % 2] * exp(0.03 * rng_norm(r));
	case D_SEED_FOUR:
		return seed_four[rng_next(r) % 4] * exp(0.03 * rng_norm(r));
	case D_LOGNORMAL:
		return 3.5 + 0.3 * exp(0.8 * rng_norm(r));
	case D_INTERFERENCE:
		if (rng_unif(r) < 6.0 / 7)
			return 5 + 0.05 * rng_norm(r);
		return 5 - 0.5 * log(rng_unif(r));
	}
	return NAN;
}

/* P(X <= x). */
static double
dist_cdf(enum dist d, double x)
{
	double	p = 0;

	switch (d) {
	case D_SEED_COLD:
		for (size_t i = 0; i < NELEM(seed_cold); i++)
			p += pnorm(log(x / seed_cold[i]) / 0.03) / NELEM(seed_cold);
		return p;
	case D_SEED_FOUR:
		for (size_t i = 0; i < NELEM(seed_four); i++)
			p += pnorm(log(x / seed_four[i]) / 0.03) / NELEM(seed_four);
		return p;
	case D_LOGNORMAL:
		return x <= 3.5 ? 0 : pnorm(log((x - 3.5) / 0.3) / 0.8);
	case D_INTERFERENCE:
		return 6.0 / 7 * pnorm((x - 5) / 0.05) +
		    (x <= 5 ? 0 : 1.0 / 7 * (1 - exp(-(x - 5) / 0.5)));
	}
	return NAN;
}

/* The true median, by bisection on the distribution function. */
static double
dist_median(enum dist d)
{
	double	lo = 0.1, hi = 100, mid;

	for (int i = 0; i < 200; i++) {
		mid = (lo + hi) / 2;
		if (dist_cdf(d, mid) < 0.5)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

/* The number of replications: the default, or BENCHD_SIM_REPS. */
static size_t
sim_reps(size_t dflt)
{
	const char *s = getenv("BENCHD_SIM_REPS");

	return s != NULL && atol(s) > 0 ? (size_t)atol(s) : dflt;
}

/* What one stopping-rule scenario gave, over its replications. */
struct sim_result {
	size_t	reps;
	double	coverage;	/* of the interval stopped on */
	double	mean_runs;	/* per condition */
	double	met;		/* share stopped by the target, not the bound */
	double	plain_coverage;	/* of summary's own 95% interval at that same stop */
	double	naive_coverage;	/* stopping on summary's own 95% interval instead */
	double	naive_runs;
	size_t	fixed50;	/* the fixed count whose 95% interval meets the target half the time */
	size_t	fixed90;	/* nine times in ten (0: none up to max_runs) */
};

/* The lowest coverage a correct rule may show: 95% less three standard errors of the simulation. */
static double
sim_floor(size_t reps)
{
	return SEQ_CONF - 3 * sqrt(SEQ_CONF * (1 - SEQ_CONF) / (double)reps);
}

/* Insert v into sorted s[0..n-1]. */
static void
sim_insert(double *s, size_t n, double v)
{
	size_t	j;

	for (j = n; j > 0 && s[j - 1] > v; j--)
		s[j] = s[j - 1];
	s[j] = v;
}

/* The median interval of rank k over sorted s[0..n-1] meets goal (a fraction of the median), and whether it covers m. */
static int
sim_rank_met(const double *s, size_t n, size_t k, double goal, double m, int *covers)
{
	double	med = stats_quantile(s, n, 0.5);

	*covers = k == 0 || (s[k - 1] <= m && m <= s[n - k]);
	return k != 0 && fmax(med - s[k - 1], s[n - k] - med) <= goal * med;
}

/* The name of a distribution, for the figures. */
static const char *
dist_name(enum dist d)
{
	return d == D_SEED_COLD ? "seed cold" : d == D_SEED_FOUR ? "seed four" :
	    d == D_LOGNORMAL ? "log-normal" : "interference";
}

/*
 * The median rule, reps times: a look after every run from min_runs on, a
 * stop as soon as the look's interval is within goal (a fraction of the
 * median) on both sides, or at max_runs. Beside it: summary's own 95%
 * interval at that stop; the naive rule, looking at summary's 95% interval
 * the same way; and the fixed counts a user would have had to guess.
 */
static struct sim_result
sim_median(enum dist d, double goal, size_t nmin, size_t nmax, size_t reps, uint64_t seed)
{
	struct seq_design	*des = seq_design_create(SEQ_MEDIAN, nmin, nmax, SEQ_CONF);
	struct seq_design	*plain = seq_design_at(SEQ_MEDIAN, nmin, nmax, 1 - STATS_CONF_LEVEL);
	struct sim_result	 res = { .reps = reps };
	struct seq_look		 l;
	struct rng		 r = { seed };
	double			 m = dist_median(d), *x = calloc(nmax, sizeof *x);
	double			*sorted = calloc(nmax + 1, sizeof *sorted);
	size_t			*met_at = calloc(nmax + 1, sizeof *met_at);
	size_t			 covered = 0, plain_covered = 0, naive_covered = 0, met = 0;
	size_t			 runs = 0, naive_runs = 0;
	int			 covers, met95;

	assert_non_null(des);
	for (size_t rep = 0; rep < reps; rep++) {
		size_t stop = 0, naive_stop = 0;

		for (size_t n = 1; n <= nmax; n++) {
			x[n - 1] = dist_draw(d, &r);
			sim_insert(sorted, n - 1, x[n - 1]);
			if (n < nmin)
				continue;
			if (!stop) {
				seq_median_look(des, x, n, &l);
				if ((l.has_ci && l.width <= goal * l.estimate) || n == nmax) {
					stop = n;
					met += l.has_ci && l.width <= goal * l.estimate;
					covered += !l.has_ci || (l.lo <= m && m <= l.hi);
					sim_rank_met(sorted, n, seq_design_rank(plain, n), goal, m,
					    &covers);
					plain_covered += covers;
				}
			}
			/* Summary's 95% interval at this n: the naive rule, and the fixed count n. */
			met95 = sim_rank_met(sorted, n, seq_design_rank(plain, n), goal, m, &covers);
			met_at[n] += met95;
			if (!naive_stop && (met95 || n == nmax)) {
				naive_stop = n;
				naive_covered += covers;
			}
		}
		runs += stop;
		naive_runs += naive_stop;
	}
	res.coverage = (double)covered / reps;
	res.plain_coverage = (double)plain_covered / reps;
	res.naive_coverage = (double)naive_covered / reps;
	res.met = (double)met / reps;
	res.mean_runs = (double)runs / reps;
	res.naive_runs = (double)naive_runs / reps;
	for (size_t n = nmax; n >= nmin; n--) {
		if (2 * met_at[n] >= reps)
			res.fixed50 = n;
		if (10 * met_at[n] >= 9 * reps)
			res.fixed90 = n;
	}
	fprintf(stderr, "  median, %-12s +-%g%%, runs %zu..%zu, %.4f%% per look (joint %.4f): "
	    "coverage %.4f (floor %.4f) after %.1f runs, target met %.1f%%; summary's 95%% there "
	    "%.4f; naive rule %.4f after %.1f runs; fixed counts meeting it 50%%/90%%: %zu/%zu\n",
	    dist_name(d), goal * 100, nmin, nmax, 100 * (1 - seq_design_alpha(des)),
	    seq_design_joint(des), res.coverage, sim_floor(reps), res.mean_runs, res.met * 100,
	    res.plain_coverage, res.naive_coverage, res.naive_runs, res.fixed50, res.fixed90);
	free(met_at);
	free(sorted);
	free(x);
	seq_design_free(des);
	seq_design_free(plain);
	return res;
}

/*
 * The shift rule: cold = warm + delta (a shift, the model under which Moses'
 * interval is distribution-free), one run of each per round, a look after
 * every round, a stop when the interval is narrower than goal or at max_runs;
 * with all, every look is taken to max_runs and the coverage is that of all
 * of them together.
 */
static struct sim_result
sim_shift(enum dist d, double delta, double goal, size_t nmin, size_t nmax, size_t reps,
    int all, uint64_t seed)
{
	struct seq_design	*des = seq_design_create(SEQ_SHIFT, nmin, nmax, SEQ_CONF);
	struct seq_design	*plain = seq_design_at(SEQ_SHIFT, nmin, nmax, 1 - STATS_CONF_LEVEL);
	struct sim_result	 res = { .reps = reps };
	struct seq_look		 l;
	struct rng		 r = { seed };
	double			*a = calloc(nmax, sizeof *a), *b = calloc(nmax, sizeof *b);
	size_t			 covered = 0, naive_covered = 0, met = 0, runs = 0, naive_runs = 0;

	assert_non_null(des);
	for (size_t rep = 0; rep < reps; rep++) {
		size_t stop = 0, naive_stop = all;
		int every = 1;

		for (size_t n = 1; n <= nmax && !(stop && naive_stop); n++) {
			a[n - 1] = dist_draw(d, &r) + delta;
			b[n - 1] = dist_draw(d, &r);
			if (n < nmin)
				continue;
			seq_shift_look(des, a, n, b, n, &l);
			if (all) {
				every = every && (!l.has_ci || (l.lo <= delta && delta <= l.hi));
				if (n == nmax) {
					stop = n;
					covered += every;
				}
				continue;
			}
			if (!stop && ((l.has_ci && l.width <= goal) || n == nmax)) {
				stop = n;
				met += l.has_ci && l.width <= goal;
				covered += !l.has_ci || (l.lo <= delta && delta <= l.hi);
			}
			if (!naive_stop) {
				seq_shift_look(plain, a, n, b, n, &l);
				if ((l.has_ci && l.width <= goal) || n == nmax) {
					naive_stop = n;
					naive_covered += !l.has_ci ||
					    (l.lo <= delta && delta <= l.hi);
				}
			}
		}
		runs += stop;
		naive_runs += naive_stop;
	}
	res.coverage = (double)covered / reps;
	res.naive_coverage = (double)naive_covered / reps;
	res.met = (double)met / reps;
	res.mean_runs = (double)runs / reps;
	res.naive_runs = (double)naive_runs / reps;
	if (all)
		fprintf(stderr, "  shift,  %-12s every look from %zu to %zu rounds at %.4f%% "
		    "(Gaussian joint %.4f) covers together: %.4f (floor %.4f)\n", dist_name(d),
		    nmin, nmax, 100 * (1 - seq_design_alpha(des)), seq_design_joint(des),
		    res.coverage, sim_floor(reps));
	else
		fprintf(stderr, "  shift,  %-12s %g ms wide, runs %zu..%zu, %.4f%% per look: "
		    "coverage %.4f (floor %.4f) after %.1f rounds, target met %.1f%%; naive rule "
		    "%.4f after %.1f rounds\n", dist_name(d), goal * 1e3, nmin, nmax,
		    100 * (1 - seq_design_alpha(des)), res.coverage, sim_floor(reps),
		    res.mean_runs, res.met * 100, res.naive_coverage, res.naive_runs);
	free(a);
	free(b);
	seq_design_free(des);
	seq_design_free(plain);
	return res;
}

/* At alpha 0.05 the ranks are summary's, stats_median_ci_rank's, for every n to 3000. */
static void
test_ranks_are_summary_ranks(void **state)
{
	size_t	 nmax = 3000, *k = calloc(nmax + 1, sizeof *k);

	(void)state;
	seq_median_ranks(nmax, 1 - STATS_CONF_LEVEL, k);
	for (size_t n = 0; n <= nmax; n++) {
		if (k[n] != stats_median_ci_rank(n, NULL))
			fail_msg("n = %zu: rank %zu, stats.c says %zu", n, k[n],
			    stats_median_ci_rank(n, NULL));
	}
	free(k);
}

/* The joint coverage against every one of the 2^14 paths of the coin, for a few rank sequences. */
static void
test_joint_brute_force(void **state)
{
	const size_t	 nmax = 14;
	size_t		 k[15], seqs[][15] = {
		{ 0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3 },	/* 95% ranks */
		{ 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4 },	/* too greedy */
		{ 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2 },
	};
	const size_t	 nmins[] = { 1, 6, 10, 14 };

	(void)state;
	for (size_t s = 0; s < NELEM(seqs); s++) {
		for (size_t i = 0; i < NELEM(nmins); i++) {
			double want = 0;

			memcpy(k, seqs[s], sizeof k);
			for (unsigned path = 0; path < (1u << nmax); path++) {
				size_t b = 0, n;

				for (n = 1; n <= nmax; n++) {
					b += (path >> (n - 1)) & 1;
					if (n >= nmins[i] && k[n] > 0 && (b < k[n] || b > n - k[n]))
						break;
				}
				if (n > nmax)
					want += 1.0 / (1u << nmax);
			}
			if (fabs(seq_joint_coverage(k, nmins[i], nmax) - want) > 1e-14)
				fail_msg("ranks %zu from n = %zu: joint %.17g, brute force %.17g",
				    s, nmins[i], seq_joint_coverage(k, nmins[i], nmax), want);
		}
	}
}

/* A design: one look is stats.c's 95%; more looks need a smaller alpha, never below Bonferroni's. */
static void
test_design(void **state)
{
	struct seq_design	*d;
	size_t			 k[61];
	const size_t		 ranges[][2] = { { 5, 60 }, { 10, 30 }, { 5, 200 }, { 20, 1000 } };

	(void)state;
	/* One look at 10: the 95% interval, rank 2, coverage 1 - 2 * 11/1024. */
	d = seq_design_create(SEQ_MEDIAN, 10, 10, SEQ_CONF);
	assert_non_null(d);
	assert_true(fabs(seq_design_alpha(d) - 0.05) < 1e-12);
	assert_int_equal(seq_design_rank(d, 10), 2);
	assert_true(fabs(seq_design_joint(d) - (1 - 22.0 / 1024)) < 1e-14);
	seq_design_free(d);

	for (size_t i = 0; i < NELEM(ranges); i++) {
		size_t nmin = ranges[i][0], nmax = ranges[i][1];
		double alpha;

		d = seq_design_create(SEQ_MEDIAN, nmin, nmax, SEQ_CONF);
		alpha = seq_design_alpha(d);
		fprintf(stderr, "  design %zu..%zu: alpha %.6f per look (a %.4f%% interval), joint "
		    "coverage %.5f; median rank at %zu: %zu (95%%: %zu)\n", nmin, nmax, alpha,
		    100 * (1 - alpha), seq_design_joint(d), nmax, seq_design_rank(d, nmax),
		    stats_median_ci_rank(nmax, NULL));
		assert_true(seq_design_joint(d) >= SEQ_CONF);
		assert_true(alpha >= 0.05 / (double)(nmax - nmin + 1));
		assert_true(alpha < 0.05);
		/* The same design rebuilt from its alpha alone (as benchd does from the database). */
		seq_design_free(d);
		d = seq_design_at(SEQ_MEDIAN, nmin, nmax, alpha);
		assert_true(seq_design_joint(d) >= SEQ_CONF);
		seq_design_free(d);

		/* The shift's: its Gaussian joint coverage reaches 95.5%, with a smaller alpha. */
		d = seq_design_create(SEQ_SHIFT, nmin, nmax, SEQ_CONF);
		fprintf(stderr, "  shift design %zu..%zu: alpha %.6f per look (a %.4f%% interval), "
		    "Gaussian joint coverage %.5f\n", nmin, nmax, seq_design_alpha(d),
		    100 * (1 - seq_design_alpha(d)), seq_design_joint(d));
		assert_true(seq_design_joint(d) >= SEQ_CONF + SEQ_SHIFT_MARGIN - 1e-9);
		assert_true(seq_design_alpha(d) < alpha);
		seq_design_free(d);
	}
	/* One look, in the Gaussian limit: z = 1.96 covers 95% (the lattice's error is small). */
	assert_true(fabs(seq_shift_joint(1.959963984540054, 40, 40) - 0.95) < 0.003);
	/* Looking with 95% intervals every time from 5 to 60 covers far less than 95% in all. */
	seq_median_ranks(60, 0.05, k);
	fprintf(stderr, "  95%% intervals looked at every run from 5 to 60 all cover together: "
	    "%.4f\n", seq_joint_coverage(k, 5, 60));
	assert_true(seq_joint_coverage(k, 5, 60) < 0.9);
	assert_null(seq_design_create(SEQ_MEDIAN, 0, 10, SEQ_CONF));
	assert_null(seq_design_create(SEQ_SHIFT, 11, 10, SEQ_CONF));
	assert_null(seq_design_at(SEQ_MEDIAN, 5, 10, 0));
}

/* Runs left by the 1/sqrt(n) law. */
static void
test_runs_left(void **state)
{
	(void)state;
	assert_int_equal(seq_runs_left(10, 0.2, 0.1), 30);	/* 10 * 4 - 10 */
	assert_int_equal(seq_runs_left(10, 0.1, 0.1), 0);
	assert_int_equal(seq_runs_left(100, 0.1001, 0.1), 1);
	assert_int_equal(seq_runs_left(10, NAN, 0.1), -1);
	assert_int_equal(seq_runs_left(0, 0.2, 0.1), -1);
}

/* Looks at the median and the shift: the intervals are stats.c's at the design's level. */
static void
test_looks(void **state)
{
	const double		 x[] = { 9, 1, 8, 2, 7, 3, 6, 4, 5, 10, 12, 11 };
	struct seq_design	*d = seq_design_at(SEQ_MEDIAN, 12, 12, 0.05);
	struct stats_summary	 s;
	struct stats_compare	 c;
	struct seq_look		 l;

	(void)state;
	seq_median_look(d, x, NELEM(x), &l);
	stats_summarize(x, NELEM(x), &s);
	assert_int_equal(l.has_ci, 1);
	assert_true(l.lo == s.ci_lo && l.hi == s.ci_hi && l.estimate == s.median);
	assert_true(l.width == fmax(s.median - s.ci_lo, s.ci_hi - s.median));
	assert_true(fabs(l.level - s.ci_coverage) < 1e-12);

	seq_shift_look(d, x, 6, x + 6, 6, &l);
	stats_compare(x, 6, x + 6, 6, &c);
	assert_true(l.has_ci && l.lo == c.ci_lo && l.hi == c.ci_hi && l.estimate == c.hl);
	assert_true(fabs(l.level - c.ci_coverage) < 1e-12);
	seq_median_look(d, x, 3, &l);
	assert_int_equal(l.has_ci, 0);
	seq_median_look(d, x, 0, &l);
	assert_true(isnan(l.estimate));
	seq_design_free(d);
}

/*
 * The stopping rule keeps its 95% where looking at summary's own interval
 * does not: 20,000 replications per scenario (simulation error 0.15%, the
 * floor three of them below 95%: 94.54%).
 */
static void
test_median_stopping_coverage(void **state)
{
	const struct {
		enum dist	d;
		double		goal;
		size_t		nmin;
		size_t		nmax;
	} t[] = {
		{ D_LOGNORMAL, 0.05, 5, 60 },
		{ D_SEED_COLD, 0.03, 5, 60 },
		{ D_SEED_COLD, 0.02, 5, 60 },
		{ D_INTERFERENCE, 0.005, 5, 60 },
		{ D_SEED_FOUR, 0.03, 5, 40 },
	};
	size_t	reps = sim_reps(20000);

	(void)state;
	for (size_t i = 0; i < NELEM(t); i++) {
		struct sim_result res = sim_median(t[i].d, t[i].goal, t[i].nmin, t[i].nmax,
		    reps, 0x5eed + i);

		if (res.coverage < sim_floor(reps))
			fail_msg("scenario %zu: coverage %.4f below %.4f", i, res.coverage,
			    sim_floor(reps));
		if (t[i].d == D_SEED_FOUR)
			assert_true(res.met < 0.01);	/* the median sits in the gap: the bound stops it */
		else
			assert_true(res.mean_runs < (double)t[i].nmax);
	}
}

/*
 * The shift rule, cold = warm + 1.4 s: every look of the shift's design covers
 * together at least 95% of the time (4,000 replications each, simulation error
 * 0.34%, floor 93.97%; Moses' interval is distribution-free under a shift, so
 * uniform draws stand for every distribution), and the interval stopped on
 * covers too.
 */
static void
test_shift_stopping_coverage(void **state)
{
	const struct {
		enum dist	d;
		double		goal;
		size_t		nmin;
		size_t		nmax;
		int		all;
	} t[] = {
		{ D_LOGNORMAL, 0, 5, 40, 1 },
		{ D_LOGNORMAL, 0, 10, 30, 1 },
		{ D_SEED_COLD, 0.4, 5, 40, 0 },
		{ D_INTERFERENCE, 0.06, 5, 40, 0 },
	};
	size_t	reps = sim_reps(4000);

	(void)state;
	for (size_t i = 0; i < NELEM(t); i++) {
		struct sim_result res = sim_shift(t[i].d, 1.4, t[i].goal, t[i].nmin, t[i].nmax,
		    reps, t[i].all, 0xd1ff + i);

		if (res.coverage < sim_floor(reps))
			fail_msg("scenario %zu: coverage %.4f below %.4f", i, res.coverage,
			    sim_floor(reps));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ranks_are_summary_ranks),
		cmocka_unit_test(test_joint_brute_force),
		cmocka_unit_test(test_design),
		cmocka_unit_test(test_runs_left),
		cmocka_unit_test(test_looks),
		cmocka_unit_test(test_median_stopping_coverage),
		cmocka_unit_test(test_shift_stopping_coverage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
