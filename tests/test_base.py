"""Tests for chunkarray.base: compute over plain values, containers and settings."""

from __future__ import annotations

import sys
import threading
import time
from collections import namedtuple
from typing import Any

import pytest

import chunkarray as ca
from chunkarray import delayed
from chunkarray.delayed import Delayed
from chunkarray.graph.task import Fused


def inc(x: int) -> int:
    return x + 1


# -- plain values and containers --------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [1, "text", None, 2.5, [1, 2], (1, "a"), {"k": [1, {"n": (2,)}]}, {1, 2}, frozenset({3})],
)
def test_plain_values_are_returned_unchanged(value: Any) -> None:
    (result,) = ca.compute(value)
    assert result == value
    assert type(result) is type(value)


def test_plain_objects_are_returned_as_they_are() -> None:
    obj = object()
    data = [obj]
    assert ca.compute(obj)[0] is obj
    assert ca.compute(data)[0][0] is obj


def test_no_arguments() -> None:
    assert ca.compute() == ()


def test_one_result_per_argument() -> None:
    a, b = delayed(inc)(1), delayed(inc)(2)
    assert ca.compute(a, b, 7) == (2, 3, 7)


def test_nested_containers_keep_their_structure() -> None:
    a, b = delayed(inc)(1), delayed(inc)(10)
    structure = [a, (b, 3, [a, {"x": b, "y": (a,)}]), {"k": [b, {"deep": (a, b)}]}]
    (result,) = ca.compute(structure)
    assert result == [2, (11, 3, [2, {"x": 11, "y": (2,)}]), {"k": [11, {"deep": (2, 11)}]}]
    assert type(result) is list
    assert type(result[1]) is tuple
    assert type(result[1][2]) is list
    assert type(result[1][2][1]) is dict
    assert type(result[2]["k"][1]["deep"]) is tuple


def test_sets_holding_collections() -> None:
    a, b = delayed(inc)(1), delayed(inc)(2)
    assert ca.compute({a, b}) == ({2, 3},)
    assert ca.compute(frozenset({a})) == (frozenset({2}),)


def test_mixture_of_arguments() -> None:
    a = delayed(inc)(1)
    result = ca.compute(a, [a, 4], {"a": a}, "plain", (a, [a]))
    assert result == (2, [2, 4], {"a": 2}, "plain", (2, [2]))


def test_traverse_false() -> None:
    a = delayed(inc)(1)
    data = [a, 4]
    result = ca.compute(data, a, traverse=False)
    # The list is not looked into: it comes back holding the Delayed itself.
    assert type(result[0]) is list
    assert result[0][0] is a
    assert result[0][1] == 4
    assert result[1] == 2


def test_shared_work_between_arguments_runs_once() -> None:
    calls: list[int] = []

    @delayed
    def counted(x: int) -> int:
        calls.append(x)
        return x

    c = counted(5)
    assert ca.compute([c, c + 1], {"c": c * 2}) == ([5, 6], {"c": 10})
    assert calls == [5]


def test_same_collection_twice() -> None:
    calls: list[int] = []

    @delayed
    def counted(x: int) -> int:
        calls.append(x)
        return x

    c = counted(3)
    assert ca.compute(c, c, [c]) == (3, 3, [3])
    assert calls == [3]


class _Grid:
    """A collection with a 2-d nested list of keys, like an array's."""

    def __init__(self, rows: int, cols: int) -> None:
        from chunkarray.graph.graph import Graph
        from chunkarray.graph.layer import MaterializedLayer
        from chunkarray.graph.task import Task

        self.rows, self.cols = rows, cols
        tasks = {("g", i, j): Task(pow, i + 2, j + 1) for i in range(rows) for j in range(cols)}
        self.graph = Graph.from_layer(MaterializedLayer("g", tasks))

    def __chunkarray_graph__(self) -> Any:
        return self.graph

    def __chunkarray_keys__(self) -> list[list[Any]]:
        return [[("g", i, j) for j in range(self.cols)] for i in range(self.rows)]

    def __chunkarray_finalize__(self, results: list[list[int]]) -> tuple[Any, ...]:
        return ("grid", results)

    def __chunkarray_rebuild__(self, values: Any) -> Any:
        raise NotImplementedError


def test_collection_with_nested_keys_is_finalized_with_nested_results() -> None:
    grid = _Grid(2, 3)
    expected = ("grid", [[(i + 2) ** (j + 1) for j in range(3)] for i in range(2)])
    assert ca.compute(grid) == (expected,)
    assert ca.compute({"g": [grid]}, num_workers=2) == ({"g": [expected]},)
    assert delayed(lambda g: g[1][1][2])(grid).compute() == 27


# -- schedulers and settings ------------------------------------------------------------------


def _thread_ids(n: int = 16) -> list[Delayed]:
    @delayed
    def ident(i: int) -> int:
        time.sleep(0.003)  # slow enough that a threaded run spreads over its threads
        return threading.get_ident()

    return [ident(i) for i in range(n)]


def test_sync_scheduler_runs_in_the_calling_thread() -> None:
    # The control: a threaded run of the same graph does use other threads.
    (idents,) = ca.compute(_thread_ids(), scheduler="threads", num_workers=4)
    assert len(set(idents)) > 1
    (idents,) = ca.compute(_thread_ids(), scheduler="sync", num_workers=4)
    assert set(idents) == {threading.get_ident()}
    (idents,) = ca.compute(_thread_ids(), scheduler="single-threaded")
    assert set(idents) == {threading.get_ident()}


def test_one_worker_runs_in_the_calling_thread() -> None:
    (idents,) = ca.compute(_thread_ids(), num_workers=1)
    assert set(idents) == {threading.get_ident()}


def test_config_scheduler_setting_is_respected() -> None:
    with ca.config.set(scheduler="sync", num_workers=4):
        (idents,) = ca.compute(_thread_ids())
        assert set(idents) == {threading.get_ident()}
        assert delayed(threading.get_ident)().compute() == threading.get_ident()
    # The argument wins over the setting.
    with ca.config.set(scheduler="sync"):
        (idents,) = ca.compute(_thread_ids(), scheduler="threads", num_workers=2)
        assert len(set(idents)) == 2


def test_config_num_workers_setting_is_respected() -> None:
    with ca.config.set(num_workers=1):
        (idents,) = ca.compute(_thread_ids())
    assert set(idents) == {threading.get_ident()}


def test_unknown_scheduler_raises_value_error_naming_the_setting() -> None:
    a = delayed(inc)(1)
    with pytest.raises(ValueError, match="scheduler") as info:
        ca.compute(a, scheduler="no-such-scheduler")
    assert "no-such-scheduler" in str(info.value)
    with pytest.raises(ValueError, match="scheduler"):
        a.compute(scheduler="no-such-scheduler")


@pytest.mark.parametrize("bad", [0, -1, 2.5, "many", True])
def test_bad_num_workers_raises_value_error_naming_the_setting(bad: Any) -> None:
    a = delayed(inc)(1)
    with pytest.raises(ValueError, match="num_workers"):
        ca.compute(a, num_workers=bad)


def test_bad_settings_fail_before_anything_runs() -> None:
    calls: list[int] = []

    @delayed
    def counted(x: int) -> int:
        calls.append(x)
        return x

    with pytest.raises(ValueError):
        ca.compute(counted(1), num_workers=0)
    with pytest.raises(ValueError):
        ca.compute(counted(1), scheduler="bogus")
    assert calls == []


@pytest.mark.parametrize("num_workers", [1, 3])
def test_optimize_graph_false_gives_the_same_results(num_workers: int) -> None:
    x = delayed(inc)(1)
    chain = x
    for _ in range(20):
        chain = delayed(inc)(chain)
    both = delayed(sum)([chain, x * 3, delayed(inc)(x)])
    args = (both, [chain, {"x": x}])
    optimized = ca.compute(*args, num_workers=num_workers)
    plain = ca.compute(*args, num_workers=num_workers, optimize_graph=False)
    assert optimized == plain == ((22 + 6 + 3), [22, {"x": 2}])


def _runs_inside_fused_task() -> bool:
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code is Fused.execute.__code__:
            return True
        frame = frame.f_back
    return False


def _chain_reports_fusion() -> Delayed:
    start = delayed(inc)(1)
    return delayed(lambda _: _runs_inside_fused_task())(start)


def test_optimize_graph_fuses_linear_chains_unless_disabled() -> None:
    assert _chain_reports_fusion().compute(scheduler="sync") is True
    assert _chain_reports_fusion().compute(scheduler="sync", optimize_graph=False) is False


def test_optimize_graph_setting_is_respected() -> None:
    with ca.config.set(optimize_graph=False):
        assert _chain_reports_fusion().compute(scheduler="sync") is False
    with ca.config.set(optimize_graph=True):
        assert _chain_reports_fusion().compute(scheduler="sync") is True


def test_namedtuple_arguments_are_returned_unchanged_when_plain() -> None:
    Point = namedtuple("Point", "x y")
    p = Point(1, 2)
    assert ca.compute(p) == (p,)


def test_persist_mixture() -> None:
    a = delayed(inc)(1)
    pa, plain = ca.persist(a, 5)
    assert plain == 5
    assert isinstance(pa, Delayed)
    assert len(pa.__chunkarray_graph__()) == 1
    assert pa.compute() == 2
