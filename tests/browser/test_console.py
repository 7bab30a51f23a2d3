"""The merchandiser console in Chromium: signed in through its form, the copy, batch, reorders
and analytics pages driven as a merchandiser would, each scanned by axe-core and checked at
1280 px and 390 px for horizontal scrolling."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from infra.identity import Identity
from tests.browser.axe import serious_violations
from tests.browser.conftest import ServedShop
from tests.e2e.test_console import UNANSWERED, prepare_console_data

pytestmark = pytest.mark.e2e

Shot = Callable[[Page, str], Path]


@pytest.fixture(scope="module")
def console_shop(
    online_retail_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServedShop]:
    """``shopagent serve`` on a store with one forecast run and events in the lake."""
    scratch = tmp_path_factory.mktemp("console-shop")
    data_dir = prepare_console_data(online_retail_dir, scratch / "data", tmp_path_factory)
    shop = ServedShop(data_dir, "online-retail")
    shop.start()
    try:
        yield shop
    finally:
        shop.stop()


@pytest.fixture
def console(console_shop: ServedShop, open_page: Callable[..., Page]) -> Iterator[Page]:
    """A page signed in to the console through its sign-in form."""
    page = open_page(f"{console_shop.url}/console/copy")
    expect(page.get_by_role("heading", name="Sign in to the console")).to_be_visible()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None)
    staff = Identity.from_settings(console_shop.settings).issue("staff:merch", "staff")
    page.get_by_label("Staff token").fill(staff)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Product copy", level=1)).to_be_visible()
    yield page
    assert blocked == [], f"the CSP blocked something: {blocked}"


def check_page(page: Page, name: str, screenshot: Shot) -> None:
    """axe finds nothing serious at 1280 px, and neither width scrolls sideways."""
    assert serious_violations(page) == []
    screenshot(page, f"console-{name}")
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"{name} is {wide} px wide at {width} px"
    screenshot(page, f"console-{name}-390")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_copy_is_written_and_compared_in_the_browser(console: Page, screenshot: Shot) -> None:
    page = console
    page.get_by_label("Product id").fill("22423")
    page.locator("#language").select_option("de")
    page.locator("#tone").select_option("elegant")
    page.get_by_role("button", name="Write a new version").click()
    expect(page.get_by_role("article", name="Version 1")).to_be_visible()
    page.locator("#tone").select_option("playful")
    page.get_by_role("button", name="Write a new version").click()
    expect(page.get_by_role("article", name="Version 2")).to_be_visible()
    expect(page.get_by_role("article", name="Version 1")).to_be_visible()  # side by side
    left = page.get_by_role("article", name="Version 1").bounding_box()
    right = page.get_by_role("article", name="Version 2").bounding_box()
    assert left and right and left["x"] < right["x"] and abs(left["y"] - right["y"]) < 2
    check_page(page, "copy", screenshot)


def test_a_category_batch_shows_its_progress(console: Page) -> None:
    page = console
    page.get_by_label("Category").select_option("cake stand")
    page.get_by_label("At most").fill("3")
    page.get_by_role("button", name="Start the batch").click()
    expect(page.get_by_role("heading", name="Writing the category “cake stand”")).to_be_visible()
    # The page's script follows the job, then reloads to list what was written.
    expect(page.get_by_role("status")).to_contain_text("3 of 3 written")
    expect(page.get_by_role("heading", name="Products written")).to_be_visible()
    assert page.locator("table.stack tbody tr").count() == 3


def test_reorders_are_filtered_and_charted(console: Page, screenshot: Shot) -> None:
    page = console
    page.get_by_role("link", name="Reorders").click()
    page.get_by_label("Urgency").select_option("high")
    page.get_by_label("Sort by").select_option("daily_demand")
    page.get_by_role("button", name="Show", exact=True).click()
    rows = page.locator("li.reorder")
    expect(rows).to_have_count(20)
    assert rows.locator("svg[role=img] polygon.band").count() == 20  # each forecast's interval
    badges = page.locator("li.reorder .badge").all_inner_texts()
    assert {b.split(":")[0] for b in badges} == {"High"}
    page.get_by_role("link", name="Next page").click()
    expect(page.locator("#count")).to_contain_text("page 2 of")
    check_page(page, "reorders", screenshot)


def test_analytics_are_charted(console: Page, screenshot: Shot) -> None:
    page = console
    page.get_by_role("link", name="Analytics").click()
    expect(page.get_by_role("heading", name="Searches without results")).to_be_visible()
    assert page.locator("svg.chart[role=img]").count() == 4
    chart = page.get_by_role("img", name="Searches that found nothing")
    described = chart.locator("desc").text_content() or ""
    assert all(f"{query}: {n} searches" in described for query, n in UNANSWERED.items())
    check_page(page, "analytics", screenshot)


def test_the_sign_in_and_review_pages(
    console_shop: ServedShop, open_page: Callable[..., Page], console: Page, screenshot: Shot
) -> None:
    """The two pages the other tests only pass through: the sign-in form, and the review
    analyzer with two pasted reviews (one holding an e-mail address, shown masked)."""
    signed_out = open_page(f"{console_shop.url}/console/reviews")
    expect(signed_out.get_by_role("heading", name="Sign in to the console")).to_be_visible()
    check_page(signed_out, "sign-in", screenshot)

    page = console
    page.goto(f"{console_shop.url}/console/reviews")
    page.get_by_label("Reviews").fill(
        "Lovely mug, arrived quickly and the colour is bright.\n\n"
        "Broke in a week, write to me at jo.bloggs@example.com about a refund."
    )
    page.get_by_role("button", name="Analyze").click()
    expect(page.get_by_role("heading", name="Sentiment of 2 reviews")).to_be_visible()
    assert "jo.bloggs@example.com" not in page.content()
    check_page(page, "reviews", screenshot)
