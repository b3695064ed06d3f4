"""child_torch.py: the cold-fidelity child: import torch (Debian's python3-torch) and print the stage, as benchmark.py does."""
import time

T0 = time.perf_counter()
START = time.time()
print("start time: %.6f" % START, flush=True)
print("[0.000s] Python Process Started, Importing Torch...", flush=True)
import torch  # noqa: E402,F401

d = time.perf_counter() - T0
print("[%.3fs] Import Torch Done, Time Spent: %.3fs" % (d, d), flush=True)
