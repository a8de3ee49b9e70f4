"""Start-up of ``gridplan site --cost-matrix``: a matrix solve imports no geospatial stack."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_PROBE = """
import json, sys
from cli.main import main
code = main(sys.argv[1:])
heavy = ("geopandas", "osmnx", "shapely", "pyproj", "matplotlib", "networkx", "fiona", "pyogrio",
         "numba")
print(json.dumps({"code": code, "heavy": [m for m in heavy if m in sys.modules]}), file=sys.stderr)
"""


def test_cost_matrix_solve_imports_no_geospatial_library(tmp_path: Path) -> None:
    matrix = tmp_path / "c.csv"
    matrix.write_text(",a,b\nd1,100,900\nd2,800,200\nd3,300,300\n")
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            _PROBE,
            "site",
            "--cost-matrix",
            str(matrix),
            "--model",
            "lscp",
            "--radius",
            "400",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    probe = json.loads(run.stderr.strip().splitlines()[-1])
    assert probe == {"code": 0, "heavy": []}
    summary = json.loads(run.stdout)  # still valid JSON without geo.output.export.json_safe
    assert summary["objective"] == 2.0 and summary["status"] == "optimal"
    assert summary["stats"]["reduction"]["cols_essential"] >= 1
