"""parselog.py: the daemon's own stage-log parser (`benchctl parse-log`), for the python/ tests."""
import json
import os
import subprocess
import tempfile


def parse_log(test, text):
    """Return benchctl parse-log's JSON for text, skipping the test when $BENCHCTL is not set."""
    benchctl = os.environ.get("BENCHCTL")
    if not benchctl:
        test.skipTest("BENCHCTL is not set (path of the built benchctl)")
    with tempfile.NamedTemporaryFile("w", suffix=".stdout") as f:
        f.write(text)
        f.flush()
        proc = subprocess.run([benchctl, "parse-log", f.name], capture_output=True, text=True)
    test.assertEqual(proc.returncode, 0, "benchctl parse-log failed: %s" % proc.stderr)
    try:
        return json.loads(proc.stdout)
    except ValueError:
        pass
    test.fail("%s parse-log printed no JSON (%r): is parse-log in this benchctl?" % (benchctl, proc.stdout[:200]))
