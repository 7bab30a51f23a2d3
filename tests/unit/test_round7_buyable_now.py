"""Round 7: "only the ones I can actually buy right now" after a listing keeps that search and
adds the in-stock filter (it was read as a thank-you)."""

from __future__ import annotations

import pytest

from agents.offline.nlu import NluContext, understand
from agents.offline.vocabulary import CatalogVocabulary
from tools.models import Product

VOCAB = CatalogVocabulary.from_products(
    [Product(id="1", title="Glass Cake Stand", category="cake stand", price=4.0)]
)
AFTER_SEARCH = NluContext(has_search=True, category="cake stand")


@pytest.mark.parametrize(
    "text",
    [
        "just the ones i can really order right now",
        "only things that we can ship today",
        "products you can actually buy please",
    ],
)
def test_what_can_be_bought_now_is_the_stock_filter(text: str) -> None:
    u = understand(text, VOCAB, AFTER_SEARCH)
    assert u.intent == "refine"
    assert u.in_stock_only is True
    assert u.query_words == []


def test_a_question_about_it_is_not_a_filter() -> None:
    u = understand("is it something i can buy", VOCAB, AFTER_SEARCH)
    assert u.in_stock_only is None
