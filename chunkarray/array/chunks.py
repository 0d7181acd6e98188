"""Chunk specifications: parse every accepted form into a tuple of tuples.

``chunks=`` may be an int (every axis), a tuple with one entry per axis (int, -1
or None for the whole axis, "auto", or explicit block sizes), a dict by axis, -1
(whole array) or "auto" (blocks of about the ``chunk_size`` setting, aligned to
the source's own chunks when given). One function, :func:`normalize_chunks`,
validates them all and names the axis that is wrong.

>>> normalize_chunks(2, (5, 4))
((2, 2, 1), (2, 2))
>>> normalize_chunks({0: -1}, (5, 4))
((5,), (4,))
>>> normalize_chunks(((3, 2), 4), (5, 4))
((3, 2), (4,))
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import accumulate
from typing import Any

import numpy as np

from chunkarray import config
from chunkarray.errors import ChunkArrayTypeError, ChunkArrayValueError
from chunkarray.sizes import parse_bytes

Chunks = tuple[tuple[int, ...], ...]


def blocks_of(size: int, block: int) -> tuple[int, ...]:
    """Split ``size`` into blocks of ``block`` (the last one smaller).

    >>> blocks_of(10, 4)
    (4, 4, 2)
    """
    if size == 0:
        return (0,)
    full, rest = divmod(size, block)
    return (block,) * full + ((rest,) if rest else ())


def normalize_chunks(
    chunks: Any,
    shape: Sequence[int],
    dtype: Any = None,
    previous_chunks: Sequence[Sequence[int]] | None = None,
    limit: int | str | None = None,
) -> Chunks:
    """The canonical chunks (tuple of tuples of ints) for ``shape``.

    Parameters
    ----------
    chunks : int, tuple, dict, -1, None or "auto"
        The requested chunking (see the module docstring).
    shape : tuple of int
        The array's shape.
    dtype : dtype, optional
        Needed for "auto" (the item size).
    previous_chunks : tuple, optional
        The source's own chunks: "auto" chunks are whole multiples of them and
        dict entries missing for an axis keep them.
    limit : int or str, optional
        Target bytes per chunk for "auto"; the ``chunk_size`` setting by default.

    Raises
    ------
    ValueError
        Wrong number of axes, sizes that do not add up to the axis length, zero or
        negative sizes; the message names the axis.
    """
    shape = tuple(int(s) for s in shape)
    ndim = len(shape)
    if isinstance(chunks, dict):
        specs: list[Any] = []
        for axis in chunks:
            if not isinstance(axis, int) or not -ndim <= axis < ndim:
                raise ChunkArrayValueError(
                    f"chunks: axis {axis!r} in the dict is out of range for {ndim} dimensions"
                )
        norm = {a % ndim: v for a, v in chunks.items()}
        for axis in range(ndim):
            if axis in norm:
                specs.append(norm[axis])
            elif previous_chunks is not None:
                specs.append(tuple(previous_chunks[axis]))
            else:
                specs.append(-1)
    elif chunks is None or chunks == -1 or isinstance(chunks, (int, np.integer, str)):
        specs = [chunks] * ndim
    elif isinstance(chunks, (tuple, list)):
        specs = list(chunks)
        if len(specs) != ndim:
            raise ChunkArrayValueError(
                f"chunks: {chunks!r} has {len(specs)} entries but the array has {ndim} "
                f"dimensions (shape {shape})"
            )
    else:
        raise ChunkArrayTypeError(
            f"chunks: expected an int, a tuple, a dict, -1 or 'auto', got {type(chunks).__name__}"
        )
    specs = [_whole_if_negative(s, n) for s, n in zip(specs, shape)]
    if any(isinstance(s, str) for s in specs):
        specs = _auto(specs, shape, dtype, previous_chunks, limit)
    return tuple(_axis_chunks(s, n, axis) for axis, (s, n) in enumerate(zip(specs, shape)))


def _whole_if_negative(spec: Any, size: int) -> Any:
    if spec is None or (isinstance(spec, (int, np.integer)) and not isinstance(spec, bool)
                        and spec == -1):
        return max(size, 0) or 0
    return spec


def _axis_chunks(spec: Any, size: int, axis: int) -> tuple[int, ...]:
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        spec = int(spec)
        if size == 0:
            return (0,)
        if spec <= 0:
            raise ChunkArrayValueError(
                f"chunks: axis {axis} has a block size of {spec}; expected a positive int, "
                f"-1 or None (whole axis)"
            )
        return blocks_of(size, spec)
    if isinstance(spec, (tuple, list)):
        sizes = tuple(spec)
        if any(not isinstance(c, (int, np.integer)) or isinstance(c, bool) for c in sizes):
            if all(isinstance(c, float) and math.isnan(c) for c in sizes):
                return sizes  # type: ignore[return-value]
            raise ChunkArrayTypeError(f"chunks: axis {axis} has non-integer block sizes {sizes}")
        sizes = tuple(int(c) for c in sizes)
        if size == 0 and sizes in ((), (0,)):
            return (0,)
        if any(c <= 0 for c in sizes):
            raise ChunkArrayValueError(
                f"chunks: axis {axis} has block sizes {sizes}; every size must be positive"
            )
        if sum(sizes) != size:
            raise ChunkArrayValueError(
                f"chunks: axis {axis} has block sizes adding up to {sum(sizes)}, "
                f"but the axis has length {size}"
            )
        return sizes
    raise ChunkArrayTypeError(
        f"chunks: axis {axis}: expected an int, -1, None, 'auto' or a tuple of sizes, "
        f"got {spec!r}"
    )


def _auto(
    specs: list[Any],
    shape: tuple[int, ...],
    dtype: Any,
    previous: Sequence[Sequence[int]] | None,
    limit: int | str | None,
) -> list[Any]:
    for axis, s in enumerate(specs):
        if isinstance(s, str) and s != "auto":
            raise ChunkArrayValueError(f"chunks: axis {axis}: expected 'auto', got {s!r}")
    if dtype is None:
        raise ChunkArrayValueError("chunks='auto' needs the dtype to know the item size")
    itemsize = max(np.dtype(dtype).itemsize, 1)
    target = parse_bytes(limit if limit is not None else config.get("chunk_size"))
    items = max(target // itemsize, 1)
    fixed = 1
    auto_axes = []
    for axis, s in enumerate(specs):
        if s == "auto":
            auto_axes.append(axis)
        else:
            fixed *= _largest(s, shape[axis])
    budget = max(items // max(fixed, 1), 1)
    out = list(specs)
    if previous is not None:
        base = {a: max(max(previous[a], default=1), 1) for a in auto_axes}
    else:
        base = {a: 1 for a in auto_axes}
    # Grow every auto axis by the same factor, in multiples of the source's blocks.
    remaining = list(auto_axes)
    while remaining:
        per_axis = budget ** (1.0 / len(remaining))
        capped = [a for a in remaining if shape[a] <= per_axis or shape[a] <= base[a]]
        if not capped:
            for a in remaining:
                size = max(int(per_axis // base[a]) * base[a], base[a])
                out[a] = min(size, shape[a]) or 1
            break
        for a in capped:
            out[a] = max(shape[a], 1)
            budget = max(budget // max(shape[a], 1), 1)
            remaining.remove(a)
    return out


def _largest(spec: Any, size: int) -> int:
    if isinstance(spec, (tuple, list)):
        return max((int(c) for c in spec), default=1)
    return max(min(int(spec), size), 1)


def chunk_boundaries(chunks: Sequence[int]) -> list[int]:
    """Block start offsets plus the end: ``(2, 3) -> [0, 2, 5]``.

    >>> chunk_boundaries((2, 3))
    [0, 2, 5]
    """
    return [0, *accumulate(chunks)]


def slices_of(chunks: Chunks, index: Sequence[int]) -> tuple[slice, ...]:
    """The slices of the array covered by block ``index``.

    >>> slices_of(((2, 3), (4,)), (1, 0))
    (slice(2, 5, None), slice(0, 4, None))
    """
    out = []
    for sizes, i in zip(chunks, index):
        start = sum(sizes[:i])
        out.append(slice(start, start + sizes[i]))
    return tuple(out)


def common_chunks(*per_axis: tuple[int, ...]) -> tuple[int, ...]:
    """The coarsest chunking that refines all of ``per_axis`` (union of boundaries).

    >>> common_chunks((2, 2), (1, 3))
    (1, 1, 2)
    """
    bounds = sorted(set().union(*(chunk_boundaries(c) for c in per_axis)))
    out = tuple(b - a for a, b in zip(bounds, bounds[1:]))
    return out or (0,)
