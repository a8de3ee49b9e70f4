"""AppTest: a dataset switch leaves nothing of the old dataset's plan or results behind."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from ui.i18n import t
from ui.state import DERIVED_KEYS
from ui.tabs_grids import PANEL_KEY

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def _set(value: object) -> bool:
    return value is not None and not (isinstance(value, list | dict | tuple) and len(value) == 0)


#: Keys the grids flow below fills from the plan, named here independently of ui.state's lists.
FILLED_BY_A_PLAN = (
    "plan",
    "editor",
    "sel_units",
    "open_plan",
    "_shown_units",
    "_sel_for_grid",
    "last_edit",
)


def _live(at: AppTest) -> set[str]:
    """Plan/dataset keys holding something (an empty selection or a ``None`` counts as nothing)."""
    keys = set(DERIVED_KEYS) | set(FILLED_BY_A_PLAN)
    return {k for k in keys if k in at.session_state and _set(at.session_state[k])}


def test_dataset_switch_leaves_nothing_stale() -> None:
    at = AppTest.from_file(APP, default_timeout=240).run()
    assert not at.exception, at.exception
    lang = at.session_state["lang"]
    at.session_state[f"view_{lang}"] = t("tab_grids", lang)
    at.run()
    at.button(key="generate").click().run()
    assert not at.exception, at.exception
    at.session_state[PANEL_KEY] = True  # open the lazy panel of units and buttons
    at.run()
    plan = at.session_state["plan"]
    sel = at.multiselect(key="sel_units")
    sel.set_value(list(sel.options[:2])).run()
    assert {"plan", "editor", "sel_units"} <= _live(at), _live(at)

    at.sidebar.radio(key="source").set_value("upload").run()  # switch to another dataset
    assert not at.exception, at.exception
    assert _live(at) == set(), f"stale after the switch: {_live(at)}"

    at.sidebar.radio(key="source").set_value("demo").run()  # and back: no old plan comes back
    assert not at.exception, at.exception
    assert "plan" not in at.session_state or at.session_state["plan"] is not plan
    assert _live(at) == set()
