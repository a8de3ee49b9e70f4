"""Read planning layers from files, validate them, and bring them into one metric CRS.

Sources: a folder of files named after the layers (``communities.geojson``, ``estates.gpkg``,
``buildings.zip`` ...), one GeoPackage whose layers are named after the layers, one zip archive
holding such files (e.g. several Shapefiles), or a mapping ``{layer: path}``. Every problem of
every layer is collected into one :class:`~geo.errors.ValidationError`; warnings (repairs,
estimates, dropped personal fields) travel with the result in :attr:`Layers.problems`.

Uploads are bounded before anything is read: :func:`check_upload` (size, known extension) and
:func:`safe_extract_zip` (path traversal, symlinks, member count, zip bombs).
"""

from __future__ import annotations

import io
import logging
import shutil
import stat
import tempfile
import warnings
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio.errors
import shapely
import shapely.errors
from pyproj import CRS

from geo.data import _validate as v
from geo.data.crs import (
    bd09_to_wgs84,
    coords_to_wgs84,
    gcj02_to_wgs84,
    metric_crs_for,
    normalise_datum,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from geo.data.join import JoinReport, community_frame, join_roster
from geo.data.schema import LAYER_NAMES, OPTIONAL, REQUIRED, REQUIRED_LAYERS, Layers
from geo.data.tables import TABLE_EXTENSIONS, TableError, read_table, table_points
from geo.errors import CRSError, Problem, UploadRejected, ValidationError
from geo.settings import (
    BD09,
    BUILDING_OFF_ESTATE_M,
    CGCS2000,
    ESTATE_OUTSIDE_ERROR_SHARE,
    ESTATE_OUTSIDE_TOLERANCE,
    FUSION_MIN_OVERLAP_M2,
    GCJ02,
    MAX_COMPRESSION_RATIO,
    MAX_UNZIPPED_BYTES,
    MAX_UPLOAD_BYTES,
    MAX_ZIP_MEMBERS,
    RESIDENTS_PER_HOUSEHOLD,
    WGS84,
)

log = logging.getLogger(__name__)

#: The bundled demo district.
DEMO_DIR = Path(__file__).resolve().parents[2] / "data" / "boundaries"
#: File types a layer may come in, in the order tried when several share a name.
LAYER_EXTENSIONS = (".gpkg", ".geojson", ".json", ".zip", ".shp", *TABLE_EXTENSIONS)
#: File types accepted as uploads: layers (a Shapefile only zipped with its .shx, .dbf, .prj)
#: and walk networks.
UPLOAD_EXTENSIONS = (".gpkg", ".geojson", ".json", ".zip", ".graphml", ".osm", *TABLE_EXTENSIONS)
#: Walk network files looked for beside the layers.
NETWORK_FILES = ("walk.graphml", "walk.osm")
#: Alternative layer names (file stems, GeoPackage layer names), compared case-insensitively.
LAYER_NAME_ALIASES: dict[str, tuple[str, ...]] = {
    "communities": ("communities", "community", "社区"),
    "estates": ("estates", "estate", "小区", "residential"),
    "buildings": ("buildings", "building", "楼栋", "建筑"),
    "facilities": ("facilities", "facility", "设施", "服务设施"),
    "candidates": ("candidates", "candidate", "候选点"),
    "other_grids": ("other_grids", "othergrids", "其他网格"),
}
#: File stems of rosters beside the layers: ``estates_roster.xlsx``, ``roster_buildings.csv``,
#: ``小区名册.xlsx`` (a layer name or alias, then one of these words, or the other way round).
ROSTER_WORDS = ("roster", "名册", "花名册", "台账")
#: Radius of the small disc a point estate is given as its footprint, in metres; the cell the
#: tessellation grows around it stands in for the missing outline.
POINT_ESTATE_RADIUS_M = 10.0
#: Members of zip archives that are never layers (macOS resource forks).
_ZIP_JUNK = ("__MACOSX/", ".DS_Store")
#: Per-member compression ratio is only checked above this uncompressed size, in bytes.
_RATIO_MIN_BYTES = 1024 * 1024
_COPY_CHUNK = 1024 * 1024


# --- upload safety ------------------------------------------------------------------------------


def check_upload(
    path_or_bytes: str | Path | bytes, name: str, *, max_bytes: int = MAX_UPLOAD_BYTES
) -> str:
    """Refuse an upload that is too large, of an unknown type, or an unsafe zip archive.

    Parameters
    ----------
    path_or_bytes : str, Path or bytes
        The uploaded file on disk, or its content.
    name : str
        The file name the user gave (its extension decides the type).
    max_bytes : int, optional
        Size limit in bytes, :data:`geo.settings.MAX_UPLOAD_BYTES` by default.

    Returns
    -------
    str
        The lower-case extension, e.g. ``".zip"``.

    Raises
    ------
    UploadRejected
        With the reason and the limit.
    """
    ext = Path(name).suffix.lower()
    if (
        len(path_or_bytes)
        if isinstance(path_or_bytes, bytes)
        else Path(path_or_bytes).stat().st_size
    ) == 0:
        raise _Unreadable(f"`{name}` is empty (0 bytes).", _EMPTY_FIX)
    if ext not in UPLOAD_EXTENSIONS:
        raise UploadRejected(
            f"`{name}`: unknown file type {ext or '(none)'}; upload one of "
            f"{', '.join(UPLOAD_EXTENSIONS)} (a Shapefile goes zipped with its "
            ".shx, .dbf and .prj)"
        )
    size = (
        len(path_or_bytes)
        if isinstance(path_or_bytes, bytes)
        else Path(path_or_bytes).stat().st_size
    )
    if size > max_bytes:
        raise UploadRejected(
            f"`{name}` is {_binary_size(size)} ({size:,} bytes), above the "
            f"upload limit of {_binary_size(max_bytes)} ({max_bytes:,} bytes); "
            "split the data or simplify geometries"
        )
    _check_magic(_head(path_or_bytes), ext, name)
    if ext == ".zip":
        source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
        try:
            with zipfile.ZipFile(source) as zf:
                _check_zip_directory(zf, name)
        except zipfile.BadZipFile as exc:
            raise UploadRejected(f"`{name}` is not a readable zip archive ({exc})") from exc
    return ext


def _binary_size(n_bytes: float) -> str:
    """A size in the binary units the limits are set in: ``200 MiB``, ``1 GiB``, ``12.3 KiB``.

    Whole values print without decimals, so a limit prints exactly as it is set in
    :mod:`geo.settings` (``200 * 1024 * 1024`` -> ``200 MiB``); a size just above a limit
    keeps one decimal (``200.1 MiB``).
    """
    value, unit = float(n_bytes), "bytes"
    for next_unit in ("KiB", "MiB", "GiB", "TiB"):
        if value < 1024:
            break
        value, unit = value / 1024, next_unit
    if unit == "bytes":
        return f"{n_bytes:.0f} bytes"
    return f"{value:.0f} {unit}" if value.is_integer() else f"{value:.1f} {unit}"


#: What each upload type must start with (after a UTF-8 byte-order mark and white space for
#: text formats), so that a renamed executable or a wrong extension is refused before reading.
_MAGIC = {
    ".gpkg": (b"SQLite format 3\x00",),
    ".zip": (b"PK\x03\x04", b"PK\x05\x06"),
    ".xlsx": (b"PK\x03\x04",),
    ".xlsm": (b"PK\x03\x04",),
    ".xls": (b"\xd0\xcf\x11\xe0",),
    ".geojson": (b"{",),
    ".json": (b"{",),
    ".graphml": (b"<",),
    ".osm": (b"<",),
}


def _head(path_or_bytes: str | Path | bytes, size: int = 64) -> bytes:
    if isinstance(path_or_bytes, bytes):
        return path_or_bytes[:size]
    with open(path_or_bytes, "rb") as fh:
        return fh.read(size)


def _check_magic(head: bytes, ext: str, name: str) -> None:
    if ext == ".csv":  # any text encoding; only a workbook or archive renamed .csv is refused
        if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"SQLite format")):
            raise UploadRejected(
                f"`{name}` is not a CSV text table (it starts with {head[:8]!r}); "
                "upload the file with its own extension (.xlsx, .gpkg ...)"
            )
        return
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not any(
        text.startswith(m)
        if ext in (".geojson", ".json", ".graphml", ".osm")
        else head.startswith(m)
        for m in _MAGIC[ext]
    ):
        raise UploadRejected(
            f"`{name}` does not look like a {ext} file (it starts with "
            f"{head[:8]!r}); upload the file itself, with its own extension"
        )


def _member_name(info: zipfile.ZipInfo) -> str:
    """The member's name, re-decoded as GBK when the archive did not flag it UTF-8."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _safe_member_path(name: str, archive: str) -> PurePosixPath:
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or (parts and len(parts[0]) == 2 and parts[0][1] == ":"):
        raise UploadRejected(
            f"`{archive}`: member `{name}` has an absolute path; refused "
            "(re-create the archive with relative paths)"
        )
    if ".." in parts:
        raise UploadRejected(
            f"`{archive}`: member `{name}` points outside the archive (`..`, "
            "path traversal); refused"
        )
    return PurePosixPath(*[p for p in parts if p not in ("", ".")])


def _check_zip_directory(
    zf: zipfile.ZipFile,
    archive: str,
    *,
    max_members: int = MAX_ZIP_MEMBERS,
    max_bytes: int = MAX_UNZIPPED_BYTES,
    max_ratio: float = MAX_COMPRESSION_RATIO,
) -> list[tuple[zipfile.ZipInfo, PurePosixPath]]:
    """Check a zip archive from its central directory only, before anything is extracted."""
    infos = zf.infolist()
    if len(infos) > max_members:
        raise UploadRejected(
            f"`{archive}` has {len(infos)} members, above the limit of "
            f"{max_members}; zip only the layer files"
        )
    members = []
    seen: set[PurePosixPath] = set()
    for info in infos:
        name = _member_name(info)
        rel = _safe_member_path(name, archive)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise UploadRejected(
                f"`{archive}`: member `{name}` is a symbolic link; refused "
                "(zip the files themselves)"
            )
        if rel in seen and not info.is_dir():
            raise UploadRejected(f"`{archive}`: member `{name}` appears twice; refused")
        seen.add(rel)
        if info.file_size > _RATIO_MIN_BYTES and info.file_size > max_ratio * max(
            info.compress_size, 1
        ):
            raise UploadRejected(
                f"`{archive}`: member `{name}` expands {info.file_size / max(info.compress_size, 1):.0f}x "
                f"(limit {max_ratio:.0f}x), a zip bomb; refused"
            )
        members.append((info, rel))
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if total > max_bytes:
        raise UploadRejected(
            f"`{archive}` expands to {_binary_size(total)}, above the limit of "
            f"{_binary_size(max_bytes)}; refused"
        )
    if total > _RATIO_MIN_BYTES and total > max_ratio * max(packed, 1):
        raise UploadRejected(
            f"`{archive}` expands {total / max(packed, 1):.0f}x (limit "
            f"{max_ratio:.0f}x), a zip bomb; refused"
        )
    return members


def safe_extract_zip(
    path: str | Path,
    dest: str | Path,
    *,
    max_members: int = MAX_ZIP_MEMBERS,
    max_bytes: int = MAX_UNZIPPED_BYTES,
    max_ratio: float = MAX_COMPRESSION_RATIO,
) -> list[Path]:
    """Extract a zip archive into ``dest`` after checking its directory.

    Refused, before any byte is written: absolute member paths and ``..`` (zip-slip), symbolic
    links, duplicate members, more than ``max_members`` members, more than ``max_bytes``
    uncompressed in all, and a compression ratio above ``max_ratio`` (zip bombs). While
    extracting, the bytes actually written are counted too, so an archive whose directory lies
    about sizes is stopped as well.

    Returns
    -------
    list of Path
        The extracted files (directories excluded).

    Raises
    ------
    UploadRejected
        With the member and the rule it broke.
    """
    name = Path(path).name
    dest = Path(dest)
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise UploadRejected(f"`{name}` is not a readable zip archive ({exc})") from exc
    with zf:
        members = _check_zip_directory(
            zf, name, max_members=max_members, max_bytes=max_bytes, max_ratio=max_ratio
        )
        root = dest.resolve()
        written = 0
        out: list[Path] = []
        for info, rel in members:
            target = (root / rel).resolve()
            if root != target and root not in target.parents:
                raise UploadRejected(
                    f"`{name}`: member `{rel}` resolves outside the target; refused"
                )
            if info.is_dir() or not rel.parts:
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(target, "wb") as dst:
                member_bytes = 0
                while chunk := src.read(_COPY_CHUNK):
                    member_bytes += len(chunk)
                    written += len(chunk)
                    if member_bytes > info.file_size or written > max_bytes:
                        raise UploadRejected(
                            f"`{name}`: member `{rel}` is larger than its declared size; refused"
                        )
                    dst.write(chunk)
            out.append(target)
    return out


# --- reading one layer --------------------------------------------------------------------------


def _layer_key(name: str) -> str | None:
    """The canonical layer a file stem or GeoPackage layer name stands for, if any."""
    key = v._norm(name)
    for layer, names in LAYER_NAME_ALIASES.items():
        if key in {v._norm(n) for n in names}:
            return layer
    return None


def _pick_gpkg_layer(path: Path, layer: str) -> str | None:
    import pyogrio

    names = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
    for n in names:
        if _layer_key(n) == layer:
            return n
    if len(names) == 1:
        return names[0]
    raise UploadRejected(
        f"`{path.name}` holds layers {names} and none is named `{layer}`; name the layer `{layer}`"
    )


def _read_zip(path: Path, layer: str) -> gpd.GeoDataFrame:
    with tempfile.TemporaryDirectory(prefix="gridplan-zip-") as tmp:
        files = safe_extract_zip(path, tmp)
        found = [
            f
            for f in files
            if f.suffix.lower() in (".shp", ".geojson", ".json", ".gpkg")
            and not any(j in f.as_posix() for j in _ZIP_JUNK)
        ]
        named = [f for f in found if _layer_key(f.stem) == layer]
        if len(named) == 1 or len(found) == 1:
            return _read_file((named or found)[0], layer)
        raise UploadRejected(
            f"`{path.name}` holds {[f.name for f in found] or 'no layer file'}; "
            f"put one Shapefile in it, or name one `{layer}.shp`"
        )


def _read_file(path: Path, layer: str, gpkg_layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a layer file as it is (no validation), with pyogrio."""
    ext = path.suffix.lower()
    if ext == ".zip":
        return _read_zip(path, layer)
    if ext in TABLE_EXTENSIONS:
        return _read_table_layer(path, layer)
    if ext not in LAYER_EXTENSIONS:
        raise UploadRejected(
            f"`{path.name}`: unknown layer file type {ext}; use one of "
            f"{', '.join(LAYER_EXTENSIONS)}"
        )
    if path.stat().st_size == 0:
        raise _Unreadable(f"`{path.name}` is empty (0 bytes).", _EMPTY_FIX)
    if ext == ".shp":
        _check_shapefile_parts(path)
    if ext == ".gpkg" and gpkg_layer is None:
        gpkg_layer = _pick_gpkg_layer(path, layer)
    encoding = _dbf_encoding(path) if ext == ".shp" else None
    try:
        with warnings.catch_warnings():  # reported below as a problem of the feature
            warnings.filterwarnings("ignore", "Non closed ring", RuntimeWarning)
            # mixed values (numbers and text in one column): read as text, checked later
            warnings.filterwarnings("ignore", "Could not parse column", UserWarning)
            # a GeoJSON geometry GDAL does not know becomes NULL: reported as a missing geometry
            warnings.filterwarnings("ignore", "Unsupported geometry type", RuntimeWarning)
            return gpd.read_file(path, layer=gpkg_layer, engine="pyogrio", encoding=encoding)
    except shapely.errors.ShapelyError:
        # a ring without its closing vertex (GEOS refuses it): read the rest, name the rows
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Non closed ring", RuntimeWarning)
            warnings.filterwarnings("ignore", "Could not parse column", UserWarning)
            warnings.filterwarnings("ignore", "Unsupported geometry type", RuntimeWarning)
            gdf = gpd.read_file(
                path, layer=gpkg_layer, engine="pyogrio", encoding=encoding, on_invalid="ignore"
            )
            gdf.attrs[_UNREADABLE_ROWS] = _unreadable_geometry_rows(path, gpkg_layer, encoding)
        gdf.attrs[_SOURCE_NAME] = path.name
        return gdf
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise _Unreadable(
            f"`{path.name}` is not a readable {_FORMAT_NAMES.get(ext, ext)} file "
            f"({_gdal_reason(exc, path)}).",
            f"open it in your GIS and export it again as {_FORMAT_NAMES[ext]}",
        ) from exc


def _read_table_layer(path: Path, layer: str) -> gpd.GeoDataFrame:
    """A CSV / Excel table with longitude/latitude columns as a point layer.

    The table's notes (title rows, totals row, merged cells, swapped coordinates) travel in
    ``attrs`` and become problems of the layer.
    """
    try:
        table = read_table(path)
        gdf, problems = table_points(table, layer)
    except TableError as exc:
        raise _Unreadable(str(exc), exc.fix) from exc
    notes = [
        Problem(
            layer,
            f"`{table.source}`: {p.message}",
            p.fix,
            feature=p.feature,
            field=p.field,
            severity=p.severity,
            code=p.code,
            params={**p.params, "_source": table.source} if p.code else {},
        )
        for p in table.problems
    ]
    gdf.attrs[_TABLE_PROBLEMS] = notes + problems
    gdf.attrs[_SOURCE_NAME] = path.name
    return gdf


#: Key of ``GeoDataFrame.attrs`` holding the problems found while reading a table layer.
_TABLE_PROBLEMS = "gridplan_table_problems"
#: Key of ``GeoDataFrame.attrs`` holding a datum named in a table's coordinate header.
_DATUM_HINT = "gridplan_datum_hint"
#: Key of ``GeoDataFrame.attrs`` listing the rows whose geometry GEOS refused (positions).
_UNREADABLE_ROWS = "gridplan_unreadable_geometry_rows"
#: Key of ``GeoDataFrame.attrs`` holding the name of the file a layer was read from.
_SOURCE_NAME = "gridplan_source_name"
#: The fix for a 0-byte file.
_EMPTY_FIX = "export the layer again; the file was cut off or never written"
#: Format names in messages.
_FORMAT_NAMES = {
    ".gpkg": "GeoPackage",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".shp": "Shapefile",
    ".zip": "zipped Shapefile",
}


class _Unreadable(UploadRejected):
    """A layer file that cannot be read, with the fix for the report."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.fix = fix


def _gdal_reason(exc: Exception, path: Path) -> str:
    """GDAL's message without its driver hint and with the file name instead of its path."""
    text = str(exc).split("; It might help", 1)[0].split(". It might help", 1)[0]
    text = text.replace(f"'{path}'", f"`{path.name}`").replace(str(path), path.name)
    text = text.replace(str(path.parent) + "/", "")
    return text.strip().rstrip(".") or type(exc).__name__


def _check_shapefile_parts(shp: Path) -> None:
    """A Shapefile needs its ``.shx`` (index) and ``.dbf`` (attributes) beside the ``.shp``."""
    present = {f.suffix.lower() for f in shp.parent.iterdir() if f.stem == shp.stem and f.is_file()}
    missing = [s for s in (".shx", ".dbf") if s not in present]
    if missing:
        what = {".shx": "index", ".dbf": "attribute table"}
        raise _Unreadable(
            f"the Shapefile `{shp.name}` comes without its "
            + " and ".join(f"`{shp.stem}{m}` ({what[m]})" for m in missing)
            + ".",
            f"zip `{shp.stem}.shp` together with `{shp.stem}.shx`, `{shp.stem}.dbf`, "
            f"`{shp.stem}.prj` and `{shp.stem}.cpg`",
        )


def _unreadable_geometry_rows(
    path: Path, gpkg_layer: str | None, encoding: str | None
) -> list[int]:
    """Positions of the features whose geometry GEOS cannot build (unclosed ring ...)."""
    import pyogrio.raw

    _, _, wkb, _ = pyogrio.raw.read(
        path, layer=gpkg_layer, encoding=encoding, columns=[], read_geometry=True
    )
    rows = []
    for i, one in enumerate(wkb):
        if one is None:
            continue
        try:
            shapely.from_wkb(one)
        except shapely.errors.ShapelyError:
            rows.append(i)
    return rows


def _dbf_encoding(shp: Path) -> str | None:
    """Encoding of a Shapefile's attributes when no ``.cpg`` says it: UTF-8 if the ``.dbf``
    decodes as UTF-8, else GBK (Chinese Windows exports); ``None`` lets GDAL decide."""
    if any(shp.with_suffix(s).exists() for s in (".cpg", ".CPG")):
        return None
    dbf = next((shp.with_suffix(s) for s in (".dbf", ".DBF") if shp.with_suffix(s).exists()), None)
    if dbf is None:
        return None
    raw = dbf.read_bytes()
    # text only: field names (11 bytes per 32-byte descriptor) and the records
    header_len = int.from_bytes(raw[8:10], "little")
    names = b"".join(raw[i : i + 11] for i in range(32, max(header_len - 1, 32), 32))
    data = names + raw[header_len:]
    if all(b < 0x80 for b in data):
        return None
    try:
        data.decode("utf-8")
        return "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("gbk")
        return "GBK"
    except UnicodeDecodeError:
        return None


def _declared_crs(datum: str) -> CRS:
    """The CRS a normalised datum stands for (GCJ-02 and BD-09 are read as lon/lat)."""
    if datum in ("WGS84", GCJ02, BD09):
        return CRS.from_user_input(WGS84)
    if datum == "CGCS2000":
        return CRS.from_user_input(CGCS2000)
    return CRS.from_user_input(datum)


def _apply_datum(
    gdf: gpd.GeoDataFrame, layer: str, datum: str | None
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Set or check the layer's CRS against the declared datum.

    A declared datum replaces a missing or geographic file CRS (GeoJSON always says WGS84, even
    for GCJ-02 or projected coordinates); a projected file CRS that differs is an error.
    """
    if datum is None:
        if gdf.crs is None:
            return gdf, [
                Problem(
                    layer,
                    "the layer has no CRS (no .prj file or CRS entry).",
                    "declare the datum (--datum WGS84, CGCS2000, GCJ-02, BD-09 or "
                    "EPSG:xxxx) or add the .prj file",
                    code="no_crs",
                )
            ]
        return gdf, []
    declared = _declared_crs(datum)
    if gdf.crs is None or gdf.crs == declared or gdf.crs.is_geographic:
        if gdf.crs is not None and gdf.crs != declared and not declared.is_geographic:
            log.info("layer %s: file CRS %s replaced by the declared %s", layer, gdf.crs, datum)
        return (gdf if gdf.crs == declared else gdf.set_crs(declared, allow_override=True)), []
    if datum in ("WGS84", "CGCS2000"):
        # a projected file CRS is more specific than a geographic datum (the app's default)
        return gdf, [
            Problem(
                layer,
                f"the declared datum {datum} was not applied: the file is in "
                f"the projected CRS {gdf.crs.to_string()}, which is used.",
                "none needed if the file's CRS is right",
                severity="warning",
                code="datum_not_applied",
                params={"datum": datum, "crs": gdf.crs.to_string()},
            )
        ]
    return gdf, [
        Problem(
            layer,
            f"the file says its CRS is {gdf.crs.to_string()} but the declared datum is {datum}.",
            "declare the datum the file really uses, or leave it undeclared",
            code="datum_conflict",
            params={"datum": datum, "crs": gdf.crs.to_string()},
        )
    ]


def _to_wgs84_from_offset(gdf: gpd.GeoDataFrame, datum: str) -> gpd.GeoDataFrame:
    out = gdf.copy()
    geoms = shapely.transform(gdf.geometry.to_numpy(), lambda c: coords_to_wgs84(c, datum))
    out[gdf.geometry.name] = gpd.GeoSeries(geoms, index=gdf.index, crs=WGS84)
    return out.set_crs(WGS84, allow_override=True)


@dataclass
class _Prepared:
    """One layer after the per-layer steps, in its own (or WGS84) CRS."""

    gdf: gpd.GeoDataFrame | None
    aliases: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    georeferenced: bool = False
    joins: list[JoinReport] = field(default_factory=list)


def _prepare(
    raw: gpd.GeoDataFrame,
    layer: str,
    datum: str | None,
    *,
    rosters: Sequence[Path] = (),
    communities: pd.DataFrame | None = None,
) -> _Prepared:
    """Aliases, personal fields, rosters joined, required fields, CRS and datum, coordinates,
    ids, counts, facility levels and geometry of one layer; every problem collected."""
    table_notes: list[Problem] = list(raw.attrs.get(_TABLE_PROBLEMS, []))
    hint = raw.attrs.get(_DATUM_HINT)
    if datum is None and hint is not None:
        datum = hint
        table_notes.append(
            Problem(
                layer,
                f"the coordinate columns say {hint}; the layer was read as {hint}.",
                f"declare the datum (--datum {layer}=...) if the header is wrong",
                severity="warning",
                code="datum_from_header",
                params={"datum": hint, "layer": layer},
            )
        )
    elif datum is None and _TABLE_PROBLEMS in raw.attrs and raw.crs is not None:
        table_notes.append(
            Problem(
                layer,
                f"no datum was declared for the table "
                f"`{raw.attrs.get(_SOURCE_NAME)}`; its longitude/latitude were "
                "read as WGS84.",
                f"declare the datum if the points come from "
                f"a map service: --datum {layer}=GCJ-02 (Amap, Tencent) or "
                "BD-09 (Baidu)",
                severity="warning",
                code="table_read_as_wgs84",
                params={"source": str(raw.attrs.get(_SOURCE_NAME)), "layer": layer},
            )
        )
    try:
        datum = normalise_datum(datum)
    except CRSError as exc:
        return _Prepared(
            None,
            problems=[
                Problem(
                    layer,
                    str(exc),
                    "declare a known datum",
                    code="datum_unknown",
                    params={"msg": str(exc)},
                )
            ],
        )
    if len(raw) == 0:
        severity = "error" if layer in REQUIRED_LAYERS else "warning"
        return _Prepared(
            None,
            problems=[
                Problem(
                    layer,
                    "the layer has no features"
                    + ("." if severity == "error" else "; it is ignored."),
                    "export the layer with its features",
                    severity=severity,
                    code="layer_empty" if severity == "error" else "layer_empty_ignored",
                )
            ],
        )
    unreadable = np.zeros(len(raw), dtype=bool)
    unreadable[raw.attrs.get(_UNREADABLE_ROWS, [])] = True
    gdf, aliases, problems = v.map_aliases(raw, layer)
    problems = table_notes + problems
    gdf, p = v.drop_personal_fields(gdf, layer)
    problems += p
    joins: list[JoinReport] = []
    for roster in rosters:
        try:
            gdf, report, p = join_roster(gdf, roster, layer, communities=communities)
        except TableError as exc:
            problems.append(
                Problem(
                    layer,
                    f"cannot read the roster `{Path(roster).name}`: {exc}",
                    exc.fix,
                    code="roster_unreadable",
                    params={"file": Path(roster).name, "msg": str(exc), "fix": exc.fix},
                )
            )
            continue
        joins.append(report)
        problems += p
    problems += v.missing_fields(gdf, layer)
    gdf, p = v.check_ids(gdf, layer)
    problems += p
    gdf, p = v.check_counts(gdf, layer)
    problems += p + v.check_plausible(gdf, layer)
    gdf, p = v.check_levels(gdf, layer)
    problems += p
    gdf, p = v.check_geometry(gdf, layer, unreadable=unreadable, source=raw.attrs.get(_SOURCE_NAME))
    problems += p
    gdf, p = _apply_datum(gdf, layer, datum)
    problems += p
    georeferenced = not _errors(p) and gdf.crs is not None
    if georeferenced:
        p = v.check_coordinates(gdf, layer)
        problems += p
        georeferenced = not _errors(p)
    if georeferenced and datum in (GCJ02, BD09):
        gdf = _to_wgs84_from_offset(gdf, datum)
    return _Prepared(_ordered(gdf, layer), aliases, problems, georeferenced, joins)


def _ordered(gdf: gpd.GeoDataFrame, layer: str) -> gpd.GeoDataFrame:
    """Canonical columns first (id, required, optional), extra columns, geometry last."""
    geom = gdf.geometry.name
    canon = [c for c in (*REQUIRED[layer], *OPTIONAL[layer], "name") if c in gdf.columns]
    canon = list(dict.fromkeys(canon))
    extra = [c for c in gdf.columns if c not in canon and c != geom]
    return gdf[[*canon, *extra, geom]]


def _datum_for(datum: str | Mapping[str, str] | None, layer: str) -> str | None:
    if isinstance(datum, Mapping):
        return datum.get(layer)
    return datum


def read_layer(path: str | Path, layer: str, *, datum: str | None = None) -> gpd.GeoDataFrame:
    """Read, normalise and validate one layer file.

    Parameters
    ----------
    path : str or Path
        A ``.geojson``, ``.gpkg`` (the layer named after ``layer``, or its only layer),
        ``.shp`` or zipped Shapefile ``.zip``.
    layer : str
        Canonical layer name (one of :data:`geo.data.schema.LAYER_NAMES`).
    datum : str, optional
        Datum of the coordinates: ``"WGS84"``, ``"CGCS2000"``, ``"GCJ-02"``, ``"BD-09"`` or an
        EPSG code. ``None`` trusts the file's CRS (and a file without one is an error).

    Returns
    -------
    GeoDataFrame
        Canonical columns, ids as strings, in the file's CRS (WGS84 for GCJ-02 / BD-09 input,
        which is converted). Use :func:`load_layers` for the metric CRS and cross-layer checks.

    Raises
    ------
    ValidationError
        Every problem of the layer (warnings are logged).
    """
    if layer not in LAYER_NAMES:
        raise ValueError(f"`layer` must be one of {LAYER_NAMES}, got {layer!r}")
    path = Path(path)
    try:
        raw = _read_file(path, layer)
    except (UploadRejected, OSError, ValueError, RuntimeError) as exc:
        raise ValidationError([_read_problem(layer, path, exc)]) from exc
    prepared = _prepare(raw, layer, datum)
    _raise_on_errors(prepared.problems)
    for p in prepared.problems:
        log.warning("%s", p)
    if prepared.gdf is None:  # an empty optional layer
        return raw
    return prepared.gdf


def read_upload(
    data: bytes, file_name: str, layer: str, *, datum: str | None = None
) -> gpd.GeoDataFrame:
    """:func:`read_layer` for an uploaded file: checked by :func:`check_upload`, then read.

    The one path for a single uploaded layer (the app's plan-in-force upload; the CLI reads the
    same layer from disk with :func:`read_layer`): the same checks, datum handling (GCJ-02 /
    BD-09 converted to WGS84) and messages.

    Parameters
    ----------
    data : bytes
        The file's content.
    file_name : str
        The name the user gave (its extension decides the type; messages name it).
    layer : str
        Canonical layer name, e.g. ``"other_grids"``.
    datum : str, optional
        As for :func:`read_layer`.

    Raises
    ------
    ValidationError
        A refused upload (:func:`upload_problem`) or every problem of the layer.
    """
    try:
        ext = check_upload(data, file_name)
    except UploadRejected as exc:
        raise ValidationError([upload_problem(layer, file_name, exc)]) from exc
    base = Path(file_name.replace("\\", "/")).name
    if (
        base in ("", ".", "..")
        or base.startswith(".")
        or "\x00" in base
        or Path(base).suffix.lower() != ext
    ):
        base = f"{layer}{ext}"
    with tempfile.TemporaryDirectory(prefix="gridplan-upload-") as tmp:
        path = Path(tmp) / base
        path.write_bytes(data)
        return read_layer(path, layer, datum=datum)


def upload_problem(layer: str, name: str, exc: UploadRejected) -> Problem:
    """The problem an upload refused by :func:`check_upload` gives, worded as
    :func:`load_layers` words the same file read from disk (the app and the CLI agree)."""
    if isinstance(exc, _Unreadable):
        return _read_problem(layer, Path(name), exc)
    return Problem(
        layer,
        str(exc),
        "upload a smaller or safe file",
        feature=name,
        code="upload_refused",
        params={"msg": str(exc)},
    )


def _read_problem(layer: str, path: Path, exc: Exception) -> Problem:
    if isinstance(exc, _Unreadable):
        return Problem(
            layer,
            f"cannot read `{path.name}`: {exc}",
            exc.fix,
            code="file_unreadable",
            params={"file": path.name, "msg": str(exc), "fix": exc.fix},
        )
    reason = str(exc)
    if isinstance(exc, OSError | RuntimeError):
        reason = _gdal_reason(exc, path)
    return Problem(
        layer,
        f"cannot read `{path.name}`: {reason}",
        "check that the file is a valid GeoJSON, GeoPackage or zipped Shapefile",
        code="file_unreadable_format",
        params={"file": path.name, "msg": reason},
    )


def _errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def _raise_on_errors(problems: list[Problem]) -> None:
    errors = _errors(problems)
    if errors:
        warnings = len(problems) - len(errors)
        raise ValidationError(
            problems, title=f"{len(errors)} error(s) and {warnings} warning(s) in the input data"
        )


# --- finding the layers of a dataset ------------------------------------------------------------


@dataclass(frozen=True)
class _Source:
    path: Path
    gpkg_layer: str | None = None


def _roster_key(stem: str) -> str | None:
    """The layer a roster file is for (``estates_roster``, ``roster-buildings``, ``小区名册``)."""
    key = v._norm(stem)
    for word in sorted(ROSTER_WORDS, key=len, reverse=True):
        for rest in (key.removesuffix(word), key.removeprefix(word)):
            if rest != key and rest:
                layer = _layer_key(rest)
                if layer is not None:
                    return layer
    return None


def _rosters_in(folder: Path) -> dict[str, list[Path]]:
    """Roster tables beside the layers, per layer, in file-name order."""
    found: dict[str, list[Path]] = {}
    if not folder.is_dir():
        return found
    for f in sorted(folder.iterdir()):
        if f.is_file() and f.suffix.lower() in TABLE_EXTENSIONS:
            layer = _roster_key(f.stem)
            if layer is not None:
                found.setdefault(layer, []).append(f)
    return found


def _discover(
    source: str | Path | Mapping[str, str | Path], tmp: Path
) -> tuple[dict[str, _Source], Path | None, list[Problem]]:
    """Map each layer to the file (and GeoPackage layer) it comes from."""
    if isinstance(source, Mapping):
        found, problems, network = {}, [], None
        for key, path in source.items():
            if key == "network":
                network = Path(path)
            elif key in LAYER_NAMES:
                found[key] = _Source(Path(path))
            else:
                problems.append(
                    Problem(
                        str(key),
                        f"unknown layer name `{key}`.",
                        f"use one of {', '.join(LAYER_NAMES)}",
                        code="unknown_layer",
                        params={"name": str(key), "layers": ", ".join(LAYER_NAMES)},
                    )
                )
        return found, network, problems
    path = Path(source)
    if not path.exists():
        return (
            {},
            None,
            [
                Problem(
                    path.name,
                    f"`{path}` does not exist.",
                    "give a folder of layer files, a .gpkg or a .zip",
                    code="source_missing",
                    params={"path": str(path)},
                )
            ],
        )
    if path.is_dir():
        return _discover_dir(path)
    ext = path.suffix.lower()
    if ext == ".gpkg":
        return _discover_gpkg(path), _network_beside(path.parent), []
    if ext == ".zip":
        dest = tmp / "dataset"
        safe_extract_zip(path, dest)
        found, network, problems = _discover_dir(_unwrap(dest))
        return found, network, problems
    return (
        {},
        None,
        [
            Problem(
                path.name,
                f"`{path.name}` is one file, not a dataset.",
                "give a folder of files named after the layers "
                "(communities.geojson, estates.geojson ...), a GeoPackage with "
                "named layers, or a .zip of them",
                code="one_file",
                params={"file": path.name},
            )
        ],
    )


def _unwrap(folder: Path) -> Path:
    """Descend into a single top folder (zips usually hold one), skipping macOS junk."""
    entries = [e for e in folder.iterdir() if e.name not in ("__MACOSX", ".DS_Store")]
    if len(entries) == 1 and entries[0].is_dir():
        return _unwrap(entries[0])
    return folder


def _network_beside(folder: Path) -> Path | None:
    for name in NETWORK_FILES:
        if (folder / name).is_file():
            return folder / name
    return None


def _discover_gpkg(path: Path) -> dict[str, _Source]:
    import pyogrio

    found = {}
    for name in pyogrio.list_layers(path)[:, 0]:
        layer = _layer_key(str(name))
        if layer is not None and layer not in found:
            found[layer] = _Source(path, str(name))
    return found


def _discover_dir(folder: Path) -> tuple[dict[str, _Source], Path | None, list[Problem]]:
    found: dict[str, _Source] = {}
    problems: list[Problem] = []
    files = sorted(
        (f for f in folder.iterdir() if f.is_file() and f.suffix.lower() in LAYER_EXTENSIONS),
        key=lambda f: (f.stem, LAYER_EXTENSIONS.index(f.suffix.lower())),
    )
    for f in files:
        layer = _layer_key(f.stem)
        if layer is None:
            continue
        if layer in found:
            problems.append(
                Problem(
                    layer,
                    f"both `{found[layer].path.name}` and `{f.name}` could "
                    f"be the {layer} layer; `{found[layer].path.name}` is used.",
                    "keep one file per layer",
                    severity="warning",
                    code="two_files_one_layer",
                    params={"used": found[layer].path.name, "other": f.name, "layer": layer},
                )
            )
            continue
        found[layer] = _Source(f)
    if not found:
        containers = [f for f in files if f.suffix.lower() == ".gpkg"]
        if len(containers) == 1:
            found = _discover_gpkg(containers[0])
    return found, _network_beside(folder), problems


# --- cross-layer steps --------------------------------------------------------------------------


def _representative_points(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    ok = ~(gdf.geometry.isna() | gdf.geometry.is_empty)
    return gpd.GeoDataFrame(
        {"row": np.flatnonzero(ok.to_numpy())},
        geometry=gdf.geometry[ok].representative_point().to_numpy(),
        crs=gdf.crs,
    )


def _containing(
    points: gpd.GeoDataFrame, polygons: gpd.GeoDataFrame, id_field: str, n: int
) -> list[str | None]:
    """For each of ``n`` rows, the id of the polygon holding its representative point."""
    poly = polygons[[id_field, polygons.geometry.name]]
    poly = poly[~(poly.geometry.isna() | poly.geometry.is_empty)]
    joined = gpd.sjoin(points, poly, how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    result: list[str | None] = [None] * n
    for row, value in zip(joined["row"], joined[id_field], strict=True):
        result[int(row)] = value if isinstance(value, str) else None
    return result


def resolve_community_overlaps(
    communities: gpd.GeoDataFrame,
    estates: gpd.GeoDataFrame | None = None,
    *,
    min_area_m2: float = FUSION_MIN_OVERLAP_M2,
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Give every overlap between two communities to one of them, and say so (metric CRS).

    Communities must not overlap: an estate in the overlap would belong to both, and the grids
    of both would cover it twice. Each overlap above ``min_area_m2`` goes to the community
    whose estates (by their stated ``community_id``) cover more of it, else to the one first in
    the file, and is cut from the other; one warning lists every pair, the area, and who got
    it. A community left empty (drawn entirely inside another) is an error.

    Returns
    -------
    (GeoDataFrame, list of Problem)
        The communities with disjoint geometries (same rows and columns), and the problems.
    """
    geoms = communities.geometry.to_numpy().copy()
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if ok.sum() < 2 or "community_id" not in communities.columns:
        return communities, []
    idx = np.flatnonzero(ok)
    a, b = shapely.STRtree(geoms[idx]).query(geoms[idx], predicate="intersects")
    keep = a < b
    labels = v.feature_labels(communities, "communities")
    cids = communities["community_id"].to_numpy(dtype=object)
    found: list[str] = []
    for i, j in zip(idx[a[keep]], idx[b[keep]], strict=True):
        overlap = shapely.intersection(geoms[i], geoms[j])
        area = float(shapely.area(overlap))
        if area <= min_area_m2:
            continue
        win, lose = (
            (j, i)
            if _estate_area(estates, overlap, cids[j]) > _estate_area(estates, overlap, cids[i])
            else (i, j)
        )
        geoms[lose] = shapely.difference(geoms[lose], overlap)
        found.append(f"{labels[i]} and {labels[j]} ({area / 1e4:,.2f} ha, given to {labels[win]})")
    if not found:
        return communities, []
    problems = [
        Problem(
            "communities",
            f"{len(found)} pair(s) of communities overlap: "
            f"{v.describe_features(found)}. Each overlap was given to the community "
            "whose estates cover more of it (else the first in the file) and cut "
            "from the other, so that grids never cover the same land twice.",
            "redraw the shared boundaries so that communities do not overlap",
            severity="warning",
            code="communities_overlap",
            params={"n": len(found), "pairs": v.describe_features(found)},
        )
    ]
    emptied = ok & (shapely.is_empty(geoms) | (shapely.area(geoms) <= min_area_m2))
    problems += v._features_problem(
        "communities",
        emptied,
        labels,
        "the community lies entirely inside another community.",
        "redraw its boundary, or delete it and move its estates to the other community",
        code="community_inside_other",
    )
    out = communities.copy()
    out[communities.geometry.name] = gpd.GeoSeries(
        geoms, index=communities.index, crs=communities.crs
    )
    return out, problems


def _estate_area(
    estates: gpd.GeoDataFrame | None, region: shapely.Geometry, community_id: object
) -> float:
    """Area of ``region`` covered by the estates that say they belong to ``community_id``."""
    if estates is None or "community_id" not in estates.columns:
        return 0.0
    mine = estates[estates["community_id"] == community_id]
    if len(mine) == 0:
        return 0.0
    hits = mine.sindex.query(region, predicate="intersects")
    if len(hits) == 0:
        return 0.0
    return float(shapely.area(shapely.intersection(mine.geometry.to_numpy()[hits], region)).sum())


def _link_estates(
    communities: gpd.GeoDataFrame, estates: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Check each estate against the communities; fill a missing ``community_id`` by location."""
    labels = v.feature_labels(estates, "estates")
    inside = _containing(_representative_points(estates), communities, "community_id", len(estates))
    has_geom = ~(estates.geometry.isna() | estates.geometry.is_empty).to_numpy()
    outside = has_geom & np.array([c is None for c in inside])
    problems = v._features_problem(
        "estates",
        outside,
        labels,
        "the estate lies outside every community.",
        "fix the estate's position or add its community to the communities layer",
        code="estate_outside",
    )
    out = estates.copy()
    known = set(communities["community_id"].dropna())
    if "community_id" not in estates.columns:
        out["community_id"] = pd.Series(inside, index=estates.index, dtype=object)
        problems.append(
            Problem(
                "estates",
                "`community_id` was absent and was filled from the community holding each estate.",
                "none needed; add `community_id` to the file to state it yourself",
                field="community_id",
                severity="warning",
                code="community_id_filled",
            )
        )
        return out, problems
    blank = estates["community_id"].isna().to_numpy()
    given, by_name, more = _ids_from_names(communities, estates["community_id"], labels)
    problems += more
    if blank.any() or by_name.any():
        out["community_id"] = [i if g is None else g for g, i in zip(given, inside, strict=True)]
    if blank.any():
        problems += v._features_problem(
            "estates",
            blank & ~outside,
            labels,
            "`community_id` was empty and was filled by location.",
            "fill in `community_id`",
            field="community_id",
            severity="warning",
            code="community_id_empty_filled",
        )
    problems += _community_id_mismatches(given, inside, ~blank, outside, known, labels)
    return out, problems


def _straddling_estates(communities: gpd.GeoDataFrame, estates: gpd.GeoDataFrame) -> list[Problem]:
    """Estates with more than :data:`ESTATE_OUTSIDE_TOLERANCE` of their area outside their
    community (metric CRS): one problem per estate naming both communities and the share.

    Gridding counts all of an estate's households in its own community and clips its cell to
    that community, so the part outside would be planned, without its households, in the
    neighbour's grids. From :data:`ESTATE_OUTSIDE_ERROR_SHARE` on this is an error; below it
    a warning. An estate lying wholly in another community is left to
    :func:`_community_id_mismatches`.
    """
    if "community_id" not in estates.columns or len(estates) == 0:
        return []
    comm = communities[communities["community_id"].notna()].drop_duplicates("community_id")
    comm = comm[~(comm.geometry.isna() | comm.geometry.is_empty)]
    by_id = comm.set_index("community_id").geometry
    geoms = estates.geometry.to_numpy()
    cids = estates["community_id"].to_numpy(dtype=object)
    area = np.zeros(len(geoms))
    has = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    area[has] = shapely.area(geoms[has])
    rows = np.flatnonzero(has & (area > 0) & np.isin(cids, by_id.index.to_numpy()))
    if len(rows) == 0:
        return []
    own = by_id.reindex(cids[rows]).to_numpy()
    outside = shapely.difference(geoms[rows], own)
    share = shapely.area(outside) / area[rows]
    labels = v.feature_labels(estates, "estates")
    names = dict(
        zip(
            comm["community_id"],
            comm["name"] if "name" in comm.columns else comm["community_id"],
            strict=True,
        )
    )
    problems = []
    for i, part, frac in zip(rows, outside, share, strict=True):
        if frac <= ESTATE_OUTSIDE_TOLERANCE or frac >= 1 - ESTATE_OUTSIDE_TOLERANCE:
            continue  # wholly elsewhere: reported by _community_id_mismatches
        where = _holder(part, comm, exclude=cids[i])
        there = (
            f"in community `{where}` ({names[where]})" if where is not None else "in no community"
        )
        severity = "error" if frac >= ESTATE_OUTSIDE_ERROR_SHARE else "warning"
        hh = estates["households"].iloc[i] if "households" in estates.columns else None
        counted = (
            f"; its {float(hh):,.0f} households would all count in `{cids[i]}`"
            if hh is not None and _is_number(hh)
            else ""
        )
        problems.append(
            Problem(
                "estates",
                f"the estate straddles two communities: {frac:.0%} of its area lies "
                f"outside its community `{cids[i]}` ({names[cids[i]]}), {there}{counted} while "
                "that part would be gridded with its neighbour.",
                "correct the community boundary, or split the estate into one feature per "
                "community (each with its own households)",
                feature=labels[i],
                field="community_id",
                severity=severity,
                code="estate_straddles",
                params={
                    "share": f"{frac:.0%}",
                    "community": str(cids[i]),
                    "community_name": str(names[cids[i]]),
                    "other": "" if where is None else str(where),
                    "other_name": "" if where is None else str(names[where]),
                    "households": f"{float(hh):,.0f}" if counted and hh is not None else "",
                },
            )
        )
    return problems


def _holder(
    part: shapely.Geometry, communities: gpd.GeoDataFrame, *, exclude: object
) -> str | None:
    """The community (other than ``exclude``) holding most of ``part``, if any."""
    idx = communities.sindex.query(part, predicate="intersects")
    cand = communities.iloc[idx]
    cand = cand[cand["community_id"] != exclude]
    if len(cand) == 0:
        return None
    areas = shapely.area(shapely.intersection(cand.geometry.to_numpy(), part))
    best = int(np.argmax(areas))
    return str(cand["community_id"].iloc[best]) if areas[best] > 0 else None


def _is_number(value: object) -> bool:
    try:
        return bool(np.isfinite(float(value)))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def _community_id_mismatches(
    given: np.ndarray,
    inside: list[str | None],
    stated: np.ndarray,
    outside: np.ndarray,
    known: set[str],
    labels: list[str],
) -> list[Problem]:
    """Stated ``community_id`` values that name no community (error), or another community
    than the one holding the estate (warning; not for estates ``outside`` every community)."""
    unknown = stated & np.array([g not in known for g in given], dtype=bool)
    problems = v._features_problem(
        "estates",
        unknown,
        labels,
        "`community_id` is not a community of the communities layer.",
        "use a `community_id` of the communities layer",
        code="community_id_unknown",
        field="community_id",
        values=given,
    )
    elsewhere = (
        stated
        & ~unknown
        & ~outside
        & np.array([g != i for g, i in zip(given, inside, strict=True)], dtype=bool)
    )
    problems += v._features_problem(
        "estates",
        elsewhere,
        labels,
        "the estate lies in another community than its `community_id` says.",
        "check `community_id` or the estate's position",
        code="community_id_elsewhere",
        field="community_id",
        severity="warning",
        quote=False,
        values=[f"{g} vs {i}" for g, i in zip(given, inside, strict=True)],
    )
    return problems


def _ids_from_names(
    communities: gpd.GeoDataFrame, given: pd.Series, labels: list[str]
) -> tuple[np.ndarray, np.ndarray, list[Problem]]:
    """Replace community names given as ``community_id`` (所属社区 = 华庄) by the ids.

    Returns the ids, the mask of replaced values and the (warning) problem.
    """
    values = given.to_numpy(dtype=object)
    known = set(communities["community_id"].dropna())
    if "name" not in communities.columns:
        return values, np.zeros(len(values), dtype=bool), []
    unique = communities.drop_duplicates("name", keep=False)
    name_to_id = dict(zip(unique["name"].astype(str), unique["community_id"], strict=True))
    by_name = np.array(
        [g is not None and g not in known and g in name_to_id for g in values], dtype=bool
    )
    if not by_name.any():
        return values, by_name, []
    ids = np.array(
        [name_to_id[g] if f else g for g, f in zip(values, by_name, strict=True)], dtype=object
    )
    return (
        ids,
        by_name,
        v._features_problem(
            "estates",
            by_name,
            labels,
            "`community_id` named the community; its id was used.",
            "none needed",
            code="community_id_by_name",
            field="community_id",
            severity="warning",
        ),
    )


#: Features of the point layers farther than this from every community are flagged, in metres.
_FAR_M = 10_000.0


def _far_from_communities(
    communities: gpd.GeoDataFrame, gdf: gpd.GeoDataFrame, layer: str
) -> list[Problem]:
    """Features lying more than :data:`_FAR_M` beyond the communities' bounding box (metric CRS),
    typically a point at (0, 0) or with a typing error in its coordinates."""
    minx, miny, maxx, maxy = communities.total_bounds
    pts = _representative_points(gdf)
    x, y = pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()
    dist = np.hypot(
        np.maximum(0, np.maximum(minx - x, x - maxx)), np.maximum(0, np.maximum(miny - y, y - maxy))
    )
    far = np.zeros(len(gdf), dtype=bool)
    far[pts["row"].to_numpy()] = dist > _FAR_M
    km = np.zeros(len(gdf))
    km[pts["row"].to_numpy()] = dist / 1000
    return v._features_problem(
        layer,
        far,
        v.feature_labels(gdf, layer),
        f"the feature lies more than {_FAR_M / 1000:.0f} km from every "
        "community; its coordinates look wrong.",
        "check the feature's coordinates",
        code="far_from_communities",
        params={"km": f"{_FAR_M / 1000:.0f}"},
        severity="warning",
        quote=False,
        values=[f"{k:,.0f} km" for k in km],
    )


#: Offsets tried when estates fall outside the communities: (shift applied to the estates'
#: coordinates, what it means, the declaration that fixes it).
_DATUM_SHIFTS = (
    (
        gcj02_to_wgs84,
        "the estates look like GCJ-02 (Amap, Tencent) coordinates while the communities are WGS84",
        "declare the estates' datum: --datum estates=GCJ-02",
    ),
    (
        bd09_to_wgs84,
        "the estates look like BD-09 (Baidu) coordinates while the communities are WGS84",
        "declare the estates' datum: --datum estates=BD-09",
    ),
    (
        wgs84_to_gcj02,
        "the communities look like GCJ-02 (Amap, Tencent) coordinates while the estates are WGS84",
        "declare the communities' datum: --datum communities=GCJ-02",
    ),
    (
        wgs84_to_bd09,
        "the communities look like BD-09 (Baidu) coordinates while the estates are WGS84",
        "declare the communities' datum: --datum communities=BD-09",
    ),
)


def _datum_mismatch_hint(
    communities: gpd.GeoDataFrame, estates: gpd.GeoDataFrame, found: list[Problem]
) -> list[Problem]:
    """When many estates lie outside every community, say whether an offset datum explains it.

    The estates' representative points are shifted by each GCJ-02 / BD-09 offset (in WGS84);
    if one shift brings nearly all of them inside a community, the layers were given in
    different datums and the hint names the declaration that fixes it.
    """
    outside = next((p for p in found if "outside every community" in p.message), None)
    if outside is None or len(estates) < 3:
        return []
    points = _representative_points(estates).to_crs(WGS84)
    comm = communities.to_crs(WGS84)
    n_out = sum(c is None for c in _containing(points, comm, "community_id", len(estates)))
    xy = shapely.get_coordinates(points.geometry.to_numpy())
    best = None
    for shift, meaning, fix in _DATUM_SHIFTS:
        lon, lat = shift(xy[:, 0], xy[:, 1])
        moved = points.set_geometry(gpd.points_from_xy(lon, lat, crs=WGS84))
        left = sum(c is None for c in _containing(moved, comm, "community_id", len(estates)))
        if best is None or left < best[0]:
            best = (left, meaning, fix)
    if best is None or n_out < 3 or best[0] > n_out / 4 or best[0] > 0.05 * len(estates):
        return []
    return [
        Problem(
            "estates",
            f"{n_out} of {len(estates)} estates lie outside every community "
            f"as given, but only {best[0]} once shifted by the offset datum: {best[1]}.",
            best[2],
            severity="warning",
            code="datum_mismatch",
            params={
                "n_out": n_out,
                "n": len(estates),
                "left": best[0],
                "shifted": "estates" if best[1].startswith("the estates") else "communities",
                "datum": "GCJ-02" if "GCJ-02" in best[1] else "BD-09",
            },
        )
    ]


def point_estate_footprints(
    communities: gpd.GeoDataFrame,
    estates: gpd.GeoDataFrame,
    *,
    radius_m: float = POINT_ESTATE_RADIUS_M,
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Give point estates a small disc footprint (metric CRS) inside their community.

    The unit builder grows every estate's cell, its share of the community, by the same
    Voronoi tessellation it uses around estate outlines; for a point estate that cell stands in
    for the missing outline. The disc (``radius_m``) is clipped to the estate's community, so it
    never straddles a boundary. Point estates are flagged in the column ``from_point`` and one
    warning says that their cells stand in for the outlines.
    """
    geoms = estates.geometry.to_numpy()
    points = np.array([g is not None and g.geom_type == "Point" for g in geoms], dtype=bool)
    if not points.any():
        return estates, []
    by_id = communities.drop_duplicates("community_id").set_index("community_id").geometry
    out = estates.copy()
    discs = shapely.buffer(geoms[points], radius_m, quad_segs=4)
    cids = (
        estates["community_id"].to_numpy(dtype=object)[points]
        if "community_id" in estates.columns
        else np.full(points.sum(), None, dtype=object)
    )
    owner = by_id.reindex(cids).to_numpy()
    has = np.array([o is not None for o in owner], dtype=bool)
    clipped = discs.copy()
    clipped[has] = shapely.intersection(discs[has], owner[has])
    clipped = np.where(shapely.is_empty(clipped), discs, clipped)
    new = geoms.copy()
    new[points] = clipped
    out[estates.geometry.name] = gpd.GeoSeries(new, index=estates.index, crs=estates.crs)
    out["from_point"] = points
    whole = (
        "every estate is a point" if points.all() else f"{int(points.sum())} estate(s) are points"
    )
    return out, [
        Problem(
            "estates",
            f"{whole}: each gets a cell, its share of the community "
            "grown around the point by the same tessellation used for outlines; "
            "the cells stand in for the missing estate outlines.",
            "give the estates as polygons for grids that follow the real outlines",
            severity="warning",
            code="estate_points",
            params={"n": int(points.sum()), "all": bool(points.all())},
        )
    ]


def _fill_residents(estates: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Estimate missing ``residents`` as households x :data:`RESIDENTS_PER_HOUSEHOLD`."""
    if "households" not in estates.columns:
        return estates, []
    households = pd.to_numeric(estates["households"], errors="coerce").to_numpy(dtype=float)
    estimate = np.round(households * RESIDENTS_PER_HOUSEHOLD)
    out = estates.copy()
    if "residents" not in estates.columns:
        out["residents"] = estimate
        missing = np.ones(len(estates), dtype=bool)
    else:
        current = pd.to_numeric(estates["residents"], errors="coerce").to_numpy(dtype=float)
        missing = np.isnan(current)
        out["residents"] = np.where(missing, estimate, current)
    out["residents"] = v.as_count_array(out["residents"].to_numpy(dtype=float))
    if not missing.any():
        return out, []
    return out, [
        Problem(
            "estates",
            f"`residents` estimated for {int(missing.sum())} estate(s) as "
            f"households x {RESIDENTS_PER_HOUSEHOLD} (urban average, 2020 census).",
            "add a `residents` column to use real figures",
            field="residents",
            severity="warning",
            code="residents_estimated",
            params={"n": int(missing.sum()), "per": f"{RESIDENTS_PER_HOUSEHOLD}"},
        )
    ]


def _link_buildings(
    estates: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Fill a building's missing ``estate_id`` by location; unknown estate ids are errors."""
    labels = v.feature_labels(buildings, "buildings")
    out = buildings.copy()
    problems: list[Problem] = []
    given = (
        buildings["estate_id"].to_numpy(dtype=object)
        if "estate_id" in buildings.columns
        else np.full(len(buildings), None, dtype=object)
    )
    blank = np.array([g is None for g in given], dtype=bool)
    if blank.any():
        inside = _containing(
            _representative_points(buildings), estates, "estate_id", len(buildings)
        )
        out["estate_id"] = [i if g is None else g for g, i in zip(given, inside, strict=True)]
        filled = int(sum(1 for b, i in zip(blank, inside, strict=True) if b and i is not None))
        if filled:
            problems.append(
                Problem(
                    "buildings",
                    f"`estate_id` filled from location for {filled} building(s).",
                    "add `estate_id` to state it yourself",
                    field="estate_id",
                    severity="warning",
                    code="estate_id_filled",
                    params={"n": filled},
                )
            )
        loose = blank & np.array([i is None for i in inside])
        problems += v._features_problem(
            "buildings",
            loose,
            labels,
            "the building lies in no estate; it is not used for planning.",
            "draw it inside its estate or give its `estate_id`",
            code="building_in_no_estate",
            field="estate_id",
            severity="warning",
        )
    known = set(estates["estate_id"].dropna())
    unknown = ~blank & np.array([g not in known for g in given], dtype=bool)
    problems += v._features_problem(
        "buildings",
        unknown,
        labels,
        "`estate_id` is not an estate of the estates layer.",
        "use an `estate_id` of the estates layer",
        code="estate_id_unknown",
        field="estate_id",
        values=given,
    )
    problems += _buildings_off_their_estate(estates, out, ~blank & ~unknown, labels)
    return out, problems + _household_mismatch(estates, out)


def _buildings_off_their_estate(
    estates: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    stated: np.ndarray,
    labels: Sequence[str],
) -> list[Problem]:
    """Buildings lying farther than ``BUILDING_OFF_ESTATE_M`` outside the estate they name.

    Such a building cannot be a planning unit of that estate; the usual cause is a layer in
    another datum (a GCJ-02 shift is several hundred metres), so the message says so.
    """
    if not stated.any():
        return []
    by_id = estates.drop_duplicates("estate_id").set_index("estate_id").geometry
    points = shapely.point_on_surface(buildings.geometry.to_numpy())
    dist = np.zeros(len(buildings))
    idx = np.flatnonzero(stated)
    shapes = by_id.reindex(buildings["estate_id"].to_numpy()[idx]).to_numpy()
    dist[idx] = shapely.distance(points[idx], shapes)
    far = np.nan_to_num(dist, nan=0.0) > BUILDING_OFF_ESTATE_M
    return v._features_problem(
        "buildings",
        far,
        labels,
        f"the building lies more than {BUILDING_OFF_ESTATE_M:g} m outside the estate its "
        "`estate_id` names; the buildings layer may be in another datum than the estates "
        "(a GCJ-02/BD-09 shift is several hundred metres).",
        "declare the buildings' datum (e.g. --datum buildings=GCJ-02) or correct `estate_id`",
        code="building_off_estate",
        params={"m": f"{BUILDING_OFF_ESTATE_M:g}"},
        field="estate_id",
        values=[f"{d:.0f} m" for d in dist],
        quote=False,
    )


def _household_mismatch(estates: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame) -> list[Problem]:
    """Estates whose buildings' households do not add up to the estate's households."""
    if (
        not {"households", "estate_id"} <= set(buildings.columns)
        or "households" not in estates.columns
    ):
        return []
    hh = pd.to_numeric(buildings["households"], errors="coerce")
    per_estate = hh.groupby(buildings["estate_id"].to_numpy()).sum()
    own = pd.to_numeric(estates["households"], errors="coerce").to_numpy()
    built = per_estate.reindex(estates["estate_id"].to_numpy()).to_numpy()
    differ = ~np.isnan(built) & ~np.isnan(own) & (np.abs(built - own) > 0.5)
    return v._features_problem(
        "estates",
        differ,
        v.feature_labels(estates, "estates"),
        "the households of the estate's buildings do not add up to the estate's households; "
        "the estate's figure is used for planning, the buildings' to split it.",
        "make the buildings' households add up to the estate's",
        code="building_households_differ",
        field="households",
        severity="warning",
        quote=False,
        values=[f"{o:g} vs buildings {b:g}" for o, b in zip(own, built, strict=True)],
    )


# --- loading a dataset --------------------------------------------------------------------------


def load_layers(
    source: str | Path | Mapping[str, str | Path],
    *,
    datum: str | Mapping[str, str] | None = None,
    layers: Iterable[str] | None = None,
    rosters: Mapping[str, Sequence[str | Path]] | None = None,
    network: str | Path | None = None,
) -> Layers:
    """Load, validate and reproject every layer of a dataset into one metric CRS.

    Parameters
    ----------
    source : str, Path or mapping
        A folder of files named after the layers (``<layer>.geojson|.gpkg|.zip|.shp``, Chinese
        names such as 社区 / 小区 accepted), one GeoPackage with layers named after the layers, a
        ``.zip`` of such files, or ``{layer: path}`` (key ``"network"`` for a walk network).
    datum : str or mapping, optional
        Datum of the coordinates (``"WGS84"``, ``"CGCS2000"``, ``"GCJ-02"``, ``"BD-09"``,
        ``"EPSG:xxxx"``), one for all layers or ``{layer: datum}``. ``None`` trusts each file's CRS.
    layers : iterable of str, optional
        Optional layers to load besides communities and estates (default: every one found).
    rosters : mapping, optional
        ``{layer: [table files]}``: rosters (CSV/XLSX of counts) joined to a layer by id or by
        name (:mod:`geo.data.join`), besides those found in the folder
        (``<layer>_roster.xlsx``, ``小区名册.csv`` ...). Their reports are in ``Layers.joins``.
    network : str or Path, optional
        A walk network (GraphML or OSM XML) instead of ``walk.graphml`` beside the layers.

    Returns
    -------
    Layers
        Every layer in the metric CRS chosen from the communities layer by
        :func:`geo.data.crs.metric_crs_for` (UTM zone, or CGCS2000 Gauss-Kruger for CGCS2000 data);
        ``problems`` holds the warnings and ``aliases`` the column mappings applied.

    Raises
    ------
    ValidationError
        Every error found in every layer (with the warnings).

    Examples
    --------
    Not run as a doctest: the data folder depends on the working directory.

    >>> layers = load_layers("data/boundaries")          # doctest: +SKIP
    >>> layers.crs.to_epsg(), len(layers.estates)          # doctest: +SKIP
    (32651, 306)
    """
    wanted = set(LAYER_NAMES if layers is None else layers) | set(REQUIRED_LAYERS)
    unknown = wanted - set(LAYER_NAMES)
    if unknown:
        raise ValueError(f"`layers` must name layers among {LAYER_NAMES}, got {sorted(unknown)}")
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="gridplan-load-")))
        found, beside, problems = _discover(source, tmp)
        network = Path(network) if network is not None else beside
        if network is not None and not network.is_file():
            problems.append(
                Problem(
                    "network",
                    f"the walk network `{network}` does not exist.",
                    "give a .graphml or .osm file",
                    code="network_missing",
                    params={"file": str(network)},
                )
            )
            network = None
        joined: dict[str, list[Path]] = {}
        if not isinstance(source, Mapping):
            folder = _unwrap(tmp / "dataset") if (tmp / "dataset").is_dir() else Path(source)
            joined = _rosters_in(folder if folder.is_dir() else folder.parent)
        for name, paths in (rosters or {}).items():
            if name not in LAYER_NAMES:
                raise ValueError(f"`rosters` keys must be layers among {LAYER_NAMES}, got {name!r}")
            joined.setdefault(name, []).extend(Path(p) for p in paths)
        for name in REQUIRED_LAYERS:
            if name not in found:
                problems.append(
                    Problem(
                        name,
                        f"the required layer `{name}` was not found.",
                        f"add `{name}.geojson` (or .gpkg / .zip) or a GeoPackage "
                        f"layer named `{name}`",
                        code="layer_missing",
                        params={"layer": name},
                    )
                )
        prepared: dict[str, _Prepared] = {}
        for name in LAYER_NAMES:
            if name in found and name in wanted:
                comm = prepared.get("communities")
                prepared[name] = _read_prepared(
                    found[name],
                    name,
                    _datum_for(datum, name),
                    rosters=joined.get(name, ()),
                    communities=community_frame(comm.gdf)
                    if comm is not None and comm.gdf is not None
                    else None,
                )
        if network is not None and tmp in network.parents:
            network = _keep_network(network)
    for p in prepared.values():
        problems += p.problems
    frames, more = _reproject_and_link(prepared)
    problems += more
    _raise_on_errors(problems)
    return Layers(
        **frames,
        network_path=network,
        problems=tuple(problems),
        aliases={k: p.aliases for k, p in prepared.items() if p.aliases},
        joins=tuple(j for p in prepared.values() for j in p.joins),
    )


def _keep_network(network: Path) -> Path:
    """Copy a network found inside an extracted archive out of the temporary folder."""
    keep = Path(tempfile.mkdtemp(prefix="gridplan-network-")) / network.name
    shutil.copyfile(network, keep)
    return keep


def _read_prepared(
    src: _Source,
    name: str,
    datum: str | None,
    *,
    rosters: Sequence[Path] = (),
    communities: pd.DataFrame | None = None,
) -> _Prepared:
    try:
        raw = _read_file(src.path, name, src.gpkg_layer)
    except (UploadRejected, OSError, ValueError, RuntimeError) as exc:
        return _Prepared(None, problems=[_read_problem(name, src.path, exc)])
    return _prepare(raw, name, datum, rosters=rosters, communities=communities)


def _reproject_and_link(
    prepared: dict[str, _Prepared],
) -> tuple[dict[str, gpd.GeoDataFrame | None], list[Problem]]:
    """Reproject the georeferenced layers into the metric CRS; link estates and buildings."""
    problems: list[Problem] = []
    frames: dict[str, gpd.GeoDataFrame | None] = {n: None for n in LAYER_NAMES}
    base = next(
        (
            prepared[n]
            for n in REQUIRED_LAYERS
            if n in prepared and prepared[n].georeferenced and prepared[n].gdf is not None
        ),
        None,
    )
    if base is None:
        return frames, problems
    try:
        metric = metric_crs_for(base.gdf)
    except CRSError as exc:
        return frames, [
            Problem(
                "communities",
                str(exc),
                "give the layer features with geometry",
                code="no_metric_crs",
                params={"msg": str(exc)},
            )
        ]
    for name, p in prepared.items():
        if p.gdf is not None and p.georeferenced:
            frames[name] = p.gdf.to_crs(metric)
    comm, est, bld = frames["communities"], frames["estates"], frames["buildings"]
    if comm is not None:
        comm, more = resolve_community_overlaps(comm, est)
        frames["communities"] = comm
        problems += more
        for name in ("buildings", "facilities", "candidates"):
            if frames[name] is not None:
                problems += _far_from_communities(comm, frames[name], name)
    if comm is not None and est is not None and "community_id" in comm.columns:
        est, more = _link_estates(comm, est)
        problems += more + _datum_mismatch_hint(comm, est, more)
        est, more = point_estate_footprints(comm, est)
        problems += more + _straddling_estates(comm, est)
    if est is not None:
        est, more = _fill_residents(est)
        problems += more
        frames["estates"] = _ordered(est, "estates")
    if est is not None and bld is not None and "estate_id" in est.columns:
        bld, more = _link_buildings(est, bld)
        problems += more
        frames["buildings"] = _ordered(bld, "buildings")
    return frames, problems


def load_demo() -> Layers:
    """Load the bundled demo district (``data/boundaries``) into its metric CRS."""
    return load_layers(DEMO_DIR)


# --- report -------------------------------------------------------------------------------------


def validation_report(layers_or_error: Layers | ValidationError) -> str:
    """Plain-text report of a load: per layer, features and fields, then its problems.

    Usable by the CLI (``gridplan check``) and the app; errors first, then warnings.
    """
    if isinstance(layers_or_error, ValidationError):
        problems = list(layers_or_error.problems)
        errors = sum(p.severity == "error" for p in problems)
        lines = [f"FAILED: {errors} error(s), {len(problems) - errors} warning(s)."]
        counts: dict[str, str] = {}
    else:
        lay = layers_or_error
        problems = list(lay.problems)
        lines = [
            f"OK: layers loaded into {lay.crs.to_string()} ({lay.crs.name}); "
            f"{len(problems)} warning(s)."
        ]
        counts = {}
        for name in LAYER_NAMES:
            gdf = lay.layer(name)
            if gdf is not None:
                counts[name] = f"{len(gdf)} feature(s)" + _totals(gdf)
        if lay.network_path is not None:
            lines.append(f"walk network: {lay.network_path}")
        lines += [j.text() for j in lay.joins]
        for name, mapping in lay.aliases.items():
            counts[name] = (
                counts.get(name, "")
                + "; columns mapped: "
                + ", ".join(f"{src} -> {dst}" for src, dst in mapping.items())
            )
    order = [n for n in LAYER_NAMES if n in counts or any(p.layer == n for p in problems)]
    order += sorted({p.layer for p in problems} - set(order))
    for name in order:
        lines.append("")
        lines.append(f"[{name}] {counts.get(name, '')}".rstrip())
        mine = sorted((p for p in problems if p.layer == name), key=lambda p: p.severity != "error")
        for p in mine:
            where = ", ".join(
                x
                for x in (
                    f"feature {p.feature}" if p.feature else "",
                    f"field `{p.field}`" if p.field else "",
                )
                if x
            )
            lines.append(f"  {p.severity.upper()}: {where + ': ' if where else ''}{p.message}")
            lines.append(f"    fix: {p.fix}")
    return "\n".join(lines) + "\n"


def _totals(gdf: gpd.GeoDataFrame) -> str:
    parts = [
        f"{float(gdf[c].sum()):,.0f} {c}"
        for c in ("households", "party_members", "residents")
        if c in gdf.columns and pd.api.types.is_numeric_dtype(gdf[c])
    ]
    return f" ({', '.join(parts)})" if parts else ""


__all__ = [
    "DEMO_DIR",
    "check_upload",
    "load_demo",
    "load_layers",
    "point_estate_footprints",
    "read_layer",
    "resolve_community_overlaps",
    "safe_extract_zip",
    "upload_problem",
    "validation_report",
]
