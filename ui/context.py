"""What every tab receives, the cached engine calls they share, and the map widget wrapper."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import folium
import geopandas as gpd
import streamlit as st

from geo.data.schema import Layers
from ui.assets import VENDOR_URL
from ui.data import MapSettings

if TYPE_CHECKING:
    from allocation.coverage import CoverageResult
    from geo.network.walk import WalkNetwork
from ui.state import Session

#: Map height in the page, px.
MAP_HEIGHT_PX = 560


@dataclass(frozen=True)
class Context:
    """The page's shared inputs: language, dataset, its display frames and map settings."""

    lang: str
    layers: Layers
    key: str
    disp: dict[str, gpd.GeoDataFrame | None]
    maps: MapSettings


def session() -> Session:
    """This browser tab's typed session (:class:`ui.state.Session` over ``st.session_state``)."""
    return Session(st.session_state)


def static_base() -> str:
    """URL of the vendored map assets, honouring ``server.baseUrlPath``."""
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}{VENDOR_URL}" if base else VENDOR_URL


def show_map(m: folium.Map, *, key: str, returned: Sequence[str] = ()) -> dict[str, Any]:
    """Draw ``m`` with streamlit-folium, returning only the ``returned`` objects.

    With ``returned=()`` panning and zooming never rerun the script.
    """
    from streamlit_folium import st_folium

    return (
        st_folium(
            m,
            key=key,
            height=MAP_HEIGHT_PX,
            use_container_width=True,
            returned_objects=list(returned),
        )
        or {}
    )


def show_static_map(m: folium.Map, *, height: int = MAP_HEIGHT_PX) -> None:
    """Draw a read-only ``m`` as folium's own HTML page in an iframe (``st.iframe``).

    For a map that returns nothing to the script: unlike :func:`show_map`, no component (no
    ``streamlit_folium`` import in the script, no component bundle for the browser to fetch, no
    handshake before the map's page is written), so the map is drawn as soon as the element
    arrives. The page is the one ``m.get_root().render()`` writes (its Leaflet from
    ``static/vendor`` as :func:`ui.assets.localise` set it), as in the exported HTML map.
    """
    st.iframe(m.get_root().render(), height=height)


@st.cache_resource(show_spinner=False, max_entries=4)
def walk_network(_layers: Layers, dataset_key: str) -> WalkNetwork | None:
    """The dataset's walk network (read-only, shared), or ``None`` for the straight-line fallback."""
    from geo.network.walk import layers_network

    return layers_network(_layers)


@st.cache_data(show_spinner=False, max_entries=16)
def coverage(
    _layers: Layers,
    dataset_key: str,
    levels: tuple[str, ...] | None,
    thresholds_m: tuple[float, ...],
    gap_threshold_m: float,
) -> CoverageResult:
    """Coverage review of the dataset (cached per dataset, levels and thresholds)."""
    from allocation.coverage import coverage_review

    return coverage_review(
        _layers,
        network=walk_network(_layers, dataset_key),
        levels=list(levels) if levels else None,
        thresholds_m=thresholds_m,
        gap_threshold_m=gap_threshold_m,
    )


def token(*parts: object) -> str:
    """A short stable digest of ``parts`` (cache keys for immutable values such as plans)."""
    h = hashlib.sha256()
    for p in parts:
        h.update(repr(p).encode("utf-8"))
    return h.hexdigest()[:16]
