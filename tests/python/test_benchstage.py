"""test_benchstage.py: benchstage.py prints what benchctl parse-log reads, and imports in well under 1 ms."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

from parselog import parse_log

SOURCE_DIR = os.environ.get("BENCHD_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
PYTHON_DIR = os.path.join(SOURCE_DIR, "python")
PYTHON = sys.executable

SCRIPT = textwrap.dedent("""\
    import time
    import benchstage
    benchstage.start()
    with benchstage.stage("Import Json"):
        import json
    benchstage.runtime_info({"python": "3.x", "answer": 42})
    benchstage.mark("Custom Event")
    with benchstage.stage("Short Sleep") as s:
        time.sleep(0.05)
    try:
        with benchstage.stage("Broken"):
            raise KeyError("x")
    except KeyError:
        pass
    print("slept", s.duration >= 0.05)
    """)

EXPECTED = [
    r"start time: \d+\.\d{3}",
    r"\[0\.000s\] Import Json\.\.\.",
    r"\[\d+\.\d{3}s\] Import Json Done, Time Spent: \d+\.\d{3}s",
    r"=== Runtime Info ===",
    r"python: 3\.x",
    r"answer: 42",
    r"====================",
    r"\[\d+\.\d{3}s\] Custom Event",
    r"\[\d+\.\d{3}s\] Short Sleep\.\.\.",
    r"\[\d+\.\d{3}s\] Short Sleep Done, Time Spent: 0\.0[5-9]\ds",
    r"\[\d+\.\d{3}s\] Broken\.\.\.",
    r"\[\d+\.\d{3}s\] Broken Failed: KeyError",
    r"slept True",
]


class BenchstageTest(unittest.TestCase):
    """A script instrumented with benchstage, run in a child with python/ on its path."""

    @classmethod
    def setUpClass(cls):
        """Run the instrumented script once."""
        cls.tmp = tempfile.mkdtemp(prefix="benchd-benchstage-")
        script = os.path.join(cls.tmp, "instrumented.py")
        with open(script, "w") as f:
            f.write(SCRIPT)
        env = dict(os.environ, PYTHONPATH=PYTHON_DIR)
        cls.proc = subprocess.run([PYTHON, script], capture_output=True, text=True, env=env, timeout=60)

    @classmethod
    def tearDownClass(cls):
        """Remove the temporary folder."""
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_format(self):
        """Each line has the user's format, in order."""
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr)
        lines = self.proc.stdout.splitlines()
        self.assertEqual(len(lines), len(EXPECTED), self.proc.stdout)
        for line, pattern in zip(lines, EXPECTED):
            self.assertRegex(line, "^%s$" % pattern)

    def test_parse_log(self):
        """benchctl parse-log finds the two finished stages (not the failed one), the info and the start time."""
        result = parse_log(self, self.proc.stdout)
        stages = {s["name"]: s for s in result["stages"]}
        self.assertIn("import_json", stages)
        self.assertIn("short_sleep", stages)
        self.assertNotIn("broken", stages)
        self.assertGreaterEqual(stages["short_sleep"]["duration_s"], 0.05)
        self.assertEqual({i["key"]: i["value"] for i in result["info"]}, {"python": "3.x", "answer": "42"})
        self.assertIn("Custom Event", [e["text"] for e in result["events"]])
        started = float(self.proc.stdout.split()[2])
        self.assertAlmostEqual(result["child_started_at"], started, places=3)


class BenchstageImportTest(unittest.TestCase):
    """Importing benchstage must not distort what it measures."""

    def setUp(self):
        """Copy benchstage.py into a temporary folder with its bytecode, as an installed module would have it."""
        self.dir = tempfile.mkdtemp(prefix="benchd-benchstage-import-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        shutil.copy(os.path.join(PYTHON_DIR, "benchstage.py"), self.dir)
        subprocess.run([PYTHON, "-m", "py_compile", os.path.join(self.dir, "benchstage.py")], check=True)
        self.env = dict(os.environ, PYTHONPATH=self.dir)

    def test_imports_only_time_and_sys(self):
        """The only modules the import adds are benchstage itself and time."""
        code = "import sys; b = set(sys.modules); import benchstage; print(sorted(set(sys.modules) - b))"
        proc = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, env=self.env, check=True)
        self.assertLessEqual(set(eval(proc.stdout)), {"benchstage", "time"})

    def test_import_cost(self):
        """-X importtime's cumulative figure for benchstage, best of 5, is under 5 ms (it should be ~0.1 ms)."""
        figures = []
        for _ in range(5):
            proc = subprocess.run([PYTHON, "-X", "importtime", "-c", "import benchstage"], capture_output=True,
                                  text=True, env=self.env, check=True)
            match = re.search(r"^import time:\s+\d+ \|\s+(\d+) \| benchstage$", proc.stderr, re.M)
            self.assertIsNotNone(match, proc.stderr)
            figures.append(int(match.group(1)))
        best = min(figures)
        sys.stderr.write("\n[benchstage import: best %d us, runs %s us] " % (best, figures))
        self.assertLess(best, 5000)


if __name__ == "__main__":
    unittest.main()
