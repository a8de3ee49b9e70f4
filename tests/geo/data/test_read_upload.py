"""geo.data.io.read_upload: one uploaded layer read on the CLI's read_layer path (checks, datum
conversion, messages), as the app's plan-in-force upload uses it."""

from __future__ import annotations

import io
import zipfile

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.data.crs import wgs84_to_gcj02
from geo.data.io import read_layer, read_upload
from geo.errors import ValidationError


def _grids_geojson() -> bytes:
    frame = gpd.GeoDataFrame(
        {"grid_id": ["G1", "G2"], "name": ["一", "二"]},
        geometry=[
            shapely.box(120.30, 31.50, 120.31, 31.51),
            shapely.box(120.31, 31.50, 120.32, 31.51),
        ],
        crs=4326,
    )
    return frame.to_json().encode("utf-8")


def test_same_frame_as_read_layer(tmp_path) -> None:
    data = _grids_geojson()
    (tmp_path / "g.geojson").write_bytes(data)
    got = read_upload(data, "g.geojson", "other_grids", datum="WGS84")
    want = read_layer(tmp_path / "g.geojson", "other_grids", datum="WGS84")
    assert got.to_json() == want.to_json()
    assert list(got["grid_id"]) == ["G1", "G2"]


def test_gcj02_upload_is_converted_to_wgs84() -> None:
    wgs = gpd.read_file(io.BytesIO(_grids_geojson()))
    gcj = wgs.copy()
    gcj.geometry = shapely.transform(
        wgs.geometry.values, lambda xy: np.column_stack(wgs84_to_gcj02(xy[:, 0], xy[:, 1]))
    )
    got = read_upload(gcj.to_json().encode("utf-8"), "amap.geojson", "other_grids", datum="GCJ-02")
    # the engine's inverse is iterative: back within a few centimetres (1e-6 deg ~ 0.1 m)
    for a, b in zip(got.geometry, wgs.geometry, strict=True):
        assert shapely.hausdorff_distance(a, b) < 1e-6


def test_refused_upload_names_the_layer_and_file() -> None:
    with pytest.raises(ValidationError) as err:
        read_upload(b"not a shapefile zip", "grids.exe", "other_grids")
    (problem,) = err.value.problems
    assert problem.layer == "other_grids"
    assert "grids.exe" in str(problem)


def test_zipped_shapefile(tmp_path) -> None:
    frame = gpd.read_file(io.BytesIO(_grids_geojson()))
    frame.to_file(tmp_path / "g.shp")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for p in tmp_path.glob("g.*"):
            zf.write(p, p.name)
    got = read_upload(buf.getvalue(), "g.zip", "other_grids", datum="WGS84")
    assert list(got["grid_id"]) == ["G1", "G2"]
