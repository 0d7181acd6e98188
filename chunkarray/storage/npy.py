"""Raw arrays in files: ``.npy`` files and any C/F-ordered array at a file offset.

:class:`RawFileArray` reads a rectangular region of an uncompressed array that sits
at a known byte offset in a file. A region that is one contiguous run of bytes
(whole trailing axes, as a row block of a C-ordered array) is read with a single
``np.fromfile``; any other region is copied out of a read-only ``np.memmap``, so
only the pages it touches are read. Every read opens the file anew: a reader holds
no file handle or mapping between reads, so it pickles cheaply and never pins an
old version of a file that was replaced since.

:class:`NpyReader` is a RawFileArray whose layout comes from the ``.npy`` header;
the HDF5 fast path (:mod:`chunkarray.storage.hdf5`) uses RawFileArray with the
dataset's file offset.

>>> import os, tempfile
>>> import numpy as np
>>> path = os.path.join(tempfile.mkdtemp(), "x.npy")
>>> np.save(path, np.arange(12).reshape(3, 4))
>>> reader = NpyReader(path)
>>> reader.shape, reader.dtype
((3, 4), dtype('int64'))
>>> reader[1:3, 1:2]
array([[5],
       [9]])
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from chunkarray.errors import ChunkArrayValueError, ChunkNotFoundError

__all__ = ["NpyReader", "RawFileArray", "region_of"]


def region_of(index: Any, shape: tuple[int, ...]) -> tuple[slice, ...] | None:
    """``index`` as one step-1 slice per axis with resolved bounds, or None.

    None means the index is something else (integers, steps, arrays, ``None``),
    which readers hand to a general fallback.

    >>> region_of((slice(1, None), slice(None, 2)), (4, 5))
    (slice(1, 4, None), slice(0, 2, None))
    >>> region_of((0,), (4,)) is None
    True
    """
    if not isinstance(index, tuple):
        index = (index,)
    if len(index) != len(shape) or not all(type(s) is slice for s in index):
        return None
    out = []
    for s, n in zip(index, shape):
        start, stop, step = s.indices(n)
        if step != 1:
            return None
        out.append(slice(start, max(start, stop)))
    return tuple(out)


_MAP_BYTES = 1 << 20  # contiguous reads at least this big are memory-mapped


class RawFileArray:
    """An uncompressed array of ``shape`` and ``dtype`` at ``offset`` in ``path``.

    Parameters
    ----------
    path : str
        The file.
    offset : int
        Byte offset of the first element.
    shape : tuple of int
    dtype : dtype
        With its byte order as stored.
    order : {"C", "F"}
        Memory layout in the file.
    """

    __slots__ = ("dtype", "offset", "order", "path", "shape")

    def __init__(
        self, path: str, offset: int, shape: tuple[int, ...], dtype: Any, order: str = "C"
    ) -> None:
        self.path = path
        self.offset = int(offset)
        self.shape = tuple(int(s) for s in shape)
        self.dtype = np.dtype(dtype)
        self.order = order

    def __getitem__(self, index: Any) -> np.ndarray:
        region = region_of(index, self.shape)
        if region is None:
            return np.array(self._memmap()[index])
        lengths = tuple(s.stop - s.start for s in region)
        if math.prod(lengths) == 0 or self.dtype.itemsize == 0:
            return np.empty(lengths, dtype=self.dtype)
        start = self._contiguous_start(region)
        if start is None:
            return np.array(self._memmap()[region])
        count = math.prod(lengths)
        if count * self.dtype.itemsize >= _MAP_BYTES:
            # Big runs are mapped, not copied: the pages come straight from the page
            # cache (no allocation, no copy) and the OS may drop them again.
            return self._mapped_run(start, count, lengths)
        data = np.fromfile(self.path, dtype=self.dtype, count=count,
                           offset=self.offset + start * self.dtype.itemsize)
        if data.size != count:
            raise ChunkArrayValueError(
                f"reading {self.path!r}: the file ends after {data.size} of the {count} "
                f"elements expected at byte {self.offset + start * self.dtype.itemsize}; "
                f"it is truncated or its header is wrong"
            )
        return data.reshape(lengths, order=self.order)  # type: ignore[call-overload,no-any-return]

    def _mapped_run(self, start: int, count: int, lengths: tuple[int, ...]) -> np.ndarray:
        offset = self.offset + start * self.dtype.itemsize
        try:
            mapped = np.memmap(self.path, dtype=self.dtype, mode="r", offset=offset,
                               shape=(count,))
        except ValueError as exc:  # the file is shorter than the run
            raise ChunkArrayValueError(
                f"reading {self.path!r}: the file ends before the {count} elements expected "
                f"at byte {offset}; it is truncated or its header is wrong"
            ) from exc
        return mapped.reshape(lengths, order=self.order)  # type: ignore[call-overload,no-any-return]

    def _contiguous_start(self, region: tuple[slice, ...]) -> int | None:
        """The flat element offset of ``region`` if its bytes form one run, else None."""
        axes = range(len(self.shape)) if self.order == "C" else range(len(self.shape) - 1, -1, -1)
        order = list(axes)
        lengths = [region[a].stop - region[a].start for a in order]
        # Last axis (in storage order) that is not taken whole.
        partial = [i for i, a in enumerate(order) if lengths[i] != self.shape[a]]
        if partial and any(lengths[i] != 1 for i in range(partial[-1])):
            return None
        start, stride = 0, 1
        for a in reversed(order):
            start += region[a].start * stride
            stride *= self.shape[a]
        return start

    def _memmap(self) -> np.ndarray:
        if math.prod(self.shape) == 0:
            return np.empty(self.shape, dtype=self.dtype)
        mapped: np.ndarray = np.memmap(self.path, dtype=self.dtype, mode="r",
                                       offset=self.offset, shape=self.shape,
                                       order=self.order)  # type: ignore[call-overload]
        return mapped

    def __repr__(self) -> str:
        return (f"RawFileArray({self.path!r}, offset={self.offset}, shape={self.shape}, "
                f"dtype={self.dtype})")


class NpyReader(RawFileArray):
    """Read regions of a ``.npy`` file without loading it (see the module docstring).

    Raises
    ------
    FileNotFoundError
        (:class:`~chunkarray.errors.ChunkNotFoundError`) naming the missing path.
    ValueError
        For object arrays, which cannot be read in pieces.
    """

    __slots__ = ("mtime_ns", "size")

    def __init__(self, path: str | os.PathLike[str], function: str = "from_npy") -> None:
        full = os.path.abspath(os.fspath(path))
        try:
            stat = os.stat(full)
            with open(full, "rb") as f:
                version = np.lib.format.read_magic(f)
                shape, fortran, dtype = _read_header(f, version)
                offset = f.tell()
        except FileNotFoundError:
            raise ChunkNotFoundError(
                f"{function}: no such .npy file: {os.fspath(path)!r}") from None
        if dtype.hasobject:
            raise ChunkArrayValueError(
                f"{function}: {os.fspath(path)!r} holds Python objects (dtype {dtype}), "
                f"which cannot be memory-mapped; load it with numpy.load(allow_pickle=True)"
            )
        super().__init__(full, offset, shape, dtype, "F" if fortran and len(shape) > 1 else "C")
        self.mtime_ns = stat.st_mtime_ns
        self.size = stat.st_size

    @property
    def chunks(self) -> None:
        """A .npy file has no chunks of its own."""
        return None

    def __chunkarray_tokenize__(self) -> Any:
        return ("npy", self.path, self.mtime_ns, self.size, self.offset, self.shape,
                self.dtype.str, self.order)

    def __reduce__(self) -> Any:
        return (NpyReader, (self.path,))


def _read_header(f: Any, version: tuple[int, int]) -> tuple[tuple[int, ...], bool, np.dtype[Any]]:
    fmt = np.lib.format
    if version == (1, 0):
        return fmt.read_array_header_1_0(f)
    if version == (2, 0):
        return fmt.read_array_header_2_0(f)
    # Version 3.0 (utf-8 field names) has no public reader.
    return fmt._read_array_header(f, version)  # type: ignore[attr-defined,no-any-return]
