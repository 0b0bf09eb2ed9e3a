"""No two data series a lesson draws in one axes differ by colour alone (WCAG 1.4.1; issue 22, item 5).

bpkit's own plots cycle colour, marker and line style together (``bpkit.plots.series_style``,
the property cycle of ``bpkit.plots.figure``), but a lesson's code cell can still override
them: ``ax.plot(x, y, color="C1")`` on pyplot's default cycle, or ``"o-"`` for every series
of a loop. This test reads every lesson's code cells (without running them) and finds,
per axes, the plotting calls that draw two or more series:

* every such call must give a marker or a line style: a format string (``"k:"``, ``"o-"``),
  ``marker=``/``linestyle=``/``ls=``, or a ``**style`` dict (``**plots.series_style(k)``);
* a call inside a loop draws one series per pass, so a style written out literally there
  (``"o-"``, ``marker="o"``) is the same for all of them and does not count;
* two calls on the same axes may not give the same literal style.

It checks the code, not the pixels: a style built at run time (``**style``) is trusted.
"""
from __future__ import annotations

import ast
import pathlib
import re

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
LESSONS = sorted((ROOT / "lessons").glob("[0-9][0-9]*_*.ipynb"))

#: Axes methods that draw one data series per call
SERIES_CALLS = {"plot", "semilogy", "semilogx", "loglog", "step", "errorbar", "scatter"}
#: keywords that give a series a look of its own besides its colour
STYLE_KEYWORDS = {"marker", "linestyle", "ls", "dashes"}
#: a matplotlib format string's marker and line-style characters
FMT_STYLE = re.compile(r"--|-\.|[-:.,ov^<>1234sp*hH+xXDd|_]")


def _fmt(call):
    """The format string of a plot call (its first str positional after the data), or None."""
    for arg in call.args[1:4]:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            return arg.value
    return None


def _style(call):
    """``(styled, literal)``: whether the call sets a marker or line style, and that style if written out."""
    if any(kw.arg is None for kw in call.keywords):   # **style: built at run time
        return True, None
    parts = []
    fmt = _fmt(call)
    if fmt is not None and FMT_STYLE.search(fmt):
        parts.append(("fmt", "".join(FMT_STYLE.findall(fmt))))
    for kw in call.keywords:
        if kw.arg in STYLE_KEYWORDS:
            if not isinstance(kw.value, ast.Constant):
                return True, None   # a style computed in the cell (marker=markers[k])
            parts.append((kw.arg, kw.value.value))
    if not parts:
        return False, None
    return True, tuple(sorted(parts))


def colour_only_series(source):
    """Problems of one code cell: a list of str, empty when every multi-series axes styles each series."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    tree = ast.parse("\n".join(lines))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}

    def in_loop(node):
        while node in parents:
            node = parents[node]
            if isinstance(node, (ast.For, ast.While, ast.comprehension, ast.ListComp, ast.GeneratorExp)):
                return True
        return False

    by_axes = {}
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in SERIES_CALLS):
            by_axes.setdefault(ast.unparse(node.func.value), []).append(node)
    problems = []
    for axes, calls in by_axes.items():
        looped = [in_loop(c) for c in calls]
        if len(calls) + sum(looped) < 2:   # one series: nothing to tell apart
            continue
        seen = {}
        for call, loop in zip(calls, looped):
            styled, literal = _style(call)
            where = f"{axes}.{call.func.attr}(...) on line {call.lineno}"
            if not styled:
                problems.append(f"{where} gives no marker or line style: its series differs by colour only")
            elif literal is not None and loop:
                problems.append(f"{where} runs in a loop with the same written-out style {literal} "
                                "for every series: use **bpkit.plots.series_style(k)")
            elif literal is not None and literal in seen:
                problems.append(f"{where} has the same style {literal} as line {seen[literal]}")
            elif literal is not None:
                seen[literal] = call.lineno
    return problems


def code_cells(path):
    nb = nbformat.read(path, as_version=4)
    return [(i, c.source) for i, c in enumerate(nb.cells) if c.cell_type == "code"]


# --- the check itself fails where it should ---------------------------------------------------------
COLOUR_ONLY = '''
ax.semilogy(free.epochs, free.train, color="C0", label="train")
ax.semilogy(free.epochs, free.test, color="C1", label="test")
'''
SAME_STYLE_IN_LOOP = '''
for r in rates:
    ax.semilogy(np.arange(1, len(r.cost) + 1), r.cost, "o-", label=f"lr = {r.lr:g}")
'''
DEFAULT_CYCLE = '''
fig, (ax1, ax2) = plt.subplots(1, 2)
ax1.plot(zz, f(zz), label="f")
ax1.plot(zz, g(zz), label="g")
ax2.plot(zz, h(zz))
'''
SAME_LITERAL = '''
ax.plot(x, y, marker="o", color="C0")
ax.plot(x, z, marker="o", color="C1")
'''


@pytest.mark.parametrize("source, expected", [
    (COLOUR_ONLY, 2), (SAME_STYLE_IN_LOOP, 1), (DEFAULT_CYCLE, 2), (SAME_LITERAL, 1),
], ids=["colour-only", "same-style-in-a-loop", "default-cycle", "same-literal"])
def test_check_finds_series_told_apart_by_colour_only(source, expected):
    assert len(colour_only_series(source)) == expected, colour_only_series(source)


@pytest.mark.parametrize("source", [
    'ax.semilogy(x, a, **train, markevery=10)\nax.semilogy(x, b, **test, markevery=10)',
    'for k, r in enumerate(rates):\n    ax.plot(r.x, r.y, **plots.series_style(k))',
    'ax2.semilogy(n, best, "k:")\nax2.semilogy(n, sig, **styles[0])',
    'ax.plot(a, b, "o", color="white")\nax.plot(c, d, "r*", ms=14)',
    'ax.plot(x, y, color="C0")\nother.plot(x, z, color="C1")',   # one series per axes
    'for m, s in zip(ms, ss):\n    ax.plot(x, y, marker=m, linestyle=s)',
], ids=["style-dicts", "series-style-in-a-loop", "fmt-and-dict", "two-markers", "one-per-axes",
        "computed-style"])
def test_check_passes_series_with_their_own_look(source):
    assert colour_only_series(source) == []


# --- the lessons --------------------------------------------------------------------------------------
@pytest.mark.parametrize("lesson", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_series_differ_by_more_than_colour(lesson):
    problems = [f"cell {i}: {p}" for i, source in code_cells(lesson) for p in colour_only_series(source)]
    assert not problems, f"{lesson.name}: " + "; ".join(problems)


def test_every_lesson_is_read():
    names = {p.stem for p in LESSONS}
    assert {"03_sigmoid_derivative", "04b_vectorized_backprop", "05_regularization", "06_sgd"} <= names
