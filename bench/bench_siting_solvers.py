"""Which exact solver proves the reduced LSCP / MCLP models fastest (issue 16): measured arms.

Usage::

    .venv/bin/python bench/bench_siting_solvers.py [--models lscp,mclp] [--sizes 2000x500]
        [--kinds uniform,clustered] [--seeds 1] [--per-demand 15,22] [--time-limit 20]
        [--cpsat-workers 2] [--cpsat-linearization 2]

The instances are those of ``bench/bench_siting.py`` (same generator, same radii, MCLP
``p = max(5, m // 25)``). Each instance is reduced exactly as ``allocation.siting`` does
(rows merged, :func:`allocation._reduce.reduce_cover` / ``reduce_max_cover``, the same warm
start), then the same reduced model goes, one arm right after the other, to:

* ``highs``: HiGHS with the options ``allocation.siting`` uses (the shipped path);
* ``cpsat``: Google OR-Tools CP-SAT (``AddBoolOr`` per demand row, the warm start as hint,
  fixed ``random_seed``, ``--cpsat-workers`` workers: ``allocation.siting`` uses 1), only
  when ``ortools`` can be imported (``ortools==9.15.6755`` is pinned in requirements.txt);
* ``highs_from_best``: HiGHS again, with the same options, started from the best solution the
  ``highs`` arm found (its optimum when it proved one): what the proof alone costs when the
  incumbent is already optimal from the first node;
* ``lp``: the LP relaxation (the root bound), and how many columns LP reduced-cost fixing
  could remove given the best objective found (``lp_fixable``: an exact reduction, the
  optimum being the strongest incumbent it could ever have);
* ``components``: connected components of the reduced model (columns linked by a shared
  row): the number that could be solved apart, and the largest one's columns.

Prints one JSON line per instance on stderr and one JSON object on stdout. Times are wall
seconds of the solver call alone (model build excluded for both arms).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_siting import make_instance, radius_for  # noqa: E402

from allocation import _formulations as _f  # noqa: E402
from allocation import _heuristics as _h  # noqa: E402
from allocation import _reduce  # noqa: E402
from allocation._highs import solve_mip  # noqa: E402
from allocation.siting import _INTEGRAL_GAP, _MCLP_OPTIONS  # noqa: E402


def reduced_lscp(cost: np.ndarray, radius: float) -> dict[str, Any]:
    """The reduced set-covering model and warm start, as ``LSCP.solve`` builds them."""
    a_all = _f.cover_matrix(cost, radius)
    reach = np.asarray(a_all.sum(axis=1)).ravel() > 0
    a, _, _ = _f.group_rows(a_all[np.flatnonzero(reach)])
    red = _reduce.reduce_cover(a)
    ar = red.matrix(a)
    warm = _h.drop_redundant(ar, _h.greedy_cover(ar)) if ar.shape[0] else np.array([], int)
    return {"a": ar, "forced": int(red.forced.size), "warm": warm}


def reduced_mclp(cost: np.ndarray, weights: np.ndarray, radius: float, p: int) -> dict[str, Any]:
    """The reduced maximal-covering model and warm start, as ``MCLP.solve`` builds them."""
    a_all = _f.cover_matrix(cost, radius)
    reach = np.asarray(a_all.sum(axis=1)).ravel() > 0
    rows = np.flatnonzero(reach & (weights > 0))
    a0, _, w = _f.group_rows(a_all[rows], weights[rows])
    red = _reduce.reduce_max_cover(a0)
    a = red.matrix(a0)
    warm = _h.swap_cover(a, w, _h.greedy_cover(a, w, p), time_budget=2.0)
    return {"a": a, "w": w, "p": p, "warm": warm}


def components(a: sp.csr_array) -> dict[str, int]:
    """Connected components of the columns (linked when they cover a common row)."""
    if a.shape[1] == 0:
        return {"components": 0, "largest_columns": 0}
    g = sp.csr_array(sp.csc_array(a).T @ sp.csr_array(a))
    k, lab = connected_components(g, directed=False)
    return {"components": int(k), "largest_columns": int(np.bincount(lab).max())}


def _by_reductions() -> dict[str, Any]:
    return {"seconds": 0.0, "status": "optimal", "objective": 0.0, "bound": 0.0, "by": "reductions"}


def highs_arm(
    model: str, red: dict[str, Any], limit: float, start: np.ndarray | None = None
) -> tuple[dict[str, Any], np.ndarray | None]:
    """The shipped path: HiGHS on the reduced model with ``allocation.siting``'s options.

    ``start`` replaces the shipped warm start (a full solution vector of the model). Returns
    the JSON figures and the best solution vector found (None when there is none).
    """
    a, warm = red["a"], red["warm"]
    if a.shape[0] == 0:  # the reductions decided everything (as LSCP.solve reports it)
        return _by_reductions(), None
    if model == "lscp":
        problem = _f.lscp_problem(a)
        x0 = np.zeros(a.shape[1])
        x0[warm] = 1.0
        options: dict[str, object] = {"mip_abs_gap": _INTEGRAL_GAP}
    else:
        problem = _f.mclp_problem(a, red["w"], red["p"])
        x0 = np.zeros(a.shape[1] + a.shape[0])
        x0[warm] = 1.0
        x0[a.shape[1] :] = np.asarray(a[:, warm].sum(axis=1)).ravel() > 0
        options = dict(_MCLP_OPTIONS, mip_abs_gap=_INTEGRAL_GAP)
    out = solve_mip(
        problem, time_limit=limit, start=x0 if start is None else start, options=options
    )
    figures = {
        "seconds": round(out.seconds, 3),
        "status": out.status,
        "objective": out.objective,
        "bound": out.bound,
    }
    return figures, out.x


def cpsat_arm(
    model: str, red: dict[str, Any], limit: float, workers: int, linearization: int
) -> dict[str, Any] | None:
    """CP-SAT on the same reduced model (``None`` when ortools cannot be imported)."""
    try:
        from ortools.sat.python import cp_model
    except ImportError:
        return None
    a, warm = red["a"], set(red["warm"].tolist())
    n, m = a.shape
    if n == 0:
        return _by_reductions()
    md = cp_model.CpModel()
    y = [md.NewBoolVar(f"y{j}") for j in range(m)]
    rows = [[y[j] for j in a.indices[a.indptr[i] : a.indptr[i + 1]]] for i in range(n)]
    if model == "lscp":
        for lits in rows:
            md.AddBoolOr(lits)
        md.Minimize(sum(y))
    else:
        c = [md.NewBoolVar(f"c{i}") for i in range(n)]
        for i, lits in enumerate(rows):
            md.AddBoolOr(lits).OnlyEnforceIf(c[i])
        md.Add(sum(y) <= red["p"])
        md.Maximize(sum(int(red["w"][i]) * c[i] for i in range(n)))
        hit = np.asarray(a[:, sorted(warm)].sum(axis=1)).ravel() > 0 if warm else np.zeros(n)
        for i in range(n):
            md.AddHint(c[i], bool(hit[i]))
    for j in range(m):
        md.AddHint(y[j], j in warm)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(limit)
    solver.parameters.num_workers = int(workers)
    solver.parameters.random_seed = 0
    solver.parameters.linearization_level = int(linearization)
    t0 = time.perf_counter()
    status = solver.Solve(md)
    seconds = time.perf_counter() - t0
    name = solver.StatusName(status)
    found = name in ("OPTIMAL", "FEASIBLE")
    return {
        "seconds": round(seconds, 3),
        "status": {"OPTIMAL": "optimal", "FEASIBLE": "time_limit"}.get(name, name.lower()),
        "objective": float(solver.ObjectiveValue()) if found else None,
        "bound": float(solver.BestObjectiveBound()),
    }


def lp_arm(model: str, red: dict[str, Any], best: float | None) -> dict[str, Any]:
    """LP bound and the columns LP reduced-cost fixing would remove at incumbent ``best``."""
    a = red["a"]
    problem = _f.lscp_problem(a) if model == "lscp" else _f.mclp_problem(a, red["w"], red["p"])
    lp = solve_mip(replace(problem, integer=np.zeros_like(problem.integer)), time_limit=60)
    out: dict[str, Any] = {"lp_bound": round(lp.objective, 3)}
    if best is not None and lp.reduced_costs is not None and lp.x is not None:
        d = np.abs(lp.reduced_costs[: a.shape[1]])
        x = lp.x[: a.shape[1]]
        at_bound = (x < 1e-9) | (x > 1 - 1e-9)
        # a solution better than best (integer objective: by 1 at least) cannot move these
        if model == "mclp":
            fixable = at_bound & (lp.objective - d < best + 1 - 1e-6)
        else:
            fixable = at_bound & (lp.objective + d > best - 1 + 1e-6)
        out["lp_fixable"] = int(fixable.sum())
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="lscp,mclp")
    ap.add_argument("--sizes", default="2000x500")
    ap.add_argument("--kinds", default="uniform,clustered")
    ap.add_argument("--seeds", default="1")
    ap.add_argument("--per-demand", default="15,22")
    ap.add_argument("--time-limit", type=float, default=20.0)
    ap.add_argument("--cpsat-workers", type=int, default=2)
    ap.add_argument("--cpsat-linearization", type=int, default=2)
    args = ap.parse_args(argv)
    rows = []
    for size in args.sizes.split(","):
        n, m = (int(v) for v in size.lower().split("x"))
        for kind in args.kinds.split(","):
            for seed in (int(s) for s in args.seeds.split(",")):
                inst = make_instance(n, m, kind=kind, seed=seed)
                for pd in (float(v) for v in args.per_demand.split(",")):
                    r = radius_for(m, pd)
                    for model in args.models.split(","):
                        if model == "lscp":
                            red = reduced_lscp(inst["cost"], r)
                            offset = red["forced"]
                        else:
                            p = max(5, m // 25)
                            red = reduced_mclp(inst["cost"], inst["weights"], r, p)
                            offset = 0
                        row: dict[str, Any] = {
                            "model": model,
                            "kind": kind,
                            "size": size,
                            "seed": seed,
                            "per_demand": pd,
                            "radius_m": r,
                            "reduced": list(red["a"].shape),
                            "offset": offset,
                            **components(red["a"]),
                        }
                        row["highs"], x_best = highs_arm(model, red, args.time_limit)
                        if x_best is not None:
                            row["highs_from_best"], _ = highs_arm(
                                model, red, args.time_limit, start=x_best
                            )
                        row["cpsat"] = cpsat_arm(
                            model,
                            red,
                            args.time_limit,
                            args.cpsat_workers,
                            args.cpsat_linearization,
                        )
                        best = row["highs"]["objective"]
                        if row["cpsat"] and row["cpsat"]["objective"] is not None:
                            pick = max if model == "mclp" else min
                            best = pick(best, row["cpsat"]["objective"])
                        row.update(lp_arm(model, red, best))
                        print(json.dumps(row), file=sys.stderr, flush=True)
                        rows.append(row)
    summary = {
        "instances": len(rows),
        "cpsat_available": any(r["cpsat"] is not None for r in rows),
        "highs_proven": sum(r["highs"]["status"] == "optimal" for r in rows),
        "cpsat_proven": sum(bool(r["cpsat"]) and r["cpsat"]["status"] == "optimal" for r in rows),
        "highs_from_best_proven": sum(
            r.get("highs_from_best", {}).get("status") == "optimal" for r in rows
        ),
        "rows": rows,
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
