"""The spill store: chunks moved out of memory into files, reloaded without a copy.

Formats, chosen by the value
----------------------------
- ``npy``: an ``np.ndarray`` (or ``np.memmap``) of a fixed-size dtype (bool, numbers,
  datetimes, bytes/str of fixed width, structured without objects) is written raw with
  ``np.lib.format.write_array``, any order and byte order kept. :meth:`SpillStore.get`
  maps it read-only (``np.load(mmap_mode="r")``): no copy, the pages load on use and the
  OS may drop them again. An empty array cannot be mapped and is read normally.
- ``parquet``: a pandas DataFrame or Series whose columns and index pyarrow restores
  exactly (string column names, dtypes from a safe list, see :func:`_is_parquet_safe`),
  uncompressed. A Series is stored as a one-column frame; its name and an index's
  ``freq`` travel in the file's metadata.
- ``pickle``: everything else, and frames that fail the check above (protocol 5, the
  buffers in the same file). A value that cannot be pickled raises :class:`UnspillableError`.

State and invariants
--------------------
A store owns one directory, made fresh by ``tempfile.mkdtemp`` inside the given parent
(the ``spill_dir`` setting by default) and removed by :meth:`SpillStore.close`, when the
store is garbage-collected, and at interpreter exit (``weakref.finalize``; also after an
uncaught exception; not after ``SIGKILL``). Only the process that made it removes it,
so forked workers never do.

Every file is written under a temporary sibling name and renamed into place only when
complete, so a file under a final name is always whole; a failed write removes its
temporary file and raises :class:`SpillError` (an ``OSError``), leaving earlier files
alone. Files are not fsynced: spill data does not outlive the process anyway.

A file name is ``<key name>-<hash of the key>-<counter>.<kind>``: readable, safe on any
file system, and unique per :meth:`SpillStore.put`, so a key spilled twice gets two files
and deleting the older handle never removes the newer file. Deleting a file that is
still memory-mapped is safe on POSIX: the mapping keeps the data until it is dropped.

>>> import numpy as np
>>> with SpillStore() as store:
...     handle = store.put(("x", 0), np.arange(4.0))
...     back = store.get(handle)
...     print(handle.kind, type(back).__name__, back.tolist())
npy memmap [0.0, 1.0, 2.0, 3.0]
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import hashlib
import itertools
import os
import pickle
import re
import shutil
import sys
import tempfile
import threading
import weakref
from collections.abc import Callable, Hashable
from types import TracebackType
from typing import Any, Literal, Self

import numpy as np

from chunkarray import config
from chunkarray.errors import ChunkArrayError, ChunkArrayTypeError, ChunkNotFoundError
from chunkarray.storage.atomic import discard, temporary_sibling

__all__ = ["SpillDirError", "SpillError", "SpillHandle", "SpillStore", "UnspillableError"]

Kind = Literal["npy", "parquet", "pickle"]
_SUFFIX: dict[str, str] = {"npy": ".npy", "parquet": ".parquet", "pickle": ".pkl"}
_NPY_KINDS = frozenset("biufcmMSUV")  # fixed-size dtypes; "O" and StringDType ("T") pickle
_META = b"chunkarray.spill"  # parquet schema-metadata key: series name, index freq


class SpillDirError(ChunkArrayError, OSError):
    """The spill directory cannot be made or written; the message names it and says why."""


class SpillError(ChunkArrayError, OSError):
    """Writing or reading a spill file failed (disk full, I/O error); ``errno`` is the cause's."""


class UnspillableError(ChunkArrayTypeError):
    """A value has no spill format: it is not an array or a frame and cannot be pickled."""


@dataclasses.dataclass(frozen=True, slots=True)
class SpillHandle:
    """Where a spilled value lives: its file, its format, and the file's size in bytes."""

    path: str
    kind: Kind
    nbytes: int


class SpillStore:
    """Spill files in a private directory, safe to use from many threads at once.

    Parameters
    ----------
    directory : str or os.PathLike, optional
        The parent in which the store makes its own fresh subdirectory (created with its
        parents if missing). None means the ``spill_dir`` setting, read now.

    Attributes
    ----------
    directory : str
        The store's own subdirectory, removed by `close` and at exit.
    parent : str
        The directory it was made in.

    Raises
    ------
    SpillDirError
        An ``OSError`` if the directory cannot be created or written, naming it and the
        reason.

    Examples
    --------
    >>> store = SpillStore()
    >>> handle = store.put("greeting", {"hello": [1, 2]})
    >>> handle.kind, store.get(handle)
    ('pickle', {'hello': [1, 2]})
    >>> store.delete(handle); store.bytes_on_disk
    0
    >>> store.close()
    >>> os.path.exists(store.directory)
    False
    """

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        from_setting = directory is None
        self.parent: str = config.get("spill_dir") if directory is None else os.fspath(directory)
        self.directory: str = _make_directory(self.parent, from_setting)
        self._lock = threading.Lock()
        self._sizes: dict[str, int] = {}  # path -> size of every live file
        self._bytes = 0
        self._counter = itertools.count()
        self._closed = False
        self._finalizer = weakref.finalize(self, _remove_directory, self.directory, os.getpid())

    def put(self, key: Hashable, value: object) -> SpillHandle:
        """Write ``value`` to a new file named after ``key``; return its handle.

        Raises
        ------
        SpillError
            An ``OSError`` if the write fails (disk full, say): no file is left behind
            and earlier files are untouched.
        UnspillableError
            A ``TypeError`` if ``value`` cannot be pickled.
        """
        self._check_open("put")
        with self._lock:
            number = next(self._counter)
        stem = os.path.join(self.directory, f"{_stem(key)}-{number}")
        try:
            handle = _write(stem, value)
        except OSError as error:
            raise _spill_error(key, self.directory, error) from error
        except _PickleFailure as failure:
            cause = failure.__cause__
            raise UnspillableError(
                f"SpillStore.put: cannot spill {_short(key)}: a {type(value).__name__} is "
                f"neither an array nor a frame and cannot be pickled ({cause})"
            ) from cause
        with self._lock:
            self._sizes[handle.path] = handle.nbytes
            self._bytes += handle.nbytes
        return handle

    def get(self, handle: SpillHandle) -> Any:
        """The value stored under ``handle``: an array comes back as a read-only np.memmap.

        Raises
        ------
        ChunkNotFoundError
            A ``FileNotFoundError`` if the file was deleted.
        SpillError
            An ``OSError`` for any other read failure.
        """
        self._check_open("get")
        try:
            return _READERS[handle.kind](handle)
        except FileNotFoundError as error:
            raise ChunkNotFoundError(
                f"SpillStore.get: spill file {handle.path!r} is missing; it was deleted"
            ) from error
        except OSError as error:
            raise SpillError(
                f"SpillStore.get: could not read spill file {handle.path!r}: {error}"
            ) from error

    def delete(self, handle: SpillHandle) -> None:
        """Remove the file of ``handle``; a file already gone is fine."""
        if os.path.dirname(handle.path) != self.directory:
            raise ValueError(
                f"SpillStore.delete: {handle.path!r} is not a file of the store in "
                f"{self.directory!r}"
            )
        with self._lock:
            self._bytes -= self._sizes.pop(handle.path, 0)
        with contextlib.suppress(FileNotFoundError):
            os.remove(handle.path)

    @property
    def bytes_on_disk(self) -> int:
        """The total size of the live spill files."""
        with self._lock:
            return self._bytes

    def close(self) -> None:
        """Remove the directory and everything in it. Idempotent."""
        with self._lock:
            self._closed = True
            self._sizes.clear()
            self._bytes = 0
        self._finalizer()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"{len(self._sizes)} files, {self._bytes} bytes"
        return f"SpillStore({self.directory!r}, {state})"

    def _check_open(self, method: str) -> None:
        if self._closed:
            raise SpillError(f"SpillStore.{method}: the store in {self.directory!r} is closed")


def _make_directory(parent: str, from_setting: bool) -> str:
    origin = " (the spill_dir setting, or CHUNKARRAY_SPILL_DIR)" if from_setting else ""
    try:
        if os.path.exists(parent) and not os.path.isdir(parent):
            reason = "it exists and is not a directory"
            raise NotADirectoryError(errno.ENOTDIR, reason, parent)
        os.makedirs(parent, exist_ok=True)
        return tempfile.mkdtemp(prefix="chunkarray-spill-", dir=parent)
    except OSError as cause:
        reason = cause.strerror or str(cause)
        error = SpillDirError(f"spill directory {parent!r}{origin} cannot be used: {reason}")
        error.errno = cause.errno  # not filename: it would reformat the message
        raise error from cause


def _remove_directory(directory: str, owner: int) -> None:
    if os.getpid() == owner:
        shutil.rmtree(directory, ignore_errors=True)


def _short(key: Hashable) -> str:
    text = repr(key)
    return text if len(text) <= 200 else text[:197] + "..."


def _stem(key: Hashable) -> str:
    """A file-name stem for ``key``: its sanitized name part, then a hash of its repr."""
    text = repr(key)
    name = key[0] if isinstance(key, tuple) and key else key
    readable = re.sub(r"[^0-9A-Za-z_-]+", "_", str(name))[:40].strip("_") or "chunk"
    digest = hashlib.blake2b(text.encode("utf-8", "backslashreplace"), digest_size=8)
    return f"{readable}-{digest.hexdigest()}"


def _spill_error(key: Hashable, directory: str, cause: OSError) -> SpillError:
    hint = ""
    if cause.errno in (errno.ENOSPC, errno.EDQUOT):
        hint = "; free some space or point the spill_dir setting at a larger disk"
    error = SpillError(f"could not spill {_short(key)} to {directory!r}: {cause}{hint}")
    error.errno = cause.errno
    return error


class _PickleFailure(Exception):
    """Internal: pickling failed for a reason other than an OSError."""


def _write_atomic(path: str, writer: Callable[[str, Any], None], value: Any) -> int:
    """Write with ``writer(tmp, value)`` to a temporary sibling, then rename it to ``path``."""
    tmp = os.fspath(temporary_sibling(path))
    try:
        writer(tmp, value)
        size = os.path.getsize(tmp)
        os.replace(tmp, path)
    except BaseException:
        discard(tmp)
        raise
    return size


def _write(stem: str, value: object) -> SpillHandle:
    # Only plain arrays: a subclass (a masked array...) would lose its extra state.
    if (
        isinstance(value, np.ndarray)
        and type(value) in (np.ndarray, np.memmap)
        and _is_npy_dtype(value.dtype)
    ):
        return _handle(stem, "npy", _write_npy, value)
    table = _frame_table(value)
    if table is not None:
        try:
            return _handle(stem, "parquet", _write_parquet, table)
        except OSError:
            raise
        except Exception:  # pyarrow converted the frame but cannot write it: pickle it
            pass
    return _handle(stem, "pickle", _write_pickle, value)


def _handle(stem: str, kind: Kind, writer: Callable[[str, Any], None], value: Any) -> SpillHandle:
    path = stem + _SUFFIX[kind]
    return SpillHandle(path, kind, _write_atomic(path, writer, value))


def _is_npy_dtype(dtype: np.dtype[Any]) -> bool:
    return dtype.kind in _NPY_KINDS and not dtype.hasobject


def _write_npy(path: str, array: np.ndarray[Any, Any]) -> None:
    with open(path, "wb") as file:
        np.lib.format.write_array(file, array, allow_pickle=False)


def _write_pickle(path: str, value: object) -> None:
    with open(path, "wb") as file:
        try:
            pickle.dump(value, file, protocol=5)
        except OSError:
            raise
        except Exception as error:  # PicklingError, TypeError, AttributeError, ...
            raise _PickleFailure() from error


def _arrow() -> tuple[Any, Any]:
    """pyarrow and pyarrow.parquet, imported when the first frame is spilled."""
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    return pa, pq


def _write_parquet(path: str, table: Any) -> None:
    _arrow()[1].write_table(table, path, compression="none")


def _frame_table(value: object) -> Any:
    """The Arrow table to write for a pandas DataFrame or Series, else None (pickle it)."""
    pd: Any = sys.modules.get("pandas")
    if pd is None or not isinstance(value, (pd.DataFrame, pd.Series)):
        return None
    series = isinstance(value, pd.Series)
    frame = value.to_frame("series") if series else value
    if not _is_parquet_safe(pd, frame):
        return None
    pa = _arrow()[0]
    timed = isinstance(frame.index, (pd.DatetimeIndex, pd.TimedeltaIndex))
    freq = frame.index.freq if timed else None
    try:
        meta = pickle.dumps({"series": series, "name": value.name if series else None,
                             "freq": freq}, protocol=5)
        table = pa.Table.from_pandas(frame)
    except Exception:  # an unpicklable name, or a column pyarrow cannot convert
        return None
    return table.replace_schema_metadata({**(table.schema.metadata or {}), _META: meta})


_MASKED_DTYPES = ("Int8Dtype", "Int16Dtype", "Int32Dtype", "Int64Dtype", "UInt8Dtype",
                  "UInt16Dtype", "UInt32Dtype", "UInt64Dtype", "Float32Dtype", "Float64Dtype",
                  "BooleanDtype")


def _is_parquet_safe(pd: Any, frame: Any) -> bool:
    """True if pyarrow restores ``frame`` exactly: unique str column names, safe dtypes."""
    columns, index = frame.columns, frame.index
    if isinstance(columns, pd.MultiIndex) or not len(columns) or not columns.is_unique:
        return False
    # An object-dtype Index of str would come back with the str dtype.
    if not _is_string_dtype(pd, columns.dtype) or not all(isinstance(c, str) for c in columns):
        return False
    if not all(name is None or isinstance(name, str) for name in [columns.name, *index.names]):
        return False
    levels = index.levels if isinstance(index, pd.MultiIndex) else [index]
    dtypes = [*frame.dtypes, *(level.dtype for level in levels)]
    return all(_is_parquet_dtype(pd, dtype) for dtype in dtypes)


def _is_parquet_dtype(pd: Any, dtype: Any) -> bool:
    if isinstance(dtype, np.dtype):
        if dtype.kind in "mM":
            return bool(np.datetime_data(dtype)[0] in ("ms", "us", "ns"))
        return dtype.kind in "biuf"
    if isinstance(dtype, pd.CategoricalDtype):  # other categories come back decoded
        return _is_string_dtype(pd, dtype.categories.dtype)
    if isinstance(dtype, pd.DatetimeTZDtype):
        return bool(dtype.unit in ("ms", "us", "ns"))
    if isinstance(dtype, pd.StringDtype):
        return _is_string_dtype(pd, dtype)
    masked = tuple(getattr(pd, name) for name in _MASKED_DTYPES)
    return isinstance(dtype, (pd.PeriodDtype, pd.ArrowDtype, *masked))


def _is_string_dtype(pd: Any, dtype: Any) -> bool:
    # Python-backed strings come back pyarrow-backed.
    return isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"


def _read_npy(handle: SpillHandle) -> Any:
    try:
        array = np.load(handle.path, mmap_mode="r", allow_pickle=False)
    except ValueError:  # an empty data range that this NumPy cannot map
        return np.load(handle.path, allow_pickle=False)
    # Nothing to map: a plain array holds no file open.
    return np.array(array) if array.size == 0 else array


def _read_parquet(handle: SpillHandle) -> Any:
    table = _arrow()[1].read_table(handle.path)
    info = pickle.loads(table.schema.metadata[_META])
    # Arrow buffers are freed column by column as they convert: no second full copy.
    frame = table.to_pandas(split_blocks=True, self_destruct=True)
    if info["freq"] is not None:
        frame.index.freq = info["freq"]
    if not info["series"]:
        return frame
    series = frame.iloc[:, 0]
    series.name = info["name"]
    return series


def _read_pickle(handle: SpillHandle) -> Any:
    with open(handle.path, "rb") as file:
        return pickle.load(file)


_READERS: dict[str, Callable[[SpillHandle], Any]] = {
    "npy": _read_npy, "parquet": _read_parquet, "pickle": _read_pickle,
}
