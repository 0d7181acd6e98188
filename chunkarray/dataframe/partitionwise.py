"""Partition-wise work: one 1-d Blockwise layer, partition i from partitions i.

Every per-partition operation (column access, filters, arithmetic, ``assign``,
``map_partitions``, accessors) is :func:`partitionwise`, so chains of them fuse
into one task per partition at compute time. Collection arguments must be
aligned: the same number of partitions and the same divisions (both unknown
counts as the same); anything else raises at graph-build time. A one-partition
Scalar (a reduction's result) is broadcast to every partition.

>>> import pandas as pd
>>> from chunkarray.dataframe import from_pandas
>>> df = from_pandas(pd.DataFrame({"x": range(6)}), npartitions=2)
>>> partitionwise(lambda p: p.x * 2, df, label="double").compute().tolist()
[0, 2, 4, 6, 8, 10]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chunkarray.dataframe.core import Frame, Scalar, new_collection
from chunkarray.dataframe.meta import PartitionCheck, infer_meta, make_meta
from chunkarray.errors import ChunkArrayValueError
from chunkarray.graph.blockwise import Blockwise
from chunkarray.graph.graph import Graph
from chunkarray.graph.task import func_label
from chunkarray.tokenize import tokenize

INFER = object()  # meta default: infer by running on the inputs' metas


class PartitionNumbers:
    """BlockValues giving each block its partition number."""

    __slots__ = ("numblocks",)

    def __init__(self, n: int) -> None:
        self.numblocks = (n,)

    def __getitem__(self, index: tuple[int, ...]) -> int:
        return index[0]


class _KeywordCall:
    """``func(*args, **dict(zip(names, tail)))``: collections passed as keywords become
    trailing positional inputs, so Blockwise sees them as partitions."""

    __slots__ = ("func", "names", "__name__")

    def __init__(self, func: Callable[..., Any], names: tuple[str, ...]) -> None:
        self.func = func
        self.names = names
        self.__name__ = func_label(func)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        k = len(self.names)
        head, tail = args[: len(args) - k], args[len(args) - k:]
        return self.func(*head, **dict(zip(self.names, tail)), **kwargs)

    def __chunkarray_tokenize__(self) -> Any:
        return ("KeywordCall", self.func, self.names)


def aligned_frames(args: tuple[Any, ...], where: str) -> list[Frame]:
    """The frame arguments; ValueError unless they share partitions and divisions."""
    frames = [a for a in args if isinstance(a, Frame)]
    if not frames:
        raise ChunkArrayValueError(f"{where}: expected at least one dataframe collection")
    first = frames[0]
    for other in frames[1:]:
        if other.npartitions != first.npartitions or other.divisions != first.divisions:
            raise ChunkArrayValueError(
                f"{where}: the collections are not aligned: {first.npartitions} partitions "
                f"with divisions {_short(first.divisions)} and {other.npartitions} with "
                f"{_short(other.divisions)}; use the same partitioning (e.g. columns of "
                f"one frame) or repartition one side to the other's divisions"
            )
    return frames


def _short(divisions: tuple[Any, ...]) -> str:
    if len(divisions) <= 4:
        return repr(divisions)
    return f"({divisions[0]!r}, ..., {divisions[-1]!r})"


def _meta_of(value: Any) -> Any:
    if isinstance(value, (Frame, Scalar)):
        return value._meta
    return value


def _blockwise_inputs(args: tuple[Any, ...], n: int) -> tuple[
        list[tuple[Any, str | None]], dict[str, tuple[int, ...]], list[Graph]]:
    """Blockwise inputs for ``args``: frames by partition, Scalars broadcast, the rest
    as literals; with the input layers' block counts and graphs."""
    inputs: list[tuple[Any, str | None]] = []
    numblocks: dict[str, tuple[int, ...]] = {}
    graphs = []
    for a in args:
        if isinstance(a, (Frame, Scalar)):
            inputs.append((a._name, "i"))
            numblocks[a._name] = (n,) if isinstance(a, Frame) else (1,)
            graphs.append(a._graph)
        else:
            inputs.append((a, None))
    return inputs, numblocks, graphs


def partitionwise(
    func: Callable[..., Any],
    *args: Any,
    meta: Any = INFER,
    label: str | None = None,
    verify: bool = False,
    divisions: tuple[Any, ...] | None = None,
    where: str | None = None,
    **kwargs: Any,
) -> Any:
    """``func`` applied to partition i of every collection argument, for each i.

    Parameters
    ----------
    func : callable
        Called with partitions in place of collections; other arguments as given.
    meta : optional
        The result's meta; inferred by running ``func`` on the metas by default.
    label : str, optional
        The layer name's readable part (the function's name by default).
    verify : bool
        Check every computed partition against ``meta`` (for user functions).
    divisions : tuple, optional
        The result's divisions; those of the first collection by default.
    where : str, optional
        The operation named in error messages (the label by default).
    """
    label = label or func_label(func)
    coll_kw = {k: v for k, v in kwargs.items() if isinstance(v, (Frame, Scalar))}
    if coll_kw:
        plain = {k: v for k, v in kwargs.items() if k not in coll_kw}
        return partitionwise(_KeywordCall(func, tuple(coll_kw)), *args, *coll_kw.values(),
                             meta=meta, label=label, verify=verify, divisions=divisions,
                             where=where, **plain)
    where = where or label
    frames = aligned_frames(args, where)
    n = frames[0].npartitions
    if meta is INFER:
        meta = infer_meta(func, tuple(_meta_of(a) for a in args),
                          {k: _meta_of(v) for k, v in kwargs.items()}, where)
    else:
        meta = make_meta(meta)
    name = f"{label}-{tokenize(func, args, kwargs, meta if verify else None)}"
    call: Callable[..., Any] = func
    inputs, numblocks, graphs = _blockwise_inputs(args, n)
    if verify:
        call = PartitionCheck(func, meta, where)
        inputs.insert(0, (PartitionNumbers(n), "i"))
    layer = Blockwise(name, "i", call, inputs, numblocks, kwargs=kwargs)
    graph = Graph.from_layer(layer, *graphs)
    return new_collection(graph, name, meta, divisions or frames[0].divisions)
