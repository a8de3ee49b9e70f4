"""geo.data.io: loading formats, aliases, reprojection and every validation problem.

All data is hand-built here: two 1 km x 1 km communities near Wuxi and a few estates.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, Point, Polygon, box

from geo.data.crs import wgs84_to_bd09, wgs84_to_gcj02
from geo.data.io import load_layers, read_layer, validation_report
from geo.data.schema import Layers
from geo.errors import ValidationError

X0, Y0, D = 120.30, 31.48, 0.01  # lon, lat of the south-west corner; ~1 km cells


def communities(**extra) -> gpd.GeoDataFrame:
    data = {"community_id": ["c1", "c2"], "name": ["甲社区", "乙社区"], **extra}
    return gpd.GeoDataFrame(
        data,
        geometry=[box(X0, Y0, X0 + D, Y0 + D), box(X0 + D, Y0, X0 + 2 * D, Y0 + D)],
        crs="EPSG:4326",
    )


def estates(**extra) -> gpd.GeoDataFrame:
    data = {
        "estate_id": ["e1", "e2", "e3"],
        "households": [300, 200, 150],
        "party_members": [20, 10, 5],
        **extra,
    }
    geoms = [
        box(X0 + 0.001, Y0 + 0.001, X0 + 0.004, Y0 + 0.004),
        box(X0 + 0.012, Y0 + 0.001, X0 + 0.014, Y0 + 0.003),
        box(X0 + 0.005, Y0 + 0.005, X0 + 0.008, Y0 + 0.008),
    ]
    return gpd.GeoDataFrame(data, geometry=geoms, crs="EPSG:4326")


def facilities() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"facility_id": [1, 2], "level": ["社区级", "post"]},
        geometry=[Point(X0 + 0.002, Y0 + 0.002), Point(X0 + 0.015, Y0 + 0.005)],
        crs="EPSG:4326",
    )


def write(folder: Path, **frames: gpd.GeoDataFrame) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, gdf in frames.items():
        gdf.to_file(folder / f"{name}.geojson", driver="GeoJSON")
    return folder


def load_error(folder: Path, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        load_layers(folder, **kwargs)
    return info.value


# --- formats -------------------------------------------------------------------------------------


def test_geojson_folder_loads_into_one_metric_crs(tmp_path):
    layers = load_layers(
        write(tmp_path, communities=communities(), estates=estates(), facilities=facilities())
    )
    assert isinstance(layers, Layers)
    assert layers.crs.to_epsg() == 4549  # CGCS2000 Gauss-Kruger CM 120E around Wuxi
    for gdf in (layers.communities, layers.estates, layers.facilities):
        assert gdf.crs == layers.crs
    assert list(layers.estates["community_id"]) == ["c1", "c2", "c1"]
    assert list(layers.estates["residents"]) == [786, 524, 393]  # households x 2.62, rounded
    assert layers.facilities["facility_id"].tolist() == ["1", "2"]
    assert layers.facilities["level"].tolist() == ["community", "post"]
    assert layers.estates["households"].dtype == np.int64
    # areas survive reprojection: 0.003 deg x 0.003 deg ~ 285 m x 333 m
    assert 80_000 < layers.estates.area.iloc[0] < 105_000
    fields = {(p.layer, p.field) for p in layers.problems}
    assert ("estates", "residents") in fields and ("estates", "community_id") in fields


def test_geopackage_with_named_layers(tmp_path):
    path = tmp_path / "data.gpkg"
    communities().to_file(path, layer="communities", driver="GPKG")
    estates().to_file(path, layer="小区", driver="GPKG")
    layers = load_layers(path)
    assert len(layers.communities) == 2 and len(layers.estates) == 3
    assert layers.estates["estate_id"].tolist() == ["e1", "e2", "e3"]


def test_mapping_source_and_layer_subset(tmp_path):
    write(tmp_path, communities=communities(), estates=estates(), facilities=facilities())
    layers = load_layers(
        {
            "communities": tmp_path / "communities.geojson",
            "estates": tmp_path / "estates.geojson",
            "facilities": tmp_path / "facilities.geojson",
        },
        layers=["communities", "estates"],
    )
    assert layers.facilities is None


def test_network_path_found_beside_layers(tmp_path):
    write(tmp_path, communities=communities(), estates=estates())
    (tmp_path / "walk.graphml").write_text("<graphml/>")
    assert load_layers(tmp_path).network_path == tmp_path / "walk.graphml"


def test_validation_report_clean(tmp_path):
    text = validation_report(
        load_layers(write(tmp_path, communities=communities(), estates=estates()))
    )
    assert text.startswith("OK: layers loaded into EPSG:4549")
    assert "[estates] 3 feature(s) (650 households, 35 party_members" in text


# --- problems ------------------------------------------------------------------------------------


def test_negative_count_and_duplicate_id_reported_together(tmp_path):
    bad = estates(households=[300, -3, 150], estate_id=["e1", "e2", "e1"])
    err = load_error(write(tmp_path, communities=communities(), estates=bad))
    assert "`households` is negative" in str(err)
    assert "duplicate `estate_id` values: `e1`" in str(err)
    text = validation_report(err)
    assert text.startswith("FAILED: 2 error(s)")
    assert "feature `e2` (-3), field `households`" in text


def problems_of(err: ValidationError, layer: str) -> str:
    return "\n".join(str(p) for p in err.problems if p.layer == layer)


SHAPEFILE_WARNINGS = (
    pytest.mark.filterwarnings("ignore:Column names longer than 10:UserWarning"),
    pytest.mark.filterwarnings("ignore:Normalized/laundered field name:RuntimeWarning"),
    pytest.mark.filterwarnings("ignore:'crs' was not provided:UserWarning"),
)


def shapefile_warnings(fn):
    for mark in SHAPEFILE_WARNINGS:
        fn = mark(fn)
    return fn


@shapefile_warnings
def test_zipped_shapefiles_one_per_layer_and_one_archive(tmp_path):
    shp = tmp_path / "shp"
    shp.mkdir()
    communities().to_file(shp / "communities.shp", encoding="utf-8")
    estates(community_id=["c1", "c2", "c1"]).to_file(shp / "estates.shp", encoding="utf-8")
    import zipfile

    per_layer = tmp_path / "per_layer"
    per_layer.mkdir()
    for name in ("communities", "estates"):
        with zipfile.ZipFile(per_layer / f"{name}.zip", "w") as zf:
            for f in shp.glob(f"{name}.*"):
                zf.write(f, f"export/{f.name}")  # inside a folder, as GIS tools often do
    layers = load_layers(per_layer)
    # dBase cuts column names at 10 characters: party_memb / community_ are mapped back
    assert layers.aliases["estates"] == {
        "party_memb": "party_members",
        "community_": "community_id",
    }
    assert layers.communities["name"].tolist() == ["甲社区", "乙社区"]
    assert layers.estates["party_members"].tolist() == [20, 10, 5]

    archive = tmp_path / "dataset.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in shp.iterdir():
            zf.write(f, f"dataset/{f.name}")
    assert load_layers(archive).estates["community_id"].tolist() == ["c1", "c2", "c1"]


def test_aliases_chinese_and_english_any_case(tmp_path):
    comm = (
        communities()
        .rename(columns={"community_id": "社区编号", "name": "社区"})
        .assign(街道=["太湖街道"] * 2)
    )
    est = (
        estates()
        .rename(columns={"estate_id": "ID", "households": "HH", "party_members": "Party_Members"})
        .assign(所属社区=["c1", "c2", "c1"], 常住人口=[800, 500, 400], 名称=["A", "B", "C"])
    )
    layers = load_layers(write(tmp_path, communities=comm, estates=est))
    assert layers.aliases["communities"] == {
        "社区编号": "community_id",
        "社区": "name",
        "街道": "street",
    }
    assert layers.aliases["estates"] == {
        "ID": "estate_id",
        "HH": "households",
        "Party_Members": "party_members",
        "所属社区": "community_id",
        "常住人口": "residents",
        "名称": "name",
    }
    assert list(layers.estates.columns[:6]) == [
        "estate_id",
        "households",
        "party_members",
        "name",
        "community_id",
        "residents",
    ]
    assert layers.estates["residents"].tolist() == [800, 500, 400]
    assert "columns mapped: 户数" not in validation_report(layers)
    assert "HH -> households" in validation_report(layers)


def test_two_columns_with_one_meaning_is_an_error(tmp_path):
    est = estates().drop(columns="households").assign(户数=[1, 2, 3], 住户数=[1, 2, 3])
    err = load_error(write(tmp_path, communities=communities(), estates=est))
    assert "columns `户数`, `住户数` all mean `households`" in str(err)


def test_personal_fields_dropped_and_reported(tmp_path):
    est = estates(
        姓名=["张三", "李四", "王五"],
        身份证号=["1", "2", "3"],
        phone=["1", "2", "3"],
        id_card=["x", "y", "z"],
        联系电话=["1", "2", "3"],
        name=["A", "B", "C"],
    )
    layers = load_layers(write(tmp_path, communities=communities(), estates=est))
    assert set(layers.estates.columns) >= {"estate_id", "households", "party_members", "name"}
    assert not {"姓名", "身份证号", "phone", "id_card", "联系电话"} & set(layers.estates.columns)
    msg = next(p for p in layers.problems if "personal data" in p.message)
    assert msg.severity == "warning" and "`身份证号`" in msg.message and "`id_card`" in msg.message


#: Column names and values the loader and the exporter must judge alike: personal by name
#: (Chinese, English, spaced), by value (phone, resident ID), and lookalikes that are not.
_PERSONAL_PROBES = {
    "姓名": ["张三", "李四", "王五"],
    "Contact Phone": ["1", "2", "3"],
    "e-mail": ["a", "b", "c"],
    "sex": ["m", "f", "m"],
    "出生日期": ["1990", "1991", "1992"],
    "住址": ["x", "y", "z"],
    "备注": ["ok", "call 13812345678", ""],
    "note": ["320211199001011234", "", ""],
    "remark": ["code 320211007001001", "13 units", "ok"],
    "person_count": [1, 2, 3],
    "hotel_count": [0, 1, 2],
    "telemetry": ["a", "b", "c"],
    "name": ["甲", "乙", "丙"],
}


def test_loader_and_export_drop_the_same_personal_columns(tmp_path):
    from geo.output.export import drop_personal_fields as export_drop

    est = estates(**_PERSONAL_PROBES)
    _, export_dropped = export_drop(est)
    layers = load_layers(write(tmp_path, communities=communities(), estates=est))
    load_dropped = [c for c in est.columns if c not in layers.estates.columns]
    assert set(load_dropped) == set(export_dropped)
    assert set(export_dropped) == {
        "姓名",
        "Contact Phone",
        "e-mail",
        "sex",
        "出生日期",
        "住址",
        "备注",
        "note",
    }
    assert not set(export_drop(layers.estates)[1])  # nothing personal is left after loading


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda e: e.drop(columns="households"), r"required field `households` is missing"),
        (
            lambda e: e.assign(households=["300", "many", 150]),
            r"feature `e2` \('many'\), field `households`: `households` is not a number",
        ),
        (
            lambda e: e.assign(party_members=[1.0, np.nan, 3.0]),
            r"feature `e2`, field `party_members`: `party_members` is missing \(empty or NaN\)",
        ),
        (
            lambda e: e.assign(households=[300, -5, 150]),
            r"feature `e2` \(-5\).*`households` is negative",
        ),
        (lambda e: e.assign(households=[300.5, 1, 2]), r"`households` is not a whole number"),
        (lambda e: e.assign(estate_id=["e1", "e1", "e3"]), r"duplicate `estate_id` values: `e1`"),
        (
            lambda e: e.assign(estate_id=["e1", None, "e3"]),
            r"row 2, field `estate_id`: `estate_id` is empty",
        ),
        (
            lambda e: e.set_geometry([e.geometry[0], None, e.geometry[2]]),
            r"feature `e2`: geometry is empty or missing",
        ),
        # points are estates too (issue 13); a line is not
        (
            lambda e: e.set_geometry(
                [
                    e.geometry[0],
                    LineString([(X0 + 0.013, Y0 + 0.002), (X0 + 0.014, Y0 + 0.002)]),
                    e.geometry[2],
                ]
            ),
            r"feature `e2` \('LineString'\): geometry type is not one of Polygon, MultiPolygon, Point",
        ),
        (
            lambda e: e.set_geometry(
                [e.geometry[0], box(X0 + 0.05, Y0, X0 + 0.06, Y0 + 0.01), e.geometry[2]]
            ),
            r"feature `e2`: the estate lies outside every community",
        ),
        (
            lambda e: e.assign(community_id=["c1", "c9", "c1"]),
            r"feature `e2` \('c9'\), field `community_id`: `community_id` is not a community",
        ),
    ],
)
def test_each_estate_problem_is_named(tmp_path, change, match):
    with pytest.raises(ValidationError, match=match):
        load_layers(write(tmp_path, communities=communities(), estates=change(estates())))


def test_every_problem_of_every_layer_in_one_error(tmp_path):
    comm = communities(community_id=["c1", "c1"])
    est = estates(households=[300, -1, "x"])
    fac = facilities().assign(level=["city", "post"])
    err = load_error(write(tmp_path, communities=comm, estates=est, facilities=fac))
    assert "duplicate `community_id`" in problems_of(err, "communities")
    assert "negative" in problems_of(err, "estates") and "not a number" in problems_of(
        err, "estates"
    )
    assert "`level` is empty or unknown" in problems_of(err, "facilities")
    report = validation_report(err)
    assert report.index("[communities]") < report.index("[estates]") < report.index("[facilities]")


def test_invalid_geometry_repaired_and_reported(tmp_path):
    bowtie = Polygon(
        [
            (X0 + 0.001, Y0 + 0.001),
            (X0 + 0.004, Y0 + 0.004),
            (X0 + 0.004, Y0 + 0.001),
            (X0 + 0.001, Y0 + 0.004),
        ]
    )
    est = estates().set_geometry([bowtie, *estates().geometry[1:]])
    layers = load_layers(write(tmp_path, communities=communities(), estates=est))
    assert layers.estates.geometry.is_valid.all()
    assert layers.estates.geometry.iloc[0].geom_type == "MultiPolygon"
    repaired = [p for p in layers.problems if "make_valid" in p.message]
    assert repaired and repaired[0].severity == "warning" and "`e1`" in repaired[0].feature
    assert "Self-intersection" in repaired[0].feature


def test_wrong_geometry_for_facilities(tmp_path):
    fac = facilities().set_geometry([LineString([(X0, Y0), (X0 + 0.001, Y0)]), Point(X0, Y0)])
    with pytest.raises(ValidationError, match=r"layer `facilities`, feature `1` \('LineString'\)"):
        load_layers(write(tmp_path, communities=communities(), estates=estates(), facilities=fac))


def test_empty_layers(tmp_path):
    err = load_error(write(tmp_path, communities=communities(), estates=estates().iloc[0:0]))
    assert "layer `estates`: the layer has no features." in str(err)
    layers = load_layers(
        write(
            tmp_path / "b",
            communities=communities(),
            estates=estates(),
            facilities=facilities().iloc[0:0],
        )
    )
    assert layers.facilities is None
    assert any(p.layer == "facilities" and "ignored" in p.message for p in layers.problems)


def test_missing_required_layer(tmp_path):
    with pytest.raises(ValidationError, match=r"the required layer `estates` was not found"):
        load_layers(write(tmp_path, communities=communities()))


@shapefile_warnings
def test_layer_without_crs_needs_a_declared_datum(tmp_path):
    communities().set_crs(None, allow_override=True).to_file(tmp_path / "communities.shp")
    estates().to_file(tmp_path / "estates.geojson")
    with pytest.raises(ValidationError, match=r"layer `communities`: the layer has no CRS"):
        load_layers(tmp_path)
    assert load_layers(tmp_path, datum="WGS84").crs.to_epsg() == 4549


def test_swapped_axes_detected(tmp_path):
    swapped = estates().set_geometry(
        estates().geometry.map(lambda g: Polygon([(y, x) for x, y in g.exterior.coords]))
    )
    with pytest.raises(ValidationError, match=r"longitude and latitude look swapped"):
        load_layers(write(tmp_path, communities=communities(), estates=swapped))


def test_projected_metres_declared_as_degrees(tmp_path):
    metric = {"communities": communities().to_crs(32651), "estates": estates().to_crs(32651)}
    lying = {k: g.set_crs(4326, allow_override=True) for k, g in metric.items()}
    write(tmp_path, **lying)
    with pytest.raises(ValidationError, match=r"look like projected metres declared as degrees"):
        load_layers(tmp_path)
    layers = load_layers(tmp_path, datum="EPSG:32651")
    assert layers.crs.to_epsg() == 32651
    assert layers.estates.area.iloc[0] == pytest.approx(metric["estates"].area.iloc[0])


def test_degrees_declared_as_metres(tmp_path):
    write(tmp_path, communities=communities(), estates=estates())
    with pytest.raises(ValidationError, match=r"look like degrees declared as metres"):
        load_layers(tmp_path, datum="EPSG:32651")


def test_projected_file_crs_conflicting_with_declared_datum(tmp_path):
    write(tmp_path, communities=communities().to_crs(32651), estates=estates().to_crs(32651))
    with pytest.raises(
        ValidationError, match=r"file says its CRS is EPSG:32651 but the declared datum is GCJ-02"
    ):
        load_layers(tmp_path, datum="GCJ-02")
    assert load_layers(tmp_path).crs.to_epsg() == 32651
    with pytest.raises(
        ValidationError,
        match=r"file says its CRS is EPSG:32651 but the declared datum is EPSG:4549",
    ):
        load_layers(tmp_path, datum="EPSG:4549")
    # a geographic datum (the app's default WGS84) gives way to a projected file CRS, with a warning
    layers = load_layers(tmp_path, datum="WGS84")
    assert layers.crs.to_epsg() == 32651
    assert any("declared datum WGS84 was not applied" in p.message for p in layers.problems)


@pytest.mark.parametrize(
    ("datum", "forward"), [("GCJ-02", wgs84_to_gcj02), ("BD-09", wgs84_to_bd09)]
)
def test_offset_datums_converted_to_wgs84(tmp_path, datum, forward):
    est = estates()
    shifted = est.set_geometry(
        est.geometry.map(
            lambda g: Polygon(np.column_stack(forward(*np.asarray(g.exterior.coords).T)))
        )
    )
    shifted.to_file(tmp_path / "estates.geojson")
    as_is = read_layer(tmp_path / "estates.geojson", "estates")
    converted = read_layer(tmp_path / "estates.geojson", "estates", datum=datum)
    assert converted.crs.to_epsg() == 4326
    truth = est.to_crs(32651).geometry
    shift_m = as_is.to_crs(32651).centroid.distance(truth.centroid)
    error_m = converted.to_crs(32651).centroid.distance(truth.centroid)
    assert shift_m.min() > 300 and error_m.max() < 0.5


def test_cgcs2000_gets_the_gauss_kruger_zone(tmp_path):
    write(tmp_path, communities=communities(), estates=estates())
    layers = load_layers(tmp_path, datum="CGCS2000")
    assert layers.crs.to_epsg() == 4549


def test_read_layer_returns_canonical_columns_and_raises(tmp_path):
    est = estates().rename(columns={"households": "户数"})
    est.to_file(tmp_path / "e.geojson")
    gdf = read_layer(tmp_path / "e.geojson", "estates")
    assert {"estate_id", "households", "party_members"} <= set(gdf.columns)
    assert gdf.crs.to_epsg() == 4326
    with pytest.raises(ValueError, match="`layer` must be one of"):
        read_layer(tmp_path / "e.geojson", "roads")
    (tmp_path / "broken.geojson").write_text("{not json")
    with pytest.raises(ValidationError, match=r"cannot read `broken.geojson`"):
        read_layer(tmp_path / "broken.geojson", "estates")


def test_inputs_are_not_mutated(tmp_path):
    est = estates().rename(columns={"households": "户数"})
    before = est.copy()
    est.to_file(tmp_path / "estates.geojson")
    communities().to_file(tmp_path / "communities.geojson")
    load_layers(tmp_path)
    assert est.equals(before)


def test_overlapping_communities_warned(tmp_path):
    comm = communities().set_geometry(
        [box(X0, Y0, X0 + D, Y0 + D), box(X0 + 0.009, Y0, X0 + 2 * D, Y0 + D)]
    )
    layers = load_layers(write(tmp_path, communities=comm, estates=estates()))
    overlap = [p for p in layers.problems if "overlap" in p.message]
    assert len(overlap) == 1 and overlap[0].layer == "communities"
    assert "`c1` and `c2`" in overlap[0].message


def test_community_given_by_name(tmp_path):
    est = estates().assign(所属社区=["甲社区", "乙社区", "c1"])
    layers = load_layers(write(tmp_path, communities=communities(), estates=est))
    assert layers.estates["community_id"].tolist() == ["c1", "c2", "c1"]
    named = [p for p in layers.problems if "named the community" in p.message]
    assert named and named[0].feature == "`e1`, `e2`"


@shapefile_warnings
def test_gbk_shapefile_without_cpg(tmp_path):
    est = estates().assign(名称=["太湖国际", "信成花园", "玖玖城"])
    est.to_file(tmp_path / "estates.shp", encoding="GBK")
    (tmp_path / "estates.cpg").unlink(missing_ok=True)
    communities().to_file(tmp_path / "communities.geojson")
    assert not (tmp_path / "estates.cpg").exists()
    layers = load_layers(tmp_path)
    assert layers.estates["name"].tolist() == ["太湖国际", "信成花园", "玖玖城"]


def buildings(**extra) -> gpd.GeoDataFrame:
    data = {"building_id": ["b1", "b2", "b3"], "households": [200, 100, 150], **extra}
    geoms = [
        box(X0 + 0.0015, Y0 + 0.0015, X0 + 0.002, Y0 + 0.002),
        box(X0 + 0.003, Y0 + 0.003, X0 + 0.0035, Y0 + 0.0035),
        box(X0 + 0.0125, Y0 + 0.0015, X0 + 0.013, Y0 + 0.002),
    ]
    return gpd.GeoDataFrame(data, geometry=geoms, crs="EPSG:4326")


def test_buildings_linked_and_checked(tmp_path):
    layers = load_layers(
        write(tmp_path, communities=communities(), estates=estates(), buildings=buildings())
    )
    assert layers.buildings["estate_id"].tolist() == ["e1", "e1", "e2"]
    mismatch = [p for p in layers.problems if "do not add up" in p.message]
    assert [p.feature for p in mismatch] == ["`e2` (200 vs buildings 150)"]
    with pytest.raises(
        ValidationError,
        match=r"feature `b3` \('e9'\), field `estate_id`: `estate_id` is not an estate",
    ):
        load_layers(
            write(
                tmp_path / "b",
                communities=communities(),
                estates=estates(),
                buildings=buildings(estate_id=["e1", "e1", "e9"]),
            )
        )


def test_building_far_outside_its_stated_estate_is_an_error(tmp_path):
    # b3 names e1 but lies in e2, about 1 km away: a layer in another datum looks like this
    err = load_error(
        write(
            tmp_path,
            communities=communities(),
            estates=estates(),
            buildings=buildings(estate_id=["e1", "e1", "e1"]),
        )
    )
    text = problems_of(err, "buildings")
    assert re.search(r"feature `b3` \(\d{3,4} m\).*outside the estate its `estate_id` names", text)
    assert "--datum buildings=GCJ-02" in text and "`b1`" not in text


def test_z_coordinates_dropped(tmp_path):
    est = estates()
    est3d = est.set_geometry(
        est.geometry.map(lambda g: Polygon([(x, y, 12.0) for x, y in g.exterior.coords]))
    )
    layers = load_layers(write(tmp_path, communities=communities(), estates=est3d))
    assert not layers.estates.geometry.has_z.any()


def test_estate_in_another_community_warned(tmp_path):
    layers = load_layers(
        write(tmp_path, communities=communities(), estates=estates(community_id=["c1", "c1", "c1"]))
    )
    elsewhere = [p for p in layers.problems if "another community" in p.message]
    assert [p.feature for p in elsewhere] == ["`e2` (c1 vs c2)"]
    assert layers.estates["community_id"].tolist() == ["c1", "c1", "c1"]  # as stated, not moved


def test_unknown_layer_names_refused(tmp_path):
    with pytest.raises(ValueError, match=r"`layers` must name layers among"):
        load_layers(write(tmp_path, communities=communities(), estates=estates()), layers=["roads"])
    with pytest.raises(ValidationError, match=r"layer `roads`: unknown layer name `roads`"):
        load_layers(
            {
                "communities": tmp_path / "communities.geojson",
                "estates": tmp_path / "estates.geojson",
                "roads": tmp_path / "x.geojson",
            }
        )
    with pytest.raises(ValidationError, match=r"is one file, not a dataset"):
        load_layers(tmp_path / "estates.geojson")


def edge_estates() -> gpd.GeoDataFrame:
    """Ten estates along the southern edge of the communities (within ~100 m of it)."""
    geoms = [
        box(X0 + 0.0005 + 0.0019 * i, Y0 + 0.0008, X0 + 0.0015 + 0.0019 * i, Y0 + 0.0014)
        for i in range(10)
    ]
    return gpd.GeoDataFrame(
        {
            "estate_id": [f"e{i}" for i in range(10)],
            "households": [100] * 10,
            "party_members": [5] * 10,
        },
        geometry=geoms,
        crs="EPSG:4326",
    )


def test_datum_mismatch_between_layers_is_explained(tmp_path):
    est = edge_estates()
    gcj = est.set_geometry(
        est.geometry.map(
            lambda g: Polygon(np.column_stack(wgs84_to_gcj02(*np.asarray(g.exterior.coords).T)))
        )
    )
    write(tmp_path, communities=communities(), estates=gcj)
    err = load_error(tmp_path)
    hint = [p for p in err.problems if "offset datum" in p.message]
    assert len(hint) == 1
    assert "estates look like GCJ-02" in hint[0].message and hint[0].fix.endswith("estates=GCJ-02")
    layers = load_layers(tmp_path, datum={"estates": "GCJ-02"})
    assert layers.estates["community_id"].notna().all()
    # no hint when estates are simply misplaced
    far = est.set_geometry(est.geometry.translate(0.05, 0.05))
    err = load_error(write(tmp_path / "far", communities=communities(), estates=far))
    assert not [p for p in err.problems if "offset datum" in p.message]


def test_two_files_for_one_layer_warned(tmp_path):
    write(tmp_path, communities=communities(), estates=estates())
    estates().iloc[:2].to_file(tmp_path / "estates.gpkg", layer="estates", driver="GPKG")
    layers = load_layers(tmp_path)
    assert len(layers.estates) == 2  # .gpkg comes first in LAYER_EXTENSIONS
    assert any("both `estates.gpkg` and `estates.geojson`" in p.message for p in layers.problems)


def _save(fmt: str, folder: Path, frames: dict[str, gpd.GeoDataFrame]) -> Path:
    import zipfile

    folder.mkdir(parents=True, exist_ok=True)
    if fmt == "geojson":
        return write(folder, **frames)
    if fmt == "gpkg":
        for name, gdf in frames.items():
            gdf.to_file(folder / "data.gpkg", layer=name, driver="GPKG")
        return folder / "data.gpkg"
    with zipfile.ZipFile(folder / "data.zip", "w") as zf:
        for name, gdf in frames.items():
            gdf.to_file(folder / f"{name}.shp", encoding="utf-8")
            for f in folder.glob(f"{name}.*"):
                if f.suffix != ".zip":
                    zf.write(f, f.name)
    return folder / "data.zip"


@shapefile_warnings
@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "shpzip"])
def test_round_trip_keeps_values_and_geometry(tmp_path, fmt):
    frames = {
        "communities": communities(street=["太湖街道", "华庄街道"]),
        "estates": estates(community_id=["c1", "c2", "c1"], name=["甲", "乙", "丙"]),
        "facilities": facilities(),
    }
    layers = load_layers(_save(fmt, tmp_path, frames))
    for name, original in frames.items():
        back = layers.layer(name)
        assert len(back) == len(original)
        dist = back.geometry.hausdorff_distance(
            original.to_crs(back.crs).geometry.set_axis(back.index)
        )
        assert dist.max() < 0.01  # metres
    est = layers.estates
    assert est["households"].tolist() == [300, 200, 150]
    assert est["name"].tolist() == ["甲", "乙", "丙"]
    assert layers.communities["street"].tolist() == ["太湖街道", "华庄街道"]
    assert layers.facilities["level"].tolist() == ["community", "post"]


def test_community_code_preferred_over_community_name(tmp_path):
    est = estates().assign(所属社区=["甲社区", "乙社区", "甲社区"], 社区编号=["c1", "c2", "c1"])
    layers = load_layers(write(tmp_path, communities=communities(), estates=est))
    assert layers.aliases["estates"] == {"社区编号": "community_id"}
    assert layers.estates["community_id"].tolist() == ["c1", "c2", "c1"]
    assert "所属社区" in layers.estates.columns
    assert any("`社区编号` is used as `community_id`" in p.message for p in layers.problems)


def test_far_away_facility_warned(tmp_path):
    fac = facilities().set_geometry([Point(0.0, 0.0), Point(X0 + 0.015, Y0 + 0.005)])
    layers = load_layers(
        write(tmp_path, communities=communities(), estates=estates(), facilities=fac)
    )
    far = [p for p in layers.problems if "coordinates look wrong" in p.message]
    assert len(far) == 1 and far[0].feature.startswith("`1` (") and far[0].layer == "facilities"
