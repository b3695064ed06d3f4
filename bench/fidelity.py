#!/usr/bin/python3
"""fidelity.py: is benchd's cold the user's cold? `import torch` through a real daemon, held against the user's workflow.

One plan, order interleaved, four conditions running the same child (bench/child_torch.py: import torch and print
the stage, Debian's /usr/bin/python3 and python3-torch, taskset -c CPUS):

  targeted   cache: cold, cold_method: targeted (posix_fadvise DONTNEED over the probe's footprint; no root)
  system     cache: cold, cold_method: system (benchd's sync + drop_caches, root)
  truecold   the user's own workflow, benchd doing nothing to the cache (cache: none): the child is
             `bash bench/truecold.sh`, which runs `sync; echo 3 > /proc/sys/vm/drop_caches` and then execs
             the same python on the same child, so nothing happens between the drop and the exec
  warm       cache: warm (footprint primed), for the cold penalty

So the runs go targeted, system, truecold, warm, targeted, ... and each condition sees the same machine. The
reference is truecold: each ratio (targeted/truecold, system/truecold, on the child's own import_torch) is the
exp of the Hodges-Lehmann shift of the logs, with the Moses 95% interval, distribution-free. Figures from the
daemon's database: the stage, resident_before_pct, major faults and blocks read, what others mapped before
each run, and how late benchd's loop was at each spawn and exit. The script first waits (up to 3 minutes)
until no other process maps torch's libraries (their mapped pages cannot be evicted by anyone).
"""
import argparse
import math
import os
import sys
import tempfile

import benchlib
from benchlib import CPUS, PYTHON, log, median

CHILD = os.path.join(benchlib.HERE, "child_torch.py")
TRUECOLD = os.path.join(benchlib.HERE, "truecold.sh")

PLAN = """name: fidelity-import-torch
python: {python}
script: {child}
cpus: "{cpus}"
timeout: 600
order: interleaved
conditions:
  - name: targeted
    cache: cold
    cold_method: targeted
    runs: {n}
  - name: system
    cache: cold
    cold_method: system
    runs: {n}
  - name: truecold
    cache: none
    python: /bin/bash
    script: {truecold}
    args: [{python}, {child}]
    runs: {n}
  - name: warm
    cache: warm
    warmup_runs: 1
    runs: {n}
"""

CONDS = ("targeted", "system", "truecold", "warm")


def ratio_ci(a, b):
    """Ratio a/b of two samples as exp(Hodges-Lehmann shift of the logs), with Moses' 95% interval."""
    la = [math.log(x) for x in a]
    lb = [math.log(x) for x in b]
    d = sorted(x - y for x in la for y in lb)
    n, m = len(la), len(lb)
    hl = median(d)
    # The normal approximation of the Mann-Whitney null, as stats.c uses beyond 50 a side.
    k = int(math.floor(n * m / 2 + 0.5 - 1.959964 * math.sqrt(n * m * (n + m + 1) / 12.0)))
    k = max(k, 1)
    return math.exp(hl), math.exp(d[k - 1]), math.exp(d[n * m - k])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=30, help="runs per condition (default 30)")
    ap.add_argument("--json", help="write the figures here")
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("fidelity.py: cold_method system and the user's drop_caches need root")

    load_before = benchlib.loadavg()
    folder = tempfile.mkdtemp(prefix="benchd-fidelity.")
    busy = benchlib.wait_unmapped("libtorch")
    with benchlib.Daemon() as d:
        d.watch()
        plan_id = d.submit(folder, "fidelity", PLAN.format(python=PYTHON, child=CHILD, cpus=CPUS, n=a.runs,
                                                           truecold=TRUECOLD))
        log("fidelity: plan %d, %d runs per condition (about %d s)" % (plan_id, a.runs, a.runs * 12))
        d.wait(plan_id, timeout=7200)
        runs = d.query(
            "SELECT r.id, r.condition, r.kind, r.seq, r.resident_before_pct, r.major_faults, r.inblock, r.evict_ms,"
            " r.footprint_files, r.footprint_bytes, r.mapped_others_bytes, r.spawn_late_ms, r.exit_late_ms,"
            " r.exit_window_ms,"
            " (SELECT duration_s FROM stages WHERE run_id = r.id AND name = 'import_torch') AS import_s"
            " FROM runs r WHERE r.plan_id = ? AND r.state = 'ok' ORDER BY r.seq", plan_id)
        nall = len(d.query("SELECT id FROM runs WHERE plan_id = ?", plan_id))
        summary = d.ctl_json("summary", str(plan_id), "--json")
    os.system("rm -rf '%s'" % folder)

    measured = [r for r in runs if r["kind"] == "measured"]
    by = {c: [r for r in measured if r["condition"] == c] for c in CONDS}
    imp = {c: [r["import_s"] for r in by[c]] for c in CONDS}
    med = {c: median(imp[c]) for c in CONDS}
    rt = ratio_ci(imp["targeted"], imp["truecold"])
    rs = ratio_ci(imp["system"], imp["truecold"])
    rst = ratio_ci(imp["system"], imp["targeted"])
    cold_runs = by["targeted"] + by["system"]
    late = [max(r["spawn_late_ms"] or 0, r["exit_late_ms"] or 0) for r in measured]
    notes = [w["text"] for w in summary.get("warnings", []) if w["kind"] == "metadata_gap"
             and w.get("metric") == "import_torch"]
    res = {
        "runs_per_condition": {c: len(by[c]) for c in CONDS},
        "import_torch_median_s": med,
        "import_torch_iqr_s": {c: benchlib.quartiles(imp[c]) for c in CONDS},
        "targeted_to_truecold": {"ratio": rt[0], "ci": [rt[1], rt[2]]},
        "system_to_truecold": {"ratio": rs[0], "ci": [rs[1], rs[2]]},
        "system_to_targeted": {"ratio": rst[0], "ci": [rst[1], rst[2]]},
        "cold_penalty_truecold": med["truecold"] / med["warm"],
        "cold_penalty_targeted": med["targeted"] / med["warm"],
        "resident_before_max_pct": {c: max(r["resident_before_pct"] for r in by[c]) for c in ("targeted", "system",
                                                                                             "warm")},
        "resident_before_min_pct": {c: min(r["resident_before_pct"] for r in by[c]) for c in ("targeted", "system",
                                                                                             "warm")},
        "major_faults_median": {c: median([r["major_faults"] for r in by[c]]) for c in CONDS},
        "inblock_mb_median": {c: median([r["inblock"] * 512 / 1e6 for r in by[c]]) for c in CONDS},
        "evict_ms_median": {c: median([r["evict_ms"] for r in by[c]]) for c in ("targeted", "system", "warm")},
        "mapped_by_others_mb_max": max((r["mapped_others_bytes"] or 0) for r in cold_runs) / 1e6,
        "footprint_files": by["targeted"][0]["footprint_files"],
        "footprint_mb": by["targeted"][0]["footprint_bytes"] / 1e6,
        "loop_late_ms_median": median(late),
        "loop_late_ms_max": max(late),
        "exit_window_ms_max": max((r["exit_window_ms"] or 0) for r in measured),
        "summary_metadata_note": notes[0] if notes else None,
        "others_mapping_torch_at_start": busy,
        "runs_all_kinds": nall,
        "values_s": imp,
        "loadavg_before": load_before,
        "loadavg_after": benchlib.loadavg(),
        "commands": ["benchd plan (order: interleaved; targeted / system / truecold / warm, %d runs each, warm-up"
                     " 1): taskset -c %s %s %s; truecold: taskset -c %s bash %s %s %s"
                     % (a.runs, CPUS, PYTHON, CHILD, CPUS, TRUECOLD, PYTHON, CHILD)],
    }
    for c in CONDS:
        print("%-9s import torch median %.3f s  major faults %s  read %.0f MB" % (
            c, med[c], res["major_faults_median"][c], res["inblock_mb_median"][c]))
    for name, r in (("targeted/truecold", rt), ("system/truecold", rs), ("system/targeted", rst)):
        print("%-18s %.3f  95%% CI [%.3f, %.3f]" % (name, r[0], r[1], r[2]))
    print("loop late: median %.2f ms, max %.2f ms; summary: %s" % (res["loop_late_ms_median"], res["loop_late_ms_max"],
                                                                   res["summary_metadata_note"]))
    benchlib.write_json(a.json, res)


if __name__ == "__main__":
    sys.exit(main())
