"""Parquet datasets as DataFrame partitions: ``read_parquet`` and ``to_parquet``.

Reading: one partition per file (or per row group when one file is given), each one
task reading only its row groups and columns. ``meta`` comes from the schema in the
first file's footer, no data read. Filters prune row groups and files by their
statistics before anything is read (:mod:`chunkarray.storage.tabular`) and are
applied again to the rows read. Divisions are known when the files say (in their
key-value metadata, as ``to_parquet`` writes) that each holds a sorted index and the
index statistics show the partitions in order without overlap.

Writing: ``part.0.parquet``, ``part.1.parquet``, ... are written into a hidden
temporary directory next to the target; only when every partition is written is that
directory swapped in (:func:`chunkarray.storage.atomic.replace_directory`). A failed
write leaves an existing dataset as it was and no complete-looking new one.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from chunkarray.dataframe.io_write import PartitionValues, finish_writes, meta_of, partition_writes
from chunkarray.errors import ChunkArrayTypeError, ChunkArrayValueError
from chunkarray.graph.blockwise import Blockwise
from chunkarray.graph.graph import Graph
from chunkarray.storage.atomic import (
    atomic_file,
    check_absent,
    discard,
    replace_directory,
    temporary_sibling,
)
from chunkarray.storage.tabular import (
    METADATA_KEY,
    Piece,
    dataset_files,
    filters_expression,
    normalize_filters,
    plan_pieces,
    sorted_index_of,
)
from chunkarray.tokenize import tokenize

__all__ = ["read_parquet", "to_parquet"]


@dataclass(frozen=True, slots=True)
class ParquetOptions:
    """What every piece read shares: columns to read and keep, filters, index."""

    read: tuple[str, ...]
    keep: tuple[str, ...]
    filters: Any
    index: tuple[str, ...] | None  # columns made the index after reading
    expression: Any = None  # the filters as a pyarrow expression
    plain: bool = False  # ignore the stored pandas index (index= was given)
    dictionary: tuple[str, ...] = ()  # text columns read as categoricals (for a groupby)


def frame_from_table(table: pa.Table, options: ParquetOptions) -> pd.DataFrame:
    """Filter the rows of ``table`` and convert it to the partition's pandas frame."""
    if options.expression is not None:
        table = table.filter(options.expression)
    frame = table.to_pandas(ignore_metadata=options.plain, split_blocks=True)
    keep = list(options.keep) + list(options.index or ())
    if list(frame.columns) != keep:
        frame = frame[keep]
    if options.index:
        frame = frame.set_index(list(options.index))
    return frame


def read_parquet_piece(piece: Piece, options: ParquetOptions) -> pd.DataFrame:
    """Read one partition: the piece's row groups and the chosen columns."""
    source = pq.ParquetFile(piece.path, read_dictionary=list(options.dictionary) or None)
    columns = list(options.read)
    if piece.row_groups is None:
        table = source.read(columns=columns)
    elif piece.row_groups:
        table = source.read_row_groups(list(piece.row_groups), columns=columns)
    else:
        table = source.schema_arrow.empty_table().select(columns)
    return frame_from_table(table, options)


read_parquet_piece.rereadable = True  # type: ignore[attr-defined]


def _stored_index(schema: pa.Schema) -> list[str]:
    pandas_meta = schema.pandas_metadata or {}
    return [c for c in pandas_meta.get("index_columns", []) if isinstance(c, str)]


def _options(schema: pa.Schema, columns: Any, filters: Any, index: Any) -> ParquetOptions:
    stored = _stored_index(schema)
    data = [n for n in schema.names if n not in stored]
    keep = data if columns is None else [columns] if isinstance(columns, str) else list(columns)
    missing = [c for c in keep if c not in schema.names]
    if missing:
        raise KeyError(f"read_parquet: columns {missing} not found; the columns are {data}")
    made = None
    if index is None:
        clash = [c for c in keep if c in stored]
        if clash:
            raise ChunkArrayValueError(
                f"read_parquet: {clash} is the stored index and is read as the index; pass "
                "index=False to read it as a column"
            )
    else:
        if index is not False:
            made = tuple([index] if isinstance(index, str) else index)
            missing = [c for c in made if c not in schema.names]
            if missing:
                raise KeyError(f"read_parquet: index {missing} not found; the columns are {data}")
            keep = [c for c in keep if c not in made]
        stored = []  # the stored index is an ordinary column now
    wanted = {*keep, *(made or ()), *stored}
    wanted.update(c for conj in filters or [] for c, _, _ in conj)
    read = tuple(n for n in schema.names if n in wanted)
    expression = None if filters is None else filters_expression(filters, schema)
    return ParquetOptions(read, tuple(keep), filters, made, expression, index is not None)


def _divisions(ranges: Any, meta: pd.DataFrame, n: int) -> tuple[Any, ...]:
    unknown = (None,) * (n + 1)
    if not ranges or len(ranges) != n:
        return unknown
    if any(high >= ranges[i + 1][0] for i, (_, high) in enumerate(ranges[:-1])):
        return unknown
    values = [low for low, _ in ranges] + [ranges[-1][1]]
    try:
        return tuple(pd.Index(values).astype(meta.index.dtype))
    except (TypeError, ValueError):
        return unknown


class PieceValues:
    """Per-partition literal for the reading Blockwise: ``pieces[(i,)]``."""

    def __init__(self, pieces: list[Piece]) -> None:
        self.pieces = pieces
        self.numblocks = (len(pieces),)

    def __getitem__(self, index: tuple[int, ...]) -> Piece:
        return self.pieces[index[0]]

    def __chunkarray_tokenize__(self) -> Any:
        return ("PieceValues", [(p.path, p.row_groups) for p in self.pieces])


def read_parquet_graph(path: Any, columns: Any = None, filters: Any = None,
                       index: Any = None, dictionary: Any = ()
                       ) -> tuple[Graph, str, pd.DataFrame, tuple[Any, ...]]:
    """The reading layer of :func:`read_parquet`: ``(graph, name, meta, divisions)``.

    ``dictionary``: string columns read as categoricals (their Parquet dictionary
    pages are kept, not decoded), for a groupby on them (see ``project_columns``).
    """
    files = dataset_files(path)
    metas = [pq.read_metadata(f) for f in files]
    schema = metas[0].schema.to_arrow_schema()
    if filters is not None:
        filters = normalize_filters(filters, schema.names)
    options = _options(schema, columns, filters, index)
    dictionary = tuple(c for c in dictionary if c in options.keep and (
        pa.types.is_string(schema.field(c).type) or pa.types.is_large_string(schema.field(c).type)))
    if dictionary:
        options = replace(options, dictionary=dictionary)
    meta = frame_from_table(schema.empty_table().select(list(options.read)), options)
    stored = _stored_index(schema)
    sorted_column = None
    if index is None and len(stored) == 1 and all(sorted_index_of(m) == stored[0] for m in metas):
        sorted_column = stored[0]
    pieces, ranges = plan_pieces(files, metas, filters, sorted_column)
    divisions = _divisions(ranges, meta, len(pieces))
    name = "read-parquet-" + tokenize(
        [(f, os.path.getmtime(f), os.path.getsize(f)) for f in files], PieceValues(pieces),
        options.read, options.keep, filters, options.index, options.dictionary,
    )
    layer = Blockwise(name, "i", read_parquet_piece, [(PieceValues(pieces), "i"),
                                                       (options, None)], {})
    # The same read of fewer columns (see io_csv.project_columns).
    layer.project = partial(_project, path, filters, index)  # type: ignore[attr-defined]
    if dictionary:
        meta = meta.astype({c: "category" for c in dictionary})
    return Graph.from_layer(layer), name, meta, divisions


def _project(path: Any, filters: Any, index: Any, columns: list[Any],
             dictionary: Any = ()) -> Any:
    return read_parquet_graph(path, columns, filters, index, dictionary)


def read_parquet(path: Any, columns: Any = None, filters: Any = None, index: Any = None) -> Any:
    """Read a Parquet dataset into a DataFrame, one partition per file.

    Parameters
    ----------
    path : str, os.PathLike, or list of them
        A directory of ``*.parquet`` files, one file (one partition per row group),
        a glob pattern or a list of files.
    columns : str or list of str, optional
        The columns to read (all by default).
    filters : list of tuples, or list of lists of tuples, optional
        ``[("x", ">", 0)]``: rows where every predicate holds; a list of such lists
        keeps rows where any list holds (ops ``==, !=, <, <=, >, >=, in, not in``).
        Row groups and files whose statistics rule a filter out are not read.
        Missing values never match, as in pyarrow.
    index : str, list of str or False, optional
        The column(s) to make the index; False for none; by default the index stored
        by pandas (and ``to_parquet``).

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> import os, tempfile
    >>> import pandas as pd
    >>> import chunkarray.dataframe as cad
    >>> pdf = pd.DataFrame({"x": [1, 2, 3, 4]}, index=pd.Index([10, 20, 30, 40], name="i"))
    >>> path = os.path.join(tempfile.mkdtemp(), "data.parquet")
    >>> _ = to_parquet(cad.from_pandas(pdf, npartitions=2), path)
    >>> df = read_parquet(path, filters=[("x", ">", 2)])
    >>> df.divisions
    (30, 40)
    >>> df.compute().x.tolist()
    [3, 4]
    """
    from chunkarray.dataframe.core import new_collection

    graph, name, meta, divisions = read_parquet_graph(path, columns, filters, index)
    return new_collection(graph, name, meta, divisions)


def _arrow_types(meta: Any, write_index: bool) -> dict[str, pa.DataType]:
    """The column types ``meta`` fixes (not those it cannot know, such as object columns)."""
    frame = meta.to_frame() if isinstance(meta, pd.Series) else meta
    schema = pa.Schema.from_pandas(frame, preserve_index=write_index)
    return {f.name: f.type for f in schema
            if not (pa.types.is_null(f.type) or pa.types.is_dictionary(f.type))}


def write_parquet_partition(frame: Any, number: int, directory: str, write_index: bool,
                            types: dict[str, pa.DataType]) -> str:
    """Write one partition to ``directory/part.<number>.parquet`` (atomically)."""
    if isinstance(frame, pd.Series):
        frame = frame.to_frame()
    table = pa.Table.from_pandas(frame, preserve_index=write_index)
    fields = [pa.field(f.name, types.get(f.name, f.type)) for f in table.schema]
    index_columns = _stored_index(table.schema)
    sort = None
    if write_index and len(index_columns) == 1 and frame.index.is_monotonic_increasing:
        sort = index_columns[0]
    metadata = {**(table.schema.metadata or {}),
                METADATA_KEY: json.dumps({"sorted_index": sort}).encode()}
    table = table.cast(pa.schema(fields, metadata=metadata))
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, f"part.{number}.parquet")
    with atomic_file(path) as tmp:
        pq.write_table(table, tmp)
    return path


def _swap_in(paths: list[str], directory: str, target: str, overwrite: bool) -> list[str]:
    check_absent(target, "to_parquet", overwrite)
    os.makedirs(directory, exist_ok=True)  # a frame of no partitions still makes a dataset
    replace_directory(directory, target)
    return [os.path.join(target, os.path.basename(p)) for p in paths]


def to_parquet(df: Any, path: str | os.PathLike[str], write_index: bool = True,
               overwrite: bool = False, compute: bool = True) -> Any:
    """Write a DataFrame as a directory of Parquet files, one per partition.

    Parameters
    ----------
    df : DataFrame
    path : str or os.PathLike
        The dataset directory to create.
    write_index : bool
        Store the index (it is read back as the index, with divisions if sorted).
    overwrite : bool
        Replace an existing ``path``; without it an existing target raises
        ``FileExistsError`` and is left untouched.
    compute : bool
        Write now and return the file paths (default), or return a Delayed that does.

    Returns
    -------
    list of str, or Delayed

    Examples
    --------
    >>> import os, tempfile
    >>> import pandas as pd
    >>> import chunkarray.dataframe as cad
    >>> df = cad.from_pandas(pd.DataFrame({"x": [1, 2, 3]}), npartitions=2)
    >>> path = os.path.join(tempfile.mkdtemp(), "out.parquet")
    >>> [os.path.basename(p) for p in to_parquet(df, path)]
    ['part.0.parquet', 'part.1.parquet']
    """
    if not isinstance(path, (str, os.PathLike)):
        raise ChunkArrayTypeError(f"to_parquet: path must be a str or os.PathLike, got {path!r}")
    target = os.path.abspath(os.fspath(path))
    check_absent(target, "to_parquet", overwrite)
    directory = str(temporary_sibling(target))
    n = len(_partition_keys(df))
    graph, keys = partition_writes(
        df, "to-parquet", write_parquet_partition,
        [PartitionValues(list(range(n)))],
        {"directory": directory, "write_index": write_index,
         "types": _arrow_types(meta_of(df), write_index)},
    )
    return finish_writes(graph, keys, "to-parquet-finish",
                         lambda paths: _swap_in(paths, directory, target, overwrite),
                         compute, lambda: discard(directory))


def _partition_keys(df: Any) -> list[Any]:
    from chunkarray.graph.keys import flatten_keys

    return list(flatten_keys(df.__chunkarray_keys__()))
