"""repartition: the same rows in fewer or more partitions.

A plan lists, for every output partition, the pieces of input partitions it is
made of: ``(i, j, k)`` is piece ``j`` of ``k`` equal row ranges of input
partition ``i``. Fewer partitions join runs of whole inputs (known divisions are
kept: they are a subset of the old ones). More partitions cut each input at
interpolated index values when the divisions are known and the index is numeric
or datetime (the divisions stay known); otherwise into equal row ranges (the
divisions become unknown, as row counts are not known before computing). ``partition_size="100MB"`` computes each partition's memory use first
(one pass over the data), then cuts big partitions and joins small neighbours so
each output is about that size. ``divisions=`` (on known divisions) cuts at the
given index values, reading for each output only the inputs overlapping it. Each
output partition is one task of a
:class:`~chunkarray.graph.layer.MaterializedLayer` reading only its inputs.

>>> import pandas as pd
>>> from chunkarray.dataframe import from_pandas
>>> s = from_pandas(pd.Series(range(26)), npartitions=1)
>>> t = s.repartition(npartitions=3)
>>> t.divisions, [len(p) for p in compute_partitions(t)]
((0, 8, 16, 25), [8, 8, 10])
>>> u = s.reset_index(drop=True).repartition(npartitions=3)  # unknown divisions
>>> u.divisions, [len(p) for p in compute_partitions(u)]
((None, None, None, None), [8, 9, 9])
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from chunkarray.dataframe.core import new_collection
from chunkarray.dataframe.methods import check_positive
from chunkarray.errors import ChunkArrayValueError
from chunkarray.graph.graph import Graph
from chunkarray.graph.layer import MaterializedLayer
from chunkarray.graph.task import Ref, Task
from chunkarray.sizes import parse_bytes
from chunkarray.tokenize import tokenize

Piece = tuple[int, int, int]  # input partition, piece number, number of pieces


def compute_partitions(frame: Any) -> list[Any]:
    """The computed partitions of ``frame`` (for examples and tests)."""
    from chunkarray.base import compute

    return list(compute(*frame.to_delayed()))


def _piece(part: Any, j: int, k: int) -> Any:
    if k == 1:
        return part
    n = len(part)
    return part.iloc[n * j // k: n * (j + 1) // k]


def _join(pieces: list[Any]) -> Any:
    if len(pieces) == 1:
        return pieces[0]
    full = [p for p in pieces if len(p)] or pieces[:1]
    return full[0] if len(full) == 1 else pd.concat(full)


def plan_npartitions(n: int, target: int) -> list[list[Piece]]:
    """The pieces of each output partition for ``n`` inputs -> ``target`` outputs.

    >>> plan_npartitions(1, 3)
    [[(0, 0, 3)], [(0, 1, 3)], [(0, 2, 3)]]
    >>> plan_npartitions(5, 2)
    [[(0, 0, 1), (1, 0, 1)], [(2, 0, 1), (3, 0, 1), (4, 0, 1)]]
    """
    if target <= n:
        edges = np.linspace(0, n, target + 1).round().astype(int)
        return [[(i, 0, 1) for i in range(a, b)] for a, b in zip(edges[:-1], edges[1:])]
    per = [target // n + (1 if i < target % n else 0) for i in range(n)]
    return [[(i, j, k)] for i, k in enumerate(per) for j in range(k)]


def plan_sizes(sizes: list[int], target: int) -> list[list[Piece]]:
    """Pieces so that each output holds about ``target`` bytes.

    >>> plan_sizes([10, 10, 100, 5], 25)
    [[(0, 0, 1), (1, 0, 1)], [(2, 0, 4)], [(2, 1, 4)], [(2, 2, 4)], [(2, 3, 4)], [(3, 0, 1)]]
    """
    pieces: list[tuple[Piece, float]] = []
    for i, size in enumerate(sizes):
        k = max(1, math.ceil(size / target))
        pieces.extend(((i, j, k), size / k) for j in range(k))
    out: list[list[Piece]] = []
    current: list[Piece] = []
    held = 0.0
    for piece, size in pieces:
        if current and held + size > target:
            out.append(current)
            current, held = [], 0.0
        current.append(piece)
        held += size
    out.append(current)
    return out


def _value_piece(part: Any, lo: Any, hi: Any, closed: bool) -> Any:
    index = part.index
    keep = (index >= lo) & ((index <= hi) if closed else (index < hi))
    return part[keep]


def _cut_points(a: Any, b: Any, k: int, integer: bool) -> list[Any] | None:
    if integer:
        cuts = [a + (b - a) * j // k for j in range(k + 1)]
    else:
        cuts = [a + (b - a) * (j / k) for j in range(k + 1)]
    cuts[-1] = b
    return cuts if all(x < y for x, y in zip(cuts, cuts[1:])) else None


def split_by_value(frame: Any, target: int) -> tuple[dict[int, Task], tuple[Any, ...]] | None:
    """More partitions cut at interpolated index values, keeping divisions known, when
    the index is numeric or datetime and the divisions are known; else None."""
    index = frame.meta.index
    kind = getattr(index.dtype, "kind", "O")
    if not frame.known_divisions or kind not in "iufM":
        return None
    n, divs = frame.npartitions, frame.divisions
    per = [target // n + (1 if i < target % n else 0) for i in range(n)]
    tasks: dict[int, Task] = {}
    divisions: list[Any] = []
    for i, k in enumerate(per):
        cuts = _cut_points(divs[i], divs[i + 1], k, kind in "iu")
        if cuts is None:
            return None
        for j in range(k):
            closed = i == n - 1 and j == k - 1
            tasks[len(tasks)] = Task(_value_piece, Ref((frame._name, i)), cuts[j], cuts[j + 1],
                                     closed)
            divisions.append(cuts[j])
    return tasks, (*divisions, divs[-1])


def repartition_divisions(frame: Any, divisions: tuple[Any, ...]) -> Any:
    """Partitions at the given ``divisions`` (known divisions needed): output ``j`` holds
    the labels in ``[divisions[j], divisions[j + 1])``, the last one up to and including
    ``divisions[-1]``, read from the input partitions that overlap that range."""
    if not frame.known_divisions:
        raise ChunkArrayValueError(
            "repartition: divisions= needs known divisions; the input's are unknown"
        )
    if len(divisions) < 2 or any(a >= b for a, b in zip(divisions, divisions[1:])):
        raise ChunkArrayValueError(
            f"repartition: divisions must be at least 2 increasing values, got {divisions!r}"
        )
    old = frame.divisions
    if divisions[0] > old[0] or divisions[-1] < old[-1]:
        raise ChunkArrayValueError(
            f"repartition: divisions {divisions[0]!r} .. {divisions[-1]!r} must cover the "
            f"data's {old[0]!r} .. {old[-1]!r}"
        )
    name = f"repartition-{tokenize(frame, divisions)}"
    n, tasks = frame.npartitions, {}
    for j, (lo, hi) in enumerate(zip(divisions[:-1], divisions[1:])):
        closed = j == len(divisions) - 2
        reads = [i for i in range(n) if old[i] <= hi and lo <= old[i + 1]
                 and not (old[i] == hi and not closed)
                 and not (old[i + 1] == lo and i < n - 1)]
        pieces = [Task(_value_piece, Ref((frame._name, i)), lo, hi, closed) for i in reads]
        tasks[(name, j)] = Task(_join, pieces) if pieces else Task(_empty_like, frame.meta)
    layer = MaterializedLayer(name, tasks)
    return new_collection(Graph.from_layer(layer, frame._graph), name, frame.meta, divisions)


def _empty_like(meta: Any) -> Any:
    return meta


def _memory(part: Any) -> int:
    return int(part.memory_usage(deep=True, index=True).sum()
               if hasattr(part, "columns") else part.memory_usage(deep=True, index=True))


def _divisions(frame: Any, plan: list[list[Piece]]) -> tuple[Any, ...]:
    whole = all(k == 1 for group in plan for _, _, k in group)
    if not (frame.known_divisions and whole):
        return (None,) * (len(plan) + 1)
    return (*(frame.divisions[group[0][0]] for group in plan), frame.divisions[-1])


def repartition(frame: Any, npartitions: Any = None, partition_size: Any = None,
                divisions: Any = None) -> Any:
    """``frame`` with ``npartitions`` partitions or partitions of ``partition_size``."""
    given = [a for a in (npartitions, partition_size, divisions) if a is not None]
    if len(given) != 1:
        raise ChunkArrayValueError(
            "repartition: give exactly one of npartitions=, partition_size= or divisions="
        )
    if divisions is not None:
        return repartition_divisions(frame, tuple(divisions))
    if npartitions is not None:
        target = check_positive(npartitions, "repartition", "npartitions")
        if target > frame.npartitions:
            by_value = split_by_value(frame, target)
            if by_value is not None:
                name = f"repartition-{tokenize(frame, target)}"
                tasks = {(name, o): t for o, t in by_value[0].items()}
                return new_collection(Graph.from_layer(MaterializedLayer(name, tasks),
                                                       frame._graph), name, frame.meta,
                                      by_value[1])
        plan = plan_npartitions(frame.npartitions, target)
    else:
        size = parse_bytes(partition_size)
        if size <= 0:
            raise ChunkArrayValueError(
                f"repartition: partition_size must be positive, got {partition_size!r}"
            )
        from chunkarray.dataframe.partitionwise import partitionwise

        usage = partitionwise(_memory, frame, meta=pd.Series([], dtype="int64"),
                              label="memory_usage")
        sizes = [int(v) for v in compute_partitions(usage)]
        plan = plan_sizes(sizes, size)
    name = f"repartition-{tokenize(frame, plan)}"
    tasks = {(name, o): Task(_join, [Task(_piece, Ref((frame._name, i)), j, k)
                                     for i, j, k in group])
             for o, group in enumerate(plan)}
    layer = MaterializedLayer(name, tasks)
    return new_collection(Graph.from_layer(layer, frame._graph), name, frame.meta,
                          _divisions(frame, plan))
