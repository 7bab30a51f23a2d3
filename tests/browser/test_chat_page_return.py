"""A signed-in shopper returns an item from the chat page, on the tau-retail store (USD): signs
in with a token the service issued, reaches her own picks and orders from the page, sees the
whole summary of the change with yes / no buttons, and confirms with the button; the store
changes."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.auth import bearer
from tests.browser.axe import serious_violations
from tests.browser.conftest import ServedShop
from tests.browser.test_chat_page import click_and_wait, ready, say

pytestmark = pytest.mark.e2e

SHOPPER = "yara_sanchez_1902"
ORDER = "#W6015009"


def order_status(shop: ServedShop) -> str:
    staff = bearer(shop.settings, "staff:tester", "staff")
    answer = httpx.post(
        f"{shop.url}/v1/tools/get_order_details", json={"order_id": ORDER}, headers=staff
    )
    answer.raise_for_status()
    return str(answer.json()["status"])


def test_a_return_confirmed_with_the_buttons(
    tau_shop: ServedShop, open_page: Callable[..., Page], screenshot: Callable[[Page, str], Path]
) -> None:
    page = open_page(tau_shop.url)
    expect(page.get_by_label("Your message")).to_have_attribute("placeholder", re.compile(r"\$\d"))
    # Anonymous: the shopper's own picks and orders are not offered yet.
    expect(page.get_by_role("button", name="My orders", exact=True)).to_be_hidden()
    # A token the service did not issue is refused, and the page goes on anonymously.
    page.locator("#signin-toggle").click()
    page.get_by_label("Access token").fill("not-a-token")
    page.locator("#signin").get_by_role("button", name="Sign in").click()
    expect(page.locator("#log .turn.error")).to_contain_text("Sign-in failed")
    ready(page)
    expect(page.locator("#who")).to_have_text("")
    page.locator("#signin-toggle").click()
    page.get_by_label("Access token").fill(tau_shop.token(SHOPPER))
    page.locator("#signin").get_by_role("button", name="Sign in").click()
    expect(page.locator("#who")).to_have_text("Signed in (shopper)")
    ready(page)
    expect(page.locator("#log .turn.bot").first).to_contain_text("You are signed in")

    picks = click_and_wait(page, page.get_by_role("button", name="My picks", exact=True))
    expect(page.locator("#log .turn.user").last).to_have_text("recommend something for me")
    expect(picks.locator(".card").first).to_be_visible()
    assert "$" in picks.locator(".card .price").first.inner_text()
    orders = click_and_wait(page, page.get_by_role("button", name="My orders", exact=True))
    expect(orders.locator(".text")).to_contain_text(f"Order {ORDER} is delivered")
    say(page, "I'd like to return the sunglasses")
    question = say(page, "to the original card please")

    # The change is summarised in full, above the input bar, with yes / no buttons.
    expect(question.locator(".text")).to_contain_text(f"Return from order {ORDER}: Sunglasses")
    expect(question.locator(".text")).to_contain_text("Shall I go ahead?")
    yes = question.get_by_role("button", name="Yes, go ahead")
    expect(yes).to_be_visible()
    expect(question.get_by_role("button", name="No", exact=True)).to_be_visible()
    expect(question.locator("details.did li")).to_contain_text(
        f"proposed: return items of order {ORDER}"
    )
    box = question.bounding_box()
    bar = page.locator("#composer").bounding_box()
    assert box is not None and bar is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= bar["y"], "the summary is hidden"
    screenshot(page, "chat-confirm")
    assert serious_violations(page) == []
    assert order_status(tau_shop) == "delivered"  # asked about, not done

    done = click_and_wait(page, yes)
    expect(page.locator("#log .turn.user").last).to_have_text("yes")
    expect(done.locator(".text")).to_contain_text(f"Done: order {ORDER} is set up for a return")
    expect(done.locator("details.did li").last).to_have_text(f"done: return items of order {ORDER}")
    expect(page.locator(".confirm")).to_have_count(0)  # answered: no stale buttons
    assert order_status(tau_shop) == "return requested"
