"""Caches keyed by text content (clauses, names, numbers), in one registry.

Extraction asks the same question about the same clause or name several times
within one report (each rule looks at the clause again), so the answers are
memoised. The caches also live across reports of one process; that helps real
batches (recurring project names and boilerplate) but would flatter a benchmark
that repeats the same texts. :func:`clear` empties every cache registered here,
so a measurement can start each report cold (``benchmarks/bench.py`` does).

Caches of rule files (``maxsize=1``) and compiled patterns are not registered:
they depend on no report.
"""

from __future__ import annotations

import functools
from typing import Callable, TypeVar

F = TypeVar("F", bound=Callable)

_REGISTRY: list = []


def text_cache(maxsize: int = 8192) -> Callable[[F], F]:
    """``functools.lru_cache(maxsize)``, registered so that :func:`clear` reaches it."""

    def wrap(fn: F) -> F:
        cached = functools.lru_cache(maxsize=maxsize)(fn)
        _REGISTRY.append(cached)
        return cached  # type: ignore[return-value]

    return wrap


def clear() -> None:
    """Empty every text-keyed cache (the next report starts as if it were the first)."""
    for cached in _REGISTRY:
        cached.cache_clear()


def registered() -> list:
    """The registered caches (for tests and benchmarks)."""
    return list(_REGISTRY)
