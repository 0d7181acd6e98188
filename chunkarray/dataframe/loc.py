"""``loc``: label-based row selection on the index.

With known divisions, a label slice reads only the partitions whose index range
overlaps it (partition i holds ``divisions[i] <= label < divisions[i + 1]``, the
last one up to and including ``divisions[-1]``), and the result's divisions are
the clipped range. With unknown divisions every partition is sliced. A single
label selects like the slice ``label:label`` (a frame of the matching rows); a
boolean Series filters; ``loc[rows, columns]`` selects both.

>>> import pandas as pd
>>> from chunkarray.dataframe import from_pandas
>>> df = from_pandas(pd.DataFrame({"x": range(10)}), npartitions=5)
>>> part = df.loc[3:6]
>>> part.npartitions, part.divisions
(3, (3, 4, 6, 6))
>>> part.x.compute().tolist()
[3, 4, 5, 6]
"""

from __future__ import annotations

import bisect
from typing import Any

import pandas as pd

from chunkarray.dataframe.core import Frame, new_collection
from chunkarray.dataframe.partitionwise import partitionwise
from chunkarray.errors import ChunkArrayValueError
from chunkarray.graph.graph import Graph
from chunkarray.graph.layer import MaterializedLayer
from chunkarray.graph.task import Ref, Task
from chunkarray.tokenize import tokenize


def _slice(part: Any, start: Any, stop: Any) -> Any:
    return part.loc[start:stop]


def _labels(part: Any, labels: list[Any]) -> Any:
    return part[part.index.isin(labels)]


def _filter(part: Any, mask: Any) -> Any:
    return part[mask]


def loc(frame: Any, key: Any) -> Any:
    """``frame.loc[key]`` (see the module docstring)."""
    if isinstance(key, tuple) and len(key) == 2 and not isinstance(frame.meta, pd.Series):
        rows, columns = key
        selected = loc(frame, rows) if not _is_everything(rows) else frame
        return selected[columns]
    if isinstance(key, Frame):
        return partitionwise(_filter, frame, key, label="loc")
    if isinstance(key, slice):
        if key.step is not None:
            raise ChunkArrayValueError(f"loc: slices with a step are not supported, got {key}")
        return _loc_slice(frame, key.start, key.stop)
    if isinstance(key, (list, pd.Index)):
        return partitionwise(_labels, frame, list(key), label="loc")
    return _loc_slice(frame, key, key)


def _is_everything(key: Any) -> bool:
    return isinstance(key, slice) and key == slice(None)


def _label_bounds(index: pd.Index, start: Any, stop: Any) -> tuple[Any, Any]:
    """Labels comparable with the divisions: on a DatetimeIndex, strings become the
    first and the last instant they name (``"2000-01-02"`` is the whole day)."""
    if not isinstance(index, pd.DatetimeIndex):
        return start, stop
    lo = None if start is None else pd.Timestamp(start)
    hi = None
    if isinstance(stop, str):
        try:
            hi = pd.Period(stop).end_time
        except ValueError:
            hi = pd.Timestamp(stop)
    elif stop is not None:
        hi = pd.Timestamp(stop)
    return lo, hi


def _loc_slice(frame: Any, start: Any, stop: Any) -> Any:
    if not frame.known_divisions:
        return partitionwise(_slice, frame, start, stop, label="loc",
                             divisions=frame.divisions)
    divs = list(frame.divisions)
    n = frame.npartitions
    lo_label, hi_label = _label_bounds(frame.meta.index, start, stop)
    first = 0 if start is None else min(max(bisect.bisect_right(divs, lo_label) - 1, 0), n - 1)
    last = n - 1 if stop is None else min(max(bisect.bisect_right(divs, hi_label) - 1, 0),
                                          n - 1)
    if last < first:
        last = first
    name = f"loc-{tokenize(frame, start, stop)}"
    tasks = {(name, k): Task(_slice, Ref((frame._name, i)), start, stop)
             for k, i in enumerate(range(first, last + 1))}
    lo = divs[first] if start is None else max(lo_label, divs[first])
    hi = divs[last + 1] if stop is None else min(hi_label, divs[last + 1])
    if hi < lo:
        hi = lo
    divisions = (lo, *divs[first + 1:last + 1], hi)
    layer = MaterializedLayer(name, tasks)
    return new_collection(Graph.from_layer(layer, frame._graph), name, frame.meta, divisions)
