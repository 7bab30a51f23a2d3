"""``shopagent bench``: chat-turn, search and memory figures of the real server, beside baselines.

On a scratch data directory the bench loads the demo store (``shopagent load online-retail``,
its own process, so its memory peak is measured apart), then starts the real server
(``shopagent serve``) and a bare WebSocket echo server (``evals.echo_server``), and drives both
with the same client code:

- chat turns over ``WS /v1/chat`` with the offline model: one session in one long conversation,
  one session in 20-turn conversations, and many sessions at once. The echo server under the
  same load is the baseline; on a shared, noisy machine the ratio of two figures measured in
  the same run says more than either figure alone;
- ``POST /v1/tools/search_products`` over keep-alive HTTP beside ``GET /healthz``, and the
  embedded search backend called in-process on the same store;
- the server's resident memory (its whole process tree), sampled every 50 ms until it stops.

It prints a table with the targets and writes every figure as JSON when asked. Both servers are
stopped on every exit path (terminate, then kill).
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console, Group
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from evals.chat_load import (
    CHAT_SCRIPT,
    SEARCH_CASES,
    Plan,
    Timings,
    finite,
    healthz_request,
    http_load,
    inprocess_search,
    many_sessions,
    one_session,
    search_request,
)
from evals.processes import (
    MB,
    ROOT,
    RssSampler,
    free_port,
    log_tail,
    settle_rss,
    started,
)
from evals.stats import percentile
from infra.errors import UpstreamError

CLI = "from api.cli import app; app()"

TARGET_CHAT_P95_MS = 50.0
TARGET_SEARCH_P95_MS = 10.0
TARGET_PEAK_RSS_MB = 500.0


# --------------------------------------------------------------------------- processes


def bench_env(data_dir: Path) -> dict[str, str]:
    """The subprocess environment: embedded backends and the offline model on ``data_dir``."""
    env = dict(os.environ)
    # Explicit values win over a developer's `.env`, so the bench always measures the defaults.
    env.update(
        {
            "SHOPAGENT_DATA_DIR": str(data_dir),
            "SHOPAGENT_DATASET": "online-retail",
            "SHOPAGENT_MODEL": "offline",
            "SHOPAGENT_STORE_BACKEND": "sqlite",
            "SHOPAGENT_SEARCH_BACKEND": "embedded",
            "SHOPAGENT_CHECKPOINTER_BACKEND": "sqlite",
            "SHOPAGENT_CACHE_BACKEND": "memory",
            # One load generator on one address plays every client: the limiter still runs on
            # each request (its cost is measured) but with buckets too deep to ever refuse, and
            # the per-client socket cap is above any phase's sockets.
            "SHOPAGENT_MAX_SOCKETS_PER_CLIENT": "100000",
            **{
                f"SHOPAGENT_RATE_LIMIT_{kind}_{part}": "1000000"
                for kind in ("REST", "CHAT", "EVENTS", "SESSION")
                for part in ("PER_S", "BURST")
            },
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        }
    )
    return env


def load_args() -> list[str]:
    return [sys.executable, "-c", CLI, "load", "online-retail"]


def serve_args(port: int) -> list[str]:
    return [sys.executable, "-c", CLI, "serve", "--host", "127.0.0.1", "--port", str(port)]


def echo_args(port: int) -> list[str]:
    # The uvicorn settings `shopagent serve` runs with (event loop, WebSocket implementation,
    # frame size limit, no per-message compression), so only the application differs.
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "evals.echo_server:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--ws-max-size",
        str(2**20),
        "--ws-per-message-deflate",
        "false",
    ]


def load_store(env: dict[str, str], log_dir: Path, plan: Plan) -> tuple[float, int]:
    """Run ``shopagent load online-retail``: (seconds, peak RSS bytes)."""
    with started("load", load_args(), env, log_dir) as loader:
        sampler = RssSampler(loader.pid, plan.rss_interval_s, phase="load")
        start = time.perf_counter()
        try:
            code = loader.process.wait(timeout=plan.ready_timeout_s)
        except subprocess.TimeoutExpired as err:
            raise UpstreamError(
                f"loading the demo store took over {plan.ready_timeout_s:.0f} s\n"
                f"{log_tail(loader.log_path)}"
            ) from err
        finally:
            sampler.stop()
        if code != 0:
            raise UpstreamError(
                f"`shopagent load` exited with code {code}\n{log_tail(loader.log_path)}"
            )
        return time.perf_counter() - start, sampler.peak()[0]


# --------------------------------------------------------------------------- the run


@dataclass
class Results:
    """Everything one run measured (bytes, seconds, and the phases' timings)."""

    load_s: float = math.nan
    load_peak_rss: int = 0
    startup_s: float = math.nan
    echo_startup_s: float = math.nan
    idle_rss: int = 0
    echo_idle_rss: int = 0
    peak_rss: int = 0
    peak_phase: str = ""
    rss_peaks: dict[str, int] = field(default_factory=dict)
    rss_samples: int = 0
    chat_long: Timings = field(default_factory=Timings)
    chat_short: Timings = field(default_factory=Timings)
    echo_single: Timings = field(default_factory=Timings)
    chat_many: Timings = field(default_factory=Timings)
    echo_many: Timings = field(default_factory=Timings)
    search_http: Timings = field(default_factory=Timings)
    healthz_http: Timings = field(default_factory=Timings)
    search_inproc: Timings = field(default_factory=Timings)
    index_build_s: float = math.nan
    total_s: float = math.nan
    notes: list[str] = field(default_factory=list)

    def check_complete(self, label: str, timings: Timings, planned: int, plan: Plan) -> None:
        """Note a phase that stopped at its time budget before its planned count."""
        if len(timings.latencies) < planned:
            self.notes.append(
                f"{label} stopped at its {plan.phase_budget_s:.0f} s budget after "
                f"{len(timings.latencies)} of {planned} timed operations"
            )


def progress_bars(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def run_bench(plan: Plan, console: Console) -> Results:
    """Load the store, start both servers, run every phase, stop the servers."""
    r = Results()
    began = time.perf_counter()
    with ExitStack() as stack:
        scratch = Path(
            stack.enter_context(
                tempfile.TemporaryDirectory(prefix="shopagent-bench-", ignore_cleanup_errors=True)
            )
        )
        data_dir = scratch / "data"
        env = bench_env(data_dir)
        with console.status("loading the demo store into a scratch data directory…"):
            r.load_s, r.load_peak_rss = load_store(env, scratch, plan)
        console.print(f"store loaded in {r.load_s:.1f} s (peak RSS {r.load_peak_rss / MB:.0f} MB)")

        # Entered after the scratch directory, so the servers stop before it is removed.
        port, echo_port = free_port(), free_port()
        server = stack.enter_context(started("shopagent", serve_args(port), env, scratch, port))
        sampler = RssSampler(server.pid, plan.rss_interval_s)
        stack.callback(sampler.stop)
        echo = stack.enter_context(started("echo", echo_args(echo_port), env, scratch, echo_port))
        with console.status("starting the server and the echo server…"):
            r.startup_s = server.wait_ready("/readyz", plan.ready_timeout_s)
            r.echo_startup_s = echo.wait_ready("/healthz", plan.ready_timeout_s)
            sampler.phase = "idle"
            r.idle_rss = settle_rss(server.pid, 1.0)
            r.echo_idle_rss = settle_rss(echo.pid, 0.0)
        console.print(
            f"servers ready: shopagent in {r.startup_s:.1f} s (idle RSS {r.idle_rss / MB:.0f} MB)"
            f", echo in {r.echo_startup_s:.1f} s"
        )

        with progress_bars(console) as progress:
            long_label = f"chat, 1 session, {plan.warmup_turns + plan.single_turns} turns"
            short_label = f"chat, 1 session, {plan.short_conversation}-turn convs"
            many_label = f"{plan.sessions} sessions × {plan.turns_per_session} turns"

            async def sockets() -> None:
                sampler.phase = long_label
                r.chat_long = await one_session(
                    server, plan, progress, long_label, plan.warmup_turns
                )
                sampler.phase = short_label
                r.chat_short = await one_session(
                    server, plan, progress, short_label, 0, plan.short_conversation
                )
                sampler.phase = "idle (echo measured)"
                r.echo_single = await one_session(
                    echo, plan, progress, "echo, 1 session", plan.warmup_turns
                )
                sampler.phase = "chat, " + many_label
                r.chat_many = await many_sessions(server, plan, progress, "chat, " + many_label)
                sampler.phase = "idle (echo measured)"
                r.echo_many = await many_sessions(echo, plan, progress, "echo, " + many_label)

            asyncio.run(sockets())
            sampler.phase = "search over HTTP"
            r.search_http = http_load(
                server, plan, progress, "search_products over HTTP", search_request
            )
            r.healthz_http = http_load(server, plan, progress, "GET /healthz", healthz_request)
            sampler.phase = "idle (search measured in-process)"
            r.search_inproc, r.index_build_s = inprocess_search(data_dir, plan, progress)
        sampler.sample()
        for label, timings, planned in (
            (long_label, r.chat_long, plan.single_turns),
            (short_label, r.chat_short, plan.single_turns),
            ("chat, " + many_label, r.chat_many, plan.sessions * plan.turns_per_session),
            ("search over HTTP", r.search_http, plan.http_requests),
        ):
            r.check_complete(label, timings, planned, plan)
        r.peak_rss, r.peak_phase = sampler.peak()
        r.rss_peaks, r.rss_samples = dict(sampler.peaks), sampler.samples
    r.total_s = time.perf_counter() - began
    return r


# --------------------------------------------------------------------------- reporting


@dataclass(frozen=True)
class Row:
    """One line of the table: a figure, its baseline from the same run, and its target."""

    section: str
    figure: str
    value: float
    unit: str
    baseline: float = math.nan
    target: float | None = None

    @property
    def ratio(self) -> float:
        if math.isnan(self.value) or math.isnan(self.baseline) or self.baseline <= 0:
            return math.nan
        return self.value / self.baseline

    @property
    def passed(self) -> bool | None:
        if self.target is None or math.isnan(self.value):
            return None
        return self.value < self.target

    def as_json(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "figure": self.figure,
            "value": finite(self.value),
            "unit": self.unit,
            "baseline": finite(self.baseline),
            "ratio": finite(self.ratio),
            "target_below": self.target,
            "pass": self.passed,
        }


def chat_rows(section: str, chat: Timings, echo: Timings, target: float | None) -> list[Row]:
    """Latency percentiles, throughput and server CPU of one chat load beside the echo's."""
    return [
        *(
            Row(section, f"turn p{q}", chat.ms(q), "ms", echo.ms(q), target if q == 95 else None)
            for q in (50, 95, 99)
        ),
        Row(section, "turns per second", chat.throughput, "/s", echo.throughput),
        Row(section, "server CPU per turn", chat.cpu_ms_per_op, "ms", echo.cpu_ms_per_op),
    ]


def rows(r: Results, plan: Plan) -> list[Row]:
    """Every figure in reading order; each section says what its baseline column holds."""
    turns = plan.warmup_turns + plan.single_turns
    window = plan.growth_window
    long = f"Chat, 1 session: one {turns}-turn conversation. Baseline: echo server"
    out = chat_rows(long, r.chat_long, r.echo_single, TARGET_CHAT_P95_MS)
    # How much a turn slows as the conversation grows: the last turns against the first.
    early, late = r.chat_long.latencies[:window], r.chat_long.latencies[-window:]
    out.append(
        Row(
            long,
            f"p50, last {window} turns vs first {window}",
            percentile(late, 50) * 1000,
            "ms",
            percentile(early, 50) * 1000,
        )
    )
    short = f"Chat, 1 session: {plan.short_conversation}-turn conversations. Baseline: echo server"
    out += chat_rows(short, r.chat_short, r.echo_single, TARGET_CHAT_P95_MS)
    many = (
        f"Chat, {plan.sessions} sessions at once, {plan.turns_per_session} turns each. "
        "Baseline: echo server"
    )
    out += chat_rows(many, r.chat_many, r.echo_many, None)
    search = "search_products. Baseline: GET /healthz on the same keep-alive connection"
    for q in (50, 95):
        target = TARGET_SEARCH_P95_MS if q == 95 else None
        out.append(
            Row(search, f"over HTTP p{q}", r.search_http.ms(q), "ms", r.healthz_http.ms(q), target)
        )
    for q in (50, 95):
        target = TARGET_SEARCH_P95_MS if q == 95 else None
        out.append(Row(search, f"in-process p{q}", r.search_inproc.ms(q), "ms", target=target))
    out.append(Row(search, "in-process index build", r.index_build_s * 1000, "ms"))
    memory = "Memory and startup. Baseline: echo server"
    out += [
        Row(memory, "store load, peak RSS", r.load_peak_rss / MB, "MB"),
        Row(memory, "store load, time", r.load_s, "s"),
        Row(memory, "server idle RSS", r.idle_rss / MB, "MB", r.echo_idle_rss / MB),
        Row(
            memory,
            "server peak RSS",
            r.peak_rss / MB,
            "MB",
            r.echo_idle_rss / MB,
            TARGET_PEAK_RSS_MB,
        ),
        Row(memory, "server start to ready", r.startup_s, "s", r.echo_startup_s),
    ]
    return out


def machine() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def _num(value: float, unit: str) -> str:
    if math.isnan(value):
        return "—"
    digits = 2 if abs(value) < 10 else 1 if abs(value) < 1000 else 0
    return f"{value:,.{digits}f} {unit}"


def _times(ratio: float) -> str:
    if math.isnan(ratio):
        return ""
    if ratio >= 100:
        return f"{ratio:,.0f}×"
    return f"{ratio:.3g}×" if ratio >= 1 else f"{ratio:.2g}×"


# (header, width): the same in every section's table, so the columns line up in 80 columns.
COLUMNS: tuple[tuple[str, int], ...] = (
    ("figure", 30),
    ("shopagent", 9),
    ("baseline", 9),
    ("ratio", 7),
    ("target", 8),
    ("", 4),
)


def render(r: Results, table_rows: list[Row]) -> Group:
    """One small table per section, with the same columns, then the machine."""
    tables: list[Table] = []
    for row in table_rows:
        if not tables or tables[-1].title != row.section:
            table = Table(
                title=row.section,
                title_justify="left",
                box=box.SIMPLE_HEAD,
                show_edge=False,
                padding=(0, 1, 0, 0),
            )
            for name, width in COLUMNS:
                numeric = name != "figure"
                table.add_column(
                    name, width=width, no_wrap=numeric, justify="right" if numeric else "left"
                )
            tables.append(table)
        verdict = {True: "[green]pass[/green]", False: "[red]miss[/red]", None: ""}[row.passed]
        tables[-1].add_row(
            row.figure,
            _num(row.value, row.unit),
            "" if math.isnan(row.baseline) else _num(row.baseline, row.unit),
            _times(row.ratio),
            "" if row.target is None else f"< {row.target:g} {row.unit}",
            verdict,
        )
    info = machine()
    footer = (
        f"{info['cores']} cores shared by the bench client, the server and the echo server; "
        f"load average {info['load_average_1m']} at the end; Python {info['python']}; "
        f"{info['platform']}. Server peak RSS was during: "
        f"{r.peak_phase}. The run took {r.total_s:.0f} s."
    )
    notes = [f"[yellow]note:[/yellow] {note}" for note in r.notes]
    spaced = [part for table in tables for part in (table, "")]
    return Group(*spaced, footer, *notes)


def report(r: Results, plan: Plan, table_rows: list[Row]) -> dict[str, Any]:
    """The JSON document ``--out`` writes."""
    return {
        "machine": machine(),
        "plan": asdict(plan),
        "total_s": round(r.total_s, 2),
        "notes": r.notes,
        "rows": [row.as_json() for row in table_rows],
        "chat": {
            "one_long_conversation": r.chat_long.summary(),
            "short_conversations": r.chat_short.summary(),
            "concurrent_sessions": r.chat_many.summary(),
        },
        "echo": {
            "single_session": r.echo_single.summary(),
            "concurrent_sessions": r.echo_many.summary(),
        },
        "search": {
            "http": r.search_http.summary(),
            "healthz_http": r.healthz_http.summary(),
            "in_process": r.search_inproc.summary(),
            "index_build_s": finite(r.index_build_s),
            "cases": list(SEARCH_CASES),
        },
        "memory": {
            "store_load_peak_rss_mb": round(r.load_peak_rss / MB, 1),
            "server_idle_rss_mb": round(r.idle_rss / MB, 1),
            "server_peak_rss_mb": round(r.peak_rss / MB, 1),
            "server_peak_phase": r.peak_phase,
            "server_peak_rss_mb_by_phase": {k: round(v / MB, 1) for k, v in r.rss_peaks.items()},
            "echo_idle_rss_mb": round(r.echo_idle_rss / MB, 1),
            "samples": r.rss_samples,
        },
        "startup": {
            "store_load_s": finite(r.load_s),
            "server_ready_s": finite(r.startup_s),
            "echo_ready_s": finite(r.echo_startup_s),
        },
        "chat_script": list(CHAT_SCRIPT),
    }


@contextmanager
def sigterm_exits() -> Iterator[None]:
    """Turn SIGTERM into ``SystemExit`` so the servers are stopped on the way out."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def leave(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, leave)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_bench_cli(out: Path | None, console: Console, plan: Plan | None = None) -> None:
    """Run the bench, print the table, and write the JSON report to ``out`` when given."""
    plan = plan or Plan()
    with sigterm_exits():
        results = run_bench(plan, console)
    table_rows = rows(results, plan)
    console.print(render(results, table_rows))
    errors = results.chat_long.errors + results.chat_short.errors + results.chat_many.errors
    if errors:
        console.print(
            f"[yellow]warning:[/yellow] {errors} chat turns ended with an error frame; "
            "they are counted in the latencies"
        )
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report(results, plan, table_rows), indent=2) + "\n")
        console.print(f"wrote {out}")


if __name__ == "__main__":
    run_bench_cli(Path(sys.argv[1]) if len(sys.argv) > 1 else None, Console(stderr=True))
