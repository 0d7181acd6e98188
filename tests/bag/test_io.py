"""read_text and to_textfiles: exact lines over blocks, compression, round trips, errors."""

from __future__ import annotations

import bz2
import gzip
import json
import os

import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

import chunkarray.bag as cab

SYNC = {"scheduler": "sync"}
line_text = st.text(alphabet=st.sampled_from("ab é\t€x"), max_size=12)
endings = st.sampled_from(["\n", "\r\n"])


def _write(path, text: str, compression: str | None = None) -> None:
    data = text.encode("utf-8")
    opener = {None: open, "gzip": gzip.open, "bz2": bz2.open}[compression]
    with opener(path, "wb") as f:
        f.write(data)


def _lines(path) -> list[str]:
    with open(path, encoding="utf-8") as f:
        return f.readlines()


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(line_text, endings), max_size=30), st.booleans(),
       st.integers(1, 40))
def test_read_text_blocks_give_exactly_the_lines(tmp_path, lines, trailing, blocksize) -> None:
    text = "".join(s + e for s, e in lines)
    if not trailing and text:
        text = text[:-1]
    path = tmp_path / "plain.txt"
    _write(path, text)
    b = cab.read_text(str(path), blocksize=blocksize)
    assert b.npartitions == max(1, -(-len(text.encode()) // blocksize))
    assert b.compute(**SYNC) == _lines(path)


def test_read_text_gzip_and_several_files(tmp_path) -> None:
    rows = [f"line {i} {'x' * (i % 17)}\n" for i in range(500)]
    for i in range(3):
        _write(tmp_path / f"part.{i}.txt", "".join(rows[i::3]))
    _write(tmp_path / "z.txt.gz", "".join(rows), "gzip")
    _write(tmp_path / "y.txt.bz2", "".join(rows[:10]), "bz2")
    plain = cab.read_text(str(tmp_path / "part.*.txt"), blocksize=500)
    assert plain.npartitions > 3  # several blocks per file
    expected = [r for i in range(3) for r in rows[i::3]]
    assert plain.compute(**SYNC) == expected
    gz = cab.read_text(str(tmp_path / "z.txt.gz"), blocksize=500)
    assert gz.npartitions == 1  # a compressed file is one block
    assert gz.compute(**SYNC) == rows
    assert cab.read_text(str(tmp_path / "y.txt.bz2")).compute(**SYNC) == rows[:10]
    both = cab.read_text([str(tmp_path / "z.txt.gz"), str(tmp_path / "part.0.txt")],
                         blocksize=300)
    assert both.compute(**SYNC) == rows + rows[0::3]
    assert gz.count().compute(scheduler="processes") == 500


def test_include_path(tmp_path) -> None:
    for name in "ab":
        (tmp_path / f"{name}.txt").write_text(f"{name}1\n{name}2\n")
    b = cab.read_text(str(tmp_path / "*.txt"), include_path=True)
    got = b.compute(**SYNC)
    assert [line for line, _ in got] == ["a1\n", "a2\n", "b1\n", "b2\n"]
    assert [os.path.basename(p) for _, p in got] == ["a.txt", "a.txt", "b.txt", "b.txt"]


def test_other_encodings(tmp_path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes("café\nnaïve\n".encode("latin-1"))
    assert cab.read_text(str(path), encoding="latin-1", blocksize=3).compute(**SYNC) == [
        "café\n", "naïve\n"]
    utf16 = tmp_path / "u16.txt"
    utf16.write_text("one\ntwo\n", encoding="utf-16")
    b = cab.read_text(str(utf16), encoding="utf-16", blocksize=4)
    assert b.npartitions == 1 and b.compute(**SYNC) == ["one\n", "two\n"]


@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(alphabet="abc é", max_size=6), max_size=25), st.integers(1, 6),
       st.sampled_from(["txt", "txt.gz"]))
def test_to_textfiles_then_read_text_round_trips(tmp_path, words, n, ext) -> None:
    out = tmp_path / f"round-{len(words)}-{n}-{ext}"
    b = cab.from_sequence(words, npartitions=n)
    paths = b.to_textfiles(str(out / f"*.{ext}"), last_endline=True, **{})
    assert len(paths) == n and all(os.path.exists(p) for p in paths)
    back = cab.read_text(str(out / f"*.{ext}")).map(lambda s: s[:-1])
    assert back.compute(**SYNC) == words
    assert not [p for p in os.listdir(out) if p.startswith(".")]


def test_to_textfiles_names_and_json_lines(tmp_path) -> None:
    records = [{"id": i, "tags": ["a"] * (i % 3)} for i in range(20)]
    b = cab.from_sequence(records, npartitions=4).map(json.dumps)
    paths = b.to_textfiles(str(tmp_path / "data"), name_function=lambda i: f"p{i:02d}")
    assert [os.path.basename(p) for p in paths] == ["p00.part", "p01.part", "p02.part",
                                                    "p03.part"]
    back = cab.read_text(str(tmp_path / "data" / "*.part")).map(json.loads)
    assert back.compute(**SYNC) == records
    lazy = b.to_textfiles([str(tmp_path / f"l{i}.json") for i in range(4)], compute=False)
    assert not (tmp_path / "l0.json").exists()
    assert len(lazy.compute(**SYNC)) == 4 and (tmp_path / "l3.json").exists()


def test_failed_write_leaves_no_file(tmp_path) -> None:
    b = cab.from_sequence(["ok", 3], npartitions=1)
    with pytest.raises(TypeError, match="to_textfiles: elements must be str, got int"):
        b.to_textfiles(str(tmp_path / "*.txt"))
    assert os.listdir(tmp_path) == []


def test_glob_matching_nothing(tmp_path) -> None:
    pattern = str(tmp_path / "nothing-*.txt")
    with pytest.raises(FileNotFoundError, match="nothing-"):
        cab.read_text(pattern)
    with pytest.raises(FileNotFoundError, match="missing.txt"):
        cab.read_text(str(tmp_path / "missing.txt"))


@pytest.mark.parametrize("scheduler", ["sync", "processes"])
def test_undecodable_file_names_file_and_encoding(tmp_path, scheduler) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(b"fine\n" * 10 + b"bad \xff\xfe byte\n")
    b = cab.read_text(str(path), blocksize=16)
    with pytest.raises(UnicodeDecodeError) as info:
        b.compute(scheduler=scheduler)
    message = str(info.value)
    assert "bad.txt" in message and "'utf-8'" in message and "at byte 54" in message


def test_bad_arguments(tmp_path) -> None:
    (tmp_path / "a.txt").write_text("x\n")
    with pytest.raises(TypeError, match="read_text: urlpath: expected a path"):
        cab.read_text(5)
    with pytest.raises(ValueError, match="unknown encoding"):
        cab.read_text(str(tmp_path / "a.txt"), encoding="nope")
    with pytest.raises(ValueError, match="compression must be one of"):
        cab.read_text(str(tmp_path / "a.txt"), compression="zip")
    b = cab.from_sequence(["a", "b"], npartitions=2)
    with pytest.raises(ValueError, match="got 1 paths for 2 partitions"):
        b.to_textfiles([str(tmp_path / "x")])
    with pytest.raises(ValueError, match="the same name twice"):
        b.to_textfiles(str(tmp_path / "*.txt"), name_function=lambda i: "same")
