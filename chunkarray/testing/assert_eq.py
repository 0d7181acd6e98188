"""``assert_eq``: compare chunkarray results with NumPy's, metadata included.

For a chunkarray Array it checks, before computing, that the chunks are a tuple of
tuples of non-negative ints (one per axis) adding up to the shape; then it computes
the blocks one by one and checks each block's shape against its chunk and its
dtype against the Array's; then it compares the joined result with the other side:
shapes equal, dtypes equal (``check_dtype``), values exactly equal for bools,
integers and everything not inexact, ``allclose`` for floats and complex numbers,
NaN equal to NaN and infinities in the same places.

>>> import numpy as np
>>> from chunkarray.array.creation import from_array
>>> from chunkarray.array.reductions import mean
>>> a = np.arange(6.0).reshape(2, 3)
>>> x = from_array(a, chunks=(1, 2))
>>> assert_eq(mean(x, axis=0), a.mean(axis=0))
>>> assert_eq(mean(x, axis=0), a.sum(axis=0))
Traceback (most recent call last):
    ...
AssertionError: ...
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from chunkarray.base import execute
from chunkarray.graph.keys import flatten_keys, pack_results
from chunkarray.typing import is_collection

# Default relative tolerance by the precision (bytes per real number) of the less precise
# side; the default absolute tolerance is that times the largest magnitude compared, since
# a chunked computation rounds differently from NumPy by about eps times its operands.
_RTOL = {2: 1e-3, 4: 1e-5, 8: 1e-7, 16: 1e-7}


def _check_chunks(x: Any) -> None:
    chunks = x.chunks
    assert isinstance(chunks, tuple), f"chunks is a {type(chunks).__name__}, not a tuple"
    assert len(chunks) == x.ndim, f"{len(chunks)} chunk axes for ndim {x.ndim}"
    for axis, sizes in enumerate(chunks):
        assert isinstance(sizes, tuple) and sizes, f"axis {axis}: chunks {sizes!r}"
        if any(isinstance(c, float) and math.isnan(c) for c in sizes):
            continue
        for c in sizes:
            assert isinstance(c, (int, np.integer)) and c >= 0, (
                f"axis {axis}: chunk size {c!r} is not a non-negative int")
        assert sum(sizes) == x.shape[axis], (
            f"axis {axis}: chunks {sizes} add up to {sum(sizes)}, not {x.shape[axis]}")


def _compute_checked(x: Any, check_dtype: bool, check_chunks: bool) -> np.ndarray:
    """Compute ``x`` block by block, checking every block against the metadata."""
    keys = x.__chunkarray_keys__()
    values = execute([x])
    if check_chunks:
        for key in flatten_keys(keys):
            index = tuple(key[1:]) if isinstance(key, tuple) else ()
            expected = tuple(c[i] for c, i in zip(x.chunks, index))
            got = np.shape(values[key])
            known = all(not (isinstance(e, float) and math.isnan(e)) for e in expected)
            assert not known or got == expected, (
                f"block {index} has shape {got}, its chunks say {expected}")
            if check_dtype:
                dtype = np.asarray(values[key]).dtype
                assert dtype == x.dtype, f"block {index} has dtype {dtype}, the array {x.dtype}"
    result = x.__chunkarray_finalize__(pack_results(keys, values))
    return np.asarray(result)


def _as_numpy(value: Any, check_dtype: bool, check_chunks: bool) -> tuple[np.ndarray, bool]:
    """The computed value and whether its dtype is meaningful (not a Python scalar)."""
    if is_collection(value) and hasattr(value, "chunks"):
        if check_chunks:
            _check_chunks(value)
        lazy_shape, lazy_dtype = value.shape, value.dtype
        result = _compute_checked(value, check_dtype, check_chunks)
        if not any(isinstance(s, float) and math.isnan(s) for s in lazy_shape):
            assert result.shape == tuple(lazy_shape), (
                f"computed shape {result.shape} != lazy shape {lazy_shape}")
        if check_dtype:
            assert result.dtype == lazy_dtype, (
                f"computed dtype {result.dtype} != lazy dtype {lazy_dtype}")
        return result, True
    if is_collection(value):
        return np.asarray(value.compute()), True
    return np.asarray(value), hasattr(value, "dtype")


def _tolerances(a: np.ndarray, b: np.ndarray, kwargs: dict[str, Any]) -> dict[str, Any]:
    sizes = [d.itemsize // (2 if d.kind == "c" else 1) for d in (a.dtype, b.dtype)
             if d.kind in "fc"]
    rtol = kwargs.pop("rtol", _RTOL.get(min(sizes) if sizes else 8, 1e-7))
    if "atol" not in kwargs:
        finite = [np.abs(v[np.isfinite(v)]) for v in (a, b) if v.dtype.kind in "fc"]
        scale = max((float(f.max()) for f in finite if f.size), default=0.0)
        kwargs["atol"] = rtol * scale
    return {"rtol": rtol, **kwargs}


def assert_eq(a: Any, b: Any, check_dtype: bool = True, check_chunks: bool = True,
              **allclose_kwargs: Any) -> None:
    """Assert that ``a`` and ``b`` (Arrays, NumPy arrays or scalars) are equal.

    Parameters
    ----------
    a, b : Array, numpy.ndarray or scalar
        Arrays are checked and computed (see the module docstring).
    check_dtype : bool
        Require equal dtypes (skipped for a side that is a plain Python scalar).
    check_chunks : bool
        Check chunk metadata and every computed block's shape.
    **allclose_kwargs
        ``rtol``, ``atol`` for inexact values. By default ``rtol`` is 1e-7 for
        64-bit floats and 1e-5 for 32-bit ones, and ``atol`` is ``rtol`` times the
        largest finite magnitude on either side.

    Raises
    ------
    AssertionError
        Naming what differs.
    """
    x, x_typed = _as_numpy(a, check_dtype, check_chunks)
    y, y_typed = _as_numpy(b, check_dtype, check_chunks)
    assert x.shape == y.shape, f"shapes differ: {x.shape} != {y.shape}"
    if check_dtype and x_typed and y_typed:
        assert x.dtype == y.dtype, f"dtypes differ: {x.dtype} != {y.dtype}"
    if x.dtype.kind in "fc" or y.dtype.kind in "fc":
        kwargs = _tolerances(x, y, dict(allclose_kwargs))
        np.testing.assert_allclose(x, y, equal_nan=True, **kwargs)
    else:
        np.testing.assert_array_equal(x, y, strict=False)
