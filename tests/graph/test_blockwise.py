"""Tests for chunkarray.graph.blockwise: index notation, compared with NumPy on blocks."""

from __future__ import annotations

import itertools
from operator import add
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chunkarray.errors import ChunkArrayError
from chunkarray.graph.blockwise import Blockwise, BlockValues
from chunkarray.graph.graph import Graph
from chunkarray.graph.layer import Layer, MaterializedLayer
from chunkarray.graph.optimize import cull
from chunkarray.graph.order import order
from chunkarray.graph.task import Literal, Ref
from chunkarray.runtime.scheduler import run

# -- helpers ----------------------------------------------------------------------------------


def _split(array: np.ndarray, chunks: tuple[tuple[int, ...], ...]) -> dict[tuple[int, ...], Any]:
    """The blocks of ``array`` by block index."""
    bounds = [np.cumsum((0, *c)) for c in chunks]
    blocks = {}
    for idx in itertools.product(*(range(len(c)) for c in chunks)):
        sl = tuple(slice(b[i], b[i + 1]) for b, i in zip(bounds, idx))
        blocks[idx] = array[sl]
    return blocks


def _source(name: str, array: np.ndarray, chunks: tuple[tuple[int, ...], ...]) -> Layer:
    blocks = _split(array, chunks)
    return MaterializedLayer(name, {(name, *i): Literal(b) for i, b in blocks.items()})


def _compute(layers: list[Layer], out: Blockwise) -> dict[tuple[int, ...], Any]:
    """Every output block of ``out``, by block index, run through the real scheduler."""
    graph = Graph({layer.name: layer for layer in [*layers, out]})
    keys = list(out.keys())
    tasks = cull(graph, keys)
    values = run(tasks, keys, order(tasks, keys), num_workers=1)
    return {k[1:]: v for k, v in values.items()}


def _assemble(blocks: dict[tuple[int, ...], Any], numblocks: tuple[int, ...]) -> np.ndarray:
    def nest(prefix: tuple[int, ...]) -> Any:
        if len(prefix) == len(numblocks):
            return blocks[prefix]
        return [nest((*prefix, i)) for i in range(numblocks[len(prefix)])]

    return np.block(nest(()))


class Grid:
    """A per-block literal: ``grid[i, j]`` is a value computed from the block index."""

    def __init__(self, numblocks: tuple[int, ...], make: Any = None) -> None:
        self.numblocks = numblocks
        self.make = make or (lambda idx: ("block", *idx))

    def __getitem__(self, index: tuple[int, ...]) -> Any:
        assert len(index) == len(self.numblocks)
        assert all(0 <= i < n for i, n in zip(index, self.numblocks))
        return self.make(index)


def _identity(*args: Any, **kwargs: Any) -> Any:
    return (args, kwargs) if kwargs else args


# -- index mapping ----------------------------------------------------------------------------


def test_docstring_example() -> None:
    layer = Blockwise("z", "i", add, [("x", "i"), ("y", "i")], {"x": (3,), "y": (1,)})
    task = layer.task(("z", 2))
    assert task.args == (Ref(("x", 2)), Ref(("y", 0)))
    assert task.dependencies == {("x", 2), ("y", 0)}
    assert len(layer) == 3
    assert layer.dependencies == {"x", "y"}


def test_elementwise_2d_matches_numpy() -> None:
    rng = np.random.default_rng(0)
    x = rng.integers(0, 100, (7, 5))
    y = rng.integers(0, 100, (7, 5))
    chunks = ((3, 3, 1), (2, 3))
    layer = Blockwise("z", "ij", np.add, [("x", "ij"), ("y", "ij")], {"x": (3, 2), "y": (3, 2)})
    assert layer.out_numblocks == (3, 2)
    blocks = _compute([_source("x", x, chunks), _source("y", y, chunks)], layer)
    np.testing.assert_array_equal(_assemble(blocks, (3, 2)), x + y)


def test_broadcast_size_one_block_dims() -> None:
    rng = np.random.default_rng(1)
    x = rng.integers(0, 100, (6, 8))
    row = rng.integers(0, 100, (1, 8))
    col = rng.integers(0, 100, (6, 1))
    numblocks = {"x": (3, 4), "row": (1, 4), "col": (3, 1)}
    layer = Blockwise(
        "z",
        "ij",
        lambda a, b, c: a + b * 1000 + c * 1000000,
        [("x", "ij"), ("row", "ij"), ("col", "ij")],
        numblocks,
    )
    assert layer.out_numblocks == (3, 4)
    assert layer.task(("z", 2, 3)).dependencies == {("x", 2, 3), ("row", 0, 3), ("col", 2, 0)}
    layers = [
        _source("x", x, ((2, 2, 2), (2, 2, 2, 2))),
        _source("row", row, ((1,), (2, 2, 2, 2))),
        _source("col", col, ((2, 2, 2), (1,))),
    ]
    blocks = _compute(layers, layer)
    np.testing.assert_array_equal(_assemble(blocks, (3, 4)), x + row * 1000 + col * 1000000)


def test_broadcast_both_inputs_size_one_on_different_axes() -> None:
    row = np.arange(6).reshape(1, 6)
    col = np.arange(4).reshape(4, 1) * 10
    layer = Blockwise("z", "ij", np.add, [("r", "ij"), ("c", "ij")], {"r": (1, 3), "c": (2, 1)})
    assert layer.out_numblocks == (2, 3)
    blocks = _compute(
        [_source("r", row, ((1,), (2, 2, 2))), _source("c", col, ((2, 2), (1,)))], layer
    )
    np.testing.assert_array_equal(_assemble(blocks, (2, 3)), row + col)


def test_transposed_index() -> None:
    x = np.arange(35).reshape(5, 7)
    chunks = ((2, 3), (3, 3, 1))
    layer = Blockwise("z", "ij", np.transpose, [("x", "ji")], {"x": (2, 3)})
    assert layer.out_numblocks == (3, 2)
    assert layer.task(("z", 2, 1)).dependencies == {("x", 1, 2)}
    blocks = _compute([_source("x", x, chunks)], layer)
    np.testing.assert_array_equal(_assemble(blocks, (3, 2)), x.T)


def test_contraction_hands_blocks_as_a_list() -> None:
    layer = Blockwise(
        "z", "ij", _identity, [("x", "ik"), ("y", "kj")], {"x": (2, 3), "y": (3, 4)}
    )
    assert layer.out_numblocks == (2, 4)
    task = layer.task(("z", 1, 2))
    assert task.args == (
        [Ref(("x", 1, 0)), Ref(("x", 1, 1)), Ref(("x", 1, 2))],
        [Ref(("y", 0, 2)), Ref(("y", 1, 2)), Ref(("y", 2, 2))],
    )
    values = {k: k for k in task.dependencies}
    assert task.execute(values) == (
        [("x", 1, 0), ("x", 1, 1), ("x", 1, 2)],
        [("y", 0, 2), ("y", 1, 2), ("y", 2, 2)],
    )


def test_contraction_over_two_letters_nests_lists() -> None:
    layer = Blockwise("s", "i", _identity, [("x", "ijk")], {"x": (2, 2, 3)})
    assert layer.out_numblocks == (2,)
    (arg,) = layer.task(("s", 1)).args
    assert arg == [[Ref(("x", 1, j, k)) for k in range(3)] for j in range(2)]


def test_full_reduction_to_one_block() -> None:
    x = np.arange(24).reshape(4, 6)
    layer = Blockwise(
        "total", "", lambda nested: sum(b.sum() for row in nested for b in row),
        [("x", "ij")], {"x": (2, 3)},
    )
    assert list(layer.keys()) == [("total",)]
    assert len(layer) == 1
    blocks = _compute([_source("x", x, ((2, 2), (2, 2, 2)))], layer)
    assert blocks[()] == x.sum()


def _concatenate(nested: list[Any], axes: list[int]) -> np.ndarray:
    assert len(axes) == 1
    return np.concatenate(nested, axis=axes[0])


def test_contraction_joined_with_concatenate() -> None:
    rng = np.random.default_rng(2)
    a = rng.integers(-9, 9, (5, 7))
    b = rng.integers(-9, 9, (7, 4))
    a_chunks, b_chunks = ((2, 3), (3, 3, 1)), ((3, 3, 1), (1, 3))
    layer = Blockwise(
        "z", "ij", np.matmul, [("a", "ik"), ("b", "kj")], {"a": (2, 3), "b": (3, 2)},
        concatenate=_concatenate,
    )
    axes_seen = []

    def spy(nested: list[Any], axes: list[int]) -> np.ndarray:
        axes_seen.append(list(axes))
        return _concatenate(nested, axes)

    spying = Blockwise(
        "z", "ij", np.matmul, [("a", "ik"), ("b", "kj")], {"a": (2, 3), "b": (3, 2)},
        concatenate=spy,
    )
    sources = [_source("a", a, a_chunks), _source("b", b, b_chunks)]
    np.testing.assert_array_equal(_assemble(_compute(sources, layer), (2, 2)), a @ b)
    np.testing.assert_array_equal(_assemble(_compute(sources, spying), (2, 2)), a @ b)
    # "ik": k is axis 1 of a; "kj": k is axis 0 of b.
    assert sorted(axes_seen) == sorted([[1], [0]] * 4)


def test_new_axes() -> None:
    x = np.arange(6)
    layer = Blockwise(
        "z", "ij", lambda b: b[:, None] * np.ones((1, 4), dtype=int),
        [("x", "i")], {"x": (3,)}, new_axes={"j": 4},
    )
    assert layer.out_numblocks == (3, 1)
    assert list(layer.keys()) == [("z", 0, 0), ("z", 1, 0), ("z", 2, 0)]
    blocks = _compute([_source("x", x, ((2, 2, 2),))], layer)
    np.testing.assert_array_equal(_assemble(blocks, (3, 1)), np.repeat(x[:, None], 4, axis=1))


def test_new_axis_in_front() -> None:
    layer = Blockwise("z", "ji", _identity, [("x", "i")], {"x": (2,)}, new_axes={"j": 3})
    assert layer.out_numblocks == (1, 2)
    assert layer.task(("z", 0, 1)).args == (Ref(("x", 1)),)
    with pytest.raises(KeyError):
        layer.task(("z", 1, 1))


def test_block_values_are_indexed_per_block() -> None:
    grid = Grid((2, 3))
    assert isinstance(grid, BlockValues)
    layer = Blockwise(
        "z", "ij", _identity, [("x", "ij"), (grid, "ij"), (Grid((1, 3)), "ij")],
        {"x": (2, 3)},
    )
    assert layer.dependencies == {"x"}
    task = layer.task(("z", 1, 2))
    assert task.dependencies == {("x", 1, 2)}
    assert task.execute({("x", 1, 2): "X"}) == ("X", ("block", 1, 2), ("block", 0, 2))


def test_block_values_alone_define_the_grid() -> None:
    layer = Blockwise("seed", "ij", lambda idx: idx, [(Grid((2, 2), make=tuple), "ij")], {})
    assert layer.dependencies == frozenset()
    assert len(layer) == 4
    values = {k: layer.task(k).execute({}) for k in layer.keys()}
    assert values == {("seed", i, j): (i, j) for i in range(2) for j in range(2)}


def test_block_values_contracted() -> None:
    layer = Blockwise("z", "i", _identity, [(Grid((2, 3)), "ij")], {})
    (arg,) = layer.task(("z", 1)).args
    assert arg == [("block", 1, 0), ("block", 1, 1), ("block", 1, 2)]


def test_literal_arguments_pass_unchanged() -> None:
    marker = object()
    payload = {"a": [1, 2]}
    layer = Blockwise(
        "z", "i", _identity,
        [("x", "i"), (marker, None), (payload, None), ("x", None), (3, None)],
        {"x": (2,)},
    )
    # "x" with index None is the string, not the layer.
    task = layer.task(("z", 1))
    assert task.dependencies == {("x", 1)}
    out = task.execute({("x", 1): "block"})
    assert out == ("block", marker, payload, "x", 3)
    assert out[1] is marker


def test_kwargs_are_passed_and_refs_in_kwargs_are_dependencies() -> None:
    layer = Blockwise(
        "z", "i", _identity, [("x", "i")], {"x": (2,)},
        kwargs={"scale": 10, "offset": Ref("offset-key")},
    )
    assert layer.dependencies == {"x", "offset-key"}
    task = layer.task(("z", 0))
    assert task.dependencies == {("x", 0), "offset-key"}
    assert task.execute({("x", 0): "b", "offset-key": 5}) == (("b",), {"scale": 10, "offset": 5})


def test_layer_dependencies_cover_every_ref_its_tasks_read() -> None:
    # Graph-level passes (fusion, pictures) see only ``layer.dependencies``; it must name
    # every layer whose keys the tasks read, wherever the Ref sits.
    layer = Blockwise(
        "z", "i", _identity,
        [("x", "i"), ([Ref(("lit", 0))], None)],
        {"x": (2,)},
        kwargs={"direct": Ref("d"), "nested": [Ref(("p", 1))], "deep": {"k": Ref("q")}},
    )
    task_layers = {k[0] if type(k) is tuple else k for k in layer.task(("z", 0)).dependencies}
    assert task_layers == {"x", "lit", "d", "p", "q"}
    assert layer.dependencies == task_layers


# -- keys, len, bad keys, bad arguments -------------------------------------------------------


@settings(max_examples=25, deadline=None, database=None)
@given(numblocks=st.lists(st.integers(1, 4), min_size=0, max_size=4).map(tuple))
def test_keys_and_len(numblocks: tuple[int, ...]) -> None:
    ind = "ijkl"[: len(numblocks)]
    layer = Blockwise("z", ind, _identity, [(Grid(numblocks), ind)], {})
    expected = [("z", *idx) for idx in itertools.product(*(range(n) for n in numblocks))]
    assert list(layer.keys()) == expected
    assert len(layer) == len(expected) == int(np.prod(numblocks, dtype=int))
    assert all(k in layer for k in expected)
    assert len(layer.materialize()) == len(expected)


@pytest.mark.parametrize(
    "key",
    [
        ("z", 3, 0),
        ("z", 0, 2),
        ("z", -1, 0),
        ("z", 0),
        ("z", 0, 0, 0),
        ("other", 0, 0),
        "z",
        ("z", "0", 0),
        ("z", 0.0, 0),
        ("z", True, 0),
    ],
)
def test_out_of_range_keys_raise_key_error(key: Any) -> None:
    layer = Blockwise("z", "ij", _identity, [("x", "ij")], {"x": (3, 2)})
    with pytest.raises(KeyError):
        layer.task(key)
    assert key not in layer


def test_inconsistent_block_counts_raise_value_error() -> None:
    with pytest.raises(ValueError, match="'i'"):
        Blockwise("z", "i", add, [("x", "i"), ("y", "i")], {"x": (3,), "y": (2,)})


def test_index_length_mismatch_raises_value_error() -> None:
    with pytest.raises(ValueError, match="'ij'"):
        Blockwise("z", "ij", add, [("x", "ij")], {"x": (3,)})


def test_input_layer_missing_from_numblocks_gets_a_clear_error() -> None:
    # DESIGN.md: bad input gets a clear error at graph-building time naming the argument.
    with pytest.raises(ChunkArrayError, match="'x'"):
        Blockwise("z", "i", _identity, [("x", "i")], {})


# -- blockwise matrix multiply against NumPy --------------------------------------------------

_CHUNKS = st.lists(st.integers(1, 3), min_size=1, max_size=4).map(tuple)


def _sum_of_products(a_blocks: list[np.ndarray], b_blocks: list[np.ndarray]) -> np.ndarray:
    assert len(a_blocks) == len(b_blocks)
    return sum(a @ b for a, b in zip(a_blocks, b_blocks))  # type: ignore[return-value]


@settings(max_examples=40, deadline=None, database=None)
@given(
    row_chunks=_CHUNKS,
    inner_chunks=_CHUNKS,
    col_chunks=_CHUNKS,
    seed=st.integers(0, 2**32 - 1),
    joined=st.booleans(),
)
def test_blockwise_matmul_matches_numpy(
    row_chunks: tuple[int, ...],
    inner_chunks: tuple[int, ...],
    col_chunks: tuple[int, ...],
    seed: int,
    joined: bool,
) -> None:
    rng = np.random.default_rng(seed)
    a = rng.integers(-50, 50, (sum(row_chunks), sum(inner_chunks)))
    b = rng.integers(-50, 50, (sum(inner_chunks), sum(col_chunks)))
    numblocks = {
        "a": (len(row_chunks), len(inner_chunks)),
        "b": (len(inner_chunks), len(col_chunks)),
    }
    if joined:
        layer = Blockwise(
            "ab", "ij", np.matmul, [("a", "ik"), ("b", "kj")], numblocks,
            concatenate=_concatenate,
        )
    else:
        layer = Blockwise("ab", "ij", _sum_of_products, [("a", "ik"), ("b", "kj")], numblocks)
    out_numblocks = (len(row_chunks), len(col_chunks))
    assert layer.out_numblocks == out_numblocks
    assert len(layer) == out_numblocks[0] * out_numblocks[1]
    sources = [
        _source("a", a, (row_chunks, inner_chunks)),
        _source("b", b, (inner_chunks, col_chunks)),
    ]
    blocks = _compute(sources, layer)
    np.testing.assert_array_equal(_assemble(blocks, out_numblocks), a @ b)
