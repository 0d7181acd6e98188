"""Parsing NumPy indices into one canonical entry per index position.

:func:`parse_index` turns whatever a user wrote inside ``x[...]`` into a list of
entries, with the Ellipsis expanded and every bound checked, raising NumPy's own
errors when the graph is built:

- ``None``: a new axis of length one;
- an ``int`` (non-negative, in bounds): the axis is dropped;
- a ``slice`` (validated, not yet resolved against the axis length);
- :class:`IntArray`: one integer array over one axis (non-negative, in bounds). A
  NumPy boolean mask over ``k`` axes becomes ``k`` of them (its ``nonzero()``),
  which is exactly how NumPy defines boolean indexing;
- :class:`LazyMask`: a chunkarray boolean Array over ``mask.ndim`` axes.

>>> import numpy as np
>>> parse_index((0, ..., np.array([True, False, True])), (4, 5, 3))
[0, slice(None, None, None), IntArray(array([0, 2]))]
>>> parse_index(-1, (3,))
[2]
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from chunkarray.errors import ChunkArrayTypeError, ChunkArrayValueError

_VALID = (
    "only integers, slices (`:`), ellipsis (`...`), numpy.newaxis (`None`) and integer "
    "or boolean arrays are valid indices"
)


class IndexTypeError(ChunkArrayTypeError, IndexError):
    """An index of a type that cannot index an array.

    A TypeError (the kind of mistake it is) that is also the IndexError NumPy raises
    for it, so ``except IndexError`` written against NumPy keeps working.
    """


@dataclass(frozen=True, eq=False)
class IntArray:
    """An integer array indexing one axis (values non-negative and in bounds)."""

    values: np.ndarray

    def __repr__(self) -> str:
        return f"IntArray({self.values!r})"

    def __chunkarray_tokenize__(self) -> Any:
        return ("IntArray", self.values)


@dataclass(frozen=True, eq=False)
class LazyMask:
    """A chunkarray boolean Array indexing ``mask.ndim`` consecutive axes."""

    mask: Any

    @property
    def ndim(self) -> int:
        return int(self.mask.ndim)

    def __chunkarray_tokenize__(self) -> Any:
        return ("LazyMask", self.mask)


@dataclass(frozen=True, eq=False)
class _BoolArray:
    """A NumPy boolean mask before its axes are known (internal to parsing)."""

    values: np.ndarray


def is_unknown(size: Any) -> bool:
    """True for a ``nan`` (unknown) axis length or block size."""
    return isinstance(size, float) and math.isnan(size)


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _as_index_array(value: Any) -> np.ndarray:
    arr = np.asarray(value)
    if arr.size == 0 and arr.dtype.kind not in "biu":
        return arr.astype(np.intp)  # NumPy reads [] as an empty integer index
    if arr.dtype.kind not in "biu":
        raise IndexError("arrays used as indices must be of integer (or boolean) type")
    return arr


def convert_item(item: Any) -> Any:
    """One index item in canonical form (before axes are assigned).

    Returns None, Ellipsis, an int, a slice, a bool (0-d mask), an integer ndarray,
    a :class:`_BoolArray` or a :class:`LazyMask`; raises :class:`IndexTypeError`.
    """
    from chunkarray.array.core import Array

    if item is None or item is Ellipsis:
        return item
    if isinstance(item, (bool, np.bool_)):
        return bool(item)
    if _is_int(item):
        return int(item)
    if isinstance(item, slice):
        return _check_slice(item)
    if isinstance(item, Array):
        if item.dtype == bool and item.ndim > 0:
            return LazyMask(item)
        raise NotImplementedError(
            f"getitem: indexing with a lazy chunkarray Array of dtype {item.dtype} and "
            f"{item.ndim} dimensions is not supported (only boolean masks are); compute the "
            f"index first, e.g. x[idx.compute()] or x[int(idx)]"
        )
    if isinstance(item, (list, tuple, np.ndarray)) or hasattr(item, "__array__"):
        arr = _as_index_array(item)
        if arr.dtype == bool:
            return bool(arr) if arr.ndim == 0 else _BoolArray(arr)
        return int(arr) if arr.ndim == 0 else arr.astype(np.intp, copy=False)
    if hasattr(type(item), "__index__") and not isinstance(item, float):
        return operator.index(item)
    raise IndexTypeError(
        f"getitem: index {item!r} of type {type(item).__name__} is not supported; {_VALID}"
    )


def _check_slice(item: slice) -> slice:
    parts = []
    for part in (item.start, item.stop, item.step):
        if part is None or _is_int(part):
            parts.append(None if part is None else int(part))
        elif hasattr(type(part), "__index__") and not isinstance(part, (bool, np.bool_)):
            parts.append(operator.index(part))
        else:
            raise IndexTypeError(
                f"getitem: slice indices must be integers or None, got "
                f"{type(part).__name__} in {item!r}"
            )
    if parts[2] == 0:
        raise ChunkArrayValueError("getitem: slice step cannot be zero")
    return slice(*parts)


def consumed_axes(item: Any) -> int:
    """How many axes of the indexed array an already converted item uses."""
    if item is None or item is Ellipsis or isinstance(item, bool):
        return 0
    if isinstance(item, _BoolArray):
        return item.values.ndim
    if isinstance(item, LazyMask):
        return item.ndim
    return 1


class Entries(list):  # type: ignore[type-arg]
    """Parsed entries; ``gap`` is where an Ellipsis standing for no axis was (or None).

    NumPy counts such an Ellipsis as separating advanced indices:
    ``a[None, 0, ..., [0, 1]]`` on a 2-d ``a`` has shape ``(2, 1)``.
    """

    gap: int | None = None


def expand(index: Any, ndim: int) -> list[Any]:
    """Converted items with the Ellipsis replaced by full slices (one per missing axis);
    an Ellipsis standing for no axis stays, to be dropped by :func:`parse_index`."""
    items = list(index) if isinstance(index, tuple) else [index]
    converted = [convert_item(i) for i in items]
    ellipses = [i for i, c in enumerate(converted) if c is Ellipsis]
    if len(ellipses) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    used = sum(consumed_axes(c) for c in converted)
    if used > ndim:
        raise IndexError(
            f"too many indices for array: array is {ndim}-dimensional, but {used} were indexed"
        )
    fill: list[Any] = [slice(None)] * (ndim - used) or [Ellipsis]
    if ellipses:
        pos = ellipses[0]
        return converted[:pos] + fill + converted[pos + 1:]
    return converted + fill[: ndim - used]


def parse_index(index: Any, shape: Sequence[Any]) -> list[Any]:
    """The canonical entries of ``index`` for an array of ``shape`` (module docstring).

    Raises IndexError for out-of-bounds integers, too many indices, several
    ellipses and mismatched boolean masks (NumPy's messages); IndexTypeError for
    unsupported index types; ValueError for an index that needs an unknown (nan)
    axis length.
    """
    entries = Entries()
    axis = 0
    for item in expand(index, len(shape)):
        if item is Ellipsis:
            entries.gap = len(entries)
            continue
        if item is None or isinstance(item, bool):
            entries.append(item)
            continue
        if isinstance(item, LazyMask):
            check_mask_shape(item.mask.shape, shape, axis)
            entries.append(item)
            axis += item.ndim
            continue
        if isinstance(item, _BoolArray):
            check_mask_shape(item.values.shape, shape, axis)
            _need_known(shape, axis, item.values.ndim)
            entries.extend(IntArray(c) for c in np.nonzero(item.values))
            axis += item.values.ndim
            continue
        size = shape[axis]
        if isinstance(item, slice):
            if item != slice(None):
                _need_known(shape, axis, 1)
            entries.append(item)
        elif isinstance(item, int):
            _need_known(shape, axis, 1)
            entries.append(_check_int(item, int(size), axis))
        else:
            _need_known(shape, axis, 1)
            entries.append(IntArray(_check_ints(item, int(size), axis)))
        axis += 1
    return entries


def _need_known(shape: Sequence[Any], axis: int, count: int) -> None:
    for a in range(axis, axis + count):
        if is_unknown(shape[a]):
            raise ChunkArrayValueError(
                f"getitem: axis {a} has unknown chunk sizes (nan), so it can only be "
                f"indexed with ':' or a lazy boolean mask; call x.compute_chunk_sizes() first"
            )


def _check_int(i: int, size: int, axis: int) -> int:
    if not -size <= i < size:
        raise IndexError(f"index {i} is out of bounds for axis {axis} with size {size}")
    return i + size if i < 0 else i


def _check_ints(values: np.ndarray, size: int, axis: int) -> np.ndarray:
    bad = (values < -size) | (values >= size)
    if bad.any():
        first = values[bad].flat[0]
        raise IndexError(f"index {first} is out of bounds for axis {axis} with size {size}")
    return np.where(values < 0, values + size, values).astype(np.intp, copy=False)


def check_mask_shape(mask_shape: Sequence[Any], shape: Sequence[Any], axis: int) -> None:
    """NumPy's IndexError when a boolean mask does not match the axes it covers."""
    for i, m in enumerate(mask_shape):
        size = shape[axis + i]
        if is_unknown(m) or is_unknown(size):
            continue
        if int(m) != int(size):
            raise IndexError(
                f"boolean index did not match indexed array along axis {axis + i}; size of "
                f"axis is {int(size)} but size of corresponding boolean axis is {int(m)}"
            )


def is_advanced(entry: Any) -> bool:
    """True for array entries (integer arrays and lazy masks)."""
    return isinstance(entry, (IntArray, LazyMask))


def advanced_position(entries: Sequence[Any]) -> int | None:
    """Where NumPy puts the dimensions of the advanced indices in the result.

    None without advanced indices. Integers count as advanced indices when arrays
    are present; if the advanced entries are not next to each other, their
    dimensions go first (``a[0, :, [0, 1]].shape == (2, 3)``).
    """
    if not any(is_advanced(e) for e in entries):
        return None
    positions = [i for i, e in enumerate(entries) if is_advanced(e) or type(e) is int]
    gap = getattr(entries, "gap", None)
    if positions[-1] - positions[0] + 1 != len(positions) or (
            gap is not None and positions[0] < gap <= positions[-1]):
        return 0
    return positions[0]  # only None and slices (one dimension each) come before
