"""Resume in the real app: an edit survives a browser refresh and a server restart.

Server 1 generates grids (autosaved), a unit is clicked and moved; the page is reloaded
(Streamlit starts a new session) and shows the same plan with its journaled edit and undo
enabled; then server 1 stops, server 2 starts on the same store (``GRIDPLAN_STORE``) and the
same URL (new port, same query string) resumes again; undo there gives back the generated plan.
Skipped like the main browser test when chromium or the offline assets are missing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.test_app_browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    _unavailable,
    map_frame,
    serve_app,
)
from tests.browser.test_editmap_browser import brushable, demo_editor, screen_points

pytestmark = pytest.mark.browser


def _server(store: Path, label: str):
    """The app on a free port, saving plans into ``store``; its log is named by ``label``."""
    return serve_app(ARTIFACTS / f"streamlit_plans_{label}.log", GRIDPLAN_STORE=str(store))


def test_edit_survives_refresh_and_server_restart(tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        _unavailable(f"Debian chromium not found at {CHROMIUM}: run `make browser` as root")
    from ui.assets import missing_files

    if missing_files():
        _unavailable("offline map assets missing: run `make assets`")
    from playwright.sync_api import expect, sync_playwright

    from geo.output.store import open_store

    store = tmp_path / "plans.gpkg"
    journaled = re.compile("其后 1 步编辑")
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
        with _server(store, "first") as url:
            page.goto(url)
            assert map_frame(page) is not None
            page.get_by_role("tab", name="党建网格").click()
            page.get_by_role("button", name="生成网格").click()
            expect(page.get_by_text("已生成")).to_be_visible(timeout=120_000)
            page.wait_for_function(
                "window.__gpEditmap && window.__gpEditmap.drawn", timeout=120_000
            )
            (unit,), _src, dst = brushable(demo_editor(), n=1)
            page.get_by_test_id("em-grids").select_option(dst)
            (pt,) = screen_points(page, [unit])
            page.mouse.click(pt["x"], pt["y"])
            page.get_by_test_id("em-root").get_by_role("button", name="移入当前网格").click()
            expect(page.get_by_text(journaled)).to_be_visible(timeout=30_000)
            query = page.url.split("?", 1)[1]
            assert "plan=" in query and "v=1" in query and "s=" in query
            name = re.search(r"plan=([^&]+)", query).group(1)
            first = dict(open_store(store).load(name, 1).assignment)

            page.reload()  # a browser refresh
            assert map_frame(page) is not None
            page.get_by_role("tab", name="党建网格").click()
            expect(page.get_by_text(journaled)).to_be_visible(timeout=60_000)
            expect(page.get_by_test_id("em-root").get_by_role("button", name="撤销")).to_be_enabled(
                timeout=60_000
            )
            page.screenshot(path=str(ARTIFACTS / "plans_resumed_after_refresh.png"))

        with _server(store, "restart") as url2:  # a server restart
            page.goto(f"{url2}/?{query}")
            assert map_frame(page) is not None
            page.get_by_role("tab", name="党建网格").click()
            expect(page.get_by_text(journaled)).to_be_visible(timeout=60_000)
            undo = page.get_by_test_id("em-root").get_by_role("button", name="撤销")
            expect(undo).to_be_enabled(timeout=60_000)
            undo.click()
            expect(page.get_by_text(re.compile("其后 2 步编辑"))).to_be_visible(timeout=30_000)
            page.screenshot(path=str(ARTIFACTS / "plans_resumed_after_restart.png"))
        browser.close()
    # What the restarted server journaled replays to the generated plan (the undo went back).
    from geo.data.io import load_demo
    from geo.output.store import resume_editor
    from ui.plans import build_record_units, split_estates

    s = open_store(store)
    journal = re.search(r"s=([0-9a-f]+)", query).group(1)
    assert [e["op"] for e in s.events(name, 1, session=journal)] == ["move", "undo"]
    rec = s.load(name, 1)
    units = build_record_units(
        load_demo(), int(rec.params["max_households"]), split_estates(rec.assignment)
    )
    _rec, editor = resume_editor(s, units, name, 1, session=journal)
    assert dict(editor.plan.assignment) == first and editor.can_redo
