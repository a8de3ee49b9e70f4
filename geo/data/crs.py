"""Coordinate systems: the metric CRS per dataset, and the GCJ-02 / BD-09 offset datums."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike
from pyproj import CRS
from pyproj.exceptions import CRSError as ProjCRSError

from geo.errors import CRSError
from geo.settings import BD09, GCJ02, WGS84

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

    A projected CRS is kept. Geographic data lying in China (WGS84, CGCS2000, or GCJ-02/BD-09
    already converted to WGS84) gets the CGCS2000 Gauss-Kruger 3-degree zone of its centre, so
    the same estates give the same metric coordinates, and the same plan, whatever datum they
    came in (WGS84 and CGCS2000 agree to centimetres); geographic data elsewhere gets its UTM
    zone. The choice is logged.

    Raises
    ------
    CRSError
        If ``gdf`` has no CRS or is empty.
    """
    if gdf.crs is None:
        raise CRSError(
            "the layer has no CRS; declare the datum (WGS84, CGCS2000, GCJ-02, BD-09 or an EPSG code)"
        )
    if gdf.crs.is_projected:
        return CRS.from_user_input(gdf.crs)
    if len(gdf) == 0 or gdf.geometry.is_empty.all():
        raise CRSError("cannot choose a metric CRS for an empty layer")
    centre = gdf.geometry.to_crs(WGS84).union_all().representative_point()
    if 73.5 <= centre.x <= 136.5 and not bool(out_of_china(centre.x, centre.y)):
        crs = cgcs2000_gk_crs(centre.x)
    else:
        crs = gdf.to_crs(WGS84).estimate_utm_crs()
    log.info("metric CRS chosen: %s", crs.to_string())
    return crs


def require_metric(gdf: gpd.GeoDataFrame, what: str = "layer") -> None:
    """Refuse distance or area work on a geographic CRS (metres only inside the engine)."""
    if gdf.crs is None or not gdf.crs.is_projected:
        raise CRSError(
            f"`{what}` must be in a projected (metric) CRS, got {gdf.crs}; "
            "load it with geo.data.io or reproject with metric_crs_for()"
        )


# --- GCJ-02 / BD-09 offset datums -------------------------------------------------------------
# GCJ-02 ("Mars coordinates", Amap / Tencent / Google China) is WGS84 plus an obfuscating offset
# of a few hundred metres inside China; BD-09 (Baidu) is a further offset on top of GCJ-02. The
# forward formulas below are the widely published ones (e.g. wandergis/coordtransform,
# googollee/eviltransform); the inverses are solved by fixed-point iteration because the
# one-step inverse found in most libraries is about 1 m off.

#: Krasovsky 1940 ellipsoid used by the GCJ-02 offset: semi-major axis (m), eccentricity squared.
_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323
#: BD-09 angular constant (radians per degree times 3000).
_BD_X_PI = np.pi * 3000.0 / 180.0
#: Stop iterating an inverse when every point moves less than this, in degrees (~1 mm).
_INVERSE_TOL_DEG = 1e-9
_INVERSE_MAX_ITER = 30


def out_of_china(lon: ArrayLike, lat: ArrayLike) -> np.ndarray:
    """Return True where a point lies outside the box in which GCJ-02 applies an offset.

    The box (72.004-137.8347 E, 0.8293-55.8271 N) is the one used by the published
    implementations; outside it the offset datums equal WGS84.
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _gcj_delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 minus WGS84, in degrees, evaluated at (lon, lat); zero outside China."""
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    dlat = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * sqrt_abs_x
        + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    )
    dlon = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * sqrt_abs_x
        + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    )
    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - _GCJ_EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_GCJ_A * (1.0 - _GCJ_EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_GCJ_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    outside = out_of_china(lon, lat)
    return np.where(outside, 0.0, dlon), np.where(outside, 0.0, dlat)


def _as_lonlat(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    lon_a, lat_a = np.broadcast_arrays(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return lon_a, lat_a


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Convert WGS84 longitude/latitude (degrees) to GCJ-02 (Amap, Tencent).

    Parameters
    ----------
    lon, lat : array_like
        WGS84 longitude and latitude in degrees, any matching shapes.

    Returns
    -------
    tuple of ndarray
        GCJ-02 ``(lon, lat)`` in degrees; unchanged outside China.

    Examples
    --------
    >>> lon, lat = wgs84_to_gcj02(116.397428, 39.90923)
    >>> round(float(lon), 6), round(float(lat), 6)
    (116.403672, 39.910634)
    """
    lon_a, lat_a = _as_lonlat(lon, lat)
    dlon, dlat = _gcj_delta(lon_a, lat_a)
    return lon_a + dlon, lat_a + dlat


_LonLatMap = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def _invert(
    forward: _LonLatMap, lon: ArrayLike, lat: ArrayLike, *, start: _LonLatMap | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Solve ``forward(w) = target`` for w by fixed-point iteration ``w -= forward(w) - target``.

    The offsets vary slowly (their derivative is of order 1e-5), so each step shrinks the error
    by about five orders of magnitude; two or three steps reach millimetres. The iteration
    starts from ``start(target)`` when given, else from the target itself.
    """
    t_lon, t_lat = _as_lonlat(lon, lat)
    w_lon, w_lat = (t_lon.copy(), t_lat.copy()) if start is None else start(t_lon, t_lat)
    for _ in range(_INVERSE_MAX_ITER):
        f_lon, f_lat = forward(w_lon, w_lat)
        e_lon, e_lat = f_lon - t_lon, f_lat - t_lat
        w_lon, w_lat = w_lon - e_lon, w_lat - e_lat
        if (
            e_lon.size == 0
            or max(np.nanmax(np.abs(e_lon)), np.nanmax(np.abs(e_lat))) < _INVERSE_TOL_DEG
        ):
            break
    return w_lon, w_lat


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Convert GCJ-02 longitude/latitude (degrees) to WGS84, accurate to millimetres.

    The inverse is iterated until the forward transform of the result matches the input to
    1e-9 degrees, instead of the usual one-step ``2 * g - f(g)`` (about 1 m off).

    Examples
    --------
    >>> lon, lat = gcj02_to_wgs84(116.403672, 39.910634)
    >>> round(float(lon), 5), round(float(lat), 5)
    (116.39743, 39.90923)
    """
    return _invert(wgs84_to_gcj02, lon, lat)


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Convert GCJ-02 longitude/latitude (degrees) to BD-09 (Baidu); unchanged outside China."""
    x, y = _as_lonlat(lon, lat)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _BD_X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _BD_X_PI)
    outside = out_of_china(x, y)
    return (
        np.where(outside, x, z * np.cos(theta) + 0.0065),
        np.where(outside, y, z * np.sin(theta) + 0.006),
    )


def _bd09_to_gcj02_step(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = lon - 0.0065, lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _BD_X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _BD_X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Convert BD-09 longitude/latitude (degrees) to GCJ-02; unchanged outside China.

    Starts from the published closed-form approximation and refines it by iteration so that
    ``gcj02_to_bd09`` of the result reproduces the input.
    """
    b_lon, b_lat = _as_lonlat(lon, lat)
    g_lon, g_lat = _invert(gcj02_to_bd09, b_lon, b_lat, start=_bd09_to_gcj02_step)
    outside = out_of_china(b_lon, b_lat) & out_of_china(g_lon, g_lat)
    return np.where(outside, b_lon, g_lon), np.where(outside, b_lat, g_lat)


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Convert WGS84 longitude/latitude (degrees) to BD-09 (through GCJ-02)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Convert BD-09 longitude/latitude (degrees) to WGS84 (through GCJ-02)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


#: Conversions to WGS84 per declared offset datum, for ``shapely.transform``.
TO_WGS84 = {"GCJ-02": gcj02_to_wgs84, "BD-09": bd09_to_wgs84}


def coords_to_wgs84(coords: np.ndarray, datum: str) -> np.ndarray:
    """Convert an ``(N, 2)`` array of (lon, lat) in an offset datum to WGS84.

    Suited to ``shapely.transform(geoms, lambda c: coords_to_wgs84(c, "GCJ-02"))``.

    Raises
    ------
    CRSError
        If ``datum`` is not ``"GCJ-02"`` or ``"BD-09"``.
    """
    if datum not in TO_WGS84:
        raise CRSError(
            f"`datum` must be one of {tuple(TO_WGS84)} for an offset conversion, got {datum!r}"
        )
    lon, lat = TO_WGS84[datum](coords[:, 0], coords[:, 1])
    return np.column_stack([lon, lat])


_DATUM_SPELLINGS = {
    "WGS84": "WGS84",
    "WGS-84": "WGS84",
    "WGS 84": "WGS84",
    "EPSG:4326": "WGS84",
    "CGCS2000": "CGCS2000",
    "CGCS-2000": "CGCS2000",
    "EPSG:4490": "CGCS2000",
    "GCJ02": GCJ02,
    "GCJ-02": GCJ02,
    "GCJ": GCJ02,
    "MARS": GCJ02,
    "AMAP": GCJ02,
    "GAODE": GCJ02,
    "BD09": BD09,
    "BD-09": BD09,
    "BAIDU": BD09,
}


def normalise_datum(datum: str | None) -> str | None:
    """Spell a declared datum the one way the loader uses.

    ``"wgs84"`` -> ``"WGS84"``, ``"gcj02"`` / ``"amap"`` -> ``"GCJ-02"``, ``"bd09"`` /
    ``"baidu"`` -> ``"BD-09"``, ``"EPSG:4490"`` -> ``"CGCS2000"``, ``"epsg:4549"`` ->
    ``"EPSG:4549"``; ``None`` stays ``None`` (trust the file's CRS).

    Raises
    ------
    CRSError
        If ``datum`` is none of these and not a CRS pyproj knows.

    Examples
    --------
    >>> normalise_datum(" gcj02 "), normalise_datum("4549")
    ('GCJ-02', 'EPSG:4549')
    """
    if datum is None:
        return None
    key = str(datum).strip().upper()
    if key in _DATUM_SPELLINGS:
        return _DATUM_SPELLINGS[key]
    try:
        crs = CRS.from_user_input(int(key) if key.isdigit() else key)
    except (ProjCRSError, ValueError) as exc:  # pyproj's reason; ValueError: int("²")
        raise CRSError(
            f"`datum` {datum!r} is not WGS84, CGCS2000, GCJ-02, BD-09 or a known EPSG code ({exc})"
        ) from exc
    epsg = crs.to_epsg()
    if epsg is None:
        return crs.to_string()
    return _DATUM_SPELLINGS.get(f"EPSG:{epsg}", f"EPSG:{epsg}")
