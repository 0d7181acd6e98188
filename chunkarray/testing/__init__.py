"""Testing helpers: ``assert_eq`` against NumPy, hypothesis strategies, test suites.

``chunkarray.testing.strategies`` needs hypothesis (a test dependency), so it is
not imported here: ``from chunkarray.testing.strategies import shapes``.

>>> import numpy as np
>>> from chunkarray.testing import assert_eq
>>> assert_eq(np.arange(3), np.arange(3))
"""

from __future__ import annotations

from chunkarray.testing.assert_eq import assert_eq

__all__ = ["assert_eq"]
