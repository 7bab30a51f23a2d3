"""Round 6: an occasion named in words the catalog also sells ("secret santa", "stocking
fillers") is when a present is given, not what it is."""

from __future__ import annotations

import pytest

from agents.offline.gifts import OCCASION_PHRASES, is_gift_request
from agents.offline.nlu import NluContext, understand
from agents.offline.vocabulary import CatalogVocabulary
from tools.models import Product

PRODUCTS = [
    Product(id="61", title="Top Secret Notebook", category="notebook", price=1.5),
    Product(id="62", title="Santa Garland", category="santa", price=3.0),
    Product(id="63", title="Felt Stocking Red", category="stocking", price=2.5),
    Product(id="64", title="Owl Keyring", category="keyring", price=1.2),
    Product(id="65", title="Enamel Mug Stripe", category="mug", price=2.9),
]
VOCAB = CatalogVocabulary.from_products(PRODUCTS)


@pytest.mark.parametrize(
    "text",
    [
        "secret santa gift under £6",
        "ideas for our kris kringle at work",
        "little stocking filler for my nephew",
        "anything for the office gift exchange, max £4",
    ],
)
def test_the_occasion_words_are_not_searched_for(text: str) -> None:
    assert is_gift_request(text) or OCCASION_PHRASES.search(text)
    u = understand(text, VOCAB, NluContext())
    said = set(u.query_words)
    assert not said & {"secret", "santa", "stocking", "kris", "kringle", "exchange"}
    assert u.category not in {"santa", "stocking"}


def test_a_santa_decoration_is_still_a_santa_decoration() -> None:
    u = understand("a santa garland for the hall", VOCAB, NluContext())
    assert "santa" in u.query_words or u.category == "santa"
