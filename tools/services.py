"""The backends one process uses, chosen by settings and handed to tools and graphs."""

from __future__ import annotations

from dataclasses import dataclass

from infra.errors import ConfigError
from infra.settings import Settings
from tools.catalog.store import Store
from tools.search.base import ProductSearch


@dataclass
class Services:
    settings: Settings
    store: Store
    search: ProductSearch

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        """Open the configured backends; the search index is built from the store."""
        if settings.store_backend != "sqlite":
            raise ConfigError(f"store backend {settings.store_backend!r} is not available yet")
        if settings.search_backend != "embedded":
            raise ConfigError(f"search backend {settings.search_backend!r} is not available yet")
        from tools.catalog.sqlite import SqliteStore
        from tools.search.embedded import EmbeddedSearch

        store = SqliteStore(settings.store_path)
        search = EmbeddedSearch()
        search.index(store.iter_products())
        return cls(settings, store, search)

    def close(self) -> None:
        self.store.close()
