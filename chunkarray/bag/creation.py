"""Making bags: from a sequence, from delayed values, from a range of integers."""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from typing import Any

from chunkarray.bag.core import Bag
from chunkarray.bag.layers import check_npartitions, new_bag
from chunkarray.errors import ChunkArrayTypeError, ChunkArrayValueError
from chunkarray.graph.blockwise import Blockwise
from chunkarray.graph.layer import MaterializedLayer
from chunkarray.graph.task import Literal, Ref, Task
from chunkarray.tokenize import name as make_name

__all__ = ["from_delayed", "from_sequence", "range"]

_DEFAULT_PARTITIONS = 100


def split_evenly(n: int, parts: int) -> list[tuple[int, int]]:
    """``parts`` ranges ``(start, stop)`` covering ``range(n)``, sizes differing by <= 1.

    >>> split_evenly(10, 3)
    [(0, 4), (4, 7), (7, 10)]
    """
    q, r = divmod(n, parts)
    out, start = [], 0
    for i in builtins.range(parts):
        stop = start + q + (1 if i < r else 0)
        out.append((start, stop))
        start = stop
    return out


def from_sequence(seq: Iterable[Any], npartitions: int | None = None,
                  partition_size: int | None = None) -> Bag:
    """A bag of the elements of a sequence, held in the graph.

    Parameters
    ----------
    seq : iterable
        The elements (an iterator is read once, at once).
    npartitions : int, optional
        The number of partitions; partitions differ in length by at most one
        (some are empty when there are fewer elements than partitions).
    partition_size : int, optional
        Elements per partition instead (the last one may be shorter). With neither,
        about 100 partitions (one per element for short sequences).

    Raises
    ------
    TypeError
        If ``seq`` is not iterable.
    ValueError
        If ``npartitions`` or ``partition_size`` is < 1, or both are given.

    Examples
    --------
    >>> import chunkarray.bag as cab
    >>> b = cab.from_sequence([1, 2, 3, 4, 5], npartitions=2)
    >>> b.npartitions, b.compute()
    (2, [1, 2, 3, 4, 5])
    """
    try:
        items = list(seq)
    except TypeError:
        raise ChunkArrayTypeError(
            f"from_sequence: seq must be an iterable, got {type(seq).__name__}"
        ) from None
    if npartitions is not None and partition_size is not None:
        raise ChunkArrayValueError(
            "from_sequence: give npartitions or partition_size, not both"
        )
    if partition_size is not None:
        size = check_npartitions(partition_size, "from_sequence", "partition_size")
        ranges = [(s, min(s + size, len(items))) for s in builtins.range(0, len(items), size)]
        ranges = ranges or [(0, 0)]
    else:
        if npartitions is None:
            npartitions = max(1, min(len(items), _DEFAULT_PARTITIONS))
        check_npartitions(npartitions, "from_sequence")
        ranges = split_evenly(len(items), npartitions)
    parts = [items[a:b] for a, b in ranges]
    name = make_name("from_sequence", parts)
    tasks = {(name, i): Literal(p) for i, p in enumerate(parts)}
    return new_bag(MaterializedLayer(name, tasks), len(parts))


class RangeBlocks:
    """Per-partition ``(start, stop)`` of ``range(n)`` in ``parts`` partitions (BlockValues)."""

    def __init__(self, n: int, parts: int) -> None:
        self.n, self.parts = n, parts
        self.numblocks = (parts,)

    def __getitem__(self, index: tuple[int, ...]) -> tuple[int, int]:
        (i,) = index
        q, r = divmod(self.n, self.parts)
        start = i * q + builtins.min(i, r)
        return (start, start + q + (1 if i < r else 0))

    def __chunkarray_tokenize__(self) -> Any:
        return (self.n, self.parts)


def _range_partition(bounds: tuple[int, int]) -> list[int]:
    return list(builtins.range(*bounds))


_range_partition.__name__ = "range"


def range(n: int, npartitions: int) -> Bag:
    """A bag of ``0, 1, ..., n - 1`` in ``npartitions`` partitions, made lazily.

    Nothing is held in the graph but the bounds, so a huge range costs nothing
    until partitions are computed (``take`` computes only the first).

    Examples
    --------
    >>> import chunkarray.bag as cab
    >>> cab.range(5, npartitions=2).compute()
    [0, 1, 2, 3, 4]
    >>> cab.range(10**12, npartitions=10**6).take(3)
    (0, 1, 2)
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ChunkArrayValueError(f"range: n must be an int >= 0, got {n!r}")
    check_npartitions(npartitions, "range")
    blocks = RangeBlocks(n, npartitions)
    name = make_name("range", n, npartitions)
    layer = Blockwise(name, "i", _range_partition, [(blocks, "i")], {})
    return new_bag(layer, npartitions)


def from_delayed(values: Any) -> Bag:
    """A bag with one partition per Delayed value (each an iterable of elements).

    Examples
    --------
    >>> import chunkarray as ca
    >>> import chunkarray.bag as cab
    >>> parts = [ca.delayed(list)("ab"), ca.delayed(list)("cde")]
    >>> cab.from_delayed(parts).compute()
    ['a', 'b', 'c', 'd', 'e']
    """
    from chunkarray.delayed import Delayed

    if isinstance(values, Delayed):
        values = [values]
    if not isinstance(values, (list, tuple)) or not values:
        raise ChunkArrayTypeError(
            f"from_delayed: values must be a non-empty list of Delayed, got {values!r}"
        )
    for v in values:
        if not isinstance(v, Delayed):
            raise ChunkArrayTypeError(
                f"from_delayed: values must be Delayed objects, got {type(v).__name__}"
            )
    name = make_name("from_delayed", [v.key for v in values])
    tasks = {(name, i): Task(_as_partition, Ref(v.key)) for i, v in enumerate(values)}
    return new_bag(MaterializedLayer(name, tasks), len(values),
                   *(v.__chunkarray_graph__() for v in values))


def _as_partition(value: Any) -> list[Any]:
    try:
        return value if type(value) is list else list(value)
    except TypeError:
        raise ChunkArrayTypeError(
            f"from_delayed: a partition must be iterable, got {type(value).__name__}"
        ) from None


_as_partition.__name__ = "from_delayed"

