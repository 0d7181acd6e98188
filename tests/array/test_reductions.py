"""Tests for chunkarray.array.reductions (and reduction, moments, argreductions).

Every reduction is compared with NumPy on random shapes (zero-length axes too),
chunkings, dtypes, axes, keepdims, ddof, dtype= and split_every. Where NumPy
warns (a mean of an empty slice, ddof too large, an all-NaN slice) we expect a
RuntimeWarning too; where it raises, the same exception type.
"""

from __future__ import annotations

import math
import time
import warnings
from contextlib import nullcontext
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chunkarray import config
from chunkarray.array import reductions as R
from chunkarray.array.creation import from_array
from chunkarray.base import prepare
from chunkarray.graph.optimize import cull
from chunkarray.graph.reduction import PartialReduce
from chunkarray.testing.assert_eq import assert_eq
from chunkarray.testing.strategies import arrays_and_chunks, axes_for, axis_for, dtypes, shapes

SIMPLE = ["sum", "prod", "min", "max", "any", "all", "nansum", "nanprod", "nanmin", "nanmax"]
MOMENTS = ["mean", "var", "std", "nanmean", "nanvar", "nanstd"]
ARGS = ["argmin", "argmax", "nanargmin", "nanargmax"]
WITH_DTYPE = {"sum", "prod", "nansum", "nanprod", "mean", "nanmean", "var", "std", "nanvar",
              "nanstd"}
# How the rounding error of a result grows with the magnitude of the data.
POWER = {"sum": 1, "nansum": 1, "mean": 1, "nanmean": 1, "var": 2, "nanvar": 2, "std": 0.5,
         "nanstd": 0.5}


def run_numpy(name: str, a: np.ndarray, **kwargs: Any) -> tuple[Any, bool, Exception | None]:
    """NumPy's result, whether it warned (RuntimeWarning) and the exception it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = getattr(np, name)(a, **kwargs)
        except (ValueError, TypeError) as exc:
            return None, False, exc
    # NumPy's ComplexWarning (a RuntimeWarning) comes from its internal casts, not the data.
    warned = any(issubclass(w.category, RuntimeWarning)
                 and not issubclass(w.category, np.exceptions.ComplexWarning) for w in caught)
    return result, warned, None


def tolerance(name: str, a: np.ndarray, out_dtype: np.dtype[Any]) -> dict[str, float]:
    """rtol/atol from the precision of the input and result and the size of the data."""
    inexact = [np.finfo(d).eps for d in (a.dtype, out_dtype) if d.kind in "fc"]
    eps = max(inexact) if inexact else np.finfo(np.float64).eps
    power = POWER.get(name, 1)
    finite = np.abs(a[~np.isnan(a)]) if a.dtype.kind in "fc" else np.abs(a.astype(float))
    scale = max(float(finite.max()) if finite.size else 1.0, 1.0)
    if name in ("std", "nanstd"):
        return {"rtol": 100 * eps, "atol": math.sqrt(20 * eps * max(a.size, 1)) * scale}
    return {"rtol": 100 * eps, "atol": 20 * eps * max(a.size, 1) * scale ** power}


def check(name: str, a: np.ndarray, chunks: Any, split_every: Any = None,
          **kwargs: Any) -> None:
    """Compare ``R.<name>`` with ``np.<name>`` on ``a``, warnings and errors included."""
    x = from_array(a, chunks=chunks)
    expected, warned, error = run_numpy(name, a, **kwargs)
    func = getattr(R, name)
    if error is not None:
        with pytest.raises(ValueError if isinstance(error, ValueError) else TypeError):
            func(x, split_every=split_every, **kwargs).compute()
        return
    with pytest.warns(RuntimeWarning) if warned else nullcontext():
        result = func(x, split_every=split_every, **kwargs)
        assert_eq(result, expected, **tolerance(name, a, result.dtype))


def small_products(dtype: np.dtype[Any]) -> st.SearchStrategy[Any]:
    """Values whose products neither overflow nor round much: -2 .. 2 in halves."""
    if dtype.kind == "b":
        return st.booleans()
    if dtype.kind in "iu":
        return st.integers(0 if dtype.kind == "u" else -2, 2)
    halves = st.sampled_from([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0])
    return halves if dtype.kind == "f" else st.builds(complex, halves, halves)


split_everys = st.one_of(st.none(), st.integers(2, 4), st.just({0: 2, -1: 3}))

# Groups of reductions tested together; each example draws one name of its group.
GROUPS = {
    "sums": ["sum", "prod", "nansum", "nanprod"],
    "extremes": ["min", "max", "nanmin", "nanmax", "any", "all"],
    "moments": ["mean", "var", "std", "nanmean", "nanvar", "nanstd"],
}


@pytest.mark.parametrize("group", sorted(GROUPS))
@given(data=st.data())
def test_reduction_matches_numpy(group: str, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(GROUPS[group]), label="name")
    products = name in ("prod", "nanprod")
    a, chunks = data.draw(arrays_and_chunks(
        shape=shapes(max_side=3 if products else 5),
        elements=small_products if products else None))
    kwargs: dict[str, Any] = {"axis": data.draw(axes_for(a.ndim)),
                              "keepdims": data.draw(st.booleans())}
    if name in ("var", "std", "nanvar", "nanstd"):
        kwargs["ddof"] = data.draw(st.integers(0, 2))
    split_every = data.draw(split_everys) if a.ndim else None
    check(name, a, chunks, split_every=split_every, **kwargs)


@given(data=st.data())
def test_dtype_argument(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(WITH_DTYPE)), label="name")
    a, chunks = data.draw(arrays_and_chunks(dtype=dtypes("biuf"), shape=shapes(max_side=3),
                                            elements=small_products))
    # An integer dtype= for var/std: NumPy truncates the mean first; we do not (documented).
    ints = () if name.endswith(("var", "std")) else ("int64",)
    choices = [d for d in (*ints, "float32", "float64", "complex128")
               if np.can_cast(a.dtype, d, "safe")]
    dtype = data.draw(st.sampled_from(choices))
    check(name, a, chunks, axis=data.draw(axes_for(a.ndim)), dtype=dtype)


@given(data=st.data())
def test_arg_reductions_match_numpy(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(ARGS), label="name")
    a, chunks = data.draw(arrays_and_chunks(allow_nan=data.draw(st.booleans())))
    kwargs = {"axis": data.draw(axis_for(a.ndim)), "keepdims": data.draw(st.booleans())}
    check(name, a, chunks, split_every=data.draw(st.sampled_from([None, 2, 3])), **kwargs)


@given(data=st.data())
def test_arg_reductions_break_ties_by_first_occurrence(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(ARGS), label="name")
    a, chunks = data.draw(arrays_and_chunks(
        dtype=st.sampled_from([np.dtype(bool), np.dtype("int8")]), shape=shapes(min_dims=1),
        elements=lambda d: st.booleans() if d.kind == "b" else st.integers(0, 1)))
    check(name, a, chunks, split_every=2, axis=data.draw(axis_for(a.ndim)))


NAN_NAMES = ["nansum", "nanprod", "nanmin", "nanmax", "nanmean", "nanvar", "nanstd", "min",
             "max", "sum", "mean", "var"]


@given(data=st.data())
def test_nan_variants_with_nans(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(NAN_NAMES), label="name")
    a, chunks = data.draw(arrays_and_chunks(
        dtype=dtypes("fc"), shape=shapes(max_side=3), allow_nan=True,
        elements=(lambda d: small_products(d) | st.just(np.nan)) if "prod" in name else None))
    kwargs: dict[str, Any] = {"axis": data.draw(axes_for(a.ndim))}
    if "var" in name or "std" in name:
        kwargs["ddof"] = data.draw(st.integers(0, 1))
    check(name, a, chunks, **kwargs)


def test_all_nan_slices_warn_or_raise_at_compute() -> None:
    a = np.array([[np.nan, np.nan], [1.0, np.nan]])
    x = from_array(a, chunks=1)
    for name in ("nanmin", "nanmax", "nanmean", "nanvar", "nanstd"):
        lazy = getattr(R, name)(x, axis=1)  # no warning while building
        with pytest.warns(RuntimeWarning, match="slice"):
            assert_eq(lazy, getattr(np, name)(a, axis=1) if name != "nanvar" else
                      np.array([np.nan, 0.0]))
    lazy = R.nanargmin(x, axis=1)
    with pytest.raises(ValueError, match="All-NaN slice"):
        lazy.compute()
    assert_eq(R.nanargmax(from_array(a[1:], chunks=1), axis=1),
              np.nanargmax(a[1:], axis=1))


# -- empty arrays ---------------------------------------------------------------------------


def test_empty_reductions_follow_numpy() -> None:
    x = from_array(np.empty((0, 3)), chunks=2)
    assert_eq(R.sum(x), np.float64(0.0))
    assert_eq(R.prod(x, axis=0), np.ones(3))
    assert_eq(R.any(x), np.False_)
    assert_eq(R.all(x, axis=0), np.ones(3, dtype=bool))
    assert_eq(R.min(x, axis=1), np.empty((0,)))
    for name in ("min", "max", "nanmin", "nanmax", "argmin", "argmax", "nanargmin"):
        with pytest.raises(ValueError, match=f"^{name}: .*(zero-size|empty)"):
            getattr(R, name)(x, axis=0)  # raised while building, like NumPy
    with pytest.warns(RuntimeWarning, match="Mean of empty slice"):
        result = R.mean(x, axis=0)  # warned while building
    assert_eq(result, np.full(3, np.nan))
    with pytest.warns(RuntimeWarning, match="Degrees of freedom"):
        R.std(from_array(np.arange(3.0), chunks=1), ddof=3)


def unknown_chunks(blocks: list[np.ndarray]) -> Any:
    """An Array of ``blocks`` (stacked along axis 0) whose sizes there are unknown (nan)."""
    from chunkarray.array.core import Array
    from chunkarray.graph.graph import Graph
    from chunkarray.graph.layer import MaterializedLayer
    from chunkarray.graph.task import Literal

    name = f"unknown-{id(blocks):x}0000000"
    ndim = blocks[0].ndim
    tasks = {(name, i, *([0] * (ndim - 1))): Literal(b) for i, b in enumerate(blocks)}
    chunks = ((math.nan,) * len(blocks), *((n,) for n in blocks[0].shape[1:]))
    return Array(Graph.from_layer(MaterializedLayer(name, tasks)), name, chunks, blocks[0].dtype)


def test_unknown_chunk_sizes_and_empty_blocks() -> None:
    blocks = [np.arange(6.0).reshape(3, 2), np.empty((0, 2)), np.array([[7.0, -1.0]])]
    a = np.concatenate(blocks)
    x = unknown_chunks(blocks)
    for name in ["sum", "prod", "min", "max", "nanmin", "nanmax", "mean", "var", "std",
                 "nanmean", "any", "all"]:
        for axis in (None, 0, 1):
            assert_eq(getattr(R, name)(x, axis=axis), getattr(np, name)(a, axis=axis))
    with pytest.raises(ValueError, match="zero-size"):
        R.max(unknown_chunks([np.empty((0, 2)), np.empty((0, 2))]), axis=0).compute()
    with pytest.raises(ValueError, match="unknown chunk sizes"):
        R.argmin(x)


# -- split_every and the tree ---------------------------------------------------------------


def test_split_every_shapes_the_tree() -> None:
    x = from_array(np.arange(64.0), chunks=1)
    for split, levels in ((2, 6), (4, 3), (8, 2), (64, 1), ({0: 3}, 4)):
        s = R.sum(x, split_every=split)
        layers = [layer for layer in s.graph.layers.values() if isinstance(layer, PartialReduce)]
        assert len(layers) == levels
        assert float(s.compute()) == 2016.0
    with config.set(split_every=4):
        assert len([la for la in R.sum(x).graph.layers.values()
                    if isinstance(la, PartialReduce)]) == 3


def test_split_every_by_axis() -> None:
    a = np.arange(36).reshape(6, 6)
    x = from_array(a, chunks=1)
    s = R.sum(x, split_every={0: 6, 1: 2})
    layers = [la for la in s.graph.layers.values() if isinstance(la, PartialReduce)]
    # 6 x 6 blocks -> 1 x 3 -> 1 x 2 -> the aggregate joins what is left.
    assert [la.split for la in layers] == [{0: 6, 1: 2}, {0: 6, 1: 2}, {0: 1, 1: 2}]
    assert_eq(s, a.sum())


def test_numerical_stability_of_var() -> None:
    rng = np.random.default_rng(0)
    a = 1e9 + rng.standard_normal(100_000)
    x = from_array(a, chunks=1000)
    expected = np.var(a)
    # A sum of squares loses everything here: E[x^2] - E[x]^2 cancels 18 digits.
    naive = np.mean(a * a) - np.mean(a) ** 2
    assert abs(naive - expected) > 1e-3
    assert abs(float(R.var(x).compute()) - expected) < 1e-6 * expected
    assert abs(float(R.std(x, ddof=1).compute()) - np.std(a, ddof=1)) < 1e-9
    assert abs(float(R.mean(x).compute()) - np.mean(a)) < 1e-6
    # float32 values near 1e9 (all equal here): partials are carried in float64, so
    # the variance is exact where NumPy's float32 accumulation gives 36864.
    b = a.astype(np.float32).reshape(100, 1000) + np.arange(1000, dtype=np.float32) * 64
    exact = b.astype(np.float64).var(axis=1).astype(np.float32)
    assert_eq(R.var(from_array(b, chunks=(7, 100)), axis=1), exact, rtol=1e-6)


def test_complex_var_is_real() -> None:
    a = np.array([[1 + 2j, 3 - 1j, 0.5j], [2, 1j, -1 - 1j]], dtype=np.complex64)
    x = from_array(a, chunks=1)
    for name in ("var", "std", "nanvar", "nanstd"):
        result = getattr(R, name)(x, axis=1, ddof=1)
        assert result.dtype == np.float32
        assert_eq(result, getattr(np, name)(a, axis=1, ddof=1))


# -- fusion, laziness, names ----------------------------------------------------------------


def test_reduction_of_elementwise_fuses() -> None:
    from chunkarray.array import elementwise

    a = np.arange(24.0).reshape(4, 6)
    x = from_array(a, chunks=(1, 2))  # 4 x 3 = 12 blocks
    # One aggregate reading all 12 partials; or 2 x 2 groups first (8 spreads as 2 x 2).
    for split, tree in (({0: 4, 1: 3}, 1), (8, 4 + 1)):
        s = R.sum(elementwise.sin(x), axis=(0, 1), split_every=split)
        assert sum(len(la) for la in s.graph.layers.values()
                   if isinstance(la, PartialReduce)) == tree
        tasks, _, _ = prepare([s])
        # read + sin + partial sum fused into one task per block, then the tree.
        assert len(tasks) == 12 + tree
        assert_eq(s, np.sin(a).sum())


def test_building_is_cheap_and_culling_is_local() -> None:
    # A name is given: tokenizing a broadcast array would read all 10^12 elements.
    big = from_array(np.broadcast_to(np.float64(1), (10**6, 10**6)), chunks=1000, name="big")
    start = time.perf_counter()
    s = R.mean(big, axis=1)
    assert time.perf_counter() - start < 1.0
    assert s.numblocks == (1000,)
    needed = cull(s.graph, [(s.name, 0)])
    # One row: 1000 reads, 1000 partials, then a tree of 125 + 16 + 2 + 1 (aggregate).
    assert len(needed) == 1000 + 1000 + 125 + 16 + 2 + 1


def test_names_are_deterministic() -> None:
    x = from_array(np.arange(10), chunks=3)
    assert R.sum(x).name == R.sum(x).name
    assert R.sum(x, axis=0).name == R.sum(x, axis=-1).name
    assert R.sum(x).name != R.prod(x).name
    assert R.var(x, ddof=1).name != R.var(x).name
    assert R.sum(x, keepdims=True).name != R.sum(x).name
    assert R.sum(x).name.startswith("sum-aggregate-")


# -- NumPy interoperability and methods -----------------------------------------------------


def test_numpy_functions_and_methods_stay_lazy() -> None:
    a = np.arange(12.0).reshape(3, 4)
    x = from_array(a, chunks=2)
    lazy = [np.sum(x, axis=0), np.mean(x), np.var(x, ddof=1), np.nanstd(x), np.amax(x, 1),
            np.argmin(x, axis=1), np.cumsum(x, axis=1), np.nanargmax(x), np.all(x)]
    assert all(hasattr(v, "chunks") for v in lazy)
    assert_eq(np.sum(x, 0, None, None, True), np.sum(a, 0, None, None, True))
    assert_eq(x.sum(axis=1, keepdims=True), a.sum(axis=1, keepdims=True))
    assert_eq(x.mean(0), a.mean(0))
    assert_eq(x.std(ddof=1), a.std(ddof=1))
    assert_eq(x.var(axis=(0, 1)), a.var(axis=(0, 1)))
    assert_eq(x.min(), a.min())
    assert_eq(x.max(axis=0), a.max(axis=0))
    assert_eq(x.prod(axis=1, dtype=np.float32), a.prod(axis=1, dtype=np.float32))
    assert_eq(x.argmin(), a.argmin())
    assert_eq(x.argmax(axis=0), a.argmax(axis=0))
    assert_eq(x.any(), a.any())
    assert_eq(x.all(axis=1), a.all(axis=1))
    assert_eq(x.cumsum(1), a.cumsum(1))
    assert_eq(x.cumprod(axis=0), a.cumprod(axis=0))
    assert_eq(R.var(x, correction=1), np.var(a, correction=1))
    assert_eq(R.sum(a, axis=0), a.sum(axis=0))  # NumPy input becomes one block


# -- bad input ------------------------------------------------------------------------------


def test_bad_arguments_raise_when_building() -> None:
    x = from_array(np.arange(12.0).reshape(3, 4), chunks=2)
    with pytest.raises(np.exceptions.AxisError, match="sum: axis 2 is out of bounds"):
        R.sum(x, axis=2)
    with pytest.raises(IndexError):
        R.mean(x, axis=(0, -3))
    with pytest.raises(ValueError, match="duplicate value"):
        R.max(x, axis=(0, -2))
    with pytest.raises(TypeError, match="axis must be an int"):
        R.sum(x, axis=1.5)
    with pytest.raises(TypeError, match="argmin: axis must be an int or None"):
        R.argmin(x, axis=(0, 1))
    with pytest.raises(TypeError, match="out= is not supported"):
        R.sum(x, out=np.empty(4))
    with pytest.raises(TypeError, match="out= is not supported"):
        R.argmax(x, out=np.empty(4))
    with pytest.raises(ValueError, match="split_every must be >= 2"):
        R.sum(x, split_every=1)
    with pytest.raises(TypeError, match="split_every must be an int"):
        R.sum(x, split_every=2.5)
    with pytest.raises(ValueError, match="ddof and correction"):
        R.var(x, ddof=1, correction=1)
    with pytest.raises(TypeError, match="ddof must be a real number"):
        R.std(x, ddof="1")
