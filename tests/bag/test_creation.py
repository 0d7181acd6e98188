"""from_sequence, range, from_delayed: partitions and bad input."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

import chunkarray as ca
import chunkarray.bag as cab
from chunkarray.bag.creation import split_evenly

SYNC = {"scheduler": "sync"}
seqs = st.lists(st.integers(-100, 100), max_size=40)


@given(seqs, st.integers(1, 12))
def test_from_sequence_npartitions(seq: list[int], n: int) -> None:
    b = cab.from_sequence(seq, npartitions=n)
    assert b.npartitions == n
    parts = [d.compute(**SYNC) for d in b.to_delayed()]
    assert [x for p in parts for x in p] == seq
    assert max(map(len, parts)) - min(map(len, parts)) <= 1
    assert b.compute(**SYNC) == seq


@given(seqs, st.integers(1, 12))
def test_from_sequence_partition_size(seq: list[int], size: int) -> None:
    b = cab.from_sequence(seq, partition_size=size)
    parts = [d.compute(**SYNC) for d in b.to_delayed()]
    assert all(len(p) <= size for p in parts)
    assert b.npartitions == max(1, -(-len(seq) // size))
    assert b.compute(**SYNC) == seq


def test_from_sequence_default_partitions() -> None:
    assert cab.from_sequence(range(5)).npartitions == 5
    assert cab.from_sequence(range(1000)).npartitions == 100
    assert cab.from_sequence([]).npartitions == 1
    assert cab.from_sequence([]).compute(**SYNC) == []
    assert cab.from_sequence(iter("abc")).compute(**SYNC) == ["a", "b", "c"]


@pytest.mark.parametrize("bad", [5, None, 3.5, object()])
def test_from_sequence_rejects_non_iterables(bad: object) -> None:
    with pytest.raises(TypeError, match="from_sequence: seq must be an iterable, got"):
        cab.from_sequence(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("n", [0, -3])
def test_npartitions_below_one(n: int) -> None:
    with pytest.raises(ValueError, match=f"from_sequence: npartitions must be >= 1, got {n}"):
        cab.from_sequence([1, 2], npartitions=n)
    with pytest.raises(ValueError, match="range: npartitions must be >= 1"):
        cab.range(10, npartitions=n)
    with pytest.raises(ValueError, match="repartition: npartitions must be >= 1"):
        cab.from_sequence([1]).repartition(n)


def test_bad_partition_arguments() -> None:
    with pytest.raises(TypeError, match="npartitions must be an int"):
        cab.from_sequence([1], npartitions=2.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not both"):
        cab.from_sequence([1], npartitions=1, partition_size=1)
    with pytest.raises(ValueError, match="partition_size must be >= 1"):
        cab.from_sequence([1], partition_size=0)
    with pytest.raises(ValueError, match="range: n must be an int >= 0"):
        cab.range(-1, npartitions=2)


@given(st.integers(0, 200), st.integers(1, 30))
def test_range_matches_builtin(n: int, parts: int) -> None:
    b = cab.range(n, npartitions=parts)
    assert b.npartitions == parts
    assert b.compute(**SYNC) == list(range(n))
    assert split_evenly(n, parts) == [
        (b.graph.layers[b.name].inputs[0][0][(i,)]) for i in range(parts)
    ]


def test_from_delayed() -> None:
    parts = [ca.delayed(range)(i) for i in (3, 0, 2)]
    b = cab.from_delayed(parts)
    assert b.npartitions == 3
    assert b.compute(**SYNC) == [0, 1, 2, 0, 1]
    assert cab.from_delayed(ca.delayed([7, 8])).compute(**SYNC) == [7, 8]
    assert b.map(lambda x: x * 2).sum().compute(**SYNC) == 8
    with pytest.raises(TypeError, match="from_delayed: values must be a non-empty list"):
        cab.from_delayed([])
    with pytest.raises(TypeError, match="from_delayed: values must be Delayed objects, got int"):
        cab.from_delayed([1])
    with pytest.raises(TypeError, match="a partition must be iterable, got int"):
        cab.from_delayed([ca.delayed(5)]).compute(**SYNC)
