"""test_torch.py: with Debian's torch, the same cold and warm plan on `import torch` itself."""
import json
import os
import statistics
import subprocess
import unittest

from harness import PYTHON, DaemonTest

TORCH = """\
import time
T0 = time.time()
print("start time: %.3f" % T0, flush=True)
print("[0.000s] Python Process Started, Importing Torch...", flush=True)
import torch
t = time.time() - T0
print("[%.3fs] Import Torch Done, Time Spent: %.3fs" % (t, t), flush=True)
"""


class TestTorchColdVersusWarm(DaemonTest):
    """With Debian's torch: import torch is slower cold than warm, on the medians."""

    def test_import_torch_cold_slower(self):
        probe = subprocess.run([PYTHON, "-c", "import torch"], capture_output=True, text=True)
        if probe.returncode != 0:
            self.skipTest("%s cannot import torch (install python3-torch): %s"
                          % (PYTHON, probe.stderr.strip().splitlines()[-1:]))
        d = self.daemon()
        self.write("import_torch.py", TORCH)
        plan = self.write("torch.yaml", """\
name: torch-cold-vs-warm
python: %s
script: import_torch.py
cpus: "0"
conditions:
  - {name: cold, cache: cold, runs: 4}
  - {name: warm, cache: warm, warmup_runs: 1, runs: 4}
""" % PYTHON)
        r = d.ctl("submit", plan, "--wait", timeout=300)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + d.log())
        rows = d.query("SELECT condition, import_torch_s, resident_before_pct FROM measured_runs")
        cold = [x["import_torch_s"] for x in rows if x["condition"] == "cold"]
        warm = [x["import_torch_s"] for x in rows if x["condition"] == "warm"]
        self.assertEqual((len(cold), len(warm)), (4, 4))
        for x in rows:
            if x["condition"] == "cold":
                self.assertLessEqual(x["resident_before_pct"], 2.0, x)
            else:
                self.assertGreaterEqual(x["resident_before_pct"], 95.0, x)
        print("\nimport torch: cold median %.3f s, warm median %.3f s"
              % (statistics.median(cold), statistics.median(warm)))
        self.assertGreater(statistics.median(cold), statistics.median(warm))

    def test_warming_curve_files_and_modules(self):
        """With Debian's torch: a sequence (then: 1) beside a warm condition, with importtime
        runs. The curve has its positions; a cold run read torch's own library from disk, more
        than any other file; torch._C's import costs more cold than warm."""
        probe = subprocess.run([PYTHON, "-c", "import torch"], capture_output=True, text=True)
        if probe.returncode != 0:
            self.skipTest("%s cannot import torch (install python3-torch)" % PYTHON)
        d = self.daemon()
        self.write("import_torch.py", TORCH)
        plan = self.write("warming.yaml", """\
name: torch-warming
python: %s
script: import_torch.py
cpus: "0"
importtime_runs: 1
conditions:
  - {name: cold, cache: cold, then: 1, runs: 2}
  - {name: warm, cache: warm, warmup_runs: 1, runs: 2}
""" % PYTHON)
        r = d.ctl("submit", plan, "--wait", timeout=600)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + d.log())
        s = json.loads(d.ctl("summary", "--json").stdout)
        curve = [c for c in s["warming"] if c["metric"] == "import_torch"][0]
        self.assertEqual([p["position"] for p in curve["points"]], [0, 1])
        self.assertLessEqual(curve["points"][0]["resident_before_pct"], 2.0)
        self.assertGreater(curve["points"][1]["resident_before_pct"],
                           curve["points"][0]["resident_before_pct"] + 50.0, "much warmer")
        self.assertGreater(curve["points"][0]["read_in_bytes"], 50e6, "a cold import reads torch")
        read = [x for x in s["read_in"] if x["condition"] == "cold"][0]
        self.assertRegex(os.path.basename(read["files"][0]["path"]), r"^libtorch",
                         "torch's own library is the most read: %s" % read["files"][:3])
        rows = {x["module"]: x for x in s["modules"]["rows"]}
        self.assertGreater(rows["torch._C"]["cold_self_us"], rows["torch._C"]["warm_self_us"])
        text = d.ctl("summary").stdout
        print("\n" + text[text.find("warming curve"):])


if __name__ == "__main__":
    unittest.main()
