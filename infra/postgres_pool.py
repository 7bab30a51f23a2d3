"""A pool of autocommit connections to PostgreSQL, open and with its tables made."""

from __future__ import annotations

from typing import Any

from psycopg_pool import ConnectionPool, PoolTimeout

from infra.errors import UpstreamError


def open_pool(
    url: str,
    *,
    name: str,
    schema: str,
    schema_lock: int,
    min_size: int = 1,
    max_size: int,
    timeout_s: float,
) -> ConnectionPool[Any]:
    """A pool on ``url``, open (``UpstreamError`` when no connection comes within ``timeout_s``),
    after ``schema`` has run under the advisory lock ``schema_lock`` (so workers starting
    together do not race to create the same tables)."""
    pool: ConnectionPool[Any] = ConnectionPool(
        url,
        min_size=min_size,
        max_size=max_size,
        timeout=timeout_s,
        kwargs={"autocommit": True},
        open=False,
        name=name,
    )
    try:
        pool.open(wait=True, timeout=timeout_s)
    except PoolTimeout as err:
        pool.close()
        raise UpstreamError(
            f"PostgreSQL did not accept a connection within {timeout_s:g} s "
            "(check SHOPAGENT_DATABASE_URL and that the server is up)"
        ) from err
    with pool.connection() as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (schema_lock,))
        conn.execute(schema)
    return pool
