"""test_cli.py: benchctl for daily use, through the real programs: what --wait prints off a terminal and on
one (80 columns, ^C), the cache's state in status, a plan on stdin, global options anywhere, the database a
named socket leads to, and the small things (watch when idle, cancelling twice, parse-log's format)."""
import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import subprocess
import termios
import time
import unittest

from harness import BENCHCTL, PYTHON, DaemonTest

# Two conditions of the seed's first log (import_torch 5.295 s, as printed), three runs each.
COLD_WARM = """\
name: cold-warm
python: @PYTHON@
script: @SEEDLOG@
timeout: 60
conditions:
  - {name: cold, cache: cold, runs: 3}
  - {name: warm, cache: warm, warmup_runs: 1, runs: 3}
"""

# Slow enough to be watched: 12 lines, each after 0.1 s.
SLOW = """\
name: slow
python: @PYTHON@
script: @SEEDLOG@
timeout: 60
conditions:
  - {name: cold, cache: cold, runs: 2, args: [--sleep, "0.1"]}
"""

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def on_terminal(args, columns=80, interrupt_after=None, timeout=60):
    """Run args with stdout on a pseudo-terminal of the given width; returns (status, what the
    terminal got, stderr). With interrupt_after, send SIGINT that many seconds in."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    proc = subprocess.Popen(args, stdout=slave, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    os.close(slave)
    out, start, sent = b"", time.monotonic(), False
    while time.monotonic() - start < timeout:
        ready, _, _ = select.select([master], [], [], 0.05)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            out += data
        elif proc.poll() is not None:
            break
        if interrupt_after is not None and not sent and time.monotonic() - start > interrupt_after:
            proc.send_signal(signal.SIGINT)
            sent = True
    os.close(master)
    status = proc.wait(10)
    err = proc.stderr.read().decode()
    proc.stderr.close()
    return status, out.decode(errors="replace"), err


class TestWaitOutput(DaemonTest):
    """submit --wait: a line per run off a terminal, a readable progress line on one."""

    def test_one_line_per_run_off_a_terminal(self):
        d = self.daemon()
        plan = self.plan("cw.yaml", COLD_WARM)
        r = d.ctl("submit", plan, "--wait")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        lines = r.stdout.splitlines()
        runs = [x for x in lines if x.startswith("run ")]
        # A probe per condition (their commands are the same: one), a warm-up, six measured.
        total = len(d.query("SELECT id FROM runs"))
        self.assertEqual(len(runs), total, r.stdout)
        self.assertEqual(lines[0], "plan 1 queued: cold-warm (2 conditions, %d runs)" % total)
        self.assertNotIn("stage at", r.stdout)
        self.assertNotRegex(r.stdout, r"(?m)^run .* started")
        for line in runs:
            self.assertRegex(line, r"^run \d+/%d (cold|warm) (probe|warmup|measured) ok: "
                                   r"import_torch 5\.29 s, total \d+\.\d\d s" % total)
        measured = [x for x in runs if " measured " in x]
        self.assertEqual(len(measured), 6)
        for line in measured:
            self.assertRegex(line, r", \d+\.\d% cached before$")
        self.assertIn("plan 1 done: %d/%d runs ok" % (total, total), lines)
        # The answer follows: the summary's cold-versus-warm lines and where to read more.
        self.assertIn("cold vs warm: medians, their difference, the 95% CI for the shift "
                      "(Hodges-Lehmann/Moses), Mann-Whitney p", lines)
        self.assertTrue(any(re.match(r"  import_torch +cold 5\.29 s vs warm 5\.29 s", x)
                            for x in lines), r.stdout)
        self.assertEqual(lines[-1], "more: benchctl summary 1; benchctl report 1 -o report.html")

        verbose = d.ctl("submit", plan, "--wait", "--verbose")
        self.assertEqual(verbose.returncode, 0, verbose.stderr)
        self.assertEqual(verbose.stdout.count("stage at"), d.query(
            "SELECT count(*) AS n FROM events e JOIN runs r ON r.id = e.run_id "
            "WHERE r.plan_id = 2")[0]["n"])
        self.assertEqual(len(re.findall(r"(?m)^run \S+ \S+ \S+ started", verbose.stdout)),
                         total)

        quiet = d.ctl("submit", plan, "--wait", "--quiet")
        self.assertEqual(quiet.returncode, 0, quiet.stderr)
        self.assertEqual(quiet.stdout, "plan 3 queued: cold-warm (2 conditions, %d runs)\n"
                                       "plan 3 done: %d/%d runs ok\n" % (total, total, total))
        self.assertEqual(d.ctl("submit", plan, "--quiet", "--verbose").returncode, 2)

    def test_a_failed_run_says_why_on_its_line(self):
        d = self.daemon()
        plan = self.plan("fail.yaml", """\
name: fails
python: @PYTHON@
script: @SEEDLOG@
conditions:
  - {name: bad, cache: none, runs: 1, args: [--exit, "3"]}
""")
        r = d.ctl("submit", plan, "--wait")
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stdout, r"\nrun 1/1 bad measured failed \(exit 3\): import_torch 5\.29 "
                                   r"s, total \d+\.\d\d s: .*failing on purpose")

    def test_progress_line_at_80_columns(self):
        d = self.daemon()
        plan = self.plan("slow.yaml", SLOW)
        status, out, err = on_terminal([BENCHCTL, "--socket", d.socket, "--db", d.db, "submit",
                                        plan, "--wait"])
        self.assertEqual(status, 0, out + err)
        drawn = [ANSI.sub("", x) for x in out.replace("\r\n", "\n").split("\r")]
        stages = [x for x in drawn if "stage: " in x]
        self.assertTrue(stages, out)
        for line in drawn:
            for part in line.split("\n"):
                self.assertLessEqual(len(part), 79, part)
        # The stage's name stays readable, with the bar and the percentage beside it.
        self.assertTrue(any("stage: Import Torch Done" in x for x in stages), stages)
        self.assertTrue(any(re.search(r"plan 1 cold run 2/3 \[#+-*\] \d+%  stage: ", x)
                            for x in stages), stages)

    def test_interrupt_says_the_plan_goes_on(self):
        d = self.daemon()
        plan = self.plan("slow.yaml", SLOW)
        status, out, err = on_terminal([BENCHCTL, "--socket", d.socket, "submit", plan, "--wait"],
                                       interrupt_after=1.0)
        self.assertEqual(status, -signal.SIGINT, out + err)
        self.assertEqual(err, "benchctl: plan 1 continues; `benchctl cancel 1` stops it\n")
        self.assertTrue(out.endswith("\r\n") or out.endswith("\n"), repr(out[-80:]))
        self.assertIn(d.status()["current"]["plan_id"], (1,))


class TestStatusAndPapercuts(DaemonTest):
    """The cache in status; stdin, options, the daemon's database; watch, cancel, parse-log."""

    def test_status_shows_the_cache_before_runs(self):
        d = self.daemon()
        plan = self.plan("slow.yaml", SLOW.replace("runs: 2", "runs: 3"))
        self.assertEqual(d.ctl("submit", plan).returncode, 0)
        cur = d.wait_for(lambda: (d.status()["current"] or {}).get("kind") == "measured" and
                         d.status()["current"], what="a measured run in flight")
        self.assertEqual(cur["cache"], "cold")
        text = d.ctl("status").stdout
        self.assertRegex(text, r"running: plan 1 \"slow\", condition cold \(measured\), run \d of "
                               r"4, .*, \d+\.\d% cached before \(cold: (ok|over 5%)\)\n")
        d.wait_for(lambda: d.status()["last"] and d.status()["last"]["kind"] == "measured",
                   what="a measured run ended")
        last = d.status()["last"]
        self.assertIsInstance(last["resident_before_pct"], float)
        self.assertEqual(last["cache"], "cold")
        self.assertRegex(d.ctl("status").stdout, r"last: +run \d+ \(plan 1, cold\) ok in "
                                                 r"\d+\.\d\d s, \d+\.\d% cached before "
                                                 r"\(cold: (ok|over 5%)\)\n")
        self.assertIn("paused:", d.ctl("status").stdout + "paused:")

    def test_plan_on_stdin(self):
        d = self.daemon()
        sub = os.path.join(self.folder, "work")
        os.mkdir(sub)
        with open(os.path.join(sub, "child.py"), "w") as f:
            f.write('print("[0.100s] Import Torch Done, Time Spent: 0.100s")\n')
        text = ("name: from-stdin\npython: %s\nscript: child.py\n"
                "conditions:\n  - {name: a, cache: none, runs: 1}\n" % PYTHON)
        r = subprocess.run([BENCHCTL, "--socket", d.socket, "submit", "-", "--wait", "--quiet"],
                           input=text, capture_output=True, text=True, cwd=sub, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + d.log())
        row = d.query("SELECT source_path, yaml FROM plans")[0]
        self.assertEqual(row["source_path"], os.path.join(sub, "<stdin>"))
        self.assertEqual(row["yaml"], text)
        bad = subprocess.run([BENCHCTL, "--socket", d.socket, "submit", "-"],
                             input="name: x\nscript: nope.py\nconditions:\n"
                                   "  - {name: a, cache: none, runs: 1}\n",
                             capture_output=True, text=True, cwd=sub)
        self.assertEqual(bad.returncode, 1)
        self.assertIn(os.path.join(sub, "<stdin>") + ":2:9:", bad.stderr)

    def test_global_options_after_the_command(self):
        d = self.daemon()
        r = subprocess.run([BENCHCTL, "status", "--json", "--socket", d.socket],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["daemon"]["pid"], d.proc.pid)
        r = subprocess.run([BENCHCTL, "plans", "--db=" + d.db], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("no plans in %s yet" % d.db, r.stdout)

    def test_named_socket_leads_to_the_daemons_database(self):
        d = self.daemon()
        self.assertEqual(d.ctl("submit", self.plan("cw.yaml", COLD_WARM), "--wait",
                               "--quiet").returncode, 0)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BENCHD_", "XDG_"))}
        env["HOME"] = self.folder          # the default database would be under it: not there
        env["BENCHD_SOCKET"] = d.socket
        for args in (["plans"], ["summary", "--json"], ["runs", "1", "--csv"]):
            r = subprocess.run([BENCHCTL] + args, capture_output=True, text=True, env=env)
            self.assertEqual(r.returncode, 0, (args, r.stderr))
        self.assertIn("cold-warm", subprocess.run([BENCHCTL, "plans"], capture_output=True,
                                                  text=True, env=env).stdout)
        # --socket on the command line leads there too; $BENCHD_DB and --db still win.
        del env["BENCHD_SOCKET"]
        r = subprocess.run([BENCHCTL, "--socket", d.socket, "plans"], capture_output=True,
                           text=True, env=env)
        self.assertIn("cold-warm", r.stdout)
        env["BENCHD_DB"] = os.path.join(self.folder, "other.db")
        r = subprocess.run([BENCHCTL, "--socket", d.socket, "plans"], capture_output=True,
                           text=True, env=env)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no database at " + env["BENCHD_DB"], r.stderr)

    def test_watch_when_idle_says_so(self):
        d = self.daemon()
        proc = subprocess.Popen([BENCHCTL, "--socket", d.socket, "watch"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            line = proc.stdout.readline()
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(10)
            proc.stdout.close()
            proc.stderr.close()
        self.assertEqual(line, "benchd is idle: no plan is running or queued; waiting for one "
                               "to be submitted (^C stops watching)\n")

    def test_cancel_twice(self):
        d = self.daemon()
        plan = self.plan("hang.yaml", """\
name: hangs
python: @PYTHON@
script: @SEEDLOG@
conditions:
  - {name: hang, cache: none, runs: 2, args: [--hang]}
""")
        self.assertEqual(d.ctl("submit", plan).returncode, 0)
        first = d.ctl("cancel", "1")
        self.assertEqual(first.returncode, 0, first.stderr)
        again = d.ctl("cancel", "1")
        self.assertEqual((again.returncode, again.stdout, again.stderr),
                         (0, "plan 1 was cancelled already\n", ""))

    def test_parse_log_says_what_it_reads(self):
        r = subprocess.run([BENCHCTL, "parse-log", "-"], input="hello\nworld\n",
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0)
        self.assertEqual(json.loads(r.stdout)["stages"], [])
        self.assertIn("no stage lines in stdin: benchd reads lines such as \"[5.295s] Import "
                      "Torch Done, Time Spent: 5.295s\"", r.stderr)


if __name__ == "__main__":
    unittest.main()
