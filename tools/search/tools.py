"""The ``search_products`` tool."""

from __future__ import annotations

from infra.metrics import search_found_nothing
from tools.search.base import ProductSearch, SearchQuery, SearchResult
from tools.spec import ToolSpec


def search_tools(search: ProductSearch) -> list[ToolSpec[SearchQuery, SearchResult]]:
    """The search tools bound to a backend."""

    async def search_products(args: SearchQuery) -> SearchResult:
        """Search the store's catalog for products.

        Put the shopper's product need in ``query`` (words such as 'heart lantern' or 'blue mug')
        and every stated constraint in its own argument: price range in ``min_price`` /
        ``max_price``, colour, material or size in ``attributes``, product kind in ``category``.
        ``sort='price_asc'`` finds the cheapest. Returns the matching products (id, title,
        price, attributes, in_stock), the total number of matches, and facet counts. When
        nothing matches, relax one constraint and search again (or pass ``relax=true`` and read
        ``relaxed``), and tell the shopper which. For raw shopper text, ``extract_constraints``
        reads a price range and attribute values from the query (listed in ``extracted``).
        """
        result = await search.search(args)
        if not result.products:
            search_found_nothing(search.name)
        return result

    return [ToolSpec("search_products", SearchQuery, SearchResult, search_products)]
