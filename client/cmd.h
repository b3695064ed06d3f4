/*
 * cmd.h: a benchctl command as an entry of one table (tmux's struct
 * cmd_entry): its name, options, usage and help, and the function that runs
 * it. cmd_run parses every command's arguments the same way: -h and --help
 * print the usage and the help (exit 0); an unknown option, a missing option
 * or a wrong count of arguments prints getopt's complaint, if any, and the
 * usage (exit 2); the command then sees only what parsed. The global options
 * --socket, --db and --host are every command's too, after its name as before
 * it.
 */
#ifndef BENCHD_CMD_H
#define BENCHD_CMD_H

#include <getopt.h>

struct benchctl_env;
struct cmd_args;

/* What a command needs besides its arguments (cmd_entry's flags). */
#define CMD_READS_DB	0x1	/* it reads the database: the daemon's when only the socket is named */
#define CMD_HOSTS	0x2	/* it takes several --host (status): the others one at most */

/* One command. */
struct cmd_entry {
	const char		*name;
	const char		*args;		/* its arguments, as the global help lists them */
	const char		*usage;		/* its usage line's arguments, when not args */
	const char		*about;		/* one line for the global help */
	const char		*help;		/* what --help prints below the usage line */
	const char		*shortopts;	/* getopt's; -h is every command's */
	const struct option	*longopts;	/* zero-terminated, or NULL; --help is every command's */
	int			 min_args;	/* arguments after the options */
	int			 max_args;	/* -1: no limit */
	const char		*required;	/* the options that must be given, or NULL */
	const char		*exclusive;	/* two options that may not be given together, or NULL */
	int			 flags;		/* CMD_* */
	/* Run the command on its parsed arguments; returns the exit status. */
	int			(*exec)(const struct benchctl_env *, struct cmd_args *);
};

/*
 * Parse argv (argv[0] is the command's name) for the command; a global
 * option among them (--socket, --db, --host) is set in env. Returns what
 * parsed, or NULL with *rc the exit status when the command is not to run (0
 * after --help, 2 after a usage error).
 */
struct cmd_args	*cmd_parse(const struct cmd_entry *, struct benchctl_env *, int argc,
		    char **argv, int *rc);
/*
 * Run the command on what cmd_parse returned, and free that. Returns
 * benchctl's exit status: 0 success, 1 failure, 2 usage error.
 */
int		 cmd_exec(struct cmd_args *, const struct benchctl_env *);
/* Free what cmd_parse returned without running the command. */
void		 cmd_args_free(struct cmd_args *);
/* Print the command's usage line to stderr; returns 2, the exit status of a usage error. */
int		 cmd_usage(const struct cmd_args *);
/* How many times option opt was given (0: not at all). */
int		 cmd_args_has(const struct cmd_args *, int opt);
/* The value option opt was last given, or NULL. */
const char	*cmd_args_get(const struct cmd_args *, int opt);
/* How many arguments follow the options. */
int		 cmd_args_count(const struct cmd_args *);
/* Argument i after the options. */
const char	*cmd_args_arg(const struct cmd_args *, int i);

#endif
