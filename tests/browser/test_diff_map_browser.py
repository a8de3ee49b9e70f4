"""The version-diff map of the plans tab is visible in Chromium (issue 15).

A store holding two versions of a demo plan (one unit moved between them) is served; the plans
tab shows the comparison, and the diff map's frame has a real height and Leaflet panes with the
changed areas drawn. Skipped like the main browser test when chromium or the assets are missing.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.browser.test_app_browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    _unavailable,
    serve_app,
)

pytestmark = pytest.mark.browser


def _two_versions(store_path: Path) -> str:
    """Save a demo plan, move one unit, save again; the plan's name."""
    from geo.grids.edits import PlanEditor
    from geo.output.store import open_store, record_from_plan
    from tests.browser.test_editmap_browser import brushable, demo_editor

    (unit,), _src, dst = brushable(demo_editor(), n=1)
    plan = demo_editor().plan
    store = open_store(store_path)
    first = store.save(record_from_plan(plan, "diffplan", message="first"))
    moved = PlanEditor(plan).move([unit], dst).plan
    store.save(
        record_from_plan(moved, "diffplan", message="second").replace(version=first.version),
        expected_version=first.version,
    )
    return "diffplan"


def _diff_frame(page, timeout_s: float = 120):
    """The iframe element (handle) whose document holds a Leaflet map with the diff layer."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        for el in page.query_selector_all("iframe"):
            frame = el.content_frame()
            if frame is None:
                continue
            try:
                if (
                    frame.locator(".leaflet-overlay-pane path").count()
                    and frame.get_by_text("网格扩大部分").count()
                ):
                    return el, frame
            except Exception:  # frames come and go while Streamlit re-renders
                continue
        time.sleep(0.5)
    return None, None


def test_diff_map_visible(tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        _unavailable(f"Debian chromium not found at {CHROMIUM}: run `make browser` as root")
    from ui.assets import missing_files

    if missing_files():
        _unavailable("offline map assets missing: run `make assets`")
    from playwright.sync_api import sync_playwright

    store = tmp_path / "plans.gpkg"
    _two_versions(store)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1150})
        page.route(
            "**/*",
            lambda r: (
                r.continue_()
                if r.request.url.startswith(
                    ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")
                )
                else r.abort()
            ),
        )
        with serve_app(ARTIFACTS / "streamlit_diff.log", GRIDPLAN_STORE=str(store)) as url:
            page.goto(url)
            page.get_by_role("tab", name="方案").click()
            el, frame = _diff_frame(page)
            page.screenshot(path=str(ARTIFACTS / "plans_diff_map.png"), full_page=True)
            assert el is not None, "no diff map frame with the changed areas drawn"
            el.scroll_into_view_if_needed()
            box = el.bounding_box()
            assert box is not None and box["height"] > 200, box
            assert frame.locator(".leaflet-map-pane").count() == 1
            assert frame.locator(".leaflet-tile-pane").count() == 1
            size = frame.evaluate(
                "() => { const r = document.querySelector('.leaflet-container')"
                ".getBoundingClientRect(); return [r.width, r.height]; }"
            )
            assert size[0] > 200 and size[1] > 200, size
        browser.close()
