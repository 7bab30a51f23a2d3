"""``shopagent train recommender`` and ``shopagent eval recs``."""

from __future__ import annotations

from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from api.terminal import console, fail
from infra.errors import ShopagentError
from infra.settings import get_settings


def train_recommender() -> None:
    """Train the recommender on the store's orders and behaviour events; save it for serving."""
    from api.progress import progress_bar
    from assembly.demo_store import ensure_store
    from tools.behaviour.profiles import existing_profiles
    from tools.catalog.backend import store as open_store
    from tools.recommend.backend import train_recommender as train

    settings = get_settings()
    try:
        with progress_bar() as progress:
            ensure_store(settings, progress)
            with closing(open_store(settings)) as store:
                profiles = existing_profiles(settings)
                try:
                    model = train(store, settings.recommender_dir, progress, profiles)
                finally:
                    if profiles is not None:
                        profiles.close()
    except ShopagentError as err:
        raise fail(err) from err
    console.print(
        f"recommender trained in {model.train_seconds:.1f} s on {len(model.user_ids):,} shoppers "
        f"and {model.n_items:,} products (data to {model.data_end}) → {settings.recommender_dir}"
    )


def eval_recs(
    out: Annotated[Path, typer.Option(help="Where to write the JSON report")],
    sequences: Annotated[
        Path | None,
        typer.Option(help="'user item item …' lines in time order: leave-last-out, full ranking"),
    ] = None,
    time_split: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"], help="Train on the store before this day, test after it"
        ),
    ] = None,
) -> None:
    """Evaluate the recommender: HR and NDCG at 10 and 20 beside baselines."""
    from evals.recs import run_recs_cli

    try:
        run_recs_cli(sequences, time_split.date() if time_split else None, out, console)
    except ShopagentError as err:
        raise fail(err) from err
