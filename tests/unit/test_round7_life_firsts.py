"""Round 7: "for the first time", "their first flat", "her first term" are a first in
someone's life, not the first product of a list; moving out ("got the keys to their new
place", "heading off to college") is a present's occasion; a person the catalog happens to
sell ("friend") is who a present is for, never its category."""

from __future__ import annotations

import pytest

from agents.offline.gifts import is_gift_request
from agents.offline.nlu import NluContext, ShownProduct, understand
from agents.offline.vocabulary import CatalogVocabulary
from tools.models import Product

PRODUCTS = [
    Product(id="81", title="Coir Doormat Welcome", category="doormat", price=6.0),
    Product(id="82", title="Best Friend Keepsake Tin", category="friend", price=2.0),
    Product(id="83", title="Enamel Mug Stripes", category="mug", price=3.0),
]
VOCAB = CatalogVocabulary.from_products(PRODUCTS)
SHOWN = [ShownProduct("83", "Enamel Mug Stripes", 3.0), ShownProduct("81", "Coir Doormat", 6.0)]
AFTER_LIST = NluContext(has_search=True, shown=SHOWN, known={p.id: p for p in SHOWN})


@pytest.mark.parametrize(
    "text",
    [
        "he's making his own breakfast for the first time, any mugs?",
        "doormats for our first flat",
        "she starts her first job monday, mugs under £5",
    ],
)
def test_a_first_in_someones_life_is_no_list_position(text: str) -> None:
    u = understand(text, VOCAB, AFTER_LIST)
    assert u.references == []
    assert u.intent in ("search", "refine")


def test_the_first_one_still_points_at_the_list() -> None:
    u = understand("is the first one in stock?", VOCAB, AFTER_LIST)
    assert [r.position for r in u.references] == [1]


@pytest.mark.parametrize(
    "text",
    [
        "my cousin just got the keys to her new place, ideas?",
        "our daughter is heading off to college in the autumn",
        "a little something for a friend starting university",
    ],
)
def test_moving_out_is_an_occasion(text: str) -> None:
    assert is_gift_request(text)


def test_a_friend_is_who_the_present_is_for() -> None:
    u = understand("my best friend is off to uni soon, something for her kitchen", VOCAB)
    assert u.category != "friend"
