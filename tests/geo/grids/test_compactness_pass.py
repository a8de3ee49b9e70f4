"""The gridder's compactness pass and the ``pp_no_local_regroup`` reason (issue 11), against
brute force with shapely geometry and networkx.

- Two strips of four cells (Polsby-Popper 0.19 each, in band) can be rounded only by a swap
  (every single move leaves the band): the pass makes both rounder than the best single swap
  brute force finds, and no grid is left below the floor; the reason check finds the swap, so
  the thin grids get no reason.
- A thin grid whose every move or swap leaves the band or splits a grid: the reason appears,
  with the number of candidates brute force counts and the band.
- Real-shape districts: every grid below the floor has a reason, every grid is in band or has
  a band reason, and the grids tile their communities; where the reason says no move or swap
  rounds a grid, brute force on its cells and its neighbours' agrees, candidates counted alike.
"""

from __future__ import annotations

import itertools
import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.grids.gridding import CommunityTask, _round_thin, grid_communities
from geo.grids.metrics import grid_table, reason_codes, shape_reasons
from geo.grids.params import GridParams
from geo.settings import MIN_POLSBY_POPPER
from tests.geo.grids._realshape import district_layers

CRS = "EPSG:32650"


def _contacts(cells: list[shapely.Polygon]) -> dict[tuple[int, int], float]:
    """Shared edge length (m) of every pair of cells that share an edge."""
    out = {}
    for i, j in itertools.combinations(range(len(cells)), 2):
        length = shapely.intersection(cells[i].boundary, cells[j].boundary).length
        if length > 1e-6:
            out[(i, j)] = length
    return out


def _pp(geom: shapely.Geometry) -> float:
    return 4 * math.pi * geom.area / geom.length**2


def _brute_force(
    cells: list[shapely.Polygon], sizes: list[float], labels: list[int], g: int, band: tuple
) -> tuple[int, float]:
    """Moves and swaps of one unit between ``g`` and a neighbouring grid: how many there are,
    and the best smaller Polsby-Popper of the two grids among those that keep both in band
    and connected (-1 when none raises it). Geometry by shapely, connectivity by networkx."""
    lo, hi = band
    touch = _contacts(cells)
    graph = nx.Graph(list(touch))
    graph.add_nodes_from(range(len(cells)))

    def grid(units: set[int]) -> tuple[float, float, bool]:
        geom = shapely.union_all([cells[u] for u in units])
        return sum(sizes[u] for u in units), _pp(geom), nx.is_connected(graph.subgraph(units))

    members = {h: {u for u, lab in enumerate(labels) if lab == h} for h in set(labels)}
    now = {h: grid(m)[1] for h, m in members.items()}
    n, best = 0, -1.0
    for h in sorted(set(labels) - {g}):
        mine = sorted(u for u in members[g] if any(v in members[h] for v in graph[u]))
        theirs = sorted(v for v in members[h] if any(u in members[g] for u in graph[v]))
        changes = [({u}, set()) for u in mine if len(members[g]) > 1]
        changes += [(set(), {v}) for v in theirs if len(members[h]) > 1]
        changes += [({u}, {v}) for u in mine for v in theirs]
        for out_g, in_g in changes:
            n += 1
            new_g = (members[g] - out_g) | in_g
            new_h = (members[h] - in_g) | out_g
            (sg, pg, cg), (sh, ph, ch) = grid(new_g), grid(new_h)
            rounder = min(pg, ph) > min(now[g], now[h]) + 1e-9
            if lo <= sg <= hi and lo <= sh <= hi and cg and ch and rounder:
                best = max(best, min(pg, ph))
    return n, best


def _task(cells: list[shapely.Polygon], sizes: list[float]) -> CommunityTask:
    touch = _contacts(cells)
    s = np.asarray(sizes, dtype=float)
    return CommunityTask(
        community_id="C",
        size=s,
        balance=s * 0.06,
        party=s * 0.06,
        area=np.array([c.area for c in cells]),
        perimeter=np.array([c.length for c in cells]),
        x=np.array([c.centroid.x for c in cells]),
        y=np.array([c.centroid.y for c in cells]),
        edge_a=np.array([i for i, _ in touch], dtype=np.intp),
        edge_b=np.array([j for _, j in touch], dtype=np.intp),
        edge_len=np.array(list(touch.values())),
        fixed=np.full(len(cells), -1, dtype=int),
        n_locked=0,
        params=GridParams(),
    )


def _nbrs(task: CommunityTask) -> list[list[tuple[int, float]]]:
    out: list[list[tuple[int, float]]] = [[] for _ in task.size]
    for a, b, w in zip(
        task.edge_a.tolist(), task.edge_b.tolist(), task.edge_len.tolist(), strict=True
    ):
        out[a].append((b, w))
        out[b].append((a, w))
    return out


def _reasons(
    cells: list[shapely.Polygon],
    sizes: list[float],
    labels: list[int],
    locked: frozenset = frozenset(),
) -> tuple[dict[str, str], gpd.GeoDataFrame]:
    ids = [f"u{i}" for i in range(len(cells))]
    units = gpd.GeoDataFrame(
        {
            "unit_id": ids,
            "estate_id": ids,
            "community_id": "C",
            "households": sizes,
            "party_members": [s * 0.06 for s in sizes],
            "residents": [s * 2.5 for s in sizes],
            "area_m2": [c.area for c in cells],
            "perimeter_m": [c.length for c in cells],
        },
        geometry=cells,
        crs=CRS,
    )
    units.index = units["unit_id"].to_numpy()
    touch = _contacts(cells)
    edges = pd.DataFrame(
        {
            "unit_a": [ids[i] for i, _ in touch],
            "unit_b": [ids[j] for _, j in touch],
            "length_m": list(touch.values()),
        }
    )
    neighbors = {u: [] for u in ids}
    for i, j in touch:
        neighbors[ids[i]].append(ids[j])
        neighbors[ids[j]].append(ids[i])
    assignment = {ids[i]: f"g{lab}" for i, lab in enumerate(labels)}
    grids = grid_table(units, assignment, neighbors=neighbors, locked=locked)
    members = {g: tuple(u for u in ids if assignment[u] == g) for g in grids.index}
    communities = gpd.GeoDataFrame(
        {"community_id": ["C"]}, geometry=[shapely.union_all(cells)], crs=CRS
    ).set_index("community_id", drop=False)
    why = shape_reasons(
        grids, units, members, communities, edges=edges, band=(300.0, 500.0), locked=locked
    )
    return why, grids


# two strips of four 100 m x 28 m cells, one above the other: the lower of 100 households a
# cell, the upper of 125; a single move leaves the band (600 or 525), a swap does not
STRIPS = [
    shapely.box(100 * i, 28 * r, 100 * (i + 1), 28 * (r + 1)) for r in (0, 1) for i in range(4)
]
STRIP_SIZES = [100.0] * 4 + [125.0] * 4
STRIP_LABELS = [0] * 4 + [1] * 4


def test_the_pass_rounds_two_strips_by_the_best_swap() -> None:
    task = _task(STRIPS, STRIP_SIZES)
    before = [_pp(shapely.union_all([STRIPS[u] for u in range(4 * g, 4 * g + 4)])) for g in (0, 1)]
    assert max(before) < MIN_POLSBY_POPPER
    n, best = _brute_force(STRIPS, STRIP_SIZES, STRIP_LABELS, 0, (300, 500))
    assert n == 4 + 4 + 4 * 4  # all four cells of each strip face the other strip
    assert best > min(before)
    labels, _, n_moved = _round_thin(list(range(8)), 2, STRIP_LABELS, 0.0, task, _nbrs(task))
    assert n_moved >= 1
    groups = [{u for u, lab in enumerate(labels) if lab == g} for g in set(labels)]
    graph = nx.Graph(list(_contacts(STRIPS)))
    for group in groups:
        assert 300 <= sum(STRIP_SIZES[u] for u in group) <= 500
        assert nx.is_connected(graph.subgraph(group))
    after = [_pp(shapely.union_all([STRIPS[u] for u in group])) for group in groups]
    assert min(after) >= best - 1e-9
    assert min(after) >= MIN_POLSBY_POPPER


def test_a_thin_grid_a_swap_can_round_gets_no_reason_and_a_locked_one_says_so() -> None:
    why, grids = _reasons(STRIPS, STRIP_SIZES, STRIP_LABELS)
    assert set(why) == {"g0", "g1"}
    assert why == {"g0": "", "g1": ""}  # the pass's business: not a reason the land forces
    why, _ = _reasons(STRIPS, STRIP_SIZES, STRIP_LABELS, locked=frozenset({"g0"}))
    assert [c for c, _ in reason_codes(why["g0"])] == ["pp_locked"]
    # g1's only neighbour is locked: no move or swap is left to weigh
    assert reason_codes(why["g1"]) == [("pp_no_neighbour", {"pp": why["g1"][14:18]})]
    assert float(grids.at["g0", "polsby_popper"]) < MIN_POLSBY_POPPER


# a thin grid of two 200 m x 20 m cells (150 households each) under one 400 m x 200 m cell
# (450), beside a grid of two 200 m x 110 m cells (200 each): every move or swap leaves the
# band or cuts a grid in two
THIN = [
    shapely.box(0, 0, 200, 20),
    shapely.box(200, 0, 400, 20),
    shapely.box(0, 20, 400, 220),
    shapely.box(400, 0, 600, 110),
    shapely.box(400, 110, 600, 220),
]
THIN_SIZES = [150.0, 150.0, 450.0, 200.0, 200.0]
THIN_LABELS = [0, 0, 1, 2, 2]


def test_no_move_or_swap_rounds_it_and_the_reason_says_so() -> None:
    n, best = _brute_force(THIN, THIN_SIZES, THIN_LABELS, 0, (300, 500))
    assert best < 0 and n == 7
    why, grids = _reasons(THIN, THIN_SIZES, THIN_LABELS)
    assert set(why) == {"g0"}
    codes = reason_codes(why["g0"])
    assert [c for c, _ in codes] == ["pp_no_local_regroup"]
    params = codes[0][1]
    assert params == {
        "pp": f"{float(grids.at['g0', 'polsby_popper']):.2f}",
        "n": str(n),
        "lo": "300",
        "hi": "500",
        "what": "households",
    }
    task = _task(THIN, THIN_SIZES)
    labels, _, n_moved = _round_thin(list(range(5)), 3, THIN_LABELS, 0.0, task, _nbrs(task))
    assert n_moved == 0 and labels == THIN_LABELS


@pytest.mark.parametrize("seed", [7, 14, 21])
def test_real_shapes_thin_grids_explained_and_band_kept(seed: int) -> None:
    """Seeds whose one thin grid no land reason explains (before this pass and reason, seed
    7's grid 000000001009015, Polsby-Popper 0.18, had none)."""
    plan = grid_communities(district_layers(seed), GridParams(seed=0), workers=1).plan
    grids = plan.grids()
    why = plan.shape_reasons()
    thin = set(grids.index[grids["polsby_popper"] < MIN_POLSBY_POPPER])
    assert set(why) == thin
    assert thin and all(why.values()), {g: r for g, r in why.items() if not r}
    cells = plan.units.units.geometry
    for g, reason in why.items():
        codes = dict(reason_codes(reason))
        if "pp_no_local_regroup" not in codes:
            continue
        # brute force on the grid and the grids around it (shapely contacts, networkx)
        near = {g} | {plan.assignment[v] for u in plan.members[g] for v in plan.units.neighbors[u]}
        near = sorted(h for h in near if grids.at[h, "community_id"] == grids.at[g, "community_id"])
        ids = [u for h in near for u in plan.members[h]]
        labels = [near.index(plan.assignment[u]) for u in ids]
        sizes = [float(plan.units.units.at[u, "households"]) for u in ids]
        n, best = _brute_force(
            list(cells.loc[ids]), sizes, labels, near.index(g), plan.params.band()
        )
        assert best < 0 and codes["pp_no_local_regroup"]["n"] == str(n), (g, n, best)
    assert ((grids["band_reason"] != "") == ~grids["in_band"]).all()
    assert plan.tiling()["ok"].all()
    assert (grids.geometry.geom_type == "Polygon").all()


def test_the_pass_rounds_real_shape_grids_the_search_leaves_thin() -> None:
    """With a light compactness weight the search leaves thin grids on seed 2 (C05's grid of
    three parts at Polsby-Popper 0.20 could swap a part with a neighbour); the pass rounds
    them, so none is left below the floor without a reason, all in band, tiling exact."""
    res = grid_communities(district_layers(2), GridParams(compactness_weight=0.05), workers=1)
    assert {r["community_id"] for r in res.report if r.get("rounded")} >= {"C05"}
    plan = res.plan
    grids = plan.grids()
    assert all(plan.shape_reasons().values())
    assert grids["in_band"].all()
    assert plan.tiling()["ok"].all()
