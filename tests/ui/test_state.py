"""ui.state: which unit a click hits, lasso selection, click de-duplication."""

from __future__ import annotations

import geopandas as gpd
import shapely
from shapely.geometry import box, mapping

from ui.state import (
    DERIVED_KEYS,
    click_from_map,
    clicks_seen,
    reset_derived,
    toggle,
    unit_at,
    units_in_polygon,
)


def _units() -> gpd.GeoDataFrame:
    cells = [box(120 + i * 0.01, 31, 120 + (i + 1) * 0.01, 31.01) for i in range(4)]
    return gpd.GeoDataFrame({"unit_id": ["u0", "u1", "u2", "u3"]}, geometry=cells, crs=4326)


def test_unit_at_finds_the_clicked_cell_and_none_outside():
    units = _units()
    assert unit_at(units, 120.025, 31.005) == "u2"
    assert unit_at(units, 119.0, 31.005) is None
    assert unit_at(units.iloc[:0], 120.025, 31.005) is None
    # A click in a sliver left by display simplification still finds its unit.
    shrunk = units.set_geometry(shapely.buffer(units.geometry.values, -1e-6))
    assert unit_at(shrunk, 120.02, 31.005) in {"u1", "u2"}
    assert unit_at(shrunk, 120.02, 31.005, tolerance_deg=0) is None


def test_lasso_selects_units_whose_point_is_inside():
    units = _units()
    lasso = box(120.0, 30.99, 120.021, 31.02)
    assert units_in_polygon(units, mapping(lasso)) == ["u0", "u1"]
    feature = {"type": "Feature", "properties": {}, "geometry": mapping(lasso)}
    assert units_in_polygon(units, feature) == ["u0", "u1"]
    assert units_in_polygon(units, {"type": "Point", "coordinates": [120.0, 31.0]}) == []


def test_click_from_map_ignores_the_click_already_handled():
    click = {"lat": 31.005, "lng": 120.025}
    value = {"last_object_clicked": click}
    assert click_from_map(value) == (31.005, 120.025)
    assert click_from_map(value, seen=clicks_seen(value)) is None
    assert click_from_map({"last_object_clicked": None}) is None
    assert click_from_map(None) is None
    assert click_from_map({"last_object_clicked": {"lat": "x"}}) is None
    # One click on a polygon reports both the map click and the object: handled once,
    # at the point clicked.
    both = {"last_clicked": {"lat": 31.0, "lng": 120.0}, "last_object_clicked": click}
    assert click_from_map(both) == (31.0, 120.0)
    assert click_from_map(both, seen=clicks_seen(both)) is None


def test_toggle_and_reset():
    assert toggle(["a"], "b") == ["a", "b"]
    assert toggle(["a", "b"], "a") == ["b"]
    state = {k: 1 for k in DERIVED_KEYS} | {"lang": "zh"}
    reset_derived(state)
    assert state == {"lang": "zh"}
