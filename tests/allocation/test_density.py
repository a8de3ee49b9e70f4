"""Party-member density: the KDE surface against the kernel sum written out, its mass, grids."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, box

from allocation.density import (
    DEFAULT_BANDWIDTH_M,
    density_points,
    density_surface,
    grid_density,
    scott_bandwidth,
)
from geo.errors import ValidationError

UTM = "EPSG:32651"


def _points():
    xy = [(1000.0, 1000.0), (1300.0, 1000.0), (1000.0, 1600.0), (2000.0, 2000.0)]
    return gpd.GeoDataFrame(
        {"party_members": [10, 4, 0, 25]}, geometry=[Point(x, y) for x, y in xy], crs=UTM
    )


def _reference(xy, w, h, at):
    """sum_i w_i N(at; p_i, h^2 I), per km² (the Gaussian kernel written out)."""
    d2 = ((at[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2)
    return (w[None, :] * np.exp(-d2 / (2 * h * h)) / (2 * np.pi * h * h)).sum(axis=1) * 1e6


def test_surface_matches_the_kernel_sum() -> None:
    pts = _points()
    s = density_surface(pts, bandwidth_m=150, cell_m=40)
    xy = np.array([[p.x, p.y] for p in pts.geometry])
    gx, gy = np.meshgrid(s.x, s.y)
    ref = _reference(
        xy, pts["party_members"].to_numpy(float), 150, np.column_stack([gx.ravel(), gy.ravel()])
    )
    np.testing.assert_allclose(s.z.ravel(), ref, rtol=1e-6, atol=1e-9)
    assert s.bandwidth_m == 150 and s.total == 39
    assert abs(s.z.sum() * 40 * 40 / 1e6 - 39) < 0.5  # mass: ~all members inside 3 bandwidths


def test_grid_density_is_the_mean_inside_each_grid() -> None:
    s = density_surface(_points(), cell_m=50)
    grids = gpd.GeoDataFrame(
        {"grid_id": ["a", "b", "tiny"]},
        geometry=[
            box(800, 800, 1200, 1200),
            box(1800, 1800, 2300, 2300),
            box(1001, 1001, 1002, 1002),
        ],
        crs=UTM,
    )
    got = grid_density(s, grids)
    gx, gy = np.meshgrid(s.x, s.y)
    inside = (gx > 800) & (gx < 1200) & (gy > 800) & (gy < 1200)
    assert got["a"] == pytest.approx(s.z[inside].mean(), abs=0.05)
    assert got["b"] > got["a"]  # 25 members alone against 10 + 4 spread
    assert np.isfinite(got["tiny"]) and got["tiny"] > 0  # smaller than a cell: nearest sample


def test_scott_bandwidth_and_default() -> None:
    rng = np.random.default_rng(0)
    xy = rng.normal(0, 1000, size=(4000, 2))
    assert scott_bandwidth(xy, np.ones(4000)) == pytest.approx(1000 * 4000 ** (-1 / 6), rel=0.05)
    assert DEFAULT_BANDWIDTH_M == 200


def test_refuses_degrees_and_bad_weights() -> None:
    with pytest.raises(ValidationError, match="not metric"):
        density_surface(_points().to_crs(4326))
    bad = _points().assign(party_members=[1, -2, 3, 4])
    with pytest.raises(ValidationError, match="count >= 0"):
        density_surface(bad)
    with pytest.raises(ValidationError, match="bandwidth"):
        density_surface(_points(), bandwidth_m=0)


def test_demo_points_are_buildings(demo_layers) -> None:
    pts = density_points(demo_layers)
    assert len(pts) == len(demo_layers.buildings)
    assert pts["party_members"].sum() == demo_layers.buildings["party_members"].sum()
    s = density_surface(pts)
    assert 280 < s.scott_m < 300 and s.scott_m > s.bandwidth_m  # Scott's rule: wider than a grid
