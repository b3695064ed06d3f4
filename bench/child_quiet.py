"""child_quiet.py: a quiet run: print one of the seed logs (tests/fixtures/seed-logs, ~700 bytes) with today's start time."""
import os
import sys
import time

START = time.time()
here = os.path.dirname(os.path.abspath(__file__))
name = sys.argv[1] if len(sys.argv) > 1 else "run1"
with open(os.path.join(here, "..", "tests", "fixtures", "seed-logs", name + ".stdout")) as f:
    lines = f.read().splitlines()
sys.stdout.write("start time: %.6f\n" % START + "\n".join(lines[1:]) + "\n")
