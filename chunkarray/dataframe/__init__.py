"""Partitioned pandas dataframes: lazy DataFrame, Series and Index collections.

>>> import pandas as pd
>>> import chunkarray.dataframe as cad
>>> df = cad.from_pandas(pd.DataFrame({"k": list("abab"), "v": [1.0, 2.0, 3.0, 4.0]}),
...                      npartitions=2)
>>> df.groupby("k").v.sum().compute().to_dict()
{'a': 4.0, 'b': 6.0}
"""

from __future__ import annotations

from chunkarray.dataframe import persist as _persist  # noqa: F401 - persist(store=...) hook
from chunkarray.dataframe.combine import concat, merge
from chunkarray.dataframe.core import DataFrame, Index, Scalar, Series, new_collection
from chunkarray.dataframe.creation import from_array, from_delayed, from_pandas
from chunkarray.dataframe.io_csv import read_csv
from chunkarray.dataframe.io_parquet import read_parquet, to_parquet
from chunkarray.dataframe.io_write import to_csv
from chunkarray.dataframe.partitionwise import partitionwise

__all__ = [
    "DataFrame", "Index", "Scalar", "Series", "concat", "from_array", "from_delayed", "from_pandas",
    "map_partitions", "merge", "new_collection", "read_csv", "read_parquet", "to_csv", "to_parquet",
]


def map_partitions(func, *args, meta=None, **kwargs):  # type: ignore[no-untyped-def]
    """``func`` on partition i of every collection argument (see DataFrame.map_partitions).

    >>> import pandas as pd
    >>> a = from_pandas(pd.Series([1, 2, 3]), npartitions=2)
    >>> map_partitions(lambda s: s * 10, a).compute().tolist()
    [10, 20, 30]
    """
    from chunkarray.dataframe.partitionwise import INFER

    return partitionwise(func, *args, meta=INFER if meta is None else meta, verify=True,
                         where="map_partitions", **kwargs)
