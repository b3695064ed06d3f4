#!/usr/bin/python3
"""launch.py: benchd's launch stage (spawn to the child's "start time:") against the same command started from a shell.

The child (bench/child_launch.py) prints time.time() first thing, to the microsecond. Each round runs six ways,
in an order shuffled round by round (fixed seed), each after the same 50 ms of quiet:
  benchd_taskset          benchd, plan with cpus: (taskset -c CPUS), no client attached: the harness sleeps
                          40 ms (the child's start takes ~11), then reads the database every 10 ms
  benchd_plain            the same without cpus:
  benchd_watched_taskset  a second daemon with a watch connection open, as `benchctl submit --wait` keeps one:
                          the daemon sends it run_started right after the spawn, and the watcher wakes
  shell_taskset           what a user does: `date +%s%N` then `taskset -c CPUS python3 child.py`, forked as an
                          interactive shell forks it (bash -c would exec a last command in its own place)
  shell_plain             the same without taskset
  shell_epoch_taskset     bash's own $EPOCHREALTIME instead of a `date` process, before taskset
benchd's figure is the launch stage it records (spawned_at, taken just before uv_spawn(), to the child's start
time); each benchd way is a one-run plan (cache: none). Figures: medians, benchd / shell (both with taskset).
"""
import argparse
import os
import shutil
import subprocess
import sys
import random
import tempfile
import time

import benchlib
from benchlib import CPUS, PYTHON, log, median

CHILD = os.path.join(benchlib.HERE, "child_launch.py")

# "; exit $?" keeps bash from exec'ing the last command of -c in place of itself: an interactive shell, where the
# user types these two commands, forks the command, and so does benchd.
SHELL = {
    "shell_taskset": "date +%%s%%N; taskset -c %s %s %s; exit $?" % (CPUS, PYTHON, CHILD),
    "shell_plain": "date +%%s%%N; %s %s; exit $?" % (PYTHON, CHILD),
    "shell_epoch_taskset": "echo ${EPOCHREALTIME/[.,]/}000; taskset -c %s %s %s; exit $?" % (CPUS, PYTHON, CHILD),
}
GAP = 0.05
WAYS = ["benchd_taskset", "benchd_plain", "benchd_watched_taskset"] + list(SHELL)

PLAN = """name: launch-{name}-{i}
python: {python}
script: {child}
{cpus}timeout: 30
conditions:
  - name: launch
    cache: none
    runs: 1
"""


def shell_launch(cmd):
    """Seconds from the shell's timestamp (ns) to the child's start time."""
    out = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, check=True,
                         stdin=subprocess.DEVNULL).stdout.split("\n")
    t0 = int(out[0]) / 1e9
    start = float(out[1].split(":", 1)[1])
    return start - t0


def daemon_launch(d, folder, name, i, pinned):
    """Seconds of the launch stage benchd recorded for a one-run plan."""
    plan = PLAN.format(name=name, i=i, python=PYTHON, child=CHILD,
                       cpus='cpus: "%s"\n' % CPUS if pinned else "")
    plan_id = d.submit(folder, "launch-%s-%d" % (name, i), plan)
    # Unwatched: asleep for the first 40 ms (the child's start takes ~11 ms, its whole run ~25), then the
    # database every 10 ms, so nothing of the harness runs while the child starts.
    d.wait(plan_id, poll=0.01 if d.watch_sock is None else None, first_sleep=0.04 if d.watch_sock is None else 0)
    rows = d.query("SELECT s.duration_s FROM stages s JOIN runs r ON r.id = s.run_id"
                   " WHERE r.plan_id = ? AND s.name = 'launch'", plan_id)
    return rows[0]["duration_s"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pairs", type=int, default=60, help="rounds (each has every way once; default 60)")
    ap.add_argument("--json", help="write the figures here")
    a = ap.parse_args()

    values = {w: [] for w in WAYS}
    load_before = benchlib.loadavg()
    folder = tempfile.mkdtemp(prefix="benchd-launch.")
    with benchlib.Daemon() as d, benchlib.Daemon() as dw:
        dw.watch()
        ways = {
            "benchd_taskset": lambda i: daemon_launch(d, folder, "taskset", i, True),
            "benchd_plain": lambda i: daemon_launch(d, folder, "plain", i, False),
            "benchd_watched_taskset": lambda i: daemon_launch(dw, folder, "watched", i, True),
        }
        for w, cmd in SHELL.items():
            ways[w] = lambda i, cmd=cmd: shell_launch(cmd)
        # One of each first, not counted: the interpreter's files cached, the daemons' databases warm.
        for w in WAYS:
            ways[w](0)
        rng = random.Random(1)
        for i in range(a.pairs):
            order = list(WAYS)
            rng.shuffle(order)
            for w in order:
                # The same quiet moment before every launch, whatever ran before it: on this VM an idle vCPU
                # wakes slower, and a way that always followed an idle gap would pay for it alone.
                time.sleep(GAP)
                values[w].append(ways[w](i + 1))
            if (i + 1) % 20 == 0:
                log("launch: %d/%d rounds" % (i + 1, a.pairs))
    shutil.rmtree(folder, ignore_errors=True)

    med = {w: median(values[w]) for w in WAYS}
    q = {w: benchlib.quartiles(values[w]) for w in WAYS}
    res = {
        "rounds": a.pairs,
        "median_ms": {w: med[w] * 1e3 for w in WAYS},
        "iqr_ms": {w: [x * 1e3 for x in q[w]] for w in WAYS},
        "ratio_benchd_to_shell": med["benchd_taskset"] / med["shell_taskset"],
        "ratio_watched_to_shell": med["benchd_watched_taskset"] / med["shell_taskset"],
        "ratio_benchd_plain_to_shell_plain": med["benchd_plain"] / med["shell_plain"],
        "paired_diff_median_ms": median([b - s for b, s in zip(values["benchd_taskset"],
                                                               values["shell_taskset"])]) * 1e3,
        "paired_diff_watched_median_ms": median([b - s for b, s in zip(values["benchd_watched_taskset"],
                                                                       values["shell_taskset"])]) * 1e3,
        "taskset_cost_shell_ms": (med["shell_taskset"] - med["shell_plain"]) * 1e3,
        "taskset_cost_benchd_ms": (med["benchd_taskset"] - med["benchd_plain"]) * 1e3,
        "values_ms": {w: [round(x * 1e3, 3) for x in values[w]] for w in WAYS},
        "loadavg_before": load_before,
        "loadavg_after": benchlib.loadavg(),
        "commands": ["shell: bash -c '%s'" % SHELL["shell_taskset"],
                     "shell without taskset: bash -c '%s'" % SHELL["shell_plain"],
                     "shell, bash's clock: bash -c '%s'" % SHELL["shell_epoch_taskset"],
                     "benchd: a one-run plan (cache: none, cpus: \"%s\" or none) of %s %s per way and round"
                     % (CPUS, PYTHON, CHILD)],
    }
    for w in WAYS:
        print("%-24s median %7.3f ms  IQR %7.3f - %7.3f ms" % (w, res["median_ms"][w], *res["iqr_ms"][w]))
    print("benchd / shell (both taskset): %.3f, paired difference %+.3f ms; with a watcher %.3f (%+.3f ms); "
          "taskset costs %.3f ms (shell), %.3f ms (benchd)"
          % (res["ratio_benchd_to_shell"], res["paired_diff_median_ms"], res["ratio_watched_to_shell"],
             res["paired_diff_watched_median_ms"], res["taskset_cost_shell_ms"], res["taskset_cost_benchd_ms"]))
    benchlib.write_json(a.json, res)


if __name__ == "__main__":
    sys.exit(main())
