"""Persisting dataframes to disk: ``ca.persist(df, store="path")``.

Layout: partition i of the collection persisted as ``component`` goes to the
Parquet file ``<store>/<component>/part.<i>.parquet`` (index included), beside a
``_chunkarray.json`` naming the partition count and the columns. The returned
collection reads those files, one task per partition, with the original meta and
divisions.

Writes are atomic: each file is written under a temporary name and renamed into
place, so a file that exists is complete. A new component is built in a
temporary directory and moved into place when every partition is written; with
``resume=True`` the files are written in place instead, and a later call with
``resume=True`` writes only the missing ones (an interrupted run loses nothing it
finished). An existing component is left untouched unless ``resume=True`` (same
partition count and columns) or ``overwrite=True`` (replaced once the new one is
complete).

>>> import os, tempfile
>>> import pandas as pd
>>> import chunkarray as ca
>>> from chunkarray.dataframe import from_pandas
>>> df = from_pandas(pd.DataFrame({"a": range(6)}), npartitions=3)
>>> store = os.path.join(tempfile.mkdtemp(), "frames")
>>> (p,) = ca.persist(df[df.a > 1], store=store)
>>> p.npartitions, len(p.graph), p.a.compute().tolist()
(3, 3, [2, 3, 4, 5])
>>> sorted(os.listdir(os.path.join(store, "0")))
['_chunkarray.json', 'part.0.parquet', 'part.1.parquet', 'part.2.parquet']
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd

from chunkarray import base
from chunkarray.dataframe.core import Frame, new_collection
from chunkarray.delayed import Delayed
from chunkarray.errors import ChunkArrayValueError
from chunkarray.graph.graph import Graph
from chunkarray.graph.layer import MaterializedLayer
from chunkarray.graph.task import Ref, Task
from chunkarray.storage.atomic import (
    TargetExistsError,
    atomic_file,
    discard,
    replace_directory,
    temporary_sibling,
)
from chunkarray.tokenize import tokenize

_MANIFEST = "_chunkarray.json"


def _part_path(directory: Path, i: int) -> Path:
    return directory / f"part.{i}.parquet"


def write_partition(part: Any, path: str) -> str:
    """Write one partition to ``path`` atomically (a Series as a one-column frame)."""
    frame = part.to_frame() if isinstance(part, pd.Series) else part
    with atomic_file(path) as tmp:
        frame.to_parquet(tmp, index=True)
    return path


def read_partition(path: str, is_series: bool) -> Any:
    """Read one persisted partition back."""
    frame = pd.read_parquet(path)
    return frame.iloc[:, 0] if is_series else frame


def _manifest(frame: Frame) -> dict[str, Any]:
    meta = frame.meta
    columns = [str(c) for c in meta.columns] if isinstance(meta, pd.DataFrame) else [
        str(meta.name)]
    return {"npartitions": frame.npartitions, "columns": columns}


def _check_resumable(directory: Path, frame: Frame) -> None:
    try:
        found = json.loads((directory / _MANIFEST).read_text())
    except (OSError, ValueError):
        raise ChunkArrayValueError(
            f"persist: {str(directory)!r} exists but is not a persisted dataframe; pass "
            f"overwrite=True to replace it"
        ) from None
    if found != _manifest(frame):
        raise ChunkArrayValueError(
            f"persist: cannot resume {str(directory)!r}: it holds {found}, the collection is "
            f"{_manifest(frame)}; pass overwrite=True to replace it"
        )


def _write_all(frame: Frame, directory: Path, skip_existing: bool) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    with atomic_file(directory / _MANIFEST) as tmp:
        Path(tmp).write_text(json.dumps(_manifest(frame)))
    name = f"write-parquet-{tokenize(frame, str(directory))}"
    tasks = {(name, i): Task(write_partition, Ref((frame._name, i)),
                             str(_part_path(directory, i)))
             for i in range(frame.npartitions)
             if not (skip_existing and _part_path(directory, i).exists())}
    if tasks:
        graph = Graph.from_layer(MaterializedLayer(name, tasks), frame._graph)
        base.compute(*(Delayed(k, graph) for k in tasks))


def persist_frame_to_store(frame: Frame, store: Any, component: str, resume: bool = False,
                           overwrite: bool = False) -> Any:
    """Write ``frame``'s partitions under ``store/component``; a collection reading them."""
    target = Path(os.path.abspath(os.fspath(store))) / component
    exists = os.path.lexists(target)
    if exists and resume and not overwrite:
        _check_resumable(target, frame)
        _write_all(frame, target, skip_existing=True)
    elif resume and not exists:
        _write_all(frame, target, skip_existing=True)
    elif exists and not overwrite:
        raise TargetExistsError(
            f"persist: {str(target)!r} already exists; pass resume=True to finish it or "
            f"overwrite=True to replace it"
        )
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = temporary_sibling(target)
        try:
            _write_all(frame, tmp, skip_existing=False)
        except BaseException:
            discard(tmp)
            raise
        replace_directory(tmp, target)
    return _reader(frame, target)


def _reader(frame: Frame, directory: Path) -> Any:
    is_series = isinstance(frame.meta, pd.Series)
    name = frame._name
    tasks = {(name, i): Task(read_partition, str(_part_path(directory, i)), is_series)
             for i in range(frame.npartitions)}
    return new_collection(Graph.from_layer(MaterializedLayer(name, tasks)), name, frame.meta,
                          frame.divisions)


def _persist_to_store(self: Frame, store: Any, component: str, resume: bool = False,
                      overwrite: bool = False) -> Any:
    """The ``__chunkarray_store__`` hook of DataFrame and Series (``persist(store=...)``)."""
    if not isinstance(self.meta, (pd.DataFrame, pd.Series)):
        raise TypeError("persist: store= is supported for DataFrame and Series collections")
    return persist_frame_to_store(self, store, component, resume=resume, overwrite=overwrite)


Frame.__chunkarray_store__ = _persist_to_store  # type: ignore[attr-defined]
