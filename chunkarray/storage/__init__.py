"""Storage: reading and writing chunk data on disk, below the graph and the runtime.

- :mod:`~chunkarray.storage.zarr`: :class:`ZarrReader` reads local Zarr v3 chunks
  straight from their files (zarr-python for everything else);
- :mod:`~chunkarray.storage.hdf5`: :class:`Hdf5Reader` reads contiguous uncompressed
  datasets straight from the file (h5py otherwise);
- :mod:`~chunkarray.storage.npy`: :class:`NpyReader` and :class:`RawFileArray` read
  regions of ``.npy`` files and raw arrays at a file offset;
- :mod:`~chunkarray.storage.atomic`: temporary siblings and rename swaps, so a write
  never damages earlier data.

Readers share one small protocol: ``shape``, ``dtype``, ``chunks`` (the source's own
chunk shape, or None) and ``__getitem__(tuple of slices) -> numpy.ndarray`` returning
a fresh array; they tokenize by location, never by content. :func:`reader_for` picks
the reader for an object, importing zarr and h5py only when such an object is given.

>>> import numpy as np
>>> reader_for(np.arange(3)) is None
True
"""

from __future__ import annotations

from typing import Any

__all__ = ["reader_for"]


def reader_for(source: Any) -> Any:
    """The reader wrapping ``source`` (a zarr.Array or h5py.Dataset), else None."""
    module = type(source).__module__ or ""
    if module.startswith("zarr"):
        import zarr

        if isinstance(source, zarr.Array):
            from chunkarray.storage.zarr import ZarrReader

            return ZarrReader(source)
    elif module.startswith("h5py"):
        import h5py  # type: ignore[import-untyped]

        if isinstance(source, h5py.Dataset):
            from chunkarray.storage.hdf5 import Hdf5Reader

            return Hdf5Reader(source)
    return None
