"""test_targets.py: plans that stop when the answer is known (until:), through a real benchd and benchctl.

Each test's docstring names what it provokes and the state it asserts. The children print an
import_torch drawn from a seeded distribution: a condition "a" of tight values meets its target
between min_runs and max_runs, a condition "b" of spread values never does and stops at max_runs.
The kill -9 test prints its seed; BENCHD_TEST_SEED=N runs the same kills again.
"""
import json
import os
import random
import signal
import sqlite3
import sys
import time

from harness import PYTHON, DaemonTest

# The child: import_torch = base + spread * U, U seeded by the run's number within its condition.
CHILD = r'''
import os, random, sys, time
name, base, spread = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "count-" + name)
n = int(open(path).read()) + 1 if os.path.exists(path) else 1
open(path, "w").write(str(n))
v = base + spread * random.Random(n * 7919 + len(name)).random()
print("start time: %.6f" % time.time(), flush=True)
print("[0.000s] Python Process Started, Importing Torch...", flush=True)
time.sleep(float(os.environ.get("CHILD_SLEEP", "0")))
print("[%.4fs] Import Torch Done, Time Spent: %.4fs" % (v, v), flush=True)
'''

PLAN = """name: targets
python: @PYTHON@
script: @CHILD@
env: {CHILD_SLEEP: "@SLEEP@"}
conditions:
  - {name: a, cache: none, args: [a, "1.0", "0.02"], until: {stage: import_torch, within: 1%, min_runs: 5, max_runs: 30}}
  - {name: b, cache: none, args: [b, "0.5", "0.5"], until: {stage: import_torch, within: 1%, min_runs: 5, max_runs: 12}}
"""


class TestTargets(DaemonTest):
    """Targets decided round by round, and again from the record after a kill -9."""

    def plan_file(self, sleep="0"):
        """Write the child and the plan; return the plan's path."""
        child = self.write("child.py", CHILD)
        return self.write("targets.yaml", PLAN.replace("@PYTHON@", PYTHON).replace(
            "@CHILD@", child).replace("@SLEEP@", sleep))

    def check_done(self, d):
        """The plan is done, each condition stopped as its values allow, the record adds up."""
        p = d.query("SELECT state, error FROM plans WHERE id = 1")[0]
        self.assertEqual((p["state"], p["error"]), ("done", None), d.log())
        stops = {r["condition"]: r for r in d.query("SELECT * FROM condition_stops WHERE plan_id = 1")}
        self.assertEqual(stops["b"]["rule"], "max_runs")
        self.assertEqual(stops["b"]["runs"], 12)
        self.assertEqual(stops["a"]["rule"], "target")
        self.assertTrue(5 <= stops["a"]["runs"] < 30, stops["a"])
        self.assertLessEqual(stops["a"]["width"], stops["a"]["target"])
        self.assertTrue(stops["a"]["lo"] <= stops["a"]["estimate"] <= stops["a"]["hi"])
        runs = d.query("SELECT * FROM runs WHERE plan_id = 1 ORDER BY seq, attempt")
        self.assertEqual({r["state"] for r in runs} - {"ok", "interrupted"}, set())
        last = {}
        for r in runs:
            last[r["seq"]] = r
        self.assertEqual(sorted(last), list(range(1, len(last) + 1)), "seqs with a gap")
        self.assertTrue(all(r["state"] == "ok" for r in last.values()))
        order = "".join(last[s]["condition"] for s in sorted(last))
        counts = {c: order.count(c) for c in "ab"}
        self.assertEqual(counts, {"a": stops["a"]["runs"], "b": 12}, order)
        # Interleaved: a b while both run, then the one left alone.
        both = 2 * min(counts.values())
        self.assertEqual(order[:both], "ab" * (both // 2), order)
        self.assertEqual(set(order[both:]), {"a" if counts["a"] > 12 else "b"} if order[both:]
                         else set(), order)
        # summary says why each stopped.
        r = d.ctl("summary", "1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("target met after %d runs" % stops["a"]["runs"], r.stdout)
        self.assertIn("max_runs (12) reached", r.stdout)
        # So does the report, under each condition's title.
        page = os.path.join(d.folder, "report.html")
        r = d.ctl("report", "1", "-o", page)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(page) as f:
            html = f.read()
        self.assertIn('<p class="stop">target met after %d runs: ' % stops["a"]["runs"], html)
        self.assertIn('<p class="stop">max_runs (12) reached, target not met: ', html)
        return stops, order

    def test_kill9_while_a_decision_waits(self):
        """Failure: the database refuses the decision after the first rounds (a trigger), so the
        plan sits with every run done and its targets open, and benchd is killed with -9 there.
        State: the record holds the ten runs and no look; once restarted (the trigger gone) benchd
        decides from what is recorded, before anything else, and the plan ends as it would have:
        a met, b at max_runs, interleaved, every seq once."""
        d = self.daemon()
        db = sqlite3.connect(d.db)
        db.execute("CREATE TRIGGER refuse BEFORE UPDATE ON condition_stops "
                   "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END")
        db.commit()
        r = d.ctl("submit", self.plan_file())
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("plan 1 queued: targets (2 conditions, 10 runs)", r.stdout)
        d.wait_for(lambda: d.status()["paused"], timeout=60, what="the refused decision")
        self.assertIn("refused by the test", d.status()["paused"]["reason"])
        d.stop(signal.SIGKILL)

        self.assertEqual(d.query("SELECT state FROM plans")[0]["state"], "running")
        self.assertEqual(d.query("SELECT count(*) AS n FROM runs WHERE state = 'ok'")[0]["n"], 10)
        self.assertEqual(d.query("SELECT count(*) AS n FROM runs WHERE state IN ('pending', "
                                 "'running')")[0]["n"], 0)
        self.assertEqual(d.query("SELECT count(*) AS n FROM condition_stops WHERE looked_at IS "
                                 "NULL AND rule IS NULL")[0]["n"], 2)
        db.execute("DROP TRIGGER refuse")
        db.commit()
        db.close()

        d = self.daemon()
        d.wait_for(lambda: d.query("SELECT state FROM plans")[0]["state"] == "done", timeout=60,
                   what="the plan to finish after the restart")
        self.assertIn("plan 1: another round (2 runs)", d.log())
        self.check_done(d)

    def test_kill9_at_random_moments(self):
        """Failure: benchd is SIGKILLed at random moments (seeded) while a plan with targets runs
        round by round, and restarted each time. State: the plan ends done with each condition
        stopped by its rule (a: target, b: max_runs at exactly 12 runs), every seq run to ok once
        (interrupted attempts aside), no round lost or queued twice, the order still interleaved,
        and the database intact."""
        seed = int(os.environ.get("BENCHD_TEST_SEED") or random.SystemRandom().randrange(2 ** 32))
        sys.stderr.write("\nkill -9 test seed: %d (BENCHD_TEST_SEED=%d to repeat)\n" % (seed, seed))
        rng = random.Random(seed)
        d = self.daemon()
        r = d.ctl("submit", self.plan_file(sleep="0.1"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        def state():
            return d.query("SELECT state FROM plans WHERE id = 1")[0]["state"]

        kills = 0
        for i in range(12):
            if i > 0:
                d = self.daemon()
            time.sleep(rng.uniform(0.05, 0.5))
            if state() == "done":
                break
            d.stop(signal.SIGKILL)
            kills += 1
        sys.stderr.write("kill -9 x %d\n" % kills)
        self.assertGreaterEqual(kills, 3)
        if d.proc.poll() is not None:
            d = self.daemon()
        d.wait_for(lambda: state() == "done", timeout=120, what="the plan to finish")
        interrupted = d.query("SELECT count(*) AS n FROM runs WHERE state = 'interrupted'")[0]["n"]
        sys.stderr.write("runs interrupted by the kills: %d\n" % interrupted)
        self.assertGreaterEqual(interrupted, 1, "no kill landed during a run")
        self.check_done(d)
        self.assertEqual(list(d.query("PRAGMA integrity_check")[0].values()), ["ok"])

    def test_watch_and_status_show_the_targets(self):
        """benchctl status shows the run in flight's targets (status --json: in current), watch
        (the same screen as submit --wait) the width against the target and the runs left after
        each run, and summary why each condition stopped (summary --json: each condition's
        stop)."""
        d = self.daemon()
        r = d.ctl("submit", self.plan_file(sleep="0.3"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        cur = d.wait_for(lambda: d.status()["current"], timeout=30, what="a run in flight")
        self.assertEqual([t["conditions"] for t in cur["targets"]], [["a"], ["b"]])
        self.assertEqual({t["state"] for t in cur["targets"]}, {"running"})
        self.assertEqual({t["goal"] for t in cur["targets"]}, {"within 1%"})
        r = d.ctl("status")
        self.assertRegex(r.stdout, r"\ntargets: a: import_torch median .*\(at most 30\)\n"
                         r" +b: import_torch median .*\(at most 12\)\n")
        r = d.ctl("watch", "1")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"a: import_torch median [0-9.]+ s \+-[0-9.]+% "
                         r"\(target \+-1%\), \d+ runs, about \d+ more runs? \(at most 30\)")
        self.assertIn("a: target met after", r.stdout)
        self.assertIn("b: max_runs (12) reached", r.stdout)
        out = json.loads(d.ctl("summary", "1", "--json").stdout)
        stops = {c["name"]: c["stop"] for c in out["conditions"]}
        self.assertEqual(stops["a"]["rule"], "target")
        self.assertEqual(stops["b"]["rule"], "max_runs")
        self.assertEqual(stops["b"]["runs"], 12)
        self.assertEqual(stops["a"]["goal"], "within 1%")
        self.check_done(d)
