"""geo.io: loading formats, aliases, reprojection and every validation problem.

All data is hand-built here: two 1 km x 1 km communities near Wuxi and a few estates.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, box

from geo.errors import ValidationError
from geo.io import load_layers, validation_report
from geo.schema import Layers

X0, Y0, D = 120.30, 31.48, 0.01  # lon, lat of the south-west corner; ~1 km cells


def communities(**extra) -> gpd.GeoDataFrame:
    data = {"community_id": ["c1", "c2"], "name": ["甲社区", "乙社区"], **extra}
    return gpd.GeoDataFrame(data, geometry=[box(X0, Y0, X0 + D, Y0 + D),
                                            box(X0 + D, Y0, X0 + 2 * D, Y0 + D)], crs="EPSG:4326")


def estates(**extra) -> gpd.GeoDataFrame:
    data = {"estate_id": ["e1", "e2", "e3"], "households": [300, 200, 150],
            "party_members": [20, 10, 5], **extra}
    geoms = [box(X0 + 0.001, Y0 + 0.001, X0 + 0.004, Y0 + 0.004),
             box(X0 + 0.012, Y0 + 0.001, X0 + 0.014, Y0 + 0.003),
             box(X0 + 0.005, Y0 + 0.005, X0 + 0.008, Y0 + 0.008)]
    return gpd.GeoDataFrame(data, geometry=geoms, crs="EPSG:4326")


def facilities() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"facility_id": [1, 2], "level": ["社区级", "post"]},
                            geometry=[Point(X0 + 0.002, Y0 + 0.002), Point(X0 + 0.015, Y0 + 0.005)],
                            crs="EPSG:4326")


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
    layers = load_layers(write(tmp_path, communities=communities(), estates=estates(),
                               facilities=facilities()))
    assert isinstance(layers, Layers)
    assert layers.crs.to_epsg() == 32651  # UTM 51N around Wuxi
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
    layers = load_layers({"communities": tmp_path / "communities.geojson",
                          "estates": tmp_path / "estates.geojson",
                          "facilities": tmp_path / "facilities.geojson"},
                         layers=["communities", "estates"])
    assert layers.facilities is None


def test_network_path_found_beside_layers(tmp_path):
    write(tmp_path, communities=communities(), estates=estates())
    (tmp_path / "walk.graphml").write_text("<graphml/>")
    assert load_layers(tmp_path).network_path == tmp_path / "walk.graphml"


def test_validation_report_clean(tmp_path):
    text = validation_report(load_layers(write(tmp_path, communities=communities(),
                                               estates=estates())))
    assert text.startswith("OK: layers loaded into EPSG:32651")
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
