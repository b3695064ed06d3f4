/* report.h: "benchctl report": a plan's results as one self-contained HTML page, plots and evidence beside the numbers. */
#ifndef BENCHD_REPORT_H
#define BENCHD_REPORT_H

#include "cmd.h"

/*
 * "benchctl report PLAN_ID -o FILE.html" (FILE "-" is stdout). The page
 * has no scripts and fetches nothing: inline CSS and SVG only. Exit status 0,
 * 1 (no database, no such plan, cannot write FILE) or 2 (usage).
 */
extern const struct cmd_entry report_entry;

#endif
