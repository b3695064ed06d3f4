/* rounds.c: a plan's precision targets against the database: recorded with the plan, decided round by round, shown as they stand. */
#include "rounds.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "plan.h"
#include "store.h"
#include "target.h"
#include "xmalloc.h"

/* Everything a look at a plan's targets needs, read from the database. */
struct rounds_ctx {
	int64_t			 plan_id;
	struct plan		*plan;
	struct store_stop	*rows;
	size_t			 nrows;
	int			*row;		/* per condition: its row, -1 for none */
	struct store_measured	*m;		/* per condition */
	struct target_cond	*conds;
	double			*alpha;		/* per target */
	struct target_look	*looks;
	int			*round;
	size_t			 nround;
};

/* The condition_stops rows of a new plan; see rounds.h. */
struct store_stop *
rounds_stops(const struct plan *pl, size_t *n)
{
	struct store_stop	*rows;
	const struct plan_target *t;
	double			*alpha;
	size_t			 k = 0;

	*n = 0;
	if (pl->ntargets == 0)
		return NULL;
	alpha = xcalloc(pl->ntargets, sizeof *alpha);
	for (size_t i = 0; i < pl->ntargets; i++)
		alpha[i] = target_alpha(pl, i);
	rows = xcalloc(pl->nconds, sizeof *rows);
	for (size_t c = 0; c < pl->nconds; c++) {
		if (pl->conds[c].target < 0)
			continue;
		t = &pl->targets[pl->conds[c].target];
		rows[k++] = (struct store_stop){
			.condition = pl->conds[c].name,
			.kind = t->kind == PLAN_TARGET_SHIFT ? "shift" : "median",
			.stage = t->stage,
			.compare_a = t->kind == PLAN_TARGET_SHIFT ? pl->conds[t->a].name : NULL,
			.compare_b = t->kind == PLAN_TARGET_SHIFT ? pl->conds[t->b].name : NULL,
			.goal = t->goal, .min_runs = pl->conds[c].runs,
			.max_runs = pl->conds[c].max_runs,
			.look_level = 1 - alpha[pl->conds[c].target],
		};
	}
	free(alpha);
	*n = k;
	return rows;
}

/* Free what rounds_load() read. */
static void
rounds_clear(struct rounds_ctx *x)
{
	if (x->plan != NULL) {
		for (size_t c = 0; c < x->plan->nconds; c++)
			free(x->m[c].values);
	}
	plan_free(x->plan);
	store_stops_free(x->rows, x->nrows);
	free(x->row);
	free(x->m);
	free(x->conds);
	free(x->alpha);
	free(x->looks);
	free(x->round);
	memset(x, 0, sizeof *x);
}

/*
 * Read a plan's targets and every condition's runs, and look at them
 * (target_decide). Returns 1, 0 when the plan has no target rows, -1 when the
 * database cannot be read, -2 with *cause when the plan itself cannot.
 */
static int
rounds_load(struct store *st, int64_t plan_id, struct rounds_ctx *x, char **cause)
{
	struct store_plan	 p;
	const struct plan_target *t;
	int			 rc, r;

	memset(x, 0, sizeof *x);
	x->plan_id = plan_id;
	if (store_stops_get(st, plan_id, &x->rows, &x->nrows) != 0)
		return -1;
	if (x->nrows == 0)
		return 0;
	if ((rc = store_plan_get(st, plan_id, &p)) != 1) {
		rounds_clear(x);
		if (rc == 0)
			xasprintf(cause, "plan %lld is not in the database", (long long)plan_id);
		return rc == 0 ? -2 : -1;
	}
	x->plan = plan_parse(p.yaml, strlen(p.yaml), p.source_path, NULL, cause);
	store_plan_clear(&p);
	if (x->plan == NULL) {
		rounds_clear(x);
		return -2;
	}

	x->row = xcalloc(x->plan->nconds, sizeof *x->row);
	x->m = xcalloc(x->plan->nconds, sizeof *x->m);
	x->conds = xcalloc(x->plan->nconds, sizeof *x->conds);
	x->alpha = xcalloc(x->plan->ntargets + 1, sizeof *x->alpha);
	x->looks = xcalloc(x->plan->ntargets + 1, sizeof *x->looks);
	x->round = xcalloc(x->plan->nconds, sizeof *x->round);
	for (size_t i = 0; i < x->plan->ntargets; i++)
		x->alpha[i] = NAN;
	for (size_t c = 0; c < x->plan->nconds; c++) {
		x->row[c] = -1;
		if (x->plan->conds[c].target < 0)
			continue;
		t = &x->plan->targets[x->plan->conds[c].target];
		for (size_t i = 0; i < x->nrows; i++) {
			if (strcmp(x->rows[i].condition, x->plan->conds[c].name) == 0)
				x->row[c] = (int)i;
		}
		/* A row lost (a hand-edited database): the condition counts as stopped. */
		if ((r = x->row[c]) < 0) {
			x->conds[c].stopped = TARGET_BOUND;
			continue;
		}
		if (store_measured(st, plan_id, x->plan->conds[c].name, t->stage, &x->m[c]) != 0) {
			rounds_clear(x);
			return -1;
		}
		x->conds[c] = (struct target_cond){ x->m[c].values, x->m[c].nvalues,
		    (int)x->m[c].runs, x->rows[r].rule == NULL ? TARGET_OPEN :
		    strcmp(x->rows[r].rule, "target") == 0 ? TARGET_MET : TARGET_BOUND };
		x->alpha[x->plan->conds[c].target] = 1 - x->rows[r].look_level;
	}
	x->nround = target_decide(x->plan, x->alpha, x->conds, x->looks, x->round);
	return 1;
}

/* One target's look in words for the log: "import_torch median of cold 5.10 s +-2.8% (goal +-2.0%)". */
static void
rounds_describe(const struct rounds_ctx *x, size_t i, char *buf, size_t size)
{
	const struct plan_target *t = &x->plan->targets[i];
	const struct target_look *l = &x->looks[i];
	char			  what[200];

	if (t->kind == PLAN_TARGET_SHIFT)
		snprintf(what, sizeof what, "%s shift %s - %s", t->stage, x->plan->conds[t->a].name,
		    x->plan->conds[t->b].name);
	else
		snprintf(what, sizeof what, "%s median of %s", t->stage, x->plan->conds[t->a].name);
	if (!l->look.has_ci)
		snprintf(buf, size, "%s: no interval yet (%zu values)", what, l->look.n);
	else
		snprintf(buf, size, "%s %.4f s, %s %.4f s %s %.4f s (%s)", what, l->look.estimate,
		    t->kind == PLAN_TARGET_SHIFT ? "interval" : "+-", l->look.width,
		    l->look.width <= l->goal ? "within" : "above", l->goal, t->goal);
}

/* Decide the oldest plan waiting for its next round; see rounds.h. */
int
rounds_decide(struct store *st, int64_t *plan_id, int *finished, char **cause)
{
	struct rounds_ctx	 x;
	struct store_stop	*looks;
	struct store_new_run	*round;
	const struct target_look *l;
	const struct plan_condition *c;
	char			*why = NULL, desc[400];
	double			 now = clock_unix_now();
	size_t			 nlooks = 0, nround = 0;
	int			 rc, t;

	*finished = 0;
	if ((rc = store_undecided(st, plan_id)) <= 0) {
		if (rc < 0)
			xasprintf(cause, "cannot read the queue: %s", store_errmsg(st));
		return rc;
	}
	if ((rc = rounds_load(st, *plan_id, &x, &why)) == -2) {
		/* The plan cannot be read again: it cannot go on, and must not be decided for ever. */
		log_warnx("plan %lld failed: cannot read its targets: %s", (long long)*plan_id, why);
		rc = store_plan_fail(st, *plan_id, why);
		free(why);
		if (rc != 0) {
			xasprintf(cause, "cannot write the database: %s", store_errmsg(st));
			return -1;
		}
		*finished = 1;
		return 1;
	}
	if (rc <= 0) {
		xasprintf(cause, "cannot read the database: %s", store_errmsg(st));
		return -1;
	}

	looks = xcalloc(x.plan->nconds, sizeof *looks);
	round = xcalloc(x.plan->nconds, sizeof *round);
	for (size_t i = 0; i < x.plan->nconds; i++) {
		c = &x.plan->conds[i];
		if ((t = c->target) < 0 || x.row[i] < 0 || x.conds[i].stopped != TARGET_OPEN)
			continue;
		l = &x.looks[t];
		looks[nlooks++] = (struct store_stop){
			.condition = c->name, .runs = x.conds[i].runs, .n = (int64_t)x.conds[i].nvalues,
			.estimate = l->look.estimate, .lo = l->look.lo, .hi = l->look.hi,
			.width = l->look.width, .target = l->goal, .runs_left = l->runs_left,
			.looked_at = now, .rule = (char *)target_rule(l->state), .stopped_at = now,
		};
		if (l->state != TARGET_OPEN) {
			rounds_describe(&x, (size_t)t, desc, sizeof desc);
			log_info("plan %lld: %s stopped after %d runs, %s: %s", (long long)*plan_id,
			    c->name, x.conds[i].runs, l->state == TARGET_MET ? "target met" :
			    "max_runs reached", desc);
		}
	}
	/* Nothing to run and yet open: impossible by target_decide, but it would be decided for ever. */
	for (size_t i = 0; i < nlooks && x.nround == 0; i++) {
		if (looks[i].rule == NULL)
			looks[i].rule = (char *)target_rule(TARGET_BOUND);
	}
	for (size_t i = 0; i < x.plan->nconds; i++) {
		c = &x.plan->conds[i];
		if (!x.round[i])
			continue;
		round[nround++] = (struct store_new_run){ c->name, plan_run_kind_name(PLAN_RUN_MEASURED),
		    plan_cache_name(c->cache), c->cache == PLAN_CACHE_COLD ?
		    plan_cold_method_name(c->cold_method) : NULL, c->cpus, -1, 0, 0 };
	}
	rc = store_decide(st, *plan_id, looks, nlooks, round, nround, finished);
	if (rc != 0)
		xasprintf(cause, "cannot write the database: %s", store_errmsg(st));
	else if (nround > 0) {
		for (size_t i = 0; i < x.plan->ntargets; i++) {
			if (x.looks[i].state != TARGET_OPEN)
				continue;
			rounds_describe(&x, i, desc, sizeof desc);
			log_info("plan %lld: another round (%zu run%s): %s, about %ld more", (long long)
			    *plan_id, nround, nround == 1 ? "" : "s", desc, x.looks[i].runs_left);
		}
	}
	free(looks);
	free(round);
	rounds_clear(&x);
	return rc == 0 ? 1 : -1;
}

/* A number, or JSON null when it is NaN. */
static json_t *
rounds_real(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

/* The state of one target as status and the events name it. */
static const char *
rounds_state(enum target_state state)
{
	return state == TARGET_OPEN ? "running" : target_rule(state);
}

/* The targets of a plan as they stand; see rounds.h. */
json_t *
rounds_json(struct store *st, int64_t plan_id)
{
	struct rounds_ctx	 x;
	const struct plan_target *t;
	const struct target_look *l;
	json_t			*arr, *o, *names, *n, *runs;
	char			*why = NULL;

	if (rounds_load(st, plan_id, &x, &why) <= 0) {
		free(why);
		return NULL;
	}
	arr = json_array();
	for (size_t i = 0; i < x.plan->ntargets; i++) {
		t = &x.plan->targets[i];
		l = &x.looks[i];
		names = json_array();
		n = json_array();
		runs = json_array();
		for (int k = 0; k < (t->kind == PLAN_TARGET_SHIFT ? 2 : 1); k++) {
			size_t c = k == 0 ? t->a : t->b;

			json_array_append_new(names, json_string(x.plan->conds[c].name));
			json_array_append_new(n, json_integer((json_int_t)x.conds[c].nvalues));
			json_array_append_new(runs, json_integer(x.conds[c].runs));
		}
		o = json_pack("{ss ss so ss so so so so so so so sI so ss so}",
		    "kind", t->kind == PLAN_TARGET_SHIFT ? "shift" : "median", "stage", t->stage,
		    "conditions", names, "goal", t->goal, "target", rounds_real(l->goal),
		    "estimate", rounds_real(l->look.estimate), "lo", rounds_real(l->look.lo),
		    "hi", rounds_real(l->look.hi), "width", rounds_real(l->look.width),
		    "level", rounds_real(1 - l->alpha), "n", n,
		    "max_runs", (json_int_t)x.plan->conds[t->a].max_runs, "runs", runs,
		    "state", rounds_state(l->state),
		    "runs_left", l->runs_left < 0 ? json_null() : json_integer(l->runs_left));
		if (o == NULL)
			fatalx("%s: out of memory", __func__);
		json_array_append_new(arr, o);
	}
	rounds_clear(&x);
	return arr;
}
