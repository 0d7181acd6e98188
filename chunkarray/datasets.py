"""Sample datasets: ``timeseries``, a DataFrame generated partition by partition.

Each partition is made by its own task when computed (nothing is generated when
the collection is built), from its own random stream: partition ``i`` draws from
``numpy.random.SeedSequence(seed, spawn_key=(i,))``, which is the ``i``-th child
of ``SeedSequence(seed).spawn(...)``. The same seed gives the same data whatever
the partition or order of computing; ``seed=None`` picks a seed once, when the
collection is built, so every computation of one collection sees the same data.

Columns (the default ``dtypes``): ``name`` (26 first names, Alice ... Zelda, a
pandas ``Categorical`` of those strings: grouping by it needs no hashing of
strings), ``id`` (int64, Poisson with mean 1000), ``x`` and ``y`` (float64, uniform
in [-1, 1)); the index is a DatetimeIndex named ``timestamp`` at ``freq``, and the
divisions (one per ``partition_freq``) are known.

>>> import chunkarray as ca
>>> df = ca.datasets.timeseries(end="2000-01-04", freq="1h", seed=0)
>>> df.npartitions, df.divisions[0], df.known_divisions
(3, Timestamp('2000-01-01 00:00:00'), True)
>>> part = df.head(3)
>>> list(part.columns), part.index.name, len(df)
(['name', 'id', 'x', 'y'], 'timestamp', 72)
"""

from __future__ import annotations

import functools
import secrets
from typing import Any

import numpy as np

from chunkarray.errors import ChunkArrayValueError
from chunkarray.graph.blockwise import Blockwise
from chunkarray.graph.graph import Graph
from chunkarray.tokenize import tokenize

__all__ = ["timeseries", "NAMES"]

NAMES = (
    "Alice", "Bob", "Charlie", "Dan", "Edith", "Frank", "George", "Hannah", "Ingrid",
    "Jerry", "Kevin", "Laura", "Michael", "Norbert", "Oliver", "Patricia", "Quinn", "Ray",
    "Sarah", "Tim", "Ursula", "Victor", "Wendy", "Xavier", "Yvonne", "Zelda",
)
_DEFAULT_DTYPES = {"name": "category", "id": int, "x": float, "y": float}


class _Starts:
    """BlockValues: partition i -> (i, its first and its end timestamps as int64 ns)."""

    __slots__ = ("numblocks", "bounds")

    def __init__(self, bounds: np.ndarray) -> None:
        self.bounds = bounds
        self.numblocks = (len(bounds) - 1,)

    def __getitem__(self, index: tuple[int, ...]) -> tuple[int, int, int]:
        i = index[0]
        return i, int(self.bounds[i]), int(self.bounds[i + 1])

    def __chunkarray_tokenize__(self) -> Any:
        return ("Starts", self.bounds.tolist())


def _column_kind(column: str, dtype: Any) -> str:
    if dtype in (str, object, "str", "object", "category", "string"):
        return "names"
    kind = np.dtype(dtype).kind
    if kind in "iu":
        return "ints"
    if kind == "f":
        return "floats"
    raise ChunkArrayValueError(
        f"timeseries: dtypes[{column!r}] must be str/category, an int or a float type, "
        f"got {dtype!r}"
    )


@functools.cache
def _names_dtype() -> Any:
    import pandas as pd

    return pd.CategoricalDtype(list(NAMES))


def make_partition(where: tuple[int, int, int], step: int, columns: tuple[tuple[str, str,
                   Any], ...], seed: int) -> pd.DataFrame:
    """Partition ``where = (i, start, end)``: rows every ``step`` ns in [start, end)."""
    import pandas as pd

    i, start, end = where
    stamps = np.arange(start, end, step, dtype=np.int64)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(i,)))
    n = len(stamps)
    data: dict[str, Any] = {}
    for column, kind, dtype in columns:
        if kind == "names":
            codes = rng.integers(0, len(NAMES), n, dtype=np.int8)
            data[column] = pd.Categorical.from_codes(codes, dtype=_names_dtype())
        elif kind == "ints":
            data[column] = rng.poisson(1000, n).astype(dtype, copy=False)
        else:
            data[column] = (rng.random(n, dtype=np.float64) * 2.0 - 1.0).astype(dtype,
                                                                                 copy=False)
    index = pd.DatetimeIndex(stamps.view("datetime64[ns]"), name="timestamp")
    return pd.DataFrame(data, index=index, copy=False)


def timeseries(start: Any = "2000-01-01", end: Any = "2000-01-31", freq: str = "1s",
               partition_freq: str = "1D", dtypes: dict[str, Any] | None = None,
               seed: int | None = None) -> Any:
    """A random time series DataFrame, one partition per ``partition_freq``.

    Parameters
    ----------
    start, end : date-like
        The first timestamp and the end (exclusive).
    freq : str
        The spacing of rows (``"1s"``: 86,400 rows a day).
    partition_freq : str
        The span of one partition (``"1D"``: 30 partitions for the default month).
    dtypes : dict, optional
        Column -> dtype; str/category columns get names, int columns Poisson(1000)
        counts, float columns uniform values in [-1, 1). Default:
        ``{"name": "category", "id": int, "x": float, "y": float}``.
    seed : int, optional
        Makes the data reproducible.

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> df = timeseries(end="2000-01-03", freq="1min", seed=1)
    >>> df.npartitions, len(df), sorted(df.name.compute().unique())[:2]
    (2, 2880, ['Alice', 'Bob'])
    """
    import pandas as pd  # pandas is imported when a dataset is made, not with chunkarray

    from chunkarray.dataframe.core import new_collection

    bounds = pd.date_range(start, end, freq=partition_freq)
    if len(bounds) and bounds[-1] < pd.Timestamp(end):
        bounds = bounds.append(pd.DatetimeIndex([pd.Timestamp(end)]))
    if len(bounds) < 2:
        raise ChunkArrayValueError(
            f"timeseries: start={start!r} to end={end!r} is shorter than one partition_freq "
            f"({partition_freq!r})"
        )
    step = int(pd.Timedelta(pd.tseries.frequencies.to_offset(freq)).value)
    if step <= 0:
        raise ChunkArrayValueError(f"timeseries: freq must be positive, got {freq!r}")
    seed = secrets.randbits(63) if seed is None else int(seed)
    spec = tuple((c, _column_kind(c, t), np.dtype(t) if _column_kind(c, t) != "names"
                  else None) for c, t in (dtypes or _DEFAULT_DTYPES).items())
    edges = bounds.as_unit("ns").asi8
    starts = _Starts(edges)
    name = f"timeseries-{tokenize(starts, step, spec, seed)}"
    layer = Blockwise(name, "i", make_partition, [(starts, "i"), (step, None), (spec, None),
                                                  (seed, None)], {})
    meta = make_partition((0, 0, 0), step, spec, seed)
    divisions = tuple(bounds[:-1]) + (bounds[-1] - pd.Timedelta(step, "ns"),)
    return new_collection(Graph.from_layer(layer), name, meta, divisions)
