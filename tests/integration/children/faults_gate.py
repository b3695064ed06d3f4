"""faults_gate.py: a child the fault tests hold at a gate, so a fault can be set while it runs.

  faults_gate.py --marker M --gate G     append "start PID TOKEN" to M (its Nth line), then wait
                                         until the file G holds a number >= N, then exit 0
  faults_gate.py --marker M --sleep S    append the line, then sleep S seconds instead
  --ignore-term                          ignore SIGTERM
  --bad-stderr                           print invalid UTF-8 on stderr and exit 1 at the end
  --kill-self                            SIGKILL itself at the end (a probe that never ends well)
  --max S                                give up waiting at the gate after S s (exit 3; default 90)
  --unlink-after-first F                 remove F at the end, unless this is the first start in M

TOKEN is $BENCHD_RUN (the run's token; "-" when benchd sets none). M and G live outside any
file system a test fills or freezes, so the count of start lines says how many runs began.
"""
import argparse
import os
import signal
import sys
import time

T0 = time.time()


def gate_value(path):
    """The number in the gate file, or 0."""
    try:
        with open(path) as f:
            return int(f.read().strip() or 0)
    except (OSError, ValueError):
        return 0


def main():
    """Note the start, wait at the gate (or sleep), end as asked."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--marker", required=True)
    ap.add_argument("--gate")
    ap.add_argument("--sleep", type=float)
    ap.add_argument("--ignore-term", action="store_true")
    ap.add_argument("--bad-stderr", action="store_true")
    ap.add_argument("--kill-self", action="store_true")
    ap.add_argument("--max", type=float, default=90.0)
    ap.add_argument("--unlink-after-first")
    a = ap.parse_args()
    if a.ignore_term:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    with open(a.marker, "a") as f:
        f.write("start %d %s\n" % (os.getpid(), os.environ.get("BENCHD_RUN", "-")))
    with open(a.marker) as f:
        n = len(f.read().splitlines())
    os.write(1, b"start time: %.3f\n[0.000s] Waiting At The Gate\n" % T0)
    if a.sleep is not None:
        time.sleep(a.sleep)
    elif a.gate:
        deadline = time.monotonic() + a.max
        while gate_value(a.gate) < n:
            if time.monotonic() > deadline:
                os.write(2, b"faults_gate: the gate never opened\n")
                sys.exit(3)
            time.sleep(0.02)
    os.write(1, b"[%.3fs] Gate Passed Done, Time Spent: 0.001s\n" % (time.time() - T0))
    if a.unlink_after_first and n > 1 and os.path.exists(a.unlink_after_first):
        os.unlink(a.unlink_after_first)
    if a.kill_self:
        os.kill(os.getpid(), signal.SIGKILL)
    if a.bad_stderr:
        os.write(2, b"traceback of sorts\nValueError: bad byte \xff\xfe here, cut \xe2\x82\n")
        sys.exit(1)
    sys.exit(0)


main()
