"""Fusion report and barrier lines on hand-built cases with known answers."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import LineString, box

from geo.errors import CRSError, ValidationError
from geo.grids.fusion import barrier_lines, fusion_report, fusion_summary

CRS = "EPSG:32650"


def _units() -> gpd.GeoDataFrame:
    """Four 100 m cells in a 2x2 block: left column in grid G1, right column in G2.

    Footprints are the cells shrunk by 10 m on every side.
    """
    cells = [
        box(0, 0, 100, 100),
        box(0, 100, 100, 200),
        box(100, 0, 200, 100),
        box(100, 100, 200, 200),
    ]
    return gpd.GeoDataFrame(
        {
            "unit_id": ["a", "b", "c", "d"],
            "households": [100, 300, 200, 200],
            "footprint": gpd.GeoSeries([c.buffer(-10, join_style="mitre") for c in cells], crs=CRS),
        },
        geometry=cells,
        crs=CRS,
    )


ASSIGN = {"a": "G1", "b": "G1", "c": "G2", "d": "G2"}


def _other() -> gpd.GeoDataFrame:
    # P1 takes everything west of x=130, P2 the rest below y=150; the top-right is uncovered.
    return gpd.GeoDataFrame(
        {"grid_id": ["P1", "P2"], "kind": ["police", "police"]},
        geometry=[box(0, 0, 130, 200), box(130, 0, 200, 150)],
        crs=CRS,
    )


def test_point_mode_counts_whole_units_at_their_representative_point() -> None:
    rep = fusion_report(_units(), ASSIGN, _other(), locate="point").set_index("grid_id")
    assert rep.loc["G1", "dominant_other_id"] == "P1"
    assert rep.loc["G1", "dominant_share"] == pytest.approx(1.0)
    assert rep.loc["G1", "n_other_grids"] == 1
    # unit c (200 hh) lies in P2 by its point, unit d's point (150, 150) is on P2's corner:
    # representative points are inside the footprint [110,190]^2, so d is P2 or uncovered.
    assert rep.loc["G2", "dominant_other_id"] == "P2"
    assert rep.loc["G2", "households"] == 400
    assert rep.loc["G2", "n_other_grids"] == 2  # P1 overlaps x 100-130, P2 the rest
    assert rep.loc["G2", "dominant_other_kind"] == "police"


def test_area_mode_spreads_households_by_footprint_area() -> None:
    rep = fusion_report(_units(), ASSIGN, _other(), locate="area").set_index("grid_id")
    # Footprints of c, d span x 110-190: 20/80 = 25% in P1 (x<130), 75% east of it.
    # c (y 10-90) is below y=150: 75% in P2. d (y 110-190): east part is P2 for y<150 (40/80).
    p2 = 200 * 0.75 + 200 * 0.75 * 0.5
    p1 = 200 * 0.25 + 200 * 0.25
    assert rep.loc["G2", "dominant_other_id"] == "P2"
    assert rep.loc["G2", "households_in_dominant"] == pytest.approx(p2)
    assert rep.loc["G2", "dominant_share"] == pytest.approx(p2 / 400)
    assert rep.loc["G2", "households_uncovered"] == pytest.approx(400 - p1 - p2)
    assert rep.loc["G2", "n_other_with_households"] == 2
    assert rep.loc["G1", "dominant_share"] == pytest.approx(1.0)


def test_grids_input_spreads_over_the_grid_polygon() -> None:
    grids = gpd.GeoDataFrame(
        {"grid_id": ["G1", "G2"], "households": [400, 400]},
        geometry=[box(0, 0, 100, 200), box(100, 0, 200, 200)],
        crs=CRS,
    )
    rep = fusion_report(grids, None, _other(), locate="area").set_index("grid_id")
    # G2 (100x200): P1 strip 30x200 = 30%, P2 70x150 = 52.5%, uncovered 70x50 = 17.5%.
    assert rep.loc["G2", "dominant_share"] == pytest.approx(0.525)
    assert rep.loc["G2", "households_uncovered"] == pytest.approx(400 * 0.175)


def test_overlapping_other_grids_never_count_a_household_twice() -> None:
    other = gpd.GeoDataFrame(
        {"grid_id": ["X", "Y"]}, geometry=[box(0, 0, 200, 200), box(0, 0, 200, 200)], crs=CRS
    )
    rep = fusion_report(_units(), ASSIGN, other, locate="area")
    assert rep["households_in_dominant"].sum() <= 800 + 1e-6
    assert set(rep["dominant_other_id"]) == {"X"}  # tie broken by the smaller id
    assert rep["dominant_other_kind"].iloc[0] == "other"
    pts = fusion_report(_units(), ASSIGN, other, locate="point")
    assert pts["dominant_share"].tolist() == [1.0, 1.0]


def test_other_grids_in_wgs84_are_reprojected() -> None:
    other = _other().to_crs("EPSG:4326")
    rep = fusion_report(_units(), ASSIGN, other, locate="point").set_index("grid_id")
    assert rep.loc["G1", "dominant_other_id"] == "P1"


def test_summary_is_json_safe_and_weighted() -> None:
    rep = fusion_report(_units(), ASSIGN, _other(), locate="area")
    s = fusion_summary(rep)
    assert s["n_grids"] == 2
    assert 0 < s["weighted_dominant_share"] <= 1
    assert s["share_grids_at_least_0.9"] == pytest.approx(0.5)
    assert fusion_summary(rep.iloc[0:0])["n_grids"] == 0


def test_errors_name_the_problem() -> None:
    with pytest.raises(ValidationError, match="assignment"):
        fusion_report(_units(), None, _other())
    with pytest.raises(ValidationError, match="no grid"):
        fusion_report(_units(), {"a": "G1"}, _other())
    with pytest.raises(ValidationError, match="locate"):
        fusion_report(_units(), ASSIGN, _other(), locate="centroid")
    with pytest.raises(ValidationError, match="`code`"):
        fusion_report(_units(), ASSIGN, _other(), id_field="code")
    with pytest.raises(CRSError, match="other_grids"):
        fusion_report(_units(), ASSIGN, _other().set_crs(None, allow_override=True))
    with pytest.raises(CRSError, match="units_or_grids"):
        fusion_report(_units().to_crs("EPSG:4326"), ASSIGN, _other())


def test_barrier_lines_keep_inner_boundaries_only() -> None:
    communities = gpd.GeoDataFrame(
        {"community_id": ["c1"]}, geometry=[box(0, 0, 200, 200)], crs=CRS
    )
    lines = barrier_lines(_other(), communities)
    # Inner boundaries: x=130 from y=0 to 200 (P1's east side, and P2's west side up to 150)
    # and y=150 from x=130 to 200 (P2's top). Community edges are left out.
    assert set(lines["other_id"]) == {"P1", "P2"}
    p1 = lines.set_index("other_id").loc["P1"]
    assert p1["length_m"] == pytest.approx(200.0)
    assert lines.set_index("other_id").loc["P2", "length_m"] == pytest.approx(150.0 + 70.0)
    assert lines.geometry.iloc[0].intersects(LineString([(0, 1), (200, 1)]))  # reaches the edge
    assert (lines.geom_type.isin(["LineString", "MultiLineString"])).all()


def test_barrier_lines_outside_every_community_is_empty() -> None:
    communities = gpd.GeoDataFrame(
        {"community_id": ["c1"]}, geometry=[box(1000, 1000, 1100, 1100)], crs=CRS
    )
    assert barrier_lines(_other(), communities).empty


def test_plan_input_and_barriers_cut_adjacency() -> None:
    from geo.grids.params import GridParams
    from geo.grids.plan import Plan
    from geo.grids.units import build_units_from_frames

    comms = gpd.GeoDataFrame(
        {"community_id": ["c1"], "name": ["c1"]}, geometry=[box(0, 0, 480, 120)], crs=CRS
    )
    ests = gpd.GeoDataFrame(
        {
            "estate_id": [f"e{i}" for i in range(4)],
            "households": [100, 250, 300, 400],
            "party_members": [5, 5, 5, 5],
        },
        geometry=[box(i * 120 + 10, 10, i * 120 + 110, 110) for i in range(4)],
        crs=CRS,
    )
    # the other department's boundary runs down the street between e1 and e2 (x = 240)
    other = gpd.GeoDataFrame(
        {"grid_id": ["W", "E"], "kind": ["police", "police"]},
        geometry=[box(0, 0, 240, 120), box(240, 0, 480, 120)],
        crs=CRS,
    )
    free = build_units_from_frames(comms, ests)
    cut = build_units_from_frames(comms, ests, barriers=barrier_lines(other, comms))
    assert "e2" in free.neighbors["e1"]
    kinds = {
        (a, b): k for a, b, k in cut.edges[["unit_a", "unit_b", "kind"]].itertuples(index=False)
    }
    assert kinds[("e0", "e1")] == "shared" and kinds[("e2", "e3")] == "shared"
    # the shared edge across the barrier is cut; geo.grids.units re-links the two halves as an island
    assert kinds.get(("e1", "e2")) != "shared"
    assert any("share no cell edge" in p.message for p in cut.problems)
    plan = Plan(free, {"e0": "A", "e1": "A", "e2": "A", "e3": "B"}, {}, frozenset(), GridParams())
    rep = fusion_report(plan, None, other).set_index("grid_id")
    assert rep.loc["A", "dominant_other_id"] == "W"
    assert rep.loc["A", "dominant_share"] == pytest.approx(350 / 650)
    assert rep.loc["A", "n_other_grids"] == 2 and rep.loc["B", "n_other_grids"] == 1


def test_area_mode_counts_point_footprints_at_their_point() -> None:
    from shapely.geometry import Point

    units = _units()
    units["footprint"] = gpd.GeoSeries(
        [Point(50, 50), Point(50, 150), Point(150, 50), Point(150, 170)], crs=CRS
    )
    area = fusion_report(units, ASSIGN, _other(), locate="area").set_index("grid_id")
    point = fusion_report(units, ASSIGN, _other(), locate="point").set_index("grid_id")
    assert (
        area["households_in_dominant"].tolist()
        == point["households_in_dominant"].tolist()
        == [400, 200]
    )
    assert area.loc["G2", "households_uncovered"] == 200  # (150, 170): in no other grid
