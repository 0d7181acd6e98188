"""``x[ints, slices, None, one integer array] = value``: per-axis outer assignment.

Such an index selects an outer product of positions: along each axis of ``x`` a
list of indices (one for an int, a range for a slice, the raveled array for the
integer array). Per axis, the positions are grouped by the block that holds them;
block ``(i, j, ...)`` changes only if every axis selects something in its block.
The value is broadcast to ``x[index].shape`` as NumPy does, then rearranged to
one dimension per axis of ``x`` (None dimensions dropped, the integer array's
dimensions moved to its axis and raveled, ints as length-one dimensions), so that
each changed block takes the outer product of its positions from it.

>>> import numpy as np
>>> from chunkarray.array.creation import from_array
>>> x = from_array(np.zeros(6, dtype=int), chunks=4)
>>> set_outer(x, [slice(None, None, -2)], [1, 2, 3]).compute()
array([0, 3, 0, 2, 0, 1])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from chunkarray.array.blockwise import concatenate_blocks
from chunkarray.array.core import Array
from chunkarray.array.slicing_basic import BlockGrid, block_of, bounds_of
from chunkarray.array.slicing_index import IntArray, advanced_position, is_unknown
from chunkarray.errors import ChunkArrayValueError
from chunkarray.graph.graph import Graph
from chunkarray.graph.task import Alias, Ref, Task
from chunkarray.tokenize import name as make_name
from chunkarray.typing import Key


class UpdateLayer(BlockGrid):
    """All blocks of ``source``, each either a changed block (a task) or an alias."""

    def __init__(self, name: str, source: str, chunks: tuple[tuple[int, ...], ...],
                 dependencies: Sequence[str] = ()) -> None:
        self.name = name
        self.source = source
        self.numblocks = tuple(len(c) for c in chunks)
        self.bounds = [bounds_of(c) for c in chunks]
        self.dependencies = frozenset((source, *dependencies))

    def where(self, idx: tuple[int, ...]) -> tuple[slice, ...]:
        """The region of the array that block ``idx`` covers."""
        return tuple(slice(int(b[i]), int(b[i + 1])) for b, i in zip(self.bounds, idx))


def as_value(value: Any, dtype: np.dtype[Any]) -> np.ndarray:
    """The value as an array of ``dtype`` (NumPy's casting errors, raised now: a
    Python int out of the dtype's range is an OverflowError, as in NumPy)."""
    if isinstance(value, (int, float, complex)):
        return np.asarray(value, dtype=dtype)
    arr = np.asarray(value)
    return arr if arr.dtype == dtype else arr.astype(dtype)


def fit(value: Any, shape: tuple[int, ...]) -> Any:
    """``value`` broadcast to ``shape`` as NumPy's assignment does, or None."""
    while value.ndim > len(shape) and value.shape[0] == 1:
        value = value[0]
    try:
        if np.broadcast_shapes(value.shape, shape) != tuple(shape):
            return None
    except ValueError:
        return None
    return np.broadcast_to(value, shape)


def _compact(arr: np.ndarray) -> Any:
    """An arithmetic progression as a slice (faster to index with), else the array."""
    first, last = int(arr[0]), int(arr[-1])
    if arr.size == 1:
        return slice(first, first + 1)
    step = int(arr[1]) - first
    if step == 0 or not (np.diff(arr) == step).all():
        return arr
    end = last + (1 if step > 0 else -1)
    return slice(first, None if end < 0 else end, step)


def as_positions(part: Any) -> np.ndarray:
    """A compacted part back as an array of positions."""
    if isinstance(part, slice):
        stop = -1 if part.stop is None else part.stop
        return np.arange(part.start, stop, part.step)
    return part  # type: ignore[no-any-return]


def outer_index(parts: Sequence[Any]) -> tuple[Any, ...]:
    """An index selecting the outer product of ``parts`` (slices or arrays)."""
    if all(isinstance(p, slice) for p in parts):
        return tuple(parts)
    return np.ix_(*(as_positions(p) for p in parts))


def _group(selected: np.ndarray, chunks: Sequence[int]) -> dict[int, tuple[Any, Any]]:
    """Block -> (local indices, positions in the selection) along one axis."""
    bounds = bounds_of(chunks)
    blocks = block_of(bounds, selected)
    uniq, inverse = np.unique(blocks, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    counts = np.bincount(inverse, minlength=len(uniq))
    out: dict[int, tuple[Any, Any]] = {}
    start = 0
    for u, count in zip(uniq.tolist(), counts.tolist()):
        pos = order[start:start + count]
        out[u] = (_compact(selected[pos] - bounds[u]), _compact(pos))
        start += count
    return out


def assign_outer(block: np.ndarray, local: tuple[Any, ...], value: Any,
                 pos: tuple[Any, ...] | None) -> np.ndarray:
    """``block`` with its selected positions set from ``value`` (a scalar if
    ``pos`` is None, else the outer-form value indexed by ``pos``)."""
    out = block.copy()
    out[outer_index(local)] = value if pos is None else value[outer_index(pos)]
    return out


def assign_outer_lazy(block: np.ndarray, local: tuple[Any, ...], region: Any,
                      rel: tuple[np.ndarray, ...], shape: tuple[int, ...]) -> np.ndarray:
    """``block`` with its selected positions set from a region of a lazy value."""
    piece = np.asarray(region)[np.ix_(*rel)] if rel else np.asarray(region)
    out = block.copy()
    out[outer_index(local)] = piece.reshape(shape)
    return out


class _Selection:
    """Per-axis selected indices and the labels of the dimensions of ``x[index]``."""

    def __init__(self, entries: Sequence[Any], shape: tuple[int, ...]) -> None:
        self.sel: list[np.ndarray] = []
        labels: list[Any] = []
        self.array_shape: tuple[int, ...] = ()
        self.array_axis = -1
        for e in entries:
            axis = len(self.sel)
            if e is None:
                labels.append("new")
            elif type(e) is int:
                self.sel.append(np.array([e], dtype=np.intp))
            elif isinstance(e, IntArray):
                self.sel.append(e.values.ravel())
                self.array_shape, self.array_axis = e.values.shape, axis
                labels.append("array")
            else:
                self.sel.append(np.arange(*e.indices(int(shape[axis])), dtype=np.intp))
                labels.append(axis)
        if self.array_axis >= 0:
            labels.remove("array")
            at = advanced_position(entries) or 0
            labels[at:at] = [("array", j) for j in range(len(self.array_shape))]
        self.labels = labels
        self.shape = tuple(self._size(label) for label in labels)

    def _size(self, label: Any) -> int:
        if label == "new":
            return 1
        if isinstance(label, tuple):
            return int(self.array_shape[label[1]])
        return len(self.sel[label])

    def target(self) -> list[Any]:
        """The labels in the order of ``x``'s axes (ints have none)."""
        out: list[Any] = []
        kept = [label for label in self.labels if label != "new"]
        for axis in range(len(self.sel)):
            if axis == self.array_axis:
                out.extend(("array", j) for j in range(len(self.array_shape)))
            elif axis in kept:
                out.append(axis)
        return out

    def outer(self, value: np.ndarray) -> np.ndarray:
        """A value of shape ``x[index].shape`` in outer form (one dim per axis of x)."""
        value = value[tuple(0 if label == "new" else slice(None) for label in self.labels)]
        rest = [label for label in self.labels if label != "new"]
        value = value.transpose([rest.index(t) for t in self.target()])
        return value.reshape(tuple(len(s) for s in self.sel))


class OuterUpdateLayer(UpdateLayer):
    """``x[index] = value`` for an outer-product index (see the module docstring)."""

    def __init__(self, name: str, x: Array, groups: list[dict[int, Any]], value: Any,
                 lazy: Any = None) -> None:
        deps = (lazy["array"].name,) if lazy else ()
        super().__init__(name, x.name, x.chunks, deps)  # type: ignore[arg-type]
        self.groups = groups
        self.value = value
        self.lazy = lazy

    def task(self, key: Key) -> Any:
        idx = self._check_key(key)
        found = []
        for group, i in zip(self.groups, idx):
            part = group.get(i)
            if part is None:
                return Alias((self.source, *idx))
            found.append(part)
        local = tuple(f[0] for f in found)
        source = Ref((self.source, *idx))
        if self.lazy is not None:
            return self._lazy_task(source, local, [f[1] for f in found])
        if np.ndim(self.value) == 0:
            return Task(assign_outer, source, local, self.value, None)
        return Task(assign_outer, source, local, self.value, tuple(f[1] for f in found))

    def _lazy_task(self, source: Ref, local: tuple[Any, ...], pos: list[Any]) -> Task:
        value, axes = self.lazy["array"], self.lazy["axes"]
        ranges, rel = [], []
        for d, axis in enumerate(axes):
            p = as_positions(pos[axis])
            if value.shape[d] == 1:
                ranges.append(range(1))
                rel.append(np.zeros(1, dtype=np.intp))
                continue
            bounds = bounds_of(value.chunks[d])
            lo, hi = int(block_of(bounds, p.min())), int(block_of(bounds, p.max()))
            ranges.append(range(lo, hi + 1))
            rel.append(p - bounds[lo])
        region: Any = Ref((value.name,))
        if axes:
            region = Task(concatenate_blocks, _nested_refs(value.name, ranges, ()),
                          list(range(len(axes))))
        shape = tuple(len(rel[axes.index(a)]) if a in axes else 1 for a in range(len(pos)))
        return Task(assign_outer_lazy, source, local, region, tuple(rel), shape)


def _nested_refs(name: str, ranges: list[range], prefix: tuple[int, ...]) -> Any:
    if len(prefix) == len(ranges):
        return Ref((name, *prefix))
    return [_nested_refs(name, ranges, (*prefix, i)) for i in ranges[len(prefix)]]


def _lazy_spec(x: Array, selection: _Selection, value: Array) -> dict[str, Any]:
    """Which axis of ``x`` each dimension of a lazy value lands on."""
    rest = [label for label in selection.labels if label != "new"]
    if len(rest) != len(selection.labels) or rest != selection.target() or len(
            selection.array_shape) > 1:
        raise NotImplementedError(
            "setitem: a lazy value needs an index without None whose integer array (if "
            "any) is 1-d and stays in place; compute the value or use a NumPy value")
    shape = selection.shape
    if any(is_unknown(s) for s in value.shape):
        raise ChunkArrayValueError("setitem: the value has unknown (nan) chunk sizes; "
                                   "call compute_chunk_sizes() first")
    try:
        fits = value.ndim <= len(shape) and np.broadcast_shapes(value.shape, shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise ChunkArrayValueError(f"could not broadcast input array from shape {value.shape} "
                                   f"into shape {shape}")
    dims = [label if isinstance(label, int) else selection.array_axis for label in rest]
    return {"array": value, "axes": dims[len(dims) - value.ndim:]}


def set_outer(x: Array, entries: Sequence[Any], value: Any) -> Array:
    """``x`` with ``x[entries] = value`` for canonical ints, slices, None and at most
    one integer array (see the module docstring)."""
    if any(is_unknown(s) for s in x.shape):
        raise ChunkArrayValueError(
            "setitem: x has unknown (nan) chunk sizes; call compute_chunk_sizes() first")
    selection = _Selection(entries, x.shape)
    groups = [_group(s, c) for s, c in zip(selection.sel, x.chunks)]
    name = make_name("setitem", x, list(entries), value)
    if isinstance(value, Array):
        lazy = _lazy_spec(x, selection, value)
        layer = OuterUpdateLayer(name, x, groups, None, lazy)
        graph = Graph.from_layer(layer, x.graph, value.graph)
        return Array(graph, name, x.chunks, x.dtype)
    arr = as_value(value, x.dtype)
    fitted = fit(arr, selection.shape)
    if fitted is None:
        raise ChunkArrayValueError(f"could not broadcast input array from shape {arr.shape} "
                                   f"into shape {selection.shape}")
    payload = arr[()] if arr.ndim == 0 else selection.outer(fitted)
    layer = OuterUpdateLayer(name, x, groups, payload)
    return Array(Graph.from_layer(layer, x.graph), name, x.chunks, x.dtype)

