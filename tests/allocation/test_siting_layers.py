"""Siting from layers: estates as demand, facilities fixed, candidate fallbacks, distance method."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, box

from allocation.siting import LSCP, MCLP, PMedian
from geo.data.schema import Layers

CRS = "EPSG:32651"


def _layers(with_candidates: bool = False) -> Layers:
    xs = [0.0, 300.0, 1200.0, 1500.0, 3000.0]
    estates = gpd.GeoDataFrame(
        {
            "estate_id": [f"E{i}" for i in range(5)],
            "households": [100, 50, 80, 40, 200],
            "party_members": [5, 2, 4, 1, 9],
            "community_id": "C1",
            "residents": [262, 131, 210, 105, 524],
        },
        geometry=[box(x - 20, -20, x + 20, 20) for x in xs],
        crs=CRS,
    )
    communities = gpd.GeoDataFrame(
        {"community_id": ["C1"], "name": ["c"]}, geometry=[box(-100, -100, 3100, 100)], crs=CRS
    )
    facilities = gpd.GeoDataFrame(
        {"facility_id": ["F1"], "level": ["community"], "name": ["centre"]},
        geometry=[Point(0.0, 0.0)],
        crs=CRS,
    )
    candidates = None
    if with_candidates:
        candidates = gpd.GeoDataFrame(
            {"candidate_id": ["K1", "K2"]},
            geometry=[Point(1350.0, 0.0), Point(3000.0, 0.0)],
            crs=CRS,
        )
    return Layers(
        communities=communities, estates=estates, facilities=facilities, candidates=candidates
    )


def test_from_layers_uses_uncovered_estates_and_fixes_facilities() -> None:
    model = MCLP.from_layers(_layers(), p=1, radius=500)
    assert model.meta["distance_method"] == "straight-line x1.3"
    assert model.meta["candidate_source"] == "estates not already covered"
    # E0 (0 m) and E1 (300 m x 1.3 = 390 m) are within 500 m of F1: not candidates
    assert model.inputs.candidate_ids == ("estate:E2", "estate:E3", "estate:E4", "F1")
    assert model.inputs.fixed.tolist() == [False, False, False, True]
    res = model.solve()
    assert res.fixed == ("F1",) and res.selected == ("estate:E4",)
    assert res.objective == 100 + 50 + 200


def test_from_layers_equals_cost_matrix_path() -> None:
    layers = _layers(with_candidates=True)
    model = PMedian.from_layers(layers, p=1)
    assert model.meta["candidate_source"] == "candidates layer"
    pts = np.array([[0, 0], [300, 0], [1200, 0], [1500, 0], [3000, 0]], dtype=float)
    sites = np.array([[1350, 0], [3000, 0], [0, 0]], dtype=float)
    cost = 1.3 * np.linalg.norm(pts[:, None] - sites[None], axis=2)
    direct = PMedian.from_cost_matrix(cost, weights=[100, 50, 80, 40, 200], fixed=[2], p=1).solve()
    via = model.solve()
    assert via.objective == pytest.approx(direct.objective)
    assert via.selected == ("K2",)


def test_from_layers_lscp_and_bad_weight_column() -> None:
    res = LSCP.from_layers(_layers(with_candidates=True), radius=500).solve()
    assert res.selected == ("K1", "K2") and res.objective == 2
    with pytest.raises(ValueError, match=r"no column `load`"):
        MCLP.from_layers(_layers(), p=1, radius=500, weight="load")
