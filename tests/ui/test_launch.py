"""The launcher (``python -m ui.launch``, ``make run``) and what the first page needs.

The launcher's warm-up must fill exactly the caches the first script run reads (else it only
costs CPU), must not declare the map component outside a script run (the server would not
serve it: ``tests/browser`` start the app through the launcher and see the maps drawn), and the
first page must not import what it does not draw.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


def _python(code: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1]


def test_warm_caches_are_the_ones_the_first_run_reads(monkeypatch: pytest.MonkeyPatch):
    import allocation.coverage as coverage
    import geo.data.io as io
    import ui.data as data
    from ui import launch

    monkeypatch.delenv(data.DATA_ENV, raising=False)
    calls: dict[str, int] = {"load_demo": 0, "to_display": 0, "coverage_review": 0}

    def counted(module: object, name: str) -> None:
        real = getattr(module, name)

        def wrapper(*args: object, **kwargs: object) -> object:
            calls[name] += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    counted(io, "load_demo")
    counted(data, "to_display")
    counted(coverage, "coverage_review")
    st.cache_data.clear()
    st.cache_resource.clear()
    assert launch.warm_caches() == data.DEMO_KEY
    warmed = dict(calls)
    assert warmed["load_demo"] == 1 and warmed["coverage_review"] == 1
    assert warmed["to_display"] >= 4  # one per layer present
    at = AppTest.from_file(APP, default_timeout=240).run()
    assert not at.exception, at.exception
    assert calls == warmed  # the first run computed none of them again


def test_warm_up_does_not_declare_the_map_component():
    """``streamlit_folium`` declares its component on import; outside a script run the server
    never registers it and the page's maps get a 404 (the first version of the launcher did)."""
    code = (
        "import sys; from ui import launch; launch._import(launch.LIBRARIES); "
        "launch._import(launch.APP_MODULES); "
        "print(sorted(m for m in ('streamlit_folium', 'folium.plugins') if m in sys.modules))"
    )
    assert _python(code) == "[]"


def test_first_run_imports_only_what_the_first_page_draws():
    """The overview's first run (the first map) leaves the other tabs' heavy modules and the map
    component unimported; the read-only overview map needs neither ``streamlit_folium`` nor
    ``folium.plugins`` (whose 39 plugin templates :func:`ui.assets.localise` used to import)."""
    heavy = (
        "streamlit_folium",
        "folium.plugins",
        "sklearn",
        "osmnx",
        "networkx",
        "highspy",
        "openpyxl",
        "python_calamine",
        "matplotlib",
        "plotly",
        "numba",
        "sqlalchemy",
    )
    code = (
        "import sys, os; os.environ.pop('GRIDPLAN_DATA', None)\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({APP!r}, default_timeout=240).run()\n"
        "assert not at.exception, at.exception\n"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    assert _python(code) == "[]"


def test_overview_map_is_folium_html_in_an_iframe(monkeypatch: pytest.MonkeyPatch):
    """The first map is folium's own page (Leaflet from ``static/vendor``) in an ``st.iframe``:
    no component for the browser to load and answer before the map is written."""
    monkeypatch.delenv("GRIDPLAN_DATA", raising=False)
    at = AppTest.from_file(APP, default_timeout=240).run()
    assert not at.exception, at.exception
    frames = at.get("iframe")
    assert len(frames) == 1
    html = frames[0].proto.srcdoc
    assert html.startswith("<!DOCTYPE html>")
    assert '<script src="/app/static/vendor/leaflet/dist/leaflet.js"></script>' in html
    assert "L.map(" in html and "gp-legend" in html
    assert "://" not in html.split("<body>")[0]  # no link off the server in the page's head
    assert not at.get("component_instance")  # no streamlit_folium element on the page


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="thread priorities: Linux only")
def test_warm_up_thread_runs_below_the_servers_priority():
    from ui import launch

    seen: list[int] = []

    def body() -> None:
        launch._lower_priority()
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

    before = os.getpriority(os.PRIO_PROCESS, 0)
    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    assert seen == [max(launch.WARM_UP_NICE, before)]
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before  # only the thread


def test_server_options_that_slow_the_first_page_are_off():
    """`make run` reads these from .streamlit/config.toml (the bench passes the same options)."""
    import tomllib

    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert cfg["server"]["fileWatcherType"] == "none"
    assert cfg["server"]["runOnSave"] is False
    assert cfg["browser"]["gatherUsageStats"] is False


def test_component_scan_the_launcher_skips_would_find_nothing():
    """The launcher skips Streamlit's scan for packaged v2 components: the real scan over the
    installed distributions must find none (else skipping it would lose a component)."""
    from streamlit.components.v2.manifest_scanner import scan_component_manifests

    assert scan_component_manifests() == []


def test_skip_component_scan_stops_the_scan(monkeypatch: pytest.MonkeyPatch):
    from streamlit.components.v2 import manifest_scanner
    from streamlit.components.v2.component_manager import BidiComponentManager

    from ui import launch

    calls: list[int] = []
    monkeypatch.setattr(manifest_scanner, "scan_component_manifests", lambda: calls.append(1) or [])
    original = BidiComponentManager.discover_and_register_components
    manager = BidiComponentManager()
    manager.discover_and_register_components(start_file_watching=False)
    assert calls == [1]  # the patched-in scan is what Streamlit calls (the target still exists)
    monkeypatch.setattr(BidiComponentManager, "discover_and_register_components", original)
    launch.skip_component_scan()
    BidiComponentManager().discover_and_register_components()
    assert calls == [1]
