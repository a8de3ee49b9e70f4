"""``gridplan grid`` end to end on a small synthetic dataset written as WGS84 GeoJSON."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from cli.main import main
from tests.geo._synthetic import make_frames


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("grid_data")
    comms, estates, buildings = make_frames(21, n_communities=2, nx=5, ny=4, big_estates=1)
    comms.to_crs(4326).to_file(folder / "communities.geojson", driver="GeoJSON")
    estates.to_crs(4326).to_file(folder / "estates.geojson", driver="GeoJSON")
    buildings.to_crs(4326).to_file(folder / "buildings.geojson", driver="GeoJSON")
    return folder


@pytest.fixture(scope="module")
def gridded(data_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("grid_out") / "grids.geojson"
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["grid", "--data", str(data_dir), "--seed", "3", "--out", str(out)])
    assert code == 0
    return out, json.loads(buf.getvalue())


def test_grid_writes_rfc7946_geojson_csv_and_summary(gridded):
    out, summary = gridded
    fc = json.loads(out.read_text(encoding="utf-8"))
    assert fc["type"] == "FeatureCollection" and "crs" not in fc
    props = fc["features"][0]["properties"]
    for key in (
        "grid_id",
        "community_id",
        "households",
        "party_members",
        "in_band",
        "dev_pct",
        "polsby_popper",
        "reock",
        "convex_hull_ratio",
        "contiguous",
        "issue",
    ):
        assert key in props
    lon, lat = fc["features"][0]["geometry"]["coordinates"][0][0][:2]
    assert 100 < lon < 140 and 20 < lat < 45
    assert all(len(f["properties"]["grid_id"]) == 15 for f in fc["features"])
    table = pd.read_csv(summary["assignment_csv"], dtype=str)
    assert table["unit_id"].is_unique and table["grid_id"].notna().all()
    assert set(table["grid_id"]) == {f["properties"]["grid_id"] for f in fc["features"]}
    assert summary["n_grids"] == len(fc["features"])
    assert summary["tiling_ok"] and summary["all_contiguous"]
    assert summary["share_in_band"] >= 0.9


def test_from_plan_repair_and_fusion_report(gridded, data_dir, tmp_path, capsys):
    grids_file, _ = gridded
    out = tmp_path / "again.geojson"
    code = main(
        [
            "grid",
            "--data",
            str(data_dir),
            "--from-plan",
            str(grids_file),
            "--repair",
            "--other-grids",
            str(grids_file),
            "--out",
            str(out),
        ]
    )
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["imported"]["cut_units"] >= 0 and "repair" in summary
    assert summary["fusion"]["n_grids"] == summary["n_grids"]
    assert (tmp_path / "again_fusion.csv").exists()
    assert gpd.read_file(out).crs.to_epsg() == 4326


def test_bad_options_give_a_clear_message(data_dir, tmp_path, capsys):
    code = main(["grid", "--data", str(data_dir), "--repair", "--out", str(tmp_path / "x.geojson")])
    assert code == 2
    assert "--repair needs --from-plan" in capsys.readouterr().err
    code = main(
        [
            "grid",
            "--data",
            str(data_dir),
            "--min-households",
            "600",
            "--out",
            str(tmp_path / "x.geojson"),
        ]
    )
    assert code == 2
    assert "min_households" in capsys.readouterr().err


def test_barriers_file_cuts_adjacency(data_dir, tmp_path, capsys):
    comms = gpd.read_file(data_dir / "communities.geojson").to_crs(32651)
    x0, y0, x1, y1 = comms.total_bounds
    mid = x0 + 2 * 140.0
    river = gpd.GeoDataFrame(
        {"kind": ["water", "road"]},
        geometry=[
            shapely.box(mid - 3, y0 - 10, mid + 3, y1 + 10),
            shapely.LineString([(x0, y0 + 1), (x1, y1 - 1)]),
        ],
        crs=32651,
    )
    path = tmp_path / "landuse.geojson"
    river.to_crs(4326).to_file(path, driver="GeoJSON")
    code = main(
        [
            "grid",
            "--data",
            str(data_dir),
            "--barriers",
            str(path),
            "--barrier-kind",
            "water",
            "--out",
            str(tmp_path / "b.geojson"),
        ]
    )
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert any("share no cell edge" in p for p in summary["problems"])
    assert summary["tiling_ok"] and summary["all_contiguous"]


def test_repair_over_updated_data_lists_the_changes_and_saves_the_next_version(
    gridded, data_dir, tmp_path, capsys
):
    """Plan in force + updated data (one community's households halved, an estate demolished)."""
    from geo.output.store import open_store

    grids_file, _ = gridded
    updated = tmp_path / "updated"
    updated.mkdir()
    estates = gpd.read_file(data_dir / "estates.geojson")
    buildings = gpd.read_file(data_dir / "buildings.geojson")
    halve = estates["community_id"] == "C01"
    estates["households"] = estates["households"].astype("int64")
    estates.loc[halve, "households"] = estates.loc[halve, "households"] // 2
    estates.loc[halve, "party_members"] = estates.loc[halve, "party_members"] // 2
    mine = buildings["estate_id"].isin(set(estates.loc[halve, "estate_id"]))
    buildings.loc[mine, "households"] = buildings.loc[mine, "households"] // 2
    sums = buildings[mine].groupby("estate_id")["households"].sum()
    has = estates["estate_id"].isin(sums.index)
    estates.loc[has, "households"] = estates.loc[has, "estate_id"].map(sums).astype("int64")
    gone = estates[estates["community_id"] == "C02"]["estate_id"].iloc[-1]
    estates = estates[estates["estate_id"] != gone]
    estates.to_file(updated / "estates.geojson", driver="GeoJSON")
    buildings[buildings["estate_id"] != gone].to_file(
        updated / "buildings.geojson", driver="GeoJSON"
    )
    (updated / "communities.geojson").write_bytes((data_dir / "communities.geojson").read_bytes())
    store = tmp_path / "plans.gpkg"
    out = tmp_path / "repaired.geojson"
    # the demolished estate leaves its grid short, next to compliant grids: let those change too
    code = main(
        [
            "grid",
            "--data",
            str(updated),
            "--from-plan",
            str(grids_file),
            "--repair",
            "--unlock-neighbours",
            "--save-plan",
            "street",
            "--store",
            str(store),
            "--out",
            str(out),
        ]
    )
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    changes = summary["data_changes"]
    assert [d["estate_id"] for d in changes["demolished"]] == [gone] and changes[
        "new_estates"
    ] == []
    assert {c["community_id"] for c in changes["changed"]} == {"C01"}
    assert changes["communities"] == ["C01", "C02"]
    rep = summary["repair"]
    assert summary["share_in_band"] == 1.0 and rep["still_out"] == []
    assert (
        rep["status"] in ("optimal", "heuristic") and rep["lower_bound"] <= rep["households_moved"]
    )
    assert rep["retired_codes"] and {r["change"] for r in rep["grids_changed"]} >= {"merged"}
    before = gpd.read_file(grids_file).set_index("grid_id")
    after = gpd.read_file(out).set_index("grid_id")
    changed = {r["grid_id"] for r in rep["grids_changed"]}
    # grids the repair did not report: as they were, within 1 mm (the exports round to ~1 cm
    # of a degree's 7th decimal, and both went through that rounding)
    metric = "EPSG:4549"
    b_m, a_m = before.to_crs(metric).geometry, after.to_crs(metric).geometry
    for g in before.index.difference(sorted(changed)):
        assert shapely.hausdorff_distance(b_m[g], a_m[g]) < 1e-3, g
    with open_store(str(store)) as st:
        record = st.load("street")
        assert record.version == 1 and record.events[0]["op"] == "repair"
        assert record.events[0]["data_changes"]["demolished"][0]["estate_id"] == gone
        assert set(rep["retired_codes"]) <= st.codes_used("street") | set(before.index)
