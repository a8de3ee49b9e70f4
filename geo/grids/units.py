"""Planning units, their cells and their adjacency: the :class:`UnitGraph` gridding works on.

A planning unit is an estate; an estate holding more households than one grid may hold is
split into its buildings, or, without buildings, into compact parts of about one grid each
(balanced k-means on a dense sample of the footprint, power cells clipped to it; households
apportioned by area, totals exact). Every unit owns a *cell*: a
tessellation of its community around the unit footprints, clipped to the community, so that
streets, parks and other land belong to some unit and the cells tile the community exactly
(no gap, no overlap). Adjacency is a shared cell edge longer than
:data:`geo.settings.ADJACENCY_MIN_EDGE_M`; barrier lines cut it; islands are linked to the
nearest unit and reported.

Examples
--------
Not run as a doctest: it needs loaded layers (the unit tests build them).

>>> graph = build_units(layers, max_households=500)          # doctest: +SKIP
>>> graph.units[["unit_id", "households"]].head()             # doctest: +SKIP
"""

from __future__ import annotations

import logging
import math
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.data.crs import require_metric
from geo.errors import Problem, ValidationError
from geo.grids.graph import Adjacency, components, edge_components
from geo.settings import (
    ADJACENCY_MIN_EDGE_M,
    DEFAULT_MAX_HOUSEHOLDS,
    DEFAULT_MIN_HOUSEHOLDS,
    MAX_SPLIT_PARTS,
    RESIDENTS_PER_HOUSEHOLD,
    SPLIT_AREA_ROUNDS,
    SPLIT_KMEANS_ITERATIONS,
    SPLIT_SAMPLE_POINTS_PER_PART,
    TESSELLATION_POINTS_PER_UNIT,
    TESSELLATION_SPACING_MIN_M,
)

if TYPE_CHECKING:
    from geo.data.schema import Layers

log = logging.getLogger(__name__)

#: Columns of ``UnitGraph.units`` besides the cell geometry.
UNIT_COLUMNS = (
    "unit_id",
    "estate_id",
    "building_id",
    "community_id",
    "households",
    "party_members",
    "residents",
    "area_m2",
    "perimeter_m",
    "x",
    "y",
    "footprint",
)
#: Columns of ``UnitGraph.edges``.
EDGE_COLUMNS = ("unit_a", "unit_b", "length_m", "kind")
_COUNTS = ("households", "party_members", "residents")
_BUFFER_EPS_M = 0.05
#: Distance (m) within which a third cell lying along two cells' shared boundary separates them.
_FACING_EPS_M = 1e-5
#: Length (m) by which a pair's 5 cm band may exceed their exactly shared boundary (the band's
#: reach past the corners) before a third cell is looked for between them.
_CORNER_SLACK_M = 0.25
#: Margin (m) for floating-point noise between the shared segments' length summed here and the
#: overlay's (GEOS's), so that a pair decided without the overlay is decided as with it.
_SHARED_SEGMENT_MARGIN_M = 1e-6
#: Power cells are first cut by this many nearest centres only (checked: the cells must tile).
_POWER_NEIGHBOURS = 8


@dataclass(frozen=True, eq=False)
class UnitGraph:
    """Planning units of a dataset with their cells and adjacency (metric CRS).

    Attributes
    ----------
    units : GeoDataFrame
        One row per unit, index = ``unit_id``; geometry = the unit's cell. Columns
        ``unit_id, estate_id, building_id`` (``None`` for whole estates and geometric
        parts), ``community_id, households, party_members, residents`` (counts),
        ``area_m2, perimeter_m`` (of the cell, m² and m), ``x, y`` (cell centroid, m),
        ``footprint`` (the estate, building or part the cell was grown around).
    edges : DataFrame
        ``unit_a, unit_b, length_m, kind``: undirected edges, ``unit_a < unit_b``,
        ``length_m`` the shared cell edge in metres; ``kind`` is ``"shared"`` for a shared
        edge or ``"island_link"`` for a link added to reach an island (length 0).
    communities : GeoDataFrame
        The communities (index = ``community_id``), with ``name`` and when given
        ``street``, ``street_code``, ``community_code``.
    problems : tuple of Problem
        Warnings: estates split, islands linked, communities without units.
    max_households : int
        The split threshold the units were built with.
    """

    units: gpd.GeoDataFrame
    edges: pd.DataFrame
    communities: gpd.GeoDataFrame
    problems: tuple[Problem, ...] = ()
    max_households: int = DEFAULT_MAX_HOUSEHOLDS

    @property
    def crs(self) -> Any:
        """The metric CRS of units and communities."""
        return self.units.crs

    @cached_property
    def neighbors(self) -> dict[str, tuple[str, ...]]:
        """``{unit_id: neighbour unit ids}`` from :attr:`edges` (both directions)."""
        out: dict[str, list[str]] = {u: [] for u in self.units.index}
        for a, b in zip(self.edges["unit_a"], self.edges["unit_b"], strict=True):
            out[a].append(b)
            out[b].append(a)
        return {u: tuple(v) for u, v in out.items()}

    @cached_property
    def adjacency(self) -> Adjacency:
        """The adjacency as a sparse matrix over :attr:`units` (rows in index order), built once."""
        return Adjacency.from_edges(
            list(self.units.index), self.edges["unit_a"], self.edges["unit_b"]
        )

    @cached_property
    def edge_lengths(self) -> dict[tuple[str, str], float]:
        """``{(unit_a, unit_b): shared edge in m}`` for both orders of every edge."""
        out: dict[tuple[str, str], float] = {}
        for a, b, length in zip(
            self.edges["unit_a"], self.edges["unit_b"], self.edges["length_m"], strict=True
        ):
            out[(a, b)] = out[(b, a)] = float(length)
        return out

    @cached_property
    def community_of(self) -> dict[str, str]:
        """``{unit_id: community_id}``."""
        return dict(zip(self.units.index, self.units["community_id"], strict=True))

    @cached_property
    def pieces(self) -> dict[str, int]:
        """``{unit_id: piece number}``: the connected pieces of each community's units.

        A community is in several pieces when it is itself in several parts (a river, a
        road or the data), or when barriers cut it; the gridder grids every piece on its
        own. Pieces are numbered per community, largest first.
        """
        out: dict[str, int] = {}
        for _cid, sub in self.units.groupby("community_id", sort=True):
            ids = set(sub.index)
            for i, comp in enumerate(components(ids, {u: self.neighbors[u] for u in ids})):
                out.update(dict.fromkeys(comp, i))
        return out

    def piece_totals(self, column: str) -> tuple[dict[tuple[str, int], float], dict[str, int]]:
        """``({(community_id, piece): total of column}, {community_id: number of pieces})``.

        Cached per column (it depends on the units only, not on any plan), so an edit's
        re-scoring does not walk every unit again.
        """
        cache: dict[str, tuple[dict[tuple[str, int], float], dict[str, int]]]
        cache = self.__dict__.setdefault("_piece_totals", {})
        if column not in cache:
            pieces = self.pieces
            totals: dict[tuple[str, int], float] = {}
            for u, c, v in zip(
                self.units.index,
                self.units["community_id"],
                self.units[column].to_numpy(float),
                strict=True,
            ):
                key = (c, pieces.get(u, 0))
                totals[key] = totals.get(key, 0.0) + v
            n_parts: dict[str, int] = {}
            for c, i in totals:
                n_parts[c] = max(n_parts.get(c, 0), i + 1)
            cache[column] = (totals, n_parts)
        return cache[column]

    def with_communities(self, other: UnitGraph, community_ids: Iterable[str]) -> UnitGraph:
        """A new graph whose units and edges of ``community_ids`` come from ``other``.

        Used to refine some communities (e.g. estates split by buildings) and keep the rest.
        """
        ids = set(community_ids)
        if not ids:
            return self
        keep_u = ~self.units["community_id"].isin(ids)
        take_u = other.units["community_id"].isin(ids)
        units = pd.concat([self.units[keep_u], other.units[take_u]])
        units = gpd.GeoDataFrame(units, geometry="geometry", crs=self.units.crs)
        comm_a = self.edges["unit_a"].map(self.community_of)
        comm_b = other.edges["unit_a"].map(other.community_of)
        edges = pd.concat(
            [self.edges[~comm_a.isin(ids)], other.edges[comm_b.isin(ids)]], ignore_index=True
        )
        problems = self.problems + tuple(p for p in other.problems if p not in self.problems)
        return UnitGraph(
            units=units,
            edges=edges,
            communities=self.communities,
            problems=problems,
            max_households=self.max_households,
        )

    def community_units(self, community_id: str) -> gpd.GeoDataFrame:
        """The units of one community (a view on :attr:`units`)."""
        return self.units[self.units["community_id"] == community_id]


# --------------------------------------------------------------------------- public API


def build_units(
    layers: Layers,
    *,
    max_households: int = DEFAULT_MAX_HOUSEHOLDS,
    barriers: gpd.GeoSeries | gpd.GeoDataFrame | None = None,
) -> UnitGraph:
    """Build planning units, cells and adjacency from loaded :class:`~geo.data.schema.Layers`.

    Parameters
    ----------
    layers : Layers
        Validated layers in one metric CRS (``communities`` and ``estates`` required;
        ``buildings`` used to split large estates).
    max_households : int, keyword-only
        An estate with more households than this is split (by buildings, else by geometry).
    barriers : GeoSeries or GeoDataFrame of lines, optional
        Rivers, arterials ...: two units whose footprints' connecting segment crosses a
        barrier are not adjacent. Must be in the layers' CRS (reprojected when it is not).

    Returns
    -------
    UnitGraph

    Raises
    ------
    ValidationError
        NaN or negative counts, estates outside every community, or a barrier that
        isolates every unit of a community; each problem names the community/estate.
    """
    return build_units_from_frames(
        layers.communities,
        layers.estates,
        layers.buildings,
        max_households=max_households,
        barriers=barriers,
    )


def build_units_from_frames(
    communities: gpd.GeoDataFrame,
    estates: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame | None = None,
    *,
    max_households: int = DEFAULT_MAX_HOUSEHOLDS,
    barriers: gpd.GeoSeries | gpd.GeoDataFrame | None = None,
    split_by_buildings_above: int | None = None,
    min_households: int = DEFAULT_MIN_HOUSEHOLDS,
) -> UnitGraph:
    """Build a :class:`UnitGraph` from communities, estates and (optional) buildings frames.

    The frames must share one projected CRS (metres). Estates need ``estate_id``,
    ``households``, ``party_members``; ``community_id`` is joined spatially when absent and
    ``residents`` estimated (``households`` x :data:`~geo.settings.RESIDENTS_PER_HOUSEHOLD`).
    Buildings need ``building_id`` and ``households`` (``estate_id`` joined spatially when
    absent). ``split_by_buildings_above`` (default ``max_households``) splits estates with
    buildings from that many households on (used to refine communities that whole estates
    cannot grid well); estates without buildings are split geometrically only above
    ``max_households``. See :func:`build_units` for the rest.
    """
    prepared = prepare_frames(
        communities, estates, buildings, barriers=barriers, max_households=max_households
    )
    pieces = [
        community_units(
            job,
            max_households=max_households,
            split_by_buildings_above=split_by_buildings_above,
            min_households=min(min_households, max_households),
        )
        for job in prepared.jobs()
    ]
    return assemble_units(prepared, pieces, max_households)


@dataclass(frozen=True, eq=False)
class Prepared:
    """Validated frames of a dataset (one metric CRS), ready to be cut per community."""

    communities: gpd.GeoDataFrame
    estates: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame | None
    barrier: BaseGeometry | None

    def jobs(self, community_ids: Iterable[str] | None = None) -> list[CommunityFrames]:
        """One picklable :class:`CommunityFrames` per community (all, or ``community_ids``)."""
        wanted = None if community_ids is None else set(community_ids)
        # sort once, then cut contiguous slices: per-community fancy indexing is slow at scale
        est = self.estates.sort_values("community_id", kind="stable")
        est_cid = est["community_id"].to_numpy()
        bld = None
        if self.buildings is not None:
            comm_of_estate = dict(
                zip(self.estates["estate_id"], self.estates["community_id"], strict=True)
            )
            bcid = self.buildings["estate_id"].map(comm_of_estate)
            bld = self.buildings[bcid.notna()].assign(_cid=bcid[bcid.notna()])
            bld = bld.sort_values("_cid", kind="stable")
            bld_cid = bld["_cid"].to_numpy()
            bld = bld.drop(columns="_cid")
        out = []
        for cid, geom in zip(self.communities.index, self.communities.geometry, strict=True):
            if wanted is not None and cid not in wanted:
                continue
            a, b = np.searchsorted(est_cid, cid, "left"), np.searchsorted(est_cid, cid, "right")
            est_sub = est.iloc[a:b]
            bld_sub = None
            if bld is not None:
                a, b = np.searchsorted(bld_cid, cid, "left"), np.searchsorted(bld_cid, cid, "right")
                bld_sub = bld.iloc[a:b] if b > a else None
            barrier = None
            if self.barrier is not None:
                x0, y0, x1, y1 = geom.bounds
                barrier = shapely.clip_by_rect(self.barrier, x0 - 1, y0 - 1, x1 + 1, y1 + 1)
                barrier = None if barrier.is_empty else barrier
            out.append(
                CommunityFrames(
                    str(cid), str(self.communities.at[cid, "name"]), geom, est_sub, bld_sub, barrier
                )
            )
        return out


@dataclass(frozen=True, eq=False)
class CommunityFrames:
    """The inputs of one community's units (picklable: sent to worker processes)."""

    community_id: str
    name: str
    geometry: BaseGeometry
    estates: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame | None
    barrier: BaseGeometry | None


@dataclass(frozen=True, eq=False)
class CommunityUnits:
    """Units (with cells), edges and problems of one community; ``fatal`` stops the run."""

    community_id: str
    units: pd.DataFrame
    edges: pd.DataFrame
    problems: tuple[Problem, ...]
    fatal: tuple[Problem, ...]


def prepare_frames(
    communities: gpd.GeoDataFrame,
    estates: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame | None = None,
    *,
    barriers: gpd.GeoSeries | gpd.GeoDataFrame | None = None,
    max_households: int = DEFAULT_MAX_HOUSEHOLDS,
) -> Prepared:
    """Validate and normalise the frames (every problem at once); see :func:`build_units_from_frames`."""

    require_metric(communities, "communities")
    require_metric(estates, "estates")
    if max_households <= 0:
        raise ValidationError(
            [
                Problem(
                    "parameters",
                    f"`max_households` must be > 0, got {max_households}.",
                    "pass a positive number of households per grid",
                    code="u_max_households",
                    params={"value": max_households},
                )
            ]
        )
    comms = _prepare_communities(communities)
    est = _prepare_estates(estates, comms)
    _check_split_bound(est, max_households)
    bld = (
        _prepare_buildings(buildings, est, estates.crs)
        if buildings is not None and len(buildings)
        else None
    )
    return Prepared(comms, est, bld, _prepare_barriers(barriers, comms.crs))


def community_units(
    job: CommunityFrames,
    *,
    max_households: int = DEFAULT_MAX_HOUSEHOLDS,
    split_by_buildings_above: int | None = None,
    min_households: int = DEFAULT_MIN_HOUSEHOLDS,
    part_households: float | None = None,
    split_without_buildings_above: float | None = None,
) -> CommunityUnits:
    """Units, cells, adjacency and problems of one community (pure; runs in workers).

    ``part_households`` and ``split_without_buildings_above``: see :func:`_make_units`.
    """
    cid = job.community_id
    if job.estates.empty:
        warn = Problem(
            "estates",
            f"community {cid!r} ({job.name}) has no estates, so it has no planning "
            "units and gets no grid.",
            "add its estates (with households) or merge the community into a neighbour",
            feature=cid,
            severity="warning",
            code="u_community_no_estates",
            params={"community": cid, "name": job.name},
        )
        return CommunityUnits(cid, _empty_units(), _edges_frame([], [], [], []), (warn,), ())
    above = max_households if split_by_buildings_above is None else split_by_buildings_above
    raw, problems = _make_units(
        job.estates,
        job.buildings,
        max_households,
        above,
        min_households,
        part_households,
        split_without_buildings_above,
    )
    cells = tessellate(job.geometry, list(raw["footprint"]))
    arr = np.asarray(cells, dtype=object)
    cen = shapely.centroid(arr)
    # one frame built at once (assign + two column inserts cost more than the cells of a small community)
    sub = pd.DataFrame(
        {
            **{c: raw[c] for c in raw.columns},
            "geometry": arr,
            "area_m2": shapely.area(arr),
            "perimeter_m": shapely.length(arr),
            "x": shapely.get_x(cen),
            "y": shapely.get_y(cen),
        },
        index=raw.index,
    )
    edges = adjacency(sub["unit_id"].to_numpy(), arr)
    edges, more, fatal = _apply_barriers_and_islands(cid, sub, edges, job.barrier, job.geometry)
    return CommunityUnits(cid, sub, edges, tuple(problems + more), tuple(fatal))


def assemble_units(
    prepared: Prepared, pieces: list[CommunityUnits], max_households: int
) -> UnitGraph:
    """Join the communities' units into one :class:`UnitGraph` (raises on fatal problems)."""
    fatal = [p for piece in pieces for p in piece.fatal]
    if fatal:
        raise ValidationError(fatal, title="the barriers cut every link between units")
    crs = prepared.communities.crs
    units = finish_units([p.units for p in pieces if len(p.units)], crs)
    edges = (
        pd.concat([p.edges for p in pieces], ignore_index=True)
        if pieces
        else _edges_frame([], [], [], [])
    )
    problems = tuple(p for piece in pieces for p in piece.problems)
    return UnitGraph(
        units=units,
        edges=edges,
        communities=prepared.communities,
        problems=problems,
        max_households=int(max_households),
    )


def _empty_units() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in (*UNIT_COLUMNS, "geometry")})


# --------------------------------------------------------------------------- preparation


def _prepare_communities(communities: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    problems = []
    if "community_id" not in communities.columns:
        raise ValidationError(
            [
                Problem(
                    "communities",
                    "column `community_id` is missing.",
                    "add a community_id column (one id per community)",
                    code="u_column_missing",
                    params={"column": "community_id"},
                )
            ]
        )
    comms = communities.copy()
    comms["community_id"] = comms["community_id"].astype(str)
    if "name" not in comms.columns:
        comms["name"] = comms["community_id"]
    dup = comms["community_id"][comms["community_id"].duplicated()]
    for cid in dup.unique():
        problems.append(
            Problem(
                "communities",
                f"community id {cid!r} appears more than once.",
                "give every community its own id",
                feature=cid,
                field="community_id",
                code="u_id_repeated",
                params={"layer": "communities", "id": cid},
            )
        )
    bad = comms.geometry.isna() | comms.geometry.is_empty
    for cid in comms.loc[bad, "community_id"]:
        problems.append(
            Problem(
                "communities",
                "the community has no geometry.",
                "draw its boundary polygon",
                feature=cid,
                code="u_community_no_geometry",
            )
        )
    if problems:
        raise ValidationError(problems)
    geoms = shapely.make_valid(comms.geometry.to_numpy())
    comms = comms.set_geometry(gpd.GeoSeries(_polygonal(geoms), index=comms.index, crs=comms.crs))
    return comms.set_index("community_id", drop=False).rename_axis(None)


def _polygonal(geoms: np.ndarray) -> list[BaseGeometry]:
    """Keep only the polygonal parts of (made-valid) geometries."""
    out = []
    for g in geoms:
        if g is None or g.geom_type in ("Polygon", "MultiPolygon"):
            out.append(g)
            continue
        parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
        out.append(shapely.union_all(parts) if parts else shapely.Polygon())
    return out


def _check_counts(
    frame: pd.DataFrame,
    layer: str,
    id_col: str,
    fields: Iterable[str],
    where: pd.Series | None = None,
) -> list[Problem]:
    problems: list[Problem] = []
    for col in fields:
        if col not in frame.columns:
            problems.append(
                Problem(
                    layer,
                    f"column `{col}` is missing.",
                    f"add a numeric `{col}` column",
                    field=col,
                    code="u_count_column_missing",
                    params={"column": col},
                )
            )
            continue
        values = pd.to_numeric(frame[col], errors="coerce")
        finite = np.isfinite(values.to_numpy(dtype=float))
        for idx in frame.index[~finite | (values < 0)]:
            comm = f" in community {where[idx]!r}" if where is not None else ""
            problems.append(
                Problem(
                    layer,
                    f"`{col}` is {frame.at[idx, col]!r}{comm}: counts must be finite numbers >= 0.",
                    f"fill in the {col} of this {layer[:-1]} (0 if none)",
                    feature=str(frame.at[idx, id_col]),
                    field=col,
                    code="u_count_bad",
                    params={
                        "column": col,
                        "value": repr(frame.at[idx, col]),
                        "community": "" if where is None else str(where[idx]),
                        "layer": layer,
                    },
                )
            )
    return problems


def _prepare_estates(estates: gpd.GeoDataFrame, comms: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    est = estates.to_crs(comms.crs) if estates.crs != comms.crs else estates.copy()
    if "estate_id" not in est.columns:
        raise ValidationError(
            [
                Problem(
                    "estates",
                    "column `estate_id` is missing.",
                    "add an estate_id column",
                    code="u_column_missing",
                    params={"column": "estate_id"},
                )
            ]
        )
    est["estate_id"] = est["estate_id"].astype(str)
    if "community_id" not in est.columns or est["community_id"].isna().any():
        est = _join_community(est, comms)
    est["community_id"] = est["community_id"].astype(str)
    problems = _check_counts(
        est, "estates", "estate_id", ("households", "party_members"), where=est["community_id"]
    )
    unknown = ~est["community_id"].isin(comms.index)
    for idx in est.index[unknown]:
        problems.append(
            Problem(
                "estates",
                f"community {est.at[idx, 'community_id']!r} is not in the communities layer.",
                "fix the estate's community_id or add the community",
                feature=est.at[idx, "estate_id"],
                field="community_id",
                code="u_unknown_community",
                params={"community": str(est.at[idx, "community_id"])},
            )
        )
    dup = est["estate_id"][est["estate_id"].duplicated()].unique()
    for eid in dup:
        problems.append(
            Problem(
                "estates",
                f"estate id {eid!r} appears more than once.",
                "give every estate its own id",
                feature=eid,
                field="estate_id",
                code="u_id_repeated",
                params={"layer": "estates", "id": eid},
            )
        )
    if problems:
        raise ValidationError(problems)
    for col in ("households", "party_members"):
        est[col] = pd.to_numeric(est[col]).astype(float)
    if "residents" not in est.columns:
        est["residents"] = np.nan
    res = pd.to_numeric(est["residents"], errors="coerce")
    est["residents"] = res.where(
        res.notna() & (res >= 0), est["households"] * RESIDENTS_PER_HOUSEHOLD
    )
    geoms = shapely.make_valid(est.geometry.to_numpy())
    est = est.set_geometry(gpd.GeoSeries(_polygonal(geoms), index=est.index, crs=comms.crs))
    return est


def _check_split_bound(est: gpd.GeoDataFrame, max_households: int) -> None:
    """Refuse estates whose split would need more than :data:`MAX_SPLIT_PARTS` parts.

    An estate above ``max_households`` without buildings is split into
    ``ceil(households / (max_households / 2))`` parts; this bounds that work whatever the
    households say (``1e12`` households would otherwise mean 4e9 parts and never finish).
    """
    limit = MAX_SPLIT_PARTS * max_households / 2
    too_big = est.index[est["households"].to_numpy(dtype=float) > limit]
    if len(too_big):
        raise ValidationError(
            [
                Problem(
                    "estates",
                    f"the estate holds {est.at[i, 'households']:,.0f} households in community "
                    f"{est.at[i, 'community_id']!r}: split into grids of at most {max_households} it would "
                    f"need more than {MAX_SPLIT_PARTS} parts.",
                    "correct the estate's households (a typing error?) or split the estate into several "
                    "features",
                    feature=str(est.at[i, "estate_id"]),
                    field="households",
                    code="u_split_too_many",
                    params={
                        "households": f"{est.at[i, 'households']:,.0f}",
                        "community": str(est.at[i, "community_id"]),
                        "limit": max_households,
                        "parts": MAX_SPLIT_PARTS,
                    },
                )
                for i in too_big
            ]
        )


def _join_community(est: gpd.GeoDataFrame, comms: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    pts = gpd.GeoDataFrame(geometry=est.geometry.representative_point(), crs=est.crs)
    joined = gpd.sjoin(pts, comms[["community_id", "geometry"]], how="left", predicate="within")
    joined = joined[~joined.index.duplicated()]
    out = est.copy()
    given = (
        out["community_id"] if "community_id" in out.columns else pd.Series(np.nan, index=out.index)
    )
    filled = given.where(given.notna(), joined["community_id"])
    missing = filled.isna()
    if missing.any():
        raise ValidationError(
            [
                Problem(
                    "estates",
                    "the estate lies in no community and has no community_id.",
                    "set its community_id or extend the community boundary",
                    feature=str(eid),
                    field="community_id",
                    code="u_estate_outside",
                )
                for eid in out.loc[missing, "estate_id"]
            ]
        )
    out["community_id"] = filled
    return out


def _prepare_buildings(
    buildings: gpd.GeoDataFrame, est: gpd.GeoDataFrame, crs: Any
) -> gpd.GeoDataFrame:
    bld = buildings.to_crs(est.crs) if buildings.crs != est.crs else buildings.copy()
    if "building_id" not in bld.columns:
        raise ValidationError(
            [
                Problem(
                    "buildings",
                    "column `building_id` is missing.",
                    "add a building_id column",
                    code="u_column_missing",
                    params={"column": "building_id"},
                )
            ]
        )
    bld["building_id"] = bld["building_id"].astype(str)
    problems = _check_counts(bld, "buildings", "building_id", ("households",))
    if problems:
        raise ValidationError(problems)
    bld["households"] = pd.to_numeric(bld["households"]).astype(float)
    if "estate_id" not in bld.columns or bld["estate_id"].isna().any():
        pts = gpd.GeoDataFrame(geometry=bld.geometry.representative_point(), crs=bld.crs)
        joined = gpd.sjoin(pts, est[["estate_id", "geometry"]], how="left", predicate="within")
        joined = joined[~joined.index.duplicated()]
        given = (
            bld["estate_id"] if "estate_id" in bld.columns else pd.Series(np.nan, index=bld.index)
        )
        bld["estate_id"] = given.where(given.notna(), joined["estate_id"])
    bld = bld[bld["estate_id"].notna()].copy()
    bld["estate_id"] = bld["estate_id"].astype(str)
    return bld


def _prepare_barriers(
    barriers: gpd.GeoSeries | gpd.GeoDataFrame | None, crs: Any
) -> BaseGeometry | None:
    if barriers is None or len(barriers) == 0:
        return None
    lines = barriers.geometry if isinstance(barriers, gpd.GeoDataFrame) else barriers
    if lines.crs is not None and lines.crs != crs:
        lines = lines.to_crs(crs)
    return shapely.union_all(lines.to_numpy())


# --------------------------------------------------------------------------- units


def _apportion(total: float, weights: np.ndarray) -> np.ndarray:
    """Split an integer-valued ``total`` by ``weights`` with the largest-remainder method."""
    weights = np.asarray(weights, dtype=float)
    if len(weights) == 0:
        return weights
    if weights.sum() <= 0:
        weights = np.ones_like(weights)
    quota: np.ndarray = total * weights / weights.sum()
    if abs(total - round(total)) > 1e-9:
        return quota
    base: np.ndarray = np.floor(quota)
    rest = round(float(total - base.sum()))
    order = np.argsort(-(quota - base), kind="stable")
    base[order[:rest]] += 1
    return base


def split_polygon(polygon: BaseGeometry, n_parts: int) -> list[BaseGeometry]:
    """Split a polygon into ``n_parts`` parts of equal area by recursive bisection.

    Each cut is perpendicular to the long axis of the part's bounding box, placed by
    bisection search so that the two sides hold areas in the ratio of the parts they will
    be split into.

    Examples
    --------
    >>> from shapely import box
    >>> [round(p.area) for p in split_polygon(box(0, 0, 30, 10), 3)]
    [100, 100, 100]

    Raises
    ------
    ValueError
        When ``n_parts`` exceeds :data:`~geo.settings.MAX_SPLIT_PARTS` (the recursion depth
        is ``ceil(log2(n_parts))`` and the work proportional to ``n_parts``, so this bounds
        both).
    """
    if n_parts > MAX_SPLIT_PARTS:
        raise ValueError(
            f"`n_parts` must be at most {MAX_SPLIT_PARTS} (MAX_SPLIT_PARTS), got {n_parts}"
        )
    if n_parts <= 1 or polygon.is_empty:
        return [polygon]
    n_left = n_parts // 2
    share = n_left / n_parts
    minx, miny, maxx, maxy = polygon.bounds
    horizontal = (maxx - minx) >= (maxy - miny)
    lo, hi = (minx, maxx) if horizontal else (miny, maxy)
    target = polygon.area * share

    def side(t: float) -> BaseGeometry:
        cut = (
            shapely.box(minx - 1, miny - 1, t, maxy + 1)
            if horizontal
            else shapely.box(minx - 1, miny - 1, maxx + 1, t)
        )
        return shapely.intersection(polygon, cut)

    a, b = lo, hi
    for _ in range(40):
        mid = (a + b) / 2
        if side(mid).area < target:
            a = mid
        else:
            b = mid
    t = (a + b) / 2
    left = side(t)
    right = shapely.difference(polygon, left)
    return split_polygon(left, n_left) + split_polygon(right, n_parts - n_left)


def compact_parts(polygon: BaseGeometry, n_parts: int, *, seed: int = 0) -> list[BaseGeometry]:
    """Split a polygon into ``n_parts`` compact parts of about equal area.

    A dense regular sample of the footprint (:data:`~geo.settings.SPLIT_SAMPLE_POINTS_PER_PART`
    points per part) is clustered by balanced k-means: Lloyd iterations on a *power diagram*
    (each centre carries an additive weight, raised when its cluster is short of points and
    lowered when it has too many), so the clusters come out compact *and* of equal size.
    The parts are the power cells of the centres (convex, straight edges) clipped to the
    polygon; their weights are then tuned on the cells' true areas. A cell that the clip cuts
    into pieces (a concave or U-shaped footprint) keeps its largest piece and hands the others
    to the part sharing the longest edge with them, so every part is one polygon and the
    parts tile ``polygon`` exactly. Deterministic for a given ``seed``.

    Parameters
    ----------
    polygon : Polygon or MultiPolygon
        The footprint, metric CRS (metres).
    n_parts : int
        Number of parts, at most :data:`~geo.settings.MAX_SPLIT_PARTS`.
    seed : int, keyword-only
        Seed of the k-means++ start.

    Returns
    -------
    list of Polygon, ``n_parts`` of them (fewer only for a degenerate footprint).

    Examples
    --------
    >>> from shapely import box
    >>> parts = compact_parts(box(0, 0, 300, 100), 3)
    >>> [round(p.area / 1000) for p in parts]
    [10, 10, 10]
    """
    if n_parts > MAX_SPLIT_PARTS:
        raise ValueError(
            f"`n_parts` must be at most {MAX_SPLIT_PARTS} (MAX_SPLIT_PARTS), got {n_parts}"
        )
    if n_parts <= 1 or polygon.is_empty or polygon.area <= 0:
        return [polygon]
    # work near the origin: projected coordinates (10^6 m) lose the power weights' precision
    shift = np.array([polygon.centroid.x, polygon.centroid.y])
    local = shapely.transform(polygon, lambda c: c - shift)
    xy = _sample_points(local, n_parts * SPLIT_SAMPLE_POINTS_PER_PART)
    if len(xy) < n_parts:
        return split_polygon(polygon, n_parts)
    rng = np.random.default_rng(seed)
    centres, weights = _balanced_kmeans(xy, n_parts, rng)
    cells = _power_cells(local, centres, weights)
    cells, weights = _tune_areas(local, centres, weights, cells)
    return [shapely.transform(c, lambda c: c + shift) for c in _one_piece_each(cells)]


def _sample_points(polygon: BaseGeometry, n: int) -> np.ndarray:
    """About ``n`` points on a regular grid inside ``polygon`` (x, y in metres)."""
    minx, miny, maxx, maxy = polygon.bounds
    step = math.sqrt(polygon.area / max(n, 1))
    xs = np.arange(minx + step / 2, maxx, step)
    ys = np.arange(miny + step / 2, maxy, step)
    mx, my = np.meshgrid(xs, ys)
    gx, gy = mx.ravel(), my.ravel()
    inside = shapely.contains_xy(polygon, gx, gy)
    return np.column_stack([gx[inside], gy[inside]])


def _balanced_kmeans(
    xy: np.ndarray, k: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Centres and power weights (m²) of ``k`` equal-size compact clusters of ``xy``."""
    first = int(rng.integers(len(xy)))
    centres = [xy[first]]
    for _ in range(1, k):  # k-means++ start
        d2 = np.min(((xy[:, None, :] - np.array(centres)[None, :, :]) ** 2).sum(-1), axis=1)
        centres.append(
            xy[int(rng.choice(len(xy), p=d2 / d2.sum()))]
            if d2.sum() > 0
            else xy[int(rng.integers(len(xy)))]
        )
    c = np.array(centres, dtype=float)
    w = np.zeros(k)
    target = len(xy) / k
    step = 0.3 * _cloud_area(xy) / k  # a cluster's area (m²): the scale of a useful weight change
    lab = np.zeros(len(xy), dtype=int)
    for it in range(SPLIT_KMEANS_ITERATIONS):
        damp = step / (1 + it / 5)
        d2 = ((xy[:, None, :] - c[None, :, :]) ** 2).sum(-1)
        for _ in range(15):  # weights: equal counts for these centres
            lab = np.argmin(d2 - w[None, :], axis=1)
            counts = np.bincount(lab, minlength=k)
            if np.abs(counts - target).max() <= 0.01 * target + 1:
                break
            w += damp * (target - counts) / target
        old = c.copy()
        counts = np.bincount(lab, minlength=k)
        has = counts > 0  # centres: the means of their clusters (Lloyd)
        c[has, 0] = np.bincount(lab, weights=xy[:, 0], minlength=k)[has] / counts[has]
        c[has, 1] = np.bincount(lab, weights=xy[:, 1], minlength=k)[has] / counts[has]
        for j in np.flatnonzero(~has):  # an empty cluster restarts at the worst-served point
            far = int(np.argmax(((xy - c[lab]) ** 2).sum(-1)))
            c[j], w[j] = xy[far], float(np.median(w))
        if float(np.abs(c - old).max()) < 0.5:  # centres settled (metres)
            break
    return c, w


def _cloud_area(xy: np.ndarray) -> float:
    """Area (m²) of the bounding box of a point cloud (at least 1)."""
    span = np.ptp(xy, axis=0)
    return float(max(span[0] * span[1], 1.0))


def _power_cells(
    polygon: BaseGeometry, centres: np.ndarray, weights: np.ndarray
) -> list[BaseGeometry]:
    """Power-diagram cells of ``centres`` (weights in m²) clipped to ``polygon``."""
    minx, miny, maxx, maxy = polygon.bounds
    pad = max(maxx - minx, maxy - miny) + 10.0
    big = (minx - pad, miny - pad, maxx + pad, maxy + pad)
    k = len(centres)
    box = shapely.box(*big)
    d2 = ((centres[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
    ranked = np.argsort(d2, axis=1, kind="stable")
    sq = np.array([float(c @ c) for c in centres])  # |c|², as _half_planes computes it
    for near in (_POWER_NEIGHBOURS, k):  # the nearest centres bound a cell; all when they do not
        others = [[i for i in ranked[j, : near + 1].tolist() if i != j] for j in range(k)]
        if len({len(o) for o in others}) == 1:  # every cell at once: one GEOS call per step
            cells = shapely.intersection_all(
                np.column_stack([_all_half_planes(centres, sq, weights, others, pad), [box] * k]),
                axis=1,
            )
            out = list(shapely.intersection(cells, polygon))
        else:  # centres that coincide: cells bounded by different numbers of half-planes
            out = []
            for j in range(k):
                o = others[j]
                halves = _half_planes(centres[j], centres[o], weights[j], weights[o], pad)
                cell = shapely.intersection_all(np.append(halves, box))
                out.append(shapely.intersection(cell, polygon))
        if near >= k - 1 or abs(sum(c.area for c in out) - polygon.area) <= 1e-9 * polygon.area:
            return out
    return out


def _all_half_planes(
    centres: np.ndarray, sq: np.ndarray, weights: np.ndarray, others: list[list[int]], pad: float
) -> np.ndarray:
    """:func:`_half_planes` of every centre at once (``others``: as many for each centre),
    the same arithmetic element by element, so the same polygons: ``(k, len(others[0]))``."""
    idx = np.array(others, dtype=np.intp)
    ci = centres[idx]  # (k, m, 2)
    cj = centres[:, None, :]
    d = ci - cj
    norm = np.hypot(d[..., 0], d[..., 1])
    norm = np.where(norm > 0, norm, 1e-9)
    n = d / norm[..., None]
    t = ((ci * ci).sum(-1) - sq[:, None] - weights[idx] + weights[:, None]) / (2 * norm)
    base = n * t[..., None]
    tang = np.stack([-n[..., 1], n[..., 0]], axis=-1)
    far = (4 * pad + np.abs(t))[..., None]
    ring = np.stack(
        [
            base + tang * far,
            base + tang * far - n * 2 * far,
            base - tang * far - n * 2 * far,
            base - tang * far,
        ],
        axis=-2,
    )
    polygons: np.ndarray = shapely.polygons(ring)
    return polygons


def _half_planes(
    cj: np.ndarray, ci: np.ndarray, wj: float, wi: np.ndarray, pad: float
) -> np.ndarray:
    """Polygons of the points nearer (in power distance) to ``cj`` than to each ``ci``."""
    d = ci - cj
    norm = np.hypot(d[:, 0], d[:, 1])
    norm = np.where(norm > 0, norm, 1e-9)
    n = d / norm[:, None]
    # boundary: 2 d.x = |ci|^2 - |cj|^2 - wi + wj, i.e. n.x = t
    t = ((ci * ci).sum(1) - float(cj @ cj) - wi + wj) / (2 * norm)
    base = n * t[:, None]
    tang = np.column_stack([-n[:, 1], n[:, 0]])
    far = (4 * pad + np.abs(t))[:, None]
    ring = np.stack(
        [
            base + tang * far,
            base + tang * far - n * 2 * far,
            base - tang * far - n * 2 * far,
            base - tang * far,
        ],
        axis=1,
    )
    polygons: np.ndarray = shapely.polygons(ring)
    return polygons


def _tune_areas(
    polygon: BaseGeometry, centres: np.ndarray, weights: np.ndarray, cells: list[BaseGeometry]
) -> tuple[list[BaseGeometry], np.ndarray]:
    """Adjust the power weights on the clipped cells' true areas (a few rounds)."""
    target = polygon.area / len(centres)
    scale = target / math.pi  # d(area)/d(weight) of a disc-like cell
    best = (float(np.abs(np.array([c.area for c in cells]) - target).max()), cells, weights.copy())
    w = weights.copy()
    for _ in range(SPLIT_AREA_ROUNDS):
        areas = np.array([c.area for c in cells])
        err = float(np.abs(areas - target).max())
        if err < best[0]:
            best = (err, cells, w.copy())
        if err <= 0.02 * target:
            break
        w = w + 0.5 * scale * (target - areas) / target * math.pi
        cells = _power_cells(polygon, centres, w)
    areas = np.array([c.area for c in cells])
    if float(np.abs(areas - target).max()) < best[0]:
        best = (float(np.abs(areas - target).max()), cells, w)
    return best[1], best[2]


def _one_piece_each(cells: list[BaseGeometry]) -> list[BaseGeometry]:
    """Every part one polygon: detached pieces go to the part sharing their longest edge."""
    parts, owner = shapely.get_parts(np.array(cells, dtype=object), return_index=True)
    keep = shapely.area(parts) > 0
    parts, owner = parts[keep], owner[keep]
    main: dict[int, int] = {}
    for i, (p, o) in enumerate(zip(parts, owner, strict=True)):
        if o not in main or p.area > parts[main[o]].area:
            main[o] = i
    owner = owner.copy()
    mains = set(main.values())
    for i in range(len(parts)):
        if i in mains:
            continue
        best, best_len = -1, 0.0
        for j in mains:
            if owner[j] == owner[i]:
                continue
            length = shapely.length(
                shapely.intersection(parts[i].boundary, shapely.buffer(parts[j], _BUFFER_EPS_M))
            )
            if length > best_len:
                best, best_len = j, float(length)
        if best >= 0:
            owner[i] = owner[best]
    out = []
    for o in sorted(set(owner.tolist())):
        mine = parts[owner == o]
        geom = mine[0] if len(mine) == 1 else shapely.union_all(mine)
        if geom.geom_type != "Polygon":  # noise of the union: keep the polygon, drop slivers
            geom = max(shapely.get_parts(shapely.make_valid(geom)), key=lambda g: g.area)
        out.append(geom)
    return out


@lru_cache(maxsize=512)
def _compact_parts_cached(wkb: bytes, n_parts: int, seed: int) -> tuple[BaseGeometry, ...]:
    """:func:`compact_parts` remembered per footprint, count and seed (a community whose split
    responds to the gridding asks for the same parts of its large estates more than once)."""
    return tuple(compact_parts(shapely.from_wkb(wkb), n_parts, seed=seed))


def split_parts_count(
    households: float, lo: float, hi: float, grid_mean: float | None = None
) -> int:
    """Parts of an estate without buildings: each holds a grid's worth of households.

    The count lies in ``ceil(h/hi) .. floor(h/lo)`` (every part a whole grid of the band),
    closest to ``h / grid_mean`` (the community's mean grid size, when known) or else to
    ``h / ((lo+hi)/2)``; when that range is empty (e.g. 560 households in 300-500) the
    estate gets ``ceil(h/hi)`` parts, which must join neighbours to reach the band.

    Examples
    --------
    >>> split_parts_count(5933, 300, 500)
    15
    >>> split_parts_count(5933, 300, 500, grid_mean=480)
    12
    >>> split_parts_count(560, 300, 500)
    2
    """
    k_min = max(1, math.ceil(households / hi - 1e-9))
    k_max = math.floor(households / lo + 1e-9)
    if k_max < k_min:
        return k_min
    mean = grid_mean if grid_mean and grid_mean > 0 else (lo + hi) / 2
    return int(min(max(round(households / mean), k_min), k_max))


class _EstateRow(NamedTuple):
    """One estate's columns in :func:`_make_units` (the counts are those of ``_COUNTS``)."""

    estate_id: Any
    community_id: Any
    households: Any
    party_members: Any
    residents: Any
    geometry: BaseGeometry


def _make_units(
    est: gpd.GeoDataFrame,
    bld: gpd.GeoDataFrame | None,
    max_households: int,
    split_by_buildings_above: int,
    min_households: int = DEFAULT_MIN_HOUSEHOLDS,
    part_households: float | None = None,
    split_without_buildings_above: float | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Units before tessellation: one row per unit with its footprint and counts.

    An estate above ``max_households`` without buildings becomes
    :func:`split_parts_count` compact parts (:func:`compact_parts`), each about one grid of
    the community's mean size (its total over the grids the band admits); with
    ``part_households``, parts of about that many households instead (finer parts that
    small neighbouring estates can join). With ``split_without_buildings_above`` (and
    ``part_households``), an estate without buildings above that many households but within
    the maximum is split too, into at least two parts (its whole units admit no in-band
    plan; issue 11's split that responds to the gridding).
    """
    rows: list[dict[str, Any]] = []
    total = float(est["households"].sum()) if len(est) else 0.0
    k_comm = split_parts_count(total, min_households, max_households) if total > 0 else 1
    grid_mean = total / k_comm if k_comm else None
    problems: list[Problem] = []
    by_estate = _buildings_by_estate(bld) if bld is not None else {}
    fields = ["estate_id", "community_id", *_COUNTS, "geometry"]
    # plain column lists: itertuples costs more than the loop on a community's few estates
    for rec in map(_EstateRow._make, zip(*(est[c].tolist() for c in fields), strict=True)):
        base = {"estate_id": rec.estate_id, "community_id": rec.community_id}
        counts = {c: float(getattr(rec, c)) for c in _COUNTS}
        blds = by_estate.get(rec.estate_id)
        has_buildings = blds is not None and len(blds["ids"]) > 1 and blds["households"].sum() > 0
        if (
            blds is not None
            and has_buildings
            and counts["households"] > min(split_by_buildings_above, max_households)
        ):
            rows.extend(_building_units(rec, blds, counts, base, problems))
            continue
        small_split = (
            not has_buildings
            and split_without_buildings_above is not None
            and part_households
            and counts["households"] > split_without_buildings_above
        )
        if counts["households"] <= max_households and not small_split:
            rows.append(
                {
                    **base,
                    "unit_id": rec.estate_id,
                    "building_id": None,
                    **counts,
                    "footprint": rec.geometry,
                }
            )
            continue
        if part_households:
            n_parts = max(
                2 if small_split else 1,
                math.ceil(counts["households"] / max_households - 1e-9),
                round(counts["households"] / part_households),
            )
        else:
            n_parts = split_parts_count(
                counts["households"], min_households, max_households, grid_mean
            )
        parts = list(
            _compact_parts_cached(
                shapely.to_wkb(rec.geometry),
                n_parts,
                zlib.crc32(str(rec.estate_id).encode("utf-8")),
            )
        )
        n_parts = len(parts)
        areas = np.array([p.area for p in parts])
        shares = {c: _apportion(v, areas) for c, v in counts.items()}
        for i, part in enumerate(parts):
            rows.append(
                {
                    **base,
                    "unit_id": f"{rec.estate_id}#{i + 1}",
                    "building_id": None,
                    **{c: float(shares[c][i]) for c in _COUNTS},
                    "footprint": part,
                }
            )
        problems.append(
            Problem(
                "estates",
                f"estate of {counts['households']:.0f} households "
                f"(> {split_without_buildings_above if small_split else max_households:.0f}) "
                f"has no buildings; split into {n_parts} compact parts of about "
                f"{counts['households'] / n_parts:.0f} households (by area).",
                "add its buildings with households for a split along real buildings",
                feature=rec.estate_id,
                severity="warning",
                code="u_split_no_buildings",
                params={
                    "households": f"{counts['households']:.0f}",
                    "limit": f"{split_without_buildings_above if small_split else max_households:.0f}",
                    "parts": n_parts,
                    "each": f"{counts['households'] / n_parts:.0f}",
                },
            )
        )
    raw = pd.DataFrame(
        rows, columns=["unit_id", "estate_id", "building_id", "community_id", *_COUNTS, "footprint"]
    )
    return raw, problems


def _buildings_by_estate(bld: gpd.GeoDataFrame) -> dict[str, dict[str, Any]]:
    """Buildings grouped by estate as plain arrays (ids, households, party members, geometry)."""
    ids = bld["building_id"].to_numpy()
    hh = bld["households"].to_numpy(dtype=float)
    party = None
    if "party_members" in bld.columns:
        values = pd.to_numeric(bld["party_members"], errors="coerce").to_numpy(dtype=float)
        party = values
    geoms = bld.geometry.to_numpy()
    groups: dict[Any, list[int]] = {}
    for i, eid in enumerate(
        bld["estate_id"].tolist()
    ):  # a plain loop: groupby costs more per community
        if eid is None or eid != eid:
            continue  # no estate (None/NaN): dropped, as groupby does
        groups.setdefault(eid, []).append(i)
    out = {}
    for eid, rows in groups.items():
        idx = np.asarray(rows, dtype=np.intp)
        p = party[idx] if party is not None and not np.isnan(party[idx]).any() else None
        out[str(eid)] = {"ids": ids[idx], "households": hh[idx], "party": p, "geometry": geoms[idx]}
    return out


def _building_units(
    rec: Any,
    blds: dict[str, Any],
    counts: dict[str, float],
    base: dict[str, Any],
    problems: list[Problem],
) -> list[dict[str, Any]]:
    weights = blds["households"]
    shares = {c: _apportion(v, weights) for c, v in counts.items()}
    if blds["party"] is not None:
        shares["party_members"] = _apportion(counts["party_members"], blds["party"])
    if abs(weights.sum() - counts["households"]) > 0.01 * max(counts["households"], 1):
        problems.append(
            Problem(
                "buildings",
                f"the buildings of estate {rec.estate_id!r} hold {weights.sum():.0f} "
                f"households, the estate {counts['households']:.0f}; the estate's counts were "
                "apportioned to its buildings.",
                "make building and estate counts agree",
                feature=rec.estate_id,
                severity="warning",
                code="u_buildings_disagree",
                params={
                    "estate": str(rec.estate_id),
                    "buildings": f"{weights.sum():.0f}",
                    "households": f"{counts['households']:.0f}",
                },
            )
        )
    geoms = blds["geometry"]
    is_poly = shapely.get_type_id(geoms) >= 3
    fps = geoms.copy()
    if rec.geometry is not None and is_poly.any():
        clipped = shapely.intersection(geoms[is_poly], rec.geometry)
        empty = shapely.is_empty(clipped)
        clipped[empty] = shapely.point_on_surface(geoms[is_poly][empty])
        fps[is_poly] = clipped
    return [
        {
            **base,
            "unit_id": f"{rec.estate_id}/{bid}",
            "building_id": bid,
            **{c: float(shares[c][i]) for c in _COUNTS},
            "footprint": fps[i],
        }
        for i, bid in enumerate(blds["ids"])
    ]


def finish_units(parts: list[pd.DataFrame], crs: Any) -> gpd.GeoDataFrame:
    """Concatenate per-community unit rows into ``UnitGraph.units`` (index = unit id)."""
    if not parts:
        frame = pd.DataFrame({c: [] for c in UNIT_COLUMNS})
        return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=crs), crs=crs)
    units = pd.concat(parts, ignore_index=True)
    geom = gpd.GeoSeries(units["geometry"].to_numpy(), crs=crs)
    units = gpd.GeoDataFrame(units.drop(columns="geometry"), geometry=geom, crs=crs)
    units["footprint"] = gpd.GeoSeries(units["footprint"].to_numpy(), crs=crs)
    dup = units["unit_id"][units["unit_id"].duplicated()].unique()
    if len(dup):
        raise ValidationError(
            [
                Problem(
                    "buildings",
                    f"unit id {u!r} appears more than once.",
                    "give every building of an estate its own building_id",
                    feature=u,
                    code="u_unit_repeated",
                    params={"id": u},
                )
                for u in dup
            ]
        )
    units.index = pd.Index(units["unit_id"].to_numpy(), name=None)
    return units[[*UNIT_COLUMNS, "geometry"]]


# --------------------------------------------------------------------------- cells


def _seed_points(footprints: list[BaseGeometry]) -> tuple[np.ndarray, np.ndarray]:
    """Points on each footprint's boundary (densified) plus an interior point, with owners.

    Vectorised over the footprints: per owner, the boundary's points in order, then its
    representative point; a point or line footprint its own coordinates.
    """
    arr = np.empty(len(footprints), dtype=object)
    arr[:] = footprints
    kind = shapely.get_type_id(arr)
    present = ~(shapely.is_missing(arr) | shapely.is_empty(arr))
    poly = np.flatnonzero(present & ((kind == 3) | (kind == 6)))  # Polygon, MultiPolygon
    other = np.flatnonzero(present & (kind != 3) & (kind != 6))
    spacing = np.maximum(
        shapely.length(arr[poly]) / TESSELLATION_POINTS_PER_UNIT, TESSELLATION_SPACING_MIN_M
    )
    ring_xy, ring_of = shapely.get_coordinates(
        shapely.segmentize(shapely.boundary(arr[poly]), spacing), return_index=True
    )
    rep_xy = shapely.get_coordinates(shapely.point_on_surface(arr[poly]))
    other_xy, other_of = shapely.get_coordinates(arr[other], return_index=True)
    xy = np.vstack([ring_xy, rep_xy, other_xy])
    own = np.concatenate([poly[ring_of], poly, other[other_of]])
    last = np.concatenate([np.zeros(len(ring_xy)), np.ones(len(rep_xy)), np.zeros(len(other_xy))])
    order = np.lexsort((last, own))  # stable: each owner's boundary in order, then its point
    xy, own = xy[order], own[order]
    # the first of the points equal to the millimetre (``np.unique(axis=0, return_index=True)``'s
    # choice, by a stable sort of the two columns)
    mm = np.round(xy, 3)
    by = np.lexsort((mm[:, 1], mm[:, 0]))
    mm = mm[by]
    first = np.sort(by[np.r_[True, (mm[1:] != mm[:-1]).any(axis=1)]])
    return xy[first], own[first]


def tessellate(community: BaseGeometry, footprints: list[BaseGeometry]) -> list[BaseGeometry]:
    """Cells of the units of one community: a Voronoi tessellation around the footprints.

    Seeds are points on each footprint's densified boundary; the Voronoi regions of a
    unit's seeds are merged, clipped to the community, every footprint is given wholly to
    its own unit, and detached pieces are handed to the neighbour cell sharing the longest
    edge with them. The cells tile ``community`` (union equal, overlaps zero up to
    floating-point noise). Footprints and community in one metric CRS (metres).

    Parameters
    ----------
    community : Polygon or MultiPolygon
    footprints : list of geometries
        Unit footprints (polygons or points), one per unit, inside the community.

    Returns
    -------
    list of Polygon/MultiPolygon, one cell per footprint (in order).
    """
    n = len(footprints)
    fps = list(footprints)
    poly = [i for i, fp in enumerate(fps) if fp.geom_type in ("Polygon", "MultiPolygon")]
    if poly:  # one vectorised call: the same clip per footprint, without a call each
        clipped = shapely.intersection(np.array([fps[i] for i in poly], dtype=object), community)
        for i, c in zip(poly, clipped, strict=True):
            fps[i] = c
    fps = _disjoint(fps)
    if n == 1:
        return [community]
    xy, own = _seed_points(fps)
    if len(np.unique(own)) < n:
        missing = sorted(set(range(n)) - set(own.tolist()))
        raise ValidationError(
            [
                Problem(
                    "estates",
                    "the unit has an empty footprint inside its community.",
                    "check the estate geometry lies inside its community",
                    feature=str(i),
                    code="u_empty_footprint",
                )
                for i in missing
            ]
        )
    minx, miny, maxx, maxy = community.bounds
    pad = max(maxx - minx, maxy - miny) + 10.0
    extent = shapely.box(minx - pad, miny - pad, maxx + pad, maxy + pad)
    regions = _voronoi_regions(xy, extent)
    cells = shapely.intersection(_union_by_owner(regions, own, n), community)
    cells = _give_footprints(cells, fps)
    return _reattach_pieces(cells, fps)


def _union_by_owner(regions: np.ndarray, own: np.ndarray, n: int) -> np.ndarray:
    """The coverage union of each owner's regions (``own[i]`` owns ``regions[i]``; owners
    ``0 .. n-1``, each with at least one region), in one call: row ``j`` of a table holds owner
    ``j``'s regions in their order, padded with None (which the union skips), so each row's
    union is that of ``shapely.coverage_union_all(regions[own == j])``."""
    order = np.argsort(own, kind="stable")
    bounds = np.searchsorted(own[order], np.arange(n + 1))
    counts = np.diff(bounds)
    table = np.full((n, int(counts.max())), None, dtype=object)
    rows = np.repeat(np.arange(n), counts)
    table[rows, np.arange(len(order)) - bounds[rows]] = regions[order]
    merged: np.ndarray = shapely.coverage_union_all(table, axis=1)
    return merged


def _voronoi_regions(xy: np.ndarray, extent: BaseGeometry) -> np.ndarray:
    """Voronoi region of every seed, in seed order.

    A fixed millimetre jitter breaks the co-circular seed sets of rectilinear footprints,
    on which GEOS returns empty or invalid regions; regions are matched to seeds by
    containment when GEOS's ordering does not hold.
    """
    jitter = np.random.default_rng(0).uniform(-1e-3, 1e-3, xy.shape)
    pts = shapely.points(xy + jitter)
    regions: np.ndarray = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=extent, ordered=True)
    )
    if len(regions) == len(pts) and shapely.contains(regions, pts).all():
        return regions
    regions = regions[shapely.area(regions) > 0]
    pi, ri = shapely.STRtree(regions).query(pts, predicate="within")
    out = np.empty(len(pts), dtype=object)
    out[:] = shapely.Polygon()
    out[pi] = regions[ri]
    return out


def _disjoint(fps: list[BaseGeometry]) -> list[BaseGeometry]:
    """Make polygon footprints pairwise disjoint (an overlap goes to the earlier one)."""
    arr = np.array(fps, dtype=object)
    poly = np.array([g.geom_type in ("Polygon", "MultiPolygon") for g in arr])
    tree = shapely.STRtree(arr)
    a, b = tree.query(arr, predicate="overlaps")
    keep = (a < b) & poly[a] & poly[b]
    out = list(arr)
    for i, j in zip(a[keep], b[keep], strict=True):
        out[j] = shapely.difference(out[j], out[i])
    return out


def _give_footprints(cells: np.ndarray, fps: list[BaseGeometry]) -> np.ndarray:
    """Each footprint wholly to its own cell, taken out of the others."""
    fp_arr = np.array(fps, dtype=object)
    is_poly = np.array([g.geom_type in ("Polygon", "MultiPolygon") for g in fp_arr])
    tree = shapely.STRtree(fp_arr)
    ci, fj = tree.query(cells, predicate="intersects")
    steal = (ci != fj) & is_poly[fj]
    out = cells.copy()
    if steal.any():
        touched = np.unique(ci[steal])
        for i in touched:
            others = fp_arr[fj[steal & (ci == i)]]
            out[i] = shapely.difference(out[i], shapely.union_all(others))
    idx = np.flatnonzero(is_poly)
    short = idx[~shapely.contains(out[idx], fp_arr[idx])]
    if len(short):
        out[short] = shapely.union(out[short], fp_arr[short])
    return out


def _reattach_pieces(cells: np.ndarray, fps: list[BaseGeometry]) -> list[BaseGeometry]:
    """Give detached cell pieces (not touching their footprint) to the best neighbour."""
    parts, owner = shapely.get_parts(cells, return_index=True)
    parts = shapely.make_valid(parts)
    keep = np.array([shapely.area(p) > 0 for p in parts])
    parts, owner = parts[keep], owner[keep]
    fp_arr = np.array(fps, dtype=object)
    anchored = shapely.intersects(parts, fp_arr[owner]) | shapely.dwithin(
        parts, fp_arr[owner], 1e-6
    )
    if anchored.all():
        return [
            shapely.union_all(parts[owner == i]) if (owner == i).sum() > 1 else parts[owner == i][0]
            for i in range(len(cells))
        ]
    owner = owner.copy()
    tree = shapely.STRtree(parts)
    orphans = list(np.flatnonzero(~anchored))
    for _ in range(3):
        left = []
        for o in orphans:
            cand = tree.query(parts[o], predicate="intersects")
            cand = [c for c in cand if c != o and owner[c] != owner[o] and anchored[c]]
            if not cand:
                left.append(o)
                continue
            shared = shapely.length(
                shapely.intersection(parts[o].boundary, shapely.buffer(parts[cand], _BUFFER_EPS_M))
            )
            best = cand[int(np.argmax(shared))]
            owner[o] = owner[best]
            anchored[o] = True
        if not left:
            break
        orphans = left
    out = []
    for i in range(len(cells)):
        mine = parts[owner == i]
        out.append(shapely.union_all(mine) if len(mine) != 1 else mine[0])
    return out


# --------------------------------------------------------------------------- adjacency


def adjacency(
    unit_ids: np.ndarray, cells: np.ndarray, *, min_edge_m: float = ADJACENCY_MIN_EDGE_M
) -> pd.DataFrame:
    """Edges between cells sharing a boundary longer than ``min_edge_m`` metres.

    The shared boundary of ``a`` and ``b`` is the part of ``a``'s boundary within
    ``_BUFFER_EPS_M`` (5 cm) of ``b`` (the band only bridges rounding gaps), less the stretches
    a third cell lies along (within ``_FACING_EPS_M``), judged from ``a``'s side and from
    ``b``'s (the shorter counts): where a sliver of a third cell lies between two cells, they
    face the sliver, not each other, and on the map they do not touch. So an edge stands for a
    boundary the two cells share on the map, or face each other across a rounding gap.

    Returns a DataFrame ``unit_a, unit_b, length_m, kind`` with ``unit_a < unit_b``.
    """
    tree = shapely.STRtree(cells)
    a, b = tree.query(cells, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    if len(a) == 0:
        return _edges_frame([], [], [], [])
    buffered = shapely.buffer(cells, _BUFFER_EPS_M, quad_segs=1)
    bounds = shapely.boundary(cells)
    near = shapely.intersection(bounds[a], buffered[b])
    length = shapely.length(near)
    long = np.flatnonzero(length > min_edge_m)
    if len(long):  # where the two share all but the band's corner ends, nothing lies between
        # the segments both boundaries have settle almost every pair without an overlay (a
        # lower bound of the exactly shared length); the overlay only where they do not
        common = _shared_segment_length(bounds, a[long], b[long], shapely.is_valid(cells))
        unsure = long[length[long] - common > _CORNER_SLACK_M - _SHARED_SEGMENT_MARGIN_M]
        exact = shapely.length(shapely.intersection(bounds[a[unsure]], bounds[b[unsure]]))
        long = unsure[length[unsure] - exact > _CORNER_SLACK_M]
    if len(long):  # judged from both sides: a third cell may lie along one and not the other
        back = shapely.intersection(shapely.boundary(cells[b[long]]), buffered[a[long]])
        length[long] = np.minimum(
            _facing_length(near[long], a[long], b[long], cells, tree),
            _facing_length(back, b[long], a[long], cells, tree),
        )
    ok = length > min_edge_m
    ua, ub = unit_ids[a[ok]], unit_ids[b[ok]]
    lo = np.where(ua < ub, ua, ub)
    hi = np.where(ua < ub, ub, ua)
    return _edges_frame(lo, hi, length[ok], ["shared"] * int(ok.sum()))


def _shared_segment_length(
    bounds: np.ndarray, a: np.ndarray, b: np.ndarray, valid: np.ndarray
) -> np.ndarray:
    """Length (m) of the segments (the same two end points) that both boundary lines
    ``bounds[a[k]]`` and ``bounds[b[k]]`` have, found by sorting their coordinates (no overlay).

    A lower bound of the length of the lines' intersection where both cells are valid (the
    segments of a valid polygon's rings overlap nowhere, so the shared ones add up); 0 where
    either is not, and for segments three or more cells have.
    """
    out = np.zeros(len(a))
    lines, owner = shapely.get_parts(bounds, return_index=True)
    xy, line = shapely.get_coordinates(lines, return_index=True)
    if len(xy) < 2:
        return out
    seg = line[1:] == line[:-1]
    p, q = xy[:-1][seg], xy[1:][seg]
    own = owner[line[:-1][seg]]
    flip = (p[:, 0] > q[:, 0]) | ((p[:, 0] == q[:, 0]) & (p[:, 1] > q[:, 1]))
    p, q = np.where(flip[:, None], q, p), np.where(flip[:, None], p, q)
    order = np.lexsort((own, q[:, 1], q[:, 0], p[:, 1], p[:, 0]))
    key = np.column_stack([p, q])[order]
    own = own[order]
    new_key = np.r_[True, (key[1:] != key[:-1]).any(axis=1)]
    keep = new_key | np.r_[True, own[1:] != own[:-1]]  # a cell's repeated segment: once
    key, own, new_key = key[keep], own[keep], new_key[keep]
    start = np.flatnonzero(new_key)
    count = np.diff(np.r_[start, len(key)])
    two = start[count == 2]  # a segment of exactly two cells (own sorted: own[two] < own[two + 1])
    if len(two) == 0:
        return out
    seg_len = np.hypot(key[two, 2] - key[two, 0], key[two, 3] - key[two, 1])
    n = len(bounds)
    code = own[two].astype(np.int64) * n + own[two + 1]
    codes, inv = np.unique(code, return_inverse=True)
    total = np.bincount(inv, weights=seg_len)
    want = np.minimum(a, b).astype(np.int64) * n + np.maximum(a, b)
    at = np.minimum(np.searchsorted(codes, want), len(codes) - 1)
    hit = (codes[at] == want) & valid[a] & valid[b]
    out[hit] = total[at[hit]]
    return out


def _facing_length(
    near: np.ndarray, a: np.ndarray, b: np.ndarray, cells: np.ndarray, tree: shapely.STRtree
) -> np.ndarray:
    """Length (m) of each line ``near[k]`` (on cell ``a[k]``'s boundary, by cell ``b[k]``)
    less the stretches where another cell, not ``b[k]``, lies along it (within
    ``_FACING_EPS_M``): there a third cell lies between the two."""
    length = np.asarray(shapely.length(near), dtype=float)
    k, c = tree.query(near, predicate="dwithin", distance=_FACING_EPS_M)
    third = (c != a[k]) & (c != b[k])
    k, c = k[third], c[third]
    if len(k) == 0:
        return length
    # a third cell meeting the two at a corner touches a few micrometres of the line and is
    # let be; one lying along it (a sliver between the two) takes the stretch it lies along
    uc, inv = np.unique(c, return_inverse=True)
    grown = shapely.buffer(cells[uc], _FACING_EPS_M, quad_segs=1)
    touch = shapely.intersection(near[k], grown[inv])
    along = shapely.length(touch) > 4 * _FACING_EPS_M
    k, touch = k[along], touch[along]
    for j in np.unique(k):
        # where the two cells touch as well (a third one overlapping them by rounding), the
        # stretch stays theirs
        between = shapely.difference(
            shapely.union_all(touch[k == j]),
            shapely.buffer(cells[b[j]], _FACING_EPS_M, quad_segs=1),
        )
        length[j] = shapely.length(shapely.difference(near[j], between))
    return length


def _edges_frame(a: Any, b: Any, length: Any, kind: Any) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit_a": pd.Series(a, dtype=object),
            "unit_b": pd.Series(b, dtype=object),
            "length_m": pd.Series(length, dtype=float),
            "kind": pd.Series(kind, dtype=object),
        }
    )


def _components(nodes: list[str], edges: pd.DataFrame) -> list[list[str]]:
    """Components (members in ``nodes`` order), largest first, ties by first member's id."""
    pos = {u: i for i, u in enumerate(nodes)}
    groups = edge_components(
        nodes, [pos[a] for a in edges["unit_a"]], [pos[b] for b in edges["unit_b"]]
    )
    return sorted(groups, key=lambda g: (-len(g), g[0]))


def _community_part(
    comps: list[list[str]], anchor: dict[str, Any], community: BaseGeometry | None
) -> list[int]:
    """The part of a (multi-part) community each component lies in (its first unit's anchor)."""
    if community is None or community.geom_type != "MultiPolygon":
        return [0] * len(comps)
    parts = shapely.get_parts(community)
    out = []
    for comp in comps:
        d = shapely.distance(parts, anchor[comp[0]])
        out.append(int(np.argmin(d)))
    return out


def _apply_barriers_and_islands(
    cid: str,
    sub: gpd.GeoDataFrame,
    edges: pd.DataFrame,
    barrier: BaseGeometry | None,
    community: BaseGeometry | None = None,
) -> tuple[pd.DataFrame, list[Problem], list[Problem]]:
    """Cut edges crossing barriers, then link every detached component to its nearest unit.

    Components in different parts of a multi-part ``community`` are never linked: the
    gridder grids each part on its own, so no grid spans two parts.
    """
    problems: list[Problem] = []
    fatal: list[Problem] = []
    ids = list(sub["unit_id"])
    anchor = dict(zip(ids, shapely.point_on_surface(sub["footprint"].to_numpy()), strict=True))
    if barrier is not None and len(edges):
        seg = shapely.linestrings(
            [
                [(anchor[a].x, anchor[a].y), (anchor[b].x, anchor[b].y)]
                for a, b in zip(edges["unit_a"], edges["unit_b"], strict=True)
            ]
        )
        crossed = shapely.intersects(seg, barrier)
        if crossed.all() and len(ids) > 1:
            fatal.append(
                Problem(
                    "barriers",
                    f"in community {cid!r} the barrier lines cut every link between "
                    f"its {len(ids)} units, so no grid can hold two units.",
                    "remove barrier lines that do not separate neighbourhoods (or pass none)",
                    feature=cid,
                    code="u_barriers_cut_all",
                    params={"community": cid, "n": len(ids)},
                )
            )
            return edges, problems, fatal
        edges = edges[~crossed].reset_index(drop=True)
    comps = _components(ids, edges)
    if len(comps) <= 1:
        return edges, problems, fatal
    part_of = _community_part(comps, anchor, community)
    n_parts = len(set(part_of))
    if n_parts > 1:
        problems.append(
            Problem(
                "communities",
                f"community {cid!r} is in {n_parts} separate parts (a river, a "
                "road or the data); its grids follow its parts, none spans two.",
                "nothing to do if that is the ground truth; otherwise join the parts",
                feature=cid,
                severity="warning",
                code="u_community_parts",
                params={"community": cid, "n": n_parts},
            )
        )
    links = []
    fps = dict(zip(ids, sub["footprint"], strict=True))
    mains: dict[int, list[str]] = {}
    for comp, part in zip(comps, part_of, strict=True):
        if part not in mains:  # the largest component of each part: the others are linked to it
            mains[part] = comp
            continue
        main = mains[part]
        main_geoms = np.array([fps[u] for u in main], dtype=object)
        best = (math.inf, "", "")
        for u in comp:
            d = shapely.distance(main_geoms, fps[u])
            j = int(np.argmin(d))
            if d[j] < best[0]:
                best = (float(d[j]), u, main[j])
        _, u, v = best
        links.append((min(u, v), max(u, v)))
        problems.append(
            Problem(
                "estates",
                f"in community {cid!r}, {len(comp)} unit(s) ({', '.join(comp[:5])}"
                f"{' ...' if len(comp) > 5 else ''}) share no cell edge with the rest; "
                f"linked {u!r} to its nearest unit {v!r} ({best[0]:.0f} m).",
                "check for a barrier or a gap in the community boundary",
                feature=u,
                severity="warning",
                code="u_units_linked",
                params={
                    "community": cid,
                    "n": len(comp),
                    "units": ", ".join(comp[:5]) + (" ..." if len(comp) > 5 else ""),
                    "unit": u,
                    "nearest": v,
                    "metres": f"{best[0]:.0f}",
                },
            )
        )
        mains[part] = main + comp
    if not links:
        return edges, problems, fatal
    extra = _edges_frame(
        [a for a, _ in links],
        [b for _, b in links],
        [0.0] * len(links),
        ["island_link"] * len(links),
    )
    return pd.concat([edges, extra], ignore_index=True), problems, fatal
