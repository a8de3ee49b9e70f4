"""OR-Library p-median pmed1-pmed40: proven optimal with allocation.siting.PMedian? How fast?

Usage::

    .venv/bin/python bench/bench_orlib.py [--instances 1-40] [--time-limit 60] [--pcenter]
        [--kernels compiled,numpy]

Prints one JSON object: per instance n, p, objective, known optimum, status, seconds (model
build + solve, the matrix read excluded), and with ``--pcenter`` the p-center radius against
``pcenter_optima.txt``. Data: ``../shared/data/orlib`` (never copied into the project).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from allocation import _lagrange  # noqa: E402
from allocation._orlib import read_pmed  # noqa: E402
from allocation.siting import PCenter, PMedian  # noqa: E402

ORLIB = ROOT.parent / "shared" / "data" / "orlib"


def _optima(name: str) -> dict[str, float]:
    rows = (line.split() for line in (ORLIB / name).read_text().splitlines() if line.strip())
    return {k: float(v) for k, v in rows}


def _range(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        a, _, b = part.partition("-")
        out.extend(range(int(a), int(b or a) + 1))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", default="1-40")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--pcenter", action="store_true", help="also solve the p-center problem")
    ap.add_argument(
        "--kernels",
        default="compiled",
        help="comma list of branch-node kernels to run side by side: compiled (numba), numpy",
    )
    args = ap.parse_args()
    pmed, pcen = _optima("pmedian_optima.txt"), _optima("pcenter_optima.txt")
    rows = []
    kernels = args.kernels.split(",")
    compiled_ascent = _lagrange._compiled_ascent
    for k, kernel in ((k, kern) for k in _range(args.instances) for kern in kernels):
        name = f"pmed{k}"
        cost, p = read_pmed(ORLIB / f"{name}.txt")
        _lagrange._compiled_ascent = compiled_ascent if kernel == "compiled" else lambda: None
        t0, c0 = time.perf_counter(), time.process_time()
        res = PMedian.from_cost_matrix(cost, p=p).solve(time_limit=args.time_limit)
        row = {
            "instance": name,
            "kernel": kernel,
            "n": int(cost.shape[0]),
            "p": p,
            "objective": res.objective,
            "optimum": pmed[name],
            "correct": abs(res.objective - pmed[name]) < 1e-6,
            "status": res.status,
            "gap": res.gap,
            "seconds": round(time.perf_counter() - t0, 3),
            "cpu_seconds": round(time.process_time() - c0, 3),
            "levels": res.stats.get("levels"),
            "levels_unreduced": res.stats.get("levels_unreduced"),
            "warm_objective": res.stats.get("warm_objective"),
            "lagrangian_bound": res.stats.get("lagrangian_bound"),
            "branch_nodes": res.stats.get("branch_nodes"),
        }
        if args.pcenter:
            t1 = time.perf_counter()
            pc = PCenter.from_cost_matrix(cost, p=p).solve(time_limit=args.time_limit)
            row.update(
                {
                    "pcenter": pc.objective,
                    "pcenter_published": pcen[name],
                    "pcenter_correct": abs(pc.objective - pcen[name]) < 1e-6,
                    "pcenter_status": pc.status,
                    "pcenter_seconds": round(time.perf_counter() - t1, 3),
                    "pcenter_checks": pc.stats.get("n_checks"),
                }
            )
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    secs = [r["seconds"] for r in rows]
    summary = {
        "command": "python " + " ".join(sys.argv),
        "instances": len(rows),
        "proven_optimal": sum(r["status"] == "optimal" for r in rows),
        "correct": sum(r["correct"] for r in rows),
        "max_seconds": max(secs),
        "total_seconds": round(sum(secs), 2),
        "total_cpu_seconds": round(sum(r["cpu_seconds"] for r in rows), 2),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "over_30s": [f"{r['instance']}/{r['kernel']}" for r in rows if r["seconds"] >= 30],
        "rows": rows,
    }
    if args.pcenter:
        summary["pcenter_correct"] = sum(r["pcenter_correct"] for r in rows)
        summary["pcenter_max_seconds"] = max(r["pcenter_seconds"] for r in rows)
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
