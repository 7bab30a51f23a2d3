"""Planner round 5, shopping side: each failure kind read with wordings made up for the test."""

from __future__ import annotations

import pytest

from agents.offline import cues
from agents.offline.negation import take_exclusions
from agents.offline.nlu import NluContext, ShownProduct, understand
from agents.offline.search_arguments import resized
from agents.offline.supply import is_reorder_question, reorder_args
from agents.offline.vocabulary import CatalogVocabulary
from tests.unit.offline_catalog import GIFTWARE, _giftware
from tests.unit.test_offline_planner import Shop

EXTRA = [
    _giftware("R1", "Sweetheart Ceramic Trinket Box", "trinket box", 1.25, 20, material="ceramic"),
    _giftware("R2", "Heart Ceramic Trinket Box", "trinket box", 1.25, 0, material="ceramic"),
    _giftware("R3", "Wicker Log Basket Small", "basket", 4.95, 5, size="small", material="wicker"),
    _giftware("R4", "Wicker Log Basket Large", "basket", 8.95, 5, size="large", material="wicker"),
    _giftware("R5", "Tea Cosy Owl Design", "tea cosy", 3.25, 12),
    _giftware("R6", "Tea Cosy Fox Design", "tea cosy", 3.25, 15),
    _giftware("R7", "Plain Lunch Tin", "lunch tin", 2.10, 8),
    _giftware("R8", "Lunch Tin with Spoon Set", "lunch tin", 2.95, 8),
    _giftware("R9", "Smart Timer Kitchen", "smart timer", 9.95, 8),
    _giftware("R10", "Kitchen Timer Retro", "timer", 3.95, 8),
]
PRODUCTS = [*GIFTWARE, *EXTRA]
VOCAB = CatalogVocabulary.from_products(PRODUCTS)
TINS = [
    ShownProduct("R7", "Plain Lunch Tin", 2.10, "GBP", "lunch tin"),
    ShownProduct("R8", "Lunch Tin with Spoon Set", 2.95, "GBP", "lunch tin"),
]
AFTER_TINS = NluContext(
    has_search=True, category="lunch tin", shown=TINS, known={p.id.lower(): p for p in TINS}
)


@pytest.fixture
def shop() -> Shop:
    return Shop(PRODUCTS)


# ------------------------------------------- a title, then a stock question in plain words


@pytest.mark.parametrize(
    "text",
    [
        "heart ceramic trinket box - any left?",
        "heart ceramic trinket box, any more in stock?",
        "the heart ceramic trinket box, got any remaining?",
    ],
)
def test_a_title_then_any_left_checks_that_products_stock(text: str) -> None:
    u = understand(text, VOCAB)
    assert u.intent == "stock"
    assert [(r.kind, r.product_id) for r in u.references] == [("title", "R2")]


def test_any_of_a_kind_left_stays_a_search() -> None:
    assert understand("do you have any trinket boxes left", VOCAB).intent == "search"


async def test_the_sibling_named_by_its_own_word_gets_the_same_question(shop: Shop) -> None:
    first = await shop.say("heart ceramic trinket box - any left?")
    assert shop.calls(first) == [("check_inventory", {"product_id": "R2"})]
    second = await shop.say("right, and the sweetheart one?")
    assert shop.calls(second) == [("check_inventory", {"product_id": "R1"})]


# ---------------------------------------------------------- "basket" as a product word


def test_a_basket_alone_is_a_product_not_the_shopping_cart() -> None:
    u = understand("large wicker log basket", VOCAB)
    assert u.intent == "search"
    assert u.category == "basket"


@pytest.mark.parametrize("text", ["pop it in my basket", "show me my cart", "empty the basket"])
def test_the_shopping_cart_is_still_an_order_request(text: str) -> None:
    assert cues.ORDER.search(text)


# ------------------------------------------------------------ filler and meta words


def test_forget_the_budget_drops_the_price_and_keeps_the_kind(shop: Shop) -> None:
    u = understand("alright ignore my budget, any with hearts on them", VOCAB, AFTER_TINS)
    assert u.intent == "refine"
    assert "price" in u.cleared
    assert u.sort is None
    assert "budget" not in u.query_words


def test_if_possible_is_no_product_word() -> None:
    u = understand("below £3 if possible", VOCAB, AFTER_TINS)
    assert (u.intent, u.query_words) == ("refine", [])
    assert u.price is not None and u.price.max_price == 3


async def test_a_bigger_one_moves_the_size_up_and_keeps_the_kind(shop: Shop) -> None:
    await shop.say("small wicker log basket")
    turn = await shop.say("got a larger one?")
    name, args = shop.calls(turn)[0]
    assert name == "search_products"
    assert args["category"] == "basket"
    assert args["attributes"]["size"] == "large"


def test_resizing_without_a_size_filter_changes_nothing() -> None:
    args = {"query": "basket", "category": "basket"}
    assert resized(args, 1, VOCAB) == args


@pytest.mark.parametrize(
    "text", ["something else please, not those", "got something else? not these"]
)
def test_something_else_not_those_shows_the_next_ones(text: str) -> None:
    assert understand(text, VOCAB, AFTER_TINS).intent == "more"


def test_a_listed_product_named_by_one_word_and_one() -> None:
    u = understand("plain one? how much", VOCAB, AFTER_TINS)
    assert [(r.kind, r.product_id) for r in u.references] == [("title", "R7")]
    assert understand("any one with hearts", VOCAB, AFTER_TINS).references == []


# ------------------------------------------------------------------------- negation


def test_what_a_set_comes_with_is_the_thing_refused() -> None:
    _, excluded = take_exclusions("lunch tins, none of the ones that come with spoons", VOCAB)
    assert excluded == ["spoon"] or excluded == ["spoons"]


def test_the_kind_asked_for_outside_the_negation_is_kept() -> None:
    u = understand("a kitchen timer, but not a smart timer", VOCAB)
    assert u.excluded == ["smart"]
    assert "timer" in u.query_words or u.category == "timer"


# ------------------------------------------------------------------------ merchandiser


def test_bought_together_asked_as_what_else_people_got() -> None:
    for text in (
        "folks who bought the tea cosy owl design, what else did they pick up?",
        "customers that ordered the plain lunch tin also bought what?",
    ):
        assert cues.TOGETHER.search(text)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("what should I be restocking over the next 10 days?", 10),
        ("what should we be reordering this week", 6),
    ],
)
def test_a_reorder_question_with_be(text: str, days: int) -> None:
    assert is_reorder_question(text)
    assert reorder_args(text) == {"within_days": days}


async def test_a_forecast_follow_up_names_the_sibling_by_its_words(shop: Shop) -> None:
    await shop.say("forecast for the tea cosy owl design over the next 5 days")
    turn = await shop.say("and the fox design one, next 20 days?")
    assert shop.calls(turn) == [("forecast_demand", {"product_id": "R6", "horizon_days": 20})]


def test_what_they_already_have_is_no_present() -> None:
    u = understand("she's already got loads of lunch tins, anything else?", VOCAB, AFTER_TINS)
    assert u.intent == "refine"
    assert u.excluded == ["lunch tins"] or u.excluded[0].startswith("lunch tin")


def test_other_ideas_shows_the_next_ones() -> None:
    assert understand("any other ideas?", VOCAB, AFTER_TINS).intent == "more"


def test_a_title_asked_for_in_an_option_is_a_details_question() -> None:
    u = understand("do you sell the tea cosy owl design in red?", VOCAB)
    assert u.intent == "details"
    assert u.attributes == {"colour": "red"}
    stock = understand("do you have the tea cosy owl design in stock?", VOCAB)
    assert stock.intent == "stock"


async def test_something_else_once_all_are_shown_keeps_the_budget(shop: Shop) -> None:
    first = await shop.say("tea cosy owl design under £4")
    assert len(shop.calls(first)) == 1
    turn = await shop.say("hmm, something else, not those")
    name, args = shop.calls(turn)[0]
    assert name == "search_products"
    assert args["max_price"] == 4
    assert args["sort"] == "popularity"
    assert "owl" in args["exclude"]
    assert "R5" not in shop.answer(turn)


def test_a_kind_with_any_after_a_listing_points_at_no_one_product() -> None:
    u = understand("sorry - lunch tins, do you have any", VOCAB, AFTER_TINS)
    assert u.references == []
    assert u.intent in ("search", "refine")


async def test_a_forecast_follow_up_naming_a_kind_word_still_finds_the_sibling(shop: Shop) -> None:
    await shop.say("forecast for the tea cosy owl design over the next 5 days")
    turn = await shop.say("and the tea cosy fox design, next 9 days?")
    assert shop.calls(turn) == [("forecast_demand", {"product_id": "R6", "horizon_days": 9})]
