"""Exercises 7 and 8 make the learner derive (issue 21, items 1 and 2).

* Each has a transfer part (07.4 the complex step, 08.5 ELU's backward pass) and a predict-then-run
  part (07.5 how many calls of J an estimate takes, 08.4 which layers a planted bug changes), each
  prediction followed by a run cell and a folded explanation.
* Nothing a graded part needs stands in its prompt, hints, docstring or an unfolded cell of the
  exercise, and the new parts' rules stand in no lesson.
* The references are right (central differences; the rule of the prediction against the core's
  backward pass), the hidden cases change with the term seed, and the hidden test cells (nbgrader's
  route) pass the model answers and refuse wrong ones with the checks' words, as bpkit-grade does
  (exercise 7, whose grading needs no training).

The catalogue of wrong implementations of the new parts is in ``test_mistake_catalogue.py``.
"""
from __future__ import annotations

import pathlib
import re

import nbformat
import numpy as np
import pytest

import bpkit
from bpkit import checks
from bpkit.checks import PARTS, ex07, ex08_derive, run, term_seed

ROOT = pathlib.Path(__file__).resolve().parents[2]
NOTEBOOKS = {"07": "07_gradient_checking", "08": "08_deep_networks"}
NEW = {"07.4": "transfer", "07.5": "predict", "08.4": "predict", "08.5": "transfer"}

# what the solution computes, per part: none of it may stand in the exercise a learner reads
SOLUTION_LINES = {
    "07.1": ["theta[j] = old + eps", "(plus - minus) / (2 * eps)", "2\\varepsilon}", "np.ndindex", "e_j) - f("],
    "07.2": ["np.linalg.norm(a - b)", "norm(a + b)", "\\lVert a - b", "\\lVert a + b", "||a + b||"],
    "07.3": ["params[:k]", "params[k + 1:]", "relative_error(g, n)", ">= bpkit.gradcheck.TOLERANCE"],
    "07.4": ["np.imag", ".imag", "1j * h", "dtype=complex", "Im f", "\\mathrm{Im}", "/ h"],
    "07.5": ["(s_in + 1) * s_out", "2 * n", "n + 1", "47,720", "47720", "23,860", "23860"],
    "08.1": ["np.sqrt(6)", "sqrt(6 /", "\\sqrt6", "\\sqrt{6}", "2 / s_l", "2/s_l", "np.sqrt(2"],
    "08.2": ["a * (1 - a)", "1 - a**2", "1 - a ** 2", "(a > 0)", "a[-1] - Y", "a(L) - y", "@ Ws[k].T", ".T @ delta", "sum(axis=0)"],
    "08.3": ["rng.permutation(m)", "-= lr *", "order[start", "range(0, m, batch_size)"],
    "08.4": ["range(layer - 1)", "range(depth)", "return [layer - 1]"],
    "08.5": ["a + alpha", "a[k] + alpha", "alpha * np.exp(z)", "\\alpha e^", "alpha e^z", "alpha * e^z"],
}


def cells(nb_name, kind):
    path = ROOT / ("exercises" if kind == "exercise" else "solutions") / f"{nb_name}_{kind}.ipynb"
    return nbformat.read(path, as_version=4).cells


def gid(cell):
    return cell.metadata["nbgrader"]["grade_id"]


def folded_removed(text):
    """The text a learner sees before opening anything: every <details> block taken out."""
    return re.sub(r"<details>.*?</details>", "", text, flags=re.S)


# ------------------------------------------------------------------ the registry
def test_each_exercise_has_a_transfer_and_a_prediction_part():
    for number, nb_name in NOTEBOOKS.items():
        keys = [p.key for p in checks.parts_for(nb_name)]
        assert keys == [f"{number}.{k}" for k in range(1, 6)], keys
    assert [PARTS[k].function for k in NEW] == ["complex_step_gradient", "evaluations", "changed_by_bug",
                                                "backprop_elu"]
    for key, role in NEW.items():
        assert len(PARTS[key].mistakes) >= 8, key
        if role == "predict":
            assert PARTS[key].kind in ("scalar", "indices"), key  # a value the checks grade


def test_each_prediction_is_followed_by_a_run_cell_and_a_folded_explanation():
    for key in ("07.5", "08.4"):
        k = key[-1]
        ids = [gid(c) for c in cells(NOTEBOOKS[key[:2]], "solution")]
        i = ids.index(f"part{k}_tests")
        assert ids[i + 1:i + 3] == [f"part{k}_run", f"part{k}_explain"], ids[i:i + 3]
        explain = cells(NOTEBOOKS[key[:2]], "solution")[i + 2]
        assert explain.cell_type == "markdown" and explain.source.startswith("<details><summary>Why")
        prompt = next(c for c in cells(NOTEBOOKS[key[:2]], "solution") if gid(c) == f"part{k}_prompt")
        assert "**Before you run anything**" in prompt.source


# ------------------------------------------------------------------ nothing verbatim
@pytest.mark.parametrize("number", sorted(NOTEBOOKS))
def test_no_prompt_hint_docstring_or_unfolded_cell_holds_a_solution_line(number):
    """What the learner reads of the exercise (every cell but the folded explanations after a prediction, which
    are read after answering) holds none of the solution's lines; the prompts and hints are in words."""
    text = "\n".join(c.source for c in cells(NOTEBOOKS[number], "exercise") if not gid(c).endswith("_explain"))
    found = [(key, needle) for key, needles in SOLUTION_LINES.items() if key.startswith(number)
             for needle in needles if needle in text]
    assert found == [], found


@pytest.mark.parametrize("number", sorted(NOTEBOOKS))
def test_hints_are_folded_stepwise_and_hold_no_code(number):
    predictions = {key[-1] for key, role in NEW.items() if role == "predict" and key.startswith(number)}
    for cell in cells(NOTEBOOKS[number], "exercise"):
        if not re.fullmatch(r"part\d_prompt", gid(cell)) or gid(cell)[4] in predictions:
            continue  # a prediction has no hints: its explanation is folded after the run
        hints = re.findall(r"<details><summary>(.*?)</summary>(.*?)</details>", cell.source, flags=re.S)
        titles = [t for t, _ in hints]
        assert titles and titles[0] == "Hint 1: the idea", (gid(cell), titles)
        assert all(t.startswith(f"Hint {i}") for i, t in enumerate(titles, start=1)), titles
        for _, body in hints:
            assert "```" not in body and not re.search(r"`[^`]*[(=\[][^`]*`", body), (gid(cell), body)
        assert "<details>" not in folded_removed(cell.source)


def test_no_lesson_shows_the_new_parts():
    """The complex step, ELU and its slope are in no lesson (so the transfer parts are derived)."""
    text = "\n".join(c.source for p in sorted((ROOT / "lessons").glob("*.ipynb"))
                     for c in nbformat.read(p, as_version=4).cells)
    for needle in ("np.imag", ".imag", "1j", "complex step", "expm1", "ELU", "a + alpha", "\\alpha e^"):
        assert needle not in text, needle
    assert not re.search(r"\belu\(", text)


# ------------------------------------------------------------------ the references
def test_the_complex_step_reference_agrees_with_central_differences():
    for seed in range(4):
        for f, theta, h in PARTS["07.4"].make_cases(np.random.default_rng(seed)):
            work = [np.array(theta, dtype=float)]
            numeric = bpkit.numerical_gradient(lambda: float(np.real(f(work[0]))), work, 1e-6)[0]
            got = ex07.complex_step_gradient(f, theta, h)
            assert not np.iscomplexobj(got) and got.shape == np.shape(theta)
            np.testing.assert_allclose(got, numeric, rtol=1e-6 if h < 1e-4 else 2e-3, atol=1e-8 if h < 1e-4 else 2e-3)


def test_the_complex_step_works_where_central_differences_cannot():
    """At h = 1e-20 (a case of every seed) theta + h == theta: central differences read 0, the complex step is
    exact to rounding."""
    f, theta, h = PARTS["07.4"].make_cases(np.random.default_rng(3))[0]
    assert h == 1e-20 and np.all(theta + h == theta)
    assert not np.any(ex07._real_differences(f, theta, h))
    exact = ex07.complex_step_gradient(f, theta, 1e-30)
    np.testing.assert_allclose(ex07.complex_step_gradient(f, theta, h), exact, rtol=1e-14, atol=1e-15)


def elu_cost(X, Y, Ws, bs, alpha):
    a = X
    for l, (W, b) in enumerate(zip(Ws, bs)):
        z = a @ W + b
        a = bpkit.sigmoid(z) if l == len(Ws) - 1 else np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0)))
    return -np.mean(np.sum(Y * np.log(a) + (1 - Y) * np.log(1 - a), axis=1))


def test_the_elu_reference_is_the_gradient_of_the_cost():
    for seed in range(3):
        for X, Y, Ws, bs, alpha in PARTS["08.5"].make_cases(np.random.default_rng(seed)):
            params = [np.array(p, dtype=float) for p in list(Ws) + list(bs)]
            L = len(Ws)
            numeric = bpkit.numerical_gradient(lambda: elu_cost(X, Y, params[:L], params[L:], alpha), params, 1e-6)
            dWs, dbs = ex08_derive.backprop_elu(X, Y, Ws, bs, alpha)
            for got, want in zip(dWs + dbs, numeric):
                assert bpkit.relative_error(got, want) < 1e-6
            # the core's recursion through the stand-in network gives the same with the right slope
            right = ex08_derive.elu_planted(X, Y, Ws, bs, alpha, ex08_derive._neg(alpha, lambda z, a, al: a + al))
            for got, want in zip(right[0] + right[1], dWs + dbs):
                np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-13)


def test_the_elu_cases_have_units_on_both_sides_of_zero():
    for X, Y, Ws, bs, alpha in PARTS["08.5"].make_cases(np.random.default_rng(5)):
        assert alpha != 1.0 and len(Ws) >= 3
        a = X
        for W, b in zip(Ws[:-1], bs[:-1]):
            z = a @ W + b
            assert 0.1 < np.mean(z < 0) < 0.9
            a = np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0)))


def test_the_prediction_of_08_4_is_what_the_core_computes():
    """The reference (the core's backprop against a bug planted at one layer) is the rule the explanation gives."""
    for depth in range(2, 6):
        for layer in range(1, depth + 1):
            if layer >= 2:
                assert ex08_derive.changed_by_bug("slope", depth, layer) == list(range(layer - 1))
            assert ex08_derive.changed_by_bug("bias_forward", depth, layer) == list(range(depth))
            assert ex08_derive.changed_by_bug("one_over_m", depth, layer) == [layer - 1]


def test_the_prediction_of_07_5_counts_the_calls_of_the_core():
    """Central differences as the core makes them call J twice per weight and bias."""
    sizes = [3, 4, 2]
    net = bpkit.Network(sizes, seed=1)
    X, Y = np.ones((2, 3)), np.full((2, 2), 0.5)
    calls = []
    bpkit.numerical_gradient(lambda: calls.append(1) or bpkit.cost(net, X, Y), net.weights + net.biases)
    assert len(calls) == ex07.evaluations("central", sizes) == 2 * ex07.n_params(sizes) == 52
    assert ex07.evaluations("one_sided", [784, 30, 10]) == 23_861
    assert ex07.evaluations("complex_step", [784, 30, 10]) == 23_860


# ------------------------------------------------------------------ cases, seeds, routes
@pytest.mark.parametrize("key", sorted(NEW))
def test_hidden_cases_vary_with_the_term_seed(key):
    part_seed = int(f"1{key.replace('.', '')}")
    draws = [PARTS[key].make_cases(np.random.default_rng(term_seed(part_seed, term))) for term in (1, 2, 3)]
    for i in range(3):
        for j in range(i + 1, 3):
            assert checks.diagnose(key, draws[i], [PARTS[key].reference(*c) for c in draws[j]]) is not None


@pytest.mark.parametrize("key", sorted(NEW))
def test_new_parts_run_in_well_under_a_second(key):
    """Their cases are tiny: making and checking them costs no more than a few calls of the reference (counted,
    not timed: the number of cases and the sizes of their arrays)."""
    cases = PARTS[key].make_cases(np.random.default_rng(0))
    assert len(cases) <= 10
    for case in cases:
        arrays = [a for a in case if isinstance(a, np.ndarray)] + \
            [a for x in case if isinstance(x, list) for a in x if isinstance(a, np.ndarray)]
        assert all(a.size <= 100 for a in arrays)


def solution_sources(nb_name):
    return {gid(c): c.source for c in cells(nb_name, "solution")}


WRONG_CODE = {
    "07.4": "def complex_step_gradient(f, theta, h):\n"
            "    g = np.zeros(theta.shape)\n"
            "    for j in np.ndindex(theta.shape):\n"
            "        t = theta.astype(complex)\n"
            "        t[j] += 1j * h\n"
            "        g[j] = f(t).imag / (2 * h)\n"
            "    return g\n",
    "07.5": "def evaluations(method, sizes):\n"
            "    n = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))\n"
            "    return {'central': 2 * n, 'one_sided': n + 1, 'complex_step': n}[method]\n",
    "08.4": "def changed_by_bug(bug, depth, layer):\n"
            "    return [layer - 1] if bug == 'one_over_m' else list(range(layer - 1, depth))\n",
    "08.5": "def backprop_elu(X, Y, Ws, bs, alpha):\n"
            "    return backprop_deep(X, Y, Ws, bs, 'relu')\n",
}
WORDS = {"07.4": "divided by 2h", "07.5": "weights only", "08.4": "from the output down to the input",
         "08.5": "gradient of a ReLU network"}


@pytest.mark.parametrize("key", sorted(NEW))
def test_nbgraders_route_passes_the_model_and_refuses_wrong_code_with_the_checks_words(key):
    """The hidden test cell, run as nbgrader runs it (in the notebook's namespace), after the solution's code
    or after wrong code."""
    nb_name = NOTEBOOKS[key[:2]]
    src = solution_sources(nb_name)
    k = key[-1]
    for wrong in (False, True):
        ns = {"np": np, "bpkit": bpkit}
        for cell_id in sorted(i for i in src if i.endswith("_code")):
            if cell_id == "part3_code" and key.startswith("08"):
                continue  # training the digits is not needed here
            exec(compile(WRONG_CODE[key] if wrong and cell_id == f"part{k}_code" else src[cell_id], cell_id, "exec"),
                 ns)
        if wrong:
            with pytest.raises(AssertionError, match=re.escape(WORDS[key])):
                exec(compile(src[f"part{k}_tests"], f"part{k}_tests", "exec"), ns)
        else:
            exec(compile(src[f"part{k}_tests"], f"part{k}_tests", "exec"), ns)
            assert run(key, ns[PARTS[key].function], seed=77) is None


# ------------------------------------------------------------------ bpkit-grade agrees (exercise 7: no training)
def submission(nb_name, changes):
    """The exercise with the solution's code pasted in, then some parts' code replaced by ``changes``."""
    ex = nbformat.read(ROOT / "exercises" / f"{nb_name}_exercise.ipynb", as_version=4)
    src = solution_sources(nb_name)
    for cell in ex.cells:
        if cell.metadata["nbgrader"]["solution"]:
            cell.source = changes.get(gid(cell)) or "\n".join(l for l in src[gid(cell)].splitlines() if "### " not in l)
    return ex


def test_bpkit_grade_agrees_with_nbgraders_route_on_exercise_7(tmp_path):
    from bpkit import grade

    nb_name = NOTEBOOKS["07"]
    wrong = {f"part{k[-1]}_code": WRONG_CODE[k] for k in ("07.4", "07.5")}
    for student, changes in (("model", {}), ("wrong", wrong)):
        (tmp_path / student).mkdir()
        nbformat.write(submission(nb_name, changes), str(tmp_path / student / f"{nb_name}.ipynb"))
    cfg = grade.GradeConfig(str(ROOT / "solutions"), seed=707, timeout=60)
    graded = {r["student"]: {p["part"]: p for p in r["parts"]} for r in grade.grade_paths([tmp_path], cfg, jobs=1)}
    assert {k: p["points"] for k, p in graded["model"].items()} == {p.key: p.points for p in checks.parts_for(nb_name)}
    for key in ("07.4", "07.5"):
        assert graded["wrong"][key]["points"] == 0 and WORDS[key] in graded["wrong"][key]["message"], graded["wrong"][key]
    assert all(graded["wrong"][k]["points"] > 0 for k in ("07.1", "07.2", "07.3"))
