/*
 * rounds.h: a plan's precision targets (until:) against the database: the
 * rows a new plan records, the decision taken whenever a plan whose targets
 * are still open has no run left (another round, or its end), and the look
 * that status and the run_finished events show. The decision itself is
 * target.c's; this file reads what it needs and writes what it decided.
 */
#ifndef BENCHD_ROUNDS_H
#define BENCHD_ROUNDS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct plan;
struct store;
struct store_stop;

/*
 * The condition_stops rows of a new plan, one per condition with a target,
 * each with its target's per-look level worked out now; NULL and *n 0 when it
 * has none. The strings are the plan's: free the array alone, before the plan.
 */
struct store_stop	*rounds_stops(const struct plan *, size_t *n);

/*
 * Decide the oldest plan whose targets wait for it (none of its runs pending
 * or running): queue its next round, or stop its last targets and end it.
 * Returns 1 with *plan_id (and *finished set when the plan ended), 0 when no
 * plan waits, -1 with *cause when the database refused (nothing was written:
 * try again later).
 */
int			 rounds_decide(struct store *, int64_t *plan_id, int *finished,
			    char **cause);

/* The targets of plan_id looked at now, as a JSON array (see proto.h), or NULL when it has none. */
json_t			*rounds_json(struct store *, int64_t plan_id);

#endif
