"""Entity linking: a product named by its title reaches the tools as its id."""

from __future__ import annotations

import pytest

from agents.offline.content_requests import content_args
from agents.offline.entities import TitleIndex
from agents.offline.nlu import understand
from agents.offline.supply import forecast_args
from agents.offline.vocabulary import CatalogVocabulary
from tools.models import Product


def _product(pid: str, title: str, category: str) -> Product:
    return Product(id=pid, title=title, description=title, category=category, price=2.5)


PRODUCTS = [
    _product("22698", "Pink Regency Teacup and Saucer", "teacup"),
    _product("22697", "Green Regency Teacup and Saucer", "teacup"),
    _product("84879", "Assorted Colour Bird Ornament", "ornament"),
    _product("22720", "Set of 3 Cake Tins Pantry Design", "cake tin"),
    _product("47566", "Party Bunting", "bunting"),
    _product("3801771308", "E-Reader", "e-reader"),
    _product("11111", "Red Hanging Heart T-Light Holder", "t-light holder"),
    _product("11112", "White Hanging Heart T-Light Holder", "t-light holder"),
]
VOCAB = CatalogVocabulary.from_products(PRODUCTS)
INDEX = TitleIndex((p.id, p.title) for p in PRODUCTS)


@pytest.mark.parametrize(
    ("text", "product_id"),
    [
        ("could you write some copy for the Pink Regency Teacup and Saucer?", "22698"),
        ("forecast for the assorted colour bird ornaments", "84879"),
        # a long title named one word short
        ("anything like the set of cake tins pantry design?", "22720"),
        ("what sells alongside the Party Bunting?", "47566"),
        ("how many e-readers will sell next month?", "3801771308"),
    ],
)
def test_a_title_in_the_message_links_its_product(text: str, product_id: str) -> None:
    linked = INDEX.link(text)
    assert linked is not None and linked.product_id == product_id


@pytest.mark.parametrize(
    "text",
    [
        "regency teacup and saucer",  # pink or green: two titles tie, no guess
        "hanging heart t-light holder",  # red or white
        "party",  # one word of a two-word title
        "do you have lanterns?",
    ],
)
def test_no_link_without_one_whole_title(text: str) -> None:
    assert INDEX.link(text) is None


def test_content_and_forecast_requests_take_the_named_product() -> None:
    text = "draft playful copy for the Pink Regency Teacup and Saucer"
    assert content_args(text, VOCAB, None)["product_id"] == "22698"
    args = forecast_args("give me a two week forecast for the Party Bunting", VOCAB, None)
    assert args == {"product_id": "47566", "horizon_days": 14}


def test_a_question_about_a_named_product_refers_to_it() -> None:
    u = understand("anything like the Set of 3 Cake Tins Pantry Design?", VOCAB)
    assert u.intent == "similar"
    assert [(r.kind, r.product_id) for r in u.references] == [("title", "22720")]


def test_a_kind_of_product_is_not_linked() -> None:
    u = understand("tell me about a party bunting", VOCAB)
    assert not u.references


def test_a_whole_title_after_the_names_that_product() -> None:
    u = understand("show me the Set of 3 Cake Tins Pantry Design", VOCAB)
    assert [(r.kind, r.product_id) for r in u.references] == [("title", "22720")]
    assert understand("show me the party bunting", VOCAB).references == []  # two words: a kind


def test_forecast_for_a_named_product_is_no_weather_question() -> None:
    from langchain_core.messages import HumanMessage

    from agents.offline.dialogue import Dialogue, Store
    from agents.offline.step import Step, ToolCallPlan
    from agents.offline.store_policy import StorePolicy
    from agents.offline.supply import supply_step

    store = Store(VOCAB, StorePolicy(), frozenset({"forecast_demand"}), max_tool_rounds=4)
    message = HumanMessage("forecast for the assorted colour bird ornament next month")
    step = supply_step(Dialogue([message], store))
    expected = ToolCallPlan("forecast_demand", {"product_id": "84879", "horizon_days": 30})
    assert step == Step(calls=[expected])
