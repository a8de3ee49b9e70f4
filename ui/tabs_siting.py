"""Siting tab: where the next estate service posts (小区党群服务驿站) should go.

Existing facilities stay open and count; the model (MCLP, LSCP, p-median, p-center) is built
from the layers by :mod:`allocation.siting` on walking distances and solved exactly with
HiGHS, reporting its gap. The map shows each proposed post with the estates it newly covers;
the marginal coverage curve (MCLP for p = 0..P) shows where one more post stops paying.
"""

from __future__ import annotations

import re
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

from geo.errors import GridplanError
from geo.settings import LIFE_CIRCLES_M
from ui import context
from ui.context import Context
from ui.i18n import TEXT, error_text, siting_note_text, t
from ui.maps import build_map, to_display

MODELS = ("mclp", "lscp", "pmedian", "pcenter")
#: Which inputs each model takes: (posts, radius).
NEEDS = {
    "mclp": (True, True),
    "lscp": (False, True),
    "pmedian": (True, False),
    "pcenter": (True, False),
}


def model_class(name: str) -> Any:
    """The engine class of a model name."""
    from allocation import siting

    return {
        "mclp": siting.MCLP,
        "lscp": siting.LSCP,
        "pmedian": siting.PMedian,
        "pcenter": siting.PCenter,
    }[name]


def newly_covered(
    model: Any, result: Any, radius_m: float, estates: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """Estates each new post newly covers: beyond ``radius_m`` of every existing facility, and
    within ``radius_m`` of the post they are assigned to. Metric CRS, with ``post_id``."""
    arrays = model.arrays
    cost = arrays.cost
    fixed = np.asarray(arrays.fixed, dtype=bool)
    before = cost[:, fixed].min(axis=1) if fixed.any() else np.full(cost.shape[0], np.inf)
    posts = set(result.selected)
    rows = []
    for i, did in enumerate(arrays.demand_ids):
        site = result.assignment.get(did)
        d = result.distance_m.get(did)
        if site in posts and d is not None and d <= radius_m < before[i]:
            rows.append((did, site))
    est = estates[["estate_id", "name", "households", "geometry"]]
    frame = pd.DataFrame(rows, columns=["estate_id", "post_id"])
    out = est.merge(frame, on="estate_id", how="inner")
    return gpd.GeoDataFrame(out, geometry="geometry", crs=estates.crs)


def post_names(site_ids: Any, names: Any, estates: gpd.GeoDataFrame | None) -> list[str]:
    """A name for each proposed post: its own name, else the name of the estate it stands in
    (candidate ids ``estate:<estate_id>``), else its id."""
    by_id = (
        {}
        if estates is None or "name" not in estates.columns
        else dict(zip(estates["estate_id"].astype(str), estates["name"], strict=True))
    )
    out = []
    for sid, name in zip(site_ids, names, strict=True):
        if isinstance(name, str) and name.strip():
            out.append(name)
            continue
        estate = str(sid).removeprefix("candidate:").removeprefix("estate:")
        found = by_id.get(estate)
        out.append(str(found) if isinstance(found, str) and found.strip() else str(sid))
    return out


def posts_frame(
    model: Any, result: Any, newly: gpd.GeoDataFrame, estates: gpd.GeoDataFrame | None = None
) -> gpd.GeoDataFrame:
    """Proposed posts (points, metric CRS) with a name (:func:`post_names`) and the count and
    households they newly cover."""
    sites = model.arrays.sites
    chosen = sites[sites["site_id"].astype(str).isin(result.selected)].copy()
    chosen["post_id"] = chosen["site_id"].astype(str)
    chosen["name"] = post_names(
        chosen["post_id"],
        chosen["name"] if "name" in chosen.columns else [None] * len(chosen),
        estates,
    )
    agg = newly.groupby("post_id").agg(
        newly_estates=("estate_id", "size"), newly_households=("households", "sum")
    )
    chosen = chosen.join(agg, on="post_id")
    chosen[["newly_estates", "newly_households"]] = (
        chosen[["newly_estates", "newly_households"]].fillna(0).astype(int)
    )
    return chosen


def run_model(
    ctx: Context, name: str, p: int | None, radius: float | None, time_limit: float, progress: Any
) -> tuple[Any, Any]:
    """Build the model from the layers and solve it; returns ``(model, result)``."""
    cls = model_class(name)
    kwargs: dict[str, Any] = {}
    if NEEDS[name][0]:
        kwargs["p"] = p
    if NEEDS[name][1]:
        kwargs["radius"] = radius
    model = cls.from_layers(ctx.layers, network=context.walk_network(ctx.layers, ctx.key), **kwargs)
    result = model.solve(time_limit=time_limit, progress=progress)
    return model, result


def render(ctx: Context) -> None:
    """Draw the siting tab."""
    lang = ctx.lang
    c = st.columns(4)
    name = c[0].selectbox(
        t("model", lang), MODELS, key="site_model", format_func=lambda m: t(f"model_{m}", lang)
    )
    needs_p, needs_r = NEEDS[name]
    p = c[1].number_input(t("n_posts", lang), 1, 200, 5, key="site_p", disabled=not needs_p)
    radius = c[2].number_input(
        t("radius", lang), 50.0, 5000.0, LIFE_CIRCLES_M[1], 50.0, key="site_r", disabled=not needs_r
    )
    limit = c[3].number_input(t("time_limit", lang), 1.0, 600.0, 30.0, 5.0, key="site_tl")
    if st.button(t("run_siting", lang), key="run_siting", type="primary"):
        with st.status(t("solving", lang), expanded=False) as status:
            try:
                model, result = run_model(
                    ctx,
                    name,
                    int(p),
                    float(radius),
                    float(limit),
                    progress=lambda text: status.write(text),
                )
            except (GridplanError, ValueError) as exc:
                status.update(state="error")
                st.error(t("error", lang, msg=error_text(exc, lang)))
                return
            status.update(label=t("siting_done", lang), state="complete")
        st.session_state["siting"] = {
            "model": model,
            "result": result,
            "radius": float(radius) if needs_r else LIFE_CIRCLES_M[1],
        }
    show_result(ctx)
    curve_panel(ctx)


def status_text(status: str, lang: str) -> str:
    """A solver status (``optimal``, ``time_limit``, ``infeasible`` ...) in ``lang``."""
    key = f"status_{status}"
    return t(key, lang) if key in TEXT else status


def method_text(method: str, lang: str) -> str:
    """The distance method (``network`` or ``straight-line x1.3``) in ``lang``."""
    m = re.fullmatch(r"straight-line x([\d.]+)", method)
    if m:
        return t("method_straight", lang, f=m.group(1))
    return t("method_network", lang) if method == "network" else method


#: Candidate sources of ``allocation._layers`` -> i18n key.
_SOURCES = {
    "user points": "source_user_points",
    "candidates layer": "source_candidates_layer",
    "estates not already covered": "source_estates_uncovered",
    "all estates": "source_all_estates",
}


def source_text(source: str, lang: str) -> str:
    """Where the candidate sites came from, in ``lang``."""
    return t(_SOURCES[source], lang) if source in _SOURCES else source


def curve_figure(df: pd.DataFrame, lang: str) -> Any:
    """The coverage curve (:func:`allocation.siting.plot_coverage_curve`) with its texts in
    ``lang``; Chinese in Noto Sans CJK when installed (``make fonts``)."""
    from matplotlib import font_manager

    from allocation.siting import CURVE_LABELS, plot_coverage_curve
    from geo.output.atlas import CJK_FAMILY, find_cjk_font

    font = find_cjk_font()
    if font is not None:
        font_manager.fontManager.addfont(str(font))
    family = [CJK_FAMILY, "DejaVu Sans"] if font is not None else ["DejaVu Sans"]
    labels = {k: t(f"curve_{k}", lang) for k in CURVE_LABELS}
    return plot_coverage_curve(df, labels=labels, family=family)


def show_result(ctx: Context) -> None:
    """Posts on the map with the estates each newly covers, and the table."""
    lang = ctx.lang
    run = st.session_state.get("siting")
    if not run:
        return
    model, result, r = run["model"], run["result"], run["radius"]
    st.success(
        t(
            "siting_result",
            lang,
            objective=f"{result.objective:,.1f}",
            gap=f"{100 * result.gap:.2f}%",
            status=status_text(result.status, lang),
            seconds=result.seconds,
        )
    )
    if result.message:  # the engine's note, part by part in the page language
        st.caption(siting_note_text(result.message, lang))
    st.caption(
        t(
            "siting_source",
            lang,
            source=source_text(model.meta.get("candidate_source", "?"), lang),
            method=method_text(model.meta.get("distance_method", "?"), lang),
        )
    )
    if result.excluded:
        st.warning(t("excluded", lang, n=len(result.excluded)))
    newly = newly_covered(model, result, r, ctx.layers.estates)
    posts = posts_frame(model, result, newly, ctx.layers.estates)
    m = build_map(
        ctx.disp,
        lang=lang,
        basemap=ctx.maps.basemap,
        tile_url=ctx.maps.tile_url,
        show_buildings=ctx.maps.show_buildings,
        posts=to_display(posts, columns=["post_id", "name", "newly_households"]),
        newly=to_display(newly, columns=["estate_id", "name", "households", "post_id"]),
        static_base=context.static_base(),
    )
    context.show_map(m, key="map_siting", returned=())
    st.subheader(t("posts_table", lang))
    st.caption(t("newly_within", lang, r=r))
    st.dataframe(
        pd.DataFrame(
            {
                t("f_name", lang): posts["name"],
                t("layer_posts", lang): posts["post_id"],
                t("newly_estates", lang): posts["newly_estates"],
                t("newly_households", lang): posts["newly_households"],
            }
        ),
        hide_index=True,
        width="stretch",
    )


def curve_panel(ctx: Context) -> None:
    """The marginal coverage curve: covered demand for p = 0..P new posts (MCLP, exact)."""
    from allocation.siting import MCLP, coverage_curve

    lang = ctx.lang
    st.subheader(t("coverage_curve", lang))
    c = st.columns([2, 2, 1])
    p_max = c[0].number_input(t("curve_posts", lang), 1, 50, 8, key="curve_p")
    r = c[1].number_input(t("radius", lang), 50.0, 5000.0, LIFE_CIRCLES_M[1], 50.0, key="curve_r")
    if c[2].button(t("run_curve", lang), key="run_curve"):
        with st.spinner(t("solving", lang)):
            try:
                base = MCLP.from_layers(
                    ctx.layers,
                    network=context.walk_network(ctx.layers, ctx.key),
                    p=0,
                    radius=float(r),
                )
                st.session_state["curve"] = coverage_curve(base, int(p_max))
            except (GridplanError, ValueError) as exc:
                st.error(t("error", lang, msg=error_text(exc, lang)))
                return
    df = st.session_state.get("curve")
    if df is None:
        return
    st.pyplot(curve_figure(df, lang), clear_figure=False)
    st.dataframe(
        pd.DataFrame(
            {
                t("col_posts", lang): df["p"],
                t("col_covered", lang): df["covered_weight"].round(0),
                t("col_share", lang): (100 * df["share"]).round(1),
                t("col_gain", lang): df["gain"].round(0),
                t("col_gap", lang): df["gap"],
                t("col_seconds", lang): df["seconds"].round(2),
            }
        ),
        hide_index=True,
        width="stretch",
    )
