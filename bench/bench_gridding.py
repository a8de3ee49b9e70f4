"""Benchmark: gridplan's gridding engine against reference regionalisation methods.

Part 1 (same units, one run): the demo's planning units (as the engine refines them) of the
first communities holding about ``--units`` units; every method grids each community into
the same number of grids as the engine (MaxP chooses its own number: it has a floor only).
Reported per method: seconds (wall and CPU), share of grids within 300-500 households, max
and mean |deviation| from the community mean (%), mean Polsby-Popper, cut edges and the
share of contiguous grids. Skater is skipped above ``--skater-max-units`` units per
community (it took 75 s on 200 units in ANCHORS.md).

Part 2: the engine on the whole demo (units + gridding, median of ``--repeat``), the whole
``gridplan grid`` command (wall, median), and, with ``--scale-dir``, a ``--scale 100`` demo
(``python -m geo.demo --out DIR --scale 100``): total seconds and the slowest community.

Part 3 (issue 11): the real-shape districts of ``tests/geo/grids/_realshape.py`` (seeds
``--realshape-seeds``; communities from an irregular road network, sparse, long, L-shaped and
concave parcels, high-rise estates of 1,000-6,000 households and no buildings, a lake hole, a
community in two parts), gridded from layers as ``gridplan grid`` does: share of grids in band,
share of out-of-band grids with a stated reason, share of OGC-valid single polygons, mean and
minimum Polsby-Popper, grids below 0.2 without a reason, seconds (median of ``--repeat``).

Run: ``.venv/bin/python bench/bench_gridding.py [--data data/boundaries] [--units 200]
[--repeat 3] [--scale-dir /tmp/scale100] [--skip-baselines] [--skip-demo]
[--realshape-seeds 0 1 2] [--points-dir DIR [--points-datum estates=GCJ-02]]
[--points-demo] [--serial] [--before-tree DIR]``. Prints JSON.

Part 4 (issue 13), with ``--points-dir``: a dataset given as estate points (no footprints, no
buildings), e.g. the demo as points, gridded as ``gridplan grid --datum estates=GCJ-02``: the
same figures as part 3. ``--points-demo`` writes the demo of ``--data`` as such a folder
first (:func:`write_points_demo`: estate centroids in GCJ-02, a UTF-8 CSV with Chinese headers
``小区编号, 小区名称, 所属社区, 户数, 党员数, 经度, 纬度``, plus ``communities.geojson``) in a
temporary directory and uses it as ``--points-dir``. ``--before-tree`` measures everything again with another engine in
the same run, side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# GRIDPLAN_ENGINE_ROOT: import the engine from another tree (e.g. an export of the commit before
# a change) while the real-shape generator still comes from this one (``--before-tree``)
if os.environ.get("GRIDPLAN_ENGINE_ROOT"):
    sys.path.insert(0, os.environ["GRIDPLAN_ENGINE_ROOT"])

from bench._baselines_grid import METHODS  # noqa: E402
from geo.data.io import load_layers  # noqa: E402
from geo.grids.gridding import grid_communities  # noqa: E402
from geo.grids.params import GridParams  # noqa: E402
from geo.grids.plan import Plan  # noqa: E402
from geo.grids.units import UnitGraph  # noqa: E402

try:
    from geo.settings import MIN_POLSBY_POPPER
except ImportError:  # an engine from before issue 11 (--before-tree)
    MIN_POLSBY_POPPER = 0.2


def _timed(fn: Any) -> tuple[Any, float, float]:
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def subset(graph: UnitGraph, n_units: int) -> UnitGraph:
    """The first communities (by id) holding at least ``n_units`` units together."""
    sizes = graph.units.groupby("community_id").size().sort_index()
    keep = list(sizes.index[: int((sizes.cumsum() < n_units).sum()) + 1])
    units = graph.units[graph.units["community_id"].isin(keep)]
    ids = set(units.index)
    edges = graph.edges[graph.edges["unit_a"].isin(ids)].reset_index(drop=True)
    comms = graph.communities.loc[keep]
    return UnitGraph(
        units=units,
        edges=edges,
        communities=comms,
        problems=(),
        max_households=graph.max_households,
    )


def score(graph: UnitGraph, assignment: dict[str, str], params: GridParams) -> dict[str, Any]:
    plan = Plan(graph, assignment, {}, frozenset(), params)
    s = plan.summary()
    grids = plan.grids()
    return {
        "n_grids": s["n_grids"],
        "share_in_band": round(s["share_in_band"], 3),
        "max_abs_dev_pct": round(s["max_abs_dev_pct"], 1),
        "mean_abs_dev_pct": round(s["mean_abs_dev_pct"], 1),
        "mean_polsby_popper": round(s["mean_polsby_popper"], 3),
        "cut_edges": s["cut_edges"],
        "share_contiguous": round(float(grids["contiguous"].mean()), 3),
    }


def compare(graph: UnitGraph, params: GridParams, skater_max: int, seed: int) -> dict[str, Any]:
    res, wall, cpu = _timed(lambda: grid_communities(graph, params, workers=1))
    plan = res.plan
    k_of = plan.grids().groupby("community_id").size().to_dict()
    out = {
        "gridplan engine": {
            "seconds": round(wall, 3),
            "cpu_seconds": round(cpu, 3),
            **score(graph, plan.assignment, params),
        }
    }
    for name, fn in METHODS.items():
        too_big = graph.units.groupby("community_id").size().max() > skater_max
        if name == "spopt Skater" and too_big:
            out[name] = {
                "skipped": f"a community has more than {skater_max} units (--skater-max-units)"
            }
            continue
        assignment: dict[str, str] = {}
        w0, c0 = time.perf_counter(), time.process_time()
        for cid, units in graph.units.groupby("community_id"):
            ids = set(units.index)
            edges = graph.edges[graph.edges["unit_a"].isin(ids)]
            labels = fn(units, edges, int(k_of.get(cid, 1)), seed)
            assignment.update({u: f"{cid}-{lab}" for u, lab in labels.items()})
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        out[name] = {
            "seconds": round(wall, 3),
            "cpu_seconds": round(cpu, 3),
            **score(graph, assignment, params),
        }
    return out


def _children_cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def demo_times(data: Path, repeat: int) -> dict[str, Any]:
    layers, load_s, _ = _timed(lambda: load_layers(data))
    walls, cpus = [], []
    for _ in range(repeat):
        res, w, c = _timed(lambda: grid_communities(layers, GridParams()))
        walls.append(w)
        cpus.append(c)
    s = res.plan.summary()
    slow = max(res.report, key=lambda r: r["seconds"])
    cli, cli_cpu = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeat):
            w, c = time.perf_counter(), _children_cpu()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "cli.main",
                    "grid",
                    "--data",
                    str(data),
                    "--out",
                    str(Path(tmp) / "grids.geojson"),
                ],
                check=True,
                capture_output=True,
                cwd=os.environ.get("GRIDPLAN_ENGINE_ROOT", ROOT),
            )
            cli.append(time.perf_counter() - w)
            cli_cpu.append(_children_cpu() - c)
    return {
        "load_seconds": round(load_s, 3),
        "engine_seconds_median": round(statistics.median(walls), 3),
        "engine_cpu_seconds_median": round(statistics.median(cpus), 3),
        "cli_wall_seconds_median": round(statistics.median(cli), 3),
        "cli_cpu_seconds_median": round(statistics.median(cli_cpu), 3),
        "n_units": s["n_units"],
        "n_grids": s["n_grids"],
        "share_in_band": round(s["share_in_band"], 3),
        "mean_abs_dev_pct": round(s["mean_abs_dev_pct"], 2),
        "max_abs_dev_pct": round(s["max_abs_dev_pct"], 1),
        "mean_polsby_popper": round(s["mean_polsby_popper"], 3),
        "estates_split": s["estates_split"],
        "slowest_community": {
            "community_id": slow["community_id"],
            "seconds": round(slow["seconds"], 3),
        },
    }


def scale_times(folder: Path) -> dict[str, Any]:
    layers, load_s, _ = _timed(lambda: load_layers(folder))
    child0 = _children_cpu()
    res, wall, cpu = _timed(lambda: grid_communities(layers, GridParams()))
    child = _children_cpu() - child0
    s = res.plan.summary()
    slow = max(res.report, key=lambda r: r["seconds"])
    refined = sum(1 for r in res.report if r.get("refined"))
    return {
        "folder": str(folder),
        "estates": len(layers.estates),
        "communities": len(layers.communities),
        "load_seconds": round(load_s, 3),
        "engine_seconds": round(wall, 3),
        "engine_cpu_seconds_parent": round(cpu, 3),
        "engine_cpu_seconds_workers": round(child, 3),
        "engine_cpu_seconds_per_core": round((cpu + child) / _cpus(), 3),
        "n_units": s["n_units"],
        "n_grids": s["n_grids"],
        "share_in_band": round(s["share_in_band"], 4),
        "mean_abs_dev_pct": round(s["mean_abs_dev_pct"], 2),
        "mean_polsby_popper": round(s["mean_polsby_popper"], 3),
        "communities_refined": refined,
        "slowest_community": {
            "community_id": slow["community_id"],
            "seconds": round(slow["seconds"], 3),
            "n_units": slow["n_units"],
        },
    }


def realshape_figures(plan: Plan) -> dict[str, Any]:
    """Geometry and band figures of one plan (issue 11's table)."""
    import shapely

    grids = plan.grids()
    geoms = grids.geometry.to_numpy()
    single = shapely.is_valid(geoms) & (shapely.get_type_id(geoms) == 3)
    out_band = grids[~grids["in_band"]]
    pp = grids["polsby_popper"]
    low = grids[pp < MIN_POLSBY_POPPER]
    explained = (
        out_band["band_reason"].astype(str).str.len() > 0
        if "band_reason" in grids
        else out_band["issue"].astype(str).str.len() < 0
    )
    why = plan.shape_reasons() if hasattr(plan, "shape_reasons") else {}
    low_explained = low.index.map(lambda g: bool(why.get(g))).to_numpy(dtype=bool)
    kinds = out_band["reason_kind"].value_counts().to_dict() if "reason_kind" in grids else {}
    # issue 11's "wherever the arithmetic allows": grids of communities with no part proven
    # to admit no in-band division (the total test, or the exact check of geo.grids.feasibility)
    if "reason_kind" in grids:
        proven = set(grids.loc[grids["reason_kind"] == "arithmetic", "community_id"])
        allowed = grids[~grids["community_id"].isin(proven)]
    else:
        allowed = grids
    return {
        "n_grids": len(grids),
        "share_in_band": round(float(grids["in_band"].mean()), 4),
        "share_in_band_where_arithmetic_allows": (
            round(float(allowed["in_band"].mean()), 4) if len(allowed) else 1.0
        ),
        "n_grids_arithmetic_allows": len(allowed),
        "n_out_of_band": len(out_band),
        "share_out_of_band_explained": round(float(explained.mean()), 3) if len(out_band) else 1.0,
        "out_of_band_by_reason": {str(k): int(v) for k, v in kinds.items()},
        "share_valid_single_polygon": round(float(single.mean()), 4),
        "n_with_holes": int(sum(1 for g in geoms if g.geom_type == "Polygon" and len(g.interiors))),
        "mean_polsby_popper": round(float(pp.mean()), 3),
        "min_polsby_popper": round(float(pp.min()), 3),
        "n_below_min_pp": len(low),
        "n_below_min_pp_unexplained": int((~low_explained).sum()),
        "mean_abs_dev_pct": round(float(grids["dev_pct"].abs().mean()), 2),
    }


def _grid_timed(layers: Any, serial: bool) -> tuple[Any, float, float]:
    """``grid_communities`` timed; ``serial``: in-process (``workers=1``), so that the CPU
    seconds are the engine's whole work, comparable on a loaded machine."""
    workers = 1 if serial else None
    return _timed(lambda: grid_communities(layers, GridParams(), workers=workers))


def realshape_times(seeds: list[int], repeat: int, serial: bool = False) -> dict[str, Any]:
    from tests.geo.grids._realshape import district_layers

    out: dict[str, Any] = {}
    for seed in seeds:
        layers = district_layers(seed)
        walls, cpus = [], []
        for _ in range(repeat):
            res, w, c = _grid_timed(layers, serial)
            walls.append(w)
            cpus.append(c)
        out[f"seed_{seed}"] = {
            "estates": len(layers.estates),
            "communities": len(layers.communities),
            "households": float(layers.estates["households"].sum()),
            "estates_over_500": int((layers.estates["households"] > 500).sum()),
            "seconds_median": round(statistics.median(walls), 3),
            **({"cpu_seconds_median": round(statistics.median(cpus), 3)} if serial else {}),
            **realshape_figures(res.plan),
        }
    return out


def points_times(
    folder: Path, datum: dict[str, str], repeat: int, serial: bool = False
) -> dict[str, Any]:
    """A dataset given as estate points (no footprints, no buildings; issue 13), as ``gridplan
    grid --data DIR --datum estates=GCJ-02`` grids it: the real-shape figures and seconds."""
    layers = load_layers(folder, datum=datum)
    walls, cpus = [], []
    for _ in range(repeat):
        res, w, c = _grid_timed(layers, serial)
        walls.append(w)
        cpus.append(c)
    return {
        "estates": len(layers.estates),
        "communities": len(layers.communities),
        "seconds_median": round(statistics.median(walls), 3),
        **({"cpu_seconds_median": round(statistics.median(cpus), 3)} if serial else {}),
        **realshape_figures(res.plan),
    }


def write_points_demo(data: Path, out: Path) -> Path:
    """The demo of ``data`` as planners often have it (issue 13): estate points, no footprints.

    Writes ``out/estates.csv`` (estate centroids computed in the metric CRS, converted to
    GCJ-02; UTF-8 with a byte-order mark, as Excel writes it; Chinese headers; no buildings)
    and a copy of ``communities.geojson``. Returns ``out``.
    """
    import shutil

    import geopandas as gpd
    import pandas as pd

    from geo.data.crs import metric_crs_for, wgs84_to_gcj02

    est = gpd.read_file(data / "estates.geojson")
    cen = est.to_crs(metric_crs_for(est)).centroid.to_crs("EPSG:4326")
    lon, lat = wgs84_to_gcj02(cen.x.to_numpy(), cen.y.to_numpy())
    out.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(
        {
            "小区编号": est["estate_id"].astype(str),
            "小区名称": est["name"].astype(str),
            "所属社区": est["community_id"].astype(str),
            "户数": est["households"].astype(int),
            "党员数": est["party_members"].astype(int),
            "经度": lon.round(7),
            "纬度": lat.round(7),
        }
    ).to_csv(out / "estates.csv", index=False, encoding="utf-8-sig")
    shutil.copyfile(data / "communities.geojson", out / "communities.geojson")
    return out


def before_tree(args: argparse.Namespace) -> dict[str, Any]:
    """The same benchmark with the engine of ``--before-tree`` (a subprocess), as JSON."""
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--skip-baselines",
        "--repeat",
        str(args.repeat),
        "--data",
        str(args.data),
        "--realshape-seeds",
        *map(str, args.realshape_seeds),
    ]
    if args.skip_demo:
        cmd.append("--skip-demo")
    if args.serial:
        cmd.append("--serial")
    if args.points_dir is not None:
        cmd += [
            "--points-dir",
            str(args.points_dir.resolve()),
            "--points-datum",
            *args.points_datum,
        ]
    if args.scale_dir is not None:
        cmd += ["--scale-dir", str(args.scale_dir)]
    env = {**os.environ, "GRIDPLAN_ENGINE_ROOT": str(args.before_tree.resolve())}
    res = subprocess.run(
        cmd, check=True, capture_output=True, text=True, env=env, cwd=args.before_tree
    )
    return json.loads(res.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT / "data" / "boundaries")
    ap.add_argument("--units", type=int, default=200, help="units of the comparison subset")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skater-max-units", type=int, default=120)
    ap.add_argument("--scale-dir", type=Path, default=None)
    ap.add_argument("--skip-baselines", action="store_true")
    ap.add_argument("--skip-demo", action="store_true")
    ap.add_argument("--realshape-seeds", type=int, nargs="*", default=[0, 1, 2])
    ap.add_argument(
        "--before-tree",
        type=Path,
        default=None,
        help="a tree of the engine before a change (git archive of a commit): the same "
        "figures from its engine, measured in this run, side by side",
    )
    ap.add_argument(
        "--points-dir",
        type=Path,
        default=None,
        help="a dataset of estate points (no footprints, no buildings), e.g. the demo as points",
    )
    ap.add_argument(
        "--points-datum",
        nargs="*",
        default=["estates=GCJ-02"],
        help="LAYER=DATUM pairs of --points-dir (as gridplan grid --datum)",
    )
    ap.add_argument(
        "--points-demo",
        action="store_true",
        help="write the demo of --data as estate points (GCJ-02 centroids, Chinese headers) "
        "to a temporary folder and use it as --points-dir",
    )
    ap.add_argument(
        "--serial",
        action="store_true",
        help="grid the real-shape and points sets in-process (workers=1) and report CPU "
        "seconds too (comparable side by side on a loaded machine)",
    )
    args = ap.parse_args()
    if args.points_demo:
        tmp = Path(tempfile.mkdtemp(prefix="gridplan_points_demo_"))
        args.points_dir = write_points_demo(args.data, tmp)
        args.points_datum = ["estates=GCJ-02"]
    params = GridParams(seed=args.seed)
    out: dict[str, Any] = {"machine": {"python": platform.python_version(), "cpus": _cpus()}}
    if not args.skip_baselines:
        layers = load_layers(args.data)
        graph = subset(grid_communities(layers, params).plan.units, args.units)
        out["same_units"] = {
            "n_units": len(graph.units),
            "n_communities": len(graph.communities),
            "households": float(graph.units["households"].sum()),
            "methods": compare(graph, params, args.skater_max_units, args.seed),
        }
        eng = out["same_units"]["methods"]["gridplan engine"]
        mp = out["same_units"]["methods"].get("spopt MaxPHeuristic (floor 300)", {})
        if mp.get("seconds"):
            out["same_units"]["maxp_over_engine_time"] = round(
                mp["seconds"] / max(eng["seconds"], 1e-9), 1
            )
    if not args.skip_demo:
        out["demo"] = demo_times(args.data, args.repeat)
    if args.realshape_seeds:
        out["realshape"] = realshape_times(args.realshape_seeds, args.repeat, args.serial)
    if args.points_dir is not None:
        datum = dict(pair.split("=", 1) for pair in args.points_datum)
        out["points"] = points_times(args.points_dir, datum, args.repeat, args.serial)
    if args.before_tree is not None:
        out["before"] = before_tree(args)
        out["time_ratio_after_over_before"] = {
            k: round(
                v["seconds_median"] / max(out["before"]["realshape"][k]["seconds_median"], 1e-9), 2
            )
            for k, v in out.get("realshape", {}).items()
            if k in out["before"].get("realshape", {})
        }
        if args.serial:
            sides = [(k, v, out["before"]["realshape"].get(k)) for k, v in out["realshape"].items()]
            if "points" in out:
                sides.append(("points", out["points"], out["before"].get("points")))
            out["cpu_ratio_after_over_before"] = {
                k: round(a["cpu_seconds_median"] / max(b["cpu_seconds_median"], 1e-9), 2)
                for k, a, b in sides
                if b and "cpu_seconds_median" in b
            }
        if "demo" in out and "demo" in out["before"]:
            out["demo_engine_time_ratio_after_over_before"] = round(
                out["demo"]["engine_seconds_median"]
                / max(out["before"]["demo"]["engine_seconds_median"], 1e-9),
                2,
            )
        if "scale" in out and "scale" in out["before"]:
            out["scale_engine_time_ratio_after_over_before"] = round(
                out["scale"]["engine_seconds"]
                / max(out["before"]["scale"]["engine_seconds"], 1e-9),
                2,
            )
    if args.scale_dir is not None:
        out["scale"] = scale_times(args.scale_dir)
    print(json.dumps(out, indent=2, default=str))


def _cpus() -> int:
    import os

    return os.cpu_count() or 1


if __name__ == "__main__":
    main()
