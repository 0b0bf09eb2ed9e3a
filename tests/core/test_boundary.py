"""The boundary of bpkit, tried as a careless learner would (issue 13).

For every public function (``bpkit.__all__``, ``bpkit.toys``, ``bpkit.sweeps`` and
the existing ``bpkit.plots`` functions; the panels through the core functions they
call), hypothesis draws bad values of each argument, and the call must:

* raise ``TypeError`` or ``ValueError`` from bpkit's own code (the innermost frame of
  the traceback is in ``bpkit/``, not in numpy or matplotlib);
* say which argument was wrong (its name is in the message);
* change nothing it was given: no array and no network is mutated, and a network
  passed in is exactly as it was after the failed call.

Values the functions accept on purpose are listed in :data:`ACCEPTED` and tested as
accepted. Then one test per family of the issue, so none of them comes back.
"""
from __future__ import annotations

import copy
import os
import traceback

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bpkit
import bpkit.plots as plots
import bpkit.sweeps as sweeps
import bpkit.toys as toys
from bpkit import _validate
from bpkit.gradcheck import verdict

matplotlib = pytest.importorskip("matplotlib")
from matplotlib.figure import Figure  # noqa: E402

BPKIT_DIR = os.path.dirname(bpkit.__file__)
SETTINGS = settings(max_examples=12, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


# ------------------------------------------------------------------ bad values, per kind of argument
def _masked():
    return np.ma.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6], [0.7, 0.8]], mask=[[0, 1], [0, 0], [0, 0], [0, 0]])


NOT_ARRAYS = st.sampled_from(["None", "str", "bytes", "dict", "set", "complex", "complex_list", "masked",
                              "object", "ragged", "str_array"])


def not_array(tag, shape=(4, 2)):
    n = int(np.prod(shape))
    return {
        "None": None, "str": "0.5", "bytes": b"0.5", "dict": {"X": 1.0}, "set": {0.5, 1.0},
        "complex": np.full(shape, 0.5) + 1j, "complex_list": [0.5 + 1j] * max(n, 1),
        "masked": np.ma.array(np.full(shape, 0.5), mask=np.ones(shape, bool)),
        "object": np.array([None] * n, dtype=object).reshape(shape) if shape else np.array(None, dtype=object),
        "ragged": [[0.5, 0.5], [0.5]], "str_array": np.full(shape, "a"),
    }[tag]


def bad_matrix(tag, shape):
    """Bad X or Y for a (4, n) slot: not arrays, wrong shapes, NaN, no rows."""
    m, n = shape
    return {
        "wide": np.full((m, n + 2), 0.5), "3d": np.full((m, n, 2), 0.5), "nan": np.where(np.eye(m, n) > 0, np.nan, 0.5),
        "inf": np.full((m, n), np.inf), "empty": np.zeros((0, n)), "rows": np.full((m + 1, n), 0.5),
    }.get(tag) if tag in ("wide", "3d", "nan", "inf", "empty", "rows") else not_array(tag, shape)


MATRIX_TAGS = st.sampled_from(["None", "str", "dict", "set", "complex", "masked", "object", "ragged", "str_array",
                               "wide", "3d", "nan", "inf", "empty", "rows"])
POSITIVE = st.sampled_from([None, "1", 1j, [1.0], np.array([1.0, 2.0]), float("nan"), float("inf"), -float("inf"),
                            0, 0.0, -1, -1e-9, True, {1: 2}])
NON_NEGATIVE = st.sampled_from([None, "1", 1j, [1.0], float("nan"), float("inf"), -1, -1e-9, True])
POSITIVE_INT = st.sampled_from([None, "3", 0, -1, 2.5, 1e20, True, float("nan"), [3]])
SEED = st.sampled_from([None, "0", -1, 1.5, True, [0]])
FLAG = st.sampled_from(["no", "yes", "False", 0, 1, None, [True]])
KIND = st.sampled_from(["hinge", "Quadratic", ["quadratic"], ("quadratic",), None, 3, {"quadratic"}])
CALLABLE = st.sampled_from(["backprop", None, 3, [print]])
REAL = st.sampled_from([None, "0.5", 1j, {}, float("nan"), [0.5, 0.5], np.ma.masked])
AXES = st.sampled_from([None, "ax", 3, np.zeros((2, 2)), object()])
INDEX = st.sampled_from([None, (0, 0), (0, 0, 0, 0), (0, 9, 0), (5, 0, 0), (0, 0.5, 0), [0, 0, 0], "W(1)[0,0]", (True, 0, 0)])
NET_TAGS = st.sampled_from(["None", "str", "weights_list", "dict", "softmax", "activation_list", "W_list", "W_int",
                            "W_complex", "W_object", "W_shape", "W_nan", "b_nan", "b_inf", "weights_tuple", "b_list",
                            "W_masked"])


def bad_net(tag, sizes=(2, 3, 1)):
    net = bpkit.Network(list(sizes), seed=0)
    if tag == "None":
        return None
    if tag == "str":
        return "net"
    if tag == "weights_list":
        return net.weights
    if tag == "dict":
        return {"weights": net.weights, "biases": net.biases}
    if tag == "softmax":
        net.activation = "softmax"
    elif tag == "activation_list":
        net.activation = ["relu"]
    elif tag == "W_list":
        net.weights[0] = net.weights[0].tolist()
    elif tag == "W_int":
        net.weights[0] = np.ones(net.weights[0].shape, dtype=np.int64)
    elif tag == "W_complex":
        net.weights[0] = net.weights[0] + 0j
    elif tag == "W_object":
        net.weights[0] = net.weights[0].astype(object)
    elif tag == "W_shape":
        net.weights[0] = net.weights[0].T.copy()
    elif tag == "W_nan":
        net.weights[-1][0, 0] = np.nan
    elif tag == "b_nan":
        net.biases[0][0] = np.nan
    elif tag == "b_inf":
        net.biases[-1][0] = np.inf
    elif tag == "weights_tuple":
        net.weights = tuple(net.weights)
    elif tag == "b_list":
        net.biases[0] = list(net.biases[0])
    elif tag == "W_masked":
        net.weights[0] = np.ma.array(net.weights[0])
    return net


NET_WORDS = ("net", "weights", "biases", "W(", "b(")


# ------------------------------------------------------------------ the functions and their good arguments
def _xy(n_in=2, n_out=1, m=4):
    X = np.linspace(0.1, 0.9, m * n_in).reshape(m, n_in)
    Y = np.linspace(0.2, 0.8, m * n_out).reshape(m, n_out)
    return X, Y


def _fig():
    return Figure(figsize=(2, 2))


def _ax():
    return _fig().add_subplot()


def _heatmap_artists():
    return plots.heatmap(_ax(), np.ones((2, 2)))


def _history():
    h = bpkit.History()
    h["epoch"].append(1), h["cost"].append(0.5), h["accuracy"].append(0.5)
    return h


def good_args():
    """A fresh set of good values, by name (a new network each time)."""
    X, Y = _xy()
    return dict(net=bpkit.Network([2, 3, 1], seed=0), X=X, Y=Y, kind="quadratic", lam=0.0)


# name -> (function, good kwargs builder, {argument: (strategy, how to make a bad value, words in the message)})
def _m(shape):
    return lambda tag: bad_matrix(tag, shape)


def _same(v):
    return v


NET = (NET_TAGS, bad_net, NET_WORDS)


def _args(_drop=(), **extra):
    def build():
        a = good_args()
        for k in _drop:
            del a[k]
        a.update({k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in extra.items()})
        return a
    return build


BATCH = {"net": NET, "X": (MATRIX_TAGS, _m((4, 2)), ("X",)), "Y": (MATRIX_TAGS, _m((4, 1)), ("Y",)),
         "kind": (KIND, _same, ("kind",)), "lam": (NON_NEGATIVE, _same, ("lam",))}

CASES = {
    "cost": (bpkit.cost, good_args, BATCH),
    "backprop": (bpkit.backprop, good_args, BATCH),
    "backprop_loop": (bpkit.backprop_loop, _args(on_example=None),
                      {**BATCH, "on_example": (CALLABLE.filter(lambda v: v is not None), _same, ("on_example",))}),
    "gradient_check": (bpkit.gradient_check, _args(eps=1e-5, tol=1e-7, grad_fn=None, max_params=5000),
                       {**BATCH, "eps": (POSITIVE, _same, ("eps",)), "tol": (POSITIVE, _same, ("tol",)),
                        "grad_fn": (CALLABLE.filter(lambda v: v is not None), _same, ("grad_fn",)),
                        "max_params": (POSITIVE_INT, _same, ("max_params",))}),
    "sgd": (bpkit.sgd, _args(epochs=2, batch_size=2, lr=0.5, seed=0, callback=None, shuffle=True, fast=True),
            {**BATCH, "epochs": (POSITIVE_INT, _same, ("epochs",)),
             "batch_size": (POSITIVE_INT.filter(lambda v: v is not None), _same, ("batch_size",)),
             "lr": (POSITIVE, _same, ("lr",)), "seed": (SEED, _same, ("seed",)),
             "callback": (CALLABLE.filter(lambda v: v is not None), _same, ("callback",)),
             "shuffle": (FLAG, _same, ("shuffle",)), "fast": (FLAG, _same, ("fast",))}),
    "sgd_readable": (bpkit.sgd, _args(epochs=2, batch_size=2, lr=0.5, fast=False), BATCH),
    "gradient_descent": (bpkit.gradient_descent, _args(epochs=2, lr=0.5),
                         {**BATCH, "epochs": (POSITIVE_INT, _same, ("epochs",)), "lr": (POSITIVE, _same, ("lr",)),
                          "fast": (FLAG, _same, ("fast",))}),
    "accuracy": (bpkit.accuracy, lambda: dict(net=bpkit.Network([2, 3, 1]), X=_xy()[0], labels=np.array([0, 1, 0, 1])),
                 {"net": NET, "X": (MATRIX_TAGS.filter(lambda t: t != "rows"), _m((4, 2)), ("X",)),
                  "labels": (st.sampled_from([None, "0101", np.array([0, 1, 0, 2]), np.array([0.5, 1, 0, 1]),
                                              np.array([0, 1, 0]), np.array([[0, 1, 0, 1]]), np.array([1e30, 0, 0, 1]),
                                              np.array([0, 1, 0, 1]) + 0j, np.ma.array([0, 1, 0, 1]), {0: 1}]),
                             _same, ("labels",))}),
    "one_hot": (bpkit.one_hot, lambda: dict(labels=[0, 2, 1], k=3),
                {"labels": (st.sampled_from([None, "012", [0, 3], [-1], [0.5], [1e30], [[0, 1]], [], [1j],
                                             np.ma.array([0, 1]), {0, 1}]), _same, ("labels",)),
                 "k": (st.sampled_from([0, -1, 2.5, None, "3", True, 10**12]), _same, ("k",))}),
    "numerical_gradient": (bpkit.numerical_gradient,
                           lambda: (lambda p: dict(f=lambda: float(np.sum(p ** 2)), params=[p], eps=1e-5))(
                               np.array([1.0, 2.0])),
                           {"f": (st.sampled_from([None, 3, "cost", lambda: None, lambda: np.ones(2), lambda: float("nan"),
                                                   lambda: "0.5", lambda: 1j, lambda: [0.5]]), _same, ("f",)),
                            "params": (st.sampled_from([None, "p", np.array([1, 2]), [[1.0, 2.0]], [np.array([1.0]) + 0j]]),
                                       _same, ("params",)),
                            "eps": (POSITIVE, _same, ("eps",))}),
    "relative_error": (bpkit.relative_error, lambda: dict(a=np.array([1.0, 2.0]), b=np.array([1.0, 2.1])),
                       {"a": (NOT_ARRAYS.filter(lambda t: t not in ("ragged",)), lambda t: not_array(t, (2,)), ("a",)),
                        "b": (st.sampled_from(["None", "complex", "masked", "object", "str", "nan", "shape"]),
                              lambda t: {"nan": np.array([np.nan, 1.0]), "shape": np.ones(3)}[t]
                              if t in ("nan", "shape") else not_array(t, (2,)), ("b", "shape"))}),
    "verdict": (verdict, lambda: dict(rel_error=1e-9), {"rel_error": (REAL.filter(lambda v: not isinstance(v, float)), _same,
                                                                       ("rel_error",))}),
    "load_digits": (bpkit.load_digits, lambda: dict(flatten=True), {"flatten": (FLAG, _same, ("flatten",))}),
    "Network": (bpkit.Network, lambda: dict(sizes=[2, 3, 1], seed=0, activation="sigmoid"),
                {"sizes": (st.sampled_from([None, "231", 3, {2, 3, 1}, {2: 3}, [2], [2, 0, 1], [2, 2.5, 1], [2, -3, 1],
                                            [True, 3, 1], [30000, 30000], [10**9, 1]]), _same, ("sizes",)),
                 "seed": (SEED, _same, ("seed",)),
                 "activation": (KIND, _same, ("activation",))}),
    "Network.from_thetas": (bpkit.Network.from_thetas, lambda: dict(thetas=[np.ones((3, 3)), np.ones((1, 4))]),
                            {"thetas": (st.sampled_from([None, "T", np.ones((3, 3)), [], [np.ones(3)], [np.ones((3, 1))],
                                                         [np.ones((3, 3)) + 1j], [np.full((3, 3), np.nan)],
                                                         [np.ones((3, 3)), np.ones((1, 3))], [np.ma.array(np.ones((3, 3)))],
                                                         [{"a": 1}]]), _same, ("thetas",))}),
    "Network.trace": (lambda net, X: net.trace(X), lambda: dict(net=bpkit.Network([2, 3, 1]), X=_xy()[0]),
                      {"net": (NET_TAGS.filter(lambda t: t not in ("None", "str", "weights_list", "dict")), bad_net, NET_WORDS),
                       "X": (MATRIX_TAGS.filter(lambda t: t != "rows"), _m((4, 2)), ("X",))}),
    "Network.predict": (lambda net, X: net.predict(X), lambda: dict(net=bpkit.Network([2, 3, 1]), X=_xy()[0]),
                        {"net": (NET_TAGS.filter(lambda t: t not in ("None", "str", "weights_list", "dict")), bad_net,
                                 NET_WORDS)}),
    # activations: z may be any real array; NaN and inf are accepted (see ACCEPTED)
    **{f"activation.{f.__name__}": (f, lambda: dict(z=np.array([0.0, 1.0])),
                                    {"z": (NOT_ARRAYS.filter(lambda t: t != "ragged"), lambda t: not_array(t, (2,)), ("z",))})
       for f in (bpkit.sigmoid, bpkit.sigmoid_prime, bpkit.tanh, bpkit.tanh_prime, bpkit.relu, bpkit.relu_prime)},
    # ---- bpkit.toys (lessons 2, 3, 6 panels)
    "toys.example_cost": (toys.example_cost, lambda: dict(kind="quadratic", a=np.array([0.2, 0.5]), y=1.0),
                          {"kind": (KIND, _same, ("kind",)),
                           "a": (NOT_ARRAYS.filter(lambda t: t != "ragged"), lambda t: not_array(t, (2,)), ("a",)),
                           "y": (REAL, _same, ("y",))}),
    "toys.example_cost_slope": (toys.example_cost_slope, lambda: dict(kind="cross_entropy", a=0.3, y=0.0),
                                {"kind": (KIND, _same, ("kind",)), "a": (NOT_ARRAYS, lambda t: not_array(t, ()), ("a",)),
                                 "y": (REAL, _same, ("y",))}),
    "toys.follow_nudge": (toys.follow_nudge, lambda: dict(net=bpkit.Network([2, 3, 1]), x=np.array([0.3, 0.5]), y=0.75,
                                                          j=0, dw=0.1, kind="quadratic"),
                          {"net": NET, "x": (NOT_ARRAYS, lambda t: not_array(t, (2,)), ("x",)),
                           "y": (st.sampled_from([None, "0.7", 0.7j, np.nan, [0.1, 0.2], np.ma.array([0.5])]), _same, ("y",)),
                           "j": (st.sampled_from([None, -1, 3, 0.5, True, "0"]), _same, ("j",)),
                           "dw": (POSITIVE, _same, ("dw",)), "kind": (KIND, _same, ("kind",))}),
    "toys.activation_at": (toys.activation_at, lambda: dict(name="sigmoid", z=0.5, h=1e-5),
                           {"name": (KIND, _same, ("activation",)), "z": (REAL, _same, ("z",)), "h": (POSITIVE, _same, ("h",))}),
    "toys.line_cost": (toys.line_cost, lambda: dict(w=0.5, b=0.1, x=np.array([1.0, 2.0]), y=np.array([1.0, 2.0])),
                       {"w": (NOT_ARRAYS.filter(lambda t: t != "ragged"), lambda t: not_array(t, ()), ("w",)),
                        "b": (NOT_ARRAYS.filter(lambda t: t != "ragged"), lambda t: not_array(t, ()), ("b",)),
                        "x": (NOT_ARRAYS, lambda t: not_array(t, (2,)), ("x",)),
                        "y": (NOT_ARRAYS, lambda t: not_array(t, (2,)), ("y",))}),
    "toys.line_best_cost": (toys.line_best_cost, lambda: dict(x=np.array([1.0, 2.0, 3.0]), y=np.array([1.0, 2.0, 2.5])),
                            {"x": (NOT_ARRAYS, lambda t: not_array(t, (3,)), ("x",)),
                             "y": (NOT_ARRAYS, lambda t: not_array(t, (3,)), ("y",))}),
    "toys.sgd_path": (toys.sgd_path, lambda: dict(x=np.array([1.0, 2.0, 3.0]), y=np.array([1.0, 2.0, 2.5]),
                                                  start=(0.0, 0.0), lr=0.1, batch_size=2, epochs=3, seed=0, blowup=1e6),
                      {"x": (NOT_ARRAYS, lambda t: not_array(t, (3,)), ("x",)),
                       "start": (st.sampled_from([None, "wb", (0.0,), (0.0, "1"), (0.0, 1j), (np.nan, 0.0), {0: 1, 1: 2}]),
                                 _same, ("start",)),
                       "lr": (POSITIVE, _same, ("lr",)), "batch_size": (POSITIVE_INT, _same, ("batch_size",)),
                       "epochs": (st.sampled_from([None, 0, -1, 2.5, True, 10**9]), _same, ("epochs",)),
                       "seed": (SEED, _same, ("seed",)), "blowup": (POSITIVE, _same, ("blowup",))}),
    # ---- bpkit.sweeps (lessons 1, 4, 5, 7 panels)
    "sweeps.cost_along_weight": (sweeps.cost_along_weight, _args(index=(0, 0, 0), values=np.linspace(-1, 1, 5)),
                                 {**BATCH, "index": (INDEX, _same, ("index",)),
                                  "values": (st.sampled_from([None, "v", np.array([1.0, np.nan]), np.ones((2, 2)),
                                                              np.array([]), np.array([1.0]) + 1j, np.ma.array([1.0]),
                                                              np.zeros(10**5)]), _same, ("values",))}),
    "sweeps.numerical_slope": (sweeps.numerical_slope, _args(index=(1, 2, 0), eps=1e-6),
                               {**BATCH, "index": (INDEX, _same, ("index",)), "eps": (POSITIVE, _same, ("eps",))}),
    "sweeps.delta_history": (sweeps.delta_history, _args(("lam",), max_values=10**6),
                             {k: v for k, v in {**BATCH, "max_values": (POSITIVE_INT, _same, ("max_values",))}.items()
                              if k != "lam"}),
    "sweeps.example_costs": (sweeps.example_costs, _args(("lam",)), {k: v for k, v in BATCH.items() if k != "lam"}),
    "sweeps.root_sum_squares": (sweeps.root_sum_squares, lambda: dict(matrices=[np.ones((2, 2))]),
                                {"matrices": (st.sampled_from([None, "M", 3.0, [np.ones(2) + 1j], [None], [np.ma.array([1.0])]]),
                                              _same, ("matrices",))}),
    "sweeps.train_lambda_grid": (sweeps.train_lambda_grid, _args(("lam",), lams=[0.0, 0.1], epochs=3, lr=0.5),
                                 {**{k: v for k, v in BATCH.items() if k != "lam"},
                                  "lams": (st.sampled_from([None, "0.1", [], [-1.0], [np.nan], [1j], 0.1, [None]]), _same, ("lams",)),
                                  "epochs": (POSITIVE_INT, _same, ("epochs",)), "lr": (POSITIVE, _same, ("lr",))}),
    "sweeps.epsilon_curve": (sweeps.epsilon_curve, _args(log10_eps=np.array([-6.0, -5.0, -4.0]), max_evaluations=10**5),
                             {**BATCH, "log10_eps": (st.sampled_from([None, "e", np.array([-5.0, np.nan]), np.ones((2, 2)) * -5,
                                                                      np.array([]), np.array([-5.0]) + 1j, np.array([-400.0]),
                                                                      np.array([3.0]), np.ma.array([-5.0])]), _same, ("log10_eps",)),
                              "max_evaluations": (POSITIVE_INT, _same, ("max_evaluations",))}),
    # ---- bpkit.plots (the existing functions)
    "plots.weight_label": (plots.weight_label, lambda: dict(index=(0, 1, 2)), {"index": (INDEX.filter(
        lambda v: not (isinstance(v, tuple) and len(v) == 3 and all(type(x) is int for x in v))), _same, ("index",))}),
    "plots.plot_cost_curve": (plots.plot_cost_curve, lambda: dict(ax=_ax(), xs=np.linspace(0, 1, 5), ys=np.linspace(1, 2, 5),
                                                                  current=(0.5, 1.5), slope=1.0),
                              {"ax": (AXES, _same, ("ax",)), "xs": (NOT_ARRAYS, lambda t: not_array(t, (5,)), ("xs",)),
                               "ys": (NOT_ARRAYS, lambda t: not_array(t, (5,)), ("ys",)),
                               "current": (st.sampled_from(["p", (0.5,), (0.5, "1"), (0.5, 1j), 3.0]), _same, ("current",)),
                               "slope": (st.sampled_from(["1", 1j, [1.0], {}]), _same, ("slope",))}),
    "plots.draw_matrix": (plots.draw_matrix, lambda: dict(ax=_ax(), M=np.ones((2, 3)), name="W(1)", vmax=None),
                          {"ax": (AXES, _same, ("ax",)), "M": (NOT_ARRAYS, lambda t: not_array(t, (2, 3)), ("M",)),
                           "vmax": (st.sampled_from(["1", 0, -1.0, np.nan, 1j, True]), _same, ("vmax",))}),
    "plots.matrix_equation": (plots.matrix_equation, lambda: dict(fig=_fig(), terms=[("a", np.ones((1, 2))), "@", ("W", np.ones((2, 3)))]),
                              {"fig": (AXES, _same, ("fig",)),
                               "terms": (st.sampled_from([None, "a @ W", [], [("a", None)], [("a", np.ones(2) + 1j)], [3]]),
                                         _same, ("terms",))}),
    "plots.draw_network": (plots.draw_network, lambda: dict(ax=_ax(), net=bpkit.Network([2, 3, 1]), x=np.array([0.3, 0.5])),
                           {"ax": (AXES, _same, ("ax",)), "net": NET,
                            "x": (NOT_ARRAYS.filter(lambda t: t != "None"), lambda t: not_array(t, (2,)), ("x",))}),
    "plots.edge_width": (plots.edge_width, lambda: dict(w=np.array([0.5, -2.0])),
                         {"w": (NOT_ARRAYS.filter(lambda t: t != "ragged"), lambda t: not_array(t, (2,)), ("w",))}),
    "plots.heatmap": (plots.heatmap, lambda: dict(ax=_ax(), M=np.ones((2, 3)), vmax=None),
                      {"ax": (AXES, _same, ("ax",)),
                       "M": (st.sampled_from(["None", "str", "complex", "masked", "object", "nan"]),
                             lambda t: np.full((2, 3), np.nan) if t == "nan" else not_array(t, (2, 3)), ("M",)),
                       "vmax": (st.sampled_from(["1", 0, -1.0, np.nan, 1j]), _same, ("vmax",))}),
    "plots.update_heatmap": (plots.update_heatmap, lambda: dict(artists=_heatmap_artists(), M=np.ones((2, 2))),
                             {"artists": (st.sampled_from([None, "im", (1,), 3]), _same, ("artists",)),
                              "M": (st.sampled_from(["None", "str", "complex", "masked", "object"]),
                                    lambda t: not_array(t, (2, 2)), ("M",))}),
    "plots.cost_contours": (plots.cost_contours, lambda: dict(ax=_ax(), w_grid=np.linspace(0, 1, 4), b_grid=np.linspace(0, 1, 3),
                                                              J=np.arange(12.0).reshape(3, 4) + 1),
                            {"ax": (AXES, _same, ("ax",)), "w_grid": (NOT_ARRAYS, lambda t: not_array(t, (4,)), ("w_grid",)),
                             "b_grid": (NOT_ARRAYS, lambda t: not_array(t, (3,)), ("b_grid",)),
                             "J": (NOT_ARRAYS, lambda t: not_array(t, (3, 4)), ("J",))}),
    "plots.descent_path": (plots.descent_path, lambda: dict(ax=_ax(), path=np.zeros((3, 2))),
                           {"ax": (AXES, _same, ("ax",)), "path": (NOT_ARRAYS, lambda t: not_array(t, (3, 2)), ("path",))}),
    "plots.digit_grid": (plots.digit_grid, lambda: dict(fig=_fig(), images=np.zeros((2, 784)), labels=np.array([1, 2]),
                                                        predicted=np.array([1, 3]), ncols=2),
                         {"fig": (AXES, _same, ("fig",)), "images": (NOT_ARRAYS, lambda t: not_array(t, (2, 784)), ("images",)),
                          "labels": (st.sampled_from(["12", [1], [0.5, 1], [1j, 1], np.ma.array([1, 2])]), _same, ("labels",)),
                          "ncols": (st.sampled_from([0, -1, 2.5, None, "2", True]), _same, ("ncols",))}),
    "plots.weight_images": (plots.weight_images, lambda: dict(fig=_fig(), W=np.zeros((784, 2)), ncols=2),
                            {"fig": (AXES, _same, ("fig",)), "W": (NOT_ARRAYS, lambda t: not_array(t, (784, 2)), ("W",)),
                             "ncols": (st.sampled_from([0, -1, 2.5, None, "2", True]), _same, ("ncols",))}),
    "plots.training_curves": (plots.training_curves, lambda: dict(ax_cost=_ax(), ax_acc=_ax(), history=_history()),
                              {"ax_cost": (AXES, _same, ("ax_cost",)), "ax_acc": (AXES.filter(lambda v: v is not None), _same, ("ax_acc",)),
                               "history": (st.sampled_from([None, "h", [], {"epoch": []}, bpkit.History()]), _same, ("history",))}),
}

#: Values that look odd but are accepted on purpose (documented in the functions' docstrings).
ACCEPTED = [
    ("sigmoid of NaN is NaN, of inf 1", lambda: np.isnan(bpkit.sigmoid(np.nan)) and bpkit.sigmoid(np.inf) == 1.0),
    ("relu_prime keeps NaN", lambda: np.isnan(bpkit.relu_prime(np.nan)) and bpkit.relu_prime(0.0) == 0.0),
    ("activations take Python numbers, lists, ints and bools", lambda: bpkit.relu([1, -2]).tolist() == [1.0, 0.0]
     and float(bpkit.sigmoid(True)) == float(bpkit.sigmoid(1.0))),
    ("one example as a 1-D row", lambda: bpkit.Network([2, 1]).predict([0.5, 0.5]).shape == (1, 1)),
    ("batch_size None or larger than n is full batch", lambda: bpkit.sgd(bpkit.Network([2, 1]), *_xy(), epochs=1,
                                                                        batch_size=100)["epoch"] == [1]),
    ("numpy bools for flags", lambda: bpkit.load_digits(flatten=np.bool_(False)).X_train.ndim == 3),
    ("relative_error of (dW, db) pairs", lambda: bpkit.relative_error(bpkit.Gradients([np.ones(2)], [np.ones(1)]),
                                                                       ([np.ones(2)], [np.ones(1)])) == 0.0),
    ("numerical_gradient f returning a numpy float or 0-d array", lambda: len(bpkit.numerical_gradient(
        lambda: np.array(1.0), [np.zeros(2)])) == 1),
    ("a tuple of sizes, numpy integers", lambda: bpkit.Network((2, np.int64(3), 1)).sizes == [2, 3, 1]),
]


# ------------------------------------------------------------------ the property
def _snapshot(value):
    if isinstance(value, bpkit.Network):
        return ("net", value.activation, list(value.sizes), [copy.deepcopy(p) for p in value.weights],
                [copy.deepcopy(p) for p in value.biases])
    if isinstance(value, np.ndarray):
        return ("array", value.copy())
    if isinstance(value, (list, tuple)):
        return ("seq", [_snapshot(v) for v in value])
    return ("other", None)


def _same_snapshot(a, b):
    if a[0] != b[0]:
        return False
    if a[0] == "net":
        return (a[1] == b[1] and a[2] == b[2] and len(a[3]) == len(b[3]) and len(a[4]) == len(b[4])
                and all(_equal(x, y) for x, y in zip(a[3] + a[4], b[3] + b[4])))
    if a[0] == "array":
        return _equal(a[1], b[1])
    if a[0] == "seq":
        return len(a[1]) == len(b[1]) and all(_same_snapshot(x, y) for x, y in zip(a[1], b[1]))
    return True


def _equal(x, y):
    if type(x) is not type(y):
        return False
    if isinstance(x, np.ma.MaskedArray):
        return np.array_equal(x.data, y.data) and np.array_equal(x.mask, y.mask)
    if isinstance(x, np.ndarray):
        return x.dtype == y.dtype and x.shape == y.shape and (
            x.dtype == object and list(x.ravel()) == list(y.ravel())
            or x.dtype != object and np.array_equal(x, y, equal_nan=x.dtype.kind in "fc"))
    return x == y


def _raised_in_bpkit(exc):
    """The innermost frame of the traceback is bpkit's own code (its validation), not numpy's."""
    frames = traceback.extract_tb(exc.__traceback__)
    return os.path.abspath(frames[-1].filename).startswith(os.path.abspath(BPKIT_DIR))


PAIRS = [(name, arg) for name, (_, _, args) in CASES.items() for arg in args]


@pytest.mark.parametrize("name, arg", PAIRS, ids=[f"{n}-{a}" for n, a in PAIRS])
@SETTINGS
@given(data=st.data())
def test_bad_values_are_refused_clearly_and_change_nothing(name, arg, data):
    fn, build, args = CASES[name]
    strategy, make, words = args[arg]
    kwargs = build()
    bad = make(data.draw(strategy, label=arg))
    kwargs[arg] = bad
    before = {k: _snapshot(v) for k, v in kwargs.items()}
    with pytest.raises((TypeError, ValueError)) as info:
        fn(**kwargs)
    exc = info.value
    assert not isinstance(exc, bpkit.TrainingDiverged)
    assert _raised_in_bpkit(exc), f"raised outside bpkit: {traceback.format_exception(exc)[-3:]}"
    assert any(w in str(exc) for w in words), f"message does not name {words}: {exc}"
    for k, v in kwargs.items():
        assert _same_snapshot(before[k], _snapshot(v)), f"{k} was changed by the failed call"


@pytest.mark.parametrize("name", list(CASES))
def test_good_values_are_accepted(name):
    """The good values each case starts from are accepted: the refusals above are about the bad one."""
    fn, build, _ = CASES[name]
    fn(**build())


@pytest.mark.parametrize("what, check", ACCEPTED, ids=[w for w, _ in ACCEPTED])
def test_documented_acceptances(what, check):
    assert check()


def test_every_public_function_has_boundary_cases():
    """Every function of bpkit.__all__, bpkit.toys, bpkit.sweeps and the lessons 1-7 plots is covered above."""
    covered = {c.split(".")[-1] for c in CASES} | {"sgd", "Network", "from_thetas", "trace", "predict",
                                                    "plot_cost_curve", "draw_network"}
    core = {n for n in bpkit.__all__ if callable(getattr(bpkit, n)) and not isinstance(getattr(bpkit, n), type)}
    data_generators = {"make_moons", "make_circles", "noisy_sine", "sleep_study", "make_spiral"}  # see test below
    toy_fns = {"example_cost", "example_cost_slope", "follow_nudge", "activation_at", "line_cost",
               "line_best_cost", "sgd_path"}
    sweep_fns = {n for n in dir(sweeps) if callable(getattr(sweeps, n)) and getattr(getattr(sweeps, n), "__module__", "")
                 == "bpkit.sweeps" and not n.startswith("_")}
    plot_fns = {"weight_label", "plot_cost_curve", "draw_matrix", "matrix_equation", "draw_network", "edge_width",
                "heatmap", "update_heatmap", "cost_contours", "descent_path", "digit_grid", "weight_images",
                "training_curves"}
    activation_fns = {"sigmoid", "sigmoid_prime", "tanh", "tanh_prime", "relu", "relu_prime"}
    missing = (core - data_generators - activation_fns | toy_fns | sweep_fns | plot_fns) - covered
    assert not missing, missing


@pytest.mark.parametrize("fn", [bpkit.make_moons, bpkit.make_circles, bpkit.noisy_sine])
def test_data_generators_refuse_bad_sizes(fn):
    for bad in (0, -1, 2.5, "10", None):
        with pytest.raises((TypeError, ValueError), match="n must be"):
            fn(n=bad)


@pytest.mark.parametrize("make", [bpkit.make_moons, bpkit.make_circles, bpkit.make_spiral, bpkit.noisy_sine])
def test_data_generators_name_a_negative_seed(make):
    with pytest.raises(ValueError, match="seed must be a non-negative integer, got -1"):
        make(seed=-1)
    with pytest.raises(TypeError, match="seed must be a non-negative integer, got 1.5"):
        make(seed=1.5)


# ------------------------------------------------------------------ the families of the issue, one by one
def test_family_network_argument():
    X, Y = _xy()
    net = bpkit.Network([2, 3, 1])
    with pytest.raises(TypeError, match=r"pass the network itself, not net.weights"):
        bpkit.backprop(net.weights, X, Y)
    for tag, words in (("W_list", r"weights\[0\] \(W\(1\)\) must be a float64 numpy array, got list"),
                       ("W_object", r"W\(1\)\) must be a float64 numpy array, got object ndarray"),
                       ("W_complex", r"got complex128 ndarray"), ("b_list", r"biases\[0\] \(b\(1\)\)")):
        with pytest.raises(TypeError, match=words):
            bpkit.cost(bad_net(tag), X, Y)
    soft = bad_net("softmax")
    for call in (lambda: soft.predict(X), lambda: bpkit.sgd(soft, X, Y, epochs=1),
                 lambda: bpkit.gradient_check(soft, X, Y), lambda: bpkit.accuracy(soft, X, [0, 1, 0, 1])):
        with pytest.raises(ValueError, match=r"net.activation must be one of \['relu', 'sigmoid', 'tanh'\], got 'softmax'"):
            call()


def test_family_complex_masked_none():
    a = np.array([1.0, 2.0])
    with pytest.raises(TypeError, match="a must be an array of real numbers, got complex128 array"):
        bpkit.relative_error(a + 1j, a)
    with pytest.raises(TypeError, match=r"X must be an array of real numbers, got float64 masked array; fill"):
        bpkit.cost(bpkit.Network([2, 1]), _masked(), np.ones((4, 1)))
    for f in (bpkit.sigmoid, bpkit.tanh, bpkit.relu, bpkit.sigmoid_prime, bpkit.tanh_prime, bpkit.relu_prime):
        with pytest.raises(TypeError, match="z must be an array of real numbers, got NoneType"):
            f(None)
    assert np.isnan(bpkit.relu_prime(np.nan))


def _moons():
    X, labels = bpkit.make_moons(50, seed=0)
    return X, bpkit.one_hot(labels, 2)


def test_family_divergence_names_lam():
    X, Y = _moons()
    net = bpkit.Network([2, 5, 2], seed=0)
    start = [p.copy() for p in net.params()]
    with pytest.raises(bpkit.TrainingDiverged, match=r"lr\*lam/n = 1e\+04 \(n=50\).*The cause is lam; try lam=10"):
        bpkit.sgd(net, X, Y, epochs=3, lr=0.5, lam=1e6)
    assert all(np.array_equal(a, b) for a, b in zip(net.params(), start))
    # the suggested lam trains
    bpkit.sgd(net.copy(), X, Y, epochs=3, lr=0.5, lam=10.0)


def test_family_divergence_names_the_callback():
    X, Y = _moons()
    net = bpkit.Network([2, 5, 2], seed=0)
    held = net.biases[1]

    def poison(epoch, net, history):
        net.biases[1][0] = np.nan

    with pytest.raises(bpkit.TrainingDiverged, match=r"the callback left NaN or inf in b\(2\) after epoch 1.*cause is the callback"):
        bpkit.sgd(net, X, Y, epochs=3, lr=0.5, callback=poison)
    assert np.all(np.isfinite(held)) and net.biases[1] is held

    def replace_with_list(epoch, net, history):
        net.weights[0] = net.weights[0].tolist()

    kept = net.weights[0]
    with pytest.raises(TypeError, match=r"weights\[0\] \(W\(1\)\) must be a float64 numpy array, got list"):
        bpkit.sgd(net, X, Y, epochs=2, lr=0.5, callback=replace_with_list)
    assert net.weights[0] is kept  # the network the callback broke was put back


@pytest.mark.parametrize("fast", [True, False])
def test_family_quadratic_runaway_is_caught(fast):
    X, Y = _moons()
    net = bpkit.Network([2, 5, 2], seed=0)
    start = [p.copy() for p in net.params()]
    with pytest.raises(bpkit.TrainingDiverged, match=r"ran beyond 10000 in size.*lr=1e\+06.*or rather lr=0.5"):
        bpkit.sgd(net, X, Y, epochs=5, lr=1e6, kind="quadratic", fast=fast)
    assert all(np.array_equal(a, b) for a, b in zip(net.params(), start))


@pytest.mark.parametrize("fast", [True, False])
def test_family_quadratic_saturation_rule(fast):
    """Every output saturated (|z| >= 30) while the cost is high: stuck, reported; good runs never trip it."""
    X = np.full((4, 2), 1.0)
    Y = np.zeros((4, 1))
    net = bpkit.Network([2, 1])
    net.weights[0][:] = 40.0  # z = 80 for every example: sigma = 1 exactly, the target 0
    with pytest.raises(bpkit.TrainingDiverged, match=r"every output saturated .*still 0.5"):
        bpkit.sgd(net, X, Y, epochs=2, lr=0.5, kind="quadratic", fast=fast)
    # the same saturated outputs that are right (cost ~0) are a finished fit, not a failure
    bpkit.sgd(net, X, np.ones((4, 1)), epochs=2, lr=0.5, kind="quadratic", fast=fast)
    # lesson 6's kind of run with the quadratic cost does not trip it
    Xm, Ym = _moons()
    h = bpkit.sgd(bpkit.Network([2, 5, 2], seed=0), Xm, Ym, epochs=30, lr=3.0, kind="quadratic", fast=fast)
    assert h["cost"][-1] < h["cost"][0]


def test_family_lesson7_tools():
    net = bpkit.Network([2, 3, 2], seed=1)
    X, Y = _xy(2, 2)
    assert bpkit.relative_error(bpkit.backprop(net, X, Y), bpkit.backprop_loop(net, X, Y)) < 1e-12
    numeric = bpkit.numerical_gradient(lambda: bpkit.cost(net, X, Y), net.params())
    assert bpkit.relative_error(bpkit.backprop(net, X, Y), numeric) < 1e-7
    for f, words in ((lambda: None, "got NoneType"), (lambda: np.ones(2), "ndarray of shape"),
                     (lambda: np.nan, "finite cost")):
        before = [p.copy() for p in net.params()]
        with pytest.raises((TypeError, ValueError), match=words):
            bpkit.numerical_gradient(f, net.params())
        assert all(np.array_equal(a, b) for a, b in zip(net.params(), before))
    with pytest.raises(TypeError, match="grad_fn must be a function"):
        bpkit.gradient_check(net, X, Y, grad_fn="backprop")


def test_family_size_guards():
    with pytest.raises(ValueError, match=r"900,030,000 weights and biases \(7.2 GB\)"):
        bpkit.Network([30000, 30000])
    big = bpkit.Network([784, 30, 10])
    d = bpkit.load_digits()
    X, Y = d.X_train, bpkit.one_hot(d.labels_train, 10)
    with pytest.raises(ValueError, match=r"2 x 23,860 times.*max_params=23860"):
        bpkit.gradient_check(big, X[:5], Y[:5])
    with pytest.raises(ValueError, match=r"epsilon_curve would evaluate the cost .* s here\), over max_evaluations"):
        sweeps.epsilon_curve(big, X[:5], Y[:5], np.arange(-10.0, -1.0, 0.25))
    with pytest.raises(ValueError, match=r"delta_history would keep .* MB.*8000 examples"):
        sweeps.delta_history(big, X, Y)
    with pytest.raises(ValueError, match=r"digit_grid would draw 2,000 images.*max_images=200"):
        plots.digit_grid(_fig(), d.X_test)
    with pytest.raises(ValueError, match="one_hot would make"):
        bpkit.one_hot([0], 10**10)
    # the course's own sizes pass
    sweeps.delta_history(bpkit.Network([2, 3, 1]), *_xy())
    plots.digit_grid(_fig(), d.X_test[:16])


def test_family_smaller_things():
    X, Y = _xy()
    net = bpkit.Network([2, 3, 1])
    with pytest.raises(ValueError, match=r"kind must be one of \['cross_entropy', 'quadratic', 'softmax_cross_entropy'\], got \['quadratic'\]"):
        bpkit.cost(net, X, Y, kind=["quadratic"])
    with pytest.raises(ValueError, match="seed must be a non-negative integer, got -1"):
        bpkit.sgd(net, X, Y, seed=-1)
    with pytest.raises(TypeError, match="shuffle must be True or False, got 'no'"):
        bpkit.sgd(net, X, Y, shuffle="no")
    with pytest.raises(TypeError, match="flatten must be True or False"):
        bpkit.load_digits(flatten="no")
    with pytest.raises(TypeError, match="ordered list"):
        bpkit.Network({2, 3, 1})
    with pytest.raises(ValueError) as info:
        bpkit.Network.from_thetas([np.full((3, 3), np.nan)])
    assert "example" not in str(info.value) and "impute" not in str(info.value)
    for call in (lambda: plots.heatmap(None, np.ones((2, 2))), lambda: plots.draw_matrix(None, np.ones(2), "b"),
                 lambda: plots.plot_cost_curve(None, [0, 1], [0, 1]), lambda: plots.draw_network(None, net)):
        with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
            call()
    with pytest.raises(ValueError, match=r"M contains NaN or inf \(first at \(0, 0\)\)"):
        plots.heatmap(_ax(), np.full((2, 2), np.nan))
    with pytest.raises(ValueError, match=r"labels must lie in 0..2, got values from 1e\+30 to 1e\+30"):
        bpkit.one_hot([1e30], 3)


def test_validate_real_array_is_free_for_float64_arrays():
    a = np.ones((3, 2))
    assert _validate.real_array("a", a) is a
    assert _validate.as_matrix("X", a) is a
