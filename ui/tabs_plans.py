"""Plans tab: the store's plans and versions, open a version, save, compare two versions.

The comparison (:func:`geo.output.store.diff_plans`) is shown on the map (changed areas coloured by
kind: added, gained, lost, removed) and as tables (units moved, grids changed with their
figures before and after, plan-wide metric deltas).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from geo.errors import GridplanError
from ui import context, plans
from ui.context import Context
from ui.i18n import TEXT, error_text, t
from ui.maps import build_map, polygon_group, shift_for_basemap

if TYPE_CHECKING:
    from geo.output.store import PlanDiff, Store


@st.cache_data(show_spinner=False, max_entries=8)
def _diff(target: str, a: tuple[str, int], b: tuple[str, int]) -> PlanDiff:
    """Diff of two saved versions (saved versions never change, so the pair is the key)."""
    from geo.output.store import diff_plans

    store = plans.get_store()
    # called from render() only after it found the store open
    return diff_plans(store.load(*a), store.load(*b))  # type: ignore[union-attr]  # see above


#: Time zone of the times shown in the plans tables (the store keeps UTC).
DISPLAY_TZ = "Asia/Shanghai"
#: Columns of store listings that hold ISO 8601 UTC times.
_TIME_COLUMNS = ("created", "updated")


def readable(df: pd.DataFrame) -> pd.DataFrame:
    """A store listing for people: times as ``YYYY-MM-DD HH:MM`` Beijing time (no seconds,
    no offset), empty cells instead of ``None`` / ``NaN`` in text columns."""
    out = df.copy()
    for col in _TIME_COLUMNS:
        if col in out.columns:
            times = pd.to_datetime(out[col], utc=True, errors="coerce", format="ISO8601")
            out[col] = times.dt.tz_convert(DISPLAY_TZ).dt.strftime("%Y-%m-%d %H:%M").fillna("")
    for col in out.columns:
        text = not pd.api.types.is_numeric_dtype(out[col]) and not pd.api.types.is_bool_dtype(
            out[col]
        )
        if text or out[col].isna().all():  # an all-empty column (no parent plan ...) reads as text
            out[col] = out[col].astype(object).where(out[col].notna(), "")
    return out


#: Figures of the diff tables -> i18n key of their name.
_FIGURES = {
    "households": "f_households",
    "party_members": "f_party_members",
    "residents": "f_residents",
    "n_units": "f_n_units",
    "polsby_popper": "f_polsby_popper",
    "grid_id": "f_grid_id",
    "metric": "col_metric",
    "change": "col_change",
}


def delta_labels(columns: Any, lang: str, a: int | str = "A", b: int | str = "B") -> dict[str, str]:
    """Readable names of a diff table's columns: ``households_a`` -> "户数（版本 3）",
    ``households_delta`` -> "户数（变化）"; bare ``a``, ``b``, ``delta`` likewise."""
    out = {}
    for col in map(str, columns):
        stem, _, side = col.rpartition("_")
        if col in ("a", "b", "delta"):
            stem, side = "", col
        if side in ("a", "b", "delta"):
            which = (
                t("diff_side_delta", lang)
                if side == "delta"
                else t("diff_side", lang, v=a if side == "a" else b)
            )
            name = t(_FIGURES[stem], lang) if stem in _FIGURES else stem
            out[col] = (
                f"{name}（{which}）"
                if (name and lang == "zh")
                else f"{name} ({which})"
                if name
                else which
            )
        elif col in _FIGURES:
            out[col] = t(_FIGURES[col], lang)
    return out


def versions_table(store: Store, name: str, lang: str) -> pd.DataFrame:
    """A plan's versions with translated headers."""
    v = readable(store.versions(name))
    cols = {
        "version": t("col_version", lang),
        "parent_plan": t("col_parent_plan", lang),
        "parent_version": t("col_parent_version", lang),
        "author": t("col_author", lang),
        "created": t("col_created", lang),
        "message": t("col_message", lang),
        "n_grids": t("m_grids", lang),
        "n_history": t("col_n_history", lang),
        "n_journal": t("col_n_journal", lang),
    }
    return pd.DataFrame(v[[c for c in cols if c in v.columns]]).rename(columns=cols)


def diff_map(
    disp_layers: Any,
    changed: Any,
    lang: str,
    *,
    basemap: str = "none",
    tile_url: str | None = None,
    static_base: str | None = None,
) -> Any:
    """The district map with the changed areas (``plans.diff_display`` frame) coloured by kind."""
    kw: dict[str, Any] = {"static_base": static_base} if static_base else {}
    overlays = []
    if len(changed):
        tooltip = {
            "grid_id": t("f_grid_id", lang),
            "change": t("col_change", lang),
            "area_m2": t("col_area_m2", lang),
        }
        overlays.append(
            polygon_group(
                shift_for_basemap(changed, basemap),
                name=t("diff_title", lang),
                tooltip=tooltip,
                color="#222222",
                colour_by=plans.CHANGE_COLOURS,
                colour_col="change",
                fill="#999999",
                fill_opacity=0.6,
                weight=1.5,
            )
        )
    # The changed areas go in through ``overlays``, before the layer switcher: added after it,
    # the map's script stops and its frame stays 0 px high (issue 15).
    return build_map(
        {**disp_layers, "estates": None},
        lang=lang,
        basemap=basemap,
        tile_url=tile_url,
        show_buildings=False,
        extra_legend=[(col, t(f"change_{k}", lang)) for k, col in plans.CHANGE_COLOURS.items()],
        overlays=overlays,
        **kw,
    )


def diff_view(ctx: Context, store: Store, name: str, versions: list[int]) -> None:
    """Pick two versions of ``name`` and show their differences on a map and in tables."""
    lang = ctx.lang
    st.subheader(t("diff_title", lang))
    if len(versions) < 2:
        st.caption(t("diff_needs_two", lang))
        return
    c = st.columns(2)
    va = c[0].selectbox(t("diff_from", lang), versions, index=len(versions) - 2, key="diff_a")
    vb = c[1].selectbox(t("diff_to", lang), versions, index=len(versions) - 1, key="diff_b")
    if va == vb:
        st.caption(t("diff_same", lang))
        return
    from geo.output.paths import default_store_target

    d = _diff(default_store_target(), (name, int(va)), (name, int(vb)))
    s = d.summary()
    m = st.columns(4)
    m[0].metric(t("diff_units_moved", lang), s["units_moved"])
    m[1].metric(t("diff_grids_changed", lang), len(d.grids_changed))
    m[2].metric(t("diff_grids_added", lang), len(d.grids_added))
    m[3].metric(t("diff_grids_removed", lang), len(d.grids_removed))
    base = diff_map(
        ctx.disp,
        plans.diff_display(d.changed_areas),
        lang,
        basemap=ctx.maps.basemap,
        tile_url=ctx.maps.tile_url,
        static_base=context.static_base(),
    )
    context.show_map(base, key=f"map_diff_{name}_{va}_{vb}")
    st.markdown(f"**{t('diff_moved_table', lang)}**")
    st.dataframe(
        d.moved.rename(
            columns={
                "unit_id": t("f_unit_id", lang),
                "from_grid": t("diff_from", lang),
                "to_grid": t("diff_to", lang),
            }
        ),
        hide_index=True,
        width="stretch",
    )
    st.markdown(f"**{t('diff_grids_table', lang)}**")
    st.dataframe(
        d.grid_deltas.rename(columns=delta_labels(d.grid_deltas.columns, lang, va, vb)),
        hide_index=True,
        width="stretch",
    )
    st.markdown(f"**{t('diff_metrics_table', lang)}**")
    metrics = d.metrics.copy()
    if "metric" in metrics.columns:
        metrics["metric"] = [
            t(f"metric_{m}", lang) if f"metric_{m}" in TEXT else m for m in metrics["metric"]
        ]
    st.dataframe(
        metrics.rename(columns=delta_labels(metrics.columns, lang, va, vb)),
        hide_index=True,
        width="stretch",
    )


def journal_options(store: Store, name: str, version: int) -> dict[str, int]:
    """``{journal: events}`` to open a version with: ``""`` (a fresh journal) first, then the
    journals kept on it (edits made on that version in other tabs or before a save)."""
    out = {"": 0}
    for j in store.sessions(name, version):
        out[j] = len(store.events(name, version, session=j))
    return out


def _open_clicked(ctx: Context, name: str, version: int, journal: str | None = None) -> None:
    try:
        plans.open_version(ctx.layers, ctx.key, name, version, journal=journal)
    except (GridplanError, ValueError) as exc:
        st.session_state["plan_message"] = ("error", error_text(exc, ctx.lang))
        return
    st.session_state["plan_message"] = ("opened", (name, version))


def render(ctx: Context) -> None:
    """Draw the plans tab."""
    lang = ctx.lang
    store = plans.get_store()
    if store is None:
        st.error(t("store_unavailable", lang, msg=st.session_state.get("store_error", "")))
        return
    st.caption(t("store_location", lang, where=store.describe()))
    msg = st.session_state.get("plan_message")
    if msg and msg[0] == "opened":
        st.session_state.pop("plan_message")
        st.success(t("plan_opened", lang, name=msg[1][0], version=msg[1][1]))
    plans.notices()
    plans.plan_bar(lang)
    listing = store.list()
    if listing.empty:
        st.info(t("no_saved_plans", lang))
        return
    st.subheader(t("saved_plans", lang))
    st.dataframe(
        readable(listing)
        .rename(
            columns={
                "name": t("store_plan_name", lang),
                "latest_version": t("col_version", lang),
                "n_versions": t("col_n_versions", lang),
                "author": t("col_author", lang),
                "created": t("col_created", lang),
                "updated": t("col_updated", lang),
                "updated_by": t("col_author", lang),
                "message": t("col_message", lang),
            }
        )
        .loc[:, lambda f: ~f.columns.duplicated()],
        hide_index=True,
        width="stretch",
    )
    names = list(listing["name"])
    current = (plans.open_plan() or {}).get("name")
    name = st.selectbox(
        t("store_plan_name", lang),
        names,
        index=names.index(current) if current in names else 0,
        key="pick_plan",
    )
    st.dataframe(versions_table(store, name, lang), hide_index=True, width="stretch")
    versions = [int(v) for v in store.versions(name)["version"]]
    c = st.columns([2, 3, 2], vertical_alignment="bottom")
    version = c[0].selectbox(
        t("col_version", lang), versions, index=len(versions) - 1, key="pick_version"
    )
    journals = journal_options(store, name, int(version))
    journal = c[1].selectbox(
        t("pick_journal", lang),
        list(journals),
        key="pick_journal",
        format_func=lambda j: (
            t("journal_new", lang) if not j else t("journal_item", lang, j=j, n=journals[j])
        ),
    )
    c[2].button(
        t("open_version", lang),
        key="btn_open_version",
        on_click=_open_clicked,
        args=(ctx, name, int(version), journal or None),
        width="stretch",
    )
    diff_view(ctx, store, name, versions)
    repair_view(ctx, store, name, int(version))


def _repair_map(ctx: Context, grids: Any, lang: str, title: str) -> Any:
    """The district map with ``grids`` coloured by their change in the repair."""
    kw: dict[str, Any] = {"static_base": context.static_base()} if context.static_base() else {}
    tooltip = {
        "grid_id": t("f_grid_id", lang),
        "households": t("rp_households", lang),
        "change": t("col_change", lang),
    }
    group = polygon_group(
        grids,
        name=title,
        tooltip=tooltip,
        color="#222222",
        colour_by=plans.REPAIR_COLOURS,
        colour_col="change",
        fill="#dddddd",
        fill_opacity=0.55,
        weight=1.0,
    )
    return build_map(  # the group before the layer switcher, as in :func:`diff_map`
        {**ctx.disp, "estates": None},
        lang=lang,
        basemap=ctx.maps.basemap,
        tile_url=ctx.maps.tile_url,
        show_buildings=False,
        extra_legend=[
            (col, t(f"rp_change_{k.replace(' ', '_')}", lang))
            for k, col in plans.REPAIR_COLOURS.items()
        ],
        overlays=[group],
        **kw,
    )


def repair_view(ctx: Context, store: Store, name: str, version: int) -> None:
    """Updated layers over a saved plan: the changes since it, the repair, before/after maps, save."""
    lang = ctx.lang
    st.subheader(t("rp_title", lang))
    st.caption(t("rp_help", lang))
    key = ("repair", ctx.key, name, version)
    if st.button(t("rp_run", lang), key="btn_repair_over"):
        try:
            st.session_state["repair_over"] = (
                key,
                plans.repair_over(ctx.layers, store.load(name, version)),
            )
        except (GridplanError, ValueError) as exc:
            st.error(t("error", lang, msg=error_text(exc, lang)))
            return
    held = st.session_state.get("repair_over")
    if not held or held[0] != key:
        return
    out = held[1]
    rep = out["repair"]
    m = st.columns(4)
    m[0].metric(t("rp_grids_data_changed", lang), len(out["changes"]))
    m[1].metric(t("rp_moved", lang), f"{rep.households_moved:.0f}")
    m[2].metric(t("rp_bound", lang), f"{rep.bound:.0f}")
    m[3].metric(
        t("rp_status", lang),
        t("rp_optimal", lang)
        if rep.status == "optimal"
        else t("rp_heuristic", lang, gap=100 * rep.gap),
    )
    st.markdown(f"**{t('rp_changes_since', lang)}**")
    st.dataframe(
        out["changes"].rename(
            columns={
                "grid_id": t("f_grid_id", lang),
                "households_before": t("rp_hh_before", lang),
                "households_after": t("rp_hh_after", lang),
            }
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(
        t(
            "rp_codes",
            lang,
            new=", ".join(rep.new_codes) or "-",
            retired=", ".join(rep.retired_codes) or "-",
        )
    )
    for item in rep.still_out:
        st.warning(f"{item['grid_id']}: {item['issue']} — {item['hint']}")
    c = st.columns(2)
    with c[0]:
        st.markdown(f"**{t('rp_before', lang)}**")
        context.show_map(
            _repair_map(ctx, out["before"], lang, t("rp_before", lang)),
            key=f"map_rp_a_{name}_{version}",
        )
    with c[1]:
        st.markdown(f"**{t('rp_after', lang)}**")
        context.show_map(
            _repair_map(ctx, out["after"], lang, t("rp_after", lang)),
            key=f"map_rp_b_{name}_{version}",
        )
    changed = pd.DataFrame([r for r in rep.grid_changes if r["change"] != "kept"])
    if len(changed):
        changed["change"] = [t(f"rp_change_{c.replace(' ', '_')}", lang) for c in changed["change"]]
        changed["into"] = [", ".join(v) for v in changed["into"]]
        st.dataframe(changed, hide_index=True, width="stretch")
    if st.button(t("rp_save", lang), key="btn_repair_save"):
        from geo.output.store import record_from_plan, repair_event

        report = rep.summary()["repair"]
        record = record_from_plan(
            rep.plan,
            name,
            events=[repair_event(report)],
            message=t("rp_message", lang, hh=rep.households_moved),
        )
        latest = store.latest_version(name)
        try:
            saved = store.save(record.replace(version=latest), expected_version=latest)
        except GridplanError as exc:
            st.error(t("plan_save_failed", lang, msg=str(exc)))
            return
        st.success(t("plan_saved", lang, name=saved.name, version=saved.version))
