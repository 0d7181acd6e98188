"""set_index: sort a collection by a column, with known divisions (a shuffle).

Policy
------
1. Divisions: without ``divisions=``, the column's quantiles are estimated with a
   tree reduction of rank samples (each partition keeps at most ``SAMPLE`` values
   at evenly spaced ranks, weighted by how many rows each stands for; merges keep
   ``SAMPLE`` points), computed when ``set_index`` is called (like Dask), and
   ``npartitions + 1`` evenly spaced quantiles become the divisions (repeats
   dropped, so there may be fewer partitions). With ``sorted=True`` the column is
   taken as already sorted across partitions: each partition's first value is a
   division, and no data moves.
2. Shuffle: each input partition is cut into one piece per output partition
   (``searchsorted`` of its labels in the inner divisions); output ``j`` joins
   piece ``j`` of every input, in input order, and sorts it stably. Rows with a
   missing label go to the last partition, as pandas sorts them last.

State: two materialized layers, ``n`` split tasks and ``k`` join tasks (each join
reads every split: ``n * k`` references, the price of an all-to-all step).

>>> import pandas as pd
>>> from chunkarray.dataframe import from_pandas
>>> df = from_pandas(pd.DataFrame({"a": [5, 1, 4, 2, 3, 0], "b": list("uvwxyz")}),
...                  npartitions=3)
>>> s = df.set_index("a", divisions=(0, 2, 4, 5))
>>> s.divisions, s.b.compute().tolist()
((0, 2, 4, 5), ['z', 'v', 'x', 'y', 'w', 'u'])
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np
import pandas as pd

from chunkarray.dataframe.core import new_collection
from chunkarray.dataframe.reductions import tree
from chunkarray.dataframe.selection import check_columns
from chunkarray.errors import ChunkArrayValueError
from chunkarray.graph.graph import Graph
from chunkarray.graph.layer import MaterializedLayer
from chunkarray.graph.task import Ref, Task
from chunkarray.tokenize import tokenize

SAMPLE = 1000  # values kept per rank sample


def _thin(values: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(values, kind="stable")
    values, weights = values[order], weights[order]
    if len(values) <= SAMPLE:
        return values, weights
    cum = np.cumsum(weights)
    marks = (np.arange(SAMPLE) + 0.5) * cum[-1] / SAMPLE
    return values[np.searchsorted(cum, marks)], np.full(SAMPLE, cum[-1] / SAMPLE)


class _Sample:
    def __init__(self, column: Any) -> None:
        self.column = column
        self.__name__ = "quantiles"

    def __chunkarray_tokenize__(self) -> Any:
        return ("sample", self.column)

    def chunk(self, part: Any) -> tuple[np.ndarray, np.ndarray, Any, Any]:
        values = part[self.column].dropna().to_numpy()
        if not len(values):
            return values, np.ones(0), None, None
        lo, hi = values.min(), values.max()  # exact ends; the sample may skip them
        values, weights = _thin(values, np.ones(len(values)))
        return values, weights, lo, hi

    def combine(self, parts: list[Any]) -> tuple[np.ndarray, np.ndarray, Any, Any]:
        full = [p for p in parts if len(p[0])] or parts[:1]
        values = np.concatenate([p[0] for p in full])
        weights = np.concatenate([p[1] for p in full])
        if not len(values):
            return values, weights, None, None
        lo = min(p[2] for p in full)
        hi = max(p[3] for p in full)
        values, weights = _thin(values, weights)
        return values, weights, lo, hi

    def aggregate(self, parts: list[Any]) -> Any:
        return self.combine(parts)


def _python(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) and value.dtype.kind in "biuf" else (
        pd.Timestamp(value) if isinstance(value, np.datetime64) else value)


def estimate_divisions(frame: Any, column: Any, npartitions: int) -> tuple[Any, ...]:
    """``npartitions + 1`` quantiles of ``column`` (repeats dropped), computed now."""
    spec = _Sample(column)
    graph, name = tree([frame], spec.chunk, spec.combine, spec.aggregate, "quantiles", None,
                       spec)
    from chunkarray.delayed import Delayed

    values, weights, lo, hi = Delayed((name, 0), graph).compute()
    if lo is None:
        return (None, None)
    cum = np.cumsum(weights)
    marks = np.linspace(0, cum[-1], npartitions + 1)[1:-1]
    inner = values[np.minimum(np.searchsorted(cum, marks), len(values) - 1)]
    cuts = [lo, *inner, hi]
    out = [cuts[0]]
    for c in cuts[1:]:
        if c > out[-1]:
            out.append(c)
    if len(out) == 1:
        out.append(out[0])
    return tuple(_python(v) for v in out)


def _split(part: Any, column: Any, inner: list[Any], drop: bool, k: int) -> list[Any]:
    indexed = part.set_index(column, drop=drop)
    labels = indexed.index
    present = ~labels.isna()
    bucket = np.full(len(labels), k - 1, dtype=np.intp)
    if inner and present.any():
        cuts = pd.Index(inner).astype(labels.dtype) if labels.dtype.kind in "biufM" else (
            pd.Index(inner, dtype=object))
        bucket[present] = cuts.searchsorted(labels[present], side="right")
    elif present.any():
        bucket[present] = 0
    return [indexed[bucket == j] for j in range(k)]


def _gather(pieces: list[Any]) -> Any:
    full = [p for p in pieces if len(p)] or pieces[:1]
    joined = full[0] if len(full) == 1 else pd.concat(full)
    return joined.sort_index(kind="stable")


def set_index(frame: Any, column: Any, drop: bool = True, sorted: bool = False,
              npartitions: int | None = None, divisions: Any = None) -> Any:
    """``frame.set_index(column)`` sorted by it, with known divisions."""
    if not isinstance(column, str) and not np.isscalar(column):
        raise ChunkArrayValueError(f"set_index: expected one column name, got {column!r}")
    check_columns(frame, [column], "set_index")
    meta = frame.meta.set_index(column, drop=drop)
    if sorted:
        return _set_sorted(frame, column, drop, meta)
    if divisions is None:
        target = npartitions or frame.npartitions
        divisions = estimate_divisions(frame, column, target)
        if divisions[0] is None:  # no labels at all
            return _set_sorted(frame, column, drop, meta)
    divisions = tuple(divisions)
    k = len(divisions) - 1
    inner = list(divisions[1:-1])
    token = tokenize(frame, column, drop, divisions)
    split_name, name = f"shuffle-split-{token}", f"set_index-{token}"
    n = frame.npartitions
    splits = {(split_name, i): Task(_split, Ref((frame._name, i)), column, inner, drop, k)
              for i in range(n)}
    joins = {(name, j): Task(_gather, [Task(operator.getitem, Ref((split_name, i)), j)
                                       for i in range(n)]) for j in range(k)}
    graph = Graph.from_layer(MaterializedLayer(split_name, splits), frame._graph)
    graph = Graph.from_layer(MaterializedLayer(name, joins), graph)
    return new_collection(graph, name, meta, divisions)


def _first_last(part: Any, column: Any) -> tuple[Any, Any]:
    values = part[column]
    return (values.iloc[0], values.iloc[-1]) if len(values) else (None, None)


def _set_sorted(frame: Any, column: Any, drop: bool, meta: Any) -> Any:
    from chunkarray.base import compute
    from chunkarray.dataframe.partitionwise import partitionwise

    indexed = partitionwise(operator.methodcaller("set_index", column, drop=drop), frame,
                            meta=meta, label="set_index")
    ends = partitionwise(_first_last, frame, column, meta=pd.Series([], dtype=object),
                         label="bounds")
    bounds = compute(*ends.to_delayed())
    if any(lo is None for lo, _ in bounds):
        divisions: tuple[Any, ...] = (None,) * (frame.npartitions + 1)
    else:
        divisions = (*(_python(lo) for lo, _ in bounds), _python(bounds[-1][1]))
        if any(a > b for a, b in zip(divisions, divisions[1:])):
            raise ChunkArrayValueError(
                f"set_index(sorted=True): column {column!r} is not sorted across partitions"
            )
    return new_collection(indexed._graph, indexed._name, meta, divisions)
