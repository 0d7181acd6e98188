"""Element-wise steps against Python builtins and itertools, with hypothesis."""

from __future__ import annotations

import fnmatch
import itertools
import operator

import pytest
from hypothesis import given, strategies as st

import chunkarray.bag as cab
from chunkarray.bag.text import METHODS

SYNC = {"scheduler": "sync"}
ints = st.lists(st.integers(-50, 50), max_size=30)
parts = st.integers(1, 7)
texts = st.lists(st.text(alphabet="ab cD.*\t", max_size=8), max_size=20)


@given(ints, parts)
def test_map_filter_remove(seq: list[int], n: int) -> None:
    b = cab.from_sequence(seq, npartitions=n)
    assert b.map(lambda x: x * 2 - 1).compute(**SYNC) == [x * 2 - 1 for x in seq]
    assert b.filter(lambda x: x % 3 == 0).compute(**SYNC) == [x for x in seq if x % 3 == 0]
    assert b.remove(lambda x: x > 0).compute(**SYNC) == list(
        itertools.filterfalse(lambda x: x > 0, seq))
    chain = b.map(abs).filter(lambda x: x < 20).map(str).remove(lambda s: s.startswith("1"))
    expected = [s for s in (str(abs(x)) for x in seq if abs(x) < 20) if not s.startswith("1")]
    assert chain.compute(**SYNC) == expected


@given(ints, parts)
def test_map_with_bags_literals_and_items(seq: list[int], n: int) -> None:
    a = cab.from_sequence(seq, npartitions=n)
    b = a.map(lambda x: x + 100)
    assert a.map(lambda x, y, k=0: x * y + k, b, k=3).compute(**SYNC) == [
        x * (x + 100) + 3 for x in seq]
    assert cab.map(lambda x, y: x - y, 10, a).compute(**SYNC) == [10 - x for x in seq]
    total = a.sum()
    assert a.map(lambda x, t: (x, t), total).compute(**SYNC) == [(x, sum(seq)) for x in seq]
    assert a.map(operator.add, y := 5).compute(**SYNC) == [x + y for x in seq]


@given(st.lists(st.tuples(st.integers(-9, 9), st.integers(-9, 9)), max_size=20), parts)
def test_starmap_and_pluck(pairs: list[tuple[int, int]], n: int) -> None:
    b = cab.from_sequence(pairs, npartitions=n)
    assert b.starmap(operator.mul).compute(**SYNC) == list(itertools.starmap(operator.mul, pairs))
    assert b.starmap(lambda x, y, z: x + y + z, z=1).compute(**SYNC) == [
        x + y + 1 for x, y in pairs]
    assert b.pluck(1).compute(**SYNC) == [p[1] for p in pairs]
    assert b.pluck([1, 0]).compute(**SYNC) == [(p[1], p[0]) for p in pairs]
    dicts = b.map(lambda p: {"a": p[0]} if p[1] > 0 else {"b": p[1]})
    assert dicts.pluck("a", None).compute(**SYNC) == [p[0] if p[1] > 0 else None for p in pairs]


@given(st.lists(st.lists(st.integers(0, 9), max_size=4), max_size=15), parts)
def test_flatten_and_map_partitions(nested: list[list[int]], n: int) -> None:
    b = cab.from_sequence(nested, npartitions=n)
    assert b.flatten().compute(**SYNC) == list(itertools.chain.from_iterable(nested))
    lengths = b.map_partitions(lambda p: [len(p)]).compute(**SYNC)
    assert len(lengths) == n and sum(lengths) == len(nested)
    sizes = b.map_partitions(lambda p, k: [len(p) * k], k=2).compute(**SYNC)
    assert sizes == [2 * x for x in lengths]
    other = b.map(len)
    pairs = b.map_partitions(lambda p, q: list(zip(p, q)), other).compute(**SYNC)
    assert pairs == [(x, len(x)) for x in nested]
    total = other.sum()
    shares = b.map_partitions(lambda p, t: [len(p) + t], total).compute(**SYNC)
    assert shares == [x + sum(map(len, nested)) for x in lengths]


@given(texts, parts)
def test_str_accessor_matches_str_methods(words: list[str], n: int) -> None:
    b = cab.from_sequence(words, npartitions=n)
    assert b.str.upper().compute(**SYNC) == [w.upper() for w in words]
    assert b.str.strip(" a").compute(**SYNC) == [w.strip(" a") for w in words]
    assert b.str.split().compute(**SYNC) == [w.split() for w in words]
    assert b.str.split("a", 1).compute(**SYNC) == [w.split("a", 1) for w in words]
    assert b.str.replace("a", "xy").compute(**SYNC) == [w.replace("a", "xy") for w in words]
    assert b.str.startswith("a").compute(**SYNC) == [w.startswith("a") for w in words]
    assert b.str.endswith(("b", "D")).compute(**SYNC) == [w.endswith(("b", "D")) for w in words]
    assert b.str.match("a*").compute(**SYNC) == [w for w in words if fnmatch.fnmatch(w, "a*")]
    assert b.str.lower().str.split().flatten().compute(**SYNC) == [
        x for w in words for x in w.lower().split()]


@pytest.mark.parametrize("method", METHODS)
def test_every_str_method_of_the_table(method: str) -> None:
    words = ["Hello World", "  abc\t", "x.y.z", "123", ""]
    args = {"center": (9,), "ljust": (9,), "rjust": (9,), "zfill": (6,), "count": ("l",),
            "find": ("o",), "rfind": ("o",), "index": ("",), "rindex": ("",),
            "join": ("-",), "partition": (".",), "rpartition": (".",), "removeprefix": ("x",),
            "removesuffix": ("z",), "replace": ("o", "0"), "startswith": ("H",),
            "endswith": ("z",), "translate": ({ord("a"): "A"},), "format": ()}.get(method, ())
    b = cab.from_sequence(words, npartitions=2)
    got = getattr(b.str, method)(*args).compute(**SYNC)
    assert got == [getattr(w, method)(*args) for w in words]


def test_bad_functions() -> None:
    b = cab.from_sequence([1, 2])
    with pytest.raises(TypeError, match="map: func must be callable, got int"):
        b.map(3)
    with pytest.raises(TypeError, match="filter: predicate must be callable"):
        b.filter("x")
    with pytest.raises(ValueError, match="same number of partitions"):
        b.map(operator.add, cab.from_sequence([1, 2, 3], npartitions=3))


def test_zipped_bags_of_different_lengths_fail_clearly() -> None:
    a = cab.from_sequence([1, 2, 3], npartitions=1)
    b = cab.from_sequence([1, 2], npartitions=1)
    with pytest.raises(ValueError, match="zip"):
        a.map(operator.add, b).compute(**SYNC)


@pytest.mark.parametrize("scheduler", ["sync", "threads", "processes"])
def test_error_inside_map_keeps_type_and_names_the_partition(scheduler: str) -> None:
    b = cab.from_sequence([1, 2, 0, 4], npartitions=4).map(lambda x: 1 // x).map(str)
    with pytest.raises(ZeroDivisionError) as info:
        b.compute(scheduler=scheduler)
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert "raised while running task" in notes
    assert ", 2)" in notes.split("raised while running task")[1].splitlines()[0]
