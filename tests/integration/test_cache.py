"""test_cache.py: the cache policies on real children: cold is cold, warm is warm, and the record proves it."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import PYTHON, SOURCE_DIR, Daemon, DaemonTest

DATA_MB = 48

READER = """\
import mmap, sys, time
T0 = time.time()
print("start time: %.3f" % T0, flush=True)
print("[0.000s] Python Process Started, Reading Data...", flush=True)
import helper_mod
n = 0
with open(sys.argv[1], "rb") as f:
    # Half read(), half touched through a mapping, as weights and libraries are.
    size = f.seek(0, 2)
    f.seek(0)
    n += len(f.read(size // 2))
    with mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ) as m:
        n += sum(m[i] for i in range(size // 2, size, 4096)) * 0 + size - size // 2
t = time.time() - T0
print("[%.3fs] Read Data Done, Time Spent: %.3fs" % (t, t), flush=True)
print("[%.3fs] read %d bytes via %s" % (t, n, helper_mod.NAME), flush=True)
"""



class TestCachePolicies(DaemonTest):
    """One cold and one warm condition over a script that reads a large file."""

    def setUp(self):
        super().setUp()
        self.data = os.path.join(self.folder, "data.bin")
        with open(self.data, "wb") as f:
            for _ in range(DATA_MB):
                f.write(os.urandom(1 << 20))
        self.write("helper_mod.py", "NAME = 'helper_mod'\n")
        self.script = self.write("reader.py", READER)
        os.mkdir(os.path.join(self.folder, "extra"))
        self.extra = self.write("extra/weights.bin", "x" * 100000)

    def test_cold_is_cold_and_warm_is_warm(self):
        d = self.daemon()
        plan = self.write("cache.yaml", """\
name: cache-proof
python: %s
script: reader.py
args: [%s]
evict: [extra/, does-not-exist.bin]
conditions:
  - {name: cold, cache: cold, runs: 3}
  - {name: warm, cache: warm, warmup_runs: 1, runs: 3}
  - {name: asis, cache: none, runs: 1}
""" % (PYTHON, self.data))
        r = d.ctl("submit", plan, "--wait")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + d.log())

        runs = d.query("SELECT * FROM runs ORDER BY seq")
        kinds = [(x["condition"], x["kind"]) for x in runs]
        # One probe serves both conditions (same command); it comes first.
        self.assertEqual(kinds[0], ("cold", "probe"))
        self.assertEqual([k for _, k in kinds].count("probe"), 1)
        self.assertEqual(len(d.query("SELECT * FROM measured_runs")), 7, "probe not counted")
        self.assertEqual(len(d.query("SELECT * FROM measured_runs WHERE condition = 'warm'")), 3)

        files = {f["path"]: f for f in d.query("SELECT * FROM footprints WHERE plan_id = 1")}
        self.assertIn(os.path.realpath(self.data), files)
        self.assertIn(os.path.realpath(os.path.join(self.folder, "helper_mod.py")), files)
        self.assertIn(os.path.realpath(self.script), files)
        self.assertIn(self.extra, files, "evict folders are walked")
        self.assertFalse(files[os.path.realpath(self.data)]["shared"])
        self.assertIn("does-not-exist.bin", d.log(), "a missing evict path is reported")

        for x in runs:
            self.assertEqual(x["state"], "ok", x)
            if x["kind"] == "probe":
                continue
            self.assertIsNotNone(x["resident_before_pct"], x)
            self.assertGreater(x["footprint_bytes"], DATA_MB << 20)
            self.assertIsNotNone(x["user_cpu_s"])
            self.assertIsNotNone(x["mem_free_kb"])
        cold = [x for x in runs if x["condition"] == "cold" and x["kind"] == "measured"]
        warm = [x for x in runs if x["condition"] == "warm" and x["kind"] == "measured"]
        for x in cold:
            self.assertLessEqual(x["resident_before_pct"], 2.0, x)
            self.assertIsNotNone(x["evict_ms"])
            self.assertEqual(x["evict_failed"], 0)
        for x in warm:
            self.assertGreaterEqual(x["resident_before_pct"], 95.0, x)
        # The cost shows in the child's own figures: it had to read from disk.
        self.assertGreater(min(x["inblock"] for x in cold), max(x["inblock"] for x in warm))
        self.assertGreater(min(x["major_faults"] for x in cold),
                           max(x["major_faults"] for x in warm))
        self.assertGreaterEqual(min(x["inblock"] for x in cold) * 512, (DATA_MB // 2) << 20)

    def test_system_drop_caches_as_root(self):
        if os.geteuid() != 0:
            self.skipTest("cold_method system needs root; this test runs as uid %d" % os.geteuid())
        try:
            with open("/proc/sys/vm/drop_caches", "w") as f:
                f.write("1\n")
        except OSError as e:
            self.skipTest("drop_caches is not writable here: %s" % e)
        d = self.daemon()
        plan = self.write("system.yaml", """\
name: system-cold
python: %s
script: reader.py
args: [%s]
conditions:
  - {name: cold, cache: cold, cold_method: system, runs: 2}
""" % (PYTHON, self.data))
        r = d.ctl("submit", plan, "--wait")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + d.log())
        for x in d.query("SELECT * FROM runs WHERE kind = 'measured'"):
            self.assertEqual(x["cold_method"], "system")
            self.assertLessEqual(x["resident_before_pct"], 2.0, x)


    def test_mapped_by_another_process_is_seen_per_run(self):
        """Another process maps the data file between two cold runs (after the probe, so the
        probe marked nothing shared). The runs before it record nothing mapped by others and
        start at 0%; the runs after it record the file's bytes as mapped by others (its
        mapped pages cannot be evicted), leave it out of their residency, and the summary
        warns about exactly those runs."""
        d = self.daemon()
        plan = self.write("mapped.yaml", """\
name: mapped
python: %s
script: reader.py
args: [%s]
conditions:
  - {name: cold, cache: cold, runs: 4}
""" % (PYTHON, self.data))
        slow = self.write("slow_reader.py", "import time\ntime.sleep(1)\n" + READER)
        plan = self.write("mapped.yaml", open(plan).read().replace("reader.py", slow))
        r = d.ctl("submit", plan)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # While the second measured run (seq 3: the probe is seq 1) runs, map the whole file.
        d.wait_for(lambda: d.query("SELECT state FROM runs WHERE seq = 3")[0]["state"] == "running",
                   timeout=60, what="the second cold run")
        mapper = subprocess.Popen([PYTHON, "-c", (
            "import mmap, sys\n"
            "f = open(sys.argv[1], 'rb')\n"
            "m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)\n"
            "sum(m[i] for i in range(0, len(m), 4096))\n"
            "print('mapped', flush=True)\n"
            "sys.stdin.read()\n"), self.data], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        try:
            self.assertEqual(mapper.stdout.readline().strip(), b"mapped")
            self.assertEqual(d.ctl("watch", "1").returncode, 0)
        finally:
            mapper.stdin.close()
            mapper.wait(10)
        runs = d.query("SELECT id, seq, state, resident_before_pct, mapped_others_files,"
                       " mapped_others_bytes, footprint_bytes FROM runs WHERE kind = 'measured'"
                       " ORDER BY seq")
        self.assertEqual([x["state"] for x in runs], ["ok"] * 4)
        size = os.path.getsize(self.data)
        before, after = runs[:2], runs[2:]
        # Others map the interpreter and libc all along (this test's own python does): a base.
        base_files = min(x["mapped_others_files"] for x in before)
        base_bytes = min(x["mapped_others_bytes"] for x in before)
        # (Other pythons on the machine may read a few of the interpreter's own files between the
        # eviction and the measure: a few percent of what remains, never the data file's 97%.)
        for x in before:
            self.assertLessEqual(x["resident_before_pct"], 10.0, x)
        for x in after:
            # The data file, and whatever else the mapper itself maps (its mmap module).
            self.assertGreaterEqual(x["mapped_others_files"], base_files + 1, x)
            self.assertGreaterEqual(x["mapped_others_bytes"], base_bytes + size, x)
            self.assertLessEqual(x["resident_before_pct"], 50.0, "left out of the residency: %s" % x)
            self.assertGreater(x["footprint_bytes"], size)
        s = json.loads(d.ctl("summary", "1", "--json").stdout)
        w = [x for x in s["warnings"] if x["kind"] == "mapped_by_others"]
        self.assertEqual(len(w), 1, s["warnings"])
        self.assertEqual(w[0]["run_ids"], [x["id"] for x in after])


class TestSystemRefused(unittest.TestCase):
    """cold_method system from a user who is not root is refused, with the reason and the way out."""

    def test_refused_for_unprivileged_user(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to become another user with setpriv")
        if shutil.which("setpriv") is None:
            self.skipTest("setpriv (util-linux) is not installed")
        nobody = 65534
        folder = tempfile.mkdtemp(prefix="benchd-nobody.")
        try:
            os.chown(folder, nobody, nobody)
            os.chmod(folder, 0o700)
            for path in (SOURCE_DIR, os.environ.get("BENCHD", "")):
                if path and not os.access(path, os.R_OK):
                    self.skipTest("%s is not readable by others" % path)
            script = os.path.join(folder, "s.py")
            with open(script, "w") as f:
                f.write("print('hi')\n")
            plan = os.path.join(folder, "system.yaml")
            with open(plan, "w") as f:
                f.write("name: s\npython: %s\nscript: s.py\nconditions:\n"
                        "  - {name: cold, cache: cold, cold_method: system, runs: 1}\n" % PYTHON)
            for p in (script, plan):
                os.chown(p, nobody, nobody)
            d = Daemon(folder, user=nobody)
            try:
                d.start()
            except AssertionError as e:
                if "Permission denied" in str(e):
                    self.skipTest("the build is not reachable by an unprivileged user: %s" % e)
                raise
            try:
                r = d.ctl("submit", plan)
                self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
                self.assertIn("cold_method system needs root", r.stderr)
                self.assertIn("use cold_method: targeted", r.stderr)
                self.assertEqual(d.query("SELECT count(*) AS n FROM plans")[0]["n"], 0)
            finally:
                self.assertEqual(d.stop(), 0, d.log())
        finally:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
