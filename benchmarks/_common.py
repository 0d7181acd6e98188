"""Shared helpers for the benchmark scripts: alternating timed runs and a table."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def alternate(contenders: dict[str, Callable[[], object]], runs: int = 5) -> dict[str, float]:
    """Median seconds of each contender, run A B A B ... ``runs`` times each."""
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(runs):
        for name, fn in contenders.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


def table(rows: list[list[str]], header: list[str]) -> str:
    """A plain-text table."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths))
    out = [line, "-" * len(line)]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(out)
