"""The ``shopagent`` command line: serve, chat, load, eval, bench."""

from __future__ import annotations

import asyncio
import sys
import uuid
from contextlib import closing
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from api.auth_cli import auth_app
from api.content_cli import content_app
from api.events_cli import events_app, query
from api.forecast_cli import jobs_app, train_forecaster
from api.recs_cli import eval_recs, train_recommender
from api.terminal import console, fail
from infra.errors import ShopagentError
from infra.settings import Dataset, get_settings

app = typer.Typer(help="shopagent: an AI shopping assistant.", no_args_is_help=True)
eval_app = typer.Typer(help="Evaluation harnesses.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
app.add_typer(events_app, name="events")
app.add_typer(content_app, name="content")
app.add_typer(auth_app, name="auth")
train_app = typer.Typer(help="Train the local models.", no_args_is_help=True)
app.add_typer(train_app, name="train")
train_app.command("forecaster")(train_forecaster)
train_app.command("recommender")(train_recommender)
eval_app.command("recs")(eval_recs)
app.add_typer(jobs_app, name="jobs")
app.command()(query)


# Commands that work in scratch directories of their own and never touch the configured one.
SCRATCH_COMMANDS = frozenset({"eval", "bench"})
WORKER_HEALTHCHECK_S = 60


@app.callback()
def _private_data_dir(ctx: typer.Context) -> None:
    """shopagent: an AI shopping assistant."""
    # Every command starts here: the data directory is made (or kept) private, mode 0700.
    # click runs this before a subcommand reads its own options, so `shopagent serve --help`
    # would make the data directory (the default one, in the working directory, when none is
    # configured) only to print help: help makes nothing, and neither do scratch commands.
    if "--help" in sys.argv[1:] or ctx.invoked_subcommand in SCRATCH_COMMANDS:
        return
    from infra.data_dir import make_private

    try:
        make_private(get_settings().data_dir)
    except ShopagentError as err:
        raise fail(err) from err


@app.command()
def load(
    dataset: Annotated[Dataset, typer.Argument(help="online-retail or tau-retail")],
    source: Annotated[
        Path | None, typer.Option(help="Folder with the source files (default: shipped copy)")
    ] = None,
) -> None:
    """Load a demo store into the data directory, replacing what is there, and train on it."""
    from api.progress import progress_bar
    from assembly.demo_store import ensure_models
    from tools.catalog.backend import store as open_store
    from tools.catalog.load import load_dataset

    settings = get_settings()
    try:
        with closing(open_store(settings)) as store, progress_bar() as progress:
            info = load_dataset(dataset, store, source_dir=source, progress=progress)
            ensure_models(settings, store, progress)
    except ShopagentError as err:
        raise fail(err) from err
    console.print(
        f"loaded {info.dataset}: {info.products:,} products, {info.users:,} users, "
        f"{info.orders:,} orders into "
        + (str(settings.store_path) if settings.store_backend == "sqlite" else "PostgreSQL")
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Server processes on the one port, each with its own runtime (store pool, "
            "checkpointer, sessions, model, search index, in-memory cache)",
        ),
    ] = 1,
) -> None:
    """Serve the web chat, the WebSocket and the REST API (loads the demo store if needed).

    With ``--workers N`` the processes share what their backends share. On the embedded
    defaults (one data directory) that is the SQLite files: the store, the conversation
    checkpoints and the chat sessions and tickets (SQLite locking serialises their writes), and
    the key files. Not shared: the in-memory cache, and the rate limits unless Redis or
    PostgreSQL keeps them (``SHOPAGENT_REDIS_URL``, or a backend set to ``postgres``). The
    embedded event stream has one consumer: with N > 1 set
    ``SHOPAGENT_EVENTS_PROCESS_IN_SERVER=false`` and run ``shopagent events process --follow``
    beside the workers (on Kinesis every worker may process). Workers on several machines need
    the shared backends: ``SHOPAGENT_STORE_BACKEND``, ``SHOPAGENT_CHECKPOINTER_BACKEND`` and
    ``SHOPAGENT_SESSIONS_BACKEND`` set to ``postgres`` on one ``SHOPAGENT_DATABASE_URL``, the same
    ``SHOPAGENT_CHECKPOINT_KEY`` and ``SHOPAGENT_SESSION_SECRET`` everywhere, and tokens from an
    issuer's JWKS (the embedded signing key is one machine's).
    """
    import uvicorn

    from api.progress import progress_bar
    from api.workers import APP_FACTORY, PROTOCOL, check_workers
    from assembly.demo_store import ensure_store
    from infra.logs import logging_config
    from infra.metrics import share_across_workers

    settings = get_settings()
    try:
        check_workers(settings, workers)
        share_across_workers(settings.data_dir, workers)  # one metrics view of the workers
        with progress_bar() as progress:
            ensure_store(settings, progress)
    except ShopagentError as err:
        raise fail(err) from err
    host, port = host or settings.host, port or settings.port
    console.print(f"shopagent: chat at http://{host}:{port}/  (API docs at /docs)")
    uvicorn.run(
        # An import string and a factory: each of the worker processes builds its own app.
        APP_FACTORY,
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="warning",
        # JSON lines with request, turn and trace ids (infra.logs); uvicorn's own at WARNING.
        log_config=logging_config(),
        ws_max_size=2**20,
        # Chat frames are small JSON: compressing each costs more CPU than it saves bytes.
        ws_per_message_deflate=False,
        # uvicorn would rewrite the client address from X-Forwarded-For for peers it trusts
        # (127.0.0.1 by default): settings.trusted_proxies is the one place that decides.
        proxy_headers=False,
        timeout_keep_alive=5,
        # The supervisor kills a worker that does not answer its ping in time and starts
        # another; uvicorn's 5 s is shorter than a worker's start (imports, models) on a busy
        # 2-core machine, where every replacement was killed in turn and none ever served.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_S,
        http=PROTOCOL,
    )


@app.command()
def chat(
    session: Annotated[str | None, typer.Option(help="Resume this conversation id")] = None,
    user_id: Annotated[
        str | None,
        typer.Option(
            help="Chat as this shopper (personal picks, their own orders only); "
            "without it, as staff (customer service for any customer)"
        ),
    ] = None,
    show_tools: Annotated[bool, typer.Option(help="Print tool calls")] = True,
) -> None:
    """Chat with the assistant in the terminal (same graph as the web chat).

    This runs in-process as the local operator, not through the socket: whoever can run it on
    the data directory can already read every store, checkpoint and event there, so
    ``--user-id`` and ``--session`` grant nothing new and take no token. The operator chats as
    staff (customer service serves any customer who identifies, as an agent on the phone
    would), or, with ``--user-id``, as that signed-in shopper (their own account only).
    Remote shoppers use ``WS /v1/chat`` with a bearer token or ticket (``shopagent auth
    token``).
    """
    from api.progress import progress_bar
    from api.terminal import chat_loop, private_history
    from assembly.demo_store import ensure_store
    from assembly.runtime import open_runtime
    from graphs.turns import ChatSession

    settings = get_settings()
    with progress_bar() as progress:
        ensure_store(settings, progress)
    thread = session or uuid.uuid4().hex
    out = Console()

    async def loop() -> None:
        async with open_runtime(settings) as runtime:
            out.print(
                f"[bold]shopagent[/bold] — {runtime.info.dataset} store, model {settings.model}, "
                f"session {thread}. Ctrl-C stops an answer, Ctrl-D quits."
            )
            conversation = ChatSession.operator(runtime.graph, thread, user_id)
            await chat_loop(conversation, out, private_history(settings.data_dir), show_tools)

    try:
        asyncio.run(loop())
    except ShopagentError as err:
        raise fail(err) from err
    except KeyboardInterrupt:
        sys.exit(0)


@eval_app.command("agent")
def eval_agent(
    suite: Annotated[Path, typer.Option(help="JSONL suite, one conversation a line")],
    out: Annotated[Path, typer.Option(help="Where to write the JSON report")],
) -> None:
    """Replay a conversation suite through the agent and score it."""
    from evals.agent import run_suite_cli

    try:
        run_suite_cli(suite, out, console)
    except ShopagentError as err:
        raise fail(err) from err


@eval_app.command("orders")
def eval_orders(
    data: Annotated[Path, typer.Option(help="Folder with products.json, users.json, orders.json")],
    tasks: Annotated[
        Path, typer.Option(help="tau-bench task list (JSON) with ground-truth actions")
    ],
    out: Annotated[Path, typer.Option(help="Where to write the JSON report")],
    expected: Annotated[
        Path | None, typer.Option(help="Reference outputs to compare with (expected_*.json)")
    ] = None,
) -> None:
    """Replay each task's actions through the customer-service tools on a fresh copy of DATA."""
    from evals.orders import run_orders_cli

    try:
        conform = run_orders_cli(data, tasks, out, expected, console)
    except ShopagentError as err:
        raise fail(err) from err
    if not conform:
        raise typer.Exit(code=1)


@eval_app.command("content")
def eval_content(
    out: Annotated[Path, typer.Option(help="Where to write the JSON report")],
    sample: Annotated[int, typer.Option(help="Products drawn from the demo catalog")] = 200,
) -> None:
    """Score the content writer and the text analyzer (prepares the demo store itself)."""
    from evals.content import run_content_eval_cli

    try:
        run_content_eval_cli(out, sample, console)
    except ShopagentError as err:
        raise fail(err) from err


@eval_app.command("forecast")
def eval_forecast(
    demand: Annotated[Path, typer.Option(help="CSV or Parquet with date, sku, quantity")],
    out: Annotated[Path, typer.Option(help="Where to write the JSON report")],
    horizon: Annotated[int, typer.Option(help="Trading days held out", min=1, max=365)] = 28,
    cutoffs: Annotated[int, typer.Option(help="Cut-offs, each one horizon earlier", min=1)] = 4,
    plot: Annotated[Path | None, typer.Option(help="PNG plot (default: OUT with .png)")] = None,
) -> None:
    """RMSSE and WRMSSE of every forecasting method and the per-product pick vs seasonal naive."""
    from api.progress import progress_bar
    from evals.forecast import run_forecast_eval_cli

    try:
        with progress_bar() as progress:
            run_forecast_eval_cli(demand, horizon, out, console, cutoffs, plot, progress)
    except ShopagentError as err:
        raise fail(err) from err


@eval_app.command("search")
def eval_search(
    products: Annotated[Path, typer.Option(help="CSV: an id column and text columns")],
    judgments: Annotated[Path, typer.Option(help="CSV: query, product id, graded relevance")],
    out: Annotated[Path, typer.Option(help="Where to write the JSON report")],
    backend: Annotated[
        list[str] | None, typer.Option(help="embedded and/or opensearch (default: both)")
    ] = None,
    method: Annotated[
        list[str] | None, typer.Option(help="bm25 and/or hybrid (default: both)")
    ] = None,
    lowest_grade: Annotated[
        float | None, typer.Option(help="The grade that gains 0 (default: the lowest given)")
    ] = None,
) -> None:
    """nDCG@10, Recall@100, MRR@10 and latency of each search backend and method."""
    from api.progress import progress_bar
    from evals.search import run_search_eval_cli

    try:
        with progress_bar() as progress:
            run_search_eval_cli(
                products, judgments, out, backend or [], method or [], lowest_grade,
                get_settings(), console, progress,
            )  # fmt: skip
    except ShopagentError as err:
        raise fail(err) from err


@app.command()
def bench(
    out: Annotated[Path | None, typer.Option(help="Also write the figures as JSON here")] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Above 1: chat turns per second of this many workers against one, on a "
            "scratch PostgreSQL, with cancellations checked in the store afterwards",
        ),
    ] = 1,
    sockets: Annotated[
        int, typer.Option(min=2, help="With --workers: sockets talking at once")
    ] = 300,
) -> None:
    """Benchmark chat turns and search over the WebSocket against a bare echo server, or
    (``--workers N``) N server processes against one on PostgreSQL."""
    if workers > 1:
        from evals.workers_bench import WorkersPlan, run_workers_bench_cli

        plan = WorkersPlan(workers=workers, sockets=sockets, writers=sockets // 3)
        if not run_workers_bench_cli(out, console, plan):
            raise typer.Exit(code=1)
        return
    from evals.bench import run_bench_cli

    run_bench_cli(out, console)
