"""sshd.py: a real OpenSSH server on localhost for benchctl --host and pull: its own host key, config and keys.

Each login made with add_login() is a key of its own whose authorized_keys line sets the environment of what
it runs (environment="BENCHD_SOCKET=...", PermitUserEnvironment for BENCHD_* and PATH only): one login per
"device", each device's benchctl finding its own benchd the way it always does, from its environment. An
ssh_config gives each login a Host alias, as a user's ~/.ssh/config does; benchctl reaches it through
BENCHD_SSH="ssh -F that-config". The server runs as root (it must, to log in as root) on a free port.
"""
import os
import shutil
import socket
import subprocess
import time

SSHD = "/usr/sbin/sshd"


def unavailable():
    """Why a test sshd cannot run here, or None."""
    if os.geteuid() != 0:
        return "the test sshd runs as root (it logs in as root)"
    for prog in (SSHD, shutil.which("ssh"), shutil.which("ssh-keygen")):
        if prog is None or not os.access(prog, os.X_OK):
            return "OpenSSH is not installed (scripts/setup.sh --test installs openssh-server)"
    return None


def free_port():
    """A TCP port nothing listens on now."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Sshd:
    """One sshd on 127.0.0.1 with its own folder, and the ssh_config that reaches its logins."""

    def __init__(self, folder):
        self.folder = folder
        os.makedirs(folder, mode=0o700, exist_ok=True)
        self.port = free_port()
        self.config = os.path.join(folder, "sshd_config")
        self.ssh_config = os.path.join(folder, "ssh_config")
        self.auth_keys = os.path.join(folder, "authorized_keys")
        self.host_key = os.path.join(folder, "host_key")
        self.log_path = os.path.join(folder, "sshd.log")
        self.proc = None
        self.logins = []
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", self.host_key],
                       check=True)
        with open(self.host_key + ".pub") as f:
            pub = f.read().split()
        with open(os.path.join(folder, "known_hosts"), "w") as f:
            f.write("benchd-test-sshd %s %s\n" % (pub[0], pub[1]))
        open(self.auth_keys, "w").close()
        open(self.ssh_config, "w").close()

    def add_login(self, alias, env, port=None):
        """A key for alias whose logins get env; its Host block (port: another, to reach nothing)."""
        key = os.path.join(self.folder, "key-" + alias)
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
        with open(key + ".pub") as f:
            pub = " ".join(f.read().split()[:2])
        opts = ",".join('environment="%s=%s"' % kv for kv in sorted(env.items()))
        with open(self.auth_keys, "a") as f:
            f.write("%s %s\n" % (opts, pub) if opts else pub + "\n")
        with open(self.ssh_config, "a") as f:
            f.write("Host %s\n  HostName 127.0.0.1\n  Port %d\n  User %s\n  IdentityFile %s\n"
                    "  IdentitiesOnly yes\n  HostKeyAlias benchd-test-sshd\n"
                    "  UserKnownHostsFile %s\n  StrictHostKeyChecking yes\n  BatchMode yes\n"
                    "  ConnectTimeout 5\n  LogLevel ERROR\n\n"
                    % (alias, port or self.port, os.environ.get("USER", "root") if os.geteuid()
                       else "root", key, os.path.join(self.folder, "known_hosts")))
        self.logins.append(alias)
        return alias

    def start(self):
        """Write sshd_config, start sshd in the foreground, and wait until it accepts."""
        with open(self.config, "w") as f:
            f.write("Port %d\nListenAddress 127.0.0.1\nHostKey %s\nPidFile none\n"
                    "AuthorizedKeysFile %s\nPubkeyAuthentication yes\nPasswordAuthentication no\n"
                    "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
                    "PermitRootLogin prohibit-password\nPermitUserEnvironment BENCHD_*,PATH\n"
                    "AllowUsers root\nMaxStartups 100:30:200\nMaxSessions 50\nLogLevel ERROR\n"
                    % (self.port, self.host_key, self.auth_keys))
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)   # privilege separation
        check = subprocess.run([SSHD, "-t", "-f", self.config], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError("sshd -t: " + check.stderr)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([SSHD, "-D", "-e", "-f", self.config], stdout=log,
                                     stderr=log, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("sshd exited at start: " + self.log())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("sshd did not listen in 10 s: " + self.log())

    def stop(self):
        """Stop sshd (its sessions end with it)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def log(self):
        """What sshd has logged."""
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def env(self, **extra):
        """An environment in which benchctl's ssh reaches these logins."""
        env = dict(os.environ)
        for k in list(env):
            if k.startswith("BENCHD_"):
                del env[k]
        env["BENCHD_SSH"] = "ssh -F %s" % self.ssh_config
        env.update(extra)
        return env
