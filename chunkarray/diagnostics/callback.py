"""The base of the diagnostics: a scheduler callback usable as a context manager.

``with ProgressBar():`` reports every compute started inside the block (in any
thread); ``ProgressBar().register()`` keeps reporting until ``unregister()``. Both
go through :mod:`chunkarray.runtime.events`, so a diagnostic never needs to be
passed to ``compute``.
"""

from __future__ import annotations

from typing import Any

from chunkarray.runtime import events

__all__ = ["Diagnostic"]


class Diagnostic:
    """A callback that registers itself for the duration of a ``with`` block.

    Subclasses override ``on_start(total)`` and ``on_finish(error)`` and add what
    they need of ``on_task_start(key, worker)``, ``on_task_end(key, done, total)``
    (per task) and ``on_progress(done, total)`` (once per batch of finished tasks);
    the scheduler calls only the methods a callback defines, so none costs anything
    unless used. They must be thread-safe and cheap.

    Examples
    --------
    >>> import chunkarray as ca
    >>> class Count(Diagnostic):
    ...     def on_start(self, total):
    ...         self.total = total
    >>> with Count() as c:
    ...     ca.delayed(sum)([1, 2]).compute()
    3
    >>> c.total
    1
    """

    def on_start(self, total: int) -> None:
        pass

    def on_finish(self, error: BaseException | None) -> None:
        pass

    def register(self) -> None:
        """Report every later compute in this process to this object."""
        events.register(self)

    def unregister(self) -> None:
        """Stop reporting computes to this object."""
        events.unregister(self)

    def __enter__(self) -> Any:
        self.register()
        return self

    def __exit__(self, *exc: object) -> None:
        self.unregister()
