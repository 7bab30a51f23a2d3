"""The demo store and the local models, loaded into the data directory when it holds none."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing

from infra.settings import Settings
from tools.behaviour.profiles import existing_profiles
from tools.catalog.backend import store as open_store
from tools.catalog.load import load_dataset
from tools.catalog.store import Store
from tools.recommend.backend import ensure_recommender

Progress = Callable[[str, int, int], None]


def ensure_store(settings: Settings, progress: Progress | None = None) -> None:
    """Load the configured demo store into the store (the SQLite file in the data directory, or
    the PostgreSQL database) when it holds none yet."""
    with closing(open_store(settings)) as store:
        if store.info() is None:
            load_dataset(settings.dataset, store, progress=progress)
        ensure_models(settings, store, progress)


def ensure_models(settings: Settings, store: Store, progress: Progress | None = None) -> None:
    """Train the local recommender when it is missing or was trained on another load.

    ``shopagent load`` trains it right after loading, so a server starts from a trained model
    (and training's memory peak is not the server's).
    """
    if settings.recommender_backend == "local":
        profiles = existing_profiles(settings)
        try:
            ensure_recommender(store, settings.recommender_dir, progress, profiles)
        finally:
            if profiles is not None:
                profiles.close()
