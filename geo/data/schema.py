"""The canonical layer schema and the :class:`Layers` bundle every engine function takes.

Inside the engine columns are English snake_case and ids are strings. ``geo.data.io`` maps
aliases (户数 -> households ...) on the way in and fills optional columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import geopandas as gpd
    from pyproj import CRS

    from geo.errors import Problem

#: Layer names in load order.
LAYER_NAMES = ("communities", "estates", "buildings", "facilities", "candidates", "other_grids")
#: Layers without which nothing can be planned.
REQUIRED_LAYERS = ("communities", "estates")

#: Required columns per layer (besides geometry).
REQUIRED: dict[str, tuple[str, ...]] = {
    "communities": ("community_id", "name"),
    "estates": ("estate_id", "households", "party_members"),
    "buildings": ("building_id", "households"),
    "facilities": ("facility_id", "level"),
    "candidates": ("candidate_id",),
    "other_grids": ("grid_id",),
}
#: Optional columns per layer, kept when present.
OPTIONAL: dict[str, tuple[str, ...]] = {
    "communities": ("street", "street_code", "community_code"),
    "estates": ("name", "community_id", "residents"),
    "buildings": ("estate_id", "party_members", "floors", "residents"),
    "facilities": ("name", "capacity"),
    "candidates": ("name", "cost"),
    "other_grids": ("kind", "name"),
}
#: Geometry types allowed per layer.
GEOMETRY_TYPES: dict[str, tuple[str, ...]] = {
    "communities": ("Polygon", "MultiPolygon"),
    "estates": ("Polygon", "MultiPolygon", "Point"),
    "buildings": ("Polygon", "MultiPolygon", "Point"),
    "facilities": ("Point",),
    "candidates": ("Point",),
    "other_grids": ("Polygon", "MultiPolygon"),
}
#: Count columns: numeric, non-negative.
COUNT_FIELDS = ("households", "party_members", "residents", "capacity", "floors")
#: Id column of each layer.
ID_FIELD = {name: cols[0] for name, cols in REQUIRED.items()}


@dataclass(frozen=True)
class Layers:
    """The validated input of one planning dataset, all layers in one metric CRS.

    Attributes
    ----------
    communities, estates : GeoDataFrame
        Required. Estates always carry ``community_id`` (joined spatially when absent)
        and ``residents`` (estimated from households when absent, and reported).
    buildings, facilities, candidates, other_grids : GeoDataFrame or None
        Optional layers.
    network_path : Path or None
        An osmnx GraphML or .osm XML walk network for this dataset, if any.
    problems : tuple of Problem
        Warnings from loading (repairs, aliases applied, estimates).
    aliases : dict
        ``{layer: {source column: canonical column}}`` mappings applied by the loader.
    joins : tuple of JoinReport
        The rosters joined to layers (:mod:`geo.data.join`), each with its row-by-row report.
    """

    communities: gpd.GeoDataFrame
    estates: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame | None = None
    facilities: gpd.GeoDataFrame | None = None
    candidates: gpd.GeoDataFrame | None = None
    other_grids: gpd.GeoDataFrame | None = None
    network_path: Path | None = None
    problems: tuple[Problem, ...] = ()
    aliases: dict[str, dict[str, str]] = field(default_factory=dict)
    joins: tuple[Any, ...] = ()  # geo.data.join.JoinReport (schema stays below join)

    @property
    def crs(self) -> CRS:
        """The metric CRS every layer is in."""
        crs: CRS = self.communities.crs
        return crs

    def layer(self, name: str) -> gpd.GeoDataFrame | None:
        """Return a layer by name (``None`` when absent)."""
        if name not in LAYER_NAMES:
            raise KeyError(f"`name` must be one of {LAYER_NAMES}, got {name!r}")
        return getattr(self, name)
