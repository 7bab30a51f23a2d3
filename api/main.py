"""The FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.routes import chat, health, pages, tools
from api.runtime import open_runtime
from infra.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app; its lifespan opens the runtime (store, search index, model, chat graph)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_runtime(settings) as runtime:
            app.state.runtime = runtime
            yield

    app = FastAPI(
        title="shopagent",
        version="0.1.0",
        summary="A shopping assistant: chat over a WebSocket, tools over REST.",
        lifespan=lifespan,
    )
    for module in (health, tools, chat, pages):
        app.include_router(module.router)
    return app
