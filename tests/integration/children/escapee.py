"""escapee.py: a child that leaves a grandchild behind in a session of its own, with its output closed.

  escapee.py --pidfile F --hold 600   the grandchild writes its pid to F and sleeps 600 s
  escapee.py ... --stay 60            the child itself then sleeps 60 s before it exits

The grandchild double-forks away and calls setsid(): it is in no process group of the run, holds
none of its pipes, and its parent has exited. Only the run's cgroup still finds it.
"""
import argparse
import os
import time

T0 = time.time()


def main():
    """Leave the grandchild, wait until its pid file is written, report, exit."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--pidfile", required=True)
    ap.add_argument("--hold", type=float, default=600.0)
    ap.add_argument("--stay", type=float, default=0.0)
    a = ap.parse_args()
    os.write(1, b"start time: %.3f\n[0.000s] Leaving A Grandchild\n" % T0)
    pid = os.fork()
    if pid == 0:
        os.setsid()
        if os.fork() == 0:
            fd = os.open(os.devnull, os.O_RDWR)
            for i in (0, 1, 2):
                os.dup2(fd, i)
            with open(a.pidfile + ".tmp", "w") as f:
                f.write("%d\n" % os.getpid())
            os.rename(a.pidfile + ".tmp", a.pidfile)
            time.sleep(a.hold)
        os._exit(0)
    os.waitpid(pid, 0)
    while not os.path.exists(a.pidfile):
        time.sleep(0.01)
    with open(a.pidfile) as f:
        os.write(1, b"grandchild pid %s\n" % f.read().strip().encode())
    time.sleep(a.stay)


main()
