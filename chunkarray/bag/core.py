"""The Bag collection: a list of Python objects cut into partitions, and Item.

A Bag is its graph, its name and its number of partitions; partition ``i`` is the
value of key ``(name, i)``, a Python list. Every operation adds one layer: 1-d
Blockwise layers for element-wise steps (``map``, ``filter``, ``flatten``, ...), so
that a chain of them runs as one task per partition, and tree reductions for
aggregations. An :class:`Item` is one lazy value (the result of ``sum``, ``count``,
...), key ``(name, 0)``.

>>> import chunkarray.bag as cab
>>> b = cab.from_sequence(range(10), npartitions=3)
>>> b
chunkarray.Bag<from_sequence, npartitions=3, tasks=3>
>>> b.map(lambda x: x * 2).filter(lambda x: x > 10).compute()
[12, 14, 16, 18]
>>> b.sum()
chunkarray.Item<sum-aggregate, tasks=7>
>>> b.sum().compute()
45
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from chunkarray import base
from chunkarray.errors import ChunkArrayTypeError
from chunkarray.graph.graph import Graph
from chunkarray.graph.keys import key_prefix
from chunkarray.graph.layer import MaterializedLayer
from chunkarray.runtime.memory import held_task
from chunkarray.typing import Key

if TYPE_CHECKING:
    from chunkarray.bag.layers import Stem

# The scheduler a bag computes with unless one is given or set (see docs/bags.md).
DEFAULT_SCHEDULER = "processes"


class Bag:
    """A lazy list of Python objects in partitions.

    Make one with :func:`~chunkarray.bag.from_sequence`, :func:`~chunkarray.bag.range`,
    :func:`~chunkarray.bag.read_text` or :func:`~chunkarray.bag.from_delayed`.

    Parameters
    ----------
    graph : Graph
        The graph computing the partitions.
    name : str
        The output layer; partition ``i`` is key ``(name, i)``.
    npartitions : int
    """

    __slots__ = ("_graph", "_name", "_npartitions", "_stem", "__weakref__")
    __chunkarray_scheduler__ = DEFAULT_SCHEDULER

    def __init__(self, graph: Graph, name: str, npartitions: int,
                 stem: Stem | None = None) -> None:
        self._graph = graph
        self._name = name
        self._npartitions = int(npartitions)
        # How this bag's own layer was made, when it is a pipeline that the next
        # element step may extend instead of adding a layer (see partition.py).
        self._stem = stem

    @property
    def graph(self) -> Graph:
        return self._graph

    @property
    def name(self) -> str:
        return self._name

    @property
    def key(self) -> str:
        return self._name

    @property
    def npartitions(self) -> int:
        return self._npartitions

    def __repr__(self) -> str:
        return (f"chunkarray.Bag<{key_prefix(self._name)}, npartitions={self._npartitions}, "
                f"tasks={len(self._graph)}>")

    def _repr_html_(self) -> str:
        rows = [("name", self._name), ("npartitions", self._npartitions),
                ("tasks", len(self._graph)), ("layers", len(self._graph.layers))]
        cells = "".join(f"<tr><th>{k}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
        return f"<table><caption>chunkarray.Bag</caption>{cells}</table>"

    def __chunkarray_tokenize__(self) -> Any:
        return ("Bag", self._name, self._npartitions)

    def __iter__(self) -> Any:
        return iter(self.compute())

    def __len__(self) -> int:
        raise ChunkArrayTypeError(
            "len() of a Bag is not known without computing it; use bag.count().compute()"
        )

    # -- the collection protocol --
    def __chunkarray_graph__(self) -> Graph:
        return self._graph

    def __chunkarray_keys__(self) -> list[Key]:
        return [(self._name, i) for i in range(self._npartitions)]

    def __chunkarray_finalize__(self, results: Sequence[Any]) -> list[Any]:
        if len(results) == 1 and type(results[0]) is list:
            return list(results[0])
        return list(itertools.chain.from_iterable(results))

    def __chunkarray_rebuild__(self, values: Mapping[Key, Any]) -> Bag:
        tasks = {k: held_task(v) for k, v in values.items()}
        return Bag(Graph.from_layer(MaterializedLayer(self._name, tasks)), self._name,
                   self._npartitions)

    compute = base.collection_method(base.compute)
    persist = base.collection_method(base.persist)

    def visualize(self, filename: str | None = None, **kwargs: Any) -> Any:
        """Draw this bag's task graph; see :func:`chunkarray.visualize`."""
        return base.visualize(self, filename=filename, **kwargs)

    @property
    def str(self) -> Any:
        """String methods applied to every element (``b.str.lower()``)."""
        from chunkarray.bag.text import StringAccessor

        return StringAccessor(self)


class Item:
    """One lazy value computed from a bag (the result of a reduction).

    >>> import chunkarray.bag as cab
    >>> cab.from_sequence([1, 2, 3]).count().compute()
    3
    """

    __slots__ = ("_graph", "_name", "__weakref__")
    __chunkarray_scheduler__ = DEFAULT_SCHEDULER

    def __init__(self, graph: Graph, name: str) -> None:
        self._graph = graph
        self._name = name

    @property
    def key(self) -> Key:
        return (self._name, 0)

    @property
    def name(self) -> str:
        return self._name

    def __repr__(self) -> str:
        return f"chunkarray.Item<{key_prefix(self._name)}, tasks={len(self._graph)}>"

    def __chunkarray_tokenize__(self) -> Any:
        return ("Item", self._name)

    def __chunkarray_graph__(self) -> Graph:
        return self._graph

    def __chunkarray_keys__(self) -> list[Key]:
        return [(self._name, 0)]

    def __chunkarray_finalize__(self, results: Sequence[Any]) -> Any:
        return results[0]

    def __chunkarray_rebuild__(self, values: Mapping[Key, Any]) -> Item:
        layer = MaterializedLayer(self._name, {self.key: held_task(values[self.key])})
        return Item(Graph.from_layer(layer), self._name)

    compute = base.collection_method(base.compute)
    persist = base.collection_method(base.persist)

    def visualize(self, filename: str | None = None, **kwargs: Any) -> Any:
        """Draw this value's task graph; see :func:`chunkarray.visualize`."""
        return base.visualize(self, filename=filename, **kwargs)

    def to_delayed(self) -> Any:
        """This value as a :class:`~chunkarray.Delayed`."""
        from chunkarray.delayed import Delayed

        return Delayed(self.key, self._graph)

    def __bool__(self) -> bool:
        raise ChunkArrayTypeError(
            "the truth value of an Item is not known until computed; call .compute() first"
        )
