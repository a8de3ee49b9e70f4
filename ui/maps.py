"""folium maps of the app: display geometries, basemaps, layers, legend and lasso.

Everything here is plain Python on GeoDataFrames (no streamlit), so it is tested directly and
reused by any tab. Geometries are simplified for display only, in the dataset's metric CRS,
then sent to the browser in WGS84 (or shifted to GCJ-02 when the Amap basemap is chosen; the
shift never reaches the engine or an export). Every map loads Leaflet from the local vendor
folder (see :mod:`ui.assets`), so the "none" basemap works with no internet at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement, Template

from geo.output.html import escape, escape_columns, geojson_tooltip, script_json, tooltip_html
from geo.settings import WGS84
from ui.assets import VENDOR_URL, localise
from ui.i18n import t

if TYPE_CHECKING:
    from allocation.density import DensitySurface

#: Basemap choices, in menu order; "none" needs no network.
BASEMAPS = ("none", "osm", "light", "intranet", "amap")
#: Tile URL and attribution of the online basemaps.
TILES: dict[str, tuple[str, str]] = {
    "osm": ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "&copy; OpenStreetMap contributors"),
    "light": (
        "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}.png",
        "&copy; OpenStreetMap contributors &copy; CARTO",
    ),
    "amap": (
        "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
        "&copy; 高德地图 AutoNavi",
    ),
}
_AMAP_SUBDOMAINS = "1234"
#: Tolerance of display simplification, in metres (never applied to engine geometry).
DISPLAY_TOLERANCE_M = 2.0
#: Decimals of display coordinates in degrees (6 is about 0.1 m).
DISPLAY_DECIMALS = 6
#: Qualitative palette for grids (colour-blind friendly first, then extras).
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#e15759",
    "#b07aa1",
    "#76b7b2",
    "#edc948",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
    "#1f77b4",
    "#8c564b",
)
#: Facility colour and marker radius (px) by level.
LEVEL_STYLE: dict[str, tuple[str, int]] = {
    "district": ("#7b001c", 11),
    "street": ("#c8102e", 9),
    "community": ("#f46d43", 7),
    "post": ("#fdae61", 6),
    "other": ("#888888", 5),
}
#: Coverage class colours: within the 1st, 2nd, 3rd life circle, beyond, unreachable.
CLASS_COLOURS = ("#1a9850", "#91cf60", "#fee08b", "#d73027", "#67001f")
SELECTED_COLOUR = "#00e5ff"
POST_COLOUR = "#6a00a8"


def to_display(
    gdf: gpd.GeoDataFrame,
    *,
    tolerance_m: float = DISPLAY_TOLERANCE_M,
    columns: Sequence[str] | None = None,
    decimals: int | None = DISPLAY_DECIMALS,
) -> gpd.GeoDataFrame:
    """Return a simplified WGS84 copy of ``gdf`` for drawing.

    Parameters
    ----------
    gdf : GeoDataFrame
        A layer in a metric CRS (as in :class:`geo.data.schema.Layers`) or already WGS84.
    tolerance_m : float
        Douglas-Peucker tolerance in metres, topology preserved; 0 keeps the geometry.
    columns : sequence of str, optional
        Attribute columns to keep (the rest are dropped to keep the page small).
    decimals : int or None
        Round degrees to this many decimals (6: about 0.1 m), which halves the page size.
    """
    keep = [c for c in (columns or []) if c in gdf.columns]
    out = gdf[[*keep, gdf.geometry.name]].copy()
    if out.crs is not None and out.crs.is_projected and tolerance_m > 0:
        polys = out.geom_type.isin(["Polygon", "MultiPolygon", "LineString", "MultiLineString"])
        if polys.any():
            geom = out.geometry.copy()
            geom[polys] = geom[polys].simplify(tolerance_m, preserve_topology=True)
            out = out.set_geometry(geom)
    if out.crs is not None:
        out = out.to_crs(WGS84)
    if len(out) and decimals is not None:
        out = out.set_geometry(
            shapely.transform(out.geometry.values, lambda xy: np.round(xy, decimals))
        )
    return out


def shift_for_basemap(gdf: gpd.GeoDataFrame, basemap: str) -> gpd.GeoDataFrame:
    """Shift WGS84 display geometry to GCJ-02 for the Amap basemap; other basemaps unchanged."""
    if basemap != "amap" or len(gdf) == 0:
        return gdf
    from geo.data.crs import wgs84_to_gcj02

    def _shift(xy: np.ndarray) -> np.ndarray:
        lon, lat = wgs84_to_gcj02(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    return gdf.set_geometry(shapely.transform(gdf.geometry.values, _shift))


def click_to_wgs84(lat: float, lng: float, basemap: str) -> tuple[float, float]:
    """Return the WGS84 ``(lon, lat)`` of a map click (undoing the Amap display shift)."""
    if basemap != "amap":
        return float(lng), float(lat)
    from geo.data.crs import gcj02_to_wgs84

    lon, la = gcj02_to_wgs84(np.array([lng], dtype=float), np.array([lat], dtype=float))
    return float(lon[0]), float(la[0])


def distinct_colours(
    gdf: gpd.GeoDataFrame, id_col: str, palette: Sequence[str] = PALETTE
) -> dict[str, str]:
    """Colour polygons so that touching ones differ (greedy colouring, largest degree first).

    Returns ``{id: colour}``; deterministic for the same input.
    """
    if len(gdf) == 0:
        return {}
    geoms = gdf.geometry.values
    ids = [str(v) for v in gdf[id_col]]
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    neighbours: dict[int, set[int]] = {i: set() for i in range(len(ids))}
    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        if a != b:
            neighbours[a].add(b)
    order = sorted(range(len(ids)), key=lambda i: (-len(neighbours[i]), ids[i]))
    colour_of: dict[int, int] = {}
    for i in order:
        used = {colour_of[j] for j in neighbours[i] if j in colour_of}
        colour_of[i] = next((c for c in range(len(palette)) if c not in used), i % len(palette))
    return {ids[i]: palette[colour_of[i]] for i in range(len(ids))}


def new_map(
    bounds: Sequence[float],
    basemap: str = "none",
    *,
    tile_url: str | None = None,
    static_base: str = VENDOR_URL,
    height_px: int = 560,
) -> folium.Map:
    """Create an empty map fitted to ``bounds`` (minx, miny, maxx, maxy in WGS84 degrees).

    Parameters
    ----------
    basemap : str
        One of :data:`BASEMAPS`. ``"intranet"`` needs ``tile_url`` (``{z}/{x}/{y}`` template).
    static_base : str
        URL prefix of the vendored Leaflet files (``/app/static/vendor`` under Streamlit).
    """
    if basemap not in BASEMAPS:
        raise ValueError(f"`basemap` must be one of {BASEMAPS}, got {basemap!r}")
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    m = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=14,
        tiles=None,
        control_scale=True,
        prefer_canvas=False,
        height=height_px,
        zoom_snap=0.25,
    )
    localise(m, base_url=static_base)
    if basemap == "intranet":
        if not tile_url or "{z}" not in tile_url:
            raise ValueError(
                "`tile_url` must be a tile template with {z}, {x} and {y} for the intranet basemap"
            )
        folium.TileLayer(tiles=tile_url, attr="intranet", name="intranet", max_zoom=20).add_to(m)
    elif basemap == "amap":
        url, attr = TILES["amap"]
        folium.TileLayer(
            tiles=url, attr=attr, name="amap", subdomains=_AMAP_SUBDOMAINS, max_zoom=19
        ).add_to(m)
    elif basemap in TILES:
        url, attr = TILES[basemap]
        folium.TileLayer(tiles=url, attr=attr, name=basemap, max_zoom=19).add_to(m)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


def _json_ready(gdf: gpd.GeoDataFrame, fields: Iterable[str]) -> gpd.GeoDataFrame:
    """Keep ``fields`` + geometry, with values the GeoJSON encoder accepts."""
    cols = [c for c in fields if c in gdf.columns]
    out = gdf[[*cols, gdf.geometry.name]].copy()
    for c in cols:
        s = out[c]
        if pd.api.types.is_bool_dtype(s):
            out[c] = s.map({True: "✓", False: "✗"}).astype(object)
        elif pd.api.types.is_float_dtype(s):
            out[c] = s.round(2).astype(object).where(s.notna(), "")
        elif pd.api.types.is_integer_dtype(s):
            out[c] = s.astype(object)
        else:
            out[c] = s.astype(object).where(s.notna(), "").map(str)
    return out


def polygon_group(
    gdf: gpd.GeoDataFrame,
    *,
    name: str,
    tooltip: Mapping[str, str] | None = None,
    color: str = "#333333",
    fill: str | None = None,
    fill_opacity: float = 0.0,
    weight: float = 1.0,
    colour_by: Mapping[str, str] | None = None,
    colour_col: str | None = None,
    show: bool = True,
    dash: str | None = None,
    highlight: bool = True,
) -> folium.FeatureGroup:
    """A polygon layer (WGS84) as its own, not yet attached, toggleable group.

    ``tooltip`` maps column -> label (already translated). ``colour_by`` + ``colour_col``
    give each feature its own fill colour. Every text value, label and the layer name is
    HTML-escaped (:mod:`geo.output.html`): folium writes tooltips with ``innerHTML``.
    """
    labels: Mapping[str, str] = tooltip or {}
    fields = list(labels)
    extra = [colour_col] if colour_col else []
    kept = [*fields, *[c for c in extra if c not in fields]]
    data = escape_columns(_json_ready(gdf, kept), kept)
    group = folium.FeatureGroup(name=escape(name), show=show)
    # the data hold escaped text, so the colour keys are looked up escaped as well
    colour_of = {escape(k): v for k, v in colour_by.items()} if colour_by is not None else None

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        fc = fill
        if colour_of is not None and colour_col is not None:
            fc = colour_of.get(str(feature["properties"].get(colour_col)), fill)
        return {
            "color": color,
            "weight": weight,
            "fillColor": fc or color,
            "fill": bool(fc),
            "fillOpacity": fill_opacity if fc else 0.0,
            "dashArray": dash,
        }

    hover = (lambda _f: {"weight": weight + 2, "color": "#000000"}) if highlight else None
    gj = folium.GeoJson(data, style_function=style, name=name, highlight_function=hover)
    if fields:
        geojson_tooltip(fields, [labels[f] for f in fields], sticky=True, localize=True).add_to(gj)
    gj.add_to(group)
    return group


def add_polygons(
    m: folium.Map | folium.FeatureGroup, gdf: gpd.GeoDataFrame, *, name: str, **style: Any
) -> folium.FeatureGroup:
    """Add :func:`polygon_group` of ``gdf`` to ``m`` and return the group."""
    group = polygon_group(gdf, name=name, **style)
    group.add_to(m)
    return group


def add_points(
    m: folium.Map | folium.FeatureGroup,
    gdf: gpd.GeoDataFrame,
    *,
    name: str,
    colour: str | Mapping[str, str] = "#333333",
    radius: float | Mapping[str, float] = 6,
    key_col: str | None = None,
    tooltip: Mapping[str, str] | None = None,
    show: bool = True,
) -> folium.FeatureGroup:
    """Add point features as circle markers (no icon fonts needed); colour/radius by ``key_col``."""
    group = folium.FeatureGroup(name=escape(name), show=show)
    pts = gdf.geometry.representative_point() if len(gdf) else gdf.geometry
    for (_, row), pt in zip(gdf.iterrows(), pts, strict=True):
        key = str(row[key_col]) if key_col else ""
        c = colour.get(key, "#333333") if isinstance(colour, Mapping) else colour
        r = radius.get(key, 6) if isinstance(radius, Mapping) else radius
        tip = None
        if tooltip:
            tip = tooltip_html(
                {lbl: row.get(col, "") for col, lbl in tooltip.items() if col in row.index}
            )
        folium.CircleMarker(
            location=[pt.y, pt.x],
            radius=r,
            color="#ffffff",
            weight=1.5,
            fill=True,
            fill_color=c,
            fill_opacity=0.95,
            tooltip=tip,
        ).add_to(group)
    group.add_to(m)
    return group


_LABELS = Template("""
{% macro html(this, kwargs) %}{% endmacro %}
{% macro script(this, kwargs) %}
(function() {
  var rows = {{ this.rows_json }};
  rows.forEach(function (r) {
    var div = document.createElement("div");
    div.className = "gp-label";
    div.textContent = r[2];
    L.marker([r[0], r[1]], {
      icon: L.divIcon({className: "", html: div.outerHTML, iconSize: [60, 14], iconAnchor: [30, 7]}),
      interactive: false, keyboard: false
    }).addTo({{ this._parent.get_name() }});
  });
})();
{% endmacro %}
""")


class Labels(MacroElement):
    """Non-interactive text labels drawn by one script from a compact ``[lat, lon, text]`` list.

    One element instead of one folium Marker per label: a plan's 200 labels render in
    milliseconds, and clicks pass through them to the polygons underneath.
    """

    _template = _LABELS

    def __init__(self, rows: Sequence[tuple[float, float, str]]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca is unannotated
        self._name = "Labels"
        data = [[round(float(la), 6), round(float(lo), 6), str(tx)] for la, lo, tx in rows]
        self.rows_json = script_json(data)


def label_group(
    gdf: gpd.GeoDataFrame, label_col: str, *, name: str, show: bool = True
) -> folium.FeatureGroup:
    """Short text labels at each polygon's representative point, as an unattached group."""
    group = folium.FeatureGroup(name=escape(name), show=show)
    pts = gdf.geometry.representative_point()
    Labels(list(zip(pts.y, pts.x, gdf[label_col], strict=True))).add_to(group)
    return group


def add_labels(
    m: folium.Map | folium.FeatureGroup,
    gdf: gpd.GeoDataFrame,
    label_col: str,
    *,
    name: str,
    show: bool = True,
) -> folium.FeatureGroup:
    """Add :func:`label_group` to ``m`` and return it."""
    group = label_group(gdf, label_col, name=name, show=show)
    group.add_to(m)
    return group


_LEGEND = Template("""
{% macro html(this, kwargs) %}{% endmacro %}
{% macro script(this, kwargs) %}
(function() {
  var legend = L.control({position: "bottomright"});
  legend.onAdd = function () {
    var div = L.DomUtil.create("div", "gp-legend");
    div.innerHTML = {{ this.html_json }};
    return div;
  };
  legend.addTo({{ this._parent.get_name() }});
  var style = document.createElement("style");
  style.innerHTML = ".gp-legend{background:rgba(255,255,255,.92);padding:6px 8px;font:12px/1.4 sans-serif;"
    + "border-radius:4px;box-shadow:0 0 4px rgba(0,0,0,.3);max-height:260px;overflow:auto}"
    + ".gp-legend i{display:inline-block;width:12px;height:12px;margin-right:5px;vertical-align:-2px;"
    + "border:1px solid #555}.gp-label{font:bold 11px sans-serif;color:#222;text-align:center;"
    + "text-shadow:0 0 3px #fff,0 0 3px #fff;white-space:nowrap}";
  document.head.appendChild(style);
})();
{% endmacro %}
""")


class Legend(MacroElement):
    """A legend control (bottom right) listing ``(colour, label)`` entries under a title."""

    _template = _LEGEND

    def __init__(self, title: str, entries: Sequence[tuple[str, str]]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca is unannotated
        self._name = "Legend"
        rows = "".join(
            f'<div><i style="background:{escape(c)}"></i>{escape(lbl)}</div>' for c, lbl in entries
        )
        # escaped text in markup, then written into the <script> as JSON that cannot close it
        self.html_json = script_json(f"<b>{escape(title)}</b>{rows}")


def add_legend(m: folium.Map, title: str, entries: Sequence[tuple[str, str]]) -> Legend:
    """Attach a :class:`Legend` to ``m`` and return it."""
    legend = Legend(title, entries)
    legend.add_to(m)
    return legend


def add_lasso(m: folium.Map, *, static_base: str = VENDOR_URL) -> folium.Map:
    """Add a polygon-only Draw control (the lasso), loading Leaflet.draw from local files."""
    from folium.plugins import Draw

    draw = Draw(  # type: ignore[no-untyped-call]  # folium.plugins is unannotated
        draw_options={
            "polyline": False,
            "rectangle": False,
            "circle": False,
            "marker": False,
            "circlemarker": False,
            "polygon": True,
        },
        edit_options={"edit": False, "remove": True},
    )
    localise(draw, base_url=static_base)
    draw.add_to(m)
    return m


def facility_layers(m: folium.Map, facilities: gpd.GeoDataFrame, lang: str) -> None:
    """Facilities as circle markers coloured and sized by level."""
    colours = {k: v[0] for k, v in LEVEL_STYLE.items()}
    radii = {k: v[1] for k, v in LEVEL_STYLE.items()}
    data = facilities.copy()
    data["level_label"] = [
        t(f"level_{lv}", lang) if f"level_{lv}" in _LEVELS else str(lv) for lv in data["level"]
    ]
    tip = {"name": t("f_name", lang), "level_label": t("f_level", lang)}
    add_points(
        m,
        data,
        name=t("layer_facilities", lang),
        colour=colours,
        radius=radii,
        key_col="level",
        tooltip=tip,
    )


_LEVELS = {f"level_{lv}" for lv in LEVEL_STYLE}


def facility_legend_entries(lang: str) -> list[tuple[str, str]]:
    """Legend rows for facility levels."""
    return [(c, t(f"level_{lv}", lang)) for lv, (c, _r) in LEVEL_STYLE.items()]


def finish(m: folium.Map, *, legend_title: str, entries: Sequence[tuple[str, str]]) -> folium.Map:
    """Add the layer switcher and the legend; return ``m``."""
    add_legend(m, legend_title, entries)
    folium.LayerControl(collapsed=True).add_to(m)
    return m


#: Legend colour of the density layer (the top of its colour ramp).
DENSITY_COLOUR = "#cb181d"


def density_rgba(z: np.ndarray) -> np.ndarray:
    """RGBA image (uint8, north row first) of a density grid: white-to-red ramp, transparent
    where the density is below 2 % of its maximum."""
    from matplotlib import colormaps

    top = float(np.nanmax(z)) if z.size else 0.0
    scaled = np.clip(z / top, 0.0, 1.0) if top > 0 else np.zeros_like(z)
    rgba = colormaps["Reds"](scaled)
    rgba[..., 3] = np.where(scaled < 0.02, 0.0, 0.25 + 0.5 * scaled)
    return (rgba[::-1] * 255).astype(np.uint8)


def density_overlay(
    surface: DensitySurface, lang: str, basemap: str = "none"
) -> folium.FeatureGroup:
    """The density surface as an image layer in WGS84 bounds (shifted like the other layers for
    a GCJ-02 basemap); the district is a few km wide, so the metric grid's slight rotation
    against longitude and latitude is below a pixel at the map's zooms."""
    from shapely.geometry import box

    half = surface.cell_m / 2
    frame = gpd.GeoDataFrame(
        geometry=[
            box(
                surface.x[0] - half, surface.y[0] - half, surface.x[-1] + half, surface.y[-1] + half
            )
        ],
        crs=surface.crs,
    )
    minx, miny, maxx, maxy = shift_for_basemap(frame.to_crs(WGS84), basemap).total_bounds
    group = folium.FeatureGroup(
        name=escape(t("layer_density", lang, bw=f"{surface.bandwidth_m:.0f}")), show=True
    )
    folium.raster_layers.ImageOverlay(
        density_rgba(surface.z), bounds=[[miny, minx], [maxy, maxx]], interactive=False, zindex=1
    ).add_to(group)
    return group


def build_map(
    disp: Mapping[str, gpd.GeoDataFrame | None],
    *,
    lang: str,
    basemap: str = "none",
    tile_url: str | None = None,
    show_buildings: bool = False,
    grids: gpd.GeoDataFrame | None = None,
    units: gpd.GeoDataFrame | None = None,
    selected: Iterable[str] = (),
    coverage: gpd.GeoDataFrame | None = None,
    class_labels: Sequence[str] = (),
    posts: gpd.GeoDataFrame | None = None,
    newly: gpd.GeoDataFrame | None = None,
    lasso: bool = False,
    extra_legend: Sequence[tuple[str, str]] = (),
    unit_outlines: gpd.GeoDataFrame | None = None,
    static_base: str = VENDOR_URL,
    height_px: int = 560,
    density: DensitySurface | None = None,
    overlays: Sequence[folium.FeatureGroup] = (),
) -> folium.Map:
    """Compose the app's map from display layers (WGS84, already simplified).

    Parameters
    ----------
    disp : mapping
        ``communities``, ``estates``, ``buildings``, ``facilities`` display frames (WGS84).
    grids : GeoDataFrame, optional
        Grid polygons (``grid_id``, ``name``, ``households``, ``party_members``, ``in_band``).
    units : GeoDataFrame, optional
        Unit cells with ``unit_id`` and ``grid_id``; drawn faintly, ``selected`` ones highlighted.
    coverage : GeoDataFrame, optional
        Estates with an integer ``class_idx`` (0.. len(class_labels)-1) and ``distance_m``.
    posts, newly : GeoDataFrame, optional
        Proposed posts (points) and the estates each newly covers (``post_id`` column).
    extra_legend : sequence of (colour, label)
        Legend rows of layers added later (``st_folium`` feature groups).
    unit_outlines : GeoDataFrame, optional
        Unit cells (``unit_id``, counts) drawn as thin outlines: they never change with edits,
        so they belong to the base map while the grids travel as feature groups.
    density : allocation.density.DensitySurface, optional
        Party-member density drawn as a toggleable raster under the grids (shown: it is passed
        only when the planner asked for it).
    overlays : sequence of folium.FeatureGroup
        Groups drawn on top (the plans tab's changed areas). They must be added here, before
        the layer switcher: the switcher's script names every group already on the map, and a
        group added after it is still undefined when that script runs, so Leaflet stops and the
        map's frame stays 0 px high.
    """
    layers = {k: shift_for_basemap(v, basemap) for k, v in disp.items() if v is not None and len(v)}
    extra = {
        k: shift_for_basemap(v, basemap)
        for k, v in {
            "grids": grids,
            "units": units,
            "coverage": coverage,
            "posts": posts,
            "newly": newly,
        }.items()
        if v is not None and len(v)
    }
    m = new_map(
        layers["communities"].total_bounds,
        basemap,
        tile_url=tile_url,
        static_base=static_base,
        height_px=height_px,
    )
    entries: list[tuple[str, str]] = list(extra_legend)
    hh, pm = t("f_households", lang), t("f_party_members", lang)
    if "coverage" in extra:
        cov = extra["coverage"].copy()
        colours = {
            str(i): CLASS_COLOURS[min(i, len(CLASS_COLOURS) - 1)] for i in range(len(class_labels))
        }
        cov["class_key"] = cov["class_idx"].astype(int).astype(str)
        cov["class_label"] = [class_labels[int(i)] for i in cov["class_idx"]]
        add_polygons(
            m,
            cov,
            name=t("layer_coverage", lang),
            color="#555555",
            weight=0.5,
            colour_by=colours,
            colour_col="class_key",
            fill_opacity=0.75,
            tooltip={
                "name": t("f_estate", lang),
                "households": hh,
                "distance_m": t("f_distance", lang),
                "class_label": t("f_class", lang),
            },
        )
        entries += [(colours[str(i)], lbl) for i, lbl in enumerate(class_labels)]
    elif "estates" in layers:
        add_polygons(
            m,
            layers["estates"],
            name=t("layer_estates", lang),
            color="#777777",
            fill="#cfcfcf",
            fill_opacity=0.35,
            weight=0.6,
            tooltip={"name": t("f_estate", lang), "households": hh, "party_members": pm},
            show="grids" not in extra,
        )
        entries.append(("#cfcfcf", t("layer_estates", lang)))
    if density is not None:
        density_overlay(density, lang, basemap).add_to(m)
        entries.append((DENSITY_COLOUR, t("layer_density", lang, bw=f"{density.bandwidth_m:.0f}")))
    if "buildings" in layers and show_buildings:  # thousands of footprints: only on request
        add_polygons(
            m,
            layers["buildings"],
            name=t("layer_buildings", lang),
            color="#8d6e63",
            fill="#bcaaa4",
            fill_opacity=0.6,
            weight=0.4,
            tooltip={"building_id": t("layer_buildings", lang), "households": hh},
        )
    if unit_outlines is not None and len(unit_outlines):
        add_polygons(
            m,
            shift_for_basemap(unit_outlines, basemap),
            name=t("layer_units", lang),
            color="#ffffff",
            weight=0.8,
            tooltip={"unit_id": t("f_unit", lang), "households": hh, "party_members": pm},
        )
    if "grids" in extra:
        for group in plan_groups(extra["grids"], extra.get("units"), selected, lang):
            group.add_to(m)
        entries += plan_legend_entries(lang, selected=bool(selected) and "units" in extra)
    add_polygons(
        m,
        layers["communities"],
        name=t("layer_communities", lang),
        color="#c8102e",
        weight=2.0,
        tooltip=None,
    )
    entries.append(("#c8102e", t("layer_communities", lang)))
    if "facilities" in layers:
        facility_layers(m, layers["facilities"], lang)
        entries += facility_legend_entries(lang)
    if "newly" in extra:
        add_polygons(
            m,
            extra["newly"],
            name=t("layer_newly_covered", lang),
            color=POST_COLOUR,
            weight=2,
            fill=POST_COLOUR,
            fill_opacity=0.25,
            dash="4 3",
            tooltip={
                "name": t("f_estate", lang),
                "households": hh,
                "post_id": t("layer_posts", lang),
            },
        )
        entries.append((POST_COLOUR, t("layer_newly_covered", lang)))
    if "posts" in extra:
        add_points(
            m,
            extra["posts"],
            name=t("layer_posts", lang),
            colour=POST_COLOUR,
            radius=9,
            tooltip={
                "name": t("f_name", lang),
                "post_id": t("layer_posts", lang),
                "newly_households": hh,
            },
        )
        entries.append((POST_COLOUR, t("layer_posts", lang)))
    for group in overlays:
        group.add_to(m)
    if lasso:
        add_lasso(m, static_base=static_base)
    return finish(m, legend_title=t("legend", lang), entries=entries)


def plan_groups(
    grids: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame | None,
    selected: Iterable[str],
    lang: str,
    *,
    fill_units: bool = True,
) -> list[folium.FeatureGroup]:
    """Unattached layers of a plan: units coloured by grid (or filled grids), outlines, labels, selection.

    Inputs are WGS84 display frames already shifted for the basemap. ``grids`` needs
    ``grid_id``, ``name``, ``households``, ``party_members``, ``in_band``, ``locked`` (and an
    optional short ``label``); ``units`` needs ``unit_id``, ``grid_id``, ``grid_name`` and counts.
    Kept apart from the base map so that ``st_folium(feature_group_to_add=...)`` swaps them
    without reloading the map (the view stays where the planner left it). With
    ``fill_units=False`` the grids are filled and ``units`` only serve the selection (the
    unit outlines then live in the base map, see ``build_map(unit_outlines=...)``).
    """
    hh, pm = t("f_households", lang), t("f_party_members", lang)
    colours = distinct_colours(grids, "grid_id")
    tip = {
        "name": t("f_grid", lang),
        "grid_id": t("f_grid_id", lang),
        "households": hh,
        "party_members": pm,
        "in_band": t("f_in_band", lang),
        "locked": t("f_locked", lang),
    }
    groups = []
    if fill_units and units is not None and len(units):
        groups.append(
            polygon_group(
                units,
                name=t("layer_units", lang),
                color="#ffffff",
                weight=0.5,
                colour_by=colours,
                colour_col="grid_id",
                fill_opacity=0.5,
                tooltip={
                    "unit_id": t("f_unit", lang),
                    "grid_name": t("f_grid", lang),
                    "households": hh,
                    "party_members": pm,
                },
            )
        )
        groups.append(
            polygon_group(grids, name=t("layer_grids", lang), color="#222222", weight=2.2)
        )
    else:
        groups.append(
            polygon_group(
                grids,
                name=t("layer_grids", lang),
                color="#222222",
                weight=1.6,
                colour_by=colours,
                colour_col="grid_id",
                fill_opacity=0.45,
                tooltip=tip,
            )
        )
    labels = grids["label"] if "label" in grids else grids["grid_id"].astype(str).str[-3:]
    groups.append(
        label_group(
            grids.assign(label=[str(v) for v in labels]), "label", name=t("f_grid_id", lang)
        )
    )
    sel = {str(s) for s in selected}
    if sel and units is not None:
        chosen = units[units["unit_id"].astype(str).isin(sel)]
        groups.append(
            polygon_group(
                chosen,
                name=t("layer_selected", lang),
                color=SELECTED_COLOUR,
                weight=4,
                fill=SELECTED_COLOUR,
                fill_opacity=0.35,
                highlight=False,
                tooltip={"unit_id": t("f_unit", lang)},
            )
        )
    return groups


def plan_legend_entries(lang: str, *, selected: bool = True) -> list[tuple[str, str]]:
    """Legend rows of :func:`plan_groups`."""
    rows = [(PALETTE[0], t("layer_grids", lang))]
    return [*rows, (SELECTED_COLOUR, t("layer_selected", lang))] if selected else rows
