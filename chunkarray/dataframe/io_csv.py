"""CSV files as DataFrame partitions: ``read_csv``.

Reading
-------
Each file is cut into byte ranges (:func:`chunkarray.storage.text.byte_blocks`);
partition ``i`` is one task that reads only its range, extended to whole lines
(:func:`chunkarray.storage.text.read_block`), and parses it with pandas. The header
lines of a file (``skiprows`` plus the header row) are read once when the graph is
built; every block but a file's first is parsed with them prepended, so each
partition sees the same columns and pandas options. The first block of a file always
reaches past its header lines.

``meta`` (the empty frame with the columns and dtypes) comes from pandas reading the
first ``sample`` bytes of the first file. Partitions are parsed with the float dtypes
of ``meta`` imposed, and again with a text column imposed if a block read it as
numbers (so a block of digits in a text column stays text, as when pandas reads the
whole file); a partition whose dtypes still differ, other than a column that is all
missing, raises an error naming the partition, the file and both dtypes. A malformed
line raises pandas' ``ParserError`` naming the file and the line number within the
whole file.

When the options are plain (``sep``, ``usecols``, ``dtype`` only, a one-line header,
no index column) and every dtype of ``meta`` is int64, float64, bool or text, blocks
(a file that is one block memory-mapped, not read into a copy) are parsed by pyarrow with those types fixed and pandas' missing-value markers (it
holds no GIL, so partitions parse in parallel); a block pyarrow cannot read so, or
whose result would differ in dtype, is parsed by pandas.

Quoted fields holding newlines cannot be split this way: read such files with
``blocksize=None`` (one partition per file).

Writing (``to_csv``) is in :mod:`chunkarray.dataframe.io_write`; it is importable from
here too.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import pandas as pd
import pyarrow as pa

from chunkarray.dataframe.io_write import meta_of, to_csv
from chunkarray.errors import ChunkArrayTypeError, ChunkArrayValueError, MetaMismatchError
from chunkarray.graph.blockwise import Blockwise
from chunkarray.graph.graph import Graph
from chunkarray.storage.tabular import csv_header_names, read_csv_arrow
from chunkarray.storage.text import (
    byte_blocks,
    expand_paths,
    head_bytes,
    infer_compression,
    lines_before,
    open_file,
    read_block,
)
from chunkarray.tokenize import tokenize

__all__ = ["project_columns", "read_csv", "to_csv"]  # to_csv lives in io_write

# pandas options that make no sense once a file is split into independent blocks.
_WHOLE_FILE_ONLY = ("skipfooter", "nrows", "chunksize", "iterator")
_SAMPLE = 256_000


@dataclass(frozen=True, slots=True)
class CsvBlock:
    """What one partition reads: a byte range of a file, and the lines to prepend.

    Every block but a file's first is parsed after ``prefix``: the file's header lines
    and its first data line, whose ``prefix_rows`` rows (1, or 0 for a comment or blank
    line) are then dropped. With the first data line in front, pandas makes the same
    decisions as for the whole file (an implicit index column, a line with too many
    fields).
    """

    path: str
    offset: int
    length: int
    compression: str | None
    prefix: bytes
    prefix_rows: int
    first: bool


class CsvBlocks:
    """Per-partition literal for the reading Blockwise: ``blocks[(i,)]``."""

    def __init__(self, blocks: list[CsvBlock]) -> None:
        self.blocks = blocks
        self.numblocks = (len(blocks),)

    def __getitem__(self, index: tuple[int, ...]) -> tuple[int, CsvBlock]:
        return index[0], self.blocks[index[0]]

    def __chunkarray_tokenize__(self) -> Any:
        return ("CsvBlocks", [(b.path, b.offset, b.length) for b in self.blocks])


@dataclass(frozen=True, slots=True)
class ArrowPlan:
    """How pyarrow parses a block exactly as pandas would: separator, columns, types."""

    delimiter: str
    include: tuple[str, ...]
    types: dict[str, Any]
    text_dtype: Any


@dataclass(frozen=True, slots=True)
class CsvOptions:
    """Everything a block read needs besides its block (the same for all partitions)."""

    kwargs: dict[str, Any]
    meta: pd.DataFrame
    delimiter: bytes
    path_column: str | None
    paths: tuple[str, ...]
    user_dtype: Any = None
    arrow: ArrowPlan | None = None  # set when pyarrow can parse the blocks as pandas would
    default_index: bool = True  # partitions are numbered 0, 1, ... (no index column)
    dictionary: tuple[str, ...] = ()  # text columns given as categoricals (for a groupby)


def _header_count(kwargs: dict[str, Any], splitting: bool) -> int:
    """How many lines at a file's start are not data (skipped rows and the header)."""
    skiprows = kwargs.get("skiprows") or 0
    header = kwargs.get("header", "infer")
    if header == "infer":
        header = None if kwargs.get("names") is not None else 0
    if not splitting:
        return 0
    if not isinstance(skiprows, int) or isinstance(skiprows, bool):
        raise ChunkArrayValueError(
            "read_csv: skiprows must be an int when files are split into blocks, got "
            f"{skiprows!r}; pass blocksize=None to read whole files"
        )
    if header is None:
        return skiprows
    if not isinstance(header, int) or isinstance(header, bool):
        raise ChunkArrayValueError(
            f"read_csv: header must be an int or None when files are split into blocks, got "
            f"{header!r}; pass blocksize=None to read whole files"
        )
    return skiprows + header + 1


def _file_blocks(path: str, blocksize: Any, compression: str | None, header_lines: int,
                 delimiter: bytes, kwargs: dict[str, Any]) -> list[CsvBlock]:
    header = head_bytes(path, header_lines, delimiter, compression)
    ranges = byte_blocks(path, blocksize, compression, first=len(header))
    prefix, rows = b"", 0
    if len(ranges) > 1:
        prefix = head_bytes(path, header_lines + 1, delimiter, compression)
        rows = len(pd.read_csv(io.BytesIO(prefix), **kwargs)) if prefix.strip() else 0
    return [
        CsvBlock(path, offset, length, compression, prefix, rows, i == 0)
        for i, (offset, length) in enumerate(ranges)
    ]


def _line_number_message(message: str, block: CsvBlock, delimiter: bytes) -> str:
    """pandas' message with its line number made absolute within the block's file."""
    match = re.search(r"line (\d+)", message)
    if match is None or block.first:
        return message
    line = int(match.group(1)) - block.prefix.count(delimiter)
    line += lines_before(block.path, block.offset, delimiter)
    return message[: match.start(1)] + str(line) + message[match.end(1):]


def parse_block(data: bytes, kwargs: dict[str, Any], block: CsvBlock, delimiter: bytes,
                partition: int) -> pd.DataFrame:
    """pandas.read_csv of ``data``; a ParserError names the file and the absolute line."""
    try:
        return pd.read_csv(io.BytesIO(data), **kwargs)
    except pd.errors.ParserError as exc:
        message = _line_number_message(str(exc).strip(), block, delimiter)
        raise pd.errors.ParserError(
            f"read_csv: malformed CSV in {block.path!r} (partition {partition}): {message}"
        ) from exc


def _parse_imposed(data: bytes, options: CsvOptions, block: CsvBlock,
                   partition: int) -> pd.DataFrame:
    """Parse with the float dtypes of ``meta`` imposed; if they do not fit, parse as
    pandas would alone, so that :func:`conform` can name the column and both dtypes.

    Text columns are not imposed (that doubles pandas' parse time); a block where
    one came out as numbers (``"007"`` read as 7) is parsed again with it as text.
    """
    try:
        frame = parse_block(data, options.kwargs, block, options.delimiter, partition)
    except pd.errors.ParserError:
        raise
    except (ValueError, TypeError):
        if options.kwargs.get("dtype") == options.user_dtype:
            raise
        plain = {**options.kwargs, "dtype": options.user_dtype}
        return parse_block(data, plain, block, options.delimiter, partition)
    text = _misread_text(frame, options.meta)
    if text:
        kwargs = {**options.kwargs, "dtype": {**(options.kwargs.get("dtype") or {}), **text}}
        frame = parse_block(data, kwargs, block, options.delimiter, partition)
    return frame


def _misread_text(frame: pd.DataFrame, meta: pd.DataFrame) -> dict[Any, Any]:
    """Text columns of ``meta`` that ``frame`` holds as something else (not all missing)."""
    pairs = [(c, frame[c], meta[c].dtype) for c in meta.columns if c in frame.columns]
    if meta.index.name is not None and not isinstance(meta.index, pd.MultiIndex):
        pairs.append((meta.index.name, frame.index, meta.index.dtype))
    return {
        name: dtype for name, values, dtype in pairs
        if values.dtype != dtype and _is_text(dtype) and not values.isna().all()
    }


def _is_text(dtype: Any) -> bool:
    return bool(dtype != object and pd.api.types.is_string_dtype(dtype))


def _parse_arrow(data: bytes, options: CsvOptions) -> pd.DataFrame | None:
    """The block parsed by pyarrow, or None if it cannot give exactly pandas' frame."""
    plan = options.arrow
    assert plan is not None
    try:
        table = read_csv_arrow(data, plan.delimiter, plan.include, plan.types)
    except (pa.ArrowException, ValueError):
        return None  # pandas reads it again and says what is wrong, if anything
    frame = table.to_pandas(types_mapper={pa.large_string(): plan.text_dtype}.get,
                            split_blocks=True)  # no copy to join the float columns
    meta = options.meta
    if list(frame.columns) != list(meta.columns) or not all(
            a == b or c in options.dictionary and isinstance(a, pd.CategoricalDtype)
            for c, a, b in zip(frame.columns, frame.dtypes, meta.dtypes)):
        return None  # a missing value in an int or bool column: pandas' dtype differs
    return frame


_ARROW_TYPES = {"int64": pa.int64(), "float64": pa.float64(), "bool": pa.bool_()}


def _arrow_plan(kwargs: dict[str, Any], meta: pd.DataFrame, header: bytes) -> ArrowPlan | None:
    """A pyarrow plan if the options and dtypes are ones pyarrow reads exactly as pandas."""
    if set(kwargs) - {"sep", "delimiter", "usecols", "dtype"} or not isinstance(
            meta.index, pd.RangeIndex) or not isinstance(kwargs.get("dtype", {}), dict):
        return None  # (given dtypes are in meta, which fixes pyarrow's types)
    sep = kwargs.get("sep", kwargs.get("delimiter", ","))
    usecols = kwargs.get("usecols")
    if not isinstance(sep, str) or len(sep) != 1 or sep in "\"\r\n" or not header:
        return None
    if usecols is not None and not all(isinstance(c, str) for c in usecols):
        return None
    types: dict[str, Any] = {}
    text = None
    for column, dtype in meta.dtypes.items():
        if _is_text(dtype):
            types[str(column)], text = pa.large_string(), dtype
        elif str(dtype) in _ARROW_TYPES:
            types[str(column)] = _ARROW_TYPES[str(dtype)]
        else:
            return None
    try:
        names = csv_header_names(header, sep)
    except (pa.ArrowException, ValueError):
        return None
    pandas_names = list(pd.read_csv(io.BytesIO(header), sep=sep).columns)
    if names != pandas_names or len(set(names)) != len(names):
        return None
    return ArrowPlan(sep, tuple(str(c) for c in meta.columns), types, text)


def _is_blank(data: bytes | bytearray, start: int) -> bool:
    """True if ``data[start:]`` is empty or only whitespace (copying only in that case)."""
    with memoryview(data) as view:
        head = bytes(view[start:start + 256])
        return not head or (head.isspace() and bytes(view[start:]).isspace())


def read_csv_block(where: tuple[int, CsvBlock], options: CsvOptions) -> pd.DataFrame:
    """Read one partition: the lines of a block, parsed after the file's prefix."""
    partition, block = where
    prefix = b"" if block.first else block.prefix
    data = _mapped_file(block) if options.arrow is not None else None
    if data is None:
        data = read_block(block.path, block.offset, block.length, options.delimiter,
                          block.compression, prefix=prefix)
    if _is_blank(data, len(prefix)):
        frame = options.meta.copy()
    else:
        frame = _parse_arrow(data, options) if options.arrow is not None else None
        if frame is None:
            frame = _parse_imposed(data, options, block, partition)
        if not block.first and block.prefix_rows:
            frame = frame.iloc[block.prefix_rows:]
            if options.default_index:
                frame.index = pd.RangeIndex(len(frame))
        frame = conform(frame, options.meta, f"partition {partition} ({block.path!r})",
                        skip=options.dictionary)
        for column in options.dictionary:
            if not isinstance(frame[column].dtype, pd.CategoricalDtype):
                frame[column] = frame[column].astype("category")
    if options.path_column is not None:
        frame[options.path_column] = pd.Categorical(
            [block.path] * len(frame), categories=options.paths
        )
    return frame


read_csv_block.rereadable = True  # type: ignore[attr-defined]


def _mapped_file(block: CsvBlock) -> Any:
    """The whole file memory-mapped (no copy for pyarrow to parse), if ``block`` is an
    uncompressed file's only block; else None."""
    if block.compression is not None or not block.first or block.offset:
        return None
    with pa.memory_map(block.path) as mapped:
        if block.length is not None and mapped.size() > block.length:
            return None
        return mapped.read_buffer()  # keeps the mapping alive


def _conform_column(values: pd.Series | pd.Index, dtype: Any, column: Any,
                    where: str) -> Any:
    if values.dtype == dtype:
        return values
    if values.isna().all() or (dtype == object):
        try:
            return values.astype(dtype)
        except (TypeError, ValueError):
            pass
    raise MetaMismatchError(
        f"read_csv: {where}: column {column!r} has dtype {values.dtype} but the first rows "
        f"gave {dtype}; pass dtype={{{column!r}: ...}} to read_csv"
    )


def conform(frame: pd.DataFrame, meta: pd.DataFrame, where: str,
            skip: tuple[str, ...] = ()) -> pd.DataFrame:
    """``frame`` with the dtypes of ``meta``, or an error naming ``where`` and both dtypes.

    Columns in ``skip`` that ``frame`` holds as categoricals are left so."""
    if list(frame.columns) != list(meta.columns):
        raise MetaMismatchError(
            f"read_csv: {where}: columns {list(frame.columns)} differ from the first rows' "
            f"{list(meta.columns)}"
        )
    changed = {c: _conform_column(frame[c], meta[c].dtype, c, where)
               for c in meta.columns if frame[c].dtype != meta[c].dtype and not (
                   c in skip and isinstance(frame[c].dtype, pd.CategoricalDtype))}
    if changed:
        frame = frame.assign(**{str(k): v for k, v in changed.items()}) if all(
            isinstance(k, str) for k in changed) else _assign_any(frame, changed)
    if frame.index.dtype != meta.index.dtype and not isinstance(meta.index, pd.RangeIndex):
        frame.index = _conform_column(frame.index, meta.index.dtype, meta.index.name, where)
    return frame


def _assign_any(frame: pd.DataFrame, changed: dict[Any, Any]) -> pd.DataFrame:
    frame = frame.copy()
    for column, values in changed.items():
        frame[column] = values
    return frame


def _imposed_dtypes(meta: pd.DataFrame, kwargs: dict[str, Any]) -> dict[Any, Any]:
    """The dtypes every block is parsed with: the float columns of ``meta``."""
    given = kwargs.get("dtype")
    if given is not None and not isinstance(given, dict):
        return {}
    dates = kwargs.get("parse_dates")
    skip = set(dates) if isinstance(dates, (list, tuple)) else set()
    imposed = dict(given or {})
    columns = [(c, meta[c].dtype) for c in meta.columns]
    if not isinstance(meta.index, (pd.RangeIndex, pd.MultiIndex)) and meta.index.name is not None:
        columns.append((meta.index.name, meta.index.dtype))
    for column, dtype in columns:
        if column in imposed or column in skip:
            continue
        if dtype.kind == "f":
            imposed[column] = dtype
    return imposed


def _sample_meta(block: CsvBlock, kwargs: dict[str, Any], sample: int,
                 delimiter: bytes) -> pd.DataFrame:
    if block.compression is None:
        data = read_block(block.path, 0, max(sample, len(block.prefix) + 1), delimiter)
    else:
        with open_file(block.path, block.compression) as f:  # whole lines of the stream
            data = f.read(sample)
            rest = f.read(1)
        end = data.rfind(delimiter)
        if rest and end >= 0:
            data = data[: end + len(delimiter)]
    return parse_block(data, kwargs, block, delimiter, 0).iloc[:0]


def compression_is_plain(block: CsvBlock) -> bool:
    return block.compression is None


def _has_default_index(kwargs: dict[str, Any], block: CsvBlock, delimiter: bytes,
                       header_lines: int) -> bool:
    """True if pandas numbers the rows (no index column, not even an implicit one).

    pandas makes the first columns the index when the first data line has more fields
    than the header (or ``names``); the fields are counted with :mod:`csv`.
    """
    index_col = kwargs.get("index_col")
    if index_col is not None:
        return index_col is False
    lines = head_bytes(block.path, header_lines + 1, delimiter, block.compression)
    lines = lines.decode(kwargs.get("encoding") or "utf-8", errors="replace").splitlines()
    sep = kwargs.get("sep", kwargs.get("delimiter", ","))
    if len(lines) < header_lines + 1 or not isinstance(sep, str) or len(sep) != 1:
        return True
    names = kwargs.get("names")
    if names is not None:
        width = len(names)
    elif header_lines:
        width = len(next(csv.reader([lines[header_lines - 1]], delimiter=sep)))
    else:
        return True
    return len(next(csv.reader([lines[header_lines]], delimiter=sep))) <= width


def plan_csv(urlpath: Any, blocksize: Any, sample: int, include_path_column: bool | str,
             kwargs: dict[str, Any]) -> tuple[CsvBlocks, CsvOptions]:
    """The blocks of every file and the shared options (graph-build time work)."""
    for option in _WHOLE_FILE_ONLY:
        if option in kwargs:
            raise ChunkArrayValueError(f"read_csv: {option}= is not supported")
    paths = expand_paths(urlpath, "urlpath")
    compression = kwargs.get("compression", "infer")
    kwargs = {k: v for k, v in kwargs.items() if k != "compression"}  # blocks are plain
    terminator = kwargs.get("lineterminator") or "\n"
    delimiter = terminator.encode(kwargs.get("encoding") or "utf-8")
    header_lines = _header_count(kwargs, blocksize is not None)
    blocks = []
    for path in paths:
        blocks.extend(_file_blocks(path, blocksize, infer_compression(path, compression),
                                   header_lines, delimiter, kwargs))
    meta = _sample_meta(blocks[0], kwargs, sample, delimiter)
    path_column = _path_column(include_path_column, meta)
    if path_column is not None:
        meta = meta.assign(**{path_column: pd.Categorical([], categories=paths)})
        meta_columns = meta.drop(columns=[path_column])
    else:
        meta_columns = meta
    parse_kwargs = {**kwargs, "dtype": _imposed_dtypes(meta_columns, kwargs) or None}
    arrow = None
    if compression_is_plain(blocks[0]) and delimiter == b"\n":
        arrow = _arrow_plan(kwargs, meta_columns, head_bytes(paths[0], 1, delimiter))
    options = CsvOptions(parse_kwargs, meta_columns, delimiter, path_column, tuple(paths),
                         kwargs.get("dtype"), arrow,
                         _has_default_index(kwargs, blocks[0], delimiter, header_lines))
    return CsvBlocks(blocks), options


def _path_column(include: bool | str, meta: pd.DataFrame) -> str | None:
    if include is False or include is None:
        return None
    name = "path" if include is True else include
    if not isinstance(name, str):
        raise ChunkArrayTypeError(
            f"read_csv: include_path_column must be a bool or a column name, got {include!r}"
        )
    if name in meta.columns:
        raise ChunkArrayValueError(
            f"read_csv: include_path_column={name!r} is already a column of the files"
        )
    return name


def read_csv_graph(urlpath: Any, blocksize: Any = "64MiB", sample: int = _SAMPLE,
                   include_path_column: bool | str = False, dictionary: Any = (),
                   **kwargs: Any) -> tuple[Graph, str, pd.DataFrame, tuple[None, ...]]:
    """The reading layer of :func:`read_csv`: ``(graph, name, meta, divisions)``.

    ``dictionary``: text columns that pyarrow parses straight into categoricals
    (their codes group a groupby; see ``project_columns``); ignored unless pyarrow
    parses the blocks.
    """
    blocks, options = plan_csv(urlpath, blocksize, sample, include_path_column, kwargs)
    if dictionary and options.arrow is not None:
        options = _with_dictionary(options, dictionary)
    name = "read-csv-" + tokenize(
        blocks, [(p, os.path.getmtime(p), os.path.getsize(p)) for p in options.paths],
        sorted(kwargs.items(), key=lambda kv: kv[0]), include_path_column, options.dictionary,
    )
    layer = Blockwise(name, "i", read_csv_block, [(blocks, "i"), (options, None)], {})
    if not set(kwargs) & {"index_col", "names", "header"} and not include_path_column and (
            all(isinstance(c, str) for c in kwargs.get("usecols") or ())):
        # The same read of fewer columns (see project_columns).
        layer.project = partial(_project, urlpath, blocksize, sample,  # type: ignore[attr-defined]
                                kwargs)
    meta = options.meta
    if options.dictionary:
        meta = meta.astype({c: "category" for c in options.dictionary})
    if options.path_column is not None:
        meta = meta.assign(**{options.path_column: pd.Categorical([], categories=options.paths)})
    return Graph.from_layer(layer), name, meta, (None,) * (len(blocks.blocks) + 1)


def _project(urlpath: Any, blocksize: Any, sample: int, kwargs: dict[str, Any],
             columns: list[Any], dictionary: Any = ()) -> Any:
    kwargs = {k: v for k, v in kwargs.items() if k != "usecols"}  # columns are a subset
    return read_csv_graph(urlpath, blocksize, sample, False, dictionary, **kwargs,
                          usecols=columns)


def _with_dictionary(options: CsvOptions, dictionary: Any) -> CsvOptions:
    plan = options.arrow
    assert plan is not None
    columns = tuple(c for c in dictionary if c in options.meta.columns
                    and _is_text(options.meta[c].dtype))
    if not columns:
        return options
    types = {**plan.types, **{c: pa.dictionary(pa.int32(), pa.large_string()) for c in columns}}
    return replace(options, arrow=replace(plan, types=types), dictionary=columns)


def project_columns(df: Any, columns: list[Any], dictionary: Any = ()) -> Any:
    """``df`` read again with only ``columns``, if ``df`` is a plain read; else None.

    For a DataFrame that is exactly a ``read_csv`` (without ``index_col``, ``names``,
    ``header``; ``usecols`` only as names) or a ``read_parquet``, the new collection reads only the
    given columns (in file order; select them to reorder). Collections call this when
    they know an operation needs only some columns (column selection, groupby).
    ``dictionary``: text columns read as categoricals where that is cheap (Parquet
    dictionary pages, pyarrow's CSV parser): a groupby on them uses the codes; the
    new meta says for which columns that was done.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "a.csv")
    >>> with open(path, "w") as f:
    ...     _ = f.write("x,y,z\\n1,2,3\\n")
    >>> list(project_columns(read_csv(path), ["z", "x"]).columns)
    ['x', 'z']
    """
    from chunkarray.dataframe.core import new_collection

    name = getattr(df, "_name", None)
    layer = df.__chunkarray_graph__().layers.get(name) if name is not None else None
    project = getattr(layer, "project", None)
    meta = meta_of(df)
    if project is None or not isinstance(meta, pd.DataFrame) or not all(
            c in meta.columns for c in columns) or len(df.__chunkarray_graph__().layers) != 1:
        return None
    graph, new_name, new_meta, divisions = (
        project(list(columns), dictionary=list(dictionary)) if dictionary
        else project(list(columns)))
    if len(divisions) != len(df.divisions):
        return None
    return new_collection(graph, new_name, new_meta, divisions)


def read_csv(urlpath: Any, blocksize: Any = "64MiB", sample: int = _SAMPLE,
             include_path_column: bool | str = False, **kwargs: Any) -> Any:
    """Read CSV files into a DataFrame, one partition per block of about ``blocksize``.

    Parameters
    ----------
    urlpath : str, os.PathLike, or list of them
        A file, a glob pattern (``"data/*.csv"``) or a list of them.
    blocksize : int, str or None
        Bytes per partition (``"64MiB"`` by default); files are cut on line
        boundaries. ``None`` makes one partition per file. Compressed files
        (``.gz``, ``.bz2``, ``.xz``) are always one partition each.
    sample : int
        Bytes of the first file read by pandas to find the columns and dtypes.
    include_path_column : bool or str
        Add a categorical column (``"path"``, or the name given) holding each row's file.
    **kwargs
        Passed to :func:`pandas.read_csv` (``sep``, ``usecols``, ``dtype``,
        ``parse_dates``, ``index_col``, ``names``, ``header``, ...).

    Returns
    -------
    DataFrame
        With unknown divisions.

    Raises
    ------
    FileNotFoundError
        When the path or pattern matches no file.
    pandas.errors.ParserError
        At compute time, for a malformed line: the message names the file and line.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "a.csv")
    >>> with open(path, "w") as f:
    ...     _ = f.write("x,y\\n1,a\\n2,b\\n3,c\\n")
    >>> df = read_csv(path, blocksize=6)
    >>> df.npartitions
    3
    >>> df.compute().x.tolist()
    [1, 2, 3]
    """
    from chunkarray.dataframe.core import new_collection

    graph, name, meta, divisions = read_csv_graph(
        urlpath, blocksize, sample, include_path_column, **kwargs
    )
    return new_collection(graph, name, meta, divisions)
