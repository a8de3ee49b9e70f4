"""The editing map says every message in the page language (issue 15): refusals through their
codes with units by name, the rules an edit broke with grids by name; the panel's copy of a
refusal has no second "refused" prefix."""

from __future__ import annotations

import re

from geo.grids.edits import PlanEditor
from tests.ui.test_chinese_ui import english_words
from tests.ui.test_editmap import editor, gid  # noqa: F401
from ui import editmap


def test_a_refusal_is_chinese_with_the_unit_by_name(editor: PlanEditor) -> None:  # noqa: F811
    state: dict = {}
    labels = {"C1-1-1": "阳光花园 3号楼（…B017）"}
    delta = editmap.answer(
        state,
        editor,
        {"id": "x", "op": "move", "units": ["C1-1-1"], "to": gid(1)},
        "none",
        "zh",
        labels,
    )
    assert delta is not None and not delta["ok"]
    assert delta["error"].startswith("操作被拒绝：") and "不再连片" in delta["error"]
    assert not english_words([delta["error"]])
    # the panel shows the refusal under its own "refused" heading: the message alone here
    assert not state["last_edit"]["error"].startswith("操作被拒绝")
    bad = editmap.answer(state, editor, {"id": "y", "op": "drop_table"}, "none", "zh")
    assert (
        bad["error"]
        == "操作被拒绝：地图发来未知命令“drop_table”；应为 " + ", ".join(editmap.OPS) + " 之一"
    )
    moved = editmap.answer(
        state, editor, {"id": "z", "op": "move", "units": ["C1-1-2"], "to": gid(1)}, "none", "zh"
    )
    assert moved["ok"]


def test_the_rules_broken_are_said_in_the_page_language(editor: PlanEditor) -> None:  # noqa: F811
    state: dict = {}
    delta = editmap.answer(
        state, editor, {"id": "m", "op": "merge", "a": gid(1), "b": gid(2)}, "none", "zh"
    )
    assert delta["ok"]
    raw = list(state["last_edit"]["violations"])  # the engine's words stay in the session
    assert raw and all(v.startswith("grid ") for v in raw)
    said = delta["violations"]
    assert len(said) == len(raw)
    assert all(re.search(r"[\u4e00-\u9fff]", v) for v in said)
    assert any("第1网格" in v for v in said)  # grids by name, the code beside
    assert not english_words(said), said
    en = editmap.answer(state, editor, {"id": "u", "op": "undo"}, "none", "en")
    assert en["ok"]


def test_every_op_an_edit_can_record_has_a_name_on_the_map() -> None:
    """The map's "confirmed" line names the op by ``text["em_" + op]``: every op an editor
    event can carry (map commands and panel edits) has one, in both languages."""
    import ast
    import inspect

    from geo.grids import edits

    ops = {
        n.value
        for node in ast.walk(ast.parse(inspect.getsource(edits)))
        if isinstance(node, ast.Dict)
        for k, n in zip(node.keys, node.values, strict=True)
        if isinstance(k, ast.Constant) and k.value == "op" and isinstance(n, ast.Constant)
    } | {"lock", "unlock"}
    assert {"move", "rename", "reoptimise", "repair"} <= ops
    for lang in ("zh", "en"):
        text = editmap.texts(lang)
        assert all(text.get(f"em_{op}") for op in ops), sorted(
            op for op in ops if not text.get(f"em_{op}")
        )
