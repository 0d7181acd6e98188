"""Reductions of arrays: sum, prod, min, max, any, all, mean, var, std, arg*, cum*.

Every reduction is a tree (see :mod:`chunkarray.array.reduction`): one partial
per block, fused with the work producing the block, then ``split_every`` partials
combined per step. Dtypes and errors are NumPy's, found when the graph is built
by running NumPy on a one-element stand-in: ``sum`` of int32 or bool is int64,
``mean`` of ints is float64, ``var`` of complex is real, and ``min`` of an empty
axis raises ValueError at once.

This module makes the simple family from one table (:func:`_simple`) and gathers
the others: moments (:mod:`~chunkarray.array.moments`), arg-reductions
(:mod:`~chunkarray.array.argreductions`) and scans
(:mod:`~chunkarray.array.cumulative`). It also makes them Array methods and lazy
NumPy overrides (``np.sum(x)`` is ``sum(x)``).

>>> import numpy as np
>>> from chunkarray.array.creation import from_array
>>> x = from_array(np.arange(12).reshape(3, 4), chunks=2)
>>> x.sum(axis=1).compute()
array([ 6, 22, 38])
>>> np.max(x, axis=0, keepdims=True).compute()
array([[ 8,  9, 10, 11]])
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from chunkarray.array.argreductions import argmax, argmin, nanargmax, nanargmin
from chunkarray.array.core import Array, implements
from chunkarray.array.cumulative import cumprod, cumsum, nancumprod, nancumsum
from chunkarray.array.moments import mean, nanmean, nanstd, nanvar, std, var
from chunkarray.array.reduction import as_array, numpy_meta, parse_axis, reduction
from chunkarray.errors import ChunkArrayTypeError

__all__ = [
    "all", "any", "argmax", "argmin", "cumprod", "cumsum", "max", "mean", "min", "nanargmax",
    "nanargmin", "nancumprod", "nancumsum", "nanmax", "nanmean", "nanmin", "nanprod", "nanstd",
    "nansum", "nanvar", "prod", "std", "sum", "var",
]

Kernels = tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any]]


def nan_extreme_aggregate(
    parts: np.ndarray, axis: tuple[int, ...], keepdims: bool, op: np.ufunc, name: str
) -> np.ndarray:
    """``op.reduce`` (fmin/fmax) of the joined partials; warns on all-NaN slices as NumPy."""
    result = op.reduce(parts, axis=axis, keepdims=keepdims)
    if np.isnan(result).any():
        warnings.warn(f"{name}: All-NaN slice encountered", RuntimeWarning, stacklevel=2)
    return result  # type: ignore[no-any-return]


class SkipEmpty:
    """A chunk kernel without identity (min, max) that passes over empty blocks.

    Blocks can be empty along a reduced axis only when chunk sizes were unknown
    (after a boolean mask): such a block gives a partial of length 0 there, which
    joins the others without changing the result.
    """

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func
        self.__name__ = getattr(func, "__name__", "reduce")

    def __call__(self, block: np.ndarray, axis: tuple[int, ...], keepdims: bool) -> Any:
        if 0 not in [block.shape[a] for a in axis]:  # (``all`` is the reduction here)
            return self.func(block, axis=axis, keepdims=keepdims)
        shape = tuple((0 if s == 0 else 1) if a in axis else s for a, s in enumerate(block.shape))
        return np.empty(shape, dtype=block.dtype)


def _same(func: Callable[..., Any]) -> Callable[[np.dtype[Any], Any], Kernels]:
    """Kernels that apply ``func`` at every stage, with the result dtype when it takes one."""

    def kernels(in_dtype: np.dtype[Any], dtype: Any) -> Kernels:
        f = partial(func, dtype=dtype) if dtype is not None else func
        return f, f, f

    return kernels


def _nan_then(nan_func: Callable[..., Any], func: Callable[..., Any]) -> Any:
    """``nan_func`` on the blocks (NaNs dropped), ``func`` on the partials."""

    def kernels(in_dtype: np.dtype[Any], dtype: Any) -> Kernels:
        return (partial(nan_func, dtype=dtype), partial(func, dtype=dtype),
                partial(func, dtype=dtype))

    return kernels


def _extreme(func: Callable[..., Any]) -> Callable[[np.dtype[Any], Any], Kernels]:
    """min/max at every stage, passing over empty blocks."""

    def kernels(in_dtype: np.dtype[Any], dtype: Any) -> Kernels:
        return SkipEmpty(func), func, func

    return kernels


def _nan_extreme(op: np.ufunc, plain: Callable[..., Any], name: str) -> Any:
    """fmin/fmax trees for floats (NaN ignored); min/max for other dtypes, as NumPy."""

    def kernels(in_dtype: np.dtype[Any], dtype: Any) -> Kernels:
        if in_dtype.kind not in "fc":
            return SkipEmpty(plain), plain, plain
        return SkipEmpty(op.reduce), op.reduce, partial(nan_extreme_aggregate, op=op, name=name)

    return kernels


def _check_out(out: Any, name: str) -> None:
    if out is not None:
        raise ChunkArrayTypeError(
            f"{name}: out= is not supported on chunkarray arrays (they are immutable); "
            f"use the returned array"
        )


_DTYPE_DOC = """
    dtype : dtype, optional
        The accumulator and result type; NumPy's default otherwise (int64 for
        smaller signed integers and bools, uint64 for smaller unsigned ones)."""

_TEMPLATE = """{summary}

    Parameters
    ----------
    a : Array or array_like
    axis : int, tuple of int or None
        The axes to reduce; None reduces all of them.{dtype}
    out : None
        Not supported: chunkarray arrays are immutable.
    keepdims : bool
        Keep the reduced axes, with length 1.
    split_every : int or dict, optional
        Partials combined per tree step (a dict gives it per axis); the
        ``split_every`` setting by default.

    Returns
    -------
    Array

    Raises
    ------
    ValueError
        An axis out of range or repeated{empty}.

    Examples
    --------
    >>> import numpy as np
    >>> from chunkarray.array.creation import from_array
    >>> from chunkarray.array.reductions import {name}
    >>> x = from_array(np.array({data}), chunks=1)
    >>> {name}(x, axis=0).compute()
    {result}
    """

_INTS = "[[1, 5, 2], [4, 3, 6]]"
_BOOLS = "[[True, False, True], [True, False, False]]"
_NANS = "[[1.0, np.nan, 2.0], [4.0, 3.0, np.nan]]"
_EMPTY = ";\n        a reduction of an empty axis (no identity), when the graph is built"


def _simple(name: str, np_funcs: tuple[Callable[..., Any], ...], kernels: Any, *,
            has_dtype: bool, summary: str, data: str, result: str,
            empty_raises: bool = False) -> Callable[..., Array]:
    """A public reduction from its kernels, registered for ``np_funcs``."""
    np_func = np_funcs[0]

    def build(a: Any, axis: Any, dtype: Any, out: Any, keepdims: bool,
              split_every: Any) -> Array:
        x = as_array(a, name)
        _check_out(out, name)
        axes = parse_axis(axis, x.ndim, name)
        extra = {"dtype": dtype} if has_dtype else {}
        out_dtype = numpy_meta(name, np_func, x, axis=axes, keepdims=keepdims, **extra).dtype
        chunk, combine, aggregate = kernels(x.dtype, out_dtype if has_dtype else None)
        return reduction(x, chunk, combine, aggregate, axis=axes, keepdims=keepdims,
                         dtype=out_dtype, split_every=split_every, name=name, tile_rows=True)

    if has_dtype:
        def func(a: Any, axis: Any = None, dtype: Any = None, out: Any = None,
                 keepdims: bool = False, *, split_every: Any = None) -> Array:
            return build(a, axis, dtype, out, keepdims, split_every)
    else:
        def func(a: Any, axis: Any = None, out: Any = None,  # type: ignore[misc]
                 keepdims: bool = False, *, split_every: Any = None) -> Array:
            return build(a, axis, None, out, keepdims, split_every)

    func.__name__ = func.__qualname__ = name
    func.__doc__ = _TEMPLATE.format(
        summary=summary, dtype=_DTYPE_DOC if has_dtype else "", name=name, data=data,
        result=result, empty=_EMPTY if empty_raises else "",
    )
    return implements(*np_funcs)(func)  # type: ignore[no-any-return]


sum = _simple(
    "sum", (np.sum,), _same(np.sum), has_dtype=True,
    summary="The sum of the elements along ``axis``.", data=_INTS, result="array([5, 8, 8])")
prod = _simple(
    "prod", (np.prod,), _same(np.prod), has_dtype=True,
    summary="The product of the elements along ``axis``.", data=_INTS,
    result="array([ 4, 15, 12])")
min = _simple(
    "min", (np.min, np.amin), _extreme(np.min), has_dtype=False, empty_raises=True,
    summary="The minimum along ``axis`` (NaN propagates, as in NumPy).", data=_INTS,
    result="array([1, 3, 2])")
max = _simple(
    "max", (np.max, np.amax), _extreme(np.max), has_dtype=False, empty_raises=True,
    summary="The maximum along ``axis`` (NaN propagates, as in NumPy).", data=_INTS,
    result="array([4, 5, 6])")
any = _simple(
    "any", (np.any,), _same(np.any), has_dtype=False,
    summary="Whether any element along ``axis`` is true.", data=_BOOLS,
    result="array([ True, False,  True])")
all = _simple(
    "all", (np.all,), _same(np.all), has_dtype=False,
    summary="Whether every element along ``axis`` is true.", data=_BOOLS,
    result="array([ True, False, False])")
nansum = _simple(
    "nansum", (np.nansum,), _nan_then(np.nansum, np.sum), has_dtype=True,
    summary="The sum along ``axis``, NaNs counting as zero.", data=_NANS,
    result="array([5., 3., 2.])")
nanprod = _simple(
    "nanprod", (np.nanprod,), _nan_then(np.nanprod, np.prod), has_dtype=True,
    summary="The product along ``axis``, NaNs counting as one.", data=_NANS,
    result="array([4., 3., 2.])")
nanmin = _simple(
    "nanmin", (np.nanmin,), _nan_extreme(np.fmin, np.min, "nanmin"), has_dtype=False,
    empty_raises=True, data=_NANS, result="array([1., 3., 2.])",
    summary="The minimum along ``axis``, ignoring NaNs (an all-NaN slice gives NaN and a "
            "RuntimeWarning when computed, as in NumPy).")
nanmax = _simple(
    "nanmax", (np.nanmax,), _nan_extreme(np.fmax, np.max, "nanmax"), has_dtype=False,
    empty_raises=True, data=_NANS, result="array([4., 3., 2.])",
    summary="The maximum along ``axis``, ignoring NaNs (an all-NaN slice gives NaN and a "
            "RuntimeWarning when computed, as in NumPy).")


# Array methods, with NumPy's signatures (``x.sum(axis, dtype, out, keepdims)``).
Array.sum = sum  # type: ignore[attr-defined]
Array.prod = prod  # type: ignore[attr-defined]
Array.mean = mean  # type: ignore[attr-defined]
Array.var = var  # type: ignore[attr-defined]
Array.std = std  # type: ignore[attr-defined]
Array.min = min  # type: ignore[attr-defined]
Array.max = max  # type: ignore[attr-defined]
Array.argmin = argmin  # type: ignore[attr-defined]
Array.argmax = argmax  # type: ignore[attr-defined]
Array.any = any  # type: ignore[attr-defined]
Array.all = all  # type: ignore[attr-defined]
Array.cumsum = cumsum  # type: ignore[attr-defined]
Array.cumprod = cumprod  # type: ignore[attr-defined]
