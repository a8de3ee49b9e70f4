"""Build datasets shaped like a planner's own files, derived from the seeded demo district.

The demo (:func:`geo.demo.generate.generate_demo`) is clean WGS84 GeoJSON with English columns. Real
users bring something else: a GeoPackage from a surveying office in CGCS2000 / 3-degree
Gauss-Kruger (EPSG:4549) with Chinese field and layer names, zipped Shapefiles digitised on Amap
(GCJ-02 lon/lat, the ``.prj`` saying WGS84), GeoJSON exported from Baidu tools (BD-09), and
tables that still carry residents' names, ID numbers and phones. Each writer here produces one
of those from the same subset, so tests can check that every shape gives the same plan.

All writers take the WGS84 frames of :func:`user_subset` and never mutate them.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

#: Three small demo communities (fewest households), so a whole pipeline run stays quick.
SUBSET_COMMUNITIES: tuple[str, ...] = ("320211006020", "320211006017", "320211007014")

#: Column names a Chinese planner would use, per layer (canonical -> user).
CHINESE_FIELDS: dict[str, dict[str, str]] = {
    "communities": {
        "community_id": "社区编号",
        "name": "名称",
        "street": "街道",
        "street_code": "街道代码",
        "community_code": "社区代码",
    },
    "estates": {
        "estate_id": "小区编号",
        "name": "名称",
        "community_id": "社区",
        "households": "户数",
        "party_members": "党员数",
        "residents": "常住人口",
    },
    "buildings": {
        "building_id": "楼栋编号",
        "estate_id": "所属小区",
        "households": "户数",
        "party_members": "党员数",
        "floors": "层数",
    },
    "facilities": {"facility_id": "设施编号", "name": "名称", "level": "等级"},
    "candidates": {"candidate_id": "候选编号", "name": "名称"},
}

#: Layer names as a Chinese GeoPackage would hold them.
CHINESE_LAYERS: dict[str, str] = {
    "communities": "社区",
    "estates": "小区",
    "buildings": "楼栋",
    "facilities": "设施",
    "candidates": "候选点",
}

#: Facility levels as written in Chinese tables.
CHINESE_LEVELS: dict[str, str] = {
    "district": "区级",
    "street": "街道级",
    "community": "社区级",
    "post": "驿站",
    "other": "其他",
}

#: Personal columns a careless export carries (must be dropped at load, never exported).
PERSONAL_COLUMNS: tuple[str, ...] = ("姓名", "身份证号", "电话")


def user_subset(
    community_ids: Sequence[str] = SUBSET_COMMUNITIES, *, seed: int = 0
) -> dict[str, gpd.GeoDataFrame]:
    """WGS84 layers of a few demo communities, with a candidates layer.

    Parameters
    ----------
    community_ids : sequence of str
        Demo community ids to keep (12 digits).
    seed : int
        Demo seed.

    Returns
    -------
    dict of GeoDataFrame
        ``communities``, ``estates``, ``buildings``, ``facilities`` (those inside the kept
        communities), ``candidates`` (one point per estate, its representative point moved 30 m
        south, ids ``C001``...), all EPSG:4326.
    """
    return user_subset_with_network(community_ids, seed=seed)[0]


def user_subset_with_network(
    community_ids: Sequence[str] = SUBSET_COMMUNITIES, *, seed: int = 0, margin_m: float = 300.0
) -> tuple[dict[str, gpd.GeoDataFrame], Any]:
    """:func:`user_subset` and the demo walk network cropped to the subset (+ ``margin_m``).

    The network stays in WGS84 (as OpenStreetMap data is) whatever datum the layers are
    written in later.
    """
    from geo.demo.generate import build_demo

    demo = build_demo(seed=seed)
    layers = demo.layers
    keep = set(community_ids)
    comms = layers["communities"][layers["communities"]["community_id"].isin(keep)]
    estates = layers["estates"][layers["estates"]["community_id"].isin(keep)]
    buildings = layers["buildings"][
        layers["buildings"]["estate_id"].isin(set(estates["estate_id"]))
    ]
    fac = layers["facilities"]
    fac = fac[fac["community_id"].isin(keep)].drop(columns=["community_id"])
    metric = estates.to_crs(4549)
    pts = metric.geometry.representative_point().translate(0.0, -30.0)
    cands = gpd.GeoDataFrame(
        {
            "candidate_id": [f"C{i + 1:03d}" for i in range(len(pts))],
            "name": [f"候选点{i + 1}" for i in range(len(pts))],
        },
        geometry=pts.to_numpy(),
        crs=4549,
    ).to_crs(4326)
    area = (
        gpd.GeoSeries([comms.to_crs(4549).union_all().buffer(margin_m)], crs=4549)
        .to_crs(4326)
        .iloc[0]
    )
    graph = demo.network
    inside = [n for n, d in graph.nodes(data=True) if area.contains(shapely.Point(d["x"], d["y"]))]
    network = graph.subgraph(inside).copy()
    out = {
        "communities": comms.reset_index(drop=True),
        "estates": estates.reset_index(drop=True),
        "buildings": buildings.reset_index(drop=True),
        "facilities": fac.reset_index(drop=True),
        "candidates": cands,
    }
    return out, network


def write_network(network: Any, path: Path) -> Path:
    """Write the walk network as osmnx-style GraphML (``walk.graphml`` beside the layers)."""
    from geo.demo._io import write_graphml

    return write_graphml(network, Path(path))


def _chinese(gdf: gpd.GeoDataFrame, layer: str) -> gpd.GeoDataFrame:
    """Rename to Chinese fields (unknown columns dropped), levels in Chinese."""
    fields = CHINESE_FIELDS[layer]
    out = gdf[[c for c in gdf.columns if c in fields] + [gdf.geometry.name]].rename(columns=fields)
    if layer == "facilities":
        out["等级"] = out["等级"].map(CHINESE_LEVELS)
    return out


def with_personal_columns(estates: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy of ``estates`` with a contact person's name, ID number and phone per row."""
    out = estates.copy()
    n = len(out)
    out.insert(1, "姓名", [f"张{'伟芳娜敏静丽强磊军洋'[i % 10]}{i}" for i in range(n)])
    out.insert(2, "身份证号", [f"32021119800101{i:04d}" for i in range(n)])
    out.insert(3, "电话", [f"1391234{i:04d}" for i in range(n)])
    return out


def _offset(layers: Mapping[str, gpd.GeoDataFrame], fn: Callable) -> dict[str, gpd.GeoDataFrame]:
    """Shift every layer's lon/lat by ``fn(lon, lat)`` (GCJ-02, BD-09); the CRS still says WGS84."""

    def shift(coords: np.ndarray) -> np.ndarray:
        lon, lat = fn(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    out = {}
    for name, gdf in layers.items():
        moved = gdf.copy()
        moved[gdf.geometry.name] = shapely.transform(gdf.geometry.to_numpy(), shift)
        out[name] = moved
    return out


def write_cgcs2000_gpkg(
    layers: Mapping[str, gpd.GeoDataFrame], path: Path, *, personal: bool = True
) -> Path:
    """One GeoPackage in EPSG:4549 with Chinese layer and field names.

    With ``personal`` the estates carry 姓名 / 身份证号 / 电话 columns, communities and
    facilities a contact's 书记姓名 / 联系电话.
    """
    path = Path(path)
    for name, gdf in layers.items():
        frame = _chinese(gdf, name).to_crs(4549)
        if name == "estates" and personal:
            frame = with_personal_columns(frame)
        if name in ("communities", "facilities") and personal:
            frame = with_contact_columns(frame)
        frame.to_file(path, layer=CHINESE_LAYERS[name], driver="GPKG")
    return path


#: Contact columns of community secretaries / facility managers (not residents, so the loader
#: keeps them; they must still never reach an export).
CONTACT_COLUMNS: tuple[str, ...] = ("书记姓名", "联系电话")


def with_contact_columns(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy of ``gdf`` with a contact person's name and phone per row."""
    out = gdf.copy()
    out.insert(1, "书记姓名", [f"王书记{i}" for i in range(len(out))])
    out.insert(2, "联系电话", [f"0510-8520{i:04d}" for i in range(len(out))])
    return out


def write_gcj02_shapefile_zip(
    layers: Mapping[str, gpd.GeoDataFrame], path: Path, *, personal: bool = True
) -> Path:
    """One ``.zip`` of Shapefiles in GCJ-02 lon/lat (the ``.prj`` says WGS84, as Amap tools do).

    Fields are Chinese in GBK, as Chinese Windows GIS tools write them (in UTF-8, 社区编号 takes
    12 bytes and the dBASE limit of 10 bytes would cut it mid-character); ``encoding="GBK"``
    makes GDAL write a ``.cpg``. Members sit in a ``district/`` folder.
    """
    from geo.data.crs import wgs84_to_gcj02

    path = Path(path)
    work = path.with_suffix("")
    work.mkdir(parents=True, exist_ok=True)
    for name, gdf in _offset(layers, wgs84_to_gcj02).items():
        frame = _chinese(gdf, name)
        if name == "estates" and personal:
            frame = with_personal_columns(frame)
        frame.to_file(work / f"{name}.shp", driver="ESRI Shapefile", encoding="GBK")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(work.iterdir()):
            zf.write(f, f"district/{f.name}")
    return path


def write_bd09_geojson(layers: Mapping[str, gpd.GeoDataFrame], folder: Path) -> Path:
    """A folder of ``<layer>.geojson`` in BD-09 (Baidu) lon/lat, Chinese fields."""
    from geo.data.crs import wgs84_to_bd09

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, gdf in _offset(layers, wgs84_to_bd09).items():
        _chinese(gdf, name).to_file(folder / f"{name}.geojson", driver="GeoJSON")
    return folder


def write_wgs84_geojson(layers: Mapping[str, gpd.GeoDataFrame], folder: Path) -> Path:
    """A folder of ``<layer>.geojson`` in WGS84 with canonical (English) fields."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, gdf in layers.items():
        gdf.to_file(folder / f"{name}.geojson", driver="GeoJSON")
    return folder


def write_without_households(layers: Mapping[str, gpd.GeoDataFrame], folder: Path) -> Path:
    """WGS84 GeoJSON whose estates lack any households column (a common export slip)."""
    trimmed = dict(layers)
    trimmed["estates"] = layers["estates"].drop(columns=["households"])
    trimmed.pop("buildings", None)
    return write_wgs84_geojson(trimmed, folder)


def write_zip_slip(path: Path) -> Path:
    """A ``.zip`` whose member escapes the extraction folder (``../evil.geojson``)."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("communities.geojson", '{"type": "FeatureCollection", "features": []}')
        zf.writestr("../evil.geojson", '{"type": "FeatureCollection", "features": []}')
    return Path(path)


def estate_households(layers: Mapping[str, gpd.GeoDataFrame]) -> pd.Series:
    """Households per community of the subset (ground truth for the sums)."""
    return layers["estates"].groupby("community_id")["households"].sum()


def write_mixed_datum(layers: Mapping[str, gpd.GeoDataFrame], folder: Path) -> Path:
    """Communities in WGS84 (from the street office) beside estates and buildings digitised on
    Amap (GCJ-02), every file saying WGS84: the estates sit a few hundred metres off."""
    from geo.data.crs import wgs84_to_gcj02

    moved = _offset({k: layers[k] for k in ("estates", "buildings")}, wgs84_to_gcj02)
    return write_wgs84_geojson({"communities": layers["communities"], **moved}, folder)


#: Headers of an estates points table as a street office keeps it (Chinese, GCJ-02 lon/lat).
POINT_TABLE_HEADERS = ("小区编号", "小区名称", "所属社区", "户数", "党员数", "经度", "纬度")


def estate_points_frame(estates: gpd.GeoDataFrame) -> pd.DataFrame:
    """The estates as a points table: representative point of each outline, converted to GCJ-02
    (as a map service gives them), Chinese headers, in file order."""
    from geo.data.crs import wgs84_to_gcj02

    pts = estates.to_crs("EPSG:4326").geometry.representative_point()
    lon, lat = wgs84_to_gcj02(pts.x.to_numpy(), pts.y.to_numpy())
    return pd.DataFrame(
        {
            "小区编号": estates["estate_id"].to_numpy(),
            "小区名称": estates["name"].to_numpy(),
            "所属社区": estates["community_id"].to_numpy(),
            "户数": estates["households"].to_numpy(),
            "党员数": estates["party_members"].to_numpy(),
            "经度": np.round(lon, 7),
            "纬度": np.round(lat, 7),
        }
    )


def write_points_dataset(
    communities: gpd.GeoDataFrame,
    estates: gpd.GeoDataFrame,
    folder: Path,
    *,
    fmt: str = "csv",
    title: str | None = None,
) -> Path:
    """``communities.geojson`` (WGS84) and ``estates.csv`` (UTF-8 with BOM, as Excel writes) or
    ``estates.xlsx`` (with ``title`` as a merged row above the header) in GCJ-02."""
    folder.mkdir(parents=True, exist_ok=True)
    communities.to_crs("EPSG:4326").to_file(folder / "communities.geojson", driver="GeoJSON")
    frame = estate_points_frame(estates)
    if fmt == "csv":
        frame.to_csv(folder / "estates.csv", index=False, encoding="utf-8-sig")
    else:
        write_xlsx(folder / "estates.xlsx", frame, title=title)
    return folder


def write_xlsx(
    path: Path,
    frame: pd.DataFrame,
    *,
    title: str | None = None,
    merge_column: str | None = None,
    totals: str | None = None,
) -> Path:
    """A small workbook as planners make them: an optional ``title`` merged over the columns,
    the header, the rows (runs of equal values in ``merge_column`` merged vertically, as a
    社区 column usually is), and an optional ``totals`` row (合计) summing the numeric columns."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    width = len(frame.columns)
    if title is not None:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.append(list(frame.columns))
    first = ws.max_row + 1
    for rec in frame.itertuples(index=False):
        ws.append([v.item() if hasattr(v, "item") else v for v in rec])
    if merge_column is not None:
        j = list(frame.columns).index(merge_column)
        values = frame[merge_column].tolist()
        start = 0
        for i in range(1, len(values) + 1):
            if i == len(values) or values[i] != values[start]:
                if i - start > 1:
                    ws.merge_cells(
                        start_row=first + start,
                        start_column=j + 1,
                        end_row=first + i - 1,
                        end_column=j + 1,
                    )
                start = i
    if totals is not None:
        ws.append(
            [totals]
            + [
                float(frame[c].sum()) if pd.api.types.is_numeric_dtype(frame[c]) else None
                for c in frame.columns[1:]
            ]
        )
    wb.save(path)
    return path
