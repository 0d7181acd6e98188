"""Integer-array indexing: points grouped by the source block that holds them.

Policy
------
The integer arrays of an index broadcast together to a shape ``B``; raveled, they
are ``n`` points, each a coordinate along every indexed axis ``A``. The result has
the dimensions of ``B`` in place of the axes ``A`` (at the position NumPy gives
them) and is chunked only along ``B``'s first dimension:

- one array whose points visit each source block in one run (sorted, reversed or
  blockwise-contiguous indices): one output chunk per run, so each output block
  reads exactly one source block;
- otherwise (a random permutation, several arrays, a multi-dimensional ``B``):
  output chunks of about one source block's worth of points along ``A``.

An output block whose points all lie in one source block is one task on that
block. Otherwise each source block it needs gives a *piece* task (its points, in
a layer of its own, so each source block is released once its pieces are taken),
and the output task joins the pieces and restores the requested order. No task
ever holds more than one source block plus the points it gathers.

>>> import numpy as np
>>> chunks, plans = plan_points([np.array([5, 0, 1, 6])], [(4, 4)], shape=(4,))
>>> chunks, [len(p.pieces) for p in plans]
((4,), [2])
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from chunkarray.array.slicing_basic import BlockGrid, block_of, bounds_of, empty_block
from chunkarray.graph.task import Ref, Task
from chunkarray.typing import Key


@dataclass(frozen=True, eq=False)
class ChunkPlan:
    """The points of one output chunk: ``pieces`` are (source blocks along ``A``,
    local coordinates); ``restore`` reorders the joined pieces (None: in order)."""

    pieces: list[tuple[tuple[int, ...], tuple[np.ndarray, ...]]]
    restore: np.ndarray | None
    rows: int


def _boundaries(block_ids: np.ndarray, shape: tuple[int, ...], target: int) -> list[int]:
    """Flat start positions of the output chunks, plus the end."""
    n = int(block_ids.size)
    per_row = n // shape[0]
    if len(shape) > 1:
        rows = max(1, target // max(per_row, 1))
        return [*range(0, n, rows * per_row), n]
    starts = np.flatnonzero(np.diff(block_ids)) + 1
    run_starts = np.concatenate([[0], starts])
    if len(np.unique(block_ids[run_starts])) != len(run_starts):
        return [*range(0, n, target), n]
    out: list[int] = []
    for s, e in zip(run_starts.tolist(), [*starts.tolist(), n]):
        out.extend(range(s, e, target))
    return [*out, n]


def plan_points(
    coords: Sequence[np.ndarray], chunks: Sequence[Sequence[int]], shape: tuple[int, ...]
) -> tuple[tuple[int, ...], list[ChunkPlan]]:
    """Chunks along ``shape[0]`` and the plan of each output chunk.

    ``coords`` are the raveled, in-bounds, non-negative coordinates of every point
    along the indexed axes, whose chunks are ``chunks``; ``shape`` is ``B`` (at least
    one dimension).
    """
    numblocks = tuple(len(c) for c in chunks)
    bounds = [bounds_of(c) for c in chunks]
    blocks = [block_of(b, c) for b, c in zip(bounds, coords)]
    local = [c - b[k] for c, b, k in zip(coords, bounds, blocks)]
    n = int(coords[0].size)
    if n == 0:
        return (shape[0],), [_plan_chunk(np.zeros(0, np.intp), local, numblocks, shape[0])]
    flat_ids = np.ravel_multi_index(blocks, numblocks)
    target = max(1, math.prod(max(c, default=1) for c in chunks))
    edges = _boundaries(flat_ids, shape, target)
    per_row = n // shape[0]
    plans = [
        _plan_chunk(flat_ids[s:e], [c[s:e] for c in local], numblocks, (e - s) // per_row)
        for s, e in itertools.pairwise(edges)
    ]
    return tuple(p.rows for p in plans), plans


def _plan_chunk(
    ids: np.ndarray, local: list[np.ndarray], numblocks: tuple[int, ...], rows: int
) -> ChunkPlan:
    if ids.size == 0 or ids.min() == ids.max():
        first = int(ids[0]) if ids.size else 0
        block = tuple(int(i) for i in np.unravel_index(first, numblocks))
        return ChunkPlan([(block, tuple(local))], None, rows)
    uniq, inverse = np.unique(ids, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    counts = np.bincount(inverse, minlength=len(uniq))
    pieces = []
    start = 0
    for u, count in zip(uniq.tolist(), counts.tolist()):
        pos = order[start:start + count]
        block = tuple(int(i) for i in np.unravel_index(u, numblocks))
        pieces.append((block, tuple(c[pos] for c in local)))
        start += count
    return ChunkPlan(pieces, np.argsort(order), rows)


def gather_points(block: np.ndarray, coords: tuple[np.ndarray, ...], axes: tuple[int, ...]
                  ) -> np.ndarray:
    """The points of one source block: shape ``(npoints, *other axes of the block)``."""
    moved = np.moveaxis(block, axes, tuple(range(len(axes))))
    return moved[coords]  # type: ignore[no-any-return]


def shape_points(points: np.ndarray, rows: tuple[int, ...], position: int) -> np.ndarray:
    """Points ``(n, *others)`` shaped ``(*rows, *others)`` with the rows moved to
    ``position``."""
    out = points.reshape(rows + points.shape[1:])
    k = len(rows)
    return np.moveaxis(out, tuple(range(k)), tuple(range(position, position + k)))


def take_points(block: np.ndarray, coords: tuple[np.ndarray, ...], axes: tuple[int, ...],
                rows: tuple[int, ...], position: int) -> np.ndarray:
    """All points of an output block from one source block."""
    return shape_points(gather_points(block, coords, axes), rows, position)


def join_points(pieces: list[np.ndarray], restore: np.ndarray, rows: tuple[int, ...],
                position: int) -> np.ndarray:
    """Points gathered from several source blocks, back in the requested order."""
    joined = np.concatenate(pieces, axis=0)[restore]
    return shape_points(joined, rows, position)


class PointLayout:
    """Where things are: source axes ``axes`` are replaced by the dims of ``shape``
    at ``position``; the other source axes keep their order and blocks."""

    def __init__(self, source: str, source_ndim: int, axes: tuple[int, ...],
                 shape: tuple[int, ...], position: int, plans: list[ChunkPlan]) -> None:
        self.source = source
        self.source_ndim = source_ndim
        self.axes = axes
        self.shape = shape
        self.position = position
        self.plans = plans
        self.others = [a for a in range(source_ndim) if a not in axes]

    def split(self, idx: tuple[int, ...]) -> tuple[int, tuple[int, ...]]:
        """Output block index -> (point chunk, blocks of the other axes)."""
        p, k = self.position, len(self.shape)
        chunk = idx[p] if k else 0
        return chunk, idx[:p] + idx[p + k:]

    def source_key(self, along: tuple[int, ...], others: tuple[int, ...]) -> Key:
        src = [0] * self.source_ndim
        for a, b in zip(self.axes, along):
            src[a] = b
        for a, b in zip(self.others, others):
            src[a] = b
        return (self.source, *src)

    def rows(self, chunk: int) -> tuple[int, ...]:
        return (self.plans[chunk].rows, *self.shape[1:]) if self.shape else ()


class PointPiecesLayer(BlockGrid):
    """Piece ``(chunk, j, *other blocks)``: the points of chunk's j-th source block.

    Its grid is ``(point chunks, max pieces, *other blocks)``; keys of chunks with
    fewer pieces (or a single one, taken directly) are not in the layer.
    """

    def __init__(self, name: str, layout: PointLayout, other_numblocks: tuple[int, ...]):
        self.name = name
        self.layout = layout
        self.count = [len(p.pieces) if len(p.pieces) > 1 else 0 for p in layout.plans]
        self.numblocks = (len(layout.plans), max(self.count, default=0), *other_numblocks)
        self.dependencies = frozenset((layout.source,))
        self._len = sum(self.count) * math.prod(other_numblocks)

    def keys(self) -> Iterator[Key]:
        others = itertools.product(*(range(n) for n in self.numblocks[2:]))
        for o in others:
            for c, count in enumerate(self.count):
                for j in range(count):
                    yield (self.name, c, j, *o)

    def __len__(self) -> int:
        return self._len

    def task(self, key: Key) -> Any:
        idx = self._check_key(key)
        chunk, j, others = idx[0], idx[1], idx[2:]
        if j >= self.count[chunk]:
            raise KeyError(key)
        along, coords = self.layout.plans[chunk].pieces[j]
        source = Ref(self.layout.source_key(along, others))
        return Task(gather_points, source, coords, self.layout.axes)


class PointLayer(BlockGrid):
    """The output of integer-array indexing (see the module docstring)."""

    def __init__(self, name: str, layout: PointLayout, pieces: str,
                 chunks: tuple[tuple[Any, ...], ...], dtype: Any) -> None:
        self.name = name
        self.layout = layout
        self.pieces = pieces
        self.chunks = chunks
        self.dtype = np.dtype(dtype)
        self.numblocks = tuple(len(c) for c in chunks)
        self.dependencies = frozenset((layout.source, pieces))

    def task(self, key: Key) -> Any:
        idx = self._check_key(key)
        layout = self.layout
        chunk, others = layout.split(idx)
        plan = layout.plans[chunk]
        rows = layout.rows(chunk)
        shape = tuple(c[i] for c, i in zip(self.chunks, idx))
        if 0 in shape and all(isinstance(s, int) for s in shape):
            return Task(empty_block, shape, self.dtype)
        if len(plan.pieces) == 1:
            along, coords = plan.pieces[0]
            source = Ref(layout.source_key(along, others))
            return Task(take_points, source, coords, layout.axes, rows, layout.position)
        refs = [Ref((self.pieces, chunk, j, *others)) for j in range(len(plan.pieces))]
        return Task(join_points, refs, plan.restore, rows, layout.position)
