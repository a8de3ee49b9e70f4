"""Display fixes of the plans, siting, overview and grids tabs (issue 15, the smaller list)."""

from __future__ import annotations

import pandas as pd

from ui.i18n import t
from ui.tabs_overview import contiguity_summary
from ui.tabs_plans import readable
from ui.tabs_siting import method_text, status_text


def test_plans_table_times_and_empty_cells() -> None:
    raw = pd.DataFrame(
        {
            "version": [1, 2],
            "created": ["2026-03-01T02:05:09.123456+00:00", "2026-03-01T23:59:59.999999+00:00"],
            "message": [None, "改了两格"],
            "parent_plan": [None, float("nan")],
        }
    )
    out = readable(raw)
    assert out["created"].tolist() == ["2026-03-01 10:05", "2026-03-02 07:59"]  # Beijing time
    assert out["message"].tolist() == ["", "改了两格"] and out["parent_plan"].tolist() == ["", ""]
    assert pd.isna(raw["message"].iloc[0])  # input untouched


def test_siting_status_and_method_in_chinese() -> None:
    assert (
        status_text("optimal", "zh") == "已证最优"
        and status_text("optimal", "en") == "proven optimal"
    )
    assert status_text("weird", "zh") == "weird"
    assert method_text("straight-line x1.3", "zh") == "直线距离 ×1.3"
    assert method_text("network", "zh") == "步行路网"


def test_contiguity_summary() -> None:
    grids = pd.DataFrame({"name": ["甲", "乙", "丙"], "contiguous": [True, False, True]})
    assert contiguity_summary(grids) == (2, 3, ["乙"])
    assert "乙" in t("contiguity_broken", "zh", ok=2, n=3, names="乙")


def test_lock_mark_is_plain_text() -> None:
    for lang in ("zh", "en"):
        mark = t("lock_mark", lang)
        assert mark and all(
            ord(c) < 0x1F000 for c in mark
        )  # no emoji: renders without an emoji font


def _engine_issues() -> list[str]:
    """Every phrase the engine writes (geo.grids.metrics), over sizes in and out of band."""
    from geo.grids.metrics import _issue
    from geo.grids.params import GridParams

    out = []
    for size_by in ("households", "party_members"):
        params = (
            GridParams(size_by=size_by)
            if size_by == "households"
            else GridParams(size_by=size_by, min_households=10, max_households=40)
        )
        lo, hi = params.band()
        for size, total, max_unit, party, contiguous in (
            (hi + 100, hi * 4, hi + 50, 1, False),
            (hi + 100, hi * 4, 50, 9, True),
            (lo - 10, lo - 10, 50, 9, True),
            (lo - 10, hi * 4, 50, 2, False),
        ):
            out.append(_issue(size, total, max_unit, party, contiguous, params))
    return out


def test_every_engine_rule_message_has_a_code_and_reads_in_chinese() -> None:
    from geo.errors import issue_codes
    from ui.i18n import issue_text

    issues = _engine_issues()
    assert len({i for i in issues if i}) >= 6
    for issue in issues:
        codes = issue_codes(issue)
        assert all(code != "text" for code, _ in codes), issue  # no phrase left uncoded
        assert issue_text(issue, "en") == issue  # English renders back to the engine's words
        zh = issue_text(issue, "zh")
        assert not any(w in zh for w in ("households", "party", "contiguous", "split", "merge")), zh


def test_violation_names_the_grid() -> None:
    from ui.i18n import violation_text

    v = "grid 320211007005001: 736 households > 500"
    assert (
        violation_text(v, "zh", {"320211007005001": "湖滨 001"})
        == "网格 湖滨 001（320211007005001）：736 户 > 500"
    )
    assert violation_text(v, "en") == v


def test_posts_are_named_after_their_estate() -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    from ui.tabs_siting import post_names

    estates = gpd.GeoDataFrame(
        {"estate_id": ["320211006001E002", "E9"], "name": ["落霞苑", None]},
        geometry=[Point(0, 0), Point(1, 1)],
        crs="EPSG:32651",
    )
    got = post_names(
        ["estate:320211006001E002", "candidate:estate:E9", "FP001", "estate:nope"],
        ["", None, "驿站一", float("nan")],
        estates,
    )
    assert got == ["落霞苑", "candidate:estate:E9", "驿站一", "estate:nope"]


def test_coverage_curve_chart_and_source_in_chinese() -> None:
    from ui.tabs_siting import curve_figure, source_text

    df = pd.DataFrame(
        {
            "p": [1, 2, 3],
            "share": [0.5, 0.7, 0.8],
            "gain": [500.0, 200.0, 100.0],
            "status": ["optimal", "optimal", "time_limit"],
        }
    )
    fig = curve_figure(df, "zh")
    ax, ax2 = fig.axes
    words = [
        ax.get_title(),
        ax.get_xlabel(),
        ax.get_ylabel(),
        ax2.get_ylabel(),
        *[x.get_text() for x in ax.get_legend().get_texts()],
    ]
    assert words[0] == "新增驿站数与覆盖率" and "未证最优" in words
    assert not any(w in " ".join(words) for w in ("covered", "gain", "posts", "optimal"))
    assert source_text("estates not already covered", "zh") == "尚未覆盖的小区"


def test_diff_tables_have_readable_headers() -> None:
    from ui.tabs_plans import delta_labels

    cols = [
        "grid_id",
        "households_a",
        "households_b",
        "households_delta",
        "polsby_popper_delta",
        "odd_x",
    ]
    got = delta_labels(cols, "zh", 1, 2)
    assert got["grid_id"] == "网格编码" or got["grid_id"]
    assert got["households_a"] == "户数（版本 1）" and got["households_b"] == "户数（版本 2）"
    assert got["households_delta"] == "户数（变化）" and "odd_x" not in got
    assert delta_labels(["metric", "a", "b", "delta"], "en", 3, 4) == {
        "metric": "Metric",
        "a": "version 3",
        "b": "version 4",
        "delta": "change",
    }
