"""Static task priorities: finish what was started before starting anything new.

Policy: a depth-first walk from the requested keys, in their order, numbering each
task after all of its dependencies (post-order). Lower numbers run first. So the
first output's whole branch is computed before the second's starts; in a tree
reduction, two leaves are combined before the next leaves are read, and their
memory is released early. Dependencies are visited in key order, which puts
neighbouring chunks together.

Invariant: every task's priority is greater than each of its dependencies'.
A cycle is found here, before anything runs, and raises GraphError.

>>> from chunkarray.graph.task import Literal, Task, Ref
>>> from operator import add
>>> tasks = {"a": Literal(1), "b": Literal(2), "c": Task(add, Ref("a"), Ref("b"))}
>>> order(tasks, ["c"])
{'a': 0, 'b': 1, 'c': 2}
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any

from chunkarray.errors import GraphError
from chunkarray.typing import Key


def _sort_key(key: Hashable) -> tuple[str, tuple[Any, ...]]:
    if type(key) is tuple:
        return (str(key[0]), key[1:])
    return (str(key), ())


def order(tasks: Mapping[Key, Any], outputs: Iterable[Key]) -> dict[Key, int]:
    """Priority of every task in ``tasks`` (0 runs first); GraphError on a cycle
    or a dependency missing from ``tasks``."""
    priority: dict[Key, int] = {}
    on_path: set[Key] = set()
    roots = list(outputs) + [k for k in tasks]
    for root in roots:
        if root in priority:
            continue
        _walk(root, tasks, priority, on_path)
    return priority


def _walk(root: Key, tasks: Mapping[Key, Any], priority: dict[Key, int], on_path: set[Key]) -> None:
    stack: list[tuple[Key, list[Key]]] = [(root, _children(root, tasks))]
    on_path.add(root)
    while stack:
        key, children = stack[-1]
        while children and children[-1] in priority:
            children.pop()
        if not children:
            stack.pop()
            on_path.discard(key)
            priority[key] = len(priority)
            continue
        child = children.pop()
        if child in on_path:
            raise GraphError(f"the graph has a cycle through key {child!r}")
        on_path.add(child)
        stack.append((child, _children(child, tasks)))


def _children(key: Key, tasks: Mapping[Key, Any]) -> list[Key]:
    try:
        deps = tasks[key].dependencies
    except KeyError:
        raise GraphError(f"the graph has no task for key {key!r}") from None
    if not deps:
        return []
    if len(deps) == 1:
        return list(deps)
    # Reversed so that pop() visits them in key order.
    return sorted(deps, key=_sort_key, reverse=True)
