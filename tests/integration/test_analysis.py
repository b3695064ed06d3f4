"""test_analysis.py: benchctl plans, runs, summary and report on plans run by a real daemon with known numbers."""
import collections
import csv
import hashlib
import io
import itertools
import json
import math
import os
import re
import shutil
import signal
import statistics
import struct
import subprocess
import tempfile
import unittest
import zlib

from harness import BENCHCTL, PYTHON, Daemon

# A child whose stages are known exactly: the Nth run of a condition (its
# count kept in a file of its own) prints the Nth value of its list as
# import_torch's "Time Spent", 0.200 s for the model, 0.100 s of warm-up, 1 s
# of inference and an average latency of 10 times the value in ms; "fail"
# exits 3 after the first line.
FIXED = '''\
import sys
import time

T0 = time.time()
counter, values = sys.argv[1], sys.argv[2].split(",")
try:
    with open(counter) as f:
        n = int(f.read())
except FileNotFoundError:
    n = 0
with open(counter, "w") as f:
    f.write(str(n + 1))
v = values[n % len(values)]
print("start time: %.3f" % T0, flush=True)
print("[0.000s] Python Process Started, Importing Torch...", flush=True)
if v == "fail":
    print("fixed.py: failing on purpose", file=sys.stderr)
    sys.exit(3)
t = float(v)
print("[%.3fs] Import Torch Done, Time Spent: %.3fs" % (t, t))
print("=== Runtime Info ===")
print("python: 3.9.5")
print("torch: 2.5.1+cpu")
print("====================")
print("[%.3fs] Loading Model..." % (t + 0.010))
print("[%.3fs] Model Loaded, Time Spent: 0.200s" % (t + 0.210))
print("[%.3fs] Starting Warmup..." % (t + 0.210))
print("[%.3fs] Warmup Done, Time Spent: 0.100s" % (t + 0.310))
print("[%.3fs] Starting Inference Loop (100 iters)..." % (t + 0.310))
print("[%.3fs] Inference Done. Avg Latency: %.2f ms" % (t + 1.310, t * 10))
'''

# slow: the seed's cold import times and more, one of them far off (9.900);
# fast: the seed's warm ones. Every slow value is above every fast one.
SLOW = [5.295, 4.970, 5.120, 5.410, 5.030, 5.250, 9.900]
FAST = [3.550, 3.563, 3.541, 3.602, 3.580, 3.571]
BROKEN = ["3.000", "fail", "3.100"]

KNOWN = """\
name: known-numbers
python: %s
script: fixed.py
timeout: 30
conditions:
  - {name: slow, cache: none, runs: 7, args: [slow.count, "%s"]}
  - {name: fast, cache: none, runs: 6, args: [fast.count, "%s"]}
  - {name: broken, cache: none, runs: 3, args: [broken.count, "%s"]}
""" % (PYTHON, ",".join("%.3f" % v for v in SLOW), ",".join("%.3f" % v for v in FAST),
       ",".join(BROKEN))

# warm listed first: the comparison must still be cold against warm.
COLD_WARM = """\
name: cold-warm
python: %s
script: fixed.py
timeout: 30
conditions:
  - {name: hot, cache: warm, warmup_runs: 1, runs: 2, args: [hot.count, "1.000,1.100"]}
  - {name: chilled, cache: cold, runs: 2, args: [chilled.count, "2.000,2.100"]}
""" % PYTHON

STAGES = ["launch", "import_torch", "model_loaded", "warmup", "inference", "total"]


def exact_p_separated(na, nb):
    """Two-sided exact Mann-Whitney p when every a is above every b: 2 / C(na+nb, na)."""
    return 2 / math.comb(na + nb, na)


def quantile7(xs, q):
    """Type-7 quantile (numpy's default), by hand."""
    xs = sorted(xs)
    h = (len(xs) - 1) * q
    lo = math.floor(h)
    return xs[lo] + (h - lo) * (xs[min(lo + 1, len(xs) - 1)] - xs[lo])


def moses_interval(a, b):
    """Moses' 95% interval for the shift, as R's wilcox.test(conf.int=TRUE), by brute force.

    The null distribution of U counts every way of choosing a's ranks; k is
    qwilcox(0.025, na, nb) (1 when that is 0); the interval is the k-th
    smallest and the k-th largest of the na*nb differences.
    """
    na, nb = len(a), len(b)
    us = sorted(sum(c) - na * (na - 1) // 2
                for c in itertools.combinations(range(na + nb), na))
    total = len(us)
    k = next(q for q in range(na * nb + 1) if sum(u <= q for u in us) / total >= 0.025)
    k = max(k, 1)
    d = sorted(x - y for x in a for y in b)
    return d[k - 1], d[na * nb - k]


def png_info(path):
    """Width, height and the decompressed image bytes of a PNG, read with zlib only."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    return width, height, zlib.decompress(idat)


def chromium():
    """Debian's chromium, or None."""
    return shutil.which("chromium")


def chromium_args(profile):
    """Headless, offline, no first-run noise."""
    return [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile]


class TestAnalysis(unittest.TestCase):
    """Two plans run once by a real daemon, then read back by every analysis command."""

    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.mkdtemp(prefix="benchd-an.")
        os.chmod(cls.folder, 0o700)
        with open(os.path.join(cls.folder, "fixed.py"), "w") as f:
            f.write(FIXED)
        cls.d = Daemon(cls.folder).start()
        try:
            for name, text in (("known.yaml", KNOWN), ("coldwarm.yaml", COLD_WARM)):
                path = os.path.join(cls.folder, name)
                with open(path, "w") as f:
                    f.write(text)
                r = cls.d.ctl("submit", path, "--wait")
                # known-numbers has a failing run on purpose: submit --wait says 1.
                if r.returncode not in (0, 1) or "queued" not in r.stdout:
                    raise AssertionError(r.stdout + r.stderr + cls.d.log())
        except BaseException:
            cls.d.stop(signal.SIGKILL)
            raise

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()
        shutil.rmtree(cls.folder, ignore_errors=True)

    def ctl(self, *args):
        """benchctl with the test daemon's database."""
        return self.d.ctl(*args)

    def summary(self, plan):
        """summary --json, parsed."""
        r = self.ctl("summary", str(plan), "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    @staticmethod
    def metric(cond, name):
        """A condition's metric by name in summary --json."""
        return next(m for m in cond["metrics"] if m["name"] == name)

    def test_summary_numbers_by_hand(self):
        s = self.summary(1)
        self.assertEqual(s["plan"]["name"], "known-numbers")
        self.assertEqual(s["plan"]["state"], "done")
        self.assertEqual(s["plan"]["measured_total"], 16)
        self.assertEqual(s["plan"]["measured_ok"], 15)
        self.assertEqual(s["machine"]["python"], "3.9.5")
        self.assertEqual(s["machine"]["torch"], "2.5.1+cpu")
        conds = {c["name"]: c for c in s["conditions"]}
        self.assertEqual([c["name"] for c in s["conditions"]], ["slow", "fast", "broken"])

        slow = self.metric(conds["slow"], "import_torch")
        # Sorted: 4.970 5.030 5.120 5.250 5.295 5.410 9.900; the median is the 4th.
        self.assertEqual(slow["n"], 7)
        self.assertAlmostEqual(slow["median"], 5.250, places=9)
        self.assertAlmostEqual(slow["mean"], sum(SLOW) / 7, places=9)
        self.assertAlmostEqual(slow["sd"], statistics.stdev(SLOW), places=9)
        self.assertAlmostEqual(slow["min"], 4.970, places=9)
        self.assertAlmostEqual(slow["max"], 9.900, places=9)
        # p90, type 7: h = 6 * 0.9 = 5.4, 5.410 + 0.4 * (9.900 - 5.410) = 7.206.
        self.assertAlmostEqual(slow["p90"], 7.206, places=9)
        self.assertAlmostEqual(slow["p90"], quantile7(SLOW, 0.9), places=9)
        # n = 7: k = 1 covers 1 - 2/2^7 = 0.984; k = 2 only 1 - 2*8/128 = 0.875.
        self.assertAlmostEqual(slow["median_ci"]["lo"], 4.970, places=9)
        self.assertAlmostEqual(slow["median_ci"]["hi"], 9.900, places=9)
        self.assertAlmostEqual(slow["median_ci"]["coverage"], 1 - 2 / 128, places=12)
        # 9.900 is the only value beyond 3 MADs: the MAD is 0.160 * 1.4826.
        ninth = self.d.query("SELECT id FROM runs WHERE condition = 'slow' ORDER BY seq "
                             "LIMIT 1 OFFSET 6")[0]["id"]
        self.assertEqual(slow["outliers"], [ninth])
        self.assertEqual([v["value"] for v in slow["values"]], SLOW)

        fast = self.metric(conds["fast"], "import_torch")
        # Sorted: 3.541 3.550 3.563 3.571 3.580 3.602; median (3.563 + 3.571) / 2.
        self.assertEqual(fast["n"], 6)
        self.assertAlmostEqual(fast["median"], 3.567, places=9)
        self.assertAlmostEqual(fast["mean"], sum(FAST) / 6, places=9)
        # n = 6: k = 1 covers 1 - 2/64 = 0.96875: [min, max].
        self.assertAlmostEqual(fast["median_ci"]["lo"], 3.541, places=9)
        self.assertAlmostEqual(fast["median_ci"]["hi"], 3.602, places=9)
        self.assertEqual(fast["outliers"], [])
        for stage, want in (("model_loaded", 0.2), ("warmup", 0.1), ("inference", 1.0)):
            m = self.metric(conds["fast"], stage)
            self.assertAlmostEqual(m["median"], want, places=9, msg=stage)
            self.assertEqual(m["unit"], "s")
        lat = self.metric(conds["fast"], "avg_latency_ms")
        self.assertEqual(lat["unit"], "ms")
        self.assertAlmostEqual(lat["median"], 35.67, places=9)
        self.assertEqual([m["name"] for m in conds["fast"]["metrics"]],
                         STAGES + ["avg_latency_ms"])

        broken = conds["broken"]
        self.assertEqual((broken["measured"], broken["ok"]), (3, 2))
        self.assertEqual(broken["left_out"], {"failed": 1, "timeout": 0, "other": 0})
        b = self.metric(broken, "import_torch")
        self.assertEqual(b["n"], 2)
        self.assertAlmostEqual(b["median"], 3.05, places=9)
        self.assertIsNone(b["median_ci"], "n = 2 has no interval")

        # Every pair in plan order: no cold or warm condition here.
        self.assertEqual([(c["a"], c["b"]) for c in s["comparisons"]],
                         [("slow", "fast"), ("slow", "broken"), ("fast", "broken")])
        cmp = self.metric(s["comparisons"][0], "import_torch")
        self.assertEqual((cmp["na"], cmp["nb"]), (7, 6))
        self.assertAlmostEqual(cmp["median_a"], 5.250, places=9)
        self.assertAlmostEqual(cmp["median_b"], 3.567, places=9)
        self.assertAlmostEqual(cmp["diff"], 5.250 - 3.567, places=9)
        self.assertAlmostEqual(cmp["rel"], (5.250 - 3.567) / 3.567, places=9)
        # Fully separated: U = 7 * 6 = 42 and the exact p is 2 / C(13, 7) = 2 / 1716.
        self.assertEqual(cmp["u"], 42)
        self.assertTrue(cmp["p_exact"])
        self.assertAlmostEqual(cmp["p"], exact_p_separated(7, 6), places=12)
        lo, hi = moses_interval(SLOW, FAST)
        self.assertTrue(cmp["shift_ci"]["exact"])
        self.assertAlmostEqual(cmp["shift_ci"]["lo"], lo, places=9)
        self.assertAlmostEqual(cmp["shift_ci"]["hi"], hi, places=9)
        lat = self.metric(s["comparisons"][0], "avg_latency_ms")
        self.assertAlmostEqual(lat["diff"], 52.50 - 35.67, places=9)
        self.assertAlmostEqual(lat["p"], exact_p_separated(7, 6), places=12)

        kinds = {(w["kind"], w["condition"], w["metric"]) for w in s["warnings"]}
        self.assertIn(("outliers", "slow", "import_torch"), kinds)
        self.assertIn(("left_out", "broken", None), kinds)
        self.assertIn(("few_runs", "broken", None), kinds)
        self.assertNotIn(("few_runs", "fast", None), kinds)
        failed = self.d.query("SELECT id FROM runs WHERE state = 'failed'")[0]["id"]
        left = next(w for w in s["warnings"] if w["kind"] == "left_out")
        self.assertEqual(left["run_ids"], [failed])

    def test_summary_text_reads_like_a_sentence(self):
        r = self.ctl("summary", "1")
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout
        self.assertIn('plan 1 "known-numbers": done; 15 of 16 measured runs ok', out)
        self.assertIn("python 3.9.5, torch 2.5.1+cpu", out)
        # 1.683 / 3.567 = +47%; p = 2/1716 = 0.0012.
        self.assertRegex(out, r"import_torch +slow 5\.25 s vs fast 3\.57 s, \+1\.68 s \(\+47%\), "
                              r"95% CI for the shift \[\+\d\.\d\d, \+\d\.\d\d\] s, p=0\.0012")
        self.assertRegex(out, r"! slow: outlier \(over 3 MADs from the median\): run \d+ "
                              r"\(9\.90 s\)")
        self.assertIn("n too small for a CI", out)
        self.assertRegex(out, r"1 run left out: run \d+ failed")
        self.assertIn("only 2 ok runs (fewer than 5)", out)

    def test_cold_against_warm_first(self):
        s = self.summary(2)
        self.assertEqual([c["name"] for c in s["conditions"]], ["hot", "chilled"])
        self.assertEqual([(c["a"], c["b"]) for c in s["comparisons"]], [("chilled", "hot")])
        cmp = self.metric(s["comparisons"][0], "import_torch")
        self.assertAlmostEqual(cmp["diff"], 2.05 - 1.05, places=9)
        # 2 vs 2: C(4, 2) = 6 < 40, no interval reaches 95%.
        self.assertIsNone(cmp["shift_ci"])
        self.assertAlmostEqual(cmp["p"], exact_p_separated(2, 2), places=12)
        kinds = {w["kind"] for w in s["warnings"]}
        self.assertIn("few_runs", kinds)
        runs = self.d.query("SELECT * FROM runs WHERE plan_id = 2 AND kind = 'measured'")
        for run in runs:
            bad = (run["cache_policy"] == "cold" and run["resident_before_pct"] > 5 or
                   run["cache_policy"] == "warm" and run["resident_before_pct"] < 90)
            if bad:
                self.assertTrue(any(w["kind"] == "resident" and run["id"] in w["run_ids"]
                                    for w in s["warnings"]), run)
        text = self.ctl("summary", "2").stdout
        self.assertIn("chilled 2.05 s vs hot 1.05 s, +1.00 s (+95%), too few runs for a "
                      "95% CI of the shift, p=0.33", text)

    def test_runs_csv_round_trips(self):
        r = self.ctl("runs", "1", "--csv")
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = list(csv.DictReader(io.StringIO(r.stdout, newline="")))
        want = self.d.query("SELECT * FROM runs WHERE plan_id = 1 ORDER BY seq, attempt")
        self.assertEqual(len(rows), len(want))
        self.assertEqual(list(rows[0].keys()),
                         ["run_id", "seq", "attempt", "condition", "kind", "state",
                          "resident_before_pct"] + [s + "_s" for s in STAGES] +
                         ["avg_latency_ms", "major_faults", "inblock", "plan_id", "plan_name",
                          "started_at"])

        def cell(v):
            return "" if v is None else v

        for row, run in zip(rows, want):
            self.assertEqual(int(row["run_id"]), run["id"])
            for k in ("seq", "attempt", "major_faults", "inblock"):
                self.assertEqual(row[k], str(cell(run[k])), k)
            for k in ("condition", "kind", "state"):
                self.assertEqual(row[k], run[k])
            # Rows that keep their meaning once several plans' are put together.
            self.assertEqual((row["plan_id"], row["plan_name"]), ("1", "known-numbers"))
            self.assertEqual(float(row["started_at"]), run["spawned_at"])
            self.assertEqual(row["resident_before_pct"], "", "cache none measures nothing")
            stages = {s["name"]: s["duration_s"] for s in self.d.query(
                "SELECT name, duration_s FROM stages WHERE run_id = ?", run["id"])}
            for s in STAGES:
                got = row[s + "_s"]
                if s not in stages:
                    self.assertEqual(got, "", (run["id"], s))
                else:
                    self.assertEqual(float(got), stages[s], (run["id"], s))
            lat = self.d.query("SELECT value FROM metrics WHERE run_id = ? AND "
                               "name = 'avg_latency_ms'", run["id"])
            self.assertEqual(float(row["avg_latency_ms"]) if row["avg_latency_ms"] else None,
                             lat[0]["value"] if lat else None)
        try:
            import pandas
        except ImportError:
            return
        df = pandas.read_csv(io.StringIO(r.stdout))
        self.assertEqual(len(df), len(want))
        self.assertEqual(str(df["import_torch_s"].dtype), "float64")

    def test_runs_json_and_text(self):
        r = self.ctl("runs", "1", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        runs = json.loads(r.stdout)
        self.assertEqual(len(runs), 16)
        failed = [x for x in runs if x["state"] == "failed"]
        self.assertEqual(len(failed), 1)
        self.assertIsNone(failed[0]["model_loaded_s"])
        self.assertIn("failing on purpose", failed[0]["error"])
        text = self.ctl("runs", "1").stdout.splitlines()
        self.assertEqual(len(text), 17)
        self.assertTrue(text[0].split()[:3] == ["run_id", "seq", "attempt"])

    def test_plans(self):
        r = self.ctl("plans", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        plans = json.loads(r.stdout)
        self.assertEqual([(p["id"], p["name"], p["state"]) for p in plans],
                         [(1, "known-numbers", "done"), (2, "cold-warm", "done")])
        self.assertEqual((plans[0]["runs_done"], plans[0]["runs_total"]), (16, 16))
        self.assertEqual(plans[0]["runs_ok"], 15)
        # cold-warm: a probe per command (their args differ), a warm-up, four measured.
        self.assertEqual(plans[1]["runs_total"], 7)
        text = self.ctl("plans").stdout
        self.assertRegex(text, r"1  known-numbers +done +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d  16/16")

    def test_errors_and_usage(self):
        missing = os.path.join(self.folder, "nope", "bench.db")
        for args in (["plans"], ["summary", "1"], ["runs", "1"]):
            r = subprocess.run([BENCHCTL, "--db", missing] + args, capture_output=True,
                               text=True)
            self.assertEqual(r.returncode, 1, args)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
            self.assertIn("no database at " + missing, r.stderr)
        for args in (["summary", "99"], ["runs", "99"], ["report", "99", "-o", "-"]):
            r = self.ctl(*args)
            self.assertEqual(r.returncode, 1, args)
            self.assertEqual(r.stderr.strip(), "benchctl: no plan 99 in %s (\"benchctl "
                             "plans\" lists them)" % self.d.db)
        for args in (["summary", "x"], ["summary", "0"], ["runs", "1", "--json", "--csv"],
                     ["plans", "extra"], ["report", "1"], ["summary", "--bogus"],
                     ["summary", "1", "--json", "--markdown"], ["summary", "1", "2"]):
            self.assertEqual(self.ctl(*args).returncode, 2, args)
        for cmd in ("plans", "runs", "summary", "report"):
            r = self.ctl(cmd, "--help")
            self.assertEqual(r.returncode, 0, cmd)
            self.assertIn("usage: benchctl " + cmd, r.stdout)

    def test_warns_when_others_mapped_the_footprint(self):
        """A footprint mostly mapped by other programs at the probe (someone else ran torch):
        the summary says cold runs may be partly warm, next to the footprint it concerns."""
        import sqlite3
        folder = tempfile.mkdtemp(prefix="benchd-an-shared.")
        try:
            copy = os.path.join(folder, "bench.db")
            src = sqlite3.connect("file:%s?mode=ro" % self.d.db, uri=True)
            dst = sqlite3.connect(copy)
            src.backup(dst)
            src.close()

            def summary_with(sql):
                """summary --json of the copy after sql marks which files were shared."""
                dst.execute("UPDATE footprints SET shared = 0 WHERE plan_id = 2")
                if sql:
                    dst.execute(sql)
                dst.commit()
                r = subprocess.run([BENCHCTL, "--db", copy, "summary", "2", "--json"],
                                   capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, r.stderr)
                s = json.loads(r.stdout)
                return s, next((w for w in s["warnings"] if w["kind"] == "shared_footprint"), None)

            # The plan-wide warning from the probe's marks is for databases whose runs do not
            # say, each, how much others mapped (before schema 3): make this copy one of those.
            dst.execute("UPDATE runs SET mapped_others_bytes = NULL, mapped_others_files = NULL")
            # (The real probe here marks the interpreter shared: this test's own python maps it.)
            s, w = summary_with(None)
            self.assertIsNone(w)
            self.assertEqual(s["footprint"]["shared_bytes"], 0)
            total = dst.execute("SELECT sum(bytes) FROM footprints WHERE plan_id = 2").fetchone()[0]
            s, w = summary_with("UPDATE footprints SET shared = 1 WHERE plan_id = 2 AND path IN "
                                "(SELECT path FROM footprints WHERE plan_id = 2 ORDER BY bytes DESC "
                                "LIMIT 3)")
            shared = dst.execute("SELECT sum(bytes) FROM footprints WHERE plan_id = 2 AND "
                                 "shared = 1").fetchone()[0]
            self.assertGreater(shared, 0.1 * total)
            self.assertIn("cold runs may be partly warm", w["text"])
            self.assertEqual(s["footprint"]["shared_bytes"], shared)

            # Runs that say how much others mapped right before them: the warning is theirs.
            cold = [r[0] for r in dst.execute("SELECT id FROM runs WHERE plan_id = 2 AND "
                                              "kind = 'measured' AND cache_policy = 'cold' "
                                              "ORDER BY seq")]
            dst.execute("UPDATE runs SET mapped_others_bytes = 0 WHERE plan_id = 2")
            dst.execute("UPDATE runs SET mapped_others_bytes = footprint_bytes / 2 WHERE id = ?",
                        (cold[1],))
            s, w = summary_with(None)
            dst.close()
            self.assertIsNone(w)
            per_run = [x for x in s["warnings"] if x["kind"] == "mapped_by_others"]
            self.assertEqual(len(per_run), 1, s["warnings"])
            self.assertEqual(per_run[0]["run_ids"], [cold[1]])
            self.assertIn("1 cold run started with more of the footprint mapped by other "
                          "programs than the condition's other runs (by up to 50% of it)",
                          per_run[0]["text"])
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def test_copy_without_daemon_read_only(self):
        folder = tempfile.mkdtemp(prefix="benchd-an-copy.")
        try:
            # A checkpointed copy, like one taken from another machine.
            copy = os.path.join(folder, "bench.db")
            r = subprocess.run(["sqlite3", self.d.db, ".backup '%s'" % copy],
                               capture_output=True, text=True)
            if r.returncode != 0:
                import sqlite3
                src = sqlite3.connect("file:%s?mode=ro" % self.d.db, uri=True)
                dst = sqlite3.connect(copy)
                src.backup(dst)
                src.close()
                dst.close()
            os.chmod(copy, 0o444)
            os.chmod(folder, 0o555)
            with open(copy, "rb") as f:
                before = hashlib.sha256(f.read()).hexdigest()
            r = subprocess.run([BENCHCTL, "--socket", os.path.join(folder, "none.sock"),
                                "--db", copy, "summary", "1", "--json"],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(json.loads(r.stdout)["plan"]["name"], "known-numbers")
            with open(copy, "rb") as f:
                self.assertEqual(hashlib.sha256(f.read()).hexdigest(), before)
        finally:
            os.chmod(folder, 0o700)
            shutil.rmtree(folder, ignore_errors=True)

    def test_report(self):
        for plan in (1, 2):
            out = os.path.join(self.folder, "report-%d.html" % plan)
            r = self.ctl("report", str(plan), "-o", out)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(out, encoding="utf-8") as f:
                html = f.read()
            # One plot per stage, and one for avg_latency_ms.
            self.assertEqual(html.count('<svg class="stage-plot"'), len(STAGES) + 1)
            self.assertEqual(html.count('<svg class="timeline"'), 1)
            for bad in ("http:", "https:", "<script", "<link", "@import", "url(http"):
                self.assertNotIn(bad, html.lower())
            self.assertTrue(html.rstrip().endswith("</html>"))
            if plan == 1:
                self.assertIn("95% CI for the shift [", html)
                self.assertIn("n too small for a CI", html)
                self.assertIn("1 run left out", html)
        self.assertIn("probe", html)
        self.assertIn("warm-up", html)
        self.assertIn("not counted", html)
        # Shared files: what the code does, said as the README says it.
        self.assertIn("cold runs evict the files other programs map then like the rest, but "
                      "their mapped pages stay cached (no eviction can drop them), so those files "
                      "are left out of that run&#39;s residency", html)
        # The stages of one condition are told apart: a colour of their own each, far apart.
        timeline = html[html.index('<svg class="timeline"'):]
        timeline = timeline[:timeline.index("</svg>")]
        swatches = re.findall(r'<rect x="[\d.]+" y="[\d.]+" width="12\.0" height="12\.0" '
                              r'fill="(#[0-9a-f]{6})"/>\n<text [^>]*>([a-z_]+)</text>', timeline)
        self.assertEqual([name for _, name in swatches], STAGES[:-1])
        colours = [c for c, _ in swatches]
        self.assertEqual(len(set(colours)), len(colours), colours)

        def rgb(c):
            return [int(c[i:i + 2], 16) for i in (1, 3, 5)]

        for a, b in itertools.combinations(colours, 2):
            self.assertGreater(sum(abs(x - y) for x, y in zip(rgb(a), rgb(b))), 100, (a, b))
        bars = {c for c in re.findall(r'fill="(#[0-9a-f]{6})"', timeline)}
        self.assertTrue(set(colours) <= bars, "the bars use the legend's colours")

        if chromium() is None:
            self.skipTest("chromium is not installed: the report's HTML was checked, its "
                          "rendering was not (apt-get install chromium)")
        profile = tempfile.mkdtemp(prefix="benchd-an-chromium.")
        try:
            url = "file://" + os.path.join(self.folder, "report-1.html")
            dom = subprocess.run(chromium_args(profile) + ["--dump-dom", url],
                                 capture_output=True, text=True, timeout=120)
            self.assertEqual(dom.returncode, 0, dom.stderr[-2000:])
            self.assertEqual(dom.stdout.count('class="stage-plot"'), len(STAGES) + 1)
            self.assertIn("</html>", dom.stdout)
            shot = os.path.join(self.folder, "report-1.png")
            r = subprocess.run(chromium_args(profile) + ["--screenshot=" + shot,
                               "--window-size=1200,2400", url],
                               capture_output=True, text=True, timeout=120)
            self.assertEqual(r.returncode, 0, r.stderr[-2000:])
            self.assertGreater(os.path.getsize(shot), 20000)
            width, height, pixels = png_info(shot)
            self.assertEqual((width, height), (1200, 2400))
            # Not one colour: many distinct bytes, and white does not fill it all.
            counts = collections.Counter(pixels[::7])
            self.assertGreater(len(counts), 64)
            self.assertLess(max(counts.values()), 0.98 * sum(counts.values()))
        finally:
            shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
