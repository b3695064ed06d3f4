/*
 * compare.h: "benchctl compare A[:COND] B[:COND]": plan B (the new one)
 * against plan A (the reference), condition by condition and stage by stage,
 * with a verdict each, read-only from the database. Exit status as diff(1)'s:
 * 0 when no stage is slower by more than --fail-if-slower's threshold (always
 * without it), 1 when one is, 2 on trouble (usage, no database, no such plan
 * or condition).
 *
 * --json prints:
 *   {"a": SIDE, "b": SIDE, "fail_if_slower_pct": x or null, "stage": NAME or null,
 *    "comparisons": [{"a": COND, "b": COND, "metrics": [{"name", "unit", "na", "nb",
 *        "median_a", "median_b", "diff", "rel", "hl", "shift_ci": {"lo", "hi",
 *        "coverage", "exact"} or null, "u", "p", "p_exact", "verdict",
 *        "over_threshold"}]}],
 *    "differences": [{"what", "a", "b"}], "warnings": [{"plan", "kind", "condition",
 *        "metric", "run_ids", "text"}],
 *    "counts": {"slower", "faster", "same", "over_threshold"}}
 * where SIDE is {"plan_id", "plan" ("3", or "phone/3" when pulled from phone),
 * "name", "state", "submitted_at", "machines": [{"host",
 * "machine_id"}], "python", "torch", "platform"}, median_a is A's median, diff
 * B's minus A's, rel diff over A's median, the interval that of the shift of B
 * from A, and verdict one of "slower", "faster", "same", "none".
 */
#ifndef BENCHD_COMPARE_H
#define BENCHD_COMPARE_H

#include "cmd.h"

/* "benchctl compare" in the command table. */
extern const struct cmd_entry compare_entry;

#endif
