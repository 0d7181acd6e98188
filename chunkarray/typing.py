"""Type aliases and the protocols between layers.

The runtime never imports the graph layer: it runs any mapping of keys to objects
that satisfy :class:`Runnable`, and reports to objects that satisfy
:class:`Callback`. Collections satisfy :class:`Collection`, the only thing
``compute``, ``persist`` and ``visualize`` speak.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any, Protocol, TypeAlias, runtime_checkable

Key: TypeAlias = Hashable
"""A task key: a plain string name, or a tuple ``(name, *block_index)``."""

Shape: TypeAlias = tuple[int, ...]
Chunks: TypeAlias = tuple[tuple[float, ...], ...]
"""Block sizes per axis; ``nan`` where a size is unknown until computed."""


class Runnable(Protocol):
    """What the scheduler runs: a unit of work with the keys it reads."""

    @property
    def dependencies(self) -> frozenset[Key]: ...

    def execute(self, values: Mapping[Key, Any]) -> Any: ...


class Callback(Protocol):
    """Receiver of scheduler events; every method is optional in practice.

    ``on_task_start`` (optional: called only when a callback defines it) runs in the
    worker thread just before the task, with the worker's number (0 is the calling
    thread); ``on_task_end`` runs in the same thread once the task's result is
    recorded. ``on_progress(done, total)`` (optional) is called once per batch of
    finished tasks, for callbacks that need only the count. Callbacks must be
    thread-safe.
    """

    def on_start(self, total: int) -> None: ...

    def on_task_end(self, key: Key, done: int, total: int) -> None: ...

    def on_finish(self, error: BaseException | None) -> None: ...


class TaskRunner(Protocol):
    """Runs one task with its dependencies' values: where the work happens.

    The threaded scheduler calls ``task.execute(values)`` itself; a runner given
    to :func:`chunkarray.runtime.scheduler.run` replaces that call (a process pool
    ships the task and the values it reads to a worker process).
    """

    def __call__(self, key: Key, task: Runnable, values: Mapping[Key, Any]) -> Any: ...


@runtime_checkable
class Collection(Protocol):
    """The collection protocol (see DESIGN.md).

    ``__chunkarray_graph__`` returns the graph, ``__chunkarray_keys__`` the output
    keys (possibly nested lists, in block order), ``__chunkarray_finalize__``
    turns the matching nested results into one value, and
    ``__chunkarray_rebuild__`` makes the same collection over already computed
    values (a mapping from output key to value).
    """

    def __chunkarray_graph__(self) -> Any: ...

    def __chunkarray_keys__(self) -> Any: ...

    def __chunkarray_finalize__(self, results: Any) -> Any: ...

    def __chunkarray_rebuild__(self, values: Mapping[Key, Any]) -> Any: ...


def is_collection(value: object) -> bool:
    """True if ``value`` speaks the collection protocol.

    >>> is_collection(3)
    False
    """
    return hasattr(type(value), "__chunkarray_graph__")
