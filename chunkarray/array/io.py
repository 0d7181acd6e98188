"""Reading arrays from Zarr and ``.npy``; storing arrays into Zarr, HDF5, ``.npy``.

Writes
------
``store(sources, targets)`` adds one Blockwise layer per source whose task for a
block writes it into its region of the target and returns None, and one final
task that depends on every write (and commits, see below). The writes read the
source block for block, so the source's elementwise chain fuses into them: each
chunk is computed and written by one task and never held afterwards.

Writes are chunk-aligned with the target: when a source block boundary falls
inside a target chunk (Zarr chunk or shard, HDF5 chunk), the source is rechunked
first to whole multiples of the target chunks, so two tasks never write into one
target chunk (which would be a lost update for Zarr).

Nothing on disk is left half-written (see :mod:`chunkarray.storage.atomic`):
``to_zarr`` on a local path and ``to_npy`` build the result under a temporary
sibling name and the final task moves it into place; ``to_hdf5`` writes into a
temporary dataset and renames it. A failed write leaves the earlier data intact,
and an existing target is only replaced with ``overwrite=True``.

Resumable writes (``to_zarr(..., resume=True)``) are the exception: they write
in place, exactly one task per target chunk, and each task leaves a completion
marker in the hidden ``<array>/.chunkarray-progress`` directory after its chunk;
a later run skips the marked chunks, and the last task removes the directory.
While that directory exists the array is incomplete (:func:`from_zarr` refuses it).

>>> import os, tempfile
>>> import numpy as np
>>> from chunkarray.array.creation import from_array
>>> path = os.path.join(tempfile.mkdtemp(), "x.zarr")
>>> to_zarr(from_array(np.arange(6), chunks=2), path)
>>> from_zarr(path).compute()
array([0, 1, 2, 3, 4, 5])
"""

from __future__ import annotations

import json
import os
import posixpath
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from chunkarray import base
from chunkarray.array.chunks import blocks_of
from chunkarray.array.core import Array
from chunkarray.array.creation import BlockSlices, asarray, from_array, index_letters
from chunkarray.delayed import Delayed
from chunkarray.errors import ChunkArrayTypeError, ChunkArrayValueError
from chunkarray.graph.blockwise import Blockwise
from chunkarray.graph.graph import Graph
from chunkarray.graph.layer import MaterializedLayer
from chunkarray.graph.task import Ref, Task
from chunkarray.storage.atomic import (
    TargetExistsError,
    check_absent,
    discard,
    replace_directory,
    temporary_sibling,
)
from chunkarray.storage.npy import NpyReader
from chunkarray.storage.zarr import ZarrReader, open_zarr_array
from chunkarray.tokenize import fresh_name

__all__ = [
    "from_npy", "from_zarr", "has_unfinished_write", "store", "to_hdf5", "to_npy", "to_zarr",
]


# -- reading --

def from_zarr(
    url_or_store_or_array: Any, component: str | None = None, chunks: Any = None,
    name: str | None = None,
) -> Array:
    """A lazy Array over a Zarr array.

    Parameters
    ----------
    url_or_store_or_array : str, path, zarr store, zarr.Group or zarr.Array
        Where the array is.
    component : str, optional
        The array's path inside the group at ``url_or_store_or_array``.
    chunks : optional
        Block sizes; by default the Zarr chunks (the shards if sharded); "auto"
        gives whole multiples of them.
    name : str, optional
        The layer name; by default a token of the array's location and layout.

    Returns
    -------
    Array
        Local Zarr v3 arrays are read straight from their chunk files
        (see :mod:`chunkarray.storage.zarr`).

    Raises
    ------
    FileNotFoundError
        Naming the path (and component) where no array was found.
    ValueError
        If the node is a group and ``component`` does not name an array, or if
        an interrupted ``to_zarr(..., resume=True)`` left the array incomplete.

    Examples
    --------
    >>> import os, tempfile, zarr
    >>> path = os.path.join(tempfile.mkdtemp(), "g.zarr")
    >>> z = zarr.open_group(path, mode="w").create_array("a", shape=(4,), chunks=(2,),
    ...                                                  dtype="f8")
    >>> from_zarr(path, component="a").chunks
    ((2, 2),)
    """
    array = open_zarr_array(url_or_store_or_array, component, "from_zarr")
    _check_complete(array, "from_zarr")
    reader = ZarrReader(array)
    return from_array(reader, chunks=reader.chunks if chunks is None else chunks, name=name)


def from_npy(path: str | os.PathLike[str], chunks: Any = "auto", name: str | None = None) -> Array:
    """A lazy Array over a ``.npy`` file; each task reads only its block from the file.

    Raises
    ------
    FileNotFoundError
        Naming the missing path.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "x.npy")
    >>> np.save(path, np.arange(5))
    >>> from_npy(path, chunks=2).compute()
    array([0, 1, 2, 3, 4])
    """
    return from_array(NpyReader(path), chunks=chunks, name=name)


# -- writing --

def target_chunk_shape(target: Any) -> tuple[int, ...] | None:
    """The unit a target is written in: Zarr shards or chunks, HDF5 chunks, else None."""
    shards = getattr(target, "shards", None)
    chunks = shards if isinstance(shards, tuple) else getattr(target, "chunks", None)
    if isinstance(chunks, tuple) and all(isinstance(c, (int, np.integer)) and c > 0
                                         for c in chunks):
        return tuple(int(c) for c in chunks)
    return None


def aligned(x: Array, chunk_shape: tuple[int, ...] | None) -> Array:
    """``x`` rechunked so that no target chunk straddles two of its blocks.

    An axis whose block boundaries are all multiples of the target chunk keeps its
    blocks; any other axis gets blocks of the multiple of the target chunk nearest
    to its current block size.
    """
    if chunk_shape is None or len(chunk_shape) != x.ndim:
        return x
    want = []
    for sizes, c in zip(x.chunks, chunk_shape):
        bounds = np.cumsum(sizes[:-1])
        if (bounds % c == 0).all():
            want.append(tuple(sizes))
        else:
            block = max(1, round(max(sizes) / c)) * c
            want.append(blocks_of(sum(sizes), block))
    want_chunks = tuple(want)
    return x if want_chunks == x.chunks else x.rechunk(want_chunks)


def write_block(target: Any, region: tuple[slice, ...], block: Any, lock: Any) -> None:
    """Write ``block`` into ``target[region]`` (under ``lock`` if given)."""
    if any(s.stop == s.start for s in region):
        return
    layout = _direct_layout(target)
    if layout is not None and layout.write_chunk(region, block):
        return
    if lock is None:
        target[region] = block
    else:
        with lock:
            target[region] = block


def _direct_layout(target: Any) -> Any:
    """The raw chunk layout of a local uncompressed Zarr v3 target, else None."""
    if type(target).__module__.split(".")[0] != "zarr":
        return None
    from chunkarray.storage.zarr import ChunkLayout

    try:
        layout = ChunkLayout.of(target)
    except Exception:  # an unusual store or metadata: zarr's own write path
        return None
    return layout if layout is not None and layout.is_raw else None


def _commit(done: Any, on_success: Callable[[], Any] | None) -> None:
    if on_success is not None:
        on_success()


def _parse_lock(lock: Any) -> Any:
    if lock is True:
        return threading.Lock()
    if lock is False or lock is None:
        return None
    if not (hasattr(lock, "__enter__") and hasattr(lock, "__exit__")):
        raise ChunkArrayTypeError(f"store: lock must be a bool or a lock object, got {lock!r}")
    return lock


def _check_source(source: Any, target: Any) -> Array:
    source = asarray(source)
    if any(isinstance(s, float) for s in source.shape):
        raise ChunkArrayValueError(
            "store: the source's chunk sizes are unknown (nan); call compute_chunk_sizes() first")
    shape = tuple(int(s) for s in getattr(target, "shape", ()))
    if shape != source.shape:
        raise ChunkArrayValueError(
            f"store: the source has shape {source.shape} but the target has shape {shape}")
    return source


def store_delayed(
    sources: list[Any], targets: list[Any], lock: Any = None,
    on_success: Callable[[], Any] | None = None,
) -> Delayed:
    """One Delayed whose computation writes every source into its target, then commits."""
    lock = _parse_lock(lock)
    graphs: list[Graph] = []
    names: list[str] = []
    keys: list[Any] = []
    for source, target in zip(sources, targets):
        x = aligned(_check_source(source, target), target_chunk_shape(target))
        name = fresh_name("store")
        ind = index_letters(x.ndim)
        layer = Blockwise(
            name, ind, write_block,
            [(target, None), (BlockSlices(x.chunks), ind), (x.name, ind), (lock, None)],
            {x.name: x.numblocks},
        )
        graphs.append(Graph.from_layer(layer, x.graph))
        names.append(name)
        keys.extend(layer.keys())
    final = fresh_name("store-done")
    task = Task(_commit, [Ref(k) for k in keys], on_success)
    done = MaterializedLayer(final, {final: task}, dependencies=frozenset(names))
    return Delayed(final, Graph.from_layer(done, *graphs))


def store(sources: Any, targets: Any, lock: Any = None, compute: bool = True,
          **compute_kwargs: Any) -> Delayed | None:
    """Write arrays into objects supporting ``target[region] = block``.

    Parameters
    ----------
    sources : Array or list of Array
    targets : target or list of targets
        Zarr arrays, h5py datasets, ``np.memmap``, NumPy arrays, ...; same shapes.
    lock : bool or lock, optional
        Held around every write (``True`` makes one ``threading.Lock``).
    compute : bool
        Write now (returns None) or return a Delayed that writes when computed.
    **compute_kwargs
        Passed to :func:`chunkarray.compute` (``num_workers``, ``scheduler``).

    Raises
    ------
    ValueError
        If the numbers of sources and targets or their shapes differ.

    Examples
    --------
    >>> from chunkarray.array.creation import arange
    >>> out = np.zeros(5, dtype=int)
    >>> store(arange(5, chunks=2), out)
    >>> out
    array([0, 1, 2, 3, 4])
    """
    single = not isinstance(sources, (list, tuple))
    source_list = [sources] if single else list(sources)
    target_list = [targets] if single else list(targets)
    if len(source_list) != len(target_list):
        raise ChunkArrayValueError(
            f"store: {len(source_list)} sources but {len(target_list)} targets")
    delayed = store_delayed(source_list, target_list, lock)
    if not compute:
        return delayed
    base.compute(delayed, **compute_kwargs)
    return None


# -- Zarr --

def default_zarr_chunks(x: Array) -> tuple[int, ...]:
    """The Zarr chunk shape :func:`to_zarr` gives ``x`` by default: its regular block size."""
    return tuple(_zarr_chunk(c) for c in x.chunks)


def _zarr_chunk(sizes: tuple[int, ...]) -> int:
    regular = all(s == sizes[0] for s in sizes[:-1]) and sizes[-1] <= sizes[0]
    return max(sizes[0] if regular else max(sizes), 1)


def local_path(target: Any) -> Path | None:
    """The absolute path of a local store (a path, ``file://`` URL or LocalStore), else None."""
    from zarr.storage import LocalStore

    if isinstance(target, LocalStore):
        return Path(os.path.abspath(os.fspath(target.root)))
    if isinstance(target, (str, os.PathLike)):
        text = os.fspath(target)
        text = text.removeprefix("file://")
        if "://" not in text:
            return Path(os.path.abspath(text))
    return None


def _node_exists(store: Any, path: str) -> bool:
    import zarr

    try:
        zarr.open(store=store, path=path, mode="r")
    except (FileNotFoundError, KeyError):
        return False
    return True


def _run(delayed: Delayed, compute: bool, cleanup: Callable[[], Any] | None) -> Delayed | None:
    if not compute:
        return delayed
    try:
        base.compute(delayed)
    except BaseException:
        if cleanup is not None:
            cleanup()
        raise
    return None


def to_zarr(
    x: Any, url_or_store: Any, component: str | None = None, overwrite: bool = False,
    compressors: Any = "auto", resume: bool = False, zarr_format: int = 3,
    compute: bool = True, **kwargs: Any,
) -> Delayed | None:
    """Write an array to Zarr (a new array at a path, in a store or group, or into a zarr.Array).

    Parameters
    ----------
    x : Array or array-like
    url_or_store : str, path, zarr store, zarr.Group or zarr.Array
        The destination. A ``zarr.Array`` is written into as it is.
    component : str, optional
        The array's path inside the group at ``url_or_store`` (made if needed).
    overwrite : bool
        Replace an existing array (or anything) at the destination. Without it an
        existing destination raises and is left untouched.
    compressors : optional
        Zarr's ``compressors``; "auto" is zarr's default, None stores raw bytes
        (which :func:`from_zarr` then reads straight from the files).
    resume : bool
        Write in place and skip the chunks that an earlier interrupted
        ``resume=True`` write completed (local paths only; see Notes). An existing
        complete array with the same layout is left as it is.
    zarr_format : {2, 3}
    compute : bool
        Write now (returns None) or return a Delayed that writes when computed.
    **kwargs
        Passed to ``zarr.create_array`` (``chunks``, ``shards``, ``fill_value``,
        ``attributes``, ...). The Zarr chunks default to ``x``'s chunk size.

    Raises
    ------
    FileExistsError
        (:class:`~chunkarray.storage.atomic.TargetExistsError`) if the destination
        exists and ``overwrite`` is False (with ``resume=True``: if it holds
        something other than a Zarr array).
    ValueError
        With ``resume=True``: if the existing array's shape, dtype or chunks differ
        from the source's (the message names them), if ``overwrite`` is also True,
        or if the destination is not a local path.

    Notes
    -----
    On a local path the array is written under a hidden temporary sibling name and
    moved into place by the last task, so a failed write never damages earlier
    data (a lazily returned write that fails may leave that temporary behind).

    With ``resume=True`` the array is written in place, one task per Zarr chunk (or
    shard). Before the first chunk is written, the hidden directory
    ``<array>/.chunkarray-progress`` is created; each task writes its chunk and
    then an empty marker file named after the chunk (``c.0.1``) in it, so a chunk
    counts as done only once it is completely written. The last task removes the
    directory. Hence an array whose progress directory exists is incomplete
    (:func:`has_unfinished_write` says so and :func:`from_zarr` refuses it), and
    its absence next to the array's metadata means the write completed.

    Examples
    --------
    >>> import os, tempfile
    >>> from chunkarray.array.creation import ones
    >>> path = os.path.join(tempfile.mkdtemp(), "out.zarr")
    >>> to_zarr(ones((4, 4), chunks=2), path, compressors=None)
    >>> from_zarr(path).compute().sum()
    np.float64(16.0)
    >>> to_zarr(ones((4, 4), chunks=2), path, compressors=None, resume=True)  # complete
    >>> has_unfinished_write(path)
    False
    """
    delayed, cleanup = prepare_zarr_write(
        x, url_or_store, component, overwrite=overwrite, compressors=compressors,
        resume=resume, zarr_format=zarr_format, **kwargs)
    return _run(delayed, compute, cleanup)


def prepare_zarr_write(
    x: Any, url_or_store: Any, component: str | None = None, *, overwrite: bool = False,
    compressors: Any = "auto", resume: bool = False, zarr_format: int = 3, **kwargs: Any,
) -> tuple[Delayed, Callable[[], Any] | None]:
    """Check and create the destination of :func:`to_zarr`; the write and its cleanup.

    The Delayed writes ``x`` when computed (so several writes can be computed
    together); the cleanup, if not None, removes what a failed write leaves.
    """
    import zarr

    x = asarray(x)
    if any(isinstance(s, float) for s in x.shape):
        raise ChunkArrayValueError(
            "to_zarr: the chunk sizes are unknown (nan); call compute_chunk_sizes() first")
    path = local_path(url_or_store)
    if resume and overwrite:
        raise ChunkArrayValueError(
            "to_zarr: resume=True and overwrite=True exclude each other; resume keeps "
            "the chunks already written, overwrite replaces them")
    if resume and path is None:
        raise ChunkArrayValueError(f"to_zarr: resume=True needs a local path, got {url_or_store!r}")
    if isinstance(url_or_store, zarr.Array):
        return store_delayed([x], [url_or_store]), None
    spec = {"shape": x.shape, "dtype": x.dtype, "compressors": compressors,
            "zarr_format": zarr_format, "chunks": default_zarr_chunks(x)}
    spec.update(kwargs)
    component = component.strip("/") if component else None
    if resume and path is not None:
        return resumable_delayed(x, *_prepare_resume(path, component, spec)), None
    if path is not None:
        target, commit, tmp = _prepare_local(path, component, overwrite, spec)
    else:
        target, commit, tmp = _prepare_store(url_or_store, component, overwrite, spec), None, None
    delayed = store_delayed([x], [target], on_success=commit)
    return delayed, None if tmp is None else partial(discard, tmp)


def zarr_node_kind(path: str | os.PathLike[str]) -> str | None:
    """``"array"`` or ``"group"`` if a Zarr (v3 or v2) node's metadata is in ``path``, else None.

    >>> import tempfile
    >>> zarr_node_kind(tempfile.mkdtemp()) is None
    True
    """
    directory = Path(path)
    if not directory.is_dir():
        return None
    try:
        meta = json.loads((directory / "zarr.json").read_text())
    except (FileNotFoundError, NotADirectoryError, ValueError):
        meta = None
    if isinstance(meta, dict) and meta.get("node_type") in ("array", "group"):
        return str(meta["node_type"])
    if (directory / ".zarray").is_file():
        return "array"
    if (directory / ".zgroup").is_file():
        return "group"
    return None


def _prepare_local(
    path: Path, component: str | None, overwrite: bool, spec: dict[str, Any]
) -> tuple[Any, Callable[[], Any], Path]:
    """Create the array under a temporary name; return it, the commit step, the temp path."""
    import zarr

    fresh = overwrite and path.exists() and zarr_node_kind(path) != "group"
    if component is None or not path.exists() or fresh:
        check_absent(path, "to_zarr", overwrite)
        tmp = temporary_sibling(path)
        if component is None:
            target = zarr.create_array(store=str(tmp), **spec)
        else:
            group = zarr.open_group(store=str(tmp), mode="w", zarr_format=spec["zarr_format"])
            target = group.create_array(name=component, **_without_format(spec))
        return target, partial(replace_directory, tmp, path), tmp
    try:
        group = zarr.open_group(store=str(path), mode="r+")
    except (ValueError, FileNotFoundError) as exc:
        raise ChunkArrayValueError(
            f"to_zarr: component={component!r} needs a Zarr group at {str(path)!r}, but it "
            f"holds something else ({exc})") from None
    if component in group and not overwrite:
        raise TargetExistsError(
            f"to_zarr: {str(path)!r} already holds {component!r}; pass overwrite=True to "
            f"replace it")
    parent = posixpath.dirname(component)
    if parent:
        group.require_group(parent)
    dest = path.joinpath(*component.split("/"))
    tmp = temporary_sibling(dest)
    target = zarr.create_array(store=str(tmp), **spec)
    return target, partial(replace_directory, tmp, dest), tmp


def _without_format(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` for ``Group.create_array``, which takes the group's format."""
    return {k: v for k, v in spec.items() if k != "zarr_format"}


def _prepare_store(store: Any, component: str | None, overwrite: bool,
                   spec: dict[str, Any]) -> Any:
    """Create the array directly in a non-local store or group."""
    import zarr

    if isinstance(store, zarr.Group):
        if component is None:
            raise ChunkArrayValueError("to_zarr: writing into a zarr.Group needs component=")
        if component in store and not overwrite:
            raise TargetExistsError(
                f"to_zarr: the group already holds {component!r}; pass overwrite=True")
        return store.create_array(name=component, overwrite=overwrite, **_without_format(spec))
    if not overwrite and _node_exists(store, component or ""):
        raise TargetExistsError(
            f"to_zarr: {store!r} already holds {component or 'an array'!r}; pass overwrite=True")
    return zarr.create_array(store=store, name=component, overwrite=overwrite, **spec)


# -- resumable Zarr writes --

PROGRESS_DIR = ".chunkarray-progress"


def marker_name(index: tuple[int, ...]) -> str:
    """The progress marker of the chunk at block ``index``: ``c.0.12`` (``c`` when 0-d).

    >>> marker_name((0, 12)), marker_name(())
    ('c.0.12', 'c')
    """
    return ".".join(["c", *(str(i) for i in index)])


def _component_dir(path: Path, component: str | None) -> Path:
    return path.joinpath(*component.strip("/").split("/")) if component else path


def has_unfinished_write(url_or_store: Any, component: str | None = None) -> bool:
    """True if a ``to_zarr(..., resume=True)`` into this local array has not completed.

    Such an array has a ``.chunkarray-progress`` directory (see :func:`to_zarr`).

    >>> import tempfile
    >>> has_unfinished_write(tempfile.mkdtemp())
    False
    """
    path = local_path(url_or_store)
    return path is not None and (_component_dir(path, component) / PROGRESS_DIR).is_dir()


def _check_complete(array: Any, function: str) -> None:
    """Refuse a local array whose resumable write was interrupted."""
    path = local_path(array.store)
    if path is not None and has_unfinished_write(path, array.path):
        where = _component_dir(path, array.path)
        raise ChunkArrayValueError(
            f"{function}: the Zarr array at {str(where)!r} is incomplete: a resumable write "
            f"into it was interrupted (its {PROGRESS_DIR!r} directory is there); finish it "
            f"with to_zarr(..., resume=True)")


def write_block_marked(
    target: Any, region: tuple[slice, ...], block: Any, progress: str,
    chunk_shape: tuple[int, ...],
) -> None:
    """Write one whole target chunk, then its progress marker.

    The marker is made only after the write returned, so a marker means a
    complete chunk; a chunk cut short by a crash has none and is written again.
    """
    write_block(target, region, block, None)
    index = tuple(s.start // c for s, c in zip(region, chunk_shape))
    open(os.path.join(progress, marker_name(index)), "wb").close()


def finish_progress(progress: str) -> None:
    """Mark the array complete: rename its progress directory away (atomic), delete it."""
    if os.path.isdir(progress):
        gone = temporary_sibling(progress, tag="old")
        os.rename(progress, gone)
        discard(gone)


def resumable_delayed(x: Array, target: Any, progress: Path, done: frozenset[str]) -> Delayed:
    """The writes of the chunks of ``x`` not in ``done``, then :func:`finish_progress`.

    ``target`` None means the array is complete: the Delayed does nothing.
    """
    final = fresh_name("store-done")
    if target is None:
        layer = MaterializedLayer(final, {final: Task(_commit, [], None)})
        return Delayed(final, Graph.from_layer(layer))
    chunk_shape = target_chunk_shape(target)
    if chunk_shape is None or len(chunk_shape) != x.ndim:
        raise ChunkArrayValueError(
            f"to_zarr: resume=True needs a regular chunk grid, got chunks {target.chunks!r}")
    want = tuple(blocks_of(int(n), c) for n, c in zip(x.shape, chunk_shape))
    x = x if want == x.chunks else x.rechunk(want)  # exactly one block per target chunk
    name = fresh_name("store")
    ind = index_letters(x.ndim)
    writes = Blockwise(
        name, ind, write_block_marked,
        [(target, None), (BlockSlices(x.chunks), ind), (x.name, ind), (str(progress), None),
         (chunk_shape, None)],
        {x.name: x.numblocks},
    )
    # Only the missing chunks' keys are needed, so culling drops the done ones
    # and the source blocks that only they read.
    keys = [(name, *idx) for idx in np.ndindex(*x.numblocks) if marker_name(idx) not in done]
    task = Task(_commit, [Ref(k) for k in keys], partial(finish_progress, str(progress)))
    layer = MaterializedLayer(final, {final: task}, dependencies=frozenset([name]))
    return Delayed(final, Graph.from_layer(layer, Graph.from_layer(writes, x.graph)))


def _prepare_resume(
    path: Path, component: str | None, spec: dict[str, Any]
) -> tuple[Any, Path, frozenset[str]]:
    """The target written in place, its progress directory, the chunks already done.

    The target is None when the array exists and is complete. A new array gets its
    progress directory before its metadata, so it never looks complete early.
    """
    import zarr

    dest = _component_dir(path, component)
    progress = dest / PROGRESS_DIR
    if component is not None:
        _require_group(path, component, spec["zarr_format"])
    kind = zarr_node_kind(dest)
    if kind is None:
        _check_unused(dest)
        progress.mkdir(parents=True, exist_ok=True)
        if component is None:
            return zarr.create_array(store=str(path), **spec), progress, frozenset()
        group = zarr.open_group(store=str(path), mode="r+")
        target = group.create_array(name=component, **_without_format(spec))
        return target, progress, frozenset()
    if kind != "array":
        raise TargetExistsError(
            f"to_zarr: {str(dest)!r} holds a Zarr group, not an array; resume=True needs "
            f"an array written by to_zarr(..., resume=True) or nothing there")
    existing = zarr.open_array(store=str(path), path=component or "", mode="r+")
    check_layout(existing, spec, dest)
    if not progress.is_dir():
        return None, progress, frozenset()
    return existing, progress, frozenset(os.listdir(progress))


def _require_group(path: Path, component: str, zarr_format: int) -> None:
    """Make the group at ``path`` (and the parents of ``component``) if missing."""
    import zarr

    kind = zarr_node_kind(path)
    if kind == "array" or (kind is None and path.exists() and not (
            path.is_dir() and not any(path.iterdir()))):
        raise ChunkArrayValueError(
            f"to_zarr: component={component!r} needs a Zarr group at {str(path)!r}, but it "
            f"holds {'a Zarr array' if kind else 'something else'}")
    group = zarr.open_group(store=str(path), mode="a", zarr_format=zarr_format)
    parent = posixpath.dirname(component)
    if parent:
        group.require_group(parent)


def _check_unused(dest: Path) -> None:
    """Raise unless ``dest`` is absent, empty, or holds only a progress directory."""
    if os.path.lexists(dest) and not (
            dest.is_dir() and all(entry.name == PROGRESS_DIR for entry in dest.iterdir())):
        raise TargetExistsError(
            f"to_zarr: {str(dest)!r} exists and holds something other than a Zarr array; "
            f"resume=True leaves it untouched (remove it, or pass overwrite=True instead)")


def check_layout(
    existing: Any, spec: dict[str, Any], dest: Path, function: str = "to_zarr(resume=True)"
) -> None:
    """Raise a ValueError naming every difference between ``existing`` and ``spec``.

    Compares the shape, the dtype and (where ``spec`` gives them) the chunks and shards.
    """
    chunks = spec.get("chunks")
    if isinstance(chunks, (int, np.integer)):
        chunks = (int(chunks),) * len(spec["shape"])
    pairs = [("shape", tuple(existing.shape), tuple(spec["shape"])),
             ("dtype", np.dtype(existing.dtype), np.dtype(spec["dtype"]))]
    if isinstance(chunks, (tuple, list)):
        pairs.append(("chunks", tuple(existing.chunks), tuple(int(c) for c in chunks)))
    shards = spec.get("shards")
    if isinstance(shards, (tuple, list)):
        pairs.append(("shards", existing.shards, tuple(int(c) for c in shards)))
    diffs = [f"{what} {got} where the source has {want}" for what, got, want in pairs
             if got != want]
    if diffs:
        raise ChunkArrayValueError(
            f"{function}: the existing array at {str(dest)!r} does not match the source: "
            f"it has {'; '.join(diffs)}")


# to_hdf5 and to_npy live in io_files.py (re-exported here, where users look).
from chunkarray.array.io_files import to_hdf5, to_npy  # noqa: E402
