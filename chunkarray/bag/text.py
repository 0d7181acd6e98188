"""The ``.str`` accessor: string methods applied to every element of a bag.

Every method comes from one table and one factory; each is a ``map`` of
``operator.methodcaller`` (a 1-d Blockwise layer, fused with its neighbours).
``match`` filters with shell-style patterns (:func:`fnmatch.fnmatch`), as in Dask.

>>> import chunkarray.bag as cab
>>> b = cab.from_sequence(["Alice Smith", " bob ", "CAROL"])
>>> b.str.lower().str.strip().compute()
['alice smith', 'bob', 'carol']
>>> b.str.split().flatten().compute()
['Alice', 'Smith', 'bob', 'CAROL']
>>> b.str.match("*o*").compute()
[' bob ']
"""

from __future__ import annotations

import fnmatch
import operator
from collections.abc import Callable
from functools import partial
from typing import Any

from chunkarray.bag.core import Bag
from chunkarray.bag.layers import stepwise
from chunkarray.bag.partition import MapStep, SelectStep

__all__ = ["METHODS", "StringAccessor"]

# str methods offered as bag.str.<name>(...): each maps the method over the elements.
METHODS = (
    "capitalize", "casefold", "center", "count", "encode", "endswith", "expandtabs", "find",
    "format", "index", "isalnum", "isalpha", "isascii", "isdecimal", "isdigit",
    "isidentifier", "islower", "isnumeric", "isprintable", "isspace", "istitle", "isupper",
    "join", "ljust", "lower", "lstrip", "partition", "removeprefix", "removesuffix",
    "replace", "rfind", "rindex", "rjust", "rpartition", "rsplit", "rstrip", "split",
    "splitlines", "startswith", "strip", "swapcase", "title", "translate", "upper", "zfill",
)


def _fnmatch(pattern: str, value: str) -> bool:
    return fnmatch.fnmatch(value, pattern)


class StringAccessor:
    """``bag.str``: the methods of ``str`` (see :data:`METHODS`) and ``match``."""

    def __init__(self, bag: Bag) -> None:
        self._bag = bag

    def __dir__(self) -> list[str]:
        return sorted({*METHODS, "match", *super().__dir__()})

    def match(self, pattern: str) -> Bag:
        """The elements matching a shell-style ``pattern`` (``*``, ``?``, ``[seq]``).

        >>> import chunkarray.bag as cab
        >>> cab.from_sequence(["a.txt", "b.csv"]).str.match("*.txt").compute()
        ['a.txt']
        """
        return stepwise("str-match", self._bag, SelectStep(partial(_fnmatch, pattern)))


def _method(method: str) -> Callable[..., Bag]:
    def call(self: StringAccessor, *args: Any, **kwargs: Any) -> Bag:
        func = operator.methodcaller(method, *args, **kwargs)
        return stepwise(f"str-{method}", self._bag, MapStep(func, label=f"str-{method}"))

    call.__name__ = call.__qualname__ = method
    call.__doc__ = f"``str.{method}(element, *args, **kwargs)`` for every element."
    return call


for _name in METHODS:
    setattr(StringAccessor, _name, _method(_name))
