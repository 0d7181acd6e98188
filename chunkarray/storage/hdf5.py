"""Reading HDF5 datasets: contiguous uncompressed data straight from the file.

An HDF5 dataset whose layout is contiguous, with no filters, no external or
virtual storage, allocated data and no user block, in a file opened read-only
(a writable one may hold data not yet flushed), is one C-ordered array at a
known byte offset of the file (``dataset.id.get_offset()``). :class:`Hdf5Reader`
then reads regions with :class:`~chunkarray.storage.npy.RawFileArray`, in parallel
and without h5py's global lock. Any other dataset (chunked, compressed, in a
memory file) is read through h5py.

The reader keeps the file name and dataset name, so it pickles (to processes) by
reopening the file read-only; in-process it uses the caller's open dataset.

>>> import os, tempfile
>>> import h5py, numpy as np
>>> path = os.path.join(tempfile.mkdtemp(), "x.h5")
>>> with h5py.File(path, "w") as f:
...     _ = f.create_dataset("x", data=np.arange(6.0))
>>> with h5py.File(path, "r") as f:
...     reader = Hdf5Reader(f["x"])
...     (reader.is_direct, reader[2:4])
(True, array([2., 3.]))
"""

from __future__ import annotations

import os
import threading
from typing import Any

import numpy as np

from chunkarray.storage.npy import RawFileArray, region_of

__all__ = ["Hdf5Reader", "hdf5_token"]

_DIRECT_KINDS = "biufc"


def hdf5_token(dataset: Any) -> tuple[Any, ...]:
    """A token for a dataset from its identity (file, name, shape, dtype), not its data."""
    return ("hdf5", os.path.abspath(dataset.file.filename), dataset.name,
            tuple(dataset.shape), np.dtype(dataset.dtype).str)


def _direct_layout(dataset: Any) -> RawFileArray | None:
    """The dataset as a RawFileArray if it can be read straight from the file."""
    import h5py  # type: ignore[import-untyped]

    try:
        dtype = np.dtype(dataset.dtype)
        plist = dataset.id.get_create_plist()
        if (
            plist.get_layout() != h5py.h5d.CONTIGUOUS
            or plist.get_nfilters() != 0
            or plist.get_external_count() != 0
            or dataset.is_virtual
            or dtype.kind not in _DIRECT_KINDS
            or dtype.fields is not None
            or dataset.file.driver not in ("sec2", "stdio")
            or dataset.file.userblock_size != 0
            or dataset.file.mode != "r"  # a writable file may hold unflushed data
        ):
            return None
        offset = dataset.id.get_offset()
    except Exception:  # noqa: BLE001 - anything unusual: let h5py read it
        return None
    if offset is None:  # not allocated: h5py returns the fill value
        return None
    return RawFileArray(os.path.abspath(dataset.file.filename), offset, tuple(dataset.shape),
                        dtype, "C")


class Hdf5Reader:
    """Read regions of an ``h5py.Dataset`` (see the module docstring).

    Attributes
    ----------
    shape, dtype, chunks
        As the dataset's (``chunks`` is None for contiguous datasets).
    is_direct : bool
        True when regions are read straight from the file.
    """

    def __init__(self, dataset: Any) -> None:
        self.filename = os.path.abspath(dataset.file.filename)
        self.dataset_name = dataset.name
        self.shape = tuple(int(s) for s in dataset.shape)
        self.dtype = np.dtype(dataset.dtype)
        self.chunks = tuple(dataset.chunks) if dataset.chunks else None
        self._direct = _direct_layout(dataset)
        self._dataset: Any = dataset
        self._lock = threading.Lock()

    @property
    def is_direct(self) -> bool:
        return self._direct is not None

    def __getitem__(self, index: Any) -> np.ndarray:
        if self._direct is not None and region_of(index, self.shape) is not None:
            return self._direct[index]
        return np.asarray(self._open()[index])

    def _open(self) -> Any:
        dataset = self._dataset
        if dataset is not None and dataset.id.valid:
            return dataset
        import h5py

        with self._lock:
            if self._dataset is None or not self._dataset.id.valid:
                self._dataset = h5py.File(self.filename, "r")[self.dataset_name]
            return self._dataset

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_dataset"] = None
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def __chunkarray_tokenize__(self) -> Any:
        return ("hdf5", self.filename, self.dataset_name, self.shape, self.dtype.str)

    def __repr__(self) -> str:
        how = "direct" if self.is_direct else "h5py"
        return f"Hdf5Reader({self.filename!r}, {self.dataset_name!r}, {how})"
