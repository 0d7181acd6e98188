"""Meta: the empty pandas object that stands for a collection's partitions.

A collection knows its columns, dtypes and index type from ``meta`` without
computing. Operations infer the meta of their result by running the same pandas
code on the inputs' metas (:func:`infer_meta`); when pandas cannot run it on empty
objects (``apply(axis=1)`` of a function reading a row), it runs it on a one-row
stand-in instead (:func:`nonempty`) and keeps the empty slice of the answer.
Partitions computed by user functions are checked against the meta
(:func:`check_partition`), so a wrong ``meta=`` fails naming the partition and
both dtypes instead of giving wrong results later.

>>> import pandas as pd
>>> meta = pd.DataFrame({"x": pd.Series([], dtype="float64")})
>>> infer_meta(lambda df: df.x + 1, (meta,), {}, "map_partitions").dtype
dtype('float64')
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from chunkarray.errors import ChunkArrayTypeError, MetaMismatchError

PANDAS_TYPES = (pd.DataFrame, pd.Series, pd.Index)


def make_meta(value: Any, argument: str = "meta") -> Any:
    """``value`` as an empty pandas object: frames, series and indexes are sliced to
    zero rows; a dict ``{column: dtype}`` becomes an empty frame; a ``(name, dtype)``
    tuple an empty Series; a dtype an unnamed empty Series.

    >>> make_meta({"a": "int64", "b": "float64"}).dtypes.tolist()
    [dtype('int64'), dtype('float64')]
    >>> make_meta(("x", "float64"))
    Series([], Name: x, dtype: float64)
    """
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return value.iloc[:0]
    if isinstance(value, pd.Index):
        return value[:0]
    if isinstance(value, dict):
        return pd.DataFrame({k: pd.Series([], dtype=v) for k, v in value.items()})
    if isinstance(value, tuple) and len(value) == 2:
        return pd.Series([], dtype=value[1], name=value[0])
    try:
        return pd.Series([], dtype=value)
    except (TypeError, ValueError):
        raise ChunkArrayTypeError(
            f"{argument}: expected an empty pandas object, a dict of column dtypes, a "
            f"(name, dtype) tuple or a dtype, got {type(value).__name__} {value!r}"
        ) from None


def _fake_values(dtype: Any) -> Any:
    if isinstance(dtype, pd.CategoricalDtype):
        cats = dtype.categories
        value = cats[0] if len(cats) else "a"
        return pd.Categorical([value], categories=cats if len(cats) else ["a"])
    kind = getattr(dtype, "kind", "O")
    if kind == "M":
        return pd.Series([pd.Timestamp("2000-01-01")]).astype(dtype)
    if kind == "m":
        return pd.Series([pd.Timedelta(1, "s")]).astype(dtype)
    if kind in "biuf":
        return pd.Series([1]).astype(dtype)
    if kind == "c":
        return pd.Series([1 + 0j]).astype(dtype)
    try:
        return pd.Series(["a"]).astype(dtype)
    except (TypeError, ValueError):
        return pd.Series(["a"], dtype=object)


def _fake_index(index: pd.Index) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        levels = [_fake_index(index.get_level_values(i)) for i in range(index.nlevels)]
        return pd.MultiIndex.from_arrays(levels, names=index.names)
    return pd.Index(_array(_fake_values(index.dtype)), name=index.name)


def _array(values: Any) -> Any:
    return values.array if isinstance(values, pd.Series) else values


def nonempty(meta: Any) -> Any:
    """A one-row stand-in with ``meta``'s columns, dtypes and index type.

    >>> nonempty(pd.Series([], dtype="int64", name="a")).tolist()
    [1]
    """
    if isinstance(meta, pd.DataFrame):
        index = _fake_index(meta.index)
        cols = [pd.Series(_array(_fake_values(t)), index=index) for t in meta.dtypes]
        out = pd.concat(cols, axis=1) if cols else pd.DataFrame(index=index)
        out.columns = meta.columns
        return out
    if isinstance(meta, pd.Series):
        return pd.Series(_array(_fake_values(meta.dtype)), index=_fake_index(meta.index),
                         name=meta.name)
    if isinstance(meta, pd.Index):
        return _fake_index(meta)
    return meta


def infer_meta(func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
               where: str) -> Any:
    """The meta of ``func(*args, **kwargs)`` on metas: run on the empty objects, and
    if that fails, on one-row stand-ins (keeping zero rows of the result)."""
    try:
        with warnings.catch_warnings():
            # numbers of empty data (mean of nothing) are not what the meta is about
            warnings.simplefilter("ignore", RuntimeWarning)
            return as_meta(func(*args, **kwargs))
    except Exception as first:
        try:
            fake_args = tuple(nonempty(a) for a in args)
            fake_kwargs = {k: nonempty(v) for k, v in kwargs.items()}
            return as_meta(func(*fake_args, **fake_kwargs))
        except Exception:
            raise ChunkArrayTypeError(
                f"{where}: could not infer the result's meta by running the function on "
                f"empty data ({type(first).__name__}: {first}); pass meta= explicitly"
            ) from first


def as_meta(result: Any) -> Any:
    """A pandas result sliced to zero rows; a scalar becomes an empty Series of its dtype."""
    if isinstance(result, PANDAS_TYPES):
        return make_meta(result)
    return pd.Series([], dtype=np.asarray(result).dtype)


def describe_meta(obj: Any) -> str:
    """The dtypes of a pandas object, as text for error messages.

    >>> describe_meta(pd.DataFrame({"a": [1]}))
    'DataFrame {a: int64}'
    """
    if isinstance(obj, pd.DataFrame):
        cols = ", ".join(f"{c}: {t}" for c, t in obj.dtypes.items())
        return f"DataFrame {{{cols}}}"
    if isinstance(obj, pd.Series):
        return f"Series {obj.name!r} of dtype {obj.dtype}"
    if isinstance(obj, pd.Index):
        return f"Index of dtype {obj.dtype}"
    return type(obj).__name__


def is_compatible(result: Any, meta: Any) -> bool:
    """True if ``result`` has the type, columns and dtypes ``meta`` promises."""
    if isinstance(meta, pd.DataFrame):
        return (isinstance(result, pd.DataFrame) and list(result.columns) == list(meta.columns)
                and all(a == b for a, b in zip(result.dtypes, meta.dtypes)))
    if isinstance(meta, pd.Series):
        return isinstance(result, pd.Series) and result.dtype == meta.dtype
    if isinstance(meta, pd.Index):
        return isinstance(result, pd.Index) and result.dtype == meta.dtype
    return True


class PartitionCheck:
    """``func`` wrapped so that each partition's result is checked against ``meta``.

    Called as ``check(partition_number, *args, **kwargs)``.
    """

    __slots__ = ("func", "meta", "where", "__name__")

    def __init__(self, func: Callable[..., Any], meta: Any, where: str) -> None:
        self.func = func
        self.meta = meta
        self.where = where
        self.__name__ = getattr(func, "__name__", where)

    def __call__(self, number: int, *args: Any, **kwargs: Any) -> Any:
        result = self.func(*args, **kwargs)
        if isinstance(self.meta, pd.Series) and not isinstance(result, PANDAS_TYPES):
            result = pd.Series([result], dtype=self.meta.dtype, name=self.meta.name)
        check_partition(result, self.meta, number, self.where)
        return result

    def __chunkarray_tokenize__(self) -> Any:
        return ("PartitionCheck", self.func, self.where)


def check_partition(result: Any, meta: Any, number: int, where: str) -> None:
    """Raise MetaMismatchError if partition ``number`` disagrees with ``meta``."""
    if not is_compatible(result, meta):
        raise MetaMismatchError(
            f"{where}: partition {number} returned {describe_meta(result)} but the meta "
            f"says {describe_meta(meta)}; pass a matching meta= (or leave it out to infer it)"
        )
