/* store.c: every SQL statement of the daemon: the queue, the runs, and what they recorded. */
#include "store.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "xmalloc.h"

extern const char schema_sql[];

static int	store_run_start_write(struct store *, const struct store_start *);
static int	store_run_copy(struct store *, int64_t);
static int	store_footprint_write(struct store *, int64_t, const struct store_file *, size_t);
static int	store_plan_fail_write(struct store *, int64_t, const char *);
static int	store_plan_finish_write(struct store *, int64_t, int *);
static int	store_read_in_write(struct store *, int64_t, const struct store_result *);
static int	store_imports_write(struct store *, const struct store_result *);
static int	store_stops_write(struct store *, int64_t, const struct store_stop *, size_t);

/* Prepared once in store_open(), reset after each use, finalized in store_close(). */
enum store_stmt {
	S_BEGIN, S_COMMIT, S_ROLLBACK,
	S_PLAN_ADD, S_RUN_ADD, S_PLAN_GET, S_PLAN_COUNTS,
	S_NEXT_RUN, S_RUN_START, S_PLAN_RUNNING, S_RUN_END,
	S_STAGE_ADD, S_METRIC_ADD, S_INFO_ADD, S_EVENT_ADD, S_OUTPUT_ADD,
	S_PLAN_CANCEL_RUNS, S_PLAN_SET_STATE, S_PLAN_STATE,
	S_RUN_SET_STATE, S_RUN_COPY, S_RUN_PLAN, S_RUN_UNSTART, S_SEQ_EARLIER, S_READ_IN_ADD,
	S_IMPORT_ADD,
	S_STATUS_COUNTS, S_STATUS_LAST, S_RUNNING_IDS, S_DAEMON_START, S_FOOTPRINT_ADD, S_FOOTPRINT_GET,
	/* Precision targets: condition_stops (rounds.c). */
	S_STOP_ADD, S_STOPS_OPEN, S_UNDECIDED, S_STOPS_GET, S_MEASURED, S_STOP_LOOK, S_STOP_END,
	S_SEQ_MAX,
	S_LIMITS_ADD,
	S_COUNT
};

static const char *const store_sql[S_COUNT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_PLAN_ADD] = "INSERT INTO plans (name, submitted_at, yaml, source_path, submitted_uid)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)",
	[S_RUN_ADD] = "INSERT INTO runs (plan_id, condition, seq, kind, cache_policy, cold_method, cpus,"
	    " position, sequence, profile) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[S_PLAN_GET] = "SELECT name, state, yaml, source_path, submitted_at, error FROM plans WHERE id = ?1",
	[S_PLAN_COUNTS] = "SELECT count(*), count(*) FILTER (WHERE state NOT IN ('pending', 'running')),"
	    " count(*) FILTER (WHERE state = 'ok')"
	    " FROM runs WHERE plan_id = ?1 AND state != 'interrupted'",
	[S_NEXT_RUN] = "SELECT r.id, r.plan_id, r.seq, r.attempt, r.condition, r.kind, p.submitted_uid,"
	    " r.position, r.sequence, r.profile"
	    " FROM runs r JOIN plans p ON p.id = r.plan_id"
	    " WHERE r.state = 'pending' AND p.state IN ('queued', 'running')"
	    " ORDER BY r.plan_id, r.seq, r.attempt LIMIT 1",
	[S_RUN_START] = "UPDATE runs SET state = 'running', spawned_at = ?2, pid = ?3, command = ?4,"
	    " workdir = ?5, resident_before_pct = ?6, footprint_files = ?7, footprint_bytes = ?8,"
	    " evict_ms = ?9, evict_failed = ?10, loadavg_1m = ?11, mem_free_kb = ?12,"
	    " mem_cached_kb = ?13, cpu_governor = ?14, token = ?15, spawn_late_ms = ?16,"
	    " mapped_others_files = ?17, mapped_others_bytes = ?18"
	    " WHERE id = ?1 AND state IN ('pending', 'running')",
	[S_PLAN_RUNNING] = "UPDATE plans SET state = 'running'"
	    " WHERE id = (SELECT plan_id FROM runs WHERE id = ?1) AND state = 'queued'",
	[S_RUN_END] = "UPDATE runs SET state = ?2, exit_code = ?3, term_signal = ?4, ended_at = ?5,"
	    " child_started_at = ?6, error = ?7, user_cpu_s = ?8, sys_cpu_s = ?9, major_faults = ?10,"
	    " minor_faults = ?11, inblock = ?12, oublock = ?13, nvcsw = ?14, nivcsw = ?15,"
	    " max_rss_kb = ?16, exit_late_ms = ?17, exit_window_ms = ?18, descendants_killed = ?19,"
	    " resident_after_pct = ?20, read_in_bytes = ?21"
	    " WHERE id = ?1",
	[S_STAGE_ADD] = "INSERT OR REPLACE INTO stages (run_id, name, start_s, end_s, duration_s)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)",
	[S_METRIC_ADD] = "INSERT OR REPLACE INTO metrics (run_id, name, value, unit) VALUES (?1, ?2, ?3, ?4)",
	[S_INFO_ADD] = "INSERT INTO run_info (run_id, key, value) VALUES (?1, ?2, ?3)",
	[S_EVENT_ADD] = "INSERT INTO events (run_id, seq, t_s, text) VALUES (?1, ?2, ?3, ?4)",
	[S_OUTPUT_ADD] = "INSERT OR REPLACE INTO outputs (run_id, stream, text, bytes_total, truncated)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)",
	[S_PLAN_CANCEL_RUNS] = "UPDATE runs SET state = 'cancelled' WHERE plan_id = ?1 AND state = 'pending'",
	[S_PLAN_SET_STATE] = "UPDATE plans SET state = ?2, finished_at = ?3, error = coalesce(?4, error)"
	    " WHERE id = ?1",
	[S_PLAN_STATE] = "SELECT state, (SELECT count(*) FROM runs WHERE plan_id = ?1"
	    " AND state IN ('pending', 'running')) FROM plans WHERE id = ?1",
	[S_RUN_SET_STATE] = "UPDATE runs SET state = ?2, ended_at = coalesce(ended_at, ?3),"
	    " error = coalesce(error, ?4) WHERE id = ?1",
	[S_RUN_COPY] = "INSERT INTO runs (plan_id, condition, seq, attempt, kind, cache_policy, cold_method, cpus,"
	    " position, sequence, profile)"
	    " SELECT plan_id, condition, seq, (SELECT max(attempt) + 1 FROM runs r2"
	    " WHERE r2.plan_id = r.plan_id AND r2.seq = r.seq), kind, cache_policy, cold_method, cpus,"
	    " position, sequence, profile FROM runs r WHERE id = ?1",
	[S_SEQ_EARLIER] = "SELECT r.id FROM runs r JOIN runs me ON me.id = ?1"
	    " WHERE r.plan_id = me.plan_id AND r.condition = me.condition AND r.sequence = me.sequence"
	    " AND r.position < me.position AND r.state NOT IN ('pending', 'running', 'interrupted')"
	    " AND r.attempt = (SELECT max(attempt) FROM runs r2 WHERE r2.plan_id = r.plan_id"
	    " AND r2.seq = r.seq) ORDER BY r.seq",
	[S_READ_IN_ADD] = "INSERT INTO read_in (plan_id, condition, position, path, runs, bytes)"
	    " VALUES (?1, ?2, ?3, ?4, 1, ?5) ON CONFLICT (plan_id, condition, position, path)"
	    " DO UPDATE SET runs = runs + 1, bytes = bytes + excluded.bytes",
	[S_IMPORT_ADD] = "INSERT INTO import_times (run_id, seq, module, depth, self_us, cumulative_us)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[S_RUN_PLAN] = "SELECT plan_id FROM runs WHERE id = ?1",
	[S_RUN_UNSTART] = "UPDATE runs SET state = 'pending', spawned_at = NULL, pid = NULL,"
	    " command = NULL, token = NULL WHERE id = ?1 AND state = 'running'",
	[S_STATUS_COUNTS] = "SELECT (SELECT count(*) FROM plans WHERE state IN ('queued', 'running')),"
	    " (SELECT count(*) FROM runs r JOIN plans p ON p.id = r.plan_id"
	    " WHERE r.state = 'pending' AND p.state IN ('queued', 'running'))",
	[S_STATUS_LAST] = "SELECT r.id, r.plan_id, r.condition, r.state, r.ended_at,"
	    " (SELECT duration_s FROM stages WHERE run_id = r.id AND name = 'total'),"
	    " r.kind, r.cache_policy, r.resident_before_pct"
	    " FROM runs r WHERE r.ended_at IS NOT NULL AND r.state != 'pending'"
	    " ORDER BY r.ended_at DESC LIMIT 1",
	[S_RUNNING_IDS] = "SELECT id, pid, spawned_at, token FROM runs WHERE state = 'running'",
	[S_DAEMON_START] = "INSERT INTO daemon_starts (started_at, pid, uid, version, host, machine_id)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[S_FOOTPRINT_ADD] = "INSERT OR REPLACE INTO footprints (plan_id, path, bytes, shared)"
	    " VALUES (?1, ?2, ?3, ?4)",
	[S_FOOTPRINT_GET] = "SELECT path, bytes, shared FROM footprints WHERE plan_id = ?1 ORDER BY path",
	[S_STOP_ADD] = "INSERT INTO condition_stops (plan_id, condition, kind, stage, compare_a, compare_b,"
	    " goal, min_runs, max_runs, look_level) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[S_STOPS_OPEN] = "SELECT count(*) FROM condition_stops WHERE plan_id = ?1 AND rule IS NULL",
	[S_UNDECIDED] = "SELECT p.id FROM plans p WHERE p.state IN ('queued', 'running')"
	    " AND EXISTS (SELECT 1 FROM condition_stops c WHERE c.plan_id = p.id AND c.rule IS NULL)"
	    " AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.state IN ('pending', 'running')"
	    " AND r.plan_id = p.id) ORDER BY p.id LIMIT 1",
	[S_STOPS_GET] = "SELECT condition, kind, stage, compare_a, compare_b, goal, min_runs, max_runs,"
	    " look_level, runs, n, estimate, lo, hi, width, target, runs_left, looked_at, rule, stopped_at"
	    " FROM condition_stops WHERE plan_id = ?1 ORDER BY condition",
	[S_MEASURED] = "SELECT r.state, (SELECT duration_s FROM stages WHERE run_id = r.id AND name = ?3)"
	    " FROM runs r WHERE r.plan_id = ?1 AND r.condition = ?2 AND r.kind = 'measured'"
	    " AND r.state != 'interrupted' ORDER BY r.seq",
	[S_STOP_LOOK] = "UPDATE condition_stops SET runs = ?3, n = ?4, estimate = ?5, lo = ?6, hi = ?7,"
	    " width = ?8, target = ?9, runs_left = ?10, looked_at = ?11 WHERE plan_id = ?1 AND condition = ?2",
	[S_STOP_END] = "UPDATE condition_stops SET rule = ?3, stopped_at = ?4"
	    " WHERE plan_id = ?1 AND condition = ?2 AND rule IS NULL",
	[S_SEQ_MAX] = "SELECT coalesce(max(seq), 0) FROM runs WHERE plan_id = ?1",
	/* Issue #19: a run's group, its limits and counters. */
	[S_LIMITS_ADD] = "INSERT OR REPLACE INTO run_limits (run_id, profile, profile_source, limits_in,"
	    " kill_by, groups, disks, read_bps, read_iops, memory_bytes, cpus, cpu_quota_us, cpu_period_us,"
	    " read_bytes, read_ios, cpu_periods, cpu_throttled, cpu_throttled_ms, memory_peak_bytes,"
	    " oom_kills, killed_at_end, move_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
	    " ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)",
};

static const char *const store_run_state_names[] = {
	[RUN_PENDING] = "pending", [RUN_RUNNING] = "running", [RUN_OK] = "ok",
	[RUN_FAILED] = "failed", [RUN_TIMEOUT] = "timeout", [RUN_CANCELLED] = "cancelled",
	[RUN_INTERRUPTED] = "interrupted",
};

struct store {
	sqlite3		*db;
	sqlite3_stmt	*stmt[S_COUNT];
	char		*path;
	char		 error[512];	/* SQLite's message of the last failure, kept past a rollback */
};

/* Name of a run state as the database spells it. */
const char *
store_run_state_name(enum store_run_state state)
{
	return store_run_state_names[state];
}

/*
 * How long a write waits for another connection's lock. The wait blocks the
 * loop: the queue, paused by a lock held past STORE_BUSY_MS, retries with
 * STORE_PAUSED_BUSY_MS so that status and the socket answer meanwhile.
 */
void
store_patience(struct store *st, int busy_ms)
{
	sqlite3_busy_timeout(st->db, busy_ms);
}

/* Why the last failed call failed, as SQLite said it then (a rollback does not replace it). */
const char *
store_errmsg(struct store *st)
{
	return st->error[0] != '\0' ? st->error : sqlite3_errmsg(st->db);
}

/* Keep SQLite's message of a failure, before anything (a rollback) replaces it. */
static void
store_failed(struct store *st)
{
	snprintf(st->error, sizeof st->error, "%s", sqlite3_errmsg(st->db));
}

/* Bind a double, or NULL when it is NaN (not measured). */
static void
store_bind_real(sqlite3_stmt *s, int i, double v)
{
	if (isnan(v))
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_double(s, i, v);
}

/* Bind an integer, or NULL when negative (not measured). */
static void
store_bind_count(sqlite3_stmt *s, int i, int64_t v)
{
	if (v < 0)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_int64(s, i, v);
}

/* Bind a string (copied), or NULL. */
static void
store_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
}

/* Take a prepared statement for use. */
static sqlite3_stmt *
store_stmt(struct store *st, enum store_stmt which)
{
	return st->stmt[which];
}

/* Step a statement that returns no rows, then reset it; 0 or -1. */
static int
store_exec(struct store *st, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	if (rc != SQLITE_DONE)
		store_failed(st);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE) {
		log_warnx("database %s: %s", st->path, st->error);
		return -1;
	}
	return 0;
}

/* Step a statement that returns rows, keeping the message of a failure. */
static int
store_step(struct store *st, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		store_failed(st);
	return rc;
}

/* Give back a statement that returned rows. */
static void
store_done(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

/* Start a write transaction. */
static int
store_begin(struct store *st)
{
	return store_exec(st, store_stmt(st, S_BEGIN));
}

/* Commit a write transaction. */
static int
store_commit(struct store *st)
{
	return store_exec(st, store_stmt(st, S_COMMIT));
}

/* Undo a write transaction; safe to call when none is open. */
static void
store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		store_exec(st, store_stmt(st, S_ROLLBACK));
}

/* Run some SQL text with no parameters; fills *cause on error. */
static int
store_exec_text(sqlite3 *db, const char *sql, char **cause)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		xasprintf(cause, "%s", err != NULL ? err : sqlite3_errmsg(db));
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

/* Columns added to a table after it was first made, which an older file gains. */
static const struct {
	const char	*table;
	const char	*column;
	const char	*decl;
} store_columns[] = {
	{ "runs", "token", "TEXT" },
	{ "runs", "spawn_late_ms", "REAL" },
	{ "runs", "exit_late_ms", "REAL" },
	{ "runs", "exit_window_ms", "REAL" },
	{ "runs", "descendants_killed", "INTEGER" },
	{ "runs", "mapped_others_files", "INTEGER" },
	{ "runs", "mapped_others_bytes", "INTEGER" },
	{ "runs", "position", "INTEGER" },
	{ "runs", "sequence", "INTEGER" },
	{ "runs", "profile", "TEXT" },
	{ "runs", "resident_after_pct", "REAL" },
	{ "runs", "read_in_bytes", "INTEGER" },
};

/* Add to an older file the columns it lacks (inside the migration's transaction). */
static int
store_add_columns(sqlite3 *db, char **cause)
{
	sqlite3_stmt *s;
	char *sql;
	int has, rc = 0;

	for (size_t i = 0; i < sizeof store_columns / sizeof store_columns[0] && rc == 0; i++) {
		if (sqlite3_prepare_v2(db, "SELECT count(*) FROM pragma_table_info(?1) WHERE "
		    "name = ?2", -1, &s, NULL) != SQLITE_OK) {
			xasprintf(cause, "%s", sqlite3_errmsg(db));
			return -1;
		}
		sqlite3_bind_text(s, 1, store_columns[i].table, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, store_columns[i].column, -1, SQLITE_STATIC);
		has = sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) > 0;
		sqlite3_finalize(s);
		if (has)
			continue;
		xasprintf(&sql, "ALTER TABLE %s ADD COLUMN %s %s", store_columns[i].table,
		    store_columns[i].column, store_columns[i].decl);
		rc = store_exec_text(db, sql, cause);
		free(sql);
	}
	return rc;
}

/* Bring a database to the current schema version, or refuse a newer one. */
static int
store_migrate(sqlite3 *db, const char *path, char **cause)
{
	sqlite3_stmt *s;
	int version = -1;
	char *sql, *why = NULL;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		version = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (version < 0) {
		xasprintf(cause, "%s: cannot read the schema version: %s", path, sqlite3_errmsg(db));
		return -1;
	}
	if (version > STORE_SCHEMA_VERSION) {
		xasprintf(cause, "%s: schema version %d is newer than this benchd's (%d); "
		    "use a newer benchd or another --db", path, version, STORE_SCHEMA_VERSION);
		return -1;
	}
	if (version == STORE_SCHEMA_VERSION)
		return 0;
	/*
	 * Version 0 is a new file; older ones lack tables, indexes or columns.
	 * All get the whole schema, whose statements are all IF NOT EXISTS, and
	 * the columns they lack, in one transaction.
	 */
	xasprintf(&sql, "BEGIN IMMEDIATE;\n%s", schema_sql);
	if (store_exec_text(db, sql, &why) != 0 || store_add_columns(db, &why) != 0) {
		free(sql);
		goto fail;
	}
	free(sql);
	xasprintf(&sql, "PRAGMA user_version = %d; COMMIT;", STORE_SCHEMA_VERSION);
	if (store_exec_text(db, sql, &why) != 0) {
		free(sql);
		goto fail;
	}
	free(sql);
	return 0;

fail:
	xasprintf(cause, "%s: cannot bring the database to schema version %d: %s", path,
	    STORE_SCHEMA_VERSION, why);
	free(why);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/*
 * Open (creating if needed) the database at path, apply the schema and
 * prepare every statement. Returns NULL and fills *cause on failure.
 */
struct store *
store_open(const char *path, char **cause)
{
	struct store *st = xcalloc(1, sizeof *st);
	const char *pragmas = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
	    " PRAGMA foreign_keys = ON;";

	char *why = NULL;

	st->path = xstrdup(path);
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		xasprintf(cause, "%s: cannot open the database: %s", path,
		    st->db != NULL ? sqlite3_errmsg(st->db) : "out of memory");
		goto fail;
	}
	/* SQLite opens a file it may not write read-only, silently: refuse it now, not at a run's end. */
	if (sqlite3_db_readonly(st->db, "main") == 1) {
		xasprintf(cause, "%s: cannot write the database (its mode, owner or a read-only "
		    "mount forbids it); benchd records every run in it, so give it one it can write",
		    path);
		goto fail;
	}
	sqlite3_busy_timeout(st->db, STORE_BUSY_MS);
	if (store_exec_text(st->db, pragmas, &why) != 0) {
		xasprintf(cause, "%s: cannot use the database: %s", path, why);
		free(why);
		goto fail;
	}
	if (store_migrate(st->db, path, cause) != 0)
		goto fail;
	for (int i = 0; i < S_COUNT; i++) {
		if (sqlite3_prepare_v3(st->db, store_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
		    &st->stmt[i], NULL) != SQLITE_OK) {
			xasprintf(cause, "%s: preparing statement %d: %s", path, i,
			    sqlite3_errmsg(st->db));
			goto fail;
		}
	}
	return st;

fail:
	store_close(st);
	return NULL;
}

/* Finalize every statement and close the database. */
void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	if (sqlite3_close(st->db) != SQLITE_OK)
		log_warnx("closing the database: %s", sqlite3_errmsg(st->db));
	free(st->path);
	free(st);
}

/* Mark one run as ended in state (interrupted, cancelled, ...) with a reason. */
static int
store_run_set_state(struct store *st, int64_t run_id, enum store_run_state state,
    const char *error)
{
	sqlite3_stmt *s = store_stmt(st, S_RUN_SET_STATE);

	sqlite3_bind_int64(s, 1, run_id);
	sqlite3_bind_text(s, 2, store_run_state_name(state), -1, SQLITE_STATIC);
	sqlite3_bind_double(s, 3, clock_unix_now());
	store_bind_text(s, 4, error);
	return store_exec(st, s);
}

/* Queue one run again as its next attempt (inside the caller's transaction). */
static int
store_run_copy_one(struct store *st, int64_t run_id)
{
	sqlite3_stmt *s = store_stmt(st, S_RUN_COPY);

	sqlite3_bind_int64(s, 1, run_id);
	return store_exec(st, s);
}

/*
 * Queue a run again as its next attempt (inside the caller's transaction).
 * A run of a warming sequence past its cold one cannot be run again on its
 * own, warm from whatever came since: its sequence's earlier runs are marked
 * interrupted too and queued again before it, so the sequence starts over
 * from a new eviction.
 */
static int
store_run_copy(struct store *st, int64_t run_id)
{
	sqlite3_stmt *s = store_stmt(st, S_SEQ_EARLIER);
	int64_t *ids = NULL;
	size_t n = 0;
	int rc;

	sqlite3_bind_int64(s, 1, run_id);
	while ((rc = store_step(st, s)) == SQLITE_ROW) {
		ids = xreallocarray(ids, n + 1, sizeof *ids);
		ids[n++] = sqlite3_column_int64(s, 0);
	}
	store_done(s);
	if (rc != SQLITE_DONE) {
		free(ids);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (store_run_set_state(st, ids[i], RUN_INTERRUPTED, "its warming sequence was "
		    "interrupted; the sequence runs again from a new eviction") != 0 ||
		    store_run_copy_one(st, ids[i]) != 0) {
			free(ids);
			return -1;
		}
	}
	free(ids);
	return store_run_copy_one(st, run_id);
}

/*
 * End a run that did not finish (the daemon stopped, or died, under it) in
 * state and queue the same run again as a new attempt, so the plan still
 * gets every run it asked for.
 */
int
store_run_requeue(struct store *st, int64_t run_id, enum store_run_state state)
{
	if (store_begin(st) != 0)
		return -1;
	if (store_run_set_state(st, run_id, state, "benchd stopped during the run") != 0 ||
	    store_run_copy(st, run_id) != 0 || store_commit(st) != 0)
		goto fail;
	return 0;

fail:
	store_rollback(st);
	return -1;
}

/*
 * At start-up: every run still marked running belonged to a daemon that
 * died. Each is handed to orphan() (to stop its child if it is still there),
 * then marked interrupted and queued again.
 */
int
store_recover(struct store *st, void (*orphan)(int pid, double spawned_at, const char *token),
    int64_t *recovered)
{
	sqlite3_stmt *s = store_stmt(st, S_RUNNING_IDS);
	int64_t *ids = NULL;
	size_t n = 0;
	int rc;

	while ((rc = store_step(st, s)) == SQLITE_ROW) {
		ids = xreallocarray(ids, n + 1, sizeof *ids);
		ids[n++] = sqlite3_column_int64(s, 0);
		if (orphan != NULL && sqlite3_column_type(s, 2) != SQLITE_NULL)
			orphan(sqlite3_column_type(s, 1) != SQLITE_NULL ? sqlite3_column_int(s, 1) : -1,
			    sqlite3_column_double(s, 2), (const char *)sqlite3_column_text(s, 3));
	}
	store_done(s);
	*recovered = 0;
	for (size_t i = 0; i < n; i++) {
		if (store_run_requeue(st, ids[i], RUN_INTERRUPTED) != 0) {
			free(ids);
			return -1;
		}
		(*recovered)++;
	}
	free(ids);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * Queue a plan and its expanded runs (seq 1..nruns in order), with the rows
 * of its conditions' targets, in one transaction. Fills *plan_id, or *cause
 * on failure.
 */
int
store_plan_add(struct store *st, const char *name, const char *yaml, const char *source_path,
    int64_t uid, const struct store_new_run *runs, size_t nruns, const struct store_stop *stops,
    size_t nstops, int64_t *plan_id, char **cause)
{
	sqlite3_stmt *s;

	if (store_begin(st) != 0)
		goto fail;
	s = store_stmt(st, S_PLAN_ADD);
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_double(s, 2, clock_unix_now());
	sqlite3_bind_text(s, 3, yaml, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, source_path, -1, SQLITE_STATIC);
	store_bind_count(s, 5, uid);
	if (store_exec(st, s) != 0)
		goto fail;
	*plan_id = sqlite3_last_insert_rowid(st->db);

	s = store_stmt(st, S_RUN_ADD);
	for (size_t i = 0; i < nruns; i++) {
		sqlite3_bind_int64(s, 1, *plan_id);
		sqlite3_bind_text(s, 2, runs[i].condition, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, (int64_t)i + 1);
		sqlite3_bind_text(s, 4, runs[i].kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, runs[i].cache_policy, -1, SQLITE_STATIC);
		store_bind_text(s, 6, runs[i].cold_method);
		store_bind_text(s, 7, runs[i].cpus);
		if (runs[i].position >= 0) {
			sqlite3_bind_int(s, 8, runs[i].position);
			sqlite3_bind_int(s, 9, runs[i].sequence);
		}
		if (runs[i].importtime)
			sqlite3_bind_text(s, 10, "importtime", -1, SQLITE_STATIC);
		if (store_exec(st, s) != 0)
			goto fail;
	}
	if (store_stops_write(st, *plan_id, stops, nstops) != 0 || store_commit(st) != 0)
		goto fail;
	return 0;

fail:
	xasprintf(cause, "cannot queue the plan: %s", sqlite3_errmsg(st->db));
	store_rollback(st);
	return -1;
}

/* Copy a text column, or NULL. */
static char *
store_column_strdup(sqlite3_stmt *s, int i)
{
	const unsigned char *v = sqlite3_column_text(s, i);

	return v != NULL ? xstrdup((const char *)v) : NULL;
}

/* Read one plan and its run counts; 1 found, 0 no such plan, -1 error. */
int
store_plan_get(struct store *st, int64_t plan_id, struct store_plan *p)
{
	sqlite3_stmt *s = store_stmt(st, S_PLAN_GET);
	int rc;

	memset(p, 0, sizeof *p);
	sqlite3_bind_int64(s, 1, plan_id);
	rc = store_step(st, s);
	if (rc == SQLITE_ROW) {
		p->id = plan_id;
		p->name = store_column_strdup(s, 0);
		p->state = store_column_strdup(s, 1);
		p->yaml = store_column_strdup(s, 2);
		p->source_path = store_column_strdup(s, 3);
		p->submitted_at = sqlite3_column_double(s, 4);
		p->error = store_column_strdup(s, 5);
	}
	store_done(s);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? 0 : -1;

	s = store_stmt(st, S_PLAN_COUNTS);
	sqlite3_bind_int64(s, 1, plan_id);
	if (store_step(st, s) == SQLITE_ROW) {
		p->runs_total = sqlite3_column_int64(s, 0);
		p->runs_ended = sqlite3_column_int64(s, 1);
		p->runs_ok = sqlite3_column_int64(s, 2);
	}
	store_done(s);
	return 1;
}

/* Free what store_plan_get() filled in. */
void
store_plan_clear(struct store_plan *p)
{
	free(p->name);
	free(p->state);
	free(p->yaml);
	free(p->source_path);
	free(p->error);
	memset(p, 0, sizeof *p);
}

/* Set a plan's state (and finished_at, and an error when given). */
static int
store_plan_set_state(struct store *st, int64_t plan_id, const char *state, const char *error)
{
	sqlite3_stmt *s = store_stmt(st, S_PLAN_SET_STATE);

	sqlite3_bind_int64(s, 1, plan_id);
	sqlite3_bind_text(s, 2, state, -1, SQLITE_STATIC);
	sqlite3_bind_double(s, 3, clock_unix_now());
	store_bind_text(s, 4, error);
	return store_exec(st, s);
}

/* Read a plan's state and how many of its runs are pending or running. */
static int
store_plan_state(struct store *st, int64_t plan_id, char *state, size_t size, int64_t *open)
{
	sqlite3_stmt *s = store_stmt(st, S_PLAN_STATE);
	int rc;

	sqlite3_bind_int64(s, 1, plan_id);
	rc = store_step(st, s);
	if (rc == SQLITE_ROW) {
		snprintf(state, size, "%s", (const char *)sqlite3_column_text(s, 0));
		*open = sqlite3_column_int64(s, 1);
	}
	store_done(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/*
 * Cancel a queued or running plan: its pending runs become cancelled and the
 * plan too. The caller stops a run in flight itself. *cancelled counts the
 * pending runs cancelled.
 */
int
store_plan_cancel(struct store *st, int64_t plan_id, int64_t *cancelled, char **cause)
{
	char state[16];
	int64_t open;
	sqlite3_stmt *s;
	int rc;

	if (store_begin(st) != 0)
		goto fail;
	rc = store_plan_state(st, plan_id, state, sizeof state, &open);
	if (rc <= 0) {
		store_rollback(st);
		if (rc == 0)
			xasprintf(cause, "no plan %lld; `benchctl status` lists the queue",
			    (long long)plan_id);
		else
			xasprintf(cause, "database: %s", sqlite3_errmsg(st->db));
		return -1;
	}
	if (strcmp(state, "queued") != 0 && strcmp(state, "running") != 0) {
		store_rollback(st);
		xasprintf(cause, "plan %lld is already %s; only queued or running plans can be "
		    "cancelled", (long long)plan_id, state);
		return -1;
	}
	s = store_stmt(st, S_PLAN_CANCEL_RUNS);
	sqlite3_bind_int64(s, 1, plan_id);
	if (store_exec(st, s) != 0)
		goto fail;
	*cancelled = sqlite3_changes(st->db);
	if (store_plan_set_state(st, plan_id, "cancelled", NULL) != 0 || store_commit(st) != 0)
		goto fail;
	return 0;

fail:
	xasprintf(cause, "database: %s", sqlite3_errmsg(st->db));
	store_rollback(st);
	return -1;
}

/* Fail a plan with a reason (inside the caller's transaction): its pending runs are cancelled. */
static int
store_plan_fail_write(struct store *st, int64_t plan_id, const char *error)
{
	sqlite3_stmt *s = store_stmt(st, S_PLAN_CANCEL_RUNS);

	sqlite3_bind_int64(s, 1, plan_id);
	if (store_exec(st, s) != 0)
		return -1;
	return store_plan_set_state(st, plan_id, "failed", error);
}

/*
 * The first column of statement which's first row, with id bound as ?1, in
 * *value (0 when there is no row): which plan a run belongs to
 * (S_RUN_PLAN), how many of a plan's conditions still run under their
 * target (S_STOPS_OPEN).
 */
static int
store_id_value(struct store *st, enum store_stmt which, int64_t id, int64_t *value)
{
	sqlite3_stmt *s = store_stmt(st, which);
	int rc;

	sqlite3_bind_int64(s, 1, id);
	rc = store_step(st, s);
	*value = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	store_done(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/*
 * Mark a plan done once none of its runs is pending or running and none of
 * its conditions still runs under its target (inside the caller's transaction).
 */
static int
store_plan_finish_write(struct store *st, int64_t plan_id, int *finished)
{
	char state[16];
	int64_t open;
	int rc;

	*finished = 0;
	if ((rc = store_plan_state(st, plan_id, state, sizeof state, &open)) <= 0)
		return rc;
	if (open != 0 || (strcmp(state, "running") != 0 && strcmp(state, "queued") != 0))
		return 0;
	/* A condition still under its target waits for the next round's decision (rounds.c). */
	if (store_id_value(st, S_STOPS_OPEN, plan_id, &open) != 0)
		return -1;
	if (open != 0)
		return 0;
	if (store_plan_set_state(st, plan_id, "done", NULL) != 0)
		return -1;
	*finished = 1;
	return 0;
}

/* The first pending run of the oldest plan still queued or running; 1, 0 none, -1 error. */
int
store_next_run(struct store *st, struct store_run *r)
{
	sqlite3_stmt *s = store_stmt(st, S_NEXT_RUN);
	int rc = store_step(st, s);

	if (rc == SQLITE_ROW) {
		r->id = sqlite3_column_int64(s, 0);
		r->plan_id = sqlite3_column_int64(s, 1);
		r->seq = sqlite3_column_int(s, 2);
		r->attempt = sqlite3_column_int(s, 3);
		snprintf(r->condition, sizeof r->condition, "%s", sqlite3_column_text(s, 4));
		snprintf(r->kind, sizeof r->kind, "%s", sqlite3_column_text(s, 5));
		r->submitted_uid = sqlite3_column_type(s, 6) == SQLITE_NULL ? -1 :
		    sqlite3_column_int64(s, 6);
		r->position = sqlite3_column_type(s, 7) == SQLITE_NULL ? -1 :
		    sqlite3_column_int(s, 7);
		r->sequence = sqlite3_column_int(s, 8);
		r->importtime = sqlite3_column_type(s, 9) != SQLITE_NULL;
	}
	store_done(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* Write a run's start record (inside the caller's transaction). */
static int
store_run_start_write(struct store *st, const struct store_start *b)
{
	sqlite3_stmt *s = store_stmt(st, S_RUN_START);

	sqlite3_bind_int64(s, 1, b->run_id);
	sqlite3_bind_double(s, 2, b->spawned_at);
	store_bind_count(s, 3, b->pid);
	store_bind_text(s, 4, b->command);
	store_bind_text(s, 5, b->workdir);
	store_bind_real(s, 6, b->resident_before_pct);
	store_bind_count(s, 7, b->footprint_files);
	store_bind_count(s, 8, b->footprint_bytes);
	store_bind_real(s, 9, b->evict_ms);
	store_bind_count(s, 10, b->evict_failed);
	store_bind_real(s, 11, b->loadavg_1m);
	store_bind_count(s, 12, b->mem_free_kb);
	store_bind_count(s, 13, b->mem_cached_kb);
	store_bind_text(s, 14, b->cpu_governor);
	store_bind_text(s, 15, b->token);
	store_bind_real(s, 16, b->spawn_late_ms);
	store_bind_count(s, 17, b->mapped_others_files);
	store_bind_count(s, 18, b->mapped_others_bytes);
	if (store_exec(st, s) != 0)
		return -1;
	s = store_stmt(st, S_PLAN_RUNNING);
	sqlite3_bind_int64(s, 1, b->run_id);
	return store_exec(st, s);
}

/* Record that a run has been spawned, and what the cache and machine looked like. */
int
store_run_start(struct store *st, const struct store_start *b)
{
	if (store_begin(st) != 0)
		return -1;
	if (store_run_start_write(st, b) != 0 || store_commit(st) != 0) {
		store_rollback(st);
		return -1;
	}
	return 0;
}

/* Insert one stage row. */
static int
store_stage_add(struct store *st, int64_t run_id, const struct stagelog_stage *g)
{
	sqlite3_stmt *s = store_stmt(st, S_STAGE_ADD);

	sqlite3_bind_int64(s, 1, run_id);
	sqlite3_bind_text(s, 2, g->name, -1, SQLITE_STATIC);
	store_bind_real(s, 3, g->start_s);
	store_bind_real(s, 4, g->end_s);
	sqlite3_bind_double(s, 5, g->duration_s);
	return store_exec(st, s);
}

/* Insert what the stage-log parser found in a run's stdout. */
static int
store_log_add(struct store *st, int64_t run_id, const struct stagelog_result *log)
{
	sqlite3_stmt *s;

	for (size_t i = 0; i < log->nstages; i++) {
		if (store_stage_add(st, run_id, &log->stages[i]) != 0)
			return -1;
	}
	s = store_stmt(st, S_METRIC_ADD);
	for (size_t i = 0; i < log->nmetrics; i++) {
		sqlite3_bind_int64(s, 1, run_id);
		sqlite3_bind_text(s, 2, log->metrics[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_double(s, 3, log->metrics[i].value);
		store_bind_text(s, 4, log->metrics[i].unit);
		if (store_exec(st, s) != 0)
			return -1;
	}
	s = store_stmt(st, S_INFO_ADD);
	for (size_t i = 0; i < log->ninfo; i++) {
		sqlite3_bind_int64(s, 1, run_id);
		sqlite3_bind_text(s, 2, log->info[i].key, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, log->info[i].value, -1, SQLITE_STATIC);
		if (store_exec(st, s) != 0)
			return -1;
	}
	s = store_stmt(st, S_EVENT_ADD);
	for (size_t i = 0; i < log->nevents; i++) {
		sqlite3_bind_int64(s, 1, run_id);
		sqlite3_bind_int64(s, 2, (int64_t)i + 1);
		sqlite3_bind_double(s, 3, log->events[i].t_s);
		sqlite3_bind_text(s, 4, log->events[i].text, -1, SQLITE_STATIC);
		if (store_exec(st, s) != 0)
			return -1;
	}
	return 0;
}

/* Insert a run's group: the limits in force and its counters (issue #19). */
static int
store_limits_add(struct store *st, int64_t run_id, const struct store_limits *l)
{
	sqlite3_stmt *s = store_stmt(st, S_LIMITS_ADD);

	sqlite3_bind_int64(s, 1, run_id);
	store_bind_text(s, 2, l->profile);
	store_bind_text(s, 3, l->profile_source);
	store_bind_text(s, 4, l->limits_in);
	store_bind_text(s, 5, l->kill_by);
	store_bind_text(s, 6, l->groups);
	store_bind_text(s, 7, l->disks);
	store_bind_count(s, 8, l->read_bps);
	store_bind_count(s, 9, l->read_iops);
	store_bind_count(s, 10, l->memory_bytes);
	store_bind_text(s, 11, l->cpus);
	store_bind_count(s, 12, l->cpu_quota_us);
	store_bind_count(s, 13, l->cpu_period_us);
	store_bind_count(s, 14, l->read_bytes);
	store_bind_count(s, 15, l->read_ios);
	store_bind_count(s, 16, l->cpu_periods);
	store_bind_count(s, 17, l->cpu_throttled);
	store_bind_real(s, 18, l->cpu_throttled_ms);
	store_bind_count(s, 19, l->memory_peak_bytes);
	store_bind_count(s, 20, l->oom_kills);
	store_bind_count(s, 21, l->killed_at_end);
	store_bind_real(s, 22, l->move_ms);
	return store_exec(st, s);
}

/* Insert both output streams, noting when they were cut. */
static int
store_outputs_add(struct store *st, const struct store_result *res)
{
	static const char *const names[2] = { "stdout", "stderr" };
	sqlite3_stmt *s = store_stmt(st, S_OUTPUT_ADD);

	for (int i = 0; i < 2; i++) {
		const struct store_output *o = &res->out[i];

		sqlite3_bind_int64(s, 1, res->run_id);
		sqlite3_bind_text(s, 2, names[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, o->data != NULL ? o->data : "", (int)o->len, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, (int64_t)o->total);
		sqlite3_bind_int(s, 5, o->total > o->len);
		if (store_exec(st, s) != 0)
			return -1;
	}
	return 0;
}

/*
 * Record a finished run whole: its state, exit, resource use, stages,
 * metrics, runtime info, events and output, in one transaction.
 */
int
store_run_finish(struct store *st, const struct store_result *res, int *plan_finished)
{
	const struct store_usage *u = res->usage;
	const struct stagelog_result *log = res->log;
	sqlite3_stmt *s = store_stmt(st, S_RUN_END);
	int64_t plan_id;

	*plan_finished = 0;
	if (store_begin(st) != 0)
		return -1;
	if (res->start != NULL && store_run_start_write(st, res->start) != 0)
		goto fail;
	sqlite3_bind_int64(s, 1, res->run_id);
	sqlite3_bind_text(s, 2, store_run_state_name(res->state), -1, SQLITE_STATIC);
	if (res->has_exit) {
		sqlite3_bind_int(s, 3, res->exit_code);
		if (res->term_signal != 0)
			sqlite3_bind_int(s, 4, res->term_signal);
	}
	sqlite3_bind_double(s, 5, res->ended_at);
	if (log != NULL && log->has_start_time)
		sqlite3_bind_double(s, 6, log->start_time);
	store_bind_text(s, 7, res->error);
	if (u != NULL) {
		sqlite3_bind_double(s, 8, u->user_cpu_s);
		sqlite3_bind_double(s, 9, u->sys_cpu_s);
		sqlite3_bind_int64(s, 10, u->major_faults);
		sqlite3_bind_int64(s, 11, u->minor_faults);
		sqlite3_bind_int64(s, 12, u->inblock);
		sqlite3_bind_int64(s, 13, u->oublock);
		sqlite3_bind_int64(s, 14, u->nvcsw);
		sqlite3_bind_int64(s, 15, u->nivcsw);
		sqlite3_bind_int64(s, 16, u->max_rss_kb);
	}
	store_bind_real(s, 17, res->exit_late_ms);
	store_bind_real(s, 18, res->exit_window_ms);
	store_bind_count(s, 19, res->descendants_killed);
	store_bind_real(s, 20, res->resident_after_pct);
	store_bind_count(s, 21, res->read_in_bytes);
	if (store_exec(st, s) != 0)
		goto fail;
	if (log != NULL && store_log_add(st, res->run_id, log) != 0)
		goto fail;
	for (size_t i = 0; i < res->nextra; i++) {
		if (store_stage_add(st, res->run_id, &res->extra[i]) != 0)
			goto fail;
	}
	if (res->limits != NULL && store_limits_add(st, res->run_id, res->limits) != 0)
		goto fail;
	if (store_outputs_add(st, res) != 0)
		goto fail;
	/* An interrupted run is queued again in the same transaction: a crash cannot lose it. */
	if (res->state == RUN_INTERRUPTED && store_run_copy(st, res->run_id) != 0)
		goto fail;
	if (store_id_value(st, S_RUN_PLAN, res->run_id, &plan_id) != 0 ||
	    (res->nfootprint > 0 &&
	    store_footprint_write(st, plan_id, res->footprint, res->nfootprint) != 0) ||
	    store_read_in_write(st, plan_id, res) != 0 || store_imports_write(st, res) != 0)
		goto fail;
	if (res->plan_error != NULL) {
		if (store_plan_fail_write(st, plan_id, res->plan_error) != 0)
			goto fail;
		*plan_finished = 1;
	} else if (store_plan_finish_write(st, plan_id, plan_finished) != 0)
		goto fail;
	if (store_commit(st) != 0)
		goto fail;
	return 0;

fail:
	store_rollback(st);
	return -1;
}

/* Add what a run read in to its plan's tally, file by file (inside the caller's transaction). */
static int
store_read_in_write(struct store *st, int64_t plan_id, const struct store_result *res)
{
	sqlite3_stmt *s = store_stmt(st, S_READ_IN_ADD);

	for (size_t i = 0; i < res->nread_in; i++) {
		sqlite3_bind_int64(s, 1, plan_id);
		sqlite3_bind_text(s, 2, res->condition, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 3, res->position);
		sqlite3_bind_text(s, 4, res->read_in[i].path, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 5, res->read_in[i].bytes);
		if (store_exec(st, s) != 0)
			return -1;
	}
	return 0;
}

/* Write the modules an importtime run imported (inside the caller's transaction). */
static int
store_imports_write(struct store *st, const struct store_result *res)
{
	sqlite3_stmt *s = store_stmt(st, S_IMPORT_ADD);

	for (size_t i = 0; i < res->nimports; i++) {
		const struct importtime_entry *e = &res->imports[i];

		sqlite3_bind_int64(s, 1, res->run_id);
		sqlite3_bind_int64(s, 2, (int64_t)i + 1);
		sqlite3_bind_text(s, 3, e->module, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 4, e->depth);
		sqlite3_bind_int64(s, 5, e->self_us);
		sqlite3_bind_int64(s, 6, e->cumulative_us);
		if (store_exec(st, s) != 0)
			return -1;
	}
	return 0;
}

/* What status shows of the queue: plans waiting, runs left, the last run that ended. */
int
store_status(struct store *st, struct store_status *out)
{
	sqlite3_stmt *s = store_stmt(st, S_STATUS_COUNTS);
	int rc;

	memset(out, 0, sizeof *out);
	out->last_total_s = NAN;
	out->last_resident_before_pct = NAN;
	if ((rc = store_step(st, s)) == SQLITE_ROW) {
		out->plans_waiting = sqlite3_column_int64(s, 0);
		out->runs_left = sqlite3_column_int64(s, 1);
	}
	store_done(s);
	if (rc != SQLITE_ROW)
		return -1;

	s = store_stmt(st, S_STATUS_LAST);
	if ((rc = store_step(st, s)) == SQLITE_ROW) {
		out->has_last = 1;
		out->last_run_id = sqlite3_column_int64(s, 0);
		out->last_plan_id = sqlite3_column_int64(s, 1);
		snprintf(out->last_condition, sizeof out->last_condition, "%s",
		    sqlite3_column_text(s, 2));
		snprintf(out->last_state, sizeof out->last_state, "%s", sqlite3_column_text(s, 3));
		out->last_ended_at = sqlite3_column_double(s, 4);
		if (sqlite3_column_type(s, 5) != SQLITE_NULL)
			out->last_total_s = sqlite3_column_double(s, 5);
		snprintf(out->last_kind, sizeof out->last_kind, "%s", sqlite3_column_text(s, 6));
		snprintf(out->last_cache, sizeof out->last_cache, "%s", sqlite3_column_text(s, 7));
		if (sqlite3_column_type(s, 8) != SQLITE_NULL)
			out->last_resident_before_pct = sqlite3_column_double(s, 8);
	}
	store_done(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Write footprint files of a plan (inside the caller's transaction). */
static int
store_footprint_write(struct store *st, int64_t plan_id, const struct store_file *files, size_t n)
{
	sqlite3_stmt *s = store_stmt(st, S_FOOTPRINT_ADD);

	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_int64(s, 1, plan_id);
		sqlite3_bind_text(s, 2, files[i].path, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, files[i].bytes);
		sqlite3_bind_int(s, 4, files[i].shared);
		if (store_exec(st, s) != 0)
			return -1;
	}
	return 0;
}

/* Record a plan's footprint (added to what earlier probes of the plan found). */
int
store_footprint_add(struct store *st, int64_t plan_id, const struct store_file *files, size_t n)
{
	if (store_begin(st) != 0)
		return -1;
	if (store_footprint_write(st, plan_id, files, n) != 0 || store_commit(st) != 0) {
		store_rollback(st);
		return -1;
	}
	return 0;
}

/* Read a plan's footprint; *files is NULL and *n 0 when it has none yet. */
int
store_footprint_get(struct store *st, int64_t plan_id, struct store_file **files, size_t *n)
{
	sqlite3_stmt *s = store_stmt(st, S_FOOTPRINT_GET);
	int rc;

	*files = NULL;
	*n = 0;
	sqlite3_bind_int64(s, 1, plan_id);
	while ((rc = store_step(st, s)) == SQLITE_ROW) {
		*files = xreallocarray(*files, *n + 1, sizeof **files);
		(*files)[*n] = (struct store_file){ store_column_strdup(s, 0),
		    sqlite3_column_int64(s, 1), sqlite3_column_int(s, 2) };
		(*n)++;
	}
	store_done(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Free a list of files. */
void
store_files_free(struct store_file *files, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(files[i].path);
	free(files);
}

/* Record this daemon's start: a real write, so a database that refuses writes is known at once. */
int
store_daemon_start(struct store *st, const char *version, const char *host, const char *machine_id)
{
	sqlite3_stmt *s = store_stmt(st, S_DAEMON_START);

	sqlite3_bind_double(s, 1, clock_unix_now());
	sqlite3_bind_int64(s, 2, (int64_t)getpid());
	sqlite3_bind_int64(s, 3, (int64_t)getuid());
	sqlite3_bind_text(s, 4, version, -1, SQLITE_STATIC);
	store_bind_text(s, 5, host);
	store_bind_text(s, 6, machine_id);
	return store_exec(st, s);
}

/* Put back in the queue a run marked running whose child could not be spawned after all. */
int
store_run_unstart(struct store *st, int64_t run_id)
{
	sqlite3_stmt *s = store_stmt(st, S_RUN_UNSTART);

	sqlite3_bind_int64(s, 1, run_id);
	return store_exec(st, s);
}

/* Precision targets: condition_stops, for rounds.c. */

/* Write the rows of a new plan's targets (inside the caller's transaction). */
static int
store_stops_write(struct store *st, int64_t plan_id, const struct store_stop *stops, size_t n)
{
	sqlite3_stmt *s = store_stmt(st, S_STOP_ADD);

	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_int64(s, 1, plan_id);
		store_bind_text(s, 2, stops[i].condition);
		store_bind_text(s, 3, stops[i].kind);
		store_bind_text(s, 4, stops[i].stage);
		store_bind_text(s, 5, stops[i].compare_a);
		store_bind_text(s, 6, stops[i].compare_b);
		store_bind_text(s, 7, stops[i].goal);
		sqlite3_bind_int(s, 8, stops[i].min_runs);
		sqlite3_bind_int(s, 9, stops[i].max_runs);
		sqlite3_bind_double(s, 10, stops[i].look_level);
		if (store_exec(st, s) != 0)
			return -1;
	}
	return 0;
}

/* The oldest plan whose next round waits for a decision; 1, 0 none, -1 error. */
int
store_undecided(struct store *st, int64_t *plan_id)
{
	sqlite3_stmt *s = store_stmt(st, S_UNDECIDED);
	int rc = store_step(st, s);

	if (rc == SQLITE_ROW)
		*plan_id = sqlite3_column_int64(s, 0);
	store_done(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* A REAL column, or NAN when NULL. */
static double
store_column_real(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? NAN : sqlite3_column_double(s, i);
}

/* An INTEGER column, or -1 when NULL. */
static int64_t
store_column_count(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, i);
}

/* Read a plan's condition_stops rows. */
int
store_stops_get(struct store *st, int64_t plan_id, struct store_stop **out, size_t *n)
{
	sqlite3_stmt *s = store_stmt(st, S_STOPS_GET);
	struct store_stop *r;
	int rc;

	*out = NULL;
	*n = 0;
	sqlite3_bind_int64(s, 1, plan_id);
	while ((rc = store_step(st, s)) == SQLITE_ROW) {
		*out = xreallocarray(*out, *n + 1, sizeof **out);
		r = &(*out)[(*n)++];
		*r = (struct store_stop){
			.condition = store_column_strdup(s, 0), .kind = store_column_strdup(s, 1),
			.stage = store_column_strdup(s, 2), .compare_a = store_column_strdup(s, 3),
			.compare_b = store_column_strdup(s, 4), .goal = store_column_strdup(s, 5),
			.min_runs = sqlite3_column_int(s, 6), .max_runs = sqlite3_column_int(s, 7),
			.look_level = store_column_real(s, 8), .runs = store_column_count(s, 9),
			.n = store_column_count(s, 10), .estimate = store_column_real(s, 11),
			.lo = store_column_real(s, 12), .hi = store_column_real(s, 13),
			.width = store_column_real(s, 14), .target = store_column_real(s, 15),
			.runs_left = store_column_count(s, 16), .looked_at = store_column_real(s, 17),
			.rule = store_column_strdup(s, 18), .stopped_at = store_column_real(s, 19),
		};
	}
	store_done(s);
	if (rc != SQLITE_DONE) {
		store_stops_free(*out, *n);
		*out = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

/* Free what store_stops_get() read. */
void
store_stops_free(struct store_stop *stops, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(stops[i].condition);
		free(stops[i].kind);
		free(stops[i].stage);
		free(stops[i].compare_a);
		free(stops[i].compare_b);
		free(stops[i].goal);
		free(stops[i].rule);
	}
	free(stops);
}

/* One condition's measured runs ended so far (each seq once) and its stage's values in the ok ones. */
int
store_measured(struct store *st, int64_t plan_id, const char *condition, const char *stage,
    struct store_measured *m)
{
	sqlite3_stmt *s = store_stmt(st, S_MEASURED);
	const char *state;
	size_t cap = 0;
	int rc;

	memset(m, 0, sizeof *m);
	sqlite3_bind_int64(s, 1, plan_id);
	sqlite3_bind_text(s, 2, condition, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, stage, -1, SQLITE_STATIC);
	while ((rc = store_step(st, s)) == SQLITE_ROW) {
		state = (const char *)sqlite3_column_text(s, 0);
		if (strcmp(state, "pending") != 0 && strcmp(state, "running") != 0)
			m->runs++;
		if (strcmp(state, "ok") != 0 || sqlite3_column_type(s, 1) == SQLITE_NULL)
			continue;
		if (m->nvalues == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			m->values = xreallocarray(m->values, cap, sizeof *m->values);
		}
		m->values[m->nvalues++] = sqlite3_column_double(s, 1);
	}
	store_done(s);
	if (rc != SQLITE_DONE) {
		free(m->values);
		memset(m, 0, sizeof *m);
		return -1;
	}
	return 0;
}

/* Write one row's look, and its stop when it stops now (inside the caller's transaction). */
static int
store_stop_look_write(struct store *st, int64_t plan_id, const struct store_stop *l)
{
	sqlite3_stmt *s = store_stmt(st, S_STOP_LOOK);

	sqlite3_bind_int64(s, 1, plan_id);
	store_bind_text(s, 2, l->condition);
	store_bind_count(s, 3, l->runs);
	store_bind_count(s, 4, l->n);
	store_bind_real(s, 5, l->estimate);
	store_bind_real(s, 6, l->lo);
	store_bind_real(s, 7, l->hi);
	store_bind_real(s, 8, l->width);
	store_bind_real(s, 9, l->target);
	store_bind_count(s, 10, l->runs_left);
	store_bind_real(s, 11, l->looked_at);
	if (store_exec(st, s) != 0)
		return -1;
	if (l->rule == NULL)
		return 0;
	s = store_stmt(st, S_STOP_END);
	sqlite3_bind_int64(s, 1, plan_id);
	store_bind_text(s, 2, l->condition);
	store_bind_text(s, 3, l->rule);
	store_bind_real(s, 4, l->stopped_at);
	return store_exec(st, s);
}

/*
 * Record one decision whole: every look, the stops, the next round after the
 * plan's last seq, and the plan's end when nothing of it is left; a crash or
 * a refusal leaves none of it, and the decision is taken again.
 */
int
store_decide(struct store *st, int64_t plan_id, const struct store_stop *looks, size_t n,
    const struct store_new_run *round, size_t nround, int *plan_finished)
{
	sqlite3_stmt *s;
	int64_t seq = 0;
	int rc;

	*plan_finished = 0;
	if (store_begin(st) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (store_stop_look_write(st, plan_id, &looks[i]) != 0)
			goto fail;
	}
	s = store_stmt(st, S_SEQ_MAX);
	sqlite3_bind_int64(s, 1, plan_id);
	rc = store_step(st, s);
	if (rc == SQLITE_ROW)
		seq = sqlite3_column_int64(s, 0);
	store_done(s);
	if (rc != SQLITE_ROW)
		goto fail;
	s = store_stmt(st, S_RUN_ADD);
	for (size_t i = 0; i < nround; i++) {
		sqlite3_bind_int64(s, 1, plan_id);
		sqlite3_bind_text(s, 2, round[i].condition, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, seq + 1 + (int64_t)i);
		sqlite3_bind_text(s, 4, round[i].kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, round[i].cache_policy, -1, SQLITE_STATIC);
		store_bind_text(s, 6, round[i].cold_method);
		store_bind_text(s, 7, round[i].cpus);
		if (store_exec(st, s) != 0)
			goto fail;
	}
	if (store_plan_finish_write(st, plan_id, plan_finished) != 0 || store_commit(st) != 0)
		goto fail;
	return 0;

fail:
	store_rollback(st);
	*plan_finished = 0;
	return -1;
}

/* Fail a plan with a reason, in one transaction: its pending runs are cancelled. */
int
store_plan_fail(struct store *st, int64_t plan_id, const char *error)
{
	if (store_begin(st) != 0)
		return -1;
	if (store_plan_fail_write(st, plan_id, error) != 0 || store_commit(st) != 0) {
		store_rollback(st);
		return -1;
	}
	return 0;
}
