/* cli.h: what every benchctl command shares: the global options, errors, plan ids, terminal-safe text and JSON. */
#ifndef BENCHD_CLI_H
#define BENCHD_CLI_H

#include <jansson.h>
#include <stddef.h>

struct db_plan;

/* How many devices one command may name with --host. */
#define CLI_HOSTS_MAX	64

/* The global options every benchctl command receives. */
struct benchctl_env {
	const char	*socket;	/* benchd's socket */
	const char	*db;		/* the database, for the analysis commands */
	int		 socket_named;	/* by --socket or $BENCHD_SOCKET, not by default */
	int		 db_named;	/* by --db or $BENCHD_DB, not by default */
	/* --host (or $BENCHD_HOST): the devices whose benchd to talk to through ssh; none: this one's. */
	const char	*hosts[CLI_HOSTS_MAX];
	size_t		 nhosts;
};

/* cli_clean's flags: what becomes of a tab and a newline rather than '?'. */
#define CLI_CLEAN_TABS		0x1	/* a tab becomes a space */
#define CLI_CLEAN_NEWLINES	0x2	/* a newline stays */

/* Add a device given by --host: 0, or -1 after saying there are too many. */
int		 cli_add_host(struct benchctl_env *, const char *);
/* Print "benchctl: " and a message on one line of stderr, after what stdout holds. */
void		 cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Parse a plan id as typed by the user: a positive number, or 0 when it is not one. */
long long	 cli_plan_id(const char *);
/*
 * Load plan id (0: the newest plan) with all its runs from the database of
 * env, opened read-only and closed again: the plan (the caller frees it with
 * db_plan_free), or NULL after printing one line (no database, no such plan).
 */
struct db_plan	*cli_plan_load(const struct benchctl_env *, long long id);
/*
 * A copy of s (NULL: "") that is safe to put on a terminal: control
 * characters become '?', but for what flags keep (CLI_CLEAN_*). The caller
 * frees it.
 */
char		*cli_clean(const char *s, int flags);
/* How many columns a UTF-8 string takes, one per character. */
size_t		 cli_width(const char *);
/* Print a string to stdout cleaned for the terminal (cli_clean without flags). */
void		 cli_puts(const char *);
/* Print a cleaned string left-aligned in a column of width characters. */
void		 cli_pad(const char *, size_t width);

/* Die unless jansson managed to build a value; it fails only when out of memory. */
json_t		*cli_jcheck(json_t *);
/* Set a new member of a JSON object, or die. */
void		 cli_jset(json_t *, const char *key, json_t *);
/* Append to a JSON array, or die. */
void		 cli_jappend(json_t *, json_t *);
/* A member of o as an integer (a whole real will do): 1 if present, else 0. */
int		 cli_jget_int(json_t *o, const char *key, long long *value);
/* A member of o as a number: 1 if present, else 0. */
int		 cli_jget_real(json_t *o, const char *key, double *value);
/* A member of o as a string, or NULL when absent, null or not a string. */
const char	*cli_jget_str(json_t *o, const char *key);
/* A number as JSON: null when it does not exist (NaN or infinite). */
json_t		*cli_jreal(double);
/* A whole number stored as a double as JSON: an integer, null when NaN. */
json_t		*cli_jint(double);
/* A string as JSON, null for NULL. */
json_t		*cli_jstr(const char *);
/* Print a JSON value (indented, ASCII) and a newline to stdout, and free it. */
void		 cli_jprint(json_t *);

#endif
