"""Round 8: a pasted review of several sentences reaches the analyzer whole; after one was read,
"and here's another: '…'" reads a new passage the same way and "which key phrases did it
have?" runs that check on the passage already read; words of damaged goods read negative."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agents.offline.courtesy import requested_part
from agents.offline.planner import OfflinePlanner
from agents.offline.store_policy import StorePolicy
from agents.offline.vocabulary import CatalogVocabulary
from tools.analyze.local import LocalAnalyzer
from tools.models import Product

PRODUCTS = [
    Product(id="501", title="Enamel Picnic Mug Blue", category="mug", price=3.5),
    Product(id="502", title="Wicker Picnic Basket", category="basket", price=18.0),
]
VOCAB = CatalogVocabulary.from_products(PRODUCTS)
TOOLS = frozenset({"search_products", "get_product", "analyze_text"})
FIRST = "Basket came with a split lid. The straps are fine. Would not buy again."


def _planner() -> OfflinePlanner:
    planner = OfflinePlanner(vocabulary=VOCAB, policy=StorePolicy(""))
    return planner.model_copy(update={"tool_names": TOOLS})


def _analysed(text: str) -> list[BaseMessage]:
    args = {"text": text, "features": ["sentiment", "key_phrases"]}
    call = AIMessage("", tool_calls=[{"name": "analyze_text", "args": args, "id": "a1"}])
    out = {
        "backend": "local",
        "characters": len(text),
        "sentiment": {"label": "NEGATIVE", "scores": {"negative": 0.3, "neutral": 0.7}},
        "key_phrases": [{"text": "split lid", "score": 0.9, "begin": 0, "end": 9}],
    }
    return [
        HumanMessage(f'rate this feedback please: "{text}"'),
        call,
        ToolMessage(json.dumps(out), tool_call_id="a1"),
        AIMessage("That text reads negative."),
    ]


def _call(messages: list[BaseMessage]) -> dict[str, Any]:
    reply = _planner().invoke(messages)
    assert isinstance(reply, AIMessage)
    assert [c["name"] for c in reply.tool_calls] == ["analyze_text"]
    return dict(reply.tool_calls[0]["args"])


def test_a_quoted_passage_of_several_sentences_is_not_cut_to_its_first() -> None:
    text = (
        "Good afternoon, hope all is well. Could you look at this comment for me: "
        f'"{FIRST} Took ages to arrive as well and the colour is nothing like the photo."'
    )
    assert requested_part(text, VOCAB) == text


def test_a_long_polite_message_without_a_passage_is_still_cut() -> None:
    text = (
        "Good afternoon, hope all is well with you and the team. My sister has a lovely basket. "
        "Would you have a wicker picnic basket? Many thanks and best wishes to you all."
    )
    assert "picnic basket" in requested_part(text, VOCAB)
    assert "best wishes" not in requested_part(text, VOCAB)


@pytest.mark.parametrize(
    "lead",
    ["and here's another", "next one", "what about this", "same for this"],
)
def test_another_passage_after_an_analysis_is_read_the_same_way(lead: str) -> None:
    second = "Gorgeous colours and it held up all summer, thrilled with it."
    args = _call([*_analysed(FIRST), HumanMessage(f'{lead}: "{second}"')])
    assert args == {"text": second, "features": ["sentiment", "key_phrases"]}


@pytest.mark.parametrize(
    ("text", "features"),
    [
        ("which key phrases did it have", ["key_phrases"]),
        ("main points of that review?", ["key_phrases"]),
        ("so was it negative overall?", ["sentiment"]),
    ],
)
def test_a_check_of_the_passage_already_read(text: str, features: list[str]) -> None:
    args = _call([*_analysed(FIRST), HumanMessage(text)])
    assert args == {"text": FIRST, "features": features}


def test_a_shopping_request_after_an_analysis_is_still_a_search() -> None:
    reply = _planner().invoke([*_analysed(FIRST), HumanMessage("show me picnic baskets")])
    assert isinstance(reply, AIMessage)
    assert [c["name"] for c in reply.tool_calls] == ["search_products"]


def test_no_follow_up_without_an_earlier_analysis() -> None:
    reply = _planner().invoke([HumanMessage("which key phrases did it have")])
    assert isinstance(reply, AIMessage)
    assert not any(c["name"] == "analyze_text" for c in reply.tool_calls)


@pytest.mark.parametrize(
    "text",
    [
        "The teapot arrived chipped and the lid was cracked.",
        "Frame turned up dented, glass smashed.",
        "Flimsy hinges and the paint is peeling already.",
    ],
)
def test_damaged_goods_read_negative(text: str) -> None:
    analysis = LocalAnalyzer().analyze_sync(text, ["sentiment"], "en")
    assert analysis.sentiment is not None
    assert analysis.sentiment.label == "NEGATIVE"


@pytest.mark.parametrize(
    ("text", "passage"),
    [
        (
            "what did buyers think of the picnic baskets? 'Roomy and sturdy' / 'Lid snapped off'",
            "Roomy and sturdy\nLid snapped off",
        ),
        (
            'comments on the enamel mugs: "chips far too easily, sadly"',
            "chips far too easily, sadly",
        ),
    ],
)
def test_customers_words_about_a_product_kind_are_analysed(text: str, passage: str) -> None:
    assert _call([HumanMessage(text)]) == {
        "text": passage,
        "features": ["sentiment", "key_phrases"],
    }
