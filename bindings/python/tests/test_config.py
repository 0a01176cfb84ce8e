"""Python's defaults and go-micro's environment, through the Python face: the
core decides both, and Python passes every setting through."""

import pytest

import microreg

from conftest import make_service, network_isolated

GO_MICRO_ENV = ("MICRO_REGISTRY", "MICRO_REGISTRY_ADDRESS", "ETCD_USERNAME", "ETCD_PASSWORD")


@pytest.fixture
def no_env(monkeypatch):
    for name in GO_MICRO_ENV:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_defaults_are_the_cores(no_env):
    config = microreg.resolve_config()
    assert config["backend"] == "mdns"
    assert config["domain"] == "micro" == microreg.DEFAULT_DOMAIN
    assert config["register_ttl_ms"] == 90_000


@pytest.mark.skipif(not network_isolated(), reason="the mdns default opens sockets: run in tests/netns/isolated")
def test_a_registry_that_names_nothing_is_mdns_in_domain_micro_with_a_90s_ttl(no_env):
    with microreg.Registry() as reg:
        assert (reg.backend, reg.domain) == ("mdns", "micro")
        assert reg.config["register_ttl_ms"] == 90_000


def test_register_without_ttl_uses_the_registrys_default_and_zero_means_none(domain):
    # register_ttl=0: registrations that name no ttl get none; ttl=0: this one gets none.
    with microreg.Registry(backend="memory", domain=domain, register_ttl=0) as reg:
        assert reg.config["register_ttl_ms"] is None
        reg.register(make_service())
    with microreg.Registry(backend="memory", domain=domain, register_ttl=2.5) as reg:
        assert reg.config["register_ttl_ms"] == 2500
        svc = make_service()
        reg.register(svc, ttl=0)
        assert reg.get_service(svc.name)[0].nodes == svc.nodes


def test_micro_registry_chooses_the_backend_when_the_program_does_not(no_env):
    no_env.setenv("MICRO_REGISTRY", "memory")
    with microreg.Registry() as reg:
        assert reg.backend == "memory"
    no_env.setenv("MICRO_REGISTRY", "consul")
    with pytest.raises(microreg.InvalidArgumentError, match="MICRO_REGISTRY"):
        microreg.Registry()
    # The program's choice wins.
    with microreg.Registry(backend="memory") as reg:
        assert reg.backend == "memory"


def test_etcd_settings_come_from_the_environment_unless_given(no_env):
    no_env.setenv("MICRO_REGISTRY", "etcd")
    no_env.setenv("MICRO_REGISTRY_ADDRESS", "127.0.0.1:23790,127.0.0.1:23791")
    no_env.setenv("ETCD_USERNAME", "svc")
    no_env.setenv("ETCD_PASSWORD", "secret")
    config = microreg.resolve_config()
    assert config["backend"] == "etcd"
    assert config["addresses"] == ["127.0.0.1:23790", "127.0.0.1:23791"]
    assert (config["username"], config["password"]) == ("svc", "***")

    config = microreg.resolve_config(addresses=["127.0.0.1:2379"], username="me", tls_ca="/ca.pem", timeout=2)
    assert config["addresses"] == ["127.0.0.1:2379"]
    assert (config["username"], config["tls_ca"], config["timeout_ms"]) == ("me", "/ca.pem", 2000)
    # mdns has no address: the variable is ignored there, as go-micro's mdns does.
    assert microreg.resolve_config("mdns")["backend"] == "mdns"


def test_backend_settings_pass_through_unlisted(no_env):
    config = microreg.resolve_config("etcd", prefix="/other/", dial_timeout_ms=750)
    assert (config["prefix"], config["dial_timeout_ms"]) == ("/other/", 750)
    with pytest.raises(microreg.InvalidArgumentError, match="unknown field `interfaces`.*etcd backend"):
        microreg.resolve_config("etcd", interfaces=["eth0"])
