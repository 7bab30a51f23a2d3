"""The backends one process uses, built once from settings and handed to tools and graphs."""

from __future__ import annotations

from dataclasses import dataclass

from infra.settings import Settings
from tools.catalog.store import Store
from tools.search.base import ProductSearch


@dataclass
class Services:
    settings: Settings
    store: Store
    search: ProductSearch

    def close(self) -> None:
        self.store.close()
