from __future__ import annotations

import io
import re
import sys
import threading
import time

import pytest

import chunkarray as ca
from chunkarray.diagnostics import ProgressBar
from chunkarray.errors import ChunkArrayValueError

FRAME = re.compile(r"(\d+)%\|[^|]*\| (\d+)/(\d+) \[(\d\d:\d\d)<[^,]*, *([\d.?]+)tasks/s\]")


def frames(text: str) -> list[tuple[int, int, int]]:
    """(percent, done, total) of every redraw in the captured output."""
    return [(int(m[1]), int(m[2]), int(m[3])) for m in FRAME.finditer(text)]


def no_bar_threads() -> bool:
    return not any(t.name == "chunkarray-progress" for t in threading.enumerate())


def test_final_frame_shows_all_tasks_percentage_elapsed_and_rate() -> None:
    out = io.StringIO()
    values = [ca.delayed(abs, pure=True)(-i) for i in range(50)]
    with ProgressBar(out=out):
        result = ca.compute(*values, optimize_graph=False)
    assert result == tuple(abs(-i) for i in range(50))
    text = out.getvalue()
    last = list(FRAME.finditer(text))[-1]
    assert (last[1], last[2], last[3]) == ("100", "50", "50")
    assert last[4] == "00:00" and last[5] != "?"
    assert text.endswith("\n") and no_bar_threads()


def test_slow_tasks_are_redrawn_while_running() -> None:
    out = io.StringIO()
    sleepy = [ca.delayed(time.sleep, pure=True)(0.03 + i * 1e-6) for i in range(8)]
    with ProgressBar(out=out, dt=0.01):
        ca.compute(*sleepy, num_workers=1)
    seen = frames(out.getvalue())
    done = [d for _, d, _ in seen]
    assert done == sorted(done) and done[-1] == 8 and all(t == 8 for _, _, t in seen)
    assert len(set(done)) >= 3  # intermediate counts appeared before the end
    assert all(p == round(d * 100 / 8) for p, d, _ in seen)  # tqdm rounds half to even


def test_register_and_unregister() -> None:
    out = io.StringIO()
    bar = ProgressBar(out=out)
    bar.register()
    try:
        assert ca.delayed(sum)([1, 2]).compute() == 3
    finally:
        bar.unregister()
    seen = len(out.getvalue())
    assert frames(out.getvalue())[-1] == (100, 1, 1)
    ca.delayed(sum)([1, 2]).compute()
    assert len(out.getvalue()) == seen


def test_minimum_hides_short_computes() -> None:
    out = io.StringIO()
    with ProgressBar(out=out, minimum=30):
        ca.delayed(sum)([1]).compute()
    assert out.getvalue() == "" and no_bar_threads()


def test_default_output_is_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    with ProgressBar():
        ca.delayed(sum)([1, 2]).compute()
    assert frames(capsys.readouterr().out)[-1] == (100, 1, 1)


def fail(x: int) -> int:
    raise KeyError(x)


def test_a_failed_compute_leaves_the_bar_short_and_closed() -> None:
    out = io.StringIO()
    good = [ca.delayed(abs, pure=True)(-i) for i in range(5)]
    bad = ca.delayed(fail)(ca.delayed(sum)(good))
    with ProgressBar(out=out), pytest.raises(KeyError):
        bad.compute(optimize_graph=False)
    percent, done, total = frames(out.getvalue())[-1]
    assert total == 7 and done < total and percent < 100
    assert no_bar_threads()


def inner_compute(n: int) -> int:
    return ca.compute(*[ca.delayed(abs, pure=True)(-i) for i in range(n)])[0] + n


def test_a_compute_inside_a_task_does_not_restart_the_bar() -> None:
    out = io.StringIO()
    outer = [ca.delayed(inner_compute, pure=True)(n) for n in range(1, 4)]
    with ProgressBar(out=out):
        assert ca.compute(*outer, optimize_graph=False) == (1, 2, 3)
    assert frames(out.getvalue())[-1] == (100, 3, 3)
    assert all(total == 3 for _, _, total in frames(out.getvalue()))


def test_bad_dt() -> None:
    with pytest.raises(ChunkArrayValueError, match="ProgressBar: dt must be a positive number"):
        ProgressBar(dt=0)


def test_in_jupyter_the_bar_comes_from_tqdm_auto(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    import types

    import tqdm.auto

    made = []

    class Recording(tqdm.auto.tqdm):  # type: ignore[misc, name-defined]
        def __init__(self, *args: object, **kwargs: object) -> None:
            made.append(kwargs)
            super().__init__(*args, **kwargs)

    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    monkeypatch.setattr(tqdm.auto, "tqdm", Recording)
    with ProgressBar():
        ca.delayed(sum)([1, 2]).compute()
    assert len(made) == 1 and "file" not in made[0]  # tqdm picks the widget or its stream
    assert frames(capsys.readouterr().err)[-1] == (100, 1, 1)  # no widget here: tqdm's stderr
