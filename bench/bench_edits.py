"""Benchmark planner edits, plan import and repair on the bundled demo; prints JSON.

Usage::

    .venv/bin/python bench/bench_edits.py [--data data/boundaries] [--moves 40] [--runs 3]

Times (seconds, median of the runs) of: the editor's first full grid table, one move with
its local re-score (median over ``--moves`` distinct valid boundary moves), undo, merge,
split, lock, re-optimise; and import of the plan's own grid polygons, a repair after breaking
grids, with households moved by the repair against a fresh plan; and the fusion report of
the plan against a 500 m lattice of other grids, plain and with gridding in barrier mode;
and the round trip of an engine plan through WGS84 GeoJSON back into a plan (`roundtrip`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.geo._synthetic import break_plan  # noqa: E402  (the repair test breaks plans alike)


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def _boundary_moves(plan, limit: int) -> list[tuple[str, str]]:
    out = []
    for u, g in sorted(plan.assignment.items()):
        for v in plan.units.neighbors[u]:
            h = plan.assignment[v]
            if h != g and plan.units.community_of[v] == plan.units.community_of[u]:
                out.append((u, h))
                break
    return out[: limit * 4]


def run(data: Path, n_moves: int, runs: int, *, pairs: int = 5, repair_only: bool = False) -> dict:
    from geo.data.io import load_layers
    from geo.grids.gridding import grid_communities
    from geo.grids.import_plan import import_plan
    from geo.grids.params import GridParams
    from geo.grids.repair import households_moved, repair_plan
    from geo.grids.units import build_units

    layers = load_layers(data)
    graph = build_units(layers)
    plan = grid_communities(graph, GridParams(seed=7)).plan
    res: dict[str, list[float]] = {
        k: []
        for k in (
            "editor_init_s",
            "move_s",
            "summary_s",
            "undo_s",
            "redo_s",
            "merge_s",
            "split_s",
            "lock_s",
            "reoptimise_s",
            "import_s",
            "repair_s",
            "moves_refused",
        )
    }
    repair_info: dict = {}
    for _ in range(runs):
        if not repair_only:
            _edit_block(plan, graph, n_moves, res)
        broken = break_plan(plan, n_pairs=pairs)[0]
        polygons = broken.grids().reset_index(drop=True)[["grid_id", "name", "geometry"]]
        dt, imported = _timed(lambda polygons=polygons: import_plan(graph, polygons))
        res["import_s"].append(dt)
        dt, rep = _timed(lambda imported=imported: repair_plan(imported.plan))
        res["repair_s"].append(dt)
        fresh = grid_communities(graph, GridParams()).plan
        repair_info = {
            "pairs_broken": pairs,
            "grids_out_of_rule_before": len(broken.summary()["out_of_rule"]),
            "grids_out_of_rule_after": len(rep.plan.summary()["out_of_rule"]),
            "households_moved_by_break": households_moved(plan, broken, match_ids=False),
            "households_moved_by_repair": rep.households_moved,
            "households_moved_by_fresh_plan": households_moved(broken, fresh),
            "n_moves": len(rep.moves),
        }
        for unl in ("neighbours", "all"):
            dt, other = _timed(partial(repair_plan, imported.plan, unlocked=unl))
            repair_info[f"unlocked_{unl}"] = {
                "seconds": round(dt, 4),
                "households_moved": other.households_moved,
                "still_out": len(other.still_out),
            }
        repair_info["still_out_default"] = len(rep.still_out)
    return {
        "data": str(data),
        "n_units": len(graph.units),
        "n_grids": len(plan.members),
        "runs": runs,
        "moves_timed_per_run": 0 if repair_only else n_moves,
        **{k: round(statistics.median(v), 5) for k, v in res.items() if v and k != "moves_refused"},
        "moves_refused": len(res["moves_refused"]),
        **(
            {}
            if repair_only
            else {
                "move_s_p90": round(sorted(res["move_s"])[int(0.9 * (len(res["move_s"]) - 1))], 5),
                "move_s_max": round(max(res["move_s"]), 5),
            }
        ),
        "repair": repair_info,
        "fusion": _fusion_block(layers, graph, plan),
        "roundtrip": _roundtrip_block(layers),
    }


def _edit_block(plan, graph, n_moves: int, res: dict[str, list[float]]) -> None:
    """Time editor start, moves (with undo/redo), merge, split, lock and re-optimise."""
    from geo.errors import EditError
    from geo.grids.edits import PlanEditor
    from geo.grids.plan import Plan

    fresh_plan = Plan(
        plan.units, dict(plan.assignment), dict(plan.names), plan.locked, plan.params
    )  # no cached grid table yet
    dt, ed = _timed(lambda p=fresh_plan: PlanEditor(p))
    res["editor_init_s"].append(dt)
    done = 0
    for u, to in _boundary_moves(plan, n_moves):
        if done >= n_moves:
            break
        if ed.plan.assignment[u] == to:
            continue
        try:
            dt, r = _timed(partial(ed.move, u, to))
        except EditError:  # e.g. the move would cut its donor: not an edit to time
            res["moves_refused"].append(1.0)
            continue
        res["move_s"].append(dt)
        dt, _ = _timed(lambda r=r: r.summary)
        res["summary_s"].append(dt)
        done += 1
        dt, _ = _timed(ed.undo)
        res["undo_s"].append(dt)
        dt, _ = _timed(ed.redo)
        res["redo_s"].append(dt)
        ed.undo()
    g = sorted(ed.plan.members)
    a = g[0]
    b = next(
        ed.plan.assignment[v]
        for u in ed.plan.members[a]
        for v in graph.neighbors[u]
        if ed.plan.assignment[v] != a
    )
    dt, _ = _timed(partial(ed.merge, a, b))
    res["merge_s"].append(dt)
    dt, _ = _timed(partial(ed.split, a, 2))
    res["split_s"].append(dt)
    dt, _ = _timed(partial(ed.lock, sorted(ed.plan.members)[:20]))
    res["lock_s"].append(dt)
    dt, _ = _timed(ed.reoptimise)
    res["reoptimise_s"].append(dt)


def _fusion_block(layers, graph, plan, step_m: float = 500.0) -> dict:
    """Fusion report against a square lattice of "police" grids, with and without barrier mode."""
    import geopandas as gpd
    import numpy as np
    import shapely

    from geo.grids.fusion import barrier_lines, fusion_report, fusion_summary
    from geo.grids.gridding import grid_communities
    from geo.grids.params import GridParams
    from geo.grids.units import build_units

    x0, y0, x1, y1 = layers.communities.total_bounds
    boxes = [
        shapely.box(x, y, x + step_m, y + step_m)
        for x in np.arange(x0, x1, step_m)
        for y in np.arange(y0, y1, step_m)
    ]
    other = gpd.GeoDataFrame(
        {"grid_id": [f"P{i:04d}" for i in range(len(boxes))], "kind": "police"},
        geometry=boxes,
        crs=layers.crs,
    )
    out: dict = {"other_grids": len(other), "lattice_m": step_m}
    for loc in ("point", "area"):
        dt, rep = _timed(partial(fusion_report, plan, None, other, locate=loc))
        out[f"report_{loc}_s"] = round(dt, 4)
        out[f"plain_{loc}"] = fusion_summary(rep)
    dt, lines = _timed(partial(barrier_lines, other, layers.communities))
    out["barrier_lines_s"] = round(dt, 4)
    barred = grid_communities(
        build_units(layers, barriers=lines), GridParams(seed=plan.params.seed)
    ).plan
    for loc in ("point", "area"):
        out[f"barrier_mode_{loc}"] = fusion_summary(fusion_report(barred, None, other, locate=loc))
    out["share_in_band_plain"] = plan.summary()["share_in_band"]
    out["share_in_band_barrier_mode"] = barred.summary()["share_in_band"]
    return out


def _roundtrip_block(layers) -> dict:
    """Grid from layers (estates split by buildings where needed), write the grids to WGS84 with
    7 decimals as `gridplan grid` does, and import them back: plain units vs refined units."""
    from geo.grids.gridding import grid_communities
    from geo.grids.import_plan import import_plan, import_plan_layers
    from geo.grids.params import GridParams
    from geo.grids.units import build_units
    from geo.settings import EXPORT_COORD_PRECISION, WGS84

    plan = grid_communities(layers, GridParams()).plan
    grids = plan.grids().reset_index(drop=True)[["grid_id", "name", "geometry"]].to_crs(WGS84)
    grids = grids.set_geometry(grids.geometry.set_precision(10**-EXPORT_COORD_PRECISION))
    out: dict = {
        "engine_units": len(plan.units.units),
        "engine_share_in_band": plan.summary()["share_in_band"],
    }
    dt, plain = _timed(lambda: import_plan(build_units(layers), grids))
    dt2, refined = _timed(lambda: import_plan_layers(layers, grids))
    for name, res, sec in (("plain", plain, dt), ("refined", refined, dt2)):
        out[name] = {
            "seconds": round(sec, 3),
            "units": len(res.plan.units.units),
            "cut_units": len(res.cut_units),
            "share_in_band": res.plan.summary()["share_in_band"],
            "uncovered_m2": round(float(res.uncovered["area_m2"].sum()), 1),
            "overlap_m2": round(float(res.overlaps["area_m2"].sum()), 1),
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT / "data" / "boundaries")
    ap.add_argument("--moves", type=int, default=40)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pairs", type=int, default=5, help="pairs of grids pushed out of the band")
    ap.add_argument("--repair-only", action="store_true", help="skip the edit timings")
    args = ap.parse_args()
    print(
        json.dumps(
            run(args.data, args.moves, args.runs, pairs=args.pairs, repair_only=args.repair_only),
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
