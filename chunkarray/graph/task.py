"""Tasks: a function with arguments that may reference other keys.

A :class:`Task` is the unit the scheduler runs. Its arguments are literals,
:class:`Ref` objects naming another key, nested ``list``/``tuple``/``dict``
containers of those, or other :class:`Task` objects run inline. Dependencies are
found once, when the task is made.

>>> from operator import add
>>> t = Task(add, Ref("x"), 1)
>>> sorted(t.dependencies)
['x']
>>> t.execute({"x": 41})
42
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from chunkarray.typing import Key

_CONTAINERS = (list, tuple, dict)


class Ref:
    """A reference to the value of another key inside a task's arguments."""

    __slots__ = ("key",)

    def __init__(self, key: Key) -> None:
        self.key = key

    def __repr__(self) -> str:
        return f"Ref({self.key!r})"

    def __eq__(self, other: object) -> bool:
        return type(other) is Ref and other.key == self.key

    def __hash__(self) -> int:
        return hash(("Ref", self.key))

    def __reduce__(self) -> tuple[Any, ...]:
        return (Ref, (self.key,))


def find_refs(value: Any, found: set[Key]) -> bool:
    """Add every key referenced inside ``value`` to ``found``.

    Returns True if ``value`` needs substitution (holds a Ref or a Task).
    """
    tp = type(value)
    if tp is Ref:
        found.add(value.key)
        return True
    if tp is Task or isinstance(value, Task):
        found.update(value.dependencies)
        return True
    if tp in _CONTAINERS:
        items = value.values() if tp is dict else value
        needs = False
        for item in items:
            if find_refs(item, found):
                needs = True
        return needs
    return False


def substitute(value: Any, values: Mapping[Key, Any]) -> Any:
    """Replace Refs by their values and run inline Tasks, recursively."""
    tp = type(value)
    if tp is Ref:
        return values[value.key]
    if tp is Task or isinstance(value, Task):
        return value.execute(values)
    if tp is list:
        return [substitute(v, values) for v in value]
    if tp is tuple:
        return tuple(substitute(v, values) for v in value)
    if tp is dict:
        return {k: substitute(v, values) for k, v in value.items()}
    return value


class Task:
    """``func(*args, **kwargs)`` where arguments may reference other keys.

    Immutable by convention; ``dependencies`` is the frozenset of referenced keys.
    """

    __slots__ = ("func", "args", "kwargs", "dependencies", "_plain")

    def __init__(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.func = func
        self.args = args
        self.kwargs = kwargs
        found: set[Key] = set()
        needs = False
        for a in args:
            if find_refs(a, found):
                needs = True
        if kwargs and find_refs(kwargs, found):
            needs = True
        self.dependencies = frozenset(found)
        # A task whose arguments hold no Ref nor Task is called as it is.
        self._plain = not needs

    def execute(self, values: Mapping[Key, Any]) -> Any:
        if self._plain:
            return self.func(*self.args, **self.kwargs)
        args = [substitute(a, values) for a in self.args]
        if self.kwargs:
            return self.func(*args, **substitute(self.kwargs, values))
        return self.func(*args)

    @property
    def label(self) -> str:
        """The function's name, for pictures and progress reports."""
        return func_label(self.func)

    def __repr__(self) -> str:
        args = ", ".join(repr(a) for a in self.args)
        return f"Task({self.label}, {args})"


class Literal:
    """A task that returns a fixed value (data held in the graph)."""

    __slots__ = ("value",)
    dependencies: frozenset[Key] = frozenset()
    label = "literal"
    is_data = True  # drawn as data, not as a call

    def __init__(self, value: Any) -> None:
        self.value = value

    def execute(self, values: Mapping[Key, Any]) -> Any:
        return self.value

    def __repr__(self) -> str:
        return f"Literal({type(self.value).__name__})"


class Alias:
    """A task whose value is the value of another key."""

    __slots__ = ("target", "dependencies")
    label = "alias"

    def __init__(self, target: Key) -> None:
        self.target = target
        self.dependencies = frozenset((target,))

    def execute(self, values: Mapping[Key, Any]) -> Any:
        return values[self.target]

    def __repr__(self) -> str:
        return f"Alias({self.target!r})"


class Fused:
    """Several tasks run as one: ``steps`` in order, returning the last one's value.

    Keys produced inside are visible to later steps only; ``dependencies`` are the
    keys read from outside. Made by the optimizer's fusions.
    """

    __slots__ = ("steps", "dependencies", "label")

    def __init__(self, steps: list[tuple[Key, Any]]) -> None:
        self.steps = steps
        inner = {k for k, _ in steps}
        deps: set[Key] = set()
        for _, task in steps:
            deps.update(task.dependencies)
        self.dependencies = frozenset(deps - inner)
        self.label = "-".join(dict.fromkeys(task_label(t) for _, t in reversed(steps)))

    def execute(self, values: Mapping[Key, Any]) -> Any:
        local = _Overlay(values)
        result = None
        for key, task in self.steps:
            try:
                result = task.execute(local)
            except BaseException as exc:
                if not hasattr(exc, "_chunkarray_key"):
                    try:
                        exc._chunkarray_key = key  # type: ignore[union-attr]
                    except AttributeError:
                        pass
                raise
            local.own[key] = result
        return result

    def __repr__(self) -> str:
        return f"Fused({self.label}, {len(self.steps)} steps)"


class _Overlay(Mapping[Key, Any]):
    """Local values first, then the scheduler's values."""

    __slots__ = ("own", "outer")

    def __init__(self, outer: Mapping[Key, Any]) -> None:
        self.own: dict[Key, Any] = {}
        self.outer = outer

    def __getitem__(self, key: Key) -> Any:
        try:
            return self.own[key]
        except KeyError:
            return self.outer[key]

    def __iter__(self) -> Any:
        return iter({**dict.fromkeys(self.outer), **self.own})

    def __len__(self) -> int:
        return len(set(self.own) | set(self.outer))


def func_label(func: Any) -> str:
    """A short readable name for a callable (``partial`` unwrapped)."""
    while hasattr(func, "func") and not hasattr(func, "__name__"):
        func = func.func
    return getattr(func, "__name__", type(func).__name__)


def task_label(task: Any) -> str:
    """The readable name of any runnable."""
    return getattr(task, "label", type(task).__name__)
