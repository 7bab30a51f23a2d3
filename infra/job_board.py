"""Where background jobs publish their progress, so that any worker can answer a poll.

A job runs in the process that started it; after each step it publishes its whole view (a
JSON document) here, and a poll reads the latest one. ``open_job_board`` gives the PostgreSQL
board when the shop's store is there (every worker and machine reads one table), else None:
a process answers for its own jobs only, which is enough when one process serves.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from infra.errors import ConfigError
from infra.postgres_pool import open_pool
from infra.settings import Settings

_SCHEMA_LOCK = 0x10B_B0A2D
_SCHEMA = """
CREATE TABLE IF NOT EXISTS job_views (
    job_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    view TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS job_views_updated ON job_views (updated_at);
"""
_PUBLISH = (
    "INSERT INTO job_views (job_id, kind, view, updated_at) "
    "VALUES (%s, %s, %s, statement_timestamp()) ON CONFLICT (job_id) "
    "DO UPDATE SET view = excluded.view, updated_at = excluded.updated_at"
)
# Views of jobs untouched this long are dropped as new jobs start.
KEEP_DAYS = 7
_PRUNE = (
    "DELETE FROM job_views WHERE updated_at < statement_timestamp() - make_interval(days => %s)"
)


class JobBoard(Protocol):
    def publish(self, job_id: str, kind: str, view: dict[str, Any]) -> None: ...
    def read(self, job_id: str, kind: str) -> dict[str, Any] | None: ...
    def prune(self) -> None: ...
    def close(self) -> None: ...


class PostgresJobBoard:
    """Job views in ``job_views``: one row per job, replaced at each publication."""

    def __init__(self, url: str, *, max_size: int = 2, timeout_s: float = 10.0) -> None:
        self._pool = open_pool(
            url,
            name="shopagent-job-board",
            schema=_SCHEMA,
            schema_lock=_SCHEMA_LOCK,
            max_size=max_size,
            timeout_s=timeout_s,
        )

    def publish(self, job_id: str, kind: str, view: dict[str, Any]) -> None:
        with self._pool.connection() as conn:
            conn.execute(_PUBLISH, (job_id, kind, json.dumps(view)))

    def read(self, job_id: str, kind: str) -> dict[str, Any] | None:
        """The latest view of the job of that kind (None: no such job)."""
        with self._pool.connection() as conn:
            row = conn.execute(
                "SELECT view FROM job_views WHERE job_id = %s AND kind = %s", (job_id, kind)
            ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def prune(self) -> None:
        with self._pool.connection() as conn:
            conn.execute(_PRUNE, (KEEP_DAYS,))

    def close(self) -> None:
        self._pool.close()


def open_job_board(settings: Settings) -> JobBoard | None:
    """The PostgreSQL board when ``store_backend`` is ``postgres``, else None (in-process)."""
    if settings.store_backend != "postgres":
        return None
    if settings.database_url is None:
        raise ConfigError("SHOPAGENT_STORE_BACKEND=postgres needs SHOPAGENT_DATABASE_URL")
    return PostgresJobBoard(settings.database_url.get_secret_value())
