/*
 * analysis.h: what a plan's runs show: for each condition and metric the ok
 * runs' values, their statistics and outliers; each pair of conditions
 * compared (cold against warm first); and the warnings that make a number
 * less trustworthy, each tied to the condition and metric it concerns.
 *
 * Pure: it reads a plan already loaded (struct db_plan, from db.h or built in
 * memory), opens nothing and prints nothing.
 */
#ifndef BENCHD_ANALYSIS_H
#define BENCHD_ANALYSIS_H

#include <stddef.h>

#include "db.h"
#include "stats.h"

/* A cold run above this share of its footprint cached was not quite cold. */
#define ANALYSIS_COLD_MAX_PCT	5.0
/* A warm run below this share was not quite warm. */
#define ANALYSIS_WARM_MIN_PCT	90.0
/* Points farther than this many MADs from the median are outliers. */
#define ANALYSIS_OUTLIER_MADS	3.0
/* Fewer ok runs than this in a condition deserve a warning. */
#define ANALYSIS_FEW_RUNS	5
/*
 * A cold run with this share more of its footprint mapped by other programs
 * than the condition's least may have been partly warm; every run with this
 * much mapped, all may have.
 */
#define ANALYSIS_MAPPED_MAX	0.10
#define ANALYSIS_MAPPED_MOST	0.50
/* benchd's loop later than this at a run's spawn or exit is worth saying. */
#define ANALYSIS_LATE_MS	1.0

/* One condition's numbers for one metric, over its measured ok runs. */
struct analysis_cell {
	double			*values;	/* in run order */
	long long		*run_ids;
	int			*outlier;	/* 1 for the values stats_outliers flagged */
	size_t			 n;
	size_t			 noutliers;
	struct stats_summary	 s;
};

/* One condition of the plan. */
struct analysis_cond {
	const char		*name;
	const char		*cache;		/* its runs' cache policy */
	const char		*cold_method;	/* targeted or system when cold, else NULL */
	size_t			 measured;	/* measured runs, latest attempts */
	size_t			 ok;
	size_t			 failed;
	size_t			 timeout;
	size_t			 other;		/* cancelled, pending, running */
	struct analysis_cell	*cells;		/* one per metric */

	/*
	 * The page cache before its measured ok runs, the proof of cold or
	 * warm: how many had it measured, how many of those met the state the
	 * condition asks for (analysis_cache_met; cold and warm only), the
	 * median share cached and the worst (cold and none: the highest; warm:
	 * the lowest). NaN when none was measured.
	 */
	size_t			 resident_n;
	size_t			 resident_met;
	double			 resident_median;
	double			 resident_worst;
};

/* Two conditions compared, a against b, metric by metric. */
struct analysis_pair {
	size_t			 a;
	size_t			 b;
	struct stats_compare	*cmp;		/* one per metric */
};

/* Something that makes a number less trustworthy, and where it belongs. */
struct analysis_warning {
	const char		*kind;
	int			 cond;		/* index, or -1 for the whole plan */
	int			 metric;	/* index, or -1 for the whole condition */
	long long		*run_ids;
	size_t			 nrun_ids;
	char			*text;		/* a sentence without the condition's name */
};

/* Everything summary and report say about a plan. */
struct analysis {
	const struct db_plan	*plan;
	const char		**metrics;	/* the plan's stages, then avg_latency_ms if any */
	const char		**units;	/* "s" or "ms" */
	size_t			 nmetrics;
	struct analysis_cond	*conds;		/* in plan order */
	size_t			 nconds;
	struct analysis_pair	*pairs;
	size_t			 npairs;
	struct analysis_warning	*warnings;
	size_t			 nwarnings;
	size_t			 measured_total;
	size_t			 measured_ok;
	const struct db_run	*info_run;	/* the first run with runtime info, or NULL */
};

/* The runtime info lines that name the machine: python, torch, platform. */
#define ANALYSIS_NINFO_KEYS	3
extern const char *const analysis_info_keys[ANALYSIS_NINFO_KEYS];

/*
 * Whether a run with this cache policy ("cold", "warm", "none") and this
 * share of its footprint cached before it met its cache state: 1 (cold at
 * most ANALYSIS_COLD_MAX_PCT, warm at least ANALYSIS_WARM_MIN_PCT), 0 (not),
 * or -1 when nothing is expected of it (none, or not measured: NaN).
 */
int		 analysis_cache_met(const char *cache, double pct);
/*
 * What a run's cache state before it says, in words: "0.0% cached before
 * (cold: ok)", "37.2% cached before (cold: over 5%)", "12.0% cached before";
 * "" when it was not measured.
 */
void		 analysis_cache_words(const char *cache, double pct, char *buf, size_t len);

/*
 * How many of a condition's measured ok runs met its cache state: "10 of 10
 * at most 5% cached", "9 of 10 at least 90% cached"; "" for a condition that
 * asks for none, or when no run had its cache measured.
 */
void		 analysis_cond_met_words(const struct analysis_cond *, char *buf, size_t len);
/*
 * The cache before a condition's measured ok runs: "median 0.0%, worst 0.3%"
 * ("highest" for a condition that asks for no state); "" when not measured.
 */
void		 analysis_cond_resident_words(const struct analysis_cond *, char *buf,
		    size_t len);

/* Analyse a loaded plan; the plan must outlive the result. */
struct analysis	*analysis_create(const struct db_plan *);
void		 analysis_free(struct analysis *);

/* The warnings of one condition (-1: of the plan) and one metric (-1: of the condition), in turn. */
const struct analysis_warning *analysis_next_warning(const struct analysis *,
		    int cond, int metric, size_t *iter);
/* The index of a condition by name in the analysis, or -1. */
int		 analysis_cond_index(const struct analysis *, const char *name);
/* The index of a metric (a stage, avg_latency_ms) by name in the analysis, or -1. */
int		 analysis_metric_index(const struct analysis *, const char *name);
/* Whether run i of the plan is the latest attempt of its seq (earlier ones were interrupted). */
int		 analysis_latest(const struct db_plan *, size_t i);

#endif
