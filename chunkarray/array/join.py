"""Joining arrays: ``concatenate`` and ``stack``.

Both are a :class:`JoinLayer`, which renames the inputs' keys (an :class:`Alias`
per block: no data moves) and makes its tasks on request; inputs are first brought
to common chunks along the other axes.

>>> import numpy as np
>>> from chunkarray.array.creation import from_array
>>> x = from_array(np.arange(4), chunks=2)
>>> concatenate([x, x]).compute()
array([0, 1, 2, 3, 0, 1, 2, 3])
"""

from __future__ import annotations

import itertools
import math
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from chunkarray.array.chunks import common_chunks
from chunkarray.array.core import Array, implements
from chunkarray.array.manipulation import _as_array
from chunkarray.array.reshape import ravel
from chunkarray.errors import ChunkArrayTypeError, ChunkArrayValueError
from chunkarray.graph.graph import Graph
from chunkarray.graph.layer import Layer
from chunkarray.graph.task import Alias, Ref, Task
from chunkarray.tokenize import name as make_name
from chunkarray.typing import Key

__all__ = ["JoinLayer", "concatenate", "stack"]


class JoinLayer(Layer):
    """Blocks of several arrays laid side by side along ``axis`` (or stacked on a new one).

    Output block ``idx`` is block ``idx`` (shifted along ``axis``) of one input: an
    :class:`Alias` when nothing changes, else a task that casts it to ``dtype`` and, for
    ``stack``, inserts the new axis.

    Parameters
    ----------
    name : str
    sources : tuple of str
        Input layer names, in order.
    offsets : tuple of int
        The first output block along ``axis`` of each input, plus the total.
    axis : int
    numblocks : tuple of int
        Output blocks per axis.
    casts : tuple
        Per input, the dtype to cast to, or None.
    stack : bool
        Each input is one block along a new ``axis``.

    Examples
    --------
    >>> layer = JoinLayer("z", ("x", "y"), (0, 2, 3), 0, (3,), (None, None), False)
    >>> layer.task(("z", 2))
    Alias(('y', 0))
    """

    def __init__(self, name: str, sources: tuple[str, ...], offsets: tuple[int, ...], axis: int,
                 numblocks: tuple[int, ...], casts: tuple[Any, ...], stack: bool) -> None:
        self.name = name
        self.sources = sources
        self.offsets = offsets
        self.axis = axis
        self.numblocks = numblocks
        self.casts = casts
        self.stack = stack
        self.dependencies = frozenset(sources)

    def keys(self) -> Iterator[Key]:
        for idx in itertools.product(*(range(n) for n in self.numblocks)):
            yield (self.name, *idx)

    def __len__(self) -> int:
        return math.prod(self.numblocks)

    def _index(self, key: object) -> tuple[int, ...]:
        if type(key) is not tuple or len(key) != len(self.numblocks) + 1 or key[0] != self.name:
            raise KeyError(key)
        idx = key[1:]
        if not all(type(i) is int and 0 <= i < n for i, n in zip(idx, self.numblocks)):
            raise KeyError(key)
        return idx

    def __contains__(self, key: object) -> bool:
        try:
            self._index(key)
        except KeyError:
            return False
        return True

    def task(self, key: Key) -> Any:
        idx = list(self._index(key))
        i = idx[self.axis]
        k = bisect_right(self.offsets, i) - 1
        if self.stack:
            del idx[self.axis]
        else:
            idx[self.axis] = i - self.offsets[k]
        source = (self.sources[k], *idx)
        if not self.stack and self.casts[k] is None:
            return Alias(source)
        return Task(_join_block, Ref(source), self.axis if self.stack else None, self.casts[k])

    def __repr__(self) -> str:
        return f"JoinLayer({self.name!r}, {len(self)} tasks)"


def _join_block(block: np.ndarray, new_axis: int | None, dtype: Any) -> np.ndarray:
    if new_axis is not None:
        block = np.expand_dims(block, new_axis)
    return block if dtype is None else block.astype(dtype)


def _join_inputs(seq: Any, func: str) -> list[Array]:
    if isinstance(seq, Array) or not isinstance(seq, Sequence):
        raise ChunkArrayTypeError(f"{func}: expected a sequence of arrays, got "
                                  f"{type(seq).__name__}")
    arrays = [_as_array(a) for a in seq]
    if not arrays:
        raise ChunkArrayValueError(f"{func}: need at least one array")
    return arrays


def _join_dtype(arrays: list[Array], dtype: Any, casting: str, func: str) -> np.dtype[Any]:
    if dtype is None:
        return np.result_type(*(a.dtype for a in arrays))
    dtype = np.dtype(dtype)
    for a in arrays:
        if not np.can_cast(a.dtype, dtype, casting=casting):
            raise ChunkArrayTypeError(
                f"{func}: cannot cast array data from {a.dtype!r} to {dtype!r} according "
                f"to the rule {casting!r}")
    return dtype


def _unify(arrays: list[Array], skip: int | None) -> list[Array]:
    """Rechunk ``arrays`` to common chunks on every axis but ``skip``."""
    ndim = arrays[0].ndim
    target = []
    for d in range(ndim):
        per = [a.chunks[d] for a in arrays]
        target.append(per[0] if d == skip or all(c == per[0] for c in per)
                      else common_chunks(*per))
    return [a.rechunk(tuple(a.chunks[d] if d == skip else target[d] for d in range(ndim)))
            for a in arrays]


def _join(arrays: list[Array], axis: int, dtype: np.dtype[Any], stack: bool,
          chunks_along: tuple[int, ...], prefix: str) -> Array:
    arrays = _unify(arrays, None if stack else axis)
    first = arrays[0].chunks
    per_input = [1 if stack else a.numblocks[axis] for a in arrays]
    offsets = tuple(itertools.accumulate(per_input, initial=0))
    if stack:
        chunks = (*first[:axis], chunks_along, *first[axis:])
    else:
        chunks = (*first[:axis], chunks_along, *first[axis + 1:])
    casts = tuple(None if a.dtype == dtype else dtype for a in arrays)
    name = make_name(prefix, *arrays, axis, str(dtype))
    layer = JoinLayer(name, tuple(a.name for a in arrays), offsets, axis,
                      tuple(len(c) for c in chunks), casts, stack)
    return Array(Graph.from_layer(layer, *(a.graph for a in arrays)), name, chunks, dtype)


@implements(np.concatenate)
def concatenate(seq: Sequence[Any], axis: int | None = 0, out: Any = None, dtype: Any = None,
                casting: str = "same_kind") -> Array:
    """Join arrays along an existing axis; the result reuses the inputs' blocks.

    Parameters
    ----------
    seq : sequence of Array or array-like
    axis : int or None
        The axis to join along; None joins the flattened arrays.
    dtype : dtype, optional
        The result's dtype (NumPy's promotion of the inputs' by default).
    casting : str
        How the inputs may be cast to ``dtype``.

    Returns
    -------
    Array
        Its chunks along ``axis`` are the inputs' own; along the other axes the inputs
        are rechunked to common chunks where they differ.

    Raises
    ------
    ValueError
        No arrays, 0-d arrays, or shapes that differ off ``axis``.
    TypeError
        ``out=``, or a cast ``casting`` does not allow.

    Examples
    --------
    >>> import numpy as np
    >>> from chunkarray.array.creation import from_array
    >>> x = from_array(np.arange(4), chunks=2)
    >>> y = concatenate([x, from_array(np.arange(3), chunks=3)])
    >>> y.chunks
    ((2, 2, 3),)
    >>> y.compute()
    array([0, 1, 2, 3, 0, 1, 2])
    """
    if out is not None:
        raise ChunkArrayTypeError("concatenate: out= is not supported (arrays are immutable)")
    arrays = _join_inputs(seq, "concatenate")
    if axis is None:
        arrays = [ravel(a) for a in arrays]
        axis = 0
    ndim = arrays[0].ndim
    if ndim == 0:
        raise ChunkArrayValueError("concatenate: zero-dimensional arrays cannot be concatenated")
    for i, a in enumerate(arrays):
        if a.ndim != ndim:
            raise ChunkArrayValueError(
                f"concatenate: all arrays must have the same number of dimensions, but the "
                f"array at index 0 has {ndim} and the array at index {i} has {a.ndim}")
    axis = normalize_axis_index(axis, ndim, "concatenate: axis")
    for i, a in enumerate(arrays):
        for d in range(ndim):
            if d != axis and a.shape[d] != arrays[0].shape[d]:
                raise ChunkArrayValueError(
                    f"concatenate: all dimensions except the concatenation axis must match, "
                    f"but along dimension {d} the array at index 0 has size "
                    f"{arrays[0].shape[d]} and the array at index {i} has size {a.shape[d]}")
    dtype = _join_dtype(arrays, dtype, casting, "concatenate")
    # A zero-length block inside an axis is not a valid chunking: drop empty inputs.
    nonempty = [a for a in arrays if a.shape[axis] != 0] or arrays[:1]
    if len(nonempty) == 1:
        a = nonempty[0]
        return a if a.dtype == dtype else a.astype(dtype)
    along = tuple(c for a in nonempty for c in a.chunks[axis])
    return _join(nonempty, axis, dtype, False, along, "concatenate")


@implements(np.stack)
def stack(seq: Sequence[Any], axis: int = 0, out: Any = None, dtype: Any = None,
          casting: str = "same_kind") -> Array:
    """Join arrays of one shape along a new axis (one block per input along it).

    Parameters
    ----------
    seq : sequence of Array or array-like
    axis : int
        The position of the new axis in the result.
    dtype, casting
        As for :func:`concatenate`.

    Raises
    ------
    ValueError
        No arrays, or arrays of different shapes.

    Examples
    --------
    >>> import numpy as np
    >>> from chunkarray.array.creation import from_array
    >>> x = from_array(np.arange(4), chunks=2)
    >>> y = stack([x, x], axis=1)
    >>> y.chunks
    ((2, 2), (1, 1))
    """
    if out is not None:
        raise ChunkArrayTypeError("stack: out= is not supported (arrays are immutable)")
    arrays = _join_inputs(seq, "stack")
    shape = arrays[0].shape
    for i, a in enumerate(arrays):
        if a.shape != shape:
            raise ChunkArrayValueError(
                f"stack: all input arrays must have the same shape, but the array at index 0 "
                f"has shape {shape} and the array at index {i} has shape {a.shape}")
    axis = normalize_axis_index(axis, len(shape) + 1, "stack: axis")
    dtype = _join_dtype(arrays, dtype, casting, "stack")
    return _join(arrays, axis, dtype, True, (1,) * len(arrays), "stack")
