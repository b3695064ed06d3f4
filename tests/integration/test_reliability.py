"""test_reliability.py: benchd under abuse: kill -9 at random moments, bad children, bad clients.

Every test starts a real benchd in a temporary folder (harness.py) and drives it with the real
benchctl or a raw socket. Each test's docstring names the failure it provokes and the state it
asserts. The kill -9 test prints its seed; BENCHD_TEST_SEED=N runs the same kills again.
"""
import json
import os
import random
import re
import shlex
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import unittest

from harness import BENCHCTL, HERE, PYTHON, SEEDLOG, Daemon, DaemonTest, sanitized

CHILDREN = os.path.join(HERE, "children")
# Peak RSS (VmHWM) allowed to benchd. Under ASan it is printed, not checked: the quarantine
# (256 MB of freed memory), redzones and shadow make it meaningless (a run with 100000 events
# peaks at 550 MB there, 15 MB in the plain build), so the plain build is the check.
RSS_LIMIT_KB = 64 * 1024
ASAN = sanitized()
PEAKS = {}          # test -> benchd's peak RSS in kB, printed at the end


def tearDownModule():
    """Print the peak RSS figures of benchd per test."""
    sys.stderr.write("\nbenchd peak RSS (VmHWM)%s:\n" % (
        " under ASan, not checked" if ASAN else ""))
    for name, kb in sorted(PEAKS.items()):
        sys.stderr.write("  %-28s %7.1f MB\n" % (name, kb / 1024))


def check_rss(test, peak_kb, what="benchd's peak RSS"):
    """Assert benchd's peak RSS is under the bound (in the plain build only)."""
    if not ASAN:
        test.assertLess(peak_kb, RSS_LIMIT_KB, "%s: %.1f MB" % (what, peak_kb / 1024))


def query_bytes(d, sql, *params):
    """Rows of a read-only query, text as bytes (a child's output need not be UTF-8)."""
    db = sqlite3.connect("file:%s?mode=ro" % d.db, uri=True)
    db.text_factory = bytes
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute(sql, params)]
    finally:
        db.close()


def proc_alive(pid):
    """Whether pid is a live process (a zombie counts as dead)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def plan_children(marker, cwd):
    """Live processes whose command line holds marker and whose folder is cwd: a plan's children."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % name, "rb") as f:
                cmd = f.read()
            where = os.readlink("/proc/%s/cwd" % name)
        except OSError:
            continue
        if marker.encode() in cmd and where == cwd and proc_alive(int(name)):
            found.append((int(name), cmd.replace(b"\0", b" ").decode(errors="replace")))
    return found


def socket_count(d):
    """How many sockets benchd has open (its listener, plus one per client)."""
    n = 0
    for fd in os.listdir("/proc/%d/fd" % d.proc.pid):
        try:
            n += os.readlink("/proc/%d/fd/%s" % (d.proc.pid, fd)).startswith("socket:")
        except OSError:
            pass
    return n


def settle(d):
    """Wait until benchd has no client left (the harness's start-up status may linger)."""
    d.wait_for(lambda: socket_count(d) == 1, timeout=10, what="no client connected")


class StatusPoller(threading.Thread):
    """Asks `benchctl status --json` again and again while a test abuses the daemon."""

    def __init__(self, d, limit_s=120):
        super().__init__(daemon=True)
        self.d = d
        self.limit_s = limit_s
        self.done = threading.Event()
        self.replies = []
        self.failures = []
        self.max_latency = 0.0

    def run(self):
        """Poll until finish() or limit_s, noting every answer that is not a whole status."""
        deadline = time.monotonic() + self.limit_s
        while not self.done.is_set() and time.monotonic() < deadline:
            t0 = time.monotonic()
            try:
                r = self.d.ctl("status", "--json", timeout=20)
            except subprocess.TimeoutExpired:
                self.failures.append("status did not answer in 20 s")
                continue
            self.max_latency = max(self.max_latency, time.monotonic() - t0)
            try:
                j = json.loads(r.stdout) if r.returncode == 0 else None
            except ValueError:
                j = None
            if j is None or j.get("daemon", {}).get("pid") != self.d.proc.pid or \
                    "current" not in j or "queue" not in j:
                self.failures.append("status: rc %d: %r %r" % (r.returncode, r.stdout[:300],
                                                               r.stderr[:300]))
            else:
                self.replies.append(j)
            self.done.wait(0.05)

    def finish(self, test):
        """Stop polling; every reply must have been a whole, correct status."""
        self.done.set()
        self.join(40)
        test.assertEqual(self.failures, [], "benchctl status failed while the daemon was abused")
        test.assertGreater(len(self.replies), 0)
        test.assertLess(self.max_latency, 10, "status took %.1f s" % self.max_latency)
        return self.replies


CRASH_PLAN = """\
name: crashy
python: @PYTHON@
script: @SEEDLOG@
workdir: @FOLDER@
timeout: 30
conditions:
  - {name: a, cache: none, runs: 7, args: [--log, run1, --sleep, "0.02"]}
  - {name: b, cache: none, runs: 7, args: [--log, run2, --sleep, "0.02"]}
  - {name: w, cache: warm, warmup_runs: 1, runs: 3, args: [--log, run3, --sleep, "0.02"]}
"""


class TestCrashRestart(DaemonTest):
    """kill -9 of the daemon, restarts, and a second daemon on the same database or socket."""

    def fixture(self, log):
        """What benchctl parse-log reads in a seed log: stage names (plus launch and total)
        and the number of events."""
        out = json.loads(subprocess.run([BENCHCTL, "parse-log", os.path.join(
            HERE, "..", "fixtures", "seed-logs", log + ".stdout")],
            capture_output=True, text=True, check=True).stdout)
        return {s["name"] for s in out["stages"]} | {"launch", "total"}, len(out["events"])

    def test_kill9_at_random_moments(self):
        """Failure: benchd is SIGKILLed ~20 times at random moments (seeded) over a plan of short
        runs, and restarted each time. State: every run ends ok or interrupted (none pending or
        running), each interrupted run was queued again as the next attempt of the same seq, each
        condition has exactly the measured ok runs it asked for, the counts add up, the database
        passes integrity_check, no child of the plan is left alive, and every run is all or
        nothing: ok runs have all their stages, events and outputs, interrupted ones none."""
        seed = int(os.environ.get("BENCHD_TEST_SEED") or random.SystemRandom().randrange(2 ** 32))
        sys.stderr.write("\nkill -9 test seed: %d (BENCHD_TEST_SEED=%d to repeat)\n" % (seed, seed))
        rng = random.Random(seed)
        folder = os.path.realpath(self.folder)
        plan = self.plan("crashy.yaml", CRASH_PLAN.replace("@FOLDER@", folder))
        d = self.daemon()
        r = d.ctl("submit", plan)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        def plan_state():
            return d.query("SELECT state FROM plans WHERE id = 1")[0]["state"]

        kills, deadline = 0, time.monotonic() + 75
        for i in range(20):
            if i > 0:
                d = self.daemon()
                # Recovery killed the children the dead daemon left (before it listened).
                left = {x["pid"] for x in d.query("SELECT pid FROM runs WHERE state = "
                                                  "'interrupted' AND pid IS NOT NULL")}
                d.wait_for(lambda: not left & {p for p, _ in plan_children("seedlog.py",
                                                                            folder)},
                           timeout=2, what="the interrupted runs' children to be gone")
            time.sleep(rng.uniform(0.0, 0.8))
            d.proc.kill()
            d.proc.wait()
            kills += 1
            if plan_state() == "done" or time.monotonic() > deadline:
                break
        sys.stderr.write("kill -9 x %d\n" % kills)
        self.assertGreaterEqual(kills, 10)

        # Let it finish in peace.
        d = self.daemon()
        d.wait_for(lambda: plan_state() == "done", timeout=90, what="the plan to finish")
        self.assertEqual(d.stop(signal.SIGTERM), 0, d.log())

        runs = d.query("SELECT * FROM runs WHERE plan_id = 1 ORDER BY seq, attempt")
        states = [x["state"] for x in runs]
        self.assertEqual(set(states) - {"ok", "interrupted"}, set(), states)
        interrupted = [x for x in runs if x["state"] == "interrupted"]
        sys.stderr.write("runs interrupted by the kills: %d\n" % len(interrupted))
        self.assertGreaterEqual(len(interrupted), 1, "no kill landed during a run")

        by_seq = {}
        for x in runs:
            by_seq.setdefault(x["seq"], []).append(x)
        # probe, warm-up and 17 measured runs: 1 + 1 + 7 + 7 + 3
        self.assertEqual(sorted(by_seq), list(range(1, 20)))
        for seq, attempts in by_seq.items():
            self.assertEqual([x["attempt"] for x in attempts], list(range(1, len(attempts) + 1)))
            self.assertEqual([x["state"] for x in attempts],
                             ["interrupted"] * (len(attempts) - 1) + ["ok"], (seq, attempts))
            self.assertEqual(len({(x["condition"], x["kind"]) for x in attempts}), 1)
        ok = [x for x in runs if x["state"] == "ok"]
        self.assertEqual(len(runs), len(ok) + len(interrupted))
        self.assertEqual(len(ok), 19)
        measured = {}
        for x in ok:
            if x["kind"] == "measured":
                measured[x["condition"]] = measured.get(x["condition"], 0) + 1
        self.assertEqual(measured, {"a": 7, "b": 7, "w": 3})
        self.assertEqual([(x["condition"], x["kind"]) for x in ok if x["kind"] != "measured"],
                         [("w", "probe"), ("w", "warmup")])
        p = d.query("SELECT * FROM plans WHERE id = 1")[0]
        self.assertEqual(p["state"], "done")
        self.assertIsNone(p["error"])

        self.assertEqual(list(d.query("PRAGMA integrity_check")[0].values()), ["ok"])
        self.assertEqual(d.query("PRAGMA foreign_key_check"), [])

        # All or nothing: an ok run is whole, an interrupted one (recovered at start-up) is empty.
        want = {"a": self.fixture("run1"), "b": self.fixture("run2"), "w": self.fixture("run3")}
        for x in runs:
            stages = {s["name"] for s in d.query("SELECT name FROM stages WHERE run_id = ?",
                                                 x["id"])}
            outputs = d.query("SELECT stream FROM outputs WHERE run_id = ?", x["id"])
            events = d.query("SELECT count(*) AS n FROM events WHERE run_id = ?", x["id"])[0]["n"]
            if x["state"] == "ok":
                self.assertEqual((stages, events), want[x["condition"]], x)
                self.assertEqual(len(outputs), 2, x)
                self.assertEqual(x["exit_code"], 0)
                self.assertIsNotNone(x["ended_at"])
            else:
                self.assertEqual((stages, outputs, events), (set(), [], 0), x)
                self.assertIsNotNone(x["ended_at"], x)
                self.assertIn("benchd stopped", x["error"] or "", x)
        self.assertIn("marked interrupted and queued again", d.log())

        # No child of the plan outlives it.
        give_up = time.monotonic() + 5
        while plan_children("seedlog.py", folder) and time.monotonic() < give_up:
            time.sleep(0.1)
        self.assertEqual(plan_children("seedlog.py", folder), [], "children left alive")

    def test_kill9_before_the_pid_is_recorded(self):
        """Failure: benchd is killed with -9 while its child launches, after the run was marked
        running but before its pid was recorded (benchd records it on the child's first output,
        or 100 ms after the spawn; this child prints nothing for a minute). State: at restart
        the orphan is found by the token in its environment (BENCHD_RUN, recorded before the
        spawn) and killed, the run is interrupted and queued again as attempt 2, which runs."""
        script = self.write("silent.py", "import time\ntime.sleep(60)\n")
        plan = self.write("silent.yaml", "name: silent\npython: %s\nscript: %s\n"
                          "cpus: \"0\"\nconditions:\n  - {name: s, cache: none, runs: 1}\n"
                          % (PYTHON, script))
        d = self.daemon()
        self.assertEqual(d.ctl("submit", plan).returncode, 0)
        # Kill as soon as the child exists, well inside the 100 ms before its pid is recorded.
        orphans = d.wait_for(lambda: plan_children("silent.py", self.folder), timeout=10,
                             what="the child spawned")
        d.stop(signal.SIGKILL)
        row = d.query("SELECT state, pid FROM runs")[0]
        if row["pid"] is not None:
            self.skipTest("the pid was recorded before the kill landed (the machine is slow)")
        self.assertEqual(row["state"], "running")
        self.assertEqual(len(orphans), 1)
        orphan = orphans[0][0]
        self.assertTrue(proc_alive(orphan))

        d2 = self.daemon()
        d2.wait_for(lambda: not proc_alive(orphan), timeout=10, what="the orphan killed")
        self.assertRegex(d2.log(), r"killing pid %d \(session %d, group %d\), left running by "
                         r"a daemon that died" % (orphan, orphan, orphan))
        runs = d2.query("SELECT seq, attempt, state FROM runs ORDER BY attempt")
        self.assertEqual((runs[0]["attempt"], runs[0]["state"]), (1, "interrupted"))
        self.assertEqual(runs[1]["attempt"], 2)
        d2.wait_for(lambda: d2.query("SELECT state FROM runs WHERE attempt = 2")[0]["state"]
                    == "running", what="attempt 2 running")
        live = plan_children("silent.py", self.folder)
        self.assertEqual(len(live), 1, live)
        self.assertNotEqual(live[0][0], orphan)
        self.assertEqual(d2.stop(), 0, d2.log())

    def test_second_daemon_same_db_other_socket(self):
        """Failure: a second benchd on the same database but another socket. State: it exits 1
        saying another benchd holds the database's lock, creates no socket, and the first one
        still answers."""
        d = self.daemon()
        other = os.path.join(self.folder, "other.sock")
        second = Daemon(self.folder, extra_args=["--socket", other]).start(wait=False)
        self.assertEqual(second.proc.wait(10), 1)
        self.assertRegex(second.log(), r"another benchd is using the database .*bench\.db "
                         r"\(the file .*bench\.db, by whatever path it was named\)")
        self.assertFalse(os.path.exists(other))
        self.assertEqual(d.status()["daemon"]["pid"], d.proc.pid)
        self.assertEqual(d.stop(), 0, d.log())

    def test_second_daemon_same_socket_other_db(self):
        """Failure: a second benchd on the same socket with another database. State: it exits 1
        saying another benchd listens there, and does not remove the live socket."""
        d = self.daemon()
        other_db = os.path.join(self.folder, "other.db")
        second = Daemon(self.folder, extra_args=["--db", other_db]).start(wait=False)
        self.assertEqual(second.proc.wait(10), 1)
        self.assertIn("another benchd is already listening on %s" % d.socket, second.log())
        self.assertTrue(os.path.exists(d.socket))
        self.assertEqual(d.status()["daemon"]["pid"], d.proc.pid)
        self.assertEqual(d.stop(), 0, d.log())


class TestBadChildren(DaemonTest):
    """Children that flood, print junk, close their output, leave grandchildren, ignore SIGTERM
    or exit at once: each run ends in a defined state in time, status answers all along, and
    benchd's peak RSS stays bounded."""

    def run_plan(self, name, conditions, timeout, within, before_submit=None):
        """Run a plan of CHILDREN scripts while polling status; returns the daemon and its runs
        by condition once the plan has ended (within `within` seconds). before_submit(d) is
        called once the daemon is up."""
        body = "name: %s\npython: %s\nworkdir: %s\ntimeout: %s\nconditions:\n" % (
            name, PYTHON, self.folder, timeout)
        for cname, script, args in conditions:
            body += "  - {name: %s, cache: none, runs: 1, script: %s, args: %s}\n" % (
                cname, os.path.join(CHILDREN, script), json.dumps(args))
        plan = self.write(name + ".yaml", body)
        d = self.daemon()
        if before_submit is not None:
            before_submit(d)
        poller = StatusPoller(d, limit_s=within + 30)
        poller.start()
        try:
            r = d.ctl("submit", plan)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            d.wait_for(lambda: d.query("SELECT state FROM plans")[0]["state"] != "queued" and
                       d.query("SELECT count(*) AS n FROM runs WHERE state IN "
                               "('pending', 'running')")[0]["n"] == 0,
                       timeout=within, what="the plan's runs to end")
        finally:
            self.replies = poller.finish(self)
        peak = d.peak_rss_kb()
        PEAKS[name] = peak
        sys.stderr.write("[%s: peak RSS %.1f MB, %d status replies, slowest %.2f s] " % (
            name, peak / 1024, len(self.replies), poller.max_latency))
        check_rss(self, peak)
        runs = {x["condition"]: x for x in d.query("SELECT * FROM runs")}
        for x in runs.values():
            self.assertLess(x["ended_at"] - x["spawned_at"], float(timeout) + 5 + 3, x)
        return d, runs

    def outputs(self, d, run_id):
        """A run's outputs by stream, text as bytes."""
        return {o["stream"].decode(): o for o in query_bytes(
            d, "SELECT stream, text, length(CAST(text AS BLOB)) AS kept, bytes_total, truncated "
            "FROM outputs WHERE run_id = ?", run_id)}

    def test_flood(self):
        """Failure: children flood stdout (300 MiB of lines), write one 100 MiB line with no
        newline, and flood stderr (100 MiB). State: each run ends ok; outputs keeps exactly the
        first 1 MiB of the flooded stream with truncated = 1 and bytes_total = every byte the
        child wrote; the stage line before the flood is recorded; RSS stays bounded."""
        d, runs = self.run_plan("flood", [
            ("lines", "flood.py", ["--mb", "300"]),
            ("line", "flood.py", ["--mb", "100", "--no-newline"]),
            ("err", "flood.py", ["--mb", "100", "--stream", "stderr"]),
        ], timeout=60, within=120)
        for cond, x in runs.items():
            self.assertEqual((x["state"], x["exit_code"]), ("ok", 0), x)
            out = self.outputs(d, x["id"])
            flooded = out["stderr" if cond == "err" else "stdout"]
            self.assertEqual((flooded["kept"], flooded["truncated"]), (1 << 20, 1), cond)
            events = d.query("SELECT text FROM events WHERE run_id = ?", x["id"])
            self.assertEqual([e["text"] for e in events], ["Flood Started"])
        for cond, mb in (("lines", 300), ("line", 100)):
            out = self.outputs(d, runs[cond]["id"])
            reported = int(re.search(rb"flood: wrote (\d+) bytes", out["stderr"]["text"]).group(1))
            self.assertEqual(out["stdout"]["bytes_total"], reported)
            self.assertGreater(reported, mb << 20)
            kept = out["stdout"]["text"]
            header = kept[:kept.index(b"Flood Started\n") + 14]
            self.assertTrue(header.startswith(b"start time: "))
            body = b"y" * 63 + b"\n" if cond == "lines" else b"x" * 64
            self.assertEqual(kept, (header + body * (1 << 14))[:1 << 20], cond)
            self.assertEqual(out["stderr"]["truncated"], 0)
        out = self.outputs(d, runs["err"]["id"])
        self.assertEqual(out["stderr"]["bytes_total"],
                         (100 << 20) + len(b"\nflood: wrote %d bytes to stderr\n" % (100 << 20)))
        self.assertEqual(out["stdout"]["truncated"], 0)
        self.assertEqual(out["stdout"]["bytes_total"], out["stdout"]["kept"])
        self.assertEqual(d.stop(), 0, d.log())

    def test_stage_line_flood_slow_submit_wait(self):
        """Failure: a child prints 7 MiB of stage lines ("[0.001s] Step Done, Time Spent: ...")
        as fast as it can, followed by `benchctl submit --wait` whose output is read slowly
        (16 KiB every 20 ms: a slow terminal), so it keeps reading, only slower than the child
        prints. State: the run ends ok with events capped at 100000 and stdout kept to 1 MiB;
        RSS stays bounded; submit --wait is not dropped: it follows the plan to its end and
        exits 0."""
        d = self.daemon()
        plan = self.write("chatty.yaml", "name: chatty\npython: %s\nscript: %s\nworkdir: %s\n"
                          "conditions:\n  - {name: chatty, cache: none, runs: 1, args: %s}\n" % (
                              PYTHON, os.path.join(CHILDREN, "flood.py"), self.folder,
                              json.dumps(["--mb", "7", "--stage-lines"])))
        poller = StatusPoller(d, limit_s=90)
        poller.start()
        got = {"tail": b"", "bytes": 0, "stderr": b""}

        def slow_reader(f):
            while True:
                chunk = f.read1(16384)
                if not chunk:
                    return
                got["bytes"] += len(chunk)
                got["tail"] = (got["tail"] + chunk)[-4096:]
                time.sleep(0.02)

        sub = subprocess.Popen([BENCHCTL, "--socket", d.socket, "--db", d.db, "submit", plan,
                                "--wait"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        reader = threading.Thread(target=slow_reader, args=(sub.stdout,), daemon=True)
        reader.start()
        try:
            got["stderr"] = sub.stderr.read()
            rc = sub.wait(60)
            reader.join(30)
            d.wait_for(lambda: d.query("SELECT state FROM plans")[0]["state"] == "done",
                       timeout=30, what="the plan to finish")
        finally:
            if sub.poll() is None:
                sub.kill()
                sub.wait()
            sub.stdout.close()
            sub.stderr.close()
            poller.finish(self)
        peak = PEAKS["stage-lines-slow-wait"] = d.peak_rss_kb()
        sys.stderr.write("[peak RSS %.1f MB; submit --wait rc %d after %d bytes: %s] " % (
            peak / 1024, rc, got["bytes"], got["stderr"].decode(errors="replace").strip()))
        x = d.query("SELECT * FROM runs")[0]
        self.assertEqual((x["state"], x["exit_code"]), ("ok", 0))
        self.assertEqual(d.query("SELECT count(*) AS n FROM events WHERE run_id = ?",
                                 x["id"])[0]["n"], 100000)
        out = self.outputs(d, x["id"])["stdout"]
        self.assertEqual((out["kept"], out["truncated"]), (1 << 20, 1))
        check_rss(self, peak)
        self.assertEqual((rc, got["stderr"].decode(errors="replace").strip()), (0, ""),
                         "benchd dropped a submit --wait that was reading, only slowly")
        self.assertIn(b"plan 1 done", got["tail"])
        self.assertEqual(d.stop(), 0, d.log())

    def test_suspended_watchers(self):
        """Failure: three `benchctl watch` are suspended (SIGSTOP, as ^Z does) while a child
        prints 20 MiB of stage lines. State: the run ends ok and benchd's peak RSS stays
        bounded: stage events are sent at most 50 a second per run (the latest line when a
        child prints faster), and a watcher whose backlog passes 1 MiB is dropped."""
        watchers = []

        def watch(d):
            settle(d)
            for _ in range(3):
                w = subprocess.Popen([BENCHCTL, "--socket", d.socket, "watch"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                watchers.append(w)
            d.wait_for(lambda: socket_count(d) == 4, timeout=10, what="3 watchers")
            for w in watchers:
                w.send_signal(signal.SIGSTOP)

        try:
            d, runs = self.run_plan("suspended-watchers", [
                ("chatty", "flood.py", ["--mb", "20", "--stage-lines"])],
                timeout=60, within=60, before_submit=watch)
            self.assertEqual(runs["chatty"]["state"], "ok")
            peak = PEAKS["suspended-watchers"] = d.peak_rss_kb()
            check_rss(self, peak)
            self.assertEqual(d.query("SELECT count(*) AS n FROM events")[0]["n"] > 1000, True)
            self.assertEqual(d.stop(), 0, d.log())
        finally:
            for w in watchers:
                w.send_signal(signal.SIGCONT)
                if w.poll() is None:
                    w.kill()
                w.communicate()

    def test_binary_output(self):
        """Failure: a child prints every byte value, NULs and invalid UTF-8, in stage lines too,
        and lingers 1.5 s with an invalid-UTF-8 stage as its current one. State: status --json
        still answers valid JSON showing the run in flight; the run ends ok with its events and
        both outputs stored byte for byte."""
        d, runs = self.run_plan("binary", [("junk", "binary.py", ["--sleep", "1.5"])],
                                timeout=30, within=40)
        x = runs["junk"]
        self.assertEqual((x["state"], x["exit_code"]), ("ok", 0), x)
        current = [j["current"] for j in self.replies if j["current"]]
        self.assertTrue(current, "status never showed the run in flight")
        self.assertTrue(all(c["run_id"] == x["id"] for c in current))
        out = self.outputs(d, x["id"])
        junk = (bytes(range(256)) + b"\n\x00\x00mid\x00line\n"
                b"\xc0\xaf\xed\xa0\x80\xf8\x88\x80\x80\x80\xff\xfe\n")
        stdout = out["stdout"]["text"]
        self.assertEqual(len(stdout), out["stdout"]["bytes_total"])
        self.assertEqual(out["stdout"]["truncated"], 0)
        self.assertEqual(stdout.split(b"\n", 1)[1],
                         b"[0.000s] Python Process Started, Importing Torch...\n"
                         b"[0.010s] Import \xff\xfe\xc0\xaf Done, Time Spent: 0.010s\n" + junk +
                         b"[0.020s] Bin\x00ary \xe2\x82 Stage\x01\x7f Done, Time Spent: 0.010s\n"
                         b"[0.030s] Model Loaded Done, Time Spent: 0.010s\n" + junk[:40])
        self.assertEqual(out["stderr"]["text"], junk * 3)
        events = query_bytes(d, "SELECT t_s, text FROM events WHERE run_id = ? ORDER BY seq",
                             x["id"])
        self.assertEqual([e["t_s"] for e in events], [0.0, 0.01, 0.02, 0.03])
        # Events are text for JSON: invalid bytes become U+FFFD, NULs do not survive.
        for e in events:
            self.assertNotIn(b"\0", e["text"])
            e["text"].decode("utf-8")
        self.assertIn("\ufffd", events[1]["text"].decode())
        stages = {s["name"] for s in d.query("SELECT name FROM stages WHERE run_id = ?",
                                             x["id"])}
        self.assertTrue({"launch", "total", "model_loaded"} <= stages, stages)
        plain = d.ctl("status")
        self.assertEqual(plain.returncode, 0, plain.stderr)
        r = d.ctl("watch", "1", timeout=20)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(d.stop(), 0, d.log())

    def test_closes_stdout_and_keeps_running(self):
        """Failure: a child closes stdout and stderr at once and keeps running. State: benchd
        does not take the EOFs for the end of the run: it ends in timeout (SIGTERM, 143) after
        its 2 s timeout, with the line it printed first kept."""
        t0 = time.monotonic()
        d, runs = self.run_plan("closeout", [("closed", "closeout.py", ["--max", "60"])],
                                timeout=2, within=30)
        x = runs["closed"]
        self.assertEqual((x["state"], x["exit_code"], x["term_signal"]),
                         ("timeout", 128 + signal.SIGTERM, signal.SIGTERM), x)
        self.assertGreaterEqual(x["ended_at"] - x["spawned_at"], 2.0)
        self.assertLess(time.monotonic() - t0, 20)
        self.assertEqual([e["text"] for e in d.query("SELECT text FROM events WHERE run_id = ?",
                                                     x["id"])], ["Closing Output Now"])
        self.assertFalse(proc_alive(x["pid"]))
        self.assertEqual(d.stop(), 0, d.log())

    def test_grandchild_holds_pipes(self):
        """Failure: a child forks a grandchild (same process group) that keeps stdout and stderr
        open for 60 s, and exits 0. State: the run ends ok within a couple of seconds of the
        child's exit (benchd's 2 s drain grace), and the grandchild is killed with the group."""
        pidfile = os.path.join(self.folder, "grandchild.pid")
        try:
            d, runs = self.run_plan("grandchild", [
                ("holder", "grandchild.py", ["--pidfile", pidfile, "--hold", "60"])],
                timeout=30, within=40)
            x = runs["holder"]
            self.assertEqual((x["state"], x["exit_code"]), ("ok", 0), x)
            text = self.outputs(d, x["id"])["stdout"]["text"]
            exited = float(re.search(rb"child exiting at ([\d.]+)", text).group(1))
            late = x["ended_at"] - exited
            sys.stderr.write("[recorded %.2f s after the child's exit] " % late)
            self.assertGreaterEqual(late, 1.5)
            self.assertLess(late, 4.0)
            self.assertIn("output still open 2 s after exit", d.log())
            with open(pidfile) as f:
                gpid = int(f.read())
            d.wait_for(lambda: not proc_alive(gpid), timeout=3, what="the grandchild to die")
            self.assertEqual(d.stop(), 0, d.log())
        finally:
            if os.path.exists(pidfile):
                with open(pidfile) as f:
                    gpid = int(f.read())
                if proc_alive(gpid):
                    os.kill(gpid, signal.SIGKILL)

    def test_ignores_sigterm(self):
        """Failure: a child ignores SIGTERM and hangs past its 1 s timeout. State: SIGKILL 5 s
        after the SIGTERM: state timeout, term_signal 9, exit_code 137, 6 to 8 s in all."""
        d, runs = self.run_plan("stubborn", [
            ("stubborn", SEEDLOG, ["--hang", "--ignore-term"])],
            timeout=1, within=30)
        x = runs["stubborn"]
        self.assertEqual((x["state"], x["exit_code"], x["term_signal"]),
                         ("timeout", 128 + signal.SIGKILL, signal.SIGKILL), x)
        took = x["ended_at"] - x["spawned_at"]
        self.assertGreaterEqual(took, 6.0)
        self.assertLess(took, 8.0)
        self.assertIn("still alive 5 s after SIGTERM; sending SIGKILL", d.log())
        self.assertEqual(d.stop(), 0, d.log())

    def test_exits_at_once(self):
        """Failure: children exit before printing anything, with status 0 and 3. State: ok and
        failed (exit_code 3, "exited with status 3"); no start time, so no launch stage and
        child_started_at NULL; only the measured total stage; empty outputs, no events."""
        d, runs = self.run_plan("exit-now", [("zero", "exit_now.py", ["0"]),
                                             ("three", "exit_now.py", ["3"])],
                                timeout=30, within=30)
        self.assertEqual((runs["zero"]["state"], runs["zero"]["exit_code"]), ("ok", 0))
        self.assertIsNone(runs["zero"]["error"])
        self.assertEqual((runs["three"]["state"], runs["three"]["exit_code"]), ("failed", 3))
        self.assertEqual(runs["three"]["error"], "exited with status 3")
        for x in runs.values():
            self.assertIsNone(x["term_signal"])
            self.assertIsNone(x["child_started_at"])
            stages = d.query("SELECT * FROM stages WHERE run_id = ?", x["id"])
            self.assertEqual([s["name"] for s in stages], ["total"], stages)
            self.assertGreater(stages[0]["duration_s"], 0)
            self.assertLess(stages[0]["duration_s"], 5)
            self.assertAlmostEqual(stages[0]["duration_s"], x["ended_at"] - x["spawned_at"],
                                   delta=0.5)
            self.assertEqual(d.query("SELECT count(*) AS n FROM events WHERE run_id = ?",
                                     x["id"])[0]["n"], 0)
            out = self.outputs(d, x["id"])
            self.assertEqual({k: (o["kept"], o["bytes_total"], o["truncated"])
                              for k, o in out.items()},
                             {"stdout": (0, 0, 0), "stderr": (0, 0, 0)})
            self.assertIsNotNone(x["user_cpu_s"])
        self.assertEqual(d.query("SELECT state FROM plans")[0]["state"], "done")
        self.assertEqual(d.stop(), 0, d.log())


NOBODY = 65534
CONNECT_AS_NOBODY = r"""
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
try:
    s.connect(sys.argv[1])
except OSError as e:
    print(json.dumps({"connect": e.errno}))
    sys.exit(0)
try:
    s.sendall(b'{"v":1,"cmd":"status"}\n')
except OSError:
    pass
data = b""
while True:
    try:
        chunk = s.recv(65536)
    except OSError as e:
        print(json.dumps({"connected": True, "recv": e.errno, "data": data.decode()}))
        sys.exit(0)
    if not chunk:
        break
    data += chunk
print(json.dumps({"connected": True, "data": data.decode()}))
"""


def connect(path, timeout=10):
    """A raw client socket on path (connected blocking, like benchctl: a full backlog waits)."""
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.settimeout(timeout)
    return s


def read_line(s, buf):
    """One reply line from s (buf: bytes already read); returns (line, rest); b"" on EOF."""
    while b"\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            return b"", buf
        buf += chunk
    line, rest = buf.split(b"\n", 1)
    return line, rest


class TestSocket(DaemonTest):
    """The socket's checks, and clients that misbehave in every way at once."""

    def test_other_uid_refused(self):
        """Failure: a client running as nobody (uid 65534) talks to a root benchd. State: three
        layers refuse it. (1) The socket's folder is 0700: connect() fails with EACCES in the
        kernel. (2) With the folder opened to 0711 just for this check, the socket itself is
        0600: EACCES again. (3) With the socket also made 0666 by the test, the kernel connects,
        and benchd's SO_PEERCRED check closes the connection without a reply and logs
        "refused a client of uid 65534"; benchctl as nobody fails. Root still gets answers."""
        if os.geteuid() != 0:
            self.skipTest("needs root: starts benchd as root and connects as nobody via setpriv")
        d = self.daemon()
        nobody = ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY, "--clear-groups", "--"]

        def as_nobody():
            r = subprocess.run(nobody + [PYTHON, "-c", CONNECT_AS_NOBODY, d.socket],
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 0, r.stderr)
            return json.loads(r.stdout)

        self.assertEqual(os.stat(self.folder).st_mode & 0o777, 0o700)
        self.assertEqual(os.stat(d.socket).st_mode & 0o777, 0o600)
        self.assertEqual(as_nobody(), {"connect": 13}, "(1) the 0700 folder")
        os.chmod(self.folder, 0o711)
        try:
            self.assertEqual(as_nobody(), {"connect": 13}, "(2) the 0600 socket")
            os.chmod(d.socket, 0o666)
            got = as_nobody()
            self.assertTrue(got.get("connected"), got)
            self.assertEqual(got.get("data"), "", "(3) benchd must not answer another uid")
            d.wait_for(lambda: "refused a client of uid %d" % NOBODY in d.log(), timeout=5,
                       what="the refusal in the log")
            r = subprocess.run(nobody + [BENCHCTL, "--socket", d.socket, "status"],
                               capture_output=True, text=True, timeout=30)
            sys.stderr.write("[benchctl as nobody: rc %d: %s] " % (r.returncode, r.stderr.strip()))
            self.assertNotEqual(r.returncode, 0)
            self.assertNotIn("pid", r.stdout)
        finally:
            os.chmod(self.folder, 0o700)
        self.assertEqual(d.status()["daemon"]["pid"], d.proc.pid)
        self.assertEqual(d.stop(), 0, d.log())

    def test_socket_folder_writable_by_others(self):
        """Failure: the socket's folder can be written by others (0777, 1777 like /tmp, 0770).
        State: benchd exits 1 at once naming the folder, its mode and the fix (chmod 700), and
        creates no socket."""
        for mode in (0o777, 0o1777, 0o770):
            folder = os.path.join(self.folder, "open-%o" % mode)
            os.mkdir(folder)
            os.chmod(folder, mode)
            path = os.path.join(folder, "benchd.sock")
            d = Daemon(self.folder, extra_args=["--socket", path]).start(wait=False)
            self.daemons.append(d)
            self.assertEqual(d.proc.wait(10), 1, d.log())
            self.assertIn("socket folder %s can be written by others (mode %04o); use a folder "
                          "of your own: chmod 700 %s" % (folder, mode, folder), d.log())
            self.assertFalse(os.path.exists(path))

    def test_client_that_never_reads(self):
        """Failure: a client pipelines up to 1 MiB of bad request lines ("x", an error reply
        each: half a million replies) and never reads a reply. State: benchd stops reading from
        it, or drops it, once its unread replies pass a cap, so its peak RSS stays bounded;
        status answers meanwhile; benchd exits 0 on SIGTERM. (The send stops early once the
        bound is passed, to spare the machine.)"""
        d = self.daemon()
        poller = StatusPoller(d, limit_s=60)
        poller.start()
        s = connect(d.socket)
        s.setblocking(False)
        chunk = b"x\n" * 32768
        sent, stalled, how = 0, None, "sent it all"
        deadline = time.monotonic() + 20
        try:
            while sent < (1 << 20):
                if time.monotonic() > deadline:
                    how = "gave up after 20 s"
                    break
                if d.peak_rss_kb() > RSS_LIMIT_KB * (4 if ASAN else 1):
                    how = "stopped: benchd passed the RSS bound"
                    break
                try:
                    sent += s.send(chunk)
                    stalled = None
                except BlockingIOError:
                    stalled = stalled or time.monotonic()
                    if time.monotonic() - stalled > 1.0:
                        how = "benchd stopped reading (back-pressure)"
                        break
                    time.sleep(0.005)
                except (BrokenPipeError, ConnectionResetError):
                    how = "benchd dropped the client"
                    break
            time.sleep(0.5)
            peak = d.peak_rss_kb()
        finally:
            s.close()
            poller.finish(self)
        PEAKS["client-never-reads"] = peak
        sys.stderr.write("[%d bytes of requests sent, %s; peak RSS %.1f MB] " % (
            sent, how, peak / 1024))
        check_rss(self, peak, "unread replies pile up in benchd without bound")
        self.assertIn(how, ("benchd stopped reading (back-pressure)", "benchd dropped the client"),
                      "benchd kept reading requests whose replies nobody reads")
        self.assertEqual(d.stop(), 0, d.log())

    def test_hostile_clients(self):
        """Failure: while a plan runs, 300 clients connect and say nothing, 200 more ask status
        at once, 50 send half a line and vanish, 3 send a line over 1 MiB, one sends invalid JSON
        and JSON of the wrong shape, 20 raw watchers and 3 benchctl watch leave mid-stream.
        State: a well-behaved benchctl status answers correctly all along; the oversized lines
        get an error and are closed; the bad lines get an error each and their connection goes
        on; the daemon never crashes; afterwards its fd count is back to its baseline and it
        exits 0 on SIGTERM (under ASan: no leak)."""
        d = self.daemon()
        settle(d)
        baseline = d.fd_count()
        plan = self.plan("busy.yaml", """\
name: busy
python: @PYTHON@
script: @SEEDLOG@
timeout: 60
conditions:
  - {name: a, cache: none, runs: 6, args: [--log, run1, --sleep, "0.03"]}
""")
        poller = StatusPoller(d, limit_s=120)
        poller.start()
        held = []
        try:
            self.assertEqual(d.ctl("submit", plan).returncode, 0)

            # 300 clients that connect and say nothing.
            for _ in range(300):
                held.append(connect(d.socket))
            d.wait_for(lambda: d.fd_count() >= baseline + 300, timeout=20,
                       what="300 connections accepted")

            # 200 status requests at once, answered each.
            burst = [connect(d.socket) for _ in range(200)]
            for s in burst:
                s.sendall(b'{"v":1,"cmd":"status"}\n')
            for s in burst:
                line, _ = read_line(s, b"")
                self.assertTrue(json.loads(line)["ok"])
                s.close()

            # 50 that send half a line and vanish.
            for _ in range(50):
                s = connect(d.socket)
                s.sendall(b'{"v":1,"cmd":"sta')
                s.close()

            # 3 lines over 1 MiB: an error reply, then the connection is closed.
            for tail in (b"", b"\n", b'"}\n'):
                s = connect(d.socket)
                try:
                    s.sendall(b'{"v":1,"cmd":"status","pad":"' + b"a" * (3 << 19) + tail)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                line, rest = read_line(s, b"")
                reply = json.loads(line)
                self.assertFalse(reply["ok"])
                self.assertIn("over 1 MiB", reply["error"])
                try:
                    self.assertEqual(read_line(s, rest)[0], b"", "closed after the error")
                except ConnectionResetError:
                    pass    # closed with the rest of the line unread: Linux says ECONNRESET
                s.close()

            # Invalid JSON and JSON of the wrong shape: an error each, and the connection goes on.
            bad = [b"not json", b"{", b"\xff\xfe\x00", b"[1,2]", b'"status"', b"{}",
                   b'{"v":1}', b'{"v":2,"cmd":"status"}', b'{"cmd":"status"}',
                   b'{"v":1,"cmd":"nope"}', b'{"v":1,"cmd":42}', b'{"v":1,"cmd":"cancel"}',
                   b'{"v":1,"cmd":"cancel","plan_id":"x"}', b'{"v":1,"cmd":"cancel","plan_id":-1}',
                   b'{"v":1,"cmd":"submit"}', b'{"v":1,"cmd":"submit","yaml":"name: x"}',
                   b'{"v":1,"cmd":"submit","yaml":7,"path":"/x.yaml"}',
                   b'{"v":1,"cmd":"submit","yaml":"::: not yaml [","path":"/x.yaml"}',
                   b'{"v":1,"cmd":"watch","plan_id":999}']
            s = connect(d.socket)
            buf = b""
            for req in bad:
                s.sendall(req + b"\n")
                line, buf = read_line(s, buf)
                self.assertTrue(line, "no reply to %r" % req)
                reply = json.loads(line)
                self.assertEqual((reply["v"], reply["ok"]), (1, False), (req, reply))
                self.assertTrue(reply["error"], req)
                s.sendall(b'{"v":1,"cmd":"status"}\n')
                line, buf = read_line(s, buf)
                self.assertTrue(json.loads(line)["ok"], "the connection goes on after %r" % req)
            # Pipelined: 100 requests in one write, 100 replies in order.
            s.sendall(b'{"v":1,"cmd":"status"}\n' * 100)
            for _ in range(100):
                line, buf = read_line(s, buf)
                self.assertTrue(json.loads(line)["ok"])
            s.close()

            # Watchers that leave in the middle of the stream.
            for i in range(20):
                s = connect(d.socket)
                s.sendall(b'{"v":1,"cmd":"watch"}\n' if i % 2 else b'{"v":1,"cmd":"watch",'
                          b'"plan_id":1}\n')
                line, buf = read_line(s, b"")
                self.assertTrue(json.loads(line)["ok"])
                if i % 4 == 0:
                    line, buf = read_line(s, buf)       # one event, then gone
                    self.assertIn(b'"event"', line)
                s.close()
            for _ in range(3):
                w = subprocess.Popen([BENCHCTL, "--socket", d.socket, "watch", "1"],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
                w.stdout.read(1)
                w.kill()
                w.wait()
                w.stdout.close()
            self.assertIsNone(d.proc.poll(), "benchd died")
        finally:
            for s in held:
                s.close()
        d.wait_for(lambda: d.query("SELECT state FROM plans")[0]["state"] == "done",
                   timeout=60, what="the plan to finish")
        poller.finish(self)
        self.assertEqual(d.query("SELECT count(*) AS n FROM runs WHERE state = 'ok'")[0]["n"], 6)
        d.wait_for(lambda: d.fd_count() <= baseline, timeout=10,
                   what="benchd's fds back to %d (now %d)" % (baseline, d.fd_count()))
        PEAKS["hostile-clients"] = d.peak_rss_kb()
        sys.stderr.write("[fds: baseline %d, now %d; peak RSS %.1f MB] " % (
            baseline, d.fd_count(), d.peak_rss_kb() / 1024))
        check_rss(self, d.peak_rss_kb())
        self.assertIn("over 1048576 bytes; closing it", d.log())
        self.assertEqual(d.stop(), 0, d.log())


class TestNoShell(DaemonTest):
    """A plan's arguments reach the child verbatim: no shell anywhere."""

    def test_args_verbatim(self):
        """Failure: a plan's args hold $(...), backquotes, ;, &&, |, quotes, globs, $VAR, spaces,
        an empty word and a newline. State: the child's argv is exactly the list, none of the
        commands ran (no file created), and the recorded command column, read back by a shell's
        rules (shlex), gives the same argv."""
        folder = self.folder
        args = ["$(touch %s/pwned1)" % folder, "`touch %s/pwned2`" % folder,
                "a; touch %s/pwned3" % folder, "x && touch %s/pwned4 || true" % folder,
                "| touch %s/pwned5" % folder, "it's", 'say "hi"', "*", "$HOME", "~",
                "a b\tc", "", "line1\nline2", "\\", "--", "-c", "caf\u00e9", "> %s/pwned6" % folder]
        self.write("decoy.txt", "a file for * to match if a shell ever globbed\n")
        script = os.path.join(CHILDREN, "argv.py")
        plan = self.write("noshell.yaml", "name: noshell\npython: %s\nscript: %s\nworkdir: %s\n"
                          "conditions:\n  - {name: a, cache: none, runs: 1, args: %s}\n" % (
                              PYTHON, script, folder, json.dumps(args)))
        d = self.daemon()
        r = d.ctl("submit", plan, "--wait")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        x = d.query("SELECT * FROM runs")[0]
        self.assertEqual(x["state"], "ok", x)
        stdout = d.query("SELECT text FROM outputs WHERE run_id = ? AND stream = 'stdout'",
                         x["id"])[0]["text"]
        got = json.loads(re.search(r"^argv: (.*)$", stdout, re.M).group(1))
        self.assertEqual(got, args)
        self.assertEqual(sorted(f for f in os.listdir(folder) if f.startswith("pwned")), [])
        self.assertEqual(shlex.split(x["command"]), [PYTHON, script] + args, x["command"])
        self.assertEqual(d.stop(), 0, d.log())


if __name__ == "__main__":
    unittest.main()
