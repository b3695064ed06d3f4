"""faults_descend.py: a child that leaves a descendant behind, the way real programs do.

  faults_descend.py --mode MODE --pidfile F [--hold 60] [--ignore-term] [--gate G | --sleep S]

MODE is how the descendant tries to get away:
  group     a plain fork: it stays in the run's process group and session
  setsid    a fork that calls setsid(): a session (and group) of its own
  setpgid   a fork that calls setpgid(0, 0): a group of its own, same session
  daemon    a double fork with setsid() in between and every descriptor closed (a daemon)

The descendant appends "MODE PID" to F, points its stdio at /dev/null (so the run's pipes close)
and sleeps --hold seconds (ignoring SIGTERM with --ignore-term). The child appends "child PID"
to F once the descendant has written its line, then exits 0 at once, or waits for the gate file
G to hold a number >= 1, or sleeps S seconds.
"""
import argparse
import os
import signal
import sys
import time

T0 = time.time()


def descendant(a, w):
    """In the descendant: report, let go of the run's pipes, linger."""
    if a.ignore_term:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    with open(a.pidfile, "a") as f:
        f.write("%s %d\n" % (a.mode, os.getpid()))
    os.write(w, b"x")
    os.close(w)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    if a.mode == "daemon":
        os.closerange(0, 4096)
    deadline = time.monotonic() + a.hold
    while time.monotonic() < deadline:
        time.sleep(0.1)
    os._exit(0)


def main():
    """Start the descendant, wait for its line, then end as asked."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=("group", "setsid", "setpgid", "daemon"), required=True)
    ap.add_argument("--pidfile", required=True)
    ap.add_argument("--hold", type=float, default=60.0)
    ap.add_argument("--ignore-term", action="store_true")
    ap.add_argument("--gate")
    ap.add_argument("--sleep", type=float)
    a = ap.parse_args()
    os.write(1, b"start time: %.3f\n[0.000s] Leaving A Descendant\n" % T0)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        if a.mode == "setsid":
            os.setsid()
        elif a.mode == "setpgid":
            os.setpgid(0, 0)
        elif a.mode == "daemon":
            os.setsid()
            if os.fork() != 0:
                os._exit(0)     # the middle one: its child is an orphan now
        descendant(a, w)
    os.close(w)
    os.read(r, 1)
    os.close(r)
    if a.mode == "daemon":
        os.waitpid(pid, 0)      # the middle process, gone
    with open(a.pidfile, "a") as f:
        f.write("child %d\n" % os.getpid())
    if a.gate:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with open(a.gate) as f:
                    if int(f.read().strip() or 0) >= 1:
                        break
            except (OSError, ValueError):
                pass
            time.sleep(0.02)
    elif a.sleep:
        time.sleep(a.sleep)
    os.write(1, b"[%.3fs] Descendant Left Done, Time Spent: 0.001s\n" % (time.time() - T0))
    sys.exit(0)


main()
