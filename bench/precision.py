#!/usr/bin/python3
"""precision.py: fewer runs, the same certainty? A plan that stops at a +-3% median against fixed run counts.

The demo's question, cold against warm `import torch` (bench/child_torch.py, Debian's /usr/bin/python3 and
python3-torch, taskset -c CPUS), asked two ways of one daemon, one plan after the other:

  until   until: {stage: import_torch, within: 3%, min_runs: 5, max_runs: MAX} on both conditions: benchd
          runs rounds until the interval it decides on (common/sequential.c: a per-look level chosen so
          every look together keeps 95%) is within +-3% of the median, for cold and for warm
  fixed   runs: FIXED each, the way every other tool asks (hyperfine --runs, pyperf's processes)

Both interleaved, cold targeted (no root), warm with one warm-up. From the fixed plan's runs, prefix by
prefix: the first count N at which summary's 95% median interval (the plain one, valid for a count fixed in
advance) is within +-3% on both conditions, the count from which it stays there, and the wall-clock time the
fixed plan took to get that far; the same for the counts people pick (5, 10, 20, 30). From the until plan:
the runs each condition took, why it stopped, the interval it stopped on, and its wall-clock time from
submit to done. Figures from the daemon's database.
"""
import argparse
import math
import os
import sys
import tempfile

import benchlib
from benchlib import CPUS, PYTHON, log, median

CHILD = os.path.join(benchlib.HERE, "child_torch.py")
CONDS = ("cold", "warm")
COUNTS = (5, 10, 20, 30)

PLAN = """name: precision-{kind}
python: {python}
script: {child}
cpus: "{cpus}"
timeout: 600
order: interleaved
{until}conditions:
  - name: cold
    cache: cold
    cold_method: targeted
{runs}  - name: warm
    cache: warm
    warmup_runs: 1
{runs}"""


def median_rank(n, conf=0.95):
    """summary's 95% median interval rank (stats_median_ci_rank): the largest k with 1 - 2 P(B <= k-1) >= conf."""
    k, cdf = 0, 0.0
    for j in range(n):
        cdf += math.comb(n, j) / 2.0 ** n
        if 2 * cdf > 1 - conf:
            break
        k = j + 1
    return k


def half_width_pct(xs):
    """The plain 95% median interval's farther end from the median, in % of it (None below 6 values)."""
    s = sorted(xs)
    n = len(s)
    k = median_rank(n)
    if k == 0:
        return None
    m = median(s)
    return 100 * max(m - s[k - 1], s[n - k] - m) / m


def plan_runs(d, plan_id):
    """The plan's measured ok runs in order, with their import_torch, and its times."""
    runs = d.query(
        "SELECT r.condition, r.kind, r.seq, r.state, r.spawned_at, r.ended_at,"
        " (SELECT duration_s FROM stages WHERE run_id = r.id AND name = 'import_torch') AS import_s"
        " FROM runs r WHERE r.plan_id = ? AND r.state != 'interrupted' ORDER BY r.seq", plan_id)
    plan = d.query("SELECT submitted_at, finished_at FROM plans WHERE id = ?", plan_id)[0]
    return runs, plan


def prefixes(runs, submitted_at, most):
    """For each count N up to most: both conditions' half-widths at their first N ok values, and when the
    N-th round ended (seconds from the submit)."""
    out = {}
    vals = {c: [] for c in CONDS}
    for r in runs:
        if r["kind"] != "measured" or r["state"] != "ok" or r["import_s"] is None:
            continue
        vals[r["condition"]].append(r["import_s"])
        n = min(len(vals[c]) for c in CONDS)
        if n >= 1 and n <= most and n not in out and all(len(vals[c]) >= n for c in CONDS):
            out[n] = {"width_pct": {c: half_width_pct(vals[c][:n]) for c in CONDS},
                      "elapsed_s": r["ended_at"] - submitted_at}
    return out


def reach(pre, target):
    """The first N whose both widths are within target, and the N from which they stay within it."""
    ok = sorted(n for n, p in pre.items() if all(w is not None and w <= target for w in p["width_pct"].values()))
    first = ok[0] if ok else None
    stay = None
    for n in sorted(pre, reverse=True):
        if n in ok:
            stay = n
        else:
            break
    return first, stay


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--target", type=float, default=3.0, help="the +-% asked of both medians (default 3)")
    ap.add_argument("--max-runs", type=int, default=60, help="the until plan's max_runs (default 60)")
    ap.add_argument("--fixed", type=int, default=40, help="the fixed plan's runs per condition (default 40)")
    ap.add_argument("--json", help="write the figures here")
    a = ap.parse_args()

    load_before = benchlib.loadavg()
    folder = tempfile.mkdtemp(prefix="benchd-precision.")
    busy = benchlib.wait_unmapped("libtorch")
    until = "until: {stage: import_torch, within: %g%%, min_runs: 5, max_runs: %d}\n" % (a.target, a.max_runs)
    with benchlib.Daemon() as d:
        d.watch()
        ids = {}
        for kind, text in (("until", PLAN.format(kind="until", python=PYTHON, child=CHILD, cpus=CPUS,
                                                 until=until, runs="")),
                           ("fixed", PLAN.format(kind="fixed", python=PYTHON, child=CHILD, cpus=CPUS, until="",
                                                 runs="    runs: %d\n" % a.fixed))):
            ids[kind] = d.submit(folder, kind, text)
            log("precision: plan %d (%s)" % (ids[kind], kind))
            d.wait(ids[kind], timeout=7200)
        u_runs, u_plan = plan_runs(d, ids["until"])
        f_runs, f_plan = plan_runs(d, ids["fixed"])
        stops = {r["condition"]: r for r in d.query("SELECT * FROM condition_stops WHERE plan_id = ?",
                                                     ids["until"])}
        summary = d.ctl_text("summary", str(ids["until"]))
    os.system("rm -rf '%s'" % folder)

    pre_f = prefixes(f_runs, f_plan["submitted_at"], a.fixed)
    pre_u = prefixes(u_runs, u_plan["submitted_at"], a.max_runs)
    first, stay = reach(pre_f, a.target)
    u_first, _ = reach(pre_u, a.target)
    u_measured = {c: [r for r in u_runs if r["kind"] == "measured" and r["condition"] == c] for c in CONDS}
    f_measured = {c: [r for r in f_runs if r["kind"] == "measured" and r["condition"] == c] for c in CONDS}
    u_last_end = max(r["ended_at"] for r in u_runs)
    res = {
        "target_pct": a.target,
        "until": {
            "max_runs": a.max_runs,
            "runs": {c: stops[c]["runs"] for c in CONDS},
            "rule": {c: stops[c]["rule"] for c in CONDS},
            "width_pct": {c: 100 * stops[c]["width"] / stops[c]["estimate"] for c in CONDS},
            "interval_s": {c: [stops[c]["lo"], stops[c]["hi"]] for c in CONDS},
            "median_s": {c: stops[c]["estimate"] for c in CONDS},
            "look_level": stops["cold"]["look_level"],
            "plain_width_pct_at_stop": {c: half_width_pct([r["import_s"] for r in u_measured[c]
                                                           if r["state"] == "ok"]) for c in CONDS},
            "plain_first_reach": u_first,
            "wall_s": u_plan["finished_at"] - u_plan["submitted_at"],
            "last_run_to_done_ms": 1e3 * (u_plan["finished_at"] - u_last_end),
            "runs_all_kinds": len(u_runs),
        },
        "fixed": {
            "runs": a.fixed,
            "wall_s": f_plan["finished_at"] - f_plan["submitted_at"],
            "median_s": {c: median([r["import_s"] for r in f_measured[c] if r["state"] == "ok"]) for c in CONDS},
            "first_reach": first,
            "first_reach_s": pre_f[first]["elapsed_s"] if first else None,
            "stays_from": stay,
            "stays_from_s": pre_f[stay]["elapsed_s"] if stay else None,
            "counts": {str(n): pre_f[n] for n in COUNTS + (a.fixed,) if n in pre_f},
        },
        "values_s": {"until": {c: [r["import_s"] for r in u_measured[c]] for c in CONDS},
                     "fixed": {c: [r["import_s"] for r in f_measured[c]] for c in CONDS}},
        "summary_stop_lines": [l.strip() for l in summary.splitlines() if "target met" in l or "max_runs (" in l],
        "others_mapping_torch_at_start": busy,
        "loadavg_before": load_before,
        "loadavg_after": benchlib.loadavg(),
        "commands": ["benchd plan until (interleaved; cold targeted, warm with 1 warm-up; %s) then plan fixed (%d runs"
                     " each): taskset -c %s %s %s" % (until.strip(), a.fixed, CPUS, PYTHON, CHILD)],
    }
    u = res["until"]
    f = res["fixed"]
    print("until: cold %d runs (%s), warm %d runs (%s); +-%.2f%% / +-%.2f%% at %.2f%% per look; %.0f s from submit "
          "to done" % (u["runs"]["cold"], u["rule"]["cold"], u["runs"]["warm"], u["rule"]["warm"],
                       u["width_pct"]["cold"], u["width_pct"]["warm"], 100 * u["look_level"], u["wall_s"]))
    if first:
        print("fixed %d: %.0f s; summary's 95%% interval within +-%g%% on both from N = %d (%.0f s), and stays from "
              "N = %s" % (a.fixed, f["wall_s"], a.target, first, f["first_reach_s"], stay))
    else:
        print("fixed %d: %.0f s; summary's 95%% interval within +-%g%% on both at no N" % (a.fixed, f["wall_s"],
                                                                                          a.target))
    for n, p in sorted(f["counts"].items(), key=lambda kv: int(kv[0])):
        w = p["width_pct"]
        print("  fixed N = %-3s +-%s%% cold, +-%s%% warm, %.0f s" % (
            n, "%.2f" % w["cold"] if w["cold"] is not None else "n/a",
            "%.2f" % w["warm"] if w["warm"] is not None else "n/a", p["elapsed_s"]))
    for line in res["summary_stop_lines"]:
        print("summary: " + line)
    benchlib.write_json(a.json, res)


if __name__ == "__main__":
    sys.exit(main())
