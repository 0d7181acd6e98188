"""The layers behind bag operations: pipelines, 1-d Blockwise, tree reductions.

``stepwise`` adds an element step (or a terminal step) to a bag: when the bag's
own layer is an open pipeline (see :mod:`chunkarray.bag.partition`) the new layer
extends it, reading the same inputs, so a chain of steps streams in one task per
partition; ``partitionwise`` is the general 1-d Blockwise over several bags;
``tree_reduce`` is a per-partition Blockwise (itself a pipeline step) followed by
:class:`~chunkarray.graph.reduction.PartialReduce` levels.

>>> import chunkarray.bag as cab
>>> b = cab.from_sequence(range(6), npartitions=2).map(str).filter(lambda s: s != "3")
>>> len(b.graph.layers)  # from_sequence and one pipeline of map and filter
2
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from chunkarray.bag.core import Bag, Item
from chunkarray.bag.partition import Pipeline
from chunkarray.errors import ChunkArrayTypeError, ChunkArrayValueError
from chunkarray.graph.blockwise import Blockwise
from chunkarray.graph.graph import Graph
from chunkarray.graph.layer import Layer
from chunkarray.graph.reduction import PartialReduce, reduced_numblocks
from chunkarray.tokenize import name as make_name


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
