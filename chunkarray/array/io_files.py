"""Writing arrays into HDF5 datasets and ``.npy`` files, atomically.

Both write chunk by chunk through :func:`chunkarray.array.io.store` and move the
result into place only once it is complete, so a failed write leaves earlier data
intact.
"""

from __future__ import annotations

import math
import os
import posixpath
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from chunkarray.array.creation import asarray
from chunkarray.errors import ChunkArrayTypeError, ChunkArrayValueError
from chunkarray.storage.atomic import TargetExistsError, atomic_file


def store(x: Any, target: Any) -> None:
    """``chunkarray.array.io.store`` (imported on use: io re-exports this module)."""
    from chunkarray.array.io import store as store_into

    store_into(x, target)


def to_hdf5(
    x: Any, path: str | os.PathLike[str], dataset: str, overwrite: bool = False,
    chunks: Any = None, **kwargs: Any,
) -> None:
    """Write an array to dataset ``dataset`` of the HDF5 file at ``path``.

    The data goes to a temporary dataset renamed to ``dataset`` once complete (a new
    file is written under a temporary name and moved into place), so a failed write
    leaves the file as it was. ``chunks`` and ``**kwargs`` (``compression``, ...)
    go to ``h5py.File.create_dataset``; compressed datasets are chunked like ``x``.

    Raises
    ------
    FileExistsError
        If ``dataset`` exists and ``overwrite`` is False.

    Examples
    --------
    >>> import os, tempfile, h5py
    >>> from chunkarray.array.creation import arange
    >>> path = os.path.join(tempfile.mkdtemp(), "x.h5")
    >>> to_hdf5(arange(4, chunks=2), path, "/data/x")
    >>> with h5py.File(path, "r") as f:
    ...     f["data/x"][:]
    array([0, 1, 2, 3])
    """
    import h5py  # type: ignore[import-untyped]

    x = asarray(x)
    if any(isinstance(s, float) for s in x.shape):
        raise ChunkArrayValueError(
            "to_hdf5: the chunk sizes are unknown (nan); call compute_chunk_sizes() first")
    if chunks is None and kwargs.get("compression") is not None and x.ndim:
        chunks = tuple(max(int(c), 1) for c in x.chunksize)
    dataset = "/" + dataset.strip("/")
    path = Path(os.path.abspath(os.fspath(path)))
    if not path.exists():
        with atomic_file(path) as tmp, h5py.File(tmp, "w") as f:
            ds = f.create_dataset(dataset, shape=x.shape, dtype=x.dtype, chunks=chunks, **kwargs)
            store(x, ds)
        return
    with h5py.File(path, "r+") as f:
        if dataset in f and not overwrite:
            raise TargetExistsError(
                f"to_hdf5: {str(path)!r} already holds {dataset!r}; pass overwrite=True")
        parent, leaf = posixpath.split(dataset)
        tmp_name = posixpath.join(parent, f".{leaf}.tmp-{uuid.uuid4().hex[:12]}")
        ds = f.create_dataset(tmp_name, shape=x.shape, dtype=x.dtype, chunks=chunks, **kwargs)
        try:
            store(x, ds)
        except BaseException:
            del f[tmp_name]
            raise
        if dataset in f:
            del f[dataset]
        f.move(tmp_name, dataset)


def to_npy(x: Any, path: str | os.PathLike[str]) -> None:
    """Write an array to a ``.npy`` file, chunk by chunk through a memory map.

    The file is written under a temporary name and moved to ``path`` once complete
    (replacing any file there, as ``np.save`` does).

    Examples
    --------
    >>> import os, tempfile
    >>> from chunkarray.array.creation import arange
    >>> path = os.path.join(tempfile.mkdtemp(), "x.npy")
    >>> to_npy(arange(5, chunks=2), path)
    >>> np.load(path)
    array([0, 1, 2, 3, 4])
    """
    x = asarray(x)
    if any(isinstance(s, float) for s in x.shape):
        raise ChunkArrayValueError(
            "to_npy: the chunk sizes are unknown (nan); call compute_chunk_sizes() first")
    if x.dtype.hasobject:
        raise ChunkArrayTypeError("to_npy: object arrays cannot be written chunk by chunk")
    with atomic_file(path) as tmp:
        out = np.lib.format.open_memmap(str(tmp), mode="w+", dtype=x.dtype, shape=x.shape)
        try:
            if math.prod(x.shape):
                store(x, out)
            out.flush()
        finally:
            del out
