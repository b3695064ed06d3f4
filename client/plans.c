/* plans.c: "benchctl plans": every plan in the database with its state and how many of its runs ended. */
#include "plans.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "cmd.h"
#include "db.h"
#include "fmt.h"

/* Print the plans as a JSON array. */
static void
plans_json(const struct db_plan_row *rows, size_t nrows)
{
	json_t *a = cli_jcheck(json_array());
	char when[32];

	for (size_t i = 0; i < nrows; i++) {
		json_t *o = cli_jcheck(json_object());

		fmt_time(rows[i].submitted_at, when, sizeof when);
		cli_jset(o, "id", json_integer(rows[i].id));
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
	size_t wname = 4;
	char when[32], runs[48];

	if (nrows == 0) {
		printf("no plans in %s yet (\"benchctl submit PLAN.yaml\" queues one)\n", path);
		return;
	}
	for (size_t i = 0; i < nrows; i++)
		wname = cli_width(rows[i].name) > wname ? cli_width(rows[i].name) : wname;
	printf("%4s  ", "ID");
	cli_pad("NAME", wname);
	printf("  %-9s  %-19s  %s\n", "STATE", "SUBMITTED", "RUNS DONE");
	for (size_t i = 0; i < nrows; i++) {
		fmt_time(rows[i].submitted_at, when, sizeof when);
		snprintf(runs, sizeof runs, "%lld/%lld", rows[i].runs_done, rows[i].runs_total);
		printf("%4lld  ", rows[i].id);
		cli_pad(rows[i].name, wname);
		printf("  %-9s  %-19s  %s", rows[i].state, when, runs);
		if (rows[i].runs_done > rows[i].runs_ok)
			printf(" (%lld not ok)", rows[i].runs_done - rows[i].runs_ok);
		putchar('\n');
	}
}

/* "benchctl plans": every plan with its state and runs. */
static int
plans_exec(const struct benchctl_env *env, struct cmd_args *args)
{
	struct db_plan_row *rows;
	struct db *db;
	size_t nrows;
	char *cause = NULL;

	if ((db = db_open(env->db, &cause)) == NULL ||
	    db_plans(db, &rows, &nrows, &cause) != 0) {
		cli_error("%s", cause);
		free(cause);
		db_close(db);
		return 1;
	}
	db_close(db);
	if (cmd_args_has(args, 'j'))
		plans_json(rows, nrows);
	else
		plans_text(rows, nrows, env->db);
	db_plan_rows_free(rows, nrows);
	return 0;
}

/* "benchctl plans" in the command table. */
const struct cmd_entry plans_entry = {
	.name = "plans",
	.args = "[--json]",
	.about = "list the plans in the database",
	.help = "List every plan in the database (--db): its id, name, state, when it was\n"
	    "submitted (local time) and its runs ended (ok, failed or timed out) of all.\n",
	.longopts = (const struct option[]){
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	},
	.max_args = 0,
	.flags = CMD_READS_DB,
	.exec = plans_exec,
};
