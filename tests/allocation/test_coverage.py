"""Coverage review: nearest facility against brute-force networkx Dijkstra, classes, gaps."""

from __future__ import annotations

import json

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from allocation.coverage import check_thresholds, classify, coverage_review
from geo.data.schema import Layers
from geo.errors import ValidationError
from geo.network.walk import WalkNetwork, grid_walk_graph

CRS = "EPSG:32651"


def _layers(n_estates: int = 40, seed: int = 0, extra_facilities=()) -> Layers:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 1000, (n_estates, 2))
    estates = gpd.GeoDataFrame(
        {
            "estate_id": [f"e{i:02d}" for i in range(n_estates)],
            "name": [f"Estate {i}" for i in range(n_estates)],
            "community_id": ["c1" if x < 500 else "c2" for x, _ in xy],
            "households": rng.integers(50, 600, n_estates),
            "party_members": rng.integers(0, 40, n_estates),
            "residents": rng.integers(100, 1500, n_estates),
        },
        geometry=[box(x - 15, y - 15, x + 15, y + 15) for x, y in xy],
        crs=CRS,
    )
    fac = [
        ("f1", "community", 120.0, 130.0),
        ("f2", "street", 820.0, 760.0),
        ("f3", "post", 400.0, 910.0),
        *extra_facilities,
    ]
    facilities = gpd.GeoDataFrame(
        {
            "facility_id": [f[0] for f in fac],
            "level": [f[1] for f in fac],
            "name": [f"Centre {f[0]}" for f in fac],
        },
        geometry=[Point(f[2], f[3]) for f in fac],
        crs=CRS,
    )
    communities = gpd.GeoDataFrame(
        {"community_id": ["c1", "c2"], "name": ["West", "East"]},
        geometry=[box(-50, -50, 500, 1050), box(500, -50, 1050, 1050)],
        crs=CRS,
    )
    return Layers(communities=communities, estates=estates, facilities=facilities)


def _brute_nearest(G: nx.MultiDiGraph, estates: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame):
    """Reference: nx.single_source_dijkstra_path_length per estate, snapping by full scan."""
    U = nx.Graph()
    U.add_nodes_from(G.nodes)
    for u, v, d in G.edges(data=True):  # walking: both directions, shortest parallel edge
        if u != v and (not U.has_edge(u, v) or U[u][v]["length"] > d["length"]):
            U.add_edge(u, v, length=d["length"])
    ids = list(G.nodes)
    nxy = np.array([(G.nodes[i]["x"], G.nodes[i]["y"]) for i in ids])

    def snap(p):
        d = np.hypot(nxy[:, 0] - p.x, nxy[:, 1] - p.y)
        return ids[int(np.argmin(d))], float(d.min())

    fac = [snap(p) for p in facilities.geometry]
    out = []
    for p in estates.geometry.representative_point():
        node, s = snap(p)
        lengths = nx.single_source_dijkstra_path_length(U, node, weight="length")
        cands = [s + lengths[fn] + fs for fn, fs in fac if fn in lengths]
        out.append(min(cands) if cands else np.inf)
    return np.array(out)


def test_coverage_matches_brute_force_dijkstra():
    G = grid_walk_graph(21, 21, spacing_m=50.0)
    layers = _layers()
    res = coverage_review(layers, network=WalkNetwork.from_graph(G))
    ref = _brute_nearest(G, layers.estates, layers.facilities)
    np.testing.assert_allclose(res.estates["dist_m"].to_numpy(), np.round(ref, 1), atol=0.051)
    assert (res.estates["method"] == "network").all() and res.method == "network"
    # the facility named is one at that distance
    assert set(res.estates["facility_id"]) <= {"f1", "f2", "f3"}


def test_classes_totals_and_gap_ranking():
    layers = _layers()
    res = coverage_review(layers, network=grid_walk_graph(21, 21, spacing_m=50.0))
    est = res.estates
    d = est["dist_m"].to_numpy()
    expect = np.select(
        [d <= 300, d <= 500, d <= 1000], ["<=300 m", "<=500 m", "<=1000 m"], "beyond"
    )
    assert est["life_circle"].tolist() == expect.tolist()
    totals = res.totals.set_index("life_circle")
    assert list(totals.index) == ["<=300 m", "<=500 m", "<=1000 m", "beyond", "unreachable"]
    assert totals["households"].sum() == layers.estates["households"].sum()
    assert totals["estates"].sum() == len(layers.estates)
    assert totals["share"].sum() == pytest.approx(1.0, abs=1e-3)
    # gaps: every estate beyond 500 m, most households first
    assert len(res.gaps) == int((d > 500).sum()) > 0
    assert res.gaps["households"].is_monotonic_decreasing
    assert res.gaps["rank"].tolist() == list(range(1, len(res.gaps) + 1))
    summary = res.to_dict()
    json.dumps(summary, allow_nan=False)
    assert summary["gap_estates"] == len(res.gaps) and summary["method"] == "network"


def test_levels_thresholds_and_weight_are_parameters():
    layers = _layers()
    net = WalkNetwork.from_graph(grid_walk_graph(21, 21, spacing_m=50.0))
    only_post = coverage_review(
        layers,
        network=net,
        levels=["post"],
        thresholds_m=[200, 400],
        weight="party_members",
        gap_threshold_m=200,
    )
    assert set(only_post.estates["facility_id"]) == {"f3"}
    assert only_post.levels == ("post",)
    assert list(only_post.totals["life_circle"]) == ["<=200 m", "<=400 m", "beyond", "unreachable"]
    assert only_post.gaps["party_members"].is_monotonic_decreasing
    every = coverage_review(layers, network=net)
    assert (only_post.estates["dist_m"] >= every.estates["dist_m"]).all()


def test_straight_line_fallback_labelled():
    res = coverage_review(_layers(), detour_factor=1.3)
    assert res.method == "straight-line x1.3"
    assert (res.estates["method"] == "straight-line x1.3").all()
    assert res.to_dict()["method"] == "straight-line x1.3"
    e = res.estates.iloc[0]
    p = _layers().estates.geometry.representative_point().iloc[0]
    fac = _layers().facilities.set_index("facility_id").geometry
    assert e["dist_m"] == pytest.approx(min(p.distance(q) for q in fac) * 1.3, abs=0.05)


def test_disconnected_network_reports_unreachable_estates():
    G = grid_walk_graph(21, 21, spacing_m=50.0)
    island = grid_walk_graph(3, 3, spacing_m=50.0, origin=(2000.0, 0.0))
    G = nx.union(G, nx.relabel_nodes(island, {n: f"i{n}" for n in island}))
    layers = _layers()
    cut_off = gpd.GeoDataFrame(
        {
            "estate_id": ["far"],
            "name": ["Island"],
            "community_id": ["c2"],
            "households": [300],
            "party_members": [9],
            "residents": [700],
        },
        geometry=[box(2040, 40, 2060, 60)],
        crs=CRS,
    )
    layers = Layers(
        communities=layers.communities,
        facilities=layers.facilities,
        estates=gpd.GeoDataFrame(pd.concat([layers.estates, cut_off], ignore_index=True), crs=CRS),
    )
    res = coverage_review(layers, network=G)
    row = res.estates.set_index("estate_id").loc["far"]
    assert row["life_circle"] == "unreachable" and pd.isna(row["facility_id"])
    summary = res.to_dict()
    assert summary["unreachable_estates"] == ["far"]
    assert any("cannot reach any facility" in p for p in summary["problems"])
    assert "far" in res.gaps["estate_id"].tolist()


def test_far_facility_flagged():
    layers = _layers(extra_facilities=[("f9", "post", 1700.0, 500.0)])
    res = coverage_review(layers, network=grid_walk_graph(21, 21, spacing_m=50.0))
    assert res.flagged_facilities == ("f9",)
    assert any("f9" in str(p) for p in res.problems)


def test_classify_edges_and_bad_input():
    out = classify(np.array([0, 300, 300.1, 1000, 1000.1, np.inf]), (300, 500, 1000))
    assert out.tolist() == ["<=300 m", "<=300 m", "<=500 m", "<=1000 m", "beyond", "unreachable"]
    for bad in ([], [500, 300], [0, 300], [300, 300], [300, float("nan")]):
        with pytest.raises(ValueError, match="thresholds_m"):
            check_thresholds(bad)
    layers = _layers()
    with pytest.raises(ValueError, match="weight"):
        coverage_review(layers, weight="area")
    with pytest.raises(ValueError, match="levels"):
        coverage_review(layers, levels=["hospital"])
    with pytest.raises(ValidationError, match="levels present"):
        coverage_review(layers, levels=["district"])
    with pytest.raises(ValidationError, match="no facilities layer"):
        coverage_review(Layers(communities=layers.communities, estates=layers.estates))
    with pytest.raises(ValueError, match="gap_threshold_m"):
        coverage_review(layers, gap_threshold_m=0)


def _brute_on_layers(layers, sample: np.ndarray) -> np.ndarray:
    """Reference on a dataset: its GraphML projected to the metric CRS, networkx per estate."""
    from geo.network.walk import load_network, project_network

    G = project_network(load_network(layers.network_path), layers.crs)
    return _brute_nearest(G, layers.estates.iloc[sample], layers.facilities)


def check_demo_matches_brute_force(layers, n_sample: int = 12, seed: int = 0) -> None:
    """Coverage on a dataset equals brute-force networkx Dijkstra on sampled estates."""
    from geo.network.walk import layers_network

    assert layers.network_path is not None and layers.facilities is not None
    res = coverage_review(layers, network=layers_network(layers))
    assert res.method == "network"
    rng = np.random.default_rng(seed)
    sample = rng.choice(len(layers.estates), size=min(n_sample, len(layers.estates)), replace=False)
    ref = _brute_on_layers(layers, sample)
    got = res.estates["dist_m"].to_numpy()[sample]
    np.testing.assert_allclose(got, np.round(ref, 1), atol=0.051)


def test_demo_coverage_matches_brute_force_dijkstra(demo_layers):
    """The proof of issue 4: coverage on the bundled demo equals networkx Dijkstra (sampled)."""
    check_demo_matches_brute_force(demo_layers, n_sample=15)
