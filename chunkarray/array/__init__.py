"""chunkarray.array: chunked NumPy-like arrays (also the Array API namespace).

>>> import numpy as np
>>> import chunkarray.array as caa
>>> x = caa.from_array(np.arange(12.0).reshape(3, 4), chunks=2)
>>> float(x.mean().compute())
5.5
"""

from __future__ import annotations

from chunkarray.array.blockwise import blockwise, map_blocks
from chunkarray.array.chunks import normalize_chunks
from chunkarray.array.core import Array
from chunkarray.array.creation import (
    arange, array, asarray, empty, empty_like, eye, from_array, from_delayed, full, full_like,
    linspace, ones, ones_like, zeros, zeros_like,
)
from chunkarray.array.elementwise import *  # noqa: F403 - the ufunc table
from chunkarray.array.elementwise import astype, clip, imag, isclose, real, round, where
from chunkarray.array.io import from_npy, from_zarr, store, to_hdf5, to_npy, to_zarr
from chunkarray.array.join import concatenate, stack
from chunkarray.array.manipulation import (
    broadcast_to, expand_dims, moveaxis, squeeze, swapaxes, transpose,
)
from chunkarray.array.reshape import ravel, reshape
from chunkarray.array.linalg import dot, matmul, tensordot
from chunkarray.array.rechunk import rechunk
from chunkarray.array.reductions import (
    all, any, argmax, argmin, cumprod, cumsum, max, mean, min, nanargmax, nanargmin,
    nancumprod, nancumsum, nanmax, nanmean, nanmin, nanprod, nanstd, nansum, nanvar, prod,
    std, sum, var,
)
from chunkarray.array.slicing import nonzero
from chunkarray.array import persist as _persist  # noqa: F401 - sets Array.__chunkarray_store__
from chunkarray.array import random

newaxis = None
