"""A worker process of the process pool: run shipped tasks until the pipe closes.

Started as ``python -m chunkarray.runtime.executors.worker IN_FD OUT_FD`` by
:mod:`chunkarray.runtime.executors.processes`. Frames on both pipes are an 8-byte
big-endian length and a pickle. The first frame received is the parent's
``sys.path``; each later one is ``(task, values)``, answered by ``(ok, data,
traceback)`` where ``data`` is the cloudpickled result or exception; tasks run in
the parent's current directory at the time of the call. Standard output and error
are the parent's, so a task's prints show as usual. Ctrl-C is left to the parent
(which stops a worker it no longer waits for). A compute called inside a task runs
synchronously in the worker (``CHUNKARRAY_SCHEDULER=sync`` there) rather than
starting a pool of its own.
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import sys
import traceback
from typing import Any, BinaryIO

_HEADER = struct.Struct(">Q")


def read_frame(stream: BinaryIO) -> bytes | None:
    """The next frame, or None at the end of the stream."""
    head = stream.read(_HEADER.size)
    if len(head) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(head)
    data = stream.read(size)
    if len(data) < size:
        return None
    return data


def write_frame(stream: BinaryIO, data: bytes) -> None:
    stream.write(_HEADER.pack(len(data)))
    stream.write(data)
    stream.flush()


def run_payload(payload: bytes) -> tuple[bool, bytes, str]:
    """Run one ``(task, values)``; ``(ok, pickled result or exception, traceback)``."""
    import cloudpickle

    try:
        cwd, task, values = pickle.loads(payload)
        if cwd != os.getcwd():
            os.chdir(cwd)
        result = task.execute(values)
        return True, cloudpickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL), ""
    except BaseException as exc:  # noqa: BLE001 - sent back to the caller
        text = traceback.format_exc()
        return False, _pickled_error(exc), text


def _pickled_error(exc: BaseException) -> bytes:
    import cloudpickle

    try:
        data = cloudpickle.dumps(exc, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.loads(data)
        return data
    except Exception:  # an exception that does not survive pickling: its type and text
        from chunkarray.errors import WorkerError

        stand_in = WorkerError(f"{type(exc).__name__}: {exc}")
        key = getattr(exc, "_chunkarray_key", None)
        if key is not None:
            stand_in._chunkarray_key = key  # type: ignore[attr-defined]
        return cloudpickle.dumps(stand_in)


def main(argv: list[str]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A compute inside a task runs in this process: no pool of pools.
    os.environ["CHUNKARRAY_SCHEDULER"] = "sync"
    source = os.fdopen(int(argv[1]), "rb")
    sink = os.fdopen(int(argv[2]), "wb")
    first = read_frame(source)
    if first is None:
        return
    for path in reversed(pickle.loads(first)):
        if path not in sys.path:
            sys.path.insert(0, path)
    while True:
        payload = read_frame(source)
        if payload is None:
            return
        answer: Any = run_payload(payload)
        write_frame(sink, pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))


if __name__ == "__main__":
    main(sys.argv)
