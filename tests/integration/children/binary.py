"""binary.py: a child that prints binary junk and invalid UTF-8, in stage lines too, then lingers.

  binary.py --sleep 1.5              the junk, then 1.5 s with an invalid-UTF-8 stage as current

stdout gets: "start time:", a stage line whose label holds invalid UTF-8, every byte 0..255,
NULs, overlong and surrogate encodings, then a valid stage line with junk after it; stderr
gets junk too. Exits 0.
"""
import argparse
import os
import time

T0 = time.time()
JUNK = (bytes(range(256)) + b"\n\x00\x00mid\x00line\n"
        b"\xc0\xaf\xed\xa0\x80\xf8\x88\x80\x80\x80\xff\xfe\n")


def main():
    """Print the junk and linger."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--sleep", type=float, default=0.0)
    a = ap.parse_args()
    os.write(1, b"start time: %.3f\n" % T0)
    os.write(1, b"[0.000s] Python Process Started, Importing Torch...\n")
    os.write(1, b"[0.010s] Import \xff\xfe\xc0\xaf Done, Time Spent: 0.010s\n")
    os.write(1, JUNK)
    os.write(2, JUNK * 3)
    os.write(1, b"[0.020s] Bin\x00ary \xe2\x82 Stage\x01\x7f Done, Time Spent: 0.010s\n")
    time.sleep(a.sleep)     # status is asked while the current stage is not UTF-8
    os.write(1, b"[0.030s] Model Loaded Done, Time Spent: 0.010s\n" + JUNK[:40])


main()
