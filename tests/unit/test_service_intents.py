"""Requests worded without their usual verb: paying for an order another way ("can I pay for
order #W… by paypal?") is a change of payment, wanting an item "in grey" or "in a medium" is an
exchange, and "same size and everything" keeps the rest rather than taking every item."""

from __future__ import annotations

import pytest

from agents.offline.service.nlu import understand_request


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("could I pay for order #W5550001 using my amex rather than paypal", "payment"),
        ("I'd like to pay for my pending order by gift card instead", "payment"),
        ("the blender from #W5550001, I'd rather have it in red", "exchange"),
        ("my hoodie from #W5550001 - can I get it in an XL?", "exchange"),
        ("got the jacket in my last order but would prefer them in black", "exchange"),
        # the difference of an exchange paid, and shopping words, are no new request
        ("I'll pay the difference with my visa", None),
        ("pay for it with paypal", None),
        ("I'd like it in time for friday", None),
        # paying another way "instead", said of an order, changes its payment
        ("on my order #W5550001, could I pay using the visa instead?", "payment"),
        ("I'll pay with paypal instead", None),
    ],
)
def test_requests_worded_without_their_usual_verb(text: str, intent: str | None) -> None:
    assert understand_request(text).intent == intent


def test_an_option_wanted_stays_an_option_word() -> None:
    request = understand_request("I'd rather have the kettle from #W5550001 in matte black")
    assert request.intent == "exchange"
    assert {"kettle", "matte", "black"} <= set(request.words)


@pytest.mark.parametrize(
    ("text", "every_item"),
    [
        ("swap it for blue, same material and everything", False),
        ("keep the size, everything else the same, just green", False),
        ("return everything from that order", True),
        ("send back the whole order", True),
    ],
)
def test_and_everything_is_not_every_item(text: str, every_item: bool) -> None:
    assert understand_request(text).all_items is every_item


@pytest.mark.parametrize(
    ("text", "about_order"),
    [
        ("we've relocated - could the rug I bought be sent to the new flat?", True),
        ("I moved house, can the headphones I ordered come to my new address", True),
        ("I've moved, please update my address", False),
    ],
)
def test_an_item_i_ordered_makes_an_address_change_about_its_order(
    text: str, about_order: bool
) -> None:
    request = understand_request(text)
    assert request.intent == "address" and request.about_order is about_order
