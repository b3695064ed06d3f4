/*
 * runner.h: the run queue's engine: takes the next pending run from the
 * store, spawns it as a taskset-pinned child in its own process group, reads
 * its output, enforces its timeout, and records it whole when it is over.
 * One run at a time, strictly.
 */
#ifndef BENCHD_RUNNER_H
#define BENCHD_RUNNER_H

#include <jansson.h>
#include <stdint.h>

struct benchd;
struct runner;

struct runner	*runner_create(struct benchd *);
/* Free once runner_stop()'s callback has run (or if nothing was ever started). */
void		 runner_free(struct runner *);

/* At start-up: kill what is left of a run a dead daemon had in flight, if it is really ours. */
void		 runner_kill_orphan(int pid, double spawned_at, const char *command);
/* Look at the queue soon and start the next run if none is in flight. */
void		 runner_kick(struct runner *);
/* Stop the run in flight if it belongs to plan_id, recording it cancelled. */
void		 runner_cancel_plan(struct runner *, int64_t plan_id);
/* Interrupt the run in flight (it is queued again) and call done once idle. */
void		 runner_stop(struct runner *, void (*done)(struct benchd *));
/* The plan_finished event of a plan, from the database (NULL if no such plan). */
struct store;
json_t		*runner_plan_event(struct store *, int64_t plan_id);
/* The run in flight for status, or JSON null when idle. */
json_t		*runner_current_json(struct runner *);

#endif
