"""Deterministic writers of the demo district: RFC 7946 GeoJSON and osmnx GraphML.

Both write the same bytes for the same input on every run and machine: properties are
sorted, coordinates are printed with at most 7 decimals (about 1 cm), and no timestamp
or CRS member is written.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import shapely

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx

#: Decimals of longitude / latitude in the files (1e-7 degree is about 1 cm).
COORD_DECIMALS = 7


def _num(value: float) -> str:
    """Format a coordinate with fixed decimals, trailing zeros dropped."""
    text = f"{value:.{COORD_DECIMALS}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _ring(coords: np.ndarray) -> str:
    return "[" + ",".join(f"[{_num(x)},{_num(y)}]" for x, y in coords) + "]"


def _polygon(geom: shapely.Polygon) -> str:
    rings = [geom.exterior, *geom.interiors]
    return "[" + ",".join(_ring(np.asarray(r.coords)) for r in rings) + "]"


def geometry_json(geom: shapely.Geometry) -> str:
    """Return the RFC 7946 JSON text of a Point, Polygon or MultiPolygon (exteriors CCW)."""
    kind = geom.geom_type
    if kind == "Point":
        return f'{{"type":"Point","coordinates":[{_num(geom.x)},{_num(geom.y)}]}}'
    geom = shapely.orient_polygons(geom, exterior_cw=False)
    if kind == "Polygon":
        return f'{{"type":"Polygon","coordinates":{_polygon(geom)}}}'
    if kind == "MultiPolygon":
        parts = ",".join(_polygon(p) for p in geom.geoms)
        return f'{{"type":"MultiPolygon","coordinates":[{parts}]}}'
    raise TypeError(f"`geom` must be a Point, Polygon or MultiPolygon, got {kind}")


def _prop(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return None
        return round(float(value), 3)
    return value


def geojson_text(gdf: gpd.GeoDataFrame) -> str:
    """Return a FeatureCollection as deterministic text, one feature per line.

    ``gdf`` must be in WGS84 (lon, lat). Properties are written with sorted keys, floats
    rounded to 3 decimals, ``None``/NaN as ``null``.
    """
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    lines = []
    for row, geom in zip(
        gdf[columns].itertuples(index=False, name=None), gdf.geometry, strict=True
    ):
        props = json.dumps(
            {c: _prop(v) for c, v in zip(columns, row, strict=True)},
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        )
        lines.append(f'{{"type":"Feature","properties":{props},"geometry":{geometry_json(geom)}}}')
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


def write_geojson(gdf: gpd.GeoDataFrame, path: Path) -> Path:
    """Write :func:`geojson_text` of ``gdf`` to ``path`` (UTF-8, ``\\n`` line ends)."""
    path.write_bytes(geojson_text(gdf).encode("utf-8"))
    return path


def _attr_lines(kind: str, names: Iterable[str], start: int) -> tuple[list[str], dict[str, str]]:
    keys = {}
    lines = []
    for i, name in enumerate(names, start):
        keys[name] = f"d{i}"
        lines.append(
            f'  <key id="d{i}" for="{kind}" attr.name={quoteattr(name)} attr.type="string" />'
        )
    return lines, keys


def _data(keys: dict[str, str], attrs: dict[str, Any], indent: str) -> list[str]:
    return [
        f'{indent}<data key="{keys[k]}">{escape(str(v))}</data>'
        for k, v in sorted(attrs.items())
        if v is not None
    ]


def graphml_text(graph: nx.MultiDiGraph) -> str:
    """Return an osmnx-readable GraphML document of ``graph`` (all attributes as strings).

    This is the layout :func:`osmnx.save_graphml` writes; :func:`osmnx.load_graphml`
    converts ``x``, ``y``, ``length`` ... back to numbers. Node and edge order follow the
    graph's insertion order, so the text is deterministic.
    """
    graph_attrs = sorted(graph.graph)
    node_attrs = sorted({k for _, d in graph.nodes(data=True) for k in d})
    edge_attrs = sorted({k for _, _, d in graph.edges(data=True) for k in d})
    head = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
        'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">',
    ]
    g_lines, g_keys = _attr_lines("graph", graph_attrs, 0)
    n_lines, n_keys = _attr_lines("node", node_attrs, len(g_keys))
    e_lines, e_keys = _attr_lines("edge", edge_attrs, len(g_keys) + len(n_keys))
    body = ['  <graph edgedefault="directed">']
    body += _data(g_keys, dict(graph.graph), "    ")
    for node, attrs in graph.nodes(data=True):
        body.append(f'    <node id="{node}">')
        body += _data(n_keys, attrs, "      ")
        body.append("    </node>")
    for u, v, key, attrs in graph.edges(keys=True, data=True):
        body.append(f'    <edge source="{u}" target="{v}" id="{key}">')
        body += _data(e_keys, attrs, "      ")
        body.append("    </edge>")
    body += ["  </graph>", "</graphml>"]
    return "\n".join(head + g_lines + n_lines + e_lines + body) + "\n"


def write_graphml(graph: nx.MultiDiGraph, path: Path) -> Path:
    """Write :func:`graphml_text` of ``graph`` to ``path``."""
    path.write_bytes(graphml_text(graph).encode("utf-8"))
    return path


def write_json(data: dict[str, Any], path: Path) -> Path:
    """Write ``data`` as indented JSON with sorted keys and Chinese text kept readable."""
    path.write_bytes(
        (json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")
    )
    return path
