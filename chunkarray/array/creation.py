"""Creating arrays: from NumPy and array-likes, constants, ranges.

Every function here adds one :class:`~chunkarray.graph.blockwise.Blockwise` layer
whose per-block arguments are small :class:`~chunkarray.graph.blockwise.BlockValues`
(the block's slices or shape), so a creation graph holds no data of its own and
making it costs nothing per block until a block is asked for:

- ``from_array(x)``: block ``i`` is ``getter(x, BlockSlices[i])``; each task reads
  only its own block. Zarr arrays and h5py datasets are wrapped in the readers of
  :mod:`chunkarray.storage` (direct chunk-file reads, tokens from their location
  rather than their data);
- ``zeros``, ``ones``, ``full``, ``empty``: ``np.zeros(BlockShapes[i], dtype)`` etc.;
- ``arange``, ``linspace``, ``eye``: computed from the block's slice with NumPy's own
  formulas, so values equal NumPy's to the last bit.

>>> import numpy as np
>>> x = from_array(np.arange(10), chunks=4)
>>> x.chunks
((4, 4, 2),)
>>> arange(0, 1, 0.25, chunks=2).compute()
array([0.  , 0.25, 0.5 , 0.75])
"""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np

from chunkarray.array.chunks import normalize_chunks
from chunkarray.array.core import Array, implements
from chunkarray.errors import ChunkArrayTypeError, ChunkArrayValueError
from chunkarray.graph.blockwise import Blockwise
from chunkarray.graph.graph import Graph
from chunkarray.graph.keys import key_name
from chunkarray.graph.layer import MaterializedLayer
from chunkarray.graph.task import Ref, Task
from chunkarray.storage import reader_for
from chunkarray.tokenize import name as make_name

__all__ = [
    "BlockShapes", "BlockSlices", "arange", "array", "asarray", "empty", "empty_like", "eye",
    "from_array", "from_delayed", "full", "full_like", "getter", "linspace", "ones",
    "ones_like", "zeros", "zeros_like",
]

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def index_letters(ndim: int) -> str:
    """One Blockwise index letter per axis."""
    if ndim > len(_LETTERS):
        raise ChunkArrayValueError(
            f"arrays of more than {len(_LETTERS)} dimensions are not supported")
    return _LETTERS[:ndim]


def chunks_token(chunks: tuple[tuple[int, ...], ...]) -> tuple[Any, ...]:
    """A compact stand-in for ``chunks`` in tokens: hashing a million-entry tuple
    element by element would cost a second, its bytes a millisecond.

    >>> chunks_token(((2, 2, 1),))[0].tolist()
    [2, 2, 1]
    """
    return tuple(np.asarray(c, dtype=np.int64) for c in chunks)


class BlockSlices:
    """Per-block literal: the tuple of slices block ``index`` covers.

    >>> BlockSlices(((2, 2, 1),))[(2,)]
    (slice(4, 5, None),)
    """

    def __init__(self, chunks: tuple[tuple[int, ...], ...]) -> None:
        self.chunks = chunks
        self.numblocks = tuple(len(c) for c in chunks)
        self.starts = [np.concatenate([[0], np.cumsum(c)]).astype(int).tolist() for c in chunks]

    def __getitem__(self, index: tuple[int, ...]) -> tuple[slice, ...]:
        return tuple(slice(s[i], s[i + 1]) for s, i in zip(self.starts, index))

    def __chunkarray_tokenize__(self) -> Any:
        return ("BlockSlices", chunks_token(self.chunks))


class BlockShapes:
    """Per-block literal: the shape of block ``index``.

    >>> BlockShapes(((2, 1), (3,)))[(1, 0)]
    (1, 3)
    """

    def __init__(self, chunks: tuple[tuple[int, ...], ...]) -> None:
        self.chunks = chunks
        self.numblocks = tuple(len(c) for c in chunks)

    def __getitem__(self, index: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(c[i] for c, i in zip(self.chunks, index))

    def __chunkarray_tokenize__(self) -> Any:
        return ("BlockShapes", chunks_token(self.chunks))


def getter(source: Any, index: tuple[slice, ...]) -> np.ndarray:
    """Read one block of ``source`` as a NumPy array in native byte order.

    Read-only memory-mapped blocks (raw Zarr chunks, ``.npy`` regions) are returned
    as maps, without a copy; writable maps are copied, so a task's result never
    depends on the file changing later.
    """
    block = source[index]
    if type(block) is not np.ndarray:
        if isinstance(block, np.memmap):
            # A read-only map stays a map (no copy); a writable one may change later.
            block = block if not block.flags.writeable else np.array(block)
        else:
            block = np.asarray(block)
    if not block.dtype.isnative:
        block = block.astype(block.dtype.newbyteorder("="))
    return block


# A block read can be dropped under memory pressure and read again (runtime/memory.py).
getter.rereadable = True  # type: ignore[attr-defined]


def source_of(x: Array) -> Any:
    """The store ``x`` reads its blocks from, if ``x`` is a plain read of it, else None.

    Lets operations that only move data (rechunk) read the store in their own
    regions instead of going through ``x``'s blocks.
    """
    layer = x.graph.own_layer(x.name)
    if type(layer) is not Blockwise or layer.func is not getter or len(x.graph.layers) != 1:
        return None
    (source, none), (slices, _) = layer.inputs
    return source if none is None and isinstance(slices, BlockSlices) else None


def parse_shape(shape: Any, function: str) -> tuple[int, ...]:
    """``shape`` as a tuple of non-negative ints; NumPy's errors otherwise.

    >>> parse_shape(3, "zeros"), parse_shape([2, 0], "zeros")
    ((3,), (2, 0))
    """
    items = shape if isinstance(shape, (tuple, list)) else (shape,)
    try:
        out = tuple(operator.index(s) for s in items)
    except TypeError:
        raise ChunkArrayTypeError(
            f"{function}: shape must be an int or a sequence of ints, got {shape!r}") from None
    if any(s < 0 for s in out):
        raise ChunkArrayValueError(f"{function}: negative dimensions are not allowed: {out}")
    return out


def _own_chunks(source: Any, shape: tuple[int, ...]) -> tuple[tuple[int, ...], ...] | None:
    """The source's own chunking (Zarr/HDF5-style chunk shape), as block sizes per axis."""
    chunks = getattr(source, "chunks", None)
    if not isinstance(chunks, tuple) or len(chunks) != len(shape):
        return None
    if all(isinstance(c, (int, np.integer)) and c > 0 for c in chunks):
        from chunkarray.array.chunks import blocks_of

        return tuple(blocks_of(n, int(c)) for n, c in zip(shape, chunks))
    if all(isinstance(c, tuple) for c in chunks):
        return chunks
    return None


def _is_array_like(x: Any) -> bool:
    return hasattr(x, "shape") and hasattr(x, "dtype") and hasattr(x, "__getitem__")


def from_array(x: Any, chunks: Any = "auto", name: str | None = None) -> Array:
    """A lazy Array over ``x``; each task reads only its own block.

    Parameters
    ----------
    x : array-like
        A NumPy array, ``np.memmap``, ``h5py.Dataset``, ``zarr.Array`` or anything with
        ``shape``, ``dtype`` and ``__getitem__`` taking a tuple of slices.
    chunks : int, tuple, dict, -1 or "auto"
        Block sizes (see :func:`~chunkarray.array.chunks.normalize_chunks`); "auto"
        chunks are whole multiples of the source's own chunks (Zarr/HDF5 ``.chunks``).
        Blocks of a non-native byte order source are converted to native order.
    name : str, optional
        The layer name; by default a token of the source (its location for Zarr and
        HDF5, its content for NumPy arrays) and the chunks.

    Returns
    -------
    Array

    Examples
    --------
    >>> import numpy as np
    >>> x = from_array(np.arange(12).reshape(3, 4), chunks=(2, 2))
    >>> x.numblocks
    (2, 2)
    >>> x.compute()[2]
    array([ 8,  9, 10, 11])
    """
    if isinstance(x, Array):
        return x if isinstance(chunks, str) and chunks == "auto" else x.rechunk(chunks)
    source = reader_for(x)
    if source is None:
        source = x if _is_array_like(x) else np.asarray(x)
    shape = parse_shape(tuple(source.shape), "from_array")
    dtype = np.dtype(source.dtype)
    if not dtype.isnative:  # blocks are converted, as NumPy's concatenation would
        dtype = dtype.newbyteorder("=")
    chunks = normalize_chunks(chunks, shape, dtype=dtype,
                              previous_chunks=_own_chunks(source, shape))
    name = name or make_name("array", source, chunks_token(chunks))
    ind = index_letters(len(shape))
    layer = Blockwise(name, ind, getter, [(source, None), (BlockSlices(chunks), ind)], {})
    return Array(Graph.from_layer(layer), name, chunks, dtype)


def asarray(
    a: Any, dtype: Any = None, chunks: Any = "auto", *, copy: bool | None = None,
    name: str | None = None,
) -> Array:
    """Convert ``a`` to an Array (an Array is returned as it is).

    Lists holding Arrays are stacked lazily; other inputs go through
    :func:`from_array` (NumPy inputs without copying unless ``copy=True``).

    >>> asarray([1, 2, 3], chunks=2).chunks
    ((2, 1),)
    """
    if isinstance(a, Array):
        return a if dtype is None or np.dtype(dtype) == a.dtype else a.astype(dtype)
    if isinstance(a, (list, tuple)) and any(isinstance(v, Array) for v in a):
        from chunkarray.array.join import stack

        out: Array = stack([asarray(v) for v in a])
        return out if dtype is None else out.astype(dtype)
    if isinstance(a, np.memmap) or (_is_array_like(a) and not isinstance(a, np.ndarray)):
        # Zarr, HDF5, memory maps: read block by block, named by location, not content.
        out = from_array(a, chunks=chunks, name=name)
        return out if dtype is None or np.dtype(dtype) == out.dtype else out.astype(dtype)
    data = np.array(a, dtype=dtype, copy=True) if copy else np.asarray(a, dtype=dtype)
    return from_array(data, chunks=chunks, name=name)


def array(a: Any, dtype: Any = None, copy: bool = True, chunks: Any = "auto",
          name: str | None = None) -> Array:
    """Like :func:`asarray`, but NumPy inputs are copied (later changes to them are not seen).

    >>> data = np.zeros(3)
    >>> x = array(data)
    >>> data[0] = 5
    >>> x.compute()
    array([0., 0., 0.])
    """
    return asarray(a, dtype=dtype, chunks=chunks, copy=copy, name=name)


def _checked_value(value: Any, shape: tuple[int, ...], dtype: np.dtype[Any]) -> np.ndarray:
    out = np.asarray(value)
    if out.shape != shape:
        raise ChunkArrayValueError(
            f"from_delayed: the computed value has shape {out.shape}, but shape={shape} "
            f"was declared")
    return out.astype(dtype, copy=False)


def from_delayed(value: Any, shape: Any, dtype: Any = None, name: str | None = None) -> Array:
    """A one-block Array whose block is the computed ``value`` (a Delayed).

    The value is converted to ``dtype``; a value of another shape raises a
    ValueError when computed.

    >>> import chunkarray as ca
    >>> d = ca.delayed(np.ones)(3)
    >>> from_delayed(d, (3,), dtype=float).compute()
    array([1., 1., 1.])
    """
    from chunkarray.delayed import delayed

    if dtype is None:
        raise ChunkArrayValueError("from_delayed: dtype= is required (the value is not "
                                   "computed to find it)")
    value = delayed(value)
    shape = parse_shape(shape, "from_delayed")
    dtype = np.dtype(dtype)
    name = name or make_name("from-value", value.key, shape, dtype)
    key = (name, *(0,) * len(shape))
    task = Task(_checked_value, Ref(value.key), shape, dtype)
    layer = MaterializedLayer(name, {key: task}, dependencies=frozenset({key_name(value.key)}))
    graph = Graph.from_layer(layer, value.__chunkarray_graph__())
    return Array(graph, name, tuple((s,) for s in shape), dtype)


def _constant(prefix: str, func: Any, shape: Any, dtype: Any, chunks: Any, name: str | None,
              *fill: Any) -> Array:
    shape = parse_shape(shape, prefix)
    dtype = np.dtype(dtype)
    chunks = normalize_chunks(chunks, shape, dtype=dtype)
    name = name or make_name(prefix, shape, dtype, chunks_token(chunks), *fill)
    ind = index_letters(len(shape))
    inputs = [(BlockShapes(chunks), ind), *((f, None) for f in fill)]
    layer = Blockwise(name, ind, func, inputs, {}, kwargs={"dtype": dtype})
    return Array(Graph.from_layer(layer), name, chunks, dtype)


def zeros(shape: Any, dtype: Any = float, chunks: Any = "auto", name: str | None = None) -> Array:
    """An Array of zeros; no data is held until a block is computed.

    >>> zeros((2, 3), chunks=2).compute()
    array([[0., 0., 0.],
           [0., 0., 0.]])
    """
    return _constant("zeros", np.zeros, shape, dtype, chunks, name)


def ones(shape: Any, dtype: Any = float, chunks: Any = "auto", name: str | None = None) -> Array:
    """An Array of ones.

    >>> ones(3, dtype=int, chunks=2).compute()
    array([1, 1, 1])
    """
    return _constant("ones", np.ones, shape, dtype, chunks, name)


def empty(shape: Any, dtype: Any = float, chunks: Any = "auto", name: str | None = None) -> Array:
    """An Array of uninitialized values (as ``np.empty``).

    >>> empty((2, 2), chunks=1).shape
    (2, 2)
    """
    return _constant("empty", np.empty, shape, dtype, chunks, name)


def full(shape: Any, fill_value: Any, dtype: Any = None, chunks: Any = "auto",
         name: str | None = None) -> Array:
    """An Array filled with the scalar ``fill_value`` (its dtype unless ``dtype``).

    >>> full(3, 7, chunks=2).compute()
    array([7, 7, 7])
    """
    if np.ndim(fill_value) != 0 or isinstance(fill_value, Array):
        raise ChunkArrayValueError(f"full: fill_value must be a scalar, got {fill_value!r}")
    if dtype is None:
        dtype = np.asarray(fill_value).dtype
    return _constant("full", np.full, shape, dtype, chunks, name, fill_value)


def _like(a: Any, function: str, dtype: Any, chunks: Any, shape: Any) -> tuple[Any, Any, Any]:
    if isinstance(a, Array) and any(isinstance(s, float) for s in a.shape) and shape is None:
        raise ChunkArrayValueError(
            f"{function}: the shape of the array is unknown (nan); call compute_chunk_sizes()")
    same_shape = shape is None
    if shape is None:
        shape = a.shape if hasattr(a, "shape") else np.shape(a)
    dtype = dtype if dtype is not None else getattr(a, "dtype", None)
    if dtype is None:
        dtype = np.asarray(a).dtype
    if chunks is None:
        chunks = a.chunks if isinstance(a, Array) and same_shape else "auto"
    return shape, dtype, chunks


def zeros_like(a: Any, dtype: Any = None, chunks: Any = None, shape: Any = None,
               name: str | None = None) -> Array:
    """Zeros with the shape, dtype and (for Arrays) chunks of ``a``.

    >>> zeros_like(from_array(np.arange(4), chunks=3)).chunks
    ((3, 1),)
    """
    return zeros(*_like(a, "zeros_like", dtype, chunks, shape), name=name)


def ones_like(a: Any, dtype: Any = None, chunks: Any = None, shape: Any = None,
              name: str | None = None) -> Array:
    """Ones with the shape, dtype and (for Arrays) chunks of ``a``.

    >>> ones_like(np.zeros((2, 2), dtype=int)).compute()
    array([[1, 1],
           [1, 1]])
    """
    return ones(*_like(a, "ones_like", dtype, chunks, shape), name=name)


def empty_like(a: Any, dtype: Any = None, chunks: Any = None, shape: Any = None,
               name: str | None = None) -> Array:
    """Uninitialized values with the shape, dtype and (for Arrays) chunks of ``a``.

    >>> empty_like(np.zeros(3)).shape
    (3,)
    """
    return empty(*_like(a, "empty_like", dtype, chunks, shape), name=name)


def full_like(a: Any, fill_value: Any, dtype: Any = None, chunks: Any = None,
              shape: Any = None, name: str | None = None) -> Array:
    """``fill_value`` cast to ``a``'s dtype (or ``dtype``), in ``a``'s shape and chunks.

    >>> full_like(np.arange(3), 2.5).compute()
    array([2, 2, 2])
    """
    shape, dtype, chunks = _like(a, "full_like", dtype, chunks, shape)
    return full(shape, fill_value, dtype=dtype, chunks=chunks, name=name)


# -- NumPy's range formulas, evaluated for one block --

def arange_length(start: Any, stop: Any, step: Any) -> int:
    """``len(np.arange(start, stop, step))``, computed as NumPy does.

    >>> arange_length(0, 1, 0.1), arange_length(5, 0, 1)
    (10, 0)
    """
    if any(np.iscomplexobj(v) for v in (start, stop, step)):
        raise ChunkArrayTypeError("arange: complex start, stop or step are not supported")
    if step == 0:
        raise ChunkArrayValueError("arange: step must not be zero")
    value = float((stop - start) / step)
    if not math.isfinite(value):
        raise ChunkArrayValueError(f"arange: cannot compute the length of "
                                   f"arange({start!r}, {stop!r}, {step!r})")
    return max(math.ceil(value), 0)


def arange_dtype(start: Any, stop: Any, step: Any, dtype: Any) -> np.dtype[Any]:
    """NumPy's arange result dtype: at least the default int, promoted by each argument."""
    if dtype is not None:
        return np.dtype(dtype)
    args = [np.asarray(v).dtype for v in (start, stop, step) if v is not None]
    return np.result_type(np.intp, *args)


def arange_block(region: tuple[slice], start: Any, step: Any, dtype: np.dtype[Any]) -> np.ndarray:
    """Elements ``region`` of ``np.arange(start, ..., step, dtype=dtype)``.

    NumPy stores ``start`` and ``start + step`` (cast to ``dtype``) as the first two
    elements, then fills element ``i`` with ``first + i * (second - first)`` in the
    dtype's arithmetic; the same is done here for this block's ``i`` only.
    """
    (sl,) = region
    head = np.empty(2, dtype=dtype)
    head[0] = start
    head[1] = start + step
    i = np.arange(sl.start, sl.stop)
    kind = dtype.kind
    if kind in "iu":
        work = np.dtype(np.uint64) if dtype == np.uint64 else np.dtype(np.int64)
        delta = (head[1:] - head[:1]).astype(work)
        out = (head[:1].astype(work) + i.astype(work) * delta).astype(dtype)
    elif kind == "f":
        out = _float_fill(head, i, dtype)
    elif kind == "c":
        out = np.empty(len(i), dtype=dtype)
        out.real = _float_fill(head.real.copy(), i, head.real.dtype)
        out.imag = _float_fill(head.imag.copy(), i, head.imag.dtype)
    elif len(i) == 0 or sl.stop <= 2:
        out = head[sl.start:sl.stop].copy()
    else:
        raise ChunkArrayTypeError(f"arange: no fill function for dtype {dtype} beyond 2 values")
    # NumPy keeps the first two values as stored, not recomputed.
    for j in (0, 1):
        if sl.start <= j < sl.stop:
            out[j - sl.start] = head[j]
    return out


def _float_fill(head: np.ndarray, i: np.ndarray, dtype: np.dtype[Any]) -> np.ndarray:
    # Half precision is filled in single precision, as NumPy does.
    work = np.dtype(np.float32) if dtype.itemsize < 4 else dtype
    h = head.astype(work)
    delta = h[1:] - h[:1]
    return (h[:1] + i.astype(work) * delta).astype(dtype)


def linspace_block(region: tuple[slice], start: Any, stop: Any, num: int, endpoint: bool,
                   work: np.dtype[Any], dtype: np.dtype[Any]) -> np.ndarray:
    """Elements ``region`` of ``np.linspace``, by NumPy's own sequence of operations."""
    (sl,) = region
    div = (num - 1) if endpoint else num
    start_a, stop_a = np.asarray(start), np.asarray(stop)
    delta = np.subtract(stop_a, start_a, dtype=type(work))
    y = arange_block(region, 0, 1, work)
    if div > 0:
        step = delta / div
        if step == 0:
            y /= div
            y *= delta
        else:
            y *= step
    else:
        y = y * delta
    y += start_a
    if endpoint and num > 1 and sl.start <= num - 1 < sl.stop:
        y[num - 1 - sl.start] = stop_a
    if np.issubdtype(dtype, np.integer):
        np.floor(y, out=y)
    return y.astype(dtype, copy=False)


def eye_block(region: tuple[slice, slice], k: int, dtype: np.dtype[Any]) -> np.ndarray:
    """Block ``region`` of ``np.eye(N, M, k)``: the diagonal shifted to block coordinates."""
    rows, cols = region
    return np.eye(rows.stop - rows.start, cols.stop - cols.start,
                  k=k + rows.start - cols.start, dtype=dtype)


def _range_array(prefix: str, func: Any, length: int, dtype: Any, chunks: Any,
                 name: str | None, *args: Any) -> Array:
    dtype = np.dtype(dtype)
    chunks = normalize_chunks(chunks, (length,), dtype=dtype)
    name = name or make_name(prefix, length, dtype, chunks_token(chunks), *args)
    inputs = [(BlockSlices(chunks), "a"), *((v, None) for v in args)]
    layer = Blockwise(name, "a", func, inputs, {}, kwargs={"dtype": dtype})
    return Array(Graph.from_layer(layer), name, chunks, dtype)


def arange(start: Any, stop: Any = None, step: Any = None, chunks: Any = "auto",
           dtype: Any = None, name: str | None = None) -> Array:
    """Evenly spaced values in ``[start, stop)``, equal to ``np.arange``'s.

    ``arange(n)`` counts from 0. Float steps give NumPy's values exactly: each block
    evaluates NumPy's ``start + i * delta`` for its own ``i``.

    Raises
    ------
    ValueError
        If ``step`` is zero.

    Examples
    --------
    >>> arange(5, chunks=2).compute()
    array([0, 1, 2, 3, 4])
    >>> arange(1, 2, 0.5).compute()
    array([1. , 1.5])
    """
    if stop is None:
        start, stop = 0, start
    step_value = 1 if step is None else step
    length = arange_length(start, stop, step_value)
    dtype = arange_dtype(start, stop, step, dtype)
    return _range_array("arange", arange_block, length, dtype, chunks, name, start, step_value)


def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, chunks: Any = "auto",
             dtype: Any = None, name: str | None = None) -> Array:
    """``num`` evenly spaced values from ``start`` to ``stop``, equal to ``np.linspace``'s.

    >>> linspace(0, 1, 5, chunks=2).compute()
    array([0.  , 0.25, 0.5 , 0.75, 1.  ])
    """
    num = operator.index(num)
    if num < 0:
        raise ChunkArrayValueError(f"linspace: number of samples, {num}, must be non-negative")
    if np.ndim(start) or np.ndim(stop):
        raise ChunkArrayTypeError("linspace: start and stop must be scalars")
    work = np.linspace(start, stop, 0).dtype
    dtype = work if dtype is None else np.dtype(dtype)
    return _range_array("linspace", linspace_block, num, dtype, chunks, name,
                        start, stop, num, bool(endpoint), work)


def eye(N: int, M: int | None = None, k: int = 0, chunks: Any = "auto", dtype: Any = float,
        name: str | None = None) -> Array:
    """A 2-d Array with ones on diagonal ``k`` and zeros elsewhere (as ``np.eye``).

    >>> eye(3, chunks=2, dtype=int).compute()
    array([[1, 0, 0],
           [0, 1, 0],
           [0, 0, 1]])
    """
    N = operator.index(N)
    M = N if M is None else operator.index(M)
    k = operator.index(k)
    shape = parse_shape((N, M), "eye")
    dtype = np.dtype(dtype)
    chunks = normalize_chunks(chunks, shape, dtype=dtype)
    name = name or make_name("eye", shape, k, dtype, chunks_token(chunks))
    layer = Blockwise(name, "ab", eye_block, [(BlockSlices(chunks), "ab"), (k, None)], {},
                      kwargs={"dtype": dtype})
    return Array(Graph.from_layer(layer), name, chunks, dtype)


def _numpy_like(ours: Any) -> Any:
    """Adapt ``np.zeros_like``'s signature to ours (``order``/``subok`` are meaningless here)."""

    def adapter(a: Any, *fill: Any, dtype: Any = None, order: str = "K", subok: bool = True,
                shape: Any = None, device: Any = None) -> Array:
        return ours(a, *fill, dtype=dtype, shape=shape)  # type: ignore[no-any-return]

    adapter.__name__ = ours.__name__
    return adapter


for _np_func, _ours in ((np.zeros_like, zeros_like), (np.ones_like, ones_like),
                        (np.empty_like, empty_like), (np.full_like, full_like)):
    implements(_np_func)(_numpy_like(_ours))
