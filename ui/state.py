"""Session state of the app, and the map-interaction logic as plain functions.

The functions on GeoDataFrames (which unit a click hit, which units a lasso holds) carry no
streamlit import, so AppTest and unit tests call them directly: AppTest only sees an
``st_folium`` map as its JSON arguments and cannot click it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any

import geopandas as gpd
import shapely
from shapely.geometry import shape

#: Session keys that depend on the dataset and are dropped when it changes.
DERIVED_KEYS = ("plan", "editor", "grid_report", "last_edit", "selected_units", "coverage",
                "siting", "curve", "staffing", "lasso_seen", "open_plan", "plan_conflict")


#: Largest gap between a click and a unit still taken as that unit, degrees (about 3 m): display
#: simplification leaves slivers of a few decimetres between neighbouring cells.
CLICK_TOLERANCE_DEG = 3e-5


def unit_at(units: gpd.GeoDataFrame, lon: float, lat: float, *, id_col: str = "unit_id",
            tolerance_deg: float = CLICK_TOLERANCE_DEG) -> str | None:
    """Return the id of the unit whose polygon holds the point (or lies within a sliver of it).

    Parameters
    ----------
    units : GeoDataFrame
        Unit cells in the map's coordinates (display frame, degrees).
    lon, lat : float
        The click in the same coordinates.
    tolerance_deg : float
        A click in a simplification sliver goes to the nearest unit within this distance.
    """
    if len(units) == 0:
        return None
    pt = shapely.Point(float(lon), float(lat))
    hits = units.sindex.query(pt, predicate="intersects")
    if len(hits) == 0 and tolerance_deg > 0:
        hits = units.sindex.nearest(pt, max_distance=tolerance_deg, return_all=False)[1]
    if len(hits) == 0:
        return None
    return str(units[id_col].iloc[int(sorted(hits)[0])])


def units_in_polygon(units: gpd.GeoDataFrame, geometry: Mapping[str, Any], *,
                     id_col: str = "unit_id") -> list[str]:
    """Return ids of units whose representative point lies inside a drawn (lasso) polygon.

    ``geometry`` is a GeoJSON geometry (or Feature) in WGS84, as Leaflet.draw returns it.
    """
    geom = geometry.get("geometry", geometry) if isinstance(geometry, Mapping) else geometry
    lasso = shape(geom)
    if lasso.is_empty or lasso.geom_type not in ("Polygon", "MultiPolygon"):
        return []
    pts = units.geometry.representative_point()
    inside = pts.within(lasso)
    return [str(u) for u in units.loc[inside.values, id_col]]


#: Click entries of an ``st_folium`` value, preferred first: where the map was clicked, then
#: the clicked object's anchor (a click fires both; only one is handled).
CLICK_KEYS = ("last_clicked", "last_object_clicked")


def click_from_map(result: Mapping[str, Any] | None, seen: Mapping[str, Any] | None = None
                   ) -> tuple[float, float] | None:
    """Extract ``(lat, lng)`` of a new click from an ``st_folium`` return value.

    ``seen`` holds the click entries already handled (``{key: value}``); a click is new when
    an entry differs from it. Returns ``None`` when there is no new click.
    """
    if not result:
        return None
    seen = seen or {}
    for key in CLICK_KEYS:
        click = result.get(key)
        if not click or click == seen.get(key):
            continue
        try:
            return float(click["lat"]), float(click["lng"])
        except (KeyError, TypeError, ValueError):
            continue
    return None


def clicks_seen(result: Mapping[str, Any] | None) -> dict[str, Any]:
    """The click entries of an ``st_folium`` value, to pass as ``seen`` next time."""
    return {k: (result or {}).get(k) for k in CLICK_KEYS}


def toggle(selection: Iterable[str], unit_id: str) -> list[str]:
    """Add ``unit_id`` to the selection, or remove it when already selected (a click toggles)."""
    current = [str(s) for s in selection]
    return [s for s in current if s != unit_id] if unit_id in current else [*current, unit_id]


def reset_derived(state: MutableMapping[str, Any]) -> None:
    """Forget the plan and every result computed from the previous dataset."""
    for key in DERIVED_KEYS:
        state.pop(key, None)
