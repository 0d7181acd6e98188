"""Tests for chunkarray.graph.order: static priorities that finish what they start."""

from __future__ import annotations

from operator import add
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chunkarray.errors import GraphError
from chunkarray.graph.order import order
from chunkarray.graph.task import Literal, Ref, Task


def _check_invariant(tasks: dict[Any, Any], priority: dict[Any, int]) -> None:
    assert set(priority) == set(tasks)
    assert sorted(priority.values()) == list(range(len(tasks)))
    for key, task in tasks.items():
        for dep in task.dependencies:
            assert priority[key] > priority[dep], (key, dep)


def _run_in_priority_order(tasks: dict[Any, Any], priority: dict[Any, int]) -> tuple[dict, int]:
    """Sequential evaluation in priority order; also the peak number of results held."""
    dependents: dict[Any, int] = {k: 0 for k in tasks}
    for task in tasks.values():
        for d in task.dependencies:
            dependents[d] += 1
    values: dict[Any, Any] = {}
    held = peak = 0
    results = {}
    for key in sorted(tasks, key=priority.__getitem__):
        task = tasks[key]
        assert all(d in values for d in task.dependencies), key
        values[key] = results[key] = task.execute(values)
        held += 1
        peak = max(peak, held)
        for d in task.dependencies:
            dependents[d] -= 1
            if dependents[d] == 0:
                del values[d]
                held -= 1
    return results, peak


def _tree_sum(leaves: list[int]) -> tuple[dict[Any, Any], Any, list[list[Any]]]:
    tasks: dict[Any, Any] = {("leaf", i): Literal(v) for i, v in enumerate(leaves)}
    level = [("leaf", i) for i in range(len(leaves))]
    levels = [level]
    depth = 0
    while len(level) > 1:
        nxt = []
        for j in range(0, len(level), 2):
            key = ("combine", depth, j // 2)
            pair = [Ref(k) for k in level[j : j + 2]]
            tasks[key] = Task(sum, pair)
            nxt.append(key)
        level = nxt
        levels.append(level)
        depth += 1
    return tasks, level[0], levels


# -- small worked cases -----------------------------------------------------------------------


def test_docstring_example() -> None:
    tasks = {"a": Literal(1), "b": Literal(2), "c": Task(add, Ref("a"), Ref("b"))}
    assert order(tasks, ["c"]) == {"a": 0, "b": 1, "c": 2}


def test_binary_tree_finishes_a_branch_before_starting_the_next() -> None:
    tasks, root, levels = _tree_sum(list(range(16)))
    priority = order(tasks, [root])
    _check_invariant(tasks, priority)
    leaves = levels[0]
    first_combine = ("combine", 0, 0)
    # Leaves 0 and 1 are combined before leaf 2 is read ...
    assert priority[first_combine] < min(priority[k] for k in leaves[2:])
    # ... and the whole left half is reduced before the right half starts.
    left_root, right_half = ("combine", 2, 0), leaves[8:]
    assert priority[left_root] < min(priority[k] for k in right_half)
    assert [priority[k] for k in leaves] == sorted(priority[k] for k in leaves)
    results, peak = _run_in_priority_order(tasks, priority)
    assert results[root] == sum(range(16))
    # Depth first, a 16-leaf binary tree (depth 4) holds at most one pending result per
    # level plus the two inputs and the output of the combine running now.
    assert peak <= (len(levels) - 1) + 2


@settings(max_examples=50, deadline=None, database=None)
@given(n=st.integers(1, 64), fan=st.integers(2, 5))
def test_tree_reduction_memory_stays_logarithmic(n: int, fan: int) -> None:
    tasks: dict[Any, Any] = {("x", i): Literal(i) for i in range(n)}
    level = [("x", i) for i in range(n)]
    depth = 0
    while len(level) > 1:
        nxt = []
        for j in range(0, len(level), fan):
            key = ("agg", depth, j // fan)
            tasks[key] = Task(sum, [Ref(k) for k in level[j : j + fan]])
            nxt.append(key)
        level, depth = nxt, depth + 1
    priority = order(tasks, level)
    _check_invariant(tasks, priority)
    results, peak = _run_in_priority_order(tasks, priority)
    assert results[level[0]] == sum(range(n))
    assert peak <= depth * (fan - 1) + 2


def test_outputs_are_finished_in_the_order_given() -> None:
    tasks: dict[Any, Any] = {}
    for name in ("a", "b"):
        tasks[(name, 0)] = Literal(1)
        for i in range(1, 5):
            tasks[(name, i)] = Task(add, Ref((name, i - 1)), 1)
    priority = order(tasks, [("b", 4), ("a", 4)])
    _check_invariant(tasks, priority)
    assert max(priority[("b", i)] for i in range(5)) < min(priority[("a", i)] for i in range(5))
    priority = order(tasks, [("a", 4), ("b", 4)])
    assert max(priority[("a", i)] for i in range(5)) < min(priority[("b", i)] for i in range(5))


def test_dependencies_are_visited_in_numeric_key_order() -> None:
    tasks: dict[Any, Any] = {("x", i): Literal(i) for i in range(12)}
    tasks["total"] = Task(sum, [Ref(("x", i)) for i in (5, 11, 0, 2, 10, 1, 3, 4, 9, 6, 8, 7)])
    priority = order(tasks, ["total"])
    assert [priority[("x", i)] for i in range(12)] == list(range(12))
    assert priority["total"] == 12


def test_tasks_not_needed_by_outputs_still_get_priorities() -> None:
    tasks = {"a": Literal(1), "b": Task(add, Ref("a"), 1), "extra": Task(add, Ref("a"), 2)}
    priority = order(tasks, ["b"])
    _check_invariant(tasks, priority)
    assert priority["b"] < priority["extra"]


def test_order_is_deterministic() -> None:
    tasks, root, _ = _tree_sum(list(range(10)))
    assert order(tasks, [root]) == order(dict(reversed(list(tasks.items()))), [root])


def test_long_chain_does_not_recurse() -> None:
    n = 20_000
    tasks: dict[Any, Any] = {0: Literal(0)}
    for k in range(1, n):
        tasks[k] = Task(add, Ref(k - 1), 1)
    priority = order(tasks, [n - 1])
    assert priority == {k: k for k in range(n)}


def test_wide_fan_in() -> None:
    n = 5000
    tasks: dict[Any, Any] = {("x", i): Literal(i) for i in range(n)}
    tasks["total"] = Task(sum, [Ref(("x", i)) for i in range(n)])
    priority = order(tasks, ["total"])
    _check_invariant(tasks, priority)
    assert priority["total"] == n


# -- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tasks", "outputs"),
    [
        ({"a": Task(add, Ref("a"), 1)}, ["a"]),
        ({"a": Task(add, Ref("b"), 1), "b": Task(add, Ref("a"), 1)}, ["a"]),
        ({"a": Task(add, Ref("b"), 1), "b": Task(add, Ref("c"), 1), "c": Task(add, Ref("a"), 1),
          "z": Literal(0)}, ["z"]),
        ({"r": Literal(0), "a": Task(add, Ref("r"), Ref("c")), "b": Task(add, Ref("a"), 1),
          "c": Task(add, Ref("b"), 1), "out": Task(add, Ref("a"), Ref("r"))}, ["out"]),
    ],
)
def test_cycle_raises_graph_error(tasks: dict[str, Any], outputs: list[str]) -> None:
    with pytest.raises(GraphError, match="cycle"):
        order(tasks, outputs)
    with pytest.raises(ValueError):
        order(tasks, outputs)


def test_missing_dependency_or_output_raises_graph_error() -> None:
    with pytest.raises(GraphError, match="'gone'"):
        order({"a": Task(add, Ref("gone"), 1)}, ["a"])
    with pytest.raises(GraphError, match="'nope'"):
        order({"a": Literal(1)}, ["nope"])


# -- random DAGs ------------------------------------------------------------------------------


@st.composite
def _dags(draw: st.DrawFn) -> tuple[dict[Any, Any], list[Any]]:
    n = draw(st.integers(1, 40))
    # Keys whose sort order is unrelated to the topological order.
    labels = draw(st.permutations(range(n)))
    keys = [("t", label) if label % 3 else f"k{label}" for label in labels]
    tasks: dict[Any, Any] = {}
    for i, key in enumerate(keys):
        deps = draw(st.lists(st.integers(0, i - 1), max_size=4, unique=True)) if i else []
        tasks[key] = Task(sum, [Ref(keys[d]) for d in deps] + [i])
    outputs = draw(st.lists(st.sampled_from(keys), min_size=1, max_size=5, unique=True))
    return tasks, outputs


def _sequential(tasks: dict[Any, Any]) -> dict[Any, Any]:
    """Plain recursive-free evaluation in insertion order (dependencies come first)."""
    values: dict[Any, Any] = {}
    for key, task in tasks.items():
        values[key] = task.execute(values)
    return values


@settings(max_examples=60, deadline=None, database=None)
@given(dag=_dags())
def test_random_dags_respect_dependencies(dag: tuple[dict[Any, Any], list[Any]]) -> None:
    tasks, outputs = dag
    priority = order(tasks, outputs)
    _check_invariant(tasks, priority)
    assert order(tasks, outputs) == priority
    # The first output's ancestors come first: the walk starts there.
    first = outputs[0]
    ancestors = {first}
    stack = [first]
    while stack:
        for d in tasks[stack.pop()].dependencies:
            if d not in ancestors:
                ancestors.add(d)
                stack.append(d)
    assert sorted(priority[k] for k in ancestors) == list(range(len(ancestors)))
    results, _ = _run_in_priority_order(tasks, priority)
    assert results == _sequential(tasks)
