"""The Bag collection: protocol, repr, laziness, fusion, persist, default scheduler."""

from __future__ import annotations

import re

import pytest

import chunkarray as ca
import chunkarray.bag as cab
from chunkarray.base import prepare
from chunkarray.bag.core import Bag, Item
from chunkarray.graph.task import Fused

SYNC = {"scheduler": "sync"}


def test_repr_shows_name_partitions_and_tasks() -> None:
    b = cab.from_sequence(range(10), npartitions=4)
    assert repr(b) == "chunkarray.Bag<from_sequence, npartitions=4, tasks=4>"
    m = b.map(str)
    assert re.fullmatch(r"chunkarray\.Bag<map, npartitions=4, tasks=8>", repr(m))
    assert "npartitions" in b._repr_html_() and "<table>" in b._repr_html_()
    assert repr(b.count()).startswith("chunkarray.Item<count-aggregate, tasks=")


def test_protocol_keys_and_finalize() -> None:
    b = cab.from_sequence([1, 2, 3, 4, 5], npartitions=2)
    assert b.__chunkarray_keys__() == [(b.name, 0), (b.name, 1)]
    assert b.__chunkarray_finalize__([[1, 2], [3]]) == [1, 2, 3]
    assert b.compute(**SYNC) == [1, 2, 3, 4, 5]
    assert list(b) == [1, 2, 3, 4, 5]
    with pytest.raises(TypeError, match="count"):
        len(b)


def test_names_are_deterministic() -> None:
    a = cab.from_sequence(range(10), npartitions=3).map(lambda x: x + 1).filter(bool)
    b = cab.from_sequence(range(10), npartitions=3).map(lambda x: x + 1).filter(bool)
    c = cab.from_sequence(range(10), npartitions=3).map(lambda x: x + 2).filter(bool)
    assert a.name == b.name != c.name
    assert a.sum().name == b.sum().name


def test_lazy_until_compute() -> None:
    calls = []
    b = cab.from_sequence(range(5)).map(lambda x: calls.append(x) or x)
    b.filter(bool).frequencies().topk(2)
    assert calls == []
    b.compute(**SYNC)
    assert sorted(calls) == list(range(5))


@pytest.mark.parametrize("source", ["sequence", "range", "text"])
def test_map_filter_map_chain_is_one_task_per_partition(source: str, tmp_path) -> None:
    if source == "sequence":
        b = cab.from_sequence(range(40), npartitions=4)
    elif source == "range":
        b = cab.range(40, npartitions=4)
    else:
        path = tmp_path / "a.txt"
        path.write_text("".join(f"{i}\n" for i in range(40)))
        b = cab.read_text(str(path), blocksize=30).map(int)
    chain = b.map(lambda x: x * 3).filter(lambda x: x % 2 == 0).map(lambda x: x + 1)
    tasks, outputs, _ = prepare([chain])
    assert len(tasks) == chain.npartitions
    expected = [x * 3 + 1 for x in range(40) if (x * 3) % 2 == 0]
    assert chain.compute(**SYNC) == expected
    # and a reduction at the end adds only its tree
    total = chain.sum(split_every=2)
    tasks, _, _ = prepare([total])
    assert len(tasks) == chain.npartitions + (chain.npartitions + 1) // 2 + (1 if
                                                                       chain.npartitions > 2 else 0)
    assert total.compute(**SYNC) == sum(expected)


def test_chain_over_two_bags_fuses_at_graph_level() -> None:
    a = cab.from_sequence(range(12), npartitions=3)
    b = a.map(lambda x: x * 10)
    z = cab.zip(a, b).map(lambda t: t[0] + t[1])
    tasks, _, _ = prepare([z])
    assert len(tasks) == 3
    assert any(isinstance(t, Fused) for t in tasks.values())
    assert z.compute(**SYNC) == [x * 11 for x in range(12)]


def test_persist_gives_one_task_per_partition() -> None:
    b = cab.from_sequence(range(20), npartitions=4).map(lambda x: x * x).filter(lambda x: x % 3)
    p = b.persist(**SYNC)
    assert isinstance(p, Bag) and p.npartitions == 4
    assert len(p.graph) == 4
    assert p.compute(**SYNC) == b.compute(**SYNC)
    assert p.map(lambda x: -x).compute() == [-x for x in b.compute(**SYNC)]
    item = b.sum().persist(**SYNC)
    assert isinstance(item, Item) and len(item.__chunkarray_graph__()) == 1
    assert item.compute() == sum(b.compute(**SYNC))


def test_compute_several_shares_work() -> None:
    b = cab.from_sequence(range(10), npartitions=2).map(lambda x: x + 1)
    total, n, items = ca.compute(b.sum(), b.count(), b, **SYNC)
    assert (total, n, items) == (55, 10, list(range(1, 11)))


def test_visualize_writes_dot(tmp_path) -> None:
    b = cab.from_sequence(range(4), npartitions=2).map(str)
    out = tmp_path / "bag.dot"
    picture = b.visualize(filename=str(out))
    assert out.exists() and "digraph" in picture.dot


def test_item_protocol() -> None:
    item = cab.from_sequence([1, 2, 3]).sum()
    assert item.key == (item.name, 0)
    assert item.to_delayed().compute(**SYNC) == 6
    with pytest.raises(TypeError, match="truth value"):
        bool(item)


def test_default_scheduler_is_the_bags_unless_set(monkeypatch) -> None:
    from chunkarray.bag.core import DEFAULT_SCHEDULER

    seen = []

    def spy(key, task, values):
        seen.append(key)
        return task.execute(values)

    import chunkarray.runtime.executors.processes as processes

    monkeypatch.setattr(processes.ProcessRunner, "__call__", lambda self, k, t, v: spy(k, t, v))
    monkeypatch.delenv("CHUNKARRAY_SCHEDULER", raising=False)
    b = cab.from_sequence(range(6), npartitions=3).map(lambda x: x + 1)
    assert b.compute() == [1, 2, 3, 4, 5, 6]
    assert bool(seen) == (DEFAULT_SCHEDULER == "processes")
    seen.clear()
    with ca.config.set(scheduler="threads"):
        assert b.compute() == [1, 2, 3, 4, 5, 6]
    assert seen == []
    monkeypatch.setenv("CHUNKARRAY_SCHEDULER", "sync")
    assert b.compute() == [1, 2, 3, 4, 5, 6]
    assert seen == []
    monkeypatch.delenv("CHUNKARRAY_SCHEDULER")
    assert b.compute(scheduler="processes") == [1, 2, 3, 4, 5, 6]
    assert seen


def test_arrays_keep_their_default_with_bags_around() -> None:
    import numpy as np
    import chunkarray.array as caa

    x = caa.from_array(np.arange(4), chunks=2)
    b = cab.from_sequence([1, 2])
    # Mixed collections do not agree on a preference: the setting decides (threads).
    s, t = ca.compute(x.sum(), b.sum())
    assert int(s) == 6 and t == 3
