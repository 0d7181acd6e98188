"""Making dataframe collections: ``from_pandas``, ``from_delayed``, ``from_array``.

>>> import pandas as pd
>>> df = from_pandas(pd.DataFrame({"x": range(6)}), chunksize=4)
>>> df.npartitions, df.divisions
(2, (0, 4, 5))
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from chunkarray.dataframe.core import new_collection
from chunkarray.dataframe.meta import PartitionCheck, make_meta
from chunkarray.dataframe.methods import check_positive
from chunkarray.errors import ChunkArrayTypeError, ChunkArrayValueError
from chunkarray.graph.graph import Graph
from chunkarray.graph.layer import MaterializedLayer
from chunkarray.graph.task import Literal, Ref, Task
from chunkarray.tokenize import tokenize

__all__ = ["from_array", "from_delayed", "from_pandas"]


def _boundaries(index: pd.Index, npartitions: int, chunksize: int | None,
                sort: bool) -> list[int]:
    """Row positions where partitions start (plus the end); equal labels stay together."""
    n = len(index)
    if chunksize is not None:
        starts = list(range(0, max(n, 1), chunksize))
    else:
        starts = sorted({int(round(x)) for x in np.linspace(0, n, npartitions + 1)[:-1]})
    if sort and n:
        values = index
        adjusted = []
        for s in starts:
            s = int(values.searchsorted(values[s], side="left")) if s < n else n
            if not adjusted or s > adjusted[-1]:
                adjusted.append(s)
        starts = adjusted
    return [*starts, n] if starts else [0, n]


def from_pandas(data: Any, npartitions: int | None = None, chunksize: int | None = None,
                sort: bool = True) -> Any:
    """A pandas DataFrame or Series split into partitions of consecutive rows.

    Parameters
    ----------
    data : pandas.DataFrame or pandas.Series
    npartitions : int, optional
        The number of partitions (1 if neither this nor ``chunksize`` is given).
    chunksize : int, optional
        Rows per partition instead of ``npartitions``.
    sort : bool
        Sort by the index first; the divisions are then known (rows with equal
        index labels stay in one partition, so there may be fewer partitions).

    Returns
    -------
    DataFrame or Series

    Examples
    --------
    >>> import pandas as pd
    >>> s = from_pandas(pd.Series([3, 1, 2], index=[2, 0, 1]), npartitions=2)
    >>> s.divisions, s.compute().tolist()
    ((0, 2, 2), [1, 2, 3])
    """
    if not isinstance(data, (pd.DataFrame, pd.Series)):
        raise ChunkArrayTypeError(
            f"from_pandas: data must be a pandas DataFrame or Series, got {type(data).__name__}"
        )
    if npartitions is not None and chunksize is not None:
        raise ChunkArrayValueError("from_pandas: give npartitions or chunksize, not both")
    if chunksize is not None:
        chunksize = check_positive(chunksize, "from_pandas", "chunksize")
        npartitions = max(1, math.ceil(len(data) / chunksize))
    npartitions = check_positive(1 if npartitions is None else npartitions, "from_pandas",
                                 "npartitions")
    if sort and not data.index.is_monotonic_increasing:
        data = data.sort_index()
    bounds = _boundaries(data.index, min(npartitions, max(len(data), 1)), chunksize, sort)
    name = f"from_pandas-{tokenize(data, npartitions, sort)}"
    tasks = {(name, i): Literal(data.iloc[a:b]) for i, (a, b) in
             enumerate(zip(bounds[:-1], bounds[1:]))}
    if sort and len(data):
        index = data.index
        divisions = tuple(index[[*bounds[:-1], len(index) - 1]].tolist())
    else:
        divisions = (None,) * len(bounds)
    graph = Graph.from_layer(MaterializedLayer(name, tasks))
    return new_collection(graph, name, make_meta(data), tuple(divisions))


def from_delayed(dfs: Sequence[Any], meta: Any = None, divisions: Any = None,
                 verify_meta: bool = True) -> Any:
    """One partition per Delayed value (each a pandas object).

    Without ``meta``, the first partition is computed to find it. With
    ``verify_meta``, every partition is checked against the meta when computed.

    >>> import pandas as pd
    >>> from chunkarray import delayed
    >>> parts = [delayed(pd.DataFrame)({"a": [i]}) for i in range(3)]
    >>> from_delayed(parts, meta={"a": "int64"}).a.compute().tolist()
    [0, 1, 2]
    """
    from chunkarray.delayed import Delayed

    dfs = list(dfs)
    if not dfs or not all(isinstance(d, Delayed) for d in dfs):
        raise ChunkArrayTypeError(
            "from_delayed: dfs must be a non-empty list of Delayed values, got "
            f"{[type(d).__name__ for d in dfs]}"
        )
    meta = make_meta(dfs[0].compute()) if meta is None else make_meta(meta)
    if divisions is None:
        divisions = (None,) * (len(dfs) + 1)
    elif len(divisions) != len(dfs) + 1:
        raise ChunkArrayValueError(
            f"from_delayed: divisions must have {len(dfs) + 1} entries, got {len(divisions)}"
        )
    name = f"from_delayed-{tokenize([d.key for d in dfs], meta, verify_meta)}"
    check = PartitionCheck(_identity, meta, "from_delayed")
    tasks = {(name, i): (Task(check, i, Ref(d.key)) if verify_meta else Task(_identity,
                                                                             Ref(d.key)))
             for i, d in enumerate(dfs)}
    graph = Graph.from_layer(MaterializedLayer(name, tasks), *(d._graph for d in dfs))
    return new_collection(graph, name, meta, tuple(divisions))


def _identity(value: Any) -> Any:
    return value


def _block_frame(block: Any, start: int, columns: Any, kind: str) -> Any:
    index = pd.RangeIndex(start, start + len(block))
    if kind == "series":
        return pd.Series(block, index=index, name=columns)
    return pd.DataFrame(block, index=index, columns=columns)


def from_array(x: Any, chunksize: int = 50_000, columns: Any = None) -> Any:
    """A 1-d or 2-d chunkarray Array or NumPy array as a Series or DataFrame.

    Row blocks become partitions (a chunkarray Array keeps its row chunks; a NumPy
    array is cut every ``chunksize`` rows); the index is 0 .. n - 1 with known
    divisions.

    >>> import numpy as np
    >>> df = from_array(np.arange(6).reshape(3, 2), chunksize=2, columns=["a", "b"])
    >>> df.npartitions, df.b.compute().tolist()
    (2, [1, 3, 5])
    """
    from chunkarray.array.core import Array
    from chunkarray.array.creation import from_array as array_from_numpy

    if not isinstance(x, Array):
        x = np.asarray(x)
        chunksize = check_positive(chunksize, "from_array", "chunksize")
        x = array_from_numpy(x, chunks=(chunksize,) + x.shape[1:])
    if x.ndim not in (1, 2):
        raise ChunkArrayValueError(f"from_array: x must be 1-d or 2-d, got {x.ndim}-d")
    if x.ndim == 2 and x.numblocks[1] != 1:
        x = x.rechunk({1: -1})
    kind = "series" if x.ndim == 1 else "frame"
    if kind == "frame" and columns is None:
        columns = list(range(x.shape[1]))
    rows = [int(c) for c in x.chunks[0]]
    starts = np.concatenate([[0], np.cumsum(rows)]).astype(int).tolist()
    name = f"from_array-{tokenize(x, columns)}"
    tasks = {}
    for i in range(len(rows)):
        key = (x.name, i) if x.ndim == 1 else (x.name, i, 0)
        tasks[(name, i)] = Task(_block_frame, Ref(key), starts[i], columns, kind)
    meta = _block_frame(np.empty((0,) + x.shape[1:], dtype=x.dtype), 0, columns, kind)
    divisions = (*starts[:-1], max(starts[-1] - 1, 0))
    graph = Graph.from_layer(MaterializedLayer(name, tasks), x.graph)
    return new_collection(graph, name, meta, divisions)
