"""The product-search backend that settings choose."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from infra.clients import async_opensearch_client, opensearch_client
from infra.settings import Settings
from tools.search.base import ProductSearch

if TYPE_CHECKING:
    from tools.search.vectors import Embedder

Closer = Callable[[], Awaitable[None]]


def product_search(settings: Settings, closers: list[Closer]) -> ProductSearch:
    """``embedded`` (in-process) or ``opensearch`` (the cluster at ``opensearch_url``).

    What the backend holds open (the OpenSearch clients, the vector cache) is appended to
    ``closers``.
    """
    from tools.search.vectors import Embedder

    vectors = None
    if settings.search_method == "hybrid":
        vectors = Embedder(settings.data_dir / "vectors")
        closers.append(_closer(vectors))
    if settings.search_backend == "opensearch":
        from tools.search.opensearch import OpenSearchSearch

        search = OpenSearchSearch(
            async_opensearch_client(settings),
            opensearch_client(settings),
            alias=settings.opensearch_index,
            vectors=vectors,
        )
        closers.append(search.aclose)
        return search
    from tools.search.embedded import EmbeddedSearch

    return EmbeddedSearch(embedder=vectors)


def _closer(embedder: Embedder) -> Closer:
    async def close() -> None:
        embedder.close()

    return close
