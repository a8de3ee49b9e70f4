"""AppTest drives the app's main flow on the bundled demo, as a planner would.

AppTest cannot run the editing map's JavaScript, so it drives the panel (unit multiselect and
buttons) and checks what the map is sent: the full plan once, then one delta per edit. The
map's own commands are covered by ``tests/ui/test_editmap.py`` and in Chromium by
``tests/browser/test_editmap_browser.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.state import unit_at
from ui.tabs_grids import PANEL_KEY

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def _texts(at: AppTest) -> str:
    parts = (
        [m.value for m in at.markdown]
        + [m.label for m in at.metric]
        + [c.value for c in at.caption]
    )
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
    if app.session_state["lang"] != "en":  # run alone
        app.sidebar.radio(key="lang").set_value("en").run()
    _open(app, "Grids")
    app.button(key="generate").click().run()
    assert not app.exception, app.exception
    plan = app.session_state["plan"]
    n_grids = len(set(plan.assignment.values()))
    assert n_grids > 100 and "grids generated" in _texts(app)
    assert app.metric[1].label == "Grids within the household rule"
    # The unit picker and the grid table are built only once their expanders are opened.
    assert not app.multiselect and not app.dataframe
    app.session_state[PANEL_KEY] = True  # open the lazy panel of units and buttons
    app.run()
    assert len(app.multiselect) == 1 and not app.dataframe

    # Pick a unit that has a neighbouring grid, as a click on the map would.
    sel = app.multiselect(key="sel_units")
    for label in sel.options:  # units by estate name, the code in brackets
        sel.set_value([label]).run()
        if app.selectbox(key="move_to").options:
            break
    unit = app.session_state["sel_units"][0]
    assert label != unit and (unit in label or "…" in label)
    target = app.selectbox(key="move_to").value
    before = dict(plan.assignment)
    app.button(key="btn_move").click().run()
    moved = app.session_state["plan"]
    assert moved.assignment[unit] == target != before[unit]
    assert "Done:" in _texts(app)
    assert sum(a != b for a, b in zip(moved.assignment.values(), before.values(), strict=True)) == 1

    # the map is sent only the delta of that edit
    from ui import editmap

    delta = app.session_state[editmap.DELTA]
    assert (
        delta["ok"]
        and delta["units"] == {unit: target}
        and delta["rev"] == app.session_state[editmap.REV]
    )
    assert set(delta["grids"]) == {target, before[unit]}
    assert delta["grids"][target]["households"] == float(moved.grids().at[target, "households"])

    app.button(key="btn_undo").click().run()
    assert app.session_state["plan"].assignment == before
    assert app.session_state[editmap.DELTA]["units"] == {unit: before[unit]}

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

    from ui.maps import to_display
    from ui.tabs_grids import SEL_KEY, handle_map_event

    units = _english_with_plan(app).session_state["plan"].units.units
    shown: gpd.GeoDataFrame = to_display(
        units.reset_index(drop="unit_id" in units.columns), columns=["unit_id"]
    )
    pt = shown.geometry.iloc[5].representative_point()
    state: dict = {}
    handle_map_event({"last_object_clicked": {"lat": pt.y, "lng": pt.x}}, shown, state)
    assert state[SEL_KEY] == [unit_at(shown, pt.x, pt.y)] == [shown["unit_id"].iloc[5]]
    lasso = shown.geometry.iloc[:3].union_all().convex_hull.buffer(1e-6)
    handle_map_event(
        {
            "last_object_clicked": {"lat": pt.y, "lng": pt.x},
            "last_active_drawing": {"type": "Feature", "geometry": mapping(lasso)},
        },
        shown,
        state,
    )
    assert set(shown["unit_id"].iloc[:3]) <= set(state[SEL_KEY])


def test_coverage_tab_shows_classes_and_gaps(app: AppTest, demo_layers):
    _open(_english_with_plan(app), "Coverage")
    assert not app.exception, app.exception
    text = _texts(app)
    assert "Distance method: walking network" in text  # the method named in words (i18n)
    totals = app.dataframe[0].value
    assert totals["Estates"].sum() == len(demo_layers.estates)
    app.number_input(key="cov_t1").set_value(400.0).run()
    assert not app.exception
    assert "≤400 m" in list(app.dataframe[0].value["Class"])


def _english_with_plan(at: AppTest) -> AppTest:
    """The app in English with grids generated, whatever the tests before this one did.

    The staffing, export and plans tabs need a plan from the Grids tab, and ``_open`` names
    tabs in English: a test run alone (``pytest ...::test_x``) starts in Chinese with no plan.
    """
    if at.session_state["lang"] != "en":
        at.sidebar.radio(key="lang").set_value("en").run()
    if "plan" not in at.session_state or at.session_state["plan"] is None:
        _open(at, "Grids").button(key="generate").click().run()
        assert not at.exception, at.exception
    return at


def test_staffing_tab_uses_the_published_totals(app: AppTest):
    _open(_english_with_plan(app), "Staffing")
    assert app.number_input(key="s_ft").value == 242 and app.number_input(key="s_pt").value == 1134
    app.button(key="run_staffing").click().run()
    assert not app.exception, app.exception
    table = app.session_state["staffing"]
    assert int(table["full_time"].sum()) == 242 and int(table["part_time"].sum()) == 1134
    assert (table["full_time"] >= 1).all()


def test_siting_tab_solves_and_draws_the_curve(app: AppTest):
    _open(_english_with_plan(app), "Siting")
    app.selectbox(key="site_model").set_value("mclp").run()
    app.number_input(key="site_p").set_value(3).run()
    app.button(key="run_siting").click().run()
    assert not app.exception, app.exception
    result = app.session_state["siting"]["result"]
    assert result.status == "optimal" and len(result.selected) == 3
    posts = app.dataframe[0].value
    assert len(posts) == 3 and posts["Households newly covered"].sum() > 0
    app.number_input(key="curve_p").set_value(3).run()
    app.button(key="run_curve").click().run()
    curve = app.session_state["curve"]
    assert list(curve["p"]) == [0, 1, 2, 3]
    assert curve["covered_weight"].is_monotonic_increasing
    # The curve's third post covers what the MCLP with p=3 covers (both exact).
    assert curve["covered_weight"].iloc[3] == pytest.approx(result.objective)


def test_export_geojson_is_rfc7946_and_parses_back(app: AppTest):
    import datetime as dt
    import json

    import geopandas as gpd
    from shapely.geometry import shape

    _open(_english_with_plan(app), "Export")
    app.text_input(key="plan_name").set_value("太湖 test").run()
    app.button(key="prepare_exports").click().run()
    assert not app.exception, app.exception
    files: dict[str, bytes] = app.session_state["exports"]
    stem = f"太湖_test_{dt.date.today().isoformat()}"
    assert {
        f"{stem}_grids.geojson",
        f"{stem}_assignment.geojson",
        f"{stem}.gpkg",
        f"{stem}_csv.zip",
        f"{stem}_map.html",
    } <= set(files)
    assert {d.label for d in app.get("download_button")} >= {
        "Download GeoJSON (RFC 7946)",
        "Download GeoPackage",
    }
    doc = json.loads(files[f"{stem}_grids.geojson"])
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    plan = app.session_state["plan"]
    assert len(doc["features"]) == len(set(plan.assignment.values()))
    for feat in doc["features"]:
        props = feat["properties"]
        assert {"grid_id", "households", "party_members", "name"} <= set(props)
        geom = shape(feat["geometry"])
        polys = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]
        for poly in polys:
            assert poly.exterior.is_ccw  # RFC 7946 winding
            assert all(not ring.is_ccw for ring in poly.interiors)
        minx, miny, maxx, maxy = geom.bounds
        assert 120.0 < minx < maxx < 120.7 and 31.2 < miny < maxy < 31.8  # lon/lat order, WGS84
    back = gpd.read_file(io_bytes(files[f"{stem}_grids.geojson"]))
    assert back.crs.to_epsg() == 4326 and len(back) == len(doc["features"])
    assert int(back["households"].sum()) == int(sum(plan.grids()["households"]))
    assert "<html" in files[f"{stem}_map.html"].decode("utf-8").lower()


def test_plan_in_force_import_round_trips_the_plan(demo_layers):
    from geo.grids.gridding import grid_communities
    from geo.grids.params import GridParams
    from geo.grids.units import build_units
    from geo.output.export import to_geojson
    from ui.tabs_grids import import_in_force

    # A plan on the same units the import derives from the layers; export it, import it back.
    units = build_units(demo_layers, max_households=GridParams().max_households)
    plan = grid_communities(units, GridParams(), workers=1).plan
    grids = plan.grids()
    grids = grids.reset_index(drop="grid_id" in grids.columns)
    data = to_geojson(grids[["grid_id", "name", "geometry"]]).encode("utf-8")
    res = import_in_force(demo_layers, "in_force.geojson", data, "WGS84", GridParams())
    same = sum(res.plan.assignment[u] == g for u, g in plan.assignment.items())
    assert same / len(plan.assignment) > 0.99
    assert res.plan.names[grids["grid_id"].iloc[0]] == grids["name"].iloc[0]


def io_bytes(data: bytes):
    import io

    return io.BytesIO(data)


def test_bad_upload_is_reported_per_layer_and_feature_not_raised(tiny_dir):
    from ui.data import load_uploads, problems_frame

    good = (tiny_dir / "communities.geojson").read_bytes()
    bad = (
        b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"estate_id":"E1",'
        b'"households":-5,"party_members":"many"},"geometry":{"type":"Polygon","coordinates":'
        b"[[[120.33,31.49],[120.331,31.49],[120.331,31.491],[120.33,31.491],[120.33,31.49]]]}}]}"
    )
    layers, problems, key = load_uploads(
        {"communities": ("c.geojson", good), "estates": ("e.geojson", bad)},
        {"communities": "WGS84", "estates": "WGS84"},
    )
    assert layers is None and key == ""
    table = problems_frame(problems, "en")
    assert list(table.columns) == ["Layer", "Feature", "Field", "Severity", "Problem", "Fix"]
    est = table[table["Layer"] == "Estates"]  # layers in words (issue 15)
    assert {"households", "party_members"} <= set(est["Field"])
    assert (est["Fix"].str.len() > 0).all()
    layers, problems, _ = load_uploads({"estates": ("e.exe", b"MZ")}, {})
    assert layers is None
    assert any(p.layer == "communities" for p in problems) and any(
        p.layer == "estates" for p in problems
    )


def test_uploaded_gcj02_layers_load_and_are_used(tiny_dir):
    import numpy as np

    from geo.data.crs import wgs84_to_gcj02
    from ui.data import load_uploads

    def shifted(name: str) -> bytes:
        gdf = gpd_read(tiny_dir / name)
        import shapely

        def to_gcj(xy):
            lon, lat = wgs84_to_gcj02(xy[:, 0], xy[:, 1])
            return np.column_stack([lon, lat])

        gdf = gdf.set_geometry(shapely.transform(gdf.geometry.values, to_gcj))
        return gdf.to_json().encode()

    files = {n: (f"{n}.geojson", shifted(f"{n}.geojson")) for n in ("communities", "estates")}
    layers, problems, key = load_uploads(files, {"communities": "GCJ-02", "estates": "GCJ-02"})
    assert layers is not None, problems
    assert key.startswith("upload-") and len(layers.estates) == 12
    direct = gpd_read(tiny_dir / "estates.geojson").to_crs(layers.crs)
    a = layers.estates.set_index("estate_id").geometry.centroid
    b = (
        direct.assign(estate_id=direct["estate_id"].astype(str))
        .set_index("estate_id")
        .geometry.centroid
    )
    err = a.distance(b.reindex(a.index)).max()
    assert err < 0.5  # metres: GCJ-02 converted back to WGS84


def gpd_read(path):
    import geopandas as gpd

    return gpd.read_file(path)


def test_density_is_computed_only_when_asked_for(monkeypatch: pytest.MonkeyPatch):
    """The overview's first map does not wait for the party-member density (seconds of
    kernel density and scikit-learn's import); the sidebar's checkbox adds it."""
    import streamlit as st

    import allocation.density as density

    calls: list[int] = []
    real = density.density_surface

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(density, "density_surface", counted)
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=240).run()
    assert not at.exception, at.exception
    assert calls == []
    box = at.sidebar.checkbox(key="show_density")
    assert box.label == "显示党员密度" and box.value is False
    box.check().run()
    assert not at.exception, at.exception
    assert calls == [1]
