"""Benchmark the connectivity checks of ``geo.grids.graph`` on the demo plan; prints JSON.

Usage::

    .venv/bin/python bench/bench_graph.py [--data data/boundaries] [--runs 5] [--sweep]

For every (grid, unit) of the demo plan, "does the grid stay connected without this unit"
answered three ways, side by side in one run: the incremental :func:`stays_connected`, the
components of the rest by :func:`components` (a walk at grid size), and csgraph components on
the cached adjacency's submatrix. Also the
whole-graph components (csgraph) of the unit graph. Seconds are medians of ``--runs``
passes over all pairs; ``ratio_*`` is that time over the incremental one. The answers of the
three ways are checked equal. ``--sweep`` adds, on square lattices of 9 to 2,025 units, the
median microseconds of the depth-first walk and of csgraph (cached adjacency, and a matrix
built from the mapping) for the components of the whole lattice: where ``CSGRAPH_FROM`` comes from.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def run(data: Path, runs: int) -> dict[str, object]:
    from geo.data.io import load_layers
    from geo.grids.graph import _csgraph_components, components, stays_connected
    from geo.grids.gridding import grid_communities
    from geo.grids.params import GridParams
    from geo.grids.units import build_units

    graph = build_units(load_layers(data))
    plan = grid_communities(graph, GridParams()).plan
    nbrs, adj = graph.neighbors, graph.adjacency
    pairs = [(set(us), u) for us in plan.members.values() for u in sorted(us) if len(us) > 1]

    def incremental() -> list[bool]:
        return [stays_connected(g, u, nbrs) for g, u in pairs]

    def walk() -> list[bool]:
        return [len(components(g - {u}, adj)) == 1 for g, u in pairs]

    def csgraph_cached() -> list[bool]:
        return [len(_csgraph_components(sorted(g - {u}), adj)) == 1 for g, u in pairs]

    ways = {"incremental": incremental, "walk": walk, "csgraph_cached": csgraph_cached}
    times: dict[str, list[float]] = {k: [] for k in ways}
    answers = {}
    for _ in range(runs):
        for name, fn in ways.items():  # interleaved, so load affects all alike
            t = time.perf_counter()
            answers[name] = fn()
            times[name].append(time.perf_counter() - t)
    if len({tuple(a) for a in answers.values()}) != 1:
        raise SystemExit("the three connectivity checks disagree")
    whole = []
    for _ in range(runs):
        graph.__dict__.pop("adjacency", None)
        t = time.perf_counter()
        n = graph.adjacency.n_components()
        whole.append(time.perf_counter() - t)
    med = {k: statistics.median(v) for k, v in times.items()}
    return {
        "n_units": len(graph.units),
        "n_grids": len(plan.members),
        "n_checks": len(pairs),
        "runs": runs,
        "seconds": med,
        "ratio_walk": med["walk"] / med["incremental"],
        "ratio_csgraph_cached": med["csgraph_cached"] / med["incremental"],
        "whole_graph_build_and_components_s": statistics.median(whole),
        "whole_graph_components": n,
        "loadavg": os.getloadavg(),
    }


def sweep(runs: int) -> list[dict[str, float]]:
    from geo.grids.graph import Adjacency, _csgraph_components, _walk_components

    rows = []
    for side in (3, 5, 8, 12, 20, 30, 45):
        ids = [f"{i:03d}-{j:03d}" for i in range(side) for j in range(side)]
        nb = {
            f"{i:03d}-{j:03d}": tuple(
                f"{a:03d}-{b:03d}"
                for a, b in ((i + 1, j), (i - 1, j), (i, j + 1), (i, j - 1))
                if 0 <= a < side and 0 <= b < side
            )
            for i in range(side)
            for j in range(side)
        }
        adj = Adjacency.from_neighbors(nb)
        ways = {
            "walk": partial(_walk_components, ids, nb),
            "csgraph_cached": partial(_csgraph_components, ids, adj),
            "csgraph_mapping": partial(_csgraph_components, ids, nb),
        }
        times: dict[str, list[float]] = {k: [] for k in ways}
        for _ in range(max(runs, 15)):
            for name, fn in ways.items():
                t = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - t)
        med = {k: statistics.median(v) * 1e6 for k, v in times.items()}
        rows.append(
            {
                "n_units": side * side,
                **{f"{k}_us": v for k, v in med.items()},
                "ratio_csgraph_cached_over_walk": med["csgraph_cached"] / med["walk"],
            }
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT / "data" / "boundaries")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sweep", action="store_true", help="also time walk vs csgraph on lattices")
    a = ap.parse_args()
    out = run(a.data, a.runs)
    if a.sweep:
        out["sweep"] = sweep(a.runs)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
