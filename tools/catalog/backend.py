"""The store that settings choose."""

from __future__ import annotations

from infra.errors import ConfigError
from infra.settings import Settings
from tools.catalog.store import Store


def store(settings: Settings) -> Store:
    """``sqlite``: the file ``store_path`` in the data directory (made on first use);
    ``postgres``: the database at ``database_url`` (its tables made on first use)."""
    if settings.store_backend == "sqlite":
        from tools.catalog.sqlite import SqliteStore

        return SqliteStore(settings.store_path)
    if settings.database_url is None:
        raise ConfigError("SHOPAGENT_STORE_BACKEND=postgres needs SHOPAGENT_DATABASE_URL")
    from tools.catalog.postgres import PostgresStore

    return PostgresStore(settings.database_url.get_secret_value())
