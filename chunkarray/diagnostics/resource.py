"""ResourceProfiler: CPU, memory and the memory manager's figures over time.

A sampler thread runs while a compute is running (from the first ``on_start`` to
the matching ``on_finish``) and every ``dt`` seconds records the process's CPU
percentage and resident memory (psutil) beside the memory manager's managed,
spilled and reloaded bytes (:func:`chunkarray.runtime.memory.memory_usage`). No
work is done per task.

Resident memory includes the pages of memory-mapped files (chunks read straight
from uncompressed stores, spilled chunks reloaded): the kernel can drop those at
any time. ``anonymous_bytes`` leaves them out (resident minus shared pages, on
Linux; elsewhere it equals ``rss_bytes``): that is the memory a budget bounds.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from chunkarray.diagnostics.callback import Diagnostic
from chunkarray.errors import ChunkArrayValueError
from chunkarray.runtime.memory import memory_usage

__all__ = ["ResourceProfiler", "ResourceSample"]


@dataclass(frozen=True, slots=True)
class ResourceSample:
    """One sample: ``time`` (``time.perf_counter`` seconds), CPU %, bytes."""

    time: float
    cpu_percent: float
    rss_bytes: int
    anonymous_bytes: int
    managed_bytes: int
    spilled_bytes: int
    reloaded_bytes: int
    memory_limit: int


class ResourceProfiler(Diagnostic):
    """Sample CPU and memory while computes run (``results``).

    Parameters
    ----------
    dt : float
        Seconds between samples.

    Examples
    --------
    >>> import chunkarray as ca
    >>> with ResourceProfiler(dt=0.01) as rprof:
    ...     ca.delayed(sum)([1, 2]).compute()
    3
    >>> len(rprof.results) >= 1 and rprof.results[0].rss_bytes > 0
    True
    """

    def __init__(self, dt: float = 0.1) -> None:
        if not dt > 0:
            raise ChunkArrayValueError(
                f"ResourceProfiler: dt must be a positive number, got {dt!r}")
        self.dt = float(dt)
        self._samples: list[ResourceSample] = []
        self._lock = threading.Lock()
        self._depth = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def results(self) -> list[ResourceSample]:
        """The samples taken so far, oldest first."""
        return list(self._samples)

    @property
    def peak_rss_bytes(self) -> int:
        """The largest resident memory sampled (0 before any sample)."""
        return max((s.rss_bytes for s in self._samples), default=0)

    @property
    def peak_anonymous_bytes(self) -> int:
        """The largest resident memory sampled, memory-mapped file pages left out."""
        return max((s.anonymous_bytes for s in self._samples), default=0)

    def clear(self) -> None:
        """Forget every sample."""
        self._samples = []

    def on_start(self, total: int) -> None:
        with self._lock:
            self._depth += 1
            if self._depth == 1:
                self._stop = threading.Event()
                self._thread = threading.Thread(target=self._sample_until, args=(self._stop,),
                                                name="chunkarray-resources", daemon=True)
                self._thread.start()

    def on_finish(self, error: BaseException | None) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth:
                return
            thread, self._thread = self._thread, None
            self._stop.set()
        if thread is not None:
            thread.join()

    def _sample_until(self, stop: threading.Event) -> None:
        import psutil

        process = psutil.Process()
        process.cpu_percent(None)  # the first call only starts the measurement
        self._take(process)
        while not stop.wait(self.dt):
            self._take(process)
        self._take(process)  # the state at the end of the compute

    def _take(self, process: Any) -> None:
        usage = memory_usage()
        info = process.memory_info()
        self._samples.append(ResourceSample(
            time.perf_counter(), process.cpu_percent(None), info.rss,
            info.rss - getattr(info, "shared", 0),
            usage.managed_bytes, usage.spilled_bytes, usage.reloaded_bytes, usage.memory_limit,
        ))
