"""Numeric groupby partials computed with NumPy: count, size, sum, mean, var, std.

For one grouping key and numeric value columns, pandas' per-call overhead (a
groupby object per statistic, and again per merge) costs more than the work.
Here a partition's keys are turned into integer codes once (a categorical's own
codes, or ``pandas.factorize``), and every statistic is one ``numpy.bincount``:
row counts, non-null counts, sums, and (for var and std only) M2 as the sum of squared deviations from
each group's own mean (two passes, never sums of squares). Merging partials
factorizes the concatenated keys and merges with Chan's formula
(``M2 = sum(M2_i) + sum(n_i * (mean_i - mean)^2)``).

>>> import pandas as pd
>>> part = pd.DataFrame({"k": ["a", "b", "a"], "v": [1.0, 2.0, 4.0]})
>>> stats = chunk_stats(part["k"], part, [("v", "var")], dropna=True, use_categories=False)
>>> merged = merge_stats([stats, stats])
>>> finish_stats(merged, 0, "var", ddof=1).to_dict()
{'a': 3.0, 'b': 0.0}
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

FAST = ("count", "size", "sum", "mean", "var", "std")


def is_fast(how: str, dtype: Any) -> bool:
    """Whether (how, value dtype) takes the NumPy path."""
    if how == "size":
        return True
    kind = getattr(dtype, "kind", "O")
    if isinstance(dtype, pd.api.extensions.ExtensionDtype):
        return False
    if how == "sum":
        return kind == "f"
    return how in FAST and kind in "biuf"


class Stats:
    """Per-group statistics of one or more partitions: ``keys`` (unique group keys),
    ``rows`` (rows per group) and one dict of arrays per fast (column, how) pair."""

    __slots__ = ("keys", "rows", "arrays")

    def __init__(self, keys: pd.Index, rows: np.ndarray, arrays: list[dict[str, np.ndarray]]):
        self.keys, self.rows, self.arrays = keys, rows, arrays

    def __sizeof__(self) -> int:
        return int(self.rows.nbytes * (1 + sum(len(a) for a in self.arrays)) + 64 * len(
            self.keys))


def _codes(key: pd.Series, dropna: bool, use_categories: bool,
           key_dtype: Any = None) -> tuple[np.ndarray, pd.Index]:
    if isinstance(key.dtype, pd.CategoricalDtype):
        if key_dtype is not None and not isinstance(key_dtype, pd.CategoricalDtype):
            # read as categorical only for this groupby (sorted, dropna): the codes are
            # the groups; the keys get the column's own dtype back
            codes = key.cat.codes.to_numpy().astype(np.intp)  # bincount's own type
            cats = key.cat.categories
            return codes, pd.Index(cats.astype(key_dtype), name=key.name)
        if use_categories:
            codes = key.cat.codes.to_numpy()
            cats = pd.Categorical.from_codes(np.arange(len(key.cat.categories)),
                                             dtype=key.dtype)
            return codes, pd.CategoricalIndex(cats, name=key.name)
    codes, uniques = pd.factorize(key, use_na_sentinel=dropna)
    return codes, pd.Index(uniques, name=key.name)


def _weighted(codes: np.ndarray, weights: np.ndarray, groups: int) -> np.ndarray:
    # bincount of no values returns int64 zeros whatever the weights' dtype
    return np.bincount(codes, weights=weights, minlength=groups).astype(np.float64, copy=False)


def _moments(codes: np.ndarray, values: np.ndarray, groups: int, rows: np.ndarray,
             all_valid: bool, m2: bool) -> dict[str, np.ndarray]:
    """n, s, mean (and M2 if ``m2``) of ``values`` per code; ``rows`` counts the codes."""
    missing = values.dtype.kind == "f" and bool(np.isnan(values).any())
    if all_valid and not missing:
        c, v, n = codes, values.astype(np.float64, copy=False), rows
    else:
        keep = codes >= 0
        if missing:
            keep &= ~np.isnan(values)
        c, v = codes[keep], values[keep].astype(np.float64, copy=False)
        n = np.bincount(c, minlength=groups).astype(np.float64)
    s = _weighted(c, v, groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, s / n, 0.0)
    out = {"n": n, "s": s, "mean": mean}
    if m2:
        dev = v - mean[c]
        out["m2"] = _weighted(c, dev * dev, groups)
    return out


def chunk_stats(key: pd.Series, part: pd.DataFrame, pairs: list[tuple[Any, str]],
                dropna: bool, use_categories: bool, key_dtype: Any = None) -> Stats:
    """The Stats of one partition grouped by ``key`` for the fast ``pairs``.

    M2 is computed only for columns asked for ``var`` or ``std``. ``key_dtype``: the
    key column's dtype in the collection, when the partition holds it as a categorical
    only for this groupby (its codes are then used, its categories cast back).
    """
    codes, keys = _codes(key, dropna, use_categories, key_dtype)
    groups = len(keys)
    all_valid = len(codes) == 0 or int(codes.min()) >= 0
    rows = np.bincount(codes if all_valid else codes[codes >= 0],
                       minlength=groups).astype(np.float64)
    spread = {col for col, how in pairs if how in ("var", "std")}
    arrays: list[dict[str, np.ndarray]] = []
    cache: dict[Any, dict[str, np.ndarray]] = {}
    for col, how in pairs:
        if how == "size":
            arrays.append({})
            continue
        if col not in cache:
            cache[col] = _moments(codes, part[col].to_numpy(), groups, rows, all_valid,
                                  col in spread)
        arrays.append(cache[col])
    return Stats(keys, rows, arrays)


def merge_stats(items: list[Stats]) -> Stats:
    """One Stats from several, by key (Chan's formula for M2)."""
    if len(items) == 1:
        return items[0]
    keys = items[0].keys.append([s.keys for s in items[1:]])
    codes, uniques = pd.factorize(keys, use_na_sentinel=False)
    groups = len(uniques)
    index = pd.Index(uniques, name=items[0].keys.name)
    if isinstance(items[0].keys, pd.CategoricalIndex):
        index = pd.CategoricalIndex(uniques, dtype=items[0].keys.dtype, name=index.name)

    def total(values: np.ndarray) -> np.ndarray:
        return _weighted(codes, values, groups)

    rows = total(np.concatenate([s.rows for s in items]))
    arrays: list[dict[str, np.ndarray]] = []
    for i, first in enumerate(items[0].arrays):
        if not first:
            arrays.append({})
            continue
        n_i = np.concatenate([s.arrays[i]["n"] for s in items])
        mean_i = np.concatenate([s.arrays[i]["mean"] for s in items])
        n, s = total(n_i), total(np.concatenate([st.arrays[i]["s"] for st in items]))
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(n > 0, s / n, 0.0)
        merged = {"n": n, "s": s, "mean": mean}
        if "m2" in first:
            m2_i = np.concatenate([st.arrays[i]["m2"] for st in items])
            merged["m2"] = total(m2_i + n_i * (mean_i - mean[codes]) ** 2)
        arrays.append(merged)
    return Stats(index, rows, arrays)


def finish_stats(stats: Stats, i: int, how: str, ddof: int) -> pd.Series:
    """The result of pair ``i`` per observed group."""
    seen = stats.rows > 0
    keys = stats.keys[seen]
    if how == "size":
        return pd.Series(stats.rows[seen].astype(np.int64), index=keys)
    a = {k: v[seen] for k, v in stats.arrays[i].items()}
    with np.errstate(invalid="ignore", divide="ignore"):
        if how == "count":
            values: Any = a["n"].astype(np.int64)
        elif how == "sum":
            values = a["s"]
        elif how == "mean":
            values = np.where(a["n"] > 0, a["s"] / a["n"], np.nan)
        else:
            dof = a["n"] - ddof
            values = np.where(dof > 0, a["m2"] / dof, np.nan)
            if how == "std":
                values = np.sqrt(values)
    return pd.Series(values, index=keys)
