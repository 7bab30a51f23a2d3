"""axe-core accessibility scans of a page in a real browser.

axe-core is the npm package the Makefile's ``services`` target installs into
``~/.cache/shopagent/axe-core-<version>``; it is read from there and evaluated in the page, so
nothing is fetched from a CDN. It is evaluated through the DevTools protocol rather than added
as a ``<script>`` tag: the page's Content-Security-Policy (rightly) refuses inline scripts it
did not ship, and the tests keep that policy on.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE_VERSION = "4.14.1"
AXE_JS = (
    Path.home()
    / ".cache"
    / "shopagent"
    / f"axe-core-{AXE_VERSION}"
    / "node_modules"
    / "axe-core"
    / "axe.min.js"
)
SERIOUS = frozenset({"serious", "critical"})


@cache
def _source() -> str:
    if not AXE_JS.is_file():
        raise RuntimeError(f"axe-core is not installed at {AXE_JS}: run `make services`")
    return AXE_JS.read_text(encoding="utf-8")


def violations(page: Page) -> list[dict[str, Any]]:
    """Every axe-core violation on the page as it is now (all rules axe runs by default)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_source())
    result: dict[str, Any] = page.evaluate("async () => await window.axe.run(document)")
    found: list[dict[str, Any]] = result["violations"]
    return found


def serious_violations(page: Page) -> list[dict[str, Any]]:
    """The violations of impact serious or critical, each as rule id, impact, help and the
    first few offending elements' selectors (so a failing assert says what to fix)."""
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"][:5]],
        }
        for v in violations(page)
        if v.get("impact") in SERIOUS
    ]
