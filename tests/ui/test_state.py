"""ui.state: which unit a click hits, lasso selection, click de-duplication."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import shapely
from shapely.geometry import box, mapping

import ui
from ui.state import (
    DERIVED_KEYS,
    Session,
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


def test_toggle():
    assert toggle(["a"], "b") == ["a", "b"]
    assert toggle(["a", "b"], "a") == ["b"]


def test_session_start_plan_and_reset_dataset():
    plan_a, plan_b = object(), object()
    editor = SimpleNamespace(plan=plan_b)
    state = {
        "plan": plan_a,
        "editor": None,
        "sel_units": ["u1"],
        "last_edit": {"op": "move"},
        "staffing": "table",
        "exports": {"f": b""},
        "coverage": "cov",
        "siting": "run",
        "open_plan": {"name": "p"},
        "lang": "zh",
        "upload_layers": "layers",
    }
    session = Session(state)
    session.start_plan(plan_a, editor)  # the editor's plan wins
    assert session.plan is plan_b and session.editor is editor and session.selection == []
    for key in ("last_edit", "staffing", "exports"):  # results of the old plan are gone
        assert key not in state
    assert state["coverage"] == "cov" and state["open_plan"] == {
        "name": "p"
    }  # dataset results stay
    session.reset_dataset()
    assert state == {"lang": "zh", "upload_layers": "layers"}
    assert session.plan is None and session.editor is None and session.selection == []
    reset_derived(state)  # the widget callback form: idempotent
    assert state == {"lang": "zh", "upload_layers": "layers"}


#: Session keys that outlive a dataset switch, and why.
KEPT = {
    "lang": "the language",
    "source": "the data source radio itself",
    "upload_layers": "the new dataset",
    "upload_key": "the new dataset's key",
    "upload_ok": "the upload's own outcome",
    "upload_report": "the upload's own problems",
    "upload_joins": "the upload's own table joins (rewritten with each upload)",
    "view_key": "the open tab",
    "store_error": "the plan store, not the dataset",
    "_resume_done": "a browser-refresh resume runs once per session",
    "save_as_name": "a text box",
    "store_plan_name": "a text box",
    "edit_grid": "a selectbox, set back among the current plan's grids on every run (_keep_valid)",
    "_em_basemap": "the editing map's basemap choice, a preference",
    "_em_lang": "the language the editing map was last drawn in, a preference",
}


def test_every_session_key_the_app_writes_is_reset_or_kept_for_a_reason():
    """A key written by the app but in neither list would survive a dataset switch unnoticed."""
    written: set[str] = set()
    for path in sorted((Path(ui.__file__).parent).glob("*.py")):
        text = path.read_text(encoding="utf-8")
        written |= set(re.findall(r"session_state\[\"([A-Za-z_]+)\"\]\s*=", text))
        written |= set(re.findall(r"state\[\"([A-Za-z_]+)\"\]\s*=", text))
    written |= {"sel_units", "open_plan", "plan_conflict"}  # written through constants
    assert written, "the scan found no session writes"
    unclassified = written - set(DERIVED_KEYS) - set(KEPT)
    assert not unclassified, (
        f"add these keys to ui.state.PLAN_KEYS/DATASET_KEYS or to KEPT: {unclassified}"
    )
    assert not set(DERIVED_KEYS) & set(KEPT)
