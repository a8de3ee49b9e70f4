"""Benchmark the plan in force over time on the bundled demo; prints JSON.

Usage::

    .venv/bin/python bench/bench_repair.py [--data data/boundaries] [--runs 3] [--compare TREE]

Measures, side by side in one run (seconds are medians of ``--runs``):

* ``roundtrip``: the demo plan exported as RFC 7946 GeoJSON and imported on the same data:
  grids identical (symmetric difference < 1e-6 m², same code), import seconds;
* ``merge_pairs``: 10 pairs of neighbouring grids merged (one pair per community), then
  repaired: share in band before and after, households moved, the lower bound, status,
  households of the merged grids, untouched grids identical, repair seconds;
* ``growth``: 20 new estates of 400 households in 5 communities, the plan in force imported
  over the grown data and repaired, exactly where small (default) and by the heuristic only
  (``exact_max_units=0``): import and repair seconds, households moved, bound, status, the
  ratio of the two repair times;
* ``growth_side_by_side`` (with ``--compare TREE``, e.g. a ``git worktree`` of main): the
  growth repair timed in a child process on TREE's code, then on this tree's, one after the
  other in this run: median seconds of each, households moved, bound, status, gap, share in
  band, whether every grid's outline is one polygon, and the ratio before / after.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.geo.grids.test_repair import _grid_layer, _merge_pairs, _new_estates  # noqa: E402


def _median_time(fn, runs: int):
    times, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


#: The growth repair, run in a child process on one tree's code (argv: tree, data, runs); uses
#: only what every tree since issue 12 has, so an older tree can be timed beside this one.
_GROWTH_CHILD = """
import dataclasses, json, statistics, sys, time
tree, data, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, tree)
from geo.data.io import load_layers
from geo.grids.gridding import grid_communities
from geo.grids.import_plan import import_plan_layers
from geo.grids.params import GridParams
from geo.grids.repair import repair_plan
from tests.geo.grids.test_repair import _grid_layer, _new_estates
layers = load_layers(data)
plan = grid_communities(layers, GridParams()).plan
comms = sorted(layers.communities["community_id"].astype(str))[10:15]
grown = dataclasses.replace(layers, estates=_new_estates(layers, comms, 4, 400))
imp = import_plan_layers(grown, _grid_layer(plan), params=GridParams())
times = []
for _ in range(runs):
    t = time.perf_counter()
    rep = repair_plan(imp.plan)
    times.append(time.perf_counter() - t)
grids = rep.plan.grids()
print(json.dumps({
    "repair_s": [round(x, 3) for x in times],
    "repair_s_median": round(statistics.median(times), 3),
    "households_moved": rep.households_moved,
    "lower_bound": rep.bound,
    "status": rep.status,
    "gap": round(rep.gap, 4),
    "share_in_band": float(grids["in_band"].mean()),
    "every_outline_one_polygon": bool((grids.geometry.geom_type == "Polygon").all()),
}))
"""


def _growth_in(tree: Path, data: Path, runs: int) -> dict:
    """The growth repair timed on ``tree``'s code (a child process, ``_GROWTH_CHILD``)."""
    done = subprocess.run(
        [sys.executable, "-c", _GROWTH_CHILD, str(tree), str(data), str(runs)],
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    import shapely

    from geo.data.io import load_layers, read_layer
    from geo.grids.gridding import grid_communities
    from geo.grids.import_plan import import_plan_layers
    from geo.grids.params import GridParams
    from geo.grids.repair import repair_plan
    from geo.output.export import write_geojson

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT / "data" / "boundaries")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument(
        "--compare",
        type=Path,
        default=None,
        help="another tree (e.g. a worktree of main): time its growth repair beside this one",
    )
    args = ap.parse_args(argv)
    layers = load_layers(args.data)
    params = GridParams()
    plan = grid_communities(layers, params).plan
    grids = plan.grids()
    out: dict = {"n_grids": len(grids), "load_average": os.getloadavg(), "runs": args.runs}

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "g.geojson"
        write_geojson(
            grids.reset_index(drop=True).drop(
                columns=["max_unit_households", "max_unit_party_members"]
            ),
            path,
        )
        layer = read_layer(path, "other_grids")
        secs, imp = _median_time(
            lambda: import_plan_layers(layers, layer, params=params), args.runs
        )
        old = layer.to_crs(layers.crs).set_index("grid_id")
        new = imp.plan.grids()
        same = sum(
            1
            for g in old.index
            if g in new.index
            and shapely.area(shapely.symmetric_difference(old.geometry[g], new.geometry[g])) < 1e-6
        )
        out["roundtrip"] = {
            "identical": same,
            "of": len(old),
            "import_s": round(secs, 3),
            "cells_recut": len(imp.recut),
        }

    broken, merged = _merge_pairs(plan, 10)
    before = broken.grids()
    secs, rep = _median_time(lambda: repair_plan(broken), args.runs)
    after = rep.plan.grids()
    untouched = before.index.difference(merged)
    same = sum(
        1
        for g in untouched
        if g in after.index
        and shapely.area(shapely.symmetric_difference(before.geometry[g], after.geometry[g])) < 1e-6
    )
    out["merge_pairs"] = {
        "share_in_band_before": float(before["in_band"].mean()),
        "share_in_band_after": float(after["in_band"].mean()),
        "households_moved": rep.households_moved,
        "lower_bound": rep.bound,
        "status": rep.status,
        "merged_households": float(before.loc[merged, "households"].sum()),
        "untouched_identical": same,
        "untouched": len(untouched),
        "repair_s": round(secs, 3),
    }

    comms = sorted(layers.communities["community_id"].astype(str))[10:15]
    grown = dataclasses.replace(layers, estates=_new_estates(layers, comms, 4, 400))
    layer = _grid_layer(plan)
    imp_s, imp = _median_time(lambda: import_plan_layers(grown, layer, params=params), args.runs)
    exact_s, exact = _median_time(lambda: repair_plan(imp.plan), args.runs)
    heur_s, heur = _median_time(lambda: repair_plan(imp.plan, exact_max_units=0), args.runs)
    growth = {
        "communities": comms,
        "households_added": 8000,
        "import_s": round(imp_s, 3),
        "share_in_band_imported": float(imp.plan.grids()["in_band"].mean()),
    }
    for key, secs, rep in (("exact", exact_s, exact), ("heuristic", heur_s, heur)):
        growth[key] = {
            "repair_s": round(secs, 3),
            "households_moved": rep.households_moved,
            "lower_bound": rep.bound,
            "status": rep.status,
            "gap": round(rep.gap, 4),
            "share_in_band": float(rep.plan.grids()["in_band"].mean()),
            "grids_changed": len(rep.changed_grids()),
            "new_codes": len(rep.new_codes),
            "retired_codes": len(rep.retired_codes),
        }
    growth["repair_time_ratio_exact_over_heuristic"] = round(exact_s / max(heur_s, 1e-9), 2)
    out["growth"] = growth
    if args.compare is not None:
        before = _growth_in(args.compare.resolve(), args.data.resolve(), args.runs)
        after = _growth_in(ROOT, args.data.resolve(), args.runs)
        out["growth_side_by_side"] = {
            "before_tree": str(args.compare),
            "before": before,
            "after": after,
            "ratio_before_over_after": round(
                before["repair_s_median"] / max(after["repair_s_median"], 1e-9), 2
            ),
        }
    out["load_average_end"] = os.getloadavg()
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
