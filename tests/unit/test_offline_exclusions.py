"""Negation: "not pink", "nothing heart shaped" become the search's ``exclude``, which both
search backends honour and the output guard verifies."""

from __future__ import annotations

import pytest

from agents.guards import violated_constraint
from agents.offline.nlu import understand
from agents.offline.search_arguments import search_args
from agents.offline.vocabulary import CatalogVocabulary
from tools.models import Product
from tools.search.base import SearchQuery
from tools.search.embedded import EmbeddedSearch
from tools.search.opensearch_query import filters


def _product(pid: str, title: str, category: str, colour: str = "") -> Product:
    attributes = {"colour": [colour]} if colour else {}
    return Product(
        id=pid, title=title, description=title, category=category, price=3.0,
        attributes=attributes, stock=5,
    )  # fmt: skip


CATALOG = [
    _product("c1", "Pink Diner Wall Clock", "wall clock", "pink"),
    _product("c2", "Blue Diner Wall Clock", "wall clock", "blue"),
    _product("c3", "Red Retro Wall Clock", "wall clock", "red"),
    _product("k1", "Heart Candle", "candle"),
    _product("k2", "Star Candle", "candle"),
    _product("k3", "Paper Lantern Hearts", "lantern"),
    _product("d1", "Doormat Union Jack", "doormat"),
    _product("d2", "Doormat Jack Russell", "doormat"),
]
VOCAB = CatalogVocabulary.from_products(CATALOG)


@pytest.mark.parametrize(
    ("text", "category", "exclude"),
    [
        ("wall clocks, but not pink ones", "wall clock", ["pink"]),
        ("wall clocks in any colour except red", "wall clock", ["red"]),
        ("wall clocks that aren't blue", "wall clock", ["blue"]),
        ("candles, but nothing heart shaped", "candle", ["heart"]),
        ("lanterns, nothing made of paper", "lantern", ["paper"]),
        ("doormats, no union jack ones please", "doormat", ["union jack"]),
    ],
)
def test_negated_words_become_exclusions(text: str, category: str, exclude: list[str]) -> None:
    u = understand(text, VOCAB)
    assert u.intent == "search"
    args = search_args(u)
    assert args["category"] == category
    assert args["exclude"] == exclude
    assert not set(" ".join(exclude).split()) & set(args["query"].split())
    assert "attributes" not in args  # "not pink" is no pink filter


@pytest.mark.parametrize(
    "text",
    [
        "no thanks",
        "I'm not sure",
        "mugs that are not out of stock",
        "not too expensive",
        "a gift for someone who can't live without candles",
    ],
)
def test_other_negations_exclude_nothing(text: str) -> None:
    assert understand(text, VOCAB).excluded == []


def _ids(search: EmbeddedSearch, **args: object) -> set[str]:
    return {p.id for p in search.search_sync(SearchQuery.model_validate(args)).products}


def test_the_embedded_backend_leaves_out_excluded_products() -> None:
    search = EmbeddedSearch()
    search.index(CATALOG)
    assert _ids(search, query="clock", exclude=["pink"]) == {"c2", "c3"}
    assert _ids(search, query="candle", exclude=["hearts"]) == {"k2"}  # plurals fold
    # every word of a phrase must be there: "Jack Russell" is no "union jack"
    assert _ids(search, query="doormat", exclude=["union jack"]) == {"d2"}
    assert _ids(search, exclude=["heart", "doormat"], limit=20) == {"c1", "c2", "c3", "k2"}


def test_the_opensearch_query_excludes_with_every_word_of_a_phrase() -> None:
    body = filters(SearchQuery(query="doormat", exclude=["union jack"]))
    must_not = body[-1]["bool"]["must_not"]
    assert must_not == [
        {
            "multi_match": {
                "query": "union jack",
                "fields": ["title", "category"],
                "type": "cross_fields",
                "operator": "and",
            }
        }
    ]
    assert filters(SearchQuery(query="doormat")) == []


def test_the_output_guard_flags_a_product_the_shopper_ruled_out() -> None:
    pink = {"id": "c1", "title": "Pink Diner Wall Clock", "category": "wall clock",
            "attributes": {"colour": ["pink"]}, "price": 3.0}  # fmt: skip
    blue = {**pink, "id": "c2", "title": "Blue Diner Clock", "attributes": {"colour": ["blue"]}}
    assert violated_constraint(pink, {"exclude": ["pink"]}) == "excluded: pink"
    assert violated_constraint(blue, {"exclude": ["pink"]}) is None


def test_an_option_among_several_does_not_rule_a_product_out() -> None:
    headphones = Product(
        id="h1", title="Headphones", description="Headphones", category="headphones",
        price=99.0, attributes={"connectivity": ["wired", "wireless"]}, stock=3,
    )  # fmt: skip
    search = EmbeddedSearch()
    search.index([headphones])
    assert _ids(search, query="headphones", exclude=["wired"]) == {"h1"}


def test_an_adjective_of_a_catalog_word_is_excluded_by_that_word() -> None:
    vocab = CatalogVocabulary.from_products(
        [*CATALOG, _product("x1", "Christmas Lights 10 Santas", "fairy lights"),
         _product("x2", "Babushka Lights", "fairy lights")]  # fmt: skip
    )
    assert understand("fairy lights that aren't christmassy", vocab).excluded == ["christmas"]


SPELLINGS = CatalogVocabulary.from_products(
    [
        _product("m1", "Blue Polkadot Mug", "mug", "blue"),
        _product("m2", "Blue Star Mug", "mug", "blue"),
        _product("m3", "Skull Mug", "mug"),
        _product("b1", "Red Polka Dots Bag", "bag", "red"),
        _product("u1", "Childrens Umbrella Spots", "umbrella"),
        _product("u2", "Kids Rain Umbrella", "umbrella"),
        _product("u3", "Black Umbrella", "umbrella"),
    ]
)


@pytest.mark.parametrize(
    ("text", "exclude"),
    [
        # the catalog writes it as one word
        ("blue mugs but no polka dots", ["polka dots", "polkadots"]),
        # a negation governs an "or" list
        ("mugs, nothing with skulls or polka dots on it", ["skulls", "polka dots", "polkadots"]),
        # another word for children that the catalog uses
        ("an umbrella for myself, not a kids one", ["kids", "kid", "children", "childrens"]),
        # a trailing discourse word does not hide the negation
        ("mugs - nothing blue tho", ["blue"]),
    ],
)
def test_exclusions_cover_the_catalogs_spellings(text: str, exclude: list[str]) -> None:
    assert understand(text, SPELLINGS).excluded == exclude


@pytest.mark.parametrize(
    ("text", "query", "sort"),
    [
        ("never mind, show me umbrellas instead", "umbrella", None),
        ("sorry, cheapest umbrella u have", "umbrella", "price_asc"),
        ("sort by price high to low", "", "price_desc"),
        ("btw got any mugs?", "mug", None),
    ],
)
def test_discourse_words_stay_out_of_the_query(text: str, query: str, sort: str | None) -> None:
    u = understand(text, SPELLINGS)
    assert " ".join(u.query_words) == query
    assert u.sort == sort
