"""The app's upload path takes a points table, a roster and a walk network (ui.data.load_uploads)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from tests._userdata import estate_points_frame, write_xlsx

DEMO = Path(__file__).resolve().parents[3] / "data" / "boundaries"


def test_upload_points_table_roster_and_network(tmp_path: Path) -> None:
    from ui.data import load_uploads

    comm = gpd.read_file(DEMO / "communities.geojson")
    est = gpd.read_file(DEMO / "estates.geojson")
    keep = comm["community_id"].isin(["320211006020"])
    est = est[est["community_id"].isin(comm.loc[keep, "community_id"])]
    comm[keep].to_file(tmp_path / "c.geojson")
    frame = estate_points_frame(est)
    write_xlsx(tmp_path / "e.xlsx", frame, title="小区一览")
    write_xlsx(tmp_path / "r.xlsx", pd.DataFrame({"小区名称": frame["小区名称"], "党员数": 1}))
    layers, problems, key = load_uploads(
        {
            "communities": ("社区.geojson", (tmp_path / "c.geojson").read_bytes()),
            "estates": ("小区.xlsx", (tmp_path / "e.xlsx").read_bytes()),
        },
        {"communities": "WGS84", "estates": "GCJ-02"},
        rosters={"estates": ("名册.xlsx", (tmp_path / "r.xlsx").read_bytes())},
        network=("walk.graphml", (DEMO / "walk.graphml").read_bytes()),
    )
    assert layers is not None, problems
    assert layers.network_path is not None and layers.network_path.name == "walk.graphml"
    assert layers.network_path.is_file()  # still there for coverage and siting
    (join,) = layers.joins
    assert join.source == "名册.xlsx" and join.rows == len(est)
    assert layers.estates["from_point"].all()
    assert key.startswith("upload-")
