"""The engine's coverage curve takes its texts from the shell: Chinese in the app, English by
default for the CLI (issue 15)."""

from __future__ import annotations

import pandas as pd


def _texts(fig) -> set[str]:
    out = set()
    for ax in fig.axes:
        out |= {ax.get_title(), ax.get_xlabel(), ax.get_ylabel()}
        legend = ax.get_legend()
        if legend is not None:
            out |= {t.get_text() for t in legend.get_texts()}
    return out - {""}


CURVE = pd.DataFrame(
    {
        "p": [0, 1, 2],
        "share": [0.5, 0.7, 0.8],
        "gain": [0.0, 20.0, 10.0],
        "status": ["optimal", "optimal", "time_limit"],
    }
)


def test_plot_coverage_curve_is_english_by_default_and_takes_other_labels():
    from allocation.siting import CURVE_LABELS, plot_coverage_curve

    assert _texts(plot_coverage_curve(CURVE)) == set(CURVE_LABELS.values())
    other = {k: f"label {k}" for k in CURVE_LABELS}  # DejaVu has no CJK glyphs
    fig = plot_coverage_curve(CURVE, labels=other, family=["DejaVu Sans"])
    assert _texts(fig) == set(other.values())
    assert fig.axes[0].title.get_fontfamily() == ["DejaVu Sans"]
    assert _texts(plot_coverage_curve(CURVE, title="T")) >= {"T", "new posts p"}


def test_app_curve_is_chinese_with_no_english_text():
    from tests.ui.test_chinese_ui import english_words
    from ui.i18n import t
    from ui.tabs_siting import curve_figure

    texts = _texts(curve_figure(CURVE, "zh"))
    assert t("curve_title", "zh") in texts and t("curve_not_proven", "zh") in texts
    assert not english_words(sorted(texts))
    assert t("curve_title", "en") in _texts(curve_figure(CURVE, "en"))
