"""Join a roster (a table of counts) to a layer by id, or by name as people write it.

Rosters from the 一标三实 address register or the party organisation are keyed by the estate's
or building's name, written the way people write it: full-width digits, ``3号楼`` / ``3栋`` /
``3幢`` / ``3座``, with or without ``无锡市新吴区XX街道``, with or without ``小区``. Each roster row
is matched, in order, by

1. id: the value equals a feature's id (``estate_id`` / ``building_id``);
2. name: :func:`name_key` of the value equals the feature's (NFKC, spaces, building suffixes);
3. loose name: :func:`loose_key` (also without district / street / community prefixes and a
   trailing 小区).

A name held by several features is narrowed by the row's community (a 社区 column) when there
is one; what stays ambiguous, and what matches nothing, is reported by row number with the
closest candidates (difflib), never dropped silently. Totals before and after the join are
part of the :class:`JoinReport`.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from geo.data.tables import cell_number
from geo.errors import Problem

if TYPE_CHECKING:
    import geopandas as gpd

    from geo.data.tables import Table

#: Count columns a roster may carry, in report order.
JOIN_COUNTS = ("households", "party_members", "residents", "floors")
#: Closest candidates listed for a row that matched nothing.
N_CANDIDATES = 3
#: Chinese numerals in building numbers (一 .. 十, and 两).
_NUMERALS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_BUILDING_RE = re.compile(r"([0-9一二两三四五六七八九十零]+)\s*(?:号楼|号栋|号幢|栋|幢|座|号|#)")
_PREFIX_RE = re.compile(
    r"^(?:[^省市区县]{1,6}省)?(?:[^省市区县]{1,6}市)?(?:[^市区县]{1,4}(?:区|县))?"
    r"(?:[^街镇]{1,6}(?:街道|镇))?(?:[^社]{1,6}社区)?"
)


def _chinese_number(text: str) -> str:
    """``十二`` -> ``12``, ``三`` -> ``3``; digits are kept."""
    if text.isdigit():
        return str(int(text))
    if "十" in text:
        tens, _, ones = text.partition("十")
        return str(
            (_NUMERALS.get(tens, 1) if tens else 1) * 10 + (_NUMERALS.get(ones, 0) if ones else 0)
        )
    return "".join(str(_NUMERALS.get(ch, ch)) for ch in text)


def name_key(value: object) -> str:
    """The name as compared: NFKC (full-width to half-width), lower case, no spaces or
    brackets, ``3号楼`` / ``3栋`` / ``三幢`` / ``3座`` all ``3#``.

    Examples
    --------
    >>> name_key("幸福家园 ３号楼"), name_key("幸福家园三幢")
    ('幸福家园3#', '幸福家园3#')
    """
    text = unicodedata.normalize("NFKC", str(value)).lower()
    text = re.sub(r"[\s()\[\]（）【】·\-_]+", "", text)
    return _BUILDING_RE.sub(lambda m: _chinese_number(m.group(1)) + "#", text)


def loose_key(value: object) -> str:
    """:func:`name_key` without province / city / district / street / community prefixes and
    without ``小区``.

    Examples
    --------
    >>> loose_key("无锡市新吴区旺庄街道幸福家园小区"), loose_key("幸福家园")
    ('幸福家园', '幸福家园')
    """
    key = name_key(value)
    key = key.replace("小区", "") or key
    return _PREFIX_RE.sub("", key, count=1) or key


@dataclass(frozen=True)
class JoinMiss:
    """A roster row that did not join: ``status`` is ``"unmatched"`` or ``"ambiguous"``."""

    row: int
    value: str
    status: str
    candidates: tuple[str, ...]

    def text(self) -> str:
        """``row 7 `幸福家圆`: unmatched; closest: 幸福家园 (e1), ...``."""
        what = "closest" if self.status == "unmatched" else "could be"
        cands = ", ".join(self.candidates) or "none"
        return f"row {self.row} `{self.value}`: {self.status}; {what}: {cands}"


@dataclass(frozen=True)
class JoinReport:
    """What a roster join did, row by row and in totals.

    Attributes
    ----------
    source, layer : str
        The roster file and the layer joined to.
    rows : int
        Data rows in the roster.
    by_id, by_name, by_loose : int
        Rows matched by id, by name, by loose name.
    misses : tuple of JoinMiss
        Every unmatched or ambiguous row, with its row number and closest candidates.
    shared : tuple of (str, tuple of int)
        Features several rows matched (their counts were added), with the rows.
    columns : tuple of str
        Count columns joined.
    totals_table, totals_matched : dict
        Per column: the sum over every roster row, and over the matched rows.
    totals_before, totals_after : dict
        Per column: the layer's total before the join (``None`` when it had no such column)
        and after it.
    features_without_row : int
        Features of the layer no roster row matched (they keep their own values).
    """

    source: str
    layer: str
    rows: int
    by_id: int
    by_name: int
    by_loose: int
    misses: tuple[JoinMiss, ...]
    shared: tuple[tuple[str, tuple[int, ...]], ...]
    columns: tuple[str, ...]
    totals_table: dict[str, float] = field(default_factory=dict)
    totals_matched: dict[str, float] = field(default_factory=dict)
    totals_before: dict[str, float | None] = field(default_factory=dict)
    totals_after: dict[str, float] = field(default_factory=dict)
    features_without_row: int = 0

    @property
    def matched(self) -> int:
        """Rows matched by any rule."""
        return self.by_id + self.by_name + self.by_loose

    def text(self) -> str:
        """The report as printed by ``gridplan check`` and shown in the app."""
        lines = [
            f"roster `{self.source}` -> {self.layer}: {self.rows} row(s), {self.matched} "
            f"matched ({self.by_id} by id, {self.by_name} by name, {self.by_loose} by name "
            f"without prefixes), {sum(m.status == 'unmatched' for m in self.misses)} "
            f"unmatched, {sum(m.status == 'ambiguous' for m in self.misses)} ambiguous; "
            f"{self.features_without_row} feature(s) without a row keep their values."
        ]
        for col in self.columns:
            before = self.totals_before.get(col)
            lines.append(
                f"  {col}: roster {self.totals_table[col]:,.0f}, matched rows "
                f"{self.totals_matched[col]:,.0f}; layer before "
                f"{'-' if before is None else f'{before:,.0f}'}, after "
                f"{self.totals_after[col]:,.0f}"
            )
        lines += [f"  {m.text()}" for m in self.misses]
        lines += [
            f"  feature {f}: rows {', '.join(map(str, rows))} added together"
            for f, rows in self.shared
        ]
        return "\n".join(lines)

    def problems(self) -> list[Problem]:
        """Warnings for misses, shared features and totals that disagree with the layer."""
        out = []
        unmatched = [m for m in self.misses if m.status == "unmatched"]
        ambiguous = [m for m in self.misses if m.status == "ambiguous"]
        if unmatched:
            out.append(
                Problem(
                    self.layer,
                    f"{len(unmatched)} row(s) of the roster `{self.source}` "
                    "match no feature: " + "; ".join(m.text() for m in unmatched) + ".",
                    "correct the names (or give the id) in the roster",
                    severity="warning",
                    feature=", ".join(f"row {m.row}" for m in unmatched),
                    code="roster_unmatched",
                    params={
                        "n": len(unmatched),
                        "source": self.source,
                        "rows": ", ".join(str(m.row) for m in unmatched),
                    },
                )
            )
        if ambiguous:
            out.append(
                Problem(
                    self.layer,
                    f"{len(ambiguous)} row(s) of the roster `{self.source}` "
                    "match several features: " + "; ".join(m.text() for m in ambiguous) + ".",
                    "add a 社区 column or the id to tell them apart",
                    severity="warning",
                    feature=", ".join(f"row {m.row}" for m in ambiguous),
                    code="roster_ambiguous",
                    params={
                        "n": len(ambiguous),
                        "source": self.source,
                        "rows": ", ".join(str(m.row) for m in ambiguous),
                    },
                )
            )
        if self.shared:
            out.append(
                Problem(
                    self.layer,
                    f"{len(self.shared)} feature(s) matched several rows of "
                    f"`{self.source}`; their counts were added: "
                    + "; ".join(f"{f} (rows {', '.join(map(str, r))})" for f, r in self.shared)
                    + ".",
                    "keep one row per feature if that was not meant",
                    severity="warning",
                    code="roster_rows_added",
                    params={
                        "n": len(self.shared),
                        "source": self.source,
                        "features": "; ".join(
                            f"{f} ({', '.join(map(str, r))})" for f, r in self.shared
                        ),
                    },
                )
            )
        for col in self.columns:
            before = self.totals_before.get(col)
            if before is not None and abs(before - self.totals_table[col]) > 0.5:
                out.append(
                    Problem(
                        self.layer,
                        f"the roster `{self.source}` totals {self.totals_table[col]:,.0f} "
                        f"{col}, the layer {before:,.0f}; after the join the layer has "
                        f"{self.totals_after[col]:,.0f}.",
                        "check which figure is right",
                        field=col,
                        severity="warning",
                        code="roster_totals_differ",
                        params={
                            "source": self.source,
                            "column": col,
                            "roster": f"{self.totals_table[col]:,.0f}",
                            "before": f"{before:,.0f}",
                            "after": f"{self.totals_after[col]:,.0f}",
                        },
                    )
                )
        return out


def _community_of(value: object, communities: pd.DataFrame | None) -> str | None:
    """The community id a roster's 社区 cell names (by id or by name), if any."""
    if communities is None or value is None or "community_id" not in communities.columns:
        return None
    text = str(value).strip()
    ids = communities["community_id"].astype(str)
    if text in set(ids):
        return text
    if "name" in communities.columns:
        keys = [loose_key(n) for n in communities["name"]]
        k = loose_key(text)
        hits = [
            i
            for i, key in zip(ids, keys, strict=True)
            if key == k or key.removesuffix("社区") == k.removesuffix("社区")
        ]
        if len(hits) == 1:
            return hits[0]
    return None


def _closest(value: str, keys: Sequence[str], labels: Sequence[str]) -> tuple[str, ...]:
    best = difflib.get_close_matches(
        loose_key(value), list(dict.fromkeys(keys)), n=N_CANDIDATES, cutoff=0.0
    )
    out = []
    for key in best:
        out += [labels[i] for i, k in enumerate(keys) if k == key]
    return tuple(out[:N_CANDIDATES])


def join_table(
    gdf: gpd.GeoDataFrame,
    table: Table,
    roster: pd.DataFrame,
    *,
    layer: str,
    id_field: str,
    communities: pd.DataFrame | None = None,
) -> tuple[gpd.GeoDataFrame, JoinReport]:
    """Join the counts of a roster to a layer; pure (``gdf`` is not modified).

    Parameters
    ----------
    gdf : GeoDataFrame
        The layer, its columns already canonical (``estate_id``, ``name``, ``community_id``).
    table : Table
        The roster as read (for its file name and row numbers).
    roster : DataFrame
        ``table.frame`` with canonical column names (aliases mapped, personal columns
        dropped), one row per table row.
    layer, id_field : str
        The layer's name and id column.
    communities : DataFrame, optional
        ``community_id`` and ``name`` of the communities, to read a roster's 社区 column.

    Returns
    -------
    (GeoDataFrame, JoinReport)
        The layer with the roster's counts on the matched features (several rows for one
        feature are added), and the report.
    """
    columns = tuple(c for c in JOIN_COUNTS if c in roster.columns)
    ids = [
        None if v is None or (isinstance(v, float) and np.isnan(v)) else _as_id(v)
        for v in (gdf[id_field] if id_field in gdf.columns else [None] * len(gdf))
    ]
    names = [
        str(n) if n is not None and not (isinstance(n, float) and np.isnan(n)) else ""
        for n in (gdf["name"] if "name" in gdf.columns else [None] * len(gdf))
    ]
    comm = (
        gdf["community_id"].astype(object).tolist()
        if "community_id" in gdf.columns
        else [None] * len(gdf)
    )
    labels = [f"{n or i} ({i})" if n else str(i) for n, i in zip(names, ids, strict=True)]
    keys = [name_key(n) if n else "" for n in names]
    loose = [loose_key(n) if n else "" for n in names]
    by_id_pos = {i: p for p, i in enumerate(ids) if i is not None}
    counts = {"id": 0, "name": 0, "loose": 0}
    hits: dict[int, list[int]] = {}
    misses: list[JoinMiss] = []
    for r in range(len(roster)):
        rec = roster.iloc[r]
        value = _first(rec, (id_field, "name"))
        if value is None:
            misses.append(JoinMiss(table.rows[r], "", "unmatched", ()))
            continue
        key = _as_id(rec.get(id_field))
        if key is not None and key in by_id_pos:
            hits.setdefault(by_id_pos[key], []).append(r)
            counts["id"] += 1
            continue
        text = str(value)
        scope = _community_of(rec.get("community_id"), communities)
        found, rule = _by_name(text, keys, loose, comm, scope)
        if len(found) == 1:
            hits.setdefault(found[0], []).append(r)
            counts[rule] += 1
        elif found:
            misses.append(
                JoinMiss(
                    table.rows[r],
                    text,
                    "ambiguous",
                    tuple(f"{labels[p]} in {comm[p]}" for p in found),
                )
            )
        else:
            pool = [p for p in range(len(gdf)) if scope is None or comm[p] == scope] or list(
                range(len(gdf))
            )
            misses.append(
                JoinMiss(
                    table.rows[r],
                    text,
                    "unmatched",
                    _closest(text, [loose[p] for p in pool], [labels[p] for p in pool]),
                )
            )
    out = gdf.copy()
    numbers = {
        c: np.array([np.nan if (x := cell_number(v)) is None else x for v in roster[c]])
        for c in columns
    }
    before: dict[str, float | None] = {}
    for c in columns:
        before[c] = (
            float(pd.to_numeric(gdf[c], errors="coerce").sum()) if c in gdf.columns else None
        )
        values = (
            pd.to_numeric(gdf[c], errors="coerce").to_numpy(dtype=float).copy()
            if c in gdf.columns
            else np.full(len(gdf), np.nan)
        )
        for p, rows in hits.items():
            values[p] = float(np.nansum(numbers[c][rows]))
        out[c] = values
    matched_rows = [r for rows in hits.values() for r in rows]
    report = JoinReport(
        source=table.source,
        layer=layer,
        rows=len(roster),
        by_id=counts["id"],
        by_name=counts["name"],
        by_loose=counts["loose"],
        misses=tuple(misses),
        shared=tuple(
            (labels[p], tuple(table.rows[r] for r in rows))
            for p, rows in sorted(hits.items())
            if len(rows) > 1
        ),
        columns=columns,
        totals_table={c: float(np.nansum(numbers[c])) for c in columns},
        totals_matched={c: float(np.nansum(numbers[c][matched_rows])) for c in columns},
        totals_before=before,
        totals_after={c: float(np.nansum(out[c].to_numpy(dtype=float))) for c in columns},
        features_without_row=len(gdf) - len(hits),
    )
    return out, report


def _as_id(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip() or None


def _first(rec: pd.Series, cols: Sequence[str]) -> Any:
    for c in cols:
        v = rec.get(c)
        if v is not None and not (isinstance(v, float) and np.isnan(v)) and str(v).strip():
            return v
    return None


def _by_name(
    text: str, keys: Sequence[str], loose: Sequence[str], comm: Sequence[Any], scope: str | None
) -> tuple[list[int], str]:
    """Positions of the features named ``text`` (narrowed to ``scope`` when several), and the
    rule that found them."""
    for rule, mine, key in (("name", keys, name_key(text)), ("loose", loose, loose_key(text))):
        found = [p for p, k in enumerate(mine) if k and k == key]
        if len(found) > 1 and scope is not None:
            found = [p for p in found if comm[p] == scope] or found
        if found:
            return found, rule
    return [], "name"


def read_roster(
    path: Any, layer: str, *, sheet: str | int | None = None
) -> tuple[Table, pd.DataFrame, list[Problem]]:
    """Read a roster file: the table, its frame with canonical columns (personal columns
    dropped, as for every layer), and the problems (skipped rows, dropped columns)."""
    import geopandas as gpd

    from geo.data import _validate as v
    from geo.data.tables import read_table

    table = read_table(path, sheet=sheet)
    frame = gpd.GeoDataFrame(table.frame.copy(), geometry=[None] * len(table.frame))
    frame, _, problems = v.map_aliases(frame, layer)
    frame, p = v.drop_personal_fields(frame, layer)
    problems = [
        Problem(
            layer,
            f"roster `{table.source}`: {x.message}",
            x.fix,
            feature=x.feature,
            field=x.field,
            severity=x.severity,
            code=x.code,
            params={**x.params, "_roster": table.source} if x.code else {},
        )
        for x in [*table.problems, *problems, *p]
    ]
    return table, pd.DataFrame(frame.drop(columns=frame.geometry.name)), problems


def join_roster(
    gdf: gpd.GeoDataFrame,
    path: Any,
    layer: str,
    *,
    communities: pd.DataFrame | None = None,
    sheet: str | int | None = None,
) -> tuple[gpd.GeoDataFrame, JoinReport, list[Problem]]:
    """Read a roster file and join it to ``gdf`` (see :func:`join_table`); the problems hold
    the reading notes and the join's warnings."""
    from geo.data.schema import ID_FIELD

    table, roster, problems = read_roster(path, layer, sheet=sheet)
    out, report = join_table(
        gdf, table, roster, layer=layer, id_field=ID_FIELD[layer], communities=communities
    )
    return out, report, problems + report.problems()


def community_frame(communities: Mapping[str, Any] | pd.DataFrame | None) -> pd.DataFrame | None:
    """``community_id`` and ``name`` of a communities layer, for :func:`join_table`."""
    if communities is None:
        return None
    frame = pd.DataFrame(communities)
    cols = [c for c in ("community_id", "name") if c in frame.columns]
    return frame[cols].astype(object) if cols else None


__all__ = [
    "JoinMiss",
    "JoinReport",
    "community_frame",
    "join_roster",
    "join_table",
    "loose_key",
    "name_key",
    "read_roster",
]
