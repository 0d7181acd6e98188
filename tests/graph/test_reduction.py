"""Tests for chunkarray.graph.reduction: PartialReduce and PrefixScan layers."""

from __future__ import annotations

from operator import add

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chunkarray.errors import ChunkArrayValueError
from chunkarray.graph.graph import Graph
from chunkarray.graph.layer import MaterializedLayer
from chunkarray.graph.reduction import PartialReduce, PrefixScan, reduced_numblocks, tree_depth
from chunkarray.graph.task import Literal, Ref
from chunkarray.runtime.scheduler import run


def _refs(value: object) -> list[object]:
    if isinstance(value, list):
        return [r for v in value for r in _refs(v)]
    assert isinstance(value, Ref)
    return [value.key]


@given(nb=st.lists(st.integers(1, 7), min_size=1, max_size=3), data=st.data())
def test_every_input_block_is_read_exactly_once(nb: list[int], data: st.DataObject) -> None:
    axes = data.draw(st.sets(st.integers(0, len(nb) - 1), min_size=1))
    split = {a: data.draw(st.integers(1, 4)) for a in axes}
    layer = PartialReduce("out", "x", nb, split, list)
    assert layer.out_numblocks == reduced_numblocks(nb, split)
    assert len(list(layer.keys())) == len(layer)
    read = [k for key in layer.keys() for k in _refs(layer.task(key).args[0])]  # noqa: SIM118 - a Layer, not a dict
    assert sorted(read) == sorted(set(read))
    assert len(read) == len(set(read))
    expected = 1
    for n in nb:
        expected *= n
    assert len(read) == expected


def test_nesting_follows_the_reduced_axes() -> None:
    layer = PartialReduce("s", "x", (4, 3, 2), {0: 2, 2: 2}, list)
    assert layer.out_numblocks == (2, 3, 1)
    (nested,) = layer.task(("s", 1, 2, 0)).args
    assert nested == [[Ref(("x", 2, 2, 0)), Ref(("x", 2, 2, 1))],
                      [Ref(("x", 3, 2, 0)), Ref(("x", 3, 2, 1))]]


def test_drop_axes_leaves_them_out_of_the_keys() -> None:
    layer = PartialReduce("s", "x", (3, 2), {1: 2}, list, drop_axes=True)
    assert list(layer.keys()) == [("s", 0), ("s", 1), ("s", 2)]
    assert layer.task(("s", 2)).dependencies == {("x", 2, 0), ("x", 2, 1)}
    for bad in [("s", 3), ("s", 0, 0), ("t", 0), "s", ("s", "0")]:
        assert bad not in layer
        with pytest.raises(KeyError):
            layer.task(bad)
    with pytest.raises(ChunkArrayValueError, match="one output block per reduced axis"):
        PartialReduce("s", "x", (3, 4), {1: 2}, list, drop_axes=True)
    with pytest.raises(ChunkArrayValueError, match="does not fit"):
        PartialReduce("s", "x", (3, 4), {2: 2}, list)


def test_tree_depth() -> None:
    assert tree_depth((64,), {0: 2}) == 6
    assert tree_depth((64,), {0: 8}) == 2
    assert tree_depth((65,), {0: 8}) == 3
    assert tree_depth((4, 9), {0: 2, 1: 3}) == 2


def test_prefix_scan_runs_a_running_total() -> None:
    blocks = {("x", i): Literal(i + 1) for i in range(5)}
    source = MaterializedLayer("x", blocks)
    scan = PrefixScan("c", "x", (5,), 0, add, 0)
    graph = Graph.from_layer(scan, Graph.from_layer(source))
    tasks = {k: graph.task(k) for k in [*blocks, *scan.keys()]}
    out = run(tasks, list(scan.keys()), {k: i for i, k in enumerate(tasks)}, 2)
    assert [out[("c", i)] for i in range(5)] == [0, 1, 3, 6, 10]
    assert scan.task(("c", 0)).dependencies == frozenset()
    with pytest.raises(KeyError):
        scan.task(("c", 5))
    with pytest.raises(ChunkArrayValueError, match="axis 1 is out of range"):
        PrefixScan("c", "x", (5,), 1, add, 0)
