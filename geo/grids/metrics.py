"""Metrics of grid plans: per-grid counts and shape, per-plan balance, cut edges, tiling.

Per-grid functions take only the units of the grids asked for, so an edit recomputes the
grids it touched and nothing else (:func:`grid_table` with ``grid_ids``); the deviation
from the community mean is a cheap table-wide step (:func:`with_rule_columns`).
All geometry in one metric CRS (metres, m²).
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.grids.graph import is_contiguous
from geo.grids.regroup import RegroupData, best_regroup
from geo.settings import (
    GRID_DEBRIS_M2,
    GRID_SNAP_M,
    GRID_THIN_M,
    MIN_POLSBY_POPPER,
    THIN_PART_PP_FACTOR,
    TILING_REL_TOL,
)

if TYPE_CHECKING:
    from geo.grids.params import GridParams

#: Columns of a grid table, in order (geometry last).
GRID_COLUMNS = (
    "grid_id",
    "community_id",
    "name",
    "locked",
    "households",
    "party_members",
    "residents",
    "n_units",
    "n_estates",
    "area_m2",
    "perimeter_m",
    "polsby_popper",
    "reock",
    "convex_hull_ratio",
    "contiguous",
    "max_unit_households",
    "max_unit_party_members",
)
#: Columns added by :func:`with_rule_columns`.
RULE_COLUMNS = ("size", "dev_pct", "party_dev_pct", "in_band", "party_ok", "issue")


# --------------------------------------------------------------------------- shape


def polsby_popper(geoms: Any) -> np.ndarray:
    """Polsby-Popper compactness 4πA/P² (1 for a disc, -> 0 for a line), per geometry."""
    area = shapely.area(np.asarray(geoms, dtype=object))
    per = shapely.length(np.asarray(geoms, dtype=object))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(per > 0, 4 * math.pi * area / per**2, 0.0)


def reock(geoms: Any) -> np.ndarray:
    """Reock compactness: area / area of the minimum bounding circle, per geometry."""
    arr = np.asarray(geoms, dtype=object)
    circle = (
        math.pi * shapely.minimum_bounding_radius(arr) ** 2
    )  # exact, not the polygonised circle
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(circle > 0, shapely.area(arr) / circle, 0.0)


def convex_hull_ratio(geoms: Any) -> np.ndarray:
    """Area / convex hull area, per geometry (1 for a convex shape)."""
    arr = np.asarray(geoms, dtype=object)
    hull = shapely.area(shapely.convex_hull(arr))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(hull > 0, shapely.area(arr) / hull, 0.0)


# --------------------------------------------------------------------------- geometry


def grid_geometry(cells: Any) -> Any:
    """The polygon of a grid: the union of its cells, valid, without floating-point debris.

    Cells tile their community, so the union is exact up to floating-point noise; that noise
    (slivers and pin-holes below :data:`~geo.settings.GRID_DEBRIS_M2`) is dropped, and the
    result made OGC-valid. A grid whose cells meet only at a point or across a gap stays a
    ``MultiPolygon``: such a grid is not contiguous.
    """
    arr = np.asarray(cells, dtype=object)
    geom = shapely.union_all(arr) if len(arr) != 1 else arr[0]
    if len(arr) > 1 and (geom.geom_type != "Polygon" or not geom.is_valid):
        # cells computed apart may leave sub-millimetre gaps between them: close them
        snapped = shapely.union_all(arr, grid_size=GRID_SNAP_M)
        if snapped.geom_type == "Polygon" or geom.geom_type == "Polygon":
            geom = snapped
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    polys = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon"]
    parts = [p for p in polys if not _debris(p)] if len(polys) > 1 else polys
    if not parts:
        return geom if not polys else max(polys, key=lambda p: p.area)
    clean = [
        shapely.Polygon(p.exterior, [r for r in p.interiors if not _debris(shapely.Polygon(r))])
        for p in parts
    ]
    out = clean[0] if len(clean) == 1 else shapely.MultiPolygon(clean)
    return out if out.is_valid else shapely.make_valid(out)


def _debris(part: Any) -> bool:
    """Floating-point or rounding debris: tiny (``GRID_DEBRIS_M2``) or thinner than
    ``2 * GRID_THIN_M`` everywhere (a sliver along a recut or rounded boundary)."""
    return bool(part.area <= GRID_DEBRIS_M2 or part.buffer(-GRID_THIN_M, quad_segs=1).is_empty)


# --------------------------------------------------------------------------- graph


def cut_edges(edges: pd.DataFrame, assignment: Mapping[str, str]) -> int:
    """Number of adjacency edges whose two units lie in different grids."""
    ga = edges["unit_a"].map(assignment)
    gb = edges["unit_b"].map(assignment)
    return int((ga != gb).sum())


def split_estates(units: pd.DataFrame, assignment: Mapping[str, str]) -> list[str]:
    """Estates whose units (buildings or parts) lie in more than one grid, sorted."""
    grid = units["unit_id"].map(assignment)
    n = grid.groupby(units["estate_id"]).nunique()
    return sorted(n.index[n > 1].astype(str))


# --------------------------------------------------------------------------- grid table


def grid_table(
    units: gpd.GeoDataFrame,
    assignment: Mapping[str, str],
    *,
    neighbors: Mapping[str, Iterable[str]],
    grid_ids: Collection[str] | None = None,
    names: Mapping[str, str] | None = None,
    locked: Collection[str] = (),
) -> gpd.GeoDataFrame:
    """Per-grid counts, shape metrics and contiguity for ``grid_ids`` (all grids when None).

    Parameters
    ----------
    units : GeoDataFrame
        ``UnitGraph.units`` (cell geometry, counts), metric CRS.
    assignment : mapping unit_id -> grid_id
    neighbors : mapping unit_id -> neighbour unit ids (``UnitGraph.neighbors``)
    grid_ids : collection of str, optional
        Compute only these grids (an edit's touched grids).
    names : mapping grid_id -> name, optional
    locked : collection of grid ids

    Returns
    -------
    GeoDataFrame with :data:`GRID_COLUMNS` and the grid polygon (union of cells), index
    = ``grid_id``, sorted by ``grid_id``; areas in m², perimeters in m.
    """
    grid = units["unit_id"].map(assignment)
    if grid_ids is not None:
        wanted = set(grid_ids)
        keep = grid.isin(wanted)
        units, grid = units[keep], grid[keep]
    names = names or {}
    locked = set(locked)
    rows = []
    geoms = []
    # one pass over plain arrays, grids in sorted order and units in table order within each
    # (what ``groupby(grid, sort=True)`` gives); a pandas sub-frame per grid cost ~5 ms a grid
    assigned = grid.notna().to_numpy()
    gids = grid.to_numpy(dtype=object)[assigned]
    order = np.argsort(gids, kind="stable")
    keys = gids[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.zeros(0, int)
    ends = np.r_[starts[1:], len(keys)] if len(keys) else starts
    col = {c: units[c].to_numpy()[assigned] for c in ("unit_id", "community_id", "estate_id")}
    num = {c: units[c].to_numpy()[assigned] for c in ("households", "party_members", "residents")}
    cells = units.geometry.to_numpy()[assigned]
    for s0, s1 in zip(starts.tolist(), ends.tolist(), strict=True):
        idx = order[s0:s1]
        gid = keys[s0]
        geom = grid_geometry(cells[idx])
        geoms.append(geom)
        hh, party = num["households"][idx], num["party_members"][idx]
        estates = col["estate_id"][idx]
        rows.append(
            {
                "grid_id": gid,
                "community_id": str(col["community_id"][idx[0]]),
                "name": names.get(gid, gid),
                "locked": gid in locked,
                "households": float(hh.sum()),
                "party_members": float(party.sum()),
                "residents": float(num["residents"][idx].sum()),
                "n_units": len(idx),
                "n_estates": len({e for e in estates.tolist() if not pd.isna(e)}),
                # judged on the geometry: one polygon (shared edges), never through an island link
                "contiguous": geom.geom_type == "Polygon"
                and is_contiguous(col["unit_id"][idx].tolist(), neighbors),
                "max_unit_households": float(hh.max()),
                "max_unit_party_members": float(party.max()),
            }
        )
    frame = pd.DataFrame(
        rows,
        columns=[
            c
            for c in GRID_COLUMNS
            if c not in ("area_m2", "perimeter_m", "polsby_popper", "reock", "convex_hull_ratio")
        ],
    )
    arr = np.array(geoms, dtype=object)
    frame["area_m2"] = shapely.area(arr) if len(arr) else []
    frame["perimeter_m"] = shapely.length(arr) if len(arr) else []
    frame["polsby_popper"] = polsby_popper(arr) if len(arr) else []
    frame["reock"] = reock(arr) if len(arr) else []
    frame["convex_hull_ratio"] = convex_hull_ratio(arr) if len(arr) else []
    out = gpd.GeoDataFrame(
        frame[list(GRID_COLUMNS)], geometry=gpd.GeoSeries(arr, crs=units.crs), crs=units.crs
    )
    out.index = pd.Index(out["grid_id"].to_numpy(), name=None)
    return out


def with_rule_columns(grids: gpd.GeoDataFrame, params: GridParams) -> gpd.GeoDataFrame:
    """Add size, deviation from the community mean (%), band and party checks, and the issue.

    ``size`` is the ``params.size_by`` count; ``dev_pct`` its deviation from the mean of
    the community's grids in percent, ``party_dev_pct`` the same for party members;
    ``in_band`` the size rule, ``party_ok`` at least ``params.min_party_per_grid`` party
    members; ``issue`` says in words why a grid breaks the rule ("" when it does not).
    Cheap: no geometry work, so it runs over the whole plan after every edit.
    """
    out = grids.copy()
    lo, hi = params.band()
    size = out[params.size_by].astype(float)
    out["size"] = size
    by_comm = out.groupby("community_id")
    for col, target in (("size", "dev_pct"), ("party_members", "party_dev_pct")):
        mean = by_comm[col].transform("mean")
        with np.errstate(divide="ignore", invalid="ignore"):
            out[target] = np.where(mean > 0, 100.0 * (out[col] - mean) / mean, 0.0)
    out["in_band"] = (size >= lo - 1e-9) & (size <= hi + 1e-9)
    out["party_ok"] = out["party_members"] >= params.min_party_per_grid
    total = by_comm["size"].transform("sum")
    max_unit = out[
        "max_unit_households" if params.size_by == "households" else "max_unit_party_members"
    ]
    out["issue"] = [
        _issue(s, t, m, p, c, params)
        for s, t, m, p, c in zip(
            size, total, max_unit, out["party_members"], out["contiguous"], strict=True
        )
    ]
    return out


def _issue(
    size: float, total: float, max_unit: float, party: float, contiguous: bool, params: GridParams
) -> str:
    lo, hi = params.band()
    what = params.size_by.replace("_", " ")
    reasons = []
    if not contiguous:
        reasons.append("not contiguous")
    if size > hi + 1e-9:
        if max_unit > hi + 1e-9:
            reasons.append(
                f"one unit alone holds {max_unit:.0f} {what} (> {hi:.0f}); split that estate "
                "by buildings"
            )
        else:
            reasons.append(f"{size:.0f} {what} > {hi:.0f}")
    elif size < lo - 1e-9:
        if total < lo:
            reasons.append(
                f"the whole community holds only {total:.0f} {what} (< {lo:.0f}); "
                "merge it with a neighbour or accept a small grid"
            )
        else:
            reasons.append(f"{size:.0f} {what} < {lo:.0f}")
    if party < params.min_party_per_grid:
        reasons.append(f"{party:.0f} party members < {params.min_party_per_grid} for a party group")
    return "; ".join(reasons)


# --------------------------------------------------------------------------- reasons

#: Kinds of reason an out-of-band grid may have (``reason_kind``).
REASON_KINDS = ("lock", "unit", "arithmetic", "search")


def band_reason(
    *,
    size: float,
    locked: bool,
    max_unit: float,
    piece_total: float,
    n_pieces: int,
    lo: float,
    hi: float,
    what: str = "households",
    proven: str = "",
) -> tuple[str, str]:
    """``(kind, reason)`` of a grid outside the band ``lo``-``hi`` (``("", "")`` inside it).

    Kinds, first match wins: ``"lock"`` (the planner locked it), ``"unit"`` (one unit alone
    is larger than the maximum and cannot be split), ``"arithmetic"`` (the households of the
    community, or of its part the grid lies in, admit no split into grids of the band, e.g.
    507 in 300-500), ``"search"`` (the band was reachable in principle but the units and
    their neighbours gave no grouping the search found). ``proven`` is the reason of an exact
    check (:func:`geo.grids.feasibility.band_partition_exists`) that no division of the part's
    units into connected in-band grids exists; when given, a ``"search"`` grid is
    ``"arithmetic"`` with that reason.

    Examples
    --------
    >>> band_reason(size=507, locked=False, max_unit=200, piece_total=507, n_pieces=1, lo=300, hi=500)[0]
    'arithmetic'
    """
    if lo - 1e-9 <= size <= hi + 1e-9:
        return "", ""
    where = "this part of the community" if n_pieces > 1 else "the community"
    parts = (
        (
            f" (the community is in {n_pieces} parts, cut by its shape, a river, a road or a barrier; "
            "grids follow its parts)"
        )
        if n_pieces > 1
        else ""
    )
    if locked:
        return "lock", "locked by the planner: kept as it is (unlock it to re-grid)"
    if max_unit > hi + 1e-9:
        return "unit", (
            f"one unit alone holds {max_unit:.0f} {what} (> {hi:.0f}) and cannot be split "
            "further (a building larger than a grid): accept it or split it in the data"
        )
    k_min, k_max = math.ceil(piece_total / hi - 1e-9), math.floor(piece_total / lo + 1e-9)
    if piece_total < lo - 1e-9 or k_max < k_min:
        return "arithmetic", (
            f"arithmetic: {where} holds {piece_total:.0f} {what}, which no number of "
            f"grids of {lo:.0f}-{hi:.0f} adds up to{parts}"
        )
    if proven:
        return "arithmetic", proven + parts
    return "search", (
        f"{size:.0f} {what}: its units and their neighbours (shared edges) gave no grouping in "
        f"{lo:.0f}-{hi:.0f} (units of up to {max_unit:.0f}){parts}"
    )


#: Stable codes of the reasons of :func:`band_reason` (with the exact reasons of
#: :func:`geo.grids.feasibility.infeasible_reason`) and :func:`shape_reasons`, each with the
#: English phrase it is written as; the named groups are the parameters a shell needs to say the
#: same in another language (``ui.i18n`` has a ``rs_<code>`` template per code). A reason is a
#: sequence of these phrases (the ``parts`` suffix follows the main one). To add a reason kind,
#: add its phrase here and its template in ``ui/i18n.py``; ``tests/ui/test_message_codes.py``
#: checks that every phrase the engine writes is matched and rendered.
_N = r"[\d.]+"
_WHAT = r"(?P<what>households|party members)"
_WHERE = r"(?P<where>this part of the community|the community)"
REASON_CODES: tuple[tuple[str, str], ...] = (
    ("lock", r"locked by the planner: kept as it is \(unlock it to re-grid\)"),
    (
        "unit",
        rf"one unit alone holds (?P<max_unit>{_N}) {_WHAT} \(> (?P<hi>{_N})\) and cannot be split "
        r"further \(a building larger than a grid\): accept it or split it in the data",
    ),
    (
        "arithmetic",
        rf"arithmetic: {_WHERE} holds (?P<total>{_N}) {_WHAT}, which no number of grids of "
        rf"(?P<lo>{_N})-(?P<hi>{_N}) adds up to",
    ),
    (
        "proven_unit",
        rf"arithmetic: no division of the (?P<n_units>\d+) units of {_WHERE} into connected "
        rf"grids of (?P<lo>{_N})-(?P<hi>{_N}) {_WHAT} exists: unit (?P<unit>.+?) "
        rf"\((?P<unit_size>{_N}) (?:households|party members)\) fits in no connected grid of "
        rf"{_N}-{_N}, its neighbours hold (?P<span>{_N}(?:-{_N})?) each",
    ),
    (
        "proven_lone_unit",
        rf"arithmetic: no division of the (?P<n_units>\d+) units of {_WHERE} into connected "
        rf"grids of (?P<lo>{_N})-(?P<hi>{_N}) {_WHAT} exists: unit (?P<unit>.+?) "
        rf"\((?P<unit_size>{_N}) (?:households|party members)\) fits in no connected grid of "
        rf"{_N}-{_N}, it has no neighbour",
    ),
    (
        "proven_sizes",
        rf"arithmetic: no division of the (?P<n_units>\d+) units of {_WHERE} into connected "
        rf"grids of (?P<lo>{_N})-(?P<hi>{_N}) {_WHAT} exists: the units hold (?P<sizes>{_N}"
        rf"(?:, {_N})*) and border each other so that no grouping fits",
    ),
    ("more_units", r" \((?P<n>\d+) more such units\)"),
    (
        "search",
        rf"(?P<size>{_N}) {_WHAT}: its units and their neighbours \(shared edges\) gave no "
        rf"grouping in (?P<lo>{_N})-(?P<hi>{_N}) \(units of up to (?P<max_unit>{_N})\)",
    ),
    (
        "parts",
        r" \(the community is in (?P<n>\d+) parts, cut by its shape, a river, a road or a "
        r"barrier; grids follow its parts\)",
    ),
    (
        "pp_single_unit",
        rf"Polsby-Popper (?P<pp>{_N}): a single unit, whose cell is that thin \(the estate's land\)",
    ),
    (
        "pp_thin_part",
        rf"Polsby-Popper (?P<pp>{_N}): its community \(part\) is itself thin "
        rf"\(Polsby-Popper (?P<part_pp>{_N})\)",
    ),
    (
        "pp_thin_unit",
        rf"Polsby-Popper (?P<pp>{_N}): it holds a unit whose cell is that thin "
        rf"\(Polsby-Popper (?P<unit_pp>{_N})\)",
    ),
    (
        "pp_locked",
        rf"Polsby-Popper (?P<pp>{_N}): locked by the planner, so no unit is moved to make it "
        r"rounder \(unlock it to let the gridder try\)",
    ),
    (
        "pp_no_neighbour",
        rf"Polsby-Popper (?P<pp>{_N}): no unlocked grid of its community borders it, so no "
        r"unit can be traded to make it rounder \(unlock a neighbour or redraw it by hand\)",
    ),
    (
        "pp_no_local_regroup",
        rf"Polsby-Popper (?P<pp>{_N}): none of the (?P<n>\d+) moves or swaps of one unit with a "
        rf"neighbouring unlocked grid keeps both grids in (?P<lo>{_N})-(?P<hi>{_N}) {_WHAT} "
        r"and connected while raising the lower Polsby-Popper of the two \(a rounder grid "
        r"needs several units moved: redraw it by hand or accept it\)",
    ),
)
_REASON_RES = tuple((code, re.compile(pattern)) for code, pattern in REASON_CODES)


def reason_codes(reason: str) -> list[tuple[str, dict[str, str]]]:
    """A reason of :func:`band_reason` or :func:`shape_reasons` as ``(code, params)`` pairs,
    in the order its phrases are written (see :data:`REASON_CODES`).

    A stretch no phrase matches comes back as ``("text", {"text": stretch})``, so nothing is
    lost; ``""`` gives ``[]``.

    Examples
    --------
    >>> reason_codes("locked by the planner: kept as it is (unlock it to re-grid)")
    [('lock', {})]
    """
    out: list[tuple[str, dict[str, str]]] = []
    pos, text_from = 0, 0
    while pos < len(reason):
        for code, rx in _REASON_RES:
            m = rx.match(reason, pos)
            if m:
                if text_from < pos:
                    out.append(("text", {"text": reason[text_from:pos]}))
                out.append((code, {k: v for k, v in m.groupdict().items() if v is not None}))
                pos = text_from = m.end()
                break
        else:
            pos += 1
    if text_from < len(reason):
        out.append(("text", {"text": reason[text_from:]}))
    return out


def with_reasons(
    grids: gpd.GeoDataFrame,
    piece_total: Mapping[str, float],
    n_pieces: Mapping[str, int],
    params: GridParams,
    proven: Mapping[str, str] | None = None,
) -> gpd.GeoDataFrame:
    """Add ``reason_kind`` and ``band_reason`` (see :func:`band_reason`) to a ruled grid table.

    ``piece_total`` is, per grid, the sized total of the community part its units lie in;
    ``n_pieces`` per grid the number of parts of its community; ``proven`` per grid the reason
    when its part is proven to admit no in-band division (see :func:`band_reason`). Cheap: no
    geometry.
    """
    proven = proven or {}
    out = grids.copy()
    lo, hi = params.band()
    max_col = "max_unit_households" if params.size_by == "households" else "max_unit_party_members"
    what = params.size_by.replace("_", " ")
    pairs = [
        band_reason(
            size=float(sz),
            locked=bool(lk),
            max_unit=float(mu),
            piece_total=float(piece_total.get(g, sz)),
            n_pieces=int(n_pieces.get(g, 1)),
            lo=lo,
            hi=hi,
            what=what,
            proven=proven.get(g, ""),
        )
        for g, sz, lk, mu in zip(out.index, out["size"], out["locked"], out[max_col], strict=True)
    ]
    out["reason_kind"] = [k for k, _ in pairs]
    out["band_reason"] = [r for _, r in pairs]
    return out


def shape_reasons(
    grids: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    members: Mapping[str, Collection[str]],
    communities: gpd.GeoDataFrame,
    *,
    min_pp: float = MIN_POLSBY_POPPER,
    edges: pd.DataFrame | None = None,
    band: tuple[float, float] | None = None,
    size_by: str = "households",
    locked: Collection[str] = frozenset(),
) -> dict[str, str]:
    """Why a grid's Polsby-Popper is below ``min_pp``, for every such grid (``""``: no reason).

    The reasons the land forces: the grid is a single unit (its cell is the estate's land
    and its share of the community); the part of the community it lies in is itself that
    thin (its Polsby-Popper below :data:`~geo.settings.THIN_PART_PP_FACTOR` times
    ``min_pp``); or it holds a unit whose own cell is below ``min_pp``. Then the planner's:
    the grid is locked (in ``locked``). Then, given the unit ``edges`` and the ``band`` of
    ``size_by``, the search's: no move or swap of one unit with a neighbouring unlocked grid
    of its community keeps both in band and connected and makes the thinner of the two
    rounder (checked by :func:`geo.grids.regroup.best_regroup`, the moves the gridder's
    compactness pass tries; the reason says how many it weighed). Where such a move exists
    the grid has no reason.
    """
    out: dict[str, str] = {}
    low = grids.index[grids["polsby_popper"] < min_pp]
    comm_geom = dict(zip(communities.index, communities.geometry, strict=True))
    views: dict[Any, RegroupData[str, str]] = {}  # per community, built when first needed
    for g in low:
        ids = list(members.get(g, ()))
        pp = float(grids.at[g, "polsby_popper"])
        if len(ids) == 1:
            out[g] = (
                f"Polsby-Popper {pp:.2f}: a single unit, whose cell is that thin (the estate's land)"
            )
            continue
        comm = comm_geom.get(grids.at[g, "community_id"])
        if comm is not None:
            parts = shapely.get_parts(comm)
            part = parts[
                int(np.argmax(shapely.area(shapely.intersection(parts, grids.geometry[g]))))
            ]
            cpp = float(polsby_popper([part])[0])
            if cpp < THIN_PART_PP_FACTOR * min_pp:
                out[g] = (
                    f"Polsby-Popper {pp:.2f}: its community (part) is itself thin (Polsby-Popper {cpp:.2f})"
                )
                continue
        cell_pp = polsby_popper(units.loc[ids].geometry.to_numpy())
        if len(cell_pp) and float(cell_pp.min()) < min_pp:
            out[g] = (
                f"Polsby-Popper {pp:.2f}: it holds a unit whose cell is that thin "
                f"(Polsby-Popper {float(cell_pp.min()):.2f})"
            )
            continue
        if g in locked:
            out[g] = (
                f"Polsby-Popper {pp:.2f}: locked by the planner, so no unit is moved to make it "
                "rounder (unlock it to let the gridder try)"
            )
            continue
        out[g] = ""
        if edges is None or band is None:
            continue
        cid = grids.at[g, "community_id"]
        if cid not in views:
            views[cid] = _regroup_view(cid, grids, units, members, edges, band, size_by, locked)
        found, n_tried = best_regroup(views[cid], g)
        if found is None and n_tried == 0:
            out[g] = (
                f"Polsby-Popper {pp:.2f}: no unlocked grid of its community borders it, so no "
                "unit can be traded to make it rounder (unlock a neighbour or redraw it by hand)"
            )
        elif found is None:
            what = size_by.replace("_", " ")
            out[g] = (
                f"Polsby-Popper {pp:.2f}: none of the {n_tried} moves or swaps of one unit with "
                f"a neighbouring unlocked grid keeps both grids in {band[0]:.0f}-{band[1]:.0f} "
                f"{what} and connected while raising the lower Polsby-Popper of the two "
                "(a rounder grid needs several units moved: redraw it by hand or accept it)"
            )
    return out


def _regroup_view(
    cid: Any,
    grids: gpd.GeoDataFrame,
    units: pd.DataFrame,
    members: Mapping[str, Collection[str]],
    edges: pd.DataFrame,
    band: tuple[float, float],
    size_by: str,
    locked: Collection[str],
) -> RegroupData[str, str]:
    """Community ``cid``'s units and grids as :func:`geo.grids.regroup.best_regroup` reads them
    (cells' areas, perimeters and shared edges, the figures the gridder optimises; its grids
    that are not locked may take part). Only the community's own units and the edges between
    them are read: no unit moves to a grid of another community."""
    frozen = set(locked)
    mine = {gid: members[gid] for gid in grids.index[grids["community_id"] == cid]}
    labels = {u: gid for gid, ids in mine.items() for u in ids}
    nbrs: dict[str, list[tuple[str, float]]] = {u: [] for u in labels}
    inner: dict[str, float] = {}
    own = edges[edges["unit_a"].isin(labels) & edges["unit_b"].isin(labels)]
    for a, b, w in zip(
        own["unit_a"].tolist(), own["unit_b"].tolist(), own["length_m"].tolist(), strict=True
    ):
        nbrs[a].append((b, float(w)))
        nbrs[b].append((a, float(w)))
        if labels[a] == labels[b]:
            inner[labels[a]] = inner.get(labels[a], 0.0) + float(w)
    rows = units.loc[list(labels)]
    size = rows[size_by].astype(float).to_dict()
    area = rows["area_m2"].astype(float).to_dict()
    per = rows["perimeter_m"].astype(float).to_dict()
    grid_size = {gid: sum(size[u] for u in ids) for gid, ids in mine.items()}
    grid_area = {gid: sum(area[u] for u in ids) for gid, ids in mine.items()}
    grid_per = {
        gid: sum(per[u] for u in ids) - 2 * inner.get(gid, 0.0) for gid, ids in mine.items()
    }
    return RegroupData(
        labels,
        mine,
        nbrs,
        size,
        area,
        per,
        grid_size,
        grid_area,
        grid_per,
        band[0],
        band[1],
        lambda h: h not in frozen,
    )


# --------------------------------------------------------------------------- tiling


def tiling_check(
    grids: gpd.GeoDataFrame, communities: gpd.GeoDataFrame, *, rel_tol: float = TILING_REL_TOL
) -> pd.DataFrame:
    """Check that each community's grids tile it: no gap, nothing outside, no overlap with any
    other grid, of this community or another one.

    Returns one row per community: ``community_id, area_m2, covered_m2``; ``gap_m2`` (community
    area no grid of it covers), ``outside_m2`` (its grids' area outside it), ``area_error_rel``
    (their sum, the symmetric difference, over the community area); ``overlap_m2`` (pairwise
    overlaps of its own grids), ``cross_overlap_m2`` (overlap of its grids with grids of other
    communities, e.g. when two community boundaries overlap), ``n_grids`` and ``ok`` (error and
    both overlaps below ``rel_tol`` relative to the community area).
    """
    geoms_all = grids.geometry.to_numpy()
    cross = _cross_overlaps(geoms_all, grids["community_id"].to_numpy(dtype=object))
    rows = []
    for cid, comm in zip(communities.index, communities.geometry, strict=True):
        mine = (grids["community_id"] == cid).to_numpy()
        geoms = geoms_all[mine]
        area = float(comm.area)
        if len(geoms) == 0:
            rows.append(
                {
                    "community_id": cid,
                    "area_m2": area,
                    "covered_m2": 0.0,
                    "gap_m2": area,
                    "outside_m2": 0.0,
                    "area_error_rel": 1.0,
                    "overlap_m2": 0.0,
                    "cross_overlap_m2": 0.0,
                    "n_grids": 0,
                    "ok": False,
                }
            )
            continue
        union = shapely.union_all(geoms)
        gap = float(shapely.area(shapely.difference(comm, union)))
        outside = float(shapely.area(shapely.difference(union, comm)))
        err = (gap + outside) / area if area > 0 else (0.0 if gap + outside == 0 else 1.0)
        a, b = shapely.STRtree(geoms).query(geoms, predicate="intersects")
        keep = a < b
        overlap = (
            float(shapely.area(shapely.intersection(geoms[a[keep]], geoms[b[keep]])).sum())
            if keep.any()
            else 0.0
        )
        xover = float(cross[mine].sum())
        rows.append(
            {
                "community_id": cid,
                "area_m2": area,
                "covered_m2": float(union.area),
                "gap_m2": gap,
                "outside_m2": outside,
                "area_error_rel": err,
                "overlap_m2": overlap,
                "cross_overlap_m2": xover,
                "n_grids": len(geoms),
                "ok": bool(
                    area > 0
                    and err < rel_tol
                    and overlap < rel_tol * area
                    and xover < rel_tol * area
                ),
            }
        )
    return pd.DataFrame(rows)


def _cross_overlaps(geoms: np.ndarray, community_ids: np.ndarray) -> np.ndarray:
    """Per grid, the area it shares with grids of other communities (m²)."""
    out = np.zeros(len(geoms))
    if len(geoms) < 2:
        return out
    a, b = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = (a < b) & (community_ids[a] != community_ids[b])
    if not keep.any():
        return out
    areas = shapely.area(shapely.intersection(geoms[a[keep]], geoms[b[keep]]))
    np.add.at(out, a[keep], areas)
    np.add.at(out, b[keep], areas)
    return out


# --------------------------------------------------------------------------- plan summary


def plan_summary(
    grids: gpd.GeoDataFrame,
    units: pd.DataFrame,
    edges: pd.DataFrame,
    assignment: Mapping[str, str],
    params: GridParams,
) -> dict[str, Any]:
    """Plan-wide figures (JSON-safe) from a grid table with rule columns.

    Deviations are in percent of the community mean of ``params.size_by``.
    """
    n = len(grids)
    absdev = grids["dev_pct"].abs() if n else pd.Series(dtype=float)
    bad = grids[grids["issue"] != ""] if n else grids
    return {
        "n_grids": int(n),
        "n_units": len(units),
        "n_communities_gridded": int(grids["community_id"].nunique()) if n else 0,
        "households": float(grids["households"].sum()) if n else 0.0,
        "party_members": float(grids["party_members"].sum()) if n else 0.0,
        "residents": float(grids["residents"].sum()) if n else 0.0,
        "size_by": params.size_by,
        "band": list(params.band()),
        "share_in_band": float(grids["in_band"].mean()) if n else 0.0,
        "share_party_ok": float(grids["party_ok"].mean()) if n else 0.0,
        "max_abs_dev_pct": float(absdev.max()) if n else 0.0,
        "mean_abs_dev_pct": float(absdev.mean()) if n else 0.0,
        "mean_abs_party_dev_pct": float(grids["party_dev_pct"].abs().mean()) if n else 0.0,
        "mean_polsby_popper": float(grids["polsby_popper"].mean()) if n else 0.0,
        "mean_reock": float(grids["reock"].mean()) if n else 0.0,
        "mean_convex_hull_ratio": float(grids["convex_hull_ratio"].mean()) if n else 0.0,
        "cut_edges": cut_edges(edges, assignment),
        "estates_split": len(split_estates(units, assignment)),
        "all_contiguous": bool(grids["contiguous"].all()) if n else True,
        "share_single_polygon": float((grids.geom_type == "Polygon").mean()) if n else 1.0,
        "min_polsby_popper": float(grids["polsby_popper"].min()) if n else 0.0,
        "out_of_band": (
            [
                {
                    "grid_id": str(g),
                    "community_id": str(c),
                    "size": float(sz),
                    "kind": str(k),
                    "reason": str(r),
                }
                for g, c, sz, k, r in zip(
                    grids.index,
                    grids["community_id"],
                    grids["size"],
                    grids["reason_kind"],
                    grids["band_reason"],
                    strict=True,
                )
                if k
            ]
            if n and "band_reason" in grids
            else []
        ),
        "out_of_rule": [
            {"grid_id": str(g), "community_id": str(c), "issue": str(i)}
            for g, c, i in zip(bad.index, bad["community_id"], bad["issue"], strict=True)
        ],
    }
