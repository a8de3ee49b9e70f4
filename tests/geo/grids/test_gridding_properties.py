"""Property tests (hypothesis) of gridding on random synthetic communities.

Invariants: every unit in exactly one grid, every grid contiguous and inside one community,
grids tile each community (area error < 1e-6 relative, no overlap), locked grids identical
after re-optimisation, plans reproducible from the seed.
"""

from __future__ import annotations

import networkx as nx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.grids.gridding import grid_communities, reoptimise
from geo.grids.params import GridParams
from geo.grids.units import UnitGraph, build_units_from_frames
from tests.geo._synthetic import make_frames

SETTINGS = settings(
    max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


@st.composite
def cases(draw):
    frames = make_frames(
        draw(st.integers(0, 10_000)),
        n_communities=draw(st.integers(1, 2)),
        nx=draw(st.integers(1, 5)),
        ny=draw(st.integers(1, 4)),
        households=(draw(st.integers(0, 120)), draw(st.integers(121, 480))),
        big_estates=draw(st.integers(0, 2)),
        buildings=draw(st.booleans()),
    )
    lo = draw(st.integers(100, 400))
    params = GridParams(
        min_households=lo,
        max_households=lo + draw(st.integers(0, 300)),
        compactness_weight=draw(st.sampled_from([0.0, 0.2, 1.0])),
        n_grids=draw(st.sampled_from([None, None, 2, 5])),
        seed=draw(st.integers(0, 99)),
        restarts=1,
    )
    return frames, params


def _nx_graph(units: UnitGraph) -> nx.Graph:
    """The unit adjacency as a networkx graph, read straight from the edge table."""
    gx = nx.Graph()
    gx.add_nodes_from(units.units.index)
    gx.add_edges_from(zip(units.edges["unit_a"], units.edges["unit_b"], strict=True))
    return gx


def _check_plan(plan, graph):
    assert sorted(plan.assignment) == sorted(graph.units.index)
    members = plan.members
    assert sum(len(v) for v in members.values()) == len(graph.units)
    for gid, units in members.items():
        assert nx.is_connected(_nx_graph(graph).subgraph(units)), (
            gid
        )  # networkx, not the engine's own routine
        assert len({graph.community_of[u] for u in units}) == 1, gid
    tiling = plan.tiling()
    assert (tiling["area_error_rel"] < 1e-6).all()
    assert (tiling["overlap_m2"] < 1e-6 * tiling["area_m2"]).all()


@SETTINGS
@given(cases())
def test_plans_partition_tile_and_reproduce(case):
    (comms, estates, buildings), params = case
    graph = build_units_from_frames(comms, estates, buildings, max_households=params.max_households)
    plan = grid_communities(graph, params).plan
    _check_plan(plan, graph)
    assert grid_communities(graph, params).plan.assignment == plan.assignment


@SETTINGS
@given(cases(), st.integers(1, 3))
def test_locked_grids_identical_after_reoptimisation(case, n_lock):
    (comms, estates, buildings), params = case
    graph = build_units_from_frames(comms, estates, buildings, max_households=params.max_households)
    plan = grid_communities(graph, params).plan
    locked = frozenset(sorted(plan.members)[::2][:n_lock])
    new = reoptimise(
        plan.with_assignment(locked=locked),
        params=GridParams(
            min_households=params.min_households,
            max_households=params.max_households,
            seed=params.seed + 1,
            restarts=1,
        ),
    )
    for g in locked:
        assert new.members[g] == plan.members[g]
    _check_plan(new, graph)
