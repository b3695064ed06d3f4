"""test_profiles.py: device profiles through the kernel's cgroups: limits applied and read back, the group's counters,
a warm run in little memory, refusal where limits cannot be applied, and no process left in a run's group.

Most tests need root and this machine's layout (cgroup v1 controllers, a cgroup v2 hierarchy); each skips with the
reason otherwise. Every group a test's daemon made is removed in tearDown, even after a failure, and every process
a child left is killed: other people run timing tests on this machine.
"""
import json
import os
import shutil
import signal
import tempfile
import time
import unittest

from harness import (CGROOT, HERE, PYTHON, UNIFIED, Daemon, DaemonTest, cgroup_leftovers, cgroup_procs,
                     cgroup_tag, own_cgroups, remove_cgroups)

CHILDREN = os.path.join(HERE, "children")
NOBODY = 65534
DATA_MB = 16
tag_of = cgroup_tag
procs = cgroup_procs
leftovers = cgroup_leftovers
remove_groups = remove_cgroups


def alive(pid):
    """Whether a process exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def disk_of(path):
    """MAJ:MIN of the whole disk a file is on, found as benchd finds it."""
    st = os.stat(path)
    real = os.path.realpath("/sys/dev/block/%d:%d" % (os.major(st.st_dev), os.minor(st.st_dev)))
    if os.path.exists(os.path.join(real, "partition")):
        real = os.path.dirname(real)
    with open(os.path.join(real, "dev")) as f:
        return f.read().strip()


def v1_ready():
    """None when this machine can run the v1 tests, else why not."""
    if os.geteuid() != 0:
        return "needs root (cgroup v1 controllers)"
    for c in ("blkio", "memory", "cpu", "cpuset"):
        if not os.path.isdir(os.path.join(CGROOT, c)):
            return "no cgroup v1 %s hierarchy at %s" % (c, os.path.join(CGROOT, c))
    if not os.path.exists(os.path.join(CGROOT, "blkio", "blkio.throttle.read_bps_device")):
        return "the kernel has no blkio throttling"
    return None


def unified_ready():
    """None when a cgroup v2 hierarchy is writable here, else why not."""
    if os.geteuid() != 0:
        return "needs root to make a cgroup v2 group"
    with open("/proc/self/mountinfo") as f:
        if not any(" - cgroup2 " in line and line.split()[4] == UNIFIED for line in f):
            return "no cgroup v2 hierarchy at %s" % UNIFIED
    return None


class ProfileTest(DaemonTest):
    """A daemon test that removes its daemons' groups and kills what their children left, whatever happened."""

    def setUp(self):
        super().setUp()
        self.escaped = []
        self.extra_parents = []
        self.data = os.path.join(self.folder, "data.bin")
        with open(self.data, "wb") as f:
            for _ in range(DATA_MB):
                f.write(os.urandom(1 << 20))

    def tearDown(self):
        for d in self.daemons:
            if d.proc and d.proc.poll() is None:
                d.stop()
        for d in self.daemons:
            remove_groups(tag_of(d.db), self.extra_parents)
        for pid in self.escaped:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        super().tearDown()

    def submit(self, d, name, body):
        """Submit a plan and wait for it; the completed process."""
        path = self.write(name, body)
        r = d.ctl("submit", path, "--wait", timeout=300)
        return r

    def grandchild(self, pidfile):
        """The pid an escapee wrote, remembered so tearDown kills it if benchd did not."""
        with open(pidfile) as f:
            pid = int(f.read())
        self.escaped.append(pid)
        return pid

    def stdout(self, d, run_id):
        """A run's stdout as benchd kept it."""
        return d.query("SELECT text FROM outputs WHERE run_id = ? AND stream = 'stdout'", run_id)[0]["text"]


class TestLimitsApplied(ProfileTest):
    """As root on cgroup v1: the profile's limits are in force, read back, and counted."""

    def setUp(self):
        super().setUp()
        why = v1_ready()
        if why:
            self.skipTest(why)

    def test_limits_read_back_and_counted(self):
        d = self.daemon()
        before = own_cgroups(d.proc.pid)
        r = self.submit(d, "limits.yaml", """\
name: limits
python: %s
script: %s
args: [%s, "0.6"]
evict: [%s]
conditions:
  - name: device
    cache: cold
    runs: 1
    profile: {read_bps: 8MB, read_iops: 2000, memory: 256MB, cpus: "0", cpu_quota: 0.5}
  - {name: server, cache: cold, runs: 1}
""" % (PYTHON, os.path.join(CHILDREN, "limited.py"), self.data, self.data))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + d.log())
        runs = {x["condition"]: x for x in d.query("SELECT * FROM runs WHERE kind = 'measured'")}
        self.assertEqual({k: v["state"] for k, v in runs.items()}, {"device": "ok", "server": "ok"})
        rows = {x["run_id"]: x for x in d.query("SELECT * FROM run_limits")}
        dev = rows[runs["device"]["id"]]
        tag = tag_of(d.db)

        # The limits in force, read back from the group's files.
        self.assertEqual(dev["profile"], "inline")
        self.assertEqual(dev["profile_source"], os.path.join(self.folder, "limits.yaml"))
        self.assertEqual(dev["limits_in"], "cgroup1")
        self.assertIn(dev["kill_by"], ("cgroup.kill", "freezer"))
        self.assertEqual((dev["read_bps"], dev["read_iops"], dev["memory_bytes"], dev["cpus"],
                          dev["cpu_quota_us"], dev["cpu_period_us"]),
                         (8000000, 2000, 256000000, "0", 50000, 100000))
        self.assertIn(disk_of(self.data), dev["disks"])
        for c in ("blkio", "memory", "cpu", "cpuset"):
            self.assertIn("/%s/" % c, dev["groups"])

        # The group's counters: every byte of the data read through it, the quota bit, memory stayed within.
        self.assertGreaterEqual(dev["read_bytes"], DATA_MB << 20, dev)
        self.assertGreater(dev["read_ios"], 0)
        self.assertGreater(dev["cpu_throttled"], 0, dev)
        self.assertGreater(dev["cpu_throttled_ms"], 100, dev)
        self.assertGreater(dev["memory_peak_bytes"], 0)
        self.assertLessEqual(dev["memory_peak_bytes"], 256000000)
        self.assertEqual(dev["oom_kills"], 0)
        self.assertEqual(dev["killed_at_end"], 0)

        # And the run felt them: 16 MB at 8 MB/s, against the same cold read unlimited; 0.6 s of CPU at half a CPU.
        stage = {(x["condition"], x["name"]): x["duration_s"] for x in d.query(
            "SELECT r.condition, s.name, s.duration_s FROM stages s JOIN runs r ON r.id = s.run_id"
            " WHERE r.kind = 'measured'")}
        self.assertGreater(stage[("device", "read_data")], 0.75 * DATA_MB * 1.048576 / 8)
        self.assertGreater(stage[("device", "read_data")], 2 * stage[("server", "read_data")])
        self.assertGreater(stage[("device", "burn")], 1.0)

        # The child was born in its groups: its first act was to print them.
        born = {}
        for line in self.stdout(d, dev["run_id"]).splitlines():
            if line.startswith("cgroup "):
                _, ctls, path = line[len("cgroup "):].split(":", 2)
                for c in ctls.split(",") if ctls else [""]:
                    born[c] = path
        want = "/%s/run-%d" % (tag, dev["run_id"])
        for c in ("blkio", "memory", "cpu", "cpuset"):
            self.assertTrue(born[c].endswith(want), (c, born))
        if dev["kill_by"] == "cgroup.kill":
            self.assertEqual(born[""], want)

        # Without a profile: a group only to be killed whole, no limits.
        srv = rows[runs["server"]["id"]]
        self.assertIsNone(srv["profile"])
        self.assertIsNone(srv["read_bps"])
        self.assertIsNone(srv["memory_bytes"])
        self.assertEqual(srv["killed_at_end"], 0)

        # benchd went back where it was, and nothing of the runs is left on the machine.
        self.assertEqual(own_cgroups(d.proc.pid), before)
        self.assertEqual(leftovers(tag), [])

        # summary and report show the profile beside the numbers, as the kernel held it, and what it counted.
        r = d.ctl("summary", "1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("device (a profile of its own) vs server:", r.stdout)
        self.assertIn("  its own profile, held by cgroup1: read 8 MB/s and 2000 requests/s on %s"
                      % disk_of(self.data), r.stdout)
        self.assertIn(", memory 256 MB, cpus 0, 0.5 CPU of time\n", r.stdout)
        self.assertIn("  its group, median of 1 run: read ", r.stdout)
        self.assertIn("held back by its CPU quota in", r.stdout)
        j = json.loads(d.ctl("summary", "1", "--json").stdout)
        conds = {c["name"]: c for c in j["conditions"]}
        self.assertEqual(conds["device"]["profile"]["read_bps"], 8000000)
        self.assertEqual(conds["device"]["profile"]["cpus"], "0")
        self.assertEqual(conds["device"]["profile"]["runs_with_other_limits"], 0)
        self.assertEqual(conds["device"]["group"]["read_bytes"], dev["read_bytes"])
        self.assertIsNone(conds["server"]["profile"])
        self.assertEqual(conds["server"]["group"]["runs"], 1)
        page = os.path.join(self.folder, "report.html")
        self.assertEqual(d.ctl("report", "1", "-o", page).returncode, 0)
        with open(page) as f:
            html = f.read()
        self.assertIn("<h3>device (a profile of its own) vs server</h3>", html)
        self.assertIn("its own profile, held by cgroup1: read 8 MB/s", html)

    def test_warm_run_in_little_memory_is_not_warm(self):
        d = self.daemon()
        data = os.path.join(self.folder, "big.bin")
        with open(data, "wb") as f:
            for _ in range(64):
                f.write(os.urandom(1 << 20))
        r = self.submit(d, "warm.yaml", """\
name: warm-memory
python: %s
script: %s
args: [%s]
conditions:
  - {name: roomy, cache: warm, warmup_runs: 0, runs: 1}
  - {name: small, cache: warm, warmup_runs: 0, runs: 1, profile: {memory: 48MB}}
""" % (PYTHON, os.path.join(CHILDREN, "limited.py"), data))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + d.log())
        runs = {x["condition"]: x for x in d.query(
            "SELECT r.*, l.read_bytes, l.memory_peak_bytes FROM runs r LEFT JOIN run_limits l ON l.run_id = r.id"
            " WHERE r.kind = 'measured'")}
        self.assertEqual(runs["small"]["state"], "ok", runs["small"])
        self.assertGreaterEqual(runs["roomy"]["resident_before_pct"], 99)
        # Its cache was filled inside its 48 MB, so 64 MB of data could not all stay: it read again.
        self.assertLess(runs["small"]["resident_before_pct"], 90, runs["small"])
        self.assertGreater(runs["small"]["read_bytes"], 8 << 20, runs["small"])
        self.assertLessEqual(runs["small"]["memory_peak_bytes"], 48000000 + 4096)
        self.assertEqual(leftovers(tag_of(d.db)), [])

    def test_oom_kill_is_told(self):
        d = self.daemon()
        r = self.submit(d, "oom.yaml", """\
name: oom
python: %s
script: %s
args: ["300"]
conditions:
  - {name: small, cache: none, runs: 1, profile: {memory: 64MB}}
""" % (PYTHON, os.path.join(CHILDREN, "hog.py")))
        self.assertNotEqual(r.returncode, 0)
        run = d.query("SELECT r.state, r.error, l.oom_kills FROM runs r JOIN run_limits l ON l.run_id = r.id")[0]
        self.assertEqual(run["state"], "failed")
        self.assertGreaterEqual(run["oom_kills"], 1)
        self.assertIn("OOM killer", run["error"])
        self.assertIn("64 MB of memory that the condition's profile allows", run["error"])
        r = d.ctl("summary", "1")
        self.assertIn("  ! the kernel's OOM killer killed in 1 run: the program needs more memory than the "
                      "profile allows", r.stdout)


class TestNothingLeft(ProfileTest):
    """A child that double-forks into a session of its own, its output closed: killed when the run ends."""

    def plan_body(self, profile):
        """An escapee plan: one run, its grandchild's pid in a file."""
        return """\
name: escape
python: %s
script: %s
args: [--pidfile, %s]
conditions:
  - {name: a, cache: none, runs: 1%s}
""" % (PYTHON, os.path.join(CHILDREN, "escapee.py"), os.path.join(self.folder, "gc.pid"),
       ", profile: %s" % profile if profile else "")

    def check_killed(self, d, kill_by):
        """The grandchild is gone, benchd counted it, and the run's groups are gone. benchd kills its
        descendants first (it is their reaper), then what is still in the group: one of the two counts it."""
        pid = self.grandchild(os.path.join(self.folder, "gc.pid"))
        row = d.query("SELECT l.*, r.descendants_killed FROM run_limits l JOIN runs r ON r.id = l.run_id")[0]
        self.assertEqual(row["kill_by"], kill_by)
        self.assertEqual(row["killed_at_end"] + row["descendants_killed"], 1, row)
        deadline = time.monotonic() + 5
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertFalse(alive(pid), "grandchild %d outlived its run" % pid)
        self.assertEqual(leftovers(tag_of(d.db), self.extra_parents), [])

    def test_without_profile(self):
        why = unified_ready()
        if why:
            self.skipTest(why)
        d = self.daemon()
        r = self.submit(d, "escape.yaml", self.plan_body(None))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + d.log())
        self.check_killed(d, "cgroup.kill")

    def test_with_profile(self):
        why = v1_ready() or unified_ready()
        if why:
            self.skipTest(why)
        d = self.daemon()
        r = self.submit(d, "escape.yaml", self.plan_body("{memory: 256MB, cpu_quota: 1}"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + d.log())
        self.check_killed(d, "cgroup.kill")

    def test_v1_freezer(self):
        why = v1_ready()
        if why:
            self.skipTest(why)
        if not os.path.exists(os.path.join(CGROOT, "freezer")):
            self.skipTest("no cgroup v1 freezer hierarchy")
        os.environ["BENCHD_CGROUPS"] = "v1"
        try:
            d = self.daemon()
        finally:
            del os.environ["BENCHD_CGROUPS"]
        r = self.submit(d, "escape.yaml", self.plan_body("{memory: 256MB}"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + d.log())
        self.check_killed(d, "freezer")

    def test_dead_daemon_groups_are_emptied(self):
        why = v1_ready() or unified_ready()
        if why:
            self.skipTest(why)
        d = self.daemon()
        path = self.write("escape.yaml", self.plan_body("{memory: 256MB}").replace(
            "args: [", "args: [--stay, \"60\", "))
        self.assertEqual(d.ctl("submit", path).returncode, 0)
        pidfile = os.path.join(self.folder, "gc.pid")
        d.wait_for(lambda: os.path.exists(pidfile), what="the grandchild")
        pid = self.grandchild(pidfile)
        os.unlink(pidfile)
        d.stop(signal.SIGKILL)
        self.assertTrue(alive(pid))
        self.assertNotEqual(leftovers(tag_of(d.db)), [])
        # The next daemon on this database kills what is in the dead one's groups, and removes them.
        d2 = self.daemon()
        d2.wait_for(lambda: not alive(pid), timeout=10, what="the dead daemon's grandchild to be killed")
        self.assertIn("left by a benchd that stopped", d2.log())
        self.assertEqual(d2.ctl("cancel", "1").returncode, 0)
        d2.wait_for(lambda: d2.status()["current"] is None, what="the run to stop")
        if os.path.exists(pidfile):
            self.grandchild(pidfile)
        d2.wait_for(lambda: leftovers(tag_of(d2.db)) == [], timeout=10, what="its groups to go")


class TestRefused(unittest.TestCase):
    """A benchd that cannot apply a profile refuses the plan at submit, with the reason and the way out."""

    def test_unprivileged_daemon_on_v1(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to become another user with setpriv")
        if shutil.which("setpriv") is None:
            self.skipTest("setpriv (util-linux) is not installed")
        if not os.path.isdir(os.path.join(CGROOT, "blkio")):
            self.skipTest("no cgroup v1 blkio hierarchy: this checks the v1 refusal")
        folder = tempfile.mkdtemp(prefix="benchd-nobody.")
        try:
            os.chown(folder, NOBODY, NOBODY)
            os.chmod(folder, 0o700)
            for name, text in (("s.py", "print('start time: 0')\n"),
                               ("device.yaml", "name: s\npython: %s\nscript: s.py\nconditions:\n"
                                "  - {name: cold, cache: none, runs: 1, profile: {read_bps: 25MB}}\n" % PYTHON),
                               ("memory.yaml", "name: m\npython: %s\nscript: s.py\nprofiles_file: p.yaml\n"
                                "profile: board\nconditions:\n  - {name: a, cache: none, runs: 1}\n" % PYTHON),
                               ("p.yaml", "profiles:\n  board: {memory: 1GB}\n"),
                               ("plain.yaml", "name: p\npython: %s\nscript: s.py\nconditions:\n"
                                "  - {name: a, cache: none, runs: 1}\n" % PYTHON)):
                p = os.path.join(folder, name)
                with open(p, "w") as f:
                    f.write(text)
                os.chown(p, NOBODY, NOBODY)
            d = Daemon(folder, user=NOBODY)
            try:
                d.start()
            except AssertionError as e:
                if "Permission denied" in str(e):
                    self.skipTest("the build is not reachable by an unprivileged user: %s" % e)
                raise
            try:
                r = d.ctl("submit", os.path.join(folder, "device.yaml"))
                self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
                self.assertIn("condition cold: profile written in the condition: read_bps and read_iops need "
                              "the kernel's io (blkio) controller", r.stderr)
                self.assertIn("which only root may use, and benchd runs as uid 65534", r.stderr)
                self.assertIn("run benchd as root on this cgroup v1 machine, or under systemd with "
                              "Delegate=yes", r.stderr)
                r = d.ctl("submit", os.path.join(folder, "memory.yaml"))
                self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
                self.assertIn("profile board: memory needs the kernel's memory controller", r.stderr)
                self.assertEqual(d.query("SELECT count(*) AS n FROM plans")[0]["n"], 0)
                # A plan without a profile still runs, in no group.
                r = d.ctl("submit", os.path.join(folder, "plain.yaml"), "--wait")
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr + d.log())
                self.assertEqual(d.query("SELECT count(*) AS n FROM run_limits")[0]["n"], 0)
            finally:
                self.assertEqual(d.stop(), 0, d.log())
        finally:
            shutil.rmtree(folder, ignore_errors=True)


class DelegatedDaemon(Daemon):
    """A benchd started as nobody inside a cgroup v2 group delegated to nobody (as systemd's Delegate=yes does)."""

    def __init__(self, folder, group):
        super().__init__(folder, user=NOBODY)
        self.group = group

    def prefix(self):
        # Root puts the shell in the delegated group, then it becomes nobody and runs the program.
        return ["sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', self.group] + super().prefix()


class TestDelegatedV2(ProfileTest):
    """cgroup v2 as an unprivileged benchd gets it: a delegated subtree (here the controller-less unified one)."""

    def setUp(self):
        super().setUp()
        why = unified_ready()
        if why:
            self.skipTest(why)
        if shutil.which("setpriv") is None:
            self.skipTest("setpriv (util-linux) is not installed")
        self.group = os.path.join(UNIFIED, "benchd-test-%d" % os.getpid())
        os.mkdir(self.group)
        self.extra_parents.append(self.group)
        for name in ("", "cgroup.procs", "cgroup.subtree_control", "cgroup.threads"):
            os.chown(os.path.join(self.group, name), NOBODY, NOBODY)
        os.chown(self.folder, NOBODY, NOBODY)
        for p in (self.data,):
            os.chown(p, NOBODY, NOBODY)

    def tearDown(self):
        super().tearDown()
        for sub in [os.path.join(self.group, n) for n in os.listdir(self.group)]:
            if os.path.isdir(sub):
                for p in procs(sub):
                    os.kill(p, signal.SIGKILL)
                for _ in range(200):
                    if not procs(sub):
                        break
                    time.sleep(0.01)
                os.rmdir(sub)
        os.rmdir(self.group)

    def test_membership_kill_and_refusal(self):
        d = DelegatedDaemon(self.folder, self.group).start()
        self.daemons.append(d)
        self.assertEqual(own_cgroups(d.proc.pid)[""], self.group[len(UNIFIED):])
        # A run without a profile gets a group in the delegated subtree, and its escaped grandchild is killed.
        plan = self.write("escape.yaml", TestNothingLeft.plan_body(self, None))
        os.chown(plan, NOBODY, NOBODY)
        r = d.ctl("submit", plan, "--wait")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + d.log())
        row = d.query("SELECT * FROM run_limits")[0]
        self.assertTrue(row["groups"].startswith(os.path.join(self.group, tag_of(d.db))), row)
        TestNothingLeft.check_killed(self, d, "cgroup.kill")
        self.assertEqual(os.listdir(self.group).count(tag_of(d.db)), 0)
        # A profile needs controllers this subtree does not offer: refused, with what to delegate.
        plan = self.write("mem.yaml", "name: m\npython: %s\nscript: %s\nargs: [--pidfile, x]\nconditions:\n"
                          "  - {name: a, cache: none, runs: 1, profile: {memory: 1GB}}\n"
                          % (PYTHON, os.path.join(CHILDREN, "escapee.py")))
        os.chown(plan, NOBODY, NOBODY)
        r = d.ctl("submit", plan)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        # Here memory is a cgroup v1 controller: root only, whatever is delegated in v2.
        self.assertIn("the memory controller is cgroup v1 here (/sys/fs/cgroup/memory), which only root "
                      "may use, and benchd runs as uid 65534, and its cgroup v2 group %s offers no memory "
                      "controller" % self.group, r.stderr)
        self.assertIn("under systemd with Delegate=yes", r.stderr)


if __name__ == "__main__":
    unittest.main()
