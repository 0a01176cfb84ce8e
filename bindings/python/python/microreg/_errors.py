"""The exceptions microreg raises; every one derives from RegistryError."""

import builtins

__all__ = [
    "RegistryError",
    "NotFoundError",
    "InvalidArgumentError",
    "BackendError",
    "TimeoutError",
    "WatcherStoppedError",
    "InternalError",
    "UsedAfterForkError",
]


class RegistryError(Exception):
    """Base class of every microreg error."""


class NotFoundError(RegistryError, LookupError):
    """No node serves the service asked for (go-micro's ErrNotFound)."""


class InvalidArgumentError(RegistryError, ValueError):
    """An argument was unusable; nothing registered was changed."""


class BackendError(RegistryError):
    """The backend is unavailable, not part of this build, or refused the operation."""


class TimeoutError(RegistryError, builtins.TimeoutError):
    """A wait ran out of time; also a builtin TimeoutError."""


class WatcherStoppedError(RegistryError):
    """The watch was stopped (go-micro's ErrWatcherStopped)."""


class InternalError(RegistryError):
    """A bug or an impossible state inside microreg; please report it."""


class UsedAfterForkError(RegistryError):
    """An object made before os.fork() was used in the child; make a new Registry there."""


# Show them as microreg.NotFoundError etc. in tracebacks and reprs.
for _name in __all__:
    globals()[_name].__module__ = "microreg"
del _name
