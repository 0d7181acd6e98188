"""Whole-collection reductions: apply-concat-apply as a tree of layers.

A reduction is three functions: ``chunk`` (one partial per partition: a 1-d
Blockwise layer, so it fuses with the partition-wise steps before it),
``combine`` (a list of up to ``split_every`` partials -> one partial; one
:class:`~chunkarray.graph.reduction.PartialReduce` level per tree level) and
``aggregate`` (the last level's partials -> the result, one partition). 30
partitions with ``split_every=8`` take 30 + 4 + 1 tasks.

Partials: monoid reductions (sum, min, max, count, prod, any, all) keep a one-row
frame per partition (empty partitions give none, so dtypes stay pandas'); moments
keep count, mean and M2 per column, merged with Chan's formula (deviations from
the combined mean, never sums of squares), so variances stay accurate for data
far from zero.

>>> import pandas as pd
>>> from chunkarray.dataframe import from_pandas
>>> s = from_pandas(pd.Series([1e9 + 1, 1e9 + 2, 1e9 + 3, 1e9 + 4]), npartitions=4)
>>> float(s.var().compute())
1.6666666666666667
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from chunkarray import config
from chunkarray.dataframe.core import DataFrame, Scalar, new_collection
from chunkarray.errors import ChunkArrayValueError
from chunkarray.graph.blockwise import Blockwise
from chunkarray.graph.graph import Graph
from chunkarray.graph.reduction import PartialReduce
from chunkarray.tokenize import tokenize

_MONOIDS = {"sum": "sum", "min": "min", "max": "max", "count": "sum", "prod": "prod",
            "any": "any", "all": "all"}
_MOMENTS = ("mean", "var", "std")


def parse_split_every(split_every: Any, function: str) -> int:
    """Partials combined per tree task: an int >= 2 (the ``split_every`` setting if None)."""
    if split_every is None:
        split_every = config.get("split_every")
    if isinstance(split_every, bool) or not isinstance(split_every, int) or split_every < 2:
        raise ChunkArrayValueError(
            f"{function}: split_every must be an int >= 2, got {split_every!r}"
        )
    return split_every


def tree(frames: list[Any], chunk: Callable[..., Any], combine: Callable[[list[Any]], Any],
         aggregate: Callable[[list[Any]], Any], label: str, split_every: Any,
         token: Any) -> tuple[Graph, str]:
    """The layers of a tree reduction over aligned ``frames``; the graph and the name of
    the one-partition result (key ``(name, 0)``)."""
    split = parse_split_every(split_every, label)
    tok = tokenize(label, [f._name for f in frames], token, split)
    n = frames[0].npartitions
    chunk_name = f"{label}-chunk-{tok}"
    inputs = [(f._name, "i") for f in frames]
    layer = Blockwise(chunk_name, "i", chunk, inputs, {f._name: (n,) for f in frames})
    graph = Graph.from_layer(layer, *(f._graph for f in frames))
    prev, nb, level = chunk_name, n, 0
    while nb > split:
        name = f"{label}-combine{level}-{tok}"
        step = PartialReduce(name, prev, (nb,), {0: split}, combine)
        graph = Graph.from_layer(step, graph)
        prev, nb, level = name, step.out_numblocks[0], level + 1
    final = f"{label}-{tok}"
    graph = Graph.from_layer(PartialReduce(final, prev, (nb,), {0: nb}, aggregate), graph)
    return graph, final


class _Monoid:
    """chunk / combine / aggregate of a reduction whose partials reduce like the data."""

    def __init__(self, how: str, kwargs: dict[str, Any], is_series: bool) -> None:
        self.how, self.kwargs, self.is_series = how, kwargs, is_series
        self.combiner = _MONOIDS[how]
        self.__name__ = how

    def chunk(self, part: Any) -> Any:
        frame = part.to_frame(name=0) if self.is_series else part
        if not len(frame):
            return frame
        return getattr(frame, self.how)(**self.kwargs).to_frame().T

    def _joined(self, parts: list[Any]) -> Any:
        full = [p for p in parts if len(p)]
        if not full:
            return None
        return full[0] if len(full) == 1 else pd.concat(full, ignore_index=True)

    def combine(self, parts: list[Any]) -> Any:
        cat = self._joined(parts)
        if cat is None:
            return parts[0]
        return getattr(cat, self.combiner)(**self._combine_kwargs()).to_frame().T

    def _combine_kwargs(self) -> dict[str, Any]:
        return {k: v for k, v in self.kwargs.items() if k in ("skipna", "numeric_only")
                and self.how != "count"}

    def aggregate(self, parts: list[Any]) -> Any:
        cat = self._joined(parts)
        if cat is None:
            result = getattr(parts[0], self.how)(**self.kwargs)
        else:
            result = getattr(cat, self.combiner)(**self._combine_kwargs())
        return result.iloc[0] if self.is_series else result

    def __chunkarray_tokenize__(self) -> Any:
        return ("Monoid", self.how, self.kwargs, self.is_series)


class _Moments:
    """chunk / combine / aggregate of mean, var and std (count, mean, M2 per column)."""

    def __init__(self, how: str, columns: list[Any], ddof: int, is_series: bool) -> None:
        self.how, self.columns, self.ddof, self.is_series = how, columns, ddof, is_series
        self.__name__ = how

    def chunk(self, part: Any) -> np.ndarray:
        frame = part.to_frame(name=0) if self.is_series else part[self.columns]
        n = frame.count().to_numpy(dtype=float)
        mean = frame.mean().to_numpy(dtype=float)
        var0 = frame.var(ddof=0).to_numpy(dtype=float)
        m2 = np.where(n > 0, var0 * n, 0.0)
        return np.stack([n, np.where(n > 0, mean, 0.0), m2])

    def combine(self, parts: list[np.ndarray]) -> np.ndarray:
        return merge_moments(np.stack(parts))

    def aggregate(self, parts: list[np.ndarray]) -> Any:
        n, mean, m2 = merge_moments(np.stack(parts))
        with np.errstate(invalid="ignore", divide="ignore"):
            if self.how == "mean":
                values = np.where(n > 0, mean, np.nan)
            else:
                values = np.where(n - self.ddof > 0, m2 / (n - self.ddof), np.nan)
                if self.how == "std":
                    values = np.sqrt(values)
        if self.is_series:
            return np.float64(values[0])
        return pd.Series(values, index=pd.Index(self.columns, dtype=object)
                         if not self.columns else self.columns, dtype="float64")

    def __chunkarray_tokenize__(self) -> Any:
        return ("Moments", self.how, self.columns, self.ddof, self.is_series)


def merge_moments(stacked: np.ndarray) -> np.ndarray:
    """Merge partials ``(k, 3, c)`` of (count, mean, M2) into one ``(3, c)`` (Chan et al.).

    >>> a = np.array([[2.0], [1.5], [0.5]]); b = np.array([[2.0], [3.5], [0.5]])
    >>> merge_moments(np.stack([a, b]))[:, 0].tolist()
    [4.0, 2.5, 5.0]
    """
    n, mean, m2 = stacked[:, 0], stacked[:, 1], stacked[:, 2]
    total = n.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        combined = np.where(total > 0, (n * mean).sum(axis=0) / total, 0.0)
    m2_total = (m2 + n * (mean - combined) ** 2).sum(axis=0)
    return np.stack([total, combined, m2_total])


def _result(frame: Any, graph: Graph, name: str, meta: Any) -> Any:
    if isinstance(frame, DataFrame):
        return new_collection(graph, name, meta, (None, None))
    return Scalar(graph, name, meta)


def reduce(frame: Any, how: str, split_every: Any = None, **kwargs: Any) -> Any:
    """``frame.<how>()`` as a tree reduction: a Scalar for a Series, a one-partition
    Series (indexed by column) for a DataFrame."""
    is_series = not isinstance(frame, DataFrame)
    empty = getattr(frame.meta, how)(**kwargs)
    meta = empty if is_series else empty.iloc[:0]
    if how in _MOMENTS:
        ddof = int(kwargs.pop("ddof", 1))
        columns = [] if is_series else list(empty.index)
        spec: Any = _Moments(how, columns, ddof, is_series)
    else:
        spec = _Monoid(how, kwargs, is_series)
    graph, name = tree([frame], spec.chunk, spec.combine, spec.aggregate, how, split_every,
                       spec)
    return _result(frame, graph, name, meta)


def _length_chunk(part: Any) -> int:
    return len(part)


def _total(parts: list[int]) -> int:
    return sum(parts)


def length(frame: Any, split_every: Any = None) -> Scalar:
    """The number of rows, as a lazy Scalar."""
    graph, name = tree([frame], _length_chunk, _total, _total, "len", split_every, None)
    return Scalar(graph, name, 0)


class _Distinct:
    """Distinct values per column (a dict of Series), for ``nunique``."""

    def __init__(self, dropna: bool, is_series: bool) -> None:
        self.dropna, self.is_series = dropna, is_series
        self.__name__ = "nunique"

    def chunk(self, part: Any) -> dict[Any, Any]:
        frame = part.to_frame(name=0) if self.is_series else part
        out = {}
        for i, col in enumerate(frame.columns):
            values = frame.iloc[:, i].drop_duplicates()
            out[col] = values.dropna() if self.dropna else values
        return out

    def combine(self, parts: list[dict[Any, Any]]) -> dict[Any, Any]:
        return {c: pd.concat([p[c] for p in parts], ignore_index=True).drop_duplicates()
                for c in parts[0]}

    def aggregate(self, parts: list[dict[Any, Any]]) -> Any:
        counts = {c: len(v) for c, v in self.combine(parts).items()}
        if self.is_series:
            return counts[0]
        return pd.Series(list(counts.values()), index=list(counts), dtype="int64")

    def __chunkarray_tokenize__(self) -> Any:
        return ("Distinct", self.dropna, self.is_series)


def nunique(frame: Any, split_every: Any = None, dropna: bool = True) -> Any:
    """The number of distinct values: a Scalar (Series) or per column (DataFrame)."""
    is_series = not isinstance(frame, DataFrame)
    spec = _Distinct(dropna, is_series)
    graph, name = tree([frame], spec.chunk, spec.combine, spec.aggregate, "nunique",
                       split_every, spec)
    meta = 0 if is_series else pd.Series([], dtype="int64")
    return _result(frame, graph, name, meta)


class _Counts:
    """Partial value counts, summed by value."""

    def __init__(self, dropna: bool, sort: bool, ascending: bool, normalize: bool) -> None:
        self.dropna, self.sort, self.ascending, self.normalize = dropna, sort, ascending, normalize
        self.__name__ = "value_counts"

    def chunk(self, part: Any) -> Any:
        return part.value_counts(dropna=self.dropna, sort=False)

    def combine(self, parts: list[Any]) -> Any:
        cat = parts[0] if len(parts) == 1 else pd.concat(parts)
        return cat.groupby(level=0, sort=False, dropna=False, observed=False).sum()

    def aggregate(self, parts: list[Any]) -> Any:
        counts = self.combine(parts)
        if self.normalize:
            counts = (counts / counts.sum()).rename("proportion")
        if self.sort:
            counts = counts.sort_values(ascending=self.ascending, kind="stable")
        return counts

    def __chunkarray_tokenize__(self) -> Any:
        return ("Counts", self.dropna, self.sort, self.ascending, self.normalize)


def value_counts(series: Any, sort: bool = True, ascending: bool = False,
                 dropna: bool = True, normalize: bool = False, split_every: Any = None) -> Any:
    """``s.value_counts()`` as a tree reduction: a one-partition Series."""
    spec = _Counts(dropna, sort, ascending, normalize)
    graph, name = tree([series], spec.chunk, spec.combine, spec.aggregate, "value_counts",
                       split_every, spec)
    meta = series.meta.value_counts(normalize=normalize)
    return new_collection(graph, name, meta, (None, None))


class _Unique:
    """Distinct rows (``drop_duplicates``) or values (``unique``), in order of appearance."""

    def __init__(self, subset: Any, keep_index: bool) -> None:
        self.subset, self.keep_index = subset, keep_index
        self.__name__ = "drop_duplicates"

    def chunk(self, part: Any) -> Any:
        if self.subset is None:
            return part.drop_duplicates()
        return part.drop_duplicates(subset=self.subset)

    def combine(self, parts: list[Any]) -> Any:
        return self.chunk(parts[0] if len(parts) == 1 else pd.concat(parts))

    def aggregate(self, parts: list[Any]) -> Any:
        out = self.combine(parts)
        return out if self.keep_index else out.reset_index(drop=True)

    def __chunkarray_tokenize__(self) -> Any:
        return ("Unique", self.subset, self.keep_index)


def drop_duplicates(frame: Any, subset: Any = None, split_every: Any = None,
                    label: str = "drop_duplicates") -> Any:
    """The first row of each distinct row (or ``subset`` of columns), one partition."""
    spec = _Unique(subset, label == "drop_duplicates")
    graph, name = tree([frame], spec.chunk, spec.combine, spec.aggregate, label, split_every,
                       spec)
    return new_collection(graph, name, frame.meta, (None, None))
