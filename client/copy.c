/* copy.c: finished plans copied whole between benchd databases: a device's snapshot of them, and its merge here in one transaction. */
#include "copy.h"

#include <errno.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "log.h"
#include "xmalloc.h"

/* How long a write waits for another's transaction (a second pull) to end. */
#define COPY_BUSY_MS	5000

/* A plan that has ended, with nothing of it left to run: the only kind copied. */
#define COPY_FINISHED(s)							\
    "p.state IN ('done', 'cancelled', 'failed') AND NOT EXISTS (SELECT 1 FROM "	\
    s ".runs r WHERE r.plan_id = p.id AND r.state IN ('pending', 'running'))"

/* The key of the database attached as s: its first daemon start. */
#define COPY_SQL_KEY(s)								\
    "SELECT coalesce(machine_id, host, '') || '/' || printf('%.6f', started_at) || '/' "	\
    "|| pid FROM " s ".daemon_starts ORDER BY started_at, rowid LIMIT 1"

/* The tables of pulled plans' bookkeeping: never copied from a snapshot. */
static const char *const copy_own_tables[] = { "origins", "pulled_plans", "origin_starts" };

/* A list of names. */
struct copy_names {
	char	**v;
	size_t	  n;
};

/* Free a list of names. */
static void
copy_names_free(struct copy_names *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Whether the list holds name. */
static int
copy_names_has(const struct copy_names *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->v[i], name) == 0)
			return 1;
	}
	return 0;
}

/* Whether a table is the bookkeeping of pulled plans. */
static int
copy_own(const char *table)
{
	for (size_t i = 0; i < sizeof copy_own_tables / sizeof copy_own_tables[0]; i++) {
		if (strcmp(table, copy_own_tables[i]) == 0)
			return 1;
	}
	return 0;
}

/* Fill *cause with SQLite's latest complaint on one line (a CHECK's text may span several), after what was being done. */
static int
copy_fail(sqlite3 *db, const char *doing, char **cause)
{
	char *o;

	xasprintf(cause, "%s: %s", doing, sqlite3_errmsg(db));
	o = *cause;
	for (const char *p = *cause; *p != '\0'; p++) {
		if (strchr(" \t\r\n", *p) == NULL)
			*o++ = *p;
		else if (o == *cause || o[-1] != ' ')
			*o++ = ' ';
	}
	*o = '\0';
	return -1;
}

/* Run SQL with no parameters and no rows: 0, or -1 with *cause. */
static int
copy_exec(sqlite3 *db, const char *sql, char **cause)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return copy_fail(db, "copying plans", cause);
	return 0;
}

/*
 * Prepare sql, binding ?1 to text1 (when not NULL), the named parameters
 * :origin, :poff, :roff and :version that it has to ints[0] to ints[3] (when
 * not NULL), and :now to now. NULL with *cause.
 */
static sqlite3_stmt *
copy_prepare(sqlite3 *db, const char *sql, const char *text1, const long long *ints,
    double now, char **cause)
{
	static const char *const names[] = { ":origin", ":poff", ":roff", ":version" };
	sqlite3_stmt *stmt;
	int i;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		copy_fail(db, "copying plans", cause);
		return NULL;
	}
	if (text1 != NULL)
		sqlite3_bind_text(stmt, 1, text1, -1, SQLITE_TRANSIENT);
	for (size_t k = 0; ints != NULL && k < sizeof names / sizeof names[0]; k++) {
		if ((i = sqlite3_bind_parameter_index(stmt, names[k])) > 0)
			sqlite3_bind_int64(stmt, i, ints[k]);
	}
	if ((i = sqlite3_bind_parameter_index(stmt, ":now")) > 0)
		sqlite3_bind_double(stmt, i, now);
	return stmt;
}

/* Run a statement to its end: 0, or -1 with *cause; it is finalized. */
static int
copy_run(sqlite3 *db, sqlite3_stmt *stmt, char **cause)
{
	int rc = sqlite3_step(stmt);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		copy_fail(db, "copying plans", cause);
		sqlite3_finalize(stmt);
		return -1;
	}
	sqlite3_finalize(stmt);
	return 0;
}

/* The first column of the first row of sql (?1 bound to text1) as a new string (NULL: none), 0 or -1. */
static int
copy_text(sqlite3 *db, const char *sql, const char *text1, char **out, char **cause)
{
	sqlite3_stmt *stmt;
	const unsigned char *s;
	int rc;

	*out = NULL;
	if ((stmt = copy_prepare(db, sql, text1, NULL, 0, cause)) == NULL)
		return -1;
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW && (s = sqlite3_column_text(stmt, 0)) != NULL)
		*out = xstrdup((const char *)s);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return copy_fail(db, "reading a database", cause);
	return 0;
}

/* The first column of the first row of sql as a number (0 when NULL or none), 0 or -1. */
static int
copy_number(sqlite3 *db, const char *sql, const long long *ints, long long *out, char **cause)
{
	sqlite3_stmt *stmt;
	int rc;

	*out = 0;
	if ((stmt = copy_prepare(db, sql, NULL, ints, 0, cause)) == NULL)
		return -1;
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		*out = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return copy_fail(db, "reading a database", cause);
	return 0;
}

/* An identifier quoted for SQL: "name", inner quotes doubled. The caller frees it. */
static char *
copy_ident(const char *name)
{
	char *q = xmalloc(strlen(name) * 2 + 3), *o = q;

	*o++ = '"';
	for (; *name != '\0'; name++) {
		if (*name == '"')
			*o++ = '"';
		*o++ = *name;
	}
	*o++ = '"';
	*o = '\0';
	return q;
}

/* The names of rows of sql (?1 bound to text1): 0 and *l, or -1 with *cause. */
static int
copy_list(sqlite3 *db, const char *sql, const char *text1, struct copy_names *l, char **cause)
{
	sqlite3_stmt *stmt;
	int rc;

	l->v = NULL;
	l->n = 0;
	if ((stmt = copy_prepare(db, sql, text1, NULL, 0, cause)) == NULL)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
		l->v[l->n++] = xstrdup((const char *)sqlite3_column_text(stmt, 0));
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE) {
		copy_names_free(l);
		return copy_fail(db, "reading a database's schema", cause);
	}
	return 0;
}

/* The tables of the database attached as schema (SQLite's own left out). */
static int
copy_tables(sqlite3 *db, const char *schema, struct copy_names *l, char **cause)
{
	char *sql;
	int rc;

	xasprintf(&sql, "SELECT name FROM %s.sqlite_master WHERE type = 'table' AND name NOT "
	    "LIKE 'sqlite\\_%%' ESCAPE '\\' ORDER BY name", schema);
	rc = copy_list(db, sql, NULL, l, cause);
	free(sql);
	return rc;
}

/* The columns of a table of the database attached as schema, in their order. */
static int
copy_columns(sqlite3 *db, const char *schema, const char *table, struct copy_names *l,
    char **cause)
{
	char *sql;
	int rc;

	xasprintf(&sql, "SELECT name FROM pragma_table_info(?1, '%s') ORDER BY cid", schema);
	rc = copy_list(db, sql, table, l, cause);
	free(sql);
	return rc;
}

/* Whether a table of schema has a rowid (its rows' order, run_info's, is in it). */
static int
copy_has_rowid(sqlite3 *db, const char *schema, const char *table)
{
	sqlite3_stmt *stmt;
	char *sql, *q = copy_ident(table);
	int ok;

	xasprintf(&sql, "SELECT rowid FROM %s.%s LIMIT 0", schema, q);
	ok = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK;
	sqlite3_finalize(stmt);
	free(sql);
	free(q);
	return ok;
}

/* A database's schema version, PRAGMA user_version. */
static int
copy_version(sqlite3 *db, const char *schema, int *version, char **cause)
{
	char *sql;
	long long v;
	int rc;

	xasprintf(&sql, "PRAGMA %s.user_version", schema);
	rc = copy_number(db, sql, NULL, &v, cause);
	free(sql);
	*version = (int)v;
	return rc;
}

/*
 * Open path (made when create) read-write with URIs allowed, for attaching a
 * database read-only beside it: the connection, or NULL with *cause.
 */
static sqlite3 *
copy_open(const char *path, int create, char **cause)
{
	sqlite3 *db = NULL;
	char *uri = db_uri(path, create ? "mode=rwc" : "mode=rw");
	int rc;

	rc = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) |
	    SQLITE_OPEN_URI, NULL);
	free(uri);
	if (rc != SQLITE_OK) {
		xasprintf(cause, "%s: %s", path, db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, COPY_BUSY_MS);
	return db;
}

/* Attach the database at path read-only as schema, and check it is benchd's: 0, or -1 with *cause. */
static int
copy_attach(sqlite3 *db, const char *path, const char *schema, const char *what, char **cause)
{
	sqlite3_stmt *stmt;
	char *sql, *uri = db_uri(path, "mode=ro");
	long long n;
	int rc;

	xasprintf(&sql, "ATTACH DATABASE ?1 AS %s", schema);
	stmt = copy_prepare(db, sql, uri, NULL, 0, cause);
	free(sql);
	free(uri);
	if (stmt == NULL)
		return -1;
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE) {
		xasprintf(cause, "%s: %s", what, sqlite3_errmsg(db));
		sqlite3_finalize(stmt);
		return -1;
	}
	sqlite3_finalize(stmt);
	xasprintf(&sql, "SELECT count(*) FROM %s.sqlite_master WHERE type = 'table' AND name IN "
	    "('plans', 'runs', 'daemon_starts')", schema);
	rc = copy_number(db, sql, NULL, &n, cause);
	free(sql);
	if (rc != 0) {
		free(*cause);
		xasprintf(cause, "%s: not a database (%s)", what, sqlite3_errmsg(db));
		return -1;
	}
	if (n != 3) {
		xasprintf(cause, "%s is not a benchd database of schema version 3 or later (it has "
		    "no plans, runs and daemon_starts tables)", what);
		return -1;
	}
	return 0;
}

/* The key of the database attached as schema: 0 and *key, or -1 with *cause when it has no daemon start. */
static int
copy_key(sqlite3 *db, const char *schema, const char *what, char **key, char **cause)
{
	char *sql;
	int rc;

	if (strcmp(schema, "src") == 0)
		sql = xstrdup(COPY_SQL_KEY("src"));
	else
		sql = xstrdup(COPY_SQL_KEY("snap"));
	rc = copy_text(db, sql, NULL, key, cause);
	free(sql);
	if (rc == 0 && *key == NULL) {
		xasprintf(cause, "%s records no daemon start, by which pulled databases are told "
		    "apart; start benchd on it once", what);
		rc = -1;
	}
	return rc;
}

/*
 * Copy the rows of table that are the selected plans' from one schema into
 * another: the selected plans are those of sel (a query of their ids in the
 * source's numbering); with map, every id, plan_id and run_id is moved by
 * :poff and :roff (copy_merge), else the rows are copied as they are and
 * the target table has the source's columns in the same order.
 */
static int
copy_table(sqlite3 *db, const char *from, const char *to, const char *table, const char *sel,
    int map, const long long *ints, long long *rows, char **cause)
{
	struct copy_names cols;
	char *sql = NULL, *list = xstrdup(""), *exprs = xstrdup(""), *tmp, *q, *where = NULL;
	int is_plans = strcmp(table, "plans") == 0, is_runs = strcmp(table, "runs") == 0;
	int rc = -1, has_run = 0, has_plan = 0;
	sqlite3_stmt *stmt;

	*rows = 0;
	if (copy_columns(db, from, table, &cols, cause) != 0) {
		free(list);
		free(exprs);
		return -1;
	}
	for (size_t i = 0; i < cols.n; i++) {
		const char *c = cols.v[i], *e;

		q = copy_ident(c);
		if (strcmp(c, "run_id") == 0 || (is_runs && strcmp(c, "id") == 0))
			e = map ? " + :roff" : "";
		else if (strcmp(c, "plan_id") == 0 || (is_plans && strcmp(c, "id") == 0))
			e = map ? " + :poff" : "";
		else
			e = "";
		has_run |= strcmp(c, "run_id") == 0;
		has_plan |= strcmp(c, "plan_id") == 0;
		xasprintf(&tmp, "%s%s%s", list, i > 0 ? ", " : "", q);
		free(list);
		list = tmp;
		xasprintf(&tmp, "%s%s%s%s", exprs, i > 0 ? ", " : "", q, e);
		free(exprs);
		exprs = tmp;
		free(q);
	}
	if (is_plans)
		xasprintf(&where, "id IN (%s)", sel);
	else if (is_runs || (!has_run && has_plan))
		xasprintf(&where, "plan_id IN (%s)", sel);
	else if (has_run)
		xasprintf(&where, "run_id IN (SELECT id FROM %s.runs WHERE plan_id IN (%s))", from,
		    sel);
	if (where == NULL) {
		rc = 0;		/* not a plan's: nothing of it is copied */
		goto done;
	}
	q = copy_ident(table);
	xasprintf(&sql, "INSERT INTO %s.%s (%s) SELECT %s FROM %s.%s WHERE %s%s", to, q, list,
	    exprs, from, q, where, copy_has_rowid(db, from, table) ? " ORDER BY rowid" : "");
	free(q);
	if ((stmt = copy_prepare(db, sql, NULL, ints, 0, cause)) != NULL &&
	    (rc = copy_run(db, stmt, cause)) == 0)
		*rows = sqlite3_changes(db);
done:
	copy_names_free(&cols);
	free(list);
	free(exprs);
	free(where);
	free(sql);
	return rc;
}

/* Free what copy_export filled. */
void
copy_export_info_clear(struct copy_export_info *info)
{
	free(info->key);
	info->key = NULL;
}

/* Hold in temp.held the plans the puller has of the database of this key. */
static int
copy_held(sqlite3 *db, const char *key, const struct copy_have *haves, size_t nhaves,
    char **cause)
{
	sqlite3_stmt *stmt;
	int rc = 0;

	if (copy_exec(db, "CREATE TEMP TABLE held (id INTEGER PRIMARY KEY)", cause) != 0)
		return -1;
	for (size_t i = 0; i < nhaves && rc == 0; i++) {
		if (strcmp(haves[i].key, key) != 0)
			continue;
		if ((stmt = copy_prepare(db, "INSERT OR IGNORE INTO temp.held VALUES (?1)", NULL,
		    NULL, 0, cause)) == NULL)
			return -1;
		for (size_t k = 0; k < haves[i].nids && rc == 0; k++) {
			sqlite3_bind_int64(stmt, 1, haves[i].ids[k]);
			if (sqlite3_step(stmt) != SQLITE_DONE)
				rc = copy_fail(db, "copying plans", cause);
			sqlite3_reset(stmt);
		}
		sqlite3_finalize(stmt);
	}
	return rc;
}

/* Make the snapshot: src's schema, its finished plans not held, every daemon start. */
int
copy_export(const char *src, const struct copy_have *haves, size_t nhaves, const char *out,
    struct copy_export_info *info, char **cause)
{
	struct copy_names tables = { NULL, 0 };
	sqlite3 *db;
	char *sql, *ddl;
	long long n;
	int rc = -1, pulled;

	memset(info, 0, sizeof *info);
	if (access(src, F_OK) != 0) {
		xasprintf(cause, "no database at %s (benchd makes it when it first starts; --db PATH "
		    "or $BENCHD_DB names another)", src);
		return -1;
	}
	if ((db = copy_open(out, 1, cause)) == NULL)
		return -1;
	if (copy_exec(db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF", cause) != 0 ||
	    copy_attach(db, src, "src", src, cause) != 0)
		goto fail;
	/* One read transaction: the snapshot is of one moment, whatever benchd writes. */
	if (copy_exec(db, "BEGIN", cause) != 0 ||
	    copy_key(db, "src", src, &info->key, cause) != 0 ||
	    copy_version(db, "src", &info->schema_version, cause) != 0 ||
	    copy_tables(db, "src", &tables, cause) != 0)
		goto fail;
	for (size_t i = 0; i < tables.n; i++) {
		if (copy_text(db, "SELECT sql FROM src.sqlite_master WHERE type = 'table' AND "
		    "name = ?1", tables.v[i], &ddl, cause) != 0)
			goto fail;
		rc = ddl != NULL ? copy_exec(db, ddl, cause) : 0;
		free(ddl);
		if (rc != 0)
			goto fail;
		rc = -1;
	}
	if (copy_held(db, info->key, haves, nhaves, cause) != 0)
		goto fail;
	/* A database benchctl pull wrote holds others' plans: only its own are its to give. */
	pulled = copy_names_has(&tables, "pulled_plans");
	xasprintf(&sql, "INSERT INTO main.plans SELECT * FROM src.plans p WHERE " COPY_FINISHED("src")
	    " AND p.id NOT IN (SELECT id FROM temp.held)%s ORDER BY p.id",
	    pulled ? " AND p.id NOT IN (SELECT plan_id FROM src.pulled_plans)" : "");
	rc = copy_exec(db, sql, cause);
	free(sql);
	if (rc != 0 || copy_number(db, "SELECT count(*) FROM main.plans", NULL, &info->plans,
	    cause) != 0 || copy_number(db, "SELECT count(*) FROM src.plans p WHERE NOT ("
	    COPY_FINISHED("src") ")", NULL, &info->waiting, cause) != 0 ||
	    copy_number(db, "SELECT count(*) FROM src.plans WHERE id IN (SELECT id FROM "
	    "temp.held)", NULL, &info->held, cause) != 0)
		goto fail;
	rc = -1;
	for (size_t i = 0; i < tables.n; i++) {
		const char *t = tables.v[i];

		if (strcmp(t, "plans") == 0 || strcmp(t, "daemon_starts") == 0 || copy_own(t))
			continue;
		if (copy_table(db, "src", "main", t, "SELECT id FROM main.plans", 0, NULL, &n,
		    cause) != 0)
			goto fail;
		if (strcmp(t, "runs") == 0)
			info->runs = n;
	}
	if (copy_exec(db, "INSERT INTO main.daemon_starts SELECT * FROM src.daemon_starts "
	    "ORDER BY rowid", cause) != 0 || copy_exec(db, "COMMIT", cause) != 0 ||
	    copy_exec(db, "DETACH DATABASE src", cause) != 0)
		goto fail;
	xasprintf(&sql, "PRAGMA main.user_version = %d", info->schema_version);
	rc = copy_exec(db, sql, cause);
	free(sql);
fail:
	if (rc != 0) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		copy_export_info_clear(info);
	}
	copy_names_free(&tables);
	if (sqlite3_close(db) != SQLITE_OK)
		fatalx("sqlite3_close: a statement was left unfinalized");
	return rc;
}

/*
 * Refuse a snapshot that holds what dst does not know: a newer schema
 * version, a table or a column dst lacks. 0, or -1 with *cause naming them.
 */
static int
copy_check(sqlite3 *db, const char *what, char **cause)
{
	struct copy_names st = { NULL, 0 }, mt = { NULL, 0 }, sc, mc;
	char *unknown = xstrdup(""), *tmp;
	int sv, mv, rc = -1;

	if (copy_version(db, "snap", &sv, cause) != 0 || copy_version(db, "main", &mv, cause) != 0)
		goto done;
	if (sv > mv) {
		xasprintf(cause, "%s is of schema version %d, newer than this benchctl's (%d): "
		    "pulling it would leave out what this benchctl does not know; pull with a "
		    "benchctl as new as the benchd there", what, sv, mv);
		goto done;
	}
	if (copy_tables(db, "snap", &st, cause) != 0 || copy_tables(db, "main", &mt, cause) != 0)
		goto done;
	for (size_t i = 0; i < st.n; i++) {
		if (!copy_names_has(&mt, st.v[i])) {
			xasprintf(&tmp, "%s%stable %s", unknown, *unknown ? ", " : "", st.v[i]);
			free(unknown);
			unknown = tmp;
			continue;
		}
		if (copy_columns(db, "snap", st.v[i], &sc, cause) != 0)
			goto done;
		if (copy_columns(db, "main", st.v[i], &mc, cause) != 0) {
			copy_names_free(&sc);
			goto done;
		}
		for (size_t k = 0; k < sc.n; k++) {
			if (copy_names_has(&mc, sc.v[k]))
				continue;
			xasprintf(&tmp, "%s%scolumn %s.%s", unknown, *unknown ? ", " : "",
			    st.v[i], sc.v[k]);
			free(unknown);
			unknown = tmp;
		}
		copy_names_free(&sc);
		copy_names_free(&mc);
	}
	if (*unknown != '\0') {
		xasprintf(cause, "%s has what this benchctl does not know (%s): it is newer, "
		    "though of schema version %d too; pull with a benchctl as new as the benchd "
		    "there", what, unknown, sv);
		goto done;
	}
	rc = 0;
done:
	copy_names_free(&st);
	copy_names_free(&mt);
	free(unknown);
	return rc;
}

/* Find or add the origin of the snapshot's key: 0 and its id in ints[0], or -1. */
static int
copy_origin(sqlite3 *db, const char *key, const char *name, double now, long long *ints,
    char **cause)
{
	static const char upsert[] =
	    "INSERT INTO main.origins (key, name, host, machine_id, schema_version, "
	    "    first_pulled_at, pulled_at) "
	    "SELECT ?1, :name, host, machine_id, :version, :now, :now FROM (SELECT host, machine_id FROM snap.daemon_starts "
	    "    ORDER BY started_at DESC, rowid DESC LIMIT 1) "
	    "WHERE true ON CONFLICT (key) DO UPDATE SET host = excluded.host, "
	    "    machine_id = excluded.machine_id, schema_version = excluded.schema_version, "
	    "    pulled_at = excluded.pulled_at";
	sqlite3_stmt *stmt;
	int rc;

	if ((stmt = copy_prepare(db, upsert, key, ints, now, cause)) == NULL)
		return -1;
	sqlite3_bind_text(stmt, sqlite3_bind_parameter_index(stmt, ":name"), name, -1,
	    SQLITE_TRANSIENT);
	if ((rc = copy_run(db, stmt, cause)) != 0)
		return rc;
	if ((stmt = copy_prepare(db, "SELECT id FROM main.origins WHERE key = ?1", key, NULL, 0,
	    cause)) == NULL)
		return -1;
	rc = sqlite3_step(stmt) == SQLITE_ROW ? 0 : copy_fail(db, "recording an origin", cause);
	ints[0] = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return rc;
}

/* The ids there of the plans in temp.pull, ascending, into info. */
static int
copy_pulled_ids(sqlite3 *db, struct copy_merge_info *info, char **cause)
{
	sqlite3_stmt *stmt;
	int rc;

	if ((stmt = copy_prepare(db, "SELECT id FROM temp.pull ORDER BY id", NULL, NULL, 0,
	    cause)) == NULL)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		info->ids = xreallocarray(info->ids, info->nids + 1, sizeof *info->ids);
		info->ids[info->nids++] = sqlite3_column_int64(stmt, 0);
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : copy_fail(db, "copying plans", cause);
}

/*
 * Inside the merge's transaction: copy the plans of temp.pull and all that is
 * theirs from snap, their ids moved past every id main has (so none can
 * collide, and pulled_plans keeps the ones there).
 */
static int
copy_merge_plans(sqlite3 *db, struct copy_names *tables, long long *ints, double now,
    struct copy_merge_info *info, char **cause)
{
	sqlite3_stmt *stmt;
	static const char sel[] = "SELECT id FROM temp.pull";
	long long rows, lo;

	if (copy_number(db, "SELECT min(id) FROM temp.pull", NULL, &lo, cause) != 0 ||
	    copy_number(db, "SELECT coalesce(max(id), 0) + 1 FROM main.plans", NULL, &ints[1],
	    cause) != 0)
		return -1;
	ints[1] -= lo;
	if (copy_number(db, "SELECT min(id) FROM snap.runs WHERE plan_id IN (SELECT id FROM "
	    "temp.pull)", NULL, &lo, cause) != 0 ||
	    copy_number(db, "SELECT coalesce(max(id), 0) + 1 FROM main.runs", NULL, &ints[2],
	    cause) != 0)
		return -1;
	ints[2] -= lo;
	/* Plans first, then runs: every other row refers to one of them. */
	if (copy_table(db, "snap", "main", "plans", sel, 1, ints, &rows, cause) != 0 ||
	    copy_table(db, "snap", "main", "runs", sel, 1, ints, &info->runs, cause) != 0)
		return -1;
	for (size_t i = 0; i < tables->n; i++) {
		const char *t = tables->v[i];

		if (strcmp(t, "plans") == 0 || strcmp(t, "runs") == 0 ||
		    strcmp(t, "daemon_starts") == 0 || copy_own(t))
			continue;
		if (copy_table(db, "snap", "main", t, sel, 1, ints, &rows, cause) != 0)
			return -1;
	}
	if ((stmt = copy_prepare(db, "INSERT INTO main.pulled_plans (plan_id, origin_id, "
	    "origin_plan_id, run_offset, pulled_at) SELECT id + :poff, :origin, id, :roff, :now "
	    "FROM temp.pull", NULL, ints, now, cause)) == NULL)
		return -1;
	return copy_run(db, stmt, cause);
}

/* Free what copy_merge filled. */
void
copy_merge_info_clear(struct copy_merge_info *info)
{
	free(info->key);
	free(info->host);
	free(info->ids);
	memset(info, 0, sizeof *info);
}

/* Merge a snapshot into the database of pulled plans, in one transaction. */
int
copy_merge(const char *dst, const char *snap, const char *name, double now,
    struct copy_merge_info *info, char **cause)
{
	struct copy_names tables = { NULL, 0 };
	long long ints[4] = { 0, 0, 0, 0 };	/* :origin, :poff, :roff, :version */
	sqlite3_stmt *stmt;
	sqlite3 *db;
	char *what;
	int rc = -1, version;

	memset(info, 0, sizeof *info);
	xasprintf(&what, "%s's database", name);
	if ((db = copy_open(dst, 0, cause)) == NULL) {
		free(what);
		return -1;
	}
	if (copy_exec(db, "PRAGMA foreign_keys = ON", cause) != 0 ||
	    copy_attach(db, snap, "snap", what, cause) != 0 || copy_check(db, what, cause) != 0 ||
	    copy_key(db, "snap", what, &info->key, cause) != 0 ||
	    copy_version(db, "snap", &version, cause) != 0 ||
	    copy_text(db, "SELECT host FROM snap.daemon_starts ORDER BY started_at DESC, rowid "
	    "DESC LIMIT 1", NULL, &info->host, cause) != 0 ||
	    copy_tables(db, "snap", &tables, cause) != 0)
		goto fail;
	/* The plans to pull are chosen under the write lock: two pulls at once add them once. */
	ints[3] = version;
	if (copy_exec(db, "BEGIN IMMEDIATE", cause) != 0 ||
	    copy_origin(db, info->key, name, now, ints, cause) != 0 ||
	    copy_number(db, "SELECT count(*) FROM main.pulled_plans WHERE origin_id = :origin",
	    ints, &info->held, cause) != 0)
		goto fail;
	if ((stmt = copy_prepare(db, "CREATE TEMP TABLE pull AS SELECT p.id FROM snap.plans p "
	    "WHERE " COPY_FINISHED("snap") " AND p.id NOT IN (SELECT origin_plan_id FROM "
	    "main.pulled_plans WHERE origin_id = :origin)", NULL, ints, now, cause)) == NULL ||
	    copy_run(db, stmt, cause) != 0 || copy_pulled_ids(db, info, cause) != 0)
		goto fail;
	if (info->nids > 0 && copy_merge_plans(db, &tables, ints, now, info, cause) != 0)
		goto fail;
	if ((stmt = copy_prepare(db, "INSERT OR IGNORE INTO main.origin_starts (origin_id, "
	    "started_at, pid, uid, version, host, machine_id) SELECT :origin, started_at, pid, "
	    "uid, version, host, machine_id FROM snap.daemon_starts", NULL, ints, now,
	    cause)) == NULL || copy_run(db, stmt, cause) != 0 ||
	    copy_exec(db, "COMMIT", cause) != 0)
		goto fail;
	rc = 0;
fail:
	if (rc != 0) {
		if (!sqlite3_get_autocommit(db))
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		copy_merge_info_clear(info);
	}
	sqlite3_exec(db, "DROP TABLE IF EXISTS temp.pull", NULL, NULL, NULL);
	sqlite3_exec(db, "DETACH DATABASE snap", NULL, NULL, NULL);
	copy_names_free(&tables);
	free(what);
	if (sqlite3_close(db) != SQLITE_OK)
		fatalx("sqlite3_close: a statement was left unfinalized");
	return rc;
}

/* The plans the database of pulled plans holds, a have per database pulled from. */
int
copy_haves(const char *dst, struct copy_have **haves, size_t *n, char **cause)
{
	static const char sql[] =
	    "SELECT o.key, pp.origin_plan_id FROM origins o JOIN pulled_plans pp ON "
	    "pp.origin_id = o.id ORDER BY o.key, pp.origin_plan_id";
	struct copy_have *h = NULL;
	struct stat sb;
	sqlite3_stmt *stmt;
	sqlite3 *db;
	const char *key;
	int rc;

	*haves = NULL;
	*n = 0;
	if (stat(dst, &sb) != 0 && errno == ENOENT)
		return 0;
	if ((db = copy_open(dst, 0, cause)) == NULL)
		return -1;
	if ((stmt = copy_prepare(db, sql, NULL, NULL, 0, cause)) == NULL) {
		sqlite3_close(db);
		return -1;
	}
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		key = (const char *)sqlite3_column_text(stmt, 0);
		if (*n == 0 || strcmp((*haves)[*n - 1].key, key) != 0) {
			*haves = xreallocarray(*haves, *n + 1, sizeof **haves);
			h = &(*haves)[(*n)++];
			memset(h, 0, sizeof *h);
			h->key = xstrdup(key);
		}
		h->ids = xreallocarray(h->ids, h->nids + 1, sizeof *h->ids);
		h->ids[h->nids++] = sqlite3_column_int64(stmt, 1);
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE) {
		copy_fail(db, dst, cause);
		copy_haves_free(*haves, *n);
		*haves = NULL;
		*n = 0;
	}
	sqlite3_close(db);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Free what copy_haves (or copy_have_parse, n 1) filled. */
void
copy_haves_free(struct copy_have *haves, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(haves[i].key);
		free(haves[i].ids);
	}
	free(haves);
}

/* "KEY=1-5,7,9": the ids as runs of consecutive ones. */
char *
copy_have_format(const struct copy_have *h)
{
	char *s = xstrdup(h->key), *tmp;

	for (size_t i = 0; i < h->nids; i++) {
		size_t k = i;

		while (k + 1 < h->nids && h->ids[k + 1] == h->ids[k] + 1)
			k++;
		if (k > i)
			xasprintf(&tmp, "%s%c%lld-%lld", s, i == 0 ? '=' : ',', h->ids[i], h->ids[k]);
		else
			xasprintf(&tmp, "%s%c%lld", s, i == 0 ? '=' : ',', h->ids[i]);
		free(s);
		s = tmp;
		i = k;
	}
	if (h->nids == 0) {
		xasprintf(&tmp, "%s=", s);
		free(s);
		s = tmp;
	}
	return s;
}

/* Parse "KEY=1-5,7,9" (the last '=' ends the key); -1 when it is not one. */
int
copy_have_parse(const char *text, struct copy_have *h)
{
	const char *eq = strrchr(text, '=');
	const char *p;
	char *end;
	long long lo, hi;

	memset(h, 0, sizeof *h);
	if (eq == NULL || eq == text)
		return -1;
	h->key = xstrndup(text, (size_t)(eq - text));
	for (p = eq + 1; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		errno = 0;
		lo = hi = strtoll(p, &end, 10);
		if (*end == '-')
			hi = strtoll(end + 1, &end, 10);
		if (end == p || errno != 0 || lo <= 0 || hi < lo || hi - lo > 10000000 ||
		    (*end != ',' && *end != '\0') || (*end == ',' && end[1] == '\0'))
			goto fail;
		for (long long id = lo; id <= hi; id++) {
			h->ids = xreallocarray(h->ids, h->nids + 1, sizeof *h->ids);
			h->ids[h->nids++] = id;
		}
	}
	return 0;
fail:
	free(h->key);
	free(h->ids);
	memset(h, 0, sizeof *h);
	return -1;
}
