/* plans.h: "benchctl plans [--json]": every plan in the database, read-only; no daemon needed. */
#ifndef BENCHD_PLANS_H
#define BENCHD_PLANS_H

struct benchctl_env;

/* Run "benchctl plans"; argv[0] is "plans". Returns the exit status: 0, 1 (no database) or 2 (usage). */
int	plans_command(const struct benchctl_env *, int, char **);

#endif
