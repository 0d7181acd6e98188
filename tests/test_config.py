from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from chunkarray import config
from chunkarray.errors import ConfigError

NAMES = ["num_workers", "scheduler", "memory_limit", "spill_dir", "chunk_size",
         "optimize_graph", "split_every"]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in NAMES:
        monkeypatch.delenv(f"CHUNKARRAY_{name.upper()}", raising=False)
    before = {name: config.get(name) for name in NAMES}
    yield
    for name in NAMES:
        monkeypatch.delenv(f"CHUNKARRAY_{name.upper()}", raising=False)
    # A test that leaked a global setting would make the next ones order-dependent.
    assert {name: config.get(name) for name in NAMES} == before


def total_ram_from_proc() -> int:
    with open("/proc/meminfo") as lines:
        for line in lines:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no MemTotal in /proc/meminfo")


def test_defaults_table() -> None:
    assert config.defaults() == {
        "num_workers": None,
        "scheduler": "threads",
        "memory_limit": None,
        "spill_dir": None,
        "chunk_size": "128MiB",
        "optimize_graph": True,
        "split_every": 8,
    }
    config.defaults()["split_every"] = 99  # a copy: changing it changes nothing
    assert config.get("split_every") == 8


def test_resolved_defaults() -> None:
    assert config.get("num_workers") == os.cpu_count()
    assert config.get("scheduler") == "threads"
    assert config.get("chunk_size") == 128 * 2**20
    assert config.get("optimize_graph") is True
    assert config.get("split_every") == 8
    assert config.get("spill_dir") == tempfile.gettempdir()


def test_memory_limit_default_is_half_the_ram() -> None:
    half = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    assert config.get("memory_limit") == half
    if os.path.exists("/proc/meminfo"):
        assert config.get("memory_limit") == pytest.approx(total_ram_from_proc() / 2, rel=0.01)


def test_set_as_context_manager_restores() -> None:
    with config.set(num_workers=2, memory_limit="1GiB", scheduler="single-threaded"):
        assert config.get("num_workers") == 2
        assert config.get("memory_limit") == 2**30
        assert config.get("scheduler") == "sync"
        with config.set(num_workers=3):
            assert config.get("num_workers") == 3
            assert config.get("memory_limit") == 2**30
        assert config.get("num_workers") == 2
    assert config.get("num_workers") == os.cpu_count()
    assert config.get("scheduler") == "threads"


def test_set_restores_on_exception() -> None:
    with pytest.raises(KeyError), config.set(split_every=3):
        raise KeyError("boom")
    assert config.get("split_every") == 8


def test_set_globally_is_seen_by_other_threads() -> None:
    change = config.set(split_every=4, optimize_graph=False)
    try:
        seen: list[object] = []
        thread = threading.Thread(target=lambda: seen.append(config.get("split_every")))
        thread.start()
        thread.join()
        assert seen == [4]
        assert config.get("optimize_graph") is False
    finally:
        change.__exit__(None, None, None)
    assert config.get("split_every") == 8


def test_set_none_means_the_automatic_value() -> None:
    with config.set(num_workers=None, spill_dir=None, memory_limit=None):
        assert config.get("num_workers") == os.cpu_count()
        assert config.get("spill_dir") == tempfile.gettempdir()


def test_spill_dir_accepts_paths(tmp_path: Path) -> None:
    with config.set(spill_dir=tmp_path):
        assert config.get("spill_dir") == str(tmp_path)


def test_scheduler_object_passes_through() -> None:
    client = object()
    with config.set(scheduler=client):
        assert config.get("scheduler") is client
    assert config.parse_scheduler(client) is client


@pytest.mark.parametrize(
    ("given", "expected"),
    [("threads", "threads"), ("sync", "sync"), ("synchronous", "sync"),
     ("single-threaded", "sync"), ("processes", "processes"), ("PROCESSES", "processes")],
)
def test_parse_scheduler(given: str, expected: str) -> None:
    assert config.parse_scheduler(given) == expected


def test_parse_num_workers() -> None:
    assert config.parse_num_workers(3) == 3
    assert config.parse_num_workers(" 5 ") == 5
    assert config.parse_num_workers(None) == os.cpu_count()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("num_workers", 0),
        ("num_workers", -2),
        ("num_workers", 2.5),
        ("num_workers", True),
        ("num_workers", "many"),
        ("scheduler", "gpu"),
        ("scheduler", None),
        ("memory_limit", "12XB"),
        ("memory_limit", -1),
        ("memory_limit", 0),
        ("chunk_size", "lots"),
        ("chunk_size", "0MiB"),
        ("spill_dir", ""),
        ("spill_dir", 3),
        ("optimize_graph", "maybe"),
        ("optimize_graph", 1),
        ("split_every", 1),
        ("split_every", "two"),
    ],
)
def test_set_rejects_bad_values_eagerly(name: str, value: object) -> None:
    with pytest.raises(ConfigError) as info:
        config.set(**{name: value})
    assert isinstance(info.value, ValueError)
    assert str(info.value).startswith(f"{name}: ")
    assert repr(value) in str(info.value)


def test_set_is_all_or_nothing() -> None:
    with pytest.raises(ConfigError):
        config.set(split_every=5, num_workers=0)
    assert config.get("split_every") == 8


def test_scheduler_error_lists_the_accepted_names() -> None:
    with pytest.raises(ConfigError, match="scheduler") as info:
        config.parse_scheduler("gpu")
    for accepted in ["threads", "sync", "synchronous", "single-threaded", "processes"]:
        assert repr(accepted) in str(info.value)


def test_unknown_setting_lists_known_names() -> None:
    for call in (lambda: config.get("num_worker"), lambda: config.set(num_worker=2)):
        with pytest.raises(ConfigError) as info:
            call()
        assert isinstance(info.value, ValueError)
        assert "'num_worker'" in str(info.value)
        for name in NAMES:
            assert name in str(info.value)


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("num_workers", "3", 3),
        ("scheduler", "synchronous", "sync"),
        ("memory_limit", "2GiB", 2 * 2**30),
        ("memory_limit", "1000", 1000),
        ("chunk_size", "64 MB", 64 * 10**6),
        ("spill_dir", "/some/where", "/some/where"),
        ("split_every", "16", 16),
        ("optimize_graph", "false", False),
        ("optimize_graph", "0", False),
        ("optimize_graph", "No", False),
        ("optimize_graph", "yes", True),
        ("optimize_graph", "1", True),
        ("optimize_graph", "TRUE", True),
    ],
)
def test_environment_variables(
    monkeypatch: pytest.MonkeyPatch, name: str, raw: str, expected: object
) -> None:
    monkeypatch.setenv(f"CHUNKARRAY_{name.upper()}", raw)
    assert config.get(name) == expected


def test_precedence_set_over_environment_over_default(monkeypatch: pytest.MonkeyPatch) -> None:
    assert config.get("split_every") == 8
    monkeypatch.setenv("CHUNKARRAY_SPLIT_EVERY", "4")  # read at call time, after import
    assert config.get("split_every") == 4
    with config.set(split_every=6):
        assert config.get("split_every") == 6
    assert config.get("split_every") == 4
    monkeypatch.setenv("CHUNKARRAY_SPLIT_EVERY", "")  # empty counts as unset
    assert config.get("split_every") == 8


@pytest.mark.parametrize(
    ("name", "raw"),
    [("num_workers", "0"), ("num_workers", "four"), ("scheduler", "gpu"),
     ("memory_limit", "12XB"), ("split_every", "1"), ("optimize_graph", "perhaps")],
)
def test_bad_environment_variables(monkeypatch: pytest.MonkeyPatch, name: str, raw: str) -> None:
    variable = f"CHUNKARRAY_{name.upper()}"
    monkeypatch.setenv(variable, raw)
    with pytest.raises(ConfigError) as info:
        config.get(name)
    assert isinstance(info.value, ValueError)
    assert str(info.value).startswith(f"{name}: ")
    assert variable in str(info.value)
    with config.set(**{name: config.defaults()[name]}):
        config.get(name)  # a value given to set hides the bad variable
