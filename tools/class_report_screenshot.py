"""Remake ``docs/class_report.png``, the instructor guide's picture of ``bpkit-grade report``.

    python tools/class_report_screenshot.py      # needs Chromium and Playwright (the test extra)

It grades nothing: it writes the planted class of the report's own test (40 students, every
part's named mistakes planted by ``tests/grader/planted_class.py``), runs ``bpkit-grade report``
on it, and photographs the section of part 04.1 in headless Chromium, so the picture shows the
report as the current parts, messages and lesson links make it.
"""
from __future__ import annotations

import pathlib
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "grader"), str(ROOT / "tests" / "browser")]

import _lab  # noqa: E402
import planted_class as pc  # noqa: E402

from bpkit import grade  # noqa: E402
from bpkit._grading import class_report as cr  # noqa: E402

OUT = ROOT / "docs" / "class_report.png"


def main():
    reason = _lab.browser_unavailable()
    if reason:
        raise SystemExit(f"no browser: {reason}")
    folder = pathlib.Path(tempfile.mkdtemp(prefix="bpkit-report-"))
    pc.write_class(folder, pc.make_class(40, pc.planted_mistakes()))
    if grade.main(["report", str(folder)]) != 0:
        raise SystemExit("bpkit-grade report failed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = _lab.launch_chromium(p)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 640})
            page.goto((folder / cr.HTML_NAME).resolve().as_uri(), wait_until="load")
            part = page.locator("section.part").filter(has_text="04.1").first
            page.evaluate("(el) => el.scrollIntoView({block: 'start'})", part.element_handle())
            page.screenshot(path=str(OUT))
        finally:
            browser.close()
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
