"""Tests for chunkarray.delayed, compared with calling the same Python code directly."""

from __future__ import annotations

import operator
import re
from typing import Any

import pytest

import chunkarray as ca
from chunkarray import delayed
from chunkarray.delayed import Delayed
from chunkarray.graph.blockwise import Blockwise
from chunkarray.graph.graph import Graph

HEX = "[0-9a-f]{32}"


def _graph_keys(d: Delayed) -> set[Any]:
    return set(d.__chunkarray_graph__().keys())


def inc(x: int) -> int:
    return x + 1


def add(x: int, y: int = 0) -> int:
    return x + y


# -- decorator and wrapper forms --------------------------------------------------------------


def test_decorator_form() -> None:
    @delayed
    def lazy_exponent(x: int, y: int) -> int:
        return x**y

    result = lazy_exponent(4, 5)
    assert isinstance(result, Delayed)
    assert result.compute() == 4**5
    assert re.fullmatch(rf"Delayed\('lazy_exponent-{HEX}'\)", repr(result))


def test_decorator_with_options() -> None:
    @delayed(pure=True, name="power")
    def lazy_exponent(x: int, y: int) -> int:
        return x**y

    a, b = lazy_exponent(2, 10), lazy_exponent(2, 10)
    assert a.key == b.key
    assert a.key.startswith("power-")
    assert a.compute() == 1024


def test_wrapper_form() -> None:
    lazy_inc = delayed(inc)
    assert lazy_inc(41).compute() == 42
    assert delayed(sum)([1, 2, 3]).compute() == 6
    assert lazy_inc.__wrapped__ is inc


def test_delayed_of_a_delayed_is_itself() -> None:
    d = delayed(inc)(1)
    assert delayed(d) is d


def test_kwargs_are_passed() -> None:
    assert delayed(add)(1, y=5).compute() == 6
    assert delayed(sorted)([3, 1, 2], reverse=True).compute() == [3, 2, 1]


# -- pure, name, nout -------------------------------------------------------------------------


def test_impure_calls_get_fresh_keys() -> None:
    f = delayed(inc)
    a, b = f(1), f(1)
    assert a.key != b.key
    assert a.compute() == b.compute() == 2


def test_pure_calls_share_a_key() -> None:
    f = delayed(inc, pure=True)
    assert f(1).key == f(1).key
    assert f(1).key != f(2).key
    assert delayed(inc, pure=True)(1).key == f(1).key
    # pure= given at call time
    g = delayed(inc)
    assert g(1, pure=True).key == g(1, pure=True).key
    assert g(1).key != g(1).key


def test_pure_key_depends_on_delayed_inputs() -> None:
    f = delayed(add, pure=True)
    x1, x2 = delayed(inc)(1), delayed(inc)(1)  # impure: two keys
    assert f(x1, 1).key == f(x1, 1).key
    assert f(x1, 1).key != f(x2, 1).key
    assert f(1, y=2).key != f(1, y=3).key


def test_name_sets_the_key_prefix() -> None:
    d = delayed(inc, name="increment")(1)
    assert re.fullmatch(f"increment-{HEX}", d.key)
    assert d.compute() == 2
    value = delayed([1, 2], name="my-list")
    assert value.key == "my-list"
    assert value.compute() == [1, 2]


def test_nout_iteration_and_len() -> None:
    @delayed(nout=3)
    def three(x: int) -> tuple[int, int, int]:
        return x, x + 1, x + 2

    t = three(10)
    assert len(t) == 3
    a, b, c = t
    assert all(isinstance(v, Delayed) for v in (a, b, c))
    assert ca.compute(a, b, c) == (10, 11, 12)
    assert [v.compute() for v in t] == [10, 11, 12]


def test_without_nout_no_len_nor_iteration() -> None:
    d = delayed(inc)(1)
    with pytest.raises(TypeError):
        len(d)
    with pytest.raises(TypeError):
        iter(d)
    with pytest.raises(TypeError):
        a, b = d  # noqa: F841


# -- operators --------------------------------------------------------------------------------

_BINARY = [
    operator.add, operator.sub, operator.mul, operator.truediv, operator.floordiv,
    operator.mod, operator.pow, operator.and_, operator.or_, operator.xor,
    operator.lshift, operator.rshift,
    operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge,
]


@pytest.mark.parametrize("op", _BINARY, ids=lambda op: op.__name__)
@pytest.mark.parametrize(("left", "right"), [(13, 5), (5, 13), (7, 7)])
def test_binary_operators(op: Any, left: int, right: int) -> None:
    expected = op(left, right)
    d_left, d_right = delayed(left), delayed(right)
    both = op(d_left, d_right)
    assert isinstance(both, Delayed)
    assert both.compute() == expected
    assert op(d_left, right).compute() == expected
    # Reflected: the plain value on the left.
    reflected = op(left, d_right)
    assert isinstance(reflected, Delayed)
    assert reflected.compute() == expected


def test_operator_keys_are_readable_and_pure() -> None:
    x = delayed(inc)(1)
    assert re.fullmatch(rf"Delayed\('mul-{HEX}'\)", repr(x * 2))
    assert (x * 2).key == (x * 2).key
    assert (x * 2).key != (x * 3).key
    assert (x + 1).key.startswith("add-")
    assert (1 - x).key.startswith("sub-")


class Matrix:
    def __init__(self, v: int) -> None:
        self.v = v

    def __matmul__(self, other: Any) -> Any:
        if not isinstance(other, Matrix):
            return NotImplemented
        return ("matmul", self.v, other.v)


def test_matmul_and_reflected_matmul() -> None:
    a, b = Matrix(2), Matrix(3)
    assert (delayed(a) @ b).compute() == ("matmul", 2, 3)
    assert (a @ delayed(b)).compute() == ("matmul", 2, 3)
    assert (delayed(a) @ delayed(b)).compute() == ("matmul", 2, 3)


@pytest.mark.parametrize(
    ("op", "value"),
    [(operator.neg, 5), (operator.pos, -5), (operator.invert, 6), (abs, -7),
     (operator.neg, -2.5), (abs, 3)],
)
def test_unary_operators(op: Any, value: Any) -> None:
    d = op(delayed(value))
    assert isinstance(d, Delayed)
    assert d.compute() == op(value)


def test_operators_chain_like_plain_python() -> None:
    x, y = delayed(inc)(3), delayed(inc)(6)  # 4, 7
    expr = -(x * y - 3) ** 2 // 5 % 7 + abs(x - y) * (x < y)
    a, b = 4, 7
    assert expr.compute() == -(a * b - 3) ** 2 // 5 % 7 + abs(a - b) * (a < b)


# -- indexing, attributes, methods, calls -----------------------------------------------------


def test_getitem() -> None:
    d = delayed({"a": [10, 20, 30]})
    assert d["a"][1].compute() == 20
    assert d["a"][1:].compute() == [20, 30]
    key = delayed(str)("a")  # an impure call whose value is "a"
    assert d[key].compute() == [10, 20, 30]


def test_attribute_access() -> None:
    d = delayed(complex)(1, 2)
    assert d.real.compute() == 1.0
    assert d.imag.compute() == 2.0
    with pytest.raises(AttributeError):
        d.no_such_attribute.compute()


def test_private_attributes_are_not_lazy() -> None:
    d = delayed(inc)(1)
    with pytest.raises(AttributeError):
        d._secret  # noqa: B018


def test_method_calls() -> None:
    s = delayed(str)("a,b,c")
    assert s.upper().compute() == "A,B,C"
    assert s.split(",").compute() == ["a", "b", "c"]
    assert s.split(",", maxsplit=1).compute() == ["a", "b,c"]
    assert s.count("a").compute() == 1


def test_method_calls_with_delayed_arguments() -> None:
    s = delayed(str)("a,b,c")
    sep = delayed(str)(",")
    limit = delayed(inc)(0)
    result = s.split(sep, maxsplit=limit)
    assert result.compute() == "a,b,c".split(",", maxsplit=1)
    assert sep.key in _graph_keys(result)
    assert limit.key in _graph_keys(result)


def test_method_call_keys_are_distinct_per_call() -> None:
    lst = delayed(list)([3, 1, 2])
    assert lst.index(1).key != lst.index(2).key
    assert lst.index(1).compute() == 1
    assert lst.index(2).compute() == 2


def test_calling_a_delayed_value() -> None:
    def make_adder(n: int) -> Any:
        return lambda x: x + n

    adder = delayed(make_adder)(10)
    result = adder(5)
    assert isinstance(result, Delayed)
    assert result.compute() == 15
    assert adder(delayed(inc)(1)).compute() == 12


# -- Delayed values inside arguments ----------------------------------------------------------


def test_delayed_in_containers_become_dependencies() -> None:
    a, b, c = delayed(inc)(1), delayed(inc)(2), delayed(inc)(3)  # 2, 3, 4

    def describe(*args: Any, **kwargs: Any) -> Any:
        return args, kwargs

    d = delayed(describe)(
        [a, 1, [b]],
        (a, (b, 2)),
        {"x": c, "y": [a, {"z": b}]},
        {a, b, 5},
        frozenset({c}),
        key=[c, (a,)],
    )
    keys = _graph_keys(d)
    assert {a.key, b.key, c.key} <= keys
    assert d.compute() == (
        ([2, 1, [3]], (2, (3, 2)), {"x": 4, "y": [2, {"z": 3}]}, {2, 3, 5}, frozenset({4})),
        {"key": [4, (2,)]},
    )
    args, kwargs = d.compute()
    assert type(args[1]) is tuple and type(args[1][1]) is tuple
    assert type(args[3]) is set and type(args[4]) is frozenset


def test_delayed_value_wrapping_containers() -> None:
    a = delayed(inc)(1)
    assert delayed([a, 5]).compute() == [2, 5]
    assert delayed((a, 5)).compute() == (2, 5)
    assert delayed({"k": a}).compute() == {"k": 2}
    assert delayed({a}).compute() == {2}


@pytest.mark.parametrize("value", [None, 0, "", [], False])
def test_delayed_of_plain_values(value: Any) -> None:
    d = delayed(value)
    assert isinstance(d, Delayed)
    assert d.compute() == value
    assert type(d.compute()) is type(value)


def test_plain_values_are_not_touched() -> None:
    class Thing:
        pass

    thing = Thing()
    assert delayed(lambda v: v)(thing).compute() is thing
    data = [1, (2, 3), {"a": 4}]
    assert delayed(lambda v: v)(data).compute() == data


def test_key_property() -> None:
    d = delayed(inc)(1)
    assert d.key == d.__chunkarray_keys__()[0]
    assert d.key in _graph_keys(d)
    assert repr(d) == f"Delayed({d.key!r})"


def test_bool_raises_type_error() -> None:
    d = delayed(inc)(1)
    with pytest.raises(TypeError):
        bool(d)
    with pytest.raises(TypeError):
        if d:
            pass
    with pytest.raises(TypeError):
        bool(d == 2)


def test_delayed_is_immutable() -> None:
    d = delayed(inc)(1)
    with pytest.raises(TypeError):
        d.x = 1  # type: ignore[misc]


# -- shared work, persist ---------------------------------------------------------------------


def test_shared_work_computed_once() -> None:
    calls: list[int] = []

    @delayed
    def side_effect(x: int) -> int:
        calls.append(x)
        return x * 10

    a = side_effect(1)
    b = a + 1
    c = a * 2
    d = delayed(add)(b, c)
    assert ca.compute(a, b, c, d) == (10, 11, 20, 31)
    assert calls == [1]
    calls.clear()
    assert ca.compute([b, c], {"d": d}, num_workers=3) == ([11, 20], {"d": 31})
    assert calls == [1]


def test_persist_returns_a_one_task_graph() -> None:
    calls: list[int] = []

    @delayed
    def side_effect(x: int) -> int:
        calls.append(x)
        return x * 10

    total = delayed(sum)([side_effect(i) for i in range(5)])
    assert len(total.__chunkarray_graph__()) > 5
    persisted = total.persist()
    assert isinstance(persisted, Delayed)
    assert persisted.key == total.key
    assert len(persisted.__chunkarray_graph__()) == 1
    assert len(calls) == 5
    assert persisted.compute() == 100
    assert (persisted + 1).compute() == 101
    assert len(calls) == 5
    (p2,) = ca.persist(total)
    assert len(p2.__chunkarray_graph__()) == 1


def test_many_chained_calls() -> None:
    x = delayed(inc)(0)
    for _ in range(3000):
        x = x + 1
    assert x.compute() == 3001


# -- Delayed over collections -----------------------------------------------------------------


class _Blocks:
    """A minimal blockwise collection: its finalize is the list of its blocks."""

    def __init__(self, graph: Graph, name: str, n: int) -> None:
        self.graph, self.name, self.n = graph, name, n

    def __chunkarray_graph__(self) -> Graph:
        return self.graph

    def __chunkarray_keys__(self) -> list[Any]:
        return [(self.name, i) for i in range(self.n)]

    def __chunkarray_finalize__(self, results: list[Any]) -> list[Any]:
        return list(results)

    def __chunkarray_rebuild__(self, values: Any) -> Any:
        raise NotImplementedError


class _Index:
    numblocks = (3,)

    def __getitem__(self, index: tuple[int, ...]) -> int:
        return index[0]


def test_delayed_call_on_a_collection() -> None:
    x = Blockwise("x", "i", lambda i: i * 10, [(_Index(), "i")], {})
    blocks = _Blocks(Graph.from_layer(x), "x", 3)
    assert delayed(sum)(blocks).compute() == 30
    assert delayed(blocks).compute() == [0, 10, 20]


def test_delayed_on_a_collection_computed_with_a_blockwise_consumer() -> None:
    # The delayed call reads the blocks of x; another blockwise layer reads x too. Fusing x
    # into its blockwise consumer must not lose the blocks the delayed call needs.
    gx = Graph.from_layer(Blockwise("x", "i", lambda i: i * 10, [(_Index(), "i")], {}))
    gy = Graph.from_layer(Blockwise("y", "i", inc, [("x", "i")], {"x": (3,)}), gx)
    x_blocks, y_blocks = _Blocks(gx, "x", 3), _Blocks(gy, "y", 3)
    total = delayed(sum)(x_blocks)
    assert ca.compute(y_blocks, total) == ([1, 11, 21], 30)
