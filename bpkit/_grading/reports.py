"""What a grading run writes and prints: grades.json, grades.csv, shard files and their merge, the table.

Split from :mod:`bpkit.grade` (the command); the records themselves are in
:mod:`bpkit._grading.records`.
"""
from __future__ import annotations

import csv
import datetime
import json
from pathlib import Path

from .records import CSV_COLUMNS, CSV_NAME, GRADER_NAME, JSON_NAME, NO_PART, NOTHING_TO_GRADE, SubmissionResult

__all__ = ["MergeError", "format_table", "merge_reports", "rows_of", "shard_names", "write_reports"]


def _records(results):
    """The results as SubmissionResult records (entries of a grades.json read back are converted)."""
    return [r if isinstance(r, SubmissionResult) else SubmissionResult.from_json(r) for r in results]


def rows_of(results):
    """The rows of grades.csv (:class:`GradeRow`): one per part, and one for each ungradable file."""
    return [row for r in _records(results) for row in r.rows()]


def _header(config):
    """The keys of grades.json before its submissions."""
    return {
        "grader": GRADER_NAME,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "seed": config.seed,
        "timeout": config.timeout,
        "solutions": str(config.solutions),
    }


def shard_names(shard):
    """The file names shard ``(K, N)`` writes instead of grades.json / grades.csv."""
    k, n = shard
    stem = f"grades.shard-{k}-of-{n}"
    return stem + ".json", stem + ".csv"


def _write(doc, results, jpath, cpath):
    jpath.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    with cpath.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
        w.writeheader()
        w.writerows(row.to_csv() for row in rows_of(results))
    return jpath, cpath


def write_reports(results, out_dir, config, shard=None, positions=None, total=None):
    """Write ``grades.json`` and ``grades.csv`` into ``out_dir``; return their paths.

    With ``shard=(K, N)`` the files are ``grades.shard-K-of-N.json`` / ``.csv``
    and the JSON also records the shard, the positions of its submissions in the
    whole list and the size of that list, which :func:`merge_reports` needs.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    doc = _header(config)
    names = (JSON_NAME, CSV_NAME)
    if shard is not None:
        names = shard_names(shard)
        doc["shard"] = {"k": shard[0], "n": shard[1], "total": int(total), "positions": [int(i) for i in positions]}
    doc["submissions"] = [r.to_json() for r in _records(results)]
    return _write(doc, results, out / names[0], out / names[1])


class MergeError(ValueError):
    """The shard files given to :func:`merge_reports` do not make up one whole run; the message says why."""


def _shard_files(paths):
    files = []
    for p in map(Path, paths):
        files += sorted(p.glob("grades.shard-*-of-*.json")) if p.is_dir() else [p]
    return files


def merge_reports(out_dir, shard_paths):
    """Join the shard files of one run (all K of N, same seed) into ``grades.json`` and ``grades.csv``.

    ``shard_paths`` are shard JSON files or folders holding them. The result
    is the files a single run over the whole folder writes: the submissions in
    the same order, the same rows. Returns the two paths; raises
    :class:`MergeError` when a shard is missing, repeated, or from another run.
    """
    files = _shard_files(shard_paths)
    if not files:
        raise MergeError("no shard files (grades.shard-K-of-N.json) given")
    docs = []
    for f in files:
        try:
            doc = json.loads(Path(f).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise MergeError(f"{f}: cannot be read ({type(exc).__name__}: {exc})") from None
        if not isinstance(doc, dict) or not isinstance(doc.get("shard"), dict):
            raise MergeError(f"{f}: not a shard file of bpkit-grade --shard")
        docs.append((f, doc))
    first = docs[0][1]
    n, total = first["shard"]["n"], first["shard"]["total"]
    for f, doc in docs:
        for key in ("seed", "timeout"):
            if doc.get(key) != first.get(key):
                raise MergeError(f"{f}: {key} {doc.get(key)!r} differs from {first.get(key)!r} in {docs[0][0]}: "
                                 "the shards of one run share --seed and --timeout")
        if doc["shard"]["n"] != n or doc["shard"]["total"] != total:
            raise MergeError(f"{f}: shard of {doc['shard']['n']} ({doc['shard']['total']} submissions), "
                             f"the others are of {n} ({total} submissions)")
    ks = sorted(doc["shard"]["k"] for _, doc in docs)
    if ks != list(range(1, n + 1)):
        missing = sorted(set(range(1, n + 1)) - set(ks))
        repeated = sorted({k for k in ks if ks.count(k) > 1})
        raise MergeError(f"shards of {n}: " + "; ".join(
            x for x in (f"missing {missing}" if missing else "", f"given twice {repeated}" if repeated else "") if x))
    by_position = {}
    for f, doc in docs:
        positions, subs = doc["shard"]["positions"], doc["submissions"]
        if len(positions) != len(subs):
            raise MergeError(f"{f}: {len(subs)} submissions but {len(positions)} positions")
        by_position.update(zip(positions, subs))
    if sorted(by_position) != list(range(total)):
        raise MergeError(f"the shards hold {len(by_position)} of the run's {total} submissions")
    results = [SubmissionResult.from_json(by_position[i]) for i in range(total)]
    doc = {k: first[k] for k in ("grader", "seed", "timeout", "solutions")}
    doc = {"grader": doc["grader"],
           "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
           "seed": doc["seed"], "timeout": doc["timeout"], "solutions": doc["solutions"],
           "submissions": [r.to_json() for r in results]}
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return _write(doc, results, out / JSON_NAME, out / CSV_NAME)


def _table_lines(r):
    """The table's lines of one submission: a line per part and its total, or one saying why there are none."""
    lines = [[r.student, r.notebook, p.part, p.function, f"{p.points}/{p.max_points}", p.message]
             for p in r.parts]
    if r.parts:
        lines.append([r.student, r.notebook, "total", "", f"{r.points}/{r.max_points}", ""])
    else:
        lines.append([r.student, r.notebook, NO_PART, "", "0/0", (r.error or NOTHING_TO_GRADE).splitlines()[0]])
    return lines


def format_table(results, width=100):
    """The per-part table printed on stdout."""
    head = ["student", "notebook", "part", "function", "points", "message"]
    lines = [line for r in _records(results) for line in _table_lines(r)]
    widths = [max([len(h)] + [len(str(l[i])) for l in lines]) for i, h in enumerate(head[:-1])]

    def fmt(cols):
        msg = str(cols[-1])
        if len(msg) > width:
            msg = msg[: width - 1] + "…"
        return "  ".join(str(c).ljust(w) for c, w in zip(cols[:-1], widths)) + "  " + msg

    out = [fmt(head), fmt(["-" * w for w in widths] + ["-" * 7])]
    out += [fmt(l).rstrip() for l in lines]
    return "\n".join(out)
