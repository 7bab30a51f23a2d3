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
