/* report.h: "benchctl report": a plan's results as one self-contained HTML page, plots and evidence beside the numbers. */
#ifndef BENCHD_REPORT_H
#define BENCHD_REPORT_H

struct benchctl_env;

/*
 * Run "benchctl report PLAN_ID -o FILE.html" (FILE "-" is stdout). The page
 * has no scripts and fetches nothing: inline CSS and SVG only. Returns the
 * exit status.
 */
int	report_command(const struct benchctl_env *, int, char **);

#endif
