"""persist(store=...) of dataframes: Parquet files per partition, atomic, resumable."""

from __future__ import annotations

import os

import pandas as pd
import pytest

import chunkarray as ca
import chunkarray.dataframe as cad
from chunkarray.storage.atomic import TargetExistsError


def test_round_trip_keeps_meta_divisions_and_values(tmp_path) -> None:
    df = ca.datasets.timeseries(end="2000-01-04", freq="10min", seed=3)
    expected = df.compute()
    frame, series = ca.persist(df, df.x + 1, store=tmp_path / "s")
    assert len(frame.graph) == 3 and frame.divisions == df.divisions
    pd.testing.assert_frame_equal(frame.compute(), expected)
    pd.testing.assert_series_equal(series.compute(), expected.x + 1)
    assert str(frame.dtypes["name"]) == "category"
    pd.testing.assert_series_equal(frame.groupby("name").x.std().compute(),
                                   expected.groupby("name").x.std())


def test_existing_component_is_left_alone_unless_asked(tmp_path) -> None:
    store = tmp_path / "s"
    a = cad.from_pandas(pd.DataFrame({"v": range(6)}), npartitions=2)
    ca.persist(a, store=store)
    with pytest.raises(TargetExistsError, match="already exists"):
        ca.persist(a * 10, store=store)
    assert ca.persist(a, store=store, resume=True)[0].v.compute().tolist() == list(range(6))
    (b,) = ca.persist(a * 10, store=store, overwrite=True)
    assert b.v.compute().tolist() == [10 * i for i in range(6)]
    other = cad.from_pandas(pd.DataFrame({"w": range(6)}), npartitions=3)
    with pytest.raises(ValueError, match="cannot resume"):
        ca.persist(other, store=store, resume=True)


def _fail_on_last(part):
    if part.index[0] >= 6:
        raise RuntimeError("boom")
    return part


def test_resume_writes_only_what_is_missing(tmp_path) -> None:
    store = tmp_path / "s"
    pdf = pd.DataFrame({"v": range(9)})
    df = cad.from_pandas(pdf, npartitions=3)
    with pytest.raises(RuntimeError, match="boom"):
        ca.persist(df.map_partitions(_fail_on_last), store=store, resume=True, num_workers=1)
    written = sorted(os.listdir(store / "0"))  # one worker: in partition order
    assert written == ["_chunkarray.json", "part.0.parquet", "part.1.parquet"]
    assert not any(name.startswith(".") for name in written)  # no half-written file
    before = {n: os.stat(store / "0" / n).st_mtime_ns for n in written if n.startswith("part")}
    (p,) = ca.persist(df, store=store, resume=True)
    pd.testing.assert_frame_equal(p.compute(), pdf)
    for n, mtime in before.items():
        assert os.stat(store / "0" / n).st_mtime_ns == mtime  # kept, not rewritten


def test_failed_write_leaves_nothing(tmp_path) -> None:
    store = tmp_path / "s"
    df = cad.from_pandas(pd.DataFrame({"v": range(9)}), npartitions=3)
    with pytest.raises(RuntimeError, match="boom"):
        ca.persist(df.map_partitions(_fail_on_last), store=store)
    assert not (store / "0").exists()
    assert [n for n in os.listdir(store)] == []
