"""child_output.py: print MB megabytes of stdout and time its own writing.

  child_output.py MB [plain|events]

plain: 100-byte lines of text the stage parser keeps nothing of; events: 100-byte "[T s] ..." lines, each an
event the parser keeps (up to its caps), the worst case. The child times its writes, first to last
(the last write returns once all but a pipe's worth is read), and reports it as the stage "output"
on stdout (for benchd) and on stderr (for a shell pipeline whose stdout goes to cat).
"""
import os
import sys
import time

T0 = time.perf_counter()
START = time.time()
print("start time: %.6f" % START, flush=True)
print("[0.000s] Output Started", flush=True)
mb = float(sys.argv[1])
kind = sys.argv[2] if len(sys.argv) > 2 else "plain"
if kind == "events":
    line = b"[0.500s] iteration 12345 loss=0.12345678 acc=0.987654 lr=0.001000 throughput=1234.5 img/s"
else:
    line = b"epoch 1 step 12345 loss=0.12345678 acc=0.987654 lr=0.001000 throughput=1234.5 img/s"
line = line.ljust(99, b".") + b"\n"
assert len(line) == 100
block = line * 10486  # ~1 MiB
total = int(mb * 1024 * 1024) // 100 * 100  # whole lines
n = 0
t0 = time.perf_counter()
while n < total:
    chunk = block if total - n >= len(block) else block[: total - n]
    view = memoryview(chunk)
    while view:
        w = os.write(1, view)
        view = view[w:]
    n += len(chunk)
d = time.perf_counter() - t0
msg = "[%.6fs] Output Done, Time Spent: %.6fs" % (time.perf_counter() - T0, d)
print(msg, flush=True)
print("bytes=%d write_s=%.6f" % (n, d), file=sys.stderr, flush=True)
