"""The store that settings choose."""

from __future__ import annotations

from infra.errors import ConfigError
from infra.settings import Settings
from tools.catalog.store import Store


def store(settings: Settings) -> Store:
    """``sqlite``: the file ``store_path`` in the data directory (made on first use)."""
    if settings.store_backend == "sqlite":
        from tools.catalog.sqlite import SqliteStore

        return SqliteStore(settings.store_path)
    raise ConfigError(f"store backend {settings.store_backend!r} is not available yet")
