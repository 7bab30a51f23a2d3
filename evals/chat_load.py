"""What the chat benchmark sends: the scripted conversations and searches, and the clients
that drive a server over the WebSocket and HTTP and time each operation."""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from rich.progress import Progress
from websockets.asyncio.client import ClientConnection, connect

from evals.processes import Server, tree_cpu_s
from evals.stats import percentile
from infra.errors import UpstreamError

# Errors from inside a turn, which a done frame follows; any other error frame refuses the
# message itself (rate_limited, bad_json, ...) and is all the server sends for it.
TURN_ERRORS = frozenset({"upstream", "internal"})

# Five short conversations of four turns (search, refinement, details, stock) in the
# online-retail giftware store. Sessions start on a conversation boundary and cycle on.
CHAT_SCRIPT: tuple[str, ...] = (
    "I'm looking for a white hanging heart t-light holder",
    "any of those under £3?",
    "tell me more about the first one",
    "is it in stock?",
    "show me cake stands under £10",
    "do you have one in pink?",
    "only the 3 tier ones please",
    "which is the cheapest?",
    "red retrospot lunch bags please",
    "anything with pink polkadots instead?",
    "details of the second one",
    "how many of those are in stock?",
    "a regency teacup and saucer for my mum, she likes green",
    "sort them by price, lowest first",
    "what is the first one made of?",
    "can I get it today, is it available?",
    "glass lanterns for the garden under £15",
    "something cheaper, below £5",
    "do you have mugs with a vintage design?",
    "jumbo shopping bags in red, the cheapest first",
)
CONVERSATION_LENGTH = 4

# search_products arguments: the product need plus the constraints a shopper states.
SEARCH_CASES: tuple[dict[str, Any], ...] = (
    {"query": "heart t-light holder", "max_price": 5},
    {"query": "cake stand", "min_price": 5, "max_price": 20, "sort": "price_asc"},
    {"query": "lunch bag", "attributes": {"colour": "red"}},
    {"query": "jumbo bag", "in_stock_only": True, "limit": 10},
    {"query": "glass lantern", "max_price": 15, "sort": "price_desc"},
    {"query": "regency teacup and saucer", "attributes": {"colour": "green"}},
    {"query": "vintage mug", "sort": "popularity"},
    {"query": "christmas paper chain kit", "max_price": 5},
    {"query": "hot water bottle", "min_price": 2, "limit": 10},
    {"query": "alarm clock", "attributes": {"colour": "pink"}, "limit": 3},
    {"query": "doormat", "max_price": 10, "offset": 5},
    {"query": "retrospot cake cases", "in_stock_only": True, "sort": "price_asc"},
)


@dataclass(frozen=True)
class Plan:
    """How much load each phase applies; ``phase_budget_s`` caps a phase on a slow machine."""

    warmup_turns: int = 20
    single_turns: int = 200
    short_conversation: int = 20
    sessions: int = 50
    turns_per_session: int = 10
    growth_window: int = 20
    http_warmup: int = 20
    http_requests: int = 300
    inproc_requests: int = 1000
    phase_budget_s: float = 25.0
    turn_timeout_s: float = 30.0
    ready_timeout_s: float = 120.0
    rss_interval_s: float = 0.05


# --------------------------------------------------------------------------- statistics


def finite(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 3)


@dataclass
class Timings:
    """One phase: latencies in seconds, wall time, and the server CPU time it cost."""

    latencies: list[float] = field(default_factory=list)
    wall_s: float = 0.0
    errors: int = 0
    frames: int = 0
    bytes_in: int = 0
    server_cpu_s: float = math.nan

    def ms(self, q: float) -> float:
        return percentile(self.latencies, q) * 1000

    @property
    def throughput(self) -> float:
        """Completed operations per second of wall time."""
        return len(self.latencies) / self.wall_s if self.wall_s > 0 else math.nan

    @property
    def cpu_ms_per_op(self) -> float:
        return self.server_cpu_s * 1000 / len(self.latencies) if self.latencies else math.nan

    def summary(self) -> dict[str, float | int | None]:
        n = len(self.latencies)
        return {
            "count": n,
            "p50_ms": finite(self.ms(50)),
            "p95_ms": finite(self.ms(95)),
            "p99_ms": finite(self.ms(99)),
            "max_ms": finite(max(self.latencies) * 1000) if n else None,
            "throughput_per_s": finite(self.throughput),
            "wall_s": round(self.wall_s, 3),
            "errors": self.errors,
            "frames_per_op": round(self.frames / n, 2) if n else None,
            "bytes_in_per_op": round(self.bytes_in / n, 1) if n else None,
            "server_cpu_ms_per_op": finite(self.cpu_ms_per_op),
        }


# --------------------------------------------------------------------------- WebSocket load


Headers = Callable[[int], dict[str, str]]


async def open_session(url: str, headers: dict[str, str] | None = None) -> ClientConnection:
    """Connect (with ``headers``, e.g. a bearer token) and read the ``session`` frame the
    server opens with."""
    ws = await connect(
        url, additional_headers=headers, max_size=2**20, open_timeout=30, ping_interval=None
    )
    first = json.loads(await ws.recv())
    if first.get("type") != "session":
        await ws.close()
        raise UpstreamError(f"{url} opened with {first!r} instead of a session frame")
    return ws


async def one_turn(ws: ClientConnection, text: str, timings: Timings, timeout_s: float) -> None:
    """Send one message, read frames until ``done``, and record the time that took."""
    payload = json.dumps({"type": "message", "text": text})
    start = time.perf_counter()
    async with asyncio.timeout(timeout_s):
        await ws.send(payload)
        while True:
            raw = await ws.recv()
            timings.frames += 1
            timings.bytes_in += len(raw)
            frame = json.loads(raw)
            if frame.get("type") == "done":
                break
            if frame.get("type") == "error":
                timings.errors += 1
                if frame.get("code") not in TURN_ERRORS:
                    break  # the message was refused before a turn began: no done follows
    timings.latencies.append(time.perf_counter() - start)


def script_turn(session: int, turn: int) -> str:
    """What session ``session`` says on its ``turn``-th turn."""
    conversations = len(CHAT_SCRIPT) // CONVERSATION_LENGTH
    start = (session % conversations) * CONVERSATION_LENGTH
    return CHAT_SCRIPT[(start + turn) % len(CHAT_SCRIPT)]


async def one_session(
    server: Server,
    plan: Plan,
    progress: Progress,
    label: str,
    warmup: int,
    conversation: int | None = None,
) -> Timings:
    """One client, one turn at a time: ``warmup`` untimed turns, then ``plan.single_turns``.

    With ``conversation`` the client opens a fresh session every that many turns (reconnects
    are not timed); without it, every turn continues one conversation.
    """
    task = progress.add_task(label, total=warmup + plan.single_turns)
    timings, discard = Timings(), Timings()
    ws = await open_session(server.ws_url)
    try:
        for turn in range(warmup):
            await one_turn(ws, script_turn(0, turn), discard, plan.turn_timeout_s)
            progress.advance(task)
        cpu_before = tree_cpu_s(server.pid)
        start = time.perf_counter()
        for turn in range(warmup, warmup + plan.single_turns):
            if time.perf_counter() - start > plan.phase_budget_s:
                break
            if conversation and turn > warmup and (turn - warmup) % conversation == 0:
                await ws.close()
                ws = await open_session(server.ws_url)
            await one_turn(ws, script_turn(0, turn), timings, plan.turn_timeout_s)
            progress.advance(task)
        timings.wall_s = time.perf_counter() - start
        timings.server_cpu_s = tree_cpu_s(server.pid) - cpu_before
    finally:
        await ws.close()
    progress.update(task, total=progress.tasks[task].completed)
    return timings


async def many_sessions(
    server: Server, plan: Plan, progress: Progress, label: str, headers: Headers | None = None
) -> Timings:
    """``plan.sessions`` sockets opened first, then all talking at once from one signal;
    socket ``i`` opens with ``headers(i)`` when given (a shopper's bearer token)."""
    task = progress.add_task(label, total=plan.sessions * plan.turns_per_session)
    timings = Timings()
    opening = [open_session(server.ws_url, headers and headers(i)) for i in range(plan.sessions)]
    sockets = await asyncio.gather(*opening)
    go = asyncio.Event()
    start = math.inf

    async def talk(session: int, ws: ClientConnection) -> None:
        await go.wait()
        for turn in range(plan.turns_per_session):
            if time.perf_counter() - start > plan.phase_budget_s:
                return
            await one_turn(ws, script_turn(session, turn), timings, plan.turn_timeout_s)
            progress.advance(task)

    try:
        talkers = [asyncio.create_task(talk(i, ws)) for i, ws in enumerate(sockets)]
        cpu_before = tree_cpu_s(server.pid)
        start = time.perf_counter()
        go.set()
        await asyncio.gather(*talkers)
        timings.wall_s = time.perf_counter() - start
        timings.server_cpu_s = tree_cpu_s(server.pid) - cpu_before
    finally:
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    progress.update(task, total=progress.tasks[task].completed)
    return timings


# --------------------------------------------------------------------------- HTTP and search

Request = Callable[[httpx.Client, int], httpx.Response]


def search_request(client: httpx.Client, i: int) -> httpx.Response:
    return client.post("/v1/tools/search_products", json=SEARCH_CASES[i % len(SEARCH_CASES)])


def healthz_request(client: httpx.Client, i: int) -> httpx.Response:
    return client.get("/healthz")


def http_load(server: Server, plan: Plan, progress: Progress, label: str, call: Request) -> Timings:
    """Sequential requests on one keep-alive connection; the warm-up is not timed."""
    task = progress.add_task(label, total=plan.http_warmup + plan.http_requests)
    timings = Timings()
    with httpx.Client(base_url=server.base_url, timeout=10.0) as client:
        for i in range(plan.http_warmup):
            call(client, i).raise_for_status()
            progress.advance(task)
        cpu_before = tree_cpu_s(server.pid)
        start = time.perf_counter()
        for i in range(plan.http_requests):
            if time.perf_counter() - start > plan.phase_budget_s:
                break
            began = time.perf_counter()
            response = call(client, i)
            timings.latencies.append(time.perf_counter() - began)
            timings.bytes_in += len(response.content)
            timings.errors += response.status_code != 200
            progress.advance(task)
        timings.wall_s = time.perf_counter() - start
        timings.server_cpu_s = tree_cpu_s(server.pid) - cpu_before
    progress.update(task, total=progress.tasks[task].completed)
    return timings


def inprocess_search(data_dir: Path, plan: Plan, progress: Progress) -> tuple[Timings, float]:
    """The embedded backend on the bench's store, called directly: (timings, index build s)."""
    # Imported here so the bench process pays for the search stack only in this phase.
    from infra.settings import Settings
    from tools.catalog.backend import store as open_store
    from tools.search.base import SearchQuery
    from tools.search.embedded import EmbeddedSearch

    task = progress.add_task("search in-process", total=plan.inproc_requests)
    store = open_store(Settings(data_dir=data_dir))
    try:
        began = time.perf_counter()
        search = EmbeddedSearch()
        search.index(store.iter_products())
        build_s = time.perf_counter() - began
    finally:
        store.close()
    # Validated up front: this figure is the backend alone, without pydantic or HTTP.
    queries = [SearchQuery.model_validate(case) for case in SEARCH_CASES]
    timings = Timings()

    async def run() -> None:
        for query in queries:
            await search.search(query)
        start = time.perf_counter()
        for i in range(plan.inproc_requests):
            began = time.perf_counter()
            await search.search(queries[i % len(queries)])
            timings.latencies.append(time.perf_counter() - began)
            progress.advance(task)
        timings.wall_s = time.perf_counter() - start

    asyncio.run(run())
    return timings, build_s
