"""Overview tab: the district on a map, the headline counts and a per-community table."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from geo.settings import LIFE_CIRCLES_M
from ui import context
from ui.context import Context
from ui.i18n import t
from ui.maps import build_map
from ui.tabs_siting import method_text

if TYPE_CHECKING:
    from allocation.coverage import CoverageResult
    from allocation.density import DensitySurface
    from geo.data.schema import Layers
    from geo.grids.plan import Plan


def community_table(
    ctx: Context, grids: pd.DataFrame | None, cov: CoverageResult | None
) -> pd.DataFrame:
    """Per community: street, estates, households, party members, grids, in-band share, coverage."""
    lang = ctx.lang
    est = pd.DataFrame(ctx.layers.estates.drop(columns="geometry"))
    agg = est.groupby("community_id").agg(
        estates=("estate_id", "size"),
        households=("households", "sum"),
        party_members=("party_members", "sum"),
    )
    comm = pd.DataFrame(ctx.layers.communities.drop(columns="geometry")).set_index("community_id")
    cols = [c for c in ("name", "street") if c in comm.columns]
    table = (
        comm[cols].join(agg, how="left").fillna({"estates": 0, "households": 0, "party_members": 0})
    )
    out = pd.DataFrame(
        {
            t("f_community", lang): table.get("name", table.index.to_series()),
            t("f_street", lang): table.get("street", ""),
            t("f_n_estates", lang): table["estates"].astype(int),
            t("f_households", lang): table["households"].astype(int),
            t("f_party_members", lang): table["party_members"].astype(int),
        },
        index=table.index,
    )
    if grids is not None and len(grids):
        g = grids.groupby("community_id").agg(n=("grid_id", "size"), in_band=("in_band", "mean"))
        out[t("f_n_grids", lang)] = g["n"].reindex(out.index).fillna(0).astype(int)
        out[t("m_in_band", lang)] = (g["in_band"].reindex(out.index) * 100).round(0)
    if cov is not None:
        e = pd.DataFrame(cov.estates.drop(columns="geometry"))
        near = e[e["dist_m"] <= LIFE_CIRCLES_M[1]].groupby("community_id")["households"].sum()
        share = near.reindex(out.index).fillna(0) / table["households"].replace(0, pd.NA) * 100
        out[t("within_m", lang, m=LIFE_CIRCLES_M[1]) + " %"] = share.astype(float).round(0)
    return out.reset_index(drop=True)


def coverage_shares(cov: CoverageResult, lang: str) -> list[tuple[str, float]]:
    """Cumulative share of households within each life-circle distance, from a coverage result."""
    e = cov.estates
    total = float(e["households"].sum()) or 1.0
    return [
        (t("within_m", lang, m=m), float(e.loc[e["dist_m"] <= m, "households"].sum()) / total)
        for m in cov.thresholds_m
    ]


@st.cache_data(show_spinner=False, max_entries=4)
def party_density(_layers: Layers, dataset_key: str) -> DensitySurface:
    """The dataset's party-member density surface (:mod:`allocation.density`), cached."""
    from allocation.density import density_points, density_surface

    return density_surface(density_points(_layers))


def overview_coverage(layers: Layers, dataset_key: str) -> CoverageResult | None:
    """The coverage review the overview shows (every level, the life-circle distances), cached;
    ``None`` when the dataset has no facilities."""
    if layers.facilities is None or not len(layers.facilities):
        return None
    return context.coverage(layers, dataset_key, None, tuple(LIFE_CIRCLES_M), LIFE_CIRCLES_M[1])


def contiguity_summary(grids: pd.DataFrame) -> tuple[int, int, list[str]]:
    """``(contiguous grids, grids, names of the grids in pieces)`` of a plan's grid table."""
    ok = grids["contiguous"].astype(bool)
    names = grids["name"] if "name" in grids.columns else grids.index.to_series()
    return int(ok.sum()), len(grids), [str(n) for n in names[~ok.to_numpy()]]


def render(ctx: Context) -> None:
    """Draw the overview."""
    lang = ctx.lang
    plan: Plan | None = st.session_state.get("plan")
    grids = plan.grids() if plan is not None else None
    est = ctx.layers.estates
    cols = st.columns(6)
    cols[0].metric(t("m_communities", lang), f"{len(ctx.layers.communities):,}")
    cols[1].metric(t("m_grids", lang), f"{len(grids):,}" if grids is not None else "—")
    cols[2].metric(t("m_households", lang), f"{int(est['households'].sum()):,}")
    cols[3].metric(t("m_party_members", lang), f"{int(est['party_members'].sum()):,}")
    staffing = st.session_state.get("staffing")
    if staffing is not None:
        cols[4].metric(
            t("m_workers", lang),
            f"{int(staffing['full_time'].sum() + staffing['part_time'].sum()):,}",
            help=t("workers_from_staffing", lang),
        )
    else:
        cols[4].metric(t("m_workers", lang), "—", help=t("workers_from_staffing", lang))
    if grids is not None and len(grids):
        cols[5].metric(t("m_in_band", lang), f"{100 * float(grids['in_band'].mean()):.0f}%")
    else:
        cols[5].metric(t("m_in_band", lang), "—")
    if grids is None:
        st.info(t("no_plan_yet", lang))
    if grids is not None and "contiguous" in grids.columns:
        n_ok, n, broken = contiguity_summary(grids)
        if broken:
            st.warning(
                t(
                    "contiguity_broken",
                    lang,
                    ok=n_ok,
                    n=n,
                    names="、".join(broken[:10]) if lang == "zh" else ", ".join(broken[:10]),
                )
            )
        else:
            st.caption(t("contiguity_all", lang, n=n))
    cov_box = st.container()  # filled after the map, so the map is drawn first
    disp_grids = None
    if plan is not None:  # exactly when grids is not None
        from ui.tabs_grids import grids_display

        disp_grids = grids_display(plan, lang)
    m = build_map(
        ctx.disp,
        lang=lang,
        basemap=ctx.maps.basemap,
        tile_url=ctx.maps.tile_url,
        show_buildings=ctx.maps.show_buildings,
        grids=disp_grids,
        static_base=context.static_base(),
        density=party_density(ctx.layers, ctx.key) if ctx.maps.show_density else None,
    )
    context.show_static_map(m)  # read-only: no component round trip before it is drawn
    cov = overview_coverage(ctx.layers, ctx.key)
    if cov is not None:
        with cov_box:
            st.caption(
                t("coverage_shares", lang)
                + " · "
                + t("distance_method", lang, method=method_text(cov.method, lang))
            )
            ccols = st.columns(len(cov.thresholds_m))
            for c, (label, share) in zip(ccols, coverage_shares(cov, lang), strict=True):
                c.metric(label, f"{100 * share:.1f}%")
    st.subheader(t("per_community", lang))
    st.dataframe(community_table(ctx, grids, cov), hide_index=True, width="stretch")
