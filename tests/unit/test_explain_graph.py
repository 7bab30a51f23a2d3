"""The explanation graph on a real store and model: template wording, and a model's wording
accepted only when it adds no fact (the chat model is scripted: this tests the graph)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from graphs.explain import ExplainGraph, unsupported
from infra import tracing
from infra.cache import Cache
from infra.errors import NotFoundError
from tests.fakes import ScriptedChatModel
from tests.unit.recs_store import make_store
from tools.recommend.backend import train_recommender
from tools.recommend.local import LocalRecommender
from tools.recommend.service import ExplainInput, RecommendationService
from tools.recommend.tools import explain_tools


@pytest.fixture
def service(tmp_path: Path) -> Iterator[RecommendationService]:
    store = make_store(tmp_path)
    model = train_recommender(store, tmp_path / "model")
    try:
        yield RecommendationService(store, LocalRecommender(model), Cache())
    finally:
        store.close()


WHY = ExplainInput(product_id="RED-LANTERN", user_id="u4", source_product_id="RED-MUG")


async def test_templates_state_each_fact_once(service: RecommendationService) -> None:
    [tool] = explain_tools(ExplainGraph(service, writer=None))
    out = await tool.run(WHY.model_dump())
    assert out.worded_by == "templates"
    assert out.facts[0] == "Red Heart Lantern was bought together with Red Tea Mug in 3 orders."
    assert "1 shopper who bought Candle Set from your purchase history also bought" in out.text
    assert "4 shoppers have bought Red Heart Lantern." in out.facts
    assert "It shares colour (red) with Red Tea Mug." in out.facts
    assert len([f for f in out.facts if "Red Tea Mug in 3 orders" in f]) == 1
    assert out.text == " ".join(out.facts)
    assert out.title == "Red Heart Lantern"


async def test_a_faithful_model_wording_is_kept(service: RecommendationService) -> None:
    wording = (
        "Shoppers often pair it with the Red Tea Mug you bought: 3 orders held both, "
        "and 4 shoppers have bought it."
    )
    writer = ScriptedChatModel(replies=[AIMessage(wording)])
    out = await ExplainGraph(service, writer).explain(WHY)
    assert out.text == wording and out.worded_by != "templates" and out.note == ""
    prompt = writer.seen[0][-1].content
    assert "Red Heart Lantern (RED-LANTERN)" in str(prompt)
    assert "- Red Heart Lantern was bought together with Red Tea Mug in 3 orders." in str(prompt)


async def test_the_wording_model_call_is_a_span(service: RecommendationService) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.install(provider)
    try:
        writer = ScriptedChatModel(replies=[AIMessage("4 shoppers have bought it.")])
        with tracing.span("explanation request"):
            await ExplainGraph(service, writer).explain(WHY)
    finally:
        tracing.uninstall()
    names = [span.name for span in exporter.get_finished_spans()]
    assert names == ["chat scripted", "explanation request"]


async def test_a_wording_that_adds_facts_is_replaced(service: RecommendationService) -> None:
    writer = ScriptedChatModel(replies=[AIMessage("Over 5,000 shoppers loved it (SKU-999)!")])
    out = await ExplainGraph(service, writer).explain(WHY)
    assert out.worded_by == "templates"
    assert out.text == " ".join(out.facts)
    assert "added 5,000, SKU-999" in out.note


async def test_unknown_products_are_errors(service: RecommendationService) -> None:
    graph = ExplainGraph(service, writer=None)
    with pytest.raises(NotFoundError, match="no product has id 'NOPE'"):
        await graph.explain(ExplainInput(product_id="NOPE"))
    with pytest.raises(NotFoundError, match="no shopper has id 'ghost'"):
        await graph.explain(ExplainInput(product_id="RED-MUG", user_id="ghost"))


async def test_a_product_without_sales_says_so(service: RecommendationService) -> None:
    out = await ExplainGraph(service, writer=None).explain(ExplainInput(product_id="NEW-LANTERN"))
    assert out.text == "New Star Lantern is new: the sales data says little about it yet."
    assert "no sales history" in out.note


def test_the_check_allows_the_facts_numbers_and_ids_only() -> None:
    from tools.recommend.service import ExplanationEvidence

    evidence = ExplanationEvidence(product_id="A1", title="Mug", evidence=[], titles={"B2": "Jug"})
    facts = ["Mug was bought together with Jug in 12 orders."]
    assert unsupported("In 12 orders with the Jug (B2); see Mug (A1).", facts, evidence) == []
    assert unsupported("Loved by 13 shoppers (ZZ-99).", facts, evidence) == ["13", "ZZ-99"]
