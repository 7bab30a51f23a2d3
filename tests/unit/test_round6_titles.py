"""Round 6: a whole title followed by a price question ("X - price please") names that
product; a kind followed by "price" is still a search."""

from __future__ import annotations

import pytest

from agents.offline.nlu import NluContext, understand
from agents.offline.vocabulary import CatalogVocabulary
from tools.models import Product

PRODUCTS = [
    Product(id="51", title="Jumbo Storage Bag Owls", category="bag", price=2.1),
    Product(id="52", title="Jumbo Storage Bag Hearts", category="bag", price=2.1),
    Product(id="53", title="Tin Lantern Moroccan", category="lantern", price=4.0),
]
VOCAB = CatalogVocabulary.from_products(PRODUCTS)


@pytest.mark.parametrize(
    "text",
    [
        "jumbo storage bag owls - price please",
        "tin lantern moroccan, cost?",
        "jumbo storage bag hearts price thanks",
    ],
)
def test_a_title_then_a_price_question_names_the_product(text: str) -> None:
    u = understand(text, VOCAB, NluContext())
    assert u.intent == "details"
    assert [r.kind for r in u.references] == ["title"]


@pytest.mark.parametrize("text", ["lanterns price", "jumbo storage bags, prices?"])
def test_a_kind_then_price_is_no_single_product(text: str) -> None:
    u = understand(text, VOCAB, NluContext())
    assert not any(r.kind == "title" for r in u.references)


@pytest.mark.parametrize(
    "text",
    [
        "stuck between the tin lantern moroccan and the jumbo storage bag owls",
        "can't decide between jumbo storage bag hearts or jumbo storage bag owls",
        "tin lantern moroccan vs jumbo storage bag hearts, which is better",
    ],
)
def test_two_titles_compared_are_both_named(text: str) -> None:
    u = understand(text, VOCAB, NluContext())
    assert u.intent == "details"
    assert len([r for r in u.references if r.kind == "title"]) == 2
    assert not u.attributes  # a word of the other title is no option asked for


def test_one_title_in_a_comparison_is_not_a_pair() -> None:
    u = understand("torn between the tin lantern moroccan and a candle", VOCAB, NluContext())
    assert len([r for r in u.references if r.kind == "title"]) <= 1
