"""``shopagent events …`` (replay, process, glue) and ``shopagent query "SQL"``."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.table import Table

from api.progress import progress_bar
from api.terminal import console, fail
from infra.errors import ShopagentError
from infra.settings import get_settings

# Heavy modules (boto3, pyarrow, Spark) are imported inside the commands that need them.
events_app = typer.Typer(help="Behaviour events: replay history, process, run the Glue jobs.")


@events_app.command("replay")
def replay(
    dataset: Annotated[Literal["online-retail"], typer.Argument(help="online-retail")],
    source: Annotated[
        Path | None, typer.Option(help="Folder with online_retail.parquet (default: shipped copy)")
    ] = None,
    speedup: Annotated[
        float | None,
        typer.Option(
            help="Keep the events' spacing in time, this many times faster (86400: a "
            "day a second); default: as fast as the stream takes them"
        ),
    ] = None,
    process: Annotated[
        bool, typer.Option(help="Then process the stream into profiles and the lake")
    ] = True,
) -> None:
    """Stream the demo store's year of invoices as purchase and cancel events."""
    from assembly.events import drain, open_pipeline
    from tools.behaviour.replay import online_retail_history
    from tools.behaviour.replay import replay as send_history
    from tools.catalog.load import DATA_DIR

    settings = get_settings()
    try:
        history = online_retail_history(source or DATA_DIR / dataset)
        with progress_bar() as progress, open_pipeline(settings, process=process) as pipeline:
            sent = send_history(history, pipeline.producer, speedup=speedup, progress=progress)
            console.print(
                f"replayed {sent:,} events ({history.purchases:,} purchases, "
                f"{history.cancels:,} cancellations) into the {pipeline.producer.name} stream"
            )
            if process:
                drain(pipeline, progress)
    except ShopagentError as err:
        raise fail(err) from err


@events_app.command("process")
def process(
    follow: Annotated[bool, typer.Option(help="Keep processing new events until Ctrl-C")] = False,
) -> None:
    """Process the stream into profiles and the lake (until it has nothing new, or forever)."""
    from assembly.events import drain, open_pipeline, run_in_threads
    from infra.tracing import configure_tracing

    settings = get_settings()
    try:
        configure_tracing(settings)  # its batches continue the publishing turns' traces
        with open_pipeline(settings, process=True) as pipeline:
            if follow:
                with run_in_threads(pipeline):
                    console.print("processing events; Ctrl-C to stop")
                    with contextlib.suppress(KeyboardInterrupt):
                        threading.Event().wait()
            else:
                with progress_bar() as progress:
                    drain(pipeline, progress)
            for p in pipeline.processors:
                console.print(f"{p.consumer}: {vars(p.stats)}")
    except ShopagentError as err:
        raise fail(err) from err


@events_app.command("glue")
def glue(
    job: Annotated[
        list[str] | None,
        typer.Option(help="sessionize, interactions or daily_demand (default: all three)"),
    ] = None,
) -> None:
    """Run the Glue PySpark jobs over the local lake with a local Spark."""
    from infra.glue.jobs import JOBS
    from infra.glue.local import run_jobs

    settings = get_settings()
    try:
        with progress_bar() as progress:
            rows = run_jobs(settings.lake, job or list(JOBS), progress)
    except ShopagentError as err:
        raise fail(err) from err
    for name, count in rows.items():
        console.print(f"{name}: {count:,} rows")


def query(
    sql: Annotated[
        str, typer.Argument(help="SQL over events, sessions, interactions, daily_demand")
    ],
    limit: Annotated[int, typer.Option(help="Print at most this many rows")] = 50,
) -> None:
    """Run Athena-style SQL over the data lake (DuckDB)."""
    from infra.events.backends import open_lake

    try:
        result = open_lake(get_settings()).query(sql)
    except ShopagentError as err:
        raise fail(err) from err
    table = Table(*result.column_names)
    for row in result.slice(0, limit).to_pylist():
        table.add_row(*("" if v is None else str(v) for v in row.values()))
    Console().print(table)
    if result.num_rows > limit:
        console.print(f"({result.num_rows:,} rows, {limit} shown)")
