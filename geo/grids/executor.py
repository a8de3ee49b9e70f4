"""The executor seam: map one function over independent payloads (communities).

Local processes by default (serial for one payload or ``workers=1``), or a Dask
distributed cluster when a scheduler address (``"tcp://host:8786"``) or a
``distributed.Client`` is given. Results come back in payload order whatever ran them, so a
seeded function gives identical results on every backend.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, TypeVar

from geo.errors import Problem, ValidationError
from geo.settings import EXECUTOR_MAX_CHUNK

log = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")
Progress = Callable[[int, int], None]


def _worker_start() -> None:
    """Run first in every local worker process.

    HiGHS keeps one pool of threads per process once it has solved a MIP. A worker forked
    after that inherits the pool's state but not its threads, and its first MIP then waits for
    them forever (highspy 1.16; seen when the app, having gridded the demo, gridded ten districts
    on two workers). The worker drops the inherited pool, and HiGHS starts a new one at its
    next solve. The parent's pool is left alone, so a solve running in another thread of the
    parent (another app session) is not disturbed.
    """
    highspy = sys.modules.get("highspy")
    if highspy is not None:
        # no thread of the pool exists in this process, so there is nothing to wait for
        highspy.Highs.resetGlobalScheduler(False)


def _run_chunk(fn: Callable[[T], R], chunk: Sequence[T]) -> list[R]:
    return [fn(p) for p in chunk]


def map_communities(
    fn: Callable[[T], R],
    payloads: Sequence[T],
    *,
    workers: int | None = None,
    scheduler: Any = None,
    progress: Progress | None = None,
) -> list[R]:
    """Apply ``fn`` to every payload and return the results in payload order.

    Parameters
    ----------
    fn : callable
        A picklable module-level function of one payload.
    payloads : sequence
        Picklable payloads (one per community).
    workers : int, optional
        Local worker processes (default: CPU count). ``1`` runs in this process.
    scheduler : str or distributed.Client, optional
        A Dask scheduler address (``"tcp://..."``) or a connected ``Client``: run there.
    progress : callable, optional
        ``progress(done, total)`` called as payloads finish (in this process).

    Raises
    ------
    ValidationError
        If ``workers`` is below 1 or ``scheduler`` is neither an address nor a Client.
    """
    total = len(payloads)
    if workers is not None and workers < 1:
        raise ValidationError(
            [
                Problem(
                    "parameters",
                    f"`workers` must be >= 1, got {workers}.",
                    "pass a positive number of worker processes",
                )
            ]
        )
    if scheduler is not None:
        return _map_dask(fn, payloads, scheduler, progress)
    n_workers = min(workers or os.cpu_count() or 1, total)
    if n_workers <= 1:
        out = []
        for i, p in enumerate(payloads):
            out.append(fn(p))
            if progress:
                progress(i + 1, total)
        return out
    return _map_processes(fn, payloads, n_workers, progress)


def _map_processes(
    fn: Callable[[T], R], payloads: Sequence[T], n_workers: int, progress: Progress | None
) -> list[R]:
    total = len(payloads)
    # small chunks, so no worker idles at the end behind a long chunk (a few slow communities
    # in one chunk of ~120 left one core busy for seconds at scale 100); a few payloads per
    # chunk still save most of the round trips
    size = max(1, min(EXECUTOR_MAX_CHUNK, total // (n_workers * 16)))
    chunks = [(i, payloads[i : i + size]) for i in range(0, total, size)]
    results: list[Any] = [None] * total
    done = 0
    with ProcessPoolExecutor(max_workers=n_workers, initializer=_worker_start) as pool:
        futures = {pool.submit(_run_chunk, fn, chunk): start for start, chunk in chunks}
        for fut in as_completed(futures):
            start = futures[fut]
            part = fut.result()
            results[start : start + len(part)] = part
            done += len(part)
            if progress:
                progress(done, total)
    return results


def _map_dask(
    fn: Callable[[T], R], payloads: Sequence[T], scheduler: Any, progress: Progress | None
) -> list[R]:
    from distributed import Client
    from distributed import as_completed as dask_completed

    own = isinstance(scheduler, str)
    if not own and not isinstance(scheduler, Client):
        raise ValidationError(
            [
                Problem(
                    "parameters",
                    f"`scheduler` must be a 'tcp://...' address or a "
                    f"distributed.Client, got {type(scheduler).__name__}.",
                    "pass the Dask scheduler address, e.g. tcp://10.0.0.5:8786",
                )
            ]
        )
    client = Client(scheduler) if own else scheduler  # type: ignore[no-untyped-call]  # unannotated
    try:
        futures = client.map(fn, list(payloads), pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        results: list[Any] = [None] * len(payloads)
        for done, fut in enumerate(dask_completed(futures), start=1):  # type: ignore[no-untyped-call]  # unannotated
            results[index[fut.key]] = fut.result()
            if progress:
                progress(done, len(payloads))
        log.info("ran %d payloads on Dask scheduler %s", len(payloads), client.scheduler.address)
        return results
    finally:
        if own:
            client.close()
