/* db.c: every query benchctl makes of the benchd database, read-only, into plain structs. */
#include "db.h"

#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "xmalloc.h"

/* How long a read waits for the daemon's write transaction to end. */
#define DB_BUSY_MS	5000

/* The open database. */
struct db {
	sqlite3		*sql;
	char		*path;
	int		 timing;	/* the runs table has the columns of schema version 3 */
	int		 has_starts;	/* it has daemon_starts (older ones do not) */
	int		 has_pulled;	/* it has the tables of pulled plans (origins, ...) */
	int		 limits;	/* it has the run_limits table */
};

/* A statement's SQL, one per query the client makes. */
static const char db_sql_check[] =
    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
    "('plans', 'runs', 'stages', 'metrics', 'run_info', 'footprints')";

/*
 * Every plan with its counts of runs, its id as named (a pulled plan's is its
 * id on its machine), the name it was pulled by (NULL: this database's own)
 * and its machine: the host of the daemon start (here, or on its machine)
 * before it was submitted.
 */
#define DB_SQL_PLANS(ref, from, machine)					\
    "SELECT p.id, p.name, p.state, p.submitted_at, count(r.seq), "		\
    "    total(r.state IN ('ok', 'failed', 'timeout')), total(r.state = 'ok'), "	\
    ref ", " machine " "							\
    "FROM plans p " from " LEFT JOIN runs r ON r.plan_id = p.id AND r.attempt = "	\
    "    (SELECT max(attempt) FROM runs WHERE plan_id = r.plan_id AND seq = r.seq) "	\
    "GROUP BY p.id ORDER BY o.name IS NOT NULL, o.name, 8"

#define DB_SQL_HOST_AT(table, where)						\
    "(SELECT host FROM " table " WHERE " where "started_at <= p.submitted_at "	\
    "ORDER BY started_at DESC LIMIT 1)"

static const char db_sql_plans_pulled[] = DB_SQL_PLANS("coalesce(pp.origin_plan_id, p.id), o.name",
    "LEFT JOIN pulled_plans pp ON pp.plan_id = p.id LEFT JOIN origins o ON o.id = pp.origin_id",
    "CASE WHEN pp.plan_id IS NULL THEN " DB_SQL_HOST_AT("daemon_starts", "")
    " ELSE " DB_SQL_HOST_AT("origin_starts", "origin_id = pp.origin_id AND ") " END");
static const char db_sql_plans_starts[] = DB_SQL_PLANS("p.id, NULL",
    "LEFT JOIN (SELECT NULL AS name) o", DB_SQL_HOST_AT("daemon_starts", ""));
static const char db_sql_plans_old[] = DB_SQL_PLANS("p.id, NULL",
    "LEFT JOIN (SELECT NULL AS name) o", "NULL");

/* The newest plan of this database's own (not pulled from elsewhere). */
static const char db_sql_latest[] = "SELECT max(id) FROM plans";
static const char db_sql_latest_own[] =
    "SELECT max(id) FROM plans WHERE id NOT IN (SELECT plan_id FROM pulled_plans)";

/*
 * The plans HOST/ID may name among those pulled, newest first: pulled by the
 * name HOST, or from a machine of that host name, or from a database whose
 * key starts so; its id there ID (0: any).
 */
static const char db_sql_pulled_find[] =
    "SELECT pp.plan_id, o.key FROM pulled_plans pp "
    "JOIN origins o ON o.id = pp.origin_id JOIN plans p ON p.id = pp.plan_id "
    "WHERE (o.name = ?1 OR o.host = ?1 OR substr(o.key, 1, length(?1)) = ?1) "
    "    AND (?2 = 0 OR pp.origin_plan_id = ?2) "
    "ORDER BY p.submitted_at DESC, pp.origin_plan_id DESC";

/* A pulled plan's name, its id on its machine, and how its runs' ids moved. */
static const char db_sql_pulled_plan[] =
    "SELECT o.name, pp.origin_plan_id, pp.run_offset FROM pulled_plans pp "
    "JOIN origins o ON o.id = pp.origin_id WHERE pp.plan_id = ?1";

static const char db_sql_plan[] =
    "SELECT id, name, state, error, source_path, submitted_at, finished_at "
    "FROM plans WHERE id = ?1";

#define DB_SQL_RUNS(timing)							\
    "SELECT id, seq, attempt, condition, kind, cache_policy, cold_method, state, "	\
    "    error, cpus, cpu_governor, exit_code, term_signal, spawned_at, ended_at, "	\
    "    resident_before_pct, footprint_files, footprint_bytes, evict_ms, "	\
    "    user_cpu_s, sys_cpu_s, major_faults, minor_faults, inblock, max_rss_kb, "	\
    "    loadavg_1m, mem_free_kb, mem_cached_kb, " timing " "			\
    "FROM runs WHERE plan_id = ?1 ORDER BY seq, attempt"

/* Runs, from a database of schema version 3 on, and from an older one (no such columns). */
static const char db_sql_runs[] = DB_SQL_RUNS("spawn_late_ms, exit_late_ms, exit_window_ms, "
    "mapped_others_files, mapped_others_bytes, descendants_killed, position, sequence, profile, "
    "resident_after_pct, read_in_bytes");
static const char db_sql_runs_old[] = DB_SQL_RUNS("NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
    "NULL, NULL, NULL");

/* Whether the file is of schema version 3 on: the runs' newest column, and its new tables. */
static const char db_sql_timing[] =
    "SELECT (SELECT count(*) FROM pragma_table_info('runs') WHERE name = 'read_in_bytes') + "
    "(SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('read_in', "
    "'import_times'))";

static const char db_sql_read_in[] =
    "SELECT condition, position, path, runs, bytes FROM read_in WHERE plan_id = ?1 "
    "ORDER BY condition, position, bytes DESC, path";

static const char db_sql_imports[] =
    "SELECT i.run_id, i.module, i.depth, i.self_us, i.cumulative_us "
    "FROM import_times i JOIN runs r ON r.id = i.run_id WHERE r.plan_id = ?1 "
    "ORDER BY r.seq, r.attempt, i.seq";

static const char db_sql_stages[] =
    "SELECT s.run_id, s.name, s.start_s, s.end_s, s.duration_s "
    "FROM stages s JOIN runs r ON r.id = s.run_id WHERE r.plan_id = ?1 "
    "ORDER BY r.seq, r.attempt, s.start_s IS NULL, s.start_s, s.name";

static const char db_sql_metrics[] =
    "SELECT m.run_id, m.name, m.value, m.unit "
    "FROM metrics m JOIN runs r ON r.id = m.run_id WHERE r.plan_id = ?1 "
    "ORDER BY r.seq, r.attempt, m.name";

static const char db_sql_info[] =
    "SELECT i.run_id, i.key, i.value "
    "FROM run_info i JOIN runs r ON r.id = i.run_id WHERE r.plan_id = ?1 "
    "ORDER BY r.seq, r.attempt, i.rowid";

static const char db_sql_has_starts[] =
    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'daemon_starts'";

static const char db_sql_has_pulled[] =
    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('origins', "
    "'pulled_plans', 'origin_starts')";

/* The machine of each run: that of the latest daemon start before its spawn. */
#define DB_SQL_HOSTS(table, where)						\
    "SELECT d.host, d.machine_id FROM runs r JOIN " table " d ON d.rowid = "	\
    "    (SELECT rowid FROM " table " WHERE " where "started_at <= r.spawned_at "	\
    "     ORDER BY started_at DESC LIMIT 1) "					\
    "WHERE r.plan_id = ?1 AND r.spawned_at IS NOT NULL "			\
    "GROUP BY d.host, d.machine_id ORDER BY min(r.spawned_at)"

static const char db_sql_hosts[] = DB_SQL_HOSTS("daemon_starts", "");
/* A pulled plan's: the daemon starts recorded on its machine, as pulled with it. */
static const char db_sql_hosts_pulled[] = DB_SQL_HOSTS("origin_starts",
    "origin_id = (SELECT origin_id FROM pulled_plans WHERE plan_id = ?1) AND ");

static const char db_sql_has_limits[] =
    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'run_limits'";

static const char db_sql_limits[] =
    "SELECT l.run_id, l.profile, l.profile_source, l.limits_in, l.kill_by, l.disks, l.cpus, "
    "    l.read_bps, l.read_iops, l.memory_bytes, l.cpu_quota_us, l.cpu_period_us, "
    "    l.read_bytes, l.read_ios, l.cpu_periods, l.cpu_throttled, l.cpu_throttled_ms, "
    "    l.memory_peak_bytes, l.oom_kills, l.killed_at_end, l.move_ms "
    "FROM run_limits l JOIN runs r ON r.id = l.run_id WHERE r.plan_id = ?1 "
    "ORDER BY r.seq, r.attempt";

static const char db_sql_footprint[] =
    "SELECT count(*), total(shared), total(bytes), total(bytes * shared) FROM footprints"
    " WHERE plan_id = ?1";

/* Precision targets: a table from the schema after version 3, so it may not be there. */
static const char db_sql_has_stops[] =
    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'condition_stops'";
static const char db_sql_stops[] =
    "SELECT condition, kind, stage, compare_a, compare_b, goal, min_runs, max_runs, look_level, "
    "    runs, n, estimate, lo, hi, width, target, rule, stopped_at "
    "FROM condition_stops WHERE plan_id = ?1 ORDER BY condition";

/*
 * A file: URI for path, so that mode=ro applies: every byte outside the
 * unreserved set and '/' is percent-encoded (a '?' or '#' in a folder name
 * must not start the query).
 */
char *
db_uri(const char *path, const char *params)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t len = strlen(path), n = 0;
	char *uri, *out;

	out = xmalloc(len * 3 + 1);
	for (const unsigned char *p = (const unsigned char *)path; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/-._~", *p) != NULL)
			out[n++] = *p;
		else {
			out[n++] = '%';
			out[n++] = hex[*p >> 4];
			out[n++] = hex[*p & 15];
		}
	}
	out[n] = '\0';
	xasprintf(&uri, "file:%s?%s", out, params);
	free(out);
	return uri;
}

/* The one number a query gives into *n: SQLite's result code, SQLITE_ROW when there was one. */
static int
db_number(struct db *db, const char *sql, int *n)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = sqlite3_prepare_v2(db->sql, sql, -1, &stmt, NULL)) == SQLITE_OK &&
	    (rc = sqlite3_step(stmt)) == SQLITE_ROW)
		*n = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return rc;
}

/*
 * Open path with the given URI parameters, count benchd's tables, and see
 * which schema it has: 0 or -1 with *cause.
 */
static int
db_try_open(struct db *db, const char *params, int *tables, char **cause)
{
	char *uri = db_uri(db->path, params);
	int rc, n = 0;

	rc = sqlite3_open_v2(uri, &db->sql, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
	free(uri);
	if (rc != SQLITE_OK)
		goto fail;
	sqlite3_busy_timeout(db->sql, DB_BUSY_MS);
	if ((rc = db_number(db, db_sql_check, tables)) != SQLITE_ROW ||
	    (rc = db_number(db, db_sql_timing, &n)) != SQLITE_ROW)
		goto fail;
	db->timing = n == 3;
	if ((rc = db_number(db, db_sql_has_starts, &n)) != SQLITE_ROW)
		goto fail;
	db->has_starts = n > 0;
	if ((rc = db_number(db, db_sql_has_pulled, &n)) != SQLITE_ROW)
		goto fail;
	db->has_pulled = n == 3 && db->has_starts;
	if ((rc = db_number(db, db_sql_has_limits, &n)) != SQLITE_ROW)
		goto fail;
	db->limits = n > 0;
	return 0;
fail:
	xasprintf(cause, "%s: %s", db->path, db->sql != NULL ?
	    sqlite3_errmsg(db->sql) : sqlite3_errstr(rc));
	sqlite3_close(db->sql);
	db->sql = NULL;
	return -1;
}

/* Open the database read-only and check it is benchd's. */
struct db *
db_open(const char *path, char **cause)
{
	struct db *db;
	struct stat sb;
	int tables = 0;

	if (stat(path, &sb) != 0) {
		if (errno == ENOENT) {
			xasprintf(cause, "no database at %s (benchd makes it when it first "
			    "starts; --db PATH or $BENCHD_DB names another)", path);
		} else
			xasprintf(cause, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (!S_ISREG(sb.st_mode)) {
		xasprintf(cause, "%s: not a database file", path);
		return NULL;
	}
	db = xcalloc(1, sizeof *db);
	db->path = xstrdup(path);

	/*
	 * A WAL database needs its -shm file even to be read. When it is absent
	 * and cannot be made (a copy in a read-only folder), read the file as
	 * it is: it is not being written, since no daemon is using it there.
	 */
	if (db_try_open(db, "mode=ro", &tables, cause) != 0) {
		free(*cause);
		*cause = NULL;
		if (db_try_open(db, "mode=ro&immutable=1", &tables, cause) != 0)
			goto fail;
	}
	if (tables != 6) {
		xasprintf(cause, "%s: not a benchd database (it has no plans and runs "
		    "tables)", path);
		goto fail;
	}
	return db;
fail:
	db_close(db);
	return NULL;
}

/* Close the database; every statement is finalized by then. */
void
db_close(struct db *db)
{
	if (db == NULL)
		return;
	if (db->sql != NULL && sqlite3_close(db->sql) != SQLITE_OK)
		fatalx("sqlite3_close: a statement was left unfinalized");
	free(db->path);
	free(db);
}

/* Prepare sql, bound to plan id when it takes one: the statement, or NULL with *cause. */
static sqlite3_stmt *
db_prepare(struct db *db, const char *sql, long long id, char **cause)
{
	sqlite3_stmt *stmt;

	if (sqlite3_prepare_v2(db->sql, sql, -1, &stmt, NULL) != SQLITE_OK) {
		xasprintf(cause, "%s: %s", db->path, sqlite3_errmsg(db->sql));
		return NULL;
	}
	if (sqlite3_bind_parameter_count(stmt) > 0)
		sqlite3_bind_int64(stmt, 1, id);
	return stmt;
}

/* Step a statement: 1 for a row, 0 at the end, -1 with *cause on error. */
static int
db_step(struct db *db, sqlite3_stmt *stmt, char **cause)
{
	switch (sqlite3_step(stmt)) {
	case SQLITE_ROW:
		return 1;
	case SQLITE_DONE:
		return 0;
	default:
		xasprintf(cause, "%s: %s", db->path, sqlite3_errmsg(db->sql));
		return -1;
	}
}

/* Column i as a new string, NULL when NULL. */
static char *
db_text(sqlite3_stmt *stmt, int i)
{
	const unsigned char *s = sqlite3_column_text(stmt, i);

	return s != NULL ? xstrdup((const char *)s) : NULL;
}

/* Column i as a new string, "" when NULL (for NOT NULL columns). */
static char *
db_text_nn(sqlite3_stmt *stmt, int i)
{
	char *s = db_text(stmt, i);

	return s != NULL ? s : xstrdup("");
}

/* Column i as a number, NaN when NULL. */
static double
db_real(sqlite3_stmt *stmt, int i)
{
	if (sqlite3_column_type(stmt, i) == SQLITE_NULL)
		return NAN;
	return sqlite3_column_double(stmt, i);
}

/* Make room for one more element in *v (of n, capacity *cap). */
static void *
db_grow(void *v, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return v;
	*cap = *cap == 0 ? 8 : *cap * 2;
	return xreallocarray(v, *cap, size);
}

/* Every plan with its counts of runs. */
int
db_plans(struct db *db, struct db_plan_row **rows, size_t *nrows, char **cause)
{
	sqlite3_stmt *stmt;
	struct db_plan_row *v = NULL, *r;
	size_t n = 0, cap = 0;
	int rc;

	if ((stmt = db_prepare(db, db->has_pulled ? db_sql_plans_pulled : db->has_starts ?
	    db_sql_plans_starts : db_sql_plans_old, 0, cause)) == NULL)
		return -1;
	while ((rc = db_step(db, stmt, cause)) == 1) {
		v = db_grow(v, n, &cap, sizeof *v);
		r = &v[n++];
		r->name = db_text_nn(stmt, 1);
		r->state = db_text_nn(stmt, 2);
		r->submitted_at = db_real(stmt, 3);
		r->runs_total = sqlite3_column_int64(stmt, 4);
		r->runs_done = sqlite3_column_int64(stmt, 5);
		r->runs_ok = sqlite3_column_int64(stmt, 6);
		r->id = sqlite3_column_int64(stmt, 7);
		r->origin = db_text(stmt, 8);
		r->machine = db_text(stmt, 9);
	}
	sqlite3_finalize(stmt);
	if (rc == -1) {
		db_plan_rows_free(v, n);
		return -1;
	}
	*rows = v;
	*nrows = n;
	return 0;
}

/* Free what db_plans returned. */
void
db_plan_rows_free(struct db_plan_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].name);
		free(rows[i].state);
		free(rows[i].origin);
		free(rows[i].machine);
	}
	free(rows);
}

/* The newest plan's id: 1, 0 when there is none, -1 with *cause. */
int
db_plan_latest(struct db *db, long long *id, char **cause)
{
	sqlite3_stmt *stmt;
	int rc;

	if ((stmt = db_prepare(db, db->has_pulled ? db_sql_latest_own : db_sql_latest, 0,
	    cause)) == NULL)
		return -1;
	if ((rc = db_step(db, stmt, cause)) == 1) {
		rc = sqlite3_column_type(stmt, 0) != SQLITE_NULL;
		*id = sqlite3_column_int64(stmt, 0);
	}
	sqlite3_finalize(stmt);
	return rc;
}

/* The plan HOST/ID names among the pulled ones: 1 and its id here, 0 when none, -1 with *cause. */
int
db_pulled_find(struct db *db, const char *machine, long long id, long long *db_id, char **cause)
{
	sqlite3_stmt *stmt;
	char *key = NULL;
	int rc;

	if (!db->has_pulled)
		return 0;
	if ((stmt = db_prepare(db, db_sql_pulled_find, 0, cause)) == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, machine, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, id);
	if ((rc = db_step(db, stmt, cause)) == 1) {
		*db_id = sqlite3_column_int64(stmt, 0);
		key = db_text_nn(stmt, 1);
		/* With an id, two databases pulled under one name may both have it. */
		while (id != 0 && (rc = db_step(db, stmt, cause)) == 1) {
			if (strcmp(key, (const char *)sqlite3_column_text(stmt, 1)) != 0) {
				xasprintf(cause, "%s/%lld is in two databases pulled as %s (keys "
				    "%s and %s); name it by the start of its key instead: "
				    "KEY/%lld", machine, id, machine, key,
				    sqlite3_column_text(stmt, 1), id);
				rc = -1;
				break;
			}
		}
		if (rc == 0 || id == 0)
			rc = 1;
	}
	free(key);
	sqlite3_finalize(stmt);
	return rc;
}

/* Fill a run from a row of db_sql_runs. */
static void
db_run_read(sqlite3_stmt *stmt, struct db_run *r)
{
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(stmt, 0);
	r->seq = sqlite3_column_int64(stmt, 1);
	r->attempt = sqlite3_column_int64(stmt, 2);
	r->condition = db_text_nn(stmt, 3);
	r->kind = db_text_nn(stmt, 4);
	r->cache_policy = db_text_nn(stmt, 5);
	r->cold_method = db_text(stmt, 6);
	r->state = db_text_nn(stmt, 7);
	r->error = db_text(stmt, 8);
	r->cpus = db_text(stmt, 9);
	r->cpu_governor = db_text(stmt, 10);
	r->exit_code = db_real(stmt, 11);
	r->term_signal = db_real(stmt, 12);
	r->spawned_at = db_real(stmt, 13);
	r->ended_at = db_real(stmt, 14);
	r->resident_before_pct = db_real(stmt, 15);
	r->footprint_files = db_real(stmt, 16);
	r->footprint_bytes = db_real(stmt, 17);
	r->evict_ms = db_real(stmt, 18);
	r->user_cpu_s = db_real(stmt, 19);
	r->sys_cpu_s = db_real(stmt, 20);
	r->major_faults = db_real(stmt, 21);
	r->minor_faults = db_real(stmt, 22);
	r->inblock = db_real(stmt, 23);
	r->max_rss_kb = db_real(stmt, 24);
	r->loadavg_1m = db_real(stmt, 25);
	r->mem_free_kb = db_real(stmt, 26);
	r->mem_cached_kb = db_real(stmt, 27);
	r->spawn_late_ms = db_real(stmt, 28);
	r->exit_late_ms = db_real(stmt, 29);
	r->exit_window_ms = db_real(stmt, 30);
	r->mapped_others_files = db_real(stmt, 31);
	r->mapped_others_bytes = db_real(stmt, 32);
	r->descendants_killed = db_real(stmt, 33);
	r->position = db_real(stmt, 34);
	r->sequence = db_real(stmt, 35);
	r->profile = db_text(stmt, 36);
	r->resident_after_pct = db_real(stmt, 37);
	r->read_in_bytes = db_real(stmt, 38);
}

/*
 * The run with this id. The detail queries come in the runs' own order, so
 * *hint (the last index found) is almost always the answer.
 */
static struct db_run *
db_run_find(struct db_plan *p, long long id, size_t *hint)
{
	for (size_t k = 0; k < p->nruns; k++) {
		size_t i = (*hint + k) % p->nruns;

		if (p->runs[i].id == id) {
			*hint = i;
			return &p->runs[i];
		}
	}
	return NULL;
}

/* Add name to a list of names unless it is there already. */
static void
db_name_add(char ***names, size_t *n, size_t *cap, const char *name)
{
	for (size_t i = 0; i < *n; i++) {
		if (strcmp((*names)[i], name) == 0)
			return;
	}
	*names = db_grow(*names, *n, cap, sizeof **names);
	(*names)[(*n)++] = xstrdup(name);
}

/* Move the name at index from to index to, shifting those between. */
static void
db_name_move(char **names, size_t from, size_t to)
{
	char *name = names[from];

	if (from < to)
		memmove(&names[from], &names[from + 1], (to - from) * sizeof *names);
	else
		memmove(&names[to + 1], &names[to], (from - to) * sizeof *names);
	names[to] = name;
}

/* Put launch first and total last in the plan's list of stages. */
static void
db_stages_order(struct db_plan *p)
{
	for (size_t i = 0; i < p->nstages; i++) {
		if (strcmp(p->stages[i], "launch") == 0) {
			db_name_move(p->stages, i, 0);
			break;
		}
	}
	for (size_t i = 0; i < p->nstages; i++) {
		if (strcmp(p->stages[i], "total") == 0) {
			db_name_move(p->stages, i, p->nstages - 1);
			break;
		}
	}
}

/* Append a row of db_sql_stages to its run's stages (capacity *cap). */
static void
db_add_stage(struct db_run *r, sqlite3_stmt *stmt, size_t *cap)
{
	struct db_stage *s;

	r->stages = db_grow(r->stages, r->nstages, cap, sizeof *r->stages);
	s = &r->stages[r->nstages++];
	s->name = db_text_nn(stmt, 1);
	s->start_s = db_real(stmt, 2);
	s->end_s = db_real(stmt, 3);
	s->duration_s = db_real(stmt, 4);
}

/* Append a row of db_sql_metrics to its run's metrics (capacity *cap). */
static void
db_add_metric(struct db_run *r, sqlite3_stmt *stmt, size_t *cap)
{
	struct db_metric *m;

	r->metrics = db_grow(r->metrics, r->nmetrics, cap, sizeof *r->metrics);
	m = &r->metrics[r->nmetrics++];
	m->name = db_text_nn(stmt, 1);
	m->value = db_real(stmt, 2);
	m->unit = db_text(stmt, 3);
}

/* Append a row of db_sql_info to its run's runtime info (capacity *cap). */
static void
db_add_info(struct db_run *r, sqlite3_stmt *stmt, size_t *cap)
{
	struct db_kv *kv;

	r->info = db_grow(r->info, r->ninfo, cap, sizeof *r->info);
	kv = &r->info[r->ninfo++];
	kv->key = db_text_nn(stmt, 1);
	kv->value = db_text_nn(stmt, 2);
}

/* Append a row of db_sql_imports to its run's modules (capacity *cap). */
static void
db_add_import(struct db_run *r, sqlite3_stmt *stmt, size_t *cap)
{
	struct db_import *x;

	r->imports = db_grow(r->imports, r->nimports, cap, sizeof *r->imports);
	x = &r->imports[r->nimports++];
	x->module = db_text_nn(stmt, 1);
	x->depth = sqlite3_column_int(stmt, 2);
	x->self_us = sqlite3_column_double(stmt, 3);
	x->cumulative_us = sqlite3_column_double(stmt, 4);
}

/* Set a run's group from a row of db_sql_limits (one row per run: cap is unused). */
static void
db_add_limits(struct db_run *r, sqlite3_stmt *stmt, size_t *cap)
{
	struct db_limits *l;

	(void)cap;
	if (r->limits != NULL)
		return;
	l = r->limits = xcalloc(1, sizeof *r->limits);
	l->profile = db_text(stmt, 1);
	l->profile_source = db_text(stmt, 2);
	l->limits_in = db_text(stmt, 3);
	l->kill_by = db_text(stmt, 4);
	l->disks = db_text(stmt, 5);
	l->cpus = db_text(stmt, 6);
	l->read_bps = db_real(stmt, 7);
	l->read_iops = db_real(stmt, 8);
	l->memory_bytes = db_real(stmt, 9);
	l->cpu_quota_us = db_real(stmt, 10);
	l->cpu_period_us = db_real(stmt, 11);
	l->read_bytes = db_real(stmt, 12);
	l->read_ios = db_real(stmt, 13);
	l->cpu_periods = db_real(stmt, 14);
	l->cpu_throttled = db_real(stmt, 15);
	l->cpu_throttled_ms = db_real(stmt, 16);
	l->memory_peak_bytes = db_real(stmt, 17);
	l->oom_kills = db_real(stmt, 18);
	l->killed_at_end = db_real(stmt, 19);
	l->move_ms = db_real(stmt, 20);
}

/*
 * Read one kind of detail of every run of the plan: each row of sql (its
 * column 0 a run's id, rows in the runs' order) is handed to add with that
 * run and the capacity of the run's list. Returns 0, or -1 with *cause.
 */
static int
db_load_details(struct db *db, struct db_plan *p, const char *sql,
    void (*add)(struct db_run *, sqlite3_stmt *, size_t *), char **cause)
{
	sqlite3_stmt *stmt;
	struct db_run *r;
	size_t hint = 0, cap = 0;
	long long last = -1;
	int rc;

	if ((stmt = db_prepare(db, sql, p->db_id, cause)) == NULL)
		return -1;
	while ((rc = db_step(db, stmt, cause)) == 1) {
		if ((r = db_run_find(p, sqlite3_column_int64(stmt, 0), &hint)) == NULL)
			continue;
		if (r->id != last) {
			cap = 0;
			last = r->id;
		}
		add(r, stmt, &cap);
	}
	sqlite3_finalize(stmt);
	return rc;
}

/* List every stage name the runs have, in the order first seen, launch first and total last. */
static void
db_stages_list(struct db_plan *p)
{
	size_t cap = 0;

	for (size_t i = 0; i < p->nruns; i++) {
		for (size_t k = 0; k < p->runs[i].nstages; k++)
			db_name_add(&p->stages, &p->nstages, &cap, p->runs[i].stages[k].name);
	}
	db_stages_order(p);
}

/* Read the plan's runs, in the order they ran, and the conditions in first-run order. */
static int
db_load_runs(struct db *db, struct db_plan *p, char **cause)
{
	sqlite3_stmt *stmt;
	size_t cap = 0, ccap = 0;
	int rc;

	if ((stmt = db_prepare(db, db->timing ? db_sql_runs : db_sql_runs_old, p->db_id,
	    cause)) == NULL)
		return -1;
	while ((rc = db_step(db, stmt, cause)) == 1) {
		p->runs = db_grow(p->runs, p->nruns, &cap, sizeof *p->runs);
		db_run_read(stmt, &p->runs[p->nruns]);
		db_name_add(&p->conditions, &p->nconditions, &ccap,
		    p->runs[p->nruns].condition);
		p->nruns++;
	}
	sqlite3_finalize(stmt);
	return rc;
}

/* Read the plan's footprint counts. */
static int
db_load_footprint(struct db *db, struct db_plan *p, char **cause)
{
	sqlite3_stmt *stmt;
	int rc;

	if ((stmt = db_prepare(db, db_sql_footprint, p->db_id, cause)) == NULL)
		return -1;
	if ((rc = db_step(db, stmt, cause)) == 1) {
		p->footprint_files = sqlite3_column_int64(stmt, 0);
		p->footprint_shared = sqlite3_column_int64(stmt, 1);
		p->footprint_bytes = sqlite3_column_double(stmt, 2);
		p->footprint_shared_bytes = sqlite3_column_double(stmt, 3);
		rc = 0;
	}
	sqlite3_finalize(stmt);
	return rc;
}

/* Load what the plan's runs read in, file by file, per condition and position. */
static int
db_load_read_in(struct db *db, struct db_plan *p, char **cause)
{
	sqlite3_stmt *stmt;
	size_t cap = 0;
	int rc;

	if ((stmt = db_prepare(db, db_sql_read_in, p->db_id, cause)) == NULL)
		return -1;
	while ((rc = db_step(db, stmt, cause)) == 1) {
		struct db_read_in *x;

		p->reads = db_grow(p->reads, p->nreads, &cap, sizeof *p->reads);
		x = &p->reads[p->nreads++];
		x->condition = db_text_nn(stmt, 0);
		x->position = sqlite3_column_int(stmt, 1);
		x->path = db_text_nn(stmt, 2);
		x->runs = sqlite3_column_int64(stmt, 3);
		x->bytes = sqlite3_column_double(stmt, 4);
	}
	sqlite3_finalize(stmt);
	return rc < 0 ? -1 : 0;
}

/* A pulled plan's origin and its id there, and the reference that names it: "3", "phone/3". */
static int
db_load_origin(struct db *db, struct db_plan *p, char **cause)
{
	sqlite3_stmt *stmt;
	int rc = 0;

	if (db->has_pulled) {
		if ((stmt = db_prepare(db, db_sql_pulled_plan, p->db_id, cause)) == NULL)
			return -1;
		if ((rc = db_step(db, stmt, cause)) == 1) {
			p->origin = db_text_nn(stmt, 0);
			p->id = sqlite3_column_int64(stmt, 1);
			p->run_offset = sqlite3_column_int64(stmt, 2);
			rc = 0;
		}
		sqlite3_finalize(stmt);
	}
	if (p->origin != NULL)
		xasprintf(&p->ref, "%s/%lld", p->origin, p->id);
	else
		xasprintf(&p->ref, "%lld", p->id);
	return rc;
}

/* Read the machines the plan's runs ran on, when the database records them. */
static int
db_load_hosts(struct db *db, struct db_plan *p, char **cause)
{
	sqlite3_stmt *stmt;
	size_t cap = 0;
	int rc;

	if (!db->has_starts)
		return 0;
	if ((stmt = db_prepare(db, p->origin != NULL ? db_sql_hosts_pulled : db_sql_hosts,
	    p->db_id, cause)) == NULL)
		return -1;
	while ((rc = db_step(db, stmt, cause)) == 1) {
		p->hosts = db_grow(p->hosts, p->nhosts, &cap, sizeof *p->hosts);
		p->hosts[p->nhosts].host = db_text(stmt, 0);
		p->hosts[p->nhosts++].machine_id = db_text(stmt, 1);
	}
	sqlite3_finalize(stmt);
	return rc < 0 ? -1 : 0;
}

/* Read the plan's precision targets, when the database has them. */
static int
db_load_stops(struct db *db, struct db_plan *p, char **cause)
{
	sqlite3_stmt *stmt;
	struct db_stop *t;
	size_t cap = 0;
	int rc;

	if ((stmt = db_prepare(db, db_sql_has_stops, 0, cause)) == NULL)
		return -1;
	rc = db_step(db, stmt, cause);
	if (rc == 1 && sqlite3_column_int(stmt, 0) == 0)
		rc = 0;
	sqlite3_finalize(stmt);
	if (rc != 1)
		return rc;
	if ((stmt = db_prepare(db, db_sql_stops, p->db_id, cause)) == NULL)
		return -1;
	while ((rc = db_step(db, stmt, cause)) == 1) {
		p->stops = db_grow(p->stops, p->nstops, &cap, sizeof *p->stops);
		t = &p->stops[p->nstops++];
		*t = (struct db_stop){ db_text_nn(stmt, 0), db_text_nn(stmt, 1), db_text_nn(stmt, 2),
		    db_text(stmt, 3), db_text(stmt, 4), db_text_nn(stmt, 5), db_real(stmt, 6),
		    db_real(stmt, 7), db_real(stmt, 8), db_real(stmt, 9), db_real(stmt, 10),
		    db_real(stmt, 11), db_real(stmt, 12), db_real(stmt, 13), db_real(stmt, 14),
		    db_real(stmt, 15), db_text(stmt, 16), db_real(stmt, 17) };
	}
	sqlite3_finalize(stmt);
	return rc;
}

/* The precision target of one condition, or NULL. */
const struct db_stop *
db_plan_stop(const struct db_plan *p, const char *condition)
{
	for (size_t i = 0; i < p->nstops; i++) {
		if (strcmp(p->stops[i].condition, condition) == 0)
			return &p->stops[i];
	}
	return NULL;
}

/*
 * Load a plan and everything about its runs. The queries run inside one read
 * transaction, so a run the daemon records meanwhile is either all there or
 * not at all.
 */
int
db_plan_load(struct db *db, long long id, struct db_plan **out, char **cause)
{
	sqlite3_stmt *stmt = NULL;
	struct db_plan *p = NULL;
	int rc;

	if (sqlite3_exec(db->sql, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		xasprintf(cause, "%s: %s", db->path, sqlite3_errmsg(db->sql));
		return -1;
	}
	if ((stmt = db_prepare(db, db_sql_plan, id, cause)) == NULL)
		goto fail;
	if ((rc = db_step(db, stmt, cause)) != 1) {
		sqlite3_finalize(stmt);
		sqlite3_exec(db->sql, "COMMIT", NULL, NULL, NULL);
		return rc;
	}
	p = xcalloc(1, sizeof *p);
	p->id = p->db_id = sqlite3_column_int64(stmt, 0);
	p->name = db_text_nn(stmt, 1);
	p->state = db_text_nn(stmt, 2);
	p->error = db_text(stmt, 3);
	p->source_path = db_text_nn(stmt, 4);
	p->submitted_at = db_real(stmt, 5);
	p->finished_at = db_real(stmt, 6);
	sqlite3_finalize(stmt);

	if (db_load_origin(db, p, cause) != 0 || db_load_runs(db, p, cause) != 0 ||
	    db_load_details(db, p, db_sql_stages, db_add_stage, cause) != 0 ||
	    db_load_details(db, p, db_sql_metrics, db_add_metric, cause) != 0 ||
	    db_load_details(db, p, db_sql_info, db_add_info, cause) != 0 ||
	    db_load_footprint(db, p, cause) != 0 || db_load_hosts(db, p, cause) != 0 ||
	    (db->timing && (db_load_read_in(db, p, cause) != 0 ||
	    db_load_details(db, p, db_sql_imports, db_add_import, cause) != 0)) ||
	    db_load_stops(db, p, cause) != 0 ||
	    (db->limits && db_load_details(db, p, db_sql_limits, db_add_limits, cause) != 0))
		goto fail;
	db_stages_list(p);
	/* A pulled plan's runs are shown by their ids on its machine. */
	for (size_t i = 0; i < p->nruns; i++)
		p->runs[i].id -= p->run_offset;
	sqlite3_exec(db->sql, "COMMIT", NULL, NULL, NULL);
	*out = p;
	return 1;
fail:
	sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
	db_plan_free(p);
	return -1;
}

/* Free one run's strings and lists. */
static void
db_run_clear(struct db_run *r)
{
	free(r->condition);
	free(r->kind);
	free(r->cache_policy);
	free(r->cold_method);
	free(r->state);
	free(r->error);
	free(r->cpus);
	free(r->cpu_governor);
	free(r->profile);
	for (size_t i = 0; i < r->nimports; i++)
		free(r->imports[i].module);
	free(r->imports);
	for (size_t i = 0; i < r->nstages; i++)
		free(r->stages[i].name);
	free(r->stages);
	for (size_t i = 0; i < r->nmetrics; i++) {
		free(r->metrics[i].name);
		free(r->metrics[i].unit);
	}
	free(r->metrics);
	for (size_t i = 0; i < r->ninfo; i++) {
		free(r->info[i].key);
		free(r->info[i].value);
	}
	free(r->info);
	if (r->limits != NULL) {
		free(r->limits->profile);
		free(r->limits->profile_source);
		free(r->limits->limits_in);
		free(r->limits->kill_by);
		free(r->limits->disks);
		free(r->limits->cpus);
		free(r->limits);
	}
}

/* Free a loaded plan. */
void
db_plan_free(struct db_plan *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->nruns; i++)
		db_run_clear(&p->runs[i]);
	free(p->runs);
	for (size_t i = 0; i < p->nstages; i++)
		free(p->stages[i]);
	free(p->stages);
	for (size_t i = 0; i < p->nconditions; i++)
		free(p->conditions[i]);
	free(p->conditions);
	for (size_t i = 0; i < p->nreads; i++) {
		free(p->reads[i].condition);
		free(p->reads[i].path);
	}
	free(p->reads);
	for (size_t i = 0; i < p->nhosts; i++) {
		free(p->hosts[i].host);
		free(p->hosts[i].machine_id);
	}
	free(p->hosts);
	for (size_t i = 0; i < p->nstops; i++) {
		free(p->stops[i].condition);
		free(p->stops[i].kind);
		free(p->stops[i].stage);
		free(p->stops[i].compare_a);
		free(p->stops[i].compare_b);
		free(p->stops[i].goal);
		free(p->stops[i].rule);
	}
	free(p->stops);
	free(p->ref);
	free(p->origin);
	free(p->name);
	free(p->state);
	free(p->error);
	free(p->source_path);
	free(p);
}

/* A run's stage duration, or NaN. */
double
db_run_stage(const struct db_run *r, const char *name)
{
	for (size_t i = 0; i < r->nstages; i++) {
		if (strcmp(r->stages[i].name, name) == 0)
			return r->stages[i].duration_s;
	}
	return NAN;
}

/* A run's metric, or NaN. */
double
db_run_metric(const struct db_run *r, const char *name)
{
	for (size_t i = 0; i < r->nmetrics; i++) {
		if (strcmp(r->metrics[i].name, name) == 0)
			return r->metrics[i].value;
	}
	return NAN;
}

/* A run's runtime info line, or NULL. */
const char *
db_run_info(const struct db_run *r, const char *key)
{
	for (size_t i = 0; i < r->ninfo; i++) {
		if (strcmp(r->info[i].key, key) == 0)
			return r->info[i].value;
	}
	return NULL;
}
