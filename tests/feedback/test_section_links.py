"""Every diagnosis link opens its lesson at the cell that starts the section it names (issue 21).

The links are ``lessons/NN_topic.ipynb#cell-id=<id>`` (``bpkit._grading.lessons``: the
headings in ``PART_SECTIONS``/``MISTAKE_SECTIONS``, the cell of each in ``SECTION_CELLS``).
A renamed heading, a heading moved out of its cell, or a changed cell id fails here.
That a click lands there in JupyterLab is ``tests/browser/test_exercise_links.py``.
"""
import functools
import html.parser
import json
import pathlib
import re

import nbformat
import pytest

from bpkit import checks
from bpkit._grading import lessons
from bpkit._grading.lessons import LESSONS, MISTAKE_SECTIONS, PART_SECTIONS, SECTION_CELLS, Section, section_for

ROOT = pathlib.Path(__file__).resolve().parents[2]


@functools.lru_cache(maxsize=None)
def _notebook(lesson):
    return nbformat.read(str(ROOT / "lessons" / f"{lesson}.ipynb"), as_version=4)


def _opening_heading(lesson, cell_id):
    """The heading the lesson's Markdown cell ``cell_id`` opens with, or why there is none."""
    cells = [c for c in _notebook(lesson).cells if c.get("id") == cell_id]
    if not cells:
        return f"no cell with id {cell_id!r}"
    if cells[0].cell_type != "markdown":
        return f"cell {cell_id!r} is a {cells[0].cell_type} cell"
    first = cells[0].source.lstrip().split("\n", 1)[0]
    return re.sub(r"^#{1,6}\s+", "", first).strip() if re.match(r"#{1,6}\s", first) else f"{first[:40]!r}…"


def _linked():
    """Every (lesson, heading) a part or a named mistake links to."""
    pairs = {s if isinstance(s, tuple) else (LESSONS[k[:2]], s) for k, s in PART_SECTIONS.items()}
    return sorted(pairs | set(MISTAKE_SECTIONS.values()))


@pytest.mark.parametrize("lesson, heading", _linked())
def test_each_linked_heading_has_the_cell_it_opens(lesson, heading):
    cell = SECTION_CELLS.get(lesson, {}).get(heading)
    assert cell, f"SECTION_CELLS has no cell for {lesson} {heading!r}: add the id of the cell that opens with it"
    assert _opening_heading(lesson, cell) == heading, (lesson, cell)
    assert Section(lesson, heading).link("../") == f"../lessons/{lesson}.ipynb#cell-id={cell}"


def test_the_table_holds_only_linked_cells_and_ids_that_are_safe_in_a_link():
    linked = set(_linked())
    table = {(lesson, h) for lesson, cells in SECTION_CELLS.items() for h in cells}
    assert table - linked == set(), "SECTION_CELLS names sections no part or mistake links to"
    for lesson, cells in SECTION_CELLS.items():
        for heading, cell in cells.items():
            assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", cell), (lesson, cell)   # nbformat's id pattern


def test_every_part_links_to_a_cell_of_a_lesson_that_exists():
    for key in checks.PARTS:
        section = section_for(key)
        if not (ROOT / "lessons" / f"{section.lesson}.ipynb").is_file():
            continue   # an exercise whose lesson is not written yet links to where it will be
        assert section.cell, (key, section)


def test_the_first_click_helper_finds_exactly_the_linked_heading():
    """follow_script finds the heading by its rendered text's start: the text before any math."""
    for lesson, heading in _linked():
        prefix = lessons.heading_prefix(heading)
        headings = [re.sub(r"^#{1,6}\s+", "", line).strip() for c in _notebook(lesson).cells
                    if c.cell_type == "markdown" for line in c.source.splitlines() if re.match(r"#{1,6}\s", line)]
        assert prefix and [h for h in headings if lessons.heading_prefix(h).startswith(prefix)
                           or h.startswith(prefix)] == [heading], (lesson, heading, prefix)
        script = lessons.follow_script(Section(lesson, heading).link("../"))
        assert script.startswith("<script>") and script.endswith("</script>")
        assert f"document.currentScript, {json.dumps(lesson + '.ipynb')}, {json.dumps(prefix)})" in script
        assert "</" not in script[len("<script>"):-len("</script>")]
    assert lessons.follow_script("../lessons/01_cost.ipynb") == ""   # a link to a lesson's top needs no help


class _Ids(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = []

    def handle_starttag(self, tag, attrs):
        self.ids += [v for k, v in attrs if k == "id" and v]


@pytest.mark.parametrize("template", ["lab", "classic"])
def test_an_html_export_has_the_same_anchors(template):
    """nbconvert (what nbviewer runs) gives each cell the id ``cell-id=<id>``, so the links work in an export."""
    nbconvert = pytest.importorskip("nbconvert")
    lesson = "09_computational_graphs"
    body, _ = nbconvert.HTMLExporter(template_name=template).from_notebook_node(_notebook(lesson))
    parser = _Ids()
    parser.feed(body)
    for cell in SECTION_CELLS[lesson].values():
        assert f"cell-id={cell}" in parser.ids, (template, cell)
