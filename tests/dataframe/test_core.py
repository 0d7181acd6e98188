"""The collections: protocol, metadata, reprs, persist, fusion, and bad input."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import chunkarray as ca
import chunkarray.dataframe as cad
from chunkarray.base import prepare
from chunkarray.errors import MetaMismatchError
from chunkarray.graph.graph import Graph
from chunkarray.graph.layer import MaterializedLayer
from chunkarray.graph.task import Literal


@pytest.fixture
def pdf() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return pd.DataFrame({"x": rng.normal(size=40), "y": rng.integers(0, 9, 40),
                         "k": rng.choice(["u", "v", "w"], 40)})


def test_new_collection_picks_the_class_and_keys() -> None:
    parts = [pd.DataFrame({"a": [i, i + 1]}, index=[2 * i, 2 * i + 1]) for i in range(3)]
    layer = MaterializedLayer("p", {("p", i): Literal(p) for i, p in enumerate(parts)})
    graph = Graph.from_layer(layer)
    df = cad.new_collection(graph, "p", parts[0].iloc[:0], (0, 2, 4, 5))
    assert type(df) is cad.DataFrame and df.npartitions == 3 and df.known_divisions
    assert df.__chunkarray_keys__() == [("p", 0), ("p", 1), ("p", 2)]
    pd.testing.assert_frame_equal(df.compute(), pd.concat(parts))
    s = cad.new_collection(graph, "p", pd.Series([], dtype="int64"), (None,) * 4)
    assert type(s) is cad.Series and not s.known_divisions
    idx = cad.new_collection(graph, "p", pd.Index([], dtype="int64"), (None,) * 4)
    assert type(idx) is cad.Index
    with pytest.raises(TypeError, match="new_collection: meta must be"):
        cad.new_collection(graph, "p", [1], (None, None))


def test_metadata_without_computing(pdf) -> None:
    df = cad.from_pandas(pdf, npartitions=4)
    assert list(df.columns) == ["x", "y", "k"]
    pd.testing.assert_series_equal(df.dtypes, pdf.dtypes)
    assert df.x.dtype == np.float64 and df.x.name == "x" and df.ndim == 2
    assert df.index.dtype == pdf.index.dtype
    pd.testing.assert_index_equal(df.index.compute(), pdf.index)
    assert df.divisions == (0, 10, 20, 30, 39)
    assert "x" in dir(df)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        df.nope  # noqa: B018


def test_repr_structure_and_task_count(pdf) -> None:
    df = cad.from_pandas(pdf, npartitions=4)
    text = repr(df)
    lines = text.splitlines()
    assert lines[0] == "chunkarray DataFrame Structure:"
    assert re.match(r"\s+x\s+y\s+k$", lines[1])
    assert lines[2].startswith("npartitions=4")
    assert re.match(r"0\s+float64\s+int64\s+str$", lines[3])
    assert lines[-1] == "chunkarray Name: from_pandas, 4 tasks"
    s = (df.x + 1).std()
    assert repr(s).startswith("chunkarray.Scalar<std, dtype=float64, tasks=")
    series = df[df.y > 3].groupby("k").x.mean()
    assert repr(series).splitlines()[-2:] == [
        "Name: x, dtype: float64", f"chunkarray Name: mean, {len(series.graph)} tasks"]
    html = df._repr_html_()
    assert "<table" in html and "npartitions=4" in html and "4 tasks" in html


def test_persist_keeps_one_task_per_partition(pdf) -> None:
    df = cad.from_pandas(pdf, npartitions=4)
    filtered = df[df.y > 2].assign(z=df.x * 2)
    persisted = filtered.persist()
    assert len(persisted.graph) == 4 and persisted.divisions == filtered.divisions
    pd.testing.assert_frame_equal(persisted.compute(), filtered.compute())
    a, b = ca.compute(filtered.x.sum(), filtered.z.max())
    assert np.isclose(a, pdf[pdf.y > 2].x.sum())
    assert b == (pdf[pdf.y > 2].x * 2).max()
    parts = [d.compute() for d in filtered.to_delayed()]
    pd.testing.assert_frame_equal(pd.concat(parts), filtered.compute())


def test_partition_wise_steps_fuse(pdf) -> None:
    df = cad.from_pandas(pdf, npartitions=4)
    chain = ((df.x + 1) * 2)[df.y > 3].fillna(0)
    tasks, _, _ = prepare([chain])
    assert len(tasks) == 4  # one fused task per partition, the data included
    agg = df[df.y > 0].groupby("k").x.std(split_every=2)
    tasks, _, _ = prepare([agg])
    assert len(tasks) == 4 + 2 + 1  # fused chunks, one combine level, the aggregate


def test_names_are_deterministic(pdf) -> None:
    a = cad.from_pandas(pdf, npartitions=3)
    b = cad.from_pandas(pdf, npartitions=3)
    assert (a.x + 1)._name == (b.x + 1)._name
    assert a.groupby("k").x.sum()._name == b.groupby("k").x.sum()._name
    assert (a.x + 1)._name != (a.x + 2)._name


def test_missing_column_names_it_and_lists_columns(pdf) -> None:
    df = cad.from_pandas(pdf, npartitions=2)
    message = r"no column 'zz'; the columns are \['x', 'y', 'k'\]"
    with pytest.raises(KeyError, match=message):
        df["zz"]
    with pytest.raises(KeyError, match=message):
        df[["x", "zz"]]
    with pytest.raises(KeyError, match=message):
        df.groupby("zz")
    with pytest.raises(KeyError, match=message):
        df.groupby("k")[["zz"]]
    with pytest.raises(KeyError, match=message):
        df.drop(columns=["zz"])


def test_meta_mismatch_names_the_partition_and_both_dtypes(pdf) -> None:
    df = cad.from_pandas(pdf, npartitions=3)

    wrong = df.map_partitions(lambda p: p.y, meta=("y", "float64"))
    with pytest.raises(MetaMismatchError, match=r"map_partitions: partition \d returned "
                       r"Series 'y' of dtype int64 but the meta says Series 'y' of dtype "
                       r"float64"):
        wrong.compute()
    bad = df.map_partitions(lambda p: p.assign(y=p.y.astype(float)) if p.index[0] > 0 else p,
                            meta=df.meta)
    with pytest.raises(ValueError, match=r"map_partitions: partition [12] returned "
                       r"DataFrame \{x: float64, y: float64, k: str\} but the meta says "
                       r"DataFrame \{x: float64, y: int64, k: str\}"):
        bad.compute()


def test_unaligned_collections_are_refused(pdf) -> None:
    a = cad.from_pandas(pdf, npartitions=2)
    b = cad.from_pandas(pdf, npartitions=3)
    with pytest.raises(ValueError, match="not aligned: 2 partitions .* and 3"):
        a.x + b.x
    with pytest.raises(ValueError, match="not aligned"):
        a[b.y > 0]


def test_bad_arguments(pdf) -> None:
    df = cad.from_pandas(pdf, npartitions=2)
    with pytest.raises(ValueError, match=r"repartition: npartitions must be an int >= 1, got 0"):
        df.repartition(npartitions=0)
    with pytest.raises(ValueError, match="exactly one of"):
        df.repartition()
    with pytest.raises(ValueError, match="head: npartitions must be an int >= 1"):
        df.head(3, npartitions=0)
    with pytest.raises(ValueError, match="split_every must be an int >= 2"):
        df.x.sum(split_every=1)
    with pytest.raises(ValueError, match="unknown aggregation 'median'"):
        df.groupby("k").x.agg("median")
    with pytest.raises(TypeError, match="truth value"):
        bool(df.x > 0)
    with pytest.raises(TypeError, match="from_pandas: data must be"):
        cad.from_pandas([1, 2])


def test_scalars_combine_lazily(pdf) -> None:
    df = cad.from_pandas(pdf, npartitions=3)
    mean = df.x.sum() / df.x.count()
    assert repr(mean).startswith("chunkarray.Scalar<truediv")
    assert np.isclose(mean.compute(), pdf.x.mean())
    assert np.isclose((2 * df.y.max() - 1).compute(), 2 * pdf.y.max() - 1)
    assert (df.y.min() < df.y.max()).compute() == (pdf.y.min() < pdf.y.max())
    pd.testing.assert_series_equal((df.x.mean() - df.x).compute(), pdf.x.mean() - pdf.x)
    assert float(df.x.sum()) == pytest.approx(pdf.x.sum())


def test_iterating_a_series_computes_partition_by_partition(pdf) -> None:
    df = cad.from_pandas(pdf, npartitions=3)
    assert list(df.y) == pdf.y.tolist()
    assert list(df.index) == pdf.index.tolist()
    assert list(df) == ["x", "y", "k"]
