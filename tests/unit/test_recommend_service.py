"""``recommend_products`` end to end on a real store and model: rules, errors, reasons, cache."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pydantic import ValidationError

from infra.cache import Cache, MemoryStore
from infra.errors import NotFoundError, ToolInputError
from tests.unit.recs_store import PRODUCTS, make_store
from tools.catalog.sqlite import SqliteStore
from tools.recommend.base import ModelAnswer, ModelQuery
from tools.recommend.local import LocalRecommender
from tools.recommend.reasons import reason, shared_attributes
from tools.recommend.service import RecommendationService
from tools.recommend.tools import recommend_tools
from tools.recommend.train import Interactions, fit
from tools.search.embedded import EmbeddedSearch


class CountingRecommender(LocalRecommender):
    """The real local backend, counting how often it was asked."""

    calls = 0

    async def invoke(self, query: ModelQuery) -> ModelAnswer:
        self.calls += 1
        return await super().invoke(query)


@dataclass
class Activity:
    """Recent behaviour as the event pipeline's profile store would report it."""

    seen: dict[str, list[str]] = field(default_factory=dict)
    bought: dict[str, list[str]] = field(default_factory=dict)

    def version(self, user_id: str) -> str:
        return str(len(self.seen.get(user_id, [])))

    def items(self, user_id: str) -> tuple[list[str], list[str]]:
        return list(self.seen.get(user_id, [])), list(self.bought.get(user_id, []))


@dataclass
class Shop:
    store: SqliteStore
    service: RecommendationService
    backend: CountingRecommender
    activity: Activity


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Shop]:
    from tools.recommend.backend import train_recommender

    store = make_store(tmp_path)
    model = train_recommender(store, tmp_path / "model")
    search = EmbeddedSearch()
    search.index(PRODUCTS)
    backend = CountingRecommender(model)
    activity = Activity()
    service = RecommendationService(store, backend, Cache(), search, ttl_s=300, activity=activity)
    try:
        yield Shop(store, service, backend, activity)
    finally:
        store.close()


async def recommend(shop: Shop, **args: object) -> dict[str, object]:
    [spec] = recommend_tools(shop.service)
    return (await spec.run(dict(args))).model_dump()


async def test_bought_together_skips_out_of_stock_and_says_why(shop: Shop) -> None:
    out = await recommend(shop, product_id="RED-LANTERN", limit=5)
    assert out["strategy"] == out["requested"] == "bought_together"
    products = out["products"]
    assert isinstance(products, list)
    assert products[0]["id"] == "RED-MUG"
    assert products[0]["reason"] == (
        "Bought together with Red Heart Lantern in 3 orders; same colour (red)."
    )
    assert products[0]["shared"] == {"colour": ["red"]}
    assert "OLD-MUG" not in [p["id"] for p in products]
    assert out["note"] == "Left out 1 out-of-stock product."


async def test_personalized_for_a_known_shopper(shop: Shop) -> None:
    out = await recommend(shop, user_id="u4")
    products = out["products"]
    assert isinstance(products, list)
    assert products[0]["id"] == "RED-LANTERN"
    assert "Red Tea Mug (in your history)" in products[0]["reason"]
    assert not {"RED-MUG", "CANDLES"} & {p["id"] for p in products}


async def test_a_new_shopper_gets_trending_with_a_note(shop: Shop) -> None:
    out = await recommend(shop, user_id="u6")
    assert (out["requested"], out["strategy"]) == ("personalized", "trending")
    assert out["note"] == "No purchase history for this shopper: showing what is selling now."
    products = out["products"]
    assert isinstance(products, list) and products
    assert "in the last 30 days of sales" in products[0]["reason"]


async def test_recent_purchases_are_used_and_left_out(shop: Shop) -> None:
    shop.activity.seen["u6"] = ["CANDLES"]
    shop.activity.bought["u6"] = ["CANDLES"]
    out = await recommend(shop, user_id="u6")
    assert out["strategy"] == "personalized"
    products = out["products"]
    assert isinstance(products, list)
    assert "CANDLES" not in {p["id"] for p in products}
    assert "Candle Set (in your history)" in products[0]["reason"]


async def test_a_product_new_to_the_model_gets_its_category(shop: Shop) -> None:
    out = await recommend(shop, product_id="NEW-LANTERN", strategy="similar")
    products = out["products"]
    assert isinstance(products, list)
    assert {p["id"] for p in products} == {"RED-LANTERN", "BLUE-LANTERN"}
    assert "New Star Lantern is new to the sales data" in str(out["note"])
    assert products[0]["reason"].startswith("Same category (Lantern)")


async def test_bad_input_is_explained(shop: Shop) -> None:
    with pytest.raises(NotFoundError, match="no product has id 'NOPE'"):
        await recommend(shop, product_id="NOPE")
    with pytest.raises(NotFoundError, match="no shopper has id 'ghost'"):
        await recommend(shop, user_id="ghost")
    with pytest.raises(ToolInputError, match="strategy 'similar' needs a product_id"):
        await recommend(shop, strategy="similar")
    with pytest.raises(ValidationError, match="less than or equal to 50"):
        await recommend(shop, limit=51)
    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        await recommend(shop, limit=0)
    with pytest.raises(ValidationError, match="personalized"):
        await recommend(shop, strategy="random")


async def test_answers_are_cached_until_the_shopper_acts(shop: Shop) -> None:
    first = await recommend(shop, user_id="u1", limit=3)
    again = await recommend(shop, user_id="u1", limit=3)
    assert first == again and shop.backend.calls == 1
    shop.activity.seen["u1"] = ["GIFT-BAG"]  # a new event changes the shopper's version
    await recommend(shop, user_id="u1", limit=3)
    assert shop.backend.calls == 2
    await recommend(shop, user_id="u1", limit=4)  # another question is another entry
    assert shop.backend.calls == 3


async def test_a_hit_reads_the_cache_and_nothing_else(shop: Shop) -> None:
    first = await recommend(shop, product_id="RED-LANTERN", limit=3)
    shop.store.close()  # from here on, any store read raises
    assert await recommend(shop, product_id="RED-LANTERN", limit=3) == first
    assert shop.backend.calls == 1


async def test_the_memory_cache_expires_and_evicts() -> None:
    memory = MemoryStore(max_entries=2)
    memory.set("a", "1", ttl_s=0.0)
    assert memory.get("a") is None
    memory.set("b", "2", 60)
    memory.set("c", "3", 60)
    memory.set("d", "4", 60)
    assert (memory.get("b"), memory.get("c"), memory.get("d")) == (None, "3", "4")


def test_reasons_read_the_evidence() -> None:
    from tools.recommend.base import Evidence

    titles = {"A": "Alpha Mug"}
    assert reason([Evidence(kind="anchor", product_id="A", shoppers=2)], titles) == (
        "2 shoppers who bought Alpha Mug also bought this."
    )
    assert reason([Evidence(kind="popular", shoppers=1)], {}) == "Bought by 1 shopper."
    assert reason([], {}, {"colour": ["red"], "size": ["L"]}) == ("Same colour (red) and size (L).")
    assert reason([], {}) == "Popular in this store."
    assert shared_attributes({"colour": ["Red", "blue"]}, {"colour": ["red"]}) == {
        "colour": ["Red"]
    }


def test_sequences_without_baskets_answer_bought_together_from_shoppers() -> None:
    model = fit(Interactions.from_sequences([("u1", ["a", "b"]), ("u2", ["a", "b", "c"])]))
    answer = model.invoke(ModelQuery(strategy="bought_together", product_id="a"))
    assert answer.strategy == "similar"
    assert "no orders with several items" in (answer.fallback or "")
    assert answer.items[0].product_id == "b"
