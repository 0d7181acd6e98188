"""Persisting arrays to a durable Zarr store: ``x.persist(store="path.zarr")``.

Layout
------
The store is a Zarr group at a local path; each persisted array is the array at
its ``component`` inside it, stored uncompressed so that :func:`from_zarr` reads
its chunks straight from their files. The collection returned reads from the
store, so ``caa.from_zarr(store, component=...)`` later gives the same data.

What is already there
---------------------
Nothing that exists is changed unless the caller says so, and every check is made
before anything is written:

- a path holding something other than a Zarr group (a file, a Zarr array, a
  non-empty directory) raises ``FileExistsError``; an empty directory is used;
- a component that exists with another shape, dtype or chunking raises
  ``ValueError`` naming the differences; with the same layout it raises
  ``FileExistsError`` unless ``resume=True`` (keep the chunks already written, see
  :func:`~chunkarray.array.io.to_zarr`) or ``overwrite=True`` (replace it);
- ``overwrite=True`` replaces only the components written; the other arrays of
  the group stay. A path that is not a group is replaced by a new group, built
  under a temporary name and moved into place once every array is written.

Each array is written under a temporary name and moved into place (or, with
``resume=True``, in place behind completion markers), so a failure leaves every
array either as it was or complete; a group this call created is removed again
if nothing was written into it (unless ``resume=True``).

>>> import os, tempfile
>>> import numpy as np
>>> from chunkarray.array.creation import from_array
>>> from chunkarray.array.io import from_zarr
>>> path = os.path.join(tempfile.mkdtemp(), "store.zarr")
>>> p = persist_array_to_store(from_array(np.arange(6), chunks=3), path, "x")
>>> p.compute(), from_zarr(path, component="x").compute()
(array([0, 1, 2, 3, 4, 5]), array([0, 1, 2, 3, 4, 5]))
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from chunkarray import base
from chunkarray.array.core import Array
from chunkarray.array.creation import asarray
from chunkarray.array.io import (
    PROGRESS_DIR,
    check_layout,
    default_zarr_chunks,
    from_zarr,
    local_path,
    prepare_zarr_write,
    zarr_node_kind,
)
from chunkarray.errors import ChunkArrayTypeError, ChunkArrayValueError
from chunkarray.storage.atomic import (
    TargetExistsError,
    discard,
    replace_directory,
    temporary_sibling,
)

__all__ = ["persist_array_to_store", "persist_arrays_to_store"]


def persist_array_to_store(
    x: Any, store: str | os.PathLike[str], component: str, resume: bool = False,
    overwrite: bool = False,
) -> Array:
    """Write ``x`` to the Zarr group at ``store`` under ``component``; an Array reading it.

    Parameters
    ----------
    x : Array or array-like
    store : str or path
        A local path: a Zarr group, or nothing yet (an empty directory is fine).
    component : str
        The array's path inside the group (``"x"``, ``"results/x"``).
    resume : bool
        Keep the chunks an earlier interrupted ``resume=True`` run completed and
        write only the others; a complete array with the same layout is kept as is.
    overwrite : bool
        Replace an existing component (or a path that is not a Zarr group).

    Returns
    -------
    Array
        ``from_zarr(store, component=component)`` with ``x``'s chunks.

    Raises
    ------
    FileExistsError
        If ``store`` holds something other than a Zarr group, or the group already
        holds ``component``, and neither ``resume`` nor ``overwrite`` allows it.
    ValueError
        If the existing component's shape, dtype or chunks differ from ``x``'s
        (without ``overwrite``), or ``resume`` and ``overwrite`` are both True.
    TypeError
        If ``store`` or ``component`` is not a string or path.

    Examples
    --------
    >>> import os, tempfile
    >>> from chunkarray.array.creation import arange
    >>> path = os.path.join(tempfile.mkdtemp(), "s.zarr")
    >>> persist_array_to_store(arange(4, chunks=2), path, "a").sum().compute()
    np.int64(6)
    """
    return persist_arrays_to_store({component: x}, store, resume=resume,
                                   overwrite=overwrite)[component]


def persist_arrays_to_store(
    arrays: Mapping[str, Any], store: str | os.PathLike[str], resume: bool = False,
    overwrite: bool = False,
) -> dict[str, Array]:
    """Write several arrays into one Zarr group in one compute (shared work runs once).

    ``arrays`` maps components to arrays; the other parameters and the errors are
    those of :func:`persist_array_to_store`. Returns the persisted arrays by component.

    Examples
    --------
    >>> import os, tempfile
    >>> from chunkarray.array.creation import arange
    >>> path = os.path.join(tempfile.mkdtemp(), "s.zarr")
    >>> x = arange(4, chunks=2)
    >>> out = persist_arrays_to_store({"x": x, "y": x * 10}, path)
    >>> out["y"].compute()
    array([ 0, 10, 20, 30])
    """
    if resume and overwrite:
        raise ChunkArrayValueError(
            "persist: resume=True and overwrite=True exclude each other; resume keeps the "
            "chunks already written, overwrite replaces them")
    path = _parse_store(store)
    sources = {_parse_component(c): asarray(x) for c, x in arrays.items()}
    _check_distinct(list(arrays), list(sources))
    kind = zarr_node_kind(path)
    fresh_group = kind != "group" and _is_used(path)
    if fresh_group and not overwrite:
        raise TargetExistsError(
            f"persist: store={str(path)!r} exists and holds {_describe(path)}, not a Zarr "
            f"group; pass overwrite=True to replace it")
    if kind == "group":
        for component, x in sources.items():
            _check_component(path, component, x, resume, overwrite)
    if fresh_group:
        _write_replacing(path, sources)
    else:
        _write_into_group(path, sources, resume, overwrite)
    return {c: from_zarr(str(path), component=c, chunks=x.chunks) for c, x in sources.items()}


def _parse_store(store: Any) -> Path:
    if not isinstance(store, (str, os.PathLike)):
        raise ChunkArrayTypeError(
            f"persist: store= must be a local path (str or os.PathLike), got "
            f"{type(store).__name__}")
    path = local_path(store)
    if path is None:
        raise ChunkArrayValueError(f"persist: store= must be a local path, got {store!r}")
    return path


def _parse_component(component: Any) -> str:
    if not isinstance(component, str):
        raise ChunkArrayTypeError(
            f"persist: a component must be a str, got {type(component).__name__}")
    parts = component.strip("/").split("/")
    if any(p in ("", ".", "..") or p.startswith(".") for p in parts):
        raise ChunkArrayValueError(
            f"persist: component must be a '/'-separated path of names not starting with "
            f"'.', got {component!r}")
    return "/".join(parts)


def _check_distinct(given: list[Any], components: list[str]) -> None:
    """Raise if two components name the same array or one lies inside another."""
    if len(components) != len(given):
        raise ChunkArrayValueError(f"persist: components name the same array twice: {given}")
    for a in components:
        for b in components:
            if b.startswith(a + "/"):
                raise ChunkArrayValueError(
                    f"persist: component {b!r} lies inside component {a!r}")


def _is_used(path: Path) -> bool:
    """True if ``path`` exists and is not an empty directory."""
    if not os.path.lexists(path):
        return False
    return not (path.is_dir() and not path.is_symlink() and not any(path.iterdir()))


def _describe(path: Path) -> str:
    if path.is_dir():
        return "a Zarr array" if zarr_node_kind(path) == "array" else "a directory"
    return "a file"


def _check_component(path: Path, component: str, x: Array, resume: bool,
                     overwrite: bool) -> None:
    """Raise if ``component`` exists in the group and may not be reused or replaced."""
    import zarr

    dest = path.joinpath(*component.split("/"))
    kind = zarr_node_kind(dest)
    if overwrite or (kind is None and not _is_used(dest)):
        return
    if resume and kind is None and dest.is_dir() and os.listdir(dest) == [PROGRESS_DIR]:
        return  # interrupted before the array's metadata was written: resume makes it
    if kind != "array":
        raise TargetExistsError(
            f"persist: {str(path)!r} already holds {component!r} and it is not a Zarr array; "
            f"pass overwrite=True to replace it")
    spec = {"shape": x.shape, "dtype": x.dtype, "chunks": default_zarr_chunks(x)}
    existing = zarr.open_array(store=str(path), path=component, mode="r")
    if not resume:
        check_layout(existing, {k: spec[k] for k in ("shape", "dtype")}, dest, "persist")
        raise TargetExistsError(
            f"persist: {str(path)!r} already holds {component!r}; pass resume=True to keep "
            f"it (and finish it if it was interrupted) or overwrite=True to replace it")
    check_layout(existing, spec, dest, "persist(resume=True)")


def _write_into_group(path: Path, sources: dict[str, Array], resume: bool,
                      overwrite: bool) -> None:
    """Write every array into the group at ``path`` (made here if missing)."""
    import zarr

    created = zarr_node_kind(path) != "group"
    existed = os.path.lexists(path)  # an empty directory
    if created:
        zarr.open_group(store=str(path), mode="a")

    def remove_group() -> None:
        discard(path)
        if existed:
            path.mkdir()

    _write_all(path, sources, resume, overwrite, remove_group if created and not resume else None)


def _write_replacing(path: Path, sources: dict[str, Array]) -> None:
    """Build a new group beside ``path``, write every array into it, move it over ``path``."""
    import zarr

    tmp = temporary_sibling(path)
    zarr.open_group(store=str(tmp), mode="w-")
    _write_all(tmp, sources, False, False, lambda: discard(tmp))
    replace_directory(tmp, path)


def _write_all(path: Path, sources: dict[str, Array], resume: bool, overwrite: bool,
               on_error: Callable[[], Any] | None) -> None:
    cleanups: list[Callable[[], Any]] = []
    try:
        delayeds = []
        for component, x in sources.items():
            delayed, cleanup = prepare_zarr_write(
                x, str(path), component, overwrite=overwrite, compressors=None, resume=resume)
            delayeds.append(delayed)
            if cleanup is not None:
                cleanups.append(cleanup)
        base.compute(*delayeds)
    except BaseException:
        for cleanup in cleanups:
            cleanup()
        if on_error is not None:
            on_error()
        raise


def _persist_to_store(self: Array, store: Any, component: str, resume: bool = False,
                      overwrite: bool = False) -> Array:
    """The ``Array.__chunkarray_store__`` hook used by ``persist(store=...)``."""
    return persist_array_to_store(self, store, component, resume=resume, overwrite=overwrite)


Array.__chunkarray_store__ = _persist_to_store  # type: ignore[attr-defined]
