"""grandchild.py: a child that forks a grandchild holding its stdout and stderr open, then exits.

  grandchild.py --pidfile F --hold 60   the grandchild writes its pid to F and sleeps 60 s

The grandchild stays in the child's process group (it does not call setsid), so benchd's
SIGKILL to the group after its drain grace reaches it. The child prints its own exit time
("child exiting at T") on stdout just before it exits.
"""
import argparse
import os
import time

T0 = time.time()


def main():
    """Fork the holder, report, exit at once."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--pidfile", required=True)
    ap.add_argument("--hold", type=float, default=60.0)
    a = ap.parse_args()
    os.write(1, b"start time: %.3f\n[0.000s] Forking A Grandchild\n" % T0)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        with open(a.pidfile + ".tmp", "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(a.pidfile + ".tmp", a.pidfile)
        os.write(w, b"x")
        os.close(w)
        deadline = time.monotonic() + a.hold
        while time.monotonic() < deadline:
            time.sleep(0.2)
        os._exit(0)
    os.close(w)
    os.read(r, 1)           # the pid file is written
    os.write(1, b"grandchild pid %d\nchild exiting at %.6f\n" % (pid, time.time()))
    os._exit(0)


main()
