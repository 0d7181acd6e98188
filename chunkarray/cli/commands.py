"""``convert``, ``rechunk`` and ``stats``: out of core, through chunkarray.array.

Each reads its source lazily (one task per block), so the data streams through
the memory manager within ``--memory-limit``; writes are the atomic ``to_*``.
"""

from __future__ import annotations

import json
import math
from argparse import Namespace
from typing import Any

import numpy as np

from chunkarray.cli.locations import UsageError, open_source, parse_chunks, parse_location
from chunkarray.cli.targets import check_compressor, check_destination, write_array


def convert(args: Namespace, command: str = "convert") -> str:
    """Copy SRC to DST (any of Zarr, HDF5, .npy), rechunked if --chunks is given."""
    src = parse_location(args.src, command)
    dst = parse_location(args.dst, command, new=True)
    check_compressor(args.compressor, dst, command)
    with open_source(src, command) as (x, name):
        if args.chunks is not None:
            x = x.rechunk(parse_chunks(args.chunks, x.shape, command))
        check_destination(dst, src, name, args.overwrite, command)
        with args.progress_bar():
            written = write_array(x, dst, name, args.compressor, args.overwrite,
                                  chunked=args.chunks is not None)
        return (f"wrote {written}: shape {x.shape}, dtype {x.dtype}, chunks {x.chunksize}, "
                f"{x.npartitions} chunk{'s' * (x.npartitions != 1)}")


def rechunk(args: Namespace) -> str:
    """``convert`` with --chunks required."""
    return convert(args, "rechunk")


STATS = ("min", "max", "mean", "std", "nan_count", "count")


def parse_axis(text: str | None, ndim: int) -> tuple[int, ...] | None:
    """``"0"`` or ``"0,1"`` -> axes (negative ones counted from the end); None for all.

    >>> parse_axis("-1", 2)
    (1,)
    """
    if text is None:
        return None
    try:
        axes = [int(p) for p in text.split(",")]
    except ValueError:
        raise UsageError(f"stats: --axis must be integers separated by commas, got {text!r}"
                         ) from None
    bad = [a for a in axes if not -ndim <= a < ndim]
    if bad:
        raise UsageError(f"stats: --axis {bad[0]} is out of range for an array with {ndim} "
                         f"dimension{'s' * (ndim != 1)}")
    norm = tuple(sorted({a % ndim for a in axes}))
    if len(norm) != len(axes):
        raise UsageError(f"stats: --axis {text!r} repeats an axis")
    return norm


def compute_stats(x: Any, axis: tuple[int, ...] | None) -> dict[str, Any]:
    """min, max, mean, std (NaNs ignored), NaN count and value count, in one compute."""
    import chunkarray.array as caa
    from chunkarray.base import compute

    if x.dtype.kind not in "biuf":
        raise UsageError(f"stats: dtype {x.dtype} is not a real number type")
    if x.dtype.kind == "b":
        x = x.astype(np.int8)
    nans = caa.isnan(x).sum(axis=axis)
    size = math.prod(x.shape) if axis is None else math.prod(x.shape[a] for a in axis)
    values = compute(caa.nanmin(x, axis=axis), caa.nanmax(x, axis=axis),
                     caa.nanmean(x, axis=axis), caa.nanstd(x, axis=axis), nans)
    return dict(zip(STATS, (*values, size - values[-1])))


def stats(args: Namespace) -> str:
    """The statistics of PATH as text or JSON."""
    import warnings

    src = parse_location(args.path, "stats")
    with open_source(src, "stats") as (x, name):
        if math.prod(x.shape) == 0:
            raise UsageError(f"stats: {src} is empty (shape {x.shape})")
        axis = parse_axis(args.axis, x.ndim)
        with args.progress_bar(), warnings.catch_warnings():
            # All-NaN slices give NaN, as NumPy's nan-functions do, without the warning.
            warnings.filterwarnings("ignore", r".*(All-NaN|Mean of empty|Degrees of freedom)",
                                    RuntimeWarning)
            result = compute_stats(x, axis)
        if args.json:
            return json.dumps({"path": str(src), "name": name, "shape": list(x.shape),
                               "dtype": str(x.dtype), "axis": None if axis is None else list(axis),
                               **{k: np.asarray(v).tolist() for k, v in result.items()}})
        head = f"{src}: shape {x.shape}, dtype {x.dtype}" + (
            "" if axis is None else f", over axis {axis[0] if len(axis) == 1 else axis}")
        lines = [head]
        for key in STATS:
            text = np.array2string(np.asarray(result[key]), threshold=20, precision=6,
                                   separator=", ")
            lines.append(f"  {key:<10} {text}")
        return "\n".join(lines)
