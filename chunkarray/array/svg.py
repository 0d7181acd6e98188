"""The notebook repr of an Array: a table of sizes and counts beside its chunk grid in SVG.

The table gives the bytes and shape of the array and of its largest chunk, the
number of chunks, tasks and layers, and the dtype; only metadata is read.

The picture: one rectangle per array, with a line at every chunk boundary; the sides keep the
array's proportions within a ratio of 8 so long thin arrays stay visible. Arrays
of three or more dimensions show their last two axes with shadows behind for the
leading ones. Axes with more than ``MAX_LINES`` chunks are drawn shaded instead of
line by line. Unknown (``nan``) chunk sizes give no picture.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

from chunkarray.graph.keys import key_prefix
from chunkarray.sizes import format_bytes

__all__ = ["array_html", "chunk_grid_svg"]

MAX_LINES = 100
_RATIO = 8.0


def chunk_grid_svg(chunks: Sequence[Sequence[Any]], size: int = 160) -> str:
    """An ``<svg>`` of the chunk grid, or "" for 0-d arrays and unknown sizes.

    >>> svg = chunk_grid_svg(((2, 2), (3, 3, 3)))
    >>> svg.startswith("<svg") and svg.count("<line") == 3 + 4  # boundaries, ends included
    True
    """
    if not chunks or any(isinstance(c, float) and math.isnan(c) for cs in chunks for c in cs):
        return ""
    rows: Sequence[Any] = chunks[-2] if len(chunks) >= 2 else (1,)
    cols = chunks[-1]
    height_units, width_units = max(sum(rows), 1), max(sum(cols), 1)
    ratio = min(max(height_units / width_units, 1 / _RATIO), _RATIO)
    width, height = (size, size * ratio) if ratio <= 1 else (size / ratio, size)
    if len(chunks) == 1:
        height = min(height, 25.0)
    depth = 3 if len(chunks) >= 3 else 0
    pad = 10
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width + 2 * pad + 8 * depth:.0f}" '
             f'height="{height + 2 * pad + 8 * depth:.0f}" class="chunk-grid">']
    for i in range(depth, 0, -1):  # shadows for the leading axes
        parts.append(_rect(pad + 8 * i, pad + 8 * depth - 8 * i, width, height, "#e8e8e8"))
    x0, y0 = pad, pad + 8 * depth
    many = len(rows) > MAX_LINES or len(cols) > MAX_LINES
    parts.append(_rect(x0, y0, width, height, "#a9c7e8" if many else "#ecb172"))
    if len(cols) <= MAX_LINES:
        parts += [_line(x0 + width * f, y0, x0 + width * f, y0 + height) for f in _edges(cols)]
    if len(rows) <= MAX_LINES and len(chunks) >= 2:
        parts += [_line(x0, y0 + height * f, x0 + width, y0 + height * f) for f in _edges(rows)]
    parts.append("</svg>")
    return "".join(parts)


def _edges(sizes: Sequence[Any]) -> list[float]:
    """Boundary positions as fractions from 0 to 1, both ends included."""
    total = sum(sizes) or 1
    out, pos = [0.0], 0
    for s in sizes:
        pos += s
        out.append(pos / total)
    return out if len(out) > 1 else [0.0, 1.0]


def _rect(x: float, y: float, w: float, h: float, fill: str) -> str:
    return (f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{fill}" '
            f'stroke="none"/>')


def _line(x1: float, y1: float, x2: float, y2: float) -> str:
    return (f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#444" '
            f'stroke-width="1"/>')


def _bytes(n: Any) -> str:
    return "unknown" if isinstance(n, float) and math.isnan(n) else format_bytes(int(n))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def array_html(x: Any) -> str:
    """An HTML table (and SVG chunk grid) describing the Array ``x``.

    >>> import chunkarray.array as caa
    >>> text = array_html(caa.ones((4, 6), chunks=(2, 3)))
    >>> "<td>(4, 6)</td><td>(2, 3)</td>" in text and "<td colspan='2'>4</td>" in text
    True
    """
    chunk_nbytes = math.prod(x.chunksize) * x.dtype.itemsize
    pairs = [("Bytes", _bytes(x.nbytes), _bytes(chunk_nbytes)),
             ("Shape", str(x.shape), str(x.chunksize))]
    singles = [("Chunks", str(x.npartitions)),
               ("Tasks", f"{len(x.graph)} in {_plural(len(x.graph.layers), 'layer')}"),
               ("Type", f"{x.dtype} numpy.ndarray")]
    body = "".join(f"<tr><th>{name}</th><td>{html.escape(whole)}</td><td>{html.escape(chunk)}"
                   f"</td></tr>" for name, whole, chunk in pairs)
    body += "".join(f"<tr><th>{name}</th><td colspan='2'>{html.escape(value)}</td></tr>"
                    for name, value in singles)
    table = (f"<table><thead><tr><th><code>{html.escape(key_prefix(x.name))}</code></th>"
             f"<th>Array</th><th>Chunk</th></tr></thead><tbody>{body}</tbody></table>")
    return (f'<table class="chunkarray-array"><tr><td style="vertical-align:top">{table}</td>'
            f'<td style="vertical-align:middle">{chunk_grid_svg(x.chunks)}</td></tr></table>')
