"""Planning units, cells and adjacency (geo.grids.units) on small synthetic communities."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.errors import CRSError, ValidationError
from geo.grids.units import build_units_from_frames, split_parts_count, split_polygon, tessellate
from tests.geo._synthetic import CRS, make_frames


def _tiles(graph, communities):
    comm = communities.set_index("community_id").geometry
    for cid, sub in graph.units.groupby("community_id"):
        union = shapely.union_all(sub.geometry.to_numpy())
        err = shapely.area(shapely.symmetric_difference(union, comm[cid])) / comm[cid].area
        assert err < 1e-6, cid
        assert abs(sub["area_m2"].sum() - comm[cid].area) / comm[cid].area < 1e-6


def test_units_tile_each_community_and_cells_contain_footprints():
    comms, estates, buildings = make_frames(3, n_communities=2, big_estates=1)
    graph = build_units_from_frames(comms, estates, buildings)
    _tiles(graph, comms)
    fp = graph.units["footprint"].to_numpy()
    assert shapely.contains(shapely.buffer(graph.units.geometry.to_numpy(), 1e-6), fp).all()
    assert (graph.units.geometry.geom_type == "Polygon").all()
    assert graph.units["households"].sum() == estates["households"].sum()
    assert graph.units["party_members"].sum() == estates["party_members"].sum()


def test_big_estate_split_into_buildings_and_without_buildings_into_parts():
    comms, estates, buildings = make_frames(5, big_estates=2)
    big = estates[estates["households"] > 500]
    graph = build_units_from_frames(comms, estates, buildings)
    for eid in big["estate_id"]:
        sub = graph.units[graph.units["estate_id"] == eid]
        assert len(sub) > 1 and sub["building_id"].notna().all()
        assert sub["households"].sum() == big.set_index("estate_id").at[eid, "households"]
    graph2 = build_units_from_frames(comms, estates, None)
    for eid in big["estate_id"]:
        sub = graph2.units[graph2.units["estate_id"] == eid]
        h = big.set_index("estate_id").at[eid, "households"]
        assert len(sub) == split_parts_count(h, 300, 500) and sub["building_id"].isna().all()
        assert (sub["households"] <= 500).all() and sub["households"].sum() == h
        assert (sub["footprint"].map(lambda g: g.geom_type) == "Polygon").all()
    assert any("no buildings" in p.message for p in graph2.problems)


def test_adjacency_is_symmetric_positive_and_only_within_a_community():
    comms, estates, _ = make_frames(1, n_communities=2, nx=4, ny=3)
    graph = build_units_from_frames(comms, estates)
    e = graph.edges
    assert (e["unit_a"] < e["unit_b"]).all()
    assert (e.loc[e["kind"] == "shared", "length_m"] > 1.0).all()
    ca = e["unit_a"].map(graph.community_of)
    cb = e["unit_b"].map(graph.community_of)
    assert (ca == cb).all()
    # a 4x3 block layout: interior estate has 4 rook neighbours at least
    assert min(len(v) for v in graph.neighbors.values()) >= 2


def test_split_polygon_equal_areas():
    parts = split_polygon(shapely.box(0, 0, 70, 20), 5)
    assert np.allclose([p.area for p in parts], 280.0)
    assert shapely.union_all(parts).equals(shapely.box(0, 0, 70, 20))


def test_tessellate_concave_community_gives_connected_cells():
    comm = shapely.Polygon(
        [(0, 0), (300, 0), (300, 300), (200, 300), (200, 100), (100, 100), (100, 300), (0, 300)]
    )
    fps = [
        shapely.box(10, 10, 60, 60),
        shapely.box(240, 240, 290, 290),
        shapely.box(20, 250, 60, 290),
        shapely.box(140, 20, 170, 60),
    ]
    cells = tessellate(comm, fps)
    assert all(c.geom_type == "Polygon" for c in cells)
    assert abs(sum(c.area for c in cells) - comm.area) < 1e-6 * comm.area


def test_barrier_cuts_adjacency_and_islands_are_linked():
    comms, estates, _ = make_frames(2, nx=4, ny=2)
    x_mid = comms.geometry.iloc[0].bounds[0] + 2 * 140.0
    river = gpd.GeoSeries(
        [shapely.LineString([(x_mid, 3_500_000 - 10), (x_mid, 3_500_400)])], crs=CRS
    )
    graph = build_units_from_frames(comms, estates, barriers=river)
    kinds = graph.edges["kind"].value_counts().to_dict()
    assert kinds.get("island_link") == 1
    assert any("share no cell edge" in p.message for p in graph.problems)


def test_barrier_isolating_everything_names_the_community():
    comms, estates, _ = make_frames(2, nx=3, ny=1)
    b = comms.geometry.iloc[0].bounds
    lines = [
        shapely.LineString([(b[0] + 140 * i, b[1] - 5), (b[0] + 140 * i, b[3] + 5)]) for i in (1, 2)
    ]
    with pytest.raises(ValidationError, match=r"community 'C01'.*barrier"):
        build_units_from_frames(comms, estates, barriers=gpd.GeoSeries(lines, crs=CRS))


def test_bad_counts_are_reported_with_estate_and_community():
    comms, estates, _ = make_frames(0, nx=2, ny=2)
    bad = estates.copy()
    bad.loc[0, "households"] = np.nan
    bad.loc[1, "party_members"] = -3
    with pytest.raises(ValidationError, match=r"(?s)C01-E001.*community 'C01'.*C01-E002"):
        build_units_from_frames(comms, bad)


def test_community_without_estates_is_reported_not_fatal():
    comms, estates, _ = make_frames(0, n_communities=2, nx=2, ny=2)
    graph = build_units_from_frames(comms, estates[estates["community_id"] == "C01"])
    assert set(graph.units["community_id"]) == {"C01"}
    assert any("'C02'" in p.message and "no estates" in p.message for p in graph.problems)


def test_geographic_crs_is_refused():
    comms, estates, _ = make_frames(0, nx=2, ny=2)
    with pytest.raises(CRSError, match="communities"):
        build_units_from_frames(comms.to_crs(4326), estates)
