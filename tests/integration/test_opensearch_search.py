"""The OpenSearch search backend on a real node: the embedded backend's behaviour (parity),
the alias swap under load, bulk progress, and clear errors from a missing index or cluster."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from opensearchpy import AsyncOpenSearch, OpenSearch

from infra.errors import ToolInputError, UpstreamError
from infra.local_services import free_port
from tests.unit.test_embedded_search import CATALOG
from tools.models import Product
from tools.search.base import SearchQuery, SearchResult
from tools.search.embedded import EmbeddedSearch
from tools.search.opensearch import BULK_CHUNK, OpenSearchSearch
from tools.search.opensearch_query import MAX_CLAUSES
from tools.search.tools import search_tools
from tools.search.vectors import Embedder

pytestmark = pytest.mark.integration


def _backend(url: str, alias: str, **kwargs: Any) -> OpenSearchSearch:
    return OpenSearchSearch(
        AsyncOpenSearch([url], timeout=10), OpenSearch([url], timeout=60), alias=alias, **kwargs
    )


@pytest.fixture(scope="module")
def catalog_alias(opensearch_url: str) -> Iterator[str]:
    """An alias holding the embedded tests' catalog, indexed once for the module."""
    alias = f"catalog-{uuid.uuid4().hex[:8]}"
    backend = _backend(opensearch_url, alias)
    backend.index(CATALOG)
    yield alias
    backend.bulk_client.indices.delete(index=f"{alias}-*")
    backend.bulk_client.close()


@pytest.fixture
async def search(opensearch_url: str, catalog_alias: str) -> AsyncIterator[OpenSearchSearch]:
    backend = _backend(opensearch_url, catalog_alias)
    yield backend
    await backend.aclose()


@pytest.fixture
async def fresh(opensearch_url: str) -> AsyncIterator[OpenSearchSearch]:
    """A backend on an alias of its own, for tests that index."""
    backend = _backend(opensearch_url, f"fresh-{uuid.uuid4().hex[:8]}")
    yield backend
    backend.bulk_client.indices.delete(index=f"{backend.alias}-*")
    await backend.aclose()


async def _run(
    search: OpenSearchSearch | EmbeddedSearch, query: str = "", **kw: Any
) -> SearchResult:
    kw.setdefault("limit", 50)
    return await search.search(SearchQuery(query=query, **kw))


def _ids(result: SearchResult) -> list[str]:
    return [p.id for p in result.products]


# --- parity with the embedded backend -------------------------------------------------------

# The embedded backend's own test queries. Where both rank by BM25 but weigh fields
# differently (BM25F there, per-field BM25 here) only the set of matches must agree.
SAME_ORDER = [
    {"query": "heart lantern"},
    {"query": "blue mug"},
    {"query": "heart lantern teapot"},
    {"query": "lantern"},
    {"query": "pink metal"},
    {"query": "xylophone"},
    {"query": "the of and a"},
    {"query": "LÁNTERN"},
    {"query": "lanterns"},
    {"query": "cake stands"},
    {"query": "dresses"},
    {"query": "glasses"},
    {"query": "cakestand"},
    {"query": "tea light holder"},
    {"query": ""},
    {"category": "mugs"},
    {"category": "  CAKE   stands "},
    {"category": "cake"},
    {"brand": "GLOW"},
    {"brand": "Nobody"},
    {"min_price": 2.1, "max_price": 3.0},
    {"max_price": 1.5},
    {"min_price": 12.0},
    {"attributes": {"colour": "RED"}},
    {"attributes": {"Colour": "white"}},
    {"attributes": {"colour": "red", "material": "metal"}},
    {"attributes": {"colour": "ultraviolet"}},
    {"attributes": {"colour": " "}},
    {"in_stock_only": True},
    {"query": "mug", "in_stock_only": True},
    {"query": "jumbo bag", "attributes": {"colour": "blue"}},
    {"query": "heart", "category": "lanterns", "max_price": 10, "in_stock_only": True},
    {"query": "mug", "sort": "price_asc"},
    {"query": "mug", "sort": "price_desc"},
    {"query": "jumbo bag", "sort": "price_asc"},
    {"query": "red", "sort": "popularity"},
    {"sort": "price_asc"},
    {"sort": "price_desc", "limit": 2},
    {"query": "red", "limit": 1},
    {"query": "mug", "limit": 1},
    {"query": "mug", "offset": 10},
    {"category": "Bags"},
    {"query": "tealight candles"},
    # a word no product uses, read as its most common one-edit spelling
    {"query": "lantrn"},
    {"query": "mugg"},
    {"query": "heartt lantern"},
    # Snowball stems: "hanging" meets "hang", "bake" meets "baking"
    {"query": "hang lantern"},
    {"query": "bake tins"},
    # constraints read from the text, and relaxed when nothing meets them
    {"query": "red mug under £2.50", "extract_constraints": True},
    {"query": "blue glass vase", "extract_constraints": True},
    {"query": "pink mug", "attributes": {"colour": "pink"}, "relax": True},
    {"query": "lantern", "category": "Mugs", "max_price": 1, "relax": True},
]
SAME_MATCHES = [
    {"query": "t-light"},
    {"query": "t light"},
    {"query": "tlight"},
    {"query": "tealight"},
    {"query": "tea light"},
    {"query": "ceramic"},
    {"query": "baking"},
    {"query": "a mug for the desk"},
    {"query": "lantern tins", "attributes": {"colour": "red"}},
]


@pytest.mark.parametrize("args", SAME_ORDER, ids=str)
async def test_same_products_in_the_same_order_as_embedded(
    search: OpenSearchSearch, args: dict[str, Any]
) -> None:
    expected = await _run(EmbeddedSearch(CATALOG), **args)
    got = await _run(search, **args)
    assert (got.total, _ids(got), got.facets) == (expected.total, _ids(expected), expected.facets)
    assert (got.extracted, got.relaxed) == (expected.extracted, expected.relaxed)


@pytest.mark.parametrize("args", SAME_MATCHES, ids=str)
async def test_same_matches_as_embedded(search: OpenSearchSearch, args: dict[str, Any]) -> None:
    expected = await _run(EmbeddedSearch(CATALOG), **args)
    got = await _run(search, **args)
    assert got.total == expected.total > 0
    assert set(_ids(got)) == set(_ids(expected))
    assert got.facets == expected.facets


@pytest.mark.parametrize("attributes", [{"size": "large"}, {"Colour": "red", "SIZE": "xl"}])
async def test_unknown_attribute_names_are_an_input_error_as_in_embedded(
    search: OpenSearchSearch, attributes: dict[str, str]
) -> None:
    with pytest.raises(ToolInputError) as expected:
        await _run(EmbeddedSearch(CATALOG), "mug", attributes=attributes)
    with pytest.raises(ToolInputError) as got:
        await _run(search, "mug", attributes=attributes)
    assert str(got.value) == str(expected.value)
    assert "colour, material" in str(got.value)


async def test_summaries_carry_the_product_fields(search: OpenSearchSearch) -> None:
    hit = (await _run(search, "tealight candles", limit=1)).products[0]
    assert (hit.id, hit.title, hit.price, hit.currency, hit.brand, hit.category) == (
        "p11", "Tealight Candles Pack", 1.5, "GBP", "Glow", "Candles",
    )  # fmt: skip
    assert hit.attributes == {"colour": ["white"], "material": ["wax"]}
    assert hit.in_stock is True
    assert hit.score > 0


async def test_pages_follow_one_order(search: OpenSearchSearch) -> None:
    everything = _ids(await _run(search, sort="price_asc"))
    pages: list[str] = []
    for offset in range(0, len(CATALOG), 5):
        page = await _run(search, sort="price_asc", offset=offset, limit=5)
        assert page.total == len(CATALOG)
        pages.extend(_ids(page))
    assert pages == everything


async def test_search_products_tool_runs_on_this_backend(search: OpenSearchSearch) -> None:
    (tool,) = search_tools(search)
    result = await tool.run({"query": "heart lantern", "limit": 3})
    assert _ids(result) == ["p02"]


async def test_long_and_odd_queries_answer_like_embedded(search: OpenSearchSearch) -> None:
    # 150 distinct words after "mug": far more clauses than one Lucene query may hold
    long = "mug " + " ".join(f"w{i}x" for i in range(150))
    assert len(long) <= 1000 and len(long.split()) > MAX_CLAUSES
    odd = ['mug" OR 1=1 --', "mug*", "(heart) AND [lantern]", "\U0001f388 mug", "mug\\u0000"]
    for text in [long, *odd]:
        expected = await _run(EmbeddedSearch(CATALOG), text)
        got = await _run(search, text)
        assert (got.total, set(_ids(got))) == (expected.total, set(_ids(expected))), text


# --- index lifecycle ------------------------------------------------------------------------


async def test_index_replaces_the_catalog_behind_the_alias(fresh: OpenSearchSearch) -> None:
    fresh.index(CATALOG)
    first = list(fresh.bulk_client.indices.get_alias(name=fresh.alias))
    fresh.index(CATALOG[:2])
    second = list(fresh.bulk_client.indices.get_alias(name=fresh.alias))
    assert len(first) == len(second) == 1 and first != second
    assert not fresh.bulk_client.indices.exists(index=first[0])  # the old index is gone
    assert (await _run(fresh)).total == 2
    assert (await _run(fresh, "mug")).total == 0


async def test_later_duplicate_id_replaces_earlier(fresh: OpenSearchSearch) -> None:
    renamed = CATALOG[3].model_copy(update={"title": "Green Mug"})
    fresh.index([*CATALOG, renamed])
    assert (await _run(fresh)).total == len(CATALOG)
    assert _ids(await _run(fresh, "green")) == ["p04"]
    assert (await _run(fresh, "polka")).total == 0


async def test_empty_catalog_finds_nothing(fresh: OpenSearchSearch) -> None:
    fresh.index([])
    result = await _run(fresh, "mug")
    assert (result.total, result.products, result.facets) == (0, [], {})


async def test_bulk_indexing_reports_progress(fresh: OpenSearchSearch) -> None:
    products = [
        Product(id=f"b{i:05d}", title=f"Bulk Mug {i}", price=1.0 + i % 7)
        for i in range(2 * BULK_CHUNK + 500)
    ]
    calls: list[tuple[str, int, int]] = []
    fresh.index(products, progress=lambda stage, done, total: calls.append((stage, done, total)))
    loading = [call for call in calls if call[0] == "indexing opensearch/bm25"]
    assert [done for _, done, _ in loading] == [0, 1000, 2000, 2500]
    assert all(total == len(products) for _, _, total in loading)
    # then the segments are merged into one, before the alias moves
    assert calls[len(loading) :] == [
        ("merging opensearch/bm25", 0, 1),
        ("merging opensearch/bm25", 1, 1),
    ]
    assert (await _run(fresh, "mug")).total == len(products)


async def test_reindexing_never_interrupts_searches(fresh: OpenSearchSearch) -> None:
    """Searches running while a new catalog is loaded see the old one, then the new one."""
    fresh.index(CATALOG)
    renamed = [p.model_copy(update={"id": f"new-{p.id}"}) for p in CATALOG]
    padding = [Product(id=f"pad{i}", title=f"Padding {i}", price=1.0) for i in range(3000)]
    old = set(_ids(await _run(fresh, "mug")))
    reindex = asyncio.create_task(asyncio.to_thread(fresh.index, [*renamed, *padding]))
    seen: list[set[str]] = []
    while not reindex.done():
        seen.append(set(_ids(await _run(fresh, "mug"))))
    await reindex
    new = {f"new-{pid}" for pid in old}
    assert seen and all(ids in (old, new) for ids in seen)
    assert set(_ids(await _run(fresh, "mug"))) == new


# --- failures -------------------------------------------------------------------------------


async def test_search_before_any_index_says_so(fresh: OpenSearchSearch) -> None:
    with pytest.raises(UpstreamError, match="does not exist"):
        await _run(fresh, "mug")


async def test_unreachable_cluster_fails_fast_and_clearly() -> None:
    port = free_port()  # nothing listens there
    backend = _backend(f"http://127.0.0.1:{port}", "nowhere")
    start = time.monotonic()
    with pytest.raises(UpstreamError, match=f"127.0.0.1:{port}") as searching:
        await _run(backend, "mug")
    with pytest.raises(UpstreamError, match=f"127.0.0.1:{port}"):
        backend.index(CATALOG)
    assert time.monotonic() - start < 5
    assert "could not search" in str(searching.value)
    await backend.aclose()


# --- hybrid ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Embedder]:
    vectors = Embedder(tmp_path_factory.mktemp("vectors"))
    yield vectors
    vectors.close()


@pytest.fixture
async def hybrid(opensearch_url: str, embedder: Embedder) -> AsyncIterator[OpenSearchSearch]:
    backend = _backend(opensearch_url, f"hybrid-{uuid.uuid4().hex[:8]}", vectors=embedder)
    backend.index(CATALOG)
    yield backend
    backend.bulk_client.indices.delete(index=f"{backend.alias}-*")
    await backend.aclose()


async def test_hybrid_stores_vectors_in_a_lucene_knn_field(hybrid: OpenSearchSearch) -> None:
    mapping = hybrid.bulk_client.indices.get_mapping(index=hybrid.alias)
    (index,) = mapping.values()
    field = index["mappings"]["properties"]["embedding"]
    assert (field["type"], field["dimension"], field["method"]["engine"]) == (
        "knn_vector", 384, "lucene",
    )  # fmt: skip


async def test_hybrid_finds_by_meaning_where_no_word_matches(hybrid: OpenSearchSearch) -> None:
    assert (await _run(EmbeddedSearch(CATALOG), "cup")).total == 0  # no product says "cup"
    result = await _run(hybrid, "cup", limit=2)
    assert set(_ids(result)) == {"p04", "p05"}  # the mugs
    # the filters hold on the vector side too
    assert _ids(await _run(hybrid, "cup", category="Vases")) == ["p12"]


@pytest.mark.parametrize(
    "args",
    [
        {"query": "heart lantern"},
        {"query": "lamp for a candle", "limit": 5},
        {"query": "cup", "in_stock_only": True},
        {"query": "mug", "sort": "price_asc"},
        {"query": "red", "sort": "popularity", "limit": 4},
        {"query": "blue", "offset": 3, "limit": 4},
    ],
    ids=str,
)
async def test_hybrid_answers_as_embedded_hybrid(
    hybrid: OpenSearchSearch, embedder: Embedder, args: dict[str, Any]
) -> None:
    expected = await _run(EmbeddedSearch(CATALOG, embedder=embedder), **args)
    got = await _run(hybrid, **args)
    assert (got.total, _ids(got), got.facets) == (expected.total, _ids(expected), expected.facets)
