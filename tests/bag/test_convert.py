"""to_dataframe against pandas built from the same records."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, strategies as st

import chunkarray as ca
import chunkarray.bag as cab

records = st.lists(st.fixed_dictionaries({"a": st.integers(-9, 9), "b": st.floats(-1, 1),
                                          "c": st.text("xyz", max_size=3)}), min_size=1,
                   max_size=20)


@given(records, st.integers(1, 5))
def test_dicts_become_frames(rows: list[dict], n: int) -> None:
    b = cab.from_sequence(rows, npartitions=n)
    with ca.config.set(scheduler="sync"):
        df = b.to_dataframe()
        assert df.npartitions == n and df.divisions == (None,) * (n + 1)
        expected = pd.DataFrame(rows)
        got = df.compute()
        pd.testing.assert_frame_equal(got.reset_index(drop=True), expected)
        assert list(df.dtypes) == list(expected.dtypes)
        assert df.a.sum().compute() == expected.a.sum()


def test_tuples_scalars_and_explicit_meta() -> None:
    with ca.config.set(scheduler="sync"):
        b = cab.from_sequence([(1, "x"), (2, "y"), (3, "z")], npartitions=2)
        got = b.to_dataframe(columns=["n", "s"]).compute().reset_index(drop=True)
        pd.testing.assert_frame_equal(got, pd.DataFrame({"n": [1, 2, 3], "s": list("xyz")}))
        meta = pd.DataFrame({"n": pd.Series([], dtype="float64"), "s": pd.Series([],
                                                                                dtype=object)})
        typed = b.to_dataframe(meta=meta).compute()
        assert typed.n.dtype == "float64" and typed.n.tolist() == [1.0, 2.0, 3.0]
        s = cab.from_sequence([1.5, 2.5], npartitions=2).to_dataframe()
        assert type(s).__name__ == "Series"
        assert s.compute().tolist() == [1.5, 2.5]
        named = cab.range(4, npartitions=2).to_dataframe(meta=("v", "int64")).compute()
        assert named.name == "v" and named.tolist() == [0, 1, 2, 3]


def test_empty_bag_needs_meta() -> None:
    with ca.config.set(scheduler="sync"):
        b = cab.from_sequence([], npartitions=2)
        with pytest.raises(ValueError, match="pass meta="):
            b.to_dataframe()
        df = b.to_dataframe(meta={"a": "int64"})
        assert len(df.compute()) == 0 and list(df.compute().columns) == ["a"]
