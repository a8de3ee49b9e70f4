"""The plan store in the app: the open plan, its journal, saving, resuming after a refresh.

Streamlit forgets ``session_state`` on a browser refresh or a server restart. The open plan is
therefore remembered in the page URL (``?plan=NAME&v=VERSION&s=JOURNAL``, ``st.query_params``):
the URL survives both a refresh and a server restart, and two browser tabs keep two plans
open side by side. Every edit is appended to the store's journal of that version under the
``s`` journal name as it happens (:meth:`geo.output.store.Store.append_event`); a new session that
finds the three parameters in its URL reopens the plan with :func:`geo.output.store.resume_editor`,
which replays the journal: same plan, same undo/redo history.

A plan is saved (a version) as soon as it exists: *Generate grids*, *Import* and *Repair*
save the new plan under the name typed above them (a new plan, or the next version of an
existing plan of that name), so every later edit has a version to be journaled against.

The functions below that take no streamlit widgets (:func:`split_estates`,
:func:`build_record_units`, :func:`new_journal`, :func:`default_plan_name`,
:func:`diff_display`) are plain and tested directly.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.errors import GridplanError
from geo.settings import DEFAULT_MAX_HOUSEHOLDS
from ui.i18n import error_text, t
from ui.state import JOURNAL_QUEUE_KEY, JournalQueue, Session

if TYPE_CHECKING:
    from geo.data.schema import Layers
    from geo.grids.edits import PlanEditor
    from geo.grids.plan import Plan
    from geo.grids.units import UnitGraph
    from geo.output.store import PlanRecord, Store

#: URL query parameters that name the open plan, its version and the journal of this tab.
QP_PLAN, QP_VERSION, QP_JOURNAL = "plan", "v", "s"
#: Session key of the open plan: ``{"name", "version", "journal"}``.
OPEN_KEY = "open_plan"
#: Session key of the note box: the note saved with the next version (the store's ``message``).
NOTE_KEY = "save_note"
#: Session key of the last save refused by a conflict (the message).
CONFLICT_KEY = "plan_conflict"
#: Text input with the name new plans are saved under.
NAME_KEY = "store_plan_name"
#: Colours of the diff map by change kind.
CHANGE_COLOURS = {"added": "#1a9850", "gained": "#91cf60", "lost": "#fc8d59", "removed": "#d73027"}


# --------------------------------------------------------------------------- plain helpers


def default_plan_name(now: dt.datetime | None = None) -> str:
    """A dated default plan name, ``plan-YYYY-MM-DD-HHMM`` (local time)."""
    now = now or dt.datetime.now()
    return f"plan-{now:%Y-%m-%d-%H%M}"


def new_journal() -> str:
    """A fresh journal name for one browser tab (12 hex digits)."""
    return uuid.uuid4().hex[:12]


def split_estates(unit_ids: Iterable[str]) -> tuple[str, ...]:
    """Estates whose units are buildings: :func:`geo.grids.import_plan.building_split_estates`."""
    from geo.grids.import_plan import building_split_estates

    return building_split_estates(unit_ids)


def build_record_units(
    layers: Layers, max_households: int, split: tuple[str, ...] = ()
) -> UnitGraph:
    """The units with ``split`` estates cut into buildings:
    :func:`geo.grids.import_plan.units_split_by_buildings` (the engine's one recipe)."""
    from geo.grids.import_plan import units_split_by_buildings

    return units_split_by_buildings(layers, max_households, split)


def diff_display(changed_areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The diff's changed areas as a WGS84 display frame with a colour per change kind."""
    from ui.maps import to_display

    if len(changed_areas) == 0:
        return gpd.GeoDataFrame(
            {"grid_id": [], "change": [], "area_m2": [], "colour": []}, geometry=[], crs="EPSG:4326"
        )
    disp = to_display(
        changed_areas.reset_index(drop=True), columns=["grid_id", "change", "area_m2"]
    )
    return disp.assign(
        area_m2=disp["area_m2"].round(0),
        colour=disp["change"].map(CHANGE_COLOURS).fillna("#999999"),
    )


# --------------------------------------------------------------------------- store and units


@st.cache_resource(show_spinner=False, max_entries=4)
def _store(target: str) -> Store:
    from geo.output.store import open_store

    return open_store(target)


def get_store() -> Store | None:
    """The plan store (``GRIDPLAN_STORE`` or the per-user file), opened once per process.

    Returns ``None`` (and remembers the reason in ``store_error``) when it cannot be opened.
    """
    from geo.output.paths import default_store_target

    try:
        store = _store(default_store_target())
    except GridplanError as exc:
        st.session_state["store_error"] = str(exc)
        return None
    st.session_state.pop("store_error", None)
    return store


@st.cache_resource(show_spinner=False, max_entries=8)
def _units(
    _layers: Layers,
    dataset_key: str,
    max_households: int,
    ids_digest: str,
    _unit_ids: tuple[str, ...],
) -> UnitGraph:
    from geo.grids.import_plan import units_for_plan

    return units_for_plan(_layers, _unit_ids, max_households)


def units_for_record(layers: Layers, dataset_key: str, record: PlanRecord) -> UnitGraph:
    """The units ``record`` was made on: :func:`geo.grids.import_plan.units_for_plan`, cached
    per dataset, ``max_households`` and set of unit ids."""
    mh = int(dict(record.params).get("max_households") or DEFAULT_MAX_HOUSEHOLDS)
    ids = tuple(sorted(str(u) for u in record.assignment))
    digest = hashlib.sha256("\n".join(ids).encode("utf-8")).hexdigest()
    return _units(layers, dataset_key, mh, digest, ids)


# --------------------------------------------------------------------------- the open plan


def open_plan() -> dict[str, Any] | None:
    """``{"name", "version", "journal"}`` of the plan open in this session, if any."""
    return st.session_state.get(OPEN_KEY)


def remember(name: str, version: int, journal: str) -> None:
    """Make ``name`` ``version`` the open plan, in the session and in the page URL."""
    st.session_state[OPEN_KEY] = {"name": name, "version": int(version), "journal": journal}
    st.session_state.pop(CONFLICT_KEY, None)
    st.query_params.update({QP_PLAN: name, QP_VERSION: str(int(version)), QP_JOURNAL: journal})


def forget() -> None:
    """No plan is open (the dataset changed): drop it from the session and the URL."""
    st.session_state.pop(OPEN_KEY, None)
    for k in (QP_PLAN, QP_VERSION, QP_JOURNAL):
        st.query_params.pop(k, None)


def _set_editor(plan: Plan, editor: PlanEditor) -> None:
    Session(st.session_state).start_plan(plan, editor)


def save_new_plan(plan: Plan, lang: str, *, name: str | None = None, message: str = "") -> None:
    """Save a just-made plan and open it (fresh journal).

    ``name`` defaults to the name box. A new name becomes version 1; an existing name gets
    its next version. A failure is shown, and the plan stays in the session, unsaved, to be
    saved under another name.
    """
    from geo.output.store import record_from_plan

    store = get_store()
    st.session_state.pop(OPEN_KEY, None)
    if store is None:
        st.error(t("store_unavailable", lang, msg=st.session_state.get("store_error", "")))
        return
    name = (name or st.session_state.get(NAME_KEY) or "").strip() or default_plan_name()
    try:
        saved = store.save(
            record_from_plan(plan, name, message=message),
            expected_version=store.latest_version(name),
        )
    except GridplanError as exc:
        st.session_state[CONFLICT_KEY] = error_text(exc, lang)
        st.error(t("plan_save_failed", lang, msg=error_text(exc, lang)))
        return
    remember(saved.name, int(saved.version or 1), new_journal())
    st.toast(t("plan_saved", lang, name=saved.name, version=saved.version))


def journal_last_edit(editor: PlanEditor) -> str | None:
    """Append the editor's last event to the open plan's journal; the error text on failure."""
    op = open_plan()
    if op is None or not editor.events:
        return None
    store = get_store()
    if store is None:
        error: str = st.session_state.get("store_error", "no store")
        return error
    try:
        store.append_event(op["name"], op["version"], editor.events[-1], session=op["journal"])
    except GridplanError as exc:
        return str(exc)
    return None


def open_version(
    layers: Layers, dataset_key: str, name: str, version: int | None, *, journal: str | None = None
) -> PlanRecord:
    """Open a saved version (replaying ``journal`` when given) as the session's plan.

    Returns the :class:`geo.output.store.PlanRecord`. Raises the store's errors (``StoreError``,
    ``ValidationError`` when the plan was made on another dataset).
    """
    from geo.output.store import resume_editor

    store = get_store()
    if store is None:
        raise GridplanError(st.session_state.get("store_error", "the plan store cannot be opened"))
    record = store.load(name, version)
    units = units_for_record(layers, dataset_key, record)
    journal = journal or new_journal()
    record, editor = resume_editor(store, units, name, int(record.version or 1), session=journal)
    _set_editor(editor.plan, editor)
    remember(name, int(record.version or 1), journal)
    return record


def resume(layers: Layers, dataset_key: str, lang: str) -> None:
    """On a session's first run, reopen the plan named in the URL where it was left."""
    if st.session_state.get("_resume_done"):
        return
    st.session_state["_resume_done"] = True
    qp = st.query_params
    name, version, journal = qp.get(QP_PLAN), qp.get(QP_VERSION), qp.get(QP_JOURNAL)
    if not (name and version and journal) or st.session_state.get("editor") is not None:
        return
    try:
        open_version(layers, dataset_key, name, int(version), journal=journal)
    except (GridplanError, ValueError) as exc:
        st.session_state["resume_error"] = t(
            "resume_failed", lang, name=name, version=version, msg=str(exc)
        )
        forget()
        return
    st.session_state["resumed"] = t(
        "resumed", lang, name=name, version=version, n=len(st.session_state["editor"].events)
    )


def save_note() -> str:
    """The note typed for the next save (:data:`NOTE_KEY`), stripped."""
    return str(st.session_state.get(NOTE_KEY) or "").strip()


def _write_queued_edits(store: Store) -> None:
    """Before a save: the map's edits still queued for the journal (the grids tab writes them
    after the map's delta, :class:`ui.state.JournalQueue`) are written first, so none lands on
    the saved-from version's journal after :func:`_clear_saved_journal` emptied it."""
    q = st.session_state.get(JOURNAL_QUEUE_KEY)
    if isinstance(q, JournalQueue) and q.pending:
        q.flush(store, wait=True)


def _clear_saved_journal(store: Store, op: dict[str, Any] | None) -> None:
    """After a save: the journal the saved edits were made on is cleared, since they are the new
    version's history now; so the version they were made on counts no unsaved edits (issue 15).
    A journal of another session on that version is kept (its edits are not saved)."""
    if op is None or not op.get("journal"):
        return
    with contextlib.suppress(GridplanError):  # the save stands; a stale count is all that is left
        store.clear_events(op["name"], int(op["version"]), session=op["journal"])


def _record_of_session(name: str | None = None) -> PlanRecord:
    from geo.output.store import record_from_plan

    op = open_plan() or {}
    editor = st.session_state["editor"]
    rec = record_from_plan(
        editor.plan,
        name or op.get("name") or default_plan_name(),
        events=editor.events,
        message=save_note(),
    )
    return rec.replace(version=op.get("version")) if op else rec


def _save() -> None:
    """Button callback: save the open plan as its next version (optimistic version check)."""
    from geo.errors import ConflictError
    from geo.grids.edits import PlanEditor

    store, op = get_store(), open_plan()
    if store is None or st.session_state.get("editor") is None:
        return
    if op is None:
        return
    _write_queued_edits(store)
    try:
        saved = store.save(_record_of_session(), expected_version=op["version"])
    except ConflictError as exc:
        st.session_state[CONFLICT_KEY] = error_text(exc, st.session_state.get("lang", "zh"))
        return
    except GridplanError as exc:
        st.session_state["plan_message"] = (
            "error",
            error_text(exc, st.session_state.get("lang", "zh")),
        )
        return
    _clear_saved_journal(store, op)
    st.session_state[NOTE_KEY] = ""  # the note box is empty for the next save
    plan = st.session_state["editor"].plan
    _set_editor(plan, PlanEditor(plan))
    remember(saved.name, int(saved.version or 1), op["journal"])
    st.session_state["plan_message"] = ("saved", (saved.name, saved.version))


def _save_as() -> None:
    """Button callback: save the session's plan as version 1 of a new name (after a conflict)."""
    from geo.grids.edits import PlanEditor

    store = get_store()
    name = (st.session_state.get("save_as_name") or "").strip()
    if store is None or st.session_state.get("editor") is None or not name:
        return
    _write_queued_edits(store)
    rec, op = _record_of_session(), open_plan()
    try:
        saved = store.save_as(rec, name) if op else store.save(rec.replace(name=name))
    except GridplanError as exc:
        st.session_state[CONFLICT_KEY] = error_text(exc, st.session_state.get("lang", "zh"))
        return
    _clear_saved_journal(store, op)
    st.session_state[NOTE_KEY] = ""
    plan = st.session_state["editor"].plan
    _set_editor(plan, PlanEditor(plan))
    st.session_state.pop("save_as_name", None)
    remember(saved.name, int(saved.version or 1), new_journal())
    st.session_state["plan_message"] = ("saved", (saved.name, saved.version))


# --------------------------------------------------------------------------- widgets


def name_input(lang: str) -> None:
    """The name box new plans are saved under (dated default)."""
    if NAME_KEY not in st.session_state:
        st.session_state[NAME_KEY] = default_plan_name()
    st.text_input(t("store_plan_name", lang), key=NAME_KEY, help=t("store_plan_name_help", lang))


def notices() -> None:
    """Say once whether the plan named in the URL was resumed (a toast) or could not be."""
    if st.session_state.get("resume_error"):
        st.warning(st.session_state.pop("resume_error"))
    if st.session_state.get("resumed"):
        st.toast(st.session_state.pop("resumed"))


def plan_bar(lang: str) -> None:
    """The open plan's name and version, *Save*, and *Save as* after a conflict."""
    if st.session_state.get("editor") is None:
        return
    op = open_plan()
    msg = st.session_state.pop("plan_message", None)
    if msg and msg[0] == "saved":
        st.success(t("plan_saved", lang, name=msg[1][0], version=msg[1][1]))
    elif msg:
        st.error(t("error", lang, msg=msg[1]))
    c = st.columns([3, 2], vertical_alignment="center")
    if op is not None:
        n = len(st.session_state["editor"].events)
        c[0].caption(t("plan_open", lang, name=op["name"], version=op["version"], n=n))
    else:
        c[0].caption(t("plan_unsaved", lang))
    c[1].button(
        t("save_plan", lang),
        key="btn_save_plan",
        on_click=_save,
        disabled=op is None,
        width="stretch",
    )
    st.text_input(
        t("save_note", lang), key=NOTE_KEY, placeholder=t("save_note_help", lang), max_chars=500
    )
    conflict = st.session_state.get(CONFLICT_KEY)
    if conflict or op is None:
        if conflict:
            st.error(t("plan_conflict", lang, msg=conflict))
        base = (op or {}).get("name") or st.session_state.get(NAME_KEY) or default_plan_name()
        if "save_as_name" not in st.session_state:
            st.session_state["save_as_name"] = f"{base}-{dt.datetime.now():%H%M%S}"
        s = st.columns([4, 1])
        s[0].text_input(t("save_as_name", lang), key="save_as_name")
        s[1].button(t("save_as", lang), key="btn_save_as", on_click=_save_as, width="stretch")


# --------------------------------------------------------------------------- repair over updated data

#: Fill colours of the repair map by grid change (see ``RepairResult.grid_changes``).
REPAIR_COLOURS = {
    "kept": "#dddddd",
    "units moved": "#f2b134",
    "split": "#d7301f",
    "merged": "#6a51a3",
    "new": "#1a9850",
}


def repair_over(layers: Layers, record: PlanRecord) -> dict[str, Any]:
    """The saved plan ``record`` imported over ``layers`` (the updated data) and repaired.

    Returns ``{"import", "repair", "changes", "before", "after"}``: the import and repair
    results, the grids whose households changed with the data (``grid_id, households_before,
    households_after``), and the grid polygons before (the saved plan) and after the repair
    with their ``change``. Pure engine calls, no streamlit.
    """
    from geo.grids.import_plan import import_plan_layers
    from geo.grids.params import GridParams
    from geo.grids.repair import repair_plan

    fields = {f.name for f in dataclasses.fields(GridParams)}
    params = GridParams(**{k: v for k, v in dict(record.params or {}).items() if k in fields})
    grid_layer = record.grids.reset_index(drop=True)
    grid_layer["grid_id"] = grid_layer["grid_id"].astype(str)
    imp = import_plan_layers(layers, grid_layer[["grid_id", "name", "geometry"]], params=params)
    rep = repair_plan(imp.plan, retired=set(record.grids["grid_id"].astype(str)))
    before = grid_layer.set_index("grid_id")
    now = imp.plan.grids()
    common = before.index.intersection(now.index)
    diff = now.loc[common, "households"].astype(float) - before.loc[common, "households"].astype(
        float
    )
    changes = pd.DataFrame(
        {
            "grid_id": common,
            "households_before": before.loc[common, "households"].to_numpy(float),
            "households_after": now.loc[common, "households"].to_numpy(float),
        }
    )
    changes = changes[diff.abs().to_numpy() > 1e-9].reset_index(drop=True)
    change_of = {r["grid_id"]: r["change"] for r in rep.grid_changes}
    old = gpd.GeoDataFrame(
        before.reset_index()[["grid_id", "households", "geometry"]], crs=grid_layer.crs
    )
    old["change"] = old["grid_id"].map(change_of).fillna("kept")
    after = rep.plan.grids().reset_index(drop=True)[
        ["grid_id", "households", "in_band", "geometry"]
    ]
    after["change"] = after["grid_id"].map(change_of).fillna("kept")
    return {"import": imp, "repair": rep, "changes": changes, "before": old, "after": after}
