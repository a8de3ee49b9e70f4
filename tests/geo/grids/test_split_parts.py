"""Compact parts of large estates without buildings (issue 11, item 1)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely import box

from geo.grids.metrics import polsby_popper
from geo.grids.units import compact_parts, split_parts_count, split_polygon

L_SHAPE = shapely.union(box(0, 0, 300, 60), box(0, 0, 60, 300))
U_SHAPE = shapely.difference(box(0, 0, 300, 300), box(80, 80, 220, 301))
LONG = box(0, 0, 900, 90)
SHAPES = {
    "square": box(0, 0, 200, 200),
    "L": L_SHAPE,
    "U": U_SHAPE,
    "long": LONG,
    "far": shapely.affinity.translate(L_SHAPE, 500_000, 3_500_000),
}


@pytest.mark.parametrize("name", sorted(SHAPES))
@pytest.mark.parametrize("n", [2, 5, 12])
def test_parts_tile_the_footprint_one_polygon_each_equal_area(name, n):
    poly = SHAPES[name]
    parts = compact_parts(poly, n, seed=3)
    assert len(parts) == n
    assert all(p.geom_type == "Polygon" and p.is_valid for p in parts)
    union = shapely.union_all(parts)
    assert shapely.symmetric_difference(union, poly).area < 1e-6 * poly.area
    overlap = sum(parts[i].intersection(parts[j]).area for i in range(n) for j in range(i + 1, n))
    assert overlap < 1e-6 * poly.area
    areas = np.array([p.area for p in parts])
    assert np.abs(areas / (poly.area / n) - 1).max() < 0.10


@pytest.mark.parametrize("name", ["square", "L", "U"])
def test_parts_are_more_compact_than_bisection_strips(name):
    # the reference: the old recursive bisection into equal-area strips
    poly = SHAPES[name]
    for n in (6, 12):
        new = polsby_popper(compact_parts(poly, n, seed=0))
        old = polsby_popper(split_polygon(poly, n))
        assert new.mean() > old.mean()
        assert new.min() > 0.3


def test_parts_are_deterministic():
    a = compact_parts(L_SHAPE, 7, seed=5)
    b = compact_parts(L_SHAPE, 7, seed=5)
    assert all(x.equals_exact(y, 0) for x, y in zip(a, b, strict=True))


def test_parts_count_from_the_band_and_the_community():
    # every part a whole grid of the band when the arithmetic allows
    for h in (501, 999, 1000, 1234, 2750, 5933, 6000):
        n = split_parts_count(h, 300, 500)
        lo_ok = h / n >= 300 - 1e-9 or np.floor(h / 300) < np.ceil(h / 500)
        assert h / n <= 500 + 1e-9 and lo_ok, h
    assert split_parts_count(5933, 300, 500, grid_mean=494) == 12
    assert split_parts_count(560, 300, 500) == 2  # 300-500 admits no split of 560: two parts below


def _power_cells_one_by_one(polygon, centres, weights):
    """The power cells as they were computed before the batch: one centre at a time."""
    from geo.grids import units as u

    minx, miny, maxx, maxy = polygon.bounds
    pad = max(maxx - minx, maxy - miny) + 10.0
    box = shapely.box(minx - pad, miny - pad, maxx + pad, maxy + pad)
    k = len(centres)
    d2 = ((centres[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
    for near in (u._POWER_NEIGHBOURS, k):
        out = []
        for j in range(k):
            o = [i for i in np.argsort(d2[j], kind="stable")[: near + 1].tolist() if i != j]
            halves = u._half_planes(centres[j], centres[o], weights[j], weights[o], pad)
            cell = shapely.intersection_all(np.append(halves, box))
            out.append(shapely.intersection(cell, polygon))
        if near >= k - 1 or abs(sum(c.area for c in out) - polygon.area) <= 1e-9 * polygon.area:
            return out
    return out


def test_power_cells_batched_equal_one_by_one():
    """All cells in one GEOS call per step give the very polygons of the per-centre loop
    (L-shaped footprint, random centres and weights, coinciding centres, k from 2 to 20)."""
    from geo.grids.units import _power_cells

    rng = np.random.default_rng(0)
    poly = shapely.Polygon([(0, 0), (300, 0), (300, 100), (100, 100), (100, 250), (0, 250)])
    for trial in range(30):
        k = int(rng.integers(2, 21))
        centres = rng.uniform(0, 250, (k, 2))
        weights = rng.uniform(-800, 800, k)
        if trial % 5 == 0:
            centres[1] = centres[0]
        got = _power_cells(poly, centres, weights)
        ref = _power_cells_one_by_one(poly, centres, weights)
        assert len(got) == len(ref) == k
        assert all(shapely.equals_exact(a, b, tolerance=0) for a, b in zip(got, ref, strict=True))
