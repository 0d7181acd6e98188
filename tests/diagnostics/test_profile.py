from __future__ import annotations

import html
import re
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

import chunkarray as ca
import chunkarray.array as caa
from chunkarray.diagnostics import Profiler, ResourceProfiler, write_profile

TITLE = re.compile(r"<rect [^>]*><title>(.*?): [\d.]+ ms on worker (\d+)</title></rect>")


def work(i: int) -> int:
    time.sleep(0.002)
    return i * i


def graph(n: int) -> tuple[list[ca.Delayed], ca.Delayed]:
    parts = [ca.delayed(work, pure=True)(i) for i in range(n)]
    return parts, ca.delayed(sum, pure=True)(parts)


@pytest.mark.parametrize("workers", [1, 2])
def test_every_task_recorded_once_without_overlap(workers: int) -> None:
    parts, total = graph(20)
    with Profiler() as prof:
        (result,) = ca.compute(total, num_workers=workers, optimize_graph=False)
    assert result == sum(i * i for i in range(20))
    records = prof.results
    assert sorted(map(str, (r.key for r in records))) == sorted(
        map(str, [p.key for p in parts] + [total.key]))
    assert {r.worker for r in records} <= set(range(workers))
    by_worker = defaultdict(list)
    for r in records:
        assert r.start <= r.end
        by_worker[r.worker].append(r)
    for runs in by_worker.values():
        runs.sort(key=lambda r: r.start)
        assert all(a.end <= b.start for a, b in zip(runs, runs[1:]))
    last = next(r for r in records if r.key == total.key)
    assert all(r.end <= last.start for r in records if r is not last)
    summary = prof.summary()
    assert summary["tasks"] == 21 and set(summary["busy_seconds"]) == {"work", "sum"}


def test_profile_file_holds_the_tasks(tmp_path: Path) -> None:
    x = caa.from_array(np.arange(64.0).reshape(8, 8), chunks=4)
    with Profiler() as prof, ResourceProfiler(dt=0.01) as rprof:
        np.testing.assert_allclose((x + 1).sum().compute(), (np.arange(64.0) + 1).sum())
    path = write_profile(tmp_path / "profile.html", prof, rprof, title="x + 1")
    text = path.read_text()
    drawn = {(html.unescape(m[1]), int(m[2])) for m in TITLE.finditer(text)}
    assert drawn == {(repr(r.key), r.worker) for r in prof.results}
    assert len(drawn) == len(prof.results) == ca.diagnostics.last_run().tasks_run
    assert "<h1>x + 1</h1>" in text and 'class="memory"' in text and 'class="cpu"' in text
    assert "memory_limit" in text and text.count("<svg") == 3
    assert not [p for p in tmp_path.iterdir() if p.name != "profile.html"]  # no temporary left


def test_profile_of_records_only(tmp_path: Path) -> None:
    parts, total = graph(3)
    with Profiler() as prof:
        total.compute()
    path = write_profile(tmp_path / "p.html", prof.results)
    text = path.read_text()
    assert text.count("<svg") == 1 and len(TITLE.findall(text)) == 4


def test_very_many_tasks_keep_the_longest(monkeypatch: pytest.MonkeyPatch) -> None:
    from chunkarray.diagnostics import TaskRecord, plot

    monkeypatch.setattr(plot, "MAX_BARS", 50)
    records = [TaskRecord(("t-0123456789abcdef", i), i * 0.01, i * 0.01 + 0.001 * (i % 7),
                          i % 3) for i in range(60)]
    text = plot.profile_html(records)
    drawn = [html.unescape(m[1]) for m in TITLE.finditer(text)]
    assert len(drawn) == 50 and "<p>10 shortest tasks not drawn.</p>" in text
    shortest_drawn = min(r.end - r.start for r in records if repr(r.key) in drawn)
    assert all(r.end - r.start <= shortest_drawn for r in records if repr(r.key) not in drawn)
