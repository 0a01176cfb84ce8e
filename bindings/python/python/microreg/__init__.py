"""microreg: a service registry in go-micro's model (services, nodes, endpoints,
domains, TTLs, watches) over memory, mDNS or etcd, from a Rust core.

    import microreg
    with microreg.Registry() as reg:   # $MICRO_REGISTRY, else mdns (the LAN)
        reg.register(microreg.Service(name="greeter", version="1.0.0",
                     nodes=[microreg.Node(id="greeter-1", address="10.0.0.5:8080")]))  # TTL 90 s
        print(reg.get_service("greeter"))

After os.fork(): objects made before the fork belong to the parent; using one in
the child raises UsedAfterForkError. Make a new Registry in the child: the core
starts a fresh runtime there.
"""

from ._errors import (
    BackendError,
    InternalError,
    InvalidArgumentError,
    NotFoundError,
    RegistryError,
    TimeoutError,
    UsedAfterForkError,
    WatcherStoppedError,
)
from ._microreg import (
    DEFAULT_DOMAIN,
    WILDCARD_DOMAIN,
    AsyncRegistry,
    AsyncWatch,
    Endpoint,
    Event,
    Node,
    Registry,
    Service,
    Value,
    Watch,
    __version__,
    resolve_config,
)

__all__ = [
    "AsyncRegistry",
    "AsyncWatch",
    "BackendError",
    "DEFAULT_DOMAIN",
    "Endpoint",
    "Event",
    "InternalError",
    "InvalidArgumentError",
    "Node",
    "NotFoundError",
    "Registry",
    "RegistryError",
    "Service",
    "TimeoutError",
    "UsedAfterForkError",
    "Value",
    "WILDCARD_DOMAIN",
    "Watch",
    "WatcherStoppedError",
    "__version__",
    "resolve_config",
]
