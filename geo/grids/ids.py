"""Grid codes: division (6) + street (3) + community (3) + sequence (3), community prefixes,
west-to-east / north-to-south reading order, and fresh codes that never reuse a taken one."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

if TYPE_CHECKING:
    pass
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from geo.errors import EditError

if TYPE_CHECKING:
    import geopandas as gpd


def community_prefixes(communities: gpd.GeoDataFrame) -> dict[str, str]:
    """12-digit grid-id prefix per community: division(6) + street(3) + community(3).

    Uses ``street_code`` (9 digits) and ``community_code`` (3 digits) when present and
    well-formed; otherwise derives stable codes: division ``000000``, streets numbered in
    order of their name, communities in order of their id within the street.
    """
    out: dict[str, str] = {}
    comms = communities.sort_values("community_id")
    streets = (
        comms["street"].astype(str)
        if "street" in comms.columns
        else pd.Series("", index=comms.index)
    )
    street_rank = {s: i + 1 for i, s in enumerate(sorted(streets.unique()))}
    street_codes = _codes(comms, "street_code", 9)
    comm_codes = _codes(comms, "community_code", 3)
    seq_in_street: dict[str, int] = {}
    for cid, street, sc, cc in zip(
        comms["community_id"], streets, street_codes, comm_codes, strict=True
    ):
        seq_in_street[street] = seq_in_street.get(street, 0) + 1
        out[str(cid)] = (sc or f"000000{street_rank[street] % 1000:03d}") + (
            cc or f"{seq_in_street[street] % 1000:03d}"
        )
    return out


def _codes(comms: pd.DataFrame, col: str, width: int) -> list[str]:
    """Well-formed codes of a column ("" where missing or malformed)."""
    if col not in comms.columns:
        return [""] * len(comms)
    out = []
    for value in comms[col]:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            out.append("")
            continue
        text = str(value).split(".")[0] if isinstance(value, float) else str(value)
        out.append(text if text.isdigit() and len(text) == width else "")
    return out


def reading_order(
    cx: Mapping[int, float], cy: Mapping[int, float], area_m2: float, ymax: float
) -> list[int]:
    """Labels in reading order: rows north to south, west to east within a row.

    Row height is the side of a square of the mean grid area, so grids of one row share
    a band of latitude; the first row is centred on ``ymax`` (the northernmost unit).
    """
    if not cx:
        return []
    h = max(math.sqrt(area_m2 / len(cx)), 1e-9)
    # rows are centred on the northernmost unit (+0.5): anchored at a row edge, float noise
    # of a few nanometres put the grid holding that unit in row -1 or 0
    return sorted(cx, key=lambda g: (math.floor((ymax - cy[g]) / h + 0.5), cx[g], -cy[g], g))


def new_grid_ids(template: str, taken: Iterable[str], n: int) -> list[str]:
    """``n`` fresh grid ids next to ``template``, none of them in ``taken``.

    A 15-digit unit-grid code (division 6 + street 3 + community 3 + sequence 3) gets the
    next free sequence numbers of its community; any other id gets ``-2``, ``-3`` ... suffixes.
    """
    taken = set(taken)
    out: list[str] = []
    if re.fullmatch(r"\d{15}", template):
        prefix = template[:12]
        seqs = [int(t[12:]) for t in taken if re.fullmatch(r"\d{15}", t) and t.startswith(prefix)]
        seq = max(seqs, default=0)
        while len(out) < n:
            seq += 1
            if seq > 999:
                raise EditError(
                    f"community code {prefix} has no free 3-digit grid sequence left for "
                    f"a new grid next to {template}; merge grids first",
                    code="no_free_code",
                    prefix=prefix,
                    grid=template,
                )
            cand = f"{prefix}{seq:03d}"
            if cand not in taken:
                out.append(cand)
        return out
    i = 1
    while len(out) < n:
        i += 1
        cand = f"{template}-{i}"
        if cand not in taken:
            out.append(cand)
    return out
