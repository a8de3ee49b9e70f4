"""ui.i18n: one dictionary, both languages complete, every key the UI uses present."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from ui.i18n import TEXT, t

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")


def _fields(s: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(s) if f}


def test_every_entry_has_both_languages_with_the_same_placeholders():
    for key, (zh, en) in TEXT.items():
        assert zh and en, key
        assert _fields(zh) == _fields(en), key


def test_article_vocabulary_is_used():
    zh = " ".join(z for z, _ in TEXT.values())
    for word in (
        "党建网格",
        "党群服务驿站",
        "网格员",
        "专职网格员",
        "兼职网格员",
        "党群服务中心",
        "社区",
        "小区",
        "楼栋",
    ):
        assert word in zh, word


def test_every_key_used_in_the_ui_exists():
    used = set()
    for path in [ROOT / "app.py", *sorted((ROOT / "ui").glob("*.py"))]:
        used |= set(re.findall(r'\bt\(\s*"([a-z0-9_]+)"', path.read_text(encoding="utf-8")))
        used |= set(re.findall(r'\bt\(\s*f"([a-z0-9_]+)_\{', path.read_text(encoding="utf-8")))
    prefixes = {k for k in used if k not in TEXT}
    missing = [k for k in prefixes if not any(key.startswith(k + "_") for key in TEXT)]
    assert not missing, missing


def test_t_formats_and_refuses_unknown_keys():
    assert t("generated", "en", n=5) == "5 grids generated"
    assert CJK.search(t("generated", "zh", n=5))
    with pytest.raises(KeyError):
        t("no_such_key", "en")
