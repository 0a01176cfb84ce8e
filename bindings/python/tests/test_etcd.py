"""The etcd backend from Python, on the throwaway etcd that tests/etcd/with-etcd
starts (`make test-etcd`); skipped without one."""

import os
import subprocess
import time

import pytest

import microreg
from conftest import make_service, unique

ETCD = os.environ.get("MICROREG_TEST_ETCD")
pytestmark = pytest.mark.skipif(not ETCD, reason="no test etcd: run `make test-etcd`")


def etcd_registry(**options):
    return microreg.Registry(backend="etcd", addresses=[ETCD], **options)


def etcd_keys(prefix):
    env = dict(os.environ, ETCDCTL_ENDPOINTS=ETCD)
    out = subprocess.run(
        ["etcdctl", "get", "--prefix", "--keys-only", prefix], env=env, capture_output=True, text=True, check=True
    )
    return [line for line in out.stdout.splitlines() if line]


def assert_soon_not_found(registry, name, within=10.0):
    deadline = time.monotonic() + within
    while True:
        try:
            found = registry.get_service(name)
        except microreg.NotFoundError:
            return
        assert time.monotonic() < deadline, f"{name} still found: {found}"
        time.sleep(0.05)


def test_two_registries_meet_through_etcd():
    svc = make_service(name=unique("py-etcd"), nodes=2)
    with etcd_registry() as writer, etcd_registry() as reader:
        assert writer.backend == "etcd"
        with reader.watch(svc.name) as watch:
            writer.register(svc, ttl=10)
            created = {watch.next(timeout=10).service.nodes[0].id for _ in svc.nodes}
            assert created == {node.id for node in svc.nodes}
            found = reader.get_service(svc.name)
            assert found[0].endpoints == svc.endpoints
            assert sorted(n.id for n in found[0].nodes) == sorted(n.id for n in svc.nodes)
            assert svc.name in [s.name for s in reader.list_services()]
            # go-micro's layout: one key per node under /micro/registry/<service>/.
            assert sorted(etcd_keys(f"/micro/registry/{svc.name}/")) == sorted(
                f"/micro/registry/{svc.name}/{node.id}" for node in svc.nodes
            )
            writer.deregister(svc)
            deleted = [watch.next(timeout=10) for _ in svc.nodes]
            assert {e.action for e in deleted} == {"delete"}
        # The reader's cache follows etcd through a watch of its own, which may
        # deliver the deletes a moment after the watch above did.
        assert_soon_not_found(reader, svc.name)
    assert etcd_keys(f"/micro/registry/{svc.name}/") == []


def test_an_unreachable_etcd_is_a_clear_error():
    # Nothing listens on port 1.
    with pytest.raises(microreg.RegistryError):
        with microreg.Registry(backend="etcd", addresses=["127.0.0.1:1"], timeout=1.0) as reg:
            reg.get_service("anything")
