"""Tree reductions and prefix scans: layers that combine groups of blocks.

Policy
------
A reduction over some axes of a grid of blocks is a tree. Its first stage, one
partial result per block, is an ordinary Blockwise layer (so it fuses with the
elementwise work that produces the blocks). Then each :class:`PartialReduce`
layer is one level of the tree: output block ``i`` along a reduced axis combines
input blocks ``i * split, ..., i * split + split - 1`` along it (all reduced axes
at once), and keeps every other axis as it is. Levels repeat until one block is
left along every reduced axis; the last level (the *aggregate*) may drop the
reduced axes from its block index (``keepdims=False``).

A :class:`PrefixScan` layer is the sequential carry of a cumulative operation
along one axis: ``carry[j] = step(carry[j - 1], input[j - 1])`` and
``carry[0] = initial``, so block ``j`` of the result needs only its own block and
one carry.

State: both layers keep only their parameters; a task is made when its key is
asked for, so culling a reduction of a million blocks to one output row costs the
tasks of that row, and building the layers is O(levels).

Invariants: every input block is read by exactly one task of the next level;
the number of blocks along a reduced axis falls from ``n`` to ``ceil(n / split)``
per level; a carry task reads one carry and one input block.

Worked example: 10 blocks along the reduced axis with ``split=4``: the first
level makes ``ceil(10 / 4) = 3`` blocks from groups ``[0..3], [4..7], [8, 9]``,
and the aggregate combines those 3 into 1: 10 + 3 + 1 = 14 tasks.

>>> layer = PartialReduce("s", "x", (10,), {0: 4}, sum)
>>> layer.out_numblocks, len(layer)
((3,), 3)
>>> layer.task(("s", 2))
Task(sum, [Ref(('x', 8)), Ref(('x', 9))])
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from chunkarray.errors import ChunkArrayValueError
from chunkarray.graph.layer import Layer
from chunkarray.graph.task import Literal, Ref, Task
from chunkarray.typing import Key


def reduced_numblocks(
    numblocks: Sequence[int], split: Mapping[int, int]
) -> tuple[int, ...]:
    """Blocks per axis after one tree level combining ``split[axis]`` blocks.

    >>> reduced_numblocks((10, 3), {0: 4})
    (3, 3)
    """
    return tuple(math.ceil(n / split[a]) if a in split else n for a, n in enumerate(numblocks))


def tree_depth(numblocks: Sequence[int], split: Mapping[int, int]) -> int:
    """The number of tree levels (the aggregate included) to reach one block per axis.

    >>> tree_depth((10,), {0: 4}), tree_depth((4,), {0: 4}), tree_depth((1,), {0: 2})
    (2, 1, 1)
    """
    depth = 1
    nb = tuple(numblocks)
    while any(nb[a] > s for a, s in split.items()):
        nb = reduced_numblocks(nb, split)
        depth += 1
    return depth


class PartialReduce(Layer):
    """One level of a tree reduction (see the module docstring).

    Parameters
    ----------
    name : str
        The output layer name.
    input_name : str
        The layer whose blocks are combined.
    input_numblocks : tuple of int
        Blocks per axis of the input.
    split : mapping of int to int
        Reduced axis -> how many input blocks one task combines along it (>= 1).
    func : callable
        Called with the nested list of input blocks of one group (outermost list
        along the first reduced axis); returns the output block.
    drop_axes : bool
        Leave the reduced axes out of the output block index (each must end with
        one block).
    """

    def __init__(
        self,
        name: str,
        input_name: str,
        input_numblocks: Sequence[int],
        split: Mapping[int, int],
        func: Callable[..., Any],
        *,
        drop_axes: bool = False,
    ) -> None:
        self.name = name
        self.input_name = input_name
        self.input_numblocks = tuple(input_numblocks)
        self.split = {int(a): int(s) for a, s in sorted(split.items())}
        self.func = func
        self.drop_axes = drop_axes
        self.dependencies = frozenset((input_name,))
        ndim = len(self.input_numblocks)
        for a, s in self.split.items():
            if not 0 <= a < ndim or s < 1:
                raise ChunkArrayValueError(
                    f"PartialReduce {name!r}: split {dict(split)} does not fit "
                    f"{ndim} block dimensions"
                )
        full = reduced_numblocks(self.input_numblocks, self.split)
        if drop_axes and any(full[a] != 1 for a in self.split):
            raise ChunkArrayValueError(
                f"PartialReduce {name!r}: drop_axes needs one output block per reduced axis"
            )
        self.full_numblocks = full
        self.out_numblocks = tuple(
            n for a, n in enumerate(full) if not (drop_axes and a in self.split)
        )

    def keys(self) -> Iterator[Key]:
        for idx in itertools.product(*(range(n) for n in self.out_numblocks)):
            yield (self.name, *idx)

    def __len__(self) -> int:
        return math.prod(self.out_numblocks)

    def _full_index(self, key: Key) -> tuple[int, ...]:
        if type(key) is not tuple or key[0] != self.name:
            raise KeyError(key)
        idx = key[1:]
        if len(idx) != len(self.out_numblocks) or any(
            type(i) is not int or not 0 <= i < n for i, n in zip(idx, self.out_numblocks)
        ):
            raise KeyError(key)
        if not self.drop_axes:
            return idx
        it = iter(idx)
        return tuple(0 if a in self.split else next(it) for a in range(len(self.full_numblocks)))

    def task(self, key: Key) -> Task:
        full = self._full_index(key)
        ranges = []
        for a, i in enumerate(full):
            if a in self.split:
                s = self.split[a]
                ranges.append(range(i * s, min((i + 1) * s, self.input_numblocks[a])))
            else:
                ranges.append(range(i, i + 1))
        axes = list(self.split)
        return Task(self.func, self._nest(list(full), ranges, axes))

    def _nest(self, base: list[int], ranges: list[range], axes: list[int]) -> Any:
        if not axes:
            return Ref((self.input_name, *base))
        a, rest = axes[0], axes[1:]
        out = []
        for j in ranges[a]:
            here = list(base)
            here[a] = j
            out.append(self._nest(here, ranges, rest))
        return out

    def __repr__(self) -> str:
        return f"PartialReduce({self.name!r}, split={self.split}, {len(self)} tasks)"


class PrefixScan(Layer):
    """The carries of a cumulative operation along ``axis`` (see the module docstring).

    Block ``j`` (along ``axis``) is ``initial`` for ``j == 0`` and otherwise
    ``step(carry[j - 1], input[j - 1])``; every other axis is independent.

    >>> from operator import add
    >>> scan = PrefixScan("c", "x", (3,), 0, add, 0)
    >>> scan.task(("c", 2))
    Task(add, Ref(('c', 1)), Ref(('x', 1)))
    """

    def __init__(
        self,
        name: str,
        input_name: str,
        numblocks: Sequence[int],
        axis: int,
        step: Callable[[Any, Any], Any],
        initial: Any,
    ) -> None:
        self.name = name
        self.input_name = input_name
        self.numblocks = tuple(numblocks)
        if not 0 <= axis < len(self.numblocks):
            raise ChunkArrayValueError(
                f"PrefixScan {name!r}: axis {axis} is out of range for "
                f"{len(self.numblocks)} block dimensions"
            )
        self.axis = axis
        self.step = step
        self.initial = initial
        self.dependencies = frozenset((input_name,))

    def keys(self) -> Iterator[Key]:
        for idx in itertools.product(*(range(n) for n in self.numblocks)):
            yield (self.name, *idx)

    def __len__(self) -> int:
        return math.prod(self.numblocks)

    def task(self, key: Key) -> Any:
        if type(key) is not tuple or key[0] != self.name:
            raise KeyError(key)
        idx = key[1:]
        if len(idx) != len(self.numblocks) or any(
            type(i) is not int or not 0 <= i < n for i, n in zip(idx, self.numblocks)
        ):
            raise KeyError(key)
        j = idx[self.axis]
        if j == 0:
            return Literal(self.initial)
        prev = list(idx)
        prev[self.axis] = j - 1
        return Task(self.step, Ref((self.name, *prev)), Ref((self.input_name, *prev)))

    def __repr__(self) -> str:
        return f"PrefixScan({self.name!r}, axis={self.axis}, {len(self)} tasks)"
