#!/usr/bin/python3
"""fidelity.py: is benchd's targeted cold start as cold as the machine-wide one? `import torch` through a real daemon.

One plan, order interleaved, of three conditions running the same child (bench/child_torch.py: import torch and
print the stage, Debian's /usr/bin/python3 and python3-torch, taskset -c CPUS): cold_targeted (posix_fadvise
DONTNEED over the probe's footprint), cold_system (sync + drop_caches, root), warm (footprint primed). So the
runs go targeted, system, warm, targeted, system, warm ... and each targeted run has a system run beside it.
Figures from the daemon's database: median import_torch per condition, targeted / system, the residency benchd
measured before each run, major faults and blocks read, the eviction time benchd recorded, and the daemon's own
CPU time per run. benchd leaves out of the footprint any file another process maps at probe time, so the
script first waits (up to 3 minutes) until no other process maps torch's libraries, and reports what was left out.
"""
import argparse
import os
import sys
import tempfile

import benchlib
from benchlib import CPUS, PYTHON, log, median

CHILD = os.path.join(benchlib.HERE, "child_torch.py")

PLAN = """name: fidelity-import-torch
python: {python}
script: {child}
cpus: "{cpus}"
timeout: 600
order: interleaved
conditions:
  - name: cold_targeted
    cache: cold
    cold_method: targeted
    runs: {n}
  - name: cold_system
    cache: cold
    cold_method: system
    runs: {n}
  - name: warm
    cache: warm
    warmup_runs: 1
    runs: {n}
"""

CONDS = ("cold_targeted", "cold_system", "warm")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pairs", type=int, default=12, help="runs per condition (default 12)")
    ap.add_argument("--json", help="write the figures here")
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("fidelity.py: cold_method system needs root (drop_caches)")

    load_before = benchlib.loadavg()
    folder = tempfile.mkdtemp(prefix="benchd-fidelity.")
    busy = benchlib.wait_unmapped("libtorch")
    with benchlib.Daemon() as d:
        d.watch()
        cpu0 = benchlib.proc_cpu_ticks(d.pid)
        ns0 = benchlib.proc_cpu_ns(d.pid)
        plan_id = d.submit(folder, "fidelity", PLAN.format(python=PYTHON, child=CHILD, cpus=CPUS, n=a.pairs))
        log("fidelity: plan %d, %d runs per condition (about %d s)" % (plan_id, a.pairs, a.pairs * 8))
        d.wait(plan_id)
        cpu1 = benchlib.proc_cpu_ticks(d.pid)
        ns1 = benchlib.proc_cpu_ns(d.pid)
        runs = d.query(
            "SELECT r.id, r.condition, r.kind, r.seq, r.resident_before_pct, r.major_faults, r.inblock, r.evict_ms,"
            " r.footprint_files, r.footprint_bytes,"
            " (SELECT duration_s FROM stages WHERE run_id = r.id AND name = 'import_torch') AS import_s"
            " FROM runs r WHERE r.plan_id = ? AND r.state = 'ok' ORDER BY r.seq", plan_id)
        nall = len(d.query("SELECT id FROM runs WHERE plan_id = ?", plan_id))
        fp = d.query("SELECT count(*) AS files, coalesce(sum(shared), 0) AS shared,"
                     " coalesce(sum(CASE WHEN shared THEN bytes END), 0) AS shared_bytes"
                     " FROM footprints WHERE plan_id = ?", plan_id)[0]
    os.system("rm -rf '%s'" % folder)

    measured = [r for r in runs if r["kind"] == "measured"]
    by = {c: [r for r in measured if r["condition"] == c] for c in CONDS}
    imp = {c: [r["import_s"] for r in by[c]] for c in CONDS}
    med = {c: median(imp[c]) for c in CONDS}
    pairs = [t / s for t, s in zip(imp["cold_targeted"], imp["cold_system"])]
    res = {
        "runs_per_condition": {c: len(by[c]) for c in CONDS},
        "import_torch_median_s": med,
        "import_torch_iqr_s": {c: benchlib.quartiles(imp[c]) for c in CONDS},
        "ratio_targeted_to_system": med["cold_targeted"] / med["cold_system"],
        "paired_ratio_median": median(pairs),
        "cold_penalty_targeted": med["cold_targeted"] / med["warm"],
        "cold_penalty_system": med["cold_system"] / med["warm"],
        "resident_before_max_pct": {c: max(r["resident_before_pct"] for r in by[c]) for c in CONDS},
        "resident_before_median_pct": {c: median([r["resident_before_pct"] for r in by[c]]) for c in CONDS},
        "resident_before_min_pct": {c: min(r["resident_before_pct"] for r in by[c]) for c in CONDS},
        "major_faults_median": {c: median([r["major_faults"] for r in by[c]]) for c in CONDS},
        "inblock_mb_median": {c: median([r["inblock"] * 512 / 1e6 for r in by[c]]) for c in CONDS},
        "evict_ms_median": {c: median([r["evict_ms"] for r in by[c]]) for c in CONDS},
        "footprint_files": by["cold_targeted"][0]["footprint_files"],
        "footprint_mb": by["cold_targeted"][0]["footprint_bytes"] / 1e6,
        "footprint_shared_files": fp["shared"],
        "footprint_shared_mb": fp["shared_bytes"] / 1e6,
        "others_mapping_torch_at_start": busy,
        "daemon_cpu_ms_per_run_ticks": (cpu1 - cpu0) * 1000.0 / benchlib.CLK_TCK / nall,
        "daemon_cpu_ms_per_run": (ns1 - ns0) / 1e6 / nall,
        "runs_all_kinds": nall,
        "values_s": imp,
        "loadavg_before": load_before,
        "loadavg_after": benchlib.loadavg(),
        "commands": ["benchd plan (order: interleaved; cold_targeted / cold_system / warm, %d runs each, warm-up 1):"
                     " taskset -c %s %s %s" % (a.pairs, CPUS, PYTHON, CHILD)],
    }
    for c in CONDS:
        print("%-14s import torch median %.3f s  resident before max %.2f %%  major faults %s  read %.0f MB"
              "  evict/prime %.1f ms" % (c, med[c], res["resident_before_max_pct"][c], res["major_faults_median"][c],
                                         res["inblock_mb_median"][c], res["evict_ms_median"][c]))
    print("footprint: %d files, %.0f MB; %d files, %.0f MB mapped by other processes at the probe and left out"
          % (res["footprint_files"], res["footprint_mb"], res["footprint_shared_files"], res["footprint_shared_mb"]))
    print("targeted / system: %.3f (paired %.3f); cold / warm: %.2f; daemon CPU %.2f ms per run"
          % (res["ratio_targeted_to_system"], res["paired_ratio_median"], res["cold_penalty_targeted"],
             res["daemon_cpu_ms_per_run"]))
    benchlib.write_json(a.json, res)


if __name__ == "__main__":
    sys.exit(main())
