/*
 * store.h: the SQLite database: the queue of plans and runs, and every
 * finished run with its stages, metrics, runtime info, events and output.
 *
 * All SQL of the daemon lives in store.c. Every write is one short
 * BEGIN IMMEDIATE transaction, so a reader never sees half a run.
 */
#ifndef BENCHD_STORE_H
#define BENCHD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "importtime.h"
#include "stagelog.h"

#define STORE_SCHEMA_VERSION	4	/* 2: index runs_ended; 3 (never released): daemon_starts, runs.token, timing, mapped; 4: sequences, read_in, import_times, condition_stops, run_limits */
#define STORE_BUSY_MS		5000	/* how long a write waits for another connection's lock */
#define STORE_PAUSED_BUSY_MS	100	/* the same while the queue is paused: the loop must answer */

enum store_run_state {
	RUN_PENDING, RUN_RUNNING, RUN_OK, RUN_FAILED, RUN_TIMEOUT,
	RUN_CANCELLED, RUN_INTERRUPTED
};

/* A run as the plan's expansion gives it, written at submit time. */
struct store_new_run {
	const char	*condition;
	const char	*kind;		/* probe, warmup, measured */
	const char	*cache_policy;	/* cold, warm, none */
	const char	*cold_method;	/* targeted, system or NULL */
	const char	*cpus;		/* NULL when not pinned */
	int		 position;	/* in its warming sequence, 0 the cold one; -1 none */
	int		 sequence;	/* which sequence of its condition, from 1 */
	int		 importtime;	/* a run under python -X importtime */
};

/* The next run to execute, as the queue holds it. */
struct store_run {
	int64_t		 id;
	int64_t		 plan_id;
	int		 seq;
	int		 attempt;
	char		 condition[128];
	char		 kind[16];
	int64_t		 submitted_uid;	/* who submitted its plan, -1 if unknown */
	int		 position;	/* in its warming sequence, -1 none */
	int		 sequence;
	int		 importtime;	/* run it under python -X importtime */
};

/*
 * What is known of a run's start, NAN or -1 where not (yet) measured. Written
 * twice: right before the spawn (state running, the command) and once the
 * child has launched (its pid, the cache and the machine).
 */
struct store_start {
	int64_t		 run_id;
	double		 spawned_at;
	int		 pid;
	const char	*command;
	const char	*workdir;
	double		 resident_before_pct;
	int64_t		 footprint_files;
	int64_t		 footprint_bytes;
	double		 evict_ms;
	int64_t		 evict_failed;
	double		 loadavg_1m;
	int64_t		 mem_free_kb;
	int64_t		 mem_cached_kb;
	const char	*cpu_governor;
	const char	*token;		/* BENCHD_RUN of the run's processes */
	double		 spawn_late_ms;
	int64_t		 mapped_others_files;	/* footprint files other processes mapped */
	int64_t		 mapped_others_bytes;
};

/* The run's own resource use. */
struct store_usage {
	double		 user_cpu_s;
	double		 sys_cpu_s;
	int64_t		 major_faults;
	int64_t		 minor_faults;
	int64_t		 inblock;
	int64_t		 oublock;
	int64_t		 nvcsw;
	int64_t		 nivcsw;
	int64_t		 max_rss_kb;
};

/* What was kept of one output stream. */
struct store_output {
	const char	*data;
	size_t		 len;
	uint64_t	 total;
};

/*
 * A run's control group and device profile, as run_limits records them
 * (rungroup.h fills it): the limits read back from the kernel, and the group's
 * counters over the run. -1, NAN or NULL where none. Issue #19.
 */
struct store_limits {
	const char	*profile;	/* "sdcard", "inline", or NULL: a group without limits */
	const char	*profile_source;
	const char	*limits_in;	/* "cgroup1", "cgroup2", or NULL */
	const char	*kill_by;	/* "cgroup.kill", "freezer", or NULL */
	const char	*groups;	/* the group's folders, space-separated */
	const char	*disks;		/* "254:0 vda", comma-separated */
	int64_t		 read_bps;
	int64_t		 read_iops;
	int64_t		 memory_bytes;
	const char	*cpus;
	int64_t		 cpu_quota_us;
	int64_t		 cpu_period_us;
	int64_t		 read_bytes;
	int64_t		 read_ios;
	int64_t		 cpu_periods;
	int64_t		 cpu_throttled;
	double		 cpu_throttled_ms;
	int64_t		 memory_peak_bytes;
	int64_t		 oom_kills;
	int64_t		 killed_at_end;
	double		 move_ms;
};

/* Everything about a finished run, written in one transaction. */
struct store_result {
	int64_t			 run_id;
	enum store_run_state	 state;
	int			 has_exit;	/* exit_code and term_signal are known */
	int			 exit_code;	/* 128 + signal when killed */
	int			 term_signal;	/* 0 when it exited */
	double			 ended_at;
	const char		*error;		/* why it failed, or NULL */
	const struct stagelog_result *log;	/* parsed stdout, or NULL */
	const struct stagelog_stage *extra;	/* stages benchd measured: launch, total */
	size_t			 nextra;
	struct store_output	 out[2];	/* stdout, stderr */
	const struct store_usage *usage;	/* or NULL */
	double			 exit_late_ms;	/* NAN where not known */
	double			 exit_window_ms;
	int64_t			 descendants_killed;	/* -1 where not known */
	const struct store_start *start;	/* written again with the end, or NULL */
	const struct store_file	*footprint;	/* an ok probe's: the plan's footprint */
	size_t			 nfootprint;
	const char		*plan_error;	/* the plan fails with this (a failed probe), or NULL */

	/* What the run brought into the page cache, file by file (added to its plan's tally). */
	const char		*condition;
	int			 position;	/* -1 outside a sequence */
	double			 resident_after_pct;	/* NAN when not measured */
	int64_t			 read_in_bytes;	/* -1 when not measured */
	const struct store_read_in *read_in;
	size_t			 nread_in;
	/* An importtime run's modules, in the order printed. */
	const struct importtime_entry *imports;
	size_t			 nimports;
	const struct store_limits *limits;	/* its group and profile (issue #19), or NULL */
};

/* One file's bytes a run brought into the page cache. */
struct store_read_in {
	const char		*path;
	int64_t			 bytes;
};

/*
 * A condition's precision target as condition_stops records it (schema.sql):
 * its rule, written with the plan, and its last look, written after every
 * round, with rule ("target" or "max_runs") and stopped_at once it stops.
 * NAN and -1 where not known; strings NULL where none. store_stops_get fills
 * it with strings of its own (store_stops_free).
 */
struct store_stop {
	char		*condition;
	char		*kind;		/* median, shift */
	char		*stage;
	char		*compare_a;	/* shift only */
	char		*compare_b;
	char		*goal;
	int		 min_runs;
	int		 max_runs;
	double		 look_level;
	int64_t		 runs;
	int64_t		 n;
	double		 estimate;
	double		 lo;
	double		 hi;
	double		 width;
	double		 target;
	int64_t		 runs_left;
	double		 looked_at;
	char		*rule;		/* NULL while it runs */
	double		 stopped_at;
};

/* A condition's measured runs so far, for a look at its target. */
struct store_measured {
	double		*values;	/* the stage's duration in its ok runs, by seq */
	size_t		 nvalues;
	int64_t		 runs;		/* measured runs of it ended (each seq once; at a decision, all) */
};

/* A plan as the queue holds it. */
struct store_plan {
	int64_t		 id;
	char		*name;
	char		*state;
	char		*yaml;
	char		*source_path;
	double		 submitted_at;
	char		*error;
	int64_t		 runs_total;	/* runs not interrupted (each run once) */
	int64_t		 runs_ended;
	int64_t		 runs_ok;
};

/* The daemon's view of its queue, for status. */
struct store_status {
	int64_t		 plans_waiting;		/* queued or running plans */
	int64_t		 runs_left;		/* pending runs */
	int		 has_last;
	int64_t		 last_run_id;
	int64_t		 last_plan_id;
	char		 last_condition[128];
	char		 last_state[16];
	double		 last_total_s;		/* NAN when unknown */
	double		 last_ended_at;
	char		 last_kind[16];		/* probe, warmup, measured */
	char		 last_cache[8];		/* its cache policy: cold, warm, none */
	double		 last_resident_before_pct;	/* NAN when not measured */
};

struct store;

struct store	*store_open(const char *path, char **cause);
void		 store_close(struct store *);
void		 store_patience(struct store *, int busy_ms);

/*
 * Mark runs left running by a daemon that died interrupted, and queue each
 * again; orphan() is first told each one's pid (-1 when not recorded yet),
 * spawn time and token, to stop what is left of it.
 */
int		 store_recover(struct store *,
		    void (*orphan)(int pid, double spawned_at, const char *token), int64_t *recovered);
/* Record that a daemon started on this database (a first write: it fails if writes do). */
int		 store_daemon_start(struct store *, const char *version, const char *host,
		    const char *machine_id);

/* Queue a plan, its runs and its conditions' targets (stops, may be none) in one transaction. */
int		 store_plan_add(struct store *, const char *name, const char *yaml,
		    const char *source_path, int64_t uid, const struct store_new_run *,
		    size_t nruns, const struct store_stop *stops, size_t nstops, int64_t *plan_id,
		    char **cause);
int		 store_plan_get(struct store *, int64_t plan_id, struct store_plan *);
void		 store_plan_clear(struct store_plan *);
int		 store_plan_cancel(struct store *, int64_t plan_id, int64_t *cancelled,
		    char **cause);

int		 store_next_run(struct store *, struct store_run *);
int		 store_run_start(struct store *, const struct store_start *);
/* A run marked running whose spawn failed for a reason that may pass: pending again. */
int		 store_run_unstart(struct store *, int64_t run_id);
/*
 * Record a run whole, in one transaction: its start again, its end, output
 * and stages, the footprint an ok probe found; an interrupted run is queued
 * again, and its plan fails (plan_error) or ends when nothing of it is left,
 * all in that same transaction. *plan_finished says whether the plan ended.
 */
int		 store_run_finish(struct store *, const struct store_result *, int *plan_finished);
int		 store_run_requeue(struct store *, int64_t run_id, enum store_run_state);

int		 store_status(struct store *, struct store_status *);
/* One file of a plan's footprint. */
struct store_file {
	char		*path;
	int64_t		 bytes;
	int		 shared;
};

int		 store_footprint_add(struct store *, int64_t plan_id, const struct store_file *,
		    size_t n);
int		 store_footprint_get(struct store *, int64_t plan_id, struct store_file **,
		    size_t *n);
void		 store_files_free(struct store_file *, size_t n);

/*
 * Precision targets (rounds.c). store_undecided: the oldest queued or
 * running plan with a condition still running under its target and no run
 * pending or running, whose next round is to be decided; 1 and *plan_id, 0
 * none, -1 error. store_stops_get: a plan's condition_stops rows (none: *n 0).
 * store_measured: one condition's measured runs and its stage's values.
 * store_decide: one look written whole in one transaction: every row's look
 * (and rule and stopped_at where a row stops now), the next round's runs after
 * the plan's last seq, and the plan done when nothing of it is left.
 * store_plan_fail: fail a plan with a reason, its pending runs cancelled.
 */
int		 store_undecided(struct store *, int64_t *plan_id);
int		 store_stops_get(struct store *, int64_t plan_id, struct store_stop **, size_t *n);
void		 store_stops_free(struct store_stop *, size_t n);
int		 store_measured(struct store *, int64_t plan_id, const char *condition,
		    const char *stage, struct store_measured *);
int		 store_decide(struct store *, int64_t plan_id, const struct store_stop *, size_t n,
		    const struct store_new_run *round, size_t nround, int *plan_finished);
int		 store_plan_fail(struct store *, int64_t plan_id, const char *error);

const char	*store_run_state_name(enum store_run_state);
const char	*store_errmsg(struct store *);

#endif
