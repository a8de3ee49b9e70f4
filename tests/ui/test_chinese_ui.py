"""Every tab in Chinese, after the main actions, shows no English word outside an allow-list.

AppTest renders the app on the demo, generates grids, sites three posts, draws the coverage
curve and staffs the grids; then each tab's visible text (markdown, captions, messages,
metrics, subheaders, widget labels, expanders and table headers) is scanned for Latin words.
File paths (the store's location) are removed first; the allow-list holds formats, units,
datums and proper names.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")

#: Latin words a Chinese page may show: formats, standards, units, datums, proper names.
ALLOWED = {
    "GeoJSON",
    "CSV",
    "GeoPackage",
    "RFC",
    "PDF",
    "HTML",
    "EPSG",
    "WGS84",
    "GCJ",
    "BD",
    "CGCS2000",
    "OpenStreetMap",
    "Amap",
    "Polsby",
    "Popper",
    "km",
    "Leaflet",
    "GPS",
    "OSM",
    "PostGIS",
    "LSCP",
    "MCLP",
    "Huntington",
    "Hill",
    "ID",
    "min",
    "max",
    "Language",
    "Shapefile",
    "XLSX",
    "Excel",
    "QGIS",
    "GraphML",
    "osm",
    "Scott",
    "zip",
    "URL",
    "SQLite",
}


def _texts(at: AppTest) -> list[str]:
    parts = (
        [m.value for m in at.markdown]
        + [m.label for m in at.metric]
        + [c.value for c in at.caption]
    )
    parts += [str(x.value) for x in (*at.success, *at.warning, *at.error, *at.info)]
    parts += [s.value for s in at.subheader] + [b.label for b in at.button]
    parts += [s.label for s in at.selectbox] + [n.label for n in at.number_input]
    parts += [e.label for e in at.expander]
    for d in at.dataframe:
        parts += [str(c) for c in d.value.columns]
    return [str(p) for p in parts]


def english_words(texts: list[str]) -> set[str]:
    """Latin words of three letters or more outside :data:`ALLOWED` (file paths and names in
    Chinese quotes, which are the user's data such as a plan name, removed first)."""
    found = set()
    for text in texts:
        text = re.sub(r"(?:[A-Za-z]:)?[/\\][^\s，。；：）)]+", " ", text)  # file paths
        text = re.sub(r"“[^”]*”", " ", text)  # quoted names
        found |= {w for w in re.findall(r"[A-Za-z_][A-Za-z_]{2,}", text) if w not in ALLOWED}
    return found


def test_english_words_finds_what_it_should() -> None:
    assert english_words(
        [
            "户数 households_a",
            "存于 /root/.local/share/gridplan/plans.gpkg",
            "GeoJSON",
            "当前方案：“plan-2026”第 1 版",
            "optimal",
        ]
    ) == {"households_a", "optimal"}


@pytest.fixture(scope="module")
def chinese_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300).run()
    assert not at.exception, at.exception
    assert at.session_state["lang"] == "zh"
    return at


def _tab(at: AppTest, label: str) -> AppTest:
    at.session_state["view_zh"] = label
    return at.run()


def test_every_tab_in_chinese_has_no_english(chinese_app: AppTest) -> None:
    at = chinese_app
    tabs = [t.label for t in at.tabs]
    _tab(at, tabs[1]).button(key="generate").click().run()
    _tab(at, tabs[3]).selectbox(key="site_model").set_value("mclp").run()
    at.number_input(key="site_p").set_value(3).run()
    at.button(key="run_siting").click().run()
    at.number_input(key="curve_p").set_value(3).run()
    at.button(key="run_curve").click().run()
    _tab(at, tabs[4]).button(key="run_staffing").click().run()
    assert not at.exception, at.exception
    found = {}
    for label in tabs:
        words = english_words(_texts(_tab(at, label)))
        if words:
            found[label] = sorted(words)
    assert not found, f"English in the Chinese UI: {found}"
