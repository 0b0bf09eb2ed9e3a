"""A matplotlib figure that shows itself as a picture in any kernel: :func:`figure`.

Why: a lesson that builds ``matplotlib.figure.Figure(...)`` directly (object API,
no pyplot) and ends a cell with ``fig`` relies on IPython having a PNG formatter
registered for ``Figure``. Only the inline backend registers one, and only once
``%matplotlib inline`` ran or pyplot was imported; in a fresh kernel that did
neither, the learner sees the text ``<Figure size 600x320 with 1 Axes>`` where
the picture should be (issue 22: lessons 5 and 8). A :class:`CourseFigure`
carries its own ``_repr_mimebundle_``, so it displays as a PNG in JupyterLab,
nbconvert and nbval whatever backend is active, and it never enters pyplot's
figure manager (nothing is shown twice or kept alive by pyplot).

Text alternative (issue 22, WCAG 2.1 success criterion 1.1.1): JupyterLab 4 draws
an ``image/png`` output as an ``<img>`` with no ``alt`` at all (its image renderer
reads only width, height and ``unconfined`` from the output's metadata), so a screen
reader meets an unnamed picture. Its rendermime ranks ``text/html`` before
``image/png``, keeps ``<img alt src="data:...">`` through the sanitizer (the
sanitizer checks the URL scheme of ``href`` and ``cite`` only) and uses it for
untrusted (reopened) notebooks too. So a figure's bundle carries ``text/html``: the
same PNG as a data URI in an ``<img>`` whose ``alt`` is the figure's text
alternative; ``image/png`` stays beside it with ``{"alt": ...}`` in its metadata,
which nbconvert's HTML export writes as the ``alt`` attribute. The alternative is
``alt=`` when the lesson gives one, else :func:`describe`, a one-line summary read
from the figure itself (titles, axis labels, legend entries).
"""
from __future__ import annotations

import base64
import html
import io
import math
import numbers
import sys

from matplotlib.figure import Figure

from ._style import series_cycler, style_figure

__all__ = ["CourseFigure", "describe", "figure", "mimebundle", "show"]

#: the largest width or height :func:`figure` makes, in inches (the lessons use up to 11)
MAX_INCHES = 50


#: the longest text alternative, in characters: a screen reader reads alt text in one go, without
#: pauses or navigation, so it stays a sentence or two (longer descriptions belong in the prose)
MAX_ALT_CHARS = 400


def _text_of(artist):
    return artist.get_text().strip() if artist is not None else ""


def describe(fig):
    """A one-line text alternative read from the figure: its titles, axis labels and legend entries.

    What a figure *is* (which curves, against what); what it *shows* (the trend,
    the number to notice) is the lesson's ``alt=``, or the prose beside it.

    Parameters
    ----------
    fig : matplotlib.figure.Figure

    Returns
    -------
    str
        E.g. ``"Figure, 1 plot: 'cost' (x: epoch; y: cost J, log scale); curves: train, test."``
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure (e.g. from plots.figure()), got {type(fig).__name__}")
    axes = [ax for ax in fig.get_axes() if ax.get_label() != "<colorbar>" and ax.get_visible()]
    parts = []
    title = _text_of(getattr(fig, "_suptitle", None))
    for ax in axes:
        bits = []
        for which in ("x", "y"):
            label = getattr(ax, f"get_{which}label")()
            scale = getattr(ax, f"get_{which}scale")()
            if label:
                bits.append(f"{which}: {label}" + (f", {scale} scale" if scale != "linear" else ""))
        names = [h.get_label() for h in ax.get_legend_handles_labels()[0]]
        names = [n for n in names if n and not n.startswith("_")]
        if not names and ax.get_legend() is not None:
            names = [t.get_text() for t in ax.get_legend().get_texts()]
        desc = f"'{ax.get_title()}'" if ax.get_title() else "untitled"
        if bits:
            desc += f" ({'; '.join(bits)})"
        if names:
            desc += f"; shows: {', '.join(names)}"
        if ax.images and not names:
            desc += "; an image"
        parts.append(desc)
    n = len(parts)
    text = f"Figure{': ' + title if title else ''}, {n} plot{'s' if n != 1 else ''}"
    text += (": " + ". ".join(parts) if parts else "") + "."
    return text if len(text) <= MAX_ALT_CHARS else text[:MAX_ALT_CHARS - 1] + "\u2026"


def _check_alt(alt):
    if alt is None:
        return None
    if not isinstance(alt, str):
        raise TypeError(f"alt must be a str (the figure's text alternative, one or two sentences), "
                        f"got {type(alt).__name__}")
    alt = " ".join(alt.split())
    if not alt:
        raise ValueError("alt must say what the figure shows, got an empty text")
    if len(alt) > MAX_ALT_CHARS:
        raise ValueError(f"alt must be at most {MAX_ALT_CHARS} characters (a screen reader reads it in one go; "
                         f"put the rest in the prose), got {len(alt)}")
    return alt


def _png_bytes(fig):
    buf = io.BytesIO()
    # like the inline backend: tight bounding box, the figure's own background
    fig.savefig(buf, format="png", bbox_inches="tight", facecolor=fig.get_facecolor())
    return buf.getvalue()


def mimebundle(fig, alt=None):
    """The display bundle of a figure with its text alternative: ``(data, metadata)``.

    ``data`` has ``text/html`` (``<img alt=... src="data:image/png;base64,...">``, what
    JupyterLab shows), ``image/png`` (the same bytes) and ``text/plain`` (the alternative,
    for consoles); ``metadata`` gives ``image/png`` its ``alt`` (nbconvert's HTML export
    reads it). ``alt=None`` uses :func:`describe`.
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure (e.g. from plots.figure()), got {type(fig).__name__}")
    alt = _check_alt(alt) or describe(fig)
    png = _png_bytes(fig)
    b64 = base64.b64encode(png).decode("ascii")
    img = (f'<img class="bpkit-figure-png" alt="{html.escape(alt, quote=True)}" '
           f'src="data:image/png;base64,{b64}"/>')
    return ({"text/html": img, "image/png": png, "text/plain": alt},
            {"image/png": {"alt": alt}})


def show(fig, alt=None):
    """Display a figure with its text alternative ``alt`` (see :func:`mimebundle`), then close it in pyplot.

    For figures made with ``plt.subplots``: call ``show(fig, alt="...")`` where
    ``plt.show()`` would go; the inline backend then does not show it a second time.
    """
    from IPython.display import display

    data, metadata = mimebundle(fig, alt)
    display(data, raw=True, metadata=metadata)
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close(fig)


class CourseFigure(Figure):
    """A ``matplotlib.figure.Figure`` whose rich display is a PNG with a text alternative, with no backend needed.

    ``alt`` (str or None) is the text a screen reader reads for it; None uses :func:`describe`.
    Its axes cycle through the course's series colours and line styles
    (:func:`bpkit.plots._style.series_cycler`), so series plotted without a style of their
    own differ in colour and line style, not in colour alone.
    """

    alt = None

    def add_subplot(self, *args, **kwargs):
        ax = super().add_subplot(*args, **kwargs)
        ax.set_prop_cycle(series_cycler())
        return ax

    def add_axes(self, *args, **kwargs):
        ax = super().add_axes(*args, **kwargs)
        ax.set_prop_cycle(series_cycler())
        return ax

    def _png_bytes(self):
        return _png_bytes(self)

    def _repr_png_(self):
        return self._png_bytes()

    def _repr_mimebundle_(self, include=None, exclude=None):
        # IPython asks for the bundle before any type formatter: it wins over a backend's own
        # formatter and over the bare text repr. text/plain is the text alternative, for consoles.
        return mimebundle(self, self.alt)


def figure(figsize=(6.0, 3.2), alt=None, **kwargs):
    """A new :class:`CourseFigure` in the course's colours; end a cell with it to show it.

    ``figsize`` and any other keyword go to ``matplotlib.figure.Figure``. Add axes
    with ``fig.add_subplot()`` as usual. ``alt`` is the figure's text alternative for
    screen readers: one or two sentences saying what the figure shows (at most
    ``MAX_ALT_CHARS`` characters); without it the figure describes itself (:func:`describe`).
    It can be set later too: ``fig.alt = "..."``.
    """
    alt = _check_alt(alt)
    ok = (isinstance(figsize, (tuple, list)) and len(figsize) == 2
          and all(isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v)
                  and 0 < v <= MAX_INCHES for v in figsize))
    if not ok:
        raise ValueError(f"figsize must be (width, height): two numbers of inches above 0 and at most "
                         f"{MAX_INCHES}, got {figsize!r}")
    fig = style_figure(CourseFigure(figsize=tuple(float(v) for v in figsize), **kwargs))
    fig.alt = alt
    return fig
