"""Benchmark: loading and validating a dataset, and the GCJ-02 inverse (iterated vs one step).

- ``load``: :func:`geo.data.io.load_layers` on a dataset folder (default the bundled demo,
  ``data/boundaries``; a bigger one with ``python -m geo.demo --out DIR --scale N``), median of
  ``--repeat`` runs, with the feature counts; reference: the bare ``geopandas.read_file`` of
  the same files plus ``to_crs`` to the same metric CRS, so the ratio is the cost of the
  validation, aliasing and joins.
- ``gcj02``: ``gcj02_to_wgs84`` on ``--points`` random points over China, seconds and the
  largest round-trip error in metres, against the one-step inverse ``2g - f(g)`` most libraries
  use (its error and time).

- ``xlsx``: :func:`geo.data.tables.read_table` of a ``--rows``-row roster workbook (title row,
  merged 社区 cells, totals row; written with openpyxl into a temporary folder), median of
  ``--repeat`` runs with the calamine engine and with the openpyxl engine, side by side, and
  their ratio.

Run: ``.venv/bin/python bench/bench_io.py [--data DIR] [--repeat 3] [--points 1000000]
[--rows 3000]``.
Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import geopandas as gpd
import numpy as np

from geo.data.crs import gcj02_to_wgs84, metric_crs_for, wgs84_to_gcj02
from geo.data.io import DEMO_DIR, load_layers

M_PER_DEG = 111_320.0


def _median_seconds(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench_load(data: Path, repeat: int) -> dict:
    layers = load_layers(data)
    files = sorted(
        p
        for p in data.glob("*.geojson")
        if p.stem in ("communities", "estates", "buildings", "facilities")
    )

    def bare() -> None:
        frames = [gpd.read_file(p, engine="pyogrio") for p in files]
        crs = metric_crs_for(frames[[p.stem for p in files].index("communities")])
        for f in frames:
            f.to_crs(crs)

    gridplan_s = _median_seconds(lambda: load_layers(data), repeat)
    bare_s = _median_seconds(bare, repeat)
    return {
        "data": str(data),
        "features": {
            n: len(layers.layer(n))
            for n in ("communities", "estates", "buildings", "facilities")
            if layers.layer(n) is not None
        },
        "load_layers_s": round(gridplan_s, 3),
        "read_file_plus_to_crs_s": round(bare_s, 3),
        "ratio": round(gridplan_s / bare_s, 2),
        "warnings": len(layers.problems),
    }


def _metres(lon_a, lat_a, lon_b, lat_b) -> np.ndarray:
    return np.hypot(
        (lon_a - lon_b) * M_PER_DEG * np.cos(np.radians(lat_b)), (lat_a - lat_b) * M_PER_DEG
    )


def bench_gcj(points: int, repeat: int) -> dict:
    rng = np.random.default_rng(0)
    lon = rng.uniform(73.5, 135.0, points)
    lat = rng.uniform(3.9, 53.5, points)
    glon, glat = wgs84_to_gcj02(lon, lat)

    def one_step():
        flon, flat = wgs84_to_gcj02(glon, glat)
        return 2 * glon - flon, 2 * glat - flat

    iter_s = _median_seconds(lambda: gcj02_to_wgs84(glon, glat), repeat)
    step_s = _median_seconds(one_step, repeat)
    return {
        "points": points,
        "iterated_s": round(iter_s, 3),
        "one_step_s": round(step_s, 3),
        "iterated_max_error_m": float(_metres(*gcj02_to_wgs84(glon, glat), lon, lat).max()),
        "one_step_max_error_m": round(float(_metres(*one_step(), lon, lat).max()), 3),
    }


def bench_xlsx(rows: int, repeat: int) -> dict:
    import sys
    import tempfile

    import pandas as pd

    from geo.data.tables import read_table

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests._userdata import write_xlsx

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "社区": [f"社区{i // 50:03d}" for i in range(rows)],
            "小区名称": [f"小区{i:05d}" for i in range(rows)],
            "户数": rng.integers(50, 800, rows),
            "党员数": rng.integers(0, 40, rows),
            "经度": np.round(rng.uniform(120.2, 120.4, rows), 6),
            "纬度": np.round(rng.uniform(31.4, 31.6, rows), 6),
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = write_xlsx(
            Path(tmp) / "roster.xlsx", frame, title="名册", merge_column="社区", totals="合计"
        )
        seconds = {
            e: _median_seconds(lambda e=e: read_table(path, engine=e), repeat)
            for e in ("calamine", "openpyxl")
        }
        assert len(read_table(path).frame) == rows
    return {
        "rows": rows,
        "calamine_s": round(seconds["calamine"], 3),
        "openpyxl_s": round(seconds["openpyxl"], 3),
        "openpyxl_over_calamine": round(seconds["openpyxl"] / seconds["calamine"], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEMO_DIR)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--only", choices=("load", "gcj02", "xlsx"), default=None)
    args = parser.parse_args()
    if args.only == "xlsx":
        print(
            json.dumps(
                {
                    "machine": {
                        "python": platform.python_version(),
                        "cpus": __import__("os").cpu_count(),
                    },
                    "xlsx": bench_xlsx(args.rows, args.repeat),
                },
                indent=2,
            )
        )
        return
    out = {
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
        "load": bench_load(args.data, args.repeat),
        "gcj02": bench_gcj(args.points, args.repeat),
        "xlsx": bench_xlsx(args.rows, args.repeat),
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
