"""take, zip, concat, repartition, product, to_delayed against builtins and itertools."""

from __future__ import annotations

import itertools
import time
from collections import Counter

import pytest
from hypothesis import given, strategies as st

import chunkarray as ca
import chunkarray.bag as cab
from chunkarray.errors import ChunkArrayWarning

SYNC = {"scheduler": "sync"}
ints = st.lists(st.integers(-50, 50), max_size=30)
parts = st.integers(1, 7)


@given(ints, parts, st.integers(0, 10))
def test_take(seq: list[int], n: int, k: int) -> None:
    b = cab.from_sequence(seq, npartitions=n)
    with ca.config.set(scheduler="sync"):
        assert b.take(k, npartitions=-1, warn=False) == tuple(seq[:k])
        first = b.to_delayed()[0].compute()
        assert b.take(k, warn=False) == tuple(first[:k])
        mapped = b.map(lambda x: x + 1)
        assert mapped.take(k, warn=False) == tuple(x + 1 for x in first[:k])
        assert mapped.take(k, npartitions=-1, warn=False) == tuple(x + 1 for x in seq[:k])
        lazy = b.take(k, npartitions=n, compute=False)
        assert lazy.npartitions == 1 and lazy.compute() == seq[:k]


def test_take_warns_when_short() -> None:
    b = cab.from_sequence(range(10), npartitions=5)
    with pytest.warns(ChunkArrayWarning, match="only 2"):
        assert b.take(3) == (0, 1)
    with pytest.raises(ValueError, match="more than the bag's 5"):
        b.take(1, npartitions=6)


def test_take_on_a_huge_lazy_bag_computes_one_partition() -> None:
    calls = []
    start = time.perf_counter()
    b = cab.range(10**12, npartitions=10**6).map_partitions(
        lambda p: calls.append(1) or p).map(lambda x: x * 2)
    with ca.config.set(scheduler="threads"):
        assert b.take(3) == (0, 2, 4)
    assert time.perf_counter() - start < 1.0
    assert calls == [1]


def test_take_stops_the_first_partition_early() -> None:
    seen = []
    b = cab.range(10**6, npartitions=2).map(lambda x: seen.append(x) or x).filter(
        lambda x: x % 2)
    with ca.config.set(scheduler="sync"):
        assert b.take(3) == (1, 3, 5)
    assert seen == [0, 1, 2, 3, 4, 5]


def test_take_on_a_huge_lazy_bag_is_instant_in_processes() -> None:
    cab.from_sequence([1]).map(str).compute(scheduler="processes")  # start the pool
    start = time.perf_counter()
    b = cab.range(10**12, npartitions=10**6).map(lambda x: x + 1).filter(lambda x: x % 2)
    assert b.take(3) == (1, 3, 5)
    assert time.perf_counter() - start < 1.0


@given(ints, parts)
def test_zip_and_concat(seq: list[int], n: int) -> None:
    a = cab.from_sequence(seq, npartitions=n)
    b = a.map(lambda x: -x)
    assert cab.zip(a, b, a).compute(**SYNC) == list(zip(seq, [-x for x in seq], seq))
    assert a.zip(b).compute(**SYNC) == list(zip(seq, [-x for x in seq]))
    c = cab.concat([a, b, cab.from_sequence([99])])
    assert c.npartitions == 2 * n + 1
    assert c.compute(**SYNC) == list(itertools.chain(seq, [-x for x in seq], [99]))
    assert c.sum().compute(**SYNC) == 99


@given(ints, parts, st.integers(1, 12))
def test_repartition_keeps_order(seq: list[int], n: int, m: int) -> None:
    b = cab.from_sequence(seq, npartitions=n).map(lambda x: x + 1)
    r = b.repartition(m)
    assert r.npartitions == m
    assert r.compute(**SYNC) == [x + 1 for x in seq]
    sizes = [len(d.compute(**SYNC)) for d in r.to_delayed()]
    assert sum(sizes) == len(seq)


@given(st.lists(st.integers(0, 9), max_size=8), parts, st.lists(st.text("ab", max_size=2),
                                                              max_size=6), parts)
def test_product(xs: list[int], n: int, ys: list[str], m: int) -> None:
    a, b = cab.from_sequence(xs, npartitions=n), cab.from_sequence(ys, npartitions=m)
    p = a.product(b)
    assert p.npartitions == n * m
    assert Counter(p.compute(**SYNC)) == Counter(itertools.product(xs, ys))


def test_to_delayed_gives_lists() -> None:
    b = cab.from_sequence(range(6), npartitions=3).map(lambda x: x * x)
    parts = b.to_delayed()
    assert [p.compute(**SYNC) for p in parts] == [[0, 1], [4, 9], [16, 25]]
    assert ca.delayed(sum)(parts[1]).compute(**SYNC) == 13
    assert [p.compute(**SYNC) for p in b.to_delayed(optimize_graph=False)] == [
        [0, 1], [4, 9], [16, 25]]


def test_structure_errors() -> None:
    a = cab.from_sequence([1])
    with pytest.raises(TypeError, match="concat: expected a non-empty list of bags"):
        cab.concat(a)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"concat: bags\[1\] must be a chunkarray Bag"):
        cab.concat([a, [1]])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="zip: expected at least one bag"):
        cab.zip()
    with pytest.raises(TypeError, match="product: other must be a chunkarray Bag"):
        a.product([1])
    with pytest.raises(ValueError, match="take: k must be an int >= 0"):
        a.take(-1)
