"""Which columns hold personal data: the one decision used at load time and before export.

:mod:`geo.data._validate` drops these columns from the estates and buildings layers as they are
loaded, :mod:`geo.output.export` drops them from every table leaving gridplan. Both call
:func:`personal_columns`, so a column is personal in both places or in neither. The patterns
live in :mod:`geo.settings` (``PERSONAL_FIELD_PATTERNS``, ``PERSONAL_VALUE_PATTERNS``,
``NON_PERSONAL_ID_FIELDS``).

Examples
--------
>>> import pandas as pd
>>> personal_columns(pd.DataFrame({"grid_id": ["1"], "姓名": ["张三"], "备注": ["13812345678"]}))
['姓名', '备注']
"""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd

from geo.settings import NON_PERSONAL_ID_FIELDS, PERSONAL_FIELD_PATTERNS, PERSONAL_VALUE_PATTERNS

_NAME_RES = tuple(re.compile(p) for p in PERSONAL_FIELD_PATTERNS)
_VALUE_RE = re.compile(
    "(?<![0-9])(?:" + "|".join(f"(?:{p})" for p in PERSONAL_VALUE_PATTERNS) + ")(?![0-9])"
)


def _normalise_name(name: object) -> str:
    """Lower-case a column name and turn runs of spaces, dots and hyphens into ``_``."""
    return re.sub(r"[\s.\-]+", "_", str(name).strip().lower())


def is_personal_field(name: object) -> bool:
    """Whether a column name denotes personal data (see ``settings.PERSONAL_FIELD_PATTERNS``).

    Examples
    --------
    >>> is_personal_field("身份证号"), is_personal_field("Phone"), is_personal_field("households")
    (True, True, False)
    """
    norm = _normalise_name(name)
    return any(rx.search(norm) for rx in _NAME_RES)


def has_personal_values(col: pd.Series) -> bool:
    """Whether any text value of ``col`` holds a resident ID or a mobile phone number.

    Numbers inside a longer run of digits (a 15-digit grid code) do not count.

    Examples
    --------
    >>> has_personal_values(pd.Series(["call 13812345678"])), has_personal_values(pd.Series([1]))
    (True, False)
    """
    if col.dtype != object and not pd.api.types.is_string_dtype(col.dtype):
        return False
    values = col.dropna()
    values = values[values.map(lambda v: isinstance(v, str))]
    if values.empty:
        return False
    return bool(values.str.contains(_VALUE_RE).any())


def personal_columns(df: pd.DataFrame) -> list[str]:
    """Names of the columns of ``df`` that hold personal data, in column order.

    A column is personal when its name matches ``settings.PERSONAL_FIELD_PATTERNS`` (姓名,
    身份证, id_card, phone, 电话, mobile, member_name ...) or when any of its text values
    contains a resident ID number or a mobile phone number (``settings.PERSONAL_VALUE_PATTERNS``,
    not part of a longer digit run), except gridplan's own id columns
    (``settings.NON_PERSONAL_ID_FIELDS``), which are never judged by their values. The active
    geometry column is never personal.

    Parameters
    ----------
    df : DataFrame or GeoDataFrame
        Any table (not modified).

    Returns
    -------
    list of str
        The personal column names.
    """
    geom_name = (
        df.geometry.name
        if isinstance(df, gpd.GeoDataFrame) and df._geometry_column_name in df
        else None
    )
    return [
        str(c)
        for c in df.columns
        if c != geom_name
        and (
            is_personal_field(c) or (c not in NON_PERSONAL_ID_FIELDS and has_personal_values(df[c]))
        )
    ]
