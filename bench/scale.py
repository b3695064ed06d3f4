#!/usr/bin/python3
"""scale.py: benchd's record at 100,000 runs: bytes per run on disk, `benchctl status` and `benchctl summary` latency.

bench_gendb (bench/bench_gendb.c, linked with benchd_core) fills a database through the daemon's own store code:
plans of PLAN_RUNS measured runs (cold and warm interleaved, after a probe and two warm-ups, each plan with the
torch footprint of a real probe), every run started with store_run_start and finished with store_run_finish,
its stdout a seed log (tests/fixtures/seed-logs) with jittered times, parsed by stagelog. Then, alternating A B:
`benchctl status` against a daemon on that database, one on an empty database, and (for comparison)
one on a copy without the index on runs (ended_at) that schema 2 added; `benchctl summary P`
for a PLAN_RUNS-run plan inside the big database and for the same plan alone in a small one. Wall time of the
whole benchctl process, as the user waits for it.
"""
import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

import benchlib
from benchlib import BENCHCTL, log, median

SEEDS = os.path.join(benchlib.SOURCE_DIR, "tests", "fixtures", "seed-logs")
CHILD = os.path.join(benchlib.HERE, "child_torch.py")


def gendb(path, runs, plan_runs, fp_list):
    """Make a database of about runs measured runs; bench_gendb's figures."""
    out = subprocess.run([os.path.join(benchlib.TOOLS, "bench_gendb"), path, str(runs), str(plan_runs), SEEDS,
                          fp_list], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def timed(argv):
    """Wall seconds of one command, which must succeed."""
    t = time.perf_counter()
    r = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    dt = time.perf_counter() - t
    if r.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(argv), r.returncode, r.stderr))
    return dt


def table_sizes(path):
    """Bytes per table and index, from SQLite's dbstat table when it is compiled in; else {}."""
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        rows = db.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC").fetchall()
    except sqlite3.Error:
        rows = []
    finally:
        db.close()
    return {name: size for name, size in rows}


def has_command(name):
    """Whether this benchctl knows a command."""
    r = subprocess.run([BENCHCTL, "--help"], capture_output=True, text=True)
    return any(line.split()[:1] == [name] for line in r.stdout.splitlines())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=100000, help="measured runs in the database (default 100000)")
    ap.add_argument("--plan-runs", type=int, default=1000, help="measured runs per plan (default 1000)")
    ap.add_argument("--repeat", type=int, default=30, help="timings of each command and way (default 30)")
    ap.add_argument("--list", help="a probe's footprint list to use instead of probing child_torch.py")
    ap.add_argument("--json", help="write the figures here")
    a = ap.parse_args()

    res = {"loadavg_before": benchlib.loadavg()}
    folder = tempfile.mkdtemp(prefix="benchd-scale.")
    fp_list = a.list
    if fp_list is None:
        fp_list = os.path.join(folder, "footprint.txt")
        benchlib.footprint_probe(CHILD, fp_list)
    big = os.path.join(folder, "big.db")
    small = os.path.join(folder, "small.db")
    log("scale: generating %d runs (bench_gendb)" % a.runs)
    res["gen"] = gendb(big, a.runs, a.plan_runs, fp_list)
    res["gen_small"] = gendb(small, a.plan_runs, a.plan_runs, fp_list)
    size = os.path.getsize(big)
    for suffix in ("-wal", "-shm"):
        if os.path.exists(big + suffix):
            size += os.path.getsize(big + suffix)
    res["db_bytes"] = size
    res["bytes_per_run"] = size / res["gen"]["runs"]
    res["bytes_per_measured_run"] = size / res["gen"]["measured"]
    sizes = table_sizes(big)
    res["table_bytes"] = sizes
    res["footprint_bytes_share"] = (sizes.get("footprints", 0) / size) if sizes else None
    plan = res["gen"]["plans"] // 2 or 1
    res["summary_plan"] = plan

    # For comparison, the same database without the index on runs (ended_at) that schema 2 added for the
    # status query's ORDER BY ended_at DESC LIMIT 1.
    indexed = os.path.join(folder, "indexed.db")
    db = sqlite3.connect(big)
    db.execute("VACUUM INTO ?", (indexed,))
    db.close()
    db = sqlite3.connect(indexed)
    db.execute("DROP INDEX IF EXISTS runs_ended")
    db.commit()
    db.close()

    # status: a daemon on the big database, one on an empty database, one on the indexed copy, in turn.
    t = time.perf_counter()
    d_big = benchlib.Daemon(db=big)
    res["daemon_start_ms_big"] = (time.perf_counter() - t) * 1e3
    with d_big, benchlib.Daemon() as d_empty, benchlib.Daemon(db=indexed) as d_idx:
        st_big, st_empty, st_idx = [], [], []
        ways = [(d_big, st_big), (d_empty, st_empty), (d_idx, st_idx)]
        for i in range(a.repeat + 1):
            for d, acc in ways[i % 3:] + ways[:i % 3]:
                v = timed([BENCHCTL, "--socket", d.socket, "--db", d.db, "status"])
                if i > 0:
                    acc.append(v)
        # The request alone, on the socket, without benchctl's process.
        raw = []
        for i in range(a.repeat):
            t = time.perf_counter()
            d_big.request({"cmd": "status"})
            raw.append(time.perf_counter() - t)
    res["status_ms"] = median(st_big) * 1e3
    res["status_empty_ms"] = median(st_empty) * 1e3
    res["status_indexed_ms"] = median(st_idx) * 1e3
    res["status_socket_ms"] = median(raw) * 1e3
    res["status_values_ms"] = [v * 1e3 for v in st_big]

    # summary (or what exists) of a plan inside the big database, and of the same plan alone.
    cmds = [c for c in ("summary", "runs") if has_command(c)]
    res["analysis"] = {}
    for c in cmds:
        big_t, small_t = [], []
        for i in range(a.repeat // 2 + 1):
            for db, pid, acc in ((big, plan, big_t), (small, 1, small_t)) if i % 2 == 0 else \
                    ((small, 1, small_t), (big, plan, big_t)):
                v = timed([BENCHCTL, "--db", db, c, str(pid)])
                if i > 0:
                    acc.append(v)
        res["analysis"][c] = {"big_ms": median(big_t) * 1e3, "alone_ms": median(small_t) * 1e3,
                              "values_ms": [v * 1e3 for v in big_t]}
    res["summary_missing"] = "summary" not in cmds
    os.system("rm -rf '%s'" % folder)
    res["loadavg_after"] = benchlib.loadavg()
    res["commands"] = [
        "build-bench/bench/bench_gendb DB %d %d tests/fixtures/seed-logs FOOTPRINT_LIST" % (a.runs, a.plan_runs),
        "benchctl --socket SOCK --db DB status   (daemon: benchd --socket SOCK --db DB)",
    ] + ["benchctl --db DB %s %d" % (c, plan) for c in cmds]

    print("database: %d plans, %d runs (%d measured), %.1f MB: %.0f bytes per run (generated in %.0f s)"
          % (res["gen"]["plans"], res["gen"]["runs"], res["gen"]["measured"], size / 1e6, res["bytes_per_run"],
             res["gen"]["seconds"]))
    if sizes:
        print("largest: " + ", ".join("%s %.1f MB" % (k, v / 1e6) for k, v in list(sizes.items())[:6]))
    print("benchctl status: %.2f ms (empty database: %.2f ms; the request alone: %.2f ms; without the index"
          " on runs (ended_at), as in schema 1: %.2f ms)" % (res["status_ms"], res["status_empty_ms"], res["status_socket_ms"],
                                            res["status_indexed_ms"]))
    for c, r in res["analysis"].items():
        print("benchctl %s %d: %.1f ms (the plan alone in a database: %.1f ms)" % (c, plan, r["big_ms"], r["alone_ms"]))
    if res["summary_missing"]:
        print("benchctl summary does not exist yet: measured what exists")
    benchlib.write_json(a.json, res)


if __name__ == "__main__":
    sys.exit(main())
