"""``gridplan coverage`` end to end on a small dataset folder with a walk.graphml beside it."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import osmnx as ox
import pytest
from shapely.geometry import Point, box

from cli.main import main
from geo.network.walk import grid_walk_graph, project_network

CRS = "EPSG:32651"
#: Put the synthetic district near Wuxi so that lon/lat are plausible.
X0, Y0 = 220_000.0, 3_490_000.0


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cov")
    rng = np.random.default_rng(7)
    xy = rng.uniform(40, 960, (12, 2)) + np.array([X0, Y0])
    communities = gpd.GeoDataFrame(
        {"community_id": ["c1"], "name": ["Demo"]},
        geometry=[box(X0 - 20, Y0 - 20, X0 + 1020, Y0 + 1020)],
        crs=CRS,
    )
    estates = gpd.GeoDataFrame(
        {
            "estate_id": [f"e{i}" for i in range(12)],
            "name": [f"Estate {i}" for i in range(12)],
            "community_id": "c1",
            "households": rng.integers(50, 500, 12),
            "party_members": rng.integers(0, 30, 12),
        },
        geometry=[box(x - 15, y - 15, x + 15, y + 15) for x, y in xy],
        crs=CRS,
    )
    facilities = gpd.GeoDataFrame(
        {"facility_id": ["f1", "f2"], "level": ["community", "post"], "name": ["Centre", "Post"]},
        geometry=[Point(X0 + 100, Y0 + 100), Point(X0 + 900, Y0 + 850)],
        crs=CRS,
    )
    for name, gdf in (
        ("communities", communities),
        ("estates", estates),
        ("facilities", facilities),
    ):
        gdf.to_crs(4326).to_file(folder / f"{name}.geojson", driver="GeoJSON")
    G = project_network(
        grid_walk_graph(11, 11, spacing_m=100.0, origin=(X0, Y0), crs=CRS), "EPSG:4326"
    )
    ox.save_graphml(G, folder / "walk.graphml")
    return folder


def _run(capsys, *argv):
    code = main(["coverage", *map(str, argv)])
    captured = capsys.readouterr()
    return code, captured


def test_coverage_cli_network(data_dir, tmp_path, capsys):
    out, gaps = tmp_path / "coverage.geojson", tmp_path / "gaps.csv"
    code, cap = _run(capsys, "--data", data_dir, "--out", out, "--gaps", gaps)
    assert code == 0, cap.err
    summary = json.loads(cap.out)
    assert summary["method"] == "network" and summary["network"].endswith("walk.graphml")
    assert sum(c["estates"] for c in summary["classes"]) == 12
    fc = json.loads(out.read_text(encoding="utf-8"))
    assert fc["type"] == "FeatureCollection" and "crs" not in fc
    props = fc["features"][0]["properties"]
    assert {"estate_id", "dist_m", "life_circle", "facility_id", "method"} <= set(props)
    lon, lat = fc["features"][0]["geometry"]["coordinates"][0][0]
    assert 119 < lon < 122 and 30 < lat < 33  # WGS84
    assert gaps.read_text(encoding="utf-8").startswith("rank,estate_id")


def test_coverage_cli_fallback_and_options(data_dir, tmp_path, capsys):
    out = tmp_path / "c.geojson"
    code, cap = _run(
        capsys,
        "--data",
        data_dir,
        "--out",
        out,
        "--no-network",
        "--levels",
        "post",
        "--thresholds",
        "200,400",
        "--gap-threshold",
        "400",
    )
    assert code == 0, cap.err
    summary = json.loads(cap.out)
    assert summary["method"] == "straight-line x1.3" and summary["network"] is None
    assert summary["levels"] == ["post"] and summary["thresholds_m"] == [200.0, 400.0]
    fc = json.loads(out.read_text(encoding="utf-8"))
    assert {f["properties"]["method"] for f in fc["features"]} == {"straight-line x1.3"}
    assert fc["metadata"]["method"] == "straight-line x1.3"


def test_coverage_cli_bad_options(data_dir, tmp_path, capsys):
    code, cap = _run(
        capsys, "--data", data_dir, "--out", tmp_path / "x.geojson", "--thresholds", "500,300"
    )
    assert code == 2 and "thresholds_m" in cap.err
    code, cap = _run(
        capsys,
        "--data",
        data_dir,
        "--out",
        tmp_path / "x.geojson",
        "--network",
        tmp_path / "none.graphml",
    )
    assert code == 2 and "not found" in cap.err


def test_coverage_cli_on_demo(demo_dir, tmp_path, capsys):
    code, cap = _run(capsys, "--data", demo_dir, "--out", tmp_path / "demo.geojson")
    assert code == 0, cap.err
    summary = json.loads(cap.out)
    assert summary["method"] == "network" and summary["network"].endswith("walk.graphml")
    assert summary["estates"] == sum(c["estates"] for c in summary["classes"]) > 0
