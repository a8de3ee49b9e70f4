"""GCJ-02 / BD-09 conversions against published pairs, round trips over China, zero offset abroad.

Published pairs:
- googollee/eviltransform, python/test.py (``TESTS``: WGS84 -> GCJ-02 for Shanghai, Shenzhen,
  Beijing; the library's own tests compare GCJ-02 -> WGS84 exact inverse to them too).
- wandergis/coordtransform, test/app.js (results printed for the input (116.404, 39.915):
  wgs84togcj02, gcj02tobd09, and bd09togcj02 / gcj02towgs84, which there are one-step
  approximate inverses, so they are compared to the iterated ones with a tolerance).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.data.crs import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    normalise_datum,
    out_of_china,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from geo.errors import CRSError

# wgs_lat, wgs_lon, gcj_lat, gcj_lon (eviltransform order: lat first)
EVILTRANSFORM = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]
M_PER_DEG = 111_320.0


def metres(lon_a, lat_a, lon_b, lat_b) -> np.ndarray:
    """Local flat-earth distance in metres (fine below 1 km)."""
    dx = (np.asarray(lon_a) - lon_b) * M_PER_DEG * np.cos(np.radians(lat_b))
    dy = (np.asarray(lat_a) - lat_b) * M_PER_DEG
    return np.hypot(dx, dy)


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), EVILTRANSFORM)
def test_wgs84_to_gcj02_published_pairs(wlat, wlon, glat, glon):
    lon, lat = wgs84_to_gcj02(wlon, wlat)
    assert lon == pytest.approx(glon, abs=1e-9)
    assert lat == pytest.approx(glat, abs=1e-9)
    back_lon, back_lat = gcj02_to_wgs84(glon, glat)
    assert metres(back_lon, back_lat, wlon, wlat) < 0.01


def test_coordtransform_pairs():
    # wandergis/coordtransform test/app.js, input (116.404, 39.915)
    assert np.allclose(
        wgs84_to_gcj02(116.404, 39.915), (116.41024449916938, 39.91640428150164), atol=1e-10, rtol=0
    )
    assert np.allclose(
        gcj02_to_bd09(116.404, 39.915), (116.41036949371029, 39.92133699351021), atol=1e-10, rtol=0
    )
    # their inverses are one-step approximations: ours agree within 0.1 m and are exact
    lon, lat = bd09_to_gcj02(116.404, 39.915)
    assert metres(lon, lat, 116.39762729119315, 39.90865673957631) < 0.1
    assert np.allclose(gcj02_to_bd09(lon, lat), (116.404, 39.915), atol=1e-9, rtol=0)
    lon, lat = gcj02_to_wgs84(116.404, 39.915)
    assert metres(lon, lat, 116.39775550083061, 39.91359571849836) < 0.5
    assert np.allclose(wgs84_to_gcj02(lon, lat), (116.404, 39.915), atol=1e-9, rtol=0)


def test_wuxi_offset_is_a_few_hundred_metres():
    lon, lat = wgs84_to_gcj02(120.33, 31.49)
    assert 300 < metres(lon, lat, 120.33, 31.49) < 700
    blon, blat = wgs84_to_bd09(120.33, 31.49)
    assert 800 < metres(blon, blat, 120.33, 31.49) < 1500


def china_grid() -> tuple[np.ndarray, np.ndarray]:
    lon, lat = np.meshgrid(np.linspace(73.0, 135.0, 63), np.linspace(3.0, 53.5, 51))
    return lon.ravel(), lat.ravel()


def test_round_trips_below_half_a_metre_over_china():
    lon, lat = china_grid()
    assert not out_of_china(lon, lat).any()
    gl, ga = wgs84_to_gcj02(lon, lat)
    assert metres(gl, ga, lon, lat).min() > 1.0  # the offset is real everywhere on the grid
    assert metres(*gcj02_to_wgs84(gl, ga), lon, lat).max() < 0.5
    bl, ba = wgs84_to_bd09(lon, lat)
    assert metres(*bd09_to_wgs84(bl, ba), lon, lat).max() < 0.5
    assert metres(*bd09_to_gcj02(*gcj02_to_bd09(gl, ga)), gl, ga).max() < 0.5


def test_one_step_inverse_is_worse_than_iterated():
    lon, lat = china_grid()
    gl, ga = wgs84_to_gcj02(lon, lat)
    fl, fa = wgs84_to_gcj02(gl, ga)
    one_step = metres(2 * gl - fl, 2 * ga - fa, lon, lat).max()
    iterated = metres(*gcj02_to_wgs84(gl, ga), lon, lat).max()
    assert one_step > 1.0 > 0.01 > iterated


def test_zero_offset_outside_china():
    lon = np.array([2.35, -74.0, 139.69, 151.2])  # Paris, New York, Tokyo, Sydney
    lat = np.array([48.86, 40.71, 35.69, -33.87])
    assert out_of_china(lon, lat).all()
    for fn in (
        wgs84_to_gcj02,
        gcj02_to_wgs84,
        wgs84_to_bd09,
        bd09_to_wgs84,
        gcj02_to_bd09,
        bd09_to_gcj02,
    ):
        out_lon, out_lat = fn(lon, lat)
        np.testing.assert_array_equal(out_lon, lon)
        np.testing.assert_array_equal(out_lat, lat)


def test_arrays_keep_shape_and_inputs_untouched():
    lon = np.full((2, 3), 120.33)
    lat = np.full((2, 3), 31.49)
    out_lon, out_lat = gcj02_to_wgs84(lon, lat)
    assert out_lon.shape == (2, 3) and out_lat.shape == (2, 3)
    assert (lon == 120.33).all() and (lat == 31.49).all()
    empty = gcj02_to_wgs84(np.array([]), np.array([]))
    assert empty[0].size == 0


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("wgs84", "WGS84"),
        ("EPSG:4326", "WGS84"),
        (" gcj02 ", "GCJ-02"),
        ("Amap", "GCJ-02"),
        ("bd-09", "BD-09"),
        ("baidu", "BD-09"),
        ("epsg:4490", "CGCS2000"),
        ("4549", "EPSG:4549"),
        ("EPSG:32651", "EPSG:32651"),
        (None, None),
    ],
)
def test_normalise_datum(given, expected):
    assert normalise_datum(given) == expected


@pytest.mark.parametrize("datum", ["mars-2", "²"])  # "²".isdigit() but int("²") fails
def test_unknown_datum_refused(datum):
    with pytest.raises(CRSError, match=rf"`datum` '{datum}' is not WGS84, CGCS2000, GCJ-02, BD-09"):
        normalise_datum(datum)


@settings(max_examples=200, deadline=None)
@given(lon=st.floats(73.0, 135.0), lat=st.floats(3.0, 53.5))
def test_round_trip_property(lon, lat):
    assert metres(*gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat)), lon, lat) < 0.5
    assert metres(*bd09_to_wgs84(*wgs84_to_bd09(lon, lat)), lon, lat) < 0.5
    assert metres(*wgs84_to_gcj02(*gcj02_to_wgs84(lon, lat)), lon, lat) < 0.5
