"""Argument checks declared once (issue 19, item 2): the boundary tests and the Raises sections come
from the same declarations as the checks (:mod:`bpkit._params`), then one test per class of bad call
the issue names."""
from __future__ import annotations

import inspect

import numpy as np
import pytest

import bpkit
import bpkit.data
import bpkit.gradcheck
import bpkit.metrics
import bpkit.network
import bpkit.sweeps as sweeps
import bpkit.toys
from bpkit import _params, activations, autograd, backprop, buggy, costs, deep, insight, optim
from bpkit.optim import TrainingDiverged

matplotlib = pytest.importorskip("matplotlib")
pytest.importorskip("ipywidgets")
import bpkit.plots as plots  # noqa: E402
import bpkit.widgets._common as common  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

#: the modules converted to declarations; importing them fills _params.DECLARED
MODULES = (bpkit.data, bpkit.toys, bpkit.metrics, bpkit.gradcheck, bpkit.sweeps, bpkit.network, common,
           activations, costs, backprop, buggy, autograd, optim, insight, deep)
DECLARED = [fn for fn in _params.DECLARED if fn.__module__ in {m.__name__ for m in MODULES}]


def _fn_id(fn):
    return f"{fn.__module__.split('.')[-1]}.{fn.__qualname__}"


def _cases():
    for fn in DECLARED:
        for param, constraint in fn.__declared__.items():
            for i, (bad, exc) in enumerate(constraint.bad_values()):
                yield pytest.param(fn, param, constraint, bad, exc, id=f"{_fn_id(fn)}-{param}-{i}")


def _call_with(fn, param, value):
    """Call ``fn`` with ``value`` for ``param``, an accepted example for every other declared parameter,
    defaults for the rest and None for undeclared required ones (the refusal comes before the body)."""
    kwargs = {}
    for name, p in inspect.signature(fn).parameters.items():
        if name == param:
            kwargs[name] = value
        elif name in fn.__declared__:
            kwargs[name] = fn.__declared__[name].example()
        elif p.default is inspect.Parameter.empty:
            kwargs[name] = None  # self, or an argument checked in the body against another one
    return fn(**kwargs)


def test_the_converted_modules_declare_their_public_functions():
    """How many are declared (the report's count): a drop means a declaration was lost."""
    names = {_fn_id(fn) for fn in DECLARED}
    assert len(names) == len(DECLARED) >= 34, sorted(names)
    for must in ("data.make_moons", "data.make_circles", "data.make_spiral", "data.noisy_sine",
                 "gradcheck.gradient_check", "sweeps.train_lambda_grid", "network.Network.__init__",
                 "_common.slider", "_common.panel_box", "_common.Readout.set", "_common.LiveFigure.__init__"):
        assert must in names


@pytest.mark.parametrize("fn, param, constraint, bad, exc", list(_cases()))
def test_each_declared_constraint_refuses_its_bad_values(fn, param, constraint, bad, exc):
    """Generated: for every declared parameter, each bad value its constraint names is refused with the
    exception it declares, and the message names the parameter and says what was expected."""
    with pytest.raises(exc) as info:
        _call_with(fn, param, bad)
    message = str(info.value)
    shown = constraint.shown_as or param
    assert shown in message, message
    assert "must" in message or "contains NaN or inf" in message, message  # what was expected ...
    assert "got" in message or "contains" in message, message  # ... and what came


@pytest.mark.parametrize("fn", DECLARED, ids=_fn_id)
def test_each_declared_constraint_accepts_its_example(fn):
    """The example each constraint offers passes its own check (else the generated cases prove nothing)."""
    for param, constraint in fn.__declared__.items():
        constraint.check(param, constraint.example())


@pytest.mark.parametrize("fn", DECLARED, ids=_fn_id)
def test_raises_section_matches_the_declarations(fn):
    doc = fn.__doc__
    assert "\nRaises\n------\n" in doc, _fn_id(fn)
    section = doc.split("\nRaises\n------\n", 1)[1]
    excs = {e.__name__ for c in fn.__declared__.values() for e in c.raises}
    assert section.splitlines()[0] == ", ".join(e for e in ("TypeError", "ValueError") if e in excs)
    for param, constraint in fn.__declared__.items():
        assert f"``{param}``" in section and constraint.describe() in section, (param, section)
    assert section.count("must be") == len(fn.__declared__)


def test_declare_converts_checks_defaults_and_refuses_unknown_names():
    @_params.declare(n=_params.Int(1, 10), x=_params.Real(0), flag=_params.Flag())
    def f(n, x=1, flag=True):
        """Toy."""
        return n, x, flag

    assert f(np.int64(3)) == (3, 1.0, True) and type(f(np.int64(3))[0]) is int and type(f(2)[1]) is float
    with pytest.raises(ValueError, match=r"n must be a positive integer up to 10, got 11"):
        f(11)
    with pytest.raises(TypeError, match=r"f\(\) missing a required argument: 'n'"):
        f()
    with pytest.raises(TypeError, match=r"f\(\) multiple values for argument 'n'"):
        f(1, n=2)
    with pytest.raises(TypeError, match=r"f\(\) got an unexpected keyword argument 'm'"):
        f(1, m=2)
    with pytest.raises(TypeError, match=r"f\(\) too many positional arguments"):
        f(1, 2, True, 4)
    assert f(flag=False, n=2) == (2, 1.0, False) and f(3, 0.5) == (3, 0.5, True)
    with pytest.raises(TypeError, match="has no parameter"):
        _params.declare(m=_params.Int())(lambda n: n)
    assert f in _params.DECLARED
    _params.DECLARED.remove(f)


def test_a_hand_written_raises_section_keeps_its_entries_after_the_generated_ones():
    doc = sweeps.train_lambda_grid.__doc__
    section = doc.split("\nRaises\n------\n", 1)[1]
    assert section.index("``lr`` must be") < section.index("_GridDiverged") < section.index("PARAM_LIMIT")


# ------------------------------------------------------------------ the classes of issue 19, one by one
@pytest.mark.parametrize("make", [bpkit.make_moons, bpkit.make_circles, bpkit.make_spiral, bpkit.noisy_sine])
def test_generators_refuse_huge_sizes_before_allocating(make):
    with pytest.raises(ValueError, match=r"n must be a positive integer up to 1,000,000, got 1000000000000 "
                                         r"\(the number of examples"):
        make(n=10**12)
    with pytest.raises(ValueError, match=r"noise must be a number in \[0, 100\], got 1e\+300"):
        make(noise=1e300)
    X, _ = make(n=bpkit.data.MAX_SAMPLES // 100)  # below the limit: made as before
    assert X.shape == (bpkit.data.MAX_SAMPLES // 100, X.shape[1])


def test_spiral_turns_and_sleep_study_arguments():
    with pytest.raises(ValueError, match=r"turns must be a number in \(0, 1,000\], got 1e\+20"):
        bpkit.make_spiral(turns=1e20)
    with pytest.raises(TypeError, match="sleep_study"):
        bpkit.sleep_study(3)
    assert bpkit.make_spiral(turns=np.float64(2.0))[0].shape == (300, 2)


def _relu_net():
    return bpkit.Network([2, 30, 1], activation="relu", init="normal")


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("call", ["predict", "trace", "cost", "backprop", "backprop_loop"])
def test_forward_overflow_is_reported_with_its_layer(call):
    net, X, Y = _relu_net(), np.full((2, 2), 1.5e308), np.ones((2, 1))
    run = {"predict": lambda: net.predict(X), "trace": lambda: net.trace(X),
           "cost": lambda: bpkit.cost(net, X, Y), "backprop": lambda: bpkit.backprop(net, X, Y),
           "backprop_loop": lambda: bpkit.backprop_loop(net, X, Y)}[call]
    with pytest.raises(ValueError, match=r"forward pass overflowed in layer 2: z\(2\) = a\(1\) @ W\(1\) \+ b\(1\) "
                                         r"holds inf or NaN although the inputs and weights are finite"):
        run()


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_forward_overflow_in_a_deeper_layer_names_it_and_moderate_inputs_still_work():
    net = bpkit.Network([2, 30, 30, 1], activation="relu", init="normal")
    with pytest.raises(ValueError, match=r"overflowed in layer 4"):
        net.predict(np.full((2, 2), 1e307))
    assert np.all(np.isfinite(net.predict(np.full((2, 2), 1e3))))


def test_trainers_that_report_divergence_themselves_keep_the_pass_unchecked():
    """Under np.errstate(over="ignore") (what sgd and train_lambda_grid use) the pass runs on, unchanged."""
    net, X = _relu_net(), np.full((2, 2), 1.5e308)
    with np.errstate(over="ignore", invalid="ignore"):
        out = net.predict(X)
    assert out.shape == (2, 1)


def _broken(how):
    net = bpkit.Network([2, 3, 1])
    if how == "list":
        net.weights[1] = net.weights[1].tolist()
    elif how == "transposed":
        net.weights[0] = net.weights[0].T.copy()
    elif how == "int":
        net.biases[1] = np.zeros(1, dtype=np.int64)
    return net


@pytest.mark.parametrize("how, exc, words", [
    ("list", TypeError, r"weights\[1\] \(W\(2\)\) must be a float64 numpy array, got list"),
    ("transposed", ValueError, r"weights\[0\] \(W\(1\)\) must have shape \(2, 3\), got \(3, 2\)"),
    ("int", TypeError, r"biases\[1\] \(b\(2\)\) must be a float64 numpy array, got int64 ndarray"),
])
@pytest.mark.parametrize("method", ["to_thetas", "trace", "forward", "predict", "copy", "params", "num_params",
                                    "shapes", "cost", "accuracy", "gradient_check"])
def test_a_network_with_broken_weights_is_refused_by_every_method(how, exc, words, method):
    net, X = _broken(how), np.array([[0.1, 0.2], [0.3, 0.4]])
    run = {"to_thetas": net.to_thetas, "trace": lambda: net.trace(X), "forward": lambda: net.forward(X),
           "predict": lambda: net.predict(X), "copy": net.copy, "params": net.params, "num_params": net.num_params,
           "shapes": lambda: net.shapes, "cost": lambda: bpkit.cost(net, X, [[0.5], [0.5]]),
           "accuracy": lambda: bpkit.accuracy(net, X, [0, 1]),
           "gradient_check": lambda: bpkit.gradient_check(net, X, [[0.5], [0.5]])}[method]
    with pytest.raises(exc, match=words):
        run()


def test_a_diverged_network_can_still_be_copied_and_listed():
    net = bpkit.Network([2, 3, 1])
    net.weights[0][0, 0] = np.nan
    assert np.isnan(net.copy().weights[0][0, 0]) and net.num_params() == 13
    with pytest.raises(ValueError, match=r"W\(1\) or b\(1\) contains NaN or inf"):
        net.predict([0.1, 0.2])


def test_relative_error_of_nothing_is_refused():
    for a, b in (([], []), (np.zeros(0), np.zeros(0)), ([np.zeros((0, 3))], [np.zeros((0, 3))])):
        with pytest.raises(ValueError, match="a and b hold no numbers"):
            bpkit.relative_error(a, b)
    assert bpkit.relative_error([0.0], [0.0]) == 0.0


def test_lambda_grid_reports_a_runaway_learning_rate_as_sgd_does():
    x, y = bpkit.noisy_sine(n=8, noise=0.1, seed=0)
    net = bpkit.Network([1, 3, 1])
    with pytest.raises(TrainingDiverged, match=r"diverged for lam=0 with lr=1e\+300: .*smaller lr") as info:
        sweeps.train_lambda_grid(net, x, y, [0.0, 0.1], epochs=5, lr=1e300)
    assert isinstance(info.value, ValueError) and info.value.lam == 0.0
    assert np.array_equal(net.weights[0], bpkit.Network([1, 3, 1]).weights[0])  # not changed
    with pytest.raises(TrainingDiverged, match="diverged for lam=100"):
        sweeps.train_lambda_grid(bpkit.Network([1, 3, 1]), x, y, [0.0, 100.0], epochs=500, lr=3.0)


def test_digit_grid_refuses_raw_pixels():
    raw = np.full((2, 784), 255.0)
    with pytest.raises(ValueError, match=r"images must hold grey levels in \[0, 1\], got values from 255 to 255; "
                                         r"raw 0..255 pixels: divide them by 255"):
        plots.digit_grid(Figure(), raw)
    negative = np.zeros((2, 784))
    negative[1] = -0.5
    with pytest.raises(ValueError, match=r"got values from -0.5 to 0$"):
        plots.digit_grid(Figure(), negative)
    assert len(plots.digit_grid(Figure(), raw / 255.0)) == 2


def test_building_blocks_are_checked():
    with pytest.raises(ValueError, match=r"figsize\[0\] must be a number in \(0, 100\], got 0"):
        common.LiveFigure(figsize=(0, 3), use_ipympl=False)
    with pytest.raises(TypeError, match=r"figsize must be a list or tuple of 2 items"):
        common.LiveFigure(figsize=5, use_ipympl=False)
    with pytest.raises(ValueError, match=r"slider 'w': value must lie in min..max = 0..1, got 5"):
        common.slider("w", 5, 0, 1)
    with pytest.raises(ValueError, match=r"slider 'w': min must be below max, got min=1, max=0"):
        common.slider("w", 0.5, 1, 0)
    with pytest.raises(ValueError, match="step must be a positive number, got 0"):
        common.slider("w", 0.5, 0, 1, step=0)
    readout = common.Readout("cost", "cost")
    with pytest.raises(TypeError, match=r"value must be a real number, got 'abc' \(str\)"):
        readout.set("abc")
    readout.set(np.float64(0.25))
    assert readout.value == 0.25 and type(readout.value) is float
    readout.set(np.nan)
    with pytest.raises(ValueError, match="fmt must be a format for one number"):
        common.Readout("cost", "cost", fmt="{:d}")
    with pytest.raises(TypeError, match=r"children\[0\] must be an ipywidgets widget, got 5 \(int\)"):
        common.panel_box([5], "x")
    with pytest.raises(TypeError, match=r"panel_box\(\) missing a required argument: 'name'"):
        common.panel_box([5])
    assert common.slider("w", 0.5, 0, 1).value == 0.5
    assert "bpkit-x" in common.panel_box([readout.widget], "x")._dom_classes
