from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chunkarray.errors import ConfigError
from chunkarray.sizes import format_bytes, parse_bytes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2GiB", 2 * 1024**3),
        ("4gib", 4 * 1024**3),
        ("512MB", 512 * 1000**2),
        ("1.5 GB", 1_500_000_000),
        ("100", 100),
        ("10 kB", 10_000),
        ("10 KB", 10_000),
        ("10K", 10_000),
        ("3M", 3_000_000),
        ("2G", 2_000_000_000),
        ("1 TB", 10**12),
        ("1PB", 10**15),
        ("1KiB", 1024),
        ("1 MiB", 1024**2),
        ("1TiB", 1024**4),
        ("1PiB", 1024**5),
        ("7 B", 7),
        ("0.29 kB", 290),
        (" 1e3 ", 1000),
        ("0", 0),
        (".5KiB", 512),
    ],
)
def test_parse_bytes_strings(text: str, expected: int) -> None:
    assert parse_bytes(text) == expected


@pytest.mark.parametrize(("value", "expected"), [(0, 0), (123, 123), (2.0, 2), (1e9, 10**9)])
def test_parse_bytes_numbers(value: float, expected: int) -> None:
    result = parse_bytes(value)
    assert result == expected
    assert type(result) is int


def test_parse_bytes_numpy_integer() -> None:
    np = pytest.importorskip("numpy")
    assert parse_bytes(np.int64(5)) == 5


@pytest.mark.parametrize(
    "value", [-1, -1.0, 1.5, float("nan"), float("inf"), "abc", "12 XB", "-5MB", "", "GB",
              "1 2 MB", "1..5GB", "1e999999999", None, True, False, [1], b"1GB"]
)
def test_parse_bytes_rejects(value: object) -> None:
    with pytest.raises(ConfigError) as info:
        parse_bytes(value, name="memory_limit")
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert message.startswith("memory_limit: cannot parse ")
    assert repr(value) in message
    assert "'2GiB'" in message and "'512MB'" in message


def test_parse_bytes_default_name() -> None:
    with pytest.raises(ValueError, match=r"^value: cannot parse 'abc'"):
        parse_bytes("abc")


@given(st.integers(min_value=0, max_value=2**60))
def test_parse_bytes_of_int_string_roundtrips(n: int) -> None:
    assert parse_bytes(str(n)) == n
    assert parse_bytes(f"{n} B") == n


@given(st.integers(min_value=0, max_value=10**6), st.sampled_from(["KiB", "MiB", "GiB", "TiB"]))
def test_binary_units_are_powers_of_1024(n: int, unit: str) -> None:
    power = ["KiB", "MiB", "GiB", "TiB"].index(unit) + 1
    assert parse_bytes(f"{n}{unit}") == n * 1024**power
    assert parse_bytes(f"{n} {unit.upper()}") == n * 1024**power


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "0 B"),
        (512, "512 B"),
        (921, "921 B"),
        (1000, "0.98 kiB"),
        (1536, "1.50 kiB"),
        (2 * 1024**2, "2.00 MiB"),
        (2 * 1024**3, "2.00 GiB"),
        (5 * 1024**4, "5.00 TiB"),
        (3 * 1024**5, "3.00 PiB"),
    ],
)
def test_format_bytes(n: int, expected: str) -> None:
    assert format_bytes(n) == expected


@given(st.integers(min_value=0, max_value=2**62))
def test_format_bytes_matches_dask(n: int) -> None:
    dask_utils = pytest.importorskip("dask.utils")
    assert format_bytes(n) == dask_utils.format_bytes(n)


# Small enough that Dask's float arithmetic is exact too.
@given(st.integers(min_value=0, max_value=10**6), st.sampled_from(["kB", "MB", "GiB", "KiB", ""]))
def test_parse_bytes_matches_dask(n: int, unit: str) -> None:
    dask_utils = pytest.importorskip("dask.utils")
    assert parse_bytes(f"{n}{unit}") == dask_utils.parse_bytes(f"{n}{unit}")


@given(st.integers(min_value=1024, max_value=2**55))
def test_format_then_parse_is_close(n: int) -> None:
    text = format_bytes(n).replace(" ", "")
    assert abs(parse_bytes(text) - n) <= 0.01 * n
