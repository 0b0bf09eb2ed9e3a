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
"""
from __future__ import annotations

import io
import math
import numbers

from matplotlib.figure import Figure

from ._style import style_figure

__all__ = ["CourseFigure", "figure"]

#: the largest width or height :func:`figure` makes, in inches (the lessons use up to 11)
MAX_INCHES = 50


class CourseFigure(Figure):
    """A ``matplotlib.figure.Figure`` whose rich display is a PNG, with no backend needed."""

    def _png_bytes(self):
        buf = io.BytesIO()
        # like the inline backend: tight bounding box, the figure's own background
        self.savefig(buf, format="png", bbox_inches="tight", facecolor=self.get_facecolor())
        return buf.getvalue()

    def _repr_png_(self):
        return self._png_bytes()

    def _repr_mimebundle_(self, include=None, exclude=None):
        # IPython asks for the bundle before any type formatter: the PNG wins over a backend's own
        # formatter and over the bare text repr. text/plain stays for consoles without images.
        return {"image/png": self._png_bytes(), "text/plain": repr(self)}


def figure(figsize=(6.0, 3.2), **kwargs):
    """A new :class:`CourseFigure` in the course's colours; end a cell with it to show it.

    ``figsize`` and any other keyword go to ``matplotlib.figure.Figure``. Add axes
    with ``fig.add_subplot()`` as usual.
    """
    ok = (isinstance(figsize, (tuple, list)) and len(figsize) == 2
          and all(isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v)
                  and 0 < v <= MAX_INCHES for v in figsize))
    if not ok:
        raise ValueError(f"figsize must be (width, height): two numbers of inches above 0 and at most "
                         f"{MAX_INCHES}, got {figsize!r}")
    return style_figure(CourseFigure(figsize=tuple(float(v) for v in figsize), **kwargs))
