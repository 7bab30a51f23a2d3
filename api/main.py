"""The FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.body_guard import BodyGuard
from api.docs_pages import install_docs
from api.error_responses import install_error_responses
from api.forecast_schedule import forecast_schedule
from api.http_metrics import HttpMetrics
from api.openapi_docs import install_openapi
from api.request_context import RequestContext
from api.routes import (
    analyze,
    chat,
    console,
    content,
    events,
    health,
    inventory,
    metrics,
    pages,
    tools,
)
from api.security_headers import SecurityHeaders
from assembly.runtime import open_runtime
from infra.metrics import worker_stopped
from infra.settings import Settings, get_settings
from infra.tracing import configure_tracing
from tools.analyze.log_filter import install_pii_log_masking


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app; its lifespan opens the runtime (store, search index, model, chat graph)."""
    settings = settings or get_settings()
    install_pii_log_masking()
    configure_tracing(settings)  # off unless OTEL_TRACES_EXPORTER names an exporter

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_runtime(settings, settings.events_process_in_server) as runtime:
            app.state.runtime = runtime
            async with forecast_schedule(runtime):
                yield
            await content.cancel_jobs(app)
        worker_stopped(settings.metrics_multiproc_dir)

    app = FastAPI(
        title="shopagent",
        version="0.1.0",
        summary="A shopping assistant: chat over a WebSocket, tools over REST.",
        lifespan=lifespan,
        docs_url=None,  # /docs is served with its own files (api.docs_pages)
        openapi_url="/openapi.json" if settings.docs_enabled else None,
        redoc_url=None,  # one docs page, /docs
    )
    routers = (health, tools, chat, events, analyze, content, inventory, pages, metrics, console)
    for module in routers:
        app.include_router(module.router)
    if settings.docs_enabled:
        install_docs(app)
        install_openapi(app)
    install_error_responses(app)
    console.install(app)  # the console's 401 / 403 are its sign-in page
    # The last added runs first: headers go on every answer, the body gate's refusals too.
    app.add_middleware(
        BodyGuard, max_body_bytes=settings.max_body_bytes, body_timeout_s=settings.body_timeout_s
    )
    app.add_middleware(SecurityHeaders)
    # Outermost: every answer is counted, the gates' refusals too.
    app.add_middleware(HttpMetrics)
    # Around everything: the request id, the request's span and its log line.
    app.add_middleware(RequestContext)
    return app
