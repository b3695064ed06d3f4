/*
 * control.h: benchctl's commands that talk to a running benchd: submit,
 * status, cancel and watch. Exit status: 0 success, 1 failure (no daemon, a
 * refused request, a plan that did not end well), 2 usage error.
 */
#ifndef BENCHD_CONTROL_H
#define BENCHD_CONTROL_H

#include "cmd.h"

struct benchctl_env;

/* "benchctl submit PLAN.yaml [--wait]": queue a plan, optionally follow it. */
extern const struct cmd_entry control_submit_entry;
/* "benchctl status [--json]": what the daemon is doing. */
extern const struct cmd_entry control_status_entry;
/* "benchctl cancel PLAN_ID": cancel a plan's pending runs. */
extern const struct cmd_entry control_cancel_entry;
/* "benchctl watch [PLAN_ID]": follow the event stream. */
extern const struct cmd_entry control_watch_entry;

/*
 * The database the daemon at env's socket says it writes (status's
 * daemon.db), or NULL when no daemon answers there; the caller frees it.
 */
char		*control_daemon_db(const struct benchctl_env *);

#endif
