"""The real app in Debian chromium, with no internet: map from local Leaflet, click, language, tabs.

``make test`` installs chromium and CJK fonts first (``make browser``, as root). Elsewhere the
test skips with the reason, except under CI (``CI`` set), where a missing browser fails.
Every request that leaves localhost is aborted, so the map can only render from the vendored
Leaflet files. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(
    url: str, proc: subprocess.Popen, timeout_s: float = 90, *, poll_s: float = 0.3
) -> None:
    """Until the server answers ``/_stcore/health``, polled every ``poll_s`` seconds."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(poll_s)
    raise TimeoutError(f"streamlit did not answer at {url} within {timeout_s} s")


@contextmanager
def serve_app(log_path: Path, **env: str) -> Iterator[str]:
    """Run the app as ``make run`` does (``python -m ui.launch``: ``streamlit run app.py`` with
    the first page's work begun at start) on a free loopback port; yield its URL, stop it after.

    ``env`` adds environment variables (e.g. ``GRIDPLAN_STORE``); the server's output goes to
    ``log_path``.
    """
    port = _free_port()
    log_path.parent.mkdir(exist_ok=True)
    log = open(log_path, "w")  # noqa: SIM115 (closed after the server stops)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ui.launch",
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
            "--server.runOnSave",
            "false",
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    if not CHROMIUM.exists():
        _unavailable(
            f"Debian chromium not found at {CHROMIUM}: run `make browser` as root "
            "(apt-get install chromium fonts-noto-cjk)"
        )
    from ui.assets import missing_files

    missing = missing_files()
    if missing:
        _unavailable(f"offline map assets missing ({missing[:3]} ...): run `make assets`")
    with serve_app(ARTIFACTS / "streamlit.log") as url:
        yield url


def map_frame(
    page, *, min_paths: int = 1, timeout_s: float = 90, selector: str = ".leaflet-overlay-pane path"
):
    """The frame whose Leaflet overlay pane holds at least ``min_paths`` SVG paths, or None."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        for frame in page.frames:
            try:
                if frame.locator(selector).count() >= min_paths:
                    return frame
            except Exception:  # frames come and go while Streamlit re-renders
                continue
        time.sleep(0.25)
    return None


def test_app_in_chromium_offline(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    blocked: list[str] = []
    failed: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1150})

        def route(r):
            url = r.request.url
            if url.startswith(
                ("http://127.0.0.1", "http://localhost", "ws://127.0.0.1", "data:", "blob:")
            ):
                r.continue_()
            else:
                blocked.append(url)
                r.abort()

        page.route("**/*", route)
        page.on(
            "response",
            lambda r: (
                failed.append(f"{r.status} {r.url}")
                if r.status >= 400 and "/app/static/" in r.url
                else None
            ),
        )
        page.goto(server)

        # 1. The map renders from local files (no internet): SVG paths in the overlay pane.
        frame = map_frame(page)
        assert frame is not None, "the Leaflet map pane stayed empty (no path elements)"
        assert (
            frame.locator(".leaflet-overlay-pane path").count() >= 38
        )  # 38 community outlines + estates
        assert frame.locator(".gp-legend").count() == 1
        expect(page.get_by_text("党建网格规划")).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "overview_zh.png"))

        # 2. Language switch: English, then back to Chinese.
        # The sidebar starts collapsed (the map gets the width): open it for the settings.
        page.get_by_test_id("stExpandSidebarButton").click()
        page.get_by_text("English", exact=True).click()
        expect(page.get_by_text("Party-building grid planner")).to_be_visible(timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "overview_en.png"))
        page.get_by_text("中文", exact=True).click()
        expect(page.get_by_text("党建网格规划")).to_be_visible(timeout=30_000)

        # 3. Grids tab: generate, then click a unit on the map and see it selected.
        page.get_by_role("tab", name="党建网格").click()
        page.get_by_role("button", name="生成网格").click()
        expect(page.get_by_text("已生成")).to_be_visible(timeout=120_000)
        frame = map_frame(page, min_paths=500, selector=".gp-em-map .leaflet-overlay-pane path")
        assert frame is not None, "the grid map shows no unit polygons"
        page.get_by_test_id("em-map").scroll_into_view_if_needed()
        pane = page.get_by_test_id("em-map")
        box = pane.bounding_box()
        assert box is not None
        pane.click(position={"x": box["width"] * 0.45, "y": box["height"] * 0.55})
        sel = page.evaluate("window.__gpEditmap.snapshot().selection")
        assert len(sel) == 1 and re.match(r"320211\d{6}", sel[0]), sel
        page.mouse.move(5, 5)  # no hover style on the map while checking
        selected = map_frame(page, selector='.gp-em-map path[stroke="#00e5ff"]', timeout_s=30)
        assert selected is not None, "the clicked unit is not highlighted on the map"
        page.screenshot(path=str(ARTIFACTS / "grids_selected.png"))

        # 4. Move it into a grid picked in the list: done, or refused with the rule named.
        grids = page.get_by_test_id("em-grids")
        own = page.evaluate("(u) => window.__gpEditmap.snapshot().units[u]", sel[0])
        other = next(
            v
            for v in grids.locator("option").evaluate_all("os => os.map(o => o.value)")
            if v != own
        )
        grids.select_option(other)
        page.get_by_test_id("em-root").get_by_role("button", name="移入当前网格").click()
        expect(page.get_by_test_id("em-status")).to_contain_text(
            re.compile("已确认|操作被拒绝"), timeout=30_000
        )

        # 5. Another tab: coverage classes on the map and the gap list.
        page.get_by_role("tab", name="服务覆盖").click()
        expect(page.get_by_text("缺口清单")).to_be_visible(timeout=60_000)
        assert map_frame(page, min_paths=100) is not None
        page.screenshot(path=str(ARTIFACTS / "coverage_zh.png"), full_page=True)
        browser.close()
    assert not failed, f"local assets failed to load: {failed}"
    assert (ARTIFACTS / "grids_selected.png").stat().st_size > 20_000
