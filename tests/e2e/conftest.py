"""Headless Chromium (Debian's package) driven by Playwright, with axe-core."""

import json
import shutil
from pathlib import Path

import axe_playwright_python
import pytest
from playwright.sync_api import sync_playwright

AXE_SOURCE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is required for end-to-end tests: `make test` installs it.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Visit:
    """A browser page that records every request it makes."""

    def __init__(self, page):
        self.page = page
        self.requests = []
        page.on("request", lambda request: self.requests.append(request.url))

    def origins(self):
        from urllib.parse import urlsplit

        return {f"{urlsplit(url).scheme}://{urlsplit(url).netloc}" for url in self.requests}

    def axe_violations(self):
        """Run axe-core (WCAG 2.1 A/AA and best practices) on the current page."""
        # Evaluated as code, not injected as a <script>: the site's CSP
        # rightly refuses inline scripts.
        self.page.evaluate(AXE_SOURCE)
        result = self.page.evaluate(
            "async () => JSON.stringify(await axe.run(document, {resultTypes: ['violations']}))"
        )
        violations = json.loads(result)["violations"]
        return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]} for v in violations]


@pytest.fixture
def visit(browser, live_server):
    """Open pages at a given width: ``visit("/", width=360)``."""
    contexts = []

    def open_page(path, width=1280, height=900):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        visit = Visit(page)
        page.goto(live_server.url + path)
        return visit

    yield open_page
    for context in contexts:
        context.close()
