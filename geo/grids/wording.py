"""The words of the grid-rule messages and out-of-band reasons, in Chinese and English.

One table for every shell that says them: the app (``ui.i18n`` merges :data:`WORDING` into its
``TEXT``) and the printed atlas (``geo.output.atlas``), which sits below ``ui`` and may not
import it. The engine writes these messages in English (``geo.errors.ISSUE_CODES``,
:data:`geo.grids.metrics.REASON_CODES`); their codes and parameters pick a template here.
"""

from __future__ import annotations

from collections.abc import Mapping

from geo.errors import issue_codes
from geo.grids.metrics import reason_codes

#: ``{key: (zh, en)}``: ``rule_<code>`` (grid-rule messages), ``rs_<code>`` (reasons),
#: ``what_<what>`` and ``where_<where>`` (the words their ``{what}`` and ``{where}`` stand for).
WORDING: dict[str, tuple[str, str]] = {
    "rs_lock": (
        "规划人员已锁定：保持原样（解锁后可重新划分）",
        "locked by the planner: kept as it is (unlock it to re-grid)",
    ),
    "rs_unit": (
        "单个单元就有 {max_unit} {what}（> {hi}），无法再拆分（楼栋大于一个网格）："
        "请接受，或在数据中拆分",
        "one unit alone holds {max_unit} {what} (> {hi}) and cannot be split further "
        "(a building larger than a grid): accept it or split it in the data",
    ),
    "rs_arithmetic": (
        "户数算不拢：{where}共 {total} {what}，划成任何个数的 {lo}-{hi} 网格都凑不齐",
        "arithmetic: {where} holds {total} {what}, which no number of grids of {lo}-{hi} adds up to",
    ),
    "rs_proven_unit": (
        "户数算不拢：{where}的 {n_units} 个单元无法分成 {lo}-{hi} {what}的连片网格："
        "单元 {unit}（{unit_size} {what}）放不进任何连片的 {lo}-{hi} 网格，其相邻单元各有 {span}",
        "arithmetic: no division of the {n_units} units of {where} into connected grids of "
        "{lo}-{hi} {what} exists: unit {unit} ({unit_size} {what}) fits in no connected grid "
        "of {lo}-{hi}, its neighbours hold {span} each",
    ),
    "rs_proven_lone_unit": (
        "户数算不拢：{where}的 {n_units} 个单元无法分成 {lo}-{hi} {what}的连片网格："
        "单元 {unit}（{unit_size} {what}）放不进任何连片的 {lo}-{hi} 网格，且没有相邻单元",
        "arithmetic: no division of the {n_units} units of {where} into connected grids of "
        "{lo}-{hi} {what} exists: unit {unit} ({unit_size} {what}) fits in no connected grid "
        "of {lo}-{hi}, it has no neighbour",
    ),
    "rs_proven_sizes": (
        "户数算不拢：{where}的 {n_units} 个单元无法分成 {lo}-{hi} {what}的连片网格："
        "各单元分别有 {sizes}，相互邻接的方式使任何组合都不在范围内",
        "arithmetic: no division of the {n_units} units of {where} into connected grids of "
        "{lo}-{hi} {what} exists: the units hold {sizes} and border each other so that no "
        "grouping fits",
    ),
    "rs_more_units": ("（另有 {n} 个这样的单元）", " ({n} more such units)"),
    "rs_search": (
        "{size} {what}：其单元与相邻单元（共用边界）组合不出 {lo}-{hi} 范围内的网格"
        "（单元最大 {max_unit}）",
        "{size} {what}: its units and their neighbours (shared edges) gave no grouping in "
        "{lo}-{hi} (units of up to {max_unit})",
    ),
    "rs_parts": (
        "（社区被其形状、河流、道路或障碍分成 {n} 部分，网格按部分划分）",
        " (the community is in {n} parts, cut by its shape, a river, a road or a barrier; "
        "grids follow its parts)",
    ),
    "rs_pp_single_unit": (
        "Polsby-Popper {pp}：只有一个单元，其地块本身就这样狭长（小区用地）",
        "Polsby-Popper {pp}: a single unit, whose cell is that thin (the estate's land)",
    ),
    "rs_pp_thin_part": (
        "Polsby-Popper {pp}：所在社区（部分）本身就狭长（Polsby-Popper {part_pp}）",
        "Polsby-Popper {pp}: its community (part) is itself thin (Polsby-Popper {part_pp})",
    ),
    "rs_pp_thin_unit": (
        "Polsby-Popper {pp}：含有一个地块狭长的单元（Polsby-Popper {unit_pp}）",
        "Polsby-Popper {pp}: it holds a unit whose cell is that thin (Polsby-Popper {unit_pp})",
    ),
    "rs_pp_locked": (
        "Polsby-Popper {pp}：规划人员已锁定，不移动单元使其更规整（解锁后可由自动划分尝试）",
        "Polsby-Popper {pp}: locked by the planner, so no unit is moved to make it rounder "
        "(unlock it to let the gridder try)",
    ),
    "rs_pp_no_neighbour": (
        "Polsby-Popper {pp}：本社区内没有与之相邻的未锁定网格，无法交换单元使其更规整"
        "（请解锁相邻网格或手工调整）",
        "Polsby-Popper {pp}: no unlocked grid of its community borders it, so no unit can be "
        "traded to make it rounder (unlock a neighbour or redraw it by hand)",
    ),
    "rs_pp_no_local_regroup": (
        "Polsby-Popper {pp}：与相邻未锁定网格之间移动或交换一个单元的 {n} 种做法中，"
        "没有一种能让两个网格都保持在 {lo}-{hi} {what}并保持连片，同时提高两者中较低的 "
        "Polsby-Popper（要更规整需移动多个单元：请手工调整或接受）",
        "Polsby-Popper {pp}: none of the {n} moves or swaps of one unit with a neighbouring "
        "unlocked grid keeps both grids in {lo}-{hi} {what} and connected while raising the "
        "lower Polsby-Popper of the two (a rounder grid needs several units moved: redraw it "
        "by hand or accept it)",
    ),
    "rs_text": ("{text}", "{text}"),
    "where_the community": ("本社区", "the community"),
    "where_this part of the community": ("社区的这一部分", "this part of the community"),
    "rule_not_contiguous": ("不连片", "not contiguous"),
    "rule_unit_too_big": (
        "单个单元即有 {size} {what}（> {limit}），请按楼栋拆分该小区",
        "one unit alone holds {size} {what} (> {limit}); split that estate by buildings",
    ),
    "rule_community_too_small": (
        "全社区仅 {size} {what}（< {limit}），请与相邻社区合并或接受小网格",
        "the whole community holds only {size} {what} (< {limit}); merge it "
        "with a neighbour or accept a small grid",
    ),
    "rule_over_band": ("{size} {what} > {limit}", "{size} {what} > {limit}"),
    "rule_under_band": ("{size} {what} < {limit}", "{size} {what} < {limit}"),
    "rule_few_party_members": (
        "党员 {size} 名 < {limit}，不足以建立党小组",
        "{size} party members < {limit} for a party group",
    ),
    "rule_text": ("{text}", "{text}"),
    "what_households": ("户", "households"),
    "what_party members": ("名党员", "party members"),
}


def _say(key: str, lang: str, params: Mapping[str, object]) -> str:
    zh, en = WORDING[key]
    return (zh if lang == "zh" else en).format(**params)


def issue_words(issue: str, lang: str) -> str:
    """A grid-rule message (``Plan.grids()["issue"]``, parts joined by ``"; "``) in ``lang``.

    Examples
    --------
    >>> issue_words("736 households > 500", "zh")
    '736 户 > 500'
    """
    sep = "；" if lang == "zh" else "; "
    parts = []
    for code, params in issue_codes(issue or ""):
        if "what" in params:
            params = {**params, "what": _say(f"what_{params['what']}", lang, {})}
        parts.append(_say(f"rule_{code}", lang, params))
    return sep.join(parts)


def reason_words(reason: str, lang: str, unit_labels: Mapping[str, str] | None = None) -> str:
    """An out-of-band or shape reason (``Plan.grids()["band_reason"]``) in ``lang``;
    ``unit_labels`` names the unit a reason names (by estate and building)."""
    parts = []
    for code, params in reason_codes(reason or ""):
        params = dict(params)
        for key in ("what", "where"):
            if key in params:
                params[key] = _say(f"{key}_{params[key]}", lang, {})
        if unit_labels and "unit" in params:
            params["unit"] = unit_labels.get(params["unit"], params["unit"])
        parts.append(_say(f"rs_{code}", lang, params))
    return "".join(parts)
