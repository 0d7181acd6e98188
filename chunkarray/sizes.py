"""Byte sizes: ``"2GiB"`` to bytes and back.

Units follow Dask: ``kB, MB, GB, TB, PB`` (and the bare letters ``K, M, G, T, P``) are
powers of 1000, ``KiB, MiB, GiB, TiB, PiB`` powers of 1024. Units are case-insensitive.
"""

from __future__ import annotations

import numbers
import re
from decimal import Decimal, DecimalException

from chunkarray.errors import ConfigError

__all__ = ["format_bytes", "parse_bytes"]

_DECIMAL_UNITS = {"k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12, "p": 10**15}
_BINARY_UNITS = {"k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40, "p": 2**50}

# Lower-cased unit -> multiplier. "k" and "kb" are 1000, "ki" and "kib" are 1024, like Dask.
_UNITS: dict[str, int] = {"": 1, "b": 1}
_UNITS.update({p: v for p, v in _DECIMAL_UNITS.items()})
_UNITS.update({p + "b": v for p, v in _DECIMAL_UNITS.items()})
_UNITS.update({p + "i": v for p, v in _BINARY_UNITS.items()})
_UNITS.update({p + "ib": v for p, v in _BINARY_UNITS.items()})

# A plain decimal number (no sign: sizes are never negative), then an optional unit.
_SIZE = re.compile(r"^\s*((?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*([A-Za-z]*)\s*$")

_EXPECTED = "expected an int >= 0 or a string like '2GiB', '512MB', '1.5 GB', '100'"


def _error(value: object, name: str) -> ConfigError:
    return ConfigError(f"{name}: cannot parse {value!r} as a byte size; {_EXPECTED}")


def _parse_number(value: object, name: str) -> int:
    if isinstance(value, numbers.Integral):
        n = int(value)
    elif isinstance(value, float) and value.is_integer():
        n = int(value)
    else:
        raise _error(value, name)
    if n < 0:
        raise _error(value, name)
    return n


def _parse_string(value: str, name: str) -> int:
    match = _SIZE.match(value)
    if match is None:
        raise _error(value, name)
    number, unit = match.groups()
    multiplier = _UNITS.get(unit.lower())
    if multiplier is None:
        raise _error(value, name)
    try:
        # Decimal, not float, so "0.29 kB" is exactly 290 and not 289.
        quantity = Decimal(number) * multiplier
    except DecimalException:
        raise _error(value, name) from None
    if quantity.adjusted() > 40:
        # No machine has 10**40 bytes; refusing early keeps "1e999999999" from hanging int().
        raise _error(value, name)
    return int(quantity)


def parse_bytes(value: object, *, name: str = "value") -> int:
    """Parse a byte size given as a number or a string with a unit.

    Parameters
    ----------
    value : int, float or str
        A non-negative int, a float with an integral value, or a string such as
        ``"2GiB"``, ``"512MB"``, ``"1.5 GB"``, ``"100"``. Units are case-insensitive;
        ``kB``/``K`` and friends are powers of 1000, ``KiB`` and friends powers of 1024.
        Fractional byte counts are truncated, as in Dask.
    name : str, optional
        The name of the setting or argument, used in error messages.

    Returns
    -------
    int
        The number of bytes.

    Raises
    ------
    ConfigError
        A ``ValueError`` if ``value`` is negative, a bool, None, or an unparseable string.

    Examples
    --------
    >>> parse_bytes("2GiB")
    2147483648
    >>> parse_bytes("1.5 GB")
    1500000000
    >>> parse_bytes("10 kB"), parse_bytes("4kib"), parse_bytes(100)
    (10000, 4096, 100)
    >>> parse_bytes("12XB", name="memory_limit")
    Traceback (most recent call last):
        ...
    chunkarray.errors.ConfigError: memory_limit: cannot parse '12XB' as a byte size; ...
    """
    if isinstance(value, bool):
        raise _error(value, name)
    if isinstance(value, str):
        return _parse_string(value, name)
    return _parse_number(value, name)


def format_bytes(n: int) -> str:
    """Format a number of bytes for humans, with binary units as Dask does.

    A unit is used once the size reaches 0.9 of it, so 1000 bytes reads ``"0.98 kiB"``.

    Parameters
    ----------
    n : int
        A number of bytes.

    Returns
    -------
    str
        The size with two decimals and a binary unit, or a plain count of bytes.

    Examples
    --------
    >>> format_bytes(512)
    '512 B'
    >>> format_bytes(1536)
    '1.50 kiB'
    >>> format_bytes(2 * 1024**3)
    '2.00 GiB'
    """
    for prefix, k in (("Pi", 2**50), ("Ti", 2**40), ("Gi", 2**30), ("Mi", 2**20), ("ki", 2**10)):
        if n >= k * 0.9:
            return f"{n / k:.2f} {prefix}B"
    return f"{n} B"
