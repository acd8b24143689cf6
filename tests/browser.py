"""Headless Chromium for the book and JupyterLab checks, offline.

Where no Chromium is installed the tests skip and say so; CI sets
REQUIRE_BROWSER=1 so that a missing browser fails instead of skipping.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def chromium_path():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    message = "no Chromium installed (apt-get install -y chromium); browser checks skipped"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(message.replace("skipped", "required here (REQUIRE_BROWSER=1)"))
    pytest.skip(message)


@contextmanager
def chromium():
    """A headless Chromium, closed when the block ends; pages come from :func:`offline_page`.

    A test module that opens many pages shares one (starting Chromium takes most of a second).
    """
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def offline_page(allowed_prefixes=("file://",), browser=None):
    """A Playwright page whose requests outside ``allowed_prefixes`` are blocked and recorded.

    ``page.blocked`` lists the blocked requests; ``page.errors`` collects what the page logs as
    an error in its console, and uncaught exceptions. The page has a browser context of its own
    (no cookies or storage from another page), in ``browser`` if given, else in a Chromium
    started for it.
    """
    if browser is None:
        with chromium() as started, offline_page(allowed_prefixes, started) as page:
            yield page
        return
    context = browser.new_context(viewport={"width": 1280, "height": 1600})
    try:
        page = context.new_page()
        page.blocked = []
        page.errors = []
        page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
        page.on("pageerror", lambda e: page.errors.append(str(e)))

        def route(r):
            if r.request.url.startswith(allowed_prefixes) or r.request.url.startswith("data:"):
                r.continue_()
            else:
                page.blocked.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        yield page
    finally:
        context.close()
