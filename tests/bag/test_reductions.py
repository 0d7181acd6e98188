"""Aggregations against builtins, statistics, collections.Counter and functools."""

from __future__ import annotations

import functools
import heapq
import math
import operator
import statistics
from collections import Counter

import pytest
from hypothesis import given, strategies as st

import chunkarray.bag as cab

SYNC = {"scheduler": "sync"}
ints = st.lists(st.integers(-50, 50), max_size=40)
parts = st.integers(1, 9)
splits = st.sampled_from([None, 2, 3])


def _both(seq, n):
    """The bag as stored partitions, and as a pipeline (reductions then get iterators)."""
    plain = cab.from_sequence(seq, npartitions=n)
    return plain, plain.map(lambda x: x).filter(lambda x: True)


@given(ints, parts, splits)
def test_scalar_reductions(seq: list[int], n: int, split: int | None) -> None:
    for b in _both(seq, n):
        _check_scalars(b, seq, split)


def _check_scalars(b, seq: list[int], split: int | None) -> None:
    kw = {"split_every": split}
    assert b.count(**kw).compute(**SYNC) == len(seq)
    assert b.sum(**kw).compute(**SYNC) == sum(seq)
    assert b.any(**kw).compute(**SYNC) == any(seq)
    assert b.all(**kw).compute(**SYNC) == all(seq)
    assert b.map(lambda x: x > -40).all(**kw).compute(**SYNC) == all(x > -40 for x in seq)
    if seq:
        assert b.min(**kw).compute(**SYNC) == min(seq)
        assert b.max(**kw).compute(**SYNC) == max(seq)
        assert math.isclose(b.mean(**kw).compute(**SYNC), statistics.mean(seq), abs_tol=1e-9)
        assert math.isclose(b.var(**kw).compute(**SYNC), statistics.pvariance(seq),
                            rel_tol=1e-9, abs_tol=1e-9)
        assert math.isclose(b.std(**kw).compute(**SYNC), statistics.pstdev(seq),
                            rel_tol=1e-9, abs_tol=1e-9)
    if len(seq) > 1:
        assert math.isclose(b.var(ddof=1, **kw).compute(**SYNC), statistics.variance(seq),
                            rel_tol=1e-9, abs_tol=1e-9)


def test_empty_bags() -> None:
    for b in (cab.from_sequence([]), cab.from_sequence([], npartitions=4),
              cab.from_sequence([1, 2], npartitions=5).filter(lambda x: x > 5)):
        assert b.count().compute(**SYNC) == 0
        assert b.sum().compute(**SYNC) == 0
        assert b.any().compute(**SYNC) is False
        assert b.all().compute(**SYNC) is True
        assert b.frequencies().compute(**SYNC) == []
        assert b.distinct().compute(**SYNC) == []
        assert b.topk(3).compute(**SYNC) == []
        assert b.fold(operator.add, initial=0).compute(**SYNC) == 0
        assert b.fold(lambda acc, x: acc + [x], operator.add, initial=[]).compute(**SYNC) == []
        with pytest.raises(ValueError, match="max"):
            b.max().compute(**SYNC)
        with pytest.raises(ValueError, match="min"):
            b.min().compute(**SYNC)
        with pytest.raises(ValueError, match="mean"):
            b.mean().compute(**SYNC)
        with pytest.raises(ValueError, match="var"):
            b.var().compute(**SYNC)
        with pytest.raises(TypeError, match="no initial value"):
            b.fold(operator.add).compute(**SYNC)


@given(ints, parts, splits)
def test_fold_and_reduction(seq: list[int], n: int, split: int | None) -> None:
    for b in _both(seq, n):
        _check_folds(b, seq, split)


def _check_folds(b, seq: list[int], split: int | None) -> None:
    assert b.fold(operator.add, initial=0, split_every=split).compute(**SYNC) == sum(seq)
    if seq:
        assert b.fold(max, split_every=split).compute(**SYNC) == functools.reduce(max, seq)
    appended = b.fold(lambda acc, x: acc + [x], operator.add, initial=[], split_every=split)
    assert appended.compute(**SYNC) == seq
    assert b.reduction(len, sum, split_every=split).compute(**SYNC) == len(seq)
    mapped = b.map(lambda x: x * 2).filter(lambda x: x > 0)
    assert mapped.reduction(len, sum, split_every=split).compute(**SYNC) == len(
        [x for x in seq if x > 0])
    assert mapped.count(split_every=split).compute(**SYNC) == len([x for x in seq if x > 0])
    assert b.reduction(lambda p: max(p, default=-999), max, split_every=split).compute(
        **SYNC) == max(seq, default=-999)


@given(ints, parts, splits, st.booleans())
def test_frequencies_and_distinct(seq: list[int], n: int, split: int | None,
                                  sort: bool) -> None:
    b = cab.from_sequence(seq, npartitions=n).map(lambda x: x % 7)
    values = [x % 7 for x in seq]
    freq = b.frequencies(sort=sort, split_every=split)
    assert freq.npartitions == 1
    got = freq.compute(**SYNC)
    assert dict(got) == Counter(values) and len(got) == len(Counter(values))
    if sort:
        assert [c for _, c in got] == sorted(Counter(values).values(), reverse=True)
    assert b.distinct(split_every=split).compute(**SYNC) == list(dict.fromkeys(values))
    words = cab.from_sequence([str(x) for x in seq], npartitions=n)
    firsts = words.distinct(key=len, split_every=split).compute(**SYNC)
    by_len: dict[int, str] = {}
    for w in map(str, seq):
        by_len.setdefault(len(w), w)
    assert firsts == list(by_len.values())


@given(ints, parts, st.integers(0, 8), splits)
def test_topk(seq: list[int], n: int, k: int, split: int | None) -> None:
    piped = cab.from_sequence(seq, npartitions=n).map(lambda x: x)
    assert piped.topk(k, split_every=split).compute(**SYNC) == heapq.nlargest(k, seq)
    b = cab.from_sequence(seq, npartitions=n)
    assert b.topk(k, split_every=split).compute(**SYNC) == heapq.nlargest(k, seq)
    pairs = cab.from_sequence([(str(x), x * x) for x in seq], npartitions=n)
    got = pairs.topk(k, key=1, split_every=split).compute(**SYNC)
    expected = sorted((x * x for x in seq), reverse=True)[:k]
    assert [p[1] for p in got] == expected
    assert Counter(got) <= Counter((str(x), x * x) for x in seq)
    neg = b.topk(k, key=lambda x: -x, split_every=split).compute(**SYNC)
    assert neg == heapq.nsmallest(k, seq)


def test_bad_reduction_arguments() -> None:
    b = cab.from_sequence([1, 2, 3])
    with pytest.raises(ValueError, match="split_every must be >= 2, got 1"):
        b.sum(split_every=1)
    with pytest.raises(TypeError, match="split_every must be an int"):
        b.sum(split_every="2")
    with pytest.raises(ValueError, match="topk: k must be an int >= 0"):
        b.topk(-1)
    with pytest.raises(ValueError, match="ddof"):
        b.var(ddof=-1)
    with pytest.raises(TypeError, match="reduction: aggregate must be callable"):
        b.reduction(len, 3)
    with pytest.raises(TypeError, match="distinct: key must be callable or an index"):
        b.distinct(key={"a": 1})
