"""Widget latency in a real JupyterLab + headless Chromium, per lesson panel.

For every browser spec (the harness fixture and ``tests/browser/specs/lesson_*.py``)
this starts one isolated JupyterLab, runs the notebook, presses the arrow key on
the panel's first slider N times and reports, measured inside the page with
``performance.now()``:

* cost text: key press -> the readout's ``data-value`` changed (median, p95);
* plot: key press -> first drawImage onto the panel's figure canvas (median, p95).

Targets (from the issue): cost text median < 30 ms and p95 < 60 ms; plot median < 100 ms.

Usage::

    python benchmarks/bench_widgets.py                 # 40 presses per panel, all specs
    python benchmarks/bench_widgets.py -n 80 -k lesson_01 --json out.json
    python benchmarks/bench_widgets.py --check         # exit 1 when a target is missed

Exits with status 2 (and says why) when Playwright or Chromium is missing.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "browser"))

import _lab  # noqa: E402

TEXT_MEDIAN_MS = 30.0
TEXT_P95_MS = 60.0
PLOT_MEDIAN_MS = 100.0


def _fmt(x):
    return "   -  " if x is None or math.isnan(x) else f"{x:6.1f}"


def bench(specs, presses, screenshots):
    """Run every spec; returns a list of result rows (dicts)."""
    from playwright.sync_api import sync_playwright

    rows = []
    with _lab.LabServer([s.notebook for s in specs]) as server, sync_playwright() as pw:
        browser = _lab.launch_chromium(pw)
        try:
            for spec in specs:
                t0 = time.monotonic()
                row = {"spec": spec.name, "notebook": spec.notebook, "panel": spec.panel_css,
                       "readout": spec.readout_css, "presses": presses}
                try:
                    res = _lab.lesson_run(browser, server, spec, presses=presses, screenshots=screenshots)
                except (AssertionError, TimeoutError, RuntimeError) as exc:
                    row["error"] = str(exc).splitlines()[0][:300]
                    rows.append(row)
                    continue
                if res["errors"]:
                    row["error"] = f"cell error: {res['errors'][0][1].strip().splitlines()[-1][:200]}"
                    rows.append(row)
                    continue
                ps = res["presses"]
                n, med, p95 = _lab.summarize(p.text_ms for p in ps)
                row.update(run_all_s=res["run_s"], text_n=n, text_median_ms=med, text_p95_ms=p95,
                           wrong_values=sum(not p.correct for p in ps))
                if spec.figure:
                    n, med, p95 = _lab.summarize(p.figure_ms for p in ps)
                    row.update(plot_n=n, plot_median_ms=med, plot_p95_ms=p95)
                row["wall_s"] = time.monotonic() - t0
                rows.append(row)
        finally:
            browser.close()
    return rows


def meets_targets(row):
    if "error" in row or row.get("wrong_values"):
        return False
    ok = row["text_median_ms"] < TEXT_MEDIAN_MS and row["text_p95_ms"] < TEXT_P95_MS
    if "plot_median_ms" in row:
        ok = ok and row["plot_n"] == row["presses"] and row["plot_median_ms"] < PLOT_MEDIAN_MS
    return ok


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--presses", type=int, default=40, help="key presses per panel (default 40)")
    parser.add_argument("-k", "--only", default="", help="run only specs whose name contains this text")
    parser.add_argument("--no-fixture", action="store_true", help="leave out the harness's own fixture panel")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON to this file")
    parser.add_argument("--screenshots", action="store_true", help="save screenshots to artifacts/screenshots/")
    parser.add_argument("--check", action="store_true", help="exit 1 when a panel misses a target")
    args = parser.parse_args(argv)
    if args.presses < 2:
        parser.error(f"--presses must be at least 2, got {args.presses}")

    reason = _lab.browser_unavailable()
    if reason:
        print(f"bench_widgets: cannot run: {reason}", file=sys.stderr)
        return 2
    specs = [_lab.load_spec(p) for p in _lab.discover_specs(include_fixture=not args.no_fixture)]
    specs = [s for s in specs if args.only in s.name]
    if not specs:
        print(f"bench_widgets: no spec matches {args.only!r}", file=sys.stderr)
        return 2

    rows = bench(specs, args.presses, args.screenshots)
    print(f"\nwidget latency, {args.presses} key presses per panel, JupyterLab + headless Chromium "
          f"(targets: text median < {TEXT_MEDIAN_MS:.0f} ms, p95 < {TEXT_P95_MS:.0f} ms; "
          f"plot median < {PLOT_MEDIAN_MS:.0f} ms)")
    header = f"{'spec':<14} {'panel':<28} {'text med':>8} {'text p95':>8} {'plot med':>8} {'plot p95':>8}  targets"
    print(header)
    print("-" * len(header))
    for row in rows:
        if "error" in row:
            print(f"{row['spec']:<14} {row['panel']:<28} FAILED: {row['error']}")
            continue
        verdict = "met" if meets_targets(row) else "MISSED"
        if row.get("wrong_values"):
            verdict += f" ({row['wrong_values']} wrong readouts)"
        print(f"{row['spec']:<14} {row['panel']:<28} {_fmt(row['text_median_ms']):>8} {_fmt(row['text_p95_ms']):>8} "
              f"{_fmt(row.get('plot_median_ms')):>8} {_fmt(row.get('plot_p95_ms')):>8}  {verdict}")
    print("(ms from key press to: readout data-value changed / first repaint of the panel's figure canvas)")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
        print(f"wrote {args.json}")
    if args.check and not all(meets_targets(r) for r in rows):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
