"""A progress bar for computes: tasks done of total, percentage, elapsed time, rate.

Overhead is one attribute store per batch of finished tasks (the scheduler calls
``on_progress`` with the running count); a small thread redraws the bar at most
every ``dt`` seconds, so the cost does not grow with the number of tasks. The bar
is tqdm's: a text bar in a terminal, a widget in Jupyter (``tqdm.auto``).

One bar follows one compute at a time: a compute started while another is running
(inside one of its tasks, or in another thread) draws no bar of its own, and its
task counts are ignored unless its total happens to equal the running one's.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any, TextIO

from chunkarray.diagnostics.callback import Diagnostic
from chunkarray.errors import ChunkArrayValueError

__all__ = ["ProgressBar"]


class ProgressBar(Diagnostic):
    """Show the progress of every compute run while active.

    Parameters
    ----------
    minimum : float
        Seconds a compute must run before the bar appears (shorter ones print nothing).
    dt : float
        Seconds between redraws.
    out : file, optional
        Where to write the bar; by default ``sys.stdout`` in a terminal (read when a
        compute starts) and a widget in Jupyter.
    desc : str
        A label printed before the bar.

    Examples
    --------
    >>> import io
    >>> import chunkarray as ca
    >>> out = io.StringIO()
    >>> with ProgressBar(out=out):
    ...     ca.compute(*[ca.delayed(abs)(-i) for i in range(4)])
    (0, 1, 2, 3)
    >>> "100%" in out.getvalue() and "4/4" in out.getvalue()
    True
    """

    def __init__(self, minimum: float = 0.0, dt: float = 0.1, out: TextIO | None = None,
                 desc: str = "") -> None:
        if not dt > 0:
            raise ChunkArrayValueError(f"ProgressBar: dt must be a positive number, got {dt!r}")
        self.minimum, self.dt, self.out, self.desc = float(minimum), float(dt), out, desc
        self._lock = threading.Lock()
        self._depth = 0
        self._done = 0
        self._total = 0
        self._started = 0.0
        self._bar: Any = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- scheduler callbacks --
    def on_start(self, total: int) -> None:
        with self._lock:
            self._depth += 1
            if self._depth > 1:  # a compute inside a task: the outer bar goes on
                return
            self._total, self._done, self._bar = total, 0, None
            self._started = time.perf_counter()
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._refresh, args=(self._stop,),
                                            name="chunkarray-progress", daemon=True)
            self._thread.start()

    def on_progress(self, done: int, total: int) -> None:
        if total == self._total:  # the only per-batch work; redraws happen in the refresh thread
            self._done = done

    def on_finish(self, error: BaseException | None) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth:
                return
            thread, self._thread = self._thread, None
        self._stop.set()
        if thread is not None:
            thread.join()
        if error is None:
            self._done = self._total
        bar, self._bar = self._bar, None
        if bar is None and time.perf_counter() - self._started >= self.minimum:
            bar = self._make_bar()
        if bar is not None:
            bar.n = min(self._done, self._total)
            bar.close()  # draws the final state once

    # -- drawing (refresh thread, then the finishing thread) --
    def _refresh(self, stop: threading.Event) -> None:
        while not stop.wait(self.dt):
            if time.perf_counter() - self._started >= self.minimum:
                self._draw()

    def _draw(self) -> None:
        bar = self._bar
        if bar is None:
            bar = self._bar = self._make_bar()
        done = min(self._done, self._total)
        if done > bar.n:
            bar.update(done - bar.n)
        else:
            bar.refresh()

    def _make_bar(self) -> Any:
        if self.out is None and "ipykernel" in sys.modules:
            from tqdm.auto import tqdm
            kwargs: dict[str, Any] = {}
        else:
            from tqdm.std import tqdm
            kwargs = {"file": self.out if self.out is not None else sys.stdout}
        bar = tqdm(total=self._total, desc=self.desc, unit="tasks", mininterval=0,
                   miniters=1, dynamic_ncols=self.out is None, **kwargs)
        # Elapsed time counts from the compute's start, not from the first redraw.
        bar.start_t = bar.last_print_t = bar._time() - (time.perf_counter() - self._started)
        return bar
