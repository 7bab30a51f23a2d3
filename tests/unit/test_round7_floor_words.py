"""Round 7: floor staff's terse questions: "top 4 best selling lanterns" before anything is
listed asks for a listing (not for positions in one), and "what's the code for it" / "item
number?" asks for the product's code (a details question, not programming)."""

from __future__ import annotations

import pytest

from agents.offline.nlu import NluContext, ShownProduct, understand
from agents.offline.vocabulary import CatalogVocabulary
from tools.models import Product

PRODUCTS = [
    Product(id="91", title="Zinc Star Lantern", category="lantern", price=4.0),
    Product(id="92", title="Glass Moon Lantern", category="lantern", price=5.0),
    Product(id="93", title="Wool Tea Cosy Stripes", category="tea cosy", price=3.5),
]
VOCAB = CatalogVocabulary.from_products(PRODUCTS)
LANTERNS = [
    ShownProduct("91", "Zinc Star Lantern", 4.0),
    ShownProduct("92", "Glass Moon Lantern", 5.0),
]
AFTER_LANTERNS = NluContext(
    has_search=True,
    category="lantern",
    shown=LANTERNS,
    focus="92",
    known={p.id.lower(): p for p in LANTERNS},
)


@pytest.mark.parametrize(
    "text", ["top 4 best selling lanterns", "the first three lanterns, best sellers"]
)
def test_top_n_with_nothing_listed_is_a_search(text: str) -> None:
    u = understand(text, VOCAB, NluContext())
    assert u.intent == "search"
    assert u.category == "lantern"
    assert u.references == []


def test_top_n_over_a_listing_still_points_at_it() -> None:
    u = understand("compare the top two", VOCAB, AFTER_LANTERNS)
    assert [r.position for r in u.references] == [1, 2]


@pytest.mark.parametrize(
    "text",
    ["right, what's the code for that", "item number please", "sku?", "stock code of it?"],
)
def test_a_product_code_question_is_a_details_question(text: str) -> None:
    u = understand(text, VOCAB, AFTER_LANTERNS)
    assert u.intent == "details"
    assert u.topic == ""


@pytest.mark.parametrize("text", ["can you debug my code", "write some code in python for me"])
def test_programming_is_still_out_of_scope(text: str) -> None:
    u = understand(text, VOCAB, AFTER_LANTERNS)
    assert u.intent == "out_of_scope"
    assert u.topic == "programming"
