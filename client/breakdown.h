/*
 * breakdown.h: where a cold start's time goes, in benchctl summary: the
 * warming curve of sequences, what cold runs read from disk file by file, and
 * the modules whose import costs most more cold than warm.
 */
#ifndef BENCHD_BREAKDOWN_H
#define BENCHD_BREAKDOWN_H

#include <jansson.h>

#include "analysis.h"

/* Print the breakdown's sections (none when the plan has nothing for them). */
void	breakdown_text(const struct analysis *);
/* Add "warming", "read_in" and "modules" to summary --json's top object. */
void	breakdown_json(const struct analysis *, json_t *top);

#endif
