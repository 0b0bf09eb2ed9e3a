"""Session fixtures of the browser test: one JupyterLab server and one Chromium for all lessons.

The whole folder is skipped, with the reason printed by ``-ra``, when Playwright
or a system Chromium is missing.
"""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _lab  # noqa: E402


def _specs():
    # a spec that does not load fails its own test (test_lab.py loads it again);
    # it must not take the server, and so every other lesson, down with it
    specs = []
    for path in _lab.discover_specs():
        try:
            specs.append(_lab.load_spec(path))
        except Exception:  # noqa: BLE001 - reported by the spec's own test
            continue
    return specs


@pytest.fixture(scope="session")
def browser_specs():
    return _specs()


@pytest.fixture(scope="session")
def lab_server(browser_specs):
    reason = _lab.browser_unavailable()
    if reason:
        pytest.skip(f"browser test skipped: {reason}")
    server = _lab.LabServer([s.notebook for s in browser_specs])
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def chromium(lab_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = _lab.launch_chromium(pw)
        try:
            yield browser
        finally:
            browser.close()
