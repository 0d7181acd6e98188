"""The Array collection: a grid of NumPy blocks described by one task graph.

An Array is its graph, its name (keys are ``(name, i, j, ...)``), its chunks (block
sizes per axis) and its dtype. Every operation returns a new Array whose graph
adds one layer; nothing runs until ``compute``, ``persist`` or ``store``.

>>> import numpy as np
>>> import chunkarray.array as caa
>>> x = caa.from_array(np.arange(10), chunks=4)
>>> x
chunkarray.Array<array, shape=(10,), dtype=int64, chunksize=(4,), chunks=3, tasks=3>
>>> (x + 1).sum().compute()
np.int64(55)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

from chunkarray import base
from chunkarray.errors import ChunkArrayTypeError
from chunkarray.graph.graph import Graph
from chunkarray.graph.keys import key_prefix
from chunkarray.graph.layer import MaterializedLayer
from chunkarray.runtime.memory import held_task
from chunkarray.typing import Key

# NumPy functions with a lazy implementation: numpy function -> our function.
HANDLED_FUNCTIONS: dict[Callable[..., Any], Callable[..., Any]] = {}


def implements(*numpy_functions: Callable[..., Any]) -> Callable[[Any], Any]:
    """Register a function as the lazy version of NumPy functions (``np.sum(x)``)."""

    def register(func: Any) -> Any:
        for f in numpy_functions:
            HANDLED_FUNCTIONS[f] = func
        return func

    return register


class Array:
    """A lazy chunked N-dimensional array.

    Parameters
    ----------
    graph : Graph
        The graph computing the blocks.
    name : str
        The output layer's name; block keys are ``(name, *block_index)``.
    chunks : tuple of tuples
        Block sizes per axis (``nan`` where unknown until computed).
    dtype : dtype
    """

    __slots__ = ("_graph", "_name", "_chunks", "_dtype", "__weakref__")
    __array_priority__ = 11

    def __init__(self, graph: Graph, name: str, chunks: Any, dtype: Any) -> None:
        self._graph = graph
        self._name = name
        self._chunks = tuple(tuple(c) for c in chunks)
        self._dtype = np.dtype(dtype)
        layer = graph.own_layer(name)
        if layer is not None and layer.block_nbytes is None:
            try:
                layer.block_nbytes = BlockBytes(self._chunks, self._dtype.itemsize)
            except AttributeError:  # a layer type without room for the hint
                pass

    # -- metadata --
    @property
    def graph(self) -> Graph:
        return self._graph

    @property
    def name(self) -> str:
        return self._name

    @property
    def chunks(self) -> tuple[tuple[Any, ...], ...]:
        return self._chunks

    @property
    def dtype(self) -> np.dtype[Any]:
        return self._dtype

    @property
    def shape(self) -> tuple[Any, ...]:
        return tuple(sum(c) if not any(math.isnan(x) for x in c) else math.nan
                     for c in self._chunks)

    @property
    def ndim(self) -> int:
        return len(self._chunks)

    @property
    def size(self) -> Any:
        return math.prod(self.shape)

    @property
    def nbytes(self) -> Any:
        return self.size * self._dtype.itemsize

    @property
    def itemsize(self) -> int:
        return self._dtype.itemsize

    @property
    def numblocks(self) -> tuple[int, ...]:
        return tuple(len(c) for c in self._chunks)

    @property
    def npartitions(self) -> int:
        return math.prod(self.numblocks)

    @property
    def chunksize(self) -> tuple[Any, ...]:
        return tuple(max(c) if c else 0 for c in self._chunks)

    @property
    def blocks(self) -> BlockView:
        """Index the grid of blocks: ``x.blocks[0, 1:3]`` is an Array of those blocks."""
        return BlockView(self)

    @property
    def T(self) -> Array:
        return self.transpose()

    @property
    def mT(self) -> Array:
        from chunkarray.array.manipulation import swapaxes

        return swapaxes(self, -1, -2)

    def __len__(self) -> int:
        if not self._chunks:
            raise ChunkArrayTypeError("len() of unsized object")
        n = self.shape[0]
        if isinstance(n, float):
            raise ChunkArrayTypeError("len(): the length is unknown; call compute_chunk_sizes()")
        return int(n)

    def __repr__(self) -> str:
        return (
            f"chunkarray.Array<{key_prefix(self._name)}, shape={self.shape}, "
            f"dtype={self._dtype}, chunksize={self.chunksize}, chunks={self.npartitions}, "
            f"tasks={len(self._graph)}>"
        )

    def _repr_html_(self) -> str:
        from chunkarray.array.svg import array_html

        return array_html(self)

    def __chunkarray_tokenize__(self) -> Any:
        # The name is already a token of the inputs; chunks are summarised cheaply.
        return ("Array", self._name, self.numblocks, str(self._dtype))

    # -- the collection protocol --
    def __chunkarray_graph__(self) -> Graph:
        return self._graph

    def __chunkarray_keys__(self) -> Any:
        return _nested_keys(self._name, self.numblocks, ())

    def __chunkarray_finalize__(self, results: Any) -> np.ndarray:
        return concatenate_nested(results, self.ndim)

    def __chunkarray_rebuild__(self, values: Mapping[Key, Any]) -> Array:
        layer = MaterializedLayer(self._name, {k: held_task(v) for k, v in values.items()})
        chunks = self._chunks
        if any(math.isnan(c) for cs in chunks for c in cs):
            from chunkarray.array.slicing import chunks_from_blocks

            chunks = chunks_from_blocks(values, self._name, self.numblocks)
        return Array(Graph.from_layer(layer), self._name, chunks, self._dtype)

    compute = base.collection_method(base.compute)
    persist = base.collection_method(base.persist)

    def visualize(self, filename: str | None = None, **kwargs: Any) -> Any:
        """Draw this array's task graph; see :func:`chunkarray.visualize`."""
        return base.visualize(self, filename=filename, **kwargs)

    # -- NumPy interoperability --
    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        result = np.asarray(self.compute())
        return result.astype(dtype) if dtype is not None else result

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        from chunkarray.array import elementwise

        if kwargs.get("out") is not None:
            raise ChunkArrayTypeError(
                f"{ufunc.__name__}: out= is not supported on chunkarray arrays (they are "
                f"immutable); use the returned array"
            )
        if method == "__call__" and ufunc is np.matmul:
            from chunkarray.array.linalg import matmul

            return matmul(*inputs, **kwargs)
        if method == "__call__":
            return elementwise.apply_ufunc(ufunc, *inputs, **kwargs)
        if method == "reduce" and ufunc in elementwise.UFUNC_REDUCTIONS:
            from chunkarray.array import reductions

            kwargs.setdefault("axis", 0)  # NumPy's default for ufunc.reduce
            return getattr(reductions, elementwise.UFUNC_REDUCTIONS[ufunc])(*inputs, **kwargs)
        raise ChunkArrayTypeError(
            f"{ufunc.__name__}.{method} is not implemented for chunkarray arrays"
        )

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        impl = HANDLED_FUNCTIONS.get(func)
        if impl is None:
            module = getattr(func, "__module__", None) or "numpy"  # numpy.linalg.svd
            raise ChunkArrayTypeError(
                f"{module}.{func.__name__} is not implemented for chunkarray arrays; it would "
                f"load the whole array. Call .compute() first if the result fits in memory"
            )
        return impl(*args, **kwargs)

    def __array_namespace__(self, api_version: str | None = None) -> Any:
        import chunkarray.array

        return chunkarray.array

    def __bool__(self) -> bool:
        if self.size != 1:
            raise ValueError(
                "The truth value of an array with more than one element is ambiguous"
            )
        return bool(self.compute())

    def __int__(self) -> int:
        return int(self.compute())

    def __float__(self) -> float:
        return float(self.compute())

    def __complex__(self) -> complex:
        return complex(self.compute())

    def __index__(self) -> int:
        return int(self.compute().__index__())

    def __iter__(self) -> Iterator[Array]:
        for i in range(len(self)):
            yield self[i]

    # -- methods defined in their own modules --
    def __getitem__(self, index: Any) -> Array:
        from chunkarray.array.slicing import getitem

        return getitem(self, index)

    def __setitem__(self, index: Any, value: Any) -> None:
        from chunkarray.array.slicing import setitem

        result = setitem(self, index, value)
        self._graph, self._name = result._graph, result._name
        self._chunks, self._dtype = result._chunks, result._dtype

    def rechunk(self, chunks: Any = "auto", **kwargs: Any) -> Array:
        from chunkarray.array.rechunk import rechunk

        return rechunk(self, chunks, **kwargs)

    def astype(self, dtype: Any, casting: str = "unsafe", copy: bool = True) -> Array:
        from chunkarray.array.elementwise import astype

        return astype(self, dtype, casting=casting)

    def map_blocks(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Array:
        from chunkarray.array.blockwise import map_blocks

        return map_blocks(func, self, *args, **kwargs)  # type: ignore[no-any-return]

    def transpose(self, *axes: Any) -> Array:
        from chunkarray.array.manipulation import transpose

        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return transpose(self, axes or None)

    def compute_chunk_sizes(self) -> Array:
        """Compute unknown (``nan``) chunk sizes, e.g. after a boolean mask."""
        from chunkarray.array.slicing import compute_chunk_sizes

        return compute_chunk_sizes(self)

    def store(self, target: Any, **kwargs: Any) -> Any:
        from chunkarray.array.io import store

        return store(self, target, **kwargs)

    def to_zarr(self, *args: Any, **kwargs: Any) -> Any:
        from chunkarray.array.io import to_zarr

        return to_zarr(self, *args, **kwargs)

    def to_hdf5(self, *args: Any, **kwargs: Any) -> Any:
        from chunkarray.array.io import to_hdf5

        return to_hdf5(self, *args, **kwargs)

    def to_npy(self, *args: Any, **kwargs: Any) -> Any:
        from chunkarray.array.io import to_npy

        return to_npy(self, *args, **kwargs)

    def to_delayed(self) -> Any:
        """One Delayed per block, as a nested list (NumPy object array)."""
        from chunkarray.delayed import Delayed

        out = np.empty(self.numblocks, dtype=object)
        for idx in np.ndindex(*self.numblocks):
            out[idx] = Delayed((self._name, *idx), self._graph)
        return out


class BlockBytes:
    """Block index -> bytes of that block (0 where sizes are unknown)."""

    __slots__ = ("chunks", "itemsize")

    def __init__(self, chunks: tuple[tuple[Any, ...], ...], itemsize: int) -> None:
        self.chunks = chunks
        self.itemsize = itemsize

    def __call__(self, index: tuple[int, ...]) -> int:
        n = self.itemsize
        try:
            for sizes, i in zip(self.chunks, index):
                n *= sizes[i]
        except (IndexError, TypeError):
            return 0
        return 0 if n != n else int(n)  # nan: unknown


class BlockView:
    """``x.blocks[...]``: an Array made of a selection of ``x``'s blocks."""

    def __init__(self, array: Array) -> None:
        self.array = array

    def __getitem__(self, index: Any) -> Array:
        from chunkarray.array.slicing import select_blocks

        return select_blocks(self.array, index)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.array.numblocks

    @property
    def size(self) -> int:
        return self.array.npartitions


def _nested_keys(name: str, numblocks: tuple[int, ...], prefix: tuple[int, ...]) -> Any:
    if not numblocks:
        return (name, *prefix)
    return [_nested_keys(name, numblocks[1:], (*prefix, i)) for i in range(numblocks[0])]


def concatenate_nested(results: Any, ndim: int) -> np.ndarray:
    """Join a nested list of blocks (depth ``ndim``) into one array."""
    if ndim == 0:
        # The block itself: a NumPy scalar from a reduction, a 0-d array otherwise.
        return results if isinstance(results, (np.ndarray, np.generic)) else np.asarray(results)
    single = results
    for _ in range(ndim):
        if len(single) != 1:
            return np.block(results)
        single = single[0]
    return np.asarray(single)


def asarray_like(value: Any) -> Array:
    """A NumPy array (or array-like) as a one-block Array."""
    from chunkarray.array.creation import from_array

    return from_array(np.asarray(value), chunks=-1)
