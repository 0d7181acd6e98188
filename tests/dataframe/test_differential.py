"""Differential tests: random frames with NaNs, several dtypes and random partitionings,
every result compared with pandas on the same data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chunkarray.dataframe as cad
from chunkarray.dataframe.groupby import AGGREGATIONS
from chunkarray.dataframe.repartition import compute_partitions

FLOATS = st.one_of(st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False),
                   st.just(np.nan))


@st.composite
def frames(draw, min_rows: int = 0, max_rows: int = 30):
    """A pandas frame (float with NaN, int, str keys with missing, bool) and a partition
    count; the index is sorted with possible repeats, or a shuffled range."""
    n = draw(st.integers(min_rows, max_rows))
    x = draw(st.lists(FLOATS, min_size=n, max_size=n))
    i = draw(st.lists(st.integers(-50, 50), min_size=n, max_size=n))
    k = draw(st.lists(st.sampled_from(["a", "b", "c", None]), min_size=n, max_size=n))
    b = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    if draw(st.booleans()):
        index = pd.Index(sorted(draw(st.lists(st.integers(0, 40), min_size=n, max_size=n))),
                         dtype="int64")
    else:
        index = pd.RangeIndex(n)
    pdf = pd.DataFrame({"x": pd.Series(x, dtype="float64"), "i": pd.Series(i, dtype="int64"),
                        "k": pd.Series(k, dtype="str"), "b": pd.Series(b, dtype="bool")})
    pdf.index = index
    return pdf, draw(st.integers(1, 6))


def _same(result, expected) -> None:
    if isinstance(expected, pd.DataFrame):
        pd.testing.assert_frame_equal(result, expected)
    elif isinstance(expected, pd.Series):
        pd.testing.assert_series_equal(result, expected)
    elif isinstance(expected, (float, np.floating)):
        assert type(result) is type(expected) or np.isscalar(result)
        assert np.isclose(result, expected, equal_nan=True, rtol=1e-9, atol=1e-6), (
            result, expected)
    else:
        assert result == expected and type(result) is type(expected), (result, expected)


@given(frames(), st.floats(-1e6, 1e6, allow_nan=False))
@settings(max_examples=20)
def test_filters(data, threshold) -> None:
    pdf, n = data
    df = cad.from_pandas(pdf, npartitions=n)
    _same(df[df.x > threshold].compute(), pdf[pdf.x > threshold])
    _same(df[(df.i % 2 == 0) & df.b].compute(), pdf[(pdf.i % 2 == 0) & pdf.b])
    _same(df[df.k == "a"].x.compute(), pdf[pdf.k == "a"].x)
    _same(df[~df.b][["x", "k"]].compute(), pdf[~pdf.b][["x", "k"]])
    _same(df.x[df.x.isna()].compute(), pdf.x[pdf.x.isna()])


@given(frames(), st.integers(-5, 5))
@settings(max_examples=12)
def test_arithmetic_and_comparisons(data, scalar) -> None:
    pdf, n = data
    df = cad.from_pandas(pdf, npartitions=n)
    _same((df.x + df.i).compute(), pdf.x + pdf.i)
    _same((df.x * scalar - df.i / 2).compute(), pdf.x * scalar - pdf.i / 2)
    _same((scalar - df.i).compute(), scalar - pdf.i)
    _same((df.i % 7 + df.i // 3).compute(), pdf.i % 7 + pdf.i // 3)
    _same((df[["x", "i"]] * 2 + 1).compute(), pdf[["x", "i"]] * 2 + 1)
    _same((-df.x).compute(), -pdf.x)
    _same(abs(df.i).compute(), abs(pdf.i))
    _same((df.i ** 2).compute(), pdf.i ** 2)
    for op in ("eq", "ne", "lt", "le", "gt", "ge"):
        _same(getattr(df.i, f"__{op}__")(scalar).compute(), getattr(pdf.i, f"__{op}__")(scalar))
        _same(getattr(df.x, op)(df.i).compute(), getattr(pdf.x, op)(pdf.i))
    _same((df.b | (df.i > 0)).compute(), pdf.b | (pdf.i > 0))
    _same((df.x - df.x.mean()).compute(), pdf.x - pdf.x.mean())


@pytest.mark.parametrize("how", ["sum", "mean", "std", "var", "min", "max", "count"])
@given(data=frames())
@settings(max_examples=8)
def test_reductions(how, data) -> None:
    pdf, n = data
    df = cad.from_pandas(pdf, npartitions=n)
    split = 2 + n % 3
    for column in ("x", "i", "b"):
        _same(getattr(df[column], how)(split_every=split).compute(),
              getattr(pdf[column], how)())
    _same(getattr(df[["x", "i"]], how)().compute(), getattr(pdf[["x", "i"]], how)())
    if how in ("std", "var"):
        _same(getattr(df.x, how)(ddof=0).compute(), getattr(pdf.x, how)(ddof=0))


@given(frames())
@settings(max_examples=12)
def test_len_nunique_value_counts(data) -> None:
    pdf, n = data
    df = cad.from_pandas(pdf, npartitions=n)
    assert len(df) == len(pdf) and len(df.x) == len(pdf)
    for column in ("x", "i", "k"):
        _same(df[column].nunique(split_every=2).compute(), pdf[column].nunique())
        _same(df[column].nunique(dropna=False).compute(), pdf[column].nunique(dropna=False))
    _same(df[["i", "k"]].nunique().compute(), pdf[["i", "k"]].nunique())
    for column, dropna in (("k", True), ("k", False), ("i", True), ("x", True)):
        result = df[column].value_counts(dropna=dropna, split_every=2).compute()
        expected = pdf[column].value_counts(dropna=dropna)
        _same(result.sort_index(), expected.sort_index())
        assert result.is_monotonic_decreasing
    _same(df.k.value_counts(normalize=True).compute().sort_index(),
          pdf.k.value_counts(normalize=True).sort_index())


def _check_divisions(frame) -> None:
    """Every partition's labels lie within its divisions (when they are known)."""
    if not frame.known_divisions:
        return
    parts = compute_partitions(frame)
    for i, part in enumerate(parts):
        lo, hi = frame.divisions[i], frame.divisions[i + 1]
        assert (part.index >= lo).all()
        assert (part.index <= hi).all() if i == len(parts) - 1 else (part.index < hi).all()


@given(frames(), st.integers(1, 9))
@settings(max_examples=25)
def test_repartition_keeps_contents(data, target) -> None:
    pdf, n = data
    df = cad.from_pandas(pdf, npartitions=n)
    out = df.repartition(npartitions=target)
    assert out.npartitions == target
    _same(out.compute(), df.compute())
    _same(df.x.repartition(npartitions=target).compute(), pdf.x)
    if target < df.npartitions:
        assert out.known_divisions == df.known_divisions
    _check_divisions(out)
    _check_divisions(df.x.repartition(npartitions=target))
    small = df.repartition(partition_size=200)
    _same(small.compute(), df.compute())


def _groupby_cases(pdf, df):
    yield pdf.groupby("k"), df.groupby("k"), True
    yield pdf.groupby("k", dropna=False), df.groupby("k", dropna=False), True
    yield pdf.groupby(["k", "b"]), df.groupby(["k", "b"]), True
    yield pdf.groupby(pdf.i % 3), df.groupby(df.i % 3), True
    yield pdf.groupby("b", sort=False), df.groupby("b", sort=False), False
    kinds = pd.CategoricalDtype(["c", "a", "b", "unseen"])
    pcat = pdf.assign(k=pdf.k.astype(kinds))
    cat = cad.from_pandas(pcat, npartitions=df.npartitions)
    yield pcat.groupby("k"), cat.groupby("k"), True


@pytest.mark.parametrize("how", AGGREGATIONS)
@given(data=frames(min_rows=1))
@settings(max_examples=4)
def test_groupby_aggregations(how, data) -> None:
    pdf, n = data
    df = cad.from_pandas(pdf, npartitions=n)
    for expected_g, g, is_sorted in _groupby_cases(pdf, df):
        split = 2 + n % 2
        if how == "size":
            result, expected = g.size(split_every=split).compute(), expected_g.size()
        else:
            result = getattr(g.x, how)(split_every=split).compute()
            expected = getattr(expected_g.x, how)()
            if not is_sorted:
                result, expected = result.sort_index(), expected.sort_index()
            _same(result, expected)
            result = getattr(g[["x", "i"]], how)().compute()
            expected = getattr(expected_g[["x", "i"]], how)()
        if not is_sorted:
            result, expected = result.sort_index(), expected.sort_index()
        _same(result, expected)
    _same(getattr(df.x.groupby(df.k), how)().compute(), getattr(pdf.x.groupby(pdf.k), how)())


@given(data=frames(min_rows=1))
@settings(max_examples=10)
def test_groupby_agg_forms(data) -> None:
    pdf, n = data
    df = cad.from_pandas(pdf, npartitions=n)
    for spec in ("std", ["mean", "count", "max"], {"x": "mean", "i": ["std", "sum"]},
                 {"x": "nunique", "i": "first", "b": "last"}):
        _same(df.groupby("k").agg(spec).compute(), pdf.groupby("k").agg(spec))
    _same(df.groupby("k").x.agg(["sum", "var"]).compute(), pdf.groupby("k").x.agg(["sum", "var"]))
    _same(df.groupby("k").aggregate({"x": "min"}).compute(),
          pdf.groupby("k").aggregate({"x": "min"}))
    _same(df.groupby("k").std(ddof=0).compute(), pdf.groupby("k")[["x", "i", "b"]].std(ddof=0))


def test_groupby_variance_is_stable_far_from_zero() -> None:
    rng = np.random.default_rng(0)
    pdf = pd.DataFrame({"k": rng.integers(0, 3, 3000), "x": 1e9 + rng.random(3000)})
    df = cad.from_pandas(pdf, npartitions=30)
    result = df.groupby("k").x.var().compute()
    exact = pdf.groupby("k").x.apply(lambda s: np.var(s.to_numpy() - 1e9, ddof=1))
    np.testing.assert_allclose(result.to_numpy(), exact.to_numpy(), rtol=1e-6)
    two_keys = df.assign(j=df.k * 0).groupby(["k", "j"]).x.var().compute()  # pandas partials
    np.testing.assert_allclose(two_keys.to_numpy(), exact.to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(float(df.x.var().compute()),
                               np.var(pdf.x.to_numpy() - 1e9, ddof=1), rtol=1e-6)


@given(frames())
@settings(max_examples=15)
def test_drop_duplicates_and_unique(data) -> None:
    pdf, n = data
    df = cad.from_pandas(pdf, npartitions=n)
    _same(df[["k", "b"]].drop_duplicates(split_every=2).compute(),
          pdf[["k", "b"]].drop_duplicates())
    _same(df.drop_duplicates(subset=["k"]).compute(), pdf.drop_duplicates(subset=["k"]))
    assert df.i.unique().compute().tolist() == pdf.i.unique().tolist()


@given(frames(min_rows=1), st.lists(st.integers(-5, 45), min_size=0, max_size=6),
       st.booleans())
@settings(max_examples=30)
def test_repartition_to_divisions(data, cuts, include_edges) -> None:
    pdf, n = data
    df = cad.from_pandas(pdf, npartitions=n)
    lo, hi = df.divisions[0], df.divisions[-1]
    inner = [c for c in cuts if lo < c < hi]
    divisions = tuple(sorted({lo - 1 if include_edges else lo, *inner, hi + 3 if
                              include_edges else hi}))
    if len(divisions) < 2:
        divisions = (lo, lo + 1)
    out = df.repartition(divisions=divisions)
    assert out.divisions == divisions and out.npartitions == len(divisions) - 1
    _same(out.compute(), df.compute())
    _check_divisions(out)
    if lo > 0:
        with pytest.raises(ValueError, match="must cover"):
            df.repartition(divisions=(lo + 1, max(hi, lo + 1) + 1))


@given(frames(min_rows=1), frames(min_rows=1), st.sampled_from(["left", "inner", "outer",
                                                               "right"]))
@settings(max_examples=25)
def test_join_and_concat(left, right, how) -> None:
    (pl, nl), (pr, nr) = left, right
    pl, pr = pl[~pl.index.duplicated()], pr[~pr.index.duplicated()][["x", "k"]]
    pr = pr.rename(columns={"x": "rx", "k": "rk"})
    a, b = cad.from_pandas(pl, npartitions=nl), cad.from_pandas(pr, npartitions=nr)
    _same(a.join(b, how=how).compute(), pl.join(pr, how=how))
    _same(a.x.to_frame().join(b.rx, how=how).compute(), pl.x.to_frame().join(pr.rx, how=how))
    _same(cad.concat([a, b]).compute(), pd.concat([pl, pr]))
    _same(cad.concat([a.x, a.x]).compute(), pd.concat([pl.x, pl.x]))


def test_join_needs_known_divisions() -> None:
    pdf = pd.DataFrame({"v": range(6)})
    a = cad.from_pandas(pdf, npartitions=2, sort=False)
    with pytest.raises(ValueError, match="known divisions"):
        a.join(a.rename(columns={"v": "w"}))


@pytest.mark.parametrize("how", AGGREGATIONS)
def test_groupby_all_missing_groups_and_empty_partitions(how) -> None:
    pdf = pd.DataFrame({"k": ["a", "a", "b", "b", "c"], "x": [np.nan, np.nan, 1.0, np.nan, 2.0],
                        "i": [1, 2, 3, 4, 5]})
    df = cad.from_pandas(pdf, npartitions=3)
    for frame, expected_frame in ((df, pdf), (df[df.i > 3], pdf[pdf.i > 3]),
                                  (df[df.i > 9], pdf[pdf.i > 9])):
        if how == "size":
            _same(frame.groupby("k").size().compute(), expected_frame.groupby("k").size())
            continue
        _same(getattr(frame.groupby("k").x, how)().compute(),
              getattr(expected_frame.groupby("k").x, how)())
        _same(frame.groupby("k").agg({"x": how, "i": how}).compute(),
              expected_frame.groupby("k").agg({"x": how, "i": how}))


@given(frames(min_rows=1), st.sampled_from(["x", "i", "k"]), st.integers(1, 5))
@settings(max_examples=25)
def test_set_index_sorts_with_known_divisions(data, column, target) -> None:
    pdf, n = data
    df = cad.from_pandas(pdf, npartitions=n)
    out = df.set_index(column, npartitions=target)
    expected = pdf.set_index(column).sort_index(kind="stable")
    _same(out.compute(), expected)
    assert out.npartitions <= target
    if expected.index.notna().all():
        _check_divisions(out)
    ordered = cad.from_pandas(pdf.sort_values("i", kind="stable").reset_index(drop=True),
                              npartitions=n)
    _same(ordered.set_index("i", sorted=True).compute(),
          pdf.sort_values("i", kind="stable").set_index("i"))


def test_set_index_on_many_rows_keeps_divisions_true() -> None:
    import chunkarray as ca

    df = ca.datasets.timeseries(end="2000-01-04", freq="5s", seed=2).reset_index()
    out = df.set_index("id", npartitions=4)
    full = df.compute().set_index("id").sort_index(kind="stable")
    assert out.divisions[0] == full.index.min() and out.divisions[-1] == full.index.max()
    _check_divisions(out)
    _same(out.compute(), full)
    _same(out.loc[990:1010].compute(), full.loc[990:1010])


@given(frames(min_rows=1), frames(min_rows=1), st.sampled_from(["left", "inner", "outer",
                                                               "right"]))
@settings(max_examples=20)
def test_merge_on_a_column(left, right, how) -> None:
    (pl, nl), (pr, nr) = left, right
    pr = pr[["i", "x"]].rename(columns={"x": "rx"})
    a, b = cad.from_pandas(pl, npartitions=nl), cad.from_pandas(pr, npartitions=nr)
    result = a.merge(b, on="i", how=how).compute()
    expected = pd.merge(pl, pr, on="i", how=how)
    key = ["i", "x", "k", "b", "rx"]
    _same(result.sort_values(key, kind="stable").reset_index(drop=True),
          expected.sort_values(key, kind="stable").reset_index(drop=True))
