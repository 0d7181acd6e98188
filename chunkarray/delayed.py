"""Delayed: lazy calls of plain Python functions.

``delayed(f)(x, y)`` records the call ``f(x, y)`` as one task instead of running
it. Delayed values can be passed to other delayed calls (they become
dependencies, also inside lists, tuples and dicts), combined with operators,
indexed, and have attributes and methods read lazily.

Calls are impure by default: each call gets a fresh key, so two calls of a
random function are two tasks. ``pure=True`` names the call by a token of the
function and its arguments, so equal calls are computed once. Operators are pure.

>>> from chunkarray import delayed
>>> @delayed
... def lazy_exponent(x, y):
...     return x ** y
>>> x = lazy_exponent(4, 5)
>>> z = x * lazy_exponent(x, 2)
>>> z.compute()
1073741824
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from typing import Any

from chunkarray import base
from chunkarray.errors import ChunkArrayTypeError
from chunkarray.graph.graph import Graph
from chunkarray.graph.layer import MaterializedLayer
from chunkarray.graph.task import Literal, Ref, Task, func_label
from chunkarray.runtime.memory import held_task
from chunkarray.tokenize import fresh_name, tokenize
from chunkarray.typing import Key, is_collection

__all__ = ["Delayed", "delayed"]


class Delayed:
    """A lazy value: one key in a task graph.

    Use :func:`delayed` to make one. ``.compute()`` runs the graph and returns the
    value; ``.key`` is the key; ``repr`` shows ``Delayed('name-token')``.
    """

    __slots__ = ("_key", "_graph", "_length")

    def __init__(self, key: Key, graph: Graph, length: int | None = None) -> None:
        object.__setattr__(self, "_key", key)
        object.__setattr__(self, "_graph", graph)
        object.__setattr__(self, "_length", length)

    @property
    def key(self) -> Key:
        return self._key

    # -- the collection protocol --
    def __chunkarray_graph__(self) -> Graph:
        return self._graph

    def __chunkarray_keys__(self) -> list[Key]:
        return [self._key]

    def __chunkarray_finalize__(self, results: list[Any]) -> Any:
        return results[0]

    def __chunkarray_rebuild__(self, values: dict[Key, Any]) -> Delayed:
        layer = MaterializedLayer(_name_of(self._key), {self._key: held_task(values[self._key])})
        return Delayed(self._key, Graph.from_layer(layer), self._length)

    compute = base.collection_method(base.compute)
    persist = base.collection_method(base.persist)

    def visualize(self, filename: str | None = None, **kwargs: Any) -> Any:
        """Draw this value's task graph; see :func:`chunkarray.visualize`."""
        return base.visualize(self, filename=filename, **kwargs)

    def __repr__(self) -> str:
        return f"Delayed({self._key!r})"

    def _repr_html_(self) -> str:
        """The key, then the tasks per readable name (``lazy_exponent: 2``); nothing computed."""
        import html

        from chunkarray.graph.keys import key_prefix

        layers = self._graph.layers
        counts: dict[str, int] = {}
        for name, layer in layers.items():
            prefix = key_prefix(name)
            counts[prefix] = counts.get(prefix, 0) + len(layer)
        rows = "".join(f"<tr><td><code>{html.escape(p)}</code></td><td>{n}</td></tr>"
                       for p, n in counts.items())
        total = len(self._graph)
        return (f"<div><strong>Delayed</strong> <code>{html.escape(repr(self._key))}</code>: "
                f"{total} task{'s' * (total != 1)} in {len(layers)} layer"
                f"{'s' * (len(layers) != 1)}<table><thead><tr><th>name</th><th>tasks</th></tr>"
                f"</thead><tbody>{rows}</tbody></table></div>")

    def __hash__(self) -> int:
        return hash(self._key)

    def __chunkarray_tokenize__(self) -> Any:
        return ("Delayed", self._key)

    def __bool__(self) -> bool:
        raise ChunkArrayTypeError(
            "the truth value of a Delayed is not known until computed; call .compute() first"
        )

    def __setattr__(self, name: str, value: Any) -> None:
        raise ChunkArrayTypeError("Delayed objects are immutable; use a delayed function instead")

    def __len__(self) -> int:
        if self._length is None:
            raise ChunkArrayTypeError("Delayed objects of unspecified length have no len()")
        return self._length

    def __iter__(self) -> Iterator[Delayed]:
        if self._length is None:
            raise ChunkArrayTypeError(
                "Delayed objects of unspecified length are not iterable; pass nout= to delayed"
            )
        return iter([self[i] for i in range(self._length)])

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("_"):
            raise AttributeError(f"'Delayed' object has no attribute {attr!r}")
        return _DelayedAttr(self, attr)

    def __getitem__(self, index: Any) -> Delayed:
        return call(operator.getitem, (self, index), {}, pure=True, name="getitem")

    def __call__(self, *args: Any, **kwargs: Any) -> Delayed:
        return call(_apply, (self, *args), kwargs, pure=False, name=None)


class DelayedLeaf(Delayed):
    """A delayed function (or callable object): calling it records a call."""

    __slots__ = ("_obj", "_pure", "_nout", "_name")

    def __init__(self, obj: Any, key: Key, pure: bool, nout: int | None, name: str | None):
        layer = MaterializedLayer(key, {key: Literal(obj)})  # type: ignore[arg-type]
        super().__init__(key, Graph.from_layer(layer))
        object.__setattr__(self, "_obj", obj)
        object.__setattr__(self, "_pure", pure)
        object.__setattr__(self, "_nout", nout)
        object.__setattr__(self, "_name", name)

    def __call__(self, *args: Any, **kwargs: Any) -> Delayed:
        pure = kwargs.pop("pure", self._pure)
        return call(self._obj, args, kwargs, pure=pure, name=self._name, nout=self._nout)

    @property
    def __wrapped__(self) -> Any:
        return self._obj


class _DelayedAttr(Delayed):
    """``d.attr``: lazily read; calling it calls the method lazily."""

    __slots__ = ("_owner", "_attr")

    def __init__(self, owner: Delayed, attr: str) -> None:
        d = call(getattr, (owner, attr), {}, pure=True, name="getattr")
        super().__init__(d.key, d._graph)
        object.__setattr__(self, "_owner", owner)
        object.__setattr__(self, "_attr", attr)

    def __call__(self, *args: Any, **kwargs: Any) -> Delayed:
        return call(_call_method, (self._owner, self._attr, *args), kwargs, pure=False,
                    name=self._attr)


def _call_method(obj: Any, attr: str, *args: Any, **kwargs: Any) -> Any:
    return getattr(obj, attr)(*args, **kwargs)


def _apply(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


def _name_of(key: Key) -> str:
    return key[0] if type(key) is tuple else key  # type: ignore[no-any-return]


def to_task_arg(value: Any, graphs: list[Graph]) -> Any:
    """``value`` as a task argument: Delayed -> Ref, containers walked, others kept."""
    tp = type(value)
    if tp is Delayed or isinstance(value, Delayed):
        graphs.append(value._graph)
        return Ref(value._key)
    if tp is list or tp is tuple:
        items = [to_task_arg(v, graphs) for v in value]
        if tp is tuple:
            return Task(tuple, items) if any(_is_dynamic(i) for i in items) else tuple(items)
        return items
    if tp is dict:
        return {k: to_task_arg(v, graphs) for k, v in value.items()}
    if tp in (set, frozenset):
        items = [to_task_arg(v, graphs) for v in value]
        return Task(tp, items) if any(_is_dynamic(i) for i in items) else value
    if is_collection(value):
        return to_task_arg(from_collection(value), graphs)
    return value


def _is_dynamic(value: Any) -> bool:
    tp = type(value)
    if tp is Ref or tp is Task:
        return True
    if tp is list:
        return any(_is_dynamic(v) for v in value)
    if tp is dict:
        return any(_is_dynamic(v) for v in value.values())
    return False


def from_collection(collection: Any) -> Delayed:
    """One Delayed whose value is the computed collection."""
    keys = collection.__chunkarray_keys__()
    key = f"finalize-{tokenize(collection.__chunkarray_graph__().layers.keys(), keys)}"
    refs = _nested_refs(keys)
    task = Task(collection.__chunkarray_finalize__, refs)
    layer = MaterializedLayer(key, {key: task})
    return Delayed(key, Graph.from_layer(layer, collection.__chunkarray_graph__()))


def _nested_refs(keys: Any) -> Any:
    if type(keys) is list:
        return [_nested_refs(k) for k in keys]
    return Ref(keys)


def call(
    func: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    *,
    pure: bool,
    name: str | None,
    nout: int | None = None,
) -> Delayed:
    """Record ``func(*args, **kwargs)`` as a new Delayed."""
    graphs: list[Graph] = []
    task_args = [to_task_arg(a, graphs) for a in args]
    task_kwargs = {k: to_task_arg(v, graphs) for k, v in kwargs.items()}
    prefix = name or func_label(func)
    if pure:
        key = f"{prefix}-{tokenize(func, _key_view(task_args), _key_view(task_kwargs))}"
    else:
        key = fresh_name(prefix)
    task = Task(func, *task_args, **task_kwargs)
    return Delayed(key, Graph.from_layer(MaterializedLayer(key, {key: task}), *graphs), nout)


def _key_view(value: Any) -> Any:
    """Task arguments with Refs and Tasks replaced by tokenizable stand-ins."""
    tp = type(value)
    if tp is Ref:
        return ("__ref__", value.key)
    if tp is Task:
        return ("__task__", value.func, _key_view(list(value.args)))
    if tp is list or tp is tuple:
        return tp(_key_view(v) for v in value)
    if tp is dict:
        return {k: _key_view(v) for k, v in value.items()}
    return value


_DECORATOR = object()  # obj's default: ``@delayed(pure=True)`` form


def delayed(
    obj: Any = _DECORATOR,
    name: str | None = None,
    pure: bool | None = None,
    nout: int | None = None,
    traverse: bool = True,
) -> Any:
    """Wrap a function or a value so that it is evaluated lazily.

    Parameters
    ----------
    obj : callable or object
        A function to call lazily, or a value (which may hold Delayed values or
        collections inside lists, tuples and dicts).
    name : str, optional
        The key prefix (the function's name by default); for a value, the whole key.
    pure : bool, optional
        If True, calls are named by a token of the function and arguments, so
        equal calls share one key. Default False: a fresh key per call.
    nout : int, optional
        The number of outputs a call returns, making the result iterable.

    Examples
    --------
    >>> inc = delayed(lambda x: x + 1, name="inc")
    >>> inc(1)
    Delayed('inc-...')
    >>> inc(1).compute()
    2
    >>> delayed([inc(1), 5]).compute()
    [2, 5]
    """
    if obj is _DECORATOR:
        return lambda f: delayed(f, name=name, pure=pure, nout=nout, traverse=traverse)
    if isinstance(obj, Delayed):
        return obj
    if is_collection(obj):
        return from_collection(obj)
    if callable(obj):
        prefix = name or func_label(obj)
        key = f"{prefix}-{tokenize(obj)}"
        return DelayedLeaf(obj, key, bool(pure), nout, name)
    graphs: list[Graph] = []
    arg = to_task_arg(obj, graphs) if traverse else obj
    key = name or f"{type(obj).__name__}-{tokenize(_key_view(arg))}"
    task = Task(_identity, arg) if graphs else Literal(obj)
    return Delayed(key, Graph.from_layer(MaterializedLayer(key, {key: task}), *graphs), nout)


def _identity(value: Any) -> Any:
    return value


def _binary(op: Callable[[Any, Any], Any], reflected: bool = False) -> Callable[..., Delayed]:
    label = op.__name__.strip("_")

    def method(self: Delayed, other: Any) -> Delayed:
        args = (other, self) if reflected else (self, other)
        return call(op, args, {}, pure=True, name=label)

    return method


def _unary(op: Callable[[Any], Any]) -> Callable[[Delayed], Delayed]:
    label = op.__name__.strip("_")

    def method(self: Delayed) -> Delayed:
        return call(op, (self,), {}, pure=True, name=label)

    return method


_BINARY = ["add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul",
           "and_", "or_", "xor", "lshift", "rshift"]
_COMPARE = ["eq", "ne", "lt", "le", "gt", "ge"]
for _op in _BINARY:
    _dunder = _op.rstrip("_")
    setattr(Delayed, f"__{_dunder}__", _binary(getattr(operator, _op)))
    setattr(Delayed, f"__r{_dunder}__", _binary(getattr(operator, _op), reflected=True))
for _op in _COMPARE:
    setattr(Delayed, f"__{_op}__", _binary(getattr(operator, _op)))
for _op in ["neg", "pos", "invert", "abs"]:
    setattr(Delayed, f"__{_op}__", _unary(getattr(operator, _op)))
Delayed.__hash__ = lambda self: hash(self._key)  # type: ignore[method-assign]
