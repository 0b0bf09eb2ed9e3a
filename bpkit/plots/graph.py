"""A computational graph drawn with matplotlib, its gradients filled in step by step (lesson 9).

Each node is a box with its name, its operation and its forward value, and under it the
gradient dJ/d(node) so far; an arrow runs from each parent to the node made from it.
:class:`GraphDiagram` keeps its artists and :meth:`GraphDiagram.show_step` only changes
texts and colours, so a panel repaints it in place. The numbers come from
:func:`bpkit.autograd.backward_steps`; this module computes none of them.
"""
from __future__ import annotations

from matplotlib.patches import FancyArrowPatch

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
    """

    def __init__(self, ax, root):
        _validate.axes(ax)
        if not isinstance(root, Tensor):
            raise TypeError(f"root must be a bpkit.autograd.Tensor (the cost J), got {type(root).__name__}")
        self.ax, self.root = ax, root
        self.nodes = topological_order(root)
        self.pos = graph_layout(root)
        self.boxes, self.arrows, self.share_texts, self._heads = {}, {}, {}, {}
        for n in self.nodes:
            x, y = self.pos[id(n)]
            what = n.name or "?"
            if n.parents:
                what += f" = {OP_TEXT.get(n.op, n.op)}"
            self._heads[id(n)] = f"{what}\n{_fmt(n.data)}"
            self.boxes[id(n)] = ax.text(
                x, y, self._heads[id(n)], ha="center", va="center", fontsize=7.5, zorder=3, linespacing=1.3,
                bbox=dict(boxstyle="round,pad=0.35", fc=NODE_FACE if n.parents else LEAF_FACE, ec="0.3", lw=1.0),
            )
        for child in self.nodes:
            for slot, p in enumerate(child.parents):
                (x0, y0), (x1, y1) = self.pos[id(p)], self.pos[id(child)]
                bend = 0.25 if x1 - x0 > 1 else 0.0  # an arrow that skips a column bends around it
                arrow = FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=9, lw=1.0,
                                        color=IDLE_EDGE, shrinkA=24, shrinkB=27, zorder=1,
                                        connectionstyle=f"arc3,rad={bend}")
                ax.add_patch(arrow)
                key = (id(p), id(child), slot)
                self.arrows[key] = arrow
                mx, my = (x0 + x1) / 2.0, (y0 + y1) / 2.0 - (0.45 if bend else 0.0)
                if y0 == y1 and not bend:  # a level arrow is short: its label goes above, clear of the boxes
                    my += 0.42
                self.share_texts[key] = ax.text(mx, my, "", ha="center", va="center", fontsize=7, color="black",
                                                zorder=5, bbox=dict(boxstyle="round,pad=0.2", fc="#fff1e0",
                                                                    ec=ACTIVE_EDGE, lw=0.8))
                self.share_texts[key].set_visible(False)
        xs = [p[0] for p in self.pos.values()]
        ys = [p[1] for p in self.pos.values()]
        ax.set_xlim(min(xs) - 0.7, max(xs) + 0.6)
        ax.set_ylim(min(ys) - 0.55, max(ys) + 0.75)
        ax.axis("off")

    def show_step(self, step, taken=(), mode="topological"):
        """Draw ``step`` (a :class:`bpkit.autograd.Step`): its node and arrows highlighted, every gradient.

        ``taken`` are the nodes already passed on (drawn in blue). A parent that receives a share shows
        ``before + share = after``; with ``mode="assign"`` (``=`` in place of ``+=``) it shows the
        share replacing what it held.
        """
        for key, arrow in self.arrows.items():
            arrow.set_color(IDLE_EDGE)
            arrow.set_linewidth(1.0)
            self.share_texts[key].set_visible(False)
        done = {id(n) for n in taken}
        for n in self.nodes:
            face = ACTIVE_FACE if n is step.node else (DONE_FACE if id(n) in done else
                                                       (NODE_FACE if n.parents else LEAF_FACE))
            self.boxes[id(n)].get_bbox_patch().set_facecolor(face)
            self.boxes[id(n)].get_bbox_patch().set_edgecolor("0.3")
            g = step.grads[id(n)]
            self.boxes[id(n)].set_text(self._heads[id(n)] + (f"\ngrad {_fmt(g)}" if n.requires_grad else "\n(data)"))
        for slot, parent, local, share, before, after in step.shares:
            key = (id(parent), id(step.node), slot)
            self.arrows[key].set_color(ACTIVE_EDGE)
            self.arrows[key].set_linewidth(2.2)
            self.share_texts[key].set_text(f"{_fmt(local)} \u00d7 {_fmt(step.upstream)}\n= {_fmt(share)}")
            self.share_texts[key].set_visible(True)
            change = (f"{_fmt(before)} + {_fmt(share)}\n= {_fmt(after)}" if mode != "assign"
                      else f"{_fmt(after)}\n(was {_fmt(before)})")
            self.boxes[id(parent)].set_text(self._heads[id(parent)] + f"\ngrad {change}")
            self.boxes[id(parent)].get_bbox_patch().set_edgecolor(ACTIVE_EDGE)
        return self

    def moving_artists(self):
        """Every artist :meth:`show_step` changes, back to front (a blit draws them in this order)."""
        return (*self.arrows.values(), *self.boxes.values(), *self.share_texts.values())
