"""The offline planner on supply questions: "what should I reorder this week and why?" and
"when is it back?", answered from the forecast and inventory tools' results."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest
from langchain_core.messages import AIMessage, AnyMessage, BaseMessage, ToolMessage
from langchain_core.tools import BaseTool

from agents.guards import check_output
from agents.offline.planner import OfflinePlanner
from agents.offline.supply import is_reorder_question, reorder_args
from agents.offline.vocabulary import CatalogVocabulary
from graphs.chat import tool_products
from tests.fakes import planner_turn
from tests.unit.forecast_store import make_store
from tools.catalog.tools import catalog_tools
from tools.forecast.alerts import LocalAlertLog
from tools.forecast.inventory import Inventory
from tools.forecast.job import run_forecast_job
from tools.forecast.ledger import SqliteLedger
from tools.forecast.tools import forecast_tools
from tools.forecast.trained import LocalForecaster


class Merchandiser:
    """The planner with the catalog, forecast and inventory tools over a trained store."""

    def __init__(self, folder: Path) -> None:
        self.store = make_store(folder)
        self.ledger = SqliteLedger(self.store.path)
        inventory = Inventory(self.store, self.ledger)
        run_forecast_job(self.store, inventory, LocalAlertLog(folder / "a.jsonl"), folder / "m")
        specs = [
            *catalog_tools(self.store),
            *forecast_tools(self.store, LocalForecaster(folder / "m"), inventory),
        ]
        self.tools: dict[str, BaseTool] = {s.name: s.as_langchain_tool() for s in specs}
        products = list(self.store.iter_products())
        self.planner = OfflinePlanner(
            vocabulary=CatalogVocabulary.from_products(products)
        ).bind_tools(list(self.tools.values()))
        self.messages: list[BaseMessage] = []

    async def say(self, text: str) -> list[BaseMessage]:
        return await planner_turn(self.planner, self.tools, self.messages, text, max_rounds=6)

    def close(self) -> None:
        self.ledger.close()
        self.store.close()


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Merchandiser]:
    m = Merchandiser(tmp_path)
    yield m
    m.close()


@pytest.mark.parametrize(
    ("text", "args"),
    [
        ("What should I reorder this week and why?", {"within_days": 6}),
        ("which products need restocking today", {"within_days": 1}),
        ("show me the reorder list", {}),
        ("what do we need to reorder this month?", {"within_days": 26}),
    ],
)
def test_reorder_questions_are_recognised(text: str, args: dict[str, int]) -> None:
    assert is_reorder_question(text)
    assert reorder_args(text) == args


@pytest.mark.parametrize("text", ["red mugs", "is it in stock?", "order the second one"])
def test_other_messages_are_not_reorder_questions(text: str) -> None:
    assert not is_reorder_question(text)


async def test_reorder_answer_traces_every_number_to_the_tool_result(shop: Merchandiser) -> None:
    turn = await shop.say("What should I reorder this week and why?")
    call = next(m for m in turn if isinstance(m, AIMessage) and m.tool_calls).tool_calls[0]
    assert (call["name"], call["args"]) == ("reorder_suggestions", {"within_days": 6})
    result = next(m for m in turn if isinstance(m, ToolMessage))
    answer = str(turn[-1].content)
    assert answer.startswith("2 products need reordering this week")
    assert answer.index("(GONE3)") < answer.index("(FAST1)")
    assert "SLOW2" not in answer
    # Every number in the answer is one the tool returned (or a list position).
    tool_numbers = set(re.findall(r"\d+(?:\.\d+)?", str(result.content)))
    for line in answer.splitlines()[1:3]:
        body = line.split(". ", 1)[1]
        for number in re.findall(r"\d[\d,]*(?:\.\d+)?", body):
            assert number.replace(",", "") in tool_numbers, (number, line)
    # The output guard keeps every line: each product was returned by the tool.
    checked = check_output(
        answer, tool_products(cast(list[AnyMessage], turn)), {"GONE3", "FAST1", "SLOW2", "NEW44"}
    )
    assert checked.removed == [] and {p["id"] for p in checked.shown} == {"GONE3", "FAST1"}


async def test_when_is_it_back_answers_from_the_stock_position(shop: Merchandiser) -> None:
    await shop.say("tell me about GONE3")
    turn = await shop.say("when will it be back in stock?")
    call = next(m for m in turn if isinstance(m, AIMessage) and m.tool_calls).tool_calls[0]
    assert (call["name"], call["args"]) == ("check_inventory", {"product_id": "GONE3"})
    answer = str(turn[-1].content)
    assert "(GONE3) is out of stock" in answer
    assert "should be back by" in answer and "7-day lead time" in answer


async def test_an_in_stock_answer_says_how_long_it_lasts(shop: Merchandiser) -> None:
    turn = await shop.say("is FAST1 in stock?")
    answer = str(turn[-1].content)
    assert "(FAST1) is in stock, stock level 30" in answer
    assert re.search(r"lasts about 3(\.\d)? trading days", answer), answer


@pytest.mark.parametrize(
    ("text", "args"),
    [
        ("how many of FAST1 will sell next month?", {"product_id": "FAST1", "horizon_days": 30}),
        ("demand forecast for SLOW2", {"product_id": "SLOW2"}),
        (
            "what are the expected sales of fast1 this week",
            {"product_id": "FAST1", "horizon_days": 7},
        ),
        (
            "what will sales of FAST1 look like over the next 4 weeks?",
            {"product_id": "FAST1", "horizon_days": 28},
        ),
        ("demand for fast1 over the next 60 days", {"product_id": "FAST1", "horizon_days": 60}),
    ],
)
async def test_forecast_questions_call_forecast_demand(
    shop: Merchandiser, text: str, args: dict[str, object]
) -> None:
    turn = await shop.say(text)
    call = next(m for m in turn if isinstance(m, AIMessage) and m.tool_calls).tool_calls[0]
    assert (call["name"], call["args"]) == ("forecast_demand", args)
    answer = str(turn[-1].content)
    assert f"({args['product_id']}): about" in answer and "units over the next" in answer


async def test_a_forecast_question_about_it_uses_the_product_in_focus(shop: Merchandiser) -> None:
    await shop.say("tell me about SLOW2")
    turn = await shop.say("how fast is it selling?")
    call = next(m for m in turn if isinstance(m, AIMessage) and m.tool_calls).tool_calls[0]
    assert call["args"] == {"product_id": "SLOW2"}


async def test_a_product_with_no_sales_gets_the_reason_not_a_number(shop: Merchandiser) -> None:
    answer = str((await shop.say("sales forecast for NEW44"))[-1].content)
    assert (
        answer
        == "Never Sold Doormat (NEW44): This product has no sales history, so there is no forecast."
    )


async def test_the_weather_forecast_is_not_a_demand_question(shop: Merchandiser) -> None:
    turn = await shop.say("what's the weather forecast for tomorrow?")
    assert not any(isinstance(m, AIMessage) and m.tool_calls for m in turn)
    assert "weather" in str(turn[-1].content)


@pytest.mark.parametrize(
    "question",
    [
        "how many do we have in stock right now?",
        "will we run out next month?",
        "do we need to reorder it?",
        "should we restock it?",
    ],
)
async def test_a_stock_question_checks_the_product_in_focus_not_the_catalog(
    shop: Merchandiser, question: str
) -> None:
    await shop.say("tell me about FAST1")
    turn = await shop.say(question)
    calls = [c for m in turn if isinstance(m, AIMessage) for c in m.tool_calls]
    assert [(c["name"], c["args"]) for c in calls] == [("check_inventory", {"product_id": "FAST1"})]
    assert "(FAST1) is in stock" in str(turn[-1].content)


async def test_merchandiser_words_alone_are_never_searched(shop: Merchandiser) -> None:
    turn = await shop.say("what will sales of FAST1 look like over the next 7 days?")
    calls = [c for m in turn if isinstance(m, AIMessage) for c in m.tool_calls]
    assert [c["name"] for c in calls] == ["forecast_demand"]
    assert calls[0]["args"] == {"product_id": "FAST1", "horizon_days": 7}


async def test_a_forecast_named_by_id_alone_is_a_forecast(shop: Merchandiser) -> None:
    turn = await shop.say("forecast FAST1 for the next 30 days")
    call = next(m for m in turn if isinstance(m, AIMessage) and m.tool_calls).tool_calls[0]
    assert (call["name"], call["args"]) == (
        "forecast_demand",
        {"product_id": "FAST1", "horizon_days": 30},
    )


def test_more_ways_to_ask_for_reorders_and_demand() -> None:
    from agents.offline.supply_cues import FORECAST_QUESTION

    assert is_reorder_question("reorder outlook for this month please")
    assert FORECAST_QUESTION.search("how many of 22423 will go next month")
    assert not FORECAST_QUESTION.search("how many colours does it come in")
