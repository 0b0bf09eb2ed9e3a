"""Lesson 9's stepping panel, driven from code: every readout and every drawn number is bpkit.autograd's."""
import numpy as np
import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("ipywidgets")

from bpkit import autograd as ag  # noqa: E402
from bpkit import plots, widgets  # noqa: E402


def size_of(grads):
    return float(np.sqrt(sum(float(np.sum(g * g)) for g in grads.values())))


def test_panel_steps_the_right_pass():
    p = widgets.graph_steps(use_ipympl=False)
    assert {"bpkit-panel", "bpkit-graph-steps"} <= set(p.widget._dom_classes)
    assert p.sliders == [p.slider] and "bpkit-slider" in p.slider._dom_classes
    steps = ag.backward_steps(p.root, "topological")
    assert p.slider.max == len(steps) - 1
    w = p.node
    p.root.backward()
    sizes = []
    for k in range(len(steps)):
        p.slider.value = k
        assert p.size.value == pytest.approx(size_of(steps[k].grads), rel=1e-15)
        assert p.watched.value == pytest.approx(float(steps[k].grads[id(w)][0, 0]), rel=1e-15)
        sizes.append(p.size.value)
        # the step's node is highlighted and its arrows carry local x upstream = share
        d = p.diagram
        assert d.boxes[id(steps[k].node)].get_bbox_patch().get_facecolor()[:3] != (1.0, 1.0, 1.0)
        for s in steps[k].shares:
            label = d.share_texts[(id(s.parent), id(steps[k].node), s.slot)]
            assert label.get_visible() and f"= {float(s.share[0, 0]):.4f}" in label.get_text()
    assert all(a < b for a, b in zip(sizes, sizes[1:]))  # the browser test relies on this
    assert p.watched.value == pytest.approx(float(w.grad[0, 0]), rel=1e-14)  # the engine's dJ/dw
    assert "right" in p.watched.widget.value


def test_the_fork_adds_visibly():
    p = widgets.graph_steps(use_ipympl=False)
    steps = p.steps["topological"]
    h = next(n for n in ag.topological_order(p.root) if n.name == "h")
    k, share = next((k, s) for k, st in enumerate(steps) for s in st.shares if s.parent is h and np.any(s.before))
    p.slider.value = k
    text = p.diagram.boxes[id(h)].get_text()
    before, added, after = (f"{float(a[0, 0]):.4f}" for a in (share.before, share.share, share.after))
    assert f"{before} + {added}\n= {after}" in text


@pytest.mark.parametrize("mode, ratio", [("assign", None), ("recursive", 4.0)])
def test_the_toggle_shows_the_two_mistakes(mode, ratio):
    p = widgets.graph_steps(use_ipympl=False)
    right = float(p.right[id(p.node)][0, 0])
    p.mode.value = mode
    assert p.slider.max == len(p.steps[mode]) - 1
    p.slider.value = p.slider.max
    assert "wrong" in p.watched.widget.value
    if ratio:
        assert p.watched.value / right == pytest.approx(ratio)
        assert "AGAIN" in p.caption.value
    else:
        v = float(ag.fork_example().leaves["v"].data[0, 0])
        assert p.watched.value / right == pytest.approx(v / (v + 1))
    p.mode.value = "topological"  # back: the slider shrinks to the right pass's steps
    assert p.slider.value == p.slider.max == len(p.steps["topological"]) - 1
    assert "right" in p.watched.widget.value


def test_panel_refuses_what_it_cannot_draw():
    with pytest.raises(ValueError, match="mode"):
        widgets.graph_steps(mode="sideways", use_ipympl=False)
    with pytest.raises(ValueError, match="watch must name a node"):
        widgets.graph_steps(watch="q", use_ipympl=False)
    with pytest.raises(TypeError, match="Tensor"):
        widgets.graph_steps(root=3.0, use_ipympl=False)
    big = ag.sum(ag.Tensor(np.ones((2, 2)), name="A"))
    big.name = "J"
    with pytest.raises(ValueError, match="single numbers"):
        widgets.graph_steps(root=big, use_ipympl=False)


def test_layout_puts_parents_left_of_children():
    root = ag.fork_example().root
    pos = plots.graph_layout(root)
    for n in ag.topological_order(root):
        assert all(pos[id(p)][0] < pos[id(n)][0] for p in n.parents)
    assert len(set(pos.values())) == len(pos)  # no two nodes on one spot


def _frame(panel):
    """The panel's figure as Agg draws it (every artist, as a saved figure would show it), as integers."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(panel.figure.fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).astype(int)


def test_kept_pixels_draw_what_matplotlib_draws(monkeypatch):
    # the boxes, labels, arrows and title are pasted from pixels kept since their first drawing;
    # each frame, first drawn and drawn again from kept pixels, must match matplotlib's own drawing
    from matplotlib.patches import FancyArrowPatch
    from matplotlib.text import Text

    from bpkit.plots import graph

    p = widgets.graph_steps(use_ipympl=False)
    # "+=" adding into h, the naive recursion's second visit of h and its end, "=" replacing ("was")
    visits = [("recursive", 3), ("recursive", 7), ("recursive", 9), ("assign", 3)]
    kept = {}
    for mode, k in visits + visits[::-1]:   # then back: drawn from kept pixels only
        p.mode.value, p.slider.value = mode, k
        kept.setdefault((mode, k), []).append(_frame(p))
    kept_images = [v[-1] for v in p.diagram.pixels.images.values() if v is not None]
    assert kept_images  # the frames above were drawn from kept pixels
    # each kept image is cropped to what its line or artist drew (a cleared canvas is transparent white)
    width, height = p.figure.fig.canvas.get_width_height()
    assert all(img.shape[0] * img.shape[1] < 0.1 * width * height for img in kept_images)
    monkeypatch.setattr(graph.KeptText, "draw", Text.draw)
    monkeypatch.setattr(graph._KeptArrow, "draw", FancyArrowPatch.draw)
    plains = []
    for (mode, k), frames in kept.items():
        p.mode.value, p.slider.value = mode, k
        plains.append(_frame(p))
        for frame in frames:
            # a kept line is pasted into its box and the box onto the canvas: two roundings, 2/255 at most
            # (a line or box one pixel off, or a wrong colour, differs by far more)
            assert np.abs(frame - plains[-1]).max() <= 2, (mode, k)
    # the four steps look different, so matching each of them means something
    assert all(np.abs(a - b).max() > 100 for i, a in enumerate(plains) for b in plains[i + 1:])


def test_a_step_changes_only_the_artists_it_moves(monkeypatch):
    p = widgets.graph_steps(use_ipympl=False)
    d = p.diagram
    changed = []
    for cls in (type(next(iter(d.boxes.values()))), type(next(iter(d.arrows.values())))):
        for name in ("set_text", "set_color", "set_visible"):
            if hasattr(cls, name):
                original = getattr(cls, name)

                def spy(self, *args, _original=original, **kwargs):
                    changed.append(self)
                    return _original(self, *args, **kwargs)
                monkeypatch.setattr(cls, name, spy)
    p.slider.value = 2
    assert changed  # a step changes something
    moved = set(changed)
    assert len(moved) < len(d.boxes) + len(d.arrows) + len(d.share_texts)
    changed.clear()
    d.show_step(p.steps["topological"][2], taken=[s.node for s in p.steps["topological"][1:2]])
    assert changed == []  # the same step again changes nothing
    # and the drawing still says what the step says: its shares on its arrows
    for s in p.steps["topological"][2].shares:
        assert d.share_texts[(id(s.parent), id(p.steps["topological"][2].node), s.slot)].get_visible()
