"""Accessibility of what bpkit draws (issue 22 item 5, WCAG 2.1 AA): text alternatives, labels, live readouts, colours.

* every figure has a text alternative a screen reader reaches: ``plots.figure`` and
  ``plots.show`` put it in an ``<img alt>`` (JupyterLab 4 gives a bare ``image/png``
  output no alt at all) and in the PNG's metadata; every panel figure has a caption
  just before its canvas (1.1.1 non-text content);
* every control a panel builds has a visible label (3.3.2, 2.4.6); every readout is
  a polite live region, so its changes are read out (4.1.3 status messages);
* the series colours stay apart under simulated protanopia, deuteranopia and
  tritanopia, and no two labelled series in a panel or helper differ by colour alone
  (1.4.1 use of colour); each series colour has 3:1 on the white axes (1.4.11).

The browser side (axe-core, the keyboard) is tested in ``tests/browser``.
"""
from __future__ import annotations

import html.parser
import itertools
import re

import ipywidgets as ipw
import numpy as np
import pytest
from matplotlib.colors import to_rgb
from matplotlib.lines import Line2D

from bpkit import plots, widgets
from bpkit.plots import _style
from test_panels import FACTORIES, build  # noqa: E402  (tests/views is on sys.path, as for the other view tests)

# --- colour-vision deficiency, simulated -------------------------------------------------------------
#: Machado, Oliveira & Fernandes (2009), "A physiologically-based model for simulation of color vision
#: deficiency", IEEE TVCG 15(6): the matrices for severity 1.0 (dichromacy), applied to linear RGB.
MACHADO_2009 = {
    "protanopia": np.array([[0.152286, 1.052583, -0.204868],
                            [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968],
                              [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779],
                            [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
#: the smallest CIELAB distance (Delta E 1976) two series colours may keep under each simulation.
#: One unit is about one just-noticeable difference for large patches side by side (2.3 is the
#: usual JND); thin lines and small markers read against a legend need far more. 15 is about six
#: JNDs: matplotlib's default C0-C3 (blue, orange, green, red) fall to 4.6 under protanopia and 7.3
#: under deuteranopia, where readers report orange/green/red as one colour, so the bar refuses
#: them with room to spare, and Okabe-Ito's set clears it (17.0 at worst, tritanopia blue-green).
MIN_DELTA_E = 15.0


def _linear(rgb):
    rgb = np.asarray(rgb, float)
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def _lab(linear_rgb):
    """CIELAB (D65) of a linear-RGB colour."""
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear_rgb
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def simulate(colour, deficiency):
    """``colour`` as seen with ``deficiency`` (a key of MACHADO_2009, or "normal"), in CIELAB."""
    lin = _linear(to_rgb(colour))
    if deficiency != "normal":
        lin = np.clip(MACHADO_2009[deficiency] @ lin, 0.0, 1.0)
    return _lab(lin)


def worst_pair(colours, deficiency):
    """``(distance, colour_a, colour_b)``: the closest pair of ``colours`` under ``deficiency``."""
    return min((float(np.linalg.norm(simulate(a, deficiency) - simulate(b, deficiency))), a, b)
               for a, b in itertools.combinations(colours, 2))


def test_the_simulation_matches_known_points():
    # white and black are fixed points of every simulation; pure red under protanopia turns a dark olive
    for deficiency in MACHADO_2009:
        assert np.allclose(simulate("white", deficiency), [100, 0, 0], atol=0.2)
        assert np.allclose(simulate("black", deficiency), [0, 0, 0], atol=1e-9)
    red = simulate("red", "protanopia")
    assert red[0] < simulate("red", "normal")[0] and abs(red[1]) < 15 < red[2]
    # the classic confusion: red and green nearly merge under deuteranopia, never in normal vision
    assert worst_pair(["#d62728", "#2ca02c"], "deuteranopia")[0] < 10 < worst_pair(["#d62728", "#2ca02c"], "normal")[0]


@pytest.mark.parametrize("deficiency", [*MACHADO_2009, "normal"])
def test_series_colours_stay_apart(deficiency):
    distance, a, b = worst_pair(_style.SERIES_COLOURS, deficiency)
    assert distance >= MIN_DELTA_E, f"{a} and {b} are {distance:.1f} apart with {deficiency}"


def test_the_bar_refuses_matplotlibs_default_colours():
    tab10 = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"]
    assert worst_pair(tab10, "protanopia")[0] < MIN_DELTA_E
    assert worst_pair(tab10, "deuteranopia")[0] < MIN_DELTA_E


@pytest.mark.parametrize("colour", _style.SERIES_COLOURS)
def test_series_colours_have_3_to_1_on_the_axes(colour):
    assert _style.contrast_ratio(colour, _style.AXES) >= 3.0


def test_series_style_gives_distinct_markers_and_styles():
    styles = [_style.series_style(k) for k in range(8)]
    assert len({s["marker"] for s in styles}) == 8
    for a, b in itertools.combinations(range(4), 2):
        sa, sb = styles[a], styles[b]
        assert sa["color"] != sb["color"] and sa["linestyle"] != sb["linestyle"]
    for bad in (-1, 1.5, True, "0"):
        with pytest.raises(ValueError, match="series number"):
            _style.series_style(bad)


# --- series that differ by colour alone -------------------------------------------------------------

def _signature(line):
    """What tells a line apart besides its colour: line style, marker, and whether the marker is hollow."""
    marker = line.get_marker()
    marker = "None" if marker in (None, "", " ", "None") else marker
    style = line.get_linestyle()
    style = "None" if style in (None, "", " ", "None") else style
    hollow = str(line.get_markerfacecolor()).lower() == "none"
    return style, marker, hollow


def colour_only_pairs(fig):
    """Pairs of labelled lines, in one axes, whose colours differ but whose line style and marker do not."""
    clashes = []
    for ax in fig.get_axes():
        lines = [ln for ln in ax.get_lines()
                 if isinstance(ln, Line2D) and ln.get_label() and not ln.get_label().startswith("_")]
        for a, b in itertools.combinations(lines, 2):
            if to_rgb(a.get_color()) != to_rgb(b.get_color()) and _signature(a) == _signature(b):
                clashes.append((ax.get_title(), a.get_label(), b.get_label()))
    return clashes


def test_colour_only_pairs_are_found():
    fig = plots.figure()
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], "-o", color=_style.BLUE, label="train")
    ax.plot([0, 1], [1, 0], "-o", color=_style.VERMILLION, label="test")
    assert colour_only_pairs(fig) == [("", "train", "test")]
    ax.lines[1].set_linestyle("--")
    assert colour_only_pairs(fig) == []
    ax.plot([0, 1], [0.5, 0.5], "-o", mfc="none", color=_style.GREEN, label="target")  # hollow: told apart
    assert colour_only_pairs(fig) == []


@pytest.fixture(scope="module")
def panels():
    return {name: build(name, use_ipympl=True) for name in sorted(FACTORIES)}


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_no_panel_tells_series_apart_by_colour_alone(panels, name):
    panel = panels[name]
    assert colour_only_pairs(panel.figure.fig) == []


def test_plot_helpers_tell_series_apart_by_more_than_colour():
    norms = np.abs(np.random.default_rng(0).normal(size=(4, 6))) + 0.1
    fig = plots.figure()
    lines = plots.deep.norm_history(fig.add_subplot(), norms, title="norms")
    assert len({_signature(ln) for ln in lines}) == len(lines)
    assert colour_only_pairs(fig) == []
    history = {"epoch": [1, 2, 3], "cost": [0.5, 0.3, 0.2], "accuracy": [0.6, 0.7, 0.8]}
    fig = plots.figure()
    plots.training_curves(fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2), history, test_accuracy=[0.5, 0.6, 0.7])
    assert colour_only_pairs(fig) == []
    fig = plots.figure()
    ax = fig.add_subplot()
    ws = np.linspace(-1, 1, 5)
    curve = plots.plot_cost_curve(ax, ws, ws ** 2, current=(0.0, 0.0), slope=0.0)
    assert curve is not None and colour_only_pairs(fig) == []


def test_course_figure_axes_cycle_colour_and_line_style_together():
    fig = plots.figure()
    left, right = fig.subplots(1, 2)
    for ax in (left, right, fig.add_axes([0.1, 0.1, 0.2, 0.2])):
        lines = [ax.plot([0, 1], [k, k + 1], label=f"series {k}")[0] for k in range(4)]
        assert [ln.get_color() for ln in lines] == list(_style.SERIES_COLOURS)
        assert len({ln.get_linestyle() for ln in lines}) == 4
    assert colour_only_pairs(fig) == []
    # a style given in the call still wins over the cycle
    assert left.plot([0, 1], "o:", color="black")[0].get_linestyle() == ":"


def test_decision_boundary_marks_classes_by_shape():
    X = np.array([[0.1, 0.2], [0.5, 0.5], [0.9, 0.1], [0.3, 0.8]])
    labels = np.array([0, 1, 0, 1])
    fig = plots.figure()
    ax = fig.add_subplot()
    plots.decision_boundary(ax, np.full((3, 3), 0.5), (0, 1, 0, 1), X, labels)
    paths = [c.get_paths()[0].vertices.tobytes() for c in ax.collections]
    assert len(ax.collections) == 2 and paths[0] != paths[1]  # a circle and a triangle
    assert [c.get_label() for c in ax.collections] == ["class 0", "class 1"]


# --- text alternatives of figures ------------------------------------------------------------------

class _Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags(markup):
    parser = _Tags()
    parser.feed(markup)
    return parser.tags


def test_figure_bundle_carries_the_alt_text():
    fig = plots.figure(figsize=(3, 2), alt='cost falls from 0.9 to 0.1 & "flattens"')
    fig.add_subplot().plot([0, 1], [0.9, 0.1])
    data, metadata = fig._repr_mimebundle_()
    (img,) = tags(data["text/html"])
    assert img[0] == "img" and img[1]["alt"] == 'cost falls from 0.9 to 0.1 & "flattens"'
    assert img[1]["src"].startswith("data:image/png;base64,iVBOR")
    assert data["image/png"].startswith(b"\x89PNG")
    assert metadata["image/png"]["alt"] == data["text/plain"] == 'cost falls from 0.9 to 0.1 & "flattens"'


def test_a_figure_without_alt_describes_itself():
    fig = plots.figure()
    ax = fig.add_subplot()
    ax.semilogy([1, 2], [1, 3], label="train")
    ax.semilogy([1, 2], [2, 3], "--", label="test")
    ax.set(xlabel="epoch", ylabel="cost J", title="costs")
    ax.legend()
    assert plots.describe(fig) == "Figure, 1 plot: 'costs' (x: epoch; y: cost J, log scale); shows: train, test."
    data, _ = fig._repr_mimebundle_()
    assert tags(data["text/html"])[0][1]["alt"] == plots.describe(fig)
    fig.alt = "later"
    assert fig._repr_mimebundle_()[0]["text/plain"] == "later"


def test_alt_is_checked():
    with pytest.raises(ValueError, match="empty"):
        plots.figure(alt="  ")
    with pytest.raises(TypeError, match="alt must be a str"):
        plots.figure(alt=3)
    with pytest.raises(ValueError, match="at most 400"):
        plots.figure(alt="x" * 401)
    with pytest.raises(TypeError, match="fig must be a matplotlib Figure"):
        plots.describe("fig")


def test_show_displays_the_pyplot_figure_once_with_its_alt(monkeypatch):
    import IPython.display
    import matplotlib.pyplot as plt

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: shown.append((a, k)))
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [0, 1])
    plots.show(fig, alt="a rising line")
    ((args, kwargs),) = shown
    assert tags(args[0]["text/html"])[0][1]["alt"] == "a rising line"
    assert kwargs["raw"] is True and kwargs["metadata"]["image/png"]["alt"] == "a rising line"
    assert not plt.fignum_exists(fig.number)  # closed: the inline backend will not show it again


def _descendants(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _descendants(child)


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_every_panel_figure_has_a_caption_before_it(panels, name):
    panel = panels[name]
    boxes = [w for w in _descendants(panel.widget) if isinstance(w, ipw.Box)]
    figure = panel.figure.widget
    (box,) = [b for b in boxes if figure in b.children]
    k = box.children.index(figure)
    caption = box.children[k - 1]
    assert caption is panel.figure.caption and "bpkit-alt" in caption._dom_classes
    assert [t for t, _ in tags(caption.value)] == ["p"]
    text = html.unescape(re.sub(r"<[^>]+>", "", caption.value))
    assert len(text) > 20 and text == panel.figure.text_alternative()


def test_the_caption_is_visually_hidden_not_hidden_from_screen_readers():
    css = _style.VISUALLY_HIDDEN_CSS
    assert ".bpkit-alt" in css and "clip" in css and "position: absolute" in css
    assert "display: none" not in css and "visibility: hidden" not in css
    assert css in widgets.panel_box([], "x").children[0].value


def test_a_png_fallback_panel_shows_its_figure_with_alt(monkeypatch):
    figure = widgets.LiveFigure(figsize=(2, 2), use_ipympl=False, alt="a dot")
    figure.fig.add_subplot().plot([0], [0], "o")
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: shown.append((a, k)))
    figure.redraw()
    ((args, kwargs),) = shown
    assert tags(args[0]["text/html"])[0][1]["alt"] == "a dot" and kwargs["raw"] is True


# --- controls and readouts --------------------------------------------------------------------------

CONTROLS = (ipw.widgets.widget_int._Int, ipw.widgets.widget_float._Float, ipw.widgets.widget_selection._Selection,
            ipw.widgets.widget_bool._Bool, ipw.Button, ipw.Text)


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_every_control_has_a_label(panels, name):
    controls = [w for w in _descendants(panels[name].widget) if isinstance(w, CONTROLS)]
    assert controls, f"{name} has no control"
    for control in controls:
        label = control.description.strip()
        assert label, f"{name}: a {type(control).__name__} without a label"
        assert not getattr(control, "description_allow_html", False)  # the label is read as it is written


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_every_readout_is_a_polite_live_region(panels, name):
    readouts = [w for w in _descendants(panels[name].widget) if "bpkit-readout" in w._dom_classes]
    assert readouts, f"{name} has no readout"
    for w in readouts:
        first = tags(w.value)[0]
        assert first == ("span", {"class": "bpkit-live", "role": "status", "aria-live": "polite",
                                  "aria-atomic": "true"}), w.value


def test_a_readout_announces_label_and_number_together():
    r = widgets.Readout("cost J =", "cost", fmt="{:.3f}", value=0.5)
    r.set(0.25, note="lower")
    found = tags(r.widget.value)
    assert [t for t, _ in found] == ["span", "span", "b", "span"]
    # one live element wraps label, number and note: aria-atomic makes the reader say all three
    assert r.widget.value.startswith("<span class='bpkit-live'") and r.widget.value.endswith("</span>")
    assert "cost J =" in r.widget.value and ">0.250<" in r.widget.value and "lower" in r.widget.value


def test_a_slider_needs_a_label():
    with pytest.raises(ValueError, match="label"):
        widgets.slider("  ", 0.5, 0.0, 1.0)
    assert widgets.slider("w", 0.5, 0.0, 1.0).description == "w"
