"""Sidebar: language, data source (demo or uploads with datum and validation report), map settings.

Loaders are cached: the demo by ``st.cache_data`` (a fresh copy per session, never shared
mutable state), display frames by dataset key. Uploads are checked with
:func:`geo.data.io.check_upload` before they are read; every problem is collected and shown in the
page, per layer and feature with its fix, and nothing is used until the data loads cleanly.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st
from shapely.errors import ShapelyError

from geo.data.schema import LAYER_NAMES, Layers
from geo.errors import GridplanError, Problem, UploadRejected, ValidationError
from geo.settings import DATUMS
from ui import state
from ui.i18n import LANGS, feature_text, field_text, join_text, layer_text, problem_text, t
from ui.maps import BASEMAPS, to_display

#: Columns kept on display frames, per layer (tooltips only need these).
DISPLAY_COLUMNS: dict[str, tuple[str, ...]] = {
    "communities": ("community_id", "name", "street"),
    "estates": ("estate_id", "name", "community_id", "households", "party_members"),
    "buildings": ("building_id", "estate_id", "households"),
    "facilities": ("facility_id", "name", "level"),
    "candidates": ("candidate_id", "name"),
    "other_grids": ("grid_id", "kind", "name"),
}
DEMO_KEY = "demo"


@dataclass(frozen=True)
class MapSettings:
    """What the sidebar decided about maps."""

    basemap: str
    tile_url: str | None
    show_buildings: bool
    #: the party-member density layer on the overview (computed only when asked for: a kernel
    #: density costs seconds, which the first map should not wait for)
    show_density: bool = False


#: Environment variable naming a data folder (or GeoPackage) to start on instead of the demo.
DATA_ENV = "GRIDPLAN_DATA"


def default_source() -> str | None:
    """The folder named by ``GRIDPLAN_DATA``, or ``None`` for the bundled demo."""
    return os.environ.get(DATA_ENV) or None


def default_key(source: str | None) -> str:
    """The dataset key of the start dataset ``source`` (:func:`default_source`)."""
    return DEMO_KEY if source is None else f"data-{source}"


@st.cache_data(show_spinner=False)
def load_default_layers(source: str | None) -> Layers:
    """The start dataset: the bundled demo, or ``source`` (cached; a private copy per call)."""
    from geo.data.io import load_demo, load_layers

    return load_demo() if source is None else load_layers(source)


@st.cache_data(show_spinner=False, max_entries=4)
def display_layers(_layers: Layers, dataset_key: str) -> dict[str, gpd.GeoDataFrame | None]:
    """Simplified WGS84 display frames of every layer, cached per dataset."""
    out: dict[str, gpd.GeoDataFrame | None] = {}
    for name in LAYER_NAMES:
        gdf = _layers.layer(name)
        out[name] = None if gdf is None else to_display(gdf, columns=DISPLAY_COLUMNS[name])
    return out


def current_layers() -> tuple[Layers, str]:
    """The layers in use and their dataset key (uploads once loaded, else the demo)."""
    if st.session_state.get("source") == "upload" and "upload_layers" in st.session_state:
        return st.session_state["upload_layers"], st.session_state["upload_key"]
    source = default_source()
    return load_default_layers(source), default_key(source)


def problems_frame(problems: tuple[Problem, ...] | list[Problem], lang: str) -> pd.DataFrame:
    """A table of problems: layer, feature, field, severity, problem, fix (errors first)."""
    rows = sorted(problems, key=lambda p: (p.severity != "error", p.layer))
    texts = [problem_text(p, lang) for p in rows]  # coded engine messages in ``lang``
    return pd.DataFrame(
        {
            t("col_layer", lang): [layer_text(p.layer, lang) for p in rows],
            t("col_feature", lang): [feature_text(p.feature, lang) for p in rows],
            t("col_field", lang): [field_text(p.field, lang) for p in rows],
            t("col_severity", lang): [t(f"sev_{p.severity}", lang) for p in rows],
            t("col_problem", lang): [m for m, _f in texts],
            t("col_fix", lang): [f for _m, f in texts],
        }
    )


def _datum_value(choice: str, epsg: str) -> str:
    return f"EPSG:{epsg.strip().removeprefix('EPSG:')}" if choice == "EPSG" else choice


def load_uploads(
    files: dict[str, tuple[str, bytes]],
    datums: dict[str, str],
    *,
    rosters: dict[str, tuple[str, bytes]] | None = None,
    network: tuple[str, bytes] | None = None,
) -> tuple[Layers | None, list[Problem], str]:
    """Check and load uploaded layer files; never raises for bad data.

    Parameters
    ----------
    files : dict
        ``{layer: (file name, content)}``.
    datums : dict
        ``{layer: datum}`` (``"WGS84"``, ``"CGCS2000"``, ``"GCJ-02"``, ``"BD-09"``, ``"EPSG:n"``).
    rosters : dict, optional
        ``{layer: (file name, content)}``: a CSV/XLSX roster joined to the layer by id or name
        (its report is in ``Layers.joins``).
    network : (str, bytes), optional
        A walk network (GraphML or OSM XML) used for distances instead of the fallback.

    Returns
    -------
    (Layers or None, problems, dataset key)
        ``None`` with the problems when anything is wrong.
    """
    from geo.data.io import check_upload, load_layers, upload_problem

    digest = hashlib.sha256()
    problems: list[Problem] = []
    for layer in ("communities", "estates"):
        if layer not in files:
            problems.append(
                Problem(
                    layer,
                    f"the required layer `{layer}` was not uploaded.",
                    "upload a GeoJSON, GeoPackage or zipped Shapefile for it",
                )
            )
    with tempfile.TemporaryDirectory(prefix="gridplan-upload-") as tmp:
        paths: dict[str, str | Path] = {}
        for layer, (name, data) in sorted(files.items()):
            digest.update(layer.encode() + name.encode() + data + datums.get(layer, "").encode())
            try:
                ext = check_upload(data, name)
            except UploadRejected as exc:
                problems.append(upload_problem(layer, name, exc))
                continue
            # under the user's own file name, so that messages name the file as the CLI does
            path = Path(tmp) / layer / _upload_file_name(name, layer, ext)
            path.parent.mkdir()
            path.write_bytes(data)
            paths[layer] = path
        extra: dict[str, list[str | Path]] = {}
        for key, (name, data) in sorted(
            {
                **{f"roster:{k}": v for k, v in (rosters or {}).items()},
                **({"network": network} if network else {}),
            }.items()
        ):
            digest.update(key.encode() + name.encode() + data)
            try:
                ext = check_upload(data, name)
            except UploadRejected as exc:
                problems.append(upload_problem(key.removeprefix("roster:"), name, exc))
                continue
            # the network is read later (coverage, siting): it outlives this temporary folder
            folder = (
                Path(tempfile.mkdtemp(prefix="gridplan-network-"))
                if key == "network"
                else Path(tmp) / key.replace(":", "_")
            )
            path = folder / _upload_file_name(name, "upload", ext)
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(data)
            if key == "network":
                paths["network"] = path
            else:
                extra.setdefault(key.removeprefix("roster:"), []).append(path)
        if problems:
            return None, problems, ""
        try:
            layers = load_layers(paths, datum=datums, rosters=extra)
        except ValidationError as exc:
            return None, list(exc.problems), ""
        except (GridplanError, ValueError, OSError, RuntimeError, ShapelyError) as exc:
            return None, [Problem("upload", str(exc), "check the files and the datum")], ""
    return layers, list(layers.problems), "upload-" + digest.hexdigest()[:16]


def _upload_file_name(name: str, layer: str, ext: str) -> str:
    """The uploaded file's own base name (no folders), or ``<layer><ext>`` if unusable."""
    base = Path(name.replace("\\", "/")).name
    ok = base not in ("", ".", "..") and not base.startswith(".") and "\x00" not in base
    return base if ok and Path(base).suffix.lower() == ext else f"{layer}{ext}"


def _upload_panel(lang: str) -> None:
    files: dict[str, tuple[str, bytes]] = {}
    datums: dict[str, str] = {}
    options = [*DATUMS, "EPSG"]
    for layer in LAYER_NAMES:
        label = t("upload_layer", lang, layer=t(f"layer_{layer}", lang))
        up = st.file_uploader(
            label,
            type=["geojson", "json", "gpkg", "zip", "csv", "xlsx", "xls"],
            key=f"up_{layer}",
            help=t("upload_table_types", lang),
        )
        if up is not None:
            choice = st.selectbox(
                t("datum", lang), options, key=f"datum_{layer}", help=t("datum_help", lang)
            )
            epsg = (
                st.text_input(t("epsg_code", lang), "4549", key=f"epsg_{layer}")
                if choice == "EPSG"
                else ""
            )
            files[layer] = (up.name, up.getvalue())
            datums[layer] = _datum_value(choice, epsg)
    rosters: dict[str, tuple[str, bytes]] = {}
    for layer in ("estates", "buildings"):
        up = st.file_uploader(
            t("upload_roster", lang, layer=t(f"layer_{layer}", lang)),
            type=["csv", "xlsx", "xls"],
            key=f"roster_{layer}",
        )
        if up is not None:
            rosters[layer] = (up.name, up.getvalue())
    net = st.file_uploader(t("upload_network", lang), type=["graphml", "osm"], key="up_network")
    network = (net.name, net.getvalue()) if net is not None else None
    if st.button(t("load_uploads", lang), key="load_uploads", disabled=not files):
        layers, problems, key = load_uploads(files, datums, rosters=rosters, network=network)
        st.session_state["upload_report"] = problems
        st.session_state["upload_joins"] = list(layers.joins) if layers else []  # said per language
        if layers is not None:
            st.session_state["upload_layers"] = layers
            st.session_state["upload_key"] = key
            state.reset_derived(st.session_state)
            st.session_state["upload_ok"] = True
        else:
            st.session_state.pop("upload_layers", None)
            st.session_state["upload_ok"] = False


def sidebar() -> tuple[str, MapSettings]:
    """Draw the sidebar; return the language and the map settings."""
    sb = st.sidebar
    with sb:
        lang = st.radio(
            t("language", "zh"),
            LANGS,
            key="lang",
            horizontal=True,
            format_func=lambda x: {"zh": "中文", "en": "English"}[x],
        )
        st.subheader(t("data", lang))
        source = st.radio(
            t("data_source", lang),
            ("demo", "upload"),
            key="source",
            format_func=lambda x: t(f"source_{x}", lang),
            on_change=state.reset_derived,
            args=(st.session_state,),
        )
        if source == "demo":
            start = default_source()
            st.caption(t("demo_note", lang) if start is None else f"`{start}`")
        else:
            _upload_panel(lang)
        st.subheader(t("map_settings", lang))
        basemap = st.selectbox(
            t("basemap", lang),
            BASEMAPS,
            key="basemap",
            format_func=lambda x: t(f"basemap_{x}", lang),
        )
        tile_url = None
        if basemap == "intranet":
            tile_url = (
                st.text_input(
                    t("tile_url", lang),
                    key="tile_url",
                    help=t("tile_url_help", lang),
                    placeholder="http://tiles.example.gov/{z}/{x}/{y}.png",
                )
                or None
            )
        if basemap == "amap":
            st.caption(t("amap_note", lang))
        show_buildings = st.checkbox(t("show_buildings", lang), key="show_buildings")
        show_density = st.checkbox(
            t("show_density", lang), key="show_density", help=t("show_density_help", lang)
        )
    if basemap == "intranet" and not (tile_url and "{z}" in tile_url):
        basemap = "none"
    return lang, MapSettings(basemap, tile_url, show_buildings, show_density)


def upload_report(lang: str) -> None:
    """Show the validation report of the last upload in the page (errors stop loading)."""
    if st.session_state.get("source") != "upload" or "upload_report" not in st.session_state:
        return
    problems = st.session_state["upload_report"]
    with st.expander(t("validation_report", lang), expanded=not st.session_state.get("upload_ok")):
        if st.session_state.get("upload_ok"):
            st.success(t("loaded_uploads", lang))
        else:
            st.error(t("validation_failed", lang))
        joins = st.session_state.get("upload_joins") or []
        if joins:
            st.caption(t("join_preview", lang))
            st.code("\n\n".join(join_text(j, lang) for j in joins), language=None)
        if problems:
            st.dataframe(problems_frame(problems, lang), hide_index=True, width="stretch")


def dataset_summary(layers: Layers) -> dict[str, Any]:
    """Counts of the loaded dataset (communities, estates, households, party members)."""
    est = layers.estates
    return {
        "communities": len(layers.communities),
        "estates": len(est),
        "households": int(est["households"].sum()),
        "party_members": int(est["party_members"].sum()),
    }
