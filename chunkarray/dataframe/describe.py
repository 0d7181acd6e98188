"""describe: count, mean, std, min, quartiles and max of numeric columns, in one tree.

Non-numeric data (text, categorical) gets pandas' count, unique, top and freq,
from value counts summed up the tree; frames mixing both kinds are refused.

Each partition gives, per numeric column, its count, mean and M2 (merged with
Chan's formula), min, max and a quantile sketch. A sketch is the sorted non-null
values with weights; while a column has at most ``SKETCH`` values they are all
kept (weight 1), so the quartiles are exact and equal pandas' (linear
interpolation); beyond that, merged sketches are compressed to ``SKETCH`` points
at evenly spaced cumulative weights, and the quartiles are approximate (within
about 1 / SKETCH of the rank).

>>> import pandas as pd
>>> from chunkarray.dataframe import from_pandas
>>> s = from_pandas(pd.Series([1.0, 2.0, 3.0, 4.0, 10.0]), npartitions=2)
>>> s.describe().compute().tolist()
[5.0, 4.0, 3.5355339059327378, 1.0, 2.0, 3.0, 4.0, 10.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from chunkarray.dataframe.core import DataFrame, new_collection
from chunkarray.dataframe.reductions import merge_moments, tree
from chunkarray.errors import ChunkArrayTypeError

SKETCH = 2000  # points kept per column sketch
_QUANTILES = (0.25, 0.5, 0.75)


def _compress(values: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if len(values) <= SKETCH:
        return values, weights
    order = np.argsort(values, kind="stable")
    values, weights = values[order], weights[order]
    cum = np.cumsum(weights)
    total = cum[-1]
    marks = (np.arange(SKETCH) + 0.5) * total / SKETCH
    picks = np.searchsorted(cum, marks)
    return values[picks], np.full(SKETCH, total / SKETCH)


class _Describe:
    def __init__(self, columns: list[Any], is_series: bool, name: Any = None) -> None:
        self.columns, self.is_series, self.name = columns, is_series, name
        self.__name__ = "describe"

    def __chunkarray_tokenize__(self) -> Any:
        return ("describe", self.columns, self.is_series, self.name)

    def chunk(self, part: Any) -> list[dict[str, Any]]:
        frame = part.to_frame(name=0) if self.is_series else part[self.columns]
        out = []
        for i in range(frame.shape[1]):
            v = frame.iloc[:, i].to_numpy(dtype=float, na_value=np.nan)
            v = np.sort(v[~np.isnan(v)])
            n = float(len(v))
            mean = float(v.mean()) if n else 0.0
            m2 = float(((v - mean) ** 2).sum()) if n else 0.0
            values, weights = _compress(v, np.ones(len(v)))
            out.append({"moments": np.array([[n], [mean], [m2]]), "min": v.min() if n else np.nan,
                        "max": v.max() if n else np.nan, "values": values, "weights": weights})
        return out

    def combine(self, parts: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
        out = []
        for col in zip(*parts):
            values = np.concatenate([c["values"] for c in col])
            weights = np.concatenate([c["weights"] for c in col])
            values, weights = _compress(values, weights)
            out.append({"moments": merge_moments(np.stack([c["moments"] for c in col])),
                        "min": np.nanmin([c["min"] for c in col] + [np.inf]),
                        "max": np.nanmax([c["max"] for c in col] + [-np.inf]),
                        "values": values, "weights": weights})
        return out

    def aggregate(self, parts: list[list[dict[str, Any]]]) -> Any:
        rows = [self._column(c) for c in self.combine(parts)]
        index = ["count", "mean", "std", "min", "25%", "50%", "75%", "max"]
        if self.is_series:
            return pd.Series(rows[0], index=index, dtype="float64", name=self.name)
        return pd.DataFrame(dict(zip(self.columns, rows)), index=index, dtype="float64")

    def _column(self, c: dict[str, Any]) -> list[float]:
        n, mean, m2 = (float(x[0]) for x in c["moments"])
        if n == 0:
            return [0.0] + [np.nan] * 7
        std = np.sqrt(m2 / (n - 1)) if n > 1 else np.nan
        return [n, mean, std, float(c["min"]), *self._quartiles(c), float(c["max"])]

    def _quartiles(self, c: dict[str, Any]) -> list[float]:
        values, weights = c["values"], c["weights"]
        order = np.argsort(values, kind="stable")
        values, weights = values[order], weights[order]
        if np.all(weights == 1.0):
            return [float(q) for q in np.quantile(values, _QUANTILES)]
        cum = np.cumsum(weights) - weights / 2
        return [float(np.interp(q * cum[-1] + weights[-1] / 2 * (1 - 2 * q), cum, values))
                for q in _QUANTILES]


class _DescribeText:
    """count, unique, top and freq of non-numeric columns, from summed value counts."""

    def __init__(self, columns: list[Any], is_series: bool, name: Any) -> None:
        self.columns, self.is_series, self.name = columns, is_series, name
        self.__name__ = "describe"

    def __chunkarray_tokenize__(self) -> Any:
        return ("describe-text", self.columns, self.is_series, self.name)

    def chunk(self, part: Any) -> list[Any]:
        frame = part.to_frame(name=0) if self.is_series else part[self.columns]
        return [frame.iloc[:, i].value_counts(sort=False) for i in range(frame.shape[1])]

    def combine(self, parts: list[list[Any]]) -> list[Any]:
        return [pd.concat(col).groupby(level=0, sort=False, observed=True).sum()
                for col in zip(*parts)]

    def aggregate(self, parts: list[list[Any]]) -> Any:
        rows = []
        for counts in self.combine(parts):
            counts = counts.sort_values(ascending=False, kind="stable")
            top = counts.index[0] if len(counts) else np.nan
            freq = counts.iloc[0] if len(counts) else np.nan
            rows.append([counts.sum(), len(counts), top, freq])
        index = ["count", "unique", "top", "freq"]
        if self.is_series:
            return pd.Series(rows[0], index=index, dtype=object, name=self.name)
        return pd.DataFrame(dict(zip(self.columns, rows)), index=index, dtype=object)


def _is_numeric(dtype: Any) -> bool:
    return not isinstance(dtype, pd.CategoricalDtype) and getattr(dtype, "kind", "O") in "biuf"


def describe(frame: Any, split_every: Any = None) -> Any:
    """``frame.describe()`` (see the module docstring): numeric columns if there are
    any, else count/unique/top/freq of the text or categorical ones."""
    meta = frame.meta.describe()
    is_series = not isinstance(frame, DataFrame)
    name = frame.meta.name if is_series else None
    columns = [] if is_series else list(meta.columns)
    dtypes = [frame.meta.dtype] if is_series else [frame.meta[c].dtype for c in columns]
    if not all(_is_numeric(t) for t in dtypes):
        if any(_is_numeric(t) or getattr(t, "kind", "O") in "mM" for t in dtypes):
            raise ChunkArrayTypeError(
                f"describe: columns mixing numbers with other data are not supported, got "
                f"{[str(t) for t in dtypes]}"
            )
        text = _DescribeText(columns, is_series, name)
        graph, out = tree([frame], text.chunk, text.combine, text.aggregate, "describe",
                          split_every, text)
        return new_collection(graph, out, meta.iloc[:0].astype(object), (None, None))
    spec = _Describe(columns, is_series, name)
    graph, name = tree([frame], spec.chunk, spec.combine, spec.aggregate, "describe",
                       split_every, spec)
    return new_collection(graph, name, meta.iloc[:0].astype("float64"), (None, None))
