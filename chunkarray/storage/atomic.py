"""Atomic writes: build under a temporary sibling name, swap in only on success.

Policy
------
A writer never touches the final path until its data is complete. It writes to a
hidden sibling (``.name.tmp-<hex>`` in the same directory, hence on the same file
system, so the final rename cannot turn into a copy) and then:

- a file is moved over the target with :func:`os.replace`, which is atomic on
  POSIX and Windows: a reader sees the old file or the new one, never a mix;
- a directory (a Zarr array or group) cannot be replaced atomically by a
  non-empty one, so :func:`replace_directory` renames the old tree to a backup
  name, renames the new one in, and only then deletes the backup. If the second
  rename fails the backup is renamed back. At every instant the complete old data
  or the complete new data exists under some name.

A failed write removes its temporary sibling (:func:`discard`) and leaves the
target as it was.

>>> import os, tempfile
>>> target = os.path.join(tempfile.mkdtemp(), "out.txt")
>>> with atomic_file(target) as tmp:
...     with open(tmp, "w") as f:
...         _ = f.write("done")
>>> with open(target) as f:
...     f.read()
'done'
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from chunkarray.errors import ChunkArrayError

__all__ = [
    "TargetExistsError", "atomic_file", "check_absent", "discard", "replace_directory",
    "temporary_sibling",
]


class TargetExistsError(ChunkArrayError, FileExistsError):
    """A write would replace existing data and ``overwrite=True`` was not given."""


def temporary_sibling(path: str | os.PathLike[str], tag: str = "tmp") -> Path:
    """A fresh hidden name next to ``path``: ``dir/.name.<tag>-<hex>``.

    >>> temporary_sibling("/data/x.zarr").name.startswith(".x.zarr.tmp-")
    True
    """
    target = Path(os.path.abspath(os.fspath(path)))
    return target.with_name(f".{target.name}.{tag}-{uuid.uuid4().hex[:12]}")


def is_temporary(name: str) -> bool:
    """True for names made by :func:`temporary_sibling` (to skip them when listing)."""
    return name.startswith(".") and (".tmp-" in name or ".old-" in name)


def check_absent(path: str | os.PathLike[str], function: str, overwrite: bool) -> None:
    """Raise :class:`TargetExistsError` if ``path`` exists and ``overwrite`` is False."""
    if not overwrite and os.path.lexists(path):
        raise TargetExistsError(
            f"{function}: {os.fspath(path)!r} already exists; pass overwrite=True to replace it"
        )


def discard(path: str | os.PathLike[str]) -> None:
    """Remove a file or directory tree if it exists (cleanup after a failed write)."""
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            os.remove(path)
        except FileNotFoundError:
            pass


@contextmanager
def atomic_file(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary sibling path; on success move it over ``path``.

    On an exception the temporary file is removed and ``path`` is untouched.
    """
    tmp = temporary_sibling(path)
    try:
        yield tmp
    except BaseException:
        discard(tmp)
        raise
    os.replace(tmp, path)


def replace_directory(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """Move the finished tree ``source`` to ``target``, replacing what is there.

    The old ``target`` is renamed to a backup first and deleted only once
    ``source`` is in place; if that rename fails, the backup is restored.

    >>> import os, tempfile
    >>> root = tempfile.mkdtemp()
    >>> new, old = os.path.join(root, "new"), os.path.join(root, "old")
    >>> os.makedirs(new); os.makedirs(old)
    >>> replace_directory(new, old)
    >>> sorted(os.listdir(root))
    ['old']
    """
    target = Path(os.path.abspath(os.fspath(target)))
    if not os.path.lexists(target):
        os.rename(source, target)
        return
    backup = temporary_sibling(target, tag="old")
    os.rename(target, backup)
    try:
        os.rename(source, target)
    except BaseException:
        os.rename(backup, target)
        raise
    discard(backup)
