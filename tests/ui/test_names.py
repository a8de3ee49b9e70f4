"""Names where a person reads (issue #15): units by estate and building name in the grids
panel and its edit refusals, communities and facilities by name in the gap list."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point
from streamlit.testing.v1 import AppTest


def _panel_app(data_dir: str) -> None:
    """A page with the grids tab's list-editing panel on a plan of ``data_dir``; the session key
    ``_own_move`` asks for a move of that unit into its own grid (refused), as the panel does."""
    import streamlit as st

    from geo.data.io import load_layers
    from geo.grids.edits import PlanEditor
    from geo.grids.gridding import grid_communities
    from ui.tabs_grids import apply_edit, edit_panel, last_edit_message, unit_labels

    layers = load_layers(data_dir)
    if "plan" not in st.session_state:
        plan = grid_communities(layers).plan
        st.session_state["plan"] = plan
        st.session_state["editor"] = PlanEditor(plan)
    plan = st.session_state["plan"]
    unit = st.session_state.pop("_own_move", None)
    if unit is not None:
        labels = unit_labels(plan.units.units, layers, "zh")
        apply_edit("move", unit_labels=labels, unit_ids=[unit], to_grid=plan.assignment[unit])
    edit_panel(plan, "zh", layers)
    last_edit_message("zh")


def test_unit_labels_name_the_estate_and_building() -> None:
    from geo.data.schema import Layers
    from ui.tabs_grids import unit_labels

    estates = gpd.GeoDataFrame(
        {"estate_id": ["320211007005E006", "E2", "E3"], "name": ["阳光花园", "落霞苑", None]},
        geometry=[Point(0, 0), Point(1, 1), Point(2, 2)],
        crs="EPSG:32651",
    )
    buildings = gpd.GeoDataFrame(
        {
            "building_id": ["320211007005E006B017", "320211007005E006B018"],
            "name": ["3号楼", None],
        },
        geometry=[Point(0, 0), Point(0, 1)],
        crs="EPSG:32651",
    )
    layers = Layers(communities=estates.iloc[:0], estates=estates, buildings=buildings)
    units = pd.DataFrame(
        {
            "estate_id": ["320211007005E006", "320211007005E006", "E2", "E2", "E3"],
            "building_id": ["320211007005E006B017", "320211007005E006B018", None, None, None],
        },
        index=[
            "320211007005E006/320211007005E006B017",
            "320211007005E006/320211007005E006B018",
            "E2",
            "E2#2",
            "E3",
        ],
    )
    zh = unit_labels(units, layers, "zh")
    assert zh == {
        "320211007005E006/320211007005E006B017": "阳光花园 3号楼（…B017）",
        "320211007005E006/320211007005E006B018": "阳光花园（…B018）",
        "E2": "落霞苑（E2）",
        "E2#2": "落霞苑（…#2）",
        "E3": "E3",  # no name: the code stays
    }
    assert unit_labels(units, layers, "en")["E2"] == "落霞苑 (E2)"
    assert unit_labels(units, None, "zh")["E2#2"] == "E2#2"


def test_edit_refusal_names_the_units() -> None:
    from geo.errors import EditError
    from ui.i18n import edit_error_text

    labels = {"E1/B1": "阳光花园 3号楼（…B1）", "E2": "落霞苑（E2）"}
    exc = EditError(
        "unit E1/B1, E2 is already in grid G1", code="already_in_grid", units="E1/B1, E2", grid="G1"
    )
    assert (
        edit_error_text(exc, "zh", labels)
        == "单元 阳光花园 3号楼（…B1）、落霞苑（E2） 已在网格 G1 中"
    )
    assert edit_error_text(exc, "zh") == "单元 E1/B1, E2 已在网格 G1 中"
    cut = EditError("x", code="not_adjacent", unit="E2", grid="G1")
    assert "落霞苑（E2）" in edit_error_text(cut, "en", labels)


def test_panel_lists_units_by_estate_name_and_refusals_name_them(tiny_dir: Path) -> None:
    at = AppTest.from_function(_panel_app, args=(str(tiny_dir),), default_timeout=120).run()
    assert not at.exception, at.exception
    plan = at.session_state["plan"]
    sel = at.multiselect(key="sel_units")
    # the tiny district's estates E00 .. E11 are named 小区0 .. 小区11, one unit each
    assert sel.options == [f"小区{int(u[1:])}（{u}）" for u in sorted(plan.assignment)]
    unit = sorted(plan.assignment)[3]
    sel.set_value([unit]).run()
    assert at.multiselect(key="sel_units").value == [unit]
    at.session_state["_own_move"] = unit
    at.run()
    refusal = " ".join(e.value for e in at.error)
    assert f"小区{int(unit[1:])}（{unit}）" in refusal, refusal


def test_coverage_gaps_carry_community_and_facility_names(tiny_layers) -> None:
    from allocation.coverage import coverage_review
    from ui.tabs_coverage import gap_table

    res = coverage_review(tiny_layers, gap_threshold_m=50.0)
    gaps = res.gaps
    assert len(gaps) > 0
    comm = dict(
        zip(tiny_layers.communities["community_id"], tiny_layers.communities["name"], strict=True)
    )
    fac = dict(
        zip(tiny_layers.facilities["facility_id"], tiny_layers.facilities["name"], strict=True)
    )
    assert gaps["community_name"].tolist() == [comm[c] for c in gaps["community_id"]]
    assert gaps["facility_name"].tolist() == [fac[f] for f in gaps["facility_id"]]
    zh = gap_table(gaps, "zh")
    assert list(zh.columns)[1:3] == ["小区", "社区"] and list(zh.columns)[6] == "最近设施"
    assert list(zh.columns)[-3:] == ["小区编码", "社区编码", "设施编码"]
    assert set(zh["社区"]) <= {"甲社区", "乙社区"}
    assert set(zh["最近设施"]) <= {"中心", "站", "驿站"}
    assert zh["社区编码"].tolist() == gaps["community_id"].tolist()
    en = gap_table(gaps, "en")
    assert {"Estate code", "Community code", "Facility code"} <= set(en.columns)


@pytest.mark.parametrize("missing", ["community_name", "facility_name"])
def test_gap_table_falls_back_to_the_code(missing: str) -> None:
    from ui.tabs_coverage import gap_table

    gaps = pd.DataFrame(
        {
            "rank": [1],
            "estate_id": ["E1"],
            "name": [None],
            "community_id": ["001"],
            "community_name": ["甲社区"],
            "households": [100],
            "party_members": [3],
            "dist_m": [812.4],
            "facility_id": ["F1"],
            "facility_name": ["中心"],
        }
    ).assign(**{missing: [None]})
    row = gap_table(gaps, "en").iloc[0]
    assert row["Estate"] == "E1"
    assert (row["Community"], row["Nearest facility"]) == (
        ("001", "中心") if missing == "community_name" else ("甲社区", "F1")
    )
