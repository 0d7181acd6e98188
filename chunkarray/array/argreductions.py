"""argmin, argmax and their nan-variants: tree reductions of (value, global index) pairs.

Each block's partial is a structured array with the block's best value ``v``, its
index ``i`` in the whole array (the block's offset added; with ``axis=None`` the
flat C-order index) and ``ok`` (the block had a non-NaN number). Partials are
merged by value, ties going to the smaller index, so the result is NumPy's first
occurrence whatever the chunking. As in NumPy, ``argmin``/``argmax`` treat NaN as
the extreme (the first NaN wins), while the nan-variants ignore NaNs and raise
ValueError for an all-NaN slice (when computed: it depends on the data).

>>> import numpy as np
>>> from chunkarray.array.creation import from_array
>>> x = from_array(np.array([[3, 1, 1], [0, 5, 0]]), chunks=1)
>>> int(argmin(x).compute()), argmax(x, axis=1).compute().tolist()
(3, [0, 1])
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from chunkarray.array.core import Array, implements
from chunkarray.array.creation import BlockSlices
from chunkarray.array.reduction import as_array, numpy_meta, parse_axis, reduction
from chunkarray.errors import ChunkArrayTypeError, ChunkArrayValueError


def _fields(dtype: np.dtype[Any]) -> np.dtype[Any]:
    return np.dtype([("v", dtype), ("i", np.intp), ("ok", np.bool_)])


def arg_chunk(
    block: np.ndarray, slices: tuple[slice, ...], axis: tuple[int, ...], keepdims: bool,
    find: Callable[..., Any], skipna: bool, flat: bool, shape: tuple[int, ...],
) -> np.ndarray:
    """The partial (value, global index, ok) of one block."""
    kept = tuple(1 if a in axis else s for a, s in enumerate(block.shape))
    out = np.empty(kept, dtype=_fields(block.dtype))
    values = block
    if skipna:
        mask = np.isnan(block)
        out["ok"] = ~np.all(mask, axis=axis, keepdims=True)
        fill = np.inf if find is np.argmin else -np.inf
        values = np.where(mask, np.array(fill, dtype=block.dtype), block)
    else:
        out["ok"] = True
    if not axis:
        out["v"], out["i"] = values, 0
        return out
    if flat:
        local = int(find(values))
        out["v"] = values.reshape(-1)[local]
        multi = np.unravel_index(local, values.shape)
        out["i"] = np.ravel_multi_index(
            tuple(int(m) + s.start for m, s in zip(multi, slices)), shape
        )
        return out
    (a,) = axis
    local = find(values, axis=a, keepdims=True)
    out["v"] = np.take_along_axis(values, local, axis=a)
    out["i"] = local + slices[a].start
    return out


def _better(a: np.ndarray, b: np.ndarray, lower: bool) -> np.ndarray:
    """Where ``a`` beats ``b``: smaller (larger), NaN beating any number as in NumPy."""
    with np.errstate(invalid="ignore"):
        wins = a < b if lower else a > b
        if a.dtype.kind in "fc":
            wins |= np.isnan(a) & ~np.isnan(b)
    return wins  # type: ignore[no-any-return]


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        same = a == b
        if a.dtype.kind in "fc":
            same |= np.isnan(a) & np.isnan(b)
    return same  # type: ignore[no-any-return]


def arg_combine(
    parts: np.ndarray, axis: tuple[int, ...], keepdims: bool, lower: bool
) -> np.ndarray:
    """Joined partials -> the best one per output element (reduced axes kept)."""
    k = len(axis)
    if not k:
        return parts
    moved = np.moveaxis(parts, axis, tuple(range(parts.ndim - k, parts.ndim)))
    keep = parts.ndim - k
    count = math.prod(moved.shape[keep:])
    rows = moved.reshape((*moved.shape[:keep], count))
    best = rows[..., 0].copy()
    for j in range(1, count):
        cand = rows[..., j]
        take = _better(cand["v"], best["v"], lower) | (
            _same(cand["v"], best["v"]) & (cand["i"] < best["i"])
        )
        best["v"] = np.where(take, cand["v"], best["v"])
        best["i"] = np.where(take, cand["i"], best["i"])
        best["ok"] |= cand["ok"]
    return np.expand_dims(best, axis)


def arg_aggregate(
    parts: np.ndarray, axis: tuple[int, ...], keepdims: bool, lower: bool, name: str
) -> np.ndarray:
    """Joined partials -> the global indices; ValueError on an all-NaN slice."""
    best = arg_combine(parts, axis, True, lower)
    if not np.all(best["ok"]):
        raise ChunkArrayValueError(f"{name}: All-NaN slice encountered")
    index = best["i"]
    return index if keepdims or not axis else np.squeeze(index, axis=axis)


def _arg(a: Any, axis: Any, out: Any, keepdims: bool, split_every: Any, name: str,
         find: Callable[..., Any], np_func: Callable[..., Any], skipna: bool) -> Array:
    x = as_array(a, name)
    if out is not None:
        raise ChunkArrayTypeError(
            f"{name}: out= is not supported on chunkarray arrays (they are immutable)"
        )
    if any(math.isnan(c) for cs in x.chunks for c in cs):
        raise ChunkArrayValueError(
            f"{name}: the array has unknown chunk sizes; call compute_chunk_sizes() first"
        )
    axes = parse_axis(axis, x.ndim, name, allow_tuple=False)
    meta = numpy_meta(name, np_func, x, axis=axis, keepdims=keepdims)
    skipna = skipna and x.dtype.kind in "fc"  # NumPy's nanargmin of ints is argmin
    lower = find is np.argmin
    chunk = partial(arg_chunk, find=find, skipna=skipna, flat=axis is None and x.ndim > 1,
                    shape=tuple(int(s) for s in x.shape))
    return reduction(
        x, chunk, partial(arg_combine, lower=lower),
        partial(arg_aggregate, lower=lower, name=name),
        axis=axes, keepdims=keepdims, dtype=meta.dtype, split_every=split_every,
        name=name, token=(skipna, axis is None), block_values=(BlockSlices(x.chunks),),
    )


def _document(name: str, summary: str, example: str, result: str) -> str:
    all_nan = ", or an all-NaN slice (when computed)" if name.startswith("nan") else ""
    return f"""{summary}

    Parameters
    ----------
    a : Array or array_like
    axis : int or None
        The axis to search; None searches the flattened array (flat C-order index).
    out : None
        Not supported: chunkarray arrays are immutable.
    keepdims : bool
        Keep the reduced axis (all axes with ``axis=None``), with length 1.
    split_every : int or dict, optional
        Partials merged per tree step; the ``split_every`` setting by default.

    Returns
    -------
    Array
        Indices (``intp``), the first occurrence on ties, as NumPy's.

    Raises
    ------
    ValueError
        An empty axis (when the graph is built){all_nan}.
    TypeError
        A tuple of axes.

    Examples
    --------
    >>> import numpy as np
    >>> from chunkarray.array.creation import from_array
    >>> from chunkarray.array.argreductions import {name}
    >>> x = from_array(np.array([[1.0, np.nan, 7.0], [4.0, 9.0, np.nan]]), chunks=1)
    >>> {example}
    {result}
    """


@implements(np.argmin)
def argmin(a: Any, axis: Any = None, out: Any = None, *, keepdims: bool = False,
           split_every: Any = None) -> Array:
    return _arg(a, axis, out, keepdims, split_every, "argmin", np.argmin, np.argmin, False)


@implements(np.argmax)
def argmax(a: Any, axis: Any = None, out: Any = None, *, keepdims: bool = False,
           split_every: Any = None) -> Array:
    return _arg(a, axis, out, keepdims, split_every, "argmax", np.argmax, np.argmax, False)


@implements(np.nanargmin)
def nanargmin(a: Any, axis: Any = None, out: Any = None, *, keepdims: bool = False,
              split_every: Any = None) -> Array:
    return _arg(a, axis, out, keepdims, split_every, "nanargmin", np.argmin, np.nanargmin,
                True)


@implements(np.nanargmax)
def nanargmax(a: Any, axis: Any = None, out: Any = None, *, keepdims: bool = False,
              split_every: Any = None) -> Array:
    return _arg(a, axis, out, keepdims, split_every, "nanargmax", np.argmax, np.nanargmax,
                True)


argmin.__doc__ = _document(
    "argmin", "Indices of the minimum along ``axis`` (NaN counts as the minimum).",
    "argmin(x, axis=1).compute()", "array([1, 2])")
argmax.__doc__ = _document(
    "argmax", "Indices of the maximum along ``axis`` (NaN counts as the maximum).",
    "argmax(x, axis=0).compute()", "array([1, 0, 1])")
nanargmin.__doc__ = _document(
    "nanargmin", "Indices of the minimum along ``axis``, ignoring NaNs.",
    "nanargmin(x, axis=1).compute()", "array([0, 0])")
nanargmax.__doc__ = _document(
    "nanargmax", "Indices of the maximum along ``axis``, ignoring NaNs.",
    "int(nanargmax(x).compute())", "4")
