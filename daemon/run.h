/*
 * run.h: one run's whole life: put the cache in shape, spawn the child as a
 * taskset-pinned process in its own process group, read its output, time it
 * out, and record it whole when it is over. Reports through the emit hook it
 * is given; it never names the server.
 */
#ifndef BENCHD_RUN_H
#define BENCHD_RUN_H

#include <jansson.h>
#include <stdint.h>
#include <uv.h>

#include "store.h"

struct run;

#define RUN_OWN_MAX	8

/* What a run works with, and where it reports; shared by the runs of one runner. */
struct run_env {
	uv_loop_t	*loop;
	struct store	*store;
	/* An event for the watchers of plan_id; steals ev. */
	void		(*emit)(void *arg, int64_t plan_id, json_t *ev);
	void		*arg;
	/* benchd's own files, which the cache work must never open. */
	const char	*own[RUN_OWN_MAX];
	size_t		 nown;
	int64_t		 own_told_plan;	/* the last plan told that they were left out */
};

/* What a run tells the one who started it. */
struct run_hooks {
	/* Its child is spawned: the database took the write that marks it running. */
	void	(*spawned)(struct run *, void *arg);
	/* It is recorded (or blocked) and every handle of it has closed: free it with run_free(). */
	void	(*done)(struct run *, void *arg);
	void	*arg;
};

/* Start the queued run q. The env and hooks must outlive the run. */
struct run	*run_start(struct run_env *, const struct store_run *q, const struct run_hooks *);
/* Stop the run on purpose (cancelled, interrupted): SIGTERM to its group now, SIGKILL later. */
void		 run_stop(struct run *, enum store_run_state why);
void		 run_free(struct run *);

/*
 * Once done, a run may not be finished with: the database refused its record
 * (run_unrecorded: kept in memory, retried with run_record_again until it
 * returns 0), or it was not started for a reason that may pass. run_blocked
 * says why in either case, NULL otherwise.
 */
const char	*run_blocked(const struct run *);
int		 run_unrecorded(const struct run *);
int		 run_record_again(struct run *);

int64_t		 run_plan_id(const struct run *);
/* The run as status shows it, or JSON null before its child is spawned. */
json_t		*run_status_json(const struct run *);
/* The plan_finished event of a plan, from the database (NULL if no such plan). */
json_t		*run_plan_event(struct store *, int64_t plan_id);

#endif
