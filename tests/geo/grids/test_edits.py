"""Planner edits on hand-built plans: each edit, each refusal, undo/redo, replay."""

from __future__ import annotations

import json

import pytest

from geo.errors import EditError
from geo.grids.edits import PlanEditor, tree_partition
from geo.grids.ids import new_grid_ids
from geo.grids.params import GridParams
from geo.grids.plan import Plan
from tests.geo._synthetic import block_units

CRS = "EPSG:32651"
PREFIX = "320211001001"


_graph = block_units  # communities of nx x ny estates, estate ``C1-x-y``


def _column_plan(graph=None, nx: int = 4, ny: int = 3, n_comm: int = 1) -> Plan:
    """One grid per column: grid ``PREFIX + 00x`` (community 1), ids per community."""
    graph = graph or _graph(nx, ny, n_comm=n_comm)
    assign = {}
    for u in graph.units.index:
        c, x, _ = u.split("-")
        assign[u] = f"320211001{int(c[1:]):03d}{int(x) + 1:03d}"
    return Plan(
        graph,
        assign,
        {g: f"grid {g[-3:]}" for g in set(assign.values())},
        frozenset(),
        GridParams(),
    )


def gid(i: int, c: int = 1) -> str:
    return f"320211001{c:03d}{i:03d}"


@pytest.fixture(scope="module")
def plan() -> Plan:
    return _column_plan()


def test_fixture_is_a_grid_graph(plan: Plan) -> None:
    nb = plan.units.neighbors
    assert set(nb["C1-1-1"]) == {"C1-0-1", "C1-2-1", "C1-1-0", "C1-1-2"}
    assert plan.grids()["households"].tolist() == [300.0] * 4


def test_move_rescores_only_the_touched_grids(plan: Plan) -> None:
    ed = PlanEditor(plan)
    res = ed.move("C1-1-2", gid(1))
    assert res.touched == (gid(1), gid(2))
    assert res.plan.assignment["C1-1-2"] == gid(1)
    assert plan.assignment["C1-1-2"] == gid(2)  # the input plan is unchanged
    assert res.grids.index.tolist() == [gid(1), gid(2)]
    assert res.grids.loc[gid(1), "households"] == 400
    assert res.grids.loc[gid(2), "households"] == 200
    assert res.grids.loc[gid(1), "geometry"].area == pytest.approx(
        sum(
            plan.units.units.loc[u, "geometry"].area
            for u in ["C1-0-0", "C1-0-1", "C1-0-2", "C1-1-2"]
        )
    )
    assert res.violations == [f"grid {gid(2)}: 200 households < 300"]
    assert res.summary["households_moved"] == 100
    assert res.summary["op"] == "move"
    assert res.event == {"op": "move", "units": ["C1-1-2"], "to": gid(1), "allow_remove": False}
    # the patched table equals a full recomputation
    full = Plan(
        plan.units,
        dict(res.plan.assignment),
        dict(res.plan.names),
        res.plan.locked,
        res.plan.params,
    ).grids()
    assert full.drop(columns="geometry").equals(res.plan.grids().drop(columns="geometry"))


def test_move_several_units_through_each_other(plan: Plan) -> None:
    ed = PlanEditor(plan)
    # C1-2-2 is not adjacent to grid 1 but becomes so through C1-1-2, moved with it.
    with pytest.raises(EditError, match=r"grid 3\S* would no longer|not adjacent"):
        ed.move(["C1-2-1"], gid(1))
    res = ed.move(["C1-1-2", "C1-1-1", "C1-1-0"], gid(1), allow_remove=True)
    assert gid(2) not in res.plan.members
    assert res.summary["removed"] == [gid(2)]
    assert res.grids.index.tolist() == [gid(1)]
    assert res.grids.loc[gid(1), "households"] == 600
    assert "600 households > 500" in res.violations[0]


@pytest.mark.parametrize(
    ("units", "to", "match"),
    [
        ("C1-3-0", gid(1), r"unit 'C1-3-0' is not adjacent to grid 320211001001001"),
        ("C1-1-1", gid(1), r"grid 320211001001002 would no longer be contiguous: unit\(s\) C1-1-"),
        ("nope", gid(1), r"unit 'nope' is not in the plan"),
        ("C1-1-1", "999", r"target grid '999' is not in the plan"),
        ("C1-0-1", gid(1), r"unit 'C1-0-1' is already in grid"),
        ([], gid(1), r"`unit_ids` is empty"),
        (
            ["C1-1-0", "C1-1-1", "C1-1-2"],
            gid(1),
            r"would empty grid 320211001001002; pass allow_remove=True",
        ),
    ],
)
def test_refused_moves_say_why(plan: Plan, units, to: str, match: str) -> None:
    ed = PlanEditor(plan)
    with pytest.raises(EditError, match=match):
        ed.move(units, to)
    assert ed.plan is plan and ed.events == []


def test_locked_grids_refuse_to_give_or_take(plan: Plan) -> None:
    ed = PlanEditor(plan)
    ed.lock(gid(1))
    with pytest.raises(EditError, match=r"grid 320211001001001 is locked, so it cannot receive"):
        ed.move("C1-1-0", gid(1))
    with pytest.raises(EditError, match="cannot give units away"):
        ed.move("C1-0-0", gid(2))
    with pytest.raises(EditError, match="be merged"):
        ed.merge(gid(2), gid(1))
    with pytest.raises(EditError, match="be split"):
        ed.split(gid(1), 2)
    res = ed.unlock([gid(1)])
    assert res.plan.locked == frozenset()
    assert ed.move("C1-1-0", gid(1)).plan.assignment["C1-1-0"] == gid(1)


def test_moves_stay_inside_the_community() -> None:
    plan = _column_plan(nx=2, ny=2, n_comm=2)
    ed = PlanEditor(plan)
    with pytest.raises(EditError, match=r"unit 'C2-0-0' is in community 'C2' but grid .* 'C1'"):
        ed.move("C2-0-0", gid(2, 1))
    with pytest.raises(EditError, match="only grids of one community can merge"):
        ed.merge(gid(2, 1), gid(1, 2))


def test_merge_and_its_refusals(plan: Plan) -> None:
    ed = PlanEditor(plan)
    with pytest.raises(EditError, match="share no cell edge"):
        ed.merge(gid(1), gid(3))
    with pytest.raises(EditError, match="with itself"):
        ed.merge(gid(1), gid(1))
    with pytest.raises(EditError, match=r"grid '320211001001009' is not in the plan"):
        ed.merge(gid(1), gid(9))
    res = ed.merge(gid(2), gid(3))
    assert res.touched == (gid(2), gid(3))
    assert gid(3) not in res.plan.members and len(res.plan.members[gid(2)]) == 6
    assert res.plan.names[gid(2)] == "grid 002" and gid(3) not in res.plan.names
    assert res.grids.loc[gid(2), "households"] == 600 and bool(res.grids.loc[gid(2), "contiguous"])
    assert res.summary["removed"] == [gid(3)]


def test_split_is_balanced_contiguous_and_reproducible() -> None:
    plan = _column_plan(nx=2, ny=6)  # two grids of 6 units (600 households) each
    a = PlanEditor(plan).split(gid(1), 2, seed=3)
    b = PlanEditor(plan).split(gid(1), 2, seed=3)
    assert a.plan.assignment == b.plan.assignment
    assert a.summary["added"] == [gid(3)] and a.touched == (gid(1), gid(3))
    assert sorted(a.grids["households"]) == [300.0, 300.0]
    assert a.grids["contiguous"].all()
    assert a.plan.names[gid(3)] == "grid 001 (003)"
    three = PlanEditor(plan).split(gid(2), 3)
    assert sorted(three.grids["households"]) == [200.0, 200.0, 200.0]
    assert three.grids["contiguous"].all()
    with pytest.raises(EditError, match=r"k=7; choose k between 2 and 6"):
        PlanEditor(plan).split(gid(1), 7)
    with pytest.raises(EditError, match="k=1"):
        PlanEditor(plan).split(gid(1), 1)


def test_rename_lock_and_their_events(plan: Plan) -> None:
    ed = PlanEditor(plan)
    res = ed.rename(gid(1), "  Lakeside  ")
    assert res.plan.names[gid(1)] == "Lakeside" and res.grids.loc[gid(1), "name"] == "Lakeside"
    assert res.touched == (gid(1),)
    with pytest.raises(EditError, match="empty"):
        ed.rename(gid(1), " ")
    res = ed.lock([gid(2), gid(3)])
    assert res.grids["locked"].tolist() == [True, True]
    assert [e["op"] for e in ed.events] == ["rename", "lock"]


def test_undo_redo_restore_the_exact_plans(plan: Plan) -> None:
    ed = PlanEditor(plan)
    with pytest.raises(EditError, match="nothing to undo"):
        ed.undo()
    first = ed.move("C1-1-2", gid(1)).plan
    second = ed.merge(gid(3), gid(4)).plan
    res = ed.undo()
    assert res.plan is first and set(res.touched) == {gid(3), gid(4)}
    assert res.summary["added"] == [gid(4)]
    assert ed.undo().plan is plan
    assert not ed.can_undo and ed.can_redo
    assert ed.redo().plan is first
    assert ed.redo().plan is second
    with pytest.raises(EditError, match="nothing to redo"):
        ed.redo()
    ed.undo()
    ed.rename(gid(1), "x")  # a new edit clears the redo stack
    assert not ed.can_redo


def test_replay_and_state_rebuild_the_same_history(plan: Plan) -> None:
    ed = PlanEditor(plan)
    ed.move("C1-1-2", gid(1))
    ed.split(gid(3), 3, seed=1)
    ed.lock(gid(4))
    ed.undo()
    ed.rename(gid(2), "North")
    ed.merge(gid(3), gid(5))
    ed.undo()
    state = json.loads(json.dumps(ed.to_state()))  # JSON-safe
    back = PlanEditor.from_state(plan, state)
    for other in (back, PlanEditor.replay(plan, ed.events)):
        assert other.plan.assignment == ed.plan.assignment
        assert other.plan.names == ed.plan.names and other.plan.locked == ed.plan.locked
        assert other.redo().plan.assignment == ed.redo().plan.assignment
        while ed.can_undo:
            assert other.undo().plan.assignment == ed.undo().plan.assignment
        assert not other.can_undo
        while ed.can_redo:
            ed.redo()
        ed.undo()  # back to where ed was: before the merge, with the merge to redo
    with pytest.raises(EditError, match="version"):
        PlanEditor.from_state(plan, {"version": 9})
    with pytest.raises(EditError, match="unknown edit op 'paint'"):
        PlanEditor(plan).apply({"op": "paint"})


def test_reoptimise_leaves_locked_grids_identical() -> None:
    graph = _graph(6, 4, hh=80)
    plan = _column_plan(graph)
    ed = PlanEditor(plan)
    ed.lock([gid(1), gid(4)])
    res = ed.reoptimise()
    for g in (gid(1), gid(4)):
        assert res.plan.members[g] == plan.members[g]
        assert res.plan.names[g] == plan.names[g]
    assert res.plan.locked == {gid(1), gid(4)}
    assert set(res.plan.assignment) == set(plan.assignment)
    assert gid(1) not in res.touched and gid(4) not in res.touched
    assert ed.undo().plan.locked == {gid(1), gid(4)}


def test_tree_partition_on_a_path() -> None:
    units = [f"u{i}" for i in range(8)]
    edges = [(units[i], units[i + 1]) for i in range(7)]
    w = {u: 1.0 for u in units}
    parts = tree_partition(units, w, edges, 4, seed=0)
    assert parts == [["u0", "u1"], ["u2", "u3"], ["u4", "u5"], ["u6", "u7"]]
    with pytest.raises(EditError, match="not connected"):
        tree_partition(units, w, edges[:3], 2)


def test_new_grid_ids() -> None:
    assert new_grid_ids(gid(2), [gid(1), gid(2), gid(5)], 2) == [gid(6), gid(7)]
    assert new_grid_ids("police-7", ["police-7", "police-7-2"], 2) == ["police-7-3", "police-7-4"]
    with pytest.raises(EditError, match="no free 3-digit"):
        new_grid_ids(gid(999), [gid(999)], 1)


def test_moves_into_and_out_of_a_grid_already_in_pieces() -> None:
    graph = _graph()
    assign = {u: gid(int(u.split("-")[1]) + 1) for u in graph.units.index}
    assign["C1-3-0"] = gid(2)  # an imported grid 2 with a detached piece in column 3
    plan = Plan(graph, assign, {}, frozenset(), GridParams())
    ed = PlanEditor(plan)
    res = ed.move("C1-3-1", gid(2))  # joins the detached piece: allowed
    assert res.plan.assignment["C1-3-1"] == gid(2)
    assert not res.grids.loc[gid(2), "contiguous"]
    assert any("not contiguous" in v for v in res.violations)
    # grid 2 is in two pieces; moving a unit out may not make a third one
    with pytest.raises(EditError, match="would no longer be contiguous"):
        ed.move("C1-1-1", gid(1))
    assert ed.move("C1-3-1", gid(4)).plan.assignment["C1-3-1"] == gid(4)


def test_repair_as_an_undoable_edit() -> None:
    graph = _graph(hh=120)  # columns of 360 households
    plan = _column_plan(graph)
    ed = PlanEditor(plan)
    ed.move("C1-1-2", gid(1))
    broken = ed.move("C1-1-1", gid(1)).plan  # grid 1: 600, grid 2: 120
    res = ed.repair()
    assert res.event == {"op": "repair", "unlocked": None}
    assert res.touched == (gid(1), gid(2)) and res.violations == []
    assert res.summary["households_moved"] == 240 and res.summary["repair"]["still_out"] == []
    assert res.plan.grids()["in_band"].all()
    assert ed.undo().plan is broken
    again = PlanEditor.replay(plan, [*ed.events, {"op": "redo"}])
    assert again.plan.assignment == res.plan.assignment
    assert PlanEditor(plan).repair(unlocked={gid(2)}).event["unlocked"] == [gid(2)]
