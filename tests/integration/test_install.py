"""test_install.py: cmake --install into a temporary prefix, then a plan run by the installed programs
alone: the source tree is copied, built and installed, and the copy deleted before anything runs."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from harness import PYTHON, SOURCE_DIR

# A child that prints one stage: enough for a probe, a cold and a warm run.
CHILD = """\
import time
print("start time: %.3f" % time.time(), flush=True)
print("[0.000s] Python Process Started, Importing Torch...", flush=True)
print("[0.010s] Import Torch Done, Time Spent: 0.010s", flush=True)
"""

PLAN = """\
name: installed
python: %s
script: child.py
timeout: 60
conditions:
  - {name: cold, cache: cold, runs: 2}
  - {name: warm, cache: warm, warmup_runs: 0, runs: 2}
""" % PYTHON

# What the install puts where, below the prefix.
INSTALLED = [
    "bin/benchd", "bin/benchctl",
    "share/benchd/python/footprint.py", "share/benchd/python/benchstage.py",
    "share/benchd/python/benchmark.py", "share/benchd/schema.sql",
    "share/man/man1/benchctl.1", "share/man/man8/benchd.8",
    "share/bash-completion/completions/benchctl", "share/systemd/user/benchd.service",
]


def run(args, **kw):
    """Run a command to its end, its output captured as text."""
    return subprocess.run(args, capture_output=True, text=True, **kw)


class TestInstall(unittest.TestCase):
    """Copy, build, install, delete the copy; then only the prefix is left to run from."""

    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.mkdtemp(prefix="benchd-install.")
        os.chmod(cls.folder, 0o700)
        cls.copy = os.path.join(cls.folder, "src")
        cls.prefix = os.path.join(cls.folder, "prefix")
        shutil.copytree(SOURCE_DIR, cls.copy, symlinks=True, ignore=shutil.ignore_patterns(
            ".git", "build", "build-*", "__pycache__"))
        build = os.path.join(cls.copy, "build")
        for step in (["cmake", "-S", cls.copy, "-B", build, "-DCMAKE_BUILD_TYPE=RelWithDebInfo"],
                     ["cmake", "--build", build, "-j2", "--target", "benchd", "benchctl"],
                     ["cmake", "--install", build, "--prefix", cls.prefix]):
            r = run(step)
            if r.returncode != 0:
                shutil.rmtree(cls.folder, ignore_errors=True)
                raise AssertionError("%s failed:\n%s%s" % (" ".join(step), r.stdout, r.stderr))
        shutil.rmtree(cls.copy)
        # Nothing but the prefix: no variable may lead back to a source tree.
        cls.env = {k: v for k, v in os.environ.items() if not k.startswith(("BENCHD", "XDG_"))}
        cls.env["HOME"] = cls.folder
        cls.env["PATH"] = os.path.join(cls.prefix, "bin") + ":/usr/bin:/bin"

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.folder, ignore_errors=True)

    def path(self, rel):
        """A path below the prefix."""
        return os.path.join(self.prefix, rel)

    def test_files_are_installed(self):
        for rel in INSTALLED:
            self.assertTrue(os.path.isfile(self.path(rel)), rel)
        for rel in ("bin/benchd", "bin/benchctl"):
            self.assertTrue(os.access(self.path(rel), os.X_OK), rel)
        with open(self.path("share/systemd/user/benchd.service")) as f:
            unit = f.read()
        self.assertIn('\nExecStart="%s" --log-level info\n' % self.path("bin/benchd"), unit)
        self.assertNotIn("@", unit)
        # systemd itself reads the unit, when it is here to ask.
        if shutil.which("systemd-analyze"):
            r = run(["systemd-analyze", "verify", self.path("share/systemd/user/benchd.service")],
                    env=dict(self.env, MANPATH=self.path("share/man")))
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with open(self.path("share/benchd/schema.sql")) as f:
            self.assertIn("CREATE TABLE IF NOT EXISTS runs", f.read())

    def test_manuals_render_without_warnings(self):
        for rel, title in (("share/man/man1/benchctl.1", "BENCHCTL(1)"),
                           ("share/man/man8/benchd.8", "BENCHD(8)")):
            r = run(["man", "--warnings", "-l", self.path(rel)],
                    env=dict(self.env, MANWIDTH="80", MAN_KEEP_FORMATTING="0"))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stderr, "", rel)
            self.assertTrue(r.stdout.lstrip().startswith(title), r.stdout[:200])
        # man finds them by name below the prefix.
        r = run(["man", "-w", "benchd"], env=dict(self.env, MANPATH=self.path("share/man")))
        self.assertEqual(r.stdout.strip(), self.path("share/man/man8/benchd.8"))

    def test_bash_completion(self):
        script = ('source "%s"; COMP_WORDS=(benchctl com); COMP_CWORD=1; _benchctl; '
                  'echo "${COMPREPLY[*]}"; COMP_WORDS=(benchctl summary --m); COMP_CWORD=2; '
                  '_benchctl; echo "${COMPREPLY[*]}"; complete -p benchctl'
                  % self.path("share/bash-completion/completions/benchctl"))
        r = run(["bash", "-c", script], env=self.env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.splitlines(), ["compare", "--markdown",
                                                 "complete -F _benchctl benchctl"])

    def test_plan_runs_with_the_installed_programs_only(self):
        work = tempfile.mkdtemp(prefix="run.", dir=self.folder)
        os.chmod(work, 0o700)
        socket, db = os.path.join(work, "benchd.sock"), os.path.join(work, "bench.db")
        with open(os.path.join(work, "child.py"), "w") as f:
            f.write(CHILD)
        with open(os.path.join(work, "plan.yaml"), "w") as f:
            f.write(PLAN)
        env = dict(self.env, BENCHD_SOCKET=socket, BENCHD_DB=db)
        help_text = run(["benchd", "--help"], env=env, cwd="/").stdout
        for var in ("BENCHD_SOCKET", "BENCHD_DB", "BENCHD_PYTHON_DIR", "XDG_RUNTIME_DIR",
                    "XDG_STATE_HOME"):
            self.assertIn(var, help_text)
        log = open(os.path.join(work, "benchd.log"), "w")
        daemon = subprocess.Popen(["benchd", "--log-level", "debug"], env=env, cwd="/",
                                  stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        log.close()
        try:
            deadline = time.monotonic() + 10
            while run(["benchctl", "status"], env=env).returncode != 0:
                self.assertIsNone(daemon.poll(), self.log(work))
                self.assertLess(time.monotonic(), deadline, self.log(work))
                time.sleep(0.05)
            r = run(["benchctl", "submit", "plan.yaml", "--wait"], env=env, cwd=work, timeout=120)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr + self.log(work))
            self.assertIn("python helpers in %s" % os.path.realpath(
                self.path("share/benchd/python")), self.log(work))
            s = json.loads(run(["benchctl", "summary", "--json"], env=env).stdout)
            self.assertEqual(s["plan"]["state"], "done")
            self.assertGreater(s["footprint"]["files"], 0, "the probe found the footprint")
            conds = {c["name"]: c for c in s["conditions"]}
            self.assertEqual(conds["cold"]["ok"], 2)
            self.assertEqual(conds["warm"]["cache_before"]["n"], 2)
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(30)

    def test_missing_helpers_refused_at_start(self):
        work = tempfile.mkdtemp(prefix="gone.", dir=self.folder)
        os.chmod(work, 0o700)
        env = dict(self.env, BENCHD_SOCKET=os.path.join(work, "s"),
                   BENCHD_DB=os.path.join(work, "bench.db"))
        helpers = self.path("share/benchd/python")
        os.rename(helpers, helpers + ".away")
        try:
            r = run(["benchd"], env=env, timeout=10)
        finally:
            os.rename(helpers + ".away", helpers)
        self.assertEqual(r.returncode, 1)
        self.assertIn("benchd: benchd's python helpers are missing: no footprint.py in %s "
                      "(where an installed benchd keeps them)" % helpers, r.stderr)
        self.assertIn("set BENCHD_PYTHON_DIR to a folder holding footprint.py", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(work, "bench.db")), "nothing made")
        r = run(["benchd"], env=dict(env, BENCHD_PYTHON_DIR=work), timeout=10)
        self.assertEqual(r.returncode, 1)
        self.assertIn("$BENCHD_PYTHON_DIR is %s, which holds no readable footprint.py" % work,
                      r.stderr)

    @staticmethod
    def log(work):
        """The installed daemon's log."""
        with open(os.path.join(work, "benchd.log"), errors="replace") as f:
            return f.read()


if __name__ == "__main__":
    unittest.main()
