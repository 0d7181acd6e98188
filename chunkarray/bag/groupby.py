"""Grouping: ``foldby`` (a tree reduction of per-key folds) and ``groupby`` (a shuffle).

``groupby`` is a task shuffle in three layers. ``groupby-split`` (1-d Blockwise,
fused with the steps before it) cuts each input partition into ``n`` buckets by a
hash of the key that is the same in every process; ``groupby-bucket`` makes one
value per (input partition, bucket), so that each is held, and spilled to disk
when over the memory budget, by the memory manager on its own; ``groupby-collect``
makes output partition ``j`` from bucket ``j`` of every input partition. That is
``n_in * n`` small bucket tasks: keep ``npartitions`` moderate (hundreds, not tens
of thousands).

>>> import chunkarray.bag as cab
>>> b = cab.from_sequence(range(10), npartitions=3)
>>> sorted(b.groupby(lambda x: x % 3).compute())
[(0, [0, 3, 6, 9]), (1, [1, 4, 7]), (2, [2, 5, 8])]
>>> sorted(b.foldby(lambda x: x % 2, lambda acc, x: acc + x, 0).compute())
[(0, 20), (1, 25)]
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import Any

from chunkarray.bag.aggregates import NO_INITIAL
from chunkarray.bag.core import Bag
from chunkarray.bag.layers import check_bag, check_npartitions, stepwise, tree_reduce
from chunkarray.bag.elementwise import getter
from chunkarray.graph.graph import Graph
from chunkarray.graph.layer import Layer
from chunkarray.graph.task import Ref, Task
from chunkarray.tokenize import name as make_name
from chunkarray.typing import Key

__all__ = ["foldby", "groupby", "stable_hash"]


def stable_hash(value: Any) -> int:
    """A hash equal in every process (``hash`` of a str changes with PYTHONHASHSEED).

    Equal values hash equally, as far as ``hash`` itself keeps that for numbers.

    >>> stable_hash("abc") == stable_hash("abc"), stable_hash(1) == stable_hash(1.0)
    (True, True)
    """
    tp = type(value)
    if tp is str:
        return zlib.crc32(value.encode("utf-8", "surrogatepass"))
    if tp is bytes:
        return zlib.crc32(value)
    if tp is tuple:
        h = 0x345678
        for item in value:
            h = (h * 1000003 ^ stable_hash(item)) & 0xFFFFFFFFFFFF
        return h
    if tp is frozenset:
        return sum(stable_hash(v) for v in value) & 0xFFFFFFFFFFFF
    if value is None:
        return 0  # hash(None) is its address before Python 3.12
    return hash(value)


# -- foldby --

def _fold_partition(part: list[Any], *, key: Callable[[Any], Any],
                    binop: Callable[[Any, Any], Any], initial: Any) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    for x in part:
        k = key(x)
        if k in out:
            out[k] = binop(out[k], x)
        else:
            out[k] = x if initial is NO_INITIAL else binop(initial, x)
    return out


def _merge(partials: list[dict[Any, Any]], *, combine: Callable[[Any, Any], Any]) -> dict[
        Any, Any]:
    out: dict[Any, Any] = {}
    for d in partials:
        for k, v in d.items():
            out[k] = combine(out[k], v) if k in out else v
    return out


def _finish_fold(partials: list[dict[Any, Any]], *, combine: Callable[[Any, Any], Any],
                 combine_initial: Any) -> list[tuple[Any, Any]]:
    merged = _merge(partials, combine=combine)
    if combine_initial is NO_INITIAL:
        return list(merged.items())
    return [(k, combine(combine_initial, v)) for k, v in merged.items()]


def foldby(bag: Bag, key: Any, binop: Callable[[Any, Any], Any], initial: Any = NO_INITIAL,
           combine: Callable[[Any, Any], Any] | None = None, combine_initial: Any = NO_INITIAL,
           split_every: int | None = None) -> Bag:
    """Group by ``key`` and fold each group with ``binop`` without a shuffle.

    Per partition, each key's elements are folded with ``binop`` (starting at
    ``initial``, or at the first element); the partition results are merged with
    ``combine`` (``binop`` by default, starting at ``combine_initial``). Returns a
    bag of one partition of ``(key, value)`` pairs.

    >>> import chunkarray.bag as cab
    >>> from operator import add
    >>> b = cab.from_sequence(["apple", "avocado", "banana"], npartitions=2)
    >>> sorted(b.foldby(lambda s: s[0], lambda n, s: n + len(s), 0, add, 0).compute())
    [('a', 12), ('b', 6)]
    """
    check_bag(bag, "foldby")
    k = getter(key, "foldby")
    combine = binop if combine is None else combine
    per = partial(_fold_partition, key=k, binop=binop, initial=initial)
    mid = partial(_merge, combine=combine)
    end = partial(_finish_fold, combine=combine, combine_initial=combine_initial)
    return tree_reduce(bag, per, mid, end, "foldby", (key, binop, initial, combine,
                       combine_initial), split_every, out_type="bag")


# -- groupby: a shuffle --

def _split(part: Iterable[Any], *, key: Callable[[Any], Any], n: int) -> list[list[Any]]:
    buckets: list[list[Any]] = [[] for _ in range(n)]
    for x in part:
        buckets[stable_hash(key(x)) % n].append(x)
    return buckets


def _bucket(buckets: list[list[Any]], j: int) -> list[Any]:
    return buckets[j]


_bucket.runs_inline = True  # type: ignore[attr-defined]  # taking an item: not worth a process
_bucket.__name__ = "bucket"


def _collect(buckets: list[list[Any]], *, key: Callable[[Any], Any]) -> list[tuple[Any, list[
        Any]]]:
    groups: dict[Any, list[Any]] = {}
    for bucket in buckets:
        for x in bucket:
            k = key(x)
            group = groups.get(k)
            if group is None:
                groups[k] = [x]
            else:
                group.append(x)
    return list(groups.items())


_collect.__name__ = "groupby"


class BucketLayer(Layer):
    """Key ``(name, i, j)``: bucket ``j`` of split partition ``i``."""

    def __init__(self, name: str, split: str, n_in: int, n_out: int) -> None:
        self.name, self.split, self.n_in, self.n_out = name, split, n_in, n_out
        self.dependencies = frozenset((split,))

    def keys(self) -> Iterator[Key]:
        return ((self.name, i, j) for i in range(self.n_in) for j in range(self.n_out))

    def __len__(self) -> int:
        return self.n_in * self.n_out

    def task(self, key: Key) -> Task:
        if (type(key) is not tuple or len(key) != 3 or key[0] != self.name
                or not (0 <= key[1] < self.n_in and 0 <= key[2] < self.n_out)):
            raise KeyError(key)
        return Task(_bucket, Ref((self.split, key[1])), key[2])


class CollectLayer(Layer):
    """Key ``(name, j)``: the groups of bucket ``j`` from every input partition."""

    def __init__(self, name: str, buckets: str, n_in: int, n_out: int,
                 func: Callable[[list[list[Any]]], Any]) -> None:
        self.name, self.buckets, self.n_in, self.n_out = name, buckets, n_in, n_out
        self.func = func
        self.dependencies = frozenset((buckets,))

    def keys(self) -> Iterator[Key]:
        return ((self.name, j) for j in range(self.n_out))

    def __len__(self) -> int:
        return self.n_out

    def task(self, key: Key) -> Task:
        if (type(key) is not tuple or len(key) != 2 or key[0] != self.name
                or type(key[1]) is not int or not 0 <= key[1] < self.n_out):
            raise KeyError(key)
        j = key[1]
        return Task(self.func, [Ref((self.buckets, i, j)) for i in range(self.n_in)])


def groupby(bag: Bag, key: Any, npartitions: int | None = None) -> Bag:
    """``(key, [elements])`` pairs, one per distinct key, by a shuffle of all elements.

    Parameters
    ----------
    key : callable or index/field
    npartitions : int, optional
        Partitions of the result (the input's by default).

    Buckets are held by the memory manager, which spills them to disk when the
    shuffle does not fit in ``memory_limit``. To aggregate each group, ``foldby``
    is much cheaper: it moves no elements.

    >>> import chunkarray.bag as cab
    >>> b = cab.from_sequence(["ant", "bee", "ape"], npartitions=2)
    >>> sorted(b.groupby(lambda s: s[0]).compute())
    [('a', ['ant', 'ape']), ('b', ['bee'])]
    """
    check_bag(bag, "groupby")
    k = getter(key, "groupby")
    n = bag.npartitions if npartitions is None else check_npartitions(npartitions, "groupby")
    split = stepwise("groupby-split", bag, terminal=partial(_split, key=k, n=n), token=(key, n))
    buckets = make_name("groupby-bucket", split.name)
    out = make_name("groupby-collect", split.name)
    graph = Graph.from_layer(BucketLayer(buckets, split.name, bag.npartitions, n), split.graph)
    layer = CollectLayer(out, buckets, bag.npartitions, n, partial(_collect, key=k))
    return Bag(Graph.from_layer(layer, graph), out, n)
