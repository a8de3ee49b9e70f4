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
    gpd.GeoDataFrame({"社区编号": ["c1"], "名称": ["甲社区"]},
                     geometry=[box(120.30, 31.48, 120.31, 31.49)], crs="EPSG:4326").to_file(
        folder / "communities.geojson")
    gpd.GeoDataFrame({"编号": ["e1", "e2"], "户数": households, "党员数": [10, 5]},
                     geometry=[box(120.301, 31.481, 120.303, 31.483),
                               box(120.305, 31.485, 120.307, 31.487)],
                     crs="EPSG:4326").to_file(folder / "estates.geojson")
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
    proc = subprocess.run([sys.executable, "-m", "cli.main", "check", "--data", str(data)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 1
    assert "cannot read `estates.geojson`" in proc.stdout


def test_check_on_the_bundled_demo(capsys):
    assert main(["check", "--data", str(DEMO)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK: layers loaded into EPSG:4549 (CGCS2000 / 3-degree Gauss-Kruger CM 120E); 0 warning(s).")
    assert "[communities] 38 feature(s)" in out


def test_datum_per_layer_option():
    from cli.check import datum_option

    assert datum_option(None) is None
    both = datum_option(["GCJ-02", "communities=WGS84"])
    assert both["estates"] == "GCJ-02" and both["communities"] == "WGS84"
    assert datum_option(["estates=BD-09"]) == {"estates": "BD-09"}
    with pytest.raises(SystemExit, match="`roads` is not one of"):
        datum_option(["roads=WGS84"])
