"""Fixtures of the app tests: a tiny hand-built district (two communities, a few estates)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

#: Origin of the tiny district, near the demo (southern Wuxi), degrees.
LON0, LAT0 = 120.33, 31.49
#: Degrees per ~100 m at that latitude.
DX, DY = 0.00105, 0.0009


def _cell(i: int, j: int, w: float = 1.0, h: float = 1.0):
    return box(LON0 + i * DX, LAT0 + j * DY, LON0 + (i + w) * DX, LAT0 + (j + h) * DY)


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two communities of 3x2 estates each (100 m squares), 3 facilities, WGS84 GeoJSON."""
    out = tmp_path_factory.mktemp("tiny")
    comms = gpd.GeoDataFrame(
        {"community_id": ["001", "002"], "name": ["甲社区", "乙社区"], "street": ["太湖街道"] * 2},
        geometry=[_cell(0, 0, 3, 2), _cell(3, 0, 3, 2)],
        crs="EPSG:4326",
    )
    rows = []
    for c, i0 in (("001", 0), ("002", 3)):
        for i in range(3):
            for j in range(2):
                n = len(rows)
                rows.append(
                    {
                        "estate_id": f"E{n:02d}",
                        "name": f"小区{n}",
                        "community_id": c,
                        "households": 120 + 10 * n,
                        "party_members": 5 + n,
                        "geometry": _cell(i0 + i, j).buffer(-DX * 0.1),
                    }
                )
    estates = gpd.GeoDataFrame(rows, crs="EPSG:4326")
    fac = gpd.GeoDataFrame(
        {
            "facility_id": ["F1", "F2", "F3"],
            "name": ["中心", "站", "驿站"],
            "level": ["community", "street", "post"],
        },
        geometry=[
            Point(LON0 + 0.5 * DX, LAT0 + 0.5 * DY),
            Point(LON0 + 4.5 * DX, LAT0 + 1.5 * DY),
            Point(LON0 + 2.0 * DX, LAT0 + 1.0 * DY),
        ],
        crs="EPSG:4326",
    )
    comms.to_file(out / "communities.geojson", driver="GeoJSON")
    estates.to_file(out / "estates.geojson", driver="GeoJSON")
    fac.to_file(out / "facilities.geojson", driver="GeoJSON")
    return out


@pytest.fixture(scope="session")
def tiny_layers(tiny_dir: Path):
    """The tiny district loaded by geo.data.io (metric CRS)."""
    from geo.data.io import load_layers

    return load_layers(tiny_dir)
