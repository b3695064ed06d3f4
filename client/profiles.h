/*
 * profiles.h: a condition's device profile and what its runs' control groups
 * counted, as summary and report show them beside the numbers: the limits the
 * kernel held the runs to (read back from the cgroup files), and the medians
 * of what the group read, how long its CPU quota held it back and its peak
 * memory. Pure: an analysis of a loaded plan in, words and JSON out.
 */
#ifndef BENCHD_PROFILES_H
#define BENCHD_PROFILES_H

#include <jansson.h>
#include <stddef.h>

#include "analysis.h"
#include "db.h"

/* One condition's profile and group, over its measured runs. */
struct profiles_cond {
	const struct db_limits	*limits;	/* the first measured run's group, or NULL */
	size_t			 grouped;	/* measured ok runs that ran in a group */
	size_t			 differ;	/* of those, held to other limits than the first */
	size_t			 oom_runs;	/* measured runs the kernel OOM-killed in */
	double			 killed_at_end;	/* processes left in the group, killed: all its runs */
	double			 read_bytes;	/* medians over the grouped ok runs; NaN when none */
	double			 read_ios;
	double			 cpu_periods;
	double			 cpu_throttled;
	double			 cpu_throttled_ms;
	double			 memory_peak;
};

/* Each condition of the analysis (a->nconds of them), in its order. */
struct profiles_cond	*profiles_create(const struct analysis *);
void			 profiles_free(struct profiles_cond *);

/* The profile's name, "inline" when written in the condition, or NULL without one. */
const char		*profiles_name(const struct profiles_cond *);
/*
 * The profile as the kernel held it: "profile sdcard (configs/profiles.yaml),
 * by cgroup1: read 25 MB/s and 1500 requests/s on 254:0 vda, memory 1 GB,
 * cpus 0, 0.5 CPU of time"; NULL without one. The caller frees.
 */
char			*profiles_limits_text(const struct profiles_cond *);
/* What its group counted, medians per run; NULL when nothing is worth saying. */
char			*profiles_counters_text(const struct profiles_cond *);
/* Warnings: other limits in some runs, OOM kills; one sentence each, or NULL. */
char			*profiles_differ_text(const struct profiles_cond *);
char			*profiles_oom_text(const struct profiles_cond *);
/* {"profile": {...} or null, "group": {...} or null} members set on o. */
void			 profiles_json(const struct profiles_cond *, json_t *o);

#endif
