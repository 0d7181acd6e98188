"""chunkarray.datasets.timeseries against the same rows generated directly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import chunkarray as ca
from chunkarray.datasets import NAMES, make_partition, timeseries


def test_defaults_month_of_seconds() -> None:
    df = ca.datasets.timeseries(seed=0)
    assert df.npartitions == 30
    assert df.known_divisions
    assert df.divisions[0] == pd.Timestamp("2000-01-01")
    assert df.divisions[-1] == pd.Timestamp("2000-01-30 23:59:59")
    assert list(df.columns) == ["name", "id", "x", "y"]
    assert [str(t) for t in df.dtypes] == ["category", "int64", "float64", "float64"]
    assert df.index.name == "timestamp"
    assert len(df.graph) == 30  # one task per partition, nothing generated yet


def test_partition_contents() -> None:
    df = timeseries(start="2000-01-01", end="2000-01-03", freq="1s", seed=5)
    first = df.head(86400 + 10, npartitions=1)
    assert len(first) == 86400
    assert first.index[0] == pd.Timestamp("2000-01-01")
    assert first.index[-1] == pd.Timestamp("2000-01-01 23:59:59")
    assert (np.diff(first.index.asi8) == 10**9).all()
    assert set(first.name.unique()) <= set(NAMES) and first.name.nunique() == 26
    assert first.x.between(-1, 1, inclusive="left").all()
    assert first.y.between(-1, 1, inclusive="left").all()
    assert abs(first.x.mean()) < 0.02 and abs(first.x.std() - 1 / 3**0.5) < 0.01
    assert abs(first.id.mean() - 1000) < 1 and first.id.dtype == np.int64


def test_reproducible_and_independent_partitions() -> None:
    a = timeseries(end="2000-01-05", freq="1min", seed=7).compute()
    b = timeseries(end="2000-01-05", freq="1min", seed=7).compute()
    c = timeseries(end="2000-01-05", freq="1min", seed=8).compute()
    pd.testing.assert_frame_equal(a, b)
    assert not np.array_equal(a.x.to_numpy(), c.x.to_numpy())
    # Partition i is the i-th child stream of the seed, whatever else is computed.
    days = [a.loc[f"2000-01-0{d}"] for d in range(1, 5)]
    assert not np.array_equal(days[0].x.to_numpy(), days[1].x.to_numpy())
    shorter = timeseries(start="2000-01-01", end="2000-01-03", freq="1min", seed=7).compute()
    pd.testing.assert_frame_equal(shorter, a.loc[:"2000-01-02 23:59"])


def test_unseeded_collection_is_stable() -> None:
    df = timeseries(end="2000-01-03", freq="1h")
    pd.testing.assert_frame_equal(df.compute(), df.compute())


def test_dtypes_and_uneven_end() -> None:
    df = timeseries(end="2000-01-02 12:00", freq="1h", dtypes={"a": float, "b": int, "c": str},
                    seed=1)
    assert df.npartitions == 2
    out = df.compute()
    assert list(out.columns) == ["a", "b", "c"] and len(out) == 36
    assert out.b.dtype == np.int64 and set(out.c) <= set(NAMES)
    part = make_partition((1, 0, 3 * 10**9), 10**9, (("a", "floats", np.dtype(float)),), 1)
    assert len(part) == 3


@pytest.mark.parametrize("kwargs, message", [
    ({"end": "2000-01-01"}, "shorter than one partition_freq"),
    ({"dtypes": {"a": "datetime64[ns]"}}, "dtypes['a']"),
])
def test_bad_input(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        timeseries(**kwargs)
