"""Read a submission, tell which exercise it is, and build the notebook the grader runs.

The grader never trusts the submitted file for anything but the learner's own
code. Like nbgrader's ``autograde``, every *locked* cell of the solution
notebook (prompts, setup, checks, tests with their hidden part) is put back
from the solution by its ``grade_id``, in the solution's place if the learner
deleted it; the learner's solution cells (``partK_code``) and any cells they
added are kept.
"""
from __future__ import annotations

import codecs
import copy
import json
import re
from dataclasses import dataclass, field

import nbformat

from .records import GRADER_TAG, Role

BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
# a part's cells are named after its test cell: partK_tests, partK_code, partK_check
TESTS_SUFFIX, CODE_SUFFIX, CHECK_SUFFIX = "_tests", "_code", "_check"
_NB_NAME = re.compile(r"(?<![0-9])(\d\d)_[a-z0-9_]*[a-z0-9]", re.I)


class InvalidNotebook(ValueError):
    """The submission is not a notebook the grader can read; the message says why."""


def nbgrader_meta(cell):
    """The cell's nbgrader metadata dict ({} if it has none or it is malformed)."""
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    nbg = meta.get("nbgrader") if isinstance(meta, dict) else None
    return nbg if isinstance(nbg, dict) else {}


def grade_id(cell):
    gid = nbgrader_meta(cell).get("grade_id")
    return gid if isinstance(gid, str) else None


def is_locked(cell):
    """Locked cells come back from the solution (solution cells never do)."""
    meta = nbgrader_meta(cell)
    return bool(meta.get("locked")) and not bool(meta.get("solution"))


def strip_hidden_tests(source):
    """The source as the exercise shows it: hidden-test blocks (with their markers) removed."""
    out, hidden = [], False
    for line in source.splitlines(keepends=True):
        mark = line.strip()
        if mark == BEGIN_HIDDEN:
            hidden = True
        elif mark == END_HIDDEN:
            hidden = False
        elif not hidden:
            out.append(line)
    return "".join(out)


def read_submission(data):
    """Parse the bytes of a submitted ``.ipynb`` (see :func:`read_submission_noted`; its notes dropped)."""
    return read_submission_noted(data)[0]


def read_submission_noted(data):
    """Parse the bytes of a submitted ``.ipynb``, and say what had to be mended to read it.

    Two things a real notebook may have are mended rather than refused:

    * bytes that are not UTF-8 (a Latin-1 ``\\xe9`` typed into a markdown cell):
      each is replaced by U+FFFD, the replacement character (``errors="replace"``),
      so valid UTF-8 elsewhere stays exactly as written (a Latin-1 fallback for
      the whole file would garble it); if the text still is not JSON, the file
      is refused as not UTF-8;
    * nbformat 3 (cells inside ``"worksheets"``): converted with nbformat to 4.

    Parameters
    ----------
    data : bytes

    Returns
    -------
    (nbformat.NotebookNode (format 4), list of str)
        The notebook, and notes for the instructor such as ``converted from
        nbformat 3 to 4``.

    Raises
    ------
    InvalidNotebook
        With a reason a person can act on, e.g. ``not a valid notebook (JSON
        error at line 12, column 5: Expecting ',' delimiter)``.
    """
    notes = []
    text, bad = _decode(data)
    if not text.strip():
        raise InvalidNotebook("not a valid notebook (the file is empty)")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        if bad:
            raise InvalidNotebook(f"not a valid notebook (not UTF-8 text: byte {bad[0]} cannot be decoded)") from None
        raise InvalidNotebook(
            f"not a valid notebook (JSON error at line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise InvalidNotebook("not a valid notebook (JSON nested too deeply)") from None
    if bad:
        where = f"byte {bad[0]} (0x{data[bad[0]]:02x})" + (f" and {len(bad) - 1} more" if len(bad) > 1 else "")
        notes.append(f"the file is not all UTF-8: {where} could not be decoded and became the replacement "
                     "character U+FFFD; the rest was graded as written")
    if isinstance(raw, dict) and raw.get("nbformat") == 3 and isinstance(raw.get("worksheets"), list):
        raw = _from_v3(raw)
        notes.append("converted from nbformat 3 (cells inside worksheets) to nbformat 4 before grading")
    if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list):
        raise InvalidNotebook("not a valid notebook (no list of cells at the top level)")
    if raw.get("nbformat") != 4:
        raise InvalidNotebook(f"not a valid notebook (nbformat {raw.get('nbformat')!r}; expected 4)")
    cells = []
    for i, cell in enumerate(raw["cells"]):
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            continue  # a mangled cell cannot hold the learner's code; the locked ones come back anyway
        src = cell.get("source", "")
        if isinstance(src, list):
            src = "".join(s for s in src if isinstance(s, str))
        if not isinstance(src, str):
            src = ""
        meta = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        if cell["cell_type"] == "code":
            new = nbformat.v4.new_code_cell(src, metadata=meta)
        elif cell["cell_type"] == "markdown":
            new = nbformat.v4.new_markdown_cell(src, metadata=meta)
        else:
            new = nbformat.v4.new_raw_cell(src, metadata=meta)
        cells.append(new)
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata = nbformat.from_dict(raw.get("metadata") if isinstance(raw.get("metadata"), dict) else {})
    return nb, notes


_MAX_BAD_BYTES = 1000   # past this many undecodable bytes the file is not text: stop counting


def _decode(data):
    """``(text, offsets in the file of the bytes that are not UTF-8)``; each such byte becomes U+FFFD."""
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    pieces, bad, pos = [], [], start
    while len(bad) < _MAX_BAD_BYTES:
        try:
            pieces.append(data[pos:].decode("utf-8"))
            return "".join(pieces), bad
        except UnicodeDecodeError as exc:
            pieces.append(data[pos:pos + exc.start].decode("utf-8") + "\ufffd" * (exc.end - exc.start))
            bad.extend(range(pos + exc.start, pos + exc.end))
            pos += exc.end
    pieces.append(data[pos:].decode("utf-8", errors="replace"))  # past the cap: not worth counting
    return "".join(pieces), bad


def _from_v3(raw):
    """A format-3 notebook (a dict) as a format-4 dict, converted by nbformat (cells of any kind kept)."""
    try:
        return nbformat.convert(nbformat.from_dict(raw), 4)
    except Exception as exc:  # nbformat's converter expects a well-formed v3 notebook
        raise InvalidNotebook(f"not a valid notebook (nbformat 3 that could not be converted to 4: "
                              f"{type(exc).__name__}: {exc})") from None


def notebook_from_name(name, known):
    """Which exercise a file name points to, or None.

    ``known`` are notebook names such as ``"03_sigmoid_derivative"``. A name
    containing one of them wins (``alice_03_sigmoid_derivative_exercise``);
    otherwise a name starting with its two digits (``03_mine.ipynb``).
    """
    low = name.lower()
    for nb in sorted(known, key=len, reverse=True):
        if nb.lower() in low:
            return nb
    m = re.match(r"(\d\d)(?:[_\-. ]|$)", low)
    if m:
        hits = [nb for nb in known if nb.startswith(m.group(1) + "_")]
        if len(hits) == 1:
            return hits[0]
    return None


def content_scores(nb, functions):
    """How strongly a notebook's code cells point to each exercise: ``{notebook name: score}`` (only scores > 0).

    A part's ``check("NN.K", ...)`` call (its locked check cell) counts 2, a
    ``def <function>(`` of the part counts 1.
    """
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    scores = {}
    for name, parts in functions.items():
        score = 0
        for key, fname in parts:
            if re.search(r"""check\(\s*['"]%s['"]""" % re.escape(key), text):
                score += 2
            if re.search(r"^\s*def\s+%s\s*\(" % re.escape(fname), text, re.M):
                score += 1
        if score:
            scores[name] = score
    return scores


def notebook_from_content(nb, functions):
    """Which exercise a notebook is, from the part keys and function names in its cells.

    Parameters
    ----------
    nb : NotebookNode
    functions : dict, notebook name -> list of (part key, function name)

    Returns
    -------
    str or None
        The notebook with the most matches (:func:`content_scores`), if there is exactly one best.
    """
    scores = content_scores(nb, functions)
    if not scores:
        return None
    best = max(scores.values())
    winners = [n for n, s in scores.items() if s == best]
    return winners[0] if len(winners) == 1 else None


#: the content overrules the file name when it scores at least this much, and over twice what the name's exercise scores
CONTENT_WINS_FROM = 2


def choose_notebook(name_guess, nb, functions):
    """Which exercise to grade a submission as: ``(notebook or None, note or None)``.

    The content decides when it clearly says one exercise (:func:`notebook_from_content`,
    scoring at least :data:`CONTENT_WINS_FROM` and more than twice what the file
    name's exercise scores); when it is ambiguous or says nothing, the file name
    decides (:func:`notebook_from_name`). Overruling the name comes with a note
    naming both.
    """
    scores = content_scores(nb, functions)
    content = notebook_from_content(nb, functions)
    clear = content is not None and scores[content] >= CONTENT_WINS_FROM
    if name_guess is None:
        return content, None
    if clear and content != name_guess and scores[content] > 2 * scores.get(name_guess, 0):
        return content, (f"the file name says {name_guess}, its content is exercise {content}: "
                         f"graded as {content[:2]}")
    return name_guess, None


@dataclass
class Restored:
    """The notebook the grader runs, and what it changed to get there."""

    nb: nbformat.NotebookNode
    roles: list                 # per cell: (Role, part key or None)
    notes: list = field(default_factory=list)   # e.g. "restored deleted cell part2_tests"
    student_code: dict = field(default_factory=dict)  # part key -> learner's source (or None)


def _grader_cell(source):
    """A code cell the grader adds, tagged so that it gets the grader cell's time limit."""
    return nbformat.v4.new_code_cell(source, metadata={"tags": [GRADER_TAG]})


def restore(submission, solution, parts, setup_source, grader_sources):
    """Build the notebook to execute from a submission and its solution.

    Parameters
    ----------
    submission, solution : NotebookNode
    parts : list of Part (the registry entries of this notebook)
    setup_source : str
        The grader's first cell (installs the tripwire before learner code runs).
    grader_sources : dict, part key -> str
        The grader cell of each part; it goes right before that part's test cell.

    Returns
    -------
    Restored
        Roles are :class:`.records.Role` members: ``SETUP``, ``GRADER``, ``TESTS``,
        ``CHECK``, ``CODE`` (the learner's solution cell of a part), ``LOCKED``
        (other restored cells) and ``STUDENT`` (cells the learner added).
    """
    ids = _Ids.of(solution, parts)
    notes = []
    out, seen = _merge(submission, ids, notes)
    _put_back_deleted(out, seen, ids, notes)
    _tests_below_their_code(out, parts, notes)
    cells, roles, student_code = _with_grader_cells(out, parts, ids, setup_source, grader_sources)
    nb = nbformat.v4.new_notebook(cells=cells, metadata=copy.deepcopy(solution.metadata))
    for c in nb.cells:
        if c.cell_type == "code":
            c.outputs = []
            c.execution_count = None
    return Restored(nb, roles, notes, student_code)


@dataclass(frozen=True)
class _Ids:
    """The solution's cells by grade_id, and which grade_ids are locked, tests, code and check cells of a part."""

    sol_cells: list
    sol_index: dict     # grade_id -> index in sol_cells
    locked: set
    tests: dict         # grade_id -> Part
    code: dict
    check: dict

    @classmethod
    def of(cls, solution, parts):
        """Index the solution's cells and the parts' cell names (``partK_tests``, ``_code``, ``_check``)."""
        sol_cells = list(solution.cells)
        return cls(
            sol_cells=sol_cells,
            sol_index={grade_id(c): i for i, c in enumerate(sol_cells) if grade_id(c)},
            locked={grade_id(c) for c in sol_cells if grade_id(c) and is_locked(c)},
            tests={p.grade_id: p for p in parts},
            code={p.grade_id.replace(TESTS_SUFFIX, CODE_SUFFIX): p for p in parts},
            check={p.grade_id.replace(TESTS_SUFFIX, CHECK_SUFFIX): p for p in parts},
        )


def _merge(submission, ids, notes):
    """The submission's cells, locked ones from the solution: ``([(cell, solution index or None)], seen ids)``."""
    out, seen = [], set()
    for cell in submission.cells:
        gid = grade_id(cell)
        if gid in ids.locked:
            if gid in seen:
                notes.append(f"ignored a second copy of locked cell {gid}")
                continue
            seen.add(gid)
            sol = ids.sol_cells[ids.sol_index[gid]]
            if cell.cell_type != sol.cell_type or cell.source.strip() not in (
                sol.source.strip(), strip_hidden_tests(sol.source).strip()
            ):
                notes.append(f"restored edited cell {gid}")
            out.append((copy.deepcopy(sol), ids.sol_index[gid]))
        else:
            new = copy.deepcopy(cell)
            if gid in ids.code and gid in ids.sol_index and gid not in seen:
                seen.add(gid)
                out.append((new, ids.sol_index[gid]))
            else:
                out.append((new, None))
    return out, seen


def _put_back_deleted(out, seen, ids, notes):
    """Put back (in place) the locked cells the learner deleted, after the nearest earlier solution cell present."""
    for i, sol in enumerate(ids.sol_cells):
        gid = grade_id(sol)
        if gid not in ids.locked or gid in seen:
            continue
        pos = 0
        for j, (_, si) in enumerate(out):
            if si is not None and si < i:
                pos = j + 1
        out.insert(pos, (copy.deepcopy(sol), i))
        seen.add(gid)
        notes.append(f"restored deleted cell {gid}")


def _defines(cell, function):
    """Does a code cell define ``function`` (``def function(`` or ``function = ...`` at the top level)?"""
    if cell.cell_type != "code":
        return False
    name = re.escape(function)
    return re.search(rf"^(def\s+{name}\s*\(|{name}\s*=[^=])", cell.source, re.M) is not None


def _tests_below_their_code(out, parts, notes):
    """Move a part's test cell that the learner dragged above the cell defining its function to just below it.

    A test cell (and the grader's cell, which goes right before it) can only
    test a function defined above it. When no cell above the test cell defines
    the part's function but a later one does, the test cell runs right after
    the first such cell, with a note; the learner's cells keep their order.
    """
    for part in parts:
        tests = next((j for j, (c, _) in enumerate(out) if grade_id(c) == part.grade_id), None)
        if tests is None or any(_defines(c, part.function) for c, _ in out[:tests]):
            continue
        later = next((j for j in range(tests + 1, len(out)) if _defines(out[j][0], part.function)), None)
        if later is None:
            continue
        out.insert(later, out.pop(tests))  # after the pop, ``later`` is the place just below the defining cell
        number = part.grade_id[: -len(TESTS_SUFFIX)].replace("part", "part ", 1)
        notes.append(f"the test cell of {number} ({part.key}) sat above the cell that defines {part.function}: "
                     "the grader ran it right below that cell (move it back below in your notebook)")


def _role(gid, ids):
    """The role of a (non-grader) cell of the merged notebook, from its grade_id."""
    if gid in ids.tests:
        return Role.TESTS, ids.tests[gid].key
    if gid in ids.check:
        return Role.CHECK, ids.check[gid].key
    if gid in ids.code:
        return Role.CODE, ids.code[gid].key
    return (Role.LOCKED if gid in ids.locked else Role.STUDENT), None


def _with_grader_cells(out, parts, ids, setup_source, grader_sources):
    """The merged cells with the grader's setup cell first and each part's grader cell before its test cell.

    Returns ``(cells, roles, student_code)``.
    """
    cells, roles = [_grader_cell(setup_source)], [(Role.SETUP, None)]
    student_code = {p.key: None for p in parts}
    placed = set()
    for cell, _ in out:
        role, key = _role(grade_id(cell), ids)
        if role is Role.TESTS:
            cells.append(_grader_cell(grader_sources[key]))
            roles.append((Role.GRADER, key))
            placed.add(key)
        elif role is Role.CODE and student_code[key] is None:
            student_code[key] = cell.source
        cells.append(cell)
        roles.append((role, key))
    for part in parts:  # a part whose test cell the solution lacks: grade it at the end
        if part.key not in placed:
            cells.append(_grader_cell(grader_sources[part.key]))
            roles.append((Role.GRADER, part.key))
    return cells, roles, student_code
