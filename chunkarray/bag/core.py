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
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from chunkarray import base
from chunkarray.bag.partition import Pipeline
from chunkarray.errors import ChunkArrayTypeError, ChunkArrayValueError
from chunkarray.graph.blockwise import Blockwise
from chunkarray.graph.graph import Graph
from chunkarray.graph.keys import key_prefix
from chunkarray.graph.layer import Layer, MaterializedLayer
from chunkarray.graph.reduction import PartialReduce, reduced_numblocks
from chunkarray.runtime.memory import held_task
from chunkarray.tokenize import name as make_name
from chunkarray.typing import Key

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


# -- building blocks shared by the operation modules --

def check_bag(value: Any, function: str, argument: str = "bag") -> Bag:
    """``value`` if it is a Bag; a TypeError naming ``function`` and ``argument`` if not."""
    if not isinstance(value, Bag):
        raise ChunkArrayTypeError(
            f"{function}: {argument} must be a chunkarray Bag, got {type(value).__name__}"
        )
    return value


def check_npartitions(value: Any, function: str, argument: str = "npartitions") -> int:
    """A partition count >= 1, or an error naming the function and argument."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ChunkArrayTypeError(f"{function}: {argument} must be an int >= 1, got {value!r}")
    if value < 1:
        raise ChunkArrayValueError(f"{function}: {argument} must be >= 1, got {value}")
    return value


class Stem(NamedTuple):
    """A pipeline layer's parts: what an element step needs to extend it."""

    pipeline: Pipeline
    inputs: tuple[tuple[Any, str | None], ...]
    numblocks: dict[str, tuple[int, ...]]
    parents: tuple[Graph, ...]


def stepwise(prefix: str, bag: Bag, step: Any = None, terminal: Callable[[Any], Any] | None
             = None, whole: bool = False, token: Any = ()) -> Bag:
    """``bag`` followed by an element ``step`` and/or a ``terminal`` step, as one layer.

    If ``bag``'s own layer is an open pipeline, the new layer extends it (reading
    the same inputs), so the chain streams element by element in one task;
    otherwise the new pipeline reads ``bag``'s partitions.
    """
    stem = bag._stem
    if stem is not None and stem.pipeline.is_open:
        pipeline = stem.pipeline.then(step, terminal, whole)
        inputs, numblocks, parents = stem.inputs, stem.numblocks, stem.parents
    else:
        pipeline = Pipeline(None, () if step is None else (step,), terminal, whole)
        inputs = ((bag.name, "i"),)
        numblocks, parents = {bag.name: (bag.npartitions,)}, (bag.graph,)
    return pipeline_bag(prefix, pipeline, inputs, numblocks, parents, bag.npartitions, token)


def pipeline_bag(prefix: str, pipeline: Pipeline, inputs: Sequence[tuple[Any, str | None]],
                 numblocks: dict[str, tuple[int, ...]], parents: Sequence[Graph],
                 npartitions: int, token: Any = ()) -> Bag:
    """A Bag whose layer is one Blockwise running ``pipeline`` per partition."""
    inputs = tuple(inputs)
    name = make_name(prefix, pipeline, inputs, token)
    layer = Blockwise(name, "i", pipeline, inputs, numblocks)
    stem = Stem(pipeline, inputs, numblocks, tuple(parents))
    return Bag(Graph.from_layer(layer, *parents), name, npartitions, stem)


def new_bag(layer: Layer, npartitions: int, *parents: Graph) -> Bag:
    """A Bag over ``layer`` (keys ``(layer.name, i)``) on top of ``parents``."""
    return Bag(Graph.from_layer(layer, *parents), layer.name, npartitions)


def partitionwise(prefix: str, func: Callable[..., Any], bags: Sequence[Bag],
                  extra: Sequence[Any] = (), token: Any = (),
                  graphs: Sequence[Graph] = ()) -> Bag:
    """A 1-d Blockwise bag: partition ``i`` is ``func(bag0[i], bag1[i], ..., *extra)``.

    ``extra`` are literal arguments (they may hold Refs, then ``graphs`` hold them).
    """
    n = bags[0].npartitions
    for b in bags[1:]:
        if b.npartitions != n:
            raise ChunkArrayValueError(
                f"{prefix}: bags must have the same number of partitions, got {n} and "
                f"{b.npartitions}; use repartition first"
            )
    name = make_name(prefix, func, [b.name for b in bags], token)
    inputs = [(b.name, "i") for b in bags] + [(v, None) for v in extra]
    layer = Blockwise(name, "i", func, inputs, {b.name: (n,) for b in bags})
    return new_bag(layer, n, *(b.graph for b in bags), *graphs)


def tree_reduce(bag: Bag, perpartition: Callable[[Any], Any],
                combine: Callable[[list[Any]], Any], finish: Callable[[list[Any]], Any],
                prefix: str, token: Any = (), split_every: Any = None,
                out_type: str = "item", whole: bool = False) -> Any:
    """Reduce ``bag`` as a tree: ``perpartition`` per partition (a Blockwise layer that
    fuses with the work before it), ``combine`` over groups of ``split_every`` partials,
    and ``finish`` over the last group. ``out_type`` is ``"item"`` or ``"bag"`` (one
    partition holding ``finish``'s list). ``perpartition`` receives a lazy iterable
    of the elements, or a list if ``whole``."""
    split = parse_split_every(split_every, prefix)
    chunk = stepwise(f"{prefix}-chunk", bag, terminal=perpartition, whole=whole, token=token)
    graph, prev, numblocks, level = chunk.graph, chunk.name, (bag.npartitions,), 0
    while numblocks[0] > split:
        level += 1
        part = make_name(f"{prefix}-partial", chunk.name, combine, split, level)
        graph = Graph.from_layer(PartialReduce(part, prev, numblocks, {0: split}, combine), graph)
        numblocks, prev = reduced_numblocks(numblocks, {0: split}), part
    out = make_name(f"{prefix}-aggregate", chunk.name, finish, split)
    top = PartialReduce(out, prev, numblocks, {0: numblocks[0]}, finish)
    graph = Graph.from_layer(top, graph)
    return Item(graph, out) if out_type == "item" else Bag(graph, out, 1)


def parse_split_every(split_every: Any, function: str) -> int:
    """Partials combined per tree step: an int >= 2, or the ``split_every`` setting."""
    if split_every is None:
        from chunkarray import config

        return int(config.get("split_every"))
    if isinstance(split_every, bool) or not isinstance(split_every, int):
        raise ChunkArrayTypeError(
            f"{function}: split_every must be an int >= 2 or None, got {split_every!r}"
        )
    if split_every < 2:
        raise ChunkArrayValueError(f"{function}: split_every must be >= 2, got {split_every}")
    return split_every
