"""Siting side by side with spopt 0.7 + HiGHS (PuLP) over a family of generated instances.

Usage::

    .venv/bin/python bench/bench_siting.py [--models lscp,mclp,pmedian,pcenter]
        [--sizes 300x80,1000x250] [--large] [--kinds uniform,clustered]
        [--seeds 1,2,3] [--per-demand 5,15,30] [--time-limit 60] [--spopt-limit 120]
        [--no-spopt] [--median-sizes 1000x250,2000x500]
    .venv/bin/python bench/bench_siting.py --startup 7

Instances (issue 16): demand points and candidate sites in a 5 km square, demand uniform or
clustered (8 Gaussian clusters, sd 1/15 of the side), candidates uniform; weights integers
50-600; cost = Euclidean distance rounded to the metre; no existing facility. For LSCP and
MCLP the radius is chosen per size so that a demand point has on average 5, 15 or 30
candidates within it (``--per-demand``; the measured mean is printed); MCLP opens
``p = max(5, m // 25)`` new posts. p-median (p = 8) and p-center (p = 5) run at their own
small sizes (300 x 80 and 200 x 50, as in the issue): spopt builds ``n x m`` assignment
variables in Python for them. ``--large`` adds 2,000 x 500 and 5,000 x 1,000 to the LSCP and
MCLP sizes (hard instances there take a minute or more on each side: the default run, about
15 minutes on the shared 2-core machine, leaves them out). ``--median-sizes`` runs p-median and
p-center at the given sizes instead of their small ones, with ``p = max(5, m // 25)`` as for
MCLP (10 at 1,000 x 250, 20 at 2,000 x 500).

Every instance is solved by both sides in one run, one right after the other on the same
matrix: gridplan = ``from_cost_matrix`` + ``solve``; spopt = ``from_cost_matrix`` + ``solve``
with ``pulp.HiGHS`` (default options, as in the issue). ratio = spopt seconds / gridplan
seconds. Printed: one JSON line per instance on stderr, then one JSON object with, per class
(model, demand kind, size), the median and worst ratio, and whether the objectives are equal.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import statistics
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from allocation.siting import LSCP, MCLP, PCenter, PMedian  # noqa: E402

SIDE_M = 5000.0
#: Sizes of the p-median and p-center classes (spopt's models are n x m assignment MIPs).
SMALL_SIZES = {"pmedian": ((300, 80),), "pcenter": ((200, 50),)}
#: p of the p-median and p-center classes (the issue's instances).
FIXED_P = {"pmedian": 8, "pcenter": 5}
LARGE = ((2000, 500), (5000, 1000))


def make_instance(
    n: int, m: int, *, kind: str, seed: int, side_m: float = SIDE_M
) -> dict[str, Any]:
    """One reproducible instance: cost (n x m, integer metres) and integer weights 50-600.

    Parameters
    ----------
    n, m : int
        Demand points and candidate sites.
    kind : {"uniform", "clustered"}
        Demand layout; candidates are always uniform in the square.
    seed : int
        Seed of ``numpy.random.default_rng`` (with n and m and kind it fixes the instance).
    side_m : float
        Side of the square, metres.
    """
    rng = np.random.default_rng([seed, n, m, 0 if kind == "uniform" else 1])
    if kind == "uniform":
        dem = rng.uniform(0, side_m, (n, 2))
    elif kind == "clustered":
        centres = rng.uniform(0.1 * side_m, 0.9 * side_m, (8, 2))
        dem = np.clip(
            centres[rng.integers(0, 8, n)] + rng.normal(0, side_m / 15, (n, 2)), 0, side_m
        )
    else:
        raise ValueError(f"--kinds: unknown demand kind {kind!r}; use uniform or clustered")
    cand = rng.uniform(0, side_m, (m, 2))
    cost = np.rint(np.sqrt(((dem[:, None, :] - cand[None, :, :]) ** 2).sum(axis=2)))
    weights = rng.integers(50, 601, n).astype(np.float64)
    return {"cost": cost, "weights": weights}


def radius_for(m: int, per_demand: float, side_m: float = SIDE_M) -> float:
    """Radius (whole metres) with ``per_demand`` candidates in its disc on average (no edges)."""
    return float(round(side_m * math.sqrt(per_demand / (math.pi * m))))


def ours(
    model: str, inst: dict[str, Any], p: int | None, radius: float | None, time_limit: float
) -> dict[str, Any]:
    cost, w = inst["cost"], inst["weights"]
    t0 = time.perf_counter()
    if model == "mclp":
        res = MCLP.from_cost_matrix(cost, weights=w, p=p, radius=radius).solve(
            time_limit=time_limit
        )
    elif model == "lscp":
        res = LSCP.from_cost_matrix(cost, radius=radius).solve(time_limit=time_limit)
    elif model == "pmedian":
        res = PMedian.from_cost_matrix(cost, weights=w, p=p).solve(time_limit=time_limit)
    else:
        res = PCenter.from_cost_matrix(cost, p=p).solve(time_limit=time_limit)
    keep = (
        "reduction",
        "lagrangian_bound",
        "solve_seconds",
        "rows",
        "columns",
        "warm_objective",
        "solver",
        "branch_nodes",
        "sites_ruled_out",
        "n_checks",
        "formulation",
    )
    return {
        "seconds": time.perf_counter() - t0,
        "objective": res.objective,
        "status": res.status,
        "gap": res.gap,
        "excluded": len(res.excluded),
        "stats": {k: v for k, v in res.stats.items() if k in keep},
    }


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Send file descriptor 1 to stderr: HiGHS (through PuLP) prints its banner from C++,
    which would corrupt the JSON on stdout."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def spopt_run(
    model: str, inst: dict[str, Any], p: int | None, radius: float | None, limit: float
) -> dict[str, Any]:
    with _stdout_to_stderr():
        return _spopt_run(model, inst, p, radius, limit)


def _spopt_run(
    model: str, inst: dict[str, Any], p: int | None, radius: float | None, limit: float
) -> dict[str, Any]:
    import pulp

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from spopt.locate import LSCP as SLSCP
        from spopt.locate import MCLP as SMCLP
        from spopt.locate import PCenter as SPCenter
        from spopt.locate import PMedian as SPMedian

        cost, w = inst["cost"], inst["weights"]
        solver = pulp.HiGHS(msg=False, timeLimit=limit)
        t0 = time.perf_counter()
        if model == "mclp":
            mod = SMCLP.from_cost_matrix(cost, w, radius, p)
        elif model == "lscp":
            # spopt's LSCP is infeasible when a point is uncoverable: only the coverable rows
            mod = SLSCP.from_cost_matrix(cost[(cost <= radius).any(axis=1)], radius)
        elif model == "pmedian":
            mod = SPMedian.from_cost_matrix(cost, w, p)
        else:
            mod = SPCenter.from_cost_matrix(cost, p)
        build = time.perf_counter() - t0
        try:
            mod.solve(solver)
        except RuntimeError as exc:
            return {"seconds": time.perf_counter() - t0, "build_seconds": build, "error": str(exc)}
    seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        "build_seconds": build,
        "objective": float(pulp.value(mod.problem.objective)),
        "status": pulp.LpStatus[mod.problem.status],
        "proven": seconds < limit and mod.problem.sol_status == pulp.LpSolutionOptimal,
    }


def _sizes(text: str) -> list[tuple[int, int]]:
    out = []
    for item in text.split(","):
        n, m = (int(v) for v in item.split("x"))
        out.append((n, m))
    return out


def plan(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Every (model, kind, size, seed, radius/p) to run, in order."""
    sizes = _sizes(args.sizes)
    median_text = getattr(args, "median_sizes", "")  # optional for callers building args
    median_sizes = _sizes(median_text) if median_text else None
    if args.large:
        sizes.extend(LARGE)
    seeds = [int(s) for s in args.seeds.split(",")]
    per_demand = [float(k) for k in args.per_demand.split(",")]
    cases = []
    for model in args.models.split(","):
        for kind in args.kinds.split(","):
            own = median_sizes if model in FIXED_P and median_sizes else None
            for n, m in own or SMALL_SIZES.get(model, sizes):
                for seed in seeds:
                    if model in FIXED_P:
                        cases.append(
                            {
                                "model": model,
                                "kind": kind,
                                "n": n,
                                "m": m,
                                "seed": seed,
                                "p": max(5, m // 25) if own else FIXED_P[model],
                                "radius": None,
                            }
                        )
                        continue
                    for k in per_demand:
                        cases.append(
                            {
                                "model": model,
                                "kind": kind,
                                "n": n,
                                "m": m,
                                "seed": seed,
                                "p": max(5, m // 25) if model == "mclp" else None,
                                "radius": radius_for(m, k),
                                "per_demand_target": k,
                            }
                        )
    return cases


def run_case(case: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    inst = make_instance(case["n"], case["m"], kind=case["kind"], seed=case["seed"])
    row = dict(case)
    if case["radius"] is not None:
        row["per_demand_measured"] = round(
            float((inst["cost"] <= case["radius"]).sum(axis=1).mean()), 1
        )
    g = ours(case["model"], inst, case["p"], case["radius"], args.time_limit)
    row.update(
        {
            "gridplan_seconds": round(g["seconds"], 3),
            "gridplan_objective": g["objective"],
            "gridplan_status": g["status"],
            "gridplan_gap": g["gap"],
            "gridplan_stats": g["stats"],
        }
    )
    if args.no_spopt:
        return row
    s = spopt_run(case["model"], inst, case["p"], case["radius"], args.spopt_limit)
    row["spopt"] = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in s.items()}
    if "objective" in s:
        row["equal_objective"] = abs(s["objective"] - g["objective"]) <= 1e-6 * max(
            1.0, abs(s["objective"])
        )
        row["ratio"] = round(s["seconds"] / g["seconds"], 2)
    return row


def summarise(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per class (model, kind, size): median and worst ratio, objectives equal, statuses."""
    classes: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for r in rows:
        classes.setdefault((r["model"], r["kind"], f"{r['n']}x{r['m']}"), []).append(r)
    out = []
    for (model, kind, size), rs in classes.items():
        ratios = [r["ratio"] for r in rs if "ratio" in r]
        out.append(
            {
                "model": model,
                "kind": kind,
                "size": size,
                "instances": len(rs),
                "median_ratio": round(statistics.median(ratios), 2) if ratios else None,
                "worst_ratio": min(ratios) if ratios else None,
                "objectives_equal": all(r.get("equal_objective", False) for r in rs)
                if ratios
                else None,
                "gridplan_all_optimal": all(r["gridplan_status"] == "optimal" for r in rs),
                "gridplan_seconds_median": round(
                    statistics.median(r["gridplan_seconds"] for r in rs), 3
                ),
                "gridplan_seconds_max": max(r["gridplan_seconds"] for r in rs),
                "spopt_seconds_median": round(
                    statistics.median(r["spopt"]["seconds"] for r in rs), 3
                )
                if ratios
                else None,
                "objectives": [
                    [r["gridplan_objective"], r["spopt"].get("objective") if "spopt" in r else None]
                    for r in rs
                ],
            }
        )
    return out


def startup(runs: int) -> dict[str, Any]:
    """Wall time of ``gridplan site --cost-matrix`` on a 3 x 2 matrix (median of ``runs``).

    Also the bare interpreter (``python -c pass``) and ``gridplan --help`` as references, and
    which heavy modules the site process imported (``-X importtime``).
    """
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        matrix = Path(tmp) / "c.csv"
        matrix.write_text(",a,b\nd1,100,900\nd2,800,200\nd3,300,300\n")
        site = [
            sys.executable,
            "-m",
            "cli.main",
            "site",
            "--cost-matrix",
            str(matrix),
            "--model",
            "lscp",
            "--radius",
            "400",
        ]
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "gridplan --help": [sys.executable, "-m", "cli.main", "--help"],
            "gridplan site --cost-matrix (LSCP 3 x 2)": site,
        }
        out: dict[str, Any] = {"runs": runs}
        for name, cmd in commands.items():
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
                times.append(time.perf_counter() - t0)
            out[name] = {
                "median_s": round(statistics.median(times), 3),
                "min_s": round(min(times), 3),
            }
        trace = subprocess.run(
            [sys.executable, "-X", "importtime", *site[1:]],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stderr
        loaded = {line.rsplit("|", 1)[-1].strip() for line in trace.splitlines() if "|" in line}
        out["heavy_modules_imported"] = sorted(
            m
            for m in (
                "geopandas",
                "osmnx",
                "shapely",
                "pyproj",
                "pandas",
                "matplotlib",
                "networkx",
                "scipy.sparse",
                "highspy",
            )
            if m in loaded
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--models", default="lscp,mclp,pmedian,pcenter")
    ap.add_argument("--sizes", default="300x80,1000x250", help="LSCP/MCLP sizes, n x m")
    ap.add_argument(
        "--large", action="store_true", help="add 2000x500 and 5000x1000 (minutes each)"
    )
    ap.add_argument("--kinds", default="uniform,clustered")
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--per-demand", default="5,15,30", help="mean candidates within the radius")
    ap.add_argument(
        "--time-limit", type=float, default=60.0, help="gridplan's time limit per solve"
    )
    ap.add_argument(
        "--spopt-limit", type=float, default=120.0, help="HiGHS time limit for spopt, s"
    )
    ap.add_argument("--no-spopt", action="store_true")
    ap.add_argument(
        "--median-sizes",
        default="",
        help="p-median/p-center sizes, n x m (p = max(5, m // 25)); default 300x80 / 200x50",
    )
    ap.add_argument(
        "--startup",
        type=int,
        default=0,
        metavar="RUNS",
        help="only measure the start-up of `gridplan site --cost-matrix` (RUNS processes)",
    )
    args = ap.parse_args()
    if args.startup:
        print(
            json.dumps(
                {"command": "python " + " ".join(sys.argv), "startup": startup(args.startup)},
                indent=1,
            )
        )
        return
    rows = []
    for case in plan(args):
        row = run_case(case, args)
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    print(
        json.dumps(
            {"command": "python " + " ".join(sys.argv), "classes": summarise(rows), "rows": rows},
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
