"""The exported HTML map in real Chromium, offline: it draws, its markers load, user text is
shown as text and never runs.

The page is opened from a file with every request other than ``file:`` and ``data:`` aborted
(no network at all). Skipped like the other browser tests when chromium or the offline Leaflet
build (``make assets``) is missing.
"""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from tests.browser.test_app_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, _unavailable
from tests.hostile._markup import IMG, SCRIPT

pytestmark = pytest.mark.browser

UTM = "EPSG:32651"


def _layers():
    x0, y0 = 220_000.0, 3_490_000.0
    grids = gpd.GeoDataFrame(
        {
            "grid_id": [f"32021100700100{i}" for i in range(1, 5)],
            "name": [IMG, "二号网格", SCRIPT, "四号网格"],
            "households": [320, 410, 380, 350],
        },
        geometry=[box(x0 + 100 * i, y0, x0 + 100 * (i + 1), y0 + 100) for i in range(4)],
        crs=UTM,
    )
    posts = gpd.GeoDataFrame(
        {"post_id": ["P1", "P2", "P3"], "name": [IMG, "乙驿站", "丙驿站"]},
        geometry=[Point(x0 + 50 + 100 * i, y0 + 50) for i in range(3)],
        crs=UTM,
    )
    return grids, posts


def test_exported_map_works_offline_in_chromium(tmp_path) -> None:
    if not CHROMIUM.exists():
        _unavailable(f"Debian chromium not found at {CHROMIUM}: run `make browser` as root")
    from geo.output.export import LEAFLET_DIST, to_html_map

    if not (LEAFLET_DIST / "leaflet.js").is_file():
        _unavailable("offline map assets missing: run `make assets`")
    from playwright.sync_api import sync_playwright

    grids, posts = _layers()
    path = to_html_map({"grids": grids, "posts": posts}, tmp_path / "map.html", title=SCRIPT)
    failed: list[str] = []
    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 800})
        page.route(
            "**/*",
            lambda r: (
                r.continue_()
                if r.request.url.startswith(("file:", "data:"))
                else (failed.append(r.request.url), r.abort())
            ),
        )
        page.on("requestfailed", lambda r: failed.append(r.url))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(path.as_uri())
        page.wait_for_selector(".leaflet-interactive", timeout=30_000)
        # a default Leaflet marker (as another tool would add) gets the inlined icon, not a
        # relative marker-icon.png
        page.evaluate("""() => { const m = Object.values(window).find(v => v instanceof L.Map);
                                 L.marker(m.getCenter()).addTo(m); }""")
        page.wait_for_timeout(500)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "html_export_offline.png"))
        paths = page.locator("path.leaflet-interactive").count()
        images = page.evaluate("""() => [...document.images].map(i => [i.src.slice(0, 22),
                                                                     i.complete, i.naturalWidth])""")
        labels = page.locator(".gp-label").all_text_contents()
        legend = page.locator("#gridplan-legend").inner_text()
        title = page.locator("#gridplan-title b").inner_text()
        browser.close()
    assert not failed, f"requests left the page: {failed}"
    assert paths >= 4 + 3  # four grid polygons and three post circles
    assert images, "the default marker drew no image"
    assert all(src.startswith("data:image/png") and ok and w > 0 for src, ok, w in images), images
    assert sorted(labels) == sorted([IMG, "二号网格", SCRIPT, "四号网格"])  # shown as text
    assert "党建网格" in legend and "新增驿站" in legend
    assert title == SCRIPT and not dialogs  # nothing ran
