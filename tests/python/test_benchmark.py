"""test_benchmark.py: python/benchmark.py prints the user's stage log line for line, and benchctl parse-log reads it."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

from parselog import parse_log

SOURCE_DIR = os.environ.get("BENCHD_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
BENCHMARK = os.path.join(SOURCE_DIR, "python", "benchmark.py")
SEED_LOG = os.path.join(SOURCE_DIR, "tests", "fixtures", "seed-logs", "run1.stdout")
DEBIAN_PYTHON = "/usr/bin/python3"  # the only interpreter here that sees Debian's python3-torch
ITERS = 5
LATENCY_LINE = re.compile(r"^\[\d+\.\d{3}s\] Latency \(ms\): p50=\d+\.\d\d p90=\d+\.\d\d p99=\d+\.\d\d "
                          r"min=\d+\.\d\d max=\d+\.\d\d$")


def torch_missing():
    """Return why /usr/bin/python3 cannot run the benchmark, or None when it can import torch and torchvision."""
    if not os.access(DEBIAN_PYTHON, os.X_OK):
        return "%s does not exist" % DEBIAN_PYTHON
    proc = subprocess.run([DEBIAN_PYTHON, "-c", "import torch, torchvision"], capture_output=True, text=True)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return "%s cannot import torch/torchvision (%s); install Debian's python3-torch" % (DEBIAN_PYTHON, last)
    return None


def shape(lines):
    """Reduce stage-log lines to their format: numbers become #, run-specific values are dropped."""
    out = []
    in_info = False
    for line in lines:
        line = line.rstrip()
        if not line:
            continue
        if line == "=== Runtime Info ===":
            in_info = True
        elif line == "====================":
            in_info = False
        elif in_info and re.match(r"^(python|platform|torch): ", line):
            line = line.split(":")[0] + ":"
        elif in_info:
            line = re.sub(r"=\S*", "=", line)
        elif " Loaded weights from " in line:
            line = re.sub(r"from .*", "from <file>", line)
        out.append(re.sub(r"\d+(\.\d+)?", "#", line))
    return out


class BenchmarkRunTest(unittest.TestCase):
    """Two real runs of benchmark.py: the first creates the weights file, the second only loads it."""

    @classmethod
    def setUpClass(cls):
        """Run the benchmark twice on a fresh weights path, keeping output and timings."""
        reason = torch_missing()
        if reason:
            raise unittest.SkipTest(reason)
        cls.tmp = tempfile.mkdtemp(prefix="benchd-benchmark-")
        cls.weights = os.path.join(cls.tmp, "m.pth")
        cls.runs = []
        for _ in range(2):
            launched = time.time()
            started = time.perf_counter()
            proc = subprocess.run([DEBIAN_PYTHON, BENCHMARK, "--iters", str(ITERS), "--weights", cls.weights],
                                  capture_output=True, text=True, timeout=120)
            proc.launched = launched
            proc.wall = time.perf_counter() - started
            cls.runs.append(proc)
        sys.stderr.write("\n[benchmark.py: %s; weights file %d bytes] " % (
            ", ".join("run %d %.2f s" % (i + 1, p.wall) for i, p in enumerate(cls.runs)),
            os.path.getsize(cls.weights) if os.path.exists(cls.weights) else -1))

    @classmethod
    def tearDownClass(cls):
        """Remove the temporary weights folder."""
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_runs_succeed(self):
        """Both runs exit 0."""
        for proc in self.runs:
            self.assertEqual(proc.returncode, 0, proc.stderr)

    def test_first_run_creates_weights_second_loads_them(self):
        """Only the first run says on stderr that it created the weights; the file is left in place."""
        first, second = self.runs
        self.assertIn(self.weights, first.stderr)
        self.assertIn("created", first.stderr)
        self.assertEqual(len(first.stderr.strip().splitlines()), 1, first.stderr)
        self.assertNotIn("created", second.stderr)
        self.assertGreater(os.path.getsize(self.weights), 1 << 20)
        self.assertEqual(os.listdir(self.tmp), ["m.pth"], "temporary file left behind")

    def test_format_matches_seed_log(self):
        """Line for line the user's format, plus one latency line at the end."""
        with open(SEED_LOG) as f:
            seed = shape(f.read().splitlines())
        for proc in self.runs:
            lines = proc.stdout.splitlines()
            self.assertRegex(lines[-1], LATENCY_LINE)
            self.assertEqual(shape(lines[:-1]), seed)
            self.assertIn("Loaded weights from m.pth", proc.stdout)
            self.assertIn("Starting Inference Loop (%d iters)..." % ITERS, proc.stdout)

    def test_times_are_consistent(self):
        """start time is the launch's wall clock, and the [T s] stamps never go backwards."""
        for proc in self.runs:
            lines = proc.stdout.splitlines()
            start = float(lines[0].split(": ")[1])
            self.assertLess(abs(start - proc.launched), 5.0)
            stamps = [float(m.group(1)) for m in map(re.compile(r"^\[(\d+\.\d+)s\]").match, lines) if m]
            self.assertEqual(stamps[0], 0.0)
            self.assertEqual(stamps, sorted(stamps))

    def test_parse_log(self):
        """The daemon's own parser finds the four stages, the latency metrics, iters and the runtime info."""
        for proc in self.runs:
            result = parse_log(self, proc.stdout)
            stages = {s["name"]: s for s in result["stages"]}
            for name in ("import_torch", "model_loaded", "warmup", "inference"):
                self.assertIn(name, stages)
                self.assertGreaterEqual(stages[name]["duration_s"], 0.0)
                self.assertLessEqual(stages[name]["start_s"], stages[name]["end_s"])
            printed = float(re.search(r"Import Torch Done, Time Spent: (\d+\.\d+)s", proc.stdout).group(1))
            self.assertAlmostEqual(stages["import_torch"]["duration_s"], printed, places=3)
            metrics = {m["name"]: m["value"] for m in result["metrics"]}
            self.assertEqual(metrics.get("iters"), ITERS)
            for name in ("avg_latency_ms", "p50_latency_ms", "p90_latency_ms", "p99_latency_ms",
                         "min_latency_ms", "max_latency_ms"):
                self.assertIn(name, metrics)
                self.assertGreater(metrics[name], 0.0)
            self.assertLessEqual(metrics["min_latency_ms"], metrics["p50_latency_ms"])
            self.assertLessEqual(metrics["p50_latency_ms"], metrics["max_latency_ms"])
            info = {i["key"]: i["value"] for i in result["info"]}
            for key in ("python", "platform", "torch"):
                self.assertIn(key, info)
            self.assertAlmostEqual(result["child_started_at"], float(proc.stdout.split()[2]), places=3)


class NoTorchTest(unittest.TestCase):
    """An interpreter without torch gets one clear line on stderr and exit status 2."""

    def interpreter_without_torch(self):
        """Return a command line for a python that cannot import torch: python3 on PATH, else Debian's with -S."""
        candidates = []
        on_path = shutil.which("python3")
        if on_path:
            candidates.append([on_path])
        candidates.append([DEBIAN_PYTHON, "-S"])  # no site: /usr/lib/python3/dist-packages is not on the path
        for cmd in candidates:
            try:
                proc = subprocess.run(cmd + ["-c", "import torch"], capture_output=True, timeout=60)
            except OSError:
                continue
            if proc.returncode != 0:
                return cmd
        self.skipTest("every interpreter found can import torch")

    def test_no_torch_exits_2(self):
        """The message names the interpreter and points at /usr/bin/python3."""
        cmd = self.interpreter_without_torch()
        executable = subprocess.run(cmd + ["-c", "import sys; print(sys.executable)"], capture_output=True,
                                    text=True).stdout.strip()
        proc = subprocess.run(cmd + [BENCHMARK, "--iters", "1"], capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, proc.stderr)
        self.assertIn(executable, lines[0])
        self.assertIn("torch is not importable", lines[0])
        self.assertIn("/usr/bin/python3", lines[0])
        self.assertNotIn("Traceback", proc.stderr)


if __name__ == "__main__":
    unittest.main()
