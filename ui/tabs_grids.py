"""Grids tab: generate a plan, then fix it by hand on the map.

The editing map is the :mod:`ui.editmap` component: it holds the plan in the browser (units'
geometry and assignment once per plan), selects, hovers, paints with a brush and lassoes
there, and sends back only commands (move, merge, split, lock, unlock, undo, redo), answered
with deltas (:func:`ui.editmap.answer`). The panel below the map (a multiselect of units and
buttons) drives the same :class:`geo.grids.edits.PlanEditor`, so AppTest and keyboard users
cover the same code. ``GRIDPLAN_EDITOR=folium`` brings back the former folium editing map
(kept for the before/after figures of ``bench/bench_app.py``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.errors import EditError, GridplanError
from geo.settings import DEFAULT_MAX_HOUSEHOLDS, DEFAULT_MIN_HOUSEHOLDS
from ui import context, editmap, plans
from ui.context import Context
from ui.i18n import (
    community_reason_text,
    edit_error_text,
    error_text,
    issue_text,
    problem_line,
    reason_text,
    t,
    violation_text,
)
from ui.maps import build_map, plan_groups, plan_legend_entries, shift_for_basemap, to_display
from ui.state import (
    JOURNAL_QUEUE_KEY,
    SEL_KEY,
    JournalQueue,
    StateMapping,
    click_from_map,
    clicks_seen,
    toggle,
    unit_at,
    units_in_polygon,
)

if TYPE_CHECKING:
    from geo.data.schema import Layers
    from geo.grids.import_plan import ImportResult
    from geo.grids.params import GridParams
    from geo.grids.plan import Plan

MAP_KEY = "map_grids"
#: Session keys of the lazy expanders under the editing map (``True`` = open).
PANEL_KEY, TABLE_KEY = "em_more_open", "em_table_open"
#: Session key of the map's edits answered but not yet journaled (:func:`flush_journal`).
JOURNAL_KEY = JOURNAL_QUEUE_KEY
#: Environment variable choosing the editing map: ``component`` (default) or ``folium`` (former).
EDITOR_ENV = "GRIDPLAN_EDITOR"
#: Height of the editing map in CSS pixels (the component's panel sits beside it).
EDITMAP_HEIGHT_PX = 640
_EDITMAP = st.components.v2.component(
    "gridplan_editmap",
    css=editmap.asset("editmap.css"),
    js=editmap.asset("editmap.js"),
    isolate_styles=False,
)


# --------------------------------------------------------------------------- cached engine calls


def generate(
    layers: Layers, params: GridParams, progress: Callable[[int, int], None] | None = None
) -> Plan:
    """Grid every community of the dataset.

    Not cached on purpose: it reports progress to a page element, which a cached function
    cannot replay; the plan it returns lives in session state for the rest of the session.
    """
    from geo.grids.gridding import grid_communities

    return grid_communities(layers, params, progress=progress).plan


def _names(frame: pd.DataFrame | None, id_col: str) -> dict[str, str]:
    """``{id: name}`` of a layer's features with a non-empty ``name`` (empty without one)."""
    if frame is None or id_col not in frame.columns or "name" not in frame.columns:
        return {}
    names = frame["name"].where(frame["name"].notna(), "").astype(str).str.strip()
    return {str(i): n for i, n in zip(frame[id_col].astype(str), names, strict=True) if n}


def unit_code(unit_id: str, estate_id: str | None, building_id: str | None) -> str:
    """The short code of a unit shown beside its name: the estate code for a whole estate,
    ``…B017`` (the building code after its estate's prefix) for a building, ``…#2`` for a part
    of an estate."""
    uid, eid = str(unit_id), str(estate_id or "")
    if building_id is not None and pd.notna(building_id):
        bid = str(building_id)
        return f"…{bid[len(eid) :]}" if eid and bid.startswith(eid) and bid != eid else bid
    if eid and uid.startswith(eid) and uid != eid:
        return f"…{uid[len(eid) :]}"
    return uid


def unit_labels(units: pd.DataFrame, layers: Layers | None, lang: str) -> dict[str, str]:
    """``{unit_id: label}`` for people: the estate's name, then the building's name when the
    buildings layer has one, the code in brackets (e.g. ``阳光花园 3号楼（…B017）``).

    Parameters
    ----------
    units : DataFrame
        :attr:`geo.grids.units.UnitGraph.units` (index = ``unit_id``; ``estate_id``,
        ``building_id``).
    layers : Layers or None
        The dataset, for the ``name`` columns of ``estates`` and ``buildings``; ``None`` gives
        the unit ids.
    lang : {"zh", "en"}
        Bracket style.

    Returns
    -------
    dict of str to str
        A unit without an estate name keeps its id as its label.
    """
    ids = [str(u) for u in units.index]
    if layers is None or "estate_id" not in units.columns:
        return {u: u for u in ids}
    estates = _names(layers.estates, "estate_id")
    buildings = _names(layers.buildings, "building_id")
    bids = units["building_id"] if "building_id" in units.columns else [None] * len(ids)
    out: dict[str, str] = {}
    for uid, eid, bid in zip(ids, units["estate_id"], bids, strict=True):
        est = estates.get(str(eid)) if eid is not None and pd.notna(eid) else None
        if est is None:
            out[uid] = uid
            continue
        has_bid = bid is not None and pd.notna(bid)
        name = f"{est} {buildings[str(bid)]}" if has_bid and str(bid) in buildings else est
        code = unit_code(uid, str(eid), str(bid) if has_bid else None)
        out[uid] = f"{name}（{code}）" if lang == "zh" else f"{name} ({code})"
    return out


@st.cache_data(show_spinner=False, max_entries=8)
def units_display(_plan: Plan, units_key: str) -> gpd.GeoDataFrame:
    """Unit cells of a plan as a simplified WGS84 frame (cells never change with edits)."""
    units = _plan.units.units
    frame = units.reset_index(drop=True) if "unit_id" in units.columns else units.reset_index()
    return to_display(frame, columns=["unit_id", "community_id", "households", "party_members"])


@st.cache_resource(show_spinner=False, max_entries=4)
def unit_layer(_plan: Plan, _ctx: Context, units_key: str, basemap: str) -> dict[str, Any]:
    """The editing map's unit layer (:func:`ui.editmap.unit_layer`), built once per dataset,
    split threshold and basemap, and shared (never copied: the payload only reads it)."""
    names = editmap.unit_names(_plan.units.units, _ctx.layers.estates)
    return editmap.unit_layer(units_display(_plan, units_key), names, basemap)


def grids_display(plan: Plan, lang: str) -> gpd.GeoDataFrame:
    """The plan's grids as a WGS84 display frame with a short label (sequence, lock mark)."""
    g = plan.grids()
    g = g.reset_index(drop=True) if "grid_id" in g.columns else g.reset_index()
    disp = to_display(
        g,
        columns=[
            "grid_id",
            "community_id",
            "name",
            "households",
            "party_members",
            "in_band",
            "locked",
        ],
    )
    return disp.assign(
        label=[
            f"{gid[-3:]}{t('lock_mark', lang) if lk else ''}"
            for gid, lk in zip(disp["grid_id"], disp["locked"], strict=True)
        ]
    )


def plan_units(plan: Plan, units_disp: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Unit display frame with each unit's current grid id and name."""
    gid = units_disp["unit_id"].map(plan.assignment)
    return units_disp.assign(grid_id=gid, grid_name=gid.map(lambda g: plan.names.get(g, g)))


def units_key(ctx: Context, plan: Plan) -> str:
    """Cache key of a plan's units (dataset + the split threshold they were built with)."""
    return context.token(ctx.key, plan.units.max_households, len(plan.units.units))


# --------------------------------------------------------------------------- selection


def neighbour_grids(plan: Plan, unit_ids: list[str]) -> list[str]:
    """Grids adjacent to the selected units, other than their own, sorted."""
    own = {plan.assignment[u] for u in unit_ids}
    out = {plan.assignment[n] for u in unit_ids for n in plan.units.neighbors.get(u, ())}
    return sorted(out - own)


def grid_neighbours(plan: Plan, grid: str) -> list[str]:
    """Grids sharing a unit edge with ``grid``, sorted (the engine's :func:`geo.grids.graph.grid_neighbors`)."""
    from geo.grids.graph import grid_neighbors

    return sorted(grid_neighbors(grid, plan.members, plan.assignment, plan.units.neighbors))


def handle_map_event(
    value: Mapping[str, Any] | None, shown_units: gpd.GeoDataFrame, state: StateMapping
) -> None:
    """Apply a map click (toggle a unit) or a lasso (select the units inside) to the selection.

    ``shown_units`` is the unit frame exactly as drawn (after any display shift), so clicks
    and lassos are tested in the map's own coordinates.
    """
    if not value:
        return
    selection = list(state.get(SEL_KEY, []))
    drawing = value.get("last_active_drawing")
    if drawing and drawing != state.get("lasso_seen"):
        state["lasso_seen"] = drawing
        selection = units_in_polygon(shown_units, drawing)
    click = click_from_map(value, seen=state.get("click_seen"))
    state["click_seen"] = clicks_seen(value)
    if click is not None:
        hit = unit_at(shown_units, click[1], click[0])
        if hit is not None:
            selection = toggle(selection, hit)
    state[SEL_KEY] = selection


def _on_map_change() -> None:
    shown = st.session_state.get("_shown_units")
    if shown is not None:
        handle_map_event(st.session_state.get(MAP_KEY), shown, st.session_state)


# --------------------------------------------------------------------------- edits


def apply_edit(op: str, *, unit_labels: Mapping[str, str] | None = None, **kwargs: Any) -> None:
    """Run one editor operation, store the result or the refusal in session state.

    ``unit_labels`` (:func:`unit_labels`) names the units of a refusal by estate and building.
    """
    editor = st.session_state.get("editor")
    if editor is None:
        return
    flush_journal(st.session_state, wait=True)  # the map's edits first, in order
    try:
        result = getattr(editor, op)(**kwargs)
    except (EditError, GridplanError, ValueError) as exc:
        st.session_state["last_edit"] = {
            "op": op,
            "error": edit_error_text(exc, st.session_state.get("lang", "zh"), unit_labels),
        }
        return
    st.session_state["plan"] = result.plan
    st.session_state["last_edit"] = {
        "op": op,
        "touched": list(result.touched),
        "violations": list(result.violations),
    }
    journal_error = plans.journal_last_edit(editor)
    if journal_error:
        st.session_state["last_edit"]["journal_error"] = journal_error
    if st.session_state.get(editmap.EPOCH):
        editmap.record_result(
            st.session_state,
            editor,
            result,
            st.session_state.get("_em_basemap", "none"),
            st.session_state.get("lang", "zh"),
        )
    alive = set(result.plan.assignment)
    st.session_state[SEL_KEY] = [u for u in st.session_state.get(SEL_KEY, []) if u in alive]
    for key in ("staffing",):
        st.session_state.pop(key, None)


def _move(labels: Mapping[str, str] | None = None) -> None:
    apply_edit(
        "move",
        unit_labels=labels,
        unit_ids=list(st.session_state.get(SEL_KEY, [])),
        to_grid=st.session_state.get("move_to"),
    )


def _grid_op(op: str) -> Callable[[], None]:
    def run() -> None:
        grid = st.session_state.get("edit_grid")
        if op == "merge":
            apply_edit("merge", a=grid, b=st.session_state.get("merge_with"))
        elif op == "split":
            apply_edit("split", grid=grid, k=int(st.session_state.get("split_k", 2)))
        elif op == "rename":
            apply_edit("rename", grid=grid, name=st.session_state.get("new_name", "").strip())
        else:
            apply_edit(op, grids=grid)

    return run


def _plain(op: str) -> Callable[[], None]:
    return lambda: apply_edit(op)


def start_plan(plan: Plan) -> None:
    """Make ``plan`` the current plan with a fresh editor (undo history starts here)."""
    from geo.grids.edits import PlanEditor

    context.session().start_plan(plan, PlanEditor(plan))


def start_saved_plan(plan: Plan, lang: str, message: str, name: str | None = None) -> None:
    """:func:`start_plan`, then save it in the plan store (its edits are journaled on that version).

    ``name`` defaults to the plan-name box (see :func:`ui.plans.save_new_plan`).
    """
    start_plan(plan)
    plans.save_new_plan(plan, lang, name=name, message=message)


# --------------------------------------------------------------------------- widgets


def params_form(ctx: Context) -> None:
    """Parameters and the generate button."""
    from geo.grids.params import Balance, GridParams, SizeBy

    lang = ctx.lang
    size_options: tuple[SizeBy, ...] = ("households", "party_members")
    balance_options: tuple[Balance, ...] = ("party_members", "households", "load")
    with st.expander(t("generate", lang), expanded="plan" not in st.session_state):
        c = st.columns(5)
        lo = c[0].number_input(
            t("min_households", lang), 1, 5000, DEFAULT_MIN_HOUSEHOLDS, 10, key="g_min"
        )
        hi = c[1].number_input(
            t("max_households", lang), 1, 5000, DEFAULT_MAX_HOUSEHOLDS, 10, key="g_max"
        )
        size_by = c[2].selectbox(
            t("size_by", lang),
            size_options,
            key="g_size",
            format_func=lambda v: t(f"opt_{v}", lang),
        )
        balance = c[3].selectbox(
            t("balance", lang),
            balance_options,
            key="g_bal",
            format_func=lambda v: t(f"opt_{v}", lang),
        )
        seed = c[4].number_input(t("seed", lang), 0, 10_000, 0, 1, key="g_seed")
        row = st.columns([4, 1], vertical_alignment="bottom")
        with row[0]:
            plans.name_input(lang)
        if row[1].button(t("generate", lang), key="generate", type="primary", width="stretch"):
            try:
                params = GridParams(
                    min_households=int(lo),
                    max_households=int(hi),
                    size_by=size_by,
                    balance=balance,
                    seed=int(seed),
                )
            except (GridplanError, ValueError) as exc:
                st.error(t("error", lang, msg=error_text(exc, lang)))
                return
            bar = st.progress(0.0, text=t("generating", lang))

            def progress(done: int, total: int) -> None:
                bar.progress(done / max(total, 1), text=f"{t('generating', lang)} {done}/{total}")

            plan = generate(ctx.layers, params, progress)
            bar.empty()
            st.success(t("generated", lang, n=len(set(plan.assignment.values()))))
            start_saved_plan(plan, lang, "generated")


def _keep_valid(key: str, options: list[str]) -> None:
    """Keep a selectbox's value among its (changing) options: the first one otherwise."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = options[0] if options else None


def import_in_force(
    layers: Layers,
    file_name: str,
    data: bytes,
    datum: str,
    params: GridParams,
    *,
    id_field: str = "grid_id",
    name_field: str = "name",
) -> ImportResult:
    """Read an uploaded grid layer and import it as a plan on the dataset's units.

    Returns :class:`geo.grids.import_plan.ImportResult`. The file is read by the engine's
    :func:`geo.data.io.read_upload` (the CLI's :func:`~geo.data.io.read_layer` path: same checks,
    datum conversion and messages). Raises ``ValidationError`` for the caller to show.
    """
    from geo.data.io import read_upload
    from geo.grids.import_plan import import_plan_layers

    grid_layer = read_upload(data, file_name, "other_grids", datum=datum)
    return import_plan_layers(
        layers, grid_layer, id_field=id_field, name_field=name_field, params=params
    )


def plan_in_force_form(ctx: Context) -> None:
    """Upload the plan in force, import it (scored), and repair it."""
    from geo.grids.params import GridParams
    from geo.settings import DATUMS

    lang = ctx.lang
    with st.expander(t("plan_in_force", lang)):
        up = st.file_uploader(
            t("plan_file", lang), type=["geojson", "json", "gpkg", "zip"], key="plan_up"
        )
        c = st.columns(3)
        datum = c[0].selectbox(
            t("datum", lang), DATUMS, key="plan_datum", help=t("datum_help", lang)
        )
        id_field = c[1].text_input(t("id_field", lang), "grid_id", key="plan_id_field")
        name_field = c[2].text_input(t("name_field", lang), "name", key="plan_name_field")
        if (
            st.button(t("import_plan", lang), key="import_plan", disabled=up is None)
            and up is not None
        ):
            try:
                params = GridParams(
                    min_households=int(st.session_state.get("g_min", DEFAULT_MIN_HOUSEHOLDS)),
                    max_households=int(st.session_state.get("g_max", DEFAULT_MAX_HOUSEHOLDS)),
                )
                res = import_in_force(
                    ctx.layers,
                    up.name,
                    up.getvalue(),
                    datum,
                    params,
                    id_field=id_field,
                    name_field=name_field,
                )
            except (GridplanError, ValueError, OSError) as exc:
                st.error(t("error", lang, msg=error_text(exc, lang)))
                return
            stem = up.name.rsplit(".", 1)[0] or "plan"
            start_saved_plan(
                res.plan,
                lang,
                f"imported from {up.name}",
                name=f"{stem}-{plans.default_plan_name().removeprefix('plan-')}",
            )
            st.success(
                t(
                    "imported",
                    lang,
                    n=len(set(res.plan.assignment.values())),
                    cut=len(res.cut_units),
                    absorbed=len(res.absorbed),
                )
            )
            for p in res.problems:
                st.warning(problem_line(p, lang))
        if "plan" in st.session_state:
            unlock = st.checkbox(t("repair_unlock_neighbours", lang), key="repair_nb")
            if st.button(t("repair", lang), key="repair"):
                from geo.grids.repair import repair_plan

                rep = repair_plan(
                    st.session_state["plan"], unlocked="neighbours" if unlock else None
                )
                start_saved_plan(
                    rep.plan, lang, "repaired", name=(plans.open_plan() or {}).get("name")
                )
                st.success(
                    t(
                        "repaired",
                        lang,
                        fixed=len(rep.fixed),
                        moves=len(rep.moves),
                        hh=rep.households_moved,
                        out=len(rep.still_out),
                    )
                )
                if len(rep.moves):
                    st.dataframe(rep.moves, hide_index=True, width="stretch")


def edit_panel(plan: Plan, lang: str, layers: Layers | None = None) -> None:
    """Selection, move, grid operations, undo/redo/re-optimise.

    Units are listed by estate and building name (:func:`unit_labels`, from ``layers``), codes
    in brackets.
    """
    editor = st.session_state["editor"]
    unit_ids = sorted(plan.assignment)
    labels = unit_labels(plan.units.units, layers, lang)
    st.session_state[SEL_KEY] = [
        u for u in st.session_state.get(SEL_KEY, []) if u in plan.assignment
    ]
    selected = st.multiselect(
        t("select_unit", lang),
        unit_ids,
        key=SEL_KEY,
        placeholder=t("placeholder_choose", lang),
        format_func=lambda u: labels.get(u, u),
    )
    st.caption(t("lasso_hint", lang))
    targets = neighbour_grids(plan, selected) if selected else []
    _keep_valid("move_to", targets)
    c1, c2 = st.columns([3, 2])
    c1.selectbox(
        t("target_grid", lang),
        targets,
        key="move_to",
        placeholder=t("placeholder_choose" if targets else "placeholder_none", lang),
        format_func=lambda g: f"{plan.names.get(g, g)} ({g[-3:]})",
    )
    c2.button(
        t("move", lang),
        key="btn_move",
        on_click=_move,
        args=(labels,),
        disabled=not (selected and targets),
        width="stretch",
    )
    grids = sorted(set(plan.assignment.values()))
    default = plan.assignment[selected[0]] if selected else grids[0]
    if st.session_state.get("edit_grid") not in grids or (
        selected and st.session_state.get("_sel_for_grid") != selected
    ):
        st.session_state["edit_grid"] = default
        st.session_state["_sel_for_grid"] = selected
    grid = st.selectbox(
        t("grid_to_edit", lang),
        grids,
        key="edit_grid",
        format_func=lambda g: f"{plan.names.get(g, g)} ({g})",
    )
    b = st.columns(3)
    locked = grid in plan.locked
    b[0].button(
        t("unlock" if locked else "lock", lang),
        key="btn_lock",
        width="stretch",
        on_click=_grid_op("unlock" if locked else "lock"),
    )
    b[1].number_input(t("split_k", lang), 2, 6, 2, key="split_k", label_visibility="collapsed")
    b[2].button(t("split", lang), key="btn_split", on_click=_grid_op("split"), width="stretch")
    m = st.columns([3, 2])
    merge_opts = grid_neighbours(plan, grid)
    _keep_valid("merge_with", merge_opts)
    m[0].selectbox(
        t("merge_with", lang),
        merge_opts,
        key="merge_with",
        format_func=lambda g: f"{plan.names.get(g, g)} ({g[-3:]})",
    )
    m[1].button(
        t("merge", lang),
        key="btn_merge",
        on_click=_grid_op("merge"),
        disabled=not merge_opts,
        width="stretch",
    )
    r = st.columns([3, 2])
    r[0].text_input(t("new_name", lang), key="new_name", placeholder=plan.names.get(grid, grid))
    r[1].button(t("rename", lang), key="btn_rename", on_click=_grid_op("rename"), width="stretch")
    u = st.columns(3)
    u[0].button(
        t("undo", lang),
        key="btn_undo",
        on_click=_plain("undo"),
        disabled=not editor.can_undo,
        width="stretch",
    )
    u[1].button(
        t("redo", lang),
        key="btn_redo",
        on_click=_plain("redo"),
        disabled=not editor.can_redo,
        width="stretch",
    )
    u[2].button(
        t("reoptimise", lang), key="btn_reopt", on_click=_plain("reoptimise"), width="stretch"
    )


def grid_names_text(grid_ids: Sequence[str], plan: Plan | None, lang: str) -> str:
    """Grids for people: ``name（code）`` (``name (code)`` in English), the code alone for a grid
    the plan no longer has (merged away) or that has no name of its own."""
    names = plan.names if plan is not None else {}
    out = []
    for g in grid_ids:
        name = names.get(g)
        if not name or name == g:
            out.append(str(g))
        else:
            out.append(f"{name}（{g}）" if lang == "zh" else f"{name} ({g})")
    return ("、" if lang == "zh" else ", ").join(out)


def last_edit_message(lang: str) -> None:
    """Say what the last edit did and which rules it broke."""
    last = st.session_state.get("last_edit")
    if not last:
        return
    op = (
        t(last["op"], lang)
        if last["op"]
        in ("move", "merge", "split", "lock", "unlock", "rename", "undo", "redo", "reoptimise")
        else last["op"]
    )
    if "error" in last:
        st.error(t("edit_refused", lang, msg=last["error"]))
        return
    plan = st.session_state.get("plan")
    st.success(
        t("edit_done", lang, op=op, grids=grid_names_text(last["touched"], plan, lang) or "—")
    )
    if last.get("journal_error"):
        st.warning(t("journal_failed", lang, msg=last["journal_error"]))
    if last["violations"]:
        st.warning(
            t("violations", lang)
            + "\n\n"
            + "\n".join(
                f"- {violation_text(v, lang, plan.names if plan is not None else None)}"
                for v in last["violations"]
            )
        )
    else:
        st.caption(t("no_violations", lang))


def metrics_panel(plan: Plan, lang: str, layers: Layers | None = None) -> None:
    """Plan-wide figures and the per-grid table."""
    figures_row(plan, lang)
    metrics_details(plan, lang, layers)


def metrics_details(plan: Any, lang: str, layers: Layers | None = None) -> None:
    """Infeasible communities, grids outside the band or too thin, and the per-grid table."""
    s = plan.summary()
    g = plan.grids()
    infeasible = s.get("infeasible_communities") or []
    cnames = _names(layers.communities if layers is not None else None, "community_id")
    ulabels = unit_labels(plan.units.units, layers, lang) if layers is not None else None
    unit_notes = list(getattr(plan.units, "problems", ()))
    if unit_notes:  # how the units were made: estates split, parts linked (engine warnings)
        with st.expander(t("unit_notes", lang, n=len(unit_notes))):
            for p in unit_notes:
                st.warning(problem_line(p, lang))
    if infeasible:
        with st.expander(t("infeasible_report", lang)):
            frame = pd.DataFrame(
                {
                    t("f_community", lang): [
                        cnames.get(r["community_id"], r["community_id"]) for r in infeasible
                    ],
                    t("col_community_code", lang): [r["community_id"] for r in infeasible],
                    t("f_reason", lang): [
                        "；".join(community_reason_text(x, lang) for x in r["reasons"])
                        if lang == "zh"
                        else "; ".join(r["reasons"])
                        for r in infeasible
                    ],
                }
            )
            st.dataframe(frame, hide_index=True, width="stretch")
    reasons_panel(
        s,
        lang,
        unit_labels=ulabels,
        community_names=cnames,
        grid_names=dict(plan.names),
    )
    st.subheader(t("grid_table", lang))
    table = g.reset_index(drop="grid_id" in g.columns)
    cols = [
        c
        for c in (
            "grid_id",
            "name",
            "community_id",
            "households",
            "party_members",
            "n_units",
            "dev_pct",
            "polsby_popper",
            "contiguous",
            "in_band",
            "locked",
            "issue",
            "band_reason",
        )
        if c in table.columns
    ]
    labels = {
        "polsby_popper": t("f_polsby_popper", lang),
        "grid_id": t("f_grid_id", lang),
        "name": t("f_grid", lang),
        "community_id": t("f_community", lang),
        "households": t("f_households", lang),
        "party_members": t("f_party_members", lang),
        "n_units": t("f_n_units", lang),
        "dev_pct": t("f_dev_pct", lang),
        "contiguous": t("f_contiguous", lang),
        "in_band": t("f_in_band", lang),
        "locked": t("f_locked", lang),
        "issue": t("f_issue", lang),
        "band_reason": t("f_reason", lang),
    }
    shown = pd.DataFrame(table[cols])
    if "issue" in shown.columns:
        shown["issue"] = [issue_text(str(i), lang) for i in shown["issue"].fillna("")]
    if "band_reason" in shown.columns:  # why a grid is outside the band, in words (codes)
        shown["band_reason"] = [
            reason_text(str(r), lang, ulabels) for r in shown["band_reason"].fillna("")
        ]
    st.dataframe(shown.rename(columns=labels), hide_index=True, width="stretch")


def reasons_table(
    summary: dict[str, Any],
    lang: str,
    *,
    unit_labels: Mapping[str, str] | None = None,
    community_names: Mapping[str, str] | None = None,
    grid_names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Every grid outside the band with its reason in ``lang`` (through its codes,
    :func:`ui.i18n.reason_text`), grids and communities by name when given, codes beside."""
    rows = summary.get("out_of_band") or []
    cn, gn = community_names or {}, grid_names or {}
    return pd.DataFrame(
        {
            t("f_grid", lang): [gn.get(r["grid_id"], r["grid_id"]) for r in rows],
            t("f_grid_id", lang): [r["grid_id"] for r in rows],
            t("f_community", lang): [cn.get(r["community_id"], r["community_id"]) for r in rows],
            t("f_households", lang): [r["size"] for r in rows],
            t("f_reason_kind", lang): [t(f"reason_{r['kind']}", lang) for r in rows],
            t("f_reason", lang): [reason_text(r["reason"], lang, unit_labels) for r in rows],
        }
    )


def reasons_panel(
    summary: dict[str, Any],
    lang: str,
    *,
    unit_labels: Mapping[str, str] | None = None,
    community_names: Mapping[str, str] | None = None,
    grid_names: Mapping[str, str] | None = None,
) -> None:
    """List every out-of-band grid, and every too-thin grid, with its reason in ``lang``."""
    bad = summary.get("out_of_band") or []
    if bad:
        with st.expander(t("out_of_band_report", lang, n=len(bad))):
            table = reasons_table(
                summary,
                lang,
                unit_labels=unit_labels,
                community_names=community_names,
                grid_names=grid_names,
            )
            st.dataframe(table, hide_index=True, width="stretch")
    thin = summary.get("low_compactness") or []
    if thin:
        gn = grid_names or {}
        with st.expander(t("low_pp_report", lang, n=len(thin))):
            st.dataframe(
                pd.DataFrame(
                    {
                        t("f_grid", lang): [gn.get(r["grid_id"], r["grid_id"]) for r in thin],
                        t("f_grid_id", lang): [r["grid_id"] for r in thin],
                        t("f_reason", lang): [reason_text(r["reason"], lang) for r in thin],
                    }
                ),
                hide_index=True,
                width="stretch",
            )


def render(ctx: Context) -> None:
    """Draw the grids tab."""
    lang = ctx.lang
    params_form(ctx)
    plan_in_force_form(ctx)
    plans.notices()
    if st.session_state.get("plan") is None:
        st.info(t("no_plan_yet", lang))
        return
    editor_view(ctx)


def _map_trigger(name: str) -> Any:
    value = st.session_state.get(editmap.KEY)
    return value.get(name) if isinstance(value, Mapping) else None


def _on_map_cmd() -> None:
    """Answer a command of the editing map (runs before the fragment redraws)."""
    editor = st.session_state.get("editor")
    if editor is None:
        return
    flush_journal(st.session_state)  # an earlier edit whose run was cut short by this one
    lang = st.session_state.get("_em_lang", "zh")
    delta = editmap.answer(
        st.session_state,
        editor,
        _map_trigger("cmd"),
        st.session_state.get("_em_basemap", "none"),
        lang,
        st.session_state.get("_em_unit_labels"),
    )
    if delta is not None and delta["ok"]:
        # the delta goes to the browser first; the fragment journals the edit after the map
        # (flush_journal), so a crash in between loses at most this one edit
        target = plans.open_plan()
        if target is not None:
            journal_queue(st.session_state).put(target, editor.events[-1])
        st.session_state.pop("staffing", None)


def journal_queue(state: StateMapping) -> JournalQueue:
    """The session's :class:`ui.state.JournalQueue` (made on first use)."""
    q = state.get(JOURNAL_KEY)
    if not isinstance(q, JournalQueue):
        q = state[JOURNAL_KEY] = JournalQueue()
    return q


def flush_journal(state: StateMapping, *, wait: bool = False) -> str | None:
    """Journal the map's edits answered but not yet written, oldest first; the last error text.

    :func:`_on_map_cmd` queues each accepted edit's event (with the version and journal open
    at the time, so a *Save* in between does not move it) instead of writing it; the fragment
    sends the delta to the browser first and then hands the queue to the journal's writer
    thread (:meth:`ui.state.JournalQueue.flush`). ``wait`` (before an edit of the panel, which
    journals at once) waits for the queue to be written, so the journal keeps the edits' order.
    """
    q = journal_queue(state)
    if not q.pending:
        return q.error
    store = plans.get_store()
    if store is None:
        return str(state.get("store_error", "no store"))
    return q.flush(store, wait=wait)


def _on_map_need_full() -> None:
    st.session_state[editmap.NEED_FULL] = True


def editmap_data(ctx: Context, plan: Plan) -> dict[str, Any]:
    """The component's data for this run: the full plan once per epoch, else the last delta."""
    state = st.session_state
    editor = state["editor"]
    basemap = ctx.maps.basemap
    epoch = f"{ctx.key}:{id(editor)}:{basemap}"
    if state.get(editmap.EPOCH) != epoch:
        state[editmap.EPOCH] = epoch
        state[editmap.REV] = 0
        state[editmap.DELTA] = None
        state[editmap.COLOURS] = editmap.initial_colours(plan)
    state["_em_basemap"] = basemap
    if state.get("_em_labels_for") != (epoch, ctx.lang):  # units are named once per plan
        state["_em_unit_labels"] = unit_labels(plan.units.units, ctx.layers, ctx.lang)
        state["_em_labels_for"] = (epoch, ctx.lang)
    state["_em_lang"] = ctx.lang
    full = None
    if state.get(editmap.SENT) != epoch or state.get(editmap.NEED_FULL):
        t0 = editmap.now_ms()
        layer = unit_layer(plan, ctx, units_key(ctx, plan), basemap)
        full = editmap.full_payload(plan, layer, state[editmap.COLOURS], basemap)
        full["built_ms"] = round(editmap.now_ms() - t0, 1)
        state[editmap.SENT] = epoch
        state[editmap.NEED_FULL] = False
    delta = state.get(editmap.DELTA)
    rev = int(state.get(editmap.REV, 0))
    tiles = None
    if ctx.maps.basemap != "none":
        from ui.maps import TILES

        url, attribution = TILES.get(basemap, (ctx.maps.tile_url or "", ""))
        tiles = {
            "url": ctx.maps.tile_url or url,
            "attribution": attribution,
            "subdomains": "1234" if basemap == "amap" else "abc",
        }
    delta = delta if delta and delta.get("rev") == rev else None
    if delta is not None and "timing" in delta:
        delta["timing"] |= {"frag": state.get("_em_frag_t0"), "sent": editmap.now_ms()}
    return {
        "epoch": epoch,
        "rev": rev,
        "dataset": ctx.key,
        "full": full,
        "delta": delta,
        "can_undo": editor.can_undo,
        "can_redo": editor.can_redo,
        "text": editmap.texts(ctx.lang),
        "static": context.static_base(),
        "tiles": tiles,
        "height": EDITMAP_HEIGHT_PX,
    }


def editmap_view(ctx: Context, plan: Plan) -> None:
    """The editing map component (map and its panel side by side, full width)."""
    _EDITMAP(
        key=editmap.KEY,
        data=editmap_data(ctx, plan),
        on_cmd_change=_on_map_cmd,
        on_need_full_change=_on_map_need_full,
        height=EDITMAP_HEIGHT_PX + 4,
    )


def figures_row(plan: Any, lang: str) -> None:
    """The plan-wide figures (grids, share in the band, worst deviation, mean Polsby-Popper)."""
    g = plan.grids()
    c = st.columns(4)
    c[0].metric(t("m_grids", lang), f"{len(g):,}")
    c[1].metric(t("m_in_band", lang), f"{100 * float(g['in_band'].mean()):.0f}%")
    c[2].metric("max |d| %", f"{float(g['dev_pct'].abs().max()):.1f}")
    c[3].metric("Polsby-Popper", f"{float(g['polsby_popper'].mean()):.2f}")


def lazy_expander(label: str, key: str) -> Any:
    """An expander whose body runs only while it is open (``None`` when closed).

    Its open state is the session-state value ``key`` (``True`` opens it, also in AppTest).
    """
    box = st.expander(label, key=key, on_change="rerun")
    return box if box.open else None


@st.fragment
def editor_view(ctx: Context) -> None:
    """Map, edit tools and metrics; an edit reruns only this fragment, not the whole page.

    With the editing map (the default), a map command reruns this fragment, so everything in
    it is light: the map (which receives only the delta), the last edit's message, the plan
    bar and the plan-wide figures. The unit picker and the per-grid table, the heavy parts,
    are built only while their expanders are open (:data:`PANEL_KEY`, :data:`TABLE_KEY`).
    """
    lang = ctx.lang
    plan = st.session_state["plan"]
    if os.environ.get(EDITOR_ENV, "component") != "folium":
        st.session_state["_em_frag_t0"] = editmap.now_ms()
        editmap_view(ctx, plan)
        left, right = st.columns([3, 2])
        with left:
            last_edit_message(lang)
            journal_note = st.empty()
        with right:
            plans.plan_bar(lang)
        figures_row(plan, lang)
        more = lazy_expander(t("em_panel_more", lang), PANEL_KEY)
        if more is not None:
            with more:
                edit_panel(plan, lang, ctx.layers)
        table = lazy_expander(t("grid_table", lang), TABLE_KEY)
        if table is not None:
            with table:
                metrics_details(plan, lang, ctx.layers)
        journal_error = flush_journal(st.session_state)  # after the delta has left
        if journal_error:
            journal_note.warning(t("journal_failed", lang, msg=journal_error))
        return
    udisp = plan_units(plan, units_display(plan, units_key(ctx, plan)))
    gdisp = grids_display(plan, lang)
    shown_units = shift_for_basemap(udisp, ctx.maps.basemap)
    st.session_state["_shown_units"] = shown_units
    left, right = st.columns([3, 2])
    with left:
        base = build_map(
            {**ctx.disp, "estates": None},
            lang=lang,
            basemap=ctx.maps.basemap,
            tile_url=ctx.maps.tile_url,
            show_buildings=ctx.maps.show_buildings,
            lasso=True,
            static_base=context.static_base(),
            extra_legend=plan_legend_entries(lang),
            unit_outlines=units_display(plan, units_key(ctx, plan)),
        )
        groups = plan_groups(
            shift_for_basemap(gdisp, ctx.maps.basemap),
            shown_units,
            st.session_state.get(SEL_KEY, []),
            lang,
            fill_units=False,
        )
        from streamlit_folium import st_folium

        st_folium(
            base,
            key=MAP_KEY,
            height=context.MAP_HEIGHT_PX,
            use_container_width=True,
            feature_group_to_add=groups,
            on_change=_on_map_change,
            returned_objects=["last_clicked", "last_object_clicked", "last_active_drawing"],
        )
    with right:
        plans.plan_bar(lang)
        edit_panel(plan, lang, ctx.layers)
        last_edit_message(lang)
    metrics_panel(plan, lang, ctx.layers)
