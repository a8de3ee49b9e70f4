"""Multi-grid fusion: how party-building grids sit inside another department's grids.

Cities run several grid systems at once (police, civil affairs, urban management). A party
grid whose households all fall inside one police grid is easy to co-ordinate; one spread over
four is not. :func:`fusion_report` measures that per party grid, and :func:`barrier_lines`
turns the other layer's boundaries into barrier lines so that gridding can be asked to respect
them (``build_units(..., barriers=barrier_lines(...))``).

Households are located either at one representative point of each unit's footprint
(``locate="point"``: the whole unit counts in the other grid holding that point) or spread
over the footprint in proportion to area (``locate="area"``). All areas are in square metres
in the metric CRS of the units.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from geo.data.crs import require_metric
from geo.errors import CRSError, Problem, ValidationError
from geo.settings import FUSION_MIN_OVERLAP_M2

if TYPE_CHECKING:
    import geopandas as gpd

#: Columns of :func:`fusion_report`, in order.
FUSION_COLUMNS = (
    "grid_id",
    "households",
    "dominant_other_id",
    "dominant_other_kind",
    "dominant_share",
    "households_in_dominant",
    "households_uncovered",
    "n_other_grids",
    "n_other_with_households",
)


def _unit_frame(
    units_or_grids: Any, assignment: dict[str, str] | None
) -> tuple[gpd.GeoDataFrame, str]:
    """Normalise the first argument of :func:`fusion_report`.

    Returns a GeoDataFrame with ``grid_id``, ``households``, ``geometry`` (the polygon where
    the households live) and a ``cell`` geometry column (the polygon of land the row covers),
    and ``"units"`` or ``"grids"``.
    """
    import geopandas as gpd
    import shapely

    if hasattr(units_or_grids, "assignment") and hasattr(units_or_grids, "units"):  # a Plan
        if assignment is None:
            assignment = dict(units_or_grids.assignment)
        units_or_grids = units_or_grids.units
    if hasattr(units_or_grids, "units") and not isinstance(units_or_grids, pd.DataFrame):
        units_or_grids = units_or_grids.units  # a UnitGraph
    if not isinstance(units_or_grids, gpd.GeoDataFrame):
        raise ValidationError(
            [
                Problem(
                    "units",
                    f"expected a Plan, UnitGraph or GeoDataFrame, got "
                    f"{type(units_or_grids).__name__}",
                    "pass plan.units or the grids GeoDataFrame",
                    code="fu_bad_input",
                    params={"type": type(units_or_grids).__name__},
                )
            ]
        )
    gdf = units_or_grids
    require_metric(gdf, "units_or_grids")
    if "households" not in gdf.columns:
        raise ValidationError(
            [
                Problem(
                    "units",
                    "no `households` column",
                    "pass planning units or grids with household counts",
                    field="households",
                    code="fu_no_households",
                )
            ]
        )
    if "unit_id" in gdf.columns:
        if assignment is None:
            raise ValidationError(
                [
                    Problem(
                        "units",
                        "planning units given without an assignment",
                        "pass `assignment` (unit_id -> grid_id) or a Plan",
                        code="fu_no_assignment",
                    )
                ]
            )
        ids = gdf["unit_id"].astype(str)
        missing = sorted(set(ids) - set(assignment))
        if missing:
            raise ValidationError(
                [
                    Problem(
                        "units",
                        f"{len(missing)} unit(s) have no grid in `assignment`, e.g. {missing[:5]}",
                        "pass the full unit -> grid assignment",
                        field="unit_id",
                        code="fu_unassigned",
                        params={"n": len(missing), "ids": ", ".join(missing[:5])},
                    )
                ]
            )
        cell = gdf.geometry.values
        foot = cell
        if "footprint" in gdf.columns:
            raw = gdf["footprint"]
            if isinstance(raw, gpd.GeoSeries):
                foot = raw.values
            else:
                foot = np.array(
                    [shapely.from_wkb(v) if isinstance(v, bytes | bytearray) else v for v in raw],
                    dtype=object,
                )
            foot = np.where(shapely.is_missing(foot) | shapely.is_empty(foot), cell, foot)
        out = gpd.GeoDataFrame(
            {
                "grid_id": [str(assignment[u]) for u in ids],
                "households": gdf["households"].to_numpy(dtype=float),
                "cell": gpd.GeoSeries(cell, crs=gdf.crs),
            },
            geometry=gpd.GeoSeries(foot, crs=gdf.crs),
            crs=gdf.crs,
        )
        return out, "units"
    if "grid_id" in gdf.columns:
        out = gpd.GeoDataFrame(
            {
                "grid_id": gdf["grid_id"].astype(str).to_numpy(),
                "households": gdf["households"].to_numpy(dtype=float),
                "cell": gpd.GeoSeries(gdf.geometry.values, crs=gdf.crs),
            },
            geometry=gpd.GeoSeries(gdf.geometry.values, crs=gdf.crs),
            crs=gdf.crs,
        )
        return out, "grids"
    raise ValidationError(
        [
            Problem(
                "units",
                "neither a `unit_id` nor a `grid_id` column",
                "pass planning units (with an assignment) or party grids",
                code="fu_no_ids",
            )
        ]
    )


def _other_frame(
    other_grids: gpd.GeoDataFrame, crs: Any, *, id_field: str, kind_field: str
) -> gpd.GeoDataFrame:
    """Other grids as ``other_id``, ``other_kind``, geometry, in ``crs``."""
    import geopandas as gpd

    if other_grids.crs is None:
        raise CRSError(
            "`other_grids` has no CRS; declare it (e.g. EPSG:4326) before the fusion report"
        )
    if id_field not in other_grids.columns:
        raise ValidationError(
            [
                Problem(
                    "other_grids",
                    f"no `{id_field}` column (columns: {list(other_grids.columns)})",
                    f"name the id column with `id_field` or add `{id_field}`",
                    field=id_field,
                    code="fu_other_no_id",
                    params={"column": id_field, "have": ", ".join(map(str, other_grids.columns))},
                )
            ]
        )
    other = other_grids.to_crs(crs) if other_grids.crs != crs else other_grids
    kind = (
        other[kind_field].astype(str).to_numpy()
        if kind_field in other.columns
        else np.full(len(other), "other", dtype=object)
    )
    geom = other.geometry.make_valid() if not other.geometry.is_valid.all() else other.geometry
    return gpd.GeoDataFrame(
        {"other_id": other[id_field].astype(str).to_numpy(), "other_kind": kind},
        geometry=geom.values,
        crs=crs,
    )


def _located_households(
    units: gpd.GeoDataFrame, other: gpd.GeoDataFrame, locate: str
) -> pd.DataFrame:
    """Households per (party grid, other grid) pair; ``other_id`` is None where uncovered."""
    import geopandas as gpd
    import shapely

    if locate == "point":
        pts = gpd.GeoDataFrame(
            {"row": np.arange(len(units))},
            geometry=units.geometry.representative_point(),
            crs=units.crs,
        )
        hit = gpd.sjoin(pts, other[["other_id", "geometry"]], predicate="within", how="left")
        # A point covered twice counts once, in the other grid with the smallest id.
        hit = hit.sort_values(["row", "other_id"], na_position="last").drop_duplicates("row")
        hit = hit.sort_values("row")
        return pd.DataFrame(
            {
                "grid_id": units["grid_id"].to_numpy(),
                "other_id": hit["other_id"].to_numpy(),
                "households": units["households"].to_numpy(),
            }
        )
    if locate != "area":
        raise ValidationError(
            [
                Problem(
                    "fusion",
                    f"`locate` must be 'point' or 'area', got {locate!r}",
                    "use locate='point' or locate='area'",
                    code="fu_locate",
                    params={"locate": repr(locate)},
                )
            ]
        )
    flat = shapely.area(units.geometry.values) <= 0
    if flat.any():  # point or line footprints (buildings given as points) have no area to spread
        by_point = _located_households(units[flat], other, "point")
        if flat.all():
            return by_point
        return pd.concat(
            [_located_households(units[~flat], other, "area"), by_point], ignore_index=True
        )
    foot = gpd.GeoDataFrame(
        {"row": np.arange(len(units))}, geometry=units.geometry.values, crs=units.crs
    )
    pairs = gpd.sjoin(foot, other[["other_id", "geometry"]], predicate="intersects", how="inner")
    left = units.geometry.values[pairs["row"].to_numpy()]
    right = other.geometry.values[pairs["index_right"].to_numpy()]
    inter = shapely.area(shapely.intersection(left, right))
    area = shapely.area(units.geometry.values)
    rows = pairs["row"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(area[rows] > 0, inter / area[rows], 0.0)
    hh = units["households"].to_numpy()
    located = pd.DataFrame(
        {
            "grid_id": units["grid_id"].to_numpy()[rows],
            "other_id": pairs["other_id"].to_numpy(),
            "households": hh[rows] * frac,
            "row": rows,
        }
    )
    located = located[located["households"] > 0]
    # Overlapping other grids can claim more than the whole footprint: scale back to 1.
    claimed = located.groupby("row")["households"].transform("sum").to_numpy()
    own = hh[located["row"].to_numpy()]
    located["households"] = np.where(
        claimed > own,
        located["households"] * own / np.maximum(claimed, 1e-12),
        located["households"],
    )
    got = located.groupby("row")["households"].sum().reindex(np.arange(len(units)), fill_value=0.0)
    rest = pd.DataFrame(
        {
            "grid_id": units["grid_id"].to_numpy(),
            "other_id": None,
            "households": np.clip(hh - got.to_numpy(), 0.0, None),
        }
    )
    rest = rest[rest["households"] > 1e-9]
    return pd.concat([located.drop(columns="row"), rest], ignore_index=True)


def _touch_counts(
    units: gpd.GeoDataFrame, other: gpd.GeoDataFrame, min_overlap_m2: float
) -> pd.Series:
    """Number of other grids overlapping each party grid's polygon by at least ``min_overlap_m2``."""
    import geopandas as gpd
    import shapely

    cells = gpd.GeoDataFrame(
        {"grid_id": units["grid_id"].to_numpy()}, geometry=units["cell"].values, crs=units.crs
    )
    pairs = gpd.sjoin(cells, other[["other_id", "geometry"]], predicate="intersects", how="inner")
    if pairs.empty:
        return pd.Series(dtype=int)
    left = cells.geometry.values[np.asarray(pairs.index)]
    right = other.geometry.values[pairs["index_right"].to_numpy()]
    area = shapely.area(shapely.intersection(left, right))
    per = (
        pd.DataFrame(
            {
                "grid_id": pairs["grid_id"].to_numpy(),
                "other_id": pairs["other_id"].to_numpy(),
                "area": area,
            }
        )
        .groupby(["grid_id", "other_id"])["area"]
        .sum()
    )
    per = per[per >= min_overlap_m2]
    return per.reset_index().groupby("grid_id")["other_id"].nunique()


def fusion_report(
    units_or_grids: Any,
    assignment: dict[str, str] | None,
    other_grids: gpd.GeoDataFrame,
    *,
    locate: str = "point",
    id_field: str = "grid_id",
    kind_field: str = "kind",
    min_overlap_m2: float = FUSION_MIN_OVERLAP_M2,
) -> pd.DataFrame:
    """Report, per party grid, how its households fall into another department's grids.

    Parameters
    ----------
    units_or_grids : Plan, UnitGraph, or GeoDataFrame
        Planning units (``unit_id``, ``households``, cell geometry, optional ``footprint``)
        with ``assignment``; or a :class:`~geo.grids.plan.Plan` (its own assignment is used
        when ``assignment`` is None); or party grids (``grid_id``, ``households``, polygon),
        whose households are then spread over the whole grid polygon. Metric CRS.
    assignment : dict or None
        ``unit_id -> grid_id``; ignored for party grids.
    other_grids : GeoDataFrame
        The other grid layer (polygons, any CRS; reprojected to the units' CRS).
    locate : {"point", "area"}
        ``"point"``: a unit's households all count where its footprint's representative
        point lies (a point inside two overlapping other grids counts in the smaller id).
        ``"area"``: households are spread over the footprint in proportion to area
        (footprints without area, e.g. buildings given as points, count at their point).
    id_field, kind_field : str
        Columns of ``other_grids`` holding its id and kind (``kind`` optional).
    min_overlap_m2 : float
        Overlap, in square metres, from which an other grid counts as touched.

    Returns
    -------
    DataFrame
        One row per party grid (sorted by ``grid_id``): ``households``; the
        ``dominant_other_id`` / ``dominant_other_kind`` holding most of them (None when no
        household is covered); ``dominant_share`` (0-1, of all the grid's households);
        ``households_in_dominant``; ``households_uncovered`` (in no other grid);
        ``n_other_grids`` (other grids overlapping the party grid's land by at least
        ``min_overlap_m2``); ``n_other_with_households``.

    Raises
    ------
    ValidationError
        Missing columns, or units without a grid in ``assignment``.
    CRSError
        ``units_or_grids`` not metric, or ``other_grids`` without a CRS.

    Examples
    --------
    Not run as a doctest: it needs a plan and the other grids of loaded layers.

    >>> report = fusion_report(plan, None, layers.other_grids)  # doctest: +SKIP
    >>> report[["grid_id", "dominant_other_id", "dominant_share"]].head()  # doctest: +SKIP
    """
    units, _ = _unit_frame(units_or_grids, assignment)
    other = _other_frame(other_grids, units.crs, id_field=id_field, kind_field=kind_field)
    located = _located_households(units, other, locate)
    totals = units.groupby("grid_id")["households"].sum()
    covered = located.dropna(subset=["other_id"])
    per_pair = covered.groupby(["grid_id", "other_id"])["households"].sum().reset_index()
    # Dominant: most households; ties broken by the smaller other id (deterministic).
    per_pair = per_pair.sort_values(
        ["grid_id", "households", "other_id"], ascending=[True, False, True]
    )
    dom = per_pair.drop_duplicates("grid_id").set_index("grid_id")
    n_with = per_pair[per_pair["households"] > 0].groupby("grid_id")["other_id"].nunique()
    uncovered = located[located["other_id"].isna()].groupby("grid_id")["households"].sum()
    touches = _touch_counts(units, other, min_overlap_m2)
    kinds = dict(zip(other["other_id"], other["other_kind"], strict=False))
    rows = []
    for gid in sorted(totals.index):
        hh = float(totals[gid])
        in_dom = float(dom["households"].get(gid, 0.0))
        pos = dom.index.get_loc(gid) if gid in dom.index else None
        other_id = str(dom["other_id"].iloc[pos]) if pos is not None else None
        rows.append(
            {
                "grid_id": gid,
                "households": hh,
                "dominant_other_id": other_id,
                "dominant_other_kind": kinds.get(other_id) if other_id is not None else None,
                "dominant_share": in_dom / hh if hh > 0 else (1.0 if other_id else 0.0),
                "households_in_dominant": in_dom,
                "households_uncovered": float(uncovered.get(gid, 0.0)),
                "n_other_grids": int(touches.get(gid, 0)),
                "n_other_with_households": int(n_with.get(gid, 0)),
            }
        )
    return pd.DataFrame(rows, columns=list(FUSION_COLUMNS))


def fusion_summary(report: pd.DataFrame, *, threshold: float = 0.9) -> dict[str, Any]:
    """Summarise a :func:`fusion_report` (JSON-safe).

    Returns the number of grids, the household-weighted and plain mean of
    ``dominant_share``, the share of grids with at least ``threshold`` of their households in
    one other grid, and the mean number of other grids touched.
    """
    n = len(report)
    if n == 0:
        return {
            "n_grids": 0,
            "mean_dominant_share": None,
            "weighted_dominant_share": None,
            f"share_grids_at_least_{threshold:g}": None,
            "mean_other_grids_touched": None,
        }
    hh = report["households"].to_numpy(dtype=float)
    share = report["dominant_share"].to_numpy(dtype=float)
    return {
        "n_grids": int(n),
        "mean_dominant_share": round(float(share.mean()), 4),
        "weighted_dominant_share": round(float((share * hh).sum() / hh.sum()), 4)
        if hh.sum() > 0
        else None,
        f"share_grids_at_least_{threshold:g}": round(float((share >= threshold).mean()), 4),
        "mean_other_grids_touched": round(float(report["n_other_grids"].mean()), 3),
    }


def barrier_lines(
    other_grids: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame,
    *,
    id_field: str = "grid_id",
    tolerance_m: float = 0.01,
) -> gpd.GeoDataFrame:
    """Boundaries of another grid layer inside the communities, as barrier lines for gridding.

    Parts of the other grids' boundaries that run along a community's own boundary are left
    out (they separate nothing inside the community).

    Parameters
    ----------
    other_grids : GeoDataFrame
        Polygons of the other grid layer (any CRS; reprojected to the communities' CRS).
    communities : GeoDataFrame
        Community polygons, metric CRS, with ``community_id``.
    id_field : str
        Id column of ``other_grids``.
    tolerance_m : float
        Lines within this distance (metres) of a community boundary count as on it.

    Returns
    -------
    GeoDataFrame
        ``other_id``, ``community_id``, ``length_m`` and a (Multi)LineString geometry per
        (other grid, community) pair with a boundary inside the community; metric CRS.
        Pass it as ``build_units(layers, barriers=...)``.
    """
    import geopandas as gpd
    import shapely

    require_metric(communities, "communities")
    other = _other_frame(other_grids, communities.crs, id_field=id_field, kind_field="kind")
    lines = gpd.GeoDataFrame(
        {"other_id": other["other_id"].to_numpy()},
        geometry=other.geometry.boundary.values,
        crs=communities.crs,
    )
    comm = communities[["community_id", "geometry"]].reset_index(drop=True)
    pairs = gpd.sjoin(lines, comm, predicate="intersects", how="inner")
    if pairs.empty:
        return gpd.GeoDataFrame(
            {"other_id": [], "community_id": [], "length_m": []}, geometry=[], crs=communities.crs
        )
    line_g = lines.geometry.values[np.asarray(pairs.index)]
    comm_g = comm.geometry.values[pairs["index_right"].to_numpy()]
    inside = _inner_lines(shapely.intersection(line_g, comm_g), comm_g, tolerance_m)
    out = gpd.GeoDataFrame(
        {
            "other_id": pairs["other_id"].to_numpy(),
            "community_id": pairs["community_id"].astype(str).to_numpy(),
            "length_m": shapely.length(inside),
        },
        geometry=inside,
        crs=communities.crs,
    )
    out = out[out["length_m"] > tolerance_m]
    return out.sort_values(["community_id", "other_id"]).reset_index(drop=True)


def _inner_lines(geoms: np.ndarray, communities: np.ndarray, tol_m: float) -> np.ndarray:
    """Keep the segments of each line geometry that lie off its community's boundary.

    A segment whose midpoint is within ``tol_m`` of the community boundary runs along it and
    is dropped; segments that only end on the boundary are kept whole, so a barrier still
    reaches the edge of the community.
    """
    import shapely

    out = []
    for g, comm in zip(geoms, communities, strict=True):
        segs = []
        edge = comm.boundary
        for part in shapely.get_parts(g):
            if part.geom_type not in ("LineString", "LinearRing", "MultiLineString"):
                continue
            for line in shapely.get_parts(part):
                xy = shapely.get_coordinates(line)
                for a, b in itertools.pairwise(xy):
                    mid = shapely.Point((a + b) / 2.0)
                    if edge.distance(mid) > tol_m:
                        segs.append(shapely.LineString([a, b]))
        out.append(
            shapely.line_merge(shapely.MultiLineString(segs))
            if segs
            else shapely.MultiLineString([])
        )
    return np.array(out, dtype=object)
