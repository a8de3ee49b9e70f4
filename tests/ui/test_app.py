"""AppTest drives the app's main flow on the bundled demo, as a planner would.

AppTest sees an ``st_folium`` map only as its JSON arguments, so map clicks and lassos go
through :func:`ui.tabs_grids.handle_map_event` (the map's own callback) and the unit
multiselect; the real click is covered by the browser test.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.state import unit_at

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def _texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [m.label for m in at.metric] + [c.value for c in at.caption]
    parts += [str(x.value) for x in (*at.success, *at.warning, *at.error, *at.info)]
    return "\n".join(parts)


def _open(at: AppTest, tab: str) -> AppTest:
    lang = at.session_state["lang"]
    at.session_state[f"view_{lang}"] = tab
    return at.run()


@pytest.fixture(scope="module")
def app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=240).run()
    assert not at.exception, at.exception
    return at


def test_starts_in_chinese_on_the_demo_and_switches_language(app: AppTest):
    assert app.title[0].value == "党建网格规划"
    assert app.tabs[0].label == "概览"
    labels = {m.label: m.value for m in app.metric}
    assert labels["社区"] == "38"
    assert int(labels["户数"].replace(",", "")) > 50_000
    app.sidebar.radio(key="lang").set_value("en").run()
    assert app.title[0].value == "Party-building grid planner"
    assert "Overview" in [t.label for t in app.tabs]
    assert "Life-circle coverage" in _texts(app)


def test_grid_edit_undo_flow(app: AppTest):
    _open(app, "Grids")
    app.button(key="generate").click().run()
    assert not app.exception, app.exception
    plan = app.session_state["plan"]
    n_grids = len(set(plan.assignment.values()))
    assert n_grids > 100 and "grids generated" in _texts(app)
    assert app.metric[1].label == "Grids within the household rule"

    # Pick a unit that has a neighbouring grid, as a click on the map would.
    sel = app.multiselect(key="sel_units")
    for unit in sel.options:
        sel.set_value([unit]).run()
        if app.selectbox(key="move_to").options:
            break
    target = app.selectbox(key="move_to").value
    before = dict(plan.assignment)
    app.button(key="btn_move").click().run()
    moved = app.session_state["plan"]
    assert moved.assignment[unit] == target != before[unit]
    assert "Done:" in _texts(app)
    assert sum(a != b for a, b in zip(moved.assignment.values(), before.values(), strict=True)) == 1

    app.button(key="btn_undo").click().run()
    assert app.session_state["plan"].assignment == before

    # Lock the receiving grid: moving into it is refused, with the reason, and nothing changes.
    app.selectbox(key="edit_grid").set_value(target).run()
    app.button(key="btn_lock").click().run()
    assert target in app.session_state["plan"].locked
    assert "Unlock" in [b.label for b in app.button]
    app.multiselect(key="sel_units").set_value([unit]).run()
    app.selectbox(key="move_to").set_value(target).run()
    app.button(key="btn_move").click().run()
    assert "Edit refused" in _texts(app) and "locked" in _texts(app)
    assert app.session_state["plan"].assignment == before


def test_map_click_and_lasso_select_units(app: AppTest):
    import geopandas as gpd
    from shapely.geometry import mapping

    from ui.tabs_grids import SEL_KEY, handle_map_event

    shown: gpd.GeoDataFrame = app.session_state["_shown_units"]
    pt = shown.geometry.iloc[5].representative_point()
    state: dict = {}
    handle_map_event({"last_object_clicked": {"lat": pt.y, "lng": pt.x}}, shown, state)
    assert state[SEL_KEY] == [unit_at(shown, pt.x, pt.y)] == [shown["unit_id"].iloc[5]]
    lasso = shown.geometry.iloc[:3].union_all().convex_hull.buffer(1e-6)
    handle_map_event({"last_object_clicked": {"lat": pt.y, "lng": pt.x},
                      "last_active_drawing": {"type": "Feature", "geometry": mapping(lasso)}}, shown, state)
    assert set(shown["unit_id"].iloc[:3]) <= set(state[SEL_KEY])


def test_coverage_tab_shows_classes_and_gaps(app: AppTest, demo_layers):
    _open(app, "Coverage")
    assert not app.exception, app.exception
    text = _texts(app)
    assert "Distance method: network" in text
    totals = app.dataframe[0].value
    assert totals["Estates"].sum() == len(demo_layers.estates)
    app.number_input(key="cov_t1").set_value(400.0).run()
    assert not app.exception
    assert "≤400 m" in list(app.dataframe[0].value["Class"])


def test_staffing_tab_uses_the_published_totals(app: AppTest):
    _open(app, "Staffing")
    assert app.number_input(key="s_ft").value == 242 and app.number_input(key="s_pt").value == 1134
    app.button(key="run_staffing").click().run()
    assert not app.exception, app.exception
    table = app.session_state["staffing"]
    assert int(table["full_time"].sum()) == 242 and int(table["part_time"].sum()) == 1134
    assert (table["full_time"] >= 1).all()
