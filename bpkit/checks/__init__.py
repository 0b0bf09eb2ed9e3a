"""Instant feedback for the exercises: run a learner's function, say what is wrong.

Every graded part of ``solutions/NN_*_solution.ipynb`` has an entry in
:data:`PARTS`, declared in the exercise's module (:mod:`.ex01` ... :mod:`.ex09`; exercise 8's last two parts in
:mod:`.ex08_derive`, exercise 4's in :mod:`.ex04_derive`):
the function the learner writes, how to make test inputs (the lesson's numbers
first, then fresh random ones, so a hard-coded answer fails), the right answer
(computed by the core: :func:`bpkit.backprop`, :func:`bpkit.cost`, ...) and the
mistakes learners commonly make (:class:`Mistake`, each of an explicit
:class:`Kind`).

:func:`diagnose` compares the learner's outputs with the reference and, when
they differ, tries the part's mistakes and then the generic ones (transposed,
a factor m, a sign, hard-coded, ...): the first that matches is named in a
tutor's words. In a notebook, :func:`check` does all of this in one call::

    from bpkit.checks import check
    check("03.2", sigmoid_prime)      # prints "✓ sigmoid_prime is correct (4 cases)" or a diagnosis

The grader (``bpkit.grade``) calls the learner's function on
``make_cases(rng)`` with a secret seed and then :func:`diagnose` in its own
process: a part earns its points exactly when :func:`diagnose` returns None.

Inside an IPython kernel (a notebook, nbgrader's autograde) :func:`run`,
:func:`term_seed` and :func:`check` are guarded versions (:mod:`._integrity`):
they refuse, naming it, when the notebook has replaced what the checks rely on
(``np.allclose``, ``sys.setprofile``, ``bpkit.checks.run``, a reference ...),
and run the part with a private copy of the checks.
"""
from . import ex01, ex02, ex03, ex04, ex04_derive, ex05, ex06, ex07, ex08, ex08_derive, ex09
from ._compare import ATOL, RTOL
from ._engine import NOTEBOOKS, PARTS, check, diagnose, diagnosis_names, parts_for, register, run
from ._generic import GENERIC
from ._records import Kind, Mistake, Part
from ._term import term_seed  # the hidden tests' seed per term (nbgrader route)
from .ex07 import GradientCandidate, LayerCost, NetCost, WavyCost

register(*ex01.PARTS, *ex02.PARTS, *ex03.PARTS, *ex04.PARTS, *ex04_derive.PARTS, *ex05.PARTS, *ex06.PARTS, *ex07.PARTS,
         *ex08.PARTS, *ex08_derive.PARTS, *ex09.PARTS)

if __name__ == "bpkit.checks":  # not in the private copy _integrity loads for the hidden tests
    import sys as _sys

    from . import _integrity
    run, term_seed, check = _integrity.install(_sys.modules[__name__], run, term_seed, check)

__all__ = ["ATOL", "GENERIC", "GradientCandidate", "Kind", "LayerCost", "Mistake", "NOTEBOOKS", "NetCost", "PARTS",
           "Part", "RTOL", "WavyCost", "check", "diagnose", "diagnosis_names", "parts_for", "run", "term_seed"]
