"""What the report's runners share: test hosts (tests/netns/hosts), processes
started on them, and small statistics. Runners run inside tests/netns/isolated
(the make rules start them there), so nothing here reaches a real interface.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HOSTS = os.path.join(ROOT, "tests", "netns", "hosts")
# A fixed UUID tail: go-micro's dialect wants node ids ending in one.
UUID = "6a1b2c3d-1111-4222-8333-944455556666"


def require_isolated(runner):
    if os.environ.get("MICROREG_ISOLATED") != "1":
        sys.exit(f"{runner}: run me inside tests/netns/isolated (make report-...)")


def log(message):
    print(message, file=sys.stderr, flush=True)


def median(values):
    v = sorted(values)
    return v[(len(v) - 1) // 2] if v else None


def percentile(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, round((len(v) - 1) * p))] if v else None


class Process:
    """A process on a test host (host None: beside the hosts, in the isolated
    namespace itself), its output in a file (no pipe to fill up)."""

    def __init__(self, host, argv, env=None):
        self.out = tempfile.NamedTemporaryFile(prefix="report-", suffix=".out", delete=False)
        command = ([] if host is None else [HOSTS, "exec", str(host)]) \
            + ([] if env is None else ["env"] + [f"{k}={v}" for k, v in env.items()]) + list(argv)
        self.popen = subprocess.Popen(command, stdout=self.out, stderr=subprocess.STDOUT, cwd=ROOT,
                                      start_new_session=True)

    def text(self):
        with open(self.out.name, errors="replace") as f:
            return f.read()

    def wait_for(self, needle, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.text():
                return True
            if self.popen.poll() is not None:
                return needle in self.text()
            time.sleep(0.02)
        return False

    def kill(self, sig=signal.SIGKILL):
        try:
            os.killpg(self.popen.pid, sig)
        except ProcessLookupError:
            pass

    def stop(self):
        self.kill(signal.SIGTERM)
        try:
            self.popen.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()
            self.popen.wait()
        self.out.close()
        os.unlink(self.out.name)


class Hosts:
    """`with Hosts(3, "--loss", "5"):` test hosts 1..N for the block."""

    def __init__(self, count, *impairments):
        self.args = [str(count), *impairments]
        self.processes = []

    def __enter__(self):
        subprocess.run([HOSTS, "down"], cwd=ROOT, check=False, stdout=subprocess.DEVNULL)
        subprocess.run([HOSTS, "up", *self.args], cwd=ROOT, check=True)
        return self

    def start(self, host, argv, env=None):
        process = Process(host, argv, env)
        self.processes.append(process)
        return process

    def run(self, host, argv, timeout=60):
        """Runs a command on a host to its end: (wall seconds, stdout)."""
        start = time.monotonic()
        done = subprocess.run([HOSTS, "exec", str(host), *argv], cwd=ROOT, capture_output=True,
                              text=True, timeout=timeout)
        return time.monotonic() - start, done.stdout

    def __exit__(self, *exc):
        for p in self.processes:
            p.stop()
        subprocess.run([HOSTS, "down"], cwd=ROOT, check=False)
        return False
