"""``bench/bench_gridding.py --points-demo``: the demo written as estate points (issue 13) is
what the loader reads as GCJ-02 points with Chinese headers, at the estates' centroids."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from bench.bench_gridding import write_points_demo
from geo.data.crs import metric_crs_for
from geo.data.io import load_layers

DATA = Path(__file__).resolve().parents[3] / "data" / "boundaries"


def test_points_demo_round_trips_to_the_estate_centroids(tmp_path: Path) -> None:
    out = write_points_demo(DATA, tmp_path / "pts")
    table = pd.read_csv(out / "estates.csv", encoding="utf-8-sig", dtype=str)
    assert list(table.columns) == [
        "小区编号",
        "小区名称",
        "所属社区",
        "户数",
        "党员数",
        "经度",
        "纬度",
    ]
    assert (out / "communities.geojson").exists()
    layers = load_layers(out, datum={"estates": "GCJ-02"})
    est = gpd.read_file(DATA / "estates.geojson")
    assert len(layers.estates) == len(est)
    assert layers.estates["households"].sum() == est["households"].sum()
    # the loader converts GCJ-02 back: within a metre of the footprints' centroids
    metric = metric_crs_for(est)
    want = est.to_crs(metric).set_index("estate_id").centroid
    raw = pd.read_csv(out / "estates.csv", encoding="utf-8-sig", dtype={"小区编号": str})
    from geo.data.crs import gcj02_to_wgs84

    lon, lat = gcj02_to_wgs84(raw["经度"].to_numpy(float), raw["纬度"].to_numpy(float))
    got = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326").to_crs(metric)
    got.index = raw["小区编号"].to_numpy()
    assert float(got.distance(want.loc[got.index]).max()) < 1.0
