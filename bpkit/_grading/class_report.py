"""What the class got wrong: the item analysis of a grades folder, as one HTML page, a CSV and feedback pages.

``bpkit-grade report GRADES_DIR`` reads the ``grades.json`` of one run (or of
``bpkit-grade merge``) and writes, beside it:

* ``report.html`` -- for the instructor, one self-contained page (inline CSS
  and SVG, nothing fetched): score distributions per exercise and per part;
  per part the named mistakes ranked by how many students made them, with the
  share, the diagnosis in words and the lesson section that teaches the point;
  mistakes that travel (one student, one named mistake, several exercises);
  students to follow up with (nothing attempted, timeouts, refused files) and
  the submissions the grader could not score, with why. Light and dark themes
  follow the browser; it prints cleanly.
* ``report.csv`` -- the same numbers, one row per item (:data:`CSV_COLUMNS`).
* with ``--feedback``: ``feedback/<student>.html``, one page per student with
  only their own parts, mistakes and lesson links (the diagnosis in general
  words: no secret case, no expected value, no other student).

The analysis (:func:`analyse`) works on the records of :mod:`.records`; the
named mistake of a part is the ``diagnosis`` the grader keeps in grades.json
(:func:`.lessons.diagnosis_record`). A part's *outcome* is that id for a wrong
result (``"03.2:z_prime"``, ``"*:transposed"``), ``"not started"`` for a stub
still raising NotImplementedError, or the grader's status (``"timeout"``,
``"missing"``, ...) when the function could not be judged.
"""
from __future__ import annotations

import csv
import datetime
import html
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .lessons import section_for
from .records import JSON_NAME, Status, SubmissionResult

__all__ = ["CSV_COLUMNS", "ClassReport", "analyse", "load_grades", "outcome_of", "write_class_report", "write_report"]

HTML_NAME = "report.html"
CSV_NAME = "report.csv"
FEEDBACK_DIR = "feedback"
CSV_COLUMNS = ("kind", "notebook", "part", "item", "count", "of", "percent", "detail", "lesson")

NOT_STARTED = "not started"
NOT_WRITTEN_ID = "*:not_written"
UNNAMED = "not named"          # a wrong result no named mistake explains (the judge's or the checks' own words)
# statuses that mean the grader could not judge the learner's function at all
UNSCORED = (Status.NOT_GRADED, Status.GRADER_ERROR, Status.CRASHED, Status.INVALID)
STATUS_WORDS = {
    Status.MISSING: "function missing",
    Status.TIMEOUT: "timeout",
    Status.CRASHED: "kernel died",
    Status.FORBIDDEN_CALL: "called the function it should write",
    Status.TAMPERING: "switched off the grader's checks",
    Status.NOT_GRADED: "not graded",
    Status.INVALID: "refused or unreadable file",
    Status.GRADER_ERROR: "grader error",
}


class ReportError(ValueError):
    """The grades folder cannot be reported on (no grades.json, not bpkit-grade's)."""


# ----------------------------------------------------------------------------- reading
def load_grades(path):
    """``(header dict, [SubmissionResult])`` from a grades folder or a grades.json file."""
    path = Path(path)
    jpath = path / JSON_NAME if path.is_dir() else path
    if not jpath.is_file():
        shards = sorted(path.glob("grades.shard-*.json")) if path.is_dir() else []
        hint = (f"; it holds {len(shards)} shard file(s): join them first with bpkit-grade merge OUT {path}"
                if shards else "; run bpkit-grade SUBMISSIONS --out FOLDER first")
        raise ReportError(f"no {JSON_NAME} in {path}{hint}")
    try:
        doc = json.loads(jpath.read_text(encoding="utf-8"))
        results = [SubmissionResult.from_json(s) for s in doc["submissions"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ReportError(f"{jpath} is not a grades.json of bpkit-grade ({type(exc).__name__}: {exc})") from None
    header = {k: v for k, v in doc.items() if k != "submissions"}
    return header, results


# ---------------------------------------------------------------------------- analysis
def outcome_of(part):
    """What one :class:`.records.PartResult` came to: None (passed), :data:`NOT_STARTED`, a diagnosis id, a status.

    The status words (:data:`STATUS_WORDS`) stand for outcomes where the function
    could not be judged on its results; a timeout is a timeout even when the checks
    named the TimeoutError it raised.
    """
    if part.status is Status.PASSED or (part.status is None and part.points == part.max_points > 0):
        return None
    diag = part.diagnosis or {}
    if diag.get("id") == NOT_WRITTEN_ID:
        return NOT_STARTED
    if part.status in (None, Status.FAILED) and diag.get("id"):
        return diag["id"]
    if part.status in STATUS_WORDS:
        return STATUS_WORDS[part.status]
    return UNNAMED


def mistake_name(ident):
    """The name of a diagnosis id without its part: ``"03.2:z_prime"`` -> ``"z_prime"``."""
    return ident.split(":", 1)[1] if ":" in ident else ident


def is_named(outcome):
    """True for a named mistake of the checks (``"NN.K:name"`` or ``"*:name"``)."""
    return outcome is not None and ":" in outcome


@dataclass
class PartStats:
    """One part over the class: scores, and each outcome's count and students."""

    key: str
    notebook: str
    function: str
    max_points: int
    scores: list = field(default_factory=list)
    outcomes: dict = field(default_factory=lambda: defaultdict(list))   # outcome -> [student]
    texts: dict = field(default_factory=dict)                            # outcome -> diagnosis record

    @property
    def n(self):
        return len(self.scores)

    @property
    def passed(self):
        return sum(1 for s in self.scores if s == self.max_points)

    def ranked(self):
        """``[(outcome, count, students)]``, most frequent first (ties by name), passes left out."""
        rows = [(o, len(st), st) for o, st in self.outcomes.items()]
        return sorted(rows, key=lambda r: (-r[1], r[0]))


@dataclass
class ClassReport:
    """The item analysis of one grading run (:func:`analyse`)."""

    header: dict
    results: list
    exercises: dict          # notebook -> {"max": int, "scores": [int], "students": [str]}
    parts: dict              # part key -> PartStats, in key order
    travel: list             # [(mistake name, student, [(notebook, part key)])], a mistake in >= 2 exercises
    follow_up: list          # [(student, [reason])]
    unscored: list           # [(student, file, notebook, why)]


def analyse(results, header=None):
    """The :class:`ClassReport` of a list of :class:`.records.SubmissionResult` (or grades.json entries)."""
    results = [r if isinstance(r, SubmissionResult) else SubmissionResult.from_json(r) for r in results]
    exercises = {}
    parts = {}
    by_student_mistake = defaultdict(list)   # (student, mistake name) -> [(notebook, part key)]
    follow = defaultdict(list)
    unscored = []
    for r in results:
        if r.parts:
            ex = exercises.setdefault(r.notebook, {"max": r.max_points, "scores": [], "students": []})
            ex["max"] = max(ex["max"], r.max_points)
            ex["scores"].append(r.points)
            ex["students"].append(r.student)
        outcomes = []
        for p in r.parts:
            st = parts.get(p.part)
            if st is None:
                st = parts[p.part] = PartStats(p.part, r.notebook, p.function, p.max_points)
            st.scores.append(p.points)
            o = outcome_of(p)
            outcomes.append(o)
            if o is None:
                continue
            st.outcomes[o].append(r.student)
            if p.diagnosis and o not in st.texts:
                st.texts[o] = p.diagnosis
            if is_named(o) and o != NOT_WRITTEN_ID:
                by_student_mistake[(r.student, mistake_name(o))].append((r.notebook, p.part))
        _follow_up(r, outcomes, follow, unscored)
    travel = []
    for (student, name), where in sorted(by_student_mistake.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        if len({nb for nb, _ in where}) >= 2:
            travel.append((name, student, where))
    return ClassReport(
        header=dict(header or {}),
        results=results,
        exercises=dict(sorted(exercises.items())),
        parts={k: parts[k] for k in sorted(parts, key=_part_order)},
        travel=travel,
        follow_up=sorted(follow.items()),
        unscored=unscored,
    )


def _part_order(key):
    return tuple(int(x) if x.isdigit() else x for x in re.split(r"[.]", key))


def _follow_up(r, outcomes, follow, unscored):
    """Add the reasons to follow ``r.student`` up, and ``r`` to the unscored list if it could not be scored."""
    where = r.notebook if r.notebook != "?" else Path(r.file).name
    if r.error:
        unscored.append((r.student, r.file, r.notebook, r.error.splitlines()[0]))
        follow[r.student].append(f"{where}: refused or unreadable ({r.error.splitlines()[0]})")
        return
    for p, o in zip(r.parts, outcomes):
        if p.status in UNSCORED:
            unscored.append((r.student, r.file, r.notebook, f"part {p.part}: {p.message}"))
    if outcomes and all(o in (NOT_STARTED, STATUS_WORDS[Status.MISSING]) for o in outcomes):
        follow[r.student].append(f"{where}: no part attempted")
    timeouts = [p.part for p, o in zip(r.parts, outcomes) if o == STATUS_WORDS[Status.TIMEOUT]]
    if timeouts:
        follow[r.student].append(f"{where}: timeout in part {', '.join(timeouts)}")
    refused = [p.part for p in r.parts if p.status in (Status.FORBIDDEN_CALL, Status.TAMPERING)]
    if refused:
        follow[r.student].append(f"{where}: broke the rules in part {', '.join(refused)}")


def top_mistakes(report, k=8):
    """The named mistakes most students made, whatever the part: ``[(name, students, [part keys])]``."""
    who, where = defaultdict(set), defaultdict(set)
    for key, st in report.parts.items():
        for outcome, students in st.outcomes.items():
            if is_named(outcome) and outcome != NOT_WRITTEN_ID:
                who[mistake_name(outcome)].update(students)
                where[mistake_name(outcome)].add(key)
    ranked = sorted(who, key=lambda n: (-len(who[n]), n))[:k]
    return [(n, len(who[n]), sorted(where[n], key=_part_order)) for n in ranked]


# ----------------------------------------------------------------------------- helpers
def _pct(k, n):
    return 100.0 * k / n if n else 0.0


def _outcome_text(stats, outcome):
    """``(diagnosis text, lesson link, section title)`` of one outcome of a part."""
    diag = stats.texts.get(outcome) or {}
    if is_named(outcome):
        sec = section_for(stats.key, outcome)
        return diag.get("text", ""), diag.get("lesson") or sec.link(), diag.get("section") or sec.title
    sec = section_for(stats.key)
    words = {NOT_STARTED: f"{stats.function} still raises NotImplementedError",
             UNNAMED: "a wrong result that no named mistake explains"}
    if outcome in words:
        return words[outcome], sec.link(), sec.title
    return "the grader could not judge the results (see the students to follow up)", "", ""


_TEX = ((r"\partial", "∂"), (r"\sigma", "σ"), (r"\Theta", "Θ"), (r"\delta", "δ"), (r"\lambda", "λ"),
        (r"\varepsilon", "ε"), ("^{(l)}", "⁽ˡ⁾"), ("^{(2)}", "⁽²⁾"), ("$", ""))


def plain(text):
    """A section title without its TeX: ``$\\sigma'$`` -> ``σ'``."""
    for a, b in _TEX:
        text = text.replace(a, b)
    return text


# -------------------------------------------------------------------------------- CSV
def csv_rows(report):
    """The rows of report.csv (dicts keyed by :data:`CSV_COLUMNS`)."""
    rows = []

    def add(kind, notebook="", part="", item="", count="", of="", detail="", lesson=""):
        percent = f"{_pct(count, of):.1f}" if isinstance(count, int) and isinstance(of, int) and of else ""
        rows.append(dict(zip(CSV_COLUMNS, (kind, notebook, part, item, count, of, percent, detail, lesson))))

    for nb, ex in report.exercises.items():
        n = len(ex["scores"])
        for score, count in sorted(Counter(ex["scores"]).items()):
            add("exercise_score", nb, "", f"{score}/{ex['max']}", count, n)
    for key, st in report.parts.items():
        for score, count in sorted(Counter(st.scores).items()):
            add("part_score", st.notebook, key, f"{score}/{st.max_points}", count, st.n)
        add("part_passed", st.notebook, key, "passed", st.passed, st.n)
        for outcome, count, _students in st.ranked():
            text, link, _title = _outcome_text(st, outcome)
            add("mistake", st.notebook, key, outcome, count, st.n, text, link)
    for name, student, where in report.travel:
        add("travel", "; ".join(sorted({nb for nb, _ in where})), "; ".join(k for _, k in where), name,
            detail=student)
    for student, reasons in report.follow_up:
        for why in reasons:
            add("follow_up", item=student, detail=why)
    for student, file, notebook, why in report.unscored:
        add("unscored", notebook, "", student, detail=f"{file}: {why}")
    return rows


def write_csv(report, path):
    with Path(path).open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
        w.writeheader()
        w.writerows(csv_rows(report))
    return Path(path)


# ------------------------------------------------------------------------------- HTML
CSS = """
:root { --bg: #ffffff; --fg: #1d2329; --muted: #5b6670; --line: #d5dbe1; --bar: #3b6fb6; --ok: #2f8a4c;
        --bad: #b8452f; --band: #f3f5f8; --link: #1f5fbf; color-scheme: light dark; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #15191d; --fg: #e4e8ec; --muted: #9aa6b1; --line: #38414a; --bar: #6f9fe0; --ok: #5cc27f;
          --bad: #ef8a72; --band: #1e242a; --link: #8ab8ff; }
}
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1100px; padding: 1.5rem; background: var(--bg); color: var(--fg);
       font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
h1 { font-size: 1.6rem; margin: 0 0 .3rem; } h2 { margin-top: 2rem; border-bottom: 2px solid var(--line); }
h3 { margin: 1.4rem 0 .4rem; } a { color: var(--link); } .muted { color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--band); } td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(250px, 1fr)); gap: .8rem; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .7rem; background: var(--band); }
.card h4 { margin: 0 0 .2rem; font-size: .95rem; }
svg { display: block; width: 100%; height: auto; } svg .bar { fill: var(--bar); } svg .full { fill: var(--ok); }
svg text { fill: var(--muted); font-size: 10px; } svg .axis { stroke: var(--line); }
.share { display: inline-block; height: .7rem; background: var(--bad); border-radius: 2px; vertical-align: middle; }
.ok { color: var(--ok); } .bad { color: var(--bad); } nav a { margin-right: .8rem; }
code { font-size: .9em; word-break: break-word; }
section.part table { table-layout: fixed; }
section.part th:nth-child(1) { width: 23%; } section.part th:nth-child(2) { width: 10%; }
section.part th:nth-child(3) { width: 14%; } section.part th:nth-child(5) { width: 20%; }
@media print {
  :root { --bg: #fff; --fg: #000; --muted: #444; --line: #bbb; --band: #fff; --link: #000; }
  body { max-width: none; padding: 0; font-size: 11pt; } nav { display: none; }
  h2 { break-after: avoid; } table, .card, section.part { break-inside: avoid; }
  a { text-decoration: none; } a[href]::after { content: " (" attr(href) ")"; font-size: 8pt; color: #444; }
}
"""

e = html.escape


def bar_chart(counts, max_points, label):
    """An inline SVG bar chart of how many got each score 0..max_points (full marks in the 'ok' colour)."""
    width, height, pad = 240, 90, 14
    n = max_points + 1
    top = max(counts.values(), default=0) or 1
    step = (width - 2) / n
    parts = [f'<svg viewBox="0 0 {width} {height + pad}" role="img" aria-label="{e(label)}">',
             f'<line class="axis" x1="0" y1="{height}" x2="{width}" y2="{height}"/>']
    for s in range(n):
        c = counts.get(s, 0)
        h = (height - 12) * c / top
        x = 1 + s * step
        cls = "full" if s == max_points else "bar"
        parts.append(f'<rect class="{cls}" x="{x + 1:.1f}" y="{height - h:.1f}" width="{max(step - 2, 1):.1f}" '
                     f'height="{h:.1f}"><title>{s}/{max_points}: {c}</title></rect>')
        if c:
            parts.append(f'<text x="{x + step / 2:.1f}" y="{height - h - 2:.1f}" text-anchor="middle">{c}</text>')
        if n <= 16 or s % 2 == 0 or s == max_points:
            parts.append(f'<text x="{x + step / 2:.1f}" y="{height + 11}" text-anchor="middle">{s}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _page(title, body):
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<meta name=\"color-scheme\" content=\"light dark\">"
            f"<title>{e(title)}</title><style>{CSS}</style></head><body>\n{body}\n</body></html>\n")


def _lesson_link(link, title, base):
    if not link:
        return ""
    return f'<a href="{e(base + link)}">{e(plain(title))}</a>'


def render_html(report, lessons_url=""):
    """The instructor's report page (a str)."""
    h = report.header
    n_sub = len(report.results)
    students = sorted({r.student for r in report.results})
    out = [f"<h1>Class report</h1><p class=\"muted\">{n_sub} submission(s) from {len(students)} student(s), "
           f"{len(report.exercises)} exercise(s); graded {e(str(h.get('created', '?')))}, "
           f"timeout {e(str(h.get('timeout', '?')))} s. Student names appear on this page: it is for the "
           "instructor, not for handing out.</p>",
           '<nav><a href="#top">Teach again</a><a href="#scores">Scores</a><a href="#mistakes">Mistakes per part</a>'
           '<a href="#travel">Mistakes that travel</a><a href="#follow">Follow up</a>'
           '<a href="#unscored">Could not score</a></nav>']
    top = top_mistakes(report)
    if top:
        out.append('<h2 id="top">What to teach again</h2><p class="muted">The named mistakes made by the most '
                   "students, over all parts (details per part below).</p><table><thead><tr><th>mistake</th>"
                   "<th>students</th><th>in parts</th></tr></thead><tbody>")
        for name, count, keys in top:
            links = ", ".join(f'<a href="#part-{e(k)}">{e(k)}</a>' for k in keys)
            out.append(f"<tr><td><code>{e(name)}</code></td><td class=\"num\">{count}</td><td>{links}</td></tr>")
        out.append("</tbody></table>")
    # -- scores
    out.append('<h2 id="scores">Score distributions</h2><h3>Per exercise</h3><div class="grid">')
    for nb, ex in report.exercises.items():
        scores = ex["scores"]
        mean = sum(scores) / len(scores) if scores else 0
        full = sum(1 for s in scores if s == ex["max"])
        out.append(f'<div class="card"><h4>{e(nb)}</h4><div class="muted">{len(scores)} submitted · mean '
                   f'{mean:.1f}/{ex["max"]} · full marks {full} ({_pct(full, len(scores)):.0f}%)</div>'
                   f'{bar_chart(Counter(scores), ex["max"], nb + " scores")}</div>')
    out.append('</div><h3>Per part</h3><div class="grid">')
    for key, st in report.parts.items():
        out.append(f'<div class="card"><h4>{e(key)} <code>{e(st.function)}</code></h4><div class="muted">'
                   f'{st.passed}/{st.n} passed ({_pct(st.passed, st.n):.0f}%)</div>'
                   f'{bar_chart(Counter(st.scores), st.max_points, key + " scores")}</div>')
    out.append("</div>")
    # -- mistakes per part
    out.append('<h2 id="mistakes">Named mistakes per part</h2><p class="muted">Share = students who submitted '
               "the exercise and made this mistake in the part. <em>not started</em>: the stub still raises; "
               "other unnamed outcomes are the grader's status.</p>")
    for key, st in report.parts.items():
        ranked = st.ranked()
        out.append(f'<section class="part"><h3 id="part-{e(key)}">{e(key)} <code>{e(st.function)}</code> '
                   f'<span class="muted">({st.max_points} pt) — {st.passed}/{st.n} passed</span></h3>')
        if not ranked:
            out.append('<p class="ok">Everyone who submitted got this part right.</p></section>')
            continue
        out.append("<table><thead><tr><th>mistake</th><th>students</th><th>share</th><th>what it is</th>"
                   "<th>lesson section</th></tr></thead><tbody>")
        for outcome, count, _st in ranked:
            text, link, title = _outcome_text(st, outcome)
            pct = _pct(count, st.n)
            out.append(f"<tr><td><code>{e(outcome)}</code></td><td class=\"num\">{count}</td>"
                       f'<td class="num">{pct:.1f}% <span class="share" style="width:{pct * 0.4:.1f}%"></span>'
                       f"</td><td>{e(text)}</td><td>{_lesson_link(link, title, lessons_url)}</td></tr>")
        out.append("</tbody></table></section>")
    # -- travel
    out.append('<h2 id="travel">Mistakes that travel</h2><p class="muted">The same named mistake made by one '
               "student in two or more exercises: a misunderstanding, not a slip.</p>")
    if report.travel:
        by_name = defaultdict(list)
        for name, student, where in report.travel:
            by_name[name].append((student, where))
        out.append("<table><thead><tr><th>mistake</th><th>students</th><th>who, and where</th></tr></thead><tbody>")
        for name, rows in sorted(by_name.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            who = "; ".join(f"{e(s)} ({', '.join(e(k) for _, k in w)})" for s, w in rows)
            out.append(f"<tr><td><code>{e(name)}</code></td><td class=\"num\">{len(rows)}</td><td>{who}</td></tr>")
        out.append("</tbody></table>")
    else:
        out.append("<p>No student made the same named mistake in two exercises.</p>")
    # -- follow up
    out.append('<h2 id="follow">Students to follow up with</h2>')
    if report.follow_up:
        out.append("<table><thead><tr><th>student</th><th>why</th></tr></thead><tbody>")
        for student, reasons in report.follow_up:
            out.append(f"<tr><td>{e(student)}</td><td>{'<br>'.join(e(x) for x in reasons)}</td></tr>")
        out.append("</tbody></table>")
    else:
        out.append("<p>Nobody: every submission was attempted, finished in time and was accepted.</p>")
    out.append('<h2 id="unscored">Submissions the grader could not score</h2>')
    if report.unscored:
        out.append("<table><thead><tr><th>student</th><th>file</th><th>why</th></tr></thead><tbody>")
        for student, file, _nb, why in report.unscored:
            out.append(f"<tr><td>{e(student)}</td><td><code>{e(Path(file).name)}</code></td><td>{e(why)}</td></tr>")
        out.append("</tbody></table>")
    else:
        out.append("<p>None.</p>")
    out.append(f'<p class="muted">bpkit class report, written {e(_now())}.</p>')
    return _page("Class report", "\n".join(out))


def _now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


# ---------------------------------------------------------------------- feedback pages
def feedback_text(part):
    """What a student's feedback page says about one part: never a secret case nor an expected value.

    A named mistake is said in the checks' general words (the case-specific
    fields left as ``…``); a part the grader could not judge by its results is
    said with the grader's message (which names no case); an unnamed wrong
    result only says so.
    """
    o = outcome_of(part)
    if o is None:
        return "right"
    if part.diagnosis and part.diagnosis.get("text") and o not in STATUS_WORDS.values():
        return part.diagnosis["text"]
    if o in STATUS_WORDS.values():
        return part.message
    return "not right on the grader's cases: run the check cell in your notebook to see where it goes wrong"


def render_feedback(student, results, lessons_url=""):
    """One student's feedback page (a str): their exercises and parts only."""
    mine = [r for r in results if r.student == student]
    out = [f"<h1>Your feedback, {e(student)}</h1>"]
    repeated = defaultdict(set)
    for r in mine:
        out.append(f"<h2>{e(r.notebook)} — {r.points}/{r.max_points}</h2>")
        if r.error:
            out.append(f"<p class=\"bad\">{e(r.error.splitlines()[0])}</p>")
        if not r.parts:
            continue
        out.append("<table><thead><tr><th>part</th><th>points</th><th>what we found</th><th>revisit</th></tr>"
                   "</thead><tbody>")
        for p in r.parts:
            o = outcome_of(p)
            sec = section_for(p.part, o if o and is_named(o) else None)
            revisit = "" if o is None else _lesson_link(sec.link(), sec.title, lessons_url)
            mark = '<span class="ok">✓</span> ' if o is None else ""
            out.append(f"<tr><td>{e(p.part)} <code>{e(p.function)}</code></td><td class=\"num\">"
                       f"{p.points}/{p.max_points}</td><td>{mark}{e(feedback_text(p))}</td><td>{revisit}</td></tr>")
            if is_named(o) and o != NOT_WRITTEN_ID:
                repeated[mistake_name(o)].add(r.notebook)
        out.append("</tbody></table>")
    again = {k: v for k, v in repeated.items() if len(v) >= 2}
    if again:
        out.append("<h2>Mistakes you made more than once</h2><ul>")
        for name, nbs in sorted(again.items()):
            out.append(f"<li><code>{e(name)}</code> in {', '.join(e(n) for n in sorted(nbs))}</li>")
        out.append("</ul>")
    return _page(f"Feedback for {student}", "\n".join(out))


def _safe_name(student):
    return re.sub(r"[^A-Za-z0-9_.-]", "_", student).lstrip(".") or "student"


# ----------------------------------------------------------------------------- writing
def write_class_report(grades, out_dir=None, feedback=False, lessons_url=""):
    """Write report.html and report.csv (and feedback pages) for a grades folder; return the paths written.

    Parameters
    ----------
    grades : str or Path, a folder holding grades.json, or that file
    out_dir : folder to write into (default: the grades folder)
    feedback : bool, also write ``feedback/<student>.html`` per student
    lessons_url : str, prefix of the lesson links (default: relative ``lessons/...``)
    """
    header, results = load_grades(grades)
    grades = Path(grades)
    out = Path(out_dir) if out_dir else (grades if grades.is_dir() else grades.parent)
    return write_report(analyse(results, header), out, feedback, lessons_url)


def write_report(report, out, feedback=False, lessons_url=""):
    """Write the files of an analysed :class:`ClassReport` into folder ``out``; return their paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    hpath = out / HTML_NAME
    hpath.write_text(render_html(report, lessons_url), encoding="utf-8")
    written.append(hpath)
    written.append(write_csv(report, out / CSV_NAME))
    if feedback:
        fdir = out / FEEDBACK_DIR
        fdir.mkdir(exist_ok=True)
        names = {}
        for student in sorted({r.student for r in report.results}):
            name = _safe_name(student)
            while name in names.values():
                name += "_"
            names[student] = name
            path = fdir / f"{name}.html"
            path.write_text(render_feedback(student, report.results, lessons_url), encoding="utf-8")
            written.append(path)
    return written


def summary_lines(report):
    """A few lines for the terminal: the most common named mistake of each part."""
    lines = []
    for key, st in report.parts.items():
        ranked = [r for r in st.ranked()]
        top = f"; most common: {ranked[0][0]} ({ranked[0][1]})" if ranked else ""
        lines.append(f"{key} {st.function}: {st.passed}/{st.n} passed{top}")
    return lines

