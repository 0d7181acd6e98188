"""Notebook reprs: Array and Delayed ``_repr_html_`` (metadata only, nothing computed)."""

from __future__ import annotations

import html
import math
import re
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import chunkarray as ca
import chunkarray.array as caa
from chunkarray.array.svg import MAX_LINES, chunk_grid_svg
from chunkarray.sizes import format_bytes
from chunkarray.testing.strategies import chunks_for, shapes

LINE = re.compile(r'<line x1="([\d.]+)" y1="([\d.]+)" x2="([\d.]+)" y2="([\d.]+)"')
ROW = re.compile(r"<tr><th>(\w+)</th><td>(.*?)</td><td>(.*?)</td></tr>")
SINGLE = re.compile(r"<tr><th>(\w+)</th><td colspan='2'>(.*?)</td></tr>")


def table(text: str) -> dict[str, Any]:
    rows: dict[str, Any] = {k: (html.unescape(a), html.unescape(b)) for k, a, b in
                            ROW.findall(text)}
    rows.update({k: html.unescape(v) for k, v in SINGLE.findall(text)})
    return rows


def never_computed(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("a repr computed something")


@given(st.data())
def test_array_html_describes_the_array(data: st.DataObject) -> None:
    shape = data.draw(shapes(min_dims=1, max_dims=3, max_side=12))
    chunks = data.draw(chunks_for(shape, max_blocks=5))
    dtype = data.draw(st.sampled_from(["f8", "i2", "bool", "c8"]))
    x = caa.from_array(np.zeros(shape, dtype=dtype), chunks=chunks) + 1
    text = x._repr_html_()
    rows = table(text)
    assert x.dtype == (np.zeros(1, dtype) + 1).dtype
    biggest = math.prod(max(c) for c in chunks) * x.dtype.itemsize
    assert rows["Bytes"] == (format_bytes(math.prod(shape) * x.dtype.itemsize),
                             format_bytes(biggest))
    assert rows["Shape"] == (str(shape), str(tuple(max(c) for c in chunks)))
    assert rows["Chunks"] == str(math.prod(len(c) for c in chunks))
    assert rows["Tasks"] == f"{len(x.graph)} in {len(x.graph.layers)} layers"
    assert rows["Type"] == f"{x.dtype} numpy.ndarray"
    lines = LINE.findall(text)
    vertical = [ln for ln in lines if ln[0] == ln[2]]
    horizontal = [ln for ln in lines if ln[1] == ln[3]]
    assert len(vertical) == len(chunks[-1]) + 1
    assert len(horizontal) == (len(chunks[-2]) + 1 if len(shape) >= 2 else 0)
    assert text.count("<svg") == 1


def test_many_chunks_are_shaded_and_unknown_sizes_are_not_drawn() -> None:
    many = caa.ones((10, 1000), chunks=(5, 5))
    svg = chunk_grid_svg(many.chunks)
    assert len(many.chunks[1]) > MAX_LINES and svg.count("<line") == 3  # the rows only
    x = caa.from_array(np.arange(10.0), chunks=3)
    masked = x[x > 4]
    text = masked._repr_html_()
    assert "<svg" not in text and table(text)["Bytes"][0] == "unknown"
    assert caa.from_array(np.float64(3.0))._repr_html_().count("<svg") == 0


def test_reprs_compute_nothing(monkeypatch: Any) -> None:
    x = caa.random.default_rng(0).standard_normal((50, 50), chunks=10).sum(axis=0)
    d = ca.delayed(sum)([1, 2])
    monkeypatch.setattr("chunkarray.runtime.scheduler.run", never_computed)
    monkeypatch.setattr("chunkarray.base.run", never_computed)
    assert "<svg" in x._repr_html_()
    assert "Delayed" in d._repr_html_()


def test_delayed_html_counts_tasks_per_name() -> None:
    @ca.delayed
    def lazy_exponent(x: int, y: int) -> int:
        return x**y

    x = lazy_exponent(4, 5)
    z = x * lazy_exponent(x, 2)
    text = z._repr_html_()
    assert f"<code>{html.escape(repr(z.key))}</code>: 3 tasks in 3 layers" in text
    cells = re.findall(r"<tr><td><code>(.*?)</code></td><td>(\d+)</td></tr>", text)
    assert dict(cells) == {"lazy_exponent": "2", "mul": "1"}
    assert z.compute() == 4**5 * (4**5) ** 2
