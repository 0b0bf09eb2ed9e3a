"""Figures and panel messages stay legible in JupyterLab's light and dark themes (issue 14, item 9).

Contrast by the WCAG 2 formula (relative luminance of linearised sRGB), against
the surfaces the text really lands on: figures are opaque, so figure text sits on
the figure's PAPER or on the white axes in either theme; the "not connected"
message has fixed colours of its own.
"""
import math

import pytest
from matplotlib.figure import Figure

from bpkit.plots import _style
from bpkit.widgets import LiveFigure

AA = 4.5  # WCAG AA, normal text


def test_wcag_formula_on_known_pairs():
    assert math.isclose(_style.contrast_ratio("black", "white"), 21.0)
    assert math.isclose(_style.contrast_ratio("white", "white"), 1.0)
    assert math.isclose(_style.relative_luminance("#808080"), 0.2158605, rel_tol=1e-6)
    assert math.isclose(_style.contrast_ratio("#767676", "white"), 4.54, abs_tol=0.01)  # the classic AA grey
    assert _style.contrast_ratio("red", "blue") == _style.contrast_ratio("blue", "red")


@pytest.mark.parametrize("role", sorted(_style.TEXT_COLOURS))
@pytest.mark.parametrize("surface", ["PAPER", "AXES"])
def test_figure_text_colours_reach_aa(role, surface):
    ratio = _style.contrast_ratio(_style.TEXT_COLOURS[role], getattr(_style, surface))
    assert ratio >= AA, f"{role} text {_style.TEXT_COLOURS[role]} on {surface}: {ratio:.2f}:1"


def test_no_text_colour_reads_on_both_theme_backgrounds():
    """Why figures are not transparent: no grey reaches 4.5:1 on both #fff and the dark theme's #111."""
    grey, ratio = _style.best_shared_grey()
    assert ratio < AA, (grey, ratio)


def test_paper_is_softer_than_white_and_the_frame_stands_out_in_dark():
    assert _style.relative_luminance(_style.PAPER) < 0.9
    # the PAPER margin around a figure is clearly set off from the dark page
    assert _style.contrast_ratio(_style.PAPER, _style.THEME_BACKGROUNDS["dark"]) > 10


def test_offline_message_reaches_aa_in_both_themes():
    ratio = _style.contrast_ratio(_style.OFFLINE_TEXT_COLOUR, _style.OFFLINE_BACKGROUND)
    assert ratio >= AA, ratio
    # its left bar is visible on either page background
    for bg in _style.THEME_BACKGROUNDS.values():
        assert _style.contrast_ratio(_style.OFFLINE_BAR, bg) >= 3.0


def test_panel_figures_use_the_paper():
    live = LiveFigure(use_ipympl=False)
    assert live.fig.get_facecolor()[:3] == pytest.approx(Figure(facecolor=_style.PAPER).get_facecolor()[:3])
    assert _style.PAPER in _style.FIGURE_CSS
