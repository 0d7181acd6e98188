"""mean, var, std and their nan-variants, merged chunk by chunk with a stable formula.

Each block becomes a partial ``(n, mean, M2)`` (count, mean, sum of squared
deviations from the block's own mean, computed in two passes over the block).
Partials are merged by the k-way form of the parallel update of Chan, Golub and
LeVeque (1979): for partials ``i`` with total count ``n = sum(n_i)``::

    mean = sum(n_i * mean_i) / n
    M2   = sum(M2_i) + sum(n_i * |mean_i - mean| ** 2)

Only deviations enter the squares, never raw values, so the variance of
``1e9 + noise`` keeps the digits that a sum of squares (``E[x**2] - E[x]**2``)
cancels away. ``mean`` alone carries ``(n, sum)`` and divides at the end, as
NumPy does. Partials are structured arrays, so they concatenate like any block.

Warnings follow NumPy: "Mean of empty slice" and "Degrees of freedom <= 0 for
slice" are RuntimeWarnings, given when the graph is built for ``mean``/``var``
/``std`` (they depend only on the shape) and when it runs for the nan-variants
(they depend on where the NaNs are).

>>> import numpy as np
>>> from chunkarray.array.creation import from_array
>>> x = from_array(1e9 + np.array([0.0, 1.0, 2.0, 3.0]), chunks=1)
>>> float(var(x).compute())
1.25
"""

from __future__ import annotations

import math
import numbers
import warnings
from functools import partial
from typing import Any

import numpy as np

from chunkarray.array.core import Array, implements
from chunkarray.array.reduction import (
    as_array,
    numpy_meta,
    parse_axis,
    reduction,
    static_count,
)
from chunkarray.errors import ChunkArrayTypeError, ChunkArrayValueError


def calc_dtype(in_dtype: np.dtype[Any], dtype: Any) -> np.dtype[Any]:
    """The dtype partials are carried in: at least float64 (complex128 for complex).

    NumPy accumulates float32 in float32; partials are one small array per block, so
    carrying them in float64 costs nothing and keeps, for example, the mean of
    float32 values near 1e9 exact. The result is cast to NumPy's dtype at the end.
    """
    calc = np.dtype(dtype) if dtype is not None else in_dtype
    if calc.kind in "biufc":
        return np.promote_types(calc, np.float64)
    return calc


def _fields(calc: np.dtype[Any], with_m2: bool) -> np.dtype[Any]:
    if not with_m2:
        return np.dtype([("n", np.int64), ("total", calc)])
    real = np.empty(0, dtype=calc).real.dtype
    return np.dtype([("n", np.int64), ("mean", calc), ("m2", real)])


def _abs2(values: np.ndarray) -> np.ndarray:
    if values.dtype.kind == "c":
        return (values * values.conj()).real
    return values * values


def moments_chunk(
    block: np.ndarray, axis: tuple[int, ...], keepdims: bool,
    calc: np.dtype[Any], skipna: bool, with_m2: bool,
) -> np.ndarray:
    """The partial ``(n, sum)`` or ``(n, mean, M2)`` of one block (reduced axes kept)."""
    kept = tuple(1 if a in axis else s for a, s in enumerate(block.shape))
    if with_m2 and not skipna and len(axis) == block.ndim and 0 < block.size <= _TILE and (
            calc.kind == "f" and block.flags.c_contiguous):
        return _moments_small(block, kept, calc)
    mask = None
    if skipna:
        mask = np.isnan(block)
        n = np.sum(~mask, axis=axis, keepdims=True, dtype=np.int64)
        block = np.where(mask, np.zeros((), dtype=block.dtype), block)
    else:
        n = np.full(kept, math.prod(block.shape[a] for a in axis), dtype=np.int64)
    total = np.sum(block, axis=axis, keepdims=True, dtype=calc)
    out = np.empty(kept, dtype=_fields(calc, with_m2))
    out["n"] = n
    if not with_m2:
        out["total"] = total
        return out
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        out["mean"] = total / np.maximum(n, 1)
        if mask is None and len(axis) == block.ndim and block.size >= _TILE:
            out["m2"] = _m2_tiled(block, out["mean"].reshape(()), calc)
            return out
        dev = np.asarray(np.subtract(block, out["mean"], dtype=calc))  # one temporary
        if mask is not None:
            dev[mask] = 0
        squares = (dev * dev.conj()).real if dev.dtype.kind == "c" else np.square(dev, out=dev)
        out["m2"] = np.sum(squares, axis=axis, keepdims=True, dtype=out.dtype["m2"])
    return out


_TILE = 32_768  # elements: deviations of one tile stay in the CPU cache


def _moments_small(block: np.ndarray, kept: tuple[int, ...], calc: np.dtype[Any]) -> np.ndarray:
    """``(n, mean, M2)`` of a whole small contiguous real block (a tile of a fused run).

    The same two passes as the general path with its per-call overheads removed:
    this runs once per 32,768 elements.
    """
    flat = block.reshape(-1)
    n = flat.size
    out = np.empty(kept, dtype=_fields(calc, True))
    total = np.add.reduce(flat, dtype=calc)  # outside errstate: overflow warns as NumPy's
    with np.errstate(invalid="ignore", over="ignore"):
        mean = total / n
        dev = np.subtract(flat, mean, dtype=calc)
        np.multiply(dev, dev, out=dev)
        out["n"] = n
        out["mean"] = mean
        out["m2"] = np.add.reduce(dev)
    return out


def _m2_tiled(block: np.ndarray, mean: Any, calc: np.dtype[Any]) -> Any:
    """Sum of squared deviations over the whole block, tile by tile (no full temporary)."""
    flat = block.reshape(-1)  # a view for contiguous blocks, one copy otherwise
    m2 = 0.0
    dev = np.empty(min(_TILE, flat.size), dtype=calc)
    for start in range(0, flat.size, _TILE):
        part = flat[start:start + _TILE]
        d = dev[: part.size]
        np.subtract(part, mean, out=d, dtype=calc)
        # Not np.vdot: BLAS may start its own threads for each call, fighting the
        # workers for the cores.
        if d.dtype.kind == "c":
            m2 += float(np.sum(d.real * d.real) + np.sum(d.imag * d.imag))
        else:
            np.multiply(d, d, out=d)
            m2 += float(d.sum())
    return m2


def merge(parts: np.ndarray, axis: tuple[int, ...]) -> tuple[np.ndarray, ...]:
    """Merge joined partials along ``axis``: ``(n, total)`` or ``(n, mean, M2)``."""
    n = np.sum(parts["n"], axis=axis, keepdims=True)
    if "total" in (parts.dtype.names or ()):
        return n, np.sum(parts["total"], axis=axis, keepdims=True, dtype=parts.dtype["total"])
    with np.errstate(invalid="ignore", over="ignore"):
        mean = np.sum(parts["n"] * parts["mean"], axis=axis, keepdims=True) / np.maximum(n, 1)
        spread = np.sum(parts["n"] * _abs2(parts["mean"] - mean), axis=axis, keepdims=True)
        m2 = np.sum(parts["m2"], axis=axis, keepdims=True) + spread
    return n, mean, m2


def moments_combine(parts: np.ndarray, axis: tuple[int, ...], keepdims: bool) -> np.ndarray:
    """Joined partials -> one partial (the reduced axes kept, length 1)."""
    merged = merge(parts, axis)
    out = np.empty(merged[0].shape, dtype=parts.dtype)
    for field, value in zip(parts.dtype.names or (), merged):
        out[field] = value
    return out


def _finish(result: np.ndarray, axis: tuple[int, ...], keepdims: bool) -> np.ndarray:
    return result if keepdims or not axis else np.squeeze(result, axis=axis)


def mean_aggregate(
    parts: np.ndarray, axis: tuple[int, ...], keepdims: bool, skipna: bool, name: str
) -> np.ndarray:
    """Joined ``(n, sum)`` partials -> the mean; warns like NumPy's nanmean."""
    n, total = merge(parts, axis)
    if skipna and np.any(n == 0):
        warnings.warn(f"{name}: Mean of empty slice", RuntimeWarning, stacklevel=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        result = total / n
    return _finish(result, axis, keepdims)


def var_aggregate(
    parts: np.ndarray, axis: tuple[int, ...], keepdims: bool,
    ddof: float, skipna: bool, sqrt: bool, name: str,
) -> np.ndarray:
    """Joined ``(n, mean, M2)`` partials -> the variance (or its square root)."""
    n, _, m2 = merge(parts, axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        if skipna:
            dof = n - ddof
            bad = dof <= 0
            result = m2 / dof
            if np.any(bad):
                warnings.warn(f"{name}: Degrees of freedom <= 0 for slice.", RuntimeWarning,
                              stacklevel=2)
                result = np.where(bad, np.nan, result)
        else:
            result = m2 / np.maximum(n - ddof, 0)
        if sqrt:
            result = np.sqrt(result)
    return _finish(result, axis, keepdims)


def _check_out(out: Any, name: str) -> None:
    if out is not None:
        raise ChunkArrayTypeError(
            f"{name}: out= is not supported on chunkarray arrays (they are immutable); "
            f"use the returned array"
        )


def _mean(a: Any, axis: Any, dtype: Any, out: Any, keepdims: bool, split_every: Any,
          skipna: bool, name: str) -> Array:
    x = as_array(a, name)
    _check_out(out, name)
    axes = parse_axis(axis, x.ndim, name)
    meta = numpy_meta(name, np.nanmean if skipna else np.mean, x,
                      axis=axes, dtype=dtype, keepdims=keepdims)
    skipna = skipna and x.dtype.kind in "fc"  # NumPy's nanmean of ints is mean
    if not skipna and static_count(x, axes) == 0:
        warnings.warn(f"{name}: Mean of empty slice", RuntimeWarning, stacklevel=3)
    calc = calc_dtype(x.dtype, dtype)
    return reduction(
        x, partial(moments_chunk, calc=calc, skipna=skipna, with_m2=False), moments_combine,
        partial(mean_aggregate, skipna=skipna, name=name),
        axis=axes, keepdims=keepdims, dtype=meta.dtype, split_every=split_every,
        name=name, token=(str(calc), skipna), tile_rows=True,
    )


def _parse_ddof(ddof: Any, correction: Any, name: str) -> Any:
    if correction is not None:
        if ddof != 0:
            raise ChunkArrayValueError(
                f"{name}: ddof and correction can't be provided simultaneously "
                f"(got ddof={ddof!r}, correction={correction!r})"
            )
        ddof = correction
    if not isinstance(ddof, numbers.Real):
        raise ChunkArrayTypeError(f"{name}: ddof must be a real number, got {ddof!r}")
    return ddof


def _var(a: Any, axis: Any, dtype: Any, out: Any, ddof: Any, keepdims: bool, correction: Any,
         split_every: Any, skipna: bool, sqrt: bool, name: str) -> Array:
    x = as_array(a, name)
    _check_out(out, name)
    ddof = _parse_ddof(ddof, correction, name)
    axes = parse_axis(axis, x.ndim, name)
    np_func = {(False, False): np.var, (False, True): np.std,
               (True, False): np.nanvar, (True, True): np.nanstd}[skipna, sqrt]
    meta = numpy_meta(name, np_func, x, axis=axes, dtype=dtype, ddof=ddof, keepdims=keepdims)
    skipna = skipna and x.dtype.kind in "fc"  # NumPy's nanvar of ints is var
    if not skipna and ddof >= static_count(x, axes):
        warnings.warn(f"{name}: Degrees of freedom <= 0 for slice", RuntimeWarning,
                      stacklevel=3)
    calc = calc_dtype(x.dtype, dtype)
    return reduction(
        x, partial(moments_chunk, calc=calc, skipna=skipna, with_m2=True), moments_combine,
        partial(var_aggregate, ddof=ddof, skipna=skipna, sqrt=sqrt, name=name),
        axis=axes, keepdims=keepdims, dtype=meta.dtype, split_every=split_every,
        name=name, token=(str(calc), skipna, ddof), tile_rows=True,
    )


_PARAMS = """
    Parameters
    ----------
    a : Array or array_like
    axis : int, tuple of int or None
        The axes to reduce; None reduces all of them.
    dtype : dtype, optional
        The result type; by default float64 for integer and bool input, the
        input's type otherwise (complex input gives a real {what}). Partials are
        carried in float64 (complex128) at least whatever the dtype.{intnote}
    out : None
        Not supported: chunkarray arrays are immutable.{ddof}
    keepdims : bool
        Keep the reduced axes, with length 1.
    split_every : int or dict, optional
        Partials merged per tree step (a dict gives it per axis); the
        ``split_every`` setting by default.

    Returns
    -------
    Array

    Raises
    ------
    ValueError
        An axis out of range or repeated.
    """

_INTNOTE = """ With an
        integer dtype the result is the float result cast to it (NumPy computes
        in integers and truncates the mean first, which this does not copy)."""

_DDOF = """
    ddof : int or float
        Delta degrees of freedom: the divisor is ``N - ddof``.
    correction : int or float, optional
        The Array API name of ``ddof``."""


@implements(np.mean)
def mean(a: Any, axis: Any = None, dtype: Any = None, out: Any = None,
         keepdims: bool = False, *, split_every: Any = None) -> Array:
    return _mean(a, axis, dtype, out, keepdims, split_every, False, "mean")


@implements(np.nanmean)
def nanmean(a: Any, axis: Any = None, dtype: Any = None, out: Any = None,
            keepdims: bool = False, *, split_every: Any = None) -> Array:
    return _mean(a, axis, dtype, out, keepdims, split_every, True, "nanmean")


@implements(np.var)
def var(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: Any = 0,
        keepdims: bool = False, *, correction: Any = None, split_every: Any = None) -> Array:
    return _var(a, axis, dtype, out, ddof, keepdims, correction, split_every,
                False, False, "var")


@implements(np.std)
def std(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: Any = 0,
        keepdims: bool = False, *, correction: Any = None, split_every: Any = None) -> Array:
    return _var(a, axis, dtype, out, ddof, keepdims, correction, split_every,
                False, True, "std")


@implements(np.nanvar)
def nanvar(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: Any = 0,
           keepdims: bool = False, *, correction: Any = None, split_every: Any = None) -> Array:
    return _var(a, axis, dtype, out, ddof, keepdims, correction, split_every,
                True, False, "nanvar")


@implements(np.nanstd)
def nanstd(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: Any = 0,
           keepdims: bool = False, *, correction: Any = None, split_every: Any = None) -> Array:
    return _var(a, axis, dtype, out, ddof, keepdims, correction, split_every,
                True, True, "nanstd")


_DOCS = {
    "mean": ("The arithmetic mean along ``axis``.", "mean", False, """
    Warns (RuntimeWarning "Mean of empty slice", when the graph is built) if a
    reduced axis has length 0; the result is then NaN, as NumPy's.""",
             "mean(x, axis=0).compute()", "array([2.5, 4. , 4. ])", "[[1, 5, 2], [4, 3, 6]]"),
    "nanmean": ("The mean along ``axis``, ignoring NaNs.", "mean", False, """
    An all-NaN slice gives NaN and a RuntimeWarning when computed, as in NumPy.""",
                "nanmean(x, axis=0).compute()", "array([2.5, 3. , 2. ])",
                "[[1.0, np.nan, 2.0], [4.0, 3.0, np.nan]]"),
    "var": ("The variance along ``axis``, merged with a numerically stable formula.",
            "variance", True, """
    Warns (RuntimeWarning "Degrees of freedom <= 0 for slice", when the graph is
    built) if ``ddof`` is not below the number of reduced elements.""",
            "var(x, axis=0).compute()", "array([2.25, 1.  , 4.  ])", "[[1, 5, 2], [4, 3, 6]]"),
    "std": ("The standard deviation along ``axis`` (square root of :func:`var`).",
            "standard deviation", True, """
    Warns like :func:`var`.""",
            "std(x, axis=1, ddof=1).compute()", "array([2.081666  , 1.52752523])",
            "[[1, 5, 2], [4, 3, 6]]"),
    "nanvar": ("The variance along ``axis``, ignoring NaNs.", "variance", True, """
    Slices with no more than ``ddof`` numbers give NaN and a RuntimeWarning when
    computed, as in NumPy.""",
               "nanvar(x, axis=1).compute()", "array([0.25, 0.25])",
               "[[1.0, np.nan, 2.0], [4.0, 3.0, np.nan]]"),
    "nanstd": ("The standard deviation along ``axis``, ignoring NaNs.", "standard deviation",
               True, """
    Warns like :func:`nanvar`.""",
               "nanstd(x, axis=1).compute()", "array([0.5, 0.5])",
               "[[1.0, np.nan, 2.0], [4.0, 3.0, np.nan]]"),
}


def _document(func: Any) -> None:
    summary, what, has_ddof, notes, call, result, data = _DOCS[func.__name__]
    params = _PARAMS.format(what=what, ddof=_DDOF if has_ddof else "",
                            intnote=_INTNOTE if has_ddof else "")
    func.__doc__ = f"""{summary}
{notes}
{params}
    Examples
    --------
    >>> import numpy as np
    >>> from chunkarray.array.creation import from_array
    >>> from chunkarray.array.moments import {func.__name__}
    >>> x = from_array(np.array({data}), chunks=1)
    >>> {call}
    {result}
    """


for _func in (mean, nanmean, var, std, nanvar, nanstd):
    _document(_func)
