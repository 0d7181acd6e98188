"""Basic slicing (ints, slices with any step, None) as one lazy layer.

Policy: every output block comes from exactly one source block. Along a sliced
axis, each source block the slice touches gives one output block (the elements of
the slice inside it, in slice order; blocks a large step skips give nothing); an
integer picks one block and drops the axis; ``None`` adds an axis of one block.
The plan is made per axis (a few arrays as long as the axis's number of blocks),
and :class:`SliceLayer` makes a block's task only when asked for its key, so
``x[0, 0]`` on a million-block array builds one task and reads one chunk.

Worked example: an axis of 10 in chunks ``(4, 4, 2)`` sliced ``[7:0:-3]`` selects
7, 4, 1: block 1 gives ``[7, 4]`` (local ``3::-3``), block 0 gives ``[1]`` (local
``1:0:-3``), so the output chunks are ``(2, 1)``.

>>> plan_axis((4, 4, 2), slice(7, 0, -3))
((2, 1), [1, 0], [slice(3, None, -3), slice(1, 0, -3)])
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from chunkarray.array.slicing_index import is_unknown
from chunkarray.graph.layer import Layer
from chunkarray.graph.task import Alias, Ref, Task
from chunkarray.typing import Key

_FULL = slice(None)


def bounds_of(chunks: Sequence[int]) -> np.ndarray:
    """Block start offsets plus the end, as an int64 array."""
    out = np.zeros(len(chunks) + 1, dtype=np.int64)
    np.cumsum(np.asarray(chunks, dtype=np.int64), out=out[1:])
    return out


def block_of(bounds: np.ndarray, i: Any) -> Any:
    """The block holding element ``i`` (skipping zero-size blocks)."""
    return np.searchsorted(bounds, i, side="right") - 1


def plan_axis(
    chunks: Sequence[int], index: slice
) -> tuple[tuple[int, ...], list[int], list[slice]]:
    """Output chunks, source block and local slice of each output block, for one axis."""
    bounds = bounds_of(chunks)
    start, stop, step = index.indices(int(bounds[-1]))
    total = len(range(start, stop, step))
    if total == 0:
        return (0,), [0], [slice(0, 0)]
    last = start + (total - 1) * step
    first_block, last_block = int(block_of(bounds, start)), int(block_of(bounds, last))
    if step > 0:
        blocks = np.arange(first_block, last_block + 1)
        lo, hi = bounds[blocks], bounds[blocks + 1]
        first = start + -(-np.maximum(lo - start, 0) // step) * step
        end = np.minimum(hi, stop)
        counts = np.where(first < end, (end - first - 1) // step + 1, 0)
        local_stop = end - lo
    else:
        blocks = np.arange(first_block, last_block - 1, -1)
        lo, hi = bounds[blocks], bounds[blocks + 1]
        first = start - -(-(start - np.minimum(hi - 1, start)) // -step) * -step
        lower = np.maximum(lo - 1, stop)
        counts = np.where(first > lower, (first - lower - 1) // -step + 1, 0)
        local_stop = lower - lo
    keep = counts > 0
    out_chunks = tuple(int(c) for c in counts[keep])
    src = [int(b) for b in blocks[keep]]
    locals_ = [
        slice(int(f), None if s < 0 else int(s), step)
        for f, s in zip((first - lo)[keep], local_stop[keep])
    ]
    return out_chunks, src, locals_


def getitem_block(block: np.ndarray, index: tuple[Any, ...]) -> np.ndarray:
    """``block[index]``; copied when it is a small part of the block,
    so that a small slice does not keep a big parent block alive."""
    out = block[index]
    if not isinstance(out, np.ndarray):
        return out  # a NumPy scalar, as NumPy's own indexing returns
    if out.base is not None and out.size * 2 < block.size:
        return out.copy()
    return out


def empty_block(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """An empty block of a known shape (no source block read)."""
    return np.empty(shape, dtype=dtype)


class BlockGrid(Layer):
    """A layer over a grid of block indices ``numblocks``; keys are checked on request."""

    numblocks: tuple[int, ...]

    def keys(self) -> Iterator[Key]:
        for idx in itertools.product(*(range(n) for n in self.numblocks)):
            yield (self.name, *idx)

    def __len__(self) -> int:
        return math.prod(self.numblocks)

    def _check_key(self, key: Key) -> tuple[int, ...]:
        if type(key) is not tuple or key[0] != self.name or len(key) != len(self.numblocks) + 1:
            raise KeyError(key)
        idx = key[1:]
        for i, n in zip(idx, self.numblocks):
            if type(i) is not int or not 0 <= i < n:
                raise KeyError(key)
        return idx  # type: ignore[return-value]


class SliceLayer(BlockGrid):
    """Each output block is one source block indexed by ints, slices and None.

    ``items`` follow the index, one per entry: ``("new",)`` adds an axis,
    ``("int", axis, block, local)`` picks one element of a source axis, and
    ``("axis", axis, blocks, locals)`` maps output block ``b`` of this axis to source
    block ``blocks[b]`` indexed by ``locals[b]`` (``locals`` None: whole blocks).
    Tasks are made on request, so the layer costs nothing per block until culled.
    """

    def __init__(
        self,
        name: str,
        source: str,
        source_ndim: int,
        items: Sequence[tuple[Any, ...]],
        chunks: tuple[tuple[Any, ...], ...],
        dtype: Any,
    ) -> None:
        self.name = name
        self.source = source
        self.source_ndim = source_ndim
        self.items = tuple(items)
        self.chunks = chunks
        self.dtype = np.dtype(dtype)
        self.numblocks = tuple(len(c) for c in chunks)
        self.dependencies = frozenset((source,))

    def task(self, key: Key) -> Any:
        idx = self._check_key(key)
        src = [0] * self.source_ndim
        local: list[Any] = []
        dim = 0
        for item in self.items:
            kind = item[0]
            if kind == "new":
                local.append(None)
                dim += 1
            elif kind == "int":
                src[item[1]] = item[2]
                local.append(item[3])
            else:
                b = idx[dim]
                src[item[1]] = item[2][b]
                local.append(_FULL if item[3] is None else item[3][b])
                dim += 1
        shape = tuple(c[i] for c, i in zip(self.chunks, idx))
        if 0 in shape and not any(is_unknown(s) for s in shape):
            return Task(empty_block, shape, self.dtype)
        source_key = (self.source, *src)
        if all(e is _FULL or e == _FULL for e in local):
            return Alias(source_key)
        return Task(getitem_block, Ref(source_key), tuple(local))

    def __repr__(self) -> str:
        return f"SliceLayer({self.name!r}, {len(self)} tasks)"


def plan_basic(
    entries: Sequence[Any], chunks: tuple[tuple[Any, ...], ...]
) -> tuple[list[tuple[Any, ...]], tuple[tuple[Any, ...], ...]]:
    """Layer items and output chunks for entries that are None, ints and slices."""
    items: list[tuple[Any, ...]] = []
    out_chunks: list[tuple[Any, ...]] = []
    axis = 0
    for entry in entries:
        if entry is None:
            items.append(("new",))
            out_chunks.append((1,))
            continue
        axis_chunks = chunks[axis]
        if type(entry) is int:
            bounds = bounds_of(axis_chunks)
            block = int(block_of(bounds, entry))
            items.append(("int", axis, block, entry - int(bounds[block])))
        elif entry == _FULL:
            items.append(("axis", axis, range(len(axis_chunks)), None))
            out_chunks.append(tuple(axis_chunks))
        else:
            sizes, src, locals_ = plan_axis(axis_chunks, entry)
            items.append(("axis", axis, src, locals_))
            out_chunks.append(sizes)
        axis += 1
    return items, tuple(out_chunks)
