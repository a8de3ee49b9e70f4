"""Engine messages with stable codes (issue 15 follow-up): data-check warnings and edit refusals
carry ``code`` + ``params``; the app says them in Chinese, the CLI keeps the English text."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point

from geo.errors import EditError, Problem


def test_problems_frame_renders_coded_warnings_in_chinese_and_english():
    from ui.data import problems_frame

    p = Problem(
        "estates",
        "column(s) `姓名` look like personal data (names, ID or phone numbers) and were "
        "dropped at load time; gridplan keeps counts only.",
        "remove personal fields from the file before sharing it",
        severity="warning",
        code="personal_dropped",
        params={"columns": "`姓名`"},
    )
    plain = Problem("estates", "something else", "do this")
    zh = problems_frame([p, plain], "zh")
    assert "看似个人信息" in " ".join(zh["问题"]) and "something else" in set(zh["问题"])
    en = problems_frame([p], "en")
    assert en.iloc[0, 4] == p.message and en.iloc[0, 5] == p.fix  # same words as the CLI's
    assert "[warning]" in str(p) and "personal data" in str(p)


def test_edit_refusals_carry_codes_rendered_in_chinese(tiny_layers):
    from geo.grids.edits import PlanEditor
    from geo.grids.gridding import grid_communities
    from geo.grids.params import GridParams
    from ui.i18n import edit_error_text

    plan = grid_communities(tiny_layers, GridParams(), workers=1).plan
    editor = PlanEditor(plan)
    grids = sorted(set(plan.assignment.values()))
    unit = sorted(plan.members[grids[0]])[0]
    with pytest.raises(EditError) as e:
        editor.move([unit], grids[0])
    assert e.value.code == "already_in_grid" and e.value.params["grid"] == grids[0]
    assert edit_error_text(e.value, "zh") == f"单元 {unit} 已在网格 {grids[0]} 中"
    assert "already in grid" in str(e.value)
    editor.lock([grids[1]])
    other = next(u for u in sorted(plan.assignment) if plan.assignment[u] != grids[1])
    with pytest.raises(EditError) as e:
        editor.move([other], grids[1])
    assert e.value.code == "grid_locked"
    assert "已锁定" in edit_error_text(e.value, "zh") and grids[1] in edit_error_text(e.value, "zh")
    assert edit_error_text(EditError("plain"), "zh") == "plain"  # uncoded: its own text


def test_validation_sets_codes_on_the_warnings_the_app_shows():
    from geo.data._validate import drop_personal_fields
    from ui.data import problems_frame

    gdf = gpd.GeoDataFrame(
        {"estate_id": ["e1"], "households": [4], "姓名": ["张三"]},
        geometry=[Point(120.3, 31.5)],
        crs="EPSG:4326",
    )
    _out, problems = drop_personal_fields(gdf, "estates")
    (p,) = problems
    assert p.code == "personal_dropped" and "姓名" in p.params["columns"]
    assert "看似个人信息" in problems_frame(problems, "zh").iloc[0, 4]
