"""``reshape`` and ``ravel``.

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

import math
from typing import Any

import numpy as np

from chunkarray.array.chunks import blocks_of
from chunkarray.array.core import Array, implements
from chunkarray.array.manipulation import (
    _LETTERS,
    _as_array,
    _blockwise_array,
    _letters,
    transpose,
)
from chunkarray.errors import ChunkArrayTypeError, ChunkArrayValueError
from chunkarray.graph.graph import Graph
from chunkarray.graph.layer import MaterializedLayer
from chunkarray.graph.task import Ref, Task
from chunkarray.tokenize import name as make_name

__all__ = ["ravel", "reshape"]


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
