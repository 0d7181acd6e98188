"""The text and HTML reprs of dataframe collections: structure, partitions, tasks.

Like the tutorial's ``Dask Series Structure``: a table whose rows are the
divisions (blank when unknown) under an ``npartitions=N`` heading, the dtypes in
the first row and ``...`` below, then ``Name:``/``dtype:`` for a Series, and a last
line naming the operation and the number of tasks in the graph.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

_MAX_ROWS = 8  # division rows shown before the middle ones are elided


def _division_labels(frame: Any) -> list[str]:
    if frame.known_divisions:
        return [str(d) for d in frame.divisions]
    return [""] * len(frame.divisions)


def _elide(rows: list[list[str]], labels: list[str]) -> tuple[list[list[str]], list[str]]:
    if len(rows) <= _MAX_ROWS:
        return rows, labels
    head, tail = _MAX_ROWS // 2, _MAX_ROWS // 2 - 1
    filler = ["..."] * len(rows[0])
    return (rows[:head] + [filler] + rows[-tail:], labels[:head] + ["..."] + labels[-tail:])


def structure(frame: Any) -> pd.DataFrame:
    """The structure table: one row per division, one column per column."""
    meta = frame.meta
    if isinstance(meta, pd.DataFrame):
        columns = list(meta.columns)
        dtypes = [str(t) for t in meta.dtypes]
    else:
        columns = [meta.name if meta.name is not None else ""]
        dtypes = [str(meta.dtype)]
    labels = _division_labels(frame)
    rows = [dtypes] + [["..."] * len(dtypes) for _ in labels[1:]]
    rows, labels = _elide(rows, labels)
    table = pd.DataFrame(rows, columns=pd.Index(columns, dtype=object),
                         index=pd.Index(labels, name=f"npartitions={frame.npartitions}"))
    return table


def _footer(frame: Any) -> str:
    return f"chunkarray Name: {frame.operation}, {len(frame.graph)} tasks"


def frame_repr(frame: Any) -> str:
    """The text repr (see the module docstring)."""
    table = structure(frame)
    meta = frame.meta
    if isinstance(meta, pd.DataFrame):
        body = table.to_string() if len(table.columns) else f"Columns: []\n{table.index.name}"
        return f"chunkarray DataFrame Structure:\n{body}\n{_footer(frame)}"
    kind = "Index" if isinstance(meta, pd.Index) else "Series"
    series = table.iloc[:, 0].rename(None)
    lines = series.to_string().splitlines()
    name = f"Name: {meta.name}, dtype: {meta.dtype}"
    return f"chunkarray {kind} Structure:\n" + "\n".join(lines) + f"\n{name}\n{_footer(frame)}"


def frame_html(frame: Any) -> str:
    """The HTML repr for notebooks."""
    meta = frame.meta
    kind = type(frame).__name__
    table = structure(frame).to_html()
    extra = ""
    if not isinstance(meta, pd.DataFrame):
        extra = f"<div>Name: {html.escape(str(meta.name))}, dtype: {meta.dtype}</div>"
    footer = html.escape(_footer(frame))
    return (f"<div><strong>chunkarray {kind} Structure:</strong></div>{table}{extra}"
            f"<div>{footer}</div>")
