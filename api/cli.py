"""The ``shopagent`` command line: serve, chat, load, eval, bench."""

from __future__ import annotations

import asyncio
import sys
import uuid
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from infra.errors import ShopagentError
from infra.settings import Dataset, get_settings

app = typer.Typer(help="shopagent: an AI shopping assistant.", no_args_is_help=True)
eval_app = typer.Typer(help="Evaluation harnesses.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
console = Console(stderr=True)


def _fail(err: Exception) -> typer.Exit:
    console.print(f"[red]error:[/red] {err}")
    return typer.Exit(code=2)


@app.command()
def load(
    dataset: Annotated[Dataset, typer.Argument(help="online-retail or tau-retail")],
    source: Annotated[
        Path | None, typer.Option(help="Folder with the source files (default: shipped copy)")
    ] = None,
) -> None:
    """Load a demo store into the data directory, replacing what is there."""
    from api.progress import progress_bar
    from tools.catalog.load import load_dataset
    from tools.catalog.sqlite import SqliteStore

    settings = get_settings()
    store = SqliteStore(settings.store_path)
    try:
        with progress_bar() as progress:
            info = load_dataset(dataset, store, source_dir=source, progress=progress)
    except ShopagentError as err:
        raise _fail(err) from err
    finally:
        store.close()
    console.print(
        f"loaded {info.dataset}: {info.products:,} products, {info.users:,} users, "
        f"{info.orders:,} orders into {settings.store_path}"
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
) -> None:
    """Serve the web chat, the WebSocket and the REST API (loads the demo store if needed)."""
    import uvicorn

    from api.main import create_app
    from api.progress import progress_bar
    from api.runtime import ensure_store

    settings = get_settings()
    try:
        with progress_bar() as progress:
            ensure_store(settings, progress)
    except ShopagentError as err:
        raise _fail(err) from err
    host, port = host or settings.host, port or settings.port
    console.print(f"shopagent: chat at http://{host}:{port}/  (API docs at /docs)")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning", ws_max_size=2**20)


@app.command()
def chat(
    session: Annotated[str | None, typer.Option(help="Resume this session id")] = None,
    show_tools: Annotated[bool, typer.Option(help="Print tool calls")] = True,
) -> None:
    """Chat with the assistant in the terminal (same graph as the web chat)."""
    from api.progress import progress_bar
    from api.runtime import ensure_store, open_runtime
    from graphs.turns import stream_turn

    settings = get_settings()
    with progress_bar() as progress:
        ensure_store(settings, progress)
    thread = session or uuid.uuid4().hex
    out = Console()

    async def loop() -> None:
        async with open_runtime(settings) as runtime:
            out.print(
                f"[bold]shopagent[/bold] — {runtime.info.dataset} store, model {settings.model}, "
                f"session {thread}. Empty line or Ctrl-D to quit."
            )
            while True:
                try:
                    text = await asyncio.to_thread(input, "you> ")
                except EOFError:
                    return
                if not text.strip():
                    return
                async for frame in stream_turn(runtime.graph, thread, text):
                    if frame["type"] == "tool_call" and show_tools:
                        out.print(f"  [dim]→ {frame['name']}({frame['args']})[/dim]")
                    elif frame["type"] == "message":
                        out.print(f"[bold cyan]assistant>[/bold cyan] {frame['text']}\n")

    try:
        asyncio.run(loop())
    except ShopagentError as err:
        raise _fail(err) from err
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
        raise _fail(err) from err


@app.command()
def bench(
    out: Annotated[Path | None, typer.Option(help="Also write the figures as JSON here")] = None,
) -> None:
    """Benchmark chat turns and search over the WebSocket against a bare echo server."""
    from evals.bench import run_bench_cli

    run_bench_cli(out, console)
