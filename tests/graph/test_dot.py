from __future__ import annotations

import os
import re
import shutil
from typing import Any

import pytest

import chunkarray as ca
from chunkarray.errors import ChunkArrayValueError, MissingDependencyError
from chunkarray.graph import dot
from chunkarray.graph.blockwise import Blockwise
from chunkarray.graph.graph import Graph
from chunkarray.graph.layer import MaterializedLayer
from chunkarray.graph.optimize import cull
from chunkarray.graph.task import Alias, Literal, Ref, Task

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None,
    reason="Graphviz's `dot` program is not installed (apt-get install graphviz)",
)
NODE = re.compile(r"^  (\w+) \[(.*)\];$")
EDGE = re.compile(r"^  (\w+) -> (\w+);$")
ATTR = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


class Blocks:
    """A minimal collection: a graph and its output keys."""

    def __init__(self, graph: Graph, keys: list[Any]) -> None:
        self.graph, self.keys = graph, keys

    def __chunkarray_graph__(self) -> Graph:
        return self.graph

    def __chunkarray_keys__(self) -> list[Any]:
        return self.keys

    def __chunkarray_finalize__(self, results: list[Any]) -> list[Any]:
        return results

    def __chunkarray_rebuild__(self, values: Any) -> Blocks:
        raise NotImplementedError


def inc(x: int) -> int:
    return x + 1


def double(x: int) -> int:
    return 2 * x


def chain(n: int) -> Blocks:
    """x (literals) -> inc -> double, ``n`` blocks each."""
    name = "x-0123456789abcdef"
    x = MaterializedLayer(name, {(name, i): Literal(i) for i in range(n)})
    y = Blockwise("inc-0123456789abcdef", "i", inc, [(x.name, "i")], {x.name: (n,)})
    z = Blockwise("double-0123456789abcdef", "i", double, [(y.name, "i")], {y.name: (n,)})
    graph = Graph.from_layer(z, Graph.from_layer(y, Graph.from_layer(x)))
    return Blocks(graph, [(z.name, i) for i in range(n)])


def parse(text: str) -> tuple[dict[str, dict[str, str]], list[tuple[str, str]]]:
    nodes: dict[str, dict[str, str]] = {}
    edges = []
    for line in text.splitlines():
        if m := EDGE.match(line):
            edges.append((m[1], m[2]))
        elif (m := NODE.match(line)) and m[1] not in ("graph", "node"):
            nodes[m[1]] = dict(ATTR.findall(m[2]))
    return nodes, edges


def seed_z() -> ca.Delayed:
    @ca.delayed
    def lazy_exponent(x: int, y: int) -> int:
        return x**y

    x = lazy_exponent(4, 5)
    return x * lazy_exponent(x, 2)


def test_task_picture_structure() -> None:
    z = seed_z()
    text = z.visualize(rankdir="LR").dot
    assert text.startswith("digraph chunkarray {\n") and text.endswith("}\n")
    assert 'graph [rankdir="LR"];' in text
    nodes, edges = parse(text)
    calls = [n for n in nodes.values() if n["shape"] == "ellipse"]
    boxes = [n for n in nodes.values() if n["shape"] == "box"]
    assert sorted(n["label"] for n in calls) == ["lazy_exponent", "lazy_exponent", "mul"]
    assert sorted(n["label"] for n in boxes) == ["lazy_exponent", "lazy_exponent", "mul"]
    tasks = cull(z.__chunkarray_graph__(), [z.key])
    assert len(edges) == sum(len(t.dependencies) for t in tasks.values()) + len(calls)
    assert all(a in nodes and b in nodes for a, b in edges)
    # box -> ellipse -> box
    assert all(nodes[a]["shape"] != nodes[b]["shape"] for a, b in edges)


def test_blockwise_labels_literals_and_edges() -> None:
    blocks = chain(3)
    nodes, edges = parse(ca.visualize(blocks).dot)
    labels = sorted(n["label"] for n in nodes.values() if n["shape"] == "box")
    assert labels == [f"{p} #{i}" for p in ("double", "inc", "x") for i in range(3)]
    calls = sorted(n["label"] for n in nodes.values() if n["shape"] == "ellipse")
    assert calls == ["double"] * 3 + ["inc"] * 3  # literals are only a box
    assert len(edges) == 3 * 2 + 6
    tooltips = {n["tooltip"] for n in nodes.values() if n["shape"] == "box"}
    assert "('x-0123456789abcdef', 2)" in tooltips


def test_alias_is_an_edge_between_boxes() -> None:
    layer = MaterializedLayer("a", {"a": Alias("b"), "b": Literal(1)})
    blocks = Blocks(Graph.from_layer(layer), ["a"])
    nodes, edges = parse(dot.visualize([blocks]).dot)
    assert {n["shape"] for n in nodes.values()} == {"box"}
    assert len(edges) == 1


def test_optimize_graph_draws_fused_tasks() -> None:
    nodes, _ = parse(dot.visualize([chain(2)], optimize_graph=True).dot)
    calls = [n["label"] for n in nodes.values() if n["shape"] == "ellipse"]
    assert len(calls) == 2 and all("double" in c and "inc" in c for c in calls)


def test_labels_are_escaped() -> None:
    def f(x: int) -> int:
        return x

    f.__name__ = 'say "hi"\\ \n now'
    d = ca.delayed(f, name='we"ird')(1)
    text = d.visualize().dot
    assert r'label="say \"hi\"\\ \n now"' in text
    assert r'label="we\"ird"' in text
    if shutil.which("dot") is not None:
        assert b"<svg" in dot.render(text, "svg")


def test_graph_attributes_and_validation() -> None:
    z = seed_z()
    assert 'graph [rankdir="TB", size="8,8"]' in z.visualize(size="8,8").dot
    for kwargs in ({"rankdir": "XY"}, {"color": "blue"}, {"level": "x"}, {"format": "bmpx"}):
        with pytest.raises(ChunkArrayValueError, match=next(iter(kwargs))):
            z.visualize(**kwargs)
    with pytest.raises(ValueError, match="attribute name"):
        z.visualize(**{"bad name": 1})


@pytest.mark.parametrize("color", ["order", "layer"])
def test_color(color: str) -> None:
    nodes, _ = parse(dot.visualize([chain(2)], color=color).dot)
    assert all(
        n["style"] == "filled" and re.fullmatch("#[0-9a-f]{6}", n["fillcolor"])
        for n in nodes.values()
    )
    by_layer: dict[str, set[str]] = {}
    for n in nodes.values():
        by_layer.setdefault(n["label"].split(" #")[0], set()).add(n["fillcolor"])
    if color == "layer":
        assert all(len(c) == 1 for c in by_layer.values())
        assert len(set().union(*by_layer.values())) == 3
    else:
        assert len({n["fillcolor"] for n in nodes.values()}) == 6  # one per priority


def test_dot_file_needs_no_graphviz(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda *args, **kwargs: None)
    picture = seed_z().visualize(filename=tmp_path / "z.dot")
    assert picture.path == tmp_path / "z.dot" and picture.format == "dot"
    assert (tmp_path / "z.dot").read_text() == picture.dot
    assert picture.data == picture.dot.encode()
    picture = seed_z().visualize(filename=str(tmp_path / "g"), format="dot")
    assert picture.path == tmp_path / "g.dot" and (tmp_path / "g.dot").exists()
    assert sorted(os.listdir(tmp_path)) == ["g.dot", "z.dot"]
    assert picture._repr_svg_() is None
    assert picture._repr_mimebundle_() == {"text/plain": repr(picture)}


def test_missing_graphviz_message(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda *args, **kwargs: None)
    with pytest.raises(MissingDependencyError) as info:
        seed_z().visualize(filename=tmp_path / "z")
    assert isinstance(info.value, ImportError)
    message = str(info.value)
    for part in (
        "`dot`",
        "Graphviz",
        "apt-get install graphviz",
        "conda install graphviz",
        "brew install graphviz",
        "graph.dot",
    ):
        assert part in message
    assert os.listdir(tmp_path) == []


def test_no_filename_writes_nothing(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    picture = seed_z().visualize()
    assert picture.data is None and picture.path is None and picture.format is None
    assert os.listdir(tmp_path) == []


def test_filename_and_format_disagree(tmp_path: Any) -> None:
    with pytest.raises(ValueError, match="format"):
        seed_z().visualize(filename=tmp_path / "z.png", format="svg")


@needs_dot
def test_svg_written(tmp_path: Any) -> None:
    picture = seed_z().visualize(filename=tmp_path / "z")
    assert picture.path == tmp_path / "z.svg" and picture.format == "svg"
    data = (tmp_path / "z.svg").read_bytes()
    assert data == picture.data and b"<svg" in data and b"lazy_exponent" in data
    assert picture._repr_svg_() == data.decode()
    assert list(picture._repr_mimebundle_()) == ["image/svg+xml"]


@needs_dot
@pytest.mark.parametrize(("fmt", "magic"), [("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_png_and_pdf_written(tmp_path: Any, fmt: str, magic: bytes) -> None:
    picture = seed_z().visualize(filename=tmp_path / f"z.{fmt}")
    assert (tmp_path / f"z.{fmt}").read_bytes().startswith(magic)
    if fmt == "png":
        assert picture._repr_png_() == picture.data
        assert picture._repr_svg_() is None


@needs_dot
def test_display_renders_without_a_file() -> None:
    picture = seed_z().visualize()
    assert picture.data is None and "<svg" in (picture._repr_svg_() or "")


def test_atomic_write_leaves_no_temporary_files(tmp_path: Any) -> None:
    target = tmp_path / "z.dot"
    for _ in range(3):
        seed_z().visualize(filename=target)
    assert os.listdir(tmp_path) == ["z.dot"]


def test_failed_write_keeps_old_file(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "z.dot"
    target.write_text("old")

    def fail(*args: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        seed_z().visualize(filename=target)
    assert os.listdir(tmp_path) == ["z.dot"] and target.read_text() == "old"


def test_layer_picture() -> None:
    nodes, edges = parse(dot.visualize([chain(4)], level="layer", rankdir="LR").dot)
    assert sorted(n["label"] for n in nodes.values()) == [
        r"double\n4 tasks",
        r"inc\n4 tasks",
        r"x\n4 tasks",
    ]
    assert {n["shape"] for n in nodes.values()} == {"box"}
    assert len(edges) == 2


def test_layer_picture_of_delayed_calls() -> None:
    nodes, edges = parse(seed_z().visualize(level="layer").dot)
    assert sorted(n["label"] for n in nodes.values()) == [
        r"lazy_exponent\n1 task",
        r"lazy_exponent\n1 task",
        r"mul\n1 task",
    ]
    assert len(edges) == 3


def test_big_graphs_are_drawn_by_layer() -> None:
    big = chain(dot.MAX_TASKS)
    nodes, edges = parse(dot.visualize([big]).dot)
    assert len(nodes) == 3 and len(edges) == 2
    nodes, _ = parse(dot.visualize([big], level="task").dot)
    assert len(nodes) == 5 * dot.MAX_TASKS


def test_culls_to_requested_keys() -> None:
    layer = MaterializedLayer("a", {"a": Task(inc, 1), "unused": Literal(2)})
    blocks = Blocks(Graph.from_layer(layer), ["a"])
    nodes, _ = parse(dot.visualize([blocks]).dot)
    assert len(nodes) == 2


def test_nothing_to_draw() -> None:
    assert parse(ca.visualize(1, [2]).dot) == ({}, [])


def test_keys_owned_by_a_layer_of_another_name() -> None:
    tasks = {("foo", 0): Literal(1), "bar": Task(sum, [Ref(("foo", 0))])}
    blocks = Blocks(Graph.from_layer(MaterializedLayer("bar", tasks)), [("foo", 0), "bar"])
    nodes, edges = parse(dot.visualize([blocks]).dot)
    assert sorted(n["label"] for n in nodes.values()) == ["bar", "foo #0", "sum"]
    assert len(edges) == 2
    nodes, edges = parse(dot.visualize([blocks], level="layer").dot)
    assert [n["label"] for n in nodes.values()] == [r"bar\n2 tasks"] and edges == []


# -- Arrays (and any collection) through the same protocol --

def anomaly(blocks: int) -> Any:
    import numpy as np

    import chunkarray.array as caa

    x = caa.from_array(np.arange(blocks * 4.0).reshape(blocks * 2, 2), chunks=(2, 2))
    return x - x.mean(axis=0)


def test_array_layer_picture_counts_every_layer() -> None:
    y = anomaly(300)  # over MAX_TASKS tasks: drawn by layer
    assert len(y.graph) > dot.MAX_TASKS
    nodes, edges = parse(y.visualize(color="order").dot)
    graph_layers = y.graph.layers
    expected = {}
    for name, layer in graph_layers.items():
        count = len(layer)
        expected[name] = f"{dot._short(layer.label)}\\n{count} task{'s' * (count != 1)}"
    assert {n["tooltip"]: n["label"] for n in nodes.values()} == expected
    assert len(edges) == sum(len(d) for d in y.graph.dependencies.values())
    assert len({n["fillcolor"] for n in nodes.values()}) == len(nodes)


def test_array_task_picture_and_optimized_picture() -> None:
    y = anomaly(3)
    nodes, _ = parse(y.visualize(level="task").dot)
    boxes = [n for n in nodes.values() if n["shape"] == "box"]
    assert len(boxes) == len(cull(y.graph, [k for row in y.__chunkarray_keys__() for k in row]))
    z = (y + 1) * 2
    plain, _ = parse(z.visualize(level="task").dot)
    fused, _ = parse(z.visualize(level="task", optimize_graph=True).dot)
    # sub, add and mul fuse into one task per block (3 blocks): 2 boxes and 2 calls fewer each
    assert len(plain) - len(fused) == 2 * 2 * 3


def test_visualize_several_collections_draws_shared_work_once(tmp_path: Any) -> None:
    y = anomaly(3)
    m = y.mean()
    picture = ca.visualize(y, m, filename=tmp_path / "both.dot", level="layer")
    nodes, _ = parse(picture.dot)
    tooltips = [n["tooltip"] for n in nodes.values()]
    assert len(tooltips) == len(set(tooltips)) == len(m.graph.layers)
    assert (tmp_path / "both.dot").read_text() == picture.dot


def test_bags_and_dataframes_are_drawn_through_the_protocol() -> None:
    cab = pytest.importorskip("chunkarray.bag")
    b = cab.from_sequence(range(10), npartitions=2).map(inc).filter(bool)
    df = ca.datasets.timeseries(end="2000-01-03", freq="1h", seed=1)
    s = df[df.y > 0].groupby("name").x.std()
    for collection in (b, s):
        graph = collection.__chunkarray_graph__()
        nodes, _ = parse(ca.visualize(collection, level="layer").dot)
        counts = {n["tooltip"]: int(n["label"].split("\\n")[1].split()[0]) for n in nodes.values()}
        assert counts == {name: len(layer) for name, layer in graph.layers.items()}
        nodes, _ = parse(ca.visualize(collection, level="task").dot)
        keys = list(dot.flatten_keys(collection.__chunkarray_keys__()))
        boxes = [n for n in nodes.values() if n["shape"] == "box"]
        assert len(boxes) == len(cull(graph, keys))
