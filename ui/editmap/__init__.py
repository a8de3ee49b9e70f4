"""The grids tab's editing map: a Streamlit Components v2 element that keeps the plan in the browser.

Protocol (see ``docs/app.md``):

* **Python -> browser** (the component's ``data``): ``epoch`` (one per editor, i.e. per plan
  opened or generated), ``rev`` (edits answered so far), ``full`` (the units' simplified WGS84
  geometry with their grid, names and counts, the grids' outlines and figures; sent once per
  epoch, or again when the browser asks with ``need_full``), ``delta`` (the answer to the last
  command: changed units' grid ids, touched grids' outlines and figures, removed grids, the
  plan-level figures and the rules broken, or the refusal), ``text`` (the panel's strings in
  the page language) and the map settings.
* **Browser -> Python** (trigger values): ``cmd`` ``{id, op, ...}`` with ``op`` one of
  :data:`OPS`, and ``need_full`` when the browser lost the plan (a remount after a reload).

Selection, hover, highlight, the brush, the lasso, search and grid picking never leave the
browser. Every string that comes from the data (estate, building and grid names) is put into
the DOM with ``textContent`` by ``editmap.js``; nothing from the data is parsed as HTML.
"""

from __future__ import annotations

import concurrent.futures
import functools
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import shapely

from geo.errors import EditError, GridplanError
from geo.grids.edits import plan_figures
from geo.settings import WGS84
from ui.i18n import edit_error_text, t, violation_text
from ui.maps import (
    DISPLAY_DECIMALS,
    DISPLAY_TOLERANCE_M,
    PALETTE,
    distinct_colours,
    shift_for_basemap,
)
from ui.state import StateMapping

if TYPE_CHECKING:
    from geo.grids.edits import EditResult, PlanEditor
    from geo.grids.plan import Plan

HERE = Path(__file__).resolve().parent
#: Commands the browser may send.
OPS = ("move", "merge", "split", "lock", "unlock", "undo", "redo")
#: Session-state keys of the protocol.
KEY = "editmap"
EPOCH, REV, DELTA, SENT, NEED_FULL, LAST_CMD, COLOURS = (
    "_em_epoch",
    "_em_rev",
    "_em_delta",
    "_em_sent",
    "_em_need_full",
    "_em_last_cmd",
    "_em_colours",
)
#: Panel strings the browser needs (keys of ``ui.i18n``).
TEXT_KEYS = (
    "em_search",
    "em_grids",
    "em_tool_select",
    "em_tool_brush",
    "em_tool_lasso",
    "em_move",
    "em_merge",
    "em_split",
    "em_lock",
    "em_unlock",
    "em_undo",
    "em_redo",
    "em_selected",
    "em_current",
    "em_none",
    "em_pending",
    "em_confirmed",
    "em_refused",
    "em_legend",
    "em_legend_selected",
    "em_legend_current",
    "em_legend_grid",
    "em_figures",
    "em_hh",
    "em_not_found",
    "em_brush_hint",
    "em_keys_hint",
    "em_clear",
    "em_rename",
    "em_reoptimise",
    "em_repair",
)


def now_ms() -> float:
    """Wall-clock milliseconds (the browser's ``Date.now()`` clock, same machine): the
    timestamps a delta carries (``timing``: command received, engine done, delta built, sent)."""
    return round(time.time() * 1000.0, 1)


def unit_names(
    units: gpd.GeoDataFrame, estates: gpd.GeoDataFrame | None
) -> dict[str, tuple[str, str]]:
    """``{unit_id: (estate name, building label)}``; the building label is empty for whole estates.

    Estate names come from the estates layer (the estate id when it has no name); a building
    unit is labelled by its building id's last part (``B003``).
    """
    names: dict[str, str] = {}
    if estates is not None and "name" in estates.columns:
        e = estates.reset_index(drop="estate_id" in estates.columns)
        names = {
            str(k): str(v)
            for k, v in zip(e["estate_id"], e["name"], strict=True)
            if isinstance(v, str) and v
        }
    out = {}
    frame = units.reset_index(drop="unit_id" in units.columns)
    for uid, eid, bid in zip(
        frame["unit_id"], frame["estate_id"], frame["building_id"], strict=True
    ):
        est = str(eid) if isinstance(eid, str) and eid else ""
        bld = str(bid) if isinstance(bid, str) and bid else ""
        tail = bld[len(est) :] if est and bld.startswith(est) else bld
        out[str(uid)] = (names.get(est, est), tail)
    return out


#: One long-lived thread does the per-edit reprojections: PROJ sets up a context (about 0.2 s)
#: in every new thread that uses a transformer, and Streamlit runs each rerun in a new thread.
_PROJ_THREAD = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="gp-proj")


@functools.lru_cache(maxsize=8)
def _to_wgs84(crs_wkt: str) -> Any:
    """A cached pyproj transformer from ``crs_wkt`` to WGS84 lon/lat (used in ``_PROJ_THREAD``)."""
    from pyproj import CRS, Transformer

    return Transformer.from_crs(CRS.from_wkt(crs_wkt), WGS84, always_xy=True)


def _project(xy: Any, crs_wkt: str) -> Any:
    x, y = _to_wgs84(crs_wkt).transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


@functools.lru_cache(maxsize=8)
def _crs_wkt(crs: Any) -> str:
    return str(crs.to_wkt())


def display_geoms(geoms: Any, crs: Any, basemap: str) -> Any:
    """Simplified, rounded WGS84 display geometry of a few metric polygons (an array).

    The same as :func:`ui.maps.to_display` followed by :func:`ui.maps.shift_for_basemap`, without
    building a GeoDataFrame per edit (a delta carries two or three grids).
    """
    arr = np.asarray(geoms, dtype=object)
    if crs is not None and crs.is_projected:
        arr = shapely.simplify(arr, DISPLAY_TOLERANCE_M, preserve_topology=True)
        wkt = _crs_wkt(crs)
        arr = shapely.transform(arr, lambda xy: _PROJ_THREAD.submit(_project, xy, wkt).result())
    arr = shapely.transform(arr, lambda xy: np.round(xy, DISPLAY_DECIMALS))
    if basemap == "amap" and len(arr):
        arr = shift_for_basemap(gpd.GeoDataFrame(geometry=arr, crs=WGS84), basemap).geometry.values
    return arr


def grid_records(
    plan: Plan, grid_ids: Sequence[str], colours: Mapping[str, str], basemap: str
) -> dict[str, dict[str, Any]]:
    """Outline, label point (``[lat, lng]``), name and figures of ``grid_ids``.

    The outline is simplified WGS84, quantised and delta-encoded as the unit layer
    (:func:`encode_polygons`): ``{"origin", "quantum", "shapes"}``.
    """
    table = plan.grids()
    ids = [g for g in grid_ids if g in table.index]
    if not ids:
        return {}
    sub = table.loc[ids]
    geoms = display_geoms(sub.geometry.values, table.crs, basemap)
    origin, shapes = encode_polygons(geoms)
    pts = shapely.point_on_surface(geoms)
    lat = np.round(shapely.get_y(pts), 6).tolist()
    lng = np.round(shapely.get_x(pts), 6).tolist()
    cols = {
        c: sub[c].tolist()
        for c in (
            "community_id",
            "households",
            "party_members",
            "n_units",
            "dev_pct",
            "in_band",
            "issue",
        )
    }
    out = {}
    for i, gid in enumerate(ids):
        out[gid] = {
            "name": str(plan.names.get(gid, gid)),
            "community": str(cols["community_id"][i]),
            "households": float(cols["households"][i]),
            "party_members": float(cols["party_members"][i]),
            "n_units": int(cols["n_units"][i]),
            "dev_pct": round(float(cols["dev_pct"][i]), 2),
            "in_band": bool(cols["in_band"][i]),
            "locked": gid in plan.locked,
            "issue": str(cols["issue"][i] or ""),
            "colour": colours.get(gid, PALETTE[0]),
            "outline": {"origin": origin, "quantum": QUANTUM, "shapes": shapes[i]},
            "label": [lat[i], lng[i]],
        }
    return out


def colours_for_new(plan: Plan, colours: dict[str, str], grids: Sequence[str]) -> dict[str, str]:
    """Give grids without a colour one that their neighbouring grids do not use (in place)."""
    nbrs = plan.units.neighbors
    for g in grids:
        if g in colours or g not in plan.members:
            continue
        near = {plan.assignment[v] for u in plan.members[g] for v in nbrs.get(u, ())} - {g}
        used = {colours.get(h) for h in near}
        colours[g] = next(
            (c for c in PALETTE if c not in used), PALETTE[len(colours) % len(PALETTE)]
        )
    return colours


#: Coordinates of the unit layer are integers of this many degrees (1e-6: about 0.1 m, the
#: display rounding of :data:`ui.maps.DISPLAY_DECIMALS`), each ring delta-encoded.
QUANTUM = 10.0**-DISPLAY_DECIMALS


def encode_polygons(geoms: Any) -> tuple[list[int], list[list[list[list[int]]]]]:
    """Quantised, delta-encoded rings of WGS84 (multi)polygons, for the browser.

    Returns ``(origin, shapes)``: ``origin`` = ``[lon0, lat0]`` in quanta (the minimum over all
    coordinates); ``shapes[i]`` = the polygons of ``geoms[i]``, each a list of rings (exterior
    first), each ring ``[x0, y0, dx1, dy1, ...]`` in quanta, the first point relative to
    ``origin``, every next one relative to the previous point. Closed rings keep their closing
    point. ``editmap.js`` (``decode``) turns them back into ``[lat, lng]`` arrays.
    """
    arr = np.asarray(geoms, dtype=object)
    polys, poly_of = shapely.get_parts(arr, return_index=True)
    rings, ring_of = shapely.get_rings(polys, return_index=True)
    xy, pt_of = shapely.get_coordinates(rings, return_index=True)
    q = np.rint(xy / QUANTUM).astype(np.int64)
    origin = q.min(axis=0) if len(q) else np.zeros(2, dtype=np.int64)
    d = np.diff(q, axis=0, prepend=origin[None, :])
    starts = np.r_[0, np.flatnonzero(np.diff(pt_of)) + 1] if len(pt_of) else np.array([], int)
    d[starts] = q[starts] - origin  # each ring starts from the origin
    flat = d.ravel().tolist()
    bounds = [*starts.tolist(), len(q)]
    shapes: list[list[list[list[int]]]] = [[] for _ in range(len(arr))]
    last_poly = -1
    for r in range(len(rings)):
        p = int(ring_of[r])
        ring = flat[2 * bounds[r] : 2 * bounds[r + 1]]
        if p != last_poly:
            shapes[int(poly_of[p])].append([ring])
            last_poly = p
        else:
            shapes[int(poly_of[p])][-1].append(ring)
    return [int(origin[0]), int(origin[1])], shapes


def unit_layer(
    units_disp: gpd.GeoDataFrame, names: Mapping[str, tuple[str, str]], basemap: str
) -> dict[str, Any]:
    """The part of the full payload that depends on the dataset only (cache it per dataset).

    Columns of equal length: ``ids``, ``hh``, ``pm``, ``community``, ``estate``, ``building``,
    ``pt`` (a point inside, ``[lat, lng]``), ``shapes`` (:func:`encode_polygons`, with
    ``origin`` and ``quantum``), and ``bounds`` ``[[south, west], [north, east]]``. Nothing
    else (no geometry properties, no grid: the plan's assignment travels apart).
    """
    shown = shift_for_basemap(units_disp, basemap)
    geoms = shown.geometry.values
    ids = [str(u) for u in shown["unit_id"]]
    origin, shapes = encode_polygons(geoms)
    pts = shapely.point_on_surface(np.asarray(geoms, dtype=object))
    lat = np.round(shapely.get_y(pts), 6).tolist()
    lng = np.round(shapely.get_x(pts), 6).tolist()
    x0, y0, x1, y1 = (float(v) for v in shown.total_bounds)
    named = [names.get(u, ("", "")) for u in ids]
    return {
        "ids": ids,
        "hh": [float(v) for v in shown["households"]],
        "pm": [float(v) for v in shown["party_members"]],
        "community": [str(c) for c in shown["community_id"]],
        "estate": [e for e, _b in named],
        "building": [b for _e, b in named],
        "pt": [[a, b] for a, b in zip(lat, lng, strict=True)],
        "origin": origin,
        "quantum": QUANTUM,
        "shapes": shapes,
        "bounds": [[y0, x0], [y1, x1]],
    }


def full_payload(
    plan: Plan, layer: Mapping[str, Any], colours: dict[str, str], basemap: str
) -> dict[str, Any]:
    """Everything the browser keeps for one epoch: the unit layer (:func:`unit_layer`, cached
    per dataset), each unit's grid (``assign``, in the layer's order), the grids' outlines and
    figures, the plan-level figures and the bounds."""
    grids = sorted(plan.members)
    colours_for_new(plan, colours, grids)
    return {
        "layer": layer,
        "assign": [plan.assignment.get(u) for u in layer["ids"]],
        "grids": grid_records(plan, grids, colours, basemap),
        "figures": plan_figures(plan),
        "bounds": layer["bounds"],
    }


def delta_payload(
    result: EditResult,
    colours: dict[str, str],
    basemap: str,
    *,
    rev: int,
    cmd_id: str | None,
    can_undo: bool,
    can_redo: bool,
) -> dict[str, Any]:
    """What the browser needs after one edit: changed units, touched grids, removed grids, figures."""
    alive = [g for g in result.touched if g in result.plan.members]
    colours_for_new(result.plan, colours, alive)
    return {
        "rev": rev,
        "cmd_id": cmd_id,
        "ok": True,
        "op": result.event.get("op"),
        "units": dict(result.changed_units),
        "grids": grid_records(result.plan, alive, colours, basemap),
        "removed": list(result.removed),
        "figures": result.figures,
        "violations": list(result.violations),
        "can_undo": can_undo,
        "can_redo": can_redo,
    }


def refusal_payload(
    message: str, *, rev: int, cmd_id: str | None, op: str, can_undo: bool, can_redo: bool
) -> dict[str, Any]:
    """The answer to a refused command: nothing changed, the rule broken is named."""
    return {
        "rev": rev,
        "cmd_id": cmd_id,
        "ok": False,
        "op": op,
        "error": message,
        "units": {},
        "grids": {},
        "removed": [],
        "figures": None,
        "violations": [],
        "can_undo": can_undo,
        "can_redo": can_redo,
    }


def run_command(editor: PlanEditor, cmd: Mapping[str, Any]) -> EditResult:
    """Run one browser command on the editor; returns the :class:`EditResult`.

    Raises
    ------
    EditError
        An unknown op, missing arguments, or an edit the engine refuses (its message names
        the rule and the fix).
    """
    op = cmd.get("op")
    if op not in OPS:
        raise EditError(
            f"unknown map command {op!r}; expected one of {OPS}",
            code="unknown_command",
            op=str(op),
            ops=", ".join(OPS),
        )
    try:
        if op == "move":
            return editor.move([str(u) for u in cmd["units"]], str(cmd["to"]))
        if op == "merge":
            return editor.merge(str(cmd["a"]), str(cmd["b"]))
        if op == "split":
            return editor.split(str(cmd["grid"]), int(cmd.get("k", 2)))
        if op in ("lock", "unlock"):
            locked: EditResult = getattr(editor, op)(str(cmd["grid"]))
            return locked
        undone: EditResult = getattr(editor, op)()  # undo or redo
        return undone
    except KeyError as exc:
        raise EditError(
            f"map command {op!r} lacks {exc.args[0]!r}; the map sends it with "
            "every command, reload the page",
            code="command_lacks",
            op=str(op),
            key=str(exc.args[0]),
        ) from exc


def say_violations(delta: dict[str, Any], plan: Plan, lang: str) -> dict[str, Any]:
    """``delta`` with its rules broken in ``lang``, grids by name (the map shows them as given)."""
    delta["violations"] = [violation_text(v, lang, plan.names) for v in delta["violations"]]
    return delta


def answer(
    state: StateMapping,
    editor: PlanEditor,
    cmd: Mapping[str, Any] | None,
    basemap: str,
    lang: str,
    unit_labels: Mapping[str, str] | None = None,
) -> dict[str, Any] | None:
    """Run ``cmd`` (once per command id) and store the delta for the next render.

    Returns the stored delta, or ``None`` when there was nothing new to answer. ``state`` is
    ``st.session_state`` (a plain dict in tests). Every message in the delta is in ``lang``:
    a refusal through its code (:func:`ui.i18n.edit_error_text`, units named by
    ``unit_labels``), the rules broken through theirs (:func:`say_violations`).
    """
    if not cmd or not isinstance(cmd, Mapping) or cmd.get("id") == state.get(LAST_CMD):
        return None
    state[LAST_CMD] = cmd.get("id")
    t_recv = now_ms()
    rev = int(state.get(REV, 0)) + 1
    op = str(cmd.get("op"))
    result: EditResult | None
    try:
        result = run_command(editor, cmd)
    except (EditError, GridplanError, ValueError, TypeError) as exc:
        refusal = edit_error_text(exc, lang, unit_labels)
        t_engine = now_ms()
        delta = refusal_payload(
            t("edit_refused", lang, msg=refusal),
            rev=rev,
            cmd_id=cmd.get("id"),
            op=op,
            can_undo=editor.can_undo,
            can_redo=editor.can_redo,
        )
        result = None
    else:
        t_engine = now_ms()
        delta = delta_payload(
            result,
            state.setdefault(COLOURS, {}),
            basemap,
            rev=rev,
            cmd_id=cmd.get("id"),
            can_undo=editor.can_undo,
            can_redo=editor.can_redo,
        )
        say_violations(delta, result.plan, lang)
    delta["timing"] = {"recv": t_recv, "engine": t_engine, "delta": now_ms()}
    state[REV] = rev
    state[DELTA] = delta
    if result is not None:
        state["plan"] = result.plan
        state["last_edit"] = {
            "op": op,
            "touched": list(result.touched),
            "violations": list(result.violations),
        }
    else:
        state["last_edit"] = {"op": op, "error": refusal}
    return delta


def record_result(
    state: StateMapping, editor: PlanEditor, result: EditResult, basemap: str, lang: str = "zh"
) -> None:
    """Turn an edit made outside the map (the panel's buttons) into the next delta (its
    messages in ``lang``)."""
    rev = int(state.get(REV, 0)) + 1
    state[REV] = rev
    state[DELTA] = delta_payload(
        result,
        state.setdefault(COLOURS, {}),
        basemap,
        rev=rev,
        cmd_id=None,
        can_undo=editor.can_undo,
        can_redo=editor.can_redo,
    )
    say_violations(state[DELTA], result.plan, lang)


def texts(lang: str) -> dict[str, str]:
    """The panel's strings in ``lang``."""
    return {k: t(k, lang) for k in TEXT_KEYS}


def asset(name: str) -> str:
    """The text of one of the component's own files (``editmap.js``, ``editmap.css``)."""
    return (HERE / name).read_text(encoding="utf-8")


def initial_colours(plan: Plan) -> dict[str, str]:
    """Distinct colours of the plan's grids (touching grids differ)."""
    g = plan.grids()
    frame = g.reset_index(drop="grid_id" in g.columns)
    return distinct_colours(frame, "grid_id")
