/*
 * rungroup.h: a run's device profile, applied by the kernel: the run's control
 * group (cgroup.h) with read limits on the disks its files live on
 * (blockdev.h), memory, CPUs and quota written and read back; a warm run's
 * cache filled inside the group's memory; benchd stepping into the group
 * around the spawn, so the child is born there; and at the end the group's
 * counters, every process left in it killed, and the row that proves it.
 * A run without a profile still gets a group when the machine allows one,
 * so that nothing it starts outlives it.
 *
 * run.c calls it at each step of a run; request.c at submit, so that a plan
 * whose limits cannot be applied is refused, never run unlimited.
 */
#ifndef BENCHD_RUNGROUP_H
#define BENCHD_RUNGROUP_H

#include <stdint.h>

#include "cache.h"
#include "plan.h"
#include "store.h"

struct rungroup;

/*
 * At start: find what this machine allows, and kill and remove what a
 * daemon on the same database left in its groups when it died. BENCHD_CGROUPS
 * ("off", "v1", "v2") narrows what is used, for tests and measurements.
 */
void		 rungroup_init(const char *db_path);
/* At submit: 0 when every profile of the plan can be applied here; else -1 and *cause, naming the fix. */
int		 rungroup_check_plan(const struct plan *, const char *path, char **cause);

/* A run's limits, from its condition's profile (none for a probe: it only finds files). */
struct rungroup	*rungroup_create(const struct plan *, const struct plan_condition *, int probe,
		    int64_t run_id);
/*
 * On the thread pool, before cache_work(): make the group on the run's disks
 * with its memory limit, fill a warm run's cache inside that memory (then
 * cache_work() only measures it), and step benchd into the group, so that the
 * child it spawns is born there (a step's cost is paid here, not between the
 * cache work and the spawn). -1 and rungroup_error().
 */
int		 rungroup_setup(struct rungroup *, struct cache_state *);
/*
 * On the thread pool, after cache_work(): the rest of the limits (reads,
 * CPUs, quota, which would have slowed the cache work), read back and
 * checked, and the group's counters from here on. -1 and rungroup_error().
 */
int		 rungroup_ready(struct rungroup *);
const char	*rungroup_error(const struct rungroup *);
/* Right after the spawn: benchd steps back out of the group. */
void		 rungroup_leave(struct rungroup *);
/* Once the run is over: the group's counters, then every process left in it killed, the group removed. */
void		 rungroup_finish(struct rungroup *);
/* What to record of the run's group (run_limits), or NULL when it had none. */
const struct store_limits *rungroup_row(const struct rungroup *);
/* Why the run died, when the kernel killed it for the profile's memory limit; else NULL. */
char		*rungroup_failure(const struct rungroup *);
void		 rungroup_free(struct rungroup *);

#endif
