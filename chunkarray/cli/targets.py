"""Writing an array to a location, after checking that the write can succeed.

Every check that can fail runs before any byte is written (the parent directory,
an existing destination, the compressor for the format); the writes themselves
are the atomic ``to_zarr``/``to_hdf5``/``to_npy``, so a failure part way leaves
nothing at the destination.
"""

from __future__ import annotations

import os
from typing import Any

from chunkarray.cli.locations import CommandError, Location, UsageError

COMPRESSORS = {
    "zarr": ("default", "none", "zstd", "blosc", "gzip"),
    "hdf5": ("default", "none", "gzip", "lzf"),
    "npy": ("default", "none"),
}


def hdf5_name(loc: Location, default_name: str) -> str:
    """The dataset an HDF5 destination gets: its given name, else the source's name."""
    return loc.name or default_name.strip("/").replace("/", "_") or "data"


def check_destination(loc: Location, source: Location, default_name: str, overwrite: bool,
                      command: str) -> None:
    """CommandError if ``loc`` cannot be written (or would be replaced without --overwrite)."""
    same_file = os.path.abspath(loc.path) == os.path.abspath(source.path)
    if same_file and loc.name == source.name:
        raise CommandError(f"{command}: the destination is the source ({source})")
    if same_file and loc.kind == "hdf5":  # h5py cannot open one file to read and to write
        raise CommandError(f"{command}: cannot write into the HDF5 file being read "
                           f"({str(loc.path)!r}); write to another file")
    parent = loc.path.absolute().parent
    if not parent.is_dir():
        raise CommandError(f"{command}: cannot write {str(loc.path)!r}: {str(parent)!r} is not "
                           f"an existing directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise CommandError(f"{command}: cannot write {str(loc.path)!r}: no permission to write "
                           f"in {str(parent)!r}")
    if loc.kind == "hdf5" and loc.path.exists():
        _check_hdf5(loc, hdf5_name(loc, default_name), overwrite, command)
    elif loc.path.exists() and not overwrite and (loc.kind == "npy" or loc.name is None):
        raise CommandError(f"{command}: {str(loc.path)!r} already exists; pass --overwrite to "
                           f"replace it")


def _check_hdf5(loc: Location, name: str, overwrite: bool, command: str) -> None:
    import h5py  # type: ignore[import-untyped]

    if not loc.path.is_file() or not h5py.is_hdf5(str(loc.path)):
        raise CommandError(f"{command}: {str(loc.path)!r} exists and is not an HDF5 file")
    if not os.access(loc.path, os.W_OK):
        raise CommandError(f"{command}: cannot write into {str(loc.path)!r}: no permission")
    with h5py.File(loc.path, "r") as f:
        if name in f and not overwrite:
            raise CommandError(f"{command}: {str(loc.path)!r} already holds {name!r}; pass "
                               f"--overwrite to replace it")


def check_compressor(name: str, loc: Location, command: str) -> None:
    """UsageError if ``name`` is not a compressor of ``loc``'s format."""
    allowed = COMPRESSORS[loc.kind]
    if name not in allowed:
        raise UsageError(f"{command}: --compressor {name!r} is not available for {loc.kind} "
                         f"destinations; choose one of {', '.join(allowed)}")


def _zarr_compressors(name: str) -> Any:
    from zarr.codecs import BloscCodec, GzipCodec, ZstdCodec

    return {"default": "auto", "none": None, "zstd": ZstdCodec(), "blosc": BloscCodec(),
            "gzip": GzipCodec()}[name]


def write_array(x: Any, loc: Location, default_name: str, compressor: str,
                overwrite: bool, chunked: bool) -> str:
    """Write ``x`` to ``loc``; the location written (with the dataset name used)."""
    if loc.kind == "zarr":
        x.to_zarr(str(loc.path), component=loc.name, overwrite=overwrite,
                  compressors=_zarr_compressors(compressor))
        return str(loc)
    if loc.kind == "npy":
        x.to_npy(str(loc.path))
        return str(loc)
    name = hdf5_name(loc, default_name)
    compression = None if compressor in ("default", "none") else compressor
    chunks = tuple(int(c) for c in x.chunksize) if (chunked or compression) and x.ndim else None
    x.to_hdf5(str(loc.path), name, overwrite=overwrite, chunks=chunks, compression=compression)
    return f"{loc.path}:{name}"
