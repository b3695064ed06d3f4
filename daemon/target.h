/*
 * target.h: a plan's precision targets (until:) decided: from each
 * condition's runs so far, numbers in, out comes every target's look (its
 * interval, how wide against the goal, the runs it may still need), whether it
 * is met or has reached its bound, and which conditions the next round runs.
 *
 * The looks are sequential.h's: intervals at a per-look level chosen when the
 * plan was queued, so that stopping on them keeps 95%. Pure: no loop, no
 * socket, no database.
 */
#ifndef BENCHD_TARGET_H
#define BENCHD_TARGET_H

#include <stddef.h>

#include "sequential.h"

struct plan;

/* Where a target stands. */
enum target_state {
	TARGET_OPEN,	/* its conditions run another round */
	TARGET_MET,	/* its interval is as narrow as asked, after at least min_runs */
	TARGET_BOUND	/* its conditions reached max_runs first */
};

/* What is known of one condition of the plan. */
struct target_cond {
	const double		*values;	/* its target stage in its ok measured runs, in run order */
	size_t			 nvalues;
	int			 runs;		/* measured runs queued so far, each once */
	enum target_state	 stopped;	/* as recorded: TARGET_OPEN while it runs */
};

/* One target looked at. */
struct target_look {
	enum target_state	 state;
	struct seq_look		 look;
	double			 goal;		/* the width to reach, seconds (relative: at this look's median) */
	long			 runs_left;	/* by the 1/sqrt(n) law, within max_runs; 0 once stopped, -1 unknown */
	double			 alpha;		/* the per-look alpha it was looked at with */
};

/*
 * The per-look alpha of plan target i, chosen when the plan is queued
 * (seq_design_create over its conditions' min_runs to max_runs), or NaN.
 */
double	target_alpha(const struct plan *, size_t i);

/*
 * Look at every target of the plan: looks[i] for plan->targets[i], each with
 * alpha[i]; conds[c] for plan->conds[c] (unused for conditions without a
 * target). A target already stopped keeps its recorded state. round[c] is set
 * to 1 for every condition the next round runs (one more measured run each),
 * 0 for the others: those of open targets short of max_runs, all of them
 * (interleaved), or with blocked only the first. Returns how many it runs; 0
 * means every target has stopped.
 */
size_t	target_decide(const struct plan *, const double *alpha, const struct target_cond *conds,
	    struct target_look *looks, int *round);

/* Name a state as the record spells a stop: "target", "max_runs", or NULL while open. */
const char *target_rule(enum target_state);

#endif
