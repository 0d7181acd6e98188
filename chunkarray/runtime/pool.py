"""The process-wide thread pools, made on first use and shut down at exit.

A compute asks for ``num_workers - 1`` helper threads and works in the calling
thread too, so a task that itself calls ``compute`` always makes progress even
when every pool thread is busy (re-entrancy without deadlock).
"""

from __future__ import annotations

import atexit
import threading
from concurrent.futures import ThreadPoolExecutor

_pools: dict[int, ThreadPoolExecutor] = {}
_lock = threading.Lock()


def get_pool(size: int) -> ThreadPoolExecutor:
    """The shared pool with ``size`` threads."""
    pool = _pools.get(size)
    if pool is None:
        with _lock:
            pool = _pools.get(size)
            if pool is None:
                pool = ThreadPoolExecutor(size, thread_name_prefix=f"chunkarray-{size}")
                _pools[size] = pool
    return pool


@atexit.register
def shutdown() -> None:
    """Stop every pool (waiting for running helpers to notice they are done)."""
    with _lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.shutdown(wait=True, cancel_futures=True)
