/* test_schema.c: schema.sql and the store on a real SQLite file: queue, record, read back through the views. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stagelog.h"
#include "store.h"
#include "xmalloc.h"

struct fixture {
	char		 dir[64];
	char		*path;
	struct store	*st;
};

/* A fresh database in a temporary folder. */
static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	char *cause = NULL;

	snprintf(f->dir, sizeof f->dir, "/tmp/benchd-test-schema.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	xasprintf(&f->path, "%s/bench.db", f->dir);
	f->st = store_open(f->path, &cause);
	if (f->st == NULL)
		fail_msg("store_open: %s", cause);
	*state = f;
	return 0;
}

/* Close the database and remove its files. */
static int
teardown(void **state)
{
	struct fixture *f = *state;
	char *cmd;

	store_close(f->st);
	xasprintf(&cmd, "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(f->path);
	free(f);
	return 0;
}

/* Read a whole file into a new buffer. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = xmalloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

/* Run a query on a second connection and return its first column as a double. */
static double
query_real(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	double v = NAN;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
		v = sqlite3_column_double(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

/* Run a query on a second connection and return its first column as text (caller frees). */
static char *
query_text(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	char *v = NULL;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0) != NULL)
		v = xstrdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

/* Queue a plan of n runs of one condition. */
static int64_t
add_plan(struct store *st, const char *cond, const char *kind, size_t n)
{
	struct store_new_run *runs = xcalloc(n, sizeof *runs);
	char *cause = NULL;
	int64_t id;

	for (size_t i = 0; i < n; i++)
		runs[i] = (struct store_new_run){ cond, kind, "cold", "targeted", "0,1", -1, 0, 0 };
	if (store_plan_add(st, "seed", "name: seed\n", "/tmp/seed.yaml", 0, runs, n, NULL, 0, &id,
	    &cause) != 0)
		fail_msg("store_plan_add: %s", cause);
	free(runs);
	return id;
}

/* Start the next run as if it had been spawned now. */
static struct store_run
start_next(struct store *st)
{
	struct store_run r;
	struct store_start b = {
		.spawned_at = 1766135238.901, .pid = 4242, .command = "taskset -c 0,1 python3 x.py",
		.workdir = "/tmp", .resident_before_pct = 0.5, .footprint_files = 10,
		.footprint_bytes = 4096, .evict_ms = 1.5, .evict_failed = 0, .loadavg_1m = NAN,
		.mem_free_kb = -1, .mem_cached_kb = -1,
	};

	assert_int_equal(store_next_run(st, &r), 1);
	b.run_id = r.id;
	assert_int_equal(store_run_start(st, &b), 0);
	return r;
}

/* A new file gets the schema and the version; reopening keeps both. */
static void
test_version(void **state)
{
	struct fixture *f = *state;
	char *cause = NULL;
	struct store *again;

	assert_true(query_real(f->path, "PRAGMA user_version") == STORE_SCHEMA_VERSION);
	assert_true(query_real(f->path, "SELECT count(*) FROM sqlite_master WHERE type = 'view'")
	    == 2);
	again = store_open(f->path, &cause);
	assert_non_null(again);
	store_close(again);
}

/* A database from a newer benchd is refused with words saying so. */
static void
test_newer_version_refused(void **state)
{
	struct fixture *f = *state;
	char *cause = NULL;
	sqlite3 *db;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_null(store_open(f->path, &cause));
	assert_non_null(strstr(cause, "schema version 99 is newer"));
	free(cause);
}

/* A version 1 database (before the runs_ended index) is brought up to date on open. */
static void
test_migrate_from_1(void **state)
{
	struct fixture *f = *state;
	char *cause = NULL;
	struct store *again;
	sqlite3 *db;

	add_plan(f->st, "cold", "measured", 2);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DROP INDEX runs_ended; PRAGMA user_version = 1",
	    NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	again = store_open(f->path, &cause);
	if (again == NULL)
		fail_msg("store_open: %s", cause);
	store_close(again);
	assert_true(query_real(f->path, "PRAGMA user_version") == STORE_SCHEMA_VERSION);
	assert_true(query_real(f->path, "SELECT count(*) FROM sqlite_master WHERE name = "
	    "'runs_ended'") == 1);
	assert_true(query_real(f->path, "SELECT count(*) FROM runs") == 2);
}

/*
 * A database made by the first released schema (version 2, tests/fixtures/
 * schema-v2.sql as it was), with a plan and a recorded run: opened, it gains
 * every table and column since, keeps its rows, and a run recorded now
 * fills the new columns.
 */
static void
test_migrate_from_2(void **state)
{
	struct fixture *f = *state;
	char *cause = NULL, *path, *old, *sql;
	struct store *st;
	struct store_run r;
	sqlite3 *db;
	size_t len;
	int finished;

	xasprintf(&path, "%s/old.db", f->dir);
	old = slurp(FIXTURES_DIR "/schema-v2.sql", &len);
	xasprintf(&sql, "PRAGMA journal_mode = WAL; BEGIN; %s; PRAGMA user_version = 2;"
	    "INSERT INTO plans (id, name, submitted_at, yaml, source_path, submitted_uid, state)"
	    " VALUES (1, 'old', 1.0, 'name: old', '/old.yaml', %u, 'running');"
	    "INSERT INTO runs (plan_id, condition, seq, kind, cache_policy, state, ended_at)"
	    " VALUES (1, 'cold', 1, 'measured', 'cold', 'ok', 2.0),"
	    " (1, 'cold', 2, 'measured', 'cold', 'pending', NULL); COMMIT;", old,
	    (unsigned)getuid());
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &cause) != SQLITE_OK)
		fail_msg("the old schema: %s", cause);
	sqlite3_close(db);
	free(sql);
	free(old);

	if ((st = store_open(path, &cause)) == NULL)
		fail_msg("store_open: %s", cause);
	assert_true(query_real(path, "PRAGMA user_version") == STORE_SCHEMA_VERSION);
	assert_true(query_real(path, "SELECT count(*) FROM runs") == 2);
	assert_true(query_real(path, "SELECT count(*) FROM sqlite_master WHERE name IN "
	    "('daemon_starts', 'read_in', 'import_times', 'condition_stops', 'run_limits')") == 5);
	assert_true(query_real(path, "SELECT count(*) FROM pragma_table_info('runs') WHERE name IN "
	    "('token', 'spawn_late_ms', 'exit_late_ms', 'exit_window_ms', 'descendants_killed', "
	    "'mapped_others_files', 'mapped_others_bytes', 'position', 'sequence', 'profile', "
	    "'resident_after_pct', 'read_in_bytes')") == 12);
	/* The pending run goes on, and is recorded with what is new. */
	assert_int_equal(store_next_run(st, &r), 1);
	assert_int_equal(r.seq, 2);
	assert_int_equal(store_run_start(st, &(struct store_start){ .run_id = r.id,
	    .spawned_at = 3.0, .pid = 42, .command = "x", .workdir = "/", .resident_before_pct = 0,
	    .footprint_files = 1, .footprint_bytes = 10, .evict_ms = 1, .evict_failed = 0,
	    .loadavg_1m = NAN, .mem_free_kb = -1, .mem_cached_kb = -1, .token = "2.1.ab",
	    .spawn_late_ms = 0.25, .mapped_others_files = 0, .mapped_others_bytes = 0 }), 0);
	assert_int_equal(store_run_finish(st, &(struct store_result){ .run_id = r.id,
	    .state = RUN_OK, .has_exit = 1, .ended_at = 4.0, .exit_late_ms = 0.5,
	    .exit_window_ms = 0, .descendants_killed = 0, .condition = "cold", .position = -1,
	    .resident_after_pct = 90, .read_in_bytes = 4096 }, &finished), 0);
	assert_true(finished);
	store_close(st);
	assert_true(query_real(path, "SELECT spawn_late_ms + exit_late_ms + read_in_bytes FROM runs "
	    "WHERE seq = 2") == 0.75 + 4096);
	assert_true(query_real(path, "SELECT count(*) FROM plans WHERE state = 'done'") == 1);
	free(path);
}

/* The seed's first log, parsed and recorded, reads back exactly through the views. */
static void
test_fixture_run_roundtrip(void **state)
{
	struct fixture *f = *state;
	struct stagelog *sl = stagelog_create();
	struct stagelog_stage extra[2] = {
		{ "launch", NAN, NAN, 0.052 }, { "total", NAN, NAN, 9.43 },
	};
	struct store_usage usage = { 4.5, 0.5, 120, 3000, 80000, 0, 10, 20, 250000 };
	struct store_result res = { 0 };
	struct store_run r;
	size_t len;
	char *log = slurp(FIXTURES_DIR "/seed-logs/run1.stdout", &len);
	char *v;
	int64_t plan;
	int finished;

	plan = add_plan(f->st, "cold", "measured", 1);
	r = start_next(f->st);
	assert_int_equal(r.seq, 1);
	assert_string_equal(r.condition, "cold");
	assert_int_equal(store_next_run(f->st, &r), 0);

	stagelog_feed(sl, log, len);
	stagelog_finish(sl);
	res = (struct store_result){
		.run_id = r.id, .state = RUN_OK, .has_exit = 1, .exit_code = 0,
		.ended_at = 1766135248.4, .log = stagelog_result(sl), .extra = extra, .nextra = 2,
		.out = { { log, len, len }, { "", 0, 0 } }, .usage = &usage,
	};
	assert_int_equal(store_run_finish(f->st, &res, &finished), 0);
	assert_true(finished);
	assert_true(plan > 0);

	assert_float_equal(query_real(f->path, "SELECT import_torch_s FROM measured_runs"), 5.295, 1e-9);
	assert_float_equal(query_real(f->path, "SELECT model_loaded_s FROM measured_runs"), 0.197, 1e-9);
	assert_float_equal(query_real(f->path, "SELECT warmup_s FROM measured_runs"), 0.195, 1e-9);
	assert_float_equal(query_real(f->path, "SELECT inference_s FROM measured_runs"), 3.658, 1e-9);
	assert_float_equal(query_real(f->path, "SELECT launch_s FROM measured_runs"), 0.052, 1e-9);
	assert_float_equal(query_real(f->path, "SELECT total_s FROM measured_runs"), 9.43, 1e-9);
	assert_float_equal(query_real(f->path, "SELECT avg_latency_ms FROM measured_runs"), 36.58, 1e-9);
	assert_float_equal(query_real(f->path, "SELECT major_faults FROM measured_runs"), 120, 0);
	assert_float_equal(query_real(f->path,
	    "SELECT start_s FROM stages WHERE name = 'model_loaded'"), 5.330, 1e-9);
	assert_float_equal(query_real(f->path,
	    "SELECT value FROM metrics WHERE name = 'iters'"), 100, 0);
	assert_float_equal(query_real(f->path,
	    "SELECT child_started_at FROM runs"), 1766135238.953, 1e-6);
	assert_float_equal(query_real(f->path, "SELECT count(*) FROM events"), 9, 0);
	assert_float_equal(query_real(f->path, "SELECT count(*) FROM run_info"), 6, 0);
	v = query_text(f->path, "SELECT value FROM run_info WHERE key = 'torch threads'");
	assert_string_equal(v, "compute=2 interop=16");
	free(v);
	v = query_text(f->path, "SELECT text FROM events WHERE seq = 2");
	assert_string_equal(v, "Import Torch Done, Time Spent: 5.295s");
	free(v);
	v = query_text(f->path, "SELECT state FROM plans");
	assert_string_equal(v, "done");
	free(v);
	assert_float_equal(query_real(f->path, "SELECT bytes_total FROM outputs WHERE stream = 'stdout'"),
	    (double)len, 0);
	assert_float_equal(query_real(f->path,
	    "SELECT n FROM stage_summary WHERE stage = 'import_torch'"), 1, 0);
	assert_float_equal(query_real(f->path,
	    "SELECT mean_s FROM stage_summary WHERE stage = 'inference'"), 3.658, 1e-9);

	stagelog_free(sl);
	free(log);
}

/* Recovery after a crash: the running run is interrupted and queued again at its place. */
static void
test_recover_requeues(void **state)
{
	struct fixture *f = *state;
	struct store_run r, next;
	int64_t n;

	add_plan(f->st, "cold", "measured", 3);
	r = start_next(f->st);
	assert_int_equal(store_recover(f->st, NULL, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_next_run(f->st, &next), 1);
	assert_int_equal(next.seq, r.seq);
	assert_int_equal(next.attempt, 2);
	assert_true(next.id != r.id);
	assert_float_equal(query_real(f->path,
	    "SELECT count(*) FROM runs WHERE state = 'interrupted'"), 1, 0);
	assert_float_equal(query_real(f->path,
	    "SELECT count(*) FROM runs WHERE state = 'pending'"), 3, 0);
}

/*
 * An interrupted run is ended and queued again in one transaction: when the
 * next attempt cannot be inserted (a trigger another connection installed
 * refuses it), the run's end is undone too, and it stays running (recovery
 * queues it again), never interrupted without a successor.
 */
static void
test_interrupted_requeued_in_one_transaction(void **state)
{
	struct fixture *f = *state;
	struct store_result res;
	struct store_run r, next;
	sqlite3 *db;
	char *v;
	int finished = -1;

	add_plan(f->st, "cold", "measured", 2);
	r = start_next(f->st);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TRIGGER no_second_attempt BEFORE INSERT ON runs"
	    " WHEN NEW.attempt > 1 BEGIN SELECT RAISE(ABORT, 'no second attempt'); END",
	    NULL, NULL, NULL), SQLITE_OK);
	res = (struct store_result){
		.run_id = r.id, .state = RUN_INTERRUPTED, .ended_at = 1766135240.0,
		.error = "benchd stopped during the run; it is queued again",
		.exit_late_ms = NAN, .exit_window_ms = NAN, .descendants_killed = -1,
	};
	assert_int_equal(store_run_finish(f->st, &res, &finished), -1);
	assert_non_null(strstr(store_errmsg(f->st), "no second attempt"));
	assert_int_equal(finished, 0);
	v = query_text(f->path, "SELECT group_concat(state || ':' || attempt, ' ') FROM"
	    " (SELECT state, attempt FROM runs ORDER BY id)");
	assert_string_equal(v, "running:1 pending:1");
	free(v);
	assert_true(query_real(f->path, "SELECT ended_at IS NULL FROM runs WHERE state = "
	    "'running'") == 1);

	/* Once the insert is allowed again, the same record goes through whole. */
	assert_int_equal(sqlite3_exec(db, "DROP TRIGGER no_second_attempt", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_run_finish(f->st, &res, &finished), 0);
	assert_int_equal(finished, 0);
	v = query_text(f->path, "SELECT group_concat(state || ':' || seq || ':' || attempt, ' ')"
	    " FROM (SELECT state, seq, attempt FROM runs ORDER BY id)");
	assert_string_equal(v, "interrupted:1:1 pending:2:1 pending:1:2");
	free(v);
	assert_int_equal(store_next_run(f->st, &next), 1);
	assert_int_equal(next.seq, r.seq);
	assert_int_equal(next.attempt, 2);
}

/* Cancel ends the pending runs and the plan, and only once. */
static void
test_cancel(void **state)
{
	struct fixture *f = *state;
	struct store_status s;
	char *cause = NULL;
	int64_t plan, n;

	plan = add_plan(f->st, "warm", "measured", 4);
	assert_int_equal(store_status(f->st, &s), 0);
	assert_int_equal(s.plans_waiting, 1);
	assert_int_equal(s.runs_left, 4);
	assert_int_equal(store_plan_cancel(f->st, plan, &n, &cause), 0);
	assert_int_equal(n, 4);
	assert_int_equal(store_plan_cancel(f->st, plan, &n, &cause), -1);
	assert_non_null(strstr(cause, "already cancelled"));
	free(cause);
	cause = NULL;
	assert_int_equal(store_plan_cancel(f->st, 999, &n, &cause), -1);
	assert_non_null(strstr(cause, "no plan 999"));
	free(cause);
	assert_int_equal(store_status(f->st, &s), 0);
	assert_int_equal(s.runs_left, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_version_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_from_1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_from_2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fixture_run_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recover_requeues, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interrupted_requeued_in_one_transaction, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
