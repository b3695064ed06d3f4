/* cli.c: the small helpers every benchctl command shares, so each says errors, plan ids, text and JSON alike. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "db.h"
#include "log.h"
#include "xmalloc.h"

/* Print "benchctl: " and a message on one line of stderr. */
void
cli_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("benchctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Add a device given by --host. */
int
cli_add_host(struct benchctl_env *env, const char *host)
{
	if (env->nhosts == CLI_HOSTS_MAX) {
		cli_error("--host: at most %d devices at once", CLI_HOSTS_MAX);
		return -1;
	}
	env->hosts[env->nhosts++] = host;
	return 0;
}

/* Parse a positive plan id; 0 if s is not one. */
long long
cli_plan_id(const char *s)
{
	char *end;
	long long id;

	errno = 0;
	id = strtoll(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 || id <= 0)
		return 0;
	return id;
}

/*
 * A copy of text from the daemon or the database that is safe on a terminal:
 * control characters (which could move the cursor or wreck a redrawn line; a
 * plan name is the user's, a runtime info line the child's) become '?'.
 */
char *
cli_clean(const char *s, int flags)
{
	char *copy = xstrdup(s != NULL ? s : "");

	for (unsigned char *p = (unsigned char *)copy; *p != '\0'; p++) {
		if (*p == '\t' && (flags & CLI_CLEAN_TABS))
			*p = ' ';
		else if (*p == '\n' && (flags & CLI_CLEAN_NEWLINES))
			continue;
		else if (*p < 0x20 || *p == 0x7f)
			*p = '?';
	}
	return copy;
}

/* How many columns a UTF-8 string takes, one per character. */
size_t
cli_width(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++) {
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	}
	return n;
}

/* Die unless jansson managed to build a value; it fails only when out of memory. */
json_t *
cli_jcheck(json_t *v)
{
	if (v == NULL)
		fatalx("out of memory building JSON");
	return v;
}

/* Set a new member of a JSON object, or die. */
void
cli_jset(json_t *o, const char *key, json_t *v)
{
	if (json_object_set_new(o, key, cli_jcheck(v)) != 0)
		fatalx("out of memory building JSON");
}

/* Append to a JSON array, or die. */
void
cli_jappend(json_t *a, json_t *v)
{
	if (json_array_append_new(a, cli_jcheck(v)) != 0)
		fatalx("out of memory building JSON");
}

/* Print a string cleaned for the terminal. */
void
cli_puts(const char *s)
{
	char *clean = cli_clean(s, 0);

	fputs(clean, stdout);
	free(clean);
}

/* Print s left-aligned in a column of width characters. */
void
cli_pad(const char *s, size_t width)
{
	size_t w = cli_width(s);

	cli_puts(s);
	for (; w < width; w++)
		putchar(' ');
}

/* A member of o as an integer (a whole real will do): 1 if present, else 0. */
int
cli_jget_int(json_t *o, const char *key, long long *value)
{
	json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		*value = json_integer_value(v);
	else if (json_is_real(v))
		*value = (long long)json_real_value(v);
	else
		return 0;
	return 1;
}

/* A member of o as a number: 1 if present, else 0. */
int
cli_jget_real(json_t *o, const char *key, double *value)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_number(v))
		return 0;
	*value = json_number_value(v);
	return 1;
}

/* A member of o as a string, or NULL when absent, null or not a string. */
const char *
cli_jget_str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A number as JSON: null when it does not exist (NaN). */
json_t *
cli_jreal(double v)
{
	if (isnan(v) || isinf(v))
		return json_null();
	return json_real(v);
}

/* A whole number stored as a double as JSON: an integer, null when NaN. */
json_t *
cli_jint(double v)
{
	if (isnan(v) || isinf(v))
		return json_null();
	return json_integer((json_int_t)v);
}

/* A string as JSON, null for NULL. */
json_t *
cli_jstr(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* Print a JSON value and a newline to stdout. */
void
cli_jprint(json_t *v)
{
	if (json_dumpf(v, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII) != 0)
		fatalx("cannot encode JSON");
	putchar('\n');
	json_decref(v);
}

/* Load plan id (0: the newest) from env's database, read-only: the plan, or NULL after printing why not. */
struct db_plan *
cli_plan_load(const struct benchctl_env *env, long long id)
{
	struct db_plan *plan = NULL;
	struct db *db;
	char *cause = NULL;
	int rc;

	if ((db = db_open(env->db, &cause)) == NULL) {
		cli_error("%s", cause);
		free(cause);
		return NULL;
	}
	if (id == 0 && (rc = db_plan_latest(db, &id, &cause)) != 1) {
		if (rc == 0)
			cli_error("no plans in %s yet (\"benchctl submit PLAN.yaml\" queues one)",
			    env->db);
		else
			cli_error("%s", cause);
		free(cause);
		db_close(db);
		return NULL;
	}
	if ((rc = db_plan_load(db, id, &plan, &cause)) != 1) {
		if (rc == 0)
			cli_error("no plan %lld in %s (\"benchctl plans\" lists them)",
			    id, env->db);
		else
			cli_error("%s", cause);
		free(cause);
	}
	db_close(db);
	return plan;
}
