"""Round 6: after a search of one kind, a word that is both another kind and an option of the
listed kind narrows the listing ("just the glass ones" after vases: glass vases)."""

from __future__ import annotations

from agents.offline.nlu import NluContext, understand
from agents.offline.vocabulary import CatalogVocabulary
from tools.models import Product

PRODUCTS = [
    Product(id="71", title="Glass Vase Tall", category="vase", price=6.0,
            attributes={"material": ["glass"]}),
    Product(id="72", title="Ceramic Vase Small", category="vase", price=4.0,
            attributes={"material": ["ceramic"]}),
    Product(id="73", title="Glass Tumbler", category="glass", price=1.0,
            attributes={"material": ["glass"]}),
]  # fmt: skip
VOCAB = CatalogVocabulary.from_products(PRODUCTS)
AFTER_VASES = NluContext(has_search=True, category="vase")


def test_an_option_of_the_listed_kind_narrows_it() -> None:
    u = understand("just the glass ones", VOCAB, AFTER_VASES)
    assert u.attributes == {"material": "glass"}
    assert u.category in (None, "vase")


def test_without_a_listing_the_word_is_its_own_kind() -> None:
    u = understand("glass", VOCAB, NluContext())
    assert u.category == "glass"


def test_a_word_no_listed_product_has_is_a_new_kind() -> None:
    after_tumblers = NluContext(has_search=True, category="glass")
    u = understand("vases instead", VOCAB, after_tumblers)
    assert u.category == "vase" and not u.attributes
