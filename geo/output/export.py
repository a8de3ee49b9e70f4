"""Exports for other systems: RFC 7946 GeoJSON, GeoPackage, CSV tables, standalone HTML map.

Everything leaving gridplan goes through :func:`drop_personal_fields` first (no names of
people, ID numbers or phones ever leave; party members are counts only) and is reprojected
to WGS84 lon/lat. Each export carries a small metadata record (plan name, version,
parameters, generated time) built by :func:`make_metadata`.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> g = gpd.GeoDataFrame({"grid_id": ["a"]}, geometry=[box(0, 0, 100, 100)], crs="EPSG:32651")
>>> text = to_geojson(g, metadata=make_metadata("demo", 1))
>>> '"crs"' in text
False
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import os
import secrets
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping

from geo.data._personal import is_personal_field as is_personal_field  # re-exported: public API
from geo.data._personal import personal_columns
from geo.data.crs import wgs84_to_gcj02
from geo.errors import CRSError, Problem, ValidationError
from geo.output.html import escape, escape_properties, geojson_tooltip
from geo.settings import EXPORT_COORD_PRECISION, GCJ02, WGS84

if TYPE_CHECKING:
    import folium

log = logging.getLogger(__name__)

#: Name of the metadata table (GeoPackage), file stem (CSV) and member (GeoJSON).
METADATA_NAME = "metadata"

Table: TypeAlias = (
    pd.DataFrame
)  # a GeoDataFrame (a map layer) or a plain DataFrame (an attribute table)


# --------------------------------------------------------------------------- personal data


def drop_personal_fields(df: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Return ``df`` without personal columns, and the names of the columns dropped.

    The columns are those :func:`geo.data._personal.personal_columns` finds (by name: 姓名, 身份证,
    id_card, phone, 电话 ...; by value: resident ID or mobile numbers; gridplan's own id columns
    and the geometry are kept), the same decision the loader makes. ``df`` is not modified.

    Parameters
    ----------
    df : DataFrame or GeoDataFrame
        Any table about to leave gridplan.

    Returns
    -------
    (DataFrame, list of str)
        The same kind of frame without the personal columns; the dropped column names.

    Examples
    --------
    >>> import pandas as pd
    >>> drop_personal_fields(pd.DataFrame({"grid_id": ["1"], "姓名": ["张三"]}))[1]
    ['姓名']
    """
    dropped = personal_columns(df)
    if dropped:
        log.warning("personal fields dropped before export: %s", ", ".join(dropped))
        df = df.drop(columns=dropped)
    return df, dropped


# --------------------------------------------------------------------------- metadata


def _json_safe(value: Any) -> Any:
    """Convert a value to something :func:`json.dumps` writes as strict JSON (no NaN)."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating | Decimal):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset | np.ndarray | pd.Series):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else list(value)
        return [_json_safe(v) for v in items]
    if isinstance(value, shapely.Geometry):
        return value.wkt
    if value is pd.NaT:
        return None
    if isinstance(value, dt.datetime | dt.date | dt.time | pd.Timestamp):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "__dataclass_fields__"):
        import dataclasses

        return _json_safe(dataclasses.asdict(value))
    return str(value)


def json_safe(value: Any) -> Any:
    """Public form of the JSON conversion used by every export (numpy, NaN, dates, sets)."""
    return _json_safe(value)


def make_metadata(
    plan: str | None = None,
    version: int | None = None,
    parameters: Mapping[str, Any] | Any = None,
    **extra: Any,
) -> dict[str, Any]:
    """Build the metadata record carried by every export.

    Parameters
    ----------
    plan : str, optional
        Plan name.
    version : int, optional
        Plan version in the store.
    parameters : mapping or dataclass, optional
        Gridding parameters (a ``GridParams`` is converted with ``dataclasses.asdict``).
    **extra
        Further JSON-safe entries (author, note ...).

    Returns
    -------
    dict
        ``plan``, ``version``, ``parameters``, ``generated`` (ISO 8601 UTC), ``generator``
        and the extras, all JSON-safe.
    """
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as pkg_version

    try:
        generator = f"gridplan {pkg_version('gridplan')}"
    except PackageNotFoundError:
        generator = "gridplan"
    record = {
        "plan": plan,
        "version": version,
        "parameters": _json_safe(parameters) if parameters is not None else {},
        "generated": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "generator": generator,
    }
    record.update({k: _json_safe(v) for k, v in extra.items()})
    return record


#: Metadata key of the personal columns the loader dropped (``{layer: [column, ...]}``).
DROPPED_AT_LOAD = "personal_fields_dropped_at_load"


def personal_fields_dropped_at_load(layers: Any) -> dict[str, list[str]]:
    """The personal columns the loader dropped from ``layers`` (a ``geo.data.schema.Layers``).

    Read from the loader's warnings (:func:`geo.data._validate.drop_personal_fields`), so that an
    export can list them: pass the result as ``make_metadata(**{DROPPED_AT_LOAD: ...})``.
    """
    import re

    out: dict[str, list[str]] = {}
    for p in getattr(layers, "problems", ()):
        if p.severity == "warning" and "dropped at load time" in p.message:
            head = p.message.split(" look like personal data", 1)[0]
            out.setdefault(p.layer, []).extend(re.findall(r"`([^`]+)`", head))
    return out


def _with_dropped(
    metadata: Mapping[str, Any] | None, dropped: Mapping[str, list[str]]
) -> dict[str, Any]:
    """``metadata`` with ``personal_fields_dropped``: columns dropped now and at load time."""
    meta = dict(metadata) if metadata is not None else make_metadata()
    personal = {k: list(v) for k, v in dropped.items() if v}
    for layer, cols in (meta.get(DROPPED_AT_LOAD) or {}).items():
        personal[layer] = [
            *personal.get(layer, []),
            *(c for c in cols if c not in personal.get(layer, [])),
        ]
    meta["personal_fields_dropped"] = personal
    meta["privacy"] = "counts only; no names, ID numbers or phone numbers of people are exported"
    return meta


# --------------------------------------------------------------------------- geometry


def _gcj02_transform() -> Callable[[np.ndarray], np.ndarray]:
    """The WGS84 -> GCJ-02 offset as a function of an (n, 2) lon/lat array."""

    def apply(xy: np.ndarray) -> np.ndarray:
        lon, lat = wgs84_to_gcj02(xy[:, 0], xy[:, 1])
        return np.column_stack([np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)])

    return apply


def to_wgs84(
    gdf: gpd.GeoDataFrame, *, precision: int = EXPORT_COORD_PRECISION, gcj02: bool = False
) -> gpd.GeoDataFrame:
    """Reproject to WGS84 lon/lat, round coordinates, orient polygons per RFC 7946.

    Exteriors come out counter-clockwise and holes clockwise; coordinates are rounded to
    ``precision`` decimal places of a degree (7 -> about 1 cm). With ``gcj02=True`` the
    coordinates are offset to GCJ-02 (the datum of Amap/Tencent maps) after reprojection.

    Raises
    ------
    CRSError
        If ``gdf`` has no CRS.
    """
    if gdf.crs is None:
        raise CRSError(
            "the layer to export has no CRS; set one (e.g. the plan's metric CRS) before exporting"
        )
    out = gdf.to_crs(WGS84)
    geoms = out.geometry.values
    if gcj02:
        geoms = shapely.transform(geoms, _gcj02_transform())
    # GEOS's precision reducer rounds and keeps polygons valid (plain rounding can fold a
    # narrow spike into a self-intersection another GIS refuses)
    geoms = shapely.set_precision(geoms, 10.0**-precision)
    geoms = shapely.orient_polygons(geoms, exterior_cw=False)
    return out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=WGS84))


def _check_table(name: str, df: object) -> None:
    if not isinstance(df, pd.DataFrame):
        raise ValidationError(
            [
                Problem(
                    layer=name,
                    message=f"is a {type(df).__name__}, not a table",
                    fix="pass a GeoDataFrame or a DataFrame",
                    code="ex_not_table",
                    params={"type": type(df).__name__},
                )
            ],
            title=f"cannot export layer `{name}`",
        )


def _prepare(
    layers: Mapping[str, Table], precision: int, gcj02: bool
) -> tuple[dict[str, Table], dict[str, list[str]]]:
    """Drop personal fields and reproject every spatial layer; return layers and drops."""
    out: dict[str, Table] = {}
    dropped: dict[str, list[str]] = {}
    for name, df in layers.items():
        _check_table(name, df)
        clean, dropped[name] = drop_personal_fields(df)
        if isinstance(clean, gpd.GeoDataFrame) and clean._geometry_column_name in clean:
            clean = to_wgs84(clean, precision=precision, gcj02=gcj02)
        out[name] = clean
    return out, dropped


# --------------------------------------------------------------------------- GeoJSON


def _feature_collection(
    gdf: gpd.GeoDataFrame, metadata: Mapping[str, Any] | None
) -> dict[str, Any]:
    geom_name = gdf.geometry.name
    props = gdf.drop(columns=[geom_name])
    columns = [str(c) for c in props.columns]
    features = []
    for geom, row in zip(
        gdf.geometry.values, props.itertuples(index=False, name=None), strict=True
    ):
        features.append(
            {
                "type": "Feature",
                "properties": {c: _json_safe(v) for c, v in zip(columns, row, strict=True)},
                "geometry": None if geom is None or geom.is_empty else mapping(geom),
            }
        )
    fc: dict[str, Any] = {"type": "FeatureCollection"}
    if metadata is not None:
        fc[METADATA_NAME] = _json_safe(dict(metadata))
    fc["features"] = features
    if len(gdf) and not gdf.geometry.is_empty.all():
        fc["bbox"] = [float(v) for v in gdf.total_bounds]
    return fc


def to_geojson(
    gdf: gpd.GeoDataFrame,
    *,
    precision: int = EXPORT_COORD_PRECISION,
    metadata: Mapping[str, Any] | None = None,
    gcj02: bool = False,
    indent: int | None = None,
) -> str:
    """Write one layer as RFC 7946 GeoJSON text.

    WGS84 lon/lat, exteriors counter-clockwise and holes clockwise, coordinates rounded to
    ``precision`` decimals, no ``crs`` member, properties JSON-safe (NaN -> null), personal
    fields dropped. The metadata record is a top-level foreign member ``"metadata"`` and
    lists the personal fields dropped.

    Parameters
    ----------
    gdf : GeoDataFrame
        Layer in any CRS (usually the plan's metric CRS).
    precision : int
        Decimal places of degrees, 7 by default (about 1 cm).
    metadata : mapping, optional
        Record from :func:`make_metadata`; a minimal one is made when omitted.
    gcj02 : bool
        Offset coordinates to GCJ-02 for Amap-based systems (not RFC 7946 WGS84 any more:
        the metadata says ``"datum": "GCJ-02"``).
    indent : int, optional
        Pretty-print indentation.

    Returns
    -------
    str
    """
    prepared, dropped = _prepare({"layer": gdf}, precision, gcj02)
    meta = _with_dropped(metadata, {"layer": dropped["layer"]})
    # one layer: a flat list, the columns dropped here first, then those dropped at load
    meta["personal_fields_dropped"] = list(
        dict.fromkeys(
            c
            for cols in [dropped["layer"], *meta["personal_fields_dropped"].values()]
            for c in cols
        )
    )
    meta["datum"] = GCJ02 if gcj02 else "WGS84"
    fc = _feature_collection(prepared["layer"], meta)
    return json.dumps(fc, ensure_ascii=False, allow_nan=False, indent=indent)


#: SQLite side files a GeoPackage temporary file may leave beside it.
_SQLITE_SIDES = ("-journal", "-wal", "-shm")


def _temp_path(path: Path, suffix: str = "") -> Path:
    """A hidden temporary sibling of ``path`` naming the writing process (for the sweep)."""
    return path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(8)}.tmp{suffix}")


def _remove_temp(tmp: Path) -> None:
    """Remove a temporary file and any SQLite side file it left."""
    for side in ("", *_SQLITE_SIDES):
        tmp.with_name(tmp.name + side).unlink(missing_ok=True)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True  # another thread of this process may be writing it right now
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # a process of another user
    return True


def _sweep_stale_temps(path: Path) -> list[Path]:
    """Remove temporary siblings of ``path`` left by a process that no longer runs (killed
    mid-export); return them. Temporaries of running processes are left alone."""
    import glob

    removed = []
    for tmp in path.parent.glob(f".{glob.escape(path.name)}.*-*.tmp*"):
        pid = tmp.name[len(path.name) + 2 :].split("-", 1)[0]
        if pid.isdigit() and not _pid_alive(int(pid)) and tmp.exists():
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    if removed:
        log.info(
            "removed %d temporary file(s) of an earlier, interrupted export of %s",
            len(removed),
            path,
        )
    return removed


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    _sweep_stale_temps(path)
    # Not mkstemp: its files are 0600, and exports are for other systems to read. An exclusive
    # open of a random name gets the mode any new file gets (umask), without touching the
    # process-wide umask (the app writes from several threads).
    tmp = _temp_path(path)
    try:
        with open(tmp, "xb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        _remove_temp(tmp)
        raise


def write_geojson(gdf: gpd.GeoDataFrame, path: str | os.PathLike[str], **kwargs: Any) -> Path:
    """Write :func:`to_geojson` text to ``path`` (UTF-8, atomically); return the path."""
    path = Path(path)
    _atomic_write_bytes(path, to_geojson(gdf, **kwargs).encode("utf-8"))
    return path


# --------------------------------------------------------------------------- GeoPackage


def _metadata_table(metadata: Mapping[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "key": [str(k) for k in metadata],
            "value": [json.dumps(_json_safe(v), ensure_ascii=False) for v in metadata.values()],
        }
    )


def _attribute_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Make a table's cells writable by OGR / CSV: lists and dicts become JSON text."""
    out = df.copy()
    for c in out.columns:
        if (
            out[c].dtype == object
            and out[c].map(lambda v: isinstance(v, list | tuple | dict | set)).any()
        ):
            out[c] = out[c].map(
                lambda v: (
                    json.dumps(_json_safe(v), ensure_ascii=False)
                    if isinstance(v, list | tuple | dict | set)
                    else v
                )
            )
    return out


def to_gpkg(
    layers: Mapping[str, Table],
    path: str | os.PathLike[str],
    metadata: Mapping[str, Any] | None = None,
    *,
    gcj02: bool = False,
) -> Path:
    """Write a GeoPackage with one layer per table plus a ``metadata`` attribute table.

    GeoDataFrames become spatial layers in WGS84 (EPSG:4326); plain DataFrames (staffing,
    assignment) become attribute tables. The file is written to a temporary name beside
    ``path`` and moved into place, so a failed export never leaves half a file.

    Parameters
    ----------
    layers : mapping of str to DataFrame
        Layer name -> table, e.g. ``{"grids": ..., "assignment": ..., "posts": ...}``.
    path : path-like
        Output ``.gpkg`` file (replaced if it exists).
    metadata : mapping, optional
        Record from :func:`make_metadata`.

    Returns
    -------
    Path
    """
    import pyogrio

    path = Path(path)
    if METADATA_NAME in layers:
        raise ValidationError(
            [
                Problem(
                    layer=METADATA_NAME,
                    message="is a reserved layer name",
                    fix="rename the layer",
                    code="ex_reserved",
                )
            ],
            title="cannot export",
        )
    prepared, dropped = _prepare(layers, EXPORT_COORD_PRECISION, gcj02)
    meta = _with_dropped(metadata, dropped)
    meta["datum"] = GCJ02 if gcj02 else "WGS84"
    path.parent.mkdir(parents=True, exist_ok=True)
    _sweep_stale_temps(path)
    tmp = _temp_path(path, ".gpkg")  # GDAL wants the .gpkg extension
    try:
        for name, df in prepared.items():
            frame = _attribute_frame(df)
            if isinstance(frame, gpd.GeoDataFrame):
                pyogrio.write_dataframe(frame, tmp, layer=name, driver="GPKG", append=tmp.exists())
            else:
                pyogrio.write_dataframe(
                    pd.DataFrame(frame), tmp, layer=name, driver="GPKG", append=tmp.exists()
                )
        pyogrio.write_dataframe(
            _metadata_table(meta), tmp, layer=METADATA_NAME, driver="GPKG", append=tmp.exists()
        )
        os.replace(tmp, path)
    except BaseException:
        _remove_temp(tmp)
        raise
    return path


# --------------------------------------------------------------------------- CSV


def to_csv_tables(
    layers: Mapping[str, Table],
    out_dir: str | os.PathLike[str],
    metadata: Mapping[str, Any] | None = None,
    *,
    gcj02: bool = False,
) -> list[Path]:
    """Write one CSV per table plus ``metadata.json`` into ``out_dir``.

    Geometry is written as a ``wkt`` column in WGS84 lon/lat (7 decimals); points also get
    ``lon`` and ``lat`` columns. Files are UTF-8 with a byte-order mark so that Excel opens
    Chinese text correctly.

    Returns
    -------
    list of Path
        The files written, the metadata file last.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    prepared, dropped = _prepare(layers, EXPORT_COORD_PRECISION, gcj02)
    meta = _with_dropped(metadata, dropped)
    meta["datum"] = GCJ02 if gcj02 else "WGS84"
    written = []
    for name, df in prepared.items():
        frame = _attribute_frame(df)
        if isinstance(frame, gpd.GeoDataFrame):
            geoms = frame.geometry
            plain = pd.DataFrame(frame.drop(columns=[geoms.name]))
            if len(geoms) and geoms.geom_type.isin(["Point"]).all():
                plain["lon"] = geoms.x.to_numpy()
                plain["lat"] = geoms.y.to_numpy()
            plain["wkt"] = shapely.to_wkt(
                geoms.values, rounding_precision=EXPORT_COORD_PRECISION, trim=True
            )
            frame = plain
        target = out_dir / f"{name}.csv"
        _atomic_write_bytes(target, frame.to_csv(index=False).encode("utf-8-sig"))
        written.append(target)
    meta_path = out_dir / f"{METADATA_NAME}.json"
    _atomic_write_bytes(meta_path, json.dumps(meta, ensure_ascii=False, indent=2).encode("utf-8"))
    written.append(meta_path)
    return written


# --------------------------------------------------------------------------- grid colours


def grid_adjacency(grids: gpd.GeoDataFrame, *, tolerance_m: float = 0.5) -> list[tuple[str, str]]:
    """Pairs of grids whose polygons touch or overlap (within ``tolerance_m`` metres).

    ``grids`` has ``grid_id`` and a metric CRS; pairs come sorted, each once, ``a < b``.
    """
    g = grids.reset_index(drop=True)
    ids = g["grid_id"].astype(str).to_numpy()
    left, right = g.geometry.sindex.query(g.geometry.buffer(tolerance_m), predicate="intersects")
    return sorted(
        {
            (ids[a], ids[b]) if ids[a] < ids[b] else (ids[b], ids[a])
            for a, b in zip(left, right, strict=True)
            if ids[a] != ids[b]
        }
    )


def grid_colours(grids: gpd.GeoDataFrame, *, tolerance_m: float = 0.5) -> dict[str, int]:
    """A colour index per grid such that neighbouring grids never share one.

    Greedy colouring (``networkx.greedy_color``, largest degree first) of the grid adjacency
    graph (:func:`grid_adjacency`); uses at most max degree + 1 colours, in practice 4-6 on a
    plan. Grids without neighbours get colour 0.
    """
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(sorted(grids["grid_id"].astype(str)))
    graph.add_edges_from(grid_adjacency(grids, tolerance_m=tolerance_m))
    return {str(k): int(v) for k, v in nx.greedy_color(graph, strategy="largest_first").items()}


# --------------------------------------------------------------------------- HTML map

#: Colours of non-grid layers on the HTML map, in layer order.
_LAYER_COLOURS = ("#3366cc", "#dc3912", "#ff9900", "#109618", "#990099", "#0099c6")

#: Fill colours of grids: neighbouring grids never share one (:func:`grid_colours`).
GRID_FILLS = (
    "#8dd3c7",
    "#ffffb3",
    "#bebada",
    "#fb8072",
    "#80b1d3",
    "#fdb462",
    "#b3de69",
    "#fccde5",
    "#d9d9d9",
    "#bc80bd",
    "#ccebc5",
    "#ffed6f",
)

#: Words of the HTML map: layer names and the panels, Chinese and English.
HTML_WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "grids": "党建网格",
        "posts": "新增驿站",
        "coverage": "小区覆盖",
        "staffing": "网格员",
        "assignment": "单元归属",
        "estates": "小区",
        "facilities": "服务设施",
        "labels": "网格名称",
        "legend": "图例",
        "metadata": "元数据",
        "grid_note": "相邻网格颜色不同",
        "no_basemap": "无底图（离线）",
    },
    "en": {
        "grids": "party-building grids",
        "posts": "proposed posts",
        "coverage": "estate coverage",
        "staffing": "grid workers",
        "assignment": "unit assignment",
        "estates": "estates",
        "facilities": "facilities",
        "labels": "grid names",
        "legend": "Legend",
        "metadata": "metadata",
        "grid_note": "neighbouring grids differ in colour",
        "no_basemap": "no basemap (offline)",
    },
}


def _tooltip_fields(gdf: gpd.GeoDataFrame, limit: int = 6) -> list[str]:
    preferred = [
        "grid_id",
        "name",
        "community_id",
        "households",
        "party_members",
        "residents",
        "candidate_id",
        "facility_id",
        "full_time",
        "part_time",
    ]
    cols = [c for c in preferred if c in gdf.columns]
    cols += [
        str(c)
        for c in gdf.columns
        if c not in cols and c != gdf.geometry.name and not str(c).startswith("_gp_")
    ]
    return cols[:limit]


#: Where a local Leaflet build is looked for (``make assets`` puts the pinned one here).
LEAFLET_DIST = Path(__file__).resolve().parents[2] / "static" / "vendor" / "leaflet" / "dist"


def _data_uri(path: Path) -> str:
    import base64

    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _inline_leaflet(fmap: Any, leaflet_dist: Path) -> bool:
    """Put Leaflet's JS and CSS inside the page (no CDN), its marker and layer-control images as
    data URIs; False when no local build exists."""
    import folium

    js, css = leaflet_dist / "leaflet.js", leaflet_dist / "leaflet.css"
    if not (js.is_file() and css.is_file()):
        return False
    fmap.default_js, fmap.default_css = [], []  # GeoJson layers and tooltips need Leaflet only
    root = fmap.get_root()
    css_text = css.read_text(encoding="utf-8")
    images = leaflet_dist / "images"
    for png in sorted(images.glob("*.png")) if images.is_dir() else []:
        css_text = css_text.replace(f"images/{png.name}", _data_uri(png))
    js_text = js.read_text(encoding="utf-8").replace("</script", "<\\/script")
    icons = {
        k: images / f
        for k, f in (
            ("iconUrl", "marker-icon.png"),
            ("iconRetinaUrl", "marker-icon-2x.png"),
            ("shadowUrl", "marker-shadow.png"),
        )
    }
    if all(p.is_file() for p in icons.values()):  # the default marker, should any be drawn
        opts = ", ".join(f"{k}: {json.dumps(_data_uri(p))}" for k, p in icons.items())
        js_text += f"\nL.Icon.Default.mergeOptions({{imagePath: '', {opts}}});"
    root.header.add_child(folium.Element(f"<style>{css_text}</style>"), name="leaflet_css_inline")
    root.header.add_child(folium.Element(f"<script>{js_text}</script>"), name="leaflet_js_inline")
    return True


def _metric(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if gdf.crs is not None and gdf.crs.is_projected:
        return gdf
    return gdf.to_crs(gdf.estimate_utm_crs())


def _is_grid_layer(name: str, gdf: gpd.GeoDataFrame) -> bool:
    return (
        "grid_id" in gdf.columns
        and gdf.geom_type.isin(["Polygon", "MultiPolygon"]).all()
        and gdf["grid_id"].is_unique
    )


def _layer_name(name: str, lang: str) -> str:
    return HTML_WORDS[lang].get(name, name)


def _add_map_layers(
    fmap: folium.Map,
    spatial: Mapping[str, gpd.GeoDataFrame],
    fills: Mapping[str, dict[str, str]],
    lang: str,
) -> list[tuple[str, str, str]]:
    """Add one toggleable GeoJSON layer per frame (grids filled so neighbours differ, points as
    circles, grid names as labels) to ``fmap``, fit it to them all; return the legend rows
    ``(label, colour, kind)`` (label escaped)."""
    import folium

    legend = []
    for i, (name, gdf) in enumerate(spatial.items()):
        colour = _LAYER_COLOURS[i % len(_LAYER_COLOURS)]
        fields = _tooltip_fields(gdf)
        collection = escape_properties(_feature_collection(gdf, None))
        fill = fills.get(name)
        if fill is not None:  # colours are fixed hex strings of GRID_FILLS: safe as they are
            for feature, gid in zip(
                collection["features"], gdf["grid_id"].astype(str), strict=True
            ):
                feature["properties"]["_gp_fill"] = fill.get(gid, GRID_FILLS[0])
        points = bool(len(gdf)) and gdf.geom_type.isin(["Point", "MultiPoint"]).all()
        label = escape(_layer_name(name, lang))
        # user text reaches the page only escaped: property values (tooltip cells), column
        # names (tooltip labels) and the layer name (Leaflet's layer switcher uses innerHTML)
        folium.GeoJson(
            collection,
            name=label,
            style_function=(
                lambda f: {
                    "color": "#333333",
                    "weight": 1.5,
                    "fillOpacity": 0.7,
                    "fillColor": f["properties"].get("_gp_fill", GRID_FILLS[0]),
                }
            )
            if fill is not None
            else (
                lambda _f, c=colour, o=0.9 if points else 0.25: {
                    "color": c,
                    "weight": 2,
                    "fillOpacity": o,
                    "fillColor": c,
                }
            ),
            marker=folium.CircleMarker(radius=6, weight=1.5, fill=True) if points else None,
            tooltip=geojson_tooltip(fields) if fields else None,
        ).add_to(fmap)
        legend.append(
            (
                label,
                GRID_FILLS[3] if fill is not None else colour,
                "grids" if fill is not None else "points" if points else "area",
            )
        )
        if fill is not None and "name" in gdf.columns:
            labels = folium.FeatureGroup(name=escape(_layer_name("labels", lang)))
            for text, geom in zip(gdf["name"], gdf.geometry, strict=True):
                if not isinstance(text, str) or not text or geom is None or geom.is_empty:
                    continue
                p = geom.representative_point()
                folium.Marker(
                    [p.y, p.x],
                    icon=folium.DivIcon(
                        html=f'<div class="gp-label">{escape(text)}</div>',
                        icon_size=(0, 0),
                        class_name="gp-label-icon",
                    ),
                ).add_to(labels)
            labels.add_to(fmap)
    if spatial:
        b = np.array([gdf.total_bounds for gdf in spatial.values()], dtype=float)
        fmap.fit_bounds(
            [
                [float(b[:, 1].min()), float(b[:, 0].min())],
                [float(b[:, 3].max()), float(b[:, 2].max())],
            ]
        )
    return legend


def _legend_panel(rows: Sequence[tuple[str, str, str]], lang: str) -> str:
    """HTML of the legend (labels already escaped; colours are constants)."""
    words = HTML_WORDS[lang]
    items = []
    for label, colour, kind in rows:
        if kind == "grids":
            swatch = "".join(
                f'<span style="display:inline-block;width:7px;height:12px;background:{c}"></span>'
                for c in GRID_FILLS[:5]
            )
            label = (
                f"{label}（{escape(words['grid_note'])}）"
                if lang == "zh"
                else f"{label} ({escape(words['grid_note'])})"
            )
        elif kind == "points":
            swatch = (
                f'<span style="display:inline-block;width:10px;height:10px;border-radius:50%;'
                f'background:{colour}"></span>'
            )
        else:
            swatch = (
                f'<span style="display:inline-block;width:14px;height:10px;border:2px solid {colour};'
                f'background:{colour}40"></span>'
            )
        items.append(f"<div>{swatch} {label}</div>")
    return (
        f'<div id="gridplan-legend" style="position:fixed;bottom:24px;right:10px;z-index:9999;'
        f'background:white;padding:6px 10px;border-radius:4px;font:13px sans-serif;">'
        f"<b>{escape(words['legend'])}</b>{''.join(items)}"
        f'<div style="color:#666;font-size:11px">{escape(words["no_basemap"])}</div></div>'
    )


_LABEL_CSS = (
    ".gp-label-icon{background:none;border:none}"
    ".gp-label{transform:translate(-50%,-50%);white-space:nowrap;font:12px sans-serif;"
    "background:rgba(255,255,255,.75);padding:0 3px;border-radius:3px;display:inline-block}"
)


def _title_panel(title: str, meta: Mapping[str, Any], lang: str = "en") -> str:
    """HTML of the fixed panel with the map title and the metadata record (escaped)."""
    summary = escape(json.dumps(meta, ensure_ascii=False, indent=1))
    return (
        f'<div id="gridplan-title" style="position:fixed;top:10px;left:60px;z-index:9999;'
        f'background:white;padding:6px 10px;border-radius:4px;font:14px sans-serif;">'
        f"<b>{escape(title)}</b><details><summary>{escape(HTML_WORDS[lang]['metadata'])}</summary>"
        f'<pre style="max-height:300px;overflow:auto;font-size:11px">{summary}</pre>'
        f"</details></div>"
    )


def to_html_map(
    layers: Mapping[str, Table],
    path: str | os.PathLike[str],
    *,
    title: str = "gridplan",
    metadata: Mapping[str, Any] | None = None,
    leaflet_dist: str | os.PathLike[str] | None = LEAFLET_DIST,
    lang: str = "zh",
    basemap: bool = False,
) -> Path:
    """Write a standalone HTML map (folium/Leaflet) of the spatial layers.

    One toggleable layer per GeoDataFrame, named in ``lang``; a grid layer (polygons with a
    unique ``grid_id``) is filled so that neighbouring grids never share a colour
    (:func:`grid_colours`) and labelled with its grid names; points are drawn as circles (no
    marker images); tooltips with the main counts, a legend, a title and the metadata record in
    a panel. Plain tables are ignored. Every user text is escaped (``geo.output.html``).

    When a local Leaflet build is found in ``leaflet_dist`` (``make assets``), its JS, CSS and
    images are written into the page, which then needs no network at all; otherwise the page
    loads Leaflet from its CDN. The metadata says which (``leaflet``). No basemap by default
    (offline); ``basemap=True`` adds OpenStreetMap tiles, which need the internet.

    Returns
    -------
    Path
    """
    import folium

    if lang not in HTML_WORDS:
        raise ValidationError(
            [
                Problem(
                    layer="export",
                    field="lang",
                    message=f"unknown language {lang!r}",
                    fix="use zh or en",
                    code="at_lang",
                    params={"lang": repr(lang)},
                )
            ],
            title="cannot export",
        )
    fills: dict[str, dict[str, str]] = {}
    for name, df in layers.items():
        if isinstance(df, gpd.GeoDataFrame) and len(df) and _is_grid_layer(name, df):
            index = grid_colours(_metric(df))
            fills[name] = {g: GRID_FILLS[c % len(GRID_FILLS)] for g, c in index.items()}
    prepared, dropped = _prepare(layers, EXPORT_COORD_PRECISION, False)
    meta = _with_dropped(metadata, dropped)
    spatial = {
        n: g
        for n, g in prepared.items()
        if isinstance(g, gpd.GeoDataFrame) and len(g) and not g.geometry.is_empty.all()
    }
    fmap = folium.Map(tiles="OpenStreetMap" if basemap else None, control_scale=True)
    legend = _add_map_layers(fmap, spatial, fills, lang)
    folium.LayerControl(collapsed=False).add_to(fmap)
    inlined = leaflet_dist is not None and _inline_leaflet(fmap, Path(leaflet_dist))
    meta["leaflet"] = "inlined" if inlined else "cdn"
    meta["basemap"] = "OpenStreetMap" if basemap else None
    root = cast(folium.Figure, fmap.get_root())
    root.html.add_child(folium.Element(_title_panel(title, meta, lang)))
    root.html.add_child(folium.Element(_legend_panel(legend, lang)))
    root.header.add_child(folium.Element(f"<style>{_LABEL_CSS}</style>"), name="gridplan_label_css")
    root.header.add_child(folium.Element(f"<title>{escape(title)}</title>"))
    path = Path(path)
    _atomic_write_bytes(path, root.render().encode("utf-8"))
    return path


# --------------------------------------------------------------------------- whole plans

#: Export formats of :func:`export_plan`.
FORMATS = ("geojson", "gpkg", "csv", "html")


#: Tables of a saved plan, in export order (see :func:`plan_layers`).
_PLAN_TABLES = ("grids", "assignment", "posts", "staffing")


def plan_layers(record: Any) -> dict[str, Table]:
    """The tables of a saved plan (a ``geo.output.store.PlanRecord``): grids, assignment, posts, staffing.

    ``assignment`` is a plain table ``unit_id, grid_id``; ``posts`` and ``staffing`` appear
    only when the plan has them.
    """
    layers: dict[str, Table] = {"grids": record.grids}
    layers["assignment"] = pd.DataFrame(
        sorted(record.assignment.items()), columns=["unit_id", "grid_id"]
    )
    if record.posts is not None:
        layers["posts"] = record.posts
    if record.staffing is not None:
        layers["staffing"] = record.staffing
    return layers


def plan_metadata(record: Any, **extra: Any) -> dict[str, Any]:
    """The metadata record of a saved plan's export (name, version, parameters, time, author)."""
    return make_metadata(
        record.name,
        record.version,
        dict(record.params),
        author=record.author,
        saved=record.created,
        parent_version=record.parent,
        parent_plan=record.parent_plan,
        **extra,
    )


def export_paths(fmt: str, out: str | os.PathLike[str]) -> list[Path]:
    """Every file :func:`export_plan` may write for ``fmt`` and ``out`` (whatever the plan holds).

    ``geojson``: ``out`` and its side layers ``<stem>_posts`` / ``<stem>_staffing``; ``csv``:
    the tables and ``metadata.json`` inside the folder ``out``; ``gpkg``, ``html``: ``out``.
    """
    out = Path(out)
    if fmt == "csv":
        return [out / f"{name}.csv" for name in _PLAN_TABLES] + [out / f"{METADATA_NAME}.json"]
    if fmt == "geojson":
        return [out] + [
            out.with_name(f"{out.stem}_{name}{out.suffix or '.geojson'}")
            for name in _PLAN_TABLES
            if name not in ("grids", "assignment")
        ]
    return [out]


def export_plan(
    record: Any,
    fmt: str,
    out: str | os.PathLike[str],
    *,
    gcj02: bool = False,
    title: str | None = None,
    lang: str = "zh",
) -> list[Path]:
    """Export a saved plan in one of :data:`FORMATS`; return the files written.

    Parameters
    ----------
    record : geo.output.store.PlanRecord
        The plan version to export.
    fmt : {"geojson", "gpkg", "csv", "html"}
        ``geojson``: ``out`` holds the grids; spatial side layers go beside it as
        ``<stem>_<layer>.geojson`` (the assignment is a table: use ``csv`` or ``gpkg``).
        ``gpkg``: one file, one layer per table plus ``metadata``. ``csv``: ``out`` is a folder
        of ``<table>.csv`` plus ``metadata.json``. ``html``: a standalone map.
    out : path-like
        Output file (folder for ``csv``).
    gcj02 : bool
        Offset coordinates to GCJ-02 (geojson, gpkg, csv).

    Raises
    ------
    ValidationError
        For an unknown format.
    """
    if fmt not in FORMATS:
        raise ValidationError(
            [
                Problem(
                    layer="export",
                    field="format",
                    message=f"unknown format {fmt!r}",
                    fix=f"use one of {', '.join(FORMATS)}",
                    code="ex_format",
                    params={"format": repr(fmt), "formats": ", ".join(FORMATS)},
                )
            ],
            title="cannot export",
        )
    layers = plan_layers(record)
    meta = plan_metadata(record)
    out = Path(out)
    if fmt == "gpkg":
        return [to_gpkg(layers, out, meta, gcj02=gcj02)]
    if fmt == "csv":
        return to_csv_tables(layers, out, meta, gcj02=gcj02)
    if fmt == "html":
        label = title or f"{record.name} v{record.version}"
        return [
            to_html_map(
                {k: v for k, v in layers.items() if k != "assignment"},
                out,
                title=label,
                metadata=meta,
                lang=lang,
            )
        ]
    written = [write_geojson(record.grids, out, metadata={**meta, "layer": "grids"}, gcj02=gcj02)]
    for name, df in layers.items():
        if name != "grids" and isinstance(df, gpd.GeoDataFrame):
            side = out.with_name(f"{out.stem}_{name}{out.suffix or '.geojson'}")
            written.append(write_geojson(df, side, metadata={**meta, "layer": name}, gcj02=gcj02))
    return written
