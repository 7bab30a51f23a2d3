"""Bedrock throttling, stalling, failing and dropping a stream mid-way: each chat turn is still
answered within its budget, by the fallback model, and the metrics name the fallback; the
circuit breaker opens after repeated failures and a probe after the cool-down closes it.

The model is the real ``ChatBedrockConverse`` on a real boto3 client, talking HTTP to the
localhost Converse endpoint (``bedrock_endpoint``: recorded responses, ConverseStream framed as
``application/vnd.amazon.eventstream``), driven through the chat graph as a socket turn is.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import BaseMessage, HumanMessage
from langchain_core.runnables import RunnableConfig, RunnableLambda
from langchain_core.tools import StructuredTool
from langgraph.checkpoint.memory import InMemorySaver
from prometheus_client import REGISTRY

from agents.breaker import BreakerRegistry
from agents.models import ResilientBedrockConverse, chat_model
from agents.resilience import MODEL_TURN, ModelTurn
from graphs.chat import build_graph
from graphs.turns import ChatSession, Frame
from infra.errors import UpstreamError
from infra.settings import Settings
from tests.integration.bedrock_endpoint import BedrockEndpoint

pytestmark = pytest.mark.integration

FIXTURE = Path(__file__).parent / "fixtures" / "bedrock_resilience.json"
PRIMARY = "anthropic.claude-3-5-sonnet-20240620-v1:0"
FALLBACK = "amazon.nova-lite-v1:0"
PRIMARY_TEXT = (
    "Hello! I can help you find products, compare options and track your orders. "
    "What are you looking for today?"
)
FALLBACK_TEXT = "Hi there! Tell me what you are shopping for and I will look it up for you."


def _search_products(query: str) -> str:
    return "[]"


search_products = StructuredTool.from_function(
    func=_search_products, name="search_products", description="Search the product catalog."
)


def _primary_fails(**how: Any) -> dict[str, Any]:
    """An exchange that answers every request for the primary model with ``how``."""
    return {"name": "the primary model fails", "match": {"model_id": PRIMARY}, **how}


THROTTLED = _primary_fails(
    error={"status": 429, "type": "ThrottlingException", "message": "Too many requests."}
)
STALLED = _primary_fails(stall={"seconds": 60})


@pytest.fixture
def endpoint(aws_credentials: None) -> Iterator[BedrockEndpoint]:
    with BedrockEndpoint.from_fixture(FIXTURE) as running:
        yield running


class Chat:
    """A chat graph on the resilient Bedrock model, with its own breakers."""

    def __init__(self, endpoint: BedrockEndpoint, **settings: Any) -> None:
        options: dict[str, Any] = {
            "model_fallback": f"bedrock_converse:{FALLBACK}",
            "model_backoff_base_s": 0.05,
            "model_turn_budget_s": 4.0,
            "model_fallback_reserve_s": 1.5,
            **settings,
        }
        self.settings = Settings(
            bedrock_endpoint_url=endpoint.url, model=f"bedrock_converse:{PRIMARY}", **options
        )
        self.breakers = BreakerRegistry()
        model = chat_model(self.settings.model, self.settings, breakers=self.breakers)
        assert isinstance(model, ResilientBedrockConverse)
        self.model = model
        self.graph = build_graph(model, [search_products], InMemorySaver())

    async def turn(self, text: str = "hello") -> tuple[list[Frame], float]:
        """One turn's frames and how long it took."""
        session = ChatSession.operator(self.graph, uuid.uuid4().hex)
        started = time.monotonic()
        frames = [frame async for frame in session.stream(text)]
        return frames, time.monotonic() - started

    def close(self) -> None:
        """Close both models' connection pools."""
        self.model.client.close()
        if isinstance(self.model.fallback, ResilientBedrockConverse):
            self.model.fallback.client.close()


@pytest.fixture
def chats(endpoint: BedrockEndpoint) -> Iterator[list[Chat]]:
    made: list[Chat] = []
    yield made
    for chat in made:
        chat.close()


def _chat(chats: list[Chat], endpoint: BedrockEndpoint, **settings: Any) -> Chat:
    chat = Chat(endpoint, **settings)
    chats.append(chat)
    return chat


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _fallbacks(reason: str) -> float:
    labels = {"model": PRIMARY, "fallback": FALLBACK, "reason": reason}
    return _sample("shopagent_model_fallbacks_total", **labels)


def _calls(outcome: str, model: str = PRIMARY) -> float:
    return _sample("shopagent_model_calls_total", model=model, outcome=outcome)


def _primary_requests(endpoint: BedrockEndpoint) -> int:
    return sum(1 for request in endpoint.requests if request.model_id == PRIMARY)


def _answered_by_fallback(frames: list[Frame]) -> None:
    """The turn ended in the fallback's whole answer, flagged, its tokens streamed."""
    message = frames[-1]
    assert message["type"] == "message"
    assert message["text"] == FALLBACK_TEXT
    assert "model_fallback" in message["flags"]
    tokens = [frame["text"] for frame in frames if frame["type"] == "token"]
    assert len(tokens) > 1, "the fallback's answer streams in pieces"
    assert "".join(tokens).endswith(FALLBACK_TEXT)


async def test_a_healthy_model_streams_its_own_answer(
    endpoint: BedrockEndpoint, chats: list[Chat]
) -> None:
    chat = _chat(chats, endpoint)
    tokens_before = _sample("shopagent_model_tokens_total", model=PRIMARY, direction="input")
    cost_before = _sample("shopagent_model_cost_usd_total", model=PRIMARY)

    frames, _ = await chat.turn()

    tokens = [frame["text"] for frame in frames if frame["type"] == "token"]
    assert len(tokens) > 3 and "".join(tokens) == PRIMARY_TEXT, "each piece once, in order"
    assert frames[-1]["text"] == PRIMARY_TEXT and "model_fallback" not in frames[-1]["flags"]
    assert [r.operation for r in endpoint.requests] == ["converse-stream"]
    tokens_after = _sample("shopagent_model_tokens_total", model=PRIMARY, direction="input")
    assert tokens_after - tokens_before == 412
    # 412 input and 24 output tokens at the table's 0.003 / 0.015 USD per 1000.
    cost = _sample("shopagent_model_cost_usd_total", model=PRIMARY) - cost_before
    assert cost == pytest.approx(412 * 0.003 / 1000 + 24 * 0.015 / 1000)


async def test_throttling_is_retried_then_the_fallback_answers(
    endpoint: BedrockEndpoint, chats: list[Chat]
) -> None:
    endpoint.exchanges.insert(0, THROTTLED)
    chat = _chat(chats, endpoint, model_max_attempts=3)
    before, throttled = _fallbacks("throttled"), _calls("throttled")

    frames, took = await chat.turn()

    _answered_by_fallback(frames)
    assert took < chat.settings.model_turn_budget_s
    assert _primary_requests(endpoint) == 3, "three attempts, with backoff between them"
    assert _calls("throttled") - throttled == 3
    assert _fallbacks("throttled") - before == 1


async def test_a_stalled_model_times_out_and_the_fallback_answers(
    endpoint: BedrockEndpoint, chats: list[Chat]
) -> None:
    endpoint.exchanges.insert(0, STALLED)
    # Each attempt gives up after 0.5 s without a byte; two fit the primary's 4.5 s share with
    # room for a busy machine's overheads (the retry is made only if another such attempt fits).
    chat = _chat(
        chats, endpoint, bedrock_timeout_s=0.5, model_max_attempts=2, model_turn_budget_s=6.0
    )
    before = _fallbacks("timeout")

    frames, took = await chat.turn()

    _answered_by_fallback(frames)
    assert 1.0 <= took < chat.settings.model_turn_budget_s
    assert _primary_requests(endpoint) == 2
    assert _fallbacks("timeout") - before == 1


async def test_the_turn_budget_cuts_a_stall_the_client_would_wait_out(
    endpoint: BedrockEndpoint, chats: list[Chat]
) -> None:
    endpoint.exchanges.insert(0, STALLED)
    # The client would wait 30 s for a byte; the primary's share of the turn is 2 s, and the
    # fallback has the other 2 s (room for its answer on a busy machine).
    chat = _chat(
        chats, endpoint, bedrock_timeout_s=30, model_turn_budget_s=4.0, model_fallback_reserve_s=2
    )
    before = _fallbacks("timeout")

    frames, took = await chat.turn()

    _answered_by_fallback(frames)
    assert 2.0 <= took < 4.0
    assert _fallbacks("timeout") - before == 1


@pytest.mark.parametrize(
    ("status", "error_type"),
    [(500, "InternalServerException"), (503, "ServiceUnavailableException")],
)
async def test_a_server_error_is_retried_then_the_fallback_answers(
    endpoint: BedrockEndpoint, chats: list[Chat], status: int, error_type: str
) -> None:
    failing = _primary_fails(error={"status": status, "type": error_type, "message": "down"})
    endpoint.exchanges.insert(0, failing)
    chat = _chat(chats, endpoint, model_max_attempts=2)
    before = _fallbacks("error")

    frames, took = await chat.turn()

    _answered_by_fallback(frames)
    assert took < chat.settings.model_turn_budget_s
    assert _primary_requests(endpoint) == 2
    assert _fallbacks("error") - before == 1


async def test_a_stream_dropped_midway_is_replaced_by_the_fallback_answer(
    endpoint: BedrockEndpoint, chats: list[Chat]
) -> None:
    primary = next(e for e in endpoint.exchanges if e["match"].get("model_id") == PRIMARY)
    # messageStart and two pieces of text, then the connection goes down.
    endpoint.exchanges.insert(0, {**primary, "drop": {"after_events": 3}})
    chat = _chat(chats, endpoint)
    before = _fallbacks("error")

    frames, took = await chat.turn()

    tokens = "".join(frame["text"] for frame in frames if frame["type"] == "token")
    assert tokens.startswith("Hello! I can help you find"), "the start went out as it came"
    # The answer is the fallback's alone: the broken start is not part of it.
    _answered_by_fallback(frames)
    assert took < chat.settings.model_turn_budget_s
    assert _primary_requests(endpoint) == 1, "tokens went out: the stream is not tried again"
    assert _fallbacks("error") - before == 1


async def test_without_a_fallback_a_dropped_stream_ends_in_an_error(
    endpoint: BedrockEndpoint, chats: list[Chat]
) -> None:
    primary = next(e for e in endpoint.exchanges if e["match"].get("model_id") == PRIMARY)
    endpoint.exchanges.insert(0, {**primary, "drop": {"after_events": 3}})
    chat = _chat(chats, endpoint, model_fallback="")
    session = ChatSession.operator(chat.graph, uuid.uuid4().hex)
    frames: list[Frame] = []

    with pytest.raises(UpstreamError, match="ConverseStream"):
        async for frame in session.stream("hello"):
            frames.append(frame)

    assert any(frame["type"] == "token" for frame in frames)
    assert not any(frame["type"] == "message" for frame in frames), "no half answer as final"


async def test_the_breaker_opens_after_failures_and_a_probe_closes_it(
    endpoint: BedrockEndpoint, chats: list[Chat]
) -> None:
    endpoint.exchanges.insert(0, STALLED)
    # The cool-down outlasts a fallback answer on a busy machine (the breaker is still open for
    # the third turn); the timeout is long enough that waiting for it cannot pass for not waiting.
    timeout_s, cooldown_s = 1.5, 4.0
    chat = _chat(
        chats,
        endpoint,
        bedrock_timeout_s=timeout_s,
        model_max_attempts=1,
        model_breaker_failures=2,
        model_breaker_cooldown_s=cooldown_s,
    )
    refused = _fallbacks("breaker_open")

    for _ in range(2):  # each waits for the read timeout, then the fallback answers
        frames, took = await chat.turn()
        _answered_by_fallback(frames)
        assert took >= timeout_s
    assert chat.breakers.state(PRIMARY) == "open"
    assert _sample("shopagent_model_breaker_state", model=PRIMARY) == 2
    asked = _primary_requests(endpoint)

    frames, took = await chat.turn()

    _answered_by_fallback(frames)
    assert took < timeout_s, "an open breaker does not wait for the timeout"
    assert _primary_requests(endpoint) == asked, "nothing was sent to the failing model"
    assert _fallbacks("breaker_open") - refused == 1

    endpoint.exchanges.remove(STALLED)  # the model recovers
    await asyncio.sleep(cooldown_s + 0.05)  # the cool-down
    frames, _ = await chat.turn()

    assert frames[-1]["text"] == PRIMARY_TEXT
    assert "model_fallback" not in frames[-1]["flags"]
    assert _primary_requests(endpoint) == asked + 1, "the probe went to the model"
    assert chat.breakers.state(PRIMARY) == "closed"
    assert _sample("shopagent_model_breaker_state", model=PRIMARY) == 0


async def test_a_call_without_tools_in_a_turn_gets_the_error_not_the_fallback(
    endpoint: BedrockEndpoint, chats: list[Chat]
) -> None:
    """The explanation and content writers call the model without tools, also from a tool
    inside a chat turn: they fall back in their own way (templates), not to the chat fallback."""
    endpoint.exchanges.insert(0, THROTTLED)
    chat = _chat(chats, endpoint, model_max_attempts=1)
    before = _fallbacks("throttled")

    async def write(messages: list[BaseMessage]) -> Any:
        return await chat.model.ainvoke(messages)

    config: RunnableConfig = {"configurable": {MODEL_TURN: ModelTurn()}}
    with pytest.raises(UpstreamError, match="ThrottlingException"):
        await RunnableLambda(write).ainvoke([HumanMessage("hello")], config)

    assert _fallbacks("throttled") == before
    assert [r.model_id for r in endpoint.requests] == [PRIMARY]
