"""chunkarray.bag: parallel lists of Python objects (Dask's ``dask.bag`` names).

>>> import chunkarray.bag as cab
>>> words = cab.from_sequence(["a b", "b c", "b"], npartitions=2).str.split().flatten()
>>> words.frequencies(sort=True).topk(1, key=1).compute()
[('b', 3)]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chunkarray.bag import convert as _convert
from chunkarray.bag import elementwise as _elementwise
from chunkarray.bag import groupby as _groupby
from chunkarray.bag import io as _io
from chunkarray.bag import reductions as _reductions
from chunkarray.bag import structure as _structure
from chunkarray.bag.core import Bag, Item
from chunkarray.bag.creation import from_delayed, from_sequence, range
from chunkarray.bag.io import read_text, to_textfiles
from chunkarray.bag.structure import concat, zip

__all__ = ["Bag", "Item", "concat", "from_delayed", "from_sequence", "map", "range",
           "read_text", "to_textfiles", "zip"]

# Bag methods: each defined once, as a function taking the bag first.
Bag.map = _elementwise.map  # type: ignore[attr-defined]
Bag.starmap = _elementwise.starmap  # type: ignore[attr-defined]
Bag.filter = _elementwise.filter  # type: ignore[attr-defined]
Bag.remove = _elementwise.remove  # type: ignore[attr-defined]
Bag.map_partitions = _elementwise.map_partitions  # type: ignore[attr-defined]
Bag.flatten = _elementwise.flatten  # type: ignore[attr-defined]
Bag.pluck = _elementwise.pluck  # type: ignore[attr-defined]
Bag.reduction = _reductions.reduction  # type: ignore[attr-defined]
Bag.fold = _reductions.fold  # type: ignore[attr-defined]
Bag.count = _reductions.count  # type: ignore[attr-defined]
Bag.sum = _reductions.sum  # type: ignore[attr-defined]
Bag.min = _reductions.min  # type: ignore[attr-defined]
Bag.max = _reductions.max  # type: ignore[attr-defined]
Bag.mean = _reductions.mean  # type: ignore[attr-defined]
Bag.var = _reductions.var  # type: ignore[attr-defined]
Bag.std = _reductions.std  # type: ignore[attr-defined]
Bag.any = _reductions.any  # type: ignore[attr-defined]
Bag.all = _reductions.all  # type: ignore[attr-defined]
Bag.distinct = _reductions.distinct  # type: ignore[attr-defined]
Bag.frequencies = _reductions.frequencies  # type: ignore[attr-defined]
Bag.topk = _reductions.topk  # type: ignore[attr-defined]
Bag.foldby = _groupby.foldby  # type: ignore[attr-defined]
Bag.groupby = _groupby.groupby  # type: ignore[attr-defined]
Bag.take = _structure.take  # type: ignore[attr-defined]
Bag.repartition = _structure.repartition  # type: ignore[attr-defined]
Bag.product = _structure.product  # type: ignore[attr-defined]
Bag.zip = _structure.zip  # type: ignore[attr-defined]
Bag.to_delayed = _structure.to_delayed  # type: ignore[attr-defined]
Bag.to_textfiles = _io.to_textfiles  # type: ignore[attr-defined]
Bag.to_dataframe = _convert.to_dataframe  # type: ignore[attr-defined]


def map(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Bag:
    """``func`` applied to the elements of the bags among ``args``, zipped.

    >>> import chunkarray.bag as cab
    >>> a = cab.from_sequence([1, 2], npartitions=1)
    >>> cab.map(lambda x, y: x * y, a, a).compute()
    [1, 4]
    """
    for i, a in enumerate(args):
        if isinstance(a, Bag):
            rest = args[:i] + args[i + 1:]
            if i == 0:
                return _elementwise.map(a, func, *rest, **kwargs)
            return _elementwise.map(a, lambda x, *r, **k: func(*r[:i], x, *r[i:], **k),
                                    *rest, **kwargs)
    from chunkarray.errors import ChunkArrayTypeError

    raise ChunkArrayTypeError("map: expected at least one Bag among the arguments")
