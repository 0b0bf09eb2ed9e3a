"""Static and live plots for the lessons (matplotlib, object API only).

Functions here draw onto a matplotlib ``Axes`` they are given and return the
artists they made, so a panel can update them in place instead of redrawing.
"""
# a figure that displays as a PNG with a text alternative in any kernel (lessons build theirs with
# plots.figure(..., alt=...); a pyplot figure is shown with plots.show(fig, alt=...))
from ._figure import CourseFigure, describe, figure, show
# series k's colour, marker and line style (Okabe-Ito colours): ax.plot(x, y, **series_style(k))
from ._style import series_style

# --- lessons 1-3 plots (add imports below) ---
from .curves import (
    CostCurve, cost_along_weight, draw_matrix, matrix_equation, numerical_slope, plot_cost_curve,
    weight_label,
)
from .diagram import NetworkDiagram, draw_network, edge_width

# --- lessons 4-7 plots (add imports below) ---
from .training import (cost_contours, descent_path, digit_grid, heatmap, training_curves, update_heatmap,
                       weight_images)

# --- lesson 8 plots ---
from . import deep
from .deep import decision_boundary, gradient_norm_bars, norm_history

# --- lesson 9 plots ---
from .graph import GraphDiagram, graph_layout
