"""Tables as planners keep them: CSV and Excel sheets read into a clean frame, and points.

A street office's tables are rarely tidy. :func:`read_table` reads a ``.csv`` (UTF-8 with or
without the BOM Excel writes, GBK/GB18030 from Excel on Chinese Windows, UTF-16 with a BOM) or
an ``.xlsx`` / ``.xlsm`` / ``.xls`` sheet (python-calamine, the fast reader; openpyxl as the
fallback for ``.xlsx``) and

- finds the header row even when title rows (``某某社区党员名册``, ``制表日期 ...``) sit above it;
- fills vertically merged cells (a 社区 cell merged over its estates' rows) into every row;
- drops a totals row (合计 / 总计 / 小计 / total) at the bottom, checking it against the sums;
- keeps each row's number in the file, so every later message can name the row to fix.

:func:`table_points` turns a table with longitude/latitude columns (经度/纬度, lng/lat, lon/lat,
x/y, or one 经纬度 column ``"120.35,31.49"``) into point features, detecting swapped columns
and a datum written in a header (``经度(GCJ-02)``).

Only the standard library, numpy and pandas are imported at module level (``allocation.tables``
decodes CSV text with :func:`decode_text` and must start without geopandas).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from geo.errors import Problem
from geo.settings import BD09, GCJ02

if TYPE_CHECKING:
    import geopandas as gpd

#: File types read as tables.
TABLE_EXTENSIONS = (".csv", ".xlsx", ".xlsm", ".xls")
#: Excel readers, fastest first.
ENGINES = ("calamine", "openpyxl")
#: Encodings tried in order after a UTF-16 BOM check (GB18030 is a superset of GBK).
_ENCODINGS = ("utf-8-sig", "gb18030")
#: Rows searched for the header (title rows above it are skipped and reported).
_HEADER_SEARCH_ROWS = 30
#: Words that mark a totals row (compared after NFKC, lower case, without spaces and colons).
_TOTAL_WORDS = (
    "合计",
    "总计",
    "小计",
    "总数",
    "共计",
    "合 计",
    "total",
    "totals",
    "sum",
    "grandtotal",
)
#: Header names of longitude and latitude columns (normalised: NFKC, lower case, no spaces,
#: ``_`` or ``-``, bracketed parts removed).
LON_NAMES = (
    "经度",
    "东经",
    "lon",
    "lng",
    "long",
    "longitude",
    "x",
    "坐标x",
    "x坐标",
    "gcjlng",
    "gcjlon",
    "bdlng",
    "bdlon",
    "wgslng",
    "wgslon",
)
LAT_NAMES = ("纬度", "北纬", "lat", "latitude", "y", "坐标y", "y坐标", "gcjlat", "bdlat", "wgslat")
#: One column holding ``"lon,lat"`` (as Amap's ``location`` field does).
LONLAT_NAMES = ("经纬度", "坐标", "location", "lnglat", "lonlat", "coordinates", "位置")
#: Words in a coordinate header that name its datum.
_DATUM_WORDS = (
    (("gcj", "火星", "高德", "腾讯", "amap"), GCJ02),
    (("bd09", "bd", "百度", "baidu"), BD09),
    (("wgs", "gps"), "WGS84"),
    (("cgcs", "2000"), "CGCS2000"),
)
#: China's extent in degrees, to tell swapped longitude/latitude apart.
_CHINA_LON = (73.0, 136.0)
_CHINA_LAT = (3.0, 54.0)


@dataclass(frozen=True)
class Table:
    """A table read from a file, header found, merged cells filled, totals row dropped.

    Attributes
    ----------
    frame : DataFrame
        One row per data row; column names as written in the header (stripped); cells
        ``None`` when empty, numbers as ``float`` or ``int``, text stripped.
    rows : tuple of int
        The 1-based row (line) number in the file of each frame row, for messages.
    source : str
        The file name (no folder).
    header_row : int
        The 1-based row number of the header.
    sheet : str or None
        The sheet read (Excel only).
    engine : str
        ``"csv"``, ``"calamine"`` or ``"openpyxl"``.
    problems : tuple of Problem
        What was skipped or repaired (title rows, totals row, merged cells), as warnings, and
        what cannot be read (duplicate headers), as errors.
    totals : dict
        The totals row's values per numeric column, when the table had one.
    """

    frame: pd.DataFrame
    rows: tuple[int, ...]
    source: str
    header_row: int
    sheet: str | None = None
    engine: str = "csv"
    problems: tuple[Problem, ...] = ()
    totals: dict[str, float] = field(default_factory=dict)

    def label(self, i: int) -> str:
        """``row 7`` for the frame's ``i``-th row (0-based), as the planner sees it in the file."""
        return f"row {self.rows[i]}"


# --- text ---------------------------------------------------------------------------------------


def decode_text(raw: bytes) -> str | None:
    """Decode a text table: UTF-16 with a BOM, UTF-8 (BOM or not), else GBK/GB18030.

    Returns ``None`` when no encoding fits.

    Examples
    --------
    >>> decode_text("小区,户数".encode("gbk"))
    '小区,户数'
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            return None
    for encoding in _ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def norm_header(name: object) -> str:
    """A header as compared: NFKC (full-width to half-width), lower case, bracketed parts,
    spaces, ``_``, ``-`` and ``:`` removed.

    Examples
    --------
    >>> norm_header(" 经度（GCJ-02） "), norm_header("LNG_")
    ('经度', 'lng')
    """
    text = unicodedata.normalize("NFKC", str(name)).lower()
    text = re.sub(r"\(.*?\)|\[.*?\]|【.*?】", "", text)
    return re.sub(r"[\s_\-:：]+", "", text)


# --- reading the cells --------------------------------------------------------------------------


class TableError(ValueError):
    """A table file that cannot be read at all (the message names the file and the fix)."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.fix = fix


def _cell(value: Any) -> Any:
    """One cell as the frame keeps it: ``None`` when empty, text stripped, numbers as is."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        return text or None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _csv_grid(path: Path) -> list[list[Any]]:
    raw = path.read_bytes()
    if raw.startswith(b"PK\x03\x04"):
        raise TableError(
            f"`{path.name}` is an Excel workbook saved under a .csv name.",
            "rename it to .xlsx, or in Excel: File > Save As > CSV UTF-8",
        )
    text = decode_text(raw)
    if text is None or "\x00" in text:
        raise TableError(
            f"`{path.name}` is neither UTF-8 nor GBK/GB18030 text.",
            "in Excel: File > Save As > CSV UTF-8 (comma delimited) (*.csv)",
        )
    sample = text[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    try:
        return [
            [_cell(c) for c in row]
            for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        ]
    except csv.Error as exc:
        raise TableError(
            f"`{path.name}` is not valid CSV ({exc}).",
            "check the quotes, or save it again from Excel as CSV UTF-8",
        ) from exc


def _fill_merged(
    grid: list[list[Any]], ranges: Sequence[tuple[tuple[int, int], tuple[int, int]]]
) -> int:
    """Copy the value of every vertically merged range into all its cells; return how many
    ranges were filled. Ranges on one row only (a title over the columns) are left as they are."""
    filled = 0
    for (r0, c0), (r1, c1) in ranges:
        if r1 <= r0 or r0 >= len(grid):
            continue
        value = grid[r0][c0] if c0 < len(grid[r0]) else None
        for r in range(r0, min(r1, len(grid) - 1) + 1):
            row = grid[r]
            for c in range(c0, c1 + 1):
                if c < len(row) and row[c] is None:
                    row[c] = value
        filled += 1
    return filled


def _sheet_choice(names: list[str], sheet: str | int | None, path: Path) -> str:
    if sheet is None:
        return names[0]
    if isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            raise TableError(
                f"`{path.name}` has {len(names)} sheet(s), no sheet {sheet}.",
                f"name one of the sheets {names}",
            )
        return names[sheet]
    if sheet not in names:
        raise TableError(
            f"`{path.name}` has no sheet `{sheet}` (sheets: {names}).",
            f"name one of the sheets {names}",
        )
    return sheet


def _calamine_grid(path: Path, sheet: str | int | None) -> tuple[list[list[Any]], int, str]:
    import python_calamine

    wb = python_calamine.CalamineWorkbook.from_path(str(path))
    try:
        name = _sheet_choice(list(wb.sheet_names), sheet, path)
        ws = wb.get_sheet_by_name(name)
        grid = [[_cell(v) for v in row] for row in ws.to_python(skip_empty_area=False)]
        merged = _fill_merged(grid, ws.merged_cell_ranges or [])
    finally:
        wb.close()
    return grid, merged, name


def _openpyxl_grid(path: Path, sheet: str | int | None) -> tuple[list[list[Any]], int, str]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=False, data_only=True)
    try:
        name = _sheet_choice(list(wb.sheetnames), sheet, path)
        ws = wb[name]
        grid = [[_cell(v) for v in row] for row in ws.iter_rows(values_only=True)]
        ranges = [
            ((r.min_row - 1, r.min_col - 1), (r.max_row - 1, r.max_col - 1))
            for r in ws.merged_cells.ranges
        ]
        merged = _fill_merged(grid, ranges)
    finally:
        wb.close()
    return grid, merged, name


def read_grid(
    path: str | Path, *, sheet: str | int | None = None, engine: str | None = None
) -> tuple[list[list[Any]], int, str | None, str]:
    """The cells of a CSV file or an Excel sheet, vertically merged cells filled.

    Parameters
    ----------
    path : str or Path
        ``.csv``, ``.xlsx``, ``.xlsm`` or ``.xls``.
    sheet : str or int, optional
        The sheet (name or 0-based position); the first sheet by default.
    engine : {"calamine", "openpyxl"}, optional
        The Excel reader; calamine by default, openpyxl when calamine cannot read the file.

    Returns
    -------
    (rows, merged, sheet, engine)
        Rows of cells (``None`` when empty), the number of merged ranges filled, the sheet
        name and the engine used.

    Raises
    ------
    TableError
        The file cannot be read; the message names it and the fix.
    """
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in TABLE_EXTENSIONS:
        raise TableError(
            f"`{path.name}`: unknown table type {ext or '(none)'}.",
            f"save the table as {' or '.join(TABLE_EXTENSIONS)}",
        )
    if path.stat().st_size == 0:
        raise TableError(f"`{path.name}` is empty (0 bytes).", "export the table again")
    if ext == ".csv":
        return _csv_grid(path), 0, None, "csv"
    if engine not in (None, *ENGINES):
        raise ValueError(f"`engine` must be one of {ENGINES}, got {engine!r}")
    if engine != "openpyxl":
        try:
            grid, merged, name = _calamine_grid(path, sheet)
            return grid, merged, name, "calamine"
        except TableError:
            raise
        except Exception as exc:  # calamine's own error types; openpyxl may still read it
            if engine == "calamine" or ext == ".xls":
                raise TableError(
                    f"`{path.name}` is not a readable Excel workbook ({exc}).",
                    "open it in Excel and save it again as .xlsx",
                ) from exc
    try:
        grid, merged, name = _openpyxl_grid(path, sheet)
    except TableError:
        raise
    except Exception as exc:  # openpyxl raises many types for broken workbooks
        raise TableError(
            f"`{path.name}` is not a readable Excel workbook ({exc}).",
            "open it in Excel and save it again as .xlsx",
        ) from exc
    return grid, merged, name, "openpyxl"


# --- header, body, totals -----------------------------------------------------------------------


def _known_headers() -> set[str]:
    from geo.data._validate import ALIASES, LAYER_ALIASES

    names = {n for group in ALIASES.values() for n in group}
    names |= {n for per in LAYER_ALIASES.values() for group in per.values() for n in group}
    names |= set(LON_NAMES) | set(LAT_NAMES) | set(LONLAT_NAMES)
    names |= {"地址", "address", "楼栋名称", "楼号", "名称"}
    return {norm_header(n) for n in names}


def _is_text(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        float(value.replace(",", ""))
    except ValueError:
        return True
    return False


def find_header(grid: Sequence[Sequence[Any]]) -> int:
    """0-based index of the header row.

    The first row naming at least two known columns (户数, 小区名称, 经度 ...); else the first
    row of at least two text cells, no numbers, at least half as wide as the widest row.
    """
    top = list(grid[:_HEADER_SEARCH_ROWS])
    known = _known_headers()
    for i, row in enumerate(top):
        if sum(isinstance(c, str) and norm_header(c) in known for c in row) >= 2:
            return i
    widest = max((sum(c is not None for c in row) for row in grid[:200]), default=0)
    for i, row in enumerate(top):
        cells = [c for c in row if c is not None]
        if len(cells) >= max(2, widest / 2) and all(_is_text(c) for c in cells):
            return i
    return 0


def _is_total_row(row: Sequence[Any]) -> bool:
    words = [norm_header(c) for c in row if isinstance(c, str)][:3]
    return any(w in {norm_header(t) for t in _TOTAL_WORDS} for w in words)


def _header_names(header: Sequence[Any], width: int) -> list[str]:
    names = []
    for j in range(width):
        value = header[j] if j < len(header) else None
        names.append(str(value).strip() if value is not None else f"column_{j + 1}")
    return names


#: A number as written in a table cell: ``120``, ``-3.5``, ``1,200`` (no exponent, no leading
#: zero, so codes such as ``001`` or ``320211006001E001`` stay text).
_NUMBER_RE = re.compile(r"^[+-]?(?:0|[1-9]\d*|[1-9]\d{0,2}(?:[,，]\d{3})+)(?:\.\d+)?$")


def cell_number(value: Any) -> float | None:
    """A cell as a number, or ``None`` (empty, text, or a code such as ``001``).

    Examples
    --------
    >>> cell_number("1,200"), cell_number("001"), cell_number("320211006001E001"), cell_number(5)
    (1200.0, None, None, 5.0)
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return None if np.isnan(float(value)) else float(value)
    text = str(value).strip()
    if not _NUMBER_RE.match(text):
        return None
    return float(text.replace(",", "").replace("，", ""))


def _numeric_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns whose every present cell is a number (see :func:`cell_number`) become numbers."""
    out = frame.copy()
    for col in frame.columns:
        values = [v for v in frame[col] if v is not None]
        if not values or not any(isinstance(v, str) for v in values):
            continue
        parsed = [cell_number(v) for v in values]
        if all(p is not None for p in parsed):
            out[col] = [None if v is None else _cell(cell_number(v)) for v in frame[col]]
    return out


def table_from_grid(
    grid: list[list[Any]],
    source: str,
    *,
    sheet: str | None = None,
    engine: str = "csv",
    merged: int = 0,
) -> Table:
    """Header, body and totals of a grid of cells (see :func:`read_grid`); pure.

    Title rows above the header and blank rows are skipped; a totals row at the bottom is
    dropped and checked against the column sums; every skip is a warning naming the rows.
    """
    problems: list[Problem] = []
    if not any(c is not None for row in grid for c in row):
        return Table(
            pd.DataFrame(),
            (),
            source,
            1,
            sheet,
            engine,
            (
                Problem(
                    source,
                    f"`{source}` holds no cells.",
                    "export the table with its rows",
                    code="table_empty",
                    params={"source": source},
                ),
            ),
        )
    h = find_header(grid)
    header = grid[h]
    width = max(len(r) for r in grid)
    while (
        width > 0
        and (width > len(header) or header[width - 1] is None)
        and not any(len(r) >= width and r[width - 1] is not None for r in grid[h + 1 :])
    ):
        width -= 1
    names = _header_names(header, width)
    title = [i + 1 for i in range(h) if any(c is not None for c in grid[i])]
    if title:
        problems.append(
            Problem(
                source,
                f"title row(s) {', '.join(map(str, title))} above the "
                f"header (row {h + 1}) were skipped.",
                "none needed",
                severity="warning",
                code="title_rows_skipped",
                params={"rows": ", ".join(map(str, title)), "header": h + 1},
            )
        )
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        problems.append(
            Problem(
                source,
                f"the header (row {h + 1}) names column(s) "
                f"{', '.join(f'`{d}`' for d in dup)} more than once.",
                "give every column its own name",
                feature=f"row {h + 1}",
                code="header_duplicates",
                params={"header": h + 1, "columns": ", ".join(f"`{d}`" for d in dup)},
            )
        )
        names = [f"{n}_{j + 1}" if n in dup else n for j, n in enumerate(names)]
    body = [
        (i + 1, [*r[:width], *([None] * (width - len(r)))])
        for i, r in enumerate(grid)
        if i > h and any(c is not None for c in r[:width])
    ]
    total_rows = []
    while body and _is_total_row(body[-1][1]):
        total_rows.append(body.pop())
    frame = pd.DataFrame([r for _, r in body], columns=names, dtype=object)
    if len(frame.columns):
        frame = _numeric_columns(frame)
    totals: dict[str, float] = {}
    if total_rows:
        line, cells = total_rows[-1]
        problems.append(
            Problem(
                source,
                f"the totals row(s) {', '.join(str(n) for n, _ in total_rows)} "
                "at the bottom were not read as data.",
                "none needed",
                feature=f"row {line}",
                severity="warning",
                code="totals_rows_skipped",
                params={"rows": ", ".join(str(n) for n, _ in total_rows)},
            )
        )
        problems += _check_totals(frame, names, cells, source, line, totals)
    if merged:
        problems.append(
            Problem(
                source,
                f"{merged} merged cell range(s) were filled into every row they span.",
                "none needed",
                severity="warning",
                code="merged_cells",
                params={"n": merged},
            )
        )
    return Table(
        frame, tuple(n for n, _ in body), source, h + 1, sheet, engine, tuple(problems), totals
    )


def _check_totals(
    frame: pd.DataFrame,
    names: list[str],
    cells: list[Any],
    source: str,
    line: int,
    totals: dict[str, float],
) -> list[Problem]:
    """Compare the totals row with the sums of the numeric columns (a warning per mismatch)."""
    off, pairs = [], []
    for name, value in zip(names, cells, strict=False):
        value = cell_number(value)
        if value is None:
            continue
        col = (
            pd.Series([cell_number(x) for x in frame[name]], dtype=float) if name in frame else None
        )
        if col is None or col.notna().sum() == 0:
            continue
        totals[name] = float(value)
        total = float(col.sum())
        if abs(total - float(value)) > 0.5:
            off.append(f"`{name}` {float(value):,.0f} vs rows {total:,.0f}")
            pairs.append(f"`{name}` {float(value):,.0f} ≠ {total:,.0f}")
    if not off:
        return []
    return [
        Problem(
            source,
            f"the totals row says {'; '.join(off)}; the rows are used.",
            "check the rows or the totals row",
            feature=f"row {line}",
            severity="warning",
            code="totals_differ",
            params={"detail": "; ".join(pairs)},
        )
    ]


def read_table(
    path: str | Path, *, sheet: str | int | None = None, engine: str | None = None
) -> Table:
    """Read a CSV file or an Excel sheet as a planner made it (see the module docstring).

    Raises
    ------
    TableError
        The file cannot be read at all.
    """
    path = Path(path)
    grid, merged, name, used = read_grid(path, sheet=sheet, engine=engine)
    return table_from_grid(grid, path.name, sheet=name, engine=used, merged=merged)


# --- points -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Coordinates:
    """Which columns hold the coordinates: ``lon`` and ``lat``, or one ``lonlat`` column."""

    lon: str | None
    lat: str | None
    lonlat: str | None = None
    datum: str | None = None


def _datum_hint(header: str) -> str | None:
    text = unicodedata.normalize("NFKC", header).lower().replace("-", "").replace("_", "")
    for words, datum in _DATUM_WORDS:
        if any(w in text for w in words):
            return datum
    return None


def coordinate_columns(columns: Sequence[object]) -> Coordinates | None:
    """Find the longitude/latitude columns of a table by their header, or ``None``.

    Examples
    --------
    >>> coordinate_columns(["小区名称", "经度(GCJ-02)", "纬度(GCJ-02)"])
    Coordinates(lon='经度(GCJ-02)', lat='纬度(GCJ-02)', lonlat=None, datum='GCJ-02')
    """
    names = [str(c) for c in columns]
    lon = next((c for c in names if norm_header(c) in LON_NAMES), None)
    lat = next((c for c in names if norm_header(c) in LAT_NAMES), None)
    if lon is None:  # "高德经度", "经度坐标"
        lon = next((c for c in names if "经度" in c), None)
    if lat is None:
        lat = next((c for c in names if "纬度" in c), None)
    if lon is not None and lat is not None:
        return Coordinates(lon, lat, None, _datum_hint(lon) or _datum_hint(lat))
    both = next((c for c in names if norm_header(c) in LONLAT_NAMES), None)
    if both is not None:
        return Coordinates(None, None, both, _datum_hint(both))
    return None


def _split_lonlat(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = [], []
    for v in values:
        parts = re.split(r"[,，;\s]+", str(v).strip()) if v is not None else []
        try:
            x, y = float(parts[0]), float(parts[1])
        except (IndexError, ValueError):
            x = y = np.nan
        lon.append(x)
        lat.append(y)
    return np.array(lon), np.array(lat)


def _numbers(values: pd.Series) -> np.ndarray:
    cleaned = [str(v).replace("，", ",").strip() if v is not None else None for v in values]
    return pd.to_numeric(pd.Series(cleaned, dtype=object), errors="coerce").to_numpy(dtype=float)


def _in(values: np.ndarray, bounds: tuple[float, float]) -> np.ndarray:
    return (values >= bounds[0]) & (values <= bounds[1])


def table_points(table: Table, layer: str) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Point features from a table's longitude/latitude columns.

    Rows whose longitude and latitude are swapped (a latitude in the longitude column, as
    happens when columns are pasted in the wrong order) are swapped back and reported by row
    number; rows without coordinates are errors naming the rows. Coordinates in degrees get
    WGS84 as their CRS (the declared datum, or one written in the header, applies later);
    larger values are taken as projected metres and need a declared datum.

    Returns
    -------
    (GeoDataFrame, list of Problem)
        The table's other columns and a point geometry, in file row order; the CRS is WGS84
        for degrees and ``None`` for metres. ``attrs["gridplan_datum_hint"]`` holds a datum
        named in the header, if any.
    """
    import geopandas as gpd

    coords = coordinate_columns(list(table.frame.columns))
    if coords is None:
        raise TableError(
            f"`{table.source}` has no longitude/latitude columns (columns: "
            f"{', '.join(map(str, table.frame.columns))}).",
            f"add 经度 and 纬度 columns to the {layer} table, or join the table to "
            "a layer with geometry as a roster",
        )
    frame = table.frame
    if coords.lonlat is not None:
        lon, lat = _split_lonlat(frame[coords.lonlat])
        rest = frame.drop(columns=[coords.lonlat])
    else:
        lon, lat = _numbers(frame[coords.lon]), _numbers(frame[coords.lat])
        rest = frame.drop(columns=[coords.lon, coords.lat])
    problems: list[Problem] = []
    labels = [table.label(i) for i in range(len(frame))]
    missing = np.isnan(lon) | np.isnan(lat)
    if missing.any():
        rows = [labels[i] for i in np.flatnonzero(missing)]
        problems.append(
            Problem(
                layer,
                f"{len(rows)} row(s) of `{table.source}` have no readable longitude/latitude.",
                "fill in both coordinates as numbers",
                feature=_list(rows),
                code="no_coordinates",
                params={"n": len(rows), "source": table.source},
            )
        )
    degrees = bool(np.nanmax(np.abs(np.concatenate([lon, lat])), initial=0) <= 360)
    if degrees:
        swapped = (
            ~missing
            & _in(lon, _CHINA_LAT)
            & _in(lat, _CHINA_LON)
            & ~(_in(lon, _CHINA_LON) & _in(lat, _CHINA_LAT))
        )
        if swapped.any():
            lon, lat = np.where(swapped, lat, lon), np.where(swapped, lon, lat)
            rows = [labels[i] for i in np.flatnonzero(swapped)]
            which = "every row" if swapped.sum() == (~missing).sum() else f"{len(rows)} row(s)"
            problems.append(
                Problem(
                    layer,
                    f"longitude and latitude are swapped in {which} of `{table.source}` (a "
                    "latitude stood in the longitude column); they were swapped back.",
                    f"put longitude in `{coords.lon or coords.lonlat}` and latitude in "
                    f"`{coords.lat or coords.lonlat}`",
                    feature=_list(rows),
                    severity="warning",
                    code="lonlat_swapped_back",
                    params={
                        "n": len(rows),
                        "all": bool(swapped.sum() == (~missing).sum()),
                        "source": table.source,
                        "lon": str(coords.lon or coords.lonlat),
                        "lat": str(coords.lat or coords.lonlat),
                    },
                )
            )
    geoms = gpd.points_from_xy(np.where(missing, 0.0, lon), np.where(missing, 0.0, lat))
    geoms[missing] = None
    gdf = gpd.GeoDataFrame(
        rest.reset_index(drop=True), geometry=geoms, crs="EPSG:4326" if degrees else None
    )
    if coords.datum is not None:
        gdf.attrs["gridplan_datum_hint"] = coords.datum
    return gdf, problems


def _list(labels: Sequence[str], limit: int = 10) -> str:
    shown = ", ".join(labels[:limit])
    return shown + (f" and {len(labels) - limit} more" if len(labels) > limit else "")


__all__ = [
    "ENGINES",
    "TABLE_EXTENSIONS",
    "Coordinates",
    "Table",
    "TableError",
    "cell_number",
    "coordinate_columns",
    "decode_text",
    "find_header",
    "norm_header",
    "read_grid",
    "read_table",
    "table_from_grid",
    "table_points",
]
