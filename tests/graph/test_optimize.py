"""Tests for chunkarray.graph.optimize: cull, fuse_blockwise, fuse_linear, topological_layers.

Fused graphs are checked by running them next to the unfused graph with the real scheduler.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from operator import add, mul
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chunkarray as ca
from chunkarray.errors import GraphError
from chunkarray.graph.blockwise import Blockwise
from chunkarray.graph.graph import Graph
from chunkarray.graph.keys import key_name
from chunkarray.graph.layer import Layer, MaterializedLayer
from chunkarray.graph.optimize import cull, fuse_blockwise, fuse_linear, topological_layers
from chunkarray.graph.order import order
from chunkarray.graph.task import Fused, Literal, Ref, Task
from chunkarray.runtime.scheduler import run

# -- helpers ----------------------------------------------------------------------------------


class Grid:
    """A per-block literal: the block index itself."""

    def __init__(self, numblocks: tuple[int, ...]) -> None:
        self.numblocks = numblocks

    def __getitem__(self, index: tuple[int, ...]) -> tuple[int, ...]:
        return index


def _graph(*layers: Layer) -> Graph:
    return Graph({layer.name: layer for layer in layers})


def _execute(tasks: dict[Any, Any], outputs: list[Any], num_workers: int = 1) -> dict[Any, Any]:
    return run(tasks, outputs, order(tasks, outputs), num_workers=num_workers)


def _run_graph(graph: Graph, outputs: list[Any]) -> dict[Any, Any]:
    return _execute(cull(graph, outputs), outputs)


def _run_optimized(graph: Graph, outputs: list[Any]) -> tuple[dict[Any, Any], int]:
    fused = fuse_blockwise(graph, keep={key_name(k) for k in outputs})
    tasks = fuse_linear(cull(fused, outputs), keep=outputs)
    return _execute(tasks, outputs), len(tasks)


def _source(
    name: str, numblocks: tuple[int, ...], counter: Counter[str] | None = None
) -> Blockwise:
    def read(index: tuple[int, ...]) -> int:
        if counter is not None:
            counter[name] += 1
        return sum((p + 1) * 10**k for k, p in enumerate(index))

    ind = "ijk"[: len(numblocks)]
    return Blockwise(name, ind, read, [(Grid(numblocks), ind)], {})


def _unary(name: str, func: Any, src: str, numblocks: tuple[int, ...], ind: str = "i") -> Blockwise:
    return Blockwise(name, ind, func, [(src, ind)], {src: numblocks})


def _inc(x: int) -> int:
    return x + 1


def _double(x: int) -> int:
    return 2 * x


# -- cull -------------------------------------------------------------------------------------


def test_cull_huge_lazy_blockwise_is_fast_and_minimal() -> None:
    nb = (1000, 1000, 1000)
    x = Blockwise("x", "ijk", lambda idx: sum(idx), [(Grid(nb), "ijk")], {})
    y = Blockwise("y", "ijk", _inc, [("x", "ijk")], {"x": nb})
    z = Blockwise("z", "ijk", add, [("y", "ijk"), ("x", "kji")], {"x": nb, "y": nb})
    graph = Graph.from_layer(z, Graph.from_layer(y, Graph.from_layer(x)))
    assert len(graph) == 3 * 10**9
    wanted = [("z", 0, 0, 0), ("z", 999, 5, 1), ("z", 2, 3, 4)]
    start = time.perf_counter()
    tasks = cull(graph, wanted)
    elapsed = time.perf_counter() - start
    assert elapsed < 0.5
    expected = {
        ("z", 0, 0, 0), ("y", 0, 0, 0), ("x", 0, 0, 0),
        ("z", 999, 5, 1), ("y", 999, 5, 1), ("x", 999, 5, 1), ("x", 1, 5, 999),
        ("z", 2, 3, 4), ("y", 2, 3, 4), ("x", 2, 3, 4), ("x", 4, 3, 2),
    }
    assert set(tasks) == expected
    values = _execute(tasks, wanted)
    assert values == {k: 2 * sum(k[1:]) + 1 for k in wanted}


def test_fuse_then_cull_huge_lazy_blockwise_is_fast() -> None:
    nb = (1000, 1000, 1000)
    x = Blockwise("x", "ijk", lambda idx: sum(idx), [(Grid(nb), "ijk")], {})
    y = Blockwise("y", "ijk", _inc, [("x", "ijk")], {"x": nb})
    z = Blockwise("z", "ijk", _double, [("y", "ijk")], {"y": nb})
    graph = _graph(x, y, z)
    wanted = [("z", 0, 0, 0), ("z", 999, 999, 999), ("z", 1, 2, 3)]
    start = time.perf_counter()
    tasks = cull(fuse_blockwise(graph, keep={"z"}), wanted)
    assert time.perf_counter() - start < 0.5
    assert set(tasks) == set(wanted)
    assert _execute(tasks, wanted) == {k: 2 * (sum(k[1:]) + 1) for k in wanted}


def test_cull_returns_only_the_needed_tasks() -> None:
    calls: list[str] = []

    def f(name: str, *args: Any) -> str:
        calls.append(name)
        return name

    tasks = {
        "a": Task(f, "a"),
        "b": Task(f, "b", Ref("a")),
        "c": Task(f, "c", Ref("a")),
        "d": Task(f, "d", Ref("b")),
        "unused": Task(f, "unused", Ref("c")),
    }
    graph = _graph(MaterializedLayer("a", tasks))
    culled = cull(graph, ["d"])
    assert set(culled) == {"a", "b", "d"}
    assert all(culled[k] is tasks[k] for k in culled)
    assert calls == []


def test_cull_missing_key_raises_graph_error() -> None:
    graph = _graph(MaterializedLayer("a", {"a": Literal(1)}))
    with pytest.raises(GraphError, match="'nope'"):
        cull(graph, ["nope"])
    with pytest.raises(ValueError):
        cull(graph, [("a", 0)])


def test_cull_missing_dependency_raises_graph_error() -> None:
    graph = _graph(MaterializedLayer("b", {"b": Task(_inc, Ref("missing"))}))
    with pytest.raises(GraphError, match="'missing'"):
        cull(graph, ["b"])
    bw = _graph(_source("x", (3,)), Blockwise("y", "i", _inc, [("x", "i")], {"x": (4,)}))
    with pytest.raises(GraphError, match=r"\('x', 3\)"):
        cull(bw, [("y", 3)])


class _Collection:
    """The smallest collection: a graph and a flat list of keys."""

    def __init__(self, graph: Graph, keys: list[Any]) -> None:
        self.graph, self.keys = graph, keys

    def __chunkarray_graph__(self) -> Graph:
        return self.graph

    def __chunkarray_keys__(self) -> list[Any]:
        return self.keys

    def __chunkarray_finalize__(self, results: list[Any]) -> list[Any]:
        return list(results)

    def __chunkarray_rebuild__(self, values: Any) -> Any:
        raise NotImplementedError


@pytest.mark.parametrize("optimize_graph", [True, False])
def test_missing_key_fails_before_anything_runs(optimize_graph: bool) -> None:
    calls: list[int] = []

    def work(i: int) -> int:
        calls.append(i)
        return i

    tasks = {("w", i): Task(work, i) for i in range(5)}
    tasks["total"] = Task(sum, [Ref(("w", i)) for i in range(5)] + [Ref("gone")])
    coll = _Collection(_graph(MaterializedLayer("w", tasks)), ["total"])
    with pytest.raises(GraphError):
        ca.compute(coll, optimize_graph=optimize_graph, num_workers=2)
    assert calls == []


# -- fuse_blockwise ---------------------------------------------------------------------------


def _sin_pow_sum_graph(n: int, counter: Counter[str]) -> tuple[Graph, list[Any]]:
    """``(sin(x) ** 2).sum()`` with integer stand-ins: read, f, g, partial, aggregate."""
    read = _source("read", (n,), counter)
    f = _unary("f", _inc, "read", (n,))
    g = _unary("g", lambda v: v * v, "f", (n,))
    partial = _unary("partial", lambda v: v % 97, "g", (n,))
    agg = Blockwise("agg", "", sum, [("partial", "i")], {"partial": (n,)})
    return _graph(read, f, g, partial, agg), [("agg",)]


def test_fuse_blockwise_worked_example_17_tasks_to_5() -> None:
    counter: Counter[str] = Counter()
    graph, outputs = _sin_pow_sum_graph(4, counter)
    unfused = cull(graph, outputs)
    assert len(unfused) == 17
    expected = _execute(unfused, outputs)
    assert expected == {("agg",): sum(((i + 1 + 1) ** 2) % 97 for i in range(4))}
    fused_graph = fuse_blockwise(graph, keep={"agg"})
    assert set(fused_graph.layers) == {"partial", "agg"}
    fused = cull(fused_graph, outputs)
    assert len(fused) == 5
    # No absorbed layer's chunk is ever a key the scheduler holds.
    assert {key_name(k) for k in fused} == {"partial", "agg"}
    assert all(key_name(d) in {"partial"} for t in fused.values() for d in t.dependencies)
    counter.clear()
    assert _execute(fused, outputs) == expected
    assert counter["read"] == 4


def test_fuse_blockwise_shared_producer_fused_once() -> None:
    counter: Counter[str] = Counter()
    n = 3
    x = _source("x", (n,), counter)
    s = _unary("s", _inc, "x", (n,))
    c = _unary("c", _double, "x", (n,))
    z = Blockwise("z", "i", mul, [("s", "i"), ("c", "i")], {"s": (n,), "c": (n,)})
    graph = _graph(x, s, c, z)
    outputs = list(z.keys())
    expected = _run_graph(graph, outputs)
    assert counter["x"] == n
    fused_graph = fuse_blockwise(graph, keep={"z"})
    assert list(fused_graph.layers) == ["z"]
    task = fused_graph.task(("z", 1))
    assert isinstance(task, Fused)
    assert [key for key, _ in task.steps].count(("x", 1)) == 1
    assert len(task.steps) == 4
    assert task.dependencies == frozenset()
    counter.clear()
    result, ntasks = _run_optimized(graph, outputs)
    assert result == expected
    assert ntasks == n
    assert counter["x"] == n


def test_fuse_blockwise_never_absorbs_requested_layers() -> None:
    n = 3
    graph = _graph(
        _source("x", (n,)),
        _unary("a", _inc, "x", (n,)),
        _unary("b", _double, "a", (n,)),
        _unary("c", _inc, "b", (n,)),
    )
    outputs = [("c", 0), ("b", 1), ("c", 2)]
    fused = fuse_blockwise(graph, keep={"b", "c"})
    assert "b" in fused.layers and "c" in fused.layers
    assert "x" not in fused.layers and "a" not in fused.layers
    expected = _run_graph(graph, outputs)
    assert expected == {("c", 0): 2 * 2 + 1, ("b", 1): 2 * 3, ("c", 2): 2 * 4 + 1}
    assert _run_optimized(graph, outputs)[0] == expected
    # Requesting a source keeps it too.
    outputs2 = [("x", 2), ("c", 2)]
    fused2 = fuse_blockwise(graph, keep={"x", "c"})
    assert set(fused2.layers) == {"x", "c"}
    assert _run_optimized(graph, outputs2)[0] == _run_graph(graph, outputs2)


def test_fuse_blockwise_stops_at_a_non_blockwise_consumer() -> None:
    n = 2
    x = _source("x", (n,))
    y = _unary("y", _inc, "x", (n,))
    z = _unary("z", _double, "y", (n,))
    summary = MaterializedLayer(
        "summary", {"summary": Task(sum, [Ref(("y", i)) for i in range(n)])},
        dependencies=frozenset({"y"}),
    )
    graph = _graph(x, y, z, summary)
    outputs = [("z", 0), ("z", 1), "summary"]
    fused = fuse_blockwise(graph, keep={"z", "summary"})
    assert "y" in fused.layers
    assert "x" not in fused.layers
    assert _run_optimized(graph, outputs)[0] == _run_graph(graph, outputs)


def test_fuse_blockwise_stops_at_a_non_identical_read() -> None:
    nb = (2, 2)
    x = _source("x", nb)
    t = Blockwise("t", "ij", _inc, [("x", "ji")], {"x": nb})
    u = Blockwise("u", "ij", _double, [("t", "ij")], {"t": nb})
    graph = _graph(x, t, u)
    fused = fuse_blockwise(graph, keep={"u"})
    assert set(fused.layers) == {"x", "u"}
    outputs = list(u.keys())
    assert _run_optimized(graph, outputs)[0] == _run_graph(graph, outputs)


def test_fuse_blockwise_without_fusable_layers_returns_the_graph() -> None:
    graph = _graph(MaterializedLayer("a", {"a": Literal(1)}))
    assert fuse_blockwise(graph, keep={"a"}) is graph


def test_fuse_blockwise_long_chain() -> None:
    # A 3000-step elementwise chain (x = x + 1 in a loop) must fuse and run.
    n_layers = 3000
    graph = Graph.from_layer(_source("l0", (2,)))
    for k in range(1, n_layers):
        graph = Graph.from_layer(_unary(f"l{k}", _inc, f"l{k - 1}", (2,)), graph)
    outputs = [(f"l{n_layers - 1}", 0), (f"l{n_layers - 1}", 1)]
    result, ntasks = _run_optimized(graph, outputs)
    assert ntasks == 2
    assert result == {outputs[0]: 1 + n_layers - 1, outputs[1]: 2 + n_layers - 1}


def test_fuse_blockwise_keeps_a_layer_read_through_nested_kwargs() -> None:
    # z reads block 0 of p through a Ref inside a kwargs list; p's only declared blockwise
    # consumer q reads it block for block. p must not vanish into q.
    n = 2
    p = _source("p", (n,))
    q = _unary("q", _inc, "p", (n,))
    z = Blockwise(
        "z", "i", lambda a, extra: a + sum(extra), [("q", "i")], {"q": (n,)},
        kwargs={"extra": [Ref(("p", 0))]},
    )
    graph = _graph(p, q, z)
    outputs = [("z", 0), ("z", 1), ("q", 1)]
    expected = _run_graph(graph, outputs)
    assert expected == {("z", 0): 2 + 1, ("z", 1): 3 + 1, ("q", 1): 3}
    assert _run_optimized(graph, outputs)[0] == expected


@st.composite
def _blockwise_dags(draw: st.DrawFn) -> tuple[Graph, list[str]]:
    rows, cols = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    nb = (rows, cols)
    layers: list[Layer] = [_source("s0", nb)]
    n = draw(st.integers(1, 7))
    for k in range(1, n + 1):
        name = f"L{k}"
        if draw(st.integers(0, 5)) == 0:
            # A non-Blockwise consumer reading one block of an earlier layer.
            src = layers[draw(st.integers(0, k - 1))].name
            layers.append(
                MaterializedLayer(
                    name,
                    {(name, i, j): Task(_inc, Ref((src, 0, 0))) for i in range(rows)
                     for j in range(cols)},
                    dependencies=frozenset({src}),
                )
            )
            continue
        picks = draw(st.lists(st.integers(0, k - 1), min_size=1, max_size=3))
        inputs = []
        for p in picks:
            index = "ji" if rows == cols and draw(st.booleans()) else "ij"
            inputs.append((layers[p].name, index))

        def combine(*blocks: int, _k: int = k) -> int:
            return (_k * 1000003 + sum((m + 1) * v for m, v in enumerate(blocks))) % (2**61 - 1)

        layers.append(
            Blockwise(name, "ij", combine, inputs, {layer.name: nb for layer in layers})
        )
    names = [layer.name for layer in layers]
    keep = draw(st.lists(st.sampled_from(names), min_size=1, unique=True))
    return _graph(*layers), keep


@settings(max_examples=60, deadline=None, database=None)
@given(dag=_blockwise_dags())
def test_fuse_blockwise_random_dags_keep_results(dag: tuple[Graph, list[str]]) -> None:
    graph, keep = dag
    outputs = [k for name in keep for k in graph.layers[name].keys()]
    expected = _run_graph(graph, outputs)
    fused_graph = fuse_blockwise(graph, keep=set(keep))
    assert set(keep) <= set(fused_graph.layers)
    fused_tasks = cull(fused_graph, outputs)
    assert len(fused_tasks) <= len(cull(graph, outputs))
    assert _execute(fused_tasks, outputs) == expected
    linear = fuse_linear(fused_tasks, keep=outputs)
    assert _execute(linear, outputs, num_workers=2) == expected


# -- fuse_linear ------------------------------------------------------------------------------


def test_fuse_linear_chain_becomes_one_task() -> None:
    tasks = {
        "a": Literal(3),
        "b": Task(_inc, Ref("a")),
        "c": Task(_double, Ref("b")),
        "d": Task(_inc, Ref("c")),
    }
    fused = fuse_linear(tasks, keep=["d"])
    assert list(fused) == ["d"]
    assert isinstance(fused["d"], Fused)
    assert [k for k, _ in fused["d"].steps] == ["a", "b", "c", "d"]
    assert fused["d"].dependencies == frozenset()
    assert _execute(fused, ["d"]) == _execute(tasks, ["d"]) == {"d": 9}


def test_fuse_linear_keeps_kept_keys_and_shared_inputs() -> None:
    tasks = {
        "a": Literal(3),
        "b": Task(_inc, Ref("a")),
        "c": Task(_double, Ref("b")),
        "d": Task(_inc, Ref("c")),
        "e": Task(_double, Ref("c")),
        "f": Task(add, Ref("d"), Ref("e")),
    }
    fused = fuse_linear(tasks, keep=["f", "b"])
    # b is kept; c has two dependents: neither is absorbed.
    assert "b" in fused and "c" in fused
    assert "a" not in fused
    assert set(fused) == {"b", "c", "d", "e", "f"}
    assert _execute(fused, ["f", "b"]) == _execute(tasks, ["f", "b"]) == {"f": 25, "b": 4}


def test_fuse_linear_chain_with_outside_input() -> None:
    tasks = {
        "x": Literal(5),
        "p": Task(_inc, Ref("x")),
        "q": Task(_double, Ref("x")),
        "p2": Task(_double, Ref("p")),
        "total": Task(add, Ref("p2"), Ref("q")),
    }
    fused = fuse_linear(tasks, keep=["total"])
    assert set(fused) == {"x", "q", "p2", "total"}
    assert fused["p2"].dependencies == {"x"}
    assert _execute(fused, ["total"]) == _execute(tasks, ["total"]) == {"total": 22}


def test_fuse_linear_without_chains_returns_a_copy() -> None:
    tasks = {"a": Literal(1), "b": Literal(2), "c": Task(add, Ref("a"), Ref("b"))}
    fused = fuse_linear(tasks, keep=["c"])
    assert fused == tasks
    assert fused is not tasks


def test_fuse_linear_long_chain() -> None:
    n = 20_000
    tasks: dict[Any, Any] = {0: Literal(0)}
    for k in range(1, n):
        tasks[k] = Task(_inc, Ref(k - 1))
    fused = fuse_linear(tasks, keep=[n - 1])
    assert list(fused) == [n - 1]
    assert _execute(fused, [n - 1]) == {n - 1: n - 1}


# -- cycles -----------------------------------------------------------------------------------


def _layers(edges: dict[str, Iterable[str]]) -> dict[str, frozenset[str]]:
    return {k: frozenset(v) for k, v in edges.items()}


def test_topological_layers_order() -> None:
    deps = _layers({"d": {"b", "c"}, "c": {"a"}, "b": {"a"}, "a": set(), "e": set()})
    result = topological_layers(deps)
    assert sorted(result) == ["a", "b", "c", "d", "e"]
    pos = {n: i for i, n in enumerate(result)}
    for name, ds in deps.items():
        assert all(pos[d] < pos[name] for d in ds)


def test_topological_layers_ignores_names_outside_the_graph() -> None:
    assert topological_layers(_layers({"b": {"a", "elsewhere"}, "a": set()})) == ["a", "b"]


@pytest.mark.parametrize(
    "edges",
    [
        {"a": {"a"}},
        {"a": {"b"}, "b": {"a"}},
        {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}},
        {"x": set(), "a": {"x", "b"}, "b": {"x", "c"}, "c": {"b"}},
    ],
)
def test_topological_layers_detects_cycles(edges: dict[str, set[str]]) -> None:
    with pytest.raises(GraphError, match="cycle"):
        topological_layers(_layers(edges))


def test_fuse_blockwise_on_a_cyclic_graph_raises() -> None:
    a = Blockwise("a", "i", _inc, [("b", "i")], {"b": (2,)})
    b = Blockwise("b", "i", _inc, [("a", "i")], {"a": (2,)})
    with pytest.raises(GraphError):
        fuse_blockwise(_graph(a, b), keep={"a"})


@pytest.mark.parametrize(
    "tasks",
    [
        {"a": Task(_inc, Ref("a"))},
        {"a": Task(_inc, Ref("b")), "b": Task(_inc, Ref("a"))},
        {"x": Literal(1), "a": Task(add, Ref("x"), Ref("c")), "b": Task(_inc, Ref("a")),
         "c": Task(_inc, Ref("b"))},
    ],
)
def test_order_detects_cycles(tasks: dict[str, Any]) -> None:
    with pytest.raises(GraphError, match="cycle"):
        order(tasks, ["a"])


def test_cull_then_order_detects_cycle_before_running() -> None:
    calls: list[int] = []

    def f(*args: Any) -> int:
        calls.append(1)
        return 1

    tasks = {"leaf": Task(f), "a": Task(f, Ref("leaf"), Ref("b")), "b": Task(f, Ref("a"))}
    coll = _Collection(_graph(MaterializedLayer("a", tasks)), ["a"])
    with pytest.raises(GraphError):
        ca.compute(coll, num_workers=2)
    assert calls == []
