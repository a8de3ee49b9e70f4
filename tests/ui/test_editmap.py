"""The editing map's protocol: the full payload once, then deltas and refusals per command."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pytest

from geo.grids.edits import PlanEditor
from geo.grids.params import GridParams
from geo.grids.plan import Plan
from tests.geo._synthetic import block_units
from ui import editmap
from ui.maps import to_display

JS = Path(editmap.__file__).with_name("editmap.js")


def gid(i: int) -> str:
    return f"320211001001{i:03d}"


@pytest.fixture()
def editor() -> PlanEditor:
    graph = block_units(4, 3, n_comm=1)
    assign = {u: gid(int(u.split("-")[1]) + 1) for u in graph.units.index}
    return PlanEditor(
        Plan(
            graph,
            assign,
            {g: f"第{g[-1]}网格" for g in set(assign.values())},
            frozenset(),
            GridParams(),
        )
    )


def _units_disp(plan: Plan) -> gpd.GeoDataFrame:
    frame = plan.units.units.reset_index(drop=True)
    return to_display(frame, columns=["unit_id", "community_id", "households", "party_members"])


def test_full_payload_carries_units_grids_names_and_figures(editor: PlanEditor) -> None:
    plan = editor.plan
    estates = gpd.GeoDataFrame(
        {
            "estate_id": sorted(set(plan.units.units["estate_id"])),
            "name": [f"小区{i}" for i in range(12)],
        },
        geometry=[None] * 12,
    )
    names = editmap.unit_names(plan.units.units, estates)
    layer = editmap.unit_layer(_units_disp(plan), names, "none")
    full = editmap.full_payload(plan, layer, editmap.initial_colours(plan), "none")
    assert dict(zip(layer["ids"], full["assign"], strict=True)) == dict(plan.assignment)
    assert all(e.startswith("小区") for e in layer["estate"])
    n = len(plan.assignment)
    assert all(len(layer[k]) == n for k in ("hh", "pm", "community", "building", "pt", "shapes"))
    assert set(full["grids"]) == set(plan.members)
    g1 = full["grids"][gid(1)]
    assert g1["name"] == "第1网格" and g1["households"] == float(
        plan.grids().at[gid(1), "households"]
    )
    assert len(g1["outline"]["shapes"]) >= 1 and g1["label"][0] < 90
    # touching grids get different colours
    assert len({full["grids"][gid(i)]["colour"] for i in (1, 2)}) == 2
    (y0, x0), (y1, x1) = full["bounds"]
    assert y0 < y1 and x0 < x1 and 0 < x0 < 180


def test_a_command_is_answered_with_only_what_changed(editor: PlanEditor) -> None:
    state: dict = {}
    delta = editmap.answer(
        state, editor, {"id": "a", "op": "move", "units": ["C1-1-2"], "to": gid(1)}, "none", "en"
    )
    assert delta is not None and delta["ok"] and delta["rev"] == 1 == state[editmap.REV]
    assert delta["units"] == {"C1-1-2": gid(1)}
    assert set(delta["grids"]) == {gid(1), gid(2)}
    assert delta["grids"][gid(1)]["households"] == float(
        editor.plan.grids().at[gid(1), "households"]
    )
    assert delta["figures"]["n_grids"] == 4 and delta["can_undo"]
    assert state["plan"] is editor.plan
    # the same command id is answered once only (a rerun does not repeat the edit)
    assert (
        editmap.answer(
            state,
            editor,
            {"id": "a", "op": "move", "units": ["C1-1-2"], "to": gid(1)},
            "none",
            "en",
        )
        is None
    )
    undo = editmap.answer(state, editor, {"id": "b", "op": "undo"}, "none", "en")
    assert undo["units"] == {"C1-1-2": gid(2)} and undo["rev"] == 2


def test_a_refused_command_names_the_rule_and_changes_nothing(editor: PlanEditor) -> None:
    state: dict = {}
    before = dict(editor.plan.assignment)
    delta = editmap.answer(
        state, editor, {"id": "x", "op": "move", "units": ["C1-1-1"], "to": gid(1)}, "none", "en"
    )
    assert delta is not None and not delta["ok"] and delta["units"] == {}
    assert "contiguous" in delta["error"] and delta["error"].startswith("Edit refused")
    assert dict(editor.plan.assignment) == before and not editor.can_undo
    bad = editmap.answer(state, editor, {"id": "y", "op": "drop_table"}, "none", "en")
    assert not bad["ok"] and "unknown map command" in bad["error"]
    missing = editmap.answer(state, editor, {"id": "z", "op": "merge", "a": gid(1)}, "none", "en")
    assert not missing["ok"] and "'b'" in missing["error"]


def test_new_grids_get_a_colour_their_neighbours_do_not_use(editor: PlanEditor) -> None:
    state: dict = {editmap.COLOURS: editmap.initial_colours(editor.plan)}
    delta = editmap.answer(
        state, editor, {"id": "s", "op": "split", "grid": gid(2), "k": 2}, "none", "en"
    )
    assert delta["ok"] and len(delta["grids"]) == 2 and gid(2) in delta["grids"]
    plan = editor.plan
    colours = state[editmap.COLOURS]
    for g in delta["grids"]:
        near = {plan.assignment[v] for u in plan.members[g] for v in plan.units.neighbors[u]} - {g}
        assert colours[g] not in {colours[h] for h in near}


def test_data_text_never_goes_through_innerhtml() -> None:
    js = JS.read_text(encoding="utf-8")
    assert "innerHTML" not in js and "insertAdjacentHTML" not in js
    assert not re.search(r"https?://", js), "the component loads nothing from the internet"


def test_delta_outlines_equal_the_display_frames_also_from_a_new_thread(
    editor: PlanEditor,
) -> None:
    """The per-edit outlines (one long-lived projection thread) equal ``to_display`` and the
    Amap shift of :func:`ui.maps.shift_for_basemap`, also when asked from a fresh thread (as
    Streamlit runs every rerun)."""
    import json
    import threading

    import shapely

    from ui.maps import shift_for_basemap

    plan = editor.plan
    ids = sorted(plan.members)
    sub = plan.grids().loc[ids].reset_index()
    got: dict[str, dict[str, dict[str, object]]] = {}

    def run(basemap: str) -> None:
        got[basemap] = editmap.grid_records(plan, ids, {}, basemap)

    for basemap in ("none", "amap"):
        th = threading.Thread(target=run, args=(basemap,))
        th.start()
        th.join()
        ref = shift_for_basemap(to_display(sub, columns=["grid_id"]), basemap)
        for g, geom in zip(ref["grid_id"], ref.geometry.values, strict=True):
            o = got[basemap][g]["outline"]
            want = json.loads(shapely.to_geojson(geom))
            coords = (
                want["coordinates"] if want["type"] == "MultiPolygon" else [want["coordinates"]]
            )
            assert _decode(o["shapes"], o["origin"], o["quantum"]) == coords


def test_a_delta_carries_its_server_timestamps(editor: PlanEditor) -> None:
    state: dict[str, object] = {editmap.COLOURS: editmap.initial_colours(editor.plan)}
    delta = editmap.answer(state, editor, {"id": "1", "op": "split", "grid": gid(1)}, "none", "zh")
    assert delta is not None and delta["ok"]
    tm = delta["timing"]
    assert tm["recv"] <= tm["engine"] <= tm["delta"]


def test_map_edits_are_journaled_after_in_order_to_the_version_of_their_time(
    editor: PlanEditor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """:func:`ui.tabs_grids.flush_journal` writes the queued events in the writer thread, oldest
    first, each to the version open when it was made; on a store error they stay queued with
    the error; a replay of the journal gives the edited plan (what a reload resumes)."""
    from geo.errors import StoreError
    from geo.output.store import open_store, record_from_plan
    from ui import plans, tabs_grids

    store = open_store(tmp_path / "plans.gpkg")
    rec = store.save(record_from_plan(editor.plan, "p"))
    start = editor.plan
    target = {"name": "p", "version": int(rec.version or 1), "journal": "j1"}
    state: dict[str, object] = {}
    queue = tabs_grids.journal_queue(state)
    editor.split(gid(1))
    queue.put(target, editor.events[-1])
    editor.lock(gid(2))
    queue.put(target, editor.events[-1])

    class Broken:
        def append_event(self, *a: object, **k: object) -> int:
            raise StoreError("disk full")

    monkeypatch.setattr(plans, "get_store", lambda: Broken())
    assert tabs_grids.flush_journal(state, wait=True) == "disk full"
    assert len(queue.pending) == 2 and queue.error == "disk full"
    monkeypatch.setattr(plans, "get_store", lambda: store)
    tabs_grids.flush_journal(state)  # in the writer thread; the next flush waits behind it
    assert tabs_grids.flush_journal(state, wait=True) is None
    editor.unlock(gid(2))
    queue.put(target, editor.events[-1])
    assert tabs_grids.flush_journal(state, wait=True) is None
    assert queue.pending == [] and queue.error is None
    events = store.events("p", target["version"], session="j1")
    assert [e["op"] for e in events] == ["split", "lock", "unlock"]
    replayed = PlanEditor.replay(start, events).plan
    assert replayed.assignment == editor.plan.assignment
    assert replayed.locked == editor.plan.locked


def _decode(polys: list, origin: list[int], quantum: float) -> list:
    """Python twin of ``decode`` in editmap.js: rings back to ``[[lon, lat], ...]``."""
    out = []
    for rings in polys:
        poly = []
        for r in rings:
            x, y, ring = origin[0] + r[0], origin[1] + r[1], []
            ring.append([x, y])
            for i in range(2, len(r), 2):
                x, y = x + r[i], y + r[i + 1]
                ring.append([x, y])
            poly.append([[round(a * quantum, 6), round(b * quantum, 6)] for a, b in ring])
        out.append(poly)
    return out


def test_the_unit_layer_decodes_to_the_display_geometry() -> None:
    """Quantised, delta-encoded rings give back the display coordinates (holes and
    multipolygons included), and are smaller than GeoJSON."""
    import json

    import shapely
    from shapely.geometry import MultiPolygon, Polygon

    sq = Polygon([(120.3, 31.4), (120.301, 31.4), (120.301, 31.401), (120.3, 31.401)])
    holed = Polygon(
        [(120.31, 31.41), (120.312, 31.41), (120.312, 31.412), (120.31, 31.412)],
        [[(120.3105, 31.4105), (120.3106, 31.4105), (120.3106, 31.4106)]],
    )
    multi = MultiPolygon([sq, holed])
    geoms = [sq, holed, multi, Polygon()]
    origin, shapes = editmap.encode_polygons(geoms)
    for geom, enc in zip(geoms, shapes, strict=True):
        ref = json.loads(shapely.to_geojson(geom))
        coords = ref["coordinates"] if ref["type"] == "MultiPolygon" else [ref["coordinates"]]
        if geom.is_empty:
            assert enc == []
            continue
        assert _decode(enc, origin, editmap.QUANTUM) == coords

    graph = block_units(12, 10, n_comm=2)
    frame = graph.units.reset_index(drop=True)
    disp = to_display(frame, columns=["unit_id", "community_id", "households", "party_members"])
    layer = editmap.unit_layer(disp, {}, "none")
    for geom, enc in zip(disp.geometry.values, layer["shapes"], strict=True):
        ref = json.loads(shapely.to_geojson(geom))
        coords = ref["coordinates"] if ref["type"] == "MultiPolygon" else [ref["coordinates"]]
        assert _decode(enc, layer["origin"], layer["quantum"]) == coords
    geojson = json.dumps([json.loads(shapely.to_geojson(g)) for g in disp.geometry.values])
    assert len(json.dumps(layer["shapes"])) < 0.5 * len(geojson)
