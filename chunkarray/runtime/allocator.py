"""Tuning glibc's allocator for tile-sized temporaries, once per process.

Why
---
Fused elementwise runs evaluate in tiles (:mod:`chunkarray.graph.tiling`): every
tile allocates a few temporaries of about 256 KiB and frees them a moment later.
With glibc's default, adaptive settings, freeing them leaves more than the trim
threshold (about twice the largest freed block) free at the top of the heap, so
glibc gives the pages back to the kernel after every tile, and the next tile
faults them in again: measured here, a tiled ``sin(x)**2 + cos(x)**2 - 1`` chunk
took 1.5x the time of the same NumPy calls on reused buffers.

Policy
------
On the first run, if the process uses glibc and the user has set none of glibc's
``MALLOC_*_`` tunables, allocations of 1 MiB and more are served by ``mmap`` (so
chunk-sized buffers still go back to the system the moment they are freed, and
RSS stays honest for the memory budget), and up to 16 MiB of free heap top is
kept instead of trimmed. The cost is at most 16 MiB of retained heap per malloc
arena (one per worker thread or so). Elsewhere (musl, macOS, Windows) nothing
is changed.

>>> tune_allocator() in (True, False)
True
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
import threading

__all__ = ["tune_allocator"]

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 1 << 20
TRIM_THRESHOLD = 16 << 20

_lock = threading.Lock()
_done: bool | None = None


def _user_tuned() -> bool:
    return any(k.startswith("MALLOC_") and k.endswith("_") for k in os.environ) or (
        "GLIBC_TUNABLES" in os.environ)


def tune_allocator() -> bool:
    """Apply the settings above once; True if glibc accepted them."""
    global _done
    if _done is not None:
        return _done
    with _lock:
        if _done is None:
            _done = _apply()
    return _done


def _apply() -> bool:
    if not sys.platform.startswith("linux") or _user_tuned():
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
        libc.gnu_get_libc_version  # noqa: B018 - present in glibc only
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
