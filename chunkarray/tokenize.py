"""The one deterministic name generator: ``name("mul", x, y) -> "mul-3f2a..."``.

Policy: an object is first *normalized* into a tree made only of None, bool, int, float,
complex, str, bytes, tuples, lists and `_Tag` markers; the token is the blake2b digest
(16 bytes, 32 hex characters) of that tree's ``repr``. The ``repr`` of such a tree is
unambiguous (strings are quoted, ``1``, ``1.0`` and ``True`` print differently, tuples and
lists differ, and only a `_Tag` prints as ``<...>``), and it does not depend on object
identity or on ``PYTHONHASHSEED``, so tokens agree across processes and runs.

Large payloads never go through ``repr``: long str/bytes and NumPy buffers are digested
on their own (the GIL is released while hashing) and only the digest enters the tree.
Containers of unsortable keys (dicts, sets) are sorted by the ``repr`` of their
normalized members, so insertion order does not matter.

Fallbacks, in order: ``obj.__chunkarray_tokenize__()``; dataclass fields; ``pickle`` with
protocol 5 (deterministic only as far as the object's pickle is); and for unpicklable
objects a random uuid, so such objects get a fresh token each time rather than an error.
NumPy memmaps are keyed by file, offset, layout and modification time, not content:
writes through a memmap that do not change the file's mtime are not seen.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import hashlib
import itertools
import os
import pickle
import secrets
import sys
import threading
import types
import uuid
from collections.abc import Callable
from typing import Any

__all__ = ["fresh_name", "name", "tokenize"]


class _Tag:
    """A marker heading a normalized tuple; its repr ``<name>`` no plain value has."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.name}>"


_ATOMS = frozenset({type(None), bool, float, complex, type(Ellipsis), type(NotImplemented)})
_SHORT = 256  # longer str/bytes are digested on their own instead of going through repr
_state = threading.local()  # ids of functions being normalized, to stop self-reference


def _digest(data: Any) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _normalize(obj: object) -> object:
    kind = type(obj)
    if kind in _ATOMS:
        return obj
    handler = _HANDLERS.get(kind)
    return handler(obj) if handler is not None else _normalize_other(obj)


def _normalize_int(obj: int) -> object:
    # repr of a huge int is slow and limited by sys.set_int_max_str_digits; hex is not.
    return obj if -(2**64) < obj < 2**64 else (_Tag("bigint"), hex(obj))


def _normalize_text(obj: str | bytes) -> object:
    if len(obj) <= _SHORT:
        return obj
    data = obj.encode("utf-8", "surrogatepass") if isinstance(obj, str) else obj
    return (_Tag(type(obj).__name__), _digest(data))


def _sorted(items: list[Any]) -> list[Any]:
    return sorted(items, key=repr)


_HANDLERS: dict[type, Callable[[Any], object]] = {
    int: _normalize_int,
    str: _normalize_text,
    bytes: _normalize_text,
    tuple: lambda obj: tuple([_normalize(item) for item in obj]),
    list: lambda obj: [_normalize(item) for item in obj],
    dict: lambda obj: (
        _Tag("dict"), _sorted([(_normalize(k), _normalize(v)) for k, v in obj.items()])
    ),
    set: lambda obj: (_Tag("set"), _sorted([_normalize(item) for item in obj])),
    frozenset: lambda obj: (_Tag("frozenset"), _sorted([_normalize(item) for item in obj])),
    bytearray: lambda obj: (_Tag("bytearray"), _normalize_text(bytes(obj))),
    slice: lambda obj: (_Tag("slice"), _normalize((obj.start, obj.stop, obj.step))),
    range: lambda obj: (_Tag("range"), obj.start, obj.stop, obj.step),
    functools.partial: lambda obj: (
        _Tag("partial"), _normalize(obj.func), _normalize(obj.args), _normalize(obj.keywords)
    ),
    types.MethodType: lambda obj: (
        _Tag("method"), _normalize(obj.__self__), _normalize(obj.__func__)
    ),
    types.CodeType: lambda obj: (
        _Tag("code"),
        _normalize(obj.co_code),
        _normalize(obj.co_consts),
        (obj.co_names, obj.co_varnames, obj.co_argcount, obj.co_kwonlyargcount, obj.co_flags),
    ),
}


def _qualified(obj: Any) -> str:
    return f"{getattr(obj, '__module__', None)}.{getattr(obj, '__qualname__', None)}"


def _is_importable(func: Any) -> bool:
    """Whether ``module.qualname`` of ``func`` leads back to ``func`` itself."""
    target: Any = sys.modules.get(getattr(func, "__module__", None) or "")
    for part in str(getattr(func, "__qualname__", "<")).split("."):
        target = getattr(target, part, None)
    return target is func


def _normalize_function(func: types.FunctionType) -> object:
    if _is_importable(func):
        return (_Tag("function"), _qualified(func))
    active = _state.__dict__.setdefault("functions", {})
    if id(func) in active:  # a recursive local function refers to itself
        return (_Tag("recursion"), func.__qualname__)
    active[id(func)] = func
    try:
        cells = [_cell_contents(cell) for cell in func.__closure__ or ()]
        return (
            _Tag("local-function"),
            func.__qualname__,
            _normalize(func.__code__),
            _normalize(func.__defaults__),
            _normalize(func.__kwdefaults__),
            cells,
        )
    finally:
        del active[id(func)]


def _cell_contents(cell: types.CellType) -> object:
    try:
        return _normalize(cell.cell_contents)
    except ValueError:  # an empty cell: the variable is not assigned yet
        return _Tag("empty-cell")


def _normalize_memmap(np: Any, obj: Any) -> object | None:
    root = obj
    while isinstance(root.base, np.memmap):
        root = root.base
    try:
        stat = os.stat(obj.filename)
    except (OSError, TypeError):
        return None
    position = root.offset + (obj.ctypes.data - root.ctypes.data)
    layout = (obj.dtype.str, str(obj.dtype), obj.shape, obj.strides)
    file = (os.fspath(obj.filename), stat.st_mtime_ns, stat.st_size)
    return (_Tag("memmap"), file, position, layout)


def _normalize_ndarray(np: Any, obj: Any) -> object:
    if isinstance(obj, np.ma.MaskedArray):
        mask, fill = np.ma.getmaskarray(obj), obj.fill_value
        return (_Tag("masked"), _normalize(obj.data), _normalize(mask), _normalize(fill))
    if isinstance(obj, np.memmap) and obj.filename is not None:
        token = _normalize_memmap(np, obj)
        if token is not None:
            return token
    header = (_qualified(type(obj)), obj.dtype.str, str(obj.dtype), obj.shape)
    if obj.dtype.hasobject:
        try:
            content: object = _digest(pickle.dumps(obj, protocol=5))
        except Exception:
            content = [_normalize(item) for item in obj.flat]
    elif 0 in obj.strides and obj.size > 1:
        # A broadcast view: hash the distinct data it repeats, not its expansion.
        distinct = obj[tuple(slice(None) if st else slice(0, 1) for st in obj.strides)]
        content = (_Tag("broadcast"), _normalize_ndarray(np, np.ascontiguousarray(distinct)))
    else:
        # The C-contiguous bytes: equal arrays give equal tokens whatever their strides.
        flat = np.ascontiguousarray(obj).reshape(-1)
        content = _digest(flat.view(np.uint8).data) if flat.dtype.itemsize else None
    return (_Tag("ndarray"), header, content)


def _normalize_numpy(obj: Any) -> object | None:
    np = sys.modules.get("numpy")
    if np is None:
        return None
    if isinstance(obj, np.ndarray):
        return _normalize_ndarray(np, obj)
    if isinstance(obj, np.dtype):
        return (_Tag("dtype"), obj.str, str(obj))
    if isinstance(obj, np.generic):
        return (_Tag("scalar"), obj.dtype.str, str(obj.dtype), obj.tobytes())
    if isinstance(obj, np.ufunc):
        return (_Tag("ufunc"), obj.__name__)
    return None


def _normalize_pandas(obj: Any) -> object | None:
    pd: Any = sys.modules["pandas"]
    if isinstance(obj, pd.CategoricalDtype):
        return (_Tag("pandas-dtype"), _normalize(obj.categories), obj.ordered)
    if isinstance(obj, pd.api.extensions.ExtensionDtype):
        return (_Tag("pandas-dtype"), str(obj))
    if isinstance(obj, pd.DataFrame):
        meta: object = (list(obj.columns), [str(t) for t in obj.dtypes], list(obj.index.names))
    elif isinstance(obj, pd.Series):
        meta = (obj.name, str(obj.dtype), list(obj.index.names))
    elif isinstance(obj, pd.Index):
        meta = (list(obj.names), str(obj.dtype))
    else:
        return None
    try:
        hashes = pd.util.hash_pandas_object(obj, index=True).to_numpy()
    except (TypeError, ValueError):  # unhashable cells, such as lists: pickle instead
        return None
    return (_Tag("pandas"), _qualified(type(obj)), _normalize(meta), _normalize(hashes))


def _normalize_fallback(obj: object) -> object:
    try:
        return (_Tag("pickle"), _qualified(type(obj)), _digest(pickle.dumps(obj, protocol=5)))
    except Exception:
        return (_Tag("random"), uuid.uuid4().hex)


def _normalize_other(obj: Any) -> object:
    kind = type(obj)
    if isinstance(obj, type):
        return (_Tag("type"), _qualified(obj))
    if hasattr(kind, "__chunkarray_tokenize__"):
        return (_Tag("custom"), _qualified(kind), _normalize(obj.__chunkarray_tokenize__()))
    module = kind.__module__ or ""
    numpy = sys.modules.get("numpy")
    if module.startswith("numpy") or (numpy and isinstance(obj, (numpy.ndarray, numpy.generic))):
        token = _normalize_numpy(obj)
        if token is not None:
            return token
    if module.startswith("pandas"):
        token = _normalize_pandas(obj)
        if token is not None:
            return token
    if isinstance(obj, types.FunctionType):
        return _normalize_function(obj)
    if isinstance(obj, types.BuiltinFunctionType):
        owner = obj.__self__
        bound = None if owner is None or isinstance(owner, types.ModuleType) else _normalize(owner)
        return (_Tag("builtin"), obj.__module__, obj.__qualname__, bound)
    if isinstance(obj, enum.Enum):
        return (_Tag("enum"), _qualified(kind), obj.name)
    if dataclasses.is_dataclass(obj):
        fields = [(f.name, _normalize(getattr(obj, f.name))) for f in dataclasses.fields(obj)]
        return (_Tag("dataclass"), _qualified(kind), fields)
    for base in (tuple, list, dict, set, frozenset):
        if isinstance(obj, base):  # namedtuples, OrderedDict, ...: type and contents
            return (_Tag("subclass"), _qualified(kind), _HANDLERS[base](obj))
    return _normalize_fallback(obj)


def tokenize(*args: object, **kwargs: object) -> str:
    """Return a deterministic 32-hex-character token for the arguments.

    Equal inputs give equal tokens in any process; inputs that differ in value or type
    (``1``, ``1.0``, ``True``, ``"1"``; ``[1]`` and ``(1,)``; arrays of other dtype or
    shape) give different ones. Unpicklable objects of unknown types get a random token.

    Parameters
    ----------
    *args, **kwargs : object
        The values to token. Keyword order does not matter.

    Returns
    -------
    str
        32 hexadecimal characters.

    Examples
    --------
    >>> tokenize(1, "a", [2.0]) == tokenize(1, "a", [2.0])
    True
    >>> tokenize(1) == tokenize(1.0)
    False
    >>> len(tokenize({"x": 1}))
    32
    """
    try:
        tree = _normalize(args) if not kwargs else (_normalize(args), _normalize(kwargs))
    except RecursionError:  # a container that holds itself, or nesting deeper than the stack
        return uuid.uuid4().hex
    return _digest(repr(tree).encode("utf-8", "surrogatepass"))


def name(prefix: str, *args: object, **kwargs: object) -> str:
    """Return the deterministic name ``f"{prefix}-{tokenize(*args, **kwargs)}"``.

    Parameters
    ----------
    prefix : str
        What the task does, such as ``"mul"``; it keeps graph keys readable.
    *args, **kwargs : object
        The inputs that determine the result, as for `tokenize`.

    Returns
    -------
    str

    Examples
    --------
    >>> name("mul", 2, 3)  # doctest: +ELLIPSIS
    'mul-...'
    >>> name("mul", 2, 3) == name("mul", 2, 3) != name("mul", 3, 2)
    True
    """
    return f"{prefix}-{tokenize(*args, **kwargs)}"


def _reseed() -> None:
    global _salt
    _salt = secrets.randbits(64)


_salt = secrets.randbits(64)
_counter = itertools.count()
os.register_at_fork(after_in_child=_reseed)  # a forked child must not repeat the parent's names


def fresh_name(prefix: str) -> str:
    """Return a unique, non-deterministic name for impure calls, such as random numbers.

    Unique across threads and processes (forked ones too): a random 64-bit number drawn
    per process, then a counter, as 32 hexadecimal characters.

    Parameters
    ----------
    prefix : str
        What the task does.

    Returns
    -------
    str
        ``f"{prefix}-{32 hex characters}"``.

    Examples
    --------
    >>> fresh_name("random") != fresh_name("random")
    True
    >>> len(fresh_name("x"))
    34
    """
    return f"{prefix}-{_salt:016x}{next(_counter):016x}"
