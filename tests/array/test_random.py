"""Tests for chunkarray.array.random: reproducible, independent per-block streams."""

from __future__ import annotations

import time

import numpy as np
import pytest

from chunkarray.array import random as car
from chunkarray.array.creation import from_array
from chunkarray.base import compute
from chunkarray.delayed import Delayed

METHODS = [
    ("random", (), {}),
    ("standard_normal", (), {}),
    ("normal", (3.0, 2.0), {}),
    ("uniform", (-1.0, 4.0), {}),
    ("integers", (0, 1000), {}),
]


@pytest.mark.parametrize("method,args,kwargs", METHODS)
def test_same_seed_same_array_whatever_the_workers(method, args, kwargs):
    x = getattr(car.default_rng(123), method)(*args, size=(40, 30), chunks=(7, 11), **kwargs)
    y = getattr(car.default_rng(123), method)(*args, size=(40, 30), chunks=(7, 11), **kwargs)
    assert x.name == y.name
    (one,) = compute(x, num_workers=1)
    (four,) = compute(y, num_workers=4)
    (sync,) = compute(x, scheduler="sync")
    np.testing.assert_array_equal(one, four)
    np.testing.assert_array_equal(one, sync)
    assert one.shape == (40, 30)


def test_blocks_are_spawned_streams():
    seed, shape, chunks = 7, (5, 6), (2, 4)
    x = car.default_rng(seed).random(shape, chunks=chunks).compute()
    children = np.random.SeedSequence(seed).spawn(3 * 2)
    for flat, (i, j) in enumerate(np.ndindex(3, 2)):
        rows, cols = slice(2 * i, min(2 * i + 2, 5)), slice(4 * j, min(4 * j + 4, 6))
        block = x[rows, cols]
        expected = np.random.default_rng(children[flat]).random(block.shape)
        np.testing.assert_array_equal(block, expected)


def test_successive_calls_differ_and_repeat_with_the_seed():
    rng = car.default_rng(0)
    a, b = rng.random(50, chunks=10), rng.random(50, chunks=10)
    assert a.name != b.name
    assert not np.array_equal(a.compute(), b.compute())
    again = car.default_rng(0)
    np.testing.assert_array_equal(again.random(50, chunks=10).compute(), a.compute())
    np.testing.assert_array_equal(again.random(50, chunks=10).compute(), b.compute())


def test_different_seeds_differ():
    a = car.default_rng(1).random(100, chunks=10).compute()
    b = car.default_rng(2).random(100, chunks=10).compute()
    assert not np.array_equal(a, b)


def test_blocks_are_independent_streams():
    x = car.default_rng(5).random((4, 1000), chunks=(1, 1000)).compute()
    assert len({tuple(row[:5]) for row in x}) == 4
    corr = np.corrcoef(x)
    assert np.all(np.abs(corr[np.triu_indices(4, 1)]) < 0.15)


def test_seed_sequence_and_generator_seeds():
    seq = np.random.SeedSequence(42)
    a = car.default_rng(seq).random(10, chunks=5).compute()
    b = car.default_rng(np.random.SeedSequence(42)).random(10, chunks=5).compute()
    np.testing.assert_array_equal(a, b)
    child = car.default_rng(car.default_rng(3))
    assert child.random(3).compute().shape == (3,)
    with pytest.raises(TypeError, match="seed"):
        car.default_rng(np.random.default_rng(0))


def test_statistics():
    rng = car.default_rng(2024)
    n = 200_000
    u = rng.random(n, chunks=30_000).compute()
    assert u.min() >= 0 and u.max() < 1 and abs(u.mean() - 0.5) < 0.005
    z = rng.standard_normal(n, chunks=30_000).compute()
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01
    g = rng.normal(10.0, 2.0, size=n, chunks=30_000).compute()
    assert abs(g.mean() - 10) < 0.02 and abs(g.std() - 2) < 0.02
    v = rng.uniform(-3.0, 5.0, size=n, chunks=30_000).compute()
    assert v.min() >= -3 and v.max() < 5 and abs(v.mean() - 1) < 0.03
    k = rng.integers(0, 10, size=n, chunks=30_000).compute()
    assert set(np.unique(k)) == set(range(10))
    counts = np.bincount(k) / n
    assert np.all(np.abs(counts - 0.1) < 0.005)
    e = rng.integers(1, 3, size=1000, endpoint=True).compute()
    assert set(np.unique(e)) == {1, 2, 3}


def test_dtypes_and_shapes():
    rng = car.default_rng(0)
    assert rng.random((3, 4), dtype=np.float32).compute().dtype == np.float32
    assert rng.standard_normal(5, dtype="float32").dtype == np.float32
    assert rng.integers(5, size=4, dtype="uint8").compute().dtype == np.uint8
    assert rng.integers(2, size=4, dtype=bool).dtype == np.bool_
    scalar = rng.random()
    assert scalar.shape == () and scalar.compute().shape == ()
    assert rng.random((0, 3)).compute().shape == (0, 3)
    assert rng.normal(size=(5, 5), chunks=2).chunks == ((2, 2, 1), (2, 2, 1))


def test_bad_arguments():
    rng = car.default_rng(0)
    with pytest.raises(TypeError, match="scalars"):
        rng.normal(from_array(np.zeros(3)), 1.0, size=3)
    with pytest.raises(TypeError, match="scalars"):
        rng.uniform(np.zeros(3), 1.0, size=3)
    with pytest.raises(TypeError):
        rng.integers(0, 5, size=3, dtype=float)
    with pytest.raises(ValueError):
        rng.integers(5, 0, size=3)
    with pytest.raises(ValueError, match="negative"):
        rng.random((-1, 2))


def test_module_level_functions_use_fresh_seeds():
    for func, args in ((car.random, ()), (car.standard_normal, ()), (car.normal, (0.0, 1.0)),
                       (car.uniform, (0.0, 1.0)), (car.random_sample, ())):
        a, b = func(*args, size=20, chunks=5), func(*args, size=20, chunks=5)
        assert a.name != b.name
        assert not np.array_equal(a.compute(), b.compute())
    r = car.randint(5, size=100).compute()
    assert r.min() >= 0 and r.max() < 5
    i = car.integers(3, 6, size=100).compute()
    assert i.min() >= 3 and i.max() < 6


def test_huge_random_graph_is_cheap():
    start = time.perf_counter()
    x = car.default_rng(0).random((10**6, 10**6), chunks=1000)
    block = Delayed((x.name, 999, 3), x.graph).compute()
    assert block.shape == (1000, 1000)
    assert time.perf_counter() - start < 2
    child = np.random.SeedSequence(0, spawn_key=(999 * 1000 + 3,))  # = spawn(n)[999003]
    np.testing.assert_array_equal(block, np.random.default_rng(child).random((1000, 1000)))
