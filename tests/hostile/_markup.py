"""Hostile names for map tests, and the check that none of them is live markup in a page."""

from __future__ import annotations

import json

#: A name that runs script when it becomes markup, one per kind of sink.
IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(2)</script>"
#: Breaks out of a JavaScript template literal (folium's Tooltip text sits between backticks).
BACKTICK = "`+alert(3)+`${alert(4)}"
#: A hostile column name (tooltip label in the HTML export).
COLUMN = "<svg onload=alert(5)>"

HOSTILE = (IMG, SCRIPT, BACKTICK, COLUMN)


def _decoded(page: str) -> str:
    """The page with the ``\\u`` escapes Jinja's ``tojson`` writes undone (what JS sees)."""
    for code, char in (("\\u003c", "<"), ("\\u003e", ">"), ("\\u0026", "&"), ("\\u0027", "'")):
        page = page.replace(code, char)
    return page


def assert_no_live_markup(page: str, names: tuple[str, ...] = HOSTILE) -> None:
    """No hostile name appears raw in the page, nor in the strings its scripts hand to
    ``innerHTML`` (the data after JSON decoding); each present name appears escaped.

    Text that never becomes markup may stay raw: property *keys* (a JSON key ``"name":`` and
    folium's ``let fields = [...]`` are JavaScript lookups) and the map labels'
    ``var rows = [...]`` (written with ``textContent``).
    """
    for name in names:
        if "<" in name:
            assert name not in page, f"raw {name!r} in the page"
    decoded = _decoded(page)
    for line in decoded.splitlines():
        if line.strip().startswith(("let fields =", "var rows =")):
            continue
        for name in names:
            line = line.replace(json.dumps(name, ensure_ascii=False) + ":", "")
        for tag in ("<img src=x", "<script>alert", "<svg onload", "`+alert(3)", "${alert(4)}"):
            assert tag not in line, f"live {tag!r} reaches the page's scripts: {line.strip()[:200]}"
