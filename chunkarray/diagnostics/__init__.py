"""Seeing the work: statistics of the last compute (progress bars and profiles later).

>>> import chunkarray as ca
>>> ca.delayed(sum)([1, 2]).compute()
3
>>> ca.diagnostics.last_run().tasks_run
1
"""

from __future__ import annotations

from chunkarray.runtime.memory import RunStats, last_run

__all__ = ["RunStats", "last_run"]
