/*
 * targets.h: benchctl's words for a plan's precision targets (until:): where
 * they stand, for status, watch and submit --wait (from benchd's "targets",
 * common/proto.h), and why each condition stopped, for summary (from the
 * database's condition_stops).
 */
#ifndef BENCHD_TARGETS_H
#define BENCHD_TARGETS_H

#include <jansson.h>

struct db_plan;

/*
 * One line per target of a "targets" array: "a: import_torch median 1.01 s
 * +-0.52% (target +-1%), 12 runs, about 3 more (at most 30)"; with condition,
 * only the targets of that condition. Returns the lines, each ending in a
 * newline and starting with indent, or NULL when there are none; the caller
 * frees them.
 */
char	*targets_lines(json_t *targets, const char *indent, const char *condition);
/* Print status's "targets:" lines from its "current" part, if it has any. */
void	 targets_status(json_t *current);
/* Why condition stopped, as summary and report say it (NULL when it had no target; caller frees). */
char	*targets_stop_text(const struct db_plan *, const char *condition);
/* Print summary's line on why condition stopped (nothing when it had no target). */
void	 targets_summary(const struct db_plan *, const char *condition);
/* The same as JSON for summary --json: an object, or null when it had no target. */
json_t	*targets_summary_json(const struct db_plan *, const char *condition);

#endif
