"""Tests for chunkarray.runtime.scheduler: results, memory release, errors, interrupts,
re-entrancy and concurrent computes, compared with plain sequential evaluation."""

from __future__ import annotations

import signal
import sys
import threading
import time
import traceback
import weakref
from collections.abc import Callable
from operator import add
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chunkarray as ca
from chunkarray.graph.order import order
from chunkarray.graph.task import Literal, Ref, Task
from chunkarray.runtime import scheduler
from chunkarray.runtime.scheduler import run

# -- helpers ----------------------------------------------------------------------------------


def _run(tasks: dict[Any, Any], outputs: list[Any], num_workers: int, **kw: Any) -> dict:
    return run(tasks, outputs, order(tasks, outputs), num_workers=num_workers, **kw)


def _in_thread(fn: Callable[[], Any], timeout: float = 30.0) -> Any:
    """Run ``fn`` in a daemon thread; fail (instead of hanging) if it deadlocks."""
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            result["error"] = exc

    thread = threading.Thread(target=target, daemon=True, name="test-runner")
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"still running after {timeout} s: deadlock?"
    if "error" in result:
        raise result["error"]
    return result["value"]


def _threads_inside_a_run() -> list[str]:
    """Names of pool threads whose stack is inside the scheduler's worker loop."""
    frames = sys._current_frames()
    busy = []
    for thread in threading.enumerate():
        if not thread.name.startswith("chunkarray-"):
            continue
        frame = frames.get(thread.ident)  # type: ignore[arg-type]
        while frame is not None:
            if frame.f_code is scheduler.work.__code__:
                busy.append(thread.name)
                break
            frame = frame.f_back
    return busy


def _mix(i: int, *inputs: int) -> int:
    """Order-sensitive combination, so a wrong wiring changes the result."""
    return (i * 1_000_003 + sum((m + 1) * v for m, v in enumerate(inputs))) % (2**61 - 1)


class Box:
    """A result that supports weak references."""

    __slots__ = ("value", "__weakref__")

    def __init__(self, value: Any) -> None:
        self.value = value


# -- results equal sequential evaluation ------------------------------------------------------


@st.composite
def _dags(draw: st.DrawFn) -> tuple[dict[Any, Any], list[Any], dict[Any, Any]]:
    n = draw(st.integers(1, 40))
    labels = draw(st.permutations(range(n)))
    keys = [("t", label) if label % 2 else f"k{label}" for label in labels]
    tasks: dict[Any, Any] = {}
    expected: dict[Any, Any] = {}
    for i, key in enumerate(keys):
        deps = draw(st.lists(st.integers(0, i - 1), max_size=4, unique=True)) if i else []
        if not deps and draw(st.booleans()):
            tasks[key] = Literal(i)
            expected[key] = i
            continue
        tasks[key] = Task(_mix, i, *[Ref(keys[d]) for d in deps])
        expected[key] = _mix(i, *[expected[keys[d]] for d in deps])
    outputs = draw(st.lists(st.sampled_from(keys), min_size=1, max_size=6, unique=True))
    return tasks, outputs, expected


@pytest.mark.parametrize("num_workers", [1, 2, 4])
@settings(max_examples=30, deadline=None, database=None)
@given(dag=_dags())
def test_random_dags_match_sequential_evaluation(
    num_workers: int, dag: tuple[dict[Any, Any], list[Any], dict[Any, Any]]
) -> None:
    tasks, outputs, expected = dag
    result = _run(tasks, outputs, num_workers)
    assert result == {k: expected[k] for k in outputs}
    assert list(result) == outputs


@pytest.mark.parametrize("num_workers", [1, 2, 4])
def test_wide_graph_of_slow_tasks(num_workers: int) -> None:
    tasks: dict[Any, Any] = {}
    for i in range(60):
        tasks[("a", i)] = Task(_sleep_then, 0.0005 * (i % 3), i)
        tasks[("b", i)] = Task(add, Ref(("a", i)), Ref(("a", (i + 1) % 60)))
    tasks["total"] = Task(sum, [Ref(("b", i)) for i in range(60)])
    assert _run(tasks, ["total"], num_workers) == {"total": 2 * sum(range(60))}


def _sleep_then(seconds: float, value: Any) -> Any:
    time.sleep(seconds)
    return value


def test_empty_run_and_single_task() -> None:
    assert run({}, [], {}, num_workers=4) == {}
    assert _run({"a": Literal(1)}, ["a"], 4) == {"a": 1}


def test_tasks_run_concurrently_but_within_num_workers() -> None:
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}
    threads: set[int] = set()

    def slow(i: int) -> int:
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
            threads.add(threading.get_ident())
        time.sleep(0.02)
        with lock:
            state["now"] -= 1
        return i

    tasks: dict[Any, Any] = {("s", i): Task(slow, i) for i in range(12)}
    tasks["total"] = Task(sum, [Ref(("s", i)) for i in range(12)])
    start = time.perf_counter()
    assert _run(tasks, ["total"], 3) == {"total": sum(range(12))}
    elapsed = time.perf_counter() - start
    assert 2 <= state["peak"] <= 3
    assert 2 <= len(threads) <= 3
    assert elapsed < 12 * 0.02


def test_one_worker_runs_slow_tasks_in_priority_order() -> None:
    # A tree reduction over expensive reads: the first combine must run before the leaves of
    # the other half are read, or every leaf is held in memory at once.
    log: list[Any] = []

    def leaf(i: int) -> int:
        time.sleep(0.002)
        log.append(("leaf", i))
        return i

    def combine(a: int, b: int) -> int:
        log.append("combine")
        return a + b

    tasks: dict[Any, Any] = {("leaf", i): Task(leaf, i) for i in range(8)}
    level = [("leaf", i) for i in range(8)]
    depth = 0
    while len(level) > 1:
        nxt = []
        for j in range(0, len(level), 2):
            key = ("combine", depth, j // 2)
            tasks[key] = Task(combine, Ref(level[j]), Ref(level[j + 1]))
            nxt.append(key)
        level, depth = nxt, depth + 1
    priority = order(tasks, level)
    assert run(tasks, level, priority, num_workers=1) == {level[0]: sum(range(8))}
    assert log.index("combine") < log.index(("leaf", 2))
    ran = [k for k, _ in sorted(priority.items(), key=lambda kv: kv[1])]
    assert [("leaf", k[1]) if k[0] == "leaf" else "combine" for k in ran] == log


# -- results are freed after their last dependent ran -----------------------------------------


@pytest.mark.parametrize("num_workers", [1, 2])
def test_results_freed_after_last_dependent(num_workers: int) -> None:
    refs: dict[str, weakref.ref[Box]] = {}

    def make(name: str, *inputs: Box) -> Box:
        box = Box(name)
        refs[name] = weakref.ref(box)
        return box

    def check(name: str, dead: list[str], alive: list[str], *inputs: Box) -> Box:
        for d in dead:
            assert refs[d]() is None, f"{d} is still held when {name} runs"
        for a in alive:
            assert refs[a]() is not None, f"{a} was dropped too early"
        return make(name, *inputs)

    tasks = {
        "x": Task(make, "x"),
        "b1": Task(make, "b1", Ref("x")),
        "b2": Task(make, "b2", Ref("x")),
        "c": Task(check, "c", ["x"], [], Ref("b1"), Ref("b2")),
        "out": Task(make, "out"),
        "user": Task(make, "user", Ref("out")),
        "d": Task(check, "d", ["x", "b1", "b2"], ["out"], Ref("c"), Ref("user")),
    }
    result = _run(tasks, ["d", "out"], num_workers)
    assert result["out"].value == "out"
    assert result["d"].value == "d"


@pytest.mark.parametrize("num_workers", [1, 2, 4])
def test_long_chain_holds_only_the_last_results(num_workers: int) -> None:
    refs: list[weakref.ref[Box]] = []

    def step(i: int, previous: Box | None = None) -> Box:
        # Everything but the direct input is gone by now.
        assert all(r() is None for r in refs[: max(i - 1, 0)]), f"step {i}"
        box = Box(i)
        refs.append(weakref.ref(box))
        return box

    tasks: dict[Any, Any] = {0: Task(step, 0)}
    for i in range(1, 200):
        tasks[i] = Task(step, i, Ref(i - 1))
    assert _run(tasks, [199], num_workers)[199].value == 199


class _ReleaseChecker:
    """A callback asserting, after every finished task, that results whose dependents all
    finished are gone (unless they are outputs)."""

    def __init__(self, tasks: dict[Any, Any], outputs: list[Any], refs: dict[Any, Any]) -> None:
        self.dependents: dict[Any, set[Any]] = {k: set() for k in tasks}
        for key, task in tasks.items():
            for d in task.dependencies:
                self.dependents[d].add(key)
        self.outputs = set(outputs)
        self.refs = refs
        self.finished: set[Any] = set()
        self.started = self.ended = 0
        self.errors: list[str] = []

    def on_start(self, total: int) -> None:
        self.started = total

    def on_task_end(self, key: Any, done: int, total: int) -> None:
        self.finished.add(key)
        for k, deps in self.dependents.items():
            if deps and k not in self.outputs and deps <= self.finished and self.refs[k]():
                self.errors.append(f"{k!r} still held after {key!r}")

    def on_finish(self, error: BaseException | None) -> None:
        self.ended += 1
        assert error is None


@pytest.mark.parametrize("num_workers", [1, 3])
@settings(max_examples=25, deadline=None, database=None)
@given(dag=_dags())
def test_random_dags_release_results(
    num_workers: int, dag: tuple[dict[Any, Any], list[Any], dict[Any, Any]]
) -> None:
    plain, outputs, expected = dag
    refs: dict[Any, Any] = {}

    def boxed(key: Any, i: int, *inputs: Box) -> Box:
        box = Box(_mix(i, *(b.value for b in inputs)))
        refs[key] = weakref.ref(box)
        return box

    tasks = {
        key: Task(boxed, key, i, *[Ref(d) for d in sorted(t.dependencies, key=repr)])
        for i, (key, t) in enumerate(plain.items())
    }
    checker = _ReleaseChecker(tasks, outputs, refs)
    result = _run(tasks, outputs, num_workers, callbacks=[checker])
    assert checker.errors == []
    assert checker.ended == 1
    assert checker.finished == set(tasks)
    assert set(result) == set(outputs)


class _Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []

    def on_start(self, total: int) -> None:
        self.events.append(("start", total))

    def on_task_end(self, key: Any, done: int, total: int) -> None:
        self.events.append(("end", key, done, total))

    def on_finish(self, error: BaseException | None) -> None:
        self.events.append(("finish", error))


@pytest.mark.parametrize("num_workers", [1, 3])
def test_callbacks_see_every_task_once_with_a_running_count(num_workers: int) -> None:
    tasks: dict[Any, Any] = {("w", i): Literal(i) for i in range(30)}
    tasks["total"] = Task(sum, [Ref(("w", i)) for i in range(30)])
    recorder = _Recorder()
    _run(tasks, ["total"], num_workers, callbacks=[recorder])
    events = recorder.events
    assert events[0] == ("start", 31)
    assert events[-1] == ("finish", None)
    ends = events[1:-1]
    assert sorted((e[1] for e in ends), key=repr) == sorted(tasks, key=repr)
    assert ends[-1][1] == "total"
    # A progress bar reads ``done`` as the number of tasks finished so far.
    assert [e[2] for e in ends] == list(range(1, 32))
    assert all(e[3] == 31 for e in ends)


class _FailingCallback:
    """A progress callback with a bug that shows only in pool threads."""

    def on_start(self, total: int) -> None:
        pass

    def on_task_end(self, key: Any, done: int, total: int) -> None:
        if threading.current_thread().name.startswith("chunkarray-"):
            raise RuntimeError("callback bug")

    def on_finish(self, error: BaseException | None) -> None:
        pass


def test_callback_error_in_a_helper_thread_reaches_the_caller() -> None:
    # An error in the bookkeeping of a helper thread must not be swallowed (nor hang the
    # run): the caller gets it, as it does for an error in its own thread.
    tasks: dict[Any, Any] = {("w", i): Task(_sleep_then, 0.002, i) for i in range(40)}
    tasks["total"] = Task(sum, [Ref(("w", i)) for i in range(40)])
    with pytest.raises(RuntimeError, match="callback bug"):
        _in_thread(lambda: _run(tasks, ["total"], 2, callbacks=[_FailingCallback()]), 10)


# -- errors -----------------------------------------------------------------------------------


class Boom(Exception):
    pass


def explode(x: Any) -> Any:
    raise Boom(f"bad input {x!r}")


@pytest.mark.parametrize("num_workers", [1, 2, 4])
def test_error_keeps_type_traceback_and_names_the_key(num_workers: int) -> None:
    tasks: dict[Any, Any] = {("ok", i): Task(_sleep_then, 0.001, i) for i in range(8)}
    tasks[("bad", 3)] = Task(explode, Ref(("ok", 3)))
    tasks["total"] = Task(sum, [Ref(("ok", i)) for i in range(8)] + [Ref(("bad", 3))])
    with pytest.raises(Boom, match="bad input 3") as info:
        _run(tasks, ["total"], num_workers)
    error = info.value
    assert type(error) is Boom
    names = [frame.name for frame in traceback.extract_tb(error.__traceback__)]
    assert "explode" in names
    notes = getattr(error, "__notes__", [])
    assert any(repr(("bad", 3)) in note for note in notes), notes
    assert len(notes) == 1


def test_error_note_names_the_failing_key_through_compute() -> None:
    # Linear fusion must not hide which task failed: the note names the key of the call
    # that raised, not the key of the task that swallowed it.
    failing = ca.delayed(explode)(7)
    downstream = ca.delayed(str)(failing)
    with pytest.raises(Boom) as info:
        downstream.compute(num_workers=1)
    notes = getattr(info.value, "__notes__", [])
    assert any(repr(failing.key) in note for note in notes), notes
    names = [frame.name for frame in traceback.extract_tb(info.value.__traceback__)]
    assert "explode" in names


def test_no_task_starts_after_an_error_one_worker() -> None:
    started: list[int] = []

    def work(i: int) -> int:
        started.append(i)
        if i == 5:
            raise Boom("five")
        return i

    tasks: dict[Any, Any] = {("w", i): Task(work, i) for i in range(50)}
    tasks["total"] = Task(sum, [Ref(("w", i)) for i in range(50)])
    with pytest.raises(Boom):
        _run(tasks, ["total"], 1)
    assert started == [0, 1, 2, 3, 4, 5]


@pytest.mark.parametrize("num_workers", [2, 4])
def test_no_task_starts_after_an_error_many_workers(num_workers: int) -> None:
    lock = threading.Lock()
    failed_at: list[float] = []
    starts: list[float] = []

    def work(i: int) -> int:
        now = time.perf_counter()
        with lock:
            starts.append(now)
        time.sleep(0.003)
        if i == 10:
            failed_at.append(time.perf_counter())
            raise Boom("ten")
        return i

    n = 300
    tasks: dict[Any, Any] = {("w", i): Task(work, i) for i in range(n)}
    tasks["total"] = Task(sum, [Ref(("w", i)) for i in range(n)])
    with pytest.raises(Boom):
        _run(tasks, ["total"], num_workers)
    returned = time.perf_counter()
    time.sleep(0.05)
    late = [s for s in starts if s > failed_at[0]]
    # At most one task per other worker can slip in between the raise and the bookkeeping.
    assert len(late) <= num_workers - 1, len(late)
    assert all(s < returned for s in starts)
    assert len(starts) < n // 2


# -- KeyboardInterrupt ------------------------------------------------------------------------


@pytest.mark.parametrize("in_main_thread", [True, False])
@pytest.mark.parametrize("num_workers", [1, 2, 4])
def test_keyboard_interrupt_stops_the_run(num_workers: int, in_main_thread: bool) -> None:
    # Ctrl-C arrives in the main thread; a KeyboardInterrupt may also come out of a helper.
    lock = threading.Lock()
    spans: dict[int, list[float]] = {}
    raised: list[int] = []

    def work(i: int) -> int:
        with lock:
            spans[i] = [time.perf_counter()]
        time.sleep(0.003)
        on_main = threading.current_thread() is threading.main_thread()
        if i >= 12 and not raised and (on_main or not in_main_thread):
            raised.append(i)
            raise KeyboardInterrupt
        with lock:
            spans[i].append(time.perf_counter())
        return i

    n = 200
    tasks: dict[Any, Any] = {("w", i): Task(work, i) for i in range(n)}
    tasks["total"] = Task(sum, [Ref(("w", i)) for i in range(n)])
    with pytest.raises(KeyboardInterrupt):
        _run(tasks, ["total"], num_workers)
    returned = time.perf_counter()
    with lock:
        snapshot = {i: list(s) for i, s in spans.items()}
    assert len(raised) == 1
    # Every task that started had finished (or raised) before run returned.
    assert all(len(s) == 2 for i, s in snapshot.items() if i != raised[0])
    assert all(s[-1] <= returned for s in snapshot.values())
    assert _threads_inside_a_run() == []
    time.sleep(0.05)
    with lock:
        assert len(spans) == len(snapshot), "a task of the interrupted run started later"
    assert len(snapshot) < n
    # The pool still works.
    again = {("v", i): Literal(i) for i in range(20)}
    again["total"] = Task(sum, [Ref(("v", i)) for i in range(20)])
    assert _in_thread(lambda: _run(again, ["total"], num_workers), 10) == {"total": 190}
    assert _threads_inside_a_run() == []


@pytest.mark.parametrize("delay", [0.01, 0.03, 0.06])
@pytest.mark.parametrize("num_workers", [1, 2, 4])
def test_ctrl_c_signal_during_a_run(num_workers: int, delay: float) -> None:
    # A real SIGINT to the main thread, wherever it is: in a task, waiting for helpers or
    # doing the bookkeeping.
    lock = threading.Lock()
    spans: dict[int, list[float]] = {}

    def work(i: int) -> int:
        with lock:
            spans[i] = [time.perf_counter()]
        time.sleep(0.002)
        with lock:
            spans[i].append(time.perf_counter())
        return i

    n = 400
    tasks: dict[Any, Any] = {("w", i): Task(work, i) for i in range(n)}
    tasks["total"] = Task(sum, [Ref(("w", i)) for i in range(n)])
    main = threading.main_thread().ident
    assert main is not None
    # The pool's threads exist before the signal (see the test below for the start-up).
    warm: dict[Any, Any] = {("warm", i): Literal(i) for i in range(8)}
    warm["up"] = Task(sum, [Ref(("warm", i)) for i in range(8)])
    _run(warm, ["up"], num_workers)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(delay, signal.pthread_kill, args=(main, signal.SIGINT))
    try:
        with pytest.raises(KeyboardInterrupt):
            timer.start()
            _run(tasks, ["total"], num_workers)
            time.sleep(5)  # not reached unless the run ignored the interrupt
    finally:
        timer.join()
        signal.signal(signal.SIGINT, previous)
    returned = time.perf_counter()
    with lock:
        snapshot = {i: list(s) for i, s in spans.items()}
    assert all(s[-1] <= returned for s in snapshot.values())
    assert _threads_inside_a_run() == []
    time.sleep(0.03)
    with lock:
        assert len(spans) == len(snapshot), "a task of the interrupted run started later"
    assert len(snapshot) < n
    again = {("v", i): Literal(i) for i in range(20)}
    again["total"] = Task(sum, [Ref(("v", i)) for i in range(20)])
    assert _in_thread(lambda: _run(again, ["total"], num_workers), 10) == {"total": 190}


def test_interrupt_while_starting_helpers_stops_them(monkeypatch: pytest.MonkeyPatch) -> None:
    # Ctrl-C can land while run() is still submitting its helpers (starting a new pool's
    # threads blocks, so that window is real). The helpers already started must not go on
    # running the graph after the KeyboardInterrupt has reached the caller.
    real_get_pool = scheduler.get_pool
    lock = threading.Lock()
    started: list[float] = []

    class InterruptedPool:
        def __init__(self, pool: Any) -> None:
            self.pool, self.calls = pool, 0

        def submit(self, *args: Any) -> Any:
            self.calls += 1
            if self.calls == 2:
                time.sleep(0.01)  # the first helper is running tasks by now
                raise KeyboardInterrupt
            return self.pool.submit(*args)

    monkeypatch.setattr(scheduler, "get_pool", lambda size: InterruptedPool(real_get_pool(size)))

    def work(i: int) -> int:
        with lock:
            started.append(time.perf_counter())
        time.sleep(0.002)
        return i

    n = 200
    tasks: dict[Any, Any] = {("w", i): Task(work, i) for i in range(n)}
    tasks["total"] = Task(sum, [Ref(("w", i)) for i in range(n)])
    with pytest.raises(KeyboardInterrupt):
        _run(tasks, ["total"], 4)
    returned = time.perf_counter()
    busy = _threads_inside_a_run()
    time.sleep(0.05)
    with lock:
        late = [t for t in started if t > returned]
    # Let a leftover run drain so later tests start from idle threads.
    deadline = time.perf_counter() + 10
    while _threads_inside_a_run() and time.perf_counter() < deadline:
        time.sleep(0.01)
    assert busy == []
    assert late == [], f"{len(late)} tasks started after the KeyboardInterrupt reached the caller"


def test_keyboard_interrupt_through_compute() -> None:
    calls: list[int] = []

    @ca.delayed
    def work(i: int) -> int:
        calls.append(i)
        time.sleep(0.001)
        if i == 3:
            raise KeyboardInterrupt
        return i

    parts = [work(i) for i in range(100)]
    with pytest.raises(KeyboardInterrupt):
        ca.compute(parts, num_workers=4)
    seen = len(calls)
    time.sleep(0.05)
    assert len(calls) == seen < 100
    assert ca.compute(ca.delayed(sum)([ca.delayed(int)(i) for i in range(10)]),
                      num_workers=4) == (45,)


# -- re-entrancy and concurrent computes ------------------------------------------------------


def _nested(level: int) -> int:
    if level == 0:
        return 1
    parts = [ca.delayed(_nested)(level - 1) for _ in range(2)]
    return sum(ca.compute(*parts, num_workers=2)) + 1


@pytest.mark.parametrize("num_workers", [2, 4])
def test_reentrant_compute_inside_tasks(num_workers: int) -> None:
    outer = [ca.delayed(_nested)(4) for _ in range(3)]
    result = _in_thread(lambda: ca.compute(*outer, num_workers=num_workers), timeout=30)
    assert result == (31, 31, 31)


def test_reentrant_compute_sync_inside_threads() -> None:
    @ca.delayed
    def inner_sync(i: int) -> int:
        return ca.delayed(add)(i, 1).compute(scheduler="sync")

    assert _in_thread(lambda: ca.compute([inner_sync(i) for i in range(6)], num_workers=2)) == (
        [1, 2, 3, 4, 5, 6],
    )


def test_concurrent_computes_from_many_threads() -> None:
    errors: list[BaseException] = []
    results: dict[int, Any] = {}

    def job(t: int) -> None:
        try:
            for rep in range(5):
                leaves = [ca.delayed(_sleep_then)(0.0002, t * 1000 + rep * 100 + i)
                          for i in range(20)]
                total = ca.delayed(sum)(leaves)
                (value,) = ca.compute(total, num_workers=4)
                assert value == sum(t * 1000 + rep * 100 + i for i in range(20))
            results[t] = value
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=job, args=(t,), name=f"job-{t}") for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads), "deadlock"
    assert errors == []
    assert sorted(results) == list(range(8))
