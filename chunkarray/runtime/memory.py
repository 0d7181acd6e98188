"""The memory manager: a byte budget for chunks, spilling to disk, back-pressure.

Policy
------
Every value a run produces is counted (``sizeof``) while it is held. The budget is
the ``memory_limit`` setting, read when a run starts. Before a task starts, the
bytes it is expected to add (its output size hint plus inputs that must come back
from disk) must fit beside what is held and what running tasks will add
(back-pressure); if they do not, values are evicted first:

- values whose task is a plain read of an existing store (``rereadable``) are
  dropped and read again when needed: no disk write at all;
- other values are spilled to the spill store (ndarrays as raw ``.npy`` files that
  reload memory-mapped, frames as parquet, the rest pickled), lazily reloaded on
  the next use.

Victims are the values needed latest: the largest smallest-priority of their
pending dependents. Values read by running tasks are pinned and never evicted.
A task that still does not fit waits until a running task finishes; when nothing
runs, it starts anyway (progress is guaranteed), with one warning if it alone is
larger than the budget. While memory is tight, ready tasks that consume values
run before tasks that only load new data.

State (:class:`RunMemory`, guarded by the run's lock): ``mem`` (in-memory values),
``sizes``, ``spilled`` (spill handles), ``dropped`` (rereadable values let go),
``pins``, ``inflight`` (expected bytes of running tasks) and the counters of
:class:`RunStats`.

Invariant: ``held == sum(sizes[k] for k in mem)``; after admission, ``held +
inflight <= limit`` unless a single task exceeds the budget or nothing else runs.

Worked example: ``x - x.mean(axis=0)`` over a 4 GiB Zarr array with a 512 MiB
budget: the blocks of ``x`` are read for the mean, dropped when the budget is
reached (they are rereadable), and read again for the subtraction; peak held bytes
stay under 512 MiB.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import warnings
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from chunkarray import config
from chunkarray.errors import PerformanceWarning
from chunkarray.runtime.sizeof import is_file_mapped, sizeof
from chunkarray.sizes import format_bytes
from chunkarray.typing import Key

logger = logging.getLogger("chunkarray.memory")
_SMALL = 64 * 1024  # bytes: values below this are evicted only when nothing bigger is left


@dataclass(frozen=True, slots=True)
class RunStats:
    """What one compute did with memory: the figures behind the bound."""

    memory_limit: int
    peak_managed_bytes: int
    spilled_bytes: int
    spilled_chunks: int
    reloaded_bytes: int
    reloaded_chunks: int
    dropped_chunks: int
    reread_chunks: int
    tasks_run: int
    seconds: float


_last: list[RunStats] = []
_last_lock = threading.Lock()


def last_run() -> RunStats | None:
    """The statistics of the most recent compute in this process (None before any)."""
    with _last_lock:
        return _last[-1] if _last else None


def _record(stats: RunStats) -> None:
    with _last_lock:
        _last[:] = [stats]
    logger.debug("compute finished: %s", stats)


# id -> run in progress, for memory_usage(); weak, so a run that never finished is not kept
_active: dict[int, weakref.ref[RunMemory]] = {}
_active_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class MemoryUsage:
    """The memory manager's figures at one instant (see :func:`memory_usage`)."""

    managed_bytes: int
    spilled_bytes: int
    reloaded_bytes: int
    memory_limit: int


def _forget(key: int) -> None:
    # No lock: a garbage collection may run this in a thread that holds _active_lock,
    # and one dict.pop is atomic.
    _active.pop(key, None)


def memory_usage() -> MemoryUsage:
    """Bytes held now (running computes plus persisted chunks); spilled and reloaded so far.

    Spilled and reloaded bytes are counted since the start of the computes still
    running. A cheap read-only snapshot for samplers (figures of running computes are
    read without their locks, so they may be a moment old).

    >>> memory_usage().managed_bytes >= 0
    True
    """
    with _active_lock:
        refs = list(_active.values())  # one C-level copy: nothing can run in between
    runs = [r for r in (ref() for ref in refs) if r is not None]
    held = persisted.bytes + sum(r.held for r in runs)
    spilled = sum(r.counts["spilled_bytes"] for r in runs)
    reloaded = sum(r.counts["reloaded_bytes"] for r in runs)
    limit = runs[0].limit if runs else int(config.get("memory_limit"))
    return MemoryUsage(held, spilled, reloaded, limit)


_store: Any = None
_store_lock = threading.Lock()


def spill_store() -> Any:
    """The process's spill store, made on first use in the ``spill_dir`` setting."""
    global _store
    with _store_lock:
        directory = config.get("spill_dir")
        if _store is None or getattr(_store, "parent", None) != directory:
            from chunkarray.storage.spill_store import SpillStore

            if _store is not None:
                _store.close()
                _store = None
            store = SpillStore(directory)
            store.parent = directory
            _store = store
        return _store


def is_rereadable(task: Any) -> bool:
    """True for a task that only reads a block of an existing store (no dependencies)."""
    func = getattr(task, "func", None)
    return not task.dependencies and bool(getattr(func, "rereadable", False))


class RunMemory(Mapping[Key, Any]):
    """The values of one run, counted against the budget (see the module docstring).

    The scheduler calls every method except ``__getitem__`` with the run's lock
    held; tasks read values through ``__getitem__`` from worker threads.
    """

    def __init__(self, tasks: Mapping[Key, Any], priority: Mapping[Key, int],
                 dependents: Mapping[Key, list[Key]], lock: threading.Lock,
                 hints: Mapping[Key, int] | None = None, limit: int | None = None) -> None:
        self.tasks = tasks
        self.priority = priority
        self.dependents = dependents
        self.lock = lock
        self.hints = hints or {}
        self.limit = int(config.get("memory_limit") if limit is None else limit)
        self.mem: dict[Key, Any] = {}
        self.sizes: dict[Key, int] = {}
        self.spilled: dict[Key, Any] = {}
        self.dropped: set[Key] = set()
        self.pins: dict[Key, int] = {}
        self.done: set[Key] = set()
        self.held = 0
        self.inflight = 0
        self.peak = 0
        self.counts = {"spilled_bytes": 0, "spilled_chunks": 0, "reloaded_bytes": 0,
                       "reloaded_chunks": 0, "dropped_chunks": 0, "reread_chunks": 0}
        self.warned = False
        self.started = time.perf_counter()
        self.tasks_run = 0
        spill_store()  # an unusable spill_dir fails here, before any task runs
        with _active_lock:
            _active[id(self)] = weakref.ref(self, lambda _, key=id(self): _forget(key))

    # -- the Mapping read by tasks (worker threads, lock not held) --
    def __getitem__(self, key: Key) -> Any:
        try:
            return self.mem[key]
        except KeyError:
            return self._bring_back(key)

    def __iter__(self) -> Iterator[Key]:
        return iter(set(self.mem) | set(self.spilled) | self.dropped)

    def __len__(self) -> int:
        return len(self.mem) + len(self.spilled) + len(self.dropped)

    def __contains__(self, key: object) -> bool:
        return key in self.mem or key in self.spilled or key in self.dropped

    def _bring_back(self, key: Key) -> Any:
        with self.lock:
            if key in self.mem:
                return self.mem[key]
            handle = self.spilled.get(key)
            rereadable = key in self.dropped
        if handle is not None:
            value = spill_store().get(handle)
            with self.lock:
                self.counts["reloaded_bytes"] += self.sizes.get(key, 0)
                self.counts["reloaded_chunks"] += 1
            return value
        if rereadable:
            value = self.tasks[key].execute({})  # a store read, or a persisted chunk
            with self.lock:
                self.counts["reread_chunks"] += 1
            return value
        raise KeyError(key)

    # -- bookkeeping (lock held) --
    def add(self, key: Key, value: Any) -> None:
        """Hold a finished task's value, evicting others if over budget."""
        size = 0 if getattr(self.tasks[key], "held", False) else sizeof(value)
        self.mem[key] = value
        self.sizes[key] = size
        self.held += size
        self.tasks_run += 1
        if self.held > self.peak:
            self.peak = self.held
        over = self.held + self.inflight + persisted.bytes - self.limit
        if over > 0:
            self.evict(over, protect=())

    def release(self, key: Key) -> None:
        """Forget a value nobody needs any more (in memory, on disk or dropped)."""
        if key in self.mem:
            del self.mem[key]
            self.held -= self.sizes.get(key, 0)
        handle = self.spilled.pop(key, None)
        if handle is not None:
            spill_store().delete(handle)
        self.dropped.discard(key)
        self.sizes.pop(key, None)

    def expected(self, key: Key) -> int:
        """Bytes a task will add while it runs: its output plus inputs to bring back."""
        extra = self.hints.get(key, 0)
        for d in self.tasks[key].dependencies:
            if d not in self.mem:
                extra += self.sizes.get(d, 0)
        return extra

    def admit(self, key: Key, running: int) -> int | None:
        """Reserve room for ``key``: the bytes reserved, or None to wait for a running task."""
        need = self.expected(key)
        over = self.held + self.inflight + need + persisted.bytes - self.limit
        if over > 0:
            self.evict(over, protect=self.tasks[key].dependencies)
            over = self.held + self.inflight + need + persisted.bytes - self.limit
        if over > 0 and running:
            return None
        if need > self.limit and not self.warned:
            self.warned = True
            warnings.warn(
                f"a task needs about {format_bytes(need)}, more than memory_limit="
                f"{format_bytes(self.limit)}; running it anyway. Use smaller chunks to "
                f"stay within the limit",
                PerformanceWarning, stacklevel=2,
            )
        self.inflight += need
        for d in self.tasks[key].dependencies:
            self.pins[d] = self.pins.get(d, 0) + 1
        return need

    def unpin(self, key: Key, need: int) -> None:
        """A task finished: its reservation ends and its inputs may be evicted."""
        self.inflight -= need
        pins = self.pins
        for d in self.tasks[key].dependencies:
            left = pins[d] - 1
            if left:
                pins[d] = left
            else:
                del pins[d]

    @property
    def tight(self) -> bool:
        """True when more than half of the budget is held or reserved."""
        return 2 * (self.held + self.inflight + persisted.bytes) > self.limit

    def evict(self, amount: int, protect: Any) -> None:
        """Drop or spill values needed latest until ``amount`` bytes are freed."""
        # Persisted chunks first: no run needs them soon, whatever the order.
        freed = persisted.spill(amount) if persisted.bytes else 0
        sizes = self.sizes
        candidates = [k for k in self.mem if k not in self.pins and k not in protect]
        big = [k for k in candidates if sizes.get(k, 0) >= _SMALL]
        small_bytes = sum(sizes.get(k, 0) for k in candidates) - sum(sizes.get(k, 0) for k in big)
        if 2 * small_bytes < self.limit:
            # Writing tiny partials frees little: leave them unless they fill the budget.
            candidates = big
        # Plain reads first (dropping them costs no write), then the latest next use.
        candidates.sort(key=lambda k: (is_rereadable(self.tasks[k]), self._next_use(k)),
                        reverse=True)
        for key in candidates:
            if freed >= amount:
                break
            freed += self._evict_one(key)

    def _next_use(self, key: Key) -> float:
        uses = [self.priority[c] for c in self.dependents.get(key, ()) if c not in self.done]
        return min(uses) if uses else float("inf")

    def _evict_one(self, key: Key) -> int:
        size = self.sizes.get(key, 0)
        value = self.mem.pop(key)
        self.held -= size
        if key in self.spilled:
            return size  # a reloaded value: its file is still there
        if getattr(self.tasks[key], "held", False):
            self.dropped.add(key)  # a persisted chunk: its Held task brings it back
            return size
        if is_rereadable(self.tasks[key]):
            self.dropped.add(key)
            self.counts["dropped_chunks"] += 1
            return size
        self.spilled[key] = spill_store().put(key, value)
        self.counts["spilled_bytes"] += size
        self.counts["spilled_chunks"] += 1
        return size

    def stats(self) -> RunStats:
        return RunStats(
            memory_limit=self.limit, peak_managed_bytes=self.peak,
            tasks_run=self.tasks_run, seconds=time.perf_counter() - self.started,
            **self.counts,
        )

    def finish(self, results: Mapping[Key, Any] | None = None) -> None:
        """Record the stats and remove the run's spill files (outputs were read).

        An output that came back memory-mapped from its spill file keeps the file:
        it is removed when the array is garbage collected, so a result (or a
        persisted chunk) larger than the budget stays on disk, counted there.
        """
        _record(self.stats())
        for key, value in (results or {}).items():
            handle = self.spilled.get(key)
            if handle is not None and is_file_mapped(value):
                del self.spilled[key]
                weakref.finalize(value, _delete_quietly, handle)
        self.discard()

    def discard(self) -> None:
        """Forget every value and remove the run's spill files."""
        with _active_lock:
            _active.pop(id(self), None)
        if self.spilled:
            store = spill_store()
            for handle in self.spilled.values():
                store.delete(handle)
        self.spilled.clear()
        self.mem.clear()
        self.dropped.clear()
        self.held = 0



class Persisted:
    """Chunks kept by persisted collections, counted against the same budget.

    A chunk stays while its :class:`Held` task is alive (the persisted
    collection's graph holds it); garbage collection of the collection releases it
    (and its spill file). Above the budget, persisted chunks are spilled like any
    other value and reloaded memory-mapped when read.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.bytes = 0
        self.live: weakref.WeakSet[Held] = weakref.WeakSet()

    def spill(self, amount: int) -> int:
        """Spill persisted chunks until ``amount`` bytes are freed; the bytes freed."""
        freed = 0
        with self.lock:
            victims = [h for h in self.live if h.state.in_memory]
        for held in victims:
            if freed >= amount:
                break
            freed += held.spill()
        return freed


persisted = Persisted()


class _HeldState:
    """What a Held chunk's finalizer needs (never the chunk itself)."""

    __slots__ = ("nbytes", "handle", "in_memory")

    def __init__(self, nbytes: int) -> None:
        self.nbytes = nbytes
        self.handle: Any = None
        self.in_memory = True


def _delete_quietly(handle: Any) -> None:
    with contextlib.suppress(Exception):  # at interpreter exit the store may be gone
        spill_store().delete(handle)


def _release(state: _HeldState) -> None:
    with persisted.lock:
        if state.in_memory:
            persisted.bytes -= state.nbytes
        state.in_memory = False
        handle, state.handle = state.handle, None
    if handle is not None:
        _delete_quietly(handle)


class Held:
    """A task whose value is a persisted chunk kept by the memory manager."""

    __slots__ = ("value", "state", "lock", "__weakref__")
    dependencies: frozenset[Key] = frozenset()
    label = "persisted"
    held = True
    is_data = True  # drawn as data, not as a call

    def __init__(self, value: Any) -> None:
        self.value = value
        # A chunk that came back memory-mapped from a spill file is on disk already.
        self.state = _HeldState(0 if is_file_mapped(value) else sizeof(value))
        self.lock = threading.Lock()
        with persisted.lock:
            persisted.bytes += self.state.nbytes
            persisted.live.add(self)
        weakref.finalize(self, _release, self.state)
        over = persisted.bytes - int(config.get("memory_limit"))
        if over > 0:
            persisted.spill(over)

    def execute(self, values: Mapping[Key, Any]) -> Any:
        with self.lock:
            if self.value is not None:
                return self.value
            handle = self.state.handle
        return spill_store().get(handle)

    def spill(self) -> int:
        """Move the value to the spill store; the bytes freed."""
        with self.lock:
            if self.value is None or self.state.nbytes == 0:
                return 0
            self.state.handle = spill_store().put(("persisted", id(self)), self.value)
            self.value = None
        with persisted.lock:
            persisted.bytes -= self.state.nbytes
            self.state.in_memory = False
        return self.state.nbytes

    def __repr__(self) -> str:
        where = "memory" if self.value is not None else "disk"
        return f"Held({format_bytes(self.state.nbytes)} in {where})"


def held_task(value: Any) -> Held:
    """The task standing for one persisted chunk (see :class:`Persisted`).

    >>> import numpy as np
    >>> task = held_task(np.zeros(1000))
    >>> task.execute({}).shape
    (1000,)
    """
    return Held(value)
