"""Graph: named layers with dependencies between them.

Collections hold a :class:`Graph`. Making a new collection from old ones is O(1):
the new graph keeps its own layer and points to its parents' graphs; the flat
view (every layer by name) is assembled once, on first use, by one traversal.
This keeps long chains of operations (20,000 delayed calls) linear to build.

>>> from chunkarray.graph.layer import MaterializedLayer
>>> from chunkarray.graph.task import Literal
>>> g = Graph.from_layer(MaterializedLayer("x", {"x": Literal(1)}))
>>> list(g.layers), len(g)
(['x'], 1)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from chunkarray.errors import GraphError
from chunkarray.graph.keys import key_name
from chunkarray.graph.layer import Layer
from chunkarray.typing import Key


class Graph:
    """An immutable graph of layers.

    Parameters
    ----------
    layers : dict, optional
        Layers by name owned directly by this graph.
    parents : iterable of Graph, optional
        Graphs whose layers this graph also holds.
    """

    __slots__ = ("_own", "_parents", "_flat", "_owners")

    def __init__(self, layers: dict[str, Layer] | None = None, parents: Iterable[Graph] = ()):
        self._own = dict(layers or {})
        self._parents = tuple(parents)
        self._flat: dict[str, Layer] | None = None
        self._owners: dict[Key, str] | None = None

    @classmethod
    def from_layer(cls, layer: Layer, *parents: Graph) -> Graph:
        """A graph of ``layer`` on top of ``parents``."""
        return cls({layer.name: layer}, parents)

    @classmethod
    def merge(cls, *graphs: Graph) -> Graph:
        """The union of several graphs (layers with equal names are the same work)."""
        uniq = list({id(g): g for g in graphs}.values())
        if len(uniq) == 1:
            return uniq[0]
        return cls({}, uniq)

    @property
    def layers(self) -> dict[str, Layer]:
        """Every layer by name (parents' first)."""
        if self._flat is None:
            self._flat = self._flatten()
        return self._flat

    def _flatten(self) -> dict[str, Layer]:
        flat: dict[str, Layer] = {}
        seen: set[int] = set()
        stack: list[tuple[Graph, bool]] = [(self, False)]
        while stack:
            graph, expanded = stack.pop()
            if expanded:
                flat.update(graph._own)
                continue
            if id(graph) in seen:
                continue
            seen.add(id(graph))
            if graph._flat is not None:
                flat.update(graph._flat)
                continue
            stack.append((graph, True))
            stack.extend((p, False) for p in reversed(graph._parents))
        return flat

    @property
    def dependencies(self) -> dict[str, frozenset[str]]:
        """Layer name -> names of the layers it reads (only those in the graph)."""
        layers = self.layers
        return {n: frozenset(d for d in layer.dependencies if d in layers)
                for n, layer in layers.items()}

    def layer_of(self, key: Key) -> Layer:
        """The layer owning ``key``; GraphError if none does."""
        layer = self.layers.get(key_name(key))
        if layer is not None and key in layer:
            return layer
        return self._foreign_owner(key)

    def _foreign_owner(self, key: Key) -> Layer:
        layers = self.layers
        if self._owners is None:
            self._owners = {}
            for name, lay in layers.items():
                tasks = getattr(lay, "tasks", None)
                if tasks is not None:
                    for k in tasks:
                        if key_name(k) != name:
                            self._owners[k] = name
        owner = self._owners.get(key)
        if owner is None:
            raise GraphError(f"the graph has no task for key {key!r}")
        return layers[owner]

    def task(self, key: Key) -> Any:
        """The runnable for ``key``; GraphError if no layer has it."""
        layer = self.layers.get(key_name(key))
        if layer is not None:
            try:
                return layer.task(key)
            except (KeyError, IndexError, TypeError):
                pass
        return self._foreign_owner(key).task(key)

    def nbytes_hint(self, key: Key) -> int:
        """The expected bytes of ``key``'s value when its layer knows them, else 0."""
        if type(key) is not tuple:
            return 0
        layer = self.layers.get(key[0])
        sizer = getattr(layer, "block_nbytes", None)
        return int(sizer(key[1:])) if sizer is not None else 0

    def own_layer(self, name: str) -> Layer | None:
        """The layer ``name`` if this graph itself (not a parent) holds it."""
        return self._own.get(name)

    def __contains__(self, key: object) -> bool:
        try:
            self.layer_of(key)
        except GraphError:
            return False
        return True

    def __len__(self) -> int:
        """The number of tasks in every layer."""
        return sum(len(layer) for layer in self.layers.values())

    def keys(self) -> Iterator[Key]:
        for layer in self.layers.values():
            yield from layer.keys()

    def to_dict(self) -> dict[Key, Any]:
        """Every task, materialized (for small graphs and tests)."""
        return {k: self.task(k) for k in self.keys()}

    def __repr__(self) -> str:
        return f"Graph({len(self.layers)} layers, {len(self)} tasks)"
