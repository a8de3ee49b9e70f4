"""Coverage review: walking distance from every estate to its nearest facility, life-circle gaps.

Each estate (its representative point, inside the polygon) is matched to the nearest facility of
the chosen levels on the walk network (one multi-source Dijkstra, snap distances included), or by
the labelled straight-line fallback without a network. Estates are classed by the life-circle
thresholds (``<=300 m``, ``<=500 m``, ``<=1000 m``, ``beyond``; ``unreachable`` when the network
offers no path at all), counted per class, and the estates beyond a chosen distance are ranked
as gaps, most households first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import numpy as np

from geo.errors import Problem, ValidationError
from geo.settings import DEFAULT_DETOUR_FACTOR, FACILITY_LEVELS, LIFE_CIRCLES_M

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from geo.data.schema import Layers

#: Class of estates beyond the last threshold, and of estates with no path to any facility.
BEYOND = "beyond"
UNREACHABLE = "unreachable"
#: Demand weights an estate may carry.
WEIGHTS = ("households", "residents", "party_members")


def class_labels(thresholds_m: Sequence[float]) -> list[str]:
    """Life-circle class labels in order, e.g. ``["<=300 m", "<=500 m", "<=1000 m", "beyond",
    "unreachable"]``."""
    return [f"<={t:g} m" for t in thresholds_m] + [BEYOND, UNREACHABLE]


def check_thresholds(thresholds_m: Sequence[float]) -> tuple[float, ...]:
    """Validate life-circle thresholds: at least one, all finite and > 0, strictly ascending.

    Raises
    ------
    ValueError
        Naming ``thresholds_m`` and the values given.
    """
    t = tuple(float(x) for x in thresholds_m)
    if not t or not all(np.isfinite(x) and x > 0 for x in t) or any(b <= a for a, b in pairwise(t)):
        raise ValueError(
            f"`thresholds_m` must be finite distances > 0 m in ascending order, got {list(t)}"
        )
    return t


def classify(
    dist_m: np.ndarray, thresholds_m: Sequence[float], unreachable: np.ndarray | None = None
) -> np.ndarray:
    """Life-circle class of each distance (metres); ``inf`` or ``unreachable`` -> "unreachable"."""
    t = check_thresholds(thresholds_m)
    labels = np.array(class_labels(t), dtype=object)
    d = np.asarray(dist_m, dtype=float)
    idx = np.searchsorted(np.asarray(t), d, side="left")  # d <= t[k] -> k
    idx = np.where(np.isfinite(d), idx, len(t) + 1)
    if unreachable is not None:
        idx = np.where(unreachable, len(t) + 1, idx)
    return labels[idx]


@dataclass(frozen=True, eq=False)
class CoverageResult:
    """Result of :func:`coverage_review`.

    Attributes
    ----------
    estates : GeoDataFrame
        One row per estate (metric CRS, estate polygons): ``estate_id``, ``name``,
        ``community_id``, ``community_name`` (from the communities layer), ``households``, ``party_members``, ``residents``, ``dist_m``
        (``inf`` when unreachable), ``snap_m``, ``snap_flagged``, ``facility_id``,
        ``facility_name``, ``facility_level``, ``life_circle``, ``method``.
    totals : DataFrame
        Per class: ``life_circle``, ``estates``, ``households``, ``party_members``,
        ``weight``, ``share`` (of the total weight).
    gaps : DataFrame
        Estates farther than ``gap_threshold_m`` (or unreachable), ranked by ``weight`` then
        distance, with ``rank`` from 1; names (``name``, ``community_name``,
        ``facility_name``) beside the codes.
    method : str
        ``"network"`` or ``"straight-line x1.3"``.
    """

    estates: gpd.GeoDataFrame
    totals: pd.DataFrame
    gaps: pd.DataFrame
    method: str
    thresholds_m: tuple[float, ...]
    gap_threshold_m: float
    levels: tuple[str, ...]
    weight: str
    n_facilities: int
    flagged_facilities: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = field(default_factory=tuple)

    def to_dict(self, *, max_gaps: int = 20) -> dict[str, Any]:
        """JSON-safe summary: method, classes with totals, the first gaps, flagged points."""
        unreachable = self.estates.loc[self.estates["life_circle"] == UNREACHABLE, "estate_id"]
        flagged = self.estates.loc[self.estates["snap_flagged"], "estate_id"]
        gap_rows = self.gaps.head(max_gaps).replace({np.inf: None})
        return {
            "method": self.method,
            "thresholds_m": list(self.thresholds_m),
            "levels": list(self.levels),
            "weight": self.weight,
            "estates": len(self.estates),
            "facilities": self.n_facilities,
            "classes": [
                {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
                for row in self.totals.to_dict("records")
            ],
            "gap_threshold_m": self.gap_threshold_m,
            "gap_estates": len(self.gaps),
            "gap_households": float(self.gaps["households"].sum()),
            "gaps": [
                {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
                for row in gap_rows.to_dict("records")
            ],
            "unreachable_estates": unreachable.astype(str).tolist(),
            "flagged_estates": flagged.astype(str).tolist(),
            "flagged_facilities": list(self.flagged_facilities),
            "problems": [str(p) for p in self.problems],
        }


def _facilities(layers: Layers, levels: Sequence[str] | None) -> gpd.GeoDataFrame:
    if levels is not None:
        unknown = [lv for lv in levels if lv not in FACILITY_LEVELS]
        if unknown:
            raise ValueError(f"`levels` {unknown} unknown; choose from {FACILITY_LEVELS}")
    fac = layers.facilities
    if fac is None or len(fac) == 0:
        raise ValidationError(
            [
                Problem(
                    "facilities",
                    "no facilities layer, nothing to measure coverage to",
                    "add a facilities layer (points with facility_id and level)",
                    code="no_facilities",
                )
            ]
        )
    chosen = fac if levels is None else fac[fac["level"].astype(str).isin(list(levels))]
    if len(chosen) == 0:
        present = sorted(fac["level"].astype(str).unique())
        raise ValidationError(
            [
                Problem(
                    "facilities",
                    f"no facility of level(s) {list(levels or [])}",
                    f"choose among the levels present: {present}",
                    field="level",
                    code="no_facility_of_levels",
                    params={
                        "levels": ", ".join(map(str, levels or [])),
                        "present": ", ".join(present),
                    },
                )
            ]
        )
    return chosen


def coverage_review(
    layers: Layers,
    *,
    network: Any = None,
    levels: Sequence[str] | None = None,
    thresholds_m: Sequence[float] = LIFE_CIRCLES_M,
    weight: str = "households",
    gap_threshold_m: float = LIFE_CIRCLES_M[1],
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
) -> CoverageResult:
    """Walking distance from each estate to its nearest facility, classed by life circles.

    Parameters
    ----------
    layers : Layers
        Estates and facilities in the dataset's metric CRS.
    network : WalkNetwork, networkx graph, path or None
        Walk network; ``None`` uses the straight-line fallback (labelled in ``method``).
        :func:`geo.network.walk.layers_network` loads ``layers.network_path``.
    levels : sequence of str, optional
        Facility levels to count (default: all).
    thresholds_m : sequence of float
        Life-circle distances in metres, ascending (default 300, 500, 1000).
    weight : {"households", "residents", "party_members"}
        Demand weight for shares and for ranking gaps.
    gap_threshold_m : float
        Estates farther than this (metres) are gaps (default 500 m, the 10-minute circle).
    detour_factor : float
        Straight-line multiplier of the fallback.

    Returns
    -------
    CoverageResult

    Raises
    ------
    ValidationError
        If there are no facilities (of the chosen levels).
    ValueError
        On bad thresholds, weight or levels.
    """
    from geo.data.crs import require_metric
    from geo.network.walk import as_walk_network, nearest, require_network_near

    t = check_thresholds(thresholds_m)
    if weight not in WEIGHTS:
        raise ValueError(f"`weight` must be one of {WEIGHTS}, got {weight!r}")
    if not (np.isfinite(gap_threshold_m) and gap_threshold_m > 0):
        raise ValueError(f"`gap_threshold_m` must be > 0 metres, got {gap_threshold_m}")
    estates = layers.estates
    require_metric(estates, "estates")
    fac = _facilities(layers, levels)
    origins = estates.geometry.representative_point()
    net = as_walk_network(network, estates.crs)
    require_network_near(net, origins, layer="estates")
    require_network_near(net, fac.geometry, layer="facilities")
    res = nearest(origins, fac.geometry, network=net, detour_factor=detour_factor)
    table = _estate_table(estates, fac, res, t, _community_names(layers))
    fac_ids = fac["facility_id"].astype(str).to_numpy()
    flagged_fac = tuple(fac_ids[res.flagged_targets].tolist())
    problems = _problems(table, flagged_fac)
    return CoverageResult(
        estates=table,
        totals=_totals(table, t, weight),
        gaps=_gaps(table, gap_threshold_m, weight),
        method=res.method,
        thresholds_m=t,
        gap_threshold_m=float(gap_threshold_m),
        levels=tuple(levels)
        if levels is not None
        else tuple(sorted(fac["level"].astype(str).unique())),
        weight=weight,
        n_facilities=len(fac),
        flagged_facilities=flagged_fac,
        problems=problems,
    )


def _community_names(layers: Layers) -> dict[str, str]:
    """``{community_id: name}`` of the communities layer (ids as strings, names when given)."""
    comm = layers.communities
    if "name" not in comm.columns:
        return {}
    return {
        str(c): str(n)
        for c, n in zip(comm["community_id"], comm["name"], strict=True)
        if n is not None and n == n
    }


def _estate_table(
    estates: gpd.GeoDataFrame,
    fac: gpd.GeoDataFrame,
    res: Any,
    t: tuple[float, ...],
    community_names: dict[str, str],
) -> gpd.GeoDataFrame:
    import geopandas as gpd

    n = len(estates)
    hit = res.target >= 0
    pick = np.where(hit, res.target, 0)

    def fac_col(col: str) -> np.ndarray:
        values = (
            fac[col].astype(object).to_numpy()
            if col in fac
            else np.full(len(fac), None, dtype=object)
        )
        out: np.ndarray = np.where(hit, values[pick], np.array(None, dtype=object))
        return out

    def est_col(col: str, default: Any) -> Any:
        return estates[col].to_numpy() if col in estates else np.full(n, default)

    unreachable = res.unreachable_origins | ~np.isfinite(res.dist_m)
    dist_m = np.round(res.dist_m, 1)  # classes follow the distance shown
    return gpd.GeoDataFrame(
        {
            "estate_id": estates["estate_id"].astype(str).to_numpy(),
            "name": est_col("name", None),
            "community_id": est_col("community_id", None),
            "community_name": [
                None if c is None else community_names.get(str(c))
                for c in est_col("community_id", None)
            ],
            "households": estates["households"].to_numpy(),
            "party_members": estates["party_members"].to_numpy(),
            "residents": est_col("residents", np.nan),
            "dist_m": dist_m,
            "snap_m": np.round(res.snap_m_origins, 1),
            "snap_flagged": res.flagged_origins,
            "facility_id": np.where(hit, fac["facility_id"].astype(str).to_numpy()[pick], None),
            "facility_name": fac_col("name"),
            "facility_level": fac_col("level"),
            "life_circle": classify(dist_m, t, unreachable),
            "method": res.method,
        },
        geometry=estates.geometry.to_numpy(),
        crs=estates.crs,
        index=estates.index,
    )


def _totals(table: gpd.GeoDataFrame, t: tuple[float, ...], weight: str) -> pd.DataFrame:
    import pandas as pd

    labels = class_labels(t)
    w = table[weight].astype(float).fillna(0.0)
    grouped = pd.DataFrame(
        {
            "estates": table.groupby("life_circle").size(),
            "households": table.groupby("life_circle")["households"].sum(),
            "party_members": table.groupby("life_circle")["party_members"].sum(),
            "weight": w.groupby(table["life_circle"]).sum(),
        }
    ).reindex(labels, fill_value=0)
    total = float(w.sum())
    grouped["share"] = (grouped["weight"] / total).round(4) if total > 0 else 0.0
    grouped.index.name = "life_circle"
    return grouped.reset_index()


def _gaps(table: gpd.GeoDataFrame, gap_threshold_m: float, weight: str) -> pd.DataFrame:
    cols = [
        "estate_id",
        "name",
        "community_id",
        "community_name",
        "households",
        "party_members",
        "residents",
        "dist_m",
        "life_circle",
        "facility_id",
        "facility_name",
    ]
    gap = table.loc[~(table["dist_m"] <= gap_threshold_m), cols]
    order = np.lexsort(
        (
            gap["estate_id"].to_numpy(),
            -gap["dist_m"].to_numpy(),
            -gap[weight].astype(float).fillna(0.0).to_numpy(),
        )
    )
    gap = gap.iloc[order].reset_index(drop=True)
    gap.insert(0, "rank", np.arange(1, len(gap) + 1))
    out: pd.DataFrame = gap
    return out


def _problems(table: gpd.GeoDataFrame, flagged_fac: tuple[str, ...]) -> tuple[Problem, ...]:
    out = []
    unreachable = table.loc[table["life_circle"] == UNREACHABLE, "estate_id"].tolist()
    if unreachable:
        out.append(
            Problem(
                "estates",
                f"{len(unreachable)} estate(s) cannot reach any facility on the walk "
                f"network (disconnected): {unreachable[:20]}",
                "connect the network around them or add a facility there",
                severity="warning",
                code="estates_unreachable",
                params={"n": len(unreachable), "ids": ", ".join(map(str, unreachable[:20]))},
            )
        )
    flagged = table.loc[table["snap_flagged"], "estate_id"].tolist()
    if flagged:
        out.append(
            Problem(
                "estates",
                f"{len(flagged)} estate(s) lie far from the walk network: {flagged[:20]}",
                "extend the network or check the estate positions",
                severity="warning",
                code="estates_off_network",
                params={"n": len(flagged), "ids": ", ".join(map(str, flagged[:20]))},
            )
        )
    if flagged_fac:
        out.append(
            Problem(
                "facilities",
                f"{len(flagged_fac)} facility(ies) lie far from the walk network: "
                f"{list(flagged_fac[:20])}",
                "check their positions or extend the network",
                severity="warning",
                code="facilities_off_network",
                params={"n": len(flagged_fac), "ids": ", ".join(map(str, flagged_fac[:20]))},
            )
        )
    return tuple(out)
