"""Prometheus metrics: what the service counts, and the one text view ``GET /metrics`` serves.

Every metric is defined here, with **bounded labels only**: outcomes, tool names from the tool
registry, guard kinds, route templates, a handful of limit and cache kinds. Nothing that grows
with traffic (user ids, session ids, product ids, query or message text) is ever a label. The
small helpers below are what the rest of the code calls, one line per place where a thing
happens; a value outside a label's known set is counted as ``other``.

**One view of several workers.** ``shopagent serve --workers N`` runs N processes. Before it
starts them, the parent calls ``share_across_workers``: it empties ``<data_dir>/metrics`` and
names it in ``PROMETHEUS_MULTIPROC_DIR``, which the spawned workers inherit. prometheus-client
reads that variable when it is first imported and then keeps every value in a memory-mapped
file per process there, and ``exposition`` merges the files of all processes, whichever worker
answers the scrape. Counters and histograms of a worker that died still count (their totals
happened); its gauges (open sockets) are dropped: a worker marks itself dead when it stops, and
each scrape drops the live gauges of any process id that no longer runs. Without that variable
(one process, the tests' in-process app) the metrics live in the process's default registry.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import time
from collections.abc import Callable, Collection, Iterator
from pathlib import Path

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    multiprocess,
    values,
)
from prometheus_client.exposition import choose_encoder

from infra.errors import ToolInputError

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# prometheus-client chose its value store when it was imported: files when the variable was set.
MULTIPROCESS = values.ValueClass is not values.MutexValue
OTHER = "other"

# Chat turns take milliseconds offline and seconds on a hosted model.
_TURN_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 60)
_TOOL_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
_HTTP_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

# -- chat ----------------------------------------------------------------------------------
TURN_OUTCOMES = frozenset({"answered", "upstream_error", "internal_error"})
CHAT_TURNS = Counter(
    "shopagent_chat_turns", "Chat turns served over the socket, by outcome.", ["outcome"]
)
CHAT_TURN_SECONDS = Histogram(
    "shopagent_chat_turn_seconds",
    "Wall time of a chat turn, from the accepted message to its last frame.",
    buckets=_TURN_BUCKETS,
)
CHAT_FIRST_TOKEN_SECONDS = Histogram(
    "shopagent_chat_first_token_seconds",
    "Time from the accepted message to the turn's first frame of answer text.",
    buckets=_TURN_BUCKETS,
)
OPEN_SOCKETS = Gauge(
    "shopagent_open_sockets",
    "Chat sockets open now (summed over live workers).",
    multiprocess_mode="livesum",
)

# -- tools ---------------------------------------------------------------------------------
# ok; input_error: a ToolInputError, an answer the caller can correct; error: any failure.
TOOL_OUTCOMES = frozenset({"ok", "input_error", "error"})
TOOL_CALLS = Counter("shopagent_tool_calls", "Tool calls by tool and outcome.", ["tool", "outcome"])
TOOL_CALL_SECONDS = Histogram(
    "shopagent_tool_call_seconds",
    "Wall time of a tool call, by tool.",
    ["tool"],
    buckets=_TOOL_BUCKETS,
)
SEARCH_BACKENDS = frozenset({"embedded", "opensearch"})
SEARCH_ZERO_RESULTS = Counter(
    "shopagent_search_zero_results",
    "Product searches that found nothing, by search backend.",
    ["backend"],
)

# -- guards and confirmations ----------------------------------------------------------------
# The chat guards' own flags (agents.guards, graphs.chat): personal data masked in a message,
# a message that looks like a prompt injection, answer lines about products no tool returned
# (or that break the search's constraints) removed; and instruction-like sentences in product
# data refused as facts by the content writer (tools.content.facts).
GUARD_KINDS = frozenset(
    {"pii_masked", "injection_suspected", "ungrounded_removed", "injection_refused"}
)
GUARD_INTERVENTIONS = Counter(
    "shopagent_guard_interventions",
    "Times a guard changed a turn or a content request, by kind.",
    ["kind"],
)
# A question asked, and how each was answered (graphs.confirm): yes (the change is made), no,
# a new request instead (nothing changed), or still unclear after the last asking.
CONFIRMATION_EVENTS = frozenset({"asked", "accepted", "declined", "superseded", "unclear"})
_READINGS = {"yes": "accepted", "no": "declined", "request": "superseded", "unclear": "unclear"}
CONFIRMATIONS = Counter(
    "shopagent_confirmations",
    "Confirmations before a write: questions asked, and answers accepted, declined, superseded "
    "by a new request or left unclear.",
    ["event"],
)

# -- limits and cache --------------------------------------------------------------------------
LIMIT_KINDS = frozenset({"rest", "chat", "session", "events"})
RATE_LIMIT_REFUSALS = Counter(
    "shopagent_rate_limit_refusals", "Requests refused by a rate limit, by limit.", ["limit"]
)
CACHE_KINDS = frozenset({"search", "recs"})
CACHE_LOOKUPS = Counter(
    "shopagent_cache_lookups",
    "Cache look-ups by cache and result (hit or miss).",
    ["cache", "result"],
)

# -- event pipeline ------------------------------------------------------------------------
EVENT_CONSUMERS = frozenset({"profiles", "lake"})
EVENT_LAG_SECONDS = Gauge(
    "shopagent_event_lag_seconds",
    "How far behind the stream a consumer is: the age of the last event of the batch it "
    "applied last (event time to when it was applied), by consumer.",
    ["consumer"],
    multiprocess_mode="livemax",
)
EVENT_DEAD_LETTERS = Counter(
    "shopagent_event_dead_letters",
    "Records set aside as dead letters (not an event, or one the consumer cannot apply).",
    ["consumer"],
)

# -- chat model (agents.resilience) ---------------------------------------------------------
# Model ids come from the settings (the model and its fallback): a bounded set per deployment.
MODEL_OUTCOMES = frozenset({"ok", "throttled", "timeout", "error", "refused"})
FALLBACK_REASONS = frozenset({"throttled", "timeout", "error", "breaker_open"})
MODEL_CALLS = Counter(
    "shopagent_model_calls",
    "Attempts to call a remote chat model, by model id and outcome (refused: breaker open).",
    ["model", "outcome"],
)
MODEL_TOKENS = Counter(
    "shopagent_model_tokens",
    "Tokens of successful remote chat-model calls, by model id and direction (input, output).",
    ["model", "direction"],
)
MODEL_COST_USD = Counter(
    "shopagent_model_cost_usd",
    "Estimated cost of remote chat-model calls in US dollars, by model id (agents.pricing: "
    "list-price estimates, not a bill).",
    ["model"],
)
MODEL_FALLBACKS = Counter(
    "shopagent_model_fallbacks",
    "Chat turns (or calls) answered by the fallback model, by model, fallback and reason.",
    ["model", "fallback", "reason"],
)
BREAKER_STATES = {"closed": 0, "half_open": 1, "open": 2}
MODEL_BREAKER_STATE = Gauge(
    "shopagent_model_breaker_state",
    "Circuit breaker of a chat model id: 0 closed, 1 half-open, 2 open (the most open of the "
    "live workers).",
    ["model"],
    multiprocess_mode="livemax",
)

# -- HTTP ----------------------------------------------------------------------------------
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
HTTP_REQUESTS = Counter(
    "shopagent_http_requests",
    "HTTP requests by route template, method and status code.",
    ["route", "method", "status"],
)
HTTP_REQUEST_SECONDS = Histogram(
    "shopagent_http_request_seconds",
    "Wall time of an HTTP request, by route template and method.",
    ["route", "method"],
    buckets=_HTTP_BUCKETS,
)


def bounded(value: str, allowed: Collection[str]) -> str:
    """``value`` when it is one of ``allowed``, else ``other``: a label never grows unbounded."""
    return value if value in allowed else OTHER


def _kind(key: str, kinds: Collection[str]) -> str:
    """The kind a bucket or cache key starts with (``chat:user:1`` → ``chat``), bounded."""
    return bounded(key.partition(":")[0], kinds)


def turn_done(outcome: str, seconds: float, first_token_s: float | None) -> None:
    """One chat turn finished: its outcome, wall time and (when it sent text) first token."""
    CHAT_TURNS.labels(bounded(outcome, TURN_OUTCOMES)).inc()
    CHAT_TURN_SECONDS.observe(seconds)
    if first_token_s is not None:
        CHAT_FIRST_TOKEN_SECONDS.observe(first_token_s)


class TurnClock:
    """Times one chat turn: ``frame(kind)`` for each frame sent, then ``done(outcome)``."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.first_token_s: float | None = None

    def frame(self, kind: str) -> None:
        if self.first_token_s is None and kind in ("token", "message"):
            self.first_token_s = time.perf_counter() - self.started

    def done(self, outcome: str) -> None:
        turn_done(outcome, time.perf_counter() - self.started, self.first_token_s)


def socket_opened() -> None:
    OPEN_SOCKETS.inc()


def socket_closed() -> None:
    OPEN_SOCKETS.dec()


_TOOL_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def tool_called(tool: str, outcome: str, seconds: float) -> None:
    """One call of a registered tool (callers pass only names the registry knows)."""
    name = tool if _TOOL_NAME.match(tool) else OTHER
    TOOL_CALLS.labels(name, bounded(outcome, TOOL_OUTCOMES)).inc()
    TOOL_CALL_SECONDS.labels(name).observe(seconds)


@contextlib.contextmanager
def tool_timer(tool: str) -> Iterator[None]:
    """Count and time the tool call the block makes; its outcome is how the block ends."""
    started = time.perf_counter()
    outcome = "error"
    try:
        yield
        outcome = "ok"
    except ToolInputError:
        outcome = "input_error"
        raise
    finally:
        tool_called(tool, outcome, time.perf_counter() - started)


def search_found_nothing(backend: str) -> None:
    SEARCH_ZERO_RESULTS.labels(bounded(backend, SEARCH_BACKENDS)).inc()


def guard_intervened(*kinds: str) -> None:
    """Count one intervention of each kind named (a guard's flags)."""
    for kind in kinds:
        GUARD_INTERVENTIONS.labels(bounded(kind, GUARD_KINDS)).inc()


def confirmation_asked() -> None:
    CONFIRMATIONS.labels("asked").inc()


def confirmation_answered(reading: str) -> None:
    """How the shopper's answer read (``graphs.confirm.Reading``)."""
    CONFIRMATIONS.labels(bounded(_READINGS.get(reading, OTHER), CONFIRMATION_EVENTS)).inc()


def rate_limited(bucket: str) -> None:
    """A refusal from the bucket named ``bucket`` (``chat:<who>``: only the kind is kept)."""
    RATE_LIMIT_REFUSALS.labels(_kind(bucket, LIMIT_KINDS)).inc()


def cache_lookup(key: str, hit: bool) -> None:
    """A look-up of cache key ``key`` (``search:…``: only the kind is kept)."""
    CACHE_LOOKUPS.labels(_kind(key, CACHE_KINDS), "hit" if hit else "miss").inc()


def event_lag(consumer: str, event_time: float) -> None:
    """``consumer`` has applied an event stamped ``event_time`` (epoch seconds) just now."""
    lag = max(0.0, time.time() - event_time)
    EVENT_LAG_SECONDS.labels(bounded(consumer, EVENT_CONSUMERS)).set(lag)


def dead_lettered(consumer: str) -> None:
    EVENT_DEAD_LETTERS.labels(bounded(consumer, EVENT_CONSUMERS)).inc()


def http_request(route: str, method: str, status: int, seconds: float) -> None:
    """One HTTP request; ``route`` is the matched route's template, or ``other``."""
    verb = bounded(method, HTTP_METHODS)
    HTTP_REQUESTS.labels(route, verb, str(status)).inc()
    HTTP_REQUEST_SECONDS.labels(route, verb).observe(seconds)


_MODEL_ID = re.compile(r"^[A-Za-z0-9._:/-]{1,128}$")


def _model(model_id: str) -> str:
    return model_id if _MODEL_ID.match(model_id) else OTHER


def model_called(
    model_id: str,
    outcome: str,
    input_tokens: int = 0,
    output_tokens: int = 0,
    cost_usd: float | None = None,
) -> None:
    """One attempt at a remote chat model: its outcome, and for an answer its tokens and
    estimated cost (``None``: a model without a price)."""
    model = _model(model_id)
    MODEL_CALLS.labels(model, bounded(outcome, MODEL_OUTCOMES)).inc()
    if input_tokens or output_tokens:
        MODEL_TOKENS.labels(model, "input").inc(input_tokens)
        MODEL_TOKENS.labels(model, "output").inc(output_tokens)
    if cost_usd is not None:
        MODEL_COST_USD.labels(model).inc(cost_usd)


def model_fell_back(model_id: str, fallback: str, reason: str) -> None:
    """A turn that ``model_id`` failed went to ``fallback``, for ``reason``."""
    MODEL_FALLBACKS.labels(
        _model(model_id), _model(fallback), bounded(reason, FALLBACK_REASONS)
    ).inc()


def model_breaker(model_id: str, state: str) -> None:
    """``model_id``'s circuit breaker is now ``state`` (closed, half_open, open)."""
    MODEL_BREAKER_STATE.labels(_model(model_id)).set(BREAKER_STATES.get(state, 0))


# -- several workers -----------------------------------------------------------------------


def share_across_workers(data_dir: Path, workers: int) -> Path | None:
    """In the parent of ``serve --workers N`` (N > 1): an empty ``<data_dir>/metrics`` named in
    ``PROMETHEUS_MULTIPROC_DIR`` for the workers it spawns (the files of an earlier run would
    add its counts to this one's). One worker serves in this process: nothing to share."""
    if workers <= 1:
        return None
    path = data_dir / "metrics"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(mode=0o700, parents=True)
    # Written, not read: prometheus-client reads it in each worker as it is imported.
    os.environ[MULTIPROC_ENV] = str(path)
    return path


# prometheus-client leaves these two untyped.
_mark_process_dead: Callable[[int, str], None] = multiprocess.mark_process_dead
_merge_files_into: Callable[[CollectorRegistry, str], object] = multiprocess.MultiProcessCollector


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process holds the id now; ours is gone
        return False
    return True


def forget_dead_workers(path: Path) -> list[int]:
    """Drop the live gauges of every process that wrote to ``path`` and no longer runs."""
    dead: set[int] = set()
    for name in glob.glob(str(path / "gauge_live*_*.db")):
        digits = Path(name).stem.rpartition("_")[2]
        if digits.isdigit() and int(digits) != os.getpid() and not _running(int(digits)):
            dead.add(int(digits))
    for pid in dead:
        _mark_process_dead(pid, str(path))
    return sorted(dead)


def worker_stopped(path: Path | None) -> None:
    """This worker is stopping: its live gauges no longer count."""
    if MULTIPROCESS and path is not None:
        _mark_process_dead(os.getpid(), str(path))


def exposition(path: Path | None, accept: str | None = None) -> tuple[bytes, str]:
    """The metrics in the format ``accept`` asks for (OpenMetrics or the Prometheus text
    format) and its content type: every worker's values merged from ``path`` in multi-process
    mode, else this process's registry."""
    encode, content_type = choose_encoder(accept or "")
    if not MULTIPROCESS:
        return encode(REGISTRY), content_type
    if path is None:
        raise RuntimeError(f"{MULTIPROC_ENV} was set when metrics were imported but is not now")
    forget_dead_workers(path)
    registry = CollectorRegistry()
    _merge_files_into(registry, str(path))
    return encode(registry), content_type
