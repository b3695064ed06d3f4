"""test_daemon.py: benchd and benchctl end to end: runs recorded whole, failures, timeouts, cancel, SIGTERM."""
import json
import os
import signal
import subprocess
import time
import unittest

from harness import BENCHCTL, FIXTURES, PYTHON, DaemonTest

FOUR_LOGS = """\
name: seed-logs
python: @PYTHON@
script: @SEEDLOG@
timeout: 60
conditions:
  - {name: run1, cache: none, runs: 2, args: [--log, run1, --intervals, @INTERVALS@]}
  - {name: run2, cache: none, runs: 2, args: [--log, run2, --intervals, @INTERVALS@]}
  - {name: run3, cache: none, runs: 2, args: [--log, run3, --intervals, @INTERVALS@]}
  - {name: run4, cache: none, runs: 2, args: [--log, run4, --intervals, @INTERVALS@, --sleep, "0.01"]}
"""


def parse_fixture(name):
    """What benchctl parse-log reads in a seed log (the expected record of a run)."""
    out = subprocess.run([BENCHCTL, "parse-log", os.path.join(FIXTURES, name + ".stdout")],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


class TestRunsRecorded(DaemonTest):
    """A plan of the seed's four logs: one run at a time, each recorded exactly."""

    def test_seed_logs_recorded_exactly(self):
        d = self.daemon()
        intervals = os.path.join(self.folder, "intervals")
        plan = self.plan("seed.yaml", FOUR_LOGS.replace("@INTERVALS@", intervals))
        r = d.ctl("submit", plan, "--wait")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + d.log())
        self.assertRegex(r.stdout, r"plan 1 queued: seed-logs \(4 conditions, 8 runs\)")

        runs = d.query("SELECT * FROM runs ORDER BY seq")
        self.assertEqual([x["condition"] for x in runs],
                         ["run1", "run2", "run3", "run4"] * 2, "interleaved order")
        self.assertTrue(all(x["state"] == "ok" and x["exit_code"] == 0 for x in runs))
        self.assertEqual(d.query("SELECT state FROM plans")[0]["state"], "done")

        for run in runs:
            want = parse_fixture(run["condition"])
            stages = {s["name"]: s for s in d.query(
                "SELECT * FROM stages WHERE run_id = ?", run["id"])}
            for s in want["stages"]:
                got = stages[s["name"]]
                for k in ("start_s", "end_s", "duration_s"):
                    self.assertAlmostEqual(got[k], s[k], places=9, msg=(run["id"], s, k))
            self.assertEqual(set(stages), {s["name"] for s in want["stages"]} | {"launch", "total"})
            self.assertGreater(stages["launch"]["duration_s"], 0)
            self.assertLess(stages["launch"]["duration_s"], 5)
            self.assertGreater(stages["total"]["duration_s"], stages["launch"]["duration_s"])
            metrics = {m["name"]: m["value"] for m in d.query(
                "SELECT * FROM metrics WHERE run_id = ?", run["id"])}
            self.assertEqual(metrics, {m["name"]: m["value"] for m in want["metrics"]})
            info = [(i["key"], i["value"]) for i in d.query(
                "SELECT * FROM run_info WHERE run_id = ? ORDER BY rowid", run["id"])]
            self.assertEqual(info, [(i["key"], i["value"]) for i in want["info"]])
            events = d.query("SELECT * FROM events WHERE run_id = ? ORDER BY seq", run["id"])
            self.assertEqual([e["text"] for e in events], [e["text"] for e in want["events"]])
            self.assertIsNotNone(run["child_started_at"])
            self.assertGreaterEqual(run["child_started_at"], run["spawned_at"] - 0.001)
            self.assertIn(run["condition"], run["command"])

        # The exact numbers of the seed's first log, as the user printed them.
        row = d.query("SELECT * FROM measured_runs WHERE condition = 'run1' LIMIT 1")[0]
        self.assertAlmostEqual(row["import_torch_s"], 5.295)
        self.assertAlmostEqual(row["model_loaded_s"], 0.197)
        self.assertAlmostEqual(row["warmup_s"], 0.195)
        self.assertAlmostEqual(row["inference_s"], 3.658)
        self.assertAlmostEqual(row["avg_latency_ms"], 36.58)

        # No two children were ever alive at once.
        spans = {}
        with open(intervals) as f:
            for line in f:
                what, pid, t = line.split()
                spans.setdefault(pid, {})[what] = float(t)
        spans = sorted((s["start"], s["end"]) for s in spans.values())
        self.assertEqual(len(spans), 8)
        for (a0, a1), (b0, b1) in zip(spans, spans[1:]):
            self.assertLessEqual(a1, b0, "two runs overlapped")


class TestFailures(DaemonTest):
    """Children that fail, hang or are cancelled end in the right state, and nothing else moves."""

    def test_failing_child(self):
        d = self.daemon()
        plan = self.plan("fail.yaml", """\
name: fails
python: @PYTHON@
script: @SEEDLOG@
conditions:
  - {name: bad, cache: none, runs: 1, args: [--exit, "3"]}
  - {name: good, cache: none, runs: 1}
""")
        r = d.ctl("submit", plan, "--wait")
        self.assertEqual(r.returncode, 1, "submit --wait exits 1 when a run failed")
        runs = {x["condition"]: x for x in d.query("SELECT * FROM runs")}
        self.assertEqual(runs["bad"]["state"], "failed")
        self.assertEqual(runs["bad"]["exit_code"], 3)
        self.assertIsNone(runs["bad"]["term_signal"])
        self.assertIn("failing on purpose", runs["bad"]["error"])
        self.assertEqual(runs["good"]["state"], "ok")
        # What the failed run printed before failing is kept.
        self.assertEqual(d.query("SELECT count(*) AS n FROM stages WHERE run_id = ? AND "
                                 "name = 'import_torch'", runs["bad"]["id"])[0]["n"], 1)

    def test_timeout_and_sigkill_grace(self):
        d = self.daemon()
        plan = self.plan("hang.yaml", """\
name: hangs
python: @PYTHON@
script: @SEEDLOG@
timeout: 1
conditions:
  - {name: hang, cache: none, runs: 1, args: [--hang]}
  - {name: stubborn, cache: none, runs: 1, args: [--hang, --ignore-term]}
""")
        t0 = time.monotonic()
        r = d.ctl("submit", plan, "--wait")
        took = time.monotonic() - t0
        self.assertEqual(r.returncode, 1)
        runs = {x["condition"]: x for x in d.query("SELECT * FROM runs")}
        self.assertEqual(runs["hang"]["state"], "timeout")
        self.assertEqual(runs["hang"]["term_signal"], signal.SIGTERM)
        self.assertEqual(runs["hang"]["exit_code"], 128 + signal.SIGTERM)
        self.assertEqual(runs["stubborn"]["state"], "timeout")
        self.assertEqual(runs["stubborn"]["term_signal"], signal.SIGKILL)
        self.assertEqual(runs["stubborn"]["exit_code"], 128 + signal.SIGKILL)
        self.assertIn("timed out after 1 s", runs["hang"]["error"])
        # 1 s + SIGTERM for the first; 1 s + 5 s grace + SIGKILL for the second.
        self.assertLess(took, 20)
        # The lines printed before the hang are kept.
        self.assertEqual(d.query("SELECT count(*) AS n FROM events WHERE run_id = ?",
                                 runs["hang"]["id"])[0]["n"], 2)

    def test_bad_plan_is_refused_with_place_and_fix(self):
        d = self.daemon()
        plan = self.write("bad.yaml", "name: x\nscript: %s\nconditions:\n"
                          "  - name: a\n    cache: cold2\n    runs: 1\n" % "/bin/true")
        r = d.ctl("submit", plan)
        self.assertEqual(r.returncode, 1)
        self.assertIn("bad.yaml:5:12: cache: expected one of cold, warm, none (got \"cold2\")",
                      r.stderr)
        self.assertEqual(d.query("SELECT count(*) AS n FROM plans")[0]["n"], 0)
        missing = self.write("missing.yaml", "name: x\nscript: nope.py\nconditions:\n"
                             "  - {name: a, cache: none, runs: 1}\n")
        r = d.ctl("submit", missing)
        self.assertEqual(r.returncode, 1)
        self.assertIn("missing.yaml:2:9:", r.stderr)
        self.assertIn("nope.py", r.stderr)

    def test_cancel_running_plan_leaves_others_alone(self):
        d = self.daemon()
        hang = self.plan("hang.yaml", """\
name: to-cancel
python: @PYTHON@
script: @SEEDLOG@
conditions:
  - {name: hang, cache: none, runs: 3, args: [--hang]}
""")
        after = self.plan("after.yaml", """\
name: after
python: @PYTHON@
script: @SEEDLOG@
conditions:
  - {name: ok, cache: none, runs: 2}
""")
        done = self.plan("done.yaml", """\
name: before
python: @PYTHON@
script: @SEEDLOG@
conditions:
  - {name: ok, cache: none, runs: 1}
""")
        self.assertEqual(d.ctl("submit", done, "--wait").returncode, 0)
        self.assertEqual(d.ctl("submit", hang).returncode, 0)
        self.assertEqual(d.ctl("submit", after).returncode, 0)
        d.wait_for(lambda: d.status()["current"] and d.status()["current"]["plan_id"] == 2,
                   what="plan 2 running")
        r = d.ctl("cancel", "2")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("plan 2 cancelled", r.stdout)
        r = d.ctl("watch", "3")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        states = [x["state"] for x in d.query("SELECT state FROM runs WHERE plan_id = 2 "
                                              "ORDER BY seq")]
        self.assertEqual(states, ["cancelled"] * 3)
        plans = {p["id"]: p["state"] for p in d.query("SELECT id, state FROM plans")}
        self.assertEqual(plans, {1: "done", 2: "cancelled", 3: "done"})
        # Cancelling it again is what was asked for: not an error. A done plan cannot be.
        again = d.ctl("cancel", "2")
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertEqual(again.stdout, "plan 2 was cancelled already\n")
        done = d.ctl("cancel", "1")
        self.assertEqual(done.returncode, 1)
        self.assertIn("plan 1 is already done", done.stderr)
        self.assertEqual(d.ctl("cancel", "99").returncode, 1)


class TestDaemonLifecycle(DaemonTest):
    """SIGTERM mid-run, restart, status, and a second daemon."""

    def test_sigterm_mid_run_interrupts_and_requeues(self):
        d = self.daemon()
        plan = self.plan("slow.yaml", """\
name: slow
python: @PYTHON@
script: @SEEDLOG@
conditions:
  - {name: slow, cache: none, runs: 2, args: [--sleep, "0.3"]}
""")
        self.assertEqual(d.ctl("submit", plan).returncode, 0)
        cur = d.wait_for(lambda: d.status()["current"], what="a run in flight")
        self.assertEqual(cur["condition"], "slow")
        self.assertEqual(cur["plan_id"], 1)
        d.wait_for(lambda: (d.status()["current"] or {}).get("stage"), what="a stage seen")
        status_text = d.ctl("status")
        self.assertEqual(status_text.returncode, 0)
        self.assertIn("slow", status_text.stdout)
        self.assertEqual(d.stop(signal.SIGTERM), 0, d.log())
        self.assertFalse(os.path.exists(d.socket), "socket removed")
        runs = d.query("SELECT seq, attempt, state FROM runs ORDER BY seq, attempt")
        self.assertEqual(runs[0], {"seq": 1, "attempt": 1, "state": "interrupted"})
        self.assertEqual(runs[1], {"seq": 1, "attempt": 2, "state": "pending"})
        self.assertEqual(runs[2]["state"], "pending")
        ok = d.query("PRAGMA integrity_check")[0]
        self.assertEqual(list(ok.values()), ["ok"])

        d2 = self.daemon()
        r = d2.ctl("watch", "1")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        runs = d2.query("SELECT seq, attempt, state FROM runs ORDER BY seq, attempt")
        self.assertEqual([x["state"] for x in runs], ["interrupted", "ok", "ok"])
        self.assertEqual(d2.query("SELECT state FROM plans")[0]["state"], "done")

    def test_second_daemon_refused(self):
        d = self.daemon()
        from harness import Daemon
        second = Daemon(self.folder).start(wait=False)
        self.assertEqual(second.proc.wait(10), 1)
        self.assertIn("another benchd", second.log())
        self.assertEqual(d.status()["daemon"]["pid"], d.proc.pid)

    def test_no_daemon_says_so(self):
        from harness import Daemon
        r = Daemon(self.folder).ctl("status")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no benchd is listening", r.stderr)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1)

    def test_interpreter_without_torch_is_named(self):
        """A plan whose interpreter cannot import torch fails with an error that says so and
        names the fix. The interpreter is a stand-in that certainly cannot, wherever this runs:
        Debian's python3 with -I -S, so no site-packages or dist-packages (python3-torch)."""
        python = self.write("python", "#!/bin/sh\nexec %s -I -S \"$@\"\n" % PYTHON, mode=0o755)
        probe = subprocess.run([python, "-c", "import torch"], capture_output=True, text=True)
        self.assertEqual(probe.returncode, 1, probe.stdout + probe.stderr)
        self.assertIn("No module named 'torch'", probe.stderr)
        d = self.daemon()
        script = self.write("needs_torch.py", "import torch\n")
        plan = self.write("torch.yaml", "name: t\npython: %s\nscript: %s\n"
                          "conditions:\n  - {name: a, cache: none, runs: 1}\n" % (python, script))
        self.assertEqual(d.ctl("submit", plan, "--wait").returncode, 1)
        runs = d.query("SELECT state, error FROM runs ORDER BY id")
        self.assertEqual([r["state"] for r in runs], ["failed"])
        self.assertEqual(runs[0]["error"],
                         "%s cannot import torch: this interpreter does not see a torch "
                         "installation; set `python: /usr/bin/python3` in the plan (Debian's "
                         "python3-torch) or install torch for %s" % (python, python))


if __name__ == "__main__":
    unittest.main()
