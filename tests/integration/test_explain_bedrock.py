"""The explanation graph with Bedrock Converse wording the evidence (a localhost endpoint replaying
recorded answers): a faithful wording is kept, one that adds facts is replaced by the templates,
and an outage falls back to them too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agents.models import chat_model
from graphs.explain import WRITER_PROMPT, ExplainGraph
from infra.cache import Cache
from infra.settings import Settings
from tests.integration.bedrock_endpoint import BedrockEndpoint
from tests.unit.recs_store import make_store
from tools.recommend.backend import train_recommender
from tools.recommend.local import LocalRecommender
from tools.recommend.service import ExplainInput, RecommendationService

pytestmark = pytest.mark.integration

FIXTURE = Path(__file__).parent / "fixtures" / "bedrock_explain.json"
MODEL = "bedrock_converse:anthropic.claude-3-5-sonnet-20240620-v1:0"


@pytest.fixture
def endpoint(aws_credentials: None) -> Iterator[BedrockEndpoint]:
    with BedrockEndpoint.from_fixture(FIXTURE) as running:
        yield running


@pytest.fixture
def graph(endpoint: BedrockEndpoint, tmp_path: Path) -> Iterator[ExplainGraph]:
    store = make_store(tmp_path)
    service = RecommendationService(
        store, LocalRecommender(train_recommender(store, tmp_path / "model")), Cache()
    )
    settings = Settings(data_dir=tmp_path, model=MODEL, bedrock_endpoint_url=endpoint.url)
    writer = chat_model(MODEL, settings)
    yield ExplainGraph(service, writer)
    client: Any = getattr(writer, "client", None)
    if client is not None:
        client.close()
    store.close()


async def test_a_faithful_wording_is_served(graph: ExplainGraph, endpoint: BedrockEndpoint) -> None:
    out = await graph.explain(
        ExplainInput(product_id="RED-LANTERN", user_id="u4", source_product_id="RED-MUG")
    )
    assert out.worded_by == "anthropic.claude-3-5-sonnet-20240620-v1:0"
    assert out.text.startswith("You bought the Red Tea Mug") and out.note == ""
    [request] = endpoint.requests
    assert request.body["system"][0]["text"] == WRITER_PROMPT
    asked = request.body["messages"][-1]["content"][0]["text"]
    assert all(f"- {fact}" in asked for fact in out.facts)


async def test_a_wording_with_new_facts_is_replaced(graph: ExplainGraph) -> None:
    out = await graph.explain(
        ExplainInput(product_id="BLUE-LANTERN", source_product_id="RED-LANTERN")
    )
    assert out.worded_by == "templates"
    assert out.text == " ".join(out.facts)
    assert out.text.startswith("Blue Heart Lantern was bought together with Red Heart Lantern")
    assert "added 2,000, 4.9, GLOW-1, which the evidence does not hold" in out.note


async def test_a_model_outage_falls_back_to_the_templates(graph: ExplainGraph) -> None:
    out = await graph.explain(ExplainInput(product_id="CANDLES", user_id="u1"))
    assert out.worded_by == "templates" and out.text == " ".join(out.facts)
    assert out.note.startswith("the chat model failed")
