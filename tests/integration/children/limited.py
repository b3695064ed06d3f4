"""limited.py: a child for device profiles: shows its cgroups, reads a file, then burns CPU.

  limited.py FILE [CPU_SECONDS]

First it prints its /proc/self/cgroup ("cgroup ..." lines): where it was born. Then it reads
FILE whole (timed as the stage "read_data"), then spins for CPU_SECONDS of CPU time (the stage
"burn"), so a CPU quota has something to hold back.
"""
import sys
import time

T0 = time.time()
print("start time: %.6f" % T0, flush=True)
print("[0.000s] Started", flush=True)
with open("/proc/self/cgroup") as f:
    for line in f:
        print("cgroup " + line.strip(), flush=True)
with open(sys.argv[1], "rb") as f:
    while f.read(1 << 20):
        pass
t = time.time() - T0
print("[%.3fs] Read Data Done, Time Spent: %.3fs" % (t, t), flush=True)
burn = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
t1 = time.time()
end = time.process_time() + burn
while time.process_time() < end:
    pass
t = time.time() - T0
print("[%.3fs] Burn Done, Time Spent: %.3fs" % (t, time.time() - t1), flush=True)
