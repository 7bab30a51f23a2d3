"""``/docs`` in Chromium with no network: every request to another host is refused, and
Swagger UI still draws every operation of ``/openapi.json`` (its files come from the app), and
axe-core finds nothing serious or critical on it, and opening an operation still deep-links it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Page, Route

from tests.browser.axe import serious_violations
from tests.browser.conftest import WAIT_MS, ServedShop

LOCAL = frozenset({"127.0.0.1", "localhost"})


def test_docs_render_every_operation_offline(
    chromium: Browser, online_shop: ServedShop, screenshot: Callable[[Page, str], Path]
) -> None:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    refused: list[str] = []
    problems: list[str] = []

    def only_this_machine(route: Route) -> None:
        if urlsplit(route.request.url).hostname in LOCAL:
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    context.route("**/*", only_this_machine)
    try:
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(str(error)))
        # A Content-Security-Policy refusal is reported on the console as an error.
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.goto(f"{online_shop.url}/docs")
        page.wait_for_selector(".opblock")
        operations = page.evaluate(
            "async () => { const doc = await (await fetch('/openapi.json')).json();"
            " return Object.values(doc.paths).reduce((n, p) => n + Object.keys(p).length, 0); }"
        )
        assert page.locator(".opblock").count() == operations > 10
        assert page.locator(".info .title").inner_text().startswith("shopagent")
        screenshot(page, "docs-offline")
        # The page, its script, its style sheet and the document all came from the app.
        assert refused == [] and problems == []
        assert page.evaluate("typeof SwaggerUIBundle") == "function"
        assert serious_violations(page) == []
        # The operation's path is drawn without its link (api/static/docs/docs-plugins.js),
        # yet deep linking still works: opening an operation puts it in the address.
        page.locator(".opblock-summary-control").first.click()
        page.wait_for_url("**/docs#/**")
    finally:
        context.close()
