"""The exact re-division of the gridder (``_exact_in_band``) and the split that responds to
the gridding, against independent references.

- ``_exact_in_band`` returns the division into connected in-band grids of least summed
  per-grid objective, as brute force over every set partition finds it (networkx
  connectivity), and None exactly when brute force finds no such division.
- Whole estates without buildings whose sizes admit no in-band plan are split into compact
  parts (at least two each), and the community then grids in band.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest

from geo.grids.gridding import _exact_in_band, _SearchData, grid_communities
from geo.grids.params import GridParams
from tests.geo.grids.test_feasibility import _partitions
from tests.geo.grids.test_gridding_repair import _task


def _nbrs(task) -> list[list[tuple[int, float]]]:  # type: ignore[no-untyped-def]
    n = len(task.size)
    out: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    for a, b, w in zip(
        task.edge_a.tolist(), task.edge_b.tolist(), task.edge_len.tolist(), strict=True
    ):
        out[a].append((b, w))
        out[b].append((a, w))
    return out


def _brute(task, k: int) -> float | None:  # type: ignore[no-untyped-def]
    """Least summed per-grid objective (means of ``k`` grids) over every set partition into
    connected grids of the band with a number of grids the band admits; None when none."""
    n = len(task.size)
    nbrs = _nbrs(task)
    data = _SearchData(task, list(range(n)), nbrs, k)
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from((a, b) for a in range(n) for b, _ in nbrs[a])
    total = float(task.size.sum())
    k_lo, k_hi = max(1, math.ceil(total / 500 - 1e-9)), math.floor(total / 300 + 1e-9)
    best = None
    for part in _partitions(list(range(n))):
        if not k_lo <= len(part) <= k_hi:
            continue
        cost = 0.0
        for block in part:
            s = float(task.size[block].sum())
            if not (300 <= s <= 500 and nx.is_connected(g.subgraph(block))):
                break
            inner = sum(w for a in block for b, w in nbrs[a] if b in block)  # each edge twice
            per = float(task.perimeter[block].sum()) - inner
            cost += data.cost(
                s,
                float(task.balance[block].sum()),
                float(task.party[block].sum()),
                float(task.area[block].sum()),
                per,
            )
        else:
            best = cost if best is None else min(best, cost)
    return best


@pytest.mark.parametrize("seed", range(30))
def test_exact_in_band_is_the_brute_force_optimum(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 9))
    graph = nx.connected_watts_strogatz_graph(n, 3, 0.4, seed=seed)
    sizes = rng.choice([90.0, 140.0, 180.0, 230.0, 268.0, 310.0, 380.0, 450.0], n).tolist()
    task = _task(sizes, sorted(graph.edges()))
    total = sum(sizes)
    k = max(1, round(total / 400))
    want = _brute(task, k)
    got = _exact_in_band(list(range(n)), k, task, _nbrs(task))
    if want is None:
        assert got is None
        return
    assert got is not None
    k2, labels, _obj = got
    assert len(set(labels)) == k2
    data = _SearchData(task, list(range(n)), _nbrs(task), k)
    cost = 0.0
    for grid in range(k2):
        block = [u for u in range(n) if labels[u] == grid]
        s = float(task.size[block].sum())
        assert 300 <= s <= 500
        assert nx.is_connected(graph.subgraph(block))
        inner = sum(w for a in block for b, w in _nbrs(task)[a] if b in block)
        cost += data.cost(
            s,
            float(task.balance[block].sum()),
            float(task.party[block].sum()),
            float(task.area[block].sum()),
            float(task.perimeter[block].sum()) - inner,
        )
    assert cost == pytest.approx(want, abs=1e-4)


def test_brute_force_cases_include_both_answers() -> None:
    answers = []
    for seed in range(30):
        rng = np.random.default_rng(seed)
        n = int(rng.integers(4, 9))
        graph = nx.connected_watts_strogatz_graph(n, 3, 0.4, seed=seed)
        sizes = rng.choice([90.0, 140.0, 180.0, 230.0, 268.0, 310.0, 380.0, 450.0], n).tolist()
        answers.append(_brute(_task(sizes, sorted(graph.edges())), max(1, round(sum(sizes) / 400))))
    assert any(a is None for a in answers) and any(a is not None for a in answers)


def test_whole_estates_without_buildings_are_split_when_they_admit_no_plan() -> None:
    """Three estates of 400 in a row (no buildings) under a 550-650 band: whole, they make
    400 + 800 or 1,200; split in two each (200 households, at least two parts per estate
    above half the minimum), they make two grids of 600."""
    from geo.data.schema import Layers
    from tests.geo._synthetic import make_frames

    comms, estates, _ = make_frames(11, nx=3, ny=1, households=(400, 401))
    layers = Layers(
        communities=comms, estates=estates.assign(residents=estates["households"] * 2.6)
    )
    res = grid_communities(layers, GridParams(min_households=550, max_households=650))
    grids = res.plan.grids()
    assert grids["in_band"].all() and len(grids) == 2
    assert "without buildings" in res.report[0]["refined"]
    units = res.plan.units.units
    assert units["unit_id"].str.contains("#", regex=False).all()
    assert units.groupby("estate_id").size().min() >= 2
    assert units["households"].sum() == estates["households"].sum()
    assert res.plan.tiling()["ok"].all()
    assert (grids.geometry.geom_type == "Polygon").all()


def test_small_estates_split_only_without_buildings() -> None:
    import geopandas as gpd
    import shapely

    from geo.grids.units import _make_units

    est = gpd.GeoDataFrame(
        {
            "estate_id": ["A", "B", "C"],
            "community_id": ["c"] * 3,
            "households": [293.0, 293.0, 120.0],
            "party_members": [15.0, 15.0, 6.0],
            "residents": [700.0, 700.0, 300.0],
        },
        geometry=[
            shapely.box(0, 0, 200, 100),
            shapely.box(200, 0, 400, 100),
            shapely.box(0, 100, 100, 200),
        ],
        crs="EPSG:32650",
    )
    bld = gpd.GeoDataFrame(
        {"building_id": ["b1", "b2"], "estate_id": ["B", "B"], "households": [150.0, 143.0]},
        geometry=[shapely.box(210, 10, 290, 90), shapely.box(310, 10, 390, 90)],
        crs="EPSG:32650",
    )
    raw, problems = _make_units(
        est, bld, 500, 500, 300, part_households=200.0, split_without_buildings_above=150.0
    )
    by_estate = raw.groupby("estate_id")["unit_id"].apply(list).to_dict()
    assert by_estate["A"] == ["A#1", "A#2"]  # no buildings, above 150: two compact parts
    assert by_estate["B"] == ["B"]  # has buildings: never cut geometrically
    assert by_estate["C"] == ["C"]  # below half the minimum: kept whole
    assert raw.loc[raw["estate_id"] == "A", "households"].sum() == 293.0
    assert any("(> 150)" in p.message for p in problems)
    plain, _ = _make_units(est, bld, 500, 500, 300, part_households=200.0)
    assert len(plain) == 3  # without the option nothing within the maximum is split
