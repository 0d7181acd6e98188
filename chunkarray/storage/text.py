"""Text files split into blocks on record boundaries (for ``read_csv`` and ``read_text``).

Policy
------
A file is cut into byte ranges ``(offset, length)`` by :func:`byte_blocks`; the
ranges know nothing about lines. :func:`read_block` turns a range into whole records:
it returns the bytes of every record that *starts* in ``[offset, offset + length)``.
A record starts at byte 0 and just after every delimiter, so a block begins at the
first record start at or after ``offset`` and ends at the first record start at or
after ``offset + length`` (or at the end of the file).

Invariant: for consecutive ranges covering a file, the blocks concatenate to exactly
the file's bytes, each record in exactly one block, whatever the block size (a block
smaller than a record is simply empty), with or without a trailing delimiter.

Reading a block costs a seek, a read of the range and a short scan past its end to the
next delimiter; the rest of the file is never read. Compressed files (gzip, bz2, xz)
cannot be entered in the middle, so they are always one block.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "a.txt")
>>> with open(path, "wb") as f:
...     _ = f.write(b"one\\ntwo\\nthree\\n")
>>> blocks = byte_blocks(path, 5)
>>> blocks
[(0, 5), (5, 5), (10, 4)]
>>> [read_block(path, offset, length) for offset, length in blocks]
[b'one\\ntwo\\n', b'three\\n', b'']
"""

from __future__ import annotations

import bz2
import glob
import gzip
import lzma
import os
import re
from collections.abc import Sequence
from typing import IO, Any

from chunkarray.errors import ChunkArrayTypeError, ChunkArrayValueError, NoFilesFoundError
from chunkarray.sizes import parse_bytes

__all__ = [
    "byte_blocks", "count_delimiters", "expand_paths", "head_bytes", "infer_compression",
    "lines_before", "open_file", "read_block",
]

COMPRESSIONS: dict[str, Any] = {"gzip": gzip.open, "bz2": bz2.open, "xz": lzma.open}
_EXTENSIONS = {".gz": "gzip", ".gzip": "gzip", ".bz2": "bz2", ".xz": "xz"}
_SCAN = 1 << 16  # bytes read at a time while looking for the next delimiter
_DIGITS = re.compile(r"(\d+)")


def _natural_key(path: str) -> list[Any]:
    # "part.10" after "part.9": digit runs compare as numbers, the rest as text.
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in _DIGITS.split(path)]


def expand_paths(urlpath: Any, argument: str = "path") -> list[str]:
    """The files named by a path, a glob pattern, or a list of them.

    Parameters
    ----------
    urlpath : str, os.PathLike, or a list/tuple of them
        Plain paths are kept as given (they must exist); patterns containing
        ``*``, ``?`` or ``[`` are expanded, their matches sorted in natural order
        (``part.2`` before ``part.10``). Lists keep their order, each entry expanded.
    argument : str
        The argument's name in error messages.

    Returns
    -------
    list of str

    Raises
    ------
    NoFilesFoundError
        (a ``FileNotFoundError``) naming the pattern or path that matched nothing.
    TypeError
        If ``urlpath`` is neither a path nor a list of paths.

    Examples
    --------
    >>> import os, tempfile
    >>> root = tempfile.mkdtemp()
    >>> for name in ["f10.csv", "f2.csv"]:
    ...     open(os.path.join(root, name), "w").close()
    >>> [os.path.basename(p) for p in expand_paths(os.path.join(root, "*.csv"))]
    ['f2.csv', 'f10.csv']
    """
    if isinstance(urlpath, (str, os.PathLike)):
        patterns = [urlpath]
    elif isinstance(urlpath, Sequence) and not isinstance(urlpath, bytes) and urlpath:
        patterns = list(urlpath)
    else:
        raise ChunkArrayTypeError(
            f"{argument}: expected a path, a glob pattern or a non-empty list of them, "
            f"got {urlpath!r}"
        )
    for pattern in patterns:
        if not isinstance(pattern, (str, os.PathLike)):
            raise ChunkArrayTypeError(f"{argument}: expected paths, got {pattern!r} in the list")
    return [path for pattern in patterns for path in _expand_one(os.fspath(pattern), argument)]


def _expand_one(pattern: str, argument: str) -> list[str]:
    if glob.has_magic(pattern):
        matches = sorted(glob.glob(pattern), key=_natural_key)
        if not matches:
            raise NoFilesFoundError(f"{argument}: the pattern {pattern!r} matched no file")
        return matches
    if not os.path.exists(pattern):
        raise NoFilesFoundError(f"{argument}: no such file {pattern!r}")
    return [pattern]


def infer_compression(
    path: str | os.PathLike[str], compression: str | None = "infer"
) -> str | None:
    """The compression of ``path``: ``"gzip"``, ``"bz2"``, ``"xz"`` or None.

    ``"infer"`` looks at the extension (``.gz``, ``.bz2``, ``.xz``); an explicit value
    is checked and returned.

    Examples
    --------
    >>> infer_compression("data/a.csv.gz")
    'gzip'
    >>> infer_compression("data/a.csv") is None
    True
    >>> infer_compression("a.csv", "zip")
    Traceback (most recent call last):
    ...
    chunkarray.errors.ChunkArrayValueError: infer_compression: compression must be ... got 'zip'
    """
    if compression == "infer":
        return _EXTENSIONS.get(os.path.splitext(os.fspath(path))[1].lower())
    if compression is None or compression in COMPRESSIONS:
        return compression
    raise ChunkArrayValueError(
        "infer_compression: compression must be one of 'infer', None, "
        f"{', '.join(repr(c) for c in COMPRESSIONS)}; got {compression!r}"
    )


def open_file(path: str | os.PathLike[str], compression: str | None = None) -> IO[bytes]:
    """Open ``path`` for binary reading, decompressing with ``compression`` if given.

    >>> import gzip, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "a.txt.gz")
    >>> with gzip.open(path, "wb") as f:
    ...     _ = f.write(b"hello")
    >>> with open_file(path, "gzip") as f:
    ...     f.read()
    b'hello'
    """
    if compression is None:
        return open(path, "rb")
    opener = COMPRESSIONS[infer_compression(path, compression)]  # type: ignore[index]
    return opener(path, "rb")  # type: ignore[no-any-return]


def byte_blocks(
    path: str | os.PathLike[str],
    blocksize: int | str | None,
    compression: str | None = "infer",
    first: int = 0,
) -> list[tuple[int, int]]:
    """Byte ranges ``(offset, length)`` covering ``path`` in steps of ``blocksize``.

    ``blocksize=None`` gives one block; so does a compressed file (whose ranges then
    stand for the decompressed stream: pass them to :func:`read_block` with the
    compression). An empty file has one empty block. The first range reaches past
    byte ``first`` (cuts at or before it are dropped), so that the first block holds
    a header of ``first`` bytes and at least the record after it.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "a.txt")
    >>> with open(path, "wb") as f:
    ...     _ = f.write(b"x" * 10)
    >>> byte_blocks(path, 4)
    [(0, 4), (4, 4), (8, 2)]
    >>> byte_blocks(path, None)
    [(0, 10)]
    >>> byte_blocks(path, 4, first=4)
    [(0, 8), (8, 2)]
    """
    size = os.path.getsize(path)
    if blocksize is None or infer_compression(path, compression) is not None:
        return [(0, size)]
    step = parse_bytes(blocksize, name="blocksize")
    if step <= 0:
        raise ChunkArrayValueError(f"byte_blocks: blocksize must be > 0 bytes, got {blocksize!r}")
    cuts = [start for start in range(step, size, step) if start > first]
    bounds = [0, *cuts, size]
    return [(a, b - a) for a, b in zip(bounds[:-1], bounds[1:])]


def _record_start(f: IO[bytes], position: int, delimiter: bytes) -> int:
    """The first record start at or after ``position``: 0, or just after a delimiter."""
    if position <= 0:
        return 0
    scan_from = max(position - len(delimiter), 0)
    f.seek(scan_from)
    carry = b""
    base = scan_from
    while True:
        chunk = f.read(_SCAN)
        if not chunk:
            return base + len(carry)
        data = carry + chunk
        found = data.find(delimiter)
        if found >= 0:
            return base + found + len(delimiter)
        keep = len(delimiter) - 1
        carry = data[len(data) - keep:] if keep else b""
        base += len(data) - len(carry)


def read_block(
    path: str | os.PathLike[str],
    offset: int,
    length: int | None,
    delimiter: bytes = b"\n",
    compression: str | None = None,
    prefix: bytes = b"",
) -> bytes | bytearray:
    """The bytes of the records of ``path`` that start in ``[offset, offset + length)``.

    Parameters
    ----------
    path : str or os.PathLike
    offset, length : int
        A byte range, as made by :func:`byte_blocks`. ``length=None`` reads to the end.
    delimiter : bytes
        The record separator (kept at the end of each record).
    compression : {None, "gzip", "bz2", "xz"}
        A compressed file is read whole (``offset`` must then be 0).
    prefix : bytes
        Put in front of a non-empty block, in the same buffer (a ``bytearray``): no
        second copy of the block (a CSV header). An empty block is ``b""``.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "a.txt")
    >>> with open(path, "wb") as f:
    ...     _ = f.write(b"ab\\ncd\\nef")
    >>> read_block(path, 1, 4)
    b'cd\\n'
    >>> read_block(path, 5, 10)
    b'ef'
    >>> bytes(read_block(path, 5, 10, prefix=b"x\\n"))
    b'x\\nef'
    """
    if not isinstance(delimiter, bytes) or not delimiter:
        raise ChunkArrayValueError(
            f"read_block: delimiter must be non-empty bytes, got {delimiter!r}"
        )
    if compression is not None:
        if offset != 0:
            raise ChunkArrayValueError(
                f"read_block: a {compression}-compressed file is one block; got offset={offset}"
            )
        with open_file(path, compression) as f:
            data = f.read()
        return prefix + data if prefix and data else data
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        start = _record_start(f, offset, delimiter)
        end = size if length is None else _record_start(f, offset + length, delimiter)
        end = min(end, size)
        if start >= end:
            return b""
        f.seek(start)
        if not prefix:
            return f.read(end - start)
        return _read_after(f, end - start, prefix)


def _read_after(f: IO[bytes], n: int, prefix: bytes) -> bytearray:
    """``prefix`` followed by the next ``n`` bytes of ``f``, in one buffer."""
    buffer = bytearray(len(prefix) + n)
    buffer[: len(prefix)] = prefix
    with memoryview(buffer) as view:
        got = 0
        while got < n:
            count = f.readinto(view[len(prefix) + got:])  # type: ignore[attr-defined]
            if not count:
                break
            got += count
    del buffer[len(prefix) + got:]
    return buffer


def count_delimiters(path: str | os.PathLike[str], stop: int, delimiter: bytes = b"\n") -> int:
    """How many delimiters lie before byte ``stop`` of ``path`` (line numbers in errors).

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "a.txt")
    >>> with open(path, "wb") as f:
    ...     _ = f.write(b"a\\nb\\nc\\n")
    >>> count_delimiters(path, 4)
    2
    """
    count = 0
    with open(path, "rb") as f:
        remaining = stop
        carry = b""
        while remaining > 0:
            chunk = f.read(min(_SCAN, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            data = carry + chunk
            count += data.count(delimiter)
            keep = len(delimiter) - 1
            carry = data[len(data) - keep:] if keep else b""
            if keep:
                count -= carry.count(delimiter)
    return count


def lines_before(path: str | os.PathLike[str], offset: int, delimiter: bytes = b"\n") -> int:
    """How many records precede the block :func:`read_block` returns for ``offset``.

    Reads the file up to ``offset`` (for error messages: line numbers within a file).

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "a.txt")
    >>> with open(path, "wb") as f:
    ...     _ = f.write(b"a\\nbb\\nc\\n")
    >>> lines_before(path, 0), lines_before(path, 2), lines_before(path, 3)
    (0, 1, 2)
    """
    if offset <= 0:
        return 0
    with open(path, "rb") as f:
        start = _record_start(f, offset, delimiter)
    return count_delimiters(path, start, delimiter)


def head_bytes(
    path: str | os.PathLike[str],
    lines: int,
    delimiter: bytes = b"\n",
    compression: str | None = None,
) -> bytes:
    """The first ``lines`` records of ``path`` with their delimiters (a CSV header).

    Fewer if the file has fewer; reads only as far as needed.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "a.csv")
    >>> with open(path, "wb") as f:
    ...     _ = f.write(b"x,y\\n1,2\\n")
    >>> head_bytes(path, 1)
    b'x,y\\n'
    """
    if lines <= 0:
        return b""
    out = b""
    with open_file(path, compression) as f:
        while out.count(delimiter) < lines:
            chunk = f.read(_SCAN)
            if not chunk:
                return out
            out += chunk
    end = -len(delimiter)
    for _ in range(lines):
        end = out.index(delimiter, end + len(delimiter))
    return out[: end + len(delimiter)]
