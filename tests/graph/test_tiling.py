"""Tiled evaluation of fused elementwise runs, and reductions folded into the tiles.

Each case is built so that a chunk holds several tiles (more than TILE_ITEMS
elements), checks that the fused task really took the tiled path, and compares
with NumPy on the same data.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chunkarray.array as caa
from chunkarray.base import prepare
from chunkarray.graph import tiling
from chunkarray.graph.tiling import TILE_ITEMS, RowReduce, TiledSteps


def _tiled_steps(collection: Any) -> list[TiledSteps]:
    tasks, _, _ = prepare([collection])
    found: list[TiledSteps] = []
    stack = list(tasks.values())
    while stack:  # fused tasks may nest (a fused chain inside a linear chain)
        task = stack.pop()
        if isinstance(task, TiledSteps):
            found.append(task)
        stack.extend(step for _, step in getattr(task, "steps", ()))
    return found


def _data(shape: tuple[int, ...], seed: int, dtype: str = "f8") -> np.ndarray:
    rng = np.random.default_rng(seed)
    if dtype.startswith("i"):
        return rng.integers(-1000, 1000, size=shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


REDUCTIONS = {
    "sum": lambda m, v, ax: m.sum(v, axis=ax),
    "prod": lambda m, v, ax: m.prod(m.clip(v, 0.999, 1.001), axis=ax),
    "min": lambda m, v, ax: m.min(v, axis=ax),
    "max": lambda m, v, ax: m.max(v, axis=ax),
    "mean": lambda m, v, ax: m.mean(v, axis=ax),
    "var": lambda m, v, ax: m.var(v, axis=ax, ddof=1),
    "std": lambda m, v, ax: m.std(v, axis=ax),
    "nansum": lambda m, v, ax: m.nansum(m.where(v > 1.5, np.nan, v), axis=ax),
    "nanstd": lambda m, v, ax: m.nanstd(m.where(v > 1.5, np.nan, v), axis=ax),
    "any": lambda m, v, ax: m.any(v > 3.0, axis=ax),
    "all": lambda m, v, ax: m.all(v < 3.0, axis=ax),
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
def test_reduction_of_a_fused_run_is_folded_into_the_tiles(name: str, axis: Any) -> None:
    a = _data((9000, 12), seed=len(name))  # 108,000 elements: 4 tiles per chunk
    x = caa.from_array(a, chunks=(4500, 12))

    def expr(m: Any, v: Any) -> Any:
        return REDUCTIONS[name](m, m.sin(v) * 2 + v ** 2, axis)

    result = expr(caa, x)
    tiled = _tiled_steps(result)
    assert tiled and all(step.reducers for step in tiled)
    expected = expr(np, a)
    got = result.compute()
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-9)


def test_integer_sum_of_a_tiled_run_is_exact() -> None:
    a = _data((40000, 3), seed=3, dtype="i8")
    x = caa.from_array(a, chunks=(20000, 3))
    result = (x * 3 + 7).sum()
    assert _tiled_steps(result)[0].reducers
    assert result.compute() == (a * 3 + 7).sum()


def test_arg_reductions_are_not_folded() -> None:
    a = _data((40000, 2), seed=4)
    x = caa.from_array(a, chunks=(40000, 2))
    result = caa.argmax(caa.sin(x) + x, axis=0)
    assert all(not step.reducers for step in _tiled_steps(result))
    np.testing.assert_array_equal(result.compute(), np.argmax(np.sin(a) + a, axis=0))


def test_a_run_also_needed_elsewhere_is_still_written_whole() -> None:
    a = _data((50000, 2), seed=5)
    x = caa.from_array(a, chunks=(25000, 2))
    y = caa.sin(x) + 1
    total, whole = y.sum(), y * 2
    got_total, got_whole = __import__("chunkarray").compute(total, whole)
    np.testing.assert_allclose(got_total, (np.sin(a) + 1).sum())
    np.testing.assert_allclose(got_whole, (np.sin(a) + 1) * 2)


@settings(max_examples=25)
@given(
    rows=st.integers(1, 30000),
    cols=st.integers(1, 4),
    row_chunks=st.integers(1, 3),
    axis=st.sampled_from([None, 0, 1, -1]),
    name=st.sampled_from(["sum", "mean", "std", "max", "nansum"]),
    seed=st.integers(0, 2**16),
)
def test_tiled_reductions_match_numpy(rows: int, cols: int, row_chunks: int, axis: Any,
                                      name: str, seed: int) -> None:
    a = _data((rows, cols), seed)
    x = caa.from_array(a, chunks=(max(1, -(-rows // row_chunks)), cols))

    def expr(m: Any, v: Any) -> Any:
        return REDUCTIONS[name](m, m.cos(v) - v, axis)

    np.testing.assert_allclose(expr(caa, x).compute(), expr(np, a), rtol=1e-9, atol=1e-9)


def test_row_reduce_merges_or_concatenates() -> None:
    parts = [np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]])]
    concat = RowReduce(None)
    assert concat.rows_of(7) == 7
    np.testing.assert_array_equal(concat.finish(parts), [[1.0, 2.0], [3.0, 4.0]])
    merged = RowReduce(lambda joined: joined.sum(axis=0, keepdims=True))
    assert merged.rows_of(7) == 1
    np.testing.assert_array_equal(merged.finish(parts), [[4.0, 6.0]])


def test_a_tile_result_of_the_wrong_shape_falls_back_to_one_pass(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A reducer whose tile partials are not row-shaped: the untiled result is used."""
    a = _data((TILE_ITEMS * 3, 1), seed=6)
    x = caa.from_array(a, chunks=a.shape)
    result = (caa.sin(x) + 1).sum(axis=1)
    (step,) = _tiled_steps(result)
    (key,) = step.reducers
    step.reducers[key] = RowReduce(lambda joined: joined)  # wrong: claims 1 row per tile
    out = step.execute({dep: a for dep in step.dependencies})
    np.testing.assert_allclose(out[key], (np.sin(a) + 1).sum(axis=1, keepdims=True))
    assert tiling.TILE_ITEMS == TILE_ITEMS
