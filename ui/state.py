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
                "siting", "curve", "staffing", "lasso_seen")


def unit_at(units: gpd.GeoDataFrame, lon: float, lat: float, *, id_col: str = "unit_id") -> str | None:
    """Return the id of the unit whose polygon holds the WGS84 point, or ``None``.

    Parameters
    ----------
    units : GeoDataFrame
        Unit cells in WGS84 (display frame).
    lon, lat : float
        The click in degrees (undo any display shift first, see ``ui.maps.click_to_wgs84``).
    """
    if len(units) == 0:
        return None
    pt = shapely.Point(float(lon), float(lat))
    hits = units.sindex.query(pt, predicate="intersects")
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


def click_from_map(result: Mapping[str, Any] | None, seen: object = None
                   ) -> tuple[float, float] | None:
    """Extract ``(lat, lng)`` of the latest object click from an ``st_folium`` return value.

    Returns ``None`` when there is no click or it is the one already handled (``seen``).
    """
    if not result:
        return None
    click = result.get("last_object_clicked")
    if not click or click == seen:
        return None
    try:
        return float(click["lat"]), float(click["lng"])
    except (KeyError, TypeError, ValueError):
        return None


def toggle(selection: Iterable[str], unit_id: str) -> list[str]:
    """Add ``unit_id`` to the selection, or remove it when already selected (a click toggles)."""
    current = [str(s) for s in selection]
    return [s for s in current if s != unit_id] if unit_id in current else [*current, unit_id]


def reset_derived(state: MutableMapping[str, Any]) -> None:
    """Forget the plan and every result computed from the previous dataset."""
    for key in DERIVED_KEYS:
        state.pop(key, None)
