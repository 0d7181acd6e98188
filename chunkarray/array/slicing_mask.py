"""Lazy boolean masks and ``nonzero``: results whose sizes are known only when computed.

Policy: a mask over ``k`` axes replaces them with one axis, chunked like the mask's
first axis (one block per band of blocks along it, of unknown size ``nan``), the
other axes keeping their chunks. NumPy orders the selected elements row-major
over the ``k`` axes, which interleaves the blocks along axes 2..k of a band. So
for ``k > 1`` each block first gives a *piece* (its selected elements and their
local coordinates), and one task per band merges the band's pieces by sorting on
``(row, block, column, ...)``: it holds the selected elements of the band, never
the band's unselected data. With ``k == 1`` (or one block along axes 2..k) there
is nothing to interleave and each output block is one masked block. ``nonzero``
is the same machinery with the coordinates themselves as the selected values.

>>> import numpy as np
>>> from chunkarray.array.creation import from_array
>>> data = np.arange(6).reshape(2, 3)
>>> x = from_array(data, chunks=(1, 2))
>>> y = mask_getitem(x, from_array(data % 2 == 0, chunks=(1, 2)), axis=0, position=0)
>>> y.chunks, y.compute()
(((nan, nan),), array([0, 2, 4]))
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from chunkarray.array.core import Array
from chunkarray.array.creation import BlockSlices
from chunkarray.array.slicing_index import is_unknown
from chunkarray.errors import ChunkArrayValueError
from chunkarray.graph.blockwise import Blockwise
from chunkarray.graph.graph import Graph
from chunkarray.tokenize import name as make_name

LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _same_chunks(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    return len(a) == len(b) and all(
        (is_unknown(u) and is_unknown(v)) or u == v for u, v in zip(a, b))


def align_mask(y: Array, mask: Array, axis: int) -> tuple[Array, Array]:
    """``y`` and ``mask`` with the same chunks along the axes the mask covers."""
    span = range(axis, axis + mask.ndim)
    if all(_same_chunks(y.chunks[a], mask.chunks[a - axis]) for a in span):
        return y, mask
    if any(is_unknown(c) for a in span for c in (*y.chunks[a], *mask.chunks[a - axis])):
        raise ChunkArrayValueError(
            "getitem: the boolean mask and the array have different, partly unknown (nan) "
            "chunks; call compute_chunk_sizes() on both first"
        )
    from chunkarray.array.chunks import common_chunks

    common = [common_chunks(y.chunks[a], mask.chunks[a - axis]) for a in span]
    y_chunks = list(y.chunks)
    y_chunks[axis:axis + mask.ndim] = common
    return y.rechunk(tuple(y_chunks)), mask.rechunk(tuple(common))


def select_block(block: np.ndarray, mask: np.ndarray, axis: int, position: int) -> np.ndarray:
    """``block[..., mask, ...]`` with the selected axis moved to ``position``."""
    out = block[(slice(None),) * axis + (mask,)]
    return np.moveaxis(out, axis, position)


def select_piece(block: np.ndarray, mask: np.ndarray, axis: int) -> tuple[Any, ...]:
    """One block's selected elements and the local coordinates of each."""
    return block[(slice(None),) * axis + (mask,)], np.nonzero(mask)


def _flatten(nested: Any, depth: int, prefix: tuple[int, ...] = ()) -> list[Any]:
    if depth == 0:
        return [(prefix, nested)]
    out = []
    for j, item in enumerate(nested):
        out.extend(_flatten(item, depth - 1, (*prefix, j)))
    return out


def merge_pieces(nested: Any, depth: int, axis: int, position: int) -> np.ndarray:
    """Join the pieces of one band in NumPy's row-major order along ``axis``."""
    pieces = _flatten(nested, depth)
    if len(pieces) == 1:
        return np.moveaxis(pieces[0][1][0], axis, position)
    keys: list[np.ndarray] = []
    for level in range(depth, -1, -1):
        coord = np.concatenate([p[1][1][level] for p in pieces])
        keys.append(coord)
        if level:
            keys.append(np.concatenate(
                [np.full(len(p[1][1][0]), p[0][level - 1], dtype=np.intp) for p in pieces]))
    order = np.lexsort(keys)
    values = np.concatenate([p[1][0] for p in pieces], axis=axis)
    return np.moveaxis(np.take(values, order, axis=axis), axis, position)


def _output(y: Array, axis: int, k: int, position: int) -> tuple[str, tuple[Any, ...]]:
    letters = LETTERS[: y.ndim]
    rest = [i for i in range(y.ndim) if not axis <= i < axis + k]
    dims = rest[:position] + [axis] + rest[position:]
    chunks = tuple((math.nan,) * y.numblocks[axis] if d == axis else y.chunks[d]
                   for d in dims)
    return "".join(letters[d] for d in dims), chunks


def mask_getitem(y: Array, mask: Array, axis: int, position: int) -> Array:
    """``y`` indexed by the lazy boolean ``mask`` over axes ``axis..axis+mask.ndim``,
    the selected axis placed at ``position`` (see the module docstring)."""
    y, mask = align_mask(y, mask, axis)
    k = mask.ndim
    letters = LETTERS[: y.ndim]
    mask_ind = letters[axis:axis + k]
    out_ind, chunks = _output(y, axis, k, position)
    name = make_name("getitem", y, mask, axis, position)
    numblocks = {y.name: y.numblocks, mask.name: mask.numblocks}
    inputs = [(y.name, letters), (mask.name, mask_ind)]
    if k == 1:
        layer = Blockwise(name, out_ind, select_block, inputs, numblocks,
                          kwargs={"axis": axis, "position": position})
        return Array(Graph.from_layer(layer, y.graph, mask.graph), name, chunks, y.dtype)
    pieces = make_name("getitem-pieces", y, mask, axis)
    first = Blockwise(pieces, letters, select_piece, inputs, numblocks, kwargs={"axis": axis})
    merge = Blockwise(name, out_ind, merge_pieces, [(pieces, letters)],
                      {pieces: y.numblocks},
                      kwargs={"depth": k - 1, "axis": axis, "position": position})
    graph = Graph.from_layer(merge, Graph.from_layer(first, y.graph, mask.graph))
    return Array(graph, name, chunks, y.dtype)


def nonzero_piece(block: np.ndarray, where: tuple[slice, ...]) -> tuple[Any, ...]:
    """Global coordinates ``(m, ndim)`` of a block's non-zero elements, and local ones."""
    local = np.nonzero(block)
    coords = np.stack([c + s.start for c, s in zip(local, where)], axis=1)
    return coords, local


def column(coords: np.ndarray, i: int) -> np.ndarray:
    """Column ``i`` of a ``(m, ndim)`` coordinate block."""
    return np.ascontiguousarray(coords[:, i])


def nonzero(x: Array) -> tuple[Array, ...]:
    """The indices of the non-zero elements, one lazy 1-d Array per axis.

    Their chunk sizes are unknown (``nan``) until computed, like after a boolean
    mask: one block per block of ``x``'s first axis. Lazy, so that a nonzero of a
    larger-than-memory array never loads it; a task holds the coordinates found in
    one band of blocks along the first axis.

    Parameters
    ----------
    x : Array
        Needs known chunk sizes (call ``compute_chunk_sizes()`` first otherwise).

    Returns
    -------
    tuple of Array
        ``x.ndim`` integer arrays, as ``numpy.nonzero``.

    Raises
    ------
    ValueError
        For a 0-d array (as NumPy 2) or unknown chunk sizes.

    Examples
    --------
    >>> import numpy as np
    >>> from chunkarray.array.creation import from_array
    >>> x = from_array(np.array([[0, 1, 0], [2, 0, 3]]), chunks=(1, 2))
    >>> [i.compute() for i in nonzero(x)]
    [array([0, 1, 1]), array([1, 0, 2])]
    """
    if x.ndim == 0:
        raise ChunkArrayValueError(
            "nonzero: calling nonzero on 0d arrays is not allowed; use "
            "x.reshape(1).nonzero() or numpy.atleast_1d first"
        )
    if any(is_unknown(c) for cs in x.chunks for c in cs):
        raise ChunkArrayValueError(
            "nonzero: x has unknown (nan) chunk sizes; call x.compute_chunk_sizes() first")
    letters = LETTERS[: x.ndim]
    pieces = make_name("nonzero-pieces", x)
    merged = make_name("nonzero-merge", x)
    first = Blockwise(pieces, letters, nonzero_piece,
                      [(x.name, letters), (BlockSlices(x.chunks), letters)],
                      {x.name: x.numblocks})
    merge = Blockwise(merged, letters[0], merge_pieces, [(pieces, letters)],
                      {pieces: x.numblocks},
                      kwargs={"depth": x.ndim - 1, "axis": 0, "position": 0})
    graph = Graph.from_layer(merge, Graph.from_layer(first, x.graph))
    chunks = ((math.nan,) * x.numblocks[0],)
    out = []
    for i in range(x.ndim):
        name = make_name("nonzero", x, i)
        layer = Blockwise(name, "a", column, [(merged, "a"), (i, None)],
                          {merged: (x.numblocks[0],)})
        out.append(Array(Graph.from_layer(layer, graph), name, chunks, np.intp))
    return tuple(out)
