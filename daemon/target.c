/* target.c: a plan's precision targets looked at and decided, numbers in, decision out. */
#include "target.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "stats.h"

/* The runs a target's looks range over: its conditions' least (the smaller) to its max_runs. */
static void
target_range(const struct plan *pl, const struct plan_target *t, size_t *nmin, size_t *nmax)
{
	int	least = pl->conds[t->a].runs;

	if (t->kind == PLAN_TARGET_SHIFT && pl->conds[t->b].runs < least)
		least = pl->conds[t->b].runs;
	*nmax = (size_t)t->max_runs;
	*nmin = least < 1 ? 1 : (size_t)least > *nmax ? *nmax : (size_t)least;
}

/* The per-look alpha of a target, from its design. */
double
target_alpha(const struct plan *pl, size_t i)
{
	const struct plan_target	*t = &pl->targets[i];
	struct seq_design		*d;
	size_t				 nmin, nmax;
	double				 alpha;

	target_range(pl, t, &nmin, &nmax);
	d = seq_design_create(t->kind == PLAN_TARGET_SHIFT ? SEQ_SHIFT : SEQ_MEDIAN, nmin, nmax,
	    SEQ_CONF);
	if (d == NULL)
		return NAN;
	alpha = seq_design_alpha(d);
	seq_design_free(d);
	return alpha;
}

/* Look at one target: its interval now, and whether it is met. */
static void
target_look_one(const struct plan *pl, size_t i, double alpha, const struct target_cond *conds,
    struct target_look *out)
{
	const struct plan_target	*t = &pl->targets[i];
	const struct target_cond	*a = &conds[t->a], *b = &conds[t->b];
	struct seq_design		*d;
	size_t				 nmin, nmax, n;
	int				 enough, bound;
	double				 base;

	memset(out, 0, sizeof *out);
	out->alpha = alpha;
	out->goal = NAN;
	target_range(pl, t, &nmin, &nmax);
	d = seq_design_at(t->kind == PLAN_TARGET_SHIFT ? SEQ_SHIFT : SEQ_MEDIAN, nmin, nmax, alpha);
	if (t->kind == PLAN_TARGET_SHIFT) {
		if (d != NULL)
			seq_shift_look(d, a->values, a->nvalues, b->values, b->nvalues, &out->look);
		base = stats_median(b->values, b->nvalues);
		enough = a->nvalues >= (size_t)pl->conds[t->a].runs &&
		    b->nvalues >= (size_t)pl->conds[t->b].runs;
		bound = a->runs >= pl->conds[t->a].max_runs && b->runs >= pl->conds[t->b].max_runs;
		n = a->nvalues < b->nvalues ? a->nvalues : b->nvalues;
	} else {
		if (d != NULL)
			seq_median_look(d, a->values, a->nvalues, &out->look);
		base = out->look.estimate;
		enough = a->nvalues >= (size_t)pl->conds[t->a].runs;
		bound = a->runs >= pl->conds[t->a].max_runs;
		n = a->nvalues;
	}
	if (d == NULL)
		memset(&out->look, 0, sizeof out->look);
	seq_design_free(d);
	out->goal = t->relative ? t->width * fabs(base) : t->width;

	if (a->stopped != TARGET_OPEN)
		out->state = a->stopped;
	else if (d != NULL && enough && out->look.has_ci && out->look.width <= out->goal)
		out->state = TARGET_MET;
	else if (bound)
		out->state = TARGET_BOUND;
	else
		out->state = TARGET_OPEN;

	out->runs_left = out->state != TARGET_OPEN ? 0 : seq_runs_left(n, out->look.width,
	    out->goal);
	/* Not beyond max_runs; and the least must be reached whatever the width says. */
	if (out->state == TARGET_OPEN) {
		long most = (long)pl->conds[t->a].max_runs - a->runs;

		if (out->runs_left >= 0 && out->runs_left > most)
			out->runs_left = most;
		if (out->runs_left == 0)
			out->runs_left = 1;
	}
}

/* Look at every target and choose the next round; see target.h. */
size_t
target_decide(const struct plan *pl, const double *alpha, const struct target_cond *conds,
    struct target_look *looks, int *round)
{
	const struct plan_target	*t;
	size_t				 n = 0;

	for (size_t c = 0; c < pl->nconds; c++)
		round[c] = 0;
	for (size_t i = 0; i < pl->ntargets; i++) {
		t = &pl->targets[i];
		target_look_one(pl, i, alpha[i], conds, &looks[i]);
		if (looks[i].state != TARGET_OPEN)
			continue;
		if (conds[t->a].runs < pl->conds[t->a].max_runs)
			round[t->a] = 1;
		if (t->kind == PLAN_TARGET_SHIFT && conds[t->b].runs < pl->conds[t->b].max_runs)
			round[t->b] = 1;
	}
	for (size_t c = 0; c < pl->nconds; c++) {
		/* Blocked: one condition at a time, the first still open. */
		if (round[c] && pl->order == PLAN_ORDER_BLOCKED && n > 0)
			round[c] = 0;
		n += (size_t)round[c];
	}
	return n;
}

/* The record's name for a stop. */
const char *
target_rule(enum target_state state)
{
	switch (state) {
	case TARGET_MET:
		return "target";
	case TARGET_BOUND:
		return "max_runs";
	case TARGET_OPEN:
		break;
	}
	return NULL;
}
