"""Round 10, shopping side: a stock question about the product in play asked as whether it
lasts a period ("is that going to last till the end of the month?") is its demand forecast over
that period set against its stock; a passage handed over to be analysed (reviews one a line
under the request, a customer's message that talks about an order or holds masked contact
details) reaches the text analyzer whole; "honestly" is an emphasis, not praise."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agents.offline.planner import OfflinePlanner
from agents.offline.product_stock import lasts_horizon
from agents.offline.routing import new_shopping_request
from agents.offline.store_policy import StorePolicy
from agents.offline.vocabulary import CatalogVocabulary
from tools.analyze.local import LocalAnalyzer
from tools.models import Product

PRODUCTS = [
    Product(id="91", title="Copper Watering Can", category="watering can", price=14.5),
    Product(id="92", title="Felt Christmas Stocking Green", category="stocking", price=2.1),
    Product(id="93", title="Glass Storage Jar Large", category="jar", price=4.25),
]
BY_ID = {p.id: p for p in PRODUCTS}
VOCAB = CatalogVocabulary.from_products(PRODUCTS)
TOOLS = frozenset(
    {
        "search_products",
        "get_product",
        "check_inventory",
        "forecast_demand",
        "analyze_text",
        "recommend_products",
        "write_product_content",
    }
)
STOCK = {"91": 40, "92": 12, "93": 0}
DAILY = {"91": 2.0, "92": 5.0, "93": 1.0}


def _output(name: str, args: dict[str, Any]) -> dict[str, Any]:
    if name == "search_products":
        query = str(args.get("query", "")).lower()
        hits = [p for p in PRODUCTS if any(w in p.title.lower() for w in query.split())]
        rows = [
            {"id": p.id, "title": p.title, "price": p.price, "currency": "GBP",
             "category": p.category, "in_stock": STOCK[p.id] > 0}
            for p in hits
        ]  # fmt: skip
        return {"total": len(rows), "products": rows}
    if name == "recommend_products":
        ids = ["93", "92"] if int(args.get("limit", 5)) > 5 else ["93"]  # the best first
        rows = [{"id": i, "title": BY_ID[i].title, "price": BY_ID[i].price} for i in ids]
        return {"strategy": args.get("strategy"), "product_id": args.get("product_id"),
                "products": rows}  # fmt: skip
    if name == "write_product_content":
        return {"product_id": args["product_id"], "tone": args.get("tone", "neutral"),
                "language": "en", "version": 1, "title": "t", "description": "d"}  # fmt: skip
    if name == "analyze_text":
        return {"sentiment": {"label": "NEGATIVE", "scores": {"negative": 0.6}}}
    p = BY_ID[str(args["product_id"])]
    if name == "forecast_demand":
        days = int(args.get("horizon_days", 28))
        return {
            "product_id": p.id, "title": p.title, "horizon_days": days, "available": True,
            "daily_mean": DAILY[p.id], "total": DAILY[p.id] * days, "stock": STOCK[p.id],
        }  # fmt: skip
    return {
        "id": p.id, "product_id": p.id, "title": p.title, "price": p.price, "currency": "GBP",
        "category": p.category, "in_stock": STOCK[p.id] > 0, "stock": STOCK[p.id],
    }  # fmt: skip


def _chat(*texts: str) -> tuple[list[BaseMessage], str]:
    planner = OfflinePlanner(vocabulary=VOCAB, policy=StorePolicy(""))
    planner = planner.model_copy(update={"tool_names": TOOLS})
    messages: list[BaseMessage] = []
    answer = ""
    for text in texts:
        messages = [*messages, HumanMessage(text)]
        for _ in range(4):
            reply = planner.invoke(messages)
            messages = [*messages, reply]
            if not reply.tool_calls:
                answer = str(reply.content)
                break
            for call in reply.tool_calls:
                out = _output(call["name"], call["args"])
                messages.append(ToolMessage(json.dumps(out), tool_call_id=call["id"]))
        else:
            raise AssertionError("no answer")
    return messages, answer


def _calls(messages: list[BaseMessage]) -> list[tuple[str, dict[str, Any]]]:
    last_human = max(i for i, m in enumerate(messages) if isinstance(m, HumanMessage))
    return [
        (c["name"], dict(c["args"]))
        for m in messages[last_human:]
        if isinstance(m, AIMessage)
        for c in m.tool_calls
    ]


@pytest.mark.parametrize(
    ("text", "days", "enough"),
    [
        ("do those cans last the whole week do you think", 6, True),
        ("would it last a week at this rate?", 7, True),
        ("is that going to last till the end of the month? 30 days", 30, False),
    ],
)
def test_whether_stock_lasts_is_its_forecast_against_stock(
    text: str, days: int, enough: bool
) -> None:
    messages, answer = _chat("how many copper watering can are left", text)
    calls = _calls(messages)
    assert calls == [("forecast_demand", {"product_id": "91", "horizon_days": days})]
    assert answer.startswith("Yes: Copper Watering Can (91) has 40" if enough else "No:")


def test_a_named_month_runs_to_its_last_day() -> None:
    assert lasts_horizon("will it last us into january", date(2026, 12, 20)) == (
        42,
        "to the end of January",
    )
    assert lasts_horizon("will that last till christmas", date(2026, 12, 8)) == (
        17,
        "to Christmas",
    )
    assert lasts_horizon("will it last", date(2026, 12, 8)) is None


def test_the_last_one_is_not_a_question_of_lasting() -> None:
    messages, _ = _chat("felt christmas stocking green", "is the last one in stock")
    assert all(name != "forecast_demand" for name, _ in _calls(messages))


def test_reviews_one_a_line_under_the_request_are_analysed_with_the_product_looked_up() -> None:
    messages, answer = _chat(
        "got two reviews in for the Copper Watering Can - what's the general verdict?\n"
        "- spout dribbles all over my shoes, not impressed\n"
        "- pretty enough but the handle came loose within a month",
        "ok and will it last the week",
    )
    calls = [name for m in messages if isinstance(m, AIMessage) for c in m.tool_calls
             for name in [c["name"]]]  # fmt: skip
    assert calls[:2] == ["analyze_text", "get_product"]
    first = next(m for m in messages if isinstance(m, AIMessage) and m.tool_calls)
    passage = first.tool_calls[0]["args"]["text"]
    assert "spout dribbles" in passage and "handle came loose" in passage
    assert _calls(messages) == [("forecast_demand", {"product_id": "91", "horizon_days": 6})]
    assert answer.startswith("Yes: Copper Watering Can (91)")


def test_a_customers_message_about_an_order_is_analysed_not_taken_as_theirs() -> None:
    messages, answer = _chat(
        "can you analyse this note one of our customers sent in: 'Where is my parcel?? Been "
        "waiting 3 weeks, ring me on [PHONE] or write to [EMAIL]. Not happy at all.'"
    )
    assert [name for name, _ in _calls(messages)] == ["analyze_text"]
    assert "negative" in answer


@pytest.mark.parametrize(
    "text",
    [
        "Dripped all over the table and soaked the cloth. Pretty colour but honestly not worth it.",
        "Honestly the handle wobbly from day one, frankly a waste of money.",
    ],
)
def test_emphasis_words_do_not_turn_a_complaint_positive(text: str) -> None:
    result = LocalAnalyzer().analyze_sync(text)
    assert result.sentiment is not None and result.sentiment.label == "NEGATIVE"


@pytest.mark.parametrize(
    "text",
    [
        "we're getting the Copper Watering Can - what else do people buy with it?",
        "I'll take the copper watering can. what do customers usually buy alongside it",
    ],
)
def test_bought_together_for_a_product_named_before_the_question(text: str) -> None:
    messages, _ = _chat(text)
    assert _calls(messages)[0] == (
        "recommend_products",
        {"product_id": "91", "strategy": "bought_together", "limit": 5},
    )


@pytest.mark.parametrize(
    "text",
    [
        "ok n do u have a shop in manchester or just online",
        "r u an online only business?",
        "is there a store in york i could pop into",
    ],
)
def test_a_shop_to_visit_asked_in_chat_speak_is_a_store_question(text: str) -> None:
    messages, answer = _chat(text)
    assert _calls(messages) == []
    assert "matches for" not in answer


def test_a_shopping_question_with_a_price_cap_leaves_a_service_flow() -> None:
    assert new_shopping_request("whats a nice christmas stocking under £3", VOCAB)
    assert new_shopping_request("what's a good watering can for a balcony", VOCAB)
    assert not new_shopping_request("what's a good time to ring you", VOCAB)


@pytest.mark.parametrize(
    ("follow_up", "tone", "keywords"),
    [
        ("can you make that a bit more formal, and work in the keyword 'gardening'", "elegant",
         ["gardening"]),
        ("hmm too formal - more casual please", "playful", None),
    ],
)  # fmt: skip
def test_a_change_of_register_rewrites_the_copy_just_written(
    follow_up: str, tone: str, keywords: list[str] | None
) -> None:
    messages, _ = _chat(
        "write a practical product description for the copper watering can", follow_up
    )
    calls = _calls(messages)
    assert [name for name, _ in calls] == ["write_product_content"]
    args = calls[0][1]
    assert args["product_id"] == "91" and args["tone"] == tone
    assert args.get("keywords") == keywords


def _searches(messages: list[BaseMessage]) -> list[dict[str, Any]]:
    return [args for name, args in _calls(messages) if name == "search_products"]


def test_narrowing_to_one_of_the_kinds_asked_keeps_the_price_cap() -> None:
    messages, _ = _chat("storage jars or watering cans, nothing over £15", "just the jars pls")
    searches = _searches(messages)
    assert searches and searches[0].get("max_price") == 15
    assert "jar" in str(searches[0].get("query", "")) + str(searches[0].get("category", ""))


def test_a_kind_not_asked_before_starts_afresh() -> None:
    messages, _ = _chat("storage jars, nothing over £15", "only watering cans pls")
    searches = _searches(messages)
    assert searches and "max_price" not in searches[0]


def test_the_cheapest_pack_is_the_last_search_cheapest_first() -> None:
    messages, _ = _chat("glass storage jar", "and what's the cheapest box you've got?")
    searches = _searches(messages)
    assert searches and searches[0]["sort"] == "price_asc"
    assert "box" not in str(searches[0].get("query", ""))


def test_another_idea_for_the_same_gift_keeps_the_budget() -> None:
    messages, _ = _chat(
        "present for my uncle, he gardens, budget £12", "hmm or something for the kitchen maybe"
    )
    searches = _searches(messages)
    assert searches and searches[0].get("max_price") == 12


def test_how_long_stock_lasts_stays_a_stock_check() -> None:
    messages, _ = _chat("how long will our copper watering can stock last?")
    assert [name for name, _ in _calls(messages)] == ["check_inventory"]


def test_more_like_it_but_only_ones_not_seen_leaves_out_what_was_listed() -> None:
    messages, answer = _chat(
        "anything similar to the copper watering can?", "other similar ones i haven't looked at?"
    )
    assert [name for name, _ in _calls(messages)] == ["recommend_products"]
    assert "Felt Christmas Stocking Green (92)" in answer and "(93)" not in answer


def test_an_unfinished_that_are_after_an_out_of_stock_answer_asks_for_stock() -> None:
    messages, _ = _chat(
        "is the glass storage jar large in stock", "shame. got other jars under £10 which are?"
    )
    searches = _searches(messages)
    assert searches and searches[0].get("in_stock_only") is True
