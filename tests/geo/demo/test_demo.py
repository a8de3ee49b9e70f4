"""The demo district generator and the committed demo in data/boundaries."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from geo.demo.generate import LAYER_FILES, apportion, build_demo, generate_demo, write_demo
from geo.errors import InfeasibleError

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "data" / "boundaries"
FILES = [f"{name}.geojson" for name in LAYER_FILES] + ["walk.graphml", "metadata.json"]
METRIC = "EPSG:4549"  # CGCS2000 Gauss-Kruger zone 40 (120 E), metres


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    write_demo(out)
    return out


@pytest.fixture(scope="module")
def layers() -> dict[str, gpd.GeoDataFrame]:
    return {name: gpd.read_file(DEMO / f"{name}.geojson").to_crs(METRIC) for name in LAYER_FILES}


@pytest.fixture(scope="module")
def metadata() -> dict:
    return json.loads((DEMO / "metadata.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", FILES)
def test_generator_reproduces_committed_files_byte_for_byte(regenerated, name):
    assert (regenerated / name).read_bytes() == (DEMO / name).read_bytes(), (
        f"{name} differs from a fresh run: regenerate with `python -m geo.demo --out data/boundaries`"
    )


def test_38_communities_in_two_streets(layers):
    com = layers["communities"]
    assert len(com) == 38
    assert com["community_id"].is_unique
    assert sorted(set(zip(com["street_code"], com["street"], strict=True))) == [
        ("320211006", "华庄街道"),
        ("320211007", "太湖街道"),
    ]
    assert (com["community_id"] == com["street_code"] + com["community_code"]).all()
    assert com["community_code"].str.fullmatch(r"\d{3}").all()
    for name in ("太湖国际", "信成花园", "玖玖城", "天鹅湖花园", "万科", "尚贤", "周新"):
        assert com.loc[com["name"] == name, "street"].tolist() == ["太湖街道"]
    for name in ("华庄", "落霞苑一", "旺安", "农联", "龙渚", "双茂", "水乡苑一"):
        assert com.loc[com["name"] == name, "street"].tolist() == ["华庄街道"]


def test_communities_tile_the_district_without_overlap_or_gap(layers):
    com = layers["communities"]
    assert com.is_valid.all()
    union = shapely.union_all(com.geometry.values)
    assert union.geom_type == "Polygon" and len(union.interiors) == 0
    assert com.area.sum() == pytest.approx(union.area, rel=1e-9)
    left, right = com.sindex.query(com.geometry, predicate="intersects")
    pairs = left < right
    overlap = com.geometry.values[left[pairs]].intersection(com.geometry.values[right[pairs]]).area
    assert overlap.max() < 1e-3


def test_benchmark_community_matches_published_figures(layers):
    com, est = layers["communities"], layers["estates"]
    swan = com.loc[com["name"] == "天鹅湖花园"].iloc[0]
    assert swan.geometry.area / 1e6 == pytest.approx(1.0, abs=0.1)
    mine = est[est["community_id"] == swan["community_id"]]
    assert mine["households"].sum() == 9000
    assert mine["party_members"].sum() == 497


def test_estates_inside_their_community_and_disjoint(layers):
    com, est = layers["communities"].set_index("community_id"), layers["estates"]
    assert est["estate_id"].is_unique and est.is_valid.all()
    assert 300 <= len(est) <= 450
    assert com.geometry.loc[est["community_id"]].contains(est.geometry, align=False).all()
    left, right = est.sindex.query(est.geometry, predicate="intersects")
    assert (left == right).all()
    assert est["households"].between(100, 3000).all()
    share = est["party_members"].sum() / est["households"].sum()
    assert 0.045 <= share <= 0.065


def test_walk_network_runs_between_estates_not_through_them(layers):
    import osmnx as ox

    graph = ox.load_graphml(DEMO / "walk.graphml")
    edges = ox.graph_to_gdfs(graph, nodes=False).to_crs(METRIC)
    hits = edges.sindex.query(layers["estates"].geometry.buffer(-0.5), predicate="intersects")
    assert hits.size == 0
    hits = edges.sindex.query(layers["buildings"].geometry, predicate="intersects")
    assert hits.size == 0


def test_buildings_inside_their_estate_and_sums_exact(layers):
    est = layers["estates"].set_index("estate_id")
    bld = layers["buildings"]
    assert bld["building_id"].is_unique
    assert est.geometry.loc[bld["estate_id"]].contains(bld.geometry, align=False).all()
    sums = bld.groupby("estate_id")[["households", "party_members", "residents"]].sum()
    pd_est = est[["households", "party_members", "residents"]].loc[sums.index]
    assert (sums == pd_est).all().all()
    assert set(sums.index) == set(est.index)
    assert bld["floors"].between(1, 34).all()
    assert set(bld["kind"]) <= {"slab", "tower"}


def test_facilities_levels(layers):
    fac, com = layers["facilities"], layers["communities"]
    counts = fac["level"].value_counts()
    assert counts["district"] == 1 and counts["street"] == 2 and counts["community"] == 38
    centres = fac[fac["level"] == "community"]
    assert sorted(centres["community_id"]) == sorted(com["community_id"])
    inside = com.set_index("community_id").geometry.loc[centres["community_id"]]
    assert inside.contains(centres.geometry, align=False).all()
    assert fac["facility_id"].is_unique


def test_network_loads_in_osmnx_and_is_strongly_connected():
    import osmnx as ox

    graph = ox.load_graphml(DEMO / "walk.graphml")
    assert isinstance(graph, nx.MultiDiGraph)
    assert graph.graph["crs"] == "epsg:4326"
    assert 300 <= graph.number_of_nodes() <= 5000
    assert nx.is_strongly_connected(graph)
    x = np.array([d["x"] for _, d in graph.nodes(data=True)])
    y = np.array([d["y"] for _, d in graph.nodes(data=True)])
    assert (abs(x - 120.33) < 0.05).all() and (abs(y - 31.49) < 0.05).all()
    for u, v, d in graph.edges(data=True):
        assert graph.has_edge(v, u)
        assert isinstance(d["length"], float) and d["length"] > 0
        assert {"osmid", "highway"} <= d.keys()
    u, v, d = next(iter(graph.edges(data=True)))
    geodesic = Geod(ellps="WGS84").inv(
        graph.nodes[u]["x"], graph.nodes[u]["y"], graph.nodes[v]["x"], graph.nodes[v]["y"]
    )[2]
    assert d["length"] == pytest.approx(geodesic, abs=0.01)


def test_totals_as_documented(layers, metadata):
    est = layers["estates"]
    assert metadata["seed"] == 0 and metadata["scale"] == 1
    assert "geometry is synthetic" in metadata["statement"]
    assert metadata["layers"] == {name: len(gdf) for name, gdf in layers.items()}
    assert metadata["totals"]["households"] == est["households"].sum()
    assert metadata["totals"]["party_members"] == est["party_members"].sum()
    assert metadata["totals"]["residents"] == est["residents"].sum()
    assert 75_000 <= est["households"].sum() <= 90_000
    by_community = est.groupby("community_id")["households"].sum()
    fewest = int(np.ceil(by_community / 500).sum())
    rules = metadata["grids_by_rule"]
    assert rules["fewest grids: ceil(households / 500) per community"] == fewest
    assert abs(fewest - 198) <= 5
    mid = [min(max(round(h / 400), math.ceil(h / 500)), h // 300) for h in by_community]
    assert (
        sum(mid)
        == 198
        == rules["mid-band: round(households / 400) within ceil(h / 500)..floor(h / 300)"]
    )


def test_geojson_is_rfc7946(metadata):
    for name in LAYER_FILES:
        doc = json.loads((DEMO / f"{name}.geojson").read_text(encoding="utf-8"))
        assert "crs" not in doc
        geoms = shapely.from_geojson([json.dumps(f["geometry"]) for f in doc["features"]])
        polygons = geoms[shapely.get_type_id(geoms) == 3]
        assert all(p.exterior.is_ccw and all(not r.is_ccw for r in p.interiors) for p in polygons)
    text = (DEMO / "estates.geojson").read_text(encoding="utf-8")
    decimals = [len(d) for d in re.findall(r"\[1[0-9.]+,3[0-9]\.([0-9]+)\]", text)]
    assert decimals and max(decimals) <= 7


def test_load_layers_reads_the_demo_without_problems():
    from geo.data.io import load_layers

    layers = load_layers(DEMO)
    assert len(layers.communities) == 38
    assert layers.network_path is not None and layers.network_path.name == "walk.graphml"
    assert layers.problems == ()
    assert len(layers.estates) == len(gpd.read_file(DEMO / "estates.geojson"))
    assert layers.crs.is_projected


def test_scale_two_doubles_the_communities():
    demo = build_demo(scale=2)
    com = demo.layers["communities"]
    assert len(com) == 76 and com["community_id"].is_unique
    assert com["street_code"].nunique() == 4
    assert demo.layers["estates"]["estate_id"].is_unique
    assert nx.is_strongly_connected(demo.network)
    union = shapely.union_all(com.to_crs(METRIC).geometry.values)
    assert union.geom_type == "Polygon"


def test_other_seed_gives_another_district_with_the_same_rules():
    layers = generate_demo(seed=1)
    assert len(layers["communities"]) == 38
    est = layers["estates"]
    swan = layers["communities"].loc[layers["communities"]["name"] == "天鹅湖花园", "community_id"]
    assert est.loc[est["community_id"] == swan.iloc[0], "party_members"].sum() == 497
    assert not est["households"].equals(gpd.read_file(DEMO / "estates.geojson")["households"])


@pytest.mark.parametrize(("scale", "seed"), [(0, 0), (497, 0), (1, -1), (1.5, 0)])
def test_bad_scale_or_seed_is_refused(scale, seed):
    with pytest.raises(InfeasibleError, match=r"`scale`|`seed`"):
        build_demo(scale=scale, seed=seed)


def test_apportion_is_exact_and_proportional():
    out = apportion(497, np.array([9.0, 1.0, 0.0, 10.0]))
    assert out.sum() == 497 and out[2] == 0
    assert math.isclose(out[0] / out[3], 0.9, rel_tol=0.02)
    assert apportion(5, np.zeros(3)).tolist() == [2, 2, 1]


@pytest.mark.parametrize("command", ["gridplan demo", "python -m geo.demo"])
def test_command_lines_write_the_same_files(tmp_path, regenerated, command, capsys):
    from cli.main import main as gridplan
    from geo.demo.generate import main as geo_demo

    run = gridplan if command == "gridplan demo" else geo_demo
    args = ["--out", str(tmp_path / "out")]
    assert run(["demo", *args] if command == "gridplan demo" else args) == 0
    for name in FILES:
        assert (tmp_path / "out" / name).read_bytes() == (regenerated / name).read_bytes()
    assert "communities" in capsys.readouterr().out


def test_canals_are_crossed_only_on_bridges(layers):
    import osmnx as ox

    water = layers["landuse"][layers["landuse"]["kind"] == "water"]
    assert len(water) >= 16  # two canals across the 8 columns of cells
    assert not layers["estates"].sindex.query(water.geometry, predicate="intersects").size
    edges = ox.graph_to_gdfs(ox.load_graphml(DEMO / "walk.graphml"), nodes=False).to_crs(METRIC)
    wet = edges.intersection(shapely.union_all(water.geometry.values)).length
    crossing = edges[wet > 1.0]  # lanes that end on a bank only touch the water
    assert set(crossing["highway"]) <= {"primary", "secondary", "residential"}
    lanes = crossing[crossing["highway"] == "residential"].reset_index()
    assert len(lanes) % 4 == 0  # a footbridge: two lane edges meeting mid-canal, both directions
    assert 0 < len(lanes) // 4 <= len(water)
    mid = pd.concat([lanes["u"], lanes["v"]]).value_counts()
    assert mid[mid == 4].size == len(lanes) // 4  # its middle node is on no other lane


def test_landuse_lies_between_estates_inside_communities(layers):
    lu, est = layers["landuse"], layers["estates"]
    assert lu["landuse_id"].is_unique and lu.is_valid.all()
    com = layers["communities"].set_index("community_id")
    assert (
        com.geometry.loc[lu["community_id"]].buffer(0.01).contains(lu.geometry, align=False).all()
    )
    assert not est.sindex.query(lu.geometry.buffer(-0.01), predicate="intersects").size
    assert {"park", "school", "public_service", "water"} <= set(lu["kind"])
    centres = layers["facilities"][layers["facilities"]["level"] != "post"]
    assert not lu[lu["kind"] == "water"].sindex.query(centres.geometry, predicate="intersects").size


def test_rebalance_keeps_the_cell_total_and_respects_capacity():
    from geo.demo._layout import _rebalance

    assert _rebalance([500, 100], [300, 400]) == [300, 300]
    assert _rebalance([120, 80], [300, 300]) == [120, 80]
    out = _rebalance([900, 50, 50], [100, 100, 100])  # the cell is full: spread the excess
    assert sum(out) == 1000 and max(out) - min(out) <= 1


def test_command_lines_refuse_a_bad_scale_without_writing(tmp_path, capsys):
    from cli.main import main as gridplan
    from geo.demo.generate import main as geo_demo

    assert geo_demo(["--out", str(tmp_path / "a"), "--scale", "0"]) == 2
    assert gridplan(["demo", "--out", str(tmp_path / "b"), "--scale", "0"]) == 2
    assert "`scale` must be an integer from 1 to 496" in capsys.readouterr().err
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
