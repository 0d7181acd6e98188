"""from_pandas, from_delayed, from_array, repartition by size, and describe."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chunkarray.array as caa
import chunkarray.dataframe as cad
from chunkarray import delayed
from chunkarray.dataframe.repartition import compute_partitions
from chunkarray.errors import MetaMismatchError


@given(st.lists(st.integers(0, 8), min_size=0, max_size=40), st.integers(1, 7),
       st.booleans())
@settings(max_examples=30)
def test_from_pandas_partitions_and_divisions(labels, n, sort) -> None:
    pdf = pd.DataFrame({"v": np.arange(len(labels))}, index=pd.Index(labels, dtype="int64"))
    df = cad.from_pandas(pdf, npartitions=n, sort=sort)
    expected = pdf.sort_index() if sort and not pdf.index.is_monotonic_increasing else pdf
    pd.testing.assert_frame_equal(df.compute(), expected)
    parts = compute_partitions(df)
    assert df.npartitions == len(parts) <= max(n, 1)
    if sort and len(labels):
        assert df.known_divisions
        for i, part in enumerate(parts):
            lo, hi = df.divisions[i], df.divisions[i + 1]
            last = i == len(parts) - 1
            assert part.index.min() >= lo
            assert part.index.max() <= hi if last else part.index.max() < hi
    else:
        assert not df.known_divisions or not len(labels)


def test_from_pandas_chunksize_and_series() -> None:
    s = pd.Series(np.arange(10.0), name="v")
    ds = cad.from_pandas(s, chunksize=3)
    assert ds.npartitions == 4 and ds.divisions == (0, 3, 6, 9, 9)
    pd.testing.assert_series_equal(ds.compute(), s)
    nothing = pd.DataFrame({"a": pd.Series([], dtype="int64")})
    empty = cad.from_pandas(nothing, npartitions=3)
    assert empty.npartitions == 1
    pd.testing.assert_frame_equal(empty.compute(), nothing)
    with pytest.raises(ValueError, match="not both"):
        cad.from_pandas(s, npartitions=2, chunksize=3)


def test_from_delayed() -> None:
    parts = [pd.DataFrame({"a": np.arange(i, i + 3), "b": [0.5] * 3}) for i in (0, 3, 6)]
    values = [delayed(lambda p: p)(p) for p in parts]
    df = cad.from_delayed(values)
    assert df.npartitions == 3 and list(df.columns) == ["a", "b"]
    pd.testing.assert_frame_equal(df.compute(), pd.concat(parts))
    known = cad.from_delayed(values, meta=parts[0], divisions=(0, 3, 6, 8))
    assert known.known_divisions
    wrong = cad.from_delayed(values, meta={"a": "float64", "b": "float64"})
    with pytest.raises(MetaMismatchError, match=r"from_delayed: partition \d returned "
                       r"DataFrame \{a: int64, b: float64\} but the meta says DataFrame "
                       r"\{a: float64, b: float64\}"):
        wrong.compute()
    with pytest.raises(TypeError, match="list of Delayed"):
        cad.from_delayed([1, 2])


def test_from_array() -> None:
    x = np.arange(20.0).reshape(10, 2)
    df = cad.from_array(x, chunksize=4, columns=["p", "q"])
    assert df.npartitions == 3 and df.divisions == (0, 4, 8, 9)
    pd.testing.assert_frame_equal(df.compute(), pd.DataFrame(x, columns=["p", "q"]))
    a = caa.from_array(x, chunks=(3, 1))
    pd.testing.assert_frame_equal(cad.from_array(a).compute(), pd.DataFrame(x))
    s = cad.from_array(caa.from_array(np.arange(7), chunks=3), columns="v")
    pd.testing.assert_series_equal(s.compute(), pd.Series(np.arange(7), name="v"))
    with pytest.raises(ValueError, match="1-d or 2-d"):
        cad.from_array(np.zeros((2, 2, 2)))


def test_repartition_by_size() -> None:
    pdf = pd.DataFrame({"v": np.arange(10_000.0)})
    df = cad.from_pandas(pdf, npartitions=2)
    small = df.repartition(partition_size="20KiB")
    sizes = [p.memory_usage(index=True).sum() for p in compute_partitions(small)]
    assert small.npartitions == 4 and max(sizes) <= 20 * 1024 * 1.01
    pd.testing.assert_frame_equal(small.compute(), pdf)
    big = cad.from_pandas(pdf, npartitions=10).repartition(partition_size="1MB")
    assert big.npartitions == 1 and big.known_divisions
    pd.testing.assert_frame_equal(big.compute(), pdf)
    with pytest.raises(ValueError, match="partition_size must be positive"):
        df.repartition(partition_size=0)


@given(st.lists(st.one_of(st.floats(-1e3, 1e3), st.just(np.nan)), min_size=0, max_size=60),
       st.integers(1, 6))
@settings(max_examples=25)
def test_describe_matches_pandas(values, n) -> None:
    pdf = pd.DataFrame({"x": pd.Series(values, dtype="float64"),
                        "i": np.arange(len(values)) % 7})
    df = cad.from_pandas(pdf, npartitions=n)
    pd.testing.assert_frame_equal(df.describe().compute(), pdf.describe())
    pd.testing.assert_series_equal(df.x.describe().compute(), pdf.x.describe())


def test_describe_sketch_is_close_on_big_data() -> None:
    rng = np.random.default_rng(1)
    pdf = pd.DataFrame({"x": rng.normal(size=50_000)})
    result = cad.from_pandas(pdf, npartitions=9).describe().compute()
    expected = pdf.describe()
    exact = ["count", "mean", "std", "min", "max"]
    pd.testing.assert_frame_equal(result.loc[exact], expected.loc[exact])
    np.testing.assert_allclose(result.loc[["25%", "50%", "75%"]].to_numpy(),
                               expected.loc[["25%", "50%", "75%"]].to_numpy(), atol=0.01)
    with pytest.raises(TypeError, match="mixing numbers"):
        cad.from_pandas(pd.DataFrame({"s": ["a"], "t": pd.to_datetime(["2000"])}),
                        npartitions=1).describe()


@given(st.lists(st.sampled_from(["a", "b", "c", "d", None]), min_size=1, max_size=40),
       st.integers(1, 5))
@settings(max_examples=25)
def test_describe_text_matches_pandas(values, n) -> None:
    s = pd.Series(values, dtype="str", name="k")
    if s.notna().any():
        counts = s.value_counts()
        if (counts == counts.iloc[0]).sum() > 1:
            s = pd.concat([s, pd.Series([counts.index[0]], dtype="str", name="k")],
                          ignore_index=True)  # a single most frequent value: top is defined
    for data in (s, s.astype("category")):
        ds = cad.from_pandas(data, npartitions=n)
        pd.testing.assert_series_equal(ds.describe().compute(), data.describe())
        frame = data.to_frame()
        pd.testing.assert_frame_equal(cad.from_pandas(frame, npartitions=n).describe().compute(),
                                      frame.describe())
