"""Layers: named groups of tasks that produce their tasks lazily.

A layer owns the keys whose name is the layer's name (``"x"`` or
``("x", i, j)``). A :class:`MaterializedLayer` holds a dict of tasks and may also
own keys with other names (a merged graph of delayed calls). Layers that describe
many tasks by a rule (:class:`~chunkarray.graph.blockwise.Blockwise`) only make a
task when asked for its key, so culling a million-chunk layer to three keys
costs three tasks.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from chunkarray.graph.keys import key_name, key_prefix
from chunkarray.typing import Key


class Layer(ABC):
    """A named group of tasks.

    Subclasses implement ``keys``, ``__len__`` and ``task``; ``dependencies`` holds
    the names of the layers whose keys the tasks read.
    """

    name: str
    dependencies: frozenset[str]
    # Optional: block index -> bytes of that block's value, set by collections that
    # know it (arrays), read by the memory manager as the expected output size.
    block_nbytes: Any = None

    @abstractmethod
    def keys(self) -> Iterator[Key]:
        """Every key of the layer."""

    @abstractmethod
    def __len__(self) -> int:
        """The number of tasks."""

    @abstractmethod
    def task(self, key: Key) -> Any:
        """The runnable for ``key``; KeyError if the layer does not own it."""

    def __contains__(self, key: object) -> bool:
        try:
            self.task(key)
        except (KeyError, IndexError, TypeError):
            return False
        return True

    @property
    def label(self) -> str:
        """A short name for pictures: the name without its token."""
        return key_prefix(self.name)

    def materialize(self) -> dict[Key, Any]:
        """All tasks as a dict (avoid on big layers)."""
        return {k: self.task(k) for k in self.keys()}


class MaterializedLayer(Layer):
    """A layer holding an explicit ``{key: runnable}`` dict.

    >>> from chunkarray.graph.task import Literal
    >>> layer = MaterializedLayer("x", {"x": Literal(1)})
    >>> len(layer), "x" in layer
    (1, True)
    """

    __slots__ = ("name", "tasks", "dependencies", "block_nbytes")

    def __init__(
        self, name: str, tasks: Mapping[Key, Any], dependencies: Iterable[str] | None = None
    ) -> None:
        self.name = name
        self.tasks = dict(tasks)
        self.block_nbytes = None
        if dependencies is None:
            # Found from the tasks: the layers owning the keys they read.
            own = {key_name(k) for k in self.tasks}
            dependencies = {key_name(d) for t in self.tasks.values() for d in t.dependencies}
            dependencies -= own
        self.dependencies = frozenset(dependencies)

    def keys(self) -> Iterator[Key]:
        return iter(self.tasks)

    def __len__(self) -> int:
        return len(self.tasks)

    def task(self, key: Key) -> Any:
        return self.tasks[key]

    def __contains__(self, key: object) -> bool:
        return key in self.tasks

    def materialize(self) -> dict[Key, Any]:
        return dict(self.tasks)

    def __repr__(self) -> str:
        return f"MaterializedLayer({self.name!r}, {len(self)} tasks)"
