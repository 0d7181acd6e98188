"""Hypothesis strategies for array tests: shapes, chunkings, dtypes, data, axes.

Sizes stay small (a few elements per axis, up to 4 axes) so that a differential
test against NumPy runs hundreds of examples in seconds. Zero-length axes are
generated on purpose, but rarely enough that most examples hold data. Element
values are bounded so sums and products do not overflow floats (which would make
NumPy warn) and float32 comparisons stay meaningful.

>>> from hypothesis import find
>>> find(shapes(min_dims=2), lambda s: 0 in s)
(0, 1)
>>> find(chunks_for((5,)), lambda c: len(c[0]) == 2)
((1, 4),)
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any, TypeAlias

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

__all__ = ["DTYPES", "arrays", "arrays_and_chunks", "axes_for", "axis_for", "chunks_for",
           "dtypes", "shapes"]

Elements: TypeAlias = Callable[[np.dtype[Any]], st.SearchStrategy[Any]]

DTYPES = tuple(np.dtype(d) for d in (
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float32", "float64", "complex64", "complex128",
))


@st.composite
def shapes(draw: Any, min_dims: int = 0, max_dims: int = 4, min_side: int = 0,
           max_side: int = 5) -> tuple[int, ...]:
    """Shapes of ``min_dims`` to ``max_dims`` axes; about one in five has a zero-length axis.

    Sides are in ``[max(min_side, 1), max_side]``, except that one axis may be 0
    when ``min_side`` is 0.
    """
    ndim = draw(st.integers(min_dims, max_dims))
    sides = draw(st.lists(st.integers(max(min_side, 1), max_side), min_size=ndim,
                          max_size=ndim))
    if ndim and min_side == 0 and draw(st.sampled_from([True] + [False] * 4)):
        sides[draw(st.integers(0, ndim - 1))] = 0
    return tuple(sides)


@st.composite
def _axis_chunks(draw: Any, size: int, max_blocks: int) -> tuple[int, ...]:
    if size == 0:
        return (0,)
    most = min(size, max_blocks) - 1
    cuts = draw(st.sets(st.integers(1, size - 1), max_size=most)) if most > 0 else set()
    bounds = [0, *sorted(cuts), size]
    return tuple(b - a for a, b in itertools.pairwise(bounds))


def chunks_for(
    shape: Sequence[int], max_blocks: int = 4
) -> st.SearchStrategy[tuple[tuple[int, ...], ...]]:
    """Valid chunkings of ``shape`` as a tuple of tuples: blocks of any (uneven) sizes, at
    most ``max_blocks`` per axis, ``(0,)`` for a zero-length axis."""
    return st.tuples(*(_axis_chunks(int(n), max_blocks) for n in shape))


def dtypes(kinds: str = "biufc") -> st.SearchStrategy[np.dtype[Any]]:
    """The dtypes of :data:`DTYPES` whose kind is in ``kinds`` (b, i, u, f, c)."""
    return st.sampled_from([d for d in DTYPES if d.kind in kinds])


def _elements(dtype: np.dtype[Any], allow_nan: bool) -> st.SearchStrategy[Any]:
    if dtype.kind == "b":
        return st.booleans()
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return st.integers(max(info.min, -20), min(info.max, 20))
    width = dtype.itemsize * 8 // (2 if dtype.kind == "c" else 1)
    real = st.floats(-100, 100, width=width, allow_subnormal=False)  # type: ignore[arg-type]
    if allow_nan:
        real = st.one_of(real, st.just(float("nan")))
    if dtype.kind == "f":
        return real
    return st.builds(complex, real, real)


def arrays(dtype: np.dtype[Any], shape: tuple[int, ...], allow_nan: bool = False,
           elements: Elements | None = None) -> st.SearchStrategy[np.ndarray]:
    """NumPy arrays of ``dtype`` and ``shape`` with small values (NaNs if asked).

    ``elements(dtype)``, when given, makes the element strategy instead.
    """
    dtype = np.dtype(dtype)
    values = elements(dtype) if elements is not None else _elements(dtype, allow_nan)
    return hnp.arrays(dtype, shape, elements=values)


@st.composite
def arrays_and_chunks(
    draw: Any,
    dtype: st.SearchStrategy[np.dtype[Any]] | None = None,
    shape: st.SearchStrategy[tuple[int, ...]] | None = None,
    allow_nan: bool = False,
    elements: Elements | None = None,
) -> tuple[np.ndarray, tuple[tuple[int, ...], ...]]:
    """A NumPy array (see :func:`arrays`) and a valid chunking of it."""
    dt = draw(dtype if dtype is not None else dtypes())
    sh = draw(shape if shape is not None else shapes())
    data = draw(arrays(dt, sh, allow_nan=allow_nan, elements=elements))
    return data, draw(chunks_for(sh))


def axis_for(ndim: int, allow_none: bool = True) -> st.SearchStrategy[Any]:
    """One axis (possibly negative) of an ``ndim``-d array, or None."""
    ints: st.SearchStrategy[Any] = (
        st.integers(-ndim, ndim - 1) if ndim else st.nothing()
    )
    return st.one_of(st.none(), ints) if allow_none else ints


def axes_for(ndim: int) -> st.SearchStrategy[Any]:
    """``axis=`` arguments for an ``ndim``-d array: None, an int (possibly negative) or a
    tuple of distinct axes (possibly negative, in any order, possibly empty)."""
    if ndim == 0:
        return st.one_of(st.none(), st.just(()))
    tuples = st.lists(st.integers(0, ndim - 1), unique=True, max_size=ndim).flatmap(
        lambda axes: st.tuples(*(st.sampled_from([a, a - ndim]) for a in axes))
    ).flatmap(st.permutations).map(tuple)
    return st.one_of(st.none(), st.integers(-ndim, ndim - 1), tuples)
