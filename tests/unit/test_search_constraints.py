"""Constraints read from query text, relaxation steps, and validation of search arguments."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from tools.models import Product
from tools.search.base import SearchQuery
from tools.search.constraints import AttributeVocabulary, extract, relaxations
from tools.search.embedded import EmbeddedSearch
from tools.search.tools import search_tools

VOCAB = AttributeVocabulary.of(
    {
        "colour": ["Red", "Blue", "Navy Blue"],
        "material": ["Stainless Steel", "Glass"],
        "finish": ["Glass"],  # shared with material: never read from text
    }
)


def _extract(text: str, **kwargs: Any) -> tuple[SearchQuery, list[str]]:
    return extract(SearchQuery(query=text, extract_constraints=True, **kwargs), VOCAB)


@pytest.mark.parametrize(
    ("text", "low", "high", "rest"),
    [
        ("red mugs under £5", None, 5.0, "mugs"),
        ("mugs below 5", None, 5.0, "mugs"),
        ("mugs less than 7.50 pounds", None, 7.5, "mugs"),
        ("lamp over $20", 20.0, None, "lamp"),
        ("lamp at least 20 dollars", 20.0, None, "lamp"),
        ("vase between £5 and £10", 5.0, 10.0, "vase"),
        ("vase £10-£5", 5.0, 10.0, "vase"),
        ("cake stand from 3 to 8 pounds", 3.0, 8.0, "cake stand"),
        ("mugs over 5 and under 9", 5.0, 9.0, "mugs"),
    ],
)
def test_price_phrases_become_a_price_range(
    text: str, low: float | None, high: float | None, rest: str
) -> None:
    query, labels = _extract(text)
    assert (query.min_price, query.max_price) == (low, high)
    assert query.query == rest
    assert labels
    assert query.extract_constraints is False


@pytest.mark.parametrize(
    "text", ["2 tier cake stand", "60 watt bulb", "shelf under 5 ft", "3 to 4 inch screws"]
)
def test_numbers_that_are_not_prices_stay_in_the_text(text: str) -> None:
    query, labels = _extract(text)
    assert labels == []
    assert query.query == text
    assert query.min_price is None and query.max_price is None


def test_attribute_values_become_filters_longest_first() -> None:
    query, labels = _extract("navy blue stainless steel kettle")
    assert query.attributes == {"colour": "Navy Blue", "material": "Stainless Steel"}
    assert query.query == "kettle"
    assert labels == ["colour: Navy Blue", "material: Stainless Steel"]


def test_a_value_two_attributes_share_is_left_in_the_text() -> None:
    query, labels = _extract("glass vase")
    assert query.attributes == {}
    assert query.query == "glass vase"
    assert labels == []


def test_stated_arguments_win_over_the_text() -> None:
    query, labels = _extract("red mugs under 5", max_price=3.0, attributes={"colour": "blue"})
    assert query.max_price == 3.0
    assert query.attributes == {"colour": "blue"}
    assert labels == []


def test_text_contradicting_the_arguments_is_left_alone() -> None:
    query, labels = _extract("lamp over 50", max_price=10.0)
    assert labels == []
    assert query.query == "lamp over 50"


def test_relaxations_drop_one_kind_of_constraint_at_a_time() -> None:
    query = SearchQuery(
        query="mug",
        attributes={"colour": "red"},
        brand="Acme",
        category="Mugs",
        max_price=5,
        in_stock_only=True,
        relax=True,
        offset=10,
    )
    steps = relaxations(query)
    assert [label for label, _ in steps] == [
        "attributes (colour=red)",
        "brand 'Acme'",
        "category 'Mugs'",
        "price at most 5",
    ]
    last = steps[-1][1]
    assert (last.attributes, last.brand, last.category, last.max_price) == ({}, None, None, None)
    assert last.in_stock_only is True  # never dropped
    assert last.offset == 0 and last.relax is False


def test_nothing_to_relax_gives_no_steps() -> None:
    assert relaxations(SearchQuery(query="mug")) == []


# --- through the backend and the tool ------------------------------------------------------

CATALOG = [
    Product(id="m1", title="Red Spotty Mug", price=2.0, attributes={"colour": ["red"]}),
    Product(id="m2", title="Blue Mug", price=6.0, attributes={"colour": ["blue"]}, stock=2),
    Product(id="v1", title="Tall Vase", price=9.0, attributes={"colour": ["blue"]}),
]


async def test_the_tool_reads_constraints_from_raw_text_when_asked() -> None:
    (tool,) = search_tools(EmbeddedSearch(CATALOG))
    result = await tool.run({"query": "blue mugs under £8", "extract_constraints": True})
    assert [p.id for p in result.products] == ["m2"]
    assert result.extracted == ["price at most 8", "colour: blue"]
    plain = await tool.run({"query": "blue mugs under £8"})
    assert plain.extracted == []


async def test_zero_results_are_recovered_by_relaxing_and_saying_which() -> None:
    (tool,) = search_tools(EmbeddedSearch(CATALOG))
    args = {"query": "mug", "attributes": {"colour": "red"}, "min_price": 5}
    assert (await tool.run(args)).total == 0
    result = await tool.run({**args, "relax": True})
    # dropping the colour is enough: the blue mug costs 6
    assert [p.id for p in result.products] == ["m2"]
    assert result.relaxed == ["attributes (colour=red)"]


async def test_relaxing_reports_every_step_when_nothing_is_found() -> None:
    (tool,) = search_tools(EmbeddedSearch(CATALOG))
    result = await tool.run({"query": "teapot", "max_price": 1, "relax": True})
    assert result.total == 0
    assert result.relaxed == ["price at most 1"]


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"query": "x" * 1001}, "1001 bytes; at most 1000"),
        ({"query": "é" * 501}, "1002 bytes"),
        ({"query": "mug\x00\x01"}, "control or non-text"),
        ({"query": "caf\ufffd"}, "control or non-text"),
        ({"query": "\ud800mug"}, "control or non-text"),
        ({"query": "  ?!  "}, "no letters or digits"),
        ({"query": "mug", "min_price": -1}, "greater than or equal to 0"),
        ({"query": "mug", "min_price": 9, "max_price": 2}, "above max_price"),
        ({"query": "mug", "sort": "cheapest"}, "'relevance', 'price_asc'"),
    ],
)
def test_bad_search_arguments_are_refused_naming_the_problem(
    arguments: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        SearchQuery.model_validate(arguments)


def test_an_empty_query_lists_everything() -> None:
    assert SearchQuery(query="").query == ""
    assert SearchQuery(query="  mug\t").query == "mug"
