/*
 * modules.h: where a cold start's import time goes, module by module: the
 * plan's importtime runs (python -X importtime) of a cold and a warm
 * condition, each module's median self and cumulative time in each, ordered
 * by how much more it costs cold.
 *
 * Pure: it reads a loaded plan, opens nothing and prints nothing.
 */
#ifndef BENCHD_MODULES_H
#define BENCHD_MODULES_H

#include <stddef.h>

#include "db.h"

/* One module, cold against warm (medians over each condition's importtime runs, in µs). */
struct modules_row {
	const char	*module;
	double		 cold_self_us;
	double		 warm_self_us;
	double		 cold_cumulative_us;
	double		 warm_cumulative_us;
	double		 diff_us;	/* cold_self - warm_self */
};

struct modules {
	const char		*cold;		/* the conditions compared */
	const char		*warm;
	size_t			 cold_runs;	/* importtime runs of each */
	size_t			 warm_runs;
	struct modules_row	*rows;		/* most costlier cold first */
	size_t			 nrows;
};

/*
 * The modules of the first cold and the first warm condition that had
 * importtime runs; NULL when the plan has no such pair. A module printed on
 * several lines of one run (python lists some more than once) counts once
 * there, with its self times summed.
 */
struct modules	*modules_create(const struct db_plan *);
void		 modules_free(struct modules *);

#endif
