"""Assignment: ``x[index] = value`` as a new Array in which only touched blocks change.

Three forms:

- a lazy boolean mask over the leading axes (``x[x > 0] = 0``): elementwise
  ``where``, one Blockwise layer, the value broadcast against ``x`` (Dask's rule);
- a NumPy boolean mask over the leading axes: NumPy's rule (the value broadcasts
  to the selected elements, ``x[mask].shape``), or else broadcast against ``x``;
  blocks where the mask has no True element are passed through untouched;
- ints, slices, None and one integer array: per axis, the selected positions are
  grouped by the block holding them, and a block changes only if every axis
  selects something in it. The value (NumPy, or a lazy Array) is broadcast to the
  shape of ``x[index]`` as NumPy does; each changed block receives its part.

Untouched blocks are aliases of the old ones, and the layers make tasks only on
request, so ``x[0, 0] = 1`` on a huge array costs one task.

>>> import numpy as np
>>> from chunkarray.array.creation import from_array
>>> x = from_array(np.zeros((2, 4), dtype=int), chunks=2)
>>> setitem(x, (slice(None), [3, 0]), [5, 6]).compute()
array([[6, 0, 0, 5],
       [6, 0, 0, 5]])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chunkarray.array.core import Array
from chunkarray.array.slicing_index import (
    IntArray,
    LazyMask,
    check_mask_shape,
    is_unknown,
    parse_index,
)
from chunkarray.array.slicing_outer import UpdateLayer, as_value, fit, set_outer
from chunkarray.errors import ChunkArrayValueError
from chunkarray.graph.graph import Graph
from chunkarray.graph.task import Alias, Ref, Task
from chunkarray.tokenize import name as make_name
from chunkarray.typing import Key


def setitem(x: Array, index: Any, value: Any) -> Array:
    """A new Array equal to ``x`` with ``x[index] = value`` applied.

    ``Array.__setitem__`` swaps the result in, so ``x[index] = value`` reads as in
    NumPy. See the module docstring for the accepted forms.

    Raises
    ------
    ValueError
        A value that does not broadcast to the selection (NumPy's message).
    NotImplementedError
        Several integer arrays, or a lazy mask that is not the whole index.

    Examples
    --------
    >>> import numpy as np
    >>> from chunkarray.array.creation import from_array
    >>> x = from_array(np.arange(6), chunks=4)
    >>> mask = from_array(np.arange(6) > 3, chunks=4)
    >>> setitem(x, mask, -1).compute()
    array([ 0,  1,  2,  3, -1, -1])
    """
    mask = _whole_mask(index, x.shape)
    if mask is not None:
        if isinstance(mask, Array) or isinstance(value, Array):
            return _set_where(x, mask, value)
        return _set_numpy_mask(x, mask, value)
    entries = parse_index(index, x.shape)
    if any(isinstance(e, (LazyMask, bool)) for e in entries):
        raise NotImplementedError(
            "setitem: a lazy boolean mask (or a boolean scalar) must be the whole index, "
            "as in x[mask] = value"
        )
    if sum(isinstance(e, IntArray) for e in entries) > 1:
        raise NotImplementedError(
            "setitem: assigning through several integer arrays (point-wise) is not "
            "supported; use one integer array per assignment"
        )
    return set_outer(x, entries, value)


def _whole_mask(index: Any, shape: tuple[Any, ...]) -> Any:
    """The boolean mask if ``index`` is one over the leading axes (rest ``:``/``...``)."""
    items = list(index) if isinstance(index, tuple) else [index]
    if not items:
        return None
    first = items[0]
    if isinstance(first, list):
        first = np.asarray(first)
    if not (isinstance(first, (np.ndarray, Array)) and first.dtype == bool and first.ndim):
        return None
    if sum(i is Ellipsis for i in items[1:]) > 1 or any(
            i is not Ellipsis and not (isinstance(i, slice) and i == slice(None))
            for i in items[1:]):
        return None
    if first.ndim > len(shape):
        raise IndexError(f"too many indices for array: array is {len(shape)}-dimensional, "
                         f"but {first.ndim} were indexed")
    check_mask_shape(first.shape, shape, 0)
    return first


def assign_where(mask: np.ndarray, value: Any, block: np.ndarray) -> np.ndarray:
    """``block`` with ``value`` where ``mask`` (both broadcast to the block)."""
    out = np.array(block, copy=True)
    np.copyto(out, value, casting="unsafe", where=mask)
    return out


def _set_where(x: Array, mask: Any, value: Any) -> Array:
    from chunkarray.array.elementwise import elemwise

    extra = x.ndim - mask.ndim
    if isinstance(mask, Array):
        if extra:
            from chunkarray.array.slicing import getitem

            mask = getitem(mask, (Ellipsis,) + (None,) * extra)
    else:
        mask = mask.reshape(mask.shape + (1,) * extra)
    if not isinstance(value, Array):
        value = as_value(value, x.dtype)
    if any(is_unknown(s) for s in (*x.shape, *value.shape)):
        raise ChunkArrayValueError(
            "setitem: the array or the value has unknown (nan) chunk sizes; call "
            "compute_chunk_sizes() first")
    try:
        fits = np.broadcast_shapes(value.shape, x.shape) == x.shape
    except ValueError:
        fits = False
    if not fits:
        raise ChunkArrayValueError(
            f"setitem: could not broadcast input array from shape {value.shape} into "
            f"shape {x.shape}")
    return elemwise(assign_where, mask, value, x, dtype=x.dtype,  # type: ignore[no-any-return]
                    name="setitem")


def assign_mask(block: np.ndarray, mask: np.ndarray, value: Any) -> np.ndarray:
    """``block`` with ``block[mask] = value``."""
    out = block.copy()
    out[mask] = value
    return out


def assign_mask_selected(block: np.ndarray, mask: np.ndarray, value: np.ndarray,
                         ids: np.ndarray, trailing: tuple[slice, ...]) -> np.ndarray:
    """``block[mask] =`` the rows ``ids`` of the selected-values array."""
    return assign_mask(block, mask, value[ids][(slice(None), *trailing)])


def assign_mask_full(block: np.ndarray, mask: np.ndarray, value: np.ndarray,
                     where: tuple[slice, ...]) -> np.ndarray:
    """``block[mask] =`` the matching part of a value shaped like the whole array."""
    return assign_mask(block, mask, value[where][mask])


class MaskUpdateLayer(UpdateLayer):
    """``x[mask] = value`` for a NumPy mask over the leading axes."""

    def __init__(self, name: str, x: Array, mask: np.ndarray, mode: str, value: Any) -> None:
        super().__init__(name, x.name, x.chunks)  # type: ignore[arg-type]
        self.mask = mask
        self.mode = mode
        self.value = value
        self.k = mask.ndim
        self.ids = None
        if mode == "selected":
            self.ids = (np.cumsum(mask.ravel()) - 1).reshape(mask.shape)

    def task(self, key: Key) -> Any:
        idx = self._check_key(key)
        where = self.where(idx)
        lead = where[: self.k]
        mask = self.mask[lead]
        if not mask.any():
            return Alias((self.source, *idx))
        source = Ref((self.source, *idx))
        if self.mode == "scalar":
            return Task(assign_mask, source, mask, self.value)
        if self.mode == "selected":
            assert self.ids is not None
            return Task(assign_mask_selected, source, mask, self.value, self.ids[lead][mask],
                        where[self.k:])
        return Task(assign_mask_full, source, mask, self.value, where)


def _set_numpy_mask(x: Array, mask: np.ndarray, value: Any) -> Array:
    if any(is_unknown(s) for s in x.shape):
        raise ChunkArrayValueError(
            "setitem: x has unknown (nan) chunk sizes; call compute_chunk_sizes() first")
    value = as_value(value, x.dtype)
    count = int(mask.sum())
    selected = (count, *x.shape[mask.ndim:])
    if value.ndim == 0:
        mode, payload = "scalar", value[()]
    elif (fitted := fit(value, selected)) is not None:
        mode, payload = "selected", fitted
    elif (fitted := fit(value, x.shape)) is not None:
        mode, payload = "full", fitted
    else:
        raise ChunkArrayValueError(
            f"NumPy boolean array indexing assignment cannot assign {value.shape} input "
            f"values to the {count} output values where the mask is true (selection shape "
            f"{selected})"
        )
    name = make_name("setitem", x, mask, value)
    layer = MaskUpdateLayer(name, x, mask, mode, payload)
    return Array(Graph.from_layer(layer, x.graph), name, x.chunks, x.dtype)

