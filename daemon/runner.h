/*
 * runner.h: the run queue's engine: takes the next pending run from the
 * store and runs it (run.h), one at a time, strictly; reports every event
 * through the hook it is given, so it never names the server.
 */
#ifndef BENCHD_RUNNER_H
#define BENCHD_RUNNER_H

#include <jansson.h>
#include <stdint.h>
#include <uv.h>

struct runner;
struct store;

/* Where the runner reports, and what its runs must not touch. */
struct runner_hooks {
	/* An event for the watchers of plan_id; steals ev. */
	void		(*emit)(void *arg, int64_t plan_id, json_t *ev);
	void		*arg;
	/* benchd's own files (database, -wal, -shm, socket), NULL-terminated: never opened by the cache work. */
	const char	*own[9];
};

struct runner	*runner_create(uv_loop_t *, struct store *, const struct runner_hooks *);
/* Free once runner_stop()'s callback has run (or if nothing was ever started). */
void		 runner_free(struct runner *);

/* Look at the queue soon and start the next run if none is in flight. */
void		 runner_kick(struct runner *);
/* Stop the run in flight if it belongs to plan_id (recorded cancelled), and tell the plan's end. */
void		 runner_cancel_plan(struct runner *, int64_t plan_id);
/* Interrupt the run in flight (it is queued again) and call done(arg) once idle. */
void		 runner_stop(struct runner *, void (*done)(void *), void *arg);
/* The run in flight for status, or JSON null when idle. */
json_t		*runner_current_json(struct runner *);
/* Why the queue is paused ({"reason", "since", "retry_in_s"}), or JSON null. */
json_t		*runner_paused_json(struct runner *);

#endif
