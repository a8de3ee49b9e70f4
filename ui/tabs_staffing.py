"""Staffing tab: full-time and part-time grid workers (网格员) apportioned to the plan's grids."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from geo.errors import GridplanError
from geo.settings import DEFAULT_FULL_TIME_WORKERS, DEFAULT_PART_TIME_WORKERS
from ui import context
from ui.context import Context
from ui.i18n import error_text, t
from ui.maps import build_map

if TYPE_CHECKING:
    from geo.grids.plan import Plan

METHODS = ("largest_remainder", "huntington_hill")
WORKLOADS = ("households", "party_members")


def staff(
    plan: Plan, full_time: int, part_time: int, method: str, workload: str, min_full_time: int = 1
) -> pd.DataFrame:
    """Apportion workers to the plan's grids (engine: :func:`allocation.staffing.staff_grids`)."""
    from allocation.staffing import staff_grids

    g = plan.grids()
    g = g.reset_index(drop="grid_id" in g.columns)
    return staff_grids(
        pd.DataFrame(g.drop(columns="geometry")),
        full_time=full_time,
        part_time=part_time,
        workload=workload,
        method=method,
        min_full_time=min_full_time,
    )


def render(ctx: Context) -> None:
    """Draw the staffing tab."""
    lang = ctx.lang
    plan = st.session_state.get("plan")
    if plan is None:
        st.info(t("need_plan", lang))
        return
    c = st.columns(5)
    ft = c[0].number_input(
        t("full_time_total", lang), 0, 100_000, DEFAULT_FULL_TIME_WORKERS, key="s_ft"
    )
    pt = c[1].number_input(
        t("part_time_total", lang), 0, 100_000, DEFAULT_PART_TIME_WORKERS, key="s_pt"
    )
    method = c[2].selectbox(
        t("method", lang), METHODS, key="s_method", format_func=lambda m: t(f"method_{m}", lang)
    )
    workload = c[3].selectbox(
        t("workload", lang), WORKLOADS, key="s_work", format_func=lambda w: t(f"opt_{w}", lang)
    )
    min_ft = c[4].number_input(t("min_full_time", lang), 0, 10, 1, key="s_min")
    if st.button(t("run_staffing", lang), key="run_staffing", type="primary"):
        try:
            st.session_state["staffing"] = staff(
                plan, int(ft), int(pt), method, workload, int(min_ft)
            )
        except (GridplanError, ValueError) as exc:
            st.error(t("error", lang, msg=error_text(exc, lang)))
            st.session_state.pop("staffing", None)
    table = st.session_state.get("staffing")
    if table is None:
        return
    m1, m2, m3 = st.columns(3)
    m1.metric(t("f_full_time", lang), f"{int(table['full_time'].sum()):,}")
    m2.metric(t("f_part_time", lang), f"{int(table['part_time'].sum()):,}")
    m3.metric(t("f_hh_per_worker", lang), f"{float(table['households_per_worker'].median()):.0f}")
    from ui.tabs_grids import grids_display

    gdisp = grids_display(plan, lang).merge(
        table[["grid_id", "full_time", "part_time"]], on="grid_id", how="left"
    )
    gdisp = gdisp.assign(
        label=[
            f"{int(f)}+{int(p)}"
            for f, p in zip(gdisp["full_time"], gdisp["part_time"], strict=True)
        ]
    )
    m = build_map(
        {**ctx.disp, "estates": None},
        lang=lang,
        basemap=ctx.maps.basemap,
        tile_url=ctx.maps.tile_url,
        show_buildings=ctx.maps.show_buildings,
        grids=gdisp,
        static_base=context.static_base(),
    )
    context.show_map(m, key="map_staffing", returned=())
    st.subheader(t("staff_table", lang))
    names = {g: plan.names.get(g, g) for g in table["grid_id"]}
    st.dataframe(
        pd.DataFrame(
            {
                t("f_grid_id", lang): table["grid_id"],
                t("f_grid", lang): table["grid_id"].map(names),
                t("f_households", lang): table["households"].astype(int),
                t("f_full_time", lang): table["full_time"],
                t("f_part_time", lang): table["part_time"],
                t("f_hh_per_worker", lang): table["households_per_worker"],
                t("f_explanation", lang): table["explanation"],
            }
        ),
        hide_index=True,
        width="stretch",
    )
