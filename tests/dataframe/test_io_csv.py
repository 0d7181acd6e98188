"""Tests of chunkarray/dataframe/io_csv.py: read_csv and to_csv against pandas."""

from __future__ import annotations

import gzip
import hashlib
import os
import string

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chunkarray as ca
from chunkarray.dataframe import io_csv
from chunkarray.dataframe.creation import from_pandas
from chunkarray.dataframe.io_csv import plan_csv, read_csv, to_csv
from chunkarray.errors import MetaMismatchError, NoFilesFoundError

# Text without newlines; commas, quotes and spaces make pandas quote fields.
_text = st.text(alphabet=string.ascii_letters + string.digits + ' ,"-.', max_size=8)


@st.composite
def frames(draw):
    n = draw(st.integers(0, 40))
    floats = st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False))
    columns = {
        "i": draw(st.lists(st.integers(-10**9, 10**9), min_size=n, max_size=n)),
        "f": [np.nan if v is None else v
              for v in draw(st.lists(floats, min_size=n, max_size=n))],
        "s": draw(st.lists(st.one_of(st.none(), _text), min_size=n, max_size=n)),
        "b": draw(st.lists(st.booleans(), min_size=n, max_size=n)),
    }
    return pd.DataFrame(columns)


def _write(tmp_path, frame, name="data.csv", **kwargs):
    path = os.path.join(tmp_path, name)
    frame.to_csv(path, **kwargs)
    return path


def _digest(paths):
    out = {}
    for path in paths:
        with open(path, "rb") as f:
            out[path] = hashlib.sha256(f.read()).hexdigest()
    return out


@settings(max_examples=40, deadline=None)
@given(frame=frames(), blocksize=st.integers(5, 200), index=st.booleans())
def test_read_csv_in_blocks_equals_pandas(tmp_path_factory, frame, blocksize, index):
    path = _write(tmp_path_factory.mktemp("csv"), frame, index=index)
    kwargs = {"index_col": 0} if index else {}
    df = read_csv(path, blocksize=blocksize, **kwargs)
    expected = pd.read_csv(path, **kwargs)
    got = df.compute()
    if not index:
        got = got.reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected)
    assert df.dtypes.to_dict() == expected.dtypes.to_dict()
    assert df.npartitions == len(df.__chunkarray_graph__().layers[df._name])


@settings(max_examples=15, deadline=None)
@given(frame=frames(), files=st.integers(1, 4), blocksize=st.integers(8, 100))
def test_read_csv_glob_of_files(tmp_path_factory, frame, files, blocksize):
    # Each file has rows; a text column all missing in the first file would read as
    # float there (a dtype mismatch, tested below), so its dtype is given.
    files = max(1, min(files, len(frame)))
    root = tmp_path_factory.mktemp("many")
    pieces = np.array_split(np.arange(len(frame)), files)
    for k, rows in enumerate(pieces):
        _write(root, frame.iloc[rows], f"part-{k}.csv", index=False)
    pattern = os.path.join(root, "part-*.csv")
    expected = pd.concat([pd.read_csv(os.path.join(root, f"part-{k}.csv"), dtype={"s": "str"})
                          for k in range(files)], ignore_index=True)
    got = read_csv(pattern, blocksize=blocksize, dtype={"s": "str"})
    got = got.compute().reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected)
    whole = read_csv(pattern, blocksize=None)
    assert whole.npartitions == files


@settings(max_examples=30, deadline=None)
@given(frame=frames(), blocksize=st.integers(20, 300))
def test_pyarrow_path_equals_pandas(tmp_path_factory, frame, blocksize):
    # Plain options and int/float/bool/text dtypes: blocks are parsed by pyarrow.
    path = _write(tmp_path_factory.mktemp("csv"), frame, index=False)
    _, options = plan_csv(path, blocksize, 256_000, False, {})
    if len(frame):
        assert options.arrow is not None
    fallbacks = []
    real = io_csv._parse_imposed
    io_csv._parse_imposed = lambda *a: fallbacks.append(1) or real(*a)
    try:
        for kwargs in ({}, {"usecols": ["s", "f"]}, {"dtype": {"i": "float64", "s": "str"}}):
            df = read_csv(path, blocksize=blocksize, **kwargs)
            got = df.compute(scheduler="sync").reset_index(drop=True)
            want = pd.read_csv(path, **kwargs)
            pd.testing.assert_frame_equal(got, want)
            parts = [p.compute() for p in df.to_delayed()]
            assert all(isinstance(p.index, pd.RangeIndex) and p.index.start == 0
                       for p in parts)
    finally:
        io_csv._parse_imposed = real
    if len(frame):
        assert not fallbacks  # pyarrow read every block


def test_options_pass_through(tmp_path):
    frame = pd.DataFrame({"when": pd.date_range("2001-01-01", periods=30, freq="h"),
                          "k": list("abc") * 10, "v": np.arange(30) / 4})
    path = _write(tmp_path, frame, sep=";", index=False)
    kwargs = {"sep": ";", "usecols": ["when", "v"], "parse_dates": ["when"],
              "dtype": {"v": "float32"}}
    got = read_csv(path, blocksize=64, **kwargs).compute().reset_index(drop=True)
    pd.testing.assert_frame_equal(got, pd.read_csv(path, **kwargs))
    names = ["a", "b", "c"]
    got = read_csv(path, blocksize=50, sep=";", header=None, names=names, skiprows=1)
    pd.testing.assert_frame_equal(
        got.compute().reset_index(drop=True),
        pd.read_csv(path, sep=";", header=None, names=names, skiprows=1))


def test_skiprows_and_header_lines(tmp_path):
    path = os.path.join(tmp_path, "x.csv")
    with open(path, "w") as f:
        f.write("# comment line\n# another\nx,y\n" + "".join(f"{i},{i * i}\n" for i in range(50)))
    for blocksize in (3, 17, 40, None):
        got = read_csv(path, blocksize=blocksize, skiprows=2).compute().reset_index(drop=True)
        pd.testing.assert_frame_equal(got, pd.read_csv(path, skiprows=2))


def test_crlf_and_no_trailing_newline(tmp_path):
    path = os.path.join(tmp_path, "crlf.csv")
    with open(path, "wb") as f:
        f.write(b"a,b\r\n" + b"\r\n".join(b"%d,x%d" % (i, i) for i in range(25)))
    for blocksize in (4, 11, 1000):
        got = read_csv(path, blocksize=blocksize).compute().reset_index(drop=True)
        pd.testing.assert_frame_equal(got, pd.read_csv(path))


def test_digits_in_a_text_column_stay_text(tmp_path):
    path = os.path.join(tmp_path, "codes.csv")
    with open(path, "w") as f:
        f.write("code,n\n" + "".join(f"a{i},{i}\n" for i in range(5))
                + "".join(f"00{i},{i}\n" for i in range(20)))
    got = read_csv(path, blocksize=16).compute().reset_index(drop=True)
    expected = pd.read_csv(path)
    assert expected.code.iloc[-1] == "0019"
    pd.testing.assert_frame_equal(got, expected)
    by_code = read_csv(path, blocksize=16, index_col="code").compute()
    pd.testing.assert_frame_equal(by_code, pd.read_csv(path, index_col="code"))


@pytest.mark.parametrize("text", ["c0\n1,000\n1,000\n5,6\n", "a,b\n7,1,2\n8,3,4\n9,5,6\n"])
def test_implicit_index_column(tmp_path, text):
    # A first data line with more fields than the header: pandas makes an index of them.
    path = os.path.join(tmp_path, "implicit.csv")
    with open(path, "w") as f:
        f.write(text)
    for blocksize in (3, 7, None):
        pd.testing.assert_frame_equal(read_csv(path, blocksize=blocksize).compute(),
                                      pd.read_csv(path))


def test_compressed_file_is_one_partition(tmp_path):
    frame = pd.DataFrame({"x": np.arange(100), "y": np.arange(100) * 1.5})
    path = os.path.join(tmp_path, "f.csv.gz")
    with gzip.open(path, "wt") as f:
        frame.to_csv(f, index=False)
    df = read_csv(path, blocksize=10)
    assert df.npartitions == 1
    pd.testing.assert_frame_equal(df.compute(), pd.read_csv(path))
    sampled = read_csv(path, sample=100, compression="gzip")  # meta from the first lines only
    pd.testing.assert_frame_equal(sampled.compute(), pd.read_csv(path))


def test_include_path_column(tmp_path):
    for k in range(2):
        _write(tmp_path, pd.DataFrame({"x": [k, k + 10]}), f"f{k}.csv", index=False)
    df = read_csv(os.path.join(tmp_path, "f*.csv"), blocksize=4, include_path_column=True)
    got = df.compute()
    paths = [os.path.join(tmp_path, f"f{k}.csv") for k in range(2)]
    assert got["path"].tolist() == [paths[0]] * 2 + [paths[1]] * 2
    assert list(got["path"].cat.categories) == paths
    assert df.dtypes["path"] == got.dtypes["path"]
    with pytest.raises(ValueError, match="include_path_column='x' is already a column"):
        read_csv(paths[0], include_path_column="x")


def test_malformed_line_names_file_and_line(tmp_path):
    lines = ["a,b"] + [f"{i},{i}" for i in range(1, 40)]
    lines[27] = "27,27,27"  # the 28th line of the file
    path = os.path.join(tmp_path, "bad.csv")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    with pytest.raises(pd.errors.ParserError) as pandas_error:
        pd.read_csv(path)
    assert "line 28" in str(pandas_error.value)
    for blocksize in (20, 64, None):
        df = read_csv(path, blocksize=blocksize, sample=10)
        with pytest.raises(pd.errors.ParserError, match=r"bad\.csv.*line 28, saw 3"):
            df.compute()


def test_dtype_mismatch_names_partition_and_dtypes(tmp_path):
    path = os.path.join(tmp_path, "late.csv")
    with open(path, "w") as f:
        f.write("a,b\n" + "".join(f"{i},{i}\n" for i in range(200)) + "1.5,x\n")
    df = read_csv(path, blocksize=300, sample=100)
    assert df.dtypes["a"] == np.int64
    with pytest.raises(MetaMismatchError,
                       match=r"partition \d+ .*late\.csv.*'a' has dtype float64 but the first "
                             r"rows gave int64"):
        df.compute()
    for k, text in enumerate(["", "x"]):
        _write(tmp_path, pd.DataFrame({"n": [1, 2], "t": [text, text]}), f"t{k}.csv", index=False)
    two = read_csv(os.path.join(tmp_path, "t*.csv"))
    with pytest.raises(ValueError, match=r"partition 1 .*t1\.csv.*'t' has dtype str but the "
                                         r"first rows gave float64"):
        two.compute()
    good = read_csv(path, blocksize=300, sample=100, dtype={"a": "float64", "b": "str"})
    pd.testing.assert_frame_equal(good.compute().reset_index(drop=True),
                                  pd.read_csv(path, dtype={"a": "float64", "b": "str"}))


def test_bad_input(tmp_path):
    with pytest.raises(NoFilesFoundError, match=r"urlpath: the pattern .*nothing-\*\.csv"):
        read_csv(os.path.join(tmp_path, "nothing-*.csv"))
    path = _write(tmp_path, pd.DataFrame({"x": [1]}), index=False)
    with pytest.raises(ValueError, match="read_csv: nrows= is not supported"):
        read_csv(path, nrows=3)
    with pytest.raises(ValueError, match="skiprows must be an int"):
        read_csv(path, blocksize=4, skiprows=[0])
    with pytest.raises(ValueError, match="blocksize"):
        read_csv(path, blocksize="huge")


def test_read_is_lazy_and_fuses(tmp_path):
    frame = pd.DataFrame({"x": np.arange(200)})
    path = _write(tmp_path, frame, index=False)
    df = read_csv(path, blocksize=100)
    doubled = df.map_partitions(lambda p: p * 2)
    os.remove(path)  # nothing was read but the sample
    with pytest.raises(FileNotFoundError):
        doubled.compute()
    _write(tmp_path, frame, index=False)
    tasks, _, _ = ca.base.prepare([doubled])
    assert len(tasks) == df.npartitions
    again = read_csv(path, blocksize=100)
    assert again._name != df._name  # the file was written again since
    assert read_csv(path, blocksize=100)._name == again._name  # names are tokens of the read
    assert read_csv(path, blocksize=50)._name != again._name
    assert doubled.compute().x.sum() == 2 * frame.x.sum()


@settings(max_examples=20, deadline=None)
@given(frame=frames(), npartitions=st.integers(1, 5), index=st.booleans())
def test_to_csv_read_csv_round_trip(tmp_path_factory, frame, npartitions, index):
    root = tmp_path_factory.mktemp("rt")
    df = from_pandas(frame, npartitions=npartitions)
    paths = to_csv(df, os.path.join(root, "out-*.csv"), index=index)
    assert paths == [os.path.join(root, f"out-{i}.csv") for i in range(df.npartitions)]
    # The text column's dtype is given: a first file with only missing text reads as float.
    kwargs = {"index_col": 0, "dtype": {"s": "str"}} if index else {"dtype": {"s": "str"}}
    back = read_csv(os.path.join(root, "out-*.csv"), blocksize=30, **kwargs).compute()
    expected = pd.read_csv(_write(root, frame, "whole.csv", index=index), **kwargs)
    if not index:
        back = back.reset_index(drop=True)
    pd.testing.assert_frame_equal(back, expected)


def test_to_csv_single_file_and_directory(tmp_path):
    frame = pd.DataFrame({"x": np.arange(10), "y": list("abcdefghij")})
    df = from_pandas(frame, npartitions=3)
    target = os.path.join(tmp_path, "one.csv")
    assert to_csv(df, target, single_file=True) == [target]
    with open(target) as f:
        single = f.read()
    assert single == frame.to_csv()
    paths = to_csv(df, os.path.join(tmp_path, "folder"), index=False)
    assert [os.path.basename(p) for p in paths] == ["0.part", "1.part", "2.part"]
    got = pd.concat([pd.read_csv(p) for p in paths], ignore_index=True)
    pd.testing.assert_frame_equal(got, frame)
    named = to_csv(df, os.path.join(tmp_path, "n-*.csv"), name_function=lambda i: f"{i:03d}")
    assert os.path.basename(named[2]) == "n-002.csv"
    lazy = to_csv(df, os.path.join(tmp_path, "lazy-*.csv"), compute=False)
    assert not os.path.exists(os.path.join(tmp_path, "lazy-0.csv"))
    assert len(lazy.compute()) == 3
    with pytest.raises(ValueError, match="one '\\*'"):
        to_csv(df, os.path.join(tmp_path, "*-*.csv"))


def _failing(frame):
    def fail_on_big(part):
        if (part["x"] >= 8).any():
            raise RuntimeError("partition failed")
        return part
    df = from_pandas(frame, npartitions=4)
    return df.map_partitions(fail_on_big, meta=frame.iloc[:0])


@pytest.mark.parametrize("single_file", [False, True])
def test_failed_to_csv_leaves_old_files_intact(tmp_path, single_file):
    frame = pd.DataFrame({"x": np.arange(10)})
    target = os.path.join(tmp_path, "t.csv" if single_file else "t-*.csv")
    old = to_csv(from_pandas(frame * 100, npartitions=4), target, single_file=single_file)
    before = _digest(old)
    with pytest.raises(RuntimeError, match="partition failed"):
        to_csv(_failing(frame), target, single_file=single_file)
    assert _digest(old) == before
    assert sorted(os.listdir(tmp_path)) == sorted(os.path.basename(p) for p in old)


def test_project_columns(tmp_path):
    frame = pd.DataFrame({"a": np.arange(40), "b": np.arange(40) * 0.5, "c": list("xy") * 20})
    path = _write(tmp_path, frame, index=False)
    df = read_csv(path, blocksize=100)
    narrow = io_csv.project_columns(df, ["c", "a"])
    assert narrow.npartitions == df.npartitions
    assert list(narrow.columns) == ["a", "c"]
    pd.testing.assert_frame_equal(narrow.compute(), df[["a", "c"]].compute())
    assert io_csv.project_columns(df, ["nope"]) is None
    assert io_csv.project_columns(df.map_partitions(lambda p: p), ["a"]) is None
    assert io_csv.project_columns(read_csv(path, index_col="a"), ["b"]) is None


def test_one_block_files_are_memory_mapped(tmp_path, monkeypatch):
    frame = pd.DataFrame({"k": list("abcab") * 8, "v": np.arange(40) * 0.25})
    path = _write(tmp_path, frame, index=False)
    reads = []
    real = io_csv.read_block
    monkeypatch.setattr(io_csv, "read_block", lambda *a, **k: reads.append(a) or real(*a, **k))
    whole = read_csv(path)
    reads.clear()  # (the meta is read from a sample when the graph is built)
    pd.testing.assert_frame_equal(whole.compute(scheduler="sync"), pd.read_csv(path))
    assert reads == []  # parsed from the mapping, not from a copy
    split = read_csv(path, blocksize=100)
    reads.clear()
    pd.testing.assert_frame_equal(split.compute(scheduler="sync").reset_index(drop=True),
                                  pd.read_csv(path))
    assert len(reads) == split.npartitions > 1
    empty = str(tmp_path / "empty.csv")
    with open(empty, "w") as f:
        f.write("k,v\n")
    pd.testing.assert_frame_equal(read_csv(empty).compute(), pd.read_csv(empty))
