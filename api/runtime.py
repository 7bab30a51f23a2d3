"""One running assistant: backends, tools, chat model and compiled chat graph, from settings."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, closing
from dataclasses import dataclass
from typing import Any

from langgraph.graph.state import CompiledStateGraph

from agents.models import OFFLINE, chat_model
from agents.offline.planner import OfflinePlanner
from agents.prompts import CUSTOMER_SERVICE_PROMPT, SHOPPING_SYSTEM_PROMPT
from api.pipeline import EventPipeline, open_pipeline, run_in_threads
from graphs.chat import build_graph
from graphs.content import ContentGraph
from graphs.explain import ExplainGraph
from graphs.orders import CustomerService
from infra.conversations import open_checkpointer
from infra.errors import ConfigError
from infra.identity import Identity
from infra.ratelimit import RateLimiter
from infra.sessions import SessionRegistry, SqliteSessions
from infra.settings import Settings
from tools.catalog.load import load_dataset
from tools.catalog.store import Store
from tools.models import StoreInfo
from tools.recommend.activity import ProfileActivity
from tools.recommend.backend import ensure_recommender
from tools.registry import tool_specs
from tools.services import Services
from tools.spec import ToolSpec

Progress = Callable[[str, int, int], None]


@dataclass
class Runtime:
    settings: Settings
    services: Services
    specs: dict[str, ToolSpec[Any, Any]]
    graph: CompiledStateGraph[Any, Any, Any, Any]
    info: StoreInfo
    events: EventPipeline
    limiter: RateLimiter
    identity: Identity
    sessions: SessionRegistry


def ensure_store(settings: Settings, progress: Progress | None = None) -> None:
    """Load the configured demo store into the data directory when it holds none yet."""
    from tools.catalog.sqlite import SqliteStore

    if settings.store_backend != "sqlite":
        return
    store = SqliteStore(settings.store_path)
    try:
        if store.info() is None:
            load_dataset(settings.dataset, store, progress=progress)
        ensure_models(settings, store, progress)
    finally:
        store.close()


def ensure_models(settings: Settings, store: Store, progress: Progress | None = None) -> None:
    """Train the local recommender when it is missing or was trained on another load.

    ``shopagent load`` trains it right after loading, so a server starts from a trained model
    (and training's memory peak is not the server's).
    """
    if settings.recommender_backend == "local":
        profiles = settings.events_dir / "profiles.sqlite"
        ensure_recommender(store, settings.recommender_dir, progress, profiles)


@asynccontextmanager
async def open_runtime(settings: Settings, process_events: bool = False) -> AsyncIterator[Runtime]:
    """Open backends, build the chat graph with an encrypted SQLite checkpointer, close all
    on exit.

    With ``process_events`` the event processors (profiles, lake) run in background threads.
    """
    if settings.checkpointer_backend != "sqlite":
        raise ConfigError(
            f"checkpointer backend {settings.checkpointer_backend!r} is not available yet"
        )
    services = Services.from_settings(settings)
    try:
        info = services.store.info()
        if info is None:
            raise ConfigError(
                f"the store in {settings.data_dir} is empty: run `shopagent load online-retail`"
            )
        products = list(services.store.iter_products())

        def offline() -> OfflinePlanner:
            return OfflinePlanner.for_store(products, info.dataset)

        model = chat_model(settings.model, settings, offline_factory=offline)
        services.author = ContentGraph.from_services(services, model)
        writer = None if settings.model == OFFLINE else model
        services.explainer = ExplainGraph(services.recommendations, writer)
        specs = tool_specs(services)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        async with open_checkpointer(settings) as saver:
            graph = build_graph(
                model,
                [spec.as_langchain_tool() for spec in specs.values()],
                saver,
                system_prompt=SHOPPING_SYSTEM_PROMPT.format(currency=info.currency)
                + CUSTOMER_SERVICE_PROMPT,
                known_product_ids=frozenset(p.id for p in products),
                max_tool_rounds=settings.max_tool_rounds,
                keep_turns=settings.chat_history_turns,
                service=CustomerService(services.store),
            )
            with (
                open_pipeline(settings, process_events) as events,
                run_in_threads(events),
                closing(SqliteSessions.from_settings(settings)) as sessions,
            ):
                services.recommendations.activity = ProfileActivity(events.profiles)
                limiter = RateLimiter(services.cache)
                yield Runtime(
                    settings,
                    services,
                    specs,
                    graph,
                    info,
                    events,
                    limiter,
                    identity=Identity.from_settings(settings),
                    sessions=sessions,
                )
    finally:
        await services.aclose()
