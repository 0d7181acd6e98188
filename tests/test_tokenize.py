from __future__ import annotations

import dataclasses
import enum
import functools
import os
import subprocess
import sys
import threading
import time
import warnings
from collections import OrderedDict, namedtuple
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chunkarray.tokenize import fresh_name, name, tokenize

ROOT = Path(__file__).resolve().parents[1]

# Values whose tokens a fresh interpreter (with another hash seed) must reproduce.
PORTABLE = """[
    1, 1.0, True, None, "1", b"1", (1, 2, 3), [1, 2, 3], {"b": 2, "a": 1},
    {"x", "y", "z"}, frozenset({"p", "q"}), slice(1, 5, 2), range(3), ..., 2**100, 1 + 2j,
    "s" * 1000, os.path.join, np.arange(10), np.float32(1.5), np.dtype("f8"), np.sin,
    functools.partial(os.path.join, "a"), {("k", 1): [("v",)]},
]"""


def portable_values() -> list[Any]:
    return eval(PORTABLE, {"np": np, "os": os, "functools": functools})  # noqa: S307


def test_deterministic_within_a_process() -> None:
    for value in portable_values():
        assert tokenize(value) == tokenize(value)
    assert tokenize(*portable_values()) == tokenize(*portable_values())


def test_deterministic_across_processes() -> None:
    script = (
        "import functools, os, numpy as np\n"
        "from chunkarray.tokenize import tokenize\n"
        f"print('\\n'.join(tokenize(v) for v in {PORTABLE}))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    assert result.stdout.split() == [tokenize(value) for value in portable_values()]


def test_format() -> None:
    token = tokenize("anything")
    assert len(token) == 32
    int(token, 16)
    assert name("mul", 2, 3) == "mul-" + tokenize(2, 3)


@pytest.mark.parametrize(
    "values",
    [
        [1, 1.0, True, "1", b"1", np.int64(1), np.float64(1.0), np.float32(1.0), 1 + 0j],
        [0, 0.0, -0.0, False, None, "", b"", bytearray(), (), [], {}, set(), frozenset()],
        [[1], (1,), {1}, frozenset({1}), {1: None}, range(1, 2), slice(1)],
        [(1, 2), ((1, 2),), (1, (2,)), [[1, 2]], (1, 2, None)],
        [{"a": 1}, {"a": 1.0}, {"a": "1"}, {"b": 1}, {1: "a"}],
        [int, float, str, bool, np.ndarray],
        [np.dtype("i8"), np.dtype(">i8"), np.dtype("f8"), np.dtype("M8[s]"), np.dtype("M8[ns]")],
        ["a" * 300, "a" * 301, b"a" * 300, bytearray(b"a" * 300), "a" * 299 + "b"],
        [2**64, 2**64 + 1, -(2**64), 2**100, float(2**64)],
        [..., NotImplemented, None],
    ],
)
def test_different_inputs_give_different_tokens(values: list[object]) -> None:
    tokens = [tokenize(value) for value in values]
    assert len(set(tokens)) == len(tokens)


def test_args_and_kwargs_are_not_confused() -> None:
    tokens = {tokenize(1, 2), tokenize((1, 2)), tokenize(1, b=2), tokenize(1, {"b": 2}),
              tokenize(b=1), tokenize(c=1), tokenize()}
    assert len(tokens) == 7
    assert tokenize(a=1, b=2) == tokenize(b=2, a=1)


def test_dicts_and_sets_ignore_order() -> None:
    assert tokenize({"a": 1, "b": 2}) == tokenize({"b": 2, "a": 1})
    assert tokenize({1: "x", "y": 2}) == tokenize({"y": 2, 1: "x"})  # unsortable keys
    assert tokenize({"a", "b", 3}) == tokenize({3, "b", "a"})
    assert tokenize(OrderedDict(a=1)) != tokenize({"a": 1})


scalars = st.one_of(
    st.integers(), st.floats(allow_nan=False), st.text(max_size=5), st.booleans(), st.none()
)
nested = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner))


@given(nested, nested)
def test_distinct_nested_values_give_distinct_tokens(a: object, b: object) -> None:
    # repr tells 1 from 1.0 and True, 0.0 from -0.0, and a list from a tuple.
    assert (tokenize(a) == tokenize(b)) == (repr(a) == repr(b))


@given(st.dictionaries(st.text(max_size=3), nested, max_size=5))
def test_dict_token_ignores_insertion_order(d: dict[str, object]) -> None:
    assert tokenize(d) == tokenize(dict(reversed(list(d.items()))))


def test_numpy_arrays() -> None:
    a = np.arange(12)
    assert tokenize(a) == tokenize(np.arange(12))
    assert tokenize(a) != tokenize(np.arange(12.0))
    assert tokenize(a) != tokenize(a.reshape(3, 4)) != tokenize(a.reshape(4, 3))
    assert tokenize(a.view("f8")) != tokenize(a)  # same bytes, other dtype
    changed = a.copy()
    changed[7] = -1
    assert tokenize(changed) != tokenize(a)
    f = np.asfortranarray(a.reshape(3, 4))
    assert tokenize(f) == tokenize(a.reshape(3, 4).copy())  # layout does not matter
    assert tokenize(a.reshape(3, 4).T) == tokenize(np.ascontiguousarray(a.reshape(3, 4).T))
    assert tokenize(a[::2]) == tokenize(np.arange(0, 12, 2))
    assert tokenize(np.array(5)) != tokenize(np.array([5]))
    objects = [np.array(["a", None], dtype=object), np.array(["b", None], dtype=object)]
    assert tokenize(objects[0]) != tokenize(objects[1])
    assert tokenize(np.ma.masked_array([1, 2], mask=[0, 1])) != tokenize(np.ma.masked_array([1, 2]))
    assert tokenize(np.float64(1.0)) != tokenize(np.float64(2.0))


def test_big_array_is_fast() -> None:
    big = np.random.default_rng(0).random(100 * 2**20 // 8)  # 100 MiB
    start = time.perf_counter()
    token = tokenize(big)
    assert time.perf_counter() - start < 1.0
    big[-1] += 1
    assert tokenize(big) != token


def test_small_tuple_is_fast() -> None:
    start = time.perf_counter()
    for _ in range(10_000):
        tokenize((1, 2, 3))
    assert (time.perf_counter() - start) / 10_000 < 50e-6  # a few microseconds, loosely


def test_memmap_is_keyed_by_file_not_content(tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    np.arange(100, dtype="f8").tofile(path)
    m = np.memmap(path, dtype="f8", mode="r", shape=(100,))
    assert tokenize(m) == tokenize(np.memmap(path, dtype="f8", mode="r", shape=(100,)))
    assert tokenize(m[:10]) != tokenize(m[10:20])  # same shape, other offset
    assert tokenize(m[:10]) == tokenize(m[:20][:10])
    other = tmp_path / "other.bin"
    np.arange(100, dtype="f8").tofile(other)
    assert tokenize(np.memmap(other, dtype="f8", mode="r", shape=(100,))) != tokenize(m)
    before = tokenize(m)
    os.utime(path, ns=(0, 0))
    assert tokenize(m) != before


def test_functions() -> None:
    assert tokenize(lambda x: x + 1) == tokenize(lambda x: x + 1)
    assert tokenize(lambda x: x + 1) != tokenize(lambda x: x + 2)
    assert tokenize(lambda x: x + 1) != tokenize(lambda x: x - 1)
    assert tokenize(lambda x: np.sin(x)) != tokenize(lambda x: np.cos(x))
    assert tokenize(lambda x, y=1: x) != tokenize(lambda x, y=2: x)
    assert tokenize(os.path.join) != tokenize(os.path.split)
    assert tokenize(len) != tokenize(abs)
    assert tokenize(np.add) != tokenize(np.subtract)

    def make(n: int) -> Any:
        return lambda x: x + n

    assert tokenize(make(1)) == tokenize(make(1))
    assert tokenize(make(1)) != tokenize(make(2))


def test_recursive_local_function() -> None:
    def countdown(n: int) -> int:
        return 0 if n == 0 else countdown(n - 1)

    assert tokenize(countdown) == tokenize(countdown)


def test_partials_and_methods() -> None:
    assert tokenize(functools.partial(max, 1)) == tokenize(functools.partial(max, 1))
    assert tokenize(functools.partial(max, 1)) != tokenize(functools.partial(max, 2))
    assert tokenize(functools.partial(max, 1)) != tokenize(functools.partial(min, 1))
    assert tokenize(functools.partial(max, key=abs)) != tokenize(functools.partial(max, key=len))
    assert tokenize([1].append) != tokenize([2].append)
    assert tokenize(Point(1, 2).norm) != tokenize(Point(1, 3).norm)


@dataclasses.dataclass
class Point:
    x: int
    y: int

    def norm(self) -> int:
        return abs(self.x) + abs(self.y)


class Color(enum.Enum):
    RED = 1
    BLUE = 2


class Custom:
    def __init__(self, key: str) -> None:
        self.key = key
        self.lock = threading.Lock()  # unpicklable, so only the custom hook can work

    def __chunkarray_tokenize__(self) -> object:
        return self.key


class Opaque:
    def __init__(self) -> None:
        self.lock = threading.Lock()


Pair = namedtuple("Pair", "a b")


def test_objects() -> None:
    assert tokenize(Point(1, 2)) == tokenize(Point(1, 2)) != tokenize(Point(2, 1))
    assert tokenize(Point(1, 2)) != tokenize((1, 2))
    assert tokenize(Color.RED) != tokenize(Color.BLUE)
    assert tokenize(Custom("a")) == tokenize(Custom("a")) != tokenize(Custom("b"))
    assert tokenize(Pair(1, 2)) != tokenize((1, 2))
    assert tokenize(Pair(1, 2)) == tokenize(Pair(1, 2)) != tokenize(Pair(1, 3))
    assert tokenize(Path("a")) == tokenize(Path("a")) != tokenize(Path("b"))


def test_unpicklable_objects_get_random_tokens() -> None:
    opaque = Opaque()
    assert tokenize(opaque) != tokenize(opaque)


def test_self_containing_list_does_not_crash() -> None:
    loop: list[object] = []
    loop.append(loop)
    assert len(tokenize(loop)) == 32


def test_pandas() -> None:
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})
    assert tokenize(df) == tokenize(df.copy())
    changed = df.copy()
    changed.loc[2, "b"] = "w"
    assert tokenize(changed) != tokenize(df)
    assert tokenize(df.rename(columns={"a": "c"})) != tokenize(df)
    assert tokenize(df.astype({"a": "f8"})) != tokenize(df)
    assert tokenize(df.set_axis([5, 6, 7])) != tokenize(df)
    s = df["a"]
    assert tokenize(s) == tokenize(s.copy()) != tokenize(s.replace(3, 4))
    assert tokenize(s) != tokenize(s.rename("z"))
    assert tokenize(s) != tokenize(s.to_frame())
    assert tokenize(df.index) != tokenize(pd.Index([1, 2, 3]))
    assert tokenize(pd.CategoricalDtype(["a", "b"])) != tokenize(pd.CategoricalDtype(["a", "c"]))
    unhashable = pd.Series([[1], [2]])
    assert tokenize(unhashable) == tokenize(unhashable.copy())


def test_fresh_name() -> None:
    names = [fresh_name("rand") for _ in range(1000)]
    assert len(set(names)) == 1000
    assert all(n.startswith("rand-") and len(n) == 37 for n in names)
    int(names[0][5:], 16)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_fresh_names_differ_after_fork() -> None:
    read, write = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12+ warns about forking a process with threads; this child only writes.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.write(write, fresh_name("x").encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    child = os.read(read, 100).decode()
    os.close(read)
    assert child != fresh_name("x")
    assert child[2:18] != fresh_name("x")[2:18]
