"""Metrics (geo.grids.metrics): known answers on hand-built shapes and tiny plans."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.grids.graph import is_contiguous
from geo.grids.metrics import (
    convex_hull_ratio,
    cut_edges,
    grid_table,
    polsby_popper,
    reock,
    split_estates,
    tiling_check,
    with_rule_columns,
)
from geo.grids.params import GridParams

CRS = "EPSG:32651"


def test_compactness_known_answers():
    square = shapely.box(0, 0, 10, 10)
    disc = shapely.Point(0, 0).buffer(10, quad_segs=256)
    ell = shapely.Polygon([(0, 0), (20, 0), (20, 10), (10, 10), (10, 20), (0, 20)])
    assert polsby_popper([square])[0] == pytest.approx(math.pi / 4)
    assert polsby_popper([disc])[0] == pytest.approx(1.0, abs=1e-4)
    assert reock([square])[0] == pytest.approx(100 / (math.pi * 50))
    assert convex_hull_ratio([ell])[0] == pytest.approx(300 / 350)
    assert convex_hull_ratio([square])[0] == pytest.approx(1.0)


def test_contiguity_cut_edges_and_split_estates():
    nbrs = {"a": ("b",), "b": ("a", "c"), "c": ("b",), "d": ()}
    assert is_contiguous(["a", "b", "c"], nbrs)
    assert not is_contiguous(["a", "c"], nbrs)
    assert is_contiguous([], nbrs)
    edges = pd.DataFrame({"unit_a": ["a", "b"], "unit_b": ["b", "c"], "length_m": [5.0, 5.0]})
    assert cut_edges(edges, {"a": "G1", "b": "G1", "c": "G2"}) == 1
    units = pd.DataFrame({"unit_id": ["a", "b", "c"], "estate_id": ["E1", "E1", "E2"]})
    assert split_estates(units, {"a": "G1", "b": "G2", "c": "G2"}) == ["E1"]
    assert split_estates(units, {"a": "G1", "b": "G1", "c": "G2"}) == []


def _units():
    cells = [shapely.box(i * 10, 0, i * 10 + 10, 10) for i in range(4)]
    return gpd.GeoDataFrame(
        {
            "unit_id": list("abcd"),
            "estate_id": ["E1", "E1", "E2", "E3"],
            "community_id": ["C"] * 4,
            "households": [100.0, 250.0, 300.0, 50.0],
            "party_members": [5.0, 1.0, 20.0, 2.0],
            "residents": [260.0, 650.0, 780.0, 130.0],
        },
        geometry=cells,
        crs=CRS,
    ).set_index(pd.Index(list("abcd")))


def test_grid_table_counts_shapes_and_incremental_subset():
    units = _units()
    nbrs = {"a": ("b",), "b": ("a", "c"), "c": ("b", "d"), "d": ("c",)}
    assign = {"a": "G1", "b": "G1", "c": "G2", "d": "G2"}
    full = grid_table(units, assign, neighbors=nbrs, names={"G1": "one"}, locked={"G2"})
    assert list(full.index) == ["G1", "G2"]
    assert full.loc["G1", "households"] == 350 and full.loc["G2", "party_members"] == 22
    assert full.loc["G1", "area_m2"] == pytest.approx(200) and full.loc[
        "G1", "perimeter_m"
    ] == pytest.approx(60)
    assert full.loc["G1", "name"] == "one" and bool(full.loc["G2", "locked"])
    sub = grid_table(units, assign, neighbors=nbrs, grid_ids=["G2"])
    assert list(sub.index) == ["G2"]
    assert sub.loc["G2", "polsby_popper"] == pytest.approx(full.loc["G2", "polsby_popper"])
    broken = grid_table(units, {"a": "G1", "b": "G2", "c": "G2", "d": "G1"}, neighbors=nbrs)
    assert not broken.loc["G1", "contiguous"]


def test_rule_columns_deviation_band_and_reasons():
    units = _units()
    nbrs = {"a": ("b",), "b": ("a", "c"), "c": ("b", "d"), "d": ("c",)}
    table = grid_table(units, {"a": "G1", "b": "G1", "c": "G2", "d": "G2"}, neighbors=nbrs)
    out = with_rule_columns(table, GridParams(min_households=300, max_households=340))
    assert out.loc["G1", "dev_pct"] == pytest.approx(0.0)  # 350 and 350
    assert not out.loc["G1", "in_band"] and "350 households > 340" in out.loc["G1", "issue"]
    small = with_rule_columns(table, GridParams(min_households=400, max_households=600))
    assert (
        "only 700" not in small.loc["G1", "issue"]
        and "350 households < 400" in small.loc["G1", "issue"]
    )
    party = with_rule_columns(
        table,
        GridParams(
            size_by="party_members", min_party_members=5, max_party_members=21, min_party_per_grid=7
        ),
    )
    assert party.loc["G1", "size"] == 6 and "6 party members < 7" in party.loc["G1", "issue"]
    assert "22 party members > 21" in party.loc["G2", "issue"]
    one = with_rule_columns(
        grid_table(units, dict.fromkeys("abcd", "G"), neighbors=nbrs),
        GridParams(min_households=800, max_households=900),
    )
    assert "whole community holds only 700" in one.loc["G", "issue"]


def test_tiling_check_detects_gap_and_overlap():
    comm = gpd.GeoDataFrame(
        {"community_id": ["C"]}, geometry=[shapely.box(0, 0, 40, 10)], crs=CRS, index=["C"]
    )
    good = gpd.GeoDataFrame(
        {"community_id": ["C", "C"]},
        geometry=[shapely.box(0, 0, 20, 10), shapely.box(20, 0, 40, 10)],
        crs=CRS,
    )
    assert tiling_check(good, comm)["ok"].all()
    gap = good.set_geometry([shapely.box(0, 0, 19, 10), shapely.box(20, 0, 40, 10)])
    row = tiling_check(gap, comm).iloc[0]
    assert not row["ok"] and row["area_error_rel"] == pytest.approx(10 / 400)
    over = good.set_geometry([shapely.box(0, 0, 21, 10), shapely.box(20, 0, 40, 10)])
    row = tiling_check(over, comm).iloc[0]
    assert not row["ok"] and row["overlap_m2"] == pytest.approx(10)
    assert np.isclose(row["area_error_rel"], 0.0)


def test_grid_geometry_drops_slivers_but_keeps_a_real_second_part():
    """A sliver left by a recut or rounded boundary (2 cm wide) is debris: the grid stays one
    polygon. A real detached piece (a 2 m square) keeps the grid two-part, so not contiguous."""
    import shapely

    from geo.grids.metrics import grid_geometry

    main = shapely.box(0, 0, 100, 100)
    sliver = shapely.box(100.5, 0, 100.52, 40)  # 0.8 m², narrower than 2 x GRID_THIN_M
    assert sliver.area > 0.01
    assert grid_geometry([main, sliver]).geom_type == "Polygon"
    piece = shapely.box(101, 0, 103, 2)
    assert grid_geometry([main, piece]).geom_type == "MultiPolygon"
    holed = shapely.box(0, 0, 100, 100).difference(shapely.box(50, 10, 50.03, 60))
    assert len(grid_geometry([holed]).interiors) == 0
    real_hole = shapely.box(0, 0, 100, 100).difference(shapely.box(40, 40, 60, 60))
    assert len(grid_geometry([real_hole]).interiors) == 1


def _grid_table_by_groupby(units, assignment, *, neighbors, grid_ids=None):
    """The per-grid pandas ``groupby`` loop ``grid_table`` ran before it read plain arrays:
    the reference its rows must equal exactly."""
    from geo.grids.metrics import grid_geometry

    grid = units["unit_id"].map(assignment)
    if grid_ids is not None:
        keep = grid.isin(set(grid_ids))
        units, grid = units[keep], grid[keep]
    rows, geoms = [], []
    for gid, sub in units.groupby(grid, sort=True):
        geom = grid_geometry(sub.geometry.to_numpy())
        geoms.append(geom)
        rows.append(
            {
                "grid_id": gid,
                "community_id": str(sub["community_id"].iloc[0]),
                "households": float(sub["households"].sum()),
                "party_members": float(sub["party_members"].sum()),
                "residents": float(sub["residents"].sum()),
                "n_units": len(sub),
                "n_estates": int(sub["estate_id"].nunique()),
                "contiguous": geom.geom_type == "Polygon"
                and is_contiguous(list(sub["unit_id"]), neighbors),
                "max_unit_households": float(sub["households"].max()),
                "max_unit_party_members": float(sub["party_members"].max()),
            }
        )
    return pd.DataFrame(rows), geoms


@pytest.mark.parametrize("subset", [False, True])
def test_grid_table_equals_the_groupby_reference_on_real_shapes(subset: bool) -> None:
    """On real-shape units (estates split into parts, fractional residents, multi-part and
    holed communities) and an arbitrary assignment (grids not contiguous, ids out of unit
    order), every count, flag and polygon equals the groupby loop's, bit for bit."""
    from geo.grids.units import build_units
    from tests.geo.grids._realshape import district_layers

    graph = build_units(district_layers(1, nx=3, ny=2))
    units = graph.units
    rng = np.random.default_rng(3)
    assignment = {
        u: f"{c}-g{int(rng.integers(0, 6)):02d}"
        for u, c in zip(units.index, units["community_id"], strict=True)
    }
    wanted = sorted(set(assignment.values()))[::3] if subset else None
    got = grid_table(units, assignment, neighbors=graph.neighbors, grid_ids=wanted)
    ref, ref_geoms = _grid_table_by_groupby(
        units, assignment, neighbors=graph.neighbors, grid_ids=wanted
    )
    assert len(got) == len(ref) > 10
    assert got["contiguous"].any() and not got["contiguous"].all()
    for c in ref.columns:
        assert got[c].tolist() == ref[c].tolist(), c
    assert all(
        shapely.equals_exact(a, b, tolerance=0)
        for a, b in zip(got.geometry, ref_geoms, strict=True)
    )


def test_grid_table_of_no_grid_is_empty() -> None:
    """Asked for grids that no unit belongs to, the table is empty with every column."""
    from geo.grids.metrics import GRID_COLUMNS
    from tests.geo._synthetic import block_units

    graph = block_units(2, 2)
    assignment = dict.fromkeys(graph.units.index, "G1")
    got = grid_table(graph.units, assignment, neighbors=graph.neighbors, grid_ids=["nope"])
    assert got.empty and list(got.columns) == [*GRID_COLUMNS, "geometry"]
