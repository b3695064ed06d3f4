/* testplan.h: plans built in memory (struct db_plan, no database) for the unit tests of benchctl's core. */
#ifndef BENCHD_TESTPLAN_H
#define BENCHD_TESTPLAN_H

#include <stddef.h>

#include "db.h"

/* A new plan in state state, with one stage, import_torch, and no runs. */
struct db_plan	*plan_new(const char *state);
/* Give the plan another id (and the reference that names it). */
void		 plan_set_id(struct db_plan *, long long id);
/* Add a condition name to the plan's list, in plan order. */
void		 plan_condition(struct db_plan *, const char *name);
/*
 * Add a run (id and seq the next ones, attempt 1) of condition cond with the
 * given cache policy, kind and state, its residency before it (NaN: not
 * measured) and its import_torch time (NaN: no such stage).
 */
struct db_run	*plan_run(struct db_plan *, const char *cond, const char *cache,
		    const char *kind, const char *state, double resident, double import_s);
/* Add a runtime info line to a run. */
void		 run_info(struct db_run *, const char *key, const char *value);
/* Add a reported number to a run. */
void		 run_metric(struct db_run *, const char *name, double value, const char *unit);
/* Add n measured ok runs of a condition, with the given import times and residency. */
void		 plan_runs(struct db_plan *, const char *cond, const char *cache, double resident,
		    const double *values, size_t n);

#endif
