"""The exception and warning hierarchy.

Every error also inherits the builtin a user would catch, so ``except ValueError``
keeps working: ``ChunkArrayValueError`` is both a ``ChunkArrayError`` and a
``ValueError``.
"""

from __future__ import annotations


class ChunkArrayError(Exception):
    """Base of every error raised by chunkarray itself."""


class ChunkArrayValueError(ChunkArrayError, ValueError):
    """An argument has the right type but a value that is not accepted."""


class ChunkArrayTypeError(ChunkArrayError, TypeError):
    """An argument has a type that is not accepted."""


class ConfigError(ChunkArrayValueError):
    """A setting has a value that cannot be parsed."""


class GraphError(ChunkArrayValueError):
    """A task graph is malformed: a cycle, or a reference to a missing key."""


class MissingDependencyError(ChunkArrayError, ImportError):
    """An optional package or program is needed but absent."""


class RenderError(ChunkArrayError, RuntimeError):
    """An external program (Graphviz's ``dot``) failed to draw a picture."""


class ChunkNotFoundError(ChunkArrayError, FileNotFoundError):
    """A chunk or a stored array could not be found where it was expected."""


class NoFilesFoundError(ChunkArrayError, FileNotFoundError):
    """A path, glob or list of them given to a reader matched no file."""


class ChunkArrayWarning(UserWarning):
    """Base of every warning emitted by chunkarray."""


class PerformanceWarning(ChunkArrayWarning):
    """A computation will work but will be slow or use much memory."""


class MetaMismatchError(ChunkArrayValueError):
    """A dataframe partition disagrees with the collection's ``meta`` (type or dtypes)."""


class WorkerError(ChunkArrayError, RuntimeError):
    """A worker process died, or failed with an exception that could not be sent back."""


class CommandError(ChunkArrayError, RuntimeError):
    """A command-line command cannot run: printed as one line, exit code 1."""


class UsageError(ChunkArrayValueError):
    """A command-line option's value does not fit the data: one line, exit code 2."""
