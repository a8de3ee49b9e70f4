"""Set covering and maximal covering with Google OR-Tools CP-SAT (optional, imported lazily).

Used by :mod:`allocation.siting` on the reduced LSCP / MCLP models HiGHS does not prove
within a second: :mod:`allocation._race` runs it beside HiGHS, and the first proof wins
(``bench/bench_siting_solvers.py``, ``docs/benchmarks.md``). One worker and a fixed seed: a
run that ends proven is repeatable for a given hint (the search does not depend on thread
timing); a run stopped by the time limit or by ``stop_search`` may not be.
The outcome has the column layout of the HiGHS models of :mod:`allocation._formulations`
(LSCP: ``y``; MCLP: ``[y, c]``) so that the caller reads it the same way.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp

from allocation._highs import MipOutcome

#: CP-SAT parameters, chosen by measurement: with 2 workers the bound on set covering stayed
#: near 0 after 20 s on every 2,000 x 500 model; one worker with the LP linearisation
#: (``linearization_level = 2``) proved most of them (docs/benchmarks.md).
_PARAMS: dict[str, Any] = {"num_workers": 1, "random_seed": 0, "linearization_level": 2}

_STATUS = {"OPTIMAL": "optimal", "FEASIBLE": "time_limit", "INFEASIBLE": "infeasible"}


def available() -> bool:
    """Can ``ortools`` be imported (without importing it)?"""
    return importlib.util.find_spec("ortools") is not None


def _rows(a: sp.csr_array) -> list[np.ndarray]:
    a = sp.csr_array(a)
    return [a.indices[a.indptr[i] : a.indptr[i + 1]] for i in range(a.shape[0])]


#: Receives the ``CpSolver`` before it solves, so that another thread can ``stop_search()`` it.
OnSolver = Callable[[Any], None]


def _solve(model: Any, time_limit: float, on_solver: OnSolver | None) -> tuple[Any, str, float]:
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(max(time_limit, 0.01))
    for key, value in _PARAMS.items():
        setattr(solver.parameters, key, value)
    if on_solver is not None:
        on_solver(solver)
    t0 = time.perf_counter()
    code = solver.solve(model)
    name = solver.status_name(code)
    return solver, _STATUS.get(name, "time_limit"), time.perf_counter() - t0


def solve_cover(
    a: sp.csr_array, start: np.ndarray, *, time_limit: float, on_solver: OnSolver | None = None
) -> MipOutcome:
    """``min sum_j y_j`` s.t. every row of ``a`` has an open column; ``start`` (0/1) as hint.

    Parameters
    ----------
    a : csr_array, shape (n_rows, n_cols)
        0/1 coverage; every row has at least one non-zero.
    start : ndarray, shape (n_cols,)
        A feasible cover (0/1), given as hint.
    time_limit : float
        Seconds.
    on_solver : callable or None
        Receives the solver before the search (to stop it from another thread).
    """
    from ortools.sat.python import cp_model

    m = a.shape[1]
    md = cp_model.CpModel()
    y = [md.new_bool_var(f"y{j}") for j in range(m)]
    for cols in _rows(a):
        md.add_bool_or([y[j] for j in cols])
    md.minimize(sum(y))
    for j in range(m):
        md.add_hint(y[j], bool(start[j] > 0.5))
    solver, status, seconds = _solve(md, time_limit, on_solver)
    return _outcome(solver, status, seconds, [y])


def solve_max_cover(
    a: sp.csr_array,
    weight: np.ndarray,
    p: int,
    start: np.ndarray,
    *,
    time_limit: float,
    offset: float = 0.0,
    on_solver: OnSolver | None = None,
) -> MipOutcome:
    """``max sum_i w_i c_i`` s.t. ``c_i`` only if a column of row ``i`` is open, ``sum y <= p``.

    Parameters
    ----------
    a : csr_array, shape (n_rows, n_cols)
        0/1 coverage.
    weight : ndarray of integer values, shape (n_rows,)
        Row weights (CP-SAT needs integers; the caller routes other weights to HiGHS).
    p : int
        Most columns open.
    start : ndarray, shape (n_cols + n_rows,)
        A feasible ``[y, c]`` (0/1), given as hint.
    time_limit : float
        Seconds.
    offset : float
        Added to the objective and the bound, as ``MipProblem.offset`` is by HiGHS (MCLP: the
        weight existing facilities cover), so that the two solvers' figures compare.
    on_solver : callable or None
        Receives the solver before the search (to stop it from another thread).
    """
    from ortools.sat.python import cp_model

    n, m = a.shape
    md = cp_model.CpModel()
    y = [md.new_bool_var(f"y{j}") for j in range(m)]
    c = [md.new_bool_var(f"c{i}") for i in range(n)]
    for i, cols in enumerate(_rows(a)):
        md.add_bool_or([y[j] for j in cols]).only_enforce_if(c[i])
    md.add(sum(y) <= int(p))
    md.maximize(sum(round(float(weight[i])) * c[i] for i in range(n)))
    for j in range(m):
        md.add_hint(y[j], bool(start[j] > 0.5))
    for i in range(n):
        md.add_hint(c[i], bool(start[m + i] > 0.5))
    solver, status, seconds = _solve(md, time_limit, on_solver)
    return _outcome(solver, status, seconds, [y, c], offset)


def _outcome(
    solver: Any, status: str, seconds: float, groups: list[list[Any]], offset: float = 0.0
) -> MipOutcome:
    found = status in ("optimal", "time_limit") and solver.response_proto.solution
    if not found:  # stopped before any solution (the caller's start stays): claim no bound,
        # since CP-SAT's is not one then (0 seen on a maximisation stopped at once)
        return MipOutcome(None, float("nan"), float("nan"), float("inf"), status, seconds)
    x = np.array([float(solver.value(v)) for g in groups for v in g])
    objective = float(solver.objective_value) + offset
    bound = objective if status == "optimal" else float(solver.best_objective_bound) + offset
    gap = 0.0 if status == "optimal" else abs(objective - bound) / max(abs(objective), 1e-9)
    return MipOutcome(x, objective, bound, gap, status, seconds)
