"""Gridding on a real street layout: momepy's bundled Bubeneč (Prague) buildings.

Every building is a unit (an estate of its own). Bubeneč gives footprints only, so households
are derived as footprint area x levels / FLOOR_AREA_PER_HOUSEHOLD_M2 (90 m² of floor per
household) with 4 levels assumed (the district's typical perimeter blocks have 4-6 storeys and
the file carries no heights); party members are 6 % of households (rounded). The single
community is the buildings' convex hull buffered by 30 m. The invariants must hold here too.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.grids.graph import is_contiguous
from geo.grids.gridding import grid_communities
from geo.grids.params import GridParams
from geo.grids.units import build_units_from_frames
from geo.settings import FLOOR_AREA_PER_HOUSEHOLD_M2

LEVELS = 4


@pytest.fixture(scope="module")
def bubenec():
    # momepy.datasets.get_path("bubenec") without importing momepy (a slow import)
    spec = importlib.util.find_spec("momepy")
    if spec is None or spec.origin is None:
        pytest.skip("momepy (requirements-test.txt) is not installed")
    path = Path(spec.origin).parent / "datasets" / "bubenec.gpkg"
    buildings = gpd.read_file(path, layer="buildings")
    buildings = buildings.to_crs(buildings.estimate_utm_crs())
    households = np.round(buildings.area * LEVELS / FLOOR_AREA_PER_HOUSEHOLD_M2)
    estates = gpd.GeoDataFrame(
        {
            "estate_id": buildings["uID"].astype(str),
            "community_id": "bubenec",
            "households": households,
            "party_members": np.round(households * 0.06),
        },
        geometry=buildings.geometry,
        crs=buildings.crs,
    )
    hull = shapely.buffer(
        shapely.convex_hull(shapely.union_all(buildings.geometry.to_numpy())), 30.0
    )
    communities = gpd.GeoDataFrame(
        {"community_id": ["bubenec"], "name": ["Bubeneč"]}, geometry=[hull], crs=buildings.crs
    )
    return communities, estates


def test_bubenec_invariants(bubenec):
    communities, estates = bubenec
    graph = build_units_from_frames(communities, estates)
    assert len(graph.units) >= len(estates)
    plan = grid_communities(graph, GridParams(seed=0)).plan
    assert sorted(plan.assignment) == sorted(graph.units.index)
    for units in plan.members.values():
        assert is_contiguous(units, graph.neighbors)
    tiling = plan.tiling().iloc[0]
    assert tiling["area_error_rel"] < 1e-6 and tiling["overlap_m2"] < 1e-6 * tiling["area_m2"]
    summary = plan.summary()
    assert summary["households"] == estates["households"].sum()
    assert summary["share_in_band"] >= 0.9
    assert grid_communities(graph, GridParams(seed=0)).plan.assignment == plan.assignment
