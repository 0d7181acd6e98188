"""Bags to dataframes: ``to_dataframe`` builds one pandas partition per bag partition.

The frame is built by the terminal step of the bag's pipeline (so reading, mapping
and building the frame are one task per partition) and wrapped by
:func:`chunkarray.dataframe.core.new_collection`. Divisions are unknown; each
partition's index starts at 0, as in Dask.

>>> import chunkarray.bag as cab
>>> b = cab.from_sequence([{"a": 1, "b": 2.5}, {"a": 3, "b": 4.0}], npartitions=2)
>>> df = b.to_dataframe()
>>> df.npartitions, df.compute().to_dict("list")
(2, {'a': [1, 3], 'b': [2.5, 4.0]})
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from chunkarray.bag.core import Bag
from chunkarray.bag.layers import check_bag, stepwise
from chunkarray.errors import ChunkArrayValueError

__all__ = ["to_dataframe"]


class ToFrame:
    """One partition's elements as a pandas object shaped like ``meta``."""

    __name__ = "to_dataframe"

    def __init__(self, meta: Any) -> None:
        self.meta = meta

    def __reduce__(self) -> Any:
        return (ToFrame, (self.meta,))

    def __chunkarray_tokenize__(self) -> Any:
        return ("ToFrame", self.meta)

    def __call__(self, part: Iterable[Any]) -> Any:
        import pandas as pd

        rows = part if type(part) is list else list(part)
        meta = self.meta
        if isinstance(meta, pd.Series):
            return pd.Series(rows, name=meta.name, dtype=meta.dtype)
        columns = list(meta.columns)
        if rows and not isinstance(rows[0], dict):
            frame = pd.DataFrame.from_records(rows, columns=columns)
        else:
            frame = pd.DataFrame(rows, columns=columns)
        return frame.astype(meta.dtypes.to_dict()) if len(columns) else frame


def _infer_meta(bag: Bag, columns: Sequence[str] | None) -> Any:
    import pandas as pd

    first = bag.take(1, npartitions=-1, warn=False)
    if not first:
        raise ChunkArrayValueError(
            "to_dataframe: the bag is empty, so meta cannot be inferred; pass meta="
        )
    (row,) = first
    if isinstance(row, dict):
        sample = pd.DataFrame([row], columns=columns)
    elif isinstance(row, (tuple, list)):
        sample = pd.DataFrame.from_records([row], columns=columns)
    else:
        return pd.Series([row]).iloc[:0]
    return sample.iloc[:0]


def to_dataframe(bag: Bag, meta: Any = None, columns: Sequence[str] | None = None) -> Any:
    """A chunkarray DataFrame (or Series) with one partition per bag partition.

    Parameters
    ----------
    meta : pandas object, dict of dtypes, or (name, dtype), optional
        The columns and dtypes of the result; inferred from the first element if
        not given (which computes the bag up to its first element).
    columns : list of str, optional
        Column names for tuple elements, when ``meta`` is not given.

    Elements that are dicts become rows by key, tuples and lists by position; other
    elements make a Series.

    Examples
    --------
    >>> import chunkarray.bag as cab
    >>> b = cab.from_sequence([(1, "x"), (2, "y")])
    >>> b.to_dataframe(columns=["n", "s"]).compute()
       n  s
    0  1  x
    0  2  y
    """
    from chunkarray.dataframe.core import new_collection
    from chunkarray.dataframe.meta import make_meta

    check_bag(bag, "to_dataframe")
    meta = _infer_meta(bag, columns) if meta is None else make_meta(meta, "to_dataframe: meta")
    frames = stepwise("to_dataframe", bag, terminal=ToFrame(meta), whole=True)
    return new_collection(frames.graph, frames.name, meta, (None,) * (bag.npartitions + 1))
