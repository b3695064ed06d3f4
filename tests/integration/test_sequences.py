"""test_sequences.py: warming sequences (then: K), what each run read in, and importtime runs, on real children.

A sequence evicts once, then runs the same command K more times without touching the cache; each run records
its position (0 the cold one) and the footprint's residency before and after it, so the cache's own curve goes
beside the time's. What a run brought into the cache is measured against a data file of known size.
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import unittest

from harness import PYTHON, DaemonTest
from test_analysis import chromium, chromium_args

DATA_MB = 24

READER = """\
import json, sys, time
T0 = time.time()
print("start time: %.3f" % T0, flush=True)
print("[0.000s] Python Process Started, Reading Data...", flush=True)
time.sleep(float(sys.argv[2]) if len(sys.argv) > 2 else 0)
with open(sys.argv[1], "rb") as f:
    n = len(f.read())
t = time.time() - T0
print("[%.3fs] Read Data Done, Time Spent: %.3fs" % (t, t), flush=True)
"""


class TestSequences(DaemonTest):
    """A cold condition with then: 2 beside a warm one, over a script that reads a data file whole."""

    def setUp(self):
        super().setUp()
        self.data = os.path.join(self.folder, "data.bin")
        with open(self.data, "wb") as f:
            for _ in range(DATA_MB):
                f.write(os.urandom(1 << 20))
        self.size = os.path.getsize(self.data)
        self.script = self.write("reader.py", READER)

    def plan(self, name, conds, extra="", sleep=None):
        """Write a plan over the reader."""
        args = "[%s%s]" % (self.data, ", \"%s\"" % sleep if sleep is not None else "")
        return self.write(name + ".yaml", "name: %s\npython: %s\nscript: reader.py\nargs: %s\n%s"
                          "conditions:\n%s" % (name, PYTHON, args, extra, conds))

    def test_positions_curve_and_read_in(self):
        """Two sequences of a cold condition (then: 2) interleaved with a warm condition: each
        sequence is whole (positions 0, 1, 2 back to back), the cache curve goes 0% then high,
        the cold run read the data file in (its size, to the page) and the later ones nothing."""
        d = self.daemon()
        plan = self.plan("seq", "  - {name: cold, cache: cold, runs: 2, then: 2}\n"
                                "  - {name: warm, cache: warm, runs: 2, warmup_runs: 1}\n")
        r = d.ctl("submit", plan, "--wait")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + d.log())
        runs = d.query("SELECT * FROM runs WHERE kind != 'probe' ORDER BY seq")
        order = [(x["condition"], x["kind"][0], x["position"], x["sequence"]) for x in runs]
        self.assertEqual(order, [
            ("cold", "m", 0, 1), ("cold", "m", 1, 1), ("cold", "m", 2, 1),
            ("warm", "w", None, None), ("warm", "m", None, None),
            ("cold", "m", 0, 2), ("cold", "m", 1, 2), ("cold", "m", 2, 2),
            ("warm", "m", None, None)])
        page = os.sysconf("SC_PAGESIZE")
        pages = (self.size + page - 1) // page
        for x in runs:
            self.assertEqual(x["state"], "ok", x)
            if x["condition"] != "cold":
                continue
            if x["position"] == 0:
                self.assertEqual(x["cache_policy"], "cold")
                self.assertLessEqual(x["resident_before_pct"], 1.0, x)
                self.assertGreaterEqual(x["read_in_bytes"], self.size, x)
                self.assertGreater(x["resident_after_pct"], 90.0, x)
            else:
                self.assertEqual(x["cache_policy"], "none", "later positions leave the cache")
                self.assertGreater(x["resident_before_pct"], 90.0, x)
                self.assertLess(x["read_in_bytes"], self.size // 20, x)
        got = d.query("SELECT runs, bytes FROM read_in WHERE condition = 'cold' AND position = 0"
                      " AND path = ?", os.path.realpath(self.data))
        self.assertEqual(got, [{"runs": 2, "bytes": 2 * pages * page}],
                         "the data file, read whole by each cold run, to the page")

        # The summary: the curve by position, the cache's own curve, what a cold run read.
        s = json.loads(d.ctl("summary", "1", "--json").stdout)
        curve = [c for c in s["warming"] if c["metric"] == "read_data"][0]
        self.assertEqual(curve["condition"], "cold")
        self.assertEqual(curve["against"], "warm")
        self.assertEqual([p["position"] for p in curve["points"]], [0, 1, 2])
        self.assertEqual([p["n"] for p in curve["points"]], [2, 2, 2])
        self.assertLessEqual(curve["points"][0]["resident_before_pct"], 1.0)
        self.assertGreater(curve["points"][2]["resident_before_pct"], 90.0)
        self.assertGreaterEqual(curve["points"][0]["read_in_bytes"], self.size)
        read = [r for r in s["read_in"] if r["condition"] == "cold"][0]
        self.assertEqual(read["position"], 0)
        self.assertEqual(read["files"][0]["path"], os.path.realpath(self.data))
        self.assertEqual(read["files"][0]["bytes_per_run"], pages * page)
        text = d.ctl("summary", "1").stdout
        self.assertIn("warming curve of cold (then: 2), median and 95% CI at each position, "
                      "against warm:", text)
        self.assertRegex(text, r"read from disk: a cold run read [\d.]+ MiB of the [\d.]+ MiB "
                               r"footprint \(median; .*\):\n  data\.bin 24\.0 MiB")

        # The report draws the curve per stage and lists what was read, and a browser renders it.
        page = os.path.join(self.folder, "report.html")
        r = d.ctl("report", "1", "-o", page)
        self.assertEqual(r.returncode, 0, r.stderr)
        html = open(page).read()
        stages = len(s["conditions"][0]["metrics"])
        self.assertEqual(html.count('class="warming-plot"'), stages)
        self.assertIn('<table class="read-in">', html)
        self.assertIn(os.path.realpath(self.data), html)
        if chromium() is None:
            self.skipTest("chromium is not installed: the report's HTML was checked, its "
                          "rendering was not (apt-get install chromium)")
        profile = tempfile.mkdtemp(prefix="benchd-seq-chromium.")
        try:
            dom = subprocess.run(chromium_args(profile) + ["--dump-dom", "file://" + page],
                                 capture_output=True, text=True, timeout=120)
            self.assertEqual(dom.returncode, 0, dom.stderr[-2000:])
            self.assertEqual(dom.stdout.count('class="warming-plot"'), stages)
            self.assertEqual(dom.stdout.count('class="cache-bar"'), stages * 3)
        finally:
            shutil.rmtree(profile, ignore_errors=True)

    def test_kill9_mid_sequence_restarts_it(self):
        """benchd is killed with -9 while position 1 of a sequence runs. At restart the
        sequence starts over from a new eviction: its position 0 and 1 are marked interrupted
        and queued again (attempt 2) before position 2, and the new position 0 starts cold."""
        d = self.daemon()
        plan = self.plan("seqkill", "  - {name: cold, cache: cold, runs: 1, then: 2}\n", sleep="1.5")
        self.assertEqual(d.ctl("submit", plan).returncode, 0)
        d.wait_for(lambda: d.query("SELECT state FROM runs WHERE position = 1 AND attempt = 1")
                   [0]["state"] == "running", timeout=60, what="position 1 running")
        d.stop(signal.SIGKILL)
        d2 = self.daemon()
        r = d2.ctl("watch", "1")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        runs = d2.query("SELECT seq, attempt, position, state, resident_before_pct FROM runs"
                        " WHERE kind = 'measured' ORDER BY id")
        states = {(x["position"], x["attempt"]): x["state"] for x in runs}
        self.assertEqual(states, {(0, 1): "interrupted", (1, 1): "interrupted", (2, 1): "ok",
                                  (0, 2): "ok", (1, 2): "ok"}, runs)
        again = [x for x in runs if x["attempt"] == 2]
        self.assertLessEqual(again[0]["resident_before_pct"], 1.0, "a new eviction: %s" % again)
        done = d2.query("SELECT position, ended_at FROM runs WHERE state = 'ok' AND kind = 'measured'"
                        " ORDER BY ended_at")
        self.assertEqual([x["position"] for x in done], [0, 1, 2], "the sequence in its order")

    def test_importtime_runs(self):
        """importtime_runs: 1: one extra run per condition under python -X importtime, kind
        warmup (never counted), its modules parsed from stderr into import_times."""
        d = self.daemon()
        plan = self.plan("it", "  - {name: cold, cache: cold, runs: 1}\n"
                               "  - {name: warm, cache: warm, runs: 1, warmup_runs: 0}\n",
                         extra="importtime_runs: 1\n")
        r = d.ctl("submit", plan, "--wait")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + d.log())
        prof = d.query("SELECT id, condition, kind, command FROM runs WHERE profile = 'importtime'")
        self.assertEqual(sorted(x["condition"] for x in prof), ["cold", "warm"])
        for x in prof:
            self.assertEqual(x["kind"], "warmup")
            self.assertIn("-X importtime", x["command"])
            mods = d.query("SELECT module, depth, self_us, cumulative_us FROM import_times"
                           " WHERE run_id = ? ORDER BY seq", x["id"])
            names = [m["module"] for m in mods]
            self.assertIn("json", names)
            self.assertTrue(all(m["cumulative_us"] >= m["self_us"] >= 0 for m in mods))
        self.assertEqual(len(d.query("SELECT * FROM measured_runs")), 2, "importtime runs not counted")
        s = json.loads(d.ctl("summary", "1", "--json").stdout)
        self.assertEqual((s["modules"]["cold"], s["modules"]["warm"]), ("cold", "warm"))
        self.assertEqual((s["modules"]["cold_runs"], s["modules"]["warm_runs"]), (1, 1))
        self.assertIn("json", [r["module"] for r in s["modules"]["rows"]])
        self.assertIn("import time by module, cold (1 importtime run) against warm (1)",
                      d.ctl("summary", "1").stdout)


if __name__ == "__main__":
    unittest.main()
