"""SpillStore: exact round trips, memory-mapped reloads, atomic writes, clean directories."""

from __future__ import annotations

import dataclasses
import errno
import mmap
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis.extra import numpy as hnp

from chunkarray import config
from chunkarray.errors import ChunkArrayError, ChunkNotFoundError
from chunkarray.storage.spill_store import (
    SpillDirError,
    SpillError,
    SpillHandle,
    SpillStore,
    UnspillableError,
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SpillStore]:
    with SpillStore(tmp_path) as s:
        yield s


def files(store: SpillStore) -> list[str]:
    return sorted(os.listdir(store.directory))


def assert_same_array(back: np.ndarray, x: np.ndarray) -> None:
    assert back.dtype == x.dtype and back.shape == x.shape
    assert np.ascontiguousarray(back).tobytes() == np.ascontiguousarray(x).tobytes()


# -- arrays ---------------------------------------------------------------------------------

DTYPES = ["bool", "int8", "uint16", "<i4", ">i4", "int64", "uint64", "float16", "<f4", ">f8",
          "complex64", ">c16", "M8[ns]", ">M8[s]", "m8[us]", "S5", "U3", ">U2",
          [("a", "<i4"), ("b", ">f8"), ("c", "S2")]]
SHAPES = [(), (0,), (3, 0), (0, 4, 2), (1,), (7,), (4, 6), (2, 3, 5)]


def sample(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    dtype = np.dtype(dtype)
    raw = np.random.default_rng(0).integers(0, 256, size=int(np.prod(shape)) * dtype.itemsize,
                                           dtype=np.uint8)
    x = raw.view(dtype).reshape(shape) if dtype.kind not in "MmbU" else np.zeros(shape, dtype)
    if dtype.kind in "Mm":
        x = np.arange(x.size).astype(dtype).reshape(shape)
    elif dtype.kind == "b":
        x = (raw[: x.size] % 2 == 1).reshape(shape)
    elif dtype.kind == "U":
        x = np.array(["ab", "é", "xyz"] * x.size, dtype=dtype)[: x.size].reshape(shape)
    return x


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_an_array_round_trips_memory_mapped(store: SpillStore, dtype: Any, shape: Any) -> None:
    x = sample(shape, dtype)
    handle = store.put(("x", 0, 1), x)
    assert handle.kind == "npy" and handle.path.endswith(".npy")
    back = store.get(handle)
    assert_same_array(back, x)
    if x.size:
        assert isinstance(back, np.memmap) and back.filename == handle.path
        assert not back.flags.writeable
    else:
        assert type(back) is np.ndarray


@pytest.mark.parametrize("dtype", ["<f8", ">i2", "c8"])
def test_fortran_order_and_views_are_kept(store: SpillStore, dtype: str) -> None:
    x = np.asfortranarray(sample((5, 7, 3), dtype))
    back = store.get(store.put("f", x))
    assert_same_array(back, x)
    assert back.flags.f_contiguous and isinstance(back, np.memmap)
    for view in (x[::2, 1:], x.T, x[:, 3], x[..., ::-1]):
        assert_same_array(store.get(store.put("view", view)), view)


@given(hnp.arrays(hnp.scalar_dtypes() | hnp.byte_string_dtypes() | hnp.unicode_string_dtypes(),
                  hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5)))
def test_any_scalar_dtype_round_trips_bit_for_bit(x: np.ndarray) -> None:
    with SpillStore() as store:
        assert_same_array(store.get(store.put("h", x)), x)


def test_a_reload_is_mapped_from_the_file_not_copied(store: SpillStore) -> None:
    x = np.arange(1_000_000, dtype="float64")
    handle = store.put("big", x)
    a, b = store.get(handle), store.get(handle)
    for back in (a, b):
        assert isinstance(back, np.memmap) and isinstance(back._mmap, mmap.mmap)
        assert back.offset > 0 and back.filename == handle.path
    # Both views read the same file pages: the offset of the data is the file's header.
    with open(handle.path, "rb") as f:
        f.seek(a.offset)
        assert f.read(16) == x[:2].tobytes()
    assert not np.shares_memory(a, x)
    assert handle.nbytes == os.path.getsize(handle.path) == x.nbytes + a.offset


def test_object_and_subclassed_arrays_are_pickled(store: SpillStore) -> None:
    objects = np.array([1, "a", None, [2]], dtype=object)
    handle = store.put("o", objects)
    assert handle.kind == "pickle"
    assert store.get(handle).tolist() == objects.tolist()
    masked = np.ma.masked_array([1.0, 2.0, 3.0], mask=[False, True, False])
    back = store.get(store.put("m", masked))
    assert isinstance(back, np.ma.MaskedArray) and back.mask.tolist() == [False, True, False]
    strings = np.array(["a", "bcd"], dtype=np.dtypes.StringDType())
    back = store.get(store.put("t", strings))
    assert back.dtype == strings.dtype and back.tolist() == ["a", "bcd"]


def test_a_reloaded_memmap_can_be_spilled_again(store: SpillStore) -> None:
    x = np.arange(12.0).reshape(3, 4)
    first = store.get(store.put("k", x))
    second = store.get(store.put("k", first[1:]))
    assert_same_array(second, x[1:])


# -- pandas ---------------------------------------------------------------------------------

def frames() -> dict[str, pd.DataFrame]:
    n = 6
    parquet = {
        "numbers": pd.DataFrame({"a": np.arange(n), "b": np.linspace(0, 1, n),
                                 "c": np.arange(n, dtype="uint8"),
                                 "d": np.arange(n, dtype="float16")}),
        "strings": pd.DataFrame({"s": ["x", "yy", None, "é", "", "z"]}),
        "categorical": pd.DataFrame({"c": pd.Categorical(list("abcabc"), ordered=True)}),
        "nullable": pd.DataFrame({"i": pd.array([1, None, 3, 4, 5, 6], dtype="Int64"),
                                  "b": pd.array([True, None] * 3, dtype="boolean")}),
        "times": pd.DataFrame({"t": pd.date_range("2000", periods=n),
                               "tz": pd.date_range("2000", periods=n, tz="Europe/Paris"),
                               "d": pd.to_timedelta(np.arange(n), unit="s")}),
        "named_index": pd.DataFrame({"a": range(n)}, index=pd.Index(list("pqrstu"), name="k")),
        "range_index": pd.DataFrame({"a": range(n)}, index=pd.RangeIndex(10, 10 + 2 * n, 2)),
        "freq_index": pd.DataFrame({"a": range(n)},
                                   index=pd.date_range("2000", periods=n, freq="h", name="t")),
        "multi_index": pd.DataFrame({"a": range(n)}, index=pd.MultiIndex.from_product(
            [[1, 2], ["x", "y", "z"]], names=["i", "j"])),
        "columns_name": pd.DataFrame({"a": range(n)}).rename_axis(columns="cols"),
        "empty": pd.DataFrame({"a": np.array([], "int32"), "s": pd.Series([], dtype="str")}),
        "periods": pd.DataFrame({"p": pd.period_range("2000", periods=n, freq="M")}),
        "period_index": pd.DataFrame({"a": range(n)},
                                     index=pd.period_range("2000", periods=n, freq="D")),
        "timedelta_index": pd.DataFrame({"a": range(n)},
                                        index=pd.timedelta_range(0, periods=n, freq="s")),
        "tz_index": pd.DataFrame({"a": range(n)},
                                 index=pd.date_range("2000", periods=n, freq="D", tz="UTC")),
        "categorical_index": pd.DataFrame({"a": range(n)},
                                          index=pd.CategoricalIndex(list("xyzxyz"), name="c")),
        "arrow": pd.DataFrame({"x": pd.array(range(n), dtype="int64[pyarrow]")}),
    }
    pickled = {
        "int_columns": pd.DataFrame({0: range(n), 1: range(n)}),
        "mixed_object": pd.DataFrame({"m": [1, "a", 2.5, None, b"x", (1,)]}),
        "object_strings": pd.DataFrame({"s": pd.Series(list("abcdef"), dtype=object)}),
        "complex": pd.DataFrame({"z": np.arange(n) * 1j}),
        "duplicate_columns": pd.DataFrame([[1, 2]], columns=["a", "a"]),
        "no_columns": pd.DataFrame(index=pd.RangeIndex(4)),
        "seconds": pd.DataFrame({"t": pd.date_range("2000", periods=n).astype("M8[s]")}),
        "int_index_name": pd.DataFrame({"a": range(n)}, index=pd.Index(range(n), name=0)),
        "python_strings": pd.DataFrame({"s": pd.array(list("abcdef"), dtype="string[python]")}),
        "multi_columns": pd.DataFrame([[1, 2]], columns=pd.MultiIndex.from_tuples([("a", "b"),
                                                                                    ("a", "c")])),
        "intervals": pd.DataFrame({"i": pd.interval_range(0, n)}),
        "object_column_names": pd.DataFrame({"a": range(n)}).set_axis(
            pd.Index(["a"], dtype=object), axis=1),
        "int_categories": pd.DataFrame({"c": pd.Categorical([1, 2, 1, 2, 3, 3])}),
        "time_categories": pd.DataFrame({"c": pd.Categorical(pd.date_range("2000", periods=n))}),
    }
    return {**{f"parquet-{k}": v for k, v in parquet.items()},
            **{f"pickle-{k}": v for k, v in pickled.items()}}


FRAMES = frames()


@pytest.mark.parametrize("name", FRAMES)
def test_a_frame_round_trips_exactly(store: SpillStore, name: str) -> None:
    frame = FRAMES[name]
    frame.attrs = {"source": name}
    handle = store.put(("frame", 3), frame)
    assert handle.kind == name.split("-")[0]
    back = store.get(handle)
    pd.testing.assert_frame_equal(back, frame, check_exact=True, check_flags=True)
    pd.testing.assert_index_equal(back.columns, frame.columns, exact=True)
    assert back.attrs == frame.attrs


SERIES_NAMES = [None, "x", 0, ("a", 1), 2.5]
SERIES_CASES = [(frame_name, name) for frame_name in FRAMES if frame_name != "pickle-no_columns"
                for name in SERIES_NAMES][:: len(SERIES_NAMES) - 1]  # every name, every frame
SERIES_CASES += [("parquet-numbers", name) for name in SERIES_NAMES]


@pytest.mark.parametrize("frame_name, name", SERIES_CASES)
def test_a_series_round_trips_with_its_name(store: SpillStore, frame_name: str, name: Any) -> None:
    series = FRAMES[frame_name].iloc[:, 0].rename(name)
    handle = store.put("s", series)
    assert handle.kind == "parquet" or not frame_name.startswith("parquet")
    back = store.get(handle)
    assert isinstance(back, pd.Series)
    pd.testing.assert_series_equal(back, series, check_exact=True)
    assert back.name == series.name and type(back.name) is type(series.name)


def test_a_parquet_spill_is_a_real_parquet_file(store: SpillStore) -> None:
    handle = store.put("p", FRAMES["parquet-numbers"])
    assert handle.path.endswith(".parquet")
    assert pq.read_table(handle.path).num_rows == 6


def test_spill_store_does_not_import_pandas() -> None:
    code = ("import sys, numpy as np; from chunkarray.storage.spill_store import SpillStore\n"
            "with SpillStore() as s: s.get(s.put('k', np.arange(3))); s.get(s.put('k', [1]))\n"
            "print('pandas' in sys.modules, 'pyarrow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


# -- other objects --------------------------------------------------------------------------

@dataclasses.dataclass
class Record:
    name: str
    values: list[int]


@pytest.mark.parametrize("value", [None, 3, "text", b"\x00" * 10_000, [1, (2, 3)], {"a": {1, 2}},
                                   Record("r", [1, 2]), (np.arange(5), {"x": np.ones((2, 2))})],
                         ids=lambda v: type(v).__name__)
def test_other_objects_are_pickled(store: SpillStore, value: Any) -> None:
    handle = store.put("obj", value)
    assert handle.kind == "pickle" and handle.path.endswith(".pkl")
    back = store.get(handle)
    assert pickle.dumps(back, protocol=5) == pickle.dumps(value, protocol=5)


def test_an_unpicklable_value_raises_a_type_error_and_leaves_nothing(store: SpillStore) -> None:
    with pytest.raises(UnspillableError, match=r"'lock'.*cannot be pickled") as info:
        store.put("lock", threading.Lock())
    assert isinstance(info.value, TypeError) and isinstance(info.value, ChunkArrayError)
    assert files(store) == [] and store.bytes_on_disk == 0


def test_handles_are_small_frozen_values(store: SpillStore) -> None:
    handle = store.put("k", np.zeros(3))
    assert handle == SpillHandle(handle.path, "npy", handle.nbytes)
    with pytest.raises(dataclasses.FrozenInstanceError):
        handle.kind = "pickle"  # type: ignore[misc]
    assert not hasattr(handle, "__dict__")


def test_file_names_are_safe_and_unique_per_put(store: SpillStore) -> None:
    keys = [("x-1f2e", 0, 3), "a/b\\c:*?<>|", ("../../etc", 1), ("", 0), (), 12, ("é" * 100,)]
    handles = [store.put(key, b"v") for key in keys for _ in range(2)]
    assert len({h.path for h in handles}) == len(handles)
    for handle in handles:
        name = os.path.basename(handle.path)
        assert os.path.dirname(handle.path) == store.directory
        assert not name.startswith(".") and len(name) < 100
        assert set(name) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
    assert os.path.basename(handles[0].path).startswith("x-1f2e-")


# -- deleting and accounting ----------------------------------------------------------------

def test_delete_and_bytes_on_disk(store: SpillStore) -> None:
    a = store.put("a", np.zeros(1000))
    b = store.put("b", [1, 2, 3])
    assert store.bytes_on_disk == a.nbytes + b.nbytes == sum(
        os.path.getsize(os.path.join(store.directory, f)) for f in files(store))
    store.delete(a)
    assert not os.path.exists(a.path) and store.bytes_on_disk == b.nbytes
    store.delete(a)  # twice is fine
    os.remove(b.path)
    store.delete(b)  # a file already gone is fine
    assert store.bytes_on_disk == 0 and files(store) == []
    with pytest.raises(ChunkNotFoundError, match="missing"):
        store.get(a)


def test_a_reloaded_array_survives_the_deletion_of_its_file(store: SpillStore) -> None:
    handle = store.put("a", np.arange(100.0))
    back = store.get(handle)
    store.delete(handle)
    assert back.sum() == 4950.0


def test_a_handle_of_another_store_is_refused(store: SpillStore, tmp_path: Path) -> None:
    with SpillStore(tmp_path) as other:
        foreign = other.put("k", 1)
        with pytest.raises(ValueError, match="not a file of the store"):
            store.delete(foreign)
        assert os.path.exists(foreign.path)


# -- failed writes --------------------------------------------------------------------------

def disk_full() -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


# Replacements that write part of a file, then fail as a full disk does.
def half_write_array(file: Any, array: Any, *args: Any, **kwargs: Any) -> None:
    file.write(b"\x93NUMPY" + b"\x00" * (array.nbytes // 2))
    raise disk_full()


def half_dump(value: Any, file: Any, *args: Any, **kwargs: Any) -> None:
    file.write(pickle.dumps(value)[:100])
    raise disk_full()


def half_write_table(table: Any, path: Any, *args: Any, **kwargs: Any) -> None:
    with open(path, "wb") as f:
        f.write(b"PAR1" * 100)
    raise disk_full()


@pytest.mark.parametrize("target, value", [
    ((np.lib.format, "write_array", half_write_array), np.arange(1000.0)),
    ((pickle, "dump", half_dump), {"a": list(range(1000))}),
    ((pq, "write_table", half_write_table), FRAMES["parquet-numbers"]),
], ids=["npy", "pickle", "parquet"])
def test_a_full_disk_raises_spill_error_and_leaves_no_file(
    store: SpillStore, monkeypatch: pytest.MonkeyPatch, target: Any, value: Any
) -> None:
    earlier = [store.put("before", np.arange(10)), store.put("before", FRAMES["parquet-numbers"]),
               store.put("before", {"x": 1})]
    before, used = files(store), store.bytes_on_disk
    module, name, replacement = target
    monkeypatch.setattr(module, name, replacement)
    with pytest.raises(SpillError) as info:
        store.put(("failing-key", 7), value)
    error = info.value
    assert isinstance(error, OSError) and isinstance(error, ChunkArrayError)
    assert error.errno == errno.ENOSPC and isinstance(error.__cause__, OSError)
    message = str(error)
    assert "('failing-key', 7)" in message and store.directory in message
    assert "No space left on device" in message and "spill_dir" in message
    assert files(store) == before and store.bytes_on_disk == used
    monkeypatch.undo()
    assert_same_array(store.get(earlier[0]), np.arange(10))
    pd.testing.assert_frame_equal(store.get(earlier[1]), FRAMES["parquet-numbers"])
    assert store.get(earlier[2]) == {"x": 1}


def test_an_interrupted_write_leaves_no_file(store: SpillStore,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(file: Any, *args: Any, **kwargs: Any) -> None:
        file.write(b"partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(np.lib.format, "write_array", interrupted)
    with pytest.raises(KeyboardInterrupt):
        store.put("k", np.zeros(10))
    assert files(store) == []


# -- directories ----------------------------------------------------------------------------

def test_a_file_as_directory_is_a_clear_error(tmp_path: Path) -> None:
    regular = tmp_path / "regular-file"
    regular.write_text("not a directory")
    with pytest.raises(SpillDirError, match="is not a directory") as info:
        SpillStore(regular)
    assert str(regular) in str(info.value) and isinstance(info.value, OSError)
    assert info.value.errno == errno.ENOTDIR
    below = regular / "spill"
    with pytest.raises(SpillDirError, match="Not a directory") as info:
        SpillStore(below)
    assert str(below) in str(info.value) and isinstance(info.value, ChunkArrayError)


def test_a_bad_spill_dir_setting_is_named(tmp_path: Path) -> None:
    regular = tmp_path / "regular-file"
    regular.write_text("")
    with config.set(spill_dir=str(regular / "x")), pytest.raises(
        SpillDirError, match=r"regular-file/x.*spill_dir setting"
    ):
        SpillStore()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="permission bits do not stop root")
def test_a_read_only_directory_is_a_clear_error(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(SpillDirError, match="Permission denied"):
        SpillStore(locked)


def test_the_default_directory_is_made_in_the_spill_dir_setting(tmp_path: Path) -> None:
    with config.set(spill_dir=str(tmp_path)):
        store = SpillStore()
    assert store.parent == str(tmp_path)
    assert os.path.dirname(store.directory) == str(tmp_path)
    assert os.path.basename(store.directory).startswith("chunkarray-spill-")
    store.close()
    assert os.listdir(tmp_path) == []


def test_a_given_directory_gets_a_private_subdirectory(tmp_path: Path) -> None:
    parent = tmp_path / "new" / "nested"
    (tmp_path / "keep.txt").write_text("x")
    a, b = SpillStore(parent), SpillStore(parent)
    assert a.directory != b.directory
    a.put("k", np.zeros(3))
    a.close()
    assert not os.path.exists(a.directory) and os.path.isdir(b.directory)
    b.close()
    assert os.listdir(parent) == [] and (tmp_path / "keep.txt").exists()


def test_close_is_idempotent_and_final(tmp_path: Path) -> None:
    store = SpillStore(tmp_path)
    handle = store.put("k", np.zeros(3))
    store.close()
    store.close()
    assert not os.path.exists(store.directory) and store.bytes_on_disk == 0
    assert "closed" in repr(store)
    with pytest.raises(SpillError, match="closed"):
        store.put("k", 1)
    with pytest.raises(SpillError, match="closed"):
        store.get(handle)
    store.delete(handle)


def test_the_directory_goes_with_the_store(tmp_path: Path) -> None:
    store = SpillStore(tmp_path)
    store.put("k", [1])
    directory = store.directory
    del store
    assert not os.path.exists(directory)


@pytest.mark.parametrize("ending", ["", "raise RuntimeError('boom')", "sys.exit(3)"],
                         ids=["normal", "uncaught-exception", "sys-exit"])
def test_the_directory_is_removed_at_exit(tmp_path: Path, ending: str) -> None:
    code = f"""
import sys
import numpy as np, pandas as pd
from chunkarray.storage.spill_store import SpillStore
store = SpillStore()
store.put("a", np.arange(10))
store.put("b", pd.DataFrame({{"a": [1, 2]}}))
store.put("c", object)
print(store.directory, flush=True)
{ending}
"""
    env = {**os.environ, "CHUNKARRAY_SPILL_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=False)
    directory = out.stdout.strip()
    assert directory.startswith(str(tmp_path)) and (out.returncode == 0) == (ending == "")
    assert not os.path.exists(directory) and os.listdir(tmp_path) == []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_leaves_the_directory_to_its_parent(tmp_path: Path) -> None:
    code = """
import os, sys
from chunkarray.storage.spill_store import SpillStore
store = SpillStore(sys.argv[1])
handle = store.put("k", [1, 2])
pid = os.fork()
if pid == 0:
    sys.exit(0)  # a normal exit runs the child's atexit hooks
os.waitpid(pid, 0)
assert store.get(handle) == [1, 2], "the child removed the parent's directory"
"""
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True)
    assert os.listdir(tmp_path) == []


# -- threads --------------------------------------------------------------------------------

def test_concurrent_puts_gets_and_deletes(store: SpillStore) -> None:
    frame = FRAMES["parquet-strings"]

    def work(i: int) -> int:
        values = [np.full((50, 20), i, dtype="int32"), frame.assign(i=i), {"i": i}]
        handles = [store.put(("same-key", 0), value) for value in values]
        for _ in range(3):
            assert_same_array(store.get(handles[0]), values[0])
            pd.testing.assert_frame_equal(store.get(handles[1]), values[1])
            assert store.get(handles[2]) == values[2]
        for handle in handles[::2]:
            store.delete(handle)
        return store.get(handles[1])["i"].iloc[0]

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(work, range(64))) == list(range(64))
    assert len(files(store)) == 64
    assert store.bytes_on_disk == sum(os.path.getsize(os.path.join(store.directory, f))
                                      for f in files(store))
