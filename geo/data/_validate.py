"""Normalise and validate one input layer: column aliases, personal fields, ids, counts, geometry.

Every function here is pure: it takes a GeoDataFrame and returns a new one together with the
:class:`~geo.errors.Problem` list it found, so that :mod:`geo.data.io` can collect every problem of
every layer into one :class:`~geo.errors.ValidationError`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.data._personal import personal_columns
from geo.data.schema import COUNT_FIELDS, GEOMETRY_TYPES, ID_FIELD, OPTIONAL, REQUIRED
from geo.errors import Problem
from geo.settings import (
    FACILITY_LEVELS,
    MAX_ANY_COUNT,
    MAX_PARTY_MEMBERS_PER_HOUSEHOLD,
    PLAUSIBLE_MAX_COUNTS,
)

#: How many feature labels a problem lists before summarising the rest.
MAX_FEATURES_LISTED = 10

#: Column aliases (compared after lower-casing and dropping spaces, ``_`` and ``-``).
ALIASES: dict[str, tuple[str, ...]] = {
    "households": (
        "户数",
        "住户数",
        "总户数",
        "户",
        "居民户数",
        "households",
        "household",
        "hh",
        "num_households",
        "n_households",
    ),
    "party_members": (
        "党员数",
        "党员",
        "党员人数",
        "党员数量",
        "party_members",
        "partymembers",
        "party_member",
        "party",
        "members",
        "n_party",
    ),
    "name": ("名称", "小区名称", "小区名", "名字", "设施名称", "name", "title"),
    "community_id": (
        "社区",
        "所属社区",
        "社区编号",
        "社区id",
        "社区名称",
        "community",
        "community_id",
        "comm_id",
        "cid",
    ),
    "residents": (
        "人口",
        "常住人口",
        "人口数",
        "居民数",
        "居住人口",
        "residents",
        "population",
        "pop",
    ),
    "level": ("等级", "级别", "层级", "设施等级", "level", "grade"),
    "street": ("街道", "所属街道", "街道名称", "street", "subdistrict"),
    "street_code": ("街道代码", "街道编码", "街道编号", "street_code"),
    "community_code": ("社区代码", "社区编码", "community_code"),
    "estate_id": ("小区编号", "小区id", "所属小区", "小区", "estate_id", "estate"),
    "building_id": (
        "楼栋编号",
        "楼号",
        "楼栋号",
        "楼栋",
        "建筑编号",
        "building_id",
        "bldg_id",
        "building",
    ),
    "facility_id": ("设施编号", "facility_id", "fac_id"),
    "candidate_id": ("候选编号", "候选点编号", "candidate_id", "cand_id"),
    "grid_id": ("网格编号", "网格代码", "网格编码", "grid_id", "grid_code"),
    "capacity": ("容量", "服务能力", "capacity"),
    "cost": ("成本", "造价", "费用", "cost"),
    "floors": ("层数", "楼层数", "floors", "storeys", "stories"),
    "kind": ("类型", "网格类型", "kind", "type"),
}
#: Per-layer overrides: in the communities layer 社区 names the community, it is not a key.
LAYER_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "communities": {
        "name": ("名称", "社区名称", "社区", "社区名", "name", "community", "community_name"),
        "community_id": ("社区编号", "社区id", "社区代码全称", "community_id", "comm_id", "cid"),
    },
}
#: Parts of a column name that mark a code rather than a name.
_ID_HINTS = ("编号", "代码", "编码", "id", "code")
#: Generic id columns, renamed to the layer's id field when it is the only candidate.
GENERIC_ID = ("编号", "id", "代码", "code", "fid", "objectid", "序号")

#: Facility level words (Chinese and English) mapped onto :data:`geo.settings.FACILITY_LEVELS`.
LEVEL_ALIASES: dict[str, str] = {
    "区": "district",
    "区级": "district",
    "district": "district",
    "区党群服务中心": "district",
    "街道": "street",
    "街道级": "street",
    "street": "street",
    "街道党群服务中心": "street",
    "社区": "community",
    "社区级": "community",
    "community": "community",
    "社区党群服务中心": "community",
    "站点": "post",
    "驿站": "post",
    "小区": "post",
    "网格": "post",
    "post": "post",
    "其他": "other",
    "其它": "other",
    "other": "other",
}

#: Layers whose personal fields are dropped at load time.
PERSONAL_LAYERS = ("estates", "buildings")

#: One feature of a layer, in messages.
_SINGULAR = {
    "communities": "community",
    "estates": "estate",
    "buildings": "building",
    "facilities": "facility",
    "candidates": "candidate",
    "other_grids": "grid",
}

#: Count fields that must be whole numbers.
_WHOLE_FIELDS = ("households", "party_members", "residents", "floors")


def _norm(name: object) -> str:
    """Lower-case a column name and drop spaces, underscores and hyphens."""
    return re.sub(r"[\s_\-]+", "", str(name)).lower()


def feature_labels(gdf: pd.DataFrame, layer: str) -> list[str]:
    """Label each row by its id, or ``row N`` (1-based, file order) when the id is missing."""
    id_field = ID_FIELD.get(layer)
    ids = (
        gdf[id_field] if id_field in gdf.columns else pd.Series([None] * len(gdf), index=gdf.index)
    )
    return [f"`{v}`" if _present(v) else f"row {i + 1}" for i, v in enumerate(ids)]


def _present(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, float) and np.isnan(value):
        return False
    return not (isinstance(value, str) and value.strip() == "") and value is not pd.NA


def _fmt_value(value: object, quote: bool = True) -> str:
    """Show an offending value briefly: ``-3`` rather than ``np.float64(-3.0)``."""
    if isinstance(value, (float, np.floating)):
        return str(int(value)) if float(value).is_integer() else f"{float(value):g}"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if value is None:
        return "empty"
    return repr(str(value)) if quote else str(value)


def describe_features(labels: Sequence[str]) -> str:
    """Join feature labels, listing at most :data:`MAX_FEATURES_LISTED`."""
    shown = ", ".join(labels[:MAX_FEATURES_LISTED])
    rest = len(labels) - MAX_FEATURES_LISTED
    return shown + (f" and {rest} more" if rest > 0 else "")


def _features_problem(
    layer: str,
    mask: np.ndarray,
    labels: Sequence[str],
    message: str,
    fix: str,
    *,
    field: str | None = None,
    severity: str = "error",
    values: Sequence[object] | np.ndarray | None = None,
    quote: bool = True,
    code: str | None = None,
    params: dict[str, object] | None = None,
) -> list[Problem]:
    """One problem naming every feature where ``mask`` holds (none when it holds nowhere).

    ``code`` and ``params`` are the message's stable code and values (:class:`Problem`); the
    number of features goes in ``params["_n"]`` (a shell prefixes it when above 1, as the
    English does).
    """
    idx: list[int] = np.flatnonzero(mask).tolist()
    if not idx:
        return []
    chosen = [labels[i] for i in idx]
    if values is not None:
        chosen = [f"{labels[i]} ({_fmt_value(values[i], quote)})" for i in idx]
    count = f"{len(idx)} feature(s): " if len(idx) > 1 else ""
    return [
        Problem(
            layer,
            f"{count}{message}",
            fix,
            feature=describe_features(chosen),
            field=field,
            severity=severity,
            code=code,
            params={**(params or {}), "_n": len(idx)} if code else {},
        )
    ]


# --- columns ------------------------------------------------------------------------------------


def _alias_keys(target: str, aliases: dict[str, tuple[str, ...]]) -> set[str]:
    """Normalised names that mean ``target``, including its dBase cut to 10 characters."""
    # Shapefile (dBase) column names are cut at 10 characters: party_members -> party_memb
    return {_norm(a) for a in aliases.get(target, ())} | {_norm(target), _norm(target[:10])}


def _twin_warnings(layer: str, target: str, candidates: list[str]) -> list[Problem]:
    """Alias columns left beside the canonical ``target`` column already in the file."""
    return [
        Problem(
            layer,
            f"column `{c}` also means `{target}`; `{target}` is used and `{c}` "
            "is kept as an extra column.",
            f"drop or rename `{c}`",
            field=c,
            severity="warning",
            code="twin_column",
            params={"column": c, "target": target},
        )
        for c in candidates
    ]


def _prefer_coded(
    layer: str, target: str, candidates: list[str]
) -> tuple[list[str], list[Problem]]:
    """Among several candidates for an ``*_id`` target keep the one code column, if unique.

    所属社区 (a name) beside 社区编号 (a code): the code is the key.
    """
    coded = [c for c in candidates if any(h in _norm(c) for h in _ID_HINTS)]
    if len(coded) != 1:
        return candidates, []
    others = ", ".join(f"`{c}`" for c in candidates if c != coded[0])
    return coded, [
        Problem(
            layer,
            f"`{coded[0]}` is used as `{target}`; {others} kept as extra column(s).",
            "none needed",
            field=target,
            severity="warning",
            code="coded_id_used",
            params={"column": coded[0], "target": target, "others": others},
        )
    ]


def _generic_id_column(columns: list[str], claimed: set[str]) -> str | None:
    """The one unclaimed generic id column (编号, id, fid ...), or ``None``."""
    generic = {_norm(g) for g in GENERIC_ID}
    candidates = [c for c in columns if c not in claimed and _norm(c) in generic]
    return candidates[0] if len(candidates) == 1 else None


def map_aliases(
    gdf: gpd.GeoDataFrame, layer: str
) -> tuple[gpd.GeoDataFrame, dict[str, str], list[Problem]]:
    """Rename alias columns (Chinese or English, any case) to the canonical schema of ``layer``.

    Returns
    -------
    tuple
        The renamed frame, the mapping applied ``{source column: canonical column}``, and the
        problems (two columns meaning the same field is an error; a column left beside its
        canonical twin is a warning).
    """
    targets = [*REQUIRED[layer], *OPTIONAL[layer]]
    if "name" not in targets:
        targets.append("name")
    aliases = {**ALIASES, **LAYER_ALIASES.get(layer, {})}
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    claimed: set[str] = set(targets) & set(columns)
    mapping: dict[str, str] = {}
    problems: list[Problem] = []
    for target in targets:
        keys = _alias_keys(target, aliases)
        candidates = [c for c in columns if c not in claimed and _norm(c) in keys]
        if target in columns:
            problems += _twin_warnings(layer, target, candidates)
            continue
        if len(candidates) > 1 and target.endswith("_id"):
            claimed.update(candidates)
            candidates, p = _prefer_coded(layer, target, candidates)
            problems += p
        if len(candidates) == 1:
            mapping[candidates[0]] = target
            claimed.add(candidates[0])
        elif len(candidates) > 1:
            names = ", ".join(f"`{c}`" for c in candidates)
            problems.append(
                Problem(
                    layer,
                    f"columns {names} all mean `{target}`.",
                    "keep one of them or rename the others",
                    code="columns_same_field",
                    params={"columns": names, "target": target},
                    field=target,
                )
            )
            claimed.update(candidates)
    id_field = ID_FIELD[layer]
    if id_field not in columns and id_field not in mapping.values():
        generic = _generic_id_column(columns, claimed)
        if generic is not None:
            mapping[generic] = id_field
    return gdf.rename(columns=mapping), mapping, problems


def drop_personal_fields(
    gdf: gpd.GeoDataFrame, layer: str
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Drop columns holding personal data of residents or party members (only counts are kept).

    The columns are those :func:`geo.data._personal.personal_columns` finds, the same decision
    :func:`geo.output.export.drop_personal_fields` makes before anything leaves gridplan.
    """
    if layer not in PERSONAL_LAYERS:
        return gdf, []
    personal = personal_columns(gdf)
    if not personal:
        return gdf, []
    names = ", ".join(f"`{c}`" for c in personal)
    return gdf.drop(columns=personal), [
        Problem(
            layer,
            f"column(s) {names} look like personal data (names, ID or phone numbers) and were "
            "dropped at load time; gridplan keeps counts only.",
            "remove personal fields from the file before sharing it",
            severity="warning",
            code="personal_dropped",
            params={"columns": names},
        )
    ]


def missing_fields(gdf: gpd.GeoDataFrame, layer: str) -> list[Problem]:
    """Required columns absent after alias mapping."""
    problems = []
    for col in REQUIRED[layer]:
        if col not in gdf.columns:
            known = ", ".join(f"`{a}`" for a in ALIASES.get(col, ())[:4])
            problems.append(
                Problem(
                    layer,
                    f"required field `{col}` is missing (columns found: "
                    f"{', '.join(map(str, (c for c in gdf.columns if c != gdf.geometry.name))) or 'none'}).",
                    f"add a `{col}` column" + (f" (or one named {known})" if known else ""),
                    code="field_missing",
                    params={
                        "column": col,
                        "found": ", ".join(
                            map(str, (c for c in gdf.columns if c != gdf.geometry.name))
                        )
                        or "—",
                        "known": known,
                    },
                    field=col,
                )
            )
    return problems


# --- ids and codes ------------------------------------------------------------------------------


def as_id_strings(values: pd.Series) -> pd.Series:
    """Ids as strings: ``12`` and ``12.0`` both become ``"12"``; missing stays ``None``."""

    def one(v: object) -> object:
        if not _present(v):
            return None
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            return str(int(v))
        return str(v).strip()

    return pd.Series([one(v) for v in values], index=values.index, dtype=object)


def check_ids(gdf: gpd.GeoDataFrame, layer: str) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Ids as strings; missing and duplicate ids are errors."""
    id_field = ID_FIELD[layer]
    if id_field not in gdf.columns:
        return gdf, []
    out = gdf.copy()
    out[id_field] = as_id_strings(gdf[id_field])
    labels = feature_labels(out, layer)
    missing = out[id_field].isna().to_numpy()
    problems = _features_problem(
        layer,
        missing,
        labels,
        f"`{id_field}` is empty.",
        f"give every feature a unique `{id_field}`",
        code="id_empty",
        params={"column": id_field},
        field=id_field,
    )
    dup = out[id_field].duplicated(keep=False).to_numpy() & ~missing
    if dup.any():
        ids = sorted(set(out.loc[dup, id_field]))
        problems.append(
            Problem(
                layer,
                f"duplicate `{id_field}` values: {describe_features([f'`{i}`' for i in ids])}.",
                f"make `{id_field}` unique",
                code="id_duplicate",
                params={
                    "column": id_field,
                    "ids": describe_features([f"`{i}`" for i in ids]),
                },
                feature=describe_features([f"`{i}`" for i in ids]),
                field=id_field,
            )
        )
    for col in ("community_id", "estate_id"):
        if col != id_field and col in out.columns:
            out[col] = as_id_strings(gdf[col])
    if "community_code" in out.columns:
        codes = as_id_strings(gdf["community_code"])
        out["community_code"] = [c.zfill(3) if c is not None and c.isdigit() else c for c in codes]
    if "street_code" in out.columns:
        out["street_code"] = as_id_strings(gdf["street_code"])
    return out, problems


# --- counts -------------------------------------------------------------------------------------


def _to_number(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Parse numbers (``"1,200"`` allowed); return the floats and a mask of unparseable values."""
    text = values.astype(object)
    present = np.array([_present(v) for v in text], dtype=bool)
    cleaned = pd.Series(
        [
            str(v).replace(",", "").replace("，", "").strip() if isinstance(v, str) else v
            for v in text
        ],
        index=values.index,
        dtype=object,
    )
    nums = pd.to_numeric(cleaned.where(present, None), errors="coerce").astype(float).to_numpy()
    return nums, present & np.isnan(nums)


def check_counts(gdf: gpd.GeoDataFrame, layer: str) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Count columns numeric, finite, non-negative; whole numbers where they count people/homes.

    Required counts may not be missing; optional ones may (``residents`` is estimated later).
    Columns without missing values become ``int64`` when whole, else ``float64``.
    """
    out = gdf.copy()
    labels = feature_labels(gdf, layer)
    problems: list[Problem] = []
    for col in COUNT_FIELDS:
        if col not in gdf.columns:
            continue
        nums, bad = _to_number(gdf[col])
        raw = gdf[col].astype(object).to_numpy()
        problems += _features_problem(
            layer,
            bad,
            labels,
            f"`{col}` is not a number.",
            f"write `{col}` as a plain number",
            code="not_a_number",
            params={"column": col},
            field=col,
            values=raw,
        )
        missing = np.isnan(nums) & ~bad
        if col in REQUIRED[layer]:
            problems += _features_problem(
                layer,
                missing,
                labels,
                f"`{col}` is missing (empty or NaN).",
                f"fill in `{col}` (0 if there are none)",
                code="count_missing",
                params={"column": col},
                field=col,
            )
        finite = np.isfinite(nums)
        problems += _features_problem(
            layer,
            np.isinf(nums),
            labels,
            f"`{col}` is infinite.",
            f"write a finite `{col}`",
            code="count_infinite",
            params={"column": col},
            field=col,
        )
        with np.errstate(invalid="ignore"):
            problems += _features_problem(
                layer,
                finite & (nums < 0),
                labels,
                f"`{col}` is negative.",
                f"`{col}` counts must be >= 0",
                code="count_negative",
                params={"column": col},
                field=col,
                values=nums,
            )
            if col in _WHOLE_FIELDS:
                frac = finite & (np.floor(nums) != nums)
                problems += _features_problem(
                    layer,
                    frac,
                    labels,
                    f"`{col}` is not a whole number.",
                    f"write whole `{col}`",
                    code="count_not_whole",
                    params={"column": col},
                    field=col,
                    values=nums,
                )
        out[col] = as_count_array(nums)
    return out, problems


def as_count_array(nums: np.ndarray) -> np.ndarray:
    """``int64`` when every value is a whole number of exact float range, else the floats.

    Values beyond :data:`~geo.settings.MAX_ANY_COUNT` stay floats: casting ``1e19`` to int64
    would wrap to a negative number (a report of "-9,223,372,036,854,775,608 households").
    """
    with np.errstate(invalid="ignore"):
        whole = (
            len(nums) > 0
            and bool(np.all(np.isfinite(nums)))
            and bool(np.all(np.floor(nums) == nums))
            and bool(np.all(np.abs(nums) <= MAX_ANY_COUNT))
        )
    return nums.astype(np.int64) if whole else nums


def check_plausible(gdf: gpd.GeoDataFrame, layer: str) -> list[Problem]:
    """Counts beyond :data:`~geo.settings.PLAUSIBLE_MAX_COUNTS` (or
    :data:`~geo.settings.MAX_ANY_COUNT`), and party members above the residents or above
    households x :data:`~geo.settings.MAX_PARTY_MEMBERS_PER_HOUSEHOLD`. All errors.

    Run after :func:`check_counts` (numeric columns); NaN values are left to it.
    """
    labels = feature_labels(gdf, layer)
    limits = PLAUSIBLE_MAX_COUNTS.get(layer, {})
    problems: list[Problem] = []
    nums = {
        c: pd.to_numeric(gdf[c], errors="coerce").to_numpy(dtype=float)
        for c in COUNT_FIELDS
        if c in gdf.columns
    }
    with np.errstate(invalid="ignore"):
        for col, values in nums.items():
            top = limits.get(col, MAX_ANY_COUNT)
            problems += _features_problem(
                layer,
                np.isfinite(values) & (values > top),
                labels,
                f"`{col}` is implausibly large (above {top:,.0f}, the limit per "
                f"{_SINGULAR.get(layer, 'feature')}).",
                f"correct `{col}` (a typing error, or a total put in one row?); split the "
                f"{_SINGULAR.get(layer, 'feature')} if it really is that large",
                code="count_implausible",
                params={"column": col, "limit": f"{top:,.0f}", "layer": layer},
                field=col,
                values=[f"{x:,.0f}" if np.isfinite(x) else x for x in values],
                quote=False,
            )
        # ratios only between valid counts: a negative or missing one is reported already
        party, hh, res = (
            None if c not in nums else np.where(nums[c] >= 0, nums[c], np.nan)
            for c in ("party_members", "households", "residents")
        )
        if party is not None and res is not None:
            problems += _features_problem(
                layer,
                party > res,
                labels,
                "`party_members` is above `residents`.",
                "check both columns (swapped?); party members live among the residents",
                code="party_above_residents",
                field="party_members",
                quote=False,
                values=[f"{p:,.0f} > {r:,.0f}" for p, r in zip(party, res, strict=True)],
            )
        if party is not None and hh is not None:
            cap = MAX_PARTY_MEMBERS_PER_HOUSEHOLD
            problems += _features_problem(
                layer,
                party > hh * cap,
                labels,
                f"`party_members` is above {cap:g} per household.",
                "check `party_members` and `households` (swapped columns?)",
                code="party_per_household",
                params={"cap": f"{cap:g}"},
                field="party_members",
                quote=False,
                values=[
                    f"{p:,.0f} party members, {h:,.0f} households"
                    for p, h in zip(party, hh, strict=True)
                ],
            )
    return problems


def check_levels(gdf: gpd.GeoDataFrame, layer: str) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Facility ``level`` mapped onto :data:`~geo.settings.FACILITY_LEVELS` (Chinese words allowed)."""
    if layer != "facilities" or "level" not in gdf.columns:
        return gdf, []
    lookup = {_norm(k): v for k, v in LEVEL_ALIASES.items()}
    mapped = [lookup.get(_norm(v)) if _present(v) else None for v in gdf["level"]]
    bad = np.array([m is None for m in mapped])
    out = gdf.copy()
    out["level"] = pd.Series(mapped, index=gdf.index, dtype=object)
    return out, _features_problem(
        layer,
        bad,
        feature_labels(gdf, layer),
        "`level` is empty or unknown.",
        f"use one of {', '.join(FACILITY_LEVELS)} (or 区级/街道级/社区级/站点/其他)",
        code="level_unknown",
        params={"levels": ", ".join(FACILITY_LEVELS)},
        field="level",
        values=gdf["level"].astype(object).to_numpy(),
    )


# --- geometry and coordinates -------------------------------------------------------------------


def check_geometry(
    gdf: gpd.GeoDataFrame,
    layer: str,
    *,
    unreadable: np.ndarray | None = None,
    source: str | None = None,
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Null, empty and wrong-type geometries are errors; invalid ones are repaired and reported.

    Repair uses ``shapely.make_valid(method="structure")``, which keeps polygons polygonal.
    ``unreadable`` marks rows whose geometry GEOS refused to build when the file was read (a
    polygon ring without its closing vertex, a ring of fewer than 4 points); they are errors,
    naming the file ``source`` when given.
    """
    labels = feature_labels(gdf, layer)
    broken = np.zeros(len(gdf), dtype=bool) if unreadable is None else np.asarray(unreadable)
    broken_problems = _features_problem(
        layer,
        broken,
        labels,
        f"the geometry{f' in `{source}`' if source else ''} cannot be built: a polygon ring is not closed (its last vertex differs "
        "from its first) or has fewer than 4 vertices.",
        "close every ring (repeat its first vertex at the end) or redraw the feature in your GIS",
        code="ring_not_closed",
        params={"source": source or ""},
    )
    geoms = gdf.geometry.to_numpy()
    if shapely.has_z(geoms).any():  # heights (PolygonZ from CAD) play no part in planning
        gdf = gdf.set_geometry(gpd.GeoSeries(shapely.force_2d(geoms), index=gdf.index, crs=gdf.crs))
        geoms = gdf.geometry.to_numpy()
    allowed = GEOMETRY_TYPES[layer]
    null = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    problems = broken_problems + _features_problem(
        layer,
        null & ~broken,
        labels,
        "geometry is empty or missing.",
        "draw the feature or delete it",
        code="geometry_empty",
    )
    types = np.array([g.geom_type if g is not None else None for g in geoms], dtype=object)
    wrong = ~null & ~np.isin(types, allowed)
    problems += _features_problem(
        layer,
        wrong,
        labels,
        f"geometry type is not one of {', '.join(allowed)}.",
        f"save this layer as {' or '.join(allowed)} features",
        code="geometry_type",
        params={"types": ", ".join(allowed)},
        values=types,
    )
    invalid = ~null & ~wrong & ~shapely.is_valid(geoms)
    if not invalid.any():
        return gdf, problems
    reasons = np.full(len(geoms), None, dtype=object)
    reasons[invalid] = shapely.is_valid_reason(geoms[invalid])
    repaired = geoms.copy()
    repaired[invalid] = shapely.make_valid(geoms[invalid], method="structure", keep_collapsed=False)
    problems += _features_problem(
        layer,
        invalid,
        labels,
        "invalid geometry repaired with make_valid.",
        "check the repaired shape, or fix it in your GIS",
        code="geometry_repaired",
        severity="warning",
        values=reasons,
    )
    new_types = np.array([g.geom_type if g is not None else None for g in repaired], dtype=object)
    broken = invalid & (shapely.is_empty(repaired) | ~np.isin(new_types, allowed))
    problems += _features_problem(
        layer,
        broken,
        labels,
        "invalid geometry could not be repaired into an allowed type.",
        "redraw the feature",
        code="geometry_unrepairable",
        values=new_types,
    )
    out = gdf.copy()
    out[gdf.geometry.name] = gpd.GeoSeries(repaired, index=gdf.index, crs=gdf.crs)
    return out, problems


def check_coordinates(gdf: gpd.GeoDataFrame, layer: str) -> list[Problem]:
    """Coordinates impossible in the layer's CRS: out-of-range or swapped lon/lat, metres
    declared as degrees, or degrees declared as metres."""
    if gdf.crs is None or len(gdf) == 0:
        return []
    geoms = gdf.geometry.to_numpy()
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    bounds = np.full((len(geoms), 4), np.nan)
    if ok.any():
        bounds[ok] = shapely.bounds(geoms[ok])
    minx, miny, maxx, maxy = bounds.T
    labels = feature_labels(gdf, layer)
    with np.errstate(invalid="ignore"):
        if gdf.crs.is_geographic:
            out_lon = (minx < -180) | (maxx > 180)
            out_lat = (miny < -90) | (maxy > 90)
            swapped = (
                ~out_lon
                & out_lat
                & (np.abs(minx) <= 90)
                & (np.abs(maxx) <= 90)
                & (np.abs(maxy) <= 180)
            )
            metres = (out_lon | out_lat) & ~swapped
            crs = gdf.crs.to_string()
            return _features_problem(
                layer,
                swapped,
                labels,
                f"latitude beyond 90 degrees in {crs}: longitude and latitude look swapped "
                "(e.g. lat 120, lon 31).",
                "write coordinates as (lon, lat), x first",
                code="lonlat_swapped",
                params={"crs": crs},
                quote=False,
                values=[f"x={a:.6g}, y={b:.6g}" for a, b in zip(minx, maxy, strict=True)],
            ) + _features_problem(
                layer,
                metres,
                labels,
                f"coordinates outside -180..180 / -90..90 although {crs} is in degrees: these "
                "look like projected metres declared as degrees.",
                "declare the file's real CRS (e.g. --datum EPSG:4549) or reproject it to WGS84",
                code="metres_as_degrees",
                params={"crs": crs},
                quote=False,
                values=[f"x={a:.6g}, y={b:.6g}" for a, b in zip(minx, miny, strict=True)],
            )
        degrees = (
            (np.abs(minx) <= 180)
            & (np.abs(maxx) <= 180)
            & (np.abs(miny) <= 90)
            & (np.abs(maxy) <= 90)
        )
    if ok.any() and degrees[ok].all():
        return [
            Problem(
                layer,
                f"every coordinate lies within -180..180 / -90..90 although the "
                f"CRS {gdf.crs.to_string()} is projected (metres): these look like "
                "degrees declared as metres.",
                "declare the datum of lon/lat files (WGS84, CGCS2000, GCJ-02, BD-09)",
                code="degrees_as_metres",
                params={"crs": gdf.crs.to_string()},
            )
        ]
    return []


def check_overlaps(gdf: gpd.GeoDataFrame, layer: str, *, min_area_m2: float = 1.0) -> list[Problem]:
    """Polygons of one layer overlapping each other by more than ``min_area_m2`` (metric CRS).

    Communities must tile the district without overlap, or an estate could belong to two.
    """
    geoms = gdf.geometry
    ok = ~(geoms.isna() | geoms.is_empty).to_numpy()
    if ok.sum() < 2:
        return []
    labels = feature_labels(gdf, layer)
    valid = gdf[ok]
    idx = np.flatnonzero(ok)
    left, right = valid.sindex.query(valid.geometry, predicate="intersects")
    pairs = [(a, b) for a, b in zip(left, right, strict=True) if a < b]
    if not pairs:
        return []
    a_idx, b_idx = np.array(pairs).T
    areas = shapely.area(
        shapely.intersection(valid.geometry.to_numpy()[a_idx], valid.geometry.to_numpy()[b_idx])
    )
    found = [
        f"{labels[idx[a]]} and {labels[idx[b]]} ({area:,.0f} m2)"
        for a, b, area in zip(a_idx, b_idx, areas, strict=True)
        if area > min_area_m2
    ]
    if not found:
        return []
    return [
        Problem(
            layer,
            f"{len(found)} pair(s) of features overlap: {describe_features(found)}.",
            "redraw the shared boundaries so that features do not overlap",
            severity="warning",
            code="features_overlap",
            params={"n": len(found), "pairs": describe_features(found)},
        )
    ]
