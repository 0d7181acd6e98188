"""Creating arrays: from NumPy and array-likes, constants, ranges.

(Being completed; from_array is the base every other reader builds on.)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chunkarray.array.chunks import normalize_chunks, slices_of
from chunkarray.array.core import Array
from chunkarray.graph.blockwise import Blockwise
from chunkarray.graph.graph import Graph
from chunkarray.graph.layer import MaterializedLayer
from chunkarray.graph.task import Literal
from chunkarray.tokenize import name as make_name


class BlockSlices:
    """Per-block literal: the tuple of slices block ``index`` covers."""

    def __init__(self, chunks: tuple[tuple[int, ...], ...]) -> None:
        self.chunks = chunks
        self.numblocks = tuple(len(c) for c in chunks)
        self.starts = [np.concatenate([[0], np.cumsum(c)]).tolist() for c in chunks]

    def __getitem__(self, index: tuple[int, ...]) -> tuple[slice, ...]:
        return tuple(slice(s[i], s[i + 1]) for s, i in zip(self.starts, index))

    def __chunkarray_tokenize__(self) -> Any:
        return ("BlockSlices", self.chunks)


def getter(source: Any, index: tuple[slice, ...]) -> np.ndarray:
    """Read one block of ``source`` as a NumPy array (a copy for memmaps)."""
    block = source[index]
    if isinstance(block, np.memmap) or not isinstance(block, np.ndarray):
        block = np.array(block)
    return block


def from_array(x: Any, chunks: Any = "auto", name: str | None = None) -> Array:
    """A lazy Array over ``x``; each task reads only its own block."""
    if isinstance(x, Array):
        return x.rechunk(chunks)
    if not hasattr(x, "shape") or not hasattr(x, "dtype"):
        x = np.asarray(x)
    shape = tuple(int(s) for s in x.shape)
    previous = getattr(x, "chunks", None)
    if previous is not None and not isinstance(previous, tuple):
        previous = None
    if previous is not None and previous and isinstance(previous[0], int):
        previous = tuple((c,) for c in previous)
    chunks = normalize_chunks(chunks, shape, dtype=x.dtype, previous_chunks=previous
                              and tuple(max(p) for p in previous) and
                              tuple((p[0],) for p in previous))
    name = name or make_name("array", x, chunks)
    if not shape:
        layer = MaterializedLayer(name, {(name,): Literal(np.asarray(x[()]))})
        return Array(Graph.from_layer(layer), name, (), x.dtype)
    index = "abcdefghijklmnopqrstuvwxyz"[: len(shape)]
    layer = Blockwise(name, index, getter, [(x, None), (BlockSlices(chunks), index)], {})
    return Array(Graph.from_layer(layer), name, chunks, x.dtype)
