"""Callbacks registered for every run: what ``ProgressBar().register()`` adds to.

A run reports to the callbacks passed to it plus every registered one, in
registration order. Registration is process-wide (like ``dask``'s callbacks), so a
progress bar registered in one thread sees computes started in another.

>>> class Count:
...     def on_start(self, total): pass
...     def on_task_end(self, key, done, total): pass
...     def on_finish(self, error): pass
>>> c = Count()
>>> register(c); c in registered()
True
>>> unregister(c); c in registered()
False
"""

from __future__ import annotations

import threading

from chunkarray.typing import Callback

__all__ = ["register", "registered", "unregister"]

_lock = threading.Lock()
_registered: list[Callback] = []


def register(callback: Callback) -> None:
    """Report every later run to ``callback`` (once, however often registered)."""
    with _lock:
        if not any(c is callback for c in _registered):
            _registered.append(callback)


def unregister(callback: Callback) -> None:
    """Stop reporting to ``callback``; nothing happens if it was not registered."""
    with _lock:
        _registered[:] = [c for c in _registered if c is not callback]


def registered() -> tuple[Callback, ...]:
    """The registered callbacks, in registration order."""
    with _lock:
        return tuple(_registered)
