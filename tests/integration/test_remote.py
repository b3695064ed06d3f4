"""test_remote.py: several devices from one place, through a real sshd on localhost: benchctl --host drives two
benchd daemons (each a "device" with its own socket, database, host name and machine-id) over ssh, status shows
both, pull copies their finished plans into one database twice (nothing added the second time, a plan still
running pulled once it ends), and the analysis commands read them as HOST/ID; an unreachable host, a device with
no benchd, no benchctl, or a database newer than this benchctl's are each one clear error, nothing half-merged.

Each device is one login of the test's sshd whose authorized_keys line sets BENCHD_SOCKET, BENCHD_DB and PATH
(sshd.py): the device's benchctl finds its benchd the way it always does. Each device's benchd runs in a UTS
and mount namespace of its own (unshare, as root) with its own host name and /etc/machine-id bound over the
real one, so that the two record different machines; without namespaces they share this machine's.
"""
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
import unittest
from unittest import mock

import sshd as sshd_mod
from harness import BENCHCTL, HERE, PYTHON, Daemon
from test_cli import on_terminal

# Two conditions of a seed log, the log chosen per device: a device's plan.
PLAN = """\
name: %(name)s
python: %(python)s
script: seedlog.py
timeout: 60
conditions:
  - {name: cold, cache: cold, runs: 3, args: [--log, %(log)s]}
  - {name: warm, cache: warm, warmup_runs: 1, runs: 3, args: [--log, %(log)s]}
"""

# Still running when the first pull comes: three runs of about 1.2 s each.
SLOW = """\
name: slow
python: %s
script: seedlog.py
timeout: 60
conditions:
  - {name: cold, cache: none, runs: 3, args: [--sleep, "0.1"]}
""" % PYTHON


def namespaces_work():
    """Whether benchd can be given a host name and a machine-id of its own here (unshare, as root)."""
    r = subprocess.run(["unshare", "--uts", "--mount", "true"], capture_output=True)
    return r.returncode == 0 and os.path.exists("/etc/machine-id")


class Device(Daemon):
    """A benchd standing for a device: its own folder, and when it can, its own host name and machine-id."""

    def __init__(self, folder, hostname, machine_id, own_identity):
        os.makedirs(folder, mode=0o700)
        super().__init__(folder)
        self.hostname = hostname
        self.machine_id = machine_id
        self.own_identity = own_identity
        with open(os.path.join(folder, "machine-id"), "w") as f:
            f.write(machine_id + "\n")

    def start(self, wait=True):
        """Start benchd, in namespaces of its own when they work."""
        if not self.own_identity:
            return super().start(wait)
        real = Daemon.prefix

        def prefix(this):
            return ["unshare", "--uts", "--mount", "--", "sh", "-c",
                    'hostname "$0" && mount --bind "$1" /etc/machine-id && shift && exec "$@"',
                    self.hostname, os.path.join(self.folder, "machine-id")] + real(this)
        # Only benchd runs in the namespaces; benchctl (ctl) runs as usual.
        self.prefix = prefix.__get__(self)
        try:
            return super().start(wait)
        finally:
            del self.prefix


@unittest.skipIf(sshd_mod.unavailable() is not None, sshd_mod.unavailable() or "")
class TestRemote(unittest.TestCase):
    """Two devices driven through ssh and pulled into one record."""

    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.mkdtemp(prefix="benchd-remote.")
        os.chmod(cls.folder, 0o700)
        cls.ns = namespaces_work()
        cls.a = cls.b = cls.sshd = None
        try:
            cls.start_all()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def start_all(cls):
        """The two devices, this machine's folder, the sshd and its logins, the plans."""
        cls.a = Device(os.path.join(cls.folder, "a"), "bench-dev-a", "a" * 32, cls.ns).start()
        cls.b = Device(os.path.join(cls.folder, "b"), "bench-dev-b", "b" * 32, cls.ns).start()
        # This machine's own database, which no daemon writes here: pull makes the pulled one beside it.
        cls.here = os.path.join(cls.folder, "here")
        os.makedirs(cls.here, mode=0o700)
        cls.db = os.path.join(cls.here, "bench.db")
        cls.pulled = os.path.join(cls.here, "bench.pulled.db")
        cls.sshd = sshd_mod.Sshd(os.path.join(cls.folder, "sshd"))
        path = os.path.dirname(BENCHCTL) + ":/usr/bin:/bin"
        for name, d in (("deva", cls.a), ("devb", cls.b)):
            cls.sshd.add_login(name, {"BENCHD_SOCKET": d.socket, "BENCHD_DB": d.db, "PATH": path})
        cls.sshd.add_login("devoff", {"BENCHD_SOCKET": os.path.join(cls.folder, "none.sock"),
                                      "BENCHD_DB": os.path.join(cls.folder, "none.db"), "PATH": path})
        cls.sshd.add_login("devnoctl", {"BENCHD_SOCKET": cls.a.socket, "PATH": "/usr/bin:/bin"})
        cls.sshd.add_login("devgone", {}, port=sshd_mod.free_port())
        for name in ("devnew", "devextra", "devbad"):
            cls.sshd.add_login(name, {"BENCHD_SOCKET": os.path.join(cls.folder, "none.sock"),
                                      "BENCHD_DB": os.path.join(cls.folder, name + ".db"),
                                      "PATH": path})
        cls.sshd.start()
        cls.env = cls.sshd.env(BENCHD_DB=cls.db)
        for name, log in (("a", "run1"), ("b", "run3")):
            with open(os.path.join(cls.folder, "plan-%s.yaml" % name), "w") as f:
                f.write(PLAN % {"name": "startup", "python": PYTHON, "log": log})
        with open(os.path.join(cls.folder, "slow.yaml"), "w") as f:
            f.write(SLOW)

    @classmethod
    def tearDownClass(cls):
        for d in (cls.sshd, cls.a, cls.b):
            if d is not None:
                d.stop()
        shutil.rmtree(cls.folder, ignore_errors=True)

    def ctl(self, *args, stdin=None, timeout=120):
        """benchctl here, its ssh reaching the test's sshd, its database this folder's."""
        return subprocess.run([BENCHCTL] + list(args), capture_output=True, text=True,
                              env=self.env, timeout=timeout, input=stdin,
                              stdin=None if stdin is not None else subprocess.DEVNULL)

    def pulled_query(self, sql, *params):
        """Rows of a query on the database of pulled plans."""
        db = sqlite3.connect("file:%s?mode=ro" % self.pulled, uri=True)
        try:
            return db.execute(sql, params).fetchall()
        finally:
            db.close()

    def pulled_counts(self):
        """How many rows each table of the pulled plans' database has."""
        if not os.path.exists(self.pulled):
            return {}
        db = sqlite3.connect("file:%s?mode=ro" % self.pulled, uri=True)
        try:
            tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            return {t: db.execute('SELECT count(*) FROM "%s"' % t).fetchone()[0] for t in tables}
        finally:
            db.close()

    def submit_both(self):
        """Plan 1 on each device through ssh (a followed with --wait, b watched), then the slow plan on b."""
        if getattr(TestRemote, "submitted", False):
            return
        r = self.ctl("--host", "deva", "submit", os.path.join(self.folder, "plan-a.yaml"), "--dir", HERE,
                     "--wait")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("plan 1 queued on deva: startup (2 conditions, 8 runs)", r.stdout)
        # Off a terminal, a line per run came over ssh as it ended, then the plan's end.
        self.assertEqual(len(re.findall(r"^run \d+/8 ", r.stdout, re.M)), 8, r.stdout)
        self.assertIn("plan 1 done: 8/8 runs ok", r.stdout)
        self.assertIn('"benchctl pull deva" brings it here, then "benchctl summary deva/1"', r.stdout)
        # b: the plan on standard input, its folder named relative to the home there (as scp does).
        with open(os.path.join(self.folder, "plan-b.yaml")) as f:
            text = f.read()
        rel = os.path.relpath(HERE, os.path.expanduser("~root"))
        r = self.ctl("--host", "devb", "submit", "-", "--dir", rel, stdin=text)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("plan 1 queued on devb", r.stdout)
        r = self.ctl("watch", "1", "--host", "devb")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("plan 1 done: 8/8 runs ok", r.stdout)
        src = self.b.query("SELECT source_path FROM plans WHERE id = 1")[0]["source_path"]
        self.assertEqual(os.path.normpath(src), os.path.join(HERE, "<stdin>"))
        r = self.ctl("--host", "devb", "submit", os.path.join(self.folder, "slow.yaml"), "--dir", HERE)
        self.assertEqual(r.returncode, 0, r.stderr)
        TestRemote.submitted = True

    def test_1_status_of_both(self):
        self.submit_both()
        r = self.ctl("status", "--host", "deva", "--host", "devb")
        self.assertEqual(r.returncode, 0, r.stderr)
        blocks = r.stdout.split("\n\n")
        self.assertEqual(len(blocks), 2, r.stdout)
        self.assertTrue(blocks[0].startswith("deva: benchd "), blocks[0])
        self.assertIn("db " + self.a.db, blocks[0])
        self.assertIn("running: nothing", blocks[0])
        self.assertTrue(blocks[1].startswith("devb: benchd "), blocks[1])
        self.assertRegex(blocks[1], r'running: plan 2 "slow", condition cold')
        r = self.ctl("status", "--json", "--host", "deva", "--host", "devb")
        hosts = json.loads(r.stdout)
        self.assertEqual([h["host"] for h in hosts], ["deva", "devb"])
        self.assertEqual(hosts[1]["status"]["current"]["plan_id"], 2)

    def test_2_pull_twice(self):
        self.submit_both()
        r = self.ctl("pull", "deva", "devb")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"^deva \(host [^)]+\): pulled deva/1 \(8 runs\) into " +
                         re.escape(self.pulled))
        self.assertIn("devb", r.stdout)
        self.assertIn("pulled devb/1 (8 runs)", r.stdout)
        self.assertIn("1 plan not finished there, pulled once it ends", r.stdout)
        first = self.pulled_counts()
        self.check_merged({"deva": [1], "devb": [1]})

        # Again: nothing added, not a row.
        r = self.ctl("pull", "deva", "devb")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("nothing new (1 plan pulled before)", r.stdout)
        self.assertEqual(self.pulled_counts(), first)

        # Once the slow plan has ended, it comes; the rest does not come twice.
        r = self.ctl("--host", "devb", "watch", "2")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = self.ctl("--host", "devb", "pull")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("pulled devb/2 (3 runs)", r.stdout)
        self.check_merged({"deva": [1], "devb": [1, 2]})
        counts = self.pulled_counts()
        self.assertEqual(counts["plans"], first["plans"] + 1)
        self.assertEqual(counts["runs"], first["runs"] + 3)

    def check_merged(self, want):
        """The pulled database against the devices' own: the same plans and rows, each once, each machine's."""
        devices = {"deva": self.a, "devb": self.b}
        self.assertEqual(self.pulled_query("PRAGMA integrity_check"), [("ok",)])
        self.assertEqual(self.pulled_query("PRAGMA foreign_key_check"), [])
        for name, ids in want.items():
            d = devices[name]
            got = self.pulled_query(
                "SELECT pp.origin_plan_id, pp.plan_id FROM pulled_plans pp JOIN origins o ON "
                "o.id = pp.origin_id WHERE o.name = ? ORDER BY 1", name)
            self.assertEqual([g[0] for g in got], ids)
            start = d.query("SELECT host, machine_id FROM daemon_starts ORDER BY started_at DESC "
                            "LIMIT 1")[0]
            origin = self.pulled_query("SELECT host, machine_id, key FROM origins WHERE name = ?", name)
            self.assertEqual(len(origin), 1)
            self.assertEqual(origin[0][:2], (start["host"], start["machine_id"]))
            if self.ns:
                self.assertEqual(origin[0][:2], (d.hostname, d.machine_id))
            for there, here in got:
                for table in ("runs", "stages", "metrics", "run_info", "events", "outputs"):
                    sql = ("SELECT count(*) FROM %s WHERE %s" % (table, "plan_id = ?" if table == "runs"
                           else "run_id IN (SELECT id FROM runs WHERE plan_id = ?)"))
                    n_there = d.query(sql.replace("count(*)", "count(*) AS n"), there)[0]["n"]
                    self.assertEqual(self.pulled_query(sql, here)[0][0], n_there, (name, table))
                # Every stage duration came across as it was.
                q = ("SELECT r.seq, r.attempt, s.name, s.duration_s FROM stages s JOIN runs r ON "
                     "r.id = s.run_id WHERE r.plan_id = ? ORDER BY 1, 2, 3")
                self.assertEqual([tuple(r.values()) for r in d.query(q, there)],
                                 self.pulled_query(q, here))
        # Each plan once, and the two devices' plans 1 told apart.
        self.assertEqual(self.pulled_query("SELECT count(*) FROM plans")[0][0],
                         sum(len(v) for v in want.values()))
        self.assertEqual(self.pulled_query("SELECT count(DISTINCT origin_id) FROM pulled_plans")[0][0],
                         len(want))

    def test_3_analysis_across_devices(self):
        self.submit_both()
        self.assertEqual(self.ctl("pull", "deva", "devb").returncode, 0)
        r = self.ctl("plans")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertRegex(lines[0], r"ID +NAME +STATE +SUBMITTED +RUNS DONE +MACHINE")
        host_a = self.a.hostname if self.ns else os.uname().nodename
        self.assertRegex(r.stdout, r"deva/1 +startup +done .* 8/8 +%s" % re.escape(host_a))
        self.assertRegex(r.stdout, r"devb/1 +startup +done .* 8/8")
        plans = json.loads(self.ctl("plans", "--json").stdout)
        self.assertIn(("deva/1", "deva", 1), [(p["ref"], p["origin"], p["id"]) for p in plans])
        self.assertEqual(len(json.loads(self.ctl("plans", "--json", "--host", "devb").stdout)),
                         self.pulled_query("SELECT count(*) FROM pulled_plans pp JOIN origins o ON "
                                           "o.id = pp.origin_id WHERE o.name = 'devb'")[0][0])

        r = self.ctl("summary", "deva/1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('plan deva/1 "startup": done; 6 of 6 measured runs ok', r.stdout)
        r = self.ctl("--host", "devb", "summary", "1", "--json")
        self.assertEqual(json.loads(r.stdout)["plan"]["ref"], "devb/1")
        r = self.ctl("runs", "devb/1", "--csv")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(r.stdout.splitlines()), 9)
        # Runs are shown by their ids on the device, whatever ids they have here.
        self.assertEqual([int(line.split(",")[0]) for line in r.stdout.splitlines()[1:]],
                         [x["id"] for x in self.b.query("SELECT id FROM runs WHERE plan_id = 1 "
                                                        "ORDER BY seq, attempt")])
        report = os.path.join(self.folder, "report.html")
        r = self.ctl("report", "deva/1", "-o", report)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(report) as f:
            html = f.read()
        self.assertIn("plan deva/1", html)
        self.assertIn("from " + self.pulled, html)

        # The same plan on the two devices.
        r = self.ctl("compare", "deva/1", "devb/1:cold", "--stage", "import_torch")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("plan devb/1 against plan deva/1 (the reference)", r.stdout)
        self.assertIn("devb/1:cold vs deva/1:cold", r.stdout)
        if self.ns:
            self.assertIn("! the plans ran on different machines: plan deva/1 on bench-dev-a", r.stdout)
        self.assertIn("faster", r.stdout)

        # Names that name nothing.
        r = self.ctl("summary", "deva/9")
        self.assertEqual(r.returncode, 1)
        self.assertIn("plan deva/9 has not been pulled into " + self.pulled, r.stderr)
        self.assertEqual(self.ctl("summary", "/1").returncode, 2)

    def test_4_errors_name_the_device(self):
        self.submit_both()
        before = self.pulled_counts()
        # Unreachable: ssh's own words, then one line naming the device.
        for args in (["--host", "devgone", "status"], ["--host", "devgone", "cancel", "1"],
                     ["pull", "devgone"]):
            r = self.ctl(*args)
            self.assertEqual(r.returncode, 1, args)
            self.assertIn("Connection refused", r.stderr)
            self.assertIn("devgone: ssh could not reach it or log in", r.stderr)
        # No benchd there.
        r = self.ctl("--host", "devoff", "status")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.strip().splitlines()[-1],
                         "benchctl: devoff: no benchd is listening on %s (No such file or directory); "
                         "start one with: benchd --socket %s &"
                         % ((os.path.join(self.folder, "none.sock"),) * 2))
        r = self.ctl("pull", "devoff")
        self.assertEqual(r.returncode, 1)
        self.assertIn("pull: devoff: no database at " + os.path.join(self.folder, "none.db"), r.stderr)
        # No benchctl there.
        r = self.ctl("--host", "devnoctl", "status")
        self.assertEqual(r.returncode, 1)
        self.assertIn("devnoctl: its shell found no benchctl to run", r.stderr)
        # A plan's mistake comes back naming the device and the plan's path there.
        bad = os.path.join(self.folder, "bad.yaml")
        with open(bad, "w") as f:
            f.write("name: bad\nscript: seedlog.py\nconditions:\n  - {name: c, cache: cold2, runs: 1}\n")
        r = self.ctl("--host", "deva", "submit", bad, "--dir", HERE)
        self.assertEqual(r.returncode, 1)
        self.assertIn("deva: %s:4:" % os.path.join(HERE, "bad.yaml"), r.stderr)
        # Several devices: one does not answer, the other's status is still shown.
        r = self.ctl("status", "--host", "devgone", "--host", "deva")
        self.assertEqual(r.returncode, 1)
        self.assertIn("devgone: ssh could not reach it", r.stdout)
        self.assertIn("deva: benchd ", r.stdout)
        self.assertEqual(self.ctl("--host", "deva", "--host", "devb", "cancel", "1").returncode, 2)
        self.assertEqual(self.pulled_counts(), before)

    def copy_db(self, name, *edits):
        """A copy of device a's database for the login name, changed by each edit(connection) in turn,
        each on a connection of its own (one that changed the schema by hand is not used again)."""
        path = os.path.join(self.folder, name + ".db")
        src = sqlite3.connect("file:%s?mode=ro" % self.a.db, uri=True)
        dst = sqlite3.connect(path)
        src.backup(dst)
        src.close()
        dst.close()
        for edit in edits:
            dst = sqlite3.connect(path)
            edit(dst)
            dst.commit()
            dst.close()
        return path

    def test_5_newer_or_broken_database_is_refused_whole(self):
        self.submit_both()
        self.assertEqual(self.ctl("pull", "deva").returncode, 0)
        before = self.pulled_counts()

        # A newer schema version; then one of the same version with a column this benchctl lacks.
        self.copy_db("devnew", lambda db: db.execute("PRAGMA user_version = 99"))
        r = self.ctl("pull", "devnew")
        self.assertEqual(r.returncode, 1)
        self.assertIn("pull: devnew: devnew's database is of schema version 99, newer than this "
                      "benchctl's", r.stderr)
        self.assertIn("nothing of it was pulled", r.stderr)
        self.copy_db("devextra", lambda db: db.execute("ALTER TABLE runs ADD COLUMN joules REAL"))
        r = self.ctl("pull", "devextra")
        self.assertEqual(r.returncode, 1)
        self.assertIn("has what this benchctl does not know (column runs.joules)", r.stderr)

        # A run that this benchctl's schema refuses, met after its plan was copied: all of it is undone.
        def loosen(db):
            sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'runs'").fetchone()[0]
            loose = re.sub(r"state\s+TEXT NOT NULL DEFAULT 'pending'\s+CHECK \(state IN \([^)]*\)\)",
                           "state TEXT NOT NULL DEFAULT 'pending'", sql)
            self.assertNotEqual(loose, sql)
            db.execute("PRAGMA writable_schema = ON")
            db.execute("UPDATE sqlite_master SET sql = ? WHERE name = 'runs'", (loose,))
            db.commit()
            db.execute("PRAGMA writable_schema = OFF")

        def bogus(db):
            # Another database (its first start is another), so that its plan 1 is new here.
            db.execute("UPDATE daemon_starts SET started_at = started_at - 1000")
            db.execute("UPDATE runs SET state = 'bogus' WHERE id = (SELECT max(id) FROM runs "
                       "WHERE plan_id = 1)")
        self.copy_db("devbad", loosen, bogus)
        r = self.ctl("pull", "devbad")
        self.assertEqual(r.returncode, 1)
        self.assertIn("CHECK constraint failed", r.stderr)
        self.assertEqual(self.pulled_counts(), before)
        self.assertEqual(self.pulled_query("PRAGMA integrity_check"), [("ok",)])

    def test_6_launch_is_the_devices(self):
        """A run submitted through ssh is spawned by the device's benchd like any: its launch stage is there."""
        self.submit_both()
        launch = [r["duration_s"] for r in self.a.query(
            "SELECT s.duration_s FROM stages s JOIN runs r ON r.id = s.run_id WHERE r.plan_id = 1 AND "
            "s.name = 'launch' AND r.kind = 'measured'")]
        self.assertEqual(len(launch), 6)
        self.assertTrue(all(0 < x < 5 for x in launch), launch)

    def test_7_interrupted_on_a_terminal(self):
        """--wait through ssh on a terminal: the progress line; ^C leaves the plan running there, and says
        how to cancel it there, which cancel through ssh does."""
        self.submit_both()
        plan = os.path.join(self.folder, "slow.yaml")
        with mock.patch.dict(os.environ, {k: v for k, v in self.env.items() if k.startswith("BENCHD_")}):
            status, out, err = on_terminal([BENCHCTL, "--host", "devb", "submit", plan, "--dir", HERE,
                                            "--wait"], interrupt_after=2.5)
        self.assertIn("plan 3 queued on devb: slow", out)
        self.assertIn("plan 3 cold run 1/3 [", out)
        self.assertIn("benchctl: plan 3 continues on devb; `benchctl --host devb cancel 3` stops it", err)
        self.assertIn(self.b.query("SELECT state FROM plans WHERE id = 3")[0]["state"], ("queued", "running"))
        r = self.ctl("--host", "devb", "cancel", "3")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("plan 3 cancelled", r.stdout)


if __name__ == "__main__":
    unittest.main()
