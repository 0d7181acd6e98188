"""Cache-sized tiles for fused elementwise steps.

Policy
------
Inside one fused task, a run of elementwise steps (``sin``, ``**``, ``+`` ...) on a
64 MiB chunk would make a 64 MiB temporary per step and stream each through main
memory. Instead the steps run on tiles of about ``TILE_ITEMS`` elements (rows of
the chunk along its first axis): every temporary stays in the CPU cache and only
the step outputs needed outside the run are written, into full-size arrays.

Invariants: a tile of an input is ``input[i:j]`` when the input has the full number
of rows, else the whole input (it is broadcast along the first axis); every tiled
step must be elementwise (its result for rows ``i:j`` depends only on those rows).
If a tile result is not an array of ``j - i`` rows, the run falls back to one
untiled pass, so the result is always the same as without tiling.

A reduction's first stage that marks itself with :class:`RowReduce` joins the
run when it is the fused task's last step and reads only the run: it then reduces
each tile, and the tile partials are merged (along the first axis) at the end, so
not even the run's final output is written at full size.

Worked example: ``sin(x) ** 2 + cos(x) ** 2 - 1`` on a (512, 16384) float64 chunk
runs as 256 tiles of (2, 16384): six ufunc calls per tile on 256 KiB temporaries.
With ``.std()`` after it, each tile also yields its ``(n, mean, M2)`` partial and
the 256 partials are merged into the chunk's one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from chunkarray.graph.keys import key_name
from chunkarray.graph.task import _Overlay
from chunkarray.typing import Key

TILE_ITEMS = 32_768  # elements per tile: a few 256 KiB float64 temporaries fit in L2


@dataclass(frozen=True, slots=True)
class RowReduce:
    """How partials of row tiles make the partial of the whole block.

    ``merge`` is None when the first axis is not reduced (the tile partials are the
    block's rows: they are concatenated); otherwise it turns the tile partials,
    concatenated along the first axis, into the block's partial (length 1 there).
    """

    merge: Callable[[np.ndarray], Any] | None

    def rows_of(self, tile_rows: int) -> int:
        """The first-axis length of one tile's partial."""
        return tile_rows if self.merge is None else 1

    def finish(self, parts: list[np.ndarray]) -> Any:
        joined = np.concatenate(parts, axis=0)
        return joined if self.merge is None else self.merge(joined)


class TiledSteps:
    """Run elementwise ``steps`` tile by tile; the value is ``{output key: array}``."""

    __slots__ = ("steps", "outputs", "reducers", "dependencies", "label")

    def __init__(self, steps: list[tuple[Key, Any]], outputs: list[Key],
                 reducers: Mapping[Key, RowReduce] | None = None) -> None:
        self.steps = steps
        self.outputs = outputs
        self.reducers = dict(reducers or {})
        inner = {k for k, _ in steps}
        deps: set[Key] = set()
        for _, task in steps:
            deps.update(task.dependencies)
        self.dependencies = frozenset(deps - inner)
        self.label = "tiled"

    def execute(self, values: Mapping[Key, Any]) -> dict[Key, Any]:
        inputs = {k: values[k] for k in self.dependencies}
        rows, ndim = _rows(inputs.values())
        if rows is None:
            return self._run(values)
        per_row = max(1, _row_items(inputs.values(), ndim))
        step = max(1, TILE_ITEMS // per_row)
        if rows <= step:
            return self._run(values)
        outputs: dict[Key, Any] = {}
        reducers = self.reducers
        parts: dict[Key, list[np.ndarray]] = {k: [] for k in reducers}
        for start in range(0, rows, step):
            stop = min(start + step, rows)
            tile = {k: (v[start:stop] if _is_rowed(v, rows, ndim) else v)
                    for k, v in inputs.items()}
            result = self._run(tile)
            for key, value in result.items():
                reducer = reducers.get(key)
                expect = stop - start if reducer is None else reducer.rows_of(stop - start)
                if not isinstance(value, np.ndarray) or value.ndim != ndim or (
                        value.shape[0] != expect):
                    return self._run(values)
                if reducer is not None:
                    parts[key].append(value)
                    continue
                out = outputs.get(key)
                if out is None:
                    out = outputs[key] = np.empty((rows, *value.shape[1:]), dtype=value.dtype)
                out[start:stop] = value
        for key, reducer in reducers.items():
            outputs[key] = reducer.finish(parts[key])
        return outputs

    def _run(self, values: Mapping[Key, Any]) -> dict[Key, Any]:
        local = _Overlay(values)
        for key, task in self.steps:
            local.own[key] = task.execute(local)
        return {k: local.own[k] for k in self.outputs}

    def __repr__(self) -> str:
        return f"TiledSteps({len(self.steps)} steps)"


class PickOutput:
    """A step whose value is one entry of a :class:`TiledSteps` result."""

    __slots__ = ("source", "item", "dependencies")
    label = "pick"

    def __init__(self, source: Key, item: Key) -> None:
        self.source = source
        self.item = item
        self.dependencies = frozenset((source,))

    def execute(self, values: Mapping[Key, Any]) -> Any:
        return values[self.source][self.item]


def _rows(values: Any) -> tuple[int | None, int]:
    """The row count and ndim of the largest array input, or None when not tileable."""
    best = None
    for v in values:
        if isinstance(v, np.ndarray) and v.ndim >= 1 and (best is None or v.ndim > best.ndim):
            best = v
    if best is None:
        return None, 0
    return best.shape[0], best.ndim


def _row_items(values: Any, ndim: int) -> int:
    items = 1
    for v in values:
        if isinstance(v, np.ndarray) and v.ndim == ndim and v.shape[0]:
            items = max(items, v.size // v.shape[0])
    return items


def _is_rowed(value: Any, rows: int, ndim: int) -> bool:
    return isinstance(value, np.ndarray) and value.ndim == ndim and value.shape[0] == rows


def tile_steps(steps: list[tuple[Key, Any]], tileable: set[str],
               reducers: Mapping[str, RowReduce] | None = None) -> list[tuple[Key, Any]]:
    """Replace the run of elementwise steps (layers named in ``tileable``) by one tiled step.

    Returns ``steps`` unchanged when fewer than two steps are elementwise or when
    they do not form one run that can be evaluated at the first one's position.
    The last step joins the run if its layer is in ``reducers`` and it reads
    nothing from inside the task but the run's steps.
    """
    positions = [i for i, (k, _) in enumerate(steps) if key_name(k) in tileable]
    if len(positions) < 2:
        return steps
    first = positions[0]
    group = [steps[i] for i in positions]
    group_keys = {k for k, _ in group}
    before = {k for k, _ in steps[:first]}
    # Every input of the run must be ready where the run starts.
    inner = {k for k, _ in steps}
    for _, task in group:
        if any(d in inner and d not in group_keys and d not in before
               for d in task.dependencies):
            return steps
    row_reducers: dict[Key, RowReduce] = {}
    last_key, last_task = steps[-1]
    reducer = (reducers or {}).get(key_name(last_key))
    if reducer is not None and last_key not in group_keys and all(
            d in group_keys or d in before or d not in inner for d in last_task.dependencies):
        positions.append(len(steps) - 1)
        group.append(steps[-1])
        group_keys.add(last_key)
        row_reducers[last_key] = reducer
    rest = [s for i, s in enumerate(steps) if i > first and i not in positions]
    needed = {d for _, t in rest for d in t.dependencies} & group_keys
    if last_key in group_keys:
        needed.add(last_key)
    if not needed:
        return steps
    outputs = sorted(needed, key=repr)
    tile_key = ("tiled", last_key)
    new = list(steps[:first]) + [(tile_key, TiledSteps(group, outputs, row_reducers))]
    new += [(k, PickOutput(tile_key, k)) for k in outputs if k != last_key]
    new += rest
    if last_key in group_keys:
        new.append((last_key, PickOutput(tile_key, last_key)))
    return new
