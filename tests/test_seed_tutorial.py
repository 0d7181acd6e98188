"""Examples 1 and 2 of the seed tutorial, with ``dask`` replaced by ``chunkarray``."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import chunkarray


def exponent(x, y):
    """Define a basic function."""
    return x**y


@chunkarray.delayed
def lazy_exponent(x, y):
    """Define a lazily evaluating function"""
    return x**y


def test_example_1() -> None:
    assert exponent(4, 5) == 1024
    assert re.fullmatch(r"Delayed\('lazy_exponent-[0-9a-f]{32}'\)", repr(lazy_exponent(4, 5)))
    assert lazy_exponent(4, 5).compute() == 1024


def test_example_2(tmp_path: Path) -> None:
    x = lazy_exponent(4, 5)
    y = lazy_exponent(x, 2)
    z = x * y
    assert re.fullmatch(r"Delayed\('mul-[0-9a-f]{32}'\)", repr(z))
    assert z.compute() == 1073741824

    picture = z.visualize(rankdir="LR", filename=tmp_path / "z.dot")
    text = (tmp_path / "z.dot").read_text()
    assert text == picture.dot
    assert 'rankdir="LR"' in text
    assert "lazy_exponent" in text and "mul" in text
    calls = re.findall(r'\[label="(\w+)", shape="ellipse"', text)
    assert sorted(calls) == ["lazy_exponent", "lazy_exponent", "mul"]


@pytest.mark.skipif(
    shutil.which("dot") is None,
    reason="Graphviz's `dot` program is not installed (apt-get install graphviz)",
)
def test_example_2_picture(tmp_path: Path) -> None:
    x = lazy_exponent(4, 5)
    z = x * lazy_exponent(x, 2)
    z.visualize(rankdir="LR", filename=tmp_path / "z.svg")
    svg = (tmp_path / "z.svg").read_bytes()
    assert svg and b"<svg" in svg
