"""Gifts and occasions reach the catalog category they mean, not their literal words."""

from __future__ import annotations

import pytest

from agents.offline.gifts import gift_category, is_gift_request
from agents.offline.nlu import understand
from agents.offline.vocabulary import CatalogVocabulary
from tools.models import Product

CATEGORIES = ["baking set", "running shoes", "coffee maker", "gift wrap", "gift bag",
              "birthday card", "garden", "mug", "bunting"]  # fmt: skip
PRODUCTS = [
    Product(id=f"p{i}", title=f"{c.title()} {i}", category=c, price=5.0)
    for i, c in enumerate(CATEGORIES)
] + [Product(id="b1", title="Pink Baby Bunting", category="bunting", price=2.95)]
VOCAB = CatalogVocabulary.from_products(PRODUCTS)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("I'm after a present for a friend who loves baking", "baking set"),
        ("a gift for my brother who runs marathons", "running shoes"),
        ("what could I get for a coffee lover?", "coffee maker"),
        ("gift for my gran, she loves gardening", "garden"),
    ],
)
def test_a_gift_request_means_a_category(text: str, category: str) -> None:
    assert is_gift_request(text)
    assert gift_category(text, VOCAB) == category  # not "gift wrap" or "gift bag"
    u = understand(text, VOCAB)
    assert (u.intent, u.category) == ("search", category)


def test_without_a_close_category_the_people_are_dropped_from_the_words() -> None:
    u = understand("a present for a friend who just had a baby", VOCAB)
    assert u.category is None
    assert u.query_words == ["baby"]


def test_plain_requests_are_not_gift_requests() -> None:
    assert not is_gift_request("red mugs under 3 pounds")
    assert understand("red mugs", VOCAB).category == "mug"


def test_an_occasion_that_names_no_object_is_read_by_what_people_give_for_it() -> None:
    vocab = CatalogVocabulary.from_products(
        [
            *(p for p in PRODUCTS if "Baby" not in p.title),  # no title names a baby here
            Product(id="t1", title="Owl Soft Toy", category="toy", price=2.95),
            Product(id="s1", title="Floral Stationery Set", category="stationery set", price=2.5),
            Product(id="d1", title="Heart Decoration", category="decoration", price=0.85),
        ]
    )
    assert is_gift_request("end of term gift for my son's teacher")
    assert understand("end of term gift for my son's teacher", vocab).category == "stationery set"
    assert understand("a present for my sister's new baby", vocab).category == "toy"
    assert understand("house-warming gift ideas", vocab).category == "decoration"


def test_a_person_named_by_what_they_do_is_a_gift_request() -> None:
    assert is_gift_request("something for a keen gardener")
    assert understand("something for a keen gardener", VOCAB).category == "garden"
    assert not is_gift_request("something for a bigger room")


def test_a_gift_with_nothing_to_search_for_suggests_the_best_sellers() -> None:
    u = understand("what do you get someone who has everything?", VOCAB)
    assert (u.intent, u.query_words, u.category, u.sort) == ("search", [], None, "popularity")


def test_a_person_described_by_what_they_do_is_a_gift_request() -> None:
    text = "my mum is a keen baker, what would she like?"
    assert is_gift_request(text)
    assert understand(text, VOCAB).category == "baking set"
    assert not is_gift_request("this one is a bestseller")


def test_leaving_host_and_thank_you_occasions_are_gift_requests_mapped_by_meaning() -> None:
    vocab = CatalogVocabulary.from_products(
        [*PRODUCTS, Product(id="c1", title="Vanilla Candle", category="candle", price=1.25)]
    )
    for text in (
        "a colleague is leaving next week, any ideas?",
        "need a host gift for a dinner party",
        "a small thank you present for the nurses who looked after my dad",
    ):
        assert is_gift_request(text)
        u = understand(text, vocab)
        # a category of the store, or (none close enough) the best sellers: never the people
        assert u.category is not None or (u.suggested and u.sort == "popularity")
        assert not {"colleague", "week", "nurses", "looked"} & set(u.query_words)
    # thanks said to the assistant is no gift request
    assert not is_gift_request("brilliant, thank you so much, that's really helped")


def test_what_the_person_loves_decides_when_the_whole_message_is_too_diluted() -> None:
    vocab = CatalogVocabulary.from_products(
        [
            *PRODUCTS,
            Product(id="c1", title="Compact Digital Camera", category="digital camera", price=90),
            Product(id="h1", title="Studio Headphones", category="headphones", price=60),
        ]
    )
    u = understand("my sister is really into photography, what would make a good present?", vocab)
    assert u.category == "digital camera"
    assert is_gift_request("what could I get my dad? he's obsessed with cameras")


def test_the_occasion_of_a_present_is_not_its_category() -> None:
    u = understand("birthday present for a teenager who's really into music", VOCAB)
    assert u.category != "birthday card"
    assert understand("birthday cards", VOCAB).category == "birthday card"


def test_an_approximate_amount_for_a_present_is_a_budget() -> None:
    u = understand("a present for my gran, she loves her garden, about £8?", VOCAB)
    assert u.price is not None
    assert u.price.min_price is None and u.price.max_price == pytest.approx(8.0)
    plain = understand("a mug for around £8", VOCAB)  # not a present: about £8 either side
    assert plain.price is not None and plain.price.min_price is not None


@pytest.mark.parametrize(
    "text",
    ["my cousin just had a baby, any ideas?", "something for my neighbour who had a baby"],
)
def test_an_occasion_that_names_a_catalog_word_searches_for_it(text: str) -> None:
    u = understand(text, VOCAB)
    assert u.intent == "search"
    assert u.query_words == ["baby"]  # what the presents are for, not the nearest category
    assert u.category is None
