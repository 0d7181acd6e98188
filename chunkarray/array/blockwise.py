"""``blockwise`` and ``map_blocks``: array operations expressed by index notation.

Both build one :class:`~chunkarray.graph.blockwise.Blockwise` layer, so chains of
them fuse into one task per output chunk.

>>> import numpy as np
>>> import chunkarray.array as caa
>>> x = caa.from_array(np.arange(6).reshape(2, 3), chunks=(1, 3))
>>> caa.map_blocks(lambda b: b * 2, x).compute()
array([[ 0,  2,  4],
       [ 6,  8, 10]])
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np

from chunkarray.array.chunks import common_chunks, slices_of
from chunkarray.errors import ChunkArrayValueError
from chunkarray.graph.blockwise import Blockwise
from chunkarray.graph.graph import Graph
from chunkarray.tokenize import name as make_name


def blockwise(
    func: Callable[..., Any],
    out_ind: str,
    *args: Any,
    dtype: Any = None,
    name: str | None = None,
    new_axes: dict[str, int] | None = None,
    adjust_chunks: dict[str, Any] | None = None,
    concatenate: bool = False,
    align_arrays: bool = True,
    elementwise: bool = False,
    **kwargs: Any,
) -> Any:
    """Apply ``func`` block by block following index notation.

    ``args`` alternate values and indices: ``blockwise(f, "ij", x, "ij", y, "ji")``.
    A value with index ``None`` is passed unchanged. Arrays sharing a letter are
    rechunked to common chunks along it. Letters not in ``out_ind`` are contracted:
    ``func`` receives the list of those blocks (or one array joined along them with
    ``concatenate=True``).

    >>> import numpy as np
    >>> import chunkarray.array as caa
    >>> x = caa.from_array(np.ones((4, 4)), chunks=2)
    >>> caa.blockwise(np.add, "ij", x, "ij", x, "ji", dtype=float).compute()[0, 0]
    np.float64(2.0)
    """
    from chunkarray.array.core import Array

    if len(args) % 2:
        raise ChunkArrayValueError("blockwise: args must alternate values and index strings")
    pairs = [(args[i], args[i + 1]) for i in range(0, len(args), 2)]
    if align_arrays:
        pairs = _align(pairs)
    letter_chunks: dict[str, tuple[int, ...]] = {}
    for value, ind in pairs:
        if isinstance(value, Array) and ind is not None:
            for letter, c in zip(ind, value.chunks):
                if letter not in letter_chunks or letter_chunks[letter] == (1,):
                    letter_chunks[letter] = c
    for letter, size in (new_axes or {}).items():
        letter_chunks[letter] = (size,)
    out_chunks = []
    for letter in out_ind:
        c = letter_chunks.get(letter, (1,))
        if adjust_chunks and letter in adjust_chunks:
            adj = adjust_chunks[letter]
            c = tuple(adj(x) for x in c) if callable(adj) else (
                tuple(adj) if isinstance(adj, (tuple, list)) else (adj,) * len(c))
        out_chunks.append(tuple(c))
    if dtype is None:
        raise ChunkArrayValueError("blockwise: dtype= is required")
    name = name or make_name(_label(func), func, out_ind, pairs, kwargs, new_axes, concatenate)
    inputs = [(v.name, ind) if isinstance(v, Array) and ind is not None else (v, ind)
              for v, ind in pairs]
    numblocks = {v.name: v.numblocks for v, ind in pairs
                 if isinstance(v, Array) and ind is not None}
    layer = Blockwise(
        name, out_ind, func, inputs, numblocks,
        kwargs=kwargs, new_axes=new_axes,
        concatenate=concatenate_blocks if concatenate else None,
        elementwise=elementwise,
    )
    graphs = [v.graph for v, _ in pairs if isinstance(v, Array)]
    return Array(Graph.from_layer(layer, *graphs), name, tuple(out_chunks), dtype)


def _label(func: Any) -> str:
    from chunkarray.graph.task import func_label

    return func_label(func)


def _align(pairs: list[tuple[Any, str | None]]) -> list[tuple[Any, str | None]]:
    """Rechunk arrays so that arrays sharing a letter share its chunks."""
    from chunkarray.array.core import Array

    per_letter: dict[str, list[tuple[int, ...]]] = {}
    for value, ind in pairs:
        if isinstance(value, Array) and ind is not None:
            for letter, c in zip(ind, value.chunks):
                if len(c) > 1 or sum(c) > 1:
                    per_letter.setdefault(letter, []).append(c)
    target = {}
    for letter, cs in per_letter.items():
        if any(math.isnan(x) for c in cs for x in c):
            # Unknown sizes cannot be rechunked: the blocks must correspond one to one.
            if len({len(c) for c in cs}) > 1:
                raise ChunkArrayValueError(
                    f"blockwise: index {letter!r} has unknown chunk sizes and different "
                    f"numbers of blocks in different inputs; call compute_chunk_sizes() first"
                )
            continue
        sizes = {sum(c) for c in cs}
        if len(sizes) > 1:
            raise ChunkArrayValueError(
                f"blockwise: index {letter!r} has lengths {sorted(sizes)} in different inputs"
            )
        target[letter] = cs[0] if all(c == cs[0] for c in cs) else common_chunks(*cs)
    out = []
    for value, ind in pairs:
        if isinstance(value, Array) and ind is not None:
            want = tuple(target.get(letter, c) if (len(c) > 1 or not sum(c) <= 1) else c
                         for letter, c in zip(ind, value.chunks))
            if want != value.chunks:
                value = value.rechunk(want)
        out.append((value, ind))
    return out


def concatenate_blocks(nested: Any, axes: list[int]) -> np.ndarray:
    """Join nested lists of blocks along ``axes`` (outermost list = first axis)."""
    if not axes:
        return nested  # type: ignore[no-any-return]
    if len(axes) == 1:
        return np.concatenate(nested, axis=axes[0])
    return np.concatenate([concatenate_blocks(n, axes[1:]) for n in nested], axis=axes[0])


class BlockIds:
    """Per-block literal: the block index itself."""

    def __init__(self, numblocks: tuple[int, ...]) -> None:
        self.numblocks = numblocks

    def __getitem__(self, index: tuple[int, ...]) -> tuple[int, ...]:
        return index


class BlockInfo:
    """Per-block literal: Dask-style ``block_info`` for every input and the output.

    Input ``i`` is described by its letters ``in_inds[i]``: along a letter of the
    output its block is the output's (block 0 where it is broadcast); along a dropped
    (contracted) letter the function receives the whole axis, so its location is the
    whole axis and its chunk-location 0.
    """

    def __init__(self, arrays: list[Any], in_inds: list[str], out_ind: str,
                 out_chunks: tuple[tuple[int, ...], ...], dtype: Any):
        self.arrays = arrays
        self.in_inds = in_inds
        self.out_ind = out_ind
        self.out_chunks = out_chunks
        self.dtype = np.dtype(dtype)
        self.numblocks = tuple(len(c) for c in out_chunks)

    def __getitem__(self, index: tuple[int, ...]) -> dict[Any, Any]:
        where = dict(zip(self.out_ind, index))
        info: dict[Any, Any] = {}
        for i, (a, ind) in enumerate(zip(self.arrays, self.in_inds)):
            idx, location = [], []
            for letter, sizes in zip(ind, a.chunks):
                if letter in where:
                    j = where[letter] if len(sizes) > 1 else 0
                    start = sum(sizes[:j])
                    location.append((start, start + sizes[j]))
                else:
                    j = 0
                    location.append((0, sum(sizes)))
                idx.append(j)
            info[i] = {"shape": a.shape, "num-chunks": a.numblocks,
                       "chunk-location": tuple(idx), "array-location": location}
        info[None] = {
            "shape": tuple(sum(c) for c in self.out_chunks), "num-chunks": self.numblocks,
            "chunk-location": index, "dtype": self.dtype, "chunk-shape": tuple(
                c[i] for c, i in zip(self.out_chunks, index)),
            "array-location": [(s.start, s.stop) for s in slices_of(self.out_chunks, index)],
        }
        return info


def _call_with(func: Callable[..., Any], names: tuple[str, ...], *args: Any, **kw: Any) -> Any:
    extra = dict(zip(names, args[: len(names)]))
    return func(*args[len(names):], **extra, **kw)


def map_blocks(
    func: Callable[..., Any],
    *args: Any,
    dtype: Any = None,
    chunks: Sequence[Any] | None = None,
    drop_axis: int | Sequence[int] = (),
    new_axis: int | Sequence[int] = (),
    name: str | None = None,
    **kwargs: Any,
) -> Any:
    """Apply ``func`` to every block of the arrays in ``args`` (aligned by block).

    Parameters
    ----------
    dtype : dtype, optional
        The output dtype; found by calling ``func`` on tiny blocks when omitted.
    chunks : tuple, optional
        The output chunks when ``func`` changes block shapes.
    drop_axis, new_axis : int or sequence of int
        Axes removed from / added to the output.
    block_id, block_info
        If ``func`` has a parameter of that name, it receives the block index or a
        Dask-style info dict.
    """
    from chunkarray.array.core import Array, asarray_like

    arrays = [asarray_like(a) if isinstance(a, np.ndarray) else a for a in args]
    arrs = [a for a in arrays if isinstance(a, Array)]
    if not arrs:
        raise ChunkArrayValueError("map_blocks: at least one argument must be an array")
    ndim = max(a.ndim for a in arrs)
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    in_ind = letters[:ndim]
    # Align first, so that block_info describes the blocks the function really gets.
    pairs_in = _pairs(arrays, in_ind)
    arrays = [v for v, _ in _align(list(zip(pairs_in[::2], pairs_in[1::2])))]
    arrs = [a for a in arrays if isinstance(a, Array)]
    drop = sorted({d % ndim for d in ([drop_axis] if isinstance(drop_axis, int) else drop_axis)})
    out_list = [c for i, c in enumerate(in_ind) if i not in drop]
    out_ndim = len(out_list) + (1 if isinstance(new_axis, int) else len(new_axis))
    new = sorted({n % out_ndim for n in ([new_axis] if isinstance(new_axis, int) else new_axis)})
    new_letters = iter(letters[ndim:])
    new_axes = {}
    for n in new:
        letter = next(new_letters)
        out_list.insert(n, letter)
        new_axes[letter] = 1
    out_ind = "".join(out_list)
    if dtype is None:
        dtype = _infer_dtype(func, arrays, kwargs)
    pairs: list[Any] = []
    params = _params(func)
    wants = tuple(p for p in ("block_id", "block_info") if p in params)
    out = blockwise(
        func, out_ind, *_pairs(arrays, in_ind), dtype=dtype, new_axes=new_axes,
        concatenate=bool(drop), name=name, **kwargs,
    )
    if chunks is not None or wants:
        out_chunks = _out_chunks(chunks, out)
        if wants:
            for w in wants:
                pairs += [BlockIds(out.numblocks) if w == "block_id"
                          else BlockInfo(arrs, [in_ind[ndim - a.ndim:] for a in arrs],
                                         out_ind, out_chunks, dtype), out_ind]
            wrapped = partial(_call_with, func, wants)
            out = blockwise(wrapped, out_ind, *pairs, *_pairs(arrays, in_ind), dtype=dtype,
                            new_axes=new_axes, concatenate=bool(drop), name=name, **kwargs)
        out = Array(out.graph, out.name, out_chunks, dtype)
    return out


def _params(func: Any) -> set[str]:
    try:
        return set(inspect.signature(func).parameters)
    except (TypeError, ValueError):
        return set()


def _pairs(arrays: list[Any], in_ind: str) -> list[Any]:
    from chunkarray.array.core import Array

    pairs: list[Any] = []
    for a in arrays:
        if isinstance(a, Array):
            pairs += [a, in_ind[in_ind.__len__() - a.ndim:]]
        else:
            pairs += [a, None]
    return pairs


def _out_chunks(chunks: Any, out: Any) -> tuple[tuple[int, ...], ...]:
    if chunks is None:
        return out.chunks  # type: ignore[no-any-return]
    if len(chunks) != out.ndim:
        raise ChunkArrayValueError(
            f"map_blocks: chunks has {len(chunks)} entries for {out.ndim} output dimensions")
    result = []
    for c, have in zip(chunks, out.chunks):
        if isinstance(c, (int, np.integer)):
            result.append((int(c),) * len(have))
        else:
            if len(c) != len(have):
                raise ChunkArrayValueError(
                    f"map_blocks: chunks {c} has {len(c)} blocks, the output has {len(have)}")
            result.append(tuple(int(x) for x in c))
    return tuple(result)


def _infer_dtype(func: Callable[..., Any], arrays: list[Any], kwargs: dict[str, Any]) -> Any:
    from chunkarray.array.core import Array

    samples = [np.ones((1,) * a.ndim, dtype=a.dtype) if isinstance(a, Array) else a
               for a in arrays]
    params = _params(func)
    extra = {}
    if "block_id" in params:
        extra["block_id"] = (0,) * max(a.ndim for a in arrays if isinstance(a, Array))
    if "block_info" in params:
        extra["block_info"] = None
    try:
        with np.errstate(all="ignore"):
            return np.asarray(func(*samples, **extra, **kwargs)).dtype
    except Exception as exc:
        raise ChunkArrayValueError(
            f"map_blocks: could not infer the output dtype by calling {_label(func)} on "
            f"tiny blocks ({exc!r}); pass dtype="
        ) from exc
