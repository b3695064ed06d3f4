#!/usr/bin/python3
"""ingest.py: how fast benchd drains and parses a child's stdout, against `cat > /dev/null` of the same bytes.

The child (bench/child_output.py MB KIND) writes MB megabytes of 100-byte lines as fast as the reader takes them
and times its own writes, first to last; that time is the rate's denominator in both ways, side by side,
A B A B: benchd (a one-run plan, cache: none; the child reports its time as the stage "output", which benchd
records) and `python3 child_output.py MB KIND | cat > /dev/null` (the child reports on stderr). KIND plain is
text the parser keeps nothing of; KIND events is "[T s] ..." lines, each an event benchd keeps up to its caps.
Also given: bytes / (ended_at - spawned_at) for benchd, which includes the interpreter's start, and each reader's
CPU time (the daemon's from /proc, cat's from wait4). Two placements, the same for both readers: "same" (reader
and writer on CPU 1: the reader's cost per byte sets the rate; judged against the bar) and "split" (reader on
CPU 0, writer on CPU 1).
"""
import argparse
import os
import subprocess
import sys
import tempfile

import benchlib
from benchlib import PYTHON, log, median

CHILD = os.path.join(benchlib.HERE, "child_output.py")

# Where the reader (benchd or cat) and the writer run, the same in both ways. same: one CPU, so the rate is
# set by the reader's own cost per byte (the figure judged against the bar); split: one CPU each, where this
# VM's cross-CPU wake-ups (a 64 KiB pipe fills in microseconds) set the pace for both readers.
PLACEMENTS = (("same", "1", "1"), ("split", "0", "1"))

PLAN = """name: ingest-{kind}-{i}
python: {python}
script: {child}
args: ["{mb}", "{kind}"]
cpus: "{cpu}"
timeout: 600
conditions:
  - name: ingest
    cache: none
    runs: 1
"""


def payload(mb):
    """The bytes the child writes: whole 100-byte lines."""
    return int(mb * 1024 * 1024) // 100 * 100


def shell_rate(mb, kind, reader, writer):
    """MB/s of the child piped to cat, from the child's own write time; and cat's CPU seconds."""
    cmd = "taskset -c %s %s %s %s %s | taskset -c %s cat > /dev/null" % (writer, PYTHON, CHILD, mb, kind, reader)
    # The pipeline as bash would make it, so cat's own CPU time can be read (wait4).
    w = subprocess.Popen(["taskset", "-c", writer, PYTHON, CHILD, str(mb), kind], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    c = subprocess.Popen(["taskset", "-c", reader, "cat"], stdin=w.stdout, stdout=subprocess.DEVNULL)
    w.stdout.close()
    _, status, ru = os.wait4(c.pid, 0)
    c.returncode = status
    err = w.stderr.read().decode()
    w.stderr.close()
    w.wait()
    fields = dict(kv.split("=") for kv in err.split())
    return int(fields["bytes"]) / float(fields["write_s"]) / 1e6, ru.ru_utime + ru.ru_stime, cmd


def daemon_rate(d, folder, mb, kind, i, writer):
    """MB/s of the child under benchd: (child's write time, spawn to end), and the daemon's CPU seconds."""
    ns0 = benchlib.proc_cpu_ns(d.pid)
    plan_id = d.submit(folder, "ingest-%s-%d" % (kind, i), PLAN.format(kind=kind, i=i, python=PYTHON, child=CHILD,
                                                                      mb=mb, cpu=writer))
    d.wait(plan_id, poll=0.05)
    cpu = (benchlib.proc_cpu_ns(d.pid) - ns0) / 1e9
    r = d.query("SELECT r.ended_at - r.spawned_at AS wall, o.bytes_total AS bytes,"
                " (SELECT duration_s FROM stages WHERE run_id = r.id AND name = 'output') AS write_s"
                " FROM runs r JOIN outputs o ON o.run_id = r.id AND o.stream = 'stdout'"
                " WHERE r.plan_id = ?", plan_id)[0]
    return payload(mb) / r["write_s"] / 1e6, r["bytes"] / r["wall"] / 1e6, cpu


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pairs", type=int, default=10, help="pairs per kind (default 10)")
    ap.add_argument("--mb", type=float, default=200, help="megabytes (MiB) per run (default 200)")
    ap.add_argument("--json", help="write the figures here")
    a = ap.parse_args()

    res = {"loadavg_before": benchlib.loadavg(), "mb": a.mb, "pairs": a.pairs, "commands": []}
    folder = tempfile.mkdtemp(prefix="benchd-ingest.")
    mb_payload = payload(a.mb) / 1e6
    for place, reader, writer in PLACEMENTS:
        res[place] = {}
        with benchlib.Daemon(cpus=reader) as d:
            for kind in ("plain", "events"):
                dm, dw, dcpu, sh, scpu = [], [], [], [], []
                # One of each first, not counted.
                daemon_rate(d, folder, a.mb, kind, 0, writer)
                cmd = shell_rate(a.mb, kind, reader, writer)[2]
                for i in range(a.pairs):
                    for way in (("d", "s") if i % 2 == 0 else ("s", "d")):
                        if way == "d":
                            m, w, cpu = daemon_rate(d, folder, a.mb, kind, i + 1, writer)
                            dm.append(m)
                            dw.append(w)
                            dcpu.append(cpu)
                        else:
                            m, cpu, _ = shell_rate(a.mb, kind, reader, writer)
                            sh.append(m)
                            scpu.append(cpu)
                log("ingest: %s %s done" % (place, kind))
                r = res[place][kind] = {
                    "benchd_mb_s": median(dm), "benchd_wall_mb_s": median(dw), "cat_mb_s": median(sh),
                    "ratio": median(dm) / median(sh),
                    "paired_ratio_median": median([x / y for x, y in zip(dm, sh)]),
                    # What each reader could take if it had a CPU to itself: megabytes per CPU second.
                    "benchd_mb_per_cpu_s": mb_payload / median(dcpu),
                    "cat_mb_per_cpu_s": mb_payload / median(scpu),
                    "values": {"benchd": dm, "benchd_wall": dw, "cat": sh, "benchd_cpu_s": dcpu, "cat_cpu_s": scpu},
                }
                res["commands"].append("%s, shell: %s" % (place, cmd))
                res["commands"].append("%s, benchd: taskset -c %s benchd ...; a one-run plan (cache: none, cpus: \"%s\")"
                                       " of %s %s %s %s" % (place, reader, writer, PYTHON, CHILD, a.mb, kind))
                print("%-5s %-6s benchd %6.0f MB/s (spawn to end %6.0f)  cat %6.0f MB/s  benchd / cat %.3f;"
                      "  MB per CPU s: benchd %5.0f, cat %5.0f"
                      % (place, kind, r["benchd_mb_s"], r["benchd_wall_mb_s"], r["cat_mb_s"], r["ratio"],
                         r["benchd_mb_per_cpu_s"], r["cat_mb_per_cpu_s"]))
    os.system("rm -rf '%s'" % folder)
    res["loadavg_after"] = benchlib.loadavg()
    benchlib.write_json(a.json, res)


if __name__ == "__main__":
    sys.exit(main())
