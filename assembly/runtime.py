"""One running assistant: every backend, the graphs, the tools and the web app's guards."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from dataclasses import dataclass
from typing import Any

from langgraph.graph.state import CompiledStateGraph

from agents.models import OFFLINE, chat_model
from agents.offline.planner import OfflinePlanner
from agents.prompts import CUSTOMER_SERVICE_PROMPT, SHOPPING_SYSTEM_PROMPT
from assembly.content import content_graph
from assembly.events import EventPipeline, open_pipeline, run_in_threads
from assembly.services import Services
from assembly.tool_specs import tool_specs
from graphs.chat import build_graph
from graphs.explain import ExplainGraph
from graphs.orders import CustomerService
from infra.conversations import open_checkpointer
from infra.errors import ConfigError
from infra.identity import Identity
from infra.ratelimit import RateLimiter, open_limiter
from infra.sessions import SessionRegistry, open_sessions
from infra.settings import Settings
from tools.content.base import ContentAuthor
from tools.models import StoreInfo
from tools.recommend.activity import ProfileActivity
from tools.spec import ToolSpec


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    services: Services
    author: ContentAuthor
    specs: dict[str, ToolSpec[Any, Any]]
    graph: CompiledStateGraph[Any, Any, Any, Any]
    info: StoreInfo
    events: EventPipeline
    limiter: RateLimiter
    identity: Identity
    sessions: SessionRegistry


@asynccontextmanager
async def open_runtime(settings: Settings, process_events: bool = False) -> AsyncIterator[Runtime]:
    """Build everything once, in dependency order, and close it all on exit.

    events → backends (recommendations read the events' profiles) → chat model → content and
    explain graphs → tools → checkpointer (encrypted; SQLite or PostgreSQL) → chat graph →
    sessions (SQLite or PostgreSQL), limiter (Redis, PostgreSQL or the process), identity. With
    ``process_events`` the event processors (profiles, lake) run in background threads while the
    runtime is open.
    """
    with open_pipeline(settings, process_events) as events:
        services = Services.from_settings(settings, ProfileActivity(events.profiles))
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
            author = content_graph(services, model)
            writer = None if settings.model == OFFLINE else model
            explainer = ExplainGraph(services.recommendations, writer)
            specs = tool_specs(services, author, explainer)
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
                    closing(open_sessions(settings)) as sessions,
                    closing(open_limiter(settings, services.cache)) as limiter,
                    run_in_threads(events),
                ):
                    yield Runtime(
                        settings=settings,
                        services=services,
                        author=author,
                        specs=specs,
                        graph=graph,
                        info=info,
                        events=events,
                        limiter=limiter,
                        identity=Identity.from_settings(settings),
                        sessions=sessions,
                    )
        finally:
            await services.aclose()
