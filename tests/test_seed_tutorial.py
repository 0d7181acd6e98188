"""Examples 1 and 2 of the seed tutorial, with ``dask`` replaced by ``chunkarray``."""

from __future__ import annotations

import contextlib
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


# -- Examples 3 and 4: dataframes -------------------------------------------------------

TASKS = re.compile(r"chunkarray Name: (\S+), (\d+) tasks$")


@contextlib.contextmanager
def _counting_runs():
    """The sizes of the runs started inside the block (a registered callback)."""
    from chunkarray.runtime import events

    class Runs:
        def __init__(self):
            self.totals = []

        def on_start(self, total):
            self.totals.append(total)

        def on_task_end(self, key, done, total):
            pass

        def on_finish(self, error):
            pass

    runs = Runs()
    events.register(runs)
    try:
        yield runs.totals
    finally:
        events.unregister(runs)


def _footer(collection) -> tuple[str, int]:
    match = TASKS.search(repr(collection))
    assert match is not None, repr(collection)
    return match.group(1), int(match.group(2))


@pytest.fixture(scope="module")
def month():
    """``chunkarray.datasets.timeseries()`` with the tutorial's defaults (and a seed)."""
    return chunkarray.datasets.timeseries(seed=2026)


@pytest.fixture(scope="module")
def month_pandas(month):
    return month.compute()


def test_example_3(month, month_pandas) -> None:
    import pandas as pd

    from chunkarray.datasets import NAMES

    df = month
    assert df.npartitions == 30
    assert list(df.columns) == ["name", "id", "x", "y"]
    text = repr(df)
    assert text.startswith("chunkarray DataFrame Structure:")
    assert "npartitions=30" in text
    with _counting_runs() as runs:
        df2 = df[df.y > 0]
        df3 = df2.groupby("name").x.std()
        text = repr(df3)
    assert runs == []  # lazy: building and printing ran nothing
    assert text.startswith("chunkarray Series Structure:\nnpartitions=1\n")
    assert "float64" in text.splitlines()[2]
    assert "Name: x, dtype: float64" in text
    operation, tasks = _footer(df3)
    assert operation == "std" and tasks == len(df3.graph) > 30

    computed_df = df3.compute()
    assert type(computed_df) is pd.Series
    assert computed_df.name == "x" and computed_df.index.name == "name"
    assert list(computed_df.index) == list(NAMES)
    expected = month_pandas[month_pandas.y > 0].groupby("name").x.std()
    pd.testing.assert_series_equal(computed_df, expected)
    assert abs(computed_df - 1 / 3**0.5).max() < 0.01  # uniform on [-1, 1): sd 0.577


def test_example_4(month) -> None:
    import pandas as pd

    df = month
    assert df.npartitions == 30
    df3 = df[df.y > 0].groupby("name").x.std()
    assert df3.npartitions == 1
    df4 = df3.repartition(npartitions=3)
    assert df4.npartitions == 3
    text = repr(df4)
    assert "npartitions=3" in text and text.count("...") == 3
    operation, tasks = _footer(df4)
    assert operation == "repartition" and tasks == _footer(df3)[1] + 3

    persisted = df4.persist()
    assert persisted.npartitions == 3
    assert _footer(persisted) == ("repartition", 3)
    assert "npartitions=3" in repr(persisted)
    result = persisted.compute()
    pd.testing.assert_series_equal(result, df4.compute())
    pd.testing.assert_series_equal(result, df3.compute())
    assert result.head().index.tolist() == ["Alice", "Bob", "Charlie", "Dan", "Edith"]
