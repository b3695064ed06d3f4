#!/usr/bin/python3
"""profiles.py: cold `import torch` under device profiles' read bandwidths, and warm under their memory limits.

Two plans through a real benchd (root, cgroup v1 blkio and memory), each run `/usr/bin/python3 bench/child_torch.py`
(`import torch`, timed by the child as benchmark.py does), conditions interleaved:
  bandwidth  cold runs with profile {read_bps: B} for B = 25, 50, 100, 200, 400 MB/s, and "unthrottled": a
             100 GB/s limit that never binds, so its reads are counted by the group the same way. The group's
             own counters give the bytes and requests each run read; the question is how well bytes / B
             predicts the cold penalty (the run's import time less the unthrottled median).
  memory     warm runs with profile {memory: M} for M = 16 GB (roomy), 2 GB, 1 GB, 768 MB, 512 MB. A warm run
             with a memory limit has its cache filled inside the limit (benchd evicts the footprint, then reads
             it from a helper in the run's group), so what does not fit is gone before it starts: the residency
             benchd measures right before the spawn says how warm it still is; the group's bytes read say
             what it had to read again.
Medians (and min-max) per condition, from the daemon's database. Wall time is a few minutes: 25 MB/s is slow.
"""
import argparse
import os
import shutil
import sys
import tempfile

import benchlib
from benchlib import CPUS, PYTHON, log, median

CHILD = os.path.join(benchlib.HERE, "child_torch.py")
BANDWIDTHS_MB = [25, 50, 100, 200, 400]
MEMORY = [("16GB", 16e9), ("2GB", 2e9), ("1GB", 1e9), ("768MB", 768e6), ("512MB", 512e6)]

BW_PLAN = """name: profiles-bandwidth
python: {python}
script: {child}
cpus: "{cpus}"
timeout: 300
order: interleaved
conditions:
  - {{name: unthrottled, cache: cold, runs: {runs}, profile: {{read_bps: 100GB}}}}
{conds}
"""

MEM_PLAN = """name: profiles-memory
python: {python}
script: {child}
cpus: "{cpus}"
timeout: 300
order: interleaved
conditions:
{conds}
"""

ROWS = ("SELECT r.id, r.condition, r.resident_before_pct AS resident, r.major_faults, r.inblock,"
        " r.mapped_others_bytes AS mapped, r.footprint_bytes,"
        " (SELECT duration_s FROM stages WHERE run_id = r.id AND name = 'import_torch') AS import_s,"
        " l.read_bytes, l.read_ios, l.memory_peak_bytes, l.read_bps, l.memory_bytes"
        " FROM runs r JOIN run_limits l ON l.run_id = r.id"
        " WHERE r.plan_id = ? AND r.kind = 'measured' AND r.state = 'ok' ORDER BY r.seq")


def by_condition(rows):
    """Rows grouped by condition, leaving out runs that started with a tenth more of their footprint mapped by
    other processes than the plan's least (someone else's torch: those pages cannot be evicted, the run was
    partly warm; some files, libc's say, are always mapped by someone); and the ids left out."""
    out, left = {}, []
    least = min([r["mapped"] for r in rows if r["mapped"] is not None] or [0])
    for r in rows:
        if r["mapped"] and r["footprint_bytes"] and r["mapped"] - least > 0.1 * r["footprint_bytes"]:
            left.append(r["id"])
            continue
        out.setdefault(r["condition"], []).append(r)
    return out, left


def spread(xs):
    """[min, max] of a list."""
    return [min(xs), max(xs)] if xs else [None, None]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="measured runs per condition (default 3)")
    ap.add_argument("--json", help="write the figures here")
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("profiles.py: needs root (cgroup v1 blkio and memory)")
    left = benchlib.wait_unmapped("libtorch", timeout=600)
    load_before = benchlib.loadavg()
    folder = tempfile.mkdtemp(prefix="benchd-profiles.")
    res = {"runs_per_condition": a.runs, "others_mapping_libtorch": left}
    with benchlib.Daemon() as d:
        conds = "\n".join("  - {name: bw%d, cache: cold, runs: %d, profile: {read_bps: %dMB}}" % (b, a.runs, b)
                          for b in BANDWIDTHS_MB)
        log("profiles: bandwidth plan (%d conditions, %d runs each)" % (len(BANDWIDTHS_MB) + 1, a.runs))
        bw_id = d.submit(folder, "bandwidth", BW_PLAN.format(python=PYTHON, child=CHILD, cpus=CPUS, runs=a.runs,
                                                            conds=conds))
        d.wait(bw_id, poll=0.5)
        conds = "\n".join("  - {name: mem%s, cache: warm, warmup_runs: 1, runs: %d, profile: {memory: %s}}"
                          % (m, a.runs, m) for m, _ in MEMORY)
        log("profiles: memory plan (%d conditions, %d runs each)" % (len(MEMORY), a.runs))
        mem_id = d.submit(folder, "memory", MEM_PLAN.format(python=PYTHON, child=CHILD, cpus=CPUS, conds=conds))
        d.wait(mem_id, poll=0.5)
        bw, left_bw = by_condition(d.query(ROWS, bw_id))
        mem, left_mem = by_condition(d.query(ROWS, mem_id))
        fp = d.query("SELECT count(*) AS n, sum(bytes) AS b FROM footprints WHERE plan_id = ? AND shared = 0", bw_id)[0]
    res["left_out_runs"] = left_bw + left_mem
    if (fp["b"] or 0) < 100e6:
        sys.exit("profiles.py: the probe found a footprint of only %.0f MB: another process mapped torch's libraries "
                 "while it ran, so cold runs cannot be cold; run again when none does" % ((fp["b"] or 0) / 1e6))
    shutil.rmtree(folder, ignore_errors=True)

    missing = [c for c in ["unthrottled"] + ["bw%d" % b for b in BANDWIDTHS_MB] if c not in bw] + \
        ["mem" + m for m, _ in MEMORY if "mem" + m not in mem]
    if missing:
        sys.exit("profiles.py: no clean run in %s (others mapped torch's files before every one); run again when "
                 "no one else runs torch" % ", ".join(missing))
    base = median([r["import_s"] for r in bw["unthrottled"]])
    res["footprint"] = {"files": fp["n"], "mb": (fp["b"] or 0) / 1e6}
    res["bandwidth"] = []
    for name, mb in [("unthrottled", None)] + [("bw%d" % b, b) for b in BANDWIDTHS_MB]:
        rs = bw[name]
        t = [r["import_s"] for r in rs]
        rb = median([r["read_bytes"] for r in rs])
        ios = median([r["read_ios"] for r in rs])
        row = {"condition": name, "read_mb_s": mb, "import_s": median(t), "import_range_s": spread(t),
               "read_mb": rb / 1e6, "read_ios": ios, "kb_per_read": rb / ios / 1e3 if ios else None,
               "resident_max_pct": max(r["resident"] for r in rs)}
        if mb:
            row["penalty_s"] = median(t) - base
            row["predicted_s"] = rb / (mb * 1e6)
            row["measured_over_predicted"] = row["penalty_s"] / row["predicted_s"]
            row["iops_needed"] = ios / row["predicted_s"] if row["predicted_s"] else None
        res["bandwidth"].append(row)
    res["memory"] = []
    for name, m in MEMORY:
        rs = mem["mem" + name]
        t = [r["import_s"] for r in rs]
        res["memory"].append({
            "condition": "mem" + name, "memory": name, "import_s": median(t), "import_range_s": spread(t),
            "resident_pct": median([r["resident"] for r in rs]),
            "resident_range_pct": spread([r["resident"] for r in rs]),
            "read_mb": median([r["read_bytes"] for r in rs]) / 1e6,
            "major_faults": median([r["major_faults"] for r in rs]),
            "peak_mb": median([r["memory_peak_bytes"] for r in rs]) / 1e6})
    res["loadavg_before"] = load_before
    res["loadavg_after"] = benchlib.loadavg()
    res["commands"] = [
        "benchd plan profiles-bandwidth (interleaved, %d runs each): cold runs, profile {read_bps: 100GB} "
        "(unthrottled) and {read_bps: B} for B in %s MB/s; taskset -c %s %s %s"
        % (a.runs, ", ".join(map(str, BANDWIDTHS_MB)), CPUS, PYTHON, CHILD),
        "benchd plan profiles-memory (interleaved, 1 warm-up and %d runs each): warm runs, profile {memory: M} "
        "for M in %s" % (a.runs, ", ".join(m for m, _ in MEMORY))]

    print("footprint %d files, %.0f MB; runs left out (a tenth more of the footprint mapped by others than the least): %s"
          % (res["footprint"]["files"], res["footprint"]["mb"], ", ".join(map(str, res["left_out_runs"])) or "none"))
    print("%-12s %9s %15s %8s %8s %9s %9s %8s" % ("condition", "import s", "min-max", "read MB", "reads",
                                                  "penalty", "bytes/B", "ratio"))
    for r in res["bandwidth"]:
        print("%-12s %9.3f %7.3f-%-7.3f %8.0f %8.0f %9s %9s %8s" % (
            r["condition"], r["import_s"], r["import_range_s"][0], r["import_range_s"][1], r["read_mb"],
            r["read_ios"], "%.2f s" % r["penalty_s"] if "penalty_s" in r else "",
            "%.2f s" % r["predicted_s"] if "predicted_s" in r else "",
            "%.2f" % r["measured_over_predicted"] if "measured_over_predicted" in r else ""))
    print("%-12s %9s %15s %12s %8s %8s %8s" % ("condition", "import s", "min-max", "resident %", "read MB",
                                               "majflt", "peak MB"))
    for r in res["memory"]:
        print("%-12s %9.3f %7.3f-%-7.3f %12s %8.0f %8.0f %8.0f" % (
            r["condition"], r["import_s"], r["import_range_s"][0], r["import_range_s"][1],
            "%.1f (%.0f-%.0f)" % (r["resident_pct"], *r["resident_range_pct"]), r["read_mb"],
            r["major_faults"], r["peak_mb"]))
    benchlib.write_json(a.json, res)


if __name__ == "__main__":
    sys.exit(main())
