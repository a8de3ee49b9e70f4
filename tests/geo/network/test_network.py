"""Walking distances: csgraph results against networkx Dijkstra, snapping, cut-off, fallback."""

from __future__ import annotations

import pickle

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from shapely.geometry import Point, box

import geo.network.walk as gn
from geo.errors import CRSError, ValidationError
from geo.network.walk import (
    WalkNetwork,
    distance_matrix,
    grid_walk_graph,
    load_network,
    nearest,
    straight_line_method,
)
from geo.settings import SNAP_WARN_M

CRS = "EPSG:32651"


def _irregular_graph(seed: int = 0, n: int = 60) -> nx.MultiDiGraph:
    """Random planar-ish graph with uneven lengths, parallel edges and one-way pieces."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 1000, (n, 2))
    G = nx.MultiDiGraph(crs=CRS)
    for i, (x, y) in enumerate(xy):
        G.add_node(f"n{i}", x=float(x), y=float(y))
    for i in range(n):
        d = np.hypot(*(xy - xy[i]).T)
        for j in np.argsort(d)[1:4]:
            length = float(d[j] * rng.uniform(1.0, 1.4))
            G.add_edge(f"n{i}", f"n{j}", length=length)  # often one-way only
            if rng.random() < 0.3:
                G.add_edge(f"n{i}", f"n{j}", length=length * 1.5)  # a longer parallel edge
    return G


def _brute(G: nx.MultiDiGraph, net: WalkNetwork, o_xy, t_xy, cutoff=None) -> np.ndarray:
    """Reference: networkx Dijkstra per origin on the undirected graph, snap by full scan."""
    U = nx.Graph()
    U.add_nodes_from(G.nodes)
    for u, v, d in G.edges(data=True):
        if u != v and (not U.has_edge(u, v) or U[u][v]["length"] > d["length"]):
            U.add_edge(u, v, length=d["length"])
    ids = list(G.nodes)
    xy = np.array([(G.nodes[i]["x"], G.nodes[i]["y"]) for i in ids])

    def snap(p):
        d = np.hypot(*(xy - p).T)
        return ids[int(np.argmin(d))], float(d.min())

    out = np.full((len(o_xy), len(t_xy)), np.inf)
    t_snapped = [snap(p) for p in t_xy]
    for a, p in enumerate(o_xy):
        node, s = snap(p)
        lengths = nx.single_source_dijkstra_path_length(U, node, weight="length")
        for b, (tn, ts) in enumerate(t_snapped):
            if tn in lengths:
                out[a, b] = s + lengths[tn] + ts
    if cutoff is not None:
        out[out > cutoff] = np.inf
    return out


@pytest.fixture(scope="module")
def irregular():
    G = _irregular_graph()
    return G, WalkNetwork.from_graph(G)


def test_matrix_matches_networkx_dijkstra(irregular):
    G, net = irregular
    rng = np.random.default_rng(3)
    o, t = rng.uniform(0, 1000, (25, 2)), rng.uniform(0, 1000, (9, 2))
    got = distance_matrix(o, t, network=net)
    assert got.method == "network"
    np.testing.assert_allclose(got.matrix_m, _brute(G, net, o, t), rtol=1e-9)
    # the same answer when the larger side is the targets (Dijkstra from the other side)
    back = distance_matrix(t, o, network=net)
    np.testing.assert_allclose(back.matrix_m, got.matrix_m.T, rtol=1e-9)


def test_cutoff_and_chunks_match_reference(irregular, monkeypatch):
    G, net = irregular
    rng = np.random.default_rng(4)
    o, t = rng.uniform(0, 1000, (20, 2)), rng.uniform(0, 1000, (15, 2))
    monkeypatch.setattr(gn, "_CHUNK_CELLS", 2 * net.n_nodes)  # two sources per Dijkstra call
    got = distance_matrix(o, t, network=net, cutoff_m=400.0)
    ref = _brute(G, net, o, t, cutoff=400.0)
    assert np.isinf(ref).any() and np.isfinite(ref).any()
    np.testing.assert_array_equal(np.isinf(got.matrix_m), np.isinf(ref))
    np.testing.assert_allclose(got.matrix_m[np.isfinite(ref)], ref[np.isfinite(ref)], rtol=1e-9)


def test_nearest_matches_matrix_min(irregular):
    _, net = irregular
    rng = np.random.default_rng(5)
    o, t = rng.uniform(0, 1000, (40, 2)), rng.uniform(0, 1000, (6, 2))
    full = distance_matrix(o, t, network=net).matrix_m
    near = nearest(o, t, network=net)
    np.testing.assert_allclose(near.dist_m, full.min(axis=1), rtol=1e-9)
    np.testing.assert_allclose(full[np.arange(len(o)), near.target], full.min(axis=1), rtol=1e-9)
    cut = nearest(o, t, network=net, cutoff_m=200.0)
    expect = np.where(full.min(axis=1) <= 200.0, full.min(axis=1), np.inf)
    np.testing.assert_allclose(cut.dist_m, expect, rtol=1e-9)
    assert np.array_equal(cut.target == -1, np.isinf(expect))


def test_nearest_counts_target_snap_distance():
    # two targets snap to the same node; the one closer to the network must win
    net = WalkNetwork.from_graph(grid_walk_graph(3, 3, spacing_m=100.0))
    t = np.array([[100.0, 140.0], [100.0, 110.0]])  # both snap to node (100, 100)
    r = nearest(np.array([[0.0, 0.0]]), t, network=net)
    assert r.target.tolist() == [1]
    assert r.dist_m[0] == pytest.approx(200.0 + 10.0)


def test_snap_distance_added_and_far_points_flagged():
    net = WalkNetwork.from_graph(grid_walk_graph(5, 5, spacing_m=100.0))
    o = np.array([[0.0, 30.0], [0.0, -(SNAP_WARN_M + 50.0)]])
    t = np.array([[400.0, 0.0]])
    r = distance_matrix(o, t, network=net)
    np.testing.assert_allclose(r.snap_m_origins, [30.0, SNAP_WARN_M + 50.0])
    np.testing.assert_allclose(r.matrix_m[:, 0], [430.0, 400.0 + SNAP_WARN_M + 50.0])
    assert r.flagged_origins.tolist() == [False, True]
    assert r.flagged == {"origins": [1], "targets": []}


def test_disconnected_network_reports_origins():
    G = grid_walk_graph(3, 3, spacing_m=100.0)
    island = grid_walk_graph(2, 2, spacing_m=100.0, origin=(1000.0, 0.0))
    G = nx.union(G, nx.relabel_nodes(island, {n: f"i{n}" for n in island}))
    net = WalkNetwork.from_graph(G)
    assert net.n_components == 2
    o = np.array([[0.0, 0.0], [1000.0, 0.0], [1100.0, 100.0]])
    t = np.array([[200.0, 200.0]])
    r = distance_matrix(o, t, network=net)
    assert r.unreachable_origins.tolist() == [False, True, True]
    assert np.isinf(r.matrix_m[1:]).all() and r.matrix_m[0, 0] == pytest.approx(400.0)
    n = nearest(o, t, network=net)
    assert n.unreachable_origins.tolist() == [False, True, True]
    assert n.target.tolist() == [0, -1, -1]


def test_fallback_is_labelled_and_scaled():
    o, t = np.array([[0.0, 0.0]]), np.array([[300.0, 400.0], [30.0, 40.0]])
    r = distance_matrix(o, t, detour_factor=1.5, cutoff_m=100.0)
    assert r.method == straight_line_method(1.5) == "straight-line x1.5"
    assert r.matrix_m.tolist() == [[np.inf, 75.0]]
    n = nearest(o, t)
    assert n.method == "straight-line x1.3"
    assert n.target.tolist() == [1] and n.dist_m[0] == pytest.approx(65.0)


def test_geographic_graph_is_projected_and_geoseries_reprojected():
    # a lon/lat graph (as osmnx writes GraphML) near Wuxi; lengths in metres
    G = nx.MultiDiGraph(crs="EPSG:4326")
    G.add_node(1, x=120.30, y=31.50)
    G.add_node(2, x=120.301, y=31.50)
    G.add_edge(1, 2, length=95.0)
    G.add_edge(2, 1, length=95.0)
    net = WalkNetwork.from_graph(G)
    assert net.crs.is_projected
    pts = gpd.GeoSeries([Point(120.30, 31.50)], crs="EPSG:4326").to_crs(net.crs)
    dest = gpd.GeoSeries([Point(120.301, 31.50)], crs="EPSG:4326").to_crs(3857)  # other metric CRS
    r = distance_matrix(pts, dest, network=net)
    assert r.matrix_m[0, 0] == pytest.approx(95.0, abs=0.01)


def test_polygons_use_representative_point():
    net = WalkNetwork.from_graph(grid_walk_graph(4, 4, spacing_m=100.0))
    estates = gpd.GeoDataFrame(geometry=[box(-10, -10, 10, 10)], crs=CRS)
    r = distance_matrix(estates, np.array([[300.0, 0.0]]), network=net)
    assert r.matrix_m[0, 0] == pytest.approx(300.0, abs=15.0)


def test_network_pickles():
    net = WalkNetwork.from_graph(grid_walk_graph(4, 4))
    back = pickle.loads(pickle.dumps(net))
    pts = np.array([[12.0, 77.0], [140.0, 3.0]])
    assert np.array_equal(back.snap(pts)[0], net.snap(pts)[0])
    assert (back.lengths != net.lengths).nnz == 0


def test_load_graphml_roundtrip(tmp_path):
    import osmnx as ox

    path = tmp_path / "walk.graphml"
    ox.save_graphml(grid_walk_graph(3, 3, spacing_m=80.0), path)
    G = load_network(path)
    net = WalkNetwork.from_graph(G)
    assert net.n_nodes == 9 and net.lengths.nnz == 24
    assert distance_matrix(
        np.array([[0.0, 0.0]]), np.array([[160.0, 160.0]]), network=path
    ).matrix_m[0, 0] == pytest.approx(320.0)


def test_load_errors(tmp_path):
    with pytest.raises(ValidationError, match="not found"):
        load_network(tmp_path / "missing.graphml")
    with pytest.raises(ValidationError, match="downloading is off"):
        load_network("Binhu District, Wuxi")
    with pytest.raises(ValidationError, match="downloading is off"):
        load_network(bbox=(120.2, 31.4, 120.3, 31.5))
    with pytest.raises(ValidationError, match="required"):
        load_network()
    G = grid_walk_graph(2, 2)
    next(iter(G.edges(data=True)))[2]["length"] = float("nan")
    with pytest.raises(ValidationError, match="valid `length`"):
        WalkNetwork.from_graph(G)


def test_argument_errors():
    pts = np.zeros((1, 2))
    with pytest.raises(ValueError, match="cutoff_m"):
        distance_matrix(pts, pts, cutoff_m=0)
    with pytest.raises(ValueError, match="detour_factor"):
        nearest(pts, pts, detour_factor=0.5)
    with pytest.raises(ValueError, match="shape"):
        distance_matrix(np.zeros(3), pts)
    geographic = gpd.GeoSeries([Point(120.3, 31.5)], crs="EPSG:4326")
    with pytest.raises(CRSError, match="metric CRS"):
        distance_matrix(geographic, geographic)
    with pytest.raises(CRSError, match="metric CRS"):
        WalkNetwork.from_graph(grid_walk_graph(2, 2), "EPSG:4326")


OSM_XML = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="hand">
  <node id="1" lat="31.5000" lon="120.3000" version="1"/>
  <node id="2" lat="31.5000" lon="120.3010" version="1"/>
  <node id="3" lat="31.5009" lon="120.3010" version="1"/>
  <way id="10" version="1">
    <nd ref="1"/><nd ref="2"/><nd ref="3"/>
    <tag k="highway" v="footway"/>
  </way>
</osm>
"""


def test_load_osm_xml(tmp_path):
    path = tmp_path / "walk.osm"
    path.write_text(OSM_XML, encoding="utf-8")
    net = WalkNetwork.from_graph(load_network(path))
    assert net.n_nodes == 2 and net.crs.to_epsg() == 32651  # simplified; UTM 51N for Wuxi
    r = distance_matrix(net.xy[[0]], net.xy[[1]], network=net)
    assert r.matrix_m[0, 0] == pytest.approx(95.0 + 100.0, rel=0.02)  # 0.001 deg lon + lat


def _same_network(a: WalkNetwork, b: WalkNetwork) -> None:
    assert a.crs == b.crs and np.array_equal(a.node_ids, b.node_ids)
    np.testing.assert_allclose(a.xy, b.xy, atol=1e-6)
    assert (a.lengths != b.lengths).nnz == 0 and np.array_equal(a.component, b.component)


def test_graphml_fast_reader_equals_osmnx(tmp_path, demo_dir):
    import osmnx as ox

    _same_network(
        WalkNetwork.from_file(demo_dir / "walk.graphml", "EPSG:32651"),
        WalkNetwork.from_graph(load_network(demo_dir / "walk.graphml"), "EPSG:32651"),
    )
    G = _irregular_graph(seed=2, n=30)
    G.add_edge("n0", "n0", length=5.0)  # a self-loop is ignored
    ox.save_graphml(G, tmp_path / "text_ids.graphml")  # osmnx itself cannot read text ids
    _same_network(WalkNetwork.from_file(tmp_path / "text_ids.graphml"), WalkNetwork.from_graph(G))
    G = nx.relabel_nodes(G, {f"n{i}": i for i in range(30)})
    ox.save_graphml(G, tmp_path / "irr.graphml")
    _same_network(
        WalkNetwork.from_file(tmp_path / "irr.graphml"),
        WalkNetwork.from_graph(load_network(tmp_path / "irr.graphml")),
    )


def test_graphml_fast_reader_errors(tmp_path):
    import osmnx as ox

    with pytest.raises(ValidationError, match="not found"):
        WalkNetwork.from_file(tmp_path / "none.graphml")
    G = grid_walk_graph(2, 2)
    next(iter(G.edges(data=True)))[2]["length"] = -3.0
    ox.save_graphml(G, tmp_path / "neg.graphml")
    with pytest.raises(ValidationError, match="valid `length`"):
        WalkNetwork.from_file(tmp_path / "neg.graphml")
    G = grid_walk_graph(2, 2)
    del G.nodes[1]["x"]
    ox.save_graphml(G, tmp_path / "nox.graphml")
    with pytest.raises(ValidationError, match="numeric `x`/`y`"):
        WalkNetwork.from_file(tmp_path / "nox.graphml")
    (tmp_path / "broken.graphml").write_text("<graphml><graph>", encoding="utf-8")
    with pytest.raises(ValidationError, match="not valid GraphML"):
        WalkNetwork.from_file(tmp_path / "broken.graphml")
    ox.save_graphml(grid_walk_graph(2, 2), tmp_path / "ok.graphml")
    text = (
        (tmp_path / "ok.graphml").read_text(encoding="utf-8").replace('source="0"', 'source="99"')
    )
    (tmp_path / "orphan.graphml").write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError, match="not in the file"):
        WalkNetwork.from_file(tmp_path / "orphan.graphml")


def test_metres_declared_as_wgs84_are_refused_before_projecting(tmp_path):
    import osmnx as ox

    G = grid_walk_graph(3, 3, origin=(350_000.0, 3_480_000.0), crs="EPSG:4326")
    with pytest.raises(
        ValidationError, match=r"9 of 9 node\(s\) lie outside longitude.*look like metres"
    ):
        WalkNetwork.from_graph(G)
    ox.save_graphml(G, tmp_path / "m.graphml")
    with pytest.raises(
        ValidationError, match=r"layer `m.graphml`.*e.g. node 0 \(350000, 3480000\)"
    ):
        WalkNetwork.from_file(tmp_path / "m.graphml", CRS)


def test_non_finite_node_and_unknown_crs_are_refused(tmp_path):
    import osmnx as ox

    G = grid_walk_graph(2, 2)
    G.nodes[3]["y"] = float("inf")
    ox.save_graphml(G, tmp_path / "inf.graphml")
    with pytest.raises(
        ValidationError, match=r"1 node\(s\) have a non-finite `x`/`y`, e.g. node 3"
    ):
        WalkNetwork.from_file(tmp_path / "inf.graphml")
    with pytest.raises(ValidationError, match=r"the graph's `crs` 'EPSG:0' is not a known CRS"):
        WalkNetwork.from_graph(grid_walk_graph(2, 2, crs="EPSG:0"))


def test_projected_coordinates_outside_the_crs_domain_are_refused():
    G = grid_walk_graph(2, 2, origin=(1e12, 1e12), crs=CRS)
    with pytest.raises(ValidationError, match=r"outside the range of the declared CRS EPSG:32651"):
        WalkNetwork.from_graph(G)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "is not valid XML"),
        (
            '<osm version="0.6"><node id="1" lon="120"/><node id="2" lat="31" lon="120"/>'
            '<way id="9"><nd ref="1"/><nd ref="2"/><tag k="highway" v="footway"/></way></osm>',
            r"not a usable walk network \(KeyError: 'lat'\)",
        ),
        ('<osm version="0.6"></osm>', "not a usable walk network"),
    ],
)
def test_broken_osm_files_give_messages(tmp_path, text, needle):
    (tmp_path / "w.osm").write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError, match=needle):
        WalkNetwork.from_file(tmp_path / "w.osm")


def test_network_far_from_every_point_is_refused():
    net = WalkNetwork.from_graph(grid_walk_graph(3, 3, spacing_m=100.0))
    near = gpd.GeoSeries([Point(50, 50), Point(90_000, 0)], crs=CRS)
    gn.require_network_near(
        net, near, layer="estates"
    )  # one point on it: partial cover is a warning
    gn.require_network_near(None, near, layer="estates")  # straight-line fallback: nothing to check
    far = gpd.GeoSeries([Point(5_200, 200), Point(9_000, 0)], crs=CRS)
    with pytest.raises(
        ValidationError,
        match=r"layer `estates`: the walk network is 5\.0 km from the "
        r"nearest of the 2 estates: probably the network of another",
    ):
        gn.require_network_near(net, far, layer="estates")


def test_far_network_names_the_cause_in_coverage_and_siting(demo_layers):
    from allocation.coverage import coverage_review
    from allocation.siting import MCLP

    far = WalkNetwork.from_graph(grid_walk_graph(3, 3, origin=(-2_000_000.0, 0.0)), demo_layers.crs)
    with pytest.raises(ValidationError, match=r"km from the nearest of the \d+ estates"):
        coverage_review(demo_layers, network=far)
    with pytest.raises(ValidationError, match=r"km from the nearest of the \d+ estates"):
        MCLP.from_layers(demo_layers, network=far, p=1, radius=500.0)
