"""chunkarray: chunked arrays, bags and dataframes for data larger than memory.

One lazy task graph for every collection, run on a bounded thread pool.

>>> import chunkarray as ca
>>> @ca.delayed
... def lazy_exponent(x, y):
...     return x ** y
>>> lazy_exponent(4, 5).compute()
1024
"""

from __future__ import annotations

from chunkarray import config, datasets, diagnostics
from chunkarray.base import compute, persist, visualize
from chunkarray.delayed import Delayed, delayed

__version__ = "0.1.0"

__all__ = [
    "Delayed", "compute", "config", "datasets", "delayed", "diagnostics", "persist", "visualize",
    "__version__",
]
