"""foldby and groupby against plain dictionaries; the shuffle spills under a small budget."""

from __future__ import annotations

import operator
from collections import defaultdict

from hypothesis import given, strategies as st

import chunkarray as ca
import chunkarray.bag as cab
from chunkarray.bag.groupby import stable_hash
from chunkarray.runtime.memory import last_run

SYNC = {"scheduler": "sync"}
ints = st.lists(st.integers(-30, 30), max_size=40)
parts = st.integers(1, 7)


def _groups(seq, key):
    out = defaultdict(list)
    for x in seq:
        out[key(x)].append(x)
    return dict(out)


@given(ints, parts, st.one_of(st.none(), st.integers(1, 6)))
def test_groupby_matches_a_dict_of_lists(seq: list[int], n: int, out: int | None) -> None:
    b = cab.from_sequence(seq, npartitions=n).map(lambda x: x)
    g = b.groupby(lambda x: x % 5, npartitions=out)
    assert g.npartitions == (n if out is None else out)
    got = g.compute(**SYNC)
    assert dict(got) == _groups(seq, lambda x: x % 5)
    assert len(got) == len({x % 5 for x in seq})


@given(st.lists(st.tuples(st.sampled_from("abcde"), st.integers(0, 9)), max_size=30), parts)
def test_groupby_by_index_and_strings(pairs: list[tuple[str, int]], n: int) -> None:
    b = cab.from_sequence(pairs, npartitions=n)
    assert dict(b.groupby(0).compute(**SYNC)) == _groups(pairs, operator.itemgetter(0))


@given(ints, parts, st.sampled_from([None, 2]))
def test_foldby(seq: list[int], n: int, split: int | None) -> None:
    b = cab.from_sequence(seq, npartitions=n).filter(lambda x: True)
    key = lambda x: x % 4  # noqa: E731
    expected = {k: sum(v) for k, v in _groups(seq, key).items()}
    got = b.foldby(key, operator.add, 0, split_every=split).compute(**SYNC)
    assert dict(got) == expected and len(got) == len(expected)
    no_init = b.foldby(key, operator.add, split_every=split).compute(**SYNC)
    assert dict(no_init) == expected
    counts = b.foldby(key, lambda acc, _: acc + 1, 0, operator.add, 0,
                      split_every=split).compute(**SYNC)
    assert dict(counts) == {k: len(v) for k, v in _groups(seq, key).items()}
    lists = b.foldby(key, lambda acc, x: acc + [x], [], operator.add, [],
                     split_every=split).compute(**SYNC)
    assert {k: sorted(v) for k, v in lists} == {k: sorted(v) for k, v in
                                                 _groups(seq, key).items()}


def test_stable_hash_is_the_same_in_another_process() -> None:
    values = ["abc", b"xy", 17, -3.5, ("a", 1), frozenset({"q"}), None, True]
    here = [stable_hash(v) for v in values]
    b = cab.from_sequence(values, npartitions=2).map(stable_hash)
    assert b.compute(scheduler="processes") == here


def test_groupby_in_processes() -> None:
    words = [f"w{i % 13}" for i in range(300)]
    b = cab.from_sequence(words, npartitions=6)
    got = b.groupby(lambda w: w, npartitions=4).compute(scheduler="processes")
    assert {k: len(v) for k, v in got} == {k: len(v) for k, v in _groups(words, str).items()}


def test_groupby_spills_buckets_when_over_the_budget(tmp_path) -> None:
    seq = [(i % 50, "x" * 200) for i in range(20000)]  # about 4 MB of strings
    b = cab.from_sequence(seq, npartitions=8)
    with ca.config.set(memory_limit="1MiB", spill_dir=str(tmp_path)):
        got = b.groupby(0, npartitions=8).compute(scheduler="threads")
    stats = last_run()
    assert stats is not None and stats.spilled_chunks > 0
    assert {k: len(v) for k, v in got} == {k: 400 for k in range(50)}
