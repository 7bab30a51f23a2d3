"""Round 7, options side: a details or stock question about one product sold in variants that
names options is answered by the variants that have them, in wordings made up for these tests."""

from __future__ import annotations

import pytest

from tests.unit.round7_variant_store import Shop


@pytest.fixture
def shop() -> Shop:
    return Shop()


async def test_a_stock_question_naming_options_is_answered_by_that_variant(shop: Shop) -> None:
    calls, answer = await shop.say("is the white 27-inch monitor in stock?")
    assert [name for name, _ in calls][-1] == "get_product"
    assert "not available right now" in answer
    assert "$318.20, unavailable" in answer


async def test_a_details_question_naming_a_colour_lists_only_that_colours_variants(
    shop: Shop,
) -> None:
    calls, answer = await shop.say("do you sell the drone in white? what does it cost")
    assert calls == [("get_product", {"product_id": "5550001111"})]
    assert "$455.55, available" in answer and "$688.15, unavailable" in answer
    assert "grey" not in answer


async def test_a_size_written_out_in_a_stock_question_reads_the_variants(shop: Shop) -> None:
    calls, answer = await shop.say("the rain jacket in medium, is it available?")
    assert [name for name, _ in calls] == ["check_inventory", "get_product"]
    assert "with size M: that variant is not available right now" in answer


async def test_the_cheapest_with_a_yes_no_option_named_alone(shop: Shop) -> None:
    _, answer = await shop.say("cheapest waterproof rain jacket you have in stock?")
    assert "The cheapest of them, M, olive, 10k mm, is not available right now." in answer
    assert "The cheapest you can order: S, orange, 20k mm, $149.25, in stock." in answer
    assert "$99.50" not in answer  # that one is "not resistant"


async def test_a_stock_question_naming_no_option_keeps_the_stock_answer(shop: Shop) -> None:
    calls, answer = await shop.say("is the drone in stock?")
    assert [name for name, _ in calls] == ["check_inventory"]
    assert "variants that can be ordered: 2" in answer


async def test_which_values_an_option_has_lists_them_with_what_can_be_ordered(shop: Shop) -> None:
    calls, answer = await shop.say("what panels does the monitor have")
    assert calls[0][0] == "search_products"
    assert "Monitor (5550002222) comes in 2 panel options:" in answer
    assert "- IPS: 1 of 2 variants can be ordered, from $244.75" in answer
    assert "- VA: 1 of 2 variants can be ordered, from $377.35" in answer


async def test_orderable_today_reads_as_in_stock(shop: Shop) -> None:
    calls, answer = await shop.say("which monitors can we actually order today?")
    assert calls[0][1].get("in_stock_only") is True
    assert "$209.90" not in answer and "$318.20" not in answer  # those can't be ordered
