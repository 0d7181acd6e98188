"""Column pruning of plain reads (groupby, column selection) and the groupby fast path
(mean without M2, Parquet keys as dictionary codes), against pandas."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chunkarray.dataframe as cad
from chunkarray.dataframe import io_csv

NAMES = ["Alice", "Bob", "Carol", "Dan", "Eve"]


@st.composite
def frames(draw):
    n = draw(st.integers(0, 60))
    keys = draw(st.lists(st.one_of(st.none(), st.sampled_from(NAMES)), min_size=n, max_size=n))
    xs = draw(st.lists(st.one_of(st.none(), st.floats(-1e3, 1e3, allow_nan=False)),
                       min_size=n, max_size=n))
    ys = draw(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=n, max_size=n))
    return pd.DataFrame({
        "name": pd.array(keys, dtype="str"),
        "id": np.arange(n, dtype="int64"),
        "x": np.array([np.nan if v is None else v for v in xs], dtype="float64"),
        "y": np.array(ys, dtype="float64"),
        "w": np.arange(n, dtype="float64") * 0.5,
    })


class _Recorder:
    """Records the columns every Parquet read asks for (any thread)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.columns: list[tuple[str, ...]] = []
        self.types: list[dict[str, str]] = []
        recorder = self

        for method in ("read", "read_row_groups"):
            real = getattr(pq.ParquetFile, method)

            def wrapped(self, *args, columns=None, _real=real, **kwargs):
                recorder.columns.append(tuple(columns))
                table = _real(self, *args, columns=columns, **kwargs)
                recorder.types.append({f.name: str(f.type) for f in table.schema})
                return table

            monkeypatch.setattr(pq.ParquetFile, method, wrapped)


def _write_parquet(tmp_path, frame: pd.DataFrame, files: int) -> str:
    folder = str(tmp_path / "pq")
    os.makedirs(folder, exist_ok=True)
    for i, part in enumerate(np.array_split(np.arange(len(frame)), files)):
        pq.write_table(pa_table(frame.iloc[part]), os.path.join(folder, f"p{i}.parquet"),
                       row_group_size=7)
    return folder


def pa_table(frame: pd.DataFrame):
    return pa.Table.from_pandas(frame, preserve_index=False)


SPECS = [{"x": "mean", "y": "std"}, {"x": ["mean", "count"], "y": ["sum", "var"]},
         {"x": "sum", "y": "mean"}]


@settings(max_examples=12, deadline=None)
@given(frame=frames(), files=st.integers(1, 4), spec=st.sampled_from(SPECS))
def test_groupby_reads_only_needed_parquet_columns(tmp_path_factory, frame, files, spec):
    folder = _write_parquet(tmp_path_factory.mktemp("d"), frame, files)
    with pytest.MonkeyPatch.context() as mp:
        recorder = _Recorder(mp)
        got = cad.read_parquet(folder).groupby("name").agg(spec).compute(scheduler="sync")
    expected = frame.groupby("name").agg(spec)
    pd.testing.assert_frame_equal(got, expected)
    assert recorder.columns and all(set(c) == {"name", "x", "y"} for c in recorder.columns)
    # the keys are read as dictionary codes
    assert all(t["name"].startswith("dictionary<") for t in recorder.types)


@settings(max_examples=10, deadline=None)
@given(frame=frames(), files=st.integers(1, 3))
def test_parquet_groupby_without_dictionary_codes(tmp_path_factory, frame, files):
    """sort=False and dropna=False keep pandas' own order and NaN group (no codes)."""
    folder = _write_parquet(tmp_path_factory.mktemp("d"), frame, files)
    df = cad.read_parquet(folder)
    for kwargs in ({"sort": False}, {"dropna": False}):
        got = df.groupby("name", **kwargs).agg({"x": "mean", "y": "std"}).compute()
        expected = frame.groupby("name", **kwargs).agg({"x": "mean", "y": "std"})
        pd.testing.assert_frame_equal(got, expected)


def test_column_selection_reads_only_those_columns(tmp_path, monkeypatch):
    frame = pd.DataFrame({"name": pd.array(NAMES * 4, dtype="str"), "x": np.arange(20.0),
                          "y": np.arange(20.0) * 2, "z": np.arange(20)})
    folder = _write_parquet(tmp_path, frame, 2)
    recorder = _Recorder(monkeypatch)
    df = cad.read_parquet(folder)
    whole = pd.concat([pd.read_parquet(os.path.join(folder, f))
                       for f in sorted(os.listdir(folder))])  # each file numbered from 0
    pd.testing.assert_frame_equal(df[["y", "x"]].compute(scheduler="sync"), whole[["y", "x"]])
    assert {tuple(c) for c in recorder.columns} == {("x", "y")}
    recorder.columns.clear()
    pd.testing.assert_series_equal(df["z"].compute(scheduler="sync"), whole["z"])
    assert {tuple(c) for c in recorder.columns} == {("z",)}
    assert df["z"].dtype == frame["z"].dtype
    # not a plain read any more: nothing to prune, the same result
    pd.testing.assert_frame_equal(df.assign(v=1)[["x"]].compute(), whole[["x"]])


def _csv_recorder(monkeypatch: pytest.MonkeyPatch, refuse_every: int = 0,
                  types: list[dict] | None = None) -> list[tuple[str, ...]]:
    """Records the columns pyarrow parses; refuses every ``refuse_every``-th block (it
    is then parsed by pandas, as one pyarrow cannot read)."""
    seen: list[tuple[str, ...]] = []
    real = io_csv.read_csv_arrow

    def wrapped(data, delimiter, include, given):
        seen.append(tuple(include))
        if types is not None:
            types.append({c: str(t) for c, t in given.items() if c in include})
        if refuse_every and len(seen) % refuse_every == 0:
            raise pa.ArrowInvalid("refused by the test")
        return real(data, delimiter, include, given)

    monkeypatch.setattr(io_csv, "read_csv_arrow", wrapped)
    return seen


@settings(max_examples=15, deadline=None)
@given(frame=frames(), blocksize=st.sampled_from([200, 1000, None]),
       spec=st.sampled_from(SPECS), usecols=st.sampled_from([None, ["name", "x", "y", "w"]]),
       refuse_every=st.sampled_from([0, 2]))
def test_groupby_reads_only_needed_csv_columns(tmp_path_factory, frame, blocksize, spec,
                                               usecols, refuse_every):
    path = str(tmp_path_factory.mktemp("c") / "data.csv")
    frame.to_csv(path, index=False)
    expected = pd.read_csv(path, usecols=usecols).groupby("name").agg(spec)
    types: list[dict] = []
    with pytest.MonkeyPatch.context() as mp:
        seen = _csv_recorder(mp, refuse_every, types)
        df = cad.read_csv(path, blocksize=blocksize, usecols=usecols)
        got = df.groupby("name").agg(spec).compute(scheduler="sync")
    pd.testing.assert_frame_equal(got, expected)
    assert all(set(s) <= {"name", "x", "y"} for s in seen)
    if frame["name"].notna().any():  # (else pandas reads the names as numbers)
        # the keys are parsed straight into dictionary codes
        assert all(t["name"].startswith("dictionary<") for t in types)
    assert df.columns.tolist() == (usecols or list(frame.columns))  # df is unchanged


def test_csv_column_selection_and_dtypes(tmp_path, monkeypatch):
    frame = pd.DataFrame({"name": NAMES * 3, "id": np.arange(15), "x": np.arange(15) / 4})
    path = str(tmp_path / "a.csv")
    frame.to_csv(path, index=False)
    seen = _csv_recorder(monkeypatch)
    df = cad.read_csv(path, blocksize=60)
    got = df[["x", "name"]].compute(scheduler="sync")
    assert seen and all(set(s) == {"name", "x"} for s in seen)
    # partitions are numbered from 0 each, as without pruning
    pd.testing.assert_frame_equal(got, df.compute()[["x", "name"]])
    pd.testing.assert_frame_equal(got.reset_index(drop=True), pd.read_csv(path)[["x", "name"]])
    assert got["name"].dtype == pd.read_csv(path)["name"].dtype
