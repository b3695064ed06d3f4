/*
 * plan.h: experiment plans: YAML text in, a checked struct plan (or errors
 * naming FILE:LINE:COLUMN and the fix) out, and the ordered list of runs.
 *
 * Pure apart from the optional checks in struct plan_check: no loop, no
 * socket, no database.
 */
#ifndef BENCHD_PLAN_H
#define BENCHD_PLAN_H

#include <stddef.h>

#define PLAN_VERSION		1
#define PLAN_TIMEOUT_DEFAULT	600.0
#define PLAN_WARMUP_DEFAULT	3	/* for cache: warm */
#define PLAN_MAX_RUNS		10000	/* per condition */
#define PLAN_MAX_TOTAL_RUNS	20000	/* per plan, warm-up runs included */
#define PLAN_THEN_MAX		20	/* runs after the cold one in a warming sequence */
#define PLAN_IMPORTTIME_MAX	100	/* importtime runs per condition */
#define PLAN_UNTIL_MIN_RUNS	5	/* until: min_runs by default */
#define PLAN_UNTIL_MAX_RUNS	50	/* until: max_runs by default */
#define PLAN_UNTIL_RUNS_LEAST	10	/* the least max_runs may be */
#define PLAN_UNTIL_RUNS_MOST	1000	/* the most max_runs may be */

enum plan_cache { PLAN_CACHE_NONE, PLAN_CACHE_COLD, PLAN_CACHE_WARM };
enum plan_cold_method { PLAN_COLD_TARGETED, PLAN_COLD_SYSTEM };
enum plan_order { PLAN_ORDER_INTERLEAVED, PLAN_ORDER_BLOCKED };
enum plan_run_kind { PLAN_RUN_PROBE, PLAN_RUN_WARMUP, PLAN_RUN_MEASURED };
enum plan_target_kind { PLAN_TARGET_MEDIAN, PLAN_TARGET_SHIFT };

struct profile;

struct plan_env {
	char	*key;
	char	*value;
};

/*
 * One condition, with the plan-level settings already folded in: every field
 * holds the condition's own value when it set one, else the plan's, else the
 * default. Paths are absolute when the plan's path is, joined to the plan
 * file's folder when they were relative.
 */
struct plan_condition {
	char			*name;
	enum plan_cache		 cache;
	enum plan_cold_method	 cold_method;
	int			 runs;		/* measured runs, or sequences when then > 0; with a target, its least */
	int			 warmup_runs;
	int			 then;		/* runs after the cold one in each sequence, 0: none */
	int			 importtime_runs;	/* extra runs with python -X importtime */
	int			 max_runs;	/* with a target: the most it may take; else 0 */
	int			 target;	/* index into plan->targets, -1 for a fixed count */

	char			*python;	/* "python3" by default: looked up in PATH */
	char			*script;
	char			**args;
	size_t			 nargs;
	char			*workdir;	/* the script's folder by default */
	char			*cpus;		/* taskset list, NULL when not pinned */
	struct plan_env		*env;		/* plan's env, then the condition's */
	size_t			 nenv;
	double			 timeout;	/* seconds per run */
	struct profile		*profile;	/* device profile (profile.h), NULL for none */
};

/*
 * A precision target (until:, plan_until.c): median, condition a's median of
 * the stage known within +-width; shift, the interval for the shift a - b of
 * the stage narrower than width. width is in seconds, or when relative a
 * fraction of the median (of b's median, for a shift). Its conditions run
 * round after round until it is met or they reach their max_runs.
 */
struct plan_target {
	enum plan_target_kind	 kind;
	char			*stage;
	size_t			 a;		/* index into plan->conds */
	size_t			 b;		/* shift: the second condition */
	double			 width;
	int			 relative;
	char			*goal;		/* as written: "within 2%", "narrower than 20ms" */
	int			 min_runs;	/* as the until: gave them, or the defaults */
	int			 max_runs;
};

struct plan {
	char			*name;
	enum plan_order		 order;
	char			**evict;	/* extra files or folders cold runs evict */
	size_t			 nevict;
	struct plan_condition	*conds;
	size_t			 nconds;
	struct plan_target	*targets;	/* until: one per condition with its own, or a compare */
	size_t			 ntargets;
};

/* One run of an expanded plan. */
struct plan_run {
	size_t			 cond;		/* index into plan->conds */
	enum plan_run_kind	 kind;
	int			 position;	/* in its warming sequence (0: the cold one), -1: none */
	int			 sequence;	/* which sequence of its condition, from 1; 0: none */
	int			 importtime;	/* a run under python -X importtime (kind warmup) */
};

/*
 * Checks against the machine, optional so the parser stays testable and
 * fuzzable: online_cpus is the kernel's list ("0-1", as in
 * /sys/devices/system/cpu/online), NULL to skip; check_paths makes the
 * script and workdir have to exist.
 */
struct plan_check {
	const char		*online_cpus;
	int			 check_paths;
};

/*
 * Parse a plan. path is the plan file's path as the user named it: it starts
 * every error and relative paths are resolved against its folder. On error
 * returns NULL and sets *cause to one or more lines "PATH:LINE:COL: message"
 * (1-based), which the caller frees.
 */
struct plan	*plan_parse(const char *text, size_t len, const char *path,
		    const struct plan_check *check, char **cause);
void		 plan_free(struct plan *);

/*
 * Expand a plan into its ordered runs: interleaved takes one run of each
 * condition in turn, blocked all of one condition then the next; a condition
 * with `then: K` takes whole sequences (K + 1 runs back to back) where others
 * take one run; a warm condition's warm-up runs come right before its first
 * measured run; importtime runs come last, in turn. Returns the count and
 * sets *runs (caller frees). Probe runs are not included.
 */
size_t		 plan_expand(const struct plan *, struct plan_run **runs);

const char	*plan_cache_name(enum plan_cache);
const char	*plan_cold_method_name(enum plan_cold_method);
const char	*plan_run_kind_name(enum plan_run_kind);

/* Parse a taskset CPU list ("0,1", "0-3", "0-3,6"); fills set[0..max). */
int		 plan_cpulist_parse(const char *list, unsigned char *set, size_t max);

#endif
