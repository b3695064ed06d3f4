/*
 * summary.h: "benchctl summary PLAN_ID [--json]": a plan's analysis for
 * people, or as one JSON object. It reads the database read-only, so it works
 * with no daemon running and on a copy from another machine. Exit status: 0
 * success, 1 failure (no database, no such plan), 2 usage error.
 *
 * "summary --json" prints one object:
 *
 *   { "plan": { "id", "ref" ("3", or "phone/3" when pulled from phone), "machine"
 *               (phone, or null), "name", "state", "submitted_at", "finished_at"
 *               (unix s or null), "error", "source_path", "runs_total" (every
 *               run, probe and warm-ups included), "measured_total",
 *               "measured_ok" },
 *     "machine": { "python", "torch", "platform", "cpus", "governor" (strings
 *                  or null: the first run that printed its runtime info),
 *                  "info": { every runtime info line of that run } },
 *     "footprint": { "files", "shared", "bytes", "shared_bytes" },
 *     "conditions": [ { "name", "cache" (cold, warm, none), "measured",
 *                       "ok", "left_out": { "failed", "timeout", "other" },
 *                       "metrics": [ { "name" (a stage, or avg_latency_ms),
 *                                      "unit" ("s" or "ms"), "n", "mean",
 *                                      "sd", "min", "median", "p90", "max",
 *                                      "median_ci": { "lo", "hi", "coverage",
 *                                                     "rank" } or null,
 *                                      "values": [ { "run_id", "value" } ],
 *                                      "outliers": [ run ids ] } ],
 *                       "profile": { "name", "source", "limits_in", "disks",
 *                                    "read_bps", "read_iops", "memory_bytes",
 *                                    "cpus", "cpu_quota_us", "cpu_period_us",
 *                                    "runs_with_other_limits" } or null: the
 *                                    device profile, its limits as the kernel
 *                                    held its first measured run to them,
 *                       "group": { "kill_by", "runs", "read_bytes",
 *                                  "read_ios", "cpu_periods", "cpu_throttled",
 *                                  "cpu_throttled_ms", "memory_peak_bytes"
 *                                  (medians over its ok runs in a group),
 *                                  "oom_killed_runs", "killed_at_end" } or
 *                                  null: its runs had no cgroup } ],
 *     "comparisons": [ { "a", "b" (condition names: a - b),
 *                        "metrics": [ { "name", "unit", "na", "nb",
 *                                       "median_a", "median_b", "diff", "rel",
 *                                       "hl", "shift_ci": { "lo", "hi",
 *                                       "coverage", "exact" } or null, "u",
 *                                       "p", "p_exact" } ] } ],
 *     "warnings": [ { "kind" (resident, outliers, left_out, few_runs,
 *                     unfinished, info_differs, shared_footprint,
 *                     mapped_by_others, loop_late, end_uncertain,
 *                     metadata_gap: a note, targeted against system cold),
 *                     "condition" (or null), "metric" (or null: the whole
 *                     condition), "run_ids", "text" } ] }
 *
 * Durations are in seconds, avg_latency_ms in milliseconds, as stored. Every
 * number that does not exist for the sizes at hand (the sd of one run, a
 * p-value with no runs) is null. rel is diff / median_b, a fraction.
 * comparisons come cold against warm first (each cold condition against each
 * warm one), then every other pair in plan order.
 */
#ifndef BENCHD_SUMMARY_H
#define BENCHD_SUMMARY_H

#include <jansson.h>
#include <stddef.h>

#include "cmd.h"

struct analysis;
struct md_table;
struct stats_compare;

/* "benchctl summary": exit status 0, 1 (no database, no such plan) or 2 (usage). */
extern const struct cmd_entry summary_entry;

/* The width of the metric names' column of a plan's analysis. */
size_t		 summary_metric_width(const struct analysis *);
/*
 * Print the warnings of condition cond (-1: the plan's) and metric metric
 * (-1: the condition's), one a line after indent and "! ", each after
 * "label: " unless label is NULL.
 */
void		 summary_warnings(const struct analysis *, int cond, int metric,
		    const char *indent, const char *label);
/*
 * Print one comparison of two samples labelled la and lb, without its line's
 * end: "  NAME  la MA vs lb MB, DIFF (REL), 95% CI for the shift [LO, HI] U, p=P",
 * the name padded to width.
 */
void		 summary_line(const char *metric, size_t width, const char *la,
		    const char *lb, const struct stats_compare *, const char *unit);
/*
 * One comparison as JSON: name, unit, na, nb, median_a, median_b, diff, rel,
 * hl, shift_ci {lo, hi, coverage, exact} or null, u, p, p_exact. swapped says
 * c compared b against a (stats_compare(b, a), as compare does): its sizes and
 * medians are given in a, b order, the shift staying b's from a.
 */
json_t		*summary_json_compare(const char *name, const char *unit,
		    const struct stats_compare *, int swapped);
/*
 * Add one comparison to a Markdown table of columns stage, a's median, b's
 * median, shift, 95% CI, p, then verdict (Markdown) unless it is NULL.
 */
void		 summary_md_row(struct md_table *, const char *metric,
		    const struct stats_compare *, const char *unit, const char *verdict);
/*
 * Print the cold-versus-warm lines of plan id of env's database, as the
 * summary does, with the commands that say more; when the database cannot be
 * read, only those commands. For the end of "benchctl submit --wait".
 */
void		 summary_brief(const struct benchctl_env *, long long id);

#endif
