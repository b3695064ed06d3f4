#!/usr/bin/python3
"""cgroup_launch.py: what a run's cgroup adds to its launch stage: benchd without groups, with a group only, with a profile.

benchd puts a child in its run's group by stepping into the group itself right before uv_spawn() and back out
right after (the child is born inside). Each round runs four ways, in an order shuffled round by round (fixed seed),
each after the same 50 ms of quiet; every benchd way is a one-run plan (cache: none) of bench/child_launch.py, which
prints time.time() first thing:
  plain     a benchd started with BENCHD_CGROUPS=off: no group, as before groups existed
  group     a benchd with groups, the plan without a profile: one cgroup v2 group (membership, cgroup.kill)
  profile   the same benchd, the plan with a profile no run reaches (100 GB/s, 16 GB, cpus 0-1, 2 CPUs of quota):
            a group in every v1 hierarchy (blkio, memory, cpu, cpuset) plus the v2 one
  shell     `date +%s%N; python3 child.py` from bash, for scale
The figure is the launch stage benchd records (spawned_at, taken just before uv_spawn(), to the child's start time).
benchd's own time to step into the groups and back (move_ms in run_limits) is reported beside it: stepping in
happens before spawned_at, so it delays the run but is not in its launch; stepping out is right after uv_spawn(),
while the child launches, and the paired launch figures say what it costs.
"""
import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

import benchlib
from benchlib import PYTHON, log, median

CHILD = os.path.join(benchlib.HERE, "child_launch.py")
SHELL = "date +%%s%%N; %s %s; exit $?" % (PYTHON, CHILD)
GAP = 0.05
WAYS = ["plain", "group", "profile", "shell"]
PROFILE = '{read_bps: 100GB, memory: 16GB, cpus: "0-1", cpu_quota: 2}'

PLAN = """name: cglaunch-{name}-{i}
python: {python}
script: {child}
timeout: 30
conditions:
  - name: launch
    cache: none
    runs: 1{profile}
"""


def shell_launch():
    """Seconds from the shell's timestamp (ns) to the child's start time."""
    out = subprocess.run(["bash", "-c", SHELL], capture_output=True, text=True, check=True,
                         stdin=subprocess.DEVNULL).stdout.split("\n")
    return float(out[1].split(":", 1)[1]) - int(out[0]) / 1e9


def daemon_launch(d, folder, name, i, profile):
    """The launch stage benchd recorded for a one-run plan, and its move_ms (None without a group)."""
    plan = PLAN.format(name=name, i=i, python=PYTHON, child=CHILD,
                       profile="\n    profile: " + PROFILE if profile else "")
    plan_id = d.submit(folder, "cglaunch-%s-%d" % (name, i), plan)
    d.wait(plan_id, poll=0.01, first_sleep=0.04)
    rows = d.query("SELECT s.duration_s, l.move_ms FROM stages s JOIN runs r ON r.id = s.run_id"
                   " LEFT JOIN run_limits l ON l.run_id = r.id WHERE r.plan_id = ? AND s.name = 'launch'",
                   plan_id)
    return rows[0]["duration_s"], rows[0]["move_ms"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=60, help="rounds (each has every way once; default 60)")
    ap.add_argument("--json", help="write the figures here")
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("cgroup_launch.py: needs root (a run's groups in the cgroup v1 hierarchies)")

    values = {w: [] for w in WAYS}
    moves = {"group": [], "profile": []}
    load_before = benchlib.loadavg()
    folder = tempfile.mkdtemp(prefix="benchd-cglaunch.")
    os.environ["BENCHD_CGROUPS"] = "off"
    try:
        plain = benchlib.Daemon()
    finally:
        del os.environ["BENCHD_CGROUPS"]
    with plain, benchlib.Daemon() as d:
        ways = {
            "plain": lambda i: (daemon_launch(plain, folder, "plain", i, False)[0], None),
            "group": lambda i: daemon_launch(d, folder, "group", i, False),
            "profile": lambda i: daemon_launch(d, folder, "profile", i, True),
            "shell": lambda i: (shell_launch(), None),
        }
        for w in WAYS:          # one of each first, not counted
            ways[w](0)
        rng = random.Random(1)
        for i in range(a.rounds):
            order = list(WAYS)
            rng.shuffle(order)
            for w in order:
                time.sleep(GAP)
                v, move = ways[w](i + 1)
                values[w].append(v)
                if w in moves:
                    moves[w].append(move)
            if (i + 1) % 10 == 0:
                log("cgroup_launch: %d/%d rounds" % (i + 1, a.rounds))
    shutil.rmtree(folder, ignore_errors=True)

    med = {w: median(values[w]) for w in WAYS}
    q = {w: benchlib.quartiles(values[w]) for w in WAYS}
    res = {
        "rounds": a.rounds,
        "median_ms": {w: med[w] * 1e3 for w in WAYS},
        "iqr_ms": {w: [x * 1e3 for x in q[w]] for w in WAYS},
        "paired_diff_ms": {w: median([x - p for x, p in zip(values[w], values["plain"])]) * 1e3
                           for w in ("group", "profile")},
        "paired_iqr_ms": {w: [x * 1e3 for x in benchlib.quartiles([x - p for x, p in zip(values[w],
                                                                                          values["plain"])])]
                          for w in ("group", "profile")},
        "ratio": {w: med[w] / med["plain"] for w in ("group", "profile")},
        "move_ms": {w: median(moves[w]) for w in moves},
        "move_iqr_ms": {w: list(benchlib.quartiles(moves[w])) for w in moves},
        "values_ms": {w: [round(x * 1e3, 3) for x in values[w]] for w in WAYS},
        "loadavg_before": load_before,
        "loadavg_after": benchlib.loadavg(),
        "commands": ["benchd, each way: a one-run plan (cache: none) of %s %s; plain: a second benchd started "
                     "with BENCHD_CGROUPS=off; profile: profile: %s" % (PYTHON, CHILD, PROFILE),
                     "shell: bash -c '%s'" % SHELL],
    }
    for w in WAYS:
        print("%-8s launch median %7.3f ms  IQR %7.3f - %7.3f ms%s" % (
            w, res["median_ms"][w], *res["iqr_ms"][w],
            ("  benchd's move in and out %.2f ms (IQR %.2f - %.2f)" % (res["move_ms"][w], *res["move_iqr_ms"][w]))
            if w in moves else ""))
    for w in ("group", "profile"):
        print("%s - plain, paired by round: median %+.3f ms (IQR %+.3f to %+.3f); ratio of medians %.3f"
              % (w, res["paired_diff_ms"][w], *res["paired_iqr_ms"][w], res["ratio"][w]))
    benchlib.write_json(a.json, res)


if __name__ == "__main__":
    sys.exit(main())
