"""Coordinate systems: the metric CRS per dataset, and the GCJ-02 / BD-09 offset datums."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from pyproj import CRS

from geo.errors import CRSError
from geo.settings import WGS84

if TYPE_CHECKING:
    import geopandas as gpd

log = logging.getLogger(__name__)

#: CGCS2000 3-degree Gauss-Kruger zones without zone number in the false easting
#: (EPSG:4534-4554 cover central meridians 75E-135E).
_CGCS2000_GK3_FIRST_EPSG = 4534
_CGCS2000_GK3_FIRST_CM = 75


def cgcs2000_gk_crs(lon: float) -> CRS:
    """Return the CGCS2000 3-degree Gauss-Kruger CRS (no zone prefix) whose zone holds ``lon``.

    Examples
    --------
    >>> cgcs2000_gk_crs(120.33).to_epsg()
    4549
    """
    if not 73.5 <= lon <= 136.5:
        raise CRSError(f"`lon` {lon} is outside China's CGCS2000 Gauss-Kruger zones (73.5-136.5 E)")
    cm = int(round(lon / 3.0) * 3)
    cm = min(max(cm, _CGCS2000_GK3_FIRST_CM), 135)
    return CRS.from_epsg(_CGCS2000_GK3_FIRST_EPSG + (cm - _CGCS2000_GK3_FIRST_CM) // 3)


def metric_crs_for(gdf: gpd.GeoDataFrame) -> CRS:
    """Choose the metric CRS in which a dataset is computed.

    A projected CRS is kept. CGCS2000 geographic data gets its Gauss-Kruger 3-degree zone;
    anything else geographic gets its UTM zone. The choice is logged.

    Raises
    ------
    CRSError
        If ``gdf`` has no CRS or is empty.
    """
    if gdf.crs is None:
        raise CRSError("the layer has no CRS; declare the datum (WGS84, CGCS2000, GCJ-02, BD-09 or an EPSG code)")
    if gdf.crs.is_projected:
        return CRS.from_user_input(gdf.crs)
    if len(gdf) == 0 or gdf.geometry.is_empty.all():
        raise CRSError("cannot choose a metric CRS for an empty layer")
    lon = float(gdf.geometry.to_crs(WGS84).union_all().representative_point().x)
    if gdf.crs.to_epsg() == 4490 and 73.5 <= lon <= 136.5:
        crs = cgcs2000_gk_crs(lon)
    else:
        crs = gdf.to_crs(WGS84).estimate_utm_crs()
    log.info("metric CRS chosen: %s", crs.to_string())
    return crs


def require_metric(gdf: gpd.GeoDataFrame, what: str = "layer") -> None:
    """Refuse distance or area work on a geographic CRS (metres only inside the engine)."""
    if gdf.crs is None or not gdf.crs.is_projected:
        raise CRSError(f"`{what}` must be in a projected (metric) CRS, got {gdf.crs}; "
                       "load it with geo.io or reproject with metric_crs_for()")
