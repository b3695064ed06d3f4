/* cmd.c: the one parser of every benchctl command's options and arguments, and the usage and help it prints. */
#include "cmd.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "xmalloc.h"

/* What a command was given, once parsed. */
struct cmd_args {
	const struct cmd_entry	*entry;
	int			 count[UCHAR_MAX + 1];	/* times each option was given */
	const char		*value[UCHAR_MAX + 1];	/* each option's last value */
	int			 argc;			/* the arguments after the options */
	char			**argv;
};

/* Print the usage line: with help, and the help, to stdout (returns 0), else to stderr (returns 2). */
static int
cmd_print_usage(const struct cmd_entry *e, int help)
{
	FILE *f = help ? stdout : stderr;

	fprintf(f, "usage: benchctl %s %s\n", e->name, e->usage != NULL ? e->usage : e->args);
	if (!help)
		return 2;
	fputs(e->help, f);
	return 0;
}

/* The option values of the global options, reserved in every command's table. */
#define CMD_OPT_SOCKET	'S'
#define CMD_OPT_DB	'D'
#define CMD_OPT_HOST	'H'

/* getopt_long's table for a command: its own long options, then --help, --socket, --db and --host. The caller frees it. */
static struct option *
cmd_longopts(const struct cmd_entry *e)
{
	struct option *o;
	size_t n = 0;

	while (e->longopts != NULL && e->longopts[n].name != NULL)
		n++;
	o = xcalloc(n + 5, sizeof *o);
	if (n > 0)
		memcpy(o, e->longopts, n * sizeof *o);
	o[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	o[n++] = (struct option){ "socket", required_argument, NULL, CMD_OPT_SOCKET };
	o[n++] = (struct option){ "db", required_argument, NULL, CMD_OPT_DB };
	o[n] = (struct option){ "host", required_argument, NULL, CMD_OPT_HOST };
	return o;
}

/* The long name of option opt, for messages. */
static const char *
cmd_long_name(const struct cmd_entry *e, int opt)
{
	for (const struct option *o = e->longopts; o != NULL && o->name != NULL; o++) {
		if (o->val == opt)
			return o->name;
	}
	return "?";
}

/* Check what parsed against the entry: -1 when the command may run, else the exit status (2). */
static int
cmd_check(const struct cmd_args *args)
{
	const struct cmd_entry *e = args->entry;
	const char *x = e->exclusive;

	if (x != NULL && cmd_args_has(args, x[0]) + cmd_args_has(args, x[1]) > 1) {
		cli_error("%s: --%s and --%s are exclusive", e->name, cmd_long_name(e, x[0]),
		    cmd_long_name(e, x[1]));
		return cmd_usage(args);
	}
	if (args->argc < e->min_args || (e->max_args != -1 && args->argc > e->max_args))
		return cmd_usage(args);
	for (const char *r = e->required; r != NULL && *r != '\0'; r++) {
		if (!cmd_args_has(args, *r))
			return cmd_usage(args);
	}
	return -1;
}

/* Parse a command's options and arguments: what parsed, or NULL with *rc the exit status. */
struct cmd_args *
cmd_parse(const struct cmd_entry *e, struct benchctl_env *env, int argc, char **argv, int *rc)
{
	struct cmd_args *args = xcalloc(1, sizeof *args);
	struct option *longopts = cmd_longopts(e);
	char *name, *shortopts, *arg0 = argv[0];
	int ch;

	/* getopt's complaints then read "benchctl runs: ...". */
	xasprintf(&name, "benchctl %s", e->name);
	xasprintf(&shortopts, "%sh", e->shortopts != NULL ? e->shortopts : "");
	argv[0] = name;
	optind = 0;	/* glibc: start afresh, the global options were parsed already */
	opterr = 1;
	args->entry = e;
	*rc = -1;
	while (*rc == -1 && (ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (ch == 'h')
			*rc = cmd_print_usage(e, 1);
		else if (ch == '?' || ch == ':')
			*rc = cmd_print_usage(e, 0);
		else if (ch == CMD_OPT_SOCKET)
			env->socket = optarg;
		else if (ch == CMD_OPT_DB)
			env->db = optarg;
		else if (ch == CMD_OPT_HOST)
			*rc = cli_add_host(env, optarg) == 0 ? -1 : 2;
		else {
			args->count[(unsigned char)ch]++;
			args->value[(unsigned char)ch] = optarg;
		}
	}
	args->argc = argc - optind;
	args->argv = argv + optind;
	if (*rc == -1)
		*rc = cmd_check(args);
	argv[0] = arg0;
	free(name);
	free(shortopts);
	free(longopts);
	if (*rc != -1) {
		free(args);
		return NULL;
	}
	return args;
}

/* Run the command on its parsed arguments, and free them; returns the exit status. */
int
cmd_exec(struct cmd_args *args, const struct benchctl_env *env)
{
	int rc = args->entry->exec(env, args);

	free(args);
	return rc;
}

/* Free what cmd_parse returned, for a command that is not to run after all. */
void
cmd_args_free(struct cmd_args *args)
{
	free(args);
}

/* Print the command's usage line to stderr: a usage error. */
int
cmd_usage(const struct cmd_args *args)
{
	return cmd_print_usage(args->entry, 0);
}

/* How many times option opt was given. */
int
cmd_args_has(const struct cmd_args *args, int opt)
{
	return args->count[(unsigned char)opt];
}

/* The value option opt was last given, or NULL. */
const char *
cmd_args_get(const struct cmd_args *args, int opt)
{
	return args->value[(unsigned char)opt];
}

/* How many arguments follow the options. */
int
cmd_args_count(const struct cmd_args *args)
{
	return args->argc;
}

/* Argument i after the options. */
const char *
cmd_args_arg(const struct cmd_args *args, int i)
{
	return args->argv[i];
}
