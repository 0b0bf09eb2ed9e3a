"""Lesson 9's panel: step the backward pass through a drawn graph with a fork.

The steps come from :func:`bpkit.autograd.backward_steps` (the right pass, ``=`` in place of
``+=``, or the naive recursion); the panel draws them with :class:`bpkit.plots.graph.GraphDiagram`.
"""
from __future__ import annotations

import html

import ipywidgets as widgets
import numpy as np

from .. import _validate
from ..autograd import MODES, Tensor, backward_steps, fork_example, topological_order
from ..plots.graph import GraphDiagram, KeptText
from ._common import LiveFigure, Panel, Readout

__all__ = ["GraphStepsPanel", "graph_steps"]

#: the toggle's labels, one per :data:`bpkit.autograd.MODES`
MODE_LABELS = {"topological": "+= in topological order (right)", "assign": "= instead of +=",
               "recursive": "naive recursion"}


class GraphStepsPanel(Panel):
    """Panel: a slider over the steps of the backward pass, a toggle for two classic mistakes.

    Attributes
    ----------
    widget : ipywidgets.VBox, classes ``bpkit-panel bpkit-graph-steps``
    slider : ipywidgets.IntSlider, steps done (0 = only the seed dJ/dJ = 1), class ``bpkit-slider``
    mode : ipywidgets.ToggleButtons, one of :data:`bpkit.autograd.MODES` (class ``bpkit-graph-mode``)
    size : Readout (``bpkit-grad-size``): sqrt of the sum of squares of every gradient so far
    watched : Readout (``bpkit-grad-watched``): dJ/d(watched leaf) so far, and the right value
    steps : dict mode -> list of :class:`bpkit.autograd.Step`, all computed when the panel is made
    right : dict ``id(node) -> gradient`` of the right pass (its last step)

    ``GraphStepsPanel(...)`` takes :func:`graph_steps`'s arguments and checks them the same way.
    """

    name = "graph-steps"

    def __init__(self, root=None, watch="w", mode="topological", use_ipympl=None):
        use_ipympl = _validate.optional_flag("use_ipympl", use_ipympl)
        mode = _validate.choice("mode", mode, MODES)
        if root is None:
            root = fork_example().root
        if not isinstance(root, Tensor):
            raise TypeError(f"root must be a bpkit.autograd.Tensor (the cost J), got {type(root).__name__}")
        nodes = topological_order(root)
        if len(nodes) > 16 or any(n.data.size != 1 or not n.name for n in nodes):
            raise ValueError(f"root must be the cost of a small graph of single numbers (at most 16 nodes, each "
                             f"holding one number and having a name, like bpkit.autograd.fork_example()); got "
                             f"{len(nodes)} nodes, shapes {sorted({n.shape for n in nodes})}")
        by_name = {n.name: n for n in nodes}
        if not isinstance(watch, str) or watch not in by_name:
            raise ValueError(f"watch must name a node of the graph, one of {sorted(by_name)}; got {watch!r}")
        self.root, self.node = root, by_name[watch]
        self.steps = {m: backward_steps(root, m) for m in MODES}
        self.right = self.steps["topological"][-1].grads
        self.slider = widgets.IntSlider(
            value=0, min=0, max=len(self.steps[mode]) - 1, step=1, description="backward steps done",
            continuous_update=True, style={"description_width": "initial"}, layout=widgets.Layout(width="380px"),
        )
        self.slider.add_class("bpkit-slider")
        self.sliders = [self.slider]
        self.mode = widgets.ToggleButtons(options=[(MODE_LABELS[m], m) for m in MODES], value=mode,
                                          description="pass:", style={"button_width": "auto"})
        self.mode.add_class("bpkit-graph-mode")
        self.size = Readout("size of all gradients so far, sqrt(sum of squares):", "grad-size", fmt="{:.5f}")
        self.watched = Readout(f"dJ/d{watch} so far:", "grad-watched", fmt="{:.5f}")
        self.caption = widgets.HTML()
        self.caption.add_class("bpkit-graph-caption")
        self.figure = LiveFigure(figsize=(8.2, 4.2), use_ipympl=use_ipympl)
        ax = self.figure.fig.add_axes([0.01, 0.01, 0.98, 0.92])
        self.diagram = GraphDiagram(ax, root)
        # the title is drawn from kept pixels too (a line of 40-odd glyphs costs as much as three boxes)
        self._title = self.figure.fig.add_artist(KeptText(0.5, 0.98, "", transform=self.figure.fig.transFigure,
                                                          ha="center", va="top", fontsize=9,
                                                          pixels=self.diagram.pixels))
        # a step changes boxes, arrows, labels and the title, and nothing else: repaint only them, on the
        # saved background, each line of text and each arrow from pixels kept since it was first drawn
        self.figure.animate(*self.diagram.moving_artists(), self._title)
        self._box([self.mode, self.slider, widgets.HBox([self.size.widget, self.watched.widget]), self.caption,
                   self.figure.widget])
        self.slider.observe(self._on_change, names="value")
        self.mode.observe(self._on_mode, names="value")
        self._on_change()

    def _on_mode(self, change=None):
        with self.widget.hold_sync():
            self.slider.max = len(self.steps[self.mode.value]) - 1
            self.slider.value = min(self.slider.value, self.slider.max)
        self._on_change()

    def _on_change(self, change=None):
        mode = self.mode.value
        steps = self.steps[mode]
        k = min(int(self.slider.value), len(steps) - 1)
        step = steps[k]
        g = float(step.grads[id(self.node)].reshape(-1)[0])
        right = float(self.right[id(self.node)].reshape(-1)[0])
        size = step.size
        with self.widget.hold_sync():
            self.size.set(size, note=f"(step {k} of {len(steps) - 1})")
            note = f"(the right pass ends at {right:.5f})" if k < len(steps) - 1 else (
                "right" if np.isclose(g, right, rtol=1e-12, atol=0) else f"wrong: the right value is {right:.5f}")
            self.watched.set(g, note=note)
            taken = [s.node for s in steps[1:k]]
            text = self._describe(step, k, any(n is step.node for n in taken))
            self.caption.value = f"<span class='bpkit-note'>{html.escape(text)}</span>"
        self.diagram.show_step(step, taken=taken, mode=mode)
        self._title.set_text(f"{MODE_LABELS[mode]}: step {k} of {len(steps) - 1}")
        self.figure.redraw()

    @staticmethod
    def _describe(step, k, again):
        if k == 0:
            return f"Step 0: the seed, dJ/d{step.node.name} = 1. Move the slider to pass gradients back."
        seen = "AGAIN (a second visit: it was passed on before) " if again else ""
        parts = [f"to {s.parent.name}: local {s.local.reshape(-1)[0]:.4f} \u00d7 upstream "
                 f"{step.upstream.reshape(-1)[0]:.4f} = {s.share.reshape(-1)[0]:.4f}" for s in step.shares]
        return (f"Step {k}: node {step.node.name} ({step.node.op}) passes dJ/d{step.node.name} = "
                f"{step.upstream.reshape(-1)[0]:.4f} on {seen}— " + "; ".join(parts) + ".")


def graph_steps(root=None, watch="w", mode="topological", use_ipympl=None):
    """Build lesson 9's panel: the backward pass through a small graph, one node per step.

    Parameters
    ----------
    root : bpkit.autograd.Tensor, optional
        The cost J of a small graph of single numbers, every node named (at most 16 nodes).
        Default: :func:`bpkit.autograd.fork_example`, one neuron with a skip connection (h used twice).
    watch : str, default "w"
        The node whose gradient the second readout follows.
    mode : {"topological", "assign", "recursive"}, the pass shown first (see
        :func:`bpkit.autograd.backward_steps`)
    use_ipympl : bool or None, see :class:`LiveFigure`
    """
    return GraphStepsPanel(root=root, watch=watch, mode=mode, use_ipympl=use_ipympl)
