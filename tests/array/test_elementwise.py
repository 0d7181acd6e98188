"""Tests for chunkarray.array.elementwise: the ufunc table, operators, promotion, helpers.

Everything is compared with NumPy on the same data: shapes of 0-4 axes (zero-length
ones too), random chunkings, all the dtypes of ``chunkarray.testing.strategies``. When
NumPy refuses an operation, ours must raise the same builtin exception type while the
graph is built, before anything is computed.
"""

from __future__ import annotations

import operator
import warnings
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import chunkarray.array as caa
from chunkarray.array import elementwise
from chunkarray.array.core import Array
from chunkarray.base import prepare
from chunkarray.testing import assert_eq
from chunkarray.testing.strategies import DTYPES, arrays, chunks_for, dtypes, shapes

SETTINGS = settings(max_examples=40, deadline=None)

# The table: every lazy function of the module named after a NumPy ufunc.
TABLE = sorted(n for n, f in vars(elementwise).items()
               if isinstance(getattr(np, n, None), np.ufunc) and callable(f)
               and getattr(f, "__name__", None) == n)

# Second operands that must stay small and non-negative (else NumPy raises on values, or
# the result depends on undefined shift behaviour).
EXPONENTS = {"power", "pow", "float_power", "left_shift", "right_shift",
             "bitwise_left_shift", "bitwise_right_shift", "ldexp"}


@contextmanager
def quiet() -> Iterator[None]:
    """NumPy's floating-point and cast warnings off (also in the worker threads)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
        yield


def builtin_error(exc: BaseException) -> type[BaseException]:
    """The builtin exception class NumPy's exception is (UFuncTypeError -> TypeError)."""
    return next(c for c in type(exc).__mro__ if c.__module__ == "builtins")


def check(build: Callable[[], Any], expected: Callable[[], Any]) -> Any:
    """``build()`` (lazy) against ``expected()`` (NumPy): same values, or same error at once."""
    try:
        with quiet():
            want = expected()
    except Exception as exc:  # NumPy refuses: so must we, while building the graph
        with pytest.raises(builtin_error(exc)):
            build()
        return None
    got = build()
    with quiet():
        if isinstance(want, tuple):
            assert isinstance(got, tuple) and len(got) == len(want)
            for g, w in zip(got, want):
                assert isinstance(g, Array)
                assert_eq(g, w)
        else:
            assert isinstance(got, Array)
            assert_eq(got, want)
    return got


def small(kind_or_dtype: Any) -> st.SearchStrategy[Any]:
    """Elements 0..5: exponents and shift counts NumPy accepts for every dtype."""
    dt = np.dtype(kind_or_dtype)
    if dt.kind == "b":
        return st.booleans()
    if dt.kind in "iu":
        return st.integers(0, 5)
    return st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0]).map(lambda v: dt.type(v))


@st.composite
def operand(draw: Any, shape: tuple[int, ...], dtype: np.dtype[Any], kind: str,
            exponent: bool = False) -> tuple[Any, Any]:
    """``(ours, numpy's)`` for one operand: an Array, a NumPy array or a scalar."""
    elements = small if exponent else None
    if kind == "python":
        value = draw(arrays(dtype, (), elements=elements)).item()
        return value, value
    if kind == "numpy_scalar":
        value = draw(arrays(dtype, (), elements=elements))[()]
        return value, value
    data = draw(arrays(dtype, shape, elements=elements))
    if kind == "numpy":
        return data, data
    return caa.from_array(data, chunks=draw(chunks_for(shape))), data


@st.composite
def operands(draw: Any, n: int, exponent_last: bool = False,
             dtype: st.SearchStrategy[np.dtype[Any]] | None = None) -> tuple[list[Any], ...]:
    """``n`` mutually broadcastable operands, at least one of them an Array."""
    shapes_, _ = draw(hnp.mutually_broadcastable_shapes(num_shapes=n, min_dims=0, max_dims=4,
                                                         min_side=0, max_side=4))
    kinds = draw(st.lists(st.sampled_from(["array", "array", "numpy", "python",
                                           "numpy_scalar"]), min_size=n, max_size=n))
    kinds[draw(st.integers(0, n - 1))] = "array"
    ours, theirs = [], []
    for i, (shape, kind) in enumerate(zip(shapes_, kinds)):
        dt = draw(dtype if dtype is not None else dtypes())
        o, t = draw(operand(shape, dt, kind, exponent=exponent_last and i == n - 1))
        ours.append(o)
        theirs.append(t)
    return ours, theirs


# -- the ufunc table ---------------------------------------------------------------------


def test_table_has_every_numpy_ufunc() -> None:
    numpy_ufuncs = {n for n in dir(np) if isinstance(getattr(np, n), np.ufunc)
                    and getattr(np, n).signature is None}  # gufuncs are not elementwise
    assert numpy_ufuncs <= set(TABLE)
    for name in TABLE:
        assert getattr(caa, name) is getattr(elementwise, name)


def fixed_args(name: str, dtype: np.dtype[Any], nin: int) -> list[np.ndarray]:
    rng = np.random.default_rng(zlib.crc32(f"{name} {dtype.str}".encode()))  # reproducible
    first = rng.integers(-6, 7, (5, 4)) if dtype.kind != "u" else rng.integers(0, 7, (5, 4))
    first = first.astype(dtype) if dtype.kind != "f" else (first + rng.random((5, 4))).astype(
        dtype)
    if dtype.kind == "c":
        first = first + 1j * rng.standard_normal((5, 4)).astype(dtype)
    second = rng.integers(0, 4, (4,)).astype(dtype)
    if name == "ldexp":
        second = rng.integers(-3, 4, (4,)).astype(np.int32)
    return [first, second][:nin]


@pytest.mark.parametrize("name", TABLE)
def test_every_ufunc_on_every_dtype(name: str) -> None:
    uf = getattr(np, name)
    for dtype in DTYPES:
        args = fixed_args(name, dtype, uf.nin)
        lazy = [caa.from_array(args[0], chunks=(2, 3))] + [
            caa.from_array(a, chunks=3) for a in args[1:]]
        ours = check(lambda: getattr(caa, name)(*lazy), lambda: uf(*args))
        if ours is not None:  # NumPy's own ufunc (__array_ufunc__) builds the same graph
            names = [o.name for o in (ours if isinstance(ours, tuple) else (ours,))]
            theirs = uf(*lazy)
            assert [o.name for o in (theirs if isinstance(theirs, tuple) else (theirs,))] == names


@SETTINGS
@given(data=st.data())
def test_ufunc_with_broadcasting_matches_numpy(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(TABLE), label="ufunc")
    uf = getattr(np, name)
    ours, theirs = data.draw(operands(uf.nin, exponent_last=name in EXPONENTS))
    check(lambda: getattr(caa, name)(*ours), lambda: uf(*theirs))


def test_gufuncs_are_refused() -> None:
    x = caa.from_array(np.ones((4, 6)), chunks=(2, 3))
    for call in (lambda: np.vecdot(x, x), lambda: np.matvec(x, x[0]),
                 lambda: np.vecmat(x[:, 0], x)):
        with pytest.raises(TypeError, match="not implemented"):
            call()


def test_ufunc_keyword_arguments() -> None:
    a = np.arange(12).reshape(3, 4)
    x = caa.from_array(a, chunks=2)
    check(lambda: np.add(x, 1, dtype="f4"), lambda: np.add(a, 1, dtype="f4"))
    check(lambda: np.add(x, 0.5, casting="no"), lambda: np.add(a, 0.5, casting="no"))
    with pytest.raises(TypeError, match="where="):
        np.add(x, 1, where=a > 3)


def test_multi_output_ufuncs_return_tuples() -> None:
    a = np.linspace(-3, 3, 20).reshape(4, 5)
    x = caa.from_array(a, chunks=(3, 2))
    for name, args in [("modf", (a,)), ("frexp", (a,)), ("divmod", (a, 0.7))]:
        uf = getattr(np, name)
        lazy_args = (x, *args[1:])
        check(lambda: uf(*lazy_args), lambda: uf(*args))
        check(lambda: getattr(caa, name)(*lazy_args), lambda: uf(*args))
    frac, exp = np.frexp(x.astype("f4"))
    assert (frac.dtype, exp.dtype) == (np.float32, np.int32)


def test_ufuncs_stay_lazy_and_refuse_out() -> None:
    reads = []

    class Source:
        shape, dtype = (6,), np.dtype(float)

        def __getitem__(self, index: Any) -> np.ndarray:
            reads.append(index)
            return np.arange(6.0)[index]

    x = caa.from_array(Source(), chunks=2)
    y = np.sin(x) + np.cos(x) * np.float64(2)
    assert isinstance(y, Array) and not reads
    with pytest.raises(TypeError, match="out="):
        np.sin(x, out=np.empty(6))
    with pytest.raises(TypeError, match="out="):
        np.add(x, 1, out=(np.empty(6),))
    assert not reads
    assert_eq(y, np.sin(np.arange(6.0)) + np.cos(np.arange(6.0)) * 2)


# -- operators -----------------------------------------------------------------------------

BINARY = [operator.add, operator.sub, operator.mul, operator.truediv, operator.floordiv,
          operator.mod, operator.pow, operator.and_, operator.or_, operator.xor,
          operator.lshift, operator.rshift, operator.eq, operator.ne, operator.lt,
          operator.le, operator.gt, operator.ge, divmod]
UNARY = [operator.neg, operator.pos, operator.invert, operator.abs]


@pytest.mark.parametrize("op", BINARY, ids=lambda op: op.__name__)
@settings(max_examples=12, deadline=None)
@given(data=st.data())
def test_binary_operators_match_numpy(op: Callable[[Any, Any], Any],
                                      data: st.DataObject) -> None:
    exponent = op in (operator.pow, operator.lshift, operator.rshift)
    (x, y), (a, b) = data.draw(operands(2, exponent_last=exponent))
    if not isinstance(x, Array) and not isinstance(y, Array):
        return
    check(lambda: op(x, y), lambda: op(a, b))  # Array op other, other op Array (reflected)


@pytest.mark.parametrize("op", UNARY, ids=lambda op: op.__name__)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_unary_operators_match_numpy(op: Callable[[Any], Any], data: st.DataObject) -> None:
    dt = data.draw(dtypes())
    x, a = data.draw(operand(data.draw(shapes()), dt, "array"))
    check(lambda: op(x), lambda: op(a))


def test_reflected_operators_with_scalars_and_numpy() -> None:
    a = np.arange(1, 7, dtype="i4").reshape(2, 3)
    x = caa.from_array(a, chunks=(1, 2))
    for other in (3, 2.5, np.int16(3), np.float32(2), np.arange(1, 4, dtype="i2")):
        for op in (operator.add, operator.sub, operator.mul, operator.truediv,
                   operator.floordiv, operator.mod, operator.pow, operator.lt):
            check(lambda: op(other, x), lambda: op(other, a))
            check(lambda: op(x, other), lambda: op(a, other))
    # Lists and tuples are array-likes, as in NumPy.
    check(lambda: x + [1, 2, 3], lambda: a + [1, 2, 3])
    check(lambda: (1.5, 2, 3) * x, lambda: (1.5, 2, 3) * a)
    check(lambda: caa.add(x, [[1], [2]]), lambda: np.add(a, [[1], [2]]))
    check(lambda: np.maximum([[1], [9]], x), lambda: np.maximum([[1], [9]], a))
    assert x.__add__("a") is NotImplemented
    with pytest.raises(TypeError):
        x + "a"  # noqa: B018


# -- promotion (NumPy 2) -------------------------------------------------------------------

PROMOTIONS = [
    ("float32", 1.5), ("float32", np.float64(1.5)), ("float32", 2), ("int8", 1000),
    ("int8", 100), ("int8", np.int64(1000)), ("int8", -1), ("uint8", -1), ("uint8", 255),
    ("uint8", 256), ("uint64", np.int64(1)), ("uint64", 1), ("uint8", np.int8(1)),
    ("uint32", np.int32(1)), ("int16", 1.5), ("bool", 1), ("bool", True), ("bool", 1.5),
    ("complex64", 1j), ("complex64", np.complex128(1j)), ("float32", 1j), ("int64", 2**63),
    ("uint64", 2**64 - 1),
]


@pytest.mark.parametrize(("dtype", "scalar"), PROMOTIONS, ids=str)
def test_promotion_with_scalars_as_numpy_2(dtype: str, scalar: Any) -> None:
    a = np.arange(3).astype(dtype)
    x = caa.from_array(a, chunks=2)
    for op in (operator.add, operator.mul, operator.gt):
        check(lambda: op(x, scalar), lambda: op(a, scalar))
        check(lambda: op(scalar, x), lambda: op(scalar, a))


@SETTINGS
@given(left=dtypes(), right=dtypes())
def test_promotion_between_arrays(left: np.dtype[Any], right: np.dtype[Any]) -> None:
    a, b = np.ones((2, 3), dtype=left), np.zeros(3, dtype=right)
    x, y = caa.from_array(a, chunks=1), caa.from_array(b, chunks=2)
    z = check(lambda: x + y, lambda: a + b)
    if z is not None:
        assert z.dtype == np.result_type(left, right)


# -- broadcasting and chunk unification ----------------------------------------------------


@SETTINGS
@given(data=st.data())
def test_broadcasting_three_arrays(data: st.DataObject) -> None:
    ours, theirs = data.draw(operands(3, dtype=dtypes("if")))
    check(lambda: caa.where(ours[0] > 0, ours[1], ours[2]),
          lambda: np.where(theirs[0] > 0, theirs[1], theirs[2]))

    def build() -> Any:
        with quiet():  # parts between scalars only run at once, as in NumPy
            return ours[0] * ours[1] - ours[2]

    check(build, lambda: theirs[0] * theirs[1] - theirs[2])


def test_chunk_unification() -> None:
    a, b = np.arange(6.0), np.arange(12.0).reshape(2, 6)
    x = caa.from_array(a, chunks=2)
    y = caa.from_array(b, chunks=((1, 1), (3, 3)))
    z = x + y
    assert z.chunks == ((1, 1), (2, 1, 1, 2))
    assert_eq(z, a + b)
    assert_eq(y - x[None, :], b - a[None, :])
    w = x + caa.from_array(np.ones((1, 6)), chunks=(1, 3))  # a length-1 axis broadcasts
    assert w.chunks == ((1,), (2, 1, 1, 2)) and w.numblocks == (1, 4)


@pytest.mark.parametrize(("left", "right"), [((3, 4), (3, 5)), ((2, 3), (3, 2)),
                                             ((4,), (3, 1, 5)), ((0,), (2,))])
def test_shapes_that_do_not_broadcast(left: tuple[int, ...], right: tuple[int, ...]) -> None:
    x = caa.from_array(np.ones(left), chunks=2)
    for other in (caa.from_array(np.ones(right), chunks=2), np.ones(right)):
        with pytest.raises(ValueError, match="broadcast") as info:
            x + other  # noqa: B018
        assert str(left) in str(info.value) and str(right) in str(info.value)
        with pytest.raises(ValueError, match="broadcast"):
            caa.where(True, other, x)


# -- where, clip, astype, round, predicates, complex parts ---------------------------------


def test_where_forms() -> None:
    a = np.arange(12.0).reshape(3, 4)
    x = caa.from_array(a, chunks=2)
    check(lambda: np.where(x > 4, x, -x), lambda: np.where(a > 4, a, -a))
    check(lambda: caa.where(a > 4, 1, caa.from_array(np.arange(4), chunks=3)),
          lambda: np.where(a > 4, 1, np.arange(4)))
    check(lambda: caa.where(x > 4, np.float32(1), 0), lambda: np.where(a > 4, np.float32(1), 0))
    with pytest.raises(ValueError):
        caa.where(x > 4, x)


@SETTINGS
@given(data=st.data())
def test_clip_matches_numpy(data: st.DataObject) -> None:
    (x, lo, hi), (a, alo, ahi) = data.draw(operands(3, dtype=dtypes("iuf")))
    check(lambda: caa.clip(x, lo, hi), lambda: np.clip(a, alo, ahi))
    if isinstance(x, Array) or isinstance(hi, Array):
        check(lambda: caa.clip(x, None, hi), lambda: np.clip(a, None, ahi))
    if isinstance(x, Array):
        check(lambda: np.clip(x, lo, None), lambda: np.clip(a, alo, None))
        check(lambda: x.clip(max=hi), lambda: np.clip(a, None, ahi))


CASTINGS = ["no", "equiv", "safe", "same_kind", "unsafe"]


@SETTINGS
@given(data=st.data(), to=st.sampled_from([*DTYPES, np.dtype("f2"), np.dtype("U5")]),
       casting=st.sampled_from(CASTINGS))
def test_astype_matches_numpy(data: st.DataObject, to: np.dtype[Any], casting: str) -> None:
    dt = data.draw(dtypes())
    x, a = data.draw(operand(data.draw(shapes()), dt, "array"))
    check(lambda: x.astype(to, casting=casting), lambda: a.astype(to, casting=casting))
    check(lambda: caa.astype(x, to, casting=casting), lambda: a.astype(to, casting=casting))


def test_astype_error_is_numpys_type_error() -> None:
    x = caa.from_array(np.arange(3.0), chunks=2)
    with pytest.raises(TypeError, match="float64.*int32.*safe"):
        x.astype("i4", casting="safe")
    assert x.astype(x.dtype) is x


@SETTINGS
@given(data=st.data(), decimals=st.integers(-2, 3))
def test_round_matches_numpy(data: st.DataObject, decimals: int) -> None:
    x, a = data.draw(operand(data.draw(shapes()), data.draw(dtypes()), "array"))
    check(lambda: caa.round(x, decimals), lambda: np.round(a, decimals))
    check(lambda: np.round(x, decimals), lambda: np.round(a, decimals))
    check(lambda: x.round(decimals), lambda: a.round(decimals))


@SETTINGS
@given(data=st.data())
def test_predicates_with_nan_and_inf(data: st.DataObject) -> None:
    dt = data.draw(dtypes("fc"))
    special = st.sampled_from([np.nan, np.inf, -np.inf, 0.0, 1.5])
    shape = data.draw(shapes())
    a = data.draw(arrays(dt, shape, elements=lambda d: special if d.kind == "f" else
                         st.builds(complex, special, special)))
    x = caa.from_array(a, chunks=data.draw(chunks_for(shape)))
    for name in ("isnan", "isfinite", "isinf"):
        check(lambda: getattr(caa, name)(x), lambda: getattr(np, name)(a))


@SETTINGS
@given(data=st.data())
def test_real_imag_conj(data: st.DataObject) -> None:
    x, a = data.draw(operand(data.draw(shapes()), data.draw(dtypes()), "array"))
    check(lambda: caa.real(x), lambda: np.real(a))
    check(lambda: caa.imag(x), lambda: np.imag(a))
    check(lambda: np.real(x), lambda: np.real(a))
    check(lambda: caa.conj(x), lambda: np.conj(a))
    check(lambda: x.conj(), lambda: a.conj())
    if a.dtype.kind == "c":
        check(lambda: x.real, lambda: a.real)
        check(lambda: x.imag, lambda: a.imag)


# -- fusion --------------------------------------------------------------------------------


def test_elementwise_chain_fuses_to_one_task_per_chunk() -> None:
    a = np.linspace(0, 1, 60).reshape(6, 10)
    x = caa.from_array(a, chunks=(2, 3))
    b = np.arange(60.0).reshape(6, 10)  # same shape: chunked like x, read in the fused task
    y = caa.sin(x) ** 2 + caa.cos(x) ** 2 - 1 + b * 2
    y = caa.where(y > 0.5, y, -y).astype("f4")
    y = np.sqrt(abs(y)).clip(0, 10).round(3)
    assert len(prepare([y])[0]) == y.npartitions == 12
    expected = np.sin(a) ** 2 + np.cos(a) ** 2 - 1 + b * 2
    expected = np.sqrt(abs(np.where(expected > 0.5, expected, -expected).astype("f4")))
    assert_eq(y, expected.clip(0, 10).round(3))
    # A broadcast operand's blocks feed several output chunks: they stay their own tasks.
    z = y * np.arange(10.0) + 1
    assert len(prepare([z])[0]) == z.npartitions + 4
