"""Browser tests: Debian's Chromium driven by Playwright for Python against a served app.

Fixtures and helpers here:

- ``chromium`` (package): a headless Chromium, ``/usr/bin/chromium`` launched by Playwright's
  sync API with ``--no-sandbox`` (no browser is ever downloaded; ``make services`` installs the
  Debian package).
- ``open_page`` (function): ``open_page(url, width=1280, height=900) -> Page``, a page in a
  fresh browser context (its own cookies and storage) at that viewport; every context is
  closed at the end of the test, and a test fails if a page threw an uncaught script error.
- ``online_shop`` and ``tau_shop`` (package: one each for all the browser tests, stopped when
  they are done): a ``ServedShop``, the app served by ``shopagent serve`` in its own process
  (``tests/served_process.py``) on the embedded defaults, on a private copy of the
  online-retail (GBP) or tau-retail (USD) demo store. Tests share its store and its rate
  limits (anonymous chat: 10 messages, then one every 2 s per client address).
  ``shop.url`` is its base URL, ``shop.token(user_id)`` a shopper token the page can sign in
  with, ``shop.stop()`` / ``shop.start()`` drop and restart it on the same data directory and
  port (a page's reconnect then reaches the new process).
- ``screenshot`` (function): ``screenshot(page, name)`` saves the viewport as
  ``reports/screenshots/<name>.png`` (a test artifact; ``reports/`` is not in git) and returns
  its path.
- ``tests/browser/axe.py``: ``serious_violations(page)``, the axe-core violations of impact
  serious or critical on the page as it is.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack, suppress
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Error, Page, expect, sync_playwright

import tests.served_process as served_process
from infra.identity import Identity
from infra.local_services import free_port
from infra.settings import Settings

CHROMIUM = "/usr/bin/chromium"
# How long a page action or an ``expect`` waits for its condition (Playwright: 30 s and 5 s). A
# wait, not a measure: a chat turn drawn by Chromium beside the served app on two busy cores can
# take longer than 5 s, and a condition that holds ends the wait at once.
WAIT_MS = 60_000
SCREENSHOTS = Path(__file__).resolve().parents[2] / "reports" / "screenshots"


@pytest.fixture(scope="package")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, for the browser tests. Package scope, not session: while
    Playwright's sync API runs, its event loop counts as running in the main thread, and every
    later test that calls ``asyncio.run`` would fail."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: run `make services` (Debian's chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        expect.set_options(timeout=WAIT_MS)
        yield browser
        browser.close()


@pytest.fixture
def open_page(chromium: Browser) -> Iterator[Callable[..., Page]]:
    """``open_page(url, width=1280, height=900)``: a page in its own context, at ``url``."""
    contexts = []
    errors: list[str] = []

    def open_at(url: str, width: int = 1280, height: int = 900) -> Page:
        context = chromium.new_context(viewport={"width": width, "height": height})
        context.set_default_timeout(WAIT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url)
        return page

    yield open_at
    for context in contexts:
        with suppress(Error):  # already gone with its browser
            context.close()
    assert errors == [], f"a page threw: {errors}"


def save_screenshot(page: Page, name: str) -> Path:
    """Save the page's viewport as ``reports/screenshots/<name>.png``; its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


@pytest.fixture
def screenshot() -> Callable[[Page, str], Path]:
    """``screenshot(page, name)``: see ``save_screenshot``."""
    return save_screenshot


class ServedShop:
    """``shopagent serve`` on one data directory and one port, stopped and started at will."""

    def __init__(self, data_dir: Path, dataset: str) -> None:
        self.data_dir = data_dir
        self.settings = Settings(data_dir=data_dir, dataset=dataset)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._running: ExitStack | None = None

    def start(self) -> None:
        """Serve on ``self.port`` until ``stop``; returns once ``/readyz`` answers."""
        env = {
            **os.environ,
            "SHOPAGENT_DATA_DIR": str(self.data_dir),
            "SHOPAGENT_DATASET": self.settings.dataset,
        }
        running = ExitStack()
        # ``serving`` picks a free port itself; a restart must come back on the same one.
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(served_process, "free_port", lambda: self.port)
            url = running.enter_context(served_process.serving(env, log_dir=self.data_dir.parent))
        assert url == self.url
        self._running = running

    def stop(self) -> None:
        """Stop the server process (and wait for it)."""
        if self._running is not None:
            running, self._running = self._running, None
            running.close()

    def token(self, user_id: str) -> str:
        """A shopper token for ``user_id``, signed with this shop's own key."""
        return Identity.from_settings(self.settings).issue(f"user:{user_id}", "shopper")


def _shop(source: Path, scratch: Path, dataset: str) -> Iterator[ServedShop]:
    data_dir = scratch / "data"
    shutil.copytree(source, data_dir)
    shop = ServedShop(data_dir, dataset)
    shop.start()
    try:
        yield shop
    finally:
        shop.stop()


@pytest.fixture(scope="package")
def online_shop(
    online_retail_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServedShop]:
    """The app served on a private copy of the online-retail store (prices in GBP)."""
    yield from _shop(online_retail_dir, tmp_path_factory.mktemp("online-shop"), "online-retail")


@pytest.fixture(scope="package")
def tau_shop(
    tau_retail_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServedShop]:
    """The app served on a private copy of the tau-retail store (prices in USD)."""
    yield from _shop(tau_retail_dir, tmp_path_factory.mktemp("tau-shop"), "tau-retail")
