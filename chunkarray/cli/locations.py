"""Where the command line reads and writes: Zarr stores, HDF5 ``file.h5:dataset``, ``.npy``.

A location is written ``PATH`` or ``PATH:NAME`` (an array inside a Zarr group, a
dataset inside an HDF5 file). An existing path is recognised by its content (a
directory with ``zarr.json``, ``.zarray`` or ``.zgroup``; an HDF5 signature; a
``.npy`` header); a new one by its suffix (``.npy``, ``.h5``/``.hdf5``; anything
else is a Zarr store). Bad input raises :class:`CommandError` with one line.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chunkarray.errors import CommandError, UsageError

HDF5_SUFFIXES = (".h5", ".hdf5", ".hdf", ".he5")
ZARR_MARKERS = ("zarr.json", ".zarray", ".zgroup")


@dataclass(frozen=True, slots=True)
class Location:
    """A parsed location: ``kind`` is "zarr", "hdf5" or "npy"; ``name`` the inner path."""

    kind: str
    path: Path
    name: str | None = None

    def __str__(self) -> str:
        return str(self.path) if self.name is None else f"{self.path}:{self.name}"


def _split(text: str) -> tuple[str, str | None]:
    if os.path.exists(text) or ":" not in text:
        return text, None
    for i, c in enumerate(text):
        if c == ":":
            head = text[:i]
            if os.path.exists(head) or head.lower().endswith((*HDF5_SUFFIXES, ".zarr", ".npy")):
                return head, text[i + 1:].strip("/") or None
    return text, None


def parse_location(text: str, command: str, *, new: bool = False) -> Location:
    """The location ``text`` names; an existing source unless ``new``.

    >>> parse_location("out.h5:data/x", "convert", new=True)
    Location(kind='hdf5', path=PosixPath('out.h5'), name='data/x')
    """
    head, name = _split(text)
    path = Path(head)
    if path.exists():
        return Location(kind_of_existing(path, command), path, name)
    if not new:
        raise CommandError(f"{command}: {head!r} does not exist")
    suffix = path.suffix.lower()
    kind = "npy" if suffix == ".npy" else "hdf5" if suffix in HDF5_SUFFIXES else "zarr"
    if kind == "npy" and name is not None:
        raise CommandError(f"{command}: a .npy file holds one array; drop ':{name}' from {text!r}")
    return Location(kind, path, name)


def kind_of_existing(path: Path, command: str) -> str:
    """ "zarr", "hdf5" or "npy" from what is at ``path``; CommandError for anything else."""
    if path.is_dir():
        if any((path / m).exists() for m in ZARR_MARKERS):
            return "zarr"
        raise CommandError(f"{command}: {str(path)!r} is a directory but not a Zarr store "
                           f"(no zarr.json, .zgroup or .zarray in it)")
    with open(path, "rb") as f:
        head = f.read(8)
    if head.startswith(b"\x93NUMPY"):
        return "npy"
    import h5py  # type: ignore[import-untyped]

    if h5py.is_hdf5(str(path)):
        return "hdf5"
    raise CommandError(f"{command}: {str(path)!r} is not a Zarr store, an HDF5 file or a "
                       f".npy file")


def zarr_arrays(node: Any) -> dict[str, Any]:
    """The arrays in a Zarr group (recursively, by path) or ``{"": array}``."""
    import zarr

    if isinstance(node, zarr.Array):
        return {"": node}
    return {name: m for name, m in node.members(max_depth=None) if isinstance(m, zarr.Array)}


def hdf5_datasets(f: Any) -> dict[str, Any]:
    """The datasets in an open HDF5 file, by path."""
    import h5py

    found: dict[str, Any] = {}

    def visit(name: str, obj: Any) -> None:  # returning a value would stop the visit
        if isinstance(obj, h5py.Dataset):
            found[name] = obj

    f.visititems(visit)
    return found


def _pick(found: dict[str, Any], loc: Location, command: str, what: str) -> str:
    if loc.name is not None:
        if loc.name not in found:
            raise CommandError(f"{command}: {str(loc.path)!r} holds no {what} {loc.name!r} "
                               f"(it holds: {', '.join(sorted(found)) or 'nothing'})")
        return loc.name
    if len(found) == 1:
        return next(iter(found))
    if not found:
        raise CommandError(f"{command}: {str(loc.path)!r} holds no {what}")
    names = ", ".join(sorted(found)[:5]) + (", ..." if len(found) > 5 else "")
    raise CommandError(f"{command}: {str(loc.path)!r} holds {len(found)} {what}s ({names}); "
                       f"name one as {loc.path}:NAME")


@contextmanager
def open_source(loc: Location, command: str) -> Iterator[tuple[Any, str]]:
    """A lazy Array over the source and its name (the file open while in use)."""
    import chunkarray.array as caa

    if loc.kind == "npy":
        yield caa.from_npy(loc.path), loc.path.stem
    elif loc.kind == "zarr":
        import zarr

        found = zarr_arrays(zarr.open(str(loc.path), mode="r"))
        name = _pick(found, loc, command, "array")
        yield caa.from_zarr(str(loc.path), component=name or None), name or loc.path.stem
    else:
        import h5py

        with h5py.File(loc.path, "r") as f:
            name = _pick(hdf5_datasets(f), loc, command, "dataset")
            yield caa.from_array(f[name]), name


def parse_chunks(text: str, shape: tuple[int, ...], command: str) -> tuple[int, ...]:
    """``"1000,-1"`` -> block sizes per axis (``-1``: the whole axis; clipped to the axis).

    >>> parse_chunks("1000,-1", (5000, 30), "rechunk")
    (1000, 30)
    """
    parts = [p.strip() for p in text.split(",")]
    try:
        sizes = [int(p) for p in parts]
    except ValueError:
        raise UsageError(f"{command}: --chunks must be integers separated by commas (-1 for a "
                         f"whole axis), like 1000,-1; got {text!r}") from None
    if len(sizes) != len(shape):
        raise UsageError(f"{command}: --chunks {text!r} gives {len(sizes)} sizes but the array "
                         f"has {len(shape)} dimensions (shape {shape})")
    bad = [s for s in sizes if s == 0 or s < -1]
    if bad:
        raise UsageError(f"{command}: --chunks sizes must be positive or -1, got {bad[0]} in "
                         f"{text!r}")
    return tuple(max(n, 1) if s == -1 else min(s, max(n, 1)) for s, n in zip(sizes, shape))
