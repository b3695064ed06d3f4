/* testplan.c: plans built in memory for the unit tests of benchctl's core, as db.c would load them. */
#include "testplan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

/* A new plan in state state, with one stage, import_torch, and no runs. */
struct db_plan *
plan_new(const char *state)
{
	struct db_plan *p = xcalloc(1, sizeof *p);

	p->id = p->db_id = 1;
	p->ref = xstrdup("1");
	p->name = xstrdup("t");
	p->state = xstrdup(state);
	p->source_path = xstrdup("/plans/t.yaml");
	p->submitted_at = 1738332309;
	p->finished_at = NAN;
	p->stages = xcalloc(1, sizeof *p->stages);
	p->stages[p->nstages++] = xstrdup("import_torch");
	return p;
}

/* Give the plan another id (and the reference that names it). */
void
plan_set_id(struct db_plan *p, long long id)
{
	free(p->ref);
	p->id = p->db_id = id;
	xasprintf(&p->ref, "%lld", id);
}

/* Add a condition name to the plan's list, in plan order. */
void
plan_condition(struct db_plan *p, const char *name)
{
	p->conditions = xreallocarray(p->conditions, p->nconditions + 1,
	    sizeof *p->conditions);
	p->conditions[p->nconditions++] = xstrdup(name);
}

/*
 * Add a run (id and seq the next ones, attempt 1) of condition cond with the
 * given cache policy, kind and state, its residency before it (NaN: not
 * measured) and its import_torch time (NaN: no such stage).
 */
struct db_run *
plan_run(struct db_plan *p, const char *cond, const char *cache, const char *kind,
    const char *state, double resident, double import_s)
{
	struct db_run *r;

	p->runs = xreallocarray(p->runs, p->nruns + 1, sizeof *p->runs);
	r = &p->runs[p->nruns++];
	memset(r, 0, sizeof *r);
	r->id = (long long)p->nruns;
	r->seq = (long long)p->nruns;
	r->attempt = 1;
	r->condition = xstrdup(cond);
	r->kind = xstrdup(kind);
	r->cache_policy = xstrdup(cache);
	r->state = xstrdup(state);
	r->exit_code = r->term_signal = r->spawned_at = r->ended_at = NAN;
	r->footprint_files = r->footprint_bytes = r->evict_ms = NAN;
	r->user_cpu_s = r->sys_cpu_s = r->major_faults = r->minor_faults = NAN;
	r->inblock = r->max_rss_kb = r->loadavg_1m = r->mem_free_kb = NAN;
	r->mem_cached_kb = NAN;
	r->spawn_late_ms = r->exit_late_ms = r->exit_window_ms = NAN;
	r->mapped_others_files = r->mapped_others_bytes = r->descendants_killed = NAN;
	r->position = r->sequence = r->resident_after_pct = r->read_in_bytes = NAN;
	r->resident_before_pct = resident;
	if (!isnan(import_s)) {
		r->stages = xcalloc(1, sizeof *r->stages);
		r->stages[0].name = xstrdup("import_torch");
		r->stages[0].start_s = 0;
		r->stages[0].end_s = import_s;
		r->stages[0].duration_s = import_s;
		r->nstages = 1;
	}
	return r;
}

/* Add a runtime info line to a run. */
void
run_info(struct db_run *r, const char *key, const char *value)
{
	r->info = xreallocarray(r->info, r->ninfo + 1, sizeof *r->info);
	r->info[r->ninfo].key = xstrdup(key);
	r->info[r->ninfo++].value = xstrdup(value);
}

/* Add a reported number to a run. */
void
run_metric(struct db_run *r, const char *name, double value, const char *unit)
{
	r->metrics = xreallocarray(r->metrics, r->nmetrics + 1, sizeof *r->metrics);
	r->metrics[r->nmetrics].name = xstrdup(name);
	r->metrics[r->nmetrics].value = value;
	r->metrics[r->nmetrics++].unit = xstrdup(unit);
}

/* Add n measured ok runs of a condition, with the given import times and residency. */
void
plan_runs(struct db_plan *p, const char *cond, const char *cache, double resident,
    const double *values, size_t n)
{
	for (size_t i = 0; i < n; i++)
		plan_run(p, cond, cache, "measured", "ok", resident, values[i]);
}
