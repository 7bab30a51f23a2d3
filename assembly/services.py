"""The tool backends one process uses, chosen by settings and handed to tools and graphs."""

from __future__ import annotations

from dataclasses import dataclass, field

from infra.cache import Cache, cache_from_settings
from infra.settings import Settings
from tools.analyze.backend import text_analyzer
from tools.analyze.base import TextAnalyzer
from tools.catalog.backend import store as open_store
from tools.catalog.store import Store
from tools.content.backend import content_store
from tools.content.base import ContentStore
from tools.forecast.backend import forecaster, inventory
from tools.forecast.base import Forecaster
from tools.forecast.inventory import Inventory
from tools.recommend.backend import recommender
from tools.recommend.service import Activity, RecommendationService
from tools.search.backend import Closer, product_search
from tools.search.base import ProductSearch
from tools.search.cached import CachedSearch


@dataclass(frozen=True)
class Services:
    settings: Settings
    store: Store
    search: ProductSearch
    analyzer: TextAnalyzer
    contents: ContentStore
    forecaster: Forecaster
    inventory: Inventory
    cache: Cache
    recommendations: RecommendationService
    # Async resources of the chosen backends (the OpenSearch clients), released by ``aclose``.
    closers: list[Closer] = field(default_factory=list)

    @classmethod
    def from_settings(cls, settings: Settings, activity: Activity | None = None) -> Services:
        """Open the configured backends; the search index is built from the store.

        ``activity`` (the event pipeline's profiles) lets recommendations follow a shopper's
        behaviour since training.
        """
        store = open_store(settings)
        cache = cache_from_settings(settings)
        closers: list[Closer] = []
        search = CachedSearch(product_search(settings, closers), cache, settings.cache_ttl_s)
        search.index(store.iter_products())
        recommendations = RecommendationService(
            store, recommender(settings), cache, search, settings.cache_ttl_s, activity=activity
        )
        return cls(
            settings,
            store,
            search,
            text_analyzer(settings),
            content_store(settings),
            forecaster(settings),
            inventory(settings, store),
            cache,
            recommendations,
            closers=closers,
        )

    async def aclose(self) -> None:
        """``close``, and the cache's Redis connections and the backends' ``closers``."""
        await self.cache.close()
        for close in self.closers:
            await close()
        self.close()

    def close(self) -> None:
        self.inventory.ledger.close()
        self.store.close()
