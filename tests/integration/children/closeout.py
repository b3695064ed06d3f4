"""closeout.py: a child that closes stdout and stderr early and keeps running (at most --max s)."""
import argparse
import os
import time

T0 = time.time()


def main():
    """Print two lines, close both pipes, then sleep."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--max", type=float, default=120.0)
    a = ap.parse_args()
    os.write(1, b"start time: %.3f\n[0.000s] Closing Output Now\n" % T0)
    os.close(1)
    os.close(2)
    deadline = time.monotonic() + a.max
    while time.monotonic() < deadline:
        time.sleep(0.2)


main()
