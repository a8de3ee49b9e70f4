"""Automatic gridding (geo.grids.gridding): parameters, k rule, ids, plans, locks, reports."""

from __future__ import annotations

import numpy as np
import pytest

from geo.errors import ValidationError
from geo.grids.gridding import choose_k, grid_communities, reoptimise
from geo.grids.ids import community_prefixes
from geo.grids.params import GridParams
from geo.grids.plan import Plan
from geo.grids.units import build_units_from_frames
from tests.geo._synthetic import make_frames


@pytest.fixture(scope="module")
def graph():
    comms, estates, buildings = make_frames(7, n_communities=2, nx=6, ny=5, big_estates=1)
    return build_units_from_frames(comms, estates, buildings)


@pytest.fixture(scope="module")
def result(graph):
    return grid_communities(graph, GridParams(seed=1))


def test_params_are_validated_and_hashable():
    p = GridParams()
    assert hash(p) == hash(GridParams()) and p.band() == (300.0, 500.0)
    assert GridParams(size_by="party_members").band() == (15.0, 40.0)
    with pytest.raises(ValidationError, match="min_households"):
        GridParams(min_households=600, max_households=500)
    with pytest.raises(ValidationError, match=r"(?s)size_by.*balance"):
        GridParams(size_by="people", balance="x")
    with pytest.raises(ValidationError, match="n_grids"):
        GridParams(n_grids=0)


@pytest.mark.parametrize(
    ("total", "n_units", "k", "feasible"),
    [
        (1200, 10, 3, True),
        (400, 5, 1, True),
        (150, 3, 1, False),
        (0, 2, 1, False),
        (550, 4, 2, False),
        (5000, 4, 4, False),
        (900, 3, 2, True),
        (0, 0, 0, False),
    ],
)
def test_choose_k(total, n_units, k, feasible):
    got, why = choose_k(total, 300, 500, n_units)
    assert got == k and (why == "") == feasible


def test_every_unit_once_contiguous_tiled(result, graph):
    plan = result.plan
    assert set(plan.assignment) == set(graph.units.index)
    grids = plan.grids()
    assert grids["contiguous"].all()
    assert plan.tiling()["ok"].all()
    assert grids["households"].sum() == graph.units["households"].sum()
    s = plan.summary()
    assert s["n_grids"] == len(grids) and s["all_contiguous"]
    assert s["share_in_band"] >= 0.9


def test_grid_ids_prefix_and_reading_order(result, graph):
    grids = result.plan.grids()
    prefixes = community_prefixes(graph.communities)
    for cid, sub in grids.groupby("community_id"):
        assert all(g.startswith(prefixes[cid]) and len(g) == 15 for g in sub.index)
        seqs = sorted(int(g[-3:]) for g in sub.index)
        assert seqs == list(range(1, len(sub) + 1))
        first = sub.loc[min(sub.index)]
        # grid 001 lies in the northern row
        assert first.geometry.centroid.y >= sub.geometry.centroid.y.quantile(0.5)


def test_street_and_community_codes_are_used():
    comms, estates, _ = make_frames(1, nx=3, ny=3)
    comms = comms.assign(street_code="320211007", community_code="012")
    graph = build_units_from_frames(comms, estates)
    plan = grid_communities(graph).plan
    assert all(g.startswith("320211007012") for g in plan.grids().index)


def test_reproducible_from_seed(graph, result):
    again = grid_communities(graph, GridParams(seed=1))
    assert again.plan.assignment == result.plan.assignment
    # The seed reaches the search: another seed gives another (still valid) plan of the same units.
    other = grid_communities(graph, GridParams(seed=2)).plan
    assert set(other.assignment) == set(result.plan.assignment)
    assert other.assignment != result.plan.assignment
    assert other.grids()["contiguous"].all() and other.tiling()["ok"].all()


def test_locked_grids_survive_reoptimisation(result):
    plan = result.plan
    locked = sorted(plan.members)[:3]
    plan_l = plan.with_assignment(locked=frozenset(locked))
    new = reoptimise(plan_l, params=GridParams(seed=9, compactness_weight=0.5))
    for g in locked:
        assert new.members[g] == plan.members[g]
        assert new.names[g] == plan.names[g]
    assert new.locked == frozenset(locked)
    assert new.grids()["contiguous"].all() and new.tiling()["ok"].all()


def test_with_assignment_incremental_matches_full(result):
    plan = result.plan
    plan.grids()
    grids = plan.grids()
    g1 = grids.index[0]
    # move one boundary unit of g1 to a neighbouring grid
    nb = plan.units.neighbors
    u, h = next(
        (u, plan.assignment[v]) for u in plan.members[g1] for v in nb[u] if plan.assignment[v] != g1
    )
    new_assign = dict(plan.assignment)
    new_assign[u] = h
    fast = plan.with_assignment(new_assign, touched=[g1, h]).grids()
    slow = Plan(plan.units, new_assign, plan.names, plan.locked, plan.params).grids()
    cols = [
        "households",
        "party_members",
        "n_units",
        "dev_pct",
        "in_band",
        "polsby_popper",
        "issue",
    ]
    assert fast[cols].equals(slow[cols])
    assert plan.assignment[u] != h  # original unchanged


def test_party_member_view_and_fixed_k(graph):
    res = grid_communities(graph, GridParams(size_by="party_members", balance="households", seed=0))
    grids = res.plan.grids()
    assert {"households", "party_members"} <= set(grids.columns)
    assert (grids["size"] == grids["party_members"]).all()
    fixed = grid_communities(graph, GridParams(n_grids=4)).plan.grids()
    assert fixed.groupby("community_id").size().eq(4).all()


def test_infeasible_communities_are_reported_not_fatal():
    comms, estates, _ = make_frames(4, n_communities=2, nx=2, ny=1, households=(50, 60))
    estates = estates.copy()
    estates.loc[estates["community_id"] == "C02", "households"] = 0
    res = grid_communities(build_units_from_frames(comms, estates))
    reasons = {r["community_id"]: r["reasons"] for r in res.report}
    assert "(< 300)" in reasons["C01"][0]
    assert "0 of the sized count" in reasons["C02"][0]
    assert len(res.plan.grids()) == 2
    assert res.plan.summary()["infeasible_communities"]


def test_single_unit_above_max_is_explained():
    comms, estates, _ = make_frames(4, nx=3, ny=1, households=(100, 101))
    estates = estates.copy()
    estates.loc[0, "households"] = 480
    graph = build_units_from_frames(comms, estates, max_households=1000)
    res = grid_communities(graph, GridParams(min_households=200, max_households=300))
    issues = " ".join(res.plan.grids()["issue"])
    assert "one unit alone holds 480" in issues


def test_progress_callback_counts_communities(graph):
    calls = []
    grid_communities(graph, progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (2, 2)


def test_process_pool_matches_serial(graph, result):
    par = grid_communities(graph, GridParams(seed=1), workers=2)
    assert par.plan.assignment == result.plan.assignment
    assert np.isclose(
        par.plan.summary()["mean_polsby_popper"], result.plan.summary()["mean_polsby_popper"]
    )


def _layers_with_buildings(households: int, per_building: int):
    import geopandas as gpd
    import shapely

    from geo.data.schema import Layers

    comms, estates, _ = make_frames(11, nx=3, ny=1, households=(households, households + 1))
    rows = []
    for eid, geom in zip(estates["estate_id"], estates.geometry, strict=True):
        x0, y0, x1, y1 = geom.bounds
        n = households // per_building
        w = (x1 - x0) / n
        for i in range(n):
            rows.append(
                {
                    "building_id": f"B{i}",
                    "estate_id": eid,
                    "households": per_building,
                    "geometry": shapely.box(x0 + i * w + 2, y0 + 5, x0 + (i + 1) * w - 2, y1 - 5),
                }
            )
    buildings = gpd.GeoDataFrame(rows, crs=estates.crs)
    return Layers(
        communities=comms,
        estates=estates.assign(residents=estates["households"] * 2.6),
        buildings=buildings,
    )


def test_split_to_fit_splits_estates_by_buildings_only_when_needed():
    layers = _layers_with_buildings(400, 100)  # three estates of 400, total 1200
    params = GridParams(min_households=550, max_households=650)
    whole = grid_communities(
        layers, GridParams(min_households=550, max_households=650, split_to_fit=False)
    )
    assert not whole.plan.grids()["in_band"].all()
    fit = grid_communities(layers, params)
    grids = fit.plan.grids()
    assert grids["in_band"].all() and len(grids) == 2
    assert fit.report[0]["refined"]
    assert fit.plan.units.units["building_id"].notna().any()
    assert fit.plan.tiling()["ok"].all()
    easy = grid_communities(layers, GridParams(min_households=350, max_households=450))
    assert easy.plan.units.units["building_id"].isna().all()  # whole estates already fit


def test_dask_local_cluster_matches_local_run(graph, result):
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        seen = []
        dask = grid_communities(
            graph, GridParams(seed=1), scheduler=client, progress=lambda d, t: seen.append(d)
        )
        by_address = grid_communities(
            graph, GridParams(seed=1), scheduler=cluster.scheduler_address
        )
    assert dask.plan.assignment == result.plan.assignment
    assert by_address.plan.assignment == result.plan.assignment
    assert seen[-1] == 2


def test_executor_rejects_bad_workers_and_scheduler():
    from geo.grids.executor import map_communities

    assert map_communities(abs, [-1, -2, 3], workers=1) == [1, 2, 3]
    with pytest.raises(ValidationError, match="`workers` must be >= 1"):
        map_communities(abs, [1], workers=0)
    with pytest.raises(ValidationError, match="`scheduler` must be"):
        map_communities(abs, [1], scheduler=42)
