"""Parquet datasets on disk: files, pieces, filters and statistics (pyarrow, no pandas).

A dataset is a directory of ``*.parquet`` files (hidden, temporary and ``_``-prefixed
names skipped), one file, a glob or a list of files. It is read as *pieces*: one
per file, or one per row group when a single file is given. Before any data is read,
the footers' row-group statistics prune what a filter cannot match:

- filters are in the DNF form of pyarrow and Dask: ``[("x", ">", 0), ("s", "in",
  ["a"])]`` (all must hold) or a list of such lists (any list may hold);
- a row group is skipped when every conjunction has a predicate its min/max make
  impossible; with no statistics a row group is always kept (pruning is only an
  optimization: the rows are filtered again after reading, with the same meaning as
  pyarrow, where missing values never match).

>>> normalize_filters([("x", "==", 1)], ["x", "y"])
[[('x', '==', 1)]]
>>> may_match({"x": (0, 5)}, [[("x", ">", 7)]])
False
"""

from __future__ import annotations

import json
import operator
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from chunkarray.errors import ChunkArrayTypeError, ChunkArrayValueError, NoFilesFoundError
from chunkarray.storage.atomic import is_temporary
from chunkarray.storage.text import _natural_key, expand_paths

__all__ = [
    "METADATA_KEY", "Piece", "column_ranges", "dataset_files", "filters_expression", "may_match",
    "PANDAS_NA_VALUES", "csv_header_names", "normalize_filters", "plan_pieces",
    "read_csv_arrow", "sorted_index_of",
]

METADATA_KEY = b"chunkarray"  # file key-value metadata written by to_parquet
_OPS = ("=", "==", "!=", "<", "<=", ">", ">=", "in", "not in")


@dataclass(frozen=True, slots=True)
class Piece:
    """One partition of a dataset: row groups of a file (None: all of them)."""

    path: str
    row_groups: tuple[int, ...] | None
    num_rows: int


def dataset_files(path: Any) -> list[str]:
    """The Parquet files of a directory (natural order), or of a path/glob/list.

    >>> import os, tempfile
    >>> root = tempfile.mkdtemp()
    >>> for name in ["part.10.parquet", "part.2.parquet", "_metadata", ".x.tmp-1"]:
    ...     open(os.path.join(root, name), "w").close()
    >>> [os.path.basename(p) for p in dataset_files(root)]
    ['part.2.parquet', 'part.10.parquet']
    """
    if isinstance(path, (str, os.PathLike)) and os.path.isdir(path):
        names = [n for n in os.listdir(path)
                 if not (n.startswith((".", "_")) or is_temporary(n)) and n.endswith(".parquet")]
        if not names:
            raise NoFilesFoundError(f"read_parquet: the directory {os.fspath(path)!r} holds no "
                                    "*.parquet file")
        return [os.path.join(path, n) for n in sorted(names, key=_natural_key)]
    return expand_paths(path, "path")


def normalize_filters(filters: Any, columns: Sequence[str]) -> list[list[tuple[str, str, Any]]]:
    """``filters`` as a list of conjunctions, checked against the dataset's ``columns``."""
    if not isinstance(filters, list) or not filters:
        raise ChunkArrayTypeError(
            "read_parquet: filters must be a non-empty list of (column, op, value) tuples or "
            f"a list of such lists, got {filters!r}"
        )
    dnf = [filters] if isinstance(filters[0], tuple) else filters
    out = []
    for conjunction in dnf:
        if not isinstance(conjunction, list) or not conjunction:
            raise ChunkArrayTypeError(
                f"read_parquet: filters: expected a non-empty list of tuples, got {conjunction!r}"
            )
        out.append([_check_predicate(p, columns) for p in conjunction])
    return out


def _check_predicate(predicate: Any, columns: Sequence[str]) -> tuple[str, str, Any]:
    if not isinstance(predicate, tuple) or len(predicate) != 3:
        raise ChunkArrayTypeError(
            f"read_parquet: filters: expected (column, op, value) tuples, got {predicate!r}"
        )
    column, op, value = predicate
    if column not in columns:
        raise ChunkArrayValueError(
            f"read_parquet: filters: no column {column!r}; the columns are {list(columns)}"
        )
    if op not in _OPS:
        raise ChunkArrayValueError(
            f"read_parquet: filters: op must be one of {', '.join(_OPS)}; got {op!r}"
        )
    if op in ("in", "not in") and not isinstance(value, (list, tuple, set, frozenset)):
        raise ChunkArrayTypeError(
            f"read_parquet: filters: {op!r} needs a list of values, got {value!r}"
        )
    return (column, op, value)


def filters_expression(filters: list[list[tuple[str, str, Any]]], schema: Any) -> Any:
    """The pyarrow compute expression of normalized ``filters`` over ``schema``.

    List values of ``in``/``not in`` take the column's type (an empty list too).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    def predicate(column: str, op: str, value: Any) -> Any:
        field = pc.field(column)
        if op in ("in", "not in"):
            values = pa.array(list(value), type=schema.field(column).type)
            test = field.isin(values)
            return ~test if op == "not in" else test
        compare = {"=": operator.eq, "==": operator.eq, "!=": operator.ne, "<": operator.lt,
                   "<=": operator.le, ">": operator.gt, ">=": operator.ge}[op]
        return compare(field, pc.scalar(value))

    expression = None
    for conjunction in filters:
        term = None
        for column, op, value in conjunction:
            p = predicate(column, op, value)
            term = p if term is None else term & p
        expression = term if expression is None else expression | term
    return expression


def _possible(op: str, value: Any, low: Any, high: Any) -> bool:
    try:
        if op in ("=", "=="):
            return bool(low <= value <= high)
        if op == "!=":
            return not (low == high == value)
        if op == "<":
            return bool(low < value)
        if op == "<=":
            return bool(low <= value)
        if op == ">":
            return bool(high > value)
        if op == ">=":
            return bool(high >= value)
        if op == "in":
            return any(low <= v <= high for v in value)
    except TypeError:
        pass
    return True


def may_match(ranges: dict[str, tuple[Any, Any]],
              filters: list[list[tuple[str, str, Any]]]) -> bool:
    """False only if the ``(min, max)`` of the columns rule out every conjunction."""
    for conjunction in filters:
        if all(c not in ranges or _possible(op, v, *ranges[c]) for c, op, v in conjunction):
            return True
    return False


def column_ranges(metadata: Any, row_group: int, columns: Sequence[str]) -> dict[str, Any]:
    """``{column: (min, max)}`` of a row group, for the columns with statistics."""
    group = metadata.row_group(row_group)
    out = {}
    for j in range(group.num_columns):
        chunk = group.column(j)
        name = chunk.path_in_schema
        stats = chunk.statistics
        if name in columns and stats is not None and stats.has_min_max:
            out[name] = (stats.min, stats.max)
    return out


def sorted_index_of(metadata: Any) -> str | None:
    """The index column a file says it holds sorted (written by ``to_parquet``)."""
    raw = (metadata.metadata or {}).get(METADATA_KEY)
    if raw is None:
        return None
    info = json.loads(raw)
    return info.get("sorted_index") if isinstance(info, dict) else None


def plan_pieces(files: list[str], metas: list[Any],
                filters: list[list[tuple[str, str, Any]]] | None,
                index_column: str | None) -> tuple[list[Piece], list[tuple[Any, Any]] | None]:
    """The pieces to read after pruning, and each piece's index range if all are known.

    ``metas`` are the files' footers (``pyarrow.parquet.read_metadata``). One file
    with several row groups gives a piece per row group; otherwise one piece per
    file (with its surviving row groups).
    """
    split = len(files) == 1 and metas[0].num_row_groups > 1
    wanted = [c for conj in filters or [] for c, _, _ in conj]
    if index_column is not None:
        wanted.append(index_column)
    pieces: list[Piece] = []
    ranges: list[tuple[Any, Any]] | None = [] if index_column is not None else None
    for path, meta in zip(files, metas):
        groups = []
        for g in range(meta.num_row_groups):
            stats = column_ranges(meta, g, wanted)
            if filters is None or may_match(stats, filters):
                groups.append((g, meta.row_group(g).num_rows, stats.get(index_column)))
        chosen = [[g] for g in groups] if split else ([groups] if groups else [])
        if not chosen and not pieces and path == files[-1]:
            chosen = [[]]  # keep one (empty) piece so the frame has a partition
        for part in chosen:
            rows = sum(n for _, n, _ in part)
            pieces.append(Piece(path, tuple(g for g, _, _ in part), rows))
            if ranges is not None:
                ranges = _add_range(ranges, [r for _, _, r in part], rows)
    return pieces, ranges


def _add_range(ranges: list[tuple[Any, Any]], parts: list[Any],
               rows: int) -> list[tuple[Any, Any]] | None:
    if not parts or rows == 0 or any(r is None for r in parts):
        return None
    return [*ranges, (min(r[0] for r in parts), max(r[1] for r in parts))]


# pandas' default missing-value markers (pandas.read_csv's na_values), so that a CSV
# read by pyarrow gives the same missing values as one read by pandas.
PANDAS_NA_VALUES = ("", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan",
                    "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a",
                    "nan", "null")


def read_csv_arrow(data: bytes, delimiter: str, include: Sequence[str],
                   types: dict[str, Any]) -> Any:
    """Parse CSV bytes with pyarrow (one thread) as pandas' defaults would read them.

    The header is the first line; ``types`` fixes every column's type (no inference),
    missing values are pandas' defaults, booleans pandas' spellings. Raises
    ``pyarrow.ArrowInvalid`` on anything it cannot read exactly so (callers then use
    pandas).

    >>> read_csv_arrow(b"a,b\\n1,x\\n,y\\n", ",", ["a"], {}).to_pydict()
    {'a': [1, None]}
    """
    import pyarrow as pa
    import pyarrow.csv as pcsv

    return pcsv.read_csv(
        pa.BufferReader(data),  # no copy, and no Python file calls holding the GIL
        read_options=pcsv.ReadOptions(use_threads=False),
        parse_options=pcsv.ParseOptions(delimiter=delimiter, quote_char='"', double_quote=True,
                                        escape_char=False, newlines_in_values=False,
                                        ignore_empty_lines=True),
        convert_options=pcsv.ConvertOptions(
            column_types=types, include_columns=list(include),
            null_values=list(PANDAS_NA_VALUES), strings_can_be_null=True,
            quoted_strings_can_be_null=True, true_values=["True", "TRUE", "true"],
            false_values=["False", "FALSE", "false"]),
    )


def csv_header_names(header: bytes, delimiter: str) -> list[str]:
    """The column names pyarrow reads from a CSV header line.

    >>> csv_header_names(b'a,"b c"\\n', ",")
    ['a', 'b c']
    """
    import io

    import pyarrow.csv as pcsv

    table = pcsv.read_csv(io.BytesIO(header), parse_options=pcsv.ParseOptions(
        delimiter=delimiter, quote_char='"', double_quote=True, escape_char=False))
    return list(table.column_names)
