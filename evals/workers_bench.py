"""``shopagent bench --workers N``: chat turns per second of N workers against one, on PostgreSQL.

In one run the bench starts a scratch PostgreSQL (``infra.postgres``), loads the tau-retail demo
store into a template database once, and then, for one worker and for N workers in turn,
copies the template into a fresh database and serves it with ``shopagent serve --workers W``
(store, checkpoints and chat sessions all on that database). Each configuration gets the same
load: ``sockets`` WebSockets opened at once, then all talking at once:

- ``writers`` of them are signed-in shoppers, each cancelling one of their own pending orders:
  the request, the reason, then the socket closes and reopens on the same session (so with N
  workers the answer may reach another worker than the question) for "yes", and a second "yes"
  that must change nothing;
- the others browse anonymously (four-turn conversations: search, details, stock, refinement).

After each run the database is compared with the template: every intended cancellation
applied exactly once (status cancelled, one refund per payment, a gift card credited once),
nothing else changed. The configurations run ``repeats`` times in the order 1 N N 1 …, each on
its own copy of the template, and their runs are pooled. The figures: turns per second (and the
ratio N : 1), p50/p95/p99 turn latency, error frames and failed sockets, the write check, and the
machine's load average around each run (this machine's two cores also run other jobs).
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil
import psycopg
from psycopg import sql
from rich.console import Console
from rich.progress import Progress
from websockets.asyncio.client import ClientConnection, connect

from evals.bench import CLI, bench_env, progress_bars
from evals.chat_load import Timings, finite
from evals.processes import Server, free_port, log_tail, started, tree_cpu_s
from infra.errors import UpstreamError
from infra.identity import Identity
from infra.postgres import LocalPostgres
from infra.settings import Settings
from tools.catalog.postgres import PostgresStore
from tools.models import Order, User

TEMPLATE = "bench_template"
ASKED = "Shall I go ahead?"
TURNS = 4  # per socket, browsing or cancelling
DONE = "Done: order"

# Four-turn conversations in the tau-retail catalogue; socket i runs conversation i mod 5.
BROWSE: tuple[tuple[str, str, str, str], ...] = (
    (
        "show me kettles",
        "tell me about the second one",
        "is it in stock?",
        "which is the cheapest?",
    ),
    (
        "a laptop under $1500",
        "tell me more about the first one",
        "is it available?",
        "any cheaper?",
    ),
    ("wireless headphones", "the cheapest first", "details of the second one", "is it in stock?"),
    ("a desk lamp", "something under $100", "tell me about the first one", "how many in stock?"),
    ("water bottles", "sort them by price", "tell me more about the first one", "is it in stock?"),
)


@dataclass(frozen=True)
class WorkersPlan:
    """The load each configuration gets, and the time limits."""

    workers: int = 2
    repeats: int = 2  # rounds of both configurations, in the order 1 N, N 1, 1 N …
    sockets: int = 300
    writers: int = 100
    warmup_sockets: int = 20
    turn_timeout_s: float = 180.0
    ready_timeout_s: float = 180.0
    idle_cpu_share: float = 0.25  # the server tree below this CPU share: every worker is up


@dataclass
class Load(Timings):
    """A phase's timings and its error frames by code."""

    codes: Counter[str] = field(default_factory=Counter)
    client_cpu_s: float = 0.0  # the load generator's own CPU time (this process)

    def cpu_summary(self) -> dict[str, float | None]:
        """CPU milliseconds per turn: the server's process tree, and the load generator."""
        n = len(self.latencies)
        return {
            "server_cpu_ms_per_turn": finite(self.server_cpu_s * 1000 / n) if n else None,
            "client_cpu_ms_per_turn": finite(self.client_cpu_s * 1000 / n) if n else None,
            "server_cpu_share_of_wall": finite(self.server_cpu_s / self.wall_s)
            if self.wall_s
            else None,
        }


@dataclass
class WriteOutcome:
    """What one cancelling shopper saw."""

    asked: bool = False
    confirmed: bool = False
    repeat_applied: bool = False


@dataclass
class StoreCheck:
    """The database after a configuration, against the template it was copied from."""

    intended: int = 0
    applied_once: int = 0
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    other_orders_changed: list[str] = field(default_factory=list)
    users_wrong: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return self.applied_once == self.intended and not (
            self.lost or self.duplicated or self.other_orders_changed or self.users_wrong
        )


@dataclass
class Configuration:
    """One server configuration's figures."""

    workers: int
    timings: Load = field(default_factory=Load)
    failed_sockets: int = 0
    outcomes: list[WriteOutcome] = field(default_factory=list)
    check: StoreCheck = field(default_factory=StoreCheck)
    startup_s: float = math.nan
    load_average: tuple[float, float] = (math.nan, math.nan)  # 1-minute, before and after

    def summary(self) -> dict[str, Any]:
        return {
            "workers": self.workers,
            "load_average_1m_before_after": self.load_average,
            **self.timings.summary(),
            **self.timings.cpu_summary(),
            "error_codes": dict(self.timings.codes),
            "failed_sockets": self.failed_sockets,
            "server_ready_s": finite(self.startup_s),
            "writes": {
                "asked": sum(o.asked for o in self.outcomes),
                "confirmed": sum(o.confirmed for o in self.outcomes),
                "repeat_yes_applied": sum(o.repeat_applied for o in self.outcomes),
                **asdict(self.check),
                "clean": self.check.clean,
            },
        }


# --------------------------------------------------------------------------- the database


def _create(pg: LocalPostgres, name: str, template: str | None = None) -> str:
    query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template is not None:
        query += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
    with psycopg.connect(pg.admin_url(), autocommit=True) as admin:
        admin.execute(query)
    return pg.admin_url(name)


def pending_orders(url: str, count: int) -> dict[str, str]:
    """``count`` pending orders of ``count`` different shoppers: order id -> user id."""
    chosen: dict[str, str] = {}
    with PostgresStore(url) as store:
        orders = sorted(store.iter_orders(), key=lambda o: o.order_id)
    users: set[str] = set()
    for order in orders:
        if order.status == "pending" and order.user_id and order.user_id not in users:
            users.add(order.user_id)
            chosen[order.order_id] = order.user_id
            if len(chosen) == count:
                return chosen
    raise UpstreamError(f"the store has {len(chosen)} shoppers with a pending order, not {count}")


def _snapshot(url: str) -> tuple[dict[str, Order], dict[str, User]]:
    with PostgresStore(url) as store:
        orders = {o.order_id: o for o in store.iter_orders()}
        users = {}
        for user_id in {o.user_id for o in orders.values() if o.user_id}:
            user = store.get_user(user_id)
            if user is not None:
                users[user_id] = user
    return orders, users


def _balance(user: User, method: str) -> float | None:
    found = user.payment_methods.get(method)
    extra = (found.model_extra or {}) if found is not None else {}
    return None if "balance" not in extra else float(extra["balance"])


def check_store(template_url: str, run_url: str, intended: dict[str, str]) -> StoreCheck:
    """Each intended cancellation applied exactly once, and nothing else changed."""
    before_orders, before_users = _snapshot(template_url)
    after_orders, after_users = _snapshot(run_url)
    check = StoreCheck(intended=len(intended))
    credits: dict[tuple[str, str], float] = {}
    for order_id, before in before_orders.items():
        after = after_orders.get(order_id)
        if order_id not in intended:
            if after is None or after.model_dump() != before.model_dump():
                check.other_orders_changed.append(order_id)
            continue
        assert after is not None, order_id
        paid = [p for p in before.payment_history if p.transaction_type == "payment"]
        refunds = [p for p in after.payment_history if p.transaction_type == "refund"]
        if len(refunds) > len(paid):
            check.duplicated.append(order_id)
        elif after.status != "cancelled" or len(refunds) < len(paid):
            check.lost.append(order_id)
        elif math.isclose(sum(p.amount for p in refunds), sum(p.amount for p in paid)):
            check.applied_once += 1
        else:
            check.lost.append(order_id)
        for payment in paid:
            key = (intended[order_id], payment.payment_method_id)
            credits[key] = credits.get(key, 0.0) + payment.amount
    for user_id, before_user in before_users.items():
        after_user = after_users.get(user_id)
        if after_user is None:
            check.users_wrong.append(user_id)
            continue
        expected = before_user.model_dump()
        got = after_user.model_dump()
        for (owner, method), amount in credits.items():
            old = _balance(before_user, method) if owner == user_id else None
            if old is not None:
                expected["payment_methods"][method]["balance"] = round(old + amount, 2)
                new = _balance(after_user, method)
                got["payment_methods"][method]["balance"] = None if new is None else round(new, 2)
        if got != expected:
            check.users_wrong.append(user_id)
    return check


# --------------------------------------------------------------------------- the clients


async def _open(url: str, headers: dict[str, str] | None) -> tuple[ClientConnection, str]:
    ws = await connect(
        url, additional_headers=headers, max_size=2**20, open_timeout=60, ping_interval=None
    )
    first = json.loads(await ws.recv())
    if first.get("type") != "session":
        await ws.close()
        raise UpstreamError(f"the socket opened with {first!r} instead of a session frame")
    return ws, str(first["session_id"])


async def _turn(
    ws: ClientConnection, text: str, timings: Load, timeout_s: float
) -> list[dict[str, Any]]:
    """One timed turn: every frame up to ``done``; error frames are counted."""
    start = time.perf_counter()
    frames: list[dict[str, Any]] = []
    async with asyncio.timeout(timeout_s):
        await ws.send(json.dumps({"type": "message", "text": text}))
        while not frames or frames[-1].get("type") != "done":
            raw = await ws.recv()
            timings.frames += 1
            timings.bytes_in += len(raw)
            frames.append(json.loads(raw))
            if frames[-1].get("type") == "error":
                timings.errors += 1
                timings.codes[str(frames[-1].get("code"))] += 1
    timings.latencies.append(time.perf_counter() - start)
    return frames


def _text(frames: list[dict[str, Any]]) -> str:
    return next((str(f["text"]) for f in frames if f.get("type") == "message"), "")


def _applied(frames: list[dict[str, Any]]) -> bool:
    return any(
        f.get("type") == "tool_result"
        and f.get("name") == "cancel_pending_order"
        and not f.get("is_error")
        for f in frames
    )


@dataclass
class Client:
    """One socket of the load: a browser (no headers) or a cancelling shopper."""

    index: int
    headers: dict[str, str] | None = None
    order_id: str | None = None
    ws: ClientConnection | None = None
    session: str = ""
    outcome: WriteOutcome = field(default_factory=WriteOutcome)

    async def open(self, url: str) -> None:
        self.ws, self.session = await _open(url, self.headers)

    async def talk(
        self, url: str, timings: Load, plan: WorkersPlan, progress: Callable[[], None]
    ) -> None:
        assert self.ws is not None
        if self.order_id is None:
            for text in BROWSE[self.index % len(BROWSE)]:
                await _turn(self.ws, text, timings, plan.turn_timeout_s)
                progress()
            return
        await _turn(
            self.ws, f"Please cancel my order {self.order_id}", timings, plan.turn_timeout_s
        )
        progress()
        asked = await _turn(self.ws, "I no longer need it", timings, plan.turn_timeout_s)
        progress()
        self.outcome.asked = ASKED in _text(asked)
        # The answer comes on a new socket resuming the session: with several workers it may
        # be served by another process than the question.
        await self.ws.close()
        self.ws, _ = await _open(f"{url}?session={self.session}", self.headers)
        yes = await _turn(self.ws, "yes", timings, plan.turn_timeout_s)
        progress()
        self.outcome.confirmed = _applied(yes) and _text(yes).startswith(DONE)
        again = await _turn(self.ws, "yes", timings, plan.turn_timeout_s)
        progress()
        self.outcome.repeat_applied = _applied(again)


async def drive(
    server: Server, clients: list[Client], plan: WorkersPlan, progress: Progress, label: str
) -> tuple[Load, int]:
    """Open every client's socket, then all talk at once: (timings, sockets that failed)."""
    task = progress.add_task(label, total=TURNS * len(clients))
    timings = Load()
    opened = await asyncio.gather(*(c.open(server.ws_url) for c in clients), return_exceptions=True)
    failed = sum(isinstance(o, BaseException) for o in opened)
    ready = [c for c, o in zip(clients, opened, strict=True) if not isinstance(o, BaseException)]

    def advance() -> None:
        progress.advance(task)

    cpu_before, client_before = tree_cpu_s(server.pid), time.process_time()
    start = time.perf_counter()
    talked = await asyncio.gather(
        *(c.talk(server.ws_url, timings, plan, advance) for c in ready), return_exceptions=True
    )
    timings.wall_s = time.perf_counter() - start
    timings.server_cpu_s = tree_cpu_s(server.pid) - cpu_before
    timings.client_cpu_s = time.process_time() - client_before
    failed += sum(isinstance(t, BaseException) for t in talked)
    await asyncio.gather(*(c.ws.close() for c in ready if c.ws), return_exceptions=True)
    return timings, failed


# --------------------------------------------------------------------------- the servers


def workers_env(data_dir: Path, url: str) -> dict[str, str]:
    """The bench's environment (offline model, limits that never refuse) on PostgreSQL."""
    env = bench_env(data_dir)
    env.update(
        {
            "SHOPAGENT_DATASET": "tau-retail",
            "SHOPAGENT_STORE_BACKEND": "postgres",
            "SHOPAGENT_CHECKPOINTER_BACKEND": "postgres",
            "SHOPAGENT_SESSIONS_BACKEND": "postgres",
            "SHOPAGENT_DATABASE_URL": url,
            # One consumer of the embedded event stream: the workers only publish to it.
            "SHOPAGENT_EVENTS_PROCESS_IN_SERVER": "false",
        }
    )
    return env


def wait_all_workers(server: Server, plan: WorkersPlan) -> None:
    """After /readyz: wait until the whole process tree is idle, so every worker has built its
    runtime (one worker answering is not all of them)."""
    deadline = time.monotonic() + plan.ready_timeout_s
    while time.monotonic() < deadline:
        before = tree_cpu_s(server.pid)
        time.sleep(1.0)
        if tree_cpu_s(server.pid) - before < plan.idle_cpu_share:
            return
    raise UpstreamError(f"the workers were still busy starting after {plan.ready_timeout_s:.0f} s")


def _load(env: dict[str, str], scratch: Path, timeout_s: float) -> None:
    args = [sys.executable, "-c", CLI, "load", "tau-retail"]
    with started("load", args, env, scratch) as loader:
        code = loader.process.wait(timeout=timeout_s)
        if code != 0:
            raise UpstreamError(f"`shopagent load` exited with {code}\n{log_tail(loader.log_path)}")


def run_configuration(
    workers: int,
    index: int,
    pg: LocalPostgres,
    data_dir: Path,
    scratch: Path,
    tokens: dict[str, str],
    intended: dict[str, str],
    plan: WorkersPlan,
    console: Console,
) -> Configuration:
    """Serve a fresh copy of the template with ``workers`` processes and drive the load."""
    result = Configuration(workers)
    before = os.getloadavg()[0]
    url = _create(pg, f"bench_{index}_w{workers}", TEMPLATE)
    env = workers_env(data_dir, url)
    port = free_port()
    args = [sys.executable, "-c", CLI, "serve", "--host", "127.0.0.1", "--port", str(port)]
    args += ["--workers", str(workers)]
    with started(f"serve-{index}-w{workers}", args, env, scratch, port) as s:
        with console.status(f"starting {workers} worker(s)…"):
            began = time.perf_counter()
            s.wait_ready("/readyz", plan.ready_timeout_s)
            wait_all_workers(s, plan)
            result.startup_s = time.perf_counter() - began
        writers = list(intended)
        clients = [
            Client(
                i,
                {"Authorization": f"Bearer {tokens[intended[writers[i]]]}"},
                writers[i],
            )
            if i < len(writers)
            else Client(i)
            for i in range(plan.sockets)
        ]
        with progress_bars(console) as progress:

            async def rounds() -> None:
                warm = [Client(plan.sockets + i) for i in range(plan.warmup_sockets)]
                await drive(s, warm, plan, progress, f"{workers} worker(s): warm-up")
                label = f"{workers} worker(s): {plan.sockets} sockets"
                result.timings, result.failed_sockets = await drive(
                    s, clients, plan, progress, label
                )

            asyncio.run(rounds())
        result.outcomes = [c.outcome for c in clients if c.order_id is not None]
    result.load_average = (round(before, 2), round(os.getloadavg()[0], 2))
    result.check = check_store(pg.admin_url(TEMPLATE), url, intended)
    return result


def run(plan: WorkersPlan, console: Console) -> list[Configuration]:
    """Start PostgreSQL, load the template, and measure one worker and ``plan.workers`` in
    turn, ``plan.repeats`` times (alternating which goes first, so a drift in the machine's
    other load weighs on both alike)."""
    if plan.writers > plan.sockets:
        raise UpstreamError(f"{plan.writers} writers do not fit in {plan.sockets} sockets")
    with ExitStack() as stack:
        scratch = Path(
            stack.enter_context(
                tempfile.TemporaryDirectory(prefix="shopagent-workers-", ignore_cleanup_errors=True)
            )
        )
        data_dir = scratch / "data"
        with console.status("starting a scratch PostgreSQL…"):
            pg = stack.enter_context(LocalPostgres())
        template_url = _create(pg, TEMPLATE)
        with console.status("loading tau-retail into the template database…"):
            _load(workers_env(data_dir, template_url), scratch, plan.ready_timeout_s * 3)
        intended = pending_orders(template_url, plan.writers)
        identity = Identity.from_settings(Settings(data_dir=data_dir))  # the servers' own key
        tokens = {
            user: identity.issue(f"user:{user}", "shopper", 3600.0) for user in intended.values()
        }
        order: list[int] = []
        for repeat in range(plan.repeats):
            pair = [1, plan.workers]
            order += pair if repeat % 2 == 0 else pair[::-1]
        return [
            run_configuration(n, i, pg, data_dir, scratch, tokens, intended, plan, console)
            for i, n in enumerate(order)
        ]


# --------------------------------------------------------------------------- reporting


def machine() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "cpu_affinity": len(psutil.Process().cpu_affinity() or []),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def pooled(configs: list[Configuration]) -> Load:
    """The runs of one configuration as one: every turn's latency, the walls and errors summed."""
    total = Load(server_cpu_s=0.0)
    for c in configs:
        total.server_cpu_s += c.timings.server_cpu_s
        total.client_cpu_s += c.timings.client_cpu_s
        total.latencies += c.timings.latencies
        total.wall_s += c.timings.wall_s
        total.errors += c.timings.errors + c.failed_sockets
        total.frames += c.timings.frames
        total.bytes_in += c.timings.bytes_in
        total.codes.update(c.timings.codes)
    return total


def report(configs: list[Configuration], plan: WorkersPlan) -> dict[str, Any]:
    by_workers = {n: [c for c in configs if c.workers == n] for n in (1, plan.workers)}
    totals = {n: pooled(runs) for n, runs in by_workers.items()}
    ratio = totals[plan.workers].throughput / totals[1].throughput
    return {
        "plan": asdict(plan),
        "machine": machine(),
        "runs": [c.summary() for c in configs],
        "pooled": {
            str(n): {"workers": n, **t.summary(), **t.cpu_summary()} for n, t in totals.items()
        },
        "throughput_ratio": finite(ratio),
        "errors": sum(t.errors for t in totals.values()),
        "writes_clean": all(c.check.clean for c in configs),
    }


def print_report(doc: dict[str, Any], console: Console) -> None:
    for c in doc["runs"]:
        w = c["writes"]
        codes = c["error_codes"] or ""
        before, after = c["load_average_1m_before_after"]
        console.print(
            f"{c['workers']} worker(s): {c['count']} turns in {c['wall_s']:.1f} s = "
            f"{c['throughput_per_s']} turns/s, p95 {c['p95_ms']} ms, error frames "
            f"{c['errors']} {codes}, failed sockets {c['failed_sockets']} (load average "
            f"{before} → {after})"
        )
        console.print(
            f"  cancellations: {w['applied_once']}/{w['intended']} applied once, "
            f"lost {len(w['lost'])}, duplicated {len(w['duplicated'])}, "
            f"other orders changed {len(w['other_orders_changed'])}, "
            f"users wrong {len(w['users_wrong'])}, second yes applied {w['repeat_yes_applied']}"
        )
    for t in doc["pooled"].values():
        console.print(
            f"pooled, {t['workers']} worker(s): {t['count']} turns, {t['throughput_per_s']} "
            f"turns/s, p50 {t['p50_ms']} ms, p95 {t['p95_ms']} ms, errors {t['errors']}; CPU "
            f"per turn: server {t['server_cpu_ms_per_turn']} ms, load generator "
            f"{t['client_cpu_ms_per_turn']} ms"
        )
    m = doc["machine"]
    console.print(
        f"turns per second, {doc['plan']['workers']} workers vs 1: "
        f"{doc['throughput_ratio']}× — on {m['cores']} cores shared by the workers, PostgreSQL "
        "and the load generator (and, here, by other jobs: see the load averages): a second "
        "worker can at best use the core the first leaves to the others"
    )


def run_workers_bench_cli(
    out: Path | None, console: Console, plan: WorkersPlan | None = None
) -> bool:
    """Run, print, write JSON to ``out``; True when there were no errors and the store is
    exactly as intended."""
    from evals.bench import sigterm_exits

    plan = plan or WorkersPlan()
    with sigterm_exits():
        configs = run(plan, console)
    doc = report(configs, plan)
    print_report(doc, console)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(doc, indent=2) + "\n")
        console.print(f"wrote {out}")
    return doc["errors"] == 0 and bool(doc["writes_clean"])
