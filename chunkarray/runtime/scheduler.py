"""The threaded scheduler: runs a dict of tasks on a bounded pool of threads.

Policy
------
Workers schedule themselves: each worker (the calling thread plus
``num_workers - 1`` pool threads) takes the lock, records the results of the batch
it just ran, takes the next batch of ready tasks by priority, releases the lock and
runs them. There is no per-task future, queue or lock: the lock is taken once per
batch. Batches are large only while tasks are tiny (under a millisecond), so
expensive tasks are still spread one by one over the workers, and a batch holds
only tasks of consecutive priorities, so batching never runs a task before one
that the static order puts first.

State (:class:`RunState`)
-------------------------
``waiting``: key -> number of dependencies not yet finished; ``ready``: a heap of
``(priority, key)``; ``values``: results still needed; ``needed``: key -> number of
dependents not yet run (a result is dropped when it reaches 0, unless it is an
output); ``running``: tasks handed out.

Invariants: a task is handed out once, only when all its dependencies are in
``values``; ``values`` holds only results with a pending dependent or requested as
outputs; after the first error or an interrupt no new task starts, and ``run``
returns only once every worker has left the run.

Worked example: for ``z = x * y`` where ``y`` reads ``x``, ``x`` runs first; when
``y`` is done, ``x`` is still needed by ``z``; when ``z`` is done, both are dropped.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from chunkarray.runtime.allocator import tune_allocator
from chunkarray.runtime.events import registered
from chunkarray.runtime.memory import RunMemory
from chunkarray.runtime.pool import get_pool
from chunkarray.typing import Callback, Key, Runnable, TaskRunner

_TINY = 0.001  # seconds: tasks faster than this are handed out in batches
_MAX_BATCH = 64


class RunState:
    """The bookkeeping of one run; every method is called with ``lock`` held."""

    def __init__(
        self,
        tasks: Mapping[Key, Runnable],
        outputs: Iterable[Key],
        priority: Mapping[Key, int],
        num_workers: int,
        callbacks: Sequence[Callback] = (),
        hints: Mapping[Key, int] | None = None,
        memory_limit: int | None = None,
        runner: TaskRunner | None = None,
    ) -> None:
        self.tasks = tasks
        self.runner = runner
        # Only callbacks that define on_task_start are called before each task.
        self.starters = [cb.on_task_start for cb in callbacks if hasattr(cb, "on_task_start")]
        # Per-task ends for callbacks that define them; counts once per batch for the
        # ones that only need how many tasks are done (progress bars).
        self.enders = [cb.on_task_end for cb in callbacks if hasattr(cb, "on_task_end")]
        self.progressers = [cb.on_progress for cb in callbacks if hasattr(cb, "on_progress")]
        self.priority = priority
        self.num_workers = num_workers
        self.callbacks = callbacks
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.outputs = set(outputs)
        self.waiting: dict[Key, int] = {}
        self.dependents: dict[Key, list[Key]] = {}
        self.needed: dict[Key, int] = {}
        self.remaining = len(tasks)
        self.total = len(tasks)
        self.running = 0
        self.error: BaseException | None = None
        self.error_key: Key | None = None
        self.tiny = False  # until the first batch is measured, tasks go one by one
        ready: list[tuple[int, Key]] = []
        dependents = self.dependents
        self.reserved: dict[Key, int] = {}
        for key, task in tasks.items():
            deps = task.dependencies
            if deps:
                self.waiting[key] = len(deps)
                for d in deps:
                    lst = dependents.get(d)
                    if lst is None:
                        dependents[d] = [key]
                    else:
                        lst.append(key)
            else:
                ready.append((priority[key], key))
        self.needed = {k: len(v) for k, v in dependents.items()}
        heapq.heapify(ready)
        self.ready = ready
        # Ready tasks with dependencies (they consume values) wait in their own heap,
        # so that while memory is tight they run before tasks that load new data.
        self.ready_inner: list[tuple[int, Key]] = []
        self.memory = RunMemory(tasks, priority, dependents, self.lock, hints, memory_limit)
        self.values = self.memory

    @property
    def stopped(self) -> bool:
        return self.error is not None or self.remaining == 0

    def has_ready(self) -> bool:
        return bool(self.ready or self.ready_inner)

    def _next_heap(self) -> list[tuple[int, Key]]:
        ready, inner = self.ready, self.ready_inner
        if not inner:
            return ready
        if not ready or self.memory.tight or inner[0][0] < ready[0][0]:
            return inner
        return ready

    def take_batch(self) -> list[tuple[Key, Runnable]]:
        """Pop the next tasks one worker may run now (empty: wait for memory)."""
        n = 1
        if self.tiny:
            n = min(_MAX_BATCH, max(1, (len(self.ready) + len(self.ready_inner))
                                    // self.num_workers))
        tasks, memory, reserved = self.tasks, self.memory, self.reserved
        batch: list[tuple[Key, Runnable]] = []
        prio = -2
        while len(batch) < n and self.has_ready():
            heap = self._next_heap()
            # Only consecutive priorities join a batch: a gap is a task not yet
            # ready that must run before the rest, so batching never reorders.
            if batch and heap[0][0] != prio + 1:
                break
            key = heap[0][1]
            need = memory.admit(key, self.running + len(batch))
            if need is None:
                break
            reserved[key] = need
            prio = heapq.heappop(heap)[0]
            batch.append((key, tasks[key]))
        self.running += len(batch)
        return batch

    def finish(self, done: list[tuple[Key, Any]], elapsed: float) -> None:
        """Record finished tasks, release inputs no longer needed, wake workers."""
        memory, waiting, needed = self.memory, self.waiting, self.needed
        ready, inner = self.ready, self.ready_inner
        dependents, priority, outputs = self.dependents, self.priority, self.outputs
        for key, value in done:
            memory.unpin(key, self.reserved.pop(key, 0))
            memory.done.add(key)
            memory.add(key, value)
            for dep in self.tasks[key].dependencies:
                left = needed[dep] - 1
                needed[dep] = left
                if left == 0 and dep not in outputs:
                    memory.release(dep)
            for child in dependents.get(key, ()):
                left = waiting[child] - 1
                if left:
                    waiting[child] = left
                else:
                    del waiting[child]
                    heapq.heappush(inner, (priority[child], child))
        n = len(done)
        self.running -= n
        self.remaining -= n
        if n:
            self.tiny = elapsed / n < _TINY
        if self.enders:
            count = self.total - self.remaining - n
            for key, _ in done:
                count += 1
                for on_task_end in self.enders:
                    on_task_end(key, count, self.total)
        for on_progress in self.progressers:
            on_progress(self.total - self.remaining, self.total)
        if ready or inner or self.remaining == 0:
            self.cond.notify_all()

    def fail(self, key: Key | None, error: BaseException) -> None:
        if self.error is None:
            self.error = error
            self.error_key = key
        self.cond.notify_all()


def work(state: RunState, worker: int = 0) -> None:
    """One worker's loop: finish the last batch, take the next, run it."""
    done: list[tuple[Key, Any]] = []
    elapsed = 0.0
    values = state.values
    cond = state.cond
    runner, starters = state.runner, state.starters
    while True:
        with cond:
            if done:
                state.finish(done, elapsed)
                done = []
            while True:
                if state.stopped:
                    return
                batch = state.take_batch() if state.has_ready() else []
                if batch:
                    break
                cond.wait()
        start = time.perf_counter()
        for key, task in batch:
            if state.error is not None:
                with cond:
                    state.running -= len(batch) - len(done)
                return
            try:
                for on_task_start in starters:
                    on_task_start(key, worker)
                if runner is None:
                    done.append((key, task.execute(values)))
                else:
                    done.append((key, runner(key, task, values)))
            except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
                with cond:
                    state.running -= len(batch) - len(done)
                    state.fail(key, exc)
                return
        elapsed = time.perf_counter() - start


def _help(state: RunState, worker: int) -> None:
    """A pool thread's share of a run; any error of its own stops the run."""
    try:
        work(state, worker)
    except BaseException as exc:  # noqa: BLE001 - reported through the run state
        with state.cond:
            state.fail(None, exc)


def run(
    tasks: Mapping[Key, Runnable],
    outputs: Sequence[Key],
    priority: Mapping[Key, int],
    num_workers: int = 1,
    callbacks: Sequence[Callback] = (),
    hints: Mapping[Key, int] | None = None,
    memory_limit: int | None = None,
    runner: TaskRunner | None = None,
) -> dict[Key, Any]:
    """Run ``tasks`` and return the values of ``outputs``.

    ``num_workers == 1`` runs everything in the calling thread; ``runner``, if
    given, runs each task instead of ``task.execute`` (see
    :class:`~chunkarray.typing.TaskRunner`). Callbacks registered with
    :func:`~chunkarray.runtime.events.register` are told too. The first error
    stops the run and is re-raised here with its traceback and a note naming the
    failing key; KeyboardInterrupt stops the helpers before it propagates.

    >>> from chunkarray.graph.task import Literal
    >>> run({"a": Literal(1)}, ["a"], {"a": 0})
    {'a': 1}
    """
    tune_allocator()
    callbacks = (*callbacks, *registered())
    state = RunState(tasks, outputs, priority, num_workers, callbacks, hints, memory_limit, runner)
    for cb in callbacks:
        cb.on_start(state.total)
    helpers: list[Any] = []
    try:
        if num_workers > 1 and state.total > 1:
            pool = get_pool(num_workers - 1)
            for worker in range(1, min(num_workers, state.total + 1)):
                helpers.append(pool.submit(_help, state, worker))
        work(state)
    except BaseException as exc:  # KeyboardInterrupt, or an error in the bookkeeping
        with state.cond:
            state.fail(None, exc)
    _wait_for(helpers, state)
    for cb in callbacks:
        cb.on_finish(state.error)
    if state.error is not None:
        state.memory.discard()
        raise _with_key_note(state.error, state.error_key)
    results = {k: state.values[k] for k in outputs}
    state.memory.finish(results)
    return results


def _wait_for(helpers: list[Any], state: RunState) -> None:
    """Wait until every helper has left the run; helpers still queued are cancelled."""
    for fut in helpers:
        if fut.cancel():
            continue
        while True:
            try:
                fut.result()
                break
            except KeyboardInterrupt as exc:  # a second Ctrl-C while stopping
                with state.cond:
                    state.fail(None, exc)
            except BaseException:  # noqa: BLE001 - errors were recorded in the state
                break


def _with_key_note(error: BaseException, key: Key | None) -> BaseException:
    # A fused task records which of its steps failed.
    key = getattr(error, "_chunkarray_key", key)
    if key is not None:
        note = f"chunkarray: raised while running task {key!r}"
        if note not in getattr(error, "__notes__", ()):
            error.add_note(note)
    return error
