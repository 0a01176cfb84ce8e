# Type stubs of the compiled module microreg._microreg (checked against the real
# module by tests/test_stubs.py, and by mypy.stubtest).

import datetime
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any, Awaitable, Iterator, Literal, Optional, final

__all__ = [
    "AsyncRegistry",
    "AsyncWatch",
    "DEFAULT_DOMAIN",
    "Endpoint",
    "Event",
    "Node",
    "Registry",
    "Service",
    "Value",
    "WILDCARD_DOMAIN",
    "Watch",
    "__version__",
    "resolve_config",
]

__version__: str
DEFAULT_DOMAIN: str
WILDCARD_DOMAIN: str

def resolve_config(backend: Optional[str] = None, **options: Any) -> dict[str, Any]:
    """What Registry(backend, **options) would use, without opening anything:
    the keywords, then MICRO_REGISTRY / MICRO_REGISTRY_ADDRESS / ETCD_USERNAME /
    ETCD_PASSWORD, then the defaults (mdns, domain "micro", register TTL 90 s).
    One flat dict of the core's keys; the etcd password shown as "***"."""

@final
class Value:
    name: str
    type: str
    values: list[Value]
    def __new__(
        cls, name: str, type: str = "", values: Optional[Iterable[Value]] = None
    ) -> Value: ...
    def to_dict(self) -> dict[str, Any]: ...
    @staticmethod
    def from_dict(data: dict[str, Any]) -> Value: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(json: str) -> Value: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __reduce__(self) -> tuple[Any, ...]: ...

@final
class Endpoint:
    name: str
    request: Optional[Value]
    response: Optional[Value]
    metadata: dict[str, str]
    def __new__(
        cls,
        name: str,
        request: Optional[Value] = None,
        response: Optional[Value] = None,
        metadata: Optional[Mapping[str, str]] = None,
    ) -> Endpoint: ...
    def to_dict(self) -> dict[str, Any]: ...
    @staticmethod
    def from_dict(data: dict[str, Any]) -> Endpoint: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(json: str) -> Endpoint: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __reduce__(self) -> tuple[Any, ...]: ...

@final
class Node:
    id: str
    address: str
    metadata: dict[str, str]
    def __new__(
        cls, id: str, address: str = "", metadata: Optional[Mapping[str, str]] = None
    ) -> Node: ...
    def to_dict(self) -> dict[str, Any]: ...
    @staticmethod
    def from_dict(data: dict[str, Any]) -> Node: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(json: str) -> Node: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __reduce__(self) -> tuple[Any, ...]: ...

@final
class Service:
    name: str
    version: str
    metadata: dict[str, str]
    endpoints: list[Endpoint]
    nodes: list[Node]
    def __new__(
        cls,
        name: str,
        version: str = "",
        metadata: Optional[Mapping[str, str]] = None,
        endpoints: Optional[Iterable[Endpoint]] = None,
        nodes: Optional[Iterable[Node]] = None,
    ) -> Service: ...
    def to_dict(self) -> dict[str, Any]: ...
    @staticmethod
    def from_dict(data: dict[str, Any]) -> Service: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(json: str) -> Service: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __reduce__(self) -> tuple[Any, ...]: ...

@final
class Event:
    @property
    def action(self) -> Literal["create", "update", "delete"]: ...
    @property
    def service(self) -> Service: ...
    @property
    def timestamp(self) -> datetime.datetime: ...
    def to_dict(self) -> dict[str, Any]: ...
    def to_json(self) -> str: ...
    def __eq__(self, value: object, /) -> bool: ...

@final
class Watch:
    def __iter__(self) -> Iterator[Event]: ...
    def __next__(self) -> Event: ...
    def next(self, timeout: Optional[float] = None) -> Event: ...
    def stop(self) -> None: ...
    @property
    def stopped(self) -> bool: ...
    @property
    def dropped_events(self) -> int: ...
    def __enter__(self) -> Watch: ...
    def __exit__(
        self,
        _exc_type: Optional[type[BaseException]] = None,
        _exc: Optional[BaseException] = None,
        _tb: Optional[TracebackType] = None,
    ) -> bool: ...

@final
class Registry:
    """backend: "mdns" | "etcd" | "memory"; None: $MICRO_REGISTRY, else "mdns".
    timeout, cache_ttl, register_ttl in seconds (register_ttl: the TTL of a
    register() without ttl; 90 by default, 0 for none). Every other keyword is
    a setting of the core by its own name, common ("timeout_ms") or of the
    chosen backend ("interfaces", "gomicro", "dnssd"; "addresses", "username",
    "password", "tls_ca", "tls_cert", "tls_key", "prefix", "dial_timeout_ms"):
    a new backend setting needs no new keyword here."""
    def __new__(
        cls,
        backend: Optional[str] = None,
        *,
        domain: Optional[str] = None,
        interfaces: Optional[list[str]] = None,
        addresses: Optional[list[str]] = None,
        timeout: Optional[float] = None,
        cache: Optional[bool] = None,
        cache_ttl: Optional[float] = None,
        register_ttl: Optional[float] = None,
        **options: Any,
    ) -> Registry: ...
    @property
    def backend(self) -> str: ...
    @property
    def domain(self) -> str: ...
    @property
    def config(self) -> dict[str, Any]: ...
    def register(
        self, service: Service, *, ttl: Optional[float] = None, domain: Optional[str] = None
    ) -> None: ...
    def deregister(self, service: Service, *, domain: Optional[str] = None) -> None: ...
    def get_service(self, name: str, *, domain: Optional[str] = None) -> list[Service]: ...
    def list_services(self, *, domain: Optional[str] = None) -> list[Service]: ...
    def watch(
        self, service: Optional[str] = None, *, domain: Optional[str] = None
    ) -> Watch: ...
    def close(self) -> None: ...
    def __enter__(self) -> Registry: ...
    def __exit__(
        self,
        _exc_type: Optional[type[BaseException]] = None,
        _exc: Optional[BaseException] = None,
        _tb: Optional[TracebackType] = None,
    ) -> bool: ...

@final
class AsyncWatch:
    def __aiter__(self) -> AsyncWatch: ...
    def __anext__(self) -> Awaitable[Event]: ...
    def next(self, timeout: Optional[float] = None) -> Awaitable[Event]: ...
    def stop(self) -> None: ...
    @property
    def stopped(self) -> bool: ...
    def __aenter__(self) -> Awaitable[AsyncWatch]: ...
    def __aexit__(
        self,
        _exc_type: Optional[type[BaseException]] = None,
        _exc: Optional[BaseException] = None,
        _tb: Optional[TracebackType] = None,
    ) -> Awaitable[bool]: ...

@final
class AsyncRegistry:
    """The arguments of Registry; every method returns an awaitable."""
    def __new__(
        cls,
        backend: Optional[str] = None,
        *,
        domain: Optional[str] = None,
        interfaces: Optional[list[str]] = None,
        addresses: Optional[list[str]] = None,
        timeout: Optional[float] = None,
        cache: Optional[bool] = None,
        cache_ttl: Optional[float] = None,
        register_ttl: Optional[float] = None,
        **options: Any,
    ) -> AsyncRegistry: ...
    @property
    def backend(self) -> str: ...
    @property
    def domain(self) -> str: ...
    @property
    def config(self) -> dict[str, Any]: ...
    def register(
        self, service: Service, *, ttl: Optional[float] = None, domain: Optional[str] = None
    ) -> Awaitable[None]: ...
    def deregister(
        self, service: Service, *, domain: Optional[str] = None
    ) -> Awaitable[None]: ...
    def get_service(
        self, name: str, *, domain: Optional[str] = None
    ) -> Awaitable[list[Service]]: ...
    def list_services(self, *, domain: Optional[str] = None) -> Awaitable[list[Service]]: ...
    def watch(
        self, service: Optional[str] = None, *, domain: Optional[str] = None
    ) -> AsyncWatch: ...
    def close(self) -> Awaitable[None]: ...
    def __aenter__(self) -> Awaitable[AsyncRegistry]: ...
    def __aexit__(
        self,
        _exc_type: Optional[type[BaseException]] = None,
        _exc: Optional[BaseException] = None,
        _tb: Optional[TracebackType] = None,
    ) -> Awaitable[None]: ...
