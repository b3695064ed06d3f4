/* benchctl.c: benchd's command-line client: global options, then a table of commands to dispatch to. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "compare.h"
#include "control.h"
#include "log.h"
#include "parselog.h"
#include "paths.h"
#include "plans.h"
#include "pull.h"
#include "relay.h"
#include "report.h"
#include "runs.h"
#include "summary.h"

/* Every command benchctl knows, in the order the help lists them; a new one is a new line here. */
static const struct cmd_entry *const benchctl_cmds[] = {
	&control_submit_entry,
	&control_status_entry,
	&control_cancel_entry,
	&control_watch_entry,
	&plans_entry,
	&runs_entry,
	&summary_entry,
	&compare_entry,
	&report_entry,
	&pull_entry,
	&parselog_entry,
	&relay_entry,
	&pull_snapshot_entry,
};

/* Print the global usage: all of it to stdout for --help, a short form to stderr otherwise. */
static int
benchctl_usage(int help)
{
	FILE *f = help ? stdout : stderr;
	char *socket, *db;
	size_t i;

	fputs("usage: benchctl [--socket PATH] [--db PATH] [--host [USER@]HOST] COMMAND [ARGS]\n"
	    "       benchctl --help | --version\n", f);
	if (!help) {
		fputs("commands:", f);
		for (i = 0; i < sizeof benchctl_cmds / sizeof benchctl_cmds[0]; i++)
			fprintf(f, " %s", benchctl_cmds[i]->name);
		fputs("; \"benchctl COMMAND --help\" for more\n", f);
		return 2;
	}

	fputs("\nCommands:\n", f);
	/* A command whose arguments overflow their column has its line of help below. */
	for (i = 0; i < sizeof benchctl_cmds / sizeof benchctl_cmds[0]; i++) {
		const struct cmd_entry *e = benchctl_cmds[i];

		if (strlen(e->args) > 20)
			fprintf(f, "  %-10s %s\n  %-10s %-20s %s\n", e->name, e->args, "", "", e->about);
		else
			fprintf(f, "  %-10s %-20s %s\n", e->name, e->args, e->about);
	}
	socket = paths_default_socket();
	db = paths_default_db();
	fprintf(f, "\nOptions (before or after the command):\n"
	    "  --socket PATH  benchd's socket (now %s;\n"
	    "                 set by $BENCHD_SOCKET, else $XDG_RUNTIME_DIR/benchd/benchd.sock)\n"
	    "  --db PATH      the database for analysis commands (now %s;\n"
	    "                 set by $BENCHD_DB, else the one the daemon at a socket named by\n"
	    "                 --socket or $BENCHD_SOCKET writes, else\n"
	    "                 $XDG_STATE_HOME/benchd/bench.db); the plans pulled from\n"
	    "                 other machines are in the .pulled.db beside it\n"
	    "  --host [USER@]HOST\n"
	    "                 talk to the benchd of that device through your ssh (set by\n"
	    "                 $BENCHD_HOST; $BENCHD_SSH names the ssh command, default ssh,\n"
	    "                 $BENCHD_REMOTE_BENCHCTL the benchctl there); status takes\n"
	    "                 several; plan ids then name the plans pulled from it\n"
	    "  -h, --help     show this help; \"benchctl COMMAND --help\" for a command's\n"
	    "  -V, --version  show benchctl's version\n", socket, db);
	free(socket);
	free(db);
	return 0;
}

/* Whether an environment variable is set to something. */
static int
benchctl_env_set(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0';
}

/* Parse the global options, then hand the rest to the command named next. */
int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 'S' },
		{ "db", required_argument, NULL, 'D' },
		{ "host", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cmd_entry *cmd = NULL;
	struct benchctl_env env;
	struct cmd_args *args;
	char *socket = NULL, *db = NULL;
	size_t i;
	int ch, rc;

	log_init("benchctl", LOG_WARN);
	argv[0] = "benchctl";
	memset(&env, 0, sizeof env);

	/* "+": stop at the command's name, its options are its own. */
	while ((ch = getopt_long(argc, argv, "+hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'S':
			env.socket = optarg;
			break;
		case 'D':
			env.db = optarg;
			break;
		case 'H':
			if (cli_add_host(&env, optarg) != 0)
				return 2;
			break;
		case 'h':
			return benchctl_usage(1);
		case 'V':
			printf("benchctl %s\n", BENCHD_VERSION);
			return 0;
		default:
			return benchctl_usage(0);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		return benchctl_usage(0);
	for (i = 0; i < sizeof benchctl_cmds / sizeof benchctl_cmds[0]; i++) {
		if (strcmp(argv[0], benchctl_cmds[i]->name) == 0)
			cmd = benchctl_cmds[i];
	}
	if (cmd == NULL) {
		cli_error("unknown command \"%s\"", argv[0]);
		return benchctl_usage(0);
	}
	/* The global options may follow the command too. */
	if ((args = cmd_parse(cmd, &env, argc, argv, &rc)) == NULL)
		return rc;
	if (env.nhosts == 0 && benchctl_env_set("BENCHD_HOST"))
		cli_add_host(&env, getenv("BENCHD_HOST"));
	if (env.nhosts > 1 && !(cmd->flags & CMD_HOSTS)) {
		cli_error("%s: one --host at a time (status and pull take several)", cmd->name);
		cmd_args_free(args);
		return 2;
	}

	env.socket_named = env.socket != NULL || benchctl_env_set("BENCHD_SOCKET");
	env.db_named = env.db != NULL || benchctl_env_set("BENCHD_DB");
	if (env.socket == NULL)
		env.socket = socket = paths_default_socket();
	/*
	 * A daemon named by its socket alone is asked for its database: the
	 * numbers are that daemon's, wherever it keeps them. With no daemon
	 * answering, the default path is all there is.
	 */
	if (env.db == NULL && !env.db_named && env.socket_named && (cmd->flags & CMD_READS_DB))
		env.db = db = control_daemon_db(&env);
	if (env.db == NULL)
		env.db = db = paths_default_db();
	rc = cmd_exec(args, &env);
	free(socket);
	free(db);

	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "benchctl: cannot write to standard output\n");
		return 1;
	}
	return rc;
}
