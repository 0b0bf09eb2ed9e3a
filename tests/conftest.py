"""Fixtures shared by every folder of tests/ (one place), and one BLAS thread for the run.

**One BLAS thread.** On the course's 2-core machines, OpenBLAS starting threads for a
product that other work already competes with makes it many times slower (exercise 8's
comment on layer widths says the same). The benchmarks run with one thread
(benchmarks/_common.py); so do the tests, and the notebook kernels they start inherit
it. Set OPENBLAS_NUM_THREADS (or the others) yourself to override.

**Digit networks trained once.** Exercise 8, part 3 (``train_digits``) trains a network
on the 8,000 training digits, a few seconds a run on an idle core and much longer on a busy
one. Its cases are a fixed lesson case and a secret case drawn from a seed, and the
trainers are deterministic, so :func:`digit_trainings` keeps every result it has computed
for the whole session: a test that needs the solution's (or the reference's) networks for
a case it has seen gets a copy, not a second training.

**Two workers.** ``course.py test`` runs the suite on two pytest-xdist workers (when xdist is
installed) with ``--dist loadgroup``. :func:`share_groups` keeps together, on one worker, the
tests that share an expensive fixture (a module's graded batch, the browser's JupyterLab, the
digit trainings) and the cells of one notebook (nbval runs them in one kernel, in order), so
that nothing is set up twice and no notebook is split; every other test goes wherever a worker
is free.
"""
import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import copy  # noqa: E402
import functools  # noqa: E402
import hashlib  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def _fingerprint(value):
    """A hashable stand-in for one argument of ``train_digits`` (arrays by shape, dtype and bytes)."""
    if isinstance(value, np.ndarray):
        data = np.ascontiguousarray(value)
        return ("array", data.shape, data.dtype.str, hashlib.blake2b(data.tobytes(), digest_size=16).hexdigest())
    if isinstance(value, (list, tuple)):
        return (type(value).__name__,) + tuple(_fingerprint(v) for v in value)
    return (type(value).__name__, repr(value))


class DigitTrainings:
    """Results of deterministic digit trainers, kept for the session, keyed by trainer and arguments."""

    def __init__(self):
        self._results = {}
        self.trained = 0   # trainings really run (the rest were copies)

    def wrap(self, fn, label):
        """``fn`` (same name and signature) that trains once per distinct arguments and then hands out copies.

        ``label`` names the trainer (``"solution"``, ``"reference"``): two function objects made from the
        same source, e.g. the solution notebook's cells executed by two test files, share their results.
        Only for trainers that depend on nothing but their arguments.
        """
        @functools.wraps(fn)
        def trained(*args):
            key = (label, getattr(fn, "__name__", ""), _fingerprint(args))
            if key not in self._results:
                self._results[key] = fn(*copy.deepcopy(args))
                self.trained += 1
            return copy.deepcopy(self._results[key])

        return trained


_DIGIT_TRAININGS = DigitTrainings()


@pytest.fixture(scope="session")
def digit_trainings():
    """The session's :class:`DigitTrainings` (exercise 8.3's networks, trained once each)."""
    return _DIGIT_TRAININGS


# notebooks under tests/ are fixtures (browser harness, grading), not lessons for nbval
collect_ignore_glob = ["*.ipynb"]

# whole files that run notebooks in kernels (beside the lessons' own nbval cells)
NOTEBOOK_FILES = {"test_exercise_notebooks.py", "test_lesson_figures.py"}

# the slowest tests left in the fast tier, marked slow here so that the tier stays short; each took
# 7-80 s on the shared 2-core machine (at about a third of a core: 2.5-25 s of CPU), every parameter
SLOW_TESTS = {
    "test_diagnoses_seeds.py::test_each_planted_mistake_gets_its_own_diagnosis_on_every_seed",
    "test_diagnoses_seeds.py::test_a_backward_loop_stopping_one_layer_early_is_named_whatever_the_first_layer_holds",
    "test_grade_sandbox.py::test_sandbox_required_without_bwrap_refuses_and_auto_says_so_once",
    "test_boundary_deep.py::test_epsilon_panel_passes_max_evaluations_through",
    "test_checks_exercise_8.py::test_init_statistics_accept_right_draws_on_many_seeds",
    "test_checks_exercise_8.py::test_no_backprop_diagnosis_depends_on_the_secret_seed",
    "test_checks_exercise_8.py::test_init_diagnosis_does_not_depend_on_the_seed",
    "test_toys_sweeps.py::test_lambda_grid_equals_the_batched_trainer_it_replaced",
    "test_optim.py::test_fast_kernel_equals_readable_sgd",
    # the fast tier's largest in-process CPU (a two-worker run on 2026-12-05, 292 s of CPU in all): each
    # 5-20 s, the panels' full renders and blit comparisons, the catalogue's count, nbgrader's term draws
    "test_widgets_lessons_4_7.py::test_epsilon_panel",
    "test_widgets_lessons_4_7.py::test_descent_panel",
    "test_boundary_classes.py::test_one_good_call_builds_the_panel_without_ipympl",
    "test_panels.py::test_panel_builds_and_displays_as_its_widget",
    "test_panels.py::test_every_panel_factory_is_listed",
    "test_mistake_catalogue.py::test_count_of_the_catalogue",
    "test_blit.py::test_blitted_frame_equals_a_full_redraw",
    "test_blit.py::test_blitted_frame_matches_a_plain_render",
    "test_blit.py::test_first_slider_moves_are_blitted",
    "test_reopen_lessons.py::test_every_panel_says_when_its_kernel_is_gone",
    "test_diagnoses_seeds.py::test_a_fixed_step_is_named_on_every_seed",
    "test_nbgrader.py::test_different_terms_draw_different_hidden_cases",
    "test_widgets_lessons_1_3.py::test_nudge_every_slider_edits_net_in_place_and_cost_matches",
    # then, to keep the tier under two minutes on two workers (115.7 s of pytest before): 3-5 s each
    "test_widgets_lessons_4_7.py::test_delta_panel_steps",
    "test_widgets_lessons_4_7.py::test_lambda_panel",
    "test_diagnoses_seeds.py::test_the_right_answers_still_pass_on_every_seed",
    "test_section_links.py::test_an_html_export_has_the_same_anchors",
    "test_graph_panel.py::test_kept_pixels_draw_what_matplotlib_draws",
    "test_ex09.py::test_bpkit_grade_gives_the_model_answer_full_marks",
    "test_ex07_ex08_derive.py::test_bpkit_grade_agrees_with_nbgraders_route_on_exercise_7",
    "test_checks_exercise_8.py::test_wrong_training_gets_its_diagnosis",
    "test_course_command.py::test_working_in_the_workspace_leaves_git_status_clean",
}


@pytest.hookimpl(tryfirst=True)  # before xdist reads the xdist_group marks (it does so in this hook too)
def pytest_collection_modifyitems(config, items):
    """Marks that make the day-to-day tier: ``-m "not slow and not browser and not notebook"``.

    * ``notebook``: a lesson cell run by nbval, and the tests that execute whole notebooks;
    * ``slow``: every test that trains the digits (it uses :func:`digit_trainings`), those in
      :data:`SLOW_TESTS`, besides those marked ``slow`` in their own files;
    * ``xdist_group``: see :func:`share_groups`.
    """
    for item in items:
        if item.path.suffix == ".ipynb" or item.path.name in NOTEBOOK_FILES:
            item.add_marker(pytest.mark.notebook)
        if "digit_trainings" in getattr(item, "fixturenames", ()) or \
                f"{item.path.name}::{getattr(item, 'originalname', item.name)}" in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)
    for item, group in share_groups(items).items():
        item.add_marker(pytest.mark.xdist_group(group))


def pytest_collection_finish(session):
    """On an xdist worker under ``--dist loadgroup``: refuse to run when the groups did not take.

    pytest-xdist passes a test's group to its scheduler by appending ``@group`` to the node id;
    from pytest 9.2 on that no longer changes the id (pytest-xdist issue 1386), the groups are
    silently ignored, and a notebook's cells run in two kernels (every lesson then fails with
    ``NameError``). pyproject.toml keeps pytest below 9.2 for this; this check says so if that
    pin is lifted before xdist is fixed."""
    if getattr(session.config.option, "loadgroup", False):  # set on the workers only
        lost = ungrouped(session.items)
        if lost:
            raise pytest.UsageError(
                f"--dist loadgroup: {len(lost)} grouped tests kept their plain node id (e.g. {lost[0]}), so "
                "pytest-xdist would split their groups across workers (pytest-xdist issue 1386, pytest 9.2 "
                "and later). Run with pytest<9.2 (pyproject.toml's test extra) or without -n.")


def ungrouped(items):
    """Node ids of ``items`` that carry an ``xdist_group`` mark but not its ``@group`` suffix."""
    return [item.nodeid for item in items
            if item.get_closest_marker("xdist_group") and "@" not in item.nodeid.rsplit("]", 1)[-1]]


def _shared_things(item):
    """What ``item`` shares with other tests: the fixtures of its own (not pytest's) above function scope,
    its notebook when it is a notebook's cell, the browser session when it is marked browser."""
    things = []
    if item.path.suffix == ".ipynb":
        things.append(("notebook", str(item.path)))
    if item.get_closest_marker("browser"):
        things.append(("browser", ""))
    info = getattr(item, "_fixtureinfo", None)
    for name, defs in (info.name2fixturedefs.items() if info else ()):
        fixturedef = defs[-1]
        if fixturedef.scope == "function" or not _defined_in_tests(fixturedef):
            continue
        if fixturedef.scope == "session":
            things.append(("session", name))
        else:  # module, class or package: one instance per module is what pytest makes at most
            things.append((fixturedef.scope, f"{item.path}::{name}"))
    return things


def _defined_in_tests(fixturedef):
    func = getattr(fixturedef, "func", None)
    module = getattr(func, "__module__", "") or ""
    return not module.startswith(("_pytest", "pytest", "xdist", "hypothesis", "nbval"))


def share_groups(items):
    """``{item: group name}`` for the tests that must share a worker; the rest are left out (free).

    Tests are joined when they share one of :func:`_shared_things` (a union-find over those), so a
    test using two module fixtures pulls both fixtures' tests into one group. A group is named after
    the first file it holds ("browser" for the browser's), the same on every worker; two groups that
    get one name are run as one, which costs balance only.
    """
    parent = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    shared = {}
    for item in items:
        things = _shared_things(item)
        if things:
            shared[item] = things
            for thing in things[1:]:
                parent[find(thing)] = find(things[0])
    members = {}
    for item, things in shared.items():
        members.setdefault(find(things[0]), []).append(item)
    groups = {}
    for root, its in members.items():
        name = "browser" if any(t[0] == "browser" for it in its for t in shared[it]) else its[0].path.name
        for item in its:
            groups[item] = name
    return groups
