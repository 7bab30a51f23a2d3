"""Round 7, options side: short follow-ups about the variants of the product just looked up
("and in black?", "which of those is the cheapest?"), in wordings made up for these tests."""

from __future__ import annotations

import pytest

from agents.offline.variant_options import values_said
from tests.unit.round7_variant_store import STORE, Shop


@pytest.fixture
def shop() -> Shop:
    return Shop()


async def test_another_value_keeps_the_options_asked_before(shop: Shop) -> None:
    await shop.say("is the white 27-inch monitor in stock?")
    calls, answer = await shop.say("and in black?")
    assert calls == [("get_product", {"product_id": "5550002222"})]
    assert "with screen size 27-inch and color black" in answer
    assert "$209.90, unavailable" in answer and "$244.75" not in answer


async def test_the_cheapest_of_those_names_the_cheapest_that_can_be_ordered(shop: Shop) -> None:
    await shop.say("do you sell the drone in grey? price?")
    calls, answer = await shop.say("cheapest of them, can I order it?")
    assert calls == [("get_product", {"product_id": "5550001111"})]
    assert "The cheapest of them, 1080p, grey, 30 min, is not available right now." in answer
    assert "The cheapest you can order: 4K, grey, 30 min, $612.40, in stock." in answer


async def test_options_carry_over_more_than_one_follow_up(shop: Shop) -> None:
    await shop.say("is the white 27-inch monitor in stock?")
    await shop.say("and in black?")
    _, answer = await shop.say("which of those is the cheapest?")
    assert "with screen size 27-inch and color black" in answer


async def test_a_follow_up_naming_another_kind_is_left_to_shopping(shop: Shop) -> None:
    await shop.say("do you sell the drone in grey? price?")
    calls, _ = await shop.say("what about a monitor in black")
    assert calls[0][0] == "search_products"


def test_two_values_of_one_option_are_both_read() -> None:
    monitor = next(p for p in STORE if p.id == "5550002222")
    rows = [v.model_dump() for v in monitor.variants]
    assert values_said("does it come in white or silver", rows) == {"color": ["white", "silver"]}
