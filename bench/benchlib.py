"""benchlib.py: what every bench/ script shares: a real benchd in a temp folder, plans through its socket, medians, the machine."""
import json
import os
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(HERE)
# Built by bench/run-all (cmake --build build-bench); BENCHD_BUILD names another build folder.
BUILD = os.environ.get("BENCHD_BUILD") or os.path.join(SOURCE_DIR, "build-bench")
BENCHD = os.path.join(BUILD, "benchd")
BENCHCTL = os.path.join(BUILD, "benchctl")
TOOLS = os.path.join(BUILD, "bench")
# Debian's interpreter: the one that sees python3-torch.
PYTHON = "/usr/bin/python3"
CPUS = os.environ.get("BENCH_CPUS", "0,1")
CLK_TCK = os.sysconf("SC_CLK_TCK")


def log(*args):
    """Progress on stderr, so stdout stays for the figures."""
    print(*args, file=sys.stderr, flush=True)


def loadavg():
    """The 1, 5 and 15 minute load averages as a string."""
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def median(xs):
    """The median of a non-empty list, or None."""
    return statistics.median(xs) if xs else None


def quartiles(xs):
    """(q1, q3) of a list of at least two numbers, else (None, None)."""
    if len(xs) < 2:
        return (None, None)
    q = statistics.quantiles(xs, n=4, method="inclusive")
    return (q[0], q[2])


def write_json(path, obj):
    """Write a script's figures for run-all."""
    if path:
        with open(path, "w") as f:
            json.dump(obj, f, indent=1, sort_keys=True)
            f.write("\n")


def proc_cpu_ticks(pid):
    """utime + stime of a process (all its threads), in clock ticks, from /proc/PID/stat."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def proc_cpu_ns(pid):
    """CPU time of a process in ns, summed over its live threads' schedstat (finer than ticks)."""
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
        except OSError:
            pass
    return total


def proc_status_kb(pid, field):
    """A "Field:  1234 kB" line of /proc/PID/status."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


class Daemon:
    """One benchd with its own folder, socket, database and log; stopped and removed by close()."""

    def __init__(self, db=None, keep=False, cpus=None):
        self.folder = tempfile.mkdtemp(prefix="benchd-bench.")
        os.chmod(self.folder, 0o700)
        self.socket = os.path.join(self.folder, "benchd.sock")
        self.db = db or os.path.join(self.folder, "bench.db")
        self.log_path = os.path.join(self.folder, "benchd.log")
        self.keep = keep
        self.watch_sock = None
        self.watch_buf = b""
        self.finished = {}
        logf = open(self.log_path, "ab")
        env = dict(os.environ, BENCHD_PYTHON_DIR=os.path.join(SOURCE_DIR, "python"))
        prefix = ["taskset", "-c", cpus] if cpus else []
        self.proc = subprocess.Popen(prefix + [BENCHD, "--socket", self.socket, "--db", self.db],
                                     stdout=logf, stderr=logf, stdin=subprocess.DEVNULL, env=env)
        logf.close()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("benchd exited at start:\n" + self.log())
            try:
                self.request({"cmd": "status"})
                break
            except OSError:
                time.sleep(0.02)
        else:
            raise RuntimeError("benchd did not answer in 20 s:\n" + self.log())
        self.pid = self.proc.pid

    def log(self):
        """What benchd has logged so far."""
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def connect(self):
        """A new connection to the daemon's socket."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.socket)
        return s

    def request(self, req):
        """Send one request on its own connection and return the reply."""
        req = dict(req, v=1)
        s = self.connect()
        try:
            s.sendall((json.dumps(req) + "\n").encode())
            reply = s.makefile("rb").readline()
        finally:
            s.close()
        reply = json.loads(reply)
        if not reply.get("ok"):
            raise RuntimeError("benchd said: %s" % reply.get("error"))
        return reply

    def watch(self):
        """Watch every plan from now on (as benchctl submit --wait does), for wait()."""
        self.watch_sock = self.connect()
        self.watch_sock.sendall(b'{"v":1,"cmd":"watch"}\n')
        self._watch_line()

    def _watch_line(self):
        """The next line of the watch stream, parsed."""
        while b"\n" not in self.watch_buf:
            chunk = self.watch_sock.recv(65536)
            if not chunk:
                raise RuntimeError("benchd closed the watch:\n" + self.log())
            self.watch_buf += chunk
        line, self.watch_buf = self.watch_buf.split(b"\n", 1)
        return json.loads(line)

    def submit(self, folder, name, yaml_text):
        """Write the plan to folder/name.yaml, submit it, and return its id."""
        path = os.path.join(folder, name + ".yaml")
        with open(path, "w") as f:
            f.write(yaml_text)
        return self.request({"cmd": "submit", "path": path, "yaml": yaml_text})["plan_id"]

    def wait(self, plan_id, timeout=1800, poll=None, first_sleep=0):
        """Wait for a plan to finish: on the watch stream if there is one, else by polling the database
        (after first_sleep seconds of doing nothing, so the harness stays off the CPU while the run starts)."""
        deadline = time.monotonic() + timeout
        if first_sleep:
            time.sleep(first_sleep)
        if self.watch_sock is not None and poll is None:
            while plan_id not in self.finished:
                ev = self._watch_line()
                if ev.get("event") == "plan_finished":
                    self.finished[ev["plan_id"]] = ev["state"]
            state = self.finished[plan_id]
        else:
            while True:
                rows = self.query("SELECT state FROM plans WHERE id = ?", plan_id)
                if rows and rows[0]["state"] not in ("queued", "running"):
                    state = rows[0]["state"]
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError("plan %d did not finish in %d s" % (plan_id, timeout))
                time.sleep(poll or 0.1)
        if state != "done":
            err = self.query("SELECT error FROM plans WHERE id = ?", plan_id)
            raise RuntimeError("plan %d ended %s: %s\n%s" % (plan_id, state, err, self.log()[-3000:]))
        return state

    def ctl_json(self, *args):
        """benchctl's JSON output of a command against this daemon's database."""
        r = subprocess.run([BENCHCTL, "--socket", self.socket, "--db", self.db] + list(args),
                           capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            raise RuntimeError("benchctl %s: %s" % (" ".join(args), r.stderr))
        return json.loads(r.stdout)

    def ctl_text(self, *args):
        """benchctl's output of a command against this daemon's database."""
        r = subprocess.run([BENCHCTL, "--socket", self.socket, "--db", self.db] + list(args),
                           capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            raise RuntimeError("benchctl %s: %s" % (" ".join(args), r.stderr))
        return r.stdout

    def query(self, sql, *params):
        """Rows of a read-only query on the daemon's database."""
        db = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True, timeout=10)
        db.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in db.execute(sql, params)]
        finally:
            db.close()

    def close(self):
        """Stop the daemon and remove its folder."""
        if self.watch_sock is not None:
            self.watch_sock.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self.keep:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def others_mapping(needle):
    """Pids of other processes that map a file whose path contains needle (torch's libraries, say)."""
    pids = []
    me = os.getpid()
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == me:
            continue
        try:
            with open("/proc/%s/maps" % d, "rb") as f:
                if needle.encode() in f.read():
                    pids.append(int(d))
        except OSError:
            pass
    return pids


def wait_unmapped(needle, timeout=180):
    """Wait until no other process maps needle (benchd leaves such files alone); the pids still mapping it."""
    deadline = time.monotonic() + timeout
    pids = others_mapping(needle)
    if pids:
        log("waiting up to %d s: other processes map %s (%s); benchd would leave those files out of the footprint"
            % (timeout, needle, " ".join(map(str, pids))))
    while pids and time.monotonic() < deadline:
        time.sleep(2)
        pids = others_mapping(needle)
    return pids


def footprint_probe(script, out, args=()):
    """Run script under python/footprint.py (as benchd's probe does) and return the files it used."""
    env = dict(os.environ, BENCHD_FOOTPRINT_OUT=out)
    subprocess.run([PYTHON, os.path.join(SOURCE_DIR, "python", "footprint.py"), script] + list(args),
                   env=env, check=True, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    with open(out) as f:
        return [line.rstrip("\n") for line in f if line.strip()]
