"""A thin, quiet wrapper around HiGHS for the siting models.

Every model in :mod:`allocation.siting` is handed to HiGHS as one row-wise CSR matrix
through ``passModel`` (no Python loop per variable). ``highspy`` is imported lazily.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import scipy.sparse as sp

#: HiGHS status names mapped to the words the siting results use.
_STATUS = {
    "kOptimal": "optimal",
    "kTimeLimit": "time_limit",
    "kInfeasible": "infeasible",
    "kObjectiveBound": "cutoff",
    "kSolutionLimit": "solution_limit",
    "kInterrupt": "interrupted",
    "kHighsInterrupt": "interrupted",
}


@dataclass(frozen=True)
class MipProblem:
    """A mixed-integer programme ``min/max c x + offset, row_lo <= A x <= row_hi``.

    Attributes
    ----------
    c : ndarray, shape (n_cols,)
        Objective coefficients.
    a : scipy.sparse.csr_array, shape (n_rows, n_cols)
        Constraint matrix.
    row_lo, row_hi, col_lo, col_hi : ndarray
        Bounds (``np.inf`` for none).
    integer : ndarray of bool, shape (n_cols,)
        Integer columns.
    maximise : bool
        Sense of the objective.
    offset : float
        Constant added to the objective.
    """

    c: np.ndarray
    a: sp.csr_array
    row_lo: np.ndarray
    row_hi: np.ndarray
    col_lo: np.ndarray
    col_hi: np.ndarray
    integer: np.ndarray
    maximise: bool = False
    offset: float = 0.0

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.a.shape[0]), int(self.a.shape[1]))


@dataclass(frozen=True)
class MipOutcome:
    """What HiGHS returned.

    Attributes
    ----------
    x : ndarray or None
        Column values of the best solution found (``None`` when none).
    objective, bound : float
        Objective of ``x`` and the proven dual bound (offset included).
    gap : float
        Relative gap ``|objective - bound| / max(|objective|, 1e-9)`` (0 when proven).
    status : str
        ``"optimal"``, ``"time_limit"``, ``"infeasible"``, ``"cutoff"``, ...
    seconds : float
        Wall time of the solve.
    reduced_costs : ndarray or None
        Column reduced costs, for a pure LP only.
    """

    x: np.ndarray | None
    objective: float
    bound: float
    gap: float
    status: str
    seconds: float
    reduced_costs: np.ndarray | None = None


def _new_highs() -> Any:
    # highspy.Highs() prints its banner on stdout, which would corrupt the CLI's JSON;
    # the underlying class does not, and offers every call used here.
    from highspy._core import _Highs

    h = _Highs()
    h.setOptionValue("output_flag", False)
    return h


def solve_mip(
    problem: MipProblem,
    *,
    time_limit: float = 60.0,
    start: np.ndarray | None = None,
    options: dict[str, object] | None = None,
    stop: threading.Event | None = None,
    on_solution: Callable[[np.ndarray], None] | None = None,
) -> MipOutcome:
    """Solve ``problem`` with HiGHS, exactly, within ``time_limit`` seconds.

    Parameters
    ----------
    problem : MipProblem
    time_limit : float
        Wall-clock limit in seconds.
    start : ndarray or None
        A feasible column vector handed to HiGHS as its first incumbent (warm start).
    options : dict or None
        Extra HiGHS options (e.g. ``{"objective_bound": 5.5}``).
    stop : threading.Event or None
        Set from another thread to interrupt the solve (polled by HiGHS's MIP interrupt
        callback, about every 0.1 s): the outcome then has status ``"interrupted"`` and the
        best solution and bound found so far.
    on_solution : callable or None
        Receives each improving solution HiGHS finds (all columns), from the solving thread.

    Returns
    -------
    MipOutcome
    """
    t0 = time.perf_counter()
    out = _run(problem, time_limit, start, options, stop, on_solution)
    if start is not None and out.x is not None and not _consistent(problem, out):
        # HiGHS 1.16 can return a warm-started solve whose objective does not match its
        # solution (seen on set covering: reported 155 "optimal", x of 186, true optimum 160):
        # never trust it; solve again without the start.
        left = time_limit - (time.perf_counter() - t0)
        out = _run(problem, max(left, 0.01), None, options, stop, on_solution)
    return replace(out, seconds=time.perf_counter() - t0)


def _consistent(problem: MipProblem, out: MipOutcome) -> bool:
    """Does the returned ``x`` satisfy the rows and bounds, and have the reported objective?"""
    x = out.x
    assert x is not None
    tol = 1e-6
    act = problem.a @ x
    scale = max(1.0, abs(out.objective))
    value = float(problem.c @ x + problem.offset)
    ok_rows = bool(np.all(act >= problem.row_lo - tol) and np.all(act <= problem.row_hi + tol))
    ok_cols = bool(np.all(x >= problem.col_lo - tol) and np.all(x <= problem.col_hi + tol))
    ok_int = bool(np.all(np.abs(x[problem.integer] - np.round(x[problem.integer])) <= 1e-5))
    return ok_rows and ok_cols and ok_int and abs(value - out.objective) <= 1e-6 * scale


def _run(
    problem: MipProblem,
    time_limit: float,
    start: np.ndarray | None,
    options: dict[str, object] | None,
    stop: threading.Event | None = None,
    on_solution: Callable[[np.ndarray], None] | None = None,
) -> MipOutcome:
    import highspy

    t0 = time.perf_counter()
    h = _new_highs()
    h.setOptionValue("time_limit", float(max(time_limit, 0.01)))
    h.setOptionValue("mip_rel_gap", 1e-9)
    h.setOptionValue("mip_abs_gap", 1e-7)
    for key, value in (options or {}).items():
        h.setOptionValue(key, value)
    n_rows, n_cols = problem.shape
    lp = highspy.HighsLp()
    lp.num_col_ = n_cols
    lp.num_row_ = n_rows
    lp.col_cost_ = np.asarray(problem.c, dtype=np.float64)
    lp.col_lower_ = np.asarray(problem.col_lo, dtype=np.float64)
    lp.col_upper_ = np.asarray(problem.col_hi, dtype=np.float64)
    lp.row_lower_ = np.asarray(problem.row_lo, dtype=np.float64)
    lp.row_upper_ = np.asarray(problem.row_hi, dtype=np.float64)
    lp.offset_ = float(problem.offset)
    lp.sense_ = highspy.ObjSense.kMaximize if problem.maximise else highspy.ObjSense.kMinimize
    a = sp.csr_array(problem.a)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = n_cols
    lp.a_matrix_.num_row_ = n_rows
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data.astype(np.float64)
    kinds = (highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger)
    lp.integrality_ = [kinds[int(flag)] for flag in problem.integer]
    h.passModel(lp)
    if start is not None:
        idx = np.arange(n_cols, dtype=np.int32)
        h.setSolution(n_cols, idx, np.asarray(start, dtype=np.float64))
    if stop is not None or on_solution is not None:
        _listen(h, stop, on_solution)
    h.run()  # releases the GIL (highspy >= 1.8): another thread may solve meanwhile
    info = h.getInfo()
    status = _STATUS.get(h.getModelStatus().name, h.getModelStatus().name)
    has_x = info.primal_solution_status == 2  # kSolutionStatusFeasible
    solution = h.getSolution()
    x = np.asarray(solution.col_value, dtype=np.float64) if has_x else None
    is_lp = not problem.integer.any()
    duals = (
        np.asarray(solution.col_dual, dtype=np.float64) if is_lp and solution.dual_valid else None
    )
    objective = float(info.objective_function_value) if has_x else float("nan")
    bound = objective if is_lp else float(info.mip_dual_bound)
    if status == "optimal":
        gap = 0.0
    elif has_x and np.isfinite(bound):
        gap = abs(objective - bound) / max(abs(objective), 1e-9)
    else:
        gap = float("inf")
    return MipOutcome(x, objective, bound, gap, status, time.perf_counter() - t0, duals)


def _listen(
    h: Any, stop: threading.Event | None, on_solution: Callable[[np.ndarray], None] | None
) -> None:
    """Interrupt ``h`` once ``stop`` is set; hand each improving solution to ``on_solution``."""
    from highspy._core import cb

    kinds = cb.HighsCallbackType

    def callback(kind: Any, _message: str, data_out: Any, data_in: Any, _user: Any) -> None:
        if kind == kinds.kCallbackMipImprovingSolution:
            if on_solution is not None:
                on_solution(np.array(data_out.mip_solution, dtype=np.float64))
        elif stop is not None and stop.is_set():
            data_in.user_interrupt = True

    h.setCallback(callback, None)
    h.startCallback(kinds.kCallbackMipInterrupt)
    if on_solution is not None:
        h.startCallback(kinds.kCallbackMipImprovingSolution)


def release_thread_scheduler() -> None:
    """End HiGHS's task scheduler of the calling thread; call it last in a thread that ran HiGHS.

    Each thread that runs HiGHS starts its own scheduler, whose workers would otherwise outlive
    the thread (HiGHS PR #1886). Non-blocking, as highspy 1.16's own solver thread does it:
    the workers exit within moments (measured: the process's thread count back to its level
    before the solve within 0.5 s).
    """
    from highspy._core import _Highs

    _Highs.resetThreadScheduler(False)
