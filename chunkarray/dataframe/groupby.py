"""groupby aggregations as tree reductions (apply-concat-apply).

``df.groupby(by)[cols].agg(spec)`` lowers to one tree reduction: each partition
is grouped once and every requested (column, aggregation) pair makes a partial
indexed by the group keys; partials are concatenated and merged group by group
up the tree; the last level finishes each pair and assembles pandas' layout
(found by running the same pandas call on the meta). The partials:

- sum, count, size: sums; min, max, first, last: the same aggregation again
  (partitions are merged in order, so first/last stay first/last);
- mean: (sum, count);
- var, std: (count, mean, M2) merged with Chan's formula, so the variance is
  accurate whatever the offset of the data (no sums of squares);
- nunique: the distinct (keys, value) rows.

``by`` may be column names or aligned Series. Groups are sorted by key at the end
unless ``sort=False``; ``dropna`` is pandas'.

>>> import pandas as pd
>>> from chunkarray.dataframe import from_pandas
>>> pdf = pd.DataFrame({"k": ["a", "b", "a", "b", "a"], "v": [1.0, 2.0, 3.0, 4.0, 8.0]})
>>> df = from_pandas(pdf, npartitions=3)
>>> df.groupby("k").v.std().compute().round(3).to_dict()
{'a': 3.606, 'b': 1.414}
>>> df.groupby("k").agg({"v": ["min", "max"]}).compute()
     v
   min  max
k
a  1.0  8.0
b  2.0  4.0
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from chunkarray.dataframe.core import Series, new_collection
from chunkarray.dataframe.groupby_stats import chunk_stats, finish_stats, is_fast, merge_stats
from chunkarray.dataframe.io_csv import project_columns
from chunkarray.dataframe.partitionwise import aligned_frames
from chunkarray.dataframe.reductions import tree
from chunkarray.dataframe.selection import check_columns
from chunkarray.errors import ChunkArrayTypeError, ChunkArrayValueError

AGGREGATIONS = ("sum", "mean", "std", "var", "count", "min", "max", "size", "first", "last",
                "nunique")
_SAME = ("min", "max", "first", "last")
_SERIES = object()  # a key taken from an aligned Series partition
_VALUE = "__value__"  # the column of a grouped Series inside its chunk


class _Plan:
    """chunk / combine / aggregate of one groupby aggregation (see the module docstring)."""

    def __init__(self, keys: list[Any], scalar_key: bool, pairs: list[tuple[Any, str]],
                 dropna: bool, sort: bool, ddof: int, meta: Any, fast: list[bool]) -> None:
        self.keys, self.scalar_key, self.pairs = keys, scalar_key, pairs
        self.dropna, self.sort, self.ddof, self.meta = dropna, sort, ddof, meta
        self.fast = fast
        self.key_dtype: Any = None  # set when partitions hold the key as a categorical
        self.fast_pairs = [p for p, f in zip(pairs, fast) if f]
        self.slow_pairs = [p for p, f in zip(pairs, fast) if not f]
        self.__name__ = "groupby"

    def __chunkarray_tokenize__(self) -> Any:
        keys = ["<series>" if k is _SERIES else k for k in self.keys]
        return ("groupby", keys, self.scalar_key, self.pairs, self.dropna, self.sort,
                self.ddof, self.meta, self.fast)

    def _grouper(self, part: Any, by_parts: tuple[Any, ...]) -> list[Any]:
        it = iter(by_parts)
        return [next(it) if k is _SERIES else part[k] for k in self.keys]

    def chunk(self, part: Any, *by_parts: Any) -> list[Any]:
        grouper = self._grouper(part, by_parts)
        stats = None
        if self.fast_pairs:
            stats = chunk_stats(grouper[0], part, self.fast_pairs, self.dropna,
                                use_categories=self.sort and self.dropna,
                                key_dtype=self.key_dtype)
        slow = []
        if self.slow_pairs:
            g = part.groupby(grouper[0] if self.scalar_key else grouper, sort=False,
                             dropna=self.dropna, observed=True)
            slow = [self._partial(part, g, grouper, col, how) for col, how in self.slow_pairs]
        return [stats, slow]

    def _partial(self, part: Any, g: Any, grouper: list[Any], col: Any, how: str) -> Any:
        if how == "size":
            return g.size()
        s = g[col]
        if how in ("sum", "count") or how in _SAME:
            return getattr(s, how)()
        if how == "mean":
            return pd.DataFrame({"s": s.sum(), "n": s.count()})
        if how in ("var", "std"):
            n = s.count()
            mean = s.mean().fillna(0.0)
            m2 = (s.var(ddof=0) * n).fillna(0.0)
            return pd.DataFrame({"n": n, "mean": mean, "m2": m2})
        data = {f"k{i}": key.array for i, key in enumerate(grouper)}
        data["v"] = part[col].array
        rows = pd.DataFrame(data)
        if self.dropna:
            rows = rows.dropna(subset=[f"k{i}" for i in range(len(grouper))])
        return rows.drop_duplicates()

    def combine(self, parts: list[list[Any]]) -> list[Any]:
        stats = merge_stats([p[0] for p in parts]) if self.fast_pairs else None
        slow = [self._merge(i, [p[1][i] for p in parts]) for i in range(len(self.slow_pairs))]
        return [stats, slow]

    def _merge(self, i: int, items: list[Any]) -> Any:
        how = self.slow_pairs[i][1]
        cat = items[0] if len(items) == 1 else pd.concat(items)
        if how == "nunique":
            return cat.drop_duplicates()
        levels = list(range(cat.index.nlevels))

        def grouped(obj: Any) -> Any:
            return obj.groupby(level=levels, sort=False, dropna=False, observed=True)

        if how in ("sum", "count", "size", "mean"):
            return grouped(cat).sum()
        if how in _SAME:
            return getattr(grouped(cat), how)()
        n = grouped(cat["n"]).sum()
        weighted = cat["n"] * cat["mean"]
        total = grouped(cat["n"]).transform("sum")
        centre = (grouped(weighted).transform("sum") / total.where(total > 0)).fillna(0.0)
        m2 = grouped(cat["m2"] + cat["n"] * (cat["mean"] - centre) ** 2).sum()
        mean = (grouped(weighted).sum() / n.where(n > 0)).fillna(0.0)
        return pd.DataFrame({"n": n, "mean": mean, "m2": m2})

    def _finish(self, how: str, merged: Any) -> Any:
        if how == "mean":
            return merged["s"] / merged["n"].where(merged["n"] > 0)
        if how in ("var", "std"):
            dof = merged["n"] - self.ddof
            var = merged["m2"] / dof.where(dof > 0)
            return np.sqrt(var) if how == "std" else var
        if how == "nunique":
            names = [c for c in merged.columns if c != "v"]
            out = merged.groupby(names, sort=False, dropna=self.dropna, observed=True)["v"]
            out = out.nunique()
            out.index.names = self.meta.index.names
            return out
        return merged

    def aggregate(self, parts: list[list[Any]]) -> Any:
        stats, slow = self.combine(parts)
        fast_done, slow_done = iter(range(len(self.fast_pairs))), iter(slow)
        pieces = []
        for (_, how), is_fast_pair in zip(self.pairs, self.fast):
            if is_fast_pair:
                pieces.append(finish_stats(stats, next(fast_done), how, self.ddof))
            else:
                pieces.append(self._finish(how, next(slow_done)))
        meta = self.meta
        if isinstance(meta, pd.Series):
            out = pieces[0].rename(meta.name)
        else:
            out = pd.concat(pieces, axis=1) if pieces else meta
            out.columns = meta.columns
            if len(out) == 0 and not out.dtypes.equals(meta.dtypes):
                out = out.astype(meta.dtypes)  # no groups: pandas' result is its meta
        if self.sort:
            out = out.sort_index()
        out.index.names = meta.index.names
        return out


class GroupBy:
    """A lazy pandas GroupBy; select columns with ``[...]`` or attributes, then aggregate.

    Parameters
    ----------
    frame : DataFrame or Series
    by : column name, list of column names, Series, or list of those
    sort, dropna : bool
        As in pandas.
    """

    def __init__(self, frame: Any, by: Any, sort: bool = True, dropna: bool = True,
                 selection: Any = None) -> None:
        self.frame, self.sort, self.dropna, self.selection = frame, sort, dropna, selection
        self.scalar_key = not isinstance(by, list)
        self.by = [by] if self.scalar_key else list(by)
        is_frame = not isinstance(frame, Series)
        names = [b for b in self.by if not isinstance(b, Series)]
        if names and not is_frame:
            raise ChunkArrayTypeError(
                f"groupby: a Series can only be grouped by aligned Series, got {names!r}"
            )
        if is_frame:
            check_columns(frame, names, "groupby")
        series = [b for b in self.by if isinstance(b, Series)]
        aligned_frames((frame, *series), "groupby")

    def _meta_groupby(self) -> Any:
        by = [b.meta if isinstance(b, Series) else b for b in self.by]
        g = self.frame.meta.groupby(by[0] if self.scalar_key else by, sort=self.sort,
                                    dropna=self.dropna)
        return g if self.selection is None else g[self.selection]

    def __getitem__(self, key: Any) -> GroupBy:
        if isinstance(self.frame, Series) or self.selection is not None:
            raise ChunkArrayTypeError("groupby: columns are already selected")
        check_columns(self.frame, list(key) if isinstance(key, list) else [key], "groupby")
        return GroupBy(self.frame, self.by if not self.scalar_key else self.by[0],
                       sort=self.sort, dropna=self.dropna, selection=key)

    def __getattr__(self, attr: str) -> Any:
        if not attr.startswith("_") and not isinstance(self.frame, Series):
            if self.selection is None and attr in self.frame.meta.columns:
                return self[attr]
        raise AttributeError(f"'GroupBy' object has no attribute {attr!r}")

    def _value_columns(self) -> list[Any]:
        if isinstance(self.frame, Series):
            return [None]
        if self.selection is not None:
            return list(self.selection) if isinstance(self.selection, list) else [
                self.selection]
        keys = {b for b in self.by if not isinstance(b, Series)}
        return [c for c in self.frame.meta.columns if c not in keys]

    def _is_series_selection(self) -> bool:
        return isinstance(self.frame, Series) or (
            self.selection is not None and not isinstance(self.selection, list))

    def _pairs(self, arg: Any) -> list[tuple[Any, str]]:
        columns = self._value_columns()
        if isinstance(arg, str):
            return [(c, _check_how(arg)) for c in columns]
        if isinstance(arg, list):
            return [(c, _check_how(h)) for c in columns for h in arg]
        if isinstance(arg, dict):
            if self._is_series_selection():
                raise ChunkArrayTypeError("groupby agg: a dict is not accepted for one column")
            check_columns(self.frame, list(arg), "groupby agg")
            return [(c, _check_how(h)) for c, hs in arg.items()
                    for h in (hs if isinstance(hs, list) else [hs])]
        raise ChunkArrayTypeError(
            f"groupby agg: expected an aggregation name, a list of names or a dict of "
            f"column -> name(s), got {type(arg).__name__} {arg!r}"
        )

    def _run(self, pairs: list[tuple[Any, str]], meta: Any, ddof: int, split_every: Any,
             label: str) -> Any:
        keys = [_SERIES if isinstance(b, Series) else b for b in self.by]
        if isinstance(self.frame, Series):
            pairs = [(_VALUE, h) for _, h in pairs]
        plan = _Plan(keys, self.scalar_key, pairs, self.dropna, self.sort, ddof, meta,
                     self._fast_flags(pairs))
        series_by = [b for b in self.by if isinstance(b, Series)]
        frames = [self._pruned(plan), *series_by]
        chunk = plan.chunk if not isinstance(self.frame, Series) else _SeriesChunk(plan)
        graph, name = tree(frames, chunk, plan.combine, plan.aggregate, label, split_every,
                           plan)
        return new_collection(graph, name, meta, (None, None))

    def _pruned(self, plan: _Plan) -> Any:
        """The frame read with only the columns the aggregation needs, if it is a plain
        read; the key as a categorical when only fast pairs need it (its codes group)."""
        frame = self.frame
        if isinstance(frame, Series) or any(isinstance(b, Series) for b in self.by):
            return frame
        needed = list(dict.fromkeys([*self.by, *(c for c, h in plan.pairs if h != "size")]))
        meta = frame.meta
        dictionary = []
        key_dtype = meta[self.by[0]].dtype if self.scalar_key else None
        if (self.scalar_key and all(plan.fast) and plan.sort and plan.dropna
                and not isinstance(key_dtype, pd.CategoricalDtype)
                and pd.api.types.is_string_dtype(key_dtype)):
            dictionary = [self.by[0]]
        if len(needed) == len(meta.columns) and not dictionary:
            return frame
        pruned = project_columns(frame, needed, dictionary=dictionary)
        if pruned is None:
            return frame
        if dictionary and isinstance(pruned.meta[self.by[0]].dtype, pd.CategoricalDtype):
            plan.key_dtype = key_dtype
        return pruned

    def _fast_flags(self, pairs: list[tuple[Any, str]]) -> list[bool]:
        if not self.scalar_key:
            return [False] * len(pairs)
        meta = self.frame.meta
        dtypes = [None if how == "size" else meta.dtype if isinstance(self.frame, Series)
                  else meta[col].dtype for col, how in pairs]
        return [is_fast(how, t) for (_, how), t in zip(pairs, dtypes)]

    def agg(self, arg: Any, split_every: int | None = None, ddof: int = 1) -> Any:
        """Aggregate with a name (``"std"``), a list of names, or a dict column -> name(s)."""
        meta = self._meta_groupby().agg(arg)
        label = arg if isinstance(arg, str) else "aggregate"
        return self._run(self._pairs(arg), meta, ddof, split_every, label)

    aggregate = agg

    def _simple(self, how: str, split_every: Any, ddof: int = 1) -> Any:
        g = self._meta_groupby()
        meta = getattr(g, how)(ddof=ddof) if how in ("std", "var") else getattr(g, how)()
        pairs = [(None, "size")] if how == "size" else self._pairs(how)
        return self._run(pairs, meta, ddof, split_every, how)

    def size(self, split_every: int | None = None) -> Any:
        """The number of rows per group."""
        return self._simple("size", split_every)

    def std(self, ddof: int = 1, split_every: int | None = None) -> Any:
        """The standard deviation per group (numerically stable)."""
        return self._simple("std", split_every, ddof)

    def var(self, ddof: int = 1, split_every: int | None = None) -> Any:
        """The variance per group (numerically stable)."""
        return self._simple("var", split_every, ddof)


def _check_how(how: Any) -> str:
    if how not in AGGREGATIONS:
        raise ChunkArrayValueError(
            f"groupby agg: unknown aggregation {how!r}; expected one of {list(AGGREGATIONS)}"
        )
    return how  # type: ignore[no-any-return]


class _SeriesChunk:
    """The chunk of a Series grouped by Series: the values as a one-column frame."""

    def __init__(self, plan: _Plan) -> None:
        self.plan = plan
        self.__name__ = "groupby"

    def __call__(self, part: Any, *by_parts: Any) -> list[Any]:
        return self.plan.chunk(part.to_frame(name=_VALUE), *by_parts)


def _simple_method(how: str) -> Any:
    def method(self: GroupBy, split_every: int | None = None) -> Any:
        return self._simple(how, split_every)

    method.__name__ = how
    method.__doc__ = f"The {how} per group (a tree reduction)."
    return method


GroupBy.sum = _simple_method("sum")  # type: ignore[attr-defined]
GroupBy.mean = _simple_method("mean")  # type: ignore[attr-defined]
GroupBy.count = _simple_method("count")  # type: ignore[attr-defined]
GroupBy.min = _simple_method("min")  # type: ignore[attr-defined]
GroupBy.max = _simple_method("max")  # type: ignore[attr-defined]
GroupBy.first = _simple_method("first")  # type: ignore[attr-defined]
GroupBy.last = _simple_method("last")  # type: ignore[attr-defined]
GroupBy.nunique = _simple_method("nunique")  # type: ignore[attr-defined]
