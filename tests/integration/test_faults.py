"""test_faults.py: benchd under real faults, grouped by the parts of issue #12 they cover.

Every test starts a real benchd (harness.py) on a real socket and SQLite file and runs real
children (children/faults_*.py). The faults are real too, never mocked: file systems filled or
mounted read-only, files made immutable, locks held by another connection, links, other users,
signals, kill -9, descriptor limits. Each test's docstring names the failure it provokes and
the state it asserts. Tests that mount, chown, set flags or change users need root and skip with
a message otherwise. Mounts, fill files, immutable flags, limits, stopped and leftover processes
are undone in tearDown, whether the test passed or not.
"""
import errno
import glob
import json
import os
import re
import resource
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
import time
import unittest

from harness import BENCHCTL, BENCHD, HERE, PYTHON, SEEDLOG, Daemon, DaemonTest, sanitized
from test_reliability import StatusPoller, proc_alive

CHILDREN = os.path.join(HERE, "children")
GATE = os.path.join(CHILDREN, "faults_gate.py")
DESCEND = os.path.join(CHILDREN, "faults_descend.py")
FDS = os.path.join(CHILDREN, "faults_fds.py")
OPENS_DB = os.path.join(CHILDREN, "faults_opens_db.py")
NOBODY = 65534
ROOT = os.geteuid() == 0
ASAN = sanitized()
RSS_LIMIT_KB = 64 * 1024        # as test_reliability: checked in the plain build only
OWN_FILES = re.compile(
    r"plan (\d+): the footprint holds (\d+) of benchd's own files \(its database, the "
    r"database's -wal or -shm, its socket\), (.+?)( and more)?; they are left out of every "
    r"eviction and measure, since closing them would drop SQLite's locks")


def need_root(test, why):
    """Skip test unless it runs as root."""
    if not ROOT:
        test.skipTest("needs root: " + why)


def run(*cmd, check=True):
    """Run a command; its CompletedProcess (text)."""
    r = subprocess.run(list(cmd), capture_output=True, text=True, timeout=60)
    if check and r.returncode != 0:
        raise AssertionError("%s: rc %d: %s%s" % (" ".join(cmd), r.returncode, r.stdout, r.stderr))
    return r


def cmdline(pid):
    """A process's command line as text, or None when it is gone."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None


def live_with(text):
    """Live processes (not this one) whose command line holds text."""
    found = set()
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) != os.getpid():
            line = cmdline(int(name))
            if line is not None and text in line and proc_alive(int(name)):
                found.add(int(name))
    return found


def integrity(db):
    """PRAGMA integrity_check of a database file, read-only."""
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        return c.execute("PRAGMA integrity_check").fetchall()
    finally:
        c.close()


def pidfile(path):
    """The lines "WHAT PID" of a pidfile, as (what, pid) pairs."""
    try:
        with open(path) as f:
            return [(w, int(p)) for w, p in (line.split() for line in f if line.strip())]
    except OSError:
        return []


class FaultDaemon(Daemon):
    """A harness daemon with its own database and socket paths and log, a command in front of
    it (prlimit), or descriptors it inherits."""

    def __init__(self, folder, db=None, sock=None, log="benchd.log", wrap=(), pass_fds=(),
                 **kw):
        super().__init__(folder, **kw)
        self.db = db or self.db
        self.socket = sock or self.socket
        self.log_path = os.path.join(folder, log)
        self.wrap = list(wrap)
        self.pass_fds = tuple(pass_fds)

    def start(self, wait=True):
        """Start benchd as Daemon.start does, with the extras."""
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            self.wrap + self.prefix() + [BENCHD, "--socket", self.socket, "--db", self.db,
                                         "--log-level", "debug"] + self.extra_args,
            stdout=log, stderr=log, stdin=subprocess.DEVNULL, pass_fds=self.pass_fds)
        log.close()
        if wait:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise AssertionError("benchd exited at start:\n" + self.log())
                if self.ctl("status", "--json").returncode == 0:
                    return self
                time.sleep(0.05)
            raise AssertionError("benchd did not answer in 20 s:\n" + self.log())
        return self


class Gate:
    """The marker a faults_gate.py child appends "start PID TOKEN" to, and the gate file whose
    number lets the first N starts go on. Both live in the test's folder, outside any file
    system a test fills or freezes."""

    def __init__(self, folder, name="gate"):
        self.marker = os.path.join(folder, name + ".starts")
        self.path = os.path.join(folder, name + ".open")

    def args(self):
        """The child's arguments."""
        return ["--marker", self.marker, "--gate", self.path]

    def open(self, n):
        """Let the first n starts pass."""
        with open(self.path + ".tmp", "w") as f:
            f.write("%d\n" % n)
        os.rename(self.path + ".tmp", self.path)

    def starts(self):
        """Every start so far: (pid, token)."""
        try:
            with open(self.marker) as f:
                return [(int(p), t) for _, p, t in (line.split() for line in f if line.strip())]
        except OSError:
            return []

    def wait_starts(self, d, n, timeout=60):
        """Wait until n children have started."""
        d.wait_for(lambda: len(self.starts()) >= n, timeout=timeout,
                   what="%d start(s) in %s (now %d)" % (n, self.marker, len(self.starts())))
        return self.starts()


class Readers(threading.Thread):
    """Reads the database again and again as a user would while benchd writes it: the sqlite3
    CLI and Python's sqlite3 module, each opening the file (read-write, their default), asking,
    and closing it. The last connection to close a WAL database checkpoints it and deletes the
    -wal: harmless while benchd holds its locks, fatal to benchd's writes if it has lost them."""

    def __init__(self, db):
        super().__init__(daemon=True)
        self.db = db
        self.stop = threading.Event()
        self.rounds = 0
        self.errors = []

    def run(self):
        """Read until told to stop."""
        while not self.stop.is_set():
            r = subprocess.run(["sqlite3", self.db, "SELECT count(*) FROM runs; "
                                "SELECT state FROM plans;"], capture_output=True, text=True,
                               timeout=30)
            if r.returncode != 0 and "locked" not in r.stderr:
                self.errors.append(r.stderr.strip())
            try:
                c = sqlite3.connect(self.db, timeout=10)
                c.execute("SELECT count(*) FROM runs WHERE state = 'ok'").fetchall()
                c.close()
            except sqlite3.Error as e:
                if "locked" not in str(e):
                    self.errors.append(str(e))
            self.rounds += 1

    def finish(self):
        """Stop reading; returns how many rounds were read."""
        self.stop.set()
        self.join(60)
        return self.rounds


class FaultTest(DaemonTest):
    """DaemonTest that also undoes every fault a test set, in tearDown, even on failure."""

    def setUp(self):
        super().setUp()
        self.mounts = []
        self.immutable = []
        self.nofile = None
        self.stopped = []       # processes a test SIGSTOPped
        self.subprocs = []      # Popen objects of the test's own (benchctl submit --wait, sleep)
        self.groups = []        # process groups of the test's own, killed whole

    def tearDown(self):
        for p in self.stopped:
            try:
                os.kill(p, signal.SIGCONT)
            except OSError:
                pass
        for g in self.groups:
            try:
                os.killpg(g, signal.SIGKILL)
            except OSError:
                pass
        for p in self.subprocs:
            if p.poll() is None:
                p.kill()
            p.wait()
            for f in (p.stdout, p.stderr):
                if f is not None:
                    f.close()
        for d in self.daemons:
            if d.proc is not None and d.proc.poll() is None:
                d.proc.kill()
                d.proc.wait()
        # What the daemons left: every process whose command line names this test's folder.
        for pid in live_with(self.folder + "/"):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        for path in self.immutable:
            subprocess.run(["chattr", "-i", path], capture_output=True)
        for path in reversed(self.mounts):
            subprocess.run(["mount", "-o", "remount,rw", path], capture_output=True)
            if subprocess.run(["umount", path], capture_output=True).returncode != 0:
                subprocess.run(["umount", "-l", path], capture_output=True)
        if self.nofile is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, self.nofile)
        super().tearDown()

    # Helpers.

    def fault_daemon(self, start=True, **kw):
        """A FaultDaemon in this test's folder, started unless start=False."""
        d = FaultDaemon(self.folder, **kw)
        self.daemons.append(d)
        return d.start() if start else d

    def mkdir(self, name, mode=0o700):
        """A folder in the test's folder."""
        path = os.path.join(self.folder, name)
        os.mkdir(path)
        os.chmod(path, mode)
        return path

    def mount_tmpfs(self, name, size):
        """Mount a tmpfs of size (mode 0700) in the test's folder; unmounted in tearDown."""
        path = self.mkdir(name)
        run("mount", "-t", "tmpfs", "-o", "size=%s,mode=0700" % size, "tmpfs", path)
        self.mounts.append(path)
        return path

    def fill(self, folder):
        """Fill the file system of folder to the last byte (dd until ENOSPC)."""
        r = run("dd", "if=/dev/zero", "of=" + os.path.join(folder, "fill"), "bs=64k",
                check=False)
        self.assertIn("No space left on device", r.stderr)
        st = os.statvfs(folder)
        self.assertEqual(st.f_bavail, 0, "the file system is not full")

    def unfill(self, folder):
        """Free what fill() took."""
        os.unlink(os.path.join(folder, "fill"))

    def freeze(self, *paths):
        """Make files immutable (chattr +i): every write to them fails, open descriptors too."""
        for p in paths:
            run("chattr", "+i", p)
            self.immutable.append(p)

    def thaw(self, *paths):
        """Undo freeze()."""
        for p in paths:
            run("chattr", "-i", p)

    def submit_wait(self, d, plan):
        """benchctl submit PLAN --wait, in the background; returns the Popen."""
        p = subprocess.Popen([BENCHCTL, "--socket", d.socket, "--db", d.db, "submit", plan,
                              "--wait"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             stdin=subprocess.DEVNULL, text=True)
        self.subprocs.append(p)
        return p

    def finish_wait(self, p, timeout=120):
        """The exit status and output of a submit_wait(), which must end within timeout."""
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            raise AssertionError("benchctl submit --wait did not end in %d s: %s %s" % (
                timeout, out, err))
        return p.returncode, out, err

    def runs(self, d, plan_id=1):
        """A plan's runs in order."""
        return d.query("SELECT * FROM runs WHERE plan_id = ? ORDER BY seq, attempt", plan_id)

    def plan_state(self, d, plan_id=1):
        """A plan's state, or None."""
        rows = d.query("SELECT state FROM plans WHERE id = ?", plan_id)
        return rows[0]["state"] if rows else None

    def wait_log(self, d, pattern, timeout=60, count=1):
        """Wait until the log matches pattern (a regex) count times; returns the matches."""
        found = []

        def seen():
            found[:] = re.findall(pattern, d.log())
            return len(found) >= count
        d.wait_for(seen, timeout=timeout, what="%d x %r in the log" % (count, pattern))
        return found

    def assert_integrity(self, db):
        """The database passes PRAGMA integrity_check."""
        self.assertEqual(integrity(db), [("ok",)])

    def gate_plan(self, name, gate, runs=3, cache="cold", evict=(), extra=()):
        """A plan whose children wait at gate; a cold one has a probe first (seq 1)."""
        body = ("name: %s\npython: %s\nscript: %s\nworkdir: %s\ntimeout: 120\n"
                % (name, PYTHON, GATE, self.folder))
        if evict:
            body += "evict: %s\n" % json.dumps(list(evict))
        body += "conditions:\n  - {name: c, cache: %s, runs: %d, args: %s}\n" % (
            cache, runs, json.dumps(gate.args() + list(extra)))
        return self.write(name + ".yaml", body)

    def assert_each_seq_once(self, d, gate, nseq, plan_id=1):
        """Every seq of the plan ran exactly once: one attempt each, ok, and one start each in
        the marker, whose tokens are the runs' own."""
        runs = self.runs(d, plan_id)
        self.assertEqual([(x["seq"], x["attempt"], x["state"]) for x in runs],
                         [(s, 1, "ok") for s in range(1, nseq + 1)], runs)
        starts = gate.starts()
        self.assertEqual(len(starts), nseq, "children started: %r" % starts)
        self.assertEqual(sorted(t for _, t in starts), sorted(x["token"] for x in runs))
        self.assertEqual(sorted(p for p, _ in starts), sorted(x["pid"] for x in runs))


class TestOwnFiles(FaultTest):
    """Issue #12, item 1: a plan whose footprint reaches benchd's own database. Before, the cache
    work opened and closed bench.db (and its -wal and -shm), which drops every POSIX lock SQLite
    holds on them; the next reader to close the file then took itself for the last one,
    checkpointed and deleted the -wal, and benchd's later writes went to a deleted file: the log
    said the plan was done, the database said running."""

    RUNS = 5

    def own_plan(self, name, evict=(), script=SEEDLOG, args=()):
        """A cold plan (a probe, then RUNS cold runs) of a quick script."""
        body = ("name: %s\npython: %s\nscript: %s\nworkdir: %s\ntimeout: 60\n"
                % (name, PYTHON, script, self.folder))
        if evict:
            body += "evict: %s\n" % json.dumps(list(evict))
        body += "conditions:\n  - {name: cold, cache: cold, runs: %d, args: %s}\n" % (
            self.RUNS, json.dumps(list(args)))
        return self.write(name + ".yaml", body)

    def run_with_readers(self, d, plan, first_own, plan_id=1):
        """Run the plan while Readers read the database; then the plan is done, every run ok,
        the database whole, and the log names the first of benchd's own files once for it."""
        readers = Readers(d.db)
        readers.start()
        try:
            r = d.ctl("submit", plan, "--wait", timeout=120)
        finally:
            rounds = readers.finish()
        sys.stderr.write("[%d reader rounds] " % rounds)
        self.assertGreater(rounds, 0)
        self.assertEqual(readers.errors, [])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + d.log())
        self.assertIn("plan %d done" % plan_id, r.stdout)
        # What the database says, read by another process, not what benchd believes.
        self.assertEqual(self.plan_state(d, plan_id), "done", d.log())
        runs = self.runs(d, plan_id)
        self.assertEqual([(x["seq"], x["attempt"], x["kind"], x["state"]) for x in runs],
                         [(1, 1, "probe", "ok")] + [(s, 1, "measured", "ok")
                                                    for s in range(2, self.RUNS + 2)])
        self.assertEqual(d.query("SELECT count(*) AS n FROM stages s JOIN runs r ON r.id = "
                                 "s.run_id WHERE r.plan_id = ? AND s.name = 'total'",
                                 plan_id)[0]["n"],
                         self.RUNS + 1, "every run's stages were recorded")
        self.assert_integrity(d.db)
        told = [t for t in OWN_FILES.findall(d.log()) if t[0] == str(plan_id)]
        self.assertEqual(len(told), 1, "said once for plan %d: %r" % (plan_id, told))
        self.assertEqual(told[0][2], first_own)
        return told[0]

    def stop_whole(self, d):
        """Stop benchd; the database is whole and says what it said."""
        states = d.query("SELECT id, state FROM plans ORDER BY id")
        self.assertEqual(d.stop(), 0, d.log())
        self.assert_integrity(d.db)
        self.assertEqual(d.query("SELECT id, state FROM plans ORDER BY id"), states)

    def test_evict_the_daemons_folder(self):
        """Failure: the plan's evict: names benchd's own folder (bench.db, its -wal and -shm
        in it), and a loop runs the sqlite3 CLI and Python's sqlite3 against bench.db all
        along; then the same plan again, as plan 2. State: each plan is done with every run ok
        in the database itself, integrity_check is ok, and the log says once per plan that
        the footprint holds benchd's own files, naming bench.db first."""
        d = self.daemon()
        plan = self.own_plan("folder", evict=[self.folder])
        self.run_with_readers(d, plan, d.db)
        self.run_with_readers(d, plan, d.db, plan_id=2)
        self.assertEqual([t[0] for t in OWN_FILES.findall(d.log())], ["1", "2"])
        self.stop_whole(d)

    def test_evict_a_hard_link_to_the_database(self):
        """Failure: evict: names a hard link to bench.db in another folder (another path, the
        same inode), while the readers loop. State: as above; the log names the link."""
        d = self.daemon()
        link = os.path.join(self.mkdir("elsewhere"), "copy.db")
        os.link(d.db, link)
        self.run_with_readers(d, self.own_plan("hardlink", evict=[link]), link)
        self.stop_whole(d)

    def test_evict_through_a_symlink_to_the_folder(self):
        """Failure: evict: names bench.db, its -wal and -shm through a symbolic link to the
        daemon's folder, while the readers loop. State: as above; the log names the file by the
        link's path. (A bare symlink to the folder is not walked at all: nftw(FTW_PHYS).)"""
        d = self.daemon()
        alias = os.path.join(self.folder, "alias")
        os.symlink(self.folder, alias)
        names = [os.path.join(alias, n) for n in ("bench.db", "bench.db-wal", "bench.db-shm")]
        self.run_with_readers(d, self.own_plan("symlink", evict=names), names[0])
        self.stop_whole(d)

    def test_script_opens_the_database(self):
        """Failure: the plan's script itself opens bench.db, so the probe's footprint lists it
        and every cold run would evict it, while the readers loop. State: as above."""
        d = self.daemon()
        self.run_with_readers(d, self.own_plan("opener", script=OPENS_DB, args=[d.db]), d.db)
        self.stop_whole(d)

    def test_own_files_counted_once(self):
        """Failure: evict: names benchd's folder, which holds bench.db, bench.db-wal and
        bench.db-shm (3 of benchd's own files) and gone.txt, which the first cold run deletes.
        State: the log says the footprint holds 3 of benchd's own files, and each later cold run
        records evict_failed = 1 (gone.txt): benchd's own files are neither counted twice nor
        taken off the real failures."""
        d = self.daemon()
        gone = self.write("gone.txt", "evict me\n")
        gate = Gate(self.folder)
        plan = self.gate_plan("count", gate, runs=3, evict=[self.folder],
                              extra=["--unlink-after-first", gone])
        gate.open(99)
        r = d.ctl("submit", plan, "--wait", timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + d.log())
        runs = self.runs(d)
        self.assertEqual([x["state"] for x in runs], ["ok"] * 4)
        self.assertFalse(os.path.exists(gone))
        told = OWN_FILES.findall(d.log())
        self.assertEqual([t[0] for t in told], ["1"], told)
        self.assertEqual([x["evict_failed"] for x in runs[2:]], [1, 1],
                         "gone.txt, gone since the first cold run, failed to evict")
        self.assertEqual(int(told[0][1]), 3, "bench.db, bench.db-wal and bench.db-shm: %r"
                         % (told[0],))
        self.assertEqual(d.stop(), 0, d.log())

    def test_fifo_in_the_footprint(self):
        """Failure: after the probe, a footprint file (an evict: path) is replaced by a FIFO
        that nobody ever opens for writing. Opening it to evict or measure would block the
        cache work, and the queue with it, for good. State: every run ends ok, the FIFO counts
        as a file that could not be evicted, and no later run waits on it."""
        d = self.daemon()
        hook = self.write("hook", "hook\n")
        gate = Gate(self.folder)
        plan = self.gate_plan("fifo", gate, runs=3, evict=[hook])
        sub = self.submit_wait(d, plan)
        gate.open(1)
        gate.wait_starts(d, 2)
        os.mkfifo(hook + ".fifo", 0o600)
        os.rename(hook + ".fifo", hook)
        gate.open(99)
        rc, out, err = self.finish_wait(sub)
        self.assertEqual(rc, 0, out + err + d.log())
        runs = self.runs(d)
        self.assertEqual([x["state"] for x in runs], ["ok"] * 4)
        self.assertEqual([x["evict_failed"] for x in runs[2:]], [1, 1])
        self.assertEqual(d.stop(), 0, d.log())


class TestRefusedWrites(FaultTest):
    """Issue #12, item 2 (and the messages of item 14): the database refuses a write. A run's
    record that cannot be written is kept in memory, the queue pauses and says why in status,
    the write is tried again with a growing delay, and the queue resumes by itself. A refused
    pre-spawn write (the run marked running) leaves the child unstarted and the run pending.
    Nothing runs twice, nothing is lost, submit --wait ends.

    A refusal during a plan is driven through a cold plan (probe, then 3 cold runs) of
    faults_gate.py children, which the test lets go one by one, and whose starts are counted in
    a marker outside the database's file system. The record of seq 2 meets the real fault. The
    pre-spawn write of seq 3 comes a few milliseconds after seq 2's record is taken, too soon
    to set a fault from outside in between (and benchd waits on nothing a test could hold: a
    FIFO put in a footprint file's place is skipped, not opened): it is refused by a trigger
    the test installs, which aborts that one write. A database that cannot be used at all is
    refused at start."""

    def paused_status(self, d, reason):
        """benchctl status and status --json while paused for reason."""
        r = d.ctl("status", timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"(?m)^paused:  %s \(trying again in \d+ s\)$" %
                         re.escape(reason))
        j = d.status()
        self.assertEqual(sorted(j["paused"]), ["reason", "retry_in_s", "since"])
        self.assertEqual(j["paused"]["reason"], reason)
        self.assertLess(abs(j["paused"]["since"] - time.time()), 120)
        self.assertGreaterEqual(j["paused"]["retry_in_s"], 0)
        self.assertLessEqual(j["paused"]["retry_in_s"], 30)

    TRIGGER_REASON = "refused by the test: seq 3 may not start yet"

    def refuse_seq3_start(self, d, on):
        """Install (or drop) a trigger that aborts the write marking seq 3 running."""
        db = sqlite3.connect(d.db, timeout=30)
        try:
            if on:
                db.execute("CREATE TRIGGER faults_refuse BEFORE UPDATE OF state ON runs "
                           "WHEN NEW.seq = 3 AND NEW.state = 'running' "
                           "BEGIN SELECT RAISE(ABORT, '%s'); END" % self.TRIGGER_REASON)
            else:
                db.execute("DROP TRIGGER IF EXISTS faults_refuse")
            db.commit()
        finally:
            db.close()

    def refused_plan(self, d, refuse, allow, reason):
        """Drive the gate plan through a refused record (of seq 2) and a refused pre-spawn
        write (of seq 3). refuse() sets the fault, allow() lifts it; reason is what status
        says while paused."""
        gate = Gate(self.folder)
        plan = self.gate_plan("refused", gate, runs=3)
        sub = self.submit_wait(d, plan)
        gate.open(1)                            # the probe
        gate.wait_starts(d, 2)                  # seq 2 runs, held at the gate
        self.refuse_seq3_start(d, True)         # seq 3's pre-spawn write will be refused

        # The record of seq 2 is refused: kept, the queue paused, nothing else starts.
        refuse()
        gate.open(2)
        self.wait_log(d, r"run 2 ended ok but %s; kept in memory until it can be recorded"
                      % re.escape(reason))
        self.wait_log(d, r"paused: %s; retrying, from 0\.5 s on" % re.escape(reason))
        self.paused_status(d, reason)
        time.sleep(1.0)
        self.assertEqual(len(gate.starts()), 2, "a run started while the queue was paused")
        self.assertEqual([x["state"] for x in self.runs(d)], ["ok", "running", "pending",
                                                              "pending"])
        allow()
        self.wait_log(d, r"run 2: recorded after all")
        self.wait_log(d, r"resumed after [\d.]+ s: the database takes writes again")
        d.wait_for(lambda: self.runs(d)[1]["state"] == "ok", timeout=30, what="seq 2 ok")

        # Seq 3's pre-spawn write is refused: not started, pending, the queue paused.
        why = "cannot write the database: %s" % self.TRIGGER_REASON
        self.wait_log(d, r"run 3: not started: %s; the queue waits and tries again"
                      % re.escape(why))
        self.paused_status(d, why)
        time.sleep(1.0)
        self.assertEqual(len(gate.starts()), 2, "seq 3's child started all the same")
        x = self.runs(d)[2]
        self.assertEqual((x["seq"], x["attempt"], x["state"], x["pid"], x["spawned_at"]),
                         (3, 1, "pending", None, None), x)
        self.refuse_seq3_start(d, False)
        gate.wait_starts(d, 3)
        self.wait_log(d, r"resumed after [\d.]+ s: the database takes writes again", count=2)
        self.assertIsNone(d.status()["paused"])
        gate.open(4)
        rc, out, err = self.finish_wait(sub)
        self.assertEqual(rc, 0, out + err + d.log())
        self.assertIn("plan 1 done: 4/4 runs ok", out)
        self.assertEqual(self.plan_state(d), "done")
        self.assert_each_seq_once(d, gate, 4)
        self.assertEqual(len(re.findall(r"benchd warn: paused: ", d.log())), 2)
        self.assertNotIn("not an error", d.log())
        self.assertEqual(d.stop(), 0, d.log())
        self.assert_integrity(d.db)

    def test_disk_full(self):
        """Failure: the database lives on a 4 MB tmpfs, which dd fills to the last byte while
        seq 2 runs (its record is refused), and again while seq 3 waits in its cache work (its
        pre-spawn write is refused); each time the fill file is removed after the checks.
        State: status says "paused:  cannot write the database: database or disk is full
        (trying again in N s)" and status --json has paused {reason, since, retry_in_s}; the
        log names the real reason; seq 3's child is not started while refused and stays
        pending; afterwards the plan is done, each seq ran once, integrity_check is ok."""
        need_root(self, "mounts a tmpfs")
        mnt = self.mount_tmpfs("dbfs", "4m")
        d = self.fault_daemon(db=os.path.join(mnt, "bench.db"))
        self.refused_plan(d, lambda: self.fill(mnt), lambda: self.unfill(mnt),
                          "cannot write the database: database or disk is full")

    def test_lock_held_past_the_busy_timeout(self):
        """Failure: another connection holds BEGIN IMMEDIATE for 8 s (benchd waits 5 s) while
        seq 2 finishes. State: the log says the record was refused (database is locked) and
        the queue paused, then recorded after all and resumed; while the lock is still held,
        status answers and says paused (the retries wait 0.1 s for the lock, not 5 s: a
        daemon that blocked its loop on them would answer only once the lock is gone, and say
        it is not paused); seq 3 was not started while refused; the plan is done, each seq
        ran once."""
        d = self.daemon()
        held = {}

        def lock(seconds):
            c = sqlite3.connect(d.db, timeout=30, isolation_level=None)
            c.execute("BEGIN IMMEDIATE")
            held.update(conn=c, until=time.monotonic() + seconds)

        def unlock():
            time.sleep(max(0.0, held["until"] - time.monotonic()))
            held["conn"].execute("ROLLBACK")
            held["conn"].close()

        try:
            self.refused_plan(d, lambda: lock(8.0), unlock,
                              "cannot write the database: database is locked")
        finally:
            if "conn" in held:
                held["conn"].close()

    def test_files_made_immutable(self):
        """Failure: bench.db and its -wal are made immutable (chattr +i: every write fails with
        EPERM, through descriptors already open too) while seq 2 runs, and again while seq 3
        waits in its cache work; then writable again. This stands for the tmpfs remounted
        read-only under the daemon, which Linux refuses (EBUSY) while benchd holds the files
        open for writing. State: as for the full disk, the reason being SQLite's "disk I/O
        error"."""
        need_root(self, "sets the immutable flag")
        probe = self.write("probe-immutable", "x")
        fd = os.open(probe, os.O_RDWR)
        try:
            run("chattr", "+i", probe)
            self.immutable.append(probe)
            try:
                os.write(fd, b"y")
                self.skipTest("%s ignores the immutable flag for open files" % self.folder)
            except OSError as e:
                self.assertEqual(e.errno, errno.EPERM)
        finally:
            os.close(fd)
        d = self.daemon()
        files = (d.db, d.db + "-wal")
        self.refused_plan(d, lambda: self.freeze(*files), lambda: self.thaw(*files),
                          "cannot write the database: disk I/O error")

    def test_read_only_database_refused_at_start(self):
        """Failure: benchd is started on a database on a tmpfs mounted read-only. State: it
        exits 1 at once, its stderr saying "PATH: cannot write the database" and why, and it
        creates no socket."""
        need_root(self, "mounts a tmpfs")
        mnt = self.mount_tmpfs("dbfs", "4m")
        db = os.path.join(mnt, "bench.db")
        d = self.fault_daemon(db=db)
        self.assertEqual(d.stop(), 0, d.log())
        self.assertFalse(os.path.exists(d.socket))
        run("mount", "-o", "remount,ro", mnt)
        d2 = self.fault_daemon(start=False, db=db, log="second.log").start(wait=False)
        self.assertEqual(d2.proc.wait(20), 1, d2.log())
        self.assertRegex(d2.log(), r"benchd: %s: cannot write the database: Read-only file "
                         r"system; benchd records every run in it, so give it one it can write"
                         % re.escape(db))
        self.assertFalse(os.path.exists(d.socket))

    def test_garbage_database_names_its_path(self):
        """Failure: the database file holds text, not SQLite. State: benchd exits 1 saying
        "PATH: cannot use the database: file is not a database", and creates no socket."""
        db = self.write("bench.db", "this is not an SQLite database\n" * 300, mode=0o600)
        d = self.fault_daemon(start=False, db=db).start(wait=False)
        self.assertEqual(d.proc.wait(20), 1, d.log())
        self.assertIn("benchd: %s: cannot use the database: file is not a database" % db,
                      d.log())
        self.assertFalse(os.path.exists(d.socket))


class TestSecondDaemon(FaultTest):
    """Issue #12, item 3: two daemons on one database by two paths. The lock is flock() on the
    database file itself, taken before anything (recovery included), so a second benchd is
    refused however it names the file. Before, the lock was a file next to the path given, and
    a second daemon through a link took its own, ran recovery and killed the first one's
    child."""

    def second_on(self, name_db):
        """Start daemon A with a run in flight (held at a gate), then daemon B on the database
        named by name_db(A's database) with a socket of its own. B must exit 1 at once with
        the message, without a socket; A's child lives on, and A's plan ends ok."""
        d = self.daemon()
        gate = Gate(self.folder)
        sub = self.submit_wait(d, self.gate_plan("first", gate, runs=2, cache="none"))
        (child, _), = gate.wait_starts(d, 1)
        other = self.mkdir("other")
        link = name_db(d.db, other)
        sock = os.path.join(other, "b.sock")
        b = self.fault_daemon(start=False, db=link, sock=sock, log="second.log")
        b.start(wait=False)
        self.assertEqual(b.proc.wait(20), 1, b.log())
        self.assertIn("benchd: another benchd is using the database %s (the file %s, by "
                      "whatever path it was named); stop it first, or give this one another "
                      "--db" % (link, os.path.realpath(link)), b.log())
        self.assertFalse(os.path.exists(sock), "the refused daemon made a socket")
        self.assertTrue(proc_alive(child), "the first daemon's child was killed")
        self.assertEqual([(x["state"], x["pid"]) for x in self.runs(d)],
                         [("running", child), ("pending", None)])
        self.assertEqual(d.status()["daemon"]["pid"], d.proc.pid)
        gate.open(2)
        rc, out, err = self.finish_wait(sub)
        self.assertEqual(rc, 0, out + err + d.log())
        self.assert_each_seq_once(d, gate, 2)
        self.assertNotIn("interrupted", json.dumps(self.runs(d)))
        self.assertEqual(d.stop(), 0, d.log())
        self.assert_integrity(d.db)

    def test_symlink_to_the_database(self):
        """Failure: a second benchd is given a symbolic link (in another folder) to the first
        one's database, and a socket of its own, while the first runs a child. State: it exits
        1 with "another benchd is using the database LINK (the file REAL, by whatever path it
        was named)", creates no socket; the child is neither killed nor recorded as killed;
        the plan is done, each run once, integrity_check ok."""
        def symlink(db, other):
            link = os.path.join(other, "link.db")
            os.symlink(db, link)
            return link
        self.second_on(symlink)

    def test_hard_link_to_the_database(self):
        """Failure: as above, through a hard link to the database in another folder (its own
        -wal and -shm names, the same inode). State: as above, the link being its own real
        path."""
        def hardlink(db, other):
            link = os.path.join(other, "hard.db")
            os.link(db, link)
            return link
        self.second_on(hardlink)


class TestOtherUsers(FaultTest):
    """Issue #12, item 5: another user's code run as root. benchd refuses a database folder or
    file others can write or own, a submit from another uid, and a plan in the database that
    another uid submitted."""

    def refused_at_start(self, db, message):
        """benchd on db exits 1 saying message, and makes no socket."""
        d = self.fault_daemon(start=False, db=db, log="refused.log").start(wait=False)
        self.assertEqual(d.proc.wait(20), 1, d.log())
        self.assertIn("benchd: " + message, d.log())
        self.assertFalse(os.path.exists(d.socket))

    def test_database_folder_of_others(self):
        """Failure: benchd (as root) is given a database in a folder of mode 1777, like /tmp;
        then in a folder nobody (uid 65534) owns. State: it exits 1 with "database folder DIR
        can be written by others (mode 1777); use a folder of your own: chmod 700 DIR", then
        "database folder DIR belongs to uid 65534, not to us (uid 0); ...", before creating the
        database or a socket."""
        shared = self.mkdir("shared", 0o1777)
        db = os.path.join(shared, "bench.db")
        self.refused_at_start(db, "database folder %s can be written by others (mode 1777); "
                              "use a folder of your own: chmod 700 %s" % (shared, shared))
        self.assertEqual(os.listdir(shared), [])
        need_root(self, "chowns a folder to nobody")
        theirs = self.mkdir("theirs")
        os.chown(theirs, NOBODY, NOBODY)
        self.refused_at_start(os.path.join(theirs, "bench.db"), "database folder %s belongs "
                              "to uid %d, not to us (uid 0); use a folder of your own (mode "
                              "0700)" % (theirs, NOBODY))
        self.assertEqual(os.listdir(theirs), [])

    def test_database_file_of_another_user_or_open_to_writes(self):
        """Failure: the database file belongs to nobody (uid 65534); then it is root's but of
        mode 0666. State: benchd exits 1 with "database PATH belongs to uid 65534, not to
        benchd's (uid 0): ...", then "database PATH can be written by others (mode 0666): ..."."""
        need_root(self, "chowns a file to nobody")
        db = self.write("bench.db", "", mode=0o600)
        os.chown(db, NOBODY, NOBODY)
        self.refused_at_start(db, "database %s belongs to uid %d, not to benchd's (uid 0): its "
                              "plans would run as benchd's user; use a database of your own"
                              % (db, NOBODY))
        os.chown(db, 0, 0)
        os.chmod(db, 0o666)
        self.refused_at_start(db, "database %s can be written by others (mode 0666): anyone "
                              "could queue plans in it; chmod 600 %s" % (db, db))

    def test_plan_submitted_by_another_uid(self):
        """Failure: while benchd is stopped, a plan is written straight into its database with
        submitted_uid 65534; its script would leave a marker file. State: at the next start the
        plan fails without running anything: state failed, error "the plan was submitted by uid
        65534, not by benchd's own (uid 0): benchd runs only its own user's plans; ...", its
        runs failed or cancelled with no pid, and no marker file."""
        need_root(self, "benchd must run as uid 0 for the plan's uid to differ")
        d = self.daemon()
        self.assertEqual(d.stop(), 0, d.log())
        marker = os.path.join(self.folder, "ran.starts")
        yaml = ("name: planted\npython: %s\nscript: %s\nconditions:\n  - {name: c, cache: none, "
                "runs: 2, args: [--marker, %s, --sleep, '0']}\n" % (PYTHON, GATE, marker))
        path = self.write("planted.yaml", yaml)
        db = sqlite3.connect(d.db)
        with db:
            db.execute("INSERT INTO plans (name, submitted_at, yaml, source_path, submitted_uid)"
                       " VALUES ('planted', ?, ?, ?, ?)", (time.time(), yaml, path, NOBODY))
            for seq in (1, 2):
                db.execute("INSERT INTO runs (plan_id, condition, seq, kind, cache_policy) "
                           "VALUES (1, 'c', ?, 'measured', 'none')", (seq,))
        db.close()
        d = self.daemon()
        d.wait_for(lambda: self.plan_state(d) == "failed", timeout=30, what="the plan failed")
        p = d.query("SELECT * FROM plans")[0]
        self.assertEqual(p["error"], "the plan was submitted by uid %d, not by benchd's own "
                         "(uid 0): benchd runs only its own user's plans; submit it as that "
                         "user" % NOBODY)
        runs = self.runs(d)
        self.assertEqual([(x["state"], x["pid"]) for x in runs],
                         [("failed", None), ("cancelled", None)])
        time.sleep(0.5)
        self.assertFalse(os.path.exists(marker), "the other user's plan ran")
        self.assertEqual(d.stop(), 0, d.log())

    def test_submit_from_another_uid(self):
        """Failure: benchd runs as nobody (setpriv); root submits a plan to it (root may talk
        to any daemon, but its plan would run as nobody). State: the submit is refused with
        "benchd runs as uid 65534 and its plans run as that user; submit as uid 65534 (you are
        uid 0)", and nothing is queued."""
        need_root(self, "runs benchd as nobody")
        folder = os.path.join(self.folder, "nobody")
        os.mkdir(folder)
        os.chmod(self.folder, 0o711)    # nobody reaches its own folder inside ours
        os.chown(folder, NOBODY, NOBODY)
        os.chmod(folder, 0o700)
        for path in (BENCHD, BENCHCTL):
            if not os.access(path, os.X_OK) or os.stat(path).st_mode & stat.S_IXOTH == 0:
                self.skipTest("%s cannot be run by nobody" % path)
        d = FaultDaemon(folder, user=NOBODY)
        self.daemons.append(d)
        d.start()
        plan = self.write("root.yaml", "name: fromroot\npython: %s\nscript: %s\nconditions:\n"
                          "  - {name: c, cache: none, runs: 1, args: [--marker, %s, --sleep, "
                          "'0']}\n" % (PYTHON, GATE, os.path.join(folder, "ran.starts")))
        r = subprocess.run([BENCHCTL, "--socket", d.socket, "submit", plan], capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("%s: benchd runs as uid %d and its plans run as that user; submit as uid "
                      "%d (you are uid 0)" % (plan, NOBODY, NOBODY), r.stderr)
        self.assertEqual(d.query("SELECT count(*) AS n FROM plans")[0]["n"], 0)
        self.assertEqual(d.stop(), 0, d.log())


class TestDescendants(FaultTest):
    """Issue #12, items 6 and 7: processes a run starts do not outlive it. benchd is a child
    subreaper, so every process a run starts stays its descendant whatever group or session it
    moves to; all are SIGKILLed when the run ends and when benchd exits, and counted in
    runs.descendants_killed. After a kill -9 of benchd, the restart finds what the dead
    daemon's run left by the token in its environment (BENCHD_RUN) or by the session or group
    its child led, never by its command line."""

    def descend_plan(self, name, modes, extra=(), python=PYTHON):
        """A plan of one faults_descend.py run per mode; returns (plan, pidfile of mode)."""
        body = "name: %s\npython: %s\nscript: %s\nworkdir: %s\ntimeout: 60\nconditions:\n" % (
            name, python, DESCEND, self.folder)
        files = {}
        for mode in modes:
            files[mode] = os.path.join(self.folder, "%s.pids" % mode)
            body += "  - {name: %s, cache: none, runs: 1, args: %s}\n" % (
                mode, json.dumps(["--mode", mode, "--pidfile", files[mode]] + list(extra)))
        return self.write(name + ".yaml", body), files

    def test_every_way_out_is_closed(self):
        """Failure: four runs each leave a process behind and exit 0 at once: one stays in the
        run's process group, one calls setsid(), one setpgid(0, 0), one is a daemon (double
        fork, setsid, every descriptor closed; its parent is gone, so it is an orphan). State:
        every run is ok with descendants_killed = 1, the log says "run N: killed 1 process it
        left running" for each, and none of the four is alive after the plan."""
        d = self.daemon()
        modes = ("group", "setsid", "setpgid", "daemon")
        plan, files = self.descend_plan("escape", modes)
        r = d.ctl("submit", plan, "--wait", timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + d.log())
        runs = {x["condition"]: x for x in self.runs(d)}
        for mode in modes:
            pids = dict(pidfile(files[mode]))
            self.assertEqual(sorted(pids), ["child", mode], pids)
            self.assertFalse(proc_alive(pids[mode]), "the %s descendant outlived its run" % mode)
            x = runs[mode]
            self.assertEqual((x["state"], x["exit_code"], x["descendants_killed"]),
                             ("ok", 0, 1), x)
            self.assertRegex(d.log(), r"run %d: killed 1 process it left running" % x["id"])
        self.assertEqual(d.stop(), 0, d.log())

    def test_sigterm_mid_run(self):
        """Failure: benchd is stopped with SIGTERM while a run's child waits and its setsid()
        descendant ignores SIGTERM. State: benchd exits 0; the run is interrupted (and queued
        again) with descendants_killed = 1, and the descendant is not alive."""
        d = self.daemon()
        gate = os.path.join(self.folder, "never.open")
        plan, files = self.descend_plan("stopped", ["setsid"],
                                        extra=["--ignore-term", "--gate", gate])
        self.assertEqual(d.ctl("submit", plan).returncode, 0)
        d.wait_for(lambda: len(pidfile(files["setsid"])) == 2, timeout=30,
                   what="the child and its descendant")
        pids = dict(pidfile(files["setsid"]))
        self.assertEqual(d.stop(signal.SIGTERM), 0, d.log())
        self.assertFalse(proc_alive(pids["child"]))
        self.assertFalse(proc_alive(pids["setsid"]), "the descendant outlived benchd")
        x = self.runs(d)[0]
        self.assertEqual((x["attempt"], x["state"], x["descendants_killed"]),
                         (1, "interrupted", 1), x)
        self.assertEqual(self.runs(d)[1]["state"], "pending")

    def test_kill9_restart_finds_them_by_token_and_session(self):
        """Failure: the plan's python is a shell shim (#!/bin/sh, exec /usr/bin/python3 "$@"),
        so the running child's command line is not the recorded command; its child starts a
        setsid() descendant; benchd is killed with -9 mid-run and restarted. State: the restart
        kills the old child and its descendant, logging "killing pid P (session S, group G),
        left running by a daemon that died" for each; attempt 2 then runs alone (only its own
        child and descendant live) and ends ok, its descendant killed (1)."""
        shim = self.write("python", "#!/bin/sh\nexec %s \"$@\"\n" % PYTHON, mode=0o755)
        d = self.daemon()
        gate = os.path.join(self.folder, "gate.open")
        plan, files = self.descend_plan("shimmed", ["setsid"], extra=["--gate", gate],
                                        python=shim)
        self.assertEqual(d.ctl("submit", plan).returncode, 0)
        d.wait_for(lambda: len(pidfile(files["setsid"])) == 2, timeout=30,
                   what="the child and its descendant")
        old = dict(pidfile(files["setsid"]))
        d.wait_for(lambda: self.runs(d)[0]["pid"] == old["child"], timeout=10,
                   what="the child's pid recorded")
        x = self.runs(d)[0]
        self.assertTrue(x["command"].startswith(shim + " "), x["command"])
        self.assertTrue(cmdline(old["child"]).startswith(PYTHON + " "), cmdline(old["child"]))
        d.stop(signal.SIGKILL)
        for pid in old.values():
            self.assertTrue(proc_alive(pid), "pid %d died with benchd" % pid)

        d2 = self.daemon()
        for what, pid in old.items():
            d2.wait_for(lambda: not proc_alive(pid), timeout=10, what="the old %s killed" % what)
        sid = old["child"]
        self.assertRegex(d2.log(), r"killing pid %d \(session %d, group %d\), left running by a "
                         r"daemon that died" % (old["child"], sid, sid))
        self.assertRegex(d2.log(), r"killing pid %d \(session %d, group %d\), left running by a "
                         r"daemon that died" % (old["setsid"], old["setsid"], old["setsid"]))
        d2.wait_for(lambda: len(pidfile(files["setsid"])) == 4, timeout=30,
                    what="attempt 2's child and descendant")
        new = dict(pidfile(files["setsid"])[2:])
        self.assertEqual(live_with(files["setsid"]), set(new.values()), "attempt 2 runs alone")
        with open(gate, "w") as f:
            f.write("1\n")
        d2.wait_for(lambda: self.plan_state(d2) == "done", timeout=30, what="the plan done")
        runs = self.runs(d2)
        self.assertEqual([(x["attempt"], x["state"]) for x in runs], [(1, "interrupted"),
                                                                      (2, "ok")])
        self.assertEqual(runs[1]["descendants_killed"], 1)
        self.assertFalse(proc_alive(new["setsid"]))
        self.assertEqual(len({x["token"] for x in runs}), 2, "each attempt its own token")
        self.assertEqual(d2.stop(), 0, d2.log())

    def session_of(self, sid):
        """Live processes in session sid."""
        found = set()
        for name in os.listdir("/proc"):
            try:
                with open("/proc/%s/stat" % name) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[3]) == sid and fields[0] != "Z":
                found.add(int(name))
        return found

    def test_reused_pid_left_alone(self):
        """Failure: a run left 'running' in the database names a pid that is now another
        process of the same user, leading its own session with a child in it, started long
        after the run's spawn time, without the run's token, its command line the recorded
        command. State: the restart leaves both alive ("pid P of an interrupted run is now
        another process's; left alone"), and the run is interrupted and queued again, which
        then runs ok."""
        d = self.daemon()
        self.assertEqual(d.stop(), 0, d.log())
        # The pid's process leads a session of its own, with a child in it (sleep).
        other = subprocess.Popen(["sh", "-c", "sleep 120 & wait"], start_new_session=True,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.subprocs.append(other)
        self.groups.append(other.pid)
        d.wait_for(lambda: self.session_of(other.pid) - {other.pid}, timeout=10,
                   what="the other session's child")
        member = (self.session_of(other.pid) - {other.pid}).pop()
        marker = os.path.join(self.folder, "ran.starts")
        yaml = ("name: reused\npython: %s\nscript: %s\nconditions:\n  - {name: c, cache: none, "
                "runs: 1, args: [--marker, %s, --sleep, '0']}\n" % (PYTHON, GATE, marker))
        path = self.write("reused.yaml", yaml)
        db = sqlite3.connect(d.db)
        with db:
            db.execute("INSERT INTO plans (name, submitted_at, yaml, source_path, submitted_uid,"
                       " state) VALUES ('reused', ?, ?, ?, ?, 'running')",
                       (time.time() - 600, yaml, path, os.getuid()))
            # Its command is the other process's very command line: no help there.
            db.execute("INSERT INTO runs (plan_id, condition, seq, kind, cache_policy, state, "
                       "pid, spawned_at, command) VALUES (1, 'c', 1, 'measured', 'none', "
                       "'running', ?, ?, 'sh -c sleep 120 & wait')",
                       (other.pid, time.time() - 600))
            if "token" in {c[1] for c in db.execute("PRAGMA table_info(runs)")}:
                db.execute("UPDATE runs SET token = '1.1.00000000deadbeef'")
        db.close()
        d = self.daemon()
        d.wait_for(lambda: self.plan_state(d) == "done", timeout=30, what="the plan done")
        self.assertTrue(proc_alive(other.pid), "benchd killed a process that was not its run's")
        self.assertTrue(proc_alive(member), "benchd killed the other session's child")
        self.assertIn("pid %d of an interrupted run is now another process's; left alone"
                      % other.pid, d.log())
        self.assertEqual([(x["attempt"], x["state"]) for x in self.runs(d)],
                         [(1, "interrupted"), (2, "ok")])
        self.assertEqual(d.stop(), 0, d.log())


class TestTimeAndSocket(FaultTest):
    """Issue #12, items 8, 9 and 10: a daemon that was stopped does not invent a timeout; a
    stopping daemon leaves its successor's socket alone; a failing run's non-UTF-8 stderr does
    not hang submit --wait."""

    def test_stopped_daemon_invents_no_timeout(self):
        """Failure: benchd is stopped (SIGSTOP) for 5 s while a child that sleeps 2 s (timeout
        4 s) runs, then continued: the child exits, and its timeout passes, while benchd cannot
        look; a second child truly outlives its 1 s timeout. State: the first run is ok,
        exit_code 0, exit_window_ms >= 4000, and the log says "its timeout fired late, after
        it had exited; not a timeout"; the second is a timeout (SIGTERM, exit 143) with
        exit_window_ms 0. (2 s rather than 1 s, so SIGSTOP surely lands before the exit on a
        loaded machine.)"""
        d = self.daemon()
        late, slow = Gate(self.folder, "late"), Gate(self.folder, "slow")
        plan = self.write("late.yaml", (
            "name: late\npython: %s\nscript: %s\nworkdir: %s\nconditions:\n"
            "  - {name: late, cache: none, runs: 1, timeout: 4, args: %s}\n"
            "  - {name: slow, cache: none, runs: 1, timeout: 1, args: %s}\n") % (
            PYTHON, GATE, self.folder, json.dumps(["--marker", late.marker, "--sleep", "2"]),
            json.dumps(["--marker", slow.marker, "--sleep", "30"])))
        self.assertEqual(d.ctl("submit", plan).returncode, 0)
        late.wait_starts(d, 1, timeout=30)
        os.kill(d.proc.pid, signal.SIGSTOP)
        self.stopped.append(d.proc.pid)
        try:
            time.sleep(5)
        finally:
            os.kill(d.proc.pid, signal.SIGCONT)
        d.wait_for(lambda: self.plan_state(d) == "done", timeout=60, what="the plan done")
        runs = {x["condition"]: x for x in self.runs(d)}
        x = runs["late"]
        sys.stderr.write("[exit_window_ms %r, exit_late_ms %r] " % (x["exit_window_ms"],
                                                                    x["exit_late_ms"]))
        self.assertEqual((x["state"], x["exit_code"], x["term_signal"], x["error"]),
                         ("ok", 0, None, None), x)
        self.assertGreaterEqual(x["exit_window_ms"], 4000, x)
        self.assertGreaterEqual(x["exit_late_ms"], 0, x)
        self.assertIn("run %d: its timeout fired late, after it had exited; not a timeout"
                      % x["id"], d.log())
        x = runs["slow"]
        self.assertEqual((x["state"], x["exit_code"], x["term_signal"], x["exit_window_ms"]),
                         ("timeout", 128 + signal.SIGTERM, signal.SIGTERM, 0), x)
        self.assertEqual(d.stop(), 0, d.log())

    def test_stopping_daemon_keeps_its_successors_socket(self):
        """Failure: daemon A runs a child that ignores SIGTERM, so A takes 5 s to stop after
        SIGTERM; meanwhile daemon B starts on the same socket path with another database. State:
        A exits 0 after B has started, logging "PATH is no longer our socket; left alone"; B's
        socket is still there and B answers status."""
        a = self.daemon()
        gate = Gate(self.folder)
        plan = self.gate_plan("stubborn", gate, runs=1, cache="none", extra=["--ignore-term"])
        self.assertEqual(a.ctl("submit", plan).returncode, 0)
        gate.wait_starts(a, 1)
        a.proc.send_signal(signal.SIGTERM)
        self.wait_log(a, r"Terminated: stopping")

        def refused():
            s = socket.socket(socket.AF_UNIX)
            try:
                s.connect(a.socket)
                return False
            except OSError:
                return True
            finally:
                s.close()
        a.wait_for(refused, timeout=10, what="A's listener closed")
        b = self.fault_daemon(db=os.path.join(self.folder, "other.db"), log="b.log")
        self.assertIsNone(a.proc.poll(), "A stopped before B started; nothing was tested")
        self.assertEqual(a.proc.wait(60), 0, a.log())
        self.assertTrue(os.path.exists(a.socket), "A removed B's socket:\n" + a.log())
        self.assertEqual(b.status()["daemon"]["pid"], b.proc.pid)
        self.assertIn("%s is no longer our socket; left alone" % a.socket, a.log())
        self.assertEqual(b.stop(), 0, b.log())
        self.assertFalse(os.path.exists(b.socket), "B removes its own socket")

    def test_failing_run_with_invalid_utf8_stderr(self):
        """Failure: a run fails (exit 1) with invalid UTF-8 in the stderr line its error is
        taken from; then a plan whose probe does so, which fails the plan with that error.
        State: each benchctl submit --wait ends with its plan's end, having printed the run's
        error (and the plan's) from the events; the error, in the database and in runs --json
        and summary --json, is valid UTF-8 with U+FFFD where the bad bytes were; status --json
        says the last run failed."""
        d = self.daemon()
        gate = Gate(self.folder)
        gate.open(9)
        want = "exited with status 1: ValueError: bad byte \ufffd\ufffd here, cut \ufffd"
        sub = self.submit_wait(d, self.gate_plan("badbytes", gate, runs=1, cache="none",
                                                 extra=["--bad-stderr"]))
        rc, out, err = self.finish_wait(sub, timeout=60)
        self.assertEqual(rc, 1, out + err)
        self.assertIn("plan 1 done: 0/1 runs ok", out)
        error = self.runs(d)[0]["error"]
        self.assertEqual(error[:len(want) - 2], want[:-2])
        self.assertIn("\ufffd", error[len(want) - 2:])
        self.assertIn(error, out, "the run_finished event carried the error")
        self.assertEqual(d.status()["last"]["state"], "failed")
        r = d.ctl("runs", "1", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([x["error"] for x in json.loads(r.stdout)], [error])

        # A probe failing so fails its plan: the error rides in plan_finished too.
        sub = self.submit_wait(d, self.gate_plan("badprobe", gate, runs=1, cache="cold",
                                                 extra=["--bad-stderr"]))
        rc, out, err = self.finish_wait(sub, timeout=60)
        self.assertEqual(rc, 1, out + err)
        plan = d.query("SELECT state, error FROM plans WHERE id = 2")[0]
        self.assertEqual(plan["state"], "failed")
        self.assertEqual(plan["error"], "the probe run failed: " + error)
        self.assertIn("plan 2 failed: 0/2 runs ok; the probe run failed: " + error, out)
        r = d.ctl("summary", "2", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["plan"]["error"], plan["error"])
        self.assertEqual(d.stop(), 0, d.log())


class RssWatchdog(threading.Thread):
    """Kills benchd (SIGKILL) if its resident set passes limit_kb: a plan the daemon should
    have refused must not take the shared machine down with it."""

    def __init__(self, d, limit_kb=1024 * 1024):
        super().__init__(daemon=True)
        self.d = d
        self.limit_kb = limit_kb
        self.done = threading.Event()
        self.fired = False

    def run(self):
        """Look every 50 ms until finish()."""
        while not self.done.wait(0.05):
            try:
                if self.d.proc_status("VmRSS") > self.limit_kb:
                    self.fired = True
                    self.d.proc.kill()
                    return
            except (OSError, AssertionError):
                return

    def finish(self):
        """Stop watching; whether it had to kill benchd."""
        self.done.set()
        self.join(10)
        return self.fired


class TestLimits(FaultTest):
    """Issue #12, items 11, 12 and 14: the size of a plan, descriptors, and a NUL in a plan."""

    def many_plan(self, name, nconds, runs):
        """A plan of nconds conditions of runs each, as the issue's was written (60 bytes a
        condition); its conditions list starts on line 6, column 3."""
        gate = Gate(self.folder)
        lines = ["name: %s" % name, "python: %s" % PYTHON, "script: %s" % GATE,
                 "args: %s" % json.dumps(gate.args()), "conditions:"]
        for i in range(nconds):
            lines.append("  - {name: cond-%04d, cache: none, runs: %d, warmup_runs: 0}"
                         % (i, runs))
        return self.write(name + ".yaml", "\n".join(lines) + "\n")

    def test_plan_size_limits(self):
        """Failure: the issue's plan: 1,000 conditions of 200 runs (200,000 runs, 61 KB of
        YAML); then 100 conditions of 201 runs (20,100 runs); then the largest plan benchd
        takes, 100 conditions of 200 runs, while a client asks status again and again. State:
        the first two are refused at once with their place in the plan ("PATH:6:3: conditions:
        more than 100 conditions; ...", then "PATH:5:1: conditions: the plan asks for 20100
        runs in all (...), more than 20000; split it into several plans"), queueing nothing,
        benchd's peak RSS staying under 64 MB; the largest is queued whole (20,000 runs), every
        status is answered (each within 10 s), and the submit's time is printed; benchd then
        stops promptly on SIGTERM."""
        d = self.daemon()
        watchdog = RssWatchdog(d)
        watchdog.start()
        try:
            huge = self.many_plan("huge", 1000, 200)
            size = os.path.getsize(huge)
            self.assertGreater(size, 55000)
            t0 = time.monotonic()
            r = d.ctl("submit", huge, timeout=60)
            took = time.monotonic() - t0
            sys.stderr.write("[%d bytes refused in %.2f s] " % (size, took))
            self.assertEqual((r.returncode, r.stderr),
                             (1, "%s:6:3: conditions: more than 100 conditions; split the plan "
                              "into several\n" % huge), r.stdout)
            over = self.many_plan("over", 100, 201)
            r = d.ctl("submit", over, timeout=60)
            self.assertEqual((r.returncode, r.stderr),
                             (1, "%s:5:1: conditions: the plan asks for 20100 runs in all (runs, "
                              "each with its sequence, warmup_runs and importtime_runs of every "
                              "condition), more than 20000; split it into several plans\n"
                              % over), r.stdout)
            self.assertEqual(d.query("SELECT count(*) AS n FROM runs")[0]["n"], 0)
            self.assertEqual(d.status()["queue"], {"plans_waiting": 0, "runs_left": 0})
            peak = d.peak_rss_kb()
            sys.stderr.write("[peak RSS %.1f MB] " % (peak / 1024))
            if not ASAN:
                self.assertLess(peak, RSS_LIMIT_KB)

            poller = StatusPoller(d, limit_s=120)
            poller.start()
            try:
                t0 = time.monotonic()
                r = d.ctl("submit", self.many_plan("largest", 100, 200), timeout=120)
                took = time.monotonic() - t0
                time.sleep(0.2)
            finally:
                poller.finish(self)
            sys.stderr.write("[20,000 runs queued in %.2f s; %d status replies, slowest %.2f s] "
                             % (took, len(poller.replies), poller.max_latency))
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("plan 1 queued: largest (100 conditions, 20000 runs)", r.stdout)
            self.assertEqual(d.query("SELECT count(*) AS n FROM runs")[0]["n"], 20000)
            self.assertEqual(d.ctl("cancel", "1").returncode, 0)
            t0 = time.monotonic()
            self.assertEqual(d.stop(signal.SIGTERM, timeout=30), 0, d.log())
            sys.stderr.write("[stopped in %.2f s] " % (time.monotonic() - t0))
        finally:
            self.assertFalse(watchdog.finish(), "benchd's RSS passed 1 GB: killed")

    def test_soft_descriptor_limit_raised(self):
        """Failure: benchd is started under prlimit --nofile=256:4096 (a soft limit a shell
        might leave). State: /proc/PID/limits shows its soft limit raised to the hard one,
        4096."""
        d = self.fault_daemon(wrap=["prlimit", "--nofile=256:4096", "--"])
        with open("/proc/%d/limits" % d.proc.pid) as f:
            line = [x for x in f if x.startswith("Max open files")][0]
        self.assertEqual(line.split()[3:5], ["4096", "4096"], line)
        self.assertEqual(d.stop(), 0, d.log())

    def test_clients_beyond_the_descriptors(self):
        """Failure: benchd under prlimit --nofile=1024:1024 runs a plan of 5 runs while 1,100
        idle connections are held open; they arrive in one burst (benchd is SIGSTOPped while
        they connect, as it is whenever it is busy). State: every run of the plan is ok;
        benchd serves 960 (1024 - 64) clients and tells each of the other 140 "too many
        clients (N connected, at most 960); try again when some have left": none is closed
        without a word; once the clients leave, status answers."""
        need_root(self, "raises this test's own descriptor limit past 1,100")
        self.nofile = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(4096, self.nofile[0]),
                                                     max(4096, self.nofile[1])))
        d = self.fault_daemon(wrap=["prlimit", "--nofile=1024:1024", "--"])
        gate = Gate(self.folder)
        r = d.ctl("submit", self.gate_plan("crowded", gate, runs=5, cache="none"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        gate.wait_starts(d, 1)
        held = []
        told, dropped, served = [], 0, 0
        try:
            os.kill(d.proc.pid, signal.SIGSTOP)
            self.stopped.append(d.proc.pid)
            try:
                for _ in range(1100):
                    s = socket.socket(socket.AF_UNIX)
                    held.append(s)
                    s.settimeout(10)
                    s.connect(d.socket)
            finally:
                os.kill(d.proc.pid, signal.SIGCONT)
            gate.open(5)
            d.wait_for(lambda: self.plan_state(d) != "running", timeout=90,
                       what="the plan to end")
            for s in held:
                s.setblocking(False)
                try:
                    data = s.recv(65536)
                except BlockingIOError:
                    served += 1
                    continue
                if data:
                    told.append(json.loads(data.split(b"\n")[0]))
                else:
                    dropped += 1
        finally:
            for s in held:
                s.close()
        sys.stderr.write("[1100 clients: %d served, %d told to come back, %d closed without a "
                         "word] " % (served, len(told), dropped))
        self.assertEqual(self.plan_state(d), "done")
        self.assertEqual([x["state"] for x in self.runs(d)], ["ok"] * 5)
        d.wait_for(lambda: d.ctl("status").returncode == 0, timeout=30, what="status")
        self.assertEqual(d.stop(), 0, d.log())
        self.assertGreater(len(told), 0)
        for reply in told:
            self.assertFalse(reply["ok"])
            self.assertRegex(reply["error"], r"^too many clients \(\d+ connected, at most 960\); "
                             r"try again when some have left$")
        self.assertEqual(served, 960)
        self.assertEqual((len(told), dropped), (140, 0),
                         "clients closed without being told (benchd ran out of descriptors)")

    def test_descriptors_run_out_at_a_spawn(self):
        """Failure: while run 1 waits at its gate, benchd's soft descriptor limit is lowered
        (prlimit --pid) to the lowest descriptor it has free, so it cannot open one more; run
        1 ends, and run 2's spawn finds no descriptor for its pipes. The limit is raised again
        2 s later. State: run 2 is not failed for good: it is put back ("not started"), the
        queue pauses, then resumes; both runs are ok, each started once."""
        d = self.daemon()
        gate = Gate(self.folder)
        sub = self.submit_wait(d, self.gate_plan("starved", gate, runs=2, cache="none"))
        gate.wait_starts(d, 1)
        fds = {int(x) for x in os.listdir("/proc/%d/fd" % d.proc.pid)}
        free = min(set(range(len(fds) + 1)) - fds)
        hard = resource.prlimit(d.proc.pid, resource.RLIMIT_NOFILE)[1]
        resource.prlimit(d.proc.pid, resource.RLIMIT_NOFILE, (free, hard))
        try:
            gate.open(2)
            line, = self.wait_log(d, r"run 2: not started: .*[Tt]oo many open files.*; the queue "
                                  r"waits and tries again")
            sys.stderr.write("[%s] " % line)
            self.wait_log(d, r"benchd warn: paused: ")
            time.sleep(2)
            self.assertEqual(len(gate.starts()), 1, "run 2 started without descriptors")
            self.assertEqual([x["state"] for x in self.runs(d)], ["ok", "pending"])
        finally:
            resource.prlimit(d.proc.pid, resource.RLIMIT_NOFILE, (hard, hard))
        rc, out, err = self.finish_wait(sub)
        self.assertEqual(rc, 0, out + err + d.log())
        self.wait_log(d, r"resumed after [\d.]+ s")
        self.assert_each_seq_once(d, gate, 2)
        self.assertEqual(d.stop(), 0, d.log())

    def test_backlog_holds_a_burst(self):
        """Failure: 300 non-blocking clients connect at once while benchd cannot accept
        (SIGSTOPped). State: every connect succeeds (the backlog is SOMAXCONN, not 128: no
        EAGAIN); once benchd goes on, each gets its status answered."""
        with open("/proc/sys/net/core/somaxconn") as f:
            if int(f.read()) < 301:
                self.skipTest("net.core.somaxconn is under 301 on this machine")
        d = self.daemon()
        clients, errors = [], []
        os.kill(d.proc.pid, signal.SIGSTOP)
        self.stopped.append(d.proc.pid)
        try:
            for _ in range(300):
                s = socket.socket(socket.AF_UNIX)
                s.setblocking(False)
                err = s.connect_ex(d.socket)
                if err != 0:
                    errors.append(errno.errorcode.get(err, err))
                    s.close()
                else:
                    clients.append(s)
        finally:
            os.kill(d.proc.pid, signal.SIGCONT)
        try:
            self.assertEqual(errors, [], "%d of 300 connects failed" % len(errors))
            for s in clients:
                s.setblocking(True)
                s.settimeout(30)
                s.sendall(b'{"v":1,"cmd":"status"}\n')
            for s in clients:
                buf = b""
                while b"\n" not in buf:
                    chunk = s.recv(65536)
                    self.assertTrue(chunk, "a client was closed unanswered")
                    buf += chunk
                self.assertTrue(json.loads(buf.split(b"\n")[0])["ok"])
        finally:
            for s in clients:
                s.close()
        self.assertEqual(d.stop(), 0, d.log())

    def test_nul_byte_in_a_plan(self):
        """Failure: a plan file holds a NUL byte (line 5, column 30). State: benchctl submit
        fails with "PATH:5:30: invalid text: control characters are not allowed (0x00); a plan
        is UTF-8 text without control characters", not a JSON error, and nothing is queued."""
        d = self.daemon()
        path = os.path.join(self.folder, "nul.yaml")
        with open(path, "wb") as f:
            f.write(b"name: nul\npython: %s\nscript: %s\nconditions:\n"
                    b"  - {name: a, cache: none, ru\0ns: 1}\n" % (PYTHON.encode(), GATE.encode()))
        r = d.ctl("submit", path)
        self.assertEqual((r.returncode, r.stderr),
                         (1, "%s:5:30: invalid text: control characters are not "
                          "allowed (0x00); a plan is UTF-8 text without control characters\n"
                          % path), r.stdout)
        self.assertEqual(d.query("SELECT count(*) AS n FROM plans")[0]["n"], 0)
        self.assertEqual(d.stop(), 0, d.log())


class TestDescriptors(FaultTest):
    """Issue #12, item 13: a run's child gets stdin, stdout and stderr only (and, in a probe,
    fd 3: an anonymous memfd for the footprint list, BENCHD_FOOTPRINT_FD=3); nothing of the
    shell that started benchd, and no footprint file left in /tmp, whoever dies when."""

    def fds_of(self, d, run_id):
        """What faults_fds.py printed of its descriptors in a run."""
        out = d.query("SELECT text FROM outputs WHERE run_id = ? AND stream = 'stdout'",
                      run_id)[0]["text"]
        return json.loads(re.search(r"(?m)^fds: (.*)$", out).group(1))

    def test_inherited_descriptor_not_passed_on(self):
        """Failure: benchd is started with an extra descriptor open (a file, as a shell's
        redirection leaves one). State: a probe's child has exactly 0, 1, 2 and 3 (a memfd
        named benchd-footprint), a cold run's child exactly 0, 1 and 2."""
        with open(os.path.join(self.folder, "inherited.txt"), "w") as f:
            d = self.fault_daemon(pass_fds=(f.fileno(),))
            self.assertIn(os.path.join(self.folder, "inherited.txt"),
                          os.readlink("/proc/%d/fd/%d" % (d.proc.pid, f.fileno())))
        plan = self.write("fds.yaml", "name: fds\npython: %s\nscript: %s\nconditions:\n"
                          "  - {name: c, cache: cold, runs: 1}\n" % (PYTHON, FDS))
        r = d.ctl("submit", plan, "--wait", timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + d.log())
        probe, cold = self.runs(d)
        fds = self.fds_of(d, probe["id"])
        self.assertEqual(sorted(fds), ["0", "1", "2", "3"], fds)
        self.assertTrue(fds["3"].startswith("/memfd:benchd-footprint"), fds)
        fds = self.fds_of(d, cold["id"])
        self.assertEqual(sorted(fds), ["0", "1", "2"], fds)
        self.assertEqual(d.stop(), 0, d.log())

    def test_no_footprint_file_left_in_tmp(self):
        """Failure: a probe whose script SIGKILLs itself; then benchd killed with -9 during a
        probe. State: no new /tmp/benchd-footprint* file in either case (the first plan fails:
        its probe was killed by signal 9)."""
        before = set(glob.glob("/tmp/benchd-footprint*"))
        d = self.daemon()
        gate = Gate(self.folder)
        gate.open(99)
        r = d.ctl("submit", self.gate_plan("suicide", gate, runs=1, extra=["--kill-self"]),
                  "--wait", timeout=120)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertEqual(self.runs(d)[0]["error"], "killed by signal 9 (Killed)")
        self.assertEqual(set(glob.glob("/tmp/benchd-footprint*")) - before, set())
        gate2 = Gate(self.folder, "second")
        self.assertEqual(d.ctl("submit", self.gate_plan("orphan", gate2, runs=1)).returncode, 0)
        gate2.wait_starts(d, 1)
        d.stop(signal.SIGKILL)
        self.assertEqual(set(glob.glob("/tmp/benchd-footprint*")) - before, set())


if __name__ == "__main__":
    unittest.main()
