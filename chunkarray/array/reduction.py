"""The generic tree reduction of an Array, and the argument parsers reductions share.

A reduction is three functions, each called as ``f(block, axis=axes, keepdims=...)``:
``chunk`` makes one partial result per block (keeping the reduced axes, length 1);
``combine`` merges partials joined along the reduced axes into one partial;
``aggregate`` turns the joined partials of the last level into the result. The
graph is one Blockwise layer for ``chunk`` (so ``sin(x).sum()`` reads, takes the
sine and sums each block in one task), then :class:`~chunkarray.graph.reduction.PartialReduce`
levels combining ``split_every`` blocks per reduced axis until one is left.

Partials may be structured NumPy arrays (count, mean and M2 for moments; value and
index for argmin): they concatenate like any array.

>>> import numpy as np
>>> from chunkarray.array.creation import from_array
>>> x = from_array(np.arange(16).reshape(4, 4), chunks=1)
>>> s = reduction(x, np.sum, np.sum, np.sum, axis=0, keepdims=False, dtype=np.int64,
...               split_every=2, name="sum")
>>> s.compute()
array([24, 28, 32, 36])
>>> s.numblocks
(4,)
"""

from __future__ import annotations

import math
import operator
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from chunkarray import config
from chunkarray.array.blockwise import concatenate_blocks
from chunkarray.array.core import Array, asarray_like
from chunkarray.errors import ChunkArrayTypeError, ChunkArrayValueError
from chunkarray.graph.blockwise import Blockwise
from chunkarray.graph.graph import Graph
from chunkarray.graph.reduction import PartialReduce, reduced_numblocks
from chunkarray.graph.tiling import RowReduce
from chunkarray.tokenize import name as make_name

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def as_array(a: Any, func_name: str) -> Array:
    """``a`` as an Array (NumPy arrays and scalars become one block)."""
    if isinstance(a, Array):
        return a
    try:
        return asarray_like(a)
    except (TypeError, ValueError) as exc:
        raise ChunkArrayTypeError(
            f"{func_name}: expected an array, got {type(a).__name__} ({exc})"
        ) from None


def parse_axis(axis: Any, ndim: int, func_name: str, allow_tuple: bool = True) -> tuple[int, ...]:
    """Reduced axes, non-negative and sorted; ``None`` means every axis.

    Raises NumPy's AxisError (a ValueError and an IndexError) for an axis out of
    range, ValueError for a repeated axis and TypeError for anything not an int.

    >>> parse_axis((-1, 0), 3, "sum"), parse_axis(None, 2, "sum")
    ((0, 2), (0, 1))
    """
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        if not allow_tuple:
            raise ChunkArrayTypeError(
                f"{func_name}: axis must be an int or None, got {type(axis).__name__} {axis!r}"
            )
        items = list(axis)
    else:
        items = [axis]
    out = []
    for item in items:
        if isinstance(item, (bool, np.bool_)):
            raise ChunkArrayTypeError(f"{func_name}: axis must be an int, got {item!r}")
        try:
            a = operator.index(item)
        except TypeError:
            raise ChunkArrayTypeError(
                f"{func_name}: axis must be an int, a tuple of ints or None, got {item!r}"
            ) from None
        if not -ndim <= a < ndim:
            raise np.exceptions.AxisError(
                f"{func_name}: axis {a} is out of bounds for array of dimension {ndim}"
            )
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ChunkArrayValueError(f"{func_name}: duplicate value in 'axis': {axis!r}")
    return tuple(sorted(out))


def parse_split_every(
    split_every: Any, axes: Sequence[int], numblocks: Sequence[int], func_name: str
) -> dict[int, int]:
    """Blocks combined per reduced axis in one tree step.

    An int ``n`` is spread over the reduced axes that have several blocks (about
    ``n ** (1 / k)`` each, at least 2), so one task combines about ``n`` partials; a
    dict gives the factor per axis (axes left out get 2). ``None`` reads the
    ``split_every`` setting.

    >>> parse_split_every(16, (0, 1), (10, 10), "sum")
    {0: 4, 1: 4}
    >>> parse_split_every({1: 3}, (0, 1), (10, 10), "sum")
    {0: 2, 1: 3}
    """
    ndim = len(numblocks)
    if split_every is None:
        split_every = config.get("split_every")
    if isinstance(split_every, dict):
        given = {}
        for a, n in split_every.items():
            (ax,) = parse_axis(a, ndim, f"{func_name}: split_every")
            given[ax] = _split_value(n, func_name)
        return {a: given.get(a, 2) for a in axes}
    n = _split_value(split_every, func_name)
    active = [a for a in axes if numblocks[a] > 1]
    per_axis = 2
    if active:
        per_axis = max(math.floor(n ** (1.0 / len(active)) + 1e-9), 2)
    return {a: per_axis for a in axes}


def _split_value(n: Any, func_name: str) -> int:
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)):
        raise ChunkArrayTypeError(
            f"{func_name}: split_every must be an int >= 2 or a dict of them by axis, "
            f"got {n!r}"
        )
    if n < 2:
        raise ChunkArrayValueError(f"{func_name}: split_every must be >= 2, got {n}")
    return int(n)


def proxy_of(x: Array) -> np.ndarray:
    """A tiny NumPy array with ``x``'s dtype and zero-length axes, for metadata."""
    return np.ones(tuple(0 if s == 0 else 1 for s in x.shape), dtype=x.dtype)


def numpy_meta(func_name: str, func: Callable[..., Any], x: Array, **kwargs: Any) -> np.ndarray:
    """NumPy's result of ``func`` on a tiny stand-in of ``x``: its dtype and ndim.

    NumPy's own errors (a reduction of an empty axis without identity, a dtype it
    refuses) are raised here, when the graph is built, prefixed with ``func_name``.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            try:
                return np.asarray(func(proxy_of(x), **kwargs))
            except np.exceptions.AxisError:
                raise
            except ValueError as exc:
                raise ChunkArrayValueError(f"{func_name}: {exc}") from None
            except TypeError as exc:
                raise ChunkArrayTypeError(f"{func_name}: {exc}") from None


def static_count(x: Array, axes: Sequence[int]) -> float:
    """Elements reduced into each output element (``nan`` if a size is unknown)."""
    return math.prod(x.shape[a] for a in axes)


class Stage:
    """One step of a reduction: ``func(joined_blocks, axis=axes, keepdims=...)``.

    ``join`` concatenates the nested list of partials of a tree task first;
    ``dtype`` casts the result (the aggregate's promise to the Array's metadata).
    """

    def __init__(
        self,
        func: Callable[..., Any],
        axes: tuple[int, ...],
        keepdims: bool,
        join: bool,
        dtype: Any = None,
        label: str | None = None,
    ) -> None:
        self.func = func
        self.axes = axes
        self.keepdims = keepdims
        self.join = join
        self.dtype = None if dtype is None else np.dtype(dtype)
        self.__name__ = label or getattr(func, "__name__", "reduce")

    def __call__(self, value: Any, *extra: Any) -> Any:
        if self.join:
            value = concatenate_blocks(value, list(self.axes)) if self.axes else value
        result = self.func(value, *extra, axis=self.axes, keepdims=self.keepdims)
        if self.dtype is not None and result.dtype != self.dtype:
            result = result.astype(self.dtype)
        return result

    def __repr__(self) -> str:
        return f"Stage({self.__name__}, axis={self.axes}, keepdims={self.keepdims})"


def reduction(
    x: Array,
    chunk: Callable[..., Any],
    combine: Callable[..., Any],
    aggregate: Callable[..., Any],
    *,
    axis: Any,
    keepdims: bool,
    dtype: Any,
    split_every: Any,
    name: str,
    token: Any = (),
    block_values: Sequence[Any] = (),
    tile_rows: bool = False,
) -> Array:
    """A tree reduction of ``x`` over ``axis`` (see the module docstring).

    Parameters
    ----------
    x : Array
    chunk, combine, aggregate : callable
        Called as ``f(array, axis=tuple_of_axes, keepdims=bool)``.
    axis : int, tuple of int or None
    keepdims : bool
    dtype : dtype
        The result's dtype (the aggregate's result is cast to it).
    split_every : int, dict or None
        See :func:`parse_split_every`.
    name : str
        The readable prefix of the layer names (``"sum"`` gives ``sum-chunk``,
        ``sum-partial`` and ``sum-aggregate`` layers).
    token : object
        Everything else the result depends on (ddof, ...), for deterministic names.
    block_values : sequence of BlockValues
        Per-block literals (such as block offsets) passed to ``chunk`` after the block.
    tile_rows : bool
        ``chunk`` of a block equals ``combine`` of the ``chunk`` of its row tiles
        (true of sums, extremes and moments; not of arg-reductions, whose partials
        hold positions): a fused elementwise run feeding it is reduced tile by tile.
    """
    axes = parse_axis(axis, x.ndim, name)
    keepdims = bool(keepdims)
    dtype = np.dtype(dtype)
    split = parse_split_every(split_every, axes, x.numblocks, name)
    ind = _LETTERS[: x.ndim]
    chunk_name = make_name(f"{name}-chunk", x, axes, str(dtype), token)
    combine_stage = Stage(combine, axes, True, True, label=f"{name}-combine")
    row_reduce = None
    if tile_rows and x.ndim:
        merge = Stage(combine, axes, True, False, label=f"{name}-combine")
        row_reduce = RowReduce(merge if 0 in axes else None)
    layer = Blockwise(
        chunk_name, ind, Stage(chunk, axes, True, False, label=name),
        [(x.name, ind), *((values, ind) for values in block_values)], {x.name: x.numblocks},
        row_reduce=row_reduce,
    )
    graph = Graph.from_layer(layer, x.graph)
    numblocks, prev, level = x.numblocks, chunk_name, 0
    while any(numblocks[a] > split[a] for a in axes):
        level += 1
        part = make_name(f"{name}-partial", x, axes, str(dtype), token, split, level)
        graph = Graph.from_layer(PartialReduce(part, prev, numblocks, split, combine_stage), graph)
        numblocks, prev = reduced_numblocks(numblocks, split), part
    out_name = make_name(f"{name}-aggregate", x, axes, keepdims, str(dtype), token, split)
    last = {a: max(numblocks[a], 1) for a in axes}
    stage = Stage(aggregate, axes, keepdims, True, dtype, label=f"{name}-aggregate")
    top = PartialReduce(out_name, prev, numblocks, last, stage, drop_axes=not keepdims)
    chunks = []
    for a, c in enumerate(x.chunks):
        if a not in axes:
            chunks.append(c)
        elif keepdims:
            chunks.append((1,))
    return Array(Graph.from_layer(top, graph), out_name, tuple(chunks), dtype)
