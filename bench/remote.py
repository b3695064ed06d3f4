#!/usr/bin/python3
"""remote.py: what driving a device through ssh costs: `benchctl status` with --host against the same daemon's
status through its socket, a run's launch stage submitted through ssh against submitted here, and a pull.

One benchd stands for the device, reached through the test's sshd on localhost (tests/integration/sshd.py: its
own host key and config, a login whose authorized_keys line says where benchd is). Figures:
  status      wall time of the whole benchctl process, alternating: local (--socket), --host through a new ssh
              connection each time, and --host through an OpenSSH master connection (ControlMaster auto,
              ControlPersist): what ~/.ssh/config can make of it; and, for what ssh itself costs, `ssh HOST true`
              both ways (its login shell's start included: this machine's root runs pyenv init in .bashrc)
  launch      the launch stage benchd records (spawn to the child's "start time:") of one-run plans (cache: none,
              bench/child_launch.py), submitted alternately with `benchctl submit --wait` here, with
              `benchctl --host dev submit --wait` (its events relayed through ssh as the child starts), and with
              `benchctl --host dev submit` then waiting here for the plan's end: the child is spawned by the
              device's benchd every way; each plan runs a 0.5 s pause first, so that the child starts after
              the submitting ssh session has settled (here its client and server share the CPUs)
  pull        `benchctl pull` of a database holding one plan of PLAN_RUNS measured runs made by bench_gendb
              (the whole plan, into a new database of pulled plans each time), then a pull that finds nothing new;
              and both without ssh (BENCHD_SSH a script that runs the command here): what pull itself costs
Needs root (sshd) and OpenSSH's server (scripts/setup.sh --test).
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import benchlib
from benchlib import BENCHCTL, PYTHON, log, median, quartiles

sys.path.insert(0, os.path.join(benchlib.SOURCE_DIR, "tests", "integration"))
import sshd as sshd_mod  # noqa: E402

CHILD = os.path.join(benchlib.HERE, "child_launch.py")
SEEDS = os.path.join(benchlib.SOURCE_DIR, "tests", "fixtures", "seed-logs")

# A pause of 0.5 s first, so that the measured run starts once the submitting ssh session has settled (or
# ended, without --wait): on this machine its client and server share the two CPUs with the child.
PLAN = """name: launch-{i}
python: {python}
script: {child}
order: blocked
timeout: 30
conditions:
  - name: pause
    cache: none
    script: {pause}
    runs: 1
  - name: launch
    cache: none
    runs: 1
"""
PAUSE = "import time\nprint('start time: %.6f' % time.time(), flush=True)\ntime.sleep(0.5)\n"


def timed(argv, env):
    """Wall seconds of one command, which must succeed."""
    t = time.perf_counter()
    r = subprocess.run(argv, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL)
    dt = time.perf_counter() - t
    if r.returncode != 0:
        raise RuntimeError("%s: exit %d: %s%s" % (" ".join(argv), r.returncode, r.stdout, r.stderr))
    return dt


def summary(xs, scale=1e3):
    """Median and quartiles, in ms by default."""
    q1, q3 = quartiles(xs)
    return {"n": len(xs), "median": median(xs) * scale, "q1": q1 * scale if q1 is not None else None,
            "q3": q3 * scale if q3 is not None else None}


def pulls(here, n, env):
    """n pulls of "big" into a new database of pulled plans beside here, each then pulled again: seconds."""
    first, again = [], []
    pulled = here.replace(".db", ".pulled.db")
    for _ in range(n):
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(pulled + suffix):
                os.unlink(pulled + suffix)
        first.append(timed([BENCHCTL, "--db", here, "pull", "big"], env))
        again.append(timed([BENCHCTL, "--db", here, "pull", "big"], env))
    return {"first": summary(first, 1), "again": summary(again, 1)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--status", type=int, default=30, help="status calls of each way (default 30)")
    ap.add_argument("--launch", type=int, default=20, help="one-run plans of each way (default 20)")
    ap.add_argument("--pulls", type=int, default=5, help="pulls of the big plan (default 5)")
    ap.add_argument("--plan-runs", type=int, default=1000, help="measured runs of the pulled plan")
    ap.add_argument("--json", help="write the figures here")
    a = ap.parse_args()
    why = sshd_mod.unavailable()
    if why is not None:
        log("remote.py: " + why)
        return 1

    res = {"loadavg_before": benchlib.loadavg()}
    folder = tempfile.mkdtemp(prefix="benchd-remote-bench.")
    os.chmod(folder, 0o700)
    d = benchlib.Daemon()
    sshd = sshd_mod.Sshd(os.path.join(folder, "sshd"))
    try:
        path = os.path.dirname(BENCHCTL) + ":/usr/bin:/bin"
        sshd.add_login("dev", {"BENCHD_SOCKET": d.socket, "BENCHD_DB": d.db, "PATH": path})
        big = os.path.join(folder, "big.db")
        sshd.add_login("big", {"BENCHD_SOCKET": os.path.join(folder, "none.sock"), "BENCHD_DB": big,
                               "PATH": path})
        with open(sshd.ssh_config, "a") as f:
            f.write("Host devmux\n  HostName 127.0.0.1\n  Port %d\n  User root\n  IdentityFile %s\n"
                    "  IdentitiesOnly yes\n  HostKeyAlias benchd-test-sshd\n  UserKnownHostsFile %s\n"
                    "  BatchMode yes\n  ControlMaster auto\n  ControlPath %s/mux-%%C\n"
                    "  ControlPersist 120\n\n"
                    % (sshd.port, os.path.join(sshd.folder, "key-dev"),
                       os.path.join(sshd.folder, "known_hosts"), sshd.folder))
        sshd.start()
        env = sshd.env()
        here = os.path.join(folder, "here", "bench.db")
        os.makedirs(os.path.dirname(here), mode=0o700)

        # status: local, through ssh, through a master connection; alternating.
        ssh = ["ssh", "-F", sshd.ssh_config]
        ways = {"local": [BENCHCTL, "--socket", d.socket, "status"],
                "ssh": [BENCHCTL, "--host", "dev", "status"],
                "ssh_master": [BENCHCTL, "--host", "devmux", "status"],
                "ssh_true": ssh + ["-T", "dev", "true"],
                "ssh_master_true": ssh + ["-T", "devmux", "true"]}
        timed(ways["ssh_master"], env)          # the master connection, made once
        st = {k: [] for k in ways}
        for _ in range(a.status):
            for k, argv in ways.items():
                st[k].append(timed(argv, env))
        res["status_ms"] = {k: summary(v) for k, v in st.items()}
        log("status: " + ", ".join("%s %.1f ms" % (k, v["median"]) for k, v in res["status_ms"].items()))

        # launch: one-run plans submitted here and through ssh, alternating.
        plan = os.path.join(folder, "launch.yaml")
        with open(os.path.join(folder, "pause.py"), "w") as f:
            f.write(PAUSE)
        with open(plan, "w") as f:
            f.write(PLAN.format(i=0, python=PYTHON, child=CHILD, pause=os.path.join(folder, "pause.py")))
        ids = {"local": [], "ssh": [], "ssh_nowait": []}
        submit = {"local": [BENCHCTL, "--socket", d.socket, "submit", plan, "--wait", "--quiet"],
                  "ssh": [BENCHCTL, "--host", "dev", "submit", plan, "--dir", folder, "--wait", "--quiet"],
                  "ssh_nowait": [BENCHCTL, "--host", "dev", "submit", plan, "--dir", folder]}
        n = 0
        for _ in range(a.launch):
            for k in ids:
                timed(submit[k], env)
                n += 1
                ids[k].append(n)
                while d.query("SELECT state FROM plans WHERE id = ?", n)[0]["state"] in ("queued",
                                                                                      "running"):
                    time.sleep(0.02)
        launch = {}
        for k, plan_ids in ids.items():
            rows = d.query("SELECT s.duration_s FROM stages s JOIN runs r ON r.id = s.run_id WHERE "
                           "s.name = 'launch' AND r.kind = 'measured' AND r.condition = 'launch' AND r.plan_id IN (%s)"
                           % ",".join(map(str, plan_ids)))
            launch[k] = [r["duration_s"] * 1e3 for r in rows]
        res["launch_ms"] = {k: summary(v, 1) for k, v in launch.items()}
        res["launch_ms"]["ssh_minus_local"] = res["launch_ms"]["ssh"]["median"] - \
            res["launch_ms"]["local"]["median"]
        log("launch: " + ", ".join("%s %.2f ms" % (k, res["launch_ms"][k]["median"]) for k in ids))

        # pull: a plan of plan_runs measured runs, into a new database each time; then again, nothing new.
        gen = subprocess.run([os.path.join(benchlib.TOOLS, "bench_gendb"), big, str(a.plan_runs),
                              str(a.plan_runs), SEEDS], capture_output=True, text=True, check=True)
        res["pulled_db"] = {"bytes": os.path.getsize(big), "gendb": gen.stdout.strip()}
        res["pull_s"] = pulls(here, a.pulls, env)
        # The same without ssh: a stand-in that runs the device's command here, in its environment.
        fake = os.path.join(folder, "no-ssh")
        with open(fake, "w") as f:
            f.write('#!/bin/sh\n# called as: no-ssh -T -- HOST COMMAND\nshift 3\nexec sh -c "$1"\n')
        os.chmod(fake, 0o755)
        fenv = dict(env, BENCHD_SSH=fake, BENCHD_DB=big, BENCHD_SOCKET=os.path.join(folder, "none.sock"),
                    PATH=path)
        res["pull_no_ssh_s"] = pulls(here, a.pulls, fenv)
        snap = os.path.join(folder, "snapshot")
        with open(snap, "wb") as out:
            subprocess.run([BENCHCTL, "--db", big, "snapshot"], stdout=out, check=True)
        res["pulled_db"]["snapshot_bytes"] = os.path.getsize(snap)
        runs = subprocess.run([BENCHCTL, "--db", here, "runs", "big/1", "--csv"], capture_output=True,
                              text=True, env=env, check=True).stdout.count("\n") - 1
        res["pull_runs"] = runs
        log("pull of %d runs: %.2f s; again: %.2f s; without ssh %.2f s and %.2f s"
            % (runs, res["pull_s"]["first"]["median"], res["pull_s"]["again"]["median"],
               res["pull_no_ssh_s"]["first"]["median"], res["pull_no_ssh_s"]["again"]["median"]))
    finally:
        sshd.stop()
        subprocess.run(["ssh", "-F", sshd.ssh_config, "-O", "exit", "devmux"], capture_output=True)
        d.close()
        shutil.rmtree(folder, ignore_errors=True)
    res["loadavg_after"] = benchlib.loadavg()
    res["commands"] = ["benchctl --host HOST status", "benchctl --host HOST submit PLAN --dir DIR --wait --quiet",
                       "benchctl pull HOST"]
    benchlib.write_json(a.json, res)
    print(res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
