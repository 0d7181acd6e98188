"""Operators of dataframe collections, from one table and one factory.

``df.x + df.y``, ``df.y > 0``, ``-s``, ``2 ** s``: each is one partition-wise
step (aligned partitions, or a scalar broadcast), named after the operator.

>>> import pandas as pd
>>> from chunkarray.dataframe import from_pandas
>>> s = from_pandas(pd.Series([1, 2, 3]), npartitions=2)
>>> (2 * s + 1).compute().tolist()
[3, 5, 7]
"""

from __future__ import annotations

import operator
import warnings
from collections.abc import Callable
from typing import Any

_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul,
    "truediv": operator.truediv, "floordiv": operator.floordiv, "mod": operator.mod,
    "pow": operator.pow, "and": operator.and_, "or": operator.or_, "xor": operator.xor,
}
_COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le,
    "gt": operator.gt, "ge": operator.ge,
}
_UNARY: dict[str, Callable[[Any], Any]] = {
    "neg": operator.neg, "pos": operator.pos, "abs": operator.abs, "invert": operator.invert,
}


def _reflected(op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def reflected(a: Any, b: Any) -> Any:
        return op(b, a)

    reflected.__name__ = f"r{op.__name__}"
    reflected.__qualname__ = reflected.__name__
    return reflected


_REFLECTED = {name: _reflected(op) for name, op in _BINARY.items()}


def _binary(name: str, op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def method(self: Any, other: Any) -> Any:
        from chunkarray.dataframe.partitionwise import partitionwise

        return partitionwise(op, self, other, label=name)

    method.__name__ = f"__{name}__"
    return method


def _unary(name: str, op: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def method(self: Any) -> Any:
        from chunkarray.dataframe.partitionwise import partitionwise

        return partitionwise(op, self, label=name)

    method.__name__ = f"__{name}__"
    return method


def _named(op: Callable[[Any, Any], Any], name: str) -> Callable[..., Any]:
    def method(self: Any, other: Any) -> Any:
        from chunkarray.dataframe.partitionwise import partitionwise

        return partitionwise(op, self, other, label=name)

    method.__name__ = name
    method.__doc__ = f"Partition-wise ``{name}`` (the pandas method of the same name)."
    return method


class OperatorMixin:
    """Operator dunders and their named forms (``add``, ``gt``, ...)."""

    __slots__ = ()

    __add__ = _binary("add", _BINARY["add"])
    __sub__ = _binary("sub", _BINARY["sub"])
    __mul__ = _binary("mul", _BINARY["mul"])
    __truediv__ = _binary("truediv", _BINARY["truediv"])
    __floordiv__ = _binary("floordiv", _BINARY["floordiv"])
    __mod__ = _binary("mod", _BINARY["mod"])
    __pow__ = _binary("pow", _BINARY["pow"])
    __and__ = _binary("and", _BINARY["and"])
    __or__ = _binary("or", _BINARY["or"])
    __xor__ = _binary("xor", _BINARY["xor"])
    __radd__ = _binary("radd", _REFLECTED["add"])
    __rsub__ = _binary("rsub", _REFLECTED["sub"])
    __rmul__ = _binary("rmul", _REFLECTED["mul"])
    __rtruediv__ = _binary("rtruediv", _REFLECTED["truediv"])
    __rfloordiv__ = _binary("rfloordiv", _REFLECTED["floordiv"])
    __rmod__ = _binary("rmod", _REFLECTED["mod"])
    __rpow__ = _binary("rpow", _REFLECTED["pow"])
    __rand__ = _binary("rand", _REFLECTED["and"])
    __ror__ = _binary("ror", _REFLECTED["or"])
    __rxor__ = _binary("rxor", _REFLECTED["xor"])
    __eq__ = _binary("eq", _COMPARISONS["eq"])  # type: ignore[assignment]
    __ne__ = _binary("ne", _COMPARISONS["ne"])  # type: ignore[assignment]
    __lt__ = _binary("lt", _COMPARISONS["lt"])
    __le__ = _binary("le", _COMPARISONS["le"])
    __gt__ = _binary("gt", _COMPARISONS["gt"])
    __ge__ = _binary("ge", _COMPARISONS["ge"])
    __neg__ = _unary("neg", _UNARY["neg"])
    __pos__ = _unary("pos", _UNARY["pos"])
    __abs__ = _unary("abs", _UNARY["abs"])
    __invert__ = _unary("invert", _UNARY["invert"])
    __hash__ = object.__hash__

    add = _named(operator.add, "add")
    sub = _named(operator.sub, "sub")
    mul = _named(operator.mul, "mul")
    div = truediv = _named(operator.truediv, "truediv")
    eq = _named(operator.eq, "eq")
    ne = _named(operator.ne, "ne")
    lt = _named(operator.lt, "lt")
    le = _named(operator.le, "le")
    gt = _named(operator.gt, "gt")
    ge = _named(operator.ge, "ge")

    def abs(self) -> Any:
        """Partition-wise absolute value."""
        return self.__abs__()


def _scalar_binary(name: str, op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def method(self: Any, other: Any) -> Any:
        from chunkarray.dataframe.core import Frame, Scalar
        from chunkarray.graph.graph import Graph
        from chunkarray.graph.layer import MaterializedLayer
        from chunkarray.graph.task import Ref, Task
        from chunkarray.tokenize import tokenize

        if isinstance(other, Frame):
            return NotImplemented  # the frame's reflected operator broadcasts the scalar
        graphs = [self._graph]
        arg, other_meta = other, other
        if isinstance(other, Scalar):
            graphs.append(other._graph)
            arg, other_meta = Ref((other._name, 0)), other._meta
        key = f"{name}-{tokenize(self, other)}"
        layer = MaterializedLayer(key, {(key, 0): Task(op, Ref((self._name, 0)), arg)})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # 0 / 0 on the metas is fine: only types matter
            try:
                meta = op(self._meta, other_meta)
            except Exception:
                meta = self._meta
        return Scalar(Graph.from_layer(layer, *graphs), key, meta)

    method.__name__ = f"__{name}__"
    return method


class ScalarOperatorMixin:
    """Arithmetic and comparisons of lazy Scalars with numbers and other Scalars
    (``s.sum() / s.count()``); with a frame, the frame's operator takes over."""

    __slots__ = ()

    __add__ = _scalar_binary("add", _BINARY["add"])
    __sub__ = _scalar_binary("sub", _BINARY["sub"])
    __mul__ = _scalar_binary("mul", _BINARY["mul"])
    __truediv__ = _scalar_binary("truediv", _BINARY["truediv"])
    __floordiv__ = _scalar_binary("floordiv", _BINARY["floordiv"])
    __mod__ = _scalar_binary("mod", _BINARY["mod"])
    __pow__ = _scalar_binary("pow", _BINARY["pow"])
    __radd__ = _scalar_binary("radd", _REFLECTED["add"])
    __rsub__ = _scalar_binary("rsub", _REFLECTED["sub"])
    __rmul__ = _scalar_binary("rmul", _REFLECTED["mul"])
    __rtruediv__ = _scalar_binary("rtruediv", _REFLECTED["truediv"])
    __rfloordiv__ = _scalar_binary("rfloordiv", _REFLECTED["floordiv"])
    __rpow__ = _scalar_binary("rpow", _REFLECTED["pow"])
    __lt__ = _scalar_binary("lt", _COMPARISONS["lt"])
    __le__ = _scalar_binary("le", _COMPARISONS["le"])
    __gt__ = _scalar_binary("gt", _COMPARISONS["gt"])
    __ge__ = _scalar_binary("ge", _COMPARISONS["ge"])
    __neg__ = lambda self: self * -1  # noqa: E731
    __hash__ = object.__hash__
