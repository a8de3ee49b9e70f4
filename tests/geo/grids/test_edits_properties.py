"""Property tests (hypothesis) of planner edits on random synthetic communities.

Invariants after any sequence of edits: every unit in exactly one grid, every grid
contiguous and inside one community, the patched grid table equal to the assignment's
counts; undo restores the exact previous plan; locked grids identical after re-optimising.
"""

from __future__ import annotations

from functools import lru_cache

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.errors import EditError
from geo.grids.edits import PlanEditor
from geo.grids.gridding import grid_communities
from geo.grids.params import GridParams
from geo.grids.plan import Plan
from geo.grids.units import UnitGraph, build_units_from_frames

CRS = "EPSG:32651"


@lru_cache(maxsize=8)
def _plan(seed: int) -> Plan:
    """A random layout: 1-2 communities of jittered estates with 30-220 households."""
    rng = np.random.default_rng(seed)
    n_comm = 1 + seed % 2
    nx, ny = int(rng.integers(3, 6)), int(rng.integers(3, 5))
    comms, ests = [], []
    for c in range(n_comm):
        ox = c * nx * 120.0
        comms.append(
            {
                "community_id": f"C{c}",
                "name": f"C{c}",
                "geometry": shapely.box(ox, 0, ox + nx * 120.0, ny * 120.0),
            }
        )
        for x in range(nx):
            for y in range(ny):
                if rng.random() < 0.12:
                    continue  # a park: land without an estate
                w, h = rng.uniform(50, 100, size=2)
                x0, y0 = ox + x * 120 + rng.uniform(5, 115 - w), y * 120 + rng.uniform(5, 115 - h)
                ests.append(
                    {
                        "estate_id": f"C{c}-{x}-{y}",
                        "community_id": f"C{c}",
                        "households": int(rng.integers(30, 220)),
                        "party_members": int(rng.integers(0, 15)),
                        "geometry": shapely.box(x0, y0, x0 + w, y0 + h),
                    }
                )
    graph = build_units_from_frames(
        gpd.GeoDataFrame(comms, crs=CRS), gpd.GeoDataFrame(ests, crs=CRS)
    )
    return grid_communities(graph, GridParams(seed=seed, restarts=1)).plan


def _nx_graph(units: UnitGraph) -> nx.Graph:
    """The unit adjacency as a networkx graph, read straight from the edge table."""
    gx = nx.Graph()
    gx.add_nodes_from(units.units.index)
    gx.add_edges_from(zip(units.edges["unit_a"], units.edges["unit_b"], strict=True))
    return gx


def _check(plan: Plan) -> None:
    units = set(plan.units.units.index)
    assert set(plan.assignment) == units
    seen: set[str] = set()
    for g, us in plan.members.items():
        assert not seen & set(us)
        seen |= set(us)
        assert nx.is_connected(_nx_graph(plan.units).subgraph(us)), (
            f"grid {g} not contiguous"
        )  # networkx
        assert len({plan.units.community_of[u] for u in us}) == 1, f"grid {g} spans communities"
    assert seen == units
    table = plan.grids()
    hh = plan.units.units["households"].groupby(pd_series(plan)).sum()
    assert sorted(table.index) == sorted(plan.members)
    assert np.allclose(table.loc[hh.index, "households"].to_numpy(), hh.to_numpy())
    assert table["contiguous"].all()


def pd_series(plan: Plan):
    import pandas as pd

    return pd.Series(plan.assignment).reindex(plan.units.units.index)


def _boundary_moves(plan: Plan) -> list[tuple[str, str]]:
    out = []
    for u, g in sorted(plan.assignment.items()):
        for v in plan.units.neighbors[u]:
            h = plan.assignment[v]
            if h != g and plan.units.community_of[v] == plan.units.community_of[u]:
                out.append((u, h))
    return sorted(set(out))


def _adjacent_pairs(plan: Plan) -> list[tuple[str, str]]:
    return sorted(
        {(min(g, h), max(g, h)) for u, h in _boundary_moves(plan) for g in [plan.assignment[u]]}
    )


OPS = st.sampled_from(
    ["move", "move", "move", "merge", "split", "lock", "unlock", "repair", "undo", "redo"]
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 5), ops=st.lists(OPS, min_size=1, max_size=8), data=st.data())
def test_edit_sequences_keep_the_invariants(seed: int, ops: list[str], data: st.DataObject) -> None:
    start = _plan(seed)
    ed = PlanEditor(start)
    for op in ops:
        before = ed.plan
        try:
            if op == "move":
                cands = _boundary_moves(before)
                if not cands:
                    continue
                u, to = data.draw(st.sampled_from(cands))
                res = ed.move(u, to, allow_remove=data.draw(st.booleans()))
            elif op == "merge":
                pairs = _adjacent_pairs(before)
                if not pairs:
                    continue
                a, b = data.draw(st.sampled_from(pairs))
                res = ed.merge(a, b)
            elif op == "split":
                g = data.draw(st.sampled_from(sorted(before.members)))
                res = ed.split(g, data.draw(st.integers(2, 3)), seed=data.draw(st.integers(0, 3)))
            elif op in ("lock", "unlock"):
                gs = data.draw(
                    st.lists(st.sampled_from(sorted(before.members)), min_size=1, max_size=2)
                )
                res = ed.lock(gs) if op == "lock" else ed.unlock(gs)
            elif op == "repair":
                res = ed.repair(data.draw(st.sampled_from([None, "neighbours", "all"])))
            elif op == "undo":
                res = ed.undo()
            else:
                res = ed.redo()
        except EditError:
            assert ed.plan is before  # a refused edit changes nothing
            continue
        assert res.plan is ed.plan
        _check(ed.plan)
        assert set(res.grids.index) <= set(res.touched)
        if op not in ("undo", "redo"):
            # undo restores the exact previous plan, redo the edited one
            assert ed.undo().plan is before
            assert ed.redo().plan is res.plan


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 5), data=st.data())
def test_locked_grids_identical_after_reoptimise(seed: int, data: st.DataObject) -> None:
    start = _plan(seed)
    grids = sorted(start.members)
    locked = data.draw(
        st.lists(st.sampled_from(grids), max_size=max(1, len(grids) // 2), unique=True)
    )
    ed = PlanEditor(start)
    if locked:
        ed.lock(locked)
    res = ed.reoptimise()
    for g in locked:
        assert res.plan.members[g] == start.members[g]
        assert res.plan.names.get(g) == start.names.get(g)
    assert res.plan.locked == frozenset(locked)
    _check(res.plan)
