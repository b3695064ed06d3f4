/*
 * runs.h: "benchctl runs PLAN_ID [--json | --csv]": one row per run of a
 * plan, read-only from the database; no daemon needed. Columns: run_id, seq,
 * attempt, condition, kind, state, resident_before_pct, each stage's
 * duration (NAME_s), avg_latency_ms, major_faults, inblock; CSV and JSON
 * then give plan_id, plan_name and started_at (the spawn, unix seconds).
 */
#ifndef BENCHD_RUNS_H
#define BENCHD_RUNS_H

#include "cmd.h"

/* "benchctl runs": exit status 0, 1 (no database, no such plan) or 2 (usage). */
extern const struct cmd_entry runs_entry;

#endif
