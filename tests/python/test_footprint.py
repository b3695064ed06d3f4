"""test_footprint.py: python/footprint.py runs a script exactly as python3 would and lists the files it touched."""
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

SOURCE_DIR = os.environ.get("BENCHD_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
FOOTPRINT = os.path.join(SOURCE_DIR, "python", "footprint.py")
PYTHON = sys.executable

# Prints what python3 SCRIPT sets up, so that any difference under the wrapper shows in stdout.
SCRIPT = textwrap.dedent("""\
    import atexit, os, sys
    import fp_helper
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "data.txt")) as f:
        print("data", f.read().strip())
    atexit.register(lambda: open(os.path.join(here, "late.txt")).close())
    print("argv", sys.argv)
    print("path0", sys.path[0])
    print("file", __file__, __name__, __spec__, type(__loader__).__name__)
    print("main", sys.modules["__main__"].__dict__ is globals())
    print("env", os.environ.get("BENCHD_FOOTPRINT_OUT"))
    print("helper", fp_helper.VALUE)
    how = sys.argv[1] if len(sys.argv) > 1 else "3"
    def fail():
        raise ValueError("boom")
    if how == "raise":
        fail()
    elif how == "msg":
        sys.exit("a message")
    elif how == "none":
        sys.exit()
    sys.exit(int(how))
    """)


class FootprintTest(unittest.TestCase):
    """A script with a helper module, a data file and an atexit handler, run with and without the wrapper."""

    def setUp(self):
        """Write the script, its helper module and its data files into a fresh folder."""
        self.dir = os.path.realpath(tempfile.mkdtemp(prefix="benchd-footprint-"))
        self.addCleanup(shutil.rmtree, self.dir, True)
        files = {"main.py": SCRIPT, "fp_helper.py": "VALUE = 42\n", "data.txt": "hello\n", "late.txt": ""}
        for name, text in files.items():
            with open(os.path.join(self.dir, name), "w") as f:
                f.write(text)
        self.out = os.path.join(self.dir, "footprint.txt")

    def run_script(self, args, wrapped, out=True):
        """Run main.py from its folder by a relative path, directly or through footprint.py."""
        env = dict(os.environ)
        env.pop("BENCHD_FOOTPRINT_OUT", None)
        cmd = [PYTHON, "main.py"] + args
        if wrapped:
            cmd = [PYTHON, FOOTPRINT, "main.py"] + args
            if out:
                env["BENCHD_FOOTPRINT_OUT"] = self.out
        return subprocess.run(cmd, cwd=self.dir, env=env, capture_output=True, text=True, timeout=60)

    def read_list(self):
        """Return the footprint list's lines, checking it is absolute, sorted, unique regular files."""
        with open(self.out) as f:
            lines = f.read().splitlines()
        self.assertEqual(lines, sorted(set(lines)))
        for path in lines:
            self.assertTrue(os.path.isabs(path), path)
            self.assertTrue(os.path.isfile(path), path)
            self.assertFalse(path.startswith(("/proc/", "/sys/", "/dev/")), path)
        self.assertEqual([n for n in os.listdir(self.dir) if n.endswith(".tmp")], [])
        return lines

    def test_same_stdout_and_status(self):
        """stdout and exit status are those of python3 main.py, for every way a script can end."""
        cases = {"3": 3, "0": 0, "none": 0, "msg": 1, "raise": 1}
        for how, status in cases.items():
            with self.subTest(how=how):
                direct = self.run_script([how], wrapped=False)
                wrapped = self.run_script([how], wrapped=True)
                self.assertEqual(direct.returncode, status, direct.stderr)
                self.assertEqual(wrapped.returncode, status, wrapped.stderr)
                self.assertEqual(wrapped.stdout, direct.stdout)
                self.assertIn("argv ['main.py', '%s']" % how, wrapped.stdout)
                self.assertIn("env None", wrapped.stdout)
                self.read_list()

    def test_stderr_of_exit_message_and_traceback(self):
        """sys.exit("msg") prints just the message; a traceback starts at the script, not the wrapper."""
        direct = self.run_script(["msg"], wrapped=False)
        wrapped = self.run_script(["msg"], wrapped=True)
        self.assertEqual(wrapped.stderr, direct.stderr)
        self.assertEqual(wrapped.stderr, "a message\n")
        direct = self.run_script(["raise"], wrapped=False)
        wrapped = self.run_script(["raise"], wrapped=True)
        self.assertEqual(wrapped.stderr, direct.stderr)
        self.assertIn("ValueError: boom", wrapped.stderr)
        self.assertNotIn("footprint.py", wrapped.stderr)

    def test_list_contents(self):
        """The list holds the script, its module, the data files (one read in atexit), the interpreter, libc."""
        proc = self.run_script(["3"], wrapped=True)
        self.assertEqual(proc.returncode, 3, proc.stderr)
        lines = self.read_list()
        for name in ("main.py", "fp_helper.py", "data.txt", "late.txt"):
            self.assertIn(os.path.join(self.dir, name), lines)
        self.assertIn(os.path.realpath(PYTHON), lines)
        self.assertTrue([p for p in lines if "/libc.so" in p or "/libpython" in p], "no mapped library listed")
        self.assertNotIn(os.path.realpath(FOOTPRINT), lines)
        cached = os.path.join(self.dir, "__pycache__", "fp_helper.%s.pyc" % sys.implementation.cache_tag)
        if os.path.exists(cached):
            self.assertIn(cached, lines)

    def test_no_output_variable(self):
        """Without BENCHD_FOOTPRINT_OUT the wrapper only runs the script."""
        direct = self.run_script([], wrapped=False)
        wrapped = self.run_script([], wrapped=True, out=False)
        self.assertEqual((wrapped.returncode, wrapped.stdout, wrapped.stderr),
                         (direct.returncode, direct.stdout, direct.stderr))
        self.assertFalse(os.path.exists(self.out))

    def test_missing_script(self):
        """A script that does not exist fails as python3 does: status 2 and "can't open file"."""
        proc = subprocess.run([PYTHON, FOOTPRINT, os.path.join(self.dir, "nope.py")], capture_output=True,
                              text=True, env=dict(os.environ, BENCHD_FOOTPRINT_OUT=self.out))
        self.assertEqual(proc.returncode, 2)
        self.assertIn("can't open file", proc.stderr)
        self.assertFalse(os.path.exists(self.out))


if __name__ == "__main__":
    unittest.main()
