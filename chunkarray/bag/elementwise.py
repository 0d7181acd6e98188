"""Element-wise steps: each one 1-d Blockwise layer (partition i from partitions i).

A chain of them (``map -> filter -> flatten -> ...``) is fused by the optimizer
into one task per partition, so no intermediate partition is kept between steps.
Bag arguments are zipped element by element; Items and Delayed values are
computed once and passed to every call; anything else is passed as it is.

>>> import chunkarray.bag as cab
>>> b = cab.from_sequence([1, 2, 3, 4], npartitions=2)
>>> b.map(lambda x, y: x * y, 10).remove(lambda x: x == 20).compute()
[10, 30, 40]
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from chunkarray.bag.core import Bag, Item
from chunkarray.bag.layers import check_bag, partitionwise, stepwise
from chunkarray.bag.partition import (
    FlattenStep, Layout, MapElements, MapPartitions, MapStep, OnPartition, PluckStep,
    SelectStep,
)
from chunkarray.errors import ChunkArrayTypeError
from chunkarray.graph.graph import Graph
from chunkarray.graph.task import Ref

__all__ = ["filter", "flatten", "map", "map_partitions", "pluck", "remove", "starmap"]

_NO_DEFAULT = object()


class Arguments:
    """Where each argument of a call comes from: a zipped bag or a literal."""

    def __init__(self, function: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.function = function
        self.bags: list[Bag] = []
        self.literals: list[Any] = []
        self.graphs: list[Graph] = []
        self.args: Layout = tuple(self._slot(a) for a in args)
        self.kwargs = tuple((k, self._slot(v)) for k, v in sorted(kwargs.items()))

    def _slot(self, value: Any) -> tuple[str, int]:
        if isinstance(value, Bag):
            for j, b in enumerate(self.bags):
                if b.name == value.name:
                    return ("bag", j)
            self.bags.append(value)
            return ("bag", len(self.bags) - 1)
        self.literals.append(self._literal(value))
        return ("lit", len(self.literals) - 1)

    def _literal(self, value: Any) -> Any:
        if isinstance(value, Item):
            self.graphs.append(value.__chunkarray_graph__())
            return Ref(value.key)
        from chunkarray.delayed import to_task_arg

        return to_task_arg(value, self.graphs)

    def token(self) -> Any:
        return (self.args, self.kwargs, [_key_view(v) for v in self.literals])


def _key_view(value: Any) -> Any:
    from chunkarray.delayed import _key_view as view

    return view(value)


def _check_callable(func: Any, function: str, argument: str = "func") -> None:
    if not callable(func):
        raise ChunkArrayTypeError(
            f"{function}: {argument} must be callable, got {type(func).__name__}"
        )


def _elementwise(bag: Bag, function: str, func: Callable[..., Any], args: tuple[Any, ...],
                 kwargs: dict[str, Any], star: bool = False) -> Bag:
    _check_callable(func, function)
    spec = Arguments(function, (bag, *args), kwargs)
    if len(spec.bags) == 1 and not spec.graphs:
        # One bag and plain literals: an element step of the bag's pipeline.
        step = MapStep(func, spec.args, spec.kwargs, tuple(spec.literals), star, function)
        return stepwise(function, bag, step)
    call = MapElements(func, spec.args, spec.kwargs, len(spec.bags), star=star, label=function)
    return partitionwise(function, call, spec.bags, spec.literals, spec.token(), spec.graphs)


def map(bag: Bag, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Bag:
    """Apply ``func`` to every element; bag arguments are zipped with this bag.

    Parameters
    ----------
    func : callable
    *args, **kwargs
        Bags (same number of partitions and elements: their elements are passed),
        Items or Delayed values (computed once, passed whole), or plain values.

    Examples
    --------
    >>> import chunkarray.bag as cab
    >>> a = cab.from_sequence([1, 2, 3], npartitions=2)
    >>> b = cab.from_sequence([10, 20, 30], npartitions=2)
    >>> a.map(lambda x, y, z: x + y + z, b, z=100).compute()
    [111, 122, 133]
    >>> a.map(lambda x, total: x / total, a.sum()).compute()
    [0.16666666666666666, 0.3333333333333333, 0.5]
    """
    check_bag(bag, "map")
    return _elementwise(bag, "map", func, args, kwargs)


def starmap(bag: Bag, func: Callable[..., Any], **kwargs: Any) -> Bag:
    """``func(*element, **kwargs)`` for every element (a tuple of arguments).

    >>> import chunkarray.bag as cab
    >>> cab.from_sequence([(1, 2), (3, 4)]).starmap(lambda a, b: a * b).compute()
    [2, 12]
    """
    check_bag(bag, "starmap")
    return _elementwise(bag, "starmap", func, (), kwargs, star=True)


def filter(bag: Bag, predicate: Callable[[Any], Any]) -> Bag:
    """The elements for which ``predicate(element)`` is true.

    >>> import chunkarray.bag as cab
    >>> cab.from_sequence(range(10), npartitions=3).filter(lambda x: x % 3 == 0).compute()
    [0, 3, 6, 9]
    """
    check_bag(bag, "filter")
    _check_callable(predicate, "filter", "predicate")
    return stepwise("filter", bag, SelectStep(predicate, True))


def remove(bag: Bag, predicate: Callable[[Any], Any]) -> Bag:
    """The elements for which ``predicate(element)`` is false.

    >>> import chunkarray.bag as cab
    >>> cab.from_sequence(range(5)).remove(lambda x: x % 2).compute()
    [0, 2, 4]
    """
    check_bag(bag, "remove")
    _check_callable(predicate, "remove", "predicate")
    return stepwise("remove", bag, SelectStep(predicate, False))


def map_partitions(bag: Bag, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Bag:
    """``func(partition, *args, **kwargs)`` on each whole partition (a list).

    Bag arguments pass their matching partition; the result may be any iterable.

    >>> import chunkarray.bag as cab
    >>> cab.from_sequence(range(6), npartitions=3).map_partitions(lambda p: [sum(p)]).compute()
    [1, 5, 9]
    """
    check_bag(bag, "map_partitions")
    _check_callable(func, "map_partitions")
    spec = Arguments("map_partitions", (bag, *args), kwargs)
    if len(spec.bags) == 1 and not spec.graphs and spec.args[0] == ("bag", 0):
        # The partition and plain literals: the terminal step of the bag's pipeline.
        call = OnPartition(func, spec.args, spec.kwargs, tuple(spec.literals))
        return stepwise("map_partitions", bag, terminal=call, whole=True)
    call = MapPartitions(func, spec.args, spec.kwargs, len(spec.bags))
    return partitionwise("map_partitions", call, spec.bags, spec.literals, spec.token(),
                         spec.graphs)


def flatten(bag: Bag) -> Bag:
    """The elements of every element (one level of nesting removed).

    >>> import chunkarray.bag as cab
    >>> cab.from_sequence([[1, 2], [], [3]]).flatten().compute()
    [1, 2, 3]
    """
    check_bag(bag, "flatten")
    return stepwise("flatten", bag, FlattenStep())


def pluck(bag: Bag, key: Any, default: Any = _NO_DEFAULT) -> Bag:
    """``element[key]`` of every element; a list of keys gives tuples.

    >>> import chunkarray.bag as cab
    >>> b = cab.from_sequence([{"a": 1, "b": 2}, {"a": 3}])
    >>> b.pluck("a").compute(), b.pluck("b", None).compute()
    ([1, 3], [2, None])
    >>> b.pluck(["a", "a"]).compute()
    [(1, 1), (3, 3)]
    """
    check_bag(bag, "pluck")
    step = PluckStep(key, None if default is _NO_DEFAULT else default,
                     default is not _NO_DEFAULT)
    return stepwise("pluck", bag, step)


def getter(key: Any, function: str, argument: str = "key") -> Callable[[Any], Any]:
    """A callable key, or ``element[key]`` for an index or field name."""
    if callable(key):
        return key  # type: ignore[no-any-return]
    if isinstance(key, list):
        return operator.itemgetter(*key)
    try:
        hash(key)
    except TypeError:
        raise ChunkArrayTypeError(
            f"{function}: {argument} must be callable or an index/field, got {key!r}"
        ) from None
    return operator.itemgetter(key)
