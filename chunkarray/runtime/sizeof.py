"""Cheap estimates of the bytes an object holds in memory, for the memory manager's budget.

Policy
------
The memory manager calls :data:`sizeof` on every chunk it holds, so an estimate must be
fast and must never fail:

- NumPy arrays count their own ``nbytes`` (a view counts its own elements, not its base's;
  an ``np.memmap`` counts its mapped bytes); an object array adds a sample of its elements.
  NumPy scalars count ``itemsize``; ``bytes``/``bytearray`` their length, ``memoryview``
  its ``nbytes``; ``str`` and anything unknown ``sys.getsizeof``.
- pandas DataFrame, Series and Index count ``memory_usage(deep=True)``, index included.
  pandas is never imported here: its handlers are registered the first time a pandas
  object is measured (it is then in ``sys.modules`` already).
- list, tuple, set, frozenset, deque and dict count ``sys.getsizeof`` of the container
  plus the sizes of at most 20 sampled items (evenly spaced for sequences, the first
  ones otherwise) scaled to the length, measured recursively. Nesting deeper than
  8 levels (a list that contains itself) counts ``sys.getsizeof`` only.
- Any error inside a handler falls back to ``sys.getsizeof``, then to 64 bytes.

Estimates, not truths: shared objects are counted once per reference, and a sample
misses an outlier item. Overestimating is the safe direction for a budget.

>>> import numpy as np
>>> sizeof(np.zeros((100, 10)))
8000
>>> sizeof([np.zeros(100)] * 4) >= 4 * 800
True
"""

from __future__ import annotations

import collections
import functools
import itertools
import math
import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

__all__ = ["Sizeof", "is_file_mapped", "sizeof"]

_SAMPLE = 20  # items measured per container
_MAX_DEPTH = 8  # nesting beyond this counts the container alone
_FALLBACK = 64  # bytes assumed when even sys.getsizeof fails

F = TypeVar("F", bound=Callable[[Any], int])


def _getsizeof(obj: object) -> int:
    try:
        return int(sys.getsizeof(obj))
    except Exception:  # a broken __sizeof__
        return _FALLBACK


class Sizeof:
    """Estimate the bytes held in memory by an object; extensible per type.

    The module-level instance :data:`sizeof` is the one to call and to register with.

    Examples
    --------
    >>> class Block:
    ...     def __init__(self, data):
    ...         self.data = data
    >>> @sizeof.register(Block)
    ... def _(block):
    ...     return sizeof(block.data) + 16
    >>> sizeof(Block(b"x" * 100))
    116
    """

    def __init__(self) -> None:
        self._dispatch = functools.singledispatch(self._unknown)
        self._lazy: dict[str, Callable[[Sizeof], None]] = {}
        self._lazy_lock = threading.Lock()
        self._depth = threading.local()

    def register(self, cls: type | tuple[type, ...]) -> Callable[[F], F]:
        """Use the decorated ``func(obj) -> int`` for ``cls`` (a type or tuple of types).

        Subclasses dispatch to the nearest registered base class, as with
        :func:`functools.singledispatch`.

        Parameters
        ----------
        cls : type or tuple of types

        Returns
        -------
        callable
            A decorator that registers and returns ``func`` unchanged.

        Examples
        --------
        >>> class Opaque:
        ...     pass
        >>> _ = sizeof.register(Opaque)(lambda obj: 1000)
        >>> sizeof(Opaque())
        1000
        """
        classes = cls if isinstance(cls, tuple) else (cls,)

        def decorator(func: F) -> F:
            for one in classes:
                self._dispatch.register(one, func)
            return func

        return decorator

    def register_lazy(self, top_module: str, loader: Callable[[Sizeof], None]) -> None:
        """Call ``loader(self)`` to register handlers the first time an object of a type
        defined under ``top_module`` (say ``"pandas"``) is measured: the module is then
        imported already, so registering costs no import."""
        with self._lazy_lock:
            self._lazy[top_module] = loader

    def __call__(self, obj: object) -> int:
        """The estimated size of ``obj`` in bytes: an int >= 0. Never raises."""
        depth = getattr(self._depth, "value", 0)
        if depth >= _MAX_DEPTH:
            return _getsizeof(obj)
        self._depth.value = depth + 1
        try:
            size = int(self._dispatch(obj))
        except Exception:  # a failing handler must not fail the computation
            size = -1
        finally:
            self._depth.value = depth
        return size if size >= 0 else _getsizeof(obj)

    def _unknown(self, obj: object) -> int:
        top = (type(obj).__module__ or "").partition(".")[0]
        if top in self._lazy:
            with self._lazy_lock:
                # Removed only once loaded, so a racing thread waits here, then finds it.
                loader = self._lazy.get(top)
                if loader is not None:
                    loader(self)
                    del self._lazy[top]
        handler = self._dispatch.dispatch(type(obj))
        if handler == self._unknown:
            return _getsizeof(obj)
        return int(handler(obj))


sizeof = Sizeof()
"""The estimator the runtime uses: ``sizeof(obj) -> int``, ``sizeof.register(type)(func)``."""


# Common leaves skip the lazy-registration check of unknown types.
sizeof.register((str, int, float, complex, bool, type(None)))(_getsizeof)


@sizeof.register(np.ndarray)
def _sizeof_ndarray(obj: np.ndarray[Any, Any]) -> int:
    if obj.dtype.hasobject and obj.size:
        return int(obj.nbytes) + _sampled(obj.flat[:: math.ceil(obj.size / _SAMPLE)], obj.size)
    return int(obj.nbytes)


@sizeof.register(np.generic)
def _sizeof_numpy_scalar(obj: np.generic) -> int:
    return int(obj.itemsize)


@sizeof.register((bytes, bytearray))
def _sizeof_bytes(obj: bytes | bytearray) -> int:
    return len(obj)


@sizeof.register(memoryview)
def _sizeof_memoryview(obj: memoryview) -> int:
    return obj.nbytes


def _sampled(sample: Any, length: int) -> int:
    """The summed sizes of ``sample``'s items, scaled from the sample to ``length`` items."""
    sizes = [sizeof(item) for item in sample]
    return round(sum(sizes) * length / len(sizes)) if sizes else 0


@sizeof.register((list, tuple))
def _sizeof_sequence(obj: list[Any] | tuple[Any, ...]) -> int:
    length = len(obj)
    sample = obj[:: math.ceil(length / _SAMPLE)] if length else ()
    return _getsizeof(obj) + _sampled(sample, length)


@sizeof.register((set, frozenset, collections.deque))
def _sizeof_collection(obj: set[Any] | frozenset[Any] | collections.deque[Any]) -> int:
    return _getsizeof(obj) + _sampled(itertools.islice(obj, _SAMPLE), len(obj))


@sizeof.register(dict)
def _sizeof_dict(obj: dict[Any, Any]) -> int:
    sample = itertools.chain.from_iterable(itertools.islice(obj.items(), _SAMPLE))
    # Keys and values are sampled in pairs: 2 * len(obj) items in all.
    return _getsizeof(obj) + _sampled(sample, 2 * len(obj))


def _register_pandas(registry: Sizeof) -> None:
    pd: Any = sys.modules["pandas"]

    @registry.register(pd.DataFrame)
    def _sizeof_frame(obj: Any) -> int:
        return int(obj.memory_usage(index=True, deep=True).sum())

    @registry.register(pd.Series)
    def _sizeof_series(obj: Any) -> int:
        return int(obj.memory_usage(index=True, deep=True))

    @registry.register(pd.Index)
    def _sizeof_index(obj: Any) -> int:
        return int(obj.memory_usage(deep=True))


sizeof.register_lazy("pandas", _register_pandas)


def is_file_mapped(value: object) -> bool:
    """True for a read-only memory-mapped array: its pages are file cache, not held memory.

    The kernel can drop such pages at any time and read them again from the file,
    so the memory manager neither counts nor spills them (spilling would only write
    a second copy of the same file).

    >>> is_file_mapped(np.zeros(3))
    False
    """
    return isinstance(value, np.memmap) and not value.flags.writeable
