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


#: Table columns whose cells are engine messages (reasons, issues, problems, fixes): their
#: cells are scanned too, not just the headers.
MESSAGE_COLUMNS = ("原因", "问题", "修正方法", "类别", "级别", "图层")


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
        for col in d.value.columns:
            if str(col) in MESSAGE_COLUMNS:
                parts += [str(v) for v in d.value[col] if isinstance(v, str)]
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


def test_edits_reasons_and_refusals_are_chinese(chinese_app: AppTest):
    """After an edit, a refused edit and with the grid table open (out-of-band reasons with
    unit names, the per-grid reason column), the grids tab is still free of English; the done
    message names grids by name, not only by code."""
    from ui.tabs_grids import PANEL_KEY, TABLE_KEY

    at = chinese_app
    grids_tab = at.tabs[1].label
    if "plan" not in at.session_state or at.session_state["plan"] is None:  # run alone
        _tab(at, grids_tab).button(key="generate").click().run()
    at.session_state[PANEL_KEY] = True
    at.session_state[TABLE_KEY] = True
    _tab(at, grids_tab)
    sel = at.multiselect(key="sel_units")
    for label in sel.options:
        sel.set_value([label]).run()
        if at.selectbox(key="move_to").options:
            break
    target = at.selectbox(key="move_to").value
    at.button(key="btn_move").click().run()
    assert not at.exception, at.exception
    done = " ".join(str(x.value) for x in at.success)
    assert "已完成" in done and at.session_state["plan"].names[target] in done
    at.button(key="btn_undo").click().run()
    # a refused move: into a locked grid
    at.selectbox(key="edit_grid").set_value(target).run()
    at.button(key="btn_lock").click().run()
    at.multiselect(key="sel_units").set_value([label]).run()
    at.selectbox(key="move_to").set_value(target).run()
    at.button(key="btn_move").click().run()
    errors = " ".join(str(x.value) for x in at.error)
    assert "操作被拒绝" in errors and "已锁定" in errors
    assert not english_words(_texts(at)), sorted(english_words(_texts(at)))
    # two grids merged hold more than the band allows: an out-of-band grid with its reason
    at.button(key="btn_lock").click().run()  # unlock
    assert target not in at.session_state["plan"].locked
    assert at.selectbox(key="merge_with").value  # the first neighbour, as offered
    at.button(key="btn_merge").click().run()
    assert not at.exception, at.exception
    assert at.session_state["plan"].summary()["out_of_band"]
    texts = _texts(at)
    reasons = [d.value for d in at.dataframe if "原因" in d.value.columns]
    assert reasons and any(len(r) for r in reasons)
    assert not english_words(texts), sorted(english_words(texts))


def test_upload_warnings_are_chinese(tiny_dir, tmp_path):
    """A data set that sets off the data checks (personal column, a point estate, a missing
    residents column, a community id given by name, a negative count, a duplicate id) shows its
    report in Chinese: no English outside the allow-list and the data's own ids."""
    import geopandas as gpd
    from shapely.geometry import Point

    from geo.data.io import load_layers
    from geo.errors import ValidationError
    from ui.data import problems_frame

    for name in ("communities", "facilities"):
        (tmp_path / f"{name}.geojson").write_bytes((tiny_dir / f"{name}.geojson").read_bytes())
    est = gpd.read_file(tiny_dir / "estates.geojson")
    est["姓名"] = "张三"  # personal data: dropped with a warning
    est.loc[0, "community_id"] = "甲社区"  # the community by name
    est.loc[1, "geometry"] = est.geometry.iloc[1].centroid  # a point estate
    est.loc[2, "households"] = -4  # an error
    est.loc[3, "estate_id"] = est.loc[4, "estate_id"]  # a duplicate id
    est.loc[5, "geometry"] = Point(121.5, 31.2)  # far outside every community
    est.to_file(tmp_path / "estates.geojson", driver="GeoJSON")
    with pytest.raises(ValidationError) as e:
        load_layers(tmp_path)
    problems = list(e.value.problems)
    assert {p.code for p in problems} >= {"personal_dropped", "count_negative", "id_duplicate"}
    assert all(p.code for p in problems), [p.message for p in problems if not p.code]
    frame = problems_frame(problems, "zh")
    texts = [str(v) for col in frame.columns for v in frame[col]]
    ids = {str(i) for i in est["estate_id"]}
    words = english_words(texts) - ids
    assert not words, sorted(words)
    en = problems_frame(problems, "en")
    assert list(en.iloc[:, 4]) == [
        p.message for p in sorted(problems, key=lambda p: (p.severity != "error", p.layer))
    ]


def test_unit_notes_siting_note_and_staffing_refusal_are_chinese(tiny_dir, tmp_path, monkeypatch):
    """A data set with an estate of 900 households and no buildings (split by area, with a
    warning), gridded, sited and staffed with too few workers: the unit notes, the siting
    run's note and the staffing refusal are said in Chinese (issue 15)."""
    import geopandas as gpd

    for name in ("communities", "facilities"):
        (tmp_path / f"{name}.geojson").write_bytes((tiny_dir / f"{name}.geojson").read_bytes())
    est = gpd.read_file(tiny_dir / "estates.geojson")
    est.loc[0, "households"] = 900
    est.to_file(tmp_path / "estates.geojson", driver="GeoJSON")
    monkeypatch.setenv("GRIDPLAN_DATA", str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=300).run()
    assert not at.exception, at.exception
    tabs = [t.label for t in at.tabs]
    _tab(at, tabs[1]).button(key="generate").click().run()
    assert not at.exception, at.exception
    from ui.tabs_grids import TABLE_KEY

    at.session_state[TABLE_KEY] = True  # the grid table, where the unit notes are
    _tab(at, tabs[1])
    notes = [str(w.value) for w in at.warning if "拆成" in str(w.value)]
    assert notes and "900 户" in notes[0] and "补充该小区的楼栋" in notes[0], notes
    ids = {str(i) for i in est["estate_id"]}
    assert not english_words(_texts(at)) - ids, sorted(english_words(_texts(at)) - ids)
    _tab(at, tabs[3]).selectbox(key="site_model").set_value("mclp").run()
    at.number_input(key="site_p").set_value(1).run()
    at.button(key="run_siting").click().run()
    assert not at.exception, at.exception
    said = [c.value for c in at.caption if "新增" in c.value]
    assert said and "驿站" in said[0], [c.value for c in at.caption]
    assert not english_words(_texts(at)) - ids, sorted(english_words(_texts(at)) - ids)
    _tab(at, tabs[4]).number_input(key="s_ft").set_value(1).run()
    at.number_input(key="s_min").set_value(1).run()
    at.button(key="run_staffing").click().run()
    errors = " ".join(str(e.value) for e in at.error)
    assert "名工作人员无法让" in errors, errors
    assert not english_words(_texts(at)) - ids, sorted(english_words(_texts(at)) - ids)
