"""The ``chunkarray`` command line (also ``python -m chunkarray``).

Commands: ``info PATH``, ``convert SRC DST``, ``rechunk SRC DST --chunks ...``,
``stats PATH`` and ``demo`` (see docs/cli.md). Locations are Zarr stores
(``data.zarr``, ``group.zarr:array``), HDF5 datasets (``file.h5:dataset``) and
``.npy`` files. Exit codes: 0 success; 2 bad usage (argparse prints the usage; an
option that does not fit the data prints one line); 1 failure, one line
``chunkarray: error: ...`` and no traceback unless ``--debug``.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from chunkarray.cli.locations import UsageError

__all__ = ["main", "parser"]


def _common() -> argparse.ArgumentParser:
    # SUPPRESS: an option given before the command is not reset by the command's parser.
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--memory-limit", default=argparse.SUPPRESS, metavar="BYTES",
                   help='memory budget for chunks, like "2GiB" (default: half the RAM)')
    p.add_argument("--workers", default=argparse.SUPPRESS, metavar="N",
                   help="threads to compute with (default: the number of CPUs)")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction,
                   default=argparse.SUPPRESS,
                   help="show a progress bar on stderr (default: when stderr is a terminal)")
    p.add_argument("--profile", default=argparse.SUPPRESS, metavar="FILE.html",
                   help="write a profile of the work (tasks per worker, memory) to this file")
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                   help="show the traceback of an error")
    return p


def parser() -> argparse.ArgumentParser:
    """The argument parser of the ``chunkarray`` command."""
    common = _common()
    from importlib.metadata import PackageNotFoundError, version

    p = argparse.ArgumentParser(prog="chunkarray", parents=[common],
                                description="Inspect, convert and summarise chunked arrays.")
    try:
        p.add_argument("--version", action="version", version=f"chunkarray {version('chunkarray')}")
    except PackageNotFoundError:  # running from a source tree that is not installed
        pass
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    info = sub.add_parser("info", parents=[common], help="shapes, dtypes, chunks, codecs, sizes")
    info.add_argument("path", metavar="PATH", help="a Zarr store, an HDF5 file or a .npy file")
    info.add_argument("--json", action="store_true", help="print JSON")
    for name, text in [("convert", "copy an array between Zarr, HDF5 and .npy"),
                       ("rechunk", "copy an array with new chunks")]:
        c = sub.add_parser(name, parents=[common], help=text)
        c.add_argument("src", metavar="SRC", help="PATH, PATH:ARRAY or file.h5:DATASET")
        c.add_argument("dst", metavar="DST", help="where to write (the suffix picks the format)")
        c.add_argument("--chunks", required=name == "rechunk", metavar="C1,C2,...",
                       help="block size per axis, -1 for a whole axis (like 1000,-1)")
        c.add_argument("--compressor", default="default",
                       help="zarr: none, zstd, blosc, gzip; hdf5: none, gzip, lzf")
        c.add_argument("--overwrite", action="store_true", help="replace an existing DST")
    s = sub.add_parser("stats", parents=[common], help="min, max, mean, std, NaN count")
    s.add_argument("path", metavar="PATH", help="PATH, PATH:ARRAY or file.h5:DATASET")
    s.add_argument("--axis", default=None, help="reduce over these axes only (like 0 or 0,1)")
    s.add_argument("--json", action="store_true", help="print JSON")
    d = sub.add_parser("demo", parents=[common], help="run the main demo on synthetic data")
    d.add_argument("--dir", type=Path, default=None, help="work directory (default: temporary)")
    d.add_argument("--size", default="1GiB", help="size of the synthetic dataset (default 1GiB)")
    return p


def _settings(args: argparse.Namespace, p: argparse.ArgumentParser) -> dict[str, Any]:
    from chunkarray import config
    from chunkarray.errors import ConfigError

    settings: dict[str, Any] = {}
    for option, key in [("memory_limit", "memory_limit"), ("workers", "num_workers")]:
        if hasattr(args, option):
            settings[key] = getattr(args, option)
    try:
        with config.set(**settings):
            pass
    except ConfigError as exc:
        p.error(str(exc))
    return settings


def _progress_factory(args: argparse.Namespace) -> Callable[[], Any]:
    show = getattr(args, "progress", None)
    # Asked for: always shown; by default only in a terminal, for computes over half a second.
    minimum = 0.0 if show else 0.5
    if show is None:
        show = sys.stderr.isatty()

    def make() -> Any:
        if not show:
            return contextlib.nullcontext()
        from chunkarray.diagnostics import ProgressBar

        return ProgressBar(out=sys.stderr, minimum=minimum)

    return make


def _run_profiled(args: argparse.Namespace) -> str | None:
    """``_run``, profiled into ``--profile FILE`` when given (also when the command fails)."""
    target = getattr(args, "profile", None)
    if target is None:
        return _run(args)
    from chunkarray.diagnostics import Profiler, ResourceProfiler, write_profile

    with Profiler() as prof, ResourceProfiler() as rprof:
        try:
            return _run(args)
        finally:
            write_profile(target, prof, rprof, title=f"chunkarray {args.command}")


def _run(args: argparse.Namespace) -> str | None:
    if args.command == "info":
        import json

        from chunkarray.cli.info import describe, format_info
        from chunkarray.cli.locations import parse_location

        facts = describe(parse_location(args.path, "info"))
        return json.dumps(facts) if args.json else format_info(facts)
    if args.command == "demo":
        from chunkarray.cli.demo import run_demo

        run_demo(args)
        return None
    from chunkarray.cli import commands

    return getattr(commands, args.command)(args)  # type: ignore[no-any-return]


def _attach_values(argv: Sequence[str]) -> list[str]:
    """``--chunks -1,5`` -> ``--chunks=-1,5``: argparse takes ``-1,5`` for an option."""
    out: list[str] = []
    items = list(argv)
    i = 0
    while i < len(items):
        if items[i] in ("--chunks", "--axis") and i + 1 < len(items) and \
                items[i + 1].startswith("-") and items[i + 1][1:2].isdigit():
            out.append(f"{items[i]}={items[i + 1]}")
            i += 2
        else:
            out.append(items[i])
            i += 1
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; the exit code."""
    from chunkarray import config

    p = parser()
    args = p.parse_args(_attach_values(sys.argv[1:] if argv is None else argv))
    settings = _settings(args, p)
    args.progress_bar = _progress_factory(args)
    try:
        with config.set(**settings):
            out = _run_profiled(args)
        if out is not None:
            print(out)
    except KeyboardInterrupt:
        print("chunkarray: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`chunkarray info x | head`)
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:
        if getattr(args, "debug", False):
            raise
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"chunkarray: error: {message}", file=sys.stderr)
        return 2 if isinstance(exc, UsageError) else 1
    return 0
