/* test_copy.c: finished plans copied between real benchd databases: a device's snapshot and its merge, twice, refused whole when newer. */
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

#include "copy.h"
#include "store.h"
#include "xmalloc.h"

struct fixture {
	char	 dir[64];
	char	*dev;		/* a device's database */
	char	*dev2;		/* another device's */
	char	*here;		/* the pulled plans' */
	char	*snap;
};

/* Make a database with benchd's own schema (store_open) at path. */
static void
make_db(const char *path)
{
	struct store *st;
	char *cause = NULL;

	if ((st = store_open(path, &cause)) == NULL)
		fail_msg("store_open: %s", cause);
	store_close(st);
}

/* Run SQL on the database at path. */
static void
exec(const char *path, const char *sql)
{
	sqlite3 *db;
	char *err = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err);
	sqlite3_close(db);
}

/* The first column of the first row of sql on the database at path, as a number. */
static long long
number(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	long long v = -1;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

/*
 * A device's record: started once on host, plan 1 done (two runs, their
 * stages, a footprint, runtime info in order), plan 2 still running.
 */
static void
fill_device(const char *path, const char *host, double started)
{
	char *sql;

	make_db(path);
	xasprintf(&sql,
	    "INSERT INTO daemon_starts VALUES (%f, 100, 0, '0.1.0', '%s', '%s-id');"
	    "INSERT INTO plans (id, name, submitted_at, state, yaml, source_path) VALUES"
	    "  (1, 'p', %f, 'done', 'name: p', '/d/p.yaml'),"
	    "  (2, 'q', %f, 'running', 'name: q', '/d/q.yaml');"
	    "INSERT INTO runs (id, plan_id, condition, seq, kind, cache_policy, state, spawned_at) VALUES"
	    "  (1, 1, 'cold', 1, 'measured', 'cold', 'ok', %f),"
	    "  (2, 1, 'cold', 2, 'measured', 'cold', 'ok', %f),"
	    "  (3, 2, 'cold', 1, 'measured', 'cold', 'running', %f);"
	    "INSERT INTO stages VALUES (1, 'import_torch', 0, 5, 5), (2, 'import_torch', 0, 4, 4),"
	    "  (3, 'import_torch', 0, 3, 3);"
	    "INSERT INTO run_info VALUES (1, 'python', '3.11'), (1, 'torch', '2.5');"
	    "INSERT INTO footprints VALUES (1, '/usr/lib/x.so', 4096, 0);",
	    started, host, host, started + 1, started + 2, started + 1.5, started + 1.6,
	    started + 2.5);
	exec(path, sql);
	free(sql);
}

/* Two devices' databases, and the names of the pulled plans' and the snapshot. */
static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);

	snprintf(f->dir, sizeof f->dir, "/tmp/benchd-test-copy.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	xasprintf(&f->dev, "%s/dev.db", f->dir);
	xasprintf(&f->dev2, "%s/dev2.db", f->dir);
	xasprintf(&f->here, "%s/bench.pulled.db", f->dir);
	xasprintf(&f->snap, "%s/snap.db", f->dir);
	fill_device(f->dev, "phone", 1000);
	fill_device(f->dev2, "board", 2000);
	make_db(f->here);
	*state = f;
	return 0;
}

/* Remove the folder. */
static int
teardown(void **state)
{
	struct fixture *f = *state;
	char *cmd;

	xasprintf(&cmd, "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(f->dev);
	free(f->dev2);
	free(f->here);
	free(f->snap);
	free(f);
	return 0;
}

/* Snapshot src (holding what haves say) and merge it as name: 0 or -1 with *cause. */
static int
pull(struct fixture *f, const char *src, const char *name, struct copy_merge_info *mi,
    char **cause)
{
	struct copy_export_info ei;
	struct copy_have *haves;
	size_t n;
	int rc;

	unlink(f->snap);
	assert_int_equal(copy_haves(f->here, &haves, &n, cause), 0);
	assert_int_equal(copy_export(src, haves, n, f->snap, &ei, cause), 0);
	assert_int_equal(ei.waiting, 1);
	copy_export_info_clear(&ei);
	copy_haves_free(haves, n);
	rc = copy_merge(f->here, f->snap, name, 3000, mi, cause);
	return rc;
}

/* The snapshot holds the finished plan alone, and leaves out what the puller holds. */
static void
test_export(void **state)
{
	struct fixture *f = *state;
	struct copy_export_info ei;
	struct copy_have have = { NULL, (long long[]){ 1 }, 1 };
	char *cause = NULL;

	if (copy_export(f->dev, NULL, 0, f->snap, &ei, &cause) != 0)
		fail_msg("copy_export: %s", cause);
	assert_string_equal(ei.key, "phone-id/1000.000000/100");
	assert_int_equal(ei.plans, 1);
	assert_int_equal(ei.runs, 2);
	assert_int_equal(ei.waiting, 1);
	assert_int_equal(ei.schema_version, STORE_SCHEMA_VERSION);
	assert_int_equal(number(f->snap, "SELECT count(*) FROM stages"), 2);
	assert_int_equal(number(f->snap, "SELECT count(*) FROM daemon_starts"), 1);
	assert_int_equal(number(f->snap, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	have.key = ei.key;
	unlink(f->snap);
	assert_int_equal(copy_export(f->dev, &have, 1, f->snap, &ei, &cause), 0);
	assert_int_equal(ei.plans, 0);
	assert_int_equal(ei.held, 1);
	copy_export_info_clear(&ei);
	free(have.key);
	unlink(f->snap);
	assert_int_equal(copy_export("/nonexistent/bench.db", NULL, 0, f->snap, &ei, &cause), -1);
	assert_non_null(strstr(cause, "no database at /nonexistent/bench.db"));
	free(cause);
}

/* Pulled twice, a plan is there once; two devices' plans 1 are both kept, each with its machine. */
static void
test_merge_twice_and_two_devices(void **state)
{
	struct fixture *f = *state;
	struct copy_merge_info mi;
	char *cause = NULL;

	assert_int_equal(pull(f, f->dev, "phone", &mi, &cause), 0);
	assert_int_equal(mi.nids, 1);
	assert_int_equal(mi.ids[0], 1);
	assert_int_equal(mi.runs, 2);
	assert_string_equal(mi.host, "phone");
	copy_merge_info_clear(&mi);
	assert_int_equal(pull(f, f->dev, "phone", &mi, &cause), 0);
	assert_int_equal(mi.nids, 0);
	assert_int_equal(mi.held, 1);
	copy_merge_info_clear(&mi);
	assert_int_equal(pull(f, f->dev2, "board", &mi, &cause), 0);
	assert_int_equal(mi.nids, 1);
	copy_merge_info_clear(&mi);

	assert_int_equal(number(f->here, "SELECT count(*) FROM plans"), 2);
	assert_int_equal(number(f->here, "SELECT count(*) FROM runs"), 4);
	assert_int_equal(number(f->here, "SELECT count(*) FROM stages"), 4);
	assert_int_equal(number(f->here, "SELECT count(*) FROM footprints"), 2);
	assert_int_equal(number(f->here, "SELECT count(*) FROM origins"), 2);
	assert_int_equal(number(f->here, "SELECT count(*) FROM origin_starts"), 2);
	assert_int_equal(number(f->here, "SELECT count(DISTINCT plan_id) FROM pulled_plans WHERE "
	    "origin_plan_id = 1"), 2);
	/* Every row points at its own plan's runs, and the ids there are kept beside. */
	assert_int_equal(number(f->here, "SELECT count(*) FROM stages s JOIN runs r ON r.id = s.run_id "
	    "JOIN pulled_plans pp ON pp.plan_id = r.plan_id JOIN origins o ON o.id = pp.origin_id "
	    "WHERE o.name = 'board' AND s.end_s IN (5, 4) AND r.id - pp.run_offset IN (1, 2)"), 2);
	/* run_info keeps its order. */
	assert_int_equal(number(f->here, "SELECT count(*) FROM run_info a JOIN run_info b ON "
	    "a.run_id = b.run_id AND a.key = 'python' AND b.key = 'torch' AND a.rowid < b.rowid"), 2);
	assert_int_equal(number(f->here, "SELECT count(*) FROM pragma_foreign_key_check"), 0);

	/* The running plan, once it is done, comes on the next pull. */
	exec(f->dev, "UPDATE runs SET state = 'ok' WHERE id = 3; UPDATE plans SET state = 'done' "
	    "WHERE id = 2");
	unlink(f->snap);
	{
		struct copy_export_info ei;
		struct copy_have *haves;
		size_t n;

		assert_int_equal(copy_haves(f->here, &haves, &n, &cause), 0);
		assert_int_equal(n, 2);
		assert_int_equal(copy_export(f->dev, haves, n, f->snap, &ei, &cause), 0);
		assert_int_equal(ei.plans, 1);
		assert_int_equal(ei.held, 1);
		copy_export_info_clear(&ei);
		copy_haves_free(haves, n);
	}
	assert_int_equal(copy_merge(f->here, f->snap, "phone", 3001, &mi, &cause), 0);
	assert_int_equal(mi.nids, 1);
	assert_int_equal(mi.ids[0], 2);
	copy_merge_info_clear(&mi);
	assert_int_equal(number(f->here, "SELECT count(*) FROM plans"), 3);
}

/* A snapshot newer than the database here, or with a column it lacks, is refused before anything is written. */
static void
test_newer_refused(void **state)
{
	struct fixture *f = *state;
	struct copy_merge_info mi;
	struct copy_export_info ei;
	char *cause = NULL;

	exec(f->dev, "PRAGMA user_version = 99");
	assert_int_equal(copy_export(f->dev, NULL, 0, f->snap, &ei, &cause), 0);
	copy_export_info_clear(&ei);
	assert_int_equal(copy_merge(f->here, f->snap, "phone", 3000, &mi, &cause), -1);
	assert_non_null(strstr(cause, "phone's database is of schema version 99, newer than this "
	    "benchctl's"));
	free(cause);
	assert_int_equal(number(f->here, "SELECT count(*) FROM origins"), 0);

	exec(f->dev2, "ALTER TABLE stages ADD COLUMN joules REAL");
	unlink(f->snap);
	assert_int_equal(copy_export(f->dev2, NULL, 0, f->snap, &ei, &cause), 0);
	copy_export_info_clear(&ei);
	assert_int_equal(copy_merge(f->here, f->snap, "board", 3000, &mi, &cause), -1);
	assert_non_null(strstr(cause, "(column stages.joules)"));
	free(cause);
	assert_int_equal(number(f->here, "SELECT count(*) FROM plans"), 0);
}

/* A run the schema here refuses, met after its plan was copied: the whole pull is undone. */
static void
test_failure_undoes_all(void **state)
{
	struct fixture *f = *state;
	struct copy_merge_info mi;
	char *cause = NULL;

	/* The device's runs table without its CHECK on state, then a state no benchd writes. */
	exec(f->dev, "PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = replace(sql, "
	    "'CHECK (state IN (''pending'', ''running'', ''ok'', ''failed'', ''timeout'',', "
	    "'CHECK (1 OR state IN (''pending'', ''running'', ''ok'', ''failed'', ''timeout'',') "
	    "WHERE name = 'runs'; PRAGMA writable_schema = OFF");
	exec(f->dev, "UPDATE runs SET state = 'bogus' WHERE id = 2");
	assert_int_equal(pull(f, f->dev, "phone", &mi, &cause), -1);
	assert_non_null(strstr(cause, "CHECK constraint failed"));
	assert_null(strchr(cause, '\n'));
	free(cause);
	assert_int_equal(number(f->here, "SELECT count(*) FROM plans"), 0);
	assert_int_equal(number(f->here, "SELECT count(*) FROM origins"), 0);
	assert_int_equal(number(f->here, "SELECT count(*) FROM origin_starts"), 0);
}

/* A have as snapshot's argument and back. */
static void
test_have_text(void **state)
{
	struct copy_have h = { "k/1.5/7", (long long[]){ 1, 2, 3, 5, 7, 8 }, 6 }, back;
	char *s = copy_have_format(&h);

	(void)state;
	assert_string_equal(s, "k/1.5/7=1-3,5,7-8");
	assert_int_equal(copy_have_parse(s, &back), 0);
	assert_string_equal(back.key, "k/1.5/7");
	assert_int_equal(back.nids, 6);
	assert_int_equal(back.ids[5], 8);
	free(s);
	free(back.key);
	free(back.ids);
	h.nids = 0;
	s = copy_have_format(&h);
	assert_string_equal(s, "k/1.5/7=");
	assert_int_equal(copy_have_parse(s, &back), 0);
	assert_int_equal(back.nids, 0);
	free(back.key);
	free(s);
	for (const char *const *bad = (const char *const[]){ "k", "=1", "k=0", "k=3-1", "k=1,",
	    "k=x", "k=1-", "k=1;2", NULL }; *bad != NULL; bad++)
		assert_int_equal(copy_have_parse(*bad, &back), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_export, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_twice_and_two_devices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_undoes_all, setup, teardown),
		cmocka_unit_test(test_have_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
