"""Property tests on real-shape districts (issue 11): geometry another GIS accepts, and a
reason for every grid outside the band or below the compactness floor.

The district comes from ``_realshape.py`` (irregular road network, sparse, long, L-shaped
and concave parcels, high-rise estates of 1,000-6,000 households without buildings, parcels
touching at a corner, a lake hole, a community in two parts). Contiguity is checked with
networkx on cell contacts measured by shapely here, not with the project's own routine.
"""

from __future__ import annotations

import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely

from geo.grids.gridding import grid_communities
from geo.grids.metrics import grid_table
from geo.grids.params import GridParams
from geo.settings import MIN_POLSBY_POPPER
from tests.geo.grids._realshape import district_layers, make_district
from tests.geo.grids.test_feasibility import subset_dp_feasible

SEEDS = [0, 1]


@pytest.fixture(scope="module", params=SEEDS)
def gridded(request):
    seed = request.param
    district = make_district(seed, nx=3, ny=3)
    layers = district_layers(seed, nx=3, ny=3)
    plan = grid_communities(layers, GridParams(seed=0)).plan
    return district, plan


def test_district_has_the_real_shapes():
    d = make_district(0, nx=3, ny=3)
    assert (d.estates["households"] >= 1000).any()
    assert (
        d.communities.set_index("community_id").geometry[d.two_part_community].geom_type
        == "MultiPolygon"
    )
    lake = d.communities.set_index("community_id").geometry[d.lake_community]
    assert len(lake.interiors) == 1
    assert d.estates.area.sum() < 0.6 * d.communities.area.sum()  # sparse parcels


def test_every_grid_is_a_valid_single_polygon(gridded):
    _, plan = gridded
    geoms = plan.grids().geometry.to_numpy()
    assert shapely.is_valid(geoms).all()
    assert (shapely.get_type_id(geoms) == 3).all()  # Polygon, never MultiPolygon


def test_contiguity_on_cell_geometry_with_networkx(gridded):
    _, plan = gridded
    cells = plan.units.units.geometry
    for gid, members in plan.members.items():
        g = nx.Graph()
        g.add_nodes_from(members)
        arr = cells.loc[list(members)].to_numpy()
        for i in range(len(members)):
            for j in range(i + 1, len(members)):
                # shared edge (m), measured with a 1 mm tolerance for floating-point gaps
                shared = shapely.intersection(arr[i].boundary, shapely.buffer(arr[j], 1e-3))
                if shapely.length(shared) > 0.5:
                    g.add_edge(members[i], members[j])
        assert nx.is_connected(g), gid
    assert plan.grids()["contiguous"].all()


def test_holes_only_where_the_community_has_one(gridded):
    _, plan = gridded
    grids = plan.grids()
    comms = plan.units.communities.geometry
    for gid, geom in grids.geometry.items():
        comm = comms[grids.at[gid, "community_id"]]
        comm_holes = shapely.union_all(
            [shapely.Polygon(r) for p in shapely.get_parts(comm) for r in p.interiors]
            or [shapely.Polygon()]
        )
        for ring in geom.interiors:
            hole = shapely.Polygon(ring)
            assert shapely.intersection(hole, comm_holes).area > 0.5 * hole.area, gid


def test_grids_follow_the_parts_of_a_two_part_community(gridded):
    district, plan = gridded
    cid = district.two_part_community
    parts = shapely.get_parts(plan.units.communities.geometry[cid])
    grids = plan.grids()
    for geom in grids[grids["community_id"] == cid].geometry:
        inside = [shapely.area(shapely.intersection(geom, p)) > 1.0 for p in parts]
        assert sum(inside) == 1
    assert cid in plan.summary()["multi_part_communities"]


def test_every_out_of_band_grid_has_a_reason(gridded):
    _, plan = gridded
    grids = plan.grids()
    lo, hi = plan.params.band()
    assert ((grids["band_reason"] != "") == ~grids["in_band"]).all()
    listed = {r["grid_id"] for r in plan.summary()["out_of_band"]}
    assert listed == set(grids.index[~grids["in_band"]])
    for gid in grids.index[grids["reason_kind"] == "arithmetic"]:
        # brute force: no number of grids splits the part's total into the band
        first = plan.members[gid][0]
        piece = plan.units.pieces[first]
        cid = grids.at[gid, "community_id"]
        part = [
            u
            for u, c in plan.units.community_of.items()
            if c == cid and plan.units.pieces[u] == piece
        ]
        size = {u: float(plan.units.units.at[u, "households"]) for u in part}
        total = sum(size.values())
        if "no division of the" in grids.at[gid, "band_reason"]:
            # the exact check: an independent subset DP with networkx says no division exists
            assert not subset_dp_feasible(part, plan.units.neighbors, size, lo, hi)
            continue
        # brute force: no number of grids splits the part's total into the band
        assert not any(lo <= total / k <= hi for k in range(1, int(total // lo) + 2))


def test_thin_grids_have_a_reason(gridded):
    _, plan = gridded
    grids = plan.grids()
    why = plan.shape_reasons()
    assert set(why) == set(grids.index[grids["polsby_popper"] < MIN_POLSBY_POPPER])
    assert all(why.values())


def test_counts_exact_and_parts_compact(gridded):
    district, plan = gridded
    units = plan.units.units
    assert units["households"].sum() == district.estates["households"].sum()
    parts = units[units["unit_id"].str.contains("#", regex=False)]
    assert len(parts) and (parts["households"] <= 500).all()
    assert (parts["footprint"].map(lambda g: g.geom_type) == "Polygon").all()
    assert plan.tiling()["ok"].all()


def test_island_link_is_not_contiguity():
    # two cells 50 m apart linked in the unit graph (an island link): not contiguous
    cells = [shapely.box(0, 0, 10, 10), shapely.box(60, 0, 70, 10)]
    units = gpd.GeoDataFrame(
        {
            "unit_id": ["a", "b"],
            "estate_id": ["a", "b"],
            "community_id": ["c", "c"],
            "households": [200.0, 200.0],
            "party_members": [10.0, 10.0],
            "residents": [500.0, 500.0],
        },
        geometry=cells,
        crs="EPSG:32650",
    )
    units.index = units["unit_id"].to_numpy()
    table = grid_table(units, {"a": "g", "b": "g"}, neighbors={"a": ("b",), "b": ("a",)})
    assert not bool(table.at["g", "contiguous"])
    assert math.isclose(float(table.at["g", "households"]), 400.0)


def test_in_band_share_on_real_shapes(gridded):
    # the engine's figure on real shapes (issue 11 measured 76.7 % before): a floor, not the target
    _, plan = gridded
    assert float(np.mean(plan.grids()["in_band"])) >= 0.9


def _part_of(plan, gid: str) -> list[str]:  # type: ignore[no-untyped-def]
    first = plan.members[gid][0]
    cid, piece = plan.units.community_of[first], plan.units.pieces[first]
    return [
        u for u, c in plan.units.community_of.items() if c == cid and plan.units.pieces[u] == piece
    ]


def test_no_search_reason_where_the_exact_check_decides(gridded):
    """A ``search`` grid is left only where the exact check cannot decide its part; a proof of
    ``arithmetic`` on a part larger than the subset DP can take is confirmed by the exact-cover
    enumeration (another algorithm than the set-partition model that made it)."""
    from geo.grids.feasibility import band_partition, band_partition_exists

    _, plan = gridded
    grids = plan.grids()
    lo, hi = plan.params.band()
    for gid in grids.index[~grids["in_band"]]:
        part = _part_of(plan, gid)
        size = {u: float(plan.units.units.at[u, "households"]) for u in part}
        if grids.at[gid, "reason_kind"] == "search":
            assert band_partition(part, plan.units.neighbors, size, lo, hi).status == "undecided"
        elif "no division of the" in grids.at[gid, "band_reason"] and len(part) > 12:
            enum = band_partition_exists(
                part, plan.units.neighbors, size, lo, hi, max_units=10_000, exact_max_units=0
            )
            assert enum is not True


@pytest.mark.parametrize("seed", [3, 6])
def test_full_district_in_band_where_the_arithmetic_allows(seed):
    """Full-size real-shape districts (about 330 grids): no ``search`` grid, and at least 99 %
    of the grids of communities not proven infeasible in band (issue 11's target)."""
    plan = grid_communities(district_layers(seed), GridParams(seed=0)).plan
    grids = plan.grids()
    assert not (grids["reason_kind"] == "search").any()
    proven = set(grids.loc[grids["reason_kind"] == "arithmetic", "community_id"])
    allowed = grids[~grids["community_id"].isin(proven)]
    assert float(allowed["in_band"].mean()) >= 0.99
    assert shapely.is_valid(grids.geometry.to_numpy()).all()
    assert (grids.geometry.geom_type == "Polygon").all()
