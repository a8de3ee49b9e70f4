"""An edit's delta (changed units, removed grids, figures) against a brute-force diff of plans."""

from __future__ import annotations

import pytest

from geo.grids.edits import PlanEditor, plan_figures
from geo.grids.params import GridParams
from geo.grids.plan import Plan
from tests.geo._synthetic import block_units


def gid(i: int) -> str:
    return f"320211001001{i:03d}"


@pytest.fixture()
def editor() -> PlanEditor:
    graph = block_units(4, 3, n_comm=1)
    assign = {u: gid(int(u.split("-")[1]) + 1) for u in graph.units.index}
    return PlanEditor(
        Plan(graph, assign, {g: g[-3:] for g in set(assign.values())}, frozenset(), GridParams())
    )


def _diff(old: dict[str, str], new: dict[str, str]) -> dict[str, str]:
    return {u: g for u, g in new.items() if old[u] != g}


EDITS = [
    ("move", lambda ed: ed.move(["C1-1-2", "C1-1-1"], gid(1))),
    ("merge", lambda ed: ed.merge(gid(3), gid(4))),
    ("split", lambda ed: ed.split(gid(3), 2)),
    ("lock", lambda ed: ed.lock(gid(1))),
    ("undo", lambda ed: ed.undo()),
    ("undo", lambda ed: ed.undo()),
    ("redo", lambda ed: ed.redo()),
]


def test_each_edit_returns_exactly_what_changed(editor: PlanEditor) -> None:
    for op, run in EDITS:
        old = editor.plan
        res = run(editor)
        new = res.plan
        # brute force: every unit compared between the whole plans
        assert res.changed_units == _diff(dict(old.assignment), dict(new.assignment)), op
        assert set(res.removed) == set(old.members) - set(new.members), op
        assert set(new.members) - set(old.members) <= set(res.touched), op
        # the touched grids' rows are the fresh plan's rows
        fresh = Plan(
            new.units, dict(new.assignment), dict(new.names), new.locked, new.params
        ).grids()
        for g in res.grids.index:
            assert res.grids.at[g, "households"] == fresh.at[g, "households"], (op, g)
        # plan-level figures agree with the full summary of a fresh plan
        s = Plan(new.units, dict(new.assignment), dict(new.names), new.locked, new.params).summary()
        f = res.figures
        assert f["n_grids"] == s["n_grids"] == len(new.members)
        assert f["share_in_band"] == pytest.approx(s["share_in_band"])
        assert f["max_abs_dev_pct"] == pytest.approx(s["max_abs_dev_pct"])
        assert f["n_locked"] == len(new.locked)
        assert plan_figures(new)["n_grids"] == f["n_grids"]


def test_lock_changes_no_unit(editor: PlanEditor) -> None:
    res = editor.lock(gid(2))
    assert res.changed_units == {} and res.removed == () and res.touched == (gid(2),)
    assert bool(res.grids.at[gid(2), "locked"])
