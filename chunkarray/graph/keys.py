"""Keys: ``name`` or ``(name, *block_index)``.

>>> key_name(("sum-aggregate-3f2a9c01", 0, 1))
'sum-aggregate-3f2a9c01'
>>> key_name("lazy_exponent-05d8")
'lazy_exponent-05d8'
>>> key_prefix("sum-aggregate-3f2a9c01")
'sum-aggregate'
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from chunkarray.errors import ChunkArrayTypeError


def key_name(key: Hashable) -> str:
    """The layer name a key belongs to."""
    if type(key) is tuple:
        return key[0]  # type: ignore[no-any-return]
    return key  # type: ignore[return-value]


def key_prefix(name: str) -> str:
    """The readable part of a name, without its trailing token."""
    head, sep, tail = name.rpartition("-")
    if sep and len(tail) >= 8 and all(c in "0123456789abcdef" for c in tail):
        return head
    return name


def is_key(value: Any) -> bool:
    """True for a str, or a tuple of a str followed by ints."""
    if type(value) is str:
        return True
    if type(value) is tuple and value and type(value[0]) is str:
        return all(type(i) is int for i in value[1:])
    return False


def check_key(value: Any, argument: str = "key") -> Hashable:
    """Return ``value`` if it is a key; raise a TypeError naming ``argument`` otherwise."""
    if not is_key(value):
        raise ChunkArrayTypeError(
            f"{argument}: expected a str or a tuple (name, *block_index), got {value!r}"
        )
    return value  # type: ignore[no-any-return]


def flatten_keys(keys: Any) -> list[Hashable]:
    """The keys of a possibly nested list of keys, in order.

    >>> flatten_keys([[("x", 0, 0), ("x", 0, 1)], [("x", 1, 0), ("x", 1, 1)]])
    [('x', 0, 0), ('x', 0, 1), ('x', 1, 0), ('x', 1, 1)]
    """
    if type(keys) is list:
        out: list[Hashable] = []
        for k in keys:
            out.extend(flatten_keys(k))
        return out
    return [keys]


def pack_results(keys: Any, values: Any) -> Any:
    """Rebuild the nested list structure of ``keys`` with their values."""
    if type(keys) is list:
        return [pack_results(k, values) for k in keys]
    return values[keys]
