"""The course's figure colours, in one place: legible in JupyterLab's light and dark themes.

A figure is a picture: ipympl sends PNG frames and the inline backend a PNG, so
its colours cannot follow the theme. A transparent figure would need one text
colour that reads on both theme backgrounds, and none does at WCAG's 4.5:1
(:func:`best_shared_grey` shows it: the best grey reaches about 4.3:1 on white
and on the dark theme's #111). So figures stay light: the figure is ``PAPER``, a
soft grey rather than glaring white, the axes stay white, every text colour
bpkit draws (``TEXT_COLOURS``) has a contrast of at least 4.5:1 on both, and in
the front end each figure sits in a frame (``FIGURE_CSS``) so that in the dark
theme it reads as a card and not a hole in the page. ``tests/views/test_plots_style.py``
computes the contrasts with the WCAG formula.

The panel's "not connected" message (``OFFLINE_*``) uses fixed colours for the
same reason: it must read in both themes.
"""
from __future__ import annotations

#: figure background (matplotlib ``facecolor``): light, not pure white
PAPER = "#f0f0f0"
#: axes background: matplotlib's default, white
AXES = "#ffffff"

#: every colour bpkit draws text in on a figure, by its role
TEXT_COLOURS = {
    "text": "black",          # matplotlib's default: labels, ticks, titles, annotations
    "muted": "0.4",           # side notes (lesson 2's target label)
    "shape": "0.25",          # the network diagram's W/b shapes
    "wrong": "#b2182b",       # a misclassified digit's title (lesson 6)
    "right": "#1b7a1b",       # a verdict that is good news (lesson 7's "below 1e-7" band)
}
WRONG_TEXT = TEXT_COLOURS["wrong"]
RIGHT_TEXT = TEXT_COLOURS["right"]

#: JupyterLab's page backgrounds (``--jp-layout-color0``) of the light and the dark theme
THEME_BACKGROUNDS = {"light": "#ffffff", "dark": "#111111"}

#: the "not connected to a running kernel" message of a panel: text, background, left bar
OFFLINE_TEXT_COLOUR = "#4e2600"
OFFLINE_BACKGROUND = "#fff3e0"
OFFLINE_BAR = "#e65100"

#: CSS of bpkit's figures in the front end: PAPER behind the picture, a margin of it and a thin frame.
#: Drawn with box-shadows, which change neither the element's size nor its content box: padding,
#: a border or a width on ipympl's element make its canvas lose the frame under blitted updates.
FIGURE_CSS = (
    f".bpkit-figure {{ background: {PAPER}; margin: 7px; border-radius: 3px; "
    f"box-shadow: 0 0 0 6px {PAPER}, 0 0 0 7px var(--jp-border-color1, #bdbdbd); }}"
)


def style_figure(fig):
    """Give a matplotlib figure the course's background (``PAPER``); returns the figure."""
    fig.set_facecolor(PAPER)
    return fig


def relative_luminance(colour):
    """WCAG 2 relative luminance of a colour (any matplotlib colour spec), 0 (black) to 1 (white).

    ``L = 0.2126 R + 0.7152 G + 0.0722 B`` of the linearised sRGB channels, each
    ``c / 12.92`` if ``c <= 0.04045`` else ``((c + 0.055) / 1.055) ** 2.4``.
    """
    from matplotlib.colors import to_rgb

    def linear(c):
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in to_rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(foreground, background):
    """WCAG 2 contrast ratio ``(L_light + 0.05) / (L_dark + 0.05)``, from 1 to 21 (4.5 is the AA bar for text)."""
    a, b = relative_luminance(foreground), relative_luminance(background)
    hi, lo = max(a, b), min(a, b)
    return (hi + 0.05) / (lo + 0.05)


def best_shared_grey(backgrounds=tuple(THEME_BACKGROUNDS.values()), steps=256):
    """The grey whose worst contrast over ``backgrounds`` is highest, and that contrast: ``(grey, ratio)``."""
    greys = [f"#{v:02x}{v:02x}{v:02x}" for v in range(steps)]
    return max(((g, min(contrast_ratio(g, bg) for bg in backgrounds)) for g in greys), key=lambda t: t[1])


#: CSS that hides an element from the eye but not from screen readers (a figure's caption)
VISUALLY_HIDDEN_CSS = (
    ".bpkit-alt { position: absolute !important; width: 1px !important; height: 1px !important; "
    "margin: -1px !important; padding: 0 !important; overflow: hidden !important; "
    "clip: rect(0 0 0 0) !important; clip-path: inset(50%) !important; white-space: nowrap !important; "
    "border: 0 !important; }"
)


# --- series colours: told apart with the common colour-vision deficiencies ---------------------------
#: the colours of data series, from Okabe and Ito's colour-blind-safe set ("Color Universal Design",
#: 2002): blue, vermillion, bluish green, reddish purple. Simulated protanopia, deuteranopia and
#: tritanopia (Machado et al. 2009, full severity) keep every pair at least 17 CIELAB units apart
#: (matplotlib's default C0-C3 fall to 4.6 under protanopia: its orange and green merge), and each
#: has a contrast of at least 3:1 on the white axes (WCAG 1.4.11, graphics). The yellow, orange and
#: sky blue of the same set are left out: they stay below 3:1 on white.
#: ``tests/views/test_accessibility_views.py`` computes both.
BLUE = "#0072B2"
VERMILLION = "#D55E00"
GREEN = "#009E73"
PURPLE = "#CC79A7"
SERIES_COLOURS = (BLUE, VERMILLION, GREEN, PURPLE)
#: markers and line styles that go with the colours, so no two series differ by colour alone
#: (WCAG 1.4.1, use of colour): series k gets colour k, marker k and line style k (cycled)
SERIES_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
SERIES_LINESTYLES = ("-", "--", "-.", ":")


def series_cycler():
    """The course's property cycle: colour k with line style k, so series drawn without a style differ in both.

    Axes of :func:`bpkit.plots.figure` use it; a style given in the call (``"o-"``, ``color=...``) still wins.
    """
    from cycler import cycler

    return cycler(color=list(SERIES_COLOURS)) + cycler(linestyle=list(SERIES_LINESTYLES))


def series_style(k):
    """Colour, marker and line style of data series ``k`` (0, 1, 2...): a dict for ``ax.plot(**style)``.

    Series ``k`` and ``j`` (``k != j``, both below 8) differ in marker and, unless
    ``k - j`` is a multiple of 4, in colour and line style too.
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 0:
        raise ValueError(f"series_style takes a series number 0, 1, 2..., got {k!r}")
    return {"color": SERIES_COLOURS[k % len(SERIES_COLOURS)],
            "marker": SERIES_MARKERS[k % len(SERIES_MARKERS)],
            "linestyle": SERIES_LINESTYLES[k % len(SERIES_LINESTYLES)]}
