"""Benchmark: the CPU share of the gridder's compactness pass, and the shape reasons it leaves.

Grids each real-shape district of ``tests/geo/grids/_realshape.py`` (``--seeds``) in-process
(``workers=1``) with the pass (``geo.grids.gridding._round_thin``) wrapped in a CPU timer, so
its share of the gridding CPU is measured in the same run as the rest (no before/after pair:
the pass's cost on a loaded machine is smaller than the run-to-run noise). Also counts the
communities the pass changed (report key ``rounded``) and, per seed, the grids below
``MIN_POLSBY_POPPER`` by the code of their reason (``""``: unexplained).

Run: ``.venv/bin/python bench/bench_compactness_pass.py [--seeds 0 1 2]``. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import geo.grids.gridding as gridding  # noqa: E402
from geo.grids.metrics import reason_codes  # noqa: E402
from geo.grids.params import GridParams  # noqa: E402
from tests.geo.grids._realshape import district_layers  # noqa: E402


def measure(seeds: list[int]) -> dict[str, Any]:
    spent = {"cpu": 0.0, "calls": 0}
    inner = gridding._round_thin

    def timed(*args: Any, **kwargs: Any) -> Any:
        t = time.process_time()
        try:
            return inner(*args, **kwargs)
        finally:
            spent["cpu"] += time.process_time() - t
            spent["calls"] += 1

    gridding._round_thin = timed  # type: ignore[assignment]
    total, rounded, reasons = 0.0, 0, {}
    try:
        for seed in seeds:
            layers = district_layers(seed)
            t = time.process_time()
            res = gridding.grid_communities(layers, GridParams(), workers=1)
            total += time.process_time() - t
            rounded += sum(1 for r in res.report if r.get("rounded"))
            why = res.plan.shape_reasons()
            reasons[f"seed_{seed}"] = dict(
                Counter(reason_codes(r)[0][0] if r else "" for r in why.values())
            )
    finally:
        gridding._round_thin = inner  # type: ignore[assignment]
    return {
        "seeds": seeds,
        "gridding_cpu_seconds": round(total, 3),
        "pass_cpu_seconds": round(spent["cpu"], 3),
        "pass_calls": spent["calls"],
        "pass_share_pct": round(100 * spent["cpu"] / total, 2) if total else 0.0,
        "communities_rounded": rounded,
        "below_min_pp_by_reason": reasons,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2])
    print(json.dumps(measure(ap.parse_args().seeds), indent=1))


if __name__ == "__main__":
    main()
