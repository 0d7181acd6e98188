"""Selecting columns and rows: ``df["x"]``, ``df[mask]``, ``head``, ``tail``, ``assign``,
``drop``, ``apply``, ``map`` and ``reset_index``.

Column names are checked against the meta when the graph is built: a missing
column is a KeyError naming it and listing the columns there are. Selecting columns
of a plain ``read_csv`` or ``read_parquet`` reads only those columns.

>>> import pandas as pd
>>> from chunkarray.dataframe import from_pandas
>>> df = from_pandas(pd.DataFrame({"x": [1, -2, 3], "y": [4, 5, 6]}), npartitions=2)
>>> df[df.x > 0].y.compute().tolist()
[4, 6]
>>> df["z"]
Traceback (most recent call last):
    ...
KeyError: "DataFrame['z']: no column 'z'; the columns are ['x', 'y']"
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import pandas as pd

from chunkarray.dataframe.core import DataFrame, Frame, Series, new_collection
from chunkarray.dataframe.io_csv import project_columns
from chunkarray.dataframe.meta import as_meta, make_meta, nonempty
from chunkarray.dataframe.methods import call_method, check_positive
from chunkarray.dataframe.partitionwise import partitionwise
from chunkarray.graph.graph import Graph
from chunkarray.graph.layer import MaterializedLayer
from chunkarray.graph.reduction import PrefixScan
from chunkarray.graph.task import Alias, Ref, Task
from chunkarray.tokenize import tokenize


def check_columns(frame: Any, keys: list[Any], where: str) -> None:
    """KeyError naming the first of ``keys`` that is not a column."""
    columns = list(frame.meta.columns)
    for key in keys:
        if key not in frame.meta.columns:
            raise KeyError(f"{where}: no column {key!r}; the columns are {columns}")


def _filter(part: Any, mask: Any) -> Any:
    return part[mask]


def getitem_frame(frame: DataFrame, key: Any) -> Any:
    """``df[key]``: a column, a list of columns, a boolean Series, or a label slice."""
    if isinstance(key, Series):
        return partitionwise(_filter, frame, key, label="getitem")
    if isinstance(key, slice):
        return frame.loc[key]
    if isinstance(key, (list, pd.Index)):
        check_columns(frame, list(key), f"DataFrame[{list(key)!r}]")
        return partitionwise(operator.getitem, _pruned(frame, list(key)), list(key),
                             label="getitem")
    if isinstance(key, Frame):
        return partitionwise(_filter, frame, key, label="getitem")
    check_columns(frame, [key], f"DataFrame[{key!r}]")
    return partitionwise(operator.getitem, _pruned(frame, [key]), key, label="getitem")


def _pruned(frame: DataFrame, columns: list[Any]) -> Any:
    """``frame`` read with only ``columns`` if it is a plain read_csv / read_parquet."""
    if len(set(columns)) == len(frame.meta.columns):
        return frame
    pruned = project_columns(frame, list(dict.fromkeys(columns)))
    return frame if pruned is None else pruned


def getitem_series(series: Series, key: Any) -> Any:
    """``s[key]``: a boolean Series filter, or label selection via ``loc``."""
    if isinstance(key, Series):
        return partitionwise(_filter, series, key, label="getitem")
    return series.loc[key]


def _head(parts: list[Any], n: int) -> Any:
    joined = parts[0] if len(parts) == 1 else pd.concat(parts)
    return joined.head(n)


def head(frame: Any, n: int, npartitions: int, compute: bool) -> Any:
    """The first ``n`` rows of the first ``npartitions`` partitions (only those are read)."""
    npartitions = check_positive(npartitions, "head", "npartitions")
    npartitions = min(npartitions, frame.npartitions)
    name = f"head-{tokenize(frame, n, npartitions)}"
    refs = [Ref((frame._name, i)) for i in range(npartitions)]
    layer = MaterializedLayer(name, {(name, 0): Task(_head, refs, n)})
    end = frame.divisions[npartitions]
    result = new_collection(Graph.from_layer(layer, frame._graph), name, frame.meta,
                            (frame.divisions[0], end))
    return result.compute() if compute else result


def tail(frame: Any, n: int, compute: bool) -> Any:
    """The last ``n`` rows of the last partition."""
    last = frame.npartitions - 1
    name = f"tail-{tokenize(frame, n)}"
    layer = MaterializedLayer(name, {(name, 0): Task(call_method, Ref((frame._name, last)),
                                                     "tail", n)})
    result = new_collection(Graph.from_layer(layer, frame._graph), name, frame.meta,
                            frame.divisions[last:])
    return result.compute() if compute else result


def _assign(part: Any, names: tuple[Any, ...], *values: Any) -> Any:
    return part.assign(**dict(zip(names, values)))


def assign(frame: Any, values: dict[str, Any]) -> Any:
    """``df.assign(**values)``: scalars, aligned Series, or callables of the frame."""
    out = frame
    for key, value in values.items():
        if callable(value) and not isinstance(value, Frame):
            value = value(out)
        if isinstance(value, DataFrame):
            raise TypeError(f"assign: column {key!r} must be a Series or a scalar, got a "
                            f"DataFrame")
        out = partitionwise(_assign, out, (key,), value, label="assign")
    return out


def drop(frame: Any, labels: Any, axis: Any, columns: Any, errors: str) -> Any:
    """``df.drop(columns=...)``; rows cannot be dropped by label (use a filter)."""
    if columns is None:
        if axis not in (1, "columns"):
            raise ValueError(
                "drop: dropping rows by label is not supported; pass columns= (or axis=1), "
                "or filter rows with df[mask]"
            )
        columns = labels
    names = [columns] if not isinstance(columns, (list, tuple, pd.Index)) else list(columns)
    if errors == "raise":
        check_columns(frame, names, "drop")
    return partitionwise(call_method, frame, "drop", columns=names, errors=errors,
                         label="drop")


def _apply_rows(part: Any, func: Callable[..., Any], args: tuple[Any, ...],
                kwargs: dict[str, Any]) -> Any:
    return part.apply(func, axis=1, args=args, **kwargs)


def _apply_values(part: Any, func: Callable[..., Any], args: tuple[Any, ...],
                  kwargs: dict[str, Any]) -> Any:
    return part.apply(func, args=args, **kwargs)


def apply(frame: Any, func: Callable[..., Any], axis: Any, meta: Any,
          args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``df.apply(func, axis=1)`` or ``s.apply(func)``; meta from a one-row stand-in."""
    if isinstance(frame, DataFrame):
        if axis not in (1, "columns"):
            raise ValueError(
                "apply: only axis=1 (a function of each row) is supported on a DataFrame; "
                "use map_partitions for column-wise work"
            )
        runner = _apply_rows
    else:
        runner = _apply_values
    if meta is None:
        meta = as_meta(runner(nonempty(frame.meta), func, args, kwargs))
    return partitionwise(runner, frame, func, args, kwargs, meta=make_meta(meta),
                         verify=True, label="apply")


def map_values(series: Any, arg: Any, na_action: Any, meta: Any) -> Any:
    """``s.map(arg)`` for a function, dict or pandas Series."""
    if meta is None:
        if callable(arg):
            meta = as_meta(nonempty(series.meta).map(arg, na_action=na_action))
        else:
            meta = as_meta(series.meta.map(arg, na_action=na_action))
    return partitionwise(call_method, series, "map", arg, na_action=na_action,
                         meta=make_meta(meta), verify=callable(arg), label="map")


def _reset(part: Any, offset: int, drop: bool) -> Any:
    out = part.reset_index(drop=drop)
    out.index = pd.RangeIndex(offset, offset + len(out))
    return out


def reset_index(frame: Any, drop: bool) -> Any:
    """A global 0 .. n - 1 index: partition i starts after the rows before it."""
    lengths = partitionwise(len, frame, meta=pd.Series([], dtype="int64"), label="len")
    scan_name = f"offsets-{tokenize(lengths)}"
    scan = PrefixScan(scan_name, lengths._name, (frame.npartitions,), 0, operator.add, 0)
    graph = Graph.from_layer(scan, lengths._graph)
    offsets = new_collection(graph, scan_name, pd.Series([], dtype="int64"), frame.divisions)
    meta = frame.meta.reset_index(drop=drop)
    out = partitionwise(_reset, frame, offsets, drop, meta=meta, label="reset_index")
    return new_collection(out._graph, out._name, out.meta, (None,) * len(frame.divisions))


class LocIndexer:
    """``df.loc[...]``: label slices and labels on known divisions, boolean Series."""

    __slots__ = ("frame",)

    def __init__(self, frame: Any) -> None:
        self.frame = frame

    def __getitem__(self, key: Any) -> Any:
        from chunkarray.dataframe.loc import loc

        return loc(self.frame, key)



class PartitionIndexer:
    """``df.partitions[i]`` / ``df.partitions[1:3]``: a collection of some partitions."""

    __slots__ = ("frame",)

    def __init__(self, frame: Any) -> None:
        self.frame = frame

    def __getitem__(self, key: Any) -> Any:
        frame = self.frame
        n = frame.npartitions
        if isinstance(key, slice):
            chosen = list(range(n))[key]
        elif isinstance(key, (list, tuple)):
            chosen = [int(i) % n if -n <= int(i) < n else _bad_partition(i, n) for i in key]
        else:
            chosen = [int(key) % n if -n <= int(key) < n else _bad_partition(key, n)]
        if not chosen:
            raise IndexError(f"partitions[{key!r}]: selects no partition of {n}")
        name = f"partitions-{tokenize(frame, chosen)}"
        tasks = {(name, j): Alias((frame._name, i)) for j, i in enumerate(chosen)}
        contiguous = chosen == list(range(chosen[0], chosen[-1] + 1))
        divs = frame.divisions
        divisions = ((*(divs[i] for i in chosen), divs[chosen[-1] + 1]) if contiguous
                     else (None,) * (len(chosen) + 1))
        layer = MaterializedLayer(name, tasks)
        return new_collection(Graph.from_layer(layer, frame._graph), name, frame.meta,
                              divisions)


def _bad_partition(i: Any, n: int) -> int:
    raise IndexError(f"partitions[{i!r}]: out of range for {n} partitions")
