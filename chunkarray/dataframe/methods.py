"""The pandas-like methods of dataframe collections.

Partition-wise methods (``fillna``, ``astype``, ``isna``, ``where``, ...) come from
one factory that calls the pandas method of the same name on every partition;
the rest delegate to the module that implements them (reductions, groupby,
repartition, selection).

>>> import pandas as pd
>>> from chunkarray.dataframe import from_pandas
>>> df = from_pandas(pd.DataFrame({"x": [1.0, None, 3.0]}), npartitions=2)
>>> df.fillna(0).x.compute().tolist()
[1.0, 0.0, 3.0]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chunkarray.errors import ChunkArrayValueError


def call_method(part: Any, method: str, *args: Any, **kwargs: Any) -> Any:
    """``part.method(*args, **kwargs)``."""
    return getattr(part, method)(*args, **kwargs)


def _partition_method(method: str) -> Callable[..., Any]:
    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        from chunkarray.dataframe.partitionwise import partitionwise

        return partitionwise(call_method, self, method, *args, label=method, **kwargs)

    run.__name__ = method
    run.__doc__ = f"``{method}`` of every partition (see the pandas method)."
    return run


def _reduction(how: str) -> Callable[..., Any]:
    def run(self: Any, split_every: int | None = None, **kwargs: Any) -> Any:
        from chunkarray.dataframe.reductions import reduce

        return reduce(self, how, split_every=split_every, **kwargs)

    run.__name__ = how
    run.__doc__ = f"The {how} over every partition (a tree reduction; see pandas)."
    return run


class FrameMethods:
    """Methods shared by DataFrame and Series."""

    __slots__ = ()

    astype = _partition_method("astype")
    fillna = _partition_method("fillna")
    isna = _partition_method("isna")
    isnull = _partition_method("isnull")
    notna = _partition_method("notna")
    notnull = _partition_method("notnull")
    where = _partition_method("where")
    mask = _partition_method("mask")
    round = _partition_method("round")
    clip = _partition_method("clip")
    sum = _reduction("sum")
    mean = _reduction("mean")
    std = _reduction("std")
    var = _reduction("var")
    min = _reduction("min")
    max = _reduction("max")
    count = _reduction("count")
    prod = _reduction("prod")
    any = _reduction("any")
    all = _reduction("all")

    def map_partitions(self, func: Callable[..., Any], *args: Any, meta: Any = None,
                       **kwargs: Any) -> Any:
        """``func(partition, *args, **kwargs)`` for every partition.

        Collections among the arguments are aligned partition for partition. The
        result's meta is found by running ``func`` on the empty meta unless
        ``meta=`` gives it; every computed partition is checked against it.

        >>> import pandas as pd
        >>> from chunkarray.dataframe import from_pandas
        >>> df = from_pandas(pd.DataFrame({"x": [1, 2, 3]}), npartitions=2)
        >>> df.map_partitions(len).compute().tolist()
        [2, 1]
        """
        from chunkarray.dataframe.partitionwise import INFER, partitionwise

        return partitionwise(func, self, *args, meta=INFER if meta is None else meta,
                             verify=True, where="map_partitions", **kwargs)

    def dropna(self, *args: Any, **kwargs: Any) -> Any:
        """Drop rows with missing values in every partition (see pandas)."""
        from chunkarray.dataframe.partitionwise import partitionwise

        return partitionwise(call_method, self, "dropna", *args, label="dropna", **kwargs)

    def head(self, n: int = 5, npartitions: int = 1, compute: bool = True) -> Any:
        """The first ``n`` rows, read from the first ``npartitions`` partitions only.

        >>> import pandas as pd
        >>> from chunkarray.dataframe import from_pandas
        >>> from_pandas(pd.DataFrame({"a": range(6)}), npartitions=3).head(2).a.tolist()
        [0, 1]
        """
        from chunkarray.dataframe.selection import head

        return head(self, n, npartitions, compute)

    def tail(self, n: int = 5, compute: bool = True) -> Any:
        """The last ``n`` rows, read from the last partition only."""
        from chunkarray.dataframe.selection import tail

        return tail(self, n, compute)

    @property
    def partitions(self) -> Any:
        """Select partitions by number: ``df.partitions[0]``, ``df.partitions[2:5]``."""
        from chunkarray.dataframe.selection import PartitionIndexer

        return PartitionIndexer(self)

    @property
    def loc(self) -> Any:
        """Label-based selection; slices on known divisions read only the overlapping
        partitions."""
        from chunkarray.dataframe.selection import LocIndexer

        return LocIndexer(self)

    def repartition(self, npartitions: int | None = None, partition_size: Any = None,
                    divisions: Any = None) -> Any:
        """Fewer or more partitions with the same rows (see :mod:`.repartition`).

        >>> import pandas as pd
        >>> from chunkarray.dataframe import from_pandas
        >>> s = from_pandas(pd.Series(range(10)), npartitions=5)
        >>> s.repartition(npartitions=2).divisions
        (0, 4, 9)
        """
        from chunkarray.dataframe.repartition import repartition

        return repartition(self, npartitions=npartitions, partition_size=partition_size,
                           divisions=divisions)

    def reset_index(self, drop: bool = False) -> Any:
        """The index moved to a column (unless ``drop``) and replaced by 0 .. n - 1."""
        from chunkarray.dataframe.selection import reset_index

        return reset_index(self, drop)

    def nunique(self, split_every: int | None = None, dropna: bool = True) -> Any:
        """The number of distinct values (per column for a DataFrame)."""
        from chunkarray.dataframe.reductions import nunique

        return nunique(self, split_every=split_every, dropna=dropna)

    def drop_duplicates(self, subset: Any = None, split_every: int | None = None) -> Any:
        """The first of each distinct row (a tree reduction; one partition)."""
        from chunkarray.dataframe.reductions import drop_duplicates

        return drop_duplicates(self, subset, split_every)

    def describe(self, split_every: int | None = None) -> Any:
        """count, mean, std, min, quartiles, max of the numeric columns."""
        from chunkarray.dataframe.describe import describe

        return describe(self, split_every=split_every)

    def groupby(self, by: Any, sort: bool = True, dropna: bool = True) -> Any:
        """Group by columns or aligned Series; aggregate with ``agg`` or a method.

        >>> import pandas as pd
        >>> from chunkarray.dataframe import from_pandas
        >>> df = from_pandas(pd.DataFrame({"k": [1, 2, 1], "v": [1.0, 5.0, 3.0]}),
        ...                  npartitions=2)
        >>> df.groupby("k").v.mean().compute().to_dict()
        {1: 2.0, 2: 5.0}
        """
        from chunkarray.dataframe.groupby import GroupBy

        return GroupBy(self, by, sort=sort, dropna=dropna)

    def assign(self, **values: Any) -> Any:
        """New or replaced columns: scalars, aligned Series, or callables of the frame.

        >>> import pandas as pd
        >>> from chunkarray.dataframe import from_pandas
        >>> df = from_pandas(pd.DataFrame({"a": [1, 2]}), npartitions=1)
        >>> df.assign(b=df.a * 10, c=lambda d: d.a + 1).compute().values.tolist()
        [[1, 10, 2], [2, 20, 3]]
        """
        from chunkarray.dataframe.selection import assign

        return assign(self, values)

    def drop(self, labels: Any = None, axis: Any = 0, columns: Any = None,
             errors: str = "raise") -> Any:
        """Drop columns (``columns=`` or ``axis=1``) from every partition."""
        from chunkarray.dataframe.selection import drop

        return drop(self, labels, axis, columns, errors)

    def rename(self, *args: Any, **kwargs: Any) -> Any:
        """Rename columns (or a Series) in every partition (see pandas)."""
        from chunkarray.dataframe.partitionwise import partitionwise

        return partitionwise(call_method, self, "rename", *args, label="rename", **kwargs)

    def set_index(self, column: Any, drop: bool = True, sorted: bool = False,
                  npartitions: int | None = None, divisions: Any = None) -> Any:
        """Sort by ``column`` and make it the index, with known divisions (a shuffle;
        see :mod:`.shuffle`). ``sorted=True`` trusts that it is already sorted."""
        from chunkarray.dataframe.shuffle import set_index

        return set_index(self, column, drop=drop, sorted=sorted, npartitions=npartitions,
                         divisions=divisions)

    def merge(self, right: Any, on: Any = None, how: str = "inner",
              suffixes: tuple[str, str] = ("_x", "_y")) -> Any:
        """``pandas.merge`` on one column (see :func:`chunkarray.dataframe.merge`)."""
        from chunkarray.dataframe.combine import merge

        return merge(self, right, on=on, how=how, suffixes=suffixes)

    def join(self, other: Any, how: str = "left", suffixes: Any = None) -> Any:
        """Join columns of ``other`` on the index (aligned partition by partition)."""
        from chunkarray.dataframe.combine import join

        return join(self, other, how=how, suffixes=suffixes)

    def to_csv(self, path_or_glob: Any, **kwargs: Any) -> Any:
        """Write CSV files, one per partition (see :func:`chunkarray.dataframe.to_csv`)."""
        from chunkarray.dataframe.io_csv import to_csv

        return to_csv(self, path_or_glob, **kwargs)

    def to_parquet(self, path: Any, **kwargs: Any) -> Any:
        """Write a Parquet dataset (see :func:`chunkarray.dataframe.to_parquet`)."""
        from chunkarray.dataframe.io_parquet import to_parquet

        return to_parquet(self, path, **kwargs)

    def apply(self, func: Callable[..., Any], axis: Any = 0, meta: Any = None,
              args: tuple[Any, ...] = (), **kwargs: Any) -> Any:
        """``func`` on every row (``axis=1``; DataFrame) or value (Series).

        The meta comes from calling ``func`` on a one-row stand-in unless ``meta=``
        gives it; computed partitions are checked against it.

        >>> import pandas as pd
        >>> from chunkarray.dataframe import from_pandas
        >>> df = from_pandas(pd.DataFrame({"a": [1, 2], "b": [3, 4]}), npartitions=2)
        >>> df.apply(lambda row: row.a * row.b, axis=1).compute().tolist()
        [3, 8]
        """
        from chunkarray.dataframe.selection import apply

        return apply(self, func, axis, meta, args, kwargs)


class SeriesMethods:
    """Methods of Series only."""

    __slots__ = ()

    between = _partition_method("between")
    isin = _partition_method("isin")

    def map(self, arg: Any, na_action: Any = None, meta: Any = None) -> Any:
        """Map values through a function, dict or pandas Series, partition-wise."""
        from chunkarray.dataframe.selection import map_values

        return map_values(self, arg, na_action, meta)

    def unique(self, split_every: int | None = None) -> Any:
        """The distinct values in order of appearance, as a one-partition Series."""
        from chunkarray.dataframe.reductions import drop_duplicates

        return drop_duplicates(self, None, split_every, label="unique")

    def value_counts(self, sort: bool = True, ascending: bool = False, dropna: bool = True,
                     normalize: bool = False, split_every: int | None = None) -> Any:
        """Counts of distinct values (a tree reduction), most frequent first.

        >>> import pandas as pd
        >>> from chunkarray.dataframe import from_pandas
        >>> s = from_pandas(pd.Series(["a", "b", "a"]), npartitions=2)
        >>> s.value_counts().compute().to_dict()
        {'a': 2, 'b': 1}
        """
        from chunkarray.dataframe.reductions import value_counts

        return value_counts(self, sort=sort, ascending=ascending, dropna=dropna,
                            normalize=normalize, split_every=split_every)

    def to_frame(self, name: Any = None) -> Any:
        """The Series as a one-column DataFrame."""
        from chunkarray.dataframe.partitionwise import partitionwise

        args = () if name is None else (name,)
        return partitionwise(call_method, self, "to_frame", *args, label="to_frame")


def check_positive(value: Any, function: str, argument: str) -> int:
    """``value`` as an int >= 1; ValueError naming the function and argument."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ChunkArrayValueError(
            f"{function}: {argument} must be an int >= 1, got {value!r}"
        )
    return value
