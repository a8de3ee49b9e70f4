"""ui.maps: display frames, colours, basemaps, local assets, legend and lasso."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from ui.maps import (
    BASEMAPS,
    build_map,
    click_to_wgs84,
    distinct_colours,
    new_map,
    shift_for_basemap,
    to_display,
)


def _display(layers):
    return {
        n: (
            None
            if layers.layer(n) is None
            else to_display(
                layers.layer(n),
                columns=[
                    "name",
                    "households",
                    "party_members",
                    "level",
                    "community_id",
                    "estate_id",
                ],
            )
        )
        for n in ("communities", "estates", "buildings", "facilities")
    }


def _asset_links(html: str) -> list[str]:
    return re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', html)


def test_to_display_is_wgs84_and_keeps_only_asked_columns(tiny_layers):
    out = to_display(tiny_layers.estates, columns=["estate_id", "households", "nope"])
    assert out.crs.to_epsg() == 4326
    assert list(out.columns) == ["estate_id", "households", "geometry"]
    assert tiny_layers.estates.crs.is_projected  # input untouched
    minx, miny, maxx, maxy = out.total_bounds
    assert 120.3 < minx < maxx < 120.4 and 31.4 < miny < maxy < 31.6


def test_to_display_simplifies_in_metres():
    wiggly = box(0, 0, 100, 100).union(box(100, 50, 100.5, 50.5))  # 0.5 m notch
    gdf = gpd.GeoDataFrame({"a": [1]}, geometry=[wiggly], crs="EPSG:32651")
    n_before = len(wiggly.exterior.coords)
    out = to_display(gdf, tolerance_m=2.0, columns=["a"])
    assert len(out.geometry.iloc[0].exterior.coords) < n_before


def test_distinct_colours_differ_for_touching_polygons():
    cells = [box(i, j, i + 1, j + 1) for i in range(4) for j in range(4)]
    gdf = gpd.GeoDataFrame({"gid": [f"g{k}" for k in range(16)]}, geometry=cells, crs="EPSG:32651")
    colours = distinct_colours(gdf, "gid")
    assert set(colours) == set(gdf["gid"])
    for a in range(16):
        for b in range(a + 1, 16):
            if cells[a].intersects(cells[b]):
                assert colours[f"g{a}"] != colours[f"g{b}"], (a, b)


def test_offline_map_loads_only_local_assets(tiny_layers):
    m = build_map(
        _display(tiny_layers),
        lang="zh",
        basemap="none",
        lasso=True,
        static_base="/app/static/vendor",
    )
    html = m.get_root().render()
    links = _asset_links(html)
    assert "/app/static/vendor/leaflet/dist/leaflet.js" in links
    assert "/app/static/vendor/leaflet-draw/dist/leaflet.draw.js" in links
    assert all(link.startswith("/app/static/vendor/") for link in links), links
    assert "tile.openstreetmap" not in html
    assert "图例" in html and "社区" in html  # legend and layer names in Chinese


def test_map_tooltips_follow_language(tiny_layers):
    zh = build_map(_display(tiny_layers), lang="zh").get_root().render()
    en = build_map(_display(tiny_layers), lang="en").get_root().render()
    hh_zh = json.dumps("户数")[1:-1]  # folium writes \\u escapes
    assert ("户数" in zh or hh_zh in zh) and "Households" in en and "Households" not in zh


@pytest.mark.parametrize("basemap", BASEMAPS)
def test_every_basemap_builds(basemap, tiny_layers):
    url = "http://tiles.intranet.local/{z}/{x}/{y}.png" if basemap == "intranet" else None
    html = (
        build_map(_display(tiny_layers), lang="en", basemap=basemap, tile_url=url)
        .get_root()
        .render()
    )
    if basemap == "none":
        assert "L.tileLayer" not in html
    else:
        assert "L.tileLayer" in html


def test_intranet_basemap_needs_a_template():
    with pytest.raises(ValueError, match="tile_url"):
        new_map((120.3, 31.4, 120.4, 31.5), "intranet", tile_url="http://x/tile.png")
    with pytest.raises(ValueError, match="basemap"):
        new_map((120.3, 31.4, 120.4, 31.5), "google")


def test_amap_shift_is_display_only_and_click_maps_back(tiny_layers):
    disp = to_display(tiny_layers.estates, columns=["estate_id"])
    shifted = shift_for_basemap(disp, "amap")
    assert shift_for_basemap(disp, "osm") is disp
    c0 = np.array(disp.geometry.iloc[0].exterior.coords)
    c1 = np.array(shifted.geometry.iloc[0].exterior.coords)
    d = np.abs(c1 - c0).max()
    assert 0.001 < d < 0.01  # GCJ-02 offset: a few hundred metres
    assert np.array_equal(np.array(disp.geometry.iloc[0].exterior.coords), c0)  # input unchanged
    lon, lat = click_to_wgs84(c1[0, 1], c1[0, 0], "amap")
    assert abs(lon - c0[0, 0]) < 1e-6 and abs(lat - c0[0, 1]) < 1e-6


def test_grids_units_selection_and_posts_layers(tiny_layers):
    disp = _display(tiny_layers)
    est = disp["estates"]
    units = est.rename(columns={"estate_id": "unit_id"}).assign(
        grid_id=["A"] * 6 + ["B"] * 6, grid_name="g", households=1, party_members=1
    )
    grids = (
        units.dissolve("grid_id")
        .reset_index()[["grid_id", "geometry"]]
        .assign(
            name=["甲1", "乙1"],
            households=[1, 2],
            party_members=[1, 1],
            in_band=[True, False],
            locked=[False, True],
        )
    )
    posts = gpd.GeoDataFrame(
        {"post_id": ["P1"], "newly_households": [300]},
        geometry=est.geometry.iloc[:1].representative_point().values,
        crs=4326,
    )
    m = build_map(
        disp,
        lang="en",
        grids=grids,
        units=units,
        selected=["E01"],
        posts=posts,
        newly=est.iloc[:2].assign(post_id="P1"),
        lasso=True,
    )
    html = m.get_root().render()
    for text in (
        "Party-building grids",
        "Selected units",
        "Proposed posts",
        "Newly covered estates",
        "gp-label",
        "L.Control.Draw",
    ):
        assert text in html, text


# --------------------------------------------------------------------------- hostile text


def test_app_maps_escape_every_user_text(tiny_layers):
    """Names, ids, legend rows and layer names from user data never become live markup."""

    from tests.hostile._markup import BACKTICK, IMG, SCRIPT, assert_no_live_markup
    from ui.maps import Legend, plan_groups

    disp = _display(tiny_layers)
    disp["communities"] = disp["communities"].assign(name=IMG)
    disp["estates"] = disp["estates"].assign(name=SCRIPT)
    disp["facilities"] = disp["facilities"].assign(name=BACKTICK)  # CircleMarker tooltip text
    m = build_map(disp, lang="zh", extra_legend=[("#123456", IMG)])
    grids = disp["communities"].assign(
        grid_id=[IMG, BACKTICK],
        households=[300, 400],
        party_members=[20, 30],
        in_band=True,
        locked=False,
        label=["a", "b"],
    )
    units = grids.assign(unit_id=[SCRIPT, "u2"], grid_name=IMG)
    for fill_units in (True, False):
        for group in plan_groups(grids, units, [SCRIPT], "zh", fill_units=fill_units):
            group.add_to(m)
    Legend(SCRIPT, [(IMG, BACKTICK)]).add_to(m)
    page = m.get_root().render()
    assert_no_live_markup(page)
    decoded = page.replace("\\u0026", "&").replace("\\u003c", "<").replace("\\u003e", ">")
    assert "&lt;img src=x onerror=alert(1)&gt;" in decoded
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in decoded
    assert "&#96;+alert(3)+&#96;&#36;{alert(4)}" in decoded


def test_escaped_grid_ids_keep_their_colours(tiny_layers):
    """Colours are looked up by the escaped id, so a grid id with ``&`` is still filled."""
    from ui.maps import polygon_group

    gdf = _display(tiny_layers)["communities"].assign(gid=["a&b", "<c>"])
    group = polygon_group(
        gdf,
        name="g",
        colour_by={"a&b": "#111111", "<c>": "#222222"},
        colour_col="gid",
        fill_opacity=0.5,
        tooltip={"gid": "id"},
    )
    folium_map = new_map(gdf.total_bounds)
    group.add_to(folium_map)
    page = folium_map.get_root().render()
    assert "#111111" in page and "#222222" in page


def test_folium_tooltips_and_popups_are_built_only_in_geo_html():
    """The one place for escaping is the one place that makes folium tooltips and popups."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    pattern = re.compile(r"\b(GeoJsonTooltip|GeoJsonPopup|folium\.Tooltip|folium\.Popup)\(")
    offenders = [
        str(p.relative_to(root))
        for folder in ("geo", "ui", "cli")
        for p in (root / folder).rglob("*.py")
        if p.relative_to(root).as_posix() != "geo/output/html.py"
        and pattern.search(p.read_text(encoding="utf-8"))
    ]
    offenders += ["app.py"] if pattern.search((root / "app.py").read_text(encoding="utf-8")) else []
    assert offenders == [], (
        f"build tooltips with geo.output.html (escaped), not folium directly: {offenders}"
    )


def test_density_layer_on_the_map(tiny_layers) -> None:
    """The party-member density is a toggleable image layer with its bandwidth in the legend."""
    from allocation.density import density_points, density_surface
    from ui.maps import density_rgba

    surface = density_surface(density_points(tiny_layers), cell_m=20)
    html = build_map(_display(tiny_layers), lang="zh", density=surface).get_root().render()
    assert "L.imageOverlay(" in html and "党员密度（核密度，带宽 200 米）" in html
    img = density_rgba(surface.z)
    assert img.shape == (*surface.z.shape, 4) and img.dtype.name == "uint8"
    north = img[0, :, 3].astype(int).sum() + img[-1, :, 3].astype(int).sum()
    assert img[:, :, 3].max() > 0 and north < img[:, :, 3].astype(int).sum()  # edges fade out
    peak = np.unravel_index(np.argmax(surface.z), surface.z.shape)
    at_peak = img[surface.z.shape[0] - 1 - peak[0], peak[1]]  # north row first
    assert at_peak[3] == img[:, :, 3].max() and at_peak[0] > at_peak[2]  # most opaque, red
