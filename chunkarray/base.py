"""compute, persist and visualize over the collection protocol.

Every collection (Array, Bag, DataFrame, Series, Delayed) exposes
``__chunkarray_graph__``, ``__chunkarray_keys__``, ``__chunkarray_finalize__`` and
``__chunkarray_rebuild__`` (see :mod:`chunkarray.typing`). The functions here merge
the graphs of all their arguments, so work shared between them runs once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from chunkarray import config
from chunkarray.graph.graph import Graph
from chunkarray.graph.keys import flatten_keys, key_name, pack_results
from chunkarray.graph.optimize import cull, fuse_blockwise, fuse_linear
from chunkarray.graph.order import order
from chunkarray.runtime.scheduler import run
from chunkarray.typing import Callback, Key, is_collection


def _find_collections(value: Any, found: list[Any]) -> Any:
    """Replace each collection inside ``value`` by its index in ``found``."""
    if is_collection(value):
        found.append(value)
        return _Slot(len(found) - 1)
    tp = type(value)
    if tp in (list, tuple, set, frozenset):
        return tp(_find_collections(v, found) for v in value)
    if tp is dict:
        return {k: _find_collections(v, found) for k, v in value.items()}
    return value


class _Slot:
    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


def _fill(template: Any, results: list[Any]) -> Any:
    tp = type(template)
    if tp is _Slot:
        return results[template.index]
    if tp in (list, tuple, set, frozenset):
        return tp(_fill(v, results) for v in template)
    if tp is dict:
        return {k: _fill(v, results) for k, v in template.items()}
    return template


def prepare(
    collections: Sequence[Any], optimize_graph: bool = True, hints: dict[Key, int] | None = None
) -> tuple[dict[Key, Any], list[Key], dict[Key, int]]:
    """The tasks to run for ``collections``, their output keys and priorities."""
    graph = Graph.merge(*(c.__chunkarray_graph__() for c in collections))
    outputs: list[Key] = []
    for c in collections:
        outputs.extend(flatten_keys(c.__chunkarray_keys__()))
    outputs = list(dict.fromkeys(outputs))
    if optimize_graph:
        graph = fuse_blockwise(graph, keep={key_name(k) for k in outputs})
        tasks = fuse_linear(cull(graph, outputs), keep=outputs)
    else:
        tasks = cull(graph, outputs)
    if hints is not None:
        for key in tasks:
            size = graph.nbytes_hint(key)
            if size:
                hints[key] = size
    return tasks, outputs, order(tasks, outputs)


def execute(
    collections: Sequence[Any],
    scheduler: Any = None,
    num_workers: int | None = None,
    optimize_graph: bool | None = None,
    callbacks: Sequence[Callback] = (),
) -> dict[Key, Any]:
    """Run the graphs of ``collections``; the value of every output key."""
    if not collections:
        return {}
    if scheduler is None and not config.is_set("scheduler"):
        # Collections may prefer a scheduler (bags: processes); used when they agree.
        preferred = {getattr(c, "__chunkarray_scheduler__", None) for c in collections}
        if len(preferred) == 1:
            scheduler = preferred.pop()
    name = config.parse_scheduler(scheduler if scheduler is not None else config.get("scheduler"))
    if num_workers is None:
        workers = config.get("num_workers")
    else:
        workers = config.parse_num_workers(num_workers)
    runner = None
    if name == "sync":
        workers = 1
    elif name == "processes":
        from chunkarray.runtime.executors.processes import ProcessRunner

        runner = ProcessRunner(workers)
    elif name != "threads":
        raise NotImplementedError(
            f"compute: scheduler={name!r} is not available yet; use 'threads', 'processes' "
            f"or 'sync'"
        )
    if optimize_graph is None:
        optimize_graph = config.get("optimize_graph")
    hints: dict[Key, int] = {}
    tasks, outputs, priority = prepare(collections, bool(optimize_graph), hints)
    return run(tasks, outputs, priority, workers, callbacks, hints, runner=runner)


def compute(
    *args: Any,
    scheduler: Any = None,
    num_workers: int | None = None,
    optimize_graph: bool | None = None,
    traverse: bool = True,
) -> tuple[Any, ...]:
    """Compute several collections at once, sharing their common work.

    Arguments may be collections, plain values (returned unchanged) or
    lists/tuples/dicts holding collections (returned with the same structure).
    Returns a tuple with one result per argument.

    Parameters
    ----------
    scheduler : {"threads", "processes", "sync"}, optional
        Defaults to the ``scheduler`` setting when it is set, else to what the
        collections prefer when they agree (bags: ``"processes"``), else threads.
    num_workers : int, optional
        Threads or processes to use; defaults to the ``num_workers`` setting.
    optimize_graph : bool, optional
        Fuse the graph before running it; the ``optimize_graph`` setting by default.

    Examples
    --------
    >>> import chunkarray as ca
    >>> x = ca.delayed(sum)([1, 2, 3])
    >>> ca.compute(x, [x, 4], {"a": x})
    (6, [6, 4], {'a': 6})
    """
    found: list[Any] = []
    if traverse:
        templates = [_find_collections(a, found) for a in args]
    else:
        templates = []
        for a in args:
            if is_collection(a):
                found.append(a)
                templates.append(_Slot(len(found) - 1))
            else:
                templates.append(a)
    values = execute(found, scheduler, num_workers, optimize_graph)
    results = [
        c.__chunkarray_finalize__(pack_results(c.__chunkarray_keys__(), values)) for c in found
    ]
    return tuple(_fill(t, results) for t in templates)


def persist(
    *args: Any,
    scheduler: Any = None,
    num_workers: int | None = None,
    optimize_graph: bool | None = None,
    store: Any = None,
    resume: bool = False,
    overwrite: bool = False,
) -> tuple[Any, ...]:
    """Compute collections and return the same collections over their results.

    A persisted collection's graph has one task per output chunk (its value).
    With ``store=`` (a local Zarr group path), the chunks are written there
    instead, as components ``"0"``, ``"1"``, ... in argument order, and the
    returned collections read from it; ``resume=True`` finishes an interrupted
    persist, writing only the missing chunks; an existing store holding something
    else is left untouched unless ``overwrite=True``.

    >>> import chunkarray as ca
    >>> (p,) = ca.persist(ca.delayed(sum)([1, 2]))
    >>> p.compute()
    3
    """
    if store is not None:
        return _persist_to_store(args, store, resume, overwrite)
    found = [a for a in args if is_collection(a)]
    values = execute(found, scheduler, num_workers, optimize_graph)
    out = []
    for a in args:
        if is_collection(a):
            keys = flatten_keys(a.__chunkarray_keys__())
            out.append(a.__chunkarray_rebuild__({k: values[k] for k in keys}))
        else:
            out.append(a)
    return tuple(out)


def _persist_to_store(args: Sequence[Any], store: Any, resume: bool,
                      overwrite: bool) -> tuple[Any, ...]:
    out = []
    for i, a in enumerate(args):
        hook = getattr(a, "__chunkarray_store__", None)
        if hook is None:
            if is_collection(a):
                raise TypeError(
                    f"persist: store= is not supported for {type(a).__name__} collections yet"
                )
            out.append(a)
            continue
        out.append(hook(store, str(i), resume=resume, overwrite=overwrite))
    return tuple(out)


def visualize(*args: Any, filename: str | None = None, **kwargs: Any) -> Any:
    """Draw the task graph of collections (see :func:`chunkarray.graph.dot.visualize`).

    Arguments may be collections of any kind (or hold them, as for ``compute``); their
    graphs are merged, so shared work is drawn once. ``filename="graph.svg"`` writes
    the picture (svg, png and pdf need Graphviz's ``dot``; ``.dot`` text needs
    nothing); ``color="order"`` or ``"layer"`` fills the nodes; ``optimize_graph=True``
    draws the graph as it runs; graphs over ``MAX_TASKS`` tasks are drawn one box per
    layer with its task count (``level="layer"`` asks for that).

    >>> import chunkarray as ca
    >>> import chunkarray.array as caa
    >>> x = caa.ones((4, 4), chunks=2)
    >>> print(ca.visualize(x + 1, level="layer").dot.count("4 tasks"))
    2
    """
    from chunkarray.graph.dot import visualize as draw

    found: list[Any] = []
    for a in args:
        _find_collections(a, found)
    return draw(found, filename=filename, **kwargs)


def collection_method(function: Callable[..., tuple[Any, ...]]) -> Callable[..., Any]:
    """``x.compute()`` / ``x.persist()`` from ``compute`` / ``persist``."""

    def method(self: Any, **kwargs: Any) -> Any:
        return function(self, **kwargs)[0]

    method.__name__ = function.__name__
    method.__qualname__ = function.__name__
    method.__doc__ = f"{function.__name__.capitalize()} this collection; see chunkarray.{function.__name__}."
    return method
