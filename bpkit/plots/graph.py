"""A computational graph drawn with matplotlib, its gradients filled in step by step (lesson 9).

Each node is a box with its name, its operation and its forward value, and under it the
gradient dJ/d(node) so far; an arrow runs from each parent to the node made from it.
:class:`GraphDiagram` keeps its artists and :meth:`GraphDiagram.show_step` only changes
the texts and colours that differ from what they show, so a panel repaints it in place. Its
boxes, labels and arrows draw themselves from pixels kept since their first drawing
(:class:`KeptText`): repainting all of them that way took 5 ms of CPU a step where matplotlib's
own drawing took 140 ms (measured side by side on a loaded 2-core machine). The numbers come from
:func:`bpkit.autograd.backward_steps`; this module computes none of them.
"""
from __future__ import annotations

import numpy as np
from matplotlib import artist as martist
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.patches import FancyArrowPatch
from matplotlib.text import Text

from .. import _validate
from ..autograd import Tensor, topological_order

IDLE_EDGE, ACTIVE_EDGE = "0.55", "#d95f02"        # arrows: grey; the step's arrows orange
NODE_FACE, ACTIVE_FACE, DONE_FACE = "#ffffff", "#fde0c5", "#e3eef9"   # box fills
LEAF_FACE = "#f2f2f2"
OP_TEXT = {"+": "+", "-": "\u2212", "*": "\u00d7", "@": "@", "neg": "\u2212x", "leaf": "leaf",
           "quadratic_cost": "cost", "cross_entropy_cost": "cost", "softmax_cross_entropy": "cost"}


def _fmt(a):
    """A node's value as short text: one number for a single entry, else the shape."""
    return f"{float(a.reshape(-1)[0]):.4f}" if a.size == 1 else f"{a.shape}"


def graph_layout(root):
    """Positions ``{id(node): (x, y)}``: a column per step from the leaves, the cost on the right.

    An operation sits one column right of its furthest parent; a leaf sits just left of the
    first node that uses it. Nodes of one column are spread evenly, in topological order.
    """
    order = topological_order(root)
    col = {}
    for n in order:
        if n.parents:
            col[id(n)] = 1 + max(col.get(id(p), 0) for p in n.parents)
    for n in order:
        if not n.parents:
            users = [col[id(c)] for c in order if any(p is n for p in c.parents)]
            col[id(n)] = (min(users) - 1) if users else 0
    base = min(col.values())
    columns = {}
    for n in order:
        columns.setdefault(col[id(n)] - base, []).append(n)
    pos = {}
    for c, nodes in columns.items():
        k = len(nodes)
        for i, n in enumerate(nodes):
            pos[id(n)] = (float(c), 1.5 * ((k - 1) / 2.0 - i))
    return pos


class _Pixels:
    """Rendered pixels kept for reuse: each line of text and each arrow state is rasterised once.

    Agg lays out and rasterises text glyph by glyph in Python (about 0.1-1 ms a glyph on a
    shared 2-core machine, so one step of the diagram, some 300 glyphs, cost 100-300 ms). A
    step repaints the same lines (a node's name and value, its gradient) again and again, so
    the first rendering of a line is kept as an RGBA image, positioned relative to its pixel
    anchor, and later drawn with ``draw_image`` (a fraction of a millisecond). Images are kept
    per line text, font, colour and sub-pixel offset (to FreeType's 1/64 pixel), so a kept line
    drawn elsewhere on the pixel grid comes out the same; an arrow's image is kept per colour,
    width and position on the canvas. Pasted pixels match a direct rendering to 2/255 (a line is
    pasted into its box, the box onto the canvas: two roundings; tested). Only Agg renderers are
    served; any other (PDF, SVG) draws as usual.
    """

    LIMIT = 32 * 2 ** 20   # bytes of kept images before the store starts afresh (lesson 9's panel: about 2 MB)

    def __init__(self):
        self.images = {}
        self.nbytes = 0
        self._scratch = {}
        self._proxies = {}

    def _blank(self, base, purpose):
        """A cleared transparent Agg canvas of ``base``'s size and dpi to rasterise one thing on.

        One per ``purpose``: a box being rasterised asks for its lines, which need a canvas of their own.
        """
        s = self._scratch.get(purpose)
        if s is None or (s.width, s.height, s.dpi) != (base.width, base.height, base.dpi):
            s = self._scratch[purpose] = RendererAgg(int(base.width), int(base.height), base.dpi)
        else:
            s.clear()
        return s

    @staticmethod
    def _crop(scratch, rows=None):
        """``(left, top row, bottom row, image)`` of what was drawn on ``scratch``; None if nothing was.

        ``rows``: ``(first, stop)``, the band of rows to look in (default: all of them).
        """
        a = np.asarray(scratch.buffer_rgba())
        lo, hi = (0, a.shape[0]) if rows is None else (max(0, rows[0]), min(a.shape[0], rows[1]))
        alpha = a[:, :, 3]   # a cleared Agg canvas is transparent white: only alpha says what was drawn
        used = np.flatnonzero(alpha[lo:hi].any(axis=1))
        if used.size == 0:
            return None
        r0, r1 = lo + int(used[0]), lo + int(used[-1]) + 1
        cols = np.flatnonzero(alpha[r0:r1].any(axis=0))
        c0, c1 = int(cols[0]), int(cols[-1]) + 1
        return c0, r0, r1, a[r0:r1, c0:c1][::-1].copy()   # draw_image takes the bottom row first

    def _keep(self, key, value):
        size = 0 if value is None else value[-1].nbytes
        if self.nbytes + size > self.LIMIT:
            self.images.clear()
            self.nbytes = 0
        self.images[key] = value
        self.nbytes += size

    def renderer(self, base):
        """``base`` itself, or for an Agg renderer a stand-in whose ``draw_text`` uses kept lines."""
        if not isinstance(base, RendererAgg):
            return base
        proxy = self._proxies.get(id(base))
        if proxy is None or proxy._base is not base:
            # one stand-in per renderer: matplotlib caches text metrics per renderer object
            if len(self._proxies) > 8:
                self._proxies.clear()
            proxy = self._proxies[id(base)] = _LineKeepingRenderer(base, self)
        return proxy

    def draw_line(self, base, gc, x, y, s, prop, mtext):
        """Draw one line of text at ``(x, y)`` (Agg's coordinates: y down) from a kept image."""
        (ax, fx), (ay, fy) = divmod(round(64 * x), 64), divmod(round(64 * y), 64)
        key = ("line", s, prop.copy(), tuple(gc.get_rgb()), gc.get_alpha(), gc.get_antialiased(), fx, fy,
               base.dpi, None if mtext is None else (mtext.get_fontfeatures(), mtext.get_language()))
        if key not in self.images:
            scratch = self._blank(base, "line")
            scratch.draw_text(gc, ax + fx / 64, ay + fy / 64, s, prop, 0, ismath=False, mtext=mtext)
            em = prop.get_size_in_points() * base.dpi / 72.0   # the font size in pixels
            got = self._crop(scratch, rows=(int(ay - 3 * em) - 4, int(ay + 2 * em) + 4))  # around the baseline
            self._keep(key, None if got is None else (got[0] - ax, got[2] - ay, got[3]))
        kept = self.images[key]
        if kept is not None:
            dx, dy, image = kept
            base.draw_image(gc, ax + dx, base.height - (ay + dy), image)

    def draw_artist(self, base, artist, key, draw):
        """Draw ``artist`` from a kept image of it in state ``key``; ``draw(renderer)`` renders it."""
        key = ("artist", id(artist), key, base.width, base.height, base.dpi)
        if key not in self.images:
            scratch = self._blank(base, "artist")
            draw(scratch)
            got = self._crop(scratch)
            self._keep(key, None if got is None else (got[0], got[2], got[3]))
        kept = self.images[key]
        if kept is not None:
            left, bottom_row, image = kept
            gc = base.new_gc()
            artist._set_gc_clip(gc)
            base.draw_image(gc, left, base.height - bottom_row, image)
            gc.restore()


class _LineKeepingRenderer:
    """An Agg renderer whose ``draw_text`` draws plain lines from :class:`_Pixels` (all else is the renderer's)."""

    def __init__(self, base, pixels):
        self._base, self._pixels = base, pixels

    def __getattr__(self, name):
        return getattr(self._base, name)

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath or angle:
            return self._base.draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)
        return self._pixels.draw_line(self._base, gc, x, y, s, prop, mtext)


class KeptText(Text):
    """A :class:`matplotlib.text.Text` drawn from kept pixels on an Agg canvas (see :class:`_Pixels`).

    It behaves as any Text (``set_text``, colours, bbox); only its drawing is faster: once it has
    been drawn in a state (text, colours, place), that state is pasted as an image, and each line
    of text is rasterised once however many states show it. ``pixels`` is shared by the artists
    of one figure. On other renderers (PDF, SVG) it draws as a plain Text.
    """

    def __init__(self, *args, pixels, **kwargs):
        super().__init__(*args, **kwargs)
        self._pixels = pixels

    def _look(self):
        """Everything about this text that :class:`GraphDiagram` or a panel may change, and its place."""
        patch = self.get_bbox_patch()
        box = None if patch is None else (tuple(patch.get_facecolor()), tuple(patch.get_edgecolor()),
                                          patch.get_linewidth(), patch.get_visible())
        where = self.get_transform().transform(self.get_unitless_position())
        return (self.get_text(), str(self.get_color()), self.get_alpha(), self.get_fontsize(), self.get_rotation(),
                self.get_horizontalalignment(), self.get_verticalalignment(), tuple(np.round(where, 3)), box)

    def _draw_plain(self, renderer):
        Text.draw(self, self._pixels.renderer(renderer))

    @martist.allow_rasterization
    def draw(self, renderer):
        if not self.get_visible() or not self.get_text():
            return
        if not isinstance(renderer, RendererAgg):
            return super().draw(renderer)
        self._pixels.draw_artist(renderer, self, self._look(), self._draw_plain)


class _KeptArrow(FancyArrowPatch):
    """A FancyArrowPatch between two fixed points, drawn from a kept image per colour and width."""

    def __init__(self, posA, posB, *, pixels, **kwargs):
        super().__init__(posA, posB, **kwargs)
        self._pixels, self._ends = pixels, (posA, posB)

    @martist.allow_rasterization
    def draw(self, renderer):
        if not self.get_visible():
            return
        if not isinstance(renderer, RendererAgg):
            return super().draw(renderer)
        ends = self.get_transform().transform(self._ends)
        key = (tuple(self.get_edgecolor()), tuple(self.get_facecolor()), self.get_linewidth(),
               tuple(np.round(ends.ravel(), 3)))
        self._pixels.draw_artist(renderer, self, key, super().draw)


class GraphDiagram:
    """A drawn graph; :meth:`show_step` colours one backward step and writes every node's gradient.

    Parameters
    ----------
    ax : matplotlib.axes.Axes (its axis lines are switched off)
    root : bpkit.autograd.Tensor, the cost J; every node needs a ``name``

    Attributes
    ----------
    boxes : dict ``id(node) -> Text``: the node's box: name, operation, value, and its gradient so far
    arrows : dict ``(id(parent), id(child), slot) -> FancyArrowPatch``
    share_texts : dict, the same keys: what the step sends along that arrow
    pixels : the store of rendered lines and arrows these artists are drawn from (see :class:`KeptText`);
        pass it to a :class:`KeptText` added to the same figure (a panel's title) to share it
    """

    def __init__(self, ax, root):
        _validate.axes(ax)
        if not isinstance(root, Tensor):
            raise TypeError(f"root must be a bpkit.autograd.Tensor (the cost J), got {type(root).__name__}")
        self.ax, self.root = ax, root
        self.nodes = topological_order(root)
        self.pos = graph_layout(root)
        self.pixels = _Pixels()
        self.boxes, self.arrows, self.share_texts, self._heads = {}, {}, {}, {}
        self._shown = {}   # artist -> the state show_step last gave it, so a step touches only what changed
        for n in self.nodes:
            x, y = self.pos[id(n)]
            what = n.name or "?"
            if n.parents:
                what += f" = {OP_TEXT.get(n.op, n.op)}"
            self._heads[id(n)] = f"{what}\n{_fmt(n.data)}"
            self.boxes[id(n)] = ax.add_artist(KeptText(
                x, y, self._heads[id(n)], ha="center", va="center", fontsize=7.5, zorder=3, linespacing=1.3,
                bbox=dict(boxstyle="round,pad=0.35", fc=NODE_FACE if n.parents else LEAF_FACE, ec="0.3", lw=1.0),
                clip_on=False, pixels=self.pixels,
            ))
        for child in self.nodes:
            for slot, p in enumerate(child.parents):
                (x0, y0), (x1, y1) = self.pos[id(p)], self.pos[id(child)]
                bend = 0.25 if x1 - x0 > 1 else 0.0  # an arrow that skips a column bends around it
                arrow = _KeptArrow((x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=9, lw=1.0,
                                   color=IDLE_EDGE, shrinkA=24, shrinkB=27, zorder=1,
                                   connectionstyle=f"arc3,rad={bend}", clip_on=False, pixels=self.pixels)
                ax.add_patch(arrow)
                key = (id(p), id(child), slot)
                self.arrows[key] = arrow
                mx, my = (x0 + x1) / 2.0, (y0 + y1) / 2.0 - (0.45 if bend else 0.0)
                if y0 == y1 and not bend:  # a level arrow is short: its label goes above, clear of the boxes
                    my += 0.42
                self.share_texts[key] = ax.add_artist(KeptText(
                    mx, my, "", ha="center", va="center", fontsize=7, color="black", zorder=5, clip_on=False,
                    bbox=dict(boxstyle="round,pad=0.2", fc="#fff1e0", ec=ACTIVE_EDGE, lw=0.8), pixels=self.pixels,
                ))
                self.share_texts[key].set_visible(False)
        xs = [p[0] for p in self.pos.values()]
        ys = [p[1] for p in self.pos.values()]
        ax.set_xlim(min(xs) - 0.7, max(xs) + 0.6)
        ax.set_ylim(min(ys) - 0.55, max(ys) + 0.75)
        ax.axis("off")

    def _set(self, artist, state, apply):
        """Give ``artist`` ``state`` with ``apply(artist, *state)``, unless it has that state already."""
        if self._shown.get(artist) != state:
            apply(artist, *state)
            self._shown[artist] = state

    @staticmethod
    def _apply_box(box, text, face, edge):
        box.set_text(text)
        box.get_bbox_patch().set_facecolor(face)
        box.get_bbox_patch().set_edgecolor(edge)

    @staticmethod
    def _apply_arrow(arrow, colour, width):
        arrow.set_color(colour)
        arrow.set_linewidth(width)

    @staticmethod
    def _apply_label(label, text):
        label.set_text(text)
        label.set_visible(bool(text))

    def show_step(self, step, taken=(), mode="topological"):
        """Draw ``step`` (a :class:`bpkit.autograd.Step`): its node and arrows highlighted, every gradient.

        ``taken`` are the nodes already passed on (drawn in blue). A parent that receives a share shows
        ``before + share = after``; with ``mode="assign"`` (``=`` in place of ``+=``) it shows the
        share replacing what it held.

        The step's state of every box, arrow and label is worked out first; then only the artists
        whose state differs from what they show are changed (a step changes a handful of them).
        """
        done = {id(n) for n in taken}
        boxes, arrows, labels = {}, {key: (IDLE_EDGE, 1.0) for key in self.arrows}, dict.fromkeys(self.arrows, "")
        for n in self.nodes:
            face = ACTIVE_FACE if n is step.node else (DONE_FACE if id(n) in done else
                                                       (NODE_FACE if n.parents else LEAF_FACE))
            g = step.grads[id(n)]
            boxes[id(n)] = (self._heads[id(n)] + (f"\ngrad {_fmt(g)}" if n.requires_grad else "\n(data)"), face, "0.3")
        for slot, parent, local, share, before, after in step.shares:
            key = (id(parent), id(step.node), slot)
            arrows[key] = (ACTIVE_EDGE, 2.2)
            labels[key] = f"{_fmt(local)} \u00d7 {_fmt(step.upstream)}\n= {_fmt(share)}"
            change = (f"{_fmt(before)} + {_fmt(share)}\n= {_fmt(after)}" if mode != "assign"
                      else f"{_fmt(after)}\n(was {_fmt(before)})")
            boxes[id(parent)] = (self._heads[id(parent)] + f"\ngrad {change}", boxes[id(parent)][1], ACTIVE_EDGE)
        for k, state in boxes.items():
            self._set(self.boxes[k], state, self._apply_box)
        for k, state in arrows.items():
            self._set(self.arrows[k], state, self._apply_arrow)
        for k, text in labels.items():
            self._set(self.share_texts[k], (text,), self._apply_label)
        return self

    def moving_artists(self):
        """Every artist :meth:`show_step` changes, back to front (a blit draws them in this order)."""
        return (*self.arrows.values(), *self.boxes.values(), *self.share_texts.values())
