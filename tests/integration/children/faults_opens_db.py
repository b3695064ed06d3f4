"""faults_opens_db.py: a child that reads the first bytes of a file it is given (benchd's own
database, in the fault tests), so a probe's footprint lists that file."""
import sys
import time

T0 = time.time()
with open(sys.argv[1], "rb") as f:
    head = f.read(16)
print("start time: %.3f" % T0)
print("[0.001s] Read %d Bytes Done, Time Spent: 0.001s" % len(head), flush=True)
