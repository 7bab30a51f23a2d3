"""Settings naming OpenSearch put the whole assistant on it: the store's catalog is indexed
into the cluster and the chat's search_products calls answer from there."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
from opensearchpy import OpenSearch

from assembly.runtime import open_runtime
from assembly.services import Services
from graphs.turns import stream_turn
from infra.settings import Settings
from tools.search.cached import CachedSearch
from tools.search.opensearch import OpenSearchSearch
from tools.search.tools import search_tools

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(online_retail_dir: Path, tmp_path: Path, opensearch_url: str) -> Settings:
    data_dir = tmp_path / "data"  # a copy: the runtime writes to its data directory
    shutil.copytree(online_retail_dir, data_dir)
    return Settings(
        data_dir=data_dir,
        search_backend="opensearch",
        opensearch_url=opensearch_url,
        opensearch_index=f"store-{uuid.uuid4().hex[:8]}",
    )


def _indexed(settings: Settings) -> int:
    with OpenSearch([settings.opensearch_url]) as client:
        count: int = client.count(index=settings.opensearch_index)["count"]
        return count


async def test_services_index_the_store_into_opensearch(settings: Settings) -> None:
    services = Services.from_settings(settings)
    try:
        assert isinstance(services.search, CachedSearch)
        assert isinstance(services.search.inner, OpenSearchSearch)
        products = sum(1 for _ in services.store.iter_products())
        assert _indexed(settings) == products > 1000
        by_name = {spec.name: spec for spec in search_tools(services.search)}
        result = await by_name["search_products"].run(
            {"query": "heart lantern", "limit": 5}
        )
        assert result.total > 0
        assert all("lantern" in p.title.lower() for p in result.products)
    finally:
        await services.aclose()


async def test_the_chat_searches_on_opensearch(settings: Settings) -> None:
    async with open_runtime(settings) as runtime:
        frames: list[dict[str, Any]] = [
            frame async for frame in stream_turn(runtime.graph, "t1", "red lanterns under £5")
        ]
    calls = [f for f in frames if f["type"] == "tool_call" and f["name"] == "search_products"]
    results = [f for f in frames if f["type"] == "tool_result" and f["name"] == "search_products"]
    assert calls and results
    assert calls[0]["args"].get("max_price") == 5
    assert frames[-1]["type"] == "message" and frames[-1]["products"]
    assert _indexed(settings) > 1000
