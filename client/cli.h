/* cli.h: what every benchctl command shares: its errors, its usage, its arguments and what it prints. */
#ifndef BENCHD_CLI_H
#define BENCHD_CLI_H

#include <jansson.h>
#include <stddef.h>

/* cli_clean's flags: what becomes of a tab and a newline rather than '?'. */
#define CLI_CLEAN_TABS		0x1	/* a tab becomes a space */
#define CLI_CLEAN_NEWLINES	0x2	/* a newline stays */

/* Print "benchctl: " and a message on one line of stderr, after what stdout holds. */
void		 cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Print a command's usage line. With help (--help), the usage and then help
 * go to stdout and the result is 0; without (NULL, a usage error), the usage
 * goes to stderr and the result is 2. Returns the exit status.
 */
int		 cli_usage(const char *usage, const char *help);
/* Point argv[0] at name ("benchctl runs") and restart getopt for a command's own options. */
void		 cli_getopt_start(char **argv, const char *name);
/* Parse a plan id as typed by the user: a positive number, or 0 when it is not one. */
long long	 cli_plan_id(const char *);
/*
 * A copy of s (NULL: "") that is safe to put on a terminal: control
 * characters become '?', but for what flags keep (CLI_CLEAN_*). The caller
 * frees it.
 */
char		*cli_clean(const char *s, int flags);
/* How many columns a UTF-8 string takes, one per character. */
size_t		 cli_width(const char *);

/* Die unless jansson managed to build a value; it fails only when out of memory. */
json_t		*cli_jcheck(json_t *);
/* Set a new member of a JSON object, or die. */
void		 cli_jset(json_t *, const char *key, json_t *);
/* Append to a JSON array, or die. */
void		 cli_jappend(json_t *, json_t *);

#endif
