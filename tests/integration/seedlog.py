"""seedlog.py: a child for the daemon's tests: prints one of the seed's logs, or misbehaves on request.

  seedlog.py --log run1              print fixtures/seed-logs/run1.stdout (with today's start time)
  seedlog.py --exit 3                ... then exit 3, a line on stderr first
  seedlog.py --hang                  print the first lines, then sleep forever
  seedlog.py --ignore-term           ... and ignore SIGTERM
  seedlog.py --intervals FILE        append "start T" and "end T" lines (to prove runs never overlap)
  seedlog.py --sleep S               sleep S seconds between lines
"""
import argparse
import os
import signal
import sys
import time

T0 = time.time()
HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures", "seed-logs")


def main():
    """Print the chosen log, behaving as asked."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", default="run1")
    ap.add_argument("--exit", type=int, default=0)
    ap.add_argument("--hang", action="store_true")
    ap.add_argument("--ignore-term", action="store_true")
    ap.add_argument("--intervals")
    ap.add_argument("--sleep", type=float, default=0.0)
    a = ap.parse_args()
    if a.ignore_term:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if a.intervals:
        with open(a.intervals, "a") as f:
            f.write("start %d %.6f\n" % (os.getpid(), time.time()))
    with open(os.path.join(FIXTURES, a.log + ".stdout")) as f:
        lines = f.read().splitlines()
    print("start time: %.3f" % T0, flush=True)
    for i, line in enumerate(lines[1:]):
        if a.hang and i == 3:
            while True:
                time.sleep(1)
        print(line, flush=True)
        if a.sleep:
            time.sleep(a.sleep)
    if a.intervals:
        with open(a.intervals, "a") as f:
            f.write("end %d %.6f\n" % (os.getpid(), time.time()))
    if a.exit:
        print("seedlog: failing on purpose with status %d" % a.exit, file=sys.stderr)
    sys.exit(a.exit)


main()
