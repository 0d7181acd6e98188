"""Combining collections: ``concat`` (rows) and ``join`` (columns, on the index).

``concat`` lists the partitions of its inputs one after the other (divisions stay
known when every input's are and they follow each other). ``join`` works
partition by partition on aligned inputs: with known divisions that differ, both
sides are first repartitioned to the union of their divisions (reading, for each
new partition, only the overlapping old ones); unknown divisions are refused (rows
with equal labels could sit in different partitions) unless both sides have one
partition.

>>> import pandas as pd
>>> from chunkarray.dataframe import from_pandas
>>> a = from_pandas(pd.DataFrame({"x": range(6)}), npartitions=2)
>>> b = from_pandas(pd.DataFrame({"y": range(0, 12, 3)}, index=[0, 2, 4, 5]), npartitions=3)
>>> a.join(b).compute().y.tolist()
[0.0, nan, 3.0, nan, 6.0, 9.0]
>>> concat([a, a]).npartitions
4
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from chunkarray.dataframe.core import Frame, new_collection
from chunkarray.dataframe.partitionwise import partitionwise
from chunkarray.errors import ChunkArrayTypeError, ChunkArrayValueError
from chunkarray.graph.graph import Graph
from chunkarray.graph.layer import MaterializedLayer
from chunkarray.graph.task import Alias
from chunkarray.tokenize import tokenize


def concat(frames: Sequence[Any]) -> Any:
    """The rows of several collections, in order (pandas' ``concat`` along rows).

    The result's meta is pandas' concat of the metas; a partition whose columns
    differ from it is aligned by pandas when computed.
    """
    frames = list(frames)
    if not frames or not all(isinstance(f, Frame) for f in frames):
        raise ChunkArrayTypeError(
            f"concat: expected a non-empty list of dataframe collections, got "
            f"{[type(f).__name__ for f in frames]}"
        )
    if len(frames) == 1:
        return frames[0]
    meta = pd.concat([f.meta for f in frames])
    name = f"concat-{tokenize([f._name for f in frames])}"
    tasks, divisions = {}, []
    for f in frames:
        for i in range(f.npartitions):
            tasks[(name, len(tasks))] = Alias((f._name, i))
    ordered = all(f.known_divisions for f in frames) and all(
        a.divisions[-1] < b.divisions[0] for a, b in zip(frames, frames[1:]))
    if ordered:
        for f in frames:
            divisions.extend(f.divisions[:-1])
        divisions.append(frames[-1].divisions[-1])
    else:
        divisions = [None] * (len(tasks) + 1)
    graph = Graph.from_layer(MaterializedLayer(name, tasks), *(f._graph for f in frames))
    return new_collection(graph, name, meta, tuple(divisions))


def align(a: Any, b: Any, where: str) -> tuple[Any, Any]:
    """``a`` and ``b`` with the same partitions: the union of known divisions."""
    if a.npartitions == b.npartitions == 1:
        bounds: tuple[Any, ...] = (None, None)
        if a.known_divisions and b.known_divisions:
            bounds = (min(a.divisions[0], b.divisions[0]), max(a.divisions[1], b.divisions[1]))
        return _relabel(a, bounds), _relabel(b, bounds)
    if not (a.known_divisions and b.known_divisions):
        raise ChunkArrayValueError(
            f"{where}: both collections need known divisions (or one partition each) to be "
            f"aligned without a shuffle; got {a.divisions[:2]}... and {b.divisions[:2]}..."
        )
    if a.divisions == b.divisions:
        return a, b
    union = tuple(sorted(set(a.divisions) | set(b.divisions)))
    if len(union) < 2:
        return a, b
    return a.repartition(divisions=union), b.repartition(divisions=union)


def _relabel(frame: Any, divisions: tuple[Any, ...]) -> Any:
    """The same partitions under wider (still true) divisions."""
    return new_collection(frame._graph, frame._name, frame.meta, divisions)


def _join(left: Any, right: Any, how: str, suffixes: tuple[str, str] | None) -> Any:
    if suffixes is None:
        return left.join(right, how=how)
    return left.join(right, how=how, suffixes=suffixes)


def join(left: Any, right: Any, how: str = "left",
         suffixes: tuple[str, str] | None = None) -> Any:
    """``left.join(right)`` on the index, partition by partition after aligning."""
    if how not in ("left", "right", "inner", "outer"):
        raise ChunkArrayValueError(
            f"join: how must be 'left', 'right', 'inner' or 'outer', got {how!r}"
        )
    if not isinstance(right, Frame):
        raise ChunkArrayTypeError(f"join: other must be a DataFrame or Series collection, got "
                                  f"{type(right).__name__}")
    if isinstance(right.meta, pd.Series) and right.meta.name is None:
        raise ChunkArrayValueError("join: a Series to join must have a name")
    a, b = align(left, right, "join")
    return partitionwise(_join, a, b, how, suffixes, label="join")


def _merge_partition(left: Any, right: Any, on: Any, how: str,
                     suffixes: tuple[str, str], columns: list[Any]) -> Any:
    out = pd.merge(left.reset_index(), right.reset_index(), on=on, how=how,
                   suffixes=suffixes)
    return out[columns]


def merge(left: Any, right: Any, on: Any = None, how: str = "inner",
          suffixes: tuple[str, str] = ("_x", "_y")) -> Any:
    """``pandas.merge`` on one column: both sides are sorted by it (``set_index`` with
    shared divisions, a shuffle) and merged partition by partition.

    The rows come out grouped by key (pandas keeps the left order), and the index
    is the per-partition 0 .. m - 1 of ``pandas.merge`` (unknown divisions).

    >>> import pandas as pd
    >>> from chunkarray.dataframe import from_pandas
    >>> a = from_pandas(pd.DataFrame({"k": [1, 2, 3], "x": [10, 20, 30]}), npartitions=2)
    >>> b = from_pandas(pd.DataFrame({"k": [3, 1], "y": ["c", "a"]}), npartitions=1)
    >>> merge(a, b, on="k").compute().sort_values("k").values.tolist()
    [[1, 10, 'a'], [3, 30, 'c']]
    """
    from chunkarray.dataframe.shuffle import estimate_divisions

    if how not in ("left", "right", "inner", "outer"):
        raise ChunkArrayValueError(
            f"merge: how must be 'left', 'right', 'inner' or 'outer', got {how!r}"
        )
    if not isinstance(on, str):
        raise ChunkArrayValueError(f"merge: on must be one column name, got {on!r}")
    both = concat([left[[on]], right[[on]]])
    divisions = estimate_divisions(both, on, max(left.npartitions, right.npartitions))
    if divisions[0] is None:
        a, b = left.repartition(npartitions=1), right.repartition(npartitions=1)
        a, b = _relabel(a, (None, None)), _relabel(b, (None, None))
    else:
        a = left.set_index(on, divisions=divisions)
        b = right.set_index(on, divisions=divisions)
    columns = list(pd.merge(left.meta, right.meta, on=on, how=how, suffixes=suffixes).columns)
    out = partitionwise(_merge_partition, a, b, on, how, suffixes, columns, label="merge")
    return new_collection(out._graph, out._name, out.meta, (None,) * len(out.divisions))
