"""Coverage tab: life-circle classes on the map, totals and the ranked gap list."""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

from geo.errors import GridplanError
from geo.settings import FACILITY_LEVELS, LIFE_CIRCLES_M
from ui import context
from ui.context import Context
from ui.i18n import error_text, problem_line, t
from ui.maps import build_map, to_display
from ui.tabs_siting import method_text

if TYPE_CHECKING:
    from allocation.coverage import CoverageResult


def class_names(thresholds_m: tuple[float, ...], lang: str) -> list[str]:
    """Translated labels of the engine's classes, in the engine's order."""
    return [t("class_0", lang, m=m) for m in thresholds_m] + [
        t("class_beyond", lang, m=thresholds_m[-1]),
        t("class_unreachable", lang),
    ]


def coverage_display(cov: CoverageResult, lang: str) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Estates of a coverage result as a WGS84 display frame with ``class_idx`` and labels."""
    from allocation.coverage import class_labels

    order = class_labels(cov.thresholds_m)
    est = cov.estates.assign(
        class_idx=cov.estates["life_circle"]
        .map({lbl: i for i, lbl in enumerate(order)})
        .astype(int),
        distance_m=np.where(
            np.isfinite(cov.estates["dist_m"]), cov.estates["dist_m"].round(0), np.nan
        ),
    )
    disp = to_display(est, columns=["estate_id", "name", "households", "distance_m", "class_idx"])
    return disp, class_names(cov.thresholds_m, lang)


def thresholds_input(lang: str) -> tuple[tuple[float, ...], float, tuple[str, ...] | None]:
    """Widgets for levels, life-circle thresholds and the gap distance."""
    c1, c2, c3, c4 = st.columns(4)
    th = []
    for col, default, i in zip((c1, c2, c3), LIFE_CIRCLES_M, range(3), strict=True):
        th.append(
            col.number_input(
                f"{t('thresholds', lang)} {i + 1}",
                min_value=50.0,
                max_value=5000.0,
                value=float(default),
                step=50.0,
                key=f"cov_t{i}",
            )
        )
    gap = c4.selectbox(
        t("gap_threshold", lang), th, index=1, key="cov_gap", format_func=lambda x: f"{x:.0f}"
    )
    levels = st.multiselect(
        t("facility_levels", lang),
        FACILITY_LEVELS,
        default=list(FACILITY_LEVELS),
        key="cov_levels",
        format_func=lambda lv: t(f"level_{lv}", lang),
    )
    chosen = None if set(levels) == set(FACILITY_LEVELS) else tuple(levels)
    return tuple(th), float(gap), chosen


def render(ctx: Context) -> None:
    """Draw the coverage tab."""
    lang = ctx.lang
    thresholds, gap, levels = thresholds_input(lang)
    try:
        cov = context.coverage(ctx.layers, ctx.key, levels, thresholds, gap)
    except (GridplanError, ValueError) as exc:
        st.error(t("error", lang, msg=error_text(exc, lang)))
        return
    st.session_state["coverage"] = cov
    st.caption(t("distance_method", lang, method=method_text(cov.method, lang)))
    for p in cov.problems:
        st.warning(problem_line(p, lang))
    disp, labels = coverage_display(cov, lang)
    m = build_map(
        {**ctx.disp, "estates": None},
        lang=lang,
        basemap=ctx.maps.basemap,
        tile_url=ctx.maps.tile_url,
        show_buildings=ctx.maps.show_buildings,
        coverage=disp,
        class_labels=labels,
        static_base=context.static_base(),
    )
    context.show_map(m, key="map_coverage", returned=())
    st.subheader(t("totals_by_class", lang))
    totals = cov.totals.assign(life_circle=labels[: len(cov.totals)])
    st.dataframe(
        pd.DataFrame(
            {
                t("col_class", lang): totals["life_circle"],
                t("col_estates", lang): totals["estates"],
                t("f_households", lang): totals["households"],
                t("f_party_members", lang): totals["party_members"],
                t("col_share", lang): (totals["share"] * 100).round(1).astype(str) + "%",
            }
        ),
        hide_index=True,
        width="stretch",
    )
    st.subheader(t("gap_list", lang))
    st.dataframe(gap_table(cov.gaps, lang), hide_index=True, width="stretch")


def gap_table(gaps: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The ranked gap list for people: estate, community and facility by name first (the code
    where a name is missing), figures, then the codes as secondary columns; headers in ``lang``.
    """

    def named(name_col: str, code_col: str) -> pd.Series:
        codes = gaps[code_col]
        if name_col not in gaps.columns:
            return codes
        names = gaps[name_col]
        return names.where(names.notna() & (names.astype(str).str.strip() != ""), codes)

    return pd.DataFrame(
        {
            t("col_rank", lang): gaps["rank"],
            t("f_estate", lang): named("name", "estate_id"),
            t("f_community", lang): named("community_name", "community_id"),
            t("f_households", lang): gaps["households"],
            t("f_party_members", lang): gaps["party_members"],
            t("f_distance", lang): gaps["dist_m"].round(0),
            t("col_facility", lang): named("facility_name", "facility_id"),
            t("col_estate_code", lang): gaps["estate_id"],
            t("col_community_code", lang): gaps["community_id"],
            t("col_facility_code", lang): gaps["facility_id"],
        }
    )
