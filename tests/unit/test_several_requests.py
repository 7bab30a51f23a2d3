"""Several requests in one message: cut at the questions, answered one after the other."""

from __future__ import annotations

import pytest

from agents.offline import CatalogVocabulary
from agents.offline.several_requests import split_requests
from tests.unit.offline_catalog import GIFTWARE
from tests.unit.test_offline_planner import Shop

VOCAB = CatalogVocabulary.from_products(GIFTWARE)


@pytest.mark.parametrize(
    ("message", "parts"),
    [
        (
            "what does the white metal lantern cost, are there any left, and what goes with it?",
            ["what does the white metal lantern cost", "are there any left", "what goes with it?"],
        ),
        (
            "got any doormats? also when do you close on saturdays",
            ["got any doormats?", "when do you close on saturdays"],
        ),
        (
            "Quick qs: have you got trinket boxes under £2, and how long does delivery take?",
            ["have you got trinket boxes under £2", "how long does delivery take?"],
        ),
        (
            # a lead-in that asks nothing goes with the question after it
            "the hearts one - how much and how many in stock",
            ["the hearts one how much", "how many in stock"],
        ),
        (
            # more than three: the rest stay together in the last part
            "do you sell mugs? do you sell bags? do you sell lanterns? do you sell teapots?",
            [
                "do you sell mugs?",
                "do you sell bags?",
                "do you sell lanterns? do you sell teapots?",
            ],
        ),
    ],
)
def test_a_message_is_cut_where_a_new_question_starts(message: str, parts: list[str]) -> None:
    assert split_requests(message, VOCAB) == parts


@pytest.mark.parametrize(
    "message",
    [
        "blue and white mugs under £3",  # one request with two colours
        "cake stand vs teapot - which costs more?",  # a comparison, one question
        "I loved the lantern my aunt had. Do you have one like that?",  # a story, then the ask
        "cheers! any jumbo bags?",  # thanks said before the one request
        "any cake stands? I'd like to keep it under a tenner",  # a wish adds to the request
        "is this review happy? Bought two, both cracked. Would not buy again.",  # a pasted review
        "where is my order #W1234567 and can I still cancel it?",  # the customer's own records
    ],
)
def test_one_request_is_left_whole(message: str) -> None:
    assert split_requests(message, VOCAB) == [message]


async def test_each_part_is_answered_after_the_ones_before_it() -> None:
    shop = Shop(GIFTWARE)
    turn = await shop.say("got the regency cakestand? and when will the ones left run out")
    calls = Shop.calls(turn)
    # the first part finds the cakestand; "the ones left" in the second are that cakestand's
    assert calls[0][0] == "search_products"
    assert ("check_inventory", {"product_id": "22423"}) in calls[1:]
    answer = Shop.answer(turn)
    first, second = answer.split("\n\n", 1)
    assert "Regency Cakestand 3 Tier" in first and "£12.75" in first
    assert "40" in second  # its stock level
    # the turn ends as one reply: the next message refers to what it showed
    follow = await shop.say("and how much is it?")
    assert "12.75" in Shop.answer(follow)


async def test_price_and_stock_of_one_product_are_one_look_up() -> None:
    shop = Shop(GIFTWARE)
    whole = await shop.say("how much is the regency cakestand, and is it in stock?")
    # one request about one product: read whole, as before
    assert len(Shop.answer(whole).split("\n\n")) == 1


async def test_a_part_with_no_tool_is_answered_in_words_beside_the_search() -> None:
    shop = Shop(GIFTWARE)
    turn = await shop.say("any hot water bottles? also do you gift wrap")
    calls = Shop.calls(turn)
    assert [name for name, _ in calls] == ["search_products"]
    answer = Shop.answer(turn)
    assert "Hot Water Bottle" in answer
    assert len(answer.split("\n\n")) >= 2  # the search's answer, then the words on gift wrap
