"""Reading the tables a planner hands to gridplan: cost matrices, grid tables, id lists.

Every reader checks the whole file and raises one :class:`~geo.errors.ValidationError`
listing every problem (file, line/column or grid, field, fix), so a spreadsheet is corrected
in one pass. Headers are read with :mod:`csv`, never by pandas, whose parser renames a
repeated header ``c1`` to ``c1.1`` and so invents ids. Text is UTF-8 (with or without the BOM
Excel writes) or GBK/GB18030 (Excel "CSV" on Chinese Windows); UTF-16 with a BOM is accepted.

Only the standard library, numpy and pandas are imported here: ``gridplan site
--cost-matrix`` must start without geopandas, shapely or osmnx.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from geo.data.tables import decode_text as _decode
from geo.errors import Problem, ValidationError
from geo.settings import MAX_TABLE_BYTES, TABLE_PROBLEM_EXAMPLES

if TYPE_CHECKING:  # pandas itself is imported where a table is built (lazy for the CLI)
    import pandas as pd

#: Leading bytes of files that are not text tables, and what they are.
_BINARY_MAGIC = (
    (b"PK\x03\x04", "an Excel workbook (.xlsx) or a zip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Excel workbook (.xls)"),
)
_SAVE_AS_CSV = "in Excel: File > Save As > CSV UTF-8 (comma delimited) (*.csv)"


class Row(NamedTuple):
    """One non-blank line of a table: its line number in the file and its stripped cells."""

    line: int
    cells: list[str]


class CostMatrix(NamedTuple):
    """A dense demand x candidate distance matrix read from CSV.

    Attributes
    ----------
    demand_ids : list of str
        Row ids (first column), unique.
    site_ids : list of str
        Candidate ids (header row), unique.
    matrix : ndarray of float, shape (len(demand_ids), len(site_ids))
        Distances in metres, ``>= 0``; ``inf`` where unreachable (an empty cell or ``inf``).
    """

    demand_ids: list[str]
    site_ids: list[str]
    matrix: np.ndarray


# --------------------------------------------------------------------------- text and rows


def _refuse(
    path: Path, message: str, fix: str, *, code: str, params: dict[str, Any], **where: Any
) -> ValidationError:
    """One problem with the file ``path`` (``code`` and ``params`` say it in another language)."""
    return ValidationError(
        [Problem(path.name, message, fix, **where, code=code, params=params)],
        title=f"cannot read {path}",
    )


def read_text(path: Path, *, what: str = "table") -> str:
    """Read a text table, accepting UTF-8 (BOM or not), GBK/GB18030 and UTF-16 with a BOM.

    Raises
    ------
    ValidationError
        If the file is missing, larger than ``MAX_TABLE_BYTES``, a binary file (an Excel
        workbook saved under a ``.csv`` name) or in no known encoding.
    """
    path = Path(path)
    if not path.is_file():
        raise _refuse(
            path,
            f"{what} file not found: {path}",
            "check the path.",
            code="t_not_found",
            params={"what": what, "path": str(path)},
        )
    size = path.stat().st_size
    if size > MAX_TABLE_BYTES:
        raise _refuse(
            path,
            f"the file has {size:,} bytes, more than the {MAX_TABLE_BYTES:,} a {what} may have.",
            "split the table or remove unused rows and columns.",
            code="t_too_big",
            params={"size": f"{size:,}", "limit": f"{MAX_TABLE_BYTES:,}", "what": what},
        )
    raw = path.read_bytes()
    for magic, kind in _BINARY_MAGIC:
        if raw.startswith(magic):
            raise _refuse(
                path,
                f"the file is {kind}, not a CSV text table.",
                _SAVE_AS_CSV + ".",
                code="t_binary",
                params={"kind": kind},
            )
    text = _decode(raw)
    if text is None:
        raise _refuse(
            path,
            "the file is neither UTF-8 nor GBK/GB18030 text.",
            _SAVE_AS_CSV + ".",
            code="t_not_text",
            params={},
        )
    if "\x00" in text:
        raise _refuse(
            path,
            "the file holds NUL bytes: it is not a text table.",
            _SAVE_AS_CSV + ".",
            code="t_nul",
            params={},
        )
    return text


def read_rows(path: Path, *, what: str = "table") -> list[Row]:
    """The non-blank rows of a comma-separated file, cells stripped of spaces.

    A row whose cells are all empty (``,,,`` as Excel writes below a table) is skipped.
    """
    path = Path(path)
    text = read_text(path, what=what)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[Row] = []
    try:
        for cells in reader:
            stripped = [c.strip() for c in cells]
            if any(stripped):
                rows.append(Row(reader.line_num, stripped))
    except csv.Error as exc:
        raise _refuse(
            path,
            f"line {reader.line_num} is not valid CSV ({exc}).",
            "check the quotes on that line, or " + _SAVE_AS_CSV + ".",
            code="t_bad_csv",
            params={"line": reader.line_num, "msg": str(exc)},
        ) from None
    if rows and len(rows[0].cells) == 1 and ("\t" in rows[0].cells[0] or ";" in rows[0].cells[0]):
        sep = "tab" if "\t" in rows[0].cells[0] else "semicolon"
        raise _refuse(
            path,
            f"the header is one cell holding {sep}s: the table is not comma-separated.",
            _SAVE_AS_CSV + ".",
            feature="line 1",
            code="t_one_cell",
            params={"sep": sep},
        )
    return rows


def _examples(items: Sequence[str]) -> str:
    shown = ", ".join(items[:TABLE_PROBLEM_EXAMPLES])
    more = len(items) - TABLE_PROBLEM_EXAMPLES
    return shown + (f" and {more} more" if more > 0 else "")


def _some(shown: Sequence[str], total: int) -> str:
    """The first examples of ``total`` items, with how many more there are."""
    more = total - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _duplicates(values: Sequence[str], positions: Sequence[int]) -> dict[str, list[int]]:
    """Each value seen more than once (empty values ignored) -> its positions."""
    seen: dict[str, list[int]] = {}
    for value, pos in zip(values, positions, strict=True):
        if value:
            seen.setdefault(value, []).append(pos)
    return {v: p for v, p in seen.items() if len(p) > 1}


def _join(numbers: Iterable[int]) -> str:
    items = [str(n) for n in numbers]
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def _header_problems(
    path: Path, header: Row, ids: list[str], *, noun: str, first_col: int
) -> list[Problem]:
    """Empty and repeated ``noun`` s (``"candidate id"``) of a header row, columns numbered
    from 1 as in a spreadsheet."""
    out = []
    cols = list(range(first_col, first_col + len(ids)))
    empty = [str(c) for c, v in zip(cols, ids, strict=True) if not v]
    if empty:
        out.append(
            Problem(
                path.name,
                f"{len(empty)} column(s) have no {noun} in the header: column {_examples(empty)}.",
                f"write a {noun} above every column, or delete the empty columns.",
                feature=f"line {header.line}",
                code="t_header_empty",
                params={"n": len(empty), "noun": noun, "examples": _examples(empty)},
            )
        )
    dups = _duplicates(ids, cols)
    if dups:
        listed = [f"{v!r} in columns {_join(c)}" for v, c in dups.items()]
        out.append(
            Problem(
                path.name,
                f"{len(dups)} {noun}(s) are repeated in the header: {_examples(listed)}.",
                f"give every column its own {noun}, or delete the repeated columns.",
                feature=f"line {header.line}",
                code="t_header_repeated",
                params={"n": len(dups), "noun": noun, "examples": _examples(listed)},
            )
        )
    return out


# --------------------------------------------------------------------------- cost matrix


def read_cost_matrix(path: str | Path) -> CostMatrix:
    """Read a dense demand x candidate distance matrix (metres) from CSV.

    The first row is a corner cell (anything, usually empty) then candidate ids; every further
    row is a demand id then one distance per candidate. An empty cell or ``inf`` means
    unreachable. Blank rows and blank cells past the header's width are ignored.

    Parameters
    ----------
    path : str or Path
        The CSV file (comma-separated; UTF-8, GBK or UTF-16 with BOM).

    Returns
    -------
    CostMatrix
        ``(demand_ids, site_ids, matrix)``.

    Raises
    ------
    ValidationError
        Every problem at once: an empty file or header only, empty or repeated ids (with
        their line or column numbers), rows with extra or missing cells, cells that are not
        numbers, negative or NaN distances.

    Examples
    --------
    Not run as a doctest: it reads a file the caller supplies.

    >>> demand, sites, m = read_cost_matrix("cost.csv")  # doctest: +SKIP
    """
    path = Path(path)
    rows = read_rows(path, what="cost matrix")
    shape_fix = (
        "first row: an empty cell then candidate ids; each further row: a demand id then "
        "one distance in metres per candidate."
    )
    if not rows:
        raise _refuse(
            path,
            "the file is empty: no header, no rows.",
            shape_fix,
            code="t_matrix_empty",
            params={},
        )
    header, body = rows[0], rows[1:]
    width = _trimmed_width(header.cells)
    site_ids = header.cells[1:width]
    problems = _header_problems(path, header, site_ids, noun="candidate id", first_col=2)
    if not site_ids:
        problems.append(
            Problem(
                path.name,
                "the header names no candidate.",
                shape_fix,
                feature="line 1",
                code="t_no_candidates",
            )
        )
    if not body:
        problems.append(
            Problem(
                path.name,
                "the file has a header but no demand rows.",
                shape_fix,
                code="t_no_demand_rows",
            )
        )
    if problems and (not site_ids or not body):
        raise ValidationError(problems, title=f"cannot read {path}")
    good, ragged = _fit_rows(body, width)
    problems += _ragged_problems(path, ragged, width)
    problems += _demand_id_problems(path, body)
    matrix, cell_problems = _parse_cells(path, good, site_ids)
    problems += cell_problems
    if problems:
        raise ValidationError(problems, title=f"cannot read {path}")
    return CostMatrix([r.cells[0] for r in good], site_ids, matrix)


def _trimmed_width(header: list[str]) -> int:
    """Header width without trailing empty cells (a spreadsheet's untouched columns)."""
    width = len(header)
    while width > 1 and not header[width - 1]:
        width -= 1
    return width


def _fit_rows(body: list[Row], width: int) -> tuple[list[Row], list[Row]]:
    """Rows cut to ``width`` (blank surplus cells dropped), and rows that do not fit."""
    good: list[Row] = []
    ragged: list[Row] = []
    for row in body:
        cells = row.cells
        if len(cells) > width and not any(cells[width:]):
            cells = cells[:width]
        (good if len(cells) == width else ragged).append(Row(row.line, cells))
    return good, ragged


def _ragged_problems(path: Path, ragged: list[Row], width: int) -> list[Problem]:
    long = [f"line {r.line} ({len(r.cells)} cells)" for r in ragged if len(r.cells) > width]
    short = [f"line {r.line} ({len(r.cells)} cells)" for r in ragged if len(r.cells) < width]
    out = []
    if long:
        out.append(
            Problem(
                path.name,
                f"{len(long)} row(s) have more cells than the header's {width}: {_examples(long)}.",
                "delete the extra cells, or add the missing candidate id to the header.",
                code="t_rows_long",
                params={"n": len(long), "width": width, "examples": _examples(long)},
            )
        )
    if short:
        out.append(
            Problem(
                path.name,
                f"{len(short)} row(s) have fewer cells than the header's {width}: "
                f"{_examples(short)}.",
                "give one distance per candidate; leave a cell empty (with its comma) "
                "where a candidate is unreachable.",
                code="t_rows_short",
                params={"n": len(short), "width": width, "examples": _examples(short)},
            )
        )
    return out


def _demand_id_problems(path: Path, body: list[Row]) -> list[Problem]:
    ids = [r.cells[0] for r in body]
    lines = [r.line for r in body]
    out = []
    empty = [str(n) for n, v in zip(lines, ids, strict=True) if not v]
    if empty:
        out.append(
            Problem(
                path.name,
                f"{len(empty)} row(s) have no demand id: line {_examples(empty)}.",
                "write the demand id in the first cell of every row.",
                code="t_no_demand_id",
                params={"n": len(empty), "examples": _examples(empty)},
            )
        )
    dups = _duplicates(ids, lines)
    if dups:
        listed = [f"{v!r} on lines {_join(n)}" for v, n in dups.items()]
        out.append(
            Problem(
                path.name,
                f"{len(dups)} demand id(s) are repeated: {_examples(listed)}.",
                "give every demand point one row, or merge the repeated rows.",
                code="t_demand_repeated",
                params={"n": len(dups), "examples": _examples(listed)},
            )
        )
    return out


def _parse_cells(
    path: Path, rows: list[Row], site_ids: list[str]
) -> tuple[np.ndarray, list[Problem]]:
    """Distances of well-shaped rows; problems for text, NaN and negative cells."""
    n_cols = len(site_ids)
    if not rows:
        return np.zeros((0, n_cols)), []
    cells = [["inf" if c == "" else c for c in r.cells[1:]] for r in rows]
    try:
        matrix = np.array(cells, dtype=np.float64).reshape(len(rows), n_cols)
    except ValueError:  # some cell is not a number: find them all, slowly
        matrix = np.array([[_to_float(c) for c in row] for row in cells]).reshape(len(rows), n_cols)
    nan = np.zeros(matrix.shape, dtype=bool)  # cells written as NaN; other NaN cells are text
    for i, j in np.argwhere(np.isnan(matrix)):
        nan[i, j] = cells[i][j].lower() in ("nan", "+nan", "-nan")
    text = np.isnan(matrix) & ~nan
    negative = matrix < 0

    def where(mask: np.ndarray) -> list[str]:
        return [
            f"line {rows[i].line} column {j + 2} ({rows[i].cells[0]!r}, {site_ids[j]!r}): "
            f"{rows[i].cells[j + 1]!r}"
            for i, j in np.argwhere(mask)[:TABLE_PROBLEM_EXAMPLES]
        ]

    out = []
    for mask, what, fix in (
        (
            text,
            "are not numbers",
            "write distances in metres as plain numbers (no units); "
            "leave a cell empty or write inf when unreachable.",
        ),
        (nan, "are NaN", "write the distance, or leave the cell empty (unreachable)."),
        (negative, "are negative", "distances are metres >= 0; correct the sign."),
    ):
        count = int(mask.sum())
        if count:
            out.append(
                Problem(
                    path.name,
                    f"{count} cell(s) {what}: {_some(where(mask), count)}.",
                    fix,
                    code="t_cells_text"
                    if mask is text
                    else "t_cells_nan"
                    if mask is nan
                    else "t_cells_negative",
                    params={"n": count, "examples": _some(where(mask), count)},
                )
            )
    return matrix, out


def _to_float(cell: str) -> float:
    try:
        return float(cell)
    except ValueError:
        return math.nan


# --------------------------------------------------------------------------- keyed tables


def read_keyed_numbers(
    path: str | Path, ids: Sequence[str], *, what: str, option: str
) -> np.ndarray:
    """Read ``id,number`` lines (an optional header) and return the numbers in ``ids`` order.

    Parameters
    ----------
    path : str or Path
        CSV file, e.g. ``demand_id,weight``.
    ids : sequence of str
        Ids that each need a number (the cost matrix's demand or candidate ids).
    what : str
        Name of the number (``"weight"``, ``"capacity"``), used in messages.
    option : str
        The command-line option that gave the file (``"--weights"``), used in messages.

    Raises
    ------
    ValidationError
        Every problem at once: missing, repeated or unknown ids, cells that are not finite
        numbers >= 0, rows without a number.
    """
    path = Path(path)
    rows = read_rows(path, what=f"{option} table")
    if rows and len(rows[0].cells) >= 2 and _is_header(rows[0].cells[1]):
        rows = rows[1:]
    fix = f"write `id,{what}` on each line ({option})."
    problems: list[Problem] = []
    short = [str(r.line) for r in rows if len(r.cells) < 2 or not r.cells[1]]
    if short:
        problems.append(
            Problem(
                path.name,
                f"{len(short)} line(s) have no {what}: line {_examples(short)}.",
                fix,
                code="t_no_number",
                params={
                    "n": len(short),
                    "what": what,
                    "option": option,
                    "examples": _examples(short),
                },
            )
        )
    rows = [r for r in rows if len(r.cells) >= 2 and r.cells[1]]
    values = {r.cells[0]: _to_float(r.cells[1]) for r in rows}
    bad = [
        f"line {r.line} ({r.cells[0]!r}): {r.cells[1]!r}"
        for r in rows
        if not (math.isfinite(_to_float(r.cells[1])) and _to_float(r.cells[1]) >= 0)
    ]
    if bad:
        problems.append(
            Problem(
                path.name,
                f"{len(bad)} {what}(s) are not finite numbers >= 0: {_examples(bad)}.",
                fix,
                code="t_numbers_bad",
                params={"n": len(bad), "what": what, "option": option, "examples": _examples(bad)},
            )
        )
    dups = _duplicates([r.cells[0] for r in rows], [r.line for r in rows])
    if dups:
        listed = [f"{v!r} on lines {_join(n)}" for v, n in dups.items()]
        problems.append(
            Problem(
                path.name,
                f"{len(dups)} id(s) are repeated: {_examples(listed)}.",
                f"give each id one {what}.",
                code="t_ids_repeated",
                params={"n": len(dups), "what": what, "examples": _examples(listed)},
            )
        )
    known = set(ids)
    unknown = [f"{r.cells[0]!r} (line {r.line})" for r in rows if r.cells[0] not in known]
    if unknown:
        problems.append(
            Problem(
                path.name,
                f"{len(unknown)} id(s) are not in the cost matrix: {_examples(unknown)}.",
                "correct or delete those lines.",
                code="t_ids_unknown",
                params={"n": len(unknown), "examples": _examples(unknown)},
            )
        )
    missing = [repr(i) for i in ids if i not in values]
    if missing:
        problems.append(
            Problem(
                path.name,
                f"no {what} for {len(missing)} id(s) of the cost matrix: {_examples(missing)}.",
                f"give a {what} for every id.",
                code="t_ids_missing",
                params={"n": len(missing), "what": what, "examples": _examples(missing)},
            )
        )
    if problems:
        raise ValidationError(problems, title=f"cannot read {option} {path}")
    return np.array([values[i] for i in ids], dtype=np.float64)


def _is_header(cell: str) -> bool:
    return math.isnan(_to_float(cell)) and cell.lower() not in ("nan", "+nan", "-nan")


def read_id_list(
    path: str | Path,
    known: Sequence[str],
    *,
    option: str,
    header_names: Sequence[str] = ("candidate_id", "id", "facility_id", "site_id"),
) -> list[str]:
    """Read one id a line (first cell; a header named like ``header_names`` is skipped).

    Raises
    ------
    ValidationError
        On ids not in ``known`` or repeated ids, each with its line number.
    """
    path = Path(path)
    rows = read_rows(path, what=f"{option} list")
    if rows and rows[0].cells[0] not in known and rows[0].cells[0].lower() in header_names:
        rows = rows[1:]
    problems = []
    unknown = [f"{r.cells[0]!r} (line {r.line})" for r in rows if r.cells[0] not in set(known)]
    if unknown:
        problems.append(
            Problem(
                path.name,
                f"{len(unknown)} id(s) are not candidates of the cost matrix: "
                f"{_examples(unknown)}.",
                "use ids from the cost matrix's header row.",
                code="t_list_unknown",
                params={"n": len(unknown), "examples": _examples(unknown)},
            )
        )
    dups = _duplicates([r.cells[0] for r in rows], [r.line for r in rows])
    if dups:
        listed = [f"{v!r} on lines {_join(n)}" for v, n in dups.items()]
        problems.append(
            Problem(
                path.name,
                f"{len(dups)} id(s) are repeated: {_examples(listed)}.",
                "list each id once.",
                code="t_list_repeated",
                params={"n": len(dups), "examples": _examples(listed)},
            )
        )
    if problems:
        raise ValidationError(problems, title=f"cannot read {option} {path}")
    return [r.cells[0] for r in rows]


# --------------------------------------------------------------------------- grid tables


def read_grids_table(
    path: str | Path, *, numeric: Iterable[str] = ("households", "party_members")
) -> pd.DataFrame:
    """Read a grid table from CSV: a header with ``grid_id``, one row per grid.

    Parameters
    ----------
    path : str or Path
        The CSV file (UTF-8, GBK or UTF-16 with BOM).
    numeric : iterable of str
        Columns that must hold counts (finite numbers >= 0) when present; they are returned
        as float. Other columns stay text; ``grid_id`` is always text.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    ValidationError
        Every problem at once: empty file or header only, repeated or empty column names, no
        ``grid_id``, rows with extra or missing cells, empty or repeated grid ids, counts that
        are text, missing, NaN or negative (naming the grid and the field).
    """
    import pandas as pd

    path = Path(path)
    rows = read_rows(path, what="grid table")
    if not rows:
        raise _refuse(
            path,
            "the file is empty.",
            "write a header line with `grid_id` and the workload columns, then one line per grid.",
            code="t_grids_empty",
            params={},
        )
    header, body = rows[0], rows[1:]
    width = _trimmed_width(header.cells)
    names = header.cells[:width]
    problems = _header_problems(path, header, names, noun="column name", first_col=1)
    if "grid_id" not in names:
        problems.append(
            Problem(
                path.name,
                f"no `grid_id` column; the header is {names}.",
                "name the column of grid ids `grid_id`.",
                feature=f"line {header.line}",
                field="grid_id",
                code="t_no_grid_id",
                params={"names": names},
            )
        )
    if not body:
        problems.append(
            Problem(
                path.name,
                "the file has a header but no grid rows.",
                "write one line per grid below the header.",
                code="t_no_grid_rows",
            )
        )
    good, ragged = _fit_rows(body, width)
    problems += _ragged_problems(path, ragged, width)
    if problems:
        raise ValidationError(problems, title=f"cannot read {path}")
    frame = pd.DataFrame([r.cells for r in good], columns=names, dtype=object)
    problems = check_grids_table(
        frame, layer=path.name, numeric=numeric, where=[f"line {r.line}" for r in good]
    )
    if problems:
        raise ValidationError(problems, title=f"cannot read {path}")
    return to_counts(frame, numeric)


def check_grids_table(
    grids: Any,
    *,
    layer: str,
    numeric: Iterable[str] = ("households", "party_members"),
    where: Sequence[str] | None = None,
) -> list[Problem]:
    """Problems of a grid table (CSV or a grid layer): ids empty or repeated, bad counts.

    Parameters
    ----------
    grids : DataFrame or GeoDataFrame
        One row per grid with ``grid_id``.
    layer : str
        File or layer name for the messages.
    numeric : iterable of str
        Count columns to check when present: every cell a finite number >= 0.
    where : sequence of str, optional
        Position of each row for the messages (``"line 4"``); default ``"feature i"``.
    """
    import pandas as pd

    where = list(where) if where is not None else [f"feature {i + 1}" for i in range(len(grids))]
    if "grid_id" not in grids.columns:
        return []
    ids = ["" if pd.isna(v) else str(v).strip() for v in grids["grid_id"]]
    out = []
    empty = [where[i] for i, v in enumerate(ids) if not v]
    if empty:
        out.append(
            Problem(
                layer,
                f"{len(empty)} grid(s) have no `grid_id`: {_examples(empty)}.",
                "give every grid an id.",
                field="grid_id",
                code="t_grid_id_empty",
                params={"n": len(empty), "examples": _examples(empty)},
            )
        )
    dups = _duplicates(ids, list(range(len(ids))))
    if dups:
        listed = [f"{v!r} ({', '.join(where[i] for i in p)})" for v, p in dups.items()]
        out.append(
            Problem(
                layer,
                f"{len(dups)} grid id(s) are repeated: {_examples(listed)}; each would "
                "be staffed once per row.",
                "keep one row per grid (merge or renumber the repeated rows).",
                field="grid_id",
                code="t_grid_id_repeated",
                params={"n": len(dups), "examples": _examples(listed)},
            )
        )
    for col in [c for c in numeric if c in grids.columns]:
        bad = [
            f"{ids[i] or where[i]!r}: {_show(v)}"
            for i, v in enumerate(grids[col])
            if not _is_count(v)
        ]
        if bad:
            out.append(
                Problem(
                    layer,
                    f"{len(bad)} grid(s) have a `{col}` that is not a number >= 0: "
                    f"{_examples(bad)}.",
                    f"write a count >= 0 in `{col}` for every grid.",
                    field=col,
                    code="t_grid_count_bad",
                    params={"n": len(bad), "column": col, "examples": _examples(bad)},
                )
            )
    return out


def _is_count(value: Any) -> bool:
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, str):
        value = _to_float(value.strip())
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    return math.isfinite(number) and number >= 0


def _show(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return "missing"
    return repr(value)


def to_counts(grids: pd.DataFrame, numeric: Iterable[str]) -> pd.DataFrame:
    """A copy with ``grid_id`` as text and the ``numeric`` columns present as float."""
    out = grids.copy()
    if "grid_id" in out.columns:
        out["grid_id"] = out["grid_id"].astype(str).str.strip()
    for col in [c for c in numeric if c in out.columns]:
        out[col] = [float(v.strip()) if isinstance(v, str) else float(v) for v in out[col]]
    return out
