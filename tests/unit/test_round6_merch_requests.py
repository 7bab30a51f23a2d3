"""Round 6: merchandiser requests that name a product by part of its title, copy asked for by
where it goes ("for the webshop"), stock and forecast named side by side, and a forecast beside
no stock said in words."""

from __future__ import annotations

import pytest

from agents.offline.content_requests import content_args, is_content_request
from agents.offline.context import ToolRecord
from agents.offline.entities import TitleIndex
from agents.offline.product_stock import _STOCK_AND
from agents.offline.supply import forecast_answer, forecast_args
from agents.offline.supply_cues import FORECAST_QUESTION
from agents.offline.vocabulary import CatalogVocabulary
from tools.models import Product


def _product(pid: str, title: str) -> Product:
    return Product(id=pid, title=title, description=title, category="home", price=3.5)


CATALOG = [
    _product("30001", "Enamel Watering Can 2 Litre Sage"),
    _product("30002", "Enamel Watering Can 2 Litre Rose"),
    _product("30003", "Oak Spice Rack Three Shelf"),
    _product("30004", "Linen Apron Stripe"),
    _product("30005", "Next Day Carriage"),
]
VOCAB = CatalogVocabulary.from_products(CATALOG)
INDEX = TitleIndex((p.id, p.title) for p in CATALOG)


@pytest.mark.parametrize(
    ("text", "pid"),
    [
        ("the oak spice rack", "30003"),
        ("rack oak spice, 10 day outlook", "30003"),
        ("sage watering can", "30001"),
    ],
)
def test_part_of_a_title_links_one_product(text: str, pid: str) -> None:
    linked = INDEX.loose_link(text)
    assert linked is not None and linked.product_id == pid


@pytest.mark.parametrize(
    "text",
    [
        "enamel watering can",  # two titles hold every word: no guess
        "the oak table",  # one word of a title is not enough
        "2 litre",  # numbers do not count
        "stripe",
    ],
)
def test_a_loose_mention_that_is_not_one_product_links_none(text: str) -> None:
    assert INDEX.loose_link(text) is None


def test_a_period_forecast_on_a_product_part_named() -> None:
    text = "what's the 3 week forecast on the spice rack oak"
    assert FORECAST_QUESTION.search(text)
    assert forecast_args(text, VOCAB, None) == {"product_id": "30003", "horizon_days": 21}


@pytest.mark.parametrize(
    "text",
    [
        "forecast it for the next 14 days",
        "how about demand over the next 60 days?",
        "and how many will we sell next week",
    ],
)
def test_request_words_never_name_a_title_over_the_focus(text: str) -> None:
    assert forecast_args(text, VOCAB, "FOCUS")["product_id"] == "FOCUS"


@pytest.mark.parametrize(
    "text",
    [
        "please write up the linen apron stripe for our webshop",
        "draft the striped linen apron for the online store, playful",
        "create something on the site for the oak spice rack",
    ],
)
def test_copy_asked_for_by_where_it_goes(text: str) -> None:
    assert is_content_request(text)
    assert content_args(text, VOCAB, None)["product_id"] in {"30003", "30004"}


@pytest.mark.parametrize(
    "text", ["is the apron on your website", "what does the site say about the apron"]
)
def test_a_question_about_the_website_is_no_copy_request(text: str) -> None:
    assert not is_content_request(text)


@pytest.mark.parametrize(
    "text",
    ["oak spice rack stock & forecast next month", "forecast plus current stock for 30003"],
)
def test_stock_and_forecast_side_by_side(text: str) -> None:
    assert _STOCK_AND.search(text)


def test_a_forecast_beside_no_stock_says_out_of_stock() -> None:
    record = ToolRecord(call_id="c1", name="forecast_demand", args={"product_id": "30004"})
    record.output = {
        "product_id": "30004",
        "title": "Linen Apron Stripe",
        "available": True,
        "total": 20,
        "daily_mean": 2.9,
        "horizon_days": 7,
        "method": "ets",
        "trained_through": "2011-12-09",
        "stock": 0,
        "days": [],
    }
    assert "out of stock" in forecast_answer(record)
    record.output["stock"] = 12
    assert "out of stock" not in forecast_answer(record)
