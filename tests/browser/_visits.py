"""One visit per notebook a session: both browser test files read the same Run All.

``test_lab.py`` (figures, slider presses against ``bpkit``, screenshots) and
``test_accessibility.py`` (axe-core audit, keyboard-only checks) used to open and
run every lesson once each. Now :func:`visit` opens a notebook, runs all cells once
(:func:`_lab.visit_notebook`) and makes every check the session's test modules asked
for, in this order:

1. errors after Run All and the figure report;
2. the accessibility step (``test_accessibility.py``: audit, then the keyboard checks,
   each of which puts its control back and is checked to have left its panel as it
   found it), so the audit sees the page as Run All left it;
3. each spec's slider presses and screenshots (``test_lab.py``), spec after spec.

Each test module says what it needs when it is imported (:func:`want`), so running one
file alone makes only that file's checks. The result is kept for the session; each test
then asserts only its own part, and an exception of one part is re-raised only by the
tests of that part.
"""
from __future__ import annotations

import _lab

#: what the collected test modules need from every visit (set by :func:`want`)
PLAN = {"presses": None, "accessibility": None}
_VISITS: dict = {}


def want(presses=None, accessibility=None):
    """Ask every visit for ``presses`` slider presses per spec, or for ``accessibility(page, notebook)``."""
    if presses is not None:
        PLAN["presses"] = int(presses)
    if accessibility is not None:
        PLAN["accessibility"] = accessibility


def visit(notebook, server, browser, specs=()):
    """The session's one visit to ``notebook`` (made now if it is the first ask): a :func:`_lab.visit_notebook` dict.

    ``specs`` are the session's specs (``browser_specs``); those about ``notebook`` are pressed
    when a module asked for presses. A visit that failed (the notebook did not open, Run All did
    not finish) raises the same exception for every test that reads it, without trying again.
    """
    if notebook not in _VISITS:
        presses = PLAN["presses"]
        mine = [s for s in specs if s.notebook == notebook] if presses else []
        try:
            _VISITS[notebook] = _lab.visit_notebook(browser, server, notebook, mine, presses=presses or 0,
                                                    before_presses=PLAN["accessibility"])
        except Exception as exc:  # noqa: BLE001 - re-raised for every test of this notebook
            _VISITS[notebook] = exc
    result = _VISITS[notebook]
    if isinstance(result, BaseException):
        raise result
    return result
