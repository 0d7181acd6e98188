"""The profile plot: a self-contained HTML page with inline SVG drawn by our own code.

Two panels over one time axis: tasks per worker (a bar per task, coloured by its
key's readable prefix, its key and duration in a tooltip) and memory (resident
memory, memory manager's managed bytes, spilled bytes so far) against the memory
limit, with CPU use below. SVG is written here directly rather than through
bokeh or matplotlib: the picture needs only rectangles, polylines and text, the
file opens in any browser with nothing else installed, and a large optional
dependency is avoided (see docs/diagnostics.md).
"""

from __future__ import annotations

import colorsys
import html
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from chunkarray.diagnostics.profile import Profiler, TaskRecord
from chunkarray.diagnostics.resource import ResourceProfiler, ResourceSample
from chunkarray.graph.keys import key_name, key_prefix
from chunkarray.sizes import format_bytes
from chunkarray.storage.atomic import atomic_file

__all__ = ["profile_html", "write_profile"]

WIDTH, LEFT, RIGHT = 960, 80, 20
MAX_BARS = 20_000  # beyond this the page gets slow to open: the shortest tasks are left out
_LINES = (("rss_bytes", "resident memory", "#1f77b4"),
          ("anonymous_bytes", "resident, without mapped files", "#17becf"),
          ("managed_bytes", "managed by chunkarray", "#2ca02c"),
          ("spilled_bytes", "spilled so far", "#ff7f0e"))


def write_profile(filename: str | os.PathLike[str], profiler: Any = None, resources: Any = None,
                  title: str = "chunkarray profile") -> Path:
    """Write the profile plot of ``profiler`` and ``resources`` to an HTML file.

    Parameters
    ----------
    filename : str or path
        The HTML file to write (atomically: under a temporary name, then renamed).
    profiler : Profiler or list of TaskRecord, optional
    resources : ResourceProfiler or list of ResourceSample, optional
    title : str

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import os, tempfile
    >>> import chunkarray as ca
    >>> with Profiler() as prof, ResourceProfiler(dt=0.01) as rprof:
    ...     ca.compute(ca.delayed(sum, pure=True)([1, 2]))
    (3,)
    >>> path = write_profile(os.path.join(tempfile.mkdtemp(), "p.html"), prof, rprof)
    >>> "sum-" in path.read_text()
    True
    """
    text = profile_html(profiler, resources, title)
    path = Path(os.fspath(filename))
    with atomic_file(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
    return path


def profile_html(profiler: Any = None, resources: Any = None,
                 title: str = "chunkarray profile") -> str:
    """The profile plot as one HTML page (see :func:`write_profile`).

    >>> profile_html().startswith("<!DOCTYPE html>")
    True
    """
    tasks: list[TaskRecord] = _records(profiler, Profiler)
    samples: list[ResourceSample] = _records(resources, ResourceProfiler)
    times = [r.start for r in tasks] + [r.end for r in tasks] + [s.time for s in samples]
    t0, t1 = (min(times), max(times)) if times else (0.0, 1.0)
    scale = _Scale(t0, max(t1, t0 + 1e-6))
    parts = [f"<h1>{html.escape(title)}</h1>", _summary(tasks, samples, scale)]
    if tasks:
        parts.append(task_svg(tasks, scale))
    if samples:
        parts.append(memory_svg(samples, scale))
        parts.append(cpu_svg(samples, scale))
    body = "\n".join(parts)
    return (f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>{html.escape(title)}"
            "</title><style>body{font-family:Helvetica,Arial,sans-serif;margin:20px}"
            "svg text{font-size:11px}</style></head>\n<body>\n" + body + "\n</body></html>\n")


def _records(source: Any, kind: type) -> list[Any]:
    if source is None:
        return []
    if isinstance(source, kind):
        return list(source.results)  # type: ignore[attr-defined]
    return list(source)


class _Scale:
    """Seconds since the first event -> x pixels."""

    def __init__(self, t0: float, t1: float) -> None:
        self.t0, self.span = t0, t1 - t0

    def x(self, t: float) -> float:
        return LEFT + (t - self.t0) / self.span * (WIDTH - LEFT - RIGHT)


def _summary(tasks: Sequence[TaskRecord], samples: Sequence[ResourceSample],
             scale: _Scale) -> str:
    items = [f"{scale.span:.3f} s"]
    if tasks:
        workers = len({r.worker for r in tasks})
        items.append(f"{len(tasks)} tasks on {workers} worker{'s' * (workers != 1)}")
    if samples:
        items.append(f"peak resident memory {format_bytes(max(s.rss_bytes for s in samples))} "
                     f"({format_bytes(max(s.anonymous_bytes for s in samples))} without "
                     f"memory-mapped files)")
        items.append(f"peak managed {format_bytes(max(s.managed_bytes for s in samples))} of "
                     f"memory_limit {format_bytes(samples[-1].memory_limit)}")
    return f"<p>{html.escape(', '.join(items))}</p>"


def _color(prefix: str, palette: dict[str, str]) -> str:
    if prefix not in palette:  # golden-ratio hue steps keep neighbouring names apart
        hue = (len(palette) * 0.618033988749895) % 1
        rgb = colorsys.hsv_to_rgb(hue, 0.55, 0.9)
        palette[prefix] = "#" + "".join(f"{round(c * 255):02x}" for c in rgb)
    return palette[prefix]


def _prefix(key: Any) -> str:
    return key_prefix(str(key_name(key)))


def task_svg(tasks: Sequence[TaskRecord], scale: _Scale) -> str:
    """Tasks per worker over time: one row per worker, one bar per task."""
    drawn = sorted(tasks, key=lambda r: r.end - r.start, reverse=True)[:MAX_BARS]
    workers = sorted({r.worker for r in tasks})
    row = {w: i for i, w in enumerate(workers)}
    height, top = 22 * len(workers) + 40, 10
    palette: dict[str, str] = {}
    out = [f'<h2>Tasks per worker</h2>\n<svg xmlns="http://www.w3.org/2000/svg" '
           f'width="{WIDTH}" height="{height}" class="tasks">']
    for w in workers:
        out.append(f'<text x="{LEFT - 6}" y="{top + 22 * row[w] + 14}" '
                   f'text-anchor="end">worker {w}</text>')
    for r in drawn:
        x0, x1 = scale.x(r.start), scale.x(r.end)
        tip = f"{r.key!r}: {(r.end - r.start) * 1e3:.3f} ms on worker {r.worker}"
        out.append(f'<rect x="{x0:.2f}" y="{top + 22 * row[r.worker]}" '
                   f'width="{max(x1 - x0, 0.5):.2f}" height="18" '
                   f'fill="{_color(_prefix(r.key), palette)}">'
                   f'<title>{html.escape(tip)}</title></rect>')
    out.extend(_time_axis(scale, top + 22 * len(workers) + 4))
    out.append("</svg>")
    if len(drawn) < len(tasks):
        out.append(f"<p>{len(tasks) - len(drawn)} shortest tasks not drawn.</p>")
    out.append(_legend(palette))
    return "\n".join(out)


def _legend(palette: dict[str, str]) -> str:
    items = [f'<span style="margin-right:14px"><span style="display:inline-block;width:10px;'
             f'height:10px;background:{c}"></span> {html.escape(p)}</span>'
             for p, c in palette.items()]
    return f"<p>{''.join(items)}</p>"


def _time_axis(scale: _Scale, y: float) -> list[str]:
    out = [f'<line x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}" stroke="#444"/>']
    for t in nice_ticks(scale.span):
        x = scale.x(scale.t0 + t)
        out.append(f'<line x1="{x:.2f}" y1="{y}" x2="{x:.2f}" y2="{y + 4}" stroke="#444"/>')
        out.append(f'<text x="{x:.2f}" y="{y + 16}" text-anchor="middle">{t:g} s</text>')
    return out


def nice_ticks(span: float, count: int = 6) -> list[float]:
    """Round tick values from 0 to ``span``: steps of 1, 2 or 5 times a power of ten.

    >>> nice_ticks(10)
    [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
    """
    if span <= 0:
        return [0.0]
    raw = span / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return [float(round(i * step, 12)) for i in range(int(span / step + 1e-9) + 1)]


def memory_svg(samples: Sequence[ResourceSample], scale: _Scale) -> str:
    """Memory over time against the memory limit."""
    limit = samples[-1].memory_limit
    top_value = max(limit, *(getattr(s, f) for s in samples for f, _, _ in _LINES)) * 1.08
    height, plot = 260, 220
    out = [f'<h2>Memory</h2>\n<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" '
           f'height="{height}" class="memory">']
    y = (lambda v: 10 + plot * (1 - v / top_value))  # noqa: E731 - a local scale
    for value in nice_ticks(top_value):
        out.append(f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end">'
                   f'{html.escape(format_bytes(int(value)))}</text>')
    out.append(f'<line x1="{LEFT}" y1="{y(limit):.1f}" x2="{WIDTH - RIGHT}" y2="{y(limit):.1f}" '
               f'stroke="#d62728" stroke-dasharray="6,4"><title>memory_limit '
               f'{html.escape(format_bytes(limit))}</title></line>')
    for field, label, color in _LINES:
        points = " ".join(f"{scale.x(s.time):.1f},{y(getattr(s, field)):.1f}" for s in samples)
        out.append(f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="1.5">'
                   f'<title>{html.escape(label)}</title></polyline>')
    out.extend(_time_axis(scale, 10 + plot))
    out.append("</svg>")
    legend = [(label, color) for _, label, color in _LINES] + [("memory_limit", "#d62728")]
    out.append(_legend(dict(legend)))
    return "\n".join(out)


def cpu_svg(samples: Sequence[ResourceSample], scale: _Scale) -> str:
    """CPU use over time (100 % is one core busy)."""
    top_value = max(100.0, *(s.cpu_percent for s in samples)) * 1.08
    plot = 120
    y = (lambda v: 10 + plot * (1 - v / top_value))  # noqa: E731 - a local scale
    points = " ".join(f"{scale.x(s.time):.1f},{y(s.cpu_percent):.1f}" for s in samples)
    out = [f'<h2>CPU</h2>\n<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" '
           f'height="{plot + 40}" class="cpu">']
    for value in nice_ticks(top_value, 4):
        out.append(f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end">'
                   f'{value:g} %</text>')
    out.append(f'<polyline points="{points}" fill="none" stroke="#9467bd" stroke-width="1.5"/>')
    out.extend(_time_axis(scale, 10 + plot))
    out.append("</svg>")
    return "\n".join(out)
