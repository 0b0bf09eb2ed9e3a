"""Every panel: one base class, built and displayed the same way; views compute nothing."""
import ast
import inspect
from pathlib import Path

import numpy as np
import pytest

import bpkit
from bpkit import widgets
from bpkit.widgets import Panel

PACKAGE = Path(bpkit.__file__).parent


def _sine():
    x, y = bpkit.noisy_sine(n=8, noise=0.1, seed=0)
    xt, yt = bpkit.noisy_sine(n=30, noise=0.1, seed=1)
    return 6 * (x - 0.5), y, 6 * (xt - 0.5), yt


def _moons():
    X, labels = bpkit.make_moons(n=6, seed=0)
    return X, labels[:, None].astype(float)


def _line():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 3, 20)
    return x, 1.5 * x - 1 + 0.3 * rng.standard_normal(20)


def _one_neuron():
    net = bpkit.Network([1, 1])
    net.weights[0][0, 0], net.biases[0][0] = 0.8, -0.5
    return net


#: every panel factory of bpkit.widgets: (factory, a network or None, the other arguments, keywords)
_rng = np.random.default_rng(0)

FACTORIES = {
    "weight_nudge": (widgets.weight_nudge, lambda: bpkit.Network([2, 3, 1], seed=3), bpkit.sleep_study()[:2], {}),
    "chain_rule": (widgets.chain_rule, _one_neuron, ([1.5], 0.2), {}),
    "sigmoid_tangent": (widgets.sigmoid_tangent, None, (), {"z": 1.0}),
    "delta_steps": (widgets.delta_steps, lambda: bpkit.Network([2, 3, 1], seed=1), _moons(), {}),
    "lambda_panel": (widgets.lambda_panel, lambda: bpkit.Network([1, 4, 1]), _sine(),
                     {"log10_lams": np.arange(-3.0, -0.999, 1.0), "epochs": 30}),
    "descent_panel": (widgets.descent_panel, None, _line(), {}),
    "epsilon_panel": (widgets.epsilon_panel, lambda: bpkit.Network([2, 2, 1], seed=1), _moons(),
                      {"log10_eps": np.arange(-9.0, -2.9, 1.0)}),
    "digit_nudges_panel": (widgets.digit_nudges_panel, lambda: bpkit.Network([6, 4, 3], seed=2),
                           (_rng.uniform(0, 1, (5, 6)), bpkit.one_hot(np.arange(5) % 3, 3), np.arange(5) % 3), {}),
    "saturation_panel": (widgets.saturation_panel, None, (), {"epochs": 20}),
    "init_panel": (widgets.init_panel, None, (_rng.uniform(0, 1, (20, 6)), bpkit.one_hot(np.arange(20) % 3, 3)),
                   {"width": 4, "max_depth": 3}),
    "sawtooth_panel": (widgets.sawtooth_panel, None, (), {"max_k": 3}),
    "shapes_panel": (widgets.shapes_panel, None, (*bpkit.make_spiral(n=40, seed=0), *bpkit.make_spiral(n=40, seed=1)),
                     {"depths": (1, 2), "budget": 40, "epochs": 2}),
    "graph_steps": (widgets.graph_steps, None, (), {}),
}


def build(name, net=None, **kw):
    factory, make_net, args, kwargs = FACTORIES[name]
    if make_net is not None:
        args = (make_net() if net is None else net, *args)
    return factory(*args, **kwargs, **kw)


def test_every_panel_factory_is_listed():
    panel_classes = {obj for obj in vars(widgets).values()
                     if inspect.isclass(obj) and issubclass(obj, Panel) and obj is not Panel}
    built = {type(build(name, use_ipympl=False)) for name in FACTORIES}
    assert built == panel_classes


@pytest.mark.parametrize("use_ipympl", [True, False], ids=["ipympl", "png-fallback"])
@pytest.mark.parametrize("factory", sorted(FACTORIES))
def test_panel_builds_and_displays_as_its_widget(factory, use_ipympl, monkeypatch):
    panel = build(factory, use_ipympl=use_ipympl)
    assert isinstance(panel, Panel)
    assert {"bpkit-panel", f"bpkit-{panel.name}"} <= set(panel.widget._dom_classes)
    assert panel.sliders and all("bpkit-slider" in s._dom_classes for s in panel.sliders)
    # the notebook's rich display: a widget view of the panel's box
    bundle = panel._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == panel.widget.model_id
    # IPython's display hook: displays the box itself
    shown = []
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    panel._ipython_display_()
    assert shown == [panel.widget]
    # moving the first slider keeps it working
    s = panel.sliders[0]
    s.value = s.max if s.value != s.max else s.min


@pytest.mark.parametrize("factory", sorted(name for name, f in FACTORIES.items() if f[1] is not None))
def test_panels_taking_a_net_check_it_the_same_way(factory):
    with pytest.raises(TypeError, match="net must be a bpkit.Network, got str"):
        build(factory, net="not a net", use_ipympl=False)
    broken = FACTORIES[factory][1]()
    broken.weights[0] = np.full(broken.weights[0].shape, np.nan)
    with pytest.raises(ValueError, match=r"W\(1\) or b\(1\) contains NaN or inf"):
        build(factory, net=broken, use_ipympl=False)


def test_descent_panel_checks_the_seed():
    with pytest.raises(TypeError, match="seed must be a non-negative integer"):
        widgets.descent_panel(*_line(), seed="0")


# ------------------------------------------------------------ views only draw
#: calls that multiply matrices or solve with them
PRODUCTS = {"dot", "vdot", "matmul", "einsum", "tensordot", "inner", "outer", "kron", "lstsq", "solve",
            "inv", "pinv", "multi_dot"}


def _view_modules():
    return sorted(p for d in ("widgets", "plots") for p in (PACKAGE / d).glob("*.py"))


@pytest.mark.parametrize("path", _view_modules(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_matrix_product_in_views(path):
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.BinOp, ast.AugAssign)) and isinstance(node.op, ast.MatMult):
            found.append(f"line {node.lineno}: @")
        elif isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None
            if name in PRODUCTS:
                found.append(f"line {node.lineno}: {name}()")
    assert not found, f"{path.name} computes; move it to the core (bpkit.toys / bpkit.sweeps): {found}"


@pytest.mark.parametrize("path", _view_modules(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_views_do_not_check_net_inline(path):
    text = path.read_text()
    assert "isinstance(net, Network)" not in text, "use bpkit._validate.network(net)"
