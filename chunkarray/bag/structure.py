"""Bags from bags: take, zip, concat, repartition, product, to_delayed.

>>> import chunkarray.bag as cab
>>> a = cab.from_sequence([1, 2, 3], npartitions=2)
>>> cab.concat([a, a]).repartition(3).compute()
[1, 2, 3, 1, 2, 3]
>>> cab.zip(a, a.map(str)).compute()
[(1, '1'), (2, '2'), (3, '3')]
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Sequence
from functools import partial
from typing import Any

from chunkarray.bag.core import Bag
from chunkarray.bag.layers import (
    check_bag, check_npartitions, new_bag, partitionwise, stepwise,
)
from chunkarray.bag.creation import split_evenly
from chunkarray.bag.partition import MapElements
from chunkarray.errors import ChunkArrayTypeError, ChunkArrayValueError, ChunkArrayWarning
from chunkarray.graph.graph import Graph
from chunkarray.graph.layer import MaterializedLayer
from chunkarray.graph.task import Alias, Ref, Task
from chunkarray.tokenize import name as make_name

__all__ = ["concat", "product", "repartition", "take", "to_delayed", "zip"]


def _take(n: int, parts: list[list[Any]]) -> list[Any]:
    return list(itertools.islice(itertools.chain.from_iterable(parts), n))


_take.__name__ = "take"


def _take_stream(k: int, elements: Any) -> list[Any]:
    return list(itertools.islice(elements, k))


_take_stream.__name__ = "take"


def take(bag: Bag, k: int, npartitions: int = 1, compute: bool = True,
         warn: bool = True) -> Any:
    """The first ``k`` elements, reading only the first ``npartitions`` partitions.

    Parameters
    ----------
    k : int
    npartitions : int
        How many leading partitions to read (-1: all of them).
    compute : bool
        Return the elements as a tuple (default) or a lazy one-partition bag.
    warn : bool
        Warn when the partitions read hold fewer than ``k`` elements.

    Examples
    --------
    >>> import chunkarray.bag as cab
    >>> cab.from_sequence(range(100), npartitions=10).take(3)
    (0, 1, 2)
    """
    check_bag(bag, "take")
    if isinstance(k, bool) or not isinstance(k, int) or k < 0:
        raise ChunkArrayValueError(f"take: k must be an int >= 0, got {k!r}")
    if npartitions == -1:
        npartitions = bag.npartitions
    check_npartitions(npartitions, "take")
    if npartitions > bag.npartitions:
        raise ChunkArrayValueError(
            f"take: npartitions={npartitions} is more than the bag's {bag.npartitions}"
        )
    name = make_name("take", bag.name, k, npartitions)
    stem = bag._stem
    if npartitions == 1 and stem is not None and stem.pipeline.is_open:
        # Stop the first partition's stream after k elements: the rest never runs.
        head = stepwise("take", bag, terminal=partial(_take_stream, k))
        layer = MaterializedLayer(name, {(name, 0): Alias((head.name, 0))})
        result = Bag(Graph.from_layer(layer, head.graph), name, 1)
    else:
        refs = [Ref((bag.name, i)) for i in range(npartitions)]
        layer = MaterializedLayer(name, {(name, 0): Task(_take, k, refs)})
        result = Bag(Graph.from_layer(layer, bag.graph), name, 1)
    if not compute:
        return result
    values = tuple(result.compute())
    if warn and len(values) < k:
        warnings.warn(
            f"take: asked for {k} elements, the first {npartitions} partition(s) hold only "
            f"{len(values)}; pass npartitions=-1 to read them all", ChunkArrayWarning,
            stacklevel=2,
        )
    return values


def _row(*values: Any) -> tuple[Any, ...]:
    return values


_row.__name__ = "zip"


def zip(*bags: Bag) -> Bag:
    """A bag of tuples of the elements of several bags, partition by partition.

    The bags need the same number of partitions, and of elements in each.

    >>> import chunkarray.bag as cab
    >>> a = cab.from_sequence([1, 2]); b = cab.from_sequence("xy")
    >>> cab.zip(a, b).compute()
    [(1, 'x'), (2, 'y')]
    """
    if not bags:
        raise ChunkArrayValueError("zip: expected at least one bag")
    for i, b in enumerate(bags):
        check_bag(b, "zip", f"argument {i}")
    unique = list({b.name: b for b in bags}.values())
    index = {b.name: j for j, b in enumerate(unique)}
    layout = tuple(("bag", index[b.name]) for b in bags)
    func = MapElements(_row, layout, (), len(unique), label="zip")
    return partitionwise("zip", func, unique)


def concat(bags: Sequence[Bag]) -> Bag:
    """The partitions of several bags one after the other.

    >>> import chunkarray.bag as cab
    >>> cab.concat([cab.from_sequence([1]), cab.from_sequence([2, 3])]).compute()
    [1, 2, 3]
    """
    if isinstance(bags, Bag) or not isinstance(bags, (list, tuple)) or not bags:
        raise ChunkArrayTypeError(f"concat: expected a non-empty list of bags, got {bags!r}")
    for i, b in enumerate(bags):
        check_bag(b, "concat", f"bags[{i}]")
    name = make_name("concat", [b.name for b in bags])
    keys = [(b.name, i) for b in bags for i in range(b.npartitions)]
    tasks = {(name, j): Alias(k) for j, k in enumerate(keys)}
    return new_bag(MaterializedLayer(name, tasks), len(keys), *(b.graph for b in bags))


def _join(parts: list[list[Any]]) -> list[Any]:
    return list(itertools.chain.from_iterable(parts))


_join.__name__ = "repartition"


def _piece(part: list[Any], p: int, pieces: int) -> list[Any]:
    bounds = split_evenly(len(part), pieces)[p]
    return part[bounds[0]:bounds[1]]


_piece.runs_inline = True  # type: ignore[attr-defined]  # a slice: not worth a process
_piece.__name__ = "repartition"


def repartition(bag: Bag, npartitions: int) -> Bag:
    """The same elements, in the same order, in ``npartitions`` partitions.

    Fewer partitions join neighbours; more cut each partition into nearly equal
    pieces (so partition sizes follow the input's).

    >>> import chunkarray.bag as cab
    >>> b = cab.from_sequence(range(6), npartitions=2).repartition(4)
    >>> b.npartitions, b.compute()
    (4, [0, 1, 2, 3, 4, 5])
    """
    check_bag(bag, "repartition")
    n = check_npartitions(npartitions, "repartition")
    if n == bag.npartitions:
        return bag
    name = make_name("repartition", bag.name, n)
    tasks: dict[Any, Any] = {}
    if n < bag.npartitions:
        for j, (a, b) in enumerate(split_evenly(bag.npartitions, n)):
            tasks[(name, j)] = Task(_join, [Ref((bag.name, i)) for i in range(a, b)])
    else:
        j = 0
        for i, (a, b) in enumerate(split_evenly(n, bag.npartitions)):
            for p in range(b - a):
                tasks[(name, j)] = Task(_piece, Ref((bag.name, i)), p, b - a)
                j += 1
    return new_bag(MaterializedLayer(name, tasks), n, bag.graph)


def _cross(a: list[Any], b: list[Any]) -> list[tuple[Any, Any]]:
    return list(itertools.product(a, b))


_cross.__name__ = "product"


def product(bag: Bag, other: Bag) -> Bag:
    """Every pair ``(a, b)`` of an element of this bag and one of ``other``.

    Partition ``i * other.npartitions + j`` pairs partition ``i`` with ``j``.

    >>> import chunkarray.bag as cab
    >>> cab.from_sequence([1, 2]).product(cab.from_sequence("ab")).compute()
    [(1, 'a'), (1, 'b'), (2, 'a'), (2, 'b')]
    """
    check_bag(bag, "product")
    check_bag(other, "product", "other")
    name = make_name("product", bag.name, other.name)
    tasks = {}
    for i in range(bag.npartitions):
        for j in range(other.npartitions):
            tasks[(name, i * other.npartitions + j)] = Task(
                _cross, Ref((bag.name, i)), Ref((other.name, j)))
    return new_bag(MaterializedLayer(name, tasks), bag.npartitions * other.npartitions,
                   bag.graph, other.graph)


def to_delayed(bag: Bag, optimize_graph: bool = True) -> list[Any]:
    """One :class:`~chunkarray.Delayed` per partition (each a list).

    >>> import chunkarray.bag as cab
    >>> parts = cab.from_sequence(range(4), npartitions=2).map(str).to_delayed()
    >>> [p.compute() for p in parts]
    [['0', '1'], ['2', '3']]
    """
    from chunkarray.delayed import Delayed
    from chunkarray.graph.optimize import fuse_blockwise

    check_bag(bag, "to_delayed")
    graph = fuse_blockwise(bag.graph, keep={bag.name}) if optimize_graph else bag.graph
    return [Delayed((bag.name, i), graph) for i in range(bag.npartitions)]

