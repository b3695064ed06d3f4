#!/usr/bin/python3
"""evict.py: what it costs to make torch's footprint cold, benchd's way (cache_evict) and the machine's (drop_caches).

The footprint comes from a probe: python/footprint.py around bench/child_torch.py (import torch), exactly as
benchd's probe run makes it; bench_evict (bench/bench_evict.c, linked with benchd_core) turns it into the
plan's footprint with cache_probe_done (files another process maps are left out, as benchd does), then round
by round, from a warm cache each time: times cache_evict, cache_residency (warm and cold), cache_prime (from
cold) and cache_drop_all (sync + echo 3 > /proc/sys/vm/drop_caches), and how much of the machine's page
cache each one threw away. For comparison, cache_evict's loop as it was at first runs beside them:
fdatasync() in place of sync_file_range().
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import benchlib
from benchlib import log, median

CHILD = os.path.join(benchlib.HERE, "child_torch.py")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=15, help="rounds, each evict then drop (default 15)")
    ap.add_argument("--list", help="a probe's list to use instead of probing child_torch.py")
    ap.add_argument("--json", help="write the figures here")
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("evict.py: drop_caches needs root")

    load_before = benchlib.loadavg()
    folder = tempfile.mkdtemp(prefix="benchd-evict.")
    lst = a.list
    busy = benchlib.wait_unmapped("libtorch")
    if lst is None:
        lst = os.path.join(folder, "footprint.txt")
        benchlib.footprint_probe(CHILD, lst)
    log("evict: %d rounds over the torch footprint" % a.rounds)
    out = subprocess.run([os.path.join(benchlib.TOOLS, "bench_evict"), lst, str(a.rounds)],
                         capture_output=True, text=True, check=True).stdout
    os.system("rm -rf '%s'" % folder)
    raw = json.loads(out)

    keys = ["evict_ms", "drop_caches_ms", "residency_warm_ms", "residency_cold_ms", "residency_after_drop_ms",
            "prime_from_cold_ms", "resident_after_evict_pct", "resident_after_drop_pct",
            "cached_freed_by_evict_mb", "cached_freed_by_drop_mb", "evict_fdatasync_ms",
            "resident_after_fdatasync_pct"]
    res = {
        "files": raw["files"], "shared_left_out": raw["shared"], "mb": raw["bytes"] / 1e6, "rounds": raw["rounds"],
        "shared_mb": raw["shared_bytes"] / 1e6, "others_mapping_torch": busy,
        "median": {k: median(raw[k]) for k in keys},
        "iqr": {k: benchlib.quartiles(raw[k]) for k in keys},
        "max": {k: max(raw[k]) for k in keys},
        "values": {k: raw[k] for k in keys},
        "loadavg_before": load_before,
        "loadavg_after": benchlib.loadavg(),
        "commands": ["BENCHD_FOOTPRINT_OUT=LIST %s python/footprint.py %s" % (benchlib.PYTHON, CHILD),
                     "build-bench/bench/bench_evict LIST %d" % a.rounds],
    }
    m = res["median"]
    print("torch footprint: %d files, %.0f MB (%d files, %.0f MB, mapped by others and left out)"
          % (res["files"], res["mb"], res["shared_left_out"], res["shared_mb"]))
    print("targeted evict   median %7.1f ms  (freed %.0f MB of page cache)" % (m["evict_ms"],
                                                                              m["cached_freed_by_evict_mb"]))
    print("sync+drop_caches median %7.1f ms  (freed %.0f MB of page cache)" % (m["drop_caches_ms"],
                                                                              m["cached_freed_by_drop_mb"]))
    print("residency        median %7.1f ms warm, %.1f ms cold, %.1f ms after drop_caches"
          % (m["residency_warm_ms"], m["residency_cold_ms"], m["residency_after_drop_ms"]))
    print("prime from cold  median %7.1f ms" % m["prime_from_cold_ms"])
    print("for comparison, evict with fdatasync (cache_evict at first): median %.1f ms (resident after: %.2f %%)"
          % (m["evict_fdatasync_ms"], m["resident_after_fdatasync_pct"]))
    benchlib.write_json(a.json, res)


if __name__ == "__main__":
    sys.exit(main())
