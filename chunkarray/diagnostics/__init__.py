"""Seeing the work: progress bars, profiles and the statistics of the last compute.

``ProgressBar``, ``Profiler`` and ``ResourceProfiler`` are scheduler callbacks used
as context managers (or ``register()``-ed for every compute); ``write_profile``
draws a profile as a self-contained HTML page; ``last_run`` holds the memory
figures of the most recent compute.

>>> import chunkarray as ca
>>> ca.delayed(sum)([1, 2]).compute()
3
>>> ca.diagnostics.last_run().tasks_run
1
"""

from __future__ import annotations

from chunkarray.diagnostics.callback import Diagnostic
from chunkarray.diagnostics.plot import profile_html, write_profile
from chunkarray.diagnostics.profile import Profiler, TaskRecord
from chunkarray.diagnostics.progress import ProgressBar
from chunkarray.diagnostics.resource import ResourceProfiler, ResourceSample
from chunkarray.runtime.memory import MemoryUsage, RunStats, last_run, memory_usage

__all__ = [
    "Diagnostic", "MemoryUsage", "ProgressBar", "Profiler", "ResourceProfiler", "ResourceSample",
    "RunStats", "TaskRecord", "last_run", "memory_usage", "profile_html", "write_profile",
]
