/*
 * analysis.h: benchctl's commands that read the database (plans, runs,
 * summary), and the analysis of a plan that summary and report share.
 *
 * They open the database read-only, so they work with no daemon running and
 * on a copy from another machine. Exit status: 0 success, 1 failure (no
 * database, no such plan), 2 usage error.
 *
 * "summary --json" prints one object:
 *
 *   { "plan": { "id", "name", "state", "submitted_at", "finished_at" (unix s or
 *               null), "error", "source_path", "runs_total" (every run, probe
 *               and warm-ups included), "measured_total", "measured_ok" },
 *     "machine": { "python", "torch", "platform", "cpus", "governor" (strings
 *                  or null: the first run that printed its runtime info),
 *                  "info": { every runtime info line of that run } },
 *     "footprint": { "files", "shared", "bytes", "shared_bytes" },
 *     "conditions": [ { "name", "cache" (cold, warm, none), "measured",
 *                       "ok", "left_out": { "failed", "timeout", "other" },
 *                       "metrics": [ { "name" (a stage, or avg_latency_ms),
 *                                      "unit" ("s" or "ms"), "n", "mean",
 *                                      "sd", "min", "median", "p90", "max",
 *                                      "median_ci": { "lo", "hi", "coverage",
 *                                                     "rank" } or null,
 *                                      "values": [ { "run_id", "value" } ],
 *                                      "outliers": [ run ids ] } ] } ],
 *     "comparisons": [ { "a", "b" (condition names: a - b),
 *                        "metrics": [ { "name", "unit", "na", "nb",
 *                                       "median_a", "median_b", "diff", "rel",
 *                                       "hl", "shift_ci": { "lo", "hi",
 *                                       "coverage", "exact" } or null, "u",
 *                                       "p", "p_exact" } ] } ],
 *     "warnings": [ { "kind" (resident, outliers, left_out, few_runs,
 *                     unfinished, info_differs), "condition" (or null),
 *                     "metric" (or null: the whole condition), "run_ids",
 *                     "text" } ] }
 *
 * Durations are in seconds, avg_latency_ms in milliseconds, as stored. Every
 * number that does not exist for the sizes at hand (the sd of one run, a
 * p-value with no runs) is null. rel is diff / median_b, a fraction.
 * comparisons come cold against warm first (each cold condition against each
 * warm one), then every other pair in plan order.
 */
#ifndef BENCHD_ANALYSIS_H
#define BENCHD_ANALYSIS_H

#include <stddef.h>

#include "control.h"
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
	size_t			 measured;	/* measured runs, latest attempts */
	size_t			 ok;
	size_t			 failed;
	size_t			 timeout;
	size_t			 other;		/* cancelled, pending, running */
	struct analysis_cell	*cells;		/* one per metric */
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

/* "benchctl plans [--json]": every plan in the database. */
int		 analysis_plans(const struct benchctl_env *, int, char **);
/* "benchctl runs PLAN [--json | --csv]": one row per run. */
int		 analysis_runs(const struct benchctl_env *, int, char **);
/* "benchctl summary PLAN [--json]": statistics, comparisons and warnings. */
int		 analysis_summary(const struct benchctl_env *, int, char **);

/* Analyse a loaded plan; the plan must outlive the result. */
struct analysis	*analysis_create(const struct db_plan *);
void		 analysis_free(struct analysis *);

/*
 * Open the database of env read-only and load plan id. Prints one line and
 * returns 1 on failure (no database, no such plan), else 0 with *db and
 * *plan set (the caller frees both).
 */
int		 analysis_load(const struct benchctl_env *, long long id, struct db **,
		    struct db_plan **);

/* The warnings of one condition (-1: of the plan) and one metric (-1: of the condition), in turn. */
const struct analysis_warning *analysis_next_warning(const struct analysis *,
		    int cond, int metric, size_t *iter);

#endif
