"""Pictures of task graphs: DOT text, drawn by Graphviz's ``dot`` program when present.

Task level (up to ``MAX_TASKS`` tasks): a box per key, labelled with its readable
prefix and block index; an ellipse per function call, labelled with the function's
name; edges from the boxes a call reads to its ellipse and from the ellipse to its
key's box. A literal is only a box. Layer level (bigger graphs, or ``level="layer"``):
a box per layer with its task count. DOT text needs nothing; svg, png, pdf run
``dot -T<format>``. Files are written under a temporary name, then renamed into place.
"""

from __future__ import annotations

import colorsys
import contextlib
import os
import re
import secrets
import shutil
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from chunkarray.errors import (
    ChunkArrayError, ChunkArrayValueError, MissingDependencyError, RenderError,
)
from chunkarray.graph.graph import Graph
from chunkarray.graph.keys import flatten_keys, key_name, key_prefix
from chunkarray.graph.optimize import fuse_blockwise, fuse_linear, topological_layers
from chunkarray.graph.order import order
from chunkarray.graph.task import Alias, task_label
from chunkarray.typing import Key

__all__ = ["MAX_TASKS", "GraphPicture", "visualize"]

MAX_TASKS = 500  # above this, level="auto" draws layers: dot gets slow and the picture unreadable
FORMATS = frozenset({"dot", "svg", "png", "pdf", "jpg", "jpeg", "gif", "ps"})
_RANKDIRS = ("TB", "LR", "BT", "RL")


class GraphPicture:
    """A drawn graph: ``dot`` (text), ``data`` (rendered bytes or None), ``format``, ``path``.

    Jupyter shows the picture if there is one or Graphviz can draw it, else the repr.
    """

    __slots__ = ("_drawn", "_svg", "data", "dot", "format", "path")

    def __init__(self, dot: str, data: bytes | None, format: str | None, path: Path | None):
        self.dot, self.data, self.format, self.path = dot, data, format, path
        self._svg: str | None = None
        self._drawn = False

    def __repr__(self) -> str:
        where = "" if self.path is None else f", path={str(self.path)!r}"
        return f"GraphPicture(format={self.format!r}{where})"

    def _repr_svg_(self) -> str | None:
        if not self._drawn:  # drawn once, on first display; a png is shown as it is
            self._drawn = True
            if self.format == "svg" and self.data is not None:
                self._svg = self.data.decode("utf-8")
            elif self.format != "png" and shutil.which("dot") is not None:
                with contextlib.suppress(ChunkArrayError, OSError):  # then show the repr
                    self._svg = render(self.dot, "svg").decode("utf-8")
        return self._svg

    def _repr_png_(self) -> bytes | None:
        return self.data if self.format == "png" else None

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        png = self._repr_png_()
        if png is not None:
            return {"image/png": png}
        svg = self._repr_svg_()
        return {"text/plain": repr(self)} if svg is None else {"image/svg+xml": svg}


def visualize(
    collections: Sequence[Any],
    filename: str | os.PathLike[str] | None = None,
    format: str | None = None,
    rankdir: str = "TB",
    optimize_graph: bool = False,
    color: str | None = None,
    level: str = "auto",
    **graph_attrs: Any,
) -> GraphPicture:
    """Draw the task graph of ``collections``; write it to ``filename`` if given.

    Parameters
    ----------
    collections : sequence
        Objects speaking the collection protocol.
    filename : str or path, optional
        Where to write; without a known extension, ``.svg`` (or ``.<format>``) is
        appended. None: write nothing.
    format : {"dot", "svg", "png", "pdf", ...}, optional
        Defaults to the filename's extension, else "svg"; None without filename.
    rankdir : {"TB", "LR", "BT", "RL"}
        Direction of the graph.
    optimize_graph : bool
        Draw the graph as it runs (fused and culled) instead of as it was built.
    color : {None, "order", "layer"}
        Fill nodes by run priority (blue first, red last) or by layer.
    level : {"auto", "task", "layer"}
        "auto" draws layers instead of tasks above ``MAX_TASKS`` tasks.
    **graph_attrs
        More Graphviz graph attributes (``size="8,8"``, ``ratio="fill"``, ...).

    Returns
    -------
    GraphPicture

    Raises
    ------
    MissingDependencyError
        If a rendered format is asked for and Graphviz's ``dot`` is not installed.

    Examples
    --------
    >>> import chunkarray as ca
    >>> inc = ca.delayed(lambda x: x + 1, name="inc", pure=True)
    >>> print(visualize([inc(1)], rankdir="LR").dot, end="")
    digraph chunkarray {
      graph [rankdir="LR"];
      node [fontname="Helvetica"];
      d0 [label="inc", shape="box", tooltip="inc-..."];
      f0 [label="<lambda>", shape="ellipse"];
      f0 -> d0;
    }
    """
    _check("rankdir", rankdir, _RANKDIRS)
    _check("color", color, (None, "order", "layer"))
    _check("level", level, ("auto", "task", "layer"))
    fmt, path = parse_target(filename, format)
    attrs = {"rankdir": rankdir, **graph_attrs}
    graph = Graph.merge(*(c.__chunkarray_graph__() for c in collections))
    keys = [k for c in collections for k in flatten_keys(c.__chunkarray_keys__())]
    outputs = list(dict.fromkeys(keys))
    if optimize_graph:  # as chunkarray.base.prepare does, without importing upwards
        graph = fuse_blockwise(graph, keep={key_name(k) for k in outputs})
    tasks = None
    if level != "layer":
        tasks = _cull(graph, outputs, MAX_TASKS if level == "auto" else None)
    if tasks is None:
        text = layer_dot(graph, outputs, color, attrs)
    else:
        if optimize_graph:
            tasks = fuse_linear(tasks, keep=outputs)
        text = task_dot(tasks, outputs, color, attrs)
    data = None if fmt is None else text.encode() if fmt == "dot" else render(text, fmt)
    if path is not None and data is not None:
        write_atomic(path, data)
    return GraphPicture(text, data, fmt, path)


def _check(argument: str, value: Any, allowed: Sequence[Any]) -> None:
    if value not in allowed:
        raise ChunkArrayValueError(
            f"visualize: {argument} must be one of {tuple(allowed)}, got {value!r}"
        )


def parse_target(filename: Any, format: str | None) -> tuple[str | None, Path | None]:
    """The format and the path to write: ``("svg", Path("z.svg"))`` for ``"z"``."""
    if format is not None:
        format = str(format).lower().lstrip(".")
        _check("format", format, sorted(FORMATS))
    if filename is None:
        return format, None
    path = Path(os.fspath(filename))
    ext = path.suffix.lower().lstrip(".")
    if ext not in FORMATS:
        fmt = format or "svg"
        return fmt, path.with_name(f"{path.name}.{fmt}")
    if format is not None and format != ext:
        raise ChunkArrayValueError(
            f"visualize: filename {str(path)!r} ends in .{ext} but format={format!r} was given"
        )
    return ext, path


def _cull(graph: Graph, keys: Iterable[Key], limit: int | None) -> dict[Key, Any] | None:
    """The tasks ``keys`` need (as ``cull``), or None once there are more than ``limit``."""
    tasks: dict[Key, Any] = {}
    stack = list(keys)
    while stack:
        key = stack.pop()
        if key not in tasks:
            tasks[key] = task = graph.task(key)
            if limit is not None and len(tasks) > limit:
                return None
            stack.extend(d for d in task.dependencies if d not in tasks)
    return tasks


def task_dot(
    tasks: Mapping[Key, Any], outputs: list[Key], color: str | None, attrs: Mapping[str, Any]
) -> str:
    """DOT text with a box per key and an ellipse per function call."""
    priority = order(tasks, outputs)
    keys = sorted(tasks, key=priority.__getitem__)
    ids = {k: i for i, k in enumerate(keys)}
    layers = {n: i for i, n in enumerate(dict.fromkeys(key_name(k) for k in keys))}
    lines, edges = _header(attrs), list[str]()
    for key in keys:
        task, i = tasks[key], ids[key]
        fill = _fill(color, priority[key], len(keys), layers[key_name(key)])
        lines.append(_node(f"d{i}", fill, label=_key_label(key), shape="box", tooltip=str(key)))
        deps = sorted(task.dependencies, key=ids.__getitem__)
        if type(task) is Alias:
            edges.extend(f"  d{ids[d]} -> d{i};" for d in deps)
        elif not getattr(task, "is_data", False):
            lines.append(_node(f"f{i}", fill, label=task_label(task), shape="ellipse"))
            edges.extend(f"  d{ids[d]} -> f{i};" for d in deps)
            edges.append(f"  f{i} -> d{i};")
    return "\n".join([*lines, *edges, "}"]) + "\n"


def layer_dot(graph: Graph, outputs: list[Key], color: str | None, attrs: Mapping[str, Any]) -> str:
    """DOT text with one box per layer that ``outputs`` need, labelled with its task count."""
    layers = graph.layers
    deps = graph.dependencies
    needed: dict[str, frozenset[str]] = {}
    owners = (n if (n := key_name(k)) in layers else graph.layer_of(k).name for k in outputs)
    stack = list(dict.fromkeys(owners))
    while stack:
        name = stack.pop()
        if name not in needed:
            needed[name] = reads = deps[name] | _task_layers(graph, layers[name])
            stack.extend(r for r in reads if r not in needed)
    names = topological_layers(needed)
    ids = {n: i for i, n in enumerate(names)}
    lines = _header(attrs)
    for i, name in enumerate(names):
        count = len(layers[name])
        label = f"{_short(layers[name].label)}\n{count} task{'s' * (count != 1)}"
        fill = _fill(color, i, len(names), i)
        lines.append(_node(f"l{i}", fill, "rounded", label=label, shape="box", tooltip=name))
    for i, name in enumerate(names):
        lines.extend(f"  l{ids[d]} -> l{i};" for d in sorted(needed[name], key=ids.__getitem__))
    return "\n".join([*lines, "}"]) + "\n"


def _task_layers(graph: Graph, layer: Any) -> frozenset[str]:
    # A materialized layer may not declare the layers its tasks read: ask the tasks.
    tasks = getattr(layer, "tasks", None)
    if not isinstance(tasks, Mapping):
        return frozenset()
    read = {d for t in tasks.values() for d in t.dependencies}
    return frozenset(graph.layer_of(d).name for d in read) - {layer.name}


def _header(attrs: Mapping[str, Any]) -> list[str]:
    for name in attrs:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ChunkArrayValueError(f"visualize: {name!r} is not a Graphviz attribute name")
    graph = ", ".join(f"{k}={_quote(str(v))}" for k, v in attrs.items())
    return ["digraph chunkarray {", f"  graph [{graph}];", '  node [fontname="Helvetica"];']


def _key_label(key: Key) -> str:
    if type(key) is tuple:
        return f"{_short(key_prefix(str(key[0])))} #{','.join(map(str, key[1:]))}"
    return _short(key_prefix(str(key)))


def _short(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def _quote(text: str) -> str:
    """``text`` as a quoted DOT string shown literally (Graphviz reads ``\\`` escapes)."""
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    if not text.isprintable():
        text = "".join(c if c.isprintable() else " " for c in text)
    return f'"{text}"'


def _node(node_id: str, fill: str | None, style: str = "", **attrs: str) -> str:
    if fill is not None:
        style, attrs["fillcolor"] = f"{style},filled".lstrip(","), fill
    if style:
        attrs["style"] = style
    return f"  {node_id} [{', '.join(f'{k}={_quote(v)}' for k, v in attrs.items())}];"


def _fill(color: str | None, rank: int, ranks: int, layer: int) -> str | None:
    """A pastel ``#rrggbb``: blue to red by run order, or spread hues by layer."""
    if color is None:
        return None
    if color == "order":
        hue = 2 / 3 * (1 - rank / max(ranks - 1, 1))
    else:  # golden-ratio steps keep neighbouring layers apart
        hue = (layer * 0.618033988749895) % 1
    return "#" + "".join(f"{round(c * 255):02x}" for c in colorsys.hsv_to_rgb(hue, 0.45, 1.0))


def render(text: str, format: str) -> bytes:
    """``text`` rendered by ``dot -T<format>``; MissingDependencyError without Graphviz."""
    exe = shutil.which("dot")
    if exe is None:
        raise MissingDependencyError(
            f"visualize: writing {format!r} needs the program `dot` from Graphviz, which was "
            "not found on PATH. Install Graphviz with `apt-get install graphviz`, `conda "
            "install graphviz` or `brew install graphviz`; writing DOT text instead "
            "(filename='graph.dot' or format='dot') needs nothing."
        )
    args = [exe, f"-T{format}"]
    done = subprocess.run(args, input=text.encode("utf-8"), capture_output=True, check=False)
    if done.returncode != 0:
        raise RenderError(
            f"visualize: `dot -T{format}` failed ({done.returncode}): "
            f"{done.stderr.decode('utf-8', 'replace').strip()}"
        )
    return done.stdout


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file next to ``path``, then rename it into place."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
