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
