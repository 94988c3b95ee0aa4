"""Heavy sweeps inside checks (grids, phase diagrams, threshold searches, calibration) on the run's executor.

:func:`sweep_map` maps a picklable function over items and returns the results in the items' order,
so a sweep gives the same answer wherever it runs (each item must carry its own seed, e.g. from
``SeedSequence.spawn``). Where it runs:

- inside a task on a ``dask.distributed`` worker (``samverify run --executor dask``): the sweep's
  items become tasks of the same cluster (through ``worker_client``, which frees the worker's slot
  while it waits, so nested sweeps cannot deadlock);
- under :func:`use_executor` (e.g. ``verify.check`` from Python with your own executor, or
  ``samverify calibrate``): on that ``concurrent.futures.Executor``;
- otherwise in this process, one item after another.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor
from typing import Any, TypeVar

__all__ = ["sweep_map", "use_executor", "current_executor"]

T = TypeVar("T")
R = TypeVar("R")
_STACK: list[Executor] = []


@contextlib.contextmanager
def use_executor(executor: Executor | None) -> Iterator[None]:
    """Run :func:`sweep_map` calls inside the block on ``executor`` (None: no change)."""
    if executor is None:
        yield
        return
    _STACK.append(executor)
    try:
        yield
    finally:
        _STACK.pop()


def _dask_worker_client() -> Any | None:
    try:
        from distributed import get_worker
    except ImportError:
        return None
    try:
        get_worker()
    except ValueError:  # not inside a dask worker task
        return None
    from distributed import worker_client

    return worker_client


def current_executor() -> str:
    """Where a sweep would run now: ``"dask"``, ``"executor"`` or ``"serial"``."""
    if _dask_worker_client() is not None:
        return "dask"
    return "executor" if _STACK else "serial"


def sweep_map(fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """``[fn(x) for x in items]``, computed on the run's executor where there is one (module doc)."""
    items = list(items)
    if len(items) <= 1:
        return [fn(x) for x in items]
    wc = _dask_worker_client()
    if wc is not None:
        with wc() as client:
            return client.gather(client.map(fn, items, pure=False))
    if _STACK:
        ex = _STACK[-1]
        return list(ex.map(fn, items))
    return [fn(x) for x in items]


def chunked(items: Sequence[T], n_chunks: int) -> list[list[T]]:
    """``items`` split into at most ``n_chunks`` contiguous chunks (fewer, larger tasks for cheap items)."""
    n_chunks = max(1, min(n_chunks, len(items)))
    size = -(-len(items) // n_chunks)
    return [list(items[i:i + size]) for i in range(0, len(items), size)]
