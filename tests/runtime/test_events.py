"""Registered callbacks, start events with worker numbers, and custom task runners."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from chunkarray.graph.task import Literal, Ref, Task
from chunkarray.runtime import events
from chunkarray.runtime.scheduler import run


def _chain_and_fan(n: int) -> tuple[dict[Any, Any], dict[Any, int]]:
    tasks: dict[Any, Any] = {("a", i): Literal(i) for i in range(n)}
    tasks["total"] = Task(sum, [Ref(("a", i)) for i in range(n)])
    priority = {k: i for i, k in enumerate(tasks)}
    return tasks, priority


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.started: list[tuple[Any, int]] = []
        self.ended: list[Any] = []
        self.total = None
        self.error: Any = "not finished"

    def on_start(self, total: int) -> None:
        self.total = total

    def on_task_start(self, key: Any, worker: int) -> None:
        with self.lock:
            self.started.append((key, worker))

    def on_task_end(self, key: Any, done: int, total: int) -> None:
        with self.lock:
            self.ended.append(key)

    def on_finish(self, error: BaseException | None) -> None:
        self.error = error


@pytest.mark.parametrize("num_workers", [1, 2, 4])
def test_registered_callback_sees_every_task_start_and_end(num_workers: int) -> None:
    tasks, priority = _chain_and_fan(50)
    rec = Recorder()
    events.register(rec)
    events.register(rec)  # registering twice reports once
    try:
        assert run(tasks, ["total"], priority, num_workers) == {"total": sum(range(50))}
    finally:
        events.unregister(rec)
    assert rec.total == 51
    assert sorted(map(str, (k for k, _ in rec.started))) == sorted(map(str, tasks))
    assert sorted(map(str, rec.ended)) == sorted(map(str, tasks))
    assert {w for _, w in rec.started} <= set(range(num_workers))
    assert rec.error is None


def test_unregistered_callback_hears_nothing() -> None:
    tasks, priority = _chain_and_fan(5)
    rec = Recorder()
    events.register(rec)
    events.unregister(rec)
    run(tasks, ["total"], priority, 2)
    assert rec.started == [] and rec.total is None


def test_callback_without_start_method_still_gets_ends() -> None:
    class EndsOnly:
        def __init__(self) -> None:
            self.n = 0

        def on_start(self, total: int) -> None:
            pass

        def on_task_end(self, key: Any, done: int, total: int) -> None:
            self.n += 1

        def on_finish(self, error: BaseException | None) -> None:
            pass

    tasks, priority = _chain_and_fan(7)
    cb = EndsOnly()
    run(tasks, ["total"], priority, 1, callbacks=[cb])
    assert cb.n == 8


@pytest.mark.parametrize("num_workers", [1, 2])
def test_runner_replaces_execute(num_workers: int) -> None:
    tasks, priority = _chain_and_fan(20)
    seen: list[Any] = []
    lock = threading.Lock()

    def runner(key: Any, task: Any, values: Any) -> Any:
        with lock:
            seen.append(key)
        value = task.execute(values)
        return value * 10 if key == "total" else value

    out = run(tasks, ["total"], priority, num_workers, runner=runner)
    assert out == {"total": 10 * sum(range(20))}
    assert sorted(map(str, seen)) == sorted(map(str, tasks))


def test_runner_error_reaches_caller_with_key_note() -> None:
    tasks, priority = _chain_and_fan(3)

    def runner(key: Any, task: Any, values: Any) -> Any:
        if key == ("a", 1):
            raise ZeroDivisionError("boom")
        return task.execute(values)

    with pytest.raises(ZeroDivisionError, match="boom") as info:
        run(tasks, ["total"], priority, 2, runner=runner)
    assert any("('a', 1)" in n for n in info.value.__notes__)


@pytest.mark.parametrize("num_workers", [1, 2])
def test_on_progress_counts_up_to_total_once_per_batch(num_workers: int) -> None:
    class Progress:
        def __init__(self) -> None:
            self.lock = threading.Lock()
            self.seen: list[tuple[int, int]] = []

        def on_start(self, total: int) -> None:
            pass

        def on_progress(self, done: int, total: int) -> None:
            with self.lock:
                self.seen.append((done, total))

        def on_finish(self, error: BaseException | None) -> None:
            pass

    tasks, priority = _chain_and_fan(300)
    prog = Progress()
    run(tasks, ["total"], priority, num_workers, callbacks=[prog])
    counts = [d for d, _ in prog.seen]
    assert counts == sorted(counts) and counts[-1] == 301
    assert {t for _, t in prog.seen} == {301}
    assert len(counts) <= 301  # at most one call per task; batches make it fewer
