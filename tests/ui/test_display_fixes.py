"""Display fixes of the plans, siting, overview and grids tabs (issue 15, the smaller list)."""

from __future__ import annotations

import pandas as pd

from ui.i18n import t
from ui.tabs_overview import contiguity_summary
from ui.tabs_plans import readable
from ui.tabs_siting import method_text, status_text


def test_plans_table_times_and_empty_cells() -> None:
    raw = pd.DataFrame({"version": [1, 2], "created": ["2026-03-01T02:05:09.123456+00:00",
                                                       "2026-03-01T23:59:59.999999+00:00"],
                        "message": [None, "改了两格"], "parent_plan": [None, float("nan")]})
    out = readable(raw)
    assert out["created"].tolist() == ["2026-03-01 10:05", "2026-03-02 07:59"]  # Beijing time
    assert out["message"].tolist() == ["", "改了两格"] and out["parent_plan"].tolist() == ["", ""]
    assert pd.isna(raw["message"].iloc[0])  # input untouched


def test_siting_status_and_method_in_chinese() -> None:
    assert status_text("optimal", "zh") == "已证最优" and status_text("optimal", "en") == "proven optimal"
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
        assert mark and all(ord(c) < 0x1F000 for c in mark)  # no emoji: renders without an emoji font
