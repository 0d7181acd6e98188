"""The per-partition and combining functions of bag reductions (picklable, module level).

Partials of reductions that have no value for an empty partition (``min``,
``max``, ``fold`` without initial) are pairs ``(has_value, value)``, so empty
partitions never reach the user's function. Moments use ``(count, mean, M2)``
partials combined with Chan's formula.

>>> combine_moments([moments([1.0, 2.0]), moments([]), moments([3.0])])
(3, 2.0, 2.0)
"""

from __future__ import annotations

import functools
import heapq
import itertools
import math
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

class _NoInitial:
    """The "no initial value" marker; one instance, kept across pickling."""

    def __reduce__(self) -> str:
        return "NO_INITIAL"

    def __repr__(self) -> str:
        return "<no initial>"


NO_INITIAL = _NoInitial()


def count(part: list[Any]) -> int:
    return len(part) if type(part) is list else sum(1 for _ in part)


def total(values: Iterable[Any]) -> Any:
    return sum(values)


def extreme(part: Iterable[Any], *, largest: bool) -> tuple[bool, Any]:
    """``(True, max(part))`` (or min), or ``(False, None)`` for an empty partition."""
    part = list(part)
    if not part:
        return (False, None)
    return (True, max(part) if largest else min(part))


def combine_extreme(partials: list[tuple[bool, Any]], *, largest: bool) -> tuple[bool, Any]:
    present = [v for has, v in partials if has]
    return extreme(present, largest=largest)


def finish_extreme(partials: list[tuple[bool, Any]], *, largest: bool) -> Any:
    has, value = combine_extreme(partials, largest=largest)
    if not has:
        raise ValueError(f"{'max' if largest else 'min'}() of an empty bag")
    return value


def truth(part: Iterable[Any], *, every: bool) -> bool:
    return all(part) if every else any(part)


def moments(part: Iterable[Any]) -> tuple[int, float, float]:
    """``(count, mean, sum of squared deviations)`` of one partition."""
    values = list(part)
    n = len(values)
    if n == 0:
        return (0, 0.0, 0.0)
    mean = math.fsum(values) / n
    m2 = math.fsum((v - mean) ** 2 for v in values)
    return (n, mean, m2)


def combine_moments(partials: list[tuple[int, float, float]]) -> tuple[int, float, float]:
    n, mean, m2 = 0, 0.0, 0.0
    for nb, mb, m2b in partials:
        if nb == 0:
            continue
        total_n = n + nb
        delta = mb - mean
        mean += delta * nb / total_n
        m2 += m2b + delta * delta * n * nb / total_n
        n = total_n
    return (n, mean, m2)


def finish_mean(partials: list[tuple[int, float, float]]) -> float:
    n, mean, _ = combine_moments(partials)
    if n == 0:
        raise ValueError("mean() of an empty bag")
    return mean


def finish_var(partials: list[tuple[int, float, float]], *, ddof: int, root: bool) -> float:
    n, _, m2 = combine_moments(partials)
    if n - ddof <= 0:
        raise ValueError(f"var() needs more than ddof={ddof} elements, the bag has {n}")
    var = m2 / (n - ddof)
    return math.sqrt(var) if root else var


def distinct_partition(part: Iterable[Any], *, key: Callable[[Any], Any] | None) -> dict[Any, Any]:
    """Key -> first element with that key, in order of first appearance."""
    if key is None:
        return dict.fromkeys(part)
    out: dict[Any, Any] = {}
    for x in part:
        out.setdefault(key(x), x)
    return out


def combine_distinct(partials: list[dict[Any, Any]]) -> dict[Any, Any]:
    out = dict(partials[0]) if partials else {}
    for d in partials[1:]:
        for k, v in d.items():
            out.setdefault(k, v)
    return out


def finish_distinct(partials: list[dict[Any, Any]], *, key: Any) -> list[Any]:
    merged = combine_distinct(partials)
    return list(merged) if key is None else list(merged.values())


def frequencies_partition(part: Iterable[Any]) -> Counter[Any]:
    return Counter(part)


def combine_counters(partials: list[Counter[Any]]) -> Counter[Any]:
    if not partials:
        return Counter()
    biggest = max(range(len(partials)), key=lambda i: len(partials[i]))
    out = partials[biggest].copy()
    for i, c in enumerate(partials):
        if i != biggest and c:
            out.update(c)
    return out


def finish_frequencies(partials: list[Counter[Any]], *, sort: bool) -> list[tuple[Any, int]]:
    counts = combine_counters(partials)
    return counts.most_common() if sort else list(counts.items())


def topk_partition(part: Iterable[Any], *, k: int, key: Any) -> list[Any]:
    return heapq.nlargest(k, part, key=key)


def combine_topk(partials: list[list[Any]], *, k: int, key: Any) -> list[Any]:
    return heapq.nlargest(k, itertools.chain.from_iterable(partials), key=key)


def fold_partition(part: Iterable[Any], *, binop: Callable[[Any, Any], Any],
                   initial: Any) -> tuple[bool, Any]:
    if initial is not NO_INITIAL:
        return (True, functools.reduce(binop, part, initial))
    it = iter(part)
    for first in it:
        return (True, functools.reduce(binop, it, first))
    return (False, None)


def combine_fold(partials: list[tuple[bool, Any]], *,
                 combine: Callable[[Any, Any], Any]) -> tuple[bool, Any]:
    present = [v for has, v in partials if has]
    if not present:
        return (False, None)
    return (True, functools.reduce(combine, present))


def finish_fold(partials: list[tuple[bool, Any]], *, combine: Callable[[Any, Any], Any],
                initial: Any) -> Any:
    has, value = combine_fold(partials, combine=combine)
    if has:
        return value
    if initial is not NO_INITIAL:
        return initial
    raise TypeError("fold() of an empty bag with no initial value")


def reduce_with(partials: list[Any], *, aggregate: Callable[[list[Any]], Any]) -> Any:
    """A user's ``aggregate`` over a list of partials (what ``reduction`` combines with)."""
    return aggregate(list(partials))
