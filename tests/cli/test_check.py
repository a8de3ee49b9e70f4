"""``gridplan check``: clean report and exit 0, or the problems and exit 1."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from cli.main import main

DEMO = Path(__file__).resolve().parents[2] / "data" / "boundaries"


def write_dataset(folder: Path, households: list[object]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    gpd.GeoDataFrame(
        {"社区编号": ["c1"], "名称": ["甲社区"]},
        geometry=[box(120.30, 31.48, 120.31, 31.49)],
        crs="EPSG:4326",
    ).to_file(folder / "communities.geojson")
    gpd.GeoDataFrame(
        {"编号": ["e1", "e2"], "户数": households, "党员数": [10, 5]},
        geometry=[box(120.301, 31.481, 120.303, 31.483), box(120.305, 31.485, 120.307, 31.487)],
        crs="EPSG:4326",
    ).to_file(folder / "estates.geojson")
    return folder


def test_check_clean_dataset_exits_zero(tmp_path, capsys):
    assert main(["check", "--data", str(write_dataset(tmp_path, [300, 200]))]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK: layers loaded into EPSG:4549")
    assert "户数 -> households" in out


def test_check_broken_dataset_exits_one_naming_problems(tmp_path, capsys):
    assert main(["check", "--data", str(write_dataset(tmp_path, [-4, "lots"]))]) == 1
    out = capsys.readouterr().out
    assert out.startswith("FAILED: 2 error(s)")
    assert "feature `e1` (-4), field `households`: `households` is negative." in out
    assert "feature `e2` ('lots'), field `households`: `households` is not a number." in out
    assert "fix: write `households` as a plain number" in out


def test_check_missing_folder_and_datum(tmp_path, capsys):
    assert main(["check", "--data", str(tmp_path / "nowhere")]) == 1
    assert "does not exist" in capsys.readouterr().out
    data = write_dataset(tmp_path / "d", [300, 200])
    assert main(["check", "--data", str(data), "--datum", "gcj02"]) == 0
    assert main(["check", "--data", str(data), "--datum", "EPSG:999999"]) == 1
    assert "not WGS84, CGCS2000, GCJ-02, BD-09 or a known EPSG code" in capsys.readouterr().out


def test_console_script_on_broken_file(tmp_path):
    data = write_dataset(tmp_path, [300, 200])
    (data / "estates.geojson").write_text('{"type": "FeatureCollection", "features": [')
    proc = subprocess.run(
        [sys.executable, "-m", "cli.main", "check", "--data", str(data)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1
    assert "cannot read `estates.geojson`" in proc.stdout


def test_check_on_the_bundled_demo(capsys):
    assert main(["check", "--data", str(DEMO)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "OK: layers loaded into EPSG:4549 (CGCS2000 / 3-degree Gauss-Kruger CM 120E); 0 warning(s)."
    )
    assert "[communities] 38 feature(s)" in out


def test_datum_per_layer_option():
    from cli.check import datum_option

    assert datum_option(None) is None
    both = datum_option(["GCJ-02", "communities=WGS84"])
    assert both["estates"] == "GCJ-02" and both["communities"] == "WGS84"
    assert datum_option(["estates=BD-09"]) == {"estates": "BD-09"}
    with pytest.raises(SystemExit, match="`roads` is not one of"):
        datum_option(["roads=WGS84"])


def test_check_points_csv_in_gcj02_with_roster_flag(tmp_path, capsys):
    import geopandas as gpd
    import pandas as pd

    from tests._userdata import write_points_dataset, write_xlsx

    comm = gpd.read_file(DEMO / "communities.geojson")
    est = gpd.read_file(DEMO / "estates.geojson")
    keep = comm["community_id"].isin(["320211006020", "320211006017"])
    est = est[est["community_id"].isin(comm.loc[keep, "community_id"])]
    folder = write_points_dataset(comm[keep], est, tmp_path / "d")
    roster = write_xlsx(
        tmp_path / "名册.xlsx",
        pd.DataFrame(
            {"小区名称": [*est["name"], "不存在小区"], "党员数": [*est["party_members"], 5]}
        ),
        title="党员名册",
    )
    assert (
        main(
            [
                "check",
                "--data",
                str(folder),
                "--datum",
                "estates=GCJ-02",
                "--roster",
                f"estates={roster}",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "every estate is a point" in out and "stand in for the missing estate outlines" in out
    assert f"roster `名册.xlsx` -> estates: {len(est) + 1} row(s)" in out
    assert f"row {len(est) + 3} `不存在小区`: unmatched; closest:" in out
    total = int(est["party_members"].sum())
    assert f"party_members: roster {total + 5:,}, matched rows {total:,}" in out


def test_roster_option():
    from cli.check import roster_option

    assert roster_option(None) is None
    assert roster_option(["a.xlsx", "buildings=b.csv"]) == {
        "estates": ["a.xlsx"],
        "buildings": ["b.csv"],
    }
    with pytest.raises(SystemExit, match="`roads` is not one of"):
        roster_option(["roads=r.csv"])
