"""Writing DataFrames: ``to_csv`` and the shared per-partition write machinery.

``to_csv`` writes one file per partition (``*`` in the name replaced by the partition
number, or ``0.part``, ``1.part``, ... in a directory), each under a temporary name
renamed once every partition is written; ``single_file=True`` appends the partitions in
order to one temporary file that is renamed at the end. :func:`partition_writes` and
:func:`finish_writes` are shared with ``to_parquet``.
"""

from __future__ import annotations

import os
from typing import Any

from chunkarray.delayed import Delayed
from chunkarray.errors import ChunkArrayTypeError, ChunkArrayValueError
from chunkarray.graph.blockwise import Blockwise
from chunkarray.graph.graph import Graph
from chunkarray.graph.keys import flatten_keys, key_name
from chunkarray.graph.layer import MaterializedLayer
from chunkarray.graph.task import Ref, Task
from chunkarray.storage.atomic import discard, temporary_sibling
from chunkarray.tokenize import fresh_name
from chunkarray.typing import Key

__all__ = ["to_csv"]


class PartitionValues:
    """Per-partition literal: ``values[(i,)]`` is ``values[i]``.

    >>> PartitionValues(["a", "b"])[(1,)]
    'b'
    """

    def __init__(self, values: list[Any]) -> None:
        self.values = values
        self.numblocks = (len(values),)

    def __getitem__(self, index: tuple[int, ...]) -> Any:
        return self.values[index[0]]

    def __chunkarray_tokenize__(self) -> Any:
        return ("PartitionValues", self.values)


def meta_of(df: Any) -> Any:
    """The empty pandas object describing a DataFrame or Series collection."""
    meta = getattr(df, "_meta", None)
    return meta if meta is not None else df.meta


def partition_writes(df: Any, prefix: str, func: Any, extra: list[PartitionValues],
                     kwargs: dict[str, Any]) -> tuple[Graph, list[Key]]:
    """One task per partition: ``func(partition, *extra[i], **kwargs)`` on ``df``'s graph.

    A Blockwise when the partitions are the blocks of one layer (so the write fuses
    with the partition-wise steps before it), else one explicit task per partition.
    """
    keys = list(flatten_keys(df.__chunkarray_keys__()))
    graph = df.__chunkarray_graph__()
    name = fresh_name(prefix)
    source = key_name(keys[0]) if keys else None
    n = len(keys)
    layer: Any
    if keys and all(k == (source, i) for i, k in enumerate(keys)) and source in graph.layers:
        inputs = [(source, "i"), *((v, "i") for v in extra)]
        layer = Blockwise(name, "i", func, inputs, {source: (n,)}, kwargs=kwargs)
    else:
        layer = MaterializedLayer(name, {
            (name, i): Task(func, Ref(k), *(v[(i,)] for v in extra), **kwargs)
            for i, k in enumerate(keys)
        })
    return Graph.from_layer(layer, graph), [(name, i) for i in range(n)]


def finish_writes(graph: Graph, keys: list[Key], prefix: str, finish: Any, compute: bool,
                  cleanup: Any) -> Any:
    """A last task ``finish(results of keys)``; run it now (cleaning up on failure) or not."""
    key = fresh_name(prefix)
    task = Task(finish, [Ref(k) for k in keys])
    result = Delayed(key, Graph.from_layer(MaterializedLayer(key, {key: task}), graph))
    if not compute:
        return result
    try:
        return result.compute()
    except BaseException:
        cleanup()
        raise


def write_csv_partition(frame: Any, target: tuple[str, str], **kwargs: Any) -> tuple[str, str]:
    """Write one partition to the temporary name of ``target = (temporary, path)``.

    The temporary files are renamed only once every partition is written, so a failed
    write replaces none of the files of an earlier one.
    """
    tmp, path = target
    os.makedirs(os.path.dirname(path), exist_ok=True)
    frame.to_csv(tmp, **kwargs)
    return target


def _rename_all(written: list[tuple[str, str]]) -> list[str]:
    for tmp, path in written:
        os.replace(tmp, path)
    return [path for _, path in written]


def _discard_all(targets: list[tuple[str, str]]) -> None:
    for tmp, _ in targets:
        discard(tmp)


def append_csv_partition(frame: Any, previous: Any, tmp: str, first: bool,
                         kwargs: dict[str, Any]) -> str:
    """Append one partition to the single file being written (the first one creates it)."""
    header = kwargs.get("header", True) if first else False
    frame.to_csv(tmp, mode="w" if first else "a", **{**kwargs, "header": header})
    return tmp


def _csv_paths(path: str, n: int, name_function: Any) -> list[str]:
    name = name_function or str
    if "*" in path:
        if path.count("*") != 1:
            raise ChunkArrayValueError(
                f"to_csv: path_or_glob may hold one '*' (the partition number), got {path!r}"
            )
        return [path.replace("*", name(i)) for i in range(n)]
    return [os.path.join(path, f"{name(i)}.part") for i in range(n)]


def _single_file(df: Any, path: str, kwargs: dict[str, Any], compute: bool) -> Any:
    keys = list(flatten_keys(df.__chunkarray_keys__()))
    tmp = str(temporary_sibling(path))
    name = fresh_name("to-csv")
    tasks = {(name, i): Task(append_csv_partition, Ref(k), Ref((name, i - 1)) if i else None,
                             tmp, i == 0, kwargs) for i, k in enumerate(keys)}
    graph = Graph.from_layer(MaterializedLayer(name, tasks), df.__chunkarray_graph__())

    def finish(_: Any) -> list[str]:
        if not keys:
            meta_of(df).to_csv(tmp, **kwargs)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        os.replace(tmp, path)
        return [path]

    return finish_writes(graph, [(name, len(keys) - 1)] if keys else [], "to-csv-finish",
                         finish, compute, lambda: discard(tmp))


def to_csv(df: Any, path_or_glob: str | os.PathLike[str], single_file: bool = False,
           index: bool = True, compute: bool = True, name_function: Any = None,
           **kwargs: Any) -> Any:
    """Write a DataFrame to CSV files, one per partition, each written atomically.

    Parameters
    ----------
    df : DataFrame
    path_or_glob : str
        ``"out/part-*.csv"`` (the ``*`` becomes the partition number, or
        ``name_function(i)``), a directory (``0.part``, ``1.part``, ... inside), or
        with ``single_file=True`` the one file to write.
    single_file : bool
        Append the partitions in order to one file.
    index : bool
        Write the index.
    compute : bool
        Write now and return the paths (default), or return a Delayed that does.
    **kwargs
        Passed to :meth:`pandas.DataFrame.to_csv`.

    Returns
    -------
    list of str, or Delayed

    Examples
    --------
    >>> import os, tempfile
    >>> import pandas as pd
    >>> import chunkarray.dataframe as cad
    >>> df = cad.from_pandas(pd.DataFrame({"x": [1, 2, 3]}), npartitions=2)
    >>> root = tempfile.mkdtemp()
    >>> paths = to_csv(df, os.path.join(root, "part-*.csv"), index=False)
    >>> [os.path.basename(p) for p in paths]
    ['part-0.csv', 'part-1.csv']
    >>> pd.read_csv(os.path.join(root, "part-1.csv")).x.tolist()
    [3]
    """
    if not isinstance(path_or_glob, (str, os.PathLike)):
        raise ChunkArrayTypeError(
            f"to_csv: path_or_glob must be a str or os.PathLike, got {path_or_glob!r}"
        )
    path = os.path.abspath(os.fspath(path_or_glob))
    kwargs = {**kwargs, "index": index}
    if single_file:
        return _single_file(df, path, kwargs, compute)
    n = len(list(flatten_keys(df.__chunkarray_keys__())))
    paths = _csv_paths(path, n, name_function)
    targets = [(str(temporary_sibling(p)), p) for p in paths]
    graph, keys = partition_writes(df, "to-csv", write_csv_partition,
                                   [PartitionValues(targets)], kwargs)
    return finish_writes(graph, keys, "to-csv-finish", _rename_all, compute,
                         lambda: _discard_all(targets))
