"""Every message code the engine can emit has a Chinese and an English rendering whose
placeholders its parameters fill (issue 15).

The engine is scanned with ``ast`` for ``Problem(...)``, ``_features_problem(...)``,
``_problem(...)`` (walk network) and ``EditError(...)`` calls with a ``code=`` keyword (both
branches of ``a if c else b``); their parameters are the keys of the ``params={...}`` literal (``Problem``) or the other keyword
arguments (``EditError``). The reason phrases of ``geo.grids.metrics.REASON_CODES`` are checked
the same way against their ``rs_<code>`` templates, and each is matched back from the English
the engine writes.
"""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from ui.i18n import TEXT, edit_error_text, feature_text, problem_line, problem_text, reason_text

ROOT = Path(__file__).resolve().parents[2]
#: Where engine messages are made (shells excluded: they render, they do not emit).
ENGINE = ["geo", "allocation", "ui/editmap"]
#: Calls that make a coded message: Problem and its helpers (walk network), EditError.
#: Errors with ``code`` and keyword params, and the prefix of their templates.
ERRORS = {"EditError": "ee", "InfeasibleError": "ie", "ConflictError": "ce", "StoreError": "se"}
MAKERS = ("Problem", "_features_problem", "_problem", *ERRORS)
#: Keys every coded Problem may use in its templates besides its own params (set by the shell).
DERIVED = {"layer_name", "shifted_name"}


def _codes(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _codes(node.body) + _codes(node.orelse)
    return []


def _name(call: ast.Call) -> str:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


def engine_codes() -> dict[tuple[str, str], set[str]]:
    """``{(kind, code): params}`` with kind ``"pr"`` (Problem) or ``"ee"`` (EditError)."""
    out: dict[tuple[str, str], set[str]] = {}
    files = [p for d in ENGINE for p in sorted((ROOT / d).rglob("*.py"))]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node)
            kw = {k.arg: k.value for k in node.keywords if k.arg}
            if "code" not in kw or name not in MAKERS:
                continue
            if name in ERRORS:
                kind = ERRORS[name]
                params = set(kw) - {"code"}
            else:
                kind, params = "pr", set()
                p = kw.get("params")
                if isinstance(p, ast.Dict):
                    params = {k.value for k in p.keys if isinstance(k, ast.Constant)}
                    params |= {
                        key  # {**x.params, ...}: a pass-through, checked where x is made
                        for key in ("*",)
                        if any(k is None for k in p.keys)
                    }
                if name == "_features_problem":
                    params.add("_n")
            for code in _codes(kw["code"]):
                out.setdefault((kind, code), set()).update(params)
    return out


def _placeholders(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def test_the_scan_finds_the_codes_it_should():
    codes = engine_codes()
    assert ("pr", "personal_dropped") in codes and ("ee", "would_cut_off") in codes
    assert codes[("ee", "would_cut_off")] == {"grid", "units"}
    assert ("pr", "layer_empty_ignored") in codes  # both branches of a conditional code
    assert codes[("pr", "id_empty")] == {"column", "_n"}
    assert ("pr", "net_far") in codes and codes[("pr", "net_bad_lengths")] == {"n", "examples"}
    assert len(codes) > 120


def test_every_engine_code_has_both_renderings_filled_by_its_params():
    missing, unfilled = [], []
    for (kind, code), params in sorted(engine_codes().items()):
        keys = [f"{kind}_{code}"] + ([f"prf_{code}"] if kind == "pr" else [])
        for key in keys:
            if key not in TEXT:
                missing.append(key)
                continue
            zh, en = TEXT[key]
            assert re.search(r"[\u4e00-\u9fff]", zh), f"{key}: no Chinese in {zh!r}"
            if "*" in params:
                continue
            for lang, template in (("zh", zh), ("en", en)):
                free = _placeholders(template) - params - DERIVED
                if free:
                    unfilled.append(f"{key} ({lang}): {sorted(free)}")
    assert not missing, f"codes without a rendering in ui/i18n.py: {missing}"
    assert not unfilled, f"placeholders no parameter fills: {unfilled}"


def test_every_reason_code_has_both_renderings_filled_by_its_groups():
    from geo.grids.metrics import REASON_CODES

    for code, pattern in REASON_CODES:
        groups = set(re.compile(pattern).groupindex)
        zh, en = TEXT[f"rs_{code}"]
        assert _placeholders(zh) <= groups and _placeholders(en) <= groups, code
        assert _placeholders(en) == groups, code  # English says every value it names


def _reasons() -> list[str]:
    """Every kind of reason the engine writes (band, exact proofs, parts, shape)."""
    from geo.grids.feasibility import infeasible_reason
    from geo.grids.metrics import band_reason

    base = {"max_unit": 200, "piece_total": 507, "lo": 300, "hi": 500}
    out = [
        band_reason(size=507, locked=True, n_pieces=1, **base)[1],
        band_reason(size=607, locked=False, n_pieces=1, **{**base, "max_unit": 607})[1],
        band_reason(size=507, locked=False, n_pieces=1, **base)[1],
        band_reason(size=507, locked=False, n_pieces=3, what="party members", **base)[1],
        band_reason(
            size=268, locked=False, max_unit=268, piece_total=1325, n_pieces=2, lo=300, hi=500
        )[1],
    ]
    size = {"a": 268.0, "b": 324.0, "c": 383.0, "d": 350.0}
    nb = {"a": ("b", "c"), "b": ("a", "d"), "c": ("a", "d"), "d": ("b", "c")}
    out.append(infeasible_reason(list(size), nb, size, 300, 500))
    out.append(
        infeasible_reason(["a", "b"], {"a": (), "b": ()}, {"a": 100.0, "b": 700.0}, 300, 500)
    )
    # every unit fits in some connected in-band set, yet no division exists: the sizes reason
    sz = {"a": 300.0, "b": 300.0, "c": 300.0}
    path = {"a": ("b",), "b": ("a", "c"), "c": ("b",)}
    out.append(infeasible_reason(list(sz), path, sz, 300, 400))
    out.append(band_reason(size=507, locked=False, n_pieces=2, proven=out[-1], **base)[1])
    out += [
        "Polsby-Popper 0.12: a single unit, whose cell is that thin (the estate's land)",
        "Polsby-Popper 0.12: its community (part) is itself thin (Polsby-Popper 0.15)",
        "Polsby-Popper 0.12: it holds a unit whose cell is that thin (Polsby-Popper 0.08)",
        "Polsby-Popper 0.12: locked by the planner, so no unit is moved to make it rounder "
        "(unlock it to let the gridder try)",
        "Polsby-Popper 0.18: none of the 6 moves or swaps of one unit with a neighbouring "
        "unlocked grid keeps both grids in 300-500 households and connected while raising the "
        "lower Polsby-Popper of the two (a rounder grid needs several units moved: redraw it "
        "by hand or accept it)",
        "Polsby-Popper 0.18: no unlocked grid of its community borders it, so no unit can be "
        "traded to make it rounder (unlock a neighbour or redraw it by hand)",
    ]
    return out


def test_shape_reasons_are_written_as_the_codes_say(tiny_layers):
    """The shape phrases above are the engine's own (independent of the code table)."""
    import inspect

    from geo.grids import metrics

    src = inspect.getsource(metrics.shape_reasons)
    for phrase in (
        "a single unit, whose cell is that thin (the estate's land)",
        "its community (part) is itself thin (Polsby-Popper",
        "it holds a unit whose cell is that thin",
        "locked by the planner, so no unit is moved to make it",
        "a neighbouring unlocked grid keeps both grids in",
        "(a rounder grid needs several units moved: redraw it by hand or accept it)",
        "no unlocked grid of its community borders it, so no ",
        "unit can be traded to make it rounder (unlock a neighbour or redraw it by hand)",
    ):
        assert phrase in src


@pytest.mark.parametrize("reason", _reasons())
def test_every_reason_is_matched_whole_and_said_back(reason):
    from geo.grids.metrics import reason_codes

    codes = reason_codes(reason)
    assert codes and all(c != "text" for c, _ in codes), codes
    assert reason_text(reason, "en") == reason  # the English template is the engine's phrase
    zh = reason_text(reason, "zh", {"a": "阳光花园 3号楼"})
    assert re.search(r"[\u4e00-\u9fff]", zh)
    from tests.ui.test_chinese_ui import english_words

    assert not english_words([zh]), zh
    if "unit a " in reason:
        assert "阳光花园 3号楼" in zh


def test_unknown_reason_text_is_kept():
    from geo.grids.metrics import reason_codes

    assert reason_codes("") == []
    assert reason_codes("something new") == [("text", {"text": "something new"})]
    assert reason_text(
        "locked by the planner: kept as it is (unlock it to re-grid)x", "zh"
    ).endswith("x")


def test_problem_rendering_prefixes_count_source_and_words_the_layer():
    from geo.errors import Problem

    p = Problem(
        "estates",
        "2 feature(s): `households` is negative.",
        "`households` counts must be >= 0",
        feature="`e1` (-3), row 4 (-1)",
        code="count_negative",
        params={"column": "households", "_n": 2, "_source": "户数.xlsx"},
    )
    msg, fix = problem_text(p, "zh")
    assert msg == "表格 `户数.xlsx`：2 个要素：`户数` 为负数。" and "户数" in fix
    assert problem_text(p, "en") == (p.message, p.fix)
    line = problem_line(p, "zh")
    assert line.startswith("【错误】小区，`e1` (-3), 第 4 行 (-1)：表格") and "修正方法" in line
    assert problem_line(p, "en") == str(p)
    assert feature_text("`a`, `b` and 3 more", "zh") == "`a`, `b` 等，另有 3 个"


def test_edit_refusals_of_the_map_are_coded():
    from geo.errors import EditError

    e = EditError("x", code="command_lacks", op="merge", key="b")
    assert edit_error_text(e, "zh") == "地图命令“merge”缺少“b”；地图每次都会发送它，请刷新页面"


def test_reasons_table_names_grids_communities_and_units():
    from ui.tabs_grids import reasons_table

    summary = {
        "out_of_band": [
            {
                "grid_id": "320211001001001",
                "community_id": "320211001001",
                "size": 268.0,
                "kind": "arithmetic",
                "reason": _reasons()[5],  # names unit "a"
            }
        ]
    }
    zh = reasons_table(
        summary,
        "zh",
        unit_labels={"a": "阳光花园"},
        community_names={"320211001001": "甲社区"},
        grid_names={"320211001001001": "第一网格"},
    )
    row = zh.iloc[0]
    assert row["网格"] == "第一网格" and row["网格编码"] == "320211001001001"
    assert row["社区"] == "甲社区" and row["类别"] == "户数无法凑成范围内的网格"
    assert "阳光花园" in row["原因"] and "户数算不拢" in row["原因"]
    en = reasons_table(summary, "en")
    assert en.iloc[0]["Reason"] == summary["out_of_band"][0]["reason"]


def test_levels_and_layers_in_params_are_said_in_words():
    from geo.errors import Problem

    p = Problem(
        "facilities",
        "no facility of level(s) ['post']",
        "choose among the levels present: ['community', 'street']",
        code="no_facility_of_levels",
        params={"levels": "post", "present": "community, street"},
    )
    msg, fix = problem_text(p, "zh")
    assert "小区党群服务驿站" in msg and fix.endswith("社区党群服务中心、街道党建工作指导站")
    two = Problem(
        "estates",
        "both ...",
        "keep one file per layer",
        code="two_files_one_layer",
        params={"used": "a.geojson", "other": "b.geojson", "layer": "estates"},
    )
    assert (
        problem_text(two, "zh")[0]
        == "`a.geojson` 和 `b.geojson` 都可能是小区图层；使用 `a.geojson`。"
    )


def test_the_roster_join_preview_is_chinese():
    from geo.data.join import JoinMiss, JoinReport
    from tests.ui.test_chinese_ui import english_words
    from ui.i18n import join_text

    report = JoinReport(
        source="党员名册.xlsx",
        layer="estates",
        rows=5,
        by_id=1,
        by_name=2,
        by_loose=0,
        misses=(
            JoinMiss(4, "幸福家圆", "unmatched", ("幸福家园 (E01)",)),
            JoinMiss(5, "阳光", "ambiguous", ()),
        ),
        shared=(("`E02`", (2, 3)),),
        columns=("party_members",),
        totals_table={"party_members": 120.0},
        totals_matched={"party_members": 100.0},
        totals_before={"party_members": None},
        totals_after={"party_members": 100.0},
        features_without_row=3,
    )
    zh = join_text(report, "zh")
    assert zh.startswith("名册 `党员名册.xlsx` → 小区：5 行，匹配 3 行")
    assert "第 4 行 `幸福家圆`：未匹配；最接近：幸福家园 (E01)" in zh and "党员数" in zh
    assert "第 5 行 `阳光`：有歧义；可能是：无" in zh and "第 2、3 行已相加" in zh
    assert not english_words([zh]) - {"E01", "E02", "xlsx"}, english_words([zh])  # data
    assert join_text(report, "en") == report.text()


def test_import_warnings_are_coded_and_chinese(tiny_layers):
    """Importing a plan in force that covers one community and half of another warns with codes
    the grids tab says in Chinese."""
    import geopandas as gpd
    from shapely.geometry import box

    from geo.grids.import_plan import import_plan_layers
    from tests.ui.test_chinese_ui import english_words

    c = tiny_layers.communities
    first = c.geometry.iloc[0]
    x0, y0, x1, y1 = c.geometry.iloc[1].bounds
    grids = gpd.GeoDataFrame(
        {"grid_id": ["G1", "G2"], "name": ["一格", "二格"]},
        geometry=[first, box(x0, y0, (x0 + x1) / 2, y1)],
        crs=c.crs,
    )
    res = import_plan_layers(tiny_layers, grids)
    assert res.problems and all(p.code for p in res.problems), [p.message for p in res.problems]
    lines = [problem_line(p, "zh") for p in res.problems]
    ids = {"G1", "G2"} | set(res.plan.assignment) | set(res.plan.members)
    words = {w for w in english_words(lines) if not any(w in i for i in ids)}
    assert not words, lines


def test_engine_errors_are_said_problem_by_problem():
    from geo.errors import EditError, Problem, ValidationError
    from ui.i18n import error_text

    exc = ValidationError(
        [
            Problem(
                "estates",
                "`households` is negative.",
                "`households` counts must be >= 0",
                feature="`e1` (-3)",
                code="count_negative",
                params={"column": "households", "_n": 1},
            )
        ]
    )
    assert (
        error_text(exc, "zh")
        == "【错误】小区，`e1` (-3)：`户数` 为负数。 修正方法：`户数` 不能小于 0"
    )
    assert error_text(exc, "en") == str(exc)
    assert (
        error_text(EditError("nothing to undo", code="nothing_to_undo"), "zh") == "没有可撤销的操作"
    )
    assert error_text(ValueError("plain"), "zh") == "plain"


def test_walk_network_errors_are_coded_and_chinese(tmp_path):
    from geo.errors import ValidationError
    from geo.network.walk import load_network
    from tests.ui.test_chinese_ui import english_words
    from ui.i18n import error_text

    bad = tmp_path / "路网.graphml"
    bad.write_text("<graphml><graph", encoding="utf-8")
    for source in (bad, tmp_path / "none.graphml"):
        with pytest.raises(ValidationError) as e:
            load_network(source)
        (p,) = e.value.problems
        assert p.code and p.code.startswith("net_")
        said = error_text(e.value, "zh")
        # the parser's own words ({msg}) and the file's path are not ours to translate
        ours = said.replace(str(p.params.get("msg", "")), "").replace(str(tmp_path), "")
        words = english_words([ours]) - {"graphml", "none", "osmnx", "JOSM", "Overpass", "XML"}
        assert not words, said


#: Modules whose every message the app can show must carry a code (issue 15): a ``Problem``
#: or ``EditError`` made there without ``code=`` fails :func:`test_no_uncoded_message_in_`.
CODED = [
    "geo/data",
    "geo/grids/units.py",
    "geo/grids/edits.py",
    "geo/network/walk.py",
    "allocation/tables.py",
    "allocation/staffing.py",
    "allocation/siting.py",
    "allocation/density.py",
    "geo/grids/fusion.py",
    "geo/grids/import_plan.py",
    "geo/output/store.py",
    "geo/output/paths.py",
    "geo/output/atlas.py",
    "allocation/coverage.py",
    "allocation/_layers.py",
    "geo/output/export.py",
    "geo/grids/plan.py",
    "geo/grids/params.py",
    "geo/grids/repair.py",
    "geo/grids/gridding.py",
]


def uncoded_messages() -> list[str]:
    """``path:line`` of every ``Problem``/``EditError`` call in :data:`CODED` without a code
    (``Problem(**fields)`` copies excepted: they keep the code of the problem they copy)."""
    out = []
    for entry in CODED:
        target = ROOT / entry
        files = sorted(target.rglob("*.py")) if target.is_dir() else [target]
        for path in files:
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call) or _name(node) not in ("Problem", *ERRORS):
                    continue
                kws = [k.arg for k in node.keywords]
                if "code" not in kws and None not in kws:
                    out.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return out


def test_no_uncoded_message_in_the_coded_modules():
    assert not uncoded_messages(), "messages without a code (add code= and params=)"


def test_table_problems_are_said_in_chinese(tmp_path):
    """A grid table with repeated and empty ids, a bad count and a ragged row; a workbook
    saved as .csv; each read problem is coded and said without English (the file's values
    and the column names it writes excepted)."""
    from allocation.tables import read_grids_table, read_keyed_numbers
    from geo.errors import ValidationError
    from tests.ui.test_chinese_ui import english_words

    table = tmp_path / "网格.csv"
    table.write_text("grid_id,households\ng1,300\ng1,-4\n,20\ng2,1,9\n", encoding="utf-8")
    book = tmp_path / "weights.csv"
    book.write_bytes(b"PK\x03\x04rest")
    said = []
    for call in (
        lambda: read_grids_table(table, numeric=("households",)),
        lambda: read_keyed_numbers(book, ["a"], what="weight", option="--weights"),
    ):
        with pytest.raises(ValidationError) as e:
            call()
        assert all(p.code for p in e.value.problems), [p.message for p in e.value.problems]
        said += [problem_line(p, "zh") for p in e.value.problems]
    text = "\n".join(said)
    assert "Excel 工作簿" in text and "第 5 行" in text, text
    words = english_words(said) - {"grid_id", "households", "csv", "xlsx", "xls", "weights", "UTF"}
    assert not words, said


def test_staffing_refusals_are_said_in_chinese():
    """Too few workers for the minimum, a missing workload column: coded, said in Chinese; the
    English stays the engine's (the CLI's) words."""
    import pandas as pd

    from allocation.staffing import staff_grids
    from geo.errors import InfeasibleError, ValidationError
    from tests.ui.test_chinese_ui import english_words
    from ui.i18n import error_text

    grids = pd.DataFrame({"grid_id": ["a", "b", "c"], "households": [300.0, 400.0, 500.0]})
    with pytest.raises(InfeasibleError) as e:
        staff_grids(grids, full_time=2, part_time=3, min_full_time=1)
    zh = error_text(e.value, "zh")
    assert zh.startswith("2 名工作人员无法让 3 个网格每格至少 1 名（需要 3 名）"), zh
    assert error_text(e.value, "en") == str(e.value) and str(e.value).startswith("staffing 3")
    with pytest.raises(ValidationError) as v:
        staff_grids(grids.drop(columns="households"), full_time=3, part_time=3)
    zh = error_text(v.value, "zh")
    assert not english_words([zh]) - {"grid_id"}, zh


def _siting_runs():
    """Real runs of the four models on small matrices, with unreachable demand, a p larger
    than useful, capacities and a time limit reached; their notes."""
    import numpy as np

    from allocation.siting import LSCP, MCLP, PCenter, PMedian, _time_note

    rng = np.random.default_rng(7)
    pts = rng.uniform(0, 2000, (40, 2))
    cand = rng.uniform(0, 2000, (25, 2))
    cost = np.hypot(*(pts[:, None, :] - cand[None, :, :]).transpose(2, 0, 1))
    cost[0, :] = np.inf  # a demand point no candidate reaches
    fixed = np.zeros(25, dtype=bool)
    fixed[0] = True
    cost[1, 1:] = np.inf
    cost[1, 0] = 50.0
    notes = [
        LSCP.from_cost_matrix(cost, radius=700).solve().message,
        LSCP.from_cost_matrix(cost, radius=1e9, fixed=fixed).solve().message,
        LSCP.from_cost_matrix(cost, radius=5000).solve().message,  # essential sites only
        MCLP.from_cost_matrix(cost, p=3, radius=600).solve().message,
        MCLP.from_cost_matrix(cost, p=24, radius=3000).solve().message,  # more than useful
        MCLP.from_cost_matrix(cost, p=0, radius=600, fixed=fixed).solve().message,
        PMedian.from_cost_matrix(cost, p=3).solve().message,
        PMedian.from_cost_matrix(cost, p=5, capacities=np.full(25, 20.0)).solve().message,
        PCenter.from_cost_matrix(cost, p=3).solve().message,
        PCenter.from_cost_matrix(cost[1:], p=0, fixed=np.ones(25, dtype=bool)).solve().message,
        MCLP.from_cost_matrix(cost[1:], p=2, radius=1e9, fixed=fixed).solve().message,
        # a run stopped by its time limit: the engine's own phrase for it
        f"4 new post(s): {_time_note('time_limit', 0.0123, 10.0)}.",
    ]
    return notes


def test_siting_notes_are_matched_whole_and_said_in_chinese():
    from tests.ui.test_chinese_ui import english_words
    from ui.i18n import siting_note_codes, siting_note_text

    notes = _siting_runs()
    assert any("excluded" in n for n in notes) and any("p = 0" in n for n in notes)
    assert any("No new post" in n for n in notes) and any("time limit" in n for n in notes)
    for note in notes:
        codes = siting_note_codes(note)
        assert codes and all(c != "text" for c, _ in codes), note
        zh = siting_note_text(note, "zh")
        assert not english_words([zh]) - {"inf"}, (note, zh)
        assert siting_note_text(note, "en") == note


def test_siting_refusals_are_said_in_chinese():
    import numpy as np

    from allocation.siting import MCLP, PMedian
    from geo.errors import InfeasibleError, ValidationError
    from tests.ui.test_chinese_ui import english_words
    from ui.i18n import error_text

    cost = np.array([[1.0, 2.0], [np.nan, -1.0]])
    with pytest.raises(ValidationError) as v:
        MCLP.from_cost_matrix(cost, p=1, radius=5, weights=[1.0, np.nan])
    with pytest.raises(InfeasibleError) as e:
        PMedian.from_cost_matrix(np.ones((2, 2)), p=3)
    said = [error_text(v.value, "zh"), error_text(e.value, "zh")]
    assert "总步行最短（p-中位）：要求新增 3 个驿站" in said[1], said
    assert not english_words(said) - {"NaN", "inf", "p"}, said
    assert error_text(e.value, "en") == str(e.value)


def _community_reasons() -> list[str]:
    """Every reason the gridder gives for a community it cannot grid in the band, from its
    own functions."""
    from types import SimpleNamespace

    import numpy as np

    from geo.grids.gridding import _empty_reports, _ks_for_components, choose_k

    out = [choose_k(*args)[1] for args in [(10, 300, 500, 0), (0, 300, 500, 3), (150, 300, 500, 4)]]
    out += [choose_k(1200, 300, 500, 2)[1], choose_k(520, 300, 500, 5)[1]]
    task = SimpleNamespace(
        params=SimpleNamespace(n_grids=None), n_locked=0, size=np.array([520.0, 260.0, 270.0])
    )
    out += _ks_for_components([[0], [1, 2]], task, 300, 500)[1]  # a free piece of 2 units
    task.params.n_grids, task.n_locked = 2, 1
    out += _ks_for_components([[0], [1, 2]], task, 300, 500)[1]
    task.params.n_grids = 9
    out += _ks_for_components([[0], [1, 2]], task, 300, 500)[1]
    graph = SimpleNamespace(units={"community_id": []}, communities=SimpleNamespace(index=["c1"]))
    out += _empty_reports(graph)[0]["reasons"]
    return out


def test_community_reasons_are_matched_and_said_in_chinese():
    from tests.ui.test_chinese_ui import english_words
    from ui.i18n import COMMUNITY_REASONS, community_reason_text

    reasons = _community_reasons()
    seen = set()
    for reason in reasons:
        zh = community_reason_text(reason, "zh")
        assert zh != reason and not english_words([zh]), (reason, zh)
        assert community_reason_text(reason, "en") == reason
        seen |= {c for c, p in COMMUNITY_REASONS if re.match(p, reason)}
    assert seen == {c for c, _ in COMMUNITY_REASONS}, seen  # every phrase is the engine's
    assert any("free piece" in r for r in reasons)
    assert community_reason_text("something new", "zh") == "something new"


def test_store_conflicts_and_lookups_are_said_in_chinese(tmp_path):
    """A taken name, a version saved meanwhile, an unknown plan and version: coded, said in
    Chinese; in English the store's own words."""
    from geo.errors import ConflictError, StoreError
    from geo.output.store import open_store
    from tests.geo.output.test_store import make_record
    from tests.ui.test_chinese_ui import english_words
    from ui.i18n import error_text

    store = open_store(tmp_path / "plans.gpkg")
    base = store.save(make_record())
    store.save(make_record().replace(version=base.version, author="alice"), expected_version=1)
    errors = []
    for call, kind in (
        (lambda: store.save(make_record()), ConflictError),
        (lambda: store.save(make_record(), expected_version=1), ConflictError),
        (lambda: store.save(make_record(), expected_version=7), ConflictError),
        (lambda: store.load("nope"), StoreError),
        (lambda: store.load("demo", 9), StoreError),
    ):
        with pytest.raises(kind) as e:
            call()
        assert e.value.code, str(e.value)
        errors.append(e.value)
    said = [error_text(e, "zh") for e in errors]
    assert "已被保存为第 2 版（alice）" in said[1] and "没有方案“nope”" in said[3], said
    assert not english_words(said) - {"demo", "alice"}, said
    assert [error_text(e, "en") for e in errors] == [str(e) for e in errors]


def test_gridding_parameter_problems_are_said_in_chinese():
    """Every checked parameter of GridParams, broken: coded by its rule, said in Chinese with
    the parameter by name (the codes come from a table, so the scan cannot see them)."""
    import dataclasses

    from geo.errors import ValidationError
    from geo.grids.params import _PARAM_RULES, GridParams
    from tests.ui.test_chinese_ui import english_words
    from ui.i18n import error_text

    broken = {
        "min_households": 600,
        "min_party_members": 0,
        "size_by": "people",
        "balance": "area",
        "compactness_weight": -1.0,
        "n_grids": 0,
        "min_party_per_grid": -2,
        "restarts": 0,
        "party_load_weight": float("nan"),
    }
    assert set(broken) == set(_PARAM_RULES)
    with pytest.raises(ValidationError) as e:
        GridParams(**broken)
    problems = e.value.problems
    assert {p.field for p in problems} == set(broken)
    for p in problems:
        assert f"pr_{p.code}" in TEXT and f"prf_{p.code}" in TEXT, p.code
    said = error_text(e.value, "zh")
    assert "每格户数下限：须满足 0 < 下限 ≤ 上限" in said, said
    assert not english_words([said]) - {"people", "area", "nan"}, said
    assert dataclasses.is_dataclass(GridParams)
