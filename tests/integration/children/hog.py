"""hog.py: a child that takes MB megabytes of memory and touches every page, then exits.

  hog.py MB
"""
import sys
import time

T0 = time.time()
print("start time: %.6f" % T0, flush=True)
print("[0.000s] Allocating", flush=True)
block = bytearray(int(sys.argv[1]) << 20)
for i in range(0, len(block), 4096):
    block[i] = 1
t = time.time() - T0
print("[%.3fs] Allocated, Time Spent: %.3fs" % (t, t), flush=True)
