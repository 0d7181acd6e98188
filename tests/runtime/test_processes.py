"""The process pool runner: shipping tasks, errors with their type and key, pool reuse."""

from __future__ import annotations

import os

import pytest

import chunkarray as ca
import chunkarray.bag as cab
from chunkarray.errors import WorkerError
from chunkarray.graph.task import Literal, Ref, Task
from chunkarray.runtime.executors import processes
from chunkarray.runtime.executors.processes import ProcessRunner, get_process_pool
from chunkarray.runtime.scheduler import run


def _run(tasks, outputs, workers=2):
    priority = {k: i for i, k in enumerate(tasks)}
    return run(tasks, outputs, priority, workers, runner=ProcessRunner(workers))


def test_tasks_run_in_other_processes_with_lambdas() -> None:
    tasks = {"a": Literal(20), "b": Task(lambda x: x + 1, Ref("a")),
             "pid": Task(os.getpid), "c": Task(lambda x, y: x * y, Ref("a"), Ref("b"))}
    out = _run(tasks, ["b", "c", "pid"])
    assert out["b"] == 21 and out["c"] == 420
    assert out["pid"] != os.getpid()
    assert out["pid"] in {w.process.pid for w in get_process_pool(2).workers}


def test_pool_is_reused_across_computes() -> None:
    b = cab.from_sequence(range(8), npartitions=4).map(lambda x: os.getpid())
    first = set(b.compute(scheduler="processes", num_workers=2))
    pool = get_process_pool(2)
    second = set(b.compute(scheduler="processes", num_workers=2))
    assert get_process_pool(2) is pool
    assert first | second <= {w.process.pid for w in pool.workers}
    assert os.getpid() not in first


class Unpicklable(Exception):
    def __init__(self, message: str, handle: object) -> None:
        super().__init__(message)
        self.handle = handle

    def __reduce__(self):
        raise TypeError("no pickling")


def _raise_unpicklable() -> None:
    raise Unpicklable("cannot travel", object())


def test_errors_keep_type_message_and_key() -> None:
    tasks = {"x": Task(lambda: {}["missing"])}
    with pytest.raises(KeyError, match="missing") as info:
        _run(tasks, ["x"])
    notes = "\n".join(info.value.__notes__)
    assert "raised while running task 'x'" in notes
    assert "traceback in the worker process" in notes


def test_unpicklable_errors_come_back_as_worker_errors() -> None:
    import cloudpickle

    cloudpickle.register_pickle_by_value(__import__(__name__))
    try:
        with pytest.raises(WorkerError, match="Unpicklable: cannot travel"):
            _run({"y": Task(_raise_unpicklable)}, ["y"])
    finally:
        cloudpickle.unregister_pickle_by_value(__import__(__name__))


def test_a_dead_worker_is_replaced() -> None:
    pool = get_process_pool(1)
    with pytest.raises(WorkerError, match="died while running task 'k'"):
        _run({"k": Task(os._exit, 3)}, ["k"], workers=1)
    assert _run({"k": Task(lambda: 5)}, ["k"], workers=1) == {"k": 5}
    assert all(w.process.poll() is None for w in pool.workers)


def test_persisted_values_are_sent_as_values() -> None:
    b = cab.from_sequence(range(6), npartitions=3).map(lambda x: x * 2)
    p = b.persist(scheduler="sync")
    assert p.map(lambda x: x + 1).compute(scheduler="processes") == [1, 3, 5, 7, 9, 11]


def test_inline_tasks_do_not_start_processes(monkeypatch) -> None:
    monkeypatch.setattr(processes, "get_process_pool", lambda size: pytest.fail("shipped"))
    runner = ProcessRunner(2)
    assert runner("a", Literal([1]), {}) == [1]
    from chunkarray.graph.task import Alias

    assert runner("b", Alias("a"), {"a": 4}) == 4


def test_scheduler_setting_processes() -> None:
    with ca.config.set(scheduler="processes"):
        d = ca.delayed(lambda: os.getpid())()
        assert d.compute() != os.getpid()


def test_tasks_run_in_the_callers_directory(tmp_path, monkeypatch) -> None:
    (tmp_path / "here.txt").write_text("a\nb\n")
    get_process_pool(2)  # started in the old directory
    monkeypatch.chdir(tmp_path)
    assert cab.read_text("here.txt").compute(scheduler="processes") == ["a\n", "b\n"]
    assert _run({"cwd": Task(os.getcwd)}, ["cwd"])["cwd"] == str(tmp_path)


def test_unpicklable_tasks_fail_clearly() -> None:
    import threading

    lock = threading.Lock()
    with pytest.raises(TypeError, match="cannot be pickled .* use scheduler='threads'"):
        _run({"l": Task(lambda x: 1, lock)}, ["l"])


def test_a_compute_inside_a_task_runs_in_the_worker() -> None:
    def inner(_):
        return cab.from_sequence([1, 2, 3]).map(lambda x: os.getpid()).compute()

    outer = cab.from_sequence([0, 1], npartitions=2).map(inner)
    pids = outer.compute(scheduler="processes")
    assert all(len(set(p)) == 1 for p in pids)
    assert {p[0] for p in pids} <= {w.process.pid for w in get_process_pool(2).workers}
