"""Round 8: words that look like products or filters but are not.

- a service asked with a product word as its verb ("will you gift wrap them?") is a store
  question, while "do you sell gift wrap" stays a search;
- stock idioms ("that you've got in", "in good quantities", "on the shelves") are the in-stock
  filter, and "have you got it in green" stays a colour;
- a refusal ended by a dash or said with its time ("not the green one - …", "no blue this
  time") excludes the value and never filters on it;
- the reason given after a question about the product in play ("…so I can quote it to the
  client") names no product."""

from __future__ import annotations

import pytest

from agents.offline.negation import take_exclusions
from agents.offline.nlu import NluContext, ShownProduct, understand
from agents.offline.store_services import asks_store_service
from agents.offline.vocabulary import CatalogVocabulary
from tools.models import Product

PRODUCTS = [
    Product(id="601", title="Kraft Gift Wrap Stars", category="gift wrap", price=0.5),
    Product(id="602", title="Tissue Wrap Pink", category="wrap", price=0.4,
            attributes={"colour": ["pink"]}),
    Product(id="603", title="Enamel Jug Green", category="jug", price=6.0,
            attributes={"colour": ["green"]}),
    Product(id="604", title="Enamel Jug Blue", category="jug", price=6.0,
            attributes={"colour": ["blue"]}),
    Product(id="605", title="Photo Frame Copy Holder", category="photo frame", price=2.0),
]  # fmt: skip
VOCAB = CatalogVocabulary.from_products(PRODUCTS)
AFTER_SEARCH = NluContext(has_search=True, category="jug")


@pytest.mark.parametrize(
    "text",
    [
        "will you gift wrap them?",
        "can u gift-wrap it for my nan",
        "and do you also wrap presents?",
        "hi, does the shop gift wrap",
    ],
)
def test_a_service_named_by_a_product_word_is_a_store_question(text: str) -> None:
    assert asks_store_service(text, VOCAB)


@pytest.mark.parametrize(
    "text",
    [
        "do you sell gift wrap",
        "have you got pink wrap",
        "gift wrap with stars",
        "can you show me wrap",
    ],
)
def test_asking_for_the_product_is_not_a_service_question(text: str) -> None:
    assert not asks_store_service(text, VOCAB)


@pytest.mark.parametrize(
    "text",
    [
        "just the jugs you've got in",
        "which ones do you currently have in?",
        "any in good quantities",
        "only what's on the shelves",
    ],
)
def test_stock_idioms_are_the_in_stock_filter(text: str) -> None:
    assert understand(text, VOCAB, AFTER_SEARCH).in_stock_only is True


def test_have_it_in_a_colour_stays_a_colour() -> None:
    u = understand("have you got it in green", VOCAB, AFTER_SEARCH)
    assert u.in_stock_only is None
    assert u.attributes == {"colour": "green"}


@pytest.mark.parametrize(
    ("text", "excluded"),
    [
        ("enamel jugs, not the green one - which colours are left", ["green"]),
        ("no blue this time", ["blue"]),
        ("jugs but nothing green — under a tenner?", ["green"]),
    ],
)
def test_the_refused_value_is_excluded(text: str, excluded: list[str]) -> None:
    assert take_exclusions(text, VOCAB)[1] == excluded
    assert "colour" not in understand(text, VOCAB, AFTER_SEARCH).attributes


@pytest.mark.parametrize(
    "text",
    [
        "how much is it, so i can quote it to the client",
        "what does that cost because we're putting together a photo frame copy brief",
        "is it in stock? need it for the copy deck",
    ],
)
def test_the_reason_after_a_question_names_no_product(text: str) -> None:
    u = understand(text, VOCAB, AFTER_SEARCH)
    assert u.intent in ("details", "stock")
    assert not u.has_product_words


def test_a_count_in_the_reason_is_kept() -> None:
    u = understand("is it in stock, as i need 30", VOCAB, AFTER_SEARCH)
    assert "30" in u.text


@pytest.mark.parametrize(
    ("text", "rest_has", "excluded"),
    [
        ("enamel jugs but not the green one thats so last year", "enamel jugs", ["green"]),
        ("no jugs please everyone buys her jugs", "", ["jugs"]),
        ("wrap, nothing pink because she hates it. under a fiver?", "under a fiver", ["pink"]),
    ],
)
def test_the_reason_for_a_refusal_names_nothing_wanted(
    text: str, rest_has: str, excluded: list[str]
) -> None:
    rest, found = take_exclusions(text, VOCAB)
    assert found == excluded
    assert rest_has in rest
    assert not {"last", "year", "everyone", "buys", "hates"} & set(rest.split())


def test_a_relative_clause_after_a_product_is_not_cut_as_a_reason() -> None:
    rest, found = take_exclusions("not the enamel jug that's blue", VOCAB)
    assert found != ["enamel jug"]


def test_an_off_topic_word_inside_a_product_kind_is_that_product() -> None:
    vocab = CatalogVocabulary.from_products(
        [Product(id="801", title="Recipe Card Holder Beech", category="recipe card", price=3.0)]
    )
    assert understand("recipe cards please", vocab).intent == "search"
    assert understand("any good recipe for flapjacks?", vocab).intent == "out_of_scope"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("is the sage one in stock and what's the price", "details"),
        ("the second one - in stock? how much is it", "details"),
        ("how much stock is left of the first one", "stock"),
    ],
)
def test_stock_asked_with_the_price_is_the_details_answer(text: str, intent: str) -> None:
    products = [
        Product(id="901", title="Enamel Jug Sage", category="jug", price=6.0),
        Product(id="902", title="Enamel Jug Navy", category="jug", price=6.0),
    ]
    vocab = CatalogVocabulary.from_products(products)
    shown = tuple(
        ShownProduct(id=p.id, title=p.title, price=p.price, category=p.category) for p in products
    )
    ctx = NluContext(has_search=True, category="jug", shown=shown)
    assert understand(text, vocab, ctx).intent == intent


@pytest.mark.parametrize(
    "text",
    [
        "got any others? not the ones you just showed",
        "not the items you already suggested please",
        "more, but not the ones u sent",
    ],
)
def test_refusing_what_was_shown_asks_for_others(text: str) -> None:
    u = understand(text, VOCAB, AFTER_SEARCH)
    assert u.intent == "more"
    assert u.excluded == [] and u.query_words == []
