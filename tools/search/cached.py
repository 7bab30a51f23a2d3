"""Search results through the cache: any ``ProductSearch`` with answers kept for a TTL.

The key is the query's canonical JSON plus a digest of the indexed catalog (ids, prices and
stock), so re-indexing a changed catalog never serves an old answer, and every process that
indexed the same catalog shares the same Redis entries.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator

from infra.cache import Cache
from tools.models import Product
from tools.search.base import ProductSearch, SearchQuery, SearchResult


class CachedSearch:
    """``ProductSearch`` with a cache in front of ``inner``."""

    def __init__(self, inner: ProductSearch, cache: Cache, ttl_s: float) -> None:
        self.inner = inner
        self.cache = cache
        self.ttl_s = ttl_s
        self.name = inner.name
        self._catalog = "empty"

    def index(self, products: Iterable[Product]) -> None:
        digest = hashlib.blake2b(digest_size=8)

        def fingerprinted() -> Iterator[Product]:
            for p in products:
                digest.update(f"{p.id}\x1f{p.price}\x1f{p.stock}\x1e".encode())
                yield p

        self.inner.index(fingerprinted())
        self._catalog = digest.hexdigest()

    async def search(self, query: SearchQuery) -> SearchResult:
        text = query.model_dump_json()
        key = f"search:{self.name}:{self._catalog}:{hashlib.blake2b(text.encode()).hexdigest()}"

        async def compute() -> str:
            return (await self.inner.search(query)).model_dump_json()

        raw, _ = await self.cache.cached(key, self.ttl_s, compute)
        return SearchResult.model_validate_json(raw)
