"""The panel classes are checked entry points too: ``Class(**kwargs)`` behaves as ``builder(**kwargs)``.

``bpkit.widgets`` exports, for each panel, a builder (``descent_panel``...) and its class
(``DescentPanel``...), and both are public. The builders are one ``return Class(...)`` that
forwards every argument by name, and the checks live in the class. This file holds them to it:

* every :class:`bpkit.widgets.Panel` subclass the package exports is in :data:`BUILDERS`, next to
  its builder, so a new panel cannot be forgotten;
* the class's signature is its builder's (names, kinds, defaults), and the builder's body is one
  ``return Class(name=name, ...)``;
* the bad-value property tests of the builders, run against the classes: the case tables of
  :mod:`test_boundary_panels` and :mod:`test_boundary_deep` (and :mod:`test_boundary`, which has no
  panel today) with the class in place of the builder, checked by
  :func:`test_boundary_deep.assert_refused_clearly` with the same ``SETTINGS`` (12 examples per
  argument; the whole file runs in about 10 s on a 2-core machine). Each refusal is also asked of the
  builder, which must raise the same error with the same message;
* one good call per class, drawn without ipympl, that builds the panel the builder builds.
"""
from __future__ import annotations

import ast
import inspect
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

pytest.importorskip("matplotlib")
pytest.importorskip("ipywidgets")

# the boundary files of bpkit's core (tests/core/): their bad values and their checks
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))

import test_boundary as tb  # noqa: E402
import test_boundary_deep as tbd  # noqa: E402
import test_boundary_panels as tbp  # noqa: E402
from bpkit import widgets  # noqa: E402
from test_boundary import SETTINGS, _same_snapshot, _snapshot  # noqa: E402
from test_boundary_deep import assert_refused_clearly  # noqa: E402

#: each panel builder of ``bpkit.widgets`` -> the class it returns
BUILDERS = {
    widgets.weight_nudge: widgets.WeightNudgePanel,  # lesson 1
    widgets.chain_rule: widgets.ChainRulePanel,  # lesson 2
    widgets.sigmoid_tangent: widgets.TangentPanel,  # lesson 3
    widgets.delta_steps: widgets.DeltaSteps,  # lesson 4
    widgets.digit_nudges_panel: widgets.DigitNudgesPanel,
    widgets.saturation_panel: widgets.SaturationPanel,
    widgets.lambda_panel: widgets.LambdaPanel,  # lesson 5
    widgets.descent_panel: widgets.DescentPanel,  # lesson 6
    widgets.epsilon_panel: widgets.EpsilonPanel,  # lesson 7
    widgets.init_panel: widgets.InitPanel,  # lesson 8
    widgets.sawtooth_panel: widgets.SawtoothPanel,
    widgets.shapes_panel: widgets.ShapesPanel,
    widgets.graph_steps: widgets.GraphStepsPanel,  # lesson 9
}
PAIRS = sorted(BUILDERS.items(), key=lambda pair: pair[1].__name__)
PAIR_IDS = [cls.__name__ for _, cls in PAIRS]

#: the builders' case tables, as (function, build good kwargs, {argument: (strategy, make bad value, words)})
TABLES = (tb.CASES, tbp.CASES, tbd.CASES)

#: the same cases with the class in place of its builder, e.g. "widgets.DescentPanel"
CLASS_CASES = {f"widgets.{BUILDERS[fn].__name__}": (BUILDERS[fn], build, args)
               for table in TABLES for fn, build, args in table.values() if fn in BUILDERS}
CLASS_PAIRS = [(name, arg) for name, (_, _, args) in CLASS_CASES.items() for arg in args]


def _exported_panel_classes():
    return {v for n, v in vars(widgets).items() if not n.startswith("_") and inspect.isclass(v)
            and issubclass(v, widgets.Panel) and v is not widgets.Panel}


def test_every_exported_panel_class_has_its_builder_and_its_cases():
    exported = _exported_panel_classes()
    assert set(BUILDERS.values()) == exported, (
        f"add the new panel and its builder to BUILDERS: {exported ^ set(BUILDERS.values())}")
    assert len(set(BUILDERS.values())) == len(BUILDERS), "two builders map to one class"
    for builder in BUILDERS:
        assert getattr(widgets, builder.__name__) is builder, builder.__name__
    assert {cls for cls, _, _ in CLASS_CASES.values()} == exported, "a panel has no bad-value cases for its builder"


@pytest.mark.parametrize("builder, cls", PAIRS, ids=PAIR_IDS)
def test_the_class_takes_exactly_its_builders_arguments(builder, cls):
    def described(fn):
        return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]

    assert described(cls) == described(builder)
    assert inspect.signature(cls) == inspect.signature(builder)


@pytest.mark.parametrize("builder, cls", PAIRS, ids=PAIR_IDS)
def test_the_builder_only_forwards_to_the_class(builder, cls):
    """One place for the checks: the builder's body (after its docstring) is ``return Class(a=a, b=b, ...)``."""
    assert inspect.getdoc(builder), f"{builder.__name__} lost its docstring"
    (fn,) = ast.parse(textwrap.dedent(inspect.getsource(builder))).body
    body = fn.body[1:] if isinstance(fn.body[0], ast.Expr) and isinstance(fn.body[0].value, ast.Constant) else fn.body
    assert len(body) == 1 and isinstance(body[0], ast.Return), f"{builder.__name__} does more than return the class"
    call = body[0].value
    assert isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == cls.__name__
    assert not call.args, f"{builder.__name__} passes arguments by position"
    forwarded = [(k.arg, k.value.id if isinstance(k.value, ast.Name) else None) for k in call.keywords]
    names = list(inspect.signature(builder).parameters)
    assert forwarded == [(n, n) for n in names], f"{builder.__name__} must forward every argument by name"


def _class_then_builder(cls, builder):
    """Call ``cls``; when it refuses, the builder must refuse the same arguments with the same error and message."""
    def call(**kwargs):
        try:
            return cls(**kwargs)
        except (TypeError, ValueError) as exc:
            with pytest.raises(type(exc)) as same:
                builder(**kwargs)
            assert str(same.value) == str(exc), f"{builder.__name__} and {cls.__name__} say different things"
            raise
    return call


@pytest.mark.parametrize("name, arg", CLASS_PAIRS, ids=[f"{n}-{a}" for n, a in CLASS_PAIRS])
@SETTINGS
@given(data=st.data())
def test_bad_values_are_refused_clearly_by_the_class_and_change_nothing(name, arg, data):
    cls, build, args = CLASS_CASES[name]
    builder = {c: b for b, c in BUILDERS.items()}[cls]
    assert_refused_clearly((_class_then_builder(cls, builder), build, args), arg, data)


@pytest.mark.parametrize("name", list(CLASS_CASES))
def test_one_good_call_builds_the_panel_without_ipympl(name):
    cls, build, _ = CLASS_CASES[name]
    builder = {c: b for b, c in BUILDERS.items()}[cls]
    kwargs = build()
    assert kwargs.get("use_ipympl") is False, "the good call is drawn without ipympl"
    before = {k: _snapshot(v) for k, v in kwargs.items()}
    panel = cls(**kwargs)
    for k, v in kwargs.items():
        assert _same_snapshot(before[k], _snapshot(v)), f"{k} was changed by a good call"
    assert type(panel) is cls and panel.figure.interactive is False
    assert {"bpkit-panel", f"bpkit-{cls.name}"} <= set(panel.widget._dom_classes)
    by_builder = builder(**build())
    assert type(by_builder) is cls
    assert [s.value for s in panel.sliders] == [s.value for s in by_builder.sliders]
