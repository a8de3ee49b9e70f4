"""The plans panel: autosave on generate, edits journaled, resume in a new session, conflicts.

Each AppTest here is a browser session on the tiny district (``GRIDPLAN_DATA``) and a plan
store in ``tmp_path`` (``GRIDPLAN_STORE``). A new ``AppTest`` with the first one's URL query
parameters is what a browser refresh or a server restart gives: a fresh ``session_state``,
the same URL.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.tabs_grids import PANEL_KEY

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture()
def env(tmp_path: Path, tiny_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    store = tmp_path / "plans.gpkg"
    monkeypatch.setenv("GRIDPLAN_STORE", str(store))
    monkeypatch.setenv("GRIDPLAN_DATA", str(tiny_dir))
    return store


def _texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [str(x.value) for x in (*at.success, *at.warning, *at.error, *at.info)]
    return "\n".join(parts)


def _open(at: AppTest, tab: str) -> AppTest:
    at.session_state[f"view_{at.session_state['lang']}"] = tab
    at.session_state[PANEL_KEY] = True  # the grids tab's lazy panel of units and buttons, open
    return at.run()


def _session(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if query:
        at.query_params.update(query)
    at.run()
    assert not at.exception, at.exception
    return at


def _generate(at: AppTest, name: str) -> None:
    _open(at, "党建网格")
    at.text_input(key="store_plan_name").set_value(name)
    at.button(key="generate").click().run()
    assert not at.exception, at.exception


def _move_somewhere(at: AppTest, skip: set[str] = frozenset()) -> str:
    """Move the first unit that has a neighbouring grid and accepts the move; return it."""
    editor = at.session_state["editor"]
    n = len(editor.events)
    for label in list(at.multiselect(key="sel_units").options):  # names, the code in brackets
        at.multiselect(key="sel_units").set_value([label]).run()  # a fresh element each time
        unit = at.session_state["sel_units"][0]  # the unit id behind the label
        if unit in skip or not at.selectbox(key="move_to").options:
            continue
        at.button(key="btn_move").click().run()
        if len(at.session_state["editor"].events) > n:
            return str(unit)
    raise AssertionError("no unit could be moved")


def test_generate_saves_edits_are_journaled_and_a_new_session_resumes(env: Path):
    from geo.output.store import open_store

    s1 = _session()
    _generate(s1, "resume-test")
    op = s1.session_state["open_plan"]
    assert (op["name"], op["version"]) == ("resume-test", 1)
    assert s1.query_params["plan"] == "resume-test" and s1.query_params["v"] == "1"
    a0 = dict(s1.session_state["plan"].assignment)
    u1 = _move_somewhere(s1)
    a1 = dict(s1.session_state["plan"].assignment)
    _move_somewhere(s1, skip={u1})
    a2 = dict(s1.session_state["plan"].assignment)
    s1.button(key="btn_undo").click().run()
    assert dict(s1.session_state["plan"].assignment) == a1 != a0
    assert a2 != a1
    events1 = list(s1.session_state["editor"].events)
    assert [e["op"] for e in events1] == ["move", "move", "undo"]
    store = open_store(env)
    assert store.events("resume-test", 1, session=op["journal"]) == events1

    # A refresh / server restart: a new session with the same URL.
    s2 = _session(dict(s1.query_params))
    assert dict(s2.session_state["plan"].assignment) == a1
    assert s2.session_state["editor"].events == events1
    assert s2.session_state["editor"].can_undo and s2.session_state["editor"].can_redo
    assert "resume-test" in _texts(_open(s2, "党建网格"))
    s2.button(key="btn_undo").click().run()
    assert dict(s2.session_state["plan"].assignment) == a0
    s2.button(key="btn_redo").click().run()
    s2.button(key="btn_redo").click().run()
    assert dict(s2.session_state["plan"].assignment) == a2
    # Session 2's edits go on the same journal: a third session resumes after them.
    s3 = _session(dict(s2.query_params))
    assert dict(s3.session_state["plan"].assignment) == a2
    assert [e["op"] for e in s3.session_state["editor"].events] == [
        "move",
        "move",
        "undo",
        "undo",
        "redo",
        "redo",
    ]


def test_two_sessions_saving_one_version_conflict_and_save_as_keeps_both(env: Path):
    from geo.output.store import open_store

    a = _session()
    _generate(a, "shared")
    b = _session()
    _open(b, "方案")
    b.selectbox(key="pick_plan").set_value("shared").run()
    b.selectbox(key="pick_version").set_value(1).run()
    b.button(key="btn_open_version").click().run()
    assert not b.exception, b.exception
    assert b.session_state["open_plan"]["name"] == "shared"
    assert b.session_state["open_plan"]["journal"] != a.session_state["open_plan"]["journal"]

    _move_somewhere(a)
    a.button(key="btn_save_plan").click().run()
    assert a.session_state["open_plan"]["version"] == 2
    plan_a = dict(a.session_state["plan"].assignment)

    _open(b, "党建网格")
    _move_somewhere(b, skip=set())
    plan_b = dict(b.session_state["plan"].assignment)
    b.button(key="btn_save_plan").click().run()
    assert not b.exception, b.exception
    assert "已被保存为第 2 版" in _texts(b) and "另存为" in _texts(b)  # said in Chinese
    assert b.session_state["open_plan"]["version"] == 1  # nothing was written
    b.text_input(key="save_as_name").set_value("shared-b").run()
    b.button(key="btn_save_as").click().run()
    assert b.session_state["open_plan"] == {
        **b.session_state["open_plan"],
        "name": "shared-b",
        "version": 1,
    }
    assert dict(b.session_state["plan"].assignment) == plan_b

    store = open_store(env)
    assert dict(store.load("shared", 2).assignment) == plan_a
    rec_b = store.load("shared-b")
    assert dict(rec_b.assignment) == plan_b
    assert (rec_b.parent_plan, rec_b.parent) == ("shared", 1)
    assert [e["op"] for e in rec_b.events] == ["move"]
    assert sorted(store.list()["name"]) == ["shared", "shared-b"]

    # The saved edits left their journals on version 1 (they are versions' history now), so
    # version 1 counts no unsaved edits; version 2 continues A's plan.
    assert store.sessions("shared", 1) == []
    assert int(store.versions("shared").set_index("version").loc[1, "n_journal"]) == 0
    c = _session()
    _open(c, "方案")
    c.selectbox(key="pick_plan").set_value("shared").run()
    c.selectbox(key="pick_version").set_value(2).run()
    c.button(key="btn_open_version").click().run()
    assert not c.exception, c.exception
    assert dict(c.session_state["plan"].assignment) == plan_a


def test_plans_tab_lists_versions_and_shows_the_diff(env: Path):
    s = _session()
    _generate(s, "diffed")
    unit = _move_somewhere(s)
    s.button(key="btn_save_plan").click().run()
    s.sidebar.radio(key="lang").set_value("en").run()
    _open(s, "Plans")
    assert not s.exception, s.exception
    assert "Compare versions" in [h.value for h in s.subheader]
    metrics = {m.label: m.value for m in s.metric}
    assert metrics["Units moved"] == "1"
    assert int(metrics["Grids changed"]) >= 1
    moved = s.dataframe[-3].value
    assert list(moved.iloc[:, 0]) == [unit]
    deltas = s.dataframe[-2].value
    assert "Households (change)" in deltas.columns and len(deltas) >= 1
    metric_deltas = s.dataframe[-1].value
    from ui.i18n import t

    assert t("metric_n_grids", "en") in set(metric_deltas[t("col_metric", "en")])


def test_diff_map_colours_changed_areas_by_kind(tiny_layers):
    from geo.grids.edits import PlanEditor
    from geo.grids.gridding import grid_communities
    from geo.grids.params import GridParams
    from geo.output.store import diff_plans, record_from_plan
    from ui.maps import to_display
    from ui.plans import CHANGE_COLOURS, diff_display
    from ui.tabs_plans import diff_map

    plan = grid_communities(tiny_layers, GridParams(), workers=1).plan
    editor = PlanEditor(plan)
    grids = sorted(set(plan.assignment.values()))
    pair = next(
        (a, b)
        for a in grids
        for b in grids
        if a < b
        and b
        in {plan.assignment[n] for u in plan.members[a] for n in plan.units.neighbors.get(u, ())}
    )
    editor.merge(*pair)
    d = diff_plans(record_from_plan(plan, "m"), record_from_plan(editor.plan, "m"))
    disp = diff_display(d.changed_areas)
    assert set(disp["change"]) >= {"removed"} and set(disp["colour"]) <= set(
        CHANGE_COLOURS.values()
    )
    layers = {
        "communities": to_display(tiny_layers.communities, columns=["community_id", "name"]),
        "facilities": None,
        "buildings": None,
    }
    html = diff_map(layers, disp, "en").get_root().render()
    assert CHANGE_COLOURS["removed"] in html and "Grid removed" in html


def test_plain_helpers(tiny_layers):
    from geo.grids.gridding import grid_communities
    from geo.grids.params import GridParams
    from geo.output.store import record_from_plan, record_to_plan
    from ui.plans import build_record_units, default_plan_name, diff_display, split_estates

    assert split_estates(["E1/B2", "E1/B3", "E2", "E3#1", "E4/B1"]) == ("E1", "E4")
    assert default_plan_name().startswith("plan-20")
    plan = grid_communities(tiny_layers, GridParams(), workers=1).plan
    rec = record_from_plan(plan, "x")
    units = build_record_units(
        tiny_layers, int(rec.params["max_households"]), split_estates(rec.assignment)
    )
    assert record_to_plan(rec, units).assignment == plan.assignment
    from geo.output.store import diff_plans

    other = plan.with_assignment({**plan.assignment})
    d = diff_plans(rec, record_from_plan(other, "x"))
    disp = diff_display(d.changed_areas)
    assert len(disp) == 0 and "colour" in disp.columns


def test_imported_plan_units_are_rebuilt_from_its_unit_ids(tmp_path: Path):
    """A plan on building units (estates split, as an import cuts them) reopens on the same units."""
    from geo.data.io import load_layers
    from geo.grids.params import GridParams
    from geo.grids.plan import Plan
    from geo.grids.units import build_units_from_frames, prepare_frames
    from geo.output.store import record_from_plan, record_to_plan
    from tests._userdata import user_subset, write_wgs84_geojson
    from ui.plans import build_record_units, split_estates

    layers = load_layers(write_wgs84_geojson(user_subset(), tmp_path))
    assert layers.buildings is not None and len(layers.buildings) > 0
    est = layers.estates
    bld = prepare_frames(layers.communities, est, layers.buildings, max_households=500).buildings
    many = bld.groupby("estate_id").size()
    split = tuple(sorted(str(e) for e in many[many > 1].index)[:3])
    units = build_units_from_frames(
        layers.communities,
        est,
        bld[bld["estate_id"].astype(str).isin(split)],
        split_by_buildings_above=1,
        max_households=500,
    )
    assignment = {
        u: f"G-{c}" for u, c in zip(units.units.index, units.units["community_id"], strict=True)
    }
    rec = record_from_plan(
        Plan(units, assignment, {}, frozenset(), GridParams(max_households=500)), "imp"
    )
    assert set(split) <= set(split_estates(rec.assignment))
    rebuilt = build_record_units(layers, 500, split_estates(rec.assignment))
    assert set(rebuilt.units.index) == set(units.units.index)
    assert record_to_plan(rec, rebuilt).assignment == assignment


def test_a_real_import_reopens_on_rebuilt_units(tmp_path: Path):
    """import_plan_layers splits the estates a boundary cuts; the store round trip finds them again."""
    import geopandas as gpd
    import shapely

    from geo.data.io import load_layers
    from geo.grids.import_plan import import_plan_layers
    from geo.grids.params import GridParams
    from geo.output.store import open_store, record_from_plan, record_to_plan
    from tests._userdata import user_subset, write_wgs84_geojson
    from ui.plans import build_record_units, split_estates

    layers = load_layers(write_wgs84_geojson(user_subset(), tmp_path / "data"))
    rows = []
    for rec in layers.communities.itertuples():
        minx, miny, maxx, maxy = rec.geometry.bounds
        mid = (minx + maxx) / 2
        for k, half in enumerate(
            (shapely.box(minx, miny, mid, maxy), shapely.box(mid, miny, maxx, maxy))
        ):
            rows.append(
                {
                    "grid_id": f"{rec.community_id}-{k}",
                    "name": f"G{k}",
                    "geometry": rec.geometry.intersection(half),
                }
            )
    grid_layer = gpd.GeoDataFrame(rows, crs=layers.communities.crs)
    res = import_plan_layers(layers, grid_layer, params=GridParams())
    assert split_estates(res.plan.assignment), "the halves should cut some estates into buildings"
    store = open_store(tmp_path / "plans.gpkg")
    saved = store.save(record_from_plan(res.plan, "imported"))
    rec = store.load("imported", saved.version)
    units = build_record_units(
        layers, int(rec.params["max_households"]), split_estates(rec.assignment)
    )
    assert record_to_plan(rec, units).assignment == res.plan.assignment
