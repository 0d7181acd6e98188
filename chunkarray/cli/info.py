"""``chunkarray info``: what a Zarr store, HDF5 file or ``.npy`` file holds.

For every array: shape, dtype, chunks (and how many), codecs, bytes in memory and
bytes on disk. Only metadata is read (and, for Zarr, file sizes).
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from chunkarray.cli.locations import Location, hdf5_datasets, zarr_arrays
from chunkarray.sizes import format_bytes


def describe(loc: Location) -> dict[str, Any]:
    """The facts about ``loc``: ``{"path", "format", "arrays": [...]}`` (JSON-ready)."""
    if loc.kind == "npy":
        arrays = [_npy(loc.path)]
        fmt = "npy"
    elif loc.kind == "zarr":
        import zarr

        node = zarr.open(str(loc.path), mode="r")
        if loc.name is not None:
            node = node[loc.name]
        arrays = [_zarr(name, a, loc.path) for name, a in sorted(zarr_arrays(node).items())]
        kind = "array" if isinstance(node, zarr.Array) else "group"
        fmt = f"zarr v{node.metadata.zarr_format} {kind}"
    else:
        import h5py  # type: ignore[import-untyped]

        with h5py.File(loc.path, "r") as f:
            found = hdf5_datasets(f)
            if loc.name is not None:
                found = {k: v for k, v in found.items() if k == loc.name}
            arrays = [_hdf5(name, d) for name, d in sorted(found.items())]
        fmt = "hdf5"
    return {"path": str(loc), "format": fmt, "arrays": arrays,
            "stored_bytes": sum(a["stored_bytes"] for a in arrays)}


def _entry(name: str, shape: Any, dtype: Any, chunks: Any, codecs: list[str],
           stored: int, shards: Any = None) -> dict[str, Any]:
    shape = tuple(int(s) for s in shape)
    dtype = np.dtype(dtype)
    nchunks = 1
    if chunks is not None:
        chunks = tuple(int(c) for c in chunks)
        nchunks = math.prod(math.ceil(s / c) for s, c in zip(shape, chunks)) if shape else 1
    return {"name": name, "shape": list(shape), "dtype": str(dtype),
            "chunks": None if chunks is None else list(chunks), "nchunks": nchunks,
            "shards": None if shards is None else [int(s) for s in shards],
            "codecs": codecs, "nbytes": math.prod(shape) * dtype.itemsize, "stored_bytes": stored}


def _npy(path: Path) -> dict[str, Any]:
    array = np.load(path, mmap_mode="r")
    order = "fortran" if array.flags.f_contiguous and array.ndim > 1 else "C"
    return _entry(path.name, array.shape, array.dtype, None, [f"raw ({order} order)"],
                  os.path.getsize(path))


def _codec_text(codec: Any) -> str:
    to_dict = getattr(codec, "to_dict", None)
    if to_dict is not None:
        d = to_dict()
        config = d.get("configuration") or {}
        name = d.get("name", type(codec).__name__)
    else:  # numcodecs (Zarr v2)
        config = dict(codec.get_config())
        name = config.pop("id", type(codec).__name__)
    args = ", ".join(f"{k}={v}" for k, v in config.items())
    return f"{name}({args})" if args else str(name)


def _zarr(name: str, array: Any, root: Path) -> dict[str, Any]:
    codecs = [*array.filters]
    if array.serializer is not None:
        codecs.append(array.serializer)
    codecs.extend(array.compressors)
    directory = root / name if name else root
    stored = sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())
    return _entry(name or root.name, array.shape, array.dtype, array.chunks,
                  [_codec_text(c) for c in codecs] or ["none"], stored, array.shards)


def _hdf5(name: str, dataset: Any) -> dict[str, Any]:
    codecs = []
    if dataset.shuffle:
        codecs.append("shuffle")
    if dataset.compression:
        opts = dataset.compression_opts
        codecs.append(dataset.compression + ("" if opts is None else f"(level={opts})"))
    if dataset.fletcher32:
        codecs.append("fletcher32")
    layout = "chunked" if dataset.chunks else "contiguous"
    return _entry(name, dataset.shape, dataset.dtype, dataset.chunks,
                  codecs or [f"none ({layout})"], int(dataset.id.get_storage_size()))


def format_info(facts: dict[str, Any]) -> str:
    """The facts as text, one block per array."""
    arrays = facts["arrays"]
    lines = [f"{facts['path']}: {facts['format']}, {len(arrays)} "
             f"array{'s' * (len(arrays) != 1)}, {format_bytes(facts['stored_bytes'])} on disk"]
    for a in arrays:
        chunks = "none (one block)" if a["chunks"] is None else (
            f"{tuple(a['chunks'])}, {a['nchunks']} chunk{'s' * (a['nchunks'] != 1)}")
        if a["shards"] is not None:
            chunks += f", in shards of {tuple(a['shards'])}"
        ratio = a["nbytes"] / a["stored_bytes"] if a["stored_bytes"] else math.inf
        lines += [
            f"  {a['name']}",
            f"    shape      {tuple(a['shape'])}",
            f"    dtype      {a['dtype']}",
            f"    chunks     {chunks}",
            f"    codecs     {', '.join(a['codecs'])}",
            f"    in memory  {format_bytes(a['nbytes'])}",
            f"    on disk    {format_bytes(a['stored_bytes'])} (ratio {ratio:.2f})",
        ]
    return "\n".join(lines)
