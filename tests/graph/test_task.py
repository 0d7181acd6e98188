"""Tests for chunkarray.graph.task: Ref, Task, Literal, Alias, Fused."""

from __future__ import annotations

import pickle
from operator import add, mul
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from chunkarray.graph.task import Alias, Fused, Literal, Ref, Task, func_label, task_label


def _pack(*args: Any, **kwargs: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    return args, kwargs


# -- Ref ------------------------------------------------------------------------------------


def test_ref_equality_hash_and_pickle() -> None:
    assert Ref("x") == Ref("x")
    assert Ref(("x", 0)) != Ref(("x", 1))
    assert Ref("x") != "x"
    assert hash(Ref(("x", 1))) == hash(Ref(("x", 1)))
    assert pickle.loads(pickle.dumps(Ref(("x", 2, 3)))) == Ref(("x", 2, 3))
    assert repr(Ref(("x", 0))) == "Ref(('x', 0))"


# -- Task dependencies ------------------------------------------------------------------------


def test_plain_task_has_no_dependencies_and_ignores_values() -> None:
    t = Task(add, 1, 2)
    assert t.dependencies == frozenset()
    assert t.execute({}) == 3
    assert t.execute({"unrelated": 5}) == 3


def test_dependencies_in_nested_containers() -> None:
    t = Task(
        _pack,
        Ref("a"),
        [Ref("b"), (Ref(("c", 0)), [Ref(("c", 1))])],
        {"k": {"deep": [Ref("d")]}, "plain": 4},
        (),
        [],
        {},
    )
    assert t.dependencies == {"a", "b", ("c", 0), ("c", 1), "d"}


def test_dependencies_in_kwargs() -> None:
    t = Task(_pack, 1, x=Ref("a"), y=[Ref("b"), {"z": (Ref("c"),)}], w=3)
    assert t.dependencies == {"a", "b", "c"}
    args, kwargs = t.execute({"a": 10, "b": 20, "c": 30})
    assert args == (1,)
    assert kwargs == {"x": 10, "y": [20, {"z": (30,)}], "w": 3}


def test_dict_keys_are_not_dependencies() -> None:
    # Only values are searched: a Ref used as a dict key is a literal key.
    t = Task(_pack, {Ref("k"): 1})
    assert t.dependencies == frozenset()


def test_duplicate_references_are_one_dependency() -> None:
    t = Task(add, Ref("a"), Ref("a"))
    assert t.dependencies == {"a"}
    assert t.execute({"a": 21}) == 42


def test_execute_substitutes_and_keeps_container_types() -> None:
    t = Task(_pack, [Ref("a"), (Ref("b"), 2)], {"x": Ref("a")})
    args, kwargs = t.execute({"a": "A", "b": "B"})
    assert args == (["A", ("B", 2)], {"x": "A"})
    assert type(args[0]) is list
    assert type(args[0][1]) is tuple
    assert type(args[1]) is dict
    assert kwargs == {}


def test_execute_does_not_mutate_arguments() -> None:
    inner = [Ref("a")]
    t = Task(_pack, inner)
    t.execute({"a": 1})
    assert inner == [Ref("a")]
    assert t.execute({"a": 2}) == (([2],), {})


def test_inline_task_arguments() -> None:
    inner = Task(mul, Ref("a"), 10)
    t = Task(add, inner, Ref("b"))
    assert t.dependencies == {"a", "b"}
    assert t.execute({"a": 4, "b": 2}) == 42
    # An inline task inside a container and in kwargs.
    t2 = Task(_pack, [Task(add, Ref("c"), 1)], k=Task(sum, [Ref("a"), Ref("c")]))
    assert t2.dependencies == {"a", "c"}
    assert t2.execute({"a": 1, "c": 5}) == (([6],), {"k": 6})


def test_inline_plain_task_runs_each_time() -> None:
    calls = []

    def record() -> int:
        calls.append(1)
        return 7

    t = Task(add, Task(record), 1)
    assert t.dependencies == frozenset()
    assert t.execute({}) == 8
    assert t.execute({}) == 8
    assert len(calls) == 2


def test_task_label_and_repr() -> None:
    t = Task(add, Ref("x"), 1)
    assert t.label == "add"
    assert repr(t) == "Task(add, Ref('x'), 1)"
    assert task_label(t) == "add"
    assert func_label(lambda: None) == "<lambda>"


# -- random nested arguments against a reference substitution ---------------------------------

_KEYS = st.one_of(st.sampled_from("abcde"), st.tuples(st.just("x"), st.integers(0, 3)))
_LEAVES = st.one_of(st.integers(-5, 5), st.text(max_size=2), st.none(), _KEYS.map(Ref))
_ARGS = st.recursive(
    _LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(st.text(max_size=2), inner, max_size=3),
    ),
    max_leaves=12,
)


def _refs_of(value: Any) -> set[Any]:
    if type(value) is Ref:
        return {value.key}
    if type(value) in (list, tuple):
        return set().union(*(_refs_of(v) for v in value)) if value else set()
    if type(value) is dict:
        return _refs_of(list(value.values()))
    return set()


def _reference_substitute(value: Any, values: dict[Any, Any]) -> Any:
    if type(value) is Ref:
        return values[value.key]
    if type(value) is list:
        return [_reference_substitute(v, values) for v in value]
    if type(value) is tuple:
        return tuple(_reference_substitute(v, values) for v in value)
    if type(value) is dict:
        return {k: _reference_substitute(v, values) for k, v in value.items()}
    return value


@settings(max_examples=50, deadline=None, database=None)
@given(args=st.lists(_ARGS, max_size=3), kwargs=st.dictionaries(st.sampled_from("pqr"), _ARGS))
def test_random_nested_arguments(args: list[Any], kwargs: dict[str, Any]) -> None:
    t = Task(_pack, *args, **kwargs)
    expected_deps = _refs_of(list(args) + list(kwargs.values()))
    assert t.dependencies == expected_deps
    values = {k: ("value-of", k) for k in expected_deps}
    got_args, got_kwargs = t.execute(values)
    assert got_args == tuple(_reference_substitute(a, values) for a in args)
    assert got_kwargs == _reference_substitute(kwargs, values)


# -- Literal, Alias ---------------------------------------------------------------------------


def test_literal() -> None:
    payload = [1, Ref("not-a-dependency")]
    lit = Literal(payload)
    assert lit.dependencies == frozenset()
    assert lit.execute({}) is payload
    assert lit.label == "literal"
    assert repr(lit) == "Literal(list)"


def test_alias() -> None:
    obj = object()
    alias = Alias(("x", 3))
    assert alias.dependencies == {("x", 3)}
    assert alias.execute({("x", 3): obj}) is obj
    assert repr(alias) == "Alias(('x', 3))"


# -- Fused ------------------------------------------------------------------------------------


def test_fused_chain_runs_steps_in_order() -> None:
    fused = Fused(
        [
            ("a", Task(add, Ref("outside"), 1)),
            ("b", Task(mul, Ref("a"), 10)),
            ("c", Task(add, Ref("b"), Ref("a"))),
        ]
    )
    assert fused.dependencies == {"outside"}
    assert fused.execute({"outside": 1}) == 22
    # Sequential evaluation of the same steps.
    a = 1 + 1
    b = a * 10
    assert fused.execute({"outside": 1}) == b + a


def test_fused_inner_values_win_over_outer_and_do_not_leak() -> None:
    outer = {"x": 100, "a": -1}
    fused = Fused([("a", Task(add, Ref("x"), 1)), ("b", Task(add, Ref("a"), 1))])
    assert fused.dependencies == {"x"}
    assert fused.execute(outer) == 102
    assert outer == {"x": 100, "a": -1}


def test_fused_with_literal_alias_and_nested_fused() -> None:
    inner = Fused([("p", Literal(3)), ("q", Task(mul, Ref("p"), Ref("ext")))])
    fused = Fused([("i", inner), ("j", Alias("i")), ("k", Task(add, Ref("j"), 1))])
    assert inner.dependencies == {"ext"}
    assert fused.dependencies == {"ext"}
    assert fused.execute({"ext": 5}) == 16


def test_fused_label_names_its_steps() -> None:
    fused = Fused([("a", Task(add, 1, 2)), ("b", Task(mul, Ref("a"), 2))])
    assert fused.label == "mul-add"
    assert task_label(fused) == "mul-add"
    assert repr(fused) == "Fused(mul-add, 2 steps)"
