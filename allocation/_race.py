"""HiGHS and CP-SAT side by side on one reduced LSCP / MCLP model: the first proof wins.

:mod:`allocation.siting` gives HiGHS a reduced set-covering or maximal-covering model. Most
are proven within a second; on the others neither solver is always the faster
(``docs/benchmarks.md``, issue 16), so after ``first_seconds`` CP-SAT (one worker,
:mod:`allocation._cpsat`) starts beside the still running HiGHS, hinted with HiGHS's best
solution so far. Each solver runs on its own thread (both release the GIL while they search,
so on two cores each has one); the first to prove optimality stops the other. When the time
limit stops both, the better incumbent and the tighter bound of the two are combined.

No thread outlives :func:`race`: the loser is stopped (HiGHS through its interrupt callback,
CP-SAT through ``stop_search``) and both threads are joined before it returns, also when it
raises.
"""

from __future__ import annotations

import math
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from allocation import _cpsat
from allocation._highs import MipOutcome, release_thread_scheduler

#: ``highs(limit, start, stop, on_solution)``: HiGHS on the model, interrupted once ``stop`` is
#: set, handing each improving solution to ``on_solution`` (``allocation._highs.solve_mip``).
HighsArm = Callable[
    [float, np.ndarray, threading.Event | None, Callable[[np.ndarray], None] | None], MipOutcome
]
#: ``cpsat(limit, hint, on_solver)``: CP-SAT on the same model, with the same column layout and
#: objective (offset included), passing its solver to ``on_solver`` before the search.
CpsatArm = Callable[[float, np.ndarray, _cpsat.OnSolver], MipOutcome]

HIGHS, CPSAT = "highs", "cp-sat"

#: Seconds between two ``stop_search`` calls while the loser is being stopped.
_STOP_POLL_SECONDS = 0.05


@dataclass(frozen=True)
class RaceResult:
    """The outcome :mod:`allocation.siting` reads, and who produced it.

    Attributes
    ----------
    outcome : MipOutcome
        The proof, or the better incumbent with the tighter of the two bounds.
    solver : str
        ``"highs"`` (proven or stopped by the time limit before CP-SAT started, or CP-SAT not
        available), ``"race:highs"`` / ``"race:cp-sat"`` (the race ran: the solver whose
        proof, or whose incumbent when neither proved, is returned).
    start : ndarray
        The solution CP-SAT was hinted with (the fallback), else the caller's start.
    detail : dict
        Per solver: status, objective, bound and seconds; ``cpsat_started_s``; JSON-safe.
    """

    outcome: MipOutcome
    solver: str
    start: np.ndarray
    detail: dict[str, Any] = field(default_factory=dict)


class _CpsatStopper:
    """Holds the running ``CpSolver`` so that another thread can stop it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._solver: Any = None

    def register(self, solver: Any) -> None:
        with self._lock:
            self._solver = solver

    def stop(self) -> None:
        with self._lock:
            if self._solver is not None:
                self._solver.stop_search()


def race(
    left: float,
    start: np.ndarray,
    highs: HighsArm,
    cpsat: CpsatArm | None,
    *,
    clean: Callable[[np.ndarray], np.ndarray | None],
    maximise: bool,
    first_seconds: float,
) -> RaceResult:
    """HiGHS alone for ``first_seconds``; unless it has finished, HiGHS and CP-SAT side by side.

    Parameters
    ----------
    left : float
        Seconds for the whole solve.
    start : ndarray
        A feasible solution: HiGHS's warm start, and CP-SAT's hint unless HiGHS has found a
        better one by the time CP-SAT starts.
    highs, cpsat : callable
        The two arms; ``cpsat`` None (or ``ortools`` not installed): HiGHS alone, as before.
    clean : callable
        A solution vector of HiGHS, rounded and made consistent (e.g. MCLP's ``c`` recomputed
        from ``y``), or None when it is not feasible: CP-SAT is hinted with it.
    maximise : bool
        Sense of the objective ("better" incumbent and "tighter" bound depend on it).
    first_seconds : float
        HiGHS's head start; 0 starts both at once.

    Returns
    -------
    RaceResult
    """
    if cpsat is None or not _cpsat.available():
        return RaceResult(highs(left, start, None, None), HIGHS, start)
    t0 = time.perf_counter()
    stop = threading.Event()
    stopper = _CpsatStopper()
    done: queue.Queue[tuple[str, MipOutcome | BaseException]] = queue.Queue()
    best: dict[str, np.ndarray] = {}

    def on_solution(x: np.ndarray) -> None:
        cleaned = clean(x)
        if cleaned is not None:
            best["x"] = cleaned

    def run_highs() -> None:
        try:
            done.put((HIGHS, highs(left, start, stop, on_solution)))
        except BaseException as exc:  # handed to the caller's thread
            done.put((HIGHS, exc))
        finally:
            release_thread_scheduler()

    threads = [threading.Thread(target=run_highs, name="gridplan-highs", daemon=True)]
    results: dict[str, MipOutcome] = {}
    hint = start
    try:
        threads[0].start()
        if first_seconds > 0 and _take(done, results, timeout=min(first_seconds, left)):
            return RaceResult(results[HIGHS], HIGHS, start)
        hint = best.get("x", start)
        cpsat_limit = max(left - (time.perf_counter() - t0), 0.01)
        cpsat_at = time.perf_counter() - t0

        def run_cpsat() -> None:
            try:
                done.put((CPSAT, cpsat(cpsat_limit, hint, stopper.register)))
            except BaseException as exc:  # handed to the caller's thread
                done.put((CPSAT, exc))

        threads.append(threading.Thread(target=run_cpsat, name="gridplan-cpsat", daemon=True))
        threads[1].start()
        while len(results) < 2:
            name = _take(done, results, timeout=None)
            if name and results[name].status == "optimal":
                break
    finally:
        stop.set()
        _join(threads, stopper)
    while _take(done, results, timeout=0):  # a proof that came in while the other was stopped
        pass
    return _combine(results, hint, maximise=maximise, detail=_detail(results, cpsat_at))


def _take(
    done: queue.Queue[tuple[str, MipOutcome | BaseException]],
    results: dict[str, MipOutcome],
    *,
    timeout: float | None,
) -> str | None:
    """The next finished arm's name (its outcome into ``results``), None on timeout."""
    try:
        name, out = done.get(timeout=timeout) if timeout != 0 else done.get_nowait()
    except queue.Empty:
        return None
    if isinstance(out, BaseException):
        raise out
    results[name] = out
    return name


def _join(threads: list[threading.Thread], stopper: _CpsatStopper) -> None:
    """Stop and join every started thread (CP-SAT's solver may register after the first stop)."""
    for thread in threads:
        while thread.is_alive():
            stopper.stop()
            thread.join(_STOP_POLL_SECONDS)


def _combine(
    results: dict[str, MipOutcome], hint: np.ndarray, *, maximise: bool, detail: dict[str, Any]
) -> RaceResult:
    """The proof (HiGHS's when both proved), else the better incumbent and tighter bound."""
    for name in (HIGHS, CPSAT):
        if name in results and results[name].status == "optimal":
            return RaceResult(results[name], f"race:{name}", hint, detail)
    sign = 1.0 if maximise else -1.0
    with_x = [n for n in (HIGHS, CPSAT) if n in results and results[n].x is not None]
    owner = max(with_x, key=lambda n: sign * results[n].objective, default=HIGHS)
    bounds = [results[n].bound for n in results if math.isfinite(results[n].bound)]
    bound = (min if maximise else max)(bounds) if bounds else float("nan")  # nan: none known
    base = results.get(owner) or next(iter(results.values()))
    gap = float("inf")
    if base.x is not None and math.isfinite(bound):
        gap = abs(base.objective - bound) / max(abs(base.objective), 1e-9)
    seconds = max(r.seconds for r in results.values())
    outcome = MipOutcome(base.x, base.objective, bound, gap, "time_limit", seconds)
    return RaceResult(outcome, f"race:{owner}", hint, detail)


def _detail(results: dict[str, MipOutcome], cpsat_at: float) -> dict[str, Any]:
    out: dict[str, Any] = {
        name: {
            "status": r.status,
            "objective": r.objective if math.isfinite(r.objective) else None,
            "bound": r.bound if math.isfinite(r.bound) else None,
            "seconds": round(r.seconds, 4),
        }
        for name, r in results.items()
    }
    out["cpsat_started_s"] = round(cpsat_at, 4)
    return out
