/* plans.c: "benchctl plans": every plan in the database (and those pulled from other machines) with its state, its runs ended and its machine. */
#include "plans.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "db.h"
#include "fmt.h"
#include "pull.h"
#include "remote.h"
#include "xmalloc.h"

/* A plan's name in benchctl's commands: "3", or "phone/3" when pulled; the caller frees it. */
static char *
plans_ref(const struct db_plan_row *r)
{
	char *ref;

	if (r->origin != NULL)
		xasprintf(&ref, "%s/%lld", r->origin, r->id);
	else
		xasprintf(&ref, "%lld", r->id);
	return ref;
}

/* Print the plans as a JSON array. */
static void
plans_json(const struct db_plan_row *rows, size_t nrows)
{
	json_t *a = cli_jcheck(json_array());
	char when[32], *ref;

	for (size_t i = 0; i < nrows; i++) {
		json_t *o = cli_jcheck(json_object());

		fmt_time(rows[i].submitted_at, when, sizeof when);
		cli_jset(o, "id", json_integer(rows[i].id));
		cli_jset(o, "ref", json_string(ref = plans_ref(&rows[i])));
		cli_jset(o, "origin", cli_jstr(rows[i].origin));
		cli_jset(o, "machine", cli_jstr(rows[i].machine));
		free(ref);
		cli_jset(o, "name", json_string(rows[i].name));
		cli_jset(o, "state", json_string(rows[i].state));
		cli_jset(o, "submitted_at", cli_jreal(rows[i].submitted_at));
		cli_jset(o, "submitted", json_string(when));
		cli_jset(o, "runs_done", json_integer(rows[i].runs_done));
		cli_jset(o, "runs_ok", json_integer(rows[i].runs_ok));
		cli_jset(o, "runs_total", json_integer(rows[i].runs_total));
		cli_jappend(a, o);
	}
	cli_jprint(a);
}

/* Print the plans as a table, or say there are none yet. */
static void
plans_text(const struct db_plan_row *rows, size_t nrows, const char *path)
{
	size_t wname = 4, wref = 4, wruns = 9;
	char when[32], runs[64], *ref;

	if (nrows == 0) {
		printf("no plans in %s yet (\"benchctl submit PLAN.yaml\" queues one)\n", path);
		return;
	}
	for (size_t i = 0; i < nrows; i++) {
		wname = cli_width(rows[i].name) > wname ? cli_width(rows[i].name) : wname;
		ref = plans_ref(&rows[i]);
		wref = cli_width(ref) > wref ? cli_width(ref) : wref;
		free(ref);
		snprintf(runs, sizeof runs, "%lld/%lld (%lld not ok)", rows[i].runs_done,
		    rows[i].runs_total, rows[i].runs_done - rows[i].runs_ok);
		wruns = strlen(runs) > wruns ? strlen(runs) : wruns;
	}
	printf("%*s  ", (int)wref, "ID");
	cli_pad("NAME", wname);
	printf("  %-9s  %-19s  %-*s  %s\n", "STATE", "SUBMITTED", (int)wruns, "RUNS DONE",
	    "MACHINE");
	for (size_t i = 0; i < nrows; i++) {
		fmt_time(rows[i].submitted_at, when, sizeof when);
		if (rows[i].runs_done > rows[i].runs_ok)
			snprintf(runs, sizeof runs, "%lld/%lld (%lld not ok)", rows[i].runs_done,
			    rows[i].runs_total, rows[i].runs_done - rows[i].runs_ok);
		else
			snprintf(runs, sizeof runs, "%lld/%lld", rows[i].runs_done,
			    rows[i].runs_total);
		ref = plans_ref(&rows[i]);
		for (size_t w = cli_width(ref); w < wref; w++)
			putchar(' ');
		cli_puts(ref);
		free(ref);
		fputs("  ", stdout);
		cli_pad(rows[i].name, wname);
		printf("  %-9s  %-19s  %-*s  ", rows[i].state, when, (int)wruns, runs);
		cli_puts(rows[i].machine != NULL ? rows[i].machine : "-");
		putchar('\n');
	}
}

/*
 * Append the plans of the database at path to *rows (*n of them): 0, 1 when
 * missing_ok and there is no such file, or -1 after saying why.
 */
static int
plans_read(const char *path, int missing_ok, struct db_plan_row **rows, size_t *n)
{
	struct db_plan_row *more;
	struct db *db;
	size_t nmore;
	char *cause = NULL;

	if (missing_ok && access(path, F_OK) != 0)
		return 1;
	if ((db = db_open(path, &cause)) == NULL || db_plans(db, &more, &nmore, &cause) != 0) {
		cli_error("%s", cause);
		free(cause);
		db_close(db);
		return -1;
	}
	db_close(db);
	*rows = xreallocarray(*rows, *n + nmore + 1, sizeof **rows);
	if (nmore > 0)
		memcpy(*rows + *n, more, nmore * sizeof *more);
	*n += nmore;
	free(more);
	return 0;
}

/* Keep only the rows of plans pulled from machine (by its pull name or host name). */
static void
plans_only(struct db_plan_row *rows, size_t *n, const char *machine)
{
	size_t k = 0;

	for (size_t i = 0; i < *n; i++) {
		if (rows[i].origin != NULL && (strcmp(rows[i].origin, machine) == 0 ||
		    (rows[i].machine != NULL && strcmp(rows[i].machine, machine) == 0))) {
			rows[k++] = rows[i];
			continue;
		}
		free(rows[i].name);
		free(rows[i].state);
		free(rows[i].origin);
		free(rows[i].machine);
	}
	*n = k;
}

/* "benchctl plans": every plan with its state and runs, this machine's then the pulled ones. */
static int
plans_exec(const struct benchctl_env *env, struct cmd_args *args)
{
	struct db_plan_row *rows = NULL;
	size_t nrows = 0;
	char *pulled = pull_path(env->db), *machine;
	int own, rc = 1;

	/* With no database here, the pulled plans may still be (a machine that only collects). */
	own = access(env->db, F_OK) == 0 || access(pulled, F_OK) != 0;
	if ((own && plans_read(env->db, 0, &rows, &nrows) != 0) ||
	    plans_read(pulled, 1, &rows, &nrows) == -1)
		goto done;
	if (env->nhosts > 0) {
		machine = remote_name(env->hosts[0]);
		plans_only(rows, &nrows, machine != NULL ? machine : env->hosts[0]);
		free(machine);
	}
	if (cmd_args_has(args, 'j'))
		plans_json(rows, nrows);
	else
		plans_text(rows, nrows, env->nhosts > 0 ? pulled : env->db);
	rc = 0;
done:
	db_plan_rows_free(rows, nrows);
	free(pulled);
	return rc;
}

/* "benchctl plans" in the command table. */
const struct cmd_entry plans_entry = {
	.name = "plans",
	.args = "[--json]",
	.about = "list the plans in the database",
	.help = "List every plan in the database (--db), then those pulled from other\n"
	    "machines (\"benchctl pull\"; ID is then HOST/ID): its id, name, state, when it\n"
	    "was submitted (local time), its runs ended (ok, failed or timed out) of all,\n"
	    "and the host it ran on. With --host, only the plans pulled from that device.\n",
	.longopts = (const struct option[]){
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	},
	.max_args = 0,
	.flags = CMD_READS_DB,
	.exec = plans_exec,
};
