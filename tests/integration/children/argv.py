"""argv.py: a child that prints its arguments as one JSON line ("argv: [...]") and exits 0."""
import json
import os
import sys
import time

T0 = time.time()
sys.stdout.write("start time: %.3f\n" % T0)
sys.stdout.write("argv: %s\n" % json.dumps(sys.argv[1:]))
sys.stdout.write("cwd: %s\n" % os.getcwd())
