"""harness.py: a real benchd on a temporary socket and database, driven through the real benchctl."""
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

SOURCE_DIR = os.environ.get("BENCHD_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BENCHD = os.environ.get("BENCHD") or os.path.join(SOURCE_DIR, "build", "benchd")
BENCHCTL = os.environ.get("BENCHCTL") or os.path.join(SOURCE_DIR, "build", "benchctl")
FIXTURES = os.path.join(SOURCE_DIR, "tests", "fixtures", "seed-logs")
HERE = os.path.dirname(os.path.abspath(__file__))
SEEDLOG = os.path.join(HERE, "seedlog.py")
# Debian's interpreter: the one that sees python3-torch (the pyenv python3 on PATH does not).
PYTHON = "/usr/bin/python3"


class Daemon:
    """One benchd process with its own folder, socket, database and log."""

    def __init__(self, folder, extra_args=(), user=None):
        self.folder = folder
        self.socket = os.path.join(folder, "benchd.sock")
        self.db = os.path.join(folder, "bench.db")
        self.log_path = os.path.join(folder, "benchd.log")
        self.extra_args = list(extra_args)
        self.user = user
        self.proc = None

    def prefix(self):
        """The command prefix that runs a program as this daemon's user."""
        if self.user is None:
            return []
        return ["setpriv", "--reuid=%d" % self.user, "--regid=%d" % self.user,
                "--clear-groups", "--"]

    def start(self, wait=True):
        """Start benchd and wait until its socket answers."""
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            self.prefix() + [BENCHD, "--socket", self.socket, "--db", self.db,
                             "--log-level", "debug"] + self.extra_args,
            stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        log.close()
        if wait:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise AssertionError("benchd exited at start:\n" + self.log())
                if self.ctl("status", "--json").returncode == 0:
                    return self
                time.sleep(0.05)
            raise AssertionError("benchd did not answer in 10 s:\n" + self.log())
        return self

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Signal benchd and wait for it; returns its exit status."""
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("benchd did not stop within %d s:\n%s" % (timeout, self.log()))

    def log(self):
        """What benchd has logged so far."""
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def ctl(self, *args, timeout=120):
        """Run benchctl against this daemon."""
        return subprocess.run(
            self.prefix() + [BENCHCTL, "--socket", self.socket, "--db", self.db] + list(args),
            capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)

    def status(self):
        """benchctl status --json, parsed."""
        r = self.ctl("status", "--json")
        if r.returncode != 0:
            raise AssertionError("status failed: %s %s" % (r.stdout, r.stderr))
        return json.loads(r.stdout)

    def query(self, sql, *params):
        """Rows of a query on the daemon's database (read-only, like a user would)."""
        db = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True)
        db.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in db.execute(sql, params)]
        finally:
            db.close()

    def wait_for(self, predicate, timeout=60, what="condition"):
        """Poll predicate() until it is true."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            v = predicate()
            if v:
                return v
            time.sleep(0.05)
        raise AssertionError("timed out waiting for %s\n%s" % (what, self.log()))

    def proc_status(self, field):
        """A field of /proc/PID/status of benchd in kB (VmHWM: peak RSS, VmRSS: RSS now)."""
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        raise AssertionError("no %s in /proc/%d/status" % (field, self.proc.pid))

    def peak_rss_kb(self):
        """benchd's peak resident set so far (VmHWM), in kB."""
        return self.proc_status("VmHWM")

    def fd_count(self):
        """How many file descriptors benchd has open now."""
        return len(os.listdir("/proc/%d/fd" % self.proc.pid))


CGROOT = "/sys/fs/cgroup"
UNIFIED = "/sys/fs/cgroup/unified"
CGROUP_V1 = ["blkio", "memory", "cpu", "cpuset", "freezer"]


def cgroup_tag(db):
    """The name benchd gives a database's run groups: benchd-FNV1a(path), as rungroup.c makes it."""
    h = 2166136261
    for b in db.encode():
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return "benchd-%08x" % h


def own_cgroups(pid="self"):
    """A process's group in each hierarchy: {"blkio": "/", ..., "": "/"} ("" is cgroup v2)."""
    groups = {}
    with open("/proc/%s/cgroup" % pid) as f:
        for line in f:
            _, ctls, path = line.rstrip("\n").split(":", 2)
            for c in ctls.split(",") if ctls else [""]:
                groups[c] = path
    return groups


def cgroup_parents():
    """The folders a root benchd started by these tests makes its groups in: cgroup v2's root, and its own
    group in each cgroup v1 hierarchy."""
    own = own_cgroups()
    dirs = [UNIFIED] if os.path.exists(os.path.join(UNIFIED, "cgroup.procs")) else []
    for c in CGROUP_V1:
        if os.path.isdir(os.path.join(CGROOT, c)) and c in own:
            dirs.append(os.path.join(CGROOT, c) + own[c].rstrip("/"))
    return dirs


def cgroup_procs(folder):
    """The pids in a group's folder."""
    try:
        with open(os.path.join(folder, "cgroup.procs")) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def cgroup_leftovers(tag, extra=()):
    """Every folder of tag's still there (in our hierarchies, and under extra parents)."""
    return [os.path.join(p, tag) for p in cgroup_parents() + list(extra) if os.path.exists(os.path.join(p, tag))]


def remove_cgroups(tag, extra=()):
    """Kill what is in tag's run groups and remove them. A daemon killed with SIGKILL cannot; benchd
    itself empties them on its next start on that database, which a test's never gets."""
    for base in cgroup_leftovers(tag, extra):
        for sub in [os.path.join(base, n) for n in os.listdir(base)]:
            if not os.path.isdir(sub):
                continue
            if os.path.exists(os.path.join(sub, "freezer.state")):
                with open(os.path.join(sub, "freezer.state"), "w") as f:
                    f.write("THAWED")
            for _ in range(200):
                pids = cgroup_procs(sub)
                if not pids:
                    break
                for p in pids:
                    try:
                        os.kill(p, signal.SIGKILL)
                    except OSError:
                        pass
                time.sleep(0.01)
            try:
                os.rmdir(sub)
            except OSError:
                pass
        try:
            os.rmdir(base)
        except OSError:
            pass


def sanitized():
    """Whether BENCHD was built with AddressSanitizer (it uses more memory, and runs slower)."""
    with open(BENCHD, "rb") as f:
        return b"__asan_init" in f.read()


class DaemonTest(unittest.TestCase):
    """A test case with a fresh daemon folder; the daemon is stopped afterwards."""

    def setUp(self):
        self.folder = tempfile.mkdtemp(prefix="benchd-it.")
        os.chmod(self.folder, 0o700)
        self.daemons = []

    def tearDown(self):
        for d in self.daemons:
            d.stop(signal.SIGKILL) if d.proc and d.proc.poll() is None else None
        # What a daemon killed mid-run left in its run groups (test_profiles.py tests those themselves).
        if os.geteuid() == 0:
            for d in self.daemons:
                remove_cgroups(cgroup_tag(d.db))
        if self._outcome_failed():
            sys.stderr.write("kept %s for inspection\n" % self.folder)
        else:
            shutil.rmtree(self.folder, ignore_errors=True)

    def _outcome_failed(self):
        """Whether this test failed (to keep its folder)."""
        outcome = getattr(self, "_outcome", None)
        result = getattr(outcome, "result", None)
        if result is None:
            return False
        return any(t is self for t, _ in result.failures + result.errors)

    def daemon(self, **kw):
        """Start a daemon in this test's folder."""
        d = Daemon(self.folder, **kw).start()
        self.daemons.append(d)
        return d

    def write(self, name, text, mode=0o644):
        """Write a file in the test's folder and return its path."""
        path = os.path.join(self.folder, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def plan(self, name, body):
        """Write a plan file whose script is seedlog.py."""
        return self.write(name, body.replace("@SEEDLOG@", SEEDLOG).replace("@PYTHON@", PYTHON))
