"""Shared helpers of microreg's Python tests.

Memory-backend tests run anywhere. Tests that open network sockets (the mdns
backend, python-zeroconf) refuse to run unless every interface of this network
namespace is `lo` or starts with `mr` (tests/netns/isolated, tests/netns/hosts).
"""

import os
import uuid

import pytest

import microreg

# Tests run on the memory backend unless they name another: go-micro's
# MICRO_REGISTRY chooses the backend of a Registry() that names none (the
# default is mdns, which needs the network namespace). test_config.py clears
# these to see the defaults. Subprocesses of the tests inherit them.
os.environ["MICRO_REGISTRY"] = "memory"
for _name in ("MICRO_REGISTRY_ADDRESS", "ETCD_USERNAME", "ETCD_PASSWORD"):
    os.environ.pop(_name, None)

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def make_service(name: str = "greeter", version: str = "1.0.0", nodes: int = 1, port: int = 8080):
    return microreg.Service(
        name=name,
        version=version,
        metadata={"team": "core"},
        endpoints=[
            microreg.Endpoint(
                name="Greeter.Hello",
                request=microreg.Value(
                    name="Request", type="Request", values=[microreg.Value(name="name", type="string")]
                ),
                response=microreg.Value(name="Response", type="Response"),
                metadata={"stream": "false"},
            )
        ],
        nodes=[
            microreg.Node(id=f"{name}-{uuid.uuid4()}", address=f"10.0.0.{i + 1}:{port}", metadata={"zone": "a"})
            for i in range(nodes)
        ],
    )


@pytest.fixture
def domain() -> str:
    # The memory backend is shared by the whole process: a domain per test keeps
    # tests from seeing each other's registrations.
    return "t" + uuid.uuid4().hex[:16]


@pytest.fixture
def reg(domain):
    with microreg.Registry(backend="memory", domain=domain) as registry:
        yield registry


def network_isolated() -> bool:
    with open("/proc/self/net/dev") as f:
        names = [line.split(":")[0].strip() for line in f.readlines()[2:]]
    return all(name == "lo" or name.startswith("mr") for name in names)


def require_isolated_network():
    """Refuses (skips, or fails under `make test`) unless the network is private."""
    if network_isolated():
        return
    message = "refusing to open network sockets outside a private namespace: run inside tests/netns/isolated"
    if os.environ.get("MICROREG_ISOLATED") == "1":
        pytest.fail(message)
    pytest.skip(message)


def require_mdns():
    """Skips, saying why, while the mdns backend is not part of this build."""
    require_isolated_network()
    try:
        probe = microreg.Registry(backend="mdns", domain="probe")
    except microreg.BackendError as error:
        pytest.skip(f"mdns backend unavailable in this build: {error}")
    probe.close()


def canonical(services):
    """Services as dicts with nodes in id order (the backend keeps its own order)."""
    if isinstance(services, microreg.Service):
        services = [services]
    out = []
    for service in services:
        d = service.to_dict()
        d["nodes"].sort(key=lambda n: n["id"])
        out.append(d)
    return out
