"""Blockwise: output block index -> input block indices, by index notation.

``Blockwise("z", "ij", f, [("x", "ij"), ("y", "jk")], numblocks)`` makes, for
output block ``(i, j)``, the task ``f(x[i, j], [y[j, 0], y[j, 1], ...])``: a letter
that is in an input's index but not in the output's is *contracted*, and the
input blocks along it are handed to ``f`` as a list (or joined by ``concatenate``
when given). An input whose number of blocks along a letter is 1 is broadcast.
Letters of the output that no input has are new axes with one block. Inputs that
are not layer names are literals, passed as they are (index ``None``) or, when
they are :class:`BlockValues`, indexed by the block index (per-block slices,
seeds, block ids).

This one layer type expresses elementwise array math, bag ``map`` and dataframe
``map_partitions`` (1-d: partition i from partitions i), and the first stage of
every reduction.

>>> from operator import add
>>> layer = Blockwise("z", "i", add, [("x", "i"), ("y", "i")], {"x": (3,), "y": (1,)})
>>> layer.task(("z", 2))
Task(add, Ref(('x', 2)), Ref(('y', 0)))
>>> len(layer)
3
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from chunkarray.errors import ChunkArrayValueError
from chunkarray.graph.layer import Layer
from chunkarray.graph.keys import key_name
from chunkarray.graph.task import Ref, Task, find_refs
from chunkarray.typing import Key


@runtime_checkable
class BlockValues(Protocol):
    """A literal argument that differs per block: ``values[block_index]``."""

    numblocks: tuple[int, ...]

    def __getitem__(self, index: tuple[int, ...]) -> Any: ...


class Blockwise(Layer):
    """A layer whose tasks follow index notation (see the module docstring).

    Parameters
    ----------
    name : str
        The output layer name; keys are ``(name, *block_index)``.
    out_ind : str
        One letter per output axis.
    func : callable
        Called once per output block.
    inputs : sequence of (value, index)
        ``(layer_name, "ij")`` reads blocks of a layer named in ``numblocks``;
        ``(BlockValues, "ij")`` indexes a per-block literal; ``(value, None)``
        passes ``value`` unchanged.
    numblocks : mapping
        Number of blocks per axis of every input layer.
    kwargs : mapping, optional
        Keyword arguments for ``func`` (may hold Refs to other keys).
    new_axes : mapping, optional
        Output letters that no input has, with their size (one block each).
    concatenate : callable, optional
        ``concatenate(nested_blocks, axes)`` joins the blocks of contracted letters
        into one before the call; without it ``func`` receives nested lists.
    row_reduce : RowReduce, optional
        Set on the first stage of a reduction whose partials of row tiles can be
        merged (:class:`~chunkarray.graph.tiling.RowReduce`): a fused elementwise run
        feeding it is then reduced tile by tile, never written at full size.
    elementwise : bool
        True if ``func`` works element by element on NumPy blocks (its result for
        some rows depends only on those rows), so fused runs may be tiled.
    """

    def __init__(
        self,
        name: str,
        out_ind: str,
        func: Callable[..., Any],
        inputs: Sequence[tuple[Any, str | None]],
        numblocks: Mapping[str, tuple[int, ...]],
        *,
        kwargs: Mapping[str, Any] | None = None,
        new_axes: Mapping[str, int] | None = None,
        concatenate: Callable[[Any, list[int]], Any] | None = None,
        elementwise: bool = False,
        row_reduce: Any = None,
    ) -> None:
        self.name = name
        self.elementwise = elementwise
        self.row_reduce = row_reduce
        self.out_ind = out_ind
        self.func = func
        self.inputs = tuple(inputs)
        self.numblocks = dict(numblocks)
        self.kwargs = dict(kwargs or {})
        self.new_axes = dict(new_axes or {})
        self.concatenate = concatenate
        letter_blocks = self._letter_blocks()
        self.letter_blocks = letter_blocks
        self.out_numblocks = tuple(letter_blocks.get(c, 1) for c in out_ind)
        deps = {v for v, ind in self.inputs if ind is not None and _is_layer_input(v, numblocks)}
        refs: set[Key] = set()
        find_refs(self.kwargs, refs)
        for v, ind in self.inputs:
            if ind is None:
                find_refs(v, refs)
        deps.update(key_name(k) for k in refs)
        self.has_literal_refs = bool(refs)
        self.dependencies = frozenset(deps)

    def _input_numblocks(self, value: Any) -> tuple[int, ...]:
        if _is_layer_input(value, self.numblocks):
            return tuple(self.numblocks[value])
        if not isinstance(value, BlockValues):
            raise ChunkArrayValueError(
                f"Blockwise {self.name!r}: input {value!r} has an index but is neither a "
                f"layer named in numblocks nor BlockValues"
            )
        return tuple(value.numblocks)

    def _letter_blocks(self) -> dict[str, int]:
        blocks: dict[str, int] = {}
        for value, ind in self.inputs:
            if ind is None:
                continue
            nb = self._input_numblocks(value)
            if len(nb) != len(ind):
                raise ChunkArrayValueError(
                    f"Blockwise {self.name!r}: index {ind!r} has {len(ind)} letters but "
                    f"the input has {len(nb)} block dimensions"
                )
            for letter, n in zip(ind, nb):
                old = blocks.get(letter, 1)
                if old != n and old != 1 and n != 1:
                    raise ChunkArrayValueError(
                        f"Blockwise {self.name!r}: letter {letter!r} has {old} blocks in "
                        f"one input and {n} in another"
                    )
                blocks[letter] = max(old, n)
        return blocks

    def keys(self) -> Iterator[Key]:
        name = self.name
        for idx in itertools.product(*(range(n) for n in self.out_numblocks)):
            yield (name, *idx)

    def __len__(self) -> int:
        total = 1
        for n in self.out_numblocks:
            total *= n
        return total

    def _check_key(self, key: Key) -> tuple[int, ...]:
        if type(key) is not tuple or key[0] != self.name or len(key) != len(self.out_ind) + 1:
            raise KeyError(key)
        idx = key[1:]
        for i, n in zip(idx, self.out_numblocks):
            if type(i) is not int or not 0 <= i < n:
                raise KeyError(key)
        return idx  # type: ignore[return-value]

    def task(self, key: Key) -> Task:
        idx = self._check_key(key)
        where = dict(zip(self.out_ind, idx))
        args = [self._argument(value, ind, where) for value, ind in self.inputs]
        return Task(self.func, *args, **self.kwargs)

    def _argument(self, value: Any, ind: str | None, where: dict[str, int]) -> Any:
        if ind is None:
            return value
        is_layer = _is_layer_input(value, self.numblocks)
        nb = self._input_numblocks(value)
        contracted = [(pos, c) for pos, c in enumerate(ind) if c not in where]
        base = [0 if n == 1 else where.get(c, 0) for c, n in zip(ind, nb)]
        if not contracted:
            return Ref((value, *base)) if is_layer else value[tuple(base)]
        nested = self._nest(value, is_layer, base, contracted, nb)
        if self.concatenate is not None:
            return Task(self.concatenate, nested, [pos for pos, _ in contracted])
        return nested

    def _nest(
        self,
        value: Any,
        is_layer: bool,
        base: list[int],
        contracted: list[tuple[int, str]],
        nb: tuple[int, ...],
    ) -> Any:
        pos, _ = contracted[0]
        out = []
        for i in range(nb[pos]):
            here = list(base)
            here[pos] = i
            if len(contracted) > 1:
                out.append(self._nest(value, is_layer, here, contracted[1:], nb))
            else:
                out.append(Ref((value, *here)) if is_layer else value[tuple(here)])
        return out

    def reads_identically(self, producer: str) -> bool:
        """True if block ``i`` of this layer reads only block ``i`` of ``producer``.

        That is the condition for fusing ``producer`` into this layer without
        computing any of its blocks twice.
        """
        uses = [ind for v, ind in self.inputs if ind is not None and v == producer
                and _is_layer_input(v, self.numblocks)]
        if self.has_literal_refs:
            return False
        return (
            len(uses) >= 1
            and all(ind == self.out_ind for ind in uses)
            and tuple(self.numblocks[producer]) == self.out_numblocks
        )

    def __repr__(self) -> str:
        return f"Blockwise({self.name!r}, {self.out_ind!r}, {len(self)} tasks)"


def _is_layer_input(value: Any, numblocks: Mapping[str, Any]) -> bool:
    return type(value) is str and value in numblocks
