"""DataFrame, Series and Index: lazy sequences of pandas partitions.

A collection is its graph, its name (partition i is the key ``(name, i)``), its
``meta`` (an empty pandas object with the partitions' columns, dtypes and index
type) and its ``divisions``: ``npartitions + 1`` index values such that partition
i holds the index values from ``divisions[i]`` up to ``divisions[i + 1]``
(exclusive, except for the last partition), or all ``None`` when unknown.
:func:`new_collection` picks the class from the type of ``meta``. Computing joins
the partitions into one pandas object; persisting keeps one task per partition.

>>> import pandas as pd
>>> from chunkarray.dataframe import from_pandas
>>> df = from_pandas(pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0]}), npartitions=2)
>>> df.npartitions, df.divisions, df.known_divisions
(2, (0, 2, 3), True)
>>> df.x.compute().tolist()
[1.0, 2.0, 3.0, 4.0]
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd

from chunkarray import base
from chunkarray.dataframe.accessors import AccessorMixin
from chunkarray.dataframe.frame_repr import frame_html, frame_repr
from chunkarray.dataframe.methods import FrameMethods, SeriesMethods
from chunkarray.dataframe.ops import OperatorMixin, ScalarOperatorMixin
from chunkarray.errors import ChunkArrayTypeError, ChunkArrayValueError
from chunkarray.graph.graph import Graph
from chunkarray.graph.keys import key_prefix
from chunkarray.graph.layer import MaterializedLayer
from chunkarray.runtime.memory import held_task
from chunkarray.typing import Key

__all__ = ["DataFrame", "Frame", "Index", "Scalar", "Series", "new_collection"]


class Frame(OperatorMixin, FrameMethods):
    """The shared part of DataFrame, Series and Index (see the module docstring)."""

    __slots__ = ("_graph", "_name", "_meta", "_divisions", "__weakref__")
    _pandas_type: type = object
    _kind = "Frame"

    def __init__(self, graph: Graph, name: str, meta: Any, divisions: tuple[Any, ...]) -> None:
        if not isinstance(meta, self._pandas_type):
            raise ChunkArrayTypeError(
                f"{type(self).__name__}: meta must be an empty pandas "
                f"{self._pandas_type.__name__}, got {type(meta).__name__}"
            )
        divisions = tuple(divisions)
        if len(divisions) < 2:
            raise ChunkArrayValueError(
                f"{type(self).__name__}: divisions must have npartitions + 1 >= 2 entries, "
                f"got {divisions!r}"
            )
        self._graph = graph
        self._name = name
        self._meta = meta
        self._divisions = divisions

    # -- metadata --
    @property
    def graph(self) -> Graph:
        return self._graph

    @property
    def meta(self) -> Any:
        """The empty pandas object describing every partition."""
        return self._meta

    @property
    def divisions(self) -> tuple[Any, ...]:
        return self._divisions

    @property
    def npartitions(self) -> int:
        return len(self._divisions) - 1

    @property
    def known_divisions(self) -> bool:
        return all(d is not None for d in self._divisions)

    @property
    def index(self) -> Index:
        """The index as a lazy Index collection."""
        from chunkarray.dataframe.partitionwise import partitionwise

        return partitionwise(_index_of, self, label="index")  # type: ignore[no-any-return]

    def __chunkarray_tokenize__(self) -> Any:
        return (self._kind, self._name)

    # -- the collection protocol --
    def __chunkarray_graph__(self) -> Graph:
        return self._graph

    def __chunkarray_keys__(self) -> list[Key]:
        return [(self._name, i) for i in range(self.npartitions)]

    def __chunkarray_finalize__(self, results: list[Any]) -> Any:
        return concat_partitions(results, self._meta)

    def __chunkarray_rebuild__(self, values: Mapping[Key, Any]) -> Any:
        layer = MaterializedLayer(self._name, {k: held_task(v) for k, v in values.items()})
        return new_collection(Graph.from_layer(layer), self._name, self._meta, self._divisions)

    compute = base.collection_method(base.compute)
    persist = base.collection_method(base.persist)

    def visualize(self, filename: str | None = None, **kwargs: Any) -> Any:
        """Draw this collection's task graph; see :func:`chunkarray.visualize`."""
        return base.visualize(self, filename=filename, **kwargs)

    def to_delayed(self) -> list[Any]:
        """One Delayed per partition, in order."""
        from chunkarray.delayed import Delayed

        return [Delayed(k, self._graph) for k in self.__chunkarray_keys__()]

    def __repr__(self) -> str:
        return frame_repr(self)

    def _repr_html_(self) -> str:
        return frame_html(self)

    @property
    def operation(self) -> str:
        """The readable name of the last operation (the output layer's prefix)."""
        return key_prefix(self._name)

    def __bool__(self) -> bool:
        raise ChunkArrayTypeError(
            f"the truth value of a chunkarray {self._kind} is ambiguous (and not known "
            f"until computed); use a.any(), a.all() or .compute()"
        )

    def __len__(self) -> int:
        from chunkarray.dataframe.reductions import length

        return int(length(self).compute())


class DataFrame(Frame):
    """A lazy pandas DataFrame split into partitions along the index."""

    __slots__ = ()
    _pandas_type = pd.DataFrame
    _kind = "DataFrame"

    @property
    def columns(self) -> pd.Index:
        return self._meta.columns

    @property
    def dtypes(self) -> pd.Series:
        return self._meta.dtypes

    @property
    def ndim(self) -> int:
        return 2

    def __getattr__(self, attr: str) -> Any:
        if not attr.startswith("_"):
            try:
                columns = object.__getattribute__(self, "_meta").columns
            except AttributeError:
                columns = ()
            if attr in columns:
                return self[attr]
        raise AttributeError(f"'DataFrame' object has no attribute {attr!r}")

    def __dir__(self) -> list[str]:
        extra = [c for c in self._meta.columns if isinstance(c, str) and c.isidentifier()]
        return sorted(set(super().__dir__()) | set(extra))

    def __getitem__(self, key: Any) -> Any:
        from chunkarray.dataframe.selection import getitem_frame

        return getitem_frame(self, key)

    def __setitem__(self, key: Any, value: Any) -> None:
        result = self.assign(**{key: value})
        self._graph, self._name = result._graph, result._name
        self._meta, self._divisions = result._meta, result._divisions

    def __iter__(self) -> Any:
        return iter(self._meta.columns)


class OneDimensional(Frame):
    """What Series and Index share: a name, one dtype, iteration partition by partition."""

    __slots__ = ()

    @property
    def name(self) -> Any:
        return self._meta.name

    @property
    def dtype(self) -> Any:
        return self._meta.dtype

    def __iter__(self) -> Iterator[Any]:
        return iterate_values(self)


class Series(OneDimensional, SeriesMethods, AccessorMixin):
    """A lazy pandas Series split into partitions along the index."""

    __slots__ = ()
    _pandas_type = pd.Series
    _kind = "Series"

    @property
    def ndim(self) -> int:
        return 1

    def __getitem__(self, key: Any) -> Any:
        from chunkarray.dataframe.selection import getitem_series

        return getitem_series(self, key)


class Index(OneDimensional):
    """A lazy pandas Index split into partitions."""

    __slots__ = ()
    _pandas_type = pd.Index
    _kind = "Index"


def iterate_values(frame: Frame) -> Iterator[Any]:
    """The values of a Series or Index, computing one partition at a time."""
    for part in frame.to_delayed():
        yield from part.compute()


class Scalar(ScalarOperatorMixin):
    """A lazy scalar: the result of a whole-collection reduction such as ``s.sum()``.

    ``meta`` is a value of the right type (the reduction of the empty meta).
    """

    __slots__ = ("_graph", "_name", "_meta", "__weakref__")

    def __init__(self, graph: Graph, name: str, meta: Any) -> None:
        self._graph = graph
        self._name = name
        self._meta = meta

    @property
    def dtype(self) -> Any:
        return getattr(self._meta, "dtype", np.asarray(self._meta).dtype)

    def __chunkarray_tokenize__(self) -> Any:
        return ("Scalar", self._name)

    def __chunkarray_graph__(self) -> Graph:
        return self._graph

    def __chunkarray_keys__(self) -> list[Key]:
        return [(self._name, 0)]

    def __chunkarray_finalize__(self, results: list[Any]) -> Any:
        return results[0]

    def __chunkarray_rebuild__(self, values: Mapping[Key, Any]) -> Scalar:
        layer = MaterializedLayer(self._name, {k: held_task(v) for k, v in values.items()})
        return Scalar(Graph.from_layer(layer), self._name, self._meta)

    compute = base.collection_method(base.compute)
    persist = base.collection_method(base.persist)

    def __repr__(self) -> str:
        return (f"chunkarray.Scalar<{key_prefix(self._name)}, dtype={self.dtype}, "
                f"tasks={len(self._graph)}>")

    def __bool__(self) -> bool:
        raise ChunkArrayTypeError(
            "the truth value of a chunkarray Scalar is not known until computed; "
            "call .compute() first"
        )

    def __float__(self) -> float:
        return float(self.compute())

    def __int__(self) -> int:
        return int(self.compute())


def _index_of(part: Any) -> Any:
    return part.index


def concat_partitions(parts: list[Any], meta: Any) -> Any:
    """Join computed partitions, in order, into one pandas object."""
    if len(parts) == 1:
        return parts[0]
    if isinstance(meta, pd.Index):
        return parts[0].append(list(parts[1:]))
    nonempty = [p for p in parts if len(p)] or parts[:1]
    if len(nonempty) == 1:
        return nonempty[0]
    return pd.concat(nonempty)


def new_collection(graph: Graph, name: str, meta: Any, divisions: tuple[Any, ...]) -> Any:
    """The collection over layer ``name`` of ``graph``, of the class ``meta`` calls for.

    Partition i is the key ``(name, i)``; ``npartitions == len(divisions) - 1``;
    unknown divisions are all ``None``. ``meta`` is an empty pandas DataFrame,
    Series or Index.

    >>> from chunkarray.graph.layer import MaterializedLayer
    >>> from chunkarray.graph.task import Literal
    >>> part = pd.Series([1, 2], name="a")
    >>> layer = MaterializedLayer("s", {("s", 0): Literal(part)})
    >>> s = new_collection(Graph.from_layer(layer), "s", part.iloc[:0], (None, None))
    >>> type(s).__name__, s.npartitions, s.compute().tolist()
    ('Series', 1, [1, 2])
    """
    if isinstance(meta, pd.DataFrame):
        return DataFrame(graph, name, meta, divisions)
    if isinstance(meta, pd.Series):
        return Series(graph, name, meta, divisions)
    if isinstance(meta, pd.Index):
        return Index(graph, name, meta, divisions)
    raise ChunkArrayTypeError(
        f"new_collection: meta must be an empty pandas DataFrame, Series or Index, got "
        f"{type(meta).__name__}"
    )
