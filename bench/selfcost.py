#!/usr/bin/python3
"""selfcost.py: the daemon's own footprint while runs run: its CPU time per run and its peak RSS (VmHWM).

Each case gets a fresh daemon and one plan (cache: none, taskset -c CPUS), submitted on the socket and waited
for by polling the database read-only (no watch connection, so the daemon serves no one but its runs):
  quiet:  bench/child_quiet.py prints a seed log (~700 bytes, 10 stages and events), RUNS runs;
  loud:   bench/child_output.py 100 plain prints 100 MB of 100-byte text lines, LOUD runs;
  events: bench/child_output.py 100 events prints 100 MB of "[T s] ..." lines, each one an event the parser
          keeps up to its caps (100,000 events, 16 MiB) and the database stores: the worst case.
CPU: utime + stime of /proc/PID/stat (all threads, clock ticks of 1/CLK_TCK s) before the submit and after the
plan ends, divided by the runs; also the same from the threads' schedstat, in ns.
"""
import argparse
import os
import sys
import tempfile

import benchlib
from benchlib import CPUS, PYTHON, log

PLAN = """name: selfcost-{name}
python: {python}
script: {child}
args: [{args}]
cpus: "{cpus}"
timeout: 600
conditions:
  - name: {name}
    cache: none
    runs: {runs}
"""

CASES = {
    "quiet": ("child_quiet.py", '"run1"'),
    "loud": ("child_output.py", '"100", "plain"'),
    "events": ("child_output.py", '"100", "events"'),
}


def case(name, runs):
    """One fresh daemon, one plan: CPU per run and RSS figures."""
    child, args = CASES[name]
    folder = tempfile.mkdtemp(prefix="benchd-selfcost.")
    with benchlib.Daemon() as d:
        hwm_idle = benchlib.proc_status_kb(d.pid, "VmHWM")
        rss_idle = benchlib.proc_status_kb(d.pid, "VmRSS")
        t0 = benchlib.proc_cpu_ticks(d.pid)
        n0 = benchlib.proc_cpu_ns(d.pid)
        plan_id = d.submit(folder, name, PLAN.format(name=name, python=PYTHON, child=os.path.join(benchlib.HERE, child),
                                                     args=args, cpus=CPUS, runs=runs))
        d.wait(plan_id, poll=0.2)
        t1 = benchlib.proc_cpu_ticks(d.pid)
        n1 = benchlib.proc_cpu_ns(d.pid)
        hwm = benchlib.proc_status_kb(d.pid, "VmHWM")
        rss = benchlib.proc_status_kb(d.pid, "VmRSS")
        rows = d.query("SELECT count(*) AS n, sum(state = 'ok') AS ok, avg(ended_at - spawned_at) AS wall,"
                       " (SELECT sum(bytes_total) FROM outputs o JOIN runs r2 ON r2.id = o.run_id"
                       "  WHERE r2.plan_id = ?1 AND o.stream = 'stdout') AS bytes"
                       " FROM runs WHERE plan_id = ?1", plan_id)[0]
        nevents = d.query("SELECT count(*) AS n FROM events e JOIN runs r ON r.id = e.run_id WHERE r.plan_id = ?",
                          plan_id)[0]["n"]
        # How late benchd's loop was at each spawn and exit while it took this output.
        late = d.query("SELECT spawn_late_ms AS s, exit_late_ms AS e, exit_window_ms AS w FROM runs"
                       " WHERE plan_id = ? AND kind = 'measured'", plan_id)
        db_mb = os.path.getsize(d.db) / 1e6
    os.system("rm -rf '%s'" % folder)
    if rows["ok"] != rows["n"]:
        raise RuntimeError("selfcost %s: only %s of %s runs ok" % (name, rows["ok"], rows["n"]))
    return {
        "runs": rows["n"],
        "cpu_ms_per_run_ticks": (t1 - t0) * 1000.0 / benchlib.CLK_TCK / rows["n"],
        "cpu_ms_per_run": (n1 - n0) / 1e6 / rows["n"],
        "vmhwm_idle_mb": hwm_idle / 1024.0,
        "vmrss_idle_mb": rss_idle / 1024.0,
        "vmhwm_mb": hwm / 1024.0,
        "vmrss_after_mb": rss / 1024.0,
        "run_wall_s": rows["wall"],
        "stdout_mb_per_run": rows["bytes"] / rows["n"] / 1e6,
        "events_stored": nevents,
        "db_mb": db_mb,
        "spawn_late_ms_median": benchlib.median([x["s"] for x in late if x["s"] is not None]),
        "spawn_late_ms_max": max(x["s"] or 0 for x in late),
        "exit_late_ms_median": benchlib.median([x["e"] for x in late if x["e"] is not None]),
        "exit_late_ms_max": max(x["e"] or 0 for x in late),
        "exit_window_ms_max": max(x["w"] or 0 for x in late),
        "command": "taskset -c %s %s %s %s" % (CPUS, PYTHON, os.path.join(benchlib.HERE, child),
                                             args.replace('"', "").replace(",", "")),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=300, help="quiet runs (default 300)")
    ap.add_argument("--loud", type=int, default=5, help="runs of each 100 MB case (default 5)")
    ap.add_argument("--json", help="write the figures here")
    a = ap.parse_args()

    res = {"loadavg_before": benchlib.loadavg(), "clk_tck": benchlib.CLK_TCK}
    for name, runs in (("quiet", a.runs), ("loud", a.loud), ("events", a.loud)):
        log("selfcost: %s, %d runs" % (name, runs))
        r = res[name] = case(name, runs)
        print("%-6s %4d runs: daemon CPU %.3f ms per run (ticks: %.2f ms); VmHWM %.1f MB (idle %.1f MB)"
              % (name, r["runs"], r["cpu_ms_per_run"], r["cpu_ms_per_run_ticks"], r["vmhwm_mb"], r["vmhwm_idle_mb"]))
    res["loadavg_after"] = benchlib.loadavg()
    res["commands"] = ["quiet: " + res["quiet"]["command"], "loud: " + res["loud"]["command"],
                       "events: " + res["events"]["command"]]
    benchlib.write_json(a.json, res)


if __name__ == "__main__":
    sys.exit(main())
