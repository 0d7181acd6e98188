"""Random arrays whose values do not depend on how they are computed.

Each call of a :class:`Generator` method draws its blocks from independent streams:
block ``i`` (in C order) uses ``np.random.default_rng(SeedSequence(...).spawn(n)[i])``
where ``n`` is the number of blocks. The seed sequences are made per block, when
the block's task is built (``spawn`` is never called for all blocks at once), and
each block is drawn by its own task, so the same seed gives the same array with
any number of workers, in any order, and computing one block costs one block.

Successive calls on one generator continue its sequence of spawned children, as
successive draws from a NumPy Generator differ: ``rng = default_rng(0)`` then
``rng.random(3)`` and ``rng.random(3)`` differ, and a new ``default_rng(0)`` repeats
both. The values equal NumPy's for the same per-block seed sequences, not those of
``np.random.default_rng(seed).random(shape)`` (one stream cannot be split into blocks).

Module-level functions (``random``, ``normal``, ...) use a fresh seed each call.

>>> rng = default_rng(42)
>>> x = rng.random((4, 4), chunks=2).compute()
>>> bool(((x >= 0) & (x < 1)).all())
True
>>> bool((default_rng(42).random((4, 4), chunks=2).compute() == x).all())
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chunkarray.array.chunks import normalize_chunks
from chunkarray.array.core import Array
from chunkarray.array.creation import BlockShapes, chunks_token, index_letters, parse_shape
from chunkarray.errors import ChunkArrayTypeError, ChunkArrayValueError
from chunkarray.graph.blockwise import Blockwise
from chunkarray.graph.graph import Graph
from chunkarray.tokenize import name as make_name

__all__ = [
    "Generator", "default_rng", "integers", "normal", "randint", "random", "random_sample",
    "standard_normal", "uniform",
]


class BlockSeeds:
    """Per-block literal: the seed sequence of block ``index``.

    Equal to ``SeedSequence(entropy, spawn_key=key).spawn(offset + n)[offset + i]``
    for the flat (C order) block number ``i``, made without spawning the others.
    """

    def __init__(self, entropy: Any, spawn_key: tuple[int, ...], pool_size: int, offset: int,
                 numblocks: tuple[int, ...]) -> None:
        self.entropy = entropy
        self.spawn_key = spawn_key
        self.pool_size = pool_size
        self.offset = offset
        self.numblocks = numblocks

    def __getitem__(self, index: tuple[int, ...]) -> np.random.SeedSequence:
        flat = int(np.ravel_multi_index(index, self.numblocks)) if index else 0
        return np.random.SeedSequence(self.entropy, spawn_key=(*self.spawn_key,
                                      self.offset + flat), pool_size=self.pool_size)

    def __chunkarray_tokenize__(self) -> Any:
        return ("BlockSeeds", self.entropy, self.spawn_key, self.pool_size, self.offset,
                self.numblocks)


def draw(seed: np.random.SeedSequence, shape: tuple[int, ...], method: str, args: tuple[Any, ...],
         kwargs: dict[str, Any]) -> np.ndarray:
    """One block: ``np.random.default_rng(seed).<method>(*args, size=shape, **kwargs)``."""
    rng = np.random.default_rng(seed)
    return np.asarray(getattr(rng, method)(*args, size=shape, **kwargs))


class Generator:
    """A chunked counterpart of ``numpy.random.Generator`` (see the module docstring).

    Parameters
    ----------
    seed : None, int, sequence of int or SeedSequence
        As for ``numpy.random.default_rng``; None draws fresh entropy.
    """

    def __init__(self, seed: Any = None) -> None:
        if isinstance(seed, Generator):
            seed = seed.spawn(1)[0]._root
        elif isinstance(seed, (np.random.Generator, np.random.BitGenerator)):
            raise ChunkArrayTypeError(
                "default_rng: pass a seed (int, sequence of int or SeedSequence), not a NumPy "
                "generator; its state cannot be split into independent block streams")
        root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        self._root: np.random.SeedSequence = root
        self._spawned: int = root.n_children_spawned

    def _spawn(self, n: int) -> tuple[int, tuple[int, ...]]:
        """Reserve ``n`` children of the root: (first child number, root spawn key)."""
        first = self._spawned
        self._spawned += n
        return first, tuple(self._root.spawn_key)

    def spawn(self, n_children: int) -> list[Generator]:
        """``n_children`` independent generators (as ``numpy.random.Generator.spawn``).

        >>> a, b = default_rng(0).spawn(2)
        >>> bool((a.random(3).compute() != b.random(3).compute()).all())
        True
        """
        first, key = self._spawn(n_children)
        root = self._root
        return [Generator(np.random.SeedSequence(root.entropy, spawn_key=(*key, first + i),
                                                 pool_size=root.pool_size))
                for i in range(n_children)]

    def __repr__(self) -> str:
        return f"chunkarray.array.random.Generator(entropy={self._root.entropy})"

    def _array(self, method: str, size: Any, dtype: Any, chunks: Any, args: tuple[Any, ...],
               kwargs: dict[str, Any]) -> Array:
        for v in args:
            if isinstance(v, Array) or np.ndim(v) != 0:
                raise ChunkArrayTypeError(
                    f"{method}: distribution parameters must be scalars, got {type(v).__name__}")
        shape = () if size is None else parse_shape(size, method)
        chunks = normalize_chunks(chunks, shape, dtype=dtype)
        numblocks = tuple(len(c) for c in chunks)
        offset, key = self._spawn(int(np.prod(numblocks, dtype=np.int64)))
        seeds = BlockSeeds(self._root.entropy, key, self._root.pool_size, offset, numblocks)
        name = make_name(method.replace("_", "-"), seeds, chunks_token(chunks), args, kwargs)
        ind = index_letters(len(shape))
        layer = Blockwise(name, ind, draw, [(seeds, ind), (BlockShapes(chunks), ind),
                                            (method, None), (args, None), (kwargs, None)], {})
        return Array(Graph.from_layer(layer), name, chunks, dtype)

    def random(self, size: Any = None, dtype: Any = np.float64, chunks: Any = "auto") -> Array:
        """Floats uniform in [0, 1).

        >>> default_rng(0).random(5, chunks=2).chunks
        ((2, 2, 1),)
        """
        dtype = np.dtype(dtype)
        return self._array("random", size, dtype, chunks, (), {"dtype": dtype})

    def standard_normal(self, size: Any = None, dtype: Any = np.float64,
                        chunks: Any = "auto") -> Array:
        """Samples of the standard normal distribution.

        >>> default_rng(0).standard_normal((2, 3)).shape
        (2, 3)
        """
        dtype = np.dtype(dtype)
        return self._array("standard_normal", size, dtype, chunks, (), {"dtype": dtype})

    def normal(self, loc: float = 0.0, scale: float = 1.0, size: Any = None,
               chunks: Any = "auto") -> Array:
        """Samples of the normal distribution with mean ``loc`` and deviation ``scale``.

        >>> default_rng(0).normal(10, 2, size=3).dtype
        dtype('float64')
        """
        return self._array("normal", size, np.dtype(np.float64), chunks, (loc, scale), {})

    def uniform(self, low: float = 0.0, high: float = 1.0, size: Any = None,
                chunks: Any = "auto") -> Array:
        """Samples uniform in [low, high).

        >>> float(default_rng(0).uniform(5, 6, size=100).compute().min()) >= 5
        True
        """
        return self._array("uniform", size, np.dtype(np.float64), chunks, (low, high), {})

    def integers(self, low: int, high: int | None = None, size: Any = None, dtype: Any = np.int64,
                 endpoint: bool = False, chunks: Any = "auto") -> Array:
        """Integers in [low, high) (or [low, high] with ``endpoint=True``); [0, low) without high.

        >>> default_rng(0).integers(3, size=4).dtype
        dtype('int64')
        """
        dtype = np.dtype(dtype)
        if high is None:
            low, high = 0, low
        if np.ndim(low) == 0 and np.ndim(high) == 0 and high - (0 if endpoint else 1) < low:
            raise ChunkArrayValueError(
                f"integers: low >= high (low={low!r}, high={high!r}, endpoint={endpoint})")
        # NumPy's own checks of the dtype and bounds, at graph-building time.
        np.random.default_rng(0).integers(low, high, size=0, dtype=dtype, endpoint=endpoint)
        return self._array("integers", size, dtype, chunks, (low, high),
                           {"dtype": dtype, "endpoint": bool(endpoint)})


def default_rng(seed: Any = None) -> Generator:
    """A :class:`Generator` seeded like ``numpy.random.default_rng(seed)``.

    >>> a = default_rng(1).integers(0, 100, size=6, chunks=2).compute()
    >>> b = default_rng(1).integers(0, 100, size=6, chunks=3).compute()
    >>> a.shape == b.shape
    True
    """
    return Generator(seed)


def random(size: Any = None, chunks: Any = "auto", dtype: Any = np.float64) -> Array:
    """Floats uniform in [0, 1), from a fresh seed.

    >>> random((2, 2)).shape
    (2, 2)
    """
    return Generator().random(size, dtype=dtype, chunks=chunks)


random_sample = random


def standard_normal(size: Any = None, chunks: Any = "auto", dtype: Any = np.float64) -> Array:
    """Standard normal samples, from a fresh seed."""
    return Generator().standard_normal(size, dtype=dtype, chunks=chunks)


def normal(loc: float = 0.0, scale: float = 1.0, size: Any = None, chunks: Any = "auto") -> Array:
    """Normal samples, from a fresh seed."""
    return Generator().normal(loc, scale, size=size, chunks=chunks)


def uniform(low: float = 0.0, high: float = 1.0, size: Any = None, chunks: Any = "auto") -> Array:
    """Uniform samples in [low, high), from a fresh seed."""
    return Generator().uniform(low, high, size=size, chunks=chunks)


def integers(low: int, high: int | None = None, size: Any = None, dtype: Any = np.int64,
             endpoint: bool = False, chunks: Any = "auto") -> Array:
    """Random integers, from a fresh seed (see :meth:`Generator.integers`)."""
    return Generator().integers(low, high, size=size, dtype=dtype, endpoint=endpoint,
                                chunks=chunks)


def randint(low: int, high: int | None = None, size: Any = None, dtype: Any = np.int64,
            chunks: Any = "auto") -> Array:
    """Random integers in [low, high), from a fresh seed (NumPy's legacy name).

    >>> int(randint(5, size=10).compute().max()) < 5
    True
    """
    return integers(low, high, size=size, dtype=dtype, chunks=chunks)

