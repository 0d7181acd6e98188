"""Aggregations of a bag: tree reductions (``split_every`` partials per step).

Each is a per-partition function (a Blockwise layer that fuses with the element-
wise steps before it), a combine over groups of partials and a finishing step.
Scalars come back as an :class:`~chunkarray.bag.core.Item`; ``distinct``,
``frequencies`` and ``topk`` return a bag of one partition.

>>> import chunkarray.bag as cab
>>> b = cab.from_sequence([3, 1, 4, 1, 5, 9, 2, 6], npartitions=4)
>>> b.max().compute(), b.count().compute(), b.mean().compute()
(9, 8, 3.875)
>>> sorted(b.frequencies().compute())[:2]
[(1, 2), (2, 1)]
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from chunkarray.bag import aggregates as agg
from chunkarray.bag.core import Bag, Item
from chunkarray.bag.layers import check_bag, tree_reduce
from chunkarray.bag.elementwise import getter
from chunkarray.errors import ChunkArrayTypeError, ChunkArrayValueError

__all__ = ["all", "any", "count", "distinct", "fold", "frequencies", "max", "mean", "min",
           "reduction", "std", "sum", "topk", "var"]


def reduction(bag: Bag, perpartition: Callable[[Any], Any],
              aggregate: Callable[[list[Any]], Any], split_every: int | None = None) -> Item:
    """A custom tree reduction: ``perpartition(partition)`` then ``aggregate(partials)``.

    ``perpartition`` receives the partition as a list. With more partitions than
    ``split_every``, ``aggregate`` also combines groups of partials, so it must
    accept a list of its own results too (as ``sum`` does).

    >>> import chunkarray.bag as cab
    >>> b = cab.from_sequence(range(10), npartitions=5)
    >>> import builtins
    >>> b.reduction(len, builtins.sum, split_every=2).compute()
    10
    """
    check_bag(bag, "reduction")
    for f, arg in ((perpartition, "perpartition"), (aggregate, "aggregate")):
        if not callable(f):
            raise ChunkArrayTypeError(f"reduction: {arg} must be callable, got {f!r}")
    combine = partial(agg.reduce_with, aggregate=aggregate)
    return tree_reduce(bag, perpartition, combine, combine, "reduction",
                       (perpartition, aggregate), split_every, whole=True)


def fold(bag: Bag, binop: Callable[[Any, Any], Any], combine: Callable[[Any, Any], Any] | None
         = None, initial: Any = agg.NO_INITIAL, split_every: int | None = None) -> Item:
    """``functools.reduce(binop, partition[, initial])`` per partition, then ``combine``.

    ``combine`` (``binop`` by default) merges the partition results. ``initial``
    starts the fold of every partition, so it must be neutral for ``combine`` (0 for
    addition, ``[]`` for list concatenation), as in Dask.

    >>> import chunkarray.bag as cab
    >>> from operator import add
    >>> cab.from_sequence(range(5), npartitions=2).fold(add).compute()
    10
    >>> cab.from_sequence([1, 2, 3]).fold(lambda acc, x: acc + [x], add, initial=[]).compute()
    [1, 2, 3]
    """
    check_bag(bag, "fold")
    combine = binop if combine is None else combine
    per = partial(agg.fold_partition, binop=binop, initial=initial)
    mid = partial(agg.combine_fold, combine=combine)
    end = partial(agg.finish_fold, combine=combine, initial=initial)
    return tree_reduce(bag, per, mid, end, "fold", (binop, combine, initial), split_every)


def count(bag: Bag, split_every: int | None = None) -> Item:
    """The number of elements.

    >>> import chunkarray.bag as cab
    >>> cab.from_sequence(range(7), npartitions=3).count().compute()
    7
    """
    check_bag(bag, "count")
    return tree_reduce(bag, agg.count, agg.total, agg.total, "count", (), split_every)


def sum(bag: Bag, split_every: int | None = None) -> Item:
    """The sum of the elements (0 for an empty bag).

    >>> import chunkarray.bag as cab
    >>> cab.from_sequence(range(7), npartitions=3).sum().compute()
    21
    """
    check_bag(bag, "sum")
    return tree_reduce(bag, agg.total, agg.total, agg.total, "sum", (), split_every)


def _extreme(bag: Bag, largest: bool, split_every: int | None) -> Item:
    label = "max" if largest else "min"
    check_bag(bag, label)
    return tree_reduce(bag, partial(agg.extreme, largest=largest),
                       partial(agg.combine_extreme, largest=largest),
                       partial(agg.finish_extreme, largest=largest), label, (), split_every)


def max(bag: Bag, split_every: int | None = None) -> Item:
    """The largest element; computing it raises ValueError for an empty bag.

    >>> import chunkarray.bag as cab
    >>> cab.from_sequence([3, 9, 2]).max().compute()
    9
    """
    return _extreme(bag, True, split_every)


def min(bag: Bag, split_every: int | None = None) -> Item:
    """The smallest element; computing it raises ValueError for an empty bag.

    >>> import chunkarray.bag as cab
    >>> cab.from_sequence([3, 9, 2]).min().compute()
    2
    """
    return _extreme(bag, False, split_every)


def _truth(bag: Bag, every: bool, split_every: int | None) -> Item:
    label = "all" if every else "any"
    check_bag(bag, label)
    f = partial(agg.truth, every=every)
    return tree_reduce(bag, f, f, f, label, (), split_every)


def any(bag: Bag, split_every: int | None = None) -> Item:
    """True if any element is true.

    >>> import chunkarray.bag as cab
    >>> cab.from_sequence([0, 0, 3]).any().compute()
    True
    """
    return _truth(bag, False, split_every)


def all(bag: Bag, split_every: int | None = None) -> Item:
    """True if every element is true (True for an empty bag).

    >>> import chunkarray.bag as cab
    >>> cab.from_sequence([1, 0, 3]).all().compute()
    False
    """
    return _truth(bag, True, split_every)


def mean(bag: Bag, split_every: int | None = None) -> Item:
    """The arithmetic mean; computing it raises ValueError for an empty bag.

    >>> import chunkarray.bag as cab
    >>> cab.from_sequence([1, 2, 3, 4]).mean().compute()
    2.5
    """
    check_bag(bag, "mean")
    return tree_reduce(bag, agg.moments, agg.combine_moments, agg.finish_mean, "mean", (),
                       split_every)


def _check_ddof(ddof: Any, function: str) -> int:
    if isinstance(ddof, bool) or not isinstance(ddof, int) or ddof < 0:
        raise ChunkArrayValueError(f"{function}: ddof must be an int >= 0, got {ddof!r}")
    return ddof


def var(bag: Bag, ddof: int = 0, split_every: int | None = None) -> Item:
    """The variance (``ddof=0``: population variance, like ``statistics.pvariance``).

    >>> import chunkarray.bag as cab
    >>> cab.from_sequence([1, 2, 3, 4]).var().compute()
    1.25
    """
    check_bag(bag, "var")
    end = partial(agg.finish_var, ddof=_check_ddof(ddof, "var"), root=False)
    return tree_reduce(bag, agg.moments, agg.combine_moments, end, "var", (ddof,), split_every)


def std(bag: Bag, ddof: int = 0, split_every: int | None = None) -> Item:
    """The standard deviation (``ddof=0`` like ``statistics.pstdev``).

    >>> import chunkarray.bag as cab
    >>> cab.from_sequence([2, 4, 4, 4, 5, 5, 7, 9]).std().compute()
    2.0
    """
    check_bag(bag, "std")
    end = partial(agg.finish_var, ddof=_check_ddof(ddof, "std"), root=True)
    return tree_reduce(bag, agg.moments, agg.combine_moments, end, "std", (ddof,), split_every)


def distinct(bag: Bag, key: Any = None, split_every: int | None = None) -> Bag:
    """The distinct elements, in order of first appearance (one partition).

    ``key`` (a callable or an index/field) keeps the first element of each key.

    >>> import chunkarray.bag as cab
    >>> cab.from_sequence([1, 2, 1, 3, 2], npartitions=2).distinct().compute()
    [1, 2, 3]
    """
    check_bag(bag, "distinct")
    k = None if key is None else getter(key, "distinct")
    return tree_reduce(bag, partial(agg.distinct_partition, key=k), agg.combine_distinct,
                       partial(agg.finish_distinct, key=k), "distinct", (key,), split_every,
                       out_type="bag")


def frequencies(bag: Bag, sort: bool = False, split_every: int | None = None) -> Bag:
    """``(element, count)`` pairs (one partition); ``sort=True`` puts the most common first.

    >>> import chunkarray.bag as cab
    >>> cab.from_sequence(["a", "b", "a"]).frequencies(sort=True).compute()
    [('a', 2), ('b', 1)]
    """
    check_bag(bag, "frequencies")
    end = partial(agg.finish_frequencies, sort=bool(sort))
    return tree_reduce(bag, agg.frequencies_partition, agg.combine_counters, end,
                       "frequencies", (bool(sort),), split_every, out_type="bag")


def topk(bag: Bag, k: int, key: Any = None, split_every: int | None = None) -> Bag:
    """The ``k`` largest elements, largest first (one partition).

    ``key`` is a callable or an index/field of the elements (``key=1``: by the
    second item of each tuple).

    >>> import chunkarray.bag as cab
    >>> b = cab.from_sequence([5, 1, 8, 3, 9, 2], npartitions=3)
    >>> b.topk(2).compute()
    [9, 8]
    >>> cab.from_sequence([("a", 3), ("b", 7)]).topk(1, key=1).compute()
    [('b', 7)]
    """
    check_bag(bag, "topk")
    if isinstance(k, bool) or not isinstance(k, int) or k < 0:
        raise ChunkArrayValueError(f"topk: k must be an int >= 0, got {k!r}")
    kf = None if key is None else getter(key, "topk")
    per = partial(agg.topk_partition, k=k, key=kf)
    mid = partial(agg.combine_topk, k=k, key=kf)
    return tree_reduce(bag, per, mid, mid, "topk", (k, key), split_every, out_type="bag")
