"""Column and row selection and the partition-wise methods, against pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chunkarray.dataframe as cad
from chunkarray.base import prepare


@pytest.fixture
def pdf() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    x = rng.normal(size=30)
    x[::4] = np.nan
    return pd.DataFrame({
        "x": x, "y": rng.integers(-5, 5, 30),
        "s": pd.Series(rng.choice(["ab", "Cd", "ef g"], 30), dtype="str"),
        "t": pd.date_range("2001-02-03", periods=30, freq="37h"),
    })


@pytest.fixture
def df(pdf):
    return cad.from_pandas(pdf, npartitions=4)


def _eq(result, expected) -> None:
    if isinstance(expected, pd.DataFrame):
        pd.testing.assert_frame_equal(result, expected)
    else:
        pd.testing.assert_series_equal(result, expected)


def test_column_access(df, pdf) -> None:
    _eq(df.x.compute(), pdf.x)
    _eq(df["y"].compute(), pdf["y"])
    _eq(df[["x", "y"]].compute(), pdf[["x", "y"]])
    _eq(df[df.y > 0][["s"]].compute(), pdf[pdf.y > 0][["s"]])
    assert list(df) == list(pdf)


def test_partition_wise_methods(df, pdf) -> None:
    _eq(df.assign(z=df.x * 2, w=1, v=lambda d: d.y + 1).compute(),
        pdf.assign(z=pdf.x * 2, w=1, v=lambda d: d.y + 1))
    _eq(df.drop(columns=["s"]).compute(), pdf.drop(columns=["s"]))
    _eq(df.drop("t", axis=1).compute(), pdf.drop("t", axis=1))
    _eq(df.rename(columns={"x": "xx"}).compute(), pdf.rename(columns={"x": "xx"}))
    _eq(df.x.rename("q").compute(), pdf.x.rename("q"))
    _eq(df.y.astype("float32").compute(), pdf.y.astype("float32"))
    _eq(df.astype({"y": "int32"}).compute(), pdf.astype({"y": "int32"}))
    _eq(df.fillna({"x": -1.0}).compute(), pdf.fillna({"x": -1.0}))
    _eq(df.x.fillna(0).compute(), pdf.x.fillna(0))
    _eq(df.dropna().compute(), pdf.dropna())
    _eq(df.dropna(subset=["x"]).compute(), pdf.dropna(subset=["x"]))
    _eq(df.isna().compute(), pdf.isna())
    _eq(df.x.notna().compute(), pdf.x.notna())
    _eq(df.x.where(df.y > 0, -9.0).compute(), pdf.x.where(pdf.y > 0, -9.0))
    _eq(df.x.mask(df.y > 0).compute(), pdf.x.mask(pdf.y > 0))
    _eq(df.y.isin([1, 2]).compute(), pdf.y.isin([1, 2]))
    _eq(df.y.between(-1, 2).compute(), pdf.y.between(-1, 2))
    _eq(df.x.abs().compute(), pdf.x.abs())
    _eq(df.y.to_frame().compute(), pdf.y.to_frame())
    frame = cad.from_pandas(pdf, npartitions=4)
    frame["z"] = frame.y * 3
    _eq(frame.compute(), pdf.assign(z=pdf.y * 3))


def test_map_apply_and_map_partitions(df, pdf) -> None:
    _eq(df.y.map(lambda v: v * 10).compute(), pdf.y.map(lambda v: v * 10))
    _eq(df.s.map({"ab": 1, "Cd": 2}).compute(), pdf.s.map({"ab": 1, "Cd": 2}))
    rows = df.apply(lambda r: r.y * 2 + len(r.s), axis=1)
    assert rows.dtype == np.int64
    _eq(rows.compute(), pdf.apply(lambda r: r.y * 2 + len(r.s), axis=1))
    _eq(df.y.apply(lambda v: v - 1).compute(), pdf.y.apply(lambda v: v - 1))
    _eq(df.map_partitions(lambda p, k: p.y * k, 3).compute(), pdf.y * 3)
    _eq(cad.map_partitions(lambda a, b: a + b, df.x, df.y).compute(), pdf.x + pdf.y)
    lengths = df.map_partitions(len).compute()
    assert lengths.tolist() == [len(d.compute()) for d in df.to_delayed()] == [8, 7, 7, 8]
    with pytest.raises(ValueError, match="only axis=1"):
        df.apply(lambda c: c, axis=0)


def test_accessors(df, pdf) -> None:
    _eq(df.s.str.upper().compute(), pdf.s.str.upper())
    _eq(df.s.str.len().compute(), pdf.s.str.len())
    _eq(df.s.str.contains("d").compute(), pdf.s.str.contains("d"))
    _eq(df.t.dt.year.compute(), pdf.t.dt.year)
    _eq(df.t.dt.day_of_week.compute(), pdf.t.dt.day_of_week)
    _eq(df.t.dt.floor("D").compute(), pdf.t.dt.floor("D"))
    with pytest.raises(AttributeError):
        df.x.str  # noqa: B018


def test_head_reads_only_the_first_partition(df, pdf) -> None:
    _eq(df.head(3), pdf.head(3))
    _eq(df.head(20, npartitions=3), pdf.head(20))
    _eq(df.head(100), pdf.head(8))  # only the first partition's rows
    _eq(df.tail(2), pdf.tail(2))
    lazy = df.head(3, compute=False)
    tasks, _, _ = prepare([lazy], optimize_graph=False)
    reads = [k for k in tasks if isinstance(k, tuple) and k[0] == df._name]
    assert reads == [(df._name, 0)]


def test_loc_on_known_divisions(df, pdf) -> None:
    part = df.loc[5:17]
    assert df.divisions == (0, 8, 15, 22, 29)
    assert part.npartitions == 3 and part.divisions == (5, 8, 15, 17)
    _eq(part.compute(), pdf.loc[5:17])
    tasks, _, _ = prepare([part], optimize_graph=False)
    assert {k[1] for k in tasks if isinstance(k, tuple) and k[0] == df._name} == {0, 1, 2}
    _eq(df.loc[:6].compute(), pdf.loc[:6])
    _eq(df.loc[24:].compute(), pdf.loc[24:])
    _eq(df.loc[7].compute(), pdf.loc[7:7])
    _eq(df.loc[[3, 29]].compute(), pdf.loc[[3, 29]])
    _eq(df.loc[df.y > 2, ["x"]].compute(), pdf.loc[pdf.y > 2, ["x"]])
    _eq(df.x.loc[10:12].compute(), pdf.x.loc[10:12])
    _eq(df[3:5].compute(), pdf.loc[3:5])


def test_loc_on_a_datetime_index() -> None:
    import chunkarray as ca

    ts = ca.datasets.timeseries(end="2000-01-06", freq="10min", seed=4)
    full = ts.compute()
    sel = ts.loc["2000-01-02 12:00":"2000-01-04 06:00"]
    assert sel.npartitions == 3
    _eq(sel.compute(), full.loc["2000-01-02 12:00":"2000-01-04 06:00"])


def test_reset_index_is_global(df, pdf) -> None:
    filtered = df[df.y > 0]
    _eq(filtered.reset_index().compute(), pdf[pdf.y > 0].reset_index())
    _eq(filtered.x.reset_index(drop=True).compute(), pdf[pdf.y > 0].x.reset_index(drop=True))


@given(st.lists(st.integers(-3, 3), min_size=1, max_size=25), st.integers(1, 5))
@settings(max_examples=20)
def test_loc_slices_match_pandas(values, n) -> None:
    pdf = pd.DataFrame({"v": values})
    df = cad.from_pandas(pdf, npartitions=n)
    for start, stop in ((None, 3), (2, None), (1, len(values) - 2), (4, 4)):
        _eq(df.loc[start:stop].compute(), pdf.loc[start:stop])


def test_partitions_selects_by_number(df, pdf) -> None:
    parts = [d.compute() for d in df.to_delayed()]
    _eq(df.partitions[1].compute(), parts[1])
    sel = df.partitions[1:3]
    assert sel.npartitions == 2 and sel.divisions == df.divisions[1:4]
    _eq(sel.compute(), pd.concat(parts[1:3]))
    _eq(df.partitions[[3, 0]].compute(), pd.concat([parts[3], parts[0]]))
    assert not df.partitions[[3, 0]].known_divisions
    _eq(df.partitions[-1].x.compute(), parts[-1].x)
    with pytest.raises(IndexError, match="out of range for 4 partitions"):
        df.partitions[4]
