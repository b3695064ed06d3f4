/* plans.h: "benchctl plans [--json]": every plan in the database, read-only; no daemon needed. */
#ifndef BENCHD_PLANS_H
#define BENCHD_PLANS_H

#include "cmd.h"

/* "benchctl plans": exit status 0, 1 (no database) or 2 (usage). */
extern const struct cmd_entry plans_entry;

#endif
