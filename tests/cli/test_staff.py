"""``gridplan staff`` end to end on a small grid layer."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
from shapely.geometry import box

from cli.main import main


def _grids(path):
    g = gpd.GeoDataFrame(
        {
            "grid_id": ["320211007001001", "320211007001002", "320211007001003"],
            "households": [480, 320, 100],
            "party_members": [25, 10, 3],
        },
        geometry=[box(i, 0, i + 1, 1) for i in range(3)],
        crs="EPSG:32651",
    )
    g.to_crs(4326).to_file(path, driver="GeoJSON")
    return path


def test_staff_cli_writes_csv_and_summary(tmp_path, capsys):
    grids, out = _grids(tmp_path / "grids.geojson"), tmp_path / "staff.csv"
    code = main(
        [
            "staff",
            "--grids",
            str(grids),
            "--full-time",
            "5",
            "--part-time",
            "20",
            "--method",
            "huntington_hill",
            "--out",
            str(out),
        ]
    )
    cap = capsys.readouterr()
    assert code == 0, cap.err
    summary = json.loads(cap.out)
    assert summary["full_time"] == 5 and summary["part_time"] == 20 and summary["grids"] == 3
    table = pd.read_csv(out, dtype={"grid_id": str})
    assert table["grid_id"].tolist()[0] == "320211007001001"  # ids kept as text
    assert table["full_time"].sum() == 5 and (table["full_time"] >= 1).all()
    assert table["explanation"].str.contains("Huntington-Hill").any()


def test_staff_cli_load_and_errors(tmp_path, capsys):
    grids, out = _grids(tmp_path / "grids.geojson"), tmp_path / "staff.csv"
    code = main(
        [
            "staff",
            "--grids",
            str(grids),
            "--full-time",
            "3",
            "--part-time",
            "9",
            "--workload",
            "load",
            "--weights",
            "households=1,party_members=10",
            "--out",
            str(out),
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert pd.read_csv(out)["workload"].tolist() == [730.0, 420.0, 130.0]
    capsys.readouterr()
    code = main(["staff", "--grids", str(grids), "--full-time", "2", "--out", str(out)])
    assert code == 2 and "2 worker(s) cannot give 3 grid(s)" in capsys.readouterr().err
    code = main(
        [
            "staff",
            "--grids",
            str(grids),
            "--weights",
            "households:1",
            "--workload",
            "load",
            "--out",
            str(out),
        ]
    )
    assert code == 2 and "--weights" in capsys.readouterr().err
    code = main(["staff", "--grids", str(tmp_path / "no.geojson"), "--out", str(out)])
    assert code == 2 and "not found" in capsys.readouterr().err
    code = main(["staff", "--grids", str(grids), "--part-time", "-1", "--out", str(out)])
    assert code == 2 and "total" in capsys.readouterr().err
