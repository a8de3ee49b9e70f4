"""The page: title, sidebar, and the tabs whose engines are installed.

Tabs run lazily (``st.tabs(..., on_change="rerun")`` and ``tab.open``): only the open tab's
body runs, so one map is built per rerun. A tab whose engine module is absent is left out
rather than shown with made-up results.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable

import streamlit as st

from ui import data
from ui.assets import missing_files
from ui.context import Context
from ui.i18n import t

#: (tab key, ui module, engine modules it needs), in display order.
TABS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("overview", "ui.tabs_overview", ("geo.data.io",)),
    ("grids", "ui.tabs_grids", ("geo.grids.gridding", "geo.grids.edits")),
    ("coverage", "ui.tabs_coverage", ("allocation.coverage",)),
    ("siting", "ui.tabs_siting", ("allocation.siting",)),
    ("staffing", "ui.tabs_staffing", ("allocation.staffing", "geo.grids.gridding")),
    ("export", "ui.tabs_export", ("geo.output.export", "geo.grids.gridding")),
    ("plans", "ui.tabs_plans", ("geo.output.store", "geo.grids.gridding", "geo.grids.edits")),
)


def available_tabs() -> list[tuple[str, str]]:
    """``(tab key, ui module)`` of the tabs whose ui module and engines are importable."""
    out = []
    for key, module, engines in TABS:
        if all(importlib.util.find_spec(m) is not None for m in (module, *engines)):
            out.append((key, module))
    return out


def _renderer(module: str) -> Callable[[Context], None]:
    render: Callable[[Context], None] = importlib.import_module(module).render
    return render


def main() -> None:
    """Build the page."""
    lang, maps = data.sidebar()
    st.title(t("app_title", lang))
    st.caption(t("app_caption", lang))
    missing = missing_files()
    if missing:
        st.warning(t("offline_missing", lang, n=len(missing)))
    data.upload_report(lang)
    layers, key = data.current_layers()
    if importlib.util.find_spec("geo.output.store") is not None:
        from ui import plans

        plans.resume(layers, key, lang)
    ctx = Context(
        lang=lang, layers=layers, key=key, disp=data.display_layers(layers, key), maps=maps
    )
    tabs = available_tabs()
    labels = [t(f"tab_{k}", lang) for k, _m in tabs]
    # Remember the open tab by key so that a language switch keeps it open: the tabs widget of
    # the other language was dropped from the session, so seed this language's one.
    current = st.session_state.get("view_key", tabs[0][0])
    keys = [k for k, _m in tabs]
    widget_key = f"view_{lang}"
    if widget_key not in st.session_state and current in keys:
        st.session_state[widget_key] = labels[keys.index(current)]
    containers = st.tabs(labels, key=widget_key, on_change="rerun")
    for (tab_key, module), box in zip(tabs, containers, strict=True):
        if box.open:
            st.session_state["view_key"] = tab_key
            with box:
                _renderer(module)(ctx)
