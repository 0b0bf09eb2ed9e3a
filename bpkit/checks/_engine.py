"""The engine: the registry of parts, :func:`diagnose`, :func:`run` and :func:`check`.

:func:`diagnose` compares the learner's outputs with the reference and, when
they differ, tries the mistakes in this order, the first match wins:

1. COUNT, EXCEPTION, OUTPUT: the wrong number of results, something raised,
   something that is not numbers (generic);
2. the part's own mistakes (VARIANT on every case, PREDICATE and FACTOR on the
   failing ones);
3. NAN: nan or inf where the answer is finite (the part's, then the generic one);
4. SHAPE, FACTOR, FIXED, MISMATCH: the generic ones of :mod:`._generic`.

Before all of these come the rules of :mod:`bpkit._grading.watch`, which
:func:`run` (and the grading kernel) report as errors in place of an output: a
forbidden call, the checks switched off, an input changed in place, an input
that should have been updated in place and was not; then the CONTRACT
mistakes (a breach the right numbers do not excuse, such as an array where
the contract asks for a float), the part's own first.

A part with a ``judge`` (no single right answer: random initial weights, a
trained network) is judged case by case instead of compared with its
reference; when a case fails, its PREDICATE and NAN mistakes are tried (with
``ref`` a :class:`Judged` of every case, the judge's words in the message field ``verdict``), then NAN and
FIXED, else the judge's own words are the message.
"""
from __future__ import annotations

import copy
import html
from typing import NamedTuple

import numpy as np

from . import _generic
from .._grading import watch
from ._compare import Unreadable, close, describe, finite, fmt, norm, scaled
from ._generic import GENERIC, Seen
from ._records import Kind, Said

PARTS: dict = {}
# the watch's pieces as they are when the checks are imported (a notebook's first cell), before learner code
_TRIPWIRE, _INPUT_PROBLEM, _RULE_ERRORS = watch.Tripwire, watch.input_problem, dict(watch.ERRORS)
NOTEBOOKS = ("01_cost", "02_chain_rule", "03_sigmoid_derivative", "04_delta_accumulation",
             "05_regularization", "06_sgd", "07_gradient_checking", "08_deep_networks",
             "09_computational_graphs")
_OWN = (Kind.VARIANT, Kind.PREDICATE, Kind.FACTOR)


def register(*parts):
    """Add parts to :data:`PARTS` (keys must be new)."""
    for part in parts:
        assert part.key not in PARTS, part.key
        PARTS[part.key] = part


def parts_for(notebook):
    """The parts of one notebook (``"03_sigmoid_derivative"``), in order."""
    found = [p for p in PARTS.values() if p.notebook == notebook]
    if not found:
        raise ValueError(f"no exercise notebook {notebook!r}; expected one of {sorted(NOTEBOOKS)}")
    return found


def diagnosis_names():
    """Every mistake the checks can name: ``"NN.K:name"`` for a part's own, ``"*:name"`` for the generic ones."""
    return [f"{p.key}:{mk.name}" for p in PARTS.values() for mk in p.mistakes] + [f"*:{mk.name}" for mk in GENERIC]


def _unknown(key):
    return f"There is no exercise part {key!r}; the parts are {', '.join(PARTS)}."


# ------------------------------------------------------------------- diagnose
def diagnose(key, cases, outputs):
    """Compare a learner's outputs with the reference: None if all agree, else one message.

    Parameters
    ----------
    key : str
        ``"NN.K"``, a key of :data:`PARTS`.
    cases : list of tuple
        The argument tuples from ``PARTS[key].make_cases(rng)``.
    outputs : list
        What the learner's function returned for each case, in order; an
        ``Exception`` instance where it raised.

    Returns
    -------
    str or None
        None when every output matches the reference (rtol 1e-6, atol 1e-9);
        otherwise one message naming the first recognised mistake (see the
        module docstring for the order), or where the first mismatch is.
        Never raises.
    """
    try:
        part = PARTS.get(key) if isinstance(key, str) else None
        if part is None:
            return _unknown(key)
        return _diagnose(part, list(cases), list(outputs))
    except Exception as exc:  # the checker must never take the notebook or grader down
        return f"The check could not read the result ({type(exc).__name__}: {exc})."


def _diagnose(part, cases, outputs):
    info = {"fn": part.function, "names": ", ".join(part.out_names), "m": None}
    if len(outputs) != len(cases):
        return _generic.BY_NAME["result_count"].say(**info, n=len(cases), k=len(outputs))
    for rule in watch.RULES:  # the rules first: a forbidden call, an input changed in place, ...
        for i, out in enumerate(outputs):
            if isinstance(out, BaseException) and type(out).__name__ == rule:
                return _raised(part, info, i, out, cases[i])
    for i, out in enumerate(outputs):
        if isinstance(out, BaseException):
            return _raised(part, info, i, out, cases[i])
    breach = _contract(part, info, cases, outputs)
    if breach is not None:
        return breach
    if part.judge is not None:
        return _judged(part, info, cases, outputs)
    with np.errstate(all="ignore"):
        refs = [norm(part.kind, part.reference(*copy.deepcopy(args))) for args in cases]
    outs, message = _read(part, info, outputs)
    if message is not None:
        return message
    failing = [i for i in range(len(cases)) if not close(outs[i], refs[i])]
    if not failing:
        return None
    i0 = failing[0]
    info.update(i=i0, m=part.m_of(cases[i0]) if part.m_of else None)
    seen = Seen(part, cases, refs, outs, failing)

    if part.kind == "arrays" and len(outs[i0]) != len(refs[i0]):
        return _generic.BY_NAME["array_count"].say(**info, n=len(refs[i0]), k=len(outs[i0]))
    if len(cases) >= 3 and part.kind != "indices" and all(close(o, outs[0]) for o in outs[1:]):
        # the same result whatever the input: named before a part's mistakes that read shapes
        j = next((j for j in range(1, len(cases)) if not close(refs[j], refs[0])), None)
        if j is not None:
            return _generic.BY_NAME["hard_coded"].say(**info, lo=0, hi=j)
    for mk in part.mistakes:
        if mk.kind in _OWN:
            which = range(len(cases)) if mk.kind is Kind.VARIANT else failing
            if all(_matches(mk, part, cases[i], refs[i], outs[i]) for i in which):
                return mk.say(**info)
    for i in failing:
        if not finite(outs[i]) and finite(refs[i]):
            for mk in part.mistakes:
                if mk.kind is Kind.NAN and _matches(mk, part, cases[i], refs[i], outs[i]):
                    return mk.say(**{**info, "i": i})
            return _generic.BY_NAME["nan"].say(**{**info, "i": i}, args=describe(part, cases[i]))
    shape = _shape(seen, info)
    if shape is not None:
        return shape
    for mk in _generic.of_kind(Kind.FACTOR):
        if all(_matches(mk, part, cases[i], refs[i], outs[i]) for i in failing):
            return mk.say(**info)
    for i in failing:
        for j in range(len(cases)):
            if j != i and close(outs[i], outs[j]) and not close(refs[i], refs[j]):
                return _generic.BY_NAME["hard_coded"].say(**info, lo=min(i, j), hi=max(i, j))
    return _generic.BY_NAME["mismatch"].say(**info, args=describe(part, cases[i0]),
                                            detail=_difference(part, outs[i0], refs[i0]))


def _difference(part, out, ref):
    """Where a result differs from the reference, in one short sentence: which array, the largest
    difference, where, and the shape (never the arrays themselves)."""
    wrong = [j for j, (o, r) in enumerate(zip(out, ref)) if not close([o], [r])]
    if not wrong:
        return "the results differ"
    j = wrong[0]
    o, r = out[j], ref[j]
    many = len(ref) > 1
    name = _array_name(part, j, len(ref)) if many else "the result"
    others = ""
    if many and len(wrong) > 1:
        others = f" (also wrong: {', '.join(_array_name(part, k, len(ref)) for k in wrong[1:4])})"
    elif many:
        others = " (the others are right)"
    if o.shape != r.shape:
        return f"{name} has shape {o.shape}, expected {r.shape}{others}"
    if r.ndim == 0:
        return f"expected {float(r):.6g}, got {float(o):.6g}"
    with np.errstate(all="ignore"):
        d = np.abs(o - r)
    d = np.where(np.isnan(d), np.inf, d)
    at = tuple(int(v) for v in np.unravel_index(int(np.argmax(d)), d.shape))
    return (f"{name} (shape {r.shape}) is off by up to {float(d[at]):.3g}, at entry {at}: expected "
            f"{float(r[at]):.6g}, got {float(o[at]):.6g}{others}")


def _contract(part, info, cases, outputs):
    """The first CONTRACT mistake (the part's own, then the generic ones) some case breaches, or None."""
    for mk in [m for m in part.mistakes if m.kind is Kind.CONTRACT] + _generic.of_kind(Kind.CONTRACT):
        for i, (args, out) in enumerate(zip(cases, outputs)):
            try:
                with np.errstate(all="ignore"):
                    hit = bool(mk.test(part, copy.deepcopy(args), out))
            except Exception:
                hit = False
            if hit:
                return mk.say(**{**info, "i": i}, args=describe(part, args), shape=np.shape(out))
    return None


def _array_name(part, j, n):
    """The name of array j of a result: ``out_names[j]``; for a ``params`` result ``dWs[k]`` / ``dbs[k]``."""
    if part.kind == "params" and len(part.out_names) == 2:
        half = n // 2
        return f"{part.out_names[0]}[{j}]" if j < half else f"{part.out_names[1]}[{j - half}]"
    return part.out_names[j] if j < len(part.out_names) else f"array {j}"


def _read(part, info, outputs):
    """``(outputs as lists of arrays, None)``, or ``(None, message)`` for the first that cannot be read."""
    outs = []
    for out in outputs:
        try:
            outs.append(norm(part.kind, out))
        except Unreadable as exc:
            return None, _unreadable(part, info, out, str(exc))
    return outs, None


class Judged(NamedTuple):
    """What a judged part's PREDICATE and NAN mistakes get as ``ref``: every case, output and verdict, so a
    mistake seen on one case (a probe) can be named for the others that fail with it."""

    cases: list
    outs: list
    verdicts: list


def _judged(part, info, cases, outputs):
    """Diagnose a part with a ``judge`` (no single right answer): the judge, then its mistakes, then FIXED."""
    outs, message = _read(part, info, outputs)
    if message is not None:
        return message
    with np.errstate(all="ignore"):
        verdicts = [part.judge(copy.deepcopy(args), out) for args, out in zip(cases, outs)]
    failing = [i for i, v in enumerate(verdicts) if v is not None]
    if not failing:
        return None
    i0 = failing[0]
    info.update(i=i0, m=part.m_of(cases[i0]) if part.m_of else None, verdict=verdicts[i0])
    for mk in part.mistakes:
        seen = Judged(cases, outs, verdicts)
        if mk.kind in (Kind.PREDICATE, Kind.NAN) and all(_matches(mk, part, cases[i], seen, outs[i]) for i in failing):
            return mk.say(**info)
    for i in failing:
        if not finite(outs[i]):
            return _generic.BY_NAME["nan"].say(**{**info, "i": i}, args=describe(part, cases[i]))
    for i in failing:
        for j in range(len(cases)):
            if j != i and close(outs[i], outs[j]) and verdicts[j] is None:
                return _generic.BY_NAME["hard_coded"].say(**info, lo=min(i, j), hi=max(i, j))
    return f"{part.function} is not right on case {i0} ({describe(part, cases[i0])}): {verdicts[i0]}"


def _matches(mk, part, args, ref, out):
    """Does mistake ``mk`` (VARIANT, PREDICATE, NAN or FACTOR) explain the output of one case? Never raises."""
    try:
        with np.errstate(all="ignore"):
            args = copy.deepcopy(args)
            if mk.kind is Kind.VARIANT:
                return close(out, norm(part.kind, mk.test(*args)))
            if mk.kind is Kind.FACTOR:
                f = mk.test(args, part.m_of(args) if part.m_of else None)
                return f is not None and close(out, scaled(ref, f))
            return bool(mk.test(args, ref, out))
    except Exception:
        return False


def _shape(seen, info):
    """The SHAPE mistake of the first array, of the first failing case, whose shape is wrong (or None)."""
    part, i0 = seen.part, seen.failing[0]
    for j, (o, r) in enumerate(zip(seen.outs[i0], seen.refs[i0])):
        if o.shape != r.shape:
            what = (_array_name(part, j, len(seen.refs[i0])) if part.kind == "params"
                    else part.out_names[j] if part.kind == "arrays" and j < len(part.out_names) else "the result")
            for mk in _generic.of_kind(Kind.SHAPE):
                if mk.test(o, r, seen):
                    said = mk.say(**info, what=what, got=o.shape, want=r.shape, hint=part.transpose_hint,
                                  args=describe(part, seen.cases[i0]))
                    return Said(said.rstrip(), mk)
    return None


def _unreadable(part, info, out, what):
    for mk in _generic.of_kind(Kind.OUTPUT):
        if mk.test(out, part):
            return mk.say(**info, what=what, n=len(part.out_names), type_name=getattr(out, "type_name", ""),
                          why=getattr(out, "why", ""))
    raise AssertionError("not_numbers matches every output")


def _raised(part, info, i, exc, args):
    name, text = type(exc).__name__, str(exc)
    full = f"{name}: {text}" if text else name
    fields = dict(info, i=i, args=describe(part, args), full=full, text=text,
                  hint=f" {part.transpose_hint}" if part.transpose_hint else "", arg="an argument", where=text)
    place = watch.split_text(text) if name in (watch.CHANGED, watch.NOT_UPDATED) else None
    if place is not None:
        idx, inside, words = place
        base = part.args[idx] if idx < len(part.args) else f"argument {idx + 1}"
        fields.update(arg=base + inside, where=words)
    for mk in part.mistakes:  # a part's own words for what it raised (an input changed, say)
        if mk.kind is Kind.EXCEPTION:
            try:
                hit = mk.test(name, full)
            except Exception:
                hit = False
            if hit:
                return mk.say(**fields)
    for mk in _generic.of_kind(Kind.EXCEPTION):
        if mk.test(name, full):
            if mk is _generic.FLOAT_ERROR:  # a part may name its own: an overflow, or nan from inf / inf
                want = Kind.OVERFLOW if "overflow" in full else Kind.NAN if "invalid" in full else None
                own = [m for m in part.mistakes if want is not None and m.kind is want]
                if own:
                    return own[0].say(fn=part.function, i=i, m=None, names="")
            return mk.say(**fields)
    raise AssertionError("raised matches every exception")


# ---------------------------------------------------------------- run / check
def _call(part, fn, args):
    """``fn`` on a copy of one case, watched (:mod:`bpkit._grading.watch`): its result, or an exception
    instance for what it raised, a forbidden call, or an input it changed (or failed to update) in place."""
    work = copy.deepcopy(args)
    wire = _TRIPWIRE.of(part.forbidden)
    try:
        with wire:
            if part.strict_float:
                with np.errstate(over="raise", invalid="raise", divide="raise"):
                    out = fn(*work)
            else:
                out = fn(*work)
    except Exception as exc:
        out = exc
    if wire.hit is not None:
        return _RULE_ERRORS[watch.FORBIDDEN](wire.hit)
    if wire.tampered:
        return _RULE_ERRORS[watch.TAMPERED]("sys.setprofile")
    if isinstance(out, BaseException):
        return out
    problem = _INPUT_PROBLEM(args, work, part.updates)
    if problem is not None:
        return _RULE_ERRORS[problem[0]](problem[1])
    return out


def run(key, fn, seed=None):
    """Run ``fn`` on the cases of part ``key`` and return :func:`diagnose`'s verdict.

    Parameters
    ----------
    key : str
        ``"NN.K"``.
    fn : callable
        The learner's function.
    seed : int or None
        Seed of the random cases; None draws fresh ones.

    Returns
    -------
    str or None
        None when ``fn`` is right on every case, else the diagnosis.
    """
    part = PARTS.get(key) if isinstance(key, str) else None
    if part is None:
        return _unknown(key)
    if not callable(fn):
        return (f"check needs the function itself, e.g. check({key!r}, {part.function}); "
                f"got {type(fn).__name__}.")
    cases = part.make_cases(np.random.default_rng(seed))
    outputs = [_call(part, fn, args) for args in cases]
    return diagnose(key, cases, outputs)


def check(key, fn, seed=None):
    """Check a learner's function for exercise part ``key`` and print the verdict.

    Runs ``fn`` on the lesson's numbers and on fresh random inputs, prints
    ``"✓ <function> is correct (N cases)"`` or what is wrong, in words.

    Parameters
    ----------
    key : str
        ``"NN.K"``, e.g. ``"03.2"``.
    fn : callable
        The function you wrote.
    seed : int or None
        Seed of the random cases; None (the default) draws fresh ones each time.

    Returns
    -------
    bool
        True when every case is right.
    """
    msg = run(key, fn, seed)
    if msg is None:
        part = PARTS[key]
        n = len(part.make_cases(np.random.default_rng(0)))
        print(f"✓ {part.function} is correct ({n} cases)")
        return True
    section = lesson_section(key, msg)
    text = f"✗ {msg}"
    if section is None:
        print(text)
        return False
    title, href = section
    text += f"\n  Revisit {title}: {href}"
    from .._grading.lessons import follow_script  # lands the click that opens the lesson on the section
    if not _show_html(text, f"✗ {html.escape(str(msg))}<br>Revisit <a href=\"{html.escape(href)}\">"
                            f"{html.escape(title)}</a>{follow_script(href)}"):
        print(text)
    return False


def lesson_section(key, msg, base="../"):
    """``(title, relative link)`` of the lesson section that teaches what diagnosis ``msg`` names, or None.

    The link is relative to an exercise notebook (``../lessons/NN_topic.ipynb#Heading-text``); the
    sections are those of :mod:`bpkit._grading.lessons`, which the grader's records use too.
    """
    part = PARTS.get(key) if isinstance(key, str) else None
    if part is None or not msg:
        return None
    try:
        from .._grading.lessons import diagnosis_record, section_for
        record = diagnosis_record(part, msg)
        section = section_for(part.key, record["id"] if record else None)
        return section.title, section.link(base)
    except Exception:  # a missing section must never cost the learner the diagnosis itself
        return None


def _show_html(text, markup):
    """In a Jupyter kernel, show the verdict with a clickable link (plain text beside it); else False."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return False
    ip = get_ipython()
    if ip is None or not hasattr(ip, "kernel"):
        return False
    display({"text/plain": text, "text/html": f"<pre style=\"white-space: pre-wrap\">{markup}</pre>"}, raw=True)
    return True
