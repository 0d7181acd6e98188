"""Rechunk: the same array cut into different blocks, one planned stage at a time.

Policy
------
``rechunk`` validates the requested chunks with ``normalize_chunks`` (the array's own
chunks fill axes a dict leaves out or a tuple gives as ``None``), returns the array
itself when nothing changes, and otherwise asks :func:`plan_rechunk` for the
chunkings to go through (see :mod:`chunkarray.array.rechunk_plan`: at most one
intermediate chunking, chosen so that no task reads more than the budget). Each stage
is one :class:`RechunkLayer`.

A :class:`RechunkLayer` stores only the two chunkings and their cumulative boundaries.
Its task for output block ``(i, j, ...)`` is made on request: along each axis a bisect
on the input boundaries finds the input blocks overlapping the output block and the
piece of each; the task slices each piece out of its block and concatenates them
(axis by axis, last axis first). An output block equal to one input block is an
:class:`Alias` (no copy); a piece of one input block is copied, so that the small
piece does not keep the large block alive.

Invariants
----------
- Building a stage is O(number of blocks along each axis), never O(number of blocks);
  culling a rechunked array to a few keys makes a few tasks, reading only the input
  blocks those keys overlap.
- Every task reads at most the planner's budget of input blocks: by default
  ``threshold`` (4) times the larger of the largest input and output block, or
  ``block_size_limit`` bytes when given (never below the larger block).

Worked example
--------------
Rechunking a (4, 4) array from (2, 4) to (4, 2) chunks: each output block overlaps two
input blocks, a cost of 2 x the largest block, within the default threshold of 4, so
one stage (a plain read of a store is instead read again in the new chunks: no
pieces at all): output block ``(0, 1)`` is ``concatenate([x[0, 0][:, 2:4], x[1, 0][:, 2:4]],
axis=0)``.

>>> import numpy as np
>>> from chunkarray.array.creation import from_array
>>> x = from_array(np.arange(16).reshape(4, 4), chunks=(2, 4)) + 0  # not a plain read
>>> y = rechunk(x, (4, 2))
>>> y.chunks
((4,), (2, 2))
>>> y.graph.task((y.name, 0, 1)).dependencies == {(x.name, 0, 0), (x.name, 1, 0)}
True
>>> bool((y.compute() == np.arange(16).reshape(4, 4)).all())
True
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Iterator
from typing import Any

import numpy as np

from chunkarray.array.chunks import Chunks, chunk_boundaries, normalize_chunks
from chunkarray.array.core import Array
from chunkarray.array.creation import from_array, source_of
from chunkarray.array.rechunk_plan import axis_overlaps, largest_block, plan_rechunk
from chunkarray.errors import ChunkArrayTypeError, ChunkArrayValueError
from chunkarray.graph.graph import Graph
from chunkarray.graph.layer import Layer
from chunkarray.graph.task import Alias, Ref, Task
from chunkarray.sizes import parse_bytes
from chunkarray.tokenize import name as make_name
from chunkarray.typing import Key

__all__ = ["RechunkLayer", "plan_rechunk", "rechunk"]

# How many times the larger of an input and an output block one task may read.
THRESHOLD = 4


def rechunk(
    x: Array,
    chunks: Any = "auto",
    threshold: float | None = None,
    block_size_limit: int | str | None = None,
) -> Array:
    """The same array in new chunks.

    Parameters
    ----------
    x : Array
    chunks : int, tuple, dict, -1 or "auto"
        The new chunks, in any form ``normalize_chunks`` accepts. A dict changes only
        the axes it names; ``None`` for an axis (in a tuple or a dict) keeps its chunks.
    threshold : float, optional
        How many times the larger of an input and an output block one task may read
        before the rechunk goes through an intermediate chunking (default 4).
    block_size_limit : int or str, optional
        Bytes one task may read (overrides ``threshold``; never below the larger of an
        input and an output block); also the target size of "auto" chunks.

    Returns
    -------
    Array
        ``x`` itself when the chunks do not change.

    Raises
    ------
    ValueError
        Chunks that do not fit the shape (naming the axis), unknown chunk sizes, or a
        threshold that is not positive.
    TypeError
        ``x`` is not an Array.

    Examples
    --------
    >>> import numpy as np
    >>> from chunkarray.array.creation import from_array
    >>> x = from_array(np.arange(12).reshape(3, 4), chunks=2)
    >>> rechunk(x, {1: -1}).chunks
    ((2, 1), (4,))
    >>> rechunk(x, (3, None)).chunks
    ((3,), (2, 2))
    >>> rechunk(x, 2) is x
    True
    """
    if not isinstance(x, Array):
        raise ChunkArrayTypeError(f"rechunk: x must be a chunkarray Array, got {type(x).__name__}")
    if any(math.isnan(c) for axis in x.chunks for c in axis):
        raise ChunkArrayValueError(
            "rechunk: x has unknown chunk sizes (nan); call x.compute_chunk_sizes() first"
        )
    limit = None if block_size_limit is None else parse_bytes(block_size_limit)
    new = normalize_chunks(_keep_none(chunks, x.chunks), x.shape, dtype=x.dtype,
                           previous_chunks=x.chunks, limit=limit)
    if new == x.chunks:
        return x
    if limit is None:
        limit = _default_limit(x.chunks, new, x.dtype.itemsize, threshold)
    source = source_of(x)
    if source is not None:
        # A plain read of a store: read the new chunks straight from it instead
        # (each task reads only its region; no intermediate pieces).
        return from_array(source, chunks=new)
    result = x
    stages = plan_rechunk(x.chunks, new, x.dtype.itemsize, limit)
    for number, stage in enumerate(stages):
        prefix = "rechunk" if number == len(stages) - 1 else "rechunk-split"
        name = make_name(prefix, result, stage)
        layer = RechunkLayer(name, result.name, result.chunks, stage)
        result = Array(Graph.from_layer(layer, result.graph), name, stage, x.dtype)
    return result


def _keep_none(chunks: Any, old: Chunks) -> Any:
    """``None`` entries of a tuple or dict mean "keep the old chunks" (as in Dask)."""
    ndim = len(old)
    if isinstance(chunks, dict):
        return {axis: old[axis] if spec is None and isinstance(axis, int) and -ndim <= axis < ndim
                else spec for axis, spec in chunks.items()}
    if isinstance(chunks, (tuple, list)) and len(chunks) == ndim:
        return tuple(o if c is None else c for c, o in zip(chunks, old))
    return chunks


def _default_limit(old: Chunks, new: Chunks, itemsize: int, threshold: float | None) -> int:
    if threshold is None:
        threshold = THRESHOLD
    if (not isinstance(threshold, numbers.Real) or isinstance(threshold, bool)
            or not threshold > 0):
        raise ChunkArrayValueError(
            f"rechunk: threshold must be a positive number, got {threshold!r}"
        )
    larger = max(largest_block(old), largest_block(new)) * max(itemsize, 1)
    return int(threshold * larger)


class RechunkLayer(Layer):
    """One rechunk stage: block ``(i, j, ...)`` of ``new_chunks`` from ``source``'s blocks.

    Parameters
    ----------
    name : str
        The output layer name.
    source : str
        The input layer name, whose blocks follow ``old_chunks``.
    old_chunks, new_chunks : tuple of tuples of int
        Chunkings of the same shape.

    Examples
    --------
    >>> layer = RechunkLayer("y", "x", ((2, 2),), ((1, 3),))
    >>> task = layer.task(("y", 1))
    >>> sorted(task.dependencies), task.args[1]
    ([('x', 0), ('x', 1)], ((slice(1, 2, None),), (slice(0, 2, None),)))
    >>> len(layer), ("y", 2) in layer
    (2, False)
    """

    def __init__(self, name: str, source: str, old_chunks: Chunks, new_chunks: Chunks) -> None:
        self.name = name
        self.source = source
        self.old_chunks = old_chunks
        self.new_chunks = new_chunks
        self.dependencies = frozenset((source,))
        self.numblocks = tuple(len(c) for c in new_chunks)
        self._old_bounds = [chunk_boundaries(c) for c in old_chunks]
        self._new_bounds = [chunk_boundaries(c) for c in new_chunks]

    def keys(self) -> Iterator[Key]:
        for idx in itertools.product(*(range(n) for n in self.numblocks)):
            yield (self.name, *idx)

    def __len__(self) -> int:
        return math.prod(self.numblocks)

    def __contains__(self, key: object) -> bool:
        return self._index(key) is not None

    def _index(self, key: object) -> tuple[int, ...] | None:
        if type(key) is not tuple or len(key) != len(self.numblocks) + 1 or key[0] != self.name:
            return None
        idx = key[1:]
        for i, n in zip(idx, self.numblocks):
            if type(i) is not int or not 0 <= i < n:
                return None
        return idx

    def task(self, key: Key) -> Any:
        idx = self._index(key)
        if idx is None:
            raise KeyError(key)
        per_axis = [self._axis_pieces(axis, i) for axis, i in enumerate(idx)]
        counts = tuple(len(p) for p in per_axis)
        refs = []
        slices = []
        for combo in itertools.product(*per_axis):
            refs.append(Ref((self.source, *(block for block, _ in combo))))
            slices.append(tuple(piece for _, piece in combo))
        if len(refs) == 1 and self._is_whole(slices[0], refs[0].key[1:]):
            return Alias(refs[0].key)
        return Task(join_pieces, refs, tuple(slices), counts)

    def _axis_pieces(self, axis: int, i: int) -> list[tuple[int, slice]]:
        """(input block, slice inside it) for output block ``i`` along ``axis``."""
        bounds = self._old_bounds[axis]
        start, stop = self._new_bounds[axis][i], self._new_bounds[axis][i + 1]
        first, last = axis_overlaps(bounds, start, stop)
        out = []
        for j in range(first, last + 1):
            lo, hi = bounds[j], bounds[j + 1]
            out.append((j, slice(max(start, lo) - lo, max(min(stop, hi) - lo, 0))))
        return out

    def _is_whole(self, piece: tuple[slice, ...], block: Any) -> bool:
        return all(s.stop - s.start == self.old_chunks[axis][j]
                   for axis, (s, j) in enumerate(zip(piece, block)))

    def __repr__(self) -> str:
        return f"RechunkLayer({self.name!r}, {len(self)} tasks)"


def join_pieces(
    blocks: list[np.ndarray], slices: tuple[tuple[slice, ...], ...], counts: tuple[int, ...]
) -> np.ndarray:
    """Slice each block and concatenate the pieces, which are laid out in C order.

    >>> a, b = np.arange(4), np.arange(4, 8)
    >>> join_pieces([a, b], ((slice(2, 4),), (slice(0, 1),)), (2,))
    array([2, 3, 4])
    """
    pieces = [np.asarray(b)[s] for b, s in zip(blocks, slices)]
    if len(pieces) == 1:
        return pieces[0].copy()
    for axis in reversed(range(len(counts))):
        n = counts[axis]
        if n > 1:
            pieces = [np.concatenate(pieces[k:k + n], axis=axis)
                      for k in range(0, len(pieces), n)]
    return pieces[0]
