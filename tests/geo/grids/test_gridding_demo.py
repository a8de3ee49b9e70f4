"""Gridding the bundled demo district: the rule met, every community tiled, reasons reported."""

from __future__ import annotations

import pytest

from geo.grids.gridding import grid_communities
from geo.grids.params import GridParams


@pytest.fixture(scope="module")
def demo_result(demo_layers):
    return grid_communities(demo_layers, GridParams(seed=0))


def test_demo_in_band_and_fully_tiled(demo_result, demo_layers):
    plan = demo_result.plan
    summary = plan.summary()
    assert summary["share_in_band"] >= 0.95
    assert summary["all_contiguous"]
    tiling = plan.tiling()
    assert set(tiling["community_id"]) == set(demo_layers.communities["community_id"])
    assert tiling["ok"].all() and (tiling["n_grids"] > 0).all()
    assert summary["households"] == pytest.approx(demo_layers.estates["households"].sum())
    assert len(set(plan.grids().index)) == summary["n_grids"]


def test_demo_infeasible_band_is_reported_per_community_not_fatal(demo_layers):
    res = grid_communities(
        demo_layers,
        GridParams(min_households=480, max_households=500, restarts=1, split_to_fit=False),
    )
    bad = [r for r in res.report if r["reasons"]]
    assert bad and all(
        "cannot be split into grids of 480-500" in r["reasons"][0] or "(< 480)" in r["reasons"][0]
        for r in bad
    )
    summary = res.plan.summary()
    assert {b["community_id"] for b in summary["infeasible_communities"]} == {
        r["community_id"] for r in bad
    }
    assert res.plan.tiling()["ok"].all()
