"""Products over contracted axes: tensordot, dot, matmul.

Each is one :func:`~chunkarray.array.blockwise.blockwise` call whose contracted axes are
index letters the output does not have. A task receives the blocks along those axes
as (nested) lists and sums the products of matching pairs, so no task concatenates a
whole contracted axis: it holds its input blocks and one running sum. Inputs sharing
a contracted letter are rechunked to common chunks along it by ``blockwise``.

Sums of bool products are logical ORs (as NumPy's bool ``dot``), and integer
products wrap in the result dtype as NumPy's do.

>>> import numpy as np
>>> from chunkarray.array.creation import from_array
>>> a = from_array(np.arange(6).reshape(2, 3), chunks=(1, 2))
>>> matmul(a, a.T).compute()
array([[ 5, 14],
       [14, 50]])
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from chunkarray.array.blockwise import blockwise
from chunkarray.array.core import Array, asarray_like, implements
from chunkarray.errors import ChunkArrayTypeError, ChunkArrayValueError
from chunkarray.tokenize import name as make_name

__all__ = ["dot", "matmul", "tensordot"]

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _as_array(x: Any) -> Array:
    return x if isinstance(x, Array) else asarray_like(x)


def _pick(nested: Any, index: Sequence[int]) -> Any:
    for i in index:
        nested = nested[i]
    return nested


def _lengths(nested: Any, depth: int) -> list[int]:
    out = []
    for _ in range(depth):
        out.append(len(nested))
        nested = nested[0]
    return out


def sum_of_products(a_blocks: Any, b_blocks: Any, *, product: Any, b_order: tuple[int, ...],
                    depth: int, **kwargs: Any) -> Any:
    """``sum(product(a[i], b[i], **kwargs))`` over every block index ``i`` of the contraction.

    ``a_blocks`` and ``b_blocks`` are nested lists ``depth`` deep (one level per
    contracted letter, in each input's own axis order); ``b_order[k]`` is the level of
    ``a_blocks`` that level ``k`` of ``b_blocks`` follows.

    >>> sum_of_products([1, 2], [3, 4], product=np.multiply, b_order=(0,), depth=1)
    np.int64(11)
    """
    total = None
    for index in itertools.product(*(range(n) for n in _lengths(a_blocks, depth))):
        a = _pick(a_blocks, index)
        b = _pick(b_blocks, [index[k] for k in b_order])
        part = product(a, b, **kwargs)
        # Array addition (not scalar): integer overflow wraps silently, as in NumPy.
        total = part if total is None else np.add(np.asarray(total), np.asarray(part))
    return total


def _contract(func: Any, label: str, a: Array, a_ind: str, b: Array, b_ind: str, out_ind: str,
              dtype: Any, **kwargs: Any) -> Array:
    contracted = [c for c in a_ind if c not in out_ind]
    b_contracted = [c for c in b_ind if c not in out_ind]
    b_order = tuple(contracted.index(c) for c in b_contracted)
    name = make_name(label, a, a_ind, b, b_ind, out_ind, kwargs)
    return blockwise(  # type: ignore[no-any-return]
        sum_of_products, out_ind, a, a_ind, b, b_ind, dtype=dtype, name=name,
        product=func, b_order=b_order, depth=len(contracted), **kwargs)


def _block_tensordot(a: np.ndarray, b: np.ndarray, axes: Any) -> np.ndarray:
    return np.tensordot(a, b, axes=axes)


@implements(np.tensordot)
def tensordot(a: Any, b: Any, axes: int | Sequence[Any] = 2) -> Array:
    """Sum of products over ``axes`` (the last ``axes`` of ``a`` and the first of ``b``, or
    a pair of axis lists), as ``numpy.tensordot``.

    Parameters
    ----------
    a, b : Array or array-like
    axes : int or (sequence of int, sequence of int)

    Returns
    -------
    Array
        ``a``'s free axes followed by ``b``'s.

    Raises
    ------
    ValueError
        Contracted axes of different lengths, or axis lists of different lengths.

    Examples
    --------
    >>> import numpy as np
    >>> from chunkarray.array.creation import from_array
    >>> a = from_array(np.arange(24).reshape(2, 3, 4), chunks=2)
    >>> b = from_array(np.arange(12).reshape(4, 3), chunks=2)
    >>> tensordot(a, b, axes=([1, 2], [1, 0])).compute()
    array([ 440, 1232])
    """
    a, b = _as_array(a), _as_array(b)
    a_axes, b_axes = _parse_axes(axes, a.ndim, b.ndim)
    for i, j in zip(a_axes, b_axes):
        if a.shape[i] != b.shape[j]:
            raise ChunkArrayValueError(
                f"tensordot: shape-mismatch for sum: axis {i} of a has length {a.shape[i]} "
                f"but axis {j} of b has length {b.shape[j]}")
    if a.ndim == 0 or b.ndim == 0:
        return _outer_with_scalar(a, b)
    if a.ndim + b.ndim - len(a_axes) > len(_LETTERS):
        raise ChunkArrayValueError("tensordot: too many dimensions")
    letters = iter(_LETTERS)
    a_ind = [next(letters) for _ in range(a.ndim)]
    b_ind = [next(letters) for _ in range(b.ndim)]
    for i, j in zip(a_axes, b_axes):
        b_ind[j] = a_ind[i]
    out_ind = [c for i, c in enumerate(a_ind) if i not in a_axes]
    out_ind += [c for j, c in enumerate(b_ind) if j not in b_axes]
    dtype = np.tensordot(_sample(a), _sample(b), axes=(a_axes, b_axes)).dtype
    return _contract(_block_tensordot, "tensordot", a, "".join(a_ind), b, "".join(b_ind),
                     "".join(out_ind), dtype, axes=(a_axes, b_axes))


def _outer_with_scalar(a: Array, b: Array) -> Array:
    """``tensordot(a, b, 0)`` when an operand is 0-d: through a length-one axis.

    (``blockwise`` does not take 0-d arrays, whose index is the empty string.)
    """
    from chunkarray.array.manipulation import expand_dims, squeeze

    a1 = expand_dims(a, 0) if a.ndim == 0 else a
    b1 = expand_dims(b, 0) if b.ndim == 0 else b
    drop = ((0,) if a.ndim == 0 else ()) + ((a1.ndim,) if b.ndim == 0 else ())
    return squeeze(tensordot(a1, b1, 0), drop)


def _sample(x: Array) -> np.ndarray:
    return np.ones((1,) * x.ndim, dtype=x.dtype)


def _parse_axes(axes: Any, a_ndim: int, b_ndim: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if n < 0 or n > a_ndim or n > b_ndim:
            raise ChunkArrayValueError(
                f"tensordot: axes={n} needs 0 <= axes <= the dimensions of both arrays "
                f"({a_ndim} and {b_ndim})")
        return tuple(range(a_ndim - n, a_ndim)), tuple(range(n))
    try:
        a_axes, b_axes = axes
    except (TypeError, ValueError):
        raise ChunkArrayTypeError(
            f"tensordot: axes must be an int or a pair of axis lists, got {axes!r}") from None
    a_t = normalize_axis_tuple(a_axes, a_ndim, "tensordot: axes of a")
    b_t = normalize_axis_tuple(b_axes, b_ndim, "tensordot: axes of b")
    if len(a_t) != len(b_t):
        raise ChunkArrayValueError(
            f"tensordot: the axis lists have different lengths ({len(a_t)} and {len(b_t)})")
    return a_t, b_t


@implements(np.dot)
def dot(a: Any, b: Any, out: Any = None) -> Array:
    """NumPy's ``dot``: a product with a scalar, the inner product of vectors, or the sum
    over the last axis of ``a`` and the second-to-last of ``b`` (the last if 1-d).

    Parameters
    ----------
    a, b : Array or array-like

    Raises
    ------
    ValueError
        The summed axes have different lengths.
    TypeError
        ``out=`` (arrays are immutable).

    Examples
    --------
    >>> import numpy as np
    >>> from chunkarray.array.creation import from_array
    >>> v = from_array(np.arange(5), chunks=2)
    >>> int(dot(v, v).compute())
    30
    """
    if out is not None:
        raise ChunkArrayTypeError("dot: out= is not supported (arrays are immutable)")
    a, b = _as_array(a), _as_array(b)
    if a.ndim == 0 or b.ndim == 0:
        return tensordot(a, b, axes=0)
    b_axis = 0 if b.ndim == 1 else b.ndim - 2
    if a.shape[-1] != b.shape[b_axis]:
        raise ChunkArrayValueError(
            f"dot: shapes {a.shape} and {b.shape} not aligned: {a.shape[-1]} (dim "
            f"{a.ndim - 1}) != {b.shape[b_axis]} (dim {b_axis})")
    return tensordot(a, b, axes=((a.ndim - 1,), (b_axis,)))


@implements(np.matmul)
def matmul(a: Any, b: Any) -> Array:
    """The matrix product of the last two axes, broadcasting the leading ones, as ``a @ b``.

    A 1-d ``a`` is a row vector and a 1-d ``b`` a column vector, whose added axis is
    removed from the result (NumPy's rules).

    Parameters
    ----------
    a, b : Array or array-like

    Returns
    -------
    Array
        The broadcast leading axes, then the rows of ``a`` and the columns of ``b``.

    Raises
    ------
    ValueError
        A 0-d operand, contracted axes of different lengths, or leading shapes that do
        not broadcast.

    Examples
    --------
    >>> import numpy as np
    >>> from chunkarray.array.creation import from_array
    >>> a = from_array(np.ones((3, 2, 4)), chunks=(1, 2, 2))
    >>> b = from_array(np.ones((4, 5)), chunks=2)
    >>> c = matmul(a, b)
    >>> c.shape, c.chunks, float(c.compute()[0, 0, 0])
    ((3, 2, 5), ((1, 1, 1), (2,), (2, 2, 1)), 4.0)
    """
    a, b = _as_array(a), _as_array(b)
    for k, x in enumerate((a, b)):
        if x.ndim == 0:
            raise ChunkArrayValueError(
                f"matmul: input operand {k} does not have enough dimensions (0-d; use * "
                f"for a product with a scalar)")
    n_a = a.shape[-1]
    n_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if n_a != n_b:
        raise ChunkArrayValueError(
            f"matmul: shapes {a.shape} and {b.shape}: the contracted axes have lengths "
            f"{n_a} and {n_b}")
    a_batch, b_batch = a.shape[:-2], b.shape[:-2]
    try:
        batch = np.broadcast_shapes(a_batch, b_batch)
    except ValueError:
        raise ChunkArrayValueError(
            f"matmul: the leading dimensions of shapes {a.shape} and {b.shape} do not "
            f"broadcast") from None
    if len(batch) > 26:
        raise ChunkArrayValueError("matmul: too many dimensions")
    letters = _LETTERS[26:26 + len(batch)]  # upper case: never i, j or k
    a_ind = letters[len(batch) - len(a_batch):] + ("ij" if a.ndim > 1 else "j")
    b_ind = letters[len(batch) - len(b_batch):] + ("jk" if b.ndim > 1 else "j")
    out_ind = letters + ("i" if a.ndim > 1 else "") + ("k" if b.ndim > 1 else "")
    dtype = np.matmul(_sample(a), _sample(b)).dtype
    out = _contract(np.matmul, "matmul", a, a_ind, b, b_ind, out_ind, dtype)
    # ``blockwise`` may report a length-one operand's chunks for a broadcast letter; the
    # letter then has one block, of the broadcast length.
    chunks = [c if k >= len(batch) or sum(c) == batch[k] else (batch[k],)
              for k, c in enumerate(out.chunks)]
    return Array(out.graph, out.name, chunks, out.dtype)
