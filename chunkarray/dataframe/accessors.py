"""The ``.str`` and ``.dt`` accessors of Series: pandas' accessors, partition-wise.

``s.str.upper()`` and ``s.dt.year`` run the pandas accessor on every partition;
methods are called with their arguments, properties are read. The result's meta
comes from the same call on the empty meta.

>>> import pandas as pd
>>> from chunkarray.dataframe import from_pandas
>>> s = from_pandas(pd.Series(["a", "bc", "def"]), npartitions=2)
>>> s.str.len().compute().tolist()
[1, 2, 3]
>>> t = from_pandas(pd.Series(pd.to_datetime(["2000-01-02", "2001-03-04"])), npartitions=1)
>>> t.dt.year.compute().tolist()
[2000, 2001]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def accessor_call(part: Any, accessor: str, attr: str, call: bool, args: tuple[Any, ...],
                  kwargs: dict[str, Any]) -> Any:
    """``part.<accessor>.<attr>`` (called with the arguments when ``call``)."""
    value = getattr(getattr(part, accessor), attr)
    return value(*args, **kwargs) if call else value


class Accessor:
    """A lazy ``.str`` / ``.dt`` of a Series."""

    __slots__ = ("_series", "_accessor")

    def __init__(self, series: Any, accessor: str) -> None:
        self._series = series
        self._accessor = accessor
        getattr(series.meta, accessor)  # pandas' own error for a wrong dtype

    def __dir__(self) -> list[str]:
        return dir(getattr(self._series.meta, self._accessor))

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("_"):
            raise AttributeError(attr)
        pandas_accessor = getattr(self._series.meta, self._accessor)
        member = getattr(type(pandas_accessor), attr, None)
        if member is None:
            raise AttributeError(
                f"'{self._accessor}' accessor has no attribute {attr!r}"
            )
        if isinstance(member, property) or not callable(member):
            return self._run(attr, False, (), {})
        return self._method(attr)

    def _method(self, attr: str) -> Callable[..., Any]:
        def method(*args: Any, **kwargs: Any) -> Any:
            return self._run(attr, True, args, kwargs)

        method.__name__ = attr
        return method

    def _run(self, attr: str, call: bool, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        from chunkarray.dataframe.partitionwise import partitionwise

        return partitionwise(accessor_call, self._series, self._accessor, attr, call, args,
                             kwargs, label=f"{self._accessor}-{attr}")


class AccessorMixin:
    """``.str`` and ``.dt`` for Series."""

    __slots__ = ()

    @property
    def str(self) -> Accessor:
        """String methods, partition-wise (pandas' ``Series.str``)."""
        return Accessor(self, "str")

    @property
    def dt(self) -> Accessor:
        """Datetime properties and methods, partition-wise (pandas' ``Series.dt``)."""
        return Accessor(self, "dt")
