"""Profiler: when each task ran and on which worker.

The scheduler calls ``on_task_start(key, worker)`` in the worker thread just before
a task and ``on_task_end`` in the same thread after its result is recorded, which
for a batch of tiny tasks is after the whole batch. So a task's end is taken as the
earlier of its ``on_task_end`` and the start of the next task on the same worker.
Each thread's open task lives in its own slot (written only by that thread; a
thread, not a worker number, because a compute run inside a task numbers its own
workers from 0 again), so no lock is taken per task.
"""

from __future__ import annotations

import threading
import time
from threading import get_ident
from dataclasses import dataclass
from typing import Any

from chunkarray.diagnostics.callback import Diagnostic
from chunkarray.typing import Key

__all__ = ["Profiler", "TaskRecord"]


@dataclass(frozen=True, slots=True)
class TaskRecord:
    """One task run: its key, start and end (``time.perf_counter`` seconds), worker number."""

    key: Key
    start: float
    end: float
    worker: int


class Profiler(Diagnostic):
    """Record every task of the computes run while active (``results``).

    Examples
    --------
    >>> import chunkarray as ca
    >>> with Profiler() as prof:
    ...     ca.compute(ca.delayed(sum, pure=True)([1, 2]))
    (3,)
    >>> [r.key.split("-")[0] for r in prof.results]
    ['sum']
    >>> all(r.end >= r.start for r in prof.results)
    True
    """

    def __init__(self) -> None:
        self._records: list[TaskRecord] = []
        self._open: dict[int, tuple[Key, float, int]] = {}  # thread -> (key, start, worker)
        self._thread_of: dict[Key, int] = {}
        self._depth = 0
        self._lock = threading.Lock()

    @property
    def results(self) -> list[TaskRecord]:
        """The finished tasks, in the order they finished."""
        return list(self._records)

    def clear(self) -> None:
        """Forget every record."""
        self._records = []

    def on_task_start(self, key: Key, worker: int) -> None:
        now = time.perf_counter()
        thread = get_ident()
        previous = self._open.get(thread)
        if previous is not None:  # the thread moved on: the previous task ended
            self._records.append(TaskRecord(previous[0], previous[1], now, previous[2]))
        self._open[thread] = (key, now, worker)
        self._thread_of[key] = thread

    def on_task_end(self, key: Key, done: int, total: int) -> None:
        thread = self._thread_of.pop(key, None)
        if thread is None:
            return
        current = self._open.get(thread)
        if current is not None and current[0] == key:
            del self._open[thread]
            self._records.append(TaskRecord(key, current[1], time.perf_counter(), current[2]))

    def on_start(self, total: int) -> None:
        with self._lock:
            self._depth += 1

    def on_finish(self, error: BaseException | None) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth == 0:
                # Tasks of a failed run that never reported their end are not recorded.
                self._open.clear()
                self._thread_of.clear()

    def summary(self) -> dict[str, Any]:
        """Tasks, workers and busy seconds per key prefix (the readable name).

        >>> Profiler().summary()
        {'tasks': 0, 'workers': 0, 'busy_seconds': {}}
        """
        from chunkarray.graph.keys import key_name, key_prefix

        busy: dict[str, float] = {}
        for r in self._records:
            prefix = key_prefix(str(key_name(r.key)))
            busy[prefix] = busy.get(prefix, 0.0) + (r.end - r.start)
        workers = {r.worker for r in self._records}
        return {"tasks": len(self._records), "workers": len(workers), "busy_seconds": busy}
