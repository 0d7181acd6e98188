"""The command line: a few runs through a real subprocess, the rest through ``main``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
import zarr

from chunkarray.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    d = tmp_path_factory.mktemp("cli")
    rng = np.random.default_rng(7)
    a = rng.standard_normal((60, 18))
    a[[3, 17, 40], [4, 0, 11]] = np.nan
    b = rng.integers(-50, 50, size=(9, 5, 4)).astype("i4")
    np.save(d / "a.npy", a)
    zarr.create_array(str(d / "a.zarr"), shape=a.shape, chunks=(16, 7), dtype=a.dtype)[:] = a
    g = zarr.open_group(str(d / "g.zarr"), mode="w")
    g.create_array("a", shape=a.shape, chunks=(20, 18), dtype=a.dtype, compressors=None)[:] = a
    g.create_group("sub").create_array("b", shape=b.shape, chunks=(4, 5, 2), dtype=b.dtype)[:] = b
    with h5py.File(d / "f.h5", "w") as f:
        f.create_dataset("a", data=a, chunks=(10, 9), compression="gzip")
        f.create_dataset("grp/b", data=b)
    with h5py.File(d / "one.h5", "w") as f:
        f.create_dataset("b", data=b)
    (d / "plain").mkdir()
    (d / "notes.txt").write_text("not an array\n")
    return {"dir": d, "a": a, "b": b}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "chunkarray", *args], capture_output=True,
                          text=True, env=env, timeout=120, check=False)


def call(capsys: pytest.CaptureFixture[str], *args: Any) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def read(path: Path, name: str | None = None) -> np.ndarray:
    if path.suffix == ".npy":
        return np.load(path)
    if path.suffix == ".h5":
        with h5py.File(path, "r") as f:
            return f[name][...]
    node = zarr.open(str(path), mode="r")
    return (node if name is None else node[name])[...]


def one_error_line(err: str, *fragments: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("chunkarray: error: "), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def nothing_new(directory: Path, before: set[str]) -> None:
    assert {p.name for p in directory.iterdir()} == before  # no temporary left either


# -- through a subprocess: every command once, exit codes, no tracebacks --

def test_subprocess_info_stats_convert_rechunk(data: dict[str, Any]) -> None:
    d, a, b = data["dir"], data["a"], data["b"]
    info = run("info", str(d / "g.zarr"), "--json")
    assert info.returncode == 0, info.stderr
    facts = json.loads(info.stdout)
    group = zarr.open_group(str(d / "g.zarr"), mode="r")
    assert [(x["name"], tuple(x["shape"]), x["dtype"], tuple(x["chunks"])) for x in
            facts["arrays"]] == [(n, group[n].shape, str(group[n].dtype), group[n].chunks)
                                 for n in ("a", "sub/b")]
    stats = run("stats", f"{d / 'f.h5'}:a", "--json", "--workers", "2")
    assert stats.returncode == 0, stats.stderr
    got = json.loads(stats.stdout)
    np.testing.assert_allclose([got["min"], got["max"], got["mean"], got["std"]],
                               [np.nanmin(a), np.nanmax(a), np.nanmean(a), np.nanstd(a)])
    assert got["nan_count"] == 3 and got["count"] == a.size - 3
    conv = run("convert", str(d / "a.npy"), f"{d / 'sp.h5'}:x/y", "--memory-limit", "64KiB")
    assert conv.returncode == 0, conv.stderr
    np.testing.assert_array_equal(read(d / "sp.h5", "x/y"), a)
    re = run("rechunk", f"{d / 'one.h5'}", str(d / "sp.zarr"), "--chunks", "2,-1,3",
             "--progress")
    assert re.returncode == 0, re.stderr
    assert "100%" in re.stderr  # the progress bar went to stderr
    out = zarr.open_array(str(d / "sp.zarr"), mode="r")
    assert out.chunks == (2, 5, 3)
    np.testing.assert_array_equal(out[...], b)


def test_subprocess_bad_input(data: dict[str, Any]) -> None:
    d = data["dir"]
    before = {p.name for p in d.iterdir()}
    plain = run("info", str(d / "plain"))
    assert plain.returncode == 1 and plain.stdout == ""
    one_error_line(plain.stderr, "is a directory but not a Zarr store")
    several = run("convert", str(d / "f.h5"), str(d / "never.zarr"))
    assert several.returncode == 1
    one_error_line(several.stderr, "holds 2 datasets (a, grp/b)", ":NAME")
    chunks = run("rechunk", str(d / "a.zarr"), str(d / "never.zarr"), "--chunks", "10")
    assert chunks.returncode == 2
    one_error_line(chunks.stderr, "--chunks '10' gives 1 sizes", "2 dimensions")
    usage = run("rechunk", str(d / "a.zarr"), str(d / "never.zarr"))
    assert usage.returncode == 2 and usage.stderr.startswith("usage: chunkarray rechunk")
    assert "Traceback" not in usage.stderr
    debug = run("--debug", "info", str(d / "missing.zarr"))
    assert debug.returncode == 1 and "Traceback" in debug.stderr
    nothing_new(d, before)


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "chunkarray"
    if not script.exists():
        pytest.skip("the package is not installed in this environment (pip install -e .)")
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "convert" in done.stdout and "rechunk" in done.stdout


# -- in-process: the format matrix and the bad-input cases --

@pytest.mark.parametrize("source", ["a.npy", "a.zarr", "g.zarr:a", "f.h5:a"])
def test_stats_matches_numpy(data: dict[str, Any], source: str,
                             capsys: pytest.CaptureFixture[str]) -> None:
    a = data["a"]
    for axis in (None, 0, 1, -1):
        extra = [] if axis is None else ["--axis", str(axis)]
        code, out, err = call(capsys, "stats", f"{data['dir'] / source}", "--json", *extra)
        assert code == 0, err
        got = json.loads(out)
        for key, fn in [("min", np.nanmin), ("max", np.nanmax), ("mean", np.nanmean),
                        ("std", np.nanstd)]:
            np.testing.assert_allclose(got[key], fn(a, axis=axis), err_msg=key)
        np.testing.assert_array_equal(got["nan_count"], np.isnan(a).sum(axis=axis))
        np.testing.assert_array_equal(got["count"], (~np.isnan(a)).sum(axis=axis))


def test_stats_text_and_integers(data: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    b = data["b"]
    code, out, err = call(capsys, "stats", data["dir"] / "g.zarr:sub/b", "--axis", "0,2")
    assert code == 0, err
    lines = dict(line.split(None, 1) for line in out.splitlines()[1:])
    assert out.splitlines()[0].endswith("over axis (0, 2)")
    np.testing.assert_allclose(np.array(json.loads(lines["mean"])), b.mean(axis=(0, 2)),
                               rtol=1e-6)
    assert json.loads(lines["min"]) == b.min(axis=(0, 2)).tolist()
    assert json.loads(lines["count"]) == [b.shape[0] * b.shape[2]] * b.shape[1]


@pytest.mark.parametrize("source", ["a.npy", "a.zarr", "g.zarr:sub/b", "f.h5:grp/b"])
def test_info_matches_the_metadata(data: dict[str, Any], source: str,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = data["dir"] / source
    code, out, err = call(capsys, "info", path, "--json")
    assert code == 0, err
    (entry,) = json.loads(out)["arrays"]
    name = source.partition(":")[2] or None
    expected = read(Path(str(path).partition(":")[0]), name)
    assert (tuple(entry["shape"]), entry["dtype"]) == (expected.shape, str(expected.dtype))
    assert entry["nbytes"] == expected.nbytes and entry["stored_bytes"] > 0
    code, text, _ = call(capsys, "info", path)
    assert code == 0 and f"shape      {expected.shape}" in text and "on disk" in text


def test_info_text_of_groups_and_files(data: dict[str, Any],
                                       capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = call(capsys, "info", data["dir"] / "f.h5")
    assert code == 0 and out.startswith(f"{data['dir'] / 'f.h5'}: hdf5, 2 arrays")
    assert "chunks     (10, 9), 12 chunks" in out and "gzip(level=4)" in out
    assert "none (contiguous)" in out
    code, out, _ = call(capsys, "info", data["dir"] / "g.zarr")
    assert code == 0 and "zarr v3 group, 2 arrays" in out and "zstd(" in out
    assert "chunks     (4, 5, 2), 6 chunks" in out


TARGETS = ["out.npy", "out.zarr", "grp.zarr:inner/x", "out.h5:d", "out2.h5"]


@pytest.mark.parametrize("source", ["a.npy", "a.zarr", "f.h5:a"])
def test_convert_between_formats(data: dict[str, Any], source: str, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    for target in TARGETS:
        code, out, err = call(capsys, "convert", data["dir"] / source, tmp_path / target,
                              "--no-progress")
        assert code == 0, err
        assert out.startswith("wrote ")
        path, _, name = str(tmp_path / target).partition(":")
        if target == "out2.h5":  # named after the source
            name = "a"
        np.testing.assert_array_equal(read(Path(path), name or None), data["a"])


@pytest.mark.parametrize(("chunks", "expected"), [("7,-1", (7, 18)), ("-1,5", (60, 5)),
                                                  ("100,100", (60, 18)), ("1, 1", (1, 1))])
def test_rechunk(data: dict[str, Any], chunks: str, expected: tuple[int, int], tmp_path: Path,
                 capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = call(capsys, "rechunk", data["dir"] / "a.zarr", tmp_path / "r.zarr",
                        "--chunks", chunks, "--compressor", "none")
    assert code == 0, err
    out = zarr.open_array(str(tmp_path / "r.zarr"), mode="r")
    assert out.chunks == expected and out.compressors == ()
    np.testing.assert_array_equal(out[...], data["a"])
    code, _, err = call(capsys, "rechunk", tmp_path / "r.zarr", tmp_path / "r.h5:x",
                        "--chunks", chunks, "--compressor", "gzip")
    assert code == 0, err
    with h5py.File(tmp_path / "r.h5", "r") as f:
        assert f["x"].chunks == expected and f["x"].compression == "gzip"
        np.testing.assert_array_equal(f["x"][...], data["a"])


BAD = [
    (["info", "{d}/plain"], 1, "is a directory but not a Zarr store"),
    (["info", "{d}/missing.zarr"], 1, "'{d}/missing.zarr' does not exist"),
    (["info", "{d}/notes.txt"], 1, "is not a Zarr store, an HDF5 file or a .npy file"),
    (["stats", "{d}/f.h5"], 1, "holds 2 datasets"),
    (["stats", "{d}/f.h5:nope"], 1, "holds no dataset 'nope' (it holds: a, grp/b)"),
    (["stats", "{d}/g.zarr"], 1, "holds 2 arrays (a, sub/b)"),
    (["stats", "{d}/a.npy", "--axis", "2"], 2, "--axis 2 is out of range"),
    (["stats", "{d}/a.npy", "--axis", "x"], 2, "--axis must be integers"),
    (["stats", "{d}/a.npy", "--axis", "0,-2"], 2, "repeats an axis"),
    (["convert", "{d}/a.npy", "{d}/notes.txt/x.zarr"], 1, "is not an existing directory"),
    (["convert", "{d}/a.npy", "{d}/no/such/dir/x.npy"], 1, "is not an existing directory"),
    (["convert", "{d}/a.npy", "{d}/a.zarr"], 1, "already exists; pass --overwrite"),
    (["convert", "{d}/a.npy", "{d}/f.h5:a"], 1, "already holds 'a'; pass --overwrite"),
    (["convert", "{d}/a.npy", "{d}/notes.txt.h5"], 0, None),
    (["convert", "{d}/a.npy", "{d}/a.npy"], 1, "the destination is the source"),
    (["convert", "{d}/f.h5:a", "{d}/f.h5:c"], 1, "cannot write into the HDF5 file being read"),
    (["convert", "{d}/a.npy", "{d}/x.npy", "--compressor", "zstd"], 2, "not available for npy"),
    (["convert", "{d}/a.npy", "{d}/x.h5", "--compressor", "zstd"], 2, "choose one of default"),
    (["rechunk", "{d}/a.npy", "{d}/x.zarr", "--chunks", "10"], 2, "gives 1 sizes"),
    (["rechunk", "{d}/a.npy", "{d}/x.zarr", "--chunks", "10,0"], 2, "positive or -1, got 0"),
    (["rechunk", "{d}/a.npy", "{d}/x.zarr", "--chunks", "10,-3"], 2, "got -3"),
    (["rechunk", "{d}/a.npy", "{d}/x.zarr", "--chunks", "a,b"], 2, "must be integers"),
    (["convert", "{d}/a.npy", "{d}/x.npy:inner"], 1, "a .npy file holds one array"),
]


def test_bad_input_one_line_and_nothing_written(data: dict[str, Any],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    d = data["dir"]
    for args, expected_code, fragment in BAD:
        before = {p.name for p in d.iterdir()}
        argv = [a.format(d=d) for a in args]
        code, out, err = call(capsys, *argv)
        assert code == expected_code, (argv, err)
        if fragment is None:
            (d / argv[2]).unlink()
            continue
        one_error_line(err, fragment.format(d=d))
        assert out == ""
        nothing_new(d, before)
        assert zarr.open_array(str(d / "a.zarr"), mode="r")[...].shape == (60, 18)


def test_usage_errors_exit_2(data: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["rechunk", "a", "b"], ["frobnicate"], ["--workers", "0", "info", "x"],
                 ["info", "x", "--memory-limit", "lots"]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        err = capsys.readouterr().err
        assert exc.value.code == 2 and err.startswith("usage: chunkarray")
        assert "Traceback" not in err


def test_a_failing_write_leaves_nothing(data: dict[str, Any], tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "short.npy"
    np.save(src, np.arange(1000.0))
    with open(src, "r+b") as f:  # the header promises 1000 values; half are left
        f.truncate(os.path.getsize(src) - 4000)
    for target in ("x.zarr", "x.npy", "x.h5:d"):
        code, _, err = call(capsys, "convert", src, tmp_path / target, "--workers", "2")
        assert code == 1, err
        one_error_line(err)
        assert {p.name for p in tmp_path.iterdir()} == {"short.npy"}


def test_zarr_v2_and_all_nan_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = np.arange(40.0).reshape(8, 5)
    a[:, 2] = np.nan
    z = zarr.create_array(str(tmp_path / "v2.zarr"), shape=a.shape, chunks=(3, 5),
                          dtype=a.dtype, zarr_format=2)
    z[:] = a
    code, out, err = call(capsys, "info", tmp_path / "v2.zarr", "--json")
    assert code == 0, err
    facts = json.loads(out)
    assert facts["format"] == "zarr v2 array" and facts["arrays"][0]["chunks"] == [3, 5]
    assert facts["arrays"][0]["codecs"][0].startswith("zstd(")
    code, out, err = call(capsys, "stats", tmp_path / "v2.zarr", "--axis", "0", "--json")
    assert code == 0, err  # and no RuntimeWarning (the suite turns warnings into errors)
    got = json.loads(out)
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        expected = np.nanmean(a, axis=0)
    np.testing.assert_array_equal(got["mean"], expected)
    assert got["nan_count"] == [0, 0, 8, 0, 0] and got["count"] == [8, 8, 0, 8, 8]


def test_writing_into_a_group_and_overwrite(data: dict[str, Any], tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    src, dst = data["dir"] / "a.npy", tmp_path / "grp.zarr:inner/x"
    assert call(capsys, "convert", src, dst)[0] == 0
    code, _, err = call(capsys, "convert", data["dir"] / "one.h5", dst)
    assert code == 1
    one_error_line(err, "already")
    np.testing.assert_array_equal(read(tmp_path / "grp.zarr", "inner/x"), data["a"])
    assert call(capsys, "convert", data["dir"] / "one.h5", dst, "--overwrite")[0] == 0
    np.testing.assert_array_equal(read(tmp_path / "grp.zarr", "inner/x"), data["b"])
    assert call(capsys, "convert", src, tmp_path / "grp.zarr:other")[0] == 0
    code, out, _ = call(capsys, "info", tmp_path / "grp.zarr")
    assert code == 0 and "2 arrays" in out.splitlines()[0]


def test_info_of_a_sharded_array(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    z = zarr.create_array(str(tmp_path / "s.zarr"), shape=(40, 12), chunks=(5, 6),
                          shards=(20, 12), dtype="i2")
    z[:] = np.arange(480, dtype="i2").reshape(40, 12)
    code, out, err = call(capsys, "info", tmp_path / "s.zarr")
    assert code == 0, err
    assert "chunks     (5, 6), 16 chunks, in shards of (20, 12)" in out
    code, out, _ = call(capsys, "stats", tmp_path / "s.zarr", "--json")
    assert json.loads(out)["max"] == 479


def test_profile_option(data: dict[str, Any], tmp_path: Path,
                        capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "p.html"
    code, _, err = call(capsys, "rechunk", data["dir"] / "a.zarr", tmp_path / "r.npy",
                        "--chunks", "10,-1", "--profile", page)
    assert code == 0, err
    text = page.read_text()
    assert "<h1>chunkarray rechunk</h1>" in text and text.count("<svg") == 3
    assert text.count("<rect ") >= 6  # at least one task per block of the result
