/*
 * db.h: benchctl's reading of the benchd database: opened read-only (no
 * daemon needed, a copy from another machine will do), every SQL query of the
 * client, results as plain structs that hold no database handle.
 *
 * Numbers that may be NULL in the database are doubles, NaN when NULL (whole
 * numbers such as major_faults included: exact up to 2^53).
 */
#ifndef BENCHD_DB_H
#define BENCHD_DB_H

#include <stddef.h>

struct db;

/* One line of the plans list. */
struct db_plan_row {
	long long	 id;		/* as named: a pulled plan's is its id on its machine */
	char		*origin;	/* the name it was pulled by (HOST of HOST/ID), NULL: this database's own */
	char		*machine;	/* the host name of the daemon it was submitted to, NULL when unknown */
	char		*name;
	char		*state;
	double		 submitted_at;
	long long	 runs_total;	/* runs of the plan, each seq once (its latest attempt) */
	long long	 runs_done;	/* of those, ended: ok, failed or timeout */
	long long	 runs_ok;
};

/* A stage of a run; launch and total start before the child's t=0. */
struct db_stage {
	char	*name;
	double	 start_s;
	double	 end_s;
	double	 duration_s;
};

/* A number a run reported (avg_latency_ms, ...). */
struct db_metric {
	char	*name;
	double	 value;
	char	*unit;		/* NULL when none */
};

/* A line of a run's runtime info. */
struct db_kv {
	char	*key;
	char	*value;
};

/* One module an importtime run imported. */
struct db_import {
	char		*module;
	int		 depth;
	double		 self_us;
	double		 cumulative_us;
};

/*
 * A run's control group and device profile (run_limits): the limits the
 * kernel held it to, read back, and what the group counted. NULL strings and
 * NaN numbers where none.
 */
struct db_limits {
	char			*profile;	/* "sdcard", "inline"; NULL: a group without limits */
	char			*profile_source;
	char			*limits_in;	/* cgroup1, cgroup2 */
	char			*kill_by;	/* cgroup.kill, freezer */
	char			*disks;		/* "254:0 vda" */
	char			*cpus;
	double			 read_bps;
	double			 read_iops;
	double			 memory_bytes;
	double			 cpu_quota_us;
	double			 cpu_period_us;
	double			 read_bytes;
	double			 read_ios;
	double			 cpu_periods;
	double			 cpu_throttled;
	double			 cpu_throttled_ms;
	double			 memory_peak_bytes;
	double			 oom_kills;
	double			 killed_at_end;
	double			 move_ms;
};

/* One row of runs, with its stages, metrics and runtime info. */
struct db_run {
	long long		 id;
	long long		 seq;
	long long		 attempt;
	char			*condition;
	char			*kind;		/* probe, warmup, measured */
	char			*cache_policy;	/* cold, warm, none */
	char			*cold_method;	/* NULL unless cold */
	char			*state;
	char			*error;		/* NULL unless it failed */
	char			*cpus;		/* NULL when not pinned */
	char			*cpu_governor;	/* NULL when unknown */
	double			 exit_code;
	double			 term_signal;
	double			 spawned_at;
	double			 ended_at;
	double			 resident_before_pct;
	double			 footprint_files;
	double			 footprint_bytes;
	double			 evict_ms;
	double			 user_cpu_s;
	double			 sys_cpu_s;
	double			 major_faults;
	double			 minor_faults;
	double			 inblock;
	double			 max_rss_kb;
	double			 loadavg_1m;
	double			 mem_free_kb;
	double			 mem_cached_kb;
	double			 spawn_late_ms;		/* NaN in databases before schema 3 */
	double			 exit_late_ms;
	double			 exit_window_ms;
	double			 mapped_others_files;
	double			 mapped_others_bytes;
	double			 descendants_killed;
	double			 position;		/* in its warming sequence; NaN outside one */
	double			 sequence;
	char			*profile;		/* "importtime", or NULL */
	double			 resident_after_pct;
	double			 read_in_bytes;
	struct db_import	*imports;		/* an importtime run's modules, in the order printed */
	size_t			 nimports;
	struct db_stage		*stages;	/* in order of start */
	size_t			 nstages;
	struct db_metric	*metrics;
	size_t			 nmetrics;
	struct db_kv		*info;		/* in the order printed */
	size_t			 ninfo;
	struct db_limits	*limits;	/* its cgroup, or NULL: none (or a database before run_limits) */
};

/* What a plan's runs of a condition (at a position of its sequences) read in of one file. */
struct db_read_in {
	char		*condition;
	int		 position;		/* -1 outside a sequence */
	char		*path;
	long long	 runs;
	double		 bytes;			/* over all those runs */
};


/* A machine a daemon ran on (daemon_starts): its host name and /etc/machine-id, NULL when unknown. */
struct db_host {
	char	*host;
	char	*machine_id;
};

/*
 * A condition's precision target and why it stopped (condition_stops; none
 * in databases before it). Numbers NaN where NULL; strings NULL where none.
 */
struct db_stop {
	char		*condition;
	char		*kind;		/* median, shift */
	char		*stage;
	char		*compare_a;	/* shift: the shift is a - b */
	char		*compare_b;
	char		*goal;		/* as the plan wrote it: "within 2%" */
	double		 min_runs;
	double		 max_runs;
	double		 look_level;	/* every look's confidence */
	double		 runs;		/* measured runs at the last look */
	double		 n;		/* ok values it used */
	double		 estimate;
	double		 lo;
	double		 hi;
	double		 width;
	double		 target;
	char		*rule;		/* target, max_runs; NULL while running (or cancelled) */
	double		 stopped_at;
};

/* A plan and all its runs. */
struct db_plan {
	long long	 id;			/* as named: a pulled plan's is its id on its machine */
	long long	 db_id;			/* its row in the database read */
	char		*ref;			/* how benchctl names it: "3", or "phone/3" when pulled */
	char		*origin;		/* the name it was pulled by ("phone"), NULL: not pulled */
	long long	 run_offset;		/* a pulled plan's runs' ids in the database less their ids there (runs[].id are those) */
	char		*name;
	char		*state;
	char		*error;			/* NULL unless it failed */
	char		*source_path;
	double		 submitted_at;
	double		 finished_at;		/* NaN while not finished */
	struct db_run	*runs;			/* by seq, then attempt */
	size_t		 nruns;
	char		**stages;		/* every stage name seen, launch first, total last */
	size_t		 nstages;
	char		**conditions;		/* in the order they first ran (the plan's) */
	size_t		 nconditions;
	long long	 footprint_files;	/* the probe's footprint, shared files included */
	long long	 footprint_shared;
	double		 footprint_bytes;
	double		 footprint_shared_bytes;	/* of files other programs mapped at the probe */
	struct db_read_in *reads;		/* by condition, position, most bytes first */
	size_t		 nreads;
	struct db_host	*hosts;			/* where its runs ran, in order; none in an old database */
	size_t		 nhosts;
	struct db_stop	*stops;			/* conditions with a precision target */
	size_t		 nstops;
};

/*
 * A file: URI for path with the given parameters ("mode=ro"), every byte
 * that could end the path percent-encoded. The caller frees it.
 */
char			*db_uri(const char *path, const char *params);

/*
 * Open the database at path read-only. On error returns NULL and sets *cause
 * to one line saying what is wrong and what to do (caller frees).
 */
struct db		*db_open(const char *path, char **cause);
void			 db_close(struct db *);

/*
 * Every plan: this database's own oldest first, then those pulled from other
 * machines (by name, then id there). Returns 0, or -1 with *cause set.
 */
int			 db_plans(struct db *, struct db_plan_row **rows, size_t *nrows,
			    char **cause);
void			 db_plan_rows_free(struct db_plan_row *, size_t);

/*
 * The newest plan's id (of this database's own, not pulled): 1 and *id, 0
 * when there is no plan, -1 with *cause.
 */
int			 db_plan_latest(struct db *, long long *id, char **cause);

/*
 * The plan machine/id names among those pulled from other machines (id 0:
 * the newest pulled from it): machine is the name it was pulled by, its
 * machine's host name, or the start of its database's key. 1 and *db_id (its
 * id in this database, for db_plan_load), 0 when there is none, -1 with
 * *cause (a database error, or two databases pulled under that name hold it).
 */
int			 db_pulled_find(struct db *, const char *machine, long long id,
			    long long *db_id, char **cause);

/*
 * Load plan id (its id in this database) with all its runs: 1 and *out when
 * found, 0 when no such plan, -1 with *cause set on a database error.
 */
int			 db_plan_load(struct db *, long long id, struct db_plan **out,
			    char **cause);
void			 db_plan_free(struct db_plan *);

/* A run's stage duration, or NaN when it has no such stage. */
double			 db_run_stage(const struct db_run *, const char *name);
/* A run's metric, or NaN when it reported no such number. */
double			 db_run_metric(const struct db_run *, const char *name);
/* A run's runtime info line, or NULL. */
const char		*db_run_info(const struct db_run *, const char *key);
/* The precision target of a condition of the plan, or NULL. */
const struct db_stop	*db_plan_stop(const struct db_plan *, const char *condition);

#endif
