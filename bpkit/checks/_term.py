"""The seed of the hidden test cases in the solutions, set by the instructor once per term.

The hidden test cell of every part in ``solutions/`` runs, for exercise 3 part 2::

    msg = bpkit.checks.run("03.2", sigmoid_prime, seed=bpkit.checks.term_seed(1302))

With a fixed seed the hidden cases (and so the feedback nbgrader shows) would be
the same every term. :func:`term_seed` mixes the part's number with the whole
number in the environment variable :data:`ENV` (``BPKIT_TERM_SEED``), which the
instructor sets when running ``nbgrader autograde`` (docs/INSTRUCTORS.md,
"Hidden cases: a seed per term").

Unset (or empty), the part's number is the seed: the course's default cases,
the same every term. That fallback is silent in the notebook, because a test
cell must print nothing (nbgrader scores a cell that writes to stderr as failed,
and the solutions' test cells are checked to print nothing at all); where you
grade, ``python -c "import bpkit.checks as c; print(c.term_seed(1302))"``
prints 1302 when no term seed is in effect. A
value that is not a whole number >= 0 raises a ValueError that says so, so a
typo fails every hidden test at once instead of going unnoticed.

``bpkit-grade`` does not use this: it draws its own secret seed per run.
"""
from __future__ import annotations

import hashlib
import os

ENV = "BPKIT_TERM_SEED"


def _term_from(text):
    """The term seed as an int, or None when ``text`` is unset or blank; ValueError when it is not a number."""
    if text is None or not str(text).strip():
        return None
    try:
        value = int(str(text).strip())
    except ValueError:
        value = -1
    if value < 0:
        raise ValueError(f"{ENV} must be a whole number >= 0 (the term's secret seed, e.g. from "
                         f"python -c \"import secrets; print(secrets.randbits(32))\"), got {text!r}")
    return value


def term_seed(part_seed, term=None):
    """The seed of one part's hidden cases this term: ``part_seed`` mixed with the term's seed.

    Parameters
    ----------
    part_seed : int
        The part's own number, written in its hidden test cell (``1302`` for
        exercise 3 part 2), so that two parts never share their cases.
    term : int, str or None
        The term's seed, a whole number >= 0; None reads the environment
        variable ``BPKIT_TERM_SEED``. Keep it secret: a student who knows it can
        draw the hidden cases with ``bpkit.checks.run``.

    Returns
    -------
    int
        A seed in ``[0, 2**63)`` for ``numpy.random.default_rng``: the same for
        the same term and part, different (with overwhelming probability) for
        another term or part. ``part_seed`` itself when no term seed is set.

    Raises
    ------
    ValueError
        When the term seed is not a whole number >= 0, or ``part_seed`` is not.
    """
    if isinstance(part_seed, bool) or not isinstance(part_seed, int) or part_seed < 0:
        raise ValueError(f"part_seed must be a whole number >= 0 (the number in the hidden test cell), "
                         f"got {part_seed!r}")
    term = _term_from(os.environ.get(ENV) if term is None else term)
    if term is None:
        return part_seed
    digest = hashlib.sha256(f"bpkit term {term} part {part_seed}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1
