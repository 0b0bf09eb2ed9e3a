"""bpkit: the helper package of the backpropagation course.

The math lives in small modules (activations, costs, network, backprop,
gradcheck, optim, metrics, data) that import only numpy. ``bpkit.widgets`` and
``bpkit.plots`` (matplotlib, ipywidgets) are imported on first use, so
``import bpkit`` stays fast.
"""
from .activations import ACTIVATIONS, relu, relu_prime, sigmoid, sigmoid_prime, tanh, tanh_prime
from .backprop import Gradients, backprop, backprop_loop
from .costs import COSTS, cost
from .data import load_digits, make_circles, make_moons, make_spiral, noisy_sine, sleep_study
from .gradcheck import GradCheckReport, gradient_check, numerical_gradient, relative_error
from .metrics import accuracy, one_hot
from .network import Network, Trace
from .optim import History, TrainingDiverged, gradient_descent, sgd

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS", "COSTS", "GradCheckReport", "Gradients", "History", "Network", "Trace",
    "TrainingDiverged", "accuracy", "backprop", "backprop_loop", "cost", "gradient_check",
    "gradient_descent", "load_digits", "make_circles", "make_moons", "noisy_sine",
    "numerical_gradient", "one_hot", "relative_error", "relu", "relu_prime", "sgd",
    "sigmoid", "sigmoid_prime", "sleep_study", "tanh", "tanh_prime",
    "make_spiral",
]

_LAZY = {"widgets", "plots", "checks", "grade", "buggy", "toys", "sweeps", "deep", "insight", "workspace", "autograd"}


def __getattr__(name):
    # bpkit.widgets / bpkit.plots pull in ipywidgets and matplotlib: load them on first use
    if name in _LAZY:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'bpkit' has no attribute {name!r}")
