"""Tests of chunkarray/storage/text.py: blocks on record boundaries, paths, compression."""

from __future__ import annotations

import bz2
import gzip
import lzma
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chunkarray.errors import NoFilesFoundError
from chunkarray.storage import text
from chunkarray.storage.text import (
    byte_blocks,
    count_delimiters,
    expand_paths,
    infer_compression,
    read_block,
)

# Records of a few bytes, joined by the delimiter, sometimes with a trailing one.
_piece = st.binary(min_size=0, max_size=6).map(lambda b: b.replace(b"\n", b"").replace(b"\r", b""))


@st.composite
def _files(draw, delimiter=b"\n"):
    records = draw(st.lists(_piece, min_size=0, max_size=20))
    body = delimiter.join(records)
    if records and draw(st.booleans()):
        body += delimiter
    return body


def _write(tmp_path, data: bytes, name: str = "f.txt") -> str:
    path = os.path.join(tmp_path, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def _records(data: bytes, delimiter: bytes) -> list[bytes]:
    # The records with their delimiters, as Python splits them.
    parts = data.split(delimiter)
    out = [p + delimiter for p in parts[:-1]]
    return out + ([parts[-1]] if parts[-1] else [])


@settings(max_examples=150, deadline=None)
@given(data=_files(), blocksize=st.integers(1, 40))
def test_blocks_concatenate_to_the_file(tmp_path_factory, data, blocksize):
    path = _write(tmp_path_factory.mktemp("t"), data)
    blocks = [read_block(path, o, n) for o, n in byte_blocks(path, blocksize)]
    assert b"".join(blocks) == data
    with_prefix = [read_block(path, o, n, prefix=b"P") for o, n in byte_blocks(path, blocksize)]
    assert with_prefix == [b"P" + b if b else b"" for b in blocks]
    # Every block is whole records: splitting each block gives the file's records in order.
    assert [r for b in blocks for r in _records(b, b"\n")] == _records(data, b"\n")


@settings(max_examples=100, deadline=None)
@given(data=_files(delimiter=b"\r\n"), blocksize=st.integers(1, 30))
def test_crlf_delimiter_and_crlf_lines(tmp_path_factory, data, blocksize):
    path = _write(tmp_path_factory.mktemp("t"), data)
    for delimiter in (b"\r\n", b"\n"):
        blocks = [read_block(path, o, n, delimiter) for o, n in byte_blocks(path, blocksize)]
        assert b"".join(blocks) == data
        assert [r for b in blocks for r in _records(b, delimiter)] == _records(data, delimiter)


@settings(max_examples=100, deadline=None)
@given(data=_files(), offset=st.integers(0, 60), length=st.integers(0, 60))
def test_block_holds_the_records_starting_in_its_range(tmp_path_factory, data, offset, length):
    path = _write(tmp_path_factory.mktemp("t"), data)
    starts, position = [], 0
    for record in _records(data, b"\n"):
        starts.append((position, record))
        position += len(record)
    expected = b"".join(r for s, r in starts if offset <= s < offset + length)
    assert read_block(path, offset, length) == expected


def test_read_block_reads_only_near_its_range(tmp_path, monkeypatch):
    data = b"".join(b"line%05d\n" % i for i in range(50_000))
    path = _write(tmp_path, data)
    read_sizes = []
    real_open = open

    class Counting:
        def __init__(self, f):
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def seek(self, n):
            return self.f.seek(n)

        def fileno(self):
            return self.f.fileno()

        def read(self, n=-1):
            out = self.f.read(n)
            read_sizes.append(len(out))
            return out

        def readinto(self, buffer):
            n = self.f.readinto(buffer)
            read_sizes.append(n)
            return n

    monkeypatch.setattr(text, "open", lambda p, m: Counting(real_open(p, m)), raising=False)
    block = read_block(path, 200_000, 1000)
    assert block == b"".join(r for r in _records(data, b"\n")[20_000:20_100])
    assert sum(read_sizes) < 4 * text._SCAN + 2000 < len(data)
    read_sizes.clear()
    assert read_block(path, 200_000, 1000, prefix=b"head\n") == b"head\n" + block
    assert sum(read_sizes) < 4 * text._SCAN + 2000


def test_empty_file_and_blocksize_none(tmp_path):
    path = _write(tmp_path, b"")
    assert byte_blocks(path, 10) == [(0, 0)]
    assert read_block(path, 0, 0) == b""
    path = _write(tmp_path, b"a\nb\n", "g.txt")
    assert byte_blocks(path, None) == [(0, 4)]
    assert read_block(path, 0, None) == b"a\nb\n"
    assert byte_blocks(path, "2B") == [(0, 2), (2, 2)]


@pytest.mark.parametrize("ext,opener", [(".gz", gzip.open), (".bz2", bz2.open), (".xz", lzma.open)])
def test_compressed_files_are_one_block(tmp_path, ext, opener):
    data = b"".join(b"row %d\n" % i for i in range(1000))
    path = os.path.join(tmp_path, "f.txt" + ext)
    with opener(path, "wb") as f:
        f.write(data)
    compression = infer_compression(path)
    assert compression == {".gz": "gzip", ".bz2": "bz2", ".xz": "xz"}[ext]
    blocks = byte_blocks(path, 10)
    assert blocks == [(0, os.path.getsize(path))]
    assert read_block(path, 0, blocks[0][1], compression=compression) == data
    with pytest.raises(ValueError, match="read_block: a gzip-compressed file is one block"):
        read_block(path, 5, 5, compression="gzip")


def test_infer_compression_validates():
    assert infer_compression("x.csv", None) is None
    assert infer_compression("x.csv", "bz2") == "bz2"
    assert infer_compression("X.CSV.GZ") == "gzip"
    with pytest.raises(ValueError, match=r"infer_compression: compression must be .* got 'zip'"):
        infer_compression("x.csv", "zip")


def test_bad_blocksize_and_delimiter(tmp_path):
    path = _write(tmp_path, b"a\n")
    with pytest.raises(ValueError, match="blocksize"):
        byte_blocks(path, 0)
    with pytest.raises(ValueError, match="blocksize"):
        byte_blocks(path, "lots")
    with pytest.raises(ValueError, match="delimiter must be non-empty bytes"):
        read_block(path, 0, 1, delimiter=b"")


def test_expand_paths(tmp_path):
    for name in ["b10.csv", "b2.csv", "a.csv", "c.txt"]:
        _write(tmp_path, b"", name)
    names = [os.path.basename(p) for p in expand_paths(str(tmp_path / "*.csv"))]
    assert names == ["a.csv", "b2.csv", "b10.csv"]
    listed = expand_paths([tmp_path / "c.txt", str(tmp_path / "b*.csv")])
    assert [os.path.basename(p) for p in listed] == ["c.txt", "b2.csv", "b10.csv"]
    assert expand_paths(str(tmp_path / "a.csv")) == [str(tmp_path / "a.csv")]


def test_expand_paths_errors(tmp_path):
    pattern = str(tmp_path / "*.parquet")
    with pytest.raises(NoFilesFoundError, match=r"urlpath: the pattern .*\*\.parquet' matched"):
        expand_paths(pattern, "urlpath")
    with pytest.raises(FileNotFoundError, match="no such file"):
        expand_paths(str(tmp_path / "missing.csv"))
    with pytest.raises(TypeError, match="path: expected a path, a glob pattern"):
        expand_paths(3)
    with pytest.raises(TypeError, match="expected a path"):
        expand_paths([])
    with pytest.raises(TypeError, match="expected paths, got 3"):
        expand_paths(["a", 3])


@settings(max_examples=60, deadline=None)
@given(data=_files(), stop=st.integers(0, 200))
def test_count_delimiters(tmp_path_factory, data, stop):
    path = _write(tmp_path_factory.mktemp("t"), data)
    assert count_delimiters(path, stop) == data[:stop].count(b"\n")
    assert count_delimiters(path, stop, b"\r\n") == data[:stop].count(b"\r\n")
