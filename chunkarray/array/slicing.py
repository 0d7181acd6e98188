"""Slicing: ``x[...]``, ``x[...] = v``, ``x.blocks[...]``, unknown chunk sizes.

``getitem`` lowers an index to at most two lazy layers: basic slicing (ints,
slices with any step, None; :mod:`~chunkarray.array.slicing_basic`), then either
integer-array indexing (:mod:`~chunkarray.array.slicing_points`) or a lazy boolean
mask (:mod:`~chunkarray.array.slicing_mask`). NumPy boolean masks are integer
arrays (their ``nonzero()``), as NumPy defines them. Parsing and NumPy's errors
live in :mod:`~chunkarray.array.slicing_index`, assignment in
:mod:`~chunkarray.array.slicing_setitem`. Every layer makes a block's task only
when asked, so building ``x[0, 0]`` costs the same on a 10^12-element array as on
a small one, and computing it reads one chunk.

>>> import numpy as np
>>> from chunkarray.array.creation import from_array
>>> x = from_array(np.arange(12).reshape(3, 4), chunks=2)
>>> x[1:, ::-2].compute()
array([[ 7,  5],
       [11,  9]])
>>> x[[2, 0], 1].compute()
array([9, 1])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np

from chunkarray import base
from chunkarray.array.core import Array, implements
from chunkarray.array.slicing_basic import SliceLayer, plan_basic
from chunkarray.array.slicing_index import (
    IndexTypeError,
    IntArray,
    LazyMask,
    advanced_position,
    is_unknown,
    parse_index,
)
from chunkarray.array.slicing_mask import LETTERS, mask_getitem, nonzero
from chunkarray.array.slicing_points import (
    PointLayer,
    PointLayout,
    PointPiecesLayer,
    plan_points,
)
from chunkarray.array.slicing_setitem import setitem
from chunkarray.errors import ChunkArrayTypeError, ChunkArrayValueError
from chunkarray.graph.blockwise import Blockwise
from chunkarray.graph.graph import Graph
from chunkarray.tokenize import name as make_name
from chunkarray.typing import Key

__all__ = [
    "chunks_from_blocks", "compute_chunk_sizes", "getitem", "nonzero", "select_blocks",
    "setitem", "take",
]

_FULL = slice(None)


def getitem(x: Array, index: Any) -> Array:
    """``x[index]`` with NumPy's semantics, lazily.

    Parameters
    ----------
    x : Array
    index : int, slice, None, Ellipsis, array-like of int or bool, boolean Array, or a tuple
        Several integer arrays broadcast together (NumPy's advanced indexing). A lazy
        boolean Array must be the only array in the index; the result then has
        unknown (``nan``) chunk sizes along the selected axis.

    Returns
    -------
    Array
        Reading only the blocks the index touches.

    Raises
    ------
    IndexError
        Out-of-bounds indices, too many indices, a mismatched mask (NumPy's messages).
    TypeError
        An index of an unsupported type (also an IndexError, as NumPy's).
    ValueError
        Indexing an axis whose chunk sizes are unknown.

    Examples
    --------
    >>> import numpy as np
    >>> from chunkarray.array.creation import from_array
    >>> x = from_array(np.arange(10), chunks=4)
    >>> x[-3:].compute(), x[np.array([True] * 5 + [False] * 5)].chunks
    (array([7, 8, 9]), ((4, 1),))
    """
    entries = parse_index(index, x.shape)
    if any(isinstance(e, bool) for e in entries):
        return _with_bool_scalars(x, entries)
    position = advanced_position(entries)
    basic: list[Any] = []
    axes: list[int] = []
    arrays: list[np.ndarray] = []
    masks: list[tuple[Array, int]] = []
    dims = 0
    for e in entries:
        if isinstance(e, IntArray):
            basic.append(_FULL)
            axes.append(dims)
            arrays.append(e.values)
            dims += 1
        elif isinstance(e, LazyMask):
            basic.extend([_FULL] * e.ndim)
            masks.append((e.mask, dims))
            dims += e.ndim
        else:
            basic.append(e)
            dims += type(e) is not int
    y = basic_getitem(x, basic)
    if masks:
        if arrays or len(masks) > 1:
            raise NotImplementedError(
                "getitem: a lazy boolean mask cannot be combined with other array indices; "
                "compute the mask first or index in two steps"
            )
        mask, axis = masks[0]
        return mask_getitem(y, mask, axis, position or 0)
    if arrays:
        return point_getitem(y, tuple(axes), arrays, position or 0)
    return y


def basic_getitem(x: Array, entries: Sequence[Any]) -> Array:
    """``x`` indexed by canonical ints, slices and None (one lazy layer)."""
    if all(e is not None and type(e) is not int and e == _FULL for e in entries):
        return x
    items, chunks = plan_basic(entries, x.chunks)
    name = make_name("getitem", x, list(entries))
    layer = SliceLayer(name, x.name, x.ndim, items, chunks, x.dtype)
    return Array(Graph.from_layer(layer, x.graph), name, chunks, x.dtype)


def point_getitem(y: Array, axes: tuple[int, ...], arrays: list[np.ndarray],
                  position: int) -> Array:
    """``y`` indexed by integer ``arrays`` along ``axes`` (NumPy's advanced indexing),
    their broadcast dimensions placed at ``position``."""
    try:
        broadcast = np.broadcast_arrays(*arrays)
    except ValueError:
        shapes = " ".join(str(a.shape) for a in arrays)
        raise IndexError(
            f"shape mismatch: indexing arrays could not be broadcast together with shapes "
            f"{shapes}"
        ) from None
    shape = broadcast[0].shape
    coords = [np.ravel(b) for b in broadcast]
    rows, plans = plan_points(coords, [y.chunks[a] for a in axes], shape)
    layout = PointLayout(y.name, y.ndim, axes, shape, position, plans)
    others = [y.chunks[a] for a in layout.others]
    chunks = tuple(others[:position]) + (rows,) + tuple((b,) for b in shape[1:]) + tuple(
        others[position:])
    name = make_name("getitem", y, axes, arrays, position)
    pieces = PointPiecesLayer(name.replace("getitem", "getitem-pieces", 1), layout,
                              tuple(len(c) for c in others))
    layer = PointLayer(name, layout, pieces.name, chunks, y.dtype)
    parent = Graph.from_layer(pieces, y.graph) if len(pieces) else y.graph
    return Array(Graph.from_layer(layer, parent), name, chunks, y.dtype)


def _with_bool_scalars(x: Array, entries: list[Any]) -> Array:
    """``True``/``False`` in an index: a new axis of length 1 or 0 (0-d masks)."""
    if any(type(e) is int or isinstance(e, (IntArray, LazyMask)) for e in entries):
        raise NotImplementedError(
            "getitem: a boolean scalar index combined with integers or arrays is not "
            "supported; use None (numpy.newaxis) and a slice instead"
        )
    empty = [d for d, e in enumerate(entries) if e is False]
    y = getitem(x, tuple(None if isinstance(e, bool) else e for e in entries))
    if not empty:
        return y
    return getitem(y, tuple(slice(0, 0) if d in empty else _FULL for d in range(y.ndim)))


def select_blocks(x: Array, index: Any) -> Array:
    """``x.blocks[index]``: an Array made of a selection of ``x``'s blocks.

    Integers keep their axis (a block is still a block); slices may have any step;
    lists or arrays of block indices (or boolean masks over blocks) pick blocks in
    any order.

    Examples
    --------
    >>> import numpy as np
    >>> from chunkarray.array.creation import from_array
    >>> x = from_array(np.arange(10), chunks=3)
    >>> x.blocks[[3, 0]].compute()
    array([9, 0, 1, 2])
    """
    items = list(index) if isinstance(index, tuple) else [index]
    if sum(i is Ellipsis for i in items) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    used = sum(i is not Ellipsis for i in items)
    if used > x.ndim:
        raise IndexError(
            f"too many indices for array: array is {x.ndim}-dimensional, but {used} were "
            f"indexed"
        )
    if Ellipsis in items:
        pos = items.index(Ellipsis)
        items[pos:pos + 1] = [_FULL] * (x.ndim - used)
    items += [_FULL] * (x.ndim - len(items))
    selected = [_block_list(i, n, a) for a, (i, n) in enumerate(zip(items, x.numblocks))]
    if all(s == range(n) for s, n in zip(selected, x.numblocks)):
        return x
    layer_items: list[tuple[Any, ...]] = []
    chunks = []
    for a, blocks in enumerate(selected):
        if len(blocks):
            layer_items.append(("axis", a, blocks, None))
            chunks.append(tuple(x.chunks[a][b] for b in blocks))
        else:
            layer_items.append(("axis", a, [0], [slice(0, 0)]))
            chunks.append((0,))
    name = make_name("blocks", x, [list(s) for s in selected])
    layer = SliceLayer(name, x.name, x.ndim, layer_items, tuple(chunks), x.dtype)
    return Array(Graph.from_layer(layer, x.graph), name, tuple(chunks), x.dtype)


def _block_list(item: Any, n: int, axis: int) -> Sequence[int]:
    if isinstance(item, (bool, np.bool_)) or item is None:
        raise IndexTypeError(f"blocks: index {item!r} is not supported; use ints, slices "
                             f"or lists of block indices")
    if isinstance(item, (int, np.integer)):
        i = int(item)
        if not -n <= i < n:
            raise IndexError(f"index {i} is out of bounds for axis {axis} with size {n}")
        return [i % n]
    if isinstance(item, slice):
        return range(n)[item]
    if isinstance(item, (list, tuple, np.ndarray)):
        arr = np.asarray(item)
        if arr.dtype == bool:
            if arr.shape != (n,):
                raise IndexError(f"blocks: boolean index along axis {axis} has shape "
                                 f"{arr.shape}; the axis has {n} blocks")
            return np.flatnonzero(arr).tolist()
        if arr.size == 0:
            return []
        if arr.dtype.kind not in "iu" or arr.ndim != 1:
            raise IndexTypeError(f"blocks: expected a 1-d list of block indices along axis "
                                 f"{axis}, got {item!r}")
        bad = (arr < -n) | (arr >= n)
        if bad.any():
            raise IndexError(f"index {arr[bad][0]} is out of bounds for axis {axis} with "
                             f"size {n}")
        return (arr % n).tolist()
    raise IndexTypeError(
        f"blocks: index {item!r} of type {type(item).__name__} is not supported; use ints, "
        f"slices or lists of block indices"
    )


class _Blocks:
    """A throwaway collection computing some keys of a graph into a list."""

    def __init__(self, graph: Graph, keys: Sequence[Key]) -> None:
        self.graph, self.keys = graph, keys

    def __chunkarray_graph__(self) -> Graph:
        return self.graph

    def __chunkarray_keys__(self) -> list[Key]:
        return list(self.keys)

    def __chunkarray_finalize__(self, results: Any) -> Any:
        return results

    def __chunkarray_rebuild__(self, values: Mapping[Key, Any]) -> Any:
        raise NotImplementedError


def compute_chunk_sizes(x: Array) -> Array:
    """``x`` with its unknown (``nan``) chunk sizes computed.

    Computes every block's shape (each block is computed and dropped at once) and
    returns an Array over the same graph and blocks with known chunks.

    Raises
    ------
    ValueError
        If blocks in one row of the grid disagree on their size along an axis.

    Examples
    --------
    >>> import numpy as np
    >>> from chunkarray.array.creation import from_array
    >>> x = from_array(np.arange(10), chunks=4)
    >>> y = x[from_array(np.arange(10) % 3 == 0, chunks=4)]
    >>> y.chunks, compute_chunk_sizes(y).chunks
    (((nan, nan, nan),), ((2, 1, 1),))
    """
    if not any(is_unknown(c) for cs in x.chunks for c in cs):
        return x
    letters = LETTERS[: x.ndim]
    name = make_name("chunk-shapes", x)
    layer = Blockwise(name, letters, np.shape, [(x.name, letters)], {x.name: x.numblocks})
    keys = [(name, *idx) for idx in np.ndindex(*x.numblocks)]
    (shapes,) = base.compute(_Blocks(Graph.from_layer(layer, x.graph), keys))
    blocks = [idx[1:] for idx in keys]
    values: dict[Key, Any] = {
        (x.name, *idx): SimpleNamespace(shape=s) for idx, s in zip(blocks, shapes)}
    chunks = chunks_from_blocks(values, x.name, x.numblocks)
    for idx, shape in zip(blocks, shapes):
        want = tuple(c[i] for c, i in zip(chunks, idx))
        if tuple(shape) != want:
            raise ChunkArrayValueError(
                f"compute_chunk_sizes: block {idx} has shape {tuple(shape)}, but the other "
                f"blocks in its rows say {want}"
            )
    return Array(x.graph, x.name, chunks, x.dtype)


def chunks_from_blocks(values: Mapping[Key, Any], name: str, numblocks: Sequence[int]
                       ) -> tuple[tuple[int, ...], ...]:
    """Chunks read from computed blocks ``{(name, *index): block}``.

    >>> import numpy as np
    >>> blocks = {("x", 0, 0): np.ones((2, 3)), ("x", 1, 0): np.ones((1, 3))}
    >>> chunks_from_blocks(blocks, "x", (2, 1))
    ((2, 1), (3,))
    """
    ndim = len(numblocks)
    chunks = []
    for axis in range(ndim):
        sizes = []
        for i in range(numblocks[axis]):
            key = (name, *(i if d == axis else 0 for d in range(ndim)))
            sizes.append(int(np.shape(values[key])[axis]))
        chunks.append(tuple(sizes))
    return tuple(chunks)


@implements(np.take)
def take(a: Array, indices: Any, axis: int | None = None, out: Any = None,
         mode: str = "raise") -> Array:
    """Elements of ``a`` at ``indices`` along ``axis`` (``numpy.take``), lazily.

    Examples
    --------
    >>> import numpy as np
    >>> from chunkarray.array.creation import from_array
    >>> x = from_array(np.arange(12).reshape(3, 4), chunks=2)
    >>> np.take(x, [3, 0], axis=1).compute()
    array([[ 3,  0],
           [ 7,  4],
           [11,  8]])
    """
    if out is not None:
        raise ChunkArrayTypeError("take: out= is not supported on chunkarray arrays")
    if mode != "raise":
        raise NotImplementedError(f"take: mode={mode!r} is not supported; only 'raise' is")
    if axis is None:
        if a.ndim != 1:
            from chunkarray.array.reshape import ravel

            a = ravel(a)
        axis = 0
    if not -a.ndim <= axis < a.ndim:
        raise np.exceptions.AxisError(axis, a.ndim)
    axis %= a.ndim
    idx = indices if isinstance(indices, Array) else np.asarray(indices)
    return getitem(a, (_FULL,) * axis + (idx,))


implements(np.nonzero)(nonzero)
Array.nonzero = nonzero  # type: ignore[attr-defined]
