"""What runs on one partition: element steps, pipelines of them, zipped maps.

Policy
------
An element step (``MapStep``, ``SelectStep``, ``FlattenStep``, ``PluckStep``) turns
an iterable of elements into a lazy iterable. A :class:`Pipeline` is the function
of one 1-d Blockwise layer: a head (the partition it reads, or a reader such as
``read_text``'s) followed by element steps, and optionally a terminal step (the
per-partition part of a reduction, ``groupby``'s split, ``map_partitions``).
``b.map(f).filter(g).frequencies()`` builds one pipeline, so each partition
streams through ``f``, ``g`` and the counter without any intermediate list: in
CPython, building a list of millions of small objects costs more than the work
itself (allocation and garbage-collector passes). A pipeline without a terminal
step returns a list: a task's value is always a materialized partition.

The price: a bag that two later steps extend is recomputed for each of them when
both are computed together (``persist`` it first to compute it once).

Everything here is picklable (the process pool ships it) and has a deterministic
token (``__chunkarray_tokenize__``).

>>> p = Pipeline(None, (MapStep(lambda x: x * 10), SelectStep(lambda x: x > 10)))
>>> p([1, 2, 3])
[20, 30]
>>> p.then(None, terminal=sum)([1, 2, 3])
50
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

Layout = tuple[tuple[str, int], ...]
KwLayout = tuple[tuple[str, tuple[str, int]], ...]


def as_list(value: Any) -> list[Any]:
    """A partition as a list (a function may return any iterable)."""
    return value if type(value) is list else list(value)


class _Picklable:
    """A readable name, a deterministic token and pickling by state."""

    __name__ = "partition"

    def _state(self) -> tuple[Any, ...]:
        raise NotImplementedError

    def __chunkarray_tokenize__(self) -> Any:
        return (type(self).__name__, *self._state())

    def __reduce__(self) -> Any:
        return (type(self), self._state())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.__name__})"


class MapStep(_Picklable):
    """``func(element, *literals, **literals)`` (``func(*element)`` when ``star``)."""

    def __init__(self, func: Callable[..., Any], args: Layout = (("bag", 0),),
                 kwargs: KwLayout = (), literals: tuple[Any, ...] = (), star: bool = False,
                 label: str = "map") -> None:
        self.func, self.args, self.kwargs, self.literals = func, args, kwargs, literals
        self.star, self.label = star, label
        self.__name__ = label

    def _state(self) -> tuple[Any, ...]:
        return (self.func, self.args, self.kwargs, self.literals, self.star, self.label)

    def stream(self, elements: Iterable[Any]) -> Iterator[Any]:
        func, lits = self.func, self.literals
        if self.args == (("bag", 0),) and not self.kwargs:
            return itertools.starmap(func, elements) if self.star else map(func, elements)
        kw = {k: lits[i] for k, (_, i) in self.kwargs}
        return (func(*self._args(x), **kw) for x in elements)

    def _args(self, x: Any) -> list[Any]:
        args = [x if kind == "bag" else self.literals[i] for kind, i in self.args]
        return [*args[0], *args[1:]] if self.star else args


class SelectStep(_Picklable):
    """The elements for which ``predicate`` is true (false when ``keep`` is False)."""

    def __init__(self, predicate: Callable[[Any], Any], keep: bool = True) -> None:
        self.predicate, self.keep = predicate, keep
        self.__name__ = "filter" if keep else "remove"

    def _state(self) -> tuple[Any, ...]:
        return (self.predicate, self.keep)

    def stream(self, elements: Iterable[Any]) -> Iterator[Any]:
        if self.keep:
            return filter(self.predicate, elements)
        return itertools.filterfalse(self.predicate, elements)


class FlattenStep(_Picklable):
    """The elements of every element, in order."""

    __name__ = "flatten"

    def _state(self) -> tuple[Any, ...]:
        return ()

    def stream(self, elements: Iterable[Any]) -> Iterator[Any]:
        return itertools.chain.from_iterable(elements)


class PluckStep(_Picklable):
    """``element[key]`` of every element (a list of keys gives tuples)."""

    __name__ = "pluck"

    def __init__(self, key: Any, default: Any, has_default: bool) -> None:
        self.key, self.default, self.has_default = key, default, has_default

    def _state(self) -> tuple[Any, ...]:
        return (self.key, self.default, self.has_default)

    def _get(self, element: Any, key: Any) -> Any:
        if not self.has_default:
            return element[key]
        try:
            return element[key]
        except (KeyError, IndexError):
            return self.default

    def stream(self, elements: Iterable[Any]) -> Iterator[Any]:
        key = self.key
        if type(key) is list:
            return (tuple(self._get(x, k) for k in key) for x in elements)
        if not self.has_default:
            return (x[key] for x in elements)
        return (self._get(x, key) for x in elements)


class Pipeline(_Picklable):
    """``head(*inputs)`` (or the input partition), element steps, then a terminal step.

    ``whole`` asks for the terminal step to receive a list (user functions that
    call ``len`` or index the partition) rather than a lazy iterable.
    """

    def __init__(self, head: Callable[..., Any] | None, steps: tuple[Any, ...] = (),
                 terminal: Callable[[Any], Any] | None = None, whole: bool = False) -> None:
        self.head, self.steps, self.terminal, self.whole = head, steps, terminal, whole
        parts = [getattr(head, "__name__", "")] if head is not None else []
        parts += [s.__name__ for s in steps]
        if terminal is not None:
            parts.append(getattr(terminal, "__name__", None) or _label(terminal))
        self.__name__ = "-".join(reversed([p for p in parts if p])) or "partition"

    def _state(self) -> tuple[Any, ...]:
        return (self.head, self.steps, self.terminal, self.whole)

    @property
    def is_open(self) -> bool:
        """True if more element steps may follow (no terminal step yet)."""
        return self.terminal is None

    def then(self, step: Any, terminal: Callable[[Any], Any] | None = None,
             whole: bool = False) -> Pipeline:
        """This pipeline followed by an element ``step`` and/or a ``terminal`` step."""
        steps = self.steps if step is None else (*self.steps, step)
        return Pipeline(self.head, steps, terminal, whole)

    def __call__(self, *inputs: Any) -> Any:
        value = inputs[0] if self.head is None else self.head(*inputs)
        for step in self.steps:
            value = step.stream(value)
        if self.terminal is None:
            return as_list(value)
        return self.terminal(as_list(value) if self.whole else value)


def _label(func: Any) -> str:
    from chunkarray.graph.task import func_label

    return func_label(func)


class MapElements(_Picklable):
    """``[func(*args, **kwargs) for each row]`` with several bag partitions zipped.

    The layout says where each argument comes from: ``("bag", j)`` is the element
    of input bag ``j``, ``("lit", k)`` is literal input ``k`` (inputs follow the
    bag partitions). Used when a pipeline cannot be (several bags, or Items).

    >>> m = MapElements(lambda x, y: x + y, (("bag", 0), ("lit", 0)), (), 1)
    >>> m([1, 2, 3], 10)
    [11, 12, 13]
    """

    def __init__(self, func: Callable[..., Any], args: Layout, kwargs: KwLayout, nbags: int,
                 star: bool = False, label: str = "map") -> None:
        self.func, self.args, self.kwargs, self.nbags = func, args, kwargs, nbags
        self.star, self.label = star, label
        self.__name__ = label

    def _state(self) -> tuple[Any, ...]:
        return (self.func, self.args, self.kwargs, self.nbags, self.star, self.label)

    def __call__(self, *inputs: Any) -> list[Any]:
        func = self.func
        parts, lits = inputs[: self.nbags], inputs[self.nbags:]
        kwargs_lit = {k: lits[i] for k, (kind, i) in self.kwargs if kind == "lit"}
        kwargs_bag = [(k, i) for k, (kind, i) in self.kwargs if kind == "bag"]
        out = []
        for row in zip(*parts, strict=True):
            args = [row[i] if kind == "bag" else lits[i] for kind, i in self.args]
            if self.star:
                args = [*args[0], *args[1:]]
            kw = {**kwargs_lit, **{k: row[i] for k, i in kwargs_bag}} if self.kwargs else {}
            out.append(func(*args, **kw))
        return out


class MapPartitions(_Picklable):
    """``func(*partitions_and_literals, **kwargs)`` once per partition, as a list."""

    def __init__(self, func: Callable[..., Any], args: Layout, kwargs: KwLayout,
                 nbags: int) -> None:
        self.func, self.args, self.kwargs, self.nbags = func, args, kwargs, nbags
        self.__name__ = getattr(func, "__name__", "map_partitions")

    def _state(self) -> tuple[Any, ...]:
        return (self.func, self.args, self.kwargs, self.nbags)

    def __call__(self, *inputs: Any) -> list[Any]:
        parts, lits = inputs[: self.nbags], inputs[self.nbags:]

        def pick(kind: str, i: int) -> Any:
            return parts[i] if kind == "bag" else lits[i]

        args = [pick(kind, i) for kind, i in self.args]
        kwargs = {k: pick(kind, i) for k, (kind, i) in self.kwargs}
        return as_list(self.func(*args, **kwargs))


class OnPartition(_Picklable):
    """``func(partition, *literals, **literals)`` as a pipeline's terminal step."""

    def __init__(self, func: Callable[..., Any], args: Layout, kwargs: KwLayout,
                 literals: tuple[Any, ...]) -> None:
        self.func, self.args, self.kwargs, self.literals = func, args, kwargs, literals
        self.__name__ = getattr(func, "__name__", "map_partitions")

    def _state(self) -> tuple[Any, ...]:
        return (self.func, self.args, self.kwargs, self.literals)

    def __call__(self, part: list[Any]) -> list[Any]:
        lits = self.literals
        args = [part if kind == "bag" else lits[i] for kind, i in self.args]
        kwargs = {k: part if kind == "bag" else lits[i] for k, (kind, i) in self.kwargs}
        return as_list(self.func(*args, **kwargs))
