"""The boundary of the lessons 1-7 panels and of lessons 2 and 6's toy helpers, tried as a careless learner would (issue 13).

The same property as :mod:`test_boundary` and :mod:`test_boundary_deep` (whose bad values and checks
this file reuses), for ``chain_rule``, ``weight_nudge``, ``sigmoid_tangent``, ``descent_panel``,
``lambda_panel``, ``digit_nudges_panel``, ``saturation_panel`` and ``bpkit.toys``' ``line_gradient``,
``chain_inputs`` and ``line_data``: for every argument, hypothesis draws bad values, and the call must

* raise ``TypeError`` or ``ValueError`` from bpkit's own code (the innermost frame is in ``bpkit/``);
* name the argument (as a word: ``X`` is not found inside ``X_test``);
* change nothing it was given, and leave a network passed in exactly as it was (the panels that edit
  ``net`` in place, ``chain_rule`` and ``weight_nudge``, touch it only once every argument is good).

No figure is built for a bad value: each is refused first. Then one good call each, and the limits
past which a panel refuses to be built (each panel recomputes or trains when it is built or moved).
"""
from __future__ import annotations

import inspect
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import bpkit
from bpkit import toys

pytest.importorskip("matplotlib")
pytest.importorskip("ipywidgets")

# the boundary files of bpkit's core (tests/core/): their bad values and their checks
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))

from bpkit import widgets  # noqa: E402
from bpkit.widgets import descent, nudge, nudges, regularization  # noqa: E402
from test_boundary import (KIND, MATRIX_TAGS, NET_TAGS, NET_WORDS, NON_NEGATIVE, NOT_ARRAYS, POSITIVE,  # noqa: E402
                           POSITIVE_INT, REAL, SEED, SETTINGS, _m, _same, _same_snapshot,
                           _snapshot, _xy, bad_net, not_array)
from test_boundary_deep import ACTIVATION, USE, assert_refused_clearly  # noqa: E402


# ------------------------------------------------------------------ bad values of the panels' kinds
def _either(extra, shape):
    """Bad 1-D data of ``shape``: the not-an-array tags, and ``extra`` (tag -> value)."""
    return (st.one_of(NOT_ARRAYS, st.sampled_from(sorted(extra))),
            lambda t: extra[t] if t in extra else not_array(t, shape))


def _net(sizes, **special):
    """Bad networks for a slot of a ``sizes`` network: the usual tags, and ``special`` (tag -> sizes)."""
    return (st.one_of(NET_TAGS, st.sampled_from(sorted(special))),
            lambda t: bpkit.Network(list(special[t])) if t in special else bad_net(t, sizes), NET_WORDS)


def _one_neuron_net():
    net = bpkit.Network([2, 3, 1], seed=0)
    return net


def _on_grid(net):
    """``net`` with its weights on weight_nudge's 0.01 grid already, so building the panel rounds nothing."""
    for W in net.weights:
        np.round(W / nudge.STEP, out=W)
        W *= nudge.STEP
    return net


ONE_X = _either({"nan": np.array([np.nan, 0.5]), "inf": np.array([0.5, np.inf]), "wide": np.full(4, 0.5),
                 "two_rows": np.full((2, 2), 0.5), "3d": np.full((1, 2, 1), 0.5), "empty": np.zeros((0, 2))}, (2,))
ONE_Y = _either({"nan": np.array([np.nan]), "two": np.array([0.1, 0.2]), "row": np.array([[0.1, 0.2]]),
                 "3d": np.full((1, 1, 1), 0.5), "inf": np.inf}, (1,))
J = st.sampled_from([None, "0", -1, 3, 2.5, True, [0], np.float64(0.0), 10**12])
LINE = {"nan": np.r_[np.nan, np.ones(9)], "inf": np.r_[np.ones(9), -np.inf], "2d": np.ones((10, 1)),
        "empty": np.array([]), "short": np.ones(9), "scalar": 0.5}
LINE_X, LINE_Y = _either(LINE, (10,)), _either(LINE, (10,))
RANGE = st.sampled_from([None, "ab", (1.0,), (1.0, 0.0), (0.0, 0.0), (0.0, np.inf), (0.0, 1j), (-1e9, 0.0),
                         [[0.0, 1.0]], {0: 1}, 3.0, ("0", 1)])
NUMBER = st.one_of(REAL, st.sampled_from([True, np.bool_(False), "1", np.array([1.0, 2.0]), np.inf]))
ONE_WORDS = {"x": ("x",), "y": ("y",)}


def chain_args(**extra):
    def build():
        a = dict(net=_one_neuron_net(), x=np.array([0.5, 0.2]), y=0.3, j=1, kind="quadratic")
        a.update(extra)
        return a
    return build


CHAIN = {"net": _net((2, 3, 1), two_outputs=(2, 3, 2)),
         "x": (*ONE_X, ("x",)), "y": (*ONE_Y, ("y",)), "j": (J, _same, ("j",)), "kind": (KIND, _same, ("kind",))}


def nudge_args():
    X, Y = _xy()
    return dict(net=_on_grid(bpkit.Network([2, 3, 1], seed=0)), X=X, Y=Y, kind="quadratic", lam=0.0, limit=4.0,
                curve_points=21, use_ipympl=False)


def line_args(**extra):
    def build():
        rng = np.random.default_rng(0)
        x = rng.uniform(0, 3, 10)
        a = dict(x=x, y=1.5 * x - 1 + 0.3 * rng.standard_normal(10))
        a.update(extra)
        return a
    return build


def lambda_args():
    x = np.linspace(-1.0, 1.0, 4)[:, None]
    xt = np.linspace(-0.9, 0.9, 6)[:, None]
    return dict(net=bpkit.Network([1, 3, 1], seed=0), X=x, Y=0.5 + 0.4 * np.sin(2 * x), X_test=xt,
                Y_test=0.5 + 0.4 * np.sin(2 * xt), log10_lams=np.array([-3.0, -2.0]), epochs=20, lr=1.0,
                kind="quadratic", use_ipympl=False)


def digit_args():
    rng = np.random.default_rng(0)
    labels = np.arange(5) % 3
    return dict(net=bpkit.Network([6, 4, 3], seed=2), X=rng.uniform(0, 1, (5, 6)), Y=bpkit.one_hot(labels, 3),
                labels=labels, kind="quadratic", use_ipympl=False)


def _bad_root(tag):
    """Not the cost of a small graph of named single numbers (lesson 9's panel)."""
    from bpkit import autograd as ag

    if tag == "matrix":
        root = ag.sum(ag.Tensor(np.ones((2, 2)), name="A"))
        root.name = "J"
        return root
    if tag == "unnamed":
        return ag.Tensor(2.0) * ag.Tensor(3.0)
    return {"text": "J", "number": 3.0, "array": np.ones(3)}[tag]


# name -> (function, good kwargs builder, {argument: (strategy, make bad value, words in the message)})
CASES = {
    # ---- lesson 1
    "widgets.weight_nudge": (
        widgets.weight_nudge, nudge_args,
        {"net": _net((2, 3, 1), many_weights=(6, 6, 1)),
         "X": (MATRIX_TAGS, _m((4, 2)), ("X",)), "Y": (MATRIX_TAGS, _m((4, 1)), ("Y",)),
         "kind": (KIND, _same, ("kind",)), "lam": (NON_NEGATIVE, _same, ("lam",)),
         "limit": (st.one_of(POSITIVE, st.just(1e9)), _same, ("limit",)),
         "curve_points": (st.one_of(POSITIVE_INT, st.sampled_from([2, 10**6, np.float64(81)])), _same,
                          ("curve_points",)), **dict([USE])}),
    # ---- lesson 2
    "widgets.chain_rule": (
        widgets.chain_rule, chain_args(dw=0.1, limit=4.0, use_ipympl=False),
        {**CHAIN, "dw": (st.one_of(POSITIVE, st.sampled_from([2.0, 1e-9, 10**6])), _same, ("dw",)),
         "limit": (st.one_of(POSITIVE, st.just(1e9)), _same, ("limit",)), **dict([USE])}),
    "toys.chain_inputs": (toys.chain_inputs, chain_args(), CHAIN),
    # ---- lesson 3
    "widgets.sigmoid_tangent": (
        widgets.sigmoid_tangent, lambda: dict(z=0.5, activation="tanh", z_max=4.0, use_ipympl=False),
        {"z": (st.one_of(NUMBER, st.sampled_from([9.0, -4.5, np.array(1.0), np.ma.masked])), _same, ("z",)),
         "activation": (ACTIVATION, _same, ("activation",)),
         "z_max": (st.one_of(POSITIVE, st.sampled_from([1e9, 0.1])), _same, ("z_max",)), **dict([USE])}),
    # ---- lesson 4
    "widgets.digit_nudges_panel": (
        widgets.digit_nudges_panel, digit_args,
        {"net": _net((6, 4, 3), no_hidden=(6, 3)),
         "X": (MATRIX_TAGS, _m((5, 6)), ("X",)), "Y": (MATRIX_TAGS, _m((5, 3)), ("Y",)),
         "labels": (st.sampled_from([None, "01201", [0, 1, 2, 0], [0, 1, 2, 0, 3], [0, 1, 2, 0, -1], [0.5] * 5,
                                     np.array([0, 1, 2, 0, 1]) + 1j, np.ma.array([0, 1, 2, 0, 1]), np.zeros((5, 1)),
                                     {0: 1}, np.array([0, 1, np.nan, 0, 1]), ["0", "1", "2", "0", "1"]]),
                    _same, ("labels",)),
         "kind": (KIND, _same, ("kind",)), **dict([USE])}),
    "widgets.saturation_panel": (
        widgets.saturation_panel,
        lambda: dict(starts=np.array([0.0, 1.0, 2.0]), x=1.0, y=0.0, lr=0.15, epochs=10, start=1.0, use_ipympl=False),
        {"starts": (st.one_of(NOT_ARRAYS.filter(lambda t: t != "None"),
                              st.sampled_from(["nan", "2d", "empty", "one", "uneven", "decreasing", "huge"])),
                    lambda t: {"nan": np.array([0.0, np.nan]), "2d": np.ones((2, 2)), "empty": np.array([]),
                               "one": 1.0, "uneven": np.array([0.0, 1.0, 3.0]), "decreasing": np.array([2.0, 1.0, 0.0]),
                               "huge": np.linspace(0.0, 1.0, 30_000)}.get(t) if t in (
                        "nan", "2d", "empty", "one", "uneven", "decreasing", "huge") else not_array(t, (3,)),
                    ("starts",)),
         "x": (NUMBER, _same, ("x",)), "y": (st.one_of(NUMBER, st.sampled_from([-0.5, 2.0])), _same, ("y",)),
         "lr": (POSITIVE, _same, ("lr",)), "epochs": (st.one_of(POSITIVE_INT, st.just(10**7)), _same, ("epochs",)),
         "start": (NUMBER, _same, ("start",)), **dict([USE])}),
    # ---- lesson 5
    "widgets.lambda_panel": (
        widgets.lambda_panel, lambda_args,
        {"net": _net((1, 3, 1), two_inputs=(2, 3, 1), two_outputs=(1, 3, 2)),
         "X": (MATRIX_TAGS, _m((4, 1)), ("X",)), "Y": (MATRIX_TAGS, _m((4, 1)), ("Y",)),
         "X_test": (MATRIX_TAGS, _m((6, 1)), ("X_test",)), "Y_test": (MATRIX_TAGS, _m((6, 1)), ("Y_test",)),
         "log10_lams": (st.sampled_from([np.array([None, None], dtype=object), "ab", [-3.0], [-2.0, -3.0],
                                         [-3.0, -2.0, 0.0], [-3.0, np.nan], np.array([-3.0, -2.0]) + 1j,
                                         np.ma.array([-3.0, -2.0]), [[-3.0, -2.0]], [400.0, 401.0], [-20.0, -19.0],
                                         {0: 1}, -3.0]), _same, ("log10_lams",)),
         "epochs": (st.one_of(POSITIVE_INT, st.just(10**6)), _same, ("epochs",)),
         "lr": (POSITIVE, _same, ("lr",)), "kind": (KIND, _same, ("kind",)), **dict([USE])}),
    # ---- lesson 6
    "widgets.descent_panel": (
        widgets.descent_panel,
        line_args(start=(-1.0, 3.0), lr=0.3, batch_size=None, epochs=5, seed=0, w_range=(-2.0, 4.0),
                  b_range=(-3.0, 4.0), lr_max=0.7, use_ipympl=False),
        {"x": (*LINE_X, ONE_WORDS["x"]), "y": (*LINE_Y, ONE_WORDS["y"]),
         "start": (st.sampled_from([None, "ab", (1.0,), (0.0, 0.0, 0.0), (np.nan, 0.0), (1j, 0.0), {0: 1},
                                    (1e9, 0.0), 3.0, ("0", 1), np.ma.array([0.0, 1.0])]), _same, ("start",)),
         "lr": (st.one_of(POSITIVE, st.sampled_from([0.01, 0.9])), _same, ("lr",)),
         "batch_size": (st.one_of(POSITIVE_INT.filter(lambda v: v is not None), st.just(11)), _same, ("batch_size",)),
         "epochs": (st.one_of(POSITIVE_INT, st.just(10**6)), _same, ("epochs",)),
         "seed": (SEED, _same, ("seed",)),
         "w_range": (RANGE, _same, ("w_range",)), "b_range": (RANGE, _same, ("b_range",)),
         "lr_max": (st.one_of(POSITIVE, st.sampled_from([0.01, 1e6])), _same, ("lr_max",)), **dict([USE])}),
    "toys.line_gradient": (
        toys.line_gradient, line_args(w=0.3, b=-0.7),
        {"w": (NUMBER, _same, ("w",)), "b": (NUMBER, _same, ("b",)),
         "x": (*LINE_X, ONE_WORDS["x"]), "y": (*LINE_Y, ONE_WORDS["y"])}),
    "toys.line_data": (toys.line_data, line_args(),
                       {"x": (*LINE_X, ONE_WORDS["x"]), "y": (*LINE_Y, ONE_WORDS["y"])}),
    # ---- lesson 9
    "widgets.graph_steps": (
        widgets.graph_steps, lambda: dict(root=None, watch="w", mode="topological", use_ipympl=False),
        {"root": (st.sampled_from(["text", "number", "array", "matrix", "unnamed"]), _bad_root, ("root",)),
         "watch": (st.sampled_from([None, 3, "q", "", ["w"]]), _same, ("watch",)),
         "mode": (st.sampled_from([None, 3, "sideways", "", ["assign"]]), _same, ("mode",)), **dict([USE])}),
}

PAIRS = [(name, arg) for name, (_, _, args) in CASES.items() for arg in args]


@pytest.mark.parametrize("name, arg", PAIRS, ids=[f"{n}-{a}" for n, a in PAIRS])
@SETTINGS
@given(data=st.data())
def test_bad_values_are_refused_clearly_and_change_nothing(name, arg, data):
    assert_refused_clearly(CASES[name], arg, data)


@pytest.mark.parametrize("name", list(CASES))
def test_good_values_are_accepted_and_change_nothing(name):
    """The good values each case starts from are accepted and kept (a panel's own edits come only from its sliders)."""
    fn, build, _ = CASES[name]
    kwargs = build()
    before = {k: _snapshot(v) for k, v in kwargs.items()}
    out = fn(**kwargs)
    for k, v in kwargs.items():
        assert _same_snapshot(before[k], _snapshot(v)), f"{k} was changed by a good call"
    if name.startswith("widgets."):
        assert isinstance(out, widgets.Panel)


def test_this_file_covers_the_lessons_1_7_panels_and_the_toy_helpers():
    """Every argument of each function is tried; the names this file owns are all here."""
    mine = {"weight_nudge", "chain_rule", "sigmoid_tangent", "digit_nudges_panel", "saturation_panel",
            "lambda_panel", "descent_panel", "line_gradient", "chain_inputs", "line_data",
            "graph_steps"}  # and lesson 9's panel
    assert mine == {case.split(".")[-1] for case in CASES}
    for name, (fn, _, args) in CASES.items():
        assert set(inspect.signature(fn).parameters) == set(args), name


# ------------------------------------------------------------------ the limits and the in-place panels, one by one
def test_panels_that_edit_net_touch_it_only_after_every_check():
    """weight_nudge rounds net to 0.01 and chain_rule writes its sliders into it: a refused call does neither."""
    X, Y = _xy()
    for bad in (dict(kind="cross_entropy", Y=np.full((4, 1), 2.0)), dict(use_ipympl="no"), dict(curve_points=10**6),
                dict(X=np.ones((60, 2)), Y=np.full((60, 1), 0.5))):
        net = bpkit.Network([2, 3, 1], seed=0)  # off the 0.01 grid: rounding would show
        before = _snapshot(net)
        with pytest.raises((TypeError, ValueError)):
            widgets.weight_nudge(net, **{**dict(X=X, Y=Y), **bad})
        assert _same_snapshot(before, _snapshot(net)), bad
    net = _one_neuron_net()
    before = _snapshot(net)
    with pytest.raises(ValueError, match=r"cross_entropy needs a target y in \[0, 1\], got 2"):
        widgets.chain_rule(net, [0.5, 0.2], 2.0, kind="cross_entropy", use_ipympl=False)
    with pytest.raises(TypeError, match="use_ipympl must be True or False, got 'no'"):
        widgets.chain_rule(net, [0.5, 0.2], 0.3, use_ipympl="no")
    assert _same_snapshot(before, _snapshot(net))


def test_the_limits_name_what_they_cost():
    X, Y = _xy()
    with pytest.raises(ValueError, match=r"X has 60 rows; weight_nudge shows one prediction per example and allows at most 50"):
        widgets.weight_nudge(bpkit.Network([2, 3, 1]), np.ones((60, 2)), np.full((60, 1), 0.5))
    with pytest.raises(ValueError, match=r"curve_points must be an integer in 3..10000"):
        widgets.weight_nudge(bpkit.Network([2, 3, 1]), X, Y, curve_points=10**5)
    with pytest.raises(ValueError, match=r"net has 42 weights .* at most 40"):
        widgets.weight_nudge(bpkit.Network([6, 6, 1]), np.ones((2, 6)), np.full((2, 1), 0.5))
    with pytest.raises(ValueError, match=r"dw must lie in \[0.0001, 1\]"):
        widgets.chain_rule(_one_neuron_net(), [0.5, 0.2], 0.3, dw=5.0)
    x, y = line_args()()["x"], line_args()()["y"]
    with pytest.raises(ValueError, match=r"epochs \* m = 2,001 x 10 steps .* MAX_PANEL_STEPS = 20,000"):
        widgets.descent_panel(x, y, epochs=2001)
    widgets.descent_panel(x, y, epochs=descent.MAX_PANEL_STEPS // x.size, use_ipympl=False)  # at the limit: built
    a = lambda_args()
    with pytest.raises(ValueError, match=r"MAX_LAMBDA_EPOCHS = 50,000"):
        widgets.lambda_panel(**{**a, "epochs": 60_000})
    with pytest.raises(ValueError, match=r"over MAX_LAMBDA_WORK"):
        widgets.lambda_panel(**{**a, "log10_lams": np.arange(-6.0, 3.0, 0.01), "epochs": 40_000})
    d = digit_args()
    many = nudges.MAX_DIGITS + 1
    with pytest.raises(ValueError, match=rf"X has {many:,} rows; the digit panel .* at most 1,000"):
        widgets.digit_nudges_panel(d["net"], np.zeros((many, 6)), bpkit.one_hot(np.arange(many) % 3, 3),
                                   np.arange(many) % 3)
    with pytest.raises(ValueError, match=r"MAX_SATURATION_STEPS"):
        widgets.saturation_panel(epochs=10**5)
    for fn, words in ((widgets.descent_panel, "20,000"), (widgets.lambda_panel, "MAX_LAMBDA_WORK"),
                      (widgets.digit_nudges_panel, "1,000"), (widgets.weight_nudge, "at most 50"),
                      (widgets.saturation_panel, "200,000")):
        assert words in fn.__doc__, fn.__name__
    assert regularization.MAX_LAMBDA_EPOCHS == 50_000 and descent.MAX_PANEL_STEPS == 20_000


def test_line_gradient_checks_and_sgd_path_keeps_its_fast_kernel():
    x, y = line_args()()["x"], line_args()()["y"]
    assert toys.line_gradient(0.3, -0.7, x, y) == toys._line_gradient(0.3, -0.7, x, y)
    assert toys.line_gradient(np.float64(0.3), 0, list(x), tuple(y)) == toys._line_gradient(0.3, 0.0, x, y)
    with pytest.raises(TypeError, match=r"w must be a real number, got True"):
        toys.line_gradient(True, 0.0, x, y)
    with pytest.raises(ValueError, match=r"x and y must be 1-D arrays of the same length .* \(10,\) and \(9,\)"):
        toys.line_gradient(0.0, 0.0, x, y[:9])
