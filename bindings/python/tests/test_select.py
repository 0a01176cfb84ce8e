"""Registry.select / mark and AsyncRegistry.select / mark (memory backend): the
core's strategies, filters and marks through Python keywords."""

import asyncio
import collections
import threading

import pytest

import microreg
from conftest import unique


def greeter(name, version, nodes, endpoints=()):
    return microreg.Service(
        name=name,
        version=version,
        endpoints=[microreg.Endpoint(name=e) for e in endpoints],
        nodes=[microreg.Node(id=i, address=f"10.0.0.{n}:80", metadata=m) for n, (i, m) in enumerate(nodes, 1)],
    )


@pytest.fixture
def greeters(reg):
    name = unique("greeter")
    reg.register(greeter(name, "1.2.0", [("a", {"zone": "eu"}), ("b", {"zone": "us"})], ["Greeter.Hello"]))
    reg.register(greeter(name, "2.0.0", [("c", {"zone": "eu"})]))
    return name


def reachable(reg, name, **filters):
    return {reg.select(name, strategy="round_robin", **filters).id for _ in range(12)}


def test_select_returns_a_node_and_filters(reg, greeters):
    node = reg.select(greeters)
    assert isinstance(node, microreg.Node) and node.id in {"a", "b", "c"}
    assert node.address.startswith("10.0.0.")
    assert reachable(reg, greeters) == {"a", "b", "c"}
    assert reachable(reg, greeters, version="1.2.0") == {"a", "b"}
    assert reachable(reg, greeters, version="^2") == {"c"}
    assert reachable(reg, greeters, labels={"zone": "eu"}) == {"a", "c"}
    assert reachable(reg, greeters, endpoint="Greeter.Hello") == {"a", "b"}
    assert reachable(reg, greeters, version=">=1, <2", labels={"zone": "us"}) == {"b"}


def test_round_robin_is_fair_across_threads(reg, greeters):
    counts = collections.Counter()
    lock = threading.Lock()

    def pick():
        mine = collections.Counter(reg.select(greeters, strategy="round_robin").id for _ in range(300))
        with lock:
            counts.update(mine)

    threads = [threading.Thread(target=pick) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert counts == {"a": 800, "b": 800, "c": 800}


def test_marks_steer_selection(reg, greeters):
    reg.mark("a", ok=False)
    assert reachable(reg, greeters) == {"b", "c"}
    assert {reg.select(greeters, strategy="least_failed").id for _ in range(10)} == {"b", "c"}
    reg.mark("a", True)
    assert reachable(reg, greeters) == {"a", "b", "c"}
    # The only node left is returned even while it backs off.
    reg.mark("b", False)
    assert reachable(reg, greeters, labels={"zone": "us"}) == {"b"}


def test_errors(reg, greeters):
    with pytest.raises(microreg.NotFoundError, match=r"passes version \^3"):
        reg.select(greeters, version="^3")
    with pytest.raises(LookupError, match="nobody"):
        reg.select("nobody")
    with pytest.raises(microreg.InvalidArgumentError, match="unknown selection strategy"):
        reg.select(greeters, strategy="fastest")
    with pytest.raises(ValueError, match="semver range"):
        reg.select(greeters, version=">=x")
    with pytest.raises(microreg.InvalidArgumentError, match="service name is empty"):
        reg.select("")
    with pytest.raises(microreg.InvalidArgumentError, match="node id is empty"):
        reg.mark("", False)
    with pytest.raises(TypeError):
        reg.select(greeters, labels={"zone": 1})
    with pytest.raises(TypeError):
        reg.mark("a")
    assert reachable(reg, greeters) == {"a", "b", "c"}  # nothing disturbed


def test_async_select_and_mark(domain, greeters):
    async def main():
        async with microreg.AsyncRegistry(domain=domain) as areg:
            seen = {(await areg.select(greeters, strategy="round_robin")).id for _ in range(12)}
            assert seen == {"a", "b", "c"}
            areg.mark("c", ok=False)
            assert (await areg.select(greeters, labels={"zone": "eu"})).id == "a"
            with pytest.raises(microreg.NotFoundError, match="label zone=mars"):
                await areg.select(greeters, labels={"zone": "mars"})
            with pytest.raises(microreg.InvalidArgumentError):
                areg.select(greeters, strategy="best")

    asyncio.run(asyncio.wait_for(main(), timeout=30))
