"""One place for HTML escaping of user text on maps (export and app).

Names, ids and any extra column come from files a user uploads, so they are hostile until
escaped: a community named ``<img src=x onerror=alert(1)>`` must show as text in a tooltip,
never run. Leaflet and folium put text into the page in three ways, and each is handled here:

* **innerHTML sinks** (folium's ``GeoJsonTooltip``/``GeoJsonPopup`` tables, Leaflet's layer
  switcher, a legend's ``div.innerHTML``): :func:`escape` the text, and every property value a
  tooltip shows (:func:`escape_properties`, :func:`escape_columns`), before folium sees it;
* **JavaScript template literals** (folium's ``Tooltip``/``Popup`` put their text inside
  backticks): :func:`escape` also turns the backtick, ``$`` and ``\\`` into character
  references, so the text cannot end the literal or open a ``${...}`` expression;
* **data inside** ``<script>``: :func:`script_json` writes JSON with ``<``, ``>``, ``&`` and the
  JavaScript line separators as ``\\u`` escapes, so no ``</script>`` or ``<!--`` can appear.

Numbers and booleans are left as they are (they cannot carry markup, and ``toLocaleString``
still formats them). Build tooltips with :func:`geojson_tooltip` / :func:`tooltip_html` rather
than with folium directly.

Examples
--------
>>> escape("<img src=x onerror=alert(1)>")
'&lt;img src=x onerror=alert(1)&gt;'
>>> escape_value(["<b>", 3])
'[&quot;&lt;b&gt;&quot;, 3]'
>>> script_json({"name": "</script>"})
'{"name": "\\\\u003c/script\\\\u003e"}'
"""

from __future__ import annotations

import html
import json
import math
import numbers
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    import folium

#: Characters that :func:`html.escape` leaves alone but a JavaScript template literal treats
#: as syntax (folium writes tooltip and popup text between backticks).
_TEMPLATE_LITERAL = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;"})
#: Characters written as ``\u`` escapes inside ``<script>`` (same as Jinja's ``tojson``).
_SCRIPT_SAFE = str.maketrans(
    {
        "<": "\\u003c",
        ">": "\\u003e",
        "&": "\\u0026",
        "'": "\\u0027",
        "\u2028": "\\u2028",
        "\u2029": "\\u2029",
    }
)


def escape(text: object) -> str:
    """Escape any value's text for HTML content, attributes and JS template literals.

    ``&``, ``<``, ``>``, both quotes, the backtick, ``$`` and ``\\`` become character
    references; the browser shows them as typed.

    Examples
    --------
    >>> escape("a&b `${x}`")
    'a&amp;b &#96;&#36;{x}&#96;'
    """
    return html.escape(str(text), quote=True).translate(_TEMPLATE_LITERAL)


def escape_value(value: Any) -> Any:
    """A property value made safe for an innerHTML sink: text escaped, numbers kept.

    ``None`` and finite numbers and booleans are returned unchanged; lists and mappings
    (which folium's tooltip would write with ``JSON.stringify``) become their escaped JSON
    text; anything else its escaped ``str``.
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, numbers.Real):  # numpy numbers too
        return value if math.isfinite(float(value)) else None
    if isinstance(value, Mapping | list | tuple):
        return escape(json.dumps(value, ensure_ascii=False, default=str))
    return escape(value)


def escape_properties(feature_collection: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a GeoJSON FeatureCollection whose property values are :func:`escape_value`-d.

    Property *names* stay as they are (folium looks them up as JavaScript keys, which is not a
    sink); show them through escaped aliases (:func:`geojson_tooltip`).
    """
    out = dict(feature_collection)
    out["features"] = [
        {**f, "properties": {k: escape_value(v) for k, v in (f.get("properties") or {}).items()}}
        for f in feature_collection.get("features", [])
    ]
    return out


def escape_columns(df: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """A copy of ``df`` with the text of ``columns`` escaped (numeric columns unchanged)."""
    out = df.copy()
    for col in columns:
        if col in out.columns and not (
            pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col])
        ):
            out[col] = out[col].map(escape_value).astype(object)
    return out


def script_json(value: Any) -> str:
    """JSON text safe to write inside ``<script>`` (no ``</script>``, ``<!--`` or ``'``)."""
    return json.dumps(value, ensure_ascii=False).translate(_SCRIPT_SAFE)


def tooltip_html(rows: Mapping[str, object]) -> str:
    """``<b>label</b>: value`` lines, both escaped, for a plain (non-GeoJSON) tooltip."""
    return "<br>".join(f"<b>{escape(label)}</b>: {escape(value)}" for label, value in rows.items())


def geojson_tooltip(
    fields: Sequence[str], aliases: Sequence[str] | None = None, **kwargs: Any
) -> folium.GeoJsonTooltip:
    """A ``folium.GeoJsonTooltip`` whose labels are escaped.

    The values must come from data passed through :func:`escape_properties` or
    :func:`escape_columns` (folium writes both labels and values into ``innerHTML``).
    """
    import folium

    labels = [escape(a) for a in (aliases if aliases is not None else fields)]
    return folium.GeoJsonTooltip(fields=list(fields), aliases=labels, **kwargs)
