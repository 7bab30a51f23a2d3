"""Round 7, options side: a search for a product sold in variants is answered by the
variants the shopper's options pick (their own price and availability), in wordings made up
for these tests."""

from __future__ import annotations

from typing import Any

import pytest

from agents.offline.search_arguments import asks_orderable, one_ask_per_option
from agents.offline.variant_options import hit_lines, matching, understood_options
from tests.unit.round7_variant_store import STORE, Shop


@pytest.fixture
def shop() -> Shop:
    return Shop()


def _rows(pid: str) -> list[dict[str, Any]]:
    product = next(p for p in STORE if p.id == pid)
    return [v.model_dump() for v in product.variants]


# ------------------------------------------------------------------------- reading rules


def test_an_option_is_found_by_a_related_name_and_yes_means_any_positive_value() -> None:
    jackets = _rows("5550003333")
    options = understood_options({"waterproof": "yes"}, jackets)
    assert options == {"water resistance": "yes"}
    prices = sorted(v["price"] for v in matching(jackets, options))
    assert prices == [129.00, 149.25]  # "not resistant" is not waterproof


def test_a_size_written_out_matches_its_letter_and_a_value_finds_its_option() -> None:
    jackets = _rows("5550003333")
    assert [
        v["price"] for v in matching(jackets, understood_options({"size": "medium"}, jackets))
    ] == [129.00]
    drones = _rows("5550001111")
    # "grey" read under another option name is the drone's colour
    assert understood_options({"finish": "grey"}, drones) == {"color": "grey"}


def test_a_ruled_out_value_removes_its_variants() -> None:
    monitors = _rows("5550002222")
    kept = matching(monitors, {}, exclude=["black"])
    assert {v["options"]["color"] for v in kept} == {"white", "silver"}


def test_a_hit_without_variants_or_without_an_asked_option_keeps_its_plain_line() -> None:
    plain = {"id": "1", "title": "Mug", "price": 3.0, "currency": "USD", "in_stock": True}
    assert hit_lines(1, plain, {"attributes": {"color": "red"}}) == []
    drone = {
        "id": "5550001111",
        "title": "Drone",
        "currency": "USD",
        "variants": _rows("5550001111"),
    }
    assert hit_lines(1, drone, {"query": "drone"}) == []
    # in a listing of several products, only a named option opens a hit
    assert hit_lines(1, drone, {"sort": "price_asc"}, hits=3) == []


def test_orderable_wordings_ask_for_stock() -> None:
    assert asks_orderable("which monitor could I get that we can actually order today")
    assert asks_orderable("what drones can i buy")
    assert asks_orderable("only ones that can be shipped")
    assert not asks_orderable("can I buy it in white?")
    assert not asks_orderable("a monitor for my desk")


# ------------------------------------------------------------------------- whole turns


async def test_a_search_naming_options_gives_the_matching_variants_own_price(shop: Shop) -> None:
    calls, answer = await shop.say("got a drone with a 4K camera in grey?")
    assert calls[0][0] == "search_products"
    assert "$612.40, available" in answer
    assert "$401.05" not in answer  # the product's cheapest variant is not the one asked for


async def test_an_option_that_exists_but_cannot_be_ordered_is_said_plainly(shop: Shop) -> None:
    _, answer = await shop.say("I'd like a 27 inch IPS monitor")
    assert "$318.20, unavailable" in answer
    assert "not available right now" in answer


async def test_the_cheapest_orderable_variant_when_the_shopper_asks_what_can_be_ordered(
    shop: Shop,
) -> None:
    calls, answer = await shop.say("cheapest drone I can actually order")
    assert calls[0][1].get("in_stock_only") is True
    assert "from $455.55" in answer
    assert "$401.05" not in answer  # the cheaper variant cannot be ordered


async def test_a_price_question_naming_two_options_gives_that_variant(shop: Shop) -> None:
    _, answer = await shop.say("monitor with a VA panel, 32-inch, how much?")
    assert "$377.35, available" in answer
    assert "$209.90" not in answer


def test_an_option_said_by_name_beside_a_value_of_a_related_option_is_one_ask() -> None:
    both = {"waterproof": "yes", "water resistance": "IPX7", "color": "lime"}
    assert one_ask_per_option(both) == {"water resistance": "IPX7", "color": "lime"}
    # a value that only names another asked option goes too
    battery = {"battery life": "12 hours", "power source": "battery", "color": "lime"}
    assert one_ask_per_option(battery) == {"battery life": "12 hours", "color": "lime"}
    # alone, or beside unrelated options, the yes/no stays
    assert one_ask_per_option({"waterproof": "yes", "color": "olive"}) == {
        "waterproof": "yes",
        "color": "olive",
    }


async def test_a_refinement_naming_a_rating_and_waterproof_finds_the_rated_variant(
    shop: Shop,
) -> None:
    await shop.say("sport earbuds")
    calls, answer = await shop.say("just the waterproof IPX7 ones you can ship")
    assert calls[0][1]["attributes"] == {"water resistance": "IPX7"}
    assert "$88.40, available" in answer and "$79.10" not in answer


async def test_a_value_said_in_words_the_reading_missed_replaces_the_earlier_one(
    shop: Shop,
) -> None:
    await shop.say("sport earbuds in IPX7")
    calls, answer = await shop.say("hmm, the ipx4-rated ones?")
    assert calls[0][1]["attributes"] == {"water resistance": "IPX4"}
    assert "$79.10, available" in answer and "$88.40" not in answer
