"""Repairs that split and merge: the exact model against brute force, exact against the
heuristic, and the demo district broken (merged pairs), grown (new estates) and shrunk."""

from __future__ import annotations

import dataclasses
import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.grids.edits import PlanEditor
from geo.grids.graph import is_contiguous
from geo.grids.gridding import grid_communities
from geo.grids.import_plan import data_changes, import_plan_layers
from geo.grids.params import GridParams
from geo.grids.plan import Plan
from geo.grids.repair import grid_count_range, region_lower_bound, repair_plan
from geo.grids.repair_exact import connected_sets, solve_region
from tests.geo._synthetic import block_units

LO, HI = 300.0, 500.0


# --------------------------------------------------------------------------- exact vs brute force


def _lattice(nx: int, ny: int) -> tuple[list[str], dict[str, list[str]]]:
    units = [f"{x}-{y}" for x in range(nx) for y in range(ny)]
    nbrs = {
        f"{x}-{y}": [
            f"{x + dx}-{y + dy}"
            for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1))
            if 0 <= x + dx < nx and 0 <= y + dy < ny
        ]
        for x in range(nx)
        for y in range(ny)
    }
    return units, nbrs


def _brute_force(units, nbrs, size, home, n_kept, n_new):
    """Least cost over every assignment of units to slots (new slots unlabelled)."""
    best = np.inf
    n_slots = n_kept + n_new
    for labels in itertools.product(range(n_slots), repeat=len(units)):
        new_used = [s for s in range(n_kept, n_slots) if s in labels]
        if new_used != list(range(n_kept, n_kept + len(new_used))):
            continue  # the same partition with the new slots numbered otherwise
        groups: dict[int, list[str]] = {}
        for u, s in zip(units, labels, strict=True):
            groups.setdefault(s, []).append(u)
        if all(
            LO <= sum(size[u] for u in g) <= HI and is_contiguous(g, nbrs) for g in groups.values()
        ):
            best = min(
                best, sum(size[u] for u, s in zip(units, labels, strict=True) if s != home[u])
            )
    return best


def test_connected_sets_match_brute_force() -> None:
    units, nbrs = _lattice(3, 3)
    rng = np.random.default_rng(7)
    size = {u: float(rng.integers(0, 200)) for u in units}
    got = connected_sets(units, nbrs, size, 400, limit=None)
    assert got is not None and len(got) == len(set(got))
    want = {
        tuple(sorted(units.index(u) for u in combo))
        for k in range(1, len(units) + 1)
        for combo in itertools.combinations(units, k)
        if sum(size[u] for u in combo) <= 400 and is_contiguous(list(combo), nbrs)
    }
    assert set(got) == want
    assert connected_sets(units, nbrs, size, 400, limit=len(want) - 1) is None


@pytest.mark.parametrize("method", ["partition", "flow"])
@pytest.mark.parametrize("seed", range(6))
def test_exact_region_matches_brute_force(seed: int, method: str) -> None:
    rng = np.random.default_rng(seed)
    units, nbrs = _lattice(3, 2)
    size = {u: float(rng.integers(60, 260)) for u in units}
    home = {u: (0 if u[0] == "0" or seed % 2 else 1) for u in units}
    n_kept = len(set(home.values()))
    home = {u: min(h, n_kept - 1) for u, h in home.items()}
    _, kmax = grid_count_range(sum(size.values()), LO, HI)
    n_new = max(0, kmax - n_kept)
    want = _brute_force(units, nbrs, size, home, n_kept, n_new)
    sol = solve_region(units, nbrs, size, size, home, n_kept, n_new, LO, HI, method=method)
    if not np.isfinite(want):
        assert sol is None
        return
    assert sol is not None and sol.status == "optimal"
    assert sol.moved == pytest.approx(want)
    groups: dict[int, list[str]] = {}
    for u, s in sol.slot_of.items():
        groups.setdefault(s, []).append(u)
    assert all(
        LO <= sum(size[u] for u in g) <= HI and is_contiguous(g, nbrs) for g in groups.values()
    )
    assert (
        region_lower_bound(
            [sum(size[u] for u in units if home[u] == k) for k in range(n_kept)], LO, HI
        )
        <= want
    )


def test_lower_bound_by_hand() -> None:
    assert grid_count_range(1200, LO, HI) == (3, 4)
    assert grid_count_range(550, LO, HI) == (2, 1)  # no number of grids fits
    assert region_lower_bound([1200], LO, HI) == 700  # 700 must leave; new grids take >= 2 x 300
    assert region_lower_bound([100, 100, 400], LO, HI) == 100  # 2 grids: one of the three vanishes
    assert region_lower_bound([550], LO, HI) == 0


# --------------------------------------------------------------------------- exact vs heuristic


def _one_grid_plan(nx: int, ny: int, hh: float) -> Plan:
    graph = block_units(nx, ny, hh=hh)
    return Plan(graph, {u: "320211000001001" for u in graph.units.index}, params=GridParams())


@pytest.mark.parametrize(("nx", "ny", "hh"), [(4, 3, 100), (3, 3, 110), (5, 2, 90), (4, 4, 60)])
def test_exact_and_heuristic_agree_on_small_cases(nx: int, ny: int, hh: float) -> None:
    plan = _one_grid_plan(nx, ny, hh)
    exact = repair_plan(plan)
    heur = repair_plan(plan, exact_max_units=0)
    for rep in (exact, heur):
        grids = rep.plan.grids()
        assert grids["in_band"].all() and grids["contiguous"].all(), rep.still_out
        assert rep.bound <= rep.households_moved + 1e-9
        assert "320211000001001" in grids.index  # the largest part keeps the code
        assert all(c.startswith("320211000001") and c != "320211000001001" for c in rep.new_codes)
    assert exact.status == "optimal" and heur.regions[0]["method"] == "heuristic"
    assert heur.households_moved == pytest.approx(exact.households_moved)
    # and against the MIP itself, whatever path the repair took
    units = list(plan.units.units.index)
    size = plan.units.units["households"].astype(float).to_dict()
    _, kmax = grid_count_range(sum(size.values()), LO, HI)
    sol = solve_region(
        units, plan.units.neighbors, size, size, dict.fromkeys(units, 0), 1, kmax - 1, LO, HI
    )
    assert sol is not None and sol.status == "optimal"
    assert sol.moved == pytest.approx(heur.households_moved)
    split = next(r for r in exact.grid_changes if r["grid_id"] == "320211000001001")
    assert split["change"] == "split" and set(split["into"]) == {
        "320211000001001",
        *exact.new_codes,
    }


def test_retired_codes_are_never_reused() -> None:
    plan = _one_grid_plan(4, 3, 100)
    rep = repair_plan(plan, retired=["320211000001002", "320211000001003"])
    assert set(rep.new_codes) == {"320211000001004", "320211000001005"}


def test_an_undersized_grid_is_dissolved_into_its_neighbours() -> None:
    graph = block_units(4, 3, hh=100)  # columns of 300 households
    cols = {u: f"320211000001{int(u.split('-')[1]) + 1:03d}" for u in graph.units.index}
    hh = {u: (40.0 if u.startswith("C1-3-") else 100.0) for u in graph.units.index}  # column 4: 120
    units = graph.units.assign(households=[hh[u] for u in graph.units.index])
    graph = type(graph)(units=units, edges=graph.edges, communities=graph.communities)
    plan = Plan(graph, cols, params=GridParams())
    rep = repair_plan(plan, unlocked="neighbours")
    grids = rep.plan.grids()
    assert grids["in_band"].all() and len(grids) == 3
    assert rep.retired_codes == ("320211000001004",) and rep.households_moved == 120
    merged = next(r for r in rep.grid_changes if r["grid_id"] == "320211000001004")
    assert merged["change"] == "merged" and merged["into"] == ["320211000001003"]
    assert rep.status == "optimal"


# --------------------------------------------------------------------------- the demo


@pytest.fixture(scope="module")
def demo_grid(demo_layers) -> Plan:
    return grid_communities(demo_layers, GridParams()).plan


def _same(a: shapely.Geometry, b: shapely.Geometry) -> bool:
    return shapely.area(shapely.symmetric_difference(a, b)) < 1e-6


def _merge_pairs(plan: Plan, n: int) -> tuple[Plan, list[str]]:
    """Merge ``n`` pairs of neighbouring grids, one pair per community."""
    ed = PlanEditor(plan)
    nbrs, comm = plan.units.neighbors, plan.units.community_of
    merged: list[str] = []
    seen: set[str] = set()
    for a in sorted(plan.members):
        cid = comm[plan.members[a][0]]
        if len(merged) == n:
            break
        if cid in seen:
            continue
        partners = sorted(
            {plan.assignment[v] for u in plan.members[a] for v in nbrs[u] if comm[v] == cid} - {a}
        )
        if partners:
            ed.merge(a, partners[0])
            merged.append(a)
            seen.add(cid)
    return ed.plan, merged


def test_merge_pairs_split_back_into_band(demo_grid: Plan) -> None:
    assert demo_grid.grids()["in_band"].all()
    broken, merged = _merge_pairs(demo_grid, 10)
    before = broken.grids()
    assert len(merged) == 10 and (before.loc[merged, "households"] > 600).all()
    rep = repair_plan(broken)
    after = rep.plan.grids()
    assert after["in_band"].all() and after["contiguous"].all() and rep.still_out == []
    for g in before.index.difference(merged):  # every grid in band and not merged: unchanged
        assert _same(before.geometry[g], after.geometry[g]) and g in after.index
    assert set(rep.changed_grids()) == set(merged) | set(rep.new_codes)
    assert rep.households_moved <= before.loc[merged, "households"].sum()
    assert rep.status == "optimal" and rep.bound == rep.households_moved
    assert len(rep.new_codes) == 10 and not set(rep.new_codes) & set(demo_grid.members)


def _grid_layer(plan: Plan) -> gpd.GeoDataFrame:
    grids = plan.grids()
    return gpd.GeoDataFrame(
        {"grid_id": grids.index, "name": grids["name"].to_numpy()},
        geometry=grids.geometry.to_numpy(),
        crs=grids.crs,
    )


def _new_estates(layers, communities: list[str], per: int, households: int) -> gpd.GeoDataFrame:
    """``per`` new 30 m square estates in each community, on land no estate or building holds."""
    est = layers.estates
    taken = shapely.union_all(est.geometry.to_numpy()).buffer(20)
    if layers.buildings is not None and len(layers.buildings):
        taken = taken.union(shapely.union_all(layers.buildings.geometry.to_numpy()).buffer(20))
    rows = []
    comms = layers.communities.set_index("community_id")
    for cid in communities:
        room = comms.geometry[cid].buffer(-40).difference(taken)
        x0, y0, x1, y1 = room.bounds
        pts = [
            shapely.Point(x, y) for x in np.arange(x0, x1, 25.0) for y in np.arange(y0, y1, 25.0)
        ]
        free = [p for p in pts if room.contains(p.buffer(25))]
        chosen: list[shapely.Point] = []
        for p in free:
            if all(p.distance(q) > 80 for q in chosen):
                chosen.append(p)
            if len(chosen) == per:
                break
        assert len(chosen) == per, f"no room for {per} estates in {cid}"
        for i, p in enumerate(chosen):
            rows.append(
                {
                    "estate_id": f"{cid}NEW{i + 1:02d}",
                    "community_id": cid,
                    "households": households,
                    "party_members": households // 20,
                    "residents": households * 2.5,
                    "geometry": shapely.box(p.x - 15, p.y - 15, p.x + 15, p.y + 15),
                }
            )
    new = gpd.GeoDataFrame(rows, crs=est.crs)
    return gpd.GeoDataFrame(pd.concat([est, new], ignore_index=True), crs=est.crs)


def _units_table(plan: Plan) -> pd.DataFrame:
    return plan.units.units[["unit_id", "estate_id", "community_id", "households", "party_members"]]


def test_growth_twenty_new_estates_in_five_communities(demo_layers, demo_grid: Plan) -> None:
    comms = sorted(demo_layers.communities["community_id"].astype(str))[10:15]
    estates = _new_estates(demo_layers, comms, 4, 400)
    grown = dataclasses.replace(demo_layers, estates=estates)
    changes = data_changes(_units_table(demo_grid), grown.estates)
    assert len(changes["new_estates"]) == 20 and changes["communities"] == comms
    assert changes["households_after"] - changes["households_before"] == 8000
    assert changes["demolished"] == [] and changes["changed"] == []
    imp = import_plan_layers(grown, _grid_layer(demo_grid), params=GridParams())
    old = demo_grid.grids()
    imported = imp.plan.grids()
    out = set(imported.index[~imported["in_band"]])
    assert out and {imported.at[g, "community_id"] for g in out} <= set(comms)
    # the partition model solves four of the five neighbourhoods in well under 0.2 s; the
    # fifth (29 units, many small buildings: too many connected sets, too many units x grids
    # for the flow model) keeps the heuristic's answer, with its gap; solves stop on a node
    # limit, so no time limit decides the answer; outlines are judged on the map (a sliver
    # there joins two cells in the graph that the map keeps apart)
    rep = repair_plan(imp.plan)
    assert [r["status"] for r in rep.regions].count("heuristic") <= 1
    assert sum(r["method"] == "exact" and r["status"] == "optimal" for r in rep.regions) >= 4
    after = rep.plan.grids()
    assert after["in_band"].all() and after["contiguous"].all(), rep.still_out
    assert all(r["bound"] <= r["households_moved"] + 1e-9 for r in rep.regions)
    kept = [r["grid_id"] for r in rep.grid_changes if r["change"] == "kept"]
    assert len(kept) >= len(old) - 3 * len(out)
    for g in kept:  # every grid the repair did not change is the plan in force's, code and outline
        assert _same(old.geometry[g], after.geometry[g])
    assert {after.at[g, "community_id"] for g in rep.changed_grids() if g in after.index} <= set(
        comms
    )
    assert {old.at[g, "community_id"] for g in rep.retired_codes} <= set(comms)
    assert rep.bound <= rep.households_moved <= imported.loc[sorted(out), "households"].sum()


def test_shrink_households_halved_in_one_community(demo_layers, demo_grid: Plan) -> None:
    grids = demo_grid.grids()
    cid = grids.groupby("community_id").size().idxmax()  # the community with most grids
    est = demo_layers.estates.copy()
    inside = est["community_id"].astype(str) == cid
    est.loc[inside, "households"] = np.ceil(est.loc[inside, "households"] / 2)
    est.loc[inside, "party_members"] = np.ceil(est.loc[inside, "party_members"] / 2)
    bld = demo_layers.buildings
    if bld is not None and len(bld):
        bld = bld.copy()
        mine = bld["estate_id"].isin(set(est.loc[inside, "estate_id"]))
        bld.loc[mine, "households"] = np.ceil(bld.loc[mine, "households"] / 2)
        sums = bld[mine].groupby("estate_id")["households"].sum()
        est.loc[est["estate_id"].isin(sums.index), "households"] = est["estate_id"].map(sums)
    shrunk = dataclasses.replace(demo_layers, estates=est, buildings=bld)
    imp = import_plan_layers(shrunk, _grid_layer(demo_grid), params=GridParams())
    imported = imp.plan.grids()
    out = set(imported.index[~imported["in_band"]])
    assert out and {imported.at[g, "community_id"] for g in out} == {cid}
    rep = repair_plan(imp.plan)
    after = rep.plan.grids()
    assert after["in_band"].all() and after["contiguous"].all(), rep.still_out
    assert rep.retired_codes and {grids.at[g, "community_id"] for g in rep.retired_codes} == {cid}
    for r in rep.grid_changes:
        if r["change"] == "kept":
            assert _same(grids.geometry[r["grid_id"]], after.geometry[r["grid_id"]])
    assert {after.at[g, "community_id"] for g in rep.changed_grids() if g in after.index} == {cid}
    assert rep.bound <= rep.households_moved <= imported.loc[sorted(out), "households"].sum()


def test_app_repair_over_updated_layers_shows_the_changes(demo_layers, demo_grid: Plan) -> None:
    """The plans tab's engine call: a saved plan, the grown data, the changes and the repair."""
    from geo.output.store import record_from_plan
    from ui.plans import REPAIR_COLOURS, repair_over

    comms = sorted(demo_layers.communities["community_id"].astype(str))[10:12]
    grown = dataclasses.replace(demo_layers, estates=_new_estates(demo_layers, comms, 3, 400))
    out = repair_over(grown, record_from_plan(demo_grid, "street"))
    rep = out["repair"]
    assert (
        set(out["changes"]["grid_id"])
        and (out["changes"]["households_after"] > out["changes"]["households_before"]).all()
    )
    assert {demo_grid.grids().at[g, "community_id"] for g in out["changes"]["grid_id"]} <= set(
        comms
    )
    assert out["after"]["in_band"].all() and set(out["after"]["change"]) <= set(REPAIR_COLOURS)
    assert set(out["before"]["grid_id"]) == set(demo_grid.members)
    assert not set(rep.new_codes) & set(demo_grid.members)


# --------------------------------------------------------------------------- outlines decide


def _ring_plan() -> Plan:
    """Six estates in a row (250, 100, 100, 100, 100, 250 households) in one grid, with a
    graph edge between the two ends, whose cells are 400 m apart: the graph is a ring, the
    map a row. On the ring, {end, end} (500) and the middle four (400) move 400; on the row
    the best is two halves of 450 (450 moved)."""
    graph = block_units(6, 1, hh=100)
    hh = {u: (250.0 if u in ("C1-0-0", "C1-5-0") else 100.0) for u in graph.units.index}
    units = graph.units.assign(households=[hh[u] for u in graph.units.index])
    fake = pd.DataFrame(
        {"unit_a": ["C1-0-0"], "unit_b": ["C1-5-0"], "length_m": [50.0], "kind": ["shared"]}
    )
    edges = pd.concat([graph.edges, fake], ignore_index=True)
    graph = type(graph)(units=units, edges=edges, communities=graph.communities)
    return Plan(graph, dict.fromkeys(graph.units.index, "320211000001001"), params=GridParams())


def _row_optimum(plan: Plan) -> float:
    """Brute force over the row (the cells' true adjacency, from their outlines)."""
    units = sorted(plan.units.units.index)
    nbrs = {
        u: [
            v
            for v in units
            if shapely.intersection(
                plan.units.units.geometry[u], plan.units.units.geometry[v]
            ).length
            > 1.0
            and v != u
        ]
        for u in units
    }
    size = plan.units.units["households"].astype(float).to_dict()
    return _brute_force(units, nbrs, size, dict.fromkeys(units, 0), 1, 2)


def test_a_graph_edge_the_outlines_do_not_share_is_never_used() -> None:
    plan = _ring_plan()
    assert _row_optimum(plan) == 450
    rep = repair_plan(plan)
    grids = rep.plan.grids()
    assert grids["in_band"].all() and grids["contiguous"].all()
    assert rep.status == "optimal" and rep.households_moved == 450
    # the model on the ring alone would join the ends (400 moved)
    units = list(plan.units.units.index)
    size = plan.units.units["households"].astype(float).to_dict()
    ring = solve_region(
        units, plan.units.neighbors, size, size, dict.fromkeys(units, 0), 1, 2, LO, HI
    )
    assert ring is not None and ring.moved == 400


def test_an_answer_with_a_two_part_grid_is_rejected(monkeypatch) -> None:
    """With the graph taken at its word (no outline check of the edges), the exact answer
    joins the two ends; checked on the map, it is rejected and never returned."""
    import geo.grids.repair as repair

    monkeypatch.setattr(repair, "outline_neighbors", lambda plan, units: plan.units.neighbors)
    rep = repair_plan(_ring_plan())
    grids = rep.plan.grids()
    assert grids["contiguous"].all()
    assert any(str(r.get("exact", "")).startswith("rejected") for r in rep.regions)
    assert rep.status != "optimal"


def test_a_node_limited_solve_is_never_worse_than_its_start() -> None:
    units, nbrs = _lattice(5, 4)
    rng = np.random.default_rng(3)
    size = {u: float(rng.integers(40, 160)) for u in units}
    home = dict.fromkeys(units, 0)
    _, kmax = grid_count_range(sum(size.values()), LO, HI)
    best = solve_region(units, nbrs, size, size, home, 1, kmax - 1, LO, HI, node_limit=None)
    assert best is not None and best.status == "optimal"
    start = best.slot_of
    for limit in (0, 1):
        sol = solve_region(
            units, nbrs, size, size, home, 1, kmax - 1, LO, HI, node_limit=limit, start=start
        )
        assert sol is not None and sol.moved <= best.moved + 1e-9
        assert sol.status in ("optimal", "node_limit") and sol.bound <= sol.moved + 1e-9
