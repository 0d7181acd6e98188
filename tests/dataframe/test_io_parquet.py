"""Tests of chunkarray/dataframe/io_parquet.py and storage/tabular.py against pandas."""

from __future__ import annotations

import hashlib
import os

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chunkarray as ca
from chunkarray.dataframe.creation import from_pandas
from chunkarray.dataframe.io_parquet import read_parquet, to_parquet
from chunkarray.storage.atomic import TargetExistsError
from chunkarray.storage.tabular import may_match, normalize_filters


@st.composite
def frames(draw, min_size=0):
    n = draw(st.integers(min_size, 40))
    ints = draw(st.lists(st.integers(-100, 100), min_size=n, max_size=n))
    floats = draw(st.lists(st.one_of(st.none(), st.floats(-1e3, 1e3, allow_nan=False)),
                           min_size=n, max_size=n))
    text = draw(st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "c", "dd"])),
                         min_size=n, max_size=n))
    index = sorted(draw(st.lists(st.integers(0, 10**6), min_size=n, max_size=n, unique=True)))
    return pd.DataFrame(
        {"i": np.array(ints, dtype="int64"),
         "f": np.array([np.nan if v is None else v for v in floats], dtype="float64"),
         "s": pd.array(text, dtype="str"),
         "t": pd.Timestamp("2000-01-01") + pd.to_timedelta(ints, unit="h")},
        index=pd.Index(np.array(index, dtype="int64"), name="key"),
    )


def _digest(root):
    out = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as f:
                out[os.path.relpath(path, root)] = hashlib.sha256(f.read()).hexdigest()
    return out


@settings(max_examples=25, deadline=None)
@given(frame=frames(), npartitions=st.integers(1, 5))
def test_round_trip_with_divisions(tmp_path_factory, frame, npartitions):
    path = str(tmp_path_factory.mktemp("pq") / "data.parquet")
    df = from_pandas(frame, npartitions=npartitions)
    paths = to_parquet(df, path)
    assert [os.path.basename(p) for p in paths] == [
        f"part.{i}.parquet" for i in range(df.npartitions)]
    back = read_parquet(path)
    pd.testing.assert_frame_equal(back.compute(), frame)
    assert back.dtypes.to_dict() == frame.dtypes.to_dict()
    parts = [p for p in back.to_delayed()]
    lengths = [len(p.compute()) for p in parts]
    if all(lengths):
        assert back.divisions == df.divisions
    else:
        assert back.divisions == (None,) * (back.npartitions + 1)


@settings(max_examples=25, deadline=None)
@given(frame=frames(), npartitions=st.integers(1, 4),
       threshold=st.integers(-100, 100), letters=st.lists(st.sampled_from("abcd"), max_size=3),
       columns=st.sampled_from([None, ["f"], ["s", "i"]]))
def test_filters_and_columns_equal_pandas(tmp_path_factory, frame, npartitions, threshold,
                                          letters, columns):
    path = str(tmp_path_factory.mktemp("pq") / "data.parquet")
    to_parquet(from_pandas(frame, npartitions=npartitions), path)
    dnf = [[("i", ">", threshold), ("f", "<=", 500.0)], [("s", "in", letters)]]
    got = read_parquet(path, columns=columns, filters=dnf).compute()
    # pyarrow semantics: a missing value never satisfies a predicate.
    keep = ((frame.i > threshold) & (frame.f <= 500.0)) | (frame.s.isin(letters)
                                                            & frame.s.notna())
    expected = frame[keep.to_numpy(dtype=bool)]
    if columns is not None:
        expected = expected[columns]
    pd.testing.assert_frame_equal(got, expected)


def test_pruning_by_statistics_reads_only_matching_files(tmp_path):
    frame = pd.DataFrame({"x": np.arange(100), "y": np.arange(100) % 7},
                         index=pd.Index(np.arange(100), name="k"))
    path = str(tmp_path / "d")
    to_parquet(from_pandas(frame, npartitions=5), path)
    df = read_parquet(path, filters=[("x", ">=", 55), ("x", "<", 75)])
    assert df.npartitions == 2  # of the files holding 20 rows each, only 2 and 3 can match
    assert df.divisions == (40, 60, 79)
    pd.testing.assert_frame_equal(df.compute(), frame[(frame.x >= 55) & (frame.x < 75)])
    none = read_parquet(path, filters=[("x", ">", 1000)])
    assert none.npartitions == 1
    pd.testing.assert_frame_equal(none.compute(), frame.iloc[:0])


def test_one_file_is_split_by_row_group(tmp_path):
    frame = pd.DataFrame({"a": np.arange(50.0), "b": list("xy") * 25})
    path = str(tmp_path / "one.parquet")
    pq.write_table(pa.Table.from_pandas(frame), path, row_group_size=10)
    df = read_parquet(path)
    assert df.npartitions == 5
    pd.testing.assert_frame_equal(df.compute().reset_index(drop=True), frame)
    df = read_parquet(path, filters=[("a", "<", 15)], columns="b")
    assert df.npartitions == 2
    pd.testing.assert_frame_equal(df.compute().reset_index(drop=True),
                                  frame[frame.a < 15][["b"]].reset_index(drop=True))


def test_index_options(tmp_path):
    frame = pd.DataFrame({"x": [3, 1, 2], "y": [1.0, 2.0, 3.0]},
                         index=pd.Index([10, 20, 30], name="k"))
    path = str(tmp_path / "d")
    to_parquet(from_pandas(frame, npartitions=2), path)
    pd.testing.assert_frame_equal(read_parquet(path, index=False).compute().reset_index(
        drop=True), frame.reset_index(drop=True))
    by_x = read_parquet(path, index="x")
    assert by_x.divisions == (None, None, None)
    pd.testing.assert_frame_equal(by_x.compute(), frame.set_index("x"))
    assert list(read_parquet(path, columns=["y"]).compute().columns) == ["y"]
    as_column = read_parquet(path, columns=["k", "x"], index=False).compute()
    pd.testing.assert_frame_equal(as_column.reset_index(drop=True),
                                  frame.reset_index()[["k", "x"]])
    with pytest.raises(ValueError, match=r"\['k'\] is the stored index .* index=False"):
        read_parquet(path, columns=["k", "x"])
    by_k = read_parquet(path, index="k", columns=["y"])
    pd.testing.assert_frame_equal(by_k.compute(), frame[["y"]])
    unsorted = str(tmp_path / "u")
    to_parquet(from_pandas(frame.iloc[::-1], npartitions=1, sort=False), unsorted)
    assert read_parquet(unsorted).divisions == (None, None)
    no_index = str(tmp_path / "n")
    to_parquet(from_pandas(frame, npartitions=2), no_index, write_index=False)
    pd.testing.assert_frame_equal(read_parquet(no_index).compute().reset_index(drop=True),
                                  frame.reset_index(drop=True))


def test_meta_from_schema_without_reading_data(tmp_path):
    frame = pd.DataFrame({"x": np.arange(6), "s": pd.array(list("abcabc"), dtype="str")})
    path = str(tmp_path / "d")
    to_parquet(from_pandas(frame, npartitions=3), path)
    for name in os.listdir(path):  # corrupt the data pages, keep the footers
        with open(os.path.join(path, name), "r+b") as f:
            f.seek(4)
            f.write(b"\0" * 36)
    df = read_parquet(path)
    assert df.npartitions == 3 and df.dtypes.to_dict() == frame.dtypes.to_dict()
    with pytest.raises(OSError):
        df.compute()  # the data really is unreadable: building the frame read none of it


def test_bad_input(tmp_path):
    path = str(tmp_path / "d")
    to_parquet(from_pandas(pd.DataFrame({"x": [1, 2]}), npartitions=1), path)
    with pytest.raises(KeyError, match=r"columns \['nope'\] not found; the columns are \['x'\]"):
        read_parquet(path, columns=["nope"])
    with pytest.raises(ValueError, match=r"filters: no column 'z'; the columns are"):
        read_parquet(path, filters=[("z", "==", 1)])
    with pytest.raises(ValueError, match="op must be one of"):
        read_parquet(path, filters=[("x", "~", 1)])
    with pytest.raises(TypeError, match="'in' needs a list"):
        read_parquet(path, filters=[("x", "in", 1)])
    with pytest.raises(TypeError, match="filters must be a non-empty list"):
        read_parquet(path, filters=("x", "==", 1))
    with pytest.raises(FileNotFoundError, match=r"the pattern .*\*\.parquet' matched no file"):
        read_parquet(str(tmp_path / "*.parquet"))
    os.makedirs(tmp_path / "empty")
    with pytest.raises(FileNotFoundError, match="holds no"):
        read_parquet(str(tmp_path / "empty"))


def test_may_match_and_normalize():
    assert normalize_filters([[("a", "=", 1)], [("b", "not in", [2])]], ["a", "b"]) == [
        [("a", "=", 1)], [("b", "not in", [2])]]
    ranges = {"a": (0, 10)}
    for op, value, expected in [("==", 11, False), ("==", 5, True), ("<", 0, False),
                                ("<=", 0, True), (">", 10, False), (">=", 10, True),
                                ("in", [20, 30], False), ("in", [20, 3], True),
                                ("!=", 5, True), ("not in", [1], True)]:
        assert may_match(ranges, [[("a", op, value)]]) is expected, (op, value)
    assert may_match({"a": (3, 3)}, [[("a", "!=", 3)]]) is False
    assert may_match({}, [[("a", "==", 99)]]) is True  # no statistics: keep


def test_existing_target_needs_overwrite(tmp_path):
    path = str(tmp_path / "d")
    to_parquet(from_pandas(pd.DataFrame({"x": [1, 2, 3]}), npartitions=2), path)
    before = _digest(path)
    with pytest.raises(TargetExistsError, match="already exists; pass overwrite=True"):
        to_parquet(from_pandas(pd.DataFrame({"x": [9]}), npartitions=1), path)
    assert _digest(path) == before
    to_parquet(from_pandas(pd.DataFrame({"x": [9]}), npartitions=1), path, overwrite=True)
    assert read_parquet(path).compute().x.tolist() == [9]
    assert os.listdir(tmp_path) == ["d"]


def test_failed_write_leaves_old_dataset_intact(tmp_path):
    path = str(tmp_path / "d")
    frame = pd.DataFrame({"x": np.arange(10)})
    to_parquet(from_pandas(frame, npartitions=3), path)
    before = _digest(path)

    def fail_late(part):
        if (part.x >= 8).any():
            raise RuntimeError("partition failed")
        return part * 10

    failing = from_pandas(frame, npartitions=4).map_partitions(fail_late, meta=frame.iloc[:0])
    with pytest.raises(RuntimeError, match="partition failed"):
        to_parquet(failing, path, overwrite=True)
    assert _digest(path) == before
    assert os.listdir(tmp_path) == ["d"]  # no temporary directory left
    with pytest.raises(RuntimeError, match="partition failed"):
        to_parquet(failing, str(tmp_path / "new"))
    assert os.listdir(tmp_path) == ["d"]


def test_overwrite_the_dataset_being_read(tmp_path):
    path = str(tmp_path / "d")
    frame = pd.DataFrame({"x": np.arange(10)})
    to_parquet(from_pandas(frame, npartitions=3), path)
    df = read_parquet(path)
    to_parquet(df.map_partitions(lambda p: p + 1, meta=df._meta), path, overwrite=True)
    pd.testing.assert_frame_equal(read_parquet(path).compute(), frame + 1)


def test_write_fuses_and_is_lazy_with_compute_false(tmp_path):
    frame = pd.DataFrame({"x": np.arange(12)})
    df = from_pandas(frame, npartitions=3).map_partitions(lambda p: p * 2, meta=frame.iloc[:0])
    path = str(tmp_path / "d")
    lazy = to_parquet(df, path, compute=False)
    assert not os.path.exists(path)
    tasks, _, _ = ca.base.prepare([lazy])
    assert len(tasks) <= 3 + 3 + 1  # source partitions, fused map+write, finish
    assert len(lazy.compute()) == 3
    pd.testing.assert_frame_equal(read_parquet(path).compute(), frame * 2)


def test_project_columns(tmp_path):
    from chunkarray.dataframe.io_csv import project_columns

    frame = pd.DataFrame({"a": np.arange(40), "b": np.arange(40) * 0.5, "c": list("xy") * 20},
                         index=pd.Index(np.arange(40) * 2, name="k"))
    path = str(tmp_path / "d")
    to_parquet(from_pandas(frame, npartitions=4), path)
    df = read_parquet(path, filters=[("a", ">", 5)])
    narrow = project_columns(df, ["c"])
    assert narrow.divisions == df.divisions and list(narrow.columns) == ["c"]
    assert read_parquet(path, filters=[("a", ">", 5)])._name == df._name
    assert read_parquet(path)._name != df._name
    pd.testing.assert_frame_equal(narrow.compute(), frame[frame.a > 5][["c"]])


@settings(max_examples=15, deadline=None)
@given(frame=frames(), npartitions=st.integers(1, 4), hours=st.integers(-100, 100),
       excluded=st.lists(st.sampled_from(["a", "b", "c"]), max_size=2))
def test_timestamp_and_not_in_filters(tmp_path_factory, frame, npartitions, hours, excluded):
    path = str(tmp_path_factory.mktemp("pq") / "data.parquet")
    to_parquet(from_pandas(frame, npartitions=npartitions), path)
    when = pd.Timestamp("2000-01-01") + pd.Timedelta(hours=hours)
    got = read_parquet(path, filters=[("t", ">=", when), ("s", "not in", excluded)]).compute()
    # pyarrow semantics: "not in" keeps missing values, comparisons never match them.
    keep = (frame.t >= when) & ~frame.s.isin(excluded)
    pd.testing.assert_frame_equal(got, frame[keep.to_numpy(dtype=bool)])
