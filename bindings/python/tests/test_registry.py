"""Registry on the memory backend: register, look up, list, deregister, domains,
lifetime, and bad arguments that leave registrations untouched."""

import gc
import time

import pytest

import microreg
from conftest import canonical, make_service, unique


def test_register_get_list_deregister(reg, domain):
    svc = make_service(name=unique("greeter"), nodes=3)
    reg.register(svc, ttl=30)
    found = reg.get_service(svc.name)
    assert len(found) == 1
    assert canonical(found) == canonical(svc)  # endpoints, metadata and all three nodes intact
    assert [s.name for s in reg.list_services()] == [svc.name]
    reg.deregister(svc)
    with pytest.raises(microreg.NotFoundError, match=svc.name):
        reg.get_service(svc.name)
    assert reg.list_services() == []


def test_one_entry_per_version(reg):
    name = unique("multi")
    v1, v2 = make_service(name=name, version="1"), make_service(name=name, version="2")
    reg.register(v1)
    reg.register(v2)
    assert sorted(s.version for s in reg.get_service(name)) == ["1", "2"]


def test_not_found_is_also_a_lookup_error(reg):
    with pytest.raises(LookupError):
        reg.get_service("nobody-serves-this")
    with pytest.raises(microreg.RegistryError):
        reg.get_service("nobody-serves-this")


def test_registration_outlives_its_ttl_while_kept(reg):
    svc = make_service(name=unique("kept"))
    reg.register(svc, ttl=0.3)
    time.sleep(1.0)  # several TTLs: the keeper re-registers
    assert reg.get_service(svc.name)[0].nodes == svc.nodes


def test_domains_and_wildcard(domain):
    other = domain + "x"
    svc = make_service(name=unique("dom"))
    with microreg.Registry(domain=domain) as a, microreg.Registry(domain=other) as b:
        assert a.domain == domain and a.backend == "memory"
        a.register(svc)
        with pytest.raises(microreg.NotFoundError):
            b.get_service(svc.name)
        assert a.get_service(svc.name, domain=domain)[0].nodes == svc.nodes
        seen = b.get_service(svc.name, domain=microreg.WILDCARD_DOMAIN)
        assert seen[0].nodes[0].metadata["domain"] == domain
        b.register(svc, domain=domain)  # an explicit domain beats the handle's
        b.deregister(svc, domain=domain)


def test_handles_share_the_process_memory_backend(domain):
    svc = make_service(name=unique("shared"))
    with microreg.Registry(domain=domain) as a:
        a.register(svc)
        with microreg.Registry(domain=domain) as b:
            assert b.get_service(svc.name)[0].nodes == svc.nodes


def test_close_and_drop_deregister(domain):
    svc1, svc2 = make_service(name=unique("closed")), make_service(name=unique("dropped"))
    observer = microreg.Registry(domain=domain)
    reg = microreg.Registry(domain=domain)
    reg.register(svc1)
    reg.close()
    reg.close()  # idempotent
    with pytest.raises(microreg.InvalidArgumentError, match="closed"):
        reg.get_service(svc1.name)
    with pytest.raises(microreg.NotFoundError):
        observer.get_service(svc1.name)

    reg = microreg.Registry(domain=domain)
    reg.register(svc2)
    del reg
    gc.collect()
    with pytest.raises(microreg.NotFoundError):
        observer.get_service(svc2.name)
    observer.close()


def test_context_manager_closes_and_repr(domain):
    with microreg.Registry(domain=domain) as reg:
        assert repr(reg) == f"Registry(backend='memory', domain='{domain}')"
        reg.register(make_service())
    with pytest.raises(microreg.InvalidArgumentError):
        reg.list_services()


@pytest.mark.parametrize(
    "change, error",
    [
        (lambda s: setattr(s.nodes[0], "address", "no-port"), microreg.InvalidArgumentError),
        (lambda s: setattr(s.nodes[0], "id", ""), microreg.InvalidArgumentError),
        (lambda s: setattr(s, "name", ""), microreg.InvalidArgumentError),
        (lambda s: setattr(s, "nodes", []), microreg.InvalidArgumentError),
        (lambda s: setattr(s.nodes[0], "address", "[::1]:99999"), microreg.InvalidArgumentError),
        (lambda s: s.nodes.append(42), TypeError),
        (lambda s: s.metadata.update({"k": None}), TypeError),
    ],
)
def test_bad_registrations_change_nothing(reg, change, error):
    good = make_service(name=unique("stable"))
    reg.register(good)
    bad = microreg.Service.from_dict(good.to_dict())
    bad.nodes = [microreg.Node(id=good.name + "-other", address="10.9.9.9:1")]
    change(bad)
    with pytest.raises(error):
        reg.register(bad)
    assert canonical(reg.get_service(good.name)) == canonical(good)


@pytest.mark.parametrize("ttl", [-1, float("nan"), float("inf")])
def test_bad_ttl(reg, ttl):
    with pytest.raises(microreg.InvalidArgumentError, match="ttl"):
        reg.register(make_service(), ttl=ttl)


def test_bad_arguments():
    with pytest.raises(microreg.InvalidArgumentError, match="unknown backend"):
        microreg.Registry(backend="zookeeper")
    with pytest.raises(microreg.InvalidArgumentError):
        microreg.Registry(domain="")
    with pytest.raises(microreg.InvalidArgumentError):
        microreg.Registry(domain="*")
    with pytest.raises(microreg.InvalidArgumentError):
        microreg.Registry(timeout=0)
    with pytest.raises(TypeError):
        microreg.Registry(interfaces="eth0")
    with microreg.Registry() as reg:
        with pytest.raises(TypeError):
            reg.register({"name": "x"})
        with pytest.raises(TypeError):
            reg.get_service(123)
        with pytest.raises(microreg.InvalidArgumentError):
            reg.register(make_service(), domain="*")
        with pytest.raises(microreg.InvalidArgumentError):
            reg.get_service("")


def test_further_options_name_config_fields():
    with microreg.Registry(timeout_ms=1234, cache_ttl_ms=5000) as reg:
        assert reg.backend == "memory"
        assert (reg.config["timeout_ms"], reg.config["cache_ttl_ms"]) == (1234, 5000)
    with pytest.raises(microreg.InvalidArgumentError, match="unknown field"):
        microreg.Registry(no_such_option=True)
    # A setting of another backend names the chosen one and what it takes.
    with pytest.raises(microreg.InvalidArgumentError, match="unknown field `addresses`.*mdns backend"):
        microreg.Registry(backend="mdns", interfaces=["lo"], addresses=["127.0.0.1:2379"])
    with pytest.raises(microreg.InvalidArgumentError):
        microreg.Registry(timeout_ms="soon")


def test_unavailable_backend_says_so():
    # etcd arrives later; until then the error names it plainly.
    try:
        microreg.Registry(backend="etcd").close()
    except microreg.BackendError as error:
        assert "etcd" in str(error)
