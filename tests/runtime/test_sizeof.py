"""sizeof: exact for arrays and pandas objects, sampled for containers, never raises."""

from __future__ import annotations

import collections
import subprocess
import sys
import threading

import numpy as np
import pandas as pd
import pytest

from chunkarray.runtime.sizeof import Sizeof, sizeof


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint16", "int64", "float16", "float64",
                                   "complex128", ">f8", "M8[ns]", "m8[s]", "S7", "U3",
                                   [("a", "<i4"), ("b", ">f8")]])
@pytest.mark.parametrize("shape", [(), (0,), (3, 0), (7,), (4, 5)])
def test_an_array_counts_its_nbytes(dtype: object, shape: tuple[int, ...]) -> None:
    x = np.zeros(shape, dtype=dtype)
    assert sizeof(x) == x.nbytes
    assert sizeof(np.asfortranarray(x)) == x.nbytes


def test_a_view_counts_its_own_elements_not_its_base() -> None:
    base = np.arange(1000.0).reshape(20, 50)
    for view in (base[::2], base[:, 3], base.T, base[5:6, 5:6], base.ravel()[::7]):
        assert sizeof(view) == view.nbytes
    assert sizeof(base[::2]) == base.nbytes // 2


def test_a_memmap_counts_its_mapped_bytes(tmp_path) -> None:
    path = tmp_path / "m.dat"
    m = np.memmap(path, dtype="float32", mode="w+", shape=(30, 40))
    assert sizeof(m) == m.nbytes == 4800
    assert sizeof(m[10:20]) == 1600
    del m


def test_an_object_array_adds_its_elements() -> None:
    x = np.array(["x" * 1000] * 100, dtype=object)
    assert sizeof(x) >= x.nbytes + 100 * 1000
    assert sizeof(np.empty((0, 3), dtype=object)) == 0


@pytest.mark.parametrize("value", [np.float64(1.5), np.int8(3), np.bool_(True), np.complex64(1j),
                                   np.datetime64("2000-01-01", "ns"), np.void(b"abcd")])
def test_a_numpy_scalar_counts_its_itemsize(value: np.generic) -> None:
    assert sizeof(value) == value.itemsize


def test_numpy_str_and_bytes_scalars_count_as_python_str_and_bytes() -> None:
    # They subclass str and bytes, and are Python objects of that size.
    assert sizeof(np.str_("abc")) == sys.getsizeof(np.str_("abc"))
    assert sizeof(np.bytes_(b"abc")) == 3


def test_bytes_and_buffers_count_their_length() -> None:
    assert sizeof(b"x" * 1000) == 1000
    assert sizeof(bytearray(500)) == 500
    assert sizeof(memoryview(np.zeros(10))) == 80
    assert sizeof(memoryview(b"abcdef")[1:4]) == 3


def test_str_and_unknown_objects_count_sys_getsizeof() -> None:
    class Plain:
        pass

    obj = Plain()
    for value in ("", "hello" * 100, "é" * 10, 12345, 1.5, None, obj):
        assert sizeof(value) == sys.getsizeof(value)


def _frames() -> list[pd.DataFrame]:
    n = 50
    return [
        pd.DataFrame({"a": np.arange(n), "b": np.linspace(0, 1, n)}),
        pd.DataFrame({"s": [f"text-{i}" * (i % 5) for i in range(n)], "i": range(n)},
                     index=pd.Index([f"row{i}" for i in range(n)], name="r")),
        pd.DataFrame({"o": pd.Series([i if i % 2 else str(i) * 10 for i in range(n)],
                                     dtype=object),
                      "c": pd.Categorical(["x", "y"] * (n // 2))},
                     index=pd.MultiIndex.from_arrays([np.arange(n) % 3, np.arange(n)])),
        pd.DataFrame({"t": pd.date_range("2000", periods=n, tz="UTC")}),
        pd.DataFrame(),
    ]


@pytest.mark.parametrize("frame", _frames(), ids=range(len(_frames())))
def test_pandas_objects_count_deep_memory_usage(frame: pd.DataFrame) -> None:
    assert sizeof(frame) == frame.memory_usage(deep=True, index=True).sum()
    for column in frame.columns:
        series = frame[column]
        assert sizeof(series) == series.memory_usage(deep=True, index=True)
    assert sizeof(frame.index) == frame.index.memory_usage(deep=True)


def test_sizeof_does_not_import_pandas() -> None:
    code = ("import sys, numpy as np; from chunkarray.runtime.sizeof import sizeof; "
            "sizeof([np.zeros(3), {'a': (1, 'x')}]); print('pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_list_of_equal_items_is_exact_at_any_length() -> None:
    for n in (0, 1, 5, 20, 21, 1000):
        items = [np.zeros(10) for _ in range(n)]
        assert sizeof(items) == sys.getsizeof(items) + 80 * n
        assert sizeof(tuple(items)) == sys.getsizeof(tuple(items)) + 80 * n


def test_a_long_container_is_sampled_and_scaled() -> None:
    items = [np.zeros(i % 7) for i in range(10_000)]
    exact = sys.getsizeof(items) + sum(item.nbytes for item in items)
    assert sizeof(items) == pytest.approx(exact, rel=0.1)
    values = set(range(100_000))
    exact_set = sys.getsizeof(values) + sum(sys.getsizeof(v) for v in values)
    assert sizeof(values) == pytest.approx(exact_set, rel=0.1)


def test_containers_nest() -> None:
    block = np.zeros((10, 10))
    value = {"a": [block, block], "b": ({"c": block},), "d": collections.deque([block])}
    assert sizeof(value) >= 4 * block.nbytes
    assert sizeof(frozenset([b"x" * 100])) == sys.getsizeof(frozenset([b"x"])) + 100


def test_a_dict_counts_keys_and_values() -> None:
    d = {f"key{i}": b"v" * 100 for i in range(10)}
    exact = sys.getsizeof(d) + sum(sys.getsizeof(k) + 100 for k in d)
    assert sizeof(d) == exact
    assert sizeof({}) == sys.getsizeof({})


def test_register_extends_and_subclasses_dispatch() -> None:
    registry = Sizeof()

    class Chunk:
        def __init__(self, n: int) -> None:
            self.n = n

    class SubChunk(Chunk):
        pass

    @registry.register(Chunk)
    def _(chunk: Chunk) -> int:
        return chunk.n * 8

    assert registry(Chunk(3)) == 24
    assert registry(SubChunk(5)) == 40
    registry.register((int, float))(lambda value: 7)
    assert registry(2) == registry(2.5) == 7


def test_a_failing_handler_falls_back_to_getsizeof() -> None:
    registry = Sizeof()

    class Odd:
        pass

    registry.register(Odd)(lambda obj: 1 / 0)
    assert registry(Odd()) == sys.getsizeof(Odd())
    registry.register(Odd)(lambda obj: -5)
    assert registry(Odd()) == sys.getsizeof(Odd())
    registry.register(Odd)(lambda obj: np.int64(12))
    assert registry(Odd()) == 12 and type(registry(Odd())) is int


def test_a_broken_sizeof_gives_a_default() -> None:
    class Broken:
        def __sizeof__(self) -> int:
            raise RuntimeError("no")

    assert sizeof(Broken()) == 64
    assert sizeof([Broken(), Broken()]) > 2 * 64


def test_a_self_containing_container_terminates() -> None:
    loop: list[object] = [np.zeros(4)]
    loop.append(loop)
    d: dict[str, object] = {}
    d["self"] = d
    assert sizeof(loop) > 0 and sizeof(d) > 0


def test_sizeof_is_safe_from_threads() -> None:
    frame = pd.DataFrame({"s": ["abc"] * 100, "x": np.arange(100)})
    value = [frame, [np.zeros(100)] * 30, {"k": (1, "x" * 50)}]
    expected = sizeof(value)
    results: list[int] = []

    def work() -> None:
        results.extend(sizeof(value) for _ in range(50))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected] * 400


def test_pandas_registration_is_lazy_and_race_free() -> None:
    code = """
import threading, sys
import pandas as pd
from chunkarray.runtime.sizeof import sizeof
frame = pd.DataFrame({"s": ["x" * 100] * 1000})
barrier = threading.Barrier(8)
sizes = []
def work():
    barrier.wait()
    sizes.append(sizeof(frame))
threads = [threading.Thread(target=work) for _ in range(8)]
[t.start() for t in threads]; [t.join() for t in threads]
assert set(sizes) == {int(frame.memory_usage(deep=True).sum())}, sizes
"""
    subprocess.run([sys.executable, "-c", code], check=True)
