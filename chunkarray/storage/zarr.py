"""Reading Zarr arrays: local Zarr v3 chunks straight from their files.

Why: zarr-python's read path (async pipeline, buffer prototypes, per-chunk
bookkeeping) costs several times the time to read the same chunk files. For a
local Zarr v3 array whose codecs we understand, :class:`ZarrReader` reads a chunk
itself:

- the chunk's file is ``<array dir>/<key>``, the key from the metadata's
  ``chunk_key_encoding`` (``default``: ``c/1/2`` or ``c.1.2``; ``v2``: ``1.2``);
- ``codecs`` must be an optional ``transpose``, then ``bytes`` (its ``endian``
  gives the byte order on disk), then any of ``zstd``, ``gzip``, ``blosc`` and
  ``crc32c``, which are decoded with numcodecs in the calling (worker) thread.
  With ``bytes`` alone, a region inside a chunk is read with one ``np.fromfile``
  of just its bytes when they are contiguous, else through a memory map;
- a chunk is stored full size even at the array's edge, so edge reads slice it;
- a missing chunk file means "every element is ``fill_value``".

Everything else (Zarr v2, sharding, storage transformers, other codecs or
dtypes, remote or in-memory stores, indexes other than step-1 slices) is read
by zarr-python. The results are identical either way (the tests compare them).

>>> import os, tempfile
>>> import numpy as np, zarr
>>> path = os.path.join(tempfile.mkdtemp(), "x.zarr")
>>> z = zarr.create_array(path, shape=(5,), chunks=(2,), dtype="i4", compressors=None)
>>> z[:4] = [1, 2, 3, 4]
>>> reader = ZarrReader(zarr.open_array(path, mode="r"))
>>> reader.is_direct, reader[1:5]
(True, array([2, 3, 4, 0], dtype=int32))
"""

from __future__ import annotations

import itertools
import contextlib
import os
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from chunkarray.errors import ChunkArrayValueError, ChunkNotFoundError
from chunkarray.storage.npy import RawFileArray, region_of

__all__ = ["ChunkLayout", "ZarrReader", "open_zarr_array", "zarr_token"]

_DIRECT_KINDS = "biufcmM"


def zarr_token(array: Any) -> tuple[Any, ...]:
    """A token for a Zarr array from its location and layout, never its data."""
    return ("zarr", _store_location(array.store), array.path, tuple(array.shape),
            np.dtype(array.dtype).str, tuple(array.chunks), array.shards)


def _store_location(store: Any) -> str:
    root = _local_root(store)
    return root if root is not None else str(store)


def _local_root(store: Any) -> str | None:
    """The root directory of a local file-system store, else None."""
    from zarr.storage import LocalStore

    if isinstance(store, LocalStore):
        return os.path.abspath(os.fspath(store.root))
    return None


def open_zarr_array(source: Any, component: str | None = None, function: str = "from_zarr") -> Any:
    """The ``zarr.Array`` at ``source`` (path, URL, store, group or array) and ``component``.

    Raises
    ------
    FileNotFoundError
        (:class:`~chunkarray.errors.ChunkNotFoundError`) naming the missing path or component.
    ValueError
        If the node is a group and no component names an array in it.
    """
    import zarr

    if isinstance(source, zarr.Array):
        if component:
            raise ChunkArrayValueError(
                f"{function}: component={component!r} was given with a zarr.Array; pass the "
                f"group or store holding it instead")
        return source
    where = _describe(source, component)
    if isinstance(source, (str, os.PathLike)):
        text = os.fspath(source)
        if "://" not in text and not os.path.exists(text):
            raise ChunkNotFoundError(f"{function}: no Zarr store at {text!r}")
    try:
        if isinstance(source, zarr.Group):
            node = source[component] if component else source
        else:
            node = zarr.open(store=source, path=component or "", mode="r")
    except (FileNotFoundError, KeyError) as exc:
        raise ChunkNotFoundError(f"{function}: nothing found at {where} ({exc})") from None
    if not isinstance(node, zarr.Array):
        names = sorted(node.array_keys())[:10]
        raise ChunkArrayValueError(
            f"{function}: {where} is a Zarr group, not an array; pass component= naming an "
            f"array in it (arrays there: {names})")
    return node


def _describe(source: Any, component: str | None) -> str:
    text = repr(os.fspath(source)) if isinstance(source, (str, os.PathLike)) else repr(source)
    return f"{text} component {component!r}" if component else text


@dataclass(frozen=True, slots=True)
class ChunkLayout:
    """Where and how the chunks of a local Zarr v3 array are stored."""

    root: str
    shape: tuple[int, ...]
    chunk_shape: tuple[int, ...]
    dtype: np.dtype[Any]
    file_dtype: np.dtype[Any]
    fill_value: Any
    key_encoding: str
    separator: str
    transpose: tuple[int, ...] | None
    decoders: tuple[Any, ...]

    @classmethod
    def of(cls, array: Any) -> ChunkLayout | None:
        """The layout of ``array`` if its chunks can be read directly, else None."""
        root = _local_root(array.store)
        meta = array.metadata
        if root is None or getattr(meta, "zarr_format", None) != 3 or meta.storage_transformers:
            return None
        dtype = np.dtype(array.dtype)
        if dtype.kind not in _DIRECT_KINDS or dtype.fields is not None or dtype.itemsize == 0:
            return None
        grid = meta.chunk_grid.to_dict()
        encoding = meta.chunk_key_encoding.to_dict()
        name = encoding.get("name")
        if grid.get("name") != "regular" or name not in ("default", "v2"):
            return None
        codecs = _parse_codecs(tuple(meta.codecs), dtype)
        if codecs is None:
            return None
        transpose, file_dtype, decoders = codecs
        separator = (encoding.get("configuration") or {}).get(
            "separator", "/" if name == "default" else ".")
        return cls(
            root=os.path.join(root, *array.path.split("/")) if array.path else root,
            shape=tuple(int(s) for s in array.shape),
            chunk_shape=tuple(int(c) for c in grid["configuration"]["chunk_shape"]),
            dtype=dtype, file_dtype=file_dtype, fill_value=array.fill_value,
            key_encoding=name, separator=separator, transpose=transpose, decoders=decoders,
        )

    def chunk_path(self, coords: tuple[int, ...]) -> str:
        """The file holding chunk ``coords``."""
        parts = [str(c) for c in coords]
        if self.key_encoding == "default":
            key = self.separator.join(["c", *parts])
        else:
            key = self.separator.join(parts) or "0"
        return os.path.join(self.root, *key.split("/"))

    @property
    def is_raw(self) -> bool:
        """True when chunk files are plain bytes (no transpose, no compression)."""
        return self.transpose is None and not self.decoders

    def write_chunk(self, region: tuple[slice, ...], block: np.ndarray) -> bool:
        """Write ``block`` as the chunk file covering ``region``, atomically.

        Only for raw layouts and a region that is exactly one chunk (edge chunks are
        padded with the fill value, as Zarr v3 stores them full size). Returns False,
        writing nothing, when the fast path does not apply.
        """
        if not self.is_raw or len(region) != len(self.chunk_shape):
            return False
        coords = []
        for s, c, n in zip(region, self.chunk_shape, self.shape):
            if s.start % c or s.stop != min(s.start + c, n):
                return False
            coords.append(s.start // c)
        data = np.asarray(block, dtype=self.file_dtype)
        if data.shape != self.chunk_shape:
            full = np.full(self.chunk_shape, self.fill_value, dtype=self.file_dtype)
            full[tuple(slice(0, k) for k in data.shape)] = data
            data = full
        path = self.chunk_path(tuple(coords))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.tmp-{os.getpid()}-{threading.get_ident()}"
        try:
            np.ascontiguousarray(data).tofile(tmp)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return True

    def read(self, region: tuple[slice, ...]) -> np.ndarray:
        """The elements of ``region`` (step-1 slices with resolved bounds)."""
        spans = [range(s.start // c, -(-s.stop // c)) if s.stop > s.start else range(0)
                 for s, c in zip(region, self.chunk_shape)]
        lengths = tuple(s.stop - s.start for s in region)
        if any(len(r) == 0 for r in spans):
            return np.empty(lengths, dtype=self.dtype)
        if all(len(r) == 1 for r in spans):
            coords = tuple(r[0] for r in spans)
            return self.read_chunk(coords, self._inner(coords, region))
        out = np.empty(lengths, dtype=self.dtype)
        for coords in itertools.product(*spans):
            inner = self._inner(coords, region)
            dest = tuple(slice(c * n + i.start - s.start, c * n + i.stop - s.start)
                         for c, n, i, s in zip(coords, self.chunk_shape, inner, region))
            out[dest] = self.read_chunk(coords, inner)
        return out

    def _inner(self, coords: tuple[int, ...], region: tuple[slice, ...]) -> tuple[slice, ...]:
        """The part of ``region`` inside chunk ``coords``, in chunk coordinates."""
        out = []
        for c, n, s in zip(coords, self.chunk_shape, region):
            lo = c * n
            out.append(slice(max(s.start, lo) - lo, min(s.stop, lo + n) - lo))
        return tuple(out)

    def read_chunk(self, coords: tuple[int, ...], inner: tuple[slice, ...]) -> np.ndarray:
        """The region ``inner`` of chunk ``coords``; the fill value if the file is absent."""
        path = self.chunk_path(coords)
        order = self.transpose
        stored_shape = self.chunk_shape if order is None else tuple(
            self.chunk_shape[a] for a in order)
        stored_inner = inner if order is None else tuple(inner[a] for a in order)
        try:
            if self.decoders:
                whole = self._decode(path, stored_shape)
                block = whole[stored_inner]
                if block.size != whole.size:  # do not keep the whole chunk alive
                    block = block.copy()
            else:
                block = RawFileArray(path, 0, stored_shape, self.file_dtype)[stored_inner]
        except FileNotFoundError:
            lengths = tuple(s.stop - s.start for s in inner)
            return np.full(lengths, self.fill_value, dtype=self.dtype)
        if order is not None:
            block = block.transpose(np.argsort(order))
        if block.dtype != self.dtype:
            block = block.astype(self.dtype)
        return block

    def _decode(self, path: str, stored_shape: tuple[int, ...]) -> np.ndarray:
        with open(path, "rb") as f:
            data: Any = f.read()
        for codec in reversed(self.decoders[1:]):
            data = codec.decode(data)
        out = np.empty(stored_shape, dtype=self.file_dtype)
        self.decoders[0].decode(data, out=out)
        return out


def _parse_codecs(
    codecs: tuple[Any, ...], dtype: np.dtype[Any]
) -> tuple[tuple[int, ...] | None, np.dtype[Any], tuple[Any, ...]] | None:
    """(transpose order, dtype on disk, numcodecs decoders) or None if unsupported."""
    from zarr.codecs import BytesCodec, TransposeCodec

    transpose = None
    if codecs and isinstance(codecs[0], TransposeCodec):
        transpose = tuple(int(a) for a in codecs[0].order)
        codecs = codecs[1:]
    if not codecs or type(codecs[0]) is not BytesCodec:
        return None
    endian = codecs[0].endian
    file_dtype = dtype
    if endian is not None and dtype.itemsize > 1:
        file_dtype = dtype.newbyteorder("<" if endian.value == "little" else ">")
    decoders = []
    for codec in codecs[1:]:
        decoder = _numcodecs_decoder(codec)
        if decoder is None:
            return None
        decoders.append(decoder)
    return transpose, file_dtype, tuple(decoders)


def _numcodecs_decoder(codec: Any) -> Any:
    """The numcodecs codec decoding what a zarr bytes-to-bytes codec encoded, or None."""
    import numcodecs  # type: ignore[import-untyped]
    from zarr.codecs import BloscCodec, Crc32cCodec, GzipCodec, ZstdCodec

    kind = type(codec)
    if kind is ZstdCodec:
        return numcodecs.Zstd(level=codec.level, checksum=codec.checksum)
    if kind is GzipCodec:
        return numcodecs.GZip(level=codec.level)
    if kind is BloscCodec:
        return numcodecs.Blosc()  # the blosc frame header describes itself
    if kind is Crc32cCodec:
        try:
            return numcodecs.CRC32C()
        except Exception:  # noqa: BLE001 - numcodecs built without crc32c support
            return None
    return None


class ZarrReader:
    """Read regions of a ``zarr.Array``, directly from chunk files where possible.

    Attributes
    ----------
    shape, dtype
        As the array's.
    chunks : tuple of int
        The array's write unit: its shards if sharded, else its chunks.
    is_direct : bool
        True when chunks are read from their files (see the module docstring).
    """

    def __init__(self, array: Any) -> None:
        self.array = array
        self.shape = tuple(int(s) for s in array.shape)
        self.dtype = np.dtype(array.dtype)
        self.chunks = tuple(int(c) for c in (array.shards or array.chunks))
        self.layout = ChunkLayout.of(array)

    @property
    def is_direct(self) -> bool:
        return self.layout is not None

    def __getitem__(self, index: Any) -> np.ndarray:
        if self.layout is not None:
            region = region_of(index, self.shape)
            if region is not None:
                return self.layout.read(region)
        return np.asarray(self.array[index])

    def __chunkarray_tokenize__(self) -> Any:
        return zarr_token(self.array)

    def __repr__(self) -> str:
        how = "direct" if self.is_direct else "zarr-python"
        return f"ZarrReader({_store_location(self.array.store)!r}, {self.array.path!r}, {how})"
