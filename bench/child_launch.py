"""child_launch.py: the launch benchmark's child: its first act is to print its start time, to the microsecond."""
import time

START = time.time()
print("start time: %.6f" % START, flush=True)
print("[0.000s] Python Process Started", flush=True)
