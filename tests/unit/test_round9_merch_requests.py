"""Round 9, merchandiser requests read by their shape, in wordings of our own:

- "what's been selling alongside / with <title>" is that product's bought-together list;
- "are we ok for that with what's on hand?" right after a forecast measures the stock against
  the forecast total; "how's stock, should we restock?" with one product in play is that
  product's reorder verdict, not the store-wide list ("what do we need to reorder" stays one);
- reviews pasted one a line under the request are read whole by the text analyzer, and copy
  asked for next is written even when the order tools are bound."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agents.offline.planner import OfflinePlanner
from agents.offline.store_policy import StorePolicy
from agents.offline.vocabulary import CatalogVocabulary
from tools.models import Product

PRODUCTS = [
    Product(id="801", title="Wicker Picnic Hamper Large", category="hamper", price=24.0),
    Product(id="802", title="Gingham Picnic Blanket", category="blanket", price=12.0),
    Product(id="803", title="Doormat Welcome Friends", category="doormat", price=7.5),
    Product(id="804", title="Enamel Camping Mug", category="mug", price=3.0),
]  # fmt: skip
VOCAB = CatalogVocabulary.from_products(PRODUCTS)
MERCH_TOOLS = frozenset(
    {
        "search_products",
        "get_product",
        "check_inventory",
        "write_product_content",
        "recommend_products",
        "forecast_demand",
        "reorder_suggestions",
        "analyze_text",
    }
)
ORDER_TOOLS = frozenset(
    {
        "find_user_id_by_email",
        "find_user_id_by_name_zip",
        "get_user_details",
        "get_order_details",
        "cancel_pending_order",
        "return_delivered_order_items",
        "exchange_delivered_order_items",
        "modify_pending_order_items",
    }
)


def _reply(messages: list[BaseMessage], tools: frozenset[str] = MERCH_TOOLS) -> AIMessage:
    planner = OfflinePlanner(vocabulary=VOCAB, policy=StorePolicy(""))
    reply = planner.model_copy(update={"tool_names": tools}).invoke(messages)
    assert isinstance(reply, AIMessage)
    return reply


def _turn(text: str, name: str, args: dict[str, Any], out: dict[str, Any]) -> list[BaseMessage]:
    call = AIMessage("", tool_calls=[{"name": name, "args": args, "id": f"c{len(text)}"}])
    return [
        HumanMessage(text),
        call,
        ToolMessage(json.dumps(out), tool_call_id=f"c{len(text)}"),
        AIMessage("ok"),
    ]


def _answered(messages: list[BaseMessage], out: dict[str, Any]) -> AIMessage:
    first = _reply(messages)
    result = ToolMessage(json.dumps(out), tool_call_id=first.tool_calls[0]["id"])
    return _reply([*messages, first, result])


@pytest.mark.parametrize(
    "text",
    [
        "what's been selling alongside the wicker picnic hamper large?",
        "what sells well with the Wicker Picnic Hamper Large",
        "which things sold best with the wicker picnic hamper large",
    ],
)
def test_what_sells_with_a_titled_product_is_its_bought_together_list(text: str) -> None:
    reply = _reply([HumanMessage(text)])
    assert [c["name"] for c in reply.tool_calls] == ["recommend_products"]
    assert reply.tool_calls[0]["args"]["product_id"] == "801"
    assert reply.tool_calls[0]["args"]["strategy"] == "bought_together"


@pytest.mark.parametrize("text", ["ok whats it go with", "and what does that go nicely with?"])
def test_what_the_product_in_play_goes_with(text: str) -> None:
    out = {"id": "802", "title": "Gingham Picnic Blanket", "price": 12.0, "category": "blanket",
           "attributes": {}, "in_stock": True}  # fmt: skip
    looked = _turn("tell me about 802", "get_product", {"product_id": "802"}, out)
    reply = _reply([*looked, HumanMessage(text)])
    assert [c["name"] for c in reply.tool_calls] == ["recommend_products"]
    assert reply.tool_calls[0]["args"]["product_id"] == "802"
    assert reply.tool_calls[0]["args"]["strategy"] == "bought_together"


def test_choosing_to_go_with_one_is_no_recommendation() -> None:
    reply = _reply([HumanMessage("i'll go with the gingham picnic blanket")])
    assert [c["name"] for c in reply.tool_calls] != ["recommend_products"]


def test_sold_with_a_part_is_no_recommendation() -> None:
    reply = _reply([HumanMessage("is the wicker picnic hamper large sold with plates?")])
    assert [c["name"] for c in reply.tool_calls] != ["recommend_products"]


def _forecast(total: float) -> dict[str, Any]:
    return {"product_id": "802", "title": "Gingham Picnic Blanket", "horizon_days": 10,
            "available": True, "method": "ets", "daily_mean": total / 10, "total": total,
            "stock": 150, "days": []}  # fmt: skip


def _stock(stock: int) -> dict[str, Any]:
    return {"product_id": "802", "title": "Gingham Picnic Blanket", "in_stock": stock > 0,
            "stock": stock, "daily_demand": 9.0, "lead_time_days": 7, "reorder_point": 90.0,
            "demand_over_lead_time": 63.0, "safety_stock": 27.0, "reorder_now": False,
            "suggested_order": 0, "on_order": 0}  # fmt: skip


def _forecast_turn(total: float) -> list[BaseMessage]:
    args = {"product_id": "802", "horizon_days": 10}
    return _turn("demand forecast for 802, 10 days", "forecast_demand", args, _forecast(total))


@pytest.mark.parametrize(
    "text", ["are we ok for that with what's on hand?", "will the stock we hold last?"]
)
def test_stock_against_a_forecast_just_given(text: str) -> None:
    messages = [*_forecast_turn(90.4), HumanMessage(text)]
    first = _reply(messages)
    assert [c["name"] for c in first.tool_calls] == ["check_inventory"]
    assert first.tool_calls[0]["args"] == {"product_id": "802"}
    answer = _answered(messages, _stock(150)).text
    assert answer.startswith("Yes") and "150 in stock" in answer and "59.6" in answer


def test_a_forecast_the_stock_falls_short_of() -> None:
    messages = [*_forecast_turn(212.0), HumanMessage("is what we have sufficient for it?")]
    answer = _answered(messages, _stock(150)).text
    assert answer.startswith("No") and "62.0 short" in answer


@pytest.mark.parametrize(
    "text", ["how's stock, should we restock?", "and shall I order more of it?"]
)
def test_a_yes_no_reorder_question_about_the_product_in_play(text: str) -> None:
    messages = [*_forecast_turn(90.0), HumanMessage(text)]
    first = _reply(messages)
    assert [c["name"] for c in first.tool_calls] == ["check_inventory"]
    assert _answered(messages, _stock(150)).text.startswith("No need to reorder yet")


def test_the_store_wide_reorder_list_is_still_asked_with_what() -> None:
    messages = [*_forecast_turn(90.0), HumanMessage("what do we need to reorder this week?")]
    assert [c["name"] for c in _reply(messages).tool_calls] == ["reorder_suggestions"]


REVIEWS = (
    "could you look at what people said about the welcome friends doormat:\n"
    "'Bristles shed everywhere after a week'\n"
    "'Lovely colours, my neighbours asked where I got it'"
)


@pytest.mark.parametrize("tools", [MERCH_TOOLS, MERCH_TOOLS | ORDER_TOOLS])
def test_reviews_pasted_one_a_line_are_analysed_whole(tools: frozenset[str]) -> None:
    reply = _reply([HumanMessage(REVIEWS)], tools)
    assert [c["name"] for c in reply.tool_calls] == ["analyze_text"]
    assert "Bristles shed" in reply.tool_calls[0]["args"]["text"]
    assert "neighbours asked" in reply.tool_calls[0]["args"]["text"]


def test_copy_after_pasted_reviews_is_written_with_order_tools_bound() -> None:
    out = {"sentiment": {"label": "MIXED", "scores": {"mixed": 0.6}}, "key_phrases": []}
    args = {"text": "x", "features": ["sentiment", "key_phrases"]}
    ask = "great, draft a description for the doormat (803) using the good bits"
    messages = [*_turn(REVIEWS, "analyze_text", args, out), HumanMessage(ask)]
    reply = _reply(messages, MERCH_TOOLS | ORDER_TOOLS)
    assert [c["name"] for c in reply.tool_calls] == ["write_product_content"]
    assert reply.tool_calls[0]["args"]["product_id"] == "803"


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("anything that'll sell out in the next fortnight we should order today?", 12),
        ("which lines will run out this month?", 26),
    ],
)
def test_what_will_run_out_is_the_reorder_list_over_the_longest_period(
    text: str, days: int
) -> None:
    reply = _reply([HumanMessage(text)])
    assert [c["name"] for c in reply.tool_calls] == ["reorder_suggestions"]
    assert reply.tool_calls[0]["args"]["within_days"] == days


def test_whether_one_product_runs_out_is_not_the_list() -> None:
    looked = _forecast_turn(90.0)
    reply = _reply([*looked, HumanMessage("will it run out next week?")])
    assert [c["name"] for c in reply.tool_calls] != ["reorder_suggestions"]


@pytest.mark.parametrize("text", ["anything that matches it?", "and something to match?"])
def test_what_matches_the_product_in_play_is_bought_together(text: str) -> None:
    out = {"id": "801", "title": "Wicker Picnic Hamper Large", "price": 24.0,
           "category": "hamper", "attributes": {}, "in_stock": True}  # fmt: skip
    looked = _turn("tell me about 801", "get_product", {"product_id": "801"}, out)
    reply = _reply([*looked, HumanMessage(text)])
    assert [c["name"] for c in reply.tool_calls] == ["recommend_products"]
    assert reply.tool_calls[0]["args"]["product_id"] == "801"


@pytest.mark.parametrize(
    "text",
    [
        "can you vet this review before it goes live - 'Sturdy mat! Ask me anything at [EMAIL]'",
        "is this comment ok to post? 'Great value, call me on [PHONE] for a swap'",
    ],
)
def test_a_review_vetted_before_publishing_is_checked_for_personal_data(text: str) -> None:
    reply = _reply([HumanMessage(text)], MERCH_TOOLS | ORDER_TOOLS)
    assert [c["name"] for c in reply.tool_calls] == ["analyze_text"]
    assert "pii" in reply.tool_calls[0]["args"]["features"]
    out = {"pii": [], "sentiment": None}
    result = ToolMessage(json.dumps(out), tool_call_id=reply.tool_calls[0]["id"])
    answer = _reply([HumanMessage(text), reply, result], MERCH_TOOLS | ORDER_TOOLS).text
    assert "e-mail" in answer or "phone" in answer


def _written(pid: str) -> dict[str, Any]:
    copy = {"title": "t", "description": "d", "bullets": [], "keywords": []}
    return {"product_id": pid, "language": "de", "tone": "neutral", "version": 1, "content": copy}


def test_copy_in_a_language_for_a_product_named_by_title() -> None:
    text = "we want the gingham picnic blanket description in German please"
    reply = _reply([HumanMessage(text)])
    assert [c["name"] for c in reply.tool_calls] == ["write_product_content"]
    assert reply.tool_calls[0]["args"] == {"product_id": "802", "language": "de"}


def test_a_shoppers_question_about_a_description_is_no_copy_request() -> None:
    reply = _reply([HumanMessage("is the gingham picnic blanket description in german?")])
    assert [c["name"] for c in reply.tool_calls] != ["write_product_content"]


def test_another_tone_right_after_copy_keeps_the_product() -> None:
    args = {"product_id": "802", "language": "de"}
    written = _turn("blanket copy in german", "write_product_content", args, _written("802"))
    reply = _reply([*written, HumanMessage("ok now a fun one in english please")])
    assert reply.tool_calls[0]["args"] == {"product_id": "802", "language": "en", "tone": "playful"}
