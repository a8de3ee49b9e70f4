"""Start from the plan in force: import an existing grid layer as a plan, and repair it.

Most planners redraw an existing plan rather than start blank. :func:`import_plan` turns a
layer of grid polygons (ids and names) into a :class:`~geo.grids.plan.Plan` on the planning
units: each unit goes to the grid holding most of its cell (or footprint), and the import
lists what does not fit: units cut by the existing boundaries, units no grid covers (new
estates, absorbed into a neighbouring grid), land left uncovered and land covered twice.

:func:`repair_plan` then brings out-of-rule grids (outside the size band, or in pieces) back
into the rule with the fewest households moved, and lists every move. The rule on what it may
change (documented in ``docs/editing.md``):

* grids the planner locked never change;
* grids already compliant (in band and contiguous) are *locked by the repair* unless the
  planner names them in ``unlocked`` (or passes ``unlocked="neighbours"``: the compliant
  neighbours of out-of-rule grids, or ``unlocked="all"``); an unlocked compliant grid may
  give or take units but must stay compliant;
* only out-of-rule grids and unlocked grids exchange units, always a unit on the boundary
  between two such grids of one community, never breaking the donor's contiguity.

When the rule leaves a grid no way back into the band, the result says so and names the
compliant neighbours to unlock. Growth uses the same path: import the old plan's grid
polygons over the new units (:func:`import_plan`), then :func:`repair_plan`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from geo.data.crs import require_metric
from geo.errors import CRSError, Problem, ValidationError
from geo.grids.graph import components
from geo.grids.ids import community_prefixes, new_grid_ids
from geo.grids.params import GridParams
from geo.grids.plan import Plan
from geo.grids.repair import MOVE_COLUMNS, band_penalty
from geo.grids.units import UnitGraph, adjacency, build_units_from_frames, prepare_frames
from geo.settings import FUSION_MIN_OVERLAP_M2, GRID_DEBRIS_M2, GRID_THIN_M, IMPORT_CUT_SHARE

if TYPE_CHECKING:
    import geopandas as gpd

    from geo.data.schema import Layers
    from geo.grids.params import GridParams


# --------------------------------------------------------------------------- import


@dataclass(frozen=True, eq=False)
class ImportResult:
    """An existing grid layer read as a plan, with everything that did not fit.

    Attributes
    ----------
    plan : Plan
        Every unit in exactly one grid (unassigned units absorbed, grids nested in
        communities), scored by :meth:`Plan.grids` / :meth:`Plan.summary`.
    unit_shares : DataFrame
        Per unit: ``unit_id, grid_id`` (dominant imported grid, None when uncovered),
        ``share`` (its area in that grid over its covered area, 0-1), ``covered_share``
        (covered area over its area, 0-1, capped at 1), ``n_grids`` (grids it overlaps).
    cut_units : DataFrame
        The rows of ``unit_shares`` with ``share`` below ``cut_share``: units cut by the
        existing boundaries.
    absorbed : DataFrame
        Units no imported grid covers, with the grid that absorbed them
        (:data:`MOVE_COLUMNS`, ``from_grid`` None).
    uncovered : GeoDataFrame
        Per community, the land no imported grid covers: ``community_id, area_m2``, polygon.
    overlaps : GeoDataFrame
        Land covered twice: ``grid_a, grid_b, area_m2``, polygon.
    renamed : dict
        ``{imported grid id: [new ids]}`` for imported grids that spanned several
        communities: the part in the community with most households keeps the id.
    empty_grids : tuple of str
        Imported grids that got no unit.
    recut : tuple of str
        Units whose cell was cut along the imported boundaries (see
        :func:`follow_boundaries`), so that the grids keep their imported outlines.
    problems : tuple of Problem
        Warnings in words (cuts, gaps, overlaps, absorbed units, renamed or empty grids).
    """

    plan: Plan
    unit_shares: pd.DataFrame
    cut_units: pd.DataFrame
    absorbed: pd.DataFrame
    uncovered: gpd.GeoDataFrame
    overlaps: gpd.GeoDataFrame
    renamed: dict[str, list[str]] = field(default_factory=dict)
    empty_grids: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()
    recut: tuple[str, ...] = ()

    def summary(self) -> dict[str, Any]:
        """JSON-safe summary: the plan's metrics plus the import findings."""
        out = self.plan.summary()
        out["import"] = {
            "n_units_cut": len(self.cut_units),
            "cut_units": self.cut_units["unit_id"].tolist()[:50],
            "n_units_absorbed": len(self.absorbed),
            "uncovered_m2": float(self.uncovered["area_m2"].sum()) if len(self.uncovered) else 0.0,
            "overlap_m2": float(self.overlaps["area_m2"].sum()) if len(self.overlaps) else 0.0,
            "renamed": {k: list(v) for k, v in self.renamed.items()},
            "empty_grids": list(self.empty_grids),
            "n_cells_recut": len(self.recut),
            "problems": [str(p) for p in self.problems],
        }
        return out


def _grid_frame(
    grid_layer: gpd.GeoDataFrame, crs: Any, id_field: str, name_field: str
) -> gpd.GeoDataFrame:
    """Imported grids as ``grid_id, name``, valid polygons, one row per id, in ``crs``."""
    import geopandas as gpd

    if not isinstance(grid_layer, gpd.GeoDataFrame):
        raise ValidationError(
            [
                Problem(
                    "grids",
                    f"expected a GeoDataFrame of grid polygons, got {type(grid_layer).__name__}",
                    "read the file with geo.data.io.read_layer",
                    code="im_bad_input",
                    params={"type": type(grid_layer).__name__},
                )
            ]
        )
    if grid_layer.crs is None:
        raise CRSError("the imported grid layer has no CRS; declare its datum (e.g. EPSG:4326)")
    if id_field not in grid_layer.columns:
        raise ValidationError(
            [
                Problem(
                    "grids",
                    f"no `{id_field}` column (columns: {list(grid_layer.columns)})",
                    f"name the id column with `id_field` or add `{id_field}`",
                    field=id_field,
                    code="fu_other_no_id",
                    params={"column": id_field, "have": ", ".join(map(str, grid_layer.columns))},
                )
            ]
        )
    layer = grid_layer[grid_layer.geometry.notna() & ~grid_layer.geometry.is_empty]
    bad = ~layer.geom_type.isin(["Polygon", "MultiPolygon"])
    if bad.any():
        raise ValidationError(
            [
                Problem(
                    "grids",
                    f"{int(bad.sum())} feature(s) are not polygons "
                    f"({sorted(set(layer.geom_type[bad]))}), e.g. id "
                    f"{layer[id_field][bad].iloc[0]!r}",
                    "import the grid polygons, not their lines or centres",
                    feature=str(layer[id_field][bad].iloc[0]),
                    code="im_not_polygons",
                    params={
                        "n": int(bad.sum()),
                        "types": ", ".join(sorted(set(layer.geom_type[bad]))),
                        "id": str(layer[id_field][bad].iloc[0]),
                    },
                )
            ]
        )
    if layer.empty:
        raise ValidationError(
            [
                Problem(
                    "grids",
                    "the grid layer holds no polygon",
                    "import a non-empty grid layer",
                    code="im_empty",
                )
            ]
        )
    layer = layer.to_crs(crs) if layer.crs != crs else layer
    ids = layer[id_field].astype(str)
    names = layer[name_field].astype(str) if name_field in layer.columns else ids
    geom = layer.geometry.make_valid()
    frame = gpd.GeoDataFrame(
        {"grid_id": ids.to_numpy(), "name": names.to_numpy()}, geometry=geom.to_numpy(), crs=crs
    )
    # One id on several features = one multi-part grid.
    return frame.dissolve(by="grid_id", aggfunc="first", as_index=False).sort_values(
        "grid_id", ignore_index=True
    )


def unit_grid_shares(
    units: gpd.GeoDataFrame,
    grids: gpd.GeoDataFrame,
    *,
    by: str = "cell",
    min_area_m2: float = FUSION_MIN_OVERLAP_M2,
    overlapping: Iterable[tuple[str, str]] | None = None,
) -> pd.DataFrame:
    """Which imported grid holds most of each unit, and how much.

    Parameters
    ----------
    units : GeoDataFrame
        ``UnitGraph.units`` (index ``unit_id``; cell geometry; ``footprint``), metric CRS.
    grids : GeoDataFrame
        ``grid_id`` and polygons, same CRS.
    by : {"cell", "footprint"}
        Measure the unit by its cell (all land) or its footprint (the estate or building);
        a footprint without area (a building given as a point) goes to the grid holding it.
    min_area_m2 : float
        Overlaps below this area (m²) are ignored, so that a boundary drawn a little off
        the cells does not count as covering a unit.
    overlapping : iterable of (grid id, grid id), optional
        The pairs of grids that overlap (from :func:`coverage_gaps`). When given, a unit
        lying wholly inside one grid is intersected only with the grids overlapping that
        one (the others can only touch it), which saves most of the polygon intersections.

    Returns
    -------
    DataFrame
        ``unit_id, grid_id, share, covered_share, n_grids`` (see :class:`ImportResult`);
        ties go to the smaller grid id.
    """
    import geopandas as gpd
    import shapely

    if by not in ("cell", "footprint"):
        raise ValidationError(
            [
                Problem(
                    "import",
                    f"`by` must be 'cell' or 'footprint', got {by!r}",
                    "use by='cell' (default) or by='footprint'",
                    code="im_by",
                    params={"by": repr(by)},
                )
            ]
        )
    geoms = (
        units.geometry.to_numpy()
        if by == "cell"
        else np.asarray(units["footprint"].to_numpy(), dtype=object)
    )
    ids = units.index.to_numpy()
    left = gpd.GeoDataFrame({"row": np.arange(len(units))}, geometry=geoms, crs=units.crs)
    pairs = gpd.sjoin(left, grids[["grid_id", "geometry"]], predicate="intersects", how="inner")
    rows = pairs["row"].to_numpy()
    grid_rows = pairs["index_right"].to_numpy()
    area = shapely.area(geoms)
    inter = _pair_areas(geoms, grids, rows, grid_rows, area, overlapping)
    per = pd.DataFrame({"row": rows, "grid_id": pairs["grid_id"].to_numpy(), "area": inter})
    # Slivers below FUSION_MIN_OVERLAP_M2 (drawing noise along a shared boundary) do not count.
    per = per[per["area"] >= min_area_m2].sort_values(
        ["row", "area", "grid_id"], ascending=[True, False, True]
    )
    total = per.groupby("row")["area"].sum()
    n = per.groupby("row")["grid_id"].nunique()
    dom = per.drop_duplicates("row").set_index("row")
    out = pd.DataFrame({"unit_id": ids})
    out["grid_id"] = dom["grid_id"].reindex(np.arange(len(units))).to_numpy()
    out["grid_id"] = out["grid_id"].astype(object).where(out["grid_id"].notna(), None)
    dom_area = dom["area"].reindex(np.arange(len(units))).fillna(0.0).to_numpy()
    tot = total.reindex(np.arange(len(units))).fillna(0.0).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["share"] = np.where(tot > 0, dom_area / tot, 0.0)
        out["covered_share"] = np.where(area > 0, np.minimum(tot / area, 1.0), 0.0)
    out["n_grids"] = n.reindex(np.arange(len(units))).fillna(0).astype(int).to_numpy()
    flat = np.flatnonzero(area <= 0)
    if len(flat):  # footprints without area (buildings as points): the grid holding the point
        pts = gpd.GeoDataFrame(
            {"row": flat}, geometry=shapely.point_on_surface(geoms[flat]), crs=units.crs
        )
        hit = gpd.sjoin(pts, grids[["grid_id", "geometry"]], predicate="within", how="inner")
        hit = hit.sort_values(["row", "grid_id"])
        count = hit.groupby("row")["grid_id"].nunique()
        first = hit.drop_duplicates("row").set_index("row")["grid_id"]
        rows_hit = first.index.to_numpy()
        out.loc[rows_hit, "grid_id"] = first.to_numpy()
        out.loc[rows_hit, "share"] = 1.0 / count.reindex(rows_hit).to_numpy()
        out.loc[rows_hit, "covered_share"] = 1.0
        out.loc[rows_hit, "n_grids"] = count.reindex(rows_hit).to_numpy()
    return out


def _pair_areas(
    geoms: np.ndarray,
    grids: gpd.GeoDataFrame,
    rows: np.ndarray,
    grid_rows: np.ndarray,
    area: np.ndarray,
    overlapping: Iterable[tuple[str, str]] | None,
) -> np.ndarray:
    """Area (m²) of each (unit, grid) pair's intersection, skipping what cannot be positive."""
    import shapely

    gg = grids.geometry.to_numpy()
    if overlapping is None or len(rows) == 0:
        return (
            shapely.area(shapely.intersection(geoms[rows], gg[grid_rows]))
            if len(rows)
            else np.array([])
        )
    gid = grids["grid_id"].to_numpy()
    shapely.prepare(gg)  # shapely's own index inside each geometry; values unchanged
    covered = shapely.covered_by(geoms[rows], gg[grid_rows])
    cover_of = dict(zip(rows[covered], gid[grid_rows[covered]], strict=False))
    listed = [(str(a), str(b)) for a, b in overlapping]
    pairs = set(listed) | {(b, a) for a, b in listed}
    out = np.zeros(len(rows))
    need = np.ones(len(rows), dtype=bool)
    for i, (r, g) in enumerate(zip(rows, grid_rows, strict=True)):
        c = cover_of.get(r)
        if c is None:
            continue
        if gid[g] == c:
            out[i] = area[r]
            need[i] = False
        elif (c, gid[g]) not in pairs:
            need[i] = False  # inside grid c, which this grid does not overlap: they only touch
    if need.any():
        out[need] = shapely.area(shapely.intersection(geoms[rows[need]], gg[grid_rows[need]]))
    return out


def coverage_gaps(
    grids: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame,
    *,
    min_area_m2: float = FUSION_MIN_OVERLAP_M2,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Land of the communities no grid covers, and land two grids cover.

    Returns
    -------
    (uncovered, overlaps) : GeoDataFrames
        ``community_id, area_m2`` and ``grid_a, grid_b, area_m2`` with polygons; pieces
        below ``min_area_m2`` (m²) are left out.
    """
    import geopandas as gpd
    import shapely

    union = shapely.union_all(grids.geometry.to_numpy())
    comm_ids = (
        communities["community_id"].astype(str).to_numpy()
        if "community_id" in communities.columns
        else communities.index.astype(str).to_numpy()
    )
    holes = shapely.difference(communities.geometry.to_numpy(), union)
    area = shapely.area(holes)
    keep = area >= min_area_m2
    uncovered = gpd.GeoDataFrame(
        {"community_id": comm_ids[keep], "area_m2": area[keep]},
        geometry=holes[keep],
        crs=communities.crs,
    )
    geoms = grids.geometry.to_numpy()
    a, b = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    m = a < b
    a, b = a[m], b[m]
    if len(a):  # neighbours that only touch need no intersection
        inner = shapely.relate_pattern(geoms[a], geoms[b], "T********")
        a, b = a[inner], b[inner]
    inter = shapely.intersection(geoms[a], geoms[b]) if len(a) else np.array([], dtype=object)
    ov_area = shapely.area(inter) if len(a) else np.array([])
    k = ov_area >= min_area_m2
    gid = grids["grid_id"].to_numpy()
    overlaps = gpd.GeoDataFrame(
        {"grid_a": gid[a[k]], "grid_b": gid[b[k]], "area_m2": ov_area[k]},
        geometry=inter[k] if len(a) else [],
        crs=grids.crs,
    )
    return uncovered.reset_index(drop=True), overlaps.reset_index(drop=True)


def _nest(
    assignment: dict[str, str], units: gpd.GeoDataFrame, taken: set[str]
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Split imported grids spanning communities; the part with most households keeps the id."""
    frame = pd.DataFrame(
        {
            "grid_id": [assignment.get(u) for u in units.index],
            "community_id": units["community_id"].to_numpy(),
            "households": units["households"].to_numpy(float),
        },
        index=units.index,
    )
    frame = frame[frame["grid_id"].notna()]
    per = (
        frame.groupby(["grid_id", "community_id"])["households"].agg(["sum", "size"]).reset_index()
    )
    per = per.sort_values(
        ["grid_id", "sum", "size", "community_id"], ascending=[True, False, False, True]
    )
    out = dict(assignment)
    renamed: dict[str, list[str]] = {}
    for gid, sub in per.groupby("grid_id", sort=True):
        if len(sub) < 2:
            continue
        fresh = new_grid_ids(str(gid), taken, len(sub) - 1)
        taken |= set(fresh)
        renamed[str(gid)] = fresh
        for cid, new in zip(sub["community_id"].iloc[1:], fresh, strict=True):
            for u in frame.index[(frame["grid_id"] == gid) & (frame["community_id"] == cid)]:
                out[u] = new
    return out, renamed


def _absorb(
    assignment: dict[str, str], graph: UnitGraph, params: GridParams, taken: set[str]
) -> tuple[dict[str, str], pd.DataFrame, list[Problem]]:
    """Give every unit without a grid to a neighbouring grid, with minimal change.

    Waves from the covered units outwards (deterministic order): a unit joins the adjacent
    grid of its community that stays closest to the band after taking it (then the longest
    shared edge, then the smaller id). A community no grid reaches gets one new grid per
    connected piece of its uncovered units.
    """

    out = dict(assignment)
    units = graph.units
    col = params.size_by
    size = units[col].astype(float).to_dict()
    hh = units["households"].astype(float).to_dict()
    comm = graph.community_of
    nbrs = graph.neighbors
    lengths = graph.edge_lengths
    lo, hi = params.band()
    load: dict[str, float] = {}
    for u, g in out.items():
        load[g] = load.get(g, 0.0) + size[u]
    todo = sorted(u for u in units.index if u not in out)
    moves = []
    while todo:
        progressed = []
        for u in todo:
            cands = {out[v] for v in nbrs.get(u, ()) if v in out and comm[v] == comm[u]}
            if not cands:
                continue

            def key(g: str, u: str = u) -> tuple[float, float, str]:
                after = load[g] + size[u]
                edge = sum(lengths.get((u, v), 0.0) for v in nbrs[u] if out.get(v) == g)
                return (band_penalty(after, lo, hi), -edge, g)

            g = min(cands, key=key)
            progressed.append((u, g))
        if not progressed:
            break
        for u, g in progressed:
            out[u] = g
            load[g] = load.get(g, 0.0) + size[u]
            moves.append({"unit_id": u, "from_grid": None, "to_grid": g, "households": hh[u]})
        todo = [u for u in todo if u not in out]
    problems = []
    if todo:
        prefixes = community_prefixes(graph.communities)
        for cid in sorted({comm[u] for u in todo}):
            pieces = components([u for u in todo if comm[u] == cid], graph.adjacency)
            template = prefixes.get(cid, str(cid)) + "000"
            fresh = new_grid_ids(template, taken, len(pieces))
            taken |= set(fresh)
            for piece, g in zip(pieces, fresh, strict=True):
                for u in piece:
                    out[u] = g
                    moves.append(
                        {"unit_id": u, "from_grid": None, "to_grid": g, "households": hh[u]}
                    )
            problems.append(
                Problem(
                    "grids",
                    f"no imported grid covers community {cid!r}; its "
                    f"{sum(len(p) for p in pieces)} unit(s) form {len(pieces)} new grid(s) "
                    f"{fresh}",
                    "grid that community automatically or draw its grids",
                    feature=str(cid),
                    severity="warning",
                    code="import_community_uncovered",
                    params={
                        "community": str(cid),
                        "n_units": sum(len(p) for p in pieces),
                        "n_grids": len(pieces),
                        "grids": ", ".join(fresh),
                    },
                )
            )
    return out, pd.DataFrame(moves, columns=list(MOVE_COLUMNS)), problems


def import_plan(
    units: UnitGraph,
    grid_layer: gpd.GeoDataFrame,
    *,
    id_field: str = "grid_id",
    name_field: str = "name",
    by: str = "cell",
    params: GridParams | None = None,
    cut_share: float = IMPORT_CUT_SHARE,
    keep_boundaries: bool = True,
) -> ImportResult:
    """Import an existing grid layer as a plan on ``units``.

    Parameters
    ----------
    units : UnitGraph
        Planning units (:func:`geo.grids.units.build_units`), metric CRS.
    grid_layer : GeoDataFrame
        The plan in force: grid polygons with ``id_field`` (and optionally ``name_field``),
        any CRS (reprojected). Several features with one id form one grid.
    id_field, name_field : str
        Columns holding the grid id and display name.
    by : {"cell", "footprint"}
        A unit goes to the grid holding most of its cell area (default) or of its footprint.
    params : GridParams, optional
        Parameters the plan is scored with (default ``GridParams()``).
    cut_share : float
        A unit with less than this share of its covered area in its dominant grid is "cut".
    keep_boundaries : bool
        Cut the cells the imported boundaries cross along those boundaries
        (:func:`follow_boundaries`, default), so that every grid keeps its imported outline;
        False keeps the cells as built (outlines re-derived from whole cells).

    Returns
    -------
    ImportResult

    Raises
    ------
    ValidationError
        No id column, non-polygon features, an empty layer.
    CRSError
        ``units`` not metric, or a grid layer without a CRS.

    Examples
    --------
    Not run as a doctest: it reads an old plan file the caller supplies.

    >>> res = import_plan(graph, read_layer("grids_2023.geojson"))   # doctest: +SKIP
    >>> res.cut_units.head(); res.plan.summary()["share_in_band"]     # doctest: +SKIP
    """

    params = params or GridParams()
    require_metric(units.units, "units")
    grids = _grid_frame(grid_layer, units.crs, id_field, name_field)
    comms = (
        units.communities.reset_index(drop=True)
        if "community_id" in units.communities.columns
        else units.communities.rename_axis("community_id").reset_index()
    )
    uncovered, overlaps = coverage_gaps(grids, comms)
    shares = unit_grid_shares(
        units.units,
        grids,
        by=by,
        overlapping=zip(overlaps["grid_a"], overlaps["grid_b"], strict=True),
    )
    assignment = {
        u: g for u, g in zip(shares["unit_id"], shares["grid_id"], strict=True) if g is not None
    }
    recut: tuple[str, ...] = ()
    if keep_boundaries:
        units, recut = follow_boundaries(
            units, grids, dict(zip(shares["unit_id"], shares["grid_id"], strict=True))
        )
    taken = set(grids["grid_id"])
    assignment, renamed = _nest(assignment, units.units, taken)
    assignment, absorbed, problems = _absorb(assignment, units, params, taken)
    names = dict(zip(grids["grid_id"], grids["name"], strict=True))
    for old, fresh in renamed.items():
        for new in fresh:
            names[new] = (
                f"{names.get(old, old)} ({new.rsplit('-', 1)[-1] if '-' in new else new[-3:]})"
            )
    used = set(assignment.values())
    empty = tuple(sorted(set(grids["grid_id"]) - used))
    cut = shares[(shares["grid_id"].notna()) & (shares["share"] < cut_share)].reset_index(drop=True)
    problems = _import_problems(cut, absorbed, uncovered, overlaps, renamed, empty) + problems
    outlines = _kept_outlines(grids, assignment, shares) if keep_boundaries else {}
    plan = Plan(
        units,
        assignment,
        {g: n for g, n in names.items() if g in used},
        frozenset(),
        params,
        outlines=outlines,
    )
    if recut:
        problems.append(
            Problem(
                "grids",
                f"{len(recut)} unit cell(s) crossed by the imported boundaries were cut "
                f"along them so that the grids keep their outlines, e.g. {list(recut)[:5]}",
                "none needed",
                severity="warning",
                code="import_cells_recut",
                params={"n": len(recut), "units": ", ".join(map(str, list(recut)[:5]))},
            )
        )
    return ImportResult(
        plan=plan,
        unit_shares=shares,
        cut_units=cut,
        absorbed=absorbed,
        uncovered=uncovered,
        overlaps=overlaps,
        renamed=renamed,
        empty_grids=empty,
        problems=tuple(problems),
        recut=recut,
    )


def _kept_outlines(
    grids: gpd.GeoDataFrame, assignment: Mapping[str, str], shares: pd.DataFrame
) -> dict[str, tuple[frozenset[str], Any]]:
    """Imported outlines of the grids that got exactly the units their polygon holds.

    A grid renamed by nesting, or that absorbed uncovered units, is left out: its polygon no
    longer describes its units.
    """
    home: dict[str, set[str]] = {}
    for u, g in zip(shares["unit_id"], shares["grid_id"], strict=True):
        if g is not None:
            home.setdefault(str(g), set()).add(u)
    final: dict[str, set[str]] = {}
    for u, g in assignment.items():
        final.setdefault(g, set()).add(u)
    geom = dict(zip(grids["grid_id"].astype(str), grids.geometry, strict=True))
    return {
        g: (frozenset(us), geom[g]) for g, us in final.items() if g in geom and home.get(g) == us
    }


def import_plan_layers(
    layers: Layers,
    grid_layer: gpd.GeoDataFrame,
    *,
    id_field: str = "grid_id",
    name_field: str = "name",
    by: str = "cell",
    params: GridParams | None = None,
    barriers: gpd.GeoSeries | gpd.GeoDataFrame | None = None,
    refine: bool = True,
) -> ImportResult:
    """Import a grid layer over loaded layers, splitting estates it cuts into their buildings.

    Builds the planning units (:func:`geo.grids.units.build_units_from_frames`) and imports the
    layer (:func:`import_plan`). With ``refine``, every whole estate the layer cuts that has
    buildings is then split into its buildings and the layer imported again, so that an
    existing boundary running between the buildings of one estate (as plans made by
    building do) is kept instead of being reported as a cut; the estates refined are
    listed in ``problems``. Estates without buildings stay cut.

    Parameters
    ----------
    layers : Layers
        Loaded layers (metric CRS).
    grid_layer, id_field, name_field, by, params
        As in :func:`import_plan`.
    barriers : lines, optional
        Passed to the unit builder.
    refine : bool
        Split cut estates into their buildings (default True).

    Returns
    -------
    ImportResult
    """

    params = params or GridParams()
    kw: dict[str, Any] = {"max_households": params.max_households, "barriers": barriers}
    units = build_units_from_frames(layers.communities, layers.estates, layers.buildings, **kw)
    kw_imp: dict[str, Any] = {
        "id_field": id_field,
        "name_field": name_field,
        "by": by,
        "params": params,
    }
    first = import_plan(units, grid_layer, **kw_imp, keep_boundaries=False)
    if (
        not refine
        or layers.buildings is None
        or len(layers.buildings) == 0
        or first.cut_units.empty
    ):
        return import_plan(units, grid_layer, **kw_imp) if len(first.cut_units) else first
    cut = units.units.loc[first.cut_units["unit_id"]]
    cut_estates = set(cut.loc[cut["building_id"].isna(), "estate_id"].astype(str))
    bld = prepare_frames(layers.communities, layers.estates, layers.buildings, **kw).buildings
    if bld is None or not bld["estate_id"].isin(cut_estates).any():
        return import_plan(units, grid_layer, **kw_imp)
    est = layers.estates
    big = set(est.loc[est["households"] > params.max_households, "estate_id"].astype(str))
    keep = bld[bld["estate_id"].isin(cut_estates | big)]
    finer = build_units_from_frames(
        layers.communities, layers.estates, keep, split_by_buildings_above=1, **kw
    )
    out = import_plan(finer, grid_layer, **kw_imp)
    refined = sorted(cut_estates & set(keep["estate_id"]))
    note = Problem(
        "grids",
        f"{len(refined)} estate(s) cut by the imported boundaries were split into their "
        f"buildings to follow them, e.g. {refined[:5]}",
        "none needed; check the buildings' grids",
        severity="warning",
        code="import_estates_by_building",
        params={"n": len(refined), "estates": ", ".join(map(str, refined[:5]))},
    )
    return dataclasses.replace(out, problems=(*out.problems, note))


def _import_problems(
    cut: pd.DataFrame,
    absorbed: pd.DataFrame,
    uncovered: gpd.GeoDataFrame,
    overlaps: gpd.GeoDataFrame,
    renamed: Mapping[str, list[str]],
    empty: tuple[str, ...],
) -> list[Problem]:
    out = []
    if len(cut):
        out.append(
            Problem(
                "grids",
                f"{len(cut)} unit(s) are cut by the imported boundaries (less than "
                f"{IMPORT_CUT_SHARE:.0%} in one grid), e.g. {cut['unit_id'].tolist()[:5]}; each went "
                "to the grid holding most of it",
                "check those boundaries",
                severity="warning",
                code="import_units_cut",
                params={
                    "n": len(cut),
                    "share": f"{IMPORT_CUT_SHARE:.0%}",
                    "units": ", ".join(map(str, cut["unit_id"].tolist()[:5])),
                },
            )
        )
    if len(absorbed):
        out.append(
            Problem(
                "grids",
                f"{len(absorbed)} unit(s) lie in no imported grid, e.g. "
                f"{absorbed['unit_id'].tolist()[:5]}; each joined a neighbouring grid",
                "check the new estates' grids (repair_plan fixes the band)",
                severity="warning",
                code="import_units_absorbed",
                params={
                    "n": len(absorbed),
                    "units": ", ".join(map(str, absorbed["unit_id"].tolist()[:5])),
                },
            )
        )
    for cid, area in zip(
        uncovered.get("community_id", []), uncovered.get("area_m2", []), strict=True
    ):
        out.append(
            Problem(
                "grids",
                f"{area:.0f} m² of community {cid!r} is in no imported grid",
                "extend the grids to the community boundary",
                feature=str(cid),
                severity="warning",
                code="import_area_uncovered",
                params={"area": f"{area:.0f}", "community": str(cid)},
            )
        )
    for a, b, area in zip(
        overlaps.get("grid_a", []),
        overlaps.get("grid_b", []),
        overlaps.get("area_m2", []),
        strict=True,
    ):
        out.append(
            Problem(
                "grids",
                f"grids {a} and {b} overlap on {area:.0f} m²",
                "make every piece of land belong to one grid",
                feature=f"{a}/{b}",
                severity="warning",
                code="import_grids_overlap",
                params={"a": str(a), "b": str(b), "area": f"{area:.0f}"},
            )
        )
    for old, fresh in renamed.items():
        out.append(
            Problem(
                "grids",
                f"grid {old} spans {len(fresh) + 1} communities; its parts outside the main "
                f"community became {fresh}",
                "draw grids inside one community",
                feature=old,
                severity="warning",
                code="import_grid_spans",
                params={"grid": str(old), "n": len(fresh) + 1, "grids": ", ".join(fresh)},
            )
        )
    if empty:
        out.append(
            Problem(
                "grids",
                f"{len(empty)} imported grid(s) hold no planning unit: {list(empty)[:5]}",
                "check them against the estates layer",
                severity="warning",
                code="import_grids_empty",
                params={"n": len(empty), "grids": ", ".join(map(str, list(empty)[:5]))},
            )
        )
    return out


# --------------------------------------------------------------------------- a saved plan's units


def building_split_estates(unit_ids: Iterable[str]) -> tuple[str, ...]:
    """Estates whose units are buildings (unit id ``ESTATE/BUILDING``), sorted.

    Examples
    --------
    >>> building_split_estates(["E1/B2", "E1/B3", "E2", "E3#1", "E4/B1"])
    ('E1', 'E4')
    """
    return tuple(sorted({str(u).split("/", 1)[0] for u in unit_ids if "/" in str(u)}))


def units_split_by_buildings(
    layers: Layers, max_households: int, split: Iterable[str] = ()
) -> UnitGraph:
    """The planning units with the estates ``split`` cut into their buildings whatever their size.

    What :func:`import_plan_layers` builds when imported boundaries cut estates, and so what a
    plan saved from such an import was made on. Empty ``split`` (or no buildings layer): the
    gridding engine's units (``build_units``: estates above ``max_households`` split).
    """
    wanted = set(split)
    if not wanted or layers.buildings is None or len(layers.buildings) == 0:
        return build_units_from_frames(
            layers.communities, layers.estates, layers.buildings, max_households=max_households
        )
    bld = prepare_frames(
        layers.communities, layers.estates, layers.buildings, max_households=max_households
    ).buildings
    # buildings were given (checked above), so prepare_frames returns them
    keep = bld[bld["estate_id"].astype(str).isin(wanted)]  # type: ignore[index]
    return build_units_from_frames(
        layers.communities,
        layers.estates,
        keep,
        split_by_buildings_above=1,
        max_households=max_households,
    )


def units_for_plan(layers: Layers, unit_ids: Iterable[str], max_households: int) -> UnitGraph:
    """The planning units a saved plan (its assignment's ``unit_ids``) was made on.

    The engine's own units when their ids match; otherwise those with the estates the ids show
    cut into buildings (a plan imported with :func:`import_plan_layers`). The app's plan store
    and ``geo.output.store.record_to_plan`` callers rebuild units this one way.
    """
    ids = {str(u) for u in unit_ids}
    units = units_split_by_buildings(layers, max_households)
    if {str(u) for u in units.units.index} == ids:
        return units
    return units_split_by_buildings(layers, max_households, building_split_estates(ids))


# --------------------------------------------------------------------------- boundaries kept

#: Width (m) of the band around a cell within which a piece's boundary counts as shared with it.
_SHARED_EPS_M = 0.05
#: Half-width (m) below which a strip of land is rounding noise (7 decimals of a degree ~ 1 cm).
_THIN_M = 0.05
#: Widest gap (m) across which a sliver is joined to the cell taking it (floating-point noise).
_FUSE_M = 1e-6
#: Rounds of giving slivers away (a cell receiving one is looked at again).
_SLIVER_PASSES = 3


def _polygonal(geom: Any) -> Any:
    """The polygonal part of a geometry (None when it has no area)."""
    import shapely

    if geom is None or geom.is_empty:
        return None
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else None


def _thin_parts(geom: Any) -> list[Any]:
    """The parts of a polygonal geometry narrower than ``2 * _THIN_M`` (slivers of rounding)."""
    import shapely

    if geom is None:
        return []
    parts = shapely.get_parts(geom)
    thin = shapely.is_empty(shapely.buffer(parts, -_THIN_M, quad_segs=1))
    return list(parts[thin])


def follow_boundaries(
    units: UnitGraph, grids: gpd.GeoDataFrame, home: Mapping[str, str | None]
) -> tuple[UnitGraph, tuple[str, ...]]:
    """Cut unit cells along the imported grid boundaries, where those boundaries cross a cell.

    The cells of the units are a tessellation built from the data; the plan in force was
    drawn (or exported) with boundaries of its own. A cell that lies inside its home grid
    stays as it is. A cell that a boundary crosses keeps the part inside its home grid (and
    any land no grid covers); each part inside another grid ``h`` goes to the unit of the same
    community whose home is ``h`` and whose cell shares the longest edge with that part (the
    part stays with its unit when no such unit touches it). So the union of a grid's cells is
    the imported polygon again (on the land of the communities), and the grid outlines of the
    plan in force survive the import.

    Parameters
    ----------
    units : UnitGraph
        Planning units, metric CRS.
    grids : GeoDataFrame
        Imported grids: ``grid_id`` and polygons, same CRS.
    home : mapping unit_id -> imported grid id or None
        The imported grid each unit went to (:func:`unit_grid_shares`); None for units no
        grid covers.

    Returns
    -------
    (UnitGraph, tuple of str)
        The units with the cut cells (cell area, perimeter and centroid updated; adjacency
        recomputed around the changed cells) and the ids of the units whose cell changed.
    """
    import shapely

    table = units.units
    ids = table.index.to_numpy()
    cells = table.geometry.to_numpy()
    gg = grids.geometry.to_numpy()
    gid = grids["grid_id"].astype(str).to_numpy()
    row_of_grid = {g: i for i, g in enumerate(gid)}
    shapely.prepare(gg)
    ui, gi = shapely.STRtree(gg).query(cells, predicate="intersects")
    homes = np.array([row_of_grid.get(home.get(u) or "", -1) for u in ids])
    inside = np.zeros(len(ids), dtype=bool)
    own = ui[gi == homes[ui]]
    inside[own] = shapely.covered_by(cells[own], gg[homes[own]])
    # a cell inside its home grid keeps it whole (grids overlapping there are reported apart)
    foreign = (gi != homes[ui]) & ~inside[ui]
    ui, gi = ui[foreign], gi[foreign]
    if len(ui):  # keep pairs whose interiors meet: a grid only touching the cell takes nothing
        meet = shapely.relate_pattern(cells[ui], gg[gi], "T********")
        ui, gi = ui[meet], gi[meet]
    if len(ui) == 0:
        return units, ()
    comm = table["community_id"].astype(str).to_numpy()
    cell_tree = shapely.STRtree(cells)
    given: dict[int, list[Any]] = {}
    received: dict[int, list[Any]] = {}

    def best_unit(piece: Any, g: int, cid: str | None, skip: int = -1) -> int | None:
        """The unit of home ``g`` (in community ``cid``) sharing the longest edge with ``piece``."""
        near = cell_tree.query(piece, predicate="dwithin", distance=_SHARED_EPS_M)
        near = near[(homes[near] == g) & (near != skip)]
        if cid is not None:
            near = near[comm[near] == cid]
        if len(near) == 0:
            return None
        shared = shapely.length(
            shapely.intersection(
                shapely.boundary(piece), shapely.buffer(cells[near], _SHARED_EPS_M, quad_segs=1)
            )
        )
        return int(near[np.lexsort((ids[near], -shared))[0]])

    for u, g in zip(ui, gi, strict=True):
        piece = _polygonal(shapely.intersection(cells[u], gg[g]))
        if piece is None:
            continue
        v = best_unit(piece, int(g), str(comm[u]), skip=int(u))
        if v is None and len(_thin_parts(piece)) == len(shapely.get_parts(piece)):
            v = best_unit(piece, int(g), None, skip=int(u))  # rounding noise on a community edge
        if v is None:
            continue  # no unit of that grid touches the part: the unit stays cut
        given.setdefault(int(u), []).append(piece)
        received.setdefault(v, []).append(piece)
    # Slivers narrower than the export precision along the communities' outer edges: land
    # of a cell in no grid leaves the cell; land of a grid in no cell joins the grid's unit.
    cover = shapely.union_all(gg)
    cut = np.unique(ui)
    for u, rest in zip(cut, shapely.difference(cells[cut], cover), strict=True):
        for part in _thin_parts(_polygonal(rest)):
            given.setdefault(int(u), []).append(part)
    land = shapely.union_all(units.communities.geometry.to_numpy())
    for g, outside in enumerate(shapely.difference(gg, land)):
        for part in _thin_parts(_polygonal(outside)):
            v = best_unit(part, g, None)
            if v is not None:
                received.setdefault(v, []).append(part)
    changed = sorted(set(given) | set(received))
    if not changed:
        return units, ()
    new_cells = cells.copy()
    for i in changed:
        geom = cells[i]
        if i in given:
            geom = shapely.difference(geom, shapely.union_all(given[i]))
        if i in received:
            geom = shapely.union_all([geom, *received[i]])
        new_cells[i] = _polygonal(shapely.make_valid(geom)) or geom
    changed = sorted(set(changed) | _give_slivers(new_cells, changed, homes, comm, ids))
    out = table.copy()
    rows = np.asarray(changed)
    out["geometry"] = new_cells
    out = out.set_geometry("geometry", crs=table.crs)
    changed_ids = ids[rows]
    geoms = new_cells[rows]
    out.loc[changed_ids, "area_m2"] = shapely.area(geoms)
    out.loc[changed_ids, "perimeter_m"] = shapely.length(geoms)
    cent = shapely.centroid(geoms)
    out.loc[changed_ids, "x"] = shapely.get_x(cent)
    out.loc[changed_ids, "y"] = shapely.get_y(cent)
    edges = _edges_around(units.edges, ids, new_cells, comm, rows)
    graph = UnitGraph(
        units=out,
        edges=edges,
        communities=units.communities,
        problems=units.problems,
        max_households=units.max_households,
    )
    return graph, tuple(str(u) for u in changed_ids)


def _sliver_parts(geom: Any) -> tuple[list[Any], Any]:
    """A cell's slivers and the rest of it. A sliver is a part thinner than ``2 * GRID_THIN_M``
    (10 cm) everywhere or smaller than ``GRID_DEBRIS_M2``, as a grid's outline judges debris
    (:func:`geo.grids.metrics.grid_geometry`); a cell made of slivers only keeps its largest."""
    import shapely

    parts = list(shapely.get_parts(geom))
    if len(parts) < 2:
        return [], geom
    thin = [
        bool(p.area <= GRID_DEBRIS_M2 or shapely.buffer(p, -GRID_THIN_M, quad_segs=1).is_empty)
        for p in parts
    ]
    if all(thin):
        biggest = max(range(len(parts)), key=lambda k: parts[k].area)
        thin[biggest] = False
    keep = [p for p, t in zip(parts, thin, strict=True) if not t]
    rest = keep[0] if len(keep) == 1 else shapely.MultiPolygon(keep)
    return [p for p, t in zip(parts, thin, strict=True) if t], rest


def _give_slivers(
    cells: np.ndarray, rows: Iterable[int], homes: np.ndarray, comm: np.ndarray, ids: np.ndarray
) -> set[int]:
    """Give every sliver part of the cells ``rows`` (recut) to the neighbouring cell it shares
    the longest edge with, in place; return the rows whose cell changed.

    A recut along boundaries that run a fraction of a millimetre beside a cell's own leaves
    slivers: a third cell's strip between two cells, which the map shows as land between them.
    A sliver goes to the cell sharing the longest edge with it (of the same community first;
    of the same imported grid on a tie, so no outline moves), joined to it across a gap of
    ``_FUSE_M`` at most; when that would leave the taker in more parts, the next cell is tried.
    A sliver no cell takes as one polygon stays where it is. The cells tile the same land; cells receiving slivers are looked at again.
    """
    import shapely

    tree = shapely.STRtree(cells)
    out: set[int] = set()
    todo = sorted(set(rows))
    for _ in range(_SLIVER_PASSES):
        again: set[int] = set()
        for i in todo:
            slivers, rest = _sliver_parts(cells[i])
            if not slivers:
                continue
            kept = []
            for piece in slivers:
                for v in _sliver_takers(piece, int(i), cells, tree, homes, comm, ids):
                    joined = _fused(cells[v], piece)
                    if joined is not None:
                        cells[v] = joined
                        out.add(v)
                        again.add(v)
                        break
                else:
                    kept.append(piece)
            cells[i] = shapely.union_all([rest, *kept]) if kept else rest
            out.add(int(i))
        todo = sorted(again)
        if not todo:
            break
    return out


def _sliver_takers(
    piece: Any,
    i: int,
    cells: np.ndarray,
    tree: Any,
    homes: np.ndarray,
    comm: np.ndarray,
    ids: np.ndarray,
) -> list[int]:
    """The cells (not ``i``) bordering the sliver ``piece`` of cell ``i``, best taker first:
    of ``i``'s community first, then by the longest edge shared with the piece, then of
    ``i``'s imported grid."""
    import shapely

    near = tree.query(piece, predicate="dwithin", distance=_SHARED_EPS_M)
    near = near[near != i]
    if len(near) == 0:
        return []
    shared = shapely.length(
        shapely.intersection(
            shapely.boundary(piece), shapely.buffer(cells[near], _SHARED_EPS_M, quad_segs=1)
        )
    )
    other_comm, other_home = comm[near] != comm[i], homes[near] != homes[i]
    order = np.lexsort((ids[near], other_home, -shared, other_comm))
    return [int(near[k]) for k in order if shared[k] > 0]


def _fused(cell: Any, piece: Any) -> Any:
    """``cell`` with the sliver ``piece`` joined to it, or None when they do not make as many
    parts as ``cell`` alone (a gap wider than ``_FUSE_M`` or a touch at a point between)."""
    import shapely

    n = shapely.get_num_geometries(cell)
    snapped = shapely.snap(piece, cell, _FUSE_M)
    grown = shapely.buffer(piece, _FUSE_M, quad_segs=1, join_style="mitre")
    for extra in (piece, snapped, grown):
        joined = _polygonal(shapely.make_valid(shapely.union(cell, extra)))
        if joined is not None and shapely.get_num_geometries(joined) <= n:
            return joined
    return None


def _edges_around(
    edges: pd.DataFrame, ids: np.ndarray, cells: np.ndarray, comm: np.ndarray, rows: np.ndarray
) -> pd.DataFrame:
    """Adjacency with the shared edges around the changed cells (``rows``) measured anew.

    Shared edges between cells no changed cell touches, and island links, are kept. Every
    pair of cells of one community touching a changed cell (a changed cell may now lie between
    two unchanged ones, or no longer) gets its edge, if any, from :func:`adjacency`, measured
    among those cells and the cells touching them.
    """
    import shapely

    tree = shapely.STRtree(cells)
    _, near = tree.query(cells[rows], predicate="intersects")
    local = np.unique(np.concatenate([rows, near]))
    _, ring = tree.query(cells[local], predicate="intersects")
    around = np.unique(np.concatenate([local, ring]))
    moved = set(ids[local])
    keep = ~(
        (edges["kind"] == "shared") & edges["unit_a"].isin(moved) & edges["unit_b"].isin(moved)
    )
    fresh = adjacency(ids[around], cells[around])
    comm_of = dict(zip(ids, comm, strict=True))
    recut = set(ids[rows])
    had = set(zip(edges["unit_a"], edges["unit_b"], strict=True))
    ok = (
        fresh["unit_a"].isin(moved)
        & fresh["unit_b"].isin(moved)
        & (fresh["unit_a"].map(comm_of) == fresh["unit_b"].map(comm_of))
        # two unchanged cells keep no edge a third one now lies along, and gain none (an
        # edge a barrier cut stays cut)
        & (
            fresh["unit_a"].isin(recut)
            | fresh["unit_b"].isin(recut)
            | pd.Series(
                [(x, y) in had for x, y in zip(fresh["unit_a"], fresh["unit_b"], strict=True)],
                index=fresh.index,
                dtype=bool,
            )
        )
    )
    out = pd.concat([edges[keep], fresh[ok]], ignore_index=True)
    return out.drop_duplicates(["unit_a", "unit_b"], keep="first").reset_index(drop=True)


# --------------------------------------------------------------------------- data changes


def data_changes(before: pd.DataFrame, estates: pd.DataFrame) -> dict[str, Any]:
    """What changed in the estates since the plan in force was made.

    Parameters
    ----------
    before : DataFrame
        The plan's unit table as exported beside it (``<plan>_assignment.csv``): at least
        ``estate_id, community_id, households``, optionally ``party_members``; one row per
        unit (several per estate split by buildings).
    estates : DataFrame
        The updated estates layer (``estate_id, community_id, households``, optionally
        ``party_members``).

    Returns
    -------
    dict (JSON-safe)
        ``new_estates`` and ``demolished`` (``estate_id, community_id, households``),
        ``changed`` (``estate_id, community_id, households_before, households_after,
        party_members_before, party_members_after``), ``households_before``,
        ``households_after`` (totals), ``communities`` (those with any change, sorted).
    """

    def per_estate(df: pd.DataFrame) -> pd.DataFrame:
        cols = [c for c in ("households", "party_members") if c in df.columns]
        frame = pd.DataFrame(
            {
                "estate_id": df["estate_id"].astype(str),
                "community_id": df["community_id"].astype(str),
                **{c: pd.to_numeric(df[c], errors="coerce").fillna(0.0) for c in cols},
            }
        )
        out = frame.groupby("estate_id").agg({"community_id": "first", **{c: "sum" for c in cols}})
        if "party_members" not in out.columns:
            out["party_members"] = np.nan
        return out

    old, new = per_estate(before), per_estate(estates)
    added = sorted(set(new.index) - set(old.index))
    gone = sorted(set(old.index) - set(new.index))
    both = sorted(set(old.index) & set(new.index))
    changed = []
    for e in both:
        a, b = old.loc[e], new.loc[e]
        party_differs = (
            not (np.isnan(a["party_members"]) or np.isnan(b["party_members"]))
            and abs(a["party_members"] - b["party_members"]) > 1e-9
        )
        if abs(a["households"] - b["households"]) > 1e-9 or party_differs:
            changed.append(
                {
                    "estate_id": e,
                    "community_id": str(b["community_id"]),
                    "households_before": float(a["households"]),
                    "households_after": float(b["households"]),
                    "party_members_before": None
                    if np.isnan(a["party_members"])
                    else float(a["party_members"]),
                    "party_members_after": None
                    if np.isnan(b["party_members"])
                    else float(b["party_members"]),
                }
            )

    def rows(frame: pd.DataFrame, ids: list[str]) -> list[dict[str, Any]]:
        return [
            {
                "estate_id": e,
                "community_id": str(frame.at[e, "community_id"]),
                # pandas-stubs type .at as any scalar or None; households are validated numbers
                "households": float(frame.at[e, "households"]),  # type: ignore[arg-type]
            }
            for e in ids
        ]

    comms = {str(new.at[e, "community_id"]) for e in added} | {
        str(old.at[e, "community_id"]) for e in gone
    }
    comms |= {c["community_id"] for c in changed}
    return {
        "new_estates": rows(new, added),
        "demolished": rows(old, gone),
        "changed": changed,
        "households_before": float(old["households"].sum()),
        "households_after": float(new["households"].sum()),
        "communities": sorted(comms),
    }
