"""Benchmark: plan store saves/loads and RFC 7946 GeoJSON export, against plain GDAL writes.

- ``store``: :meth:`geo.output.store.Store.save` (one transaction: version row, assignment, grid
  polygons with exact WKB and a WGS84 display geometry, posts, staffing) and
  :meth:`Store.load`, on a GeoPackage file and, with PostgreSQL + PostGIS installed, on a
  throwaway local cluster. Reference: what a store without versions would do, the bare
  ``GeoDataFrame.to_file`` of the grids to a GeoPackage layer plus the assignment as CSV, and
  reading them back.
- ``geojson``: :func:`geo.output.export.to_geojson` (personal-field check, reprojection, 7-decimal
  rounding, orientation, JSON-safe properties) against GDAL's own RFC 7946 writer
  (``to_file(driver="GeoJSON", RFC7946="YES", COORDINATE_PRECISION=7)``), with the largest
  coordinate difference between the two outputs.

Plans: the demo district gridded once (``--demo``), and synthetic plans of ``--grids`` square
grids with ``--units-per-grid`` units each.

Run: ``.venv/bin/python bench/bench_store.py [--grids 2000] [--units-per-grid 10] [--repeat 3]
[--no-demo] [--no-postgres]``. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.output.export import to_geojson  # noqa: E402
from geo.output.store import PlanRecord, open_store, record_from_plan  # noqa: E402


def _median(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return round(statistics.median(times), 4)


def synthetic_record(n_grids: int, units_per_grid: int) -> PlanRecord:
    side = int(np.ceil(np.sqrt(n_grids)))
    geoms = [
        box(
            220_000 + 200 * (i % side),
            3_490_000 + 200 * (i // side),
            220_200 + 200 * (i % side),
            3_490_200 + 200 * (i // side),
        )
        for i in range(n_grids)
    ]
    rng = np.random.default_rng(0)
    grids = gpd.GeoDataFrame(
        {
            "grid_id": [f"320211007001{i:06d}" for i in range(n_grids)],
            "community_id": "320211007001",
            "name": [f"网格{i}" for i in range(n_grids)],
            "households": rng.integers(300, 500, n_grids).astype(float),
            "party_members": rng.integers(10, 40, n_grids).astype(float),
            "polsby_popper": rng.uniform(0.4, 0.8, n_grids),
            "in_band": True,
        },
        geometry=geoms,
        crs="EPSG:32651",
    )
    assignment = {
        f"u{i:06d}_{k}": gid
        for i, gid in enumerate(grids["grid_id"])
        for k in range(units_per_grid)
    }
    staffing = pd.DataFrame({"grid_id": grids["grid_id"], "full_time": 1, "part_time": 5})
    return PlanRecord(
        name="bench",
        assignment=assignment,
        grids=grids,
        staffing=staffing,
        params={"min_households": 300},
        events=[{"op": "undo"}] * 20,
    )


def demo_record() -> PlanRecord:
    from geo.data.io import load_demo
    from geo.grids.gridding import grid_communities
    from geo.grids.params import GridParams

    plan = grid_communities(load_demo(), GridParams(seed=0)).plan
    return record_from_plan(plan, "demo")


def bench_store(rec: PlanRecord, target: str, repeat: int) -> dict:
    with open_store(target) as store:
        state = {"v": store.latest_version(rec.name)}

        def save() -> None:
            saved = store.save(rec.replace(version=state["v"]), expected_version=state["v"])
            state["v"] = saved.version

        save_s = _median(save, repeat)
        load_s = _median(lambda: store.load(rec.name), repeat)
    return {"save_s": save_s, "load_s": load_s}


def bench_reference(rec: PlanRecord, folder: Path, repeat: int) -> dict:
    path, csv = folder / "ref.gpkg", folder / "ref_assignment.csv"
    table = pd.DataFrame(sorted(rec.assignment.items()), columns=["unit_id", "grid_id"])

    def save() -> None:
        rec.grids.to_file(path, layer="grids", driver="GPKG", engine="pyogrio")
        table.to_csv(csv, index=False)

    def load() -> None:
        gpd.read_file(path, layer="grids", engine="pyogrio")
        pd.read_csv(csv)

    return {"save_s": _median(save, repeat), "load_s": _median(load, repeat)}


def bench_geojson(rec: PlanRecord, folder: Path, repeat: int) -> dict:
    ours = _median(lambda: to_geojson(rec.grids), repeat)
    gdal_path = folder / "gdal.geojson"

    def gdal() -> None:
        rec.grids.to_crs(4326).to_file(
            gdal_path, driver="GeoJSON", engine="pyogrio", RFC7946="YES", COORDINATE_PRECISION=7
        )

    gdal_s = _median(gdal, repeat)
    a = gpd.read_file(gdal_path)
    b = gpd.GeoDataFrame.from_features(json.loads(to_geojson(rec.grids))["features"], crs=4326)
    diff = max(
        float(np.abs(np.asarray(ga.exterior.coords) - np.asarray(gb.exterior.coords)).max())
        for ga, gb in zip(a.geometry, b.geometry, strict=True)
        if ga.geom_type == "Polygon" and len(ga.exterior.coords) == len(gb.exterior.coords)
    )
    return {
        "ours_s": ours,
        "gdal_rfc7946_s": gdal_s,
        "ratio": round(ours / gdal_s, 2),
        "max_coord_diff_deg": diff,
    }


def run(args: argparse.Namespace) -> dict:
    plans = {}
    if args.demo:
        plans["demo"] = demo_record()
    plans[f"synthetic_{args.grids}x{args.units_per_grid}"] = synthetic_record(
        args.grids, args.units_per_grid
    )
    out: dict = {"python": platform.python_version(), "repeat": args.repeat, "plans": {}}
    pg_ctx = None
    if args.postgres:
        sys.path.insert(0, str(ROOT))
        from tests.geo._store_support import postgres_bindir, throwaway_cluster

        bindir = postgres_bindir()
        if bindir is not None:
            pg_ctx = throwaway_cluster(bindir)
    pg_url = pg_ctx.__enter__() if pg_ctx is not None else None
    try:
        for name, rec in plans.items():
            with tempfile.TemporaryDirectory() as tmp:
                folder = Path(tmp)
                row = {
                    "grids": len(rec.grids),
                    "units": len(rec.assignment),
                    "gpkg_store": bench_store(rec, str(folder / "plans.gpkg"), args.repeat),
                    "reference_to_file_gpkg_csv": bench_reference(rec, folder, args.repeat),
                    "geojson": bench_geojson(rec, folder, args.repeat),
                }
                if pg_url is not None:
                    row["postgis_store"] = bench_store(
                        rec.replace(name=f"{name}-pg"), pg_url, args.repeat
                    )
                row["save_ratio_gpkg_vs_reference"] = round(
                    row["gpkg_store"]["save_s"] / row["reference_to_file_gpkg_csv"]["save_s"], 2
                )
                out["plans"][name] = row
    finally:
        if pg_ctx is not None:
            pg_ctx.__exit__(None, None, None)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grids", type=int, default=2000)
    parser.add_argument("--units-per-grid", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-demo", dest="demo", action="store_false")
    parser.add_argument("--no-postgres", dest="postgres", action="store_false")
    print(json.dumps(run(parser.parse_args()), indent=2))


if __name__ == "__main__":
    main()
