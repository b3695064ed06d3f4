/*
 * warming.h: how the cache warms from run to run: for each condition with
 * warming sequences (then: K), each metric's median and 95% interval at each
 * position (0 the cold run), its shift against the plan's warm condition,
 * the first position from which it cannot be told from warm, and the cache's
 * own curve (residency before each position, what each read in).
 *
 * Pure: it reads an analysed plan, opens nothing and prints nothing.
 */
#ifndef BENCHD_WARMING_H
#define BENCHD_WARMING_H

#include <stddef.h>

#include "analysis.h"
#include "stats.h"

/* One position of a condition's sequences. */
struct warming_point {
	int			 position;
	double			*values;	/* the metric's, ok runs of the latest attempts */
	size_t			 n;
	struct stats_summary	 s;
	int			 has_shift;	/* compared with the warm condition */
	struct stats_compare	 shift;		/* this position - warm */
	double			 resident_before;	/* median, percent */
	double			 read_in_bytes;		/* median */
};

/* One metric's curve for one condition. */
struct warming_curve {
	size_t			 cond;		/* index into analysis->conds */
	size_t			 metric;	/* index into analysis->metrics */
	struct warming_point	*points;	/* by position */
	size_t			 npoints;
	int			 warm_from;	/* first position whose shift interval holds 0; -1 none */
};

/* Every curve of a plan. */
struct warming {
	const struct analysis	*a;
	int			 warm;		/* the warm condition compared with, -1 none */
	struct warming_curve	*curves;	/* condition by condition, metric by metric */
	size_t			 ncurves;
};

/* The curves of an analysed plan (NULL when no condition has sequences); a must outlive it. */
struct warming	*warming_create(const struct analysis *a);
void		 warming_free(struct warming *);

#endif
