"""Export tab: grids, unit assignment, coverage, posts and staffing for other systems.

Files come from :mod:`geo.output.export` (RFC 7946 GeoJSON in WGS84, GeoPackage, CSV tables, a
standalone HTML map); their names carry the plan name and the date. They are prepared by a
button (a GeoPackage takes a moment) and kept in session state for the download buttons.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.errors import GridplanError
from ui.context import Context
from ui.i18n import t
from ui.state import StateMapping

if TYPE_CHECKING:
    from geo.data.schema import Layers
    from geo.grids.plan import Plan

MIME = {
    ".geojson": "application/geo+json",
    ".gpkg": "application/geopackage+sqlite3",
    ".zip": "application/zip",
    ".html": "text/html",
    ".pdf": "application/pdf",
}


def file_stem(plan_name: str, day: dt.date | None = None) -> str:
    """``<plan name>_<YYYY-MM-DD>`` with characters unsafe in file names replaced by ``_``."""
    safe = re.sub(r"[\\/:*?\"<>|\s]+", "_", plan_name.strip()) or "plan"
    return f"{safe}_{(day or dt.date.today()).isoformat()}"


def export_tables(plan: Plan, state: StateMapping) -> dict[str, pd.DataFrame]:
    """The tables to export: grids and assignment always; coverage, posts, staffing when computed."""
    grids = plan.grids()
    grids = grids.reset_index(drop="grid_id" in grids.columns)
    units = plan.units.units
    units = units.reset_index(drop="unit_id" in units.columns)
    keep = [
        c
        for c in (
            "unit_id",
            "estate_id",
            "building_id",
            "community_id",
            "households",
            "party_members",
            "geometry",
        )
        if c in units.columns
    ]
    assignment = units[keep].assign(grid_id=units["unit_id"].map(plan.assignment))
    tables: dict[str, pd.DataFrame] = {
        "grids": grids.drop(columns=["footprint"], errors="ignore"),
        "assignment": gpd.GeoDataFrame(assignment, geometry="geometry", crs=units.crs),
    }
    cov = state.get("coverage")
    if cov is not None:
        tables["coverage"] = cov.estates
    siting = state.get("siting")
    if siting:
        from ui.tabs_siting import newly_covered, posts_frame

        model, result = siting["model"], siting["result"]
        layers_estates = state["_export_estates"]
        newly = newly_covered(model, result, siting["radius"], layers_estates)
        tables["posts"] = posts_frame(model, result, newly, layers_estates)
    staffing = state.get("staffing")
    if staffing is not None:
        tables["staffing"] = staffing
    return tables


def build_exports(
    plan: Plan,
    tables: dict[str, pd.DataFrame],
    plan_name: str,
    day: dt.date | None = None,
    lang: str = "zh",
) -> dict[str, bytes]:
    """Every export file as ``{file name: bytes}``."""
    from geo.output.export import make_metadata, to_csv_tables, to_geojson, to_gpkg, to_html_map

    stem = file_stem(plan_name, day)
    meta = make_metadata(plan=plan_name, parameters=plan.params)
    out: dict[str, bytes] = {}
    for name, table in tables.items():
        if isinstance(table, gpd.GeoDataFrame):
            out[f"{stem}_{name}.geojson"] = to_geojson(table, metadata=meta).encode("utf-8")
    with tempfile.TemporaryDirectory(prefix="gridplan-export-") as tmp:
        gpkg = to_gpkg(tables, Path(tmp) / f"{stem}.gpkg", metadata=meta)
        out[f"{stem}.gpkg"] = gpkg.read_bytes()
        csv_files = to_csv_tables(tables, Path(tmp) / "csv", metadata=meta)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in csv_files:
                zf.write(f, arcname=f"{stem}_{f.name}")
        out[f"{stem}_csv.zip"] = buf.getvalue()
        html = to_html_map(
            {k: v for k, v in tables.items() if k != "assignment"},
            Path(tmp) / f"{stem}_map.html",
            title=plan_name,
            metadata=meta,
            lang=lang,
        )
        out[f"{stem}_map.html"] = html.read_bytes()
    return out


def default_layer_index(names: list[str]) -> int:
    """Index of the grid layer among the GeoJSON files (the one a planner hands on), else 0."""
    return next((i for i, n in enumerate(names) if n.endswith("_grids.geojson")), 0)


def build_atlas(
    plan: Plan, tables: dict[str, pd.DataFrame], layers: Layers, plan_name: str, lang: str
) -> bytes:
    """The printable atlas (PDF) of the plan in the app: the staffing computed in the staffing
    tab, else the published 242 full-time / 1,134 part-time workers apportioned by households."""
    from allocation.density import density_points, density_surface, grid_density
    from allocation.staffing import staff_grids
    from geo.output.atlas import write_atlas
    from geo.output.store import record_from_plan

    staffing = tables.get("staffing")
    note = t("atlas_staffing_tab", lang)
    if staffing is None:
        staffing = staff_grids(plan.grids().reset_index(drop=True))
        note = t("atlas_staffing_default", lang)
    posts = tables.get("posts")
    record = record_from_plan(plan, plan_name, posts=posts)
    surface = density_surface(density_points(layers))
    notes = [
        note,
        t(
            "atlas_density_note",
            lang,
            bw=f"{surface.bandwidth_m:.0f}",
            scott=f"{surface.scott_m:.0f}",
        ),
    ]
    with tempfile.TemporaryDirectory(prefix="gridplan-atlas-") as tmp:
        res = write_atlas(
            record,
            {
                "communities": layers.communities,
                "estates": layers.estates,
                "facilities": layers.facilities,
            },
            Path(tmp) / "atlas.pdf",
            staffing=staffing,
            lang=lang,
            notes=notes,
            density=surface,
            grid_density=grid_density(surface, record.grids),
        )
        return res.path.read_bytes()


def _prepare_atlas(layers: Layers, lang: str) -> None:
    plan = st.session_state.get("plan")
    if plan is None:
        return
    st.session_state["_export_estates"] = layers.estates
    name = st.session_state.get("plan_name") or "plan"
    try:
        data = build_atlas(plan, export_tables(plan, st.session_state), layers, name, lang)
        st.session_state["atlas_pdf"] = (f"{file_stem(name)}_atlas.pdf", data)
        st.session_state.pop("atlas_error", None)
    except (GridplanError, ValueError, OSError) as exc:
        st.session_state["atlas_error"] = str(exc)
        st.session_state.pop("atlas_pdf", None)


def _prepare(ctx_layers_estates: gpd.GeoDataFrame, lang: str = "zh") -> None:
    plan = st.session_state.get("plan")
    if plan is None:
        return
    st.session_state["_export_estates"] = ctx_layers_estates
    name = st.session_state.get("plan_name") or "plan"
    try:
        st.session_state["exports"] = build_exports(
            plan, export_tables(plan, st.session_state), name, lang=lang
        )
        st.session_state.pop("export_error", None)
    except (GridplanError, ValueError, OSError) as exc:
        st.session_state["export_error"] = str(exc)
        st.session_state.pop("exports", None)


def render(ctx: Context) -> None:
    """Draw the export tab."""
    lang = ctx.lang
    if st.session_state.get("plan") is None:
        st.info(t("need_plan", lang))
        return
    open_name = (st.session_state.get("open_plan") or {}).get("name")
    st.text_input(t("plan_name", lang), value=open_name or "gridplan", key="plan_name")
    st.button(
        t("prepare_exports", lang),
        key="prepare_exports",
        type="primary",
        on_click=_prepare,
        args=(ctx.layers.estates, lang),
    )
    if "export_error" in st.session_state:
        st.error(t("error", lang, msg=st.session_state["export_error"]))
    st.button(
        t("prepare_atlas", lang),
        key="prepare_atlas",
        on_click=_prepare_atlas,
        args=(ctx.layers, lang),
        help=t("atlas_help", lang),
    )
    if "atlas_error" in st.session_state:
        st.error(t("error", lang, msg=st.session_state["atlas_error"]))
    if st.session_state.get("atlas_pdf"):
        atlas_name, atlas_bytes = st.session_state["atlas_pdf"]
        st.download_button(
            t("export_atlas", lang),
            atlas_bytes,
            file_name=atlas_name,
            mime=MIME[".pdf"],
            key="dl_atlas",
        )
    files: dict[str, bytes] = st.session_state.get("exports") or {}
    if not files:
        return
    st.success(t("exports_ready", lang, n=len(files)))
    geojson = sorted(f for f in files if f.endswith(".geojson"))
    c = st.columns(2)
    layer = c[0].selectbox(
        t("export_layer", lang), geojson, key="export_layer", index=default_layer_index(geojson)
    )
    c[1].download_button(
        t("export_geojson", lang),
        files[layer],
        file_name=layer,
        mime=MIME[".geojson"],
        key="dl_geojson",
    )
    for ext, label in (
        (".gpkg", "export_gpkg"),
        ("_csv.zip", "export_csv"),
        ("_map.html", "export_html"),
    ):
        name = next(f for f in files if f.endswith(ext))
        st.download_button(
            t(label, lang),
            files[name],
            file_name=name,
            mime=MIME[Path(name).suffix],
            key=f"dl_{label}",
        )
