"""cumsum, cumprod and their nan-variants: per-block scans joined by a carry.

Each block is scanned on its own (a Blockwise layer, fused with the elementwise
work producing the block). A :class:`~chunkarray.graph.reduction.PrefixScan`
layer then carries the running total across the blocks of the axis, one block at a
time: ``carry[j] = carry[j - 1] (+) last_slice(scan[j - 1])``. Block ``j`` of the
result is ``carry[j] (+) scan[j]``, another Blockwise layer, so it needs only its
own block and one carry, and the output chunks are the input chunks.

>>> import numpy as np
>>> from chunkarray.array.creation import from_array
>>> x = from_array(np.arange(1, 7), chunks=2)
>>> cumsum(x).compute()
array([ 1,  3,  6, 10, 15, 21])
>>> cumprod(x).chunks
((2, 2, 2),)
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from chunkarray.array.core import Array, implements
from chunkarray.array.reduction import as_array, numpy_meta, parse_axis
from chunkarray.errors import ChunkArrayTypeError
from chunkarray.graph.blockwise import Blockwise
from chunkarray.graph.graph import Graph
from chunkarray.graph.reduction import PrefixScan
from chunkarray.tokenize import name as make_name

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def scan_block(block: np.ndarray, scan: Callable[..., Any], axis: int | None,
               dtype: np.dtype[Any]) -> np.ndarray:
    """One block scanned along ``axis`` in ``dtype``."""
    return scan(block, axis=axis, dtype=dtype)  # type: ignore[no-any-return]


def carry_step(carry: Any, scanned: np.ndarray, op: np.ufunc, axis: int) -> np.ndarray:
    """The carry after one more block: ``carry (+) scanned[..., -1:, ...]``."""
    if scanned.shape[axis] == 0:  # an empty block (sizes unknown until computed)
        return carry  # type: ignore[no-any-return]
    last = np.take(scanned, [-1], axis=axis)
    return last if carry is None else op(carry, last)


class ApplyCarry:
    """``carry (+) scanned`` (broadcast along the axis); the first block has no carry."""

    def __init__(self, op: np.ufunc, label: str) -> None:
        self.op = op
        self.__name__ = label

    def __call__(self, carry: Any, scanned: np.ndarray) -> np.ndarray:
        return scanned if carry is None else self.op(carry, scanned)  # type: ignore[no-any-return]


def _cumulative(a: Any, axis: Any, dtype: Any, out: Any, name: str,
                scan: Callable[..., Any], op: np.ufunc) -> Array:
    x = as_array(a, name)
    if out is not None:
        raise ChunkArrayTypeError(
            f"{name}: out= is not supported on chunkarray arrays (they are immutable)"
        )
    if axis is None and x.ndim > 1:
        from chunkarray.array.reshape import ravel

        x = ravel(x)
    if axis is not None:
        (axis,) = parse_axis(axis, x.ndim, name, allow_tuple=False)
    out_dtype = numpy_meta(name, scan, x, axis=axis, dtype=dtype).dtype
    if x.ndim == 0:
        layer_name = make_name(name, x, str(out_dtype))
        layer = Blockwise(layer_name, "i", partial(scan_block, scan=scan, axis=None,
                                                   dtype=out_dtype),
                          [(x.name, "")], {x.name: ()}, new_axes={"i": 1})
        return Array(Graph.from_layer(layer, x.graph), layer_name, ((1,),), out_dtype)
    axis = axis or 0
    ind = _LETTERS[: x.ndim]
    nb = x.numblocks
    scan_name = make_name(f"{name}-block", x, axis, str(out_dtype))
    layer = Blockwise(scan_name, ind, partial(scan_block, scan=scan, axis=axis, dtype=out_dtype),
                      [(x.name, ind)], {x.name: nb})
    graph = Graph.from_layer(layer, x.graph)
    if nb[axis] == 1:
        return Array(graph, scan_name, x.chunks, out_dtype)
    carry_name = make_name(f"{name}-carry", x, axis, str(out_dtype))
    carry = PrefixScan(carry_name, scan_name, nb, axis, partial(carry_step, op=op, axis=axis),
                       None)
    graph = Graph.from_layer(carry, graph)
    out_name = make_name(name, x, axis, str(out_dtype))
    layer = Blockwise(out_name, ind, ApplyCarry(op, name),
                      [(carry_name, ind), (scan_name, ind)], {carry_name: nb, scan_name: nb})
    return Array(Graph.from_layer(layer, graph), out_name, x.chunks, out_dtype)


def _document(name: str, summary: str, result: str) -> str:
    return f"""{summary}

    Parameters
    ----------
    a : Array or array_like
    axis : int or None
        The axis to scan; None scans the flattened array (C order).
    dtype : dtype, optional
        The accumulator and result type; by default NumPy's (int64 for smaller
        integers and bools).
    out : None
        Not supported: chunkarray arrays are immutable.

    Returns
    -------
    Array
        Chunked like ``a`` along ``axis`` (one block of 1 for a 0-d ``a``).

    Raises
    ------
    ValueError
        An axis out of range.
    TypeError
        A tuple of axes.

    Examples
    --------
    >>> import numpy as np
    >>> from chunkarray.array.creation import from_array
    >>> from chunkarray.array.cumulative import {name}
    >>> x = from_array(np.array([[1.0, 2.0, np.nan], [3.0, 4.0, 5.0]]), chunks=1)
    >>> {name}(x, axis=1).compute()
    {result}
    """


@implements(np.cumsum)
def cumsum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Array:
    return _cumulative(a, axis, dtype, out, "cumsum", np.cumsum, np.add)


@implements(np.cumprod)
def cumprod(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Array:
    return _cumulative(a, axis, dtype, out, "cumprod", np.cumprod, np.multiply)


@implements(np.nancumsum)
def nancumsum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Array:
    return _cumulative(a, axis, dtype, out, "nancumsum", np.nancumsum, np.add)


@implements(np.nancumprod)
def nancumprod(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Array:
    return _cumulative(a, axis, dtype, out, "nancumprod", np.nancumprod, np.multiply)


cumsum.__doc__ = _document(
    "cumsum", "The cumulative sum along ``axis``.",
    "array([[ 1.,  3., nan],\n           [ 3.,  7., 12.]])")
cumprod.__doc__ = _document(
    "cumprod", "The cumulative product along ``axis``.",
    "array([[ 1.,  2., nan],\n           [ 3., 12., 60.]])")
nancumsum.__doc__ = _document(
    "nancumsum", "The cumulative sum along ``axis``, NaNs counting as zero.",
    "array([[ 1.,  3.,  3.],\n           [ 3.,  7., 12.]])")
nancumprod.__doc__ = _document(
    "nancumprod", "The cumulative product along ``axis``, NaNs counting as one.",
    "array([[ 1.,  2.,  2.],\n           [ 3., 12., 60.]])")
