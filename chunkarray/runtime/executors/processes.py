"""The process pool: a task runner that ships tasks to worker processes.

Policy
------
Pure-Python work holds the GIL, so threads cannot run it in parallel; worker
processes can. The threaded scheduler still does the bookkeeping (one thread per
worker process, memory manager and all); its :class:`~chunkarray.typing.TaskRunner`
hook is :class:`ProcessRunner`, which for each task gathers the values of the
task's dependencies, pickles the task and those values with ``cloudpickle`` (so
lambdas and local functions work), runs it in an idle worker and returns its
result. Only results come back; the optimizer has already fused element-wise
chains, so a task is a whole partition's work, not a tiny step.

Tasks cheaper to run than to ship run in the calling process: data (literals,
persisted values), aliases, and calls of functions marked ``runs_inline = True``
(taking one bucket out of a shuffle split). The data steps of a fused task run
here and are sent as values (a persisted value's task holds a lock, which cannot
be pickled).

Workers are fresh interpreters (``python -m chunkarray.runtime.executors.worker``)
talking over a pair of pipes (see :mod:`~chunkarray.runtime.executors.worker`):
unlike ``fork`` nothing of the parent's threads or locks is copied, and unlike
multiprocessing's ``spawn`` the user's main script is never imported again.

State: one :class:`ProcessPool` per size, made on first use, reused by every later
compute, shut down at exit. A worker that dies (or is interrupted mid-task) is
replaced by a new one.

Errors: an exception in a worker comes back pickled and is raised again here with
its original type, message and attributes (so the scheduler's note names the
failing key), and the worker's traceback added as a note. One that cannot be
pickled comes back as a :class:`~chunkarray.errors.WorkerError` with its type
name and message.
"""

from __future__ import annotations

import atexit
import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Mapping
from typing import Any

import cloudpickle

from chunkarray.errors import ChunkArrayTypeError, WorkerError
from chunkarray.runtime.executors.worker import read_frame, write_frame
from chunkarray.typing import Key, Runnable

__all__ = ["ProcessPool", "ProcessRunner", "get_process_pool", "shutdown"]

_pools: dict[int, ProcessPool] = {}
_lock = threading.Lock()


class Worker:
    """One worker process and its two pipes."""

    def __init__(self) -> None:
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "chunkarray.runtime.executors.worker",
             str(to_child_r), str(from_child_w)],
            pass_fds=(to_child_r, from_child_w), stdin=subprocess.DEVNULL,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self.sink = os.fdopen(to_child_w, "wb")
        self.source = os.fdopen(from_child_r, "rb")
        write_frame(self.sink, pickle.dumps(list(sys.path)))

    def call(self, payload: bytes) -> tuple[bool, bytes, str] | None:
        """Run one payload; None if the worker died."""
        try:
            write_frame(self.sink, payload)
        except (BrokenPipeError, OSError):
            return None
        answer = read_frame(self.source)
        return None if answer is None else pickle.loads(answer)  # type: ignore[no-any-return]

    def stop(self, kill: bool = False) -> None:
        for stream in (self.sink, self.source):
            try:
                stream.close()
            except OSError:
                pass
        if kill:
            self.process.kill()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class ProcessPool:
    """``size`` worker processes; ``call`` runs a payload on an idle one."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.idle: queue.SimpleQueue[Worker] = queue.SimpleQueue()
        self.workers = [Worker() for _ in range(size)]
        for w in self.workers:
            self.idle.put(w)

    def call(self, payload: bytes) -> tuple[bool, bytes, str] | None:
        worker = self.idle.get()
        answer = None
        try:
            answer = worker.call(payload)
        finally:
            if answer is None:  # died, or interrupted mid-task: replace it
                worker.stop(kill=True)
                worker = self._replace(worker)
            self.idle.put(worker)
        return answer

    def _replace(self, worker: Worker) -> Worker:
        new = Worker()
        with _lock:
            self.workers = [new if w is worker else w for w in self.workers]
        return new

    def close(self) -> None:
        for w in self.workers:
            w.stop()


def get_process_pool(size: int) -> ProcessPool:
    """The shared pool of ``size`` worker processes, made on first use."""
    with _lock:
        pool = _pools.get(size)
        if pool is None:
            pool = ProcessPool(size)
            _pools[size] = pool
        return pool


@atexit.register
def shutdown() -> None:
    """Stop every pool and its worker processes."""
    with _lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.close()


def runs_inline(task: Any) -> bool:
    """True for tasks cheaper to run here than to ship: data, aliases, marked calls."""
    if getattr(task, "is_data", False) or getattr(task, "held", False):
        return True
    if type(task).__name__ == "Alias":
        return True
    return bool(getattr(getattr(task, "func", None), "runs_inline", False))


def _split_data_steps(task: Any, values: Mapping[Key, Any]) -> tuple[Any, dict[Key, Any]]:
    """A fused task without its data steps, and the values those steps give."""
    steps = getattr(task, "steps", None)
    if steps is None:
        return task, {}
    local: dict[Key, Any] = {}
    kept = []
    for key, step in steps:
        if getattr(step, "is_data", False) or getattr(step, "held", False):
            local[key] = step.execute(values)
        else:
            kept.append((key, step))
    if not local:
        return task, {}
    return type(task)(kept), local


class ProcessRunner:
    """Runs tasks in a pool of ``size`` worker processes (see the module docstring).

    >>> from chunkarray.graph.task import Literal
    >>> ProcessRunner(1)("a", Literal(3), {})  # data: runs here, no process started
    3
    """

    def __init__(self, size: int) -> None:
        self.size = size

    def __call__(self, key: Key, task: Runnable, values: Mapping[Key, Any]) -> Any:
        if runs_inline(task):
            return task.execute(values)
        task, local = _split_data_steps(task, values)
        needed = {d: values[d] for d in task.dependencies if d not in local}
        needed.update(local)
        try:
            payload = cloudpickle.dumps((os.getcwd(), task, needed),
                                        protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            raise ChunkArrayTypeError(
                f"scheduler='processes': task {key!r} or its inputs cannot be pickled to "
                f"send them to a worker process ({type(exc).__name__}: {exc}); use "
                f"scheduler='threads' for such tasks"
            ) from exc
        answer = get_process_pool(self.size).call(payload)
        if answer is None:
            raise WorkerError(
                f"a worker process died while running task {key!r} (killed, or out of memory?)"
            )
        ok, data, text = answer
        result = pickle.loads(data)
        if ok:
            return result
        result.add_note(f"traceback in the worker process:\n{text.rstrip()}")
        raise result
