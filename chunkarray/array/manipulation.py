"""Changing shape and layout: transpose, concatenate, stack, expand/squeeze, broadcast, reshape.

Each function adds one layer (after a rechunk where the input's chunks must change
first). Axis permutations, new and dropped length-one axes, broadcasting and block-wise
reshapes are :class:`Blockwise` layers (so they fuse with elementwise chains);
``concatenate`` and ``stack`` are a :class:`JoinLayer`, which renames the inputs' keys
(an :class:`Alias` per block: no data moves) and makes its tasks on request.

``reshape`` follows NumPy's C order by *groups*: the axes of the old and the new shape
are split into the shortest runs with equal products (length-one axes aside). Inside a
group, once the input's trailing axes are whole and its leading axis is cut in
multiples of ``g = T_out / gcd(T_out, T_in)`` (``T`` the product of a side's trailing
sizes), every input block is one contiguous run of the group's flat index that is also
a whole output block, so each output block is one input block reshaped. The input is
rechunked to that form first (keeping its chunks when they already have it, and blocks
of about the old size otherwise).

>>> import numpy as np
>>> from chunkarray.array.creation import from_array
>>> x = from_array(np.arange(24).reshape(4, 6), chunks=(2, 6))
>>> y = reshape(x, (2, 2, 3, 2))
>>> y.chunks
((1, 1), (2,), (3,), (2,))
>>> bool((y.compute() == np.arange(24).reshape(2, 2, 3, 2)).all())
True
"""

from __future__ import annotations

import itertools
import math
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from chunkarray.array.chunks import Chunks, blocks_of, common_chunks, normalize_chunks
from chunkarray.array.core import Array, asarray_like, implements
from chunkarray.errors import ChunkArrayTypeError, ChunkArrayValueError
from chunkarray.graph.blockwise import Blockwise
from chunkarray.graph.graph import Graph
from chunkarray.graph.layer import Layer, MaterializedLayer
from chunkarray.graph.task import Alias, Ref, Task
from chunkarray.tokenize import name as make_name
from chunkarray.typing import Key

__all__ = [
    "JoinLayer", "broadcast_to", "concatenate", "expand_dims", "moveaxis", "ravel", "reshape",
    "squeeze", "stack", "swapaxes", "transpose",
]

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _as_array(x: Any) -> Array:
    return x if isinstance(x, Array) else asarray_like(x)


def _letters(n: int) -> str:
    if n > len(_LETTERS):
        raise ChunkArrayValueError(f"arrays of more than {len(_LETTERS)} dimensions are not "
                                   f"supported, got {n}")
    return _LETTERS[:n]


def _blockwise_array(name: str, out_ind: str, func: Any, x: Array, in_ind: str,
                     chunks: Sequence[Sequence[int]], dtype: Any, **kwargs: Any) -> Array:
    """One Blockwise layer over ``x``; letters of ``out_ind`` not in ``in_ind`` are new."""
    extra = kwargs.pop("extra_inputs", [])
    known = in_ind + "".join(ind or "" for _, ind in extra)
    new_axes = {c: 1 for c in out_ind if c not in known}
    layer = Blockwise(name, out_ind, func, [(x.name, in_ind), *extra], {x.name: x.numblocks},
                      kwargs=kwargs, new_axes=new_axes)
    return Array(Graph.from_layer(layer, x.graph), name, chunks, dtype)


# -- axis order ------------------------------------------------------------------------------


@implements(np.transpose)
def transpose(x: Any, axes: Sequence[int] | None = None) -> Array:
    """Permute the axes (reverse them by default), block by block.

    Parameters
    ----------
    x : Array or array-like
    axes : sequence of int, optional
        A permutation of the axes (negative allowed); None reverses them.

    Returns
    -------
    Array
        ``x`` itself for the identity permutation.

    Raises
    ------
    ValueError
        ``axes`` is not a permutation of ``x``'s axes.

    Examples
    --------
    >>> import numpy as np
    >>> from chunkarray.array.creation import from_array
    >>> x = from_array(np.arange(6).reshape(2, 3), chunks=(1, 2))
    >>> transpose(x).chunks
    ((2, 1), (1, 1))
    >>> transpose(x).compute()
    array([[0, 3],
           [1, 4],
           [2, 5]])
    """
    x = _as_array(x)
    ndim = x.ndim
    if axes is None:
        perm = tuple(reversed(range(ndim)))
    else:
        perm = normalize_axis_tuple(tuple(axes), ndim, "transpose: axes")
        if len(perm) != ndim:
            raise ChunkArrayValueError(
                f"transpose: axes {tuple(axes)} don't match an array of {ndim} dimensions")
    if perm == tuple(range(ndim)):
        return x
    in_ind = _letters(ndim)
    out_ind = "".join(in_ind[a] for a in perm)
    name = make_name("transpose", x, perm)
    return _blockwise_array(name, out_ind, np.transpose, x, in_ind,
                            [x.chunks[a] for a in perm], x.dtype, axes=perm)


@implements(np.swapaxes)
def swapaxes(x: Any, axis1: int, axis2: int) -> Array:
    """Swap axes ``axis1`` and ``axis2`` (negative allowed); AxisError when out of range.

    Examples
    --------
    >>> import numpy as np
    >>> from chunkarray.array.creation import from_array
    >>> swapaxes(from_array(np.zeros((2, 3, 4)), chunks=2), 0, -1).shape
    (4, 3, 2)
    """
    x = _as_array(x)
    a = normalize_axis_index(axis1, x.ndim, "swapaxes: axis1")
    b = normalize_axis_index(axis2, x.ndim, "swapaxes: axis2")
    perm = list(range(x.ndim))
    perm[a], perm[b] = perm[b], perm[a]
    return transpose(x, perm)


@implements(np.moveaxis)
def moveaxis(x: Any, source: int | Sequence[int], destination: int | Sequence[int]) -> Array:
    """Move axes to new positions, keeping the order of the others (as ``numpy.moveaxis``).

    Parameters
    ----------
    x : Array or array-like
    source, destination : int or sequence of int
        Original and new positions of the moved axes, as many of each.

    Examples
    --------
    >>> import numpy as np
    >>> from chunkarray.array.creation import from_array
    >>> moveaxis(from_array(np.zeros((2, 3, 4)), chunks=2), 0, -1).shape
    (3, 4, 2)
    """
    x = _as_array(x)
    src = normalize_axis_tuple(source, x.ndim, "moveaxis: source")
    dst = normalize_axis_tuple(destination, x.ndim, "moveaxis: destination")
    if len(src) != len(dst):
        raise ChunkArrayValueError(
            f"moveaxis: source {source!r} and destination {destination!r} must have the "
            f"same number of elements")
    order = [n for n in range(x.ndim) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(x, order)


# -- length-one axes and broadcasting -----------------------------------------------------------


@implements(np.expand_dims)
def expand_dims(x: Any, axis: int | Sequence[int]) -> Array:
    """Insert length-one axes (one block each) at the positions ``axis`` of the result.

    Parameters
    ----------
    x : Array or array-like
    axis : int or sequence of int
        Positions in the result (negative allowed).

    Examples
    --------
    >>> import numpy as np
    >>> from chunkarray.array.creation import from_array
    >>> expand_dims(from_array(np.arange(4), chunks=2), (0, 2)).chunks
    ((1,), (2, 2), (1,))
    """
    x = _as_array(x)
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    out_ndim = x.ndim + len(axes)
    new = normalize_axis_tuple(tuple(axes), out_ndim, "expand_dims: axis")
    out_ind = _letters(out_ndim)
    in_ind = "".join(c for i, c in enumerate(out_ind) if i not in new)
    old = iter(x.chunks)
    chunks = [(1,) if i in new else next(old) for i in range(out_ndim)]
    name = make_name("expand_dims", x, new)
    return _blockwise_array(name, out_ind, np.expand_dims, x, in_ind, chunks, x.dtype,
                            axis=new)


def _squeeze_block(nested: Any, depth: int, axis: tuple[int, ...]) -> np.ndarray:
    for _ in range(depth):
        (nested,) = nested
    return np.squeeze(nested, axis=axis)


@implements(np.squeeze)
def squeeze(x: Any, axis: int | Sequence[int] | None = None) -> Array:
    """Remove length-one axes (all of them, or those in ``axis``).

    Parameters
    ----------
    x : Array or array-like
    axis : int or sequence of int, optional

    Raises
    ------
    ValueError
        An axis in ``axis`` does not have length one.

    Examples
    --------
    >>> import numpy as np
    >>> from chunkarray.array.creation import from_array
    >>> squeeze(from_array(np.zeros((1, 3, 1)), chunks=2)).chunks
    ((2, 1),)
    """
    x = _as_array(x)
    if axis is None:
        drop = tuple(i for i, n in enumerate(x.shape) if n == 1)
    else:
        drop = normalize_axis_tuple(axis, x.ndim, "squeeze: axis")
        for a in drop:
            if x.shape[a] != 1:
                raise ChunkArrayValueError(
                    f"squeeze: cannot select axis {a} to squeeze out: it has length "
                    f"{x.shape[a]}, not 1")
    if not drop:
        return x
    in_ind = _letters(x.ndim)
    out_ind = "".join(c for i, c in enumerate(in_ind) if i not in drop)
    chunks = [c for i, c in enumerate(x.chunks) if i not in drop]
    name = make_name("squeeze", x, drop)
    return _blockwise_array(name, out_ind, _squeeze_block, x, in_ind, chunks, x.dtype,
                            depth=len(drop), axis=drop)


class _BlockShapes:
    """Per-block literal: the shape of output block ``index``."""

    def __init__(self, chunks: Chunks) -> None:
        self.chunks = chunks
        self.numblocks = tuple(len(c) for c in chunks)

    def __getitem__(self, index: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(c[i] for c, i in zip(self.chunks, index))

    def __chunkarray_tokenize__(self) -> Any:
        return ("BlockShapes", self.chunks)


def _broadcast_block(block: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    return np.broadcast_to(block, shape)


@implements(np.broadcast_to)
def broadcast_to(x: Any, shape: int | Sequence[int], chunks: Any = None) -> Array:
    """``x`` broadcast to ``shape`` by NumPy's rules (a read-only view per block).

    Parameters
    ----------
    x : Array or array-like
    shape : int or tuple of int
    chunks : optional
        The result's chunks (any form ``normalize_chunks`` accepts); ``x`` is rechunked
        to match them. By default new and stretched axes are one block each and the
        other axes keep ``x``'s chunks.

    Raises
    ------
    ValueError
        ``x``'s shape does not broadcast to ``shape`` (naming both).

    Examples
    --------
    >>> import numpy as np
    >>> from chunkarray.array.creation import from_array
    >>> y = broadcast_to(from_array(np.arange(3), chunks=2), (4, 3), chunks=(2, 2))
    >>> y.chunks
    ((2, 2), (2, 1))
    >>> y.compute()[3]
    array([0, 1, 2])
    """
    x = _as_array(x)
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s)
                                                                            for s in shape)
    lead = len(shape) - x.ndim
    if lead < 0 or any(s < 0 for s in shape) or any(
            n not in (1, s) for n, s in zip(x.shape, shape[lead:])):
        raise ChunkArrayValueError(
            f"broadcast_to: an array of shape {x.shape} cannot be broadcast to shape {shape}")
    stretched = [lead + i for i, (n, s) in enumerate(zip(x.shape, shape[lead:])) if n != s]
    if chunks is None:
        out_chunks = tuple((s,) if i < lead or i in stretched else x.chunks[i - lead]
                           for i, s in enumerate(shape))
    else:
        out_chunks = normalize_chunks(chunks, shape, dtype=x.dtype)
        keep = tuple(x.chunks[i] if lead + i in stretched else out_chunks[lead + i]
                     for i in range(x.ndim))
        x = x.rechunk(keep)
    if shape == x.shape and out_chunks == x.chunks:
        return x
    out_ind = _letters(len(shape))
    shapes = _BlockShapes(out_chunks)
    name = make_name("broadcast_to", x, out_chunks)
    return _blockwise_array(name, out_ind, _broadcast_block, x, out_ind[lead:], out_chunks,
                            x.dtype, extra_inputs=[(shapes, out_ind)])


# -- joining ---------------------------------------------------------------------------------


class JoinLayer(Layer):
    """Blocks of several arrays laid side by side along ``axis`` (or stacked on a new one).

    Output block ``idx`` is block ``idx`` (shifted along ``axis``) of one input: an
    :class:`Alias` when nothing changes, else a task that casts it to ``dtype`` and, for
    ``stack``, inserts the new axis.

    Parameters
    ----------
    name : str
    sources : tuple of str
        Input layer names, in order.
    offsets : tuple of int
        The first output block along ``axis`` of each input, plus the total.
    axis : int
    numblocks : tuple of int
        Output blocks per axis.
    casts : tuple
        Per input, the dtype to cast to, or None.
    stack : bool
        Each input is one block along a new ``axis``.

    Examples
    --------
    >>> layer = JoinLayer("z", ("x", "y"), (0, 2, 3), 0, (3,), (None, None), False)
    >>> layer.task(("z", 2))
    Alias(('y', 0))
    """

    def __init__(self, name: str, sources: tuple[str, ...], offsets: tuple[int, ...], axis: int,
                 numblocks: tuple[int, ...], casts: tuple[Any, ...], stack: bool) -> None:
        self.name = name
        self.sources = sources
        self.offsets = offsets
        self.axis = axis
        self.numblocks = numblocks
        self.casts = casts
        self.stack = stack
        self.dependencies = frozenset(sources)

    def keys(self) -> Iterator[Key]:
        for idx in itertools.product(*(range(n) for n in self.numblocks)):
            yield (self.name, *idx)

    def __len__(self) -> int:
        return math.prod(self.numblocks)

    def _index(self, key: object) -> tuple[int, ...]:
        if type(key) is not tuple or len(key) != len(self.numblocks) + 1 or key[0] != self.name:
            raise KeyError(key)
        idx = key[1:]
        if not all(type(i) is int and 0 <= i < n for i, n in zip(idx, self.numblocks)):
            raise KeyError(key)
        return idx

    def __contains__(self, key: object) -> bool:
        try:
            self._index(key)
        except KeyError:
            return False
        return True

    def task(self, key: Key) -> Any:
        idx = list(self._index(key))
        i = idx[self.axis]
        k = bisect_right(self.offsets, i) - 1
        if self.stack:
            del idx[self.axis]
        else:
            idx[self.axis] = i - self.offsets[k]
        source = (self.sources[k], *idx)
        if not self.stack and self.casts[k] is None:
            return Alias(source)
        return Task(_join_block, Ref(source), self.axis if self.stack else None, self.casts[k])

    def __repr__(self) -> str:
        return f"JoinLayer({self.name!r}, {len(self)} tasks)"


def _join_block(block: np.ndarray, new_axis: int | None, dtype: Any) -> np.ndarray:
    if new_axis is not None:
        block = np.expand_dims(block, new_axis)
    return block if dtype is None else block.astype(dtype)


def _join_inputs(seq: Any, func: str) -> list[Array]:
    if isinstance(seq, Array) or not isinstance(seq, Sequence):
        raise ChunkArrayTypeError(f"{func}: expected a sequence of arrays, got "
                                  f"{type(seq).__name__}")
    arrays = [_as_array(a) for a in seq]
    if not arrays:
        raise ChunkArrayValueError(f"{func}: need at least one array")
    return arrays


def _join_dtype(arrays: list[Array], dtype: Any, casting: str, func: str) -> np.dtype[Any]:
    if dtype is None:
        return np.result_type(*(a.dtype for a in arrays))
    dtype = np.dtype(dtype)
    for a in arrays:
        if not np.can_cast(a.dtype, dtype, casting=casting):
            raise ChunkArrayTypeError(
                f"{func}: cannot cast array data from {a.dtype!r} to {dtype!r} according "
                f"to the rule {casting!r}")
    return dtype


def _unify(arrays: list[Array], skip: int | None) -> list[Array]:
    """Rechunk ``arrays`` to common chunks on every axis but ``skip``."""
    ndim = arrays[0].ndim
    target = []
    for d in range(ndim):
        per = [a.chunks[d] for a in arrays]
        target.append(per[0] if d == skip or all(c == per[0] for c in per)
                      else common_chunks(*per))
    return [a.rechunk(tuple(a.chunks[d] if d == skip else target[d] for d in range(ndim)))
            for a in arrays]


def _join(arrays: list[Array], axis: int, dtype: np.dtype[Any], stack: bool,
          chunks_along: tuple[int, ...], prefix: str) -> Array:
    arrays = _unify(arrays, None if stack else axis)
    first = arrays[0].chunks
    per_input = [1 if stack else a.numblocks[axis] for a in arrays]
    offsets = tuple(itertools.accumulate(per_input, initial=0))
    if stack:
        chunks = (*first[:axis], chunks_along, *first[axis:])
    else:
        chunks = (*first[:axis], chunks_along, *first[axis + 1:])
    casts = tuple(None if a.dtype == dtype else dtype for a in arrays)
    name = make_name(prefix, *arrays, axis, str(dtype))
    layer = JoinLayer(name, tuple(a.name for a in arrays), offsets, axis,
                      tuple(len(c) for c in chunks), casts, stack)
    return Array(Graph.from_layer(layer, *(a.graph for a in arrays)), name, chunks, dtype)


@implements(np.concatenate)
def concatenate(seq: Sequence[Any], axis: int | None = 0, out: Any = None, dtype: Any = None,
                casting: str = "same_kind") -> Array:
    """Join arrays along an existing axis; the result reuses the inputs' blocks.

    Parameters
    ----------
    seq : sequence of Array or array-like
    axis : int or None
        The axis to join along; None joins the flattened arrays.
    dtype : dtype, optional
        The result's dtype (NumPy's promotion of the inputs' by default).
    casting : str
        How the inputs may be cast to ``dtype``.

    Returns
    -------
    Array
        Its chunks along ``axis`` are the inputs' own; along the other axes the inputs
        are rechunked to common chunks where they differ.

    Raises
    ------
    ValueError
        No arrays, 0-d arrays, or shapes that differ off ``axis``.
    TypeError
        ``out=``, or a cast ``casting`` does not allow.

    Examples
    --------
    >>> import numpy as np
    >>> from chunkarray.array.creation import from_array
    >>> x = from_array(np.arange(4), chunks=2)
    >>> y = concatenate([x, from_array(np.arange(3), chunks=3)])
    >>> y.chunks
    ((2, 2, 3),)
    >>> y.compute()
    array([0, 1, 2, 3, 0, 1, 2])
    """
    if out is not None:
        raise ChunkArrayTypeError("concatenate: out= is not supported (arrays are immutable)")
    arrays = _join_inputs(seq, "concatenate")
    if axis is None:
        arrays = [ravel(a) for a in arrays]
        axis = 0
    ndim = arrays[0].ndim
    if ndim == 0:
        raise ChunkArrayValueError("concatenate: zero-dimensional arrays cannot be concatenated")
    for i, a in enumerate(arrays):
        if a.ndim != ndim:
            raise ChunkArrayValueError(
                f"concatenate: all arrays must have the same number of dimensions, but the "
                f"array at index 0 has {ndim} and the array at index {i} has {a.ndim}")
    axis = normalize_axis_index(axis, ndim, "concatenate: axis")
    for i, a in enumerate(arrays):
        for d in range(ndim):
            if d != axis and a.shape[d] != arrays[0].shape[d]:
                raise ChunkArrayValueError(
                    f"concatenate: all dimensions except the concatenation axis must match, "
                    f"but along dimension {d} the array at index 0 has size "
                    f"{arrays[0].shape[d]} and the array at index {i} has size {a.shape[d]}")
    dtype = _join_dtype(arrays, dtype, casting, "concatenate")
    # A zero-length block inside an axis is not a valid chunking: drop empty inputs.
    nonempty = [a for a in arrays if a.shape[axis] != 0] or arrays[:1]
    if len(nonempty) == 1:
        a = nonempty[0]
        return a if a.dtype == dtype else a.astype(dtype)
    along = tuple(c for a in nonempty for c in a.chunks[axis])
    return _join(nonempty, axis, dtype, False, along, "concatenate")


@implements(np.stack)
def stack(seq: Sequence[Any], axis: int = 0, out: Any = None, dtype: Any = None,
          casting: str = "same_kind") -> Array:
    """Join arrays of one shape along a new axis (one block per input along it).

    Parameters
    ----------
    seq : sequence of Array or array-like
    axis : int
        The position of the new axis in the result.
    dtype, casting
        As for :func:`concatenate`.

    Raises
    ------
    ValueError
        No arrays, or arrays of different shapes.

    Examples
    --------
    >>> import numpy as np
    >>> from chunkarray.array.creation import from_array
    >>> x = from_array(np.arange(4), chunks=2)
    >>> y = stack([x, x], axis=1)
    >>> y.chunks
    ((2, 2), (1, 1))
    """
    if out is not None:
        raise ChunkArrayTypeError("stack: out= is not supported (arrays are immutable)")
    arrays = _join_inputs(seq, "stack")
    shape = arrays[0].shape
    for i, a in enumerate(arrays):
        if a.shape != shape:
            raise ChunkArrayValueError(
                f"stack: all input arrays must have the same shape, but the array at index 0 "
                f"has shape {shape} and the array at index {i} has shape {a.shape}")
    axis = normalize_axis_index(axis, len(shape) + 1, "stack: axis")
    dtype = _join_dtype(arrays, dtype, casting, "stack")
    return _join(arrays, axis, dtype, True, (1,) * len(arrays), "stack")


# -- reshape ---------------------------------------------------------------------------------


def _parse_shape(shape: Any, size: int) -> tuple[int, ...]:
    dims = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if any(not isinstance(d, (int, np.integer)) or isinstance(d, bool) for d in dims):
        raise ChunkArrayTypeError(f"reshape: shape must hold ints, got {shape!r}")
    dims = tuple(int(d) for d in dims)
    unknown = [i for i, d in enumerate(dims) if d == -1]
    if len(unknown) > 1 or any(d < -1 for d in dims):
        raise ChunkArrayValueError(
            f"reshape: shape {dims} may hold one -1 and otherwise sizes >= 0")
    known = math.prod(d for d in dims if d != -1)
    if unknown and known and size % known == 0:
        dims = tuple(size // known if d == -1 else d for d in dims)
    if -1 in dims or math.prod(dims) != size:
        raise ChunkArrayValueError(f"reshape: cannot reshape an array of size {size} into "
                                   f"shape {shape if isinstance(shape, int) else tuple(shape)}")
    return dims


def _groups(old: tuple[int, ...], new: tuple[int, ...]) -> list[tuple[list[int], list[int]]]:
    """The shortest runs of non-1 axes of ``old`` and ``new`` with equal products."""
    ins = [i for i, n in enumerate(old) if n != 1]
    outs = [j for j, n in enumerate(new) if n != 1]
    groups = []
    a = b = 0
    while a < len(ins):
        gi, go = [ins[a]], [outs[b]]
        pin, pout = old[ins[a]], new[outs[b]]
        while pin != pout:
            if pin < pout:
                a += 1
                gi.append(ins[a])
                pin *= old[ins[a]]
            else:
                b += 1
                go.append(outs[b])
                pout *= new[outs[b]]
        groups.append((gi, go))
        a += 1
        b += 1
    return groups


def _leading_chunks(x: Array, gi: list[int], g: int, t_in: int) -> tuple[int, ...]:
    """Chunks of the group's leading input axis: multiples of ``g``, blocks about as big."""
    old = x.chunks[gi[0]]
    trailing_whole = all(len(x.chunks[i]) == 1 for i in gi[1:])
    if trailing_whole and all(c % g == 0 for c in old):
        return old
    budget = math.prod(max(x.chunks[i]) for i in gi)
    size = max(g, budget // (t_in * g) * g)
    return blocks_of(x.shape[gi[0]], min(size, x.shape[gi[0]]))


def _reshape_block(nested: Any, depth: int, shape: tuple[int, ...],
                   leads: tuple[tuple[int, int, int, int], ...]) -> np.ndarray:
    for _ in range(depth):
        (nested,) = nested
    out = list(shape)
    for out_axis, in_axis, t_in, t_out in leads:
        out[out_axis] = nested.shape[in_axis] * t_in // t_out
    return np.reshape(nested, out)


def _whole_block(x: Array, shape: tuple[int, ...], name: str) -> Array:
    """A one-block result: an empty array, or the reshape of a one-block input."""
    key = (name, *(0,) * len(shape))
    if x.size == 0:
        layer = MaterializedLayer(name, {key: Task(np.empty, shape, x.dtype)})
        graph = Graph.from_layer(layer)
    else:
        source = Ref((x.name, *(0,) * x.ndim))
        layer = MaterializedLayer(name, {key: Task(np.reshape, source, shape)},
                                  dependencies=frozenset((x.name,)))
        graph = Graph.from_layer(layer, x.graph)
    return Array(graph, name, tuple((s,) for s in shape), x.dtype)


@implements(np.reshape)
def reshape(x: Any, shape: Any = None, order: str = "C", *, newshape: Any = None,
            copy: bool | None = None) -> Array:
    """The same elements in a new shape, in NumPy's C order (``-1`` for one size).

    Parameters
    ----------
    x : Array or array-like
    shape : int or tuple of int
        The new shape; one entry may be -1. ``newshape=`` is accepted as an alias.
    order : {"C", "F", "A"}
        "F" is the C-order reshape of the transposes; "A" is "C".

    Returns
    -------
    Array
        Axes merged or split follow the chunk boundaries when they can; otherwise the
        trailing axes of each merged or split group are made whole first (see the module
        docstring).

    Raises
    ------
    ValueError
        The sizes do not match, more than one -1, or unknown chunk sizes.

    Examples
    --------
    >>> import numpy as np
    >>> from chunkarray.array.creation import from_array
    >>> x = from_array(np.arange(12).reshape(3, 4), chunks=(1, 4))
    >>> reshape(x, -1).chunks
    ((4, 4, 4),)
    >>> reshape(x, (2, -1)).compute()
    array([[ 0,  1,  2,  3,  4,  5],
           [ 6,  7,  8,  9, 10, 11]])
    """
    x = _as_array(x)
    if shape is None:
        shape = newshape
    if shape is None:
        raise ChunkArrayTypeError("reshape: missing the new shape")
    if order == "F":
        return transpose(reshape(transpose(x), tuple(reversed(_tuple(shape)))))
    if order not in ("C", "A"):
        raise ChunkArrayValueError(f"reshape: order must be 'C', 'F' or 'A', got {order!r}")
    if any(math.isnan(c) for axis in x.chunks for c in axis):
        raise ChunkArrayValueError(
            "reshape: x has unknown chunk sizes (nan); call x.compute_chunk_sizes() first")
    new = _parse_shape(shape, x.size)
    if new == x.shape:
        return x
    name = make_name("reshape", x, new)
    if x.size == 0 or x.npartitions == 1:
        return _whole_block(x, new, name)
    return _reshape_groups(x, new, name)


def _tuple(shape: Any) -> tuple[Any, ...]:
    return (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)


def _reshape_groups(x: Array, new: tuple[int, ...], name: str) -> Array:
    in_ind = list(_letters(x.ndim))
    out_ind = list(_LETTERS[len(_LETTERS) - len(new):])  # letters disjoint from in_ind
    target = [(1,) if n == 1 else (n,) for n in x.shape]
    out_chunks = [(n,) for n in new]
    leads = []
    for gi, go in _groups(x.shape, new):
        t_in = math.prod(x.shape[i] for i in gi[1:])
        t_out = math.prod(new[j] for j in go[1:])
        g = t_out // math.gcd(t_out, t_in)
        lead = _leading_chunks(x, gi, g, t_in)
        target[gi[0]] = lead
        out_chunks[go[0]] = tuple(c * t_in // t_out for c in lead)
        out_ind[go[0]] = in_ind[gi[0]]
        leads.append((go[0], gi[0], t_in, t_out))
    x = x.rechunk(tuple(target))
    shared = set(out_ind)
    depth = sum(1 for c in in_ind if c not in shared)
    return _blockwise_array(name, "".join(out_ind), _reshape_block, x, "".join(in_ind),
                            out_chunks, x.dtype, depth=depth, shape=new, leads=tuple(leads))


@implements(np.ravel)
def ravel(x: Any, order: str = "C") -> Array:
    """The elements as a 1-d array, in C order.

    >>> import numpy as np
    >>> from chunkarray.array.creation import from_array
    >>> ravel(from_array(np.arange(6).reshape(2, 3), chunks=(1, 3))).chunks
    ((3, 3),)
    """
    return reshape(x, (-1,), order=order)


# Methods NumPy users expect on an array; each is the function above.
Array.reshape = lambda self, *shape, **kw: reshape(  # type: ignore[attr-defined]
    self, shape[0] if len(shape) == 1 else shape, **kw)
Array.ravel = lambda self: ravel(self)  # type: ignore[attr-defined]
Array.flatten = lambda self: ravel(self)  # type: ignore[attr-defined]
Array.squeeze = lambda self, axis=None: squeeze(self, axis)  # type: ignore[attr-defined]
Array.swapaxes = lambda self, a, b: swapaxes(self, a, b)  # type: ignore[attr-defined]
