"""test_compare.py: benchctl compare and summary --markdown on plans run by a real daemon with known numbers."""
import csv
import io
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import unittest

from harness import BENCHCTL, PYTHON, Daemon
from test_analysis import FIXED

# The reference's cold import times and the new ones, every one 0.5 s (about 10%) slower;
# warm ones that interleave: no difference to find there.
BASE_COLD = [5.01, 5.02, 5.03, 5.04, 5.05, 5.06]
NEW_COLD = [5.51, 5.52, 5.53, 5.54, 5.55, 5.56]
BASE_WARM = [3.01, 3.03, 3.05, 3.07, 3.09, 3.11]
NEW_WARM = [3.02, 3.04, 3.06, 3.08, 3.10, 3.12]

PLAN = """\
name: %(name)s
python: %(python)s
script: %(script)s
timeout: 30
conditions:
  - {name: cold, cache: cold, runs: 6, args: [%(name)s-cold.count, "%(cold)s"]}
  - {name: warm, cache: warm, warmup_runs: 1, runs: 6, args: [%(name)s-warm.count, "%(warm)s"]}
"""

# A plan whose conditions share no name with the others.
OTHER = """\
name: other
python: %s
script: fixed.py
conditions:
  - {name: chilled, cache: none, runs: 2, args: [other.count, "1.0"]}
""" % PYTHON

# A plan whose probe fails: the plan fails before any measured run.
BROKEN = """\
name: broken
python: %s
script: fixed.py
conditions:
  - {name: cold, cache: cold, runs: 3, args: [broken.count, "fail"]}
""" % PYTHON


def values(xs, warmup=None):
    """The list fixed.py reads: a warm-up's value first when there is one."""
    return ",".join("%.3f" % v for v in ([warmup] if warmup is not None else []) + xs)


class TestCompare(unittest.TestCase):
    """torch 2.5 against torch 2.6 (a slower cold start), run once by a real daemon."""

    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.mkdtemp(prefix="benchd-cmp.")
        os.chmod(cls.folder, 0o700)
        with open(os.path.join(cls.folder, "fixed.py"), "w") as f:
            f.write(FIXED)
        with open(os.path.join(cls.folder, "fixed26.py"), "w") as f:
            f.write(FIXED.replace("torch: 2.5.1+cpu", "torch: 2.6.0+cpu"))
        cls.d = Daemon(cls.folder).start()
        plans = [
            ("base.yaml", PLAN % {"name": "torch-25", "python": PYTHON, "script": "fixed.py",
                                  "cold": values(BASE_COLD), "warm": values(BASE_WARM, 3.0)}),
            ("new.yaml", PLAN % {"name": "torch-26", "python": PYTHON, "script": "fixed26.py",
                                 "cold": values(NEW_COLD), "warm": values(NEW_WARM, 3.0)}),
            ("other.yaml", OTHER),
            ("broken.yaml", BROKEN),
        ]
        try:
            for name, text in plans:
                path = os.path.join(cls.folder, name)
                with open(path, "w") as f:
                    f.write(text)
                r = cls.d.ctl("submit", path, "--wait", "--quiet")
                if r.returncode not in (0, 1) or "queued" not in r.stdout:
                    raise AssertionError(r.stdout + r.stderr + cls.d.log())
        except BaseException:
            cls.d.stop(signal.SIGKILL)
            raise

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()
        shutil.rmtree(cls.folder, ignore_errors=True)

    def compare(self, *args, db=None):
        """benchctl compare with the test daemon's database (or db)."""
        return subprocess.run([BENCHCTL, "--db", db or self.d.db, "compare"] + list(args),
                              capture_output=True, text=True, timeout=60)

    def test_verdict_per_stage(self):
        r = self.compare("1", "2")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        out = r.stdout
        self.assertIn("plan 2 against plan 1 (the reference): the shift is 2's median minus "
                      "1's", out)
        # 5.535 - 5.035 = +0.500 s (+9.9%); every new value above every old one.
        self.assertRegex(out, r"import_torch +2:cold 5\.54 s vs 1:cold 5\.04 s, \+0\.500 s "
                              r"\(\+9\.9%\), 95% CI for the shift \[\+0\.\d+, \+0\.\d+\] s, "
                              r"p=0\.0022; slower\n")
        self.assertRegex(out, r"import_torch +2:warm 3\.07 s vs 1:warm 3\.06 s, .*; no "
                              r"difference at this precision\n")
        self.assertIn("! the plans differ in torch: plan 1 has 2.5.1+cpu, plan 2 2.6.0+cpu: "
                      "the shift measures that too", out)
        self.assertNotIn("different machines", out)
        # The proof beside the numbers: how many runs of each side met their cache state.
        self.assertRegex(out, r"cache before the runs: 1:cold \d of 6 at most 5% cached, "
                              r"2:cold \d of 6 at most 5% cached, 1:warm \d of 6 at least 90% "
                              r"cached, 2:warm \d of 6 at least 90% cached")
        # launch and total are timed for real: their verdicts may go either way here.
        # (Another timed stage, cold total say, may be listed between the two.)
        self.assertRegex(out, r"verdict: \d+ stages? slower \([^)]*cold import_torch \+9\.9%"
                              r"[^)]*cold avg_latency_ms \+9\.9%[^)]*\), \d+ faster")
        r = self.compare("1", "2", "--stage", "import_torch")
        self.assertIn("verdict: 1 stage slower (cold import_torch +9.9%), 0 faster, 1 with no "
                      "difference at this precision\n", r.stdout)

    def test_fail_if_slower(self):
        # (launch and total are timed for real, and may be slower too: the stage is named.)
        r = self.compare("1", "2", "--fail-if-slower", "5", "--stage", "import_torch")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("fail: 1 stage slower by more than 5%: cold import_torch +9.9%\n",
                      r.stdout)
        r = self.compare("1", "2", "--fail-if-slower", "5")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"fail: \d+ stages slower by more than 5%: .*cold "
                                   r"import_torch \+9\.9%")
        r = self.compare("1", "2", "--fail-if-slower", "15", "--stage", "import_torch")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("no stage is slower by more than 15%", r.stdout)
        # One stage, and the cold conditions only.
        r = self.compare("1:cold", "2:cold", "--stage", "import_torch", "--fail-if-slower", "5")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(len(re.findall(r"; (slower|faster|no difference)", r.stdout)), 1)
        # Faster is never a failure.
        r = self.compare("2", "1", "--fail-if-slower", "0", "--stage", "import_torch")
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertRegex(r.stdout, r"import_torch +1:cold 5\.04 s vs 2:cold 5\.54 s, -0\.500 s "
                                   r"\(-9\.0%\).*; faster\n")

    def test_json(self):
        r = self.compare("1", "2", "--json", "--fail-if-slower", "5")
        self.assertEqual(r.returncode, 1, r.stderr)
        c = json.loads(r.stdout)
        self.assertEqual((c["a"]["plan_id"], c["b"]["plan_id"]), (1, 2))
        self.assertEqual((c["a"]["torch"], c["b"]["torch"]), ("2.5.1+cpu", "2.6.0+cpu"))
        self.assertEqual(c["fail_if_slower_pct"], 5)
        self.assertEqual([(p["a"], p["b"]) for p in c["comparisons"]],
                         [("cold", "cold"), ("warm", "warm")])
        m = next(x for x in c["comparisons"][0]["metrics"] if x["name"] == "import_torch")
        self.assertAlmostEqual(m["median_a"], 5.035, places=9)
        self.assertAlmostEqual(m["median_b"], 5.535, places=9)
        self.assertAlmostEqual(m["diff"], 0.5, places=9)
        self.assertAlmostEqual(m["rel"], 0.5 / 5.035, places=9)
        self.assertEqual((m["na"], m["nb"]), (6, 6))
        self.assertGreater(m["shift_ci"]["lo"], 0)
        self.assertEqual(m["verdict"], "slower")
        self.assertTrue(m["over_threshold"])
        w = next(x for x in c["comparisons"][1]["metrics"] if x["name"] == "import_torch")
        self.assertEqual(w["verdict"], "same")
        self.assertFalse(w["over_threshold"])
        self.assertIn({"what": "torch", "a": "2.5.1+cpu", "b": "2.6.0+cpu"}, c["differences"])
        self.assertGreaterEqual(c["counts"]["over_threshold"], 2)
        self.assertEqual(len(c["a"]["machines"]), 1)
        self.assertEqual(c["a"]["machines"], c["b"]["machines"])

    def test_markdown(self):
        r = self.compare("1", "2", "--markdown")
        self.assertEqual(r.returncode, 0, r.stderr)
        md = r.stdout
        self.assertTrue(md.startswith("### benchd: plan 2 `torch-26` against plan 1 "
                                      "`torch-25` (the reference)\n"), md)
        self.assertIn("- **Warning:** the plans differ in torch: plan 1 2.5.1+cpu, plan 2 "
                      "2.6.0+cpu", md)
        rows = [line for line in md.splitlines() if line.startswith("|")]
        # Two tables (cold, warm): a header, an alignment row and a row per stage, each.
        self.assertEqual(len(rows), 2 * (2 + 7))
        for line in rows:
            self.assertEqual(len(re.findall(r"(?<!\\)\|", line)), 8, line)
        self.assertRegex(md, r"\| `import_torch` +\| +5\.54 s \| +5\.04 s \| +\+0\.500 s "
                             r"\(\+9\.9%\) \| \[\+0\.\d+, \+0\.\d+\] s +\| +0\.0022 \| "
                             r"\*\*slower\*\* +\|")
        s = subprocess.run([BENCHCTL, "--db", self.d.db, "summary", "1", "--markdown"],
                           capture_output=True, text=True)
        self.assertEqual(s.returncode, 0, s.stderr)
        self.assertTrue(s.stdout.startswith("### benchd: plan 1 `torch-25`: done, 12 of 12 "
                                            "measured runs ok\n"), s.stdout)
        self.assertRegex(s.stdout, r"\| `cold` +\| cold +\| +6 of 6 \| median \d+\.\d%, worst "
                                   r"\d+\.\d% +\| \d of 6 at most 5% cached +\|")
        self.assertIn("| stage ", s.stdout)

    def test_conditions_named_and_errors(self):
        r = self.compare("1:warm", "2:cold", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([(p["a"], p["b"]) for p in json.loads(r.stdout)["comparisons"]],
                         [("warm", "cold")])
        r = self.compare("1", "2:warm", "--json")
        self.assertEqual([(p["a"], p["b"]) for p in json.loads(r.stdout)["comparisons"]],
                         [("warm", "warm")])
        r = self.compare("1", "3")
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr, "benchctl: compare: plans 1 (cold, warm) and 3 (chilled) "
                                   "share no condition name; name the two to compare: "
                                   "benchctl compare 1:cold 3:chilled\n")
        r = self.compare("1:hot", "2")
        self.assertEqual(r.returncode, 2)
        self.assertIn("plan 1 has no condition \"hot\" (it has cold, warm)", r.stderr)
        for bad in (["1"], ["x", "2"], ["1:", "2"], ["1", "2", "--fail-if-slower", "-3"],
                    ["1", "2", "--json", "--markdown"]):
            self.assertEqual(self.compare(*bad).returncode, 2, bad)
        self.assertEqual(self.compare("1", "99").returncode, 2)

    def test_different_machines(self):
        """Plans run by daemons on two machines (daemon_starts says which): compare warns."""
        folder = tempfile.mkdtemp(prefix="benchd-cmp-copy.")
        try:
            copy = os.path.join(folder, "bench.db")
            src = sqlite3.connect("file:%s?mode=ro" % self.d.db, uri=True)
            dst = sqlite3.connect(copy)
            src.backup(dst)
            src.close()
            # A daemon elsewhere started just before plan 2's first run.
            first = dst.execute("SELECT min(spawned_at) FROM runs WHERE plan_id = 2").fetchone()[0]
            dst.execute("INSERT INTO daemon_starts (started_at, pid, uid, version, host, "
                        "machine_id) VALUES (?, 1, 0, 'x', 'elsewhere', "
                        "'ffffffffffffffffffffffffffffffff')", (first - 0.0001,))
            dst.commit()
            dst.close()
            r = self.compare("1", "2", db=copy)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertRegex(r.stdout, r"! the plans ran on different machines: plan 1 on \S+ "
                                       r"\(machine-id [0-9a-f]{8}\.\.\.\), plan 2 on elsewhere "
                                       r"\(machine-id ffffffff\.\.\.\): the shift measures that "
                                       r"too")
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def test_failed_plan_summary_says_why(self):
        r = subprocess.run([BENCHCTL, "--db", self.d.db, "summary", "4"], capture_output=True,
                           text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        error = self.d.query("SELECT error FROM plans WHERE id = 4")[0]["error"]
        self.assertTrue(error)
        self.assertIn('plan 4 "broken": failed;', r.stdout)
        self.assertIn("! the plan failed after 1 of 4 runs: " + error, r.stdout)
        self.assertIn("! no ok runs: the plan failed", r.stdout)
        self.assertNotIn("(yet)", r.stdout)

    def test_newest_plan_and_options_after_the_command(self):
        newest = subprocess.run([BENCHCTL, "summary", "--json", "--db", self.d.db],
                                capture_output=True, text=True)
        self.assertEqual(newest.returncode, 0, newest.stderr)
        self.assertEqual(json.loads(newest.stdout)["plan"]["id"], 4)
        r = subprocess.run([BENCHCTL, "runs", "--db=" + self.d.db, "--csv"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = list(csv.DictReader(io.StringIO(r.stdout, newline="")))
        self.assertEqual({(x["plan_id"], x["plan_name"]) for x in rows}, {("4", "broken")})


if __name__ == "__main__":
    unittest.main()
