"""The boundary of lesson 8 and of the lessons' "why" pictures, tried as a careless learner would (issue 13).

The same property as :mod:`test_boundary` (whose bad values and checks this file reuses), for
``bpkit.deep``, ``bpkit.insight``, ``bpkit.plots.deep``, lesson 8's panels and the size limits of
``epsilon_panel`` and ``delta_steps``: for every argument, hypothesis draws bad values, and the call must

* raise ``TypeError`` or ``ValueError`` from bpkit's own code (the innermost frame is in ``bpkit/``);
* name the argument (as a word: ``X`` is not found inside ``X_test`` or ``max``);
* change nothing it was given, and leave a network passed in exactly as it was.

Then :func:`test_every_public_name_is_covered` lists every public name of bpkit (``bpkit.__all__``
and the ``__all__``, or the public functions, of each lazy submodule) and fails when one is in
no boundary file (this one, :mod:`test_boundary`, :mod:`test_boundary_panels`, :mod:`test_boundary_classes`)
nor in :data:`ALLOWED` with its reason.
"""
from __future__ import annotations

import importlib
import inspect
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import bpkit
from bpkit import _validate, deep, insight
from bpkit import autograd as ag
from bpkit.gradcheck import MAX_CHECK_PARAMS

pytest.importorskip("matplotlib")
pytest.importorskip("ipywidgets")

import bpkit.plots.deep as plots_deep  # noqa: E402
import test_boundary as tb  # noqa: E402  (the first boundary file: its bad values and its checks)
from bpkit import widgets  # noqa: E402
from test_boundary import (AXES, KIND, MATRIX_TAGS, NET, NET_TAGS, NET_WORDS, NON_NEGATIVE, NOT_ARRAYS,  # noqa: E402
                           POSITIVE, POSITIVE_INT, REAL, SEED, SETTINGS, _ax, _m, _raised_in_bpkit,
                           _same, _same_snapshot, _snapshot, _xy, bad_net, not_array)

# ------------------------------------------------------------------ bad values of the lesson-8 kinds
BINS = st.sampled_from([None, "40", 1, 0, -1, 2.5, True, 10**9, [40], np.int64(1)])
K = st.sampled_from([None, "3", -1, 2.5, True, 53, 10**9, [3], np.float64(3.0)])
HUGE_INT = st.sampled_from([None, "3", 0, -1, 2.5, True, [3], 10**8, 10**12])  # sizes that would not fit
USE_IPYMPL = st.sampled_from(["no", "False", 0, 1, [True], {}])
INIT = st.sampled_from(["xavier", "He", None, 3, ["he"], ("normal", 0.5)])
TITLE = st.sampled_from([None, 3, ["t"], b"title", {"t": 1}])
ACTIVATION = st.sampled_from(["softmax", "ReLU", None, 3, ["relu"]])
SEQ_OF_INTS = st.sampled_from([None, "12", [], [0], [-1], [1.5], [True], 3, {1: 2}, [None], [10**12]])
LRS = st.sampled_from([None, "0.1", [], [0], [-1.0], [float("nan")], [1j], 0.5, [None], [True]])
USE = ("use_ipympl", (USE_IPYMPL, _same, ("use_ipympl",)))
LABEL_TAGS = st.sampled_from(["None", "str", "complex", "masked", "object", "two", "half", "nan", "short", "2d", "dict"])


def bad_labels(tag, m=4):
    """Bad 0/1 labels for m examples."""
    return {"two": np.array([0, 1, 2, 1] * (m // 4)), "half": np.full(m, 0.5), "nan": np.array([0, np.nan] * (m // 2)),
            "short": np.zeros(m - 1), "2d": np.zeros((m, 1)), "dict": {0: 1}}.get(tag) if tag in (
        "two", "half", "nan", "short", "2d", "dict") else not_array(tag, (m,))


def bad_targets(tag, shape):
    """Bad Y for a cross-entropy slot: the matrix tags, and targets outside [0, 1]."""
    return np.full(shape, 2.0) if tag == "above_one" else tb.bad_matrix(tag, shape)


CE_TAGS = st.one_of(MATRIX_TAGS, st.just("above_one"))


def one_output_net(tag):
    """Bad networks for a slot that needs one output (and two inputs): the usual ones, and a 2-3-2."""
    return bpkit.Network([2, 3, 2]) if tag == "two_outputs" else (
        bpkit.Network([3, 3, 1]) if tag == "three_inputs" else bad_net(tag))


NET_1 = (st.one_of(NET_TAGS, st.just("two_outputs")), one_output_net, NET_WORDS)
NET_2_1 = (st.one_of(NET_TAGS, st.sampled_from(["two_outputs", "three_inputs"])), one_output_net, NET_WORDS)
BATCH = {"net": NET, "X": (MATRIX_TAGS, _m((4, 2)), ("X",)), "Y": (MATRIX_TAGS, _m((4, 1)), ("Y",)),
         "kind": (KIND, _same, ("kind",))}
CE_BATCH = {**BATCH, "Y": (CE_TAGS, lambda t: bad_targets(t, (4, 1)), ("Y",))}


def good_batch(**extra):
    """A builder of good keyword arguments: a fresh 2-3-1 network and a 4-example batch, plus ``extra``."""
    def build():
        X, Y = _xy()
        a = dict(net=bpkit.Network([2, 3, 1], seed=0), X=X, Y=Y)
        a.update({k: (v() if callable(v) else v) for k, v in extra.items()})
        return a
    return build


def _moons(n, seed):
    X, labels = bpkit.make_moons(n, seed=seed)
    return X, labels


def good_shapes(**extra):
    def build():
        X, labels = _moons(8, 0)
        Xt, lt = _moons(8, 1)
        a = dict(X=X, labels=labels, X_test=Xt, labels_test=lt, depths=(1, 2), budget=30, epochs=1, batch_size=4,
                 lr=0.1, activation="relu", init="he", seed=0)
        a.update(extra)
        return a
    return build


def _one_hot_xy():
    X, _ = _xy()
    return X, bpkit.one_hot([0, 1, 0, 1], 2)


SHAPES_ARGS = {
    "X": (MATRIX_TAGS.filter(lambda t: t != "rows"), _m((8, 2)), ("X",)),
    "labels": (LABEL_TAGS, lambda t: bad_labels(t, 8), ("labels",)),
    "X_test": (MATRIX_TAGS.filter(lambda t: t != "rows"), _m((8, 2)), ("X_test",)),
    "labels_test": (LABEL_TAGS, lambda t: bad_labels(t, 8), ("labels_test",)),
    "depths": (SEQ_OF_INTS, _same, ("depths", "budget")),  # [10**12]: no width fits the budget
    "budget": (HUGE_INT, _same, ("budget",)),
    "epochs": (POSITIVE_INT, _same, ("epochs",)), "batch_size": (POSITIVE_INT, _same, ("batch_size",)),
    "lr": (POSITIVE, _same, ("lr",)), "activation": (ACTIVATION, _same, ("activation",)),
    "init": (INIT, _same, ("init",)), "seed": (SEED, _same, ("seed",)),
}

# ------------------------------------------------------------------ bpkit.autograd's bad values
NOT_TENSORS = st.sampled_from([None, "J", 3.0, np.ones((1, 1)), [np.ones(1)], {"root": 1}])


def _leaf(shape):
    return lambda: ag.Tensor(np.linspace(0.1, 0.9, int(np.prod(shape))).reshape(shape))


def _operand_of(shape, extra=()):
    """Bad operands for a Tensor slot of ``shape``: the not-arrays, and the named shapes of ``extra``."""
    extra = dict(extra)
    return (st.one_of(NOT_ARRAYS, st.sampled_from(sorted(extra))) if extra else NOT_ARRAYS,
            lambda t: extra[t] if t in extra else not_array(t, shape))


def _slot(name, shape, extra=()):
    strategy, make = _operand_of(shape, extra)
    return strategy, make, (name,)


AXIS = st.sampled_from(["0", 2, -3, 1.0, True, [0], (0, 1)])
_UNARY = {"x": _slot("x", (2, 3))}
AUTOGRAD_CASES = {
    "autograd.tensor": (ag.tensor, lambda: dict(x=np.ones((2, 3))), _UNARY),
    **{f"autograd.{name}": (getattr(ag, name), lambda: dict(x=_leaf((2, 3))(), y=_leaf((1, 3))()),
                            {"x": _slot("x", (2, 3), {"wide": np.ones((2, 4))}),
                             "y": _slot("y", (1, 3), {"wide": np.ones((1, 4)), "rows": np.ones((3, 3))})})
       for name in ("add", "sub", "mul")},
    "autograd.matmul": (ag.matmul, lambda: dict(A=_leaf((4, 2))(), B=_leaf((2, 3))()),
                        {"A": _slot("A", (4, 2), {"1d": np.ones(2), "wide": np.ones((4, 3))}),
                         "B": _slot("B", (2, 3), {"1d": np.ones(2), "3d": np.ones((2, 3, 1)), "tall": np.ones((3, 3))})}),
    **{f"autograd.{name}": (getattr(ag, name), lambda: dict(x=_leaf((2, 3))()), _UNARY)
       for name in ("neg", "sigmoid", "tanh", "relu", "exp")},
    "autograd.log": (ag.log, lambda: dict(x=_leaf((2, 3))()),
                     {"x": _slot("x", (2, 3), {"zero": np.zeros((2, 3)), "neg": -np.ones((2, 3))})}),
    **{f"autograd.{name}": (getattr(ag, name), lambda: dict(x=_leaf((2, 3))(), axis=1),
                            {**_UNARY, "axis": (AXIS, _same, ("axis",))}) for name in ("sum", "mean")},
    "autograd.unbroadcast": (ag.unbroadcast, lambda: dict(g=np.ones((4, 3)), shape=(3,)),
                             {"g": _slot("g", (4, 3), {"short": np.ones((4, 2))}),
                              "shape": (st.sampled_from([None, "3", [3], (3.0,), (True,), (-3,), (2,), (4, 4, 3), 3]),
                                        _same, ("shape",))}),
    "autograd.softmax_cross_entropy": (
        ag.softmax_cross_entropy, lambda: dict(Z=_leaf((4, 2))(), Y=bpkit.one_hot([0, 1, 0, 1], 2)),
        {"Z": _slot("Z", (4, 2), {"1d": np.ones(4)}),
         "Y": (st.one_of(MATRIX_TAGS.filter(lambda t: t not in ("nan", "inf")),
                         st.sampled_from(["above_one", "not_one"])),
               lambda t: np.full((4, 2), 0.25) if t == "not_one" else bad_targets(t, (4, 2)), ("Y",))}),
    "autograd.sigmoid_cost": (
        ag.sigmoid_cost, lambda: dict(Z=_leaf((4, 1))(), Y=_xy()[1], kind="cross_entropy"),
        {"Z": _slot("Z", (4, 1), {"1d": np.ones(4)}),
         "Y": (st.one_of(MATRIX_TAGS.filter(lambda t: t not in ("nan", "inf")), st.just("above_one")),
               lambda t: bad_targets(t, (4, 1)), ("Y",)),
         "kind": (KIND, _same, ("kind",))}),
    "autograd.l2": (ag.l2, lambda: dict(weights=[_leaf((2, 3))(), np.ones((3, 1))], lam=0.1, m=4),
                    {"weights": (st.sampled_from([None, "W", [], np.ones((2, 2)), [None], ["W"], [np.ones(2) + 1j], 3.0,
                                                  {"W": 1}]), _same, ("weights",)),
                     "lam": (NON_NEGATIVE, _same, ("lam",)), "m": (POSITIVE_INT, _same, ("m",))}),
    "autograd.network_graph": (ag.network_graph, good_batch(kind="quadratic", lam=0.0),
                               {**BATCH, "lam": (NON_NEGATIVE, _same, ("lam",))}),
    "autograd.fork_example": (ag.fork_example, lambda: dict(x=1.5, w=0.8, b=-0.3, v=0.6, y=0.2),
                              {k: (REAL, _same, (k,)) for k in ("x", "w", "b", "v", "y")}),
    "autograd.topological_order": (ag.topological_order, lambda: dict(root=ag.fork_example().root),
                                   {"root": (NOT_TENSORS, _same, ("root",))}),
    "autograd.backward_steps": (ag.backward_steps, lambda: dict(root=ag.fork_example().root, mode="assign"),
                                {"root": (NOT_TENSORS, _same, ("root",)),
                                 "mode": (st.sampled_from(["Topological", "", None, 1, ["assign"]]), _same, ("mode",))}),
}

# name -> (function, good kwargs builder, {argument: (strategy, make bad value, words in the message)})
CASES = {
    # ---- bpkit.deep
    "deep.deep_network": (deep.deep_network, lambda: dict(n_in=2, width=3, depth=2, n_out=1, activation="relu",
                                                          init="he", init_scale=1.0, seed=0),
                          {"n_in": (HUGE_INT, _same, ("n_in", "width")), "width": (HUGE_INT, _same, ("width",)),
                           "depth": (HUGE_INT, _same, ("depth",)), "n_out": (HUGE_INT, _same, ("n_out", "width")),
                           "activation": (ACTIVATION, _same, ("activation",)), "init": (INIT, _same, ("init",)),
                           "init_scale": (POSITIVE, _same, ("init_scale",)), "seed": (SEED, _same, ("seed",))}),
    "deep.gradient_norms": (deep.gradient_norms, good_batch(kind="cross_entropy", lam=0.0),
                            {**CE_BATCH, "lam": (NON_NEGATIVE, _same, ("lam",))}),
    "deep.layer_stats": (deep.layer_stats, good_batch(kind="cross_entropy", bins=10),
                         {**CE_BATCH, "bins": (BINS, _same, ("bins",))}),
    "deep.unit_spread": (deep.unit_spread, lambda: dict(net=bpkit.Network([2, 3, 1])), {"net": NET}),
    "deep.dead_units": (deep.dead_units, lambda: dict(net=bpkit.Network([2, 3, 1], activation="relu"), X=_xy()[0]),
                        {"net": NET, "X": (MATRIX_TAGS.filter(lambda t: t != "rows"), _m((4, 2)), ("X",))}),
    "deep.gradient_norm_history": (
        deep.gradient_norm_history,
        good_batch(epochs=1, batch_size=2, lr=0.1, kind="cross_entropy", seed=0, X_probe=lambda: _xy()[0],
                   Y_probe=lambda: _xy()[1]),
        {**CE_BATCH, "epochs": (POSITIVE_INT, _same, ("epochs",)), "batch_size": (POSITIVE_INT.filter(
            lambda v: v is not None), _same, ("batch_size",)), "lr": (POSITIVE, _same, ("lr",)),
         "seed": (SEED, _same, ("seed",)),
         "X_probe": (MATRIX_TAGS, _m((4, 2)), ("X_probe",)),
         "Y_probe": (CE_TAGS, lambda t: bad_targets(t, (4, 1)), ("Y_probe",))}),
    "deep.tent": (deep.tent, lambda: dict(x=np.linspace(0, 1, 5)), {"x": (NOT_ARRAYS, lambda t: not_array(t, (5,)), ("x",))}),
    "deep.sawtooth": (deep.sawtooth, lambda: dict(x=np.linspace(0, 1, 5), k=2),
                      {"x": (NOT_ARRAYS, lambda t: not_array(t, (5,)), ("x",)), "k": (K, _same, ("k",))}),
    "deep.count_pieces": (deep.count_pieces, lambda: dict(x=np.linspace(0, 1, 5), y=np.array([0, 1, 0, 1, 0.0])),
                          {"x": (st.one_of(NOT_ARRAYS, st.sampled_from(["flat", "short", "2d", "nan"])),
                                 lambda t: {"flat": np.array([0, 0, 1, 2, 3.0]), "short": np.array([0.5]),
                                            "2d": np.ones((5, 1)), "nan": np.array([0, np.nan, 1, 2, 3])}.get(t)
                                 if t in ("flat", "short", "2d", "nan") else not_array(t, (5,)), ("x",)),
                           "y": (st.one_of(NOT_ARRAYS, st.sampled_from(["long", "inf"])),
                                 lambda t: {"long": np.zeros(6), "inf": np.array([0, np.inf, 0, 1, 0])}.get(t)
                                 if t in ("long", "inf") else not_array(t, (5,)), ("y",))}),
    "deep.sawtooth_grid": (deep.sawtooth_grid, lambda: dict(k=2, per_piece=4),
                           {"k": (st.one_of(K, st.just(30)), _same, ("k",)),  # 30: 2^30 * 4 points
                            "per_piece": (HUGE_INT, _same, ("per_piece",))}),
    "deep.shallow_units_needed": (deep.shallow_units_needed, lambda: dict(pieces=8),
                                  {"pieces": (POSITIVE_INT, _same, ("pieces",))}),
    "deep.width_for_budget": (deep.width_for_budget, lambda: dict(n_in=2, n_out=1, depth=3, budget=150),
                              {"n_in": (POSITIVE_INT, _same, ("n_in",)), "n_out": (POSITIVE_INT, _same, ("n_out",)),
                               "depth": (st.one_of(POSITIVE_INT, st.just(10**6)), _same, ("depth", "budget")),
                               "budget": (st.one_of(POSITIVE_INT, st.just(5)), _same, ("budget",))}),
    "deep.train_shapes": (deep.train_shapes, good_shapes(), SHAPES_ARGS),
    "deep.binary_accuracy": (deep.binary_accuracy, lambda: dict(net=bpkit.Network([2, 3, 1]), X=_xy()[0],
                                                                labels=np.array([0, 1, 0, 1])),
                             {"net": NET_1, "X": (MATRIX_TAGS.filter(lambda t: t != "rows"), _m((4, 2)), ("X",)),
                              "labels": (LABEL_TAGS, bad_labels, ("labels",))}),
    "deep.decision_grid": (deep.decision_grid, lambda: dict(net=bpkit.Network([2, 3, 1]), lo=(0.0, 0.0), hi=(1.0, 1.0), n=5),
                           {"net": NET_2_1,
                            "lo": (st.sampled_from([None, "0", (0.0,), (0, 0, 0), (np.nan, 0), (1.0, 1.0), (2, 0), 1j,
                                                    (0, 1j), {0: 0}]), _same, ("lo",)),
                            "hi": (st.sampled_from([None, "1", (1.0,), (0.0, 1.0), (np.inf, 1), [[1, 1]]]), _same, ("hi",)),
                            "n": (st.sampled_from([None, 1, 2.5, True, "80", 10**6, -3]), _same, ("n",))}),
    # ---- bpkit.insight
    "insight.example_factors": (insight.example_factors, good_batch(kind="quadratic"), BATCH),
    "insight.digit_nudges": (insight.digit_nudges, good_batch(kind="cross_entropy"), CE_BATCH),
    "insight.gradient_costs": (insight.gradient_costs, good_batch(kind="quadratic", only=None, eps=1e-5,
                                                                  max_params=MAX_CHECK_PARAMS),
                               {**BATCH, "only": (st.sampled_from(["0", [5], [-1], [0.5], [], {0: 1}, 3, [True], [None],
                                                                   ["W"]]), _same, ("only",)),
                                "eps": (POSITIVE, _same, ("eps",)),
                                "max_params": (st.one_of(POSITIVE_INT, st.just(5)), _same, ("max_params",))}),
    "insight.saturation_run": (insight.saturation_run, lambda: dict(starts=np.array([0.0, 1.0]), x=1.0, y=0.0, lr=0.15,
                                                                    epochs=5),
                               {"starts": (st.one_of(NOT_ARRAYS, st.sampled_from(["nan", "2d", "empty"])),
                                           lambda t: {"nan": np.array([0, np.nan]), "2d": np.ones((2, 2)),
                                                      "empty": np.array([])}.get(t)
                                           if t in ("nan", "2d", "empty") else not_array(t, (2,)), ("starts",)),
                                "x": (REAL, _same, ("x",)),
                                "y": (st.one_of(REAL, st.sampled_from([-0.5, 2.0])), _same, ("y",)),
                                "lr": (POSITIVE, _same, ("lr",)),
                                "epochs": (st.one_of(POSITIVE_INT, st.just(10**7)), _same, ("epochs",))}),
    "insight.weight_size": (insight.weight_size, lambda: dict(weights=[np.ones((2, 3)), np.ones((3, 1))]),
                            {"weights": (st.sampled_from([None, "W", bpkit.Network([2, 1]), np.ones((2, 2)), [None],
                                                          [np.ones(2) + 1j], [np.array([np.nan])],
                                                          [np.ma.array([1.0])], {"W": 1}, ["W"], 3.0]), _same,
                                         ("weights",))}),
    "insight.train_test_curve": (
        insight.train_test_curve,
        good_batch(X_test=lambda: _xy()[0], Y_test=lambda: _xy()[1], epochs=2, lr=0.5, lam=0.0, kind="quadratic",
                   every=1),
        {**BATCH, "X_test": (MATRIX_TAGS, _m((4, 2)), ("X_test",)), "Y_test": (MATRIX_TAGS, _m((4, 1)), ("Y_test",)),
         "epochs": (POSITIVE_INT, _same, ("epochs",)), "lr": (POSITIVE, _same, ("lr",)),
         "lam": (NON_NEGATIVE, _same, ("lam",)), "every": (POSITIVE_INT, _same, ("every",))}),
    "insight.learning_rate_grid": (
        insight.learning_rate_grid,
        lambda: dict(lrs=[0.1, 1.0], X=_one_hot_xy()[0], Y=_one_hot_xy()[1], X_test=_xy()[0],
                     labels_test=np.array([0, 1, 0, 1]), sizes=(2, 3, 2), epochs=1, batch_size=2, kind="cross_entropy",
                     seed=0),
        {"lrs": (LRS, _same, ("lrs",)), "X": (MATRIX_TAGS, _m((4, 2)), ("X",)),
         "Y": (CE_TAGS, lambda t: bad_targets(t, (4, 2)), ("Y",)),
         "X_test": (MATRIX_TAGS.filter(lambda t: t != "rows"), _m((4, 2)), ("X_test",)),
         "labels_test": (st.sampled_from(["None", "str", "complex", "masked", "object", "short", "2d", "dict",
                                          "nan", "three", "half", "neg"]),
                         lambda t: {"three": np.array([0, 1, 2, 1]), "half": np.full(4, 0.5),
                                    "neg": np.array([0, -1, 0, 1])}.get(t) if t in ("three", "half", "neg")
                         else bad_labels(t), ("labels_test",)),
         "sizes": (st.sampled_from([None, "232", [2], [2, 0, 2], [2, 2.5, 2], [True, 3, 2], {2, 3}]), _same, ("sizes",)),
         "epochs": (POSITIVE_INT, _same, ("epochs",)),
         "batch_size": (POSITIVE_INT.filter(lambda v: v is not None), _same, ("batch_size",)),
         "kind": (KIND, _same, ("kind",)), "seed": (SEED, _same, ("seed",))}),
    # ---- bpkit.plots.figure (lessons 5, 6 and 8 build their figures with it)
    "plots.figure": (
        bpkit.plots.figure, lambda: dict(figsize=(6, 3.2)),
        {"figsize": (st.sampled_from([None, "6x3", 6.0, (6,), (6, 3, 1), (0, 3), (-1, 3), (np.nan, 3), (np.inf, 3),
                                      (1j, 3), ("6", 3), (True, 3), (1e5, 3), {6: 3}]), _same, ("figsize",)),
         "alt": (st.sampled_from([3, "", "   ", "x" * 401, b"a", ["a"]]), _same, ("alt",))}),
    # text alternatives (issue 22, accessibility): a figure is described, or shown with its alt
    "plots.describe": (bpkit.plots.describe, lambda: dict(fig=bpkit.plots.figure()),
                       {"fig": (st.sampled_from([None, "fig", 3, np.ones(3)]), _same, ("fig",))}),
    "plots.show": (bpkit.plots.show, lambda: dict(fig=bpkit.plots.figure(), alt="an empty figure"),
                   {"fig": (st.sampled_from([None, "fig", 3]), _same, ("fig",)),
                    "alt": (st.sampled_from([3, "", "x" * 401]), _same, ("alt",))}),
    # ---- bpkit.autograd (lesson 9): operands are Tensors or real numbers; shapes must fit the operation
    **AUTOGRAD_CASES,
    "plots.graph_layout": (bpkit.plots.graph_layout, lambda: dict(root=ag.fork_example().root),
                           {"root": (NOT_TENSORS, _same, ("root",))}),
    # ---- bpkit.plots.deep
    "plots.deep.gradient_norm_bars": (
        plots_deep.gradient_norm_bars, lambda: dict(ax=_ax(), norms=np.array([1e-3, 0.1, 1.0]), color="C0", label=None),
        {"ax": (AXES, _same, ("ax",)),
         "norms": (st.one_of(NOT_ARRAYS, st.sampled_from(["neg", "nan", "inf", "2d", "empty", "many"])),
                   lambda t: {"neg": np.array([1.0, -1.0]), "nan": np.array([np.nan, 1.0]), "inf": np.array([np.inf]),
                              "2d": np.ones((2, 2)), "empty": np.array([]), "many": np.ones(10**4)}.get(t)
                   if t in ("neg", "nan", "inf", "2d", "empty", "many") else not_array(t, (3,)), ("norms",)),
         "color": (st.sampled_from(["notacolor", 1j, {"r": 1}, [1, 2], "C0C0"]), _same, ("color",)),
         "label": (st.sampled_from([3, ["a"], {}, b"a"]), _same, ("label",))}),
    "plots.deep.norm_history": (
        plots_deep.norm_history, lambda: dict(ax=_ax(), norms=np.ones((3, 2)), title="t"),
        {"ax": (AXES, _same, ("ax",)),
         "norms": (st.one_of(NOT_ARRAYS, st.sampled_from(["neg", "nan", "1d", "empty", "many"])),
                   lambda t: {"neg": -np.ones((3, 2)), "nan": np.full((3, 2), np.nan), "1d": np.ones(3),
                              "empty": np.ones((0, 2)), "many": np.ones((2, 10**4))}.get(t)
                   if t in ("neg", "nan", "1d", "empty", "many") else not_array(t, (3, 2)), ("norms",)),
         "title": (TITLE, _same, ("title",))}),
    "plots.deep.decision_boundary": (
        plots_deep.decision_boundary,
        lambda: dict(ax=_ax(), probs=np.full((3, 3), 0.5), extent=(0.0, 1.0, 0.0, 1.0), X=_xy()[0],
                     labels=np.array([0, 1, 0, 1]), title=""),
        {"ax": (AXES, _same, ("ax",)),
         "probs": (st.one_of(NOT_ARRAYS, st.sampled_from(["nan", "1d", "empty"])),
                   lambda t: {"nan": np.full((3, 3), np.nan), "1d": np.ones(3), "empty": np.ones((0, 3))}.get(t)
                   if t in ("nan", "1d", "empty") else not_array(t, (3, 3)), ("probs",)),
         "extent": (st.sampled_from([None, "0101", (0, 1, 0), (0, 1, 0, 1, 2), (1, 0, 0, 1), (0, 1, 1, 1), (0, np.nan, 0, 1),
                                     (0, 1j, 0, 1), {0: 1}, ("0", 1, 0, 1), 3.0]), _same, ("extent",)),
         "X": (MATRIX_TAGS.filter(lambda t: t != "rows"), _m((4, 2)), ("X",)),
         "labels": (LABEL_TAGS, bad_labels, ("labels",)), "title": (TITLE, _same, ("title",))}),
    # ---- lesson 8's panels (no figure is built for a bad value: each is refused first)
    "widgets.init_panel": (
        widgets.init_panel,
        lambda: dict(X=_xy(3)[0], Y=bpkit.one_hot([0, 1, 0, 1], 2), width=3, max_depth=2, activation="sigmoid",
                     init="lecun", seed=0, use_ipympl=False),
        {"X": (MATRIX_TAGS.filter(lambda t: t not in ("rows", "wide")), _m((4, 3)), ("X",)),
         "Y": (st.one_of(MATRIX_TAGS.filter(lambda t: t != "wide"), st.just("above_one")),
               lambda t: bad_targets(t, (4, 2)), ("Y",)),
         "width": (HUGE_INT, _same, ("width",)),
         "max_depth": (st.sampled_from([None, "5", 0, 11, -1, 2.5, True, [5]]), _same, ("max_depth",)),
         "activation": (ACTIVATION, _same, ("activation",)), "init": (INIT, _same, ("init",)),
         "seed": (SEED, _same, ("seed",)), **dict([USE])}),
    "widgets.sawtooth_panel": (widgets.sawtooth_panel, lambda: dict(max_k=2, use_ipympl=False),
                               {"max_k": (st.sampled_from([None, "8", 0, 13, -1, 2.5, True, [8], 10**9]), _same, ("max_k",)),
                                **dict([USE])}),
    "widgets.shapes_panel": (widgets.shapes_panel, good_shapes(use_ipympl=False), {**SHAPES_ARGS, **dict([USE])}),
    # ---- the lessons 4 and 7 panels: their limits and their own arguments
    "widgets.epsilon_panel": (
        widgets.epsilon_panel,
        good_batch(kind="quadratic", lam=0.0, log10_eps=np.arange(-8.0, -3.9, 1.0), start=-6.0, use_ipympl=False,
                   max_evaluations=1000),
        {**BATCH, "lam": (NON_NEGATIVE, _same, ("lam",)),
         "log10_eps": (st.sampled_from(["e", np.array([-5.0, np.nan, -3.0]), np.ones((3, 2)) * -5, np.array([]),
                                        np.array([-5.0, -4.0]), np.array([-5.0, -4.0, -2.0]), np.array([-3.0, -4.0, -5.0]),
                                        np.array([-5.0, -4.0, -3.0]) + 1j, np.ma.array([-5.0, -4.0, -3.0]),
                                        np.array([-400.0, -399.0, -398.0])]), _same, ("log10_eps",)),
         "start": (REAL, _same, ("start",)),
         "max_evaluations": (st.one_of(POSITIVE_INT, st.just(10)), _same, ("max_evaluations",)), **dict([USE])}),
    "widgets.delta_steps": (widgets.delta_steps, good_batch(kind="quadratic", use_ipympl=False, max_values=1000),
                            {**BATCH, "max_values": (st.one_of(POSITIVE_INT, st.just(10)), _same, ("max_values",)),
                             **dict([USE])}),
}


def _names(words, message):
    """``message`` names one of ``words`` as a word of its own (``X`` is not inside ``X_test`` or ``max``)."""
    def pattern(w):  # a word is not inside a longer name; "W(" is followed by its layer
        return rf"(?<![A-Za-z0-9_]){re.escape(w)}" + (r"(?![A-Za-z0-9_])" if w[-1].isalnum() or w[-1] == "_" else "")
    return any(re.search(pattern(w), message) for w in words)


PAIRS = [(name, arg) for name, (_, _, args) in CASES.items() for arg in args]


@pytest.mark.parametrize("name, arg", PAIRS, ids=[f"{n}-{a}" for n, a in PAIRS])
@SETTINGS
@given(data=st.data())
def test_bad_values_are_refused_clearly_and_change_nothing(name, arg, data):
    assert_refused_clearly(CASES[name], arg, data)


def assert_refused_clearly(case, arg, data):
    """One bad value of ``arg`` (drawn by hypothesis): bpkit's own TypeError/ValueError, naming it; nothing changed.

    ``case`` is ``(function, build good kwargs, {arg: (strategy, make, words)})``; also used by
    tests/views/test_boundary_panels.py.
    """
    fn, build, args = case
    strategy, make, words = args[arg]
    kwargs = build()
    kwargs[arg] = make(data.draw(strategy, label=arg))
    before = {k: _snapshot(v) for k, v in kwargs.items()}
    with pytest.raises((TypeError, ValueError)) as info:
        fn(**kwargs)
    exc = info.value
    assert not isinstance(exc, bpkit.TrainingDiverged)
    assert _raised_in_bpkit(exc), f"raised outside bpkit: {exc!r}"
    assert _names(words, str(exc)), f"message does not name {words}: {exc}"
    for k, v in kwargs.items():
        assert _same_snapshot(before[k], _snapshot(v)), f"{k} was changed by the failed call"


@pytest.mark.parametrize("name", list(CASES))
def test_good_values_are_accepted_and_change_nothing(name):
    """The good values each case starts from are accepted, and (but for a network trained on purpose) kept."""
    fn, build, _ = CASES[name]
    kwargs = build()
    before = {k: _snapshot(v) for k, v in kwargs.items()}
    fn(**kwargs)
    trains = name == "deep.gradient_norm_history"  # "net : Network, trained in place"
    for k, v in kwargs.items():
        if not (trains and k == "net"):
            assert _same_snapshot(before[k], _snapshot(v)), f"{k} was changed by a good call"


def test_the_word_check_is_strict():
    assert _names(("X",), "X must be 2-D") and _names(("X_test",), "X_test has no rows")
    assert not _names(("X",), "X_test has no rows") and not _names(("x",), "max_k must be")
    assert _names(NET_WORDS, "net.weights[0] (W(1)) must be") and _names(("lo",), "lo must be below hi")


# ------------------------------------------------------------------ the limits, one by one
def test_limits_say_what_they_cost_and_how_to_raise_them():
    big = bpkit.Network([784, 30, 10])
    rng = np.random.default_rng(0)
    X, Y = rng.uniform(0, 1, (5, 784)), bpkit.one_hot([0, 1, 2, 3, 4], 10)
    with pytest.raises(ValueError, match=r"would nudge 23,860 parameters, 2 x 23,860 cost evaluations.*max_params=23860"):
        insight.gradient_costs(big, X, Y)
    insight.gradient_costs(big, X, Y, only=[2, 3])  # lesson 4's way: a few arrays
    with pytest.raises(ValueError, match=r"n_in=784, width=100000, depth=10, n_out=10 make 90,080,400,010 weights and biases, over .*MAX_NETWORK_PARAMS"):
        deep.deep_network(784, 10**5, 10, 10)
    with pytest.raises(ValueError, match=r"depth=1000000000"):  # refused before a list of 10^9 sizes is built
        deep.deep_network(2, 1, 10**9, 1)
    with pytest.raises(ValueError, match=r"sawtooth_grid\(k=30, per_piece=8\) would make 8,589,934,593 points"):
        deep.sawtooth_grid(30)
    with pytest.raises(ValueError, match=r"MAX_SATURATION_STEPS"):
        insight.saturation_run([0.0, 1.0], epochs=10**6)
    with pytest.raises(ValueError, match=r"bins must be an integer in 2..1,000"):
        deep.layer_stats(bpkit.Network([2, 3, 1]), *_xy(), bins=10**6)
    with pytest.raises(ValueError, match=r"n=100000 makes a grid of 10,000,000,000 points"):
        deep.decision_grid(bpkit.Network([2, 3, 1]), n=10**5)
    # the widths are the same as counting up one by one, and a huge budget answers at once
    assert deep.width_for_budget(2, 1, 1, 10**12) == (10**12 - 1) // 4
    for depth in (1, 2, 3, 6):
        w = deep.width_for_budget(2, 1, depth, 150)
        assert deep.deep_network(2, w, depth, 1).num_params() <= 150 < deep.deep_network(2, w + 1, depth, 1).num_params()


def test_epsilon_panel_passes_max_evaluations_through():
    """The panel's limit is epsilon_curve's: refused below the curve's cost, built at it, named in the docstring."""
    net, (X, Y) = bpkit.Network([2, 3, 1]), _xy()
    grid = np.arange(-12.0, -0.999, 0.25)
    needed = 2 * grid.size * net.num_params()  # 1,170
    before = _snapshot(net)
    with pytest.raises(ValueError, match=rf"= {needed:,} times .* over max_evaluations={needed - 1:,}.*max_evaluations={needed}"):
        widgets.epsilon_panel(net, X, Y, max_evaluations=needed - 1, use_ipympl=False)
    assert _same_snapshot(before, _snapshot(net))
    panel = widgets.epsilon_panel(net, X, Y, max_evaluations=needed, use_ipympl=False)
    assert np.array_equal(panel.errors, bpkit.sweeps.epsilon_curve(net, X, Y, grid))
    # a network over the default limit is built when the learner raises it knowingly
    wide = bpkit.Network([2, 600, 1])  # 2,401 parameters: 216,090 evaluations, over the default 100,000
    with pytest.raises(ValueError, match="max_evaluations"):
        widgets.epsilon_panel(wide, X, Y, log10_eps=np.arange(-6.0, -3.9, 1.0) , use_ipympl=False, max_evaluations=10**4)
    widgets.epsilon_panel(wide, X, Y, log10_eps=np.arange(-6.0, -3.9, 1.0), use_ipympl=False,
                          max_evaluations=2 * 3 * wide.num_params())
    assert "max_evaluations" in widgets.epsilon_panel.__doc__ and "100,000" in widgets.epsilon_panel.__doc__
    assert inspect.signature(widgets.epsilon_panel).parameters["max_evaluations"].default == bpkit.sweeps.MAX_EPSILON_EVALS


def test_delta_steps_passes_max_values_through():
    net, (X, Y) = bpkit.Network([2, 3, 1]), _xy()
    needed = 2 * X.shape[0] * sum(W.size for W in net.weights)  # 72
    before = _snapshot(net)
    with pytest.raises(ValueError, match=rf"delta_history would keep {needed} numbers.*max_values={needed - 1}"):
        widgets.delta_steps(net, X, Y, max_values=needed - 1, use_ipympl=False)
    assert _same_snapshot(before, _snapshot(net))
    panel = widgets.delta_steps(net, X, Y, max_values=needed, use_ipympl=False)
    assert panel.m == 4
    assert "max_values" in widgets.delta_steps.__doc__ and "5,000,000" in widgets.delta_steps.__doc__
    assert inspect.signature(widgets.delta_steps).parameters["max_values"].default == bpkit.sweeps.MAX_DELTA_VALUES


def test_a_failed_training_call_leaves_the_network_as_it_was():
    """gradient_norm_history trains in place, but only once every argument is known good."""
    X, Y = _xy()
    net = deep.deep_network(2, 3, 2, 1, activation="relu", init="he")
    before = _snapshot(net)
    for bad in (dict(epochs=0), dict(lr=-1.0), dict(batch_size="2"), dict(X_probe=X), dict(Y_probe=np.full((4, 1), 2.0),
                                                                                      X_probe=X), dict(seed=-1)):
        with pytest.raises((TypeError, ValueError)):
            deep.gradient_norm_history(net, X, Y, **bad)
        assert _same_snapshot(before, _snapshot(net)), bad


def test_validate_additions_keep_float64_arrays_free():
    a = np.linspace(0.0, 1.0, 5)
    assert _validate.vector("x", a) is a
    assert _validate.integer("k", np.int64(3), 0) == 3 and type(_validate.integer("k", np.int64(3), 0)) is int
    with pytest.raises(TypeError, match=r"k must be an integer >= 0, got True"):
        _validate.integer("k", True, 0)
    with pytest.raises(TypeError, match="use_ipympl must be True or False"):
        _validate.optional_flag("use_ipympl", "no")


# ------------------------------------------------------------------ nothing public goes uncovered
LAZY = sorted(bpkit._LAZY)


def _allow(module, names, reason):
    return {f"{module}.{n}": reason for n in names.split()}


#: Public names that neither boundary file calls with bad values, each with the reason ("module.name": reason).
ALLOWED = {
    # records and errors: made by bpkit and returned, not called with a learner's input
    **_allow("bpkit", "GradCheckReport Gradients History Trace", "a record bpkit returns, not a function a learner feeds"),
    **_allow("bpkit.deep", "LayerStats ShapeResult", "a record bpkit.deep returns (a frozen dataclass)"),
    **_allow("bpkit.insight", "DigitNudges GradientCosts LearningRateRun SaturationRun TrainTestCurve",
             "a record bpkit.insight returns (a frozen dataclass)"),
    **_allow("bpkit.toys", "ActivationPoint ChainNudge", "a record bpkit.toys returns (a frozen dataclass)"),
    **_allow("bpkit.plots", "CostCurve NetworkDiagram", "the artists a covered plot function returns"),
    **_allow("bpkit.plots", "CourseFigure", "the figure plots.figure returns (its figsize is checked there)"),
    **_allow("bpkit.plots", "series_style", "one int argument, its refusals (bool, float, str, negative) are "
             "tried in tests/views/test_accessibility_views.py"),
    **_allow("bpkit.autograd", "Tensor", "the node class: its data goes through real_array, tried here as "
             "autograd.tensor's x (test_autograd: test_clear_errors)"),
    **_allow("bpkit.autograd", "Step Share NetworkGraph ForkExample",
             "a record bpkit.autograd returns (a NamedTuple)"),
    **_allow("bpkit.plots", "GraphDiagram", "the drawing graph_panel makes from a checked graph "
             "(its layout, plots.graph_layout, is tried here; tests/views/test_graph_panel.py)"),
    **_allow("bpkit.grade", "progress", "grades a real workspace (too slow for a table of bad values): "
             "test_progress_refuses_a_folder_that_is_no_workspace"),
    **_allow("bpkit", "TrainingDiverged", "the error sgd raises; its messages: test_boundary's family tests"),
    **_allow("bpkit", "make_moons make_circles make_spiral noisy_sine",
             "test_boundary.py: test_data_generators_refuse_bad_sizes / _name_a_negative_seed"),
    **_allow("bpkit", "sleep_study", "takes no arguments"),
    **_allow("bpkit.widgets", "LiveFigure Panel Readout have_ipympl panel_box slider",
             "a building block of the panels (bpkit.widgets._common), not a lesson's call"),
    # other tools with tests of their own
    **_allow("bpkit.checks", "GradientCandidate Kind LayerCost Mistake NetCost Part WavyCost check diagnose "
             "diagnosis_names parts_for run", "the in-notebook checks judge any answer: tests/feedback/test_checks.py"),
    **_allow("bpkit.checks", "term_seed", "the hidden tests' seed per term: refuses a bad part_seed or "
             "BPKIT_TERM_SEED by name (tests/grader/test_nbgrader.py)"),
    **_allow("bpkit.grade", "GradeConfig grade_file grade_paths find_submissions main SubmissionResult PartResult "
             "GradeRow Status", "the grader survives any submission: tests/grader, tests/grader/test_grade*.py"),
    **_allow("bpkit.buggy", "planted backprop_missing_sigma_prime backprop_sigma_prime_of_a backprop_transposed "
             "backprop_forgot_1_over_m backprop_regularized_bias backprop_output_sign",
             "a planted bug is backprop with one rule changed and checks its input as backprop does "
             "(test_boundary); tests/core/test_buggy.py"),
    **_allow("bpkit.workspace", "Change course_notebooks installed_course main report sync",
             "the lab command's file tools (paths, not arrays): tests/core/test_package.py"),
}


def _public(module):
    """A module's public callables: its ``__all__``, or else those it defines (its own submodules' too)."""
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n, v in vars(module).items() if not n.startswith("_") and callable(v)
                 and getattr(v, "__module__", "").startswith(module.__name__)]
    return {n for n in names if callable(getattr(module, n))}  # constants (ACTIVATIONS, MAX_BINS...) are data


def _public_names():
    modules = ["bpkit"] + [f"bpkit.{sub}" for sub in LAZY] + ["bpkit.plots.deep", "bpkit.widgets.deep"]
    return {(where, n) for where in modules for n in _public(importlib.import_module(where))}


def _covered(where, name):
    obj = getattr(importlib.import_module(where), name)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "views"))  # the panels' boundary files
    panels = importlib.import_module("test_boundary_panels")  # here: that file imports this one
    classes = importlib.import_module("test_boundary_classes")  # the panel classes, with their builders' cases
    called = {fn for cases in (tb.CASES, CASES, panels.CASES, classes.CLASS_CASES) for fn, _, _ in cases.values()}
    return obj in called


def test_every_public_name_is_covered():
    """Every public function of bpkit and its lazy submodules is in a boundary file, or allowed with a reason."""
    public = _public_names()
    missing = sorted(f"{w}.{n}" for w, n in public if not _covered(w, n) and f"{w}.{n}" not in ALLOWED)
    assert not missing, f"public names in no boundary file and not in ALLOWED (add cases, or a reason): {missing}"
    qualified = {f"{w}.{n}" for w, n in public}
    assert not set(ALLOWED) - qualified, f"ALLOWED names no public name: {set(ALLOWED) - qualified}"
    both = {q for q in ALLOWED if q in qualified and _covered(*q.rsplit(".", 1))}
    assert not both, f"ALLOWED names covered ones (drop them from ALLOWED): {both}"


def test_this_file_covers_every_function_of_deep_insight_and_lesson8():
    """The part this file owns is complete by itself: no allow-list for deep, insight, plots.deep, lesson 8's panels."""
    mine = {n for n in deep.__all__ + insight.__all__ if inspect.isfunction(getattr(deep if n in deep.__all__ else insight, n))}
    mine |= {n for n in _public(plots_deep) if inspect.isfunction(getattr(plots_deep, n))}
    mine |= {"init_panel", "sawtooth_panel", "shapes_panel", "epsilon_panel", "delta_steps"}
    covered = {case.split(".")[-1] for case in CASES}
    assert mine <= covered, mine - covered
    # every argument of each is tried (a **kwargs passed on to matplotlib is tried by its own test below)
    for name, (fn, _, args) in CASES.items():
        params = {n for n, p in inspect.signature(fn).parameters.items() if p.kind is not p.VAR_KEYWORD}
        assert params == set(args), (name, params ^ set(args))


def test_figure_passes_its_other_keywords_to_matplotlib():
    """plots.figure's **kwargs go to matplotlib's Figure: used there, and an unknown one is refused by its name."""
    assert bpkit.plots.figure(figsize=(3, 3), dpi=50).dpi == 50
    with pytest.raises((TypeError, AttributeError), match="colour"):  # matplotlib names it
        bpkit.plots.figure(figsize=(3, 3), colour="red")


def test_progress_refuses_a_folder_that_is_no_workspace(tmp_path):
    from bpkit.grade import progress

    missing = tmp_path / "no_such_workspace"
    for bad in (missing, str(missing), tmp_path):
        with pytest.raises(ValueError, match=r"workspace .*(no_such_workspace|exercises)") as info:
            progress(bad)
        assert _names(("workspace",), str(info.value))
    for bad in (3, ["workspace"], b"workspace"):
        with pytest.raises(TypeError, match=r"workspace must be a folder"):
            progress(bad)
