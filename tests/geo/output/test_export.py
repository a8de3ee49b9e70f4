"""Exports: RFC 7946 GeoJSON rules, GeoPackage layers, CSV tables, HTML map, no personal data."""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import MultiPolygon, Point, Polygon

from geo.errors import CRSError, ValidationError
from geo.output.export import (
    drop_personal_fields,
    is_personal_field,
    make_metadata,
    to_csv_tables,
    to_geojson,
    to_gpkg,
    to_html_map,
    write_geojson,
)

UTM = "EPSG:32651"  # Wuxi lies in UTM zone 51N


def _square_cw(x0: float, y0: float, size: float) -> list[tuple[float, float]]:
    """A clockwise ring (the wrong way round for RFC 7946)."""
    return [(x0, y0), (x0, y0 + size), (x0 + size, y0 + size), (x0 + size, y0), (x0, y0)]


@pytest.fixture()
def grids() -> gpd.GeoDataFrame:
    x0, y0 = 220_000.0, 3_490_000.0
    hole_ccw = [
        (x0 + 100, y0 + 100),
        (x0 + 200, y0 + 100),
        (x0 + 200, y0 + 200),
        (x0 + 100, y0 + 200),
        (x0 + 100, y0 + 100),
    ]
    with_hole = Polygon(_square_cw(x0, y0, 400.123456), [hole_ccw])
    multi = MultiPolygon(
        [Polygon(_square_cw(x0 + 500, y0, 300)), Polygon(_square_cw(x0 + 900, y0, 300))]
    )
    return gpd.GeoDataFrame(
        {
            "grid_id": ["320211007001001", "320211007001002"],
            "name": ["第一网格", "第二网格"],
            "households": np.array([320, 410], dtype=np.int64),
            "party_members": [12, 30],
            "polsby_popper": [0.71, np.nan],
            "locked": np.array([True, False]),
        },
        geometry=[with_hole, multi],
        crs=UTM,
    )


@pytest.fixture()
def members_layer(grids: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A layer carrying personal data, as an upload might."""
    out = grids.copy()
    out["姓名"] = ["张三", "李四"]
    out["id_card"] = ["320211199001011234", "32021119900101123X"]
    out["Contact Phone"] = ["13812345678", "13912345678"]
    out["note"] = ["call 13800001111", "-"]  # value-based: free text holding a mobile number
    out["remark"] = ["13 units, code 320211007001001", "ok"]  # numbers but nothing personal
    out["备注"] = ["-", "13800003333"]
    return out


def _numbers_text(obj):
    """Yield the raw text of every coordinate number in a parsed-with-str GeoJSON geometry."""
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, list):
        for item in obj:
            yield from _numbers_text(item)


def _signed_area(ring: list[list[float]]) -> float:
    xy = np.asarray(ring, dtype=float)
    x, y = xy[:, 0], xy[:, 1]
    return 0.5 * float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))


def _polygons(geometry: dict) -> list:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return list(geometry["coordinates"])
    return []


def test_geojson_follows_rfc7946(grids: gpd.GeoDataFrame) -> None:
    text = to_geojson(grids, metadata=make_metadata("demo", 3, {"min_households": 300}))
    doc = json.loads(text)
    assert doc["type"] == "FeatureCollection"
    assert "crs" not in doc and all("crs" not in f for f in doc["features"])
    assert doc["metadata"]["plan"] == "demo" and doc["metadata"]["version"] == 3
    assert doc["metadata"]["parameters"] == {"min_households": 300}
    assert doc["metadata"]["generated"].endswith("+00:00")
    n_rings = 0
    for feat in doc["features"]:
        for poly in _polygons(feat["geometry"]):
            ext, *holes = poly
            for lon, lat in ext:
                assert -180 <= lon <= 180 and -90 <= lat <= 90
                assert 119 < lon < 122 and 30 < lat < 33  # still at Wuxi: lon/lat order
            assert _signed_area(ext) > 0, "exterior ring must be counter-clockwise"
            assert all(_signed_area(h) < 0 for h in holes), "holes must be clockwise"
            n_rings += 1 + len(holes)
    assert n_rings == 4
    raw = json.loads(text, parse_float=str, parse_int=str)
    decimals = [
        len(t.split(".")[1])
        for f in raw["features"]
        for t in _numbers_text(f["geometry"]["coordinates"])
        if "." in t
    ]
    assert decimals and max(decimals) <= 7
    assert max(decimals) == 7  # UTM -> degrees is never exact: the rounding really applies
    assert doc["features"][1]["properties"]["polsby_popper"] is None  # NaN -> null
    assert doc["features"][0]["properties"]["locked"] is True
    assert doc["features"][0]["properties"]["name"] == "第一网格"


def test_geojson_rereads_in_geopandas(grids: gpd.GeoDataFrame) -> None:
    back = gpd.read_file(io.StringIO(to_geojson(grids)))
    assert back.crs.to_epsg() == 4326
    assert list(back["grid_id"]) == list(grids["grid_id"])
    assert np.allclose(back.to_crs(UTM).area, grids.area, rtol=1e-4)  # 1 cm rounding
    assert back.geometry.is_valid.all()


def test_geojson_does_not_mutate_input(grids: gpd.GeoDataFrame, members_layer) -> None:
    before = members_layer.copy()
    to_geojson(members_layer)
    assert_geodataframe_equal(members_layer, before)


def test_geojson_without_crs_is_refused(grids: gpd.GeoDataFrame) -> None:
    with pytest.raises(CRSError, match="no CRS"):
        to_geojson(grids.set_crs(None, allow_override=True))


def test_write_geojson(tmp_path, grids) -> None:
    path = write_geojson(grids, tmp_path / "out" / "grids.geojson", metadata=make_metadata("p", 1))
    assert json.loads(path.read_text(encoding="utf-8"))["metadata"]["plan"] == "p"
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no temp left
    old_mask = os.umask(0o022)
    try:
        shared = write_geojson(grids, tmp_path / "shared.geojson")
    finally:
        os.umask(old_mask)
    assert shared.stat().st_mode & 0o777 == 0o644  # readable by the other systems, not 0600


@pytest.mark.parametrize(
    "name,personal",
    [
        ("姓名", True),
        ("党员姓名", True),
        ("身份证号", True),
        ("ID_Card", True),
        ("id number", True),
        ("phone", True),
        ("联系电话", True),
        ("mobile", True),
        ("member_name", True),
        ("tel", True),
        ("person", True),
        ("Person Name", True),
        ("contact", True),
        ("name", False),
        ("households", False),
        ("party_members", False),
        ("grid_id", False),
        ("hotel_count", False),
        ("personnel", False),
        ("community_id", False),
        ("telemetry", False),
    ],
)
def test_is_personal_field(name: str, personal: bool) -> None:
    assert is_personal_field(name) is personal


def test_drop_personal_fields_by_name_and_value(members_layer) -> None:
    clean, dropped = drop_personal_fields(members_layer)
    assert set(dropped) == {"姓名", "id_card", "Contact Phone", "备注", "note"}
    assert "remark" in clean.columns
    assert "geometry" in clean.columns and isinstance(clean, gpd.GeoDataFrame)
    assert "姓名" in members_layer.columns  # input untouched


def _assert_no_personal(text: str) -> None:
    for needle in (
        "张三",
        "李四",
        "320211199001011234",
        "13812345678",
        "13800003333",
        "13800001111",
        "id_card",
        "姓名",
        "Contact Phone",
    ):
        assert needle not in text, needle


def test_personal_fields_never_leave_any_export(tmp_path, members_layer) -> None:
    text = to_geojson(members_layer)
    doc = json.loads(text)
    dropped = {"姓名", "id_card", "Contact Phone", "备注", "note"}
    assert set(doc["metadata"]["personal_fields_dropped"]) == dropped
    _assert_no_personal(json.dumps(doc["features"], ensure_ascii=False))
    assert set(doc["features"][0]["properties"]) == {
        "grid_id",
        "name",
        "households",
        "party_members",
        "polsby_popper",
        "locked",
        "remark",
    }

    gpkg = to_gpkg({"grids": members_layer}, tmp_path / "plan.gpkg", make_metadata("p", 1))
    back = gpd.read_file(gpkg, layer="grids")
    assert not set(back.columns) & dropped
    csvs = to_csv_tables({"grids": members_layer}, tmp_path / "csv", make_metadata("p", 1))
    _assert_no_personal((tmp_path / "csv" / "grids.csv").read_text(encoding="utf-8-sig"))
    assert len(csvs) == 2
    html_path = to_html_map({"grids": members_layer}, tmp_path / "map.html", title="t")
    html_text = html_path.read_text(encoding="utf-8")
    assert "320211007001001" in html_text
    _assert_no_personal(
        html_text.replace("personal_fields_dropped", "").split("</summary>")[0]
    )  # the metadata panel names them


def test_gpkg_layers_and_metadata(tmp_path, grids) -> None:
    assignment = pd.DataFrame(
        {"unit_id": ["u1", "u2", "u3"], "grid_id": ["320211007001001"] * 2 + ["320211007001002"]}
    )
    posts = gpd.GeoDataFrame(
        {"candidate_id": ["c1"]}, geometry=[Point(220_100, 3_490_100)], crs=UTM
    )
    path = to_gpkg(
        {"grids": grids, "assignment": assignment, "posts": posts},
        tmp_path / "plan.gpkg",
        make_metadata("demo", 2, {"seed": 0}),
    )
    names = dict(pyogrio.list_layers(path))
    assert set(names) == {"grids", "assignment", "posts", "metadata"}
    assert names["grids"] in ("Polygon", "MultiPolygon") and names["posts"] == "Point"
    assert names["assignment"] is None and names["metadata"] is None
    back = gpd.read_file(path, layer="grids")
    assert back.crs.to_epsg() == 4326 and list(back["households"]) == [320, 410]
    meta = pyogrio.read_dataframe(path, layer="metadata")
    record = {k: json.loads(v) for k, v in zip(meta["key"], meta["value"], strict=True)}
    assert (
        record["plan"] == "demo" and record["version"] == 2 and record["parameters"] == {"seed": 0}
    )
    assert list(pyogrio.read_dataframe(path, layer="assignment")["unit_id"]) == ["u1", "u2", "u3"]
    # overwrite in place works and leaves no temporary file
    to_gpkg({"grids": grids}, path, make_metadata("demo", 3))
    assert set(dict(pyogrio.list_layers(path))) == {"grids", "metadata"}
    assert [p.name for p in tmp_path.iterdir()] == ["plan.gpkg"]


def test_gpkg_refuses_reserved_name(tmp_path, grids) -> None:
    with pytest.raises(ValidationError, match="reserved"):
        to_gpkg({"metadata": grids}, tmp_path / "x.gpkg")


def test_csv_tables(tmp_path, grids) -> None:
    posts = gpd.GeoDataFrame(
        {"candidate_id": ["c1"]}, geometry=[Point(220_100, 3_490_100)], crs=UTM
    )
    staffing = pd.DataFrame({"grid_id": ["320211007001001"], "full_time": [1], "part_time": [4]})
    files = to_csv_tables(
        {"grids": grids, "posts": posts, "staffing": staffing}, tmp_path, make_metadata("demo", 1)
    )
    assert [f.name for f in files] == ["grids.csv", "posts.csv", "staffing.csv", "metadata.json"]
    assert (tmp_path / "grids.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    g = pd.read_csv(tmp_path / "grids.csv", encoding="utf-8-sig", dtype={"grid_id": str})
    assert g["grid_id"].tolist() == grids["grid_id"].tolist()
    assert g["wkt"].str.startswith("POLYGON").iloc[0]
    p = pd.read_csv(tmp_path / "posts.csv", encoding="utf-8-sig")
    assert 119 < p["lon"].iloc[0] < 122 and 30 < p["lat"].iloc[0] < 33
    assert json.loads((tmp_path / "metadata.json").read_text())["plan"] == "demo"


def test_html_map_contains_the_map(tmp_path, grids) -> None:
    path = to_html_map(
        {"grids": grids, "table": pd.DataFrame({"a": [1]})},
        tmp_path / "m.html",
        title="滨湖 grids",
        metadata=make_metadata("demo", 4),
    )
    text = path.read_text(encoding="utf-8")
    assert "L.map(" in text and "L.geoJson(" in text
    assert "<title>滨湖 grids</title>" in text
    assert "320211007001002" in text
    assert "第二网格" in text or json.dumps("第二网格")[1:-1] in text  # folium escapes to \\uXXXX
    assert re.search(r"&quot;plan&quot;: &quot;demo&quot;", text)


def test_gcj02_variant_offsets_coordinates(grids) -> None:
    wgs = gpd.read_file(io.StringIO(to_geojson(grids)))
    gcj_doc = json.loads(to_geojson(grids, gcj02=True))
    assert gcj_doc["metadata"]["datum"] == "GCJ-02"
    gcj = gpd.GeoDataFrame.from_features(gcj_doc["features"], crs=4326)
    shift = wgs.to_crs(UTM).centroid.distance(gcj.to_crs(UTM).centroid)
    assert ((shift > 100) & (shift < 1000)).all()  # GCJ-02 offsets are a few hundred metres


def test_html_map_inlines_a_local_leaflet(tmp_path, grids) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "leaflet.js").write_text("/* LOCAL-LEAFLET-JS */ var s = '</script>';")
    (dist / "leaflet.css").write_text("/* LOCAL-LEAFLET-CSS */")
    text = to_html_map({"grids": grids}, tmp_path / "m.html", leaflet_dist=dist).read_text()
    assert "LOCAL-LEAFLET-JS" in text and "LOCAL-LEAFLET-CSS" in text
    assert not re.findall(r'<(?:script|link)[^>]*(?:src|href)="https?://', text)  # no CDN at all
    assert text.count("</script>") == text.count("<script")  # the inlined '</script>' was escaped
    assert "&quot;leaflet&quot;: &quot;inlined&quot;" in text
    cdn = to_html_map({"grids": grids}, tmp_path / "c.html", leaflet_dist=None).read_text()
    assert re.search(r'<script src="https://[^"]+leaflet\.js"', cdn) and "&quot;cdn&quot;" in cdn


def test_html_map_with_the_pinned_leaflet_is_offline(tmp_path, grids) -> None:
    from geo.output.export import LEAFLET_DIST

    if not (LEAFLET_DIST / "leaflet.js").is_file():
        pytest.skip(f"no local Leaflet in {LEAFLET_DIST} (run `make assets`)")
    text = to_html_map({"grids": grids}, tmp_path / "m.html").read_text()
    assert "L.map(" in text and "Leaflet" in text
    assert not re.findall(r'<(?:script|link)[^>]*(?:src|href)="https?://', text)


def test_long_codes_are_not_taken_for_personal_data(grids) -> None:
    codes = grids.assign(
        grid_id=["320211007001000123", "13812345678"],  # own id column: kept
        parcel_code=["320211007001000123", "320211007001000124"],  # not a birth date
        holder_id=["320211198512310018", "-"],
    )  # a real-looking resident ID
    clean, dropped = drop_personal_fields(codes)
    assert dropped == ["holder_id"]
    assert clean["grid_id"].tolist() == ["320211007001000123", "13812345678"]


# --------------------------------------------------------------------------- hostile text


def test_html_map_escapes_every_user_text(tmp_path, grids) -> None:
    from tests.hostile._markup import BACKTICK, COLUMN, IMG, SCRIPT, assert_no_live_markup

    hostile = grids[["grid_id", "name", "geometry"]].assign(
        name=[IMG, SCRIPT], grid_id=[BACKTICK, "g2"]
    )
    hostile[COLUMN] = [IMG, ["<script>alert(2)</script>", 1]]
    page = to_html_map(
        {"grids": hostile, IMG: grids},
        tmp_path / "m.html",
        title=SCRIPT,
        metadata=make_metadata(IMG),
    ).read_text(encoding="utf-8")
    assert_no_live_markup(page)
    decoded = page.replace("\\u0026", "&")
    assert "&lt;img src=x onerror=alert(1)&gt;" in decoded  # tooltip value, layer name
    assert "&lt;svg onload=alert(5)&gt;" in decoded  # column as tooltip label
    assert "&#96;+alert(3)+&#96;&#36;{alert(4)}" in decoded  # template-literal breakers
    assert "<title>&lt;script&gt;alert(2)&lt;/script&gt;</title>" in page


def test_html_map_keeps_numbers_as_numbers(tmp_path, grids) -> None:
    page = to_html_map({"grids": grids}, tmp_path / "m.html").read_text(encoding="utf-8")
    assert '"households": 320' in page and '"locked": true' in page


# --------------------------------------------------------------------------- temporary files


def _temps(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".tmp" in p.name)


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "csv", "html"])
def test_failed_export_leaves_no_temporary_file(tmp_path, grids, monkeypatch, fmt) -> None:
    import geo.output.export as ex

    def broken(*_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr(ex.os, "replace", broken)  # fails after the temp file is written
    writers = {
        "geojson": lambda: write_geojson(grids, tmp_path / "g.geojson"),
        "gpkg": lambda: to_gpkg({"grids": grids}, tmp_path / "g.gpkg"),
        "csv": lambda: to_csv_tables({"grids": grids}, tmp_path),
        "html": lambda: to_html_map({"grids": grids}, tmp_path / "g.html"),
    }
    with pytest.raises(OSError, match="disk full"):
        writers[fmt]()
    assert list(tmp_path.iterdir()) == []


def test_gpkg_failing_mid_layers_leaves_no_temporary_file(tmp_path, grids, monkeypatch) -> None:
    import pyogrio

    real = pyogrio.write_dataframe

    def fail_on_metadata(df, path, *, layer, **kw):
        if layer == "metadata":
            raise RuntimeError("killed")
        return real(df, path, layer=layer, **kw)

    monkeypatch.setattr(pyogrio, "write_dataframe", fail_on_metadata)
    with pytest.raises(RuntimeError, match="killed"):
        to_gpkg({"grids": grids, "more": grids}, tmp_path / "g.gpkg")
    assert list(tmp_path.iterdir()) == []


def _dead_pid() -> int:
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(proc.stdout)


def test_stale_temporary_files_of_dead_processes_are_swept(tmp_path, grids) -> None:
    dead, alive = _dead_pid(), os.getppid()
    stale = [
        tmp_path / f".g.geojson.{dead}-00.tmp",
        tmp_path / f".g.gpkg.{dead}-00.tmp.gpkg",
        tmp_path / f".g.gpkg.{dead}-00.tmp.gpkg-journal",
    ]
    running = tmp_path / f".g.geojson.{alive}-00.tmp"  # another export still writing
    for p in [*stale, running]:
        p.write_bytes(b"partial")
    write_geojson(grids, tmp_path / "g.geojson")
    to_gpkg({"grids": grids}, tmp_path / "g.gpkg")
    assert _temps(tmp_path) == [running.name]


def test_export_killed_with_sigkill_is_cleaned_by_the_next_run(tmp_path, grids) -> None:
    """A real SIGKILL between writing the temporary file and renaming it."""
    import signal
    import subprocess
    import sys
    import time

    grids.to_file(tmp_path / "in.gpkg")
    code = (
        "import os, sys, time, geopandas as gpd, geo.output.export as ex\n"
        "ex.os.replace = lambda *a: (print('written', flush=True), time.sleep(60))\n"
        f"ex.write_geojson(gpd.read_file(r'{tmp_path / 'in.gpkg'}'), r'{tmp_path / 'g.geojson'}')\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "written"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        proc.kill()
    for _ in range(50):  # the pid is gone once the child is reaped
        if _temps(tmp_path):
            break
        time.sleep(0.1)
    assert len(_temps(tmp_path)) == 1  # what a killed export leaves behind
    write_geojson(grids, tmp_path / "g.geojson")
    assert _temps(tmp_path) == []


def test_metadata_lists_columns_dropped_at_load_and_at_export(tmp_path, members_layer) -> None:
    from types import SimpleNamespace

    from geo.errors import Problem
    from geo.output.export import DROPPED_AT_LOAD, personal_fields_dropped_at_load

    layers = SimpleNamespace(
        problems=(
            Problem(
                "estates",
                "column(s) `姓名`, `id_card` look like personal data (names, ID or phone "
                "numbers) and were dropped at load time; gridplan keeps counts only.",
                "remove them",
                severity="warning",
            ),
            Problem("estates", "`a` repaired", "none", severity="warning"),
        )
    )
    at_load = personal_fields_dropped_at_load(layers)
    assert at_load == {"estates": ["姓名", "id_card"]}
    meta = make_metadata("p", 1, **{DROPPED_AT_LOAD: at_load})
    clean = members_layer.drop(columns=drop_personal_fields(members_layer)[1])
    doc = json.loads(to_geojson(clean, metadata=meta))
    assert doc["metadata"]["personal_fields_dropped"] == ["姓名", "id_card"]
    to_gpkg({"grids": members_layer}, tmp_path / "g.gpkg", meta)
    table = pyogrio.read_dataframe(tmp_path / "g.gpkg", layer="metadata")
    value = json.loads(table.set_index("key").loc["personal_fields_dropped", "value"])
    assert value["estates"] == ["姓名", "id_card"] and value["grids"]
