/* parselog.h: "benchctl parse-log", which runs the stage-log parser over a file or stdin and prints JSON. */
#ifndef BENCHD_PARSELOG_H
#define BENCHD_PARSELOG_H

#include "cmd.h"

/* "benchctl parse-log [FILE|-]": needs no daemon and no database. */
extern const struct cmd_entry parselog_entry;

#endif
