"""flood.py: a child that floods a stream as fast as it can, in lines or in one endless line.

  flood.py --mb 300                  300 MiB of `yes`-like lines on stdout, then exit 0
  flood.py --mb 100 --no-newline     100 MiB of one line with no newline at all
  flood.py --stream stderr           flood stderr instead
  flood.py --mb 20 --stage-lines     20 MiB of "[T s] ... Time Spent" lines: stages and events

It prints "start time:" and one stage line first (through os.write, like the flood), and at the
end a line on stderr with the exact number of bytes it wrote to the flooded stream.
"""
import argparse
import os
import sys
import time

T0 = time.time()


def write_all(fd, data):
    """os.write until every byte is out; returns len(data)."""
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]
    return len(data)


def main():
    """Flood as asked and report the count."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=300)
    ap.add_argument("--no-newline", action="store_true")
    ap.add_argument("--stage-lines", action="store_true")
    ap.add_argument("--stream", choices=("stdout", "stderr"), default="stdout")
    a = ap.parse_args()
    fd = 1 if a.stream == "stdout" else 2
    total = write_all(1, b"start time: %.3f\n[0.000s] Flood Started\n" % T0)
    if fd == 2:
        total = 0
    if a.no_newline:
        chunk = b"x" * (1 << 20)
    elif a.stage_lines:
        line = b"[0.001s] Step Done, Time Spent: 0.001s".ljust(63) + b"\n"
        chunk = line * (1 << 14)
    else:
        chunk = (b"y" * 63 + b"\n") * (1 << 14)          # 1 MiB of 64-byte lines
    for _ in range(a.mb):
        total += write_all(fd, chunk)
    sys.stderr.write("\nflood: wrote %d bytes to %s\n" % (total, a.stream))
    sys.stderr.flush()


main()
