"""Siting side by side with spopt 0.7 (PuLP + CBC) on the same random cost matrices.

Usage::

    .venv/bin/python bench/bench_siting.py [--sizes 500x100,2000x500,5000x2000] [--repeat 3]
                                          [--spopt-limit 300] [--models mclp,lscp,pmedian,pcenter]

For each size and model: gridplan's end-to-end time (``from_cost_matrix`` + ``solve``; median
of ``--repeat`` runs), spopt's (one run, its CBC time limit ``--spopt-limit``), both
objectives, equality, and the speed ratio. spopt runs are skipped where they would take more
than a few minutes (listed with the reason). Prints one JSON object.

Instances: demand and candidate points uniform in a square whose side grows with sqrt(n)
(50 demand points per km^2: 5,000 estates on 100 km^2 at the largest size), Euclidean metres, weights
1-500 households; 10 % of the candidates are existing facilities (fixed).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from allocation.siting import LSCP, MCLP, PCenter, PMedian  # noqa: E402

#: p (new posts) and radius per size, chosen so that every model has real work to do.
SETTINGS = {
    (500, 100): {"p": 10, "radius": 400.0},
    (2000, 500): {"p": 20, "radius": 400.0},
    (5000, 2000): {"p": 40, "radius": 400.0},
}
#: spopt (model, size) pairs not run, with the reason (measured or from ANCHORS.md).
SPOPT_SKIP = {
    ("pmedian", (2000, 500)): "spopt PMedian builds n x m = 1e6 assignment variables in Python "
                              "(2,000 x 340 took 13.8 s to build, 24 s to solve, 2 GB in ANCHORS.md)",
    ("pmedian", (5000, 2000)): "1e7 assignment variables: far beyond a few minutes and the memory here",
    ("pcenter", (2000, 500)): "spopt PCenter 500 x 100 was unsolved after 9 minutes (ANCHORS.md)",
    ("pcenter", (5000, 2000)): "as above, larger",
}


def instance(n: int, m: int, seed: int = 0) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    side = 1000.0 * np.sqrt(n / 50.0)
    dem, cand = rng.uniform(0, side, (n, 2)), rng.uniform(0, side, (m, 2))
    cost = np.sqrt(((dem[:, None, :] - cand[None, :, :]) ** 2).sum(axis=2)).round(1)
    weights = rng.integers(1, 501, n).astype(float)
    fixed = np.zeros(m, dtype=bool)
    fixed[rng.choice(m, m // 10, replace=False)] = True
    return {"cost": cost, "weights": weights, "fixed": fixed, "side_m": side}


def ours(model: str, inst: dict[str, Any], p: int, radius: float, time_limit: float) -> dict[str, Any]:
    cost, w, fixed = inst["cost"], inst["weights"], inst["fixed"]
    t0 = time.perf_counter()
    if model == "mclp":
        res = MCLP.from_cost_matrix(cost, weights=w, fixed=fixed, p=p, radius=radius).solve(time_limit=time_limit)
    elif model == "lscp":
        res = LSCP.from_cost_matrix(cost, fixed=fixed, radius=radius).solve(time_limit=time_limit)
    elif model == "pmedian":
        res = PMedian.from_cost_matrix(cost, weights=w, fixed=fixed, p=p).solve(time_limit=time_limit)
    else:
        res = PCenter.from_cost_matrix(cost, fixed=fixed, p=p).solve(time_limit=time_limit)
    return {"seconds": time.perf_counter() - t0, "objective": res.objective, "status": res.status,
            "gap": res.gap, "excluded": len(res.excluded), "stats": {k: v for k, v in res.stats.items()
                                                                     if k != "checks"}}


def spopt_run(model: str, inst: dict[str, Any], p: int, radius: float, limit: float) -> dict[str, Any]:
    import pulp

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from spopt.locate import LSCP as SLSCP
        from spopt.locate import MCLP as SMCLP
        from spopt.locate import PCenter as SPCenter
        from spopt.locate import PMedian as SPMedian

        cost, w, fixed = inst["cost"], inst["weights"], inst["fixed"]
        pre = fixed.astype(int)
        k = int(fixed.sum())
        solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=limit)
        t0 = time.perf_counter()
        if model == "mclp":
            m = SMCLP.from_cost_matrix(cost, w, radius, p + k, predefined_facilities_arr=pre)
        elif model == "lscp":
            # spopt's LSCP is infeasible when a point is uncoverable: give it the coverable rows only
            keep = (cost <= radius).any(axis=1)
            m = SLSCP.from_cost_matrix(cost[keep], radius, predefined_facilities_arr=pre)
        elif model == "pmedian":
            m = SPMedian.from_cost_matrix(cost, w, p + k, predefined_facilities_arr=pre)
        else:
            m = SPCenter.from_cost_matrix(cost, p + k, predefined_facilities_arr=pre)
        build = time.perf_counter() - t0
        try:
            m.solve(solver)
        except RuntimeError as exc:
            return {"seconds": time.perf_counter() - t0, "build_seconds": build, "error": str(exc)}
    seconds = time.perf_counter() - t0
    obj = float(pulp.value(m.problem.objective))
    if model == "lscp":
        obj -= k  # spopt counts the predefined facilities; gridplan counts new posts
    return {"seconds": seconds, "build_seconds": build, "objective": obj,
            "status": pulp.LpStatus[m.problem.status], "solution_status": pulp.LpSolution[m.problem.sol_status],
            "proven": m.problem.sol_status == pulp.LpSolutionOptimal and seconds < limit}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="500x100,2000x500,5000x2000")
    ap.add_argument("--models", default="mclp,lscp,pmedian,pcenter")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--time-limit", type=float, default=120.0, help="gridplan's time limit per solve")
    ap.add_argument("--spopt-limit", type=float, default=300.0, help="CBC time limit for spopt, seconds")
    ap.add_argument("--no-spopt", action="store_true")
    args = ap.parse_args()
    rows = []
    for size in args.sizes.split(","):
        n, m = (int(v) for v in size.split("x"))
        setting = SETTINGS.get((n, m), {"p": 10, "radius": 400.0})
        inst = instance(n, m)
        for model in args.models.split(","):
            runs = [ours(model, inst, setting["p"], setting["radius"], args.time_limit) for _ in range(args.repeat)]
            med = statistics.median(r["seconds"] for r in runs)
            row: dict[str, Any] = {"size": size, "model": model, "p": setting["p"], "radius_m": setting["radius"],
                                   "gridplan_seconds_median": round(med, 3),
                                   "gridplan_seconds_runs": [round(r["seconds"], 3) for r in runs],
                                   "gridplan_objective": runs[0]["objective"], "gridplan_status": runs[0]["status"],
                                   "gridplan_gap": runs[0]["gap"], "gridplan_stats": runs[0]["stats"]}
            skip = SPOPT_SKIP.get((model, (n, m)))
            if args.no_spopt:
                row["spopt"] = "not run (--no-spopt)"
            elif skip:
                row["spopt"] = f"skipped: {skip}"
            else:
                s = spopt_run(model, inst, setting["p"], setting["radius"], args.spopt_limit)
                row["spopt"] = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in s.items()}
                if "objective" in s:
                    row["equal_objective"] = abs(s["objective"] - runs[0]["objective"]) <= 1e-6 * max(
                        1.0, abs(s["objective"]))
                    row["speedup"] = round(s["seconds"] / med, 1)
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
    print(json.dumps({"command": "python " + " ".join(sys.argv), "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
