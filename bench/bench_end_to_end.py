"""Wall time of each ``gridplan`` command on the whole demo district shaped as user data.

The demo (38 communities) is written as a planner would bring it (``tests._userdata``): a
CGCS2000 Gauss-Kruger GeoPackage with Chinese layer and field names and personal columns, the
walk network beside it, and the same layers as a GBK Shapefile zip in GCJ-02. Each command runs
as a subprocess of the installed ``gridplan`` script (imports included, as a planner pays them);
the figure per command is the median of ``--repeat`` runs. Prints JSON.

    .venv/bin/python bench/bench_end_to_end.py [--repeat 3] [--scale 1]
"""

from __future__ import annotations

import argparse
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


def _write(tmp: Path, scale: int) -> dict[str, Path]:
    from geo.demo.generate import build_demo
    from tests import _userdata as ud

    demo = build_demo(scale=scale)
    layers = {k: v for k, v in demo.layers.items() if k != "landuse"}
    layers["facilities"] = layers["facilities"].drop(columns=["community_id"])
    (tmp / "gk").mkdir()
    gpkg = ud.write_cgcs2000_gpkg(layers, tmp / "gk" / "district.gpkg")
    ud.write_network(demo.network, tmp / "gk" / "walk.graphml")
    return {
        "gpkg": gpkg,
        "zip": ud.write_gcj02_shapefile_zip(layers, tmp / "amap" / "district.zip"),
    }


def _time(argv: list[str]) -> float:
    exe = Path(sys.executable).with_name("gridplan")
    t0 = time.perf_counter()
    res = subprocess.run([str(exe), *argv], capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - t0
    if res.returncode != 0:
        raise SystemExit(
            f"gridplan {' '.join(argv)} failed: {res.stdout[-500:]} {res.stderr[-500:]}"
        )
    return seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--scale", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-e2e-") as d:
        tmp = Path(d)
        data = _write(tmp, args.scale)
        store = tmp / "plans.gpkg"
        steps = {
            "check gpkg": ["check", "--data", data["gpkg"]],
            "check gcj02 zip": ["check", "--data", data["zip"], "--datum", "GCJ-02"],
            "grid gpkg --save-plan": [
                "grid",
                "--data",
                data["gpkg"],
                "--out",
                tmp / "g.geojson",
                "--save-plan",
                "bench",
                "--store",
                store,
            ],
            "grid gcj02 zip": [
                "grid",
                "--data",
                data["zip"],
                "--datum",
                "GCJ-02",
                "--out",
                tmp / "z.geojson",
            ],
            "coverage (network)": ["coverage", "--data", data["gpkg"], "--out", tmp / "c.geojson"],
            "site mclp --posts 10 --radius 500": [
                "site",
                "--data",
                data["gpkg"],
                "--model",
                "mclp",
                "--posts",
                "10",
                "--radius",
                "500",
                "--out",
                tmp / "m.geojson",
            ],
            "site lscp --radius 500": [
                "site",
                "--data",
                data["gpkg"],
                "--model",
                "lscp",
                "--radius",
                "500",
                "--out",
                tmp / "l.geojson",
            ],
            "staff": [
                "staff",
                "--grids",
                tmp / "g.geojson",
                "--full-time",
                "242",
                "--part-time",
                "1134",
                "--out",
                tmp / "s.csv",
            ],
            "export geojson": [
                "export",
                "--plan",
                "bench",
                "--format",
                "geojson",
                "--out",
                tmp / "e.geojson",
                "--store",
                store,
            ],
            "export html": [
                "export",
                "--plan",
                "bench",
                "--format",
                "html",
                "--out",
                tmp / "e.html",
                "--store",
                store,
            ],
        }
        runs: dict[str, list[float]] = {k: [] for k in steps}
        for _ in range(args.repeat):
            for name, argv in steps.items():
                runs[name].append(round(_time([str(a) for a in argv]), 3))
    print(
        json.dumps(
            {
                "scale": args.scale,
                "repeat": args.repeat,
                "loadavg_1min": round(os.getloadavg()[0], 2),
                "median_s": {k: statistics.median(v) for k, v in runs.items()},
                "runs_s": runs,
                "total_median_s": round(sum(statistics.median(v) for v in runs.values()), 2),
            },
            ensure_ascii=False,
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
