"""Round 7: a merchandiser's reorder and forecast questions in more of their own words
("which lines are running short", "do we need to raise a PO", "what's the outlook for X"),
and a forecast follow-up that names only a period ("and 45?", "ok, a whole quarter")."""

from __future__ import annotations

import pytest

from agents.offline.supply import is_reorder_question, reorder_args
from tests.unit.test_offline_planner import Shop
from tests.unit.test_round5_shopping import PRODUCTS


@pytest.fixture
def shop() -> Shop:
    return Shop(PRODUCTS)


@pytest.mark.parametrize(
    "text",
    [
        "which lines are running short?",
        "is anything running low on the shelves",
        "what needs a purchase order",
        "should we place any POs today?",
        "products due a PO",
    ],
)
def test_more_ways_to_ask_for_the_reorder_list(text: str) -> None:
    assert is_reorder_question(text)


@pytest.mark.parametrize("text", ["running shoes low price", "a low tea light holder"])
def test_shopping_words_are_no_reorder_question(text: str) -> None:
    assert not is_reorder_question(text)


@pytest.mark.parametrize(
    ("text", "days"),
    [("and looking the whole month ahead?", 26), ("what about one full week", 6)],
)
def test_a_look_ahead_said_whole(text: str, days: int) -> None:
    assert reorder_args(text) == {"within_days": days}


async def test_an_outlook_question_is_a_forecast(shop: Shop) -> None:
    turn = await shop.say("what's the outlook for the tea cosy owl design over the next quarter?")
    assert shop.calls(turn) == [("forecast_demand", {"product_id": "R5", "horizon_days": 90})]


async def test_a_forecast_follow_up_naming_only_a_period(shop: Shop) -> None:
    await shop.say("forecast for the tea cosy fox design over the next 5 days")
    turn = await shop.say("and 45?")
    assert shop.calls(turn) == [("forecast_demand", {"product_id": "R6", "horizon_days": 45})]
    turn = await shop.say("ok, a whole fortnight")
    assert shop.calls(turn) == [("forecast_demand", {"product_id": "R6", "horizon_days": 14})]


async def test_a_price_after_a_listing_is_no_forecast(shop: Shop) -> None:
    await shop.say("tea cosies")
    turn = await shop.say("and over 3?")
    assert [name for name, _ in shop.calls(turn)] == ["search_products"]
