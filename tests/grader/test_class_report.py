"""bpkit-grade report: the class's named mistakes counted exactly, a page that opens offline, private feedback.

The counting test uses a generated class of 64 students x 8 exercises
(``planted_class.py``: real diagnoses, planted by a fixed plan); a small real
class is graded end to end once.
"""
from __future__ import annotations

import csv
import json
import re
import sys
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from bpkit import checks, grade
from bpkit._grading import class_report as cr
from bpkit._grading.lessons import LESSONS, MISTAKE_SECTIONS, PART_SECTIONS, Section, section_for

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
import planted_class as pc  # noqa: E402
import submissions as subs  # noqa: E402

N_STUDENTS = 64


@pytest.fixture(scope="module")
def planted():
    return pc.planted_mistakes()


@pytest.fixture(scope="module")
def class_dir(tmp_path_factory, planted):
    out = tmp_path_factory.mktemp("class")
    pc.write_class(out, pc.make_class(N_STUDENTS, planted))
    assert grade.main(["report", str(out), "--feedback"]) == 0
    return out


def _expected(planted):
    """From the plan alone: per part {outcome: count} and the number who submitted; and the travellers."""
    counts, submitted = defaultdict(Counter), Counter()
    travel = defaultdict(set)
    for nb in checks.NOTEBOOKS:
        for j, p in enumerate(checks.parts_for(nb)):
            for i in range(N_STUDENTS):
                submitted[p.key] += 1
                if (i, nb) in pc.INVALID:
                    counts[p.key]["refused or unreadable file"] += 1
                    continue
                what = pc.plan(i, j)
                if what in ("A", "B"):
                    ident = planted[p.key][what][1]["id"]
                    counts[p.key][ident] += 1
                    travel[(ident.split(":", 1)[1], pc.student_name(i))].add(nb)
                elif what == "stub":
                    counts[p.key]["not started"] += 1
                elif what == "timeout":
                    counts[p.key]["timeout"] += 1
    travellers = {k for k, nbs in travel.items() if len(nbs) >= 2}
    return counts, submitted, travellers


def _travel_plan(planted):
    """From the plan alone: (mistake name, student) -> exercises, for every planted named mistake."""
    out = defaultdict(set)
    for nb in checks.NOTEBOOKS:
        for j, p in enumerate(checks.parts_for(nb)):
            for i in range(N_STUDENTS):
                what = pc.plan(i, j)
                if (i, nb) not in pc.INVALID and what in ("A", "B"):
                    out[(planted[p.key][what][1]["id"].split(":", 1)[1], pc.student_name(i))].add(nb)
    return out


def _csv(class_dir):
    with open(class_dir / cr.CSV_NAME, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_counts_per_part_and_mistake_equal_the_planted_rates(class_dir, planted):
    counts, submitted, travellers = _expected(planted)
    rows = _csv(class_dir)
    got = defaultdict(Counter)
    for row in rows:
        if row["kind"] == "mistake":
            got[row["part"]][row["item"]] = int(row["count"])
            assert int(row["of"]) == submitted[row["part"]]
            assert row["percent"] == f"{100 * int(row['count']) / int(row['of']):.1f}"
    assert set(got) == set(checks.PARTS)
    assert got == counts
    # the planted rates themselves: 8 of 64 made A, 4 of 64 made B, 4 of 64 did not start, in every part
    for key in checks.PARTS:
        a, b = (planted[key][w][1]["id"] for w in "AB")
        assert (counts[key][a], counts[key][b], counts[key]["not started"]) == (8, 4, 4)
    passed = {r["part"]: int(r["count"]) for r in rows if r["kind"] == "part_passed"}
    assert passed == {k: submitted[k] - sum(c.values()) for k, c in counts.items()}
    got_travel = {(r["item"], r["detail"]) for r in rows if r["kind"] == "travel"}
    assert got_travel == travellers and ("sigma_for_sigma_prime", "student000") in got_travel
    # the analysis object agrees with its CSV
    report = cr.analyse(*reversed(cr.load_grades(class_dir)))
    assert {k: Counter({o: len(s) for o, s in st.outcomes.items()}) for k, st in report.parts.items()} == counts
    top = cr.top_mistakes(report, k=100)
    students = defaultdict(set)
    for (name, student), _nbs in _travel_plan(planted).items():
        students[name].add(student)
    assert {n: c for n, c, _ in top} == {n: len(s) for n, s in students.items()}
    assert [c for _, c, _ in top] == sorted((c for _, c, _ in top), reverse=True)
    ranked = report.parts["03.2"].ranked()
    assert [c for _, c, _ in ranked] == sorted((c for _, c, _ in ranked), reverse=True)


def test_follow_up_and_unscored_name_the_right_students(class_dir):
    rows = _csv(class_dir)
    follow = defaultdict(list)
    for r in rows:
        if r["kind"] == "follow_up":
            follow[r["item"]].append(r["detail"])
    stubs = {pc.student_name(i) for i in range(N_STUDENTS) if i % 16 == 3}
    timeouts = {pc.student_name(i) for i in range(N_STUDENTS) if i % 16 == 4}
    assert set(follow) == stubs | timeouts | {pc.student_name(7)}
    for s in stubs:
        assert sorted(follow[s]) == sorted(f"{nb}: no part attempted" for nb in checks.NOTEBOOKS)
    for s in timeouts:
        assert len(follow[s]) == len(checks.NOTEBOOKS) and all("timeout in part" in x for x in follow[s])
    assert any("refused or unreadable" in x for x in follow[pc.student_name(7)])
    unscored = [(r["item"], r["notebook"]) for r in rows if r["kind"] == "unscored"]
    assert unscored == [(pc.student_name(7), "01_cost")]


def test_csv_loads_in_pandas(class_dir):
    pd = pytest.importorskip("pandas", reason="pandas is not installed; the csv module reads the file above")
    df = pd.read_csv(class_dir / cr.CSV_NAME)
    assert list(df.columns) == list(cr.CSV_COLUMNS)
    mistakes = df[df.kind == "mistake"]
    assert int(mistakes["count"].sum()) == sum(sum(c.values()) for c in _expected(pc.planted_mistakes())[0].values())


def test_feedback_pages_hold_only_the_students_own_parts(class_dir, planted):
    pages = sorted((class_dir / cr.FEEDBACK_DIR).glob("*.html"))
    assert len(pages) == N_STUDENTS
    page = (class_dir / cr.FEEDBACK_DIR / "student000.html").read_text(encoding="utf-8")
    assert "student000" in page and not re.search(r"student0(?!00)\d\d", page)
    for key in checks.PARTS:
        message, record = planted[key]["A"]
        assert record["text"].replace("'", "&#x27;").split("…")[0][:40] in page
        if "case" in message:   # the grader's message names a secret case: the page says it in general words
            assert message.replace("'", "&#x27;") not in page
    assert "Mistakes you made more than once" in page and "sigma_for_sigma_prime" in page
    # the instructor's page names students; it is not a feedback page
    assert "student017" in (class_dir / cr.HTML_NAME).read_text(encoding="utf-8")


def _headings(lesson):
    nb = nbformat.read(str(ROOT / "lessons" / f"{lesson}.ipynb"), as_version=4)
    return {line.lstrip("#").strip() for c in nb.cells if c.cell_type == "markdown"
            for line in c.source.splitlines() if line.startswith("#")}


def test_every_lesson_link_names_a_heading_of_its_lesson():
    for key, section in PART_SECTIONS.items():  # a heading of the part's lesson, or (lesson, heading) elsewhere
        lesson, heading = section if isinstance(section, tuple) else (LESSONS[key[:2]], section)
        assert heading in _headings(lesson), (key, heading)
        assert section_for(key) == Section(lesson, heading), key
    for ident, (lesson, heading) in MISTAKE_SECTIONS.items():
        assert heading in _headings(lesson), (ident, heading)
    written = {p.name[:2] for p in (ROOT / "lessons").glob("[0-9][0-9]_*.ipynb")}
    for key in checks.PARTS:  # every part of an exercise whose lesson is written links to that lesson
        if key[:2] in written:
            assert (ROOT / section_for(key).link().split("#")[0]).is_file(), key


def test_report_refuses_a_folder_without_grades(tmp_path, capsys):
    (tmp_path / "grades.shard-1-of-2.json").write_text("{}")
    assert grade.main(["report", str(tmp_path)]) == 2
    assert "bpkit-grade merge" in capsys.readouterr().err


def _brightness(png):
    from io import BytesIO

    import matplotlib.image as mpimg

    img = mpimg.imread(BytesIO(png), format="png")[..., :3]
    return float(img.mean()), float(img.std())


@pytest.mark.slow
@pytest.mark.browser
def test_report_opens_in_chromium_offline_without_errors(class_dir):
    sys.path.insert(0, str(ROOT / "tests" / "browser"))
    import _lab

    reason = _lab.browser_unavailable()
    if reason:
        pytest.skip(f"browser check skipped: {reason}")
    url = (class_dir / cr.HTML_NAME).resolve().as_uri()

    def screenshots():
        # Playwright's sync API refuses to start in a thread whose asyncio loop is running, and a
        # session fixture of the browser tests (tests/browser/conftest.py: chromium) keeps one
        # running in the main thread for the rest of a full run; a worker thread has no loop
        from playwright.sync_api import sync_playwright

        shots = {}
        with sync_playwright() as p:
            browser = _lab.launch_chromium(p)
            try:
                for scheme in ("light", "dark"):
                    page = browser.new_page(color_scheme=scheme, viewport={"width": 1100, "height": 900})
                    errors, requests = [], []
                    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                    page.on("pageerror", lambda exc: errors.append(str(exc)))
                    page.on("request", lambda r: requests.append(r.url))
                    page.goto(url, wait_until="load")
                    assert errors == [], errors
                    assert requests == [url], requests   # the page itself and nothing else
                    assert page.locator("svg").count() == len(checks.NOTEBOOKS) + len(checks.PARTS)
                    assert page.locator("section.part").count() == len(checks.PARTS)
                    shots[scheme] = page.screenshot(full_page=False)
                    page.emulate_media(media="print")
                    assert page.evaluate("getComputedStyle(document.querySelector('nav')).display") == "none"
                    page.close()
            finally:
                browser.close()
        return shots

    with ThreadPoolExecutor(max_workers=1) as pool:
        shots = pool.submit(screenshots).result()
    light, dark = _brightness(shots["light"]), _brightness(shots["dark"])
    assert light[1] > 0.02 and dark[1] > 0.02, (light, dark)    # not blank: text, bars, tables
    assert light[0] > dark[0] + 0.3, (light, dark)              # the dark theme is dark


# ------------------------------------------------------------------ a small real class, graded end to end
REAL = ["correct", "sigma_for_prime", "z_for_a", "naive_sigmoid", "renamed", "invalid_json", "calls_reference"]


@pytest.mark.slow
def test_a_real_graded_class_reports_its_named_mistakes(tmp_path):
    folder = tmp_path / "submitted"
    subs.write_submissions(ROOT / "exercises", folder, names=REAL)
    stub = folder / "stubby" / "01_cost.ipynb"   # handed in as received: nothing attempted
    stub.parent.mkdir()
    stub.write_bytes((ROOT / "exercises" / "01_cost_exercise.ipynb").read_bytes())
    out = tmp_path / "grades"
    assert grade.main([str(folder), "--out", str(out), "--seed", "7", "--jobs", "2", "--quiet"]) == 0
    doc = json.loads((out / "grades.json").read_text())
    diag = {(s["student"], p["part"]): (p["diagnosis"] or {}).get("id") for s in doc["submissions"] for p in s["parts"]}
    assert diag[("sigma_for_prime", "03.2")] == "03.2:sigma_for_sigma_prime"
    assert diag[("z_for_a", "03.2")] == "03.2:z_prime"
    assert diag[("naive_sigmoid", "03.1")] == "03.1:overflow"
    assert diag[("stubby", "01.1")] == diag[("stubby", "01.2")] == "*:not_written"
    assert grade.main(["report", str(out)]) == 0
    rows = _csv(out)
    m = {(r["part"], r["item"]): (int(r["count"]), int(r["of"])) for r in rows if r["kind"] == "mistake"}
    assert m == {("03.1", "03.1:overflow"): (1, 7), ("03.1", "refused or unreadable file"): (1, 7),
                 ("03.2", "03.2:sigma_for_sigma_prime"): (1, 7), ("03.2", "03.2:z_prime"): (1, 7),
                 ("03.2", "function missing"): (1, 7), ("03.2", "called the function it should write"): (1, 7),
                 ("03.2", "refused or unreadable file"): (1, 7),
                 **{(p.key, "refused or unreadable file"): (1, 7) for p in subs.LATER_PARTS},
                 **{(p.key, "not started"): (1, 1) for p in checks.parts_for("01_cost")}}
    follow = {(r["item"], r["detail"].split(":")[0]) for r in rows if r["kind"] == "follow_up"}
    assert follow == {("stubby", "01_cost"), ("invalid_json", "03_sigmoid_derivative"),
                      ("calls_reference", "03_sigmoid_derivative")}
    page = (out / cr.HTML_NAME).read_text(encoding="utf-8")
    assert "lessons/03_sigmoid_derivative.ipynb#cell-id=cell-14" in page   # "5. A sigmoid that does not overflow"


def test_a_diagnosis_remembers_its_mistake_and_travels_as_plain_text():
    import pickle

    import numpy as np

    from bpkit import sigmoid
    from bpkit._grading.lessons import diagnosis_record

    part = checks.PARTS["03.2"]
    cases = part.make_cases(np.random.default_rng(3))
    said = checks.diagnose("03.2", cases, [sigmoid(*args) for args in cases])
    record = diagnosis_record(part, said)
    assert record["id"] == "03.2:sigma_for_sigma_prime" and "…" not in record["text"]
    assert record["lesson"].startswith("lessons/03_sigmoid_derivative.ipynb#")
    back = pickle.loads(pickle.dumps(said))
    assert back == said and type(back) is str
    assert diagnosis_record(part, back) is None and diagnosis_record(part, None) is None
