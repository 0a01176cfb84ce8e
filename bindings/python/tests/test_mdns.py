"""The mdns backend across processes and hosts: Python <-> Python on two hosts,
Python <-> the Rust CLI, Python <-> python-zeroconf (standard DNS-SD).

Each test runs only inside tests/netns/isolated (it refuses elsewhere) and skips,
saying why, while `Registry(backend="mdns")` raises BackendError ("not part of
this build"). Hosts come from tests/netns/hosts: host I is 10.77.0.I on mr0.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid

import pytest

from conftest import REPO_ROOT, require_mdns

HOSTS = os.path.join(REPO_ROOT, "tests", "netns", "hosts")
PEERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers")
# Standard DNS-SD: the default domain "micro" publishes as _micro._tcp.local.,
# instance name = node id, TXT carries the service name and version (issue 3).
DNS_SD_TYPE = "_micro._tcp.local."
DNS_SD_SERVICE_KEY = "service"
DEADLINE = 20  # seconds; generous: this is about behaviour, not speed


@pytest.fixture(scope="module")
def hosts():
    require_mdns()
    subprocess.run([HOSTS, "up", "2"], check=True)
    try:
        yield
    finally:
        subprocess.run([HOSTS, "down"], check=False)


def on_host(host, *command, **popen):
    return subprocess.Popen([HOSTS, "exec", str(host), *command], text=True,
                            stdout=subprocess.PIPE, **popen)


def python_peer(host, *args, **popen):
    return on_host(host, sys.executable, os.path.join(PEERS, "mdns_peer.py"), *args, **popen)


def zeroconf_peer(host, *args, **popen):
    return on_host(host, sys.executable, os.path.join(PEERS, "zeroconf_peer.py"), *args, **popen)


def finish(proc, timeout=DEADLINE):
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        pytest.fail(f"peer {proc.args} did not finish; said {out!r}")
    return proc.returncode, out


def holding(proc):
    """Waits until a registering peer says it is ready."""
    line = proc.stdout.readline().strip()
    assert line == "ready", f"peer {proc.args} failed to register: {line!r}"
    return proc


def release(proc):
    """Lets a registering peer deregister and exit."""
    proc.stdin.close()
    try:
        proc.wait(timeout=DEADLINE)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail(f"peer {proc.args} did not exit after its stdin closed")


def test_two_processes_on_two_hosts(hosts):
    name, node_id = "twohosts", f"twohosts-{uuid.uuid4()}"
    registrar = holding(python_peer(1, "register", name, node_id, "10.77.0.1:8080", stdin=subprocess.PIPE))
    try:
        code, out = finish(python_peer(2, "find", name, node_id, str(DEADLINE)))
        assert code == 0, "host 2 never saw host 1's node"
        node = json.loads(out)
        assert node["address"] == "10.77.0.1:8080" and node["metadata"]["peer"] == "python"
        watcher = python_peer(2, "gone", name, node_id, str(DEADLINE))
        assert watcher.stdout.readline().strip() == "watching"
    finally:
        release(registrar)
    code, out = finish(watcher)
    assert code == 0 and out.strip() == "deleted", "host 2 saw no delete after host 1 deregistered"


def cli():
    path = os.environ.get("MICROREG_CLI") or os.path.join(REPO_ROOT, "target", "release", "microreg")
    if not (os.path.exists(path) or shutil.which(path)):
        pytest.skip(f"the microreg CLI is not built ({path}); make builds it")
    usage = subprocess.run([path, "--help"], capture_output=True, text=True).stdout
    if "register" not in usage or "get" not in usage:
        pytest.skip("this build's CLI has no register/get commands yet")
    return path


def test_python_and_cli_find_each_other(hosts):
    microreg_cli = cli()
    name, node_id = "clipeer", f"clipeer-{uuid.uuid4()}"
    registrar = holding(python_peer(1, "register", name, node_id, "10.77.0.1:8080", stdin=subprocess.PIPE))
    try:
        deadline, out = time.monotonic() + DEADLINE, ""
        while node_id not in out and time.monotonic() < deadline:
            out = on_host(2, microreg_cli, "--backend", "mdns", "--json", "get", name).communicate(timeout=DEADLINE)[0]
            time.sleep(0.1)
        assert node_id in out and "10.77.0.1:8080" in out, "the CLI never saw Python's node"
    finally:
        release(registrar)

    cli_name = "fromcli"  # the CLI picks its own node id: find any node
    registrar = on_host(2, microreg_cli, "--backend", "mdns", "register", cli_name,
                        "--address", "10.77.0.2:9090", "--ttl", "30s")
    try:
        code, out = finish(python_peer(1, "find", cli_name, "-", str(DEADLINE)))
        assert code == 0, "Python never saw the CLI's node"
        assert json.loads(out)["address"] == "10.77.0.2:9090"
    finally:
        registrar.send_signal(signal.SIGINT)
        finish(registrar)


def test_zeroconf_resolves_a_microreg_node(hosts):
    pytest.importorskip("zeroconf")
    name, node_id = "interop", f"interop-{uuid.uuid4()}"
    registrar = holding(python_peer(1, "register", name, node_id, "10.77.0.1:8081", stdin=subprocess.PIPE))
    try:
        code, out = finish(zeroconf_peer(2, "resolve", DNS_SD_TYPE, node_id, "10.77.0.2", str(DEADLINE)))
    finally:
        release(registrar)
    assert code == 0, "python-zeroconf never resolved microreg's node"
    info = json.loads(out)
    assert info["port"] == 8081 and "10.77.0.1" in info["addresses"]
    assert name in info["properties"].values()


def test_microreg_finds_a_zeroconf_service(hosts):
    pytest.importorskip("zeroconf")
    name, instance = "zcservice", f"zcnode-{uuid.uuid4().hex[:12]}"
    registrar = holding(zeroconf_peer(2, "register", DNS_SD_TYPE, instance, "10.77.0.2", "9091",
                                      f"{DNS_SD_SERVICE_KEY}={name}", "version=1.0.0", stdin=subprocess.PIPE))
    try:
        code, out = finish(python_peer(1, "find", name, instance, str(DEADLINE)))
    finally:
        release(registrar)
    assert code == 0, "microreg never saw python-zeroconf's service"
    assert json.loads(out)["address"] == "10.77.0.2:9091"


def test_fork_with_mdns(hosts):
    """A forked child makes its own mdns registry; the parent's node stays published."""
    from test_fork import run_in_child

    import microreg

    name, node_id = "forkmdns", f"forkmdns-{uuid.uuid4()}"
    with microreg.Registry(backend="mdns") as parent:
        parent.register(microreg.Service(name=name, version="1",
                                         nodes=[microreg.Node(id=node_id, address="127.0.0.1:7000")]))

        def child():
            try:
                parent.get_service(name)
                return "parent handle worked"
            except microreg.UsedAfterForkError:
                pass
            with microreg.Registry(backend="mdns") as fresh:
                mine = f"forkchild-{uuid.uuid4()}"
                fresh.register(microreg.Service(name="forkchild", version="1",
                                                nodes=[microreg.Node(id=mine, address="127.0.0.1:7001")]))
                return [n.id for n in fresh.get_service("forkchild")[0].nodes] == [mine]

        assert run_in_child(child) == {"ok": True}
        # The parent's node is still published after the child exited: another
        # process (on this namespace's loopback, like the parent) finds it.
        time.sleep(0.5)
        seen = subprocess.run([sys.executable, os.path.join(PEERS, "mdns_peer.py"), "find", name, node_id,
                               str(DEADLINE)], capture_output=True, text=True, timeout=DEADLINE + 10)
        assert seen.returncode == 0, "the parent's node vanished when the forked child exited"
