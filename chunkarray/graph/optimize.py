"""Graph optimizations run before execution: blockwise fusion, cull, linear fusion.

Policy
------
1. ``fuse_blockwise`` (layer level): a Blockwise layer whose every consumer is a
   Blockwise layer of one fused group, reading it block for block (block ``i``
   from block ``i``), and which is not itself requested, joins that group. A group
   becomes one :class:`FusedBlockwise` layer: one task per output chunk, running
   the members' tasks for that chunk in order, so no intermediate chunk of an
   elementwise chain is ever held by the scheduler. Shared producers (``x`` in
   ``sin(x) + cos(x)``) fuse too, computed once per chunk.
2. ``cull`` (task level): from the requested keys down, only the tasks they need.
   Layers make tasks on request, so culling a million-chunk layer to a few keys
   is cheap.
3. ``fuse_linear`` (task level): a task with exactly one dependency that has no
   other dependent and is not requested swallows it.

Worked example: ``(sin(x) ** 2).sum()`` over 4 chunks is 4 reads + 4 sin + 4 pow +
4 partial sums + 1 aggregate = 17 tasks; blockwise fusion makes it 4 + 1 = 5.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from chunkarray.graph.blockwise import Blockwise
from chunkarray.graph.graph import Graph
from chunkarray.graph.keys import key_name
from chunkarray.graph.layer import Layer
from chunkarray.graph.task import Fused
from chunkarray.graph.tiling import tile_steps
from chunkarray.typing import Key


def cull(graph: Graph, keys: Iterable[Key]) -> dict[Key, Any]:
    """The tasks needed for ``keys``, materialized; GraphError on a missing key.

    >>> from chunkarray.graph.layer import MaterializedLayer
    >>> from chunkarray.graph.task import Literal
    >>> g = Graph.from_layer(MaterializedLayer("a", {"a": Literal(1), "b": Literal(2)}))
    >>> list(cull(g, ["a"]))
    ['a']
    """
    tasks: dict[Key, Any] = {}
    stack = list(keys)
    task_of = graph.task
    while stack:
        key = stack.pop()
        if key in tasks:
            continue
        task = task_of(key)
        tasks[key] = task
        stack.extend(d for d in task.dependencies if d not in tasks)
    return tasks


def fuse_linear(tasks: Mapping[Key, Any], keep: Iterable[Key]) -> dict[Key, Any]:
    """Fuse chains ``a -> b -> c`` where each inner key has one dependent and is not kept."""
    keep = set(keep)
    dependents: dict[Key, int] = defaultdict(int)
    for task in tasks.values():
        for d in task.dependencies:
            dependents[d] += 1
    # child_of[b] = a: b's only dependency a has b as its only dependent.
    child_of: dict[Key, Key] = {}
    for key, task in tasks.items():
        deps = task.dependencies
        if len(deps) == 1:
            (dep,) = deps
            if dependents[dep] == 1 and dep not in keep and dep in tasks:
                child_of[key] = dep
    if not child_of:
        return dict(tasks)
    absorbed = set(child_of.values())
    out: dict[Key, Any] = {}
    for key, task in tasks.items():
        if key in absorbed:
            continue
        if key not in child_of:
            out[key] = task
            continue
        chain = [(key, task)]
        k = key
        while k in child_of:
            k = child_of[k]
            chain.append((k, tasks[k]))
        chain.reverse()
        out[key] = Fused(chain)
    return out


class FusedBlockwise(Layer):
    """Blockwise layers fused into one: one task per output block of ``root``."""

    def __init__(self, root: Blockwise, members: Mapping[str, Blockwise]) -> None:
        self.name = root.name
        self.root = root
        self.members = dict(members)
        deps: set[str] = set(root.dependencies)
        for m in self.members.values():
            deps |= m.dependencies
        self.dependencies = frozenset(deps - set(self.members))
        self.out_numblocks = root.out_numblocks
        sizers = [getattr(m, "block_nbytes", None) for m in self.members.values()]
        if root.block_nbytes is not None:
            self.block_nbytes = _FusedBytes(root.block_nbytes, [f for f in sizers if f])
        everyone = [(root.name, root), *self.members.items()]
        self.tileable = {n for n, layer in everyone if getattr(layer, "elementwise", False)}
        self.row_reducers = {n: layer.row_reduce for n, layer in everyone
                             if getattr(layer, "row_reduce", None) is not None}

    def keys(self) -> Iterator[Key]:
        return self.root.keys()

    def __len__(self) -> int:
        return len(self.root)

    def task(self, key: Key) -> Any:
        # Depth-first post-order over member tasks (iterative: chains may be long).
        steps: list[tuple[Key, Any]] = []
        seen: set[Key] = {key}
        stack: list[tuple[Key, Any, list[Key]]] = [(key, self.root.task(key), [])]
        stack[-1][2].extend(self._member_deps(stack[-1][1], seen))
        while stack:
            k, task, pending = stack[-1]
            if pending:
                dep = pending.pop()
                if dep in seen:
                    continue
                seen.add(dep)
                dep_task = self.members[key_name(dep)].task(dep)
                stack.append((dep, dep_task, self._member_deps(dep_task, seen)))
            else:
                stack.pop()
                steps.append((k, task))
        if self.tileable:
            steps = tile_steps(steps, self.tileable, self.row_reducers)
        return Fused(steps)

    def _member_deps(self, task: Any, seen: set[Key]) -> list[Key]:
        deps = [d for d in task.dependencies if key_name(d) in self.members and d not in seen]
        return sorted(deps, key=repr, reverse=True)

    def __repr__(self) -> str:
        return f"FusedBlockwise({self.name!r}, {len(self.members) + 1} layers)"


class _FusedBytes:
    """Bytes held by a fused task: its output plus its largest intermediate."""

    def __init__(self, root: Any, members: list[Any]) -> None:
        self.root = root
        self.members = members

    def __call__(self, index: tuple[int, ...]) -> int:
        inner = max((int(m(index)) for m in self.members), default=0)
        return int(self.root(index)) + inner


def fuse_blockwise(graph: Graph, keep: Iterable[str]) -> Graph:
    """Fuse groups of Blockwise layers (see the module docstring).

    ``keep`` names the layers whose keys are requested; they are never absorbed.
    """
    layers = graph.layers
    deps = graph.dependencies
    keep = set(keep)
    dependents: dict[str, set[str]] = defaultdict(set)
    for name, ds in deps.items():
        for d in ds:
            dependents[d].add(name)
    group: dict[str, str] = {}
    for name in reversed(topological_layers(deps)):
        group[name] = _group_of(name, layers, dependents[name], group, keep)
    members: dict[str, dict[str, Blockwise]] = defaultdict(dict)
    for name, root in group.items():
        if root != name:
            members[root][name] = layers[name]  # type: ignore[assignment]
    if not members:
        return graph
    fused: dict[str, Layer] = {}
    for name, layer in layers.items():
        if group[name] != name:
            continue
        if name in members:
            fused[name] = FusedBlockwise(layer, members[name])  # type: ignore[arg-type]
        else:
            fused[name] = layer
    return Graph(fused)


def _group_of(
    name: str,
    layers: Mapping[str, Layer],
    consumers: set[str],
    group: Mapping[str, str],
    keep: set[str],
) -> str:
    layer = layers[name]
    if name in keep or not consumers or type(layer) is not Blockwise:
        return name
    roots = {group[c] for c in consumers}
    if len(roots) != 1:
        return name
    for c in consumers:
        consumer = layers[c]
        if type(consumer) is not Blockwise or not consumer.reads_identically(name):
            return name
    return roots.pop()


def topological_layers(deps: Mapping[str, frozenset[str]]) -> list[str]:
    """Layer names with every layer after the layers it reads; GraphError on a cycle."""
    from chunkarray.errors import GraphError

    order: list[str] = []
    state: dict[str, int] = {}
    for start in deps:
        if start in state:
            continue
        stack: list[tuple[str, Iterator[str]]] = [(start, iter(deps[start]))]
        state[start] = 1
        while stack:
            name, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                stack.pop()
                state[name] = 2
                order.append(name)
            elif state.get(nxt) == 1:
                raise GraphError(f"the graph has a cycle through layer {nxt!r}")
            elif nxt not in state and nxt in deps:
                state[nxt] = 1
                stack.append((nxt, iter(deps[nxt])))
    return order
