"""LSCP / MCLP of ``bench/bench_siting.py`` solved by two source trees, side by side (issue 16).

Usage::

    .venv/bin/python bench/bench_siting_ab.py --before DIR [--after DIR] [--models lscp,mclp]
        [--sizes 2000x500] [--kinds uniform,clustered] [--seeds 1] [--per-demand 15,22]
        [--time-limit 60]

``--before`` and ``--after`` are checkouts of gridplan (``--after`` defaults to this one), e.g.
the commit before a change, exported with ``git archive COMMIT | tar -x -C DIR``. Each
instance (the generator and radii of ``bench/bench_siting.py``, MCLP ``p = max(5, m // 25)``)
is solved once by each tree, one right after the other, each in a fresh process (so each pays
its own imports, ``ortools`` included, as ``gridplan site`` does); the order alternates from
one instance to the next so that a drift of the machine's load does not favour one side.
Printed: one JSON line per solve on stderr, then one JSON object with every row and the load
average at the start and the end. ``seconds`` is ``SitingResult.seconds`` (build and solve,
imports inside ``solve`` included), ``cpu_seconds`` the process's CPU time over the same
(both solver threads; about twice ``seconds`` when each had a core), ``load_1min`` the load
average before and after the solve.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

#: Run inside the child process, with the tree under test first on ``sys.path``.
_CHILD = """
import json, os, sys, time
root, model, kind, n, m, seed, per_demand, limit = sys.argv[1:]
sys.path[:0] = [root, root + "/bench"]
from bench_siting import make_instance, radius_for
from allocation.siting import LSCP, MCLP
n, m, seed, per_demand, limit = int(n), int(m), int(seed), float(per_demand), float(limit)
inst = make_instance(n, m, kind=kind, seed=seed)
r = radius_for(m, per_demand)
cpu0, load0 = time.process_time(), os.getloadavg()[0]
if model == "lscp":
    res = LSCP.from_cost_matrix(inst["cost"], radius=r).solve(time_limit=limit)
else:
    res = MCLP.from_cost_matrix(
        inst["cost"], weights=inst["weights"], p=max(5, m // 25), radius=r
    ).solve(time_limit=limit)
print(json.dumps({
    "radius": r, "status": res.status, "objective": res.objective, "bound": res.bound,
    "seconds": round(res.seconds, 3), "cpu_seconds": round(time.process_time() - cpu0, 3),
    "load_1min": [round(load0, 2), round(os.getloadavg()[0], 2)],
    "solver": res.stats.get("solver"), "race": res.stats.get("race"),
}))
"""


def solve_in(tree: Path, case: dict[str, Any], time_limit: float) -> dict[str, Any]:
    """One solve of ``case`` by the gridplan checkout ``tree``, in a fresh process."""
    args = [str(case[k]) for k in ("model", "kind", "n", "m", "seed", "per_demand")]
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(tree), *args, str(time_limit)],
        capture_output=True,
        text=True,
        check=True,
        cwd=tree,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--before", type=Path, required=True, help="checkout solved as 'before'")
    ap.add_argument("--after", type=Path, default=ROOT, help="checkout solved as 'after'")
    ap.add_argument("--models", default="lscp,mclp")
    ap.add_argument("--sizes", default="2000x500", help="n x m, comma-separated")
    ap.add_argument("--kinds", default="uniform,clustered")
    ap.add_argument("--seeds", default="1")
    ap.add_argument("--per-demand", default="15,22", help="mean candidates within the radius")
    ap.add_argument("--time-limit", type=float, default=60.0)
    args = ap.parse_args()
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    cases = [
        {"model": model, "kind": kind, "n": int(n), "m": int(m), "seed": int(s), "per_demand": k}
        for (n, m) in (size.split("x") for size in args.sizes.split(","))
        for model in args.models.split(",")
        for kind in args.kinds.split(",")
        for s in args.seeds.split(",")
        for k in (float(x) for x in args.per_demand.split(","))
    ]
    load_start = [round(x, 2) for x in os.getloadavg()]
    rows = []
    for i, case in enumerate(cases):
        order = ("before", "after") if i % 2 == 0 else ("after", "before")
        for arm in order:
            row = {**case, "arm": arm, **solve_in(trees[arm], case, args.time_limit)}
            print(json.dumps(row), file=sys.stderr, flush=True)
            rows.append(row)
    print(
        json.dumps(
            {
                "command": "python " + " ".join(sys.argv),
                "trees": {k: str(v) for k, v in trees.items()},
                "load_average_start": load_start,
                "load_average_end": [round(x, 2) for x in os.getloadavg()],
                "rows": rows,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
