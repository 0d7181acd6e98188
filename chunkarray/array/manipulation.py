"""Changing shape and layout: transpose, swap/move axes, expand/squeeze, broadcast.

Each function adds one :class:`Blockwise` layer (so it fuses with elementwise
chains). Joining (``concatenate``, ``stack``) lives in :mod:`chunkarray.array.join`,
``reshape`` and ``ravel`` in :mod:`chunkarray.array.reshape`.

>>> import numpy as np
>>> from chunkarray.array.creation import from_array
>>> x = from_array(np.arange(6).reshape(2, 3), chunks=(1, 3))
>>> transpose(x).chunks
((3,), (1, 1))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from chunkarray.array.chunks import Chunks, normalize_chunks
from chunkarray.array.core import Array, asarray_like, implements
from chunkarray.errors import ChunkArrayValueError
from chunkarray.graph.blockwise import Blockwise
from chunkarray.graph.graph import Graph
from chunkarray.tokenize import name as make_name

__all__ = [
    "broadcast_to", "expand_dims", "moveaxis", "squeeze", "swapaxes", "transpose",
]

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _as_array(x: Any) -> Array:
    return x if isinstance(x, Array) else asarray_like(x)


def _letters(n: int) -> str:
    if n > len(_LETTERS):
        raise ChunkArrayValueError(f"arrays of more than {len(_LETTERS)} dimensions are not "
                                   f"supported, got {n}")
    return _LETTERS[:n]


def _blockwise_array(name: str, out_ind: str, func: Any, x: Array, in_ind: str,
                     chunks: Sequence[Sequence[int]], dtype: Any, **kwargs: Any) -> Array:
    """One Blockwise layer over ``x``; letters of ``out_ind`` not in ``in_ind`` are new."""
    extra = kwargs.pop("extra_inputs", [])
    known = in_ind + "".join(ind or "" for _, ind in extra)
    new_axes = {c: 1 for c in out_ind if c not in known}
    layer = Blockwise(name, out_ind, func, [(x.name, in_ind), *extra], {x.name: x.numblocks},
                      kwargs=kwargs, new_axes=new_axes)
    return Array(Graph.from_layer(layer, x.graph), name, chunks, dtype)


# -- axis order ------------------------------------------------------------------------------


@implements(np.transpose)
def transpose(x: Any, axes: Sequence[int] | None = None) -> Array:
    """Permute the axes (reverse them by default), block by block.

    Parameters
    ----------
    x : Array or array-like
    axes : sequence of int, optional
        A permutation of the axes (negative allowed); None reverses them.

    Returns
    -------
    Array
        ``x`` itself for the identity permutation.

    Raises
    ------
    ValueError
        ``axes`` is not a permutation of ``x``'s axes.

    Examples
    --------
    >>> import numpy as np
    >>> from chunkarray.array.creation import from_array
    >>> x = from_array(np.arange(6).reshape(2, 3), chunks=(1, 2))
    >>> transpose(x).chunks
    ((2, 1), (1, 1))
    >>> transpose(x).compute()
    array([[0, 3],
           [1, 4],
           [2, 5]])
    """
    x = _as_array(x)
    ndim = x.ndim
    if axes is None:
        perm = tuple(reversed(range(ndim)))
    else:
        perm = normalize_axis_tuple(tuple(axes), ndim, "transpose: axes")
        if len(perm) != ndim:
            raise ChunkArrayValueError(
                f"transpose: axes {tuple(axes)} don't match an array of {ndim} dimensions")
    if perm == tuple(range(ndim)):
        return x
    in_ind = _letters(ndim)
    out_ind = "".join(in_ind[a] for a in perm)
    name = make_name("transpose", x, perm)
    return _blockwise_array(name, out_ind, np.transpose, x, in_ind,
                            [x.chunks[a] for a in perm], x.dtype, axes=perm)


@implements(np.swapaxes)
def swapaxes(x: Any, axis1: int, axis2: int) -> Array:
    """Swap axes ``axis1`` and ``axis2`` (negative allowed); AxisError when out of range.

    Examples
    --------
    >>> import numpy as np
    >>> from chunkarray.array.creation import from_array
    >>> swapaxes(from_array(np.zeros((2, 3, 4)), chunks=2), 0, -1).shape
    (4, 3, 2)
    """
    x = _as_array(x)
    a = normalize_axis_index(axis1, x.ndim, "swapaxes: axis1")
    b = normalize_axis_index(axis2, x.ndim, "swapaxes: axis2")
    perm = list(range(x.ndim))
    perm[a], perm[b] = perm[b], perm[a]
    return transpose(x, perm)


@implements(np.moveaxis)
def moveaxis(x: Any, source: int | Sequence[int], destination: int | Sequence[int]) -> Array:
    """Move axes to new positions, keeping the order of the others (as ``numpy.moveaxis``).

    Parameters
    ----------
    x : Array or array-like
    source, destination : int or sequence of int
        Original and new positions of the moved axes, as many of each.

    Examples
    --------
    >>> import numpy as np
    >>> from chunkarray.array.creation import from_array
    >>> moveaxis(from_array(np.zeros((2, 3, 4)), chunks=2), 0, -1).shape
    (3, 4, 2)
    """
    x = _as_array(x)
    src = normalize_axis_tuple(source, x.ndim, "moveaxis: source")
    dst = normalize_axis_tuple(destination, x.ndim, "moveaxis: destination")
    if len(src) != len(dst):
        raise ChunkArrayValueError(
            f"moveaxis: source {source!r} and destination {destination!r} must have the "
            f"same number of elements")
    order = [n for n in range(x.ndim) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(x, order)


# -- length-one axes and broadcasting -----------------------------------------------------------


@implements(np.expand_dims)
def expand_dims(x: Any, axis: int | Sequence[int]) -> Array:
    """Insert length-one axes (one block each) at the positions ``axis`` of the result.

    Parameters
    ----------
    x : Array or array-like
    axis : int or sequence of int
        Positions in the result (negative allowed).

    Examples
    --------
    >>> import numpy as np
    >>> from chunkarray.array.creation import from_array
    >>> expand_dims(from_array(np.arange(4), chunks=2), (0, 2)).chunks
    ((1,), (2, 2), (1,))
    """
    x = _as_array(x)
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    out_ndim = x.ndim + len(axes)
    new = normalize_axis_tuple(tuple(axes), out_ndim, "expand_dims: axis")
    out_ind = _letters(out_ndim)
    in_ind = "".join(c for i, c in enumerate(out_ind) if i not in new)
    old = iter(x.chunks)
    chunks = [(1,) if i in new else next(old) for i in range(out_ndim)]
    name = make_name("expand_dims", x, new)
    return _blockwise_array(name, out_ind, np.expand_dims, x, in_ind, chunks, x.dtype,
                            axis=new)


def _squeeze_block(nested: Any, depth: int, axis: tuple[int, ...]) -> np.ndarray:
    for _ in range(depth):
        (nested,) = nested
    return np.squeeze(nested, axis=axis)


@implements(np.squeeze)
def squeeze(x: Any, axis: int | Sequence[int] | None = None) -> Array:
    """Remove length-one axes (all of them, or those in ``axis``).

    Parameters
    ----------
    x : Array or array-like
    axis : int or sequence of int, optional

    Raises
    ------
    ValueError
        An axis in ``axis`` does not have length one.

    Examples
    --------
    >>> import numpy as np
    >>> from chunkarray.array.creation import from_array
    >>> squeeze(from_array(np.zeros((1, 3, 1)), chunks=2)).chunks
    ((2, 1),)
    """
    x = _as_array(x)
    if axis is None:
        drop = tuple(i for i, n in enumerate(x.shape) if n == 1)
    else:
        drop = normalize_axis_tuple(axis, x.ndim, "squeeze: axis")
        for a in drop:
            if x.shape[a] != 1:
                raise ChunkArrayValueError(
                    f"squeeze: cannot select axis {a} to squeeze out: it has length "
                    f"{x.shape[a]}, not 1")
    if not drop:
        return x
    in_ind = _letters(x.ndim)
    out_ind = "".join(c for i, c in enumerate(in_ind) if i not in drop)
    chunks = [c for i, c in enumerate(x.chunks) if i not in drop]
    name = make_name("squeeze", x, drop)
    return _blockwise_array(name, out_ind, _squeeze_block, x, in_ind, chunks, x.dtype,
                            depth=len(drop), axis=drop)


class _BlockShapes:
    """Per-block literal: the shape of output block ``index``."""

    def __init__(self, chunks: Chunks) -> None:
        self.chunks = chunks
        self.numblocks = tuple(len(c) for c in chunks)

    def __getitem__(self, index: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(c[i] for c, i in zip(self.chunks, index))

    def __chunkarray_tokenize__(self) -> Any:
        return ("BlockShapes", self.chunks)


def _broadcast_block(block: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    return np.broadcast_to(block, shape)


@implements(np.broadcast_to)
def broadcast_to(x: Any, shape: int | Sequence[int], chunks: Any = None) -> Array:
    """``x`` broadcast to ``shape`` by NumPy's rules (a read-only view per block).

    Parameters
    ----------
    x : Array or array-like
    shape : int or tuple of int
    chunks : optional
        The result's chunks (any form ``normalize_chunks`` accepts); ``x`` is rechunked
        to match them. By default new and stretched axes are one block each and the
        other axes keep ``x``'s chunks.

    Raises
    ------
    ValueError
        ``x``'s shape does not broadcast to ``shape`` (naming both).

    Examples
    --------
    >>> import numpy as np
    >>> from chunkarray.array.creation import from_array
    >>> y = broadcast_to(from_array(np.arange(3), chunks=2), (4, 3), chunks=(2, 2))
    >>> y.chunks
    ((2, 2), (2, 1))
    >>> y.compute()[3]
    array([0, 1, 2])
    """
    x = _as_array(x)
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s)
                                                                            for s in shape)
    lead = len(shape) - x.ndim
    if lead < 0 or any(s < 0 for s in shape) or any(
            n not in (1, s) for n, s in zip(x.shape, shape[lead:])):
        raise ChunkArrayValueError(
            f"broadcast_to: an array of shape {x.shape} cannot be broadcast to shape {shape}")
    stretched = [lead + i for i, (n, s) in enumerate(zip(x.shape, shape[lead:])) if n != s]
    if chunks is None:
        out_chunks = tuple((s,) if i < lead or i in stretched else x.chunks[i - lead]
                           for i, s in enumerate(shape))
    else:
        out_chunks = normalize_chunks(chunks, shape, dtype=x.dtype)
        keep = tuple(x.chunks[i] if lead + i in stretched else out_chunks[lead + i]
                     for i in range(x.ndim))
        x = x.rechunk(keep)
    if shape == x.shape and out_chunks == x.chunks:
        return x
    out_ind = _letters(len(shape))
    shapes = _BlockShapes(out_chunks)
    name = make_name("broadcast_to", x, out_chunks)
    return _blockwise_array(name, out_ind, _broadcast_block, x, out_ind[lead:], out_chunks,
                            x.dtype, extra_inputs=[(shapes, out_ind)])


# Methods NumPy users expect on an array; each is the function above.
Array.squeeze = lambda self, axis=None: squeeze(self, axis)  # type: ignore[attr-defined]
Array.swapaxes = lambda self, a, b: swapaxes(self, a, b)  # type: ignore[attr-defined]
