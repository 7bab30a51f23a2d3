"""Issue 17, traces and logs: the spans of one chat turn and of one HTTP request, collected with
the SDK's in-memory exporter from the real app (offline model, embedded store), their tree,
their attributes and what they must never hold; the JSON log lines that carry their ids; and
tracing off by default."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from langchain_core.messages import AIMessage
from langgraph.checkpoint.memory import InMemorySaver
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import Decision, Sampler, SamplingResult
from opentelemetry.trace import Link, SpanKind
from opentelemetry.util.types import Attributes
from pydantic import BaseModel

from api.main import create_app
from graphs.chat import build_graph
from graphs.content import ContentGraph
from graphs.turns import ChatSession
from infra import tracing
from infra.errors import ConfigError, ToolInputError
from infra.logs import JsonFormatter
from infra.settings import Settings
from tests.auth import bearer
from tests.fakes import ScriptedChatModel
from tools.analyze.local import LocalAnalyzer
from tools.analyze.pii import luhn_ok
from tools.catalog.sqlite import SqliteStore
from tools.content.local_store import LocalContentStore
from tools.content.models import ContentInput, ProductContent
from tools.models import Product
from tools.spec import ToolSpec

pytestmark = pytest.mark.integration

CARD = next(f"453914880343646{d}" for d in "0123456789" if luhn_ok(f"453914880343646{d}"))
EMAIL = "jane.doe+shop@example.co.uk"
MESSAGE = f"red lanterns under £10 please, card {CARD} exp 12/29, mail {EMAIL}"
BEDROCK_MODEL = "bedrock_converse:anthropic.claude-3-5-sonnet-20240620-v1:0"
# Whatever of the message, or of who sent it, must not appear in any attribute value.
FORBIDDEN = ("lantern", "£10", CARD, CARD[-4:], "12/29", EMAIL, "jane", "12347")


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Tracing on for the test, into memory."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.install(provider)
    yield exporter
    tracing.uninstall()


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """Every INFO record as the server writes it: JSON lines (``infra.logs``)."""
    sink = io.StringIO()
    handler = logging.StreamHandler(sink)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield sink
    root.removeHandler(handler)
    root.setLevel(level)


def lines(sink: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in sink.getvalue().splitlines()]


def named(found: Sequence[ReadableSpan], prefix: str) -> list[ReadableSpan]:
    return [s for s in found if s.name.startswith(prefix)]


def model_calls(found: Sequence[ReadableSpan]) -> list[ReadableSpan]:
    return [s for s in found if (s.attributes or {}).get("gen_ai.operation.name") == "chat"]


def parent_of(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None


def span_id(span: ReadableSpan) -> int:
    assert span.context is not None
    return int(span.context.span_id)


def trace_hex(span: ReadableSpan) -> str:
    assert span.context is not None
    return format(span.context.trace_id, "032x")


def attribute_text(found: Sequence[ReadableSpan]) -> str:
    return "\n".join(f"{s.name} {dict(s.attributes or {})}" for s in found)


def test_one_chat_turn_is_a_tree_of_spans_with_no_text_of_the_message(
    settings: Settings, spans: InMemorySpanExporter, json_log: io.StringIO
) -> None:
    with TestClient(create_app(settings)) as client:
        answer = client.post(
            "/v1/tools/search_products", json={"query": "red lanterns", "max_price": 10}
        )
        assert answer.status_code == 200
        request_id = answer.headers["x-request-id"]
        with client.websocket_connect(
            "/v1/chat", headers=bearer(settings, "12347", "shopper")
        ) as ws:
            assert ws.receive_json()["type"] == "session"
            ws.send_json({"type": "message", "text": MESSAGE})
            frames = []
            while (frame := ws.receive_json())["type"] != "done":
                frames.append(frame)
        assert [f["name"] for f in frames if f["type"] == "tool_call"]
        # The profile processor picks the turn's events up and continues its trace.
        deadline = time.monotonic() + 20
        while not named(spans.get_finished_spans(), "events profiles"):
            assert time.monotonic() < deadline, "no consumer span"
            time.sleep(0.1)
    found = spans.get_finished_spans()

    # The HTTP request: a server span named by its route template, not its path.
    (http,) = named(found, "POST /v1/tools/")
    assert http.name == "POST /v1/tools/{name}" and http.parent is None
    assert http.attributes is not None
    assert http.attributes["http.route"] == "/v1/tools/{name}"
    assert http.attributes["http.response.status_code"] == 200
    # Its JSON log line names it: the request id sent back, the trace id of its span.
    (logged,) = [line for line in lines(json_log) if line.get("request_id") == request_id]
    assert logged["trace_id"] == trace_hex(http) and logged["route"] == "/v1/tools/{name}"
    assert logged["logger"] == "shopagent.requests" and logged["level"] == "INFO"

    # The turn: a root span; its graph nodes under it; model calls under the agent node and
    # tool calls under the tools node.
    (turn,) = named(found, "chat turn")
    assert turn.parent is None and turn.attributes is not None
    assert turn.attributes["shopagent.outcome"] == "answered"
    assert turn.attributes["shopagent.caller_role"] == "shopper"
    assert turn.attributes["shopagent.tool_calls"] >= 1  # type: ignore[operator]
    nodes = [s for s in named(found, "node ") if trace_hex(s) == trace_hex(turn)]
    assert {s.name for s in nodes} >= {
        "node guard_in",
        "node agent",
        "node tools",
        "node guard_out",
    }
    assert all(parent_of(s) == span_id(turn) for s in nodes)
    agents = {span_id(s) for s in nodes if s.name == "node agent"}
    tool_nodes = {span_id(s) for s in nodes if s.name == "node tools"}
    models = [s for s in model_calls(found) if trace_hex(s) == trace_hex(turn)]
    tools = [s for s in named(found, "execute_tool ") if trace_hex(s) == trace_hex(turn)]
    assert models and tools
    for model in models:
        assert parent_of(model) in agents and model.attributes is not None
        assert model.attributes["gen_ai.request.model"] == "offline-planner"
        assert model.attributes["shopagent.outcome"] == "ok"
    calls = [f for f in frames if f["type"] == "tool_call"]
    assert len(tools) == len(calls) == turn.attributes["shopagent.tool_calls"]
    for tool, call in zip(tools, calls, strict=True):
        assert parent_of(tool) in tool_nodes and tool.attributes is not None
        assert tool.attributes["gen_ai.tool.name"] == call["name"]
        assert tool.attributes["shopagent.outcome"] == "ok"
    assert turn.start_time is not None and turn.end_time is not None
    assert all(turn.start_time <= s.start_time <= turn.end_time for s in [*nodes, *tools])  # type: ignore[operator]

    # The event pipeline continues the turn's trace.
    consumers = named(found, "events profiles")
    assert trace_hex(turn) in {trace_hex(s) for s in consumers}

    # The turn's log line carries its trace and a turn id.
    (turn_line,) = [line for line in lines(json_log) if line["logger"] == "shopagent.turns"]
    assert turn_line["trace_id"] == trace_hex(turn) and len(turn_line["turn_id"]) == 32
    assert turn_line["outcome"] == "answered"

    # No attribute anywhere holds the message, the PII planted in it, or whose it was.
    text = attribute_text(found)
    assert [value for value in FORBIDDEN if value in text] == []


async def test_model_spans_carry_token_counts(spans: InMemorySpanExporter) -> None:
    usage = {"input_tokens": 41, "output_tokens": 7, "total_tokens": 48}
    model = ScriptedChatModel(replies=[AIMessage("Hello there.", usage_metadata=usage)])
    graph = build_graph(model, [], InMemorySaver())
    with tracing.span("chat turn"):
        async for _ in ChatSession(graph, "t-1", "anonymous").stream(MESSAGE):
            pass
    (call,) = model_calls(spans.get_finished_spans())
    assert call.attributes is not None
    assert call.attributes["gen_ai.request.model"] == "scripted"
    assert call.attributes["gen_ai.usage.input_tokens"] == 41
    assert call.attributes["gen_ai.usage.output_tokens"] == 7
    assert [v for v in FORBIDDEN if v in attribute_text(spans.get_finished_spans())] == []


async def test_the_content_writers_model_calls_are_spans(
    spans: InMemorySpanExporter, tmp_path: Path
) -> None:
    copy = ProductContent(
        title="Red Lantern",
        description="A red lantern.",
        bullets=["Red"],
        meta_description="A red lantern.",
        keywords=["lantern"],
    )
    usage = {"input_tokens": 120, "output_tokens": 60, "total_tokens": 180}
    replies = [AIMessage(copy.model_dump_json(), usage_metadata=usage)] * 3  # draft, refines
    model = ScriptedChatModel(replies=replies)
    settings = Settings(data_dir=tmp_path, model=BEDROCK_MODEL, content_max_rounds=3)
    store = SqliteStore(tmp_path / "store.sqlite")
    store.put_product(Product(id="71477", title="Red Lantern", category="lantern", price=4.25))
    contents = LocalContentStore(settings.content_dir)
    graph = ContentGraph.configured(settings, store, contents, LocalAnalyzer(), model=model)
    try:
        with tracing.span("content request"):
            result = await graph.write(ContentInput(product_id="71477"))
    finally:
        store.close()
    calls = model_calls(spans.get_finished_spans())
    assert len(calls) == result.rounds >= 1  # each write of the copy is one model call
    for call in calls:
        assert call.attributes is not None
        assert call.attributes["gen_ai.usage.output_tokens"] == 60
    assert "lantern" not in attribute_text(spans.get_finished_spans()).casefold()


def test_tracing_is_off_by_default(settings: Settings, json_log: io.StringIO) -> None:
    assert Settings().otel_traces_exporter == "none"
    assert not tracing.configure_tracing(settings)
    with TestClient(create_app(settings)) as client:
        # Nothing is installed: no provider of ours, none in OpenTelemetry's global slot, and
        # the nodes, model and tool calls of a graph run make no spans.
        assert tracing.tracer() is None
        assert not isinstance(trace.get_tracer_provider(), TracerProvider)
        with tracing.span("chat turn") as current:
            assert current is None and tracing.recording() is None
        answer = client.get("/healthz")
    # Logs still name the request, without trace ids.
    (line,) = [x for x in lines(json_log) if x.get("request_id") == answer.headers["x-request-id"]]
    assert "trace_id" not in line and line["route"] == "/healthz" and line["status"] == 200


class Lookup(BaseModel):
    sku: str


async def look_up(args: Lookup) -> Lookup:
    """Look a product up by its SKU."""
    if args.sku == "missing":
        raise ToolInputError("no product has that SKU")
    return args


def tool_turn_graph() -> Any:
    """A chat graph whose scripted model calls the lookup tool twice (found, then not), then
    answers."""
    calls = [
        {"name": "look_up", "args": {"sku": sku}, "id": f"call-{i}"}
        for i, sku in enumerate(("22720", "missing"))
    ]
    replies = [AIMessage("", tool_calls=calls), AIMessage("Here it is.")]
    tool = ToolSpec("look_up", Lookup, Lookup, look_up).as_langchain_tool()
    return build_graph(ScriptedChatModel(replies=replies), [tool], InMemorySaver())


async def test_tool_spans_carry_the_outcome_the_model_was_given(
    spans: InMemorySpanExporter,
) -> None:
    with tracing.span("chat turn"):
        async for _ in ChatSession(tool_turn_graph(), "t-2", "anonymous").stream(MESSAGE):
            pass
    found = spans.get_finished_spans()
    tools = named(found, "execute_tool look_up")
    outcomes = sorted(str((s.attributes or {})[tracing.OUTCOME]) for s in tools)
    assert outcomes == ["error", "ok"]
    (tool_node,) = named(found, "node tools")
    assert {parent_of(s) for s in tools} == {span_id(tool_node)}
    assert all((s.attributes or {})[tracing.OUTCOME] == "ok" for s in named(found, "node "))
    (first, second) = sorted(model_calls(found), key=lambda s: s.start_time or 0)
    assert first.attributes is not None and first.attributes["shopagent.tool_calls"] == 2
    assert second.attributes is not None and second.attributes["shopagent.tool_calls"] == 0


class DropAll(Sampler):
    """Samples nothing, and keeps the names of the spans it was asked about."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: trace.TraceState | None = None,
    ) -> SamplingResult:
        self.asked.append(name)
        return SamplingResult(Decision.DROP)

    def get_description(self) -> str:
        return "DropAll"


async def test_a_turn_the_sampler_leaves_out_makes_no_other_span() -> None:
    sampler = DropAll()
    tracing.install(TracerProvider(sampler=sampler))
    try:
        with tracing.span("chat turn") as current:
            assert current is not None and not current.is_recording()
            assert tracing.recording() is None
            async for _ in ChatSession(tool_turn_graph(), "t-3", "anonymous").stream(MESSAGE):
                pass
    finally:
        tracing.uninstall()
    # Its nodes, model calls and tool calls never asked for a span.
    assert sampler.asked == ["chat turn"]


def test_the_standard_variables_choose_the_exporter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "console")
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    assert not tracing.configure_tracing(Settings())
    assert tracing.tracer() is None
    monkeypatch.setenv("OTEL_SDK_DISABLED", "false")
    monkeypatch.setenv("OTEL_SERVICE_NAME", "shop-eu")
    try:
        assert tracing.configure_tracing(Settings())
        assert tracing.tracer() is not None
        assert tracing.service_resource().attributes["service.name"] == "shop-eu"
    finally:
        tracing.uninstall()
    monkeypatch.delenv("OTEL_SERVICE_NAME")
    assert tracing.service_resource().attributes["service.name"] == "shopagent"
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "jaeger")
    with pytest.raises(ConfigError, match="jaeger"):
        tracing.configure_tracing(Settings())


def recorded_turns(turns: int, parent: Context | None = None) -> int:
    """How many of ``turns`` chat-turn roots the installed sampler keeps."""
    kept = 0
    for _ in range(turns):
        with tracing.span("chat turn", kind=SpanKind.SERVER, parent=parent) as current:
            kept += current is not None and current.is_recording()
    return kept


def test_with_no_sampler_named_one_turn_in_ten_is_traced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OTEL_TRACES_SAMPLER", raising=False)
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "console")
    try:
        assert tracing.configure_tracing(Settings())  # the kept spans go to captured stdout
        # 2,000 roots at 0.1: 200 expected, standard deviation about 13.
        assert 140 <= recorded_turns(2000) <= 260
        # A caller's sampled trace is followed whatever the ratio.
        caller = tracing.incoming_context(
            [(b"traceparent", b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")]
        )
        assert recorded_turns(50, caller) == 50
    finally:
        tracing.uninstall()


def test_a_named_sampler_is_the_sdks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "always_on")
    assert tracing.sampler(Settings()) is None
    tracing.install(TracerProvider(sampler=tracing.sampler(Settings())))
    try:
        assert recorded_turns(200) == 200
    finally:
        tracing.uninstall()


def test_a_batch_continues_its_first_sampled_trace() -> None:
    spans = InMemorySpanExporter()
    provider = TracerProvider(sampler=tracing.sampler(Settings()))
    provider.add_span_processor(SimpleSpanProcessor(spans))
    tracing.install(provider)
    untraced = "00-11111111111111111111111111111111-2222222222222222-00"
    traced = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    try:
        with tracing.continued_span("events profiles", [untraced, None, traced]) as current:
            assert current is not None and current.is_recording()
    finally:
        tracing.uninstall()
    (batch,) = spans.get_finished_spans()
    assert trace_hex(batch) == "0af7651916cd43dd8448eb211c80319c"
    assert batch.parent is not None and batch.parent.span_id == 0xB7AD6B7169203331
    assert [format(link.context.trace_id, "032x") for link in batch.links] == ["1" * 32]
