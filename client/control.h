/* control.h: benchctl's commands that talk to a running benchd: submit, status, cancel and watch. */
#ifndef BENCHD_CONTROL_H
#define BENCHD_CONTROL_H

struct benchctl_env;

/*
 * Each command takes its own argv (argv[0] is the command's name, which it
 * may overwrite for getopt's messages) and returns benchctl's exit status:
 * 0 success, 1 failure, 2 usage error.
 */

/* "benchctl submit PLAN.yaml [--wait]": queue a plan, optionally follow it. */
int	control_submit(const struct benchctl_env *, int, char **);
/* "benchctl status [--json]": what the daemon is doing. */
int	control_status(const struct benchctl_env *, int, char **);
/* "benchctl cancel PLAN_ID": cancel a plan's pending runs. */
int	control_cancel(const struct benchctl_env *, int, char **);
/* "benchctl watch [PLAN_ID]": follow the event stream. */
int	control_watch(const struct benchctl_env *, int, char **);

#endif
