"""One running assistant: backends, tools, chat model and compiled chat graph, from settings."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.graph.state import CompiledStateGraph

from agents.models import chat_model
from agents.offline.planner import OfflinePlanner
from agents.offline.vocabulary import CatalogVocabulary
from agents.prompts import SHOPPING_SYSTEM_PROMPT
from graphs.chat import build_graph
from infra.errors import ConfigError
from infra.settings import Settings
from tools.catalog.load import load_dataset
from tools.models import StoreInfo
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


def ensure_store(settings: Settings, progress: Progress | None = None) -> None:
    """Load the configured demo store into the data directory when it holds none yet."""
    from tools.catalog.sqlite import SqliteStore

    if settings.store_backend != "sqlite":
        return
    store = SqliteStore(settings.store_path)
    try:
        if store.info() is None:
            load_dataset(settings.dataset, store, progress=progress)
    finally:
        store.close()


@asynccontextmanager
async def open_runtime(settings: Settings) -> AsyncIterator[Runtime]:
    """Open backends, build the chat graph with a SQLite checkpointer, close all on exit."""
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
        specs = tool_specs(services)

        def offline() -> OfflinePlanner:
            return OfflinePlanner(vocabulary=CatalogVocabulary.from_products(products))

        model = chat_model(settings.model, settings, offline_factory=offline)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        async with AsyncSqliteSaver.from_conn_string(str(settings.checkpoint_path)) as saver:
            graph = build_graph(
                model,
                [spec.as_langchain_tool() for spec in specs.values()],
                saver,
                system_prompt=SHOPPING_SYSTEM_PROMPT.format(currency=info.currency),
                known_product_ids=frozenset(p.id for p in products),
                max_tool_rounds=settings.max_tool_rounds,
                keep_turns=settings.chat_history_turns,
            )
            yield Runtime(settings, services, specs, graph, info)
    finally:
        services.close()
