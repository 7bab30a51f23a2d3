"""What tracing and metrics cost a chat turn in CPU, measured in one process.

The latency of two servers (``evals.observability_bench``) answers the question as a shopper
sees it, but on a shared machine its noise is larger than the cost. Here the runtime is opened
in this process on a copy of the bench's store (offline model, embedded backends) and chat
turns run through it as the socket runs them (the turn's span, the graph, the metrics of the
turn, the behaviour events published with the turn's trace context), in blocks with tracing on
and off in turn (off on on off …, so that a drift of the machine falls on both), each block
after a full garbage collection (so that one of the rare, long collections of the whole heap
does not land in one block and not the other):

- **tracing**: the process's CPU time (every thread: the graph, the span processor's export
  thread encoding OTLP and posting it) per turn, with every turn (or ``CostPlan.sample`` of
  them) traced and exported over OTLP/HTTP to ``endpoint`` (each traced block ends by flushing
  what it made, so its export is counted in it), against the same turns untraced. The figure
  is the median over block pairs of the difference. The event processors do not run here:
  their work comes in bursts (the lake's Parquet writes) larger than the figure; so the
  consumers' spans (one per batch of events, under one a turn) are not counted.
- **metrics**: they have no switch; the time spent inside prometheus-client's calls (labels,
  inc, observe, set) during untraced turns, per turn, with the CPU per turn beside it.

    python -m evals.tracing_cost <data dir of a loaded store>
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_ON, ParentBased, TraceIdRatioBased
from prometheus_client import metrics as prometheus_metrics

from api.chat_events import turn_events
from api.request_context import chat_turn
from assembly.runtime import Runtime, open_runtime
from evals.chat_load import script_turn
from evals.otlp_sink import OtlpSink
from graphs.turns import ChatSession
from infra import tracing
from infra.metrics import TurnClock
from infra.settings import Settings


@dataclass(frozen=True)
class CostPlan:
    warmup_turns: int = 20
    blocks: int = 20  # per mode
    turns_per_block: int = 20
    metrics_turns: int = 200
    # The share of turns traced in the "on" blocks (as OTEL_TRACES_SAMPLER_ARG); 1: every turn.
    sample: float = 1.0


@dataclass
class Costs:
    cpu_ms: dict[str, list[float]] = field(default_factory=lambda: {"on": [], "off": []})
    spans: int = 0
    metrics_ms: float = 0.0
    metrics_turns: int = 0
    metrics_cpu_ms: float = 0.0


async def one_turn(runtime: Runtime, session: ChatSession, text: str) -> None:
    """One turn as the socket runs it, without the socket."""
    frames: list[dict[str, Any]] = []
    clock = TurnClock()
    with chat_turn(session.caller_role) as turn:
        async for frame in session.stream(text):
            clock.frame(frame["type"])
            frames.append(frame)
        clock.done("answered")
        turn.finish("answered", frames)
        runtime.events.publish(turn_events("tracing-cost", frames))


class SpanCount(BatchSpanProcessor):
    """The batch processor, counting the spans it was handed."""

    ended = 0

    def on_end(self, span: Any) -> None:
        SpanCount.ended += 1
        super().on_end(span)


@contextmanager
def timed_metric_calls(spent: list[float]) -> Iterator[None]:
    """While the block runs, add the time spent in prometheus-client's metric calls to
    ``spent[0]`` (the calls themselves are unchanged)."""
    targets: list[tuple[type, str]] = [
        (prometheus_metrics.MetricWrapperBase, "labels"),
        (prometheus_metrics.Counter, "inc"),
        (prometheus_metrics.Gauge, "inc"),
        (prometheus_metrics.Gauge, "dec"),
        (prometheus_metrics.Gauge, "set"),
        (prometheus_metrics.Histogram, "observe"),
    ]
    originals = [(cls, name, cls.__dict__[name]) for cls, name in targets]

    def timing(original: Callable[..., Any]) -> Callable[..., Any]:
        def call(self: Any, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(self, *args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - started

        return call

    for cls, name, original in originals:
        setattr(cls, name, timing(original))
    try:
        yield
    finally:
        for cls, name, original in originals:
            setattr(cls, name, original)


async def measure(settings: Settings, endpoint: str, plan: CostPlan) -> Costs:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    costs = Costs()
    ratio = TraceIdRatioBased(plan.sample) if plan.sample < 1 else ALWAYS_ON
    provider = TracerProvider(resource=tracing.service_resource(), sampler=ParentBased(ratio))
    provider.add_span_processor(SpanCount(OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces")))
    try:
        async with open_runtime(settings) as runtime:
            sessions = {
                mode: ChatSession(runtime.graph, f"tracing-cost-{mode}", "staff")
                for mode in ("on", "off")
            }
            for turn in range(plan.warmup_turns):
                for mode, session in sessions.items():
                    with tracing.installed(provider) if mode == "on" else _untraced():
                        await one_turn(runtime, session, script_turn(0, turn))
            provider.force_flush()
            SpanCount.ended = 0
            for block in range(2 * plan.blocks):
                mode = "on" if block % 4 in (1, 2) else "off"  # off on on off, off on on off …
                gc.collect()
                with tracing.installed(provider) if mode == "on" else _untraced():
                    started = time.process_time()
                    for turn in range(plan.turns_per_block):
                        await one_turn(runtime, sessions[mode], script_turn(block, turn))
                    if mode == "on":
                        provider.force_flush()
                    spent = time.process_time() - started
                costs.cpu_ms[mode].append(spent * 1000 / plan.turns_per_block)
            costs.spans = SpanCount.ended
            spent_in_metrics = [0.0]
            gc.collect()
            started = time.process_time()
            with timed_metric_calls(spent_in_metrics):
                for turn in range(plan.metrics_turns):
                    await one_turn(runtime, sessions["off"], script_turn(turn // 10, turn))
            costs.metrics_cpu_ms = (time.process_time() - started) * 1000 / plan.metrics_turns
            costs.metrics_ms = spent_in_metrics[0] * 1000 / plan.metrics_turns
            costs.metrics_turns = plan.metrics_turns
    finally:
        provider.shutdown()
    return costs


@contextmanager
def _untraced() -> Iterator[None]:
    yield


def figures(costs: Costs, plan: CostPlan) -> dict[str, Any]:
    on, off = costs.cpu_ms["on"], costs.cpu_ms["off"]
    differences = [a - b for a, b in zip(on, off, strict=True)]
    traced_turns = len(on) * plan.turns_per_block
    return {
        "turns_per_mode": traced_turns,
        "cpu_ms_per_turn_on": round(statistics.median(on), 3),
        "cpu_ms_per_turn_off": round(statistics.median(off), 3),
        "tracing_cpu_ms_per_turn": round(statistics.median(differences), 3),
        "tracing_cpu_ms_per_turn_mean": round(statistics.mean(differences), 3),
        "tracing_share": round(statistics.median(differences) / statistics.median(off), 4),
        "spans_per_turn": round(costs.spans / traced_turns, 2),
        "metrics_ms_per_turn": round(costs.metrics_ms, 4),
        "metrics_share": round(costs.metrics_ms / costs.metrics_cpu_ms, 4),
        "metrics_cpu_ms_per_turn": round(costs.metrics_cpu_ms, 3),
    }


def in_process(data_dir: Path, endpoint: str, plan: CostPlan | None = None) -> dict[str, Any]:
    """The figures of a run on the loaded store in ``data_dir`` (it gets a conversation
    database and events), exporting to the OTLP/HTTP receiver at ``endpoint``."""
    plan = plan or CostPlan()
    settings = Settings(
        data_dir=data_dir,
        dataset="online-retail",
        model="offline",
        store_backend="sqlite",
        search_backend="embedded",
        checkpointer_backend="sqlite",
        cache_backend="memory",
    )
    return figures(asyncio.run(measure(settings, endpoint, plan)), plan)


def main(
    data_dir: Annotated[Path, typer.Argument(help="A data directory with a loaded store")],
    blocks: Annotated[int, typer.Option(min=2, help="Blocks per mode")] = 16,
) -> None:
    """CPU per chat turn with tracing on vs off, and in metrics, in this process."""
    sink = OtlpSink()
    try:
        report = in_process(data_dir, sink.url, CostPlan(blocks=blocks))
    finally:
        sink.close()
    for key, value in report.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    typer.run(main)
