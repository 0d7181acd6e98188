"""Elementwise math: every NumPy ufunc, the operators, where, clip, astype, round.

Each is one Blockwise layer (arrays aligned to common chunks, broadcasting by
NumPy's rules), so chains of them fuse into one task per chunk. The output dtype
is NumPy's own answer on one-element samples, so NumPy 2 promotion rules hold
(``float32_array + 1.0`` stays float32).

>>> import numpy as np
>>> import chunkarray.array as caa
>>> x = caa.from_array(np.arange(4.0), chunks=2)
>>> caa.sin(x) ** 2 + caa.cos(x) ** 2
chunkarray.Array<add, shape=(4,), dtype=float64, chunksize=(2,), chunks=2, tasks=12>
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from chunkarray.array.blockwise import blockwise
from chunkarray.array.core import Array, implements
from chunkarray.errors import ChunkArrayTypeError, ChunkArrayValueError
from chunkarray.tokenize import name as make_name

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

UFUNC_REDUCTIONS = {
    np.add: "sum", np.multiply: "prod", np.maximum: "max", np.minimum: "min",
    np.logical_and: "all", np.logical_or: "any",
}


def _shape_of(value: Any) -> tuple[int, ...]:
    return tuple(getattr(value, "shape", ()))


def _broadcast_shape(args: list[Any]) -> tuple[Any, ...]:
    """NumPy's broadcast shape; an unknown (nan) length matches any length."""
    shapes = [_shape_of(a) for a in args]
    ndim = max((len(s) for s in shapes), default=0)
    out: list[Any] = []
    for axis in range(ndim):
        sizes = [s[axis - ndim + len(s)] for s in shapes if axis - ndim + len(s) >= 0]
        known = {n for n in sizes if not math.isnan(n) and n != 1}
        if len(known) > 1:
            shown = " ".join(str(s) for s in shapes)
            raise ChunkArrayValueError(
                f"operands could not be broadcast together with shapes {shown}"
            )
        if any(math.isnan(n) for n in sizes):
            out.append(math.nan)
        else:
            out.append(known.pop() if known else (1 if sizes else 1))
    return tuple(out)


def _as_arrays(args: list[Any], shape: tuple[int, ...]) -> list[Any]:
    """NumPy arrays (ndim > 0) become Arrays chunked like the Array operands."""
    from chunkarray.array.creation import from_array

    known = [a for a in args if isinstance(a, Array)]
    out = []
    for a in args:
        if isinstance(a, Array) or not hasattr(a, "shape") or np.ndim(a) == 0:
            out.append(a)
            continue
        a = np.asarray(a)
        chunks = []
        for axis, size in enumerate(a.shape):
            pos = len(shape) - a.ndim + axis
            match = [k.chunks[pos - (len(shape) - k.ndim)] for k in known
                     if pos - (len(shape) - k.ndim) >= 0
                     and k.shape[pos - (len(shape) - k.ndim)] == size]
            chunks.append(match[0] if match and size != 1 else (size,))
        out.append(from_array(a, chunks=tuple(chunks)))
    return out


def _sample(value: Any) -> Any:
    if isinstance(value, Array):
        return np.ones((1,) * value.ndim, dtype=value.dtype)
    return value


def infer_dtype(func: Callable[..., Any], args: list[Any]) -> np.dtype[Any]:
    """The dtype NumPy gives ``func`` on one-element samples of ``args``."""
    with np.errstate(all="ignore"):
        result = func(*[_sample(a) for a in args])
    if isinstance(result, tuple):
        return np.result_type(*[np.asarray(r).dtype for r in result])
    return np.asarray(result).dtype


def elemwise(func: Callable[..., Any], *args: Any, dtype: Any = None,
             name: str | None = None, tileable: bool = True) -> Any:
    """Apply ``func`` elementwise over broadcast arrays and scalars.

    Raises ValueError naming the shapes when they do not broadcast, and NumPy's
    own error (when the graph is built) when NumPy refuses the dtypes.
    """
    # Lists and tuples are array-likes to NumPy, not scalars.
    args_list = [np.asarray(a) if isinstance(a, (list, tuple)) else a for a in args]
    shape = _broadcast_shape(args_list)
    args_list = _as_arrays(args_list, shape)
    if not any(isinstance(a, Array) for a in args_list):
        return func(*args_list)
    if dtype is None:
        dtype = infer_dtype(func, args_list)
    ndim = len(shape)
    out_ind = _LETTERS[:ndim]
    pairs: list[Any] = []
    for a in args_list:
        if isinstance(a, Array):
            pairs += [a, out_ind[ndim - a.ndim:]]
        else:
            pairs += [a, None]
    label = name or getattr(func, "__name__", None) or "elemwise"
    token = make_name(label, func, *args_list)
    return blockwise(func, out_ind, *pairs, dtype=dtype, name=token, elementwise=tileable)


def apply_ufunc(ufunc: np.ufunc, *inputs: Any, **kwargs: Any) -> Any:
    """A NumPy ufunc applied lazily (``np.sin(x)`` and ``caa.sin(x)``)."""
    if ufunc.signature is not None:
        # A generalized ufunc works on core dimensions, which blocks would cut apart.
        raise ChunkArrayTypeError(
            f"{ufunc.__name__}: generalized ufuncs (signature {ufunc.signature!r}) are not "
            f"implemented for chunkarray arrays"
        )
    if kwargs.get("where", True) is not True:
        raise ChunkArrayTypeError(
            f"{ufunc.__name__}: where= is not supported on chunkarray arrays (it needs out=); "
            f"use chunkarray.array.where(condition, {ufunc.__name__}(...), other)"
        )
    func: Callable[..., Any] = partial(ufunc, **kwargs) if kwargs else ufunc
    if kwargs:
        func.__name__ = ufunc.__name__  # type: ignore[attr-defined]
    if ufunc.nout == 1:
        return elemwise(func, *inputs, name=ufunc.__name__)
    both = elemwise(func, *inputs, name=ufunc.__name__, tileable=False)
    with np.errstate(all="ignore"):  # a sample may divide by zero; only dtypes matter
        dtypes = [np.asarray(r).dtype for r in func(*[_sample(a) for a in inputs])]
    return tuple(
        elemwise(_Pick(i), both, dtype=d, name=f"{ufunc.__name__}-{i}")
        for i, d in enumerate(dtypes)
    )


class _Pick:
    """``pick(values) -> values[i]``: one output of a multi-output ufunc."""

    def __init__(self, i: int) -> None:
        self.i = i
        self.__name__ = "getitem"

    def __call__(self, values: Any) -> Any:
        if isinstance(values, np.ndarray):
            return values
        return values[self.i]

    def __chunkarray_tokenize__(self) -> Any:
        return ("pick", self.i)


def ufunc(name: str) -> Callable[..., Any]:
    """The lazy version of ``numpy.<name>``."""
    uf = getattr(np, name)

    def apply(*args: Any, **kwargs: Any) -> Any:
        return apply_ufunc(uf, *args, **kwargs)

    apply.__name__ = apply.__qualname__ = name
    apply.__doc__ = f"Lazy numpy.{name}, applied block by block."
    return apply




# The ufuncs, one lazy function each.
abs = ufunc("abs")
absolute = ufunc("absolute")
acos = ufunc("acos")
acosh = ufunc("acosh")
add = ufunc("add")
arccos = ufunc("arccos")
arccosh = ufunc("arccosh")
arcsin = ufunc("arcsin")
arcsinh = ufunc("arcsinh")
arctan = ufunc("arctan")
arctan2 = ufunc("arctan2")
arctanh = ufunc("arctanh")
asin = ufunc("asin")
asinh = ufunc("asinh")
atan = ufunc("atan")
atan2 = ufunc("atan2")
atanh = ufunc("atanh")
bitwise_and = ufunc("bitwise_and")
bitwise_count = ufunc("bitwise_count")
bitwise_invert = ufunc("bitwise_invert")
bitwise_left_shift = ufunc("bitwise_left_shift")
bitwise_not = ufunc("bitwise_not")
bitwise_or = ufunc("bitwise_or")
bitwise_right_shift = ufunc("bitwise_right_shift")
bitwise_xor = ufunc("bitwise_xor")
cbrt = ufunc("cbrt")
ceil = ufunc("ceil")
conj = ufunc("conj")
conjugate = ufunc("conjugate")
copysign = ufunc("copysign")
cos = ufunc("cos")
cosh = ufunc("cosh")
deg2rad = ufunc("deg2rad")
degrees = ufunc("degrees")
divide = ufunc("divide")
divmod = ufunc("divmod")
equal = ufunc("equal")
exp = ufunc("exp")
exp2 = ufunc("exp2")
expm1 = ufunc("expm1")
fabs = ufunc("fabs")
float_power = ufunc("float_power")
floor = ufunc("floor")
floor_divide = ufunc("floor_divide")
fmax = ufunc("fmax")
fmin = ufunc("fmin")
fmod = ufunc("fmod")
frexp = ufunc("frexp")
gcd = ufunc("gcd")
greater = ufunc("greater")
greater_equal = ufunc("greater_equal")
heaviside = ufunc("heaviside")
hypot = ufunc("hypot")
invert = ufunc("invert")
isfinite = ufunc("isfinite")
isinf = ufunc("isinf")
isnan = ufunc("isnan")
isnat = ufunc("isnat")
lcm = ufunc("lcm")
ldexp = ufunc("ldexp")
left_shift = ufunc("left_shift")
less = ufunc("less")
less_equal = ufunc("less_equal")
log = ufunc("log")
log10 = ufunc("log10")
log1p = ufunc("log1p")
log2 = ufunc("log2")
logaddexp = ufunc("logaddexp")
logaddexp2 = ufunc("logaddexp2")
logical_and = ufunc("logical_and")
logical_not = ufunc("logical_not")
logical_or = ufunc("logical_or")
logical_xor = ufunc("logical_xor")
maximum = ufunc("maximum")
minimum = ufunc("minimum")
mod = ufunc("mod")
modf = ufunc("modf")
multiply = ufunc("multiply")
negative = ufunc("negative")
nextafter = ufunc("nextafter")
not_equal = ufunc("not_equal")
positive = ufunc("positive")
pow = ufunc("pow")
power = ufunc("power")
rad2deg = ufunc("rad2deg")
radians = ufunc("radians")
reciprocal = ufunc("reciprocal")
remainder = ufunc("remainder")
right_shift = ufunc("right_shift")
rint = ufunc("rint")
sign = ufunc("sign")
signbit = ufunc("signbit")
sin = ufunc("sin")
sinh = ufunc("sinh")
spacing = ufunc("spacing")
sqrt = ufunc("sqrt")
square = ufunc("square")
subtract = ufunc("subtract")
tan = ufunc("tan")
tanh = ufunc("tanh")
true_divide = ufunc("true_divide")
trunc = ufunc("trunc")

# What ``from chunkarray.array.elementwise import *`` (in chunkarray.array) exports: the
# table above and the functions below, not this module's own imports and helpers.
__all__ = [n for n in dir() if isinstance(getattr(np, n, None), np.ufunc)] + [
    "astype", "clip", "imag", "isclose", "real", "round", "where"]


def _operator(op: Callable[[Any, Any], Any], reflected: bool = False) -> Callable[..., Any]:
    def method(self: Array, other: Any) -> Any:
        if not _is_operand(other):
            return NotImplemented
        args = (other, self) if reflected else (self, other)
        return elemwise(op, *args, name=op.__name__.strip("_"))

    return method


def _is_operand(value: Any) -> bool:
    return isinstance(value, (Array, np.ndarray, np.generic, int, float, complex, bool, list,
                              tuple))


def _divmod(self: Array, other: Any) -> Any:
    return apply_ufunc(np.divmod, self, other) if _is_operand(other) else NotImplemented


def _rdivmod(self: Array, other: Any) -> Any:
    return apply_ufunc(np.divmod, other, self) if _is_operand(other) else NotImplemented


def _unary_operator(op: Callable[[Any], Any]) -> Callable[[Array], Any]:
    def method(self: Array) -> Any:
        return elemwise(op, self, name=op.__name__.strip("_"))

    return method


# Python operators on Array, one NumPy-equivalent each.
Array.__add__ = _operator(operator.add)  # type: ignore[attr-defined]
Array.__radd__ = _operator(operator.add, reflected=True)  # type: ignore[attr-defined]
Array.__sub__ = _operator(operator.sub)  # type: ignore[attr-defined]
Array.__rsub__ = _operator(operator.sub, reflected=True)  # type: ignore[attr-defined]
Array.__mul__ = _operator(operator.mul)  # type: ignore[attr-defined]
Array.__rmul__ = _operator(operator.mul, reflected=True)  # type: ignore[attr-defined]
Array.__truediv__ = _operator(operator.truediv)  # type: ignore[attr-defined]
Array.__rtruediv__ = _operator(operator.truediv, reflected=True)  # type: ignore[attr-defined]
Array.__floordiv__ = _operator(operator.floordiv)  # type: ignore[attr-defined]
Array.__rfloordiv__ = _operator(operator.floordiv, reflected=True)  # type: ignore[attr-defined]
Array.__mod__ = _operator(operator.mod)  # type: ignore[attr-defined]
Array.__rmod__ = _operator(operator.mod, reflected=True)  # type: ignore[attr-defined]
Array.__pow__ = _operator(operator.pow)  # type: ignore[attr-defined]
Array.__rpow__ = _operator(operator.pow, reflected=True)  # type: ignore[attr-defined]
Array.__and__ = _operator(operator.and_)  # type: ignore[attr-defined]
Array.__rand__ = _operator(operator.and_, reflected=True)  # type: ignore[attr-defined]
Array.__or__ = _operator(operator.or_)  # type: ignore[attr-defined]
Array.__ror__ = _operator(operator.or_, reflected=True)  # type: ignore[attr-defined]
Array.__xor__ = _operator(operator.xor)  # type: ignore[attr-defined]
Array.__rxor__ = _operator(operator.xor, reflected=True)  # type: ignore[attr-defined]
Array.__divmod__ = _divmod  # type: ignore[attr-defined]
Array.__rdivmod__ = _rdivmod  # type: ignore[attr-defined]
Array.__lshift__ = _operator(operator.lshift)  # type: ignore[attr-defined]
Array.__rlshift__ = _operator(operator.lshift, reflected=True)  # type: ignore[attr-defined]
Array.__rshift__ = _operator(operator.rshift)  # type: ignore[attr-defined]
Array.__rrshift__ = _operator(operator.rshift, reflected=True)  # type: ignore[attr-defined]
Array.__eq__ = _operator(operator.eq)  # type: ignore[assignment,method-assign]
Array.__ne__ = _operator(operator.ne)  # type: ignore[assignment,method-assign]
Array.__lt__ = _operator(operator.lt)  # type: ignore[attr-defined]
Array.__le__ = _operator(operator.le)  # type: ignore[attr-defined]
Array.__gt__ = _operator(operator.gt)  # type: ignore[attr-defined]
Array.__ge__ = _operator(operator.ge)  # type: ignore[attr-defined]
Array.__neg__ = _unary_operator(operator.neg)  # type: ignore[attr-defined]
Array.__pos__ = _unary_operator(operator.pos)  # type: ignore[attr-defined]
Array.__invert__ = _unary_operator(operator.invert)  # type: ignore[attr-defined]
Array.__abs__ = _unary_operator(operator.abs)  # type: ignore[attr-defined]
Array.__hash__ = object.__hash__  # type: ignore[assignment,method-assign]


def _matmul(self: Array, other: Any) -> Any:
    from chunkarray.array.linalg import matmul

    return matmul(self, other)


def _rmatmul(self: Array, other: Any) -> Any:
    from chunkarray.array.linalg import matmul

    return matmul(other, self)


Array.__matmul__ = _matmul  # type: ignore[attr-defined]
Array.__rmatmul__ = _rmatmul  # type: ignore[attr-defined]


def _astype_block(block: np.ndarray, dtype: Any, casting: str) -> np.ndarray:
    return block.astype(dtype, casting=casting)


def astype(x: Array, dtype: Any, casting: str = "unsafe") -> Array:
    """``x`` cast to ``dtype``; NumPy's TypeError at once if the cast is not allowed."""
    dtype = np.dtype(dtype)
    if not np.can_cast(x.dtype, dtype, casting=casting):
        raise ChunkArrayTypeError(
            f"Cannot cast array data from {x.dtype!r} to {dtype!r} according to the rule "
            f"{casting!r}"
        )
    if dtype == x.dtype:
        return x
    return elemwise(partial(_astype_block, dtype=dtype, casting=casting), x, dtype=dtype,
                    name="astype")  # type: ignore[no-any-return]


@implements(np.where)
def where(condition: Any, x: Any = None, y: Any = None) -> Any:
    """Elements of ``x`` where ``condition`` holds, else of ``y``.

    The one-argument form (indices of true elements) is ``nonzero``.
    """
    if x is None and y is None:
        from chunkarray.array.slicing import nonzero

        return nonzero(condition)
    if x is None or y is None:
        raise ChunkArrayValueError("where: give both x and y, or neither")
    return elemwise(np.where, condition, x, y, name="where")


@implements(np.clip)
def clip(a: Any, a_min: Any = None, a_max: Any = None, **kwargs: Any) -> Any:
    """Limit values to ``[a_min, a_max]``."""
    a_min = kwargs.pop("min", a_min)
    a_max = kwargs.pop("max", a_max)
    if kwargs:
        raise ChunkArrayTypeError(f"clip: unsupported arguments {sorted(kwargs)}")
    # Bounds are operands, not constants: arrays among them broadcast and are chunked.
    return elemwise(_clip_block, a, a_min, a_max, name="clip")


def _clip_block(block: np.ndarray, a_min: Any, a_max: Any) -> np.ndarray:
    return np.clip(block, a_min, a_max)


@implements(np.round, np.around)
def round(a: Any, decimals: int = 0) -> Any:  # noqa: A001 - NumPy's name
    """Round to ``decimals`` places (NumPy's rounding: half to even)."""
    return elemwise(partial(np.round, decimals=decimals), a, name="round")


@implements(np.real)
def real(a: Any) -> Any:
    """The real part."""
    return elemwise(np.real, a, name="real")


@implements(np.imag)
def imag(a: Any) -> Any:
    """The imaginary part."""
    return elemwise(np.imag, a, name="imag")


@implements(np.isclose)
def isclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Any:
    """Elementwise closeness, as ``numpy.isclose``."""
    return elemwise(partial(np.isclose, rtol=rtol, atol=atol, equal_nan=equal_nan), a, b,
                    name="isclose")


Array.round = lambda self, decimals=0: round(self, decimals)  # type: ignore[attr-defined]
Array.clip = lambda self, min=None, max=None: clip(self, min, max)  # type: ignore[attr-defined]
Array.real = property(real)  # type: ignore[attr-defined]
Array.imag = property(imag)  # type: ignore[attr-defined]
# ndarray.conj() returns real arrays unchanged (np.conj would turn bool into int8).
Array.conj = (  # type: ignore[attr-defined]
    lambda self: conj(self) if self.dtype.kind == "c" else self)
