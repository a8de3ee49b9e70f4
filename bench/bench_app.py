"""App timings: `streamlit run` to the first map in Debian chromium, and a grid-edit round trip.

    .venv/bin/python bench/bench_app.py [--runs 3]

Prints JSON. Cold start: a new `streamlit run app.py` process each run; the clock starts when
the process is spawned and stops when the Leaflet overlay pane of the first map holds SVG
paths (Leaflet from the vendored files; requests off localhost are aborted). Edit round trip:
on the grids tab, the time from clicking "move" (or "undo") until the page shows the
result and is no longer stale, in the browser; and the script rerun alone in AppTest.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.test_app_browser import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    _free_port,
    _wait_healthy,
    map_frame,
)


def _start() -> tuple[subprocess.Popen, str, float]:
    port = _free_port()
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ))
    return proc, f"http://127.0.0.1:{port}", t0


def _offline(page) -> None:
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
        ("http://127.0.0.1", "data:", "blob:")) else r.abort())


def _settled(page, timeout_s: float = 60) -> None:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if page.locator('[data-stale="true"]').count() == 0 and \
                page.get_by_test_id("stStatusWidget").count() == 0:
            return
        time.sleep(0.02)


def cold_start(p) -> dict[str, float]:
    proc, url, t0 = _start()
    try:
        _wait_healthy(url, proc)
        t_http = time.perf_counter() - t0
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1150})
        _offline(page)
        t_nav = time.perf_counter()
        page.goto(url)
        if map_frame(page, timeout_s=120) is None:
            raise RuntimeError("no map")
        t_map = time.perf_counter()
        browser.close()
        return {"server_ready_s": t_http, "first_map_s": t_map - t0, "page_to_map_s": t_map - t_nav}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def edit_round_trip(p, repeats: int) -> dict[str, list[float]]:
    proc, url, _t0 = _start()
    try:
        _wait_healthy(url, proc)
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1150})
        _offline(page)
        page.goto(url)
        map_frame(page)
        page.get_by_role("tab", name="党建网格").click()
        page.get_by_role("button", name="生成网格").click()
        page.get_by_text("已生成").wait_for(timeout=120_000)
        frame = map_frame(page, min_paths=100)
        box = frame.locator(".leaflet-container").first.bounding_box()
        move = page.get_by_role("button", name="移入相邻网格")
        out: dict[str, list[float]] = {"move_s": [], "undo_s": [], "redo_s": [],
                                       "undo_shown_s": [], "redo_shown_s": []}
        for fy in (0.5, 0.4, 0.6, 0.3, 0.7):                 # find a unit whose move is accepted
            for fx in (0.45, 0.55, 0.35, 0.65, 0.5):
                where = {"x": box["width"] * fx, "y": box["height"] * fy}
                again = {"x": where["x"] + 1, "y": where["y"]}        # same unit, a new click
                frame.locator(".leaflet-container").first.click(position=where)
                chosen = page.get_by_test_id("stMultiSelect").first
                try:
                    chosen.get_by_text(re.compile("320211")).first.wait_for(timeout=15_000)
                except Exception:                             # a sliver between communities
                    continue
                _settled(page)
                if not move.is_enabled():
                    frame.locator(".leaflet-container").first.click(position=again)   # toggle off
                    chosen.get_by_text(re.compile("320211")).first.wait_for(state="detached", timeout=15_000)
                    _settled(page)
                    continue
                t0 = time.perf_counter()
                move.click()
                page.get_by_text(re.compile("^(已完成|操作被拒绝)")).first.wait_for(timeout=30_000)
                _settled(page)
                if page.get_by_text(re.compile("^已完成")).count():
                    out["move_s"].append(time.perf_counter() - t0)
                    break
                frame.locator(".leaflet-container").first.click(position=again)       # toggle off
                chosen.get_by_text(re.compile("320211")).first.wait_for(state="detached", timeout=15_000)
                _settled(page)
            if out["move_s"]:
                break
        if not out["move_s"]:
            page.screenshot(path=str(ROOT / "test-artifacts" / "bench_app_failed.png"))
            raise RuntimeError("no accepted move found")
        for _ in range(repeats):
            for key, label in (("undo_s", "撤销"), ("redo_s", "重做")):
                t0 = time.perf_counter()
                page.get_by_role("button", name=label, exact=True).click()
                page.get_by_text(re.compile(f"^已完成：{label}")).first.wait_for(timeout=30_000)
                out[key.replace("_s", "_shown_s")].append(time.perf_counter() - t0)
                _settled(page)
                out[key].append(time.perf_counter() - t0)
        browser.close()
        return out
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def apptest_edit(repeats: int) -> dict[str, list[float]]:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300).run()
    at.session_state["view_zh"] = "党建网格"
    at.run()
    at.button(key="generate").click().run()
    sel = at.multiselect(key="sel_units")
    for unit in sel.options:
        sel.set_value([unit]).run()
        if at.selectbox(key="move_to").options:
            break
    out: dict[str, list[float]] = {"move_s": [], "undo_s": []}
    for _ in range(repeats):
        for name, key in (("move_s", "btn_move"), ("undo_s", "btn_undo")):
            t0 = time.perf_counter()
            at.button(key=key).click().run()
            out[name].append(time.perf_counter() - t0)
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        cold = [cold_start(p) for _ in range(args.runs)]
        browser_edit = edit_round_trip(p, args.runs)
    server_edit = apptest_edit(args.runs)
    med = statistics.median
    print(json.dumps({
        "runs": args.runs,
        "first_map_s": {"median": med(c["first_map_s"] for c in cold), "all": [round(c["first_map_s"], 2) for c in cold]},
        "server_ready_s_median": med(c["server_ready_s"] for c in cold),
        "page_to_map_s_median": med(c["page_to_map_s"] for c in cold),
        "browser_edit_round_trip_s": {k: {"median": med(v), "all": [round(x, 3) for x in v]}
                                      for k, v in browser_edit.items()},
        "apptest_script_rerun_s": {k: {"median": med(v), "all": [round(x, 3) for x in v]}
                                   for k, v in server_edit.items()},
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
