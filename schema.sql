-- schema.sql: the benchd database, the one source of its schema.
--
-- benchd embeds this file at build time and applies it when it opens a
-- database; PRAGMA user_version (set by the daemon, not here) says which
-- version a file holds. Everything here is meant to be queried by hand:
--
--   sqlite3 -readonly ~/.local/state/benchd/bench.db \
--     'SELECT * FROM measured_runs WHERE plan_id = 1'
--
-- Every statement is IF NOT EXISTS: benchd applies the whole file to a new
-- database and again to an older one, which so gains the tables, indexes and
-- views it lacks. A column added to an existing table is also listed in
-- store.c's store_columns[], which adds it to an older file.
--
-- Times: *_at columns are unix seconds (REAL, microsecond precision);
-- *_s columns are seconds from the child's own t=0 (its "[0.000s]" line).

-- One row per submitted experiment plan.
CREATE TABLE IF NOT EXISTS plans (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL,		-- the plan's name: key
	submitted_at	REAL NOT NULL,		-- when benchd accepted it
	state		TEXT NOT NULL DEFAULT 'queued'
			CHECK (state IN ('queued', 'running', 'done', 'cancelled', 'failed')),
	yaml		TEXT NOT NULL,		-- the plan exactly as submitted
	source_path	TEXT NOT NULL,		-- the file it came from (relative paths in it are relative to its folder)
	submitted_uid	INTEGER,		-- the submitter's uid
	finished_at	REAL,			-- when the plan reached done, cancelled or failed
	error		TEXT			-- why a plan failed (a failed probe, say), else NULL
);

-- One row per run of a plan: probe, warm-up or measured, in the order they run.
CREATE TABLE IF NOT EXISTS runs (
	id		INTEGER PRIMARY KEY,
	plan_id		INTEGER NOT NULL REFERENCES plans (id),
	condition	TEXT NOT NULL,		-- the condition's name in the plan
	seq		INTEGER NOT NULL,	-- order within the plan, from 1
	attempt		INTEGER NOT NULL DEFAULT 1, -- 2, 3, ... when an interrupted run is run again
	kind		TEXT NOT NULL CHECK (kind IN ('probe', 'warmup', 'measured')),
	position	INTEGER,		-- in its warming sequence (then: K): 0 the cold one, 1 to K the next; NULL outside one
	sequence	INTEGER,		-- which sequence of its condition, from 1; NULL outside one
	profile		TEXT,			-- 'importtime': an extra run under python -X importtime (kind warmup: never counted)
	cache_policy	TEXT NOT NULL CHECK (cache_policy IN ('cold', 'warm', 'none')),
	cold_method	TEXT CHECK (cold_method IN ('targeted', 'system')), -- for cold runs
	state		TEXT NOT NULL DEFAULT 'pending'
			CHECK (state IN ('pending', 'running', 'ok', 'failed', 'timeout',
			    'cancelled', 'interrupted')),
	exit_code	INTEGER,		-- the exit status, or 128 + signal when killed
	term_signal	INTEGER,		-- the signal that killed it, else NULL
	cpus		TEXT,			-- taskset's CPU list, NULL when not pinned
	command		TEXT,			-- the exact command line, shell-quoted
	workdir		TEXT,			-- the folder it ran in
	pid		INTEGER,		-- the child's pid (and its process group and session)
	token		TEXT,			-- BENCHD_RUN in the environment of every process of the run
	spawned_at	REAL,			-- just before the spawn (CLOCK_REALTIME)
	child_started_at REAL,			-- from the child's "start time:" line
	ended_at	REAL,			-- when its exit and both pipes' EOF had arrived
	error		TEXT,			-- why it failed, in words, else NULL

	-- How well benchd kept time and house around the run.
	spawn_late_ms	REAL,			-- from the cache work's end to the spawn: the loop's delay
	exit_late_ms	REAL,			-- from the child's exit (seen by a thread waiting on it) to the loop's handling it
	exit_window_ms	REAL,			-- 0, or how long benchd could not watch (stopped, starved) before it saw the exit: the exit lies that much before total's end at most
	descendants_killed INTEGER,		-- processes the run left running (in any group or session), killed when it ended

	-- The cache's state right before the spawn (the proof of cold or warm). It is
	-- measured with mincore() after the eviction or priming; for cold_method
	-- system, before a last `sync; echo 3 > drop_caches` (measuring opens every
	-- file), so the child starts as cold as after the user's own command.
	resident_before_pct REAL,		-- pages in the page cache, percent, of the footprint files no other process mapped
	footprint_files	INTEGER,		-- files in the plan's footprint
	footprint_bytes	INTEGER,		-- their total size
	mapped_others_files INTEGER,		-- of them, files another process mapped right before the run (looked at before the eviction)
	mapped_others_bytes INTEGER,		-- their size: their mapped pages stay cached whatever is evicted

	-- The cache's state right after the run, measured the same way: what the
	-- run brought in is what it read from disk (the files: table read_in).
	resident_after_pct REAL,		-- as resident_before_pct, once the run (and all it started) ended
	read_in_bytes	INTEGER,		-- bytes of the footprint that were not cached before the run and were after
	evict_ms	REAL,			-- time the eviction or priming took
	evict_failed	INTEGER,		-- footprint files that could not be evicted (vanished, unreadable)

	-- The run's own resource use (getrusage of children, before and after).
	user_cpu_s	REAL,
	sys_cpu_s	REAL,
	major_faults	INTEGER,		-- page faults that needed I/O
	minor_faults	INTEGER,
	inblock		INTEGER,		-- 512-byte blocks read from disk
	oublock		INTEGER,
	nvcsw		INTEGER,		-- voluntary context switches
	nivcsw		INTEGER,		-- involuntary context switches
	max_rss_kb	INTEGER,		-- peak resident set of the largest child so far

	-- The machine at spawn.
	loadavg_1m	REAL,
	mem_free_kb	INTEGER,		-- MemFree of /proc/meminfo
	mem_cached_kb	INTEGER,		-- Cached of /proc/meminfo
	cpu_governor	TEXT,			-- cpufreq governor of each pinned CPU, "0:powersave 1:powersave"

	UNIQUE (plan_id, seq, attempt)
);
CREATE INDEX IF NOT EXISTS runs_queue ON runs (state, plan_id, seq, attempt);
CREATE INDEX IF NOT EXISTS runs_ended ON runs (ended_at);	-- the last run that ended (status)

-- Stages of a run: parsed from its stdout, plus "launch" (spawn to the
-- child's "start time:") and "total" (spawn to exit), which benchd measures.
CREATE TABLE IF NOT EXISTS stages (
	run_id		INTEGER NOT NULL REFERENCES runs (id),
	name		TEXT NOT NULL,		-- import_torch, model_loaded, warmup, inference, launch, total
	start_s		REAL,
	end_s		REAL,
	duration_s	REAL NOT NULL,
	PRIMARY KEY (run_id, name)
) WITHOUT ROWID;

-- Numbers a run reported: avg_latency_ms, iters, p50_latency_ms, ...
CREATE TABLE IF NOT EXISTS metrics (
	run_id		INTEGER NOT NULL REFERENCES runs (id),
	name		TEXT NOT NULL,
	value		REAL NOT NULL,
	unit		TEXT,			-- ms, count, ...
	PRIMARY KEY (run_id, name)
) WITHOUT ROWID;

-- The child's "=== Runtime Info ===" block, one row per line.
CREATE TABLE IF NOT EXISTS run_info (
	run_id		INTEGER NOT NULL REFERENCES runs (id),
	key		TEXT NOT NULL,		-- python, platform, torch, backends, torch threads, envs
	value		TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS run_info_run ON run_info (run_id);

-- Every "[T s] ..." line of a run's stdout, in order.
CREATE TABLE IF NOT EXISTS events (
	run_id		INTEGER NOT NULL REFERENCES runs (id),
	seq		INTEGER NOT NULL,	-- from 1
	t_s		REAL NOT NULL,
	text		TEXT NOT NULL,
	PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;

-- A run's stdout and stderr, at most the first 1 MiB of each.
CREATE TABLE IF NOT EXISTS outputs (
	run_id		INTEGER NOT NULL REFERENCES runs (id),
	stream		TEXT NOT NULL CHECK (stream IN ('stdout', 'stderr')),
	text		TEXT NOT NULL,		-- what was kept
	bytes_total	INTEGER NOT NULL,	-- what the child wrote in all
	truncated	INTEGER NOT NULL,	-- 1 when bytes_total exceeded what was kept
	PRIMARY KEY (run_id, stream)
) WITHOUT ROWID;

-- The files a plan's probe run saw the program use (opened, mapped, imported),
-- plus the plan's evict paths: what cold runs evict, warm runs prime, and
-- every run's residency is measured over. A file that another process had
-- mapped when the probe ran (libc, say) is marked shared, a record of that
-- moment. Right before every run benchd looks again at which footprint files
-- other processes map: cold runs evict those too, but no eviction can drop
-- their mapped pages (drop_caches cannot either), so they are left out of that
-- run's residency (runs.mapped_others_files and mapped_others_bytes).
CREATE TABLE IF NOT EXISTS footprints (
	plan_id		INTEGER NOT NULL REFERENCES plans (id),
	path		TEXT NOT NULL,
	bytes		INTEGER NOT NULL,
	shared		INTEGER NOT NULL DEFAULT 0,	-- 1: mapped by another process when the probe ran
	PRIMARY KEY (plan_id, path)
) WITHOUT ROWID;

-- What the runs of each plan brought into the page cache, file by file: the
-- sum over every run of a condition (at one position of its sequences) of
-- the bytes of the file the run found uncached and left cached. Bounded by
-- the footprint's size times the conditions, however many runs: a run's share
-- is bytes / runs.
CREATE TABLE IF NOT EXISTS read_in (
	plan_id		INTEGER NOT NULL REFERENCES plans (id),
	condition	TEXT NOT NULL,
	position	INTEGER NOT NULL,	-- in the warming sequence, -1 outside one
	path		TEXT NOT NULL,
	runs		INTEGER NOT NULL,	-- runs that read some of it
	bytes		INTEGER NOT NULL,	-- all they read of it
	PRIMARY KEY (plan_id, condition, position, path)
) WITHOUT ROWID;

-- The modules an importtime run imported, one row per "import time:" line of
-- python -X importtime, in the order printed.
CREATE TABLE IF NOT EXISTS import_times (
	run_id		INTEGER NOT NULL REFERENCES runs (id),
	seq		INTEGER NOT NULL,	-- from 1
	module		TEXT NOT NULL,		-- torch._C
	depth		INTEGER NOT NULL,	-- 0: imported by the program itself, 1: by that module, ...
	self_us		INTEGER NOT NULL,	-- microseconds in the module alone
	cumulative_us	INTEGER NOT NULL,	-- with everything it imported
	PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;

-- One row per condition with a precision target (until: in its plan): the rule
-- it runs under, the last look at it, and once it has stopped, why. Written
-- when the plan is queued; the look's columns after every round of the plan;
-- rule and stopped_at once the condition stops. A plan is not done while one
-- of its rows has no rule. Intervals are sequential.c's: at look_level, which
-- keeps 95% for every look from min_runs to max_runs together.
CREATE TABLE IF NOT EXISTS condition_stops (
	plan_id		INTEGER NOT NULL REFERENCES plans (id),
	condition	TEXT NOT NULL,		-- the condition's name in the plan
	kind		TEXT NOT NULL CHECK (kind IN ('median', 'shift')), -- its own median, or the shift between two conditions
	stage		TEXT NOT NULL,		-- the stage the target is on: import_torch, total, ...
	compare_a	TEXT,			-- a shift's conditions, the shift being compare_a - compare_b (this row's is one of them); NULL for a median
	compare_b	TEXT,
	goal		TEXT NOT NULL,		-- the target as the plan wrote it: "within 2%", "narrower than 20ms"
	min_runs	INTEGER NOT NULL,	-- the measured runs it takes at least (queued with the plan)
	max_runs	INTEGER NOT NULL,	-- and at most
	look_level	REAL NOT NULL,		-- the confidence of every look's interval (0.988 for 5 to 60 runs), chosen when the plan was queued
	runs		INTEGER,		-- measured runs of the condition at the last look
	n		INTEGER,		-- of them, the ok ones with the stage: the values the look used
	estimate	REAL,			-- the median (a shift: the Hodges-Lehmann shift) at the last look, in seconds
	lo		REAL,			-- the look's interval, in seconds; NULL while too few runs give one
	hi		REAL,
	width		REAL,			-- a median's: the farther end's distance from it; a shift's: hi - lo; in seconds
	target		REAL,			-- the width to reach, in seconds (a percentage of the median at that look)
	runs_left	INTEGER,		-- runs it may still need (1/sqrt(n) law, within max_runs), 0 once stopped; NULL while not known
	looked_at	REAL,			-- when the last look was taken; NULL before the first
	rule		TEXT CHECK (rule IN ('target', 'max_runs')), -- what stopped it: its target met, or max_runs reached; NULL while it runs, or when its plan was cancelled or failed first
	stopped_at	REAL,			-- when it stopped; NULL while it runs
	PRIMARY KEY (plan_id, condition)
) WITHOUT ROWID;

-- One row per start of a daemon on this database: what wrote it, and where.
CREATE TABLE IF NOT EXISTS daemon_starts (
	started_at	REAL NOT NULL,
	pid		INTEGER NOT NULL,
	uid		INTEGER NOT NULL,
	version		TEXT NOT NULL,		-- benchd's version
	host		TEXT,			-- the host name
	machine_id	TEXT			-- /etc/machine-id, when there is one
);

-- One row per run that ran in a control group of its own: how its device
-- profile (memory, disk speed, CPUs of a phone or a board) was applied, as
-- the kernel reported it back, and what the group counted over the run. A
-- run without a profile still gets a group when the machine allows, so that
-- every process it started is killed when it ends: profile is then NULL.
-- The limits are read back from the group's files after writing them (v1:
-- blkio.throttle.*, memory.limit_in_bytes, cpu.cfs_*, cpuset.effective_cpus;
-- v2: io.max, memory.max, cpu.max, cpuset.cpus.effective); NULL: not limited.
CREATE TABLE IF NOT EXISTS run_limits (
	run_id		INTEGER PRIMARY KEY REFERENCES runs (id),
	profile		TEXT,			-- the profile's name, "inline" when written in the condition, NULL for none
	profile_source	TEXT,			-- the file that defines it: the plan, or its profiles_file
	limits_in	TEXT,			-- 'cgroup1' or 'cgroup2': the hierarchy holding the limits; NULL without
	kill_by		TEXT,			-- 'cgroup.kill' (v2) or 'freezer' (v1): how its processes were killed at the end
	groups		TEXT,			-- the group's folders, space-separated
	disks		TEXT,			-- the disks read limits were set on: "254:0 vda", comma-separated
	read_bps	INTEGER,		-- read bytes a second allowed on each of those disks
	read_iops	INTEGER,		-- read operations a second allowed on each
	memory_bytes	INTEGER,		-- memory the run could use, page cache included
	cpus		TEXT,			-- the CPUs it could run on (its cpuset)
	cpu_quota_us	INTEGER,		-- CPU time it could use each period, all its CPUs together
	cpu_period_us	INTEGER,		-- that period

	-- What the group counted over the run (its processes only, from spawn to end).
	read_bytes	INTEGER,		-- bytes read from disks (blkio io_service_bytes / io.stat rbytes)
	read_ios	INTEGER,		-- read operations (blkio io_serviced / io.stat rios)
	cpu_periods	INTEGER,		-- quota periods in which it was runnable (cpu.stat nr_periods)
	cpu_throttled	INTEGER,		-- periods it ran out of quota (nr_throttled)
	cpu_throttled_ms REAL,			-- time it was held back for it (throttled_time / throttled_usec)
	memory_peak_bytes INTEGER,		-- peak memory, page cache included (memory.max_usage_in_bytes / memory.peak)
	oom_kills	INTEGER,		-- processes the kernel killed for the memory limit
	killed_at_end	INTEGER,		-- processes still in the group when the run ended, killed by benchd
	move_ms		REAL			-- time benchd took to step into the group before the spawn and out after
) WITHOUT ROWID;

-- One row per measured run, with the usual stages' durations as columns.
CREATE VIEW IF NOT EXISTS measured_runs AS
SELECT	r.plan_id, r.id AS run_id, r.seq, r.condition, r.cache_policy, r.state,
	r.resident_before_pct, r.major_faults, r.inblock,
	(SELECT duration_s FROM stages WHERE run_id = r.id AND name = 'launch') AS launch_s,
	(SELECT duration_s FROM stages WHERE run_id = r.id AND name = 'import_torch') AS import_torch_s,
	(SELECT duration_s FROM stages WHERE run_id = r.id AND name = 'model_loaded') AS model_loaded_s,
	(SELECT duration_s FROM stages WHERE run_id = r.id AND name = 'warmup') AS warmup_s,
	(SELECT duration_s FROM stages WHERE run_id = r.id AND name = 'inference') AS inference_s,
	(SELECT duration_s FROM stages WHERE run_id = r.id AND name = 'total') AS total_s,
	(SELECT value FROM metrics WHERE run_id = r.id AND name = 'avg_latency_ms') AS avg_latency_ms
FROM runs r
WHERE r.kind = 'measured';

-- Per plan, condition and stage, over measured runs that ended ok: n, mean, min, max.
CREATE VIEW IF NOT EXISTS stage_summary AS
SELECT	r.plan_id, r.condition, s.name AS stage, count(*) AS n,
	avg(s.duration_s) AS mean_s, min(s.duration_s) AS min_s, max(s.duration_s) AS max_s
FROM runs r JOIN stages s ON s.run_id = r.id
WHERE r.kind = 'measured' AND r.state = 'ok'
GROUP BY r.plan_id, r.condition, s.name;

-- Plans pulled from other machines ("benchctl pull HOST"). They are kept in a
-- database of their own beside the daemon's (bench.db's are in
-- bench.pulled.db), written by benchctl pull alone, so these three tables
-- have rows only there; its plans, runs and the rest are copies, with ids of
-- its own, of a finished plan on the machine it ran on.

-- One row per database pulled from: a device's benchd database, known by its
-- first daemon start, which a copy of it keeps and another database cannot have.
CREATE TABLE IF NOT EXISTS origins (
	id		INTEGER PRIMARY KEY,
	key		TEXT NOT NULL UNIQUE,	-- its first daemon start: "MACHINE_ID/STARTED_AT/PID" (the host name when it had no machine-id)
	name		TEXT NOT NULL,		-- the host it was first pulled from, as given to pull, user@ left out: HOST/ID names its plans
	host		TEXT,			-- the host name its daemon recorded at its latest start
	machine_id	TEXT,			-- and its /etc/machine-id then, NULL when there was none
	schema_version	INTEGER NOT NULL,	-- its PRAGMA user_version at the latest pull
	first_pulled_at	REAL NOT NULL,
	pulled_at	REAL NOT NULL		-- the latest pull
);

-- One row per pulled plan: the plan here beside its id on its machine.
CREATE TABLE IF NOT EXISTS pulled_plans (
	plan_id		INTEGER PRIMARY KEY REFERENCES plans (id),	-- its id in this database
	origin_id	INTEGER NOT NULL REFERENCES origins (id),	-- the database it came from
	origin_plan_id	INTEGER NOT NULL,	-- its id there, as HOST/ID names it
	run_offset	INTEGER NOT NULL,	-- its runs' ids here less this are their ids there (benchctl shows those)
	pulled_at	REAL NOT NULL,
	UNIQUE (origin_id, origin_plan_id)	-- pulled once: pulling again adds nothing
);

-- The daemon starts each database pulled from recorded (its daemon_starts):
-- the machine of a pulled run is that of the latest start before its spawn.
CREATE TABLE IF NOT EXISTS origin_starts (
	origin_id	INTEGER NOT NULL REFERENCES origins (id),
	started_at	REAL NOT NULL,
	pid		INTEGER NOT NULL,
	uid		INTEGER NOT NULL,
	version		TEXT NOT NULL,		-- that benchd's version
	host		TEXT,			-- the host name
	machine_id	TEXT,			-- /etc/machine-id, when there was one
	PRIMARY KEY (origin_id, started_at, pid)
);
