"""The shopper's chat page in Chromium, on the online-retail store (GBP): a conversation with
cards and quick replies, errors that leave the input usable, a new chat, the phone width, and a
server that drops and comes back (the page resumes the conversation and draws its history).
Every state scanned by axe-core: no serious or critical violation."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.axe import serious_violations
from tests.browser.conftest import ServedShop

pytestmark = pytest.mark.e2e

Shot = Callable[[Page, str], Path]


def ready(page: Page) -> Page:
    """``page`` once it is connected and shows its first answer (the greeting or history)."""
    expect(page.locator("#status")).to_have_text("connected")
    expect(page.locator("#log .turn.bot").first).to_be_visible()
    return page


def say(page: Page, text: str) -> Locator:
    """Type ``text``, send it, wait for the answer; the answer's bubble."""
    answers = page.locator("#log .turn.bot")
    before = answers.count()
    page.get_by_label("Your message").fill(text)
    page.get_by_role("button", name="Send").click()
    expect(answers).to_have_count(before + 1)
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    return answers.nth(before)


def click_and_wait(page: Page, button: Locator) -> Locator:
    """Press ``button`` (one that sends a request), wait for the answer; its bubble."""
    answers = page.locator("#log .turn.bot")
    before = answers.count()
    button.click()
    expect(answers).to_have_count(before + 1)
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    return answers.nth(before)


def assert_accessible(page: Page) -> None:
    assert serious_violations(page) == []


def test_a_shopping_conversation_with_cards_and_quick_replies(
    online_shop: ServedShop, open_page: Callable[..., Page], screenshot: Shot
) -> None:
    page = open_page(online_shop.url)
    # The first screen: a heading, a greeting with the store's own suggestions, £ prices.
    expect(page.get_by_role("heading", level=1)).to_have_text("Shop assistant")
    expect(page.locator("main")).to_be_visible()
    greeting = page.locator("#log .turn.bot").first
    expect(greeting).to_contain_text("Hello!")
    suggestions = greeting.locator(".replies button")
    expect(suggestions.first).to_be_visible()
    assert suggestions.count() >= 3
    assert "£" in suggestions.first.inner_text()
    expect(page.get_by_label("Your message")).to_have_attribute("placeholder", re.compile(r"£\d"))
    assert_accessible(page)

    # A suggestion is sent as the shopper's message; the answer shows product cards.
    example = suggestions.first.inner_text()
    answer = click_and_wait(page, suggestions.first)
    expect(page.locator("#log .turn.user").last).to_have_text(example)
    cards = answer.locator(".card")
    assert cards.count() >= 2
    for card in cards.all():
        assert card.locator("h3").inner_text()
        assert re.fullmatch(r"£\d+\.\d\d", card.locator(".price").inner_text())
        assert re.search(r"in stock|out of stock", card.inner_text(), re.I)
        picture = card.locator("img")
        assert re.search(r"/static/chat/\w+\.svg$", picture.get_attribute("src") or "")
        assert picture.evaluate("img => img.complete && img.naturalWidth > 0")
    # What the assistant did is one collapsed line in words, never raw JSON.
    did = answer.locator("details.did")
    expect(did.locator("summary")).to_have_text(re.compile(r"What I did \(\d steps?\)"))
    expect(did.locator("li").first).to_be_hidden()
    did.locator("summary").click()
    expect(did.locator("li").first).to_contain_text("searched the catalog for")
    log_text = page.locator("#log").inner_text()
    assert '{"' not in log_text and "search_products" not in log_text
    screenshot(page, "chat-desktop-shopping")
    assert_accessible(page)

    # Quick replies come from the assistant's own hints ("e.g. 'is the first one in stock?'").
    replies = answer.locator(".replies button")
    hinted = [r.inner_text() for r in replies.all()]
    assert hinted and all(f"'{h}'" in answer.locator(".text").inner_text() for h in hinted)
    follow = click_and_wait(page, replies.first)
    expect(page.locator("#log .turn.user").last).to_have_text(hinted[0])
    expect(follow.locator(".text")).not_to_be_empty()
    expect(answer.locator(".replies")).to_have_count(0)  # offers belong to the latest answer

    # A card's "Similar" works from the keyboard and sends the request for that product.
    first = follow.locator(".card").first if follow.locator(".card").count() else cards.first
    title = first.locator("h3").inner_text()
    similar = first.get_by_role("button", name=f"Products similar to {title}")
    similar.focus()
    answers = page.locator("#log .turn.bot")
    before = answers.count()
    page.keyboard.press("Enter")
    expect(answers).to_have_count(before + 1)
    expect(page.locator("#log .turn.user").last).to_contain_text("similar to")
    expect(answers.last.locator(".card").first).to_be_visible()
    expect(page.get_by_role("button", name="Send")).to_be_enabled()

    # A message over the size limit is refused with a readable error; Send works again.
    page.get_by_label("Your message").fill("lantern " * 1200)
    page.get_by_role("button", name="Send").click()
    error = page.locator("#log .turn.error").last
    expect(error).to_contain_text("That message is too long")
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    assert_accessible(page)
    helped = say(page, "help")
    expect(helped.locator(".text")).to_contain_text("I can")

    # A new chat starts over with the greeting.
    page.get_by_role("button", name="New chat").click()
    expect(page.locator("#log .turn.user")).to_have_count(0)
    expect(page.locator("#log .turn.bot")).to_have_count(1)
    expect(page.locator("#log .turn.bot").first).to_contain_text("Hello!")


def test_the_phone_width_has_no_sideways_scroll_and_send_in_reach(
    online_shop: ServedShop, open_page: Callable[..., Page], screenshot: Shot
) -> None:
    page = ready(open_page(online_shop.url, width=390, height=844))
    page.reload()  # before a word was said there is nothing to resume, and no refusal either
    expect(ready(page).locator("#log .turn.bot").first).to_contain_text("Hello!")
    expect(page.locator("#log .note, #log .error")).to_have_count(0)
    answer = say(page, "show me candles")
    expect(answer.locator(".card").first).to_be_visible()
    answer.locator("details.did summary").click()  # the open steps must fit too
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px screen"
    send = page.get_by_role("button", name="Send").bounding_box()
    assert send is not None
    assert send["x"] >= 0 and send["x"] + send["width"] <= 390
    assert send["y"] >= 0 and send["y"] + send["height"] <= 844  # on screen, not below it
    answer.locator(".card").first.scroll_into_view_if_needed()
    screenshot(page, "chat-phone")
    assert_accessible(page)
    # Signed in, the header holds more buttons: they wrap, the page stays 390 px wide.
    page.locator("#signin-toggle").click()
    page.get_by_label("Access token").fill(online_shop.token("12347"))
    page.locator("#signin").get_by_role("button", name="Sign in").click()
    expect(page.locator("#who")).to_have_text("Signed in (shopper)")
    for name in ("My picks", "My orders", "New chat", "Sign out"):
        expect(page.get_by_role("button", name=name, exact=True)).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_dropped_server_is_resumed_with_its_history(
    online_shop: ServedShop, open_page: Callable[..., Page], screenshot: Shot
) -> None:
    page = ready(open_page(online_shop.url))
    answer = say(page, "cake stand")
    titles = answer.locator(".card h3").all_inner_texts()
    assert len(titles) >= 2
    session = page.evaluate("sessionStorage.getItem('shopagent-session')")

    status = page.locator("#status")
    online_shop.stop()
    try:
        expect(status).to_contain_text("reconnecting")
        # Sending now loses nothing and locks nothing: the text stays in the box.
        page.get_by_label("Your message").fill("tell me about the second one")
        page.get_by_role("button", name="Send").click()
        expect(page.locator("#log .note").last).to_contain_text("Not connected")
        expect(page.get_by_label("Your message")).to_have_value("tell me about the second one")
    finally:
        online_shop.start()  # same data directory, same port (other tests use it too)
    expect(status).to_have_text("connected")
    # The conversation is drawn again from the server's history: the question and its cards.
    expect(page.locator("#log .turn.user").first).to_have_text("cake stand")
    expect(page.locator("#log .turn.bot .card h3")).to_have_text(titles)
    assert page.evaluate("sessionStorage.getItem('shopagent-session')") == session
    # And it goes on where it was: "the second one" is the second card.
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    detail = page.locator("#log .turn.bot").last
    expect(detail.locator(".card h3")).to_have_text([titles[1]])
    screenshot(page, "chat-resumed")

    # A reload resumes it too.
    page.reload()
    expect(page.locator("#log .turn.user")).to_have_count(2)
    expect(page.locator("#log .turn.user").first).to_have_text("cake stand")
    assert_accessible(page)


def test_a_conversation_is_replayed_to_its_owner_only(
    online_shop: ServedShop, open_page: Callable[..., Page]
) -> None:
    owner = ready(open_page(online_shop.url))
    say(owner, "cake stand")
    session = owner.evaluate("sessionStorage.getItem('shopagent-session')")
    # Another visitor (another browser, so another cookie) whose page holds that session id.
    stranger = open_page("about:blank")
    stranger.add_init_script(f"sessionStorage.setItem('shopagent-session', {session!r})")
    stranger.goto(online_shop.url)
    expect(stranger.locator("#log .note")).to_contain_text("no longer available")
    expect(stranger.locator("#log .turn.bot").first).to_contain_text("Hello!")
    assert "cake stand" not in stranger.locator("#log").inner_text()
    assert stranger.evaluate("sessionStorage.getItem('shopagent-session')") != session
