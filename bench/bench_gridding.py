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
[--realshape-seeds 0 1 2] [--realshape-district [--district-seed 0]]
[--points-dir DIR [--points-datum estates=GCJ-02]] [--points-demo] [--serial]
[--before-tree DIR]``. Prints JSON.

Part 5 (issue 11, speed), with ``--realshape-district``: the district of issue 11 (about 36
communities, 413 parcels, 122,000 households, 76 % of them in high-rise estates over 500, no
buildings; :func:`write_district`) written as WGS84 GeoJSON and run through ``gridplan grid
--data DIR --out FILE`` as a subprocess, as a new user runs it: wall and CPU seconds, median of
``--repeat`` after one warm-up run; then one instrumented run (``bench/_cli_phases.py``) for
the split by phase (start-up, imports, loading and validation, compact split, cells,
adjacency, search, feasibility, grid geometry, metrics, tiling, writing, exit). With
``--before-tree`` the two trees alternate run by run, and the JSON says whether they wrote the
same assignment and the same grids.

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
import hashlib
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
from geo.grids.units import UnitGraph  # noqa: E402

try:
    from geo.grids.params import GridParams
    from geo.grids.plan import Plan
except ImportError:  # an engine from before issue 11 (--before-tree), the one issue 11 compared
    from geo.grids.gridding import GridParams, Plan  # type: ignore[attr-defined,no-redef]

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
        "assignment_sha256": plan_digest(res.plan),
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
        "assignment_sha256": plan_digest(res.plan),
        "slowest_community": {
            "community_id": slow["community_id"],
            "seconds": round(slow["seconds"], 3),
            "n_units": slow["n_units"],
        },
    }


def plan_digest(plan: Plan) -> str:
    """SHA-256 of the sorted (unit, grid) pairs: equal digests, the same plan."""
    pairs = sorted(plan.assignment.items())
    return hashlib.sha256(repr(pairs).encode()).hexdigest()[:16]


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
            "cpu_seconds_median": round(statistics.median(cpus), 3),
            "estates": len(layers.estates),
            "communities": len(layers.communities),
            "households": float(layers.estates["households"].sum()),
            "estates_over_500": int((layers.estates["households"] > 500).sum()),
            "seconds_median": round(statistics.median(walls), 3),
            "assignment_sha256": plan_digest(res.plan),
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


#: The real district of issue 11: 36 communities, 413 parcels, about 122,000 households, 64
#: high-rise estates over 500 households holding 76 % of them. The generator's lattice of 6 x 5
#: arterial blocks (plus its two diagonals) gives 35 communities and, at 13 parcels tried per
#: community, 434 parcels (seed 0), 68 of them high-rise.
DISTRICT = {"nx": 6, "ny": 5, "parcels_per_community": 13}
DISTRICT_HOUSEHOLDS = 122_000
DISTRICT_HIGH_RISE_SHARE = 0.76


def write_district(folder: Path, seed: int = 0) -> dict[str, Any]:
    """The issue's district as a new user brings it: a folder of WGS84 GeoJSON layers.

    The generator's high-rise estates hold 1,000-6,000 households, which with 434 parcels makes
    about 340,000 households, nearly three times the district's. The households are rescaled to
    the district's: high-rise estates linearly from 550 up, so that they hold 76 % of 122,000
    (a mean of about 1,360; the district's is 92,700 / 64 = 1,450), the others in proportion
    so that they hold the remaining 24 %; party members stay 6 % of households. No buildings layer, as in the district.
    """
    import numpy as np

    from tests.geo.grids._realshape import PARTY_SHARE, make_district

    d = make_district(seed, **DISTRICT)
    est = d.estates.copy()
    high = est["households"] > 500
    over = est.loc[high, "households"] - 1000
    slope = (DISTRICT_HOUSEHOLDS * DISTRICT_HIGH_RISE_SHARE - 550 * len(over)) / over.sum()
    est.loc[high, "households"] = np.round(550 + over * slope)
    rest = DISTRICT_HOUSEHOLDS * (1 - DISTRICT_HIGH_RISE_SHARE)
    low = est.loc[~high, "households"]
    est.loc[~high, "households"] = np.maximum(1.0, np.round(low * rest / low.sum()))
    est["party_members"] = np.round(est["households"] * PARTY_SHARE)
    folder.mkdir(parents=True, exist_ok=True)
    d.communities.to_crs("EPSG:4326").to_file(folder / "communities.geojson", driver="GeoJSON")
    est.to_crs("EPSG:4326").to_file(folder / "estates.geojson", driver="GeoJSON")
    hh = est["households"]
    return {
        "seed": seed,
        "communities": len(d.communities),
        "estates": len(est),
        "households": float(hh.sum()),
        "estates_over_500": int(high.sum()),
        "share_of_households_over_500": round(float(hh[high].sum() / hh.sum()), 3),
    }


def _cli_env(tree: Path) -> dict[str, str]:
    # bytecode cached as after ``pip install`` (the sessions' shells set PYTHONDONTWRITEBYTECODE)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["GRIDPLAN_ENGINE_ROOT"] = str(tree)
    return env


def _grid_cli(tree: Path, data: Path, out: Path) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of ``gridplan grid --data DATA --out OUT`` with the
    engine of ``tree``."""
    cpu0 = _children_cpu()
    t0 = time.perf_counter()
    res = subprocess.run(
        [sys.executable, "-m", "cli.main", "grid", "--data", str(data), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=tree,
        env=_cli_env(tree),
        check=False,
    )
    wall = time.perf_counter() - t0
    if res.returncode != 0:
        raise SystemExit(f"gridplan grid failed in {tree}: {res.stderr[-800:]}")
    return wall, _children_cpu() - cpu0


def _grid_phases(tree: Path, data: Path, out: Path) -> dict[str, Any]:
    """One instrumented run (``bench/_cli_phases.py``): seconds per phase, exit included."""
    report = out.with_suffix(".phases.json")
    env = _cli_env(tree)
    t0 = time.time()
    env["GRIDPLAN_BENCH_T0"] = repr(t0)
    subprocess.run(
        [
            sys.executable,
            str(Path(__file__).with_name("_cli_phases.py")),
            str(report),
            "grid",
            "--data",
            str(data),
            "--out",
            str(out),
        ],
        capture_output=True,
        cwd=tree,
        env=env,
        check=True,
    )
    wall = time.time() - t0
    got = json.loads(report.read_text(encoding="utf-8"))
    phases = got["phases"]
    phases["exit"] = round(wall - sum(phases.values()), 4)
    return {"wall_seconds": round(wall, 3), "phases": phases, "phases_cpu": got.get("cpu", {})}


def _assignment_digest(out: Path) -> str:
    """SHA-256 of the sorted ``unit_id,grid_id`` pairs of the run's assignment CSV."""
    import pandas as pd

    table = pd.read_csv(out.with_name(f"{out.stem}_assignment.csv"), dtype=str)
    pairs = sorted(zip(table["unit_id"], table["grid_id"], strict=True))
    return hashlib.sha256(repr(pairs).encode()).hexdigest()[:16]


def district_times(seed: int, repeat: int, before: Path | None) -> dict[str, Any]:
    """Issue 11's district through ``gridplan grid`` (subprocess, wall), this tree and, with
    ``before``, that tree side by side: runs alternate (one warm-up each, not counted), then one
    instrumented run each for the phase split. Also whether both trees give the same plan."""
    trees = {"after": ROOT} if before is None else {"after": ROOT, "before": before.resolve()}
    with tempfile.TemporaryDirectory(prefix="bench-district-") as d:
        tmp = Path(d)
        data = tmp / "district"
        out: dict[str, Any] = {"district": write_district(data, seed), "load_average": _load()}
        walls: dict[str, list[float]] = {k: [] for k in trees}
        cpus: dict[str, list[float]] = {k: [] for k in trees}
        for name, tree in trees.items():  # warm-up: bytecode written, files cached
            _grid_cli(tree, data, tmp / f"{name}.geojson")
        for _ in range(repeat):
            for name, tree in trees.items():
                wall, cpu = _grid_cli(tree, data, tmp / f"{name}.geojson")
                walls[name].append(wall)
                cpus[name].append(cpu)
        for name, tree in trees.items():
            grids = json.loads((tmp / f"{name}.geojson").read_text(encoding="utf-8"))
            props = [f["properties"] for f in grids["features"]]
            out[name] = {
                "cli_wall_seconds": [round(w, 3) for w in walls[name]],
                "cli_wall_seconds_median": round(statistics.median(walls[name]), 3),
                "cli_cpu_seconds": [round(c, 3) for c in cpus[name]],
                "cli_cpu_seconds_median": round(statistics.median(cpus[name]), 3),
                "n_grids": len(props),
                "share_in_band": round(sum(bool(p["in_band"]) for p in props) / len(props), 4),
                "assignment_sha256": _assignment_digest(tmp / f"{name}.geojson"),
                # the grids as written (polygons and properties), without the metadata's time
                "grids_sha256": hashlib.sha256(
                    json.dumps(grids["features"], sort_keys=True).encode()
                ).hexdigest()[:16],
                **_grid_phases(tree, data, tmp / f"{name}_phases.geojson"),
            }
        if before is not None:
            out["wall_ratio_after_over_before"] = round(
                out["after"]["cli_wall_seconds_median"]
                / max(out["before"]["cli_wall_seconds_median"], 1e-9),
                3,
            )
            out["cpu_ratio_after_over_before"] = round(
                out["after"]["cli_cpu_seconds_median"]
                / max(out["before"]["cli_cpu_seconds_median"], 1e-9),
                3,
            )
            out["same_assignment"] = (
                out["after"]["assignment_sha256"] == out["before"]["assignment_sha256"]
            )
            out["same_grids"] = out["after"]["grids_sha256"] == out["before"]["grids_sha256"]
        out["load_average_after"] = _load()
    return out


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


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
        "--realshape-district",
        action="store_true",
        help="issue 11's district (35 communities, 434 parcels, ~122,000 households) written as "
        "GeoJSON and run through `gridplan grid` (subprocess, wall, median of --repeat), with "
        "the phase split; with --before-tree both trees side by side and whether the plans match",
    )
    ap.add_argument("--district-seed", type=int, default=0)
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
    if args.realshape_district:
        out["realshape_district"] = district_times(
            args.district_seed, args.repeat, args.before_tree
        )
    if args.points_dir is not None:
        datum = dict(pair.split("=", 1) for pair in args.points_datum)
        out["points"] = points_times(args.points_dir, datum, args.repeat, args.serial)
    if args.scale_dir is not None:
        out["scale"] = scale_times(args.scale_dir)
    others = not args.skip_demo or args.realshape_seeds or args.points_dir or args.scale_dir
    if args.before_tree is not None and others:
        out["before"] = before_tree(args)
        out["same_plan_as_before"] = {
            k: v.get("assignment_sha256") == out["before"]["realshape"][k].get("assignment_sha256")
            for k, v in out.get("realshape", {}).items()
            if k in out["before"].get("realshape", {})
        }
        if "demo" in out and "demo" in out["before"]:
            out["same_plan_as_before"]["demo"] = out["demo"]["assignment_sha256"] == out["before"][
                "demo"
            ].get("assignment_sha256")
        if "scale" in out and "scale" in out["before"]:
            out["same_plan_as_before"]["scale"] = out["scale"]["assignment_sha256"] == out[
                "before"
            ]["scale"].get("assignment_sha256")
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
    print(json.dumps(out, indent=2, default=str))


def _cpus() -> int:
    import os

    return os.cpu_count() or 1


if __name__ == "__main__":
    main()
