/* store.c: every SQL statement of the daemon: the queue, the runs, and what they recorded. */
#include "store.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "xmalloc.h"

extern const char schema_sql[];

/* Prepared once in store_open(), reset after each use, finalized in store_close(). */
enum store_stmt {
	S_BEGIN, S_COMMIT, S_ROLLBACK,
	S_PLAN_ADD, S_RUN_ADD, S_PLAN_GET, S_PLAN_COUNTS,
	S_NEXT_RUN, S_RUN_START, S_PLAN_RUNNING, S_RUN_END,
	S_STAGE_ADD, S_METRIC_ADD, S_INFO_ADD, S_EVENT_ADD, S_OUTPUT_ADD,
	S_PLAN_CANCEL_RUNS, S_PLAN_SET_STATE, S_PLAN_STATE,
	S_RUN_SET_STATE, S_RUN_COPY,
	S_STATUS_COUNTS, S_STATUS_LAST, S_RUNNING_IDS, S_FOOTPRINT_ADD, S_FOOTPRINT_GET,
	S_COUNT
};

static const char *const store_sql[S_COUNT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_PLAN_ADD] = "INSERT INTO plans (name, submitted_at, yaml, source_path, submitted_uid)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)",
	[S_RUN_ADD] = "INSERT INTO runs (plan_id, condition, seq, kind, cache_policy, cold_method, cpus)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[S_PLAN_GET] = "SELECT name, state, yaml, source_path, submitted_at, error FROM plans WHERE id = ?1",
	[S_PLAN_COUNTS] = "SELECT count(*), count(*) FILTER (WHERE state NOT IN ('pending', 'running')),"
	    " count(*) FILTER (WHERE state = 'ok')"
	    " FROM runs WHERE plan_id = ?1 AND state != 'interrupted'",
	[S_NEXT_RUN] = "SELECT r.id, r.plan_id, r.seq, r.attempt, r.condition, r.kind"
	    " FROM runs r JOIN plans p ON p.id = r.plan_id"
	    " WHERE r.state = 'pending' AND p.state IN ('queued', 'running')"
	    " ORDER BY r.plan_id, r.seq, r.attempt LIMIT 1",
	[S_RUN_START] = "UPDATE runs SET state = 'running', spawned_at = ?2, pid = ?3, command = ?4,"
	    " workdir = ?5, resident_before_pct = ?6, footprint_files = ?7, footprint_bytes = ?8,"
	    " evict_ms = ?9, evict_failed = ?10, loadavg_1m = ?11, mem_free_kb = ?12,"
	    " mem_cached_kb = ?13, cpu_governor = ?14 WHERE id = ?1 AND state IN ('pending', 'running')",
	[S_PLAN_RUNNING] = "UPDATE plans SET state = 'running'"
	    " WHERE id = (SELECT plan_id FROM runs WHERE id = ?1) AND state = 'queued'",
	[S_RUN_END] = "UPDATE runs SET state = ?2, exit_code = ?3, term_signal = ?4, ended_at = ?5,"
	    " child_started_at = ?6, error = ?7, user_cpu_s = ?8, sys_cpu_s = ?9, major_faults = ?10,"
	    " minor_faults = ?11, inblock = ?12, oublock = ?13, nvcsw = ?14, nivcsw = ?15,"
	    " max_rss_kb = ?16 WHERE id = ?1",
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
	[S_RUN_COPY] = "INSERT INTO runs (plan_id, condition, seq, attempt, kind, cache_policy, cold_method, cpus)"
	    " SELECT plan_id, condition, seq, (SELECT max(attempt) + 1 FROM runs r2"
	    " WHERE r2.plan_id = r.plan_id AND r2.seq = r.seq), kind, cache_policy, cold_method, cpus"
	    " FROM runs r WHERE id = ?1",
	[S_STATUS_COUNTS] = "SELECT (SELECT count(*) FROM plans WHERE state IN ('queued', 'running')),"
	    " (SELECT count(*) FROM runs r JOIN plans p ON p.id = r.plan_id"
	    " WHERE r.state = 'pending' AND p.state IN ('queued', 'running'))",
	[S_STATUS_LAST] = "SELECT r.id, r.plan_id, r.condition, r.state, r.ended_at,"
	    " (SELECT duration_s FROM stages WHERE run_id = r.id AND name = 'total')"
	    " FROM runs r WHERE r.ended_at IS NOT NULL AND r.state != 'pending'"
	    " ORDER BY r.ended_at DESC LIMIT 1",
	[S_RUNNING_IDS] = "SELECT id, pid, spawned_at, command FROM runs WHERE state = 'running'",
	[S_FOOTPRINT_ADD] = "INSERT OR REPLACE INTO footprints (plan_id, path, bytes, shared)"
	    " VALUES (?1, ?2, ?3, ?4)",
	[S_FOOTPRINT_GET] = "SELECT path, bytes, shared FROM footprints WHERE plan_id = ?1 ORDER BY path",
};

static const char *const store_run_state_names[] = {
	[RUN_PENDING] = "pending", [RUN_RUNNING] = "running", [RUN_OK] = "ok",
	[RUN_FAILED] = "failed", [RUN_TIMEOUT] = "timeout", [RUN_CANCELLED] = "cancelled",
	[RUN_INTERRUPTED] = "interrupted",
};

struct store {
	sqlite3		*db;
	sqlite3_stmt	*stmt[S_COUNT];
};

/* Name of a run state as the database spells it. */
const char *
store_run_state_name(enum store_run_state state)
{
	return store_run_state_names[state];
}

/* SQLite's message for the last failed call. */
const char *
store_errmsg(struct store *st)
{
	return sqlite3_errmsg(st->db);
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

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE) {
		log_warnx("database: %s", sqlite3_errmsg(st->db));
		return -1;
	}
	return 0;
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

/* Bring a database to the current schema version, or refuse a newer one. */
static int
store_migrate(sqlite3 *db, const char *path, char **cause)
{
	sqlite3_stmt *s;
	int version = -1;
	char *sql;

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
	 * Version 0 is a new file; 1 lacks the runs_ended index. Both get the
	 * whole schema, whose statements are all IF NOT EXISTS, in one transaction.
	 */
	xasprintf(&sql, "BEGIN IMMEDIATE;\n%s\nPRAGMA user_version = %d;\nCOMMIT;",
	    schema_sql, STORE_SCHEMA_VERSION);
	if (store_exec_text(db, sql, cause) != 0) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		free(sql);
		return -1;
	}
	free(sql);
	return 0;
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

	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		xasprintf(cause, "%s: cannot open the database: %s", path,
		    st->db != NULL ? sqlite3_errmsg(st->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(st->db, 5000);
	if (store_exec_text(st->db, pragmas, cause) != 0 || store_migrate(st->db, path, cause) != 0)
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

/*
 * End a run that did not finish (the daemon stopped, or died, under it) in
 * state and queue the same run again as a new attempt, so the plan still
 * gets every run it asked for.
 */
int
store_run_requeue(struct store *st, int64_t run_id, enum store_run_state state)
{
	sqlite3_stmt *s;

	if (store_begin(st) != 0)
		return -1;
	if (store_run_set_state(st, run_id, state, "benchd stopped during the run") != 0)
		goto fail;
	s = store_stmt(st, S_RUN_COPY);
	sqlite3_bind_int64(s, 1, run_id);
	if (store_exec(st, s) != 0 || store_commit(st) != 0)
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
store_recover(struct store *st, void (*orphan)(int pid, double spawned_at, const char *command),
    int64_t *recovered)
{
	sqlite3_stmt *s = store_stmt(st, S_RUNNING_IDS);
	int64_t *ids = NULL;
	size_t n = 0;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		ids = xreallocarray(ids, n + 1, sizeof *ids);
		ids[n++] = sqlite3_column_int64(s, 0);
		if (orphan != NULL && sqlite3_column_type(s, 3) != SQLITE_NULL)
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

/* When a run cannot be recorded whole (a full disk, say): at least mark it failed, with why. */
int
store_run_fail(struct store *st, int64_t run_id, const char *why)
{
	if (store_begin(st) != 0)
		return -1;
	if (store_run_set_state(st, run_id, RUN_FAILED, why) != 0 || store_commit(st) != 0) {
		store_rollback(st);
		return -1;
	}
	return 0;
}

/*
 * Queue a plan and its expanded runs (seq 1..nruns in order) in one
 * transaction. Fills *plan_id, or *cause on failure.
 */
int
store_plan_add(struct store *st, const char *name, const char *yaml, const char *source_path,
    int64_t uid, const struct store_new_run *runs, size_t nruns, int64_t *plan_id, char **cause)
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
		if (store_exec(st, s) != 0)
			goto fail;
	}
	if (store_commit(st) != 0)
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
	rc = sqlite3_step(s);
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
	if (sqlite3_step(s) == SQLITE_ROW) {
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
	rc = sqlite3_step(s);
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

/* Fail a plan with a reason: its pending runs are cancelled, it runs no more. */
int
store_plan_fail(struct store *st, int64_t plan_id, const char *error)
{
	sqlite3_stmt *s;

	if (store_begin(st) != 0)
		return -1;
	s = store_stmt(st, S_PLAN_CANCEL_RUNS);
	sqlite3_bind_int64(s, 1, plan_id);
	if (store_exec(st, s) != 0 || store_plan_set_state(st, plan_id, "failed", error) != 0 ||
	    store_commit(st) != 0) {
		store_rollback(st);
		return -1;
	}
	return 0;
}

/* Mark a running plan done once none of its runs is pending or running. */
int
store_plan_finish_if_done(struct store *st, int64_t plan_id, int *finished)
{
	char state[16];
	int64_t open;
	int rc;

	*finished = 0;
	if ((rc = store_plan_state(st, plan_id, state, sizeof state, &open)) <= 0)
		return rc;
	if (open != 0 || (strcmp(state, "running") != 0 && strcmp(state, "queued") != 0))
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
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW) {
		r->id = sqlite3_column_int64(s, 0);
		r->plan_id = sqlite3_column_int64(s, 1);
		r->seq = sqlite3_column_int(s, 2);
		r->attempt = sqlite3_column_int(s, 3);
		snprintf(r->condition, sizeof r->condition, "%s", sqlite3_column_text(s, 4));
		snprintf(r->kind, sizeof r->kind, "%s", sqlite3_column_text(s, 5));
	}
	store_done(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* Record that a run has been spawned, and what the cache and machine looked like. */
int
store_run_start(struct store *st, const struct store_start *b)
{
	sqlite3_stmt *s = store_stmt(st, S_RUN_START);

	if (store_begin(st) != 0)
		return -1;
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
	if (store_exec(st, s) != 0)
		goto fail;
	s = store_stmt(st, S_PLAN_RUNNING);
	sqlite3_bind_int64(s, 1, b->run_id);
	if (store_exec(st, s) != 0 || store_commit(st) != 0)
		goto fail;
	return 0;

fail:
	store_rollback(st);
	return -1;
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
store_run_finish(struct store *st, const struct store_result *res)
{
	const struct store_usage *u = res->usage;
	const struct stagelog_result *log = res->log;
	sqlite3_stmt *s = store_stmt(st, S_RUN_END);

	if (store_begin(st) != 0)
		return -1;
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
	if (store_exec(st, s) != 0)
		goto fail;
	if (log != NULL && store_log_add(st, res->run_id, log) != 0)
		goto fail;
	for (size_t i = 0; i < res->nextra; i++) {
		if (store_stage_add(st, res->run_id, &res->extra[i]) != 0)
			goto fail;
	}
	if (store_outputs_add(st, res) != 0 || store_commit(st) != 0)
		goto fail;
	return 0;

fail:
	store_rollback(st);
	return -1;
}

/* What status shows of the queue: plans waiting, runs left, the last run that ended. */
int
store_status(struct store *st, struct store_status *out)
{
	sqlite3_stmt *s = store_stmt(st, S_STATUS_COUNTS);
	int rc;

	memset(out, 0, sizeof *out);
	out->last_total_s = NAN;
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		out->plans_waiting = sqlite3_column_int64(s, 0);
		out->runs_left = sqlite3_column_int64(s, 1);
	}
	store_done(s);
	if (rc != SQLITE_ROW)
		return -1;

	s = store_stmt(st, S_STATUS_LAST);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		out->has_last = 1;
		out->last_run_id = sqlite3_column_int64(s, 0);
		out->last_plan_id = sqlite3_column_int64(s, 1);
		snprintf(out->last_condition, sizeof out->last_condition, "%s",
		    sqlite3_column_text(s, 2));
		snprintf(out->last_state, sizeof out->last_state, "%s", sqlite3_column_text(s, 3));
		out->last_ended_at = sqlite3_column_double(s, 4);
		if (sqlite3_column_type(s, 5) != SQLITE_NULL)
			out->last_total_s = sqlite3_column_double(s, 5);
	}
	store_done(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Record a plan's footprint (added to what earlier probes of the plan found). */
int
store_footprint_add(struct store *st, int64_t plan_id, const struct store_file *files, size_t n)
{
	sqlite3_stmt *s = store_stmt(st, S_FOOTPRINT_ADD);

	if (store_begin(st) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_int64(s, 1, plan_id);
		sqlite3_bind_text(s, 2, files[i].path, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, files[i].bytes);
		sqlite3_bind_int(s, 4, files[i].shared);
		if (store_exec(st, s) != 0) {
			store_rollback(st);
			return -1;
		}
	}
	return store_commit(st);
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
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
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
