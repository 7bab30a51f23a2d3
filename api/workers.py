"""What each ``shopagent serve`` worker process builds for itself: its app and its HTTP protocol.

uvicorn starts ``--workers N`` processes by spawning fresh interpreters, so it is handed import
strings rather than objects: ``APP_FACTORY`` names ``served_app``, which each worker calls once
to build the app from its own settings (read from the environment it inherits), and the app's
lifespan opens that worker's runtime (its own store pool, checkpointer, session registry, model
and search index). ``PROTOCOL`` names the HTTP protocol with the request-header deadline.
"""

from __future__ import annotations

from fastapi import FastAPI

from api.header_deadline import HeaderDeadlineProtocol
from api.main import create_app
from infra.errors import ConfigError
from infra.settings import Settings, get_settings

APP_FACTORY = "api.workers:served_app"
PROTOCOL = "api.workers:ServedProtocol"


def check_workers(settings: Settings, workers: int) -> None:
    """Refuse a number of workers the settings cannot serve.

    The embedded event stream has one consumer per name (a lock file in the data directory):
    a second worker that ran the processors too would fail to start. Kinesis hands shards out
    by lease, so every worker may process there.
    """
    if workers > 1 and settings.events_backend == "local" and settings.events_process_in_server:
        raise ConfigError(
            f"--workers {workers} on the embedded event stream: only one process may consume "
            "it, so set SHOPAGENT_EVENTS_PROCESS_IN_SERVER=false and run "
            "`shopagent events process --follow` beside the workers"
        )


class ServedProtocol(HeaderDeadlineProtocol):
    """The header-deadline protocol; ``served_app`` sets its deadline from the settings."""


def served_app() -> FastAPI:
    """This worker's app (uvicorn loads the protocol class before it calls this factory, and
    makes a protocol instance per connection only once serving)."""
    settings = get_settings()
    ServedProtocol.header_timeout_s = settings.header_timeout_s
    return create_app(settings)
