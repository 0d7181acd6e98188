"""Settings: one defaults table, ``CHUNKARRAY_<NAME>`` environment variables, `set`, `get`.

Precedence, highest first: a value given to `set` (the innermost active ``with`` wins), the
environment variable ``CHUNKARRAY_<NAME>`` (upper case; an empty one counts as unset),
the default in ``_DEFAULTS``. Everything is read when `get` is called, never at import
time, so a variable exported after ``import chunkarray`` still counts.

`set` validates eagerly, so a bad value fails where it is given; environment values are
validated by `get`, and their errors name the variable. As with ``dask.config.set``,
settings are process-global, not per-thread: a ``with set(...)`` block in one thread is
seen by the others. A lock keeps reads and writes consistent.
"""

from __future__ import annotations

import numbers
import os
import tempfile
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

from chunkarray.errors import ConfigError
from chunkarray.sizes import parse_bytes

__all__ = ["defaults", "get", "is_set", "parse_num_workers", "parse_scheduler", "set"]

_DEFAULTS: dict[str, object] = {
    # Threads or processes of the local schedulers; None means os.cpu_count().
    "num_workers": None,
    # "threads", "sync" or "processes" (aliases accepted), or a scheduler object such as a
    # distributed Client, which passes through unchanged.
    "scheduler": "threads",
    # Bytes of chunk data held in memory before spilling to disk; None means half the RAM.
    "memory_limit": None,
    # Directory under which spill files are made; None means tempfile.gettempdir().
    "spill_dir": None,
    # Target bytes per chunk when chunk sizes are chosen automatically.
    "chunk_size": "128MiB",
    # Whether compute() optimizes (culls, fuses) a graph before running it.
    "optimize_graph": True,
    # How many inputs one step of a tree reduction combines; at least 2.
    "split_every": 8,
}

# Accepted names -> canonical name; "threading" and "multiprocessing" are Dask's aliases.
_SCHEDULERS = {"threads": "threads", "threading": "threads", "sync": "sync", "synchronous": "sync",
               "single-threaded": "sync", "processes": "processes", "multiprocessing": "processes"}
_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off")
_MISSING = object()

_lock = threading.Lock()
_overrides: dict[str, object] = {}


def _parse_int(value: object, name: str, minimum: int, expected: str) -> int:
    number: object = value
    if isinstance(value, str):
        try:
            number = int(value.strip())
        except ValueError:
            pass
    if isinstance(number, bool) or not isinstance(number, numbers.Integral) or number < minimum:
        raise ConfigError(f"{name}: expected {expected}, got {value!r}")
    return int(number)


def parse_num_workers(value: object) -> int:
    """Validate a number of workers.

    Parameters
    ----------
    value : int, str or None
        An int > 0, a string holding one, or None for ``os.cpu_count()``.

    Returns
    -------
    int

    Raises
    ------
    ConfigError
        A ``ValueError`` for anything else, such as 0, 2.5 or ``True``.

    Examples
    --------
    >>> parse_num_workers(4), parse_num_workers("2")
    (4, 2)
    >>> parse_num_workers(None) == (os.cpu_count() or 1)
    True
    """
    if value is None:
        return os.cpu_count() or 1
    return _parse_int(value, "num_workers", 1, "an int > 0, or None for os.cpu_count()")


def parse_scheduler(value: object) -> object:
    """Validate a scheduler and return its canonical name.

    Parameters
    ----------
    value : str or object
        ``"threads"``, ``"sync"``, ``"synchronous"``, ``"single-threaded"`` or ``"processes"``
        in any case; any object other than a str or None (a distributed Client, say) is
        returned unchanged.

    Returns
    -------
    str or object
        ``"threads"``, ``"sync"`` or ``"processes"``, or ``value`` itself.

    Raises
    ------
    ConfigError
        A ``ValueError`` for an unknown name or None.

    Examples
    --------
    >>> parse_scheduler("single-threaded"), parse_scheduler("Threads")
    ('sync', 'threads')
    """
    if isinstance(value, str):
        canonical = _SCHEDULERS.get(value.strip().lower())
        if canonical is not None:
            return canonical
    elif value is not None:
        return value
    names = ", ".join(repr(name) for name in _SCHEDULERS)
    raise ConfigError(f"scheduler: expected one of {names} or a scheduler object, got {value!r}")


def _parse_bool(value: object, name: str) -> bool:
    if isinstance(value, bool):
        return value
    word = value.strip().lower() if isinstance(value, str) else None
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    raise ConfigError(f"{name}: expected a bool or one of {_TRUE + _FALSE}, got {value!r}")


def _half_ram() -> int:
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        # No sysconf (Windows): assume a small 4 GiB machine rather than fail.
        total = 4 * 2**30
    return max(total // 2, 1)


def _parse_positive_bytes(value: object, name: str) -> int:
    size = parse_bytes(value, name=name)
    if size == 0:
        raise ConfigError(f"{name}: expected a byte size > 0, got {value!r}")
    return size


def _parse_memory_limit(value: object) -> int:
    return _half_ram() if value is None else _parse_positive_bytes(value, "memory_limit")


def _parse_spill_dir(value: object) -> str:
    if value is None:
        return tempfile.gettempdir()
    path = os.fspath(value) if isinstance(value, (str, os.PathLike)) else None
    if not isinstance(path, str) or not path:
        raise ConfigError(f"spill_dir: expected a directory path or None, got {value!r}")
    return path


_PARSERS: dict[str, Callable[[object], object]] = {
    "num_workers": parse_num_workers,
    "scheduler": parse_scheduler,
    "memory_limit": _parse_memory_limit,
    "spill_dir": _parse_spill_dir,
    "chunk_size": lambda value: _parse_positive_bytes(value, "chunk_size"),
    "optimize_graph": lambda value: _parse_bool(value, "optimize_graph"),
    "split_every": lambda value: _parse_int(value, "split_every", 2, "an int >= 2"),
}


def _parser(name: str) -> Callable[[object], object]:
    parser = _PARSERS.get(name)
    if parser is None:
        known = ", ".join(_DEFAULTS)
        raise ConfigError(f"unknown setting {name!r}; known settings are {known}")
    return parser


def defaults() -> dict[str, object]:
    """Return the defaults table, unparsed: None means "decide at call time".

    Returns
    -------
    dict
        A copy of the table.

    Examples
    --------
    >>> defaults()["chunk_size"], defaults()["split_every"]
    ('128MiB', 8)
    """
    return dict(_DEFAULTS)


def get(name: str) -> Any:
    """Return the current value of a setting, parsed into its canonical form.

    Parameters
    ----------
    name : str
        A setting name, one of the keys of `defaults`.

    Returns
    -------
    object
        ``num_workers``, ``split_every``: int; ``memory_limit``, ``chunk_size``: int
        bytes; ``scheduler``: ``"threads"``, ``"sync"``, ``"processes"`` or a scheduler
        object; ``spill_dir``: str; ``optimize_graph``: bool.

    Raises
    ------
    ConfigError
        A ``ValueError`` for an unknown name or an invalid environment variable.

    Examples
    --------
    >>> with set(chunk_size="1 MiB", scheduler="synchronous"):
    ...     get("chunk_size"), get("scheduler")
    (1048576, 'sync')
    """
    parser = _parser(name)
    with _lock:
        value = _overrides.get(name, _MISSING)
    if value is _MISSING:
        variable = "CHUNKARRAY_" + name.upper()
        raw = os.environ.get(variable, "")
        if raw.strip():
            try:
                return parser(raw)
            except ConfigError as error:
                raise ConfigError(f"{error} (from the environment variable {variable})") from None
        value = _DEFAULTS[name]
    return parser(value)


def is_set(name: str) -> bool:
    """Return True if a setting was given to `set` or by its environment variable.

    Lets a collection's own default (bags prefer processes) give way to an explicit choice.

    Examples
    --------
    >>> with set(scheduler="threads"):
    ...     is_set("scheduler")
    True
    """
    _parser(name)
    with _lock:
        if name in _overrides:
            return True
    return bool(os.environ.get("CHUNKARRAY_" + name.upper(), "").strip())


class set:  # noqa: N801 - lower case like dask.config.set, which users know
    """Change settings globally, or for the duration of a ``with`` block.

    Values are validated at once. Used as a statement the change stays; used as a context
    manager the previous values come back on exit. Settings given to `set` win over
    environment variables and defaults.

    Parameters
    ----------
    **settings
        Setting names and values, as accepted by `get`'s parsers.

    Raises
    ------
    ConfigError
        A ``ValueError`` for an unknown name or an invalid value.

    Examples
    --------
    >>> with set(num_workers=2):
    ...     get("num_workers")
    2
    >>> set(num_workers=0)
    Traceback (most recent call last):
        ...
    chunkarray.errors.ConfigError: num_workers: expected an int > 0, ... got 0
    """

    def __init__(self, **settings: object) -> None:
        for name, value in settings.items():
            _parser(name)(value)
        with _lock:
            self._previous = {name: _overrides.get(name, _MISSING) for name in settings}
            _overrides.update(settings)

    def __enter__(self) -> set:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        with _lock:
            for name, old in self._previous.items():
                if old is _MISSING:
                    _overrides.pop(name, None)
                else:
                    _overrides[name] = old
