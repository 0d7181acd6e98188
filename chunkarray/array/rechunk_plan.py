"""Planning a rechunk: the intermediate chunkings that keep every task small.

Model
-----
A *stage* turns chunking ``A`` into chunking ``B`` with one task per block of ``B``.
That task reads every block of ``A`` overlapping its block, slices the overlapping
piece out of each and joins the pieces. The scheduler must hold those input blocks
whole while the task runs, so the memory a stage needs is the bytes of the input
blocks one output block overlaps, not the bytes of its pieces.

Because blocks form a grid, that amount is a product over axes:
``cost(A, B) = itemsize * prod_d span_d(A, B)``, where ``span_d`` is the largest total
length of the ``A`` blocks that one ``B`` block overlaps along axis ``d``. It is
computed exactly with a bisect per block along each axis (never per block of the
grid). In the same way the largest block of a chunking is the product of the largest
sizes along each axis.

Policy
------
``budget = max(limit, largest input block, largest output block)`` in bytes: nothing
can do better than holding one whole input or output block.

1. If ``cost(old, new) <= budget``, rechunk in one stage.
2. Otherwise go through one intermediate chunking ``mid``. Along each axis ``mid``
   is either the old chunks, the new chunks or their *refinement* (the union of both
   sets of boundaries). Every combination whose two stages both fit the budget
   qualifies; the one with the fewest blocks wins (fewest tasks). Up to
   ``_SEARCH_MAX_NDIM`` axes all ``3 ** ndim`` combinations are tried; beyond that the
   refinement on every axis is used.

Invariants
----------
- The plan ends with ``new``, and every stage fits the budget: the refinement on
  every axis always qualifies, because each of its blocks lies inside one old block
  (``old -> mid`` reads exactly one old block per task, at most the largest input
  block) and each new block is exactly a union of its blocks (``mid -> new`` reads
  exactly the output block's own bytes). So two stages always suffice.
- An identical chunking plans no stage; an empty array (a zero-length axis) costs
  nothing and plans one stage.

Worked example
--------------
A 20000 x 20000 float64 array in (1000, 20000) chunks (160 MB each) wanted in
(20000, 1000) chunks. Directly, each output block overlaps 20 input blocks: a task
would hold 3.2 GB. With a budget of 4 x 160 MB the plan goes through (1000, 1000):
400 tasks each read one input block and keep an 8 MB piece, then 20 tasks each join
20 such pieces (160 MB) into one output block.

>>> old = ((1000,) * 20, (20000,))
>>> new = ((20000,), (1000,) * 20)
>>> [tuple(set(c) for c in stage) for stage in plan_rechunk(old, new, 8, 4 * 160_000_000)]
[({1000}, {1000}), ({20000}, {1000})]
"""

from __future__ import annotations

import itertools
import math
from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from chunkarray.array.chunks import Chunks, chunk_boundaries, common_chunks

__all__ = ["axis_overlaps", "axis_span", "largest_block", "plan_rechunk", "stage_cost"]

# 3 ** 6 = 729 candidate intermediate chunkings at most.
_SEARCH_MAX_NDIM = 6


def axis_overlaps(bounds: Sequence[int], start: int, stop: int) -> tuple[int, int]:
    """The first and last block (inclusive) of ``bounds`` overlapping ``[start, stop)``.

    ``bounds`` are block boundaries (``chunk_boundaries``). An empty interval (on a
    zero-length axis) maps to one block, read as an empty slice.

    >>> axis_overlaps([0, 3, 6, 9], 2, 7)
    (0, 2)
    >>> axis_overlaps([0, 0], 0, 0)
    (0, 0)
    """
    last_block = len(bounds) - 2
    first = min(bisect_right(bounds, start) - 1, last_block)
    if stop <= start:
        return first, first
    last = bisect_left(bounds, stop) - 1
    return first, max(last, first)


def axis_span(old: Sequence[int], new: Sequence[int]) -> int:
    """The largest total length of ``old`` blocks that one ``new`` block overlaps.

    >>> axis_span((3, 3, 3), (2, 2, 2, 2, 1))
    6
    >>> axis_span((3, 3, 3), (9,))
    9
    """
    old_bounds = chunk_boundaries(old)
    span = 0
    start = 0
    for size in new:
        first, last = axis_overlaps(old_bounds, start, start + size)
        span = max(span, old_bounds[last + 1] - old_bounds[first])
        start += size
    return span


def largest_block(chunks: Sequence[Sequence[int]]) -> int:
    """The number of elements of the largest block.

    >>> largest_block(((2, 3), (4, 1)))
    12
    """
    return math.prod(max(c, default=0) for c in chunks)


def stage_cost(old: Sequence[Sequence[int]], new: Sequence[Sequence[int]], itemsize: int) -> int:
    """Bytes of input blocks the most demanding task of the stage ``old -> new`` reads.

    >>> stage_cost(((2, 2), (4,)), ((4,), (2, 2)), 8)  # each output block reads 4 x 4
    128
    """
    return itemsize * math.prod(axis_span(o, n) for o, n in zip(old, new))


def plan_rechunk(
    old_chunks: Sequence[Sequence[int]],
    new_chunks: Sequence[Sequence[int]],
    itemsize: int,
    limit: int | None = None,
) -> list[Chunks]:
    """The chunkings to go through, in order, to rechunk ``old_chunks`` to ``new_chunks``.

    Parameters
    ----------
    old_chunks, new_chunks : tuple of tuples of int
        Normalized chunkings of the same shape.
    itemsize : int
        Bytes per element.
    limit : int, optional
        Bytes of input blocks one task may read; raised to the largest input or output
        block when smaller (None: exactly that).

    Returns
    -------
    list of chunkings
        The chunking after each stage; the last one is ``new_chunks``; empty when the
        chunkings are equal. Every stage satisfies
        ``stage_cost(previous, stage, itemsize) <= budget`` (see the module docstring).

    Examples
    --------
    >>> plan_rechunk(((2, 2),), ((4,),), 8)
    [((4,),)]
    >>> plan_rechunk(((2, 2), (4,)), ((4,), (2, 2)), 8, limit=32)
    [((2, 2), (2, 2)), ((4,), (2, 2))]
    """
    old = tuple(tuple(int(c) for c in axis) for axis in old_chunks)
    new = tuple(tuple(int(c) for c in axis) for axis in new_chunks)
    if old == new:
        return []
    itemsize = max(int(itemsize), 1)
    budget = itemsize * max(largest_block(old), largest_block(new))
    if limit is not None:
        budget = max(budget, int(limit))
    if stage_cost(old, new, itemsize) <= budget:
        return [new]
    return [_intermediate(old, new, itemsize, budget), new]


def _intermediate(old: Chunks, new: Chunks, itemsize: int, budget: int) -> Chunks:
    """The intermediate chunking with the fewest blocks whose two stages fit ``budget``."""
    refined = tuple(common_chunks(o, n) for o, n in zip(old, new))
    if len(old) > _SEARCH_MAX_NDIM:
        return refined
    # Per axis: the distinct candidates with their spans for old -> mid and mid -> new.
    options = []
    for o, n, r in zip(old, new, refined):
        cands = list(dict.fromkeys((o, n, r)))
        options.append([(c, axis_span(o, c), axis_span(c, n)) for c in cands])
    best: Chunks = refined
    best_blocks = math.prod(len(c) for c in refined)
    for combo in itertools.product(*options):
        mid = tuple(c for c, _, _ in combo)
        if mid in (old, new):
            continue
        blocks = math.prod(len(c) for c in mid)
        if blocks >= best_blocks:
            continue
        first = itemsize * math.prod(s for _, s, _ in combo)
        second = itemsize * math.prod(s for _, _, s in combo)
        if first <= budget and second <= budget:
            best, best_blocks = mid, blocks
    return best
