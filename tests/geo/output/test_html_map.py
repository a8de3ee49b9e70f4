"""The HTML map export: offline (no tiles, Leaflet and icons inline), neighbouring grids in
different colours, grid names as labels, a legend, Chinese or English, user text escaped."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from geo.output.export import GRID_FILLS, LEAFLET_DIST, grid_adjacency, to_html_map
from tests.hostile._markup import IMG, assert_no_live_markup

UTM = "EPSG:32651"


def _plan_layers(names=("一号网格", "二号网格", "三号网格", "四号网格")):
    """Four 100 m grids in a row (each touches the next) and two posts."""
    x0, y0 = 220_000.0, 3_490_000.0
    grids = gpd.GeoDataFrame(
        {
            "grid_id": [f"32021100700100{i}" for i in range(1, 5)],
            "name": list(names),
            "households": [320, 410, 380, 350],
        },
        geometry=[box(x0 + 100 * i, y0, x0 + 100 * (i + 1), y0 + 100) for i in range(4)],
        crs=UTM,
    )
    posts = gpd.GeoDataFrame(
        {"post_id": ["P1", "P2"], "name": ["甲驿站", "乙驿站"]},
        geometry=[Point(x0 + 50, y0 + 50), Point(x0 + 250, y0 + 50)],
        crs=UTM,
    )
    return grids, posts


def _fills(page: str) -> dict[str, str]:
    """grid_id -> fill colour as written into the page's GeoJSON."""
    props = [json.loads(m) for m in re.findall(r'"properties": (\{[^{}]*\})', page)]
    return {p["grid_id"]: p["_gp_fill"] for p in props if "_gp_fill" in p}


def test_neighbouring_grids_differ_and_labels_legend_are_there(tmp_path) -> None:
    grids, posts = _plan_layers()
    page = to_html_map(
        {"grids": grids, "posts": posts}, tmp_path / "m.html", title="方案"
    ).read_text(encoding="utf-8")
    fills = _fills(page)
    assert set(fills) == set(grids["grid_id"]) and set(fills.values()) <= set(GRID_FILLS)
    pairs = grid_adjacency(grids)
    assert len(pairs) == 3 and all(fills[a] != fills[b] for a, b in pairs)
    assert (
        page.count('class=\\"gp-label\\"') == 4 and json.dumps("一号网格")[1:-1] in page
    )  # labels
    assert 'id="gridplan-legend"' in page and "党建网格" in page and "新增驿站" in page
    assert "相邻网格颜色不同" in page and "元数据" in page
    assert "tile.openstreetmap" not in page and "openstreetmap.org" not in page  # no basemap
    assert "circleMarker" in page  # posts drawn as circles, not marker images


def test_english_map_and_optional_basemap(tmp_path) -> None:
    grids, posts = _plan_layers()
    page = to_html_map(
        {"grids": grids, "posts": posts}, tmp_path / "m.html", lang="en", basemap=True
    ).read_text(encoding="utf-8")
    assert "party-building grids" in page and "proposed posts" in page and "党建网格" not in page
    assert "tile.openstreetmap.org" in page


def test_labels_and_legend_escape_user_text(tmp_path) -> None:
    grids, posts = _plan_layers(names=(IMG, "<b>x</b>", "a&b", "`${y}`"))
    page = to_html_map({"grids": grids, IMG: posts}, tmp_path / "m.html").read_text(
        encoding="utf-8"
    )
    assert_no_live_markup(page)
    decoded = page.replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&")
    assert '<div class=\\"gp-label\\">&lt;img src=x onerror=alert(1)&gt;</div>' in decoded
    assert (
        "&lt;b&gt;x&lt;/b&gt;" in decoded
        and "a&amp;b" in decoded
        and "&#96;&#36;{y}&#96;" in decoded
    )


def test_inlined_leaflet_carries_its_images(tmp_path) -> None:
    if not (LEAFLET_DIST / "images" / "marker-icon.png").is_file():
        pytest.skip(f"no local Leaflet in {LEAFLET_DIST} (run `make assets`)")
    grids, posts = _plan_layers()
    page = to_html_map({"grids": grids, "posts": posts}, tmp_path / "m.html").read_text(
        encoding="utf-8"
    )
    assert "url(images/" not in page  # the layer-control sprites are data URIs too
    assert "L.Icon.Default.mergeOptions" in page and "data:image/png;base64," in page
    assert not re.findall(r'<(?:script|link|img)[^>]*(?:src|href)="https?://', page)
    meta = re.search(r"&quot;leaflet&quot;: &quot;(\w+)&quot;", page)
    assert meta and meta.group(1) == "inlined"
