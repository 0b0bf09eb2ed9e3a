"""Interactive panels for the lessons (ipywidgets + ipympl).

Each panel is built in one line from a ``Network`` and data, e.g.
``panel = bpkit.widgets.<name>(net, X, Y)``; it shows itself when it is the
last expression of a cell (``panel.widget`` is the box, see :class:`Panel`), and
exposes its sliders and readouts as attributes so notebooks and tests can drive
it from code. Building blocks are in :mod:`bpkit.widgets._common`.

Panels only draw: the numbers they show come from the core (:mod:`bpkit.toys`,
:mod:`bpkit.sweeps`), which imports neither matplotlib nor ipywidgets. The
core functions lessons call through this package (``line_cost``, ``sgd_path``,
``train_lambda_grid``, ``epsilon_curve``, ``delta_history``...) are re-exported here.
"""
from ._common import LiveFigure, Panel, Readout, have_ipympl, panel_box, slider

# --- lessons 1-3 panels (add imports below) ---
from .chain import ChainRulePanel, chain_rule
from .nudge import WeightNudgePanel, weight_nudge
from .tangent import TangentPanel, sigmoid_tangent

# --- lessons 4-7 panels (add imports below) ---
from .delta import DeltaSteps, delta_history, delta_steps
from .descent import DescentPanel, descent_panel, line_cost, line_gradient, sgd_path
from .epsilon import EpsilonPanel, epsilon_curve, epsilon_panel
from .regularization import LambdaPanel, lambda_panel, train_lambda_grid
from .nudges import DigitNudgesPanel, digit_nudges_panel
from .saturation import SaturationPanel, saturation_panel

# --- lesson 8 panels ---
from .deep import InitPanel, SawtoothPanel, ShapesPanel, init_panel, sawtooth_panel, shapes_panel

# --- lesson 9 panels ---
from .graph import GraphStepsPanel, graph_steps
