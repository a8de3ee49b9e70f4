"""The bundled demo (data/boundaries) loads clean through geo.data.io and matches its metadata."""

from __future__ import annotations

import json

from geo.data.io import load_demo, validation_report


def test_load_demo_clean(demo_dir):
    layers = load_demo()
    assert layers.problems == ()  # no error and no warning either
    assert layers.crs.to_epsg() == 4549
    meta = json.loads((demo_dir / "metadata.json").read_text(encoding="utf-8"))
    for name in ("communities", "estates", "buildings", "facilities"):
        assert len(layers.layer(name)) == meta["layers"][name]
    assert layers.network_path == demo_dir / "walk.graphml"
    assert layers.estates["community_id"].isin(layers.communities["community_id"]).all()
    assert layers.estates["households"].sum() == meta["totals"]["households"]
    assert validation_report(layers).startswith("OK: layers loaded into EPSG:4549")
