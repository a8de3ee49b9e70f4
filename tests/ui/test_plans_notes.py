"""Issue 15 follow-up in the plans panel: the note saved with a version and shown in the plans
tables; the diff map's groups come
before the layer switcher (else Leaflet stops and the frame stays 0 px high)."""

from __future__ import annotations

from pathlib import Path

import folium

from tests.ui.test_plans import _generate, _move_somewhere, _open, _session, env  # noqa: F401


def test_note_is_saved_shown_and_saved_edits_leave_the_journal(env: Path):  # noqa: F811
    from geo.output.store import open_store

    s = _session()
    _generate(s, "noted")
    _move_somewhere(s)
    store = open_store(env)
    s.text_input(key="save_note").set_value("按街道意见调整 <b>3</b>").run()
    s.button(key="btn_save_plan").click().run()
    assert not s.exception, s.exception
    assert s.session_state["open_plan"]["version"] == 2
    versions = store.versions("noted").set_index("version")
    assert versions.loc[2, "message"] == "按街道意见调整 <b>3</b>"
    # the saved edit is version 2's history, no longer an unsaved edit of version 1 (issue 15)
    assert int(versions.loc[1, "n_journal"]) == 0 and int(versions.loc[2, "n_history"]) == 1
    assert s.text_input(key="save_note").value == ""  # the box is empty for the next save
    _open(s, "方案")
    tables = [d.value for d in s.dataframe]
    listing = next(t for t in tables if "方案名称" in t.columns or "说明" in t.columns)
    assert "按街道意见调整 <b>3</b>" in set(listing["说明"])
    per_version = next(t for t in tables if "版本" in t.columns and len(t) == 2)
    assert "按街道意见调整 <b>3</b>" in set(per_version["说明"])
    assert list(per_version["未保存编辑"]) == [0, 0]


def test_diff_map_groups_come_before_the_layer_switcher(tiny_layers):
    from geo.grids.edits import PlanEditor
    from geo.grids.gridding import grid_communities
    from geo.grids.params import GridParams
    from geo.output.store import diff_plans, record_from_plan
    from ui.maps import to_display
    from ui.plans import diff_display
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
    layers = {
        "communities": to_display(tiny_layers.communities, columns=["community_id", "name"]),
        "facilities": None,
        "buildings": None,
    }
    m = diff_map(layers, diff_display(d.changed_areas), "zh")
    kinds = [type(c) for c in m._children.values()]
    control = kinds.index(folium.LayerControl)
    groups = [i for i, k in enumerate(kinds) if k is folium.FeatureGroup]
    assert groups and max(groups) < control
    html = m.get_root().render()
    name = next(c.get_name() for c in m._children.values() if type(c) is folium.FeatureGroup)
    assert html.index(f"var {name} =") < html.index("L.control.layers(")


def test_a_map_edit_still_queued_at_save_is_not_left_on_the_saved_from_version(env: Path):  # noqa: F811
    """The editing map's edits are journaled after its delta (ui.state.JournalQueue); one still
    queued when Save is clicked is written before the save clears that journal, so it never
    lands on version 1 afterwards as an unsaved edit."""
    from geo.output.store import open_store
    from ui.state import JOURNAL_QUEUE_KEY, JournalQueue

    s = _session()
    _generate(s, "queued")
    _move_somewhere(s)
    queue = JournalQueue()
    queue.put(dict(s.session_state["open_plan"]), dict(s.session_state["editor"].events[-1]))
    s.session_state[JOURNAL_QUEUE_KEY] = queue
    s.button(key="btn_save_plan").click().run()
    assert not s.exception, s.exception
    store = open_store(env)
    queue.drain(store)  # whatever the writer thread had left: nothing, with the fix
    versions = store.versions("queued").set_index("version")
    assert int(versions.loc[1, "n_journal"]) == 0
