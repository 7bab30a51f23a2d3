"""Traces with OpenTelemetry: off unless the standard ``OTEL_*`` variables ask for them.

``OTEL_TRACES_EXPORTER`` chooses: ``none`` (the default here, unlike the SDK's own ``otlp``),
``otlp`` (OTLP over HTTP; the exporter reads ``OTEL_EXPORTER_OTLP_ENDPOINT`` or
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``, ``…_HEADERS``, ``…_TIMEOUT`` itself) or ``console``;
``OTEL_SDK_DISABLED=true`` turns the SDK off whatever the exporter says. The service is named
by ``OTEL_SERVICE_NAME`` (or ``OTEL_RESOURCE_ATTRIBUTES``), ``shopagent`` when neither does, and
the SDK reads the batch processor's ``OTEL_BSP_*`` itself. ``OTEL_TRACES_SAMPLER`` (with its
``…_ARG``) chooses which roots are traced, as the SDK reads it; unset, one root in ten
(``DEFAULT_SAMPLE``), unlike the SDK's every root: a traced chat turn costs about 10 % more CPU
(README "What tracing costs"). A caller's sampled ``traceparent`` is followed either way.

While tracing is off, no tracer provider exists and every helper here returns at its first line:
a request or a chat turn pays one global lookup. Spans carry ids of traces, names of routes,
nodes, tools and models, outcomes and counts; never message text, queries or whom they concern.

The behaviour-event pipeline carries a trace across the stream as a W3C ``traceparent`` on
each event (``event_traceparent``); the consumer continues it (``continued_span``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SpanExporter,
)
from opentelemetry.sdk.trace.sampling import ParentBased, Sampler, TraceIdRatioBased
from opentelemetry.trace import Link, Span, SpanKind, Status, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from infra.errors import ConfigError
from infra.settings import Settings

SCOPE = "shopagent"
# How a unit of work ended (``ok``, ``error``, or the kind of stop it names): an attribute.
OUTCOME = "shopagent.outcome"
EXPORTERS = ("none", "otlp", "console")
# A batch of events from many turns links to at most this many of their traces.
MAX_LINKS = 16
# The share of roots (chat turns, requests without a caller's trace) traced when
# OTEL_TRACES_SAMPLER names no sampler.
DEFAULT_SAMPLE = 0.1

_tracer: Tracer | None = None
_provider: TracerProvider | None = None
_w3c = TraceContextTextMapPropagator()


def exporters_named(value: str) -> list[str]:
    """The exporters ``OTEL_TRACES_EXPORTER`` lists (comma-separated), or ``ConfigError``."""
    names = [name.strip().lower() for name in value.split(",") if name.strip()] or ["none"]
    unknown = [name for name in names if name not in EXPORTERS]
    if unknown:
        raise ConfigError(
            f"OTEL_TRACES_EXPORTER names {', '.join(unknown)!r}; use one of {', '.join(EXPORTERS)}"
        )
    return [name for name in names if name != "none"]


def _exporter(name: str) -> SpanExporter:
    if name == "console":
        return ConsoleSpanExporter()
    # Imported only when asked for: it brings requests and protobuf along.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()


def service_resource() -> Resource:
    """The resource from the ``OTEL_*`` variables, named ``shopagent`` when they name none."""
    resource = Resource.create()
    if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: SCOPE}))
    return resource


def configure_tracing(settings: Settings) -> bool:
    """Install the tracer provider the settings ask for (once per process); whether tracing is
    on. With no exporter asked for, whatever is installed (a test's provider) stays."""
    names = exporters_named(settings.otel_traces_exporter)
    if settings.otel_sdk_disabled or not names:
        return _tracer is not None
    if _provider is None:
        provider = TracerProvider(resource=service_resource(), sampler=sampler(settings))
        for name in names:
            provider.add_span_processor(BatchSpanProcessor(_exporter(name)))
        install(provider)
    return True


def sampler(settings: Settings) -> Sampler | None:
    """The sampler for ``configure_tracing``: ``None`` (the SDK reads ``OTEL_TRACES_SAMPLER``
    and its argument) when the variable is set, else one root in ten, children as their parent."""
    if settings.otel_traces_sampler:
        return None
    return ParentBased(TraceIdRatioBased(DEFAULT_SAMPLE))


def install(provider: TracerProvider) -> None:
    """Trace with ``provider`` from now on (``configure_tracing``, or a test's own)."""
    global _tracer, _provider
    _provider, _tracer = provider, provider.get_tracer(SCOPE)


@contextmanager
def installed(provider: TracerProvider) -> Iterator[None]:
    """Trace with ``provider`` for the block only, then as before; the provider stays open (a
    bench's traced turns between untraced ones, in one process)."""
    global _tracer, _provider
    saved = _provider, _tracer
    install(provider)
    try:
        yield
    finally:
        _provider, _tracer = saved


def uninstall() -> None:
    """Stop tracing: the provider exports what it holds and shuts down."""
    global _tracer, _provider
    if _provider is not None:
        _provider.shutdown()
    _provider, _tracer = None, None


def tracer() -> Tracer | None:
    """The tracer, or ``None`` while tracing is off (callers skip their span work then)."""
    return _tracer


def recording() -> Tracer | None:
    """The tracer, when tracing is on and the current span is recorded (a turn or a request
    the sampler kept); else ``None``, and the work below that span makes no spans of its own."""
    active = _tracer
    if active is None or not trace.get_current_span().is_recording():
        return None
    return active


def traced_tool(name: str, call: Callable[..., Awaitable[str]]) -> Callable[..., Awaitable[str]]:
    """``call`` (a tool as a model calls it: keyword arguments in, text out) with a span per
    call inside a recorded span: ``execute_tool <name>``, its outcome ``error`` when it raises
    or answers with a problem for the model (``Error: …``), else ``ok``."""
    span_name = f"execute_tool {name}"
    attributes = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": name}

    async def traced(**kwargs: Any) -> str:
        active = recording()
        if active is None:
            return await call(**kwargs)
        with active.start_as_current_span(
            span_name, attributes=attributes, record_exception=False, set_status_on_exception=False
        ) as current:
            try:
                answer = await call(**kwargs)
            except BaseException as err:
                current.set_attribute(OUTCOME, "error")
                failed(current, err)
                raise
            current.set_attribute(OUTCOME, "error" if answer.startswith("Error:") else "ok")
            return answer

    return traced


@contextmanager
def span(
    name: str,
    attributes: Mapping[str, Any] | None = None,
    *,
    kind: SpanKind = SpanKind.INTERNAL,
    parent: Context | None = None,
    links: Sequence[Link] = (),
) -> Iterator[Span | None]:
    """A span made current for the block (``None`` while tracing is off); an exception that
    leaves the block marks it failed, by the exception's type alone (``failed``)."""
    active = _tracer
    if active is None:
        yield None
        return
    # Not the SDK's exception recording: an exception's message may quote the shopper's input.
    with active.start_as_current_span(
        name,
        context=parent,
        kind=kind,
        attributes=dict(attributes or {}),
        links=links,
        record_exception=False,
        set_status_on_exception=False,
    ) as current:
        try:
            yield current
        except BaseException as err:
            failed(current, err)
            raise


def failed(current: Span, err: BaseException) -> None:
    """Mark ``current`` failed by ``err``'s type alone (its message may quote input)."""
    kind = type(err).__name__
    current.set_attribute("error.type", kind)
    current.set_status(Status(StatusCode.ERROR, kind))


def incoming_context(headers: Iterable[tuple[bytes, bytes]]) -> Context:
    """The trace context a caller sent in its headers (``traceparent``), if any."""
    carrier = {key.decode("latin-1").lower(): value.decode("latin-1") for key, value in headers}
    return propagate.extract(carrier)


def current_ids() -> tuple[str, str] | None:
    """The current trace and span ids as hex, or ``None`` outside a recorded span."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return format(context.trace_id, "032x"), format(context.span_id, "016x")


def event_traceparent() -> str | None:
    """The W3C ``traceparent`` of the current span, for an event published inside it."""
    if _tracer is None:
        return None
    carrier: dict[str, str] = {}
    _w3c.inject(carrier)
    return carrier.get("traceparent")


def _remote(traceparent: str) -> trace.SpanContext | None:
    context = trace.get_current_span(_w3c.extract({"traceparent": traceparent})).get_span_context()
    return context if context.is_valid else None


@contextmanager
def continued_span(
    name: str, traceparents: Iterable[str | None], attributes: Mapping[str, Any] | None = None
) -> Iterator[Span | None]:
    """A consumer's span for a batch of events: a child of the first event's trace that was
    sampled (else of the first event's), linked to the other traces the batch holds (a batch
    mixes turns, most of them untraced when one in ten is)."""
    if _tracer is None:
        yield None
        return
    seen: dict[tuple[int, int], trace.SpanContext] = {}
    for value in traceparents:
        remote = _remote(value) if value else None
        if remote is not None:
            seen.setdefault((remote.trace_id, remote.span_id), remote)
    remotes = sorted(seen.values(), key=lambda remote: not remote.trace_flags.sampled)
    parent = trace.set_span_in_context(trace.NonRecordingSpan(remotes[0])) if remotes else None
    links = [Link(remote) for remote in remotes[1 : 1 + MAX_LINKS]]
    with span(
        name, attributes, kind=SpanKind.CONSUMER, parent=parent or Context(), links=links
    ) as current:
        yield current


def context_now() -> Context:
    """The current OpenTelemetry context (a parent for spans started elsewhere)."""
    return otel_context.get_current()
