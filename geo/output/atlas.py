"""The printable atlas of a grid plan: one PDF a street office files with its plan.

A cover page (district figures, one row per street) and one A4 landscape page per community:
a map of its grids labelled by name, with estates, facilities and posts, a scale bar and a
north arrow, and a table of its grids (code, name, households, party members, full-time and
part-time workers, the reason for any grid out of rule).

Drawn with matplotlib's PDF backend (chosen by measuring against ReportLab:
``bench/bench_atlas.py``). Chinese text is set in Noto Sans CJK SC (Debian ``fonts-noto-cjk``),
embedded as a subset CID font with a ToUnicode map, so ``pdftotext`` reads the text back.
Imports only ``geo.settings``, ``geo.errors`` and ``geo.output.export``; the staffing table
(``allocation.staffing.staff_grids``) and the density surface come in from the shells.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.errors import Problem, ValidationError
from geo.grids.wording import issue_words, reason_words
from geo.output.export import GRID_FILLS, _atomic_write_bytes, grid_colours

#: A4 landscape, inches.
A4_LANDSCAPE_IN = (11.69, 8.27)

#: Where the Noto CJK fonts are looked for, in order (Debian ``fonts-noto-cjk``, other systems).
CJK_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
)

#: The face of the Noto CJK collection used for simplified Chinese.
CJK_FAMILY = "Noto Sans CJK SC"

#: Marker of each facility level on the map: (marker, colour).
_FACILITY_STYLE = {
    "district": ("*", "#b2182b"),
    "street": ("D", "#d6604d"),
    "community": ("s", "#2166ac"),
    "post": ("o", "#4393c3"),
}

#: Words of the atlas, Chinese and English.
TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "title": "党建网格划分图册",
        "plan": "方案",
        "version": "版本",
        "saved": "保存于",
        "district": "全区概况",
        "communities": "社区数",
        "grids": "网格数",
        "households": "户数",
        "party_members": "党员数",
        "full_time": "专职网格员",
        "part_time": "兼职网格员",
        "out_of_rule": "不合规网格",
        "street": "街道",
        "code": "网格编码",
        "name": "网格名称",
        "reason": "不合规原因",
        "estates": "小区",
        "facilities": "服务设施",
        "posts": "新增驿站",
        "north": "北",
        "page": "第 {n} 页",
        "community": "社区",
        "no_street": "（未注明街道）",
        "density": "党员密度（人/平方公里）",
        "density_col": "党员密度",
        "band": "网格规模 {lo}–{hi} 户",
        "bandwidth": "核密度估计带宽 {bw:.0f} 米",
        "staffing_note": "网格员按{what}用最大余数法分配",
        "no_staffing": "未分配网格员",
        "t_households": "户数",
        "t_party": "党员数",
        "t_full": "专职\n网格员",
        "t_part": "兼职\n网格员",
        "t_density": "党员密度\n人/km²",
    },
    "en": {
        "title": "Party-building grid atlas",
        "plan": "Plan",
        "version": "version",
        "saved": "saved",
        "district": "District",
        "communities": "communities",
        "grids": "grids",
        "households": "households",
        "party_members": "party members",
        "full_time": "full-time",
        "part_time": "part-time",
        "out_of_rule": "grids out of rule",
        "street": "street",
        "code": "code",
        "name": "name",
        "reason": "out of rule because",
        "estates": "estates",
        "facilities": "facilities",
        "posts": "proposed posts",
        "north": "N",
        "page": "page {n}",
        "community": "community",
        "no_street": "(street not given)",
        "density": "party members per km²",
        "density_col": "members/km²",
        "band": "grid size {lo}–{hi} households",
        "bandwidth": "kernel density bandwidth {bw:.0f} m",
        "staffing_note": "workers apportioned by {what}",
        "no_staffing": "no workers apportioned",
        "t_households": "house-\nholds",
        "t_party": "party\nmembers",
        "t_full": "full-\ntime",
        "t_part": "part-\ntime",
        "t_density": "members\n/km²",
    },
}


@dataclass(frozen=True)
class AtlasResult:
    """What :func:`write_atlas` wrote.

    Attributes
    ----------
    path : Path
        The PDF.
    pages : int
        Pages written (cover + one per community with grids).
    font : str
        The font file embedded for the text ("" when no CJK font was found: Chinese would
        print as boxes, so :func:`write_atlas` refuses instead).
    communities : tuple of str
        Community ids in page order.
    """

    path: Path
    pages: int
    font: str
    communities: tuple[str, ...]


def find_cjk_font(candidates: Sequence[str | os.PathLike[str]] = CJK_FONT_FILES) -> Path | None:
    """The first Noto CJK font file present, or None."""
    for c in candidates:
        if Path(c).is_file():
            return Path(c)
    return None


def reason_text(issue: str, lang: str = "zh", band_reason: str = "") -> str:
    """A grid's reason column: its rule message (``Plan.grids()["issue"]``) and, for a grid
    outside the band, why (``Plan.grids()["band_reason"]``), in ``lang``.

    Both are said from the templates the app uses (:data:`geo.grids.wording.WORDING`); in
    English the engine's own words; parts no code matches are kept as they are.
    """
    parts = [
        issue_words(issue, lang) if lang == "zh" else issue,
        reason_words(band_reason, lang) if lang == "zh" else band_reason,
    ]
    return ("；" if lang == "zh" else "; ").join(p for p in parts if p)


def _check_inputs(grids: gpd.GeoDataFrame, communities: gpd.GeoDataFrame) -> None:
    problems = []
    for layer, gdf, cols in (
        ("grids", grids, ("grid_id", "community_id", "households", "party_members")),
        ("communities", communities, ("community_id",)),
    ):
        missing = [c for c in cols if c not in gdf.columns]
        problems += [
            Problem(
                layer,
                f"column `{c}` missing",
                "pass the plan's grids and the dataset's layers as loaded by gridplan",
                field=c,
                code="at_column_missing",
                params={"column": c},
            )
            for c in missing
        ]
        if gdf.crs is None or not gdf.crs.is_projected:
            problems.append(
                Problem(
                    layer,
                    f"CRS {gdf.crs} is not metric",
                    "pass layers in the dataset's metric CRS (geo.data.io.load_layers)",
                    code="not_metric",
                    params={"crs": str(gdf.crs)},
                )
            )
    if len(grids) == 0:
        problems.append(
            Problem("grids", "the plan has no grids", "grid the district first", code="at_no_grids")
        )
    if problems:
        raise ValidationError(problems, title="cannot draw the atlas")


def _grid_table(
    grids: gpd.GeoDataFrame,
    names: Mapping[str, str],
    staffing: pd.DataFrame | None,
    density: pd.Series | None,
) -> gpd.GeoDataFrame:
    """Grids with name, workers and density columns joined by grid id."""
    g = grids.reset_index(drop=True).copy()
    g["grid_id"] = g["grid_id"].astype(str)
    if "name" not in g.columns:
        g["name"] = ""
    g["name"] = [
        names.get(i) or (n if isinstance(n, str) else "") or i
        for i, n in zip(g["grid_id"], g["name"], strict=True)
    ]
    if staffing is not None and len(staffing):
        s = staffing.assign(grid_id=staffing["grid_id"].astype(str)).set_index("grid_id")
        for col in ("full_time", "part_time"):
            g[col] = g["grid_id"].map(s[col]) if col in s.columns else np.nan
    if density is not None:
        g["density"] = g["grid_id"].map(density.rename(index=str))
    if "issue" not in g.columns:
        g["issue"] = ""
    g["issue"] = g["issue"].fillna("").astype(str)
    return g


def _fmt(v: Any) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    if isinstance(v, (int, np.integer)) or (
        isinstance(v, (float, np.floating)) and float(v).is_integer()
    ):
        return f"{int(v):,}"
    return f"{float(v):,.1f}"


def nice_scale_length(width_m: float) -> float:
    """A round scale-bar length (1, 2 or 5 x 10^k metres) of about a fifth of ``width_m``."""
    target = max(width_m / 5.0, 1.0)
    k = 10 ** math.floor(math.log10(target))
    return float(max(m * k for m in (1, 2, 5) if m * k <= target))


def _scale_bar(ax: Any, bounds: tuple[float, float, float, float]) -> None:
    x0, y0, x1, y1 = bounds
    length = nice_scale_length(x1 - x0)
    bx, by = x0 + 0.04 * (x1 - x0), y0 + 0.04 * (y1 - y0)
    h = 0.012 * (y1 - y0)
    ax.add_patch(_rect((bx, by), length / 2, h, "black"))
    ax.add_patch(_rect((bx + length / 2, by), length / 2, h, "white"))
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    for x, t in ((bx, "0"), (bx + length, label)):
        ax.text(x, by + 1.8 * h, t, ha="center", va="bottom", fontsize=7)


def _rect(xy: tuple[float, float], w: float, h: float, face: str) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle(xy, w, h, facecolor=face, edgecolor="black", linewidth=0.6, zorder=6)


def _north_arrow(ax: Any, label: str) -> None:
    ax.annotate(
        label,
        xy=(0.95, 0.95),
        xytext=(0.95, 0.85),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=11,
        arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.4},
        zorder=7,
    )


def _draw_map(
    ax: Any,
    comm: gpd.GeoDataFrame,
    grids: gpd.GeoDataFrame,
    colours: Mapping[str, int],
    estates: gpd.GeoDataFrame | None,
    facilities: gpd.GeoDataFrame | None,
    posts: gpd.GeoDataFrame | None,
    density: Any,
    words: Mapping[str, str],
) -> None:
    """The community's map: grids coloured and named, estates, facilities, posts, scale, north."""
    from matplotlib.lines import Line2D

    bounds = tuple(float(v) for v in comm.total_bounds)
    x0, y0, x1, y1 = bounds
    pad = 0.05 * max(x1 - x0, y1 - y0, 1.0)
    frame = (x0 - pad, y0 - pad, x1 + pad, y1 + pad)
    if density is not None:
        _draw_density(ax, density, frame)
    fills = [GRID_FILLS[colours.get(g, 0) % len(GRID_FILLS)] for g in grids["grid_id"]]
    grids.plot(
        ax=ax,
        color=fills,
        edgecolor="#333333",
        linewidth=0.8,
        alpha=0.55 if density is not None else 0.85,
        zorder=2,
    )
    comm.boundary.plot(ax=ax, color="black", linewidth=1.6, zorder=3)
    handles: list[Any] = []
    if density is not None:
        from matplotlib.patches import Patch

        handles.append(Patch(facecolor="#ef3b2c", alpha=0.6, label=words["density"]))
    if estates is not None and len(estates):
        estates.boundary.plot(ax=ax, color="#666666", linewidth=0.35, zorder=3)
        handles.append(Line2D([], [], color="#666666", lw=0.6, label=words["estates"]))
    if facilities is not None and len(facilities):
        levels = (
            facilities["level"].astype(str)
            if "level" in facilities
            else pd.Series("post", index=facilities.index)
        )
        for level, (marker, colour) in _FACILITY_STYLE.items():
            pts = facilities[levels.to_numpy() == level]
            if len(pts):
                ax.scatter(
                    pts.geometry.x,
                    pts.geometry.y,
                    marker=marker,
                    s=36,
                    c=colour,
                    edgecolors="white",
                    linewidths=0.6,
                    zorder=5,
                )
        handles.append(
            Line2D([], [], marker="s", color="#2166ac", ls="", label=words["facilities"])
        )
    if posts is not None and len(posts):
        ax.scatter(
            posts.geometry.x,
            posts.geometry.y,
            marker="^",
            s=60,
            c="#e31a1c",
            edgecolors="black",
            linewidths=0.6,
            zorder=5,
        )
        handles.append(Line2D([], [], marker="^", color="#e31a1c", ls="", label=words["posts"]))
    for name, geom in zip(grids["name"], grids.geometry, strict=True):
        p = geom.representative_point()
        ax.text(
            p.x,
            p.y,
            str(name),
            ha="center",
            va="center",
            fontsize=7,
            zorder=8,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75},
        )
    ax.set_xlim(frame[0], frame[2])
    ax.set_ylim(frame[1], frame[3])
    ax.set_aspect("equal")
    ax.set_axis_off()
    _scale_bar(ax, frame)
    _north_arrow(ax, words["north"])
    if handles:
        ax.legend(handles=handles, loc="lower right", fontsize=7, framealpha=0.85)


def _draw_density(ax: Any, density: Any, frame: tuple[float, float, float, float]) -> None:
    """The density surface (``DensitySurface``-like: ``x``, ``y`` axes, ``z`` per km²) as a raster."""
    x, y, z = np.asarray(density.x), np.asarray(density.y), np.asarray(density.z)
    ix = (x >= frame[0]) & (x <= frame[2])
    iy = (y >= frame[1]) & (y <= frame[3])
    if ix.sum() < 2 or iy.sum() < 2:
        return
    ax.imshow(
        z[np.ix_(iy, ix)],
        extent=(x[ix][0], x[ix][-1], y[iy][0], y[iy][-1]),
        origin="lower",
        cmap="Reds",
        alpha=0.6,
        zorder=1,
        interpolation="bilinear",
        vmin=0,
        vmax=float(np.nanmax(z)) or 1.0,
    )


def _draw_table(
    ax: Any, rows: list[list[str]], header: list[str], widths: list[float], fontsize: float
) -> None:
    """A ruled table drawn as one text block per column (a matplotlib ``Table`` lays out every
    cell: ten times slower on an atlas). Multi-line cells pad their row so columns stay aligned.
    """
    ax.axis("off")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    width_in = ax.figure.get_size_inches()[0] * ax.get_position().width
    ems = [max(w * width_in * 72.0 / fontsize - 0.4, 2.0) for w in widths]
    cells = [[wrap_em(str(c), ems[j]) for j, c in enumerate(row)] for row in [header, *rows]]
    heights = [max(len(c) for c in row) for row in cells]
    fig_h = ax.figure.get_size_inches()[1] * ax.get_position().height
    line = _line_pitch(fontsize) / 72.0 / fig_h  # one text line, in axes fraction
    lefts = np.concatenate([[0.0], np.cumsum(widths)[:-1]])
    top = 1.0 - 0.15 * line
    body = top - heights[0] * line - 0.3 * line
    for j, left in enumerate(lefts):
        text = "\n".join(
            "\n".join(row[j] + [""] * (h - len(row[j])))
            for row, h in zip(cells[1:], heights[1:], strict=True)
        )
        head = "\n".join(cells[0][j] + [""] * (heights[0] - len(cells[0][j])))
        for y, block, colour in ((top, head, "#222222"), (body, text, "black")):
            ax.text(
                left + 0.005,
                y,
                block,
                va="top",
                ha="left",
                fontsize=fontsize,
                color=colour,
                linespacing=_LINESPACING,
                transform=ax.transAxes,
            )
    ys = [1.0, body + 0.15 * line, *(body - np.cumsum(heights[1:]) * line + 0.05 * line)]
    ax.hlines(
        ys,
        0,
        sum(widths),
        colors="#888888",
        linewidth=[0.8, 0.8] + [0.3] * (len(ys) - 3) + [0.8],
        transform=ax.transAxes,
    )


#: Line spacing of table text (matplotlib's multiple of the "lp" height).
_LINESPACING = 1.3


def _line_pitch(fontsize: float) -> float:
    """Distance between two lines of table text, in points, measured as matplotlib lays it out
    (the height of three lines minus that of two, with the atlas's fonts)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(dpi=72)
    renderer = FigureCanvasAgg(fig).get_renderer()  # type: ignore[no-untyped-call]  # matplotlib: untyped
    two, three = (
        fig.text(0, 0, "\n".join(["320 网格 lp"] * n), fontsize=fontsize, linespacing=_LINESPACING)
        .get_window_extent(renderer)
        .height
        for n in (2, 3)
    )
    return float(three - two)


def _community_rows(
    g: gpd.GeoDataFrame, lang: str, with_density: bool
) -> tuple[list[str], list[list[str]]]:
    w = TEXT[lang]
    header = [w["code"], w["name"], w["t_households"], w["t_party"], w["t_full"], w["t_part"]]
    if with_density:
        header.append(w["t_density"])
    header.append(w["reason"])
    rows = []
    for r in g.itertuples(index=False):
        row = [
            str(r.grid_id),
            str(r.name),
            _fmt(r.households),
            _fmt(r.party_members),
            _fmt(getattr(r, "full_time", None)),
            _fmt(getattr(r, "part_time", None)),
        ]
        if with_density:
            d = getattr(r, "density", None)
            row.append(_fmt(round(float(d))) if d is not None and np.isfinite(d) else "–")
        band = getattr(r, "band_reason", "")
        row.append(reason_text(_text(r.issue), lang, _text(band)))
        rows.append(row)
    return header, rows


def _text(value: Any) -> str:
    """A text cell: "" for a missing value (None, NaN)."""
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _em(ch: str) -> float:
    """Width of a character in ems: CJK and full-width 1, others about 0.56."""
    return 1.0 if ord(ch) > 0x2E7F else 0.56


def wrap_em(text: str, width_em: float) -> list[str]:
    """Lines of ``text`` no wider than ``width_em`` ems (breaks at spaces when it can)."""
    lines: list[str] = []
    for para in text.split("\n"):
        line, used = "", 0.0
        for ch in para:
            w = _em(ch)
            if used + w > width_em and line:
                space, hyphen = line.rfind(" "), line.rfind("-")
                if max(space, hyphen) > 0 and ch != " ":
                    cut = max(space, hyphen)
                    lines.append(line[: cut + (cut == hyphen)])
                    line = line[cut + 1 :]
                else:
                    lines.append(line.rstrip())
                    line = ""
                used = sum(_em(c) for c in line)
            if not (ch == " " and not line):
                line += ch
                used += w
        lines.append(line)
    return lines or [""]


def _street_rows(g: gpd.GeoDataFrame, communities: gpd.GeoDataFrame, lang: str) -> list[list[str]]:
    w = TEXT[lang]
    street = (
        communities.set_index("community_id")["street"].astype(str)
        if "street" in communities.columns
        else pd.Series(dtype=str)
    )
    key = g["community_id"].astype(str).map(street).fillna(w["no_street"])
    rows = []
    for name, part in g.groupby(key, sort=True):
        rows.append(
            [
                str(name),
                _fmt(part["community_id"].nunique()),
                _fmt(len(part)),
                _fmt(part["households"].sum()),
                _fmt(part["party_members"].sum()),
                _fmt(part["full_time"].sum()) if "full_time" in part else "–",
                _fmt(part["part_time"].sum()) if "part_time" in part else "–",
                _fmt(int((part["issue"] != "").sum())),
            ]
        )
    return rows


def _cover(
    fig: Any,
    g: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame,
    lang: str,
    heading: Mapping[str, str],
    notes: Sequence[str],
) -> None:
    w = TEXT[lang]
    fig.text(0.5, 0.9, w["title"], ha="center", fontsize=26)
    fig.text(
        0.5, 0.84, "  ".join(f"{k}: {v}" for k, v in heading.items() if v), ha="center", fontsize=11
    )
    figures = [
        (w["communities"], g["community_id"].nunique()),
        (w["grids"], len(g)),
        (w["households"], g["households"].sum()),
        (w["party_members"], g["party_members"].sum()),
        (w["full_time"], g["full_time"].sum() if "full_time" in g else None),
        (w["part_time"], g["part_time"].sum() if "part_time" in g else None),
        (w["out_of_rule"], int((g["issue"] != "").sum())),
    ]
    ax = fig.add_axes((0.1, 0.62, 0.8, 0.16))
    _draw_table(ax, [[_fmt(v) for _k, v in figures]], [k for k, _v in figures], [1 / 7] * 7, 11)
    fig.text(0.1, 0.6, w["street"], fontsize=14)
    ax = fig.add_axes((0.1, 0.12, 0.8, 0.46))
    header = [
        w["street"],
        w["communities"],
        w["grids"],
        w["households"],
        w["party_members"],
        w["full_time"],
        w["part_time"],
        w["out_of_rule"],
    ]
    _draw_table(
        ax,
        _street_rows(g, communities, lang),
        header,
        [0.22, 0.1, 0.1, 0.12, 0.12, 0.12, 0.12, 0.1],
        10,
    )
    for i, note in enumerate(notes):
        fig.text(0.1, 0.08 - 0.025 * i, note, fontsize=8, color="#444444")


def _community_page(
    fig: Any,
    cid: str,
    comm: gpd.GeoDataFrame,
    cg: gpd.GeoDataFrame,
    colours: Mapping[str, int],
    layers: Mapping[str, gpd.GeoDataFrame | None],
    density: Any,
    lang: str,
    page: int,
) -> None:
    w = TEXT[lang]
    name = (
        str(comm["name"].iloc[0])
        if "name" in comm.columns and pd.notna(comm["name"].iloc[0])
        else cid
    )
    street = (
        str(comm["street"].iloc[0])
        if "street" in comm.columns and pd.notna(comm["street"].iloc[0])
        else ""
    )
    fig.text(0.03, 0.955, f"{street} {name}".strip(), fontsize=17)
    fig.text(
        0.03,
        0.925,
        f"{w['community']} {cid} · {w['grids']} {len(cg)} · {w['households']} "
        f"{_fmt(cg['households'].sum())} · {w['party_members']} {_fmt(cg['party_members'].sum())}",
        fontsize=9,
        color="#333333",
    )
    fig.text(0.97, 0.02, w["page"].format(n=page), ha="right", fontsize=8, color="#666666")
    clip = comm.geometry.union_all().buffer(1.0)

    def inside(gdf: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
        if gdf is None or not len(gdf):
            return None
        if "community_id" in gdf.columns:
            return gdf[gdf["community_id"].astype(str) == cid]
        return gdf[gdf.intersects(clip)]

    ax = fig.add_axes((0.02, 0.05, 0.53, 0.85))
    _draw_map(
        ax,
        comm,
        cg,
        colours,
        inside(layers.get("estates")),
        inside(layers.get("facilities")),
        _points_inside(layers.get("posts"), clip),
        density,
        w,
    )
    header, rows = _community_rows(cg, lang, "density" in cg.columns)
    n = len(header)
    widths = [0.25, 0.17] + [0.085] * (n - 3) + [0.22]
    total = sum(widths)
    _draw_table(
        fig.add_axes((0.565, 0.05, 0.425, 0.85)),
        rows,
        header,
        [x / total for x in widths],
        8.5 if len(rows) <= 12 else 7.0 if len(rows) <= 24 else 5.5,
    )


def _points_inside(points: gpd.GeoDataFrame | None, clip: Any) -> gpd.GeoDataFrame | None:
    if points is None or not len(points):
        return None
    return points[points.intersects(clip)]


def _configure_fonts(font: Path | None) -> list[str]:
    import matplotlib
    from matplotlib import font_manager

    families = ["DejaVu Sans"]
    if font is not None:
        font_manager.fontManager.addfont(str(font))
        known = {f.name for f in font_manager.fontManager.ttflist}
        cjk = [f for f in (CJK_FAMILY, "Noto Sans CJK JP", "Noto Serif CJK SC") if f in known]
        families = cjk[:1] + families
    matplotlib.rcParams["pdf.fonttype"] = 42  # embedded outline subset + ToUnicode: text extracts
    return families


def write_atlas(
    record: Any,
    layers: Mapping[str, gpd.GeoDataFrame | None],
    path: str | os.PathLike[str],
    *,
    staffing: pd.DataFrame | None = None,
    density: Any = None,
    grid_density: pd.Series | None = None,
    lang: str = "zh",
    notes: Sequence[str] = (),
    font: str | os.PathLike[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> AtlasResult:
    """Write the atlas of a saved plan as a PDF (A4 landscape).

    Parameters
    ----------
    record : geo.output.store.PlanRecord
        The plan version: ``grids`` (metric CRS, with ``issue``), ``names``, ``posts``,
        ``staffing``, ``name``, ``version``, ``created``.
    layers : mapping
        ``communities`` (required), ``estates``, ``facilities`` (optional), all in the plan's
        metric CRS (``geo.data.io.load_layers``). ``posts`` here overrides ``record.posts``.
    path : path-like
        The PDF to write (atomically).
    staffing : DataFrame, optional
        ``grid_id, full_time, part_time`` (``allocation.staffing.staff_grids``); default
        ``record.staffing``; "–" in the table when neither is given.
    density : object, optional
        A surface with ``x``, ``y`` (metres) and ``z`` (party members per km²) drawn under the
        grids, e.g. ``allocation.density.DensitySurface``.
    grid_density : Series, optional
        Party members per km² by grid id: a table column.
    lang : {"zh", "en"}
    notes : sequence of str
        Lines printed at the foot of the cover (bandwidth, staffing rule ...).
    font : path-like, optional
        A CJK font file; default the first of :data:`CJK_FONT_FILES`.
    progress : callable(done, total), optional

    Returns
    -------
    AtlasResult

    Raises
    ------
    ValidationError
        Without a CJK font (Chinese would print as empty boxes), on missing columns or
        layers not in a metric CRS.
    """
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    if lang not in TEXT:
        raise ValidationError(
            [
                Problem(
                    "atlas",
                    f"language {lang!r} unknown",
                    "use zh or en",
                    field="lang",
                    code="at_lang",
                    params={"lang": repr(lang)},
                )
            ]
        )
    font_path = Path(font) if font is not None else find_cjk_font()
    if font_path is None or not font_path.is_file():
        raise ValidationError(
            [
                Problem(
                    "atlas",
                    f"no Noto CJK font ({font or ', '.join(CJK_FONT_FILES)})",
                    "install Debian's fonts-noto-cjk (`make fonts`) or pass a CJK font file",
                    field="font",
                    code="at_no_font",
                    params={"font": str(font or ", ".join(CJK_FONT_FILES))},
                )
            ],
            title="cannot draw the atlas",
        )
    communities = layers.get("communities")
    if communities is None:
        raise ValidationError(
            [
                Problem(
                    "communities",
                    "layer missing",
                    "load the dataset the plan was made on",
                    code="at_layer_missing",
                )
            ],
            title="cannot draw the atlas",
        )
    _check_inputs(record.grids, communities)
    g = _grid_table(
        record.grids,
        dict(record.names),
        staffing if staffing is not None else record.staffing,
        grid_density,
    )
    communities = communities.assign(community_id=communities["community_id"].astype(str))
    g["community_id"] = g["community_id"].astype(str)
    colours = grid_colours(g)
    heading = {
        TEXT[lang]["plan"]: str(record.name),
        TEXT[lang]["version"]: _fmt(record.version),
        TEXT[lang]["saved"]: str(record.created or "")[:16].replace("T", " "),
    }
    used = set(g["community_id"])
    order = [c for c in communities["community_id"] if c in used]
    order += sorted(used - set(order))
    page_layers = {
        "estates": layers.get("estates"),
        "facilities": layers.get("facilities"),
        "posts": layers.get("posts", record.posts),
    }
    page_layers = {
        k: (
            v.to_crs(record.grids.crs)
            if v is not None and len(v) and v.crs != record.grids.crs
            else v
        )
        for k, v in page_layers.items()
    }
    families = _configure_fonts(font_path)
    import io

    buffer = io.BytesIO()
    with (
        matplotlib.rc_context(
            {"font.family": families, "pdf.fonttype": 42, "axes.unicode_minus": False}
        ),
        PdfPages(
            buffer,
            metadata={"Title": f"{TEXT[lang]['title']} {record.name}", "Creator": "gridplan"},
        ) as pdf,
    ):
        fig = Figure(figsize=A4_LANDSCAPE_IN)
        _cover(fig, g, communities, lang, heading, notes)
        pdf.savefig(fig)
        total = len(order) + 1
        for i, cid in enumerate(order, start=2):
            comm = communities[communities["community_id"] == cid]
            cg = g[g["community_id"] == cid].sort_values("grid_id")
            if comm.empty:  # a plan community without a boundary: frame its grids
                comm = gpd.GeoDataFrame(
                    {"community_id": [cid]}, geometry=[cg.geometry.union_all()], crs=g.crs
                )
            fig = Figure(figsize=A4_LANDSCAPE_IN)
            _community_page(fig, cid, comm, cg, colours, page_layers, density, lang, i)
            pdf.savefig(fig)
            if progress is not None:
                progress(i, total)
    path = Path(path)
    _atomic_write_bytes(path, buffer.getvalue())
    return AtlasResult(
        path=path, pages=len(order) + 1, font=str(font_path), communities=tuple(order)
    )
