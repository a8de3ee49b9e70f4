"""App timings in Debian chromium, offline: first map, selection, edit visible, edit confirmed.

    .venv/bin/python bench/bench_app.py [--runs 3] [--edits 20] [--no-scale10]

Prints one JSON object. Every figure is measured for the editing map component (the app as
it is, ``after``) and for the former folium editing map (``GRIDPLAN_EDITOR=folium``, kept
behind that flag: ``before``), in the same run, on the demo and on ``--scale 10`` (a demo of
ten districts written by ``python -m geo.demo --scale 10``, under ``scale10``).

* ``first_map_s``: a new app server (``python -m ui.launch``, as ``make run`` starts it, or
  ``streamlit run app.py`` in a tree without the launcher), with Chromium and its tab already
  open (a planner's browser is running when the app starts); from the process spawn until the
  first map's Leaflet overlay pane holds SVG paths (median of ``--runs``), the paths' time taken
  in the page (wall clock, same machine; ``first_map_polled_s`` is the bench's 0.25 s poll of the
  same, as figures before session 6 were). Each cold start's ``split_s`` says where the time went
  (s from the spawn: see :func:`_split`) and ``server_cpu_s`` the server's CPU time until then.
  ``first_map_browser_launched_s``: the same with the bench's own Chromium launched once the
  server answers, inside the clock (the definition of ``first_map_s`` before session 6's second
  change). Each run takes both, the trees alternating (``--before-root``).
* ``select_ms_p50``: a click on a unit until it is highlighted. Component: in the page, from
  the click event's timestamp to the frame after the new style (``window.__gpEditmap.stats``).
  Folium: from Playwright's click until the unit appears in the multiselect.
* ``confirm_phases_ms_p50`` (component): where a confirmation's time goes, from the timestamps
  the delta carries (wall clock, same machine): ``to_server`` (the command's trigger until the
  server's callback), ``engine``, ``delta`` (building the answer), ``to_fragment`` (until the
  fragment reruns), ``fragment_to_map`` (until the map's data is sent), ``to_browser`` (until
  the page applies it), ``paint`` (until the frame after), ``total``. The journal is written
  after the map's data has left, so it is in none of them.
* ``editmap_after_reload_s``: after the edits, a page reload until the editing map is drawn
  again (the saved plan resumed from the store); ``editmap_full_ms``: of that load, building
  the full payload on the server (``server_ms``), decoding and drawing it in the page
  (``decode_draw_ms``), and until the frame after (``painted_ms``).
* ``edit_visible_ms_p50`` / ``edit_confirmed_ms_p50``: one edit until it shows / until the
  engine's answer is on the page. Component: a unit moved into a neighbouring grid picked in
  the list (then moved back, and so on), from the button's click handler to the frame after the
  optimistic recolour / after the delta is applied. Folium: undo and redo alternately (its
  moves need a map click each) from Playwright's click until the "done" message / until the
  page is no longer stale.

Medians over ``--edits`` edits (at least 20). ``ratio_before_over_after`` divides the two.
``--before-root DIR`` also times the editing map of another checkout (e.g. main before a
change) in the same run (``before_root_component``, ``ratio_before_root_over_after``), and its
cold starts alternating with this tree's (``before_root_first_map_s``; each cold start's
``server_ready_s`` and ``page_to_map_s`` are in ``cold_starts``);
``map_px`` and ``map_width_frac`` are the editing map's size in the 1400 x 900 viewport.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.test_app_browser import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    _free_port,
    _wait_healthy,
    map_frame,
)

VIEWPORT = {"width": 1400, "height": 900}


def _start(
    env: dict[str, str] | None = None, root: Path = ROOT
) -> tuple[subprocess.Popen, str, float]:
    port = _free_port()
    # the app's launcher (`make run`) where the tree has one, else `streamlit run app.py`
    launch = (
        ["-m", "ui.launch"]
        if (root / "ui" / "launch.py").exists()
        else ["-m", "streamlit", "run", str(root / "app.py")]
    )
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            *launch,
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.fileWatcherType",
            "none",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )
    return proc, f"http://127.0.0.1:{port}", t0


def _offline(page) -> None:
    page.route(
        "**/*",
        lambda r: (
            r.continue_()
            if r.request.url.startswith(("http://127.0.0.1", "data:", "blob:"))
            else r.abort()
        ),
    )


def _settled(page, timeout_s: float = 60) -> None:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if (
            page.locator('[data-stale="true"]').count() == 0
            and page.get_by_test_id("stStatusWidget").count() == 0
        ):
            return
        time.sleep(0.02)


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:  # a server busy under load: end it
        proc.kill()
        proc.wait(timeout=10)


#: Installed in every frame before its scripts: wall-clock times (ms since the epoch, the same
#: clock as the bench's ``time.time()``) of the page's milestones, read back by :func:`_split`.
_MARKS_JS = """(() => {
  const T = (window.__gpT = {});
  const mark = (k) => { if (!(k in T)) T[k] = performance.timeOrigin + performance.now(); };
  mark("origin");
  document.addEventListener("DOMContentLoaded", () => mark("dcl"));
  window.addEventListener("load", () => mark("load"));
  const WS = window.WebSocket;
  if (WS && window === window.top) {
    window.WebSocket = class extends WS {
      constructor(...a) {
        super(...a);
        mark("ws_new");
        this.addEventListener("open", () => mark("ws_open"));
        this.addEventListener("message", () => mark("ws_message"));
      }
    };
  }
  const sel = window === window.top
    ? { title: "h1", iframe: "iframe" }
    : { leaflet: ".leaflet-container", paths: ".leaflet-overlay-pane path" };
  const seen = () => {
    for (const [k, s] of Object.entries(sel)) if (!(k in T) && document.querySelector(s)) mark(k);
    return Object.keys(sel).every((k) => k in T);
  };
  // a poll, not a MutationObserver: the map's frame rewrites its document
  const poll = setInterval(() => { if (seen()) clearInterval(poll); }, 10);
})();"""


def _split(page, t0_epoch: float) -> dict[str, float]:
    """Where a cold start's time went, in s from the spawn (the page's own clock, no polling).

    ``nav`` the page's navigation starts; ``page_load`` Streamlit's bundle loaded; ``ws_open``
    its websocket open; ``ws_message`` the first message (the script run has started); ``title``
    the page's title drawn; ``iframe`` the map's iframe inserted; ``frame_load`` the map frame's
    document loaded (with Leaflet); ``paths`` its overlay pane holds SVG paths."""
    top: dict[str, float] = page.evaluate("window.__gpT || {}")
    frame_marks: dict[str, float] = {}
    for frame in page.frames[1:]:
        with contextlib.suppress(Exception):  # frames come and go
            m = frame.evaluate("window.__gpT || {}")
            if "paths" in m:
                frame_marks = m
                break
    picks = {
        "nav": top.get("origin"),
        "page_load": top.get("load"),
        "ws_open": top.get("ws_open"),
        "ws_message": top.get("ws_message"),
        "title": top.get("title"),
        "iframe": top.get("iframe"),
        "frame_load": frame_marks.get("load"),
        "paths": frame_marks.get("paths"),
    }
    return {k: round(v / 1000 - t0_epoch, 3) for k, v in picks.items() if v is not None}


def _wait_ready(url: str, proc: subprocess.Popen, timeout_s: float = 90) -> None:
    """Until the server answers ``/_stcore/health``, polled every 20 ms (the tests' 0.3 s poll
    would start the browser up to 0.3 s late)."""
    _wait_healthy(url, proc, timeout_s, poll_s=0.02)


def _cpu_s(pid: int) -> float | None:
    """CPU time (user + system, s) the process ``pid`` has used so far (Linux ``/proc``)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return round((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 2)


def cold_start(
    p,
    env: dict[str, str] | None = None,
    timeout_s: float = 120,
    root: Path = ROOT,
    *,
    browser_open: bool = True,
) -> dict[str, Any]:
    """One cold start of the app's server, timed from its spawn until the first map is drawn.

    ``browser_open``: the browser and its tab exist before the spawn (a planner's browser is
    already running when the app starts), so the clock holds the server's start, the page load
    and the first script run. Otherwise the bench launches Chromium once the server answers, and
    the clock holds that launch too (the figure before session 6)."""
    browser = page = None
    if browser_open:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=VIEWPORT)
    t0_epoch = time.time()
    proc, url, t0 = _start(env, root)
    try:
        _wait_ready(url, proc)
        t_http = time.perf_counter() - t0
        if browser is None:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport=VIEWPORT)
        assert page is not None
        page.add_init_script(_MARKS_JS)
        _offline(page)
        t_nav = time.perf_counter()
        page.goto(url)
        if map_frame(page, timeout_s=timeout_s) is None:
            raise RuntimeError("no map")
        t_map = time.perf_counter()
        cpu = _cpu_s(proc.pid)
        split = _split(page, t0_epoch)
        return {
            "browser": "open before the spawn" if browser_open else "launched after health",
            "server_ready_s": round(t_http, 3),
            # the page's own time of the paths (no polling delay); else the poll's
            "first_map_s": split.get("paths", round(t_map - t0, 3)),
            "first_map_polled_s": round(t_map - t0, 3),
            "page_to_map_s": round(t_map - t_nav, 3),
            "split_s": split,
            "server_cpu_s": cpu,
        }
    finally:
        if browser is not None:
            browser.close()
        _stop(proc)


def _median_s(starts: list[dict[str, Any]]) -> float | None:
    return round(statistics.median(c["first_map_s"] for c in starts), 2) if starts else None


def _p50(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _generate(page, url: str) -> float:
    """Open the app, generate grids with the form's defaults; the clock time of the click."""
    page.goto(url)
    map_frame(page, timeout_s=300)
    page.get_by_role("tab", name="党建网格").click(timeout=900_000)  # ten districts load slowly
    t0 = time.perf_counter()
    page.get_by_role("button", name="生成网格").click()
    page.get_by_text("已生成").wait_for(timeout=900_000)
    return t0


def legal_moves(data_dir: Path | None, n: int) -> list[tuple[str, str, str]]:
    """``n`` single-unit moves the app's plan accepts: (unit, its grid, a neighbouring grid)."""
    from geo.data.io import load_demo, load_layers
    from geo.errors import EditError
    from geo.grids.edits import PlanEditor
    from geo.grids.gridding import grid_communities
    from geo.grids.params import GridParams
    from geo.settings import DEFAULT_MAX_HOUSEHOLDS, DEFAULT_MIN_HOUSEHOLDS

    layers = load_demo() if data_dir is None else load_layers(data_dir)
    params = GridParams(
        min_households=DEFAULT_MIN_HOUSEHOLDS,
        max_households=DEFAULT_MAX_HOUSEHOLDS,
        size_by="households",
        balance="party_members",
        seed=0,
    )
    editor = PlanEditor(grid_communities(layers, params).plan)
    plan = editor.plan
    out: list[tuple[str, str, str]] = []
    used: set[str] = set()
    for u in sorted(plan.assignment):
        a = plan.assignment[u]
        if a in used:
            continue
        for v in sorted(plan.units.neighbors.get(u, ())):
            b = plan.assignment[v]
            if b == a or b in used or plan.units.community_of[v] != plan.units.community_of[u]:
                continue
            try:
                editor.move([u], b)
            except EditError:
                continue
            editor.undo()
            out.append((u, a, b))
            used |= {a, b}
            break
        if len(out) >= n:
            break
    return out


def _wait(page, js: str, arg: Any = None, timeout_s: float = 120) -> None:
    page.wait_for_function(js, arg=arg, timeout=timeout_s * 1000, polling=10)


def component_session(p, data_dir: Path | None, edits: int, root: Path = ROOT) -> dict[str, Any]:
    """The editing map component of the app in ``root``: selections and moves timed in the page."""
    env = {"GRIDPLAN_EDITOR": "component", **({"GRIDPLAN_DATA": str(data_dir)} if data_dir else {})}
    proc, url, _t0 = _start(env, root)
    try:
        _wait_healthy(url, proc, timeout_s=300)
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=VIEWPORT)
        _offline(page)
        t_gen = _generate(page, url)
        _wait(page, "window.__gpEditmap && window.__gpEditmap.drawn", timeout_s=600)
        grids_map_s = time.perf_counter() - t_gen
        moves = legal_moves(data_dir, (edits + 1) // 2)
        if len(moves) * 2 < edits:
            raise RuntimeError(f"only {len(moves)} distinct legal moves for {edits} edits")
        page.get_by_test_id("em-map").scroll_into_view_if_needed()
        map_box = page.get_by_test_id("em-map").bounding_box() or {"width": 0, "height": 0}
        done = 0
        for u, a, b in moves:
            for dst in (b, a):
                if done >= edits:
                    break
                page.get_by_test_id("em-grids").select_option(dst)
                page.keyboard.press("Escape")
                page.evaluate("(id) => window.__gpEditmap.focusUnits([id])", u)
                pt = page.evaluate("(id) => window.__gpEditmap.unitScreenPoint(id)", u)
                page.mouse.click(pt["x"], pt["y"])
                _wait(page, "(id) => window.__gpEditmap.snapshot().selection.includes(id)", u, 30)
                rev = page.evaluate("window.__gpEditmap.snapshot().rev")
                page.get_by_test_id("em-root").get_by_role("button", name="移入当前网格").click()
                _wait(
                    page,
                    "(r) => { const s = window.__gpEditmap.snapshot(); return s.rev > r && !s.pending; }",
                    rev,
                )
                grid = page.evaluate("(id) => window.__gpEditmap.snapshot().units[id]", u)
                if grid != dst:
                    raise RuntimeError(f"move of {u} to {dst} was not applied: {grid}")
                done += 1
        stats = page.evaluate("window.__gpEditmap.stats")
        # the editing map's first load of a saved plan: a reload (the plan comes back from the
        # store and its journal), from the reload until the map is drawn
        t_reload = time.perf_counter()
        page.reload()
        page.get_by_role("tab", name="党建网格").click(timeout=900_000)
        _wait(page, "window.__gpEditmap && window.__gpEditmap.drawn", timeout_s=600)
        reload_s = time.perf_counter() - t_reload
        full = page.evaluate("window.__gpEditmap.stats.full")
        browser.close()
        return {
            "grids_map_after_generate_s": round(grids_map_s, 2),
            "n_edits": done,
            "n_selects": len(stats["select_ms"]),
            "select_ms_p50": _p50(stats["select_ms"]),
            "edit_visible_ms_p50": _p50(stats["visible_ms"]),
            "edit_confirmed_ms_p50": _p50(stats["confirmed_ms"]),
            "confirm_phases_ms_p50": {
                k: _p50([ph[k] for ph in stats.get("phases", [])])
                for k in (stats.get("phases") or [{}])[0]
            },
            "editmap_after_reload_s": round(reload_s, 2),
            "editmap_full_ms": full[-1] if full else None,
            "map_px": [round(map_box["width"]), round(map_box["height"])],
            "map_width_frac": round(map_box["width"] / VIEWPORT["width"], 3),
        }
    finally:
        _stop(proc)


def folium_session(p, data_dir: Path | None, edits: int) -> dict[str, Any]:
    """The former folium editing map (GRIDPLAN_EDITOR=folium): clicks, undo/redo timed from Playwright."""
    env = {"GRIDPLAN_EDITOR": "folium", **({"GRIDPLAN_DATA": str(data_dir)} if data_dir else {})}
    proc, url, _t0 = _start(env)
    try:
        _wait_healthy(url, proc, timeout_s=300)
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=VIEWPORT)
        _offline(page)
        t_gen = _generate(page, url)
        frame = map_frame(page, min_paths=100, timeout_s=600)
        grids_map_s = time.perf_counter() - t_gen
        _settled(page)
        pane = frame.locator(".leaflet-container").first
        pane.scroll_into_view_if_needed()
        box = pane.bounding_box()
        move = page.get_by_role("button", name="移入相邻网格")
        chosen = page.get_by_test_id("stMultiSelect").first
        select_ms: list[float] = []
        moved = False
        for fy in (0.5, 0.4, 0.6, 0.3, 0.7):  # find a unit whose move is accepted
            for fx in (0.45, 0.55, 0.35, 0.65, 0.5):
                where = {"x": box["width"] * fx, "y": box["height"] * fy}
                again = {"x": where["x"] + 1, "y": where["y"]}  # same unit, a new click
                t0 = time.perf_counter()
                pane.click(position=where)
                try:
                    chosen.get_by_text(re.compile("320211")).first.wait_for(timeout=30_000)
                except Exception:  # a sliver between communities
                    continue
                select_ms.append(1000 * (time.perf_counter() - t0))
                _settled(page)
                if move.is_enabled():
                    move.click()
                    page.get_by_text(re.compile("^(已完成|操作被拒绝)")).first.wait_for(
                        timeout=60_000
                    )
                    _settled(page)
                    if page.get_by_text(re.compile("^已完成")).count():
                        moved = True
                        break
                pane.click(position=again)  # toggle off
                with contextlib.suppress(Exception):  # the pixel beside may hit another unit
                    chosen.get_by_text(re.compile("320211")).first.wait_for(
                        state="detached", timeout=20_000
                    )
                _settled(page)
            if moved:
                break
        if not moved:
            raise RuntimeError("no accepted move found on the folium map")
        where = {"x": box["width"] * 0.5, "y": box["height"] * 0.5}
        k = 0
        while len(select_ms) < max(10, edits // 2) and k < 80:  # more selections: toggle a unit
            k += 1  # a new pixel each time (a new event)
            empty = chosen.get_by_text(re.compile("320211")).count() == 0
            t0 = time.perf_counter()
            pane.click(position={"x": where["x"] + k % 7, "y": where["y"] + k // 7 % 3})
            try:
                if empty:
                    chosen.get_by_text(re.compile("320211")).first.wait_for(timeout=20_000)
                    select_ms.append(1000 * (time.perf_counter() - t0))
                else:
                    chosen.get_by_text(re.compile("320211")).first.wait_for(
                        state="detached", timeout=20_000
                    )
            except Exception:  # not a unit there: next pixel
                pass
            _settled(page)
        visible: list[float] = []
        confirmed: list[float] = []
        for i in range(edits):
            label = "撤销" if i % 2 == 0 else "重做"
            t0 = time.perf_counter()
            page.get_by_role("button", name=label, exact=True).click()
            page.get_by_text(re.compile(f"^已完成：{label}")).first.wait_for(timeout=60_000)
            visible.append(1000 * (time.perf_counter() - t0))
            _settled(page)
            confirmed.append(1000 * (time.perf_counter() - t0))
        browser.close()
        return {
            "grids_map_after_generate_s": round(grids_map_s, 2),
            "n_edits": len(visible),
            "n_selects": len(select_ms),
            "select_ms_p50": _p50(select_ms),
            "edit_visible_ms_p50": _p50(visible),
            "edit_confirmed_ms_p50": _p50(confirmed),
        }
    finally:
        _stop(proc)


def _ratios(before: dict[str, Any], after: dict[str, Any]) -> dict[str, float | None]:
    keys = ("select_ms_p50", "edit_visible_ms_p50", "edit_confirmed_ms_p50")
    return {
        k: round(before[k] / after[k], 1) if before.get(k) and after.get(k) else None for k in keys
    }


def measure(
    p,
    data_dir: Path | None,
    runs: int,
    edits: int,
    *,
    folium: bool = True,
    before_root: Path | None = None,
) -> dict[str, Any]:
    env = {"GRIDPLAN_DATA": str(data_dir)} if data_dir else {}
    limit = 600 if data_dir else 120
    # each run: both trees (with --before-root) alternating, with the browser already open and
    # with the bench's own Chromium launch inside the clock
    cold: dict[bool, list[dict[str, Any]]] = {True: [], False: []}
    cold_before: dict[bool, list[dict[str, Any]]] = {True: [], False: []}
    for i in range(runs):
        for browser_open in (True, False):
            arms = [(cold_before, before_root), (cold, ROOT)] if before_root else [(cold, ROOT)]
            for starts, tree in arms if i % 2 == 0 else arms[::-1]:
                starts[browser_open].append(
                    cold_start(p, env, timeout_s=limit, root=tree, browser_open=browser_open)
                )
    out: dict[str, Any] = {}
    if before_root is not None:  # the component as another checkout has it, same run
        before_root_run = component_session(p, data_dir, edits, root=before_root)
        print(json.dumps({"partial_before_root": before_root_run}), file=sys.stderr, flush=True)
    after = component_session(p, data_dir, edits)
    print(json.dumps({"partial_after": after}), file=sys.stderr, flush=True)
    if before_root is not None:
        out = {
            "before_root": str(before_root),
            "before_root_component": before_root_run,
            "ratio_before_root_over_after": _ratios(before_root_run, after),
            "before_root_first_map_s": _median_s(cold_before[True]),
            "before_root_first_map_browser_launched_s": _median_s(cold_before[False]),
            "before_root_cold_starts": cold_before[True] + cold_before[False],
        }
    before: dict[str, Any] = {"skipped": "--no-folium"}
    if folium:
        try:
            before = folium_session(p, data_dir, edits)
        except Exception as exc:  # report, keep the other figures
            before = {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}
        print(json.dumps({"partial_before": before}), file=sys.stderr, flush=True)
    return out | {
        "first_map_s": _median_s(cold[True]),
        "first_map_s_all": [round(c["first_map_s"], 2) for c in cold[True]],
        "first_map_browser_launched_s": _median_s(cold[False]),
        "first_map_browser_launched_s_all": [round(c["first_map_s"], 2) for c in cold[False]],
        "cold_starts": cold[True] + cold[False],
        "select_ms_p50": after["select_ms_p50"],
        "edit_visible_ms_p50": after["edit_visible_ms_p50"],
        "edit_confirmed_ms_p50": after["edit_confirmed_ms_p50"],
        "after": after,
        "before": before,
        "ratio_before_over_after": _ratios(before, after),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3, help="cold starts per dataset")
    parser.add_argument("--edits", type=int, default=20, help="edits timed per session (>= 20)")
    parser.add_argument("--no-scale10", action="store_true", help="skip the ten-district demo")
    parser.add_argument("--no-folium", action="store_true", help="skip the former folium map")
    parser.add_argument("--no-demo", action="store_true", help="only the ten-district demo")
    parser.add_argument(
        "--before-root",
        type=Path,
        help="another checkout of gridplan (e.g. `git archive main | tar -x -C DIR`, with its "
        "static/ link) whose editing map is timed in the same run, before this one",
    )
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    load = os.getloadavg()
    with sync_playwright() as p:
        out: dict[str, Any] = {
            "runs": args.runs,
            "edits": args.edits,
            "viewport": VIEWPORT,
            "loadavg_start": [round(x, 2) for x in load],
        }
        opts = {"folium": not args.no_folium, "before_root": args.before_root}
        if not args.no_demo:
            out.update(measure(p, None, args.runs, args.edits, **opts))
        if not args.no_scale10:
            with tempfile.TemporaryDirectory(prefix="gridplan-bench-") as tmp:
                subprocess.run(
                    [sys.executable, "-m", "geo.demo", "--out", tmp, "--scale", "10"],
                    cwd=ROOT,
                    check=True,
                    stdout=subprocess.DEVNULL,
                )
                try:
                    out["scale10"] = measure(p, Path(tmp), min(args.runs, 1), args.edits, **opts)
                except Exception as exc:  # keep the demo's figures
                    out["scale10"] = {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}
    out["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
