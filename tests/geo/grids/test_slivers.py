"""No sliver cells from an imported plan's recut, and no adjacency edge across one (issue 12).

An edge of the unit graph must stand for a boundary the two cells share on the map. The
reference is shapely's own overlay of the two cells' boundaries, at micrometre precision
(floating-point noise between cells that tile the land exactly is far below that; a sliver of
a third cell between two cells, 0.15 mm wide, is far above it).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import MultiPolygon, box

from geo.grids.gridding import grid_communities
from geo.grids.import_plan import import_plan_layers
from geo.grids.params import GridParams
from geo.grids.units import _shared_segment_length, adjacency, build_units
from geo.settings import ADJACENCY_MIN_EDGE_M, GRID_DEBRIS_M2, GRID_THIN_M
from tests.geo.grids.test_repair import _grid_layer, _new_estates

#: Precision (m) of the reference overlay of two cells' boundaries.
REF_GRID_M = 1e-6
#: A pair sharing more than this (m) on the map must have an edge (1 m and the few
#: micrometres a third cell meeting the two at their corners takes at the ends).
MUST_LINK_M = ADJACENCY_MIN_EDGE_M + 0.001


def _shared_on_map(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Length (m) of the boundary cells ``a[k]`` and ``b[k]`` share, by shapely's overlay."""
    return shapely.length(
        shapely.intersection(shapely.boundary(a), shapely.boundary(b), grid_size=REF_GRID_M)
    )


def _check_against_map(
    ids: np.ndarray, cells: np.ndarray, comm: np.ndarray, edges: pd.DataFrame
) -> int:
    """Every edge shares a boundary of positive length; every pair of one community sharing
    more than ``MUST_LINK_M`` has an edge. Returns the number of edges checked."""
    pos = {u: i for i, u in enumerate(ids)}
    shared = edges[edges["kind"] == "shared"]
    a = cells[[pos[u] for u in shared["unit_a"]]]
    b = cells[[pos[u] for u in shared["unit_b"]]]
    length = _shared_on_map(a, b)
    bad = [
        (u, v, round(float(x), 6))
        for u, v, x in zip(shared["unit_a"], shared["unit_b"], length, strict=True)
        if x <= 0
    ]
    assert not bad, f"edges with no shared boundary on the map: {bad[:5]}"
    i, j = shapely.STRtree(cells).query(cells, predicate="intersects")
    keep = (i < j) & (comm[i] == comm[j])
    i, j = i[keep], j[keep]
    long = _shared_on_map(cells[i], cells[j]) > MUST_LINK_M
    have = {frozenset(p) for p in zip(shared["unit_a"], shared["unit_b"], strict=True)}
    missing = [(ids[x], ids[y]) for x, y in zip(i[long], j[long], strict=True)]
    missing = [p for p in missing if frozenset(p) not in have]
    assert not missing, f"pairs sharing > {MUST_LINK_M} m with no edge: {missing[:5]}"
    return len(shared)


def _by_community(ids: np.ndarray, cells: np.ndarray, comm: np.ndarray) -> pd.DataFrame:
    frames = [adjacency(ids[comm == c], cells[comm == c]) for c in np.unique(comm)]
    return pd.concat(frames, ignore_index=True)


def _check_units(t: pd.DataFrame) -> int:
    """:func:`_check_against_map` on the adjacency of a units table's cells, by community."""
    ids, cells = t.index.to_numpy(), t.geometry.to_numpy()
    comm = t["community_id"].astype(str).to_numpy()
    return _check_against_map(ids, cells, comm, _by_community(ids, cells, comm))


def _sliver_parts(geom: shapely.Geometry) -> list[shapely.Geometry]:
    parts = shapely.get_parts(geom)
    if len(parts) < 2:
        return []
    return [
        p
        for p in parts
        if p.area <= GRID_DEBRIS_M2 or shapely.buffer(p, -GRID_THIN_M, quad_segs=1).is_empty
    ]


# --------------------------------------------------------------------------- minimal case


def test_a_sliver_of_a_third_cell_between_two_cells_keeps_them_apart() -> None:
    """Cells ``a`` and ``b`` face each other across a 0.15 mm, 10 m strip of cell ``c``."""
    w = 0.00015
    a = box(0, 0, 10, 10)
    b = box(10 + w, 0, 20, 10)
    c = MultiPolygon([box(0, 10, 20, 20), box(10, 0, 10 + w, 10)])
    ids = np.array(["a", "b", "c"], dtype=object)
    cells = np.array([a, b, c], dtype=object)
    edges = adjacency(ids, cells)
    pairs = set(zip(edges["unit_a"], edges["unit_b"], strict=True))
    assert pairs == {("a", "c"), ("b", "c")}
    assert _check_against_map(ids, cells, np.zeros(3), edges) == 2
    # without the strip, a and b share 10 m (c lies along a's and b's tops, not between them)
    cells = np.array([a, box(10, 0, 20, 10), box(0, 10, 20, 20)], dtype=object)
    edges = adjacency(ids, cells).set_index(["unit_a", "unit_b"])
    assert edges.loc[("a", "b"), "length_m"] == pytest.approx(10.0, abs=0.11)


def test_a_third_cell_meeting_two_at_a_corner_leaves_their_edge_whole() -> None:
    a, b, c = box(0, 0, 10, 10), box(10, 0, 20, 10), box(5, 10, 15, 20)
    ids = np.array(["a", "b", "c"], dtype=object)
    edges = adjacency(ids, np.array([a, b, c], dtype=object)).set_index(["unit_a", "unit_b"])
    assert edges.loc[("a", "b"), "length_m"] == pytest.approx(10.0, abs=0.11)
    assert set(edges.index) == {("a", "b"), ("a", "c"), ("b", "c")}


# --------------------------------------------------------------------------- demo and real shapes


@pytest.fixture(scope="module")
def growth_import(demo_layers):
    """The growth case of issue 12: the demo plan imported over 20 new estates."""
    plan = grid_communities(demo_layers, GridParams()).plan
    comms = sorted(demo_layers.communities["community_id"].astype(str))[10:15]
    grown = dataclasses.replace(demo_layers, estates=_new_estates(demo_layers, comms, 4, 400))
    before = build_units(grown)
    return before, import_plan_layers(grown, _grid_layer(plan), params=GridParams())


def test_the_growth_recut_leaves_no_sliver_and_keeps_the_land(growth_import) -> None:
    before, imp = growth_import
    units = imp.plan.units.units
    assert imp.recut  # the recut did cut cells
    slivers = {u: len(_sliver_parts(g)) for u, g in units.geometry.items() if _sliver_parts(g)}
    assert slivers == {}
    total0 = shapely.area(before.units.geometry.to_numpy()).sum()
    assert shapely.area(units.geometry.to_numpy()).sum() == pytest.approx(total0, abs=0.01)
    # the cells still tile the land: no overlap between them
    cells = units.geometry.to_numpy()
    i, j = shapely.STRtree(cells).query(cells, predicate="intersects")
    i, j = i[i < j], j[i < j]
    assert shapely.area(shapely.intersection(cells[i], cells[j])).max() < 1e-3


def test_the_growth_case_pair_of_issue_12_is_not_linked(growth_import) -> None:
    """E002B003 and E008B004 of community 320211006011 do not touch on the map."""
    _, imp = growth_import
    units = imp.plan.units
    a, b = "320211006011E002/320211006011E002B003", "320211006011E008/320211006011E008B004"
    cells = units.units.geometry
    on_map = _shared_on_map(np.array([cells[a]]), np.array([cells[b]]))[0]
    assert (b in units.neighbors[a]) == (on_map > 0)


def _facing_metres(a: str, b: str, cells: pd.Series, step: float = 0.25) -> float:
    """Brute force: metres of ``a``'s boundary within 5 cm of ``b`` whose nearest other cell
    is ``b`` (sampled every ``step`` m): the stretch where nothing lies between them."""
    arr = cells.to_numpy()
    tree = shapely.STRtree(arr)
    near = shapely.intersection(cells[a].boundary, shapely.buffer(cells[b], 0.05, quad_segs=1))
    facing = 0.0
    for line in shapely.get_parts(shapely.line_merge(near)):
        n = max(1, int(line.length / step))
        pts = shapely.line_interpolate_point(line, (np.arange(n) + 0.5) * line.length / n)
        for p in pts:
            others = [c for c in tree.query(p, predicate="dwithin", distance=0.05)]
            d = {cells.index[c]: shapely.distance(p, arr[c]) for c in others}
            d.pop(a, None)
            if d and min(d, key=lambda k: (d[k], k != b)) == b:
                facing += line.length / n
    return facing


def test_import_edges_match_the_map(growth_import) -> None:
    """Every edge of the imported graph joins cells sharing a boundary on the map, or facing
    each other across a rounding gap (land the imported grids leave uncovered, under 5 cm)
    with no third cell between; every pair sharing more than 1 m has an edge."""
    _, imp = growth_import
    t = imp.plan.units.units
    ids, cells = t.index.to_numpy(), t.geometry.to_numpy()
    edges = imp.plan.units.edges
    shared = edges[edges["kind"] == "shared"]
    pos = {u: i for i, u in enumerate(ids)}
    length = _shared_on_map(
        cells[[pos[u] for u in shared["unit_a"]]], cells[[pos[u] for u in shared["unit_b"]]]
    )
    across_gap = shared[length <= 0]
    assert len(across_gap) <= 10
    for a, b in zip(across_gap["unit_a"], across_gap["unit_b"], strict=True):
        assert _facing_metres(a, b, t.geometry) > ADJACENCY_MIN_EDGE_M, (a, b)
    assert _check_units(t) > 1000
    # the pair of issue 12, across a 0.15 mm sliver of a third cell, faces nothing
    a, b = "320211006011E002/320211006011E002B003", "320211006011E008/320211006011E008B004"
    if b in imp.plan.units.neighbors[a]:
        assert _facing_metres(a, b, t.geometry) > ADJACENCY_MIN_EDGE_M


def test_demo_adjacency_matches_the_map(demo_layers) -> None:
    assert _check_units(build_units(demo_layers).units) > 800


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_real_shape_adjacency_matches_the_map(seed: int) -> None:
    from tests.geo.grids._realshape import district_layers

    assert _check_units(build_units(district_layers(seed)).units) > 50  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the overlay's shortcut


def _voronoi_cover(n: int, seed: int) -> np.ndarray:
    """Voronoi cells of ``n`` random points clipped to a 100 m square (they tile it)."""
    pts = shapely.points(np.random.default_rng(seed).uniform(0, 100, (n, 2)))
    frame = box(0, 0, 100, 100)
    regions = shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=frame)
    return np.asarray(shapely.intersection(shapely.get_parts(regions), frame), dtype=object)


def test_shared_segments_bound_the_overlay_from_below() -> None:
    """The segments two cells' boundaries both have, summed without an overlay, never exceed
    the overlay of the two boundaries and equal it where the cells tile the land; an invalid
    cell counts nothing (its rings may overlap themselves)."""
    cells = _voronoi_cover(80, 3)
    i, j = shapely.STRtree(cells).query(cells, predicate="intersects")
    i, j = i[i < j], j[i < j]
    bounds = shapely.boundary(cells)
    exact = shapely.length(shapely.intersection(bounds[i], bounds[j]))
    common = _shared_segment_length(bounds, i, j, shapely.is_valid(cells))
    assert (common <= exact + 1e-9).all()
    assert (exact > 1).sum() > 100
    assert np.allclose(common, exact, rtol=0, atol=1e-9)
    assert np.array_equal(common, _shared_segment_length(bounds, j, i, shapely.is_valid(cells)))
    # a bow-tie (invalid) and a square sharing its right edge: counted only for valid cells
    bow = shapely.Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])
    pair = np.array([bow, box(10, 0, 20, 10)], dtype=object)
    lines = shapely.boundary(pair)
    one, two = np.array([0]), np.array([1])
    assert _shared_segment_length(lines, one, two, np.array([True, True]))[0] == 10.0
    assert _shared_segment_length(lines, one, two, shapely.is_valid(pair))[0] == 0.0


def _overlay_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    import geo.grids.units as units_mod

    monkeypatch.setattr(
        units_mod, "_shared_segment_length", lambda bounds, a, b, valid: np.zeros(len(a))
    )


@pytest.mark.parametrize("seed", [0, 4])
def test_adjacency_is_the_same_with_the_overlay_on_every_pair(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shared segments only spare the overlay: edges and lengths are exactly those of the
    overlay run on every pair (real-shape cells, the sliver case and a Voronoi cover)."""
    from tests.geo.grids._realshape import district_layers

    t = build_units(district_layers(seed)).units  # type: ignore[arg-type]
    ids, cells = t.index.to_numpy(), t.geometry.to_numpy()
    comm = t["community_id"].astype(str).to_numpy()
    w = 0.00015
    sliver = np.array(
        [box(0, 0, 10, 10), box(10 + w, 0, 20, 10), box(0, 10, 20, 20), box(10, 0, 10 + w, 10)],
        dtype=object,
    )
    cover = _voronoi_cover(80, seed)
    cases = [(ids[comm == c], cells[comm == c]) for c in np.unique(comm)] + [
        (np.array(list("abcd"), dtype=object), sliver),
        (np.array([f"v{k:03d}" for k in range(len(cover))], dtype=object), cover),
    ]
    fast = [adjacency(u, c) for u, c in cases]
    _overlay_everywhere(monkeypatch)
    for (u, c), got in zip(cases, fast, strict=True):
        pd.testing.assert_frame_equal(got, adjacency(u, c), check_exact=True)
