"""Building blocks shared by every panel: the panel base class, live figures, readouts, sliders.

Why these choices (measured in JupyterLab + Chromium on a 2-core machine):
a ``Label``/``HTML`` updated from ``observe(names="value")`` shows new text
12-25 ms after a key press; one persistent ipympl figure updated in place
(``line.set_data`` + ``canvas.draw_idle()``) repaints in 80-95 ms; clearing
and re-plotting an ``Output`` takes 90-135 ms and drops frames during a drag.
So numbers go into :class:`Readout` (HTML), plots into :class:`LiveFigure`
(an ipympl canvas, updated in place), and several trait changes are wrapped in
``hold_sync()``.

CSS classes (stable, for tests and styling): every panel's outer box has
``bpkit-panel`` plus its own ``bpkit-<panel-name>``; sliders have
``bpkit-slider``; number readouts have ``bpkit-readout`` plus their own
``bpkit-<what>`` (e.g. ``bpkit-cost``); figures have ``bpkit-figure``.

A panel whose kernel is gone says so (:func:`panel_status`). Its views live in
the browser and keep moving after a kernel restart, but nothing computes any
more; the front end cannot ask Python whether it is alive, so the signal has to
come from the front end itself. ipywidgets 8 gives one: when the kernel
restarts, JupyterLab's widget manager calls ``disconnect()``, which sets
``comm_live = false`` on every model, and each ``DOMWidgetView`` then carries
the class ``jupyter-widgets-disconnected`` (views restored from saved widget
state, without a kernel, carry it from the start). Every panel's box holds a
small HTML child with a ``<style>`` that shows the panel's "not connected"
message, and dims the rest, exactly when the box has that class; inside panels
it hides ipywidgets' own sign for it, a wordless red broken-chain icon before
every single view. While the kernel lives the message is hidden by CSS: no
traffic, no timer. A kernel that is shut down (Kernel ▸ Shut Down Kernel) or
lost with its server does not set that class (the widget manager disconnects
only on "restarting"). JupyterLab's toolbar shows that state
(``.jp-Notebook-ExecutionIndicator[data-status="unknown"]``), but a CSS
``:has()`` rule reading it made every readout slower in Chromium, which then
re-checks the rule on each change of the page (lesson 1's readout median
31 ms -> 127 ms, 80 ms with the rule on the toolbar only), so panels do not
read it: the note at the top of every lesson covers that case. A notebook
reopened without saved widget state shows JupyterLab's own "Error displaying widget: model not found" instead (no view is
made at all); the note at the top of every lesson explains both.

Accessibility (issue 22, WCAG 2.1 AA), what the front end allows from Python:

* figures: an ipympl canvas is a ``<canvas>`` inside plain ``<div>`` s, and a widget
  cannot set ARIA attributes on its element from Python (ipywidgets 8 gives
  ``_dom_classes``, ``layout`` and ``tooltip``, the last a ``title``). So every
  :class:`LiveFigure` gets a caption, an HTML child placed just before its canvas
  by :func:`panel_box`: one line saying what the figure shows (``alt=``, else
  :func:`bpkit.plots.describe`), visually hidden (``bpkit-alt``) so a screen reader
  reads it in document order and the panel looks as before;
* readouts: a :class:`Readout`'s text sits in ``<span role="status"
  aria-live="polite" aria-atomic="true">``, so a change is read out (politely,
  whole) without moving the focus. ipywidgets' HTML view replaces its inner HTML on
  every change, so the live element is a new one each time; Chromium exposes it
  as a polite live region either way (checked in its accessibility tree);
* controls: every slider has a visible label (``description``, required non-empty).
  ipywidgets 8.1 draws sliders with noUiSlider and gives the ``role="slider"``
  handle no ``aria-label`` or ``aria-labelledby`` (ipywidgets issue 2650), so its
  accessible name is empty whatever Python sets; dropdowns (``<select>`` with a
  ``<label for>``) and buttons (their text) are named.
"""
from __future__ import annotations

import html
import math

import ipywidgets as widgets
from matplotlib.figure import Figure

from .._params import Flag, InstanceOf, Optional, Real, Sequence, Text, declare
from ..plots import _figure, _style

#: what a panel shows once its kernel is gone (after a restart, or restored from saved state)
OFFLINE_TEXT = ("This panel is not connected to a running kernel (the notebook was reopened or its kernel "
                "restarted), so moving it changes nothing. Choose Run \u25b8 Run All Cells to bring it back.")


def have_ipympl():
    """True when matplotlib's widget backend (ipympl) can be imported."""
    try:
        import ipympl.backend_nbagg  # noqa: F401
    except ImportError:
        return False
    return True


#: the largest side of a panel figure, in inches (a notebook column is about 8.5 inches wide)
MAX_FIGURE_INCHES = 100.0
_INCHES = Real(0, MAX_FIGURE_INCHES, closed="right", note="inches; the panels use 3 to 11")


class LiveFigure:
    """A matplotlib figure shown as a widget and redrawn in place.

    With ipympl the figure *is* a widget (its canvas); ``redraw()`` asks for a
    repaint with ``draw_idle`` and costs one frame. Without ipympl the figure is
    shown as a PNG inside an ``Output`` that is cleared and redrawn: slower, but
    the same panel code works.

    Blitting: a full Agg redraw of a panel figure (axes, ticks, legends, text)
    takes 50-100 ms, while the artists a slider moves (a point, a tangent line)
    draw in a few ms. Artists passed to :meth:`animate` are left out of full
    draws and painted on top of a saved background; ``redraw()`` then repaints
    only them (``restore_region`` + ``draw_artist`` + ``blit``) as long as
    nothing else in the figure changed since the last full draw. Matplotlib
    tracks that for us: changing a non-animated artist (a title, limits, a
    curve) marks the figure stale, and a stale figure gets a full redraw. The
    PNG path ignores :meth:`animate` (saving a figure draws animated artists too).

    Parameters
    ----------
    figsize : (float, float), inches
    use_ipympl : bool or None
        None: use ipympl when it is installed.
    alt : str or None
        What the figure shows, for screen readers (one or two sentences); None: the
        figure describes itself when the panel is built (:func:`bpkit.plots.describe`).

    Attributes
    ----------
    fig : matplotlib.figure.Figure
        Draw on it as usual (``fig.add_subplot()``, ``ax.plot``...), then call ``redraw()``.
    widget : ipywidgets.DOMWidget
        What to put in a layout box.
    interactive : bool
        True when drawn by ipympl.
    redraws : int
        Calls of :meth:`redraw`.
    blits : int
        How many of them repainted only the animated artists.
    alt : str or None
        The text alternative given; :meth:`text_alternative` is what is shown.
    caption : ipywidgets.HTML
        The visually hidden caption carrying the text alternative (class ``bpkit-alt``);
        :func:`panel_box` puts it just before ``widget``.
    """

    #: widest figure, in CSS pixels, that fits a JupyterLab notebook column on a laptop
    #: screen with the file browser open; wider figures get a lower dpi (and redraw faster)
    MAX_WIDTH_PX = 820

    @declare(figsize=Sequence(_INCHES, length=2, what="(width, height) in inches"),
             use_ipympl=Optional(Flag()), dpi=Real(0, 1000, closed="right", note="dots per inch; 100 is usual"),
             alt=Optional(Text()))
    def __init__(self, figsize=(5, 3.5), use_ipympl=None, dpi=100, alt=None):
        """Make the figure and its widget (the class docstring says what each argument means)."""
        self.interactive = have_ipympl() if use_ipympl is None else use_ipympl
        dpi = min(dpi, self.MAX_WIDTH_PX / figsize[0])
        self.fig = _style.style_figure(Figure(figsize=figsize, dpi=dpi))
        if self.interactive:
            from ipympl.backend_nbagg import Canvas, FigureManager

            canvas = Canvas(self.fig)
            FigureManager(canvas, id(self))
            canvas.header_visible = False
            canvas.footer_visible = False
            canvas.toolbar_visible = False
            canvas.resizable = False
            canvas.capture_scroll = False
            # the figure's size in CSS pixels in the canvas's first state: the front end sizes its
            # views from this state when ipympl's "resize" message comes, and that message can be
            # handled before the state update that carries the size (seen with matplotlib 3.10:
            # a 0 x 0 canvas that never draws, in about half the runs of lesson 3)
            canvas._size = tuple(float(v) for v in self.fig.bbox.size)
            canvas.mpl_connect("draw_event", self._after_full_draw)
            self.widget = canvas
        else:
            self.widget = widgets.Output()
        self.widget.add_class("bpkit-figure")
        self.widget._bpkit_live_figure = self  # how panel_box finds the figure's caption
        self.alt = _figure._check_alt(alt)
        self.caption = widgets.HTML()
        self.caption.add_class("bpkit-alt")
        self.redraws = 0
        self.blits = 0
        self._animated = []
        self._background = None

    def text_alternative(self):
        """The figure's text alternative: ``alt`` if given, else its description as drawn now."""
        return self.alt or _figure.describe(self.fig)

    def update_caption(self):
        """Write :meth:`text_alternative` into ``caption`` (panel_box does it once the panel is built)."""
        self.caption.value = f"<p class='bpkit-alt-text'>{html.escape(self.text_alternative())}</p>"

    def animate(self, *artists):
        """Mark artists that move on every update, so ``redraw()`` can repaint only them.

        Parameters
        ----------
        *artists : matplotlib.artist.Artist
            Artists of this figure (e.g. a ``Line2D`` moved with ``set_data``).

        Returns
        -------
        tuple of Artist
            The same artists. Without ipympl nothing changes.

        Notes
        -----
        A legend cannot be animated (drawing it marks its axes stale, so every
        redraw would be a full one), and an animated artist is painted over the
        static ones, legends included.
        """
        from matplotlib.artist import Artist

        for a in artists:
            if not isinstance(a, Artist):
                raise TypeError(f"animate() takes matplotlib artists, got {type(a).__name__}")
            if a.get_figure(root=True) is not self.fig:
                raise ValueError(f"animate() takes artists of this figure; {a!r} belongs to another one")
        if self.interactive:
            for a in artists:
                if a not in self._animated:
                    a.set_animated(True)
                    self._animated.append(a)
            self._background = None  # the next full draw leaves them out of the background
            self.fig.stale = True
        return artists

    def _after_full_draw(self, event):
        # runs at the end of every full Agg draw, before ipympl sends the frame:
        # keep the background (everything but the animated artists), then paint them on it
        canvas = self.fig.canvas
        if canvas.is_saving():
            # fig.savefig() fires this event too, but draws the animated artists into the file:
            # that picture is no background. Forget it; the next redraw is a full one.
            self._background = None
            self.fig.stale = True
            return
        self._background = canvas.copy_from_bbox(self.fig.bbox)
        for a in self._animated:
            self.fig.draw_artist(a)

    def redraw(self):
        """Repaint the figure after its artists changed."""
        self.redraws += 1
        if self.interactive:
            if self._animated and self._background is not None and not self.fig.stale:
                # only animated artists changed: repaint them on the saved background and
                # send the frame now (no draw request round trip through the browser)
                canvas = self.fig.canvas
                canvas.restore_region(self._background)
                for a in self._animated:
                    self.fig.draw_artist(a)
                canvas.blit(self.fig.bbox)
                self.blits += 1
            else:
                self.fig.canvas.draw_idle()
        else:
            from IPython.display import display

            with self.widget:
                self.widget.clear_output(wait=True)
                data, metadata = _figure.mimebundle(self.fig, self.text_alternative())
                display(data, raw=True, metadata=metadata)


class Readout:
    """A number shown in an HTML widget, with its exact value kept in Python.

    ``value`` is the float last shown; the HTML carries it too, in a
    ``data-value`` attribute with full precision, so a browser test can compare
    numerically without parsing rounded text. The text is a polite ARIA live region
    (``role="status"``, ``aria-live="polite"``, ``aria-atomic="true"``): a screen reader
    reads the label and the new number when it changes.
    """

    @declare(label=Text(), css=Text(), fmt=Text(), value=Real(finite=False))
    def __init__(self, label, css, fmt="{:.6f}", value=math.nan):
        """A readout labelled ``label``, CSS class ``bpkit-<css>``, showing ``value`` with ``fmt``."""
        try:
            fmt.format(0.5)
        except (ValueError, IndexError, KeyError) as exc:
            raise ValueError(f"fmt must be a format for one number such as '{{:.6f}}', got {fmt!r} ({exc})") from None
        self.label = label
        self.fmt = fmt
        self.widget = widgets.HTML()
        self.widget.add_class("bpkit-readout")
        self.widget.add_class(f"bpkit-{css}")
        self.value = math.nan
        self.set(value)

    @declare(value=Real(finite=False), note=Text())
    def set(self, value, note=""):
        """Show ``value`` (a float; NaN and inf are shown as such) and an optional short note after it."""
        self.value = value
        shown = self.fmt.format(self.value)
        extra = f" <span class='bpkit-note'>{html.escape(note)}</span>" if note else ""
        self.widget.value = (
            f"<span class='bpkit-live' role='status' aria-live='polite' aria-atomic='true'>"
            f"<span class='bpkit-label'>{html.escape(self.label)}</span> "
            f"<b class='bpkit-number' data-value='{self.value!r}'>{shown}</b>{extra}</span>"
        )


@declare(description=Text(), value=Real(), min=Real(), max=Real(), step=Real(0, closed="neither"),
         css=Optional(Text()), fmt=Text())
def slider(description, value, min, max, step=0.01, css=None, fmt=".3f"):
    """A continuously updating FloatSlider with the course's CSS class.

    ``min < max`` and ``min <= value <= max`` are required: ipywidgets would move a
    value outside the range to its nearest end without a word. ``description`` is the
    slider's visible label and must say what it moves (it cannot be empty).
    """
    if not description.strip():
        raise ValueError("slider description must be the slider's label (what it moves, e.g. 'w'), got an empty text")
    if not min < max:
        raise ValueError(f"slider {description!r}: min must be below max, got min={min:g}, max={max:g}")
    if not min <= value <= max:
        raise ValueError(f"slider {description!r}: value must lie in min..max = {min:g}..{max:g}, got {value:g} "
                         "(the slider would silently move it to the nearest end)")
    s = widgets.FloatSlider(
        value=value,
        min=min,
        max=max,
        step=step,
        description=description,
        continuous_update=True,
        readout_format=fmt,
        style={"description_width": "initial"},
        layout=widgets.Layout(width="320px"),
    )
    s.add_class("bpkit-slider")
    if css:
        s.add_class(f"bpkit-{css}")
    return s


class Panel:
    """Base class of every panel: it shows itself as its outer box, ``widget``.

    A panel computes nothing itself: the numbers it shows come from bpkit's core
    (:mod:`bpkit.toys`, :mod:`bpkit.sweeps`, :func:`bpkit.cost`...), and the panel
    only puts them into readouts and figures. A subclass sets ``name`` (its CSS
    class is ``bpkit-<name>``) and, in ``__init__``, builds its children and
    calls :meth:`_box` once.

    Attributes
    ----------
    widget : ipywidgets.Box
        The whole panel, classes ``bpkit-panel`` and ``bpkit-<name>``; what
        ``display(panel)`` shows (as the last expression of a cell too).
    sliders : list
        The panel's sliders, first the one the lesson moves first.
    """

    #: CSS name of the panel (``bpkit-<name>`` on its outer box)
    name = "panel"
    widget = None
    sliders = ()

    def _box(self, children, vertical=True):
        """Make ``self.widget``, the outer box (see :func:`panel_box`), and return it."""
        self.widget = panel_box(children, self.name, vertical=vertical)
        return self.widget

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self):
        return f"<{type(self).__name__}: bpkit-{self.name} panel, {len(self.sliders)} slider(s)>"


_DEAD = ".bpkit-panel.jupyter-widgets-disconnected"
_STATUS_CSS = " ".join((
    # hidden while the kernel lives (the <style> inside applies even so)
    ".bpkit-panel > .bpkit-status { display: none; height: auto; margin: 0 0 4px 0; }",
    f"{_DEAD} > .bpkit-status {{ display: block; }}",
    f".bpkit-offline {{ color: {_style.OFFLINE_TEXT_COLOUR}; background: {_style.OFFLINE_BACKGROUND}; "
    f"border-left: 4px solid {_style.OFFLINE_BAR}; padding: 4px 8px; line-height: 1.4; white-space: normal; }}",
    f"{_DEAD} > :not(.bpkit-status) {{ opacity: 0.45; }}",
    # ipywidgets' own sign, a red broken chain before every single view, says no words: one message instead
    f"{_DEAD}::before, .bpkit-panel .jupyter-widgets-disconnected::before {{ display: none; }}",
    _style.FIGURE_CSS,
    _style.VISUALLY_HIDDEN_CSS,
))


def panel_status():
    """The HTML child every panel box starts with: the panel's CSS and its "not connected" message.

    The message shows only while the box carries ipywidgets' ``jupyter-widgets-disconnected``
    class (see the module docstring); the CSS also frames the panel's figures.
    """
    status = widgets.HTML(
        f"<style>{_STATUS_CSS}</style>"
        f"<div class='bpkit-offline' role='status'>&#9888; {html.escape(OFFLINE_TEXT)}</div>"
    )
    status.add_class("bpkit-status")
    return status


def _with_captions(children):
    """``children`` with each LiveFigure's caption inserted before its widget (boxes inside get theirs too)."""
    out = []
    for child in children:
        live = getattr(child, "_bpkit_live_figure", None)
        if live is not None:
            live.update_caption()
            if live.caption not in children:
                out.append(live.caption)
        elif isinstance(child, widgets.Box):
            inner = _with_captions(child.children)
            if len(inner) != len(child.children):
                child.children = inner
        out.append(child)
    return tuple(out)


@declare(children=Sequence(InstanceOf(widgets.Widget, "an ipywidgets widget", lambda: widgets.HTML()),
                           min_len=0, what="the panel's widgets, e.g. [slider, readout.widget]"),
         name=Text(), vertical=Flag())
def panel_box(children, name, vertical=True):
    """The outer box of a panel, with classes ``bpkit-panel`` and ``bpkit-<name>``.

    Its first child is :func:`panel_status` (for a horizontal box, the children go in an
    inner HBox below it), then ``children``. Every :class:`LiveFigure` among them (at any
    depth of boxes) gets its caption, the figure's text alternative, just before it.
    """
    children = _with_captions(children)
    status = panel_status()
    box = widgets.VBox([status, *children]) if vertical else widgets.VBox([status, widgets.HBox(children)])
    box.add_class("bpkit-panel")
    box.add_class(f"bpkit-{name}")
    return box
