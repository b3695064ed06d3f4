#!/usr/bin/python3
"""fidelity_why.py: where a targeted cold start differs from a drop_caches one, step by step (root, no daemon).

Item 2 compares benchd's two cold methods. This takes the difference apart with five ways of making the cache
cold, from a warm cache each time, rotated round by round, each followed by one `import torch`
(taskset -c CPUS /usr/bin/python3 bench/child_torch.py):
  targeted       what benchd does: fdatasync + posix_fadvise(DONTNEED) over the footprint's files
                 (files other processes map left out, as benchd does)
  +slab          ... and `echo 2 > drop_caches`: the dentry and inode caches (what path lookups and opens
                 of the footprint's files need), nothing else
  +pagecache     ... and `echo 1 > drop_caches`: every other clean page cache page (files outside the
                 footprint, and ext4's metadata blocks - directories, inode tables - which live in the
                 block device's page cache), but not the dentry and inode caches
  system         sync; echo 3 > /proc/sys/vm/drop_caches (both): a cold start as after a reboot
  system+measure the same, then what benchd's residency measurement does to the cache before the spawn: open
                 and fstat every footprint file (cache_residency also mmaps them and calls mincore(), which
                 reads no data), so the dentries, inodes and their metadata blocks are back: benchd's
                 cold_method system as it runs
(The block device itself cannot be opened in this VM, so its metadata blocks are not told apart from the rest.)
"""
import argparse
import os
import subprocess
import sys
import tempfile

import benchlib
from benchlib import CPUS, PYTHON, log, median

CHILD = os.path.join(benchlib.HERE, "child_torch.py")
WAYS = ("targeted", "+slab", "+pagecache", "system", "system+measure")


def mapped_by_others():
    """Every file path other processes map now."""
    paths = set()
    me = os.getpid()
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == me:
            continue
        try:
            with open("/proc/%s/maps" % d) as f:
                for line in f:
                    i = line.find("/")
                    if i >= 0:
                        paths.add(line[i:].rstrip("\n"))
        except OSError:
            pass
    return paths


def evict(paths):
    """benchd's cache_evict, in Python: fdatasync, then DONTNEED, file by file."""
    for p in paths:
        try:
            fd = os.open(p, os.O_RDONLY | os.O_NOATIME)
        except OSError:
            continue
        try:
            os.fdatasync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def drop(level):
    """sync, then write level to drop_caches."""
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("%d\n" % level)


def touch_metadata(paths):
    """The metadata half of cache_residency: open and fstat every file (mmap and mincore read no data)."""
    for p in paths:
        try:
            fd = os.open(p, os.O_RDONLY | os.O_NOATIME)
        except OSError:
            continue
        os.fstat(fd)
        os.close(fd)


def import_s():
    """One import torch, pinned as the plans are; its Time Spent."""
    out = subprocess.run(["taskset", "-c", CPUS, PYTHON, CHILD], capture_output=True, text=True, check=True,
                         stdin=subprocess.DEVNULL).stdout
    for line in out.splitlines():
        if "Import Torch Done" in line:
            return float(line.rsplit(":", 1)[1].strip().rstrip("s"))
    raise RuntimeError("child_torch.py printed no stage: %r" % out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=6, help="rounds of the five ways (default 6)")
    ap.add_argument("--json", help="write the figures here")
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("fidelity_why.py: needs root (drop_caches)")

    res = {"loadavg_before": benchlib.loadavg()}
    busy = benchlib.wait_unmapped("libtorch")
    folder = tempfile.mkdtemp(prefix="benchd-why.")
    lst = os.path.join(folder, "footprint.txt")
    paths = benchlib.footprint_probe(CHILD, lst)
    others = mapped_by_others()
    paths = [p for p in paths if p not in others]
    os.system("rm -rf '%s'" % folder)
    usr_dev = subprocess.run(["findmnt", "-n", "-o", "SOURCE", "-T", "/usr/lib/python3/dist-packages"],
                             capture_output=True, text=True).stdout.strip()
    values = {w: [] for w in WAYS}
    log("fidelity_why: %d rounds, footprint %d files, block device %s" % (a.rounds, len(paths), usr_dev))
    for i in range(a.rounds):
        for w in WAYS[i % len(WAYS):] + WAYS[:i % len(WAYS)]:
            import_s()  # warm: every way starts from the same cache
            if w.startswith("system"):
                drop(3)
                if w == "system+measure":
                    touch_metadata(paths)
            else:
                evict(paths)
                if w == "+slab":
                    drop(2)
                elif w == "+pagecache":
                    drop(1)
            values[w].append(import_s())
    med = {w: median(values[w]) for w in WAYS}
    res.update({
        "rounds": a.rounds, "footprint_files": len(paths), "block_device": usr_dev,
        "others_mapping_torch": busy, "median_s": med,
        "ratio_to_system": {w: med[w] / med["system"] for w in WAYS},
        "values_s": values, "loadavg_after": benchlib.loadavg(),
        "commands": ["per round, rotated, from warm: targeted | targeted + echo 2 > drop_caches | targeted + "
                     "echo 1 > drop_caches | sync; echo 3 > drop_caches | the same, then open+fstat of every footprint "
                     "file; then taskset -c %s %s %s"
                     % (CPUS, PYTHON, CHILD)],
    })
    for w in WAYS:
        print("%-14s import torch median %.3f s  (/ system %.3f)" % (w, med[w], res["ratio_to_system"][w]))
    benchlib.write_json(a.json, res)


if __name__ == "__main__":
    sys.exit(main())
