"""Text files in and out: ``read_text`` (one line per element) and ``to_textfiles``.

``read_text`` cuts each plain file into blocks of about ``blocksize`` bytes on line
boundaries (:mod:`chunkarray.storage.text`); a compressed file (gzip, bz2, xz) is
one block. A block is read, decoded and split into lines by the task that uses it,
as the head of its pipeline, so reading fuses with the steps after it. Lines keep
their line ending (``"\\n"``; ``"\\r\\n"`` and ``"\\r"`` read as ``"\\n"``, as
``open(path).readlines()`` does).

``to_textfiles`` writes one file per partition, each through a temporary name and
a rename, so a failed write never leaves a file that looks complete.

>>> import os, tempfile
>>> import chunkarray.bag as cab
>>> root = tempfile.mkdtemp()
>>> b = cab.from_sequence(["a", "b", "c"], npartitions=2)
>>> b.to_textfiles(os.path.join(root, "*.txt"), last_endline=True)
['.../0.txt', '.../1.txt']
>>> cab.read_text(os.path.join(root, "*.txt")).compute()
['a\\n', 'b\\n', 'c\\n']
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Sequence
from typing import Any

from chunkarray.bag.core import Bag
from chunkarray.bag.layers import check_bag, pipeline_bag
from chunkarray.bag.partition import Pipeline
from chunkarray.errors import ChunkArrayTypeError, ChunkArrayValueError
from chunkarray.graph.blockwise import Blockwise
from chunkarray.graph.graph import Graph
from chunkarray.storage.atomic import atomic_file
from chunkarray.storage.text import (
    COMPRESSIONS, byte_blocks, expand_paths, infer_compression, read_block,
)
from chunkarray.tokenize import name as make_name

__all__ = ["read_text", "to_textfiles"]


class Blocks:
    """Per-partition ``(path, offset, length, compression)`` (a BlockValues)."""

    def __init__(self, blocks: list[tuple[str, int, int, str | None]]) -> None:
        self.blocks = blocks
        self.numblocks = (len(blocks),)

    def __getitem__(self, index: tuple[int, ...]) -> tuple[str, int, int, str | None]:
        return self.blocks[index[0]]

    def __chunkarray_tokenize__(self) -> Any:
        stats = []
        for path in dict.fromkeys(b[0] for b in self.blocks):
            st = os.stat(path)
            stats.append((path, st.st_size, st.st_mtime_ns))
        return (self.blocks, stats)


class ReadLines:
    """The head of a ``read_text`` pipeline: a block's lines (with ``(line, path)`` pairs
    when ``include_path``)."""

    __name__ = "read_text"

    def __init__(self, encoding: str, errors: str, include_path: bool) -> None:
        self.encoding, self.errors, self.include_path = encoding, errors, include_path

    def __reduce__(self) -> Any:
        return (ReadLines, (self.encoding, self.errors, self.include_path))

    def __chunkarray_tokenize__(self) -> Any:
        return ("ReadLines", self.encoding, self.errors, self.include_path)

    def __call__(self, block: tuple[str, int, int, str | None]) -> list[Any]:
        path, offset, length, compression = block
        data = read_block(path, offset, length, compression=compression)
        try:
            lines = io.TextIOWrapper(io.BytesIO(data), encoding=self.encoding,
                                     errors=self.errors).readlines()
        except UnicodeDecodeError:
            raise _decode_error(data, path, offset, self.encoding, self.errors) from None
        if self.include_path:
            return [(line, path) for line in lines]
        return lines


def _decode_error(data: bytes, path: str, offset: int, encoding: str,
                  errors: str) -> UnicodeDecodeError:
    """The decoding error with the file, the byte offset in it and the encoding named."""
    try:
        data.decode(encoding, errors)
    except UnicodeDecodeError as exc:
        lo = max(exc.start - 16, 0)
        start = _block_start(path, offset)
        reason = (f"{exc.reason} (read_text: cannot decode file {path!r} as {encoding!r}"
                  f" at byte {start + exc.start})")
        return UnicodeDecodeError(exc.encoding, data[lo:exc.end + 16], exc.start - lo,
                                  exc.end - lo, reason)
    return UnicodeDecodeError(encoding, b"", 0, 0, f"read_text: cannot decode {path!r}")


def _block_start(path: str, offset: int) -> int:
    """Where the block of records starting at or after ``offset`` begins in the file."""
    if offset <= 0:
        return 0
    with open(path, "rb") as f:
        f.seek(offset - 1)
        position = offset - 1
        while chunk := f.read(1 << 16):
            found = chunk.find(b"\n")
            if found >= 0:
                return position + found + 1
            position += len(chunk)
    return position


def _splittable(encoding: str) -> bool:
    """Whether a newline is the byte ``\\n`` in this encoding (not in UTF-16, UTF-32)."""
    try:
        return "\n".encode(encoding) == b"\n"
    except LookupError:
        raise ChunkArrayValueError(f"read_text: unknown encoding {encoding!r}") from None


def read_text(urlpath: Any, blocksize: int | str | None = None, encoding: str = "utf-8",
              errors: str = "strict", compression: str | None = "infer",
              include_path: bool = False) -> Bag:
    """A bag of the lines of text files, one partition per block of each file.

    Parameters
    ----------
    urlpath : str, path, or list of them
        Files or glob patterns (``"logs/*.txt"``).
    blocksize : int or str, optional
        Cut plain files into blocks of about this many bytes (``"64MiB"``), on
        line boundaries; None: one block per file. Compressed files are one block.
    encoding, errors : str
        How the bytes are decoded (as for :func:`open`).
    compression : {"infer", None, "gzip", "bz2", "xz"}
        "infer" goes by the file extension.
    include_path : bool
        Make each element a ``(line, path)`` pair.

    Raises
    ------
    FileNotFoundError
        If a pattern matches nothing or a path does not exist (naming it).

    Examples
    --------
    >>> import os, tempfile
    >>> import chunkarray.bag as cab
    >>> path = os.path.join(tempfile.mkdtemp(), "a.txt")
    >>> with open(path, "w") as f:
    ...     _ = f.write("one\\ntwo\\nthree\\n")
    >>> b = cab.read_text(path, blocksize=5)
    >>> b.npartitions, b.compute()
    (3, ['one\\n', 'two\\n', 'three\\n'])
    """
    paths = expand_paths(urlpath, argument="read_text: urlpath")
    splittable = _splittable(encoding)
    blocks = []
    for path in paths:
        comp = infer_compression(path, compression)
        size = blocksize if splittable else None
        for offset, length in byte_blocks(path, size, comp):
            blocks.append((path, offset, length if comp is None else None, comp))
    head = ReadLines(encoding, errors, bool(include_path))
    values = Blocks(blocks)
    return pipeline_bag("read_text", Pipeline(head), [(values, "i")], {}, (), len(blocks))


class FileNames:
    """Per-partition output file names (a BlockValues)."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.numblocks = (len(names),)

    def __getitem__(self, index: tuple[int, ...]) -> str:
        return self.names[index[0]]

    def __chunkarray_tokenize__(self) -> Any:
        return tuple(self.names)


class WriteText:
    """Write one partition's strings to a file, atomically; returns ``[path]``."""

    __name__ = "to_textfiles"

    def __init__(self, encoding: str, compression: str | None, last_endline: bool) -> None:
        self.encoding, self.compression, self.last_endline = encoding, compression, last_endline

    def __reduce__(self) -> Any:
        return (WriteText, (self.encoding, self.compression, self.last_endline))

    def __chunkarray_tokenize__(self) -> Any:
        return ("WriteText", self.encoding, self.compression, self.last_endline)

    def __call__(self, part: Sequence[Any], path: str) -> list[str]:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        comp = infer_compression(path, self.compression)
        opener: Callable[..., Any] = open if comp is None else COMPRESSIONS[comp]
        with atomic_file(path) as tmp:
            with opener(tmp, "wt", encoding=self.encoding, newline="") as f:
                first = True
                for element in part:
                    if not isinstance(element, str):
                        raise ChunkArrayTypeError(
                            f"to_textfiles: elements must be str, got {type(element).__name__}"
                            f" (map(str) or map(json.dumps) first)"
                        )
                    if not first:
                        f.write("\n")
                    f.write(element)
                    first = False
                if self.last_endline and not first:
                    f.write("\n")
        return [path]


def _file_names(path: Any, n: int, name_function: Callable[[int], str] | None) -> list[str]:
    if isinstance(path, (list, tuple)):
        names = [os.fspath(p) for p in path]
        if len(names) != n:
            raise ChunkArrayValueError(
                f"to_textfiles: got {len(names)} paths for {n} partitions"
            )
        return names
    if not isinstance(path, (str, os.PathLike)):
        raise ChunkArrayTypeError(
            f"to_textfiles: path must be a directory, a pattern with '*' or a list of paths, "
            f"got {path!r}"
        )
    pattern = os.fspath(path)
    if "*" not in pattern:
        pattern = os.path.join(pattern, "*.part")
    if pattern.count("*") != 1:
        raise ChunkArrayValueError(f"to_textfiles: path must hold one '*', got {pattern!r}")
    fn = name_function or str
    names = [pattern.replace("*", fn(i)) for i in range(n)]
    if len(set(names)) != n:
        raise ChunkArrayValueError("to_textfiles: name_function gives the same name twice")
    return names


def to_textfiles(bag: Bag, path: Any, name_function: Callable[[int], str] | None = None,
                 compression: str | None = "infer", encoding: str = "utf-8",
                 compute: bool = True, last_endline: bool = False) -> Any:
    """Write each partition to its own text file, one element (a str) per line.

    Parameters
    ----------
    path : str or list of str
        A pattern with one ``*`` (replaced by ``name_function(i)``, ``str`` by
        default), a directory (files ``0.part``, ``1.part``, ...) or one path per
        partition.
    compression : {"infer", None, "gzip", "bz2", "xz"}
        "infer" goes by each file's extension.
    compute : bool
        Write now and return the paths; False returns a lazy bag of the paths.
    last_endline : bool
        End each file with a newline too.

    Examples
    --------
    >>> import os, tempfile
    >>> import chunkarray.bag as cab
    >>> d = tempfile.mkdtemp()
    >>> paths = cab.from_sequence(["x", "y"], npartitions=1).to_textfiles(d)
    >>> with open(paths[0]) as f:
    ...     [os.path.basename(p) for p in paths], f.read()
    (['0.part'], 'x\\ny')
    """
    check_bag(bag, "to_textfiles")
    names = _file_names(path, bag.npartitions, name_function)
    infer_compression(names[0], compression)  # a bad compression fails here
    writer = WriteText(encoding, compression, bool(last_endline))
    files = FileNames(names)
    name = make_name("to_textfiles", bag.name, writer, files)
    layer = Blockwise(name, "i", writer, [(bag.name, "i"), (files, "i")],
                      {bag.name: (bag.npartitions,)})
    out = Bag(Graph.from_layer(layer, bag.graph), name, bag.npartitions)
    return out.compute() if compute else out
