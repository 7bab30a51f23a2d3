"""The recommender that settings choose, and training it from the store."""

from __future__ import annotations

from pathlib import Path

from infra.clients import sagemaker_runtime_client
from infra.errors import ConfigError
from infra.settings import Settings
from tools.behaviour.profiles import Profiles
from tools.catalog.loaders import Progress
from tools.catalog.store import Store
from tools.recommend.base import Recommender
from tools.recommend.history import interaction_baskets, interactions_from_baskets, store_baskets
from tools.recommend.model import MODEL_FILE, STORE_CONFIG, ItemModel
from tools.recommend.train import fit


def recommender(settings: Settings) -> Recommender:
    """``local`` (the model folder in the data directory) or ``sagemaker`` (an endpoint)."""
    if settings.recommender_backend == "sagemaker":
        from tools.recommend.sagemaker import SageMakerRecommender

        client = sagemaker_runtime_client(settings, settings.recommender_timeout_s)
        return SageMakerRecommender(client, settings.recommender_endpoint)
    from tools.recommend.local import LocalRecommender

    return LocalRecommender(ItemModel.load(settings.recommender_dir))


def store_source(store: Store) -> str:
    """What a model trained on ``store`` now would be trained on."""
    info = store.info()
    if info is None:
        raise ConfigError("the store is empty: run `shopagent load online-retail` first")
    return f"{info.dataset}@{info.loaded_at.isoformat()}"


def train_recommender(
    store: Store,
    directory: Path,
    progress: Progress | None = None,
    profiles: Profiles | None = None,
) -> ItemModel:
    """Train on the orders and events of ``store`` (and the event pipeline's interactions in
    the ``profiles`` store, when given) and save the model into ``directory``."""
    source = store_source(store)
    baskets = store_baskets(store, progress)
    if profiles is not None:
        baskets += interaction_baskets(profiles.interactions())
    model = fit(interactions_from_baskets(baskets), STORE_CONFIG, progress)
    model.source = source
    model.save(directory)
    return model


def ensure_recommender(
    store: Store,
    directory: Path,
    progress: Progress | None = None,
    profiles: Profiles | None = None,
) -> bool:
    """Train when ``directory`` holds no model, or one trained on another load of the store.

    Returns whether it trained.
    """
    if (directory / MODEL_FILE).is_file():
        try:
            if ItemModel.load(directory).source == store_source(store):
                return False
        except ConfigError:
            pass  # unreadable or of an older format: train a new one
    train_recommender(store, directory, progress, profiles)
    return True
